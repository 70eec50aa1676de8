package workflow

import (
	"context"
	"encoding/json"
	"time"

	"hazardloop/model"
)

// notifyKinds are the events that call on someone to act (叫应), and what the
// notification says to the receiving system.
var notifyKinds = map[model.Event]string{
	model.EventCreate:   "hazard_reported",        // a new hazard in their area: check it
	model.EventConfirm:  "plan_due",               // listed: the responsible unit must plan
	model.EventSubmit:   "proof_submitted",        // proof is in: verify it
	model.EventReject:   "rectification_rejected", // back to the enterprise
	model.EventEscalate: "supervision_step",       // a ladder step was taken
	model.EventReopen:   "reopened",
	model.EventRemind:   "deadline_approaching", // the due day is near: rectify (or plan) in time
	// Transfers (移交): the receiver must sign for it or send it back; the
	// sender hears the answer; an answer late past its day is pressed once.
	model.EventTransfer:        "transfer_requested",
	model.EventAcceptTransfer:  "transfer_accepted",
	model.EventDeclineTransfer: "transfer_declined",
	model.EventTransferOverdue: "transfer_pending",
	// A submission waited past --verify-days: verify it (核实超时).
	model.EventVerifyOverdue: "verify_overdue",
	// Production suspended and resumed: the order, a request to review on
	// site, its answer, and a review late past --resume-review-days.
	model.EventSuspend:         "production_suspended",
	model.EventResumeRequest:   "resume_requested",
	model.EventResumeReview:    "resume_reviewed",
	model.EventResumeReviewDue: "resume_review_due",
	// Patrols: a cycle's patrol missed; a patrol that found danger signs
	// (result danger: danger_signs, addressed to the township, the county and
	// the department; any other result notifies no one).
	model.EventPatrolDue: "patrol_due",
	model.EventPatrol:    "danger_signs",
}

// notification is the body sent to webhooks. It carries no personal data: no
// names, no phone numbers, nothing of reporters.
type notification struct {
	EventID      int64       `json:"event_id"`
	Kind         string      `json:"kind"`
	Event        model.Event `json:"event"`
	ActorRole    model.Role  `json:"actor_role"`
	HazardID     int64       `json:"hazard_id"`
	HazardCode   string      `json:"hazard_code"`
	Title        string      `json:"title"`
	State        model.State `json:"state"`
	Level        model.Level `json:"level"`
	RegionCode   string      `json:"region_code"`
	EnterpriseID *int64      `json:"enterprise_id,omitempty"`
	Deadline     *model.Date `json:"deadline,omitempty"`
	DueOn        *model.Date `json:"due_on,omitempty"`    // overdue after this day
	DaysLeft     *int        `json:"days_left,omitempty"` // deadline_approaching: days from today to due_on
	Step         int         `json:"escalation_level"`
	Department   string      `json:"department"`
	// Transfer is the pending transfer (transfer_requested, transfer_pending)
	// or the one just answered (transfer_accepted, transfer_declined: the
	// hazard's department and region after the answer say which).
	Transfer *model.Transfer `json:"transfer,omitempty"`
	// Recipients are whom a danger sign is addressed to (danger_signs): the
	// township, the county and the competent department.
	Recipients []recipient `json:"recipients,omitempty"`
	OccurredAt time.Time   `json:"occurred_at"`
}

// queueNotifications writes, in the event's transaction, one outbox row per
// configured webhook for an event someone must act on, and its notices in
// the inbox of whom it calls on (announce).
func (e *core) queueNotifications(ctx context.Context, tx *model.Store, a Actor, h *model.Hazard, ev *model.HazardEvent) error {
	kind, ok := notifyKinds[ev.Event]
	if !ok || ev.Event == model.EventPatrol && patrolResult(ev) != "danger" {
		return nil
	}
	n := notification{EventID: ev.ID, Kind: kind, Event: ev.Event, ActorRole: a.Role,
		HazardID: h.ID, HazardCode: h.Code, Title: h.Title, State: h.State, Level: h.Level, RegionCode: h.RegionCode,
		EnterpriseID: h.EnterpriseID, Deadline: h.Deadline, Step: h.EscalationLevel, OccurredAt: ev.CreatedAt}
	n.Department = string(h.Department)
	n.Transfer = h.PendingTransfer(model.DateIn(ev.CreatedAt, model.Shanghai))
	if ev.Event == model.EventRemind && h.DueOn != nil {
		days := daysBetween(model.DateIn(ev.CreatedAt, model.Shanghai), *h.DueOn)
		n.DueOn, n.DaysLeft = h.DueOn, &days
	}
	switch ev.Event {
	case model.EventPatrolDue:
		n.DueOn = h.PatrolMissedOn
	case model.EventPatrol:
		n.Recipients = dangerRecipients(h)
	}
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return e.announce(ctx, tx, model.OutboxMessage{EventID: ev.ID, HazardID: h.ID, Kind: kind,
		Payload: model.JSONText(body), CreatedAt: ev.CreatedAt, NextAttemptAt: ev.CreatedAt})
}

// Outbox lists notifications for admins: the undelivered ones, or all.
func (e *Notifications) List(ctx context.Context, a Actor, undelivered bool) ([]model.OutboxMessage, error) {
	if err := adminOnly(a); err != nil {
		return nil, err
	}
	return e.store.ListOutbox(ctx, undelivered, 500)
}

// outboxLease is how long a claimed notification is kept from other dispatchers.
const outboxLease = time.Minute

// ClaimNotifications leases at most limit notifications due at now for delivery
// (several replicas may each run a dispatcher: a message is leased, not shared).
func (e *Notifications) Claim(ctx context.Context, now time.Time, limit int) ([]model.OutboxMessage, error) {
	return e.store.ClaimOutbox(ctx, now.UTC(), outboxLease, limit)
}

// FinishNotification records a delivery attempt of m made at now: delivered
// when failure is nil, else tried again after an exponential backoff (10 s,
// 20 s, … up to an hour).
func (e *Notifications) Finish(ctx context.Context, m *model.OutboxMessage, now time.Time, failure error) error {
	now = now.UTC()
	m.Attempts++
	m.LockedUntil = nil
	if failure != nil {
		m.LastError = failure.Error()
		m.NextAttemptAt = now.Add(min(10*time.Second<<min(m.Attempts-1, 16), time.Hour))
	} else {
		m.DeliveredAt, m.LastError = &now, ""
	}
	return e.store.FinishOutbox(ctx, m)
}

// ObserveOutbox reports the undelivered notifications to the metrics.
func (e *Notifications) Observe(ctx context.Context, now time.Time) error {
	n, oldest, err := e.store.OutboxLag(ctx)
	if err != nil {
		return err
	}
	lag := time.Duration(0)
	if n > 0 {
		lag = now.Sub(oldest)
	}
	e.opts.Metrics.Outbox(int(n), lag)
	return nil
}
