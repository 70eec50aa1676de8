package workflow

import (
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"hazardloop/metrics"
	"hazardloop/model"
)

// change carries one event through validation: the hazard as stored, the next
// version being built, and the payload that goes into the log.
type change struct {
	ctx     context.Context
	tx      *model.Store
	lad     ladder
	patrol  PatrolPolicy
	metrics *metrics.Set
	actor   Actor
	in      *EventInput
	h       *model.Hazard
	next    *model.Hazard
	now     time.Time
	today   model.Date
	errs    fieldErrors
	payload map[string]any
	err     error          // a failure of the store, not of the user's input
	then    []func() error // more writes once the hazard row is committed to
}

// step is what one event does to a hazard beyond the state: it validates its
// fields (into c.errs) and writes them into c.next and c.payload.
type step struct {
	accepts []string
	apply   func(c *change)
}

var steps = map[model.Event]step{
	model.EventConfirm: {
		accepts: []string{"level", "department", "basis_standard", "basis_clause", "basis_standard_id", "basis_clause_ref", "responsible_unit",
			"responsible_party_type", "responsible_region_code", "enterprise_id", "deadline", "production_suspended"},
		apply: func(c *change) { confirm(c); onChecked(c) },
	},
	model.EventDismiss: {
		accepts: []string{"reason", "duplicate_of"},
		apply:   func(c *change) { dismiss(c); onChecked(c) },
	},
	model.EventPlan: {
		accepts: []string{"measures", "responsible_unit", "responsible_person", "responsible_phone", "funds", "funds_source", "deadline", "emergency_plan", "production_suspended"},
		apply:   plan,
	},
	model.EventSubmit: {
		apply: func(c *change) {
			requireProof(c)
			c.next.SubmittedBy, c.next.SubmittedAt = actorID(c.actor), &c.now
			c.next.VerifyNoticed = false // a new submission: a new clock
		},
	},
	model.EventApprove: {
		apply: func(c *change) {
			if c.in.Comment == "" {
				c.errs.add("comment", "请填写核实结论")
			}
			requireAssessment(c)
			c.next.VerifiedBy, c.next.VerifiedAt, c.next.ClosedAt = actorID(c.actor), &c.now, &c.now
		},
	},
	model.EventReject: {
		accepts: []string{"reason", "deadline"},
		apply: func(c *change) {
			c.reason()
			if d := deadline(c.errs, "deadline", c.in.Deadline, c.today); d != nil {
				c.setDeadline(d)
			}
			c.next.SubmittedBy, c.next.SubmittedAt = nil, nil
		},
	},
	model.EventExtend: {
		accepts: []string{"reason", "deadline"},
		apply:   extend,
	},
	model.EventEscalate: {
		accepts: []string{"reason"},
		apply:   escalate,
	},
	model.EventRemind: {
		apply: remind,
	},
	model.EventTransfer: {
		accepts: []string{"to_department", "to_region_code", "reason"},
		apply:   transfer,
	},
	model.EventAcceptTransfer: {
		apply: acceptTransfer,
	},
	model.EventDeclineTransfer: {
		accepts: []string{"reason"},
		apply:   declineTransfer,
	},
	model.EventTransferOverdue: {
		apply: transferOverdue,
	},
	model.EventListSupervision: {
		accepts: []string{"list_level", "reason"},
		apply:   raiseListing,
	},
	model.EventSuspend: {
		accepts: []string{"order_no", "reason"},
		apply:   suspend,
	},
	model.EventResumeRequest: {
		apply: resumeRequest,
	},
	model.EventResumeReview: {
		accepts: []string{"approved", "note"},
		apply:   resumeReview,
	},
	model.EventResumeReviewDue: {
		apply: resumeReviewDue,
	},
	model.EventAvoidance: {
		accepts: []string{"occurred_at", "what", "people_evacuated", "casualties"},
		apply:   avoidance,
	},
	model.EventPatrol: {
		accepts: []string{"result", "note", "latitude", "longitude", "patrolled_at"},
		apply:   patrol,
	},
	model.EventPatrolDue: {
		apply: patrolDue,
	},
	model.EventRespond: {
		accepts: []string{"measures"},
		apply:   respond,
	},
	model.EventVerifyOverdue: {
		apply: func(c *change) {
			due := c.lad.verifyDue(c.h)
			if due == nil || !due.Before(c.today.Time) {
				c.errs.add("due_on", "该隐患的核实尚未超时")
				return
			}
			c.next.VerifyNoticed = true
			c.payload["due_on"] = due.String()
			c.payload["submitted_at"] = c.h.SubmittedAt.UTC().Format(time.RFC3339)
		},
	},
	model.EventReopen: {
		accepts: []string{"reason", "deadline"},
		apply: func(c *change) {
			c.reason()
			if c.in.Deadline == nil {
				c.errs.add("deadline", required("deadline"))
			} else if d := deadline(c.errs, "deadline", c.in.Deadline, c.today); d != nil {
				c.setDeadline(d)
			}
			c.next.SubmittedBy, c.next.SubmittedAt = nil, nil
			c.next.VerifiedBy, c.next.VerifiedAt, c.next.ClosedAt = nil, nil, nil
		},
	},
}

