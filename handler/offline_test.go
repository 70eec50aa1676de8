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

	"hazardloop/workflow"
)

// queuedBody is what the offline queue posts for a finding: the form's fields
// (no form token: it goes in a header) and one photo, with a fixed boundary,
// as the queue keeps it byte for byte between sends.
func queuedBody(t *testing.T, fields [][2]string, photo []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary("----queued-finding-boundary"); err != nil {
		t.Fatal(err)
	}
	if photo != nil {
		fw, _ := mw.CreateFormFile("photo", "现场.jpg")
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
	req, err := http.NewRequest(http.MethodPost, p.base+"/hazards/new", bytes.NewReader(body))
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
