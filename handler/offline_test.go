package handler_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/workflow"
)

// queuedBody is what the offline queue posts for a finding: the form's fields
// (no form token: it goes in a header) and one photo, with a fixed boundary,
// as the queue keeps it byte for byte between sends.
func queuedBody(t *testing.T, fields [][2]string, photo []byte) (*bytes.Buffer, string) {
	t.Helper()
	return queuedForm(t, "photo", fields, photo)
}

// queuedForm is queuedBody with its photo in the input named fileField.
func queuedForm(t *testing.T, fileField string, fields [][2]string, photo []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary("----queued-finding-boundary"); err != nil {
		t.Fatal(err)
	}
	if photo != nil {
		fw, _ := mw.CreateFormFile(fileField, "现场.jpg")
		_, _ = fw.Write(photo)
	}
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

// sendQueued posts body to the finding form as the offline queue does.
func (p *pageClient) sendQueued(body []byte, ctype string, header map[string]string) (*http.Response, []byte) {
	p.t.Helper()
	return p.sendQueuedTo("/hazards/new", body, ctype, header)
}

// sendQueuedTo posts body to the form at path as the offline queue does.
func (p *pageClient) sendQueuedTo(path string, body []byte, ctype string, header map[string]string) (*http.Response, []byte) {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.base+path, bytes.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestOfflineQueueSend: the finding form takes the offline queue's send — the
// session's cookie, the form token in X-CSRF-Token, an Idempotency-Key, JSON
// asked — and answers where the hazard is; a retry of the same send answers
// that again and registers nothing more (one hazard, one photo, the capture
// time kept); the same key with another finding is 409; a refusal is JSON
// with the fields' messages and frees the key; the header token counts only
// from the script (JSON asked), and a wrong one is refused.
func TestOfflineQueueSend(t *testing.T) {
	eachDialectWith(t, workflow.Options{MaxUpload: 1 << 20}, func(t *testing.T, w *world, _ *workflow.Services) {
		p := newPageClient(t, w)
		csrf := p.login("officer")
		officer := w.as(t, "officer")
		captured := w.clock.Now().Add(-3 * time.Hour).Truncate(time.Millisecond).UTC()
		fields := [][2]string{{"title", "后山村道边坡落石"}, {"description", "雨后有碎石滚落"}, {"location", "后山村三组"},
			{"region_code", "360102"}, {"category", "accident"}, {"level", "general"},
			{"latitude", "28.684300"}, {"longitude", "115.893100"}, {"discovered_at", captured.Format("2006-01-02T15:04:05.000Z")}}
		body, ctype := queuedBody(t, fields, jpegFile(t, nil))
		script := map[string]string{"Idempotency-Key": "q-3f1c", "X-CSRF-Token": csrf, "Accept": "application/json"}

		resp, first := p.sendQueued(body.Bytes(), ctype, script)
		if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("queued send: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), first)
		}
		var got struct {
			ID   int64  `json:"id"`
			Code string `json:"code"`
			URL  string `json:"url"`
		}
		if err := json.Unmarshal(first, &got); err != nil || got.ID == 0 || got.URL != fmt.Sprintf("/hazards/%d", got.ID) || !strings.HasPrefix(got.Code, "YH-") {
			t.Fatalf("answer %s (%v)", first, err)
		}
		// The answer was lost on the way: the queue sends the same again.
		resp, again := p.sendQueued(body.Bytes(), ctype, script)
		if resp.StatusCode != http.StatusCreated || !bytes.Equal(first, again) || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retried send: %d %s replayed=%q, want the first answer %s", resp.StatusCode, again, resp.Header.Get("Idempotent-Replayed"), first)
		}
		if items := officer.list("").Items; len(items) != 1 {
			t.Fatalf("%d hazards after a retried send, want 1", len(items))
		}
		h := officer.hazard(got.ID)
		if !h.DiscoveredAt.Equal(captured) || h.Latitude == nil || *h.Latitude != 28.6843 {
			t.Errorf("hazard discovered %s at %v, want the capture time %s and the coordinates", h.DiscoveredAt, h.Latitude, captured)
		}
		var ev struct {
			Items []struct {
				Kind string `json:"kind"`
			} `json:"items"`
		}
		officer.get(fmt.Sprintf("/api/v1/hazards/%d/evidence", got.ID)).want(http.StatusOK).decode(&ev)
		if len(ev.Items) != 1 || ev.Items[0].Kind != "photo_before" {
			t.Errorf("evidence %+v, want the one site photo", ev.Items)
		}

		// The same key with another finding: refused, nothing made.
		other, octype := queuedBody(t, [][2]string{{"title", "另一处隐患"}, {"region_code", "360102"}}, nil)
		resp, b := p.sendQueued(other.Bytes(), octype, script)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(string(b), "idempotency_key_reused") {
			t.Errorf("same key, other finding: %d %s", resp.StatusCode, b)
		}

		// A refusal is JSON with the field's message, and frees its key.
		empty, ectype := queuedBody(t, [][2]string{{"title", ""}, {"region_code", "360102"}}, nil)
		refused := map[string]string{"Idempotency-Key": "q-empty", "X-CSRF-Token": csrf, "Accept": "application/json"}
		resp, b = p.sendQueued(empty.Bytes(), ectype, refused)
		var apiErr struct {
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		}
		if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(b, &apiErr) != nil || apiErr.Fields["title"] == "" {
			t.Errorf("refused send: %d %s, want 400 JSON with the title's message", resp.StatusCode, b)
		}
		fixed, fctype := queuedBody(t, [][2]string{{"title", "改正后的隐患名称"}, {"region_code", "360102"}}, nil)
		if resp, b = p.sendQueued(fixed.Bytes(), fctype, refused); resp.StatusCode != http.StatusCreated {
			t.Errorf("corrected send with the freed key: %d %s", resp.StatusCode, b)
		}

		// The header's token: only the script's (JSON asked), only the session's.
		for name, h := range map[string]map[string]string{
			"wrong token": {"Idempotency-Key": "q-x1", "X-CSRF-Token": strings.Repeat("0", 64), "Accept": "application/json"},
			"no token":    {"Idempotency-Key": "q-x2", "Accept": "application/json"},
			"not script":  {"Idempotency-Key": "q-x3", "X-CSRF-Token": csrf},
		} {
			resp, b := p.sendQueued(fixed.Bytes(), fctype, h)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %d %s, want 403", name, resp.StatusCode, b)
			}
		}
		if n := len(officer.list("").Items); n != 2 {
			t.Errorf("%d hazards, want 2", n)
		}
	})
}

