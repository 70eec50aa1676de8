package workflow

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"hazardloop/model"
)

// TestOutboxDelivery: events that call for action write outbox rows in their
// transaction; the dispatcher delivers them signed, retries a failing receiver
// with backoff, and never carries personal data.
func TestOutboxDelivery(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		var mu sync.Mutex
		var got []map[string]any
		fail := true
		secret := []byte("webhook-secret")
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mac := hmac.New(sha256.New, secret)
			mac.Write(body)
			if r.Header.Get("X-Hazardloop-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if fail {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			var m map[string]any
			_ = json.Unmarshal(body, &m)
			m["header_event"] = r.Header.Get("X-Hazardloop-Event")
			got = append(got, m)
		}))
		defer srv.Close()
		f.engine.opts.Webhooks, f.engine.opts.WebhookSecret = []string{srv.URL}, secret

		_, h := f.report(t, ReportInput{ContactName: "王小明", ContactPhone: "13912345678"})
		h = f.fire(t, "donghu", h, model.EventConfirm, Fields{ResponsibleUnit: sp("某单位")}, "")
		f.fire(t, "donghu", h, model.EventEscalate, Fields{Reason: sp("督办")}, "")

		d := &Dispatcher{Engine: f.engine}
		res, err := d.DeliverOnce(f.ctx, f.now)
		noErr(t, err)
		if res.Sent != 0 || res.Failed != 3 {
			t.Fatalf("first round against a failing receiver: %+v", res)
		}
		pending, err := f.engine.Outbox(f.ctx, f.actors["admin"], true)
		noErr(t, err)
		if len(pending) != 3 || pending[0].Attempts != 1 || !strings.Contains(pending[0].LastError, "503") {
			t.Fatalf("undelivered: %+v", pending)
		}
		if _, err := f.engine.Outbox(f.ctx, f.actors["donghu"], true); kindOf(err) != KindForbidden {
			t.Errorf("a supervisor listing the outbox: %v", err)
		}
		mu.Lock()
		fail = false
		mu.Unlock()
		if res, _ = d.DeliverOnce(f.ctx, f.now); res.Sent != 0 {
			t.Errorf("delivered before the backoff ran out: %+v", res)
		}
		if res, _ = d.DeliverOnce(f.ctx, f.now.Add(time.Minute)); res.Sent != 3 {
			t.Fatalf("after the backoff: %+v", res)
		}
		if res, _ = d.DeliverOnce(f.ctx, f.now.Add(time.Hour)); res.Sent+res.Failed != 0 {
			t.Errorf("delivered twice: %+v", res)
		}
		kinds := []string{}
		for _, m := range got {
			kinds = append(kinds, m["kind"].(string))
			if m["header_event"] != jsonNumber(m["event_id"]) {
				t.Errorf("event header %v, body %v", m["header_event"], m["event_id"])
			}
		}
		if strings.Join(kinds, ",") != "hazard_reported,plan_due,supervision_step" {
			t.Errorf("kinds delivered: %v", kinds)
		}
		b, _ := json.Marshal(got)
		for _, secret := range []string{"王小明", "1391234", "donghu"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("a notification carries %q: %s", secret, b)
			}
		}
	})
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
