package workflow

import (
	"fmt"
	"slices"

	"hazardloop/model"
)

// Actor is who fires an event: a user, or the system itself (the sweeper).
type Actor struct {
	ID           int64 // 0 for the system
	Name         string
	Role         model.Role
	Region       string // region code; "" for an admin without one
	EnterpriseID int64  // for enterprise users
	// Department is a supervisor's department; "" is taken as emergency (the
	// comprehensive supervisor, as every supervisor was before departments).
	Department model.Department
}

// SystemActor acts for the service itself.
var SystemActor = Actor{Name: "系统", Role: model.RoleSystem}

// ActorOf returns the actor for a user account.
func ActorOf(u *model.User) Actor {
	a := Actor{ID: u.ID, Name: u.Name(), Role: u.Role, Region: u.Region(), Department: u.Department}
	if u.EnterpriseID != nil {
		a.EnterpriseID = *u.EnterpriseID
	}
	return a
}

// department is the department a supervisor acts for ("" for other roles).
func (a Actor) department() model.Department {
	if a.Role != model.RoleSupervisor {
		return ""
	}
	if a.Department == "" {
		return model.DeptEmergency
	}
	return a.Department
}

// Scope is what the actor may see, territory × department: everything for an
// admin and the system, one enterprise for its users; for officers and the
// emergency bureau's supervisors their region and all below it, every
// department's hazards and those not yet listed; for another department's
// supervisors the hazards of their department in that territory and — the
// shared major-hazard register, read-only (ReadOnly) — every listed major
// hazard there. A hazard not yet listed has no department: the emergency
// bureau and the officers check it (unless a department's supervisor
// registered it, which makes it that department's from the start).
func (a Actor) Scope() model.Scope {
	switch a.Role {
	case model.RoleAdmin, model.RoleSystem:
		return model.AllScope
	case model.RoleEnterprise:
		return model.Scope{EnterpriseID: a.EnterpriseID}
	case model.RoleOfficer:
		return model.Scope{Region: a.Region}
	case model.RoleSupervisor:
		if d := a.department(); d != model.DeptEmergency {
			return model.Scope{Region: a.Region, Department: d, MajorToo: true}
		}
		return model.Scope{Region: a.Region}
	}
	return model.Scope{}
}

// registersFor is the department of a hazard the actor registers: a
// department's supervisor's own; "" (none until listed) for everyone else.
func (a Actor) registersFor() model.Department {
	if d := a.department(); d != model.DeptEmergency {
		return d
	}
	return ""
}

// readOnlyRefusal is the refusal of anything but reading a hazard the actor
// only sees: through the shared register (events, files, supervision replies,
// reports), or as the receiver of its transfer before signing for it.
func (a Actor) readOnlyRefusal(h *model.Hazard) error {
	msg := "该隐患由" + h.Department.Label() + "部门主管，本部门只读（重大隐患共享）"
	if !a.inScope(h) && a.receives(h) {
		msg = "该隐患正移交给本单位，接收之前只能接收或退回"
	}
	return &Error{Kind: KindForbidden, Code: "forbidden", Message: msg, Allowed: allowedEvents(a, h)}
}

// ReadOnly reports whether the actor may only read h: a department's
// supervisor and a major hazard of another department (the shared register),
// or the receiver of a transfer not yet accepted, who may only answer it
// (accept_transfer, decline_transfer). Such a hazard refuses every other event.
func (a Actor) ReadOnly(h *model.Hazard) bool {
	if !a.inScope(h) {
		return true
	}
	d := a.department()
	return d != "" && d != model.DeptEmergency && h.Department != d
}

// receives reports whether a is the receiving side of h's pending transfer: a
// supervisor of the department it goes to (emergency for a hazard without
// one) whose territory holds the region it goes to. The receiver sees the
// hazard, to sign for it, before it changes hands.
func (a Actor) receives(h *model.Hazard) bool {
	if a.Role != model.RoleSupervisor || h.TransferDueOn == nil {
		return false
	}
	return a.department() == receiverDepartment(h.TransferToDepartment) && model.Within(h.TransferToRegion, a.Region)
}

// answersTransfer: the events a transfer's receiver fires before it accepts.
func answersTransfer(ev model.Event) bool {
	return ev == model.EventAcceptTransfer || ev == model.EventDeclineTransfer
}

