package model_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"hazardloop/model"
)

// TestHazardCreateGet: a hazard reads back as written, with its province and
// city filled on insert; codes are unique; what is missing is ErrNotFound.
func TestHazardCreateGet(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		due := model.NewDate(2026, 4, 1)
		funds := 12.5
		h := w.hazard(t, "360103", func(h *model.Hazard) {
			h.Level, h.DueOn, h.Funds, h.Measures = model.LevelMajor, &due, &funds, "封闭现场"
		})
		if h.ID == 0 {
			t.Fatal("no ID set")
		}
		got, err := w.s.GetHazard(w.ctx, h.ID)
		noErr(t, err)
		if got.Code != h.Code || got.Level != model.LevelMajor || got.DueOn == nil || *got.DueOn != due ||
			got.Funds == nil || *got.Funds != funds || got.Measures != "封闭现场" || !got.DiscoveredAt.Equal(w.now) ||
			got.EnterpriseID == nil || *got.EnterpriseID != w.ent["360103"] {
			t.Errorf("read back %+v", got)
		}
		var levels []struct{ RegionProvince, RegionCity string }
		noErr(t, w.s.Raw(w.ctx, &levels, "SELECT region_province, region_city FROM hazards WHERE id = ?", h.ID))
		if len(levels) != 1 || levels[0].RegionProvince != "360000" || levels[0].RegionCity != "360100" {
			t.Errorf("province and city %+v, want 360000 and 360100", levels)
		}
		byCode, err := w.s.GetHazardByCode(w.ctx, h.Code)
		if err != nil || byCode.ID != h.ID {
			t.Errorf("GetHazardByCode = %v, %v", byCode, err)
		}

		again := *h
		again.ID = 0
		wantErr(t, w.s.CreateHazard(w.ctx, &again), model.ErrDuplicate)
		for name, get := range map[string]func() (*model.Hazard, error){
			"id":   func() (*model.Hazard, error) { return w.s.GetHazard(w.ctx, 999_999) },
			"code": func() (*model.Hazard, error) { return w.s.GetHazardByCode(w.ctx, "YH-none") },
		} {
			h, err := get()
			if h != nil || !errors.Is(err, model.ErrNotFound) {
				t.Errorf("missing hazard by %s: %+v, %v", name, h, err)
			}
		}
	})
}

// TestUpdateHazard: an update at the row's version writes the mutable columns
// (the region too, as an accepted transfer moves it, with the territory
// columns following) and moves the version on; a stale version, or a missing row, changes nothing
// and is ErrConflict; of two racing updates from one version exactly one wins.
func TestUpdateHazard(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h := w.hazard(t, "360102", nil)
		next := *h
		next.State, next.Title, next.UpdatedAt = model.StateRectifying, "改后", w.now.Add(time.Hour)
		next.Code = "YH-forged"    // identity: never changed
		next.RegionCode = "370102" // moved by a transfer; RegionCounty follows
		noErr(t, w.s.UpdateHazard(w.ctx, &next, 1))
		if next.Version != 2 {
			t.Errorf("version after update %d, want 2", next.Version)
		}
		got, err := w.s.GetHazard(w.ctx, h.ID)
		noErr(t, err)
		if got.Version != 2 || got.State != model.StateRectifying || got.Title != "改后" || !got.UpdatedAt.Equal(next.UpdatedAt) {
			t.Errorf("after update %+v", got)
		}
		if got.Code != h.Code {
			t.Errorf("identity changed: code %s", got.Code)
		}
		if got.RegionCode != "370102" || got.RegionCounty != "370102" || got.RegionCity != "370100" || got.RegionProvince != "370000" {
			t.Errorf("region after update %s (%s %s %s), want 370102 and its territory", got.RegionCode, got.RegionProvince, got.RegionCity, got.RegionCounty)
		}

		for _, c := range []struct {
			name string
			id   int64
			prev int
		}{{"stale version", h.ID, 1}, {"future version", h.ID, 7}, {"missing hazard", 999_999, 1}} {
			t.Run(c.name, func(t *testing.T) {
				stale := *got
				stale.ID, stale.Title = c.id, "过时"
				err := w.s.UpdateHazard(w.ctx, &stale, c.prev)
				wantErr(t, err, model.ErrConflict)
				if stale.Version != c.prev {
					t.Errorf("a failed update left version %d, want %d", stale.Version, c.prev)
				}
				now, err := w.s.GetHazard(w.ctx, h.ID)
				noErr(t, err)
				if now.Version != 2 || now.Title != "改后" {
					t.Errorf("a failed update wrote %+v", now)
				}
			})
		}

		// Two writers that read version 2: one commits, the other finds the row moved.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				n := *got
				n.Title = []string{"甲", "乙"}[i]
				errs[i] = w.s.Tx(w.ctx, func(tx *model.Store) error { return tx.UpdateHazard(w.ctx, &n, 2) })
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, model.ErrConflict):
				t.Errorf("loser's error %v, want ErrConflict", err)
			}
		}
		if won != 1 {
			t.Errorf("%d racing updates won, want 1 (%v)", won, errs)
		}
		final, err := w.s.GetHazard(w.ctx, h.ID)
		noErr(t, err)
		if final.Version != 3 {
			t.Errorf("version after the race %d, want 3", final.Version)
		}
	})
}

