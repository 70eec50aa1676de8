package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/libtnb/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"hazardloop/migrations"
)

// Dialects the store speaks.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// sqlitePragmas are set on every pooled connection. _txlock=immediate makes each
// transaction take the write lock at BEGIN, so read-then-write transactions queue
// instead of failing with "database is locked". Within a process writers queue on
// the one writer connection; the 30 s busy timeout covers other processes on the
// same file (a cron sweep, a backup), which may wait behind many transactions.
//
// _texttotime=0: the driver (modernc.org/sqlite, through the libtnb gorm
// dialector, which turns it on) would otherwise try a dozen time layouts on
// every text cell of an expression column — the list's dates, read as text
// and parsed by parseSQLiteTime, cost 7% of a list page's CPU that way.
// Columns declared DATETIME or DATE still come back as times.
const sqlitePragmas = "_pragma=busy_timeout(30000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate&_texttotime=0"

// sqliteReaders is how many connections read SQLite outside transactions: four
// keep two cores busy, and each holds a page cache of its own (2 MB), which the
// ledger export fills on all of them as it pages through a province (8 MB each
// cost the 100,000-row export 12 MiB of peak memory for 4% more list pages per
// second).
const sqliteReaders = 4

// Store is the only door to the database. A Store made by Tx runs every call in
// that transaction.
type Store struct {
	db      *gorm.DB // writes and transactions
	rd      *gorm.DB // reads outside a transaction
	root    *gorm.DB // PostgreSQL's pool, outside any transaction (nil on SQLite)
	sqlDBs  []*sql.DB
	dialect string
	inTx    bool
	// conn is the connection a PostgreSQL transaction holds: InsertBulk
	// reaches pgx's COPY through it.
	conn *sql.Conn
	gate func() error // see Gated
	// feed is the transaction's rows of the major-hazard feed, written at
	// its end (AppendFeed); nil outside a transaction.
	feed *feedQueue
	// lists admits hazard-list queries, first come first served: as many as
	// SQLite has readers, or postgresListQueries. database/sql hands a freed
	// connection to a waiter picked at random, and 32 queries at once on two
	// cores all run slowly together; a channel's waiters queue in order. With
	// 32 clients at 1,000,000 hazards the slowest 1% went from 87–95 ms to
	// 40–49 ms and PostgreSQL served half again as many pages.
	lists chan struct{}
	// inbox fans each outbox message out to the notices inbox (SetInbox).
	inbox InboxFunc
	// listStmts are the hazard list's statements prepared on SQLite's
	// readers; nil on PostgreSQL and in a transaction (see Tx).
	listStmts *stmtCache
	// territoryPages are PostgreSQL's connections for a territory's list
	// pages, with generic plans (see Open); nil on SQLite and in a
	// transaction.
	territoryPages *sql.DB
}

// dialPostgres dials as pgx does (keep-alive every 5 minutes) and gives a TCP
// connection a send buffer of 4 MiB: a bulk write's COPY data (a megabyte or
// so a batch) then goes to the kernel at once, and the server reads it at its
// pace, not at the pace the Go scheduler runs the goroutine that writes it
// (with the default buffer the server was often found waiting for data in
// the middle of a COPY).
func dialPostgres(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{KeepAlive: 5 * time.Minute}
	c, err := d.DialContext(ctx, network, addr)
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		_ = tc.SetWriteBuffer(4 << 20) // capped by net.core.wmem_max
	}
	return c, err
}

