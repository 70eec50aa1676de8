package model

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Count is one bar of a statistic: a key (a state, a region code, …) and a number.
type Count struct {
	Key string `gorm:"column:k"`
	N   int64  `gorm:"column:n"`
}

// Week is one week of the found-versus-written-off trend, starting at Start.
type Week struct {
	Start      time.Time
	Found      int64
	WrittenOff int64
}

// Stats are the figures of the dashboard for one territory, aggregated in SQL.
type Stats struct {
	ByState    []Count // open hazards (not written off, not dismissed) by state
	ByLevel    []Count
	BySource   []Count
	ByRegion   []Count // by region code
	ByIndustry []Count
	MajorOpen  []Count // open major hazards by region code
	Overdue    int64   // open hazards past their due day
	Confirmed  int64   // hazards ever listed (and not dismissed)
	WrittenOff int64
	OnTime     int64 // written off on or before their deadline (Asia/Shanghai day)
	Weeks      []Week
}

// summaryRegion limits a summary table to sc's territory; ok is false for a
// scope that is not summarised (an enterprise's).
func summaryRegion(q *gorm.DB, sc Scope) (*gorm.DB, bool) {
	switch {
	case sc.All:
		return q, true
	case sc.Region != "":
		lo, hi := RegionRange(sc.Region)
		return q.Where("region_code BETWEEN ? AND ?", lo, hi), true
	}
	return q, false
}

// scopedCounts is hazard_counts limited to sc: territory, and department as
// the hazards' scope (scopeCond) has it.
func (s *Store) scopedCounts(ctx context.Context, sc Scope) (*gorm.DB, bool) {
	return s.scopedSummary(ctx, "hazard_counts", sc)
}

// scopedSummary is a summary table (hazard_counts, hazard_days) limited to sc
// as scopedCounts has it.
func (s *Store) scopedSummary(ctx context.Context, table string, sc Scope) (*gorm.DB, bool) {
	q, ok := summaryRegion(s.r(ctx).Table(table), sc)
	if ok && sc.Region != "" && sc.Department != "" {
		q = q.Where(departmentCond(sc, "", "?"), string(sc.Department))
	}
	return q, ok
}

// DepartmentCounts are the open hazards in scope (not written off, not
// dismissed) by department code ("" for those not yet listed), most first,
// from the summaries; with them the same for open major hazards.
func (s *Store) DepartmentCounts(ctx context.Context, sc Scope) (open, major []Count, err error) {
	for _, g := range []struct {
		dst   *[]Count
		where string
	}{{&open, openStates}, {&major, openStates + " AND level = 'major'"}} {
		q, ok := s.scopedCounts(ctx, sc)
		if !ok {
			return nil, nil, nil
		}
		err := q.Where(g.where).Select("department AS k, SUM(n) AS n").Group("department").Having("SUM(n) > 0").Order("n DESC, k").Scan(g.dst).Error
		if err != nil {
			return nil, nil, translate("model: stats by department", err)
		}
	}
	return open, major, nil
}

// openStates are the states of a hazard not yet closed.
const openStates = "state IN ('discovered', 'listed', 'rectifying', 'verifying')"

