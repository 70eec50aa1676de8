package workflow

import (
	"time"

	"hazardloop/model"
)

// The two-person reward (docs/design.md, "Rewards"): one state machine over
// model.Reward for a public report's reward (Reports.ProposeReward, …) and a
// successful avoidance's (Avoidances.ProposeReward, …). A supervisor proposes
// the amount, another supervisor approves or declines it (never the one who
// proposed it), and only an approved reward is recorded as paid. The callers
// check who may see the thing rewarded and what the amount may be; these
// check the order and the two people, and write the record.

// proposeReward records a's proposal of amount (yuan) on rw, which must be
// in state from (eligible for a report's reward; none for a new avoidance
// reward).
func proposeReward(rw *model.Reward, a Actor, amount float64, now time.Time, from string, refusal string) error {
	if rw.Status != from {
		return &Error{Kind: KindNotAllowed, Code: "not_eligible", Message: refusal}
	}
	rw.Status, rw.Amount = model.RewardProposed, &amount
	rw.ProposedBy, rw.ProposedAt = actorID(a), &now
	rw.DecidedBy, rw.DecidedAt, rw.PaidAt, rw.Note = nil, nil, nil, ""
	return nil
}

// decideReward approves or declines the proposed reward rw: a supervisor
// other than the one who proposed it; declining takes a reason (note).
func decideReward(rw *model.Reward, a Actor, approve bool, note string, now time.Time) error {
	errs := fieldErrors{}
	note = text(errs, "note", &note, 500)
	if !approve && note == "" {
		errs.add("note", "不予奖励须说明理由")
	}
	if err := errs.err(); err != nil {
		return err
	}
	if a.Role != model.RoleSupervisor {
		return errForbidden("奖励须由监管人员审批")
	}
	if rw.Status != model.RewardProposed {
		return &Error{Kind: KindNotAllowed, Code: "not_proposed", Message: "奖励尚未核定或已审批"}
	}
	if rw.ProposedBy != nil && *rw.ProposedBy == a.ID {
		return errForbidden("核定奖励的人不能审批同一笔奖励")
	}
	rw.Status = model.RewardDeclined
	if approve {
		rw.Status = model.RewardApproved
	}
	rw.Note, rw.DecidedBy, rw.DecidedAt = note, actorID(a), &now
	return nil
}

// payReward records that the approved reward rw was paid.
func payReward(rw *model.Reward, now time.Time) error {
	if rw.Status != model.RewardApproved {
		return &Error{Kind: KindNotAllowed, Code: "not_approved", Message: "奖励尚未批准，不能登记发放"}
	}
	rw.Status, rw.PaidAt = model.RewardPaid, &now
	return nil
}
