package handler_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// TestBrowserDisasterFinding: in chromium, at 390 and 1280, a supervisor
// logs a disaster hazard (灾害隐患) from the finding form: the category switch
// shows the disaster fields, the subtypes follow the type, a threat over the
// thresholds selects 重大, 获取当前位置 fills the coordinates once tapped (the
// browser granted the position), a refusal keeps every field, and the hazard
// page shows what was captured.
func TestBrowserDisasterFinding(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 2*time.Minute)
	set := func(name, value string) {
		t.Helper()
		b.setValue(fmt.Sprintf(`form[action="/hazards/new"] [name=%q]`, name), value)
	}
	for i, vp := range viewports {
		b.run(vp.act)
		lat, lng := 28.6843+float64(i)/1000, 115.8931
		b.geolocation(cdpbrowser.PermissionSettingGranted, lat, lng, 8.0)
		b.login("donghu")
		b.open("/hazards/new")
		if b.visible("[data-disaster]") {
			t.Errorf("%s: the disaster fields show for an accident hazard", vp.name)
		}
		// No position is taken before the tap.
		b.wantValue(`input[name=latitude]`, "")
		b.run(chromedp.Click(chromedp.CSS(`input[name=category][value=disaster]`)))
		if !b.visible("[data-disaster]") {
			t.Fatalf("%s: the disaster fields stay hidden", vp.name)
		}
		b.waitText("[data-geo-need]", "灾害隐患应填写")
		set("title", fmt.Sprintf("蔡家村后山滑坡体裂缝%d", i))
		set("location", "蔡家村后山")
		set("disaster_type", "geological")
		disabled, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector('optgroup[data-for=flood]').disabled`))
		if err != nil || !disabled {
			t.Errorf("%s: the flood subtypes are offered for a geological hazard (%v)", vp.name, err)
		}
		set("subtype", "landslide")
		set("threatened_households", "36")
		set("threatened_people", "128")
		b.wantValue(`select[name=level]`, "major")
		set("threatened_property", "80")
		set("monitor_name", "王群防")
		set("monitor_phone", "打这个电话")
		set("evacuation_plan", "沿村道向东转移至村委会安置点")
		b.run(chromedp.Click(chromedp.CSS(`button[data-geo]`)))
		b.waitText("[data-geo-note]", "已填入当前位置")
		b.wantValue(`input[name=latitude]`, fmt.Sprintf("%.6f", lat))
		b.wantValue(`input[name=longitude]`, "115.893100")
		b.shot("disaster-finding-" + vp.name)

		// Refused for the phone: everything typed is still there.
		b.submit(`form[action="/hazards/new"] button[type=submit]`)
		b.waitText("main", "监测责任人联系电话格式不正确")
		if !b.visible("[data-disaster]") {
			t.Errorf("%s: the disaster fields hidden after the refusal", vp.name)
		}
		b.wantValue(`select[name=disaster_type]`, "geological")
		b.wantValue(`select[name=subtype]`, "landslide")
		b.wantValue(`input[name=threatened_people]`, "128")
		b.wantValue(`input[name=threatened_property]`, "80")
		b.wantValue(`textarea[name=evacuation_plan]`, "沿村道向东转移至村委会安置点")
		b.wantValue(`input[name=latitude]`, fmt.Sprintf("%.6f", lat))
		b.wantValue(`select[name=level]`, "major")
		b.shot("disaster-finding-refused-" + vp.name)

		set("monitor_phone", "13907910001")
		b.submit(`form[action="/hazards/new"] button[type=submit]`)
		b.waitText("#category", "灾害隐患：地质灾害（滑坡）")
		b.waitText("#threat", "128 人")
		b.waitText("main", fmt.Sprintf("纬度 %.6f", lat))
		b.waitText("main", "王群防 13907910001")
		if vp.name == "phone" {
			if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
				t.Errorf("the hazard page is %d px wide on a 390 px phone (%v)", sw, err)
			}
		}
		b.shot("disaster-hazard-" + vp.name)

		// The list filtered to disaster hazards, and the dashboard's people
		// under threat (both findings so far).
		b.open("/hazards?category=disaster&disaster_type=geological")
		b.waitText("table.list", fmt.Sprintf("蔡家村后山滑坡体裂缝%d", i))
		b.wantValue(`select[name=category]`, "disaster")
		b.shot("disaster-list-" + vp.name)
		b.open("/stats")
		b.waitText("#stat-disaster", fmt.Sprint(i+1))
		b.waitText("#stat-threatened", fmt.Sprint(128*(i+1)))
		b.shot("disaster-stats-" + vp.name)
		b.logout()
	}
}

// TestBrowserPublicDisasterReport: in chromium, at 390 and 1280, a citizen
// on the public report form chooses 自然灾害险情; the kind of danger shows
// only then, 说不清 by default; choosing 洪涝 and submitting files a disaster
// hazard of that type. The form does not scroll sideways on the phone.
func TestBrowserPublicDisasterReport(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	srv := httptest.NewServer(w.srv)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL, 2*time.Minute)
	for i, vp := range viewports {
		b.run(vp.act)
		b.open("/report")
		if b.visible(`select[name=disaster_type]`) {
			t.Errorf("%s: the kind of danger shows before 自然灾害险情 is chosen", vp.name)
		}
		b.run(chromedp.Click(chromedp.CSS(`input[name=category][value=disaster]`), chromedp.NodeVisible))
		if !b.visible(`select[name=disaster_type]`) {
			t.Fatalf("%s: the kind of danger stays hidden", vp.name)
		}
		b.wantValue(`select[name=disaster_type]`, "other")
		title := fmt.Sprintf("村口山塘坝脚渗水%d", i)
		b.run(
			chromedp.SetValue(chromedp.CSS(`select[name=disaster_type]`), "flood"),
			chromedp.SetValue(chromedp.CSS(`input[name=title]`), title),
			chromedp.SetValue(chromedp.CSS(`select[name=region_code]`), "360102"),
			chromedp.SetValue(chromedp.CSS(`input[name=address]`), "东湖区某村村口山塘"),
			chromedp.SetValue(chromedp.CSS(`textarea[name=description]`), "连日下雨，山塘坝脚有浑水渗出，下游有十几户人家"),
		)
		noSideways(t, b, vp.name)
		b.shot("report-disaster-" + vp.name)
		b.submit(`form[action="/report"] button[type=submit]`)
		b.waitText("h1", "举报已受理")
		var all struct {
			Items []struct {
				Title, Category string
				DisasterType    string `json:"disaster_type"`
			} `json:"items"`
		}
		w.as(t, "donghu").get("/api/v1/hazards?source=public_report").want(http.StatusOK).decode(&all)
		found := false
		for _, h := range all.Items {
			if h.Title == title {
				found = true
				if h.Category != "disaster" || h.DisasterType != "flood" {
					t.Errorf("%s: stored as %s/%s", vp.name, h.Category, h.DisasterType)
				}
			}
		}
		if !found {
			t.Errorf("%s: the report's hazard %s is not stored", vp.name, title)
		}
	}
}
