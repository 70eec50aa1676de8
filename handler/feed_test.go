package handler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"hazardloop/handler"
	"hazardloop/ledger"
	"hazardloop/model"
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

const feedPath = "/api/v1/feeds/major-hazards"

// feedItem is what these tests read of a feed item; raw keeps the item's
// event as sent, to check what it must not carry.
type feedItem struct {
	Seq    int64  `json:"seq"`
	Cursor string `json:"cursor"`
	Event  struct {
		ID        int64          `json:"id"`
		Seq       int64          `json:"seq"`
		Event     string         `json:"event"`
		From      string         `json:"from"`
		To        string         `json:"to"`
		ActorRole string         `json:"actor_role"`
		Payload   map[string]any `json:"payload"`
	} `json:"event"`
	Hazard struct {
		ID         int64  `json:"id"`
		Code       string `json:"code"`
		Level      string `json:"level"`
		State      string `json:"state"`
		Department string `json:"department"`
		RegionCode string `json:"region_code"`
	} `json:"hazard"`
	Raw map[string]json.RawMessage `json:"-"`
}

type feedPage struct {
	Items      []feedItem `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

// readFeed reads the whole feed from cursor "" with pages of limit, checking
// that each page's next_cursor is its last item's (or the cursor given).
func readFeed(c *client, limit int) []feedItem {
	c.t.Helper()
	var all []feedItem
	cursor := ""
	for range 1000 {
		var p feedPage
		c.get(fmt.Sprintf("%s?cursor=%s&limit=%d", feedPath, cursor, limit)).want(http.StatusOK).decode(&p)
		want := cursor
		if len(p.Items) > 0 {
			want = p.Items[len(p.Items)-1].Cursor
		}
		if p.NextCursor != want {
			c.t.Fatalf("next_cursor %q after cursor %q, want %q", p.NextCursor, cursor, want)
		}
		if len(p.Items) == 0 {
			return all
		}
		if len(p.Items) > limit {
			c.t.Fatalf("%d items, limit %d", len(p.Items), limit)
		}
		all = append(all, p.Items...)
		cursor = p.NextCursor
	}
	c.t.Fatal("the feed never ends")
	return nil
}

// feedEvents is each item as "hazard title/event".
func feedEvents(items []feedItem, titles map[int64]string) []string {
	var out []string
	for _, it := range items {
		out = append(out, titles[it.Hazard.ID]+"/"+it.Event.Event)
	}
	return out
}

// TestMajorFeed: the shared register's feed through the API. A county's
// emergency bureau reads its county's majors (their creation too), not
// another county's nor general hazards; a water-department supervisor reads
// every listed major of its territory; a city its counties'; officers and
// enterprises are refused; a downgrade is the hazard's last item; paging by
// cursor returns every change once, in order; bad cursors and limits are
// named.
func TestMajorFeed(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		addSupervisor(t, w, "shuili", "360102", model.DeptWater)
		donghu, xihu := w.as(t, "donghu"), w.as(t, "xihu")
		basis := obj{"basis_standard": "《工贸企业重大事故隐患判定标准》", "basis_clause": "第四条", "responsible_unit": "某单位"}
		plan := obj{"measures": "整改", "responsible_person": "张三", "deadline": "2026-12-20",
			"funds": 3, "funds_source": "自筹", "emergency_plan": "停用"}
		titles := map[int64]string{}
		create := func(c *client, title, region, level string) hazard {
			h := c.createHazard(obj{"title": title, "region_code": region, "industry": "危险化学品", "level": level})
			titles[h.ID] = title
			return h
		}

		tank := create(donghu, "tank", "360102", "major")
		tank = donghu.mustFire(tank, "confirm", basis)
		tank = donghu.mustFire(tank, "plan", plan)
		general := create(donghu, "general", "360102", "general")
		general = donghu.mustFire(general, "confirm", obj{"responsible_unit": "某单位"})
		raised := create(donghu, "raised", "360102", "general")
		raised = donghu.mustFire(raised, "confirm", merge(basis, obj{"level": "major"}))
		unlisted := create(donghu, "unlisted", "360102", "major")
		lowered := create(donghu, "lowered", "360102", "major")
		lowered = donghu.mustFire(lowered, "confirm", obj{"level": "general", "responsible_unit": "某单位"})
		donghu.mustFire(lowered, "plan", obj{"measures": "整改", "responsible_person": "张三", "deadline": "2026-12-20"})
		west := create(xihu, "west", "360103", "major")
		xihu.mustFire(west, "confirm", basis)
		_, _, _ = general, raised, unlisted

		wantDonghu := []string{"tank/create", "tank/confirm", "tank/plan", "raised/confirm", "unlisted/create",
			"lowered/create", "lowered/confirm"}
		items := readFeed(donghu, 100)
		if got := feedEvents(items, titles); !slices.Equal(got, wantDonghu) {
			t.Errorf("东湖区 reads %v, want %v", got, wantDonghu)
		}
		for i, it := range items {
			if it.Seq <= 0 || it.Cursor != strconv.FormatInt(it.Seq, 10) || (i > 0 && it.Seq <= items[i-1].Seq) {
				t.Errorf("item %d: seq %d cursor %q after %+v", i, it.Seq, it.Cursor, items[max(i-1, 0)])
			}
		}
		if it := items[1]; it.Event.From != "discovered" || it.Event.To != "listed" || it.Event.ActorRole != "supervisor" ||
			it.Hazard.ID != tank.ID || it.Hazard.Code != tank.Code || it.Hazard.State != "rectifying" ||
			it.Hazard.Department != "emergency" || it.Hazard.RegionCode != "360102" || it.Hazard.Level != "major" {
			t.Errorf("tank's confirm: %+v", it)
		}
		if items[len(items)-1].Hazard.Level != "general" {
			t.Errorf("the downgraded hazard now: %+v", items[len(items)-1].Hazard)
		}
		// Nobody's name, nor a reporter's: the event carries the role only.
		raw := donghu.get(feedPath).want(http.StatusOK).object()
		for _, it := range raw["items"].([]any) {
			ev := it.(map[string]any)["event"].(map[string]any)
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range ev {
					if !yield(k) {
						return
					}
				}
			})
			want := []string{"actor_role", "comment", "created_at", "event", "from", "id", "payload", "seq", "to"}
			if !slices.Equal(keys, want) {
				t.Fatalf("event keys %v, want %v", keys, want)
			}
			h := it.(map[string]any)["hazard"].(map[string]any)
			for _, k := range []string{"created_by", "description", "responsible_person", "responsible_phone", "location"} {
				if _, ok := h[k]; ok {
					t.Errorf("the feed's hazard carries %s", k)
				}
			}
		}

		// The water bureau: every listed major of 东湖区 (not one still to check).
		wantShuili := []string{"tank/confirm", "tank/plan", "raised/confirm", "lowered/confirm"}
		if got := feedEvents(readFeed(w.as(t, "shuili"), 100), titles); !slices.Equal(got, wantShuili) {
			t.Errorf("东湖区水利局 reads %v, want %v", got, wantShuili)
		}
		if got := feedEvents(readFeed(xihu, 100), titles); !slices.Equal(got, []string{"west/create", "west/confirm"}) {
			t.Errorf("西湖区 reads %v", got)
		}
		city := feedEvents(readFeed(w.as(t, "city"), 100), titles)
		if len(city) != len(wantDonghu)+2 || !slices.Contains(city, "west/confirm") {
			t.Errorf("南昌市 reads %v", city)
		}
		// Pages of one and of three give the same changes once, in order.
		admin := w.as(t, "admin")
		whole := readFeed(admin, 1000)
		for _, limit := range []int{1, 3} {
			if got := readFeed(admin, limit); !slices.EqualFunc(got, whole, func(a, b feedItem) bool { return a.Seq == b.Seq && a.Event.ID == b.Event.ID }) {
				t.Errorf("pages of %d: %d items, want %d", limit, len(got), len(whole))
			}
		}
		var p feedPage
		last := whole[len(whole)-1].Cursor
		admin.get(feedPath + "?cursor=" + last).want(http.StatusOK).decode(&p)
		if len(p.Items) != 0 || p.NextCursor != last {
			t.Errorf("after the last: %+v, want no items and the same cursor", p)
		}

		for _, u := range []string{"officer", "entA"} {
			e := w.as(t, u).get(feedPath).wantError(http.StatusForbidden, "forbidden")
			wantContains(t, u+" refused", e.Message, "重大事故隐患数据库")
		}
		for _, q := range []struct{ query, field string }{
			{"cursor=abc", "cursor"}, {"cursor=-1", "cursor"}, {"cursor=%2B5", "cursor"}, {"cursor=1.5", "cursor"},
			{"limit=1001", "limit"}, {"limit=0", "limit"}, {"limit=-3", "limit"}, {"limit=ten", "limit"},
		} {
			donghu.get(feedPath+"?"+q.query).wantError(http.StatusBadRequest, "invalid_fields", q.field)
		}
		w.anon(t).get(feedPath).want(http.StatusUnauthorized)
	})
}

// TestMajorFeedLedgerImport: a major row of an imported ledger is in the feed
// (its creation and the imported event that lists it), a general row is not.
func TestMajorFeedLedgerImport(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu := w.as(t, "donghu")
		file := rawXLSX(t, []string{"隐患名称", "隐患等级", "判定依据", "具体条款", "区划代码", "行业领域", "当前状态", "整改责任单位"}, func(w io.Writer) {
			for i, r := range [][]string{
				{"储罐区防火堤破损", "重大", "《工贸企业重大事故隐患判定标准》", "第四条", "360102", "危险化学品", "已列入清单（待整改）", "精细化工"},
				{"消防通道堆放杂物", "一般", "", "", "360102", "危险化学品", "已列入清单（待整改）", "精细化工"},
			} {
				fmt.Fprintf(w, `<row r="%d">`, i+2)
				for j, v := range r {
					ref, _ := excelize.CoordinatesToCellName(j+1, i+2)
					fmt.Fprintf(w, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, v)
				}
				_, _ = io.WriteString(w, `</row>`)
			}
		})
		var res importResult
		donghu.upload(ledgerPath+"/import", "台账.xlsx", file, nil).want(http.StatusOK).decode(&res)
		if res.Created != 2 {
			t.Fatalf("import created %d", res.Created)
		}
		items := readFeed(donghu, 100)
		var got []string
		for _, it := range items {
			got = append(got, it.Hazard.Level+"/"+it.Event.Event)
		}
		if !slices.Equal(got, []string{"major/create", "major/imported"}) {
			t.Errorf("the feed after the import: %v", got)
		}
		var n []int64
		if err := w.store.Raw(context.Background(), &n, `SELECT e.id FROM hazard_events e JOIN hazards h ON h.id = e.hazard_id
			WHERE h.level = 'major' ORDER BY e.id`); err != nil {
			t.Fatal(err)
		}
		if len(items) != len(n) || items[0].Event.ID != n[0] || items[1].Event.ID != n[1] {
			t.Errorf("feed events %+v, the major's events %v", items, n)
		}
	})
}

// replicaClient is a client of one replica served over real HTTP.
type replicaClient struct {
	base, token string
}

func (c replicaClient) do(method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		return res.StatusCode, json.Unmarshal(b, out)
	}
	return res.StatusCode, nil
}

// TestMajorFeedTwoReplicas: two replicas (two stores opened on one database,
// each with its own services and HTTP server) take events on several major
// hazards from concurrent writers, while a follower polls the feed with a
// small page, alternating between the replicas. Once the writers stop and the
// follower has drained the feed, it has seen every event of the major hazards
// exactly once, with seqs one after another, and no other event.
func TestMajorFeedTwoReplicas(t *testing.T) {
	t.Parallel()
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			url := modeltest.URL(t, d)
			w := newWorldOn(t, modeltest.OpenAt(t, url))
			store2 := modeltest.OpenAt(t, url)
			eng2 := workflow.New(store2, workflow.Options{Now: w.clock.Now, ReportKey: []byte("0123456789abcdef0123456789abcdef")})
			srv2, err := handler.New(eng2, ledger.New(store2, eng2.Hazards, nil), handler.Options{})
			if err != nil {
				t.Fatal(err)
			}
			servers := []*httptest.Server{httptest.NewServer(w.srv), httptest.NewServer(srv2)}
			for _, s := range servers {
				t.Cleanup(s.Close)
			}
			tokens := map[string]string{} // logged in before the goroutines start
			for _, u := range []string{"donghu", "donghu2", "prov"} {
				tokens[u] = w.as(t, u).token
			}
			as := func(user string, replica int) replicaClient {
				return replicaClient{base: servers[replica%2].URL, token: tokens[user]}
			}

			const writers, extends = 4, 5
			basis := obj{"basis_standard": "《工贸企业重大事故隐患判定标准》", "basis_clause": "第四条", "responsible_unit": "某单位"}
			plan := obj{"measures": "整改", "responsible_person": "张三", "deadline": "2026-12-20",
				"funds": 3, "funds_source": "自筹", "emergency_plan": "停用"}
			fire := func(c replicaClient, h *hazard, ev string, fields obj) error {
				body := obj{"event": ev, "version": h.Version}
				for k, v := range fields {
					body[k] = v
				}
				_, err := c.do(http.MethodPost, hazardPath(h.ID)+"/events", body, h)
				return err
			}
			// Each writer registers a hazard on one replica and takes it
			// through its events on both; one writer's hazard is general.
			writer := func(i int) error {
				user := []string{"donghu", "donghu2"}[i%2]
				level := "major"
				if i == writers {
					level = "general"
				}
				var h hazard
				if _, err := as(user, i).do(http.MethodPost, "/api/v1/hazards",
					obj{"title": fmt.Sprintf("隐患%d", i), "region_code": "360102", "level": level}, &h); err != nil {
					return err
				}
				confirm := basis
				if level == "general" {
					confirm = obj{"responsible_unit": "某单位"}
				}
				if err := fire(as(user, i+1), &h, "confirm", confirm); err != nil {
					return err
				}
				if err := fire(as(user, i), &h, "plan", plan); err != nil {
					return err
				}
				for k := range extends {
					if err := fire(as(user, i+k+1), &h, "extend", obj{"reason": "企业申请延期", "deadline": fmt.Sprintf("2027-01-%02d", k+1)}); err != nil {
						return err
					}
				}
				return nil
			}

			var wg sync.WaitGroup
			errs := make(chan error, writers+1)
			done := make(chan struct{})
			for i := range writers + 1 {
				wg.Go(func() {
					if err := writer(i); err != nil {
						errs <- err
					}
				})
			}
			go func() { wg.Wait(); close(done) }()

			// The follower: pages of three, alternating replicas, until the
			// writers have stopped and a page comes back empty.
			var seen []feedItem
			cursor, stopped := "", false
			for poll := 0; ; poll++ {
				if poll > 100000 {
					t.Fatal("the follower never caught up")
				}
				if !stopped {
					select {
					case <-done:
						stopped = true
					default:
					}
				}
				var p feedPage
				if _, err := as("prov", poll).do(http.MethodGet, feedPath+"?limit=3&cursor="+cursor, nil, &p); err != nil {
					t.Fatal(err)
				}
				seen = append(seen, p.Items...)
				if len(p.Items) > 0 && p.NextCursor != p.Items[len(p.Items)-1].Cursor {
					t.Fatalf("next_cursor %q, last item %q", p.NextCursor, p.Items[len(p.Items)-1].Cursor)
				}
				cursor = p.NextCursor
				if stopped && len(p.Items) == 0 {
					break
				}
			}
			close(errs)
			for err := range errs {
				t.Error(err)
			}

			var want []int64
			if err := w.store.Raw(context.Background(), &want, `SELECT e.id FROM hazard_events e
				JOIN hazards h ON h.id = e.hazard_id WHERE h.level = 'major' ORDER BY e.id`); err != nil {
				t.Fatal(err)
			}
			if len(want) != writers*(3+extends) {
				t.Fatalf("%d events of major hazards, want %d", len(want), writers*(3+extends))
			}
			var got []int64
			for i, it := range seen {
				if it.Seq != int64(i+1) {
					t.Fatalf("item %d has seq %d: seqs must follow one another", i, it.Seq)
				}
				got = append(got, it.Event.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("the follower saw events %v, want %v", got, want)
			}
			// Within a hazard, the feed keeps the log's order.
			last := map[int64]int64{}
			for _, it := range seen {
				if it.Event.Seq != last[it.Hazard.ID]+1 {
					t.Errorf("hazard %d: event seq %d after %d", it.Hazard.ID, it.Event.Seq, last[it.Hazard.ID])
				}
				last[it.Hazard.ID] = it.Event.Seq
			}
		})
	}
}

// TestMajorFeedTransfer: a major hazard transferred to the neighbouring county
// stays in the old county's feed up to and including its acceptance (the row
// keeps the region it left), and is in the new county's feed from the
// acceptance on; the city sees every change once.
func TestMajorFeedTransfer(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, xihu, city := w.as(t, "donghu"), w.as(t, "xihu"), w.as(t, "city")
		h := donghu.createHazard(obj{"title": "跨区管道阀门井积水", "level": "major", "region_code": "360102", "industry": "工贸"})
		h = donghu.mustFire(h, "confirm", obj{"basis_standard": "《工贸企业重大事故隐患判定标准》", "basis_clause": "第四条", "responsible_unit": "管网公司"})
		h = donghu.mustFire(h, "transfer", obj{"to_region_code": "360103", "reason": "阀门井位于西湖区"})
		xihu.mustFire(h, "accept_transfer", nil)

		events := func(c *client) []string {
			var out []string
			for _, it := range readFeed(c, 2) {
				if it.Hazard.ID == h.ID {
					out = append(out, it.Event.Event)
				}
			}
			return out
		}
		all := []string{"create", "confirm", "transfer", "accept_transfer"}
		if got := events(donghu); !slices.Equal(got, all) {
			t.Errorf("东湖区's feed %v, want %v", got, all)
		}
		if got := events(xihu); !slices.Equal(got, []string{"accept_transfer"}) {
			t.Errorf("西湖区's feed %v, want the acceptance only", got)
		}
		if got := events(city); !slices.Equal(got, all) {
			t.Errorf("the city's feed %v, want %v", got, all)
		}
	})
}
