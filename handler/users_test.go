package handler_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hazardloop/model"
)

// An admin renames an account, deactivates it (its sessions end at once and it
// cannot sign in), activates it again and sets a new password (the old one and
// the old session stop working). Only admins may; an admin cannot deactivate
// their own account or the last active admin.
func TestUpdateUser(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		admin := w.as(t, "admin")
		donghu := w.as(t, "donghu")
		donghu.get("/api/v1/me").want(http.StatusOK)
		path := "/api/v1/users/" + strconv.FormatInt(w.users["donghu"].ID, 10)

		donghu.do(http.MethodPatch, path, obj{"display_name": "x"}).wantError(http.StatusForbidden, "forbidden")
		admin.do(http.MethodPatch, "/api/v1/users/999999", obj{"active": false}).wantError(http.StatusNotFound, "not_found")
		admin.do(http.MethodPatch, path, obj{"password": "short"}).wantError(http.StatusBadRequest, "invalid_fields", "password")
		admin.do(http.MethodPatch, path, obj{"display_name": strings.Repeat("长", 51)}).wantError(http.StatusBadRequest, "invalid_fields", "display_name")
		admin.do(http.MethodPatch, path, obj{"active": "no"}).wantError(http.StatusBadRequest, "invalid_json", "active")
		admin.do(http.MethodPatch, path, obj{"role": "admin"}).wantError(http.StatusBadRequest, "invalid_json", "role")

		var u struct {
			DisplayName string `json:"display_name"`
			Active      bool   `json:"active"`
		}
		admin.do(http.MethodPatch, path, obj{"display_name": " 东湖区应急管理局 张科长 "}).want(http.StatusOK).decode(&u)
		if u.DisplayName != "东湖区应急管理局 张科长" || !u.Active {
			t.Errorf("renamed %+v", u)
		}
		donghu.get("/api/v1/me").want(http.StatusOK) // renaming keeps the session

		admin.do(http.MethodPatch, path, obj{"active": false}).want(http.StatusOK).decode(&u)
		if u.Active {
			t.Error("still active")
		}
		donghu.get("/api/v1/me").wantError(http.StatusUnauthorized, "unauthorized")
		w.anon(t).post("/api/v1/login", obj{"username": "donghu", "password": password}).wantError(http.StatusUnauthorized, "bad_credentials")

		admin.do(http.MethodPatch, path, obj{"active": true}).want(http.StatusOK)
		tok := w.login(t, "donghu", password)
		admin.do(http.MethodPatch, path, obj{"password": "新的密码-2026"}).want(http.StatusOK)
		(&client{t: t, w: w, token: tok}).get("/api/v1/me").wantError(http.StatusUnauthorized, "unauthorized")
		w.anon(t).post("/api/v1/login", obj{"username": "donghu", "password": password}).wantError(http.StatusUnauthorized, "bad_credentials")
		w.login(t, "donghu", "新的密码-2026")

		self := "/api/v1/users/" + strconv.FormatInt(w.users["admin"].ID, 10)
		e := admin.do(http.MethodPatch, self, obj{"active": false}).wantError(http.StatusBadRequest, "invalid_fields", "active")
		if !strings.Contains(e.Message+e.Fields["active"], "不能停用您正在使用的账号") {
			t.Errorf("self-deactivation: %+v", e)
		}
		admin.get("/api/v1/me").want(http.StatusOK)
	})
}

// The admin page deactivates an account from its row (with the form token)
// and offers no button to deactivate the admin's own account.
func TestPagesDeactivateUser(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	p := newPageClient(t, w)
	csrf := p.login("admin")
	_, body := p.do(http.MethodGet, "/admin", nil, nil)
	id := strconv.FormatInt(w.users["xihu"].ID, 10)
	self := strconv.FormatInt(w.users["admin"].ID, 10)
	if !strings.Contains(body, `action="/admin/users/`+id+`"`) {
		t.Fatal("the admin page lacks the account forms")
	}
	toggle := func(id string) string {
		return `action="/admin/users/` + id + `" class="inline"><input type="hidden" name="csrf" value="` + csrf + `"><input type="hidden" name="action" value="deactivate">`
	}
	if !strings.Contains(body, toggle(id)) || strings.Contains(body, toggle(self)) {
		t.Error("want a deactivate button for another account and none for the admin's own")
	}
	xihu := w.as(t, "xihu")
	resp, _ := p.do(http.MethodPost, "/admin/users/"+id, url.Values{"csrf": {csrf}, "action": {"deactivate"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", resp.StatusCode)
	}
	xihu.get("/api/v1/me").wantError(http.StatusUnauthorized, "unauthorized")
	resp, body = p.do(http.MethodPost, "/admin/users/"+id, url.Values{"csrf": {csrf}, "action": {"password"}, "password": {"123"}}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "密码长度应为8到72个字符") {
		t.Errorf("short password: %d", resp.StatusCode)
	}
	resp, _ = p.do(http.MethodPost, "/admin/users/"+id, url.Values{"csrf": {csrf}, "action": {"drop"}}, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown action: %d", resp.StatusCode)
	}
}
