package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"hazardloop/blob"
	"hazardloop/handler"
	"hazardloop/ledger"
	"hazardloop/model"
	"hazardloop/workflow"
)

// The one error answer: an error is classified once and rendered as JSON on the
// API's routes and as a page on the web UI's, with the same status and the same
// Chinese message. A page route never answers JSON.

// pagePolicy is the content security policy of every page of the layout.
const pagePolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"

// logBuffer collects a handler's log lines; handlers log from many goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// count is how many log lines contain s.
func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range strings.Split(l.b.String(), "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// loggedWorld is a fixture world whose handler logs into the returned buffer.
func loggedWorld(t *testing.T, dialect string) (*world, *logBuffer) {
	t.Helper()
	w := newWorld(t, dialect)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	eng := workflow.New(w.store, workflow.Options{Now: w.clock.Now, Blobs: blobs, ReportKey: reportKey})
	logs := &logBuffer{}
	if w.srv, err = handler.New(eng, ledger.New(w.store, eng.Hazards, nil), handler.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}); err != nil {
		t.Fatalf("handler.New: %v", err)
	}
	return w, logs
}

// wantPage checks that an answer is a page of the layout, not JSON, with status
// and, escaped as the page shows it, message.
func wantPage(t *testing.T, what string, resp *http.Response, body string, status int, message string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d", what, resp.StatusCode, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("%s: Content-Type %q, want a page", what, ct)
	}
	if json.Valid([]byte(body)) {
		t.Errorf("%s: the body is JSON: %.200s", what, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); csp != pagePolicy {
		t.Errorf("%s: Content-Security-Policy %q, want the pages' %q", what, csp, pagePolicy)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != "" {
		t.Errorf("%s: a refusal answered as a download (%s)", what, cd)
	}
	if !strings.Contains(body, html.EscapeString(message)) {
		t.Errorf("%s: the page does not say %q: %.300s", what, message, body)
	}
}

// TestPageRoutesFailAsPages: the page routes that serve a file or a document
// with an API handler (the ledger export, the import template and error report,
// evidence files, supervision documents) refuse as pages, with the status and
// the message the API gives for the same request as JSON.
func TestPageRoutesFailAsPages(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		h := rectifying(t, w, "车间通道堆放原料", "2026-12-31")
		w.as(t, "entA").proof(h)
		file := w.as(t, "entA").evidenceOf(h.ID)[0].ID
		fileAt := "/evidence/" + strconv.FormatInt(file, 10)

		sup := newPageClient(t, w)
		sup.login("donghu")
		other := newPageClient(t, w)
		other.login("xihu")
		cases := []struct {
			name      string
			page      *pageClient
			user      string // the same user on the API
			path, api string
			status    int
			code      string
			fields    []string
		}{
			{"export with a bad filter", sup, "donghu", "/hazards/export.xlsx?state=bogus", "/api/v1/ledger.xlsx?state=bogus", http.StatusBadRequest, "invalid_fields", []string{"state"}},
			{"unknown import's error report", sup, "donghu", "/ledger/imports/999999/errors.xlsx", "/api/v1/ledger/imports/999999/errors.xlsx", http.StatusNotFound, "not_found", nil},
			{"unknown evidence", sup, "donghu", "/evidence/999999", evidencePath(999999), http.StatusNotFound, "not_found", nil},
			{"evidence of a bad id", sup, "donghu", "/evidence/abc", "/api/v1/evidence/abc", http.StatusBadRequest, "invalid_id", []string{"id"}},
			{"evidence outside the territory", other, "xihu", fileAt, evidencePath(file), http.StatusForbidden, "forbidden", nil},
			{"unknown supervision document", sup, "donghu", "/escalations/999999/document", "/api/v1/escalations/999999/document", http.StatusNotFound, "not_found", nil},
			{"unknown hazard", sup, "donghu", "/hazards/999999", hazardPath(999999), http.StatusNotFound, "not_found", nil},
		}
		for _, c := range cases {
			e := w.as(t, c.user).get(c.api).wantError(c.status, c.code, c.fields...)
			resp, body := c.page.do(http.MethodGet, c.path, nil, nil)
			wantPage(t, c.name, resp, body, c.status, e.Message)
		}
	})
}

