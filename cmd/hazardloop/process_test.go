package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"hazardloop/demo"
	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// The tests in this file run the real binary as separate processes: several
// replicas on one PostgreSQL, and a server killed with SIGKILL.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("process tests skipped in -short mode")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hazardloop-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "hazardloop")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is one running service process.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

const testReportKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	p := &proc{t: t, base: "http://" + addr, logs: &syncBuffer{}}
	p.cmd = exec.Command(binary(t), append([]string{"--addr", addr, "--admin-password", "admin-password-1",
		"--report-key", testReportKey}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server %s did not become ready:\n%s", addr, p.logs.String())
	return nil
}

func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

// call sends a JSON request; it returns the status (0 when the server could not
// be reached) and the decoded body.
func (p *proc) call(token, method, path string, body any) (int, map[string]any) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func (p *proc) login(user string) string {
	p.t.Helper()
	code, m := p.call("", "POST", "/api/v1/login", map[string]string{"username": user, "password": demo.Password})
	if code != http.StatusOK {
		p.t.Fatalf("login %s: %d %v", user, code, m)
	}
	return m["token"].(string)
}

// rectifying registers n hazards of the demo's first enterprise and moves them
// into rectification; it returns their ids.
func (p *proc) rectifying(token string, n int) []int64 {
	p.t.Helper()
	var ids []int64
	for i := range n {
		code, h := p.call(token, "POST", "/api/v1/hazards", map[string]any{
			"title": fmt.Sprintf("进程测试隐患%d", i), "source": "supervisory_check", "enterprise_id": 1})
		if code != http.StatusCreated {
			p.t.Fatalf("create: %d %v", code, h)
		}
		id := int64(h["id"].(float64))
		v := h["version"].(float64)
		for _, ev := range []map[string]any{
			{"event": "confirm", "deadline": time.Now().AddDate(0, 0, 10).Format("2006-01-02")},
			{"event": "plan", "measures": "整改", "responsible_person": "张三", "comment": "企业书面方案，代为录入"},
		} {
			ev["version"] = v
			code, h = p.call(token, "POST", fmt.Sprintf("/api/v1/hazards/%d/events", id), ev)
			if code != http.StatusOK {
				p.t.Fatalf("%s: %d %v", ev["event"], code, h)
			}
			v = h["version"].(float64)
		}
		ids = append(ids, id)
	}
	return ids
}

// extend fires one extension with a deadline days ahead of today.
func (p *proc) extend(token string, id int64, version, days int) (int, int) {
	code, h := p.call(token, "POST", fmt.Sprintf("/api/v1/hazards/%d/events", id), map[string]any{
		"event": "extend", "version": version, "reason": "企业申请延期",
		"deadline": time.Now().AddDate(0, 0, days).Format("2006-01-02")})
	if code == http.StatusOK {
		return code, int(h["version"].(float64))
	}
	return code, 0
}

func (p *proc) version(token string, id int64) int {
	p.t.Helper()
	code, h := p.call(token, "GET", fmt.Sprintf("/api/v1/hazards/%d", id), nil)
	if code != http.StatusOK {
		p.t.Fatalf("get %d: %d %v", id, code, h)
	}
	return int(h["version"].(float64))
}

func (p *proc) chainOK(token string, id int64, minEvents int) {
	p.t.Helper()
	code, r := p.call(token, "GET", fmt.Sprintf("/api/v1/hazards/%d/verify", id), nil)
	if code != http.StatusOK || r["ok"] != true || int(r["events"].(float64)) < minEvents {
		p.t.Errorf("hazard %d chain: %d %v (want ≥ %d events)", id, code, r, minEvents)
	}
}

// TestCrashSafetySQLite kills the SQLite-backed server with SIGKILL while clients
// fire events, starts it again, and checks that every acknowledged event is
// there, every chain verifies and the database passes its integrity check.
func TestCrashSafetySQLite(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crash.db")
	args := []string{"--database-url", db, "--data-dir", filepath.Join(dir, "data"), "--sweep-interval", "0"}
	p := start(t, append(args, "--demo")...)
	token := p.login("donghu")
	ids := p.rectifying(token, 8)

	acked := make([]int, len(ids)) // the last version each client saw acknowledged
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := p.version(token, id)
			for n := 11; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				code, next := p.extend(token, id, v, n)
				if code != http.StatusOK {
					return // the server is gone
				}
				v, acked[i] = next, next
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	p.kill() // SIGKILL, mid-write
	close(stop)
	wg.Wait()

	p = start(t, args...)
	token = p.login("donghu")
	total := 0
	for i, id := range ids {
		v := p.version(token, id)
		if v < acked[i] {
			t.Errorf("hazard %d: version %d after the crash, but %d was acknowledged", id, v, acked[i])
		}
		total += acked[i]
		p.chainOK(token, id, acked[i])
	}
	if total < 8*4 {
		t.Errorf("only %d acknowledged versions before the kill: the load did not run", total)
	}
	s, err := model.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if res, err := s.IntegrityCheck(context.Background()); res != "ok" || err != nil {
		t.Errorf("integrity check: %s %v", res, err)
	}
}

// TestReplicasOnPostgres runs three service processes on one PostgreSQL: racing
// events on the same hazards through different replicas (one winner per version,
// chains whole), sweeps on every replica at once (each step once), and a replica
// killed with SIGKILL mid-load while the others keep serving.
func TestReplicasOnPostgres(t *testing.T) {
	url := modeltest.URL(t, model.DialectPostgres) // skips without PostgreSQL
	// One signing key for all, as for the report key: a replica with its own
	// would refuse to start (TestSigningKeyAcrossReplicas).
	common := []string{"--database-url", url, "--sweep-interval", "150ms", "--signing-key", testSigningKey(t)}
	first := start(t, append(common, "--demo", "--data-dir", filepath.Join(t.TempDir(), "a"))...)
	reps := []*proc{first,
		start(t, append(common, "--data-dir", filepath.Join(t.TempDir(), "b"))...),
		start(t, append(common, "--data-dir", filepath.Join(t.TempDir(), "c"))...),
	}
	tokens := make([]string, len(reps))
	for i, r := range reps {
		tokens[i] = r.login("donghu") // sessions live in the database: any replica would do
	}
	ids := first.rectifying(tokens[0], 5)

	t.Run("one winner per version", func(t *testing.T) {
		for round := range 10 {
			for _, id := range ids {
				v := first.version(tokens[0], id)
				codes := make([]int, len(reps))
				var wg sync.WaitGroup
				for i, r := range reps {
					wg.Add(1)
					go func() { defer wg.Done(); codes[i], _ = r.extend(tokens[i], id, v, 20+round) }()
				}
				wg.Wait()
				wins, conflicts := 0, 0
				for _, c := range codes {
					switch c {
					case http.StatusOK:
						wins++
					case http.StatusConflict:
						conflicts++
					}
				}
				if wins != 1 || conflicts != len(reps)-1 {
					t.Fatalf("hazard %d at version %d: statuses %v", id, v, codes)
				}
			}
		}
		for _, id := range ids {
			reps[1].chainOK(tokens[1], id, 13)
		}
	})

	t.Run("every replica sweeps, each step once", func(t *testing.T) {
		s := modeltest.OpenAt(t, url)
		ctx := context.Background()
		var overdue []int64
		if err := s.Raw(ctx, &overdue, "SELECT id FROM hazards WHERE state = 'rectifying' AND escalation_level = 0 ORDER BY id"); err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, "UPDATE hazards SET deadline = CURRENT_DATE - 40, due_on = CURRENT_DATE - 40, next_step_on = CURRENT_DATE - 39 WHERE id IN ?", overdue); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			var pending int64
			_ = s.Raw(ctx, &pending, "SELECT count(*) FROM hazards WHERE id IN ? AND escalation_level < 4", overdue)
			if pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d hazards still below exposure after 30s", pending)
			}
			time.Sleep(100 * time.Millisecond)
		}
		var rows []struct {
			HazardID int64
			N        int
		}
		if err := s.Raw(ctx, &rows, "SELECT hazard_id, count(*) AS n FROM hazard_events WHERE event = 'escalate' AND hazard_id IN ? GROUP BY hazard_id", overdue); err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(overdue) {
			t.Fatalf("%d of %d hazards escalated", len(rows), len(overdue))
		}
		for _, r := range rows {
			if r.N != 4 {
				t.Errorf("hazard %d has %d escalate events, want 4", r.HazardID, r.N)
			}
		}
	})

	t.Run("a replica killed mid-load", func(t *testing.T) {
		fresh := first.rectifying(tokens[0], 3)
		acked := make([]int, len(fresh))
		var wg sync.WaitGroup
		for i, id := range fresh {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := reps[i%len(reps)] // hazard 0 goes through the replica that dies
				v := r.version(tokens[i%len(reps)], id)
				for n := 30; n < 130; n++ {
					code, next := r.extend(tokens[i%len(reps)], id, v, n)
					if code != http.StatusOK {
						return
					}
					v, acked[i] = next, next
				}
			}()
		}
		time.Sleep(300 * time.Millisecond)
		reps[0].kill()
		wg.Wait()
		for i, id := range fresh {
			v := reps[1].version(tokens[1], id)
			if v < acked[i] {
				t.Errorf("hazard %d: version %d, but %d was acknowledged", id, v, acked[i])
			}
			reps[2].chainOK(tokens[2], id, acked[i])
		}
		if code, _ := reps[2].call(tokens[2], "GET", "/api/v1/hazards?limit=5", nil); code != http.StatusOK {
			t.Errorf("a surviving replica answers %d", code)
		}
	})
}
