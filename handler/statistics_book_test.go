package handler_test

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hazardloop/model"
)

// statJSON is GET /api/v1/statistics as the tests read it.
type statJSON struct {
	From    string    `json:"from"`
	To      string    `json:"to"`
	Region  string    `json:"region"`
	GroupBy string    `json:"group_by"`
	Rows    []statRow `json:"rows"`
	Total   statRow   `json:"total"`
}

type statRow struct {
	Key               string  `json:"key"`
	Name              string  `json:"name"`
	Found             int64   `json:"found"`
	FoundMajor        int64   `json:"found_major"`
	WrittenOff        int64   `json:"written_off"`
	FoundRectified    int64   `json:"found_rectified"`
	Open              int64   `json:"open"`
	Overdue           int64   `json:"overdue"`
	RectificationRate float64 `json:"rectification_rate"`
}

// seedStatistics gives the fixture hazards in both cities over 2026: found
// in and out of a period, major and general, written off, dismissed, overdue.
func seedStatistics(t *testing.T, w *world) {
	t.Helper()
	donghu, xihu, prov, entA := w.as(t, "donghu"), w.as(t, "xihu"), w.as(t, "prov"), w.as(t, "entA")
	a := entA.createHazard(obj{"title": "配电箱未接地", "discovered_at": "2026-08-10"})
	donghu.createHazard(obj{"title": "储罐区无泄漏报警", "level": "major", "enterprise_id": w.ents["A"].ID, "industry": "危险化学品", "discovered_at": "2026-08-12"})
	donghu.createHazard(obj{"title": "旧隐患", "region_code": "360102", "discovered_at": "2026-01-05"})
	o := donghu.createHazard(obj{"title": "楼道堆物", "region_code": "360102", "industry": "商贸", "discovered_at": "2026-11-01"})
	donghu.mustFire(o, "confirm", obj{"deadline": "2026-11-29", "responsible_unit": "物业"})
	x := xihu.createHazard(obj{"title": "仓库消防栓无水", "region_code": "360103", "industry": "建筑施工", "discovered_at": "2026-10-05"})
	d := xihu.createHazard(obj{"title": "误报", "region_code": "360103", "discovered_at": "2026-10-06"})
	xihu.mustFire(d, "dismiss", obj{"reason": "经核查不是隐患"})
	c := prov.createHazard(obj{"title": "码头临边无防护", "region_code": "360402", "industry": "港口", "discovered_at": "2026-09-01"})
	prov.mustFire(c, "confirm", obj{"deadline": "2026-12-31", "responsible_unit": "港务公司"})
	a = donghu.mustFire(a, "confirm", obj{"deadline": "2026-12-20"})
	a = entA.mustFire(a, "plan", obj{"measures": "接地", "responsible_person": "张三"})
	a = entA.mustFire(a, "submit", nil)
	w.as(t, "donghu2").mustFire(a, "approve", obj{"comment": "已接地"})
	xihu.mustFire(x, "confirm", obj{"deadline": "2026-11-30", "responsible_unit": "仓库"})
	// 1 December: two of them overdue.
	w.clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, model.Shanghai))
	w.forgetLogins()
}

