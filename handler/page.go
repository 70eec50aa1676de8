package handler

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"hazardloop/ledger"
	"hazardloop/ledger/xlsx"
	"hazardloop/model"
	"hazardloop/templates"
	"hazardloop/workflow"
)

// The web UI: server-rendered pages over the same workflow calls as the API, with
// a session cookie instead of a bearer token. Every page is one template set
// (layout.html plus the page's file) parsed at start-up.

const (
	sessionCookie = "hazardloop_session"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
	csrfLabel     = "hazardloop-form-v1"
	// pageKey marks a request to a web page: its failures are answered as
	// pages, never as JSON.
	pageKey = "page"
)

// The content security policies of HTML answers, set by writeHTML alone. The
// pages of the layout run under pageCSP: the app's own stylesheet and script,
// nothing inline. A standalone page (the printable supervision document, the
// public exposure board) is one self-contained file instead, printed or saved
// as it is: it loads nothing and runs nothing, its only style inline.
const (
	pageCSP       = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"
	standaloneCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'"
)

// pageFiles are the pages; each is parsed with layout.html into its own set.
var pageFiles = []string{
	"login", "queue", "hazards", "hazard", "finding", "import", "report", "track", "stats", "admin", "error", "reports", "rewards", "contact",
	"ranking", "map", "periodic", "regiondocs", "calendar", "audit", "notices",
}

// pageParts are the pieces a page includes ({{template "…"}}) from files of
// their own: the duplicate hints of the finding and the public report forms,
// the offline queue of the finding form and of the hazard page's patrol form.
var pageParts = map[string][]string{"finding": {"part_duplicates", "offline_queue"}, "report": {"part_duplicates"},
	"hazard": {"offline_queue"}}

// ui holds what the pages need beyond the Server.
type ui struct {
	s       *Server
	sets    map[string]*template.Template
	static  http.Handler
	cop     *http.CrossOriginProtection
	proxies []netip.Prefix
}