// TestOneMessageForOneError: a refusal of a form, answered on the page and
// through the API, says the same sentence with the same status.
func TestOneMessageForOneError(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	h := rectifying(t, w, "配电室门未上锁", "2026-12-31")
	entA := w.as(t, "entA")
	h = entA.proof(h)
	file := entA.evidenceOf(h.ID)[0].ID

	p := newPageClient(t, w)
	csrf := p.login("entA")
	huge := strings.Repeat("长", 1<<19) // over the 1 MiB of a form or a JSON body

	type side struct {
		path string
		body any
	}
	cases := []struct {
		name     string
		page     side
		api      side
		status   int
		code     string
		fields   []string
		formPage bool // the page re-renders its own form rather than the error page
	}{
		{"withdrawal without a reason",
			side{"/evidence/" + strconv.FormatInt(file, 10) + "/withdraw", url.Values{"csrf": {csrf}, "reason": {" "}}},
			side{evidencePath(file) + "/withdraw", obj{"reason": " "}},
			http.StatusBadRequest, "invalid_fields", []string{"reason"}, false},
		{"an event the state does not allow",
			side{"/hazards/" + strconv.FormatInt(h.ID, 10) + "/events", url.Values{"csrf": {csrf}, "event": {"approve"}, "version": {strconv.Itoa(h.Version)}, "comment": {"好"}}},
			side{hazardPath(h.ID) + "/events", obj{"event": "approve", "version": h.Version, "comment": "好"}},
			http.StatusUnprocessableEntity, "event_not_allowed", nil, true},
		{"a body over the limit",
			side{"/hazards/" + strconv.FormatInt(h.ID, 10) + "/events", url.Values{"csrf": {csrf}, "event": {"plan"}, "comment": {huge}}},
			side{hazardPath(h.ID) + "/events", obj{"event": "plan", "version": h.Version, "comment": huge}},
			http.StatusRequestEntityTooLarge, "too_large", nil, false},
	}
	for _, c := range cases {
		e := entA.post(c.api.path, c.api.body).wantError(c.status, c.code, c.fields...)
		resp, body := p.do(http.MethodPost, c.page.path, c.page.body.(url.Values), nil)
		wantPage(t, c.name, resp, body, c.status, e.Message)
		if got := strings.Contains(body, `class="flash err"`); got != c.formPage {
			t.Errorf("%s: shown on the form: %v, want %v", c.name, got, c.formPage)
		}
	}

	// A refused login: the form again, with what the API says.
	e := w.anon(t).post("/api/v1/login", obj{"username": "entA", "password": "wrong-password"}).wantError(http.StatusUnauthorized, "bad_credentials")
	anon := newPageClient(t, w)
	resp, body := anon.do(http.MethodPost, "/login", url.Values{"username": {"entA"}, "password": {"wrong-password"}}, nil)
	wantPage(t, "refused login", resp, body, http.StatusUnauthorized, e.Message)
}

// TestPageStaleVersionIsRecognised: a form posted at a version someone else
// moved on is recognised as stale (a 409 with the page's own account of what
// it did: the fresh hazard, the typed form kept), on the hazard page and for a
// supervision step taken twice.
func TestPageStaleVersionIsRecognised(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	h := rectifying(t, w, "仓库消防栓无水", "2026-12-31")
	p := newPageClient(t, w)
	csrf := p.login("donghu")
	path := "/hazards/" + strconv.FormatInt(h.ID, 10) + "/events"
	escalate := url.Values{"csrf": {csrf}, "event": {"escalate"}, "version": {strconv.Itoa(h.Version)}, "reason": {"进度滞后，我写的理由"}}

	w.as(t, "entA").proof(h) // the version moves on under the page
	resp, body := p.do(http.MethodPost, path, escalate, nil)
	wantPage(t, "stale version", resp, body, http.StatusConflict, "页面已显示最新状态")
	if !strings.Contains(body, "进度滞后，我写的理由") || !strings.Contains(body, `name="version" value="`+strconv.Itoa(h.Version+1)+`"`) {
		t.Error("stale version: the page lacks the typed reason or the fresh version")
	}

	// Other refusals of the same form keep the workflow's message.
	escalate.Set("version", strconv.Itoa(h.Version+1))
	escalate.Set("reason", " ")
	resp, body = p.do(http.MethodPost, path, escalate, nil)
	wantPage(t, "no reason", resp, body, http.StatusBadRequest, "请填写理由")
	if strings.Contains(body, "页面已显示最新状态") {
		t.Error("a refusal that is not a stale version is told it is one")
	}
}

