package handler_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"hazardloop/model"
)

// TestHeaders: what every answer says about caching, sniffing and transport,
// and who the bearer scheme lets in.
func TestHeaders(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	donghu := w.as(t, "donghu")
	get := func(path string, header map[string]string, tls bool) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		if tls {
			req.TLS = tlsState
		}
		rec := httptest.NewRecorder()
		w.srv.ServeHTTP(rec, req)
		return rec
	}
	bearer := map[string]string{"Authorization": "Bearer " + donghu.token}

	// JSON answers, errors too: never stored, never sniffed.
	for _, rec := range []*httptest.ResponseRecorder{
		get("/api/v1/me", bearer, false),
		get("/api/v1/hazards", bearer, false),
		get("/api/v1/hazards/999999", bearer, false),
		get("/api/v1/nowhere", nil, false),
		get("/api/v1/public/exposures", nil, false),
	} {
		if cc, ns := rec.Header().Get("Cache-Control"), rec.Header().Get("X-Content-Type-Options"); cc != "no-store" || ns != "nosniff" {
			t.Errorf("%d answer: Cache-Control %q, X-Content-Type-Options %q", rec.Code, cc, ns)
		}
		if hsts := rec.Header().Get("Strict-Transport-Security"); hsts != "" {
			t.Errorf("HSTS over plain HTTP: %q", hsts)
		}
	}
	// The exposure board: a standalone page, never stored, no referrer beyond the site.
	ex := get("/exposure", nil, false)
	if ex.Code != http.StatusOK || ex.Header().Get("Cache-Control") != "no-store" || ex.Header().Get("Referrer-Policy") != "same-origin" {
		t.Errorf("exposure board: %d %q %q", ex.Code, ex.Header().Get("Cache-Control"), ex.Header().Get("Referrer-Policy"))
	}
	// Static files keep their cache.
	if cc := get("/static/app.css", nil, false).Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Errorf("static Cache-Control %q", cc)
	}

	// HSTS over TLS, or through a proxy we trust only (none here).
	if hsts := get("/healthz", nil, true).Header().Get("Strict-Transport-Security"); hsts != "max-age=31536000" {
		t.Errorf("HSTS over TLS: %q", hsts)
	}
	if hsts := get("/healthz", map[string]string{"X-Forwarded-Proto": "https"}, false).Header().Get("Strict-Transport-Security"); hsts != "" {
		t.Errorf("HSTS on an untrusted X-Forwarded-Proto: %q", hsts)
	}

	// The scheme's name is case-insensitive (RFC 7235).
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		if rec := get("/api/v1/me", map[string]string{"Authorization": scheme + " " + donghu.token}, false); rec.Code != http.StatusOK {
			t.Errorf("%s: %d", scheme, rec.Code)
		}
	}
	for _, auth := range []string{"Basic " + donghu.token, "Bearer", "Bearer ", donghu.token, "Bearerx " + donghu.token} {
		if rec := get("/api/v1/me", map[string]string{"Authorization": auth}, false); rec.Code != http.StatusUnauthorized {
			t.Errorf("%q: %d, want 401", auth, rec.Code)
		}
	}

	// Evidence is not kept by any cache.
	h := rectifying(t, w, "配电房漏雨", "2026-12-20")
	ev := w.as(t, "entA").addEvidence(h.ID, "photo_after", "整改后.png", pngFile(t))
	if cc := w.as(t, "donghu").fetch(evidencePath(ev.ID)).want(http.StatusOK).header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("evidence Cache-Control %q", cc)
	}
	// A page's refusal of evidence is the error page, not JSON.
	p := newPageClient(t, w)
	p.login("entB")
	resp, body := p.do(http.MethodGet, "/evidence/"+strconv.FormatInt(ev.ID, 10), nil, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "不在您的管辖范围内") {
		t.Errorf("another enterprise's evidence page: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, _ = p.do(http.MethodGet, "/evidence/x", nil, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("a bad evidence id on a page: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

var tlsState = &tls.ConnectionState{HandshakeComplete: true}

// TestPagesForRolesThatMayNot: the pages to register hazards and to import the
// ledger are in the menu of the roles the rules let do it (workflow.SourcesFor,
// ledger.MayImport), and answer the others with a 403 page saying why.
func TestPagesForRolesThatMayNot(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	for _, tc := range []struct {
		user              string
		register, import_ bool
	}{
		{"donghu", true, true},
		{"officer", true, false},
		{"entA", true, false},
		{"admin", false, false},
	} {
		p := newPageClient(t, w)
		p.login(tc.user)
		for _, pg := range []struct {
			path string
			may  bool
			says string
		}{{"/hazards/new", tc.register, "不登记隐患"}, {"/ledger/import", tc.import_, "只有监管人员可以导入台账"}} {
			resp, body := p.do(http.MethodGet, pg.path, nil, nil)
			switch {
			case pg.may && resp.StatusCode != http.StatusOK:
				t.Errorf("%s %s: %d, want 200", tc.user, pg.path, resp.StatusCode)
			case !pg.may && (resp.StatusCode != http.StatusForbidden || !strings.Contains(body, pg.says)):
				t.Errorf("%s %s: %d, want 403 saying %s", tc.user, pg.path, resp.StatusCode, pg.says)
			}
			_, home := p.do(http.MethodGet, "/hazards", nil, nil)
			if inMenu := strings.Contains(home, `href="`+pg.path+`"`); inMenu != pg.may {
				t.Errorf("%s: %s in the menu or on the list page: %v, want %v", tc.user, pg.path, inMenu, pg.may)
			}
		}
	}
}
