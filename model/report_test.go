package model_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"hazardloop/model"
)

// report files a public report behind hazard, changed by edit first.
func (w *world) report(tb testing.TB, hazard int64, edit func(*model.Report)) *model.Report {
	tb.Helper()
	w.seq++
	r := &model.Report{HazardID: hazard, CodeHash: fmt.Sprintf("code-%d", w.seq), IntakeSeq: int64(w.seq),
		ReceivedAt: w.now.Add(time.Duration(w.seq) * time.Second), CheckDue: model.NewDate(2026, 3, 17), Reward: model.Reward{Status: model.RewardNone}}
	if edit != nil {
		edit(r)
	}
	noErr(tb, w.s.CreateReport(w.ctx, r))
	return r
}

// TestReports: a tracking code finds one report; an update writes what changes
// after intake; checking marks only unchecked reports; a hazard's reports
// include those of the hazards merged into it.
func TestReports(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h := w.hazard(t, "360102", func(h *model.Hazard) { h.Source = model.SourcePublicReport })
		dup := w.hazard(t, "360102", func(h *model.Hazard) { h.State = model.StateDismissed })
		lat, lng := 28.68, 115.89
		r := w.report(t, h.ID, func(r *model.Report) { r.Latitude, r.Longitude, r.ContactSealed = &lat, &lng, "sealed" })
		earlier := w.now.Add(-time.Hour)
		checked := w.report(t, h.ID, func(r *model.Report) { r.CheckedAt = &earlier })
		merged := w.report(t, dup.ID, nil)
		w.report(t, w.hazard(t, "360103", nil).ID, nil)
		wantErr(t, w.s.CreateReport(w.ctx, &model.Report{HazardID: h.ID, CodeHash: r.CodeHash, ReceivedAt: w.now, CheckDue: r.CheckDue,
			Reward: model.Reward{Status: model.RewardNone}}), model.ErrDuplicate)

		got, err := w.s.GetReportByCode(w.ctx, r.CodeHash)
		noErr(t, err)
		if got.ID != r.ID || got.ContactSealed != "sealed" || got.Latitude == nil || *got.Latitude != lat {
			t.Errorf("by code %+v", got)
		}
		for name, get := range map[string]func() (*model.Report, error){
			"id":   func() (*model.Report, error) { return w.s.GetReport(w.ctx, 999_999) },
			"code": func() (*model.Report, error) { return w.s.GetReportByCode(w.ctx, "nope") },
		} {
			if r, err := get(); r != nil || !errorsIsAny(err, model.ErrNotFound) {
				t.Errorf("missing report by %s: %+v, %v", name, r, err)
			}
		}

		fine := 5000.0
		upd := *got
		upd.Answer, upd.AnsweredAt, upd.Reward.Status, upd.Fine = "已查处", &w.now, model.RewardEligible, &fine
		upd.Address, upd.ContactSealed = "forged", "forged" // intake columns: never rewritten
		noErr(t, w.s.UpdateReport(w.ctx, &upd))
		got, err = w.s.GetReport(w.ctx, r.ID)
		noErr(t, err)
		if got.Answer != "已查处" || got.Reward.Status != model.RewardEligible || got.Fine == nil || *got.Fine != fine ||
			got.Address != "" || got.ContactSealed != "sealed" {
			t.Errorf("after update %+v", got)
		}

		noErr(t, w.s.MarkReportsChecked(w.ctx, h.ID, w.now))
		noErr(t, w.s.Tx(w.ctx, func(tx *model.Store) error {
			rs, err := tx.ReportsOf(w.ctx, h.ID)
			if err != nil {
				return err
			}
			if got := reportIDs(rs); !slices.Equal(got, []int64{r.ID, checked.ID}) {
				t.Errorf("ReportsOf before the merge %v", got)
			}
			for _, x := range rs {
				want := w.now
				if x.ID == checked.ID {
					want = earlier // checked before: kept
				}
				if x.CheckedAt == nil || !x.CheckedAt.Equal(want) {
					t.Errorf("report %d checked at %v, want %v", x.ID, x.CheckedAt, want)
				}
			}
			return nil
		}))
		// Merging: the duplicate points at h and its reports come with it.
		d := *dup
		d.DuplicateOf = &h.ID
		noErr(t, w.s.UpdateHazard(w.ctx, &d, dup.Version))
		rs, err := w.s.ReportsOf(w.ctx, h.ID)
		noErr(t, err)
		if got := reportIDs(rs); !slices.Equal(got, []int64{r.ID, checked.ID, merged.ID}) {
			t.Errorf("ReportsOf after the merge %v", got)
		}
		if m, err := w.s.GetReport(w.ctx, merged.ID); err != nil || m.CheckedAt != nil {
			t.Errorf("checking h marked its duplicate's report: %+v, %v", m, err)
		}

		locs, err := w.s.ReportLocations(w.ctx, []int64{h.ID, dup.ID})
		noErr(t, err)
		if len(locs) != 1 || locs[h.ID] != [2]float64{lat, lng} {
			t.Errorf("ReportLocations %v", locs)
		}
	})
}

