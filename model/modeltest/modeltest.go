// Package modeltest opens real, migrated databases for tests: a fresh SQLite file
// per test, and a fresh PostgreSQL schema per test when HAZARDLOOP_TEST_DATABASE_URL
// is set.
package modeltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"hazardloop/model"
)

// EnvPostgres names the PostgreSQL server that tests may use.
const EnvPostgres = "HAZARDLOOP_TEST_DATABASE_URL"

// Dialects lists the dialects to run a test on: SQLite always, PostgreSQL when
// EnvPostgres is set.
func Dialects() []string {
	if os.Getenv(EnvPostgres) != "" {
		return []string{model.DialectSQLite, model.DialectPostgres}
	}
	return []string{model.DialectSQLite}
}

// Open returns a migrated store of dialect, closed (and for PostgreSQL dropped)
// when the test ends. A PostgreSQL test skips with a message if EnvPostgres is not
// set.
func Open(tb testing.TB, dialect string) *model.Store {
	tb.Helper()
	return OpenAt(tb, URL(tb, dialect))
}

// OpenAt opens and migrates the database at url (from URL), closed when the test
// ends. Several stores on one URL behave like several service replicas.
func OpenAt(tb testing.TB, url string) *model.Store {
	tb.Helper()
	s, err := model.Open(url)
	if err != nil {
		tb.Fatalf("open %s: %v", url, err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", url, err)
	}
	return s
}

// URL returns a database URL of dialect for this test alone: a new SQLite file in
// the test's temporary directory, or a new PostgreSQL schema (dropped at the end).
func URL(tb testing.TB, dialect string) string {
	tb.Helper()
	if dialect == model.DialectSQLite {
		return filepath.Join(tb.TempDir(), "test.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		tb.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvPostgres)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := model.Open(base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	if err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		_ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
