package handler_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"hazardloop/model"
)

// viewports are the two widths every page is looked at in: a phone
// (390 × 844, twice the pixels) and a desktop.
var viewports = []struct {
	name string
	act  chromedp.Action[chromedp.Void]
}{{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))}, {"desktop", chromedp.EmulateViewport(1280, 900)}}

// chromiumPath is Debian's chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// TestBrowserLoop drives the web UI in a real, headless chromium against the real
// server on loopback: an officer logs a finding with a photo, a supervisor confirms
// it, the enterprise plans, uploads proof and submits, the supervisor rejects once
// and then approves; a citizen reports and follows the report by code; the
// dashboard shows the new numbers. Screenshots go to $HAZARDLOOP_SCREENSHOTS (or a
// temporary directory), named in the log.
func TestBrowserLoop(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	ts := httptest.NewServer(w.srv)
	t.Cleanup(ts.Close)
	b := newBrowser(t, ts.URL, 3*time.Minute)
	t.Logf("screenshots in %s", b.shots)

	// Some open hazards, so that the dashboard has bars to draw.
	sup := w.as(t, "donghu")
	sup.createHazard(obj{"title": "仓库消防栓无水", "region_code": "360102", "industry": "工贸"})
	sup.createHazard(obj{"title": "反应釜安全阀未校验", "level": "major", "enterprise_id": w.ents["A"].ID, "industry": "危险化学品"})
	w.as(t, "entA").createHazard(obj{"title": "配电箱未接地", "industry": "危险化学品"})

	photo := writeJPEG(t)

	// An officer logs a finding from a phone, with a photo.
	b.login("officer")
	b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.open("/hazards/new")
	b.run(
		chromedp.SetValue(chromedp.CSS(`input[name=title]`), "村道边废弃加油站油罐未清理"),
		chromedp.SetValue(chromedp.CSS(`input[name=location]`), "东湖区扬子洲镇沿江路"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=photo]`), []string{photo}),
	)
	b.shot("finding-phone")
	b.submit(`form[action="/hazards/new"] button[type=submit]`)
	b.waitText(".badges", "已发现（待核查）")
	hazardURL := b.location()
	if !regexp.MustCompile(`/hazards/\d+\?ok=created$`).MatchString(hazardURL) {
		t.Fatalf("after logging a finding the browser is at %s", hazardURL)
	}
	hazardPath := strings.TrimSuffix(strings.TrimPrefix(hazardURL, ts.URL), "?ok=created")
	b.wantCount(`.files img`, 1)
	b.run(chromedp.EmulateViewport(1280, 900))
	b.logout()

	// The supervisor confirms it, naming the enterprise responsible.
	b.login("donghu")
	b.open("/queue")
	b.waitText("#discovered", "村道边废弃加油站油罐未清理")
	b.shot("queue-supervisor")
	b.open(hazardPath)
	b.wantForms("confirm", "dismiss", "transfer")
	b.run(
		chromedp.SetValue(chromedp.CSS(`#ev-confirm select[name=enterprise_id]`), fmt.Sprint(w.ents["A"].ID)),
		chromedp.SetValue(chromedp.CSS(`#ev-confirm input[name=deadline]`), "2026-12-20"),
	)
	b.submit(`#ev-confirm button[type=submit]`)
	b.waitText(".badges", "已列入清单（待整改）")
	b.logout()

	// The enterprise plans, uploads proof and submits.
	b.login("entA")
	b.open("/queue")
	b.waitText("#listed", "村道边废弃加油站油罐未清理")
	b.open(hazardPath)
	b.wantForms("plan")
	// A user error keeps what was typed and says what is missing, in Chinese.
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-plan textarea[name=measures]`), "清理油罐并拆除"))
	b.submit(`#ev-plan button[type=submit]`)
	b.waitText(".flash.err", "请")
	b.waitText("#ev-plan", "请填写整改责任人")
	b.wantValue(`#ev-plan textarea[name=measures]`, "清理油罐并拆除")
	b.run(
		chromedp.SetValue(chromedp.CSS(`#ev-plan input[name=responsible_person]`), "张卫东"),
		chromedp.SetValue(chromedp.CSS(`#ev-plan input[name=responsible_phone]`), "13907910002"),
	)
	b.submit(`#ev-plan button[type=submit]`)
	b.waitText(".badges", "整改中")
	b.run(
		chromedp.SetValue(chromedp.CSS(`form.upload select[name=kind]`), "photo_after"),
		chromedp.SetUploadFiles(chromedp.CSS(`form.upload input[name=file]`), []string{photo}),
		chromedp.SetValue(chromedp.CSS(`form.upload input[name=note]`), "油罐已清理"),
	)
	b.submit(`form.upload button[type=submit]`)
	b.waitText(".flash.ok", "材料已上传")
	b.wantCount(`.files img`, 2)
	b.submit(`#ev-submit button[type=submit]`)
	b.waitText(".badges", "待核实")
	b.logout()

	// The supervisor rejects once…
	b.login("donghu")
	b.open(hazardPath)
	b.wantForms("approve", "reject", "suspend")
	b.run(chromedp.Click(chromedp.CSS(`#ev-reject summary`), chromedp.NodeVisible))
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-reject textarea[name=reason]`), "油罐基础未拆除，请补充整改"))
	b.submit(`#ev-reject button[type=submit]`)
	b.waitText(".badges", "整改中")
	b.logout()

	// …the enterprise submits again…
	b.login("entA")
	b.open(hazardPath)
	b.submit(`#ev-submit button[type=submit]`)
	b.waitText(".badges", "待核实")
	b.logout()

	// …and the supervisor approves.
	b.login("donghu")
	b.open(hazardPath)
	b.run(chromedp.SetValue(chromedp.CSS(`#ev-approve textarea[name=comment]`), "现场复核，整改到位"))
	b.submit(`#ev-approve button[type=submit]`)
	b.waitText(".badges", "已销号")
	b.waitText("#timeline", "核实不通过")
	b.wantForms("reopen") // a county supervisor may reopen a written-off hazard
	b.shot("hazard-detail")
	b.open("/stats")
	b.waitText("#stat-rate", "100.0%")
	b.shot("stats")
	b.logout()

	// The province's dashboard at both widths: the period picker (a quick
	// choice, then days typed) drives the period's figures, equal to the API's,
	// and the workbook's link; the roll-up shows cities, a city opening on its
	// counties.
	var year statJSON
	w.as(t, "prov").get("/api/v1/statistics?from=2026-01-01&to=2026-11-28").want(200).decode(&year)
	if len(year.Rows) == 0 || year.Total.Found == 0 {
		t.Fatalf("the province's year: %+v", year)
	}
	for _, vp := range viewports {
		b.run(vp.act)
		b.login("prov")
		b.open("/stats?from=2026-01-01&to=2026-01-31")
		b.waitText("#period-found", "0")
		b.submit(`.quick a:nth-child(2)`) // 本年
		b.waitText(".quick a.active", "本年")
		b.wantValue(`input[name=from]`, "2026-01-01")
		b.waitText("#period-found", fmt.Sprint(year.Total.Found))
		if href := b.attr("#period-workbook", "href"); !strings.HasSuffix(href, "/statistics.xlsx?from=2026-01-01&to=2026-11-28") {
			t.Errorf("the workbook's link %q", href)
		}
		b.wantCount(`details.rollup-city`, len(year.Rows))
		b.wantCount(`details.rollup-city[open]`, 0)
		b.submit(`details[data-region="360100"] summary`)
		b.waitText(`details[data-region="360100"][open] .rollup-county`, "东湖区")
		b.run(chromedp.SetValue(chromedp.CSS(`input[name=from]`), "2026-11-01"), chromedp.SetValue(chromedp.CSS(`input[name=to]`), "2026-11-28"))
		b.submit(`.period-picker button[type=submit]`)
		b.waitText("#period-days", "2026-11-01 至 2026-11-28")
		if vp.name == "phone" {
			if sw, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || sw > 390 {
				t.Errorf("the dashboard is %d px wide on a 390 px phone (%v)", sw, err)
			}
			// Each figure of the roll-up a readable cell, not a column squeezed.
			if narrow, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll(".rollup-row [data-label]")).filter(e => e.getBoundingClientRect().width < 70).length`)); err != nil || narrow > 0 {
				t.Errorf("%d cells of the roll-up narrower than 70 px on a phone (%v)", narrow, err)
			}
		}
		b.submit(`details[data-region="360100"] summary`)
		b.shot("stats-period-" + vp.name)
		b.logout()
	}

	// A citizen reports without an account and follows the report by code.
	b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.open("/report")
	b.run(
		chromedp.SetValue(chromedp.CSS(`input[name=title]`), "小区地下室堆放大量液化气钢瓶"),
		chromedp.SetValue(chromedp.CSS(`select[name=region_code]`), "360102"),
		chromedp.SetValue(chromedp.CSS(`input[name=address]`), "东湖区某小区3栋"),
		chromedp.SetValue(chromedp.CSS(`textarea[name=description]`), "地下室存放二十余个液化气钢瓶，无通风。"),
	)
	b.submit(`form[action="/report"] button[type=submit]`)
	b.waitText("h1", "举报已受理")
	code := b.text(`#tracking-code`)
	if !regexp.MustCompile(`^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$`).MatchString(code) {
		t.Fatalf("tracking code %q", code)
	}
	b.shot("report-receipt")
	b.open("/track")
	b.run(chromedp.SetValue(chromedp.CSS(`input[name=code]`), strings.ToLower(code)))
	b.submit(`form[action="/track"] button[type=submit]`)
	b.waitText("#report-status", "已受理，等待核查")
	b.shot("track")
}

// newBrowser starts a headless chromium for t against the service at base, with
// the flags this machine needs, and ends it with the test. Without chromium the
// test is skipped, except in CI (CI=true), where the browser tests must run.
// Screenshots go to $HAZARDLOOP_SCREENSHOTS, or a temporary folder.
func newBrowser(t *testing.T, base string, timeout time.Duration) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: CI must run the browser test (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("browser test skipped: %s not found (apt-get install -y chromium)", chromiumPath)
	}
	shots := os.Getenv("HAZARDLOOP_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	return &browser{t: t, ctx: ctx, base: base, shots: shots}
}

type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
}