func reportIDs(rs []model.Report) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// TestListReports: staff lists are scoped by the hazard's territory and
// filtered by stage, the first received first.
func TestListReports(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		present := append([]string{"360100"}, counties...)
		region := map[int64]string{}
		for _, r := range present {
			rep := w.report(t, w.hazard(t, r, nil).ID, nil)
			region[rep.ID] = r
		}
		for _, c := range w.scopeCases() {
			t.Run(c.name, func(t *testing.T) {
				rows, err := w.s.ListReports(w.ctx, model.ReportFilter{Scope: c.scope, Limit: 100})
				noErr(t, err)
				var got []string
				for _, row := range rows {
					got = append(got, row.RegionCode)
					if region[row.ID] != row.RegionCode || row.HazardCode == "" {
						t.Errorf("row %+v", row)
					}
				}
				if want := only(c.sees, present); !slices.Equal(got, want) {
					t.Errorf("sees %v, want %v", got, want)
				}
			})
		}

		h := w.hazard(t, "360402", nil)
		unchecked := w.report(t, h.ID, nil)
		owed := w.report(t, h.ID, func(r *model.Report) { r.CheckedAt = &w.now })
		answered := w.report(t, h.ID, func(r *model.Report) { r.CheckedAt, r.AnsweredAt = &w.now, &w.now })
		proposed := w.report(t, h.ID, func(r *model.Report) {
			r.CheckedAt, r.AnsweredAt, r.Reward.Status = &w.now, &w.now, model.RewardProposed
		})
		w.report(t, h.ID, func(r *model.Report) { r.CheckedAt, r.AnsweredAt, r.Reward.Status = &w.now, &w.now, model.RewardPaid })
		for _, c := range []struct {
			name string
			f    model.ReportFilter
			want []int64
		}{
			{"unchecked", model.ReportFilter{Unchecked: true}, []int64{unchecked.ID}},
			{"owed", model.ReportFilter{Owed: true}, []int64{owed.ID}},
			{"rewards", model.ReportFilter{Rewards: true}, []int64{proposed.ID}},
			{"limit", model.ReportFilter{Limit: 3}, []int64{unchecked.ID, owed.ID, answered.ID}},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := c.f
				f.Scope, f.HazardID = model.AllScope, h.ID
				if f.Limit == 0 {
					f.Limit = 100
				}
				rows, err := w.s.ListReports(w.ctx, f)
				noErr(t, err)
				var got []int64
				for _, r := range rows {
					got = append(got, r.ID)
				}
				if !slices.Equal(got, c.want) {
					t.Errorf("got %v, want %v", got, c.want)
				}
			})
		}
	})
}

