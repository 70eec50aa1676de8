package model_test

import (
	"fmt"
	"testing"
	"time"

	"hazardloop/model"
)

var cst = time.FixedZone("CST", 8*3600)

// weekOf is the Monday (China Standard Time) of t's week, as the workflow
// counts weeks.
func weekOf(t time.Time) model.Date {
	d := model.DateIn(t, cst)
	return d.AddDays(-((int(d.Weekday()) + 6) % 7))
}

// summaryKey is a hazard's cell of the counts: on time when written off by the
// end of its deadline day (or without one).
func summaryKey(r model.SummaryRow) model.CountKey {
	k := model.CountKey{RegionCode: r.RegionCode, State: r.State, Level: r.Level, Source: r.Source, Industry: r.Industry}
	if r.State == model.StateWrittenOff && r.ClosedAt != nil {
		k.OnTime = r.Deadline == nil || r.ClosedAt.Before(time.Date(r.Deadline.Year(), r.Deadline.Month(), r.Deadline.Day()+1, 0, 0, 0, 0, cst))
	}
	return k
}

// summaryDay is a hazard's cell of hazard_days: found and written off on their
// days in China Standard Time, none when dismissed.
// noCells leaves hazard_period_cells empty: what this package's tests read
// does not come from them (workflow's period statistics tests do).
func noCells(model.SummaryRow) []model.CellKey { return nil }

func summaryDay(r model.SummaryRow) (model.DayKey, bool) {
	if r.State == model.StateDismissed {
		return model.DayKey{}, false
	}
	k := model.DayKey{RegionCode: r.RegionCode, Department: r.Department, Industry: r.Industry, Level: r.Level, Source: r.Source,
		FoundOn: model.DateIn(r.DiscoveredAt, cst)}
	k.ClosedOn = k.FoundOn
	if r.State == model.StateWrittenOff && r.ClosedAt != nil {
		k.WrittenOff, k.ClosedOn = true, model.DateIn(*r.ClosedAt, cst)
	}
	return k, true
}

func rowOf(h *model.Hazard) model.SummaryRow {
	return model.SummaryRow{RegionCode: h.RegionCode, State: h.State, Level: h.Level, Source: h.Source, Industry: h.Industry,
		Deadline: h.Deadline, DiscoveredAt: h.DiscoveredAt, ClosedAt: h.ClosedAt}
}

