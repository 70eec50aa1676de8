package model

import (
	"context"
	"fmt"
	"time"
)

// PeriodCounts are one group's figures over a period [From, To): hazards found
// in it (and of them major), written off in it, found in it and written off
// before its end, and — as they stand now — open and overdue.
type PeriodCounts struct {
	Key            string `gorm:"column:k" json:"key"`
	Found          int64  `json:"found"`
	FoundMajor     int64  `json:"found_major"`
	WrittenOff     int64  `json:"written_off"`
	FoundRectified int64  `json:"found_rectified"`
	Open           int64  `json:"open"`
	Overdue        int64  `json:"overdue"`
}

// statColumns are the columns of the hazards PeriodStatistics groups by
// besides the region.
var statColumns = map[string]string{"industry": "industry", "department": "department", "level": "level", "source": "source"}

// PeriodStatistics counts the hazards of sc over [from, to) grouped by group
// ("industry", "department", "level", "source", or the first prefix digits of
// the region code when prefix > 0), overdue judged on today. One pass over
// the territory's hazards; the times are bound in UTC (see sqliteTimeFormat).
func (s *Store) PeriodStatistics(ctx context.Context, sc Scope, group string, prefix int, from, to time.Time, today Date) ([]PeriodCounts, error) {
	key, ok := statColumns[group]
	if prefix > 0 {
		key, ok = fmt.Sprintf("substr(region_code, 1, %d)", prefix), true
	}
	if !ok {
		return nil, fmt.Errorf("model: period statistics by %q: %w", group, ErrNotFound)
	}
	table := "hazards"
	if s.dialect == DialectSQLite && (sc.All || sc.Region != "" && RegionLevelOf(sc.Region) == RegionProvince) {
		// A province is (nearly) the whole table: one pass over the rows beats
		// walking the territory's index and reading each row from it.
		table = "hazards NOT INDEXED"
	}
	q, ok := scoped(s.r(ctx).Table(table), sc, "")
	if !ok {
		return nil, nil
	}
	from, to = from.UTC(), to.UTC()
	var out []PeriodCounts
	err := q.Select(key+` AS k,
		COALESCE(SUM(CASE WHEN discovered_at >= ? AND discovered_at < ? AND state <> 'dismissed' THEN 1 ELSE 0 END), 0) AS found,
		COALESCE(SUM(CASE WHEN discovered_at >= ? AND discovered_at < ? AND state <> 'dismissed' AND level = 'major' THEN 1 ELSE 0 END), 0) AS found_major,
		COALESCE(SUM(CASE WHEN state = 'written_off' AND closed_at >= ? AND closed_at < ? THEN 1 ELSE 0 END), 0) AS written_off,
		COALESCE(SUM(CASE WHEN discovered_at >= ? AND discovered_at < ? AND state = 'written_off' AND closed_at < ? THEN 1 ELSE 0 END), 0) AS found_rectified,
		COALESCE(SUM(CASE WHEN `+openStates+` THEN 1 ELSE 0 END), 0) AS open,
		COALESCE(SUM(CASE WHEN state IN ('listed', 'rectifying') AND due_on < ? THEN 1 ELSE 0 END), 0) AS overdue`,
		from, to, from, to, from, to, from, to, to, today).
		Group("k").Order("k").Scan(&out).Error
	return out, translate("model: period statistics", err)
}
