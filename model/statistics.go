package model

import (
	"context"
	"fmt"
	"slices"
	"strings"
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

	hq, _ := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
	var overdue []struct {
		K string
		N int64
	}
	err = hq.Where("state IN ('listed', 'rectifying') AND due_on < ?", today).
		Select(key + " AS k, COUNT(*) AS n").Group("k").Scan(&overdue).Error
	if err != nil {
		return nil, translate("model: period statistics, overdue", err)
	}
	for _, o := range overdue {
		if r := out[o.K]; r != nil {
			r.Overdue = o.N
		}
	}

	list := make([]PeriodCounts, 0, len(out))
	for _, r := range out {
		list = append(list, *r)
	}
	slices.SortFunc(list, func(a, b PeriodCounts) int { return strings.Compare(a.Key, b.Key) })
	return list, nil
}
