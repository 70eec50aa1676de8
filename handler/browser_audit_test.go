package handler_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// TestBrowserAudit: the admin reaches the audit log from the admin page, at
// 390 × 844 (the table as cards) and 1280 wide; each change shows its
// Chinese kind, who made it and its fields before → after; the filters
// narrow it; a supervisor is refused the page.
func TestBrowserAudit(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	admin := w.as(t, "admin")
	var created struct {
		ID int64 `json:"id"`
	}
	admin.post("/api/v1/users", obj{"username": "zhaoliu", "password": "first-secret", "display_name": "赵六", "role": "supervisor", "region_code": "360102"}).
		want(http.StatusCreated).decode(&created)
	id := strconv.FormatInt(created.ID, 10)
	admin.do(http.MethodPatch, "/api/v1/users/"+id, obj{"display_name": "赵六一", "department": "housing"}).want(http.StatusOK)
	admin.do(http.MethodPatch, "/api/v1/users/"+id, obj{"password": "second-secret"}).want(http.StatusOK)
	admin.do(http.MethodPatch, "/api/v1/users/"+id, obj{"active": false}).want(http.StatusOK)

	b := newBrowser(t, srv.URL, 2*time.Minute)
	for _, vp := range viewports {
		b.run(vp.act)
		b.login("admin")
		b.open("/admin")
		b.submit(`a[href="/admin/audit"]`)
		b.waitText("h1", "审计日志")
		b.waitText("table.audit", "新建账号")
		b.waitText("table.audit", "停用账号")
		b.waitText("table.audit", "重置密码")
		b.waitText("table.audit", "新增行政区划")
		// The rename: name and department, before → after, in Chinese.
		b.waitText("table.audit", "赵六 → 赵六一")
		b.waitText("table.audit", "应急管理 → 住房和城乡建设")
		b.waitText("table.audit", "启用 → 停用")
		b.shot("audit-" + vp.name)
		if vp.name == "phone" {
			b.wantDisplay("table.audit thead", "none")
			b.wantDisplay("table.audit tr", "block")
		}

		b.run(chromedp.SetValue(chromedp.CSS(`select[name=kind]`), "user.update"))
		b.submit(`form.filters button[type=submit]`)
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(b.location(), "kind=user.update"); {
			if time.Now().After(deadline) {
				t.Fatalf("the filter did not load: %s", b.location())
			}
			time.Sleep(50 * time.Millisecond)
		}
		b.run(chromedp.WaitReady(chromedp.CSS("main")))
		b.waitText("table.audit", "修改账号")
		b.wantCount("table.audit tbody tr", 1)
		b.shot("audit-filtered-" + vp.name)
		b.open("/admin/audit?from=2026-13-40")
		b.waitText(".flash", "日期格式")
		b.logout()
	}
	b.login("donghu")
	b.open("/admin/audit")
	b.waitText("main", "只有系统管理员可以查看审计日志")
	b.logout()
}

// wantDisplay wants the computed display of the first element sel matches.
func (b *browser) wantDisplay(sel, want string) {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(`+strconv.Quote(sel)+`)).display`))
	if err != nil {
		b.fatal(err)
	}
	if got != want {
		b.t.Errorf("%s: display %q, want %q", sel, got, want)
	}
}
