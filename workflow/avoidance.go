package workflow

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"hazardloop/model"
)

// Successful avoidance (成功避险, docs/design.md): a disaster hazard's danger
// came and the people under threat were out of its way. Staff record it with
// the log-only avoidance event {occurred_at, what, people_evacuated,
// casualties}, which also keeps a row (model.Avoidance) for the hazard's page
// and the dashboard. For it, the staff who reported or patrolled the hazard
// may be rewarded (灾害隐患排查并成功避险奖励): a supervisor proposes an
// amount within --avoidance-reward-min and -max for one of them, another
// supervisor approves or declines it, and its payment is recorded — the
// two-person flow of a public report's reward (reward.go).

// maxEvacuated bounds the people of one avoidance: more is a typing mistake.
const maxEvacuated = 10_000_000

// avoidance checks and records a successful avoidance: occurred_at (not in
// the future), what happened, and the counts (0 or more).
func avoidance(c *change) {
	var at time.Time
	switch {
	case c.in.OccurredAt == nil || *c.in.OccurredAt == "":
		c.errs.add("occurred_at", "请填写险情发生时间")
	default:
		t, ok := parseInstant(*c.in.OccurredAt)
		switch {
		case !ok:
			c.errs.add("occurred_at", "险情发生时间格式应为 YYYY-MM-DDTHH:MM 或 RFC 3339")
		case t.After(c.now.Add(10 * time.Minute)):
			c.errs.add("occurred_at", "险情发生时间不能晚于现在")
		case t.Before(c.h.CreatedAt.AddDate(-1, 0, 0)) || t.Year() < 2000:
			c.errs.add("occurred_at", "险情发生时间不能早于隐患登记前一年")
		default:
			at = t.Truncate(time.Second)
		}
	}
	what := text(c.errs, "what", c.in.What, 2000)
	if what == "" {
		c.errs.add("what", "请填写险情及避险经过")
	}
	counts := [2]int{}
	for i, f := range []struct {
		name string
		v    *int
	}{{"people_evacuated", c.in.PeopleEvacuated}, {"casualties", c.in.Casualties}} {
		switch {
		case f.v == nil:
			c.errs.add(f.name, fmt.Sprintf("请填写%s（没有填0）", fieldNames[f.name]))
		case *f.v < 0 || *f.v > maxEvacuated:
			c.errs.add(f.name, fmt.Sprintf("%s应为 0 至 %d 之间的整数", fieldNames[f.name], maxEvacuated))
		default:
			counts[i] = *f.v
		}
	}
	if len(c.errs) > 0 {
		return
	}
	c.payload["occurred_at"] = at.Format(time.RFC3339)
	c.payload["what"] = what
	c.payload["people_evacuated"], c.payload["casualties"] = counts[0], counts[1]
	c.then = append(c.then, func() error {
		return c.tx.CreateAvoidance(c.ctx, &model.Avoidance{HazardID: c.h.ID, Seq: c.next.LastSeq, OccurredAt: at,
			What: what, PeopleEvacuated: counts[0], Casualties: counts[1], RecordedBy: actorID(c.actor),
			RecordedName: c.actor.Name, CreatedAt: c.now})
	})
}

// AvoidanceView is a hazard's successful avoidances with their rewards, and
// the staff a reward may go to (Candidates), for its page and the API.
type AvoidanceView struct {
	Avoidances []AvoidanceItem   `json:"avoidances"`
	Candidates []RewardCandidate `json:"candidates"`
	RewardMin  float64           `json:"reward_min"`
	RewardMax  float64           `json:"reward_max"`
}

// AvoidanceItem is one avoidance and its rewards.
type AvoidanceItem struct {
	model.Avoidance
	Rewards []model.AvoidanceReward `json:"rewards"`
}

// RewardCandidate is a member of staff who reported or patrolled a hazard
// (an officer or supervisor in its log): whom its avoidance's reward may go to.
type RewardCandidate struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
}