func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.fatal(err)
	}
}

// fatal fails the test with what the page says, and keeps its picture.
func (b *browser) fatal(err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	url, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main") ? document.querySelector("main").innerText : document.body.innerText`))
	if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(filepath.Join(b.shots, "failure.png"), buf, 0o644)
	}
	b.t.Fatalf("%v\nat %s:\n%s", err, url, text)
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("main")))
}

func (b *browser) location() string {
	b.t.Helper()
	u, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.fatal(err)
	}
	return u
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	b.run(chromedp.WaitReady(chromedp.CSS(sel)))
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).textContent.trim()`, sel)))
	if err != nil {
		b.fatal(err)
	}
	return v
}

// submit clicks a submit button; the caller waits for what the next page says.
// attr is an attribute of the first element matching sel, as the DOM
// resolves it (a link's href in full).
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	b.run(chromedp.WaitReady(chromedp.CSS(sel)))
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)[%q]`, sel, name)))
	if err != nil {
		b.fatal(err)
	}
	return v
}

func (b *browser) submit(sel string) {
	b.t.Helper()
	b.run(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// waitText waits until the element sel contains want and the whole page has
// been parsed (a slow server, as under -race, streams a page in parts: an early
// element can match while a later one is not there yet). It polls from Go, so
// that a navigation under way (a form posting, then a redirect) does not end the
// wait.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	js := fmt.Sprintf(`(function(){if(document.readyState==="loading")return false;var e=document.querySelector(%q);return !!e && e.textContent.includes(%q)})()`, sel, want)
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	b.fatal(fmt.Errorf("waiting for %q in %s (last error: %v)", want, sel, last))
}

func (b *browser) wantCount(sel string, n int) {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		b.fatal(err)
	}
	if got != n {
		b.fatal(fmt.Errorf("%d elements %s, want %d", got, sel, n))
	}
}

