package workflow

import (
	"context"
	"slices"
	"time"

	"hazardloop/model"
)

// Dashboard is the statistics page of a territory.
type Dashboard struct {
	model.Stats
	ByDepartment    []model.Count     // open hazards by department code ("" not yet listed)
	MajorDepartment []model.Count     // open major hazards by department code
	Regions         map[string]string // region code → name, for the region charts
	Today           model.Date
	// VerifyOverdue counts the submissions waiting for verification past
	// --verify-days working days (核实超时).
	VerifyOverdue int64
	// Disaster is the open disaster hazards (灾害隐患) and the people under
	// their threat; the open accident hazards are the rest (AccidentOpen).
	Disaster model.DisasterStats
	// Avoided is the successful avoidances (成功避险) of the territory's
	// hazards and the people they moved.
	Avoided model.AvoidanceStats
}

// OpenTotal is the open hazards of both categories.
func (d Dashboard) OpenTotal() int64 {
	var n int64
	for _, c := range d.ByState {
		n += c.N
	}
	return n
}

// AccidentOpen is the open accident hazards (事故隐患).
func (d Dashboard) AccidentOpen() int64 { return max(0, d.OpenTotal()-d.Disaster.Open) }

// RectificationRate is written off over confirmed, 0..1 (0 when nothing is confirmed).
func (d Dashboard) RectificationRate() float64 { return ratio(d.WrittenOff, d.Confirmed) }

// OnTimeRate is written off on time over written off, 0..1.
func (d Dashboard) OnTimeRate() float64 { return ratio(d.OnTime, d.WrittenOff) }

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// TrendWeeks is how many weeks the found-versus-written-off trend covers.
const TrendWeeks = 12

// Dashboard aggregates the hazards a may see (staff and admins). Weeks start on
// Monday in Asia/Shanghai; the last one is the current week.
func (e *Hazards) Dashboard(ctx context.Context, a Actor) (Dashboard, error) {
	switch a.Role {
	case model.RoleSupervisor, model.RoleOfficer, model.RoleAdmin:
	default:
		return Dashboard{}, errForbidden("仅监管人员、信息员和管理员可以查看统计")
	}
	today := e.Today()
	local := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, model.Shanghai)
	monday := local.AddDate(0, 0, -((int(local.Weekday()) + 6) % 7))
	weeks := make([]time.Time, TrendWeeks)
	for i := range weeks {
		weeks[i] = monday.AddDate(0, 0, -7*(TrendWeeks-1-i)).UTC()
	}
	st, err := e.store.HazardStats(ctx, a.Scope(), today, weeks)
	if err != nil {
		return Dashboard{}, err
	}
	byDept, majorDept, err := e.store.DepartmentCounts(ctx, a.Scope())
	if err != nil {
		return Dashboard{}, err
	}
	// Names of the regions the charts show, not of the whole table.
	var codes []string
	for _, c := range append(slices.Clone(st.ByRegion), st.MajorOpen...) {
		codes = append(codes, c.Key)
	}
	slices.Sort(codes)
	rs, err := e.store.RegionsByCode(ctx, slices.Compact(codes))
	if err != nil {
		return Dashboard{}, err
	}
	names := make(map[string]string, len(rs))
	for _, r := range rs {
		names[r.Code] = r.Name
	}
	late, err := e.store.CountLateVerifications(ctx, a.Scope(), e.ladder().verifyCutoff(today))
	if err != nil {
		return Dashboard{}, err
	}
	dis, err := e.store.DisasterCounts(ctx, a.Scope())
	if err != nil {
		return Dashboard{}, err
	}
	avoided, err := e.store.AvoidanceCounts(ctx, a.Scope())
	if err != nil {
		return Dashboard{}, err
	}
	return Dashboard{Stats: st, ByDepartment: byDept, MajorDepartment: majorDept, Regions: names, Today: today, VerifyOverdue: late,
		Disaster: dis, Avoided: avoided}, nil
}
