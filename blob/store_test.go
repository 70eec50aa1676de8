package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// storeContract checks the Store contract shared by every implementation.
func storeContract(t *testing.T, s Store) {
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		for _, content := range [][]byte{
			[]byte("hello, evidence"),
			{},
			bytes.Repeat([]byte{0, 1, 2, 0xff}, 300_000), // > 1 MiB, several reads
		} {
			sum := Sum(content)
			mustPut(t, s, sum, content)
			if got := mustRead(t, s, sum); !bytes.Equal(got, content) {
				t.Fatalf("Open(%s) returned %d bytes, want %d", sum, len(got), len(content))
			}
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		content := []byte("same bytes twice")
		sum := Sum(content)
		mustPut(t, s, sum, content)
		// The second Put must not even read its reader.
		if err := s.Put(ctx, sum, failingReader{}, int64(len(content))); err != nil {
			t.Fatalf("second Put: %v", err)
		}
		if got := mustRead(t, s, sum); !bytes.Equal(got, content) {
			t.Fatalf("content changed: %q", got)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		_, err := s.Open(ctx, Sum([]byte("never stored")))
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Open of a missing sum: %v, want ErrNotFound", err)
		}
	})
	t.Run("BadSum", func(t *testing.T) {
		good := Sum([]byte("x"))
		for _, sum := range []string{
			"",
			good[:63],
			good + "0",
			strings.ToUpper(good),
			"../../../../etc/passwd" + good[22:],
			good[:62] + "/a",
			good[:62] + "\x00a",
			good[:63] + "g",
			strings.Repeat(".", 64),
		} {
			if err := s.Put(ctx, sum, strings.NewReader("x"), 1); !errors.Is(err, ErrBadSum) {
				t.Errorf("Put(%q): %v, want ErrBadSum", sum, err)
			}
			if _, err := s.Open(ctx, sum); !errors.Is(err, ErrBadSum) {
				t.Errorf("Open(%q): %v, want ErrBadSum", sum, err)
			}
		}
	})
	t.Run("Mismatch", func(t *testing.T) {
		claimed := Sum([]byte("what the client said"))
		for name, tc := range map[string]struct {
			r    io.Reader
			size int64
		}{
			"wrong content": {strings.NewReader("something else entirely"), 23},
			"short":         {strings.NewReader("what the client"), 20},
			"negative size": {strings.NewReader(""), -1},
		} {
			err := s.Put(ctx, claimed, tc.r, tc.size)
			if !errors.Is(err, ErrMismatch) {
				t.Errorf("%s: Put: %v, want ErrMismatch", name, err)
			}
			if _, err := s.Open(ctx, claimed); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: after a failed Put, Open: %v, want ErrNotFound", name, err)
			}
		}
	})
	t.Run("ReaderFails", func(t *testing.T) {
		content := bytes.Repeat([]byte("evidence "), 10_000)
		sum := Sum(content)
		r := io.MultiReader(bytes.NewReader(content[:50_000]), failingReader{})
		if err := s.Put(ctx, sum, r, int64(len(content))); !errors.Is(err, errRead) {
			t.Fatalf("Put with a failing reader: %v, want errRead", err)
		}
		if _, err := s.Open(ctx, sum); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after a failed Put, Open: %v, want ErrNotFound", err)
		}
		mustPut(t, s, sum, content) // and a good retry works
	})
	t.Run("Ping", func(t *testing.T) {
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

var errRead = errors.New("test: read failed")

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errRead }

func mustPut(tb testing.TB, s Store, sum string, content []byte) {
	tb.Helper()
	if err := s.Put(context.Background(), sum, bytes.NewReader(content), int64(len(content))); err != nil {
		tb.Fatalf("Put(%s): %v", sum, err)
	}
}

func mustRead(tb testing.TB, s Store, sum string) []byte {
	tb.Helper()
	rc, err := s.Open(context.Background(), sum)
	if err != nil {
		tb.Fatalf("Open(%s): %v", sum, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatalf("reading %s: %v", sum, err)
	}
	return b
}

func TestSum(t *testing.T) {
	// SHA-256 of the empty string.
	if got, want := Sum(nil), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; got != want {
		t.Fatalf("Sum(nil) = %s, want %s", got, want)
	}
}
