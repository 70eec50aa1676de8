package workflow

import (
	"testing"

	"hazardloop/model"
)

// TestSeedBulk: a bulk seed holds every state, valid chains and earned steps, and
// the service carries on numbering after it.
func TestSeedBulk(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		noErr(t, f.engine.SeedBulk(f.ctx, 400, nil))
		var states []string
		noErr(t, f.store.Raw(f.ctx, &states, "SELECT DISTINCT state FROM hazards"))
		if len(states) != len(model.States) {
			t.Errorf("states seeded: %v", states)
		}
		var ids []int64
		noErr(t, f.store.Raw(f.ctx, &ids, "SELECT id FROM hazards WHERE escalation_level > 0 ORDER BY id LIMIT 5"))
		if len(ids) == 0 {
			t.Fatal("no seeded hazard has supervision steps")
		}
		noErr(t, f.store.Raw(f.ctx, &ids, "SELECT id FROM hazards ORDER BY id DESC LIMIT 20"))
		for _, id := range ids {
			verifyOK(t, f, id)
		}
		// Numbers and ids continue after the seed.
		h := f.hazard(t)
		if h.ID <= ids[0] {
			t.Errorf("new hazard id %d, seeded up to %d", h.ID, ids[0])
		}
		var due int64
		noErr(t, f.store.Raw(f.ctx, &due, "SELECT count(*) FROM hazards WHERE next_step_on <= ?", f.engine.Today()))
		if due != 0 {
			t.Errorf("%d seeded hazards still have a step due today", due)
		}
		for range 3 {
			h = f.toState(t, model.StateRectifying)
			f.fire(t, "donghu", h, model.EventEscalate, Fields{Reason: sp("督办")}, "")
		}
		// A second seed into a database in use continues every number.
		noErr(t, f.engine.SeedBulk(f.ctx, 200, nil))
		f.hazard(t)
	})
}
