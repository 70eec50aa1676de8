package workflow_test

// Throughput of the transition path, against the same statements through plain
// database/sql, and SQLite under eight concurrent writers.
//
//	go test -run '^$' -bench . -benchtime 3s ./workflow/
//	HAZARDLOOP_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	    go test -run '^$' -bench . -benchtime 3s ./workflow/
//
// Every transition is an `extend` (a self-loop on a rectifying hazard) that moves
// the deadline one day later. A deadline may lie at most five years ahead, so the
// transitions are spread over a pool of hazards, each taking at most
// extendsPerHazard of them.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", the one gorm.io/driver/postgres uses
	"gorm.io/gorm/schema"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", the one the libtnb gorm dialector uses

	"hazardloop/blob"
	"hazardloop/model"
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

// benchSQLitePragmas mirrors the pragmas model.Open puts on every SQLite
// connection, so that the raw path pays for the same durability.
const benchSQLitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate"

var benchPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

const (
	extendsPerHazard = 1500 // deadlines stay within the five-year limit (1,830 days)
	minPool          = 16   // spread even short runs over several rows
	extendReason     = "整改涉及设备采购，供货周期较长"
)

// benchFixture is a migrated database with a region, an enterprise and two
// supervisors, reachable through the engine and through a plain *sql.DB.
type benchFixture struct {
	dialect string
	store   *model.Store
	eng     *workflow.Services
	sup     workflow.Actor // fires every benchmark transition
	sup2    workflow.Actor // verifies what sup submitted
	entID   int64
	raw     *rawPath
}

