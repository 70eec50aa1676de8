package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestDir(t *testing.T) {
	d, err := NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	storeContract(t, d)
	// Every failure above must have cleaned up its temporary file.
	assertNoTempFiles(t, d.dir)
}

func TestDirLayoutAndModes(t *testing.T) {
	root := filepath.Join(t.TempDir(), "a", "b")
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("layout")
	sum := Sum(content)
	mustPut(t, d, sum, content)

	p := filepath.Join(root, sum[:2], sum[2:4], sum)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatalf("file not at dir/ab/cd/<sum>: %v", err)
	}
	if got := fi.Mode().Perm(); got != 0o640 {
		t.Errorf("file mode %o, want 640", got)
	}
	for _, dir := range []string{root, filepath.Dir(p), filepath.Dir(filepath.Dir(p))} {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		// MkdirAll applies the umask; 0750 is the most it may grant.
		if got := fi.Mode().Perm(); got&^0o750 != 0 {
			t.Errorf("%s: mode %o grants more than 750", dir, got)
		}
	}
}

func TestDirIdempotentDoesNotRewrite(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("written once")
	sum := Sum(content)
	mustPut(t, d, sum, content)
	before, err := os.Stat(d.path(sum))
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, d, sum, content)
	after, err := os.Stat(d.path(sum))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || !before.ModTime().Equal(after.ModTime()) {
		t.Fatal("second Put replaced the file")
	}
}

func TestDirReaderFailsLeavesNothing(t *testing.T) {
	root := t.TempDir()
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	content := bytes.Repeat([]byte{7}, 1<<20)
	sum := Sum(content)
	r := io.MultiReader(bytes.NewReader(content[:1<<19]), failingReader{})
	if err := d.Put(context.Background(), sum, r, int64(len(content))); !errors.Is(err, errRead) {
		t.Fatalf("Put: %v, want errRead", err)
	}
	n := 0
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			t.Errorf("left behind: %s", p)
			n++
		}
		return nil
	})
}

func TestDirCancelledContext(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	content := []byte("late")
	if err := d.Put(ctx, Sum(content), bytes.NewReader(content), 4); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled context: %v", err)
	}
	if _, err := d.Open(context.Background(), Sum(content)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open: %v, want ErrNotFound", err)
	}
}

func TestDirConcurrentPutsOfTheSameSum(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := bytes.Repeat([]byte("concurrent "), 50_000)
	sum := Sum(content)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for range n {
		wg.Go(func() {
			errs <- d.Put(context.Background(), sum, bytes.NewReader(content), int64(len(content)))
		})
	}
	// Readers racing the writers see either ErrNotFound or the whole file.
	for range n {
		wg.Go(func() {
			rc, err := d.Open(context.Background(), sum)
			if errors.Is(err, ErrNotFound) {
				return
			}
			if err != nil {
				errs <- err
				return
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err == nil && !bytes.Equal(b, content) {
				err = errors.New("reader saw a partial file")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := mustRead(t, d, sum); !bytes.Equal(got, content) {
		t.Fatal("content differs after concurrent Puts")
	}
	assertNoTempFiles(t, d.dir)
}

func TestDirPing(t *testing.T) {
	root := filepath.Join(t.TempDir(), "store")
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	if err := d.Ping(context.Background()); err == nil {
		t.Fatal("Ping of a removed directory succeeded")
	}
}

func TestNewDirEmpty(t *testing.T) {
	if _, err := NewDir(""); err == nil {
		t.Fatal(`NewDir("") succeeded`)
	}
}

func assertNoTempFiles(tb testing.TB, root string) {
	tb.Helper()
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			tb.Errorf("walk: %v", err)
			return nil
		}
		if !e.IsDir() && checkSum(e.Name()) != nil {
			tb.Errorf("stray file: %s", p)
		}
		return nil
	})
}
