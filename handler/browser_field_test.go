package handler_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
	"hazardloop/workflow"
)

// TestBrowserFieldPhone walks the officer's, the enterprise's and the public's
// pages on a phone, 390 × 844 and the narrowest common 360, and measures that
// none scrolls sideways (document.documentElement.scrollWidth <= innerWidth).
// On the way: the finding form comes back as typed after a photo over the limit.
func TestBrowserFieldPhone(t *testing.T) {
	w, _ := newEngineWorld(t, model.DialectSQLite, workflow.Options{MaxUpload: 1 << 20})
	ts := httptest.NewServer(w.srv)
	t.Cleanup(ts.Close)
	b := newBrowser(t, ts.URL, 3*time.Minute)
	t.Logf("screenshots in %s", b.shots)

	// Hazards with long names, so a squeezed column would show.
	long := "村道边废弃加油站地下油罐未清理且周边堆放大量可燃杂物存在火灾爆炸风险"
	officer := w.as(t, "officer")
	var found []hazard
	for range 3 {
		found = append(found, officer.createHazard(obj{"title": long, "region_code": "360102", "industry": "工贸"}))
	}
	h := rectifying(t, w, long, "2026-12-20")

	fits := func(name string) {
		t.Helper()
		for _, width := range []int64{390, 360} {
			b.run(chromedp.EmulateViewport(width, 844, chromedp.EmulateScale(2)))
			got, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth,
				Math.ceil(document.querySelector("header.top") ? document.querySelector("header.top").getBoundingClientRect().height : 0)]`))
			if err != nil {
				b.fatal(err)
			}
			if got[0] > got[1] {
				b.shot(fmt.Sprintf("wide-%s-%d", name, width))
				t.Errorf("%s at %d px scrolls sideways: scrollWidth %d > innerWidth %d", name, width, got[0], got[1])
			}
			// The header leaves the screen to the work: the menu is folded.
			if got[2] > 120 {
				t.Errorf("%s at %d px: the header is %d px high, want at most 120", name, width, got[2])
			}
		}
		b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
		b.shot("phone-" + name)
		b.run(chromedp.EmulateViewport(1280, 900))
		b.shot("desktop-" + name)
		b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	}

	// The public's pages.
	for _, p := range []string{"/report", "/track", "/login", "/exposure"} {
		b.open(p)
		fits(p[1:])
	}

	b.login("officer")
	b.open("/queue")
	b.submit(`label.menu-btn`)
	b.waitText(".top nav", "隐患清单")
	b.shot("phone-menu-open")
	b.submit(`label.menu-btn`)
	for _, p := range [][2]string{{"/queue", "queue-officer"}, {"/hazards", "hazards-officer"}, {"/hazards/new", "finding"},
		{fmt.Sprintf("/hazards/%d", h.ID), "hazard-officer"}} {
		b.open(p[0])
		fits(p[1])
	}

	// A photo over the limit: the form comes back as typed, the photo to choose again.
	big := filepath.Join(t.TempDir(), "big.jpg")
	if err := os.WriteFile(big, make([]byte, 1<<20+1), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open("/hazards/new")
	b.run(
		chromedp.SetValue(chromedp.CSS(`input[name=title]`), "河堤护坡塌陷"),
		chromedp.SetValue(chromedp.CSS(`input[name=location]`), "扬子洲镇沿江路"),
		chromedp.SetValue(chromedp.CSS(`textarea[name=description]`), "护坡长约十米塌陷"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=photo]`), []string{big}),
	)
	b.submit(`form[action="/hazards/new"] button[type=submit]`)
	b.waitText("main", "请重新选择照片")
	b.wantValue(`input[name=title]`, "河堤护坡塌陷")
	b.wantValue(`input[name=location]`, "扬子洲镇沿江路")
	b.wantValue(`textarea[name=description]`, "护坡长约十米塌陷")
	fits("finding-too-large")
	b.logout()

	b.login("entA")
	for _, p := range [][2]string{{"/queue", "queue-enterprise"}, {"/hazards", "hazards-enterprise"}, {fmt.Sprintf("/hazards/%d", h.ID), "hazard-enterprise"}} {
		b.open(p[0])
		fits(p[1])
	}
	b.wantValue(`select[name=kind]`, "photo_after") // under rectification: photos of the result
	b.logout()

	// The reviewer sees the same finding logged before, and dismisses the later
	// one as its duplicate by picking it: the code goes in, not a number.
	b.login("donghu")
	b.open(fmt.Sprintf("/hazards/%d", found[2].ID))
	b.waitText("#similar", found[0].Code)
	b.wantValue(`select[name=kind]`, "photo_before") // a hazard just found: photos of it as found
	fits("hazard-similar")
	b.submit(fmt.Sprintf(`button[data-duplicate=%q]`, found[0].Code))
	// Picked among the similar hazards listed in the form, not typed.
	picked, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector('#ev-dismiss input[name=duplicate_pick][value=%q]').checked`, found[0].Code)))
	if err != nil || !picked {
		t.Errorf("选为重复 did not pick %s in the dismiss form (%v)", found[0].Code, err)
	}
	b.wantValue(`#ev-dismiss input[name=duplicate_of]`, "")
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-dismiss textarea[name=reason]`), "与已登记隐患重复"))
	b.shot("phone-dismiss-duplicate")
	b.submit(`#ev-dismiss button[type=submit]`)
	b.waitText(".badges", "不予立案")
	if got := w.as(t, "donghu").hazard(found[2].ID); got.State != "dismissed" || got.DuplicateOf == nil || *got.DuplicateOf != found[0].ID {
		t.Errorf("after dismissing as a duplicate: state %s, duplicate of %v, want %d", got.State, got.DuplicateOf, found[0].ID)
	}
}
