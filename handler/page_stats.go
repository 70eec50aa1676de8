package handler

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/workflow"
)

// bar is one row of a horizontal bar chart drawn as inline SVG.
type bar struct {
	Label string
	N     int64
	Y     int // top of the row
	W     int // bar width in chart units
	Alert bool
}

type barChart struct {
	Title  string
	Bars   []bar
	Height int
	Empty  string
}

const (
	barRow   = 28
	barWidth = 260 // the longest bar; the chart is 460 wide with labels and numbers
)

func newBarChart(title string, cs []model.Count, label func(string) string, alert bool) barChart {
	ch := barChart{Title: title, Empty: "暂无数据"}
	var max int64
	for _, c := range cs {
		max = max2(max, c.N)
	}
	for i, c := range cs {
		w := 0
		if max > 0 {
			w = int(c.N * barWidth / max)
		}
		if c.N > 0 && w < 2 {
			w = 2
		}
		ch.Bars = append(ch.Bars, bar{Label: label(c.Key), N: c.N, Y: i * barRow, W: w, Alert: alert && c.N > 0})
	}
	ch.Height = len(ch.Bars)*barRow + 4
	return ch
}

func max2(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// trend is the weekly found-versus-written-off line chart.
type trend struct {
	Found, WrittenOff string // polyline points
	W, AxisEnd        int    // the drawing's width and the x axis' end
	Ticks             []tick
	Max               int64
	Points            []trendPoint
}

type tick struct {
	X     int
	Label string
}

type trendPoint struct {
	X, FoundY, WrittenOffY int
	Found, WrittenOff      int64
	Week                   string
}

const (
	trendW, trendH, trendLeft, trendTop = 880, 180, 40, 10
)

func newTrend(weeks []model.Week) trend {
	t := trend{W: trendW, AxisEnd: trendW - 15}
	for _, w := range weeks {
		t.Max = max2(t.Max, max2(w.Found, w.WrittenOff))
	}
	scale := t.Max
	if scale == 0 {
		scale = 1
	}
	var f, o []string
	step := 0
	if len(weeks) > 1 {
		step = (trendW - trendLeft - 20) / (len(weeks) - 1)
	}
	for i, w := range weeks {
		x := trendLeft + i*step
		fy := trendTop + trendH - int(w.Found*trendH/scale)
		oy := trendTop + trendH - int(w.WrittenOff*trendH/scale)
		f = append(f, fmt.Sprintf("%d,%d", x, fy))
		o = append(o, fmt.Sprintf("%d,%d", x, oy))
		label := w.Start.In(model.Shanghai).Format("01-02")
		t.Points = append(t.Points, trendPoint{X: x, FoundY: fy, WrittenOffY: oy, Found: w.Found, WrittenOff: w.WrittenOff, Week: label})
		t.Ticks = append(t.Ticks, tick{X: x, Label: label}) // full width: room for every week
	}
	t.Found, t.WrittenOff = strings.Join(f, " "), strings.Join(o, " ")
	return t
}

type statsView struct {
	base
	D         workflow.Dashboard
	Charts    []barChart
	MajorOpen barChart
	Trend     trend
	MajorZero bool
	ByDept    []deptRow // 按主管部门
	Period    periodView
}

// periodView is the dashboard's period: the picker, its quick choices, the
// statistics by region rolled up (a province's cities, each with its
// counties), the workbook's address, or why the period was refused.
type periodView struct {
	From, To, Region string // as asked (the picker keeps what was typed)
	Quick            []quickPeriod
	Roll             workflow.RegionRollUp
	Workbook         string // /statistics.xlsx with the period
	Error            string
}

// Drill reports whether a row of the roll-up links to its own statistics (a
// city's or a county's, other than the region shown) rather than to its hazards.
func (p periodView) Drill(code string) bool {
	l := model.RegionLevelOf(code)
	return code != p.Roll.Region && (l == model.RegionCity || l == model.RegionCounty)
}

type quickPeriod struct {
	Label, Href string
	Active      bool
}

// quickPeriods are the picker's choices as of today: this quarter, this year,
// the last quarter.
func quickPeriods(today model.Date, region, from, to string) []quickPeriod {
	q0 := time.Month((int(today.Month())-1)/3*3 + 1)
	quarter := model.NewDate(today.Year(), q0, 1)
	last := quarter.AddDays(-1)
	lastStart := model.NewDate(last.Year(), time.Month((int(last.Month())-1)/3*3+1), 1)
	out := []quickPeriod{}
	for _, p := range []struct {
		label    string
		from, to model.Date
	}{
		{"本季度", quarter, today},
		{"本年", model.NewDate(today.Year(), time.January, 1), today},
		{"上季度", lastStart, last},
	} {
		out = append(out, quickPeriod{Label: p.label, Href: periodHref("/stats", region, p.from.String(), p.to.String()),
			Active: from == p.from.String() && to == p.to.String()})
	}
	return out
}

// periodHref is path with the period (and region) as its query.
func periodHref(path, region, from, to string) string {
	v := url.Values{}
	for k, s := range map[string]string{"region": region, "from": from, "to": to} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return withQuery(path, v)
}

// deptRow is one line of the table by department.
type deptRow struct {
	Code        string
	Name        string
	Open, Major int64
}

// deptRows joins the open and the open major counts by department, most open
// first; "" (not yet listed) is named so.
func deptRows(open, major []model.Count) []deptRow {
	majors := map[string]int64{}
	for _, c := range major {
		majors[c.Key] = c.N
	}
	out := make([]deptRow, 0, len(open))
	for _, c := range open {
		name := model.Department(c.Key).Label()
		if c.Key == "" {
			name = "待核查（未定主管部门）"
		}
		out = append(out, deptRow{Code: c.Key, Name: name, Open: c.N, Major: majors[c.Key]})
	}
	return out
}

// statsPage is the dashboard: every chart is SVG drawn here, with no script.
func (u *ui) statsPage(c *gin.Context) {
	d, err := u.s.hazards.Dashboard(c.Request.Context(), actor(c))
	if err != nil {
		u.fail(c, err)
		return
	}
	region := func(code string) string {
		if n, ok := d.Regions[code]; ok {
			return n
		}
		return code
	}
	same := func(s string) string {
		if s == "" {
			return "（未填）"
		}
		return s
	}
	v := statsView{base: u.base(c, "统计", "/stats"), D: d, Trend: newTrend(d.Weeks), MajorZero: len(d.MajorOpen) == 0}
	v.Charts = []barChart{
		newBarChart("在办隐患·按状态", d.ByState, func(k string) string { return model.State(k).Label() }, false),
		newBarChart("在办隐患·按等级", d.ByLevel, func(k string) string { return model.Level(k).Label() }, false),
		newBarChart("在办隐患·按来源", d.BySource, func(k string) string { return model.Source(k).Label() }, false),
		newBarChart("在办隐患·按行业", d.ByIndustry, same, false),
		newBarChart("在办灾害隐患·按灾害类型", d.Disaster.ByType, func(k string) string { return model.DisasterType(k).Label() }, false),
	}
	v.ByDept = deptRows(d.ByDepartment, d.MajorDepartment)
	v.MajorOpen = newBarChart("未销号重大事故隐患·按区划（目标：动态清零）", d.MajorOpen, region, true)

	p := &v.Period
	p.From, p.To, p.Region = c.Query("from"), c.Query("to"), c.Query("region")
	status := http.StatusOK
	roll, err := u.s.supervision.RegionRollUp(c.Request.Context(), actor(c), statisticsQuery(c))
	if err != nil {
		r := u.refusal(c, err)
		status, p.Error = r.Status, r.Message
	} else {
		p.Roll, p.From, p.To = roll, roll.From.String(), roll.To.String()
		p.Workbook = periodHref("/statistics.xlsx", p.Region, p.From, p.To)
	}
	p.Quick = quickPeriods(d.Today, p.Region, p.From, p.To)
	u.render(c, status, "stats", v)
}
