package handler_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// TestBrowserPartyQueue: in chromium, at 390 and 1280, a community's officer
// finds its community's hazard in 我的待办 under 待制定整改方案（本村负责整改）,
// opens it, sees 责任主体类型 村（社区） and is offered the plan as its own
// (no 代为), with no sideways scroll on the phone (#15).
func TestBrowserPartyQueue(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	addLocalBody(t, w)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 2*time.Minute)
	donghu := w.as(t, "donghu")
	for i, vp := range viewports {
		b.run(vp.act)
		title := fmt.Sprintf("社区围墙开裂倾斜%d", i)
		var h hazard
		donghu.post("/api/v1/hazards", obj{"title": title, "region_code": "360102001001", "source": "supervisory_check",
			"responsible_party_type": "village"}).want(http.StatusCreated).decode(&h)
		donghu.fire(h, "confirm", obj{}).want(http.StatusOK)

		b.login("vill")
		b.open("/queue")
		b.waitText("#listed-village", title)
		b.waitText("#listed-village h2", "待制定整改方案（本村负责整改）")
		noSideways(t, b, vp.name)
		b.shot("party-queue-" + vp.name)

		b.run(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#listed-village a[href="/hazards/%d"]`, h.ID))))
		b.waitText("#party", "村（社区）")
		b.waitText("#party", "360102001001")
		b.waitText("main", "湖滨社区居民委员会")
		b.wantForms("plan")
		if strings.Contains(b.text("main"), "代为制定整改方案") {
			t.Errorf("%s: the community's officer is offered its own plan as on behalf", vp.name)
		}
		noSideways(t, b, vp.name)
		b.shot("party-hazard-" + vp.name)
		b.logout()
	}
}

func noSideways(t *testing.T, b *browser, name string) {
	t.Helper()
	if name != "phone" {
		return
	}
	if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
		t.Errorf("the page is %d px wide on a 390 px phone (%v)", sw, err)
	}
}
