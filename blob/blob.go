// Package blob stores uploaded files by the hex SHA-256 of their content.
//
// A file's name is its hash, so the same bytes are stored once, a stored
// file never changes, and nothing a client sends (a file name, a header)
// ever becomes part of a path or object key.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
)

// ErrNotFound means no file with that hash is stored.
var ErrNotFound = errors.New("blob: not found")

// ErrBadSum means a sum is not 64 lower-case hex characters.
var ErrBadSum = errors.New("blob: malformed sum")

// ErrMismatch means the bytes given to Put do not hash to the sum, or are
// not exactly size bytes long. Nothing is stored.
var ErrMismatch = errors.New("blob: content does not match sum")

// Store keeps files by the hex SHA-256 of their content.
type Store interface {
	// Put stores the size bytes of r under sum (64 lower-case hex chars).
	// Idempotent: putting an existing sum again succeeds without reading r
	// or rewriting. A file is visible under sum only once all its bytes are
	// stored and verified: if r fails, is short, or does not hash to sum,
	// Put returns an error (wrapping ErrMismatch for the last two) and
	// leaves nothing under sum. A malformed sum returns ErrBadSum.
	Put(ctx context.Context, sum string, r io.Reader, size int64) error
	// Open returns the content, or an error wrapping ErrNotFound (or
	// ErrBadSum). The caller closes it.
	Open(ctx context.Context, sum string) (io.ReadCloser, error)
	// Ping checks the storage is reachable (for /readyz).
	Ping(ctx context.Context) error
}

// Sum returns the hex SHA-256 of b, the name Store uses for it.
func Sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkSum rejects anything but exactly 64 lower-case hex digits, so a sum
// can be used as a file name or object key as it is (no "..", no "/").
func checkSum(sum string) error {
	if len(sum) != sha256.Size*2 {
		return fmt.Errorf("%w: length %d", ErrBadSum, len(sum))
	}
	for i := 0; i < len(sum); i++ {
		c := sum[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("%w: byte %d", ErrBadSum, i)
		}
	}
	return nil
}

// verifyReader yields exactly size bytes of r and hashes them as they pass.
// It withholds the read that would complete the content until the hash is
// known: a mismatch is returned as an error in place of the final bytes, so
// a consumer streaming to storage never sees a complete, wrong body. A short
// r returns io.ErrUnexpectedEOF wrapped in ErrMismatch.
type verifyReader struct {
	r    io.Reader // limited to size bytes
	h    hash.Hash
	want string
	left int64
	err  error // sticky; guarded by mu

	// mu guards err for contentError: an HTTP client may still be reading
	// the body on its own goroutine when the request has returned.
	mu sync.Mutex
}

// contentError returns what was wrong with the content (a short body or a
// hash mismatch), or nil if nothing was found wrong (yet).
func (v *verifyReader) contentError() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if errors.Is(v.err, ErrMismatch) {
		return v.err
	}
	return nil
}

func (v *verifyReader) setErr(err error) error {
	v.mu.Lock()
	v.err = err
	v.mu.Unlock()
	return err
}

func newVerifyReader(r io.Reader, sum string, size int64) *verifyReader {
	return &verifyReader{r: io.LimitReader(r, size), h: sha256.New(), want: sum, left: size}
}

func (v *verifyReader) Read(p []byte) (int, error) {
	v.mu.Lock()
	sticky := v.err
	v.mu.Unlock()
	if sticky != nil {
		return 0, sticky
	}
	if v.left == 0 {
		// Empty content: check once, then EOF.
		err := v.check()
		if err == nil {
			err = io.EOF
		}
		return 0, v.setErr(err)
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.left -= int64(n)
	if v.left == 0 {
		if cerr := v.check(); cerr != nil {
			return 0, v.setErr(cerr)
		}
		v.setErr(io.EOF)
		return n, nil
	}
	if err == io.EOF {
		return n, v.setErr(fmt.Errorf("%w: %d bytes short: %w", ErrMismatch, v.left, io.ErrUnexpectedEOF))
	}
	if err != nil {
		v.setErr(err)
	}
	return n, err
}

func (v *verifyReader) check() error {
	if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
		return fmt.Errorf("%w: got sha256 %s", ErrMismatch, got)
	}
	return nil
}
