package handler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"hazardloop/model"
)

type exposureBoard struct {
	Items []struct {
		Title       string `json:"title"`
		Region      string `json:"region"`
		RegionCode  string `json:"region_code"`
		Level       string `json:"level"`
		Status      string `json:"status"`
		DaysOverdue int    `json:"days_overdue"`
		ExposedOn   string `json:"exposed_on"`
	} `json:"items"`
	NextCursor string           `json:"next_cursor"`
	Regions    []map[string]any `json:"regions"`
}

// exposeHazards puts n hazards of region at the exposure step, the i-th
// exposed at at(i), each edited by edit; it returns their titles.
func exposeHazards(t *testing.T, w *world, prefix, region string, ent *model.Enterprise, n int, at func(int) time.Time, edit func(*model.Hazard)) []string {
	t.Helper()
	ctx := context.Background()
	due := model.NewDate(2026, 11, 1)
	var titles []string
	for i := range n {
		h := &model.Hazard{Code: fmt.Sprintf("YH-%s-20261101-%s%03d", region, prefix, i), Title: fmt.Sprintf("%s隐患%03d", prefix, i),
			Source: model.SourceSelfInspection, Level: model.LevelGeneral, RegionCode: region, DiscoveredAt: start.AddDate(0, -2, 0),
			State: model.StateRectifying, Version: 1, DueOn: &due, Deadline: &due, CreatedAt: start.AddDate(0, -2, 0), UpdatedAt: start}
		if ent != nil {
			h.EnterpriseID = &ent.ID
		}
		if edit != nil {
			edit(h)
		}
		if err := w.store.CreateHazard(ctx, h); err != nil {
			t.Fatal(err)
		}
		if err := w.store.CreateEscalation(ctx, &model.Escalation{HazardID: h.ID, Step: 4, DocYear: 2026, DocSeq: h.ID,
			DocNumber: fmt.Sprintf("〔2026〕第%d号", h.ID), IssuerRegion: region, IssuerName: "应急管理局", Addressee: "企业",
			ReplyDue: model.NewDate(2026, 12, 20), CreatedAt: at(i)}); err != nil {
			t.Fatal(err)
		}
		titles = append(titles, h.Title)
	}
	return titles
}

