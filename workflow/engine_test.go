package workflow

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// forEachDialect runs fn on a fresh fixture of every dialect under test.
func forEachDialect(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, newFixture(t, d)) })
	}
}

func kindOf(err error) Kind {
	var we *Error
	if errors.As(err, &we) {
		return we.Kind
	}
	return 0
}

func verifyOK(t *testing.T, f *fixture, id int64) model.ChainReport {
	t.Helper()
	r, err := f.engine.Hazards.Verify(f.ctx, f.actors["admin"], id)
	noErr(t, err)
	if !r.OK {
		t.Fatalf("chain of hazard %d broken: %+v", id, r)
	}
	return r
}

func TestLifecycle(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.hazard(t)
		if h.State != model.StateDiscovered || h.Version != 1 || !strings.HasPrefix(h.Code, "YH-360102-20261128-") {
			t.Fatalf("new hazard = %s v%d %s", h.State, h.Version, h.Code)
		}
		h = f.fire(t, "donghu", h, model.EventConfirm, Fields{}, "")
		if h.ResponsibleUnit != "donghu公司" || h.ListedAt == nil {
			t.Errorf("confirm: responsible unit %q, listed_at %v", h.ResponsibleUnit, h.ListedAt)
		}
		h = f.fire(t, "ent", h, model.EventPlan, planFields(), "")
		_, err := f.engine.Hazards.Apply(f.ctx, f.actors["ent"], h.ID, EventInput{Event: model.EventSubmit, Version: h.Version})
		var we *Error
		if !errors.As(err, &we) || we.Fields["evidence"] == "" {
			t.Fatalf("submit without proof: %v", err)
		}
		h = f.proof(t, "ent", h)
		h = f.fire(t, "ent", h, model.EventSubmit, Fields{}, "已整改")
		h = f.fire(t, "donghu", h, model.EventReject, Fields{Reason: sp("照片不清晰"), Deadline: sp("2027-01-15")}, "")
		if h.State != model.StateRectifying || h.Deadline.String() != "2027-01-15" || h.SubmittedBy != nil {
			t.Fatalf("reject: %s, deadline %v, submitted_by %v", h.State, h.Deadline, h.SubmittedBy)
		}
		h = f.fire(t, "donghu", h, model.EventExtend, Fields{Reason: sp("设备到货延迟"), Deadline: sp("2027-02-01")}, "")
		h = f.fire(t, "donghu", h, model.EventEscalate, Fields{Reason: sp("进度滞后")}, "")
		if h.EscalationLevel != 1 || h.State != model.StateRectifying {
			t.Fatalf("escalate: level %d, state %s", h.EscalationLevel, h.State)
		}
		h = f.fire(t, "ent", h, model.EventSubmit, Fields{}, "")
		h = f.fire(t, "officer", h, model.EventApprove, Fields{}, "复核到位")
		if h.State != model.StateWrittenOff || h.VerifiedBy == nil || *h.VerifiedBy != f.actors["officer"].ID || h.ClosedAt == nil {
			t.Fatalf("approve: %s verified_by %v", h.State, h.VerifiedBy)
		}
		h = f.fire(t, "city", h, model.EventReopen, Fields{Reason: sp("回头看发现反弹"), Deadline: sp("2027-03-01")}, "")
		if h.State != model.StateRectifying || h.VerifiedBy != nil || h.ClosedAt != nil {
			t.Fatalf("reopen: %s verified_by %v", h.State, h.VerifiedBy)
		}

		evs, err := f.engine.Hazards.Events(f.ctx, f.actors["admin"], h.ID)
		noErr(t, err)
		var names []string
		for i, e := range evs {
			names = append(names, string(e.Event))
			if e.Seq != int64(i+1) {
				t.Errorf("event %d has seq %d", i, e.Seq)
			}
		}
		want := "create confirm plan evidence submit reject extend escalate submit approve reopen"
		if got := strings.Join(names, " "); got != want {
			t.Errorf("log = %s, want %s", got, want)
		}
		if evs[6].Payload != `{"deadline":"2027-02-01","previous_deadline":"2027-01-15","reason":"设备到货延迟"}` {
			t.Errorf("extend payload = %s", evs[6].Payload)
		}
		r := verifyOK(t, f, h.ID)
		if r.Events != len(evs) || r.Head != h.ChainHead || h.Version != len(evs) {
			t.Errorf("verify %+v, head %s, version %d", r, h.ChainHead, h.Version)
		}
	})
}