// anywhere: the system and the public may register hazards in any region.
func (a Actor) anywhere() bool { return a.Role == model.RoleSystem || a.Role == model.RolePublic }

// Sees reports whether the actor may see h: it lies in the actor's scope, or
// it is being transferred to the actor (receives).
func (a Actor) Sees(h *model.Hazard) bool { return a.inScope(h) || a.receives(h) }

// inScope reports whether h lies in the actor's scope (Scope).
func (a Actor) inScope(h *model.Hazard) bool {
	sc := a.Scope()
	switch {
	case sc.All:
		return true
	case sc.EnterpriseID != 0:
		return h.EnterpriseID != nil && *h.EnterpriseID == sc.EnterpriseID
	case sc.Region != "":
		if !model.Within(h.RegionCode, sc.Region) {
			return false
		}
		return sc.Department == "" || h.Department == sc.Department ||
			(sc.MajorToo && h.Level == model.LevelMajor && h.Department != "")
	}
	return false
}

// countyOrAbove: the actor's region is a county, city or province — six digits —
// not a township (nine) or a village (twelve).
func (a Actor) countyOrAbove() bool {
	return len(a.Region) == 6 && model.RegionLevelOf(a.Region) <= model.RegionCounty
}

// UnderListedSupervision reports whether a hazard graded level is under listed
// supervision (挂牌督办) from the moment it is listed: a major hazard is. Confirm,
// and the ledger's import of a row past discovered, set ListedSupervision by it;
// so must any other way a hazard comes to be listed.
func UnderListedSupervision(level model.Level) bool { return level == model.LevelMajor }

// SetListing settles h's listed supervision as it is listed (confirm, a
// ledger row past discovered, the bulk seed): a major hazard goes under it,
// listed by its county (挂牌层级: 县级) unless a higher level already holds it;
// a general one is not under it.
func SetListing(h *model.Hazard) {
	h.ListedSupervision = UnderListedSupervision(h.Level)
	switch {
	case !h.ListedSupervision:
		h.ListedLevel, h.ListedRegion = "", ""
	case h.ListedLevel == "":
		h.ListedLevel, h.ListedRegion = model.ListCounty, model.CodeCounty(h.RegionCode)
	}
}

// listingRegion is the code of h's region at list level l: its county, city or
// province.
func listingRegion(h *model.Hazard, l model.ListLevel) string {
	province, city, county, _ := model.RegionLevels(h.RegionCode)
	switch l {
	case model.ListProvince:
		return province
	case model.ListCity:
		return city
	}
	return county
}

// atListingLevel: the actor is of the level that listed h or above, over the
// listing region (a county's listing is lifted by that county, its city or
// the province; a city's by that city or the province).
func (a Actor) atListingLevel(h *model.Hazard) bool {
	if h.ListedLevel == "" {
		return true
	}
	return len(a.Region) == 6 && model.RegionLevelOf(a.Region) <= h.ListedLevel.RegionLevel() && model.Within(h.ListedRegion, a.Region)
}

// condition is one requirement of a rule: the Chinese sentence said when it fails.
// level is the hazard's grade after the event (an event may set it).
type condition struct {
	unmet string
	holds func(a Actor, h *model.Hazard, level model.Level) bool
}

