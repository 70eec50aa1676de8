package model

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// BulkBatch is how many rows one INSERT of a bulk load carries. The SQLite driver
// binds parameters in time quadratic in their number, so SQLite takes small
// statements (measured: 500 rows of hazards spent 78% of a load binding).
const BulkBatch = 500

const sqliteBulkBatch = 16

// BulkInsert writes rows (a slice of records) in multi-row INSERTs inside the
// caller's transaction: for seeding large demo data sets, not for workflow writes.
func (s *Store) BulkInsert(ctx context.Context, rows any) error {
	n := BulkBatch
	if s.dialect == DialectSQLite {
		n = sqliteBulkBatch
	}
	return translate("model: bulk insert", s.w(ctx).CreateInBatches(rows, n).Error)
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
