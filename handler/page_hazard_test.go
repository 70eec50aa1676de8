package handler

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"hazardloop/model"
	"hazardloop/templates"
	"hazardloop/workflow"
)

// TestEventFormsTakeTheWorkflowsFields: each event's form on the hazard page
// shows an input for every field the workflow takes for the event, and reads
// each back into the event's input; it sends no field the workflow refuses.
func TestEventFormsTakeTheWorkflowsFields(t *testing.T) {
	page, err := templates.FS.ReadFile("pages/hazard.html")
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{"funds": "12.5", "production_suspended": "true", "deadline": "2026-12-31", "enterprise_id": "7", "duplicate_of": "8"}
	all := []string{"level", "basis_standard", "basis_clause", "measures", "responsible_unit", "responsible_person", "responsible_phone",
		"funds", "funds_source", "deadline", "emergency_plan", "production_suspended", "reason", "duplicate_of", "enterprise_id", "department", "basis_standard_id", "basis_clause_ref",
		"responsible_party_type", "responsible_region_code"}
	for _, ev := range []model.Event{model.EventConfirm, model.EventDismiss, model.EventPlan, model.EventSubmit, model.EventApprove,
		model.EventReject, model.EventExtend, model.EventEscalate, model.EventReopen} {
		takes := workflow.EventFields(ev)
		for name := range formInputs(ev, workflow.HazardDetail{HazardView: workflow.HazardView{Hazard: &model.Hazard{}}}) {
			if !strings.Contains(string(page), `Has "`+name+`"`) {
				t.Errorf("%s: the hazard page has no input %s", ev, name)
			}
		}
		form := map[string]string{"version": "3"}
		for _, name := range all { // every field, those the event does not take too
			form[name] = "某值"
			if v, ok := values[name]; ok {
				form[name] = v
			}
		}
		in, bad := eventFromForm(ev, form)
		if len(bad) > 0 {
			t.Errorf("%s: %v", ev, bad)
		}
		b, err := json.Marshal(in.Fields)
		if err != nil {
			t.Fatal(err)
		}
		var sent map[string]any
		if err := json.Unmarshal(b, &sent); err != nil {
			t.Fatal(err)
		}
		if got, want := slices.Sorted(maps.Keys(sent)), slices.Sorted(slices.Values(takes)); !slices.Equal(got, want) {
			t.Errorf("%s: the form sends %v, the workflow takes %v", ev, got, want)
		}
	}
	id := int64(1)
	if formInputs(model.EventConfirm, workflow.HazardDetail{HazardView: workflow.HazardView{Hazard: &model.Hazard{EnterpriseID: &id}}})["enterprise_id"] {
		t.Error("confirming a hazard with an enterprise asks for one")
	}
}
