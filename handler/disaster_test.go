package handler_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestDisasterHazardsAPI: a disaster hazard registered over the API with its
// fields and coordinates, its suggested grade in the view; disaster fields on
// an accident hazard are 422, each named; the list filters by category and
// type; the types are listed with their departments.
func TestDisasterHazardsAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu := w.as(t, "donghu")
		var created map[string]any
		donghu.post("/api/v1/hazards", obj{"title": "后山滑坡体前缘裂缝", "region_code": "360102", "source": "supervisory_check",
			"category": "disaster", "disaster_type": "geological", "subtype": "landslide", "threatened_households": 30,
			"threatened_people": 120, "threatened_property": 300.5, "monitor_name": "王群防", "monitor_phone": "13907910001",
			"evacuation_plan": "向东转移至村委会", "latitude": 28.6843, "longitude": 115.8931}).want(http.StatusCreated).decode(&created)
		for k, want := range map[string]any{"category": "disaster", "disaster_type": "geological", "subtype": "landslide",
			"threatened_people": 120.0, "threatened_property": 300.5, "monitor_phone": "13907910001", "suggested_level": "major", "latitude": 28.6843} {
			if created[k] != want {
				t.Errorf("created %s = %v, want %v", k, created[k], want)
			}
		}
		id := int64(created["id"].(float64))
		var read map[string]any
		w.as(t, "city").get(hazardPath(id)).want(http.StatusOK).decode(&read)
		if read["evacuation_plan"] != "向东转移至村委会" || read["suggested_level"] != "major" {
			t.Errorf("read back %v", read)
		}

		// An accident hazard with a disaster's fields: 422, each named.
		var refused struct {
			Error  string            `json:"error"`
			Fields map[string]string `json:"fields"`
		}
		w.as(t, "entA").post("/api/v1/hazards", obj{"title": "配电箱未接地", "threatened_people": 5, "evacuation_plan": "撤离"}).
			want(http.StatusUnprocessableEntity).decode(&refused)
		if refused.Error != "fields_not_applicable" || refused.Fields["threatened_people"] == "" || refused.Fields["evacuation_plan"] == "" {
			t.Errorf("422 %+v", refused)
		}
		// A malformed one: 400 naming it.
		donghu.post("/api/v1/hazards", obj{"title": "x", "region_code": "360102", "source": "supervisory_check", "category": "disaster",
			"disaster_type": "volcano"}).want(http.StatusBadRequest).decode(&refused)
		if refused.Fields["disaster_type"] == "" {
			t.Errorf("400 %+v", refused)
		}

		donghu.createHazard(obj{"title": "消防通道堆放杂物", "region_code": "360102"})
		list := func(q string) int {
			var p struct {
				Items []map[string]any `json:"items"`
			}
			donghu.get("/api/v1/hazards?" + q).want(http.StatusOK).decode(&p)
			return len(p.Items)
		}
		if n := list("category=disaster"); n != 1 {
			t.Errorf("category=disaster: %d", n)
		}
		if n := list("category=accident"); n != 1 {
			t.Errorf("category=accident: %d", n)
		}
		if n := list("disaster_type=flood"); n != 0 {
			t.Errorf("disaster_type=flood: %d", n)
		}
		donghu.get("/api/v1/hazards?disaster_type=volcano").want(http.StatusBadRequest)

		// Each row says its category: the list's JSON items and the list
		// page's badge (灾害·地质灾害 on the disaster hazard only).
		var all struct {
			Items []struct {
				Title, Category string
				DisasterType    string `json:"disaster_type"`
			} `json:"items"`
		}
		donghu.get("/api/v1/hazards").want(http.StatusOK).decode(&all)
		got := map[string]string{}
		for _, it := range all.Items {
			got[it.Title] = it.Category + "/" + it.DisasterType
		}
		if got["后山滑坡体前缘裂缝"] != "disaster/geological" || got["消防通道堆放杂物"] != "accident/" {
			t.Errorf("list items' categories %v", got)
		}
		pc := newPageClient(t, w)
		pc.login("donghu")
		_, page := pc.do(http.MethodGet, "/hazards", nil, nil)
		if n := strings.Count(page, `<span class="tag disaster">灾害·地质灾害</span>`); n != 1 ||
			!strings.Contains(page, "消防通道堆放杂物") || strings.Count(page, `class="tag disaster"`) != 1 {
			t.Errorf("the list page's category badges: %d", n)
		}

		var types struct {
			Items []struct {
				Code, Label, Department string
				Subtypes                []struct{ Code, Label string }
			} `json:"items"`
		}
		donghu.get("/api/v1/disaster-types").want(http.StatusOK).decode(&types)
		if len(types.Items) != 8 || types.Items[0].Code != "geological" || types.Items[0].Department != "natural_resources" ||
			len(types.Items[0].Subtypes) != 4 || types.Items[1].Department != "water" {
			t.Errorf("disaster types %+v", types.Items)
		}

		// Listed without a department chosen: natural resources, by its type.
		var listed map[string]any
		donghu.post(hazardPath(id)+"/events", obj{"event": "confirm", "version": 1, "level": "major", "responsible_unit": "东湖区人民政府",
			"basis_standard": "《地质灾害防治条例》", "basis_clause": "第十五条"}).want(http.StatusOK).decode(&listed)
		if listed["department"] != "natural_resources" || listed["level"] != "major" {
			t.Errorf("listed: department %v level %v", listed["department"], listed["level"])
		}
	})
}