// visible reports whether the element sel is on the page and shown (not
// hidden, nor inside something hidden).
func (b *browser) visible(sel string) bool {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(function(){var e=document.querySelector(%q);return !!e && !e.hidden && e.offsetParent!==null})()`, sel)))
	if err != nil {
		b.fatal(err)
	}
	return v
}

// setValue sets the value of the element sel as typing would leave it, and
// tells the page's scripts (a change event).
func (b *browser) setValue(sel, value string) {
	b.t.Helper()
	b.run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function(){var e=document.querySelector(%q);
		e.value=%q;e.dispatchEvent(new Event("change",{bubbles:true}))})()`, sel, value)))
}

// geolocation answers the page's position requests with setting (granted or
// denied) and, granted, lat and lng within accuracy metres.
func (b *browser) geolocation(setting cdpbrowser.PermissionSetting, lat, lng, accuracy float64) {
	b.t.Helper()
	b.run(func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: "geolocation"}, Setting: setting}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lng, Accuracy: &accuracy})
		return chromedp.Void{}, err
	})
}

func (b *browser) wantValue(sel, want string) {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.fatal(err)
	}
	if got != want {
		b.fatal(fmt.Errorf("%s holds %q, want %q", sel, got, want))
	}
}

// wantForms checks that the page offers exactly the forms of these events.
func (b *browser) wantForms(events ...string) {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("details.event input[name=event]")).map(e => e.value)`))
	if err != nil {
		b.fatal(err)
	}
	if strings.Join(got, ",") != strings.Join(events, ",") {
		b.fatal(fmt.Errorf("event forms %v, want %v", got, events))
	}
}

func (b *browser) login(username string) {
	b.t.Helper()
	b.open("/login")
	b.run(
		chromedp.SetValue(chromedp.CSS(`input[name=username]`), username),
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), password),
	)
	b.submit(`form[action="/login"] button[type=submit]`)
	b.waitText(".top .who", "退出")
}

func (b *browser) logout() {
	b.t.Helper()
	b.submit(`form.who button[type=submit]`)
	b.waitText(".flash.ok", "您已退出登录")
}

// shot saves a screenshot of the whole page as name.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// writeJPEG makes a small photo of a site for the uploads.
func writeJPEG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{uint8(120 + x/4), uint8(90 + y/3), 60, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "site.jpg")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
