package handler_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hazardloop/model"
	"hazardloop/workflow"
)

// TestBrowserOfflinePatrol: an officer on a phone (390 × 844) opens a
// landslide's page once with network, then on the hillside without signal
// records a patrol with danger signs and a photo: it goes into the queue on
// the phone (等待发送), named as a patrol of that hazard. The page reloaded
// without network comes from the service worker, the queue there. The network
// back, the queue sends it: exactly one patrol event, its photo, the capture
// time as the patrol's time; the sent item links to the hazard's patrols and
// the page shows the danger banner (险情叫应).
func TestBrowserOfflinePatrol(t *testing.T) {
	w, _ := newEngineWorld(t, model.DialectSQLite, workflow.Options{MaxUpload: 1 << 20})
	// The phone's clock is the real one: so is the service's here, for the
	// capture time the phone records to be a time the service accepts.
	w.clock.Set(time.Now().Truncate(time.Second).Add(-time.Minute))
	h := w.as(t, "donghu").createHazard(checkedLandslide("蔡家村后山滑坡体裂缝"))
	w.clock.Set(time.Now().Truncate(time.Second))
	path := fmt.Sprintf("/hazards/%d", h.ID)
	cab := &cable{next: w.srv}
	ts := httptest.NewServer(cab)
	t.Cleanup(ts.Close)
	b := newBrowser(t, ts.URL, 3*time.Minute)
	t.Logf("screenshots in %s", b.shots)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))
	b.run(phone, inShanghai)
	// shots: the whole page at 390 and 1280, and the queue on the phone with
	// the patrol form above it, as the officer sees it.
	shots := func(name string) {
		t.Helper()
		b.shot("phone-patrol-" + name)
		b.run(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.querySelector("[data-offline-queue]").getBoundingClientRect().bottom + scrollY - 844)`))
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			b.fatal(err)
		}
		if err := os.WriteFile(filepath.Join(b.shots, "phone-patrol-queue-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		b.run(chromedp.EmulateViewport(1280, 900))
		b.shot("desktop-patrol-" + name)
		b.run(phone)
	}
	set := func(name, value string) {
		t.Helper()
		b.setValue(fmt.Sprintf(`#patrol-form [name=%q]`, name), value)
	}
	officer := w.as(t, "officer")
	patrols := func() []event {
		var out []event
		for _, e := range officer.events(h.ID) {
			if e.Event == "patrol" {
				out = append(out, e)
			}
		}
		return out
	}

	b.login("officer")
	b.open(path)
	b.waitText("#patrols", "下次巡查期限")
	// The service worker takes charge and keeps this page.
	b.waitJS("the service worker", `navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)`)
	b.waitJS("the kept page", fmt.Sprintf(`caches.keys().then(ks => Promise.all(ks.map(k => caches.open(k).then(c => c.match(%q))))).then(rs => rs.some(r => !!r))`, path))

	// On the hillside: no signal.
	cab.cut.Store(true)
	b.run(setOffline(true))
	set("result", "danger")
	set("note", "后缘裂缝加宽至 20 厘米，坡脚渗水浑浊，已通知群测群防员加密监测")
	set("latitude", "28.684400")
	set("longitude", "115.893200")
	b.run(chromedp.SetUploadFiles(chromedp.CSS(`#patrol-form input[name=file]`), []string{writeJPEG(t)}))
	b.submit(`#patrol-form button[type=submit]`)
	b.waitText("[data-offline-items]", "等待发送")
	b.waitText("[data-offline-items] li.kind-patrol strong", "巡查："+h.Code+" 蔡家村后山滑坡体裂缝 · 发现险情")
	b.waitText("[data-offline-items] li.kind-patrol", "照片 1 张")
	b.waitText("[data-offline-queue] .flash.ok", "已保存到本机")
	b.wantValue(`#patrol-form [name=note]`, "") // ready for the next one
	shots("offline-saved")

	// Reloaded without network: the service worker's copy, the queue kept.
	b.run(chromedp.Navigate(ts.URL+path), chromedp.WaitReady(chromedp.CSS("main")))
	b.waitText("h1", "蔡家村后山滑坡体裂缝")
	b.waitText("[data-offline-items]", "巡查："+h.Code)
	b.waitText("[data-offline-net]", "当前无网络")
	b.waitText(".offline-summary", "本机有 1 条待发送")
	shots("offline-reloaded")
	captured, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`new Promise((ok, fail) => { const r = indexedDB.open("hazardloop-offline");
		r.onsuccess = () => { const q = r.result.transaction("queue").objectStore("queue").getAll();
			q.onsuccess = () => ok(q.result.find(i => i.kind === "patrol").captured); q.onerror = fail; }; r.onerror = fail; })`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.fatal(err)
	}
	if n := len(patrols()); n != 0 {
		t.Fatalf("%d patrols while offline", n)
	}

	// Signal again, half an hour later (the service's clock): the queue
	// sends the patrol.
	w.clock.Set(time.Now().Truncate(time.Second).Add(30 * time.Minute))
	cab.cut.Store(false)
	b.run(setOffline(false))
	b.waitText("[data-offline-items] li.kind-patrol .oi-state", "已发送")
	b.waitText("[data-offline-items] li.kind-patrol .oi-sent", "巡查已记入隐患 "+h.Code)
	if href := b.attr("[data-offline-items] li.kind-patrol .oi-sent a", "href"); !strings.HasSuffix(href, path+"#patrols") {
		t.Errorf("the sent patrol links to %q, want the hazard's patrols", href)
	}
	shots("offline-sent")

	ps := patrols()
	if len(ps) != 1 {
		t.Fatalf("%d patrol events after the queue was sent, want exactly 1", len(ps))
	}
	want := mustTime(t, captured)
	at, _ := ps[0].Payload["patrolled_at"].(string)
	photos, _ := ps[0].Payload["photos"].([]any)
	if at == "" || !mustTime(t, at).Equal(want) || ps[0].Payload["result"] != "danger" || len(photos) != 1 {
		t.Errorf("patrol payload %v, want result danger, one photo, patrolled_at %s", ps[0].Payload, want)
	}

	// Online, the page shows the patrol and the danger sign it raised.
	b.open(path)
	b.waitText("#danger", "险情叫应")
	b.waitText("#patrol-history", "发现险情")
	b.waitText("#patrol-history", "照片 1 张")
	b.waitText("#patrol-history .when", want.In(model.Shanghai).Format("2006-01-02 15:04"))
	b.waitText("#patrol-history", "发送，离线记录")
	if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
		t.Errorf("the hazard page is %d px wide on a 390 px phone (%v)", sw, err)
	}
	shots("online-after")
}
