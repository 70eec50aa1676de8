package handler_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"hazardloop/model"
	"hazardloop/workflow"
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

// TestPagesSignAndReplyToSupervision: the addressee signs for a supervision
// step and replies to it from the hazard page; an empty reply is refused with
// the reason, someone outside the territory cannot reply, and the reply shows.
func TestPagesSignAndReplyToSupervision(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	h := rectifying(t, w, "配电室门未上锁", "2026-12-31")
	h = w.as(t, "donghu").mustFire(h, "escalate", obj{"reason": "整改进度滞后"})
	es := w.as(t, "entA").escalations(h.ID)
	if len(es) != 1 {
		t.Fatalf("escalations %+v", es)
	}
	esc := "/escalations/" + strconv.FormatInt(es[0].ID, 10)
	page := "/hazards/" + strconv.FormatInt(h.ID, 10)

	p := newPageClient(t, w)
	csrf := p.login("entA")
	_, body := p.do(http.MethodGet, page, nil, nil)
	for _, want := range []string{`action="` + esc + `/acknowledge"`, `action="` + esc + `/reply"`, "提交回复"} {
		if !strings.Contains(body, want) {
			t.Errorf("hazard page lacks %s", want)
		}
	}
	resp, _ := p.do(http.MethodPost, esc+"/acknowledge", url.Values{"csrf": {csrf}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign: %d", resp.StatusCode)
	}
	_, body = p.do(http.MethodGet, page, nil, nil)
	if !strings.Contains(body, "已签收") || strings.Contains(body, `action="`+esc+`/acknowledge"`) || !strings.Contains(body, `action="`+esc+`/reply"`) {
		t.Errorf("after signing: want 已签收 and the reply form, no sign button")
	}

	resp, body = p.do(http.MethodPost, esc+"/reply", url.Values{"csrf": {csrf}, "text": {"  "}}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "请填写回复内容") {
		t.Errorf("empty reply: %d, want 400 with the reason", resp.StatusCode)
	}
	staff := newPageClient(t, w)
	staff.login("donghu")
	if _, body := staff.do(http.MethodGet, page, nil, nil); !strings.Contains(body, "代录书面回复") {
		t.Error("staff of the territory are not offered to record a paper reply")
	}
	other := newPageClient(t, w)
	otherCSRF := other.login("xihu")
	resp, _ = other.do(http.MethodPost, esc+"/reply", url.Values{"csrf": {otherCSRF}, "text": {"代为回复"}}, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("reply from outside the territory: %d, want 403", resp.StatusCode)
	}

	reply := "已更换门锁，<b>钥匙</b>由专人保管"
	resp, _ = p.do(http.MethodPost, esc+"/reply", url.Values{"csrf": {csrf}, "text": {reply}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page+"?ok=reply" {
		t.Fatalf("reply: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = p.do(http.MethodGet, page+"?ok=reply", nil, nil)
	for _, want := range []string{"已提交督办回复", "已回复", "已更换门锁，&lt;b&gt;钥匙&lt;/b&gt;由专人保管"} {
		if !strings.Contains(body, want) {
			t.Errorf("after replying the page lacks %s", want)
		}
	}
	if strings.Contains(body, `action="`+esc+`/reply"`) {
		t.Error("a replied step still offers the reply form")
	}
	if got := w.as(t, "donghu").escalations(h.ID); got[0].RepliedAt == nil {
		t.Errorf("the reply is not recorded: %+v", got[0])
	}
}

// TestPagesWithdrawEvidence: the uploader withdraws a wrong file from the hazard
// page with a reason; it stays listed, marked withdrawn; others who may not
// withdraw it see no form and are refused.
func TestPagesWithdrawEvidence(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	h := rectifying(t, w, "车间通道堆放原料", "2026-12-31")
	h = w.as(t, "entA").proof(h)
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	w.as(t, "entA").get(hazardPath(h.ID) + "/evidence").want(http.StatusOK).decode(&list)
	files := list.Items
	if len(files) != 1 {
		t.Fatalf("evidence %+v", files)
	}
	action := `action="/evidence/` + strconv.FormatInt(files[0].ID, 10) + `/withdraw"`
	withdraw := "/evidence/" + strconv.FormatInt(files[0].ID, 10) + "/withdraw"
	page := "/hazards/" + strconv.FormatInt(h.ID, 10)

	officer := newPageClient(t, w)
	officerCSRF := officer.login("officer")
	if _, body := officer.do(http.MethodGet, page, nil, nil); strings.Contains(body, action) {
		t.Error("the officer, neither uploader nor supervisor, is offered the withdrawal")
	}
	if resp, _ := officer.do(http.MethodPost, withdraw, url.Values{"csrf": {officerCSRF}, "reason": {"不对"}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("officer's withdrawal: %d, want 403", resp.StatusCode)
	}

	p := newPageClient(t, w)
	csrf := p.login("entA")
	if _, body := p.do(http.MethodGet, page, nil, nil); !strings.Contains(body, action) {
		t.Fatal("the uploader is not offered the withdrawal")
	}
	if resp, body := p.do(http.MethodPost, withdraw, url.Values{"csrf": {csrf}, "reason": {" "}}, nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "请填写撤回理由") {
		t.Errorf("no reason: %d, want 400 with the reason asked for", resp.StatusCode)
	}
	resp, _ := p.do(http.MethodPost, withdraw, url.Values{"csrf": {csrf}, "reason": {"上传错了文件"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	_, body := p.do(http.MethodGet, page+"?ok=withdrawn", nil, nil)
	for _, want := range []string{"材料已撤回", "已撤回", "撤回理由：上传错了文件", "整改报告.pdf"} {
		if !strings.Contains(body, want) {
			t.Errorf("after withdrawal the page lacks %s", want)
		}
	}
	if strings.Contains(body, action) {
		t.Error("a withdrawn file is still offered for withdrawal")
	}
}

// TestFindingPageOffersTheRolesSources: a supervisor logging a finding picks
// from the sources the workflow lets supervisors register, in its order: the
// first, preselected, is the one the API takes when none is given.
func TestFindingPageOffersTheRolesSources(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	p := newPageClient(t, w)
	p.login("donghu")
	resp, body := p.do(http.MethodGet, "/hazards/new", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/hazards/new: %d", resp.StatusCode)
	}
	sel := regexp.MustCompile(`(?s)<select name="source">(.*?)</select>`).FindStringSubmatch(body)
	if sel == nil {
		t.Fatal("no source to pick")
	}
	var got []string
	for _, m := range regexp.MustCompile(`<option value="([a-z_]+)"`).FindAllStringSubmatch(sel[1], -1) {
		got = append(got, m[1])
	}
	var want []string
	for _, s := range workflow.SourcesFor(model.RoleSupervisor) {
		want = append(want, string(s))
	}
	if !slices.Equal(got, want) {
		t.Errorf("sources offered %v, want %v", got, want)
	}
	h := w.as(t, "donghu").createHazard(obj{"title": "仓库消防栓无水", "region_code": "360102"})
	if len(got) == 0 || h.Source != got[0] {
		t.Errorf("the API takes %s without a source; the page preselects %v", h.Source, got)
	}
}

// TestLoginNextStaysHome: the post-login redirect goes to a path of this site
// and nowhere else, whatever the next parameter holds.
func TestLoginNextStaysHome(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	for _, tc := range []struct{ next, want string }{
		{"/hazards?state=listed", "/hazards?state=listed"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"/ /evil.example", "/"},
		{"/\u00a0/evil.example", "/"},
		{"/\u2028/evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/\x7f/evil.example", "/"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
	} {
		p := newPageClient(t, w)
		_, page := p.do(http.MethodGet, "/login?next="+url.QueryEscape(tc.next), nil, nil)
		if tc.want == "/" && strings.Contains(page, "evil.example") {
			t.Errorf("next %q: the login form carries it", tc.next)
		}
		resp, _ := p.do(http.MethodPost, "/login", url.Values{"username": {"donghu"}, "password": {password}, "next": {tc.next}}, nil)
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != tc.want {
			t.Errorf("next %q: %d to %q, want %q", tc.next, resp.StatusCode, got, tc.want)
		}
	}
}