// TestStatisticsWorkbook: GET /statistics.xlsx holds, sheet by sheet, the
// figures of GET /api/v1/statistics for the same parameters (rows, total,
// rate), under a title naming the region and the period, with 制表单位 and
// 制表时间; it is refused as the JSON is.
func TestStatisticsWorkbook(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		seedStatistics(t, w)
		sheets := map[string]string{"region": "按地区", "industry": "按行业", "department": "按部门", "level": "按等级", "source": "按来源"}
		for _, c := range []struct {
			user, query, region, issuer, period string
		}{
			{"prov", "from=2026-07-01&to=2026-11-30", "江西省", "江西省应急管理厅", "2026年7月1日至2026年11月30日"},
			{"prov", "from=2026-01-01&to=2026-12-31&region=360100", "南昌市", "江西省应急管理厅", "2026年1月1日至2026年12月31日"},
			{"city", "", "南昌市", "南昌市应急管理局", "2026年1月1日至2026年12月1日"},
			{"donghu", "to=2026-10-31", "东湖区", "东湖区应急管理局", "2026年1月1日至2026年10月31日"},
		} {
			b := w.as(t, c.user).download("/api/v1/statistics.xlsx?" + c.query)
			f, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := f.GetSheetList(), []string{"按地区", "按行业", "按部门", "按等级", "按来源"}; strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s ?%s: sheets %v, want %v", c.user, c.query, got, want)
			}
			for group, sheet := range sheets {
				var st statJSON
				w.as(t, c.user).get("/api/v1/statistics?group_by=" + group + "&" + c.query).want(http.StatusOK).decode(&st)
				where := fmt.Sprintf("%s ?%s, sheet %s", c.user, c.query, sheet)
				rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if want := c.region + " " + c.period + " 隐患排查治理统计表"; !strings.HasPrefix(rows[0][0], want) {
					t.Errorf("%s: title %q, want %q", where, rows[0][0], want)
				}
				if rows[1][1] != "新发现隐患" || rows[1][5] != "整改率" || len(rows[1]) != 8 {
					t.Errorf("%s: header %q", where, rows[1])
				}
				lines := append(st.Rows, st.Total)
				if len(rows) < 2+len(lines)+3 {
					t.Fatalf("%s: %d rows for %d lines", where, len(rows), len(lines))
				}
				for i, r := range lines {
					wantStatLine(t, where, rows[2+i], r)
				}
				if rows[2+len(st.Rows)][0] != "合计" {
					t.Errorf("%s: total row %q", where, rows[2+len(st.Rows)])
				}
				rest := strings.Join(flatten(rows[2+len(lines):]), "|")
				if !strings.Contains(rest, "制表单位："+c.issuer) || !strings.Contains(rest, "制表时间：2026年12月1日 10:00") {
					t.Errorf("%s: foot %q", where, rest)
				}
				if group == "region" && len(st.Rows) == 0 {
					t.Errorf("%s: no rows by region to compare", where)
				}
			}
			f.Close()
		}
		// The province's year by region: the two cities and their counts, as
		// made from the hazards by TestPeriodStatistics' rule.
		var st statJSON
		w.as(t, "prov").get("/api/v1/statistics?from=2026-07-01&to=2026-11-30").want(http.StatusOK).decode(&st)
		if len(st.Rows) != 2 || st.Rows[0].Name != "南昌市" || st.Rows[0].Found != 4 || st.Rows[1].Name != "九江市" || st.Rows[1].Found != 1 ||
			st.Rows[0].RectificationRate != 0.25 || st.Total.Overdue != 2 {
			t.Errorf("province by region %+v", st.Rows)
		}

		// One grouping asked for: one sheet.
		f, err := excelize.OpenReader(bytes.NewReader(w.as(t, "city").download("/api/v1/statistics.xlsx?group_by=level")))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); len(got) != 1 || got[0] != "按等级" {
			t.Errorf("group_by=level: sheets %v", got)
		}
		if panes, _ := f.GetPanes("按等级"); !panes.Freeze || panes.YSplit != 2 {
			t.Errorf("panes %+v, want the header frozen", panes)
		}
		f.Close()

		// Refused as the JSON is, in Chinese.
		e := w.as(t, "city").get("/api/v1/statistics.xlsx?from=2026-13-01").wantError(http.StatusBadRequest, "invalid_fields", "from")
		if !strings.Contains(e.Fields["from"], "日期格式") {
			t.Errorf("bad date: %+v", e)
		}
		w.as(t, "city").get("/api/v1/statistics.xlsx?from=2026-06-01&to=2026-05-01").wantError(http.StatusBadRequest, "invalid_fields", "to")
		w.as(t, "city").get("/api/v1/statistics.xlsx?group_by=colour").wantError(http.StatusBadRequest, "invalid_fields", "group_by")
		w.as(t, "city").get("/api/v1/statistics.xlsx?region=360402").wantError(http.StatusForbidden, "forbidden")
		w.as(t, "entA").get("/api/v1/statistics.xlsx").wantError(http.StatusForbidden, "forbidden")
		w.anon(t).get("/api/v1/statistics.xlsx").wantError(http.StatusUnauthorized, "unauthorized")

		// The dashboard's link: the page route, by session; its refusals are pages.
		p := newPageClient(t, w)
		p.login("city")
		resp, body := p.do(http.MethodGet, "/statistics.xlsx?from=2026-07-01&to=2026-11-30", nil, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("/statistics.xlsx: %d %s", resp.StatusCode, resp.Header)
		}
		if _, err := excelize.OpenReader(strings.NewReader(body)); err != nil {
			t.Errorf("/statistics.xlsx: %v", err)
		}
		resp, body = p.do(http.MethodGet, "/statistics.xlsx?from=7/1", nil, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "<html") || !strings.Contains(body, "日期格式") {
			t.Errorf("/statistics.xlsx with a bad date: %d, want a page saying why", resp.StatusCode)
		}
	})
}

