package model_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// TestReserve: IDs reserved in a transaction lie past every ID given before, the
// rows written with them are found under them, and the next ordinary insert
// follows them; numbers are reserved in consecutive runs.
func TestReserve(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			s := modeltest.Open(t, d)
			if _, err := s.ReserveIDsOf(ctx, map[string]int{"hazards": 3}); err == nil {
				t.Error("ReserveIDsOf outside a transaction")
			}
			now := time.Now().UTC().Truncate(time.Microsecond)
			noErr(t, s.Exec(ctx, "INSERT INTO regions (code, name, level, created_at) VALUES ('360000', '江西省', 1, ?)", now))
			ent := func(name, code string) model.Enterprise {
				return model.Enterprise{Name: name, CreditCode: code, RegionCode: "360000", CreatedAt: now}
			}
			first := ent("甲", "A")
			noErr(t, s.CreateEnterprise(ctx, &first))
			var ids []int64
			noErr(t, s.Tx(ctx, func(tx *model.Store) error {
				got, err := tx.ReserveIDsOf(ctx, map[string]int{"enterprises": 3})
				if err != nil {
					return err
				}
				ids = got["enterprises"]
				es := []model.Enterprise{ent("乙", "B"), ent("丙", "C"), ent("丁", "D")}
				for i := range es {
					es[i].ID = ids[i]
				}
				return tx.BulkInsert(ctx, &es)
			}))
			if !slices.IsSorted(ids) || len(ids) != 3 || ids[0] <= first.ID {
				t.Fatalf("reserved %v after %d", ids, first.ID)
			}
			got, err := s.GetEnterprise(ctx, ids[2])
			noErr(t, err)
			next := ent("戊", "E")
			noErr(t, s.CreateEnterprise(ctx, &next))
			if got.CreditCode != "D" || next.ID <= ids[2] {
				t.Errorf("enterprise %d is %q; the next insert got id %d", ids[2], got.CreditCode, next.ID)
			}

			noErr(t, s.Tx(ctx, func(tx *model.Store) error {
				// Several tables at once: each run ascending, past what was given.
				got, err := tx.ReserveIDsOf(ctx, map[string]int{"enterprises": 2, "hazards": 3, "outbox": 0})
				if err != nil {
					return err
				}
				if e := got["enterprises"]; len(e) != 2 || !slices.IsSorted(e) || e[0] <= next.ID || len(got["hazards"]) != 3 ||
					!slices.IsSorted(got["hazards"]) || len(got["outbox"]) != 0 {
					t.Errorf("reserved %v after enterprise %d", got, next.ID)
				}
				return nil
			}))

			noErr(t, s.Tx(ctx, func(tx *model.Store) error {
				n, err := tx.NextNumber(ctx, "hazard", "p")
				if err != nil || n != 1 {
					t.Errorf("first number %d, %v", n, err)
				}
				last, err := tx.ReserveNumbersIn(ctx, "hazard", map[string]int64{"p": 5})
				if err != nil || last["p"] != 6 {
					t.Errorf("five more end at %d, %v", last["p"], err)
				}
				last, err = tx.ReserveNumbersIn(ctx, "hazard", map[string]int64{"q": 4})
				if err != nil || last["q"] != 4 {
					t.Errorf("four of a new period end at %d, %v", last["q"], err)
				}
				// Several periods in one statement, a new one among them.
				lasts, err := tx.ReserveNumbersIn(ctx, "hazard", map[string]int64{"p": 2, "q": 3, "r": 7})
				if err != nil || lasts["p"] != 8 || lasts["q"] != 7 || lasts["r"] != 7 || len(lasts) != 3 {
					t.Errorf("p, q, r end at %v, %v", lasts, err)
				}
				return nil
			}))
		})
	}
}

