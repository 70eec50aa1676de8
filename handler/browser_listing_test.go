package handler_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"hazardloop/model"
	"hazardloop/regions"
	"hazardloop/workflow"
)

// TestBrowserListing: in chromium, the city raises a major hazard to its own
// listed supervision (市级挂牌督办); the county's write-off is not offered and,
// posted anyway, refused; the city's is refused without an assessment report
// and succeeds with one. Shot at 390 × 844 and at 1280 wide.
func TestBrowserListing(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 2*time.Minute)

	donghu := w.as(t, "donghu")
	h := donghu.createHazard(obj{"title": "液氨储罐区未设泄漏报警", "level": "major", "enterprise_id": w.ents["A"].ID, "industry": "危险化学品"})
	h = donghu.mustFire(h, "confirm", obj{"basis_standard": "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》", "basis_clause": "第十一条"})
	page := fmt.Sprintf("/hazards/%d", h.ID)
	pdf := filepath.Join(t.TempDir(), "评估报告.pdf")
	if err := os.WriteFile(pdf, testPDF, 0o644); err != nil {
		t.Fatal(err)
	}

	b.run(chromedp.EmulateViewport(1280, 900))
	b.login("city")
	b.open(page)
	b.waitText(".badges", "县级挂牌督办")
	b.run(chromedp.Click(chromedp.CSS(`#ev-list_supervision summary`), chromedp.NodeVisible))
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-list_supervision textarea[name=reason]`), "涉及液氨重大危险源，市级挂牌督办"))
	b.submit(`#ev-list_supervision button[type=submit]`)
	b.waitText(".badges", "市级挂牌督办")
	b.waitText("#timeline", "提级挂牌督办")
	b.shot("listing-city-desktop")
	b.logout()

	entA := w.as(t, "entA")
	h = entA.hazard(h.ID)
	h = entA.mustFire(h, "plan", obj{"measures": "增设泄漏报警并联锁", "responsible_person": "王强", "deadline": "2026-12-20",
		"funds": 12, "funds_source": "企业自筹", "emergency_plan": "储罐区停用，专人巡查"})
	entA.mustFire(h, "submit", nil)

	// The county: no write-off offered (it may still turn the proof down).
	b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.login("donghu2")
	b.open(page)
	b.waitText(".badges", "待核实")
	b.wantForms("reject", "suspend")
	b.shot("listing-county-phone")
	b.logout()

	// The city: refused without the assessment, then written off with it.
	b.login("city")
	b.open(page)
	b.wantForms("approve", "reject", "suspend")
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-approve textarea[name=comment]`), "经评估整改到位，予以摘牌"))
	b.submit(`#ev-approve button[type=submit]`)
	b.waitText("#ev-approve", "评估报告")
	b.wantValue(`#ev-approve textarea[name=comment]`, "经评估整改到位，予以摘牌")
	b.shot("listing-refused-phone")
	b.run(
		chromedp.SetValue(chromedp.CSS(`form.upload select[name=kind]`), "assessment"),
		chromedp.SetUploadFiles(chromedp.CSS(`form.upload input[name=file]`), []string{pdf}),
	)
	b.submit(`form.upload button[type=submit]`)
	b.waitText(".flash.ok", "材料已上传")
	b.waitText("#evidence", "评估报告")
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-approve textarea[name=comment]`), "经评估整改到位，予以摘牌"))
	b.submit(`#ev-approve button[type=submit]`)
	b.waitText(".badges", "已销号")
	if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
		t.Errorf("the hazard page is %d px wide on a 390 px phone (%v)", sw, err)
	}
	b.shot("listing-written-off-phone")
}

// TestBrowserRanking: the ranking of slow regions and departments as the city
// reads it, at 390 × 844 (cards, no sideways scroll) and at 1280 wide.
func TestBrowserRanking(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 2*time.Minute)
	donghu, xihu := w.as(t, "donghu"), w.as(t, "xihu")
	for i := range 3 {
		h := donghu.createHazard(obj{"title": fmt.Sprintf("东湖区隐患%d", i), "region_code": "360102"})
		donghu.mustFire(h, "confirm", obj{"deadline": "2026-11-30", "responsible_unit": "某单位"})
	}
	x := xihu.createHazard(obj{"title": "西湖区隐患", "region_code": "360103"})
	xihu.mustFire(x, "confirm", obj{"deadline": "2027-01-31", "responsible_unit": "某单位"})

	for _, vp := range viewports {
		b.run(vp.act)
		b.login("city")
		b.open("/supervision/regions?as_of=2026-12-10")
		b.waitText("#regions", "进展缓慢")
		b.waitText("#departments", "应急管理")
		if vp.name == "phone" {
			if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
				t.Errorf("the ranking is %d px wide on a 390 px phone (%v)", sw, err)
			}
		}
		b.shot("ranking-" + vp.name)
		b.logout()
	}
}

