package workflow

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

var testWebhooks = []string{"https://a.example/hook", "https://b.example/hook"}

// dueHazard lists a general hazard with deadline and moves it into rectification.
func (f *fixture) dueHazard(tb testing.TB, deadline string) HazardView {
	tb.Helper()
	h := f.hazard(tb)
	h = f.fire(tb, "donghu", h, model.EventConfirm, Fields{Deadline: sp(deadline)}, "")
	pf := planFields()
	pf.Deadline = nil
	return f.fire(tb, "ent", h, model.EventPlan, pf, "")
}

// reminders returns the payloads of hazard id's remind events, checking that
// each is the system's and moves no state.
func (f *fixture) reminders(tb testing.TB, id int64) []map[string]any {
	tb.Helper()
	evs, err := f.engine.Hazards.Events(f.ctx, f.actors["admin"], id)
	noErr(tb, err)
	var out []map[string]any
	for _, e := range evs {
		if e.Event != model.EventRemind {
			continue
		}
		if e.Role != model.RoleSystem || e.ActorID != nil || e.FromState != e.ToState {
			tb.Errorf("remind by %s/%v from %s to %s", e.Role, e.ActorID, e.FromState, e.ToState)
		}
		var p map[string]any
		noErr(tb, json.Unmarshal([]byte(e.Payload), &p))
		p["event_id"] = e.ID
		out = append(out, p)
	}
	return out
}

// remindOutbox counts the deadline_approaching notifications of each remind
// event, by event id.
func (f *fixture) remindOutbox(tb testing.TB) map[int64][]model.OutboxMessage {
	tb.Helper()
	ms, err := f.store.ListOutbox(f.ctx, false, 100000)
	noErr(tb, err)
	out := map[int64][]model.OutboxMessage{}
	for _, m := range ms {
		if m.Kind == "deadline_approaching" {
			out[m.EventID] = append(out[m.EventID], m)
		}
	}
	return out
}

func (f *fixture) remindSweep(tb testing.TB, when string) int {
	tb.Helper()
	res, err := f.engine.Supervision.SweepOnce(f.ctx, at(when))
	noErr(tb, err)
	return res.Reminders
}

// counts reads the dashboard's counts, which a reminder must not move.
func (f *fixture) counts(tb testing.TB) string {
	tb.Helper()
	var rows []struct {
		RegionCode, State, Level, Source, Industry string
		OnTime                                     bool
		N                                          int64
	}
	noErr(tb, f.store.Raw(f.ctx, &rows, `SELECT region_code, state, level, source, industry, on_time, n
		FROM hazard_counts ORDER BY region_code, state, level, source, industry, on_time`))
	return fmt.Sprint(rows)
}

