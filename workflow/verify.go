package workflow

import (
	"context"
	"time"

	"hazardloop/model"
)

// Verification has a clock (核实超时): a submission waits at most
// LadderPolicy.VerifyDays working days (ladder.verifyDue); later the hazard is
// flagged on its view, the verifiers' queue and the dashboard, and the sweep
// records verify_overdue once per submission (submit clears the flag).

// sweepVerifications records verify_overdue by the system for every hazard
// whose submission has waited for verification past --verify-days working
// days and that was not flagged for this submission (sweepClaimed: once per
// submission however many sweepers run).
func (e *core) sweepVerifications(ctx context.Context, lad ladder, now time.Time, today model.Date, res *SweepResult) error {
	cutoff := lad.verifyCutoff(today)
	n, err := e.sweepClaimed(ctx, res, model.EventVerifyOverdue, now,
		func(tx *model.Store) ([]int64, error) { return tx.ClaimLateVerifications(ctx, cutoff, SweepBatch) },
		func(h *model.Hazard) bool {
			due := lad.verifyDue(h)
			return !h.VerifyNoticed && due != nil && due.Before(today.Time)
		})
	res.Verifications += n
	return err
}
