package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"hazardloop/demo"
)

// account is who the load logs in as, from GET /api/v1/me.
type account struct {
	Role       string `json:"role"`
	RegionCode string `json:"region_code"`
	Department string `json:"department"`
}

// loadQueries are what officials typically ask of the hazard list, in the
// territory of the account a (child is the first division below its region, ""
// for a village): the newest, by state, overdue ones, major ones, one division
// below (for a village officer: what awaits checking in the village), public
// reports not yet checked (for a department other than the emergency bureau,
// which never holds a hazard before it is listed: the department's own
// hazards without the shared register), a search. An account without a region
// (admin) asks of the province as a whole.
func loadQueries(a account, child string) []string {
	sub := "limit=50&region=360100"
	switch {
	case child != "":
		sub = "limit=50&region=" + child
	case a.RegionCode != "":
		sub = "limit=50&state=discovered"
	}
	reports := "limit=50&source=public_report&state=discovered"
	if a.Department != "" && a.Department != "emergency" {
		reports = "limit=50&department=" + a.Department
	}
	return []string{
		"limit=50",
		"limit=50&state=rectifying",
		"limit=50&overdue=true",
		"limit=50&level=major",
		sub,
		reports,
		"limit=20&q=" + "消防通道",
	}
}

// runLoad drives GET /api/v1/hazards with concurrent clients for a while and
// prints throughput and latency percentiles. It talks only to the address given
// (loopback by default) and stops by itself.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hazardloop load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://127.0.0.1:8080", "the service to load")
	user := fs.String("username", "sheng", "account to log in with")
	pass := fs.String("password", demo.Password, "its password")
	clients := fs.Int("clients", 32, "concurrent clients")
	duration := fs.Duration("duration", 30*time.Second, "how long to run")
	pages := fs.Int("pages", 3, "pages each client follows through next_cursor before starting over")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clients < 1 || *clients > 1024 || *duration <= 0 || *duration > time.Hour {
		return fmt.Errorf("load: --clients 1..1024 and --duration up to 1h")
	}
	// A page of fifty hazards is some 30 KB: read it in a few calls, not in
	// the default 4 KB ones (the load shares the machine with the service).
	tr := &http.Transport{MaxIdleConns: *clients * 2, MaxIdleConnsPerHost: *clients * 2, ReadBufferSize: 64 << 10}
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	body, _ := json.Marshal(map[string]string{"username": *user, "password": *pass})
	resp, err := hc.Post(*base+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("load: login: %w", err)
	}
	var login struct {
		Token string `json:"token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if login.Token == "" {
		return fmt.Errorf("load: login as %s failed (%s)", *user, resp.Status)
	}
	get := func(path string, out any) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, *base+path, nil)
		req.Header.Set("Authorization", "Bearer "+login.Token)
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return json.NewDecoder(resp.Body).Decode(out)
	}
	var me account
	if err := get("/api/v1/me", &me); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	child := ""
	if me.RegionCode != "" {
		var below struct {
			Items []struct {
				Code string `json:"code"`
			} `json:"items"`
		}
		if err := get("/api/v1/regions?parent="+me.RegionCode+"&limit=1", &below); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		if len(below.Items) > 0 {
			child = below.Items[0].Code
		}
	}
	loadQueries := loadQueries(me, child)

	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	var mu sync.Mutex
	byQuery := make([][]time.Duration, len(loadQueries))
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for c := range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([][]time.Duration, len(loadQueries))
			var buf bytes.Buffer
			bad := 0
			for i := c; ctx.Err() == nil; i++ {
				qi := i % len(loadQueries)
				q := loadQueries[qi]
				cursor := ""
				for p := 0; p < *pages && ctx.Err() == nil; p++ {
					url := *base + "/api/v1/hazards?" + q
					if cursor != "" {
						url += "&cursor=" + cursor
					}
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
					req.Header.Set("Authorization", "Bearer "+login.Token)
					t0 := time.Now()
					resp, err := hc.Do(req)
					if err != nil {
						if ctx.Err() == nil {
							bad++
						}
						break
					}
					buf.Reset()
					_, err = buf.ReadFrom(resp.Body)
					resp.Body.Close()
					d := time.Since(t0)
					next, ok := nextCursor(buf.Bytes())
					if err != nil || resp.StatusCode != http.StatusOK || !ok {
						if ctx.Err() == nil { // not cut off by the end of the run
							bad++
						}
						break
					}
					mine[qi] = append(mine[qi], d)
					if cursor = next; cursor == "" {
						break
					}
				}
			}
			mu.Lock()
			for qi := range mine {
				byQuery[qi] = append(byQuery[qi], mine[qi]...)
			}
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	lat := slices.Concat(byQuery...)
	if len(lat) == 0 {
		return fmt.Errorf("load: no request succeeded (%d errors)", errs)
	}
	fmt.Fprintf(stdout, "%s\n", strings.Repeat("-", 60))
	fmt.Fprintf(stdout, "GET /api/v1/hazards  clients=%d  duration=%s\n", *clients, elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "requests=%d  errors=%d  throughput=%.0f req/s\n", len(lat), errs, float64(len(lat))/elapsed.Seconds())
	fmt.Fprintf(stdout, "latency %s\n", percentiles(lat))
	fmt.Fprintf(stdout, "by query:\n")
	for qi, ls := range byQuery {
		if len(ls) > 0 {
			fmt.Fprintf(stdout, "  %-44s n=%-6d %s\n", loadQueries[qi], len(ls), percentiles(ls))
		}
	}
	return nil
}

// nextCursor finds the page's next_cursor, the last member of the response,
// without decoding the items: the load generator shares the machine with the
// service and should spend as little of it as it can. ok is false for a body that
// is not a page.
func nextCursor(body []byte) (string, bool) {
	const key = `"next_cursor":"`
	i := bytes.LastIndex(body, []byte(key))
	if i < 0 || !bytes.HasPrefix(body, []byte(`{"items":`)) {
		return "", false
	}
	rest := body[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return "", false
	}
	return string(rest[:j]), true
}

// percentiles describes latencies (sorted in place) by p50, p90, p99 and max.
func percentiles(lat []time.Duration) string {
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(float64(len(lat))*p))].Round(10 * time.Microsecond)
	}
	return fmt.Sprintf("p50=%s  p90=%s  p99=%s  max=%s", pct(0.50), pct(0.90), pct(0.99), lat[len(lat)-1].Round(10*time.Microsecond))
}