// TestClientGoneOnEverySide: a request whose client hung up is recorded as 499
// with no body and no error logged, on the API, on a page's error path and on a
// page that shows refusals on its own form.
func TestClientGoneOnEverySide(t *testing.T) {
	w, logs := loggedWorld(t, model.DialectSQLite)
	token := w.login(t, "city", password)
	p := newPageClient(t, w)
	p.login("city")
	u, _ := url.Parse(p.base)
	cookies := p.hc.Jar.Cookies(u)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name, method, path string
		form               url.Values
	}{
		{"API", http.MethodGet, "/api/v1/hazards", nil},
		{"page", http.MethodGet, "/hazards", nil},
		{"page's error page", http.MethodGet, "/queue", nil},
		{"page's own form", http.MethodPost, "/login", url.Values{"username": {"city"}, "password": {password}}},
	} {
		var req *http.Request
		if c.form != nil {
			req = httptest.NewRequest(c.method, c.path, strings.NewReader(c.form.Encode())).WithContext(cancelled)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(c.method, c.path, nil).WithContext(cancelled)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		w.srv.ServeHTTP(rec, req)
		if rec.Code != 499 || rec.Body.Len() != 0 {
			t.Errorf("%s: cancelled request answered %d %.200q, want 499 and nothing", c.name, rec.Code, rec.Body.String())
		}
	}
	if n := logs.count("internal error"); n != 0 {
		t.Errorf("%d internal errors logged for clients that went away", n)
	}
}

// TestInternalFailureOnEverySide: a failure that is not the user's is a 500
// with one generic message on the API and on a page, logged once each.
func TestInternalFailureOnEverySide(t *testing.T) {
	w, logs := loggedWorld(t, model.DialectSQLite)
	if err := w.store.Close(); err != nil {
		t.Fatal(err)
	}
	const generic = "服务器内部错误，请稍后重试"

	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/public/exposures", nil))
	var e struct{ Error, Message string }
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusInternalServerError || e.Error != "internal" || e.Message != generic {
		t.Errorf("API: %d %s, want 500 internal with %q", rec.Code, rec.Body, generic)
	}
	if n := logs.count("internal error"); n != 1 {
		t.Errorf("API: %d internal errors logged, want 1", n)
	}

	rec = httptest.NewRecorder()
	w.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/exposure", nil))
	resp := rec.Result()
	wantPage(t, "exposure page", resp, rec.Body.String(), http.StatusInternalServerError, generic)
	if n := logs.count("internal error"); n != 2 {
		t.Errorf("page: %d internal errors logged in all, want 2", n)
	}
}

// TestUnknownAddressForBrowsers: a browser that navigates to an address that
// does not exist gets the error page; an API client, or any request under
// /api/, keeps the JSON answer.
func TestUnknownAddressForBrowsers(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	for _, tc := range []struct {
		path, accept, mode string
		page               bool
	}{
		{"/nope", "text/html,application/xhtml+xml", "navigate", true},
		{"/hazards/1/nope", "", "navigate", true},
		{"/nope", "text/html", "", true},
		{"/nope", "", "", false},
		{"/nope", "application/json", "", false},
		{"/api/v1/nope", "text/html", "navigate", false},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		if tc.mode != "" {
			req.Header.Set("Sec-Fetch-Mode", tc.mode)
		}
		rec := httptest.NewRecorder()
		w.srv.ServeHTTP(rec, req)
		ct := rec.Header().Get("Content-Type")
		if rec.Code != http.StatusNotFound || strings.HasPrefix(ct, "text/html") != tc.page {
			t.Errorf("GET %s (Accept %q, Sec-Fetch-Mode %q): %d %s, want 404 as a page: %v", tc.path, tc.accept, tc.mode, rec.Code, ct, tc.page)
		}
		if tc.page && !strings.Contains(rec.Body.String(), "请求的地址不存在") {
			t.Errorf("GET %s as a page: no Chinese message in %.300s", tc.path, rec.Body.String())
		}
	}
}
