package handler_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type similarItem struct {
	ID        int64    `json:"id"`
	Code      string   `json:"code"`
	Title     string   `json:"title"`
	State     string   `json:"state"`
	DistanceM *float64 `json:"distance_m"`
}

func similarCodes(c *client, query url.Values) []string {
	c.t.Helper()
	var out struct {
		Items []similarItem `json:"items"`
	}
	c.get("/api/v1/hazards/similar?" + query.Encode()).want(http.StatusOK).decode(&out)
	codes := []string{}
	for _, it := range out.Items {
		codes = append(codes, it.Code)
	}
	return codes
}

// TestDuplicateLookup: before a finding is sent, GET /api/v1/hazards/similar
// lists the open hazards it may repeat, by text and by distance, of the
// caller's territory only (a county never another county's, an enterprise
// only its own); coordinates out of range are refused in Chinese. The public
// learns a count, never a title; a report's coordinates become its hazard's.
func TestDuplicateLookup(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, xihu, entA := w.as(t, "donghu"), w.as(t, "xihu"), w.as(t, "entA")
		const title = "配电房电缆沟积水"
		mine := donghu.createHazard(obj{"title": title, "region_code": "360102", "latitude": 28.68, "longitude": 115.89})
		theirs := xihu.createHazard(obj{"title": title, "region_code": "360103", "latitude": 28.68, "longitude": 115.89})
		own := entA.createHazard(obj{"title": "仓库货架倾斜", "latitude": 28.6805, "longitude": 115.8905})

		q := url.Values{"title": {title}}
		if got := similarCodes(donghu, q); len(got) != 1 || got[0] != mine.Code {
			t.Errorf("东湖 by text: %v, want only %s", got, mine.Code)
		}
		if got := similarCodes(xihu, q); len(got) != 1 || got[0] != theirs.Code {
			t.Errorf("西湖 by text: %v, want only %s", got, theirs.Code)
		}
		xihu.get("/api/v1/hazards/similar?"+url.Values{"title": {title}, "region_code": {"360102"}}.Encode()).wantError(http.StatusForbidden, "forbidden")
		near := url.Values{"title": {"水泵房漏水"}, "latitude": {"28.6801"}, "longitude": {"115.8901"}}
		got := similarCodes(donghu, near)
		if len(got) != 2 || !strings.Contains(strings.Join(got, " "), mine.Code) || !strings.Contains(strings.Join(got, " "), own.Code) {
			t.Errorf("东湖 by distance: %v, want %s and %s", got, mine.Code, own.Code)
		}
		if got := similarCodes(entA, near); len(got) != 1 || got[0] != own.Code {
			t.Errorf("the enterprise by distance: %v, want its own %s only", got, own.Code)
		}
		e := donghu.get("/api/v1/hazards/similar?title=x&latitude=91&longitude=115").wantError(http.StatusBadRequest, "invalid_fields", "latitude")
		if !strings.Contains(e.Fields["latitude"], "纬度应为") {
			t.Errorf("latitude 91: %q", e.Fields["latitude"])
		}
		donghu.get("/api/v1/hazards/similar?title=x&latitude=abc&longitude=115").wantError(http.StatusBadRequest, "invalid_fields", "latitude")
		w.anon(t).get("/api/v1/hazards/similar?title=x").want(http.StatusUnauthorized)

		// A public report with its place: the hazard has it; the public's hint
		// counts it without naming it.
		var rc struct {
			TrackingCode string `json:"tracking_code"`
		}
		w.anon(t).post(reportsPath, obj{"title": "后山山体开裂", "description": "村后山坡出现多条裂缝，雨后有碎石滚落", "region_code": "360102",
			"address": "某村后山", "latitude": 28.70, "longitude": 115.90}).want(http.StatusCreated).decode(&rc)
		var list struct {
			Items []hazard `json:"items"`
		}
		donghu.get("/api/v1/hazards?source=public_report").want(http.StatusOK).decode(&list)
		if len(list.Items) != 1 {
			t.Fatalf("reported hazards: %+v", list.Items)
		}
		if h := donghu.hazard(list.Items[0].ID); h.Latitude == nil || *h.Latitude != 28.70 || *h.Longitude != 115.90 {
			t.Errorf("the reported hazard's place: %v, %v", h.Latitude, h.Longitude)
		}
		w.anon(t).post(reportsPath, obj{"title": "x", "description": "山坡出现裂缝", "region_code": "360102", "address": "某村",
			"latitude": 28.7, "longitude": 190}).wantError(http.StatusBadRequest, "invalid_fields", "longitude")
		hint := w.anon(t).get("/api/v1/public/nearby?" + url.Values{"title": {"山体开裂"}, "region_code": {"360102"},
			"latitude": {"28.7003"}, "longitude": {"115.9003"}}.Encode()).want(http.StatusOK)
		if m := hint.object(); m["count"] != float64(1) || !strings.Contains(m["message"].(string), "1 条类似问题") {
			t.Errorf("the public's hint: %v", m)
		}
		for _, secret := range []string{"后山", "YH-", "28.70", list.Items[0].Code} {
			if strings.Contains(string(hint.body), secret) {
				t.Errorf("the public's hint reveals %q: %s", secret, hint.body)
			}
		}
		w.anon(t).get("/api/v1/public/nearby?title=x&region_code=360102&latitude=28.7&longitude=-181").wantError(http.StatusBadRequest, "invalid_fields", "longitude")
	})
}

// TestFindingFormShowsDuplicates: without script, the finding form that
// comes back with a problem lists the hazards it may repeat; the public
// report form keeps its coordinates and says how many similar issues nearby.
func TestFindingFormShowsDuplicates(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		first := w.as(t, "officer").createHazard(obj{"title": "村道边废弃油罐未清理", "region_code": "360102"})
		p := newPageClient(t, w)
		csrf := p.login("officer")
		resp, body := p.postMultipart("/hazards/new", map[string]string{"csrf": csrf, "title": "村道边废弃油罐未清理",
			"region_code": "360102", "latitude": "28.68", "longitude": "200"}, "", nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("finding with longitude 200: %d", resp.StatusCode)
		}
		for _, want := range []string{"可能重复", first.Code, "经度应为", `value="200"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the finding form after a refusal lacks %q", want)
			}
		}

		w.anon(t).post(reportsPath, obj{"title": "后山山体开裂", "description": "村后山坡出现多条裂缝", "region_code": "360102",
			"address": "某村后山", "latitude": 28.70, "longitude": 115.90}).want(http.StatusCreated)
		anon := newPageClient(t, w)
		resp, body = anon.postMultipart("/report", map[string]string{"title": "山体开裂", "description": "短",
			"region_code": "360102", "address": "某村", "latitude": "28.7001", "longitude": "115.9001"}, "", nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a report with a short description: %d", resp.StatusCode)
		}
		for _, want := range []string{`value="28.7001"`, `value="115.9001"`, "获取当前位置", "1 条类似问题"} {
			if !strings.Contains(body, want) {
				t.Errorf("the report form after a refusal lacks %q", want)
			}
		}
		if strings.Contains(body, "后山山体开裂") {
			t.Error("the public's form names another report's hazard")
		}
	})
}
