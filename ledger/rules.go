package ledger

// What an import may do with a row, by the state of its hazard (the README's
// POST /ledger/import):
//
//   - A row names a hazard by 隐患编号, or is the row that created one in an
//     earlier import (its fingerprint, row.go): it updates what importFields
//     allows in the hazard's state. States and deadlines never change by import,
//     only by events; a row exported before the hazard moved on changes nothing,
//     unless all that happened since is noticeEvents.
//   - Any other row creates a hazard in the state it gives (discovered when
//     none): createFields is what it may fill in, createNeeds what it must, and
//     the hazard reaches its state by an imported event (movedByImport) that
//     sets what importedNext says.
//   - Every value is checked as the events check it (checkValues), and a new
//     hazard as workflow's CreateHazard checks it.

import (
	"fmt"
	"maps"
	"slices"

	"hazardloop/ledger/xlsx"
	"hazardloop/model"
	"hazardloop/workflow"
)

// importFields lists, per state, the ledger fields a hazard in that state holds
// and an import may set or change. Level is fixed once a hazard is listed (the
// grading is the confirm decision); the plan (measures, person, funds, emergency
// plan) may be filled in from listing on, as county ledgers do, and is frozen
// with the basis of grading once rectification runs; a hazard under verification
// or closed is frozen. Deadlines never change by import: only extend, reject and reopen move
// them, so a ledger sets one only on the row that creates the hazard.
//
// A disaster hazard's category, type and subtype are fixed once it is listed
// (its competent department follows from them); what lies under threat, its
// monitor, its evacuation route and where it is may change until it is
// submitted for verification: people move in and out of a slide's reach.
var importFields = map[model.State][]string{
	model.StateDiscovered: append([]string{"title", "description", "industry", "location", "level", "basis_standard", "basis_clause",
		"category", "disaster_type", "subtype"}, disasterFollowUp...),
	model.StateListed: append([]string{"title", "description", "industry", "location", "basis_standard", "basis_clause", "measures", "responsible_unit",
		"responsible_person", "responsible_phone", "funds", "funds_source", "emergency_plan", "production_suspended"}, disasterFollowUp...),
	model.StateRectifying: append([]string{"title", "description", "industry", "location", "measures", "responsible_unit", "responsible_person",
		"responsible_phone", "funds", "funds_source", "emergency_plan", "production_suspended"}, disasterFollowUp...),
}

// disasterFollowUp are the fields of a disaster hazard's threat and watch,
// and every hazard's coordinates.
var disasterFollowUp = []string{"threatened_households", "threatened_people", "threatened_property",
	"monitor_name", "monitor_phone", "evacuation_plan", "latitude", "longitude"}

// noticeEvents change nothing a ledger row carries: a deadline reminder, and
// signing for or replying to a supervision step.
var noticeEvents = map[model.Event]bool{model.EventRemind: true, model.EventAcknowledge: true, model.EventReply: true,
	// the reporter trail changes nothing of the hazard (workflow/redact.go)
	model.EventViewContact: true, model.EventAnswerReporter: true, model.EventReward: true}

// createFields is what a row that creates a hazard in state may fill in: what a
// discovered hazard holds, and from listing on (not for a dismissed one) the
// plan, the deadline and the competent department too. Fields of later stages on an earlier state are a
// mistake of the row, not something to drop.
func createFields(state model.State) map[string]bool {
	holds := map[string]bool{}
	for _, f := range importFields[model.StateDiscovered] {
		holds[f] = true
	}
	if state != model.StateDiscovered && state != model.StateDismissed {
		// Not append(importFields[…], …): the slice may have room, and the
		// append would write into the shared table under concurrent imports.
		for _, f := range importFields[model.StateListed] {
			holds[f] = true
		}
		holds["deadline"], holds["department"] = true, true
	}
	return holds
}

