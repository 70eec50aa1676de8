package handler_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"testing"

	"hazardloop/bench/ledger/ledgerbench"
	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// The ledger benchmarks of issue 3 ("Round trip and scale"), through the real
// handler on a local HTTP server, on each engine, with a province's ledger
// (ledgerbench.EnvRows rows, 100,000 by default; CI sets fewer):
//
//   - export: GET /api/v1/ledger.xlsx of every seeded hazard, the whole body read;
//   - import: POST /api/v1/ledger/import of a ledger of new rows (40% discovered,
//     30% rectifying, 30% written off) into a fresh database: parse, validate, and
//     write the hazards, their events and ledger keys in one transaction.
//
// Each reports rows/s and the peak of the Go heap (HeapInuse) and of the memory
// the runtime holds from the system (Sys) during the request, sampled every 20 ms.
// bench/ledger/run.sh measures the same side by side with exceljs.

var importFile = sync.OnceValues(func() ([]byte, error) {
	var buf bytes.Buffer
	err := ledgerbench.WriteImportFile(&buf, ledgerbench.Rows(), os.TempDir())
	return buf.Bytes(), err
})

func BenchmarkLedger(b *testing.B) {
	for _, d := range []string{model.DialectSQLite, model.DialectPostgres} {
		b.Run(d, func(b *testing.B) {
			if d == model.DialectPostgres && os.Getenv(modeltest.EnvPostgres) == "" {
				b.Skipf("set %s to benchmark PostgreSQL", modeltest.EnvPostgres)
			}
			b.Run("export", func(b *testing.B) { benchExport(b, d) })
			b.Run("import", func(b *testing.B) { benchImport(b, d) })
		})
	}
}

func benchExport(b *testing.B, dialect string) {
	ctx := context.Background()
	n := ledgerbench.Rows()
	s := modeltest.Open(b, dialect)
	if err := ledgerbench.Directory(ctx, s); err != nil {
		b.Fatal(err)
	}
	if err := ledgerbench.Seed(ctx, s, n); err != nil {
		b.Fatal(err)
	}
	srv, err := ledgerbench.Serve(ctx, s, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	var heap, sys, alloc uint64
	var size int64
	for b.Loop() {
		p := ledgerbench.StartPeak()
		size, err = srv.Export(ctx, io.Discard)
		p.Stop()
		if err == nil {
			err = ledgerbench.CheckExport(n, size)
		}
		if err != nil {
			b.Fatal(err)
		}
		heap, sys, alloc = max(heap, p.HeapInuse), max(sys, p.Sys), alloc+p.TotalAlloc
	}
	report(b, n, heap, sys, alloc)
	b.ReportMetric(float64(size)/(1<<20), "file-MiB")
}

func benchImport(b *testing.B, dialect string) {
	ctx := context.Background()
	file, err := importFile()
	if err != nil {
		b.Fatal(err)
	}
	n := ledgerbench.Rows()
	var heap, sys, alloc uint64
	for b.Loop() {
		// Each import goes into a fresh database: a second import of the same
		// file would write nothing.
		b.StopTimer()
		s := modeltest.Open(b, dialect)
		if err := ledgerbench.Directory(ctx, s); err != nil {
			b.Fatal(err)
		}
		srv, err := ledgerbench.Serve(ctx, s, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		p := ledgerbench.StartPeak()
		res, err := srv.Import(ctx, file)
		p.Stop()
		b.StopTimer()
		srv.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != n {
			b.Fatalf("created %d of %d", res.Created, n)
		}
		heap, sys, alloc = max(heap, p.HeapInuse), max(sys, p.Sys), alloc+p.TotalAlloc
		b.StartTimer()
	}
	report(b, n, heap, sys, alloc)
	b.ReportMetric(float64(len(file))/(1<<20), "file-MiB")
}

func report(b *testing.B, n int, heap, sys, alloc uint64) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(ledgerbench.MiB(heap), "peak-heap-MiB")
	b.ReportMetric(ledgerbench.MiB(sys), "peak-sys-MiB")
	b.ReportMetric(ledgerbench.MiB(alloc)/float64(b.N), "alloc-MiB/op")
}
