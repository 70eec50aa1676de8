package handler_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// TestBrowserAvoidance: on the phone and the desktop, a supervisor records a
// successful avoidance of the officer's landslide on its page, proposes the
// officer's reward (a typo in the amount refused with what was typed kept),
// another supervisor approves it and records it paid, and the officer finds
// it under 我的奖励; the dashboard counts it.
func TestBrowserAvoidance(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 5*time.Minute)
	for i, vp := range viewports {
		b.run(vp.act)
		h := w.as(t, "officer").createHazard(landslideBody(fmt.Sprintf("蔡家村后山滑坡体裂缝%d", i)))
		path := fmt.Sprintf("/hazards/%d", h.ID)
		b.login("donghu")
		b.open(path)
		b.waitText("#avoidance", "尚无成功避险记录")
		b.run(chromedp.Evaluate[chromedp.Void](`document.getElementById("ev-avoidance").open=true`))
		b.run(chromedp.SetValue(chromedp.CSS(`#ev-avoidance input[name=occurred_at]`), "2026-11-27T22:30"),
			chromedp.SetValue(chromedp.CSS(`#ev-avoidance textarea[name=what]`), "连续强降雨后滑坡体前缘下滑，监测员提前发现裂缝扩大，组织群众转移"),
			chromedp.SetValue(chromedp.CSS(`#ev-avoidance input[name=people_evacuated]`), "38"),
			chromedp.SetValue(chromedp.CSS(`#ev-avoidance input[name=casualties]`), "0"))
		shotOf(b, "#ev-avoidance", "avoidance-form-part-"+vp.name)
		b.submit(`#ev-avoidance button[type=submit]`)
		b.waitText("#avoidance", "38 人")
		b.waitText("#avoidance", "无人员伤亡")
		// The reward: a typo refused, the choice and the amount kept.
		b.run(chromedp.Evaluate[chromedp.Void](`document.querySelector("#avoidance details").open=true`),
			chromedp.SetValue(chromedp.CSS(`#avoidance select[name=user_id]`), fmt.Sprint(w.users["officer"].ID)),
			chromedp.SetValue(chromedp.CSS(`#avoidance input[name=amount]`), "80000"))
		b.submit(`#avoidance form[action$="/rewards"] button[type=submit]`)
		b.waitText("#avoidance", "成功避险奖励金额应在 200 至 5,000 元之间")
		b.wantValue(`#avoidance input[name=amount]`, "80000")
		b.wantValue(`#avoidance select[name=user_id]`, fmt.Sprint(w.users["officer"].ID))
		shotOf(b, "#avoidance", "avoidance-reward-refused-part-"+vp.name)
		b.run(chromedp.SetValue(chromedp.CSS(`#avoidance input[name=amount]`), "800"))
		b.submit(`#avoidance form[action$="/rewards"] button[type=submit]`)
		b.waitText("#avoidance table.rewards", "已核定，待审批")
		b.waitText("#avoidance table.rewards", "待其他监管人员审批")
		b.logout()

		b.login("donghu2")
		b.open(path)
		b.waitText("#avoidance table.rewards", "已核定，待审批")
		if vp.name == "phone" {
			if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
				t.Errorf("the hazard page is %d px wide on a 390 px phone (%v)", sw, err)
			}
		}
		shotOf(b, "#avoidance", "avoidance-card-"+vp.name)
		b.submit(`#avoidance form[action$="/decision"] button[type=submit]`)
		b.waitText("#avoidance table.rewards", "已批准，待发放")
		b.submit(`#avoidance form[action$="/paid"] button[type=submit]`)
		b.waitText("#avoidance table.rewards", "已发放")
		shotOf(b, "#avoidance", "avoidance-paid-"+vp.name)
		b.open("/stats")
		b.waitText("main", fmt.Sprintf("成功避险 %d 次 / 转移 %d 人", i+1, 38*(i+1)))
		b.logout()

		b.login("officer")
		b.open("/rewards")
		b.waitText("#my-rewards", "¥800.00")
		b.waitText("#my-rewards", "已发放")
		b.shot("avoidance-mine-" + vp.name)
		b.logout()
	}
}

// shotOf saves a screenshot of the element sel only, as name.png: the part
// of a long page to look at.
func shotOf(b *browser, sel, name string) {
	b.t.Helper()
	// The element's node can go stale while the page settles (a slow server
	// under -race), and a screenshot of a stale node waits for ever: each try
	// is bounded and reads it afresh, and the whole page is kept instead when
	// none succeeds (the picture is for people; the test's assertions are
	// elsewhere).
	var buf []byte
	var err error
	for try := 0; try < 3; try++ {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		buf, err = chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
		cancel()
		if err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		b.t.Logf("screenshot of %s: %v; the whole page kept instead", sel, err)
		b.shot(name)
		return
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
