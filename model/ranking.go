package model

import (
	"context"
	"fmt"
)

// RankCounts are one part of a territory — a child region, or a department —
// as the ranking of slow regions and departments reads it.
type RankCounts struct {
	Key               string // the child region's code prefix, or the department
	Open              int64  // not closed (discovered, listed, rectifying, verifying)
	Confirmed         int64  // ever listed and not dismissed
	WrittenOff        int64
	OnTime            int64 // written off by their deadline
	Overdue           int64 // listed or rectifying past their due day
	MajorOverdue      int64
	OverdueDays       int64 // the overdue ones' calendar days past their due day, added up
	ReportsUnanswered int64 // public reports checked and not yet answered
}

// RankBy says how RankCounts groups a territory: by the first Prefix digits of
// the region code (the child regions), or by department.
type RankBy struct {
	Prefix     int
	Department bool
	// CountsOnly leaves out the overdue hazards and the reports (the
	// summaries alone: for the county map's other metrics).
	CountsOnly bool
}

func (b RankBy) expr(prefix string) string {
	if b.Department {
		return prefix + "department"
	}
	return fmt.Sprintf("substr(%sregion_code, 1, %d)", prefix, b.Prefix)
}

// RankCounts returns the figures of each part of sc's territory grouped as by,
// with overdue judged on day today: the counts from the summaries
// (hazard_counts), the overdue ones from the partial index of open hazards'
// due days, the unanswered reports from the reports of the territory. Parts
// with nothing are left out.
func (s *Store) RankCounts(ctx context.Context, sc Scope, by RankBy, today Date) ([]RankCounts, error) {
	out := map[string]*RankCounts{}
	row := func(k string) *RankCounts {
		if r, ok := out[k]; ok {
			return r
		}
		r := &RankCounts{Key: k}
		out[k] = r
		return r
	}
	q, ok := s.scopedCounts(ctx, sc)
	if !ok {
		return nil, nil
	}
	var cs []struct {
		K                                   string
		Open, Confirmed, WrittenOff, OnTime int64
	}
	err := q.Select(by.expr("") + ` AS k,
		COALESCE(SUM(CASE WHEN ` + openStates + ` THEN n ELSE 0 END), 0) AS open,
		COALESCE(SUM(CASE WHEN state IN ('listed', 'rectifying', 'verifying', 'written_off') THEN n ELSE 0 END), 0) AS confirmed,
		COALESCE(SUM(CASE WHEN state = 'written_off' THEN n ELSE 0 END), 0) AS written_off,
		COALESCE(SUM(CASE WHEN state = 'written_off' AND on_time THEN n ELSE 0 END), 0) AS on_time`).
		Group("k").Scan(&cs).Error
	if err != nil {
		return nil, translate("model: rank counts", err)
	}
	for _, c := range cs {
		r := row(c.K)
		r.Open, r.Confirmed, r.WrittenOff, r.OnTime = c.Open, c.Confirmed, c.WrittenOff, c.OnTime
	}

	if by.CountsOnly {
		return rankList(out), nil
	}
	days := "CAST(julianday(?) - julianday(substr(due_on, 1, 10)) AS INTEGER)"
	if s.dialect == DialectPostgres {
		days = "(CAST(? AS date) - due_on)"
	}
	hq, _ := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
	var os []struct {
		K                           string
		Overdue, MajorOverdue, Days int64
	}
	err = hq.Where("state IN ('listed', 'rectifying') AND due_on < ?", today).
		Select(by.expr("")+` AS k, COUNT(*) AS overdue,
			COALESCE(SUM(CASE WHEN level = 'major' THEN 1 ELSE 0 END), 0) AS major_overdue,
			COALESCE(SUM(`+days+`), 0) AS days`, today.String()).
		Group("k").Scan(&os).Error
	if err != nil {
		return nil, translate("model: rank overdue", err)
	}
	for _, o := range os {
		r := row(o.K)
		r.Overdue, r.MajorOverdue, r.OverdueDays = o.Overdue, o.MajorOverdue, o.Days
	}

	rq, _ := scoped(s.r(ctx).Table("reports").Joins("JOIN hazards ON hazards.id = reports.hazard_id"), sc, "hazards.")
	var rs []struct {
		K string
		N int64
	}
	err = rq.Where("reports.checked_at IS NOT NULL AND reports.answered_at IS NULL").
		Select(by.expr("hazards.") + " AS k, COUNT(*) AS n").Group("k").Scan(&rs).Error
	if err != nil {
		return nil, translate("model: rank reports", err)
	}
	for _, c := range rs {
		row(c.K).ReportsUnanswered = c.N
	}
	return rankList(out), nil
}