// TestOfflinePatrolSend: the patrol form takes the offline queue's send as
// the finding form does. A patrol made three hours before it arrives, on a
// page whose version has moved since, is recorded once with its photo, and
// its capture time (patrolled_at) is the patrol's time on the hazard and in
// its history, the event's own time the service's; the same key again answers
// the first answer; another patrol with that key is 409; a refusal is JSON
// naming the field and frees its key; a capture time before the hazard was
// registered or over a week old is refused; one from the future or within a
// minute of now is the service's time. The page of one
// who may patrol says it may be kept offline; an accident hazard's does not.
func TestOfflinePatrolSend(t *testing.T) {
	eachDialectWith(t, workflow.Options{MaxUpload: 1 << 20}, func(t *testing.T, w *world, _ *workflow.Services) {
		h := w.as(t, "donghu").createHazard(checkedLandslide("蔡家村后山滑坡体裂缝"))
		registered := w.clock.Now()
		w.clock.Set(registered.Add(6 * time.Hour))
		w.forgetLogins()
		acc := w.as(t, "donghu").createHazard(obj{"title": "消防通道堆放杂物", "region_code": "360102"})
		p := newPageClient(t, w)
		csrf := p.login("officer")
		officer := w.as(t, "officer")
		path := fmt.Sprintf("/hazards/%d", h.ID)
		resp, body := p.do(http.MethodGet, path, nil, nil)
		if resp.Header.Get("X-Offline-Form") != "patrol" || !strings.Contains(body, `data-offline-queue data-user="officer"`) ||
			!strings.Contains(body, `data-offline-title="`+h.Code+` 蔡家村后山滑坡体裂缝"`) {
			t.Errorf("the landslide's page is not marked for the offline queue: %q", resp.Header.Get("X-Offline-Form"))
		}
		if resp, body := p.do(http.MethodGet, fmt.Sprintf("/hazards/%d", acc.ID), nil, nil); resp.Header.Get("X-Offline-Form") != "" || strings.Contains(body, "data-offline-queue") {
			t.Errorf("an accident hazard's page is marked for the offline queue")
		}

		captured := w.clock.Now().Add(-3 * time.Hour).Truncate(time.Millisecond).UTC()
		fields := func(result, note, at string) [][2]string {
			return [][2]string{{"version", "1"}, {"result", result}, {"note", note}, {"latitude", "28.684400"}, {"longitude", "115.893200"},
				{"comment", ""}, {"offline_user", "officer"}, {"offline_title", "巡查：" + h.Code}, {"patrolled_at", at}}
		}
		stamp := captured.Format("2006-01-02T15:04:05.000Z")
		queued, ctype := queuedForm(t, "file", fields("danger", "后缘裂缝加宽至 20 厘米，坡脚渗水浑浊", stamp), jpegFile(t, nil))
		script := map[string]string{"Idempotency-Key": "p-7a21", "X-CSRF-Token": csrf, "Accept": "application/json"}
		resp, first := p.sendQueuedTo(path+"/patrol", queued.Bytes(), ctype, script)
		var got struct {
			ID   int64  `json:"id"`
			Code string `json:"code"`
			URL  string `json:"url"`
		}
		if resp.StatusCode != http.StatusCreated || json.Unmarshal(first, &got) != nil || got.ID != h.ID || got.Code != h.Code || got.URL != path {
			t.Fatalf("queued patrol: %d %s", resp.StatusCode, first)
		}
		resp, again := p.sendQueuedTo(path+"/patrol", queued.Bytes(), ctype, script)
		if resp.StatusCode != http.StatusCreated || !bytes.Equal(first, again) || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retried patrol: %d %s replayed=%q", resp.StatusCode, again, resp.Header.Get("Idempotent-Replayed"))
		}
		patrols := func() []event {
			var out []event
			for _, e := range officer.events(h.ID) {
				if e.Event == "patrol" {
					out = append(out, e)
				}
			}
			return out
		}
		ps := patrols()
		if len(ps) != 1 {
			t.Fatalf("%d patrol events after a retried send, want 1", len(ps))
		}
		if at, _ := ps[0].Payload["patrolled_at"].(string); at == "" || !mustTime(t, at).Equal(captured) ||
			!ps[0].CreatedAt.Equal(w.clock.Now()) || len(ps[0].Payload["photos"].([]any)) != 1 {
			t.Errorf("patrol event at %s, payload %v: want patrolled_at %s, the event at the service's time, one photo", ps[0].CreatedAt, ps[0].Payload, captured)
		}
		var view struct {
			LastPatrolAt *time.Time `json:"last_patrol_at"`
			DangerOpen   bool       `json:"danger_open"`
		}
		officer.get(hazardPath(h.ID)).want(http.StatusOK).decode(&view)
		if view.LastPatrolAt == nil || !view.LastPatrolAt.Equal(captured) || !view.DangerOpen {
			t.Errorf("hazard after the patrol: last patrol %v danger %v, want %s and the danger sign", view.LastPatrolAt, view.DangerOpen, captured)
		}
		_, body = p.do(http.MethodGet, path, nil, nil)
		wantWhen := captured.In(model.Shanghai).Format("2006-01-02 15:04")
		sent := w.clock.Now().In(model.Shanghai).Format("2006-01-02 15:04")
		for _, want := range []string{`<span class="when">` + wantWhen + `</span> <strong>发现险情</strong>`, "（" + sent + " 发送，离线记录）", "巡查时间：" + wantWhen, "险情叫应"} {
			if !strings.Contains(body, want) {
				t.Errorf("the hazard page lacks %q", want)
			}
		}

		// The same key with another patrol: refused, nothing recorded.
		other, octype := queuedForm(t, "file", fields("normal", "", stamp), nil)
		if resp, b := p.sendQueuedTo(path+"/patrol", other.Bytes(), octype, script); resp.StatusCode != http.StatusConflict || !strings.Contains(string(b), "idempotency_key_reused") {
			t.Errorf("same key, other patrol: %d %s", resp.StatusCode, b)
		}

		// Refusals are JSON naming the field, and free their key.
		refused := map[string]string{"Idempotency-Key": "p-refused", "X-CSRF-Token": csrf, "Accept": "application/json"}
		for name, c := range map[string]struct{ result, note, at, field string }{
			"no note":           {"changed", "", stamp, "note"},
			"before the hazard": {"normal", "", registered.Add(-time.Minute).UTC().Format(time.RFC3339), "patrolled_at"},
			"over a week old":   {"normal", "", w.clock.Now().Add(-workflow.MaxPatrolDelay - time.Hour).UTC().Format(time.RFC3339), "patrolled_at"},
			"not a time":        {"normal", "", "昨天上午", "patrolled_at"},
		} {
			b, ct := queuedForm(t, "file", fields(c.result, c.note, c.at), nil)
			resp, out := p.sendQueuedTo(path+"/patrol", b.Bytes(), ct, refused)
			var apiErr struct {
				Fields map[string]string `json:"fields"`
			}
			if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(out, &apiErr) != nil || apiErr.Fields[c.field] == "" {
				t.Errorf("%s: %d %s, want 400 JSON naming %s", name, resp.StatusCode, out, c.field)
			}
		}
		fixed, fctype := queuedForm(t, "file", fields("changed", "坡脚新增渗水点一处", stamp), nil)
		if resp, b := p.sendQueuedTo(path+"/patrol", fixed.Bytes(), fctype, refused); resp.StatusCode != http.StatusCreated {
			t.Errorf("corrected patrol with the freed key: %d %s", resp.StatusCode, b)
		}
		// A time from the future (a phone's clock running ahead) or within a
		// minute of now is the service's: the patrol keeps no time of its own.
		for i, at := range []time.Time{w.clock.Now().Add(2 * time.Hour), w.clock.Now().Add(-30 * time.Second)} {
			b, ct := queuedForm(t, "file", fields("normal", "", at.UTC().Format(time.RFC3339)), nil)
			key := map[string]string{"Idempotency-Key": fmt.Sprintf("p-now-%d", i), "X-CSRF-Token": csrf, "Accept": "application/json"}
			if resp, out := p.sendQueuedTo(path+"/patrol", b.Bytes(), ct, key); resp.StatusCode != http.StatusCreated {
				t.Fatalf("patrol stamped %s: %d %s", at, resp.StatusCode, out)
			}
			ps := patrols()
			if last := ps[len(ps)-1]; last.Payload["patrolled_at"] != nil {
				t.Errorf("patrol stamped %s keeps patrolled_at %v, want the service's time", at, last.Payload["patrolled_at"])
			}
		}
		if n := len(patrols()); n != 4 {
			t.Errorf("%d patrol events, want 4", n)
		}
	})
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}

