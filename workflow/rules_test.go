package workflow

import (
	"slices"
	"testing"

	"hazardloop/model"
)

// The lifecycle and the rules of docs/design.md, written out independently of rules.go:
// from which states each event leaves, and which roles may fire it on a general
// hazard in their own territory.
var (
	wantFrom = map[model.Event][]model.State{
		model.EventConfirm:         {model.StateDiscovered},
		model.EventDismiss:         {model.StateDiscovered},
		model.EventPlan:            {model.StateListed},
		model.EventSubmit:          {model.StateRectifying},
		model.EventApprove:         {model.StateVerifying},
		model.EventReject:          {model.StateVerifying},
		model.EventExtend:          {model.StateRectifying},
		model.EventEscalate:        {model.StateListed, model.StateRectifying},
		model.EventReopen:          {model.StateWrittenOff},
		model.EventRemind:          {model.StateListed, model.StateRectifying},
		model.EventTransfer:        {model.StateDiscovered, model.StateListed, model.StateRectifying},
		model.EventAcceptTransfer:  {model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateVerifying},
		model.EventDeclineTransfer: {model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateVerifying},
		model.EventTransferOverdue: {model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateVerifying},
		model.EventListSupervision: {model.StateListed, model.StateRectifying, model.StateVerifying},
		model.EventVerifyOverdue:   {model.StateVerifying},
		model.EventSuspend:         {model.StateListed, model.StateRectifying, model.StateVerifying},
		model.EventResumeRequest:   {model.StateListed, model.StateRectifying, model.StateVerifying},
		model.EventResumeReview:    {model.StateListed, model.StateRectifying, model.StateVerifying},
		model.EventResumeReviewDue: {model.StateListed, model.StateRectifying, model.StateVerifying},
		model.EventAvoidance:       {model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateVerifying, model.StateWrittenOff},
		model.EventPatrol:          {model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateVerifying},
		model.EventPatrolDue:       {model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateVerifying},
		model.EventRespond:         {model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateVerifying},
	}
	wantTo = map[model.Event]model.State{
		model.EventConfirm: model.StateListed, model.EventDismiss: model.StateDismissed,
		model.EventPlan: model.StateRectifying, model.EventSubmit: model.StateVerifying,
		model.EventApprove: model.StateWrittenOff, model.EventReject: model.StateRectifying,
		model.EventReopen: model.StateRectifying,
	}
	wantRoles = map[model.Event][]model.Role{
		model.EventConfirm:       {model.RoleSupervisor, model.RoleOfficer, model.RoleEnterprise},
		model.EventDismiss:       {model.RoleSupervisor, model.RoleOfficer},
		model.EventPlan:          {model.RoleSupervisor, model.RoleEnterprise},
		model.EventSubmit:        {model.RoleSupervisor, model.RoleEnterprise},
		model.EventApprove:       {model.RoleSupervisor, model.RoleOfficer},
		model.EventReject:        {model.RoleSupervisor, model.RoleOfficer},
		model.EventExtend:        {model.RoleSupervisor},
		model.EventEscalate:      {model.RoleSupervisor, model.RoleSystem},
		model.EventReopen:        {model.RoleSupervisor},
		model.EventRemind:        {model.RoleSystem},
		model.EventTransfer:      {model.RoleSupervisor},
		model.EventVerifyOverdue: {model.RoleSystem},
		model.EventSuspend:       {model.RoleSupervisor},
		// patrol, patrol_due and respond are a disaster hazard's: none in
		// the matrix (TestRuleConditions and patrol_test.go have them).
		// resume_request, resume_review and resume_review_due need a
		// standing order: none in the matrix.
		// accept_transfer, decline_transfer and transfer_overdue need a
		// pending transfer, which the matrix's hazards have none of: nobody
		// (TestRuleConditions has them). list_supervision needs a major
		// hazard under listed supervision and a city or the province: none of
		// the matrix's (its actors are a county's). avoidance is a disaster
		// hazard's only, and the matrix's are accident hazards: nobody
		// (TestAvoidanceEvent has supervisors and officers on a disaster hazard).
	}
	// On a major hazard, officers and enterprises lose these.
	majorDenied = map[model.Role][]model.Event{
		model.RoleOfficer:    {model.EventApprove, model.EventReject},
		model.RoleEnterprise: {model.EventConfirm},
	}
)

var allRoles = []model.Role{model.RoleAdmin, model.RoleSupervisor, model.RoleOfficer, model.RoleEnterprise, model.RoleSystem}

func actorFor(r model.Role) Actor {
	return Actor{ID: 100, Name: string(r), Role: r, Region: "360102", EnterpriseID: 7}
}

