package handler_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"hazardloop/workflow"
)

// TestVerificationClock: a submission waiting for verification past
// --verify-days (5) working days is late (核实超时): flagged on the hazard,
// counted on the dashboard, recorded and notified once per submission however
// many sweeps run; a new submission starts a new clock.
func TestVerificationClock(t *testing.T) {
	opts := workflow.Options{Webhooks: []string{"http://127.0.0.1:9/hook"}}
	eachDialectWith(t, opts, func(t *testing.T, w *world, eng *workflow.Services) {
		type late struct {
			VerifyDue     string `json:"verify_due"`
			VerifyOverdue bool   `json:"verify_overdue"`
		}
		read := func(id int64) late {
			t.Helper()
			var l late
			w.as(t, "donghu").get(hazardPath(id)).want(http.StatusOK).decode(&l)
			return l
		}
		sweep := func(at time.Time) int {
			t.Helper()
			w.clock.Set(at)
			w.forgetLogins()
			res, err := eng.Supervision.SweepOnce(context.Background(), at)
			if err != nil {
				t.Fatal(err)
			}
			return res.Verifications
		}
		dashboard := func() int64 {
			t.Helper()
			d, err := eng.Hazards.Dashboard(context.Background(), workflow.ActorOf(w.users["donghu"]))
			if err != nil {
				t.Fatal(err)
			}
			return d.VerifyOverdue
		}
		notices := func(id int64) int {
			t.Helper()
			ms, err := w.store.ListOutbox(context.Background(), false, 500)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range ms {
				if m.HazardID == id && m.Kind == "verify_overdue" {
					n++
				}
			}
			return n
		}

		entA := w.as(t, "entA")
		h := entA.createHazard(obj{"title": "配电房未设挡鼠板"})
		h = entA.mustFire(h, "confirm", obj{})
		h = entA.mustFire(h, "plan", obj{"measures": "加装挡鼠板", "responsible_person": "张三", "deadline": "2026-12-20"})
		h = entA.mustFire(h, "submit", nil) // Saturday 28 November: due Friday 4 December
		if l := read(h.ID); l.VerifyDue != "2026-12-04" || l.VerifyOverdue {
			t.Fatalf("just submitted: %+v", l)
		}
		if n := sweep(day(2026, 12, 4)); n != 0 || dashboard() != 0 {
			t.Fatalf("late on its due day: %d, dashboard %d", n, dashboard())
		}
		if n := sweep(day(2026, 12, 5)); n != 1 {
			t.Fatalf("not flagged the day after: %d", n)
		}
		for range 2 {
			if n := sweep(day(2026, 12, 7)); n != 0 {
				t.Fatalf("flagged twice: %d", n)
			}
		}
		if l := read(h.ID); !l.VerifyOverdue || dashboard() != 1 || notices(h.ID) != 1 {
			t.Errorf("late: %+v, dashboard %d, notices %d", l, dashboard(), notices(h.ID))
		}
		evs := w.as(t, "donghu").events(h.ID)
		if last := evs[len(evs)-1]; last.Event != "verify_overdue" || last.Role != "system" || last.Payload["due_on"] != "2026-12-04" {
			t.Errorf("last event %+v", last)
		}

		// Turned down and submitted again on Monday 7 December: a new clock.
		h = w.as(t, "donghu").hazard(h.ID)
		h = w.as(t, "donghu").mustFire(h, "reject", obj{"reason": "挡鼠板高度不足"})
		h = w.as(t, "entA").mustFire(h, "submit", nil)
		if l := read(h.ID); l.VerifyDue != "2026-12-14" || l.VerifyOverdue || dashboard() != 0 {
			t.Errorf("resubmitted: %+v, dashboard %d", l, dashboard())
		}
		if n := sweep(day(2026, 12, 15)); n != 1 || notices(h.ID) != 2 {
			t.Errorf("the second submission late: %d flagged, %d notices", n, notices(h.ID))
		}
	})
}
