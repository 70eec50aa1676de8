package workflow

import (
	"context"
	"fmt"
	"time"

	"hazardloop/model"
)

// Production suspended and resumed (停产停业 / 复产审查, 16号令 §22). A
// supervisor records a suspension order (suspend {order_no, reason}); the
// order stands until an on-site review of the responsible party's written
// request to resume approves it (resume_request with a document uploaded
// since the order, then resume_review {approved, note} by a supervisor). A
// request unreviewed past LadderPolicy.ResumeReviewDays calendar days (10) is
// flagged on the hazard and the supervisors' queue and recorded once by the
// sweep (resume_review_due, notification resume_review_due). While an order
// stands, the hazard is not written off (noStandingSuspension). The
// production_suspended flag that confirm and plan take stays what the unit
// reports of itself; an order sets it, an approved review clears it.

// DefaultResumeReviewDays is how many days a request to resume production
// waits for its on-site review, unless configured otherwise (16号令 §22: 10日).
const DefaultResumeReviewDays = 10

func (p LadderPolicy) resumeReviewDays() int {
	if p.ResumeReviewDays <= 0 {
		return DefaultResumeReviewDays
	}
	return p.ResumeReviewDays
}

func suspend(c *change) {
	c.reason()
	no := text(c.errs, "order_no", c.in.OrderNo, 100)
	if no == "" {
		c.errs.add("order_no", "请填写停产停业指令的文书编号")
		return
	}
	c.next.ProductionSuspended, c.next.SuspensionOrderNo, c.next.SuspendedAt = true, no, &c.now
	c.next.ResumeRequestedAt, c.next.ResumeDueOn, c.next.ResumeNoticed = nil, nil, false
	c.payload["order_no"] = no
}

func resumeRequest(c *change) {
	since := c.now
	if c.h.SuspendedAt != nil {
		since = *c.h.SuspendedAt
	}
	n, err := c.tx.CountEvidence(c.ctx, c.h.ID, model.EvidenceDocument, since)
	if err != nil {
		c.err = err
		return
	}
	if n == 0 {
		c.errs.add("evidence", "申请恢复生产须先上传书面申请（材料类别：文件）")
		return
	}
	due := c.today.AddDays(c.lad.policy.resumeReviewDays())
	c.next.ResumeRequestedAt, c.next.ResumeDueOn, c.next.ResumeNoticed = &c.now, &due, false
	c.payload["due_on"] = due.String()
}

func resumeReview(c *change) {
	if c.in.Approved == nil {
		c.errs.add("approved", "请选择审查结论：同意或不同意恢复生产")
	}
	note := text(c.errs, "note", c.in.Note, 2000)
	if note == "" {
		c.errs.add("note", "请填写现场审查意见")
	}
	if c.in.Approved == nil || note == "" {
		return
	}
	c.payload["approved"], c.payload["note"] = *c.in.Approved, note
	c.payload["order_no"] = c.h.SuspensionOrderNo
	c.next.ResumeRequestedAt, c.next.ResumeDueOn, c.next.ResumeNoticed = nil, nil, false
	if *c.in.Approved {
		c.next.ProductionSuspended, c.next.SuspensionOrderNo, c.next.SuspendedAt = false, "", nil
	}
}

func resumeReviewDue(c *change) {
	if c.h.ResumeDueOn == nil || !c.h.ResumeDueOn.Before(c.today.Time) {
		c.errs.add("due_on", "该复产申请的审查尚未超期")
		return
	}
	c.next.ResumeNoticed = true
	c.payload["due_on"] = c.h.ResumeDueOn.String()
}

// sweepResumeReviews records resume_review_due by the system for every
// request to resume whose review day lies before today and that was not
// flagged yet (sweepClaimed: once per request however many sweepers run).
func (e *core) sweepResumeReviews(ctx context.Context, now time.Time, today model.Date, res *SweepResult) error {
	n, err := e.sweepClaimed(ctx, res, model.EventResumeReviewDue, now,
		func(tx *model.Store) ([]int64, error) { return tx.ClaimLateResumeReviews(ctx, today, SweepBatch) },
		func(h *model.Hazard) bool {
			return h.ResumeDueOn != nil && !h.ResumeNoticed && h.ResumeDueOn.Before(today.Time)
		})
	res.ResumeReviews += n
	if err != nil {
		return fmt.Errorf("workflow: resume reviews: %w", err)
	}
	return nil
}
