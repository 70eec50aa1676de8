package model_test

import (
	"testing"

	"hazardloop/model"
)

// TestHazardOverdue: only an open hazard (listed or rectifying) whose due day
// lies before today is overdue.
func TestHazardOverdue(t *testing.T) {
	today := model.NewDate(2026, 3, 10)
	yesterday, tomorrow := today.AddDays(-1), today.AddDays(1)
	for _, c := range []struct {
		state model.State
		due   *model.Date
		want  bool
	}{
		{model.StateListed, &yesterday, true},
		{model.StateRectifying, &yesterday, true},
		{model.StateRectifying, &today, false}, // due today: not yet
		{model.StateListed, &tomorrow, false},
		{model.StateListed, nil, false},
		{model.StateVerifying, &yesterday, false},
		{model.StateWrittenOff, &yesterday, false},
		{model.StateDiscovered, &yesterday, false},
	} {
		h := model.Hazard{State: c.state, DueOn: c.due}
		if got := h.Overdue(today); got != c.want {
			t.Errorf("%s due %v: overdue %v, want %v", c.state, c.due, got, c.want)
		}
	}
}

// TestHazardRegionLevels: however a hazard goes in (one by one or in bulk, in a
// transaction or not), its province and city are those of its region, and a
// territory query finds it by them.
func TestHazardRegionLevels(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		one := w.hazard(t, "360402", nil)
		bulk := []model.Hazard{*one, *one}
		for i, r := range []string{"360103", "370102"} {
			// IDs of their own: BulkInsert's encoded rows (JSON, COPY), not gorm's.
			bulk[i].ID, bulk[i].Code, bulk[i].RegionCode, bulk[i].EnterpriseID = int64(1000+i), "B-"+r, r, nil
		}
		bulk[0].RegionProvince, bulk[0].RegionCity = "990000", "990100" // stale values: replaced
		noErr(t, w.s.Tx(w.ctx, func(tx *model.Store) error { return tx.BulkInsert(w.ctx, &bulk) }))
		var rows []struct{ RegionCode, RegionProvince, RegionCity string }
		noErr(t, w.s.Raw(w.ctx, &rows, "SELECT region_code, region_province, region_city FROM hazards ORDER BY region_code"))
		want := map[string][2]string{"360103": {"360000", "360100"}, "360402": {"360000", "360400"}, "370102": {"370000", "370100"}}
		if len(rows) != len(want) {
			t.Fatalf("%d hazards, want %d", len(rows), len(want))
		}
		for _, r := range rows {
			if want[r.RegionCode] != [2]string{r.RegionProvince, r.RegionCity} {
				t.Errorf("%s: province %s, city %s", r.RegionCode, r.RegionProvince, r.RegionCity)
			}
		}
		hs, err := w.s.ListHazardRows(w.ctx, model.HazardFilter{Scope: model.Scope{Region: "360100"}, Limit: 10})
		noErr(t, err)
		if len(hs) != 1 || hs[0].Code != "B-360103" {
			t.Errorf("the city finds %v", ids(hs))
		}
	})
}
