package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/gin-gonic/gin"

	"hazardloop/model"
)

// The API's contract is handler/openapi.json, served at /api/v1/openapi.json.
// These tests hold it to the code: kin-openapi (v0.153.0, which reads OpenAPI
// 3.1 and validates bodies with JSON Schema 2020-12) finds it valid; its
// operations are exactly the router's /api/v1 routes; real requests and their
// answers — the hazard, the event log, the list, the errors and more — match
// its schemas; and what it says needs a session does, and nothing else.

const apiPrefix = "/api/v1"

// openAPI fetches the served document over a real connection, checks how it is
// served and loads and validates it.
func openAPI(t *testing.T, w *world) *openapi3.T {
	t.Helper()
	ts := httptest.NewServer(w.srv)
	defer ts.Close()
	res, err := http.Get(ts.URL + apiPrefix + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json without a token: status %d, want 200 (the document is public): %s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
		t.Errorf("Cache-Control %q, want it cacheable", cc)
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Error("no ETag")
	} else {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+apiPrefix+"/openapi.json", nil)
		req.Header.Set("If-None-Match", etag)
		again, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match %s: status %d, want 304", etag, again.StatusCode)
		}
	}

	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(body)
	if err != nil {
		t.Fatalf("kin-openapi cannot load the document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableMultiError()); err != nil {
		t.Fatalf("handler/openapi.json is not a valid OpenAPI document:\n%v", err)
	}
	return doc
}

// operation is one method and path, as OpenAPI writes it (GET /hazards/{id}).
type operation struct{ method, path string }

func (o operation) String() string { return o.method + " " + o.path }

var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// routerOperations are the router's routes under /api/v1, their paths
// relative to the document's server (/api/v1) and their parameters in
// OpenAPI's braces.
func routerOperations(t *testing.T, w *world) []operation {
	t.Helper()
	eng, ok := w.srv.(*gin.Engine)
	if !ok {
		t.Fatalf("handler.New returned %T, not the *gin.Engine whose routes this test reads", w.srv)
	}
	var out []operation
	for _, r := range eng.Routes() {
		p, ok := strings.CutPrefix(r.Path, apiPrefix+"/")
		if !ok {
			continue
		}
		out = append(out, operation{r.Method, "/" + ginParam.ReplaceAllString(p, "{$1}")})
	}
	return out
}

func documentOperations(doc *openapi3.T) map[operation]*openapi3.Operation {
	out := map[operation]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[operation{strings.ToUpper(method), path}] = op
		}
	}
	return out
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	doc := openAPI(t, w)
	described := documentOperations(doc)
	routed := map[operation]bool{}
	for _, o := range routerOperations(t, w) {
		routed[o] = true
	}
	var undescribed, unrouted []string
	for o := range routed {
		if described[o] == nil {
			undescribed = append(undescribed, o.String())
		}
	}
	for o := range described {
		if !routed[o] {
			unrouted = append(unrouted, o.String())
		}
	}
	slices.Sort(undescribed)
	slices.Sort(unrouted)
	if len(undescribed) > 0 {
		t.Errorf("routes under /api/v1 that handler/openapi.json does not describe (add an operation for each "+
			"under \"paths\", the path relative to /api/v1 with {name} for :name, as the neighbouring routes have it):\n  %s",
			strings.Join(undescribed, "\n  "))
	}
	if len(unrouted) > 0 {
		t.Errorf("operations in handler/openapi.json that handler/server.go does not route (remove them, or route them):\n  %s",
			strings.Join(unrouted, "\n  "))
	}

	// What every operation says: who it is for in both languages, an id, and
	// its errors in the one error body.
	ids := map[string]string{}
	for o, op := range described {
		if !hasHan(op.Summary) || !hasLatin(op.Summary) {
			t.Errorf("%s: summary %q, want it in Chinese and English (中文 · English)", o, op.Summary)
		}
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", o)
		} else if other, dup := ids[op.OperationID]; dup {
			t.Errorf("%s: operationId %q already names %s", o, op.OperationID, other)
		}
		ids[op.OperationID] = o.String()
		for code, r := range op.Responses.Map() {
			if code[0] != '4' {
				continue
			}
			mt := r.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Error" {
				t.Errorf("%s: response %s is not the Error body", o, code)
			}
		}
	}
}

