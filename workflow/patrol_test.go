package workflow

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// TestPatrolCycle: the cycle's last day in the flood season, outside it, a
// cycle cut short where it runs into the season, one that runs past its end,
// a season over the new year, and the per-type cycles.
func TestPatrolCycle(t *testing.T) {
	byType, err := ParsePatrolDaysByType("geological=15, flood=3/20")
	noErr(t, err)
	p := DefaultPatrolPolicy
	p.ByType = byType
	for _, c := range []struct {
		typ        model.DisasterType
		from, want string
	}{
		{model.DisasterForestFire, "2026-04-10", "2026-04-17"}, // in season: 7 days
		{model.DisasterForestFire, "2026-01-10", "2026-02-09"}, // outside: 30 days
		{model.DisasterForestFire, "2026-03-20", "2026-04-07"}, // runs into the season: due in its first week
		{model.DisasterForestFire, "2026-03-31", "2026-04-07"}, // the eve of the season
		{model.DisasterForestFire, "2026-03-01", "2026-03-31"}, // ends before the season's first week does
		{model.DisasterForestFire, "2026-04-01", "2026-04-08"}, // the season's first day
		{model.DisasterForestFire, "2026-09-28", "2026-10-05"}, // a flood cycle runs past the season's end
		{model.DisasterForestFire, "2026-09-30", "2026-10-07"},
		{model.DisasterForestFire, "2026-10-01", "2026-10-31"},
		{model.DisasterForestFire, "2026-12-20", "2027-01-19"}, // over the new year, before the next season
		{model.DisasterGeological, "2026-04-10", "2026-04-25"}, // geological=15: in season
		{model.DisasterGeological, "2026-01-10", "2026-01-25"}, // and outside
		{model.DisasterGeological, "2026-03-25", "2026-04-09"}, // 03-25+15 = 04-09 ≤ 04-01+15-1 = 04-15
		{model.DisasterFlood, "2026-04-10", "2026-04-13"},      // flood=3/20
		{model.DisasterFlood, "2026-03-25", "2026-04-03"},      // 04-14 cut to 04-01+3-1
		{model.DisasterFlood, "2026-02-01", "2026-02-21"},
	} {
		if got := p.NextDue(c.typ, day(c.from)); got.String() != c.want {
			t.Errorf("%s from %s: due %s, want %s", c.typ, c.from, got, c.want)
		}
	}
	from, to, err := ParseFloodSeason("11-01..02-28")
	noErr(t, err)
	winter := PatrolPolicy{FloodDays: 5, Days: 20, SeasonFrom: from, SeasonTo: to}
	for s, want := range map[string]bool{"2026-11-01": true, "2027-01-15": true, "2027-02-28": true, "2027-03-01": false, "2026-10-31": false} {
		if winter.InSeason(day(s)) != want {
			t.Errorf("11-01..02-28: %s in season = %v", s, !want)
		}
	}
	if got := winter.NextDue(model.DisasterFlood, day("2026-10-20")); got.String() != "2026-11-05" {
		t.Errorf("a season over the new year: due %s, want 2026-11-05", got)
	}
	for _, bad := range []string{"04-01", "04-01..04-01", "13-01..09-30", "02-29..09-30", "04-01..9-31"} {
		if _, _, err := ParseFloodSeason(bad); err == nil {
			t.Errorf("--flood-season %q was accepted", bad)
		}
	}
	for _, bad := range []string{"landslide=5", "geological=0", "geological=x", "geological", "flood=3/", "flood=400"} {
		if _, err := ParsePatrolDaysByType(bad); err == nil {
			t.Errorf("--patrol-days-by-type %q was accepted", bad)
		}
	}
}

// patrolEngine is a replica over f's database with a clock of its own,
// notifying testWebhooks, with the policy p.
func patrolEngine(t *testing.T, f *fixture, now *time.Time, p PatrolPolicy) *Services {
	t.Helper()
	return New(modeltest.OpenAt(t, f.url), Options{Now: func() time.Time { return *now }, Webhooks: testWebhooks, Patrol: p})
}

