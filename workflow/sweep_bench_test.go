package workflow

import (
	"os"
	"strconv"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// benchHazards is how many hazards the sweep benchmark seeds: a province's worth
// by default; CI sets HAZARDLOOP_BENCH_HAZARDS lower to keep its one pass short.
func benchHazards() int {
	if n, err := strconv.Atoi(os.Getenv("HAZARDLOOP_BENCH_HAZARDS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// seedBulk inserts n hazards in one statement: 70% written off, the rest
// rectifying (a third of them overdue) with their next step far in the future.
func seedBulk(tb testing.TB, f *fixture, n int) {
	tb.Helper()
	t0 := time.Now()
	ts := fixedNow.UTC()
	far := model.NewDate(2030, 1, 1)
	series := "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
	from, day := "n", "?"
	if f.store.Dialect() == model.DialectPostgres {
		series, from, day = "", "generate_series(1, ?) AS n(i)", "CAST(? AS DATE)"
	}
	args := []any{ts, model.NewDate(2026, 12, 1), model.NewDate(2026, 11, 20), model.NewDate(2026, 12, 1), far, ts, ts}
	if f.store.Dialect() == model.DialectPostgres {
		args = append(args, n) // generate_series comes last
	} else {
		args = append([]any{n}, args...) // the recursive CTE comes first
	}
	err := f.store.Exec(f.ctx, series+`INSERT INTO hazards (code, title, source, level, industry, region_code,
			region_province, region_city, region_county, discovered_at, state, version, deadline, due_on, next_step_on, responsible_unit, measures, created_at, updated_at)
		SELECT 'B-' || i, '批量隐患' || i, 'supervisory_check', CASE WHEN i % 20 = 0 THEN 'major' ELSE 'general' END, '工贸',
			CASE WHEN i % 2 = 0 THEN '360102' ELSE '360103' END, '360000', '360100',
			CASE WHEN i % 2 = 0 THEN '360102' ELSE '360103' END, ?,
			CASE WHEN i % 10 < 7 THEN 'written_off' ELSE 'rectifying' END, 1,
			`+day+`, CASE WHEN i % 10 < 7 THEN NULL WHEN i % 3 = 0 THEN `+day+` ELSE `+day+` END,
			CASE WHEN i % 10 < 7 THEN NULL ELSE `+day+` END,
			'整改责任单位', '整改措施', ?, ?
		FROM `+from, args...)
	noErr(tb, err)
	if f.store.Dialect() == model.DialectPostgres {
		noErr(tb, f.store.Exec(f.ctx, "ANALYZE hazards"))
	}
	tb.Logf("seeded %d hazards in %s", n, time.Since(t0).Round(time.Millisecond))
}

// BenchmarkSweep measures, over a province of hazards, (find) claiming the due
// ones — the sweep's only read, which must not grow with closed hazards — and
// (sweep) taking 1,000 due steps, reporting the longest write transaction.
func BenchmarkSweep(b *testing.B) {
	for _, d := range []string{model.DialectSQLite, model.DialectPostgres} {
		b.Run(d, func(b *testing.B) {
			if d == model.DialectPostgres && os.Getenv(modeltest.EnvPostgres) == "" {
				b.Skipf("set %s to benchmark PostgreSQL", modeltest.EnvPostgres)
			}
			f := newFixture(b, d)
			n := benchHazards()
			seedBulk(b, f, n)
			var ids []int64
			noErr(b, f.store.Raw(f.ctx, &ids, "SELECT id FROM hazards WHERE state = 'rectifying' ORDER BY id"))
			const due = 1000
			today := model.NewDate(2026, 12, 10)
			markDue := func(round int) {
				lo, hi := ids[(round*due)%len(ids)], ids[min((round*due)%len(ids)+due, len(ids))-1]
				noErr(b, f.store.Exec(f.ctx, "UPDATE hazards SET next_step_on = ? WHERE state = 'rectifying' AND id BETWEEN ? AND ?", today, lo, hi))
			}

			b.Run("find", func(b *testing.B) {
				markDue(0)
				b.ResetTimer()
				for b.Loop() {
					_ = f.store.Tx(f.ctx, func(tx *model.Store) error {
						got, err := tx.ClaimDueHazards(f.ctx, today, SweepBatch)
						if err != nil || len(got) != SweepBatch {
							b.Fatalf("claimed %d: %v", len(got), err)
						}
						return errRollback
					})
				}
				b.ReportMetric(float64(n), "hazards")
			})
			b.Run("sweep", func(b *testing.B) {
				round := 1
				var longest time.Duration
				steps := 0
				for b.Loop() {
					b.StopTimer()
					markDue(round)
					round++
					b.StartTimer()
					res, err := f.engine.Supervision.SweepOnce(f.ctx, time.Date(2026, 12, 10, 9, 0, 0, 0, model.Shanghai))
					noErr(b, err)
					steps += res.Steps
					longest = max(longest, res.Longest)
				}
				b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
				b.ReportMetric(float64(longest.Microseconds())/1000, "longest-tx-ms")
			})
		})
	}
}

type rollback struct{}

func (rollback) Error() string { return "rollback" }

var errRollback error = rollback{}