// TestUpdateHazardWithoutID: an update of a hazard value whose ID was never set
// (a programming error upstream) must not touch other hazards.
func TestUpdateHazardWithoutID(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		a := w.hazard(t, "360102", nil)
		n := *a
		n.ID, n.Title = 0, "覆盖"
		err := w.s.UpdateHazard(w.ctx, &n, 1)
		got, gerr := w.s.GetHazard(w.ctx, a.ID)
		noErr(t, gerr)
		if err == nil || got.Title != a.Title {
			t.Errorf("an update without an id returned %v and set hazard %d's title to %q", err, a.ID, got.Title)
		}
	})
}

// TestListHazardsScope: both list reads (whole rows, list rows) see a
// territory and what lies below it, never a sibling's; they agree with each
// other, newest first.
func TestListHazardsScope(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		present := append([]string{"360100"}, counties...)
		for _, r := range present {
			w.hazard(t, r, nil)
		}
		for _, c := range w.scopeCases() {
			t.Run(c.name, func(t *testing.T) {
				f := model.HazardFilter{Scope: c.scope, Limit: 100}
				whole, err := w.s.ListHazards(w.ctx, f)
				noErr(t, err)
				rows, err := w.s.ListHazardRows(w.ctx, f)
				noErr(t, err)
				region := func(h model.Hazard) string { return h.RegionCode }
				want := only(c.sees, present)
				if got := sorted(whole, region); !slices.Equal(got, want) {
					t.Errorf("ListHazards sees %v, want %v", got, want)
				}
				if len(rows) != len(whole) {
					t.Fatalf("ListHazardRows %d rows, ListHazards %d", len(rows), len(whole))
				}
				for i := range rows {
					a, b := rows[i], whole[i]
					if a.ID != b.ID || a.Code != b.Code || a.State != b.State || a.Version != b.Version ||
						!a.DiscoveredAt.Equal(b.DiscoveredAt) || !a.UpdatedAt.Equal(b.UpdatedAt) {
						t.Errorf("row %d: list %+v, whole %+v", i, a, b)
					}
					if i > 0 && rows[i-1].ID <= a.ID {
						t.Errorf("not newest first: %d before %d", rows[i-1].ID, a.ID)
					}
				}
			})
		}
	})
}

