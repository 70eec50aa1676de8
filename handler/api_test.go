package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"hazardloop/blob"
	"hazardloop/handler"
	"hazardloop/ledger"
	"hazardloop/model"
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

// The API tests drive the real gin engine over a real, migrated database of each
// dialect: no mocks. Every world starts at the same fixed moment.

// start is 2026-11-28 10:00 in Shanghai: today is 2026-11-28 for every deadline.
var start = time.Date(2026, 11, 28, 10, 0, 0, 0, model.Shanghai)

// clock is the engine's clock; tests move it by hand, never by sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// password is the password of every fixture account.
const password = "fixture-password-1"

// fixtureHash is bcrypt at the lowest cost. Fixture accounts are written through
// the store with it so that their logins are cheap (the engine's cost of 10 takes a
// second per hash under -race); Login takes the cost from the hash, so the login
// path is the real one. Accounts made through POST /users get the engine's cost.
var fixtureHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
})

var fixtureRegions = []workflow.RegionInput{
	{Code: "360000", Name: "江西省"},
	{Code: "360100", Name: "南昌市", ParentCode: "360000"},
	{Code: "360102", Name: "东湖区", ParentCode: "360100"},
	{Code: "360103", Name: "西湖区", ParentCode: "360100"},
	{Code: "360400", Name: "九江市", ParentCode: "360000"},
	{Code: "360402", Name: "濂溪区", ParentCode: "360400"},
}

// fixtureEnterprises by key: A in 东湖区, B in 西湖区 (both 南昌市), C in 濂溪区 (九江市).
var fixtureEnterprises = []struct{ key, name, region string }{
	{"A", "南昌东湖精细化工有限公司", "360102"},
	{"B", "南昌西湖建材加工厂", "360103"},
	{"C", "九江濂溪港口物流有限公司", "360402"},
}

var fixtureUsers = []struct {
	username, display string
	role              model.Role
	region, ent       string
}{
	{"admin", "系统管理员", model.RoleAdmin, "", ""},
	{"prov", "省厅监管员", model.RoleSupervisor, "360000", ""},
	{"city", "南昌市局监管员", model.RoleSupervisor, "360100", ""},
	{"donghu", "东湖区局监管员", model.RoleSupervisor, "360102", ""},
	{"donghu2", "东湖区局核查员", model.RoleSupervisor, "360102", ""},
	{"xihu", "西湖区局监管员", model.RoleSupervisor, "360103", ""},
	{"officer", "东湖区信息员", model.RoleOfficer, "360102", ""},
	{"officer2", "东湖区信息员二", model.RoleOfficer, "360102", ""},
	{"entA", "精细化工安全员", model.RoleEnterprise, "", "A"},
	{"entB", "西湖建材安全员", model.RoleEnterprise, "", "B"},
}

// world is one database with the fixture directory, the engine and the HTTP
// handler over it.
type world struct {
	store  *model.Store
	clock  *clock
	srv    http.Handler
	ents   map[string]*model.Enterprise
	users  map[string]*model.User
	tokens map[string]string
}

func newWorld(t *testing.T, dialect string) *world {
	t.Helper()
	return newWorldOn(t, modeltest.Open(t, dialect))
}

// newWorldOn is newWorld over a migrated store.
func newWorldOn(t *testing.T, store *model.Store) *world {
	t.Helper()
	ctx := context.Background()
	clk := &clock{now: start}
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	eng := workflow.New(store, workflow.Options{Now: clk.Now, Blobs: blobs, ReportKey: []byte("0123456789abcdef0123456789abcdef")})
	srv, err := handler.New(eng, ledger.New(store, eng.Hazards, nil), handler.Options{})
	if err != nil {
		t.Fatalf("handler.New: %v", err)
	}
	w := &world{store: store, clock: clk, srv: srv,
		ents: map[string]*model.Enterprise{}, users: map[string]*model.User{}, tokens: map[string]string{}}

	admin := workflow.Actor{Name: "测试管理员", Role: model.RoleAdmin}
	for _, r := range fixtureRegions {
		if _, err := eng.Directory.CreateRegion(ctx, admin, r); err != nil {
			t.Fatalf("region %s: %v", r.Code, err)
		}
	}
	for i, fe := range fixtureEnterprises {
		in := workflow.EnterpriseInput{Name: fe.name, RegionCode: fe.region, Industry: "工贸",
			CreditCode: creditCode(t, fmt.Sprintf("91%sMA3%06d", fe.region, i+1))}
		ent, err := eng.Directory.CreateEnterprise(ctx, admin, in)
		if err != nil {
			t.Fatalf("enterprise %s: %v", fe.key, err)
		}
		w.ents[fe.key] = ent
	}
	for _, fu := range fixtureUsers {
		u := &model.User{Username: fu.username, PasswordHash: fixtureHash(), DisplayName: fu.display,
			Role: fu.role, Active: true, CreatedAt: start.UTC()}
		if fu.region != "" {
			u.RegionCode = ptr(fu.region)
		}
		if fu.ent != "" {
			u.EnterpriseID, u.RegionCode = &w.ents[fu.ent].ID, &w.ents[fu.ent].RegionCode
		}
		if err := store.CreateUser(ctx, u); err != nil {
			t.Fatalf("user %s: %v", fu.username, err)
		}
		w.users[fu.username] = u
	}
	return w
}

// eachDialect runs fn on a fresh world of every dialect, as sub-tests named by
// dialect.
func eachDialect(t *testing.T, fn func(t *testing.T, w *world)) {
	t.Helper()
	t.Parallel()
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, newWorld(t, d))
		})
	}
}

func ptr[T any](v T) *T { return &v }

// creditCode completes 17 characters with their check character.
func creditCode(tb testing.TB, first17 string) string {
	tb.Helper()
	c := workflow.CreditCheckChar(first17)
	if c == 0 {
		tb.Fatalf("no check character for %q", first17)
	}
	return first17 + string(c)
}

// wrongCheck returns code with a check character that is in the alphabet but wrong.
func wrongCheck(code string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	i := strings.IndexByte(alphabet, code[17])
	return code[:17] + string(alphabet[(i+1)%len(alphabet)])
}

// ---- HTTP client ----

type obj = map[string]any

type client struct {
	t      *testing.T
	w      *world
	token  string
	header map[string]string
}

// as returns a client logged in as the fixture user (logging in on first use).
func (w *world) as(t *testing.T, username string) *client {
	t.Helper()
	tok, ok := w.tokens[username]
	if !ok {
		tok = w.login(t, username, password)
		w.tokens[username] = tok
	}
	return &client{t: t, w: w, token: tok}
}

// anon returns a client without a token.
func (w *world) anon(t *testing.T) *client { return &client{t: t, w: w} }

// forgetLogins drops the cached tokens (after the clock moved past their expiry).
func (w *world) forgetLogins() { clear(w.tokens) }

func (w *world) login(t *testing.T, username, pw string) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	w.anon(t).post("/api/v1/login", obj{"username": username, "password": pw}).want(http.StatusOK).decode(&out)
	if len(out.Token) < 32 {
		t.Fatalf("login %s: token %q too short", username, out.Token)
	}
	return out.Token
}

type response struct {
	t            *testing.T
	method, path string
	status       int
	header       http.Header
	body         []byte
}

// do sends body (nil, a raw string, or a value sent as JSON) and checks what every
// answer must satisfy: never a 5xx, and JSON unless 204.
func (c *client) do(method, path string, body any) *response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	c.w.srv.ServeHTTP(rec, req)
	r := &response{t: c.t, method: method, path: path, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if r.status >= 500 && path != "/readyz" { // only readiness may say 503
		c.t.Errorf("%s %s: status %d, never a 5xx: %s", method, path, r.status, r.body)
	}
	if r.status != http.StatusNoContent {
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			c.t.Errorf("%s %s: Content-Type %q, want JSON", method, path, ct)
		}
		if !json.Valid(r.body) {
			c.t.Errorf("%s %s: body is not JSON: %q", method, path, r.body)
		}
	}
	return r
}

func (c *client) get(path string) *response { c.t.Helper(); return c.do(http.MethodGet, path, nil) }
func (c *client) post(path string, body any) *response {
	c.t.Helper()
	return c.do(http.MethodPost, path, body)
}

func (r *response) want(status int) *response {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("%s %s: status %d, want %d; body %s", r.method, r.path, r.status, status, r.body)
	}
	return r
}

func (r *response) decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("%s %s: decode %s: %v", r.method, r.path, r.body, err)
	}
}

func (r *response) object() obj {
	r.t.Helper()
	var m obj
	r.decode(&m)
	return m
}

type apiError struct {
	Error     string            `json:"error"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields"`
	Allowed   []string          `json:"allowed"`
	RequestID string            `json:"request_id"`
}

// wantError checks a refusal: its status and code, a Chinese message, the request
// id of the response, and exactly the named fields, each with a Chinese message.
func (r *response) wantError(status int, code string, fields ...string) apiError {
	r.t.Helper()
	r.want(status)
	var e apiError
	r.decode(&e)
	if e.Error != code {
		r.t.Errorf("%s %s: error %q, want %q (%s)", r.method, r.path, e.Error, code, r.body)
	}
	if !hasHan(e.Message) {
		r.t.Errorf("%s %s: message %q is not Chinese", r.method, r.path, e.Message)
	}
	if e.RequestID == "" || e.RequestID != r.header.Get("X-Request-ID") {
		r.t.Errorf("%s %s: request_id %q, header X-Request-ID %q", r.method, r.path, e.RequestID, r.header.Get("X-Request-ID"))
	}
	slices.Sort(fields)
	if got := slices.Sorted(maps.Keys(e.Fields)); !slices.Equal(got, fields) {
		r.t.Errorf("%s %s: fields %v, want %v (%s)", r.method, r.path, got, fields, r.body)
	}
	for k, v := range e.Fields {
		if !hasHan(v) {
			r.t.Errorf("%s %s: field %s: message %q is not Chinese", r.method, r.path, k, v)
		}
	}
	return e
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func wantContains(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s %q does not contain %q", what, got, want)
	}
}

// ---- hazards ----