// patrolEvents returns the payloads of hazard id's events ev, checking that
// each keeps the state.
func (f *fixture) patrolEvents(tb testing.TB, id int64, ev model.Event) []map[string]any {
	tb.Helper()
	evs, err := f.engine.Hazards.Events(f.ctx, f.actors["admin"], id)
	noErr(tb, err)
	var out []map[string]any
	for _, e := range evs {
		if e.Event != ev {
			continue
		}
		if e.FromState != e.ToState {
			tb.Errorf("%s moved the state from %s to %s", ev, e.FromState, e.ToState)
		}
		var p map[string]any
		noErr(tb, json.Unmarshal([]byte(e.Payload), &p))
		p["event_id"], p["role"] = e.ID, string(e.Role)
		out = append(out, p)
	}
	return out
}

func outboxOf(tb testing.TB, f *fixture, kind string) []model.OutboxMessage {
	tb.Helper()
	ms, err := f.store.ListOutbox(f.ctx, false, 100000)
	noErr(tb, err)
	var out []model.OutboxMessage
	for _, m := range ms {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// TestPatrolSweep: a landslide registered on 03-20 (outside the flood
// season, 30-day cycles) has its patrol due on 04-07, the season's first
// week; the sweep flags it once on 04-08 (patrol_due by the system, on the
// officer's queue, notified), the next cycle a flood cycle from the missed
// day; a patrol takes it off the queue and starts a cycle from its day; a
// per-type cycle (geological=15) sets the day instead.
func TestPatrolSweep(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		now := at("2026-03-20")
		e := patrolEngine(t, f, &now, DefaultPatrolPolicy)
		h, err := e.Hazards.CreateHazard(f.ctx, f.actors["donghu"], landslide(30, 50))
		noErr(t, err)
		if h.NextPatrolDue == nil || h.NextPatrolDue.String() != "2026-04-07" || h.PatrolOverdue {
			t.Fatalf("registered on 03-20: next patrol %v (overdue %v), want 2026-04-07", h.NextPatrolDue, h.PatrolOverdue)
		}
		sweep := func(s string) int {
			t.Helper()
			now = at(s)
			res, err := e.Supervision.SweepOnce(f.ctx, now)
			noErr(t, err)
			return res.Patrols
		}
		if n := sweep("2026-04-07"); n != 0 {
			t.Errorf("on its due day: %d patrol_due", n)
		}
		if n := sweep("2026-04-08") + sweep("2026-04-08"); n != 1 {
			t.Fatalf("the day after: %d patrol_due, want 1", n)
		}
		got := f.patrolEvents(t, h.ID, model.EventPatrolDue)
		if len(got) != 1 || got[0]["due_on"] != "2026-04-07" || got[0]["next_due_on"] != "2026-04-14" || got[0]["role"] != string(model.RoleSystem) {
			t.Fatalf("patrol_due events: %v", got)
		}
		if ms := outboxOf(t, f, "patrol_due"); len(ms) != len(testWebhooks) || ms[0].HazardID != h.ID {
			t.Errorf("patrol_due notifications: %d", len(ms))
		}
		q, err := e.Hazards.Queue(f.ctx, f.actors["officer"])
		noErr(t, err)
		if q.PatrolCount != 1 || q.Patrols[0].ID != h.ID || !q.Patrols[0].PatrolOverdue {
			t.Fatalf("officer's queue: %d missed patrols", q.PatrolCount)
		}
		if n := sweep("2026-04-14"); n != 0 {
			t.Errorf("the next cycle's due day: %d", n)
		}
		// A sweeper down for three weeks flags the cycles missed once.
		if n := sweep("2026-05-06") + sweep("2026-05-06"); n != 1 {
			t.Errorf("after three missed cycles: %d patrol_due, want 1", n)
		}
		got = f.patrolEvents(t, h.ID, model.EventPatrolDue)
		if last := got[len(got)-1]; last["due_on"] != "2026-04-14" || last["next_due_on"] != "2026-05-12" {
			t.Errorf("the catch-up: %v", last)
		}

		now = at("2026-05-07")
		h, err = e.Hazards.Hazard(f.ctx, f.actors["officer"], h.ID)
		noErr(t, err)
		h, err = e.Hazards.Apply(f.ctx, f.actors["officer"], h.ID, EventInput{Event: model.EventPatrol, Version: h.Version,
			Fields: Fields{Result: sp("normal"), Latitude: fp(28.6843), Longitude: fp(115.8931)}})
		noErr(t, err)
		if h.NextPatrolDue.String() != "2026-05-14" || h.PatrolOverdue || h.LastPatrolAt == nil || h.DangerOpen {
			t.Errorf("after a patrol on 05-07: next %v overdue %v", h.NextPatrolDue, h.PatrolOverdue)
		}
		q, err = e.Hazards.Queue(f.ctx, f.actors["officer"])
		noErr(t, err)
		if q.PatrolCount != 0 {
			t.Errorf("patrolled, still %d missed on the queue", q.PatrolCount)
		}
		if ms := outboxOf(t, f, "danger_signs"); len(ms) != 0 {
			t.Errorf("a normal patrol notified %d", len(ms))
		}
		verifyOK(t, f, h.ID)

		// Per-type cycles: geological=15 days in and out of the season.
		now = at("2026-05-07")
		p := DefaultPatrolPolicy
		p.ByType, err = ParsePatrolDaysByType("geological=15")
		noErr(t, err)
		e2 := patrolEngine(t, f, &now, p)
		h2, err := e2.Hazards.CreateHazard(f.ctx, f.actors["donghu"], landslide(30, 50))
		noErr(t, err)
		if h2.NextPatrolDue.String() != "2026-05-22" {
			t.Errorf("geological=15 from 05-07: due %v", h2.NextPatrolDue)
		}
		// A written-off or accident hazard has no patrol.
		acc := f.hazard(t)
		if acc.NextPatrolDue != nil {
			t.Errorf("an accident hazard has a patrol day %v", acc.NextPatrolDue)
		}
		h2, err = e2.Hazards.Apply(f.ctx, f.actors["donghu"], h2.ID, EventInput{Event: model.EventDismiss, Version: h2.Version,
			Fields: Fields{Reason: sp("重复登记")}})
		noErr(t, err)
		if h2.NextPatrolDue != nil {
			t.Errorf("a dismissed hazard still has a patrol day %v", h2.NextPatrolDue)
		}
	})
}

