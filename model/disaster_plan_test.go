package model

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// TestDisasterListPlan: on SQLite a county's list of disaster hazards (by
// category or type, also a department's) walks the partial index of disaster
// hazards (00031) in id order, without sorting, instead of every hazard of
// the county; the dashboard's people under threat reads that index alone.
func TestDisasterListPlan(t *testing.T) {
	ctx := context.Background()
	s := planStore(t)
	county := Scope{Region: "360102"}
	water := Scope{Region: "360102", Department: DeptWater, MajorToo: true}
	for name, f := range map[string]HazardFilter{
		"county, disaster":            {Scope: county, Category: CategoryDisaster},
		"county, floods":              {Scope: county, DisasterType: DisasterFlood},
		"county, open geological":     {Scope: county, DisasterType: DisasterGeological, State: StateListed},
		"water bureau, disaster":      {Scope: water, Category: CategoryDisaster},
		"a city's county, floods":     {Scope: Scope{Region: "360100"}, Region: "360102", DisasterType: DisasterFlood},
		"county, disaster, next page": {Scope: county, Category: CategoryDisaster, BeforeID: 1000},
	} {
		f.Limit = 50
		if pageIDsFirst(f) {
			t.Errorf("%s: would look for ids in the territory's index first", name)
		}
		where, args, ok := s.hazardWhere(f)
		if !ok {
			t.Fatalf("%s: no scope", name)
		}
		p := plan(t, s, "SELECT id FROM hazards WHERE "+where+" ORDER BY id DESC LIMIT ?", append(args, f.Limit)...)
		if strings.Contains(p, "TEMP B-TREE") || !strings.Contains(p, "hazards_disaster_idx") {
			t.Errorf("%s: plan %q, want hazards_disaster_idx in id order", name, p)
		}
	}
	q, _ := scoped(s.r(ctx).Model(&Hazard{}), county, "")
	stmt := q.Session(&gorm.Session{DryRun: true}).Where("category = 'disaster' AND " + openStates).
		Select("disaster_type AS k, COUNT(*) AS n, COALESCE(SUM(threatened_people), 0) AS people").Group("disaster_type").Find(&[]struct{}{}).Statement
	if p := plan(t, s, stmt.SQL.String(), stmt.Vars...); !strings.Contains(p, "COVERING INDEX hazards_disaster_idx") {
		t.Errorf("people under threat: plan %q, want the covering partial index", p)
	}
}

func plan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.r(context.Background()).Raw("EXPLAIN QUERY PLAN "+q, args...).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return strings.Join(out, "; ")
}
