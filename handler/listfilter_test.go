package handler_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"hazardloop/model"
)

// TestListFilters: the found-date range, industry and department filters of
// the hazard list, its page and the ledger export each narrow to exactly the
// hazards counted here from the stored hazards, combined with the caller's
// territory and with each other; days are Shanghai's; bad dates are refused
// in Chinese.
func TestListFilters(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu, xihu, prov := w.as(t, "donghu"), w.as(t, "xihu"), w.as(t, "prov")
		confirm := func(c *client, h hazard) {
			c.mustFire(h, "confirm", obj{"deadline": "2026-12-20", "responsible_unit": "责任单位"})
		}
		confirm(donghu, donghu.createHazard(obj{"title": "储罐区无泄漏报警", "region_code": "360102", "industry": "危险化学品", "discovered_at": "2026-03-10"}))
		confirm(donghu, donghu.createHazard(obj{"title": "脚手架未设连墙件", "region_code": "360102", "industry": "建筑施工", "discovered_at": "2026-05-01"}))
		// 23:30 on 30 April in Shanghai: April's, though 1 May has begun in no zone yet.
		donghu.createHazard(obj{"title": "深夜：基坑无护栏", "region_code": "360102", "industry": "建筑施工", "discovered_at": "2026-04-30T23:30:00+08:00"})
		// 00:30 on 1 May in Shanghai, still 30 April in UTC: May's.
		donghu.createHazard(obj{"title": "凌晨：塔吊限位失灵", "region_code": "360102", "industry": "建筑施工", "discovered_at": "2026-04-30T16:30:00Z"})
		confirm(xihu, xihu.createHazard(obj{"title": "外墙脚手架松动", "region_code": "360103", "industry": "建筑施工", "discovered_at": "2026-05-02"}))
		xihu.createHazard(obj{"title": "仓库化学品混放", "region_code": "360103", "industry": "危险化学品", "discovered_at": "2026-10-01"})
		confirm(prov, prov.createHazard(obj{"title": "码头工地临边无防护", "region_code": "360402", "industry": "建筑施工", "discovered_at": "2026-05-03"}))

		all, err := w.store.ListHazards(context.Background(), model.HazardFilter{Scope: model.AllScope, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 7 {
			t.Fatalf("%d hazards stored, want 7", len(all))
		}
		// want lists, newest first, the codes of the hazards in region matching
		// the filters, judged here on the stored rows.
		want := func(region string, v url.Values) []string {
			var out []string
			for _, h := range all {
				day := model.DateIn(h.DiscoveredAt, model.Shanghai).String()
				switch {
				case !model.Within(h.RegionCode, region),
					v.Get("from") != "" && day < v.Get("from"),
					v.Get("to") != "" && day > v.Get("to"),
					v.Has("industry") && h.Industry != v.Get("industry"),
					v.Has("department") && string(h.Department) != v.Get("department"):
					continue
				}
				out = append(out, h.Code)
			}
			return out
		}
		cases := []struct {
			user, region string
			query        string
			n            int // how many the counts here must find: a check on want itself
		}{
			{"prov", "360000", "", 7},
			{"prov", "360000", "from=2026-05-01", 5},
			{"prov", "360000", "to=2026-04-30", 2},
			{"prov", "360000", "from=2026-05-01&to=2026-05-02", 3},
			{"prov", "360000", "industry=建筑施工", 5},
			{"prov", "360000", "department=housing", 3},
			{"prov", "360000", "department=emergency", 1},
			{"prov", "360000", "industry=建筑施工&from=2026-05-01&to=2026-05-31&department=housing", 3},
			{"city", "360100", "industry=建筑施工&from=2026-05-01&to=2026-05-31", 3},
			{"city", "360100", "department=housing", 2},
			{"donghu", "360102", "industry=建筑施工", 3},
			{"donghu", "360102", "industry=建筑施工&to=2026-04-30", 1},
			{"donghu", "360102", "department=housing&from=2026-05-01", 1},
			{"xihu", "360103", "industry=危险化学品&from=2026-06-01", 1},
			{"xihu", "360103", "industry=危险化学品&to=2026-06-01", 0},
		}
		for _, c := range cases {
			v, _ := url.ParseQuery(c.query)
			codes := want(c.region, v)
			if len(codes) != c.n {
				t.Fatalf("%s %s: counted %d here, want %d", c.user, c.query, len(codes), c.n)
			}
			var p struct {
				Items []hazard `json:"items"`
			}
			w.as(t, c.user).get("/api/v1/hazards?limit=200&" + c.query).want(http.StatusOK).decode(&p)
			var got []string
			for _, h := range p.Items {
				got = append(got, h.Code)
			}
			if !slices.Equal(got, codes) {
				t.Errorf("GET /hazards?%s as %s: %v, want %v", c.query, c.user, got, codes)
			}
			if exported := ledgerCodes(t, w.as(t, c.user).download(ledgerPath+".xlsx?"+c.query)); !slices.Equal(exported, codes) {
				t.Errorf("ledger ?%s as %s: %v, want %v", c.query, c.user, exported, codes)
			}
		}

		// The list page: the filters in its form, kept as typed, and in its
		// export link; only the matching hazards listed.
		pc := newPageClient(t, w)
		pc.login("city")
		resp, body := pc.do(http.MethodGet, "/hazards?industry="+url.QueryEscape("建筑施工")+"&from=2026-05-01&to=2026-05-31&department=housing", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/hazards: %d", resp.StatusCode)
		}
		for _, s := range []string{"脚手架未设连墙件", "外墙脚手架松动", `name="from" value="2026-05-01"`, `name="to" value="2026-05-31"`,
			`value="建筑施工"`, `<option value="housing" selected>`, "department=housing", "from=2026-05-01"} {
			if !strings.Contains(body, s) {
				t.Errorf("/hazards lacks %s", s)
			}
		}
		for _, s := range []string{"储罐区无泄漏报警", "凌晨：塔吊限位失灵", "码头工地临边无防护"} {
			if strings.Contains(body, s) {
				t.Errorf("/hazards lists %s, filtered out", s)
			}
		}
		resp, body = pc.do(http.MethodGet, "/hazards?from=2026-13-01&industry=x", nil, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "发现日期（起）格式应为 YYYY-MM-DD") || !strings.Contains(body, `name="from" value="2026-13-01"`) {
			t.Errorf("/hazards with a bad date: %d, want 400 with the reason and the date kept", resp.StatusCode)
		}

		for _, q := range []string{"from=2026/05/01", "to=tomorrow"} {
			field := strings.SplitN(q, "=", 2)[0]
			w.as(t, "city").get("/api/v1/hazards?"+q).wantError(http.StatusBadRequest, "invalid_fields", field)
			w.as(t, "city").get(ledgerPath+".xlsx?"+q).wantError(http.StatusBadRequest, "invalid_fields", field)
		}
		e := w.as(t, "city").get("/api/v1/hazards?from=2026-06-01&to=2026-05-01").wantError(http.StatusBadRequest, "invalid_fields", "to")
		if !strings.Contains(e.Fields["to"], "不能早于") {
			t.Errorf("reversed range: %+v", e)
		}
		w.as(t, "city").get("/api/v1/hazards?industry="+strings.Repeat("行", 51)).wantError(http.StatusBadRequest, "invalid_fields", "industry")
	})
}

// ledgerCodes reads the hazard codes of an exported ledger, in order.
func ledgerCodes(t *testing.T, b []byte) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("隐患台账")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || rows[1][0] != "隐患编号" {
		t.Fatalf("ledger header %q", rows)
	}
	var out []string
	for _, r := range rows[2:] {
		out = append(out, r[0])
	}
	return out
}