// TestRuleMatrix checks every (state, event, role) cell, on general and major
// hazards: the FSM's answer and the rules' answer against the tables above.
func TestRuleMatrix(t *testing.T) {
	ent := int64(7)
	submitter := int64(200)
	for _, level := range []model.Level{model.LevelGeneral, model.LevelMajor} {
		for _, s := range model.States {
			for _, ev := range Events {
				for _, role := range allRoles {
					h := &model.Hazard{State: s, Level: level, Source: model.SourceSelfInspection,
						RegionCode: "360102", EnterpriseID: &ent, SubmittedBy: &submitter}
					a := actorFor(role)
					want := slices.Contains(wantFrom[ev], s) && slices.Contains(wantRoles[ev], role)
					if level == model.LevelMajor && slices.Contains(majorDenied[role], ev) {
						want = false
					}
					if permits(a, h, ev, level) != (len(unmet(a, h, ev, level)) == 0) {
						t.Errorf("%s hazard in %s, %s by %s: permits and unmet disagree", level, s, ev, role)
					}
					got := slices.Contains(allowedEvents(a, h), ev)
					if got != want {
						t.Errorf("%s hazard in %s, %s by %s: allowed=%v, want %v", level, s, ev, role, got, want)
					}
					to, ok := fire(s, ev)
					if ok != slices.Contains(wantFrom[ev], s) {
						t.Errorf("fire(%s, %s) ok=%v", s, ev, ok)
					}
					if ok {
						wantState, moves := wantTo[ev]
						if !moves {
							wantState = s // extend, escalate and remind keep the state
						}
						if to != wantState {
							t.Errorf("fire(%s, %s) = %s, want %s", s, ev, to, wantState)
						}
					}
				}
			}
		}
	}
}