func actorID(a Actor) *int64 {
	if a.ID == 0 {
		return nil
	}
	id := a.ID
	return &id
}

// reason requires the reason field.
func (c *change) reason() {
	r := text(c.errs, "reason", c.in.Reason, 2000)
	if r == "" {
		c.errs.add("reason", "请填写理由")
		return
	}
	c.payload["reason"] = r
}

func (c *change) setDeadline(d *model.Date) {
	c.next.Deadline = d
	c.payload["deadline"] = d.String()
}

// str copies a given text field into dst and the payload.
func (c *change) str(field string, v *string, max int, dst *string) {
	if v == nil {
		return
	}
	*dst = text(c.errs, field, v, max)
	c.payload[field] = *dst
}

func confirm(c *change) {
	if c.in.Level != nil {
		if l := parseLevel(c.errs, *c.in.Level); l != "" {
			c.next.Level = l
			c.payload["level"] = string(l)
		}
	}
	listDepartment(c)
	c.str("basis_standard", c.in.BasisStandard, 200, &c.next.BasisStandard)
	c.str("basis_clause", c.in.BasisClause, 500, &c.next.BasisClause)
	citeBasis(c)
	c.str("responsible_unit", c.in.ResponsibleUnit, 200, &c.next.ResponsibleUnit)
	if c.in.EnterpriseID != nil {
		linkEnterprise(c, *c.in.EnterpriseID)
	}
	listParty(c)
	if c.next.ResponsibleUnit == "" && c.next.EnterpriseID != nil {
		if e, err := c.tx.GetEnterprise(c.ctx, *c.next.EnterpriseID); err == nil {
			c.next.ResponsibleUnit = e.Name
			c.payload["responsible_unit"] = e.Name
		}
	}
	if c.next.ResponsibleUnit == "" {
		c.errs.add("responsible_unit", "列入清单须明确整改责任单位")
	}
	if _, bad := c.errs["basis_standard_id"]; c.next.Level == model.LevelMajor && !bad && c.errs["basis_clause_ref"] == "" {
		kind := "重大事故隐患"
		if c.next.Category == model.CategoryDisaster {
			kind = "重大灾害隐患"
		}
		if c.next.BasisStandard == "" {
			c.errs.add("basis_standard", kind+"须注明判定依据（标准名称）")
		}
		if c.next.BasisClause == "" {
			c.errs.add("basis_clause", kind+"须注明判定依据的具体条款")
		}
	}
	SetListing(c.next)
	if c.next.ListedSupervision {
		c.payload["listed_level"] = string(c.next.ListedLevel)
	}
	if d := deadline(c.errs, "deadline", c.in.Deadline, c.today); d != nil {
		c.setDeadline(d)
	}
	if c.in.ProductionSuspended != nil {
		c.next.ProductionSuspended = *c.in.ProductionSuspended
		c.payload["production_suspended"] = *c.in.ProductionSuspended
	}
	c.next.ListedAt = &c.now
}

