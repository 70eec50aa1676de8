package model_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"hazardloop/model"
)

// TestLedgerImports: an import record keeps its file and outcome; old records go.
func TestLedgerImports(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		file := append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0, 0xff, 'x'}, 1000)...)
		old := model.LedgerImport{CreatedBy: w.admin, FileName: "旧.xlsx", DryRun: true, File: []byte("x"), Errors: "[]",
			CreatedAt: w.now.Add(-48 * time.Hour)}
		li := model.LedgerImport{CreatedBy: w.admin, FileName: "台账.xlsx", ValidOnly: true, Committed: true, TotalRows: 3,
			Created: 1, Updated: 1, Skipped: 1, Errors: `[{"row":3,"column":"等级","message":"无效"}]`, File: file, CreatedAt: w.now}
		noErr(t, w.s.CreateLedgerImport(w.ctx, &old))
		noErr(t, w.s.CreateLedgerImport(w.ctx, &li))
		got, err := w.s.GetLedgerImport(w.ctx, li.ID)
		noErr(t, err)
		if !bytes.Equal(got.File, file) || got.Errors != li.Errors || !got.Committed || !got.ValidOnly || got.DryRun ||
			got.TotalRows != 3 || got.Skipped != 1 || got.FileName != "台账.xlsx" {
			t.Errorf("read back %+v", got)
		}
		noErr(t, w.s.DeleteLedgerImportsBefore(w.ctx, w.now.Add(-time.Hour)))
		if li, err := w.s.GetLedgerImport(w.ctx, old.ID); li != nil || !errorsIsAny(err, model.ErrNotFound) {
			t.Errorf("an old import survived: %v, %v", li, err)
		}
		if _, err := w.s.GetLedgerImport(w.ctx, li.ID); err != nil {
			t.Errorf("a recent import went: %v", err)
		}
	})
}

// TestLedgerKeys: a fingerprint names one hazard; the bulk lookup finds the
// known fingerprints among many, past one statement's batch.
func TestLedgerKeys(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h1 := w.hazard(t, "360102", nil)
		h2 := w.hazard(t, "360103", nil)
		noErr(t, w.s.CreateLedgerKey(w.ctx, "fp-1", h1.ID))
		wantErr(t, w.s.CreateLedgerKey(w.ctx, "fp-1", h2.ID), model.ErrDuplicate)
		if id, err := w.s.LedgerKeyHazard(w.ctx, "fp-1"); err != nil || id != h1.ID {
			t.Errorf("LedgerKeyHazard(fp-1) = %d, %v", id, err)
		}
		if id, err := w.s.LedgerKeyHazard(w.ctx, "fp-none"); id != 0 || !errorsIsAny(err, model.ErrNotFound) {
			t.Errorf("LedgerKeyHazard(fp-none) = %d, %v", id, err)
		}

		var ks []model.LedgerKey
		var ask []string
		for i := range model.BulkBatch + 20 {
			fp := fmt.Sprintf("bulk-%05d", i)
			if i%3 == 0 {
				ks = append(ks, model.LedgerKey{Fingerprint: fp, HazardID: []int64{h1.ID, h2.ID}[i%2]})
			}
			ask = append(ask, fp, "missing-"+fp)
		}
		noErr(t, w.s.CreateLedgerKeys(w.ctx, nil))
		noErr(t, w.s.Tx(w.ctx, func(tx *model.Store) error { return tx.CreateLedgerKeys(w.ctx, ks) }))
		for name, s := range map[string]func(func(*model.Store) error) error{
			"outside a transaction": func(fn func(*model.Store) error) error { return fn(w.s) },
			"in a transaction":      func(fn func(*model.Store) error) error { return w.s.Tx(w.ctx, fn) },
		} {
			noErr(t, s(func(st *model.Store) error {
				got, err := st.LedgerKeyHazards(w.ctx, append(ask, "fp-1"))
				if err != nil {
					return err
				}
				if len(got) != len(ks)+1 || got["fp-1"] != h1.ID {
					t.Errorf("%s: found %d of %d keys", name, len(got), len(ks)+1)
				}
				for _, k := range ks {
					if got[k.Fingerprint] != k.HazardID {
						t.Errorf("%s: %s is hazard %d, want %d", name, k.Fingerprint, got[k.Fingerprint], k.HazardID)
						break
					}
				}
				return nil
			}))
		}
		if got, err := w.s.LedgerKeyHazards(w.ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("no fingerprints: %v, %v", got, err)
		}
	})
}

// TestLedgerLookups: the import's lookups of enterprises and regions by name and
// code, within the importer's territory.
func TestLedgerLookups(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		// The same name in two cities of 江西 and in 山东.
		for _, r := range []string{"360103", "360402", "370102"} {
			noErr(t, w.s.CreateEnterprise(w.ctx, &model.Enterprise{Name: "同名公司", CreditCode: "SAME" + r, RegionCode: r, CreatedAt: w.now}))
		}
		for _, c := range []struct {
			scope model.Scope
			limit int
			want  []string
		}{
			{model.AllScope, 10, []string{"360103", "360402", "370102"}},
			{model.Scope{Region: "360000"}, 10, []string{"360103", "360402"}},
			{model.Scope{Region: "360100"}, 10, []string{"360103"}},
			{model.Scope{Region: "360102"}, 10, nil},
			{model.AllScope, 2, []string{"360103", "360402"}},
			{model.Scope{}, 10, nil},
		} {
			es, err := w.s.FindEnterprises(w.ctx, c.scope, "同名公司", c.limit)
			noErr(t, err)
			var got []string
			for _, e := range es {
				got = append(got, e.RegionCode)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("FindEnterprises(%+v, limit %d) = %v, want %v", c.scope, c.limit, got, c.want)
			}
		}
		e, err := w.s.GetEnterpriseByCreditCode(w.ctx, "SAME360402")
		if err != nil || e.RegionCode != "360402" {
			t.Errorf("GetEnterpriseByCreditCode = %+v, %v", e, err)
		}
		if e, err := w.s.GetEnterpriseByCreditCode(w.ctx, "NONE"); e != nil || !errorsIsAny(err, model.ErrNotFound) {
			t.Errorf("missing credit code: %+v, %v", e, err)
		}
		es, err := w.s.EnterprisesByID(w.ctx, []int64{w.ent["360102"], w.ent["370102"], 999_999})
		noErr(t, err)
		if got := sorted(es, func(e model.Enterprise) string { return e.RegionCode }); !slices.Equal(got, []string{"360102", "370102"}) {
			t.Errorf("EnterprisesByID found %v", got)
		}
		if es, err := w.s.EnterprisesByID(w.ctx, nil); err != nil || es != nil {
			t.Errorf("EnterprisesByID(nil) = %v, %v", es, err)
		}
	})
}
