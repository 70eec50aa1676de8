package model

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CountKey is a cell of the hazard counts.
type CountKey struct {
	RegionCode string
	Department Department
	State      State
	Level      Level
	Source     Source
	Industry   string
	OnTime     bool
}

// hazardCount is a row of hazard_counts.
type hazardCount struct {
	CountKey
	N int64
}

func (hazardCount) TableName() string { return "hazard_counts" }

// hazardWeek is a row of hazard_weeks.
type hazardWeek struct {
	RegionCode string
	Department Department
	Week       Date
	Found      int64
	WrittenOff int64
}

func (hazardWeek) TableName() string { return "hazard_weeks" }

// DayKey is a cell of hazard_days, what the period statistics sum: a hazard
// (not dismissed) by its keys, the day it was found and, written off with a
// time, the day it was (ClosedOn is FoundOn for the others).
type DayKey struct {
	RegionCode string
	Department Department
	Industry   string
	Level      Level
	Source     Source
	FoundOn    Date
	WrittenOff bool
	ClosedOn   Date
}

// hazardDay is a row of hazard_days.
type hazardDay struct {
	DayKey
	N int64
}

func (hazardDay) TableName() string { return "hazard_days" }

// CellKey is a cell of hazard_period_cells (migration 00039), what the period
// statistics of a province, a city or a county sum by week: the hazards of a
// city or a county (Region, the first Digits — four or six — of their region
// code) by department, one grouping (Dim "" for region and department,
// "industry", "level" or "source"; Val the hazard's value of it), status and
// weeks (Mondays, Asia/Shanghai): FoundWeek the week found, Week the week
// written off (CellWrittenOff), FoundWeek otherwise.
type CellKey struct {
	Dim        string
	Digits     int
	Region     string
	Department Department
	Val        string
	Status     string
	FoundWeek  Date
	Week       Date
}

// CellCount is what a cell counts: hazards, and of them major ones.
type CellCount struct {
	N     int64
	Major int64
}

// The statuses of a cell.
const (
	CellOpen       = "open"        // discovered, listed, rectifying, verifying
	CellWrittenOff = "written_off" // written off with a time
	CellClosed     = "closed"      // written off without a time
	CellDismissed  = "dismissed"
)

// hazardCell is a row of hazard_period_cells.
type hazardCell struct {
	CellKey
	CellCount
}

func (hazardCell) TableName() string { return "hazard_period_cells" }

// AdjustCells adds each delta to its cell of hazard_period_cells in one
// statement, in the caller's transaction (cells in key order, so that
// concurrent writers lock them in the same order).
func (s *Store) AdjustCells(ctx context.Context, deltas map[CellKey]CellCount) error {
	rows := make([]hazardCell, 0, len(deltas))
	for k, c := range deltas {
		if c != (CellCount{}) {
			rows = append(rows, hazardCell{CellKey: k, CellCount: c})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(a, b hazardCell) int { return compareCells(a.CellKey, b.CellKey) })
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), 500)]
		rows = rows[len(chunk):]
		err := s.w(ctx).Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "dim"}, {Name: "digits"}, {Name: "region"}, {Name: "department"}, {Name: "val"},
				{Name: "status"}, {Name: "found_week"}, {Name: "week"}},
			DoUpdates: clause.Assignments(map[string]any{
				"n":     gorm.Expr("hazard_period_cells.n + excluded.n"),
				"major": gorm.Expr("hazard_period_cells.major + excluded.major"),
			}),
		}).Create(&chunk).Error
		if err != nil {
			return translate("model: adjust cells", err)
		}
	}
	return nil
}

// compareCells orders cells as their table's key does.
func compareCells(a, b CellKey) int {
	return cmp.Or(strings.Compare(a.Dim, b.Dim), cmp.Compare(a.Digits, b.Digits), strings.Compare(a.Region, b.Region),
		strings.Compare(string(a.Department), string(b.Department)), strings.Compare(a.Val, b.Val), strings.Compare(a.Status, b.Status),
		a.FoundWeek.Compare(b.FoundWeek.Time), a.Week.Compare(b.Week.Time))
}

// AdjustCount adds delta to a cell of the hazard counts, in the caller's
// transaction.
func (s *Store) AdjustCount(ctx context.Context, k CountKey, delta int64) error {
	err := s.w(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "region_code"}, {Name: "department"}, {Name: "state"}, {Name: "level"}, {Name: "source"}, {Name: "industry"}, {Name: "on_time"}},
		DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("hazard_counts.n + ?", delta)}),
	}).Create(&hazardCount{CountKey: k, N: delta}).Error
	return translate("model: adjust count", err)
}

// AdjustWeek adds to the hazards of region and department found and written
// off in the week starting on week (a Monday), in the caller's transaction.
func (s *Store) AdjustWeek(ctx context.Context, region string, dept Department, week Date, found, writtenOff int64) error {
	err := s.w(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "region_code"}, {Name: "department"}, {Name: "week"}},
		DoUpdates: clause.Assignments(map[string]any{
			"found":       gorm.Expr("hazard_weeks.found + ?", found),
			"written_off": gorm.Expr("hazard_weeks.written_off + ?", writtenOff),
		}),
	}).Create(&hazardWeek{RegionCode: region, Department: dept, Week: week, Found: found, WrittenOff: writtenOff}).Error
	return translate("model: adjust week", err)
}

