package model

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// PeriodCounts are one group's figures over a period of whole days [From, To]
// (Asia/Shanghai): hazards found in it (and of them major), written off in it,
// found in it and written off by its end, and — as they stand now — open and
// overdue. Dismissed hazards count in none of them.
type PeriodCounts struct {
	Key            string `gorm:"column:k" json:"key"`
	Found          int64  `json:"found"`
	FoundMajor     int64  `json:"found_major"`
	WrittenOff     int64  `json:"written_off"`
	FoundRectified int64  `json:"found_rectified"`
	Open           int64  `json:"open"`
	Overdue        int64  `json:"overdue"`
}

// statColumns are the columns PeriodStatistics groups by besides the region,
// in the hazards and in their summaries alike.
var statColumns = map[string]string{"industry": "industry", "department": "department", "level": "level", "source": "source"}

// PeriodStatistics counts the hazards of sc over the days from to to (both
// included) grouped by group ("industry", "department", "level", "source",
// or the first prefix digits of the region code when prefix > 0), overdue
// judged on today, in key order. A group is there when a hazard of the
// territory has its key, whatever its figures. The period's figures are sums
// over hazard_days, the open ones over hazard_counts (both kept current with
// every event), the overdue ones a count over the partial index of open
// hazards' due days: the cost follows the summaries and the overdue hazards,
// not the territory's hazards.
func (s *Store) PeriodStatistics(ctx context.Context, sc Scope, group string, prefix int, from, to, today Date) ([]PeriodCounts, error) {
	key, ok := statColumns[group]
	if prefix > 0 {
		key, ok = fmt.Sprintf("substr(region_code, 1, %d)", prefix), true
	}
	if !ok {
		return nil, fmt.Errorf("model: period statistics by %q: %w", group, ErrNotFound)
	}
	if level, ok := cellLevel(sc, prefix); ok {
		return s.periodFromCells(ctx, sc, group, key, prefix, level, from, to, today)
	}
	cq, ok := s.scopedSummary(ctx, "hazard_counts", sc)
	if !ok {
		return nil, nil
	}
	var open []struct {
		K    string
		Open int64
	}
	err := cq.Select(key + ` AS k, COALESCE(SUM(CASE WHEN ` + openStates + ` THEN n ELSE 0 END), 0) AS open`).
		Group("k").Having("SUM(n) > 0").Scan(&open).Error
	if err != nil {
		return nil, translate("model: period statistics, open", err)
	}
	out := make(map[string]*PeriodCounts, len(open))
	for _, o := range open {
		out[o.K] = &PeriodCounts{Key: o.K, Open: o.Open}
	}

	dq, _ := s.scopedSummary(ctx, "hazard_days", sc)
	var days []PeriodCounts
	err = dq.Where("(found_on BETWEEN ? AND ? OR (written_off AND closed_on BETWEEN ? AND ?))", from, to, from, to).
		Select(key+` AS k,
			COALESCE(SUM(CASE WHEN found_on BETWEEN ? AND ? THEN n ELSE 0 END), 0) AS found,
			COALESCE(SUM(CASE WHEN found_on BETWEEN ? AND ? AND level = 'major' THEN n ELSE 0 END), 0) AS found_major,
			COALESCE(SUM(CASE WHEN written_off AND closed_on BETWEEN ? AND ? THEN n ELSE 0 END), 0) AS written_off,
			COALESCE(SUM(CASE WHEN written_off AND found_on BETWEEN ? AND ? AND closed_on <= ? THEN n ELSE 0 END), 0) AS found_rectified`,
			from, to, from, to, from, to, from, to, to).
		Group("k").Scan(&days).Error
	if err != nil {
		return nil, translate("model: period statistics", err)
	}
	for _, d := range days {
		if r := out[d.Key]; r != nil {
			r.Found, r.FoundMajor, r.WrittenOff, r.FoundRectified = d.Found, d.FoundMajor, d.WrittenOff, d.FoundRectified
		}
	}

	if err := s.countOverdue(ctx, sc, key, today, out); err != nil {
		return nil, err
	}
	return sortedCounts(out), nil
}

// countOverdue sets each group's overdue hazards, counted from the partial
// index of open hazards' due days.
func (s *Store) countOverdue(ctx context.Context, sc Scope, key string, today Date, out map[string]*PeriodCounts) error {
	hq, _ := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
	var overdue []struct {
		K string
		N int64
	}
	err := hq.Where("state IN ('listed', 'rectifying') AND due_on < ?", today).
		Select(key + " AS k, COUNT(*) AS n").Group("k").Scan(&overdue).Error
	if err != nil {
		return translate("model: period statistics, overdue", err)
	}
	for _, o := range overdue {
		if r := out[o.K]; r != nil {
			r.Overdue = o.N
		}
	}
	return nil
}

// sortedCounts are the groups in key order.
func sortedCounts(out map[string]*PeriodCounts) []PeriodCounts {
	list := make([]PeriodCounts, 0, len(out))
	for _, r := range out {
		list = append(list, *r)
	}
	slices.SortFunc(list, func(a, b PeriodCounts) int { return strings.Compare(a.Key, b.Key) })
	return list
}

// cellLevel is the level of hazard_period_cells (4: by city, 6: by county)
// that answers the statistics of sc grouped by the first prefix digits of the
// region code (0: not by region); false when sc is below a county, or the
// grouping finer than one (hazard_days answers those: a county's rows).
func cellLevel(sc Scope, prefix int) (int, bool) {
	p := ""
	switch {
	case sc.All:
	case sc.Region != "":
		p = RegionPrefix(sc.Region)
	default:
		return 0, false
	}
	need := max(len(p), prefix)
	switch {
	case need <= 4:
		return 4, true
	case need <= 6:
		return 6, true
	}
	return 0, false
}

