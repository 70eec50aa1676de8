package workflow

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hazardloop/model"
)

// TestPeriodStatisticsFollowEvents: the period statistics, summed from the
// days kept in each event's transaction, equal counts made here from the
// hazards themselves — for every grouping, for the territories of the
// province, a city, a county and a department, and for periods whose ends
// fall mid-week and at the edges of Shanghai's days (a hazard found at 00:00
// on the first day, 23:30 on the last, 00:10 the day after) — after hazards
// move through every state, are reopened, dismissed, listed under another
// department, transferred, written off by eight writers at once in one cell,
// and after a rebuild from the hazards.
func TestPeriodStatisticsFollowEvents(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		at := func(s string) time.Time {
			tm, err := time.Parse(time.RFC3339, s)
			noErr(t, err)
			return tm
		}
		// found creates a hazard found at when (the clock set there).
		found := func(when string) HazardView {
			f.now = at(when)
			return f.hazard(t)
		}
		// writeOff takes h to written off, approved at when.
		writeOff := func(h HazardView, when string) HazardView {
			h = f.fire(t, "donghu", h, model.EventConfirm, Fields{}, "")
			h = f.fire(t, "ent", h, model.EventPlan, planFields(), "")
			h = f.proof(t, "ent", h)
			h = f.fire(t, "ent", h, model.EventSubmit, Fields{}, "")
			f.now = at(when)
			return f.fire(t, "donghu", h, model.EventApprove, Fields{}, "整改到位")
		}
		found("2026-09-01T23:59:00+08:00")                                        // the day before the period
		writeOff(found("2026-09-02T00:00:00+08:00"), "2026-10-14T23:00:00+08:00") // first day, written off on the last
		writeOff(found("2026-09-02T08:00:00+08:00"), "2026-10-15T00:10:00+08:00") // written off the day after
		writeOff(found("2026-08-20T09:00:00+08:00"), "2026-09-02T00:05:00+08:00") // found before, written off in it
		found("2026-10-14T23:30:00+08:00")                                        // the last day, late
		found("2026-10-15T00:10:00+08:00")                                        // the day after
		f.now = at("2026-09-10T10:00:00+08:00")
		f.toState(t, model.StateDismissed)
		f.toState(t, model.StateListed)
		f.toState(t, model.StateRectifying)
		f.toState(t, model.StateVerifying)
		m := f.major(t)
		f.fire(t, "donghu", m, model.EventConfirm, Fields{BasisStandard: sp("标准"), BasisClause: sp("条款")}, "")
		wo := writeOff(found("2026-09-15T10:00:00+08:00"), "2026-09-20T10:00:00+08:00")
		f.now = at("2026-10-01T10:00:00+08:00")
		f.fire(t, "city", wo, model.EventReopen, Fields{Reason: sp("回头看"), Deadline: sp("2026-10-05")}, "")
		// One for the water bureau: listed under it, then sent to 西湖区's.
		for key, region := range map[string]string{"water": "360102", "xihuwater": "360103"} {
			u, err := f.engine.Directory.CreateUser(f.ctx, f.actors["admin"], UserInput{Username: key, Password: "password-" + key,
				Role: "supervisor", RegionCode: region, Department: "water"})
			noErr(t, err)
			f.actors[key] = ActorOf(u)
		}
		wh := found("2026-10-02T10:00:00+08:00")
		wh = f.fire(t, "donghu", wh, model.EventConfirm, Fields{Department: sp("water")}, "")
		wh = f.fire(t, "water", wh, model.EventTransfer, Fields{ToRegionCode: sp("360103"), Reason: sp("在西湖区一侧")}, "")
		f.fire(t, "xihuwater", wh, model.EventAcceptTransfer, Fields{}, "")

		// One of 西湖区, written off in the period (outside 东湖区's territory).
		f.now = at("2026-09-20T10:00:00+08:00")
		xh, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["ent2"], HazardInput{Title: "仓库消防栓无水"})
		noErr(t, err)
		xh = f.fire(t, "xihu", xh, model.EventConfirm, Fields{}, "")
		xh = f.fire(t, "ent2", xh, model.EventPlan, planFields(), "")
		xh = f.proof(t, "ent2", xh)
		xh = f.fire(t, "ent2", xh, model.EventSubmit, Fields{}, "")
		f.fire(t, "xihu", xh, model.EventApprove, Fields{}, "整改到位")

		// Eight writers at once, each writing off a hazard of the same cell.
		f.now = at("2026-10-10T10:00:00+08:00")
		hs := make([]HazardView, 8)
		for i := range hs {
			hs[i] = f.hazard(t)
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(hs))
		for _, h := range hs {
			wg.Go(func() {
				for _, step := range []struct {
					who string
					ev  model.Event
					fl  Fields
				}{{"donghu", model.EventConfirm, Fields{}}, {"ent", model.EventPlan, planFields()}, {"ent", model.EventSubmit, Fields{}}, {"donghu", model.EventApprove, Fields{}}} {
					if step.ev == model.EventSubmit {
						if _, err := f.engine.Evidence.Add(f.ctx, f.actors["ent"], h.ID, EvidenceInput{Kind: "document", Filename: "整改报告.pdf", Data: pdf}); err != nil {
							errs <- err
							return
						}
						var err error
						if h, err = f.engine.Hazards.Hazard(f.ctx, f.actors["ent"], h.ID); err != nil {
							errs <- err
							return
						}
					}
					var err error
					h, err = f.engine.Hazards.Apply(f.ctx, f.actors[step.who], h.ID, EventInput{Event: step.ev, Version: h.Version, Fields: step.fl, Comment: "整改到位"})
					if err != nil {
						errs <- fmt.Errorf("%s: %w", step.ev, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		f.now = fixedNow

		periods := [][2]string{
			{"2026-09-02", "2026-10-14"}, // Wednesday to Wednesday
			{"2026-09-02", "2026-09-02"},
			{"2026-10-14", "2026-10-15"},
			{"2026-10-10", "2026-10-10"},
			{"2026-08-01", "2026-11-28"},
			{"", ""}, // the year so far
		}
		check := func(when string) {
			for _, who := range []string{"admin", "province", "city", "donghu", "xihu", "water", "xihuwater", "officer"} {
				for g := range statGroups {
					for _, p := range periods {
						q := StatisticsQuery{From: p[0], To: p[1], GroupBy: g}
						st, err := f.engine.Supervision.Statistics(f.ctx, f.actors[who], q)
						noErr(t, err)
						want := countStatistics(t, f, f.actors[who], q)
						got := fmt.Sprint(rowCounts(st.Rows))
						if got != fmt.Sprint(want) {
							t.Errorf("%s, %s by %s, %s–%s:\n got  %s\n want %s", when, who, g, p[0], p[1], got, fmt.Sprint(want))
						}
					}
				}
			}
		}
		check("kept")
		st, err := f.engine.Supervision.Statistics(f.ctx, f.actors["donghu"], StatisticsQuery{From: "2026-10-10", To: "2026-10-10"})
		noErr(t, err)
		if st.Total.Found != 8 || st.Total.WrittenOff != 8 || st.Total.FoundRectified != 8 {
			t.Errorf("the eight written off at once: %+v", st.Total)
		}
		noErr(t, f.engine.Hazards.RebuildSummaries(f.ctx))
		check("rebuilt")
	})
}

func rowCounts(rows []StatRow) []model.PeriodCounts {
	out := make([]model.PeriodCounts, len(rows))
	for i, r := range rows {
		out[i] = r.PeriodCounts
	}
	return out
}

// countStatistics counts q's period statistics for a from the hazards
// themselves, one by one, as the statistics define them.
func countStatistics(tb testing.TB, f *fixture, a Actor, q StatisticsQuery) []model.PeriodCounts {
	tb.Helper()
	hs, err := f.store.ListHazards(f.ctx, model.HazardFilter{Scope: model.AllScope, Limit: 10000})
	noErr(tb, err)
	today := model.DateIn(f.now, model.Shanghai)
	from, to := model.NewDate(today.Year(), time.January, 1), today
	if q.From != "" {
		from, _ = parseDay(q.From)
		to, _ = parseDay(q.To)
	}
	start := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, model.Shanghai)
	end := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, model.Shanghai).AddDate(0, 0, 1)
	in := func(t time.Time) bool { return !t.Before(start) && t.Before(end) }
	sc := a.Scope()
	prefix := childPrefix(a.Region)
	if prefix == 0 {
		prefix = len(a.Region)
	}
	if a.Region == "" {
		prefix = 2
	}
	groups := map[string]*model.PeriodCounts{}
	for _, h := range hs {
		if !sc.All && (!model.Within(h.RegionCode, sc.Region) || sc.Department != "" && h.Department != sc.Department) {
			continue
		}
		var k string
		switch q.GroupBy {
		case "region":
			k = childCode(h.RegionCode[:min(prefix, len(h.RegionCode))])
		case "industry":
			k = h.Industry
		case "department":
			k = string(h.Department)
		case "level":
			k = string(h.Level)
		case "source":
			k = string(h.Source)
		}
		c := groups[k]
		if c == nil {
			c = &model.PeriodCounts{Key: k}
			groups[k] = c
		}
		wo := h.State == model.StateWrittenOff && h.ClosedAt != nil
		if in(h.DiscoveredAt) && h.State != model.StateDismissed {
			c.Found++
			if h.Level == model.LevelMajor {
				c.FoundMajor++
			}
			if wo && h.ClosedAt.Before(end) {
				c.FoundRectified++
			}
		}
		if wo && in(*h.ClosedAt) {
			c.WrittenOff++
		}
		switch h.State {
		case model.StateDiscovered, model.StateVerifying:
			c.Open++
		case model.StateListed, model.StateRectifying:
			c.Open++
			if h.DueOn != nil && h.DueOn.Before(today.Time) {
				c.Overdue++
			}
		}
	}
	out := []model.PeriodCounts{}
	for _, c := range groups {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b model.PeriodCounts) int { return strings.Compare(a.Key, b.Key) })
	return out
}
