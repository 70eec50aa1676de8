package handler_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
	"hazardloop/workflow"
)

// TestBrowserNotices: a village officer's inbox on a phone (390 × 844, and
// 360) and at 1280 wide: the header's unread count on every page, the cards
// newest first, none scrolling sideways; opening a card marks it read and
// goes to its hazard, and the count drops; 全部标为已读 empties it. On the way
// it takes the README's phone pages (the first screen, at one pixel a CSS
// pixel): the public report form, the officer's queue, the finding form, a
// hazard and the inbox.
func TestBrowserNotices(t *testing.T) {
	w, _ := newEngineWorld(t, model.DialectSQLite, workflow.Options{})
	ts := httptest.NewServer(w.srv)
	t.Cleanup(ts.Close)
	b := newBrowser(t, ts.URL, 3*time.Minute)
	t.Logf("screenshots in %s", b.shots)

	// What calls on the officer: two findings of the enterprise to check, a
	// proof to verify; and one already read.
	entA := w.as(t, "entA")
	entA.createHazard(obj{"title": "配电柜前未铺绝缘垫", "discovered_at": "2026-11-20"})
	h := rectifying(t, w, "喷漆车间可燃气体报警器失效，未与排风联锁", "2026-12-20")
	h = entA.mustFire(h, "submit", nil)
	entA.createHazard(obj{"title": "叉车司机无证驾驶，厂内运输通道无标线", "discovered_at": "2026-11-21"})
	officer := w.as(t, "officer")
	all := officer.inbox("")
	if all.Unread != 4 {
		t.Fatalf("officer: %d unread, want 4 (three hazards reported, one proof): %+v", all.Unread, all)
	}
	officer.post("/api/v1/notices/"+strconv.FormatInt(all.Items[len(all.Items)-1].ID, 10)+"/read", nil).want(http.StatusOK)

	readme := func(name string) { // the first screen, for the README
		t.Helper()
		b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)))
		buf, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			b.fatal(err)
		}
		if err := os.WriteFile(filepath.Join(b.shots, "readme-"+name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
		b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	}
	fits := func(name string) {
		t.Helper()
		for _, width := range []int64{390, 360} {
			b.run(chromedp.EmulateViewport(width, 844, chromedp.EmulateScale(2)))
			got, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth,
				Math.ceil(document.querySelector("header.top").getBoundingClientRect().height)]`))
			if err != nil {
				b.fatal(err)
			}
			if got[0] > got[1] || got[2] > 120 {
				t.Errorf("%s at %d px: scrollWidth %d of %d, header %d px high; want no sideways scroll, header ≤ 120", name, width, got[0], got[1], got[2])
			}
		}
		b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
		b.shot("phone-" + name)
		b.run(chromedp.EmulateViewport(1280, 900))
		b.shot("desktop-" + name)
		b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	}
	badge := func() string {
		t.Helper()
		s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector(".top .bell .badge")||{textContent:""}).textContent`))
		if err != nil {
			b.fatal(err)
		}
		return s
	}

	b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.open("/report")
	readme("report")

	b.login("officer")
	b.open("/queue")
	if got := badge(); got != "3" {
		t.Errorf("the queue's header: unread count %q, want 3", got)
	}
	fits("queue-notices")
	readme("queue")
	b.open("/hazards/new")
	readme("finding")
	b.open("/hazards/" + strconv.FormatInt(h.ID, 10))
	readme("hazard")

	b.open("/notices")
	b.waitText("ul.notices", "整改材料已提交，请核实")
	fits("notices")
	readme("notices")
	// Newest first: the last finding's notice heads the list.
	first, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("li.notice").textContent`))
	if err != nil {
		b.fatal(err)
	}
	if !strings.Contains(first, "叉车司机无证驾驶") || !strings.Contains(first, "新报告隐患，请核查") {
		t.Errorf("first card %q, want the newest: the forklift finding to check", first)
	}
	// Opening it marks it read and goes to the hazard; the count drops.
	b.submit(`li.notice.unread button.notice-open`)
	b.waitText("main h1", "叉车司机无证驾驶")
	if !strings.Contains(b.location(), "/hazards/") {
		t.Errorf("opened a notice: at %s, want its hazard", b.location())
	}
	if got := badge(); got != "2" {
		t.Errorf("after opening one: unread count %q, want 2", got)
	}
	b.open("/notices?unread=true")
	if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("li.notice").length`)); err != nil || n != 2 {
		t.Errorf("unread only: %d cards (%v), want 2", n, err)
	}
	b.submit(`form[action="/notices/read-all"] button`)
	b.waitText("main", "通知已全部标为已读")
	if got := badge(); got != "" {
		t.Errorf("after 全部标为已读: unread count %q, want none", got)
	}
	b.open("/notices")
	b.shot("phone-notices-read")
}
