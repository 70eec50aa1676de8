package model

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTerritoryListPlan: on SQLite a city's, a county's or a township's list
// (also a department's, with the shared register) finds its page's ids in the
// territory's covering index, without reading a row or sorting, whatever the
// list filters on but text; a search and a province's list read rows.
func TestTerritoryListPlan(t *testing.T) {
	s := planStore(t)
	today := DateIn(time.Now(), Shanghai)
	county := Scope{Region: "360102"}
	housing := Scope{Region: "360102", Department: DeptHousing, MajorToo: true}
	town := Scope{Region: "360102002"}
	for _, c := range []struct {
		name string
		f    HazardFilter
		want string
	}{
		{"county", HazardFilter{Scope: county}, "COVERING INDEX hazards_region_county_idx"},
		{"county, rectifying", HazardFilter{Scope: county, State: StateRectifying}, "COVERING INDEX hazards_region_county_idx"},
		{"housing", HazardFilter{Scope: housing}, "COVERING INDEX hazards_region_county_idx"},
		{"housing, overdue", HazardFilter{Scope: housing, OverdueOn: &today}, "COVERING INDEX hazards_region_county_idx"},
		{"housing, major", HazardFilter{Scope: housing, Level: LevelMajor}, "COVERING INDEX hazards_region_county_idx"},
		{"housing, a township", HazardFilter{Scope: housing, Region: "360102002"}, "COVERING INDEX hazards_region_township_idx"},
		{"city, a county", HazardFilter{Scope: Scope{Region: "360100"}, Region: "360102"}, "COVERING INDEX hazards_region_county_idx"},
		{"housing, next page", HazardFilter{Scope: housing, BeforeID: 1000}, "COVERING INDEX hazards_region_county_idx"},
		{"township", HazardFilter{Scope: town}, "COVERING INDEX hazards_region_township_idx"},
		{"township, major", HazardFilter{Scope: town, Level: LevelMajor}, "COVERING INDEX hazards_region_township_idx"},
		{"township, overdue", HazardFilter{Scope: town, OverdueOn: &today}, "COVERING INDEX hazards_region_township_idx"},
		{"township, public reports", HazardFilter{Scope: town, Source: SourcePublicReport, State: StateDiscovered}, "COVERING INDEX hazards_region_township_idx"},
		{"city's housing", HazardFilter{Scope: Scope{Region: "360100", Department: DeptHousing, MajorToo: true}}, "COVERING INDEX hazards_region_city_idx"},
	} {
		c.f.Limit = 50
		if !pageIDsFirst(c.f) {
			t.Errorf("%s: not found in the index first", c.name)
			continue
		}
		// The statement names the index (listQuery); the planner left to
		// itself chooses the same.
		for _, hinted := range []bool{true, false} {
			p := listPlan(t, s, c.f, hinted)
			if strings.Contains(p, "TEMP B-TREE") || !strings.Contains(p, c.want) {
				t.Errorf("%s (index named: %v): plan %q, want %s in id order", c.name, hinted, p, c.want)
			}
		}
	}
	// A region filter and the scope's region are one territory, the smaller.
	for _, c := range []struct {
		f    HazardFilter
		want string
	}{
		{HazardFilter{Scope: housing, Region: "360102002"}, "region_township = +? AND (department = +? OR"}, // +?: see hazardWhere
		{HazardFilter{Scope: town, Region: "360102"}, "region_township = +?"},
		{HazardFilter{Scope: AllScope, Region: "360102"}, "1 = 1 AND region_county = +?"},
		{HazardFilter{Scope: town, Region: "360103"}, ""},
	} {
		where, _, ok := s.hazardWhere(c.f)
		if ok != (c.want != "") || !strings.HasPrefix(where, c.want) || strings.Count(where, "region_") != strings.Count(c.want, "region_") {
			t.Errorf("%+v, region %s: %q (%v), want %q…", c.f.Scope, c.f.Region, where, ok, c.want)
		}
	}
	for _, f := range []HazardFilter{{Scope: county, Query: "消防"}, {Scope: Scope{Region: "360000"}}, {Scope: Scope{Region: "360102002001"}}, {Scope: AllScope}, {Scope: town, Region: "360102002001"}} {
		if pageIDsFirst(f) {
			t.Errorf("%+v: ids first", f.Scope)
		}
	}
}

// listPlan is SQLite's plan of the list's statement for f (listQuery), its
// steps joined by "; "; unhinted, without the indexes the statement names.
func listPlan(t *testing.T, s *Store, f HazardFilter, hinted bool) string {
	t.Helper()
	q, args, ok := s.listQuery(f)
	if !ok {
		t.Fatalf("%+v: no scope", f)
	}
	if !hinted {
		q = regexp.MustCompile(` NOT INDEXED| INDEXED BY \w+`).ReplaceAllString(q, "")
		if strings.Contains(q, "INDEXED") {
			t.Fatalf("hints left in %s", q)
		}
	}
	rows, err := s.r(context.Background()).Raw("EXPLAIN QUERY PLAN "+q, args...).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// TestListBindsNothingPlanned: on SQLite the list's statement binds no value
// its planner reads (which would make SQLite compile it again on every run,
// see hazardWhere): every value is bound as "+?" and the limit is written
// out. The statement runs.
func TestListBindsNothingPlanned(t *testing.T) {
	s := planStore(t)
	today := DateIn(time.Now(), Shanghai)
	f := HazardFilter{Scope: Scope{Region: "360000"}, State: StateListed, Level: LevelMajor, Source: SourcePublicReport,
		Region: "360102", EnterpriseID: 7, Department: DeptHousing, Industry: "建筑施工", DisasterType: DisasterGeological,
		ResponsiblePartyType: PartyTownship, FoundFrom: time.Now().AddDate(0, -1, 0), FoundBefore: time.Now(),
		OverdueOn: &today, Query: "消防", BeforeID: 1000, Limit: 51}
	q, args, ok := s.listQuery(f)
	if !ok {
		t.Fatal("no statement")
	}
	if all, plus := strings.Count(q, "?"), strings.Count(q, "+?"); all != len(args) || plus != len(args) {
		t.Errorf("%d values, %d placeholders, %d of them +?: %s", len(args), all, plus, q)
	}
	if !strings.HasSuffix(q, "ORDER BY id DESC LIMIT 51") {
		t.Errorf("limit not written out: %s", q)
	}
	rows, err := s.r(context.Background()).Raw(q, args...).Rows()
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
}

// TestNumberPlaceholders: "?" becomes $1, $2, … in order, but not inside a
// quoted literal.
func TestNumberPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		"a = ? AND b = +? LIMIT 51":            "a = $1 AND b = +$2 LIMIT 51",
		"c = 'x?' AND d = ? AND e LIKE '?''?'": "c = 'x?' AND d = $1 AND e LIKE '?''?'",
		"no placeholders":                      "no placeholders",
	} {
		if got := numberPlaceholders(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