// TestConcurrentPatrolSweeps: three replicas sweep one database at once,
// twice: each missed patrol is recorded exactly once, with one patrol_due
// notification per webhook.
func TestConcurrentPatrolSweeps(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			f := newFixture(t, d)
			n := 90
			if d == model.DialectSQLite {
				n = 45
			}
			now := at("2026-05-01")
			e := patrolEngine(t, f, &now, DefaultPatrolPolicy)
			ids := make([]int64, n)
			for i := range ids {
				h, err := e.Hazards.CreateHazard(f.ctx, f.actors["donghu"], landslide(30, 50))
				noErr(t, err)
				ids[i] = h.ID
			}
			engines := make([]*Services, 3)
			for i := range engines {
				engines[i] = patrolEngine(t, f, &now, DefaultPatrolPolicy)
			}
			total := 0
			for range 2 {
				for _, r := range sweepTogether(t, f.ctx, engines, at("2026-05-09")) {
					total += r.Patrols
				}
			}
			if total != n {
				t.Errorf("replicas recorded %d patrol_due in all, want %d", total, n)
			}
			if ms := outboxOf(t, f, "patrol_due"); len(ms) != n*len(testWebhooks) {
				t.Errorf("%d patrol_due notifications, want %d", len(ms), n*len(testWebhooks))
			}
			for _, id := range ids {
				if got := f.patrolEvents(t, id, model.EventPatrolDue); len(got) != 1 {
					t.Fatalf("hazard %d has %d patrol_due events", id, len(got))
				}
				verifyOK(t, f, id)
			}
		})
	}
}

