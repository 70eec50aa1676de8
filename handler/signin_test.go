package handler_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hazardloop/handler"
	"hazardloop/ledger"
	"hazardloop/metrics"
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

// signInTry is one sign-in's answer.
type signInTry struct {
	status int
	code   string
	msg    string
	retry  int
}

// TestSignInLockout: on two replicas of one database, failed sign-ins are
// counted per account and per client address whichever replica takes them:
// the sixth try of an account after five failures is refused (429, Retry-After,
// a message that does not say whether the account exists: the same for a name
// nobody has), the twenty-first from an address after twenty, on the API and
// on the page alike; the lock ends after its 15 minutes; a success resets the
// account's count; an admin lifts a lock. The log names the account tried and
// the outcome, never the password; /metrics counts failures and locks.
func TestSignInLockout(t *testing.T) {
	t.Parallel()
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			dbURL := modeltest.URL(t, d)
			w := newWorldOn(t, modeltest.OpenAt(t, dbURL))
			store2 := modeltest.OpenAt(t, dbURL)
			eng2 := workflow.New(store2, workflow.Options{Now: w.clock.Now, ReportKey: []byte("0123456789abcdef0123456789abcdef")})
			logs, m := &logBuffer{}, metrics.New()
			srv2, err := handler.New(eng2, ledger.New(store2, eng2.Hazards, nil), handler.Options{
				Logger: slog.New(slog.NewTextHandler(logs, nil)), Metrics: m})
			if err != nil {
				t.Fatal(err)
			}
			replicas := []http.Handler{w.srv, srv2}
			n := 0
			try := func(user, pw, addr string) signInTry {
				t.Helper()
				n++
				b, _ := json.Marshal(obj{"username": user, "password": pw})
				req := httptest.NewRequest(http.MethodPost, "/api/v1/login", bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				req.RemoteAddr = addr + ":40000"
				rec := httptest.NewRecorder()
				replicas[(n/3)%2].ServeHTTP(rec, req) // both replicas, in turns of three
				var e struct{ Error, Message string }
				_ = json.Unmarshal(rec.Body.Bytes(), &e)
				retry, _ := strconv.Atoi(rec.Header().Get("Retry-After"))
				return signInTry{rec.Code, e.Error, e.Message, retry}
			}

			// An account: five failures from five addresses, then even the
			// right password is refused; a name nobody has, the same.
			var known, unknown signInTry
			for i := range 5 {
				known = try("donghu", "wrong-password", fmt.Sprintf("198.51.100.%d", i))
				unknown = try("nobody", "wrong-password", fmt.Sprintf("198.51.100.%d", i))
				if known.status != http.StatusUnauthorized || known != unknown {
					t.Fatalf("failure %d: known %+v, unknown %+v: must not differ", i+1, known, unknown)
				}
			}
			known = try("donghu", password, "203.0.113.9")
			unknown = try("nobody", password, "203.0.113.9")
			if known.status != http.StatusTooManyRequests || known.code != "sign_in_locked" || known.retry <= 0 || known.retry > 15*60 ||
				!strings.Contains(known.msg, "登录失败次数过多") || known != unknown {
				t.Errorf("locked: known %+v, unknown %+v", known, unknown)
			}
			p := newPageClient(t, w)
			resp, body := p.do(http.MethodPost, "/login", url.Values{"username": {"donghu"}, "password": {password}}, nil)
			if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "登录失败次数过多") || !strings.Contains(body, `value="donghu"`) {
				t.Errorf("the page signs a locked account in: %d", resp.StatusCode)
			}
			w.clock.Set(w.clock.Now().Add(15*time.Minute + time.Second))
			if got := try("donghu", password, "203.0.113.9"); got.status != http.StatusOK {
				t.Errorf("after the lock: %+v", got)
			}

			// A success resets the account's count.
			for range 4 {
				try("xihu", "wrong-password", "192.0.2.1")
			}
			if got := try("xihu", password, "192.0.2.1"); got.status != http.StatusOK {
				t.Fatalf("fifth try right: %+v", got)
			}
			for range 4 {
				try("xihu", "wrong-password", "192.0.2.1")
			}
			if got := try("xihu", password, "192.0.2.2"); got.status != http.StatusOK {
				t.Errorf("a success did not reset the count: %+v", got)
			}

			// An address: twenty failures over as many names, then the
			// address is refused for a right password too; another is not.
			w.clock.Set(w.clock.Now().Add(16 * time.Minute))
			for i := range 20 {
				if got := try(fmt.Sprintf("guess%02d", i), "wrong-password", "192.0.2.77"); got.status != http.StatusUnauthorized {
					t.Fatalf("address failure %d: %+v", i+1, got)
				}
			}
			if got := try("city", password, "192.0.2.77"); got.status != http.StatusTooManyRequests {
				t.Errorf("the address after 20 failures: %+v", got)
			}
			if got := try("city", password, "192.0.2.78"); got.status != http.StatusOK {
				t.Errorf("another address: %+v", got)
			}

			// An admin lifts an account's lock; nobody else may.
			for range 5 {
				try("prov", "wrong-password", "192.0.2.90")
			}
			id := w.users["prov"].ID
			w.as(t, "city").post(fmt.Sprintf("/api/v1/users/%d/unlock", id), nil).wantError(http.StatusForbidden, "forbidden")
			got := w.as(t, "admin").post(fmt.Sprintf("/api/v1/users/%d/unlock", id), nil).want(http.StatusOK).object()
			if got["was_locked"] != true || got["username"] != "prov" {
				t.Errorf("unlock %v", got)
			}
			if got := try("prov", password, "192.0.2.91"); got.status != http.StatusOK {
				t.Errorf("after the unlock: %+v", got)
			}

			// And on the admin page: the lock shown, lifted there.
			for range 5 {
				try("officer", "wrong-password", "192.0.2.95")
			}
			ap := newPageClient(t, w)
			csrf := ap.login("admin")
			if _, body := ap.do(http.MethodGet, "/admin", nil, nil); strings.Count(body, "登录已锁定") != 1 {
				t.Errorf("the admin page shows %d locked accounts, want 1", strings.Count(body, "登录已锁定"))
			}
			oid := strconv.FormatInt(w.users["officer"].ID, 10)
			if resp, _ := ap.do(http.MethodPost, "/admin/users/"+oid, url.Values{"csrf": {csrf}, "action": {"unlock"}}, nil); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("unlock on the page: %d", resp.StatusCode)
			}
			if got := try("officer", password, "192.0.2.96"); got.status != http.StatusOK {
				t.Errorf("after the page's unlock: %+v", got)
			}

			for _, want := range []string{"account=nobody", "outcome=failed", "outcome=locked", "account=donghu", "outcome=ok"} {
				if logs.count(want) == 0 {
					t.Errorf("the log lacks %s", want)
				}
			}
			if logs.count("wrong-password")+logs.count(password) > 0 {
				t.Error("the log holds a password")
			}
			rec := httptest.NewRecorder()
			m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			for _, want := range []string{`hazardloop_sign_ins_total{outcome="failed"}`, `hazardloop_sign_ins_total{outcome="locked"}`,
				`hazardloop_sign_in_locks_total{kind="account"}`} {
				if !strings.Contains(rec.Body.String(), want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
		})
	}
}
