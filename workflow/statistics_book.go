package workflow

import (
	"context"
	"errors"
	"time"

	"hazardloop/model"
)

// StatisticsGroups are the groupings of the period statistics, in the order a
// workbook shows them.
var StatisticsGroups = []string{"region", "industry", "department", "level", "source"}

// StatisticsBook is the period statistics as the workbook (统计表) prints
// them: one table per grouping, what they cover, who made them and when.
type StatisticsBook struct {
	Tables     []Statistics // one per grouping, in StatisticsGroups' order
	RegionName string       // the region counted (江西省); 全部 for every region
	Issuer     string       // 制表单位: the caller's office (江西省应急管理厅) or region
	MadeAt     time.Time
}

// StatisticsBook counts the period statistics of q for every grouping, or only
// for q.GroupBy when given, with the same rules and refusals as Statistics.
func (e *Supervision) StatisticsBook(ctx context.Context, a Actor, q StatisticsQuery) (StatisticsBook, error) {
	groups := StatisticsGroups
	if q.GroupBy != "" {
		groups = []string{q.GroupBy}
	}
	b := StatisticsBook{MadeAt: e.Now()}
	for _, g := range groups {
		q.GroupBy = g
		st, err := e.Statistics(ctx, a, q)
		if err != nil {
			return StatisticsBook{}, err
		}
		b.Tables = append(b.Tables, st)
	}
	var err error
	if b.RegionName, err = e.regionName(ctx, b.Tables[0].Region); err != nil {
		return StatisticsBook{}, err
	}
	switch {
	case a.Role == model.RoleSupervisor && a.Region != "":
		dept := a.Department
		if dept == "" {
			dept = model.DeptEmergency
		}
		b.Issuer, err = e.office(ctx, a.Region, dept)
	case a.Region != "":
		b.Issuer, err = e.regionName(ctx, a.Region)
	default:
		b.Issuer = "系统管理员"
	}
	if errors.Is(err, model.ErrNotFound) {
		b.Issuer, err = a.Region, nil
	}
	return b, err
}

// regionName is the name of region code, 全部 for "", the code itself for a
// code missing from the table.
func (e *core) regionName(ctx context.Context, code string) (string, error) {
	if code == "" {
		return "全部", nil
	}
	r, err := e.store.GetRegion(ctx, code)
	if errors.Is(err, model.ErrNotFound) {
		return code, nil
	}
	if err != nil {
		return "", err
	}
	return r.Name, nil
}

// RegionRollUp is the period statistics by region for the dashboard: a
// province's cities each with its counties, or the child regions of a city or
// a county (Children nil).
type RegionRollUp struct {
	Statistics
	Children map[string][]StatRow // a city's counties (and its own hazards, 本级), by the city's code
}

// RegionRollUp counts q by region as Statistics does, in one pass: a
// province's by county, added up to cities here.
func (e *Supervision) RegionRollUp(ctx context.Context, a Actor, q StatisticsQuery) (RegionRollUp, error) {
	q.GroupBy = "region"
	region := q.Region
	if region == "" {
		region = a.Region
	}
	q.Counties = region != "" && model.ValidRegionCode(region) && model.RegionLevelOf(region) == model.RegionProvince
	st, err := e.Statistics(ctx, a, q)
	if err != nil || !q.Counties {
		return RegionRollUp{Statistics: st}, err
	}
	out := RegionRollUp{Statistics: st, Children: map[string][]StatRow{}}
	var cities []string
	for _, r := range st.Rows {
		city := r.Key[:4] + "00"
		if _, ok := out.Children[city]; !ok {
			cities = append(cities, city)
		}
		if r.Key == city {
			r.Name += "（本级）"
		}
		out.Children[city] = append(out.Children[city], r)
	}
	rs, err := e.store.RegionsByCode(ctx, cities)
	if err != nil {
		return RegionRollUp{}, err
	}
	names := map[string]string{}
	for _, r := range rs {
		names[r.Code] = r.Name
	}
	out.Rows = make([]StatRow, 0, len(cities))
	for _, c := range cities { // in code order, as the counties came
		row := StatRow{Name: statName("region", c, names)}
		row.Key = c
		for _, r := range out.Children[c] {
			row.Found += r.Found
			row.FoundMajor += r.FoundMajor
			row.WrittenOff += r.WrittenOff
			row.FoundRectified += r.FoundRectified
			row.Open += r.Open
			row.Overdue += r.Overdue
		}
		row.RectificationRate = ratio(row.FoundRectified, row.Found)
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}
