package model

import "errors"

// Sentinel errors of the store. Callers test them with errors.Is; the store wraps
// them with the operation that failed.
var (
	// ErrNotFound: no row matches.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the row changed since it was read (a stale version).
	ErrConflict = errors.New("version conflict")
	// ErrDuplicate: a unique key is taken.
	ErrDuplicate = errors.New("duplicate key")
)