// pageRoutes registers the web pages. Pages are thin like the API handlers: bind,
// one workflow call, render or redirect. Every page route answers HTML, its
// failures too: the routes that serve a file or a document with an API handler
// fail as pages, because fail renders by the route (pageKey), not the handler.
func (s *Server) pageRoutes(r *gin.Engine) {
	u := s.ui
	r.GET("/static/*file", u.serveStatic)
	r.GET("/sw.js", u.serviceWorker)
	post := u.crossOrigin

	pg := r.Group("", markPage)
	pg.GET("/exposure", s.exposurePage)
	pg.GET("/login", u.loginPage)
	pg.POST("/login", post, u.login)
	pg.GET("/report", u.reportPage)
	pg.POST("/report", post, u.submitReport)
	pg.GET("/track", u.trackPage)
	pg.GET("/report/nearby", u.nearbyHint)

	p := pg.Group("", u.session)
	p.GET("/", u.home)
	p.POST("/logout", post, u.logout)
	p.GET("/queue", u.queuePage)
	p.GET("/hazards", u.hazardsPage)
	p.GET("/hazards/export.xlsx", u.exportLedger)
	p.GET("/hazards/new", u.findingPage)
	p.GET("/hazards/new/similar", u.similarHint)
	p.POST("/hazards/new", post, scripted, s.idempotent(u.findingLimit), u.createFinding)
	p.GET("/hazards/:id", u.hazardPage)
	p.POST("/hazards/:id/events", post, u.fireEvent)
	p.POST("/hazards/:id/evidence", post, u.uploadEvidence)
	p.POST("/hazards/:id/patrol", post, scripted, s.idempotent(u.findingLimit), u.recordPatrol)
	p.GET("/evidence/:id", u.evidenceFile)
	p.POST("/evidence/:id/withdraw", post, u.withdrawEvidence)
	p.GET("/escalations/:id/document", u.escalationDocument)
	p.GET("/hazards/:id/records/:kind", u.hazardRecord)
	p.POST("/escalations/:id/acknowledge", post, u.acknowledge)
	p.POST("/escalations/:id/reply", post, u.replyEscalation)
	p.GET("/ledger/template.xlsx", u.ledgerTemplate)
	p.GET("/ledger/import", u.importPage)
	p.POST("/ledger/import", post, u.importLedger)
	p.POST("/ledger/import/:id/commit", post, u.commitImport)
	p.POST("/ledger/import/:id/preview", post, u.previewImport)
	p.GET("/ledger/imports/:id/errors.xlsx", u.importErrors)
	p.GET("/stats", u.statsPage)
	p.GET("/statistics.xlsx", u.statisticsWorkbook)
	p.GET("/supervision/regions", u.rankingPage)
	p.POST("/supervision/regions", post, u.issueRegionPage)
	p.GET("/region-supervisions", u.regionDocsPage)
	p.GET("/region-supervisions/:id/document", u.regionDocumentPrint)
	p.POST("/region-supervisions/:id/:what", post, u.answerRegionPage)
	p.GET("/map", u.mapPage)
	p.GET("/periodic", u.periodicPage)
	p.POST("/periodic", post, u.filePeriodicPage)
	p.GET("/reports", u.reportsPage)
	p.POST("/reports/:id/contact", post, u.reportContact)
	p.POST("/reports/:id/answer", post, u.answerReporter)
	p.POST("/reports/:id/extend-check", post, u.extendCheck)
	p.POST("/reports/:id/reward", post, u.proposeReward)
	p.POST("/reports/:id/reward/decision", post, u.decideReward)
	p.POST("/reports/:id/reward/paid", post, u.rewardPaid)
	p.POST("/avoidances/:id/rewards", post, u.proposeAvoidanceReward)
	p.POST("/avoidance-rewards/:id/:step", post, u.avoidanceRewardStep)
	p.GET("/rewards", u.rewardsPage)
	p.GET("/admin", u.adminPage)
	p.GET("/admin/audit", u.auditPage)
	p.POST("/admin/regions", post, u.createRegion)
	p.POST("/admin/enterprises", post, u.createEnterprise)
	p.POST("/admin/users", post, u.createUser)
	p.POST("/admin/users/:id", post, u.updateUser)
	p.GET("/admin/calendars", u.calendarPage)
	p.GET("/notices", u.noticesPage)
	p.POST("/notices/read-all", post, u.readAllPage)
	p.POST("/notices/:id/open", post, u.openNotice)
	p.POST("/admin/calendars", post, u.uploadCalendar)
}

// markPage marks the request as one for a web page (see fail).
func markPage(c *gin.Context) {
	c.Set(pageKey, true)
	c.Next()
}

// browserPage marks a request for an unknown address (or method) outside the
// API as a page request when a browser navigates to it, so that a mistyped
// link shows the error page rather than JSON. API clients keep JSON.
func browserPage(c *gin.Context) {
	if !strings.HasPrefix(c.Request.URL.Path, "/api/") &&
		(c.GetHeader("Sec-Fetch-Mode") == "navigate" || strings.Contains(c.GetHeader("Accept"), "text/html")) {
		c.Set(pageKey, true)
	}
	c.Next()
}

func newUI(s *Server) (*ui, error) {
	u := &ui{s: s, sets: map[string]*template.Template{}, cop: http.NewCrossOriginProtection()}
	for _, name := range pageFiles {
		files := []string{"pages/layout.html", "pages/" + name + ".html"}
		for _, part := range pageParts[name] {
			files = append(files, "pages/"+part+".html")
		}
		t, err := template.New(name).Funcs(pageFuncs).ParseFS(templates.FS, files...)
		if err != nil {
			return nil, fmt.Errorf("handler: page %s: %w", name, err)
		}
		u.sets[name] = t
	}
	static, err := fs.Sub(templates.FS, "static")
	if err != nil {
		return nil, err
	}
	u.static = http.StripPrefix("/static/", http.FileServerFS(static))
	for _, p := range s.opts.TrustedProxies {
		pre, err := netip.ParsePrefix(p)
		if err != nil {
			a, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return nil, fmt.Errorf("handler: trusted proxy %q: %w", p, err)
			}
			pre = netip.PrefixFrom(a, a.BitLen())
		}
		u.proxies = append(u.proxies, pre)
	}
	return u, nil
}

