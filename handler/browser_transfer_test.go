package handler_test

import (
	"cmp"
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
	"hazardloop/workflow"
)

// TestBrowserTransfer walks the grassroots loop in chromium: a village
// information officer logs a finding from a phone; the township's supervisor
// reviews and lists it, then transfers it to the water department; the county's
// water bureau finds it in its queue (待接收移交), accepts it, plans, uploads
// proof and submits; a second water supervisor writes it off there. The pages
// that transfers change are shot at 390 × 844 and at 1280 wide, and no page
// scrolls sideways on the phone.
func TestBrowserTransfer(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	grassroots(t, w,
		grassrootsUser{"cunyuan", "", "360102100200", model.RoleOfficer, ""},
		grassrootsUser{"zhen", "", "360102100", model.RoleSupervisor, model.DeptEmergency},
		grassrootsUser{"shuili", "", "360102", model.RoleSupervisor, model.DeptWater},
		grassrootsUser{"shuili2", "", "360102", model.RoleSupervisor, model.DeptWater})
	ts := httptest.NewServer(w.srv)
	t.Cleanup(ts.Close)
	b := newBrowser(t, ts.URL, 3*time.Minute)
	t.Logf("screenshots in %s", b.shots)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))
	desktop := chromedp.EmulateViewport(1280, 900)
	narrow := func(page string) {
		t.Helper()
		sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || sw > 390 {
			t.Errorf("%s is %d px wide on a 390 px phone (%v)", page, sw, err)
		}
	}
	photo := writeJPEG(t)

	// The village officer, on a phone.
	b.run(phone)
	b.login("cunyuan")
	b.open("/hazards/new")
	b.run(
		chromedp.SetValue(chromedp.CSS(`input[name=title]`), "村头山塘坝体渗水"),
		chromedp.SetValue(chromedp.CSS(`input[name=location]`), "庙后村后山山塘"),
		chromedp.SetValue(chromedp.CSS(`input[name=region_code]`), "360102100200"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=photo]`), []string{photo}),
	)
	b.submit(`form[action="/hazards/new"] button[type=submit]`)
	b.waitText(".badges", "已发现（待核查）")
	m := regexp.MustCompile(`/hazards/\d+`).FindString(b.location())
	if m == "" {
		t.Fatalf("after the finding the browser is at %s", b.location())
	}
	b.wantForms() // the officer's own finding is checked by someone else
	b.open("/queue")
	b.waitText("#reported", "村头山塘坝体渗水")
	b.logout()

	// The township reviews it, lists it, and hands it to the water department.
	b.run(desktop)
	b.login("zhen")
	b.open("/queue")
	b.waitText("#discovered", "村头山塘坝体渗水")
	b.open(m)
	b.wantForms("confirm", "dismiss", "transfer")
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-confirm input[name=responsible_unit]`), "庙后村村民委员会"))
	b.submit(`#ev-confirm button[type=submit]`)
	b.waitText(".badges", "已列入清单（待整改）")
	b.run(chromedp.Click(chromedp.CSS(`#ev-transfer summary`), chromedp.NodeVisible))
	b.submit(`#ev-transfer button[type=submit]`) // nothing chosen: refused, said beside the field
	b.waitText("#ev-transfer", "请选择移交至哪个部门或哪个区划")
	b.run(
		chromedp.SetValue(chromedp.CSS(`#ev-transfer select[name=to_department]`), "water"),
		chromedp.SetValue(chromedp.CSS(`#ev-transfer textarea[name=reason]`), "山塘属小型水利工程，请水利部门处理"),
	)
	b.submit(`#ev-transfer button[type=submit]`)
	b.waitText("#transfer", "东湖区水利局")
	// The village (庙后村村民委员会) rectifies its own hazard: the township
	// may plan only on its behalf, offered last.
	b.wantForms("escalate", "suspend", "plan")
	b.shot("transfer-sent-desktop")
	b.run(phone)
	b.open(m)
	b.waitText("#transfer", "等待对方")
	narrow("the sender's hazard page")
	b.shot("transfer-sent-phone")
	b.logout()

	// The county's water bureau accepts it from its queue.
	for _, vp := range viewports {
		b.run(vp.act)
		b.login("shuili")
		b.open("/queue")
		b.waitText("#transfers-in", "村头山塘坝体渗水")
		if vp.name == "phone" {
			narrow("the receiver's queue")
		}
		b.shot("transfer-queue-" + vp.name)
		b.open(m)
		b.waitText("#transfer", "请于")
		b.wantForms("accept_transfer", "decline_transfer")
		b.shot("transfer-receive-" + vp.name)
		if vp.name == "phone" {
			narrow("the receiver's hazard page")
			b.logout()
		}
	}
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-accept_transfer textarea[name=comment]`), "已接收，由县水利局督促整改"))
	b.submit(`#ev-accept_transfer button[type=submit]`)
	b.waitText("#timeline", "接收移交")
	b.wantCount("#transfer", 0)
	b.waitText("dl.fields", "东湖区水利局")
	b.wantForms("escalate", "transfer", "suspend", "plan")

	// The water bureau rectifies through the village — on its behalf, with
	// the reason written — and submits the proof…
	b.run(chromedp.Click(chromedp.CSS(`#ev-plan summary`), chromedp.NodeVisible))
	b.run(
		chromedp.SetValue(chromedp.CSS(`#ev-plan textarea[name=comment]`), "村委会无专业施工力量，由县水利局组织整改"),
		chromedp.SetValue(chromedp.CSS(`#ev-plan textarea[name=measures]`), "坝体开挖回填黏土防渗，降低水位运行"),
		chromedp.SetValue(chromedp.CSS(`#ev-plan input[name=responsible_person]`), "刘水根"),
		chromedp.SetValue(chromedp.CSS(`#ev-plan input[name=deadline]`), "2026-12-20"),
	)
	b.submit(`#ev-plan button[type=submit]`)
	b.waitText(".badges", "整改中")
	b.run(
		chromedp.SetValue(chromedp.CSS(`form.upload select[name=kind]`), "photo_after"),
		chromedp.SetUploadFiles(chromedp.CSS(`form.upload input[name=file]`), []string{photo}),
	)
	b.submit(`form.upload button[type=submit]`)
	b.waitText(".flash.ok", "材料已上传")
	b.run(chromedp.Click(chromedp.CSS(`#ev-submit summary`), chromedp.NodeVisible))
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-submit textarea[name=comment]`), "整改完成，代村委会提交"))
	b.submit(`#ev-submit button[type=submit]`)
	b.waitText(".badges", "待核实")
	b.logout()

	// …and another of its supervisors writes it off.
	b.login("shuili2")
	b.open(m)
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-approve textarea[name=comment]`), "现场复核，坝体无渗水"))
	b.submit(`#ev-approve button[type=submit]`)
	b.waitText(".badges", "已销号")
	timeline := b.text("#timeline")
	for _, want := range []string{"登记隐患", "核查属实", "移交", "接收移交", "制定整改方案", "提交整改", "核实通过"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %s: %s", want, timeline)
		}
	}
	b.shot("transfer-written-off-desktop")
}

// grassrootsUser is an account grassroots makes: its username, display name
// (the username when empty), region, role and department.
type grassrootsUser struct {
	name, display, region string
	role                  model.Role
	dept                  model.Department
}

// grassroots registers 扬子洲镇, a township of 东湖区, and its village 庙后村委会,
// and users in them or above.
func grassroots(t *testing.T, w *world, users ...grassrootsUser) {
	t.Helper()
	ctx, admin := context.Background(), workflow.Actor{Role: model.RoleAdmin}
	dir := workflow.New(w.store, workflow.Options{}).Directory
	for _, r := range []workflow.RegionInput{
		{Code: "360102100", Name: "扬子洲镇", ParentCode: "360102"},
		{Code: "360102100200", Name: "庙后村委会", ParentCode: "360102100"},
	} {
		if _, err := dir.CreateRegion(ctx, admin, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range users {
		user := &model.User{Username: u.name, PasswordHash: fixtureHash(), DisplayName: cmp.Or(u.display, u.name), Role: u.role,
			RegionCode: ptr(u.region), Department: u.dept, Active: true, CreatedAt: start.UTC()}
		if err := w.store.CreateUser(ctx, user); err != nil {
			t.Fatal(err)
		}
	}
}
