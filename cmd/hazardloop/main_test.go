package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hazardloop/demo"
	"hazardloop/model"
)

// TestServeEndToEnd boots the whole program on a fresh SQLite file with the demo,
// talks to it over HTTP, and shuts it down gracefully.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	listening := make(chan string, 1)
	var out, logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--database-url", filepath.Join(dir, "e2e.db"),
			"--data-dir", filepath.Join(dir, "data"), "--demo"}, &out, &logs, listening)
	}()
	var addr string
	select {
	case addr = <-listening:
	case err := <-done:
		t.Fatalf("run: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start")
	}
	base := "http://" + addr
	if !strings.Contains(out.String(), "初始密码") || !strings.Contains(out.String(), "donghu") {
		t.Errorf("startup output lacks the admin password or demo accounts:\n%s", out.String())
	}

	call := func(method, path, token string, body any) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if code, _ := call("GET", "/readyz", "", nil); code != http.StatusOK {
		t.Fatalf("readyz = %d", code)
	}
	code, login := call("POST", "/api/v1/login", "", map[string]string{"username": "sheng", "password": demo.Password})
	if code != http.StatusOK {
		t.Fatalf("login = %d %v", code, login)
	}
	token := login["token"].(string)
	code, page := call("GET", "/api/v1/hazards?limit=200", token, nil)
	if code != http.StatusOK {
		t.Fatalf("list = %d %v", code, page)
	}
	states := map[string]bool{}
	for _, it := range page["items"].([]any) {
		states[it.(map[string]any)["state"].(string)] = true
	}
	for _, s := range []string{"discovered", "listed", "rectifying", "verifying", "written_off", "dismissed"} {
		if !states[s] {
			t.Errorf("demo has no hazard in state %s", s)
		}
	}
	if strings.Contains(logs.String(), demo.Password) || strings.Contains(logs.String(), token) {
		t.Error("a secret reached the log")
	}
	// A request is counted once its handler has returned, which may be just
	// after the client has its answer: look for a moment.
	var m []byte
	for range 50 {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		m, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(m), `route="/api/v1/hazards",status="200"} 1`) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{`hazardloop_http_requests_total{method="GET",route="/api/v1/hazards",status="200"} 1`, `hazardloop_events_total{event="confirm"}`} {
		if !strings.Contains(string(m), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// An online backup while serving, readable as a database of its own.
	backup := filepath.Join(dir, "backup.db")
	var bout bytes.Buffer
	if err := run(context.Background(), []string{"backup", "--database-url", filepath.Join(dir, "e2e.db"), "--out", backup}, &bout, io.Discard, nil); err != nil {
		t.Fatalf("backup: %v", err)
	}
	copyStore, err := model.Open(backup)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := copyStore.Raw(context.Background(), &n, "SELECT count(*) FROM hazard_events"); err != nil || n < 10 {
		t.Errorf("backup holds %d events (%v)", n, err)
	}
	if ok, err := copyStore.IntegrityCheck(context.Background()); ok != "ok" || err != nil {
		t.Errorf("backup integrity: %s %v", ok, err)
	}
	copyStore.Close()

	// The load command drives the list with several clients and reports per
	// query, each query within the account's own territory: the province's
	// supervisor, a county's housing bureau, a township's and a village's.
	for _, c := range []struct {
		user string
		want []string
	}{
		{"sheng", []string{"limit=50&region=360100", "limit=50&source=public_report&state=discovered"}},
		{"zhujian", []string{"limit=50&region=360102002", "limit=50&department=housing"}},
		{"tengwangge", []string{"limit=50&region=360102002001", "limit=50&source=public_report&state=discovered"}},
		{"minxiang", []string{"limit=50&state=discovered", "limit=50&source=public_report&state=discovered"}},
	} {
		var lout syncBuffer
		if err := run(context.Background(), []string{"load", "--url", base, "--username", c.user, "--clients", "2", "--duration", "1s"}, &lout, io.Discard, nil); err != nil {
			t.Fatalf("load as %s: %v", c.user, err)
		}
		report := lout.String()
		for _, want := range append([]string{"errors=0", "throughput=", "p99=", "limit=50&overdue=true", "limit=20&q=消防通道"}, c.want...) {
			if !strings.Contains(report, want) {
				t.Errorf("load as %s: report lacks %q:\n%s", c.user, want, report)
			}
		}
		if strings.Contains(report, "requests=0 ") || strings.Contains(report, "region=360100") != (c.user == "sheng") {
			t.Errorf("load as %s:\n%s", c.user, report)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not shut down")
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	t.Setenv("HAZARDLOOP_ADDR", ":9999")
	t.Setenv("HAZARDLOOP_DATABASE_URL", "postgres://db/hazards")
	t.Setenv("HAZARDLOOP_SESSION_TTL", "2h")
	c, err := parseConfig("serve", []string{"--database-url", "x.db"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9999" || c.DatabaseURL != "x.db" || c.SessionTTL != 2*time.Hour || c.DataDir != "./data" {
		t.Errorf("config = %+v", c)
	}
	t.Setenv("HAZARDLOOP_SESSION_TTL", "soon")
	if _, err := parseConfig("serve", nil, io.Discard); err == nil {
		t.Error("a bad environment value was accepted")
	}
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard, nil); err == nil {
		t.Error("an unknown command was accepted")
	}
}

// syncBuffer is a bytes.Buffer the server's goroutines may write while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestNextCursor(t *testing.T) {
	for _, tc := range []struct {
		body, next string
		ok         bool
	}{
		{`{"items":[{"id":3,"title":"\"next_cursor\":\"x\""}],"next_cursor":"aDM"}`, "aDM", true},
		{`{"items":[],"next_cursor":""}`, "", true},
		{`{"error":"unauthorized","message":"请先登录"}`, "", false},
		{`{"items":[`, "", false},
	} {
		next, ok := nextCursor([]byte(tc.body))
		if next != tc.next || ok != tc.ok {
			t.Errorf("nextCursor(%s) = %q, %v; want %q, %v", tc.body, next, ok, tc.next, tc.ok)
		}
	}
}
