package workflow

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"hazardloop/model"
)

// SlowPolicy says when a region or a department counts as slow (进展缓慢):
// any one threshold crossed. Zero values take DefaultSlowPolicy's.
type SlowPolicy struct {
	OverdueShare     float64 // overdue over open hazards, 0..1
	MajorOverdue     int64   // overdue major hazards
	MinRectification float64 // written off over confirmed, 0..1, judged from MinConfirmed confirmed on
	MinConfirmed     int64
	Unanswered       int64 // public reports checked and not answered
}

// DefaultSlowPolicy: a fifth of the open hazards overdue, one major hazard
// overdue, under 60% rectified of at least five confirmed, or three reporters
// waiting for their answer.
var DefaultSlowPolicy = SlowPolicy{OverdueShare: 0.2, MajorOverdue: 1, MinRectification: 0.6, MinConfirmed: 5, Unanswered: 3}

// RankRow is one child region or one department of a supervisor's territory
// with its figures, as the ranking of slow regions and departments shows it.
type RankRow struct {
	RegionCode        string           `json:"region_code,omitempty"`
	Department        model.Department `json:"department,omitempty"`
	Name              string           `json:"name"`
	Open              int64            `json:"open"`
	Overdue           int64            `json:"overdue"`
	MajorOverdue      int64            `json:"major_overdue"`
	Confirmed         int64            `json:"confirmed"`
	WrittenOff        int64            `json:"written_off"`
	RectificationRate float64          `json:"rectification_rate"`
	OnTimeRate        float64          `json:"on_time_rate"`
	ReportsUnanswered int64            `json:"reports_unanswered"`
	MeanDaysOverdue   float64          `json:"mean_days_overdue"`
	Slow              bool             `json:"slow"`
	Reasons           []string         `json:"reasons"` // why slow, in Chinese
}

// Ranking is a supervisor's view of the parts of its territory (对地区和部门的
// 督办): each child region and each department, slowest first.
type Ranking struct {
	AsOf        model.Date `json:"as_of"`
	RegionCode  string     `json:"region_code"`
	Regions     []RankRow  `json:"regions"`
	Departments []RankRow  `json:"departments"`
	Policy      SlowPolicy `json:"policy"`
}

// Ranking ranks the child regions of a's region and the departments of its
// territory by how their hazards go, overdue judged on the day asOf
// (2006-01-02; today when ""; KindInvalid naming as_of when malformed):
// the counts are the hazards as they stand, and a hazard is overdue when its
// due day lies before asOf. Rows are ordered slow first, then by overdue,
// majors overdue, the lower rectification rate, and the name. A department's
// supervisor ranks its own department's hazards only. Supervisors only:
// KindForbidden otherwise.
func (e *Supervision) Ranking(ctx context.Context, a Actor, asOf string) (Ranking, error) {
	if a.Role != model.RoleSupervisor {
		return Ranking{}, errForbidden("仅监管人员可以查看地区和部门的隐患治理排名")
	}
	day := e.Today()
	if asOf = strings.TrimSpace(asOf); asOf != "" {
		d, ok := parseDay(asOf)
		if !ok {
			return Ranking{}, errInvalid(map[string]string{"as_of": "日期格式应为 YYYY-MM-DD"})
		}
		day = d
	}
	sc := a.Scope()
	sc.MajorToo = false // the shared register is not the department's work
	out := Ranking{AsOf: day, RegionCode: a.Region, Policy: e.slowPolicy(), Regions: []RankRow{}, Departments: []RankRow{}}
	if n := childPrefix(a.Region); n > 0 {
		rows, err := e.store.RankCounts(ctx, sc, model.RankBy{Prefix: n}, day)
		if err != nil {
			return Ranking{}, err
		}
		codes := make([]string, 0, len(rows))
		for i := range rows {
			rows[i].Key = childCode(rows[i].Key)
			codes = append(codes, rows[i].Key)
		}
		rs, err := e.store.RegionsByCode(ctx, codes)
		if err != nil {
			return Ranking{}, err
		}
		names := map[string]string{}
		for _, r := range rs {
			names[r.Code] = r.Name
		}
		for _, r := range rows {
			row := e.rankRow(r)
			row.RegionCode, row.Name = r.Key, names[r.Key]
			if r.Key == a.Region {
				row.Name += "（本级）"
			}
			out.Regions = append(out.Regions, row)
		}
	}
	rows, err := e.store.RankCounts(ctx, sc, model.RankBy{Department: true}, day)
	if err != nil {
		return Ranking{}, err
	}
	for _, r := range rows {
		if r.Key == "" {
			continue // not yet listed: nobody's department
		}
		row := e.rankRow(r)
		row.Department, row.Name = model.Department(r.Key), model.Department(r.Key).Label()
		out.Departments = append(out.Departments, row)
	}
	sortRanking(out.Regions)
	sortRanking(out.Departments)
	return out, nil
}

