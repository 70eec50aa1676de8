package model_test

import (
	"slices"
	"testing"
	"time"

	"hazardloop/model"
)

// TestEventChain: events sealed and appended read back in order and verify
// against the hazard's recorded head, their hashes surviving the round trip
// through the database (times with nanoseconds and zones, payload text); any
// change, gap, reordering or lost tail is detected at the right event; the
// database refuses to change or delete an event, and a sequence number twice.
func TestEventChain(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h := w.hazard(t, "360102", nil)
		other := w.hazard(t, "360103", nil)
		cst := time.FixedZone("CST", 8*3600)
		for i, ev := range []model.Event{model.EventCreate, model.EventConfirm, model.EventPlan, model.EventSubmit} {
			e := &model.HazardEvent{HazardID: h.ID, Event: ev, FromState: h.State, ToState: h.State, ActorID: &w.admin,
				ActorName: "管理员", Role: model.RoleAdmin, Comment: "第" + string(rune('一'+i)) + "步",
				Payload:   model.JSONText(`{"k":"v\u2028","n":1.5}`),
				CreatedAt: w.now.Add(time.Duration(i)*time.Minute + 123456789).In(cst)}
			e.Seal(h.LastSeq, h.ChainHead)
			noErr(t, w.s.AppendEvent(w.ctx, e))
			if e.ID == 0 {
				t.Fatal("no event ID set")
			}
			// The head moves with the hazard's version, as the engine does it.
			next := *h
			next.LastSeq, next.ChainHead = e.Seq, e.Hash
			noErr(t, w.s.UpdateHazard(w.ctx, &next, h.Version))
			*h = next
		}
		w.event(t, other, model.EventCreate)

		stored, err := w.s.GetHazard(w.ctx, h.ID)
		noErr(t, err)
		evs, err := w.s.ListEvents(w.ctx, h.ID)
		noErr(t, err)
		if len(evs) != 4 || stored.LastSeq != 4 {
			t.Fatalf("%d events, last seq %d; want 4", len(evs), stored.LastSeq)
		}
		for i, e := range evs {
			if e.Seq != int64(i+1) || e.HazardID != h.ID {
				t.Fatalf("event %d: seq %d of hazard %d", i, e.Seq, e.HazardID)
			}
		}
		if r := model.VerifyChain(evs, stored.ChainHead); !r.OK || r.Events != 4 || r.Head != stored.ChainHead {
			t.Fatalf("stored chain: %+v", r)
		}
		otherEvs, err := w.s.ListEvents(w.ctx, other.ID)
		noErr(t, err)
		if r := model.VerifyChain(otherEvs, other.ChainHead); !r.OK || r.Events != 1 {
			t.Errorf("chain begun by SetChainHead: %+v", r)
		}

		for _, c := range []struct {
			name   string
			tamper func([]model.HazardEvent) ([]model.HazardEvent, string)
			broken int64
		}{
			{"comment changed", func(es []model.HazardEvent) ([]model.HazardEvent, string) {
				es[1].Comment = "改写"
				return es, stored.ChainHead
			}, 2},
			{"payload changed", func(es []model.HazardEvent) ([]model.HazardEvent, string) {
				es[2].Payload = `{"k":"v","n":1.5}`
				return es, stored.ChainHead
			}, 3},
			{"time changed", func(es []model.HazardEvent) ([]model.HazardEvent, string) {
				es[0].CreatedAt = es[0].CreatedAt.Add(time.Microsecond)
				return es, stored.ChainHead
			}, 1},
			{"actor changed", func(es []model.HazardEvent) ([]model.HazardEvent, string) {
				es[3].ActorID = nil
				return es, stored.ChainHead
			}, 4},
			{"rehashed after a change", func(es []model.HazardEvent) ([]model.HazardEvent, string) {
				es[1].Comment = "改写"
				es[1].Hash = es[1].ComputeHash() // the next event still links to the old hash
				return es, stored.ChainHead
			}, 3},
			{"middle event gone", func(es []model.HazardEvent) ([]model.HazardEvent, string) {
				return slices.Delete(es, 1, 2), stored.ChainHead
			}, 3},
			{"reordered", func(es []model.HazardEvent) ([]model.HazardEvent, string) {
				es[1], es[2] = es[2], es[1]
				return es, stored.ChainHead
			}, 3},
			{"last event gone", func(es []model.HazardEvent) ([]model.HazardEvent, string) {
				return es[:3], stored.ChainHead
			}, 3},
			{"head of another hazard", func(es []model.HazardEvent) ([]model.HazardEvent, string) {
				return es, other.ChainHead
			}, 4},
		} {
			t.Run(c.name, func(t *testing.T) {
				es, head := c.tamper(slices.Clone(evs))
				r := model.VerifyChain(es, head)
				if r.OK || r.BrokenAt != c.broken || r.Problem == "" {
					t.Errorf("VerifyChain = %+v, want broken at %d", r, c.broken)
				}
			})
		}

		// The log is append-only in the database itself.
		for _, q := range []string{"UPDATE hazard_events SET comment = 'x' WHERE hazard_id = ?", "DELETE FROM hazard_events WHERE hazard_id = ?"} {
			if err := w.s.Exec(w.ctx, q, h.ID); err == nil {
				t.Errorf("%s: allowed", q)
			}
		}
		again, err := w.s.ListEvents(w.ctx, h.ID)
		noErr(t, err)
		if !slices.EqualFunc(again, evs, func(a, b model.HazardEvent) bool { return a.Hash == b.Hash && a.Comment == b.Comment }) {
			t.Error("events changed after refused writes")
		}
		dup := evs[3]
		dup.ID = 0
		wantErr(t, w.s.AppendEvent(w.ctx, &dup), model.ErrDuplicate)
		if es, err := w.s.ListEvents(w.ctx, 999_999); err != nil || len(es) != 0 {
			t.Errorf("events of a missing hazard: %v, %v", es, err)
		}
	})
}