// TestDangerSigns: an officer's patrol with danger signs on a landslide of a
// township notifies at once (danger_signs, addressed to the township, the
// county and natural resources), stands at the top of the township's, the
// county's and the department's queues, and leaves them when a supervisor
// records the response. Refusals: an enterprise, another county, an
// accident hazard, a missing result or note, an officer's response, a
// response with no danger standing, patrol_due by hand.
func TestDangerSigns(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		admin := f.actors["admin"]
		_, err := f.engine.Directory.CreateRegion(f.ctx, admin, RegionInput{Code: "360102001", Name: "公园街道", ParentCode: "360102"})
		noErr(t, err)
		for _, u := range []struct{ key, role, region, dept string }{
			{"town", "supervisor", "360102001", ""}, {"townofficer", "officer", "360102001", ""},
			{"ziran", "supervisor", "360102", "natural_resources"}, {"shuili", "supervisor", "360102", "water"},
		} {
			user, err := f.engine.Directory.CreateUser(f.ctx, admin, UserInput{Username: u.key, Password: "password-" + u.key,
				Role: u.role, RegionCode: u.region, Department: u.dept})
			noErr(t, err)
			f.actors[u.key] = ActorOf(user)
		}
		now := fixedNow
		e := patrolEngine(t, f, &now, DefaultPatrolPolicy)
		in := landslide(150, 50) // major: the department sees it on the shared register
		in.RegionCode = "360102001"
		in.Source = "officer_report"
		h, err := e.Hazards.CreateHazard(f.ctx, f.actors["townofficer"], in)
		noErr(t, err)
		h, err = e.Hazards.Apply(f.ctx, f.actors["donghu"], h.ID, EventInput{Event: model.EventConfirm, Version: h.Version,
			Fields: Fields{Level: sp("major"), BasisStandard: sp("地质灾害防治条例"), BasisClause: sp("第十九条"), ResponsibleUnit: sp("公园街道办事处")}})
		noErr(t, err)

		try := func(who string, ev model.Event, fl Fields) (HazardView, error) {
			cur, err := e.Hazards.Hazard(f.ctx, f.actors["admin"], h.ID)
			noErr(t, err)
			return e.Hazards.Apply(f.ctx, f.actors[who], h.ID, EventInput{Event: ev, Version: cur.Version, Fields: fl})
		}
		danger := Fields{Result: sp("danger"), Note: sp("滑坡体后缘裂缝加宽至 20 厘米，坡脚渗水浑浊")}
		for _, c := range []struct {
			who  string
			ev   model.Event
			fl   Fields
			kind Kind
		}{
			{"ent", model.EventPatrol, danger, KindForbidden},
			{"xihu", model.EventPatrol, danger, KindForbidden},
			{"townofficer", model.EventPatrol, Fields{Note: sp("看过了")}, KindInvalid},
			{"townofficer", model.EventPatrol, Fields{Result: sp("danger")}, KindInvalid},
			{"townofficer", model.EventPatrol, Fields{Result: sp("bad")}, KindInvalid},
			{"townofficer", model.EventPatrol, Fields{Result: sp("normal"), Latitude: fp(28.6)}, KindInvalid},
			{"town", model.EventRespond, Fields{Measures: sp("组织转移 12 户 36 人")}, KindForbidden}, // no danger yet
			{"donghu", model.EventPatrolDue, Fields{}, KindForbidden},
		} {
			if _, err := try(c.who, c.ev, c.fl); kindOf(err) != c.kind {
				t.Errorf("%s by %s %+v: %v, want kind %v", c.ev, c.who, c.fl, err, c.kind)
			}
		}
		acc := f.hazard(t)
		if _, err := f.engine.Hazards.Apply(f.ctx, f.actors["officer"], acc.ID, EventInput{Event: model.EventPatrol, Version: acc.Version,
			Fields: Fields{Result: sp("normal")}}); kindOf(err) != KindForbidden {
			t.Errorf("a patrol of an accident hazard: %v", err)
		}

		if _, err := try("townofficer", model.EventPatrol, danger); err != nil {
			t.Fatal(err)
		}
		ms := outboxOf(t, f, "danger_signs")
		if len(ms) != len(testWebhooks) {
			t.Fatalf("%d danger_signs notifications, want %d", len(ms), len(testWebhooks))
		}
		var body struct {
			HazardID   int64 `json:"hazard_id"`
			Recipients []struct {
				Level      string `json:"level"`
				RegionCode string `json:"region_code"`
				Department string `json:"department"`
			} `json:"recipients"`
		}
		noErr(t, json.Unmarshal([]byte(ms[0].Payload), &body))
		want := []string{"township 360102001 ", "county 360102 ", "department 360102 natural_resources"}
		if len(body.Recipients) != len(want) || body.HazardID != h.ID {
			t.Fatalf("danger_signs body: %s", ms[0].Payload)
		}
		for i, r := range body.Recipients {
			if got := r.Level + " " + r.RegionCode + " " + r.Department; got != want[i] {
				t.Errorf("recipient %d: %q, want %q", i, got, want[i])
			}
		}
		for _, who := range []string{"town", "townofficer", "donghu", "ziran", "officer"} {
			q, err := e.Hazards.Queue(f.ctx, f.actors[who])
			noErr(t, err)
			if q.DangerCount != 1 || q.Dangers[0].ID != h.ID || !q.Dangers[0].DangerOpen {
				t.Errorf("%s's queue: %d danger signs", who, q.DangerCount)
			}
		}
		for _, who := range []string{"xihu", "shuili"} {
			q, err := e.Hazards.Queue(f.ctx, f.actors[who])
			noErr(t, err)
			if q.DangerCount != 0 {
				t.Errorf("%s sees %d danger signs of another territory or department", who, q.DangerCount)
			}
		}
		if _, err := try("townofficer", model.EventRespond, Fields{Measures: sp("组织转移")}); kindOf(err) != KindForbidden {
			t.Errorf("an officer responded: %v", err)
		}
		if _, err := try("town", model.EventRespond, Fields{}); kindOf(err) != KindInvalid {
			t.Errorf("a response without measures: %v", err)
		}
		v, err := try("town", model.EventRespond, Fields{Measures: sp("组织转移 12 户 36 人至村委会安置点，设置警戒")})
		noErr(t, err)
		if v.DangerOpen || v.DangerSince != nil {
			t.Errorf("danger still open after respond")
		}
		for _, who := range []string{"town", "donghu", "ziran"} {
			q, err := e.Hazards.Queue(f.ctx, f.actors[who])
			noErr(t, err)
			if q.DangerCount != 0 {
				t.Errorf("%s's queue keeps %d danger signs after respond", who, q.DangerCount)
			}
		}
		if got := f.patrolEvents(t, h.ID, model.EventRespond); len(got) != 1 || got[0]["measures"] == nil {
			t.Errorf("respond events: %v", got)
		}
		verifyOK(t, f, h.ID)
	})
}

