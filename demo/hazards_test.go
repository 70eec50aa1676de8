package demo

import (
	"slices"
	"strings"
	"testing"

	"hazardloop/model"
	"hazardloop/regions"
	"hazardloop/workflow"
)

// TestHazards: a bulk seed holds every state, valid chains and earned steps, and
// the services carry on numbering after it.
func TestHazards(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		noErr(t, Hazards(f.ctx, f.svc, f.store, 400, nil))
		var states []string
		noErr(t, f.store.Raw(f.ctx, &states, "SELECT DISTINCT state FROM hazards"))
		if len(states) != len(model.States) {
			t.Errorf("states seeded: %v", states)
		}
		var ids []int64
		noErr(t, f.store.Raw(f.ctx, &ids, "SELECT id FROM hazards WHERE escalation_level > 0 ORDER BY id LIMIT 5"))
		if len(ids) == 0 {
			t.Fatal("no seeded hazard has supervision steps")
		}
		noErr(t, f.store.Raw(f.ctx, &ids, "SELECT id FROM hazards ORDER BY id DESC LIMIT 20"))
		for _, id := range ids {
			verifyOK(t, f, id)
		}
		// Numbers and ids continue after the seed.
		h := f.hazard(t)
		if h.ID <= ids[0] {
			t.Errorf("new hazard id %d, seeded up to %d", h.ID, ids[0])
		}
		var due int64
		noErr(t, f.store.Raw(f.ctx, &due, "SELECT count(*) FROM hazards WHERE next_step_on <= ?", f.svc.Today()))
		if due != 0 {
			t.Errorf("%d seeded hazards still have a step due today", due)
		}
		for range 3 {
			h = f.toState(t, model.StateRectifying)
			f.fire(t, "donghu", h, model.EventEscalate, workflow.Fields{Reason: sp("督办")}, "")
		}
		// A second seed into a database in use continues every number.
		noErr(t, Hazards(f.ctx, f.svc, f.store, 200, nil))
		f.hazard(t)
	})
}

// TestHazardsKeepSummaries: the dashboard's counts kept with each event equal
// the counts rebuilt from the hazards after hazards move through every state,
// are reopened, then a bulk seed, then more events (workflow's
// TestSummariesFollowEvents, around a seed).
func TestHazardsKeepSummaries(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		for _, s := range model.States {
			f.toState(t, s)
		}
		wo := f.toState(t, model.StateWrittenOff)
		f.fire(t, "city", wo, model.EventReopen, workflow.Fields{Reason: sp("回头看"), Deadline: sp("2027-01-10")}, "")
		m := f.major(t)
		f.fire(t, "donghu", m, model.EventConfirm, workflow.Fields{BasisStandard: sp("标准"), BasisClause: sp("条款")}, "")
		noErr(t, Hazards(f.ctx, f.svc, f.store, 300, nil))
		f.toState(t, model.StateWrittenOff)

		dashboard := func(a workflow.Actor) workflow.Dashboard {
			d, err := f.svc.Hazards.Dashboard(f.ctx, a)
			noErr(t, err)
			return d
		}
		for _, who := range []string{"admin", "province", "city", "donghu"} {
			kept := dashboard(f.actors[who])
			noErr(t, f.svc.Hazards.RebuildSummaries(f.ctx))
			rebuilt := dashboard(f.actors[who])
			if kept.Confirmed != rebuilt.Confirmed || kept.WrittenOff != rebuilt.WrittenOff || kept.OnTime != rebuilt.OnTime ||
				kept.Overdue != rebuilt.Overdue || len(kept.ByState) != len(rebuilt.ByState) {
				t.Errorf("%s: kept %+v, rebuilt %+v", who, kept.Stats, rebuilt.Stats)
			}
			for i := range kept.ByState {
				if kept.ByState[i] != rebuilt.ByState[i] {
					t.Errorf("%s by state: kept %v, rebuilt %v", who, kept.ByState, rebuilt.ByState)
				}
			}
			for i := range kept.Weeks {
				if kept.Weeks[i].Found != rebuilt.Weeks[i].Found || kept.Weeks[i].WrittenOff != rebuilt.Weeks[i].WrittenOff {
					t.Errorf("%s week %d: kept %+v, rebuilt %+v", who, i, kept.Weeks[i], rebuilt.Weeks[i])
				}
			}
		}
		d := dashboard(f.actors["donghu"])
		var open int64
		for _, c := range d.ByState {
			open += c.N
		}
		var want int64
		noErr(t, f.store.Raw(f.ctx, &want, "SELECT count(*) FROM hazards WHERE region_code = '360102' AND state IN ('discovered','listed','rectifying','verifying')"))
		if open != want || want == 0 {
			t.Errorf("open hazards in 东湖区: dashboard %d, hazards %d", open, want)
		}
	})
}