// TestListHazardsFilter: each filter narrows the list as it says; a query is a
// substring (LIKE's wildcards are literal); keyset pages cover every hazard once.
func TestListHazardsFilter(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		past, future := model.NewDate(2026, 3, 1), model.NewDate(2026, 4, 1)
		mk := func(region string, edit func(*model.Hazard)) int64 { return w.hazard(t, region, edit).ID }
		major := mk("360102", func(h *model.Hazard) { h.Level = model.LevelMajor })
		overdue := mk("360102", func(h *model.Hazard) { h.DueOn = &past })
		closedPast := mk("360102", func(h *model.Hazard) { h.DueOn, h.State = &past, model.StateWrittenOff })
		notYet := mk("360103", func(h *model.Hazard) { h.DueOn = &future })
		percent := mk("360103", func(h *model.Hazard) { h.Title, h.Source = "粉尘100%超标", model.SourcePublicReport })
		under := mk("360402", func(h *model.Hazard) { h.Description = "a_b 管道" })
		plain := mk("370102", func(h *model.Hazard) { h.Title, h.Description = "ABC 锅炉", "aXb" })
		today := model.NewDate(2026, 3, 10)
		all := []int64{plain, under, percent, notYet, closedPast, overdue, major}

		for _, c := range []struct {
			name string
			f    model.HazardFilter
			want []int64 // newest first
		}{
			{"level", model.HazardFilter{Level: model.LevelMajor}, []int64{major}},
			{"state", model.HazardFilter{State: model.StateWrittenOff}, []int64{closedPast}},
			{"source", model.HazardFilter{Source: model.SourcePublicReport}, []int64{percent}},
			{"region city", model.HazardFilter{Region: "360100"}, []int64{percent, notYet, closedPast, overdue, major}},
			{"region county", model.HazardFilter{Region: "360103"}, []int64{percent, notYet}},
			{"enterprise", model.HazardFilter{EnterpriseID: w.ent["360402"]}, []int64{under}},
			{"overdue", model.HazardFilter{OverdueOn: &today}, []int64{overdue}},
			{"query percent", model.HazardFilter{Query: "100%"}, []int64{percent}},
			{"query wildcard is literal", model.HazardFilter{Query: "1%0"}, nil},
			{"query underscore", model.HazardFilter{Query: "a_b"}, []int64{under}},
			{"query case", model.HazardFilter{Query: "abc"}, []int64{plain}},
			{"query code", model.HazardFilter{Query: "YH-360402"}, []int64{under}},
			{"before", model.HazardFilter{BeforeID: notYet}, []int64{closedPast, overdue, major}},
			{"limit", model.HazardFilter{Limit: 2}, all[:2]},
			{"scope and region disjoint", model.HazardFilter{Scope: model.Scope{Region: "370000"}, Region: "360100"}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := c.f
				if f.Scope == (model.Scope{}) {
					f.Scope = model.AllScope
				}
				if f.Limit == 0 {
					f.Limit = 100
				}
				for name, list := range map[string]func(model.HazardFilter) ([]model.Hazard, error){
					"ListHazards":    func(f model.HazardFilter) ([]model.Hazard, error) { return w.s.ListHazards(w.ctx, f) },
					"ListHazardRows": func(f model.HazardFilter) ([]model.Hazard, error) { return w.s.ListHazardRows(w.ctx, f) },
				} {
					hs, err := list(f)
					noErr(t, err)
					if got := ids(hs); !slices.Equal(got, c.want) {
						t.Errorf("%s = %v, want %v", name, got, c.want)
					}
				}
			})
		}

		var seen []int64
		f := model.HazardFilter{Scope: model.AllScope, Limit: 3}
		for range 10 {
			page, err := w.s.ListHazardRows(w.ctx, f)
			noErr(t, err)
			if len(page) == 0 {
				break
			}
			seen = append(seen, ids(page)...)
			f.BeforeID = page[len(page)-1].ID
		}
		if !slices.Equal(seen, all) {
			t.Errorf("pages of 3 gave %v, want %v", seen, all)
		}
	})
}

func ids(hs []model.Hazard) []int64 {
	var out []int64
	for _, h := range hs {
		out = append(out, h.ID)
	}
	return out
}

