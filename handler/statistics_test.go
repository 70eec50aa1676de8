package handler_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"hazardloop/model"
)

// TestPeriodStatistics: the period statistics by region (and each other
// grouping) equal counts made here from the hazards themselves; bad dates,
// groupings and regions are refused.
func TestPeriodStatistics(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, xihu, entA := w.as(t, "donghu"), w.as(t, "xihu"), w.as(t, "entA")
		a := entA.createHazard(obj{"title": "八月：配电箱未接地", "discovered_at": "2026-08-10"})
		donghu.createHazard(obj{"title": "八月：储罐区无泄漏报警", "level": "major", "enterprise_id": w.ents["A"].ID, "discovered_at": "2026-08-12"})
		donghu.createHazard(obj{"title": "六月：旧隐患", "region_code": "360102", "discovered_at": "2026-06-01"})
		donghu.createHazard(obj{"title": "十一月：楼道堆物", "region_code": "360102", "industry": "商贸", "discovered_at": "2026-11-01"})
		x := xihu.createHazard(obj{"title": "十月：仓库消防栓无水", "region_code": "360103", "discovered_at": "2026-10-05"})
		d := xihu.createHazard(obj{"title": "误报", "region_code": "360103", "discovered_at": "2026-10-06"})
		xihu.mustFire(d, "dismiss", obj{"reason": "经核查不是隐患"})
		a = donghu.mustFire(a, "confirm", obj{"deadline": "2026-12-20"})
		a = entA.mustFire(a, "plan", obj{"measures": "接地", "responsible_person": "张三"})
		a = entA.mustFire(a, "submit", nil)
		w.as(t, "donghu2").mustFire(a, "approve", obj{"comment": "已接地"})
		xihu.mustFire(x, "confirm", obj{"deadline": "2026-11-30", "responsible_unit": "仓库"})

		// The counts made here, from the hazards as stored.
		hs, err := w.store.ListHazards(context.Background(), model.HazardFilter{Scope: model.AllScope, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		from := time.Date(2026, 7, 1, 0, 0, 0, 0, model.Shanghai)
		to := time.Date(2026, 12, 1, 0, 0, 0, 0, model.Shanghai)
		type want struct{ found, major, wo, rect, open int64 }
		byCounty := map[string]*want{}
		for _, h := range hs {
			c := model.CodeCounty(h.RegionCode)
			if byCounty[c] == nil {
				byCounty[c] = &want{}
			}
			wt := byCounty[c]
			if !h.DiscoveredAt.Before(from) && h.DiscoveredAt.Before(to) && h.State != model.StateDismissed {
				wt.found++
				if h.Level == model.LevelMajor {
					wt.major++
				}
				if h.State == model.StateWrittenOff && h.ClosedAt.Before(to) {
					wt.rect++
				}
			}
			if h.State == model.StateWrittenOff && !h.ClosedAt.Before(from) && h.ClosedAt.Before(to) {
				wt.wo++
			}
			switch h.State {
			case model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateVerifying:
				wt.open++
			}
		}
		type row struct {
			Key, Name                                     string
			Found, FoundMajor, WrittenOff, FoundRectified int64
			Open                                          int64
		}
		var st struct {
			Rows []struct {
				Key            string `json:"key"`
				Name           string `json:"name"`
				Found          int64  `json:"found"`
				FoundMajor     int64  `json:"found_major"`
				WrittenOff     int64  `json:"written_off"`
				FoundRectified int64  `json:"found_rectified"`
				Open           int64  `json:"open"`
			} `json:"rows"`
			Total struct {
				Found int64 `json:"found"`
				Open  int64 `json:"open"`
			} `json:"total"`
		}
		w.as(t, "city").get("/api/v1/statistics?from=2026-07-01&to=2026-11-30&group_by=region").want(http.StatusOK).decode(&st)
		if len(st.Rows) != 2 {
			t.Fatalf("rows %+v", st.Rows)
		}
		for _, r := range st.Rows {
			wt := byCounty[r.Key]
			if wt == nil || r.Found != wt.found || r.FoundMajor != wt.major || r.WrittenOff != wt.wo || r.FoundRectified != wt.rect || r.Open != wt.open {
				t.Errorf("%s (%s): %+v, counted %+v", r.Key, r.Name, r, wt)
			}
		}
		if byCounty["360102"].found != 3 || byCounty["360103"].found != 1 {
			t.Fatalf("the counts made here are off: %+v %+v", byCounty["360102"], byCounty["360103"])
		}
		total := st.Total
		for _, g := range []string{"level", "source", "department", "industry"} {
			w.as(t, "city").get("/api/v1/statistics?from=2026-07-01&to=2026-11-30&group_by=" + g).want(http.StatusOK).decode(&st)
			if st.Total.Found != total.Found || st.Total.Open != total.Open {
				t.Errorf("by %s: total %+v, by region %+v", g, st.Total, total)
			}
		}
		w.as(t, "city").get("/api/v1/statistics?group_by=colour").wantError(http.StatusBadRequest, "invalid_fields", "group_by")
		w.as(t, "city").get("/api/v1/statistics?from=7/1").wantError(http.StatusBadRequest, "invalid_fields", "from")
		w.as(t, "city").get("/api/v1/statistics?region=360402").wantError(http.StatusForbidden, "forbidden")
		w.as(t, "entA").get("/api/v1/statistics").wantError(http.StatusForbidden, "forbidden")
	})
}
