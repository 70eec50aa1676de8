package handler_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// TestBrowserDuplicates: in chromium, at 390 × 844 and 1280, an officer types
// the title of a hazard already logged and, on leaving the field, the finding
// form names it (可能重复：YH-… with its state), without blocking the form; a
// citizen's report page takes the phone's position once tapped (a refusal
// leaves the fields empty and says so) and then tells how many similar issues
// nearby are being handled, naming none; the reported hazard's page shows the
// coordinates with a geo: link.
func TestBrowserDuplicates(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 3*time.Minute)
	t.Logf("screenshots in %s", b.shots)

	first := w.as(t, "officer").createHazard(obj{"title": "河堤护坡塌陷", "region_code": "360102", "location": "扬子洲镇沿江路",
		"latitude": 28.6843, "longitude": 115.8931})
	w.anon(t).post(reportsPath, obj{"title": "后山山体开裂", "description": "村后山坡出现多条裂缝，雨后有碎石滚落", "region_code": "360102",
		"address": "东湖区某村后山", "latitude": 28.70, "longitude": 115.90}).want(http.StatusCreated)
	var list struct {
		Items []hazard `json:"items"`
	}
	w.as(t, "donghu").get("/api/v1/hazards?source=public_report").want(http.StatusOK).decode(&list)
	if len(list.Items) != 1 {
		t.Fatalf("reported hazards: %+v", list.Items)
	}
	reported := list.Items[0]

	geo := func(setting cdpbrowser.PermissionSetting) {
		lat, lng := 28.7002, 115.9002
		b.geolocation(setting, lat, lng, 10.0)
	}
	narrow := func(what string) {
		t.Helper()
		sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || sw > 390 {
			t.Errorf("%s is %d px wide on a 390 px phone (%v)", what, sw, err)
		}
	}
	for _, vp := range viewports {
		b.run(vp.act)

		// The officer types a title already logged and moves on.
		b.login("officer")
		b.open("/hazards/new")
		b.run(chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "河堤护坡塌陷"),
			chromedp.Focus(chromedp.CSS(`textarea[name=description]`)))
		b.waitText("#duplicates", "可能重复")
		b.waitText("#duplicates", first.Code)
		b.waitText("#duplicates", "河堤护坡塌陷")
		if href := b.attr(`#duplicates a.code`, "href"); !strings.HasSuffix(href, fmt.Sprintf("/hazards/%d", first.ID)) {
			t.Errorf("%s: the hint links %q", vp.name, href)
		}
		if vp.name == "phone" {
			narrow("the finding form with its hint")
		}
		b.shot("duplicates-finding-" + vp.name)
		b.logout()

		// A citizen: a refused position leaves the fields empty and says so;
		// a granted one fills them, and the count of similar issues shows.
		b.open("/report")
		b.run(chromedp.Evaluate[chromedp.Void](`(function(){var s=document.querySelector('select[name=region_code]');
			s.value="360102";s.dispatchEvent(new Event("change",{bubbles:true}))})()`))
		b.run(chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "山体开裂有落石"))
		geo(cdpbrowser.PermissionSettingDenied)
		b.submit(`button[data-geo]`)
		b.waitText("[data-geo-note]", "未获准使用位置")
		b.wantValue(`input[name=latitude]`, "")
		b.wantValue(`input[name=longitude]`, "")
		geo(cdpbrowser.PermissionSettingGranted)
		b.submit(`button[data-geo]`)
		b.waitText("[data-geo-note]", "已填入当前位置")
		b.wantValue(`input[name=latitude]`, "28.700200")
		b.waitText("#nearby", "附近（200 米内）已有 1 条类似问题正在处理")
		if txt := b.text("main"); strings.Contains(txt, "后山山体开裂") || strings.Contains(txt, reported.Code) {
			t.Errorf("%s: the public page names the reported hazard", vp.name)
		}
		if vp.name == "phone" {
			narrow("the report form with its coordinates")
		}
		b.shot("duplicates-report-" + vp.name)

		// The reviewer sees where it was reported, and can open it in a map.
		b.login("donghu")
		b.open(fmt.Sprintf("/hazards/%d", reported.ID))
		b.waitText("main", "纬度 28.700000°，经度 115.900000°（WGS-84，举报人提供）")
		if href := b.attr(`a[href^="geo:"]`, "href"); href != "geo:28.700000,115.900000" {
			t.Errorf("%s: the map link is %q", vp.name, href)
		}
		if vp.name == "phone" {
			narrow("the hazard page")
		}
		b.shot("duplicates-hazard-" + vp.name)
		b.logout()
	}
}