func noErr(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// bulkHazards are hazards (and two events each) whose values try every way a
// JSON round trip could differ from a bound parameter: quotes, backslashes,
// control characters, text that looks like numbers or JSON, floats without a
// short decimal form, nanoseconds, times in other zones, dates, NULLs.
func bulkHazards(n int, firstID int64) ([]model.Hazard, []model.HazardEvent) {
	texts := []string{"", `"quoted" \back\slash`, "line\nfeed\r\ttab\x01\x1f", "00123", "1e5", "-0", "null", "true",
		`{"a":[1,2]}`, "emoji 😀 中文 \u2028\u2029", "'single'", "trailing space ", strings.Repeat("长", 3000)}
	floats := []float64{0, 0.1, 12.75, 1.0 / 3, 123456.7891, -42.5, 2.2250738585072014e-308, 9999999999.9999, 0.30000000000000004}
	rng := rand.New(rand.NewPCG(7, 11))
	at := time.Date(2026, 3, 5, 8, 30, 15, 123456789, time.UTC)
	var hs []model.Hazard
	var evs []model.HazardEvent
	for i := range n {
		txt := func(k int) string { return texts[(i+k)%len(texts)] }
		f := floats[i%len(floats)]
		if i%3 == 2 {
			f = math.Round(rng.Float64()*1e8) / 1e4 // NUMERIC(14,4) on PostgreSQL
		}
		when := at.Add(time.Duration(i) * 7919 * time.Millisecond).Add(time.Duration(rng.IntN(1000)) * time.Nanosecond)
		if i%4 == 1 {
			when = when.In(time.FixedZone("CST", 8*3600))
		}
		d := model.DateIn(when, time.UTC)
		h := model.Hazard{
			ID: firstID + int64(i), Code: fmt.Sprintf("YH-360000-20260305-%04d", i), Title: "隐患" + txt(0), Description: txt(1),
			Source: model.SourceSelfInspection, Level: model.LevelGeneral, Industry: txt(2), RegionCode: "360000",
			Location: txt(3), DiscoveredAt: when, State: model.StateRectifying, Version: 1 + i%5, EscalationLevel: i % 4,
			ListedSupervision: i%2 == 0, ProductionSuspended: i%3 == 0, BasisClause: txt(4), Measures: txt(5),
			ResponsiblePhone: txt(6), FundsSource: txt(7), EmergencyPlan: txt(8), LastSeq: 2, ChainHead: fmt.Sprintf("%064x", i),
			CreatedAt: when, UpdatedAt: when.Add(time.Hour),
		}
		if i%5 != 0 {
			h.Funds, h.Deadline, h.DueOn, h.ListedAt = &f, &d, &d, &when
		}
		if i >= 2000 { // NULL in every row of the first two batches, not the third
			h.VerifiedAt = &when
		}
		hs = append(hs, h)
		for seq := int64(1); seq <= 2; seq++ {
			evs = append(evs, model.HazardEvent{
				ID: 2*(firstID+int64(i)) + seq, HazardID: h.ID, Seq: seq, Event: model.EventCreate, ToState: model.StateDiscovered,
				ActorName: txt(int(seq)), Role: model.RoleAdmin, Comment: txt(9), Payload: model.JSONText(`{"k":"` + txt(10) + `"}`),
				CreatedAt: when, PrevHash: "", Hash: fmt.Sprintf("%064x", 2*i+int(seq)),
			})
		}
	}
	return hs, evs
}

// TestBulkJSONAsBoundRows: rows written through BulkInsert's own statements
// (one JSON parameter on SQLite; on PostgreSQL binary COPY in a transaction,
// typed arrays outside one) are, column for
// column (value and, on SQLite, storage class), the rows gorm's bound
// multi-row INSERT writes; more rows than one statement carries; a record
// BulkInsert cannot carry so (a zero ID, which the database must fill) still
// goes in, through the fallback.
func TestBulkJSONAsBoundRows(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			hs, evs := bulkHazards(2500, 1)
			dump := func(bulk func(*model.Store, context.Context, any) error) map[string][]string {
				s := openWithRegion(t, d)
				h2, e2 := slices.Clone(hs), slices.Clone(evs)
				noErr(t, s.Tx(ctx, func(tx *model.Store) error {
					if err := bulk(tx, ctx, &h2); err != nil {
						return err
					}
					return bulk(tx, ctx, &e2)
				}))
				return map[string][]string{"hazards": tableDump(t, s, "hazards"), "hazard_events": tableDump(t, s, "hazard_events")}
			}
			s0 := modeltest.Open(t, d)
			h0, e0 := slices.Clone(hs), slices.Clone(evs)
			for _, rows := range []any{&h0, &e0} {
				if ok, err := s0.BulkEncoded(ctx, rows); err != nil || !ok {
					t.Fatalf("%T go as bound rows (%v), not by BulkInsert's own statements", rows, err)
				}
			}
			want := dump((*model.Store).BulkInsertAsRows)
			for how, got := range map[string]map[string][]string{
				// In a transaction: JSON on SQLite, COPY on PostgreSQL.
				"in a transaction": dump((*model.Store).BulkInsert),
				// Outside: JSON on SQLite, typed arrays on PostgreSQL.
				"outside a transaction": dumpOutside(t, d, hs, evs),
			} {
				for table, rows := range want {
					if len(rows) < 2500 || len(got[table]) != len(rows) {
						t.Fatalf("%s, %s: %d rows by BulkInsert, %d bound", how, table, len(got[table]), len(rows))
					}
					for i := range rows {
						if got[table][i] != rows[i] {
							t.Fatalf("%s, %s row %d:\n bulk  %s\n bound %s", how, table, i, got[table][i], rows[i])
						}
					}
				}
			}

			s := openWithRegion(t, d)
			es := []model.Enterprise{{Name: "甲", CreditCode: "A", RegionCode: "360000", CreatedAt: time.Now().UTC()}}
			noErr(t, s.Tx(ctx, func(tx *model.Store) error { return tx.BulkInsert(ctx, &es) }))
			if es[0].ID == 0 {
				t.Error("the fallback gave the enterprise no ID")
			}
		})
	}
}

