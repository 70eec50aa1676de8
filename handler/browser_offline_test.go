package handler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"hazardloop/model"
	"hazardloop/workflow"
)

// cable sits between the browser and the service: cut, it drops every
// connection unanswered, as a hillside without signal does (the browser's own
// offline emulation aside, so that nothing can reach the service by another
// path); held, it keeps the finding form's posts waiting until let go.
type cable struct {
	next    http.Handler
	cut     atomic.Bool
	lose    atomic.Bool  // answers are lost on the way back
	lost    atomic.Int64 // requests served whose answer was lost
	reached atomic.Int64 // requests that came while cut
	mu      sync.Mutex
	hold    chan struct{}
	paths   []string
}

func (c *cable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.lose.Load() { // the service does the work; its answer never arrives
		rec := httptest.NewRecorder()
		c.next.ServeHTTP(rec, r)
		c.lost.Add(1)
		c.drop(w)
		return
	}
	if c.cut.Load() {
		c.reached.Add(1)
		c.mu.Lock()
		c.paths = append(c.paths, r.Method+" "+r.URL.Path)
		c.mu.Unlock()
		c.drop(w)
		return
	}
	c.mu.Lock()
	hold := c.hold
	c.mu.Unlock()
	if hold != nil && r.Method == http.MethodPost && r.URL.Path == "/hazards/new" {
		<-hold
	}
	c.next.ServeHTTP(w, r)
}

// drop closes the connection without an answer.
func (c *cable) drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func (c *cable) holdPosts() {
	c.mu.Lock()
	c.hold = make(chan struct{})
	c.mu.Unlock()
}

func (c *cable) letGo() {
	c.mu.Lock()
	if c.hold != nil {
		close(c.hold)
		c.hold = nil
	}
	c.mu.Unlock()
}

// setOffline is chromium's context.setOffline: navigator.onLine and every
// request of the page and of its service worker.
func setOffline(offline bool) chromedp.Action[chromedp.Void] {
	// The requests first, navigator.onLine after: the page's online event
	// finds the network there.
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		var rules []*network.Conditions
		if offline {
			rules = []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
		}
		if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &offline, MatchedNetworkConditions: rules}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return chromedp.Void{}, err
	}
}

// inShanghai sets the browser's time zone to the service's.
func inShanghai(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
	_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"})
	return chromedp.Void{}, err
}

// eval is the value of a boolean expression (a promise's, awaited) in the page.
func (b *browser) eval(js string) bool {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fatal(err)
	}
	return v
}