// TestBrowserSuspension: a supervisor orders a suspension from the hazard
// page (a missing order number refused beside its field, the reason kept); the
// enterprise reads the order and how to resume on a phone. Both shot.
func TestBrowserSuspension(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 2*time.Minute)
	entA, donghu := w.as(t, "entA"), w.as(t, "donghu")
	h := entA.createHazard(obj{"title": "喷涂车间通风系统停运"})
	h = donghu.mustFire(h, "confirm", obj{"deadline": "2026-12-20"})
	entA.mustFire(h, "plan", obj{"measures": "修复风机", "responsible_person": "张三"})
	page := fmt.Sprintf("/hazards/%d", h.ID)

	b.run(chromedp.EmulateViewport(1280, 900))
	b.login("donghu")
	b.open(page)
	b.run(chromedp.Click(chromedp.CSS(`#ev-suspend summary`), chromedp.NodeVisible))
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-suspend textarea[name=reason]`), "通风系统失效，责令喷涂车间停产整改"))
	b.submit(`#ev-suspend button[type=submit]`)
	b.waitText("#ev-suspend", "请填写停产停业指令的文书编号")
	b.wantValue(`#ev-suspend textarea[name=reason]`, "通风系统失效，责令喷涂车间停产整改")
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-suspend input[name=order_no]`), "东应急停〔2026〕3号"))
	b.submit(`#ev-suspend button[type=submit]`)
	b.waitText("#suspension", "东应急停〔2026〕3号")
	b.shot("suspension-desktop")
	b.logout()

	b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.login("entA")
	b.open(page)
	b.waitText("#suspension", "恢复生产须提交书面申请")
	if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
		t.Errorf("the hazard page is %d px wide on a 390 px phone (%v)", sw, err)
	}
	b.shot("suspension-phone")
}

// TestBrowserCountyMap: the province's county map (四色图) over the shipped
// table and outlines, at 390 × 844 (no sideways scroll) and 1280 wide.
func TestBrowserCountyMap(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	if _, err := workflow.New(w.store, workflow.Options{}).Directory.ImportRegions(context.Background(),
		workflow.Actor{Role: model.RoleAdmin}, regions.Jiangxi()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 2*time.Minute)
	prov := w.as(t, "prov")
	for i, county := range []string{"360102", "360102", "360102", "360103", "360402", "361102", "360722", "360722"} {
		prov.createHazard(obj{"title": fmt.Sprintf("隐患%d", i), "region_code": county})
	}
	for _, vp := range viewports {
		b.run(vp.act)
		b.login("prov")
		b.open("/map?metric=open")
		b.waitText("#counties", "东湖区")
		b.wantCount(`#map svg a`, 99)
		if vp.name == "phone" {
			if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
				t.Errorf("the map page is %d px wide on a 390 px phone (%v)", sw, err)
			}
		}
		b.shot("map-" + vp.name)
		b.logout()
	}

	// 东湖区's own map: its located open hazards as dots, one major. The
	// finding form takes the phone's position when 使用当前位置 is tapped.
	donghu := w.as(t, "donghu")
	for i, p := range [][2]float64{{28.6920, 115.9050}, {28.6850, 115.8990}, {28.6790, 115.9120}} {
		level := "general"
		if i == 0 {
			level = "major"
		}
		donghu.createHazard(obj{"title": fmt.Sprintf("有坐标的隐患%d", i), "region_code": "360102", "level": level, "latitude": p[0], "longitude": p[1]})
	}
	for _, vp := range viewports {
		b.run(vp.act)
		b.login("donghu")
		b.open("/map")
		b.wantCount(`#map svg circle.dot`, 3)
		b.waitText("#dots", "有坐标的隐患0")
		b.shot("map-county-" + vp.name)
		if vp.name == "phone" {
			lat, lng := 28.6843, 115.8931
			b.geolocation(cdpbrowser.PermissionSettingGranted, lat, lng, 12.0)
			b.open("/hazards/new")
			b.run(chromedp.Click(chromedp.CSS(`button[data-geo]`)))
			b.waitText("[data-geo-note]", "已填入当前位置")
			b.wantValue(`input[name=latitude]`, "28.684300")
			b.wantValue(`input[name=longitude]`, "115.893100")
			b.shot("finding-geo-phone")
		}
		b.logout()
	}
}

// TestBrowserPeriodic: an enterprise files its quarter (统计分析表) from a phone,
// once refused without its principal's name (the note kept); the county's
// supervisor sees the filing and who has not filed. Both shot.
func TestBrowserPeriodic(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 2*time.Minute)
	w.as(t, "entA").createHazard(obj{"title": "八月自查：配电箱未接地", "discovered_at": "2026-08-10"})

	b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.login("entA")
	b.open("/periodic?period=2026Q3")
	b.waitText("#draft", "排查发现隐患")
	b.run(chromedp.SetValue(chromedp.CSS(`#file textarea[name=note]`), "三季度隐患排查治理情况"))
	b.run(chromedp.Evaluate[chromedp.Void](`document.querySelector('#file input[name=principal_name]').removeAttribute('required')`))
	b.submit(`#file button[type=submit]`)
	b.waitText("#file", "请填写签发的主要负责人姓名")
	b.wantValue(`#file textarea[name=note]`, "三季度隐患排查治理情况")
	b.run(chromedp.SetValue(chromedp.CSS(`#file input[name=principal_name]`), "王建国"))
	b.submit(`#file button[type=submit]`)
	b.waitText(".flash.ok", "统计分析表已报送")
	b.waitText("#filings", "王建国")
	if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
		t.Errorf("the page is %d px wide on a 390 px phone (%v)", sw, err)
	}
	b.shot("periodic-enterprise-phone")
	b.logout()

	b.run(chromedp.EmulateViewport(1280, 900))
	b.login("city")
	b.open("/periodic?period=2026Q3")
	b.waitText("#filings", "南昌东湖精细化工有限公司")
	b.waitText("#missing", "南昌西湖建材加工厂")
	b.shot("periodic-city-desktop")
}