// periodFromCells is PeriodStatistics over hazard_period_cells at level: the
// period's whole weeks (Monday to Sunday, Asia/Shanghai) are sums over the
// cells, the days before the first whole week and after the last are counted
// from the hazards found or written off on them (over their indexes on
// discovered_at and closed_at), open from the cells, overdue from the partial
// index of due days. The result is what the sums over hazard_days give.
func (s *Store) periodFromCells(ctx context.Context, sc Scope, group, key string, prefix, level int, from, to, today Date) ([]PeriodCounts, error) {
	// [a, b): the whole weeks; [from, a) and [b, end): the days at the ends.
	end := to.AddDays(1)
	a := from.AddDays((7 - (int(from.Weekday())+6)%7) % 7)
	b := end.AddDays(-((int(end.Weekday()) + 6) % 7))
	if !a.Before(b.Time) {
		a, b = end, end
	}
	cq := s.r(ctx).Table("hazard_period_cells")
	if !sc.All {
		p := RegionPrefix(sc.Region)
		cq = cq.Where("region >= ? AND region < ?", p, p[:len(p)-1]+string(p[len(p)-1]+1))
		if sc.Department != "" {
			cq = cq.Where(departmentCond(sc, "", "?"), string(sc.Department))
		}
	}
	ckey, dim := "val", group
	switch {
	case prefix > 0:
		ckey, dim = fmt.Sprintf("substr(region, 1, %d)", prefix), ""
	case group == "department":
		ckey, dim = "department", ""
	}
	cq = cq.Where("dim = ? AND digits = ?", dim, level)
	var cells []PeriodCounts
	err := cq.Select(ckey+` AS k,
			COALESCE(SUM(CASE WHEN status <> 'dismissed' AND found_week >= ? AND found_week < ? THEN n ELSE 0 END), 0) AS found,
			COALESCE(SUM(CASE WHEN status <> 'dismissed' AND found_week >= ? AND found_week < ? THEN major ELSE 0 END), 0) AS found_major,
			COALESCE(SUM(CASE WHEN status = 'written_off' AND week >= ? AND week < ? THEN n ELSE 0 END), 0) AS written_off,
			COALESCE(SUM(CASE WHEN status = 'written_off' AND found_week >= ? AND found_week < ? AND week < ? THEN n ELSE 0 END), 0) AS found_rectified,
			COALESCE(SUM(CASE WHEN status = 'open' THEN n ELSE 0 END), 0) AS open`,
		a, b, a, b, a, b, a, b, b).
		Group("k").Having("SUM(n) > 0").Scan(&cells).Error
	if err != nil {
		return nil, translate("model: period statistics, cells", err)
	}
	out := make(map[string]*PeriodCounts, len(cells))
	for i := range cells {
		out[cells[i].Key] = &cells[i]
	}

	at := func(d Date) time.Time { return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Shanghai).UTC() }
	f0, a0, b0, e0 := at(from), at(a), at(b), at(end)
	hq, _ := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
	var ends []PeriodCounts
	foundAtEnds := "((discovered_at >= @f0 AND discovered_at < @a0) OR (discovered_at >= @b0 AND discovered_at < @e0))"
	err = hq.Where(`state <> 'dismissed' AND id IN (
			SELECT id FROM hazards WHERE discovered_at >= @f0 AND discovered_at < @a0
			UNION ALL SELECT id FROM hazards WHERE discovered_at >= @b0 AND discovered_at < @e0
			UNION ALL SELECT id FROM hazards WHERE closed_at >= @f0 AND closed_at < @a0
			UNION ALL SELECT id FROM hazards WHERE closed_at >= @b0 AND closed_at < @e0)`,
		sql.Named("f0", f0), sql.Named("a0", a0), sql.Named("b0", b0), sql.Named("e0", e0)).
		Select(key+` AS k,
			COALESCE(SUM(CASE WHEN `+foundAtEnds+` THEN 1 ELSE 0 END), 0) AS found,
			COALESCE(SUM(CASE WHEN level = 'major' AND `+foundAtEnds+` THEN 1 ELSE 0 END), 0) AS found_major,
			COALESCE(SUM(CASE WHEN state = 'written_off' AND ((closed_at >= @f0 AND closed_at < @a0) OR (closed_at >= @b0 AND closed_at < @e0)) THEN 1 ELSE 0 END), 0) AS written_off,
			COALESCE(SUM(CASE WHEN state = 'written_off' AND closed_at < @e0 AND discovered_at >= @f0 AND discovered_at < @e0
				AND (`+foundAtEnds+` OR closed_at >= @b0) THEN 1 ELSE 0 END), 0) AS found_rectified`,
			sql.Named("f0", f0), sql.Named("a0", a0), sql.Named("b0", b0), sql.Named("e0", e0)).
		Group("k").Scan(&ends).Error
	if err != nil {
		return nil, translate("model: period statistics, ends", err)
	}
	for _, d := range ends {
		if r := out[d.Key]; r != nil {
			r.Found += d.Found
			r.FoundMajor += d.FoundMajor
			r.WrittenOff += d.WrittenOff
			r.FoundRectified += d.FoundRectified
		}
	}
	if err := s.countOverdue(ctx, sc, key, today, out); err != nil {
		return nil, err
	}
	return sortedCounts(out), nil
}
