package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hazardloop/model"
)

// Transfers (移交/转办). A supervisor who may act on a hazard hands it to
// another department, to another region (one inside the territory of the
// sender's own parent region: a county to a neighbouring county of its city,
// further by the city), or both. Nothing changes hands until the receiving
// side — a supervisor of the target department whose territory holds the
// target region — signs for it (accept_transfer) or sends it back with a
// reason (decline_transfer). Until then the sender keeps the hazard and the
// receiver sees it (Actor.receives). An answer not given within
// LadderPolicy.TransferDays working days is flagged on both sides' queues and
// on the unreplied list, and recorded once by the sweeper as transfer_overdue,
// which notifies (outbox kind transfer_pending). Every step is an event of the
// hazard's chain; the dashboard's counts move with the hazard when it is
// accepted (summarise sees the new department and region).

// transfer validates the target and records the pending transfer.
func transfer(c *change) {
	c.reason()
	toDept, toRegion := c.h.Department, c.h.RegionCode
	if c.in.ToDepartment == nil && c.in.ToRegionCode == nil {
		c.errs.add("to_department", "请选择移交至哪个部门或哪个区划（可两者都选）")
		return
	}
	if c.in.ToDepartment != nil {
		toDept = parseDepartment(c.errs, "to_department", *c.in.ToDepartment)
	}
	if c.in.ToRegionCode != nil {
		toRegion = transferRegion(c, *c.in.ToRegionCode)
	}
	if toDept == "" && c.in.ToDepartment != nil || toRegion == "" {
		return
	}
	if toDept == c.h.Department && toRegion == c.h.RegionCode {
		c.errs.add("to_department", "移交目标与该隐患现在的主管部门和区划相同")
		return
	}
	due := c.lad.cal.AddWorkingDays(c.today, c.lad.policy.transferDays())
	c.next.TransferToDepartment, c.next.TransferToRegion = toDept, toRegion
	reason, _ := c.payload["reason"].(string)
	c.next.TransferReason, c.next.TransferDueOn, c.next.TransferNoticed = reason, &due, false
	c.next.TransferBy, c.next.TransferAt = actorID(c.actor), &c.now
	c.next.TransferDeclined = ""
	c.payload["to_department"] = string(toDept)
	c.payload["to_region_code"] = toRegion
	c.payload["due_on"] = due.String()
}

// transferRegion checks a transfer's target region: a known division inside
// the territory of the sender's parent region (the province's own for a
// province). "" when refused (the reason is in c.errs).
func transferRegion(c *change, code string) string {
	r, err := c.tx.GetRegion(c.ctx, code)
	if errors.Is(err, model.ErrNotFound) {
		c.errs.add("to_region_code", "区划代码不存在")
		return ""
	} else if err != nil {
		c.err = err
		return ""
	}
	reach := c.actor.Region
	if c.actor.Region != "" {
		own, err := c.tx.GetRegion(c.ctx, c.actor.Region)
		if err != nil {
			c.err = err
			return ""
		}
		if p := parentOf(*own); p != "" {
			reach = p
		}
	}
	if reach != "" && !model.Within(r.Code, reach) {
		c.errs.add("to_region_code", "只能移交给本级上一级区划辖区内的区划（如县移交给本市的其他县），更远的请报上级移交")
		return ""
	}
	return r.Code
}

// acceptTransfer hands the hazard over: its department and region become the
// transfer's targets, and the transfer is answered.
func acceptTransfer(c *change) {
	h := c.h
	c.payload["from_department"], c.payload["from_region_code"] = string(h.Department), h.RegionCode
	c.payload["to_department"], c.payload["to_region_code"] = string(h.TransferToDepartment), h.TransferToRegion
	c.next.Department, c.next.RegionCode = h.TransferToDepartment, h.TransferToRegion
	c.next.ClearTransfer()
}

// declineTransfer sends the transfer back with the receiver's reason, which
// the sender reads on the hazard and in their queue.
func declineTransfer(c *change) {
	c.reason()
	c.payload["to_department"], c.payload["to_region_code"] = string(c.h.TransferToDepartment), c.h.TransferToRegion
	if r, ok := c.payload["reason"].(string); ok {
		c.next.TransferDeclined = r
	}
	c.next.ClearTransfer()
}

// transferOverdue records, once, that the receiver's answer is late.
func transferOverdue(c *change) {
	if !c.h.TransferDueOn.Before(c.today.Time) {
		c.errs.add("due_on", fmt.Sprintf("移交的接收期限为%s，尚未逾期", c.h.TransferDueOn))
		return
	}
	c.next.TransferNoticed = true
	c.payload["due_on"] = c.h.TransferDueOn.String()
	c.payload["to_department"], c.payload["to_region_code"] = string(c.h.TransferToDepartment), c.h.TransferToRegion
}