// openWithRegion opens a fresh store of dialect d holding the region the bulk
// records lie in.
func openWithRegion(t *testing.T, d string) *model.Store {
	t.Helper()
	s := modeltest.Open(t, d)
	noErr(t, s.Exec(context.Background(), "INSERT INTO regions (code, name, level, created_at) VALUES ('360000', '江西省', 1, ?)", time.Now().UTC()))
	return s
}

// dumpOutside writes hs and evs by BulkInsert outside a transaction and
// returns the tables' rows as tableDump gives them.
func dumpOutside(t *testing.T, d string, hs []model.Hazard, evs []model.HazardEvent) map[string][]string {
	ctx := context.Background()
	s := openWithRegion(t, d)
	h2, e2 := slices.Clone(hs), slices.Clone(evs)
	noErr(t, s.BulkInsert(ctx, &h2))
	noErr(t, s.BulkInsert(ctx, &e2))
	return map[string][]string{"hazards": tableDump(t, s, "hazards"), "hazard_events": tableDump(t, s, "hazard_events")}
}

// tableDump returns each row of table, by id, as text: every column's value
// and, on SQLite, its storage class.
func tableDump(t *testing.T, s *model.Store, table string) []string {
	t.Helper()
	var out []string
	err := s.Rows(context.Background(), "SELECT * FROM "+table+" ORDER BY id", func(cols []string, vals []any) {
		var b strings.Builder
		for i, v := range vals {
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339Nano)
			}
			fmt.Fprintf(&b, "%s=%T:%v ", cols[i], v, v)
		}
		out = append(out, b.String())
	})
	noErr(t, err)
	if s.Dialect() == model.DialectSQLite {
		// The storage class of each column, which a text time or a
		// number-looking text would change.
		var cols []string
		noErr(t, s.Rows(context.Background(), "SELECT name FROM pragma_table_info('"+table+"')", func(_ []string, v []any) {
			cols = append(cols, fmt.Sprint(v[0]))
		}))
		q := "SELECT " + strings.Join(slices.Collect(func(yield func(string) bool) {
			for _, c := range cols {
				if !yield("typeof(" + c + ")") {
					return
				}
			}
		}), " || ',' || ") + " FROM " + table + " ORDER BY id"
		i := 0
		noErr(t, s.Rows(context.Background(), q, func(_ []string, v []any) {
			out[i] += fmt.Sprint(v[0])
			i++
		}))
	}
	return out
}

