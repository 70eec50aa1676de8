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
