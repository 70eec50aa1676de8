package workflow

import (
	"fmt"

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

// readOnlyRefusal is the refusal of anything but reading a hazard seen only
// through the shared register (events, files, supervision replies, reports).
func readOnlyRefusal(h *model.Hazard) error {
	return &Error{Kind: KindForbidden, Code: "forbidden",
		Message: "该隐患由" + h.Department.Label() + "部门主管，本部门只读（重大隐患共享）", Allowed: []model.Event{}}
}

// ReadOnly reports whether the actor sees h only through the shared register:
// a department's supervisor and a major hazard of another department. Such a
// hazard offers no event and refuses every one.
func (a Actor) ReadOnly(h *model.Hazard) bool {
	d := a.department()
	return d != "" && d != model.DeptEmergency && h.Department != d
}

// anywhere: the system and the public may register hazards in any region.
func (a Actor) anywhere() bool { return a.Role == model.RoleSystem || a.Role == model.RolePublic }

// Sees reports whether h lies in the actor's scope.
func (a Actor) Sees(h *model.Hazard) bool {
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
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool {
			return h.Department == a.department() || (h.Department == "" && a.department() == model.DeptEmergency)
		},
	}
	// An officer's own finding is checked by someone else: a supervisor of
	// its territory or another officer (whose territory covers it).
	notOwnFinding = condition{
		unmet: "信息员上报的隐患须由其他人员核查",
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool {
			return h.CreatedBy == nil || *h.CreatedBy != a.ID
		},
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
		model.RoleSupervisor: {always},
		model.RoleOfficer:    {notOwnFinding},
		model.RoleEnterprise: {selfInspectionOnly, generalOnly},
	},
	model.EventDismiss: {
		model.RoleSupervisor: {always},
		model.RoleOfficer:    {notOwnFinding},
	},
	model.EventPlan: {
		model.RoleSupervisor: {always},
		model.RoleEnterprise: {always},
	},
	model.EventSubmit: {
		model.RoleSupervisor: {always},
		model.RoleEnterprise: {always},
	},
	model.EventApprove: {
		model.RoleSupervisor: {notSubmitter, majorNeedsCounty, competentDepartment},
		model.RoleOfficer:    {notSubmitter, generalOnly},
	},
	model.EventReject: {
		model.RoleSupervisor: {competentDepartment},
		model.RoleOfficer:    {generalOnly},
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

// allowedEvents lists what a may fire on h now, in lifecycle order.
func allowedEvents(a Actor, h *model.Hazard) []model.Event {
	if !a.Sees(h) {
		return nil
	}
	out := []model.Event{}
	if a.ReadOnly(h) {
		return out
	}
	for _, ev := range eventsFrom(h.State) {
		if len(unmet(a, h, ev, h.Level)) == 0 {
			out = append(out, ev)
		}
	}
	return out
}