// listParty settles who rectifies a hazard being listed (party.go): the
// type and region given, checked as on registration; an enterprise linked
// now without a type makes it the enterprise's. A township's, a village's
// or a department's hazard listed without a responsible unit is its body's
// (PartyAddressee), except the emergency bureau's own (综合监管,
// comprehensiveSupervisorOwns): its unit must still be named. An enterprise
// does not choose.
func listParty(c *change) {
	typ, region := "", ""
	if c.in.ResponsiblePartyType != nil {
		typ = *c.in.ResponsiblePartyType
	}
	if c.in.ResponsibleRegionCode != nil {
		region = *c.in.ResponsibleRegionCode
	}
	if (typ != "" || region != "") && c.actor.Role == model.RoleEnterprise {
		c.errs.add("responsible_party_type", "企业用户不能指定整改责任主体")
		return
	}
	if typ == "" && c.h.EnterpriseID == nil && c.next.EnterpriseID != nil {
		typ = string(model.PartyEnterprise)
	}
	if typ != "" || region != "" {
		if region == "" && typ == string(c.h.ResponsiblePartyType) {
			region = c.h.ResponsibleRegionCode
		}
		if typ != "" && typ != string(c.h.ResponsiblePartyType) && region == c.h.ResponsibleRegionCode {
			// The hazard's own region carried back unchanged (the page's
			// form starts from it) belongs to the old type: the new type
			// settles its own, as on registration (a village's hazard made
			// the township's is its township's).
			region = ""
		}
		if err := settleParty(c.ctx, c.tx, c.errs, c.next, typ, region); err != nil {
			c.err = err
			return
		}
		partyPayload(c.payload, c.next)
	}
	if p := partyOf(c.next); c.next.ResponsibleUnit == "" && p != model.PartyEnterprise && p != model.PartyOwner &&
		!comprehensiveSupervisorOwns(c.next) {
		if name, err := PartyAddressee(c.ctx, c.tx, c.next); err == nil && !strings.HasPrefix(name, "（") {
			c.next.ResponsibleUnit = name
			c.payload["responsible_unit"] = name
		}
	}
}

// listDepartment settles the competent department of a hazard being listed:
// the officer's or supervisor's choice, else the one it was registered for,
// else its type's or industry's (DefaultDepartment). An enterprise does not choose.
func listDepartment(c *change) {
	if c.in.Department != nil {
		if c.actor.Role == model.RoleEnterprise {
			c.errs.add("department", "企业用户不能指定主管部门")
			return
		}
		if d := parseDepartment(c.errs, "department", *c.in.Department); d != "" {
			c.next.Department = d
		}
	} else if c.next.Department == "" {
		c.next.Department = DefaultDepartment(c.next)
	}
	c.payload["department"] = string(c.next.Department)
}

// linkEnterprise names the enterprise responsible for a hazard registered without
// one (a public report, an officer's finding), so that it can plan and submit.
func linkEnterprise(c *change, id int64) {
	if c.h.EnterpriseID != nil {
		c.errs.add("enterprise_id", "该隐患已关联生产经营单位")
		return
	}
	ent, err := c.tx.GetEnterprise(c.ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		c.errs.add("enterprise_id", "生产经营单位不存在")
		return
	} else if err != nil {
		c.err = err
		return
	}
	if !model.Within(ent.RegionCode, c.actor.Region) {
		c.errs.add("enterprise_id", "该生产经营单位不在您的辖区内")
		return
	}
	c.next.EnterpriseID = &ent.ID
	c.payload["enterprise_id"] = ent.ID
}

func dismiss(c *change) {
	c.reason()
	if c.in.DuplicateOf == nil {
		return
	}
	ref := *c.in.DuplicateOf
	var dup *model.Hazard
	var err error
	if ref.Code != "" {
		dup, err = c.tx.GetHazardByCode(c.ctx, ref.Code)
	} else {
		dup, err = c.tx.GetHazard(c.ctx, ref.ID)
	}
	if err == nil && dup.ID == c.h.ID {
		c.errs.add("duplicate_of", "不能合并到隐患自身")
		return
	}
	if err != nil || !c.actor.Sees(dup) {
		c.errs.add("duplicate_of", "要合并到的隐患不存在或不在您的辖区内")
		return
	}
	if dup.State == model.StateDismissed {
		c.errs.add("duplicate_of", "不能合并到已不予立案的隐患")
		return
	}
	id := dup.ID
	c.next.DuplicateOf = &id
	c.payload["duplicate_of"] = id
	c.payload["duplicate_code"] = dup.Code
}

