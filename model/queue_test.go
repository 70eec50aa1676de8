package model_test

import (
	"slices"
	"testing"
	"time"

	"hazardloop/model"
)

// TestQueueHazards: a work queue holds the hazards of one state in scope, those
// due earliest first (without a due day last, then the least recently
// updated), and counts them all whatever the limit.
func TestQueueHazards(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		present := append([]string{"360100"}, counties...)
		for _, r := range present {
			w.hazard(t, r, func(h *model.Hazard) { h.State = model.StateVerifying })
		}
		for _, c := range w.scopeCases() {
			t.Run(c.name, func(t *testing.T) {
				hs, n, err := w.s.QueueHazards(w.ctx, c.scope, model.StateVerifying, model.Party{}, 100)
				noErr(t, err)
				want := only(c.sees, present)
				if got := sorted(hs, func(h model.Hazard) string { return h.RegionCode }); !slices.Equal(got, want) || n != int64(len(want)) {
					t.Errorf("sees %v (count %d), want %v", got, n, want)
				}
			})
		}

		at := func(y, m, d int) *model.Date { x := model.NewDate(y, time.Month(m), d); return &x }
		mk := func(due *model.Date, updated time.Duration) int64 {
			return w.hazard(t, "360402", func(h *model.Hazard) {
				h.State, h.DueOn, h.UpdatedAt = model.StateRectifying, due, w.now.Add(updated)
			}).ID
		}
		noDueOld := mk(nil, -time.Hour)
		late := mk(at(2026, 3, 20), 0)
		noDueNew := mk(nil, time.Hour)
		earlyNew := mk(at(2026, 3, 1), time.Hour)
		earlyOld := mk(at(2026, 3, 1), -time.Hour)
		earlyOldToo := mk(at(2026, 3, 1), -time.Hour)
		w.hazard(t, "360402", func(h *model.Hazard) { h.State = model.StateListed })

		hs, n, err := w.s.QueueHazards(w.ctx, model.Scope{Region: "360400"}, model.StateRectifying, model.Party{}, 100)
		noErr(t, err)
		if want := []int64{earlyOld, earlyOldToo, earlyNew, late, noDueOld, noDueNew}; !slices.Equal(ids(hs), want) || n != 6 {
			t.Errorf("queue %v (count %d), want %v", ids(hs), n, want)
		}
		hs, n, err = w.s.QueueHazards(w.ctx, model.Scope{Region: "360400"}, model.StateRectifying, model.Party{}, 2)
		noErr(t, err)
		if len(hs) != 2 || n != 6 {
			t.Errorf("limit 2: %d hazards, count %d; want 2 of 6", len(hs), n)
		}
	})
}

// TestListUnacknowledged: steps nobody signed for, of open hazards in scope,
// the oldest first, counted in full.
func TestListUnacknowledged(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		present := append([]string{"360100"}, counties...)
		byID := map[int64]string{}
		for i, r := range present {
			h := w.hazard(t, r, nil)
			e := w.escalate(t, h, 1, func(e *model.Escalation) { e.CreatedAt = w.now.Add(time.Duration(-i) * time.Hour) })
			byID[e.ID] = r
		}
		signed := w.hazard(t, "360102", nil)
		w.escalate(t, signed, 1, func(e *model.Escalation) { e.AcknowledgedAt, e.AcknowledgedBy = &w.now, &w.admin })
		dismissed := w.hazard(t, "360102", func(h *model.Hazard) { h.State = model.StateDismissed })
		w.escalate(t, dismissed, 1, nil)

		for _, c := range w.scopeCases() {
			t.Run(c.name, func(t *testing.T) {
				es, n, err := w.s.ListUnacknowledged(w.ctx, c.scope, 100)
				noErr(t, err)
				var got []string
				for _, e := range es {
					got = append(got, byID[e.ID])
				}
				want := only(c.sees, present)
				slices.Reverse(want) // the later a region in present, the older its step
				if !slices.Equal(got, want) || n != int64(len(want)) {
					t.Errorf("sees %v (count %d), want %v", got, n, want)
				}
			})
		}
		es, n, err := w.s.ListUnacknowledged(w.ctx, model.AllScope, 1)
		noErr(t, err)
		if len(es) != 1 || n != int64(len(present)) || byID[es[0].ID] != "370102" {
			t.Errorf("limit 1: %v, count %d", es, n)
		}
	})
}
