package model

import (
	"context"
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

// openStates are the states of a hazard not yet closed.
const openStates = "state IN ('discovered', 'listed', 'rectifying', 'verifying')"

// HazardStats aggregates the hazards in scope: today decides overdue, weeks are
// the starts of the trend's weeks (ascending; each runs seven days).
func (s *Store) HazardStats(ctx context.Context, sc Scope, today Date, weeks []time.Time) (Stats, error) {
	var st Stats
	base := func() (*gorm.DB, bool) { return scoped(s.r(ctx).Model(&Hazard{}), sc, "") }
	if _, ok := base(); !ok {
		return st, nil
	}
	group := func(dst *[]Count, col, where string) error {
		q, _ := base()
		if where != "" {
			q = q.Where(where)
		}
		return q.Select(col + " AS k, COUNT(*) AS n").Group(col).Order("n DESC, k").Scan(dst).Error
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
		if err := group(g.dst, g.col, g.where); err != nil {
			return st, translate("model: stats by "+g.col, err)
		}
	}
	onTime := "julianday(closed_at) < julianday(deadline) + 1 - 8.0/24"
	if s.dialect == DialectPostgres {
		onTime = "closed_at < ((deadline + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')"
	}
	var totals struct {
		Overdue, Confirmed, WrittenOff, OnTime int64
	}
	q, _ := base()
	err := q.Select(`
		COALESCE(SUM(CASE WHEN state IN ('listed', 'rectifying') AND due_on < ? THEN 1 ELSE 0 END), 0) AS overdue,
		COALESCE(SUM(CASE WHEN listed_at IS NOT NULL AND state <> 'dismissed' THEN 1 ELSE 0 END), 0) AS confirmed,
		COALESCE(SUM(CASE WHEN state = 'written_off' THEN 1 ELSE 0 END), 0) AS written_off,
		COALESCE(SUM(CASE WHEN state = 'written_off' AND (deadline IS NULL OR `+onTime+`) THEN 1 ELSE 0 END), 0) AS on_time`, today).
		Scan(&totals).Error
	if err != nil {
		return st, translate("model: stats totals", err)
	}
	st.Overdue, st.Confirmed, st.WrittenOff, st.OnTime = totals.Overdue, totals.Confirmed, totals.WrittenOff, totals.OnTime
	if len(weeks) == 0 {
		return st, nil
	}
	// One pass over the hazards for the whole trend: a pair of sums per week.
	var cols []string
	var args []any
	for _, w := range weeks {
		end := w.AddDate(0, 0, 7)
		cols = append(cols,
			"COALESCE(SUM(CASE WHEN discovered_at >= ? AND discovered_at < ? THEN 1 ELSE 0 END), 0)",
			"COALESCE(SUM(CASE WHEN state = 'written_off' AND closed_at >= ? AND closed_at < ? THEN 1 ELSE 0 END), 0)")
		args = append(args, w, end, w, end)
	}
	q, _ = base()
	rows, err := q.Select(strings.Join(cols, ", "), args...).Rows()
	if err != nil {
		return st, translate("model: stats trend", err)
	}
	defer rows.Close()
	vals := make([]int64, 2*len(weeks))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return st, translate("model: stats trend", err)
		}
	}
	if err := rows.Err(); err != nil {
		return st, translate("model: stats trend", err)
	}
	for i, w := range weeks {
		st.Weeks = append(st.Weeks, Week{Start: w, Found: vals[2*i], WrittenOff: vals[2*i+1]})
	}
	return st, nil
}