// plan sets the rectification plan. A major hazard cannot start rectification
// until all five assurances (五落实) are in place.
func plan(c *change) {
	c.str("measures", c.in.Measures, 5000, &c.next.Measures)
	c.str("responsible_unit", c.in.ResponsibleUnit, 200, &c.next.ResponsibleUnit)
	c.str("responsible_person", c.in.ResponsiblePerson, 50, &c.next.ResponsiblePerson)
	c.str("responsible_phone", c.in.ResponsiblePhone, 20, &c.next.ResponsiblePhone)
	if p := c.next.ResponsiblePhone; p != "" && !phonePattern.MatchString(p) {
		c.errs.add("responsible_phone", "联系电话格式不正确")
	}
	if c.in.Funds != nil {
		f := *c.in.Funds
		if f < 0 || f > 1e7 {
			c.errs.add("funds", "整改资金应在 0 至 10,000,000 万元之间")
		} else {
			c.next.Funds = &f
			c.payload["funds"] = f
		}
	}
	c.str("funds_source", c.in.FundsSource, 200, &c.next.FundsSource)
	c.str("emergency_plan", c.in.EmergencyPlan, 5000, &c.next.EmergencyPlan)
	if c.in.Deadline != nil {
		d := deadline(c.errs, "deadline", c.in.Deadline, c.today)
		// A deadline set when listing is changed only by extend: a plan never
		// resets the clock.
		if d != nil && c.h.Deadline != nil && !d.Equal(c.h.Deadline.Time) {
			c.errs.add("deadline", fmt.Sprintf("整改期限已定为%s，如需变更请申请延期", c.h.Deadline))
		} else if d != nil {
			c.setDeadline(d)
		}
	}
	if c.in.ProductionSuspended != nil {
		c.next.ProductionSuspended = *c.in.ProductionSuspended
		c.payload["production_suspended"] = *c.in.ProductionSuspended
	}

	type need struct {
		field string
		ok    bool
		msg   string
	}
	needs := []need{
		{"measures", c.next.Measures != "", "请填写整改措施"},
		{"responsible_unit", c.next.ResponsibleUnit != "", "请填写整改责任单位"},
		{"responsible_person", c.next.ResponsiblePerson != "", "请填写整改责任人"},
		{"deadline", c.next.Deadline != nil, "请填写整改期限"},
	}
	if c.h.Level == model.LevelMajor {
		needs = append(needs,
			need{"funds", c.next.Funds != nil, "重大事故隐患须落实整改资金"},
			need{"funds_source", c.next.FundsSource != "", "重大事故隐患须写明资金来源"},
			need{"emergency_plan", c.next.EmergencyPlan != "", "重大事故隐患须有应急预案或临时管控措施"},
		)
	}
	for _, n := range needs {
		if !n.ok {
			c.errs.add(n.field, n.msg)
		}
	}
	c.next.PlannedAt = &c.now
}

func extend(c *change) {
	c.reason()
	if c.in.Deadline == nil {
		c.errs.add("deadline", "请填写延期后的整改期限")
		return
	}
	d := deadline(c.errs, "deadline", c.in.Deadline, c.today)
	if d == nil {
		return
	}
	if c.h.Deadline != nil && !d.After(c.h.Deadline.Time) {
		c.errs.add("deadline", fmt.Sprintf("延期后的期限须晚于原期限%s", c.h.Deadline))
		return
	}
	if c.h.Deadline != nil {
		c.payload["previous_deadline"] = c.h.Deadline.String()
	}
	c.setDeadline(d)
}

// remind records that the hazard's due day is near, and that it has been reminded
// of that day: the sweeper reminds a hazard once per due day. The due day is the
// one the commit settles on, so that reminded_due and due_on agree.
func remind(c *change) {
	due := c.lad.dueOn(c.next)
	if due == nil {
		c.errs.add("due_on", "该隐患没有整改期限，无需提醒")
		return
	}
	if c.h.RemindedDue != nil && c.h.RemindedDue.Equal(due.Time) {
		c.errs.add("due_on", fmt.Sprintf("已就%s的期限提醒过", due))
		return
	}
	d := *due
	c.next.RemindedDue = &d
	c.payload["due_on"] = d.String()
	c.payload["days_left"] = daysBetween(c.today, d)
}

