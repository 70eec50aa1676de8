package workflow

import (
	"errors"
	"slices"
	"testing"

	"hazardloop/model"
)

// TestOffer: the actions offered per role on each state, written out by hand.
// The main action is the one the role is expected to take now: an enterprise
// lists its own finding, plans and submits; a checker confirms; a verifier
// approves or rejects; staff doing the party's part (plan, submit) do it on
// its behalf — always for an enterprise's hazard, and above the county for
// any — and a supervisor above the county is offered no submit of its own.
func TestOffer(t *testing.T) {
	ent, other := int64(7), int64(200)
	var (
		entA     = Actor{ID: 1, Role: model.RoleEnterprise, EnterpriseID: 7}
		county   = Actor{ID: 2, Role: model.RoleSupervisor, Region: "360102"}
		city     = Actor{ID: 3, Role: model.RoleSupervisor, Region: "360100"}
		province = Actor{ID: 4, Role: model.RoleSupervisor, Region: "360000"}
		township = Actor{ID: 5, Role: model.RoleSupervisor, Region: "360102001"}
		officer  = Actor{ID: 6, Role: model.RoleOfficer, Region: "360102"}
		admin    = Actor{ID: 8, Role: model.RoleAdmin}
	)
	actors := map[string]Actor{"entA": entA, "county": county, "city": city, "province": province, "township": township, "officer": officer, "admin": admin}
	type offer struct{ primary, onBehalf []model.Event }
	var (
		none    = offer{}
		confirm = offer{primary: []model.Event{model.EventConfirm}}
		plan    = offer{primary: []model.Event{model.EventPlan}}
		submit  = offer{primary: []model.Event{model.EventSubmit}}
		verify  = offer{primary: []model.Event{model.EventApprove, model.EventReject}}
		forPlan = offer{onBehalf: []model.Event{model.EventPlan}}
		forSub  = offer{onBehalf: []model.Event{model.EventSubmit}}
	)
	// An enterprise's hazard, from its self-inspection, in a township of
	// the county (so that the township's supervisor sees it too).
	enterprises := map[model.State]map[string]offer{
		model.StateDiscovered: {"entA": confirm, "county": confirm, "city": confirm, "province": confirm, "township": confirm, "officer": confirm, "admin": none},
		model.StateListed:     {"entA": plan, "county": forPlan, "city": forPlan, "province": forPlan, "township": forPlan, "officer": none, "admin": none},
		model.StateRectifying: {"entA": submit, "county": forSub, "city": forSub, "province": forSub, "township": forSub, "officer": none, "admin": none},
		// The township's supervisor is below the county: no write-off; an
		// officer verifies a general hazard.
		model.StateVerifying:  {"entA": none, "county": verify, "city": verify, "province": verify, "township": {primary: []model.Event{model.EventApprove, model.EventReject}}, "officer": verify, "admin": none},
		model.StateWrittenOff: {"entA": none, "county": none, "city": none, "province": none, "township": none, "officer": none, "admin": none},
		model.StateDismissed:  {"entA": none, "county": none, "city": none, "province": none, "township": none, "officer": none, "admin": none},
	}
	// A township's own hazard (responsible_party_type township): its own
	// staff plan and submit it; everyone else above it only on its behalf;
	// a county officer is not the township's and does nothing of it.
	townships := map[model.State]map[string]offer{
		model.StateListed:     {"entA": none, "county": forPlan, "city": forPlan, "province": forPlan, "township": plan, "officer": none},
		model.StateRectifying: {"entA": none, "county": forSub, "city": forSub, "province": forSub, "township": submit, "officer": none},
	}
	check := func(t *testing.T, name string, a Actor, h *model.Hazard, want offer) {
		t.Helper()
		primary, onBehalf := Offer(a, h)
		if !slices.Equal(primary, orEmpty(want.primary)) || !slices.Equal(onBehalf, orEmpty(want.onBehalf)) {
			t.Errorf("%s on a %s hazard: primary %v, on behalf %v; want %v, %v", name, h.State, primary, onBehalf, want.primary, want.onBehalf)
		}
		allowed := allowedEvents(a, h)
		for _, ev := range append(slices.Clone(primary), onBehalf...) {
			if !slices.Contains(allowed, ev) {
				t.Errorf("%s on a %s hazard: %s offered but not allowed (%v)", name, h.State, ev, allowed)
			}
			if slices.Contains(primary, ev) && slices.Contains(onBehalf, ev) {
				t.Errorf("%s on a %s hazard: %s both primary and on behalf", name, h.State, ev)
			}
		}
	}
	for s, byActor := range enterprises {
		for name, want := range byActor {
			h := &model.Hazard{State: s, Level: model.LevelGeneral, Source: model.SourceSelfInspection,
				RegionCode: "360102001", EnterpriseID: &ent, SubmittedBy: &other}
			check(t, name, actors[name], h, want)
		}
	}
	for s, byActor := range townships {
		for name, want := range byActor {
			h := &model.Hazard{State: s, Level: model.LevelGeneral, Source: model.SourceSupervisoryCheck,
				RegionCode: "360102001", ResponsibleUnit: "某街道办事处", SubmittedBy: &other,
				ResponsiblePartyType: model.PartyTownship, ResponsibleRegionCode: "360102001"}
			check(t, name, actors[name], h, want)
		}
	}

	t.Run("a transfer's receiver answers it", func(t *testing.T) {
		due := model.NewDate(2026, 12, 2)
		water := Actor{ID: 9, Role: model.RoleSupervisor, Region: "360102", Department: model.DeptWater}
		h := &model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, RegionCode: "360102", EnterpriseID: &ent,
			TransferDueOn: &due, TransferToRegion: "360102", TransferToDepartment: model.DeptWater}
		check(t, "water", water, h, offer{primary: []model.Event{model.EventAcceptTransfer, model.EventDeclineTransfer}})
		check(t, "county", county, h, forSub) // the sender still holds it
	})
	t.Run("a suspension", func(t *testing.T) {
		h := &model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, RegionCode: "360102", EnterpriseID: &ent, SuspensionOrderNo: "东应急停〔2026〕3号"}
		check(t, "entA", entA, h, offer{primary: []model.Event{model.EventSubmit, model.EventResumeRequest}})
		check(t, "county", county, h, offer{onBehalf: []model.Event{model.EventSubmit, model.EventResumeRequest}})
		at := h.CreatedAt
		h.ResumeRequestedAt = &at
		check(t, "county", county, h, offer{onBehalf: []model.Event{model.EventSubmit}, primary: []model.Event{model.EventResumeReview}})
	})
}

