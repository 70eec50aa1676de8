package handler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

type auditJSON struct {
	Seq       int64          `json:"seq"`
	CreatedAt string         `json:"created_at"`
	ActorID   *int64         `json:"actor_id"`
	Actor     string         `json:"actor"`
	ActorRole string         `json:"actor_role"`
	Kind      string         `json:"kind"`
	KindLabel string         `json:"kind_label"`
	Entity    string         `json:"entity"`
	EntityID  string         `json:"entity_id"`
	Label     string         `json:"label"`
	Before    map[string]any `json:"before"`
	After     map[string]any `json:"after"`
	Hash      string         `json:"hash"`
}

type auditPageJSON struct {
	Entries    []auditJSON `json:"entries"`
	NextCursor string      `json:"next_cursor"`
}

func (c *client) audit(query string) auditPageJSON {
	c.t.Helper()
	var p auditPageJSON
	c.get("/api/v1/audit" + query).want(http.StatusOK).decode(&p)
	return p
}

// TestAuditAPI: changes to accounts made through the API are in the log at
// GET /api/v1/audit, for admins only; its filters (kind, actor, entity, from,
// to) narrow it, its keyset pages cover it newest first without a repeat or a
// gap, wrong filters are refused naming the parameter, and no answer holds a
// password or a hash.
func TestAuditAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		admin := w.as(t, "admin")
		adminID := w.users["admin"].ID
		var created struct {
			ID int64 `json:"id"`
		}
		admin.post("/api/v1/users", obj{"username": "auditee", "password": "first-secret", "display_name": "审计对象", "role": "officer", "region_code": "360102"}).
			want(http.StatusCreated).decode(&created)
		id := strconv.FormatInt(created.ID, 10)
		admin.do(http.MethodPatch, "/api/v1/users/"+id, obj{"display_name": "审计对象乙"}).want(http.StatusOK)
		// Two days later: a new password, a deactivation, an unlock.
		w.clock.Set(start.AddDate(0, 0, 2))
		w.forgetLogins() // the sessions of two days ago have expired
		admin = w.as(t, "admin")
		admin.do(http.MethodPatch, "/api/v1/users/"+id, obj{"password": "second-secret"}).want(http.StatusOK)
		for range 5 {
			w.anon(t).post("/api/v1/login", obj{"username": "auditee", "password": "wrong-guess"})
		}
		admin.post("/api/v1/users/"+id+"/unlock", nil).want(http.StatusOK)
		admin.do(http.MethodPatch, "/api/v1/users/"+id, obj{"active": false}).want(http.StatusOK)

		for _, who := range []string{"donghu", "prov", "officer", "entA"} {
			w.as(t, who).get("/api/v1/audit").wantError(http.StatusForbidden, "forbidden")
		}
		w.anon(t).get("/api/v1/audit").wantError(http.StatusUnauthorized, "unauthorized")

		raw := admin.get("/api/v1/audit?limit=200").want(http.StatusOK).body
		for _, secret := range []string{"first-secret", "second-secret", "password_hash", "$2a$", `"password"`} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("the log answers %q: %s", secret, raw)
			}
		}

		mine := admin.audit("?actor=" + strconv.FormatInt(adminID, 10))
		var kinds []string
		for _, e := range mine.Entries {
			kinds = append(kinds, e.Kind)
			if e.ActorID == nil || *e.ActorID != adminID || e.Actor != w.users["admin"].DisplayName || e.ActorRole != "admin" || e.EntityID != id {
				t.Errorf("entry by admin: %+v", e)
			}
		}
		want := []string{"user.deactivate", "user.unlock", "user.password_reset", "user.update", "user.create"}
		if fmt.Sprint(kinds) != fmt.Sprint(want) {
			t.Fatalf("admin's entries %v, want %v (newest first)", kinds, want)
		}
		c := mine.Entries[4]
		if c.KindLabel != "新建账号" || c.Before != nil || c.After["username"] != "auditee" || c.After["role"] != "officer" || c.Label != "auditee" {
			t.Errorf("create entry %+v", c)
		}
		u := mine.Entries[3]
		if u.KindLabel != "修改账号" || u.Before["display_name"] != "审计对象" || u.After["display_name"] != "审计对象乙" {
			t.Errorf("update entry %+v", u)
		}
		if d := mine.Entries[0]; d.Before["active"] != true || d.After["active"] != false || d.KindLabel != "停用账号" {
			t.Errorf("deactivate entry %+v", d)
		}
		if l := mine.Entries[1]; l.Before["locked"] != true || l.KindLabel != "解除登录锁定" {
			t.Errorf("unlock entry %+v", l)
		}
		if n := len(admin.audit("?actor=" + strconv.FormatInt(w.users["donghu"].ID, 10)).Entries); n != 0 {
			t.Errorf("donghu made %d changes", n)
		}

		if p := admin.audit("?kind=user.password_reset"); len(p.Entries) != 1 || p.Entries[0].EntityID != id {
			t.Errorf("kind filter: %+v", p.Entries)
		}
		regions := admin.audit("?entity=region")
		if len(regions.Entries) != len(fixtureRegions) {
			t.Errorf("%d region entries, want the fixture's %d", len(regions.Entries), len(fixtureRegions))
		}
		for _, e := range regions.Entries {
			// The fixture's regions were made by an actor without an account.
			if e.Kind != "region.create" || e.ActorRole != "system" || e.ActorID != nil {
				t.Errorf("region entry %+v", e)
			}
		}

		// Dates are days of Asia/Shanghai, both ends included.
		day0, day2 := start.Format("2006-01-02"), start.AddDate(0, 0, 2).Format("2006-01-02")
		if p := admin.audit("?entity=user&from=" + day2); len(p.Entries) != 3 {
			t.Errorf("from %s: %d entries, want 3", day2, len(p.Entries))
		}
		if p := admin.audit("?entity=user&to=" + day0); len(p.Entries) != 2 {
			t.Errorf("to %s: %d entries, want 2", day0, len(p.Entries))
		}
		if p := admin.audit("?entity=user&from=" + day0 + "&to=" + day0 + "&kind=user.update"); len(p.Entries) != 1 {
			t.Errorf("the first day's update: %+v", p.Entries)
		}

		// Pages of two, newest first, cover the whole log once.
		all := admin.audit("?limit=200").Entries
		var paged []int64
		next := ""
		for i := 0; ; i++ {
			q := "?limit=2"
			if next != "" {
				q += "&cursor=" + url.QueryEscape(next)
			}
			p := admin.audit(q)
			for _, e := range p.Entries {
				paged = append(paged, e.Seq)
			}
			if len(p.Entries) > 2 || i > 100 {
				t.Fatalf("page %d: %d entries", i, len(p.Entries))
			}
			if next = p.NextCursor; next == "" {
				break
			}
		}
		if len(paged) != len(all) {
			t.Fatalf("pages hold %d entries, the log %d", len(paged), len(all))
		}
		for i := range paged {
			if paged[i] != all[i].Seq || (i > 0 && paged[i] >= paged[i-1]) {
				t.Fatalf("pages %v, log %v", paged, all)
			}
		}
		if def := admin.audit(""); len(all) > 50 && len(def.Entries) != 50 || len(all) <= 50 && len(def.Entries) != len(all) {
			t.Errorf("default page: %d of %d", len(def.Entries), len(all))
		}

		for q, field := range map[string]string{
			"?kind=user.explode": "kind", "?entity=hazard": "entity", "?actor=donghu": "actor", "?from=2026-13-01": "from",
			"?to=yesterday": "to", "?cursor=abc": "cursor", "?limit=0": "limit", "?limit=many": "limit",
			"?from=2026-12-02&to=2026-12-01": "to",
		} {
			admin.get("/api/v1/audit"+q).wantError(http.StatusBadRequest, "invalid_fields", field)
		}
		if p := admin.audit("?limit=100000"); len(p.Entries) != len(all) {
			t.Errorf("a limit over 200 answers %d", len(p.Entries))
		}

		r, err := w.store.VerifyAudit(context.Background())
		if err != nil || !r.OK || r.Events != len(all) || r.Head != all[0].Hash {
			t.Errorf("audit chain: %+v %v", r, err)
		}
	})
}