// waitJS waits up to 20 s for js (what) to be true in the page.
func (b *browser) waitJS(what, js string) {
	b.t.Helper()
	for range 400 {
		if b.eval(js) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.fatal(fmt.Errorf("waiting for %s", what))
}

// TestBrowserOfflineFinding: an officer on a phone (390 × 844) opens the
// finding page, loses the network, logs a finding with a photo: it goes into
// the queue on the phone (等待发送). The page reloaded without network comes
// from the service worker, the queue still there. The network back, the queue
// sends (发送中, then 已发送 with a link): exactly one hazard, its photo and its
// capture time. A refused item says why and loads back into the form (修改).
func TestBrowserOfflineFinding(t *testing.T) {
	w, _ := newEngineWorld(t, model.DialectSQLite, workflow.Options{MaxUpload: 1 << 20})
	// The phone's clock is the real one: so is the service's here, for the
	// capture time the phone records to be a time the service accepts.
	w.clock.Set(time.Now().Truncate(time.Second))
	cab := &cable{next: w.srv}
	ts := httptest.NewServer(cab)
	t.Cleanup(ts.Close)
	t.Cleanup(cab.letGo)
	b := newBrowser(t, ts.URL, 3*time.Minute)
	t.Logf("screenshots in %s", b.shots)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))
	b.run(phone, inShanghai)
	shots := func(name string) {
		t.Helper()
		b.shot("phone-" + name)
		// The queue itself, below the form on a phone.
		png, err := chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS("[data-offline-queue]")))
		if err != nil {
			b.fatal(err)
		}
		if err := os.WriteFile(filepath.Join(b.shots, "phone-queue-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		b.run(chromedp.EmulateViewport(1280, 900))
		b.shot("desktop-" + name)
		b.run(phone)
	}
	set := func(name, value string) {
		t.Helper()
		b.run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('form[data-offline] [name=%q]').value = %q`, name, value)))
	}
	photo := writeJPEG(t)

	b.login("officer")
	b.open("/hazards/new")
	// The service worker takes charge and keeps the page.
	b.waitJS("the service worker", `navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)`)
	b.waitJS("the kept page", `caches.keys().then(ks => Promise.all(ks.map(k => caches.open(k).then(c => c.match("/hazards/new"))))).then(rs => rs.some(r => !!r))`)
	if !b.eval(`document.querySelector("[data-offline-queue]").hidden`) {
		t.Errorf("the queue shows with nothing in it")
	}

	// The network goes.
	cab.cut.Store(true)
	b.run(setOffline(true))
	if b.eval(`navigator.onLine`) {
		t.Fatal("navigator.onLine is still true")
	}
	set("title", "后山村道边坡落石")
	set("description", "雨后边坡有碎石滚落，村道通行车辆有被砸风险")
	set("location", "后山村三组村道")
	set("latitude", "28.684300")
	set("longitude", "115.893100")
	b.run(chromedp.SetUploadFiles(chromedp.CSS(`form[data-offline] input[name=photo]`), []string{photo}))
	b.submit(`form[data-offline] button[type=submit]`)
	b.waitText("[data-offline-items]", "等待发送")
	b.waitText("[data-offline-queue] .flash.ok", "已保存到本机")
	b.wantValue(`form[data-offline] [name=title]`, "") // ready for the next finding
	// A second one the service will refuse: a latitude off the earth.
	set("title", "河堤管涌险情")
	set("latitude", "128.5")
	set("longitude", "115.9")
	b.submit(`form[data-offline] button[type=submit]`)
	b.waitText("[data-offline-items] li:nth-child(2)", "等待发送")
	shots("offline-saved")

	// Reloaded without network: the service worker's page, the queue kept.
	b.run(chromedp.Navigate(ts.URL+"/hazards/new"), chromedp.WaitReady(chromedp.CSS("main")))
	b.waitText("[data-offline-items]", "后山村道边坡落石")
	b.waitText("[data-offline-net]", "当前无网络")
	b.waitText(".offline-summary", "本机有 2 条待发送")
	b.wantCount(`[data-offline-items] li[data-state=waiting]`, 2)
	b.waitText("h1", "上报隐患")
	shots("offline-reloaded")
	if n := cab.reached.Load(); n > 0 {
		t.Logf("%d requests reached the cut cable (dropped): %v", n, cab.paths)
	}
	captured, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`new Promise((ok, fail) => { const r = indexedDB.open("hazardloop-offline");
		r.onsuccess = () => { const q = r.result.transaction("queue").objectStore("queue").getAll();
			q.onsuccess = () => ok(q.result.find(i => i.title === "后山村道边坡落石").captured); q.onerror = fail; }; r.onerror = fail; })`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.fatal(err)
	}
	if n := len(w.as(t, "officer").list("").Items); n != 0 {
		t.Fatalf("%d hazards while offline", n)
	}

	// The network is back: the queue sends, one item after the other.
	cab.holdPosts()
	cab.cut.Store(false)
	b.run(setOffline(false))
	b.waitText("[data-offline-items] li:nth-child(1)", "发送中")
	shots("offline-sending")
	cab.letGo()
	b.waitText("[data-offline-items] li:nth-child(1)", "已发送")
	b.waitText("[data-offline-items] li:nth-child(2)", "被退回")
	b.waitText("[data-offline-items] li:nth-child(2) .ferr", "纬度")
	b.waitText("[data-offline-items] li:nth-child(1) .oi-sent a", "YH-")
	shots("offline-sent")

	officer := w.as(t, "officer")
	items := officer.list("").Items
	if len(items) != 1 {
		t.Fatalf("%d hazards after the queue was sent, want exactly 1", len(items))
	}
	h := officer.hazard(items[0].ID)
	want, err := time.Parse(time.RFC3339, captured)
	if err != nil {
		t.Fatalf("captured %q: %v", captured, err)
	}
	if h.Title != "后山村道边坡落石" || !h.DiscoveredAt.Equal(want) || h.Latitude == nil || *h.Latitude != 28.6843 {
		t.Errorf("hazard %q discovered %s at %v, want the capture time %s and its coordinates", h.Title, h.DiscoveredAt, h.Latitude, want)
	}
	var ev struct {
		Items []struct {
			Kind string `json:"kind"`
			Size int64  `json:"size"`
		} `json:"items"`
	}
	officer.get(fmt.Sprintf("/api/v1/hazards/%d/evidence", h.ID)).want(http.StatusOK).decode(&ev)
	if len(ev.Items) != 1 || ev.Items[0].Kind != "photo_before" {
		t.Errorf("evidence %+v, want the one site photo", ev.Items)
	}
	if href := b.attr("[data-offline-items] li:nth-child(1) a", "href"); !strings.HasSuffix(href, fmt.Sprintf("/hazards/%d", h.ID)) {
		t.Errorf("the sent item links to %q", href)
	}

	// The refused one goes back into the form to be corrected.
	b.submit("[data-offline-items] li:nth-child(2) .oi-actions button")
	b.waitJS("the refused item in the form", `document.querySelector("form[data-offline] [name=title]").value === "河堤管涌险情"`)
	b.wantValue(`form[data-offline] [name=latitude]`, "128.5")
	b.waitText(`form[data-offline] [data-offline-err]`, "纬度")
	shots("offline-edit")

	// The refused item, corrected (its title now another, its latitude
	// dropped), is posted while the phone believes it is online: the form posts as usual, the service
	// registers the finding, and its answer is lost on the hillside: the
	// service worker keeps the post in the queue with the key it was sent
	// with, and the send when the line is back answers the first answer.
	set("title", "村小学围墙开裂")
	set("latitude", "")
	set("longitude", "")
	cab.lose.Store(true)
	b.submit(`form[data-offline] button[type=submit]`)
	b.waitText("[data-offline-queue] .flash.ok", "网络不通")
	b.waitText("[data-offline-items]", "村小学围墙开裂")
	// The corrected item went as this post: the refused one has left the queue.
	b.wantCount(`[data-offline-items] li[data-state=refused]`, 0)
	shots("offline-lost-answer")
	if cab.lost.Load() == 0 {
		t.Fatal("the post never reached the service")
	}
	cab.lose.Store(false)
	b.submit("[data-offline-send]")
	b.waitText(`[data-offline-items] li:last-child`, "村小学围墙开裂")
	b.waitText(`[data-offline-items] li:last-child .oi-state`, "已发送")
	n := 0
	for _, it := range officer.list("").Items {
		if it.Title == "村小学围墙开裂" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d hazards 村小学围墙开裂 after a lost answer and a retried send, want exactly 1", n)
	}

	// Reloaded online, the sent items still show with their links; nothing
	// more is sent; 清除已发送 empties the queue.
	b.open("/hazards/new")
	b.waitText("[data-offline-items]", "已发送")
	if n := len(officer.list("").Items); n != 2 {
		t.Errorf("%d hazards after a reload, want 2", n)
	}
	b.submit("[data-offline-clear]")
	b.waitJS("the queue emptied", `document.querySelector("[data-offline-queue]").hidden && document.querySelector(".offline-summary").hidden`)
}
