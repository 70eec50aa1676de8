package handler_test

import (
	"net/http"
	"slices"
	"testing"
)

// TestListedSupervisionLevels: a major hazard is listed by its county when
// listed; the city raises it to the city's listed supervision (never lowered,
// never by the county); a county's write-off (摘牌) is refused, naming the
// level; the city's is refused without an assessment report and succeeds with
// one.
func TestListedSupervisionLevels(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		type listed struct {
			ID            int64    `json:"id"`
			Version       int      `json:"version"`
			State         string   `json:"state"`
			AllowedEvents []string `json:"allowed_events"`
			ListedBy      *struct {
				Level      string `json:"level"`
				RegionCode string `json:"region_code"`
			} `json:"listed_by"`
		}
		read := func(c *client, id int64) listed {
			t.Helper()
			var h listed
			c.get(hazardPath(id)).want(http.StatusOK).decode(&h)
			return h
		}
		donghu, donghu2, city, prov, entA := w.as(t, "donghu"), w.as(t, "donghu2"), w.as(t, "city"), w.as(t, "prov"), w.as(t, "entA")

		general := donghu.createHazard(obj{"title": "一般隐患", "region_code": "360102"})
		general = donghu.mustFire(general, "confirm", obj{"responsible_unit": "某单位"})
		if h := read(donghu, general.ID); h.ListedBy != nil {
			t.Errorf("a general hazard is listed by %+v", h.ListedBy)
		}
		h := donghu.createHazard(obj{"title": "液氨储罐区未设泄漏报警", "level": "major", "enterprise_id": w.ents["A"].ID, "industry": "危险化学品"})
		h = donghu.mustFire(h, "confirm", obj{"basis_standard": "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》", "basis_clause": "第十一条"})
		if got := read(donghu, h.ID); got.ListedBy == nil || got.ListedBy.Level != "county" || got.ListedBy.RegionCode != "360102" {
			t.Fatalf("listed by %+v, want the county", got.ListedBy)
		}
		if got := read(city, h.ID); !slices.Contains(got.AllowedEvents, "list_supervision") {
			t.Errorf("the city is not offered list_supervision: %v", got.AllowedEvents)
		}
		if got := read(donghu, h.ID); slices.Contains(got.AllowedEvents, "list_supervision") {
			t.Errorf("the county is offered list_supervision: %v", got.AllowedEvents)
		}
		donghu.fire(h, "list_supervision", obj{"list_level": "city", "reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		city.fire(h, "list_supervision", obj{"list_level": "city"}).wantError(http.StatusBadRequest, "invalid_fields", "reason")
		city.fire(h, "list_supervision", obj{"list_level": "province", "reason": "x"}).wantError(http.StatusBadRequest, "invalid_fields", "list_level")
		city.fire(h, "list_supervision", obj{"list_level": "county", "reason": "x"}).wantError(http.StatusBadRequest, "invalid_fields", "list_level")
		h = city.mustFire(h, "list_supervision", obj{"list_level": "city", "reason": "涉及液氨重大危险源，市级挂牌督办"})
		if got := read(donghu, h.ID); got.ListedBy == nil || got.ListedBy.Level != "city" || got.ListedBy.RegionCode != "360100" {
			t.Fatalf("after raising: listed by %+v", got.ListedBy)
		}
		city.fire(h, "list_supervision", obj{"list_level": "city", "reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		e := prov.fire(h, "list_supervision", obj{"list_level": "city", "reason": "x"}).wantError(http.StatusBadRequest, "invalid_fields", "list_level")
		wantContains(t, "lowering", e.Fields["list_level"], "只能提高")

		h = entA.mustFire(h, "plan", obj{"measures": "增设泄漏报警并联锁", "responsible_person": "王强", "deadline": "2026-12-20",
			"funds": 12, "funds_source": "企业自筹", "emergency_plan": "储罐区停用，专人巡查"})
		h = entA.mustFire(h, "submit", nil)
		var rows struct {
			Items []struct {
				ID            int64    `json:"id"`
				ListedLevel   string   `json:"listed_level"`
				AllowedEvents []string `json:"allowed_events"`
			} `json:"items"`
		}
		donghu2.get("/api/v1/hazards?limit=10").want(http.StatusOK).decode(&rows)
		for _, it := range rows.Items {
			if it.ID == h.ID && (it.ListedLevel != "city" || slices.Contains(it.AllowedEvents, "approve")) {
				t.Errorf("the county's list row %+v, want listed_level city and no approve", it)
			}
		}
		e = donghu2.fire(h, "approve", obj{"comment": "核实"}).wantError(http.StatusForbidden, "forbidden")
		wantContains(t, "county's write-off", e.Message, "挂牌层级")
		e = city.fire(h, "approve", obj{"comment": "核实"}).wantError(http.StatusBadRequest, "invalid_fields", "evidence")
		wantContains(t, "no assessment", e.Fields["evidence"], "评估报告")
		city.upload(hazardPath(h.ID)+"/evidence", "评估报告.pdf", testPDF, map[string]string{"kind": "assessment", "note": "第三方评估"}).want(http.StatusCreated)
		h = city.hazard(h.ID)
		h = city.mustFire(h, "approve", obj{"comment": "经评估整改到位，予以摘牌"})
		if h.State != "written_off" {
			t.Errorf("after the city's write-off: %s", h.State)
		}
		var levels []string
		for _, ev := range city.events(h.ID) {
			if ev.Event == "list_supervision" {
				levels = append(levels, ev.Payload["previous_level"].(string)+">"+ev.Payload["list_level"].(string))
			}
		}
		if !slices.Equal(levels, []string{"county>city"}) {
			t.Errorf("list_supervision events %v", levels)
		}
	})
}
