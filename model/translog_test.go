package model_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"hazardloop/model"
)

// fakeSign stands in for the note signer: the store keeps whatever text it gets.
func fakeSign(size int64, root tlog.Hash) (string, error) {
	return fmt.Sprintf("test\n%d\n%s\n", size, root), nil
}

// TestVerifyAll: every chain and head intact passes; a head moved, a last_seq
// moved and an event's comment edited (triggers dropped) are each named by
// hazard and seq; a hazard without events counts.
func TestVerifyAll(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		var hs []*model.Hazard
		for i := range 5 {
			h := w.hazard(t, "360102", nil)
			for range i + 1 {
				w.event(t, h, model.EventRemind)
			}
			hs = append(hs, h)
		}
		w.hazard(t, "360103", nil) // no events: its head is ""
		rep, err := w.s.VerifyAll(w.ctx)
		noErr(t, err)
		if rep.Hazards != 6 || rep.Events != 15 || rep.BrokenCount != 0 {
			t.Fatalf("intact: %+v", rep)
		}
		dropTriggers(t, w)
		noErr(t, w.s.Exec(w.ctx, "UPDATE hazards SET chain_head = ? WHERE id = ?", strings.Repeat("0", 64), hs[1].ID))
		noErr(t, w.s.Exec(w.ctx, "UPDATE hazards SET last_seq = 9 WHERE id = ?", hs[2].ID))
		noErr(t, w.s.Exec(w.ctx, "UPDATE hazard_events SET comment = 'x' WHERE hazard_id = ? AND seq = 3", hs[4].ID))
		rep, err = w.s.VerifyAll(w.ctx)
		noErr(t, err)
		if rep.BrokenCount != 3 || len(rep.Broken) != 3 {
			t.Fatalf("three broken: %+v", rep)
		}
		want := []struct {
			id      int64
			seq     int64
			problem string
		}{{hs[1].ID, 2, "链头不符"}, {hs[2].ID, 9, "日志位置为9"}, {hs[4].ID, 3, "内容与其哈希不符"}}
		for i, b := range rep.Broken {
			if b.HazardID != want[i].id || b.BrokenAt != want[i].seq || !strings.Contains(b.Problem, want[i].problem) || b.Code == "" {
				t.Errorf("break %d: %+v, want %+v", i, b, want[i])
			}
		}
	})
}

func dropTriggers(t *testing.T, w *world) {
	t.Helper()
	if w.s.Dialect() == model.DialectPostgres {
		noErr(t, w.s.Exec(w.ctx, "DROP TRIGGER hazard_events_no_update ON hazard_events"))
		return
	}
	noErr(t, w.s.Exec(w.ctx, "DROP TRIGGER hazard_events_no_update"))
}

// TestAppendLog: leaves in the order the job saw events committed, the tree
// recomputed from the events matching the checkpoint's root, nothing new no
// checkpoint, the log's tables append-only, and the recorded key enforced.
func TestAppendLog(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h := w.hazard(t, "360102", nil)
		for range 5 {
			w.event(t, h, model.EventRemind)
		}
		cp, made, err := w.s.AppendLog(w.ctx, w.now, time.Time{}, fakeSign)
		noErr(t, err)
		if !made || cp.N != 1 || cp.Size != 5 || cp.SignedNote != "test\n5\n"+cp.Root+"\n" {
			t.Fatalf("checkpoint 1: %v %+v", made, cp)
		}
		if _, made, err := w.s.AppendLog(w.ctx, w.now, time.Time{}, fakeSign); err != nil || made {
			t.Fatalf("nothing new: made %v, %v", made, err)
		}
		// The day's checkpoint exists: Daily's notSince keeps a second away.
		w.event(t, h, model.EventRemind)
		if _, made, err := w.s.AppendLog(w.ctx, w.now, w.now.Add(-time.Hour), fakeSign); err != nil || made {
			t.Fatalf("second of the day: made %v, %v", made, err)
		}
		cp2, made, err := w.s.AppendLog(w.ctx, w.now.Add(time.Minute), time.Time{}, fakeSign)
		noErr(t, err)
		if !made || cp2.N != 2 || cp2.Size != 6 {
			t.Fatalf("checkpoint 2: %+v", cp2)
		}
		for _, c := range []model.Checkpoint{cp, cp2} {
			root, first, err := w.s.LogTree(w.ctx, c.Size)
			noErr(t, err)
			if root.String() != c.Root || first != nil {
				t.Errorf("tree of %d: %s (first differing %+v), checkpoint says %s", c.Size, root, first, c.Root)
			}
			stored, err := tlog.TreeHash(c.Size, w.s.HashReader(w.ctx))
			noErr(t, err)
			if stored.String() != c.Root {
				t.Errorf("stored tree of %d: %s, checkpoint %s", c.Size, stored, c.Root)
			}
		}
		for _, q := range []string{"UPDATE log_hashes SET hash = hash", "DELETE FROM log_leaves", "UPDATE checkpoints SET root = 'x'", "DELETE FROM checkpoints"} {
			if err := w.s.Exec(w.ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want append-only", q, err)
			}
		}

		noErr(t, w.s.EnsureLogKey(w.ctx, "hazardloop/a", "hazardloop/a+1+key", w.now))
		noErr(t, w.s.EnsureLogKey(w.ctx, "hazardloop/a", "hazardloop/a+1+key", w.now))
		if err := w.s.EnsureLogKey(w.ctx, "hazardloop/a", "hazardloop/a+2+other", w.now); !errors.Is(err, model.ErrKeyMismatch) {
			t.Errorf("another key: %v", err)
		}
	})
}

