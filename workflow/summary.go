package workflow

import (
	"context"
	"time"

	"hazardloop/model"
)

// countKey is the cell of the hazard counts a hazard belongs to.
func countKey(h *model.Hazard) model.CountKey {
	return summaryKey(model.SummaryRow{RegionCode: h.RegionCode, Department: h.Department, State: h.State, Level: h.Level, Source: h.Source,
		Industry: h.Industry, Deadline: h.Deadline, ClosedAt: h.ClosedAt})
}

func summaryKey(r model.SummaryRow) model.CountKey {
	k := model.CountKey{RegionCode: r.RegionCode, Department: r.Department, State: r.State, Level: r.Level, Source: r.Source, Industry: r.Industry}
	k.OnTime = r.State == model.StateWrittenOff && r.ClosedAt != nil && onTime(r.Deadline, *r.ClosedAt)
	return k
}

// dayKey is the cell of hazard_days a hazard belongs to; false for one the
// period statistics do not count (dismissed).
func dayKey(h *model.Hazard) (model.DayKey, bool) {
	return summaryDay(model.SummaryRow{RegionCode: h.RegionCode, Department: h.Department, State: h.State, Level: h.Level, Source: h.Source,
		Industry: h.Industry, DiscoveredAt: h.DiscoveredAt, ClosedAt: h.ClosedAt})
}

// summaryDay: found on the day of discovered_at, written off on the day of
// closed_at (Asia/Shanghai), as the period's whole days count them.
func summaryDay(r model.SummaryRow) (model.DayKey, bool) {
	if r.State == model.StateDismissed {
		return model.DayKey{}, false
	}
	k := model.DayKey{RegionCode: r.RegionCode, Department: r.Department, Industry: r.Industry, Level: r.Level, Source: r.Source,
		FoundOn: model.DateIn(r.DiscoveredAt, model.Shanghai)}
	k.ClosedOn = k.FoundOn
	if r.State == model.StateWrittenOff && r.ClosedAt != nil {
		k.WrittenOff, k.ClosedOn = true, model.DateIn(*r.ClosedAt, model.Shanghai)
	}
	return k, true
}

// hazardCells are the cells of hazard_period_cells a hazard counts in.
func hazardCells(h *model.Hazard) []model.CellKey {
	return summaryCells(model.SummaryRow{RegionCode: h.RegionCode, Department: h.Department, State: h.State, Level: h.Level, Source: h.Source,
		Industry: h.Industry, DiscoveredAt: h.DiscoveredAt, ClosedAt: h.ClosedAt})
}

// summaryCells: the hazard under its city and its county, each crossed with
// its department and one grouping at a time; found in the week of
// discovered_at, written off in the week of closed_at (Asia/Shanghai weeks,
// as weekOf has them).
func summaryCells(r model.SummaryRow) []model.CellKey {
	k := model.CellKey{Department: r.Department, Status: model.CellOpen, FoundWeek: weekOf(r.DiscoveredAt)}
	k.Week = k.FoundWeek
	switch {
	case r.State == model.StateDismissed:
		k.Status = model.CellDismissed
	case r.State == model.StateWrittenOff && r.ClosedAt != nil:
		k.Status, k.Week = model.CellWrittenOff, weekOf(*r.ClosedAt)
	case r.State == model.StateWrittenOff:
		k.Status = model.CellClosed
	}
	dims := [...][2]string{{"", ""}, {"industry", r.Industry}, {"level", string(r.Level)}, {"source", string(r.Source)}}
	out := make([]model.CellKey, 0, 2*len(dims))
	for _, n := range [...]int{4, 6} {
		k.Digits, k.Region = n, r.RegionCode[:min(n, len(r.RegionCode))]
		for _, d := range dims {
			k.Dim, k.Val = d[0], d[1]
			out = append(out, k)
		}
	}
	return out
}

// onTime: written off before the end of the deadline day in Asia/Shanghai (no
// deadline counts as on time).
func onTime(deadline *model.Date, closed time.Time) bool {
	if deadline == nil {
		return true
	}
	end := time.Date(deadline.Year(), deadline.Month(), deadline.Day(), 0, 0, 0, 0, model.Shanghai).AddDate(0, 0, 1)
	return closed.Before(end)
}

// weekOf is the Monday (Asia/Shanghai) of the week t falls in.
func weekOf(t time.Time) model.Date {
	d := model.DateIn(t, model.Shanghai)
	return d.AddDays(-((int(d.Weekday()) + 6) % 7))
}

// Counts takes the changes of the dashboard's counts: the store in the event's
// transaction (model.Store has both methods), or the tally of a bulk write
// (Tx.Seal), written at its end.
type Counts interface {
	AdjustCount(ctx context.Context, k model.CountKey, delta int64) error
	AdjustWeek(ctx context.Context, region string, dept model.Department, week model.Date, found, writtenOff int64) error
	AdjustDay(ctx context.Context, k model.DayKey, delta int64) error
	AdjustCells(ctx context.Context, deltas map[model.CellKey]model.CellCount) error
}

