package handler_test

import (
	"context"
	"net/http"
	"testing"
)

// TestPeriodicReports (16号令 §14): an enterprise's quarterly statistics are
// drafted from its hazards (counts equal to the hazards it logged), filed only
// for a finished quarter with its principal's name (late after the 15th of
// the next quarter), never changed (a correction is a new filing); supervisors
// see the filings of their territory and who has not filed.
func TestPeriodicReports(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		entA, donghu := w.as(t, "entA"), w.as(t, "donghu")
		a1 := entA.createHazard(obj{"title": "八月自查：配电箱未接地", "discovered_at": "2026-08-10"})
		a2 := donghu.createHazard(obj{"title": "八月督查：储罐区无泄漏报警", "level": "major", "enterprise_id": w.ents["A"].ID, "discovered_at": "2026-08-12"})
		a3 := entA.createHazard(obj{"title": "十一月自查：灭火器过期", "discovered_at": "2026-11-01"})
		a1 = donghu.mustFire(a1, "confirm", obj{"deadline": "2026-12-20"})
		a1 = entA.mustFire(a1, "plan", obj{"measures": "接地", "responsible_person": "张三", "funds": 0.5})
		a1 = entA.mustFire(a1, "submit", nil)
		donghu2 := w.as(t, "donghu2")
		donghu2.mustFire(a1, "approve", obj{"comment": "已接地"}) // written off on 28 November, in Q4
		donghu.mustFire(a2, "confirm", obj{"basis_standard": "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》", "basis_clause": "第十一条"})
		_ = a3

		type figures struct {
			Found, FoundGeneral, FoundMajor, Rectified, MajorsListed, StillOpen int64
			Funds, RectificationRate                                            float64
			FoundBySource                                                       map[string]int64 `json:"found_by_source"`
		}
		draft := func(period string) figures {
			t.Helper()
			var d struct {
				Figures struct {
					Found             int64            `json:"found"`
					FoundGeneral      int64            `json:"found_general"`
					FoundMajor        int64            `json:"found_major"`
					FoundBySource     map[string]int64 `json:"found_by_source"`
					Rectified         int64            `json:"rectified"`
					RectificationRate float64          `json:"rectification_rate"`
					Funds             float64          `json:"funds"`
					MajorsListed      int64            `json:"majors_listed"`
					StillOpen         int64            `json:"still_open"`
				} `json:"figures"`
			}
			entA.get("/api/v1/periodic-reports/draft?period=" + period).want(http.StatusOK).decode(&d)
			f := d.Figures
			return figures{f.Found, f.FoundGeneral, f.FoundMajor, f.Rectified, f.MajorsListed, f.StillOpen, f.Funds, f.RectificationRate, f.FoundBySource}
		}
		q3 := draft("2026Q3")
		if q3.Found != 2 || q3.FoundGeneral != 1 || q3.FoundMajor != 1 || q3.Rectified != 0 || q3.StillOpen != 2 || q3.MajorsListed != 0 ||
			q3.FoundBySource["self_inspection"] != 1 || q3.FoundBySource["supervisory_check"] != 1 {
			t.Errorf("2026Q3 %+v", q3)
		}
		q4 := draft("2026q4")
		if q4.Found != 1 || q4.Rectified != 1 || q4.Funds != 0.5 || q4.StillOpen != 2 || q4.MajorsListed != 1 {
			t.Errorf("2026Q4 %+v", q4)
		}
		if y := draft("2026"); y.Found != 3 || y.Rectified != 1 || y.RectificationRate < 0.33 || y.RectificationRate > 0.34 {
			t.Errorf("2026 %+v", y)
		}
		entA.get("/api/v1/periodic-reports/draft?period=2026Q5").wantError(http.StatusBadRequest, "invalid_fields", "period")
		donghu.get("/api/v1/periodic-reports/draft?period=2026Q3").wantError(http.StatusForbidden, "forbidden")

		// Filing: a finished quarter, signed; late after 15 October.
		entA.post("/api/v1/periodic-reports", obj{"period": "2026Q4", "principal_name": "王总"}).wantError(http.StatusBadRequest, "invalid_fields", "period")
		entA.post("/api/v1/periodic-reports", obj{"period": "2026Q3"}).wantError(http.StatusBadRequest, "invalid_fields", "principal_name")
		var filed struct {
			ID      int64  `json:"id"`
			Period  string `json:"period"`
			Late    bool   `json:"late"`
			Figures struct {
				Found int64 `json:"found"`
			} `json:"figures"`
		}
		entA.post("/api/v1/periodic-reports", obj{"period": "2026Q3", "principal_name": "王总", "note": "三季度隐患排查治理情况"}).want(http.StatusCreated).decode(&filed)
		if filed.Period != "2026Q3" || !filed.Late || filed.Figures.Found != 2 {
			t.Errorf("filed %+v", filed)
		}
		if err := w.store.Exec(context.Background(), "UPDATE periodic_reports SET principal_name = 'x'"); err == nil {
			t.Error("a filing was changed")
		}
		entA.post("/api/v1/periodic-reports", obj{"period": "2026Q3", "principal_name": "王总", "note": "更正"}).want(http.StatusCreated)

		type list struct {
			Filings []struct {
				EnterpriseID int64 `json:"enterprise_id"`
			} `json:"filings"`
			Missing []struct {
				ID int64 `json:"id"`
			} `json:"missing"`
			Overdue bool `json:"overdue"`
		}
		var l list
		donghu.get("/api/v1/periodic-reports?period=2026Q3&missing=true").want(http.StatusOK).decode(&l)
		if len(l.Filings) != 2 || len(l.Missing) != 0 || !l.Overdue {
			t.Errorf("东湖区: %+v", l)
		}
		w.as(t, "city").get("/api/v1/periodic-reports?period=2026Q3&missing=true").want(http.StatusOK).decode(&l)
		if len(l.Missing) != 1 || l.Missing[0].ID != w.ents["B"].ID {
			t.Errorf("南昌市's missing %+v, want 西湖建材 only", l.Missing)
		}
		w.as(t, "entB").get("/api/v1/periodic-reports?period=2026Q3").want(http.StatusOK).decode(&l)
		if len(l.Filings) != 0 {
			t.Errorf("another enterprise sees %d filings", len(l.Filings))
		}
		w.as(t, "officer").get("/api/v1/periodic-reports?period=2026Q3").wantError(http.StatusForbidden, "forbidden")
	})
}