// TestPatrolPhotos: a patrol's photos are attached in its transaction and
// named in its payload; a refused patrol keeps none of them.
func TestPatrolPhotos(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], landslide(30, 50))
		noErr(t, err)
		var img bytes.Buffer
		noErr(t, png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 8, 8))))
		photo := EvidenceInput{Filename: "裂缝.png", Data: img.Bytes()}
		if _, err := f.engine.Hazards.Patrol(f.ctx, f.actors["ent"], h.ID, EventInput{Version: h.Version, Fields: Fields{Result: sp("normal")}},
			[]EvidenceInput{photo}); kindOf(err) != KindForbidden {
			t.Errorf("an enterprise's patrol: %v", err)
		}
		if _, err := f.engine.Hazards.Patrol(f.ctx, f.actors["officer"], h.ID, EventInput{Version: h.Version, Fields: Fields{Result: sp("danger")}},
			[]EvidenceInput{photo}); kindOf(err) != KindInvalid {
			t.Errorf("a danger patrol without a note: %v", err)
		}
		evs, err := f.engine.Evidence.List(f.ctx, f.actors["officer"], h.ID)
		noErr(t, err)
		if len(evs) != 0 {
			t.Fatalf("refused patrols left %d files", len(evs))
		}
		v, err := f.engine.Hazards.Patrol(f.ctx, f.actors["officer"], h.ID, EventInput{Version: h.Version,
			Fields: Fields{Result: sp("changed"), Note: sp("裂缝略有加宽")}}, []EvidenceInput{photo, photo})
		noErr(t, err)
		got := f.patrolEvents(t, h.ID, model.EventPatrol)
		if len(got) != 1 || len(got[0]["photos"].([]any)) != 2 || v.Version != h.Version+3 {
			t.Fatalf("patrol with photos: %v (version %d from %d)", got, v.Version, h.Version)
		}
		evs, err = f.engine.Evidence.List(f.ctx, f.actors["officer"], h.ID)
		noErr(t, err)
		if len(evs) != 2 || evs[0].Kind != model.EvidencePhotoBefore || evs[0].Note != "巡查照片" {
			t.Errorf("files: %+v", evs)
		}
		verifyOK(t, f, h.ID)
	})
}
