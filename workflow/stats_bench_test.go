package workflow

import (
	"os"
	"testing"

	"hazardloop/model"
	"hazardloop/model/modeltest"
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