// TestSummaries: the dashboard's figures, read from the counts kept current in
// each event's transaction, are per territory (a sibling's hazards never
// counted) and are what a rebuild from the hazards gives.
func TestSummaries(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		if missing, err := w.s.SummariesMissing(w.ctx); err != nil || missing {
			t.Fatalf("an empty database misses summaries: %v, %v", missing, err)
		}
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 2, 30, 0, 0, time.UTC) }
		date := func(m time.Month, d int) *model.Date { x := model.NewDate(2026, m, d); return &x }
		// create writes h and adjusts the summaries with it, in one transaction.
		create := func(region string, edit func(*model.Hazard)) *model.Hazard {
			var h *model.Hazard
			noErr(t, w.s.Tx(w.ctx, func(tx *model.Store) error {
				w.seq++
				h = &model.Hazard{Code: fmt.Sprintf("S-%d", w.seq), Title: "t", Source: model.SourceSelfInspection, Level: model.LevelGeneral,
					Industry: "化工", RegionCode: region, DiscoveredAt: w.now, State: model.StateListed, Version: 1, CreatedAt: w.now, UpdatedAt: w.now}
				edit(h)
				if err := tx.CreateHazard(w.ctx, h); err != nil {
					return err
				}
				if err := tx.AdjustCount(w.ctx, summaryKey(rowOf(h)), 1); err != nil {
					return err
				}
				if err := tx.AdjustWeek(w.ctx, region, h.Department, weekOf(h.DiscoveredAt), 1, 0); err != nil {
					return err
				}
				if h.ClosedAt != nil {
					return tx.AdjustWeek(w.ctx, region, h.Department, weekOf(*h.ClosedAt), 0, 1)
				}
				return nil
			}))
			return h
		}
		// move takes h to state, moving it from one cell of the counts to another
		// (the old one may go to zero).
		move := func(h *model.Hazard, state model.State) {
			noErr(t, w.s.Tx(w.ctx, func(tx *model.Store) error {
				next := *h
				next.State = state
				if err := tx.UpdateHazard(w.ctx, &next, h.Version); err != nil {
					return err
				}
				if err := tx.AdjustCount(w.ctx, summaryKey(rowOf(h)), -1); err != nil {
					return err
				}
				return tx.AdjustCount(w.ctx, summaryKey(rowOf(&next)), 1)
			}))
		}
		// 1: discovered, then listed; overdue.
		h1 := create("360102", func(h *model.Hazard) { h.State, h.DueOn = model.StateDiscovered, date(3, 1) })
		move(h1, model.StateListed)
		// 0: discovered, then dismissed: 山东 is left with no open hazard (a zero cell, not a bar).
		move(create("370102", func(h *model.Hazard) { h.State = model.StateDiscovered }), model.StateDismissed)
		create("360102", func(h *model.Hazard) { // 2
			h.State, h.Level, h.Source, h.DiscoveredAt, h.DueOn = model.StateRectifying, model.LevelMajor, model.SourceSupervisoryCheck, day(3, 3), date(3, 20)
		})
		create("360103", func(h *model.Hazard) {
			h.State, h.Source, h.Industry = model.StateDiscovered, model.SourcePublicReport, "建筑"
		}) // 3
		create("360402", func(h *model.Hazard) { // 4: written off on time
			closed := day(3, 5)
			h.State, h.DiscoveredAt, h.Deadline, h.ClosedAt, h.DueOn = model.StateWrittenOff, day(3, 2), date(3, 8), &closed, date(3, 1)
		})
		create("370102", func(h *model.Hazard) { // 5: written off late, found before the trend
			closed := day(3, 9)
			h.State, h.Level, h.Industry, h.DiscoveredAt, h.Deadline, h.ClosedAt = model.StateWrittenOff, model.LevelMajor, "冶金", day(2, 20), date(3, 1), &closed
		})
		create("360103", func(h *model.Hazard) { h.State = model.StateDismissed }) // 6

		today := model.NewDate(2026, 3, 10)
		weeks := []time.Time{time.Date(2026, 3, 2, 0, 0, 0, 0, cst), time.Date(2026, 3, 9, 0, 0, 0, 0, cst)}
		wk := func(found2, wo2, found9, wo9 int64) []model.Week {
			return []model.Week{{Start: weeks[0], Found: found2, WrittenOff: wo2}, {Start: weeks[1], Found: found9, WrittenOff: wo9}}
		}
		type C = model.Count
		cases := []struct {
			name  string
			scope model.Scope
			want  model.Stats
		}{
			{"all", model.AllScope, model.Stats{
				ByState:    []C{{"discovered", 1}, {"listed", 1}, {"rectifying", 1}},
				ByLevel:    []C{{"general", 2}, {"major", 1}},
				BySource:   []C{{"public_report", 1}, {"self_inspection", 1}, {"supervisory_check", 1}},
				ByRegion:   []C{{"360102", 2}, {"360103", 1}},
				ByIndustry: []C{{"化工", 2}, {"建筑", 1}},
				MajorOpen:  []C{{"360102", 1}},
				Overdue:    1, Confirmed: 4, WrittenOff: 2, OnTime: 1, Weeks: wk(2, 1, 4, 1)}},
			{"city", model.Scope{Region: "360100"}, model.Stats{
				ByState:    []C{{"discovered", 1}, {"listed", 1}, {"rectifying", 1}},
				ByLevel:    []C{{"general", 2}, {"major", 1}},
				BySource:   []C{{"public_report", 1}, {"self_inspection", 1}, {"supervisory_check", 1}},
				ByRegion:   []C{{"360102", 2}, {"360103", 1}},
				ByIndustry: []C{{"化工", 2}, {"建筑", 1}},
				MajorOpen:  []C{{"360102", 1}},
				Overdue:    1, Confirmed: 2, Weeks: wk(1, 0, 3, 0)}},
			{"sibling county", model.Scope{Region: "360103"}, model.Stats{
				ByState: []C{{"discovered", 1}}, ByLevel: []C{{"general", 1}}, BySource: []C{{"public_report", 1}},
				ByRegion: []C{{"360103", 1}}, ByIndustry: []C{{"建筑", 1}}, Weeks: wk(0, 0, 2, 0)}},
			{"other city", model.Scope{Region: "360400"}, model.Stats{Confirmed: 1, WrittenOff: 1, OnTime: 1, Weeks: wk(1, 1, 0, 0)}},
			{"other province", model.Scope{Region: "370000"}, model.Stats{Confirmed: 1, WrittenOff: 1, Weeks: wk(0, 0, 1, 1)}},
			{"enterprise", model.Scope{EnterpriseID: w.ent["360102"]}, model.Stats{}},
			{"nothing", model.Scope{}, model.Stats{}},
		}
		check := func(when string) {
			for _, c := range cases {
				st, err := w.s.HazardStats(w.ctx, c.scope, today, weeks)
				noErr(t, err)
				if got, want := fmt.Sprintf("%+v", st), fmt.Sprintf("%+v", c.want); got != want {
					t.Errorf("%s, %s:\n got  %s\n want %s", when, c.name, got, want)
				}
			}
		}
		check("kept current")

		// A database whose counts are lost misses them; a rebuild from the
		// hazards gives the same figures.
		noErr(t, w.s.Exec(w.ctx, "DELETE FROM hazard_counts"))
		if missing, err := w.s.SummariesMissing(w.ctx); err != nil || !missing {
			t.Fatalf("hazards without counts: missing %v, %v", missing, err)
		}
		noErr(t, w.s.RebuildSummaries(w.ctx, summaryKey, weekOf, summaryDay, noCells))
		if missing, err := w.s.SummariesMissing(w.ctx); err != nil || missing {
			t.Errorf("after the rebuild: missing %v, %v", missing, err)
		}
		check("rebuilt")
		noErr(t, w.s.RebuildSummaries(w.ctx, summaryKey, weekOf, summaryDay, noCells)) // again: replaced, not added
		check("rebuilt twice")
	})
}