// HazardStats aggregates the hazards in scope: today decides overdue, weeks are
// the starts of the trend's weeks (ascending Mondays; each runs seven days). It
// reads the summaries kept current with every event (hazard_counts,
// hazard_weeks) and counts overdue hazards from a partial index, so it costs the
// same for a county and for a province of a million hazards. Enterprise scopes
// are not summarised: they get nothing.
func (s *Store) HazardStats(ctx context.Context, sc Scope, today Date, weeks []time.Time) (Stats, error) {
	var st Stats
	region := func(q *gorm.DB) (*gorm.DB, bool) { return summaryRegion(q, sc) }
	counts := func() (*gorm.DB, bool) { return s.scopedCounts(ctx, sc) }
	if _, ok := counts(); !ok {
		return st, nil
	}
	for _, g := range []struct {
		dst        *[]Count
		col, where string
	}{
		{&st.ByState, "state", openStates},
		{&st.ByLevel, "level", openStates},
		{&st.BySource, "source", openStates},
		{&st.ByRegion, "region_code", openStates},
		{&st.ByIndustry, "industry", openStates},
		{&st.MajorOpen, "region_code", openStates + " AND level = 'major'"},
	} {
		q, _ := counts()
		err := q.Where(g.where).Select(g.col + " AS k, SUM(n) AS n").Group(g.col).Having("SUM(n) > 0").Order("n DESC, k").Scan(g.dst).Error
		if err != nil {
			return st, translate("model: stats by "+g.col, err)
		}
	}
	st.ByRegion, st.MajorOpen = rollUp(st.ByRegion, sc.Region), rollUp(st.MajorOpen, sc.Region)
	var totals struct {
		Confirmed, WrittenOff, OnTime int64
	}
	q, _ := counts()
	err := q.Select(`
		COALESCE(SUM(CASE WHEN state IN ('listed', 'rectifying', 'verifying', 'written_off') THEN n ELSE 0 END), 0) AS confirmed,
		COALESCE(SUM(CASE WHEN state = 'written_off' THEN n ELSE 0 END), 0) AS written_off,
		COALESCE(SUM(CASE WHEN state = 'written_off' AND on_time THEN n ELSE 0 END), 0) AS on_time`).Scan(&totals).Error
	if err != nil {
		return st, translate("model: stats totals", err)
	}
	st.Confirmed, st.WrittenOff, st.OnTime = totals.Confirmed, totals.WrittenOff, totals.OnTime
	oq, _ := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
	if err := oq.Where("state IN ('listed', 'rectifying') AND due_on < ?", today).Count(&st.Overdue).Error; err != nil {
		return st, translate("model: stats overdue", err)
	}
	if len(weeks) == 0 {
		return st, nil
	}
	var rows []struct {
		Week       Date
		Found      int64
		WrittenOff int64
	}
	// The weeks passed in start on Mondays at midnight in Shanghai.
	first := DateIn(weeks[0], Shanghai)
	wq, _ := region(s.r(ctx).Table("hazard_weeks"))
	if sc.Region != "" && sc.Department != "" {
		// A department's trend is its own hazards' (the shared register's
		// majors of other departments are not its work).
		wq = wq.Where("department = ?", string(sc.Department))
	}
	err = wq.Where("week >= ?", first).Select("week, SUM(found) AS found, SUM(written_off) AS written_off").Group("week").Scan(&rows).Error
	if err != nil {
		return st, translate("model: stats trend", err)
	}
	byWeek := map[string][2]int64{}
	for _, r := range rows {
		byWeek[r.Week.String()] = [2]int64{r.Found, r.WrittenOff}
	}
	for _, w := range weeks {
		v := byWeek[DateIn(w, Shanghai).String()]
		st.Weeks = append(st.Weeks, Week{Start: w, Found: v[0], WrittenOff: v[1]})
	}
	return st, nil
}

// rollUp adds up counts by region to the level shown for scope region: the
// county of a township's or village's hazard, except for a county's or a
// township's own dashboard, which shows its townships or villages (a hazard of
// the scope's own region stays under it).
func rollUp(cs []Count, region string) []Count {
	n := 6
	switch RegionLevelOf(region) {
	case RegionCounty:
		n = 9
	case RegionTownship, RegionVillage:
		n = 12
	}
	if region == "" {
		n = 6
	}
	merged := map[string]int64{}
	changed := false
	for _, c := range cs {
		k := c.Key
		if len(k) > n {
			k, changed = k[:n], true
		}
		merged[k] += c.N
	}
	if !changed {
		return cs
	}
	out := make([]Count, 0, len(merged))
	for k, v := range merged {
		out = append(out, Count{Key: k, N: v})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.Key, b.Key)) })
	return out
}

// DisasterStats are the open disaster hazards (灾害隐患) of a territory: how
// many, by type, and the people under threat (the sum of their threatened
// people; a hazard that names none counts none).
type DisasterStats struct {
	Open   int64
	People int64
	ByType []Count // by disaster type, most first
}

// DisasterCounts reads DisasterStats for scope sc from the partial index of
// disaster hazards (00031), which carries every column it reads: disaster
// hazards are few beside accident hazards, so this stays cheap for a
// province. Enterprise scopes get their own.
func (s *Store) DisasterCounts(ctx context.Context, sc Scope) (DisasterStats, error) {
	var out DisasterStats
	q, ok := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
	if !ok {
		return out, nil
	}
	var rows []struct {
		K      string `gorm:"column:k"`
		N      int64  `gorm:"column:n"`
		People int64  `gorm:"column:people"`
	}
	err := q.Where("category = 'disaster' AND " + openStates).
		Select("disaster_type AS k, COUNT(*) AS n, COALESCE(SUM(threatened_people), 0) AS people").
		Group("disaster_type").Scan(&rows).Error
	if err != nil {
		return out, translate("model: disaster stats", err)
	}
	for _, r := range rows {
		out.Open += r.N
		out.People += r.People
		out.ByType = append(out.ByType, Count{Key: r.K, N: r.N})
	}
	slices.SortFunc(out.ByType, func(a, b Count) int { return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.Key, b.Key)) })
	return out, nil
}
