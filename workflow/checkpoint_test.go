package workflow

import (
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// signing returns Options' signer and verifier key for a new test key.
func signing(tb testing.TB) (note.Signer, string) {
	tb.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, OriginFor("test"))
	noErr(tb, err)
	s, err := note.NewSigner(skey)
	noErr(tb, err)
	return s, vkey
}

// TestDailyCheckpoint: replicas (engines over one database, one key) each run
// the daily checkpoint at once; one checkpoint is made that day, its note
// opening with the key; the next day, with new events, one more.
func TestDailyCheckpoint(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		signer, vkey := signing(t)
		var replicas []*Services
		for range 3 {
			store := f.store
			if f.store.Dialect() == model.DialectPostgres {
				store = modeltest.OpenAt(t, f.url)
			}
			replicas = append(replicas, New(store, Options{Now: func() time.Time { return f.now }, ReportKey: testKey, Signer: signer, VerifierKey: vkey}))
		}
		for _, r := range replicas {
			noErr(t, r.Checkpoints.EnsureKey(f.ctx))
		}
		f.hazard(t)
		f.hazard(t)
		daily := func(now time.Time) int {
			var wg sync.WaitGroup
			var mu sync.Mutex
			made := 0
			for _, r := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, m, err := r.Checkpoints.Daily(f.ctx, now)
					noErr(t, err)
					if m {
						mu.Lock()
						made++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			return made
		}
		if n := daily(f.now); n != 1 {
			t.Fatalf("first day: %d checkpoints made", n)
		}
		f.hazard(t)
		if n := daily(f.now.Add(time.Hour)); n != 0 {
			t.Fatalf("same day again: %d checkpoints made", n)
		}
		f.now = f.now.Add(24 * time.Hour)
		if n := daily(f.now); n != 1 {
			t.Fatalf("next day: %d checkpoints made", n)
		}
		cp, ok, err := replicas[0].Checkpoints.Latest(f.ctx)
		if err != nil || !ok || cp.N != 2 || cp.Size != 3 {
			t.Fatalf("latest: %+v %v %v", cp, ok, err)
		}
		v, err := note.NewVerifier(vkey)
		noErr(t, err)
		n, err := note.Open([]byte(cp.SignedNote), note.VerifierList(v))
		noErr(t, err)
		origin, size, root, err := ParseCheckpointText(n.Text)
		if err != nil || origin != "hazardloop/test" || size != 3 || root.String() != cp.Root {
			t.Errorf("note %q: %s %d %s %v", n.Text, origin, size, root, err)
		}
		if s := StampOf(cp); !strings.HasPrefix(s, "日志检查点第2号：3条记录，根哈希 ") {
			t.Errorf("stamp %q", s)
		}
		// Another key on the same database: refused.
		other, otherKey := signing(t)
		err = New(f.store, Options{Now: func() time.Time { return f.now }, Signer: other, VerifierKey: otherKey}).Checkpoints.EnsureKey(f.ctx)
		if err == nil || !strings.Contains(err.Error(), "--signing-key") {
			t.Errorf("another key: %v", err)
		}
	})
}
