package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir is a Store in a local directory. A file lives at dir/ab/cd/<sum>,
// where ab and cd are the first two pairs of hex digits of sum.
type Dir struct {
	dir string
}

var _ Store = (*Dir)(nil)

// NewDir returns a Dir rooted at dir, creating it (0750) if missing.
func NewDir(dir string) (*Dir, error) {
	if dir == "" {
		return nil, errors.New("blob.NewDir: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob.NewDir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("blob.NewDir: %w", err)
	}
	return &Dir{dir: abs}, nil
}

func (d *Dir) path(sum string) string {
	return filepath.Join(d.dir, sum[0:2], sum[2:4], sum)
}

// Put implements Store. The bytes go to a temporary file beside the final
// one, which is verified, synced and renamed into place; the directory is
// synced after the rename. Concurrent Puts of the same sum each write their
// own temporary file and the last rename wins with identical content.
func (d *Dir) Put(ctx context.Context, sum string, r io.Reader, size int64) (err error) {
	defer wrap(&err, "blob.Dir.Put")
	if err := checkSum(sum); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("%w: negative size %d", ErrMismatch, size)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	final := d.path(sum)
	if _, err := os.Stat(final); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	leaf := filepath.Dir(final)
	if err := os.MkdirAll(leaf, 0o750); err != nil {
		return err
	}
	// The ".tmp-" prefix can never be a valid sum, so Open never sees it.
	f, err := os.CreateTemp(leaf, ".tmp-"+sum[:8]+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := io.Copy(f, &ctxReader{ctx: ctx, r: newVerifyReader(r, sum, size)}); err != nil {
		return err
	}
	if err := f.Chmod(0o640); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return syncDir(leaf)
}

// Open implements Store.
func (d *Dir) Open(ctx context.Context, sum string) (_ io.ReadCloser, err error) {
	defer wrap(&err, "blob.Dir.Open")
	if err := checkSum(sum); err != nil {
		return nil, err
	}
	f, err := os.Open(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, sum)
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Ping implements Store: the root must exist and be a directory.
func (d *Dir) Ping(ctx context.Context) error {
	fi, err := os.Stat(d.dir)
	if err != nil {
		return fmt.Errorf("blob.Dir.Ping: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("blob.Dir.Ping: %s is not a directory", d.dir)
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// ctxReader stops a long copy when the context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func wrap(err *error, op string) {
	if *err != nil {
		*err = fmt.Errorf("%s: %w", op, *err)
	}
}