var (
	always = condition{}

	selfInspectionOnly = condition{
		unmet: "企业只能核查登记本单位自查发现的隐患",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.Source == model.SourceSelfInspection },
	}
	generalOnly = condition{
		unmet: "重大事故隐患须由监管人员办理",
		holds: func(_ Actor, _ *model.Hazard, l model.Level) bool { return l == model.LevelGeneral },
	}
	notSubmitter = condition{
		unmet: "核实人不能是提交整改的人",
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool {
			return h.SubmittedBy == nil || *h.SubmittedBy != a.ID
		},
	}
	majorNeedsCounty = condition{
		unmet: "重大事故隐患须由县级及以上监管人员核实",
		holds: func(a Actor, _ *model.Hazard, l model.Level) bool {
			return l == model.LevelGeneral || a.countyOrAbove()
		},
	}
	countyOrAbove = condition{
		unmet: "撤销销号须由县级及以上监管人员办理",
		holds: func(a Actor, _ *model.Hazard, _ model.Level) bool { return a.countyOrAbove() },
	}
	competentDepartment = condition{
		unmet: "核实销号须由该隐患的主管部门办理（审核把关销号）",
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool { return verifierDepartment(a, h) },
	}
	// An officer's own finding is checked by someone else: a supervisor of
	// its territory or another officer (whose territory covers it).
	notOwnFinding = condition{
		unmet: "信息员上报的隐患须由其他人员核查",
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool {
			return h.CreatedBy == nil || *h.CreatedBy != a.ID
		},
	}
	// An officer's finding is checked by someone of the reporting officer's
	// region or above: a village officer's by the township or the county,
	// never by an officer of a village below a township officer who reported.
	reporterRegionOrAbove = condition{
		unmet: "信息员上报的隐患须由上报人所在区划或上级的人员核查",
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool {
			return h.Source != model.SourceOfficerReport || h.CreatedRegion == "" || model.Within(h.CreatedRegion, a.Region)
		},
	}
	noPendingTransfer = condition{
		unmet: "该隐患已有待对方接收的移交，须等对方接收或退回",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.TransferDueOn == nil },
	}
	receivesTransfer = condition{
		unmet: "只有移交的接收单位（目标部门、目标区划的监管人员）才能接收或退回",
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool { return a.receives(h) },
	}
	transferLate = condition{
		unmet: "该隐患没有逾期未接收的移交",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool {
			return h.TransferDueOn != nil && !h.TransferNoticed
		},
	}
	listingLevelOrAbove = condition{
		unmet: "挂牌督办的重大隐患须由挂牌层级或以上的监管人员摘牌（核实销号）",
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool { return a.atListingLevel(h) },
	}
	underListedSupervision = condition{
		unmet: "只有挂牌督办的重大事故隐患才能提级挂牌",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.ListedSupervision },
	}
	cityOrAbove = condition{
		unmet: "提级挂牌督办须由市级或省级监管人员办理",
		holds: func(a Actor, _ *model.Hazard, _ model.Level) bool {
			return len(a.Region) == 6 && model.RegionLevelOf(a.Region) <= model.RegionCity
		},
	}
	aboveListing = condition{
		unmet: "该隐患已由本级或更高层级挂牌督办，不能再提级",
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool {
			return h.ListedLevel == "" || model.RegionLevelOf(a.Region) < h.ListedLevel.RegionLevel()
		},
	}
	verifyLate = condition{
		unmet: "该隐患没有未标记的核实超时",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return !h.VerifyNoticed },
	}
	noStandingSuspension = condition{
		unmet: "该隐患的停产停业指令尚未经复产审查解除，不能销号",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.SuspensionOrderNo == "" },
	}
	notSuspended = condition{
		unmet: "该隐患已下达停产停业指令",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.SuspensionOrderNo == "" },
	}
	suspendedByOrder = condition{
		unmet: "该隐患没有停产停业指令",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.SuspensionOrderNo != "" },
	}
	noResumeRequest = condition{
		unmet: "已申请恢复生产，等待复产审查",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.ResumeRequestedAt == nil },
	}
	resumeRequested = condition{
		unmet: "没有待审查的复产申请",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.ResumeRequestedAt != nil },
	}
	resumeLate = condition{
		unmet: "该隐患没有超期未审查的复产申请",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.ResumeDueOn != nil && !h.ResumeNoticed },
	}
	disasterOnly = condition{
		unmet: "巡查只针对灾害隐患",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.Category == model.CategoryDisaster },
	}
	patrolLate = condition{
		unmet: "该隐患本周期的巡查尚未逾期",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.PatrolDueOn != nil },
	}
	dangerStanding = condition{
		unmet: "该隐患没有待处置的险情",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.DangerAt != nil },
	}
	belowTopStep = condition{
		unmet: "已处于最高督办等级（曝光），不能再升级",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.EscalationLevel < maxEscalation },
	}
)

const maxEscalation = 4

