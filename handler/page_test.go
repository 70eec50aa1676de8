package handler_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"hazardloop/model"
)

// pageClient is a browser without a browser: a cookie jar, no redirects followed.
type pageClient struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newPageClient(t *testing.T, w *world) *pageClient {
	t.Helper()
	ts := httptest.NewServer(w.srv)
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	return &pageClient{t: t, base: ts.URL, hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (p *pageClient) do(method, path string, form url.Values, header map[string]string) (*http.Response, string) {
	p.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, p.base+path, body)
	if err != nil {
		p.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, sb.String()
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

func (p *pageClient) login(username string) string {
	p.t.Helper()
	resp, _ := p.do(http.MethodPost, "/login", url.Values{"username": {username}, "password": {password}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		p.t.Fatalf("login %s: %d", username, resp.StatusCode)
	}
	var sess *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "hazardloop_session" {
			sess = c
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure {
		p.t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", sess)
	}
	_, body := p.do(http.MethodGet, "/queue", nil, nil)
	m := csrfPattern.FindStringSubmatch(body)
	if m == nil {
		p.t.Fatalf("no form token on /queue")
	}
	return m[1]
}

func TestPagesSessionAndHeaders(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	p := newPageClient(t, w)

	resp, _ := p.do(http.MethodGet, "/hazards", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fhazards" {
		t.Fatalf("without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := p.do(http.MethodPost, "/login", url.Values{"username": {"donghu"}, "password": {"wrong-password"}}, nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") || !strings.Contains(body, `value="donghu"`) {
		t.Fatalf("bad password: %d, want 401 with the message and the username kept", resp.StatusCode)
	}
	csrf := p.login("donghu")

	resp, _ = p.do(http.MethodGet, "/hazards", nil, nil)
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	resp, _ = p.do(http.MethodGet, "/static/app.css", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=") {
		t.Errorf("static: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}

	h := w.as(t, "donghu").createHazard(obj{"title": "仓库消防栓无水", "region_code": "360102"})
	path := "/hazards/" + strconv.FormatInt(h.ID, 10)
	confirm := url.Values{"event": {"confirm"}, "version": {"1"}, "level": {"general"}, "responsible_unit": {"某单位"}}

	// A form without the session's token is refused, and so is a cross-site post.
	resp, body = p.do(http.MethodPost, path+"/events", confirm, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "表单已过期") {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	confirm.Set("csrf", csrf)
	resp, _ = p.do(http.MethodPost, path+"/events", confirm, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", resp.StatusCode)
	}

	// A stale version shows the fresh state and keeps what was typed.
	w.as(t, "donghu").proof(h) // an upload moves the version on
	confirm.Set("responsible_unit", "我填写的单位")
	resp, body = p.do(http.MethodPost, path+"/events", confirm, nil)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("stale version: %d, want 409", resp.StatusCode)
	}
	for _, want := range []string{"已被他人更新", `value="我填写的单位"`, `name="version" value="2"`, "上传佐证材料"} {
		if !strings.Contains(body, want) {
			t.Errorf("stale version: the page lacks %s", want)
		}
	}

	// Logging out ends the session on the server.
	resp, _ = p.do(http.MethodPost, "/logout", url.Values{"csrf": {csrf}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	resp, _ = p.do(http.MethodGet, "/queue", nil, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout /queue: %d", resp.StatusCode)
	}
}

// TestPagesQueueAndStats renders the work queue and the dashboard on every
// dialect: their SQL aggregates are the model's, written per dialect.
func TestPagesQueueAndStats(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		sup := w.as(t, "donghu")
		h := sup.createHazard(obj{"title": "仓库消防栓无水", "region_code": "360102", "enterprise_id": w.ents["A"].ID})
		h = sup.mustFire(h, "confirm", obj{"deadline": "2026-12-20"})
		ent := w.as(t, "entA")
		h = ent.mustFire(h, "plan", obj{"measures": "补水", "responsible_person": "张三"})
		h = ent.mustFire(h, "submit", nil)
		sup.mustFire(h, "approve", obj{"comment": "整改到位"})
		sup.createHazard(obj{"title": "反应釜安全阀未校验", "level": "major", "enterprise_id": w.ents["A"].ID})

		p := newPageClient(t, w)
		p.login("donghu")
		resp, body := p.do(http.MethodGet, "/stats", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/stats: %d", resp.StatusCode)
		}
		for _, want := range []string{`id="stat-rate">100.0%`, `100.0%</b><span>按期整改率`, "未清零", "<svg"} {
			if !strings.Contains(body, want) {
				t.Errorf("/stats lacks %s", want)
			}
		}
		resp, body = p.do(http.MethodGet, "/queue", nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "反应釜安全阀未校验") {
			t.Fatalf("/queue: %d, want the new hazard to confirm", resp.StatusCode)
		}
	})
}
