package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// dropEventTriggers removes the events table's append-only triggers, as
// someone with the database's owner account could.
func dropEventTriggers(t *testing.T, store *model.Store) {
	t.Helper()
	ctx := context.Background()
	if store.Dialect() == model.DialectPostgres {
		noErr(t, store.Exec(ctx, "DROP TRIGGER hazard_events_no_update ON hazard_events"))
		return
	}
	noErr(t, store.Exec(ctx, "DROP TRIGGER hazard_events_no_update"))
	noErr(t, store.Exec(ctx, "DROP TRIGGER hazard_events_no_delete"))
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestVerifyCatchesRewrites: hazardloop verify passes on the demo province; an
// event's payload edited behind the dropped trigger makes it fail naming the
// hazard and seq; a chain recomputed whole (every hash resealed, the head
// moved) passes plain verify and is caught only by verify --checkpoint, with
// a checkpoint saved before, naming the first event that differs.
func TestVerifyCatchesRewrites(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			url := modeltest.URL(t, d)
			cmd := commandOn(url, t.TempDir())
			_, err := cmd("demo")
			noErr(t, err)
			out, err := cmd("checkpoint")
			noErr(t, err)
			if !strings.Contains(out, "已签第 1 号检查点") || !strings.Contains(out, "hazardloop/default\n") {
				t.Fatalf("checkpoint printed %q", out)
			}
			if out, err := cmd("verify"); err != nil || !strings.Contains(out, "全部完好") {
				t.Fatalf("verify of the seed: %v\n%s", err, out)
			}

			store := modeltest.OpenAt(t, url)
			cp, ok, err := store.LatestCheckpoint(ctx)
			if err != nil || !ok {
				t.Fatalf("latest checkpoint: %v %v", ok, err)
			}
			saved := filepath.Join(t.TempDir(), "checkpoint.json")
			b, _ := json.Marshal(cp) // as GET /api/v1/checkpoints lists it
			noErr(t, os.WriteFile(saved, b, 0o600))
			if out, err := cmd("verify", "--checkpoint", saved); err != nil || !strings.Contains(out, "日志与检查点相符") {
				t.Fatalf("verify --checkpoint before any rewrite: %v\n%s", err, out)
			}

			// Two hazards with at least three events: the first has its chain
			// recomputed whole, the second an event's payload edited.
			var ids []int64
			noErr(t, store.Raw(ctx, &ids, "SELECT hazard_id FROM hazard_events GROUP BY hazard_id HAVING COUNT(*) >= 3 ORDER BY hazard_id LIMIT 2"))
			if len(ids) < 2 {
				t.Fatalf("the demo has %d hazards with three events", len(ids))
			}
			dropEventTriggers(t, store)

			// The whole chain from seq 2 on resealed with the same code that
			// sealed it, the head moved along: every link and hash consistent.
			rewritten := hazardCode(t, store, ids[0])
			evs, err := store.ListEvents(ctx, ids[0])
			noErr(t, err)
			evs[1].Comment += "（已改）"
			for i := 1; i < len(evs); i++ {
				evs[i].Seal(evs[i-1].Seq, evs[i-1].Hash)
				noErr(t, store.Exec(ctx, "UPDATE hazard_events SET comment = ?, prev_hash = ?, hash = ? WHERE id = ?",
					evs[i].Comment, evs[i].PrevHash, evs[i].Hash, evs[i].ID))
			}
			noErr(t, store.Exec(ctx, "UPDATE hazards SET chain_head = ? WHERE id = ?", evs[len(evs)-1].Hash, ids[0]))
			if out, err := cmd("verify"); err != nil {
				t.Fatalf("plain verify cannot see a chain recomputed whole, yet failed: %v\n%s", err, out)
			}
			out, err = cmd("verify", "--checkpoint", saved)
			if err == nil {
				t.Fatalf("verify --checkpoint passed a rewritten chain:\n%s", out)
			}
			for _, want := range []string{rewritten, "第2条记录", "seq 2", "不符"} {
				if !strings.Contains(err.Error()+out, want) {
					t.Errorf("verify --checkpoint does not name %q:\nerr %v\n%s", want, err, out)
				}
			}
			// The saved note's own text works as well as its JSON.
			note := filepath.Join(t.TempDir(), "checkpoint.txt")
			noErr(t, os.WriteFile(note, []byte(cp.SignedNote), 0o600))
			if _, err := cmd("verify", "--checkpoint", note); err == nil || !strings.Contains(err.Error(), rewritten) {
				t.Errorf("verify --checkpoint NOTE: %v", err)
			}

			// A payload edited in place: plain verify names hazard and seq.
			edited := hazardCode(t, store, ids[1])
			noErr(t, store.Exec(ctx, `UPDATE hazard_events SET payload = '{"forged":true}' WHERE hazard_id = ? AND seq = 2`, ids[1]))
			out, err = cmd("verify")
			if err == nil {
				t.Fatalf("verify passed an edited payload:\n%s", out)
			}
			for _, want := range []string{edited, "id " + strconv.FormatInt(ids[1], 10), "seq 2", "第2条记录的内容与其哈希不符"} {
				if !strings.Contains(err.Error()+out, want) {
					t.Errorf("verify does not name %q:\nerr %v\n%s", want, err, out)
				}
			}
		})
	}
}

