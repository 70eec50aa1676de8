package model_test

import (
	"context"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"

	"hazardloop/migrations"
	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// TestMigrationVersionsMatch: both dialects carry the same numbered migrations.
func TestMigrationVersionsMatch(t *testing.T) {
	versions := func(dir string) []string {
		entries, err := fs.ReadDir(migrations.FS, dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, strings.SplitN(e.Name(), "_", 2)[0])
		}
		return out
	}
	sq, pg := versions("sqlite"), versions("postgres")
	if len(sq) == 0 || !slices.Equal(sq, pg) {
		t.Fatalf("sqlite migrations %v, postgres %v", sq, pg)
	}
}

// schema is a dialect-neutral picture: "table.column" and
// "index(table: col, col) unique partial".
type schema struct {
	columns []string
	indexes []string
}

func readSchema(t *testing.T, s *model.Store) schema {
	t.Helper()
	ctx := context.Background()
	var sc schema
	type col struct{ Tbl, Col string }
	type idx struct {
		Name, Tbl, Col string
		Uniq, Part     bool
		Pos            int
	}
	var cols []col
	var idxs []idx
	if s.Dialect() == model.DialectSQLite {
		if err := s.Raw(ctx, &cols, `SELECT m.name AS tbl, p.name AS col FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'`); err != nil {
			t.Fatal(err)
		}
		if err := s.Raw(ctx, &idxs, `SELECT l.name AS name, m.name AS tbl, i.name AS col, l."unique" AS uniq, l.partial AS part, i.seqno AS pos
			FROM sqlite_master m, pragma_index_list(m.name) l, pragma_index_info(l.name) i
			WHERE m.type = 'table' AND m.name <> 'goose_db_version' AND l.origin = 'c'`); err != nil {
			t.Fatal(err)
		}
	} else {
		if err := s.Raw(ctx, &cols, `SELECT table_name AS tbl, column_name AS col FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`); err != nil {
			t.Fatal(err)
		}
		if err := s.Raw(ctx, &idxs, `SELECT i.relname AS name, c.relname AS tbl, a.attname AS col, x.indisunique AS uniq,
				x.indpred IS NOT NULL AS part, array_position(x.indkey::int2[], a.attnum) - 1 AS pos
			FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(x.indkey)
			WHERE n.nspname = current_schema() AND NOT x.indisprimary AND c.relname <> 'goose_db_version'`); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cols {
		sc.columns = append(sc.columns, c.Tbl+"."+c.Col)
	}
	byName := map[string][]idx{}
	for _, i := range idxs {
		byName[i.Name] = append(byName[i.Name], i)
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		parts := byName[name]
		slices.SortFunc(parts, func(a, b idx) int { return a.Pos - b.Pos })
		var cs []string
		for _, p := range parts {
			cs = append(cs, p.Col)
		}
		d := name + "(" + parts[0].Tbl + ": " + strings.Join(cs, ", ") + ")"
		if parts[0].Uniq {
			d += " unique"
		}
		if parts[0].Part {
			d += " partial"
		}
		sc.indexes = append(sc.indexes, d)
	}
	slices.Sort(sc.columns)
	return sc
}

// TestDialectsReachSameSchema migrates both dialects and compares their tables,
// columns and indexes. It needs PostgreSQL (HAZARDLOOP_TEST_DATABASE_URL).
func TestDialectsReachSameSchema(t *testing.T) {
	sq := readSchema(t, modeltest.Open(t, model.DialectSQLite))
	pg := readSchema(t, modeltest.Open(t, model.DialectPostgres))
	if len(sq.columns) < 50 || len(sq.indexes) < 8 {
		t.Fatalf("sqlite schema looks empty: %d columns, %d indexes", len(sq.columns), len(sq.indexes))
	}
	diff := func(what string, a, b []string) {
		for _, x := range a {
			if !slices.Contains(b, x) {
				t.Errorf("%s %s is in sqlite only", what, x)
			}
		}
		for _, x := range b {
			if !slices.Contains(a, x) {
				t.Errorf("%s %s is in postgres only", what, x)
			}
		}
	}
	diff("column", sq.columns, pg.columns)
	diff("index", sq.indexes, pg.indexes)
}

// TestMigrateTwice: migrating an up-to-date database is a no-op and leaves nothing
// pending.
func TestMigrateTwice(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			s := modeltest.Open(t, d)
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			pending, err := s.MigrationsPending(context.Background())
			if err != nil || pending {
				t.Fatalf("pending=%v err=%v", pending, err)
			}
		})
	}
}