// wantStatLine checks one sheet row against the JSON's row: the name, each
// count and the rate.
func wantStatLine(t *testing.T, where string, cells []string, r statRow) {
	t.Helper()
	if len(cells) != 8 || cells[0] != r.Name {
		t.Errorf("%s: row %q, want %s", where, cells, r.Name)
		return
	}
	for j, want := range []int64{r.Found, r.FoundMajor, r.WrittenOff, r.FoundRectified} {
		if cells[1+j] != strconv.FormatInt(want, 10) {
			t.Errorf("%s: %s column %d = %q, want %d", where, r.Name, 2+j, cells[1+j], want)
		}
	}
	if rate, err := strconv.ParseFloat(cells[5], 64); err != nil || math.Abs(rate-r.RectificationRate) > 1e-9 {
		t.Errorf("%s: %s rate %q, want %v", where, r.Name, cells[5], r.RectificationRate)
	}
	if cells[6] != strconv.FormatInt(r.Open, 10) || cells[7] != strconv.FormatInt(r.Overdue, 10) {
		t.Errorf("%s: %s open, overdue %q %q, want %d %d", where, r.Name, cells[6], cells[7], r.Open, r.Overdue)
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// TestPagesStatsPeriod: the dashboard's period picker and its roll-up by
// region: the province sees its cities, each opening on its counties, with
// the figures of GET /api/v1/statistics; a city sees its counties; the
// workbook's link carries the period; a bad day is refused on the page with
// the day kept.
func TestPagesStatsPeriod(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		seedStatistics(t, w)
		p := newPageClient(t, w)
		p.login("prov")
		resp, body := p.do(http.MethodGet, "/stats?from=2026-07-01&to=2026-11-30", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/stats: %d", resp.StatusCode)
		}
		var cities, counties statJSON
		w.as(t, "prov").get("/api/v1/statistics?from=2026-07-01&to=2026-11-30").want(http.StatusOK).decode(&cities)
		w.as(t, "prov").get("/api/v1/statistics?from=2026-07-01&to=2026-11-30&region=360100").want(http.StatusOK).decode(&counties)
		for _, s := range []string{
			`<details class="rollup-city" data-region="360100">`, `<details class="rollup-city" data-region="360400">`,
			`data-region="360102"`, `data-region="360103"`, `data-region="360402"`,
			`href="/statistics.xlsx?from=2026-07-01&amp;to=2026-11-30"`,
			`name="from" value="2026-07-01"`, `name="to" value="2026-11-30"`,
			`href="/stats?from=2026-10-01&amp;to=2026-12-01">本季度`, `href="/stats?from=2026-01-01&amp;to=2026-12-01">本年`,
			`href="/stats?from=2026-07-01&amp;to=2026-09-30">上季度`,
			fmt.Sprintf(`id="period-found">%d<`, cities.Total.Found),
		} {
			if !strings.Contains(body, s) {
				t.Errorf("/stats as the province lacks %s", s)
			}
		}
		for _, r := range append(cities.Rows, counties.Rows...) {
			if want := rollupCells(r); !strings.Contains(body, want) {
				t.Errorf("/stats lacks %s's figures %s", r.Name, want)
			}
		}

		p.login("city")
		_, body = p.do(http.MethodGet, "/stats?from=2026-07-01&to=2026-11-30", nil, nil)
		if strings.Contains(body, "<details class=\"rollup-city\"") || !strings.Contains(body, `href="/stats?region=360102&from=2026-07-01&to=2026-11-30">东湖区`) {
			t.Errorf("/stats as the city: want its counties, each linking to its own statistics\n%s", body[strings.Index(body, `id="rollup"`):])
		}
		resp, body = p.do(http.MethodGet, "/stats?from=2026-02-30&to=2026-11-30", nil, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "日期格式") || !strings.Contains(body, `name="from" value="2026-02-30"`) {
			t.Errorf("/stats with a bad day: %d, want 400 saying why, the day kept", resp.StatusCode)
		}
	})
}

// rollupCells is how the roll-up shows a row's figures.
func rollupCells(r statRow) string {
	major := "0"
	if r.FoundMajor > 0 {
		major = fmt.Sprintf(`<span class="tag major">%d</span>`, r.FoundMajor)
	}
	late := ""
	if r.Overdue > 0 {
		late = ` class="late"`
	}
	return fmt.Sprintf(`<span role="cell" data-label="新发现">%d</span><span role="cell" data-label="其中重大">%s</span><span role="cell" data-label="期内销号">%d</span><span role="cell" data-label="整改率">%.1f%%</span><span role="cell" data-label="在办">%d</span><span role="cell" data-label="逾期"%s>%d</span>`,
		r.Found, major, r.WrittenOff, r.RectificationRate*100, r.Open, late, r.Overdue)
}