// rules says, per event, which roles may fire it and on what conditions. A role
// missing from an event's entry may not fire it at all. Territory (region, own
// enterprise) and department (Scope, ReadOnly) are checked for every event
// before these rules.
var rules = map[model.Event]map[model.Role][]condition{
	model.EventConfirm: {
		model.RoleSupervisor: {reporterRegionOrAbove},
		model.RoleOfficer:    {notOwnFinding, reporterRegionOrAbove},
		model.RoleEnterprise: {selfInspectionOnly, generalOnly},
	},
	model.EventDismiss: {
		model.RoleSupervisor: {reporterRegionOrAbove},
		model.RoleOfficer:    {notOwnFinding, reporterRegionOrAbove},
	},
	// The party plans and submits (party.go): an enterprise its own, a
	// township's or village's officers their body's and an owner's for it;
	// supervisors any party's, on its behalf when not the party (OnBehalf).
	model.EventPlan: {
		model.RoleSupervisor: {always},
		model.RoleEnterprise: {enterpriseRectifies},
		model.RoleOfficer:    {officerRectifies},
	},
	model.EventSubmit: {
		model.RoleSupervisor: {always},
		model.RoleEnterprise: {enterpriseRectifies},
		model.RoleOfficer:    {officerRectifies},
	},
	// Verification is never by the party that rectified (party.go).
	model.EventApprove: {
		model.RoleSupervisor: {notSubmitter, majorNeedsCounty, competentDepartment, listingLevelOrAbove, noStandingSuspension,
			localBodyVerifiedAbove, departmentVerifiedByOthers},
		model.RoleOfficer: {notSubmitter, generalOnly, noStandingSuspension, localBodyVerifiedAbove, departmentVerifiedByOthers},
	},
	model.EventReject: {
		model.RoleSupervisor: {competentDepartment, localBodyVerifiedAbove, departmentVerifiedByOthers},
		model.RoleOfficer:    {generalOnly, localBodyVerifiedAbove, departmentVerifiedByOthers},
	},
	model.EventExtend: {
		model.RoleSupervisor: {always},
	},
	model.EventEscalate: {
		model.RoleSupervisor: {belowTopStep},
		model.RoleSystem:     {belowTopStep},
	},
	model.EventReopen: {
		model.RoleSupervisor: {countyOrAbove},
	},
	// Only the sweeper reminds, once per due day; nobody fires it by hand.
	model.EventRemind: {
		model.RoleSystem: {always},
	},
	// A supervisor who may act on the hazard hands it over; the receiving
	// side answers; the sweeper flags a late answer once.
	model.EventTransfer: {
		model.RoleSupervisor: {noPendingTransfer},
	},
	model.EventAcceptTransfer: {
		model.RoleSupervisor: {receivesTransfer},
	},
	model.EventDeclineTransfer: {
		model.RoleSupervisor: {receivesTransfer},
	},
	model.EventTransferOverdue: {
		model.RoleSystem: {transferLate},
	},
	// A supervisor orders a suspension; the responsible party (or staff on
	// its behalf) asks to resume with a written request; a supervisor reviews
	// it on site; the sweep records a late review once.
	model.EventSuspend: {
		model.RoleSupervisor: {notSuspended},
	},
	model.EventResumeRequest: {
		model.RoleEnterprise: {suspendedByOrder, noResumeRequest},
		model.RoleSupervisor: {suspendedByOrder, noResumeRequest},
	},
	model.EventResumeReview: {
		model.RoleSupervisor: {resumeRequested},
	},
	model.EventResumeReviewDue: {
		model.RoleSystem: {resumeLate},
	},
	// Only the sweep records a late verification, once per submission.
	model.EventVerifyOverdue: {
		model.RoleSystem: {verifyLate},
	},
	// A successful avoidance of a disaster hazard is recorded by the staff of
	// its territory: the supervisors, and the officers (the village's
	// monitors among them) who saw it first-hand. Its reward is two
	// supervisors' business (reward.go).
	model.EventAvoidance: {
		model.RoleSupervisor: {always},
		model.RoleOfficer:    {always},
	},
	// Patrols of disaster hazards (patrol.go): staff of the territory patrol
	// (a monitor, 群测群防员, patrols with an officer's account); the sweep
	// records a missed cycle; a supervisor answers a danger sign.
	model.EventPatrol: {
		model.RoleOfficer:    {disasterOnly},
		model.RoleSupervisor: {disasterOnly},
	},
	model.EventPatrolDue: {
		model.RoleSystem: {disasterOnly, patrolLate},
	},
	model.EventRespond: {
		model.RoleSupervisor: {dangerStanding},
	},
	// A city or the province raises a major hazard's listed supervision.
	model.EventListSupervision: {
		model.RoleSupervisor: {underListedSupervision, cityOrAbove, aboveListing},
	},
}

