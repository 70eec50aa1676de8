package model_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// world is a migrated store holding a small territory, on which the store's
// tests run:
//
//	360000 江西省
//	  360100 南昌市 — 360102 东湖区, 360103 西湖区
//	  360400 九江市 — 360402 濂溪区
//	370000 山东省
//	  370100 济南市 — 370102 历下区
//
// with an enterprise (and its user) in each county, a supervisor of 南昌市 and an
// admin without a region.
type world struct {
	s     *model.Store
	url   string
	ctx   context.Context
	now   time.Time
	ent   map[string]int64 // the enterprise of each county
	admin int64
	seq   int
}

// counties are the world's counties, each with an enterprise.
var counties = []string{"360102", "360103", "360402", "370102"}

// eachWorld runs fn on a fresh world of every dialect modeltest.Dialects gives.
func eachWorld(t *testing.T, fn func(t *testing.T, w *world)) {
	t.Helper()
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, newWorld(t, d)) })
	}
}

func newWorld(tb testing.TB, dialect string) *world {
	tb.Helper()
	url := modeltest.URL(tb, dialect)
	w := &world{s: modeltest.OpenAt(tb, url), url: url, ctx: context.Background(),
		now: time.Date(2026, 3, 10, 2, 30, 0, 0, time.UTC), ent: map[string]int64{}}
	for _, r := range [][2]string{{"360000", "江西省"}, {"360100", "南昌市"}, {"360102", "东湖区"}, {"360103", "西湖区"},
		{"360400", "九江市"}, {"360402", "濂溪区"}, {"370000", "山东省"}, {"370100", "济南市"}, {"370102", "历下区"}} {
		reg := model.Region{Code: r[0], Name: r[1], Level: model.RegionLevelOf(r[0]), CreatedAt: w.now}
		switch reg.Level {
		case model.RegionCity:
			p := r[0][:2] + "0000"
			reg.ParentCode = &p
		case model.RegionCounty:
			p := r[0][:4] + "00"
			reg.ParentCode = &p
		}
		noErr(tb, w.s.CreateRegion(w.ctx, &reg))
	}
	admin := model.User{Username: "admin", PasswordHash: "x", Role: model.RoleAdmin, Active: true, CreatedAt: w.now}
	noErr(tb, w.s.CreateUser(w.ctx, &admin))
	w.admin = admin.ID
	city := "360100"
	noErr(tb, w.s.CreateUser(w.ctx, &model.User{Username: "sup-360100", PasswordHash: "x", Role: model.RoleSupervisor,
		RegionCode: &city, Active: true, CreatedAt: w.now}))
	for _, c := range counties {
		e := model.Enterprise{Name: "企业" + c, CreditCode: "CC" + c, RegionCode: c, CreatedAt: w.now}
		noErr(tb, w.s.CreateEnterprise(w.ctx, &e))
		w.ent[c] = e.ID
		region := c
		noErr(tb, w.s.CreateUser(w.ctx, &model.User{Username: "ent-" + c, PasswordHash: "x", Role: model.RoleEnterprise,
			RegionCode: &region, EnterpriseID: &e.ID, Active: true, CreatedAt: w.now}))
	}
	return w
}

// hazard creates a listed hazard in region (of the county's enterprise, if
// any), changed by edit first.
func (w *world) hazard(tb testing.TB, region string, edit func(*model.Hazard)) *model.Hazard {
	tb.Helper()
	w.seq++
	h := &model.Hazard{Code: fmt.Sprintf("YH-%s-%04d", region, w.seq), Title: fmt.Sprintf("隐患%d", w.seq),
		Source: model.SourceSelfInspection, Level: model.LevelGeneral, RegionCode: region, DiscoveredAt: w.now,
		State: model.StateListed, Version: 1, CreatedAt: w.now, UpdatedAt: w.now}
	if id, ok := w.ent[region]; ok {
		h.EnterpriseID = &id
	}
	if edit != nil {
		edit(h)
	}
	noErr(tb, w.s.CreateHazard(w.ctx, h))
	return h
}

