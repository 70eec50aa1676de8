package model_test

import (
	"errors"
	"slices"
	"testing"

	"hazardloop/model"
)

// TestAppendFeed: rows appended in a transaction are numbered at its end in
// the order appended, on from the counter; a transaction that rolls back
// takes no number; outside a transaction AppendFeed makes one.
func TestAppendFeed(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h := w.hazard(t, "360102", func(h *model.Hazard) { h.Level = model.LevelMajor })
		evs := []*model.HazardEvent{w.event(t, h, model.EventCreate), w.event(t, h, model.EventConfirm),
			w.event(t, h, model.EventPlan), w.event(t, h, model.EventSubmit)}
		row := func(ev *model.HazardEvent) model.FeedRow {
			return model.FeedRow{EventID: ev.ID, HazardID: h.ID, RegionCode: h.RegionCode, Department: model.DeptEmergency, CreatedAt: w.now}
		}
		noErr(t, w.s.Tx(w.ctx, func(tx *model.Store) error {
			if err := tx.AppendFeed(w.ctx, row(evs[0])); err != nil {
				return err
			}
			return tx.AppendFeed(w.ctx, row(evs[1]))
		}))
		boom := errors.New("boom")
		if err := w.s.Tx(w.ctx, func(tx *model.Store) error {
			if err := tx.AppendFeed(w.ctx, row(evs[2])); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("rolled back transaction: %v", err)
		}
		noErr(t, w.s.AppendFeed(w.ctx, row(evs[2])))
		noErr(t, w.s.Tx(w.ctx, func(tx *model.Store) error { return tx.AppendFeed(w.ctx, row(evs[3])) }))

		items, err := w.s.MajorFeed(w.ctx, model.AllScope, 0, 10)
		noErr(t, err)
		var got [][2]int64
		for _, it := range items {
			got = append(got, [2]int64{it.Seq, it.Event.ID})
			if it.Hazard.ID != h.ID || it.Event.HazardID != h.ID {
				t.Errorf("seq %d: hazard %d, event's hazard %d", it.Seq, it.Hazard.ID, it.Event.HazardID)
			}
		}
		want := [][2]int64{{1, evs[0].ID}, {2, evs[1].ID}, {3, evs[2].ID}, {4, evs[3].ID}}
		if !slices.Equal(got, want) {
			t.Errorf("feed (seq, event) %v, want %v", got, want)
		}
		// An event is in the feed once.
		if err := w.s.AppendFeed(w.ctx, row(evs[0])); !errors.Is(err, model.ErrDuplicate) {
			t.Errorf("the same event twice: %v, want ErrDuplicate", err)
		}
	})
}

// TestMajorFeedScope: a territory reads the rows of its regions and those of
// hazards that moved out of it; a department other than the emergency bureau
// only rows of listed hazards; paging by seq; any other scope nothing.
func TestMajorFeedScope(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		type row struct {
			name, region, prev string
			dept               model.Department
		}
		rows := []row{
			{"donghu", "360102", "", model.DeptEmergency},
			{"donghu-unlisted", "360102", "", ""},
			{"xihu", "360103", "", model.DeptHousing},
			{"lianxi", "360402", "", model.DeptWater},
			{"lixia", "370102", "", model.DeptEmergency},
			{"moved", "360103", "360102", model.DeptEmergency},
		}
		names := map[int64]string{}
		var feed []model.FeedRow
		for _, r := range rows {
			h := w.hazard(t, r.region, func(h *model.Hazard) { h.Level = model.LevelMajor })
			ev := w.event(t, h, model.EventConfirm)
			names[ev.ID] = r.name
			feed = append(feed, model.FeedRow{EventID: ev.ID, HazardID: h.ID, RegionCode: r.region,
				PrevRegionCode: r.prev, Department: r.dept, CreatedAt: w.now})
		}
		noErr(t, w.s.AppendFeed(w.ctx, feed...))
		read := func(sc model.Scope, after int64, limit int) []string {
			items, err := w.s.MajorFeed(w.ctx, sc, after, limit)
			noErr(t, err)
			var out []string
			for _, it := range items {
				out = append(out, names[it.Event.ID])
			}
			return out
		}
		for _, c := range []struct {
			name  string
			scope model.Scope
			want  []string
		}{
			{"all", model.AllScope, []string{"donghu", "donghu-unlisted", "xihu", "lianxi", "lixia", "moved"}},
			{"province", model.Scope{Region: "360000"}, []string{"donghu", "donghu-unlisted", "xihu", "lianxi", "moved"}},
			{"city", model.Scope{Region: "360100"}, []string{"donghu", "donghu-unlisted", "xihu", "moved"}},
			{"county left", model.Scope{Region: "360102"}, []string{"donghu", "donghu-unlisted", "moved"}},
			{"county joined", model.Scope{Region: "360103"}, []string{"xihu", "moved"}},
			{"department", model.Scope{Region: "360102", Department: model.DeptWater, MajorToo: true}, []string{"donghu", "moved"}},
			{"enterprise", model.Scope{EnterpriseID: w.ent["360102"]}, nil},
			{"none", model.Scope{}, nil},
		} {
			if got := read(c.scope, 0, 100); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		if got := read(model.Scope{Region: "360100"}, 2, 2); !slices.Equal(got, []string{"xihu", "moved"}) {
			t.Errorf("city after seq 2, two: %v", got)
		}
	})
}
