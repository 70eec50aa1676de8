package handler_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"hazardloop/handler"
	"hazardloop/ledger"
	"hazardloop/workflow"
)

// o311 sends an Open311 request (form-encoded when form is not nil) to srv and
// checks the format its extension asks for.
func o311(t *testing.T, srv http.Handler, method, path string, form url.Values) (int, []byte) {
	t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	ct := rec.Header().Get("Content-Type")
	switch {
	case rec.Code >= 500:
		t.Errorf("%s %s: %d, never a 5xx: %s", method, path, rec.Code, rec.Body)
	case strings.HasSuffix(path, ".xml") && !strings.HasPrefix(ct, "text/xml"):
		t.Errorf("%s %s: Content-Type %q, want XML", method, path, ct)
	case strings.HasSuffix(path, ".json") && !strings.HasPrefix(ct, "application/json"):
		t.Errorf("%s %s: Content-Type %q, want JSON", method, path, ct)
	}
	return rec.Code, rec.Body.Bytes()
}

type o311Request struct {
	ServiceRequestID  string `json:"service_request_id" xml:"service_request_id"`
	Token             string `json:"token" xml:"token"`
	ServiceNotice     string `json:"service_notice" xml:"service_notice"`
	Status            string `json:"status" xml:"status"`
	StatusNotes       string `json:"status_notes" xml:"status_notes"`
	ServiceName       string `json:"service_name" xml:"service_name"`
	ServiceCode       string `json:"service_code" xml:"service_code"`
	Description       string `json:"description" xml:"description"`
	RequestedDatetime string `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string `json:"updated_datetime" xml:"updated_datetime"`
	Address           string `json:"address" xml:"address"`
	Lat               string `json:"lat" xml:"lat"`
}

type o311Requests struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Request `xml:"request"`
}

type o311Error struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

type o311Errors struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []o311Error `xml:"error"`
}

// decode311 reads an answer of path's format into the JSON slice or XML root.
func decode311[T any](t *testing.T, path string, body []byte, list *[]T, root any) {
	t.Helper()
	if strings.HasSuffix(path, ".xml") {
		if !strings.HasPrefix(string(body), "<?xml") {
			t.Errorf("%s: no XML declaration: %.80s", path, body)
		}
		if err := xml.Unmarshal(body, root); err != nil {
			t.Fatalf("%s: %v: %s", path, err, body)
		}
		return
	}
	if err := json.Unmarshal(body, list); err != nil {
		t.Fatalf("%s: %v: %s", path, err, body)
	}
}

func wantErrors311(t *testing.T, srv http.Handler, method, path string, form url.Values, status int, mention string) {
	t.Helper()
	code, body := o311(t, srv, method, path, form)
	if code != status {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, code, status, body)
	}
	var list []o311Error
	var root o311Errors
	decode311(t, path, body, &list, &root)
	if strings.HasSuffix(path, ".xml") {
		list = root.Errors
	}
	if len(list) == 0 {
		t.Fatalf("%s %s: no errors in %s", method, path, body)
	}
	for _, e := range list {
		if e.Code != status || e.Description == "" {
			t.Errorf("%s %s: error %+v", method, path, e)
		}
	}
	if !strings.Contains(string(body), mention) {
		t.Errorf("%s %s: errors do not mention %q: %s", method, path, mention, body)
	}
}

// TestOpen311: services, a request posted in JSON and in XML becoming a
// hazard, its status following the hazard (open, then closed when dismissed),
// no contact in any answer, errors as the spec's list, and the intake limit.
func TestOpen311(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		for _, f := range []string{"json", "xml"} {
			path := "/open311/v2/services." + f
			code, body := o311(t, w.srv, "GET", path, nil)
			var list []map[string]any
			var root struct {
				XMLName  xml.Name `xml:"services"`
				Services []struct {
					Code     string `xml:"service_code"`
					Name     string `xml:"service_name"`
					Metadata bool   `xml:"metadata"`
					Type     string `xml:"type"`
				} `xml:"service"`
			}
			decode311(t, path, body, &list, &root)
			if code != http.StatusOK || len(list)+len(root.Services) < 5 {
				t.Fatalf("%s: %d %s", path, code, body)
			}
			if f == "json" && (list[1]["service_code"] != "gas" || list[1]["service_name"] != "燃气安全" || list[1]["type"] != "realtime" ||
				list[1]["metadata"] != true || list[1]["group"] == nil || list[1]["keywords"] == nil || list[1]["description"] == nil) {
				t.Errorf("services: %v", list[1])
			}
			if f == "xml" && (root.Services[0].Code != "fire" || root.Services[0].Name != "消防安全" || !root.Services[0].Metadata) {
				t.Errorf("services.xml: %+v", root.Services[0])
			}
		}
		_, def := o311(t, w.srv, "GET", "/open311/v2/services/gas.xml", nil)
		if !strings.Contains(string(def), "<service_definition><service_code>gas</service_code><attributes><attribute><variable>true</variable><code>region_code</code>") {
			t.Errorf("definition: %s", def)
		}
		wantErrors311(t, w.srv, "GET", "/open311/v2/services/nope.json", nil, http.StatusNotFound, "service_code")

		post := func(f, service, desc string) o311Request {
			path := "/open311/v2/requests." + f
			code, body := o311(t, w.srv, "POST", path, url.Values{"service_code": {service}, "description": {desc},
				"address_string": {"东湖区八一大道100号"}, "attribute[region_code]": {"360102"}, "lat": {"28.68"}, "long": {"115.89"},
				"first_name": {"小明"}, "last_name": {"王"}, "phone": {"13800138000"}, "email": {"wang@example.cn"}})
			if code != http.StatusCreated {
				t.Fatalf("POST %s: %d %s", path, code, body)
			}
			var list []o311Request
			var root o311Requests
			decode311(t, path, body, &list, &root)
			if f == "xml" {
				list = root.Requests
			}
			if len(list) != 1 || len(list[0].ServiceRequestID) != 16 || len(list[0].Token) != 19 || !strings.Contains(list[0].ServiceNotice, list[0].Token) {
				t.Fatalf("POST %s: %s", path, body)
			}
			return list[0]
		}
		get := func(f, id string) o311Request {
			path := "/open311/v2/requests/" + id + "." + f
			code, body := o311(t, w.srv, "GET", path, nil)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, code, body)
			}
			for _, secret := range []string{"13800138000", "小明", "wang@", "28.68"} {
				if strings.Contains(string(body), secret) {
					t.Errorf("GET %s tells %q: %s", path, secret, body)
				}
			}
			var list []o311Request
			var root o311Requests
			decode311(t, path, body, &list, &root)
			if f == "xml" {
				list = root.Requests
			}
			if len(list) != 1 || list[0].ServiceRequestID != id {
				t.Fatalf("GET %s: %s", path, body)
			}
			return list[0]
		}

		gas := post("json", "gas", "小区地下室有人违规存放十几个液化气钢瓶")
		fire := post("xml", "fire", "商场消防通道被货物堵死，安全出口上锁")
		for _, f := range []string{"json", "xml"} {
			r := get(f, gas.ServiceRequestID)
			// The reporter's words (description, address) are not given back:
			// anyone may list the requests.
			if r.Status != "open" || r.ServiceCode != "gas" || r.ServiceName != "燃气安全" || r.Description != "" ||
				r.Address != "" || r.StatusNotes != "已受理，等待核查" || !strings.HasPrefix(r.RequestedDatetime, "2026-11-28T10:00:00+08:00") {
				t.Errorf("GET %s: %+v", f, r)
			}
		}
		// The token is the tracking code: our own status page knows it too.
		for _, f := range []string{"json", "xml"} {
			path := "/open311/v2/tokens/" + fire.Token + "." + f
			code, body := o311(t, w.srv, "GET", path, nil)
			if code != http.StatusOK || !strings.Contains(string(body), fire.ServiceRequestID) {
				t.Errorf("%s: %d %s", path, code, body)
			}
		}
		w.anon(t).get("/api/v1/public/reports/" + fire.Token).want(http.StatusOK)

		// The hazard is there for staff, and the contact is sealed as from the form.
		var reports struct {
			Items []struct {
				ID       int64 `json:"id"`
				HazardID int64 `json:"hazard_id"`
			} `json:"items"`
		}
		w.as(t, "donghu").get("/api/v1/reports").want(http.StatusOK).decode(&reports)
		if len(reports.Items) != 2 {
			t.Fatalf("reports: %+v", reports)
		}
		h := w.as(t, "donghu").hazard(reports.Items[0].HazardID)
		if h.Title != "【燃气安全】小区地下室有人违规存放十几个液化气钢瓶" || h.Source != "public_report" {
			t.Errorf("hazard %q %q", h.Title, h.Source)
		}
		ct := w.as(t, "donghu").get("/api/v1/reports/" + itoa(reports.Items[0].ID) + "/contact").want(http.StatusOK).object()
		if ct["name"] != "王小明" || ct["phone"] != "13800138000" || ct["email"] != "wang@example.cn" {
			t.Errorf("contact %v", ct)
		}

		// Its status follows the hazard: dismissed, closed.
		w.as(t, "officer").mustFire(h, "dismiss", obj{"reason": "现场核查未发现液化气钢瓶"})
		for _, f := range []string{"json", "xml"} {
			r := get(f, gas.ServiceRequestID)
			if r.Status != "closed" || r.StatusNotes != "经核查不属实，不予立案" || strings.Contains(r.StatusNotes, "现场核查") {
				t.Errorf("after dismissal (%s): %+v", f, r)
			}
		}
		code, body := o311(t, w.srv, "GET", "/open311/v2/requests.json?status=closed", nil)
		if code != http.StatusOK || !strings.Contains(string(body), gas.ServiceRequestID) || strings.Contains(string(body), fire.ServiceRequestID) ||
			strings.Contains(string(body), "液化气") || strings.Contains(string(body), "八一大道") {
			t.Errorf("closed requests (no reporter's words): %s", body)
		}
		code, body = o311(t, w.srv, "GET", "/open311/v2/requests.xml?service_request_id="+fire.ServiceRequestID+","+gas.ServiceRequestID, nil)
		var root o311Requests
		if err := xml.Unmarshal(body, &root); code != http.StatusOK || err != nil || len(root.Requests) != 2 {
			t.Errorf("requests by id: %d %v %s", code, err, body)
		}

		// Errors in the spec's shape.
		wantErrors311(t, w.srv, "POST", "/open311/v2/requests.json", url.Values{"description": {"有隐患有隐患"}}, http.StatusBadRequest, "service_code")
		wantErrors311(t, w.srv, "POST", "/open311/v2/requests.xml", url.Values{"service_code": {"gas"}, "description": {"燃气泄漏了"},
			"attribute[region_code]": {"360102"}}, http.StatusBadRequest, "address_string")
		wantErrors311(t, w.srv, "GET", "/open311/v2/requests/0123456789abcdef.xml", nil, http.StatusNotFound, "service_request_id")
		wantErrors311(t, w.srv, "GET", "/open311/v2/tokens/AAAA.json", nil, http.StatusNotFound, "查询码")
		wantErrors311(t, w.srv, "GET", "/open311/v2/requests.json?status=pending", nil, http.StatusBadRequest, "status")

		// The intake limit is the public channel's, whichever door: 5 an hour
		// (two requests and two refused above, this one from the form).
		w.anon(t).post("/api/v1/public/reports", obj{"title": "违规施工", "description": "工地夜间无防护施工", "region_code": "360102", "address": "某路"}).
			want(http.StatusCreated)
		wantErrors311(t, w.srv, "POST", "/open311/v2/requests.xml", url.Values{"service_code": {"gas"}}, http.StatusTooManyRequests, "提交过于频繁")

		// Written off, closed too.
		donghu, entA := w.as(t, "donghu"), w.as(t, "entA")
		fh := donghu.mustFire(donghu.hazard(reports.Items[1].HazardID), "confirm", obj{"enterprise_id": w.ents["A"].ID, "deadline": "2026-12-20"})
		if r := get("xml", fire.ServiceRequestID); r.Status != "open" || r.StatusNotes != "经核查属实，已列入隐患清单，正在督促整改" {
			t.Errorf("confirmed: %+v", r)
		}
		fh = entA.mustFire(fh, "plan", obj{"measures": "清理通道，打开安全出口", "responsible_person": "李建国", "responsible_phone": "13807910001"})
		fh = entA.mustFire(fh, "submit", obj{"comment": "通道已清理"})
		w.clock.Set(start.Add(48 * time.Hour))
		w.forgetLogins()
		w.as(t, "donghu").mustFire(fh, "approve", obj{"comment": "现场核实，通道畅通"})
		for _, f := range []string{"json", "xml"} {
			r := get(f, fire.ServiceRequestID)
			if r.Status != "closed" || r.StatusNotes != "隐患已整改完毕，核实销号" || r.ServiceCode != "fire" ||
				!strings.HasPrefix(r.UpdatedDatetime, "2026-11-30T10:00:00+08:00") {
				t.Errorf("written off (%s): %+v", f, r)
			}
		}
	})
}

// TestOpen311Keys: with --open311-keys set, posting wants one of them.
func TestOpen311Keys(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		eng := workflow.New(w.store, workflow.Options{Now: w.clock.Now, ReportKey: []byte("0123456789abcdef0123456789abcdef")})
		srv, err := handler.New(eng, ledger.New(w.store, eng.Hazards, nil), handler.Options{Open311Keys: []string{"key-one", "key-two"}})
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"service_code": {"disaster"}, "description": {"村后山体出现裂缝，有滑坡危险"},
			"address_string": {"濂溪区某村"}, "jurisdiction_id": {"360402"}}
		wantErrors311(t, srv, "POST", "/open311/v2/requests.json", form, http.StatusForbidden, "api_key")
		form.Set("api_key", "key-three")
		wantErrors311(t, srv, "POST", "/open311/v2/requests.xml", form, http.StatusForbidden, "api_key")
		form.Set("api_key", "key-two")
		if code, body := o311(t, srv, "POST", "/open311/v2/requests.json", form); code != http.StatusCreated {
			t.Errorf("with a key: %d %s", code, body)
		}
		// Reading needs no key.
		if code, _ := o311(t, srv, "GET", "/open311/v2/services.json", nil); code != http.StatusOK {
			t.Errorf("services: %d", code)
		}
	})
}