// unmet lists, in Chinese, why a may not fire ev on h (the hazard's grade after the
// event being level); nil when it may. Territory and state are checked elsewhere.
func unmet(a Actor, h *model.Hazard, ev model.Event, level model.Level) []string {
	conds, ok := rules[ev][a.Role]
	if !ok {
		return []string{fmt.Sprintf("%s无权执行“%s”", a.Role.Label(), ev.Label())}
	}
	var out []string
	for _, c := range conds {
		if c.holds != nil && !c.holds(a, h, level) {
			out = append(out, c.unmet)
		}
	}
	return out
}

// permits reports whether unmet(a, h, ev, level) is empty, without building
// the refusals' texts: the list asks it for every event of every row.
func permits(a Actor, h *model.Hazard, ev model.Event, level model.Level) bool {
	conds, ok := rules[ev][a.Role]
	if !ok {
		return false
	}
	for _, c := range conds {
		if c.holds != nil && !c.holds(a, h, level) {
			return false
		}
	}
	return true
}

// allowedEvents lists what a may fire on h now, in lifecycle order.
func allowedEvents(a Actor, h *model.Hazard) []model.Event {
	if !a.Sees(h) {
		return nil
	}
	out := []model.Event{}
	readOnly := a.ReadOnly(h)
	for _, ev := range eventsFrom(h.State) {
		if readOnly && !answersTransfer(ev) || !fitsCategory(h, ev) {
			continue
		}
		if permits(a, h, ev, h.Level) {
			out = append(out, ev)
		}
	}
	return out
}

// The actions a role is offered are its own. Of what a may fire on h
// (allowedEvents), its primary events are the ones its role is expected to
// take now: an enterprise lists its own finding, plans, submits and asks to
// resume; a checker confirms; a verifier approves or rejects; a transfer's
// receiver answers it; a supervisor reviews a request to resume. The party's
// events fired by someone else are on its behalf (OnBehalf): possible, but
// marked 代为… and carrying the reason in the comment. The rest (extend,
// escalate, transfer, suspend, …) are a supervisor's other means, offered
// folded.
var expected = map[model.Role][]model.Event{
	model.RoleEnterprise: {model.EventConfirm, model.EventPlan, model.EventSubmit, model.EventResumeRequest},
	model.RoleSupervisor: {model.EventConfirm, model.EventPlan, model.EventSubmit, model.EventApprove, model.EventReject,
		model.EventAcceptTransfer, model.EventDeclineTransfer, model.EventResumeReview},
	model.RoleOfficer: {model.EventConfirm, model.EventPlan, model.EventSubmit, model.EventApprove, model.EventReject},
}

// partyEvents are the events of the party that rectifies a hazard.
var partyEvents = map[model.Event]bool{model.EventPlan: true, model.EventSubmit: true, model.EventResumeRequest: true}

// OnBehalf reports whether a firing ev on h acts for the party that
// rectifies it (代为办理): ev is the party's (plan, submit, resume_request)
// and a is staff (a supervisor or an officer) who is not that party
// (IsParty): an enterprise's hazard done by staff, a township's or village's
// by anyone but its own staff, a department's by anyone but its county
// bureau, and an owner's always (代录: the owner has no account).
func OnBehalf(a Actor, h *model.Hazard, ev model.Event) bool {
	if !partyEvents[ev] || (a.Role != model.RoleSupervisor && a.Role != model.RoleOfficer) {
		return false
	}
	return !IsParty(a, h)
}

// Offer splits what a may fire on h now (allowedEvents, in lifecycle order):
// Primary, what a's role is expected to do now; OnBehalf, the party's events
// a may fire for it (marked 代为, a reason required). An event is in at most
// one of them; what is in neither is a's other means.
func Offer(a Actor, h *model.Hazard) (primary, onBehalf []model.Event) {
	primary, onBehalf = []model.Event{}, []model.Event{}
	for _, ev := range allowedEvents(a, h) {
		switch {
		case OnBehalf(a, h, ev):
			onBehalf = append(onBehalf, ev)
		case slices.Contains(expected[a.Role], ev):
			primary = append(primary, ev)
		}
	}
	return primary, onBehalf
}

// OnBehalfLabel is the label of ev fired for the party: 代为提交整改.
func OnBehalfLabel(ev model.Event) string { return "代为" + ev.Label() }