// event appends a sealed event to h's log and moves h's chain head to it.
func (w *world) event(tb testing.TB, h *model.Hazard, ev model.Event) *model.HazardEvent {
	tb.Helper()
	e := &model.HazardEvent{HazardID: h.ID, Event: ev, FromState: h.State, ToState: h.State, ActorID: &w.admin,
		ActorName: "admin", Role: model.RoleAdmin, Payload: `{}`, CreatedAt: w.now}
	e.Seal(h.LastSeq, h.ChainHead)
	noErr(tb, w.s.AppendEvent(w.ctx, e))
	noErr(tb, w.s.SetChainHead(w.ctx, h.ID, e.Seq, e.Hash))
	h.LastSeq, h.ChainHead = e.Seq, e.Hash
	return e
}

// scopeCase is a scope and the regions (of the territory's rows, one per
// region) it must see; a test compares against the regions it has rows in.
type scopeCase struct {
	name  string
	scope model.Scope
	sees  []string
}

// scopeCases: a user sees their region and every region below it, never a
// sibling's or a parent's; an enterprise sees itself; the zero scope sees nothing.
func (w *world) scopeCases() []scopeCase {
	return []scopeCase{
		{"all", model.AllScope, []string{"360100", "360102", "360103", "360402", "370102"}},
		{"province", model.Scope{Region: "360000"}, []string{"360100", "360102", "360103", "360402"}},
		{"city", model.Scope{Region: "360100"}, []string{"360100", "360102", "360103"}},
		{"other city", model.Scope{Region: "360400"}, []string{"360402"}},
		{"county", model.Scope{Region: "360102"}, []string{"360102"}},
		{"sibling county", model.Scope{Region: "360103"}, []string{"360103"}},
		{"other province", model.Scope{Region: "370000"}, []string{"370102"}},
		{"enterprise", model.Scope{EnterpriseID: w.ent["360103"]}, []string{"360103"}},
		{"nothing", model.Scope{}, nil},
	}
}

// only keeps of want the regions present.
func only(want, present []string) []string {
	var out []string
	for _, r := range want {
		if slices.Contains(present, r) {
			out = append(out, r)
		}
	}
	return out
}

// sorted returns the values of rows given by key, sorted.
func sorted[T any](rows []T, key func(T) string) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, key(r))
	}
	slices.Sort(out)
	return out
}

// wantErr fails unless err is (or wraps) target.
func wantErr(tb testing.TB, err, target error) {
	tb.Helper()
	if !errors.Is(err, target) {
		tb.Fatalf("error %v, want %v", err, target)
	}
}

// TestTx: a transaction commits when fn returns nil and writes nothing when it
// returns an error; a Tx inside one joins it.
func TestTx(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		boom := errors.New("boom")
		h := func(code string) *model.Hazard {
			return &model.Hazard{Code: code, Title: "t", Source: model.SourceSelfInspection, Level: model.LevelGeneral,
				RegionCode: "360102", DiscoveredAt: w.now, State: model.StateDiscovered, Version: 1, CreatedAt: w.now, UpdatedAt: w.now}
		}
		err := w.s.Tx(w.ctx, func(tx *model.Store) error {
			noErr(t, tx.CreateHazard(w.ctx, h("T-1")))
			return tx.Tx(w.ctx, func(tx2 *model.Store) error {
				if tx2 != tx {
					t.Error("a nested Tx began a transaction of its own")
				}
				return boom
			})
		})
		wantErr(t, err, boom)
		if _, err := w.s.GetHazardByCode(w.ctx, "T-1"); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("a rolled-back hazard is there: %v", err)
		}
		inner := h("T-2")
		noErr(t, w.s.Tx(w.ctx, func(tx *model.Store) error { return tx.CreateHazard(w.ctx, inner) }))
		if got, err := w.s.GetHazard(w.ctx, inner.ID); err != nil || got.Code != "T-2" {
			t.Fatalf("committed hazard: %v, %v", got, err)
		}
	})
}

