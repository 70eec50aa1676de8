package handler_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// TestBrowserRegionSupervision: the city presses a slow county from its row
// of the ranking, at 390 × 844 and at 1280 wide: an interview before any
// notice is refused in the row's form with what was typed kept; the notice
// goes out and is listed with its printable document; the county's
// supervisor signs for it and replies on the list of documents.
func TestBrowserRegionSupervision(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 3*time.Minute)
	for _, county := range []struct{ user, code string }{{"donghu", "360102"}, {"xihu", "360103"}} {
		c := w.as(t, county.user)
		for i := range 2 {
			h := c.createHazard(obj{"title": fmt.Sprintf("隐患%d", i), "region_code": county.code})
			c.mustFire(h, "confirm", obj{"deadline": "2026-11-30", "responsible_unit": "某单位"})
		}
	}
	for i, vp := range viewports {
		county := []struct{ user, code, name string }{{"donghu", "360102", "东湖区"}, {"xihu", "360103", "西湖区"}}[i]
		row := "#issue-" + county.code
		b.run(vp.act)
		b.login("city")
		b.open("/supervision/regions?as_of=2026-12-10")
		b.waitText("#regions", "进展缓慢")
		b.run(chromedp.Click(chromedp.CSS(row+" summary"), chromedp.NodeVisible))
		b.run(chromedp.SetValue(chromedp.CSS(row+" select[name=step]"), "interview"),
			chromedp.SetValue(chromedp.CSS(row+" textarea[name=reason]"), "逾期隐患两项未整改"))
		b.submit(row + " button[type=submit]")
		b.waitText(row, "尚未函告")
		b.wantValue(row+" textarea[name=reason]", "逾期隐患两项未整改")
		b.wantValue(row+" select[name=step]", "interview")
		if vp.name == "phone" {
			if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
				t.Errorf("the ranking with its form is %d px wide on a 390 px phone (%v)", sw, err)
			}
		}
		b.shot("region-refused-" + vp.name)
		b.run(chromedp.SetValue(chromedp.CSS(row+" select[name=step]"), "notice"))
		b.submit(row + " button[type=submit]")
		b.waitText(".flash.ok", "督办文书已印发")
		b.waitText(".docs", county.name+"人民政府")
		b.waitText(".docs", "〔2026〕第")
		b.wantCount(`.docs a[href$="/document"]`, i+1)
		b.shot("region-issued-" + vp.name)
		b.logout()

		b.login(county.user)
		b.open("/region-supervisions")
		b.waitText(".docs", "待签收")
		b.submit(`.docs form.inline button[type=submit]`)
		b.waitText(".flash.ok", "已签收督办文书")
		b.run(chromedp.SetValue(chromedp.CSS(`.docs form.reply textarea[name=reply]`), "已部署专项整改，两项隐患限期12月20日前整改完毕"))
		b.submit(`.docs form.reply button[type=submit]`)
		b.waitText(".flash.ok", "已提交书面回复")
		b.waitText(".docs", "已回复")
		if vp.name == "phone" {
			if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
				t.Errorf("the documents are %d px wide on a 390 px phone (%v)", sw, err)
			}
		}
		b.shot("region-replied-" + vp.name)
		b.logout()
	}
	b.login("city")
	b.open("/region-supervisions")
	b.waitText(".docs", "已回复")
	b.run(chromedp.Navigate(b.base + "/region-supervisions/1/document")) // a standalone page: no main
	b.waitText(".docno", "〔2026〕第1号")
	b.waitText(".to", "东湖区人民政府")
	b.shot("region-document-desktop")
}