// TestRemindOncePerDueDay: an open hazard due within --remind-days gets one remind
// event and one notification per webhook per due day; one due later, a written-off
// one and one waiting for verification get none; an extension into the window
// again brings another; nobody fires remind by hand.
func TestRemindOncePerDueDay(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		f.engine.opts.Webhooks = testWebhooks
		soon := f.dueHazard(t, "2026-11-30") // 2 days after fixedNow
		later := f.dueHazard(t, "2026-12-08")
		closed := f.toState(t, model.StateWrittenOff)
		verifying := f.toState(t, model.StateVerifying)
		// Written off and waiting for verification, but with a deadline in the window.
		noErr(t, f.store.Exec(f.ctx, "UPDATE hazards SET deadline = ? WHERE id IN ?", day("2026-11-30"), []int64{closed.ID, verifying.ID}))
		countsBefore := f.counts(t)

		if n := f.remindSweep(t, "2026-11-28"); n != 1 {
			t.Fatalf("first sweep: %d reminders, want 1", n)
		}
		if n := f.remindSweep(t, "2026-11-28"); n != 0 {
			t.Fatalf("second sweep of the day: %d reminders, want 0", n)
		}
		if n := f.remindSweep(t, "2026-11-29"); n != 0 {
			t.Fatalf("next day, same due day: %d reminders, want 0", n)
		}
		got := f.reminders(t, soon.ID)
		if len(got) != 1 || got[0]["due_on"] != "2026-11-30" || got[0]["days_left"] != float64(2) {
			t.Fatalf("remind events of the hazard due in 2 days: %v", got)
		}
		h := f.reload(t, soon.ID)
		if h.Version != soon.Version+1 || h.State != model.StateRectifying || fmtDate(h.RemindedDue) != "2026-11-30" ||
			fmtDate(h.DueOn) != "2026-11-30" || fmtDate(h.NextStepOn) != fmtDate(soon.NextStepOn) || h.EscalationLevel != 0 {
			t.Errorf("after the reminder: version %d (was %d), state %s, reminded %s, due %s, next step %s",
				h.Version, soon.Version, h.State, fmtDate(h.RemindedDue), fmtDate(h.DueOn), fmtDate(h.NextStepOn))
		}
		for _, id := range []int64{later.ID, closed.ID, verifying.ID} {
			if got := f.reminders(t, id); len(got) != 0 {
				t.Errorf("hazard %d was reminded: %v", id, got)
			}
		}
		outbox := f.remindOutbox(t)
		first := got[0]["event_id"].(int64)
		if len(outbox) != 1 || len(outbox[first]) != len(testWebhooks) {
			t.Fatalf("deadline_approaching notifications: %v", outbox)
		}
		var body map[string]any
		noErr(t, json.Unmarshal([]byte(outbox[first][0].Payload), &body))
		if body["kind"] != "deadline_approaching" || body["event"] != "remind" || body["due_on"] != "2026-11-30" ||
			body["days_left"] != float64(2) || body["hazard_id"] != float64(soon.ID) || body["actor_role"] != "system" {
			t.Errorf("notification body: %v", body)
		}
		if after := f.counts(t); after != countsBefore {
			t.Errorf("a reminder moved the dashboard's counts:\n%s\n%s", countsBefore, after)
		}

		// Nobody fires remind by hand, whatever their role.
		for _, who := range []string{"donghu", "province", "officer", "ent", "admin"} {
			_, err := f.engine.Hazards.Apply(f.ctx, f.actors[who], later.ID, EventInput{Event: model.EventRemind, Version: later.Version})
			if kindOf(err) != KindForbidden {
				t.Errorf("%s fired remind: %v", who, err)
			}
			if v, err := f.engine.Hazards.Hazard(f.ctx, f.actors[who], later.ID); err == nil && slices.Contains(v.AllowedEvents, model.EventRemind) {
				t.Errorf("remind offered to %s", who)
			}
		}

		// An extension out of the window, then time passes into it: reminded again,
		// once, of the new due day.
		f.now = at("2026-11-29")
		h = f.fire(t, "donghu", f.reload(t, soon.ID), model.EventExtend, Fields{Reason: sp("设备到货延迟"), Deadline: sp("2026-12-20")}, "")
		if n := f.remindSweep(t, "2026-11-29"); n != 0 {
			t.Fatalf("after extending to 12-20: %d reminders", n)
		}
		if n := f.remindSweep(t, "2026-12-17"); n != 1 {
			t.Fatalf("on 12-17: %d reminders, want 1 (the one due 12-08 is overdue: the ladder's)", n)
		}
		got = f.reminders(t, soon.ID)
		if len(got) != 2 || got[1]["due_on"] != "2026-12-20" || got[1]["days_left"] != float64(3) {
			t.Fatalf("after the extension: %v", got)
		}
		if n := f.remindSweep(t, "2026-12-18"); n != 0 {
			t.Fatalf("again: %d reminders", n)
		}
		if outbox := f.remindOutbox(t); len(outbox) != 2 || len(outbox[got[1]["event_id"].(int64)]) != len(testWebhooks) {
			t.Errorf("notifications after the extension: %v", outbox)
		}
		for _, id := range []int64{soon.ID, later.ID, closed.ID, verifying.ID} {
			verifyOK(t, f, id)
		}
	})
}