// TestNextNumber: numbers run 1, 2, … per name and period; a rolled-back
// transaction gives its number back; concurrent transactions never get the same.
func TestNextNumber(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		next := func(name, period string) int64 {
			n, err := w.s.NextNumber(w.ctx, name, period)
			noErr(t, err)
			return n
		}
		for i, c := range []struct {
			name, period string
			want         int64
		}{{"hazard", "a", 1}, {"hazard", "a", 2}, {"hazard", "b", 1}, {"doc", "a", 1}, {"hazard", "a", 3}} {
			if got := next(c.name, c.period); got != c.want {
				t.Errorf("%d: %s/%s got %d, want %d", i, c.name, c.period, got, c.want)
			}
		}
		err := w.s.Tx(w.ctx, func(tx *model.Store) error {
			if n, err := tx.NextNumber(w.ctx, "hazard", "a"); err != nil || n != 4 {
				t.Errorf("in the transaction: %d, %v", n, err)
			}
			return errors.New("roll back")
		})
		if err == nil {
			t.Fatal("rollback reported no error")
		}
		if got := next("hazard", "a"); got != 4 {
			t.Errorf("after a rollback got %d, want 4 (gap-free)", got)
		}

		const n = 16
		got := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				err := w.s.Tx(w.ctx, func(tx *model.Store) error {
					v, err := tx.NextNumber(w.ctx, "race", "p")
					got[i] = v
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, v := range got {
			if v != int64(i+1) {
				t.Fatalf("concurrent numbers %v, want 1..%d once each", got, n)
			}
		}
	})
}

// TestBackupAndIntegrity: on SQLite a backup is a consistent database that opens
// and holds the rows, and never overwrites a file; PostgreSQL refuses backups.
func TestBackupAndIntegrity(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h := w.hazard(t, "360102", nil)
		ok, err := w.s.IntegrityCheck(w.ctx)
		if err != nil || ok != "ok" {
			t.Fatalf("integrity check: %q, %v", ok, err)
		}
		path := filepath.Join(t.TempDir(), "backup.db")
		if w.s.Dialect() == model.DialectPostgres {
			if err := w.s.Backup(w.ctx, path); err == nil {
				t.Fatal("PostgreSQL backup did not refuse")
			}
			return
		}
		noErr(t, w.s.Backup(w.ctx, path))
		if err := w.s.Backup(w.ctx, path); err == nil {
			t.Error("backup overwrote an existing file")
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
		b := modeltest.OpenAt(t, path)
		got, err := b.GetHazard(w.ctx, h.ID)
		if err != nil || got.Code != h.Code {
			t.Fatalf("hazard in the backup: %+v, %v", got, err)
		}
	})
}

// errorsIsAny reports whether err is any of targets.
func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// TestTimeArgumentsInOtherZones: a time given in another zone than UTC means the
// same instant: the same rate-limit window, the same cut-offs.
func TestTimeArgumentsInOtherZones(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		cst := time.FixedZone("CST", 8*3600)
		win := w.now.Truncate(time.Minute)
		if _, err := w.s.Hit(w.ctx, "k", win); err != nil {
			t.Fatal(err)
		}
		if n, err := w.s.Hit(w.ctx, "k", win.In(cst)); err != nil || n != 2 {
			t.Errorf("a hit in CST of the same window counted %d, %v; want 2", n, err)
		}

		closed := w.now
		h := w.hazard(t, "360102", func(h *model.Hazard) { h.State, h.ClosedAt = model.StateWrittenOff, &closed })
		w.escalate(t, h, 4, nil)
		xs, err := w.s.ListExposures(w.ctx, model.ExposureFilter{ClosedSince: closed.Add(-time.Hour).In(cst), Limit: 10})
		if err != nil || len(xs) != 1 {
			t.Errorf("closed an hour after the cut-off (given in CST): %d exposures, %v; want 1", len(xs), err)
		}

		noErr(t, w.s.CreateSession(w.ctx, &model.Session{TokenHash: "s", UserID: w.admin, CreatedAt: w.now, ExpiresAt: w.now.Add(time.Hour)}))
		if u, _, err := w.s.SessionUser(w.ctx, "s", w.now.Add(30*time.Minute).In(cst)); err != nil || u.ID != w.admin {
			t.Errorf("a session half an hour from its end (now given in CST): %v, %v", u, err)
		}
	})
}