func (e *core) slowPolicy() SlowPolicy {
	p := e.opts.Slow
	if p == (SlowPolicy{}) {
		return DefaultSlowPolicy
	}
	return p
}

// rankRow turns counts into a row with its rates and its slowness.
func (e *core) rankRow(c model.RankCounts) RankRow {
	r := RankRow{Open: c.Open, Overdue: c.Overdue, MajorOverdue: c.MajorOverdue, Confirmed: c.Confirmed, WrittenOff: c.WrittenOff,
		RectificationRate: ratio(c.WrittenOff, c.Confirmed), OnTimeRate: ratio(c.OnTime, c.WrittenOff),
		ReportsUnanswered: c.ReportsUnanswered, Reasons: []string{}}
	if c.Overdue > 0 {
		r.MeanDaysOverdue = math.Round(float64(c.OverdueDays)/float64(c.Overdue)*10) / 10
	}
	p := e.slowPolicy()
	if c.Open > 0 && ratio(c.Overdue, c.Open) >= p.OverdueShare {
		r.Reasons = append(r.Reasons, fmt.Sprintf("逾期隐患占在办隐患%.0f%%", ratio(c.Overdue, c.Open)*100))
	}
	if p.MajorOverdue > 0 && c.MajorOverdue >= p.MajorOverdue {
		r.Reasons = append(r.Reasons, fmt.Sprintf("重大事故隐患逾期%d项", c.MajorOverdue))
	}
	if c.Confirmed >= p.MinConfirmed && r.RectificationRate < p.MinRectification {
		r.Reasons = append(r.Reasons, fmt.Sprintf("整改率%.0f%%", r.RectificationRate*100))
	}
	if p.Unanswered > 0 && c.ReportsUnanswered >= p.Unanswered {
		r.Reasons = append(r.Reasons, fmt.Sprintf("%d件群众举报未答复", c.ReportsUnanswered))
	}
	r.Slow = len(r.Reasons) > 0
	return r
}

// sortRanking orders rows slow first, then by overdue, majors overdue, the
// lower rectification rate and the name.
func sortRanking(rows []RankRow) {
	slices.SortStableFunc(rows, func(a, b RankRow) int {
		if a.Slow != b.Slow {
			if a.Slow {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.Overdue, a.Overdue); c != 0 {
			return c
		}
		if c := cmp.Compare(b.MajorOverdue, a.MajorOverdue); c != 0 {
			return c
		}
		if c := cmp.Compare(a.RectificationRate, b.RectificationRate); c != 0 {
			return c
		}
		return cmp.Compare(a.Name+a.RegionCode, b.Name+b.RegionCode)
	})
}

// childPrefix is how many digits of a hazard's region code name the child of
// region it lies in: 4 under a province (its cities), 6 under a city, 9 under
// a county, 12 under a township; 0 under a village (no children).
func childPrefix(region string) int {
	switch model.RegionLevelOf(region) {
	case model.RegionProvince:
		return 4
	case model.RegionCity:
		return 6
	case model.RegionCounty:
		return 9
	case model.RegionTownship:
		return 12
	}
	return 0
}

// childCode is the region code of a child prefix: a city's four digits padded
// (3601 → 360100); the others are codes already (a county's own hazards
// group under the county's six digits, shown as 本级).
func childCode(prefix string) string {
	if len(prefix) == 4 {
		return prefix + "00"
	}
	return prefix
}