// serveStatic serves the embedded CSS and JS. Their names change with their
// content only by hand, so the cache is long but not immutable.
func (u *ui) serveStatic(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=604800")
	c.Header("X-Content-Type-Options", "nosniff")
	u.static.ServeHTTP(c.Writer, c.Request)
}

// serviceWorker serves the pages' service worker (static/sw.js) from the root,
// so that its scope is the whole site and no Service-Worker-Allowed header is
// needed. It is checked on every visit (no-cache): a new release replaces it.
// Served like the static files, under the pages' own CSP: script-src 'self'
// covers a worker of ours (worker-src falls back to it), nothing else loads.
func (u *ui) serviceWorker(c *gin.Context) {
	b, err := fs.ReadFile(templates.FS, "static/sw.js")
	if err != nil {
		u.s.fail(c, err)
		return
	}
	securityHeaders(c, pageCSP)
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/javascript; charset=utf-8", b)
}

// offlineHeader marks a page the service worker may keep for use without
// network: one that holds a form for the offline queue (its value the form's
// kind). The worker keeps no page without it, even at an address it would
// keep (a hazard page whose user may not patrol, or whose patrols are done).
const offlineHeader = "X-Offline-Form"

// scripted marks a page post sent by the pages' own script rather than by the
// browser's form (the offline queue, static/offline.js): it asks for JSON
// (Accept: application/json), so its answer and its refusals are JSON, as the
// API's, and it may carry its form token in the X-CSRF-Token header instead
// of the body, so that a queued body stays byte for byte the same across
// sessions (its Idempotency-Key compares bodies).
func scripted(c *gin.Context) {
	if wantsJSON(c) {
		c.Set(pageKey, false)
	}
	c.Next()
}

// wantsJSON: the post is the script's (see scripted).
func wantsJSON(c *gin.Context) bool {
	return strings.HasPrefix(c.GetHeader("Accept"), "application/json")
}

// base is what every page's layout needs.
type base struct {
	Title  string
	User   *model.User
	Nav    []navItem
	Active string
	CSRF   string
	Flash  string
	Error  string
	// MayImport: the user may import a ledger (ledger.MayImport).
	MayImport bool
	// Unread is the user's unread notices, shown in the header (0 for
	// admins, who have no inbox).
	Unread int64
}

type navItem struct{ Href, Label string }

// navMay are the rules behind the menu entries that the workflow settles:
// an entry shows only to whom its rule lets do it, so a menu never offers
// what the page behind it refuses.
var navMay = map[string]func(a workflow.Actor) bool{
	"/ledger/import": func(a workflow.Actor) bool { return ledger.MayImport(a) == nil },
	"/hazards/new":   func(a workflow.Actor) bool { return len(workflow.SourcesFor(a.Role)) > 0 },
}

// navFor is the menu of a: its role's entries that its rules allow.
func navFor(a workflow.Actor) []navItem {
	var out []navItem
	for _, it := range navByRole[a.Role] {
		if may := navMay[it.Href]; may == nil || may(a) {
			out = append(out, it)
		}
	}
	return out
}