// TestRuleConditions checks each condition of the rules on its own, with the
// Chinese sentence it gives.
func TestRuleConditions(t *testing.T) {
	ent, other := int64(7), int64(8)
	sup := actorFor(model.RoleSupervisor)
	water := Actor{ID: 2, Role: model.RoleSupervisor, Region: "360102", Department: model.DeptWater}
	due := model.NewDate(2026, 12, 2)
	cases := []struct {
		name   string
		a      Actor
		h      model.Hazard
		ev     model.Event
		want   bool
		reason string
	}{
		{"verifier may not be the submitter", sup, model.Hazard{State: model.StateVerifying, Level: model.LevelGeneral, RegionCode: "360102", SubmittedBy: &sup.ID},
			model.EventApprove, false, "核实人不能是提交整改的人"},
		{"another supervisor may verify", sup, model.Hazard{State: model.StateVerifying, Level: model.LevelGeneral, RegionCode: "360102", EnterpriseID: &ent, SubmittedBy: &other},
			model.EventApprove, true, ""},
		{"enterprise confirms only self-inspection", actorFor(model.RoleEnterprise), model.Hazard{State: model.StateDiscovered, Level: model.LevelGeneral, Source: model.SourceSupervisoryCheck, RegionCode: "360102", EnterpriseID: &ent},
			model.EventConfirm, false, "企业只能核查登记本单位自查发现的隐患"},
		{"officer cannot write off a major hazard", actorFor(model.RoleOfficer), model.Hazard{State: model.StateVerifying, Level: model.LevelMajor, RegionCode: "360102", SubmittedBy: &other},
			model.EventApprove, false, "重大事故隐患须由监管人员办理"},
		{"no step beyond exposure", sup, model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, RegionCode: "360102", EscalationLevel: 4},
			model.EventEscalate, false, "已处于最高督办等级（曝光），不能再升级"},
		{"township territory cannot reopen", Actor{ID: 1, Role: model.RoleSupervisor, Region: "36010201"}, model.Hazard{State: model.StateWrittenOff, RegionCode: "360102"},
			model.EventReopen, false, "撤销销号须由县级及以上监管人员办理"},
		{"a finding checked by the reporter's region or above", Actor{ID: 1, Role: model.RoleOfficer, Region: "360102001"},
			model.Hazard{State: model.StateDiscovered, Source: model.SourceOfficerReport, RegionCode: "360102001001", CreatedRegion: "360102001", CreatedBy: &other},
			model.EventConfirm, true, ""},
		{"not by a village below the reporting township", Actor{ID: 1, Role: model.RoleOfficer, Region: "360102001001"},
			model.Hazard{State: model.StateDiscovered, Source: model.SourceOfficerReport, RegionCode: "360102001001", CreatedRegion: "360102001", CreatedBy: &other},
			model.EventConfirm, false, "信息员上报的隐患须由上报人所在区划或上级的人员核查"},
		{"nor dismissed there by a village supervisor", Actor{ID: 1, Role: model.RoleSupervisor, Region: "360102001001"},
			model.Hazard{State: model.StateDiscovered, Source: model.SourceOfficerReport, RegionCode: "360102001001", CreatedRegion: "360102001", CreatedBy: &other},
			model.EventDismiss, false, "信息员上报的隐患须由上报人所在区划或上级的人员核查"},
		{"one transfer at a time", sup, model.Hazard{State: model.StateListed, RegionCode: "360102", TransferDueOn: &due, TransferToRegion: "360102", TransferToDepartment: model.DeptWater},
			model.EventTransfer, false, "该隐患已有待对方接收的移交，须等对方接收或退回"},
		{"the receiver accepts", water, model.Hazard{State: model.StateListed, RegionCode: "360102", TransferDueOn: &due, TransferToRegion: "360102", TransferToDepartment: model.DeptWater},
			model.EventAcceptTransfer, true, ""},
		{"another department does not", sup, model.Hazard{State: model.StateListed, RegionCode: "360102", TransferDueOn: &due, TransferToRegion: "360102", TransferToDepartment: model.DeptWater},
			model.EventDeclineTransfer, false, "只有移交的接收单位（目标部门、目标区划的监管人员）才能接收或退回"},
		{"nor the department of another county", Actor{ID: 3, Role: model.RoleSupervisor, Region: "360103", Department: model.DeptWater},
			model.Hazard{State: model.StateListed, RegionCode: "360102", TransferDueOn: &due, TransferToRegion: "360102", TransferToDepartment: model.DeptWater},
			model.EventAcceptTransfer, false, "只有移交的接收单位（目标部门、目标区划的监管人员）才能接收或退回"},
		{"the emergency bureau receives a hazard without a department", sup, model.Hazard{State: model.StateDiscovered, RegionCode: "360103", TransferDueOn: &due, TransferToRegion: "360102"},
			model.EventAcceptTransfer, true, ""},
		{"a late transfer is flagged once", SystemActor, model.Hazard{State: model.StateListed, RegionCode: "360102", TransferDueOn: &due, TransferNoticed: true},
			model.EventTransferOverdue, false, "该隐患没有逾期未接收的移交"},
		{"a city raises a county's listing", Actor{ID: 1, Role: model.RoleSupervisor, Region: "360100"},
			model.Hazard{State: model.StateRectifying, Level: model.LevelMajor, RegionCode: "360102", ListedSupervision: true, ListedLevel: model.ListCounty, ListedRegion: "360102"},
			model.EventListSupervision, true, ""},
		{"a county does not", sup, model.Hazard{State: model.StateRectifying, Level: model.LevelMajor, RegionCode: "360102", ListedSupervision: true, ListedLevel: model.ListCounty, ListedRegion: "360102"},
			model.EventListSupervision, false, "提级挂牌督办须由市级或省级监管人员办理"},
		{"nor a city its own listing again", Actor{ID: 1, Role: model.RoleSupervisor, Region: "360100"},
			model.Hazard{State: model.StateRectifying, Level: model.LevelMajor, RegionCode: "360102", ListedSupervision: true, ListedLevel: model.ListCity, ListedRegion: "360100"},
			model.EventListSupervision, false, "该隐患已由本级或更高层级挂牌督办，不能再提级"},
		{"a general hazard is not listed", Actor{ID: 1, Role: model.RoleSupervisor, Region: "360000"},
			model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, RegionCode: "360102"},
			model.EventListSupervision, false, "只有挂牌督办的重大事故隐患才能提级挂牌"},
		{"a county does not lift a city's listing", sup, model.Hazard{State: model.StateVerifying, Level: model.LevelMajor, RegionCode: "360102", SubmittedBy: &other,
			ListedSupervision: true, ListedLevel: model.ListCity, ListedRegion: "360100"},
			model.EventApprove, false, "挂牌督办的重大隐患须由挂牌层级或以上的监管人员摘牌（核实销号）"},
		{"the city lifts its own", Actor{ID: 1, Role: model.RoleSupervisor, Region: "360100"}, model.Hazard{State: model.StateVerifying, Level: model.LevelMajor, RegionCode: "360102", SubmittedBy: &other,
			ListedSupervision: true, ListedLevel: model.ListCity, ListedRegion: "360100"},
			model.EventApprove, true, ""},
		{"another city does not", Actor{ID: 1, Role: model.RoleSupervisor, Region: "360400"}, model.Hazard{State: model.StateVerifying, Level: model.LevelMajor, RegionCode: "360102", SubmittedBy: &other,
			ListedSupervision: true, ListedLevel: model.ListCity, ListedRegion: "360100"},
			model.EventApprove, false, "挂牌督办的重大隐患须由挂牌层级或以上的监管人员摘牌（核实销号）"},
		{"an officer patrols a disaster hazard", actorFor(model.RoleOfficer), model.Hazard{State: model.StateListed, RegionCode: "360102", Category: model.CategoryDisaster},
			model.EventPatrol, true, ""},
		{"not an accident hazard", actorFor(model.RoleOfficer), model.Hazard{State: model.StateListed, RegionCode: "360102", Category: model.CategoryAccident},
			model.EventPatrol, false, "巡查只针对灾害隐患"},
		{"nor does an enterprise patrol", actorFor(model.RoleEnterprise), model.Hazard{State: model.StateListed, RegionCode: "360102", Category: model.CategoryDisaster},
			model.EventPatrol, false, "企业用户无权执行“巡查”"},
		{"a supervisor answers a danger sign", sup, model.Hazard{State: model.StateListed, RegionCode: "360102", Category: model.CategoryDisaster, DangerAt: &fixedNow},
			model.EventRespond, true, ""},
		{"none standing", sup, model.Hazard{State: model.StateListed, RegionCode: "360102", Category: model.CategoryDisaster},
			model.EventRespond, false, "该隐患没有待处置的险情"},
		{"an officer does not answer it", actorFor(model.RoleOfficer), model.Hazard{State: model.StateListed, RegionCode: "360102", Category: model.CategoryDisaster, DangerAt: &fixedNow},
			model.EventRespond, false, "信息员无权执行“险情处置”"},
		{"admin fires nothing", actorFor(model.RoleAdmin), model.Hazard{State: model.StateDiscovered, RegionCode: "360102"},
			model.EventConfirm, false, "系统管理员无权执行“核查属实，列入清单”"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := unmet(c.a, &c.h, c.ev, c.h.Level)
			if (len(got) == 0) != c.want {
				t.Fatalf("unmet = %q, want allowed=%v", got, c.want)
			}
			if !c.want && !slices.Contains(got, c.reason) {
				t.Errorf("unmet = %q, want it to say %q", got, c.reason)
			}
		})
	}
}

