package demo

import (
	"os"
	"strconv"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// BenchmarkVerify measures hazardloop verify's work (model.Store.VerifyAll:
// every hazard's chain rehashed, every head compared) over the demo seed of
// HAZARDLOOP_BENCH_HAZARDS hazards (10,000 by default; the figure is
// at 1,000,000, about five events each). docs/performance.md has the figure.
func BenchmarkVerify(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("HAZARDLOOP_BENCH_HAZARDS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range []string{model.DialectSQLite, model.DialectPostgres} {
		b.Run(d, func(b *testing.B) {
			if d == model.DialectPostgres && os.Getenv(modeltest.EnvPostgres) == "" {
				b.Skipf("set %s to benchmark PostgreSQL", modeltest.EnvPostgres)
			}
			f := newFixture(b, d)
			t0 := time.Now()
			noErr(b, Hazards(f.ctx, f.svc, f.store, n, nil))
			noErr(b, f.store.Analyze(f.ctx))
			b.Logf("seeded %d hazards in %s", n, time.Since(t0).Round(time.Second))
			var rep model.ChainsReport
			for b.Loop() {
				var err error
				rep, err = f.store.VerifyAll(f.ctx)
				noErr(b, err)
				if rep.BrokenCount != 0 {
					b.Fatalf("seed has %d broken chains: %+v", rep.BrokenCount, rep.Broken[0])
				}
			}
			b.ReportMetric(float64(rep.Events), "events")
			b.ReportMetric(float64(rep.Hazards), "hazards")
		})
	}
}