// TestHazardsOverVillages: with the shipped table loaded, the bulk seed puts its
// hazards in villages and townships (each in its enterprise's county), with the
// department of their industry once listed, and a village's, a township's and a
// county's scopes find them by their own columns.
func TestHazardsOverVillages(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		_, err := f.svc.Directory.ImportRegions(f.ctx, f.actors["admin"], regions.Jiangxi())
		noErr(t, err)
		noErr(t, Hazards(f.ctx, f.svc, f.store, 300, nil))
		var bad int64
		noErr(t, f.store.Raw(f.ctx, &bad, `SELECT count(*) FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id
			WHERE length(h.region_code) NOT IN (9, 12) OR h.region_county <> e.region_code OR h.region_township <> substr(h.region_code, 1, 9)
			   OR h.region_city <> substr(h.region_code, 1, 4) || '00' OR h.region_province <> '360000'`))
		if bad != 0 {
			t.Errorf("%d seeded hazards not in a village or township of their enterprise's county", bad)
		}
		var byLength []struct{ L, N int64 }
		noErr(t, f.store.Raw(f.ctx, &byLength, "SELECT length(region_code) AS l, count(*) AS n FROM hazards GROUP BY length(region_code) ORDER BY l"))
		if len(byLength) != 2 || byLength[0].N == 0 || byLength[0].N > byLength[1].N {
			t.Errorf("hazards by length of region code: %v, want mostly villages and some townships", byLength)
		}
		var wrongDept int64
		noErr(t, f.store.Raw(f.ctx, &wrongDept, "SELECT count(*) FROM hazards WHERE listed_at IS NOT NULL AND department = ''"))
		if wrongDept != 0 {
			t.Errorf("%d listed seeded hazards without a department", wrongDept)
		}
		var depts []string
		noErr(t, f.store.Raw(f.ctx, &depts, "SELECT DISTINCT department FROM hazards WHERE department <> '' ORDER BY department"))
		for _, want := range []model.Department{model.DeptEmergency, model.DeptHousing, model.DeptWater} {
			if !slices.Contains(depts, string(want)) {
				t.Errorf("no seeded hazard of %s: %v", want, depts)
			}
		}
		var town, village string
		noErr(t, f.store.Raw(f.ctx, &town, "SELECT region_township FROM hazards ORDER BY id LIMIT 1"))
		noErr(t, f.store.Raw(f.ctx, &village, "SELECT region_code FROM hazards WHERE length(region_code) = 12 ORDER BY id LIMIT 1"))
		admin := f.actors["admin"]
		for _, region := range []string{village, town, town[:6]} {
			p, err := f.svc.Hazards.List(f.ctx, admin, workflow.ListQuery{Region: region, Limit: "200"})
			noErr(t, err)
			if len(p.Items) == 0 {
				t.Errorf("no hazard listed in %s", region)
			}
			for _, it := range p.Items {
				if !model.Within(it.RegionCode, region) {
					t.Errorf("%s listed in %s", it.RegionCode, region)
				}
			}
		}
	})
}

