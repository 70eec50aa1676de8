// Command ledger is the Go side of bench/ledger/run.sh: each measurement runs in
// a process of its own, so that /usr/bin/time's peak RSS is that measurement's.
//
//	go run ./bench/ledger seed      -db DB [-schema S] -rows N   # directory + N hazards
//	go run ./bench/ledger export    -db DB [-schema S] -out F    # GET /api/v1/ledger.xlsx, timed
//	go run ./bench/ledger genimport -rows N -out F               # the ledger an import reads
//	go run ./bench/ledger import    -db DB [-schema S] -file F   # POST /api/v1/ledger/import into a fresh database, timed
//	go run ./bench/ledger read      -file F                      # the import's reading alone (decode every row, no database), timed
//	go run ./bench/ledger clean     -db DB [-schema S]
//
// DB is a SQLite file or a postgres:// URL; with -schema the PostgreSQL schema S
// is (re)created and used. Each timed command prints one JSON line.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"hazardloop/bench/ledger/ledgerbench"
	"hazardloop/ledger/xlsx"
	"hazardloop/model"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ledger seed|export|genimport|import|read|clean [flags]")
		os.Exit(2)
	}
	cmd := os.Args[1]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	db := fs.String("db", "", "SQLite file or postgres:// URL")
	schema := fs.String("schema", "", "PostgreSQL schema to (re)create and use")
	rows := fs.Int("rows", ledgerbench.Rows(), "rows to seed or to write")
	out := fs.String("out", "", "file to write")
	file := fs.String("file", "", "ledger to import")
	label := fs.String("label", "", "dialect label of the JSON line")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the command to this file")
	_ = fs.Parse(os.Args[2:])
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "ledger:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	var err error
	switch cmd {
	case "seed":
		err = seed(ctx, *db, *schema, *rows)
	case "export":
		err = export(ctx, *db, *schema, *out, *label)
	case "genimport":
		err = genImport(*rows, *out)
	case "import":
		err = importFile(ctx, *db, *schema, *file, *label)
	case "read":
		err = readFile(*file)
	case "clean":
		err = clean(ctx, *db, *schema)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "ledger:", err)
		os.Exit(1)
	}
}

// open opens the database; fresh drops and recreates it first.
func open(ctx context.Context, db, schema string, fresh bool) (*model.Store, error) {
	if db == "" {
		return nil, fmt.Errorf("-db is required")
	}
	if fresh {
		if err := clean(ctx, db, schema); err != nil {
			return nil, err
		}
	}
	u := db
	if schema != "" {
		if fresh {
			admin, err := model.Open(db)
			if err != nil {
				return nil, err
			}
			err = admin.Exec(ctx, "CREATE SCHEMA "+schema)
			_ = admin.Close()
			if err != nil {
				return nil, err
			}
		}
		p, err := url.Parse(db)
		if err != nil {
			return nil, err
		}
		q := p.Query()
		q.Set("search_path", schema)
		p.RawQuery = q.Encode()
		u = p.String()
	}
	s, err := model.Open(u)
	if err != nil {
		return nil, err
	}
	if fresh {
		if err := s.Migrate(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
		if err := ledgerbench.Directory(ctx, s); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

func clean(ctx context.Context, db, schema string) error {
	if schema == "" {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(db + suffix); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
		return nil
	}
	admin, err := model.Open(db)
	if err != nil {
		return err
	}
	defer admin.Close()
	return admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
}

func seed(ctx context.Context, db, schema string, n int) error {
	s, err := open(ctx, db, schema, true)
	if err != nil {
		return err
	}
	defer s.Close()
	t0 := time.Now()
	if err := ledgerbench.Seed(ctx, s, n); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "seeded %d hazards in %s\n", n, time.Since(t0).Round(time.Millisecond))
	return nil
}

// result is the JSON line of a timed command.
type result struct {
	What       string  `json:"what"`
	Dialect    string  `json:"dialect"`
	Rows       int     `json:"rows"`
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rows_per_s"`
	HeapMiB    float64 `json:"peak_heap_inuse_mib"`
	SysMiB     float64 `json:"peak_sys_mib"`
	AllocMiB   float64 `json:"total_alloc_mib"`
	Bytes      int64   `json:"bytes,omitempty"`
}

func emit(r result, t time.Duration, p *ledgerbench.Peak) error {
	r.Seconds = t.Seconds()
	r.RowsPerSec = float64(r.Rows) / t.Seconds()
	r.HeapMiB, r.SysMiB, r.AllocMiB = ledgerbench.MiB(p.HeapInuse), ledgerbench.MiB(p.Sys), ledgerbench.MiB(p.TotalAlloc)
	return json.NewEncoder(os.Stdout).Encode(r)
}

func export(ctx context.Context, db, schema, out, label string) error {
	s, err := open(ctx, db, schema, false)
	if err != nil {
		return err
	}
	defer s.Close()
	var n int64
	if err := s.Raw(ctx, &n, "SELECT count(*) FROM hazards"); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "ledger-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	srv, err := ledgerbench.Serve(ctx, s, tmp)
	if err != nil {
		return err
	}
	defer srv.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<16)
	p := ledgerbench.StartPeak()
	t0 := time.Now()
	size, err := srv.Export(ctx, w)
	if err == nil {
		err = w.Flush()
	}
	t := time.Since(t0)
	p.Stop()
	if err != nil {
		return err
	}
	if err := ledgerbench.CheckExport(int(n), size); err != nil {
		return err
	}
	return emit(result{What: "export", Dialect: label, Rows: int(n), Bytes: size}, t, p)
}

func genImport(n int, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	if err := ledgerbench.WriteImportFile(w, n, filepath.Dir(out)); err != nil {
		_ = f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func importFile(ctx context.Context, db, schema, file, label string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	s, err := open(ctx, db, schema, true)
	if err != nil {
		return err
	}
	defer s.Close()
	tmp, err := os.MkdirTemp("", "ledger-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	srv, err := ledgerbench.Serve(ctx, s, tmp)
	if err != nil {
		return err
	}
	defer srv.Close()
	p := ledgerbench.StartPeak()
	t0 := time.Now()
	res, err := srv.Import(ctx, b)
	t := time.Since(t0)
	p.Stop()
	if err != nil {
		return err
	}
	if label == "" {
		label = strings.SplitN(db, ":", 2)[0]
	}
	return emit(result{What: "import", Dialect: label, Rows: res.Rows, Bytes: int64(len(b))}, t, p)
}

// readFile times what an import does before any database work: open the upload
// and decode every row (excelize's Rows with RawCellValue, and the row parser).
func readFile(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	p := ledgerbench.StartPeak()
	t0 := time.Now()
	rd, err := xlsx.Open(b, xlsx.DecodeOptions{})
	if err != nil {
		return err
	}
	for rd.Next() {
	}
	err = rd.Err()
	_ = rd.Close()
	t := time.Since(t0)
	p.Stop()
	if err != nil {
		return err
	}
	return emit(result{What: "read", Rows: rd.Count(), Bytes: int64(len(b))}, t, p)
}