// TestServiceWorkerServed: /sw.js comes from our origin at the root (scope
// "/"), as JavaScript, checked on every visit, under the pages' unchanged CSP;
// the finding page marks its form for the offline queue and includes it.
func TestServiceWorkerServed(t *testing.T) {
	eachDialectWith(t, workflow.Options{}, func(t *testing.T, w *world, _ *workflow.Services) {
		p := newPageClient(t, w)
		resp, body := p.do(http.MethodGet, "/sw.js", nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") ||
			resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(body, `addEventListener("fetch"`) {
			t.Fatalf("/sw.js: %d %v", resp.StatusCode, resp.Header)
		}
		p.login("officer")
		resp, body = p.do(http.MethodGet, "/hazards/new", nil, nil)
		if csp := resp.Header.Get("Content-Security-Policy"); csp != pagePolicy {
			t.Errorf("finding page CSP %q, want the pages' %q", csp, pagePolicy)
		}
		for _, want := range []string{`data-offline="finding"`, `data-offline-queue data-user="officer"`, `<script src="/static/offline.js" defer></script>`} {
			if !strings.Contains(body, want) {
				t.Errorf("finding page lacks %s", want)
			}
		}
		if resp, _ := p.do(http.MethodGet, "/static/offline.js", nil, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("/static/offline.js: %d", resp.StatusCode)
		}
	})
}