// TestLookalikes: duplicate hints come from the open hazards of the county
// and the caller's territory: those inside the box, and the newest, each
// once, newest first; the public's only those of public knowledge.
func TestLookalikes(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		at := func(lat, lng float64) func(*model.Hazard) {
			return func(h *model.Hazard) { h.Latitude, h.Longitude = &lat, &lng }
		}
		a := w.hazard(t, "360102", func(h *model.Hazard) {
			at(28.68, 115.85)(h)
			h.State, h.Source, h.EnterpriseID = model.StateDiscovered, model.SourcePublicReport, nil
		})
		b := w.hazard(t, "360102", at(28.681, 115.851))
		c := w.hazard(t, "360102", at(28.70, 115.85))
		w.hazard(t, "360102", func(h *model.Hazard) { at(28.68, 115.85)(h); h.State = model.StateWrittenOff })
		w.hazard(t, "360103", at(28.68, 115.85))
		f := w.hazard(t, "360102", nil)
		box := &model.Box{MinLat: 28.678, MaxLat: 28.682, MinLng: 115.848, MaxLng: 115.852}
		county := model.Scope{Region: "360102"}
		for _, x := range []struct {
			name string
			q    model.LookalikeQuery
			want []int64
		}{
			{"near", model.LookalikeQuery{Scope: county, County: "360102", Box: box}, []int64{b.ID, a.ID}},
			{"near and newest", model.LookalikeQuery{Scope: county, County: "360102", Box: box, Recent: 10}, []int64{f.ID, c.ID, b.ID, a.ID}},
			{"newest two", model.LookalikeQuery{Scope: model.AllScope, County: "360102", Recent: 2}, []int64{f.ID, c.ID}},
			{"except", model.LookalikeQuery{Scope: county, County: "360102", Box: box, Except: a.ID}, []int64{b.ID}},
			{"other county's supervisor", model.LookalikeQuery{Scope: model.Scope{Region: "360103"}, County: "360102", Box: box, Recent: 10}, nil},
			{"public", model.LookalikeQuery{Scope: model.AllScope, County: "360102", Box: box, Public: true}, []int64{a.ID}},
			{"no county", model.LookalikeQuery{Scope: county, Box: box}, nil},
		} {
			hs, err := w.s.Lookalikes(w.ctx, x.q)
			noErr(t, err)
			if got := ids(hs); !slices.Equal(got, x.want) {
				t.Errorf("%s: %v, want %v", x.name, got, x.want)
			}
		}
		if id, ok := w.ent["360102"]; ok {
			hs, err := w.s.Lookalikes(w.ctx, model.LookalikeQuery{Scope: model.Scope{EnterpriseID: id}, Box: box, Recent: 10})
			noErr(t, err)
			if got := ids(hs); !slices.Equal(got, []int64{f.ID, c.ID, b.ID}) {
				t.Errorf("enterprise: %v, want its own %v", got, []int64{f.ID, c.ID, b.ID})
			}
		}
	})
}

// TestRateLimit: hits count per key and window, concurrent hits each get their
// own count, and old windows are forgotten.
func TestRateLimit(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		win, next := w.now.Truncate(time.Minute), w.now.Truncate(time.Minute).Add(time.Minute)
		hit := func(key string, at time.Time) int64 {
			n, err := w.s.Hit(w.ctx, key, at)
			noErr(t, err)
			return n
		}
		for i, c := range []struct {
			key  string
			win  time.Time
			want int64
		}{{"a", win, 1}, {"a", win, 2}, {"b", win, 1}, {"a", next, 1}, {"a", win, 3}} {
			if got := hit(c.key, c.win); got != c.want {
				t.Errorf("hit %d (%s at %v) = %d, want %d", i, c.key, c.win, got, c.want)
			}
		}

		const n = 20
		got := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				v, err := w.s.Hit(w.ctx, "race", win)
				if err != nil {
					t.Error(err)
				}
				got[i] = v
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, v := range got {
			if v != int64(i+1) {
				t.Fatalf("concurrent hits %v, want 1..%d once each", got, n)
			}
		}

		noErr(t, w.s.ForgetWindowsBefore(w.ctx, next))
		var left []struct {
			Key   string
			Count int64
		}
		noErr(t, w.s.Raw(w.ctx, &left, "SELECT key, count FROM rate_limits ORDER BY key"))
		if len(left) != 1 || left[0].Key != "a" || left[0].Count != 1 {
			t.Errorf("after forgetting windows before %v: %+v", next, left)
		}
	})
}