// hazard is a hazard as the API returns it.
type hazard struct {
	ID                  int64      `json:"id"`
	Code                string     `json:"code"`
	Title               string     `json:"title"`
	Description         string     `json:"description"`
	Source              string     `json:"source"`
	Level               string     `json:"level"`
	RegionCode          string     `json:"region_code"`
	EnterpriseID        *int64     `json:"enterprise_id"`
	Latitude            *float64   `json:"latitude"`
	Longitude           *float64   `json:"longitude"`
	DiscoveredAt        time.Time  `json:"discovered_at"`
	State               string     `json:"state"`
	Version             int        `json:"version"`
	EscalationLevel     int        `json:"escalation_level"`
	ListedSupervision   bool       `json:"listed_supervision"`
	ProductionSuspended bool       `json:"production_suspended"`
	BasisStandard       string     `json:"basis_standard"`
	BasisClause         string     `json:"basis_clause"`
	Measures            string     `json:"measures"`
	ResponsibleUnit     string     `json:"responsible_unit"`
	ResponsiblePerson   string     `json:"responsible_person"`
	ResponsiblePhone    string     `json:"responsible_phone"`
	Funds               *float64   `json:"funds"`
	FundsSource         string     `json:"funds_source"`
	Deadline            *string    `json:"deadline"`
	EmergencyPlan       string     `json:"emergency_plan"`
	DuplicateOf         *int64     `json:"duplicate_of"`
	CreatedBy           *int64     `json:"created_by"`
	ListedAt            *time.Time `json:"listed_at"`
	PlannedAt           *time.Time `json:"planned_at"`
	SubmittedBy         *int64     `json:"submitted_by"`
	SubmittedAt         *time.Time `json:"submitted_at"`
	VerifiedBy          *int64     `json:"verified_by"`
	VerifiedAt          *time.Time `json:"verified_at"`
	ClosedAt            *time.Time `json:"closed_at"`
	LastSeq             int64      `json:"last_seq"`
	ChainHead           string     `json:"chain_head"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	Overdue             bool       `json:"overdue"`
	AllowedEvents       []string   `json:"allowed_events"`
	PrimaryEvents       []string   `json:"primary_events"`
	OnBehalfEvents      []string   `json:"on_behalf_events"`
}

type page struct {
	Items      []hazard `json:"items"`
	NextCursor string   `json:"next_cursor"`
}

type event struct {
	ID        int64     `json:"id"`
	HazardID  int64     `json:"hazard_id"`
	Seq       int64     `json:"seq"`
	Event     string    `json:"event"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	ActorID   *int64    `json:"actor_id"`
	Actor     string    `json:"actor"`
	Role      string    `json:"role"`
	Comment   string    `json:"comment"`
	Payload   obj       `json:"payload"`
	CreatedAt time.Time `json:"created_at"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

var (
	codePattern = regexp.MustCompile(`^YH-\d{6}-\d{8}-\d{4}$`)
	hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func hazardPath(id int64) string { return "/api/v1/hazards/" + strconv.FormatInt(id, 10) }

func (c *client) createHazard(body obj) hazard {
	c.t.Helper()
	var h hazard
	c.post("/api/v1/hazards", body).want(http.StatusCreated).decode(&h)
	if h.ID <= 0 || !codePattern.MatchString(h.Code) || h.State != "discovered" || h.Version != 1 {
		c.t.Fatalf("created hazard: id %d code %q state %q version %d", h.ID, h.Code, h.State, h.Version)
	}
	return h
}

func (c *client) hazard(id int64) hazard {
	c.t.Helper()
	var h hazard
	c.get(hazardPath(id)).want(http.StatusOK).decode(&h)
	return h
}

func (c *client) events(id int64) []event {
	c.t.Helper()
	var out struct {
		Items []event `json:"items"`
	}
	c.get(hazardPath(id) + "/events").want(http.StatusOK).decode(&out)
	return out.Items
}

func (c *client) list(query string) page {
	c.t.Helper()
	var p page
	c.get("/api/v1/hazards?" + query).want(http.StatusOK).decode(&p)
	return p
}

// fire sends event at the version h was read at, with fields.
func (c *client) fire(h hazard, ev string, fields obj) *response {
	c.t.Helper()
	body := obj{"event": ev, "version": h.Version}
	maps.Copy(body, fields)
	return c.post(hazardPath(h.ID)+"/events", body)
}

// testPDF is the smallest file the evidence check takes for a document.
var testPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// proof uploads a document as proof of rectification and returns the hazard at
// its new version.
func (c *client) proof(h hazard) hazard {
	c.t.Helper()
	c.upload(hazardPath(h.ID)+"/evidence", "整改报告.pdf", testPDF, map[string]string{"kind": "document", "note": "整改报告"}).want(http.StatusCreated)
	return c.hazard(h.ID)
}

// assess uploads the assessment report (评估报告) that lifting a major hazard's
// listed supervision rests on, and returns the hazard at its new version.
func (c *client) assess(h hazard) hazard {
	c.t.Helper()
	c.upload(hazardPath(h.ID)+"/evidence", "评估报告.pdf", testPDF, map[string]string{"kind": "assessment", "note": "整改评估报告"}).want(http.StatusCreated)
	return c.hazard(h.ID)
}

// mustFire fires an event that must succeed and returns the hazard after it.
// Before submit it uploads the proof that submit needs.
func (c *client) mustFire(h hazard, ev string, fields obj) hazard {
	c.t.Helper()
	if ev == "submit" {
		h = c.proof(h)
	}
	var next hazard
	c.fire(h, ev, fields).want(http.StatusOK).decode(&next)
	if next.ID != h.ID || next.Version != h.Version+1 {
		c.t.Fatalf("%s: hazard %d version %d → %d/%d, want %d", ev, h.ID, h.Version, next.ID, next.Version, h.Version+1)
	}
	return next
}

func ids(hs []hazard) []int64 {
	out := make([]int64, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	return out
}

// newestFirst returns the ids of hs ordered as the list orders them.
func newestFirst(hs ...hazard) []int64 {
	out := ids(hs)
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// ---- tests ----

func TestHealthAndRoutes(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		anon := w.anon(t)
		if got := anon.get("/healthz").want(http.StatusOK).object(); got["status"] != "ok" {
			t.Errorf("healthz: %v", got)
		}
		if got := anon.get("/readyz").want(http.StatusOK).object(); got["status"] != "ready" {
			t.Errorf("readyz: %v", got)
		}
		for _, path := range []string{"/nope", "/api/v1/nope", "/api/v1/hazards/1/nope"} {
			e := anon.get(path).wantError(http.StatusNotFound, "not_found")
			if e.Message != "请求的地址不存在" {
				t.Errorf("GET %s: message %q", path, e.Message)
			}
		}
		// Authenticated routes are authenticated on every method they have, but an
		// unknown method is refused before that.
		anon.do(http.MethodDelete, "/api/v1/hazards", nil).wantError(http.StatusMethodNotAllowed, "method_not_allowed")
		w.as(t, "admin").do(http.MethodPut, "/api/v1/regions", obj{}).wantError(http.StatusMethodNotAllowed, "method_not_allowed")

		// A database that no longer answers makes the service unready, not unhealthy.
		if err := w.store.Close(); err != nil {
			t.Fatal(err)
		}
		anon.get("/healthz").want(http.StatusOK)
		got := anon.get("/readyz").want(http.StatusServiceUnavailable).object()
		if got["status"] != "unavailable" || !hasHan(fmt.Sprint(got["message"])) {
			t.Errorf("readyz on a closed database: %v", got)
		}
	})
}

func TestLogin(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		t.Run("good", func(t *testing.T) {
			r := w.anon(t).post("/api/v1/login", obj{"username": "donghu", "password": password}).want(http.StatusOK)
			var out struct {
				Token string `json:"token"`
				User  obj    `json:"user"`
			}
			r.decode(&out)
			if len(out.Token) < 32 {
				t.Errorf("token %q", out.Token)
			}
			u := out.User
			if u["username"] != "donghu" || u["role"] != "supervisor" || u["region_code"] != "360102" ||
				u["id"] != float64(w.users["donghu"].ID) || u["display_name"] != "东湖区局监管员" {
				t.Errorf("user %v", u)
			}
			for k := range u {
				if strings.Contains(strings.ToLower(k), "password") {
					t.Errorf("login answer shows %s", k)
				}
			}
			me := (&client{t: t, w: w, token: out.Token}).get("/api/v1/me").want(http.StatusOK).object()
			if me["username"] != "donghu" {
				t.Errorf("me: %v", me)
			}
		})

		t.Run("bad credentials", func(t *testing.T) {
			cases := []struct{ name, username, password string }{
				{"wrong password", "donghu", "not-the-password"},
				{"unknown user", "nobody", password},
				{"password over 72 bytes", "donghu", password + strings.Repeat("x", 72)},
				{"empty", "", ""},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					e := w.anon(t).post("/api/v1/login", obj{"username": tc.username, "password": tc.password}).
						wantError(http.StatusUnauthorized, "bad_credentials")
					// The same sentence whichever was wrong: no user enumeration.
					if e.Message != "用户名或密码错误" {
						t.Errorf("message %q", e.Message)
					}
				})
			}
		})

		t.Run("malformed body", func(t *testing.T) {
			w.anon(t).post("/api/v1/login", `{"username": "donghu"`).wantError(http.StatusBadRequest, "invalid_json")
			w.anon(t).post("/api/v1/login", obj{"username": "donghu", "pass": password}).
				wantError(http.StatusBadRequest, "invalid_json", "pass")
		})

		t.Run("bearer required", func(t *testing.T) {
			routes := []struct{ method, path string }{
				{"POST", "/api/v1/logout"}, {"GET", "/api/v1/me"},
				{"GET", "/api/v1/regions"}, {"POST", "/api/v1/regions"},
				{"GET", "/api/v1/enterprises"}, {"POST", "/api/v1/enterprises"},
				{"GET", "/api/v1/users"}, {"POST", "/api/v1/users"},
				{"GET", "/api/v1/hazards"}, {"POST", "/api/v1/hazards"},
				{"GET", "/api/v1/hazards/1"}, {"GET", "/api/v1/hazards/1/events"},
				{"POST", "/api/v1/hazards/1/events"}, {"GET", "/api/v1/hazards/1/verify"},
			}
			auths := []struct{ name, header, message string }{
				{"none", "", "请先登录"},
				{"empty bearer", "Bearer ", "请先登录"},
				{"basic", "Basic ZG9uZ2h1OnBhc3N3b3Jk", "请先登录"},
				{"unknown token", "Bearer not-a-session-token", "登录已失效，请重新登录"},
			}
			for _, rt := range routes {
				for _, a := range auths {
					c := w.anon(t)
					if a.header != "" {
						c.header = map[string]string{"Authorization": a.header}
					}
					r := c.do(rt.method, rt.path, obj{})
					e := r.wantError(http.StatusUnauthorized, "unauthorized")
					if e.Message != a.message {
						t.Errorf("%s %s with %s: message %q, want %q", rt.method, rt.path, a.name, e.Message, a.message)
					}
					if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
						t.Errorf("%s %s with %s: WWW-Authenticate %q", rt.method, rt.path, a.name, r.header.Get("WWW-Authenticate"))
					}
				}
			}
		})

		t.Run("logout", func(t *testing.T) {
			first := &client{t: t, w: w, token: w.login(t, "officer", password)}
			second := &client{t: t, w: w, token: w.login(t, "officer", password)}
			r := first.post("/api/v1/logout", nil).want(http.StatusNoContent)
			if len(r.body) != 0 {
				t.Errorf("logout body %q", r.body)
			}
			first.get("/api/v1/me").wantError(http.StatusUnauthorized, "unauthorized")
			first.post("/api/v1/logout", nil).wantError(http.StatusUnauthorized, "unauthorized")
			// Another login of the same user lives on.
			if me := second.get("/api/v1/me").want(http.StatusOK).object(); me["username"] != "officer" {
				t.Errorf("me: %v", me)
			}
		})

		t.Run("session expires", func(t *testing.T) {
			c := &client{t: t, w: w, token: w.login(t, "city", password)}
			w.clock.Set(start.Add(12*time.Hour - time.Second))
			c.get("/api/v1/me").want(http.StatusOK)
			w.clock.Set(start.Add(12*time.Hour + time.Second))
			c.get("/api/v1/me").wantError(http.StatusUnauthorized, "unauthorized")
			fresh := &client{t: t, w: w, token: w.login(t, "city", password)}
			fresh.get("/api/v1/me").want(http.StatusOK)
			w.clock.Set(start)
			w.forgetLogins()
		})

		t.Run("request id", func(t *testing.T) {
			c := w.anon(t)
			c.header = map[string]string{"X-Request-ID": "trace-42_a"}
			if e := c.get("/api/v1/me").wantError(http.StatusUnauthorized, "unauthorized"); e.RequestID != "trace-42_a" {
				t.Errorf("request_id %q, want the client's", e.RequestID)
			}
			c.header = map[string]string{"X-Request-ID": "bad id!"}
			e := c.get("/api/v1/me").wantError(http.StatusUnauthorized, "unauthorized")
			if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(e.RequestID) {
				t.Errorf("request_id %q: an insane client id must be replaced", e.RequestID)
			}
		})
	})
}

func TestAdminRegions(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		admin := w.as(t, "admin")
		var r struct {
			Code       string  `json:"code"`
			Name       string  `json:"name"`
			ParentCode *string `json:"parent_code"`
			Level      int     `json:"level"`
		}
		admin.post("/api/v1/regions", obj{"code": "360104", "name": "青云谱区", "parent_code": "360100"}).
			want(http.StatusCreated).decode(&r)
		if r.Code != "360104" || r.Name != "青云谱区" || r.ParentCode == nil || *r.ParentCode != "360100" || r.Level != 3 {
			t.Errorf("created region %+v", r)
		}

		listCodes := func(c *client) []string {
			t.Helper()
			var out struct {
				Items []struct {
					Code string `json:"code"`
				} `json:"items"`
			}
			c.get("/api/v1/regions").want(http.StatusOK).decode(&out)
			var codes []string
			for _, it := range out.Items {
				codes = append(codes, it.Code)
			}
			return codes
		}
		want := []string{"360000", "360100", "360102", "360103", "360104", "360400", "360402"}
		// Division codes are public: any user lists them, in code order.
		if got := listCodes(w.as(t, "entA")); !slices.Equal(got, want) {
			t.Errorf("regions %v, want %v", got, want)
		}

		for _, user := range []string{"donghu", "prov", "officer", "entA"} {
			e := w.as(t, user).post("/api/v1/regions", obj{"code": "360105", "name": "青山湖区", "parent_code": "360100"}).
				wantError(http.StatusForbidden, "forbidden")
			if e.Message != "仅系统管理员可以执行此操作" {
				t.Errorf("%s: message %q", user, e.Message)
			}
		}
		admin.post("/api/v1/regions", obj{"code": "360104", "name": "又一个", "parent_code": "360100"}).
			wantError(http.StatusConflict, "duplicate", "code")

		bad := []struct {
			name   string
			body   any
			code   string
			fields []string
		}{
			{"short code and no name", obj{"code": "12", "name": ""}, "invalid_fields", []string{"code", "name"}},
			{"letters and a long name", obj{"code": "36010a", "name": strings.Repeat("名", 51), "parent_code": "360100"}, "invalid_fields", []string{"code", "name"}},
			{"county without parent", obj{"code": "360105", "name": "青山湖区"}, "invalid_fields", []string{"parent_code"}},
			{"outside the parent", obj{"code": "360203", "name": "浮梁县", "parent_code": "360100"}, "invalid_fields", []string{"parent_code"}},
			{"unknown parent", obj{"code": "360105", "name": "青山湖区", "parent_code": "369900"}, "invalid_fields", []string{"parent_code"}},
			{"parent below the child", obj{"code": "360100", "name": "南昌", "parent_code": "360102"}, "invalid_fields", []string{"parent_code"}},
			{"all zeros", obj{"code": "000000", "name": "无"}, "invalid_fields", []string{"code"}},
			{"unknown field", obj{"code": "360105", "name": "青山湖区", "parent_code": "360100", "population": 5}, "invalid_json", []string{"population"}},
			{"wrong type", obj{"code": 360105, "name": "青山湖区"}, "invalid_json", []string{"code"}},
			{"not an object", `["360105"]`, "invalid_json", nil},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				w.as(t, "admin").post("/api/v1/regions", tc.body).wantError(http.StatusBadRequest, tc.code, tc.fields...)
			})
		}
		if got := listCodes(admin); !slices.Equal(got, want) {
			t.Errorf("after refusals: regions %v, want %v", got, want)
		}
	})
}

func TestAdminEnterprises(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		admin := w.as(t, "admin")
		code := creditCode(t, "91360102MA3999999")
		var ent struct {
			ID         int64  `json:"id"`
			Name       string `json:"name"`
			CreditCode string `json:"credit_code"`
			RegionCode string `json:"region_code"`
		}
		// Lower case is read as upper case.
		admin.post("/api/v1/enterprises", obj{"name": "东湖印刷厂", "credit_code": " " + strings.ToLower(code) + " ", "region_code": "360102", "industry": "工贸"}).
			want(http.StatusCreated).decode(&ent)
		if ent.ID <= 0 || ent.Name != "东湖印刷厂" || ent.CreditCode != code || ent.RegionCode != "360102" {
			t.Errorf("created enterprise %+v (code %s)", ent, code)
		}
		for _, id := range []int64{w.ents["A"].ID, w.ents["B"].ID, w.ents["C"].ID} {
			if ent.ID == id {
				t.Errorf("new enterprise reuses id %d", id)
			}
		}

		admin.post("/api/v1/enterprises", obj{"name": "重名", "credit_code": code, "region_code": "360103"}).
			wantError(http.StatusConflict, "duplicate", "credit_code")

		for _, user := range []string{"prov", "officer", "entA"} {
			w.as(t, user).post("/api/v1/enterprises", obj{"name": "某厂", "credit_code": creditCode(t, "91360102MA3888888"), "region_code": "360102"}).
				wantError(http.StatusForbidden, "forbidden")
		}

		other := creditCode(t, "91360103MA3777777")
		bad := []struct {
			name   string
			body   obj
			fields []string
		}{
			{"wrong check character", obj{"name": "某厂", "credit_code": wrongCheck(other), "region_code": "360103"}, []string{"credit_code"}},
			{"17 characters", obj{"name": "某厂", "credit_code": other[:17], "region_code": "360103"}, []string{"credit_code"}},
			{"letter outside the alphabet", obj{"name": "某厂", "credit_code": "91360103MA3I77777" + other[17:], "region_code": "360103"}, []string{"credit_code"}},
			{"unknown region", obj{"name": "某厂", "credit_code": other, "region_code": "369999"}, []string{"region_code"}},
			{"nothing", obj{}, []string{"name", "credit_code", "region_code"}},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				w.as(t, "admin").post("/api/v1/enterprises", tc.body).wantError(http.StatusBadRequest, "invalid_fields", tc.fields...)
			})
		}
		// The code with the right check character is fine.
		w.as(t, "admin").post("/api/v1/enterprises", obj{"name": "西湖某厂", "credit_code": other, "region_code": "360103"}).want(http.StatusCreated)

		// Each user lists the enterprises of their territory.
		entIDs := func(user string) []int64 {
			var out struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
			}
			w.as(t, user).get("/api/v1/enterprises").want(http.StatusOK).decode(&out)
			var got []int64
			for _, it := range out.Items {
				got = append(got, it.ID)
			}
			return got
		}
		a, b, c := w.ents["A"].ID, w.ents["B"].ID, w.ents["C"].ID
		if got := entIDs("admin"); len(got) != 5 {
			t.Errorf("admin sees %d enterprises, want 5", len(got))
		}
		if got := entIDs("entA"); !slices.Equal(got, []int64{a}) {
			t.Errorf("entA sees %v", got)
		}
		if got := entIDs("donghu"); !slices.Equal(got, []int64{a, ent.ID}) {
			t.Errorf("donghu sees %v, want %v", got, []int64{a, ent.ID})
		}
		if got := entIDs("prov"); len(got) != 5 || !slices.Contains(got, c) || !slices.Contains(got, b) {
			t.Errorf("prov sees %v", got)
		}
		if got := entIDs("city"); slices.Contains(got, c) || len(got) != 4 {
			t.Errorf("city sees %v: its four, not 九江's", got)
		}
	})
}

func TestAdminUsers(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		admin := w.as(t, "admin")
		sup := admin.post("/api/v1/users", obj{"username": "newsup", "password": "long-enough-pw", "display_name": "新监管员",
			"role": "supervisor", "region_code": "360103"}).want(http.StatusCreated).object()
		if id, _ := sup["id"].(float64); id <= 0 || sup["username"] != "newsup" || sup["role"] != "supervisor" ||
			sup["region_code"] != "360103" || sup["enterprise_id"] != nil || sup["active"] != true {
			t.Errorf("created user %v", sup)
		}
		// An enterprise user takes the enterprise's region.
		entUser := admin.post("/api/v1/users", obj{"username": "newent", "password": "long-enough-pw", "role": "enterprise",
			"enterprise_id": w.ents["B"].ID}).want(http.StatusCreated).object()
		if entUser["region_code"] != "360103" || entUser["enterprise_id"] != float64(w.ents["B"].ID) {
			t.Errorf("created enterprise user %v", entUser)
		}
		for _, u := range []obj{sup, entUser} {
			for k := range u {
				if strings.Contains(strings.ToLower(k), "password") {
					t.Errorf("user answer shows %s", k)
				}
			}
		}

		// The new account logs in with the password it was given (hashed by the engine).
		c := &client{t: t, w: w, token: w.login(t, "newsup", "long-enough-pw")}
		if me := c.get("/api/v1/me").want(http.StatusOK).object(); me["id"] != sup["id"] {
			t.Errorf("me %v", me)
		}

		var list struct {
			Items []obj `json:"items"`
		}
		admin.get("/api/v1/users").want(http.StatusOK).decode(&list)
		if len(list.Items) != len(fixtureUsers)+2 {
			t.Errorf("%d users, want %d", len(list.Items), len(fixtureUsers)+2)
		}
		var names []string
		for _, u := range list.Items {
			names = append(names, fmt.Sprint(u["username"]))
			if _, ok := u["password_hash"]; ok {
				t.Errorf("user list shows password_hash")
			}
		}
		if !slices.Contains(names, "newsup") || !slices.Contains(names, "newent") {
			t.Errorf("user list %v", names)
		}

		for _, user := range []string{"prov", "donghu", "officer", "entA", "newsup"} {
			cl := c // newsup has its own password
			if user != "newsup" {
				cl = w.as(t, user)
			}
			cl.get("/api/v1/users").wantError(http.StatusForbidden, "forbidden")
			cl.post("/api/v1/users", obj{"username": "sneaky", "password": "long-enough-pw", "role": "admin"}).
				wantError(http.StatusForbidden, "forbidden")
		}

		admin.post("/api/v1/users", obj{"username": "donghu", "password": "long-enough-pw", "role": "officer", "region_code": "360102"}).
			wantError(http.StatusConflict, "duplicate", "username")

		entA := w.ents["A"].ID
		bad := []struct {
			name   string
			body   obj
			code   string
			fields []string
		}{
			{"everything wrong", obj{"username": "a", "password": "short", "role": "boss"}, "invalid_fields", []string{"username", "password", "role", "region_code"}},
			{"space in username", obj{"username": "a b", "password": "long-enough-pw", "role": "officer", "region_code": "360102"}, "invalid_fields", []string{"username"}},
			{"password over 72 bytes", obj{"username": "longpw", "password": strings.Repeat("p", 73), "role": "officer", "region_code": "360102"}, "invalid_fields", []string{"password"}},
			{"enterprise user without enterprise", obj{"username": "ent2", "password": "long-enough-pw", "role": "enterprise"}, "invalid_fields", []string{"enterprise_id"}},
			{"unknown enterprise", obj{"username": "ent2", "password": "long-enough-pw", "role": "enterprise", "enterprise_id": 999999}, "invalid_fields", []string{"enterprise_id"}},
			{"staff with enterprise", obj{"username": "sup2", "password": "long-enough-pw", "role": "supervisor", "region_code": "360102", "enterprise_id": entA}, "invalid_fields", []string{"enterprise_id"}},
			{"staff without region", obj{"username": "sup2", "password": "long-enough-pw", "role": "officer"}, "invalid_fields", []string{"region_code"}},
			{"unknown region", obj{"username": "sup2", "password": "long-enough-pw", "role": "officer", "region_code": "369999"}, "invalid_fields", []string{"region_code"}},
			{"wrong type", obj{"username": 5, "password": "long-enough-pw", "role": "officer", "region_code": "360102"}, "invalid_json", []string{"username"}},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				w.as(t, "admin").post("/api/v1/users", tc.body).wantError(http.StatusBadRequest, tc.code, tc.fields...)
			})
		}
		admin.get("/api/v1/users").want(http.StatusOK).decode(&list)
		if len(list.Items) != len(fixtureUsers)+2 {
			t.Errorf("after refusals: %d users, want %d", len(list.Items), len(fixtureUsers)+2)
		}
	})
}

func TestCreateHazard(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		entA := w.ents["A"]
		seq := 0 // hazards numbered in 360102 on 2026-11-28
		wantCode := func(t *testing.T, h hazard, region, day string) {
			t.Helper()
			if region == "360102" && day == "20261128" {
				seq++
			}
			if want := fmt.Sprintf("YH-%s-%s-%04d", region, day, seq); region == "360102" && day == "20261128" && h.Code != want {
				t.Errorf("code %q, want %q (numbers are gap-free per region and day)", h.Code, want)
			}
			if !strings.HasPrefix(h.Code, "YH-"+region+"-"+day+"-") {
				t.Errorf("code %q, want region %s and day %s", h.Code, region, day)
			}
		}

		t.Run("supervisor", func(t *testing.T) {
			h := w.as(t, "donghu").createHazard(obj{"title": " 配电室未设挡鼠板 ", "description": "配电室门口无挡鼠板",
				"region_code": "360102", "enterprise_id": entA.ID, "location": "2号车间"})
			wantCode(t, h, "360102", "20261128")
			if h.Title != "配电室未设挡鼠板" || h.Source != "supervisory_check" || h.Level != "general" ||
				h.RegionCode != "360102" || h.EnterpriseID == nil || *h.EnterpriseID != entA.ID ||
				h.CreatedBy == nil || *h.CreatedBy != w.users["donghu"].ID || !h.DiscoveredAt.Equal(start) {
				t.Errorf("hazard %+v", h)
			}
			if h.LastSeq != 1 || !hashPattern.MatchString(h.ChainHead) || h.Overdue || h.Deadline != nil {
				t.Errorf("chain %d %q, overdue %v, deadline %v", h.LastSeq, h.ChainHead, h.Overdue, h.Deadline)
			}
			if !slices.Equal(h.AllowedEvents, []string{"confirm", "dismiss", "transfer"}) {
				t.Errorf("allowed_events %v", h.AllowedEvents)
			}
			// What was answered is what was stored.
			got := w.as(t, "donghu").hazard(h.ID)
			if got.Code != h.Code || got.Title != h.Title || !got.DiscoveredAt.Equal(h.DiscoveredAt) || got.ChainHead != h.ChainHead {
				t.Errorf("stored %+v, answered %+v", got, h)
			}
		})

		t.Run("enterprise", func(t *testing.T) {
			h := w.as(t, "entA").createHazard(obj{"title": "罐区可燃气体报警器失效", "discovered_at": "2026-11-20"})
			wantCode(t, h, "360102", "20261128")
			if h.Source != "self_inspection" || h.RegionCode != entA.RegionCode || h.EnterpriseID == nil || *h.EnterpriseID != entA.ID {
				t.Errorf("hazard %+v", h)
			}
			// A bare date is midnight in Shanghai.
			if want := time.Date(2026, 11, 20, 0, 0, 0, 0, model.Shanghai); !h.DiscoveredAt.Equal(want) {
				t.Errorf("discovered_at %v, want %v", h.DiscoveredAt, want)
			}
			if !slices.Equal(h.AllowedEvents, []string{"confirm"}) {
				t.Errorf("enterprise allowed_events %v, want [confirm]", h.AllowedEvents)
			}
		})

		t.Run("officer", func(t *testing.T) {
			h := w.as(t, "officer").createHazard(obj{"title": "沿街商铺违规存放液化气钢瓶", "region_code": "360102"})
			wantCode(t, h, "360102", "20261128")
			if h.Source != "officer_report" || h.EnterpriseID != nil {
				t.Errorf("hazard %+v", h)
			}
			h = w.as(t, "officer").createHazard(obj{"title": "群众反映：楼道堆放电动车", "region_code": "360102", "source": "public_report"})
			wantCode(t, h, "360102", "20261128")
			if h.Source != "public_report" {
				t.Errorf("source %q", h.Source)
			}
		})

		t.Run("major at discovery", func(t *testing.T) {
			h := w.as(t, "city").createHazard(obj{"title": "反应釜紧急切断装置未投用", "level": "重大", "enterprise_id": entA.ID})
			wantCode(t, h, "360102", "20261128") // the enterprise's region
			if h.Level != "major" || h.RegionCode != "360102" {
				t.Errorf("hazard %+v", h)
			}
		})

		t.Run("refused", func(t *testing.T) {
			cases := []struct {
				name   string
				user   string
				body   obj
				status int
				code   string
				fields []string
			}{
				{"nothing", "donghu", obj{}, 400, "invalid_fields", []string{"title", "region_code"}},
				{"unknown region", "donghu", obj{"title": "x", "region_code": "369999"}, 400, "invalid_fields", []string{"region_code"}},
				{"bad source, level and date", "donghu", obj{"title": "x", "region_code": "360102", "source": "magic", "level": "严重", "discovered_at": "yesterday"},
					400, "invalid_fields", []string{"source", "level", "discovered_at"}},
				{"future discovery", "donghu", obj{"title": "x", "region_code": "360102", "discovered_at": "2026-12-01"}, 400, "invalid_fields", []string{"discovered_at"}},
				{"title too long", "donghu", obj{"title": strings.Repeat("隐", 201), "region_code": "360102"}, 400, "invalid_fields", []string{"title"}},
				{"unknown enterprise", "donghu", obj{"title": "x", "region_code": "360102", "enterprise_id": 999999}, 400, "invalid_fields", []string{"enterprise_id"}},
				{"officer as supervisory check", "officer", obj{"title": "x", "region_code": "360102", "source": "supervisory_check"}, 400, "invalid_fields", []string{"source"}},
				{"enterprise as public report", "entA", obj{"title": "x", "source": "public_report"}, 400, "invalid_fields", []string{"source"}},
				{"enterprise elsewhere", "entA", obj{"title": "x", "region_code": "360103"}, 400, "invalid_fields", []string{"region_code"}},
				{"unknown field", "donghu", obj{"title": "x", "region_code": "360102", "severity": 3}, 400, "invalid_json", []string{"severity"}},
				{"another county", "donghu", obj{"title": "x", "region_code": "360103"}, 403, "forbidden", nil},
				{"another county's enterprise", "donghu", obj{"title": "x", "enterprise_id": w.ents["B"].ID}, 403, "forbidden", nil},
				{"another enterprise", "entA", obj{"title": "x", "enterprise_id": w.ents["B"].ID}, 403, "forbidden", nil},
				{"admin", "admin", obj{"title": "x", "region_code": "360102"}, 403, "forbidden", nil},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					w.as(t, tc.user).post("/api/v1/hazards", tc.body).wantError(tc.status, tc.code, tc.fields...)
				})
			}
			// Refusals write nothing and use no number.
			h := w.as(t, "donghu").createHazard(obj{"title": "消防通道堆放杂物", "region_code": "360102"})
			wantCode(t, h, "360102", "20261128")
			if got := w.as(t, "admin").list("limit=200").Items; len(got) != seq {
				t.Errorf("%d hazards stored, want %d", len(got), seq)
			}
		})

		t.Run("day in Shanghai", func(t *testing.T) {
			// 00:30 on the 29th in Shanghai is still the 28th in UTC: codes and
			// deadlines follow Shanghai.
			w.clock.Set(time.Date(2026, 11, 29, 0, 30, 0, 0, model.Shanghai))
			w.forgetLogins() // the clock moved past the sessions' expiry
			defer func() { w.clock.Set(start); w.forgetLogins() }()
			donghu := w.as(t, "donghu")
			h := donghu.createHazard(obj{"title": "夜间巡查发现：配电箱未上锁", "region_code": "360102"})
			if h.Code != "YH-360102-20261129-0001" {
				t.Errorf("code %q, want the first number of 2026-11-29", h.Code)
			}
			donghu.fire(h, "confirm", obj{"responsible_unit": "东湖区城管局", "deadline": "2026-11-28"}).
				wantError(http.StatusBadRequest, "invalid_fields", "deadline")
			h = donghu.mustFire(h, "confirm", obj{"responsible_unit": "东湖区城管局", "deadline": "2026-11-29"})
			if h.Deadline == nil || *h.Deadline != "2026-11-29" {
				t.Errorf("deadline %v", h.Deadline)
			}
		})
	})
}

func TestGetHazardAllowedEvents(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		h := w.as(t, "entA").createHazard(obj{"title": "车间安全警示标志缺失"})
		// What each caller may fire, state by state, on a general self-inspection
		// hazard of enterprise A in 东湖区.
		type allowed map[string][]string
		steps := []struct {
			by, event string
			fields    obj
			state     string
			want      allowed
		}{
			{"", "", nil, "discovered", allowed{
				"entA": {"confirm"}, "donghu": {"confirm", "dismiss", "transfer"}, "officer": {"confirm", "dismiss"},
				"city": {"confirm", "dismiss", "transfer"}, "admin": {},
			}},
			{"entA", "confirm", obj{}, "listed", allowed{
				"entA": {"plan"}, "donghu": {"plan", "escalate", "transfer", "suspend"}, "officer": {}, "admin": {},
			}},
			{"entA", "plan", obj{"measures": "补设警示标志", "responsible_person": "李建国", "deadline": "2026-12-10"}, "rectifying", allowed{
				"entA": {"submit"}, "donghu": {"submit", "extend", "escalate", "transfer", "suspend"}, "officer": {}, "admin": {},
			}},
			{"entA", "submit", obj{"comment": "已整改"}, "verifying", allowed{
				"entA": {}, "donghu": {"approve", "reject", "suspend"}, "officer": {"approve", "reject"}, "admin": {},
			}},
			{"officer", "approve", obj{"comment": "现场核实，整改到位"}, "written_off", allowed{
				"entA": {}, "donghu": {"reopen"}, "officer": {}, "prov": {"reopen"}, "admin": {},
			}},
		}
		for _, st := range steps {
			if st.event != "" {
				h = w.as(t, st.by).mustFire(h, st.event, st.fields)
			}
			if h.State != st.state {
				t.Fatalf("after %s: state %q, want %q", st.event, h.State, st.state)
			}
			for user, want := range st.want {
				got := w.as(t, user).hazard(h.ID)
				if got.State != st.state || got.Version != h.Version {
					t.Errorf("%s reads state %q version %d, want %q %d", user, got.State, got.Version, st.state, h.Version)
				}
				if got.AllowedEvents == nil || !slices.Equal(got.AllowedEvents, want) {
					t.Errorf("%s: %s: allowed_events %v, want %v", st.state, user, got.AllowedEvents, want)
				}
			}
		}

		donghu := w.as(t, "donghu")
		donghu.get("/api/v1/hazards/abc").wantError(http.StatusBadRequest, "invalid_id", "id")
		donghu.get("/api/v1/hazards/0").wantError(http.StatusBadRequest, "invalid_id", "id")
		donghu.get("/api/v1/hazards/99999999999999999999").wantError(http.StatusBadRequest, "invalid_id", "id")
		missing := hazardPath(h.ID + 1000)
		for _, r := range []*response{
			donghu.get(missing), donghu.get(missing + "/events"), donghu.get(missing + "/verify"),
			donghu.post(missing+"/events", obj{"event": "confirm", "version": 1}),
		} {
			if e := r.wantError(http.StatusNotFound, "not_found"); e.Message != "隐患不存在" {
				t.Errorf("%s %s: message %q", r.method, r.path, e.Message)
			}
		}
	})
}

func TestListHazards(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		a, b, c := w.ents["A"].ID, w.ents["B"].ID, w.ents["C"].ID
		donghu, xihu, entA, entB := w.as(t, "donghu"), w.as(t, "xihu"), w.as(t, "entA"), w.as(t, "entB")
		officer, city, prov := w.as(t, "officer"), w.as(t, "city"), w.as(t, "prov")
		plan := obj{"measures": "整改", "responsible_person": "张三"}

		hz := map[string]hazard{}
		// h1 东湖, enterprise A, supervisory check, discovered.
		hz["h1"] = donghu.createHazard(obj{"title": "配电室未设挡鼠板", "enterprise_id": a})
		// h2 东湖, A, self-inspection, listed, deadline 2026-11-30.
		h := entA.createHazard(obj{"title": "消防器材过期", "description": "灭火器压力不足"})
		hz["h2"] = entA.mustFire(h, "confirm", obj{"deadline": "2026-11-30"})
		// h3 东湖, A, major, listed, deadline 2026-12-31.
		h = donghu.createHazard(obj{"title": "反应釜紧急切断装置未投用", "level": "major", "enterprise_id": a})
		hz["h3"] = donghu.mustFire(h, "confirm", obj{"basis_standard": "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》",
			"basis_clause": "第十一条", "deadline": "2026-12-31"})
		// h4 西湖, B, supervisory check, rectifying, deadline 2026-11-29.
		h = xihu.createHazard(obj{"title": "粉尘除尘系统未接地", "enterprise_id": b})
		h = xihu.mustFire(h, "confirm", obj{"deadline": "2026-11-29"})
		hz["h4"] = xihu.mustFire(h, "plan", obj{"measures": "整改", "responsible_person": "张三", "comment": "企业书面方案，代为录入"})
		// h5 东湖, officer report, discovered; h6 public report, dismissed.
		hz["h5"] = officer.createHazard(obj{"title": "小区地下车库", "description": "雨后积水严重", "region_code": "360102"})
		h = w.as(t, "officer2").createHazard(obj{"title": "疑似违规动火", "region_code": "360102", "source": "public_report"})
		hz["h6"] = officer.mustFire(h, "dismiss", obj{"reason": "现场核查不属实"})
		// h7 濂溪, C (九江, outside 南昌), with a percent sign in its title.
		hz["h7"] = prov.createHazard(obj{"title": "码头照明达标率低于100%", "enterprise_id": c})
		// h8 西湖, public report, discovered, with an underscore.
		hz["h8"] = city.createHazard(obj{"title": "消防通道_堵塞", "region_code": "360103", "source": "public_report"})
		// h9 西湖, B, self-inspection, verifying with a deadline of today.
		h = entB.createHazard(obj{"title": "叉车未年检"})
		h = entB.mustFire(h, "confirm", obj{"deadline": "2026-11-28"})
		h = entB.mustFire(h, "plan", plan)
		hz["h9"] = entB.mustFire(h, "submit", obj{})

		pick := func(names ...string) []int64 {
			var hs []hazard
			for _, n := range names {
				hs = append(hs, hz[n])
			}
			return newestFirst(hs...)
		}
		all := []string{"h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9"}
		cases := []struct {
			user, query string
			want        []string
		}{
			{"prov", "", all},
			{"admin", "", all},
			{"prov", "state=discovered", []string{"h1", "h5", "h7", "h8"}},
			{"prov", "state=listed", []string{"h2", "h3"}},
			{"prov", "state=rectifying", []string{"h4"}},
			{"prov", "state=verifying", []string{"h9"}},
			{"prov", "state=dismissed", []string{"h6"}},
			{"prov", "state=written_off", nil},
			{"prov", "level=major", []string{"h3"}},
			{"prov", "level=general&state=listed", []string{"h2"}},
			{"prov", "source=self_inspection", []string{"h2", "h9"}},
			{"prov", "source=public_report", []string{"h6", "h8"}},
			{"prov", "source=officer_report", []string{"h5"}},
			{"prov", "source=supervisory_check", []string{"h1", "h3", "h4", "h7"}},
			{"prov", "region=360100", []string{"h1", "h2", "h3", "h4", "h5", "h6", "h8", "h9"}},
			{"prov", "region=360103", []string{"h4", "h8", "h9"}},
			{"prov", "region=360400", []string{"h7"}},
			{"prov", "region=360000", all},
			{"prov", "region=%20360103%20", []string{"h4", "h8", "h9"}}, // padded, as typed into the page's form
			{"prov", "enterprise_id=" + strconv.FormatInt(a, 10), []string{"h1", "h2", "h3"}},
			{"prov", "enterprise_id=" + strconv.FormatInt(b, 10) + "&state=verifying", []string{"h9"}},
			{"prov", "q=配电室", []string{"h1"}},
			{"prov", "q=积水", []string{"h5"}}, // description
			{"prov", "q=" + hz["h3"].Code, []string{"h3"}},
			{"prov", "q=YH-360103-", []string{"h4", "h8", "h9"}},
			{"prov", "q=%25", []string{"h7"}}, // a literal %, not a wildcard
			{"prov", "q=_", []string{"h8"}},   // a literal _, not a wildcard
			{"prov", "q=不存在的内容", nil},
			{"prov", "overdue=false", all},
			{"prov", "overdue=true", nil}, // nothing is overdue yet
			// Scope and filters meet.
			{"city", "", []string{"h1", "h2", "h3", "h4", "h5", "h6", "h8", "h9"}},
			{"xihu", "region=360100", []string{"h4", "h8", "h9"}},
			{"donghu", "region=360103", nil},
			{"donghu", "", []string{"h1", "h2", "h3", "h5", "h6"}},
			{"officer", "state=discovered", []string{"h1", "h5"}},
			{"entA", "", []string{"h1", "h2", "h3"}},
			{"entA", "enterprise_id=" + strconv.FormatInt(b, 10), nil},
			{"entB", "", []string{"h4", "h9"}},
		}
		for _, tc := range cases {
			t.Run(tc.user+"?"+tc.query, func(t *testing.T) {
				p := w.as(t, tc.user).list(tc.query)
				if got, want := ids(p.Items), pick(tc.want...); !slices.Equal(got, want) {
					t.Errorf("ids %v, want %v", got, want)
				}
				if p.NextCursor != "" {
					t.Errorf("next_cursor %q on a single page", p.NextCursor)
				}
				for _, it := range p.Items {
					if it.AllowedEvents == nil {
						t.Errorf("hazard %d: no allowed_events", it.ID)
					}
				}
			})
		}

		t.Run("pagination", func(t *testing.T) {
			for _, tc := range []struct {
				user, query string
				limit       int
				want        []string
			}{
				{"prov", "", 2, all},
				{"prov", "", 3, all}, // pages exactly full: no empty last page
				{"prov", "", 1, all},
				{"prov", "region=360100", 3, []string{"h1", "h2", "h3", "h4", "h5", "h6", "h8", "h9"}},
				{"donghu", "state=discovered", 1, []string{"h1", "h5"}},
				{"prov", "", 200, all},
			} {
				want := pick(tc.want...)
				var got []int64
				cursor, pages := "", 0
				for {
					q := fmt.Sprintf("limit=%d&%s", tc.limit, tc.query)
					if cursor != "" {
						q += "&cursor=" + cursor
					}
					p := w.as(t, tc.user).list(q)
					pages++
					if len(p.Items) == 0 || len(p.Items) > tc.limit {
						t.Fatalf("%s limit %d: page %d has %d items", tc.query, tc.limit, pages, len(p.Items))
					}
					got = append(got, ids(p.Items)...)
					if p.NextCursor == "" {
						break
					}
					cursor = p.NextCursor
					if pages > len(want) {
						t.Fatalf("%s limit %d: more pages than hazards", tc.query, tc.limit)
					}
				}
				// Every hazard once, newest first: no duplicates, none missing.
				if !slices.Equal(got, want) {
					t.Errorf("%s limit %d: walked %v, want %v", tc.query, tc.limit, got, want)
				}
				if wantPages := (len(want) + tc.limit - 1) / tc.limit; pages != wantPages {
					t.Errorf("%s limit %d: %d pages, want %d", tc.query, tc.limit, pages, wantPages)
				}
			}
		})

		t.Run("bad filters", func(t *testing.T) {
			prov := w.as(t, "prov")
			prov.get("/api/v1/hazards?limit=201").wantError(http.StatusBadRequest, "invalid_fields", "limit")
			prov.get("/api/v1/hazards?limit=0").wantError(http.StatusBadRequest, "invalid_fields", "limit")
			prov.get("/api/v1/hazards?limit=ten").wantError(http.StatusBadRequest, "invalid_fields", "limit")
			prov.get("/api/v1/hazards?cursor=not-a-cursor").wantError(http.StatusBadRequest, "invalid_fields", "cursor")
			prov.get("/api/v1/hazards?q="+strings.Repeat("查", 101)).wantError(http.StatusBadRequest, "invalid_fields", "q")
			prov.get("/api/v1/hazards?state=open&level=high&source=tv&region=3601&enterprise_id=-1&overdue=maybe&limit=500&cursor=%21").
				wantError(http.StatusBadRequest, "invalid_fields", "state", "level", "source", "region", "enterprise_id", "overdue", "limit", "cursor")
		})

		t.Run("overdue", func(t *testing.T) {
			// Three days on: h4 (deadline 11-29) and h2 (11-30) are overdue; h3
			// (12-31) is not yet, h9 (11-28) is waiting for verification, which no
			// longer counts against the enterprise.
			w.clock.Set(start.AddDate(0, 0, 3))
			defer func() { w.clock.Set(start); w.forgetLogins() }()
			w.forgetLogins()
			p := w.as(t, "prov").list("overdue=true")
			if got, want := ids(p.Items), pick("h2", "h4"); !slices.Equal(got, want) {
				t.Errorf("overdue %v, want %v", got, want)
			}
			for _, it := range p.Items {
				if !it.Overdue {
					t.Errorf("hazard %d listed as overdue without the flag", it.ID)
				}
			}
			if got, want := ids(w.as(t, "xihu").list("overdue=true").Items), pick("h4"); !slices.Equal(got, want) {
				t.Errorf("xihu overdue %v, want %v", got, want)
			}
			if got, want := ids(w.as(t, "prov").list("overdue=true&level=major").Items), []int64(nil); !slices.Equal(got, want) {
				t.Errorf("major overdue %v", got)
			}
			for name, want := range map[string]bool{"h2": true, "h4": true, "h3": false, "h9": false, "h1": false} {
				if got := w.as(t, "prov").hazard(hz[name].ID); got.Overdue != want {
					t.Errorf("%s (%s, deadline %v): overdue %v, want %v", name, got.State, got.Deadline, got.Overdue, want)
				}
			}
		})
	})
}

func TestLifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		entA, donghu := w.as(t, "entA"), w.as(t, "donghu")
		entAID, donghuID := w.users["entA"].ID, w.users["donghu"].ID

		h := entA.createHazard(obj{"title": "配电柜前未铺绝缘垫"})
		h = entA.mustFire(h, "confirm", obj{"comment": "自查属实"})
		if h.State != "listed" || h.Level != "general" || h.ListedSupervision || h.ListedAt == nil || !h.ListedAt.Equal(start) {
			t.Errorf("confirmed: %+v", h)
		}
		if h.ResponsibleUnit != w.ents["A"].Name {
			t.Errorf("responsible_unit %q, want the enterprise's name", h.ResponsibleUnit)
		}

		h = entA.mustFire(h, "plan", obj{"measures": "铺设绝缘垫并张贴警示", "responsible_person": "李建国",
			"responsible_phone": "0791-86660001", "deadline": "2026-12-28"})
		if h.State != "rectifying" || h.Deadline == nil || *h.Deadline != "2026-12-28" || h.ResponsiblePerson != "李建国" || h.PlannedAt == nil {
			t.Errorf("planned: %+v", h)
		}

		h = entA.mustFire(h, "submit", obj{"comment": "已按方案完成整改"})
		if h.State != "verifying" || h.SubmittedBy == nil || *h.SubmittedBy != entAID || h.SubmittedAt == nil {
			t.Errorf("submitted: %+v", h)
		}

		donghu.fire(h, "reject", obj{}).wantError(http.StatusBadRequest, "invalid_fields", "reason")
		h = donghu.mustFire(h, "reject", obj{"reason": "整改照片不清晰", "deadline": "2027-01-05"})
		if h.State != "rectifying" || h.SubmittedBy != nil || h.SubmittedAt != nil || *h.Deadline != "2027-01-05" {
			t.Errorf("rejected: %+v", h)
		}

		donghu.fire(h, "extend", obj{}).wantError(http.StatusBadRequest, "invalid_fields", "reason", "deadline")
		e := donghu.fire(h, "extend", obj{"reason": "企业申请", "deadline": "2027-01-04"}).wantError(http.StatusBadRequest, "invalid_fields", "deadline")
		wantContains(t, "extend to an earlier day", e.Fields["deadline"], "2027-01-05")
		entA.fire(h, "extend", obj{"reason": "企业申请", "deadline": "2027-01-20"}).wantError(http.StatusForbidden, "forbidden")
		h = donghu.mustFire(h, "extend", obj{"reason": "设备到货延迟，企业申请延期", "deadline": "2027-01-20"})
		if h.State != "rectifying" || *h.Deadline != "2027-01-20" {
			t.Errorf("extended: %+v", h)
		}

		h = donghu.mustFire(h, "escalate", obj{"reason": "整改进度缓慢"})
		if h.State != "rectifying" || h.EscalationLevel != 1 {
			t.Errorf("escalated: %+v", h)
		}

		h = entA.mustFire(h, "submit", obj{})
		donghu.fire(h, "approve", obj{}).wantError(http.StatusBadRequest, "invalid_fields", "comment")
		h = donghu.mustFire(h, "approve", obj{"comment": "现场复核，整改到位"})
		if h.State != "written_off" || h.VerifiedBy == nil || *h.VerifiedBy != donghuID || h.ClosedAt == nil || !h.ClosedAt.Equal(start) {
			t.Errorf("approved: %+v", h)
		}
		if !slices.Equal(h.AllowedEvents, []string{"reopen"}) {
			t.Errorf("written off: allowed_events %v", h.AllowedEvents)
		}

		w.as(t, "officer").fire(h, "reopen", obj{"reason": "x", "deadline": "2027-02-01"}).wantError(http.StatusForbidden, "forbidden")
		donghu.fire(h, "reopen", obj{"reason": "复查发现问题反弹"}).wantError(http.StatusBadRequest, "invalid_fields", "deadline")
		h = donghu.mustFire(h, "reopen", obj{"reason": "复查发现问题反弹", "deadline": "2027-02-01"})
		if h.State != "rectifying" || h.VerifiedBy != nil || h.ClosedAt != nil || h.SubmittedBy != nil || *h.Deadline != "2027-02-01" {
			t.Errorf("reopened: %+v", h)
		}
		if stored := donghu.hazard(h.ID); stored.Version != h.Version || stored.State != h.State || stored.ChainHead != h.ChainHead ||
			*stored.Deadline != "2027-02-01" || stored.EscalationLevel != 1 {
			t.Errorf("stored %+v, answered %+v", stored, h)
		}
		// Every time on the record comes from the engine's clock.
		if stored := donghu.hazard(h.ID); !stored.CreatedAt.Equal(start) || !stored.UpdatedAt.Equal(start) || !h.UpdatedAt.Equal(start) {
			t.Errorf("created_at %v, updated_at %v (answered %v), want the clock's %v", stored.CreatedAt, stored.UpdatedAt, h.UpdatedAt, start)
		}

		t.Run("log", func(t *testing.T) {
			evs := donghu.events(h.ID)
			want := []struct{ event, from, to, role string }{
				{"create", "", "discovered", "enterprise"},
				{"confirm", "discovered", "listed", "enterprise"},
				{"plan", "listed", "rectifying", "enterprise"},
				{"evidence", "rectifying", "rectifying", "enterprise"},
				{"submit", "rectifying", "verifying", "enterprise"},
				{"reject", "verifying", "rectifying", "supervisor"},
				{"extend", "rectifying", "rectifying", "supervisor"},
				{"escalate", "rectifying", "rectifying", "supervisor"},
				{"evidence", "rectifying", "rectifying", "enterprise"},
				{"submit", "rectifying", "verifying", "enterprise"},
				{"approve", "verifying", "written_off", "supervisor"},
				{"reopen", "written_off", "rectifying", "supervisor"},
			}
			if len(evs) != len(want) {
				t.Fatalf("%d events, want %d", len(evs), len(want))
			}
			prev := ""
			for i, ev := range evs {
				wv := want[i]
				if ev.Seq != int64(i+1) || ev.HazardID != h.ID || ev.Event != wv.event || ev.From != wv.from || ev.To != wv.to || ev.Role != wv.role {
					t.Errorf("event %d: %+v, want %+v", i+1, ev, wv)
				}
				if !hashPattern.MatchString(ev.Hash) || ev.PrevHash != prev {
					t.Errorf("event %d: hash %q prev_hash %q, want prev %q", ev.Seq, ev.Hash, ev.PrevHash, prev)
				}
				if !ev.CreatedAt.Equal(start) || ev.ActorID == nil || ev.Actor == "" {
					t.Errorf("event %d: created_at %v actor %v %q", ev.Seq, ev.CreatedAt, ev.ActorID, ev.Actor)
				}
				prev = ev.Hash
			}
			if prev != h.ChainHead || int64(len(evs)) != h.LastSeq {
				t.Errorf("chain head %q seq %d, log ends at %q seq %d", h.ChainHead, h.LastSeq, prev, len(evs))
			}
			if evs[0].Payload["code"] != h.Code || evs[1].Payload["responsible_unit"] != w.ents["A"].Name {
				t.Errorf("payloads: %v, %v", evs[0].Payload, evs[1].Payload)
			}
			if evs[3].Payload["kind"] != "document" || evs[3].Payload["sha256"] == nil {
				t.Errorf("evidence %+v", evs[3])
			}
			if evs[4].Comment != "已按方案完成整改" || evs[5].Payload["reason"] != "整改照片不清晰" || evs[5].Payload["deadline"] != "2027-01-05" {
				t.Errorf("submit %+v, reject %+v", evs[4], evs[5])
			}
			if evs[6].Payload["previous_deadline"] != "2027-01-05" || evs[6].Payload["deadline"] != "2027-01-20" || evs[7].Payload["step"] != float64(1) {
				t.Errorf("extend %v, escalate %v", evs[6].Payload, evs[7].Payload)
			}
			if evs[10].Comment != "现场复核，整改到位" || *evs[10].ActorID != donghuID || evs[10].Actor != "东湖区局监管员" {
				t.Errorf("approve %+v", evs[10])
			}

			var rep struct {
				OK       bool   `json:"ok"`
				Events   int    `json:"events"`
				Head     string `json:"head"`
				BrokenAt int64  `json:"broken_at"`
				Problem  string `json:"problem"`
			}
			donghu.get(hazardPath(h.ID) + "/verify").want(http.StatusOK).decode(&rep)
			if !rep.OK || rep.Events != len(want) || rep.Head != donghu.hazard(h.ID).ChainHead || rep.Problem != "" {
				t.Errorf("verify %+v", rep)
			}

			// The database refuses to change the log ...
			ctx := context.Background()
			tamper := "UPDATE hazard_events SET comment = '已整改（篡改）' WHERE hazard_id = ? AND seq = 4"
			if err := w.store.Exec(ctx, tamper, h.ID); err == nil {
				t.Fatal("the database let an event be changed")
			}
			if err := w.store.Exec(ctx, "DELETE FROM hazard_events WHERE hazard_id = ? AND seq = 10", h.ID); err == nil {
				t.Fatal("the database let an event be deleted")
			}
			// ... and should someone get round that, the chain says where.
			drop := "DROP TRIGGER hazard_events_no_update"
			if w.store.Dialect() == model.DialectPostgres {
				drop += " ON hazard_events"
			}
			if err := w.store.Exec(ctx, drop); err != nil {
				t.Fatal(err)
			}
			if err := w.store.Exec(ctx, tamper, h.ID); err != nil {
				t.Fatal(err)
			}
			donghu.get(hazardPath(h.ID) + "/verify").want(http.StatusOK).decode(&rep)
			if rep.OK || rep.BrokenAt != 4 || !hasHan(rep.Problem) {
				t.Errorf("verify after tampering %+v", rep)
			}
			// The enterprise is told that the chain is broken, not where.
			rep = struct {
				OK       bool   `json:"ok"`
				Events   int    `json:"events"`
				Head     string `json:"head"`
				BrokenAt int64  `json:"broken_at"`
				Problem  string `json:"problem"`
			}{}
			entA.get(hazardPath(h.ID) + "/verify").want(http.StatusOK).decode(&rep)
			if rep.OK || rep.BrokenAt != 0 || rep.Head != "" || !hasHan(rep.Problem) {
				t.Errorf("the enterprise's verify after tampering %+v", rep)
			}
		})

		t.Run("escalation ladder", func(t *testing.T) {
			h := donghu.createHazard(obj{"title": "仓库堆垛超高", "enterprise_id": w.ents["A"].ID})
			h = donghu.mustFire(h, "confirm", obj{})
			for step := 1; step <= 4; step++ {
				h = donghu.mustFire(h, "escalate", obj{"reason": fmt.Sprintf("第%d次督办", step)})
				if h.EscalationLevel != step || h.State != "listed" {
					t.Fatalf("step %d: %+v", step, h)
				}
			}
			if slices.Contains(h.AllowedEvents, "escalate") {
				t.Errorf("at exposure: allowed_events %v still has escalate", h.AllowedEvents)
			}
			e := donghu.fire(h, "escalate", obj{"reason": "再升级"}).wantError(http.StatusForbidden, "forbidden")
			wantContains(t, "escalate past exposure", e.Message, "最高督办等级")
			if !slices.Equal(e.Allowed, []string{"plan", "transfer", "suspend"}) {
				t.Errorf("allowed %v, want [plan transfer suspend]", e.Allowed)
			}
			entA.fire(h, "escalate", obj{"reason": "x"}).wantError(http.StatusForbidden, "forbidden")
			if got := donghu.hazard(h.ID); got.Version != h.Version || got.EscalationLevel != 4 {
				t.Errorf("refused escalation changed the hazard: %+v", got)
			}
		})

		t.Run("dismiss", func(t *testing.T) {
			officer, officer2 := w.as(t, "officer"), w.as(t, "officer2") // another officer checks (信息员上报的隐患须由其他人员核查)
			first := officer2.createHazard(obj{"title": "群众举报：加油站旁违规摆摊", "region_code": "360102", "source": "public_report"})
			dup := officer2.createHazard(obj{"title": "加油站旁有人摆摊卖烟花", "region_code": "360102", "source": "public_report"})
			other := w.as(t, "xihu").createHazard(obj{"title": "西湖区的隐患", "region_code": "360103"})

			officer.fire(dup, "dismiss", obj{}).wantError(http.StatusBadRequest, "invalid_fields", "reason")
			officer.fire(dup, "dismiss", obj{"reason": "重复", "duplicate_of": dup.ID}).wantError(http.StatusBadRequest, "invalid_fields", "duplicate_of")
			officer.fire(dup, "dismiss", obj{"reason": "重复", "duplicate_of": other.ID}).wantError(http.StatusBadRequest, "invalid_fields", "duplicate_of")
			officer.fire(dup, "dismiss", obj{"reason": "重复", "duplicate_of": 999999}).wantError(http.StatusBadRequest, "invalid_fields", "duplicate_of")
			officer.fire(dup, "dismiss", obj{"reason": "重复", "deadline": "2026-12-01"}).wantError(http.StatusBadRequest, "invalid_fields", "deadline")
			entA.fire(dup, "dismiss", obj{"reason": "重复"}).wantError(http.StatusForbidden, "forbidden")

			officer.fire(dup, "dismiss", obj{"reason": "重复", "duplicate_of": "YH-360102-20990101-0001"}).wantError(http.StatusBadRequest, "invalid_fields", "duplicate_of")
			officer.fire(dup, "dismiss", obj{"reason": "重复", "duplicate_of": dup.Code}).wantError(http.StatusBadRequest, "invalid_fields", "duplicate_of")
			// The code the pages show is taken as well as the number, as typed.
			got := officer.mustFire(dup, "dismiss", obj{"reason": "与已登记隐患重复", "duplicate_of": " " + strings.ToLower(first.Code)})
			if got.State != "dismissed" || got.DuplicateOf == nil || *got.DuplicateOf != first.ID {
				t.Errorf("dismissed: %+v", got)
			}
			if !slices.Equal(got.AllowedEvents, []string{}) {
				t.Errorf("dismissed: allowed_events %v", got.AllowedEvents)
			}
			evs := officer.events(dup.ID)
			if last := evs[len(evs)-1]; last.Event != "dismiss" || last.Payload["duplicate_of"] != float64(first.ID) ||
				last.Payload["duplicate_code"] != first.Code || last.Payload["reason"] != "与已登记隐患重复" {
				t.Errorf("dismiss event %+v", last)
			}
			// Nothing merges into a dismissed hazard, and a dismissed one is final.
			third := officer2.createHazard(obj{"title": "加油站旁摆摊（第三次举报）", "region_code": "360102", "source": "public_report"})
			officer.fire(third, "dismiss", obj{"reason": "重复", "duplicate_of": dup.ID}).wantError(http.StatusBadRequest, "invalid_fields", "duplicate_of")
			e := officer.fire(got, "dismiss", obj{"reason": "再次"}).wantError(http.StatusUnprocessableEntity, "event_not_allowed")
			if e.Allowed == nil || len(e.Allowed) != 0 {
				t.Errorf("allowed %v, want [] (present and empty)", e.Allowed)
			}
		})
	})
}

func TestMajorHazard(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, entA, officer := w.as(t, "donghu"), w.as(t, "entA"), w.as(t, "officer")
		basis := obj{"basis_standard": "《工贸企业重大事故隐患判定标准》", "basis_clause": "第四条第（一）项"}

		// Without an enterprise nobody is responsible yet: three fields missing.
		bare := donghu.createHazard(obj{"title": "城区老旧燃气管网腐蚀", "level": "major", "region_code": "360102"})
		e := donghu.fire(bare, "confirm", obj{}).wantError(http.StatusBadRequest, "invalid_fields", "basis_standard", "basis_clause", "responsible_unit")
		wantContains(t, "message", e.Message, "判定依据")
		// Raising a general hazard to major at confirmation needs the basis too.
		gen := donghu.createHazard(obj{"title": "吊装作业无专人监护", "enterprise_id": w.ents["A"].ID})
		donghu.fire(gen, "confirm", obj{"level": "major"}).wantError(http.StatusBadRequest, "invalid_fields", "basis_standard", "basis_clause")
		donghu.fire(gen, "confirm", obj{"level": "critical"}).wantError(http.StatusBadRequest, "invalid_fields", "level")

		h := donghu.createHazard(obj{"title": "粉尘涉爆车间未设泄爆装置", "level": "major", "enterprise_id": w.ents["A"].ID})
		donghu.fire(h, "confirm", obj{}).wantError(http.StatusBadRequest, "invalid_fields", "basis_standard", "basis_clause")
		donghu.fire(h, "confirm", obj{"basis_standard": "《工贸企业重大事故隐患判定标准》"}).wantError(http.StatusBadRequest, "invalid_fields", "basis_clause")
		if got := donghu.hazard(h.ID); got.Version != 1 || got.State != "discovered" {
			t.Fatalf("refused confirmations changed the hazard: %+v", got)
		}
		fields := maps.Clone(basis)
		fields["deadline"] = "2026-12-05"
		fields["production_suspended"] = true
		h = donghu.mustFire(h, "confirm", fields)
		if h.State != "listed" || !h.ListedSupervision || !h.ProductionSuspended || h.BasisClause != "第四条第（一）项" || *h.Deadline != "2026-12-05" {
			t.Errorf("confirmed major: %+v", h)
		}

		// 五落实: a major plan lacks funds, their source and the emergency plan.
		e = entA.fire(h, "plan", obj{"measures": "加装泄爆片", "responsible_person": "王海涛"}).
			wantError(http.StatusBadRequest, "invalid_fields", "funds", "funds_source", "emergency_plan")
		for _, f := range []string{"funds", "funds_source", "emergency_plan"} {
			wantContains(t, "field "+f, e.Fields[f], "重大事故隐患")
		}
		entA.fire(h, "plan", obj{}).wantError(http.StatusBadRequest, "invalid_fields",
			"measures", "responsible_person", "funds", "funds_source", "emergency_plan")
		full := obj{"measures": "加装泄爆片", "responsible_person": "王海涛", "responsible_phone": "13807910001",
			"funds": 12.5, "funds_source": "企业自筹", "emergency_plan": "停产整改，设专人值守"}
		withDeadline := maps.Clone(full)
		withDeadline["deadline"] = "2026-12-20"
		e = entA.fire(h, "plan", withDeadline).wantError(http.StatusBadRequest, "invalid_fields", "deadline")
		wantContains(t, "a plan does not move the deadline", e.Fields["deadline"], "2026-12-05")
		neg := maps.Clone(full)
		neg["funds"] = -1
		entA.fire(h, "plan", neg).wantError(http.StatusBadRequest, "invalid_fields", "funds")
		badPhone := maps.Clone(full)
		badPhone["responsible_phone"] = "call me"
		entA.fire(h, "plan", badPhone).wantError(http.StatusBadRequest, "invalid_fields", "responsible_phone")

		h = entA.mustFire(h, "plan", full)
		if h.State != "rectifying" || h.Funds == nil || *h.Funds != 12.5 || h.FundsSource != "企业自筹" || h.EmergencyPlan == "" || *h.Deadline != "2026-12-05" {
			t.Errorf("planned major: %+v", h)
		}
		h = entA.mustFire(h, "submit", obj{"comment": "泄爆片已安装"})

		// An officer may not write off (nor turn down) a major hazard.
		for _, ev := range []string{"approve", "reject"} {
			e := officer.fire(h, ev, obj{"comment": "核实", "reason": "x"}).wantError(http.StatusForbidden, "forbidden")
			wantContains(t, "officer "+ev, e.Message, "重大事故隐患须由监管人员办理")
		}
		if got := donghu.hazard(h.ID); got.Version != h.Version || got.State != "verifying" {
			t.Fatalf("refused write-off changed the hazard: %+v", got)
		}
		h = donghu.assess(h)
		h = donghu.mustFire(h, "approve", obj{"comment": "经现场核查，泄爆装置已安装到位"})
		if h.State != "written_off" {
			t.Errorf("major approved by county: %+v", h)
		}
	})
}

func TestEventRequestRefusals(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, entA := w.as(t, "donghu"), w.as(t, "entA")
		h := entA.createHazard(obj{"title": "有限空间作业未审批"})
		path := hazardPath(h.ID) + "/events"

		t.Run("not possible in this state", func(t *testing.T) {
			e := donghu.fire(h, "approve", obj{"comment": "x"}).wantError(http.StatusUnprocessableEntity, "event_not_allowed")
			if !slices.Equal(e.Allowed, []string{"confirm", "dismiss", "transfer"}) {
				t.Errorf("allowed %v, want [confirm dismiss transfer]", e.Allowed)
			}
			wantContains(t, "message", e.Message, "已发现（待核查）")
			// What the enterprise may do differs.
			if e := entA.fire(h, "plan", obj{}).wantError(http.StatusUnprocessableEntity, "event_not_allowed"); !slices.Equal(e.Allowed, []string{"confirm"}) {
				t.Errorf("enterprise allowed %v, want [confirm]", e.Allowed)
			}
			for _, ev := range []string{"teleport", "create", "imported", "CONFIRM"} {
				donghu.fire(h, ev, obj{}).wantError(http.StatusUnprocessableEntity, "event_not_allowed")
			}
		})

		t.Run("stale version", func(t *testing.T) {
			stale := h
			h = donghu.mustFire(h, "confirm", obj{"deadline": "2026-12-15"})
			e := entA.fire(stale, "plan", obj{"measures": "补办审批", "responsible_person": "张三"}).wantError(http.StatusConflict, "stale_version")
			wantContains(t, "message", e.Message, "当前版本 2")
			ahead := h
			ahead.Version = 7
			entA.fire(ahead, "plan", obj{"measures": "补办审批", "responsible_person": "张三"}).wantError(http.StatusConflict, "stale_version")
		})

		t.Run("fields the event does not take", func(t *testing.T) {
			entA.fire(h, "plan", obj{"measures": "补办审批", "responsible_person": "张三", "reason": "多余", "basis_clause": "多余"}).
				wantError(http.StatusBadRequest, "invalid_fields", "reason", "basis_clause")
		})

		t.Run("deadlines", func(t *testing.T) {
			g := donghu.createHazard(obj{"title": "脚手架未验收", "region_code": "360102"})
			for _, tc := range []struct{ deadline, says string }{
				{"2026-11-27", "不能早于今天"},
				{"2032-01-01", "不能超过五年"},
				{"next week", "格式"},
			} {
				e := donghu.fire(g, "confirm", obj{"responsible_unit": "某施工队", "deadline": tc.deadline}).
					wantError(http.StatusBadRequest, "invalid_fields", "deadline")
				wantContains(t, tc.deadline, e.Fields["deadline"], tc.says)
			}
		})

		t.Run("bad bodies", func(t *testing.T) {
			cases := []struct {
				name   string
				body   any
				status int
				code   string
				fields []string
			}{
				{"truncated", `{"event": "plan", "version": 2`, 400, "invalid_json", nil},
				{"not JSON", `event=plan&version=2`, 400, "invalid_json", nil},
				{"empty", "", 400, "invalid_json", nil},
				{"an array", `[{"event": "plan"}]`, 400, "invalid_json", nil},
				{"two objects", `{"event": "plan", "version": 2} {}`, 400, "invalid_json", nil},
				{"unknown field", obj{"event": "plan", "version": 2, "colour": "red"}, 400, "invalid_json", []string{"colour"}},
				{"version as text", obj{"event": "plan", "version": "2"}, 400, "invalid_json", []string{"version"}},
				{"funds as text", obj{"event": "plan", "version": 2, "funds": "很多"}, 400, "invalid_json", []string{"funds"}},
				{"duplicate_of as text", obj{"event": "dismiss", "version": 2, "duplicate_of": "h1"}, 400, "invalid_json", []string{"duplicate_of"}},
				{"no event", obj{"version": 2}, 400, "invalid_fields", []string{"event"}},
				{"no version", obj{"event": "plan"}, 400, "invalid_fields", []string{"version"}},
				{"nothing", obj{}, 400, "invalid_fields", []string{"event", "version"}},
				{"null", `null`, 400, "invalid_fields", []string{"event", "version"}},
				{"too large", obj{"event": "plan", "version": 2, "comment": strings.Repeat("长", 1<<19)}, 413, "too_large", nil},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					entA.post(path, tc.body).wantError(tc.status, tc.code, tc.fields...)
				})
			}
			w.as(t, "entA").post(hazardPath(h.ID)+"x/events", obj{"event": "plan", "version": 2}).wantError(http.StatusBadRequest, "invalid_id", "id")
		})

		// None of the refusals wrote anything.
		if got := donghu.hazard(h.ID); got.Version != 2 || got.State != "listed" {
			t.Errorf("hazard after refusals: version %d state %s", got.Version, got.State)
		}
		if evs := donghu.events(h.ID); len(evs) != 2 {
			t.Errorf("%d events after refusals, want 2", len(evs))
		}
	})
}

func TestAuthorizationMatrix(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		hA := w.as(t, "entA").createHazard(obj{"title": "东湖化工：储罐区防火堤破损"})
		hB := w.as(t, "entB").createHazard(obj{"title": "西湖建材：砂轮机无防护罩"})
		hC := w.as(t, "prov").createHazard(obj{"title": "濂溪物流：叉车超载", "enterprise_id": w.ents["C"].ID})
		byName := map[string]hazard{"A": hA, "B": hB, "C": hC}

		// Who sees which hazard (territory and own enterprise).
		sees := map[string]string{
			"entA": "A", "entB": "B", "donghu": "A", "donghu2": "A", "officer": "A", "xihu": "B",
			"city": "AB", "prov": "ABC", "admin": "ABC",
		}
		for _, user := range slices.Sorted(maps.Keys(sees)) {
			t.Run(user, func(t *testing.T) {
				c := w.as(t, user)
				var want []hazard
				for _, key := range []string{"A", "B", "C"} {
					h := byName[key]
					visible := strings.Contains(sees[user], key)
					if visible {
						want = append(want, h)
						if got := c.hazard(h.ID); got.ID != h.ID || got.Code != h.Code {
							t.Errorf("GET %s: %+v", key, got)
						}
						c.get(hazardPath(h.ID) + "/events").want(http.StatusOK)
						c.get(hazardPath(h.ID) + "/verify").want(http.StatusOK)
						continue
					}
					for _, r := range []*response{
						c.get(hazardPath(h.ID)),
						c.get(hazardPath(h.ID) + "/events"),
						c.get(hazardPath(h.ID) + "/verify"),
						c.fire(h, "confirm", obj{}),
						c.fire(h, "dismiss", obj{"reason": "不是我的"}),
					} {
						if e := r.wantError(http.StatusForbidden, "forbidden"); e.Message != "该隐患不在您的管辖范围内" || e.Allowed != nil {
							t.Errorf("%s %s: %+v", r.method, r.path, e)
						}
					}
					// The refusal does not tell the version either: a wrong one is
					// still 403, not 409.
					stale := h
					stale.Version = 99
					c.fire(stale, "confirm", obj{}).wantError(http.StatusForbidden, "forbidden")
				}
				if got := ids(c.list("limit=200").Items); !slices.Equal(got, newestFirst(want...)) {
					t.Errorf("list %v, want %v", got, newestFirst(want...))
				}
			})
		}
		// Nothing was touched by the refused events.
		for key, h := range byName {
			if got := w.as(t, "admin").hazard(h.ID); got.Version != 1 || got.State != "discovered" || got.LastSeq != 1 {
				t.Errorf("hazard %s after refusals: %+v", key, got)
			}
		}

		t.Run("city acts in both counties", func(t *testing.T) {
			city := w.as(t, "city")
			a := city.mustFire(w.as(t, "city").hazard(hA.ID), "confirm", obj{})
			b := city.mustFire(w.as(t, "city").hazard(hB.ID), "confirm", obj{})
			if a.State != "listed" || b.State != "listed" {
				t.Errorf("city confirmed: %s, %s", a.State, b.State)
			}
			w.as(t, "city").fire(w.as(t, "prov").hazard(hC.ID), "confirm", obj{}).wantError(http.StatusForbidden, "forbidden")
		})

		t.Run("admin fires no events", func(t *testing.T) {
			admin := w.as(t, "admin")
			h := w.as(t, "donghu").createHazard(obj{"title": "管理员不能办理的隐患", "region_code": "360102"})
			e := admin.fire(h, "confirm", obj{"responsible_unit": "某单位"}).wantError(http.StatusForbidden, "forbidden")
			wantContains(t, "message", e.Message, "系统管理员无权执行")
			admin.fire(h, "dismiss", obj{"reason": "x"}).wantError(http.StatusForbidden, "forbidden")
			if got := admin.hazard(h.ID); got.Version != 1 || !slices.Equal(got.AllowedEvents, []string{}) {
				t.Errorf("admin view %+v", got)
			}
		})

		t.Run("enterprise confirms only its own general self-inspection", func(t *testing.T) {
			entA := w.as(t, "entA")
			sup := w.as(t, "donghu").createHazard(obj{"title": "监管检查发现：安全出口上锁", "enterprise_id": w.ents["A"].ID})
			e := entA.fire(sup, "confirm", obj{}).wantError(http.StatusForbidden, "forbidden")
			wantContains(t, "message", e.Message, "自查")
			own := entA.createHazard(obj{"title": "自查发现：氧气乙炔瓶混放"})
			e = entA.fire(own, "confirm", obj{"level": "major", "basis_standard": "某标准", "basis_clause": "某条"}).wantError(http.StatusForbidden, "forbidden")
			wantContains(t, "message", e.Message, "重大事故隐患须由监管人员办理")
			entA.fire(own, "dismiss", obj{"reason": "不想整改"}).wantError(http.StatusForbidden, "forbidden")
		})

		t.Run("officer writes off general hazards only", func(t *testing.T) {
			officer, entA := w.as(t, "officer"), w.as(t, "entA")
			plan := obj{"measures": "整改", "responsible_person": "李四", "deadline": "2026-12-20"}
			g := w.as(t, "officer2").createHazard(obj{"title": "员工未佩戴安全帽", "enterprise_id": w.ents["A"].ID})
			g = officer.mustFire(g, "confirm", obj{})
			g = entA.mustFire(g, "plan", plan)
			g = entA.mustFire(g, "submit", obj{})
			g = officer.mustFire(g, "approve", obj{"comment": "现场核实，已整改"})
			if g.State != "written_off" || g.VerifiedBy == nil || *g.VerifiedBy != w.users["officer"].ID {
				t.Errorf("officer approved general: %+v", g)
			}

			m := w.as(t, "donghu").createHazard(obj{"title": "涉氨制冷车间无气体检测报警", "level": "major", "enterprise_id": w.ents["A"].ID})
			m = w.as(t, "donghu").mustFire(m, "confirm", obj{"basis_standard": "《工贸企业重大事故隐患判定标准》", "basis_clause": "第十条"})
			m = entA.mustFire(m, "plan", obj{"measures": "安装报警装置", "responsible_person": "李四", "deadline": "2026-12-20",
				"funds": 3, "funds_source": "企业自筹", "emergency_plan": "停用制冷车间"})
			m = entA.mustFire(m, "submit", obj{})
			e := officer.fire(m, "approve", obj{"comment": "核实"}).wantError(http.StatusForbidden, "forbidden")
			wantContains(t, "message", e.Message, "重大事故隐患")
			if got := officer.hazard(m.ID); got.State != "verifying" || got.Version != m.Version || len(got.AllowedEvents) != 0 {
				t.Errorf("after refusal: %+v", got)
			}
		})

		t.Run("submitter does not verify", func(t *testing.T) {
			donghu, donghu2 := w.as(t, "donghu"), w.as(t, "donghu2")
			h := donghu.createHazard(obj{"title": "道路施工围挡缺失", "region_code": "360102"})
			h = donghu.mustFire(h, "confirm", obj{"responsible_unit": "东湖区市政工程处"})
			h = donghu.mustFire(h, "plan", obj{"measures": "补设围挡", "responsible_person": "赵六", "deadline": "2026-12-01"})
			h = donghu.mustFire(h, "submit", obj{"comment": "已补设"})
			if got := donghu.hazard(h.ID); !slices.Equal(got.AllowedEvents, []string{"reject", "suspend"}) {
				t.Errorf("submitter's allowed_events %v, want [reject suspend]", got.AllowedEvents)
			}
			e := donghu.fire(h, "approve", obj{"comment": "自己核实自己"}).wantError(http.StatusForbidden, "forbidden")
			wantContains(t, "message", e.Message, "核实人不能是提交整改的人")
			if !slices.Equal(e.Allowed, []string{"reject", "suspend"}) {
				t.Errorf("allowed %v, want [reject suspend]", e.Allowed)
			}
			h = donghu2.mustFire(h, "approve", obj{"comment": "另一名监管员现场核实"})
			if h.State != "written_off" || *h.VerifiedBy != w.users["donghu2"].ID || *h.SubmittedBy != w.users["donghu"].ID {
				t.Errorf("approved by a colleague: %+v", h)
			}
		})
	})
}
