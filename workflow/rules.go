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
}

// SystemActor acts for the service itself.
var SystemActor = Actor{Name: "系统", Role: model.RoleSystem}

// ActorOf returns the actor for a user account.
func ActorOf(u *model.User) Actor {
	a := Actor{ID: u.ID, Name: u.Name(), Role: u.Role, Region: u.Region()}
	if u.EnterpriseID != nil {
		a.EnterpriseID = *u.EnterpriseID
	}
	return a
}

// Scope is the territory whose records the actor may see: everything for an admin
// and the system, the region and all below it for staff, one enterprise for its
// users.
func (a Actor) Scope() model.Scope {
	switch a.Role {
	case model.RoleAdmin, model.RoleSystem:
		return model.AllScope
	case model.RoleEnterprise:
		return model.Scope{EnterpriseID: a.EnterpriseID}
	case model.RoleSupervisor, model.RoleOfficer:
		return model.Scope{Region: a.Region}
	}
	return model.Scope{}
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
		return model.Within(h.RegionCode, sc.Region)
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
	belowTopStep = condition{
		unmet: "已处于最高督办等级（曝光），不能再升级",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return h.EscalationLevel < maxEscalation },
	}
)

const maxEscalation = 4

// rules says, per event, which roles may fire it and on what conditions. A role
// missing from an event's entry may not fire it at all. Territory (region, own
// enterprise) is checked for every event before these rules.
var rules = map[model.Event]map[model.Role][]condition{
	model.EventConfirm: {
		model.RoleSupervisor: {always},
		model.RoleOfficer:    {always},
		model.RoleEnterprise: {selfInspectionOnly, generalOnly},
	},
	model.EventDismiss: {
		model.RoleSupervisor: {always},
		model.RoleOfficer:    {always},
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
		model.RoleSupervisor: {notSubmitter, majorNeedsCounty},
		model.RoleOfficer:    {notSubmitter, generalOnly},
	},
	model.EventReject: {
		model.RoleSupervisor: {always},
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
	for _, ev := range eventsFrom(h.State) {
		if len(unmet(a, h, ev, h.Level)) == 0 {
			out = append(out, ev)
		}
	}
	return out
}
