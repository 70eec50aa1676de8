package handler_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// TestBrowserActionsAndAdmin, at 390 × 844 and 1280 wide: the province's
// hazard page offers 提交整改 only as 代为提交整改, folded, asking for the
// reason, and the letter's paper receipt rather than 签收; the enterprise's
// offers 提交整改 open and 签收; 校验记录链 shows the verdict. The admin's new
// account form leaves the role to choose (the server refuses none), the
// account list names enterprises and regions, and the holiday calendar page
// takes the State Council's notice and says what changed.
func TestBrowserActionsAndAdmin(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 3*time.Minute)
	t.Logf("screenshots in %s", b.shots)
	h := rectifying(t, w, "配电箱门锁损坏", "2026-12-31")
	w.as(t, "donghu").mustFire(h, "escalate", obj{"reason": "整改进度滞后"})
	page := "/hazards/" + strconv.FormatInt(h.ID, 10)
	notice := filepath.Join(t.TempDir(), "国务院办公厅关于2027年部分节假日安排的通知.json")
	if err := os.WriteFile(notice, []byte(`{"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知",
		"holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}, {"name": "春节", "from": "2027-02-05", "to": "2027-02-12"}],
		"workdays": ["2027-02-13"]}`), 0o644); err != nil {
		t.Fatal(err)
	}

	for i, vp := range viewports {
		b.run(vp.act)
		b.login("prov")
		b.open(page)
		b.wantCount(`#ev-submit.onbehalf:not([open])`, 1)
		b.wantCount(`details.event.primary`, 0)
		b.waitText(`#no-primary`, "由整改责任单位办理")
		b.waitText(`#ev-submit summary`, "代为提交整改")
		b.wantCount(`#ev-submit textarea[name=comment][required]`, 1)
		b.wantCount(`#supervision form[action$=acknowledge]:not(:has(input[name=paper]))`, 0) // no 签收 of its own
		b.waitText(`#supervision details.paper summary`, "代录纸质回执")
		b.run(chromedp.Click(chromedp.CSS(`#ev-submit summary`)), chromedp.Click(chromedp.CSS(`#supervision details.paper summary`)))
		b.shot("actions-province-" + vp.name)
		b.submit(`#timeline form button`)
		b.waitText(`#chain`, "校验通过")
		b.shot("actions-chain-" + vp.name)
		b.logout()

		b.login("entA")
		b.open(page)
		b.wantCount(`#ev-submit.primary[open]`, 1)
		b.wantCount(`details.event.onbehalf`, 0)
		b.waitText(`#supervision`, "签收")
		b.shot("actions-enterprise-" + vp.name)
		b.logout()

		b.login("admin")
		b.open("/admin")
		b.wantValue(`#users form.row-form select[name=role]`, "")
		b.waitText("#u"+strconv.FormatInt(w.users["entA"].ID, 10), "南昌东湖精细化工有限公司")
		// The browser asks for a role itself; without its check the server
		// refuses too, keeping what was typed.
		b.run(
			chromedp.SetValue(chromedp.CSS(`#users form.row-form input[name=username]`), "wang-"+vp.name),
			chromedp.SetValue(chromedp.CSS(`#users form.row-form input[name=password]`), "安全第一预防为主"),
			chromedp.RemoveAttribute(chromedp.CSS(`#users form.row-form select[name=role]`), "required"),
		)
		b.submit(`#users form.row-form button[type=submit]`)
		b.waitText(".flash.err", "请选择账号的角色")
		b.wantValue(`#users form.row-form input[name=username]`, "wang-"+vp.name)
		b.run(chromedp.ScrollIntoView(chromedp.CSS(`#users form.row-form`)))
		b.shot("admin-role-" + vp.name)

		b.open("/admin/calendars?year=2027")
		b.waitText("#year", "2027年")
		b.run(chromedp.SetUploadFiles(chromedp.CSS(`#upload input[name=file]`), []string{notice}))
		b.submit(`#upload button[type=submit]`)
		// 2027 ships provisional; the second time the notice changes nothing.
		if i == 0 {
			b.waitText("#changes", "由暂定安排改为正式安排")
		} else {
			b.waitText("#changes", "没有变化")
		}
		b.waitText("#year", "春节")
		b.shot("calendar-" + vp.name)
		b.logout()
	}
}
