package handler_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// TestBrowserCriteria: confirming a major hazard on a phone and on a desktop,
// the supervisor sees the clauses suggested from the hazard's words, picks one
// by its link (preselected in the form, not applied), searches the catalogue by
// words of a clause without script, and confirms; the hazard then cites the
// catalogue's version. No sideways scroll at 390 px.
func TestBrowserCriteria(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	loadCatalogue(t, w)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 2*time.Minute)
	entA := w.as(t, "entA")
	for _, vp := range viewports {
		h := entA.createHazard(obj{"title": "除尘系统未采取泄爆、惰化、抑爆等爆炸防控措施", "industry": "工贸",
			"description": "抛光车间干式除尘器无泄爆片，也无惰化或抑爆装置"})
		page := fmt.Sprintf("/hazards/%d", h.ID)
		b.run(vp.act)
		b.login("donghu")
		b.open(page)
		b.waitText("#suggested li", "第十一条第（三）项")
		b.wantValue(`#ev-confirm select[name=basis_pick]`, "")
		b.submit(`#suggested li:first-child a`)
		b.waitText("#ev-confirm", "判定依据")
		b.wantValue(`#ev-confirm select[name=basis_pick]`, "gongmao-2023|第十一条第（三）项")
		b.wantValue(`#ev-confirm select[name=level]`, "major")

		b.run(chromedp.SetValue(chromedp.CSS(`#criteria input[name=clause_q]`), "液氨"))
		b.submit(`#criteria button[type=submit]`)
		b.waitText("#criteria", "含“液氨”的条款")
		b.waitText("#criteria ol.clauses", "万向管道充装系统")
		if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 1280 || vp.name == "phone" && sw > 390 {
			t.Errorf("%s: the hazard page is %d px wide (%v)", vp.name, sw, err)
		}
		b.run(chromedp.ScrollIntoView(chromedp.CSS(`#criteria`)))
		b.shot("criteria-search-" + vp.name)

		b.open(page)
		b.submit(`#suggested li:first-child a`)
		b.waitText("#ev-confirm", "判定依据")
		b.run(chromedp.ScrollIntoView(chromedp.CSS(`#basis`)))
		b.shot("criteria-picked-" + vp.name)
		b.submit(`#ev-confirm button[type=submit]`)
		b.waitText("#basis-cited", "判定标准目录第1版")
		b.waitText("#basis-cited", "干式除尘系统未采取泄爆")
		b.logout()
	}
}