func rankList(m map[string]*RankCounts) []RankCounts {
	list := make([]RankCounts, 0, len(m))
	for _, r := range m {
		list = append(list, *r)
	}
	return list
}

// MajorOpenByCounty counts the open major hazards of sc per county (the
// summaries), as RankCounts whose Key is the county and Open the count.
func (s *Store) MajorOpenByCounty(ctx context.Context, sc Scope) ([]RankCounts, error) {
	q, ok := s.scopedCounts(ctx, sc)
	if !ok {
		return nil, nil
	}
	var cs []struct {
		K string
		N int64
	}
	err := q.Where(openStates + " AND level = 'major'").Select("substr(region_code, 1, 6) AS k, SUM(n) AS n").Group("k").Scan(&cs).Error
	if err != nil {
		return nil, translate("model: major open by county", err)
	}
	out := make([]RankCounts, 0, len(cs))
	for _, c := range cs {
		out = append(out, RankCounts{Key: c.K, Open: c.N})
	}
	return out, nil
}

// CountiesWithin returns the counties (level 3) within region, all of them
// for "", in code order.
func (s *Store) CountiesWithin(ctx context.Context, region string) ([]Region, error) {
	q := s.r(ctx).Where("level = ?", RegionCounty)
	if region != "" {
		lo, hi := RegionRange(region)
		q = q.Where("code BETWEEN ? AND ?", lo, hi)
	}
	var rs []Region
	err := q.Order("code").Find(&rs).Error
	return rs, translate("model: counties within", err)
}

// OverdueByCounty counts the open hazards of sc past their due day today in
// each of counties, as RankCounts whose Key is the county and Overdue the
// count. For a territory without a department each county is one count over
// the partial index of open hazards on (region_county, due_on): the cost
// follows the overdue hazards, not the open ones nor the province's.
func (s *Store) OverdueByCounty(ctx context.Context, sc Scope, counties []string, today Date) ([]RankCounts, error) {
	out := make([]RankCounts, 0, len(counties))
	if sc.All || sc.Region != "" && sc.Department == "" {
		table := "hazards"
		if s.dialect == DialectSQLite {
			table = "hazards INDEXED BY hazards_overdue_region_county_idx"
		}
		for _, c := range counties {
			var n int64
			err := s.r(ctx).Table(table).Where("region_county = ? AND due_on < ? AND state IN ('listed', 'rectifying')", c, today).Count(&n).Error
			if err != nil {
				return nil, translate("model: overdue by county", err)
			}
			if n > 0 {
				out = append(out, RankCounts{Key: c, Overdue: n})
			}
		}
		return out, nil
	}
	q, ok := scoped(s.r(ctx).Model(&Hazard{}).Where("state IN ('listed', 'rectifying') AND due_on < ?", today), sc, "")
	if !ok {
		return nil, nil
	}
	var cs []struct {
		K string
		N int64
	}
	if err := q.Select("region_county AS k, COUNT(*) AS n").Group("k").Scan(&cs).Error; err != nil {
		return nil, translate("model: overdue by county", err)
	}
	for _, c := range cs {
		out = append(out, RankCounts{Key: c.K, Overdue: c.N})
	}
	return out, nil
}

// MapDot is an open hazard with coordinates, as one county's map draws it.
type MapDot struct {
	ID        int64   `json:"id"`
	Code      string  `json:"code"`
	Title     string  `json:"title"`
	Level     Level   `json:"level"`
	State     State   `json:"state"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// LocatedInCounty returns up to limit open hazards of sc in county that have
// coordinates, the newest first.
func (s *Store) LocatedInCounty(ctx context.Context, sc Scope, county string, limit int) ([]MapDot, error) {
	q, ok := scoped(s.r(ctx).Model(&Hazard{}).
		Where("region_county = ? AND latitude IS NOT NULL AND "+openStates, county), sc, "")
	if !ok {
		return nil, nil
	}
	var ds []MapDot
	err := q.Select("id, code, title, level, state, latitude, longitude").Order("id DESC").Limit(limit).Scan(&ds).Error
	return ds, translate("model: located hazards", err)
}