func hasLatin(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) })
}

// contract validates requests and their answers against the document.
type contract struct {
	t   *testing.T
	doc *openapi3.T
	ops map[operation]*openapi3.Operation
}

// route finds the operation a request path (under /api/v1, with or without a
// query) falls under, and its path parameters: a literal segment before a
// parameter, as the router has it (/escalations/unreplied before
// /escalations/{id}).
func (k *contract) route(method, target string) (*routers.Route, map[string]string) {
	k.t.Helper()
	p, _, _ := strings.Cut(strings.TrimPrefix(target, apiPrefix), "?")
	segs := strings.Split(p, "/")
	var best *routers.Route
	var bestParams map[string]string
	for o, op := range k.ops {
		if o.method != method {
			continue
		}
		tsegs := strings.Split(o.path, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		params := map[string]string{}
		match := true
		for i, ts := range tsegs {
			if strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") {
				params[ts[1:len(ts)-1]] = segs[i]
			} else if ts != segs[i] {
				match = false
				break
			}
		}
		if match && (best == nil || len(params) < len(bestParams)) {
			best = &routers.Route{Spec: k.doc, Path: o.path, PathItem: k.doc.Paths.Value(o.path), Method: method, Operation: op}
			bestParams = params
		}
	}
	if best == nil {
		k.t.Fatalf("%s %s: no operation in the document", method, target)
	}
	return best, bestParams
}

// check validates a request that was answered against the operation it falls
// under: the request (body and parameters) unless skipRequest is set, and the
// answer's status, headers and body.
func (k *contract) check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte, skipRequest bool) {
	k.t.Helper()
	route, params := k.route(req.Method, req.URL.RequestURI())
	ctx := context.Background()
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	req = req.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if !skipRequest {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			k.t.Errorf("%s %s: the request does not match handler/openapi.json:\n%s", req.Method, req.URL.RequestURI(), brief(err))
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: opts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		k.t.Errorf("%s %s: the answer %d does not match handler/openapi.json (describe what the handler now writes there, or fix the handler):\n%s\nbody: %s", req.Method, req.URL.RequestURI(), status, brief(err), body)
	}
}

// brief is a validation error without the schemas and values it quotes
// whole (a hazard's schema is a hundred lines): the reasons and where.
func brief(err error) string {
	var out []string
	quoted := -1 // the indentation of the "Schema:" or "Value:" being left out
	for _, l := range strings.Split(err.Error(), "\n") {
		indent := len(l) - len(strings.TrimLeft(l, " "))
		if quoted >= 0 && indent > quoted {
			continue
		}
		quoted = -1
		switch t := strings.TrimSpace(l); t {
		case "Schema:", "Value:":
			quoted = indent
		case "":
		default:
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// do sends a request as c and checks it and its answer against the document.
func (k *contract) do(c *client, method, path string, body any) *response {
	k.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			k.t.Fatal(err)
		}
	}
	r := c.do(method, path, body)
	req := httptest.NewRequest(method, path, nil)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	k.check(req, raw, r.status, r.header, r.body, false)
	return r
}

// send sends a request without a body as c, whatever the answer's type, and
// checks it and its answer against the document.
func (k *contract) send(c *client, method, path string) int {
	k.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	rec := httptest.NewRecorder()
	c.w.srv.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		k.t.Errorf("%s %s: status %d: %s", method, path, rec.Code, rec.Body)
	}
	k.check(req, nil, rec.Code, rec.Header(), rec.Body.Bytes(), false)
	return rec.Code
}

