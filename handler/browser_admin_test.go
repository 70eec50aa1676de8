package handler_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"hazardloop/model"
)

// TestBrowserAdminUnlock: an account locked by wrong passwords shows as
// 登录已锁定 on the admin page, at 390 × 844 and 1280 wide, and the admin
// lifts the lock there; the account then signs in.
func TestBrowserAdminUnlock(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 2*time.Minute)
	for _, vp := range viewports {
		for range 5 {
			w.anon(t).post("/api/v1/login", obj{"username": "officer", "password": "wrong-password"}).want(http.StatusUnauthorized)
		}
		w.anon(t).post("/api/v1/login", obj{"username": "officer", "password": password}).want(http.StatusTooManyRequests)
		b.run(vp.act)
		b.login("admin")
		b.open("/admin")
		b.waitText("#users", "登录已锁定")
		b.shot("admin-locked-" + vp.name)
		b.submit(`#users form input[value=unlock] ~ button`)
		b.waitText(".flash.ok", "账号已更新")
		b.wantCount(`#users form input[value=unlock]`, 0)
		b.logout()
		w.anon(t).post("/api/v1/login", obj{"username": "officer", "password": password}).want(http.StatusOK)
	}
}
