package workflow

import (
	"fmt"
	"sync"
	"testing"

	"hazardloop/model"
)

// TestActorLog: the one redaction rule, on its own.
func TestActorLog(t *testing.T) {
	evs := []model.HazardEvent{
		{Seq: 1, Event: model.EventCreate, Hash: "h1"},
		{Seq: 2, Event: model.EventViewContact, PrevHash: "h1", Hash: "h2"},
		{Seq: 3, Event: model.EventConfirm, PrevHash: "h2", Hash: "h3"},
		{Seq: 4, Event: model.EventAnswerReporter, PrevHash: "h3", Hash: "h4"},
		{Seq: 5, Event: model.EventReward, PrevHash: "h4", Hash: "h5"},
		{Seq: 6, Event: model.EventPlan, PrevHash: "h5", Hash: "h6"},
	}
	staff, ent := Actor{Role: model.RoleSupervisor}, Actor{Role: model.RoleEnterprise, EnterpriseID: 1}
	if got := staff.Log(evs); len(got) != 6 {
		t.Errorf("staff see %d entries", len(got))
	}
	got := ent.Log(evs)
	want := []model.Event{model.EventCreate, model.EventConfirm, model.EventPlan}
	if len(got) != len(want) {
		t.Fatalf("enterprise sees %+v", got)
	}
	for i, ev := range got {
		if ev.Event != want[i] || ev.Seq != int64(i+1) || ev.Hash != "" || ev.PrevHash != "" {
			t.Errorf("entry %d: %+v", i, ev)
		}
	}
	if evs[2].Seq != 3 || evs[2].Hash != "h3" {
		t.Errorf("Log changed its argument: %+v", evs[2])
	}
	h := &model.Hazard{LastSeq: 6, ChainHead: "h6", Version: 3}
	if r := ent.Redact(h); r.LastSeq != 0 || r.ChainHead != "" || r.Version != 3 || h.LastSeq != 6 {
		t.Errorf("redacted %+v, original %+v", r, h)
	}
	if staff.Redact(h) != h {
		t.Error("staff get a copy")
	}
	broken := model.ChainReport{OK: false, Events: 6, Head: "h6", BrokenAt: 2, Problem: "第2条记录……"}
	if v := ent.Verdict(broken, 3); v.OK || v.Events != 3 || v.Head != "" || v.BrokenAt != 0 || v.Problem == "" || v.Problem == broken.Problem {
		t.Errorf("enterprise verdict %+v", v)
	}
}

// TestReporterTrailRacesStateChanges: contact viewings, which move the chain but
// not the version, racing events that move both: every answer is a success or a
// stale refusal, and the chain stays one intact chain. The one extender holds
// the hazard's current version each time, so it is never refused: a viewing
// that took the chain's next position is waited for (PostgreSQL's row lock) or
// retried (txChain), not reported to it as someone else's change.
func TestReporterTrailRacesStateChanges(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		_, h := f.report(t, ReportInput{ContactName: "王小明", ContactPhone: "13912345678"})
		h = f.fire(t, "donghu", h, model.EventConfirm, Fields{ResponsibleUnit: sp("某厂")}, "")
		h = f.fire(t, "donghu", h, model.EventPlan, planFields(), "")
		rs, err := f.engine.Reports.List(f.ctx, f.actors["donghu"], ReportQuery{})
		noErr(t, err)
		var (
			wg               sync.WaitGroup
			mu               sync.Mutex
			viewed, extended int
			unexpected       []error
		)
		note := func(err error, n *int) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				*n++
			case kindOf(err) != KindConflict:
				unexpected = append(unexpected, err)
			}
		}
		for g := 0; g < 3; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 6 {
					_, err := f.engine.Reports.Contact(f.ctx, f.actors["city"], rs[0].ID)
					note(err, &viewed)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				cur, err := f.engine.Hazards.Hazard(f.ctx, f.actors["donghu"], h.ID)
				if err != nil {
					note(err, &extended)
					continue
				}
				_, err = f.engine.Hazards.Apply(f.ctx, f.actors["donghu"], h.ID, EventInput{Event: model.EventExtend, Version: cur.Version,
					Fields: Fields{Reason: sp("施工期延长"), Deadline: sp(fmt.Sprintf("2027-04-%02d", i+1))}})
				note(err, &extended)
			}
		}()
		wg.Wait()
		for _, err := range unexpected {
			t.Errorf("neither a success nor stale: %v", err)
		}
		r := verifyOK(t, f, h.ID)
		if r.Events != 3+viewed+extended || viewed == 0 || extended != 6 {
			t.Errorf("%d entries, want create, confirm, plan, %d viewings and %d extensions (of 6)", r.Events, viewed, extended)
		}
		after, err := f.engine.Hazards.Hazard(f.ctx, f.actors["donghu"], h.ID)
		noErr(t, err)
		if after.Version != h.Version+extended {
			t.Errorf("version %d, want %d + %d extensions", after.Version, h.Version, extended)
		}
	})
}