// createNeeds adds to re what a row that creates a hazard in state, graded level,
// lacks of what the events up to that state demand: a responsible unit (the
// row's, else its enterprise's: unit) to be listed, the basis of grading for a
// major hazard, and, once rectifying, the plan (五落实 for a major hazard).
func createNeeds(re *rowErrs, r *xlsx.Row, state model.State, level model.Level, unit string) {
	need := func(ok bool, field, msg string) {
		if !ok {
			re.add(field, msg)
		}
	}
	if state == model.StateDiscovered || state == model.StateDismissed {
		return
	}
	need(unit != "", xlsx.ColResponsibleUnit, "列入清单须明确整改责任单位")
	if level == model.LevelMajor {
		kind := "重大事故隐患"
		if rowCategory(r) == model.CategoryDisaster {
			kind = "重大灾害隐患"
		}
		need(r.BasisStandard != "", xlsx.ColBasisStandard, kind+"须注明判定依据（标准名称）")
		need(r.BasisClause != "", xlsx.ColBasisClause, kind+"须注明判定依据的具体条款")
	}
	if state != model.StateListed {
		need(r.Measures != "", xlsx.ColMeasures, "请填写整改措施")
		need(r.ResponsiblePerson != "", xlsx.ColResponsiblePerson, "请填写整改责任人")
		need(r.Deadline != nil, xlsx.ColDeadline, "请填写整改期限")
		if level == model.LevelMajor {
			need(r.Funds != nil, xlsx.ColFunds, "重大事故隐患须落实整改资金")
			need(r.FundsSource != "", xlsx.ColFundsSource, "重大事故隐患须写明资金来源")
			need(r.EmergencyPlan != "", xlsx.ColEmergencyPlan, "重大事故隐患须有应急预案或临时管控措施")
		}
	}
}

// movedByImport reports whether the hazard a row creates in state takes an
// imported event after its create event: to reach a state past discovered, or
// to record the basis of grading, which registering does not carry.
func movedByImport(state model.State, r *xlsx.Row) bool {
	return state != model.StateDiscovered || r.BasisStandard != "" || r.BasisClause != ""
}

// checkValues applies the rules the events apply to the same fields.
func checkValues(re *rowErrs, h *model.Hazard) {
	if p := h.ResponsiblePhone; p != "" && !workflow.ValidPhone(p) {
		re.add("responsible_phone", "联系电话格式不正确")
	}
	if h.Funds != nil && (*h.Funds < 0 || *h.Funds > 1e7) {
		re.add("funds", "整改资金应在 0 至 10,000,000 万元之间")
	}
	for _, k := range slices.Sorted(maps.Keys(workflow.CheckDisaster(h))) {
		re.add(k, workflow.CheckDisaster(h)[k])
	}
}

// importedNext is what the imported event does to a hazard a row creates (h, as
// registered): the hazard in the row's state with the row's fields and the
// dates of the events it skipped, and the comment and payload of the event.
func (im *importer) importedNext(line int, r *xlsx.Row, h *model.Hazard, state model.State, unit string) *workflow.Imported {
	next := *h
	for _, f := range ledgerFields {
		if _, given := f.row(r); given {
			f.set(&next, r)
		}
	}
	next.State = state
	if next.BasisStandard != "" {
		im.catalogue.Link(&next)
	}
	now := im.now
	payload := map[string]any{"mode": "create", "state": string(state), "row": line}
	if im.file != "" {
		payload["file"] = im.file
	}
	if state != model.StateDiscovered && state != model.StateDismissed {
		next.ResponsibleUnit = unit
		next.ListedAt = &now
		workflow.SetListing(&next)
		if next.Department == "" {
			next.Department = workflow.DefaultDepartment(&next)
		}
		payload["department"] = string(next.Department)
	}
	switch state {
	case model.StateRectifying:
		next.PlannedAt = &now
	case model.StateVerifying:
		next.PlannedAt, next.SubmittedAt = &now, &now
	case model.StateWrittenOff:
		verified := now
		if r.VerifiedAt != nil {
			verified = *r.VerifiedAt
		}
		closed := verified
		if r.ClosedAt != nil {
			closed = *r.ClosedAt
		}
		next.PlannedAt, next.VerifiedAt, next.ClosedAt = &now, &verified, &closed
		if r.Verifier != "" {
			payload["verifier"] = r.Verifier
		}
	case model.StateDismissed:
		payload["reason"] = r.Remark
	}
	for _, f := range ledgerFields {
		if v, given := f.row(r); given {
			payload[f.key] = v
		}
	}
	return &workflow.Imported{Next: &next, Comment: fmt.Sprintf("台账导入（第%d行）", line), Payload: payload}
}
