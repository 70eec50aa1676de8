package workflow

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"hazardloop/model/modeltest"
)

// lateOutbox returns the periodic_late notifications by enterprise and period.
func (f *fixture) lateOutbox(tb testing.TB) map[string][]lateFiling {
	tb.Helper()
	ms, err := f.store.ListOutbox(f.ctx, false, 100000)
	noErr(tb, err)
	out := map[string][]lateFiling{}
	for _, m := range ms {
		if m.Kind != "periodic_late" {
			continue
		}
		var b lateFiling
		noErr(tb, json.Unmarshal([]byte(m.Payload), &b))
		if m.EventID != 0 || m.HazardID != 0 {
			tb.Errorf("a periodic_late notice names event %d, hazard %d", m.EventID, m.HazardID)
		}
		k := fmt.Sprintf("%d %s", b.EnterpriseID, b.Period)
		out[k] = append(out[k], b)
	}
	return out
}

// TestLatePeriodicFilings: after a period's due day the sweep tells each
// enterprise that has not filed it, once, one notification per webhook naming
// its users; nothing on the due day itself, nothing for an enterprise that
// filed, nothing again on the next sweep; three replicas sweeping at once
// still tell a newly late enterprise once.
func TestLatePeriodicFilings(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			f := newFixture(t, d)
			f.engine.opts.Webhooks = testWebhooks
			f.now = at("2026-10-10")
			if _, err := f.engine.Reports.File(f.ctx, f.actors["ent"], FileInput{Period: "2026Q3", PrincipalName: "王建国"}); err != nil {
				t.Fatal(err)
			}
			sweep := func(when string) SweepResult {
				t.Helper()
				f.now = at(when)
				res, err := f.engine.Supervision.SweepOnce(f.ctx, at(when))
				noErr(t, err)
				return res
			}
			notices := func(period string) int64 {
				n, err := f.store.LateNotices(f.ctx, period)
				noErr(t, err)
				return n
			}
			donghu, xihu := f.ents["donghu"], f.ents["xihu"]

			sweep("2026-10-15") // the due day of 2026Q3 (2026Q2 and 2025 are the late ones then)
			if n := notices("2026Q3"); n != 0 {
				t.Errorf("on the due day: %d notices for 2026Q3", n)
			}
			if n := len(f.lateOutbox(t)[fmt.Sprintf("%d 2026Q3", xihu)]); n != 0 {
				t.Errorf("on the due day: %d notifications", n)
			}

			sweep("2026-10-16")
			out := f.lateOutbox(t)
			if n := notices("2026Q3"); n != 1 {
				t.Errorf("the day after: %d notices for 2026Q3, want 1 (西湖's)", n)
			}
			if n := len(out[fmt.Sprintf("%d 2026Q3", donghu)]); n != 0 {
				t.Errorf("东湖's enterprise filed, yet %d notifications", n)
			}
			ms := out[fmt.Sprintf("%d 2026Q3", xihu)]
			if len(ms) != len(testWebhooks) {
				t.Fatalf("西湖's enterprise: %d notifications, want one per webhook", len(ms))
			}
			if b := ms[0]; b.Kind != "periodic_late" || b.DueOn.String() != "2026-10-15" || b.RegionCode != "360103" ||
				len(b.UserIDs) != 1 || b.UserIDs[0] != f.actors["ent2"].ID {
				t.Errorf("notification %+v", b)
			}
			// 2026Q2 and 2025 are late for both.
			if notices("2026Q2") != 2 || notices("2025") != 2 {
				t.Errorf("2026Q2: %d notices, 2025: %d; want 2 each", notices("2026Q2"), notices("2025"))
			}

			if res := sweep("2026-10-17"); res.LateFilings != 0 {
				t.Errorf("a second sweep told %d again", res.LateFilings)
			}

			// A new enterprise, and three replicas at once: told once.
			first := fmt.Sprintf("91%sMA3%05d0", "360102", 7)[:17]
			ent, err := f.engine.Directory.CreateEnterprise(f.ctx, f.actors["admin"], EnterpriseInput{Name: "新公司",
				CreditCode: first + string(CreditCheckChar(first)), RegionCode: "360102", Industry: "工贸"})
			noErr(t, err)
			engines := make([]*Services, 3)
			for i := range engines {
				engines[i] = New(modeltest.OpenAt(t, f.url), Options{Now: func() time.Time { return at("2026-10-18") }, Webhooks: testWebhooks})
			}
			total := 0
			for _, r := range sweepTogether(t, f.ctx, engines, at("2026-10-18")) {
				total += r.LateFilings
			}
			if total != 2 { // 2026Q3 and 2025 (2026Q2 is no longer pressed)
				t.Errorf("replicas told %d in all, want 2", total)
			}
			out = f.lateOutbox(t)
			for _, p := range []string{"2026Q3", "2025"} {
				if n := len(out[fmt.Sprintf("%d %s", ent.ID, p)]); n != len(testWebhooks) {
					t.Errorf("the new enterprise, %s: %d notifications", p, n)
				}
			}
			if n := notices("2026Q3"); n != 2 {
				t.Errorf("2026Q3: %d notices, want 2", n)
			}
		})
	}
}

// TestLatePeriods: the quarter pressed is the last one past its due day (the
// 15th of the next quarter's first month), the year the last past 31 January.
func TestLatePeriods(t *testing.T) {
	for _, c := range []struct{ today, want string }{
		{"2026-10-15", "2026Q2 2025"},
		{"2026-10-16", "2026Q3 2025"},
		{"2026-01-15", "2025Q3 2024"},
		{"2026-01-16", "2025Q4 2024"},
		{"2026-02-01", "2025Q4 2025"},
		{"2026-12-31", "2026Q3 2025"},
	} {
		ps := latePeriods(day(c.today))
		if got := ps[0].Name + " " + ps[1].Name; got != c.want {
			t.Errorf("%s: %s, want %s", c.today, got, c.want)
		}
	}
}
