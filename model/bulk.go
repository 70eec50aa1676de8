package model

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// BulkBatch is how many rows one INSERT of a bulk load carries. The SQLite driver
// binds parameters in time quadratic in their number, so SQLite takes small
// statements (measured: 500 rows of hazards spent 78% of a load binding).
const BulkBatch = 500

// sqliteBulkParams is how many parameters one INSERT carries on SQLite: 16 rows
// of hazards (45 columns). Measured on hazards (load average 9), rows a
// statement: 1: 1,658 rows/s, 4: 2,976, 8: 3,694, 16: 4,134, 32: 3,040, 64:
// 2,650 (the driver binds in time quadratic in the parameters, and compiles each
// statement anew: no prepared statement helps). Narrow tables (ledger keys) take
// more rows for the same parameters.
const sqliteBulkParams = 720

// BulkInsert writes rows (a slice of records) in multi-row INSERTs inside the
// caller's transaction: for bulk loads (seeding, ledger import). Records keep the
// IDs they carry (see ReserveIDs) or get new ones; hooks (BeforeCreate) run.
func (s *Store) BulkInsert(ctx context.Context, rows any) error {
	n := BulkBatch
	if s.dialect == DialectSQLite {
		n = 16
		st := &gorm.Statement{DB: s.db}
		if err := st.Parse(rows); err == nil && len(st.Schema.DBNames) > 0 {
			n = max(1, sqliteBulkParams/len(st.Schema.DBNames))
		}
	}
	return translate("model: bulk insert", s.w(ctx).CreateInBatches(rows, n).Error)
}

// bulkTables are the tables whose IDs ReserveIDs hands out.
var bulkTables = map[string]bool{"hazards": true, "hazard_events": true, "enterprises": true, "outbox": true}

// ReserveIDs returns n new IDs of table ("hazards", "hazard_events",
// "enterprises", "outbox"), ascending, for records written in bulk in this
// transaction: on PostgreSQL from the table's identity sequence (safe beside
// other writers); on SQLite past the largest ID ever given (the transaction holds
// the write lock from BEGIN, so no one else inserts until it ends). Rows with
// reserved IDs must be inserted before any other insert into table in the
// transaction. Only inside Tx.
func (s *Store) ReserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	if !bulkTables[table] || !s.inTx {
		return nil, fmt.Errorf("model: reserve ids of %q: only for %v, inside a transaction", table, bulkTables)
	}
	if n <= 0 {
		return nil, nil
	}
	if s.dialect == DialectPostgres {
		var ids []int64
		err := s.w(ctx).Raw("SELECT nextval(pg_get_serial_sequence(?, 'id')) AS id FROM generate_series(1, ?) ORDER BY 1", table, n).
			Scan(&ids).Error
		if err == nil && len(ids) != n {
			err = fmt.Errorf("got %d ids of %d", len(ids), n)
		}
		return ids, translate("model: reserve ids of "+table, err)
	}
	var last int64
	err := s.w(ctx).Raw(`SELECT MAX(v) FROM (SELECT COALESCE(MAX(id), 0) AS v FROM `+table+`
		UNION ALL SELECT seq FROM sqlite_sequence WHERE name = ?) t`, table).Scan(&last).Error
	if err != nil {
		return nil, translate("model: reserve ids of "+table, err)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last + int64(i) + 1
	}
	return ids, nil
}

// ReserveNumbers hands out k consecutive numbers of the named sequence in period
// at once (see NextNumber) and returns the last; the first is last-k+1.
func (s *Store) ReserveNumbers(ctx context.Context, name, period string, k int64) (int64, error) {
	var n int64
	err := s.w(ctx).Raw(`INSERT INTO counters (name, period, value) VALUES (?, ?, ?)
		ON CONFLICT (name, period) DO UPDATE SET value = counters.value + excluded.value
		RETURNING value`, name, period, k).Scan(&n).Error
	return n, translate("model: reserve numbers", err)
}

// MaxID returns the largest id of table ("hazards", "enterprises", …), 0 if empty.
func (s *Store) MaxID(ctx context.Context, table string) (int64, error) {
	var n *int64
	err := s.r(ctx).Table(table).Select("MAX(id)").Scan(&n).Error
	if n == nil {
		return 0, translate("model: max id", err)
	}
	return *n, translate("model: max id", err)
}

// Analyze refreshes the query planner's statistics after a bulk load.
func (s *Store) Analyze(ctx context.Context) error {
	return translate("model: analyze", s.w(ctx).Exec("ANALYZE").Error)
}

// Counter is a row of the counters table (see NextNumber).
type Counter struct {
	Name   string `gorm:"primaryKey"`
	Period string `gorm:"primaryKey"`
	Value  int64
}

// RaiseCounters makes each counter at least its given value, so that numbers
// handed out after a bulk load do not repeat the loaded ones.
func (s *Store) RaiseCounters(ctx context.Context, cs []Counter) error {
	for i := 0; i < len(cs); i += BulkBatch {
		batch := cs[i:min(i+BulkBatch, len(cs))]
		err := s.w(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "name"}, {Name: "period"}},
			DoUpdates: clause.Assignments(map[string]any{"value": gorm.Expr("CASE WHEN excluded.value > counters.value THEN excluded.value ELSE counters.value END")}),
		}).Create(&batch).Error
		if err != nil {
			return translate("model: raise counters", err)
		}
	}
	return nil
}

// SyncSequences moves PostgreSQL's identity sequences past rows inserted with
// explicit ids; SQLite's AUTOINCREMENT follows by itself.
func (s *Store) SyncSequences(ctx context.Context) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	for _, t := range []string{"hazards", "hazard_events", "enterprises", "escalations"} {
		err := s.w(ctx).Exec("SELECT setval(pg_get_serial_sequence(?, 'id'), COALESCE((SELECT MAX(id) FROM "+t+"), 0) + 1, false)", t).Error
		if err != nil {
			return translate("model: sync sequences", err)
		}
	}
	return nil
}

// Counters returns every counter, to continue numbering after them.
func (s *Store) Counters(ctx context.Context) ([]Counter, error) {
	var cs []Counter
	return cs, translate("model: counters", s.r(ctx).Find(&cs).Error)
}