func TestMajorHazardGates(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.major(t)
		_, err := f.engine.Hazards.Apply(f.ctx, f.actors["donghu"], h.ID, EventInput{Event: model.EventConfirm, Version: h.Version})
		var we *Error
		if !errors.As(err, &we) || we.Kind != KindInvalid || we.Fields["basis_standard"] == "" || we.Fields["basis_clause"] == "" {
			t.Fatalf("confirm major without basis: %v", err)
		}
		h = f.fire(t, "donghu", h, model.EventConfirm, Fields{BasisStandard: sp("《工贸企业重大事故隐患判定标准》"), BasisClause: sp("第四条第（一）项")}, "")
		if !h.ListedSupervision {
			t.Error("a listed major hazard is under listed supervision")
		}
		_, err = f.engine.Hazards.Apply(f.ctx, f.actors["ent"], h.ID, EventInput{Event: model.EventPlan, Version: h.Version, Fields: planFields()})
		if !errors.As(err, &we) || we.Kind != KindInvalid {
			t.Fatalf("plan major without five assurances: %v", err)
		}
		for _, field := range []string{"funds", "funds_source", "emergency_plan"} {
			if we.Fields[field] == "" {
				t.Errorf("refusal does not name %s: %v", field, we.Fields)
			}
		}
		if !strings.Contains(we.Message, "应急预案") {
			t.Errorf("message %q does not say what is missing", we.Message)
		}
		full := planFields()
		funds := 12.5
		full.Funds, full.FundsSource, full.EmergencyPlan = &funds, sp("企业自筹"), sp("停用反应釜，专人值守")
		h = f.fire(t, "ent", h, model.EventPlan, full, "")
		h = f.proof(t, "ent", h)
		h = f.fire(t, "ent", h, model.EventSubmit, Fields{}, "")
		_, err = f.engine.Hazards.Apply(f.ctx, f.actors["officer"], h.ID, EventInput{Event: model.EventApprove, Version: h.Version, Comment: "ok"})
		if kindOf(err) != KindForbidden {
			t.Fatalf("officer approving a major hazard: %v", err)
		}
		// Lifting the county's listed supervision rests on an assessment report.
		_, err = f.engine.Hazards.Apply(f.ctx, f.actors["donghu"], h.ID, EventInput{Event: model.EventApprove, Version: h.Version, Comment: "整改到位"})
		if !errors.As(err, &we) || we.Kind != KindInvalid || !strings.Contains(we.Fields["evidence"], "评估报告") {
			t.Fatalf("write-off without an assessment: %v", err)
		}
		_, err = f.engine.Evidence.Add(f.ctx, f.actors["donghu"], h.ID, EvidenceInput{Kind: model.EvidenceAssessment, Filename: "评估报告.pdf", Data: pdf})
		noErr(t, err)
		h, err = f.engine.Hazards.Hazard(f.ctx, f.actors["donghu"], h.ID)
		noErr(t, err)
		f.fire(t, "donghu", h, model.EventApprove, Fields{}, "整改到位")
	})
}

func TestRefusalsWriteNothing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.toState(t, model.StateRectifying)
		h, err := f.engine.Hazards.Hazard(f.ctx, f.actors["donghu"], h.ID) // as staff see it, with its chain position
		noErr(t, err)
		cases := []struct {
			name string
			who  string
			in   EventInput
			kind Kind
		}{
			{"stale version", "donghu", EventInput{Event: model.EventExtend, Version: h.Version - 1, Fields: Fields{Reason: sp("x"), Deadline: sp("2027-06-01")}}, KindConflict},
			{"not in this state", "donghu", EventInput{Event: model.EventApprove, Version: h.Version}, KindNotAllowed},
			{"other county", "xihu", EventInput{Event: model.EventExtend, Version: h.Version, Fields: Fields{Reason: sp("x"), Deadline: sp("2027-06-01")}}, KindForbidden},
			{"other enterprise", "ent2", EventInput{Event: model.EventSubmit, Version: h.Version}, KindForbidden},
			{"enterprise cannot extend", "ent", EventInput{Event: model.EventExtend, Version: h.Version, Fields: Fields{Reason: sp("x"), Deadline: sp("2027-06-01")}}, KindForbidden},
			{"extend needs a later deadline", "donghu", EventInput{Event: model.EventExtend, Version: h.Version, Fields: Fields{Reason: sp("x"), Deadline: sp("2026-12-01")}}, KindInvalid},
			{"extend needs a reason", "donghu", EventInput{Event: model.EventExtend, Version: h.Version, Fields: Fields{Deadline: sp("2027-06-01")}}, KindInvalid},
			{"field the event does not take", "donghu", EventInput{Event: model.EventEscalate, Version: h.Version, Fields: Fields{Reason: sp("x"), Deadline: sp("2027-06-01")}}, KindInvalid},
			{"bad date", "donghu", EventInput{Event: model.EventExtend, Version: h.Version, Fields: Fields{Reason: sp("x"), Deadline: sp("2027/13/01")}}, KindInvalid},
		}
		for _, c := range cases {
			_, err := f.engine.Hazards.Apply(f.ctx, f.actors[c.who], h.ID, c.in)
			if kindOf(err) != c.kind {
				t.Errorf("%s: err = %v, want kind %d", c.name, err, c.kind)
			}
		}
		_, err = f.engine.Hazards.Apply(f.ctx, f.actors["donghu"], h.ID, EventInput{Event: model.EventApprove, Version: h.Version})
		var we *Error
		if errors.As(err, &we) && (len(we.Allowed) == 0 || we.Allowed[0] != model.EventSubmit) {
			t.Errorf("not-allowed error lists %v", we.Allowed)
		}
		after, err := f.engine.Hazards.Hazard(f.ctx, f.actors["donghu"], h.ID)
		noErr(t, err)
		if after.Version != h.Version || after.LastSeq != h.LastSeq || *after.Deadline != *h.Deadline {
			t.Errorf("a refusal changed the hazard: v%d→v%d, seq %d→%d", h.Version, after.Version, h.LastSeq, after.LastSeq)
		}
		verifyOK(t, f, h.ID)
	})
}

