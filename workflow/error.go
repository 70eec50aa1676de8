package workflow

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"hazardloop/model"
)

// Kind classifies a refusal; the handler maps each kind to one HTTP status.
type Kind int

// The kinds of refusal.
const (
	KindInvalid      Kind = iota + 1 // fields missing or malformed
	KindForbidden                    // outside the caller's territory, or not the caller's to do
	KindNotAllowed                   // the event cannot happen in the hazard's state
	KindConflict                     // stale version or taken key
	KindNotFound                     // no such record
	KindUnauthorized                 // not logged in, or bad credentials
	KindTooLarge                     // an upload over its size limit
	KindRateLimited                  // too many requests; RetryAfter says when to come back
)

// Error is a refusal the user can act on: a stable code, a Chinese sentence, the
// fields at fault (json names → Chinese message) and, for events, what is allowed.
type Error struct {
	Kind       Kind
	Code       string
	Message    string
	Fields     map[string]string
	Allowed    []model.Event
	RetryAfter time.Duration
	Detail     any // more for the client, e.g. the row errors of a rejected ledger
	cause      error
	is         error // the sentinel errors.Is finds in this refusal, if any
}

// ErrStale is what errors.Is finds in a refusal of a change made against a
// record that someone else changed first (KindConflict, code "stale_version"):
// read the record again and retry.
var ErrStale = errors.New("workflow: stale version")

func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.cause)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is the sentinel this refusal stands for.
func (e *Error) Is(target error) bool { return e.is != nil && target == e.is }

// errStale refuses a change that lost the race for its record.
func errStale(msg string, cause error) *Error {
	return &Error{Kind: KindConflict, Code: "stale_version", Message: msg, cause: cause, is: ErrStale}
}

func errInvalid(fields map[string]string) *Error {
	parts := make([]string, 0, len(fields))
	for _, k := range sortedKeys(fields) {
		parts = append(parts, fields[k])
	}
	return &Error{Kind: KindInvalid, Code: "invalid_fields", Message: "请检查填写内容：" + strings.Join(parts, "；"), Fields: fields}
}

// errNotApplicable refuses fields that are well formed but do not belong to
// the record as given (a disaster hazard's fields on an accident hazard):
// KindNotAllowed (422), each field named.
func errNotApplicable(fields map[string]string) *Error {
	parts := make([]string, 0, len(fields))
	for _, k := range sortedKeys(fields) {
		parts = append(parts, fields[k])
	}
	return &Error{Kind: KindNotAllowed, Code: "fields_not_applicable", Message: strings.Join(parts, "；"), Fields: fields}
}

func errForbidden(msg string) *Error {
	return &Error{Kind: KindForbidden, Code: "forbidden", Message: msg}
}

func errNotFound(what string, cause error) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: what + "不存在", cause: cause}
}

// notFoundOr turns model.ErrNotFound into a Chinese not-found error and passes
// anything else on.
func notFoundOr(what string, err error) error {
	if errors.Is(err, model.ErrNotFound) {
		return errNotFound(what, err)
	}
	return err
}

// The refusals of use cases over the workflow (the ledger), in the workflow's
// terms, so that one mapper turns them into HTTP.

// Forbidden is the refusal (KindForbidden, code forbidden) of what is not the
// caller's to do; msg is said to the user.
func Forbidden(msg string) *Error { return errForbidden(msg) }

// NotFoundOr turns model.ErrNotFound into the refusal (KindNotFound, code
// not_found) that says what does not exist (what + 不存在), and passes any other
// error on.
func NotFoundOr(what string, err error) error { return notFoundOr(what, err) }

// Invalid is the refusal (KindInvalid) of input the user can correct: a stable
// code, msg said to the user, and cause (may be nil) for the log and errors.Is.
func Invalid(code, msg string, cause error) *Error {
	return &Error{Kind: KindInvalid, Code: code, Message: msg, cause: cause}
}

// fieldErrors collects problems with fields, keyed by their JSON name.
type fieldErrors map[string]string

func (f fieldErrors) add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return errInvalid(f)
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
