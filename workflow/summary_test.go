package workflow

import (
	"testing"

	"hazardloop/model"
)

// TestSummariesFollowEvents: the counts kept in each event's transaction equal
// the counts rebuilt from the hazards, after hazards move through every state,
// are reopened, merged, listed under another department, transferred to another
// county, and the clock passes; a department's trend counts its own hazards. (demo's TestHazardsKeepSummaries
// runs the same around a bulk seed, which workflow's tests cannot import.)
func TestSummariesFollowEvents(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		for _, s := range model.States {
			f.toState(t, s)
		}
		wo := f.toState(t, model.StateWrittenOff)
		f.fire(t, "city", wo, model.EventReopen, Fields{Reason: sp("回头看"), Deadline: sp("2027-01-10")}, "")
		m := f.major(t)
		f.fire(t, "donghu", m, model.EventConfirm, Fields{BasisStandard: sp("标准"), BasisClause: sp("条款")}, "")
		f.toState(t, model.StateWrittenOff)
		// One for the water bureau: listed under it, then sent to 西湖区's.
		for key, region := range map[string]string{"water": "360102", "xihuwater": "360103"} {
			u, err := f.engine.Directory.CreateUser(f.ctx, f.actors["admin"], UserInput{Username: key, Password: "password-" + key,
				Role: "supervisor", RegionCode: region, Department: "water"})
			noErr(t, err)
			f.actors[key] = ActorOf(u)
		}
		wh := f.hazard(t)
		wh = f.fire(t, "donghu", wh, model.EventConfirm, Fields{Department: sp("water")}, "")
		wh = f.fire(t, "water", wh, model.EventTransfer, Fields{ToRegionCode: sp("360103"), Reason: sp("在西湖区一侧")}, "")
		f.fire(t, "xihuwater", wh, model.EventAcceptTransfer, Fields{}, "")

		dashboard := func(a Actor) Dashboard {
			d, err := f.engine.Hazards.Dashboard(f.ctx, a)
			noErr(t, err)
			return d
		}
		found := func(d Dashboard) (n int64) {
			for _, w := range d.Weeks {
				n += w.Found
			}
			return n
		}
		if n, all := found(dashboard(f.actors["xihuwater"])), found(dashboard(f.actors["city"])); n != 1 || all < 5 {
			t.Errorf("西湖区 water's trend finds %d hazards (want its one), the city's %d", n, all)
		}
		if n := found(dashboard(f.actors["water"])); n != 0 {
			t.Errorf("东湖区 water's trend still finds %d after the transfer", n)
		}
		for _, who := range []string{"admin", "province", "city", "donghu", "water", "xihuwater"} {
			kept := dashboard(f.actors[who])
			noErr(t, f.engine.Hazards.RebuildSummaries(f.ctx))
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