// navByRole shows each role only what it may do.
var navByRole = map[model.Role][]navItem{
	model.RoleSupervisor: {{"/queue", "我的待办"}, {"/hazards", "隐患清单"}, {"/hazards/new", "登记隐患"}, {"/reports", "群众举报"}, {"/ledger/import", "台账导入"}, {"/stats", "统计"}, {"/map", "四色图"}, {"/supervision/regions", "地区督办"}, {"/periodic", "统计报表"}},
	model.RoleOfficer:    {{"/queue", "我的待办"}, {"/hazards", "隐患清单"}, {"/hazards/new", "上报隐患"}, {"/reports", "群众举报"}, {"/stats", "统计"}, {"/map", "四色图"}, {"/rewards", "我的奖励"}},
	model.RoleEnterprise: {{"/queue", "我的待办"}, {"/hazards", "隐患清单"}, {"/hazards/new", "自查上报"}, {"/periodic", "统计报表"}},
	model.RoleAdmin:      {{"/hazards", "隐患清单"}, {"/stats", "统计"}, {"/admin", "系统管理"}, {"/admin/calendars", "节假日日历"}},
}

// flashes are the messages a redirect after a successful POST may ask for; only
// these fixed texts are shown, never text from the URL.
var flashes = map[string]string{
	"event":          "操作成功，隐患状态已更新。",
	"patrol":         "巡查已记录。",
	"evidence":       "材料已上传。",
	"created":        "隐患已登记。",
	"ack":            "已签收督办文书。",
	"read":           "通知已全部标为已读。",
	"reply":          "已提交督办回复。",
	"withdrawn":      "材料已撤回（留档备查）。",
	"answered":       "已答复举报人，举报人凭查询码可以看到答复。",
	"extended":       "核查期限已延长。",
	"proposed":       "奖励已核定，待其他监管人员审批。",
	"decided":        "奖励审批已提交。",
	"paid":           "已登记奖励发放。",
	"avoid_proposed": "成功避险奖励已核定，待其他监管人员审批。",
	"avoid_decided":  "成功避险奖励审批已提交。",
	"avoid_paid":     "已登记成功避险奖励发放。",
	"region":         "区划已添加。",
	"ent":            "生产经营单位已添加。",
	"user":           "账号已创建。",
	"userUpdated":    "账号已更新。停用或重设密码后，该账号须重新登录。",
	"logout":         "您已退出登录。",
	"filed":          "统计分析表已报送。",
	"issued":         "督办文书已印发，已通知督办对象。",
	"signed":         "已签收督办文书。",
	"replied":        "已提交书面回复。",
}

// base fills the layout's data for the current request.
func (u *ui) base(c *gin.Context, title, active string) base {
	b := base{Title: title, Active: active, Flash: flashes[c.Query("ok")]}
	if v, ok := c.Get(userKey); ok {
		b.User = v.(*model.User)
		a := workflow.ActorOf(b.User)
		b.Nav, b.MayImport = navFor(a), ledger.MayImport(a) == nil
		b.CSRF = csrfToken(c.GetString(tokenKey))
		if a.Role != model.RoleAdmin {
			// One index range of the user's unread rows; a failure costs the
			// header its count, not the page.
			b.Unread, _ = u.s.notifications.Unread(c.Request.Context(), a)
		}
	}
	return b
}

// render answers with page name. A 499 has no page: the client went away.
func (u *ui) render(c *gin.Context, status int, name string, data any) {
	if status == statusClientClosed {
		c.AbortWithStatus(statusClientClosed)
		return
	}
	err := writeHTML(c, status, pageCSP, func(w io.Writer) error { return u.sets[name].ExecuteTemplate(w, "layout", data) })
	if err != nil {
		// Not fail: the error page is a page too, and may be what is broken.
		u.s.log.Error("render page", "request_id", c.GetString(requestIDKey), "page", name, "err", err)
		securityHeaders(c, pageCSP)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte(internalProblem.Message))
		c.Abort()
	}
}

