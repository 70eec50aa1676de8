package workflow

import (
	"testing"

	"hazardloop/model"
)

// TestEarnedStepsMatchDailySweeps: the steps EarnedSteps takes in memory are the
// ones a sweep every morning would have taken with no one replying — the same
// steps on the same days, overdue by as many days, with the same reply
// deadlines — and leave the hazard where the sweeps leave it.
func TestEarnedStepsMatchDailySweeps(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.overdueHazard(t) // general, deadline 2026-12-01
		before, err := f.store.GetHazard(f.ctx, h.ID)
		noErr(t, err)
		const last = "2027-01-05"
		for d := day("2026-12-02"); !d.After(day(last).Time); d = d.AddDays(1) {
			f.sweep(t, d.String())
		}
		swept, err := f.store.GetHazard(f.ctx, h.ID)
		noErr(t, err)
		escs, err := f.engine.Supervision.Escalations(f.ctx, f.actors["admin"], h.ID)
		noErr(t, err)

		earned := f.engine.Supervision.EarnedSteps(before, day(last))
		if len(earned) != len(escs) || len(escs) != StepExposure {
			t.Fatalf("earned %d steps, the sweeps took %d (want %d)", len(earned), len(escs), StepExposure)
		}
		for i, s := range earned {
			e := escs[i]
			if s.Step != e.Step || s.On != model.DateIn(e.CreatedAt, model.Shanghai) || s.OverdueDays != e.OverdueDays ||
				s.ReplyDue != e.ReplyDue || fmtDate(s.DueOn) != fmtDate(e.DueOn) {
				t.Errorf("step %d: earned %+v (due on %s), swept step %d on %s, %d days overdue, reply due %s, due on %s",
					i+1, s, fmtDate(s.DueOn), e.Step, model.DateIn(e.CreatedAt, model.Shanghai), e.OverdueDays, e.ReplyDue, fmtDate(e.DueOn))
			}
		}
		if before.EscalationLevel != swept.EscalationLevel || fmtDate(before.ReplyDue) != fmtDate(swept.ReplyDue) ||
			fmtDate(before.DueOn) != fmtDate(swept.DueOn) || fmtDate(before.NextStepOn) != fmtDate(swept.NextStepOn) {
			t.Errorf("after EarnedSteps: step %d, reply due %s, due on %s, next step %s; swept: step %d, %s, %s, %s",
				before.EscalationLevel, fmtDate(before.ReplyDue), fmtDate(before.DueOn), fmtDate(before.NextStepOn),
				swept.EscalationLevel, fmtDate(swept.ReplyDue), fmtDate(swept.DueOn), fmtDate(swept.NextStepOn))
		}
		if again := f.engine.Supervision.EarnedSteps(before, day(last)); len(again) != 0 {
			t.Errorf("a second call took %d more steps", len(again))
		}
	})
}
