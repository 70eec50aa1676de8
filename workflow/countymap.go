package workflow

import (
	"context"
	"fmt"

	"hazardloop/model"
)

// The county map (四色图): each county of a supervisor's territory shaded in
// four colours by one metric and thresholds that are a rule of their own.

// MapMetrics are the metrics the county map shades by, in the order offered.
var MapMetrics = []string{"open", "overdue", "major_open", "rectification_rate"}

// MapMetricLabel is a metric's Chinese name.
func MapMetricLabel(m string) string {
	switch m {
	case "open":
		return "在办隐患数"
	case "overdue":
		return "逾期隐患数"
	case "major_open":
		return "未销号重大事故隐患数"
	case "rectification_rate":
		return "整改率"
	}
	return m
}

// DefaultMapThresholds are the three cuts between the four colours per
// metric: for counts, below the first blue, then yellow, orange, and red from
// the third on; for the rectification rate (higher is better), blue from the
// first down, then yellow, orange, and red below the third.
var DefaultMapThresholds = map[string][3]float64{
	"open":               {20, 100, 500},
	"overdue":            {1, 10, 50},
	"major_open":         {1, 3, 10},
	"rectification_rate": {0.9, 0.75, 0.6},
}

// The shades, worst first; ShadeNone is a county without data for the metric.
const (
	ShadeRed    = "red"
	ShadeOrange = "orange"
	ShadeYellow = "yellow"
	ShadeBlue   = "blue"
	ShadeNone   = "none"
)

// CountyShade is one county of the map.
type CountyShade struct {
	Code  string  `json:"code"`
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Shade string  `json:"shade"`
	Text  string  `json:"text"` // the value as shown: 12, 85.0%, 无数据
}

// CountyMap is the map's data: the metric, the territory shown and each county
// of it with its shade; the legend is Thresholds read by Metric.
type CountyMap struct {
	Metric     string        `json:"metric"`
	Label      string        `json:"label"`
	Region     string        `json:"region"`
	Counties   []CountyShade `json:"counties"`
	Thresholds [3]float64    `json:"thresholds"`
	AsOf       model.Date    `json:"as_of"`
	// Dots are the open hazards with coordinates when one county is shown
	// (at most MapDotsMax, the newest).
	Dots []model.MapDot `json:"dots,omitempty"`
}

// MapDotsMax is the most hazards one county's map draws as dots.
const MapDotsMax = 2000

// CountyMap shades the counties of region (a's own territory when "", else a
// region inside it; a township or village shows its county) by metric, for
// staff: KindInvalid for an unknown metric or region code, KindForbidden
// outside a's territory or for enterprises and the public. The figures are
// the summaries' (open, major_open, rectification_rate) and the open
// hazards past their due day today (overdue).
func (e *Supervision) CountyMap(ctx context.Context, a Actor, metric, region string) (CountyMap, error) {
	switch a.Role {
	case model.RoleSupervisor, model.RoleOfficer, model.RoleAdmin:
	default:
		return CountyMap{}, errForbidden("仅监管人员、信息员和管理员可以查看四色图")
	}
	if metric == "" {
		metric = "open"
	}
	th, ok := e.mapThresholds()[metric]
	if !ok {
		return CountyMap{}, errInvalid(map[string]string{"metric": "指标只能是 open、overdue、major_open 或 rectification_rate"})
	}
	if region == "" {
		region = a.Region
	}
	if region != "" {
		if !model.ValidRegionCode(region) {
			return CountyMap{}, errInvalid(map[string]string{"region": "区划代码格式不正确"})
		}
		if a.Region != "" && !model.Within(region, a.Region) && !model.Within(a.Region, region) {
			return CountyMap{}, errForbidden("该区划不在您的辖区内")
		}
		if a.Region != "" && model.Within(a.Region, region) {
			region = a.Region // a wider region than a's own shows a's own
		}
		region = model.CodeCounty(region)
	}
	sc := a.Scope()
	sc.MajorToo = false
	if region != "" && sc.Region != "" {
		sc.Region = region
	} else if region != "" {
		sc = model.Scope{Region: region}
	}
	today := e.Today()
	counties, err := e.store.CountiesWithin(ctx, region)
	if err != nil {
		return CountyMap{}, err
	}
	var rows []model.RankCounts
	switch metric {
	case "overdue":
		codes := make([]string, len(counties))
		for i, c := range counties {
			codes[i] = c.Code
		}
		rows, err = e.store.OverdueByCounty(ctx, sc, codes, today)
	case "major_open":
		rows, err = e.store.MajorOpenByCounty(ctx, sc)
	default:
		rows, err = e.store.RankCounts(ctx, sc, model.RankBy{Prefix: 6, CountsOnly: true}, today)
	}
	if err != nil {
		return CountyMap{}, err
	}
	byCode := map[string]model.RankCounts{}
	for _, r := range rows {
		byCode[r.Key] = r
	}
	out := CountyMap{Metric: metric, Label: MapMetricLabel(metric), Region: region, Thresholds: th, AsOf: today, Counties: []CountyShade{}}
	for _, c := range counties {
		r := byCode[c.Code]
		cs := CountyShade{Code: c.Code, Name: c.Name}
		switch metric {
		case "open":
			cs.Value = float64(r.Open)
		case "overdue":
			cs.Value = float64(r.Overdue)
		case "major_open":
			cs.Value = float64(r.Open)
		case "rectification_rate":
			cs.Value = ratio(r.WrittenOff, r.Confirmed)
		}
		cs.Shade, cs.Text = shade(metric, th, cs.Value, r.Confirmed > 0), fmt.Sprintf("%.0f", cs.Value)
		if metric == "rectification_rate" {
			cs.Text = fmt.Sprintf("%.1f%%", cs.Value*100)
			if r.Confirmed == 0 {
				cs.Text = "无数据"
			}
		}
		out.Counties = append(out.Counties, cs)
	}
	if len(counties) == 1 {
		// Dots name hazards: only those in a's own territory (a township's
		// supervisor sees its county's shade but its own hazards' dots).
		if out.Dots, err = e.store.LocatedInCounty(ctx, a.Scope(), counties[0].Code, MapDotsMax); err != nil {
			return CountyMap{}, err
		}
	}
	return out, nil
}

func (e *core) mapThresholds() map[string][3]float64 {
	if len(e.opts.MapThresholds) == 0 {
		return DefaultMapThresholds
	}
	out := map[string][3]float64{}
	for k, v := range DefaultMapThresholds {
		out[k] = v
	}
	for k, v := range e.opts.MapThresholds {
		out[k] = v
	}
	return out
}

// shade is the colour of value v of metric by its thresholds th; a rate
// without data is ShadeNone.
func shade(metric string, th [3]float64, v float64, hasData bool) string {
	if metric == "rectification_rate" {
		switch {
		case !hasData:
			return ShadeNone
		case v >= th[0]:
			return ShadeBlue
		case v >= th[1]:
			return ShadeYellow
		case v >= th[2]:
			return ShadeOrange
		}
		return ShadeRed
	}
	switch {
	case v < th[0]:
		return ShadeBlue
	case v < th[1]:
		return ShadeYellow
	case v < th[2]:
		return ShadeOrange
	}
	return ShadeRed
}
