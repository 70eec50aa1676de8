package workflow

import (
	"slices"
	"testing"

	"hazardloop/model"
)

// avoided records a successful avoidance of h by who.
func (f *fixture) avoided(tb testing.TB, who string, h HazardView, people int) HazardView {
	tb.Helper()
	return f.fire(tb, who, h, model.EventAvoidance, Fields{OccurredAt: sp("2026-11-27T22:30"), What: sp("强降雨后滑坡体下滑，提前转移群众"),
		PeopleEvacuated: ip(people), Casualties: ip(0)}, "")
}

// officerLandslide is the landslide of 东湖区 reported by its officer.
func officerLandslide() HazardInput {
	in := landslide(60, 100)
	in.Source = string(model.SourceOfficerReport)
	return in
}

// TestAvoidanceEvent: a successful avoidance is recorded on a disaster
// hazard by a supervisor or an officer, its fields checked (the moment not
// in the future, the counts 0 or more), without a state change; an accident
// hazard refuses it as not applicable (422) and never offers it; the
// dashboard counts the avoidances and the people moved, in its territory.
func TestAvoidanceEvent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["officer"], officerLandslide())
		noErr(t, err)
		if !slices.Contains(h.AllowedEvents, model.EventAvoidance) {
			t.Errorf("avoidance not offered on a disaster hazard: %v", h.AllowedEvents)
		}
		for _, tc := range []struct {
			fl    Fields
			field string
		}{
			{Fields{OccurredAt: sp("2026-11-29T10:00"), What: sp("滑坡"), PeopleEvacuated: ip(1), Casualties: ip(0)}, "occurred_at"},
			{Fields{OccurredAt: sp("昨晚"), What: sp("滑坡"), PeopleEvacuated: ip(1), Casualties: ip(0)}, "occurred_at"},
			{Fields{OccurredAt: sp("2026-11-27"), What: sp(" "), PeopleEvacuated: ip(1), Casualties: ip(0)}, "what"},
			{Fields{OccurredAt: sp("2026-11-27"), What: sp("滑坡"), PeopleEvacuated: ip(-1), Casualties: ip(0)}, "people_evacuated"},
			{Fields{OccurredAt: sp("2026-11-27"), What: sp("滑坡"), PeopleEvacuated: ip(3)}, "casualties"},
		} {
			_, err := f.engine.Hazards.Apply(f.ctx, f.actors["donghu"], h.ID, EventInput{Event: model.EventAvoidance, Version: h.Version, Fields: tc.fl})
			if we := wantRefusal(t, err, KindInvalid); we.Fields[tc.field] == "" {
				t.Errorf("%+v: want %s named, got %v", tc.fl, tc.field, we.Fields)
			}
		}
		h = f.avoided(t, "donghu", h, 58)
		h = f.avoided(t, "officer", h, 7)
		if h.State != model.StateDiscovered {
			t.Errorf("state after avoidance %s", h.State)
		}
		// An accident hazard: not applicable, never offered; an enterprise never.
		acc := f.hazard(t)
		if slices.Contains(acc.AllowedEvents, model.EventAvoidance) {
			t.Error("avoidance offered on an accident hazard")
		}
		_, err = f.engine.Hazards.Apply(f.ctx, f.actors["donghu"], acc.ID, EventInput{Event: model.EventAvoidance, Version: acc.Version,
			Fields: Fields{OccurredAt: sp("2026-11-27"), What: sp("x"), PeopleEvacuated: ip(1), Casualties: ip(0)}})
		if we := wantRefusal(t, err, KindNotAllowed); we.Message != "“成功避险”只适用于灾害隐患，本隐患是事故隐患" {
			t.Errorf("refusal on an accident hazard: %q", we.Message)
		}
		d, err := f.engine.Hazards.Dashboard(f.ctx, f.actors["donghu"])
		noErr(t, err)
		if d.Avoided.Count != 2 || d.Avoided.Evacuated != 65 {
			t.Errorf("dashboard of 东湖区: %+v", d.Avoided)
		}
		d, err = f.engine.Hazards.Dashboard(f.ctx, f.actors["xihu"])
		noErr(t, err)
		if d.Avoided.Count != 0 {
			t.Errorf("dashboard of 西湖区 counts 东湖区's avoidances: %+v", d.Avoided)
		}
	})
}