// writeHTML answers with the HTML execute writes, buffered first so that a
// template error is a clean error rather than half a page, with the headers of
// every HTML answer and csp (pageCSP or standaloneCSP). On an error nothing is
// written and the caller answers.
func writeHTML(c *gin.Context, status int, csp string, execute func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := execute(&buf); err != nil {
		return err
	}
	securityHeaders(c, csp)
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

func securityHeaders(c *gin.Context, csp string) {
	c.Header("Content-Security-Policy", csp)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Header("X-Frame-Options", "DENY")
}

// errorPage is the page of a refusal or a failure.
type errorPage struct {
	base
	Status  int
	Message string
}

// errorPage is fail's answer on a page route: to the login page when the
// session is gone, else the error page with p's status and message.
func (u *ui) errorPage(c *gin.Context, p problem) {
	if p.Status == http.StatusUnauthorized {
		u.toLogin(c)
		return
	}
	u.render(c, p.Status, "error", errorPage{base: u.base(c, "出错了", ""), Status: p.Status, Message: p.Message})
	c.Abort()
}

// fail answers a page request with err (see Server.fail).
func (u *ui) fail(c *gin.Context, err error) { u.s.fail(c, err) }

// refusal is err classified for a page that shows it on its own form, re-rendered
// with what was typed: render it with p.Status, p.Message and p.Fields (a 499
// renders nothing).
func (u *ui) refusal(c *gin.Context, err error) problem { return u.s.answer(c, err) }

// crossOrigin refuses cross-site form posts (Sec-Fetch-Site / Origin), the first
// layer under the per-session form token.
func (u *ui) crossOrigin(c *gin.Context) {
	if err := u.cop.Check(c.Request); err != nil {
		u.fail(c, &httpError{http.StatusForbidden, "cross_origin", "请求来自其他网站，已拒绝。请在本系统页面中提交表单。", nil})
		return
	}
	c.Next()
}

// csrfToken is the form token of a session: an HMAC of the session token, so it
// needs no storage and dies with the session.
func csrfToken(session string) string {
	if session == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte(csrfLabel))
	return hex.EncodeToString(m.Sum(nil))
}

// formTokenOK: the post carries the session's form token, in the form or, from
// the pages' own script only (a header no other site can set without a CORS
// preflight we never grant), in the X-CSRF-Token header.
func formTokenOK(c *gin.Context, fields map[string]string, session string) bool {
	want := []byte(csrfToken(session))
	if h := c.GetHeader(csrfHeader); h != "" && wantsJSON(c) && hmac.Equal([]byte(h), want) {
		return true
	}
	return hmac.Equal([]byte(fields[csrfField]), want)
}

var errCSRF = &httpError{http.StatusForbidden, "bad_form_token", "表单已过期或来源不明，请刷新页面后重新提交。", nil}

// form reads a posted form (urlencoded, or multipart with at most maxFiles files)
// and checks its token against the session's.
func (u *ui) form(c *gin.Context, maxFiles int) (map[string]string, []part, error) {
	fields := map[string]string{}
	var files []part
	if strings.HasPrefix(c.GetHeader("Content-Type"), "multipart/form-data") {
		max := u.s.evidence.MaxUpload()
		var err error
		if fields, files, err = readForm(c, int64(maxFiles)*int64(max)+1<<20, max, maxFiles); err != nil {
			// What was typed goes back to the form it came from, and only to it.
			if tok := c.GetString(tokenKey); tok != "" && !formTokenOK(c, fields, tok) {
				return nil, nil, errCSRF
			}
			return fields, nil, err
		}
	} else {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)
		if err := c.Request.ParseForm(); err != nil {
			return nil, nil, formErr(err)
		}
		for k, v := range c.Request.PostForm {
			if len(v) > 0 {
				fields[k] = v[0]
			}
		}
	}
	if tok := c.GetString(tokenKey); tok != "" && !formTokenOK(c, fields, tok) {
		return nil, nil, errCSRF
	}
	return fields, files, nil
}