// TestListStatementsKept: on SQLite the list keeps one prepared statement per
// shape of filter, not per value; a kept statement sees what was committed
// after it was prepared; past the cache's bound the list still answers.
func TestListStatementsKept(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		codes := func(f model.HazardFilter) []string {
			t.Helper()
			f.Limit = 100
			rows, err := w.s.ListHazardRows(w.ctx, f)
			noErr(t, err)
			var out []string
			for _, h := range rows {
				out = append(out, h.Code)
			}
			return out
		}
		a := w.hazard(t, "360102", nil)
		b := w.hazard(t, "360103", nil)
		county := func(c string) model.HazardFilter { return model.HazardFilter{Scope: model.Scope{Region: c}} }
		if got := codes(county("360102")); !slices.Equal(got, []string{a.Code}) {
			t.Fatalf("360102 lists %v", got)
		}
		if got := codes(county("360103")); !slices.Equal(got, []string{b.Code}) {
			t.Fatalf("360103 lists %v", got)
		}
		kept := w.s.ListStatements()
		if w.s.Dialect() == model.DialectSQLite && kept != 1 {
			t.Errorf("two counties' lists keep %d statements, want 1", kept)
		}
		if w.s.Dialect() == model.DialectPostgres && kept != 0 {
			t.Errorf("PostgreSQL keeps %d statements, want none (pgx caches its own)", kept)
		}
		// PostgreSQL's county pages ran on the connections that take generic plans.
		mode, err := w.s.TerritoryPagesPlanMode(w.ctx)
		noErr(t, err)
		if want := map[string]string{model.DialectSQLite: "", model.DialectPostgres: "force_generic_plan"}[w.s.Dialect()]; mode != want {
			t.Errorf("territory pages plan_cache_mode %q, want %q", mode, want)
		}
		c := w.hazard(t, "360102", nil)
		if got := codes(county("360102")); !slices.Equal(got, []string{c.Code, a.Code}) {
			t.Errorf("after a new hazard 360102 lists %v, want %v", got, []string{c.Code, a.Code})
		}
		listed := county("360102")
		listed.State = model.StateListed
		if got := codes(listed); len(got) != 2 {
			t.Errorf("listed in 360102: %v", got)
		}
		if w.s.Dialect() != model.DialectSQLite {
			return
		}
		if n := w.s.ListStatements(); n != kept+1 {
			t.Errorf("a state filter added %d statements, want 1", n-kept)
		}
		w.s.FillListStatements(w.ctx)
		full := w.s.ListStatements()
		major := county("360102")
		major.Level = model.LevelMajor
		if got := codes(major); len(got) != 0 {
			t.Errorf("major in 360102: %v", got)
		}
		if got := codes(county("360103")); !slices.Equal(got, []string{b.Code}) {
			t.Errorf("with the cache full 360103 lists %v", got)
		}
		if n := w.s.ListStatements(); n != full {
			t.Errorf("the cache grew past its bound: %d, then %d", full, n)
		}
	})
}

// TestAnalyzeKeepsListStatements: Analyze samples the hazards' indexes, the
// territory's among them, and the list still answers from one kept statement
// per shape (it binds nothing the planner reads, see hazardWhere).
func TestAnalyzeKeepsListStatements(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for i := range 40 {
			w.hazard(t, counties[i%len(counties)], func(h *model.Hazard) {
				if i%3 == 0 {
					h.Level = model.LevelMajor
				}
			})
		}
		noErr(t, w.s.Analyze(w.ctx))
		if w.s.Dialect() != model.DialectSQLite {
			return
		}
		sampled := map[string]bool{}
		noErr(t, w.s.Rows(w.ctx, "SELECT DISTINCT idx FROM sqlite_stat4 WHERE tbl = 'hazards'", func(_ []string, v []any) {
			sampled[fmt.Sprint(v[0])] = true
		}))
		for _, idx := range []string{"hazards_level_idx", "hazards_region_county_idx"} {
			if !sampled[idx] {
				t.Errorf("no samples of %s after Analyze: %v", idx, sampled)
			}
		}
		for _, c := range counties[:2] {
			rows, err := w.s.ListHazardRows(w.ctx, model.HazardFilter{Scope: model.Scope{Region: c}, Limit: 100})
			noErr(t, err)
			if len(rows) == 0 {
				t.Errorf("no hazards of %s after Analyze", c)
			}
		}
		if n := w.s.ListStatements(); n != 1 {
			t.Errorf("two counties' lists keep %d statements, want 1", n)
		}
	})
}

