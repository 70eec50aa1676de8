package workflow

import (
	"fmt"
	"os"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/model/modeltest"
	"hazardloop/regions"
)

// BenchmarkDashboard measures the dashboard over a province of hazards (seeded
// as for BenchmarkSweep, summaries rebuilt once) for a province, a city and a
// county supervisor.
func BenchmarkDashboard(b *testing.B) {
	for _, d := range []string{model.DialectSQLite, model.DialectPostgres} {
		b.Run(d, func(b *testing.B) {
			f := benchProvince(b, d)
			for _, who := range []string{"province", "city", "donghu"} {
				b.Run(who, func(b *testing.B) {
					for b.Loop() {
						if _, err := f.engine.Hazards.Dashboard(f.ctx, f.actors[who]); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkCountyMap measures the county map's figures (四色图) over the same
// province, for each metric, as the province's supervisor sees them.
func BenchmarkCountyMap(b *testing.B) {
	for _, d := range []string{model.DialectSQLite, model.DialectPostgres} {
		b.Run(d, func(b *testing.B) {
			f := benchProvince(b, d)
			for _, metric := range MapMetrics {
				b.Run(metric, func(b *testing.B) {
					for b.Loop() {
						if _, err := f.engine.Supervision.CountyMap(f.ctx, f.actors["province"], metric, ""); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkPeriodStatistics measures the period statistics of the year so far
// over the same province, by region and by industry, as the province sees them.
func BenchmarkPeriodStatistics(b *testing.B) {
	for _, d := range []string{model.DialectSQLite, model.DialectPostgres} {
		b.Run(d, func(b *testing.B) {
			f := benchProvince(b, d)
			for _, g := range []string{"region", "industry"} {
				b.Run(g, func(b *testing.B) {
					for b.Loop() {
						if _, err := f.engine.Supervision.Statistics(f.ctx, f.actors["province"], StatisticsQuery{GroupBy: g}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// benchProvince is the province of hazards the statistics benchmarks read
// (seeded as for BenchmarkSweep), with its summaries rebuilt and, as after a
// real load, the planner's statistics and PostgreSQL's visibility map; it
// skips PostgreSQL when no database is given.
func benchProvince(b *testing.B, dialect string) *fixture {
	b.Helper()
	if dialect == model.DialectPostgres && os.Getenv(modeltest.EnvPostgres) == "" {
		b.Skipf("set %s to benchmark PostgreSQL", modeltest.EnvPostgres)
	}
	f := newFixture(b, dialect)
	seedBulk(b, f, benchHazards())
	noErr(b, f.engine.Hazards.RebuildSummaries(f.ctx))
	noErr(b, f.store.Analyze(f.ctx))
	noErr(b, f.store.VacuumHazards(f.ctx))
	return f
}

// BenchmarkPeriodStatisticsSpread measures the same statistics over hazards
// spread as a real province's are — over the shipped table's villages, eleven
// industries and their departments, four channels, found on every day of the
// year so far and written off up to a month later — where hazard_days comes
// near a row per hazard: the summaries' worst case, and what
// hazard_period_cells (by city or county and week) are for.
func BenchmarkPeriodStatisticsSpread(b *testing.B) {
	for _, d := range []string{model.DialectSQLite, model.DialectPostgres} {
		b.Run(d, func(b *testing.B) {
			if d == model.DialectPostgres && os.Getenv(modeltest.EnvPostgres) == "" {
				b.Skipf("set %s to benchmark PostgreSQL", modeltest.EnvPostgres)
			}
			f := spreadProvince(b, d)
			for _, g := range []string{"region", "industry"} {
				b.Run(g, func(b *testing.B) {
					for b.Loop() {
						if _, err := f.engine.Supervision.Statistics(f.ctx, f.actors["province"], StatisticsQuery{GroupBy: g}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// spreadProvince seeds the province of BenchmarkPeriodStatisticsSpread.
func spreadProvince(b *testing.B, d string) *fixture {
	b.Helper()
	f := newFixture(b, d)
	_, err := f.engine.Directory.ImportRegions(f.ctx, f.actors["admin"], regions.Jiangxi())
	noErr(b, err)
	var villages []string
	noErr(b, f.store.Raw(f.ctx, &villages, "SELECT code FROM regions WHERE length(code) = 12 ORDER BY code"))
	industries := []string{"化工", "工贸", "建筑", "燃气", "交通", "水利", "地质灾害", "林业", "消防", "商贸", "教育"}
	sources := []model.Source{model.SourceSelfInspection, model.SourceSupervisoryCheck, model.SourcePublicReport, model.SourceOfficerReport}
	n := benchHazards()
	t0 := time.Now()
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, model.Shanghai)
	batch := make([]model.Hazard, 0, 10000)
	for i := range n {
		found := start.Add(time.Duration(i%332)*24*time.Hour + time.Duration(i%13)*time.Hour)
		h := model.Hazard{Code: fmt.Sprintf("S-%d", i), Title: "批量隐患", Source: sources[i%4], Level: model.LevelGeneral,
			Industry: industries[i%11], RegionCode: villages[(i*7919)%len(villages)], DiscoveredAt: found,
			State: model.StateRectifying, Version: 1, CreatedAt: found, UpdatedAt: found}
		if i%20 == 0 {
			h.Level = model.LevelMajor
		}
		h.Department = IndustryDepartment(h.Industry)
		due := model.DateIn(found, model.Shanghai).AddDays(30)
		h.DueOn = &due
		if closed := found.Add(time.Duration(i%29+1) * 24 * time.Hour); i%10 < 7 && closed.Before(fixedNow) {
			h.State, h.ClosedAt, h.DueOn = model.StateWrittenOff, &closed, nil
		}
		batch = append(batch, h)
		if len(batch) == cap(batch) || i == n-1 {
			noErr(b, f.store.BulkInsert(f.ctx, &batch))
			batch = batch[:0]
		}
	}
	noErr(b, f.engine.Hazards.RebuildSummaries(f.ctx))
	noErr(b, f.store.Analyze(f.ctx))
	noErr(b, f.store.VacuumHazards(f.ctx))
	var days, cells int64
	noErr(b, f.store.Raw(f.ctx, &days, "SELECT count(*) FROM hazard_days"))
	noErr(b, f.store.Raw(f.ctx, &cells, "SELECT count(*) FROM hazard_period_cells WHERE digits = 4 AND dim = ''"))
	b.Logf("seeded %d hazards over %d villages in %s: %d rows of hazard_days, %d of hazard_period_cells by city",
		n, len(villages), time.Since(t0).Round(time.Second), days, cells)
	return f
}