// TestGated: every statement of a gated store, COPY included, runs its gate
// first, and the gate's error is the statement's; the transaction's own store
// runs no gate.
func TestGated(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			s := openWithRegion(t, d)
			hs, evs := bulkHazards(3, 1)
			closed := errors.New("gate closed")
			var calls int
			var fail bool
			err := s.Tx(ctx, func(tx *model.Store) error {
				g := tx.Gated(func() error {
					calls++
					if fail {
						return closed
					}
					return nil
				})
				if err := g.BulkInsert(ctx, &hs); err != nil { // COPY on PostgreSQL
					return err
				}
				afterInsert := calls
				if _, err := g.GetHazard(ctx, hs[0].ID); err != nil {
					return err
				}
				if afterInsert == 0 || calls != afterInsert+1 {
					t.Errorf("gate ran %d times for the insert, %d in all after one lookup", afterInsert, calls)
				}
				if err := tx.BulkInsert(ctx, &evs); err != nil { // the ungated store
					return err
				}
				if calls != afterInsert+1 {
					t.Errorf("the transaction's own store ran the gate")
				}
				fail = true
				if _, err := g.GetHazard(ctx, hs[1].ID); !errors.Is(err, closed) {
					t.Errorf("lookup through a closed gate: %v", err)
				}
				if err := g.BulkInsert(ctx, &[]model.Hazard{hs[2]}); !errors.Is(err, closed) {
					t.Errorf("insert through a closed gate: %v", err)
				}
				return nil
			})
			noErr(t, err)
		})
	}
}

// TestBulkFailureMidway: when a later statement of a bulk write fails (here
// events whose hazard does not exist, after their hazards went in), the
// error comes back, the transaction writes nothing, and the connection
// serves the next transactions (on PostgreSQL the COPYs go in one round
// trip and their results are read back in full).
func TestBulkFailureMidway(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			s := openWithRegion(t, d)
			hs, evs := bulkHazards(1500, 1)
			evs[len(evs)-1].HazardID = 999_999 // no such hazard
			// Hazards and events encoded apart, written by one InsertBulk.
			both := func(hs []model.Hazard, evs []model.HazardEvent) error {
				return s.Tx(ctx, func(tx *model.Store) error {
					hb, err := tx.EncodeBulk(ctx, &hs)
					if err != nil {
						return err
					}
					eb, err := tx.EncodeBulk(ctx, &evs)
					if err != nil {
						return err
					}
					return tx.InsertBulk(ctx, hb, eb)
				})
			}
			if err := both(hs, evs); err == nil {
				t.Fatal("events of a hazard that does not exist went in")
			}
			for range 3 { // the pool's connections, the one that failed among them
				var n int64
				noErr(t, s.Tx(ctx, func(tx *model.Store) error {
					return tx.Raw(ctx, &n, "SELECT COUNT(*) FROM hazards")
				}))
				if n != 0 {
					t.Fatalf("%d hazards written by a failed transaction", n)
				}
			}
			h2, e2 := bulkHazards(1500, 1)
			noErr(t, both(h2, e2))
			var n int64
			noErr(t, s.Raw(ctx, &n, "SELECT COUNT(*) FROM hazard_events"))
			if n != int64(len(e2)) {
				t.Errorf("%d events after the good write, want %d", n, len(e2))
			}
		})
	}
}

// TestBulkCancelled: a bulk write whose context is cancelled while it runs
// fails with the context's error rather than hanging, and the store goes on.
func TestBulkCancelled(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			s := openWithRegion(t, d)
			bg := context.Background()
			hs, _ := bulkHazards(20000, 1)
			ctx, cancel := context.WithCancel(bg)
			err := s.Tx(ctx, func(tx *model.Store) error {
				b, err := tx.EncodeBulk(ctx, &hs)
				if err != nil {
					return err
				}
				time.AfterFunc(5*time.Millisecond, cancel)
				return tx.InsertBulk(ctx, b)
			})
			cancel()
			if err == nil {
				t.Log("the write finished before the cancel") // a fast machine: nothing to hold it to
			}
			var n int64
			noErr(t, s.Raw(bg, &n, "SELECT COUNT(*) FROM hazards"))
			if err != nil && n != 0 {
				t.Errorf("%d hazards written by a cancelled transaction", n)
			}
			h2, _ := bulkHazards(10, 1)
			noErr(t, s.Tx(bg, func(tx *model.Store) error { return tx.BulkInsert(bg, &h2) }))
		})
	}
}
