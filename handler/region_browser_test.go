package handler_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
	"hazardloop/regions"
	"hazardloop/workflow"
)

// TestBrowserRegionPicker: over the shipped table, on a phone, a citizen picks
// county → township → village on the public report page and the report carries
// the village; an official finds a community by name on the finding page. The
// page stays 390 px wide. Screenshots go to $HAZARDLOOP_SCREENSHOTS.
func TestBrowserRegionPicker(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	if _, err := workflow.New(w.store, workflow.Options{}).Directory.ImportRegions(context.Background(),
		workflow.Actor{Role: model.RoleAdmin}, regions.Jiangxi()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(w.srv)
	t.Cleanup(ts.Close)
	b := newBrowser(t, ts.URL, 2*time.Minute)

	pick := func(sel, code string) {
		t.Helper()
		b.run(chromedp.WaitVisible(chromedp.CSS(sel)))
		b.waitText(sel, "")
		js := fmt.Sprintf(`(function(){var s=document.querySelector(%q);return !!s && !!s.querySelector('option[value="%s"]')})()`, sel, code)
		for range 100 {
			if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		b.run(chromedp.SetValue(chromedp.CSS(sel), code),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event("change"))`, sel)))
	}
	b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.open("/report")
	pick(`select[data-region-picker]`, "360102")
	pick(`.region-selects select:nth-child(1)`, "360102002")
	pick(`.region-selects select:nth-child(2)`, "360102002001")
	b.waitText(".region-chosen", "民巷社区居委会")
	b.wantValue(`form[action="/report"] input[type=hidden][name=region_code]`, "360102002001")
	b.wantCount(`select[name=region_code]`, 0)
	if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
		t.Errorf("report page %d px wide on a 390 px phone (%v)", sw, err)
	}
	b.run(
		chromedp.SetValue(chromedp.CSS(`input[name=title]`), "楼道堆放液化气钢瓶"),
		chromedp.SetValue(chromedp.CSS(`input[name=address]`), "民巷社区3栋"),
		chromedp.SetValue(chromedp.CSS(`textarea[name=description]`), "楼道内存放多个液化气钢瓶。"),
	)
	b.shot("region-picker-phone")
	b.submit(`form[action="/report"] button[type=submit]`)
	b.waitText("h1", "举报已受理")
	var region string
	if err := w.store.Raw(context.Background(), &region, "SELECT h.region_code FROM reports r JOIN hazards h ON h.id = r.hazard_id ORDER BY r.id DESC LIMIT 1"); err != nil || region != "360102002001" {
		t.Errorf("the report's region %q (%v), want the village", region, err)
	}

	b.login("donghu")
	b.open("/hazards/new")
	b.run(chromedp.WaitVisible(chromedp.CSS(`.region-selects select`)),
		chromedp.SendKeys(chromedp.CSS(`.region-search`), "民巷"))
	b.waitText(".region-results", "民巷社区居委会")
	b.shot("region-search-phone")
	b.submit(`.region-results button`)
	b.wantValue(`input[name=region_code]`, "360102002001")
	b.run(chromedp.EmulateViewport(1280, 900))
	b.waitText(".region-selects", "滕王阁街道")
	b.shot("region-picker-desktop")
}