// summarise keeps the dashboard's counts and the period statistics' days
// current in the event's transaction: h as it was (nil for a new hazard) and
// next as it becomes.
func summarise(ctx context.Context, tx Counts, h, next *model.Hazard) error {
	if err := summariseDay(ctx, tx, h, next); err != nil {
		return err
	}
	if err := summariseCells(ctx, tx, h, next); err != nil {
		return err
	}
	if h == nil {
		if err := tx.AdjustCount(ctx, countKey(next), 1); err != nil {
			return err
		}
		return tx.AdjustWeek(ctx, next.RegionCode, next.Department, weekOf(next.DiscoveredAt), 1, 0)
	}
	if before, after := countKey(h), countKey(next); before != after {
		if err := tx.AdjustCount(ctx, before, -1); err != nil {
			return err
		}
		if err := tx.AdjustCount(ctx, after, 1); err != nil {
			return err
		}
	}
	if h.RegionCode != next.RegionCode || h.Department != next.Department {
		// Listed under a department, or transferred: the week it was found
		// (and, written off, the week it was closed) moves with it.
		if err := tx.AdjustWeek(ctx, h.RegionCode, h.Department, weekOf(h.DiscoveredAt), -1, 0); err != nil {
			return err
		}
		if err := tx.AdjustWeek(ctx, next.RegionCode, next.Department, weekOf(next.DiscoveredAt), 1, 0); err != nil {
			return err
		}
		if h.State == model.StateWrittenOff && next.State == model.StateWrittenOff && h.ClosedAt != nil && next.ClosedAt != nil {
			if err := tx.AdjustWeek(ctx, h.RegionCode, h.Department, weekOf(*h.ClosedAt), 0, -1); err != nil {
				return err
			}
			if err := tx.AdjustWeek(ctx, next.RegionCode, next.Department, weekOf(*next.ClosedAt), 0, 1); err != nil {
				return err
			}
		}
	}
	was, is := h.State == model.StateWrittenOff, next.State == model.StateWrittenOff
	switch {
	case is && !was && next.ClosedAt != nil:
		return tx.AdjustWeek(ctx, next.RegionCode, next.Department, weekOf(*next.ClosedAt), 0, 1)
	case was && !is && h.ClosedAt != nil:
		return tx.AdjustWeek(ctx, h.RegionCode, h.Department, weekOf(*h.ClosedAt), 0, -1)
	}
	return nil
}

// summariseDay moves a hazard from its cell of hazard_days to its new one,
// when the event changes it.
func summariseDay(ctx context.Context, tx Counts, h, next *model.Hazard) error {
	var before model.DayKey
	was := false
	if h != nil {
		before, was = dayKey(h)
	}
	after, is := dayKey(next)
	if was == is && before == after {
		return nil
	}
	if was {
		if err := tx.AdjustDay(ctx, before, -1); err != nil {
			return err
		}
	}
	if is {
		return tx.AdjustDay(ctx, after, 1)
	}
	return nil
}

// summariseCells moves a hazard from its cells of hazard_period_cells to its
// new ones, when the event changes them (one statement for them all).
func summariseCells(ctx context.Context, tx Counts, h, next *model.Hazard) error {
	deltas := make(map[model.CellKey]model.CellCount, 16)
	add := func(h *model.Hazard, n int64) {
		major := int64(0)
		if h.Level == model.LevelMajor {
			major = n
		}
		for _, k := range hazardCells(h) {
			c := deltas[k]
			deltas[k] = model.CellCount{N: c.N + n, Major: c.Major + major}
		}
	}
	add(next, 1)
	if h != nil {
		add(h, -1)
	}
	for k, c := range deltas {
		if c == (model.CellCount{}) {
			delete(deltas, k)
		}
	}
	if len(deltas) == 0 {
		return nil
	}
	return tx.AdjustCells(ctx, deltas)
}

// RebuildSummaries recomputes the dashboard's counts, the period statistics'
// days and cells from the hazards.
func (e *Hazards) RebuildSummaries(ctx context.Context) error {
	return e.store.RebuildSummaries(ctx, summaryKey, weekOf, summaryDay, summaryCells)
}

// EnsureSummaries fills the counts of a database that has hazards but none (one
// from before the summaries existed). Cheap when there is nothing to do.
func (e *Hazards) EnsureSummaries(ctx context.Context) error {
	missing, err := e.store.SummariesMissing(ctx)
	if err != nil || !missing {
		return err
	}
	return e.RebuildSummaries(ctx)
}