// Open connects to url: a postgres:// (or postgresql://) URL, a sqlite:// URL, or a
// file path for SQLite ("" means hazardloop.db). It does not migrate.
func Open(url string) (*Store, error) {
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		// No gorm PrepareStmt: it prepares a statement first met inside a
		// transaction on that transaction (gorm issue #4644), so every later
		// transaction prepares it again and closes it at commit — on PostgreSQL two
		// extra round trips per statement. pgx caches prepared statements per
		// connection by itself; on SQLite the hazard list, the one read hot
		// enough to matter, keeps its own (stmtCache).
		PrepareStmt: false,
		Logger:      logger.Discard,
		NowFunc:     func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		pc, err := pgx.ParseConfig(url)
		if err != nil {
			return nil, fmt.Errorf("model: open postgres: %w", err)
		}
		pc.DialFunc = dialPostgres
		sqlDB := stdlib.OpenDB(*pc)
		db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), cfg)
		if err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("model: open postgres: %w", err)
		}
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(32)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		// A territory's list pages (pageIDsFirst) run on connections that
		// always take a prepared statement's generic plan. PostgreSQL
		// otherwise plans such a statement anew on every run, because the
		// plan made for the values looks a little cheaper (half of the
		// server's time on a county's page went to planning); their plan,
		// the territory's index walked newest first, does not depend on the
		// values. Other statements keep PostgreSQL's choice: a search's
		// generic plan walks the whole table.
		gc := pc.Copy()
		gc.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
		pagesDB := stdlib.OpenDB(*gc)
		pagesDB.SetMaxOpenConns(postgresListQueries)
		pagesDB.SetMaxIdleConns(postgresListQueries)
		pagesDB.SetConnMaxIdleTime(5 * time.Minute)
		return &Store{db: db, rd: db, root: db, sqlDBs: []*sql.DB{sqlDB, pagesDB}, dialect: DialectPostgres,
			lists: make(chan struct{}, postgresListQueries), territoryPages: pagesDB}, nil
	}

	path := strings.TrimPrefix(url, "sqlite://")
	if path == "" {
		path = "hazardloop.db"
	}
	dsn := path + "?" + sqlitePragmas
	if strings.Contains(path, "?") {
		dsn = path + "&" + sqlitePragmas
	}
	// One writer connection: SQLite has one writer at a time anyway, and queueing in
	// Go is fairer and cheaper than spinning on the busy handler.
	// The writer keeps its statement journals (SQLite writes one for each
	// multi-row INSERT into a table with foreign keys or unique indexes: the
	// pages it may have to roll back) in memory rather than in temporary
	// files: a ledger import spent 8% of its CPU on their write calls. They
	// hold the pages one statement touches, and go when it ends.
	// Its page cache is 8 MiB rather than SQLite's 2: a bulk write touches
	// pages all over the hazards' thirteen indexes, and with 2 MiB the writer
	// read them back from the file and spilled dirty ones to the log in the
	// middle of its transaction.
	w, err := gorm.Open(sqlite.Open(dsn+"&_pragma=temp_store(2)&_pragma=cache_size(-8192)"), cfg)
	if err != nil {
		return nil, fmt.Errorf("model: open sqlite %s: %w", path, err)
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, fmt.Errorf("model: open sqlite %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxIdleTime(0)
	// Readers see committed data concurrently through WAL.
	r, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("model: open sqlite %s: %w", path, err)
	}
	rdb, err := r.DB()
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("model: open sqlite %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(sqliteReaders)
	rdb.SetMaxIdleConns(sqliteReaders)
	s := &Store{db: w, rd: r, sqlDBs: []*sql.DB{wdb, rdb}, dialect: DialectSQLite, lists: make(chan struct{}, sqliteReaders),
		listStmts: newStmtCache(rdb)}
	// The first connection switches the file to WAL; do it before readers race.
	if err := wdb.Ping(); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("model: open sqlite %s: %w", path, err)
	}
	return s, nil
}

// Dialect is DialectSQLite or DialectPostgres.
func (s *Store) Dialect() string { return s.dialect }

// Close releases the connections.
func (s *Store) Close() error {
	errs := []error{s.listStmts.close()}
	for _, d := range s.sqlDBs {
		errs = append(errs, d.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	for _, d := range s.sqlDBs {
		if err := d.PingContext(ctx); err != nil {
			return fmt.Errorf("model: ping: %w", err)
		}
	}
	return nil
}

// Migrate applies the embedded migrations of the store's dialect that are not yet
// applied.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.migrator()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("model: migrate: %w", err)
	}
	return nil
}

// MigrationsPending reports whether any embedded migration is not yet applied.
func (s *Store) MigrationsPending(ctx context.Context) (bool, error) {
	p, err := s.migrator()
	if err != nil {
		return false, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("model: migration status: %w", err)
	}
	return pending, nil
}

func (s *Store) migrator() (*goose.Provider, error) {
	dialect := goose.DialectSQLite3
	if s.dialect == DialectPostgres {
		dialect = goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations.FS, s.dialect)
	if err != nil {
		return nil, fmt.Errorf("model: migrations: %w", err)
	}
	var opts []goose.ProviderOption
	if s.dialect == DialectPostgres {
		// Replicas starting together: one migrates, the others wait on an
		// advisory lock and then find nothing to do.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("model: migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.sqlDBs[0], sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("model: migrations: %w", err)
	}
	return p, nil
}