// AdjustDay adds delta to a cell of hazard_days, in the caller's transaction.
func (s *Store) AdjustDay(ctx context.Context, k DayKey, delta int64) error {
	err := s.w(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "region_code"}, {Name: "department"}, {Name: "industry"}, {Name: "level"}, {Name: "source"},
			{Name: "found_on"}, {Name: "written_off"}, {Name: "closed_on"}},
		DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("hazard_days.n + ?", delta)}),
	}).Create(&hazardDay{DayKey: k, N: delta}).Error
	return translate("model: adjust day", err)
}

// SummaryRow is what the summaries are rebuilt from: one hazard's keys.
type SummaryRow struct {
	RegionCode   string
	Department   Department
	State        State
	Level        Level
	Source       Source
	Industry     string
	Deadline     *Date
	DiscoveredAt time.Time
	ClosedAt     *time.Time
}

// RebuildSummaries recomputes the hazard counts, weeks, days and period cells
// from the hazards, in one transaction, with key, week, day and cells telling
// each hazard's cells (workflow's rules; day's false for a hazard not counted
// by day). For a database filled in bulk, or one that predates the summaries.
func (s *Store) RebuildSummaries(ctx context.Context, key func(SummaryRow) CountKey, week func(time.Time) Date, day func(SummaryRow) (DayKey, bool),
	cells func(SummaryRow) []CellKey) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.w(ctx).Exec("DELETE FROM hazard_counts").Error; err != nil {
			return translate("model: rebuild summaries", err)
		}
		if err := tx.w(ctx).Exec("DELETE FROM hazard_weeks").Error; err != nil {
			return translate("model: rebuild summaries", err)
		}
		if err := tx.w(ctx).Exec("DELETE FROM hazard_days").Error; err != nil {
			return translate("model: rebuild summaries", err)
		}
		if err := tx.w(ctx).Exec("DELETE FROM hazard_period_cells").Error; err != nil {
			return translate("model: rebuild summaries", err)
		}
		counts := map[CountKey]int64{}
		periodCells := map[CellKey]CellCount{}
		days := map[DayKey]int64{}
		type wk struct {
			region string
			dept   Department
			week   Date
		}
		weeks := map[wk][2]int64{}
		rows, err := tx.w(ctx).Model(&Hazard{}).
			Select("region_code, department, state, level, source, industry, deadline, discovered_at, closed_at").Rows()
		if err != nil {
			return translate("model: rebuild summaries", err)
		}
		for rows.Next() {
			var r SummaryRow
			if err := tx.w(ctx).ScanRows(rows, &r); err != nil {
				rows.Close()
				return translate("model: rebuild summaries", err)
			}
			counts[key(r)]++
			if k, ok := day(r); ok {
				days[k]++
			}
			for _, k := range cells(r) {
				c := periodCells[k]
				c.N++
				if r.Level == LevelMajor {
					c.Major++
				}
				periodCells[k] = c
			}
			found := wk{r.RegionCode, r.Department, week(r.DiscoveredAt)}
			f := weeks[found]
			f[0]++
			weeks[found] = f
			if r.State == StateWrittenOff && r.ClosedAt != nil {
				closed := wk{r.RegionCode, r.Department, week(*r.ClosedAt)}
				w := weeks[closed]
				w[1]++
				weeks[closed] = w
			}
		}
		if err := rows.Close(); err != nil {
			return translate("model: rebuild summaries", err)
		}
		cs := make([]hazardCount, 0, len(counts))
		for k, n := range counts {
			cs = append(cs, hazardCount{CountKey: k, N: n})
		}
		counts = nil
		if err := insertInParts(ctx, tx, cs); err != nil {
			return err
		}
		cs = nil
		ds := make([]hazardDay, 0, len(days))
		for k, n := range days {
			ds = append(ds, hazardDay{DayKey: k, N: n})
		}
		days = nil
		if err := insertInParts(ctx, tx, ds); err != nil {
			return err
		}
		ds = nil
		ws := make([]hazardWeek, 0, len(weeks))
		for k, v := range weeks {
			ws = append(ws, hazardWeek{RegionCode: k.region, Department: k.dept, Week: k.week, Found: v[0], WrittenOff: v[1]})
		}
		weeks = nil
		if err := insertInParts(ctx, tx, ws); err != nil {
			return err
		}
		ws = nil
		ps := make([]hazardCell, 0, len(periodCells))
		for k, c := range periodCells {
			ps = append(ps, hazardCell{CellKey: k, CellCount: c})
		}
		periodCells = nil
		return insertInParts(ctx, tx, ps)
	})
}

// insertInParts writes rows by BulkInsert a part at a time: spread over a
// province's villages, a million hazards have nearly a million summary rows,
// and encoding them as one statement held over a GiB at the seed's end.
func insertInParts[T any](ctx context.Context, tx *Store, rows []T) error {
	const part = 20000
	for len(rows) > 0 {
		p := rows[:min(part, len(rows))]
		if err := tx.BulkInsert(ctx, &p); err != nil {
			return err
		}
		rows = rows[len(p):]
	}
	return nil
}

// SummariesMissing reports whether hazards exist but their counts do not (a
// database from before the summaries).
func (s *Store) SummariesMissing(ctx context.Context) (bool, error) {
	var h, c int64
	if err := s.r(ctx).Raw("SELECT COUNT(*) FROM (SELECT 1 FROM hazards LIMIT 1) t").Scan(&h).Error; err != nil {
		return false, translate("model: summaries missing", err)
	}
	if err := s.r(ctx).Raw("SELECT COUNT(*) FROM (SELECT 1 FROM hazard_counts LIMIT 1) t").Scan(&c).Error; err != nil {
		return false, translate("model: summaries missing", err)
	}
	return h > 0 && c == 0, nil
}
