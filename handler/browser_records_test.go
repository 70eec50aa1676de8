package handler_test

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// TestBrowserRecords: the hazard page's print buttons open the write-off
// record and the rejection notice, readable on a phone and A4 on a desktop;
// the exposure board pages and filters, its rows cards on a phone; at 390 ×
// 844 and at 1280 wide.
func TestBrowserRecords(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 3*time.Minute)

	entA, donghu := w.as(t, "entA"), w.as(t, "donghu")
	h := entA.createHazard(obj{"title": "储罐区可燃气体报警器失效", "location": "东湖区胜利路12号储罐区"})
	h = donghu.mustFire(h, "confirm", obj{"deadline": "2026-12-20", "basis_standard": "GB 30871-2022", "basis_clause": "第5.3条"})
	h = entA.mustFire(h, "plan", obj{"measures": "更换失效报警器并委托检测机构校验", "responsible_person": "李建国",
		"responsible_phone": "13807910001", "funds": 2.5, "funds_source": "企业自筹", "emergency_plan": "停用储罐区动火作业，每两小时人工检测一次"})
	entA.addEvidence(h.ID, model.EvidencePhotoAfter, "更换后.jpg", jpegFile(t, exifTIFF("2026:11:28 09:30:00", false)))
	h = entA.mustFire(h, "submit", obj{})
	h = donghu.mustFire(h, "reject", obj{"reason": "报警器未提供校验报告", "deadline": "2026-12-28"})
	h = entA.mustFire(h, "submit", obj{})
	w.as(t, "donghu2").mustFire(h, "approve", obj{"comment": "经现场核实，报警器已更换并经校验合格，同意销号"})
	base := start.Add(-24 * time.Hour).UTC()
	exposeHazards(t, w, "东湖", "360102", w.ents["A"], 55, func(i int) time.Time { return base.Add(-time.Duration(i) * time.Minute) }, nil)
	exposeHazards(t, w, "西湖重大", "360103", w.ents["B"], 3, func(i int) time.Time { return base.Add(-time.Duration(100+i) * time.Minute) },
		func(h *model.Hazard) { h.Level = model.LevelMajor })

	hazardPage := "/hazards/" + strconv.FormatInt(h.ID, 10)
	for _, vp := range viewports {
		b.run(vp.act)
		b.login("donghu")
		b.open(hazardPage)
		b.wantCount(`#records a.button`, 2)
		b.waitText("#records", "打印事故隐患整改核实销号记录")
		b.shot("records-hazard-" + vp.name)
		for _, kind := range []string{"writeoff", "rejection"} {
			b.run(chromedp.Navigate(b.base + hazardPage + "/records/" + kind)) // a standalone page: no main
			b.waitText(".docno", h.Code)
			b.waitText(".issuer", "东湖区应急管理局")
			if vp.name == "phone" {
				if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
					t.Errorf("the %s record is %d px wide on a 390 px phone (%v)", kind, sw, err)
				}
			}
			b.shot("record-" + kind + "-" + vp.name)
		}
		b.open(hazardPage)
		b.logout()

		b.open("/exposure")
		b.wantCount(`table.hazards tbody tr`, 50)
		if vp.name == "phone" {
			if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
				t.Errorf("the exposure board is %d px wide on a 390 px phone (%v)", sw, err)
			}
		}
		b.shot("exposure-" + vp.name)
		b.run(chromedp.Click(chromedp.CSS(`a[rel=next]`), chromedp.NodeVisible), chromedp.WaitReady(chromedp.CSS("main")))
		b.waitText("nav.pager", "第一页")
		b.wantCount(`table.hazards tbody tr`, 8)
		b.run(chromedp.SetValue(chromedp.CSS(`select[name=level]`), "major"))
		b.submit(`form.filters button[type=submit]`)
		b.waitText("p.count", "本页3项")
		b.wantCount(`table.hazards tbody tr`, 3)
		b.waitText("table.hazards", "西湖重大隐患000")
		b.shot("exposure-major-" + vp.name)
	}
}