// TestAppendLogLateCommitter: on PostgreSQL an event's id is taken before its
// transaction commits. An event whose transaction is still open when a
// checkpoint is made is left out of it, though an event with a higher id is
// in; it joins the next checkpoint, after that one.
func TestAppendLogLateCommitter(t *testing.T) {
	w := newWorld(t, model.DialectPostgres)
	h1, h2 := w.hazard(t, "360102", nil), w.hazard(t, "360102", nil)
	inserted, release, done := make(chan int64), make(chan struct{}), make(chan error)
	go func() {
		done <- w.s.Tx(context.Background(), func(tx *model.Store) error {
			e := &model.HazardEvent{HazardID: h1.ID, Event: model.EventRemind, FromState: h1.State, ToState: h1.State,
				ActorName: "admin", Role: model.RoleAdmin, Payload: `{}`, CreatedAt: w.now}
			e.Seal(0, "")
			if err := tx.AppendEvent(w.ctx, e); err != nil {
				return err
			}
			if err := tx.SetChainHead(w.ctx, h1.ID, e.Seq, e.Hash); err != nil {
				return err
			}
			inserted <- e.ID
			<-release
			return nil
		})
	}()
	lateID := <-inserted
	early := w.event(t, h2, model.EventRemind)
	if early.ID <= lateID {
		t.Fatalf("ids %d then %d", lateID, early.ID)
	}
	cp, _, err := w.s.AppendLog(w.ctx, w.now, time.Time{}, fakeSign)
	noErr(t, err)
	if cp.Size != 1 {
		t.Fatalf("checkpoint 1 has %d leaves, want only the committed event", cp.Size)
	}
	close(release)
	noErr(t, <-done)
	cp2, _, err := w.s.AppendLog(w.ctx, w.now, time.Time{}, fakeSign)
	noErr(t, err)
	if cp2.Size != 2 {
		t.Fatalf("checkpoint 2 has %d leaves, want the late committer too", cp2.Size)
	}
	var order []int64
	noErr(t, w.s.Raw(w.ctx, &order, "SELECT event_id FROM log_leaves ORDER BY idx"))
	if len(order) != 2 || order[0] != early.ID || order[1] != lateID {
		t.Errorf("log order %v, want %d (committed first) then %d", order, early.ID, lateID)
	}
}

// TestVerifyAllBesideAWriter: verify reads a snapshot and takes no writer's
// lock: with a write transaction open (SQLite's one writer held), it still
// finishes, and does not see that transaction's event.
func TestVerifyAllBesideAWriter(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h := w.hazard(t, "360102", nil)
		w.event(t, h, model.EventRemind)
		inside, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
		go func() {
			done <- w.s.Tx(context.Background(), func(tx *model.Store) error {
				e := &model.HazardEvent{HazardID: h.ID, Event: model.EventRemind, FromState: h.State, ToState: h.State,
					ActorName: "admin", Role: model.RoleAdmin, Payload: `{}`, CreatedAt: w.now}
				e.Seal(h.LastSeq, h.ChainHead)
				if err := tx.AppendEvent(w.ctx, e); err != nil {
					close(inside)
					return err
				}
				close(inside)
				<-release
				return tx.SetChainHead(w.ctx, h.ID, e.Seq, e.Hash)
			})
		}()
		<-inside
		rep, err := w.s.VerifyAll(w.ctx)
		close(release)
		noErr(t, err)
		noErr(t, <-done)
		if rep.Events != 1 || rep.BrokenCount != 0 {
			t.Errorf("beside the writer: %+v", rep)
		}
	})
}