// TestAvoidanceRewardTwoPeople: the reward for an avoidance goes to staff in
// the hazard's log, within the bounds; the supervisor who proposed it cannot
// approve it; it is paid only once approved; each officer sees their own
// rewards and nobody else's.
func TestAvoidanceRewardTwoPeople(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["officer"], officerLandslide())
		noErr(t, err)
		f.avoided(t, "donghu", h, 58)
		v, err := f.engine.Hazards.Avoidances(f.ctx, f.actors["donghu"], h.ID)
		noErr(t, err)
		if len(v.Avoidances) != 1 || len(v.Candidates) != 2 || v.RewardMin != 200 || v.RewardMax != 5000 {
			t.Fatalf("avoidances %+v", v)
		}
		av, officer := v.Avoidances[0].ID, f.actors["officer"].ID
		if _, err := f.engine.Hazards.Avoidances(f.ctx, f.actors["ent"], h.ID); err == nil {
			t.Error("an enterprise sees the avoidance rewards")
		}
		hz := f.engine.Hazards
		for _, amount := range []float64{199.99, 5000.01} {
			_, err := hz.ProposeAvoidanceReward(f.ctx, f.actors["donghu"], av, officer, amount)
			wantRefusal(t, err, KindInvalid)
		}
		_, err = hz.ProposeAvoidanceReward(f.ctx, f.actors["donghu"], av, f.actors["xihu"].ID, 500)
		wantRefusal(t, err, KindInvalid) // not in the hazard's log
		_, err = hz.ProposeAvoidanceReward(f.ctx, f.actors["officer"], av, officer, 500)
		wantRefusal(t, err, KindForbidden) // an officer does not propose
		_, err = hz.ProposeAvoidanceReward(f.ctx, f.actors["xihu"], av, officer, 500)
		wantRefusal(t, err, KindForbidden) // another county
		r, err := hz.ProposeAvoidanceReward(f.ctx, f.actors["donghu"], av, officer, 800)
		noErr(t, err)
		_, err = hz.ProposeAvoidanceReward(f.ctx, f.actors["donghu2"], av, officer, 800)
		wantRefusal(t, err, KindConflict)
		_, err = hz.PayAvoidanceReward(f.ctx, f.actors["donghu2"], r.ID)
		wantRefusal(t, err, KindNotAllowed) // not approved yet
		_, err = hz.DecideAvoidanceReward(f.ctx, f.actors["donghu"], r.ID, true, "")
		wantRefusal(t, err, KindForbidden) // the proposer
		_, err = hz.DecideAvoidanceReward(f.ctx, f.actors["donghu2"], r.ID, false, "")
		wantRefusal(t, err, KindInvalid) // declining takes a reason
		r, err = hz.DecideAvoidanceReward(f.ctx, f.actors["donghu2"], r.ID, true, "")
		noErr(t, err)
		if r.Reward.Status != model.RewardApproved || *r.Reward.DecidedBy != f.actors["donghu2"].ID {
			t.Fatalf("after approval %+v", r.Reward)
		}
		_, err = hz.DecideAvoidanceReward(f.ctx, f.actors["city"], r.ID, true, "")
		wantRefusal(t, err, KindNotAllowed)
		r, err = hz.PayAvoidanceReward(f.ctx, f.actors["donghu"], r.ID)
		noErr(t, err)
		if r.Reward.Status != model.RewardPaid || r.Reward.PaidAt == nil || *r.Reward.Amount != 800 {
			t.Errorf("after payment %+v", r.Reward)
		}
		// A second reward, declined, for the supervisor who recorded it.
		r2, err := hz.ProposeAvoidanceReward(f.ctx, f.actors["donghu2"], av, f.actors["donghu"].ID, 200)
		noErr(t, err)
		_, err = hz.DecideAvoidanceReward(f.ctx, f.actors["city"], r2.ID, false, "本人职责")
		noErr(t, err)
		mine, err := hz.MyRewards(f.ctx, f.actors["officer"])
		noErr(t, err)
		if len(mine) != 1 || mine[0].ID != r.ID || mine[0].HazardCode != h.Code || mine[0].Reward.Status != model.RewardPaid {
			t.Errorf("the officer's rewards: %+v", mine)
		}
		if mine, _ := hz.MyRewards(f.ctx, f.actors["donghu2"]); len(mine) != 0 {
			t.Errorf("donghu2 sees %+v", mine)
		}
		// The log holds each step, hidden from enterprises; the chain verifies.
		evs, err := hz.Events(f.ctx, f.actors["donghu"], h.ID)
		noErr(t, err)
		n := 0
		for _, ev := range evs {
			if ev.Event == model.EventAvoidanceReward {
				n++
			}
		}
		if n != 5 {
			t.Errorf("%d reward entries in the log, want 5", n)
		}
		rep, err := hz.Verify(f.ctx, f.actors["donghu"], h.ID)
		noErr(t, err)
		if !rep.OK {
			t.Errorf("chain: %+v", rep)
		}
	})
}
