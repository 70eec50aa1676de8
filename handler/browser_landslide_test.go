package handler_test

import (
	"context"
	"math"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// TestBrowserLandslideWalk walks issue #15's disaster loop in chromium: a
// village's information officer (群测群防员), on a 390 × 844 phone, reports a
// landslide from the finding page with the threat, the monitor, the
// evacuation route and the phone's position (获取当前位置, permission
// granted); the township's supervisor reviews it and lists it as the
// township's to rectify; the officer's patrol finds danger signs with a
// photo (险情叫应); the township records the evacuation (险情处置) and the
// successful avoidance (成功避险), then plans and submits the rectification
// with proof as the responsible party itself (not on behalf); the county's
// natural resources bureau, at 1280 wide, writes it off, and the timeline shows every
// step. No page the village or the township uses scrolls sideways on the
// phone.
func TestBrowserLandslideWalk(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	grassroots(t, w,
		grassrootsUser{"cunyuan", "庙后村信息员王群防", "360102100200", model.RoleOfficer, ""},
		grassrootsUser{"zhen", "扬子洲镇应急办", "360102100", model.RoleSupervisor, model.DeptEmergency},
		grassrootsUser{"ziran", "东湖区自然资源局", "360102", model.RoleSupervisor, model.DeptNaturalResources})
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 5*time.Minute)
	t.Logf("screenshots in %s", b.shots)
	phone, desktop := viewports[0], viewports[1]
	photo := writeJPEG(t)
	set := func(sel, value string) {
		t.Helper()
		b.setValue(sel, value)
	}
	lat, lng := 28.712345, 115.954321
	b.geolocation(cdpbrowser.PermissionSettingGranted, lat, lng, 8.0)

	// The village's monitor reports the landslide from the phone.
	b.run(phone.act)
	b.login("cunyuan")
	b.open("/hazards/new")
	form := `form[action="/hazards/new"]`
	b.run(chromedp.Click(chromedp.CSS(form+` input[name=category][value=disaster]`), chromedp.NodeVisible))
	b.waitText("[data-geo-need]", "灾害隐患应填写")
	for _, f := range [][2]string{
		{"title", "庙后村后山滑坡体裂缝"},
		{"description", "后山坡体出现弧形拉裂缝，长约 30 米，坡脚有渗水"},
		{"location", "庙后村五组后山"},
		{"region_code", "360102100200"},
		{"disaster_type", "geological"},
		{"subtype", "landslide"},
		{"threatened_households", "8"},
		{"threatened_people", "26"},
		{"threatened_property", "120"},
		{"monitor_name", "王群防"},
		{"monitor_phone", "13907910001"},
	} {
		set(form+` [name=`+f[0]+`]`, f[1])
	}
	set(form+` textarea[name=evacuation_plan]`, "沿村道向东转移至庙后村委会安置点")
	b.run(chromedp.SetUploadFiles(chromedp.CSS(form+` input[name=photo]`), []string{photo}))
	b.run(chromedp.Click(chromedp.CSS(form+` button[data-geo]`), chromedp.NodeVisible))
	b.waitText(form+` [data-geo-note]`, "已填入当前位置")
	b.wantValue(form+` input[name=latitude]`, "28.712345")
	b.wantValue(form+` input[name=longitude]`, "115.954321")
	noSideways(t, b, phone.name)
	b.shot("landslide-finding-phone")
	b.submit(form + ` button[type=submit]`)
	b.waitText("#category", "灾害隐患：地质灾害（滑坡）")
	b.waitText("#threat", "26 人")
	b.waitText("main", "纬度 28.712345°，经度 115.954321°")
	b.waitText("main", "王群防 13907910001")
	path := regexp.MustCompile(`/hazards/\d+`).FindString(b.location())
	if path == "" {
		t.Fatalf("after the finding the browser is at %s", b.location())
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(path, "/hazards/"), 10, 64)
	stored, err := w.store.GetHazard(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Latitude == nil || stored.Longitude == nil ||
		math.Abs(*stored.Latitude-lat) > 1e-6 || math.Abs(*stored.Longitude-lng) > 1e-6 {
		t.Errorf("the hazard is stored at %v, %v; want %v, %v", stored.Latitude, stored.Longitude, lat, lng)
	}
	if stored.Category != model.CategoryDisaster || stored.RegionCode != "360102100200" {
		t.Errorf("stored as %s in %s", stored.Category, stored.RegionCode)
	}
	noSideways(t, b, phone.name)
	b.shot("landslide-reported-phone")
	b.logout()

	// The township reviews it and lists it as its own to rectify (the
	// village has no means to treat a slope).
	b.login("zhen")
	b.open("/queue")
	b.waitText("#discovered", "庙后村后山滑坡体裂缝")
	noSideways(t, b, phone.name)
	b.open(path)
	set(`#ev-confirm select[name=responsible_party_type]`, "township")
	set(`#ev-confirm input[name=responsible_unit]`, "扬子洲镇人民政府")
	b.submit(`#ev-confirm button[type=submit]`)
	b.waitText(".badges", "已列入清单（待整改）")
	b.waitText("#party", "乡镇")
	b.waitText("#party", "360102100")
	b.logout()

	// The monitor's patrol finds danger signs.
	b.login("cunyuan")
	b.open(path)
	b.waitText("#patrols", "下次巡查期限")
	set(`#patrol-form select[name=result]`, "danger")
	set(`#patrol-form textarea[name=note]`, "后缘裂缝加宽至 20 厘米，坡脚渗水浑浊，已通知群众做好转移准备")
	b.run(chromedp.SetUploadFiles(chromedp.CSS(`#patrol-form input[name=file]`), []string{photo}))
	b.submit(`#patrol-form button[type=submit]`)
	b.waitText("#danger", "险情叫应")
	b.waitText("#patrol-history", "发现险情")
	b.waitText("#patrol-history", "照片 1 张")
	noSideways(t, b, phone.name)
	b.shot("landslide-danger-phone")
	b.logout()

	// The township evacuates, records the avoidance, then rectifies as the
	// party itself.
	b.login("zhen")
	b.open("/queue")
	b.waitText("#dangers", "庙后村后山滑坡体裂缝")
	b.open(path)
	set(`#respond-form textarea[name=measures]`, "组织转移 8 户 26 人至庙后村委会安置点，设置警戒线")
	b.submit(`#respond-form button[type=submit]`)
	b.waitText("#patrol-history", "组织转移 8 户 26 人")
	b.wantCount("#danger", 0)
	b.run(chromedp.Evaluate[chromedp.Void](`document.getElementById("ev-avoidance").open=true`))
	set(`#ev-avoidance input[name=occurred_at]`, "2026-11-27T22:30")
	set(`#ev-avoidance textarea[name=what]`, "夜间强降雨后滑坡体前缘下滑约 2000 方，群众已提前转移")
	set(`#ev-avoidance input[name=people_evacuated]`, "26")
	set(`#ev-avoidance input[name=casualties]`, "0")
	b.submit(`#ev-avoidance button[type=submit]`)
	b.waitText("#avoidance", "26 人")
	b.waitText("#avoidance", "无人员伤亡")
	b.waitText("#timeline", "险情发生：2026-11-27 22:30") // Beijing time, as the card above says it
	noSideways(t, b, phone.name)
	shotOf(b, "#avoidance", "landslide-avoidance-phone")

	b.run(chromedp.Evaluate[chromedp.Void](`document.getElementById("ev-plan").open=true`))
	if txt := b.text("#ev-plan"); strings.Contains(txt, "代为") {
		t.Errorf("the township is offered its own plan as on behalf: %s", txt)
	}
	set(`#ev-plan textarea[name=measures]`, "削坡减载，修建截排水沟和挡土墙，专业监测")
	set(`#ev-plan input[name=responsible_person]`, "李镇长")
	set(`#ev-plan input[name=deadline]`, "2026-12-20")
	b.submit(`#ev-plan button[type=submit]`)
	b.waitText(".badges", "整改中")
	b.run(
		chromedp.SetValue(chromedp.CSS(`form.upload select[name=kind]`), "photo_after"),
		chromedp.SetUploadFiles(chromedp.CSS(`form.upload input[name=file]`), []string{photo}),
	)
	b.submit(`form.upload button[type=submit]`)
	b.waitText(".flash.ok", "材料已上传")
	b.run(chromedp.Evaluate[chromedp.Void](`document.getElementById("ev-submit").open=true`))
	set(`#ev-submit textarea[name=comment]`, "挡土墙和截排水沟已完工，坡体稳定")
	b.submit(`#ev-submit button[type=submit]`)
	b.waitText(".badges", "待核实")
	noSideways(t, b, phone.name)
	b.shot("landslide-submitted-phone")
	b.logout()

	// The county's natural resources bureau (the competent department of a
	// geological hazard) verifies and writes it off.
	b.run(desktop.act)
	b.login("ziran")
	b.open("/queue")
	b.waitText("main", "庙后村后山滑坡体裂缝")
	b.open(path)
	set(`#ev-approve textarea[name=comment]`, "现场复核，治理工程完工，坡体稳定")
	b.submit(`#ev-approve button[type=submit]`)
	b.waitText(".badges", "已销号")
	timeline := b.text("#timeline")
	for _, want := range []string{"登记隐患", "核查属实", "巡查", "险情处置", "成功避险", "制定整改方案", "上传佐证材料", "提交整改", "核实通过"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %s: %s", want, timeline)
		}
	}
	if strings.Contains(timeline, "代为") {
		t.Errorf("the township's plan or submission is logged as on behalf: %s", timeline)
	}
	b.shot("landslide-written-off-desktop")
}
