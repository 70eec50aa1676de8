package webhook

import (
	"context"
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
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sp(s string) *string { return &s }

// TestOutboxDelivery: events that call for action write outbox rows in their
// transaction; the dispatcher delivers them signed, retries a failing receiver
// with backoff, never twice, and never carries personal data.
func TestOutboxDelivery(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) { testDelivery(t, d) })
	}
}

func testDelivery(t *testing.T, dialect string) {
	ctx := context.Background()
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

	now := time.Date(2026, 11, 28, 10, 0, 0, 0, model.Shanghai)
	e := workflow.New(modeltest.Open(t, dialect), workflow.Options{Now: func() time.Time { return now },
		ReportKey: []byte("0123456789abcdef0123456789abcdef"), Webhooks: []string{srv.URL}})
	admin := workflow.Actor{Role: model.RoleAdmin}
	for _, r := range []workflow.RegionInput{{Code: "360000", Name: "江西省"}, {Code: "360100", Name: "南昌市", ParentCode: "360000"},
		{Code: "360102", Name: "东湖区", ParentCode: "360100"}} {
		_, err := e.Directory.CreateRegion(ctx, admin, r)
		noErr(t, err)
	}
	u, err := e.Directory.CreateUser(ctx, admin, workflow.UserInput{Username: "donghu", Password: "password-1", Role: "supervisor", RegionCode: "360102"})
	noErr(t, err)
	sup := workflow.ActorOf(u)

	_, err = e.Reports.Submit(ctx, workflow.ReportInput{Title: "地下室堆放液化气钢瓶", Description: "小区地下室堆放液化气钢瓶", RegionCode: "360102",
		Address: "豫章路88号", ContactName: "王小明", ContactPhone: "13912345678"})
	noErr(t, err)
	page, err := e.Hazards.List(ctx, sup, workflow.ListQuery{})
	noErr(t, err)
	h, err := e.Hazards.Apply(ctx, sup, page.Items[0].ID, workflow.EventInput{Event: model.EventConfirm, Version: page.Items[0].Version, Fields: workflow.Fields{ResponsibleUnit: sp("某单位")}})
	noErr(t, err)
	_, err = e.Hazards.Apply(ctx, sup, h.ID, workflow.EventInput{Event: model.EventEscalate, Version: h.Version, Fields: workflow.Fields{Reason: sp("督办")}})
	noErr(t, err)

	d := &Dispatcher{Outbox: e.Notifications, Secret: secret}
	res, err := d.DeliverOnce(ctx, now)
	noErr(t, err)
	if res.Sent != 0 || res.Failed != 3 {
		t.Fatalf("first round against a failing receiver: %+v", res)
	}
	pending, err := e.Notifications.List(ctx, admin, true)
	noErr(t, err)
	if len(pending) != 3 || pending[0].Attempts != 1 || !strings.Contains(pending[0].LastError, "503") {
		t.Fatalf("undelivered: %+v", pending)
	}
	if _, err := e.Notifications.List(ctx, sup, true); err == nil {
		t.Error("a supervisor listed the outbox")
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	if res, _ = d.DeliverOnce(ctx, now); res.Sent != 0 {
		t.Errorf("delivered before the backoff ran out: %+v", res)
	}
	if res, _ = d.DeliverOnce(ctx, now.Add(time.Minute)); res.Sent != 3 {
		t.Fatalf("after the backoff: %+v", res)
	}
	if res, _ = d.DeliverOnce(ctx, now.Add(time.Hour)); res.Sent+res.Failed != 0 {
		t.Errorf("delivered twice: %+v", res)
	}
	var kinds []string
	for _, m := range got {
		kinds = append(kinds, m["kind"].(string))
		if b, _ := json.Marshal(m["event_id"]); m["header_event"] != string(b) {
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
}
