package workflow

import (
	"testing"

	"hazardloop/model"
)

// TestSummariesFollowEvents: the counts kept in each event's transaction equal
// the counts rebuilt from the hazards, after hazards move through every state,
// are reopened, merged, and the clock passes. (demo's TestHazardsKeepSummaries
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

		dashboard := func(a Actor) Dashboard {
			d, err := f.engine.Hazards.Dashboard(f.ctx, a)
			noErr(t, err)
			return d
		}
		for _, who := range []string{"admin", "province", "city", "donghu"} {
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