// commandOn runs hazardloop's sub-commands on the database at url with data
// as the data directory, returning what they print.
func commandOn(url, data string) func(args ...string) (string, error) {
	return func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(args, "--database-url", url, "--data-dir", data, "--load-regions=false"), &out, io.Discard, nil)
		return out.String(), err
	}
}

func hazardCode(t *testing.T, store *model.Store, id int64) string {
	t.Helper()
	var code string
	noErr(t, store.Raw(context.Background(), &code, "SELECT code FROM hazards WHERE id = ?", id))
	return code
}

// TestSigningKeyAcrossReplicas: replicas share one key; one started with
// another key (its own data dir made a new one) refuses, saying why.
func TestSigningKeyAcrossReplicas(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			url := modeltest.URL(t, d)
			first, second := t.TempDir(), t.TempDir()
			cmd := func(data string, args ...string) error {
				return run(ctx, append(args, "--database-url", url, "--data-dir", data, "--load-regions=false"), io.Discard, io.Discard, nil)
			}
			noErr(t, cmd(first, "checkpoint"))
			info, err := os.Stat(filepath.Join(first, "signing.key"))
			noErr(t, err)
			if info.Mode().Perm() != 0o600 {
				t.Errorf("signing.key mode %v, want 0600", info.Mode().Perm())
			}
			// Another replica with its own key: refused.
			err = cmd(second, "checkpoint")
			if err == nil || !strings.Contains(err.Error(), "refusing to start") || !strings.Contains(err.Error(), "--signing-key") {
				t.Fatalf("a replica with another key: %v", err)
			}
			// With the first one's key, it starts.
			noErr(t, cmd(second, "checkpoint", "--signing-key", filepath.Join(first, "signing.key")))
			// A key named for another deployment is refused before anything.
			err = cmd(second, "checkpoint", "--signing-key", filepath.Join(first, "signing.key"), "--deployment", "elsewhere")
			if err == nil || !strings.Contains(err.Error(), "hazardloop/elsewhere") {
				t.Fatalf("a key of another deployment: %v", err)
			}
		})
	}
}

// testSigningKey writes a new note signer key to a file and returns its path:
// what replicas of one deployment share.
func testSigningKey(t *testing.T) string {
	t.Helper()
	skey, _, err := note.GenerateKey(rand.Reader, "hazardloop/default")
	noErr(t, err)
	path := filepath.Join(t.TempDir(), "signing.key")
	noErr(t, os.WriteFile(path, []byte(skey+"\n"), 0o600))
	return path
}

// TestVerifyCatchesAuditEdits: hazardloop verify checks the audit log's chain
// too: an entry's record of a change edited behind the dropped trigger (as
// someone with the database's owner account could) fails it, naming the log
// and the entry.
func TestVerifyCatchesAuditEdits(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			url := modeltest.URL(t, d)
			cmd := commandOn(url, t.TempDir())
			_, err := cmd("demo")
			noErr(t, err)
			if out, err := cmd("verify"); err != nil || !strings.Contains(out, "审计日志") {
				t.Fatalf("verify of the seed does not report the audit log: %v\n%s", err, out)
			}
			store := modeltest.OpenAt(t, url)
			var seq int64
			noErr(t, store.Raw(ctx, &seq, "SELECT MIN(seq) FROM audit_entries"))
			if seq == 0 {
				t.Fatal("the demo left no audit entry")
			}
			if store.Dialect() == model.DialectPostgres {
				noErr(t, store.Exec(ctx, "DROP TRIGGER audit_entries_no_update ON audit_entries"))
			} else {
				noErr(t, store.Exec(ctx, "DROP TRIGGER audit_entries_no_update"))
			}
			noErr(t, store.Exec(ctx, `UPDATE audit_entries SET after = '{"role":"admin"}' WHERE seq = ?`, seq))
			out, err := cmd("verify")
			if err == nil {
				t.Fatalf("verify passed an edited audit entry:\n%s", out)
			}
			want := "第" + strconv.FormatInt(seq, 10) + "条记录的内容与其哈希不符"
			for _, w := range []string{"审计日志", want} {
				if !strings.Contains(err.Error()+out, w) {
					t.Errorf("verify does not name %q:\nerr %v\n%s", w, err, out)
				}
			}
		})
	}
}