func orEmpty(evs []model.Event) []model.Event {
	if evs == nil {
		return []model.Event{}
	}
	return evs
}

// TestOnBehalfNeedsAReason: staff submitting for an enterprise say why, and
// the log marks it on its behalf; the enterprise itself needs no reason.
func TestOnBehalfNeedsAReason(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.toState(t, model.StateRectifying)
		h = f.proof(t, "ent", h)
		for _, who := range []string{"donghu", "province"} {
			if _, onBehalf := Offer(f.actors[who], h.Hazard); !slices.Equal(onBehalf, []model.Event{model.EventSubmit}) {
				t.Errorf("%s offered on behalf %v", who, onBehalf)
			}
		}
		_, err := f.engine.Hazards.Apply(f.ctx, f.actors["province"], h.ID, EventInput{Event: model.EventSubmit, Version: h.Version})
		var we *Error
		if !errors.As(err, &we) || we.Kind != KindInvalid || we.Fields["comment"] != "“代为提交整改”须填写理由：说明为何由您代责任单位办理" {
			t.Fatalf("on behalf without a reason: %v", err)
		}
		h = f.fire(t, "province", h, model.EventSubmit, Fields{}, "企业负责人住院，现场核对后代为提交")
		evs, err := f.engine.Hazards.Events(f.ctx, f.actors["admin"], h.ID)
		noErr(t, err)
		last := evs[len(evs)-1]
		if last.Event != model.EventSubmit || string(last.Payload) != `{"on_behalf":true}` || last.Role != model.RoleSupervisor || last.Comment == "" {
			t.Errorf("logged %s %s by %s (%q)", last.Event, last.Payload, last.Role, last.Comment)
		}
		// Who submitted may not verify: reject is left.
		if h.State != model.StateVerifying || !slices.Equal(h.PrimaryEvents, []model.Event{model.EventReject}) {
			t.Errorf("after: %s, primary %v", h.State, h.PrimaryEvents)
		}
	})
}