func TestPlanNeverResetsDeadline(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.hazard(t)
		h = f.fire(t, "donghu", h, model.EventConfirm, Fields{Deadline: sp("2026-12-10")}, "")
		_, err := f.engine.Hazards.Apply(f.ctx, f.actors["ent"], h.ID, EventInput{Event: model.EventPlan, Version: h.Version, Fields: planFields()})
		var we *Error
		if !errors.As(err, &we) || !strings.Contains(we.Fields["deadline"], "延期") {
			t.Fatalf("plan moving the listed deadline: %v", err)
		}
		pf := planFields()
		pf.Deadline = nil
		h = f.fire(t, "ent", h, model.EventPlan, pf, "")
		if h.Deadline.String() != "2026-12-10" {
			t.Errorf("deadline = %s", h.Deadline)
		}
	})
}

func TestDismissAsDuplicate(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		a := f.toState(t, model.StateListed)
		b := f.hazard(t)
		_, err := f.engine.Hazards.Apply(f.ctx, f.actors["donghu"], b.ID, EventInput{Event: model.EventDismiss, Version: b.Version, Fields: Fields{Reason: sp("重复"), DuplicateOf: Ref(b.ID)}})
		if kindOf(err) != KindInvalid {
			t.Fatalf("duplicate of itself: %v", err)
		}
		b = f.fire(t, "donghu", b, model.EventDismiss, Fields{Reason: sp("与已登记隐患重复"), DuplicateOf: Ref(a.ID)}, "")
		if b.State != model.StateDismissed || b.DuplicateOf == nil || *b.DuplicateOf != a.ID {
			t.Fatalf("dismiss: %s duplicate_of %v", b.State, b.DuplicateOf)
		}
	})
}

// TestConcurrentEvents: 16 goroutines fire at one hazard with the same version;
// exactly one wins, the rest are told of a conflict, and the log stays whole.
func TestConcurrentEvents(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.toState(t, model.StateRectifying)
		const n = 16
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = f.engine.Hazards.Apply(f.ctx, f.actors["donghu"], h.ID, EventInput{
					Event: model.EventEscalate, Version: h.Version, Fields: Fields{Reason: sp("并发督办")}})
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case kindOf(err) != KindConflict:
				t.Errorf("a loser got %v, want a conflict", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d winners, want 1", wins)
		}
		after, err := f.engine.Hazards.Hazard(f.ctx, f.actors["donghu"], h.ID)
		noErr(t, err)
		if after.EscalationLevel != 1 || after.Version != h.Version+1 {
			t.Errorf("after the race: level %d version %d", after.EscalationLevel, after.Version)
		}
		r := verifyOK(t, f, h.ID)
		if int64(r.Events) != after.LastSeq {
			t.Errorf("log has %d events, hazard says %d", r.Events, after.LastSeq)
		}
	})
}