// settleTransfer applies what every event means for transfers: the hazard's
// end forgets an unanswered transfer (said in the payload), and a person's
// event other than the refusal itself clears the refusal the sender was shown.
func settleTransfer(c *change) {
	if c.next.TransferDueOn != nil && (c.next.State == model.StateWrittenOff || c.next.State == model.StateDismissed) {
		c.payload["transfer_cancelled"] = true
		c.next.ClearTransfer()
	}
	if c.actor.Role != model.RoleSystem && c.in.Event != model.EventDeclineTransfer {
		c.next.TransferDeclined = ""
	}
}

// sweepTransfers records transfer_overdue by the system for every pending
// transfer whose answer day lies before today and that was not flagged yet
// (sweepClaimed: once per transfer however many sweepers run).
func (e *core) sweepTransfers(ctx context.Context, now time.Time, today model.Date, res *SweepResult) error {
	n, err := e.sweepClaimed(ctx, res, model.EventTransferOverdue, now,
		func(tx *model.Store) ([]int64, error) { return tx.ClaimLateTransfers(ctx, today, SweepBatch) },
		func(h *model.Hazard) bool {
			return h.TransferDueOn != nil && !h.TransferNoticed && h.TransferDueOn.Before(today.Time)
		})
	res.Transfers += n
	return err
}

// Transfers lists what is being handed over around a supervisor: Incoming, the
// pending transfers a must answer (待接收移交); Outgoing, those of hazards in
// a's scope still waiting for the other side; Declined, a's hazards whose last
// transfer was sent back, with the reason. Late ones are marked by their
// PendingTransfer's Overdue. Others have none (empty lists).
type Transfers struct {
	Incoming []HazardView `json:"incoming"`
	Outgoing []HazardView `json:"outgoing"`
	Declined []HazardView `json:"declined"`
}

// Transfers returns a's transfer lists, at most QueueLimit each.
func (e *Hazards) Transfers(ctx context.Context, a Actor) (Transfers, error) {
	out := Transfers{Incoming: []HazardView{}, Outgoing: []HazardView{}, Declined: []HazardView{}}
	if a.Role != model.RoleSupervisor && a.Role != model.RoleAdmin {
		return out, nil
	}
	lists := []struct {
		dst *[]HazardView
		// notMine leaves out what a must answer itself: that is incoming
		// only, even where a's scope holds it too.
		notMine bool
		read    func() ([]model.Hazard, error)
	}{
		{&out.Incoming, false, func() ([]model.Hazard, error) {
			if a.Role != model.RoleSupervisor {
				return nil, nil
			}
			return e.store.IncomingTransfers(ctx, a.department(), a.Region, QueueLimit)
		}},
		{&out.Outgoing, true, func() ([]model.Hazard, error) { return e.store.PendingTransfers(ctx, a.Scope(), QueueLimit) }},
		{&out.Declined, false, func() ([]model.Hazard, error) { return e.store.DeclinedTransfers(ctx, a.Scope(), QueueLimit) }},
	}
	for _, l := range lists {
		hs, err := l.read()
		if err != nil {
			return Transfers{}, err
		}
		for i := range hs {
			if !a.Sees(&hs[i]) || l.notMine && a.receives(&hs[i]) {
				continue
			}
			v := e.view(a, &hs[i])
			if t := v.PendingTransfer; t != nil {
				if t.ToOffice, err = e.office(ctx, t.ToRegionCode, receiverDepartment(t.ToDepartment)); err != nil {
					return Transfers{}, err
				}
			}
			*l.dst = append(*l.dst, v)
		}
	}
	return out, nil
}

// LateTransfers are the pending transfers around a whose answer is late: those
// a must answer and those a sent (the unreplied list's transfers).
func (e *Hazards) LateTransfers(ctx context.Context, a Actor) ([]HazardView, error) {
	t, err := e.Transfers(ctx, a)
	if err != nil {
		return nil, err
	}
	out := []HazardView{}
	for _, v := range append(t.Incoming, t.Outgoing...) {
		if v.PendingTransfer != nil && v.PendingTransfer.Overdue {
			out = append(out, v)
		}
	}
	return out, nil
}

// receiverDepartment is the department that answers a transfer to dept: the
// emergency bureau for a hazard without one.
func receiverDepartment(dept model.Department) model.Department {
	if dept == "" {
		return model.DeptEmergency
	}
	return dept
}
