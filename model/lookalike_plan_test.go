package model

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// TestLookalikePlan: the duplicate lookup's place read ranges over the
// partial index of open located hazards (00037) on both engines, never the
// table; its newest read walks the county's index by id.
func TestLookalikePlan(t *testing.T) {
	ctx := context.Background()
	box := &Box{MinLat: 28.67, MaxLat: 28.69, MinLng: 115.84, MaxLng: 115.86}
	cases := []struct {
		name string
		q    LookalikeQuery
	}{
		{"county supervisor", LookalikeQuery{Scope: Scope{Region: "360102"}, County: "360102", Box: box}},
		{"city supervisor", LookalikeQuery{Scope: Scope{Region: "360100"}, County: "360102", Box: box, Except: 7}},
		{"township officer", LookalikeQuery{Scope: Scope{Region: "360102002"}, County: "360102", Box: box}},
		{"housing bureau", LookalikeQuery{Scope: Scope{Region: "360102", Department: DeptHousing, MajorToo: true}, County: "360102", Box: box}},
		{"public", LookalikeQuery{Scope: AllScope, County: "360102", Box: box, Public: true}},
	}
	sql := func(s *Store, g *gorm.DB) (string, []any) {
		st := g.Session(&gorm.Session{DryRun: true}).Find(&[]Hazard{}).Statement
		return st.SQL.String(), st.Vars
	}
	t.Run("sqlite", func(t *testing.T) {
		s := planStore(t)
		for _, c := range cases {
			near, _, ok := s.lookalikeReads(ctx, c.q)
			if !ok || near == nil {
				t.Fatalf("%s: no read", c.name)
			}
			q, args := sql(s, near)
			p := plan(t, s, q, args...)
			t.Log(c.name, p)
			if !strings.Contains(p, "hazards_open_place_idx (region_county=? AND latitude>? AND latitude<?)") {
				t.Errorf("%s: plan %q, want a range of hazards_open_place_idx", c.name, p)
			}
		}
		_, recent, _ := s.lookalikeReads(ctx, LookalikeQuery{Scope: Scope{Region: "360102"}, County: "360102", Recent: 300})
		q, args := sql(s, recent)
		if p := plan(t, s, q, args...); strings.Contains(p, "TEMP B-TREE") || !strings.Contains(p, "hazards_region_county_idx") {
			t.Errorf("newest: plan %q, want the county's index in id order", p)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		s := pgPlanStore(t)
		for _, c := range cases {
			near, _, _ := s.lookalikeReads(ctx, c.q)
			q, args := sql(s, near)
			// An empty table is read whole whatever the indexes; with
			// sequential scans priced out, the plan shows the index is usable
			// (its predicate implied by the query's).
			var lines []string
			err := s.Tx(ctx, func(tx *Store) error {
				if err := tx.w(ctx).Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
					return err
				}
				return tx.w(ctx).Raw("EXPLAIN "+q, args...).Scan(&lines).Error
			})
			if err != nil {
				t.Fatal(err)
			}
			p := strings.Join(lines, "; ")
			t.Log(c.name, p)
			if !strings.Contains(p, "hazards_open_place_idx") || !strings.Contains(p, "latitude >=") {
				t.Errorf("%s: plan %q, want hazards_open_place_idx ranging on latitude", c.name, p)
			}
		}
	})
}

// pgPlanStore is an empty, migrated PostgreSQL schema of the test's own; the
// test skips without HAZARDLOOP_TEST_DATABASE_URL.
func pgPlanStore(t *testing.T) *Store {
	t.Helper()
	base := os.Getenv("HAZARDLOOP_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("set HAZARDLOOP_TEST_DATABASE_URL for the PostgreSQL plan")
	}
	admin, err := Open(base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "p_" + hex.EncodeToString(b)
	if err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	v := u.Query()
	v.Set("search_path", schema)
	u.RawQuery = v.Encode()
	s, err := Open(u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}