// TestLogIsAppendOnlyAndTamperEvident: the database refuses to change the log, and
// a change made behind its back (triggers off) is caught by the chain.
func TestLogIsAppendOnlyAndTamperEvident(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.toState(t, model.StateRectifying)
		if err := f.store.Exec(f.ctx, "UPDATE hazard_events SET comment = 'x' WHERE hazard_id = ?", h.ID); err == nil {
			t.Fatal("UPDATE of the log succeeded")
		}
		if err := f.store.Exec(f.ctx, "DELETE FROM hazard_events WHERE hazard_id = ?", h.ID); err == nil {
			t.Fatal("DELETE from the log succeeded")
		}
		// A tamperer with the database's keys switches the guard off.
		if f.store.Dialect() == model.DialectSQLite {
			noErr(t, f.store.Exec(f.ctx, "DROP TRIGGER hazard_events_no_update"))
		} else {
			noErr(t, f.store.Exec(f.ctx, "ALTER TABLE hazard_events DISABLE TRIGGER hazard_events_no_update"))
		}
		noErr(t, f.store.Exec(f.ctx, `UPDATE hazard_events SET payload = '{"measures":"无"}' WHERE hazard_id = ? AND seq = 3`, h.ID))
		r, err := f.engine.Hazards.Verify(f.ctx, f.actors["admin"], h.ID)
		noErr(t, err)
		if r.OK || r.BrokenAt != 3 {
			t.Fatalf("tampered chain verified as %+v", r)
		}
	})
}

func TestCreateHazardRules(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		xihuEnt := f.ents["xihu"]
		cases := []struct {
			name string
			who  string
			in   HazardInput
			kind Kind
		}{
			{"no title", "donghu", HazardInput{RegionCode: "360102"}, KindInvalid},
			{"region outside territory", "donghu", HazardInput{Title: "x", RegionCode: "360103"}, KindForbidden},
			{"enterprise outside territory", "donghu", HazardInput{Title: "x", EnterpriseID: &xihuEnt}, KindForbidden},
			{"enterprise for another", "ent", HazardInput{Title: "x", EnterpriseID: &xihuEnt}, KindForbidden},
			{"enterprise reporting a supervisory check", "ent", HazardInput{Title: "x", Source: "supervisory_check"}, KindInvalid},
			{"unknown region", "province", HazardInput{Title: "x", RegionCode: "369999"}, KindInvalid},
			{"future discovery", "donghu", HazardInput{Title: "x", RegionCode: "360102", DiscoveredAt: "2027-01-01"}, KindInvalid},
			{"admin", "admin", HazardInput{Title: "x", RegionCode: "360102"}, KindForbidden},
		}
		for _, c := range cases {
			if _, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors[c.who], c.in); kindOf(err) != c.kind {
				t.Errorf("%s: %v, want kind %d", c.name, err, c.kind)
			}
		}
		a := f.hazard(t)
		b, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["officer"], HazardInput{Title: "路边危险边坡", RegionCode: "360102", DiscoveredAt: "2026-11-27T08:30:00+08:00"})
		noErr(t, err)
		if b.Source != model.SourceOfficerReport || b.DiscoveredAt.Format("2006-01-02 15:04") != "2026-11-27 00:30" {
			t.Errorf("officer hazard: source %s discovered %s", b.Source, b.DiscoveredAt)
		}
		if a.Code[:len(a.Code)-4] != b.Code[:len(b.Code)-4] || a.Code == b.Code {
			t.Errorf("codes %s and %s: same region and day, next number", a.Code, b.Code)
		}
	})
}

// TestSourcesForIsCreateHazardsRule: SourcesFor lists exactly the sources
// CreateHazard takes from a role, the one it takes when none is given first.
func TestSourcesForIsCreateHazardsRule(t *testing.T) {
	f := newFixture(t, model.DialectSQLite)
	allSources := []model.Source{model.SourceSelfInspection, model.SourceSupervisoryCheck, model.SourcePublicReport, model.SourceOfficerReport}
	for _, who := range []string{"donghu", "officer", "ent", "admin"} {
		a := f.actors[who]
		sources := SourcesFor(a.Role)
		in := HazardInput{Title: "消防通道堆放杂物", RegionCode: "360102"}
		h, err := f.engine.Hazards.CreateHazard(f.ctx, a, in)
		switch {
		case len(sources) == 0 && err == nil:
			t.Errorf("%s registers hazards, but SourcesFor gives none", who)
		case len(sources) > 0 && (err != nil || h.Source != sources[0]):
			t.Errorf("%s without a source: %v %v, want the first of %v", who, h.Source, err, sources)
		}
		for _, s := range allSources {
			in.Source = string(s)
			_, err := f.engine.Hazards.CreateHazard(f.ctx, a, in)
			if taken := err == nil; taken != slices.Contains(sources, s) {
				t.Errorf("%s registering source %s: %v; SourcesFor gives %v", who, s, err, sources)
			}
		}
	}
	SourcesFor(model.RoleSupervisor)[0] = "changed"
	if SourcesFor(model.RoleSupervisor)[0] == "changed" {
		t.Error("SourcesFor hands out the rule's own slice")
	}
}
