package handler_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestRanking: the city ranks its counties and the departments of its
// territory (对进展缓慢的地区和部门): 东湖区, with three of four open hazards
// overdue and one of them major, comes first and is slow, with its reasons and
// the mean days overdue; 西湖区 is not; as_of moves the day overdue is judged
// on; officers are refused; a bad date is a 400 naming it; the page shows the
// same, each row a link down to its overdue hazards.
func TestRanking(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, xihu, city := w.as(t, "donghu"), w.as(t, "xihu"), w.as(t, "city")
		for i, deadline := range []string{"2026-11-30", "2026-11-30", "2026-11-30", "2027-01-31"} {
			h := donghu.createHazard(obj{"title": "东湖区隐患" + string(rune('A'+i)), "region_code": "360102", "level": map[bool]string{true: "major", false: "general"}[i == 0]})
			fields := obj{"deadline": deadline, "responsible_unit": "某单位"}
			if i == 0 {
				fields["basis_standard"], fields["basis_clause"] = "《工贸企业重大事故隐患判定标准》", "第四条"
			}
			donghu.mustFire(h, "confirm", fields)
		}
		x := xihu.createHazard(obj{"title": "西湖区隐患", "region_code": "360103"})
		xihu.mustFire(x, "confirm", obj{"deadline": "2027-01-31", "responsible_unit": "某单位"})

		type row struct {
			RegionCode        string   `json:"region_code"`
			Department        string   `json:"department"`
			Name              string   `json:"name"`
			Open              int64    `json:"open"`
			Overdue           int64    `json:"overdue"`
			MajorOverdue      int64    `json:"major_overdue"`
			RectificationRate float64  `json:"rectification_rate"`
			MeanDaysOverdue   float64  `json:"mean_days_overdue"`
			Slow              bool     `json:"slow"`
			Reasons           []string `json:"reasons"`
		}
		var r struct {
			AsOf        string `json:"as_of"`
			Regions     []row  `json:"regions"`
			Departments []row  `json:"departments"`
		}
		city.get("/api/v1/supervision/regions?as_of=2026-12-10").want(http.StatusOK).decode(&r)
		if r.AsOf != "2026-12-10" || len(r.Regions) != 2 || len(r.Departments) != 1 {
			t.Fatalf("ranking %+v", r)
		}
		d, x2 := r.Regions[0], r.Regions[1]
		if d.RegionCode != "360102" || d.Name != "东湖区" || !d.Slow || d.Open != 4 || d.Overdue != 3 || d.MajorOverdue != 1 || d.MeanDaysOverdue != 10 {
			t.Errorf("东湖区 %+v", d)
		}
		if len(d.Reasons) != 2 || !strings.Contains(d.Reasons[0], "75%") || !strings.Contains(d.Reasons[1], "重大事故隐患逾期1项") {
			t.Errorf("东湖区's reasons %q", d.Reasons)
		}
		if x2.RegionCode != "360103" || x2.Slow || x2.Overdue != 0 || x2.Open != 1 {
			t.Errorf("西湖区 %+v", x2)
		}
		if e := r.Departments[0]; e.Department != "emergency" || e.Open != 5 || e.Overdue != 3 || !e.Slow {
			t.Errorf("the emergency bureau %+v", e)
		}
		city.get("/api/v1/supervision/regions?as_of=2026-11-29").want(http.StatusOK).decode(&r)
		if r.Regions[0].Overdue+r.Regions[1].Overdue != 0 || r.Regions[0].Slow || r.Regions[1].Slow {
			t.Errorf("nothing is overdue on 29 November: %+v", r.Regions)
		}
		w.as(t, "officer").get("/api/v1/supervision/regions").wantError(http.StatusForbidden, "forbidden")
		city.get("/api/v1/supervision/regions?as_of=12/10").wantError(http.StatusBadRequest, "invalid_fields", "as_of")

		p := newPageClient(t, w)
		p.login("city")
		resp, body := p.do(http.MethodGet, "/supervision/regions?as_of=2026-12-10&sort=overdue", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page: %d", resp.StatusCode)
		}
		for _, want := range []string{"东湖区", "西湖区", "进展缓慢", `href="/hazards?region=360102&amp;overdue=true"`, `href="/hazards?department=emergency&amp;overdue=true"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})
}