// TestHazardsDisasterShare: one seeded hazard in ten is a disaster hazard of
// no enterprise, the types in turn, each with fields that pass the checks of
// registration, coordinates inside its county's outline box, its township's
// government as the unit and, once listed, its type's department; the
// dashboard's rebuilt counts see them.
func TestHazardsDisasterShare(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		_, err := f.svc.Directory.ImportRegions(f.ctx, f.actors["admin"], regions.Jiangxi())
		noErr(t, err)
		noErr(t, Hazards(f.ctx, f.svc, f.store, 400, nil))
		var hs []model.Hazard
		noErr(t, f.store.Raw(f.ctx, &hs, "SELECT * FROM hazards WHERE category = 'disaster' ORDER BY id"))
		if len(hs) != 40 {
			t.Fatalf("%d disaster hazards among 400, want 40", len(hs))
		}
		boxes := countyPoints()
		types := map[model.DisasterType]int{}
		for _, h := range hs {
			types[h.DisasterType]++
			if msgs := workflow.CheckDisaster(&h); msgs != nil {
				t.Errorf("%s: %v", h.Code, msgs)
			}
			if h.EnterpriseID != nil || h.ThreatenedPeople == nil || *h.ThreatenedPeople < *h.ThreatenedHouseholds || h.MonitorName == "" || h.EvacuationPlan == "" {
				t.Errorf("%s: enterprise %v, threat %v/%v, monitor %q", h.Code, h.EnterpriseID, h.ThreatenedHouseholds, h.ThreatenedPeople, h.MonitorName)
			}
			if b, ok := boxes[h.RegionCounty]; ok && (h.Latitude == nil || *h.Latitude < b.minY || *h.Latitude > b.maxY || *h.Longitude < b.minX || *h.Longitude > b.maxX) {
				t.Errorf("%s at %v,%v outside %s", h.Code, h.Latitude, h.Longitude, h.RegionCounty)
			}
			if h.ListedAt != nil && h.Department != workflow.DefaultDepartment(&h) {
				t.Errorf("%s (%s) listed to %s", h.Code, h.DisasterType, h.Department)
			}
			if !strings.HasSuffix(h.ResponsibleUnit, "人民政府") {
				t.Errorf("%s responsible unit %q", h.Code, h.ResponsibleUnit)
			}
			if (f.svc.Hazards.SuggestLevel(&h) == model.LevelMajor) != (h.Level == model.LevelMajor) {
				t.Errorf("%s graded %s against the thresholds", h.Code, h.Level)
			}
			// An open one has its next patrol day, one cycle after its listing
			// (or registration); a closed one none.
			closed := h.State == model.StateWrittenOff || h.State == model.StateDismissed
			if closed != (h.PatrolDueOn == nil) {
				t.Errorf("%s (%s) patrol day %v", h.Code, h.State, h.PatrolDueOn)
			} else if !closed {
				base := h.CreatedAt
				if h.ListedAt != nil {
					base = *h.ListedAt
				}
				if want := f.svc.Hazards.PatrolPolicy().NextDue(h.DisasterType, model.DateIn(base, model.Shanghai)); *h.PatrolDueOn != want {
					t.Errorf("%s patrol day %s, want %s", h.Code, *h.PatrolDueOn, want)
				}
			}
		}
		var accidentPatrols int64
		noErr(t, f.store.Raw(f.ctx, &accidentPatrols, "SELECT COUNT(*) FROM hazards WHERE category = 'accident' AND patrol_due_on IS NOT NULL"))
		if accidentPatrols != 0 {
			t.Errorf("%d accident hazards with a patrol day", accidentPatrols)
		}
		for _, typ := range model.DisasterTypes {
			if types[typ] != 5 {
				t.Errorf("%d seeded hazards of %s, want 5: %v", types[typ], typ, types)
			}
		}
		for _, h := range hs[:5] {
			verifyOK(t, f, h.ID)
		}
		d, err := f.svc.Hazards.Dashboard(f.ctx, f.actors["admin"])
		noErr(t, err)
		noErr(t, f.svc.Hazards.RebuildSummaries(f.ctx))
		rebuilt, err := f.svc.Hazards.Dashboard(f.ctx, f.actors["admin"])
		noErr(t, err)
		if d.Disaster.Open != rebuilt.Disaster.Open || d.Disaster.People != rebuilt.Disaster.People || d.Disaster.Open == 0 || d.Confirmed != rebuilt.Confirmed || d.WrittenOff != rebuilt.WrittenOff {
			t.Errorf("dashboard after the seed %+v, rebuilt %+v", d.Disaster, rebuilt.Disaster)
		}
	})
}