// Avoidances returns hazard id's avoidances and their rewards as a sees
// them: staff of its territory only (rewards name staff and amounts).
func (e *Hazards) Avoidances(ctx context.Context, a Actor, id int64) (AvoidanceView, error) {
	h, err := e.visible(ctx, a, id)
	if err != nil {
		return AvoidanceView{}, err
	}
	if err := staffOnly(a); err != nil {
		return AvoidanceView{}, err
	}
	out := AvoidanceView{Avoidances: []AvoidanceItem{}, Candidates: []RewardCandidate{},
		RewardMin: e.opts.Disaster.RewardMin, RewardMax: e.opts.Disaster.RewardMax}
	as, rs, err := e.store.HazardAvoidances(ctx, h.ID)
	if err != nil {
		return out, err
	}
	for _, av := range as {
		it := AvoidanceItem{Avoidance: av, Rewards: []model.AvoidanceReward{}}
		for _, r := range rs {
			if r.AvoidanceID == av.ID {
				it.Rewards = append(it.Rewards, r)
			}
		}
		out.Avoidances = append(out.Avoidances, it)
	}
	if len(as) > 0 {
		if out.Candidates, err = e.rewardCandidates(ctx, e.store, h.ID); err != nil {
			return out, err
		}
	}
	return out, nil
}

// rewardCandidates are the officers and supervisors who fired an event on
// hazard id (registered it, patrolled it, recorded the avoidance, …), by
// their first entry, without the system.
func (e *core) rewardCandidates(ctx context.Context, tx *model.Store, id int64) ([]RewardCandidate, error) {
	evs, err := tx.ListEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []RewardCandidate{}
	for _, ev := range evs {
		if ev.ActorID == nil || (ev.Role != model.RoleOfficer && ev.Role != model.RoleSupervisor) || ev.Event == model.EventAvoidanceReward {
			continue
		}
		if !slices.ContainsFunc(out, func(c RewardCandidate) bool { return c.UserID == *ev.ActorID }) {
			out = append(out, RewardCandidate{UserID: *ev.ActorID, Name: ev.ActorName})
		}
	}
	return out, nil
}

