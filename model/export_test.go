package model

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// BulkInsertAsRows is BulkInsert's fallback, gorm's multi-row INSERT with bound
// parameters: the reference bulkJSON's rows are held to.
func (s *Store) BulkInsertAsRows(ctx context.Context, rows any) error {
	st := &gorm.Statement{DB: s.db}
	if err := st.Parse(rows); err != nil {
		return err
	}
	return s.bulkRows(ctx, st.Schema, rows)
}

// Rows runs query q and calls fn with each row's columns and values as the
// driver gives them.
func (s *Store) Rows(ctx context.Context, q string, fn func(cols []string, vals []any)) error {
	rows, err := s.r(ctx).Raw(q).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		fn(cols, vals)
	}
	return rows.Err()
}

// BulkEncoded reports whether BulkInsert would write rows by its own statements
// (JSON on SQLite, arrays on PostgreSQL) rather than gorm's bound rows.
func (s *Store) BulkEncoded(ctx context.Context, rows any) (bool, error) {
	b, err := s.EncodeBulk(ctx, rows)
	if err != nil {
		return false, err
	}
	return b.rows == nil, nil
}

// SetAuditBatch makes VerifyAudit read n entries at a time until the returned
// function restores it.
func SetAuditBatch(n int) func() {
	old := auditVerifyBatch
	auditVerifyBatch = n
	return func() { auditVerifyBatch = old }
}

// ListStatements is how many hazard-list statements the store keeps prepared
// (always 0 on PostgreSQL).
func (s *Store) ListStatements() int {
	if s.listStmts == nil {
		return 0
	}
	s.listStmts.mu.Lock()
	defer s.listStmts.mu.Unlock()
	return len(s.listStmts.m)
}

// FillListStatements prepares trivial statements until the cache is full.
func (s *Store) FillListStatements(ctx context.Context) {
	for i := 0; s.listStmts.get(ctx, fmt.Sprintf("SELECT %d", i)) != nil; i++ {
	}
}

// TerritoryPagesPlanMode is plan_cache_mode on the connections a territory's
// list pages run on ("" on SQLite, which has none).
func (s *Store) TerritoryPagesPlanMode(ctx context.Context) (string, error) {
	if s.territoryPages == nil {
		return "", nil
	}
	var mode string
	err := s.territoryPages.QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&mode)
	return mode, err
}