// TestPublicReportDisasterChoice: the public report form asks whether the
// danger is a natural disaster's; chosen, the report is a disaster hazard
// (its kind 说不清 stored as other, or the kind chosen) in the disaster
// queue; left at 安全生产隐患 the kind the form always carries is ignored; a
// bad category or kind is refused beside its field with what was typed kept.
func TestPublicReportDisasterChoice(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		anon := newPageClient(t, w)
		_, page := anon.do(http.MethodGet, "/report", nil, nil)
		for _, want := range []string{`name="category" value="disaster"`, "自然灾害险情", `<option value="other">说不清 / 其他</option>`, `<option value="flood">洪涝</option>`} {
			if !strings.Contains(page, want) {
				t.Errorf("the report form lacks %q", want)
			}
		}
		report := func(title, category, kind string) (int, string) {
			t.Helper()
			resp, body := anon.postMultipart("/report", map[string]string{"title": title, "description": "村后山坡出现多条裂缝，雨后变宽",
				"region_code": "360102", "address": "某村后山", "category": category, "disaster_type": kind}, "", nil)
			return resp.StatusCode, body
		}
		for _, c := range []struct{ title, category, kind string }{
			{"后山山体开裂", "disaster", "other"},
			{"山塘坝脚渗水", "disaster", "flood"},
			{"地下室堆放液化气钢瓶", "accident", "other"},
		} {
			if code, body := report(c.title, c.category, c.kind); code != http.StatusCreated {
				t.Fatalf("%s: %d %s", c.title, code, body)
			}
		}
		var all struct {
			Items []struct {
				Title, Category string
				DisasterType    string `json:"disaster_type"`
			} `json:"items"`
		}
		w.as(t, "donghu").get("/api/v1/hazards?source=public_report").want(http.StatusOK).decode(&all)
		got := map[string]string{}
		for _, it := range all.Items {
			got[it.Title] = it.Category + "/" + it.DisasterType
		}
		for title, want := range map[string]string{"后山山体开裂": "disaster/other", "山塘坝脚渗水": "disaster/flood", "地下室堆放液化气钢瓶": "accident/"} {
			if got[title] != want {
				t.Errorf("%s stored as %q, want %q", title, got[title], want)
			}
		}
		for _, c := range []struct{ category, kind, field string }{
			{"weather", "other", "隐患类别只能是"},
			{"disaster", "volcano", "未知的灾害类型"},
		} {
			code, body := report("坡体滑动", c.category, c.kind)
			if code != http.StatusBadRequest || !strings.Contains(body, c.field) || !strings.Contains(body, `value="坡体滑动"`) {
				t.Errorf("category %s, kind %s: %d, the form says %q: %v", c.category, c.kind, code, c.field, strings.Contains(body, c.field))
			}
		}
	})
}