// TestRemindWindow: the window runs from today to --remind-days later, both
// included; a listed hazard without a deadline is reminded of its plan's due day;
// 0 turns reminders off.
func TestRemindWindow(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		today := f.dueHazard(t, "2026-11-28")
		edge := f.dueHazard(t, "2026-12-01")
		beyond := f.dueHazard(t, "2026-12-02")
		listed := f.fire(t, "donghu", f.hazard(t), model.EventConfirm, Fields{}, "") // due 7 days after listing: 12-05

		f.engine.opts.Ladder.RemindDays = 0
		if n := f.remindSweep(t, "2026-11-28"); n != 0 {
			t.Fatalf("reminders off: %d reminders", n)
		}
		f.engine.opts.Ladder.RemindDays = 3
		if n := f.remindSweep(t, "2026-11-28"); n != 2 {
			t.Fatalf("%d reminders, want 2 (due today, due in 3 days)", n)
		}
		if got := f.reminders(t, today.ID); len(got) != 1 || got[0]["days_left"] != float64(0) {
			t.Errorf("due today: %v", got)
		}
		if got := f.reminders(t, edge.ID); len(got) != 1 || got[0]["days_left"] != float64(3) {
			t.Errorf("due in 3 days: %v", got)
		}
		if got := f.reminders(t, beyond.ID); len(got) != 0 {
			t.Errorf("due in 4 days: %v", got)
		}
		if n := f.remindSweep(t, "2026-12-02"); n != 2 {
			t.Fatalf("on 12-02: %d reminders, want 2 (due that day; listed, plan due 12-05)", n)
		}
		if got := f.reminders(t, listed.ID); len(got) != 1 || got[0]["due_on"] != "2026-12-05" || f.reload(t, listed.ID).State != model.StateListed {
			t.Errorf("listed without a deadline: %v", got)
		}
		// Past due, a hazard is the ladder's, not the reminder's.
		if res, err := f.engine.Supervision.SweepOnce(f.ctx, at("2026-12-03")); err != nil || res.Reminders != 0 || res.Steps != 1 {
			t.Errorf("on 12-03: %+v, %v", res, err)
		}
		for _, id := range []int64{today.ID, edge.ID, beyond.ID, listed.ID} {
			verifyOK(t, f, id)
		}
	})
}

// TestConcurrentReminders: three replicas sweep one database at the same moment;
// every hazard due soon is reminded exactly once, with one notification per
// webhook.
func TestConcurrentReminders(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			f := newFixture(t, d)
			n := 120
			if d == model.DialectSQLite {
				n = 60
			}
			ids := make([]int64, n)
			for i := range ids {
				ids[i] = f.dueHazard(t, "2026-11-30").ID
			}
			f.dueHazard(t, "2026-12-08") // due in 10 days: none
			const replicas = 3
			engines := make([]*Services, replicas)
			for i := range engines {
				engines[i] = New(modeltest.OpenAt(t, f.url), Options{Now: func() time.Time { return fixedNow }, Webhooks: testWebhooks})
			}
			total := 0
			for range 2 { // a second sweep of the same day reminds no one again
				for _, r := range sweepTogether(t, f.ctx, engines, at("2026-11-28")) {
					total += r.Reminders
				}
			}
			if total != n {
				t.Errorf("replicas recorded %d reminders in all, want %d", total, n)
			}
			outbox := f.remindOutbox(t)
			if len(outbox) != n {
				t.Errorf("%d remind events have notifications, want %d", len(outbox), n)
			}
			for _, id := range ids {
				got := f.reminders(t, id)
				if len(got) != 1 {
					t.Fatalf("hazard %d has %d remind events", id, len(got))
				}
				if ms := outbox[got[0]["event_id"].(int64)]; len(ms) != len(testWebhooks) || ms[0].HazardID != id {
					t.Errorf("hazard %d: %d notifications", id, len(ms))
				}
				verifyOK(t, f, id)
			}
		})
	}
}