// TestListRowsAsStored: a list row holds what GetHazard reads of the list's
// columns, text that needs escaping in JSON (SQLite hands a row over as a
// JSON array) and nulls among them.
func TestListRowsAsStored(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		day := model.NewDate(2026, 12, 31)
		user := w.admin
		full := w.hazard(t, "360102", func(h *model.Hazard) {
			h.Title = "楼梯间\"堆物\" \\ 未清\n第二行\t\u2028😀"
			h.Location = `C:\仓库 "北" 区`
			h.Industry, h.Department, h.Level = "建筑施工", model.DeptHousing, model.LevelMajor
			h.Category, h.DisasterType = model.CategoryDisaster, model.DisasterGeological
			h.EscalationLevel, h.ListedSupervision, h.ProductionSuspended = 2, true, true
			h.Deadline, h.DueOn, h.TransferDueOn = &day, &day, &day
			h.SubmittedBy, h.CreatedBy = &user, &user
			h.TransferToDepartment, h.TransferToRegion = model.DeptWater, "360102002"
			h.CreatedRegion, h.ListedLevel, h.ListedRegion = "360102", model.ListCity, "360100"
			h.ResponsiblePartyType, h.ResponsibleRegionCode = model.PartyTownship, "360102002"
		})
		bare := w.hazard(t, "360102", func(h *model.Hazard) { h.EnterpriseID = nil; h.Title = "" })
		rows, err := w.s.ListHazardRows(w.ctx, model.HazardFilter{Scope: model.Scope{Region: "360102"}, Limit: 10})
		noErr(t, err)
		if len(rows) != 2 || rows[0].ID != bare.ID || rows[1].ID != full.ID {
			t.Fatalf("rows %v", ids(rows))
		}
		for _, r := range rows {
			h, err := w.s.GetHazard(w.ctx, r.ID)
			noErr(t, err)
			// The columns the list leaves out, as GetHazard has them.
			r.RegionProvince, r.RegionCity, r.RegionCounty, r.RegionTownship = h.RegionProvince, h.RegionCity, h.RegionCounty, h.RegionTownship
			want := model.Hazard{ID: h.ID, Code: h.Code, Title: h.Title, Source: h.Source, Level: h.Level, Industry: h.Industry,
				Department: h.Department, RegionCode: h.RegionCode, EnterpriseID: h.EnterpriseID, Location: h.Location,
				DiscoveredAt: h.DiscoveredAt, State: h.State, Version: h.Version, EscalationLevel: h.EscalationLevel,
				ListedSupervision: h.ListedSupervision, ProductionSuspended: h.ProductionSuspended, Deadline: h.Deadline,
				DueOn: h.DueOn, SubmittedBy: h.SubmittedBy, CreatedBy: h.CreatedBy, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt,
				TransferDueOn: h.TransferDueOn, TransferToDepartment: h.TransferToDepartment, TransferToRegion: h.TransferToRegion,
				CreatedRegion: h.CreatedRegion, ListedLevel: h.ListedLevel, ListedRegion: h.ListedRegion,
				ResponsiblePartyType: h.ResponsiblePartyType, ResponsibleRegionCode: h.ResponsibleRegionCode,
				Category: h.Category, DisasterType: h.DisasterType,
				RegionProvince: h.RegionProvince, RegionCity: h.RegionCity, RegionCounty: h.RegionCounty, RegionTownship: h.RegionTownship}
			for _, h := range []*model.Hazard{&r, &want} { // one representation of equal times
				for _, t := range []*time.Time{&h.DiscoveredAt, &h.CreatedAt, &h.UpdatedAt} {
					*t = t.UTC().Round(0)
				}
				for _, d := range []**model.Date{&h.Deadline, &h.DueOn, &h.TransferDueOn} {
					if *d != nil {
						day := model.NewDate((*d).Date())
						*d = &day
					}
				}
			}
			if !reflect.DeepEqual(r, want) {
				t.Errorf("list row\n%+v\nstored\n%+v", r, want)
			}
		}
		if rows[1].Title != full.Title || rows[1].Location != full.Location || rows[1].EnterpriseID == nil || rows[0].EnterpriseID != nil {
			t.Errorf("title %q location %q enterprise %v / %v", rows[1].Title, rows[1].Location, rows[1].EnterpriseID, rows[0].EnterpriseID)
		}
	})
}