func newBenchFixture(tb testing.TB, dialect string) *benchFixture {
	tb.Helper()
	ctx := context.Background()
	url := modeltest.URL(tb, dialect) // skips PostgreSQL without HAZARDLOOP_TEST_DATABASE_URL
	store, err := model.Open(url)
	if err != nil {
		tb.Fatalf("open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { _ = store.Close() })
	if err := store.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s: %v", dialect, err)
	}
	blobs, err := blob.NewDir(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	f := &benchFixture{dialect: dialect, store: store, eng: workflow.New(store, workflow.Options{Blobs: blobs})}

	admin := workflow.Actor{Name: "系统管理员", Role: model.RoleAdmin}
	for _, r := range []workflow.RegionInput{
		{Code: "360000", Name: "江西省"},
		{Code: "360100", Name: "南昌市", ParentCode: "360000"},
		{Code: "360102", Name: "东湖区", ParentCode: "360100"},
	} {
		if _, err := f.eng.Directory.CreateRegion(ctx, admin, r); err != nil {
			tb.Fatalf("region %s: %v", r.Code, err)
		}
	}
	first := "91360102MA3000010"
	ent, err := f.eng.Directory.CreateEnterprise(ctx, admin, workflow.EnterpriseInput{
		Name: "南昌东湖精细化工有限公司", RegionCode: "360102", Industry: "危险化学品",
		CreditCode: first + string(workflow.CreditCheckChar(first)),
	})
	if err != nil {
		tb.Fatalf("enterprise: %v", err)
	}
	f.entID = ent.ID
	for i, dst := range []*workflow.Actor{&f.sup, &f.sup2} {
		u, err := f.eng.Directory.CreateUser(ctx, admin, workflow.UserInput{
			Username: fmt.Sprintf("donghu%d", i+1), Password: "benchmark-password",
			DisplayName: fmt.Sprintf("东湖区局监管员%d", i+1), Role: "supervisor", RegionCode: "360102",
		})
		if err != nil {
			tb.Fatalf("user: %v", err)
		}
		*dst = workflow.ActorOf(u)
	}

	f.raw = openRawPath(tb, dialect, url, f.sup)
	return f
}

// benchHazard is a rectifying hazard as the benchmark last left it.
type benchHazard struct {
	id       int64
	version  int
	deadline model.Date
	extends  int // extends fired since set-up
	base     int // version and number of events after set-up
}

func strp(s string) *string { return &s }

// newRectifying registers a hazard and takes it to rectifying (create, confirm,
// plan) with a deadline tomorrow.
func (f *benchFixture) newRectifying(ctx context.Context, n int) (*benchHazard, error) {
	v, err := f.eng.Hazards.CreateHazard(ctx, f.sup, workflow.HazardInput{
		Title: fmt.Sprintf("储罐区静电接地不良 %d", n), Source: "supervisory_check",
		EnterpriseID: &f.entID, Industry: "危险化学品", Location: "2号罐区",
	})
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	deadline := f.eng.Today().AddDays(1).String()
	for _, in := range []workflow.EventInput{
		{Event: model.EventConfirm},
		{Event: model.EventPlan, Comment: "企业书面方案，代为录入", Fields: workflow.Fields{
			Measures: strp("重新敷设接地线并检测接地电阻"), ResponsiblePerson: strp("李建国"),
			ResponsiblePhone: strp("0791-86660001"), Deadline: &deadline,
		}},
	} {
		in.Version = v.Version
		if v, err = f.eng.Hazards.Apply(ctx, f.sup, v.ID, in); err != nil {
			return nil, fmt.Errorf("%s: %w", in.Event, err)
		}
	}
	rep, err := f.eng.Hazards.Verify(ctx, f.sup, v.ID)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if !rep.OK || rep.Events != v.Version {
		return nil, fmt.Errorf("after set-up: chain %+v at version %d", rep, v.Version)
	}
	return &benchHazard{id: v.ID, version: v.Version, deadline: *v.Deadline, base: v.Version}, nil
}

// pool returns enough rectifying hazards for n extends, and at least least.
func (f *benchFixture) pool(tb testing.TB, n, least int) []*benchHazard {
	tb.Helper()
	size := max(least, (n+extendsPerHazard-1)/extendsPerHazard)
	hs := make([]*benchHazard, size)
	for i := range hs {
		h, err := f.newRectifying(context.Background(), i)
		if err != nil {
			tb.Fatalf("set up hazard: %v", err)
		}
		hs[i] = h
	}
	return hs
}

// engineExtend fires extend through Hazards.Apply.
func (f *benchFixture) engineExtend(ctx context.Context, a workflow.Actor, h *benchHazard) error {
	d := h.deadline.AddDays(1).String()
	v, err := f.eng.Hazards.Apply(ctx, a, h.id, workflow.EventInput{
		Event: model.EventExtend, Version: h.version,
		Fields: workflow.Fields{Reason: strp(extendReason), Deadline: &d},
	})
	if err != nil {
		return err
	}
	h.version, h.deadline = v.Version, *v.Deadline
	h.extends++
	return nil
}

// verify checks the hash chain of every hazard in hs, and that its version and
// event count agree with what the benchmark did to it.
func (f *benchFixture) verify(tb testing.TB, hs []*benchHazard) {
	tb.Helper()
	ctx := context.Background()
	for _, h := range hs {
		rep, err := f.eng.Hazards.Verify(ctx, f.sup, h.id)
		if err != nil {
			tb.Fatalf("verify hazard %d: %v", h.id, err)
		}
		// One event and one version per extend, whichever path fired it.
		if !rep.OK || rep.Events != h.base+h.extends || h.version != h.base+h.extends {
			tb.Fatalf("hazard %d: chain %+v, version %d, %d extends", h.id, rep, h.version, h.extends)
		}
	}
}

// rawPath is the transition written by hand against database/sql, with the
// statements the engine sends: BEGIN; SELECT the row; UPDATE the mutable columns
// WHERE id AND version; INSERT the hash-chained event RETURNING id; COMMIT. It
// prepares its statements once (the strongest plain baseline; the store runs
// gorm with PrepareStmt too) but does none of the engine's checks.
type rawPath struct {
	db                     *sql.DB
	actor                  workflow.Actor
	sel, upd, ins          *sql.Stmt
	selSQL, updSQL, insSQL string
}

// The raw path's columns come from model.Hazard, so that it keeps sending the
// statements the engine sends while the schema grows: the SELECT reads every
// column, the UPDATE sets every column but identity and provenance (as
// model.UpdateHazard does).
var (
	hazardCols    []string // every column, in field order
	hazardIdx     [][]int  // the field of each column
	rawMutable    []string // the columns the UPDATE sets
	rawMutableIdx [][]int
	immutableCols = map[string]bool{
		"id": true, "code": true, "source": true, "region_code": true, "enterprise_id": true,
		"discovered_at": true, "created_by": true, "created_at": true,
	}
)

func init() {
	sch, err := schema.Parse(&model.Hazard{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		panic(err)
	}
	for _, f := range sch.Fields {
		if f.DBName == "" {
			continue
		}
		hazardCols = append(hazardCols, f.DBName)
		hazardIdx = append(hazardIdx, f.StructField.Index)
		if !immutableCols[f.DBName] {
			rawMutable = append(rawMutable, f.DBName)
			rawMutableIdx = append(rawMutableIdx, f.StructField.Index)
		}
	}
}

func hazardDest(h *model.Hazard) []any {
	v := reflect.ValueOf(h).Elem()
	out := make([]any, len(hazardIdx))
	for i, idx := range hazardIdx {
		out[i] = v.FieldByIndex(idx).Addr().Interface()
	}
	return out
}

// updateArgs are the SET values, then id and the expected version.
func updateArgs(h *model.Hazard, prevVersion int) []any {
	v := reflect.ValueOf(h).Elem()
	out := make([]any, 0, len(rawMutableIdx)+2)
	for _, idx := range rawMutableIdx {
		out = append(out, v.FieldByIndex(idx).Interface())
	}
	return append(out, h.ID, prevVersion)
}

// rebind turns ? placeholders into $1, $2, … for PostgreSQL.
func rebind(dialect, q string) string {
	if dialect != model.DialectPostgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func openRawPath(tb testing.TB, dialect, url string, a workflow.Actor) *rawPath {
	tb.Helper()
	var db *sql.DB
	var err error
	if dialect == model.DialectPostgres {
		db, err = sql.Open("pgx", url)
		if err == nil {
			db.SetMaxOpenConns(32)
			db.SetMaxIdleConns(32)
		}
	} else {
		db, err = sql.Open("sqlite", url+"?"+benchSQLitePragmas)
		if err == nil {
			db.SetMaxOpenConns(1) // as the store's writer
			db.SetMaxIdleConns(1)
		}
	}
	if err != nil {
		tb.Fatalf("raw open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	sets := make([]string, len(rawMutable))
	for i, c := range rawMutable {
		sets[i] = c + " = ?"
	}
	r := &rawPath{
		db: db, actor: a,
		selSQL: rebind(dialect, "SELECT "+strings.Join(hazardCols, ", ")+" FROM hazards WHERE id = ?"),
		updSQL: rebind(dialect, "UPDATE hazards SET "+strings.Join(sets, ", ")+" WHERE id = ? AND version = ?"),
		insSQL: rebind(dialect, `INSERT INTO hazard_events (hazard_id, seq, event, from_state, to_state, actor_id,
			actor_name, role, comment, payload, created_at, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
	}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{{&r.sel, r.selSQL}, {&r.upd, r.updSQL}, {&r.ins, r.insSQL}} {
		if *p.dst, err = db.Prepare(p.q); err != nil {
			tb.Fatalf("raw prepare: %v", err)
		}
	}
	return r
}

// extendPayload is the engine's extend payload, keys in the order json.Marshal
// gives a map.
type extendPayload struct {
	Deadline         string `json:"deadline"`
	PreviousDeadline string `json:"previous_deadline"`
	Reason           string `json:"reason"`
}

// extend moves h's deadline one day later, as the engine's extend does.
func (r *rawPath) extend(ctx context.Context, h *benchHazard) (err error) {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var cur model.Hazard
	if err = tx.StmtContext(ctx, r.sel).QueryRowContext(ctx, h.id).Scan(hazardDest(&cur)...); err != nil {
		return fmt.Errorf("raw select: %w", err)
	}
	if cur.Version != h.version || cur.State != model.StateRectifying || cur.Deadline == nil {
		return fmt.Errorf("raw: hazard %d at version %d in %s, want version %d rectifying", cur.ID, cur.Version, cur.State, h.version)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	d := h.deadline.AddDays(1)
	payload, err := json.Marshal(extendPayload{Deadline: d.String(), PreviousDeadline: cur.Deadline.String(), Reason: extendReason})
	if err != nil {
		return err
	}
	actorID := r.actor.ID
	ev := &model.HazardEvent{
		HazardID: cur.ID, Event: model.EventExtend, FromState: cur.State, ToState: cur.State,
		ActorID: &actorID, ActorName: r.actor.Name, Role: r.actor.Role,
		Payload: model.JSONText(payload), CreatedAt: now,
	}
	ev.Seal(cur.LastSeq, cur.ChainHead)
	next := cur
	next.Deadline, next.Version, next.LastSeq, next.ChainHead, next.UpdatedAt = &d, cur.Version+1, ev.Seq, ev.Hash, now
	res, err := tx.StmtContext(ctx, r.upd).ExecContext(ctx, updateArgs(&next, cur.Version)...)
	if err != nil {
		return fmt.Errorf("raw update: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("raw update: %d rows, %v", n, err)
	}
	err = tx.StmtContext(ctx, r.ins).QueryRowContext(ctx, ev.HazardID, ev.Seq, ev.Event, ev.FromState, ev.ToState,
		ev.ActorID, ev.ActorName, ev.Role, ev.Comment, ev.Payload, ev.CreatedAt, ev.PrevHash, ev.Hash).Scan(&ev.ID)
	if err != nil {
		return fmt.Errorf("raw insert: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return err
	}
	h.version, h.deadline = next.Version, d
	h.extends++
	return nil
}

var benchDialects = []string{model.DialectSQLite, model.DialectPostgres}

// skipWithoutPostgres skips a PostgreSQL benchmark when no server is configured,
// and says so on stdout too: go test prints a benchmark's skip message only with
// -v.
func skipWithoutPostgres(b *testing.B, dialect string) {
	b.Helper()
	if dialect != model.DialectPostgres || os.Getenv(modeltest.EnvPostgres) != "" {
		return
	}
	msg := fmt.Sprintf("PostgreSQL skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", modeltest.EnvPostgres)
	fmt.Printf("%s: %s\n", b.Name(), msg)
	b.Skip(msg)
}

// BenchmarkTransition measures one transition (extend) per op, per dialect:
// engine is Hazards.Apply, raw is the same statements through database/sql, and
// both interleaves the two on the same hazards in one loop and reports each
// path's rate and their ratio (the target: ratio ≥ 0.65).
func BenchmarkTransition(b *testing.B) {
	for _, dialect := range benchDialects {
		b.Run(dialect, func(b *testing.B) {
			skipWithoutPostgres(b, dialect)
			f := newBenchFixture(b, dialect)
			ctx := context.Background()
			b.Run("engine", func(b *testing.B) {
				hs := f.pool(b, b.N, minPool)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := f.engineExtend(ctx, f.sup, hs[i%len(hs)]); err != nil {
						b.Fatalf("engine extend: %v", err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
				f.verify(b, hs)
			})
			b.Run("raw", func(b *testing.B) {
				hs := f.pool(b, b.N, minPool)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := f.raw.extend(ctx, hs[i%len(hs)]); err != nil {
						b.Fatalf("raw extend: %v", err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
				f.verify(b, hs)
			})
			// One op is one engine transition plus one raw transition, in
			// alternating order, so that both see the same database and the same
			// moment of the machine's load.
			b.Run("both", func(b *testing.B) {
				hs := f.pool(b, 2*b.N, minPool)
				var tEngine, tRaw time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					he, hr := hs[(2*i)%len(hs)], hs[(2*i+1)%len(hs)]
					engineFirst := i%2 == 0
					for k := 0; k < 2; k++ {
						t0 := time.Now()
						if (k == 0) == engineFirst {
							if err := f.engineExtend(ctx, f.sup, he); err != nil {
								b.Fatalf("engine extend: %v", err)
							}
							tEngine += time.Since(t0)
						} else {
							if err := f.raw.extend(ctx, hr); err != nil {
								b.Fatalf("raw extend: %v", err)
							}
							tRaw += time.Since(t0)
						}
					}
				}
				b.StopTimer()
				engineRate := float64(b.N) / tEngine.Seconds()
				rawRate := float64(b.N) / tRaw.Seconds()
				b.ReportMetric(engineRate, "engine-tx/s")
				b.ReportMetric(rawRate, "raw-tx/s")
				b.ReportMetric(engineRate/rawRate, "ratio")
				f.verify(b, hs)
			})
		})
	}
}

// BenchmarkConcurrentWriters runs 8 writers, each extending its own hazards
// through Hazards.Apply; one op is one transition, tx/s is the total rate.
func BenchmarkConcurrentWriters(b *testing.B) {
	const writers = 8
	for _, dialect := range benchDialects {
		b.Run(dialect, func(b *testing.B) {
			skipWithoutPostgres(b, dialect)
			f := newBenchFixture(b, dialect)
			ctx := context.Background()
			b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
				quota := make([]int, writers)
				pools := make([][]*benchHazard, writers)
				for w := range writers {
					quota[w] = b.N / writers
					if w < b.N%writers {
						quota[w]++
					}
					pools[w] = f.pool(b, quota[w], 2)
				}
				var failed atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				for w := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						hs := pools[w]
						for i := range quota[w] {
							if err := f.engineExtend(ctx, f.sup, hs[i%len(hs)]); err != nil {
								failed.Add(1)
								b.Errorf("writer %d: %v", w, err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
				if failed.Load() > 0 {
					b.Fatalf("%d writers failed", failed.Load())
				}
				for w := range writers {
					f.verify(b, pools[w])
				}
			})
		})
	}
}

// TestEightWritersSQLite runs 8 goroutines, each taking its own hazards through
// the whole lifecycle (create, confirm, escalate, plan, extends, submit, reject,
// submit, approve) on one SQLite database, while a reader lists and verifies. No
// call may fail — in particular no "database is locked" or "busy" may reach a
// caller — and every hazard's chain must verify.
func TestEightWritersSQLite(t *testing.T) {
	const (
		writers = 8
		rounds  = 6 // hazards per writer
		extends = 8 // extends per hazard
	)
	if testing.Short() {
		t.Skip("concurrency test skipped in -short mode")
	}
	f := newBenchFixture(t, model.DialectSQLite)
	ctx := context.Background()

	var (
		mu      sync.Mutex
		errs    []error
		locked  int
		applied atomic.Int64
	)
	report := func(who string, err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, fmt.Errorf("%s: %w", who, err))
		if m := strings.ToLower(err.Error()); strings.Contains(m, "locked") || strings.Contains(m, "busy") {
			locked++
		}
	}

	ids := make([][]int64, writers)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				id, err := f.lifecycle(ctx, fmt.Sprintf("w%d-r%d", w, r), extends, &applied)
				if err != nil {
					report(fmt.Sprintf("writer %d round %d", w, r), err)
					return
				}
				ids[w] = append(ids[w], id)
			}
		}()
	}
	// A reader alongside the writers: WAL readers must not be refused either.
	var readerWG sync.WaitGroup
	var reads int
	readerWG.Add(1)
	go func() {
		defer readerWG.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			p, err := f.eng.Hazards.List(ctx, f.sup, workflow.ListQuery{Limit: "20"})
			if err != nil {
				report("reader list", err)
				return
			}
			for _, h := range p.Items {
				if _, err := f.eng.Hazards.Verify(ctx, f.sup, h.ID); err != nil {
					report("reader verify", err)
					return
				}
			}
			reads++
		}
	}()
	wg.Wait()
	close(done)
	readerWG.Wait()

	if len(errs) > 0 {
		t.Errorf("%d calls failed, %d of them locked/busy; first: %v", len(errs), locked, errs[0])
		for _, err := range errs[1:min(len(errs), 10)] {
			t.Log(err)
		}
		t.FailNow()
	}
	perHazard := 1 + 3 + extends + 6 // create; confirm, escalate, plan; extends; evidence, submit, reject, evidence, submit, approve
	if want := int64(writers * rounds * (perHazard - 1)); applied.Load() != want {
		t.Fatalf("applied %d events, want %d", applied.Load(), want)
	}
	for w := range writers {
		if len(ids[w]) != rounds {
			t.Fatalf("writer %d finished %d hazards, want %d", w, len(ids[w]), rounds)
		}
		for _, id := range ids[w] {
			rep, err := f.eng.Hazards.Verify(ctx, f.sup, id)
			if err != nil {
				t.Fatalf("verify %d: %v", id, err)
			}
			if !rep.OK || rep.Events != perHazard {
				t.Fatalf("hazard %d: %+v, want an intact chain of %d events", id, rep, perHazard)
			}
			h, err := f.eng.Hazards.Hazard(ctx, f.sup, id)
			if err != nil {
				t.Fatal(err)
			}
			if h.State != model.StateWrittenOff || h.Version != perHazard {
				t.Fatalf("hazard %d: %s at version %d, want written_off at %d", id, h.State, h.Version, perHazard)
			}
		}
	}
	t.Logf("%d writers: %d hazards, %d events applied, 0 errors; reader passes: %d", writers, writers*rounds, applied.Load(), reads)
}

// lifecycle takes one new hazard through the whole lifecycle and returns its id.
func (f *benchFixture) lifecycle(ctx context.Context, tag string, extends int, applied *atomic.Int64) (int64, error) {
	v, err := f.eng.Hazards.CreateHazard(ctx, f.sup, workflow.HazardInput{
		Title: "配电室未设挡鼠板 " + tag, Source: "supervisory_check", EnterpriseID: &f.entID, Industry: "危险化学品",
	})
	if err != nil {
		return 0, fmt.Errorf("create: %w", err)
	}
	today := f.eng.Today()
	day := func(n int) *string { return strp(today.AddDays(n).String()) }
	steps := []struct {
		by workflow.Actor
		in workflow.EventInput
	}{
		{f.sup, workflow.EventInput{Event: model.EventConfirm, Fields: workflow.Fields{Deadline: day(30)}}},
		{f.sup, workflow.EventInput{Event: model.EventEscalate, Fields: workflow.Fields{Reason: strp("逾期未制定方案")}}},
		{f.sup, workflow.EventInput{Event: model.EventPlan, Comment: "企业书面方案，代为录入", Fields: workflow.Fields{
			Measures: strp("加装挡鼠板"), ResponsiblePerson: strp("王海涛"), ResponsiblePhone: strp("13807910001")}}},
	}
	for i := range extends {
		steps = append(steps, struct {
			by workflow.Actor
			in workflow.EventInput
		}{f.sup, workflow.EventInput{Event: model.EventExtend, Fields: workflow.Fields{Reason: strp(extendReason), Deadline: day(31 + i)}}})
	}
	for _, s := range []struct {
		by workflow.Actor
		in workflow.EventInput
	}{
		{f.sup, workflow.EventInput{Event: model.EventSubmit, Comment: "已整改"}},
		{f.sup2, workflow.EventInput{Event: model.EventReject, Fields: workflow.Fields{Reason: strp("挡鼠板高度不足")}}},
		{f.sup, workflow.EventInput{Event: model.EventSubmit, Comment: "已加高"}},
		{f.sup2, workflow.EventInput{Event: model.EventApprove, Comment: "现场复核，整改到位"}},
	} {
		steps = append(steps, s)
	}
	for _, s := range steps {
		if s.in.Event == model.EventSubmit { // proof of rectification comes first
			if _, err := f.eng.Evidence.Add(ctx, s.by, v.ID, workflow.EvidenceInput{Kind: model.EvidenceDocument, Data: benchPDF}); err != nil {
				return 0, fmt.Errorf("evidence: %w", err)
			}
			if v, err = f.eng.Hazards.Hazard(ctx, s.by, v.ID); err != nil {
				return 0, err
			}
			applied.Add(1)
		}
		s.in.Version = v.Version
		if v, err = f.eng.Hazards.Apply(ctx, s.by, v.ID, s.in); err != nil {
			var we *workflow.Error
			if errors.As(err, &we) {
				return 0, fmt.Errorf("%s: %w (fields %v)", s.in.Event, err, we.Fields)
			}
			return 0, fmt.Errorf("%s: %w", s.in.Event, err)
		}
		applied.Add(1)
	}
	return v.ID, nil
}
