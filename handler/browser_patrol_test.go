package handler_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// TestBrowserPatrol: in chromium, at 390 and 1280, an officer records a
// patrol with danger signs on a landslide (result, note, a photo, 获取当前位置
// once tapped), the page shows the danger banner and the history; the
// supervisor finds it at the top of the queue (险情叫应), records the
// response (组织转移), and the banner and the queue section are gone.
func TestBrowserPatrol(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 4*time.Minute)
	photo := writeJPEG(t)
	set := func(form, name, value string) {
		t.Helper()
		b.setValue(fmt.Sprintf(`%s [name=%q]`, form, name), value)
	}
	for i, vp := range viewports {
		b.run(vp.act)
		lat, lng := 28.6843+float64(i)/1000, 115.8931
		b.geolocation(cdpbrowser.PermissionSettingGranted, lat, lng, 8.0)
		h := w.as(t, "donghu").createHazard(checkedLandslide(fmt.Sprintf("蔡家村后山滑坡体裂缝%d", i)))
		path := fmt.Sprintf("/hazards/%d", h.ID)

		b.login("officer")
		b.open(path)
		b.waitText("#patrols", "下次巡查期限")
		set("#patrol-form", "result", "danger")
		set("#patrol-form", "note", "后缘裂缝加宽至 20 厘米，坡脚渗水浑浊，已通知群测群防员加密监测")
		b.run(chromedp.SetUploadFiles(chromedp.CSS(`#patrol-form input[name=file]`), []string{photo}))
		b.run(chromedp.Click(chromedp.CSS(`#patrol-form button[data-geo]`)))
		b.waitText("#patrol-form [data-geo-note]", "已填入当前位置")
		b.wantValue(`#patrol-form input[name=latitude]`, fmt.Sprintf("%.6f", lat))
		b.shot("patrol-form-" + vp.name)
		b.submit(`#patrol-form button[type=submit]`)
		b.waitText("#danger", "险情叫应")
		b.waitText("#patrol-history", "发现险情")
		b.waitText("#patrol-history", "照片 1 张")
		if vp.name == "phone" {
			if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
				t.Errorf("the hazard page is %d px wide on a 390 px phone (%v)", sw, err)
			}
		}
		b.shot("patrol-danger-officer-" + vp.name)
		b.logout()

		b.login("donghu")
		b.open("/queue")
		b.waitText("#dangers", fmt.Sprintf("蔡家村后山滑坡体裂缝%d", i))
		if vp.name == "phone" {
			if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
				t.Errorf("the queue is %d px wide on a 390 px phone (%v)", sw, err)
			}
		}
		b.shot("patrol-queue-danger-" + vp.name)
		b.open(path)
		set("#respond-form", "measures", "组织转移 12 户 36 人至村委会安置点，设置警戒线，暂停通行")
		b.shot("patrol-respond-form-" + vp.name)
		b.submit(`#respond-form button[type=submit]`)
		b.waitText("#patrol-history", "组织转移 12 户 36 人至村委会安置点")
		b.wantCount("#danger", 0)
		b.shot("patrol-responded-" + vp.name)
		b.open("/queue")
		b.wantCount("#dangers", 0)
		b.logout()
	}
}