// TestOpenAPIHoldsTheAnswers sends real requests and holds their answers to
// the document's schemas: the hazard (as created, read, changed by events,
// for staff and for an enterprise), the event log, the chain check, the list,
// and the error body of each kind of refusal. The core schemas allow no
// property the document does not name and require each one the handlers always
// write, so a field added, renamed or dropped in a struct fails here until the
// document says so.
func TestOpenAPIHoldsTheAnswers(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		doc := openAPI(t, w)
		k := &contract{t: t, doc: doc, ops: documentOperations(doc)}
		donghu, entA := w.as(t, "donghu"), w.as(t, "entA")

		k.do(w.anon(t), "POST", "/api/v1/login", obj{"username": "donghu", "password": password}).want(http.StatusOK)
		k.do(donghu, "GET", "/api/v1/me", nil).want(http.StatusOK)

		var h hazard
		k.do(donghu, "POST", "/api/v1/hazards", obj{"title": "粉尘涉爆车间未设泄爆装置", "level": "major",
			"enterprise_id": w.ents["A"].ID, "location": "3号车间", "latitude": 28.68, "longitude": 115.89}).
			want(http.StatusCreated).decode(&h)
		path := hazardPath(h.ID)
		// Listed under supervision, with a catalogued basis or not, suspended,
		// handed over: the hazard's nested objects filled in.
		h = donghu.mustFire(h, "confirm", obj{"basis_standard": "《工贸企业重大事故隐患判定标准》", "basis_clause": "第四条第（一）项",
			"deadline": "2026-12-31"})
		k.do(donghu, "POST", path+"/events", obj{"event": "suspend", "version": h.Version,
			"order_no": "东应急停〔2026〕3号", "reason": "泄爆装置缺失，责令停产整改"}).want(http.StatusOK).decode(&h)
		k.do(donghu, "POST", path+"/events", obj{"event": "transfer", "version": h.Version,
			"to_region_code": "360103", "reason": "车间位于西湖区"}).want(http.StatusOK).decode(&h)
		k.do(donghu, "GET", path, nil).want(http.StatusOK)
		k.do(entA, "GET", path, nil).want(http.StatusOK)
		k.do(donghu, "GET", path+"/events", nil).want(http.StatusOK)
		k.do(entA, "GET", path+"/events", nil).want(http.StatusOK)
		k.do(donghu, "GET", path+"/verify", nil).want(http.StatusOK)
		k.do(entA, "GET", path+"/verify", nil).want(http.StatusOK)
		// Its printable records: the transfer's, for staff and the enterprise;
		// one that does not apply yet and an unknown kind refused.
		for _, r := range []struct {
			c      *client
			kind   string
			status int
		}{{donghu, "transfer", http.StatusOK}, {entA, "transfer", http.StatusOK},
			{donghu, "writeoff", http.StatusUnprocessableEntity}, {donghu, "nope", http.StatusNotFound}} {
			if got := k.send(r.c, "GET", path+"/records/"+r.kind); got != r.status {
				t.Errorf("GET %s/records/%s: status %d, want %d", path, r.kind, got, r.status)
			}
		}

		g := entA.createHazard(obj{"title": "配电柜前未铺绝缘垫", "discovered_at": "2026-11-20"})
		k.do(entA, "POST", hazardPath(g.ID)+"/events", obj{"event": "confirm", "version": g.Version, "comment": "自查属实"}).want(http.StatusOK)

		// The inbox: the enterprise was told to plan (plan_due).
		var notices struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		k.do(entA, "GET", "/api/v1/notices?unread=true&limit=5", nil).want(http.StatusOK).decode(&notices)
		if len(notices.Items) == 0 {
			t.Fatal("entA has no notice after confirm")
		}
		k.do(entA, "POST", "/api/v1/notices/"+strconv.FormatInt(notices.Items[0].ID, 10)+"/read", nil).want(http.StatusOK)
		k.do(donghu, "POST", "/api/v1/notices/"+strconv.FormatInt(notices.Items[0].ID, 10)+"/read", nil).want(http.StatusNotFound)
		k.do(donghu, "POST", "/api/v1/notices/read-all", nil).want(http.StatusOK)
		k.do(donghu, "GET", "/api/v1/notices?limit=0", nil).wantError(http.StatusBadRequest, "invalid_fields", "limit")

		k.do(donghu, "GET", "/api/v1/hazards?limit=1", nil).want(http.StatusOK)
		var p page
		k.do(donghu, "GET", "/api/v1/hazards?state=listed&limit=200", nil).want(http.StatusOK).decode(&p)
		k.do(entA, "GET", "/api/v1/hazards?overdue=true", nil).want(http.StatusOK)
		k.do(w.as(t, "xihu"), "GET", "/api/v1/transfers", nil).want(http.StatusOK)

		// Refusals, each in the error body.
		k.do(donghu, "GET", "/api/v1/hazards?from=2026-13-01", nil).wantError(http.StatusBadRequest, "invalid_fields", "from")
		k.do(donghu, "POST", "/api/v1/hazards", obj{"title": ""}).want(http.StatusBadRequest)
		k.do(donghu, "POST", path+"/events", obj{"event": "approve", "version": h.Version}).want(http.StatusUnprocessableEntity)
		k.do(donghu, "POST", path+"/events", obj{"event": "plan", "version": h.Version - 1, "measures": "x"}).want(http.StatusConflict)
		// The party's event fired for it (on_behalf_events) wants the reason.
		var refusal apiError
		k.do(donghu, "POST", path+"/events", obj{"event": "plan", "version": h.Version, "measures": "x"}).
			want(http.StatusBadRequest).decode(&refusal)
		if refusal.Fields["comment"] == "" {
			t.Errorf("plan on behalf without a comment: fields %v, want comment named", refusal.Fields)
		}
		k.do(w.as(t, "entB"), "GET", path, nil).want(http.StatusForbidden)
		k.do(donghu, "GET", hazardPath(h.ID+1000), nil).want(http.StatusNotFound)
		k.do(w.anon(t), "GET", path, nil).want(http.StatusUnauthorized)
		k.do(w.anon(t), "GET", "/api/v1/openapi.json", nil).want(http.StatusOK)

		// The directory and evidence, written out whole in the document too.
		admin := w.as(t, "admin")
		k.do(admin, "POST", "/api/v1/regions", obj{"code": "360104", "name": "青云谱区", "parent_code": "360100"}).want(http.StatusCreated)
		k.do(admin, "POST", "/api/v1/enterprises", obj{"name": "南昌青云谱机械厂", "credit_code": creditCode(t, "91360104MA3000009"),
			"region_code": "360104", "industry": "机械"}).want(http.StatusCreated)
		// Both changes in the audit log, a page at a time, before and after.
		var audit struct {
			Entries    []json.RawMessage `json:"entries"`
			NextCursor string            `json:"next_cursor"`
		}
		k.do(admin, "GET", "/api/v1/audit?limit=1", nil).want(http.StatusOK).decode(&audit)
		if len(audit.Entries) != 1 || audit.NextCursor == "" {
			t.Errorf("audit, limit 1: %d entries, next_cursor %q; want one and a next page", len(audit.Entries), audit.NextCursor)
		}
		k.do(admin, "GET", "/api/v1/audit?cursor="+audit.NextCursor, nil).want(http.StatusOK)
		k.do(admin, "GET", "/api/v1/audit?entity=region&from=2026-11-01&to=2026-12-31", nil).want(http.StatusOK)
		k.do(admin, "GET", "/api/v1/audit?entity=nothing", nil).wantError(http.StatusBadRequest, "invalid_fields", "entity")
		k.do(donghu, "GET", "/api/v1/audit", nil).want(http.StatusForbidden)
		k.do(w.anon(t), "GET", "/api/v1/public/regions?parent=360100", nil).want(http.StatusOK)
		// Duplicates in sight: before a finding is sent, and the public's count.
		k.do(donghu, "GET", "/api/v1/hazards/similar?region_code=360102&latitude=28.68&longitude=115.89&title="+url.QueryEscape("粉尘涉爆车间未设泄爆装置"), nil).want(http.StatusOK)
		k.do(donghu, "GET", "/api/v1/hazards/similar?latitude=91&longitude=115", nil).wantError(http.StatusBadRequest, "invalid_fields", "latitude")
		k.do(donghu, "GET", path+"/similar", nil).want(http.StatusOK)
		k.do(w.anon(t), "GET", "/api/v1/public/nearby?region_code=360102&latitude=28.68&longitude=115.89&title=x", nil).want(http.StatusOK)
		k.do(w.anon(t), "GET", "/api/v1/public/nearby?region_code=360102", nil).wantError(http.StatusBadRequest, "invalid_fields", "latitude")
		k.do(donghu, "GET", "/api/v1/regions?q=%E4%B8%9C%E6%B9%96", nil).want(http.StatusOK)
		up := entA.upload(hazardPath(g.ID)+"/evidence", "整改报告.pdf", testPDF, map[string]string{"kind": "document", "note": "整改报告"})
		up.want(http.StatusCreated)
		k.check(httptest.NewRequest(http.MethodPost, hazardPath(g.ID)+"/evidence", nil), nil, up.status, up.header, up.body, true)
		var stored struct {
			ID int64 `json:"id"`
		}
		up.decode(&stored)
		k.do(entA, "GET", hazardPath(g.ID)+"/evidence", nil).want(http.StatusOK)
		k.do(entA, "POST", "/api/v1/evidence/"+strconv.FormatInt(stored.ID, 10)+"/withdraw", obj{"reason": "上传错了文件"}).want(http.StatusOK)

		// A public report and where it stands.
		var receipt struct {
			TrackingCode string `json:"tracking_code"`
		}
		k.do(w.anon(t), "POST", "/api/v1/public/reports", obj{"title": "小区地下车库堆放液化气钢瓶", "description": "十余个钢瓶堆在消防通道",
			"address": "东湖区某小区地下车库", "region_code": "360102", "contact_name": "王先生", "contact_phone": "13800000000", "wants_reward": true}).
			want(http.StatusCreated).decode(&receipt)
		k.do(w.anon(t), "GET", "/api/v1/public/reports/"+receipt.TrackingCode, nil).want(http.StatusOK)
		k.do(w.anon(t), "GET", "/api/v1/public/reports/ABCD-EFGH-JKLM-NPQR", nil).want(http.StatusNotFound)

		// A supervision step, signed for and answered.
		g = entA.hazard(g.ID)
		k.do(donghu, "POST", hazardPath(g.ID)+"/events", obj{"event": "escalate", "version": g.Version, "reason": "逾期未制定整改方案"}).want(http.StatusOK)
		var steps struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		k.do(entA, "GET", hazardPath(g.ID)+"/escalations", nil).want(http.StatusOK).decode(&steps)
		if len(steps.Items) != 1 {
			t.Fatalf("escalations: %d, want 1", len(steps.Items))
		}
		step := "/api/v1/escalations/" + strconv.FormatInt(steps.Items[0].ID, 10)
		k.do(donghu, "GET", "/api/v1/escalations/unreplied", nil).want(http.StatusOK)
		k.do(entA, "POST", step+"/acknowledge", nil).want(http.StatusOK)
		k.do(entA, "POST", step+"/reply", obj{"text": "已制定整改方案，正在整改"}).want(http.StatusOK)
		k.do(entA, "POST", step+"/reply", obj{"text": "再答复一次"}).want(http.StatusConflict)
		// Staff record paper answers; this step has its own already.
		k.do(donghu, "POST", step+"/acknowledge", obj{"paper": true, "note": "12月1日收到企业盖章回执"}).want(http.StatusConflict)
		k.do(donghu, "POST", step+"/reply", obj{"text": "书面回复已收到", "paper": true, "note": "企业派人送达"}).want(http.StatusConflict)
		k.do(donghu, "POST", step+"/acknowledge", obj{"note": "未标明纸质"}).want(http.StatusForbidden)

		var feed struct {
			Items []json.RawMessage `json:"items"`
		}
		k.do(donghu, "GET", "/api/v1/feeds/major-hazards?limit=10", nil).want(http.StatusOK).decode(&feed)
		if len(feed.Items) < 3 {
			t.Errorf("feed: %d items, want the major hazard's changes", len(feed.Items))
		}

		// The exposure board with hazards on it (an enterprise's, and one
		// written off without any), filtered and paged; a bad filter refused.
		exposeHazards(t, w, "合同", "360102", w.ents["A"], 2, func(i int) time.Time { return start.Add(-time.Duration(i+1) * time.Hour) }, nil)
		closed := start.Add(-48 * time.Hour)
		exposeHazards(t, w, "合同已整改", "360102", nil, 1, func(int) time.Time { return start.Add(-72 * time.Hour) },
			func(h *model.Hazard) { h.State, h.ClosedAt = model.StateWrittenOff, &closed })
		var board exposureBoard
		k.do(w.anon(t), "GET", "/api/v1/public/exposures?region=360100", nil).want(http.StatusOK).decode(&board)
		if len(board.Items) != 3 {
			t.Errorf("exposure board: %d items, want 3", len(board.Items))
		}
		k.do(w.anon(t), "GET", "/api/v1/public/exposures?level=general&status=rectified", nil).want(http.StatusOK)
		// The request breaks the document's enum on purpose: only the answer is held to it.
		bad := w.anon(t).get("/api/v1/public/exposures?status=closed")
		bad.wantError(http.StatusBadRequest, "invalid_fields", "status")
		k.check(httptest.NewRequest(http.MethodGet, "/api/v1/public/exposures?status=closed", nil), nil, bad.status, bad.header, bad.body, true)

		// Every GET without a path parameter, as each role: its status is one
		// the document lists for it, and the answer fits what it says.
		for _, user := range []string{"admin", "prov", "donghu", "officer", "entA"} {
			c := w.as(t, user)
			for o := range k.ops {
				if o.method == http.MethodGet && !strings.Contains(o.path, "{") {
					k.send(c, o.method, apiPrefix+o.path)
				}
			}
		}
	})
}

// TestOpenAPISecurity holds each operation's security to the router: an
// operation that needs a session answers 401 (in the document's error body)
// without one, and a public one does not.
func TestOpenAPISecurity(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	doc := openAPI(t, w)
	k := &contract{t: t, doc: doc, ops: documentOperations(doc)}
	for o, op := range k.ops {
		secured := op.Security == nil || len(*op.Security) > 0 // none: the document's, bearerAuth
		target := apiPrefix + regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(o.path, "1")
		req := httptest.NewRequest(o.method, target, nil)
		rec := httptest.NewRecorder()
		w.srv.ServeHTTP(rec, req)
		switch {
		case secured && rec.Code != http.StatusUnauthorized:
			t.Errorf("%s without a token: status %d, but the document says it needs a session (give it \"security\": [] if it is public)", o, rec.Code)
		case !secured && rec.Code == http.StatusUnauthorized:
			t.Errorf("%s without a token: 401, but the document says it is public", o)
		}
		if rec.Code >= 500 {
			t.Errorf("%s without a token: status %d", o, rec.Code)
		}
		k.check(req, nil, rec.Code, rec.Header(), rec.Body.Bytes(), true)
	}
}
