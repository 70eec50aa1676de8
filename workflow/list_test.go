package workflow

import (
	"reflect"
	"testing"

	"hazardloop/model"
)

// TestListItemsMatchHazards: the list's own scan path gives, for every hazard in
// every state, exactly the fields GET /hazards/{id} gives, and the overdue filter
// and flag agree with the hazards' due days.
func TestListItemsMatchHazards(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		var want []HazardView
		for _, s := range []model.State{model.StateDiscovered, model.StateListed, model.StateRectifying,
			model.StateVerifying, model.StateWrittenOff, model.StateDismissed} {
			want = append(want, f.toState(t, s))
		}
		// A major hazard found by a supervisor: no enterprise plan, another source.
		want = append(want, f.major(t))
		// Overdue: planned with a deadline that has passed by the time we list.
		late := f.toState(t, model.StateRectifying)
		want = append(want, late)
		f.now = fixedNow.AddDate(0, 2, 0)

		for _, who := range []string{"donghu", "ent", "province", "officer"} {
			a := f.actors[who]
			p, err := f.engine.Hazards.List(f.ctx, a, ListQuery{Limit: "200"})
			noErr(t, err)
			byID := map[int64]HazardItem{}
			for _, it := range p.Items {
				byID[it.ID] = it
			}
			overdue := 0
			for _, w := range want {
				full, err := f.engine.Hazards.Hazard(f.ctx, a, w.ID)
				if err != nil {
					if _, seen := byID[w.ID]; seen {
						t.Errorf("%s: hazard %d listed but not readable: %v", who, w.ID, err)
					}
					continue
				}
				got, ok := byID[w.ID]
				if !ok {
					t.Errorf("%s: hazard %d readable but not listed", who, w.ID)
					continue
				}
				h := full.Hazard
				exp := HazardItem{ID: h.ID, Code: h.Code, Title: h.Title, Source: h.Source, Level: h.Level,
					Industry: h.Industry, Department: h.Department, RegionCode: h.RegionCode, EnterpriseID: h.EnterpriseID, Location: h.Location,
					ResponsiblePartyType: h.ResponsiblePartyType, Category: h.Category, DisasterType: h.DisasterType,
					DiscoveredAt: h.DiscoveredAt, State: h.State, Version: h.Version, EscalationLevel: h.EscalationLevel,
					ListedSupervision: h.ListedSupervision, ProductionSuspended: h.ProductionSuspended,
					Deadline: h.Deadline, DueOn: h.DueOn, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt,
					Overdue: full.Overdue, ReadOnly: full.ReadOnly, AllowedEvents: full.AllowedEvents}
				if !got.DiscoveredAt.Equal(exp.DiscoveredAt) || !got.CreatedAt.Equal(exp.CreatedAt) || !got.UpdatedAt.Equal(exp.UpdatedAt) {
					t.Errorf("%s: hazard %d times %v %v %v, want %v %v %v", who, h.ID, got.DiscoveredAt, got.CreatedAt,
						got.UpdatedAt, exp.DiscoveredAt, exp.CreatedAt, exp.UpdatedAt)
				}
				got.DiscoveredAt, got.CreatedAt, got.UpdatedAt = exp.DiscoveredAt, exp.CreatedAt, exp.UpdatedAt
				if !reflect.DeepEqual(got, exp) {
					t.Errorf("%s: list item\n %+v\nwant\n %+v", who, got, exp)
				}
				if got.Overdue {
					overdue++
				}
			}
			// Two months on: both rectifying hazards are past their deadline and the
			// listed one past its planning allowance.
			if who == "donghu" && overdue != 3 {
				t.Errorf("%s: %d overdue, want 3", who, overdue)
			}
			late, err := f.engine.Hazards.List(f.ctx, a, ListQuery{Overdue: "true"})
			noErr(t, err)
			if len(late.Items) != overdue {
				t.Errorf("%s: overdue=true lists %d, the flag marks %d", who, len(late.Items), overdue)
			}
			for _, it := range late.Items {
				if !it.Overdue {
					t.Errorf("%s: overdue=true lists %d which is not overdue", who, it.ID)
				}
			}
		}
	})
}
