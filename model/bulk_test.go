package model_test

import (
	"context"
	"slices"
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
			if _, err := s.ReserveIDs(ctx, "hazards", 3); err == nil {
				t.Error("ReserveIDs outside a transaction")
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
				var err error
				if ids, err = tx.ReserveIDs(ctx, "enterprises", 3); err != nil {
					return err
				}
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
				n, err := tx.NextNumber(ctx, "hazard", "p")
				if err != nil || n != 1 {
					t.Errorf("first number %d, %v", n, err)
				}
				last, err := tx.ReserveNumbers(ctx, "hazard", "p", 5)
				if err != nil || last != 6 {
					t.Errorf("five more end at %d, %v", last, err)
				}
				last, err = tx.ReserveNumbers(ctx, "hazard", "q", 4)
				if err != nil || last != 4 {
					t.Errorf("four of a new period end at %d, %v", last, err)
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