// raiseListing puts a major hazard's listed supervision at a higher level:
// the city's or the province's, never lower than it is, and only by a
// supervisor of that level or above over the hazard.
func raiseListing(c *change) {
	c.reason()
	if c.in.ListLevel == nil {
		c.errs.add("list_level", "请选择挂牌层级（city 市级或 province 省级）")
		return
	}
	l := model.ListLevel(strings.TrimSpace(*c.in.ListLevel))
	if !l.Valid() {
		c.errs.add("list_level", "挂牌层级只能是 county（县级）、city（市级）或 province（省级）")
		return
	}
	if l.RegionLevel() >= c.h.ListedLevel.RegionLevel() && c.h.ListedLevel != "" {
		c.errs.add("list_level", fmt.Sprintf("该隐患已由%s挂牌督办，挂牌层级只能提高，不能降低或维持", c.h.ListedLevel.Label()))
		return
	}
	region := listingRegion(c.h, l)
	if model.RegionLevelOf(c.actor.Region) > l.RegionLevel() || !model.Within(region, c.actor.Region) {
		c.errs.add("list_level", fmt.Sprintf("%s挂牌督办须由该隐患所在的%s或上级监管人员办理", l.Label(), l.Label()))
		return
	}
	c.payload["previous_level"] = string(c.h.ListedLevel)
	c.payload["list_level"], c.payload["listed_region"] = string(l), region
	c.next.ListedLevel, c.next.ListedRegion = l, region
}

// requireAssessment: lifting a listed supervision (摘牌) rests on an
// assessment report (评估报告) uploaded since the plan.
func requireAssessment(c *change) {
	if c.h.ListedLevel == "" {
		return
	}
	since := c.h.CreatedAt
	if c.h.PlannedAt != nil {
		since = *c.h.PlannedAt
	}
	n, err := c.tx.CountEvidence(c.ctx, c.h.ID, model.EvidenceAssessment, since)
	if err != nil {
		c.err = err
		return
	}
	if n == 0 {
		c.errs.add("evidence", fmt.Sprintf("%s挂牌督办的重大隐患摘牌（销号）须上传整改后的评估报告（材料类别：评估报告）", c.h.ListedLevel.Label()))
	}
}

// EventFields are the fields event ev takes besides its comment, by their JSON
// names, in the order of its form; Apply refuses any other. None for an event
// that takes no field and for an unknown event.
func EventFields(ev model.Event) []string { return slices.Clone(steps[ev].accepts) }

// validateFields refuses fields the event does not take.
func validateFields(ev model.Event, f *Fields, errs fieldErrors) {
	accepted := map[string]bool{}
	for _, a := range steps[ev].accepts {
		accepted[a] = true
	}
	for _, g := range f.given() {
		if !accepted[g] {
			errs.add(g, fmt.Sprintf("“%s”操作不接受%s", ev.Label(), fieldNames[g]))
		}
	}
}

func marshalPayload(p map[string]any) model.JSONText {
	if len(p) == 0 {
		return "{}"
	}
	if b, ok := appendPayload(make([]byte, 0, 256), p); ok {
		return model.JSONText(b)
	}
	b, err := json.Marshal(p) // map keys are sorted: a canonical form
	if err != nil {
		return "{}"
	}
	return model.JSONText(b)
}

// appendPayload writes p as json.Marshal does, byte for byte (keys sorted),
// when every value is plain: nil, a string (or a type of kind string with no
// method of its own for JSON or text), a boolean, an int or int64, a finite
// float64; false for anything else, left to json.Marshal. An import seals
// two events a row, and json.Marshal's reflection over the map was a third
// of that work (FuzzPayloadAsEncodingJSON holds the two equal).
func appendPayload(b []byte, p map[string]any) ([]byte, bool) {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = model.AppendJSONString(b, k)
		b = append(b, ':')
		switch v := p[k].(type) {
		case nil:
			b = append(b, "null"...)
		case string:
			b = model.AppendJSONString(b, v)
		case bool:
			b = strconv.AppendBool(b, v)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, false
			}
			b = appendJSONFloat(b, v)
		case json.Marshaler, encoding.TextMarshaler:
			return nil, false
		default:
			rv := reflect.ValueOf(v)
			if rv.Kind() != reflect.String {
				return nil, false
			}
			b = model.AppendJSONString(b, rv.String())
		}
	}
	return append(b, '}'), true
}

// appendJSONFloat is encoding/json's float64: the shortest form, exponent
// below 1e-6 and from 1e21, without a leading zero in the exponent.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