// TestTerritory: staff see their region and all below it; enterprises only their own.
func TestTerritory(t *testing.T) {
	ent, other := int64(7), int64(8)
	cases := []struct {
		a    Actor
		h    model.Hazard
		want bool
	}{
		{Actor{Role: model.RoleSupervisor, Region: "360000"}, model.Hazard{RegionCode: "360102"}, true},
		{Actor{Role: model.RoleSupervisor, Region: "360100"}, model.Hazard{RegionCode: "360103"}, true},
		{Actor{Role: model.RoleSupervisor, Region: "360100"}, model.Hazard{RegionCode: "360402"}, false},
		{Actor{Role: model.RoleSupervisor, Region: "360102"}, model.Hazard{RegionCode: "360103"}, false},
		{Actor{Role: model.RoleOfficer, Region: "360102"}, model.Hazard{RegionCode: "360102"}, true},
		{Actor{Role: model.RoleEnterprise, EnterpriseID: 7}, model.Hazard{RegionCode: "360102", EnterpriseID: &ent}, true},
		{Actor{Role: model.RoleEnterprise, EnterpriseID: 7}, model.Hazard{RegionCode: "360102", EnterpriseID: &other}, false},
		{Actor{Role: model.RoleEnterprise, EnterpriseID: 7}, model.Hazard{RegionCode: "360102"}, false},
		{Actor{Role: model.RoleAdmin}, model.Hazard{RegionCode: "360402"}, true},
	}
	for _, c := range cases {
		if got := c.a.Sees(&c.h); got != c.want {
			t.Errorf("%s of %s/%d sees hazard in %s (enterprise %v): %v, want %v",
				c.a.Role, c.a.Region, c.a.EnterpriseID, c.h.RegionCode, c.h.EnterpriseID, got, c.want)
		}
	}
}

func TestCreditCode(t *testing.T) {
	for _, c := range []struct {
		code string
		want bool
	}{
		{"91350100M000100Y43", true}, // a published example
		{"91350100M000100Y44", false},
		{"91350100M000100Y4", false},
		{"91350100M0001O0Y43", false}, // O is not in the alphabet
		{"", false},
	} {
		if got := ValidCreditCode(c.code); got != c.want {
			t.Errorf("ValidCreditCode(%q) = %v, want %v", c.code, got, c.want)
		}
	}
}