// Tx runs fn in one transaction: committed if fn returns nil, rolled back
// otherwise. Inside a transaction, Tx simply calls fn. The feed rows fn
// appended (AppendFeed) are written after fn returns, before the commit.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTx {
		return fn(s)
	}
	begin := func(g *gorm.DB, conn *sql.Conn) error {
		return g.Transaction(func(g *gorm.DB) error {
			tx := &Store{db: g, rd: g, root: s.root, dialect: s.dialect, inTx: true, lists: s.lists, conn: conn, feed: &feedQueue{}, inbox: s.inbox}
			if err := fn(tx); err != nil {
				return err
			}
			return tx.flushFeed(ctx)
		})
	}
	if s.dialect != DialectPostgres {
		return begin(s.db.WithContext(ctx), nil)
	}
	// The transaction begins on a connection taken from the pool as a
	// *sql.Conn, which it keeps to the end (as any transaction does): a bulk
	// insert reaches the pgx connection under it for COPY.
	return s.db.WithContext(ctx).Connection(func(c *gorm.DB) error {
		conn, _ := c.Statement.ConnPool.(*sql.Conn)
		return begin(c, conn)
	})
}

// Gated returns the transaction's store with gate run before each of its
// statements (and its COPYs); an error of gate is the statement's. A caller
// that writes on a goroutine of its own through s lets the rest of its work
// go on through the gated store, gate waiting for that write: the
// transaction's one connection is never used by two at once. Only inside Tx.
func (s *Store) Gated(gate func() error) *Store {
	if !s.inTx {
		panic("model: Gated outside a transaction")
	}
	g := s.db.Session(&gorm.Session{Context: s.db.Statement.Context}) // its own Statement
	g.Statement.ConnPool = gatedPool{ConnPool: s.db.Statement.ConnPool, gate: gate}
	c := *s
	c.db, c.rd, c.gate = g, g, gate
	return &c
}

// gatedPool runs gate before each statement of the pool it wraps.
type gatedPool struct {
	gorm.ConnPool
	gate func() error
}

func (p gatedPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := p.gate(); err != nil {
		return nil, err
	}
	return p.ConnPool.PrepareContext(ctx, query)
}

func (p gatedPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := p.gate(); err != nil {
		return nil, err
	}
	return p.ConnPool.ExecContext(ctx, query, args...)
}

func (p gatedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := p.gate(); err != nil {
		return nil, err
	}
	return p.ConnPool.QueryContext(ctx, query, args...)
}

// QueryRowContext waits for the gate; a *sql.Row cannot carry its error, which
// the caller's next statement reports.
func (p gatedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	_ = p.gate()
	return p.ConnPool.QueryRowContext(ctx, query, args...)
}

func (s *Store) w(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }
func (s *Store) r(ctx context.Context) *gorm.DB { return s.rd.WithContext(ctx) }

// translate maps driver errors to the sentinels, with op as prefix.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: %w: %v", op, ErrDuplicate, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// NextNumber hands out the next number of the named sequence in period (1, 2, …):
// gap-free within a committed transaction, never the same number twice.
func (s *Store) NextNumber(ctx context.Context, name, period string) (int64, error) {
	var n int64
	err := s.w(ctx).Raw(`INSERT INTO counters (name, period, value) VALUES (?, ?, 1)
		ON CONFLICT (name, period) DO UPDATE SET value = counters.value + 1
		RETURNING value`, name, period).Scan(&n).Error
	return n, translate("model: next number", err)
}

// Exec runs a statement that returns no rows: for operations and tests (schema
// set-up, integrity checks), never for workflow data.
func (s *Store) Exec(ctx context.Context, sql string, args ...any) error {
	return translate("model: exec", s.w(ctx).Exec(sql, args...).Error)
}

// Raw runs a query and scans its rows into dest (a pointer to a slice or value).
func (s *Store) Raw(ctx context.Context, dest any, sql string, args ...any) error {
	return translate("model: raw", s.r(ctx).Raw(sql, args...).Scan(dest).Error)
}

// Backup writes a consistent copy of an SQLite database to path while the service
// runs (VACUUM INTO reads one snapshot; writers carry on). path must not exist.
// PostgreSQL is backed up with its own tools (pg_dump), not here.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect != DialectSQLite {
		return errors.New("model: backup is for the embedded SQLite database; use pg_dump for PostgreSQL")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("model: backup: %s already exists", path)
	}
	return translate("model: backup", s.r(ctx).Exec("VACUUM INTO ?", path).Error)
}

// IntegrityCheck runs SQLite's integrity check; "ok" when the file is sound.
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	if s.dialect != DialectSQLite {
		return "ok", nil
	}
	var out string
	err := s.r(ctx).Raw("PRAGMA integrity_check").Scan(&out).Error
	return out, translate("model: integrity check", err)
}
