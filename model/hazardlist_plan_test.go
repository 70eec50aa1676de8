package model

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestDepartmentListPlan: on SQLite the lists a department's supervisor reads
// (its own and the shared register's majors) and the department= filter walk an
// index in id order: no temporary sort of the territory's hazards.
func TestDepartmentListPlan(t *testing.T) {
	ctx := context.Background()
	s := planStore(t)
	housing := Scope{Region: "360102", Department: DeptHousing, MajorToo: true}
	for _, c := range []struct {
		name string
		f    HazardFilter
		want string // the index the plan must use
	}{
		{"housing's county", HazardFilter{Scope: housing}, "hazards_region_county_idx"},
		{"housing's city", HazardFilter{Scope: Scope{Region: "360100", Department: DeptHousing, MajorToo: true}}, "hazards_region_city_idx"},
		{"department filter, county", HazardFilter{Scope: Scope{Region: "360102"}, Department: DeptWater}, "hazards_department_county_idx"},
		{"department filter, city", HazardFilter{Scope: Scope{Region: "360100"}, Department: DeptWater}, "hazards_department_city_idx"},
	} {
		c.f.Limit = 50
		where, args, ok := s.hazardWhere(c.f)
		if !ok {
			t.Fatalf("%s: no scope", c.name)
		}
		rows, err := s.r(ctx).Raw("EXPLAIN QUERY PLAN SELECT "+listSelect[s.dialect]+" FROM hazards WHERE "+where+" ORDER BY id DESC LIMIT ?", append(args, 50)...).Rows()
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		if strings.Contains(p, "TEMP B-TREE") || !strings.Contains(p, c.want) {
			t.Errorf("%s: plan %q, want %s in id order", c.name, p, c.want)
		}
	}
}

// planStore is an empty, migrated SQLite store of the test's own, for the
// query-plan tests; closed when the test ends.
func planStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}