// ProposeAvoidanceReward proposes amount (yuan, within the policy's bounds)
// for user userID for avoidance avoidanceID: by a supervisor of the hazard's
// territory, for a member of staff in the hazard's log (rewardCandidates),
// once per avoidance and person.
func (e *Hazards) ProposeAvoidanceReward(ctx context.Context, a Actor, avoidanceID, userID int64, amount float64) (*model.AvoidanceReward, error) {
	p := e.opts.Disaster
	if math.IsNaN(amount) || amount < p.RewardMin || amount > p.RewardMax {
		return nil, errInvalid(map[string]string{"amount": fmt.Sprintf("成功避险奖励金额应在 %s 至 %s 元之间", money(p.RewardMin), money(p.RewardMax))})
	}
	amount = math.Round(amount*100) / 100
	var out *model.AvoidanceReward
	err := e.txChain(ctx, func(tx *model.Store) error {
		av, err := tx.GetAvoidance(ctx, avoidanceID)
		if err != nil {
			return notFoundOr("成功避险记录", err)
		}
		h, err := e.rewardHazard(ctx, tx, a, av.HazardID)
		if err != nil {
			return err
		}
		cands, err := e.rewardCandidates(ctx, tx, h.ID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(cands, func(c RewardCandidate) bool { return c.UserID == userID })
		if i < 0 {
			return errInvalid(map[string]string{"user_id": "奖励只能给上报或巡查过该隐患的信息员、监测员或监管人员"})
		}
		now := e.Now()
		r := &model.AvoidanceReward{AvoidanceID: av.ID, HazardID: h.ID, UserID: userID, UserName: cands[i].Name,
			Reward: model.Reward{Status: model.RewardNone}, CreatedAt: now}
		if err := proposeReward(&r.Reward, a, amount, now, model.RewardNone, ""); err != nil {
			return err
		}
		if err := tx.CreateAvoidanceReward(ctx, r); err != nil {
			if errors.Is(err, model.ErrDuplicate) {
				return &Error{Kind: KindConflict, Code: "already_done", Message: cands[i].Name + "的这次成功避险奖励已核定过"}
			}
			return err
		}
		out = r
		return e.logReward(ctx, tx, a, h, r, map[string]any{"amount": amount})
	})
	return out, err
}

// DecideAvoidanceReward approves or declines a proposed avoidance reward: by
// a supervisor of the territory other than the one who proposed it.
func (e *Hazards) DecideAvoidanceReward(ctx context.Context, a Actor, id int64, approve bool, note string) (*model.AvoidanceReward, error) {
	return e.updateAvoidanceReward(ctx, a, id, func(r *model.AvoidanceReward, now time.Time) error {
		return decideReward(&r.Reward, a, approve, note, now)
	})
}

// PayAvoidanceReward records that an approved avoidance reward was paid.
func (e *Hazards) PayAvoidanceReward(ctx context.Context, a Actor, id int64) (*model.AvoidanceReward, error) {
	return e.updateAvoidanceReward(ctx, a, id, func(r *model.AvoidanceReward, now time.Time) error {
		return payReward(&r.Reward, now)
	})
}

func (e *Hazards) updateAvoidanceReward(ctx context.Context, a Actor, id int64, change func(r *model.AvoidanceReward, now time.Time) error) (*model.AvoidanceReward, error) {
	var out *model.AvoidanceReward
	err := e.txChain(ctx, func(tx *model.Store) error {
		r, err := tx.GetAvoidanceReward(ctx, id)
		if err != nil {
			return notFoundOr("成功避险奖励", err)
		}
		h, err := e.rewardHazard(ctx, tx, a, r.HazardID)
		if err != nil {
			return err
		}
		if err := change(r, e.Now()); err != nil {
			return err
		}
		if err := tx.UpdateAvoidanceReward(ctx, r); err != nil {
			return err
		}
		out = r
		return e.logReward(ctx, tx, a, h, r, nil)
	})
	return out, err
}

// rewardHazard locks hazard id for a supervisor's step on one of its
// avoidance rewards: a supervisor who sees it and may act on it.
func (e *core) rewardHazard(ctx context.Context, tx *model.Store, a Actor, id int64) (*model.Hazard, error) {
	if a.Role != model.RoleSupervisor {
		return nil, errForbidden("成功避险奖励由监管人员核定、审批和登记发放")
	}
	h, err := tx.LockHazard(ctx, id)
	if err != nil {
		return nil, notFoundOr("隐患", err)
	}
	if !a.Sees(h) {
		return nil, errForbidden("该隐患不在您的管辖范围内")
	}
	if a.ReadOnly(h) {
		return nil, a.readOnlyRefusal(h)
	}
	return h, nil
}

// logReward appends a step of avoidance reward r to h's log (an entry that
// moves no version, hidden from enterprises: redact.go).
func (e *core) logReward(ctx context.Context, tx *model.Store, a Actor, h *model.Hazard, r *model.AvoidanceReward, extra map[string]any) error {
	p := map[string]any{"avoidance_id": r.AvoidanceID, "reward_id": r.ID, "user_id": r.UserID, "user_name": r.UserName, "status": r.Reward.Status}
	for k, v := range extra {
		p[k] = v
	}
	next := *h
	return e.commit(ctx, tx, a, h, &next, model.EventAvoidanceReward, "", p, e.Now())
}

// MyRewards lists a's own avoidance rewards, newest first (at most 200):
// what an officer or monitor was proposed, approved and paid.
func (e *Hazards) MyRewards(ctx context.Context, a Actor) ([]model.UserRewardRow, error) {
	if a.ID == 0 || a.Role == model.RoleEnterprise {
		return nil, errForbidden("仅工作人员有成功避险奖励")
	}
	rows, err := e.store.UserRewards(ctx, a.ID, 200)
	if rows == nil {
		rows = []model.UserRewardRow{}
	}
	return rows, err
}

// money writes yuan with thousands separators and no decimals when whole.
func money(v float64) string {
	if v == math.Trunc(v) {
		s := fmt.Sprintf("%.0f", v)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}
	return fmt.Sprintf("%.2f", v)
}