// TestExposureBoardPages: the board in pages of 50, newest exposure first,
// none twice or lost across a page boundary among hazards exposed at the same
// moment; filtered by region (descendants included), grade and status, on the
// API and on the page; a malformed filter refused naming its field.
func TestExposureBoardPages(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		base := start.Add(-24 * time.Hour).UTC()
		// 60 in 东湖区, the 40th to the 59th exposed at one same moment (the
		// first page ends among them).
		donghu := exposeHazards(t, w, "东湖", "360102", w.ents["A"], 60, func(i int) time.Time {
			return base.Add(-time.Duration(min(i, 40)) * time.Minute)
		}, nil)
		major := exposeHazards(t, w, "西湖重大", "360103", w.ents["B"], 5, func(i int) time.Time { return base.Add(-time.Duration(100+i) * time.Minute) },
			func(h *model.Hazard) { h.Level = model.LevelMajor })
		verifying := exposeHazards(t, w, "濂溪待核实", "360402", w.ents["C"], 3, func(i int) time.Time { return base.Add(-time.Duration(200+i) * time.Minute) },
			func(h *model.Hazard) { h.State = model.StateVerifying })
		closed := start.Add(-48 * time.Hour)
		rectified := exposeHazards(t, w, "东湖已整改", "360102", nil, 2, func(i int) time.Time { return base.Add(-time.Duration(300+i) * time.Minute) },
			func(h *model.Hazard) {
				h.State, h.ClosedAt, h.ResponsibleUnit = model.StateWrittenOff, &closed, "某施工队"
			})
		longAgo := start.AddDate(0, -2, 0)
		exposeHazards(t, w, "早已整改", "360102", nil, 1, func(int) time.Time { return base.Add(-400 * time.Minute) },
			func(h *model.Hazard) { h.State, h.ClosedAt = model.StateWrittenOff, &longAgo })
		exposeHazards(t, w, "不予立案", "360102", nil, 1, func(int) time.Time { return base }, func(h *model.Hazard) { h.State = model.StateDismissed })

		anon := w.anon(t)
		pages := func(query url.Values) (titles []string, sizes []int) {
			t.Helper()
			for cursor := ""; ; {
				q := url.Values{}
				for k, v := range query {
					q[k] = v
				}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				var b exposureBoard
				anon.get("/api/v1/public/exposures?" + q.Encode()).want(http.StatusOK).decode(&b)
				sizes = append(sizes, len(b.Items))
				for _, it := range b.Items {
					titles = append(titles, it.Title)
				}
				if b.NextCursor == "" {
					return titles, sizes
				}
				if cursor = b.NextCursor; len(sizes) > 5 {
					t.Fatalf("endless pages: %v", sizes)
				}
			}
		}
		all := slices.Concat(donghu, major, verifying, rectified)
		titles, sizes := pages(url.Values{})
		if !slices.Equal(sizes, []int{50, 20}) || !slices.Equal(titles[:40], donghu[:40]) || !slices.Equal(titles[60:], all[60:]) {
			t.Errorf("pages %v:\n%v", sizes, titles)
		}
		got := slices.Sorted(slices.Values(titles))
		if want := slices.Sorted(slices.Values(all)); !slices.Equal(got, want) {
			t.Errorf("the pages hold %d hazards, want each of %d once", len(got), len(want))
		}

		for _, c := range []struct {
			query url.Values
			sizes []int
			want  []string
		}{
			{url.Values{"region": {"360100"}}, []int{50, 17}, slices.Concat(donghu, major, rectified)},
			{url.Values{"region": {"360103"}}, []int{5}, major},
			{url.Values{"level": {"major"}}, []int{5}, major},
			{url.Values{"status": {"verifying"}}, []int{3}, verifying},
			{url.Values{"status": {"rectified"}}, []int{2}, rectified},
			{url.Values{"status": {"open"}, "region": {"360102"}}, []int{50, 10}, donghu},
			{url.Values{"status": {"open"}, "region": {"360400"}, "level": {"general"}}, []int{0}, nil},
		} {
			titles, sizes := pages(c.query)
			if !slices.Equal(sizes, c.sizes) || !slices.Equal(slices.Sorted(slices.Values(titles)), slices.Sorted(slices.Values(c.want))) {
				t.Errorf("%v: pages %v, %d hazards, want %v", c.query, sizes, len(titles), c.sizes)
			}
		}
		var b exposureBoard
		anon.get("/api/v1/public/exposures?status=verifying").want(http.StatusOK).decode(&b)
		if it := b.Items[0]; it.Status != "已提交整改，待核实" || it.Region != "濂溪区" || it.RegionCode != "360402" || it.DaysOverdue != 0 {
			t.Errorf("verifying item %+v", it)
		}
		anon.get("/api/v1/public/exposures?level=major").want(http.StatusOK).decode(&b)
		if it := b.Items[0]; it.Level != "重大" || it.Status != "逾期未整改" || it.DaysOverdue <= 0 {
			t.Errorf("major item %+v", it)
		}

		for _, c := range []struct{ query, field string }{
			{"level=huge", "level"}, {"status=closed", "status"}, {"region=369999", "region"}, {"region=x%27--", "region"},
			{"cursor=bm9wZQ", "cursor"}, {"cursor=eDEyMw", "cursor"},
		} {
			anon.get("/api/v1/public/exposures?"+c.query).wantError(http.StatusBadRequest, "invalid_fields", c.field)
		}

		// The page: 50 rows, the next page with the filters kept, a link home.
		rows := regexp.MustCompile(`<td class="lead" data-label="生产经营单位">`)
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
		page := string(anon.fetch("/exposure").want(http.StatusOK).body)
		if n := len(rows.FindAllString(page, -1)); n != 50 || !strings.Contains(page, `<a href="/">返回首页</a>`) {
			t.Errorf("first page: %d rows", n)
		}
		m := next.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no next page link")
		}
		page = string(anon.fetch(strings.ReplaceAll(m[1], "&amp;", "&")).want(http.StatusOK).body)
		if n := len(rows.FindAllString(page, -1)); n != 20 || next.MatchString(page) || !strings.Contains(page, "第一页") {
			t.Errorf("second page: %d rows", n)
		}
		page = string(anon.fetch("/exposure?region=360100&level=general").want(http.StatusOK).body)
		m = next.FindStringSubmatch(page)
		if m == nil || !strings.Contains(m[1], "region=360100") || !strings.Contains(m[1], "level=general") ||
			!strings.Contains(page, `<option value="360100" selected>`) || !strings.Contains(page, "南昌市：本页50项") {
			t.Fatalf("filtered page's next link %v", m)
		}
		page = string(anon.fetch(strings.ReplaceAll(m[1], "&amp;", "&")).want(http.StatusOK).body)
		if n := len(rows.FindAllString(page, -1)); n != 12 || strings.Contains(page, "西湖重大") {
			t.Errorf("filtered second page: %d rows", n)
		}
		r := anon.fetch("/exposure?level=huge")
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "隐患等级应为") || !strings.Contains(string(r.body), "<form") {
			t.Errorf("bad filter on the page: %d", r.status)
		}
	})
}