// session lets a page through with a live session cookie, else sends the browser
// to the login page.
func (u *ui) session(c *gin.Context) {
	tok, err := c.Cookie(sessionCookie)
	if err != nil || tok == "" {
		u.toLogin(c)
		return
	}
	user, err := u.s.directory.Authenticate(c.Request.Context(), tok)
	if err != nil {
		if classify(c.Request.Context(), err).Status == http.StatusUnauthorized {
			u.setCookie(c, "", -1) // the session ended: fail sends the browser to log in again
		}
		u.fail(c, err)
		return
	}
	c.Set(userKey, user)
	c.Set(tokenKey, tok)
	c.Next()
}

func (u *ui) toLogin(c *gin.Context) {
	target := "/login"
	if c.Request.Method == http.MethodGet && c.Request.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(c.Request.URL.RequestURI())
	}
	c.Redirect(http.StatusSeeOther, target)
	c.Abort()
}

// setCookie sets (maxAge > 0) or clears (maxAge < 0) the session cookie.
func (u *ui) setCookie(c *gin.Context, token string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: u.secure(c.Request),
	})
}

// secure: the browser reached us over TLS, directly or through a trusted proxy
// that says so.
func (u *ui) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	for _, p := range u.proxies {
		if p.Contains(ap.Addr().Unmap()) {
			return true
		}
	}
	return false
}

// safeNext keeps a post-login redirect on this site: a path of its own, never
// "//host", "/\host" or an absolute URL, and nothing a browser would strip or
// fold first — any whitespace or control character ("/\t/evil.example" is
// "//evil.example" once the tab is dropped) is refused outright.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	for _, r := range next {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return ""
		}
	}
	return next
}

func (u *ui) home(c *gin.Context) {
	if currentUser(c).Role == model.RoleAdmin {
		c.Redirect(http.StatusSeeOther, "/hazards")
		return
	}
	c.Redirect(http.StatusSeeOther, "/queue")
}

// pageFuncs format values the same way on every page: days as 2026-11-28, moments
// as 2026-11-28 10:00, both in Asia/Shanghai.
var pageFuncs = template.FuncMap{
	"columnLabel": xlsx.HeaderOf,
	// percent shows a likeness of 0 to 1 as a whole percentage.
	"percent": func(x float64) string { return strconv.Itoa(int(math.Round(x*100))) + "%" },
	"day": func(v any) string {
		switch t := v.(type) {
		case time.Time:
			return t.In(model.Shanghai).Format("2006-01-02")
		case *time.Time:
			if t != nil {
				return t.In(model.Shanghai).Format("2006-01-02")
			}
		case model.Date:
			return t.String()
		case *model.Date:
			if t != nil {
				return t.String()
			}
		}
		return "—"
	},
	"when": func(v any) string {
		switch t := v.(type) {
		case time.Time:
			return t.In(model.Shanghai).Format("2006-01-02 15:04")
		case *time.Time:
			if t != nil {
				return t.In(model.Shanghai).Format("2006-01-02 15:04")
			}
		}
		return "—"
	},
	"step":  workflow.StepLabel,
	"more":  func(count int64, shown int) bool { return count > int64(shown) },
	"pct":   func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
	"deref": func(p *int64) int64 { return derefInt(p) },
	"degrees": func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', 6, 64) + "°"
	},
	// geo is a place as a geo: URI (RFC 5870), which a phone opens in its
	// own map application: no map is loaded by the page.
	"geo": func(lat, lng *float64) template.URL {
		if lat == nil || lng == nil {
			return ""
		}
		return template.URL("geo:" + strconv.FormatFloat(*lat, 'f', 6, 64) + "," + strconv.FormatFloat(*lng, 'f', 6, 64))
	},
	"money": func(p *float64) string {
		if p == nil {
			return "—"
		}
		return strconv.FormatFloat(*p, 'f', 2, 64)
	},
	"rewardLabel": func(status string) string { return rewardLabels[status] },
}

var rewardLabels = map[string]string{
	model.RewardEligible: "符合奖励条件，待核定", model.RewardProposed: "已核定，待审批",
	model.RewardApproved: "已批准，待发放", model.RewardPaid: "已发放", model.RewardDeclined: "不予奖励",
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
