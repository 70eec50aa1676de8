package ledger

import (
	"math"

	"hazardloop/ledger/xlsx"
	"hazardloop/model"
)

// ledgerField is one comparable field of a row and a hazard: how an import reads
// it from the row, compares it with the hazard's and sets it there.
type ledgerField struct {
	key  string
	row  func(r *xlsx.Row) (any, bool) // the row's value, and whether given
	cur  func(h *model.Hazard) any
	set  func(h *model.Hazard, r *xlsx.Row)
	same func(a, b any) bool
}

func strField(key string, row func(r *xlsx.Row) string, ptr func(h *model.Hazard) *string) ledgerField {
	return ledgerField{
		key:  key,
		row:  func(r *xlsx.Row) (any, bool) { v := row(r); return v, v != "" },
		cur:  func(h *model.Hazard) any { return *ptr(h) },
		set:  func(h *model.Hazard, r *xlsx.Row) { *ptr(h) = row(r) },
		same: func(a, b any) bool { return a == b },
	}
}

// intField is a whole-number field, nil when not given.
func intField(key string, row func(r *xlsx.Row) *int, ptr func(h *model.Hazard) **int) ledgerField {
	return ptrField(key, row, ptr, func(a, b any) bool { return a == b })
}

// floatField is a decimal field (万元, degrees), nil when not given.
func floatField(key string, row func(r *xlsx.Row) *float64, ptr func(h *model.Hazard) **float64) ledgerField {
	return ptrField(key, row, ptr, func(a, b any) bool {
		x, ok1 := a.(float64)
		y, ok2 := b.(float64)
		return ok1 && ok2 && math.Abs(x-y) < 1e-9
	})
}

// ptrField is a number field held by pointer, nil when not given; same tells
// two of its values apart.
func ptrField[T any](key string, row func(r *xlsx.Row) *T, ptr func(h *model.Hazard) **T, same func(a, b any) bool) ledgerField {
	return ledgerField{
		key: key,
		row: func(r *xlsx.Row) (any, bool) {
			if v := row(r); v != nil {
				return *v, true
			}
			return nil, false
		},
		cur: func(h *model.Hazard) any {
			if v := *ptr(h); v != nil {
				return *v
			}
			return nil
		},
		set:  func(h *model.Hazard, r *xlsx.Row) { v := *row(r); *ptr(h) = &v },
		same: same,
	}
}

// rowCategory is the category a row gives: its 隐患类别, else disaster when it
// names a disaster type; "" when it says neither.
func rowCategory(r *xlsx.Row) model.Category {
	if r.Category == "" && r.DisasterType != "" {
		return model.CategoryDisaster
	}
	return r.Category
}

// ledgerFields are the fields a row may set on a hazard, keyed as importFields.
var ledgerFields = []ledgerField{
	strField("title", func(r *xlsx.Row) string { return r.Title }, func(h *model.Hazard) *string { return &h.Title }),
	strField("description", func(r *xlsx.Row) string { return r.Description }, func(h *model.Hazard) *string { return &h.Description }),
	strField("industry", func(r *xlsx.Row) string { return r.Industry }, func(h *model.Hazard) *string { return &h.Industry }),
	{
		key:  "department",
		row:  func(r *xlsx.Row) (any, bool) { return r.Department, r.Department != "" },
		cur:  func(h *model.Hazard) any { return h.Department },
		set:  func(h *model.Hazard, r *xlsx.Row) { h.Department = r.Department },
		same: func(a, b any) bool { return a == b },
	},
	strField("location", func(r *xlsx.Row) string { return r.Location }, func(h *model.Hazard) *string { return &h.Location }),
	{
		key:  "level",
		row:  func(r *xlsx.Row) (any, bool) { return r.Level, r.Level != "" },
		cur:  func(h *model.Hazard) any { return h.Level },
		set:  func(h *model.Hazard, r *xlsx.Row) { h.Level = r.Level },
		same: func(a, b any) bool { return a == b },
	},
	strField("basis_standard", func(r *xlsx.Row) string { return r.BasisStandard }, func(h *model.Hazard) *string { return &h.BasisStandard }),
	strField("basis_clause", func(r *xlsx.Row) string { return r.BasisClause }, func(h *model.Hazard) *string { return &h.BasisClause }),
	strField("measures", func(r *xlsx.Row) string { return r.Measures }, func(h *model.Hazard) *string { return &h.Measures }),
	strField("responsible_unit", func(r *xlsx.Row) string { return r.ResponsibleUnit }, func(h *model.Hazard) *string { return &h.ResponsibleUnit }),
	strField("responsible_person", func(r *xlsx.Row) string { return r.ResponsiblePerson }, func(h *model.Hazard) *string { return &h.ResponsiblePerson }),
	strField("responsible_phone", func(r *xlsx.Row) string { return r.ResponsiblePhone }, func(h *model.Hazard) *string { return &h.ResponsiblePhone }),
	{
		key: "funds",
		row: func(r *xlsx.Row) (any, bool) {
			if r.Funds == nil {
				return nil, false
			}
			return *r.Funds, true
		},
		cur: func(h *model.Hazard) any {
			if h.Funds == nil {
				return nil
			}
			return *h.Funds
		},
		set: func(h *model.Hazard, r *xlsx.Row) { f := *r.Funds; h.Funds = &f },
		same: func(a, b any) bool {
			x, ok1 := a.(float64)
			y, ok2 := b.(float64)
			return ok1 && ok2 && math.Abs(x-y) < 1e-9
		},
	},
	strField("funds_source", func(r *xlsx.Row) string { return r.FundsSource }, func(h *model.Hazard) *string { return &h.FundsSource }),
	{
		key: "deadline",
		row: func(r *xlsx.Row) (any, bool) {
			if r.Deadline == nil {
				return nil, false
			}
			return r.Deadline.String(), true
		},
		cur: func(h *model.Hazard) any {
			if h.Deadline == nil {
				return nil
			}
			return h.Deadline.String()
		},
		set:  func(h *model.Hazard, r *xlsx.Row) { d := *r.Deadline; h.Deadline = &d },
		same: func(a, b any) bool { return a == b },
	},
	strField("emergency_plan", func(r *xlsx.Row) string { return r.EmergencyPlan }, func(h *model.Hazard) *string { return &h.EmergencyPlan }),
	{
		key: "production_suspended",
		row: func(r *xlsx.Row) (any, bool) {
			if r.ProductionSuspended == nil {
				return nil, false
			}
			return *r.ProductionSuspended, true
		},
		cur:  func(h *model.Hazard) any { return h.ProductionSuspended },
		set:  func(h *model.Hazard, r *xlsx.Row) { h.ProductionSuspended = *r.ProductionSuspended },
		same: func(a, b any) bool { return a == b },
	},
	{
		key:  "category",
		row:  func(r *xlsx.Row) (any, bool) { c := rowCategory(r); return c, c != "" },
		cur:  func(h *model.Hazard) any { return h.Category },
		set:  func(h *model.Hazard, r *xlsx.Row) { h.Category = rowCategory(r) },
		same: func(a, b any) bool { return a == b },
	},
	{
		key:  "disaster_type",
		row:  func(r *xlsx.Row) (any, bool) { return r.DisasterType, r.DisasterType != "" },
		cur:  func(h *model.Hazard) any { return h.DisasterType },
		set:  func(h *model.Hazard, r *xlsx.Row) { h.DisasterType = r.DisasterType },
		same: func(a, b any) bool { return a == b },
	},
	strField("subtype", func(r *xlsx.Row) string { return r.Subtype }, func(h *model.Hazard) *string { return &h.Subtype }),
	intField("threatened_households", func(r *xlsx.Row) *int { return r.ThreatenedHouseholds }, func(h *model.Hazard) **int { return &h.ThreatenedHouseholds }),
	intField("threatened_people", func(r *xlsx.Row) *int { return r.ThreatenedPeople }, func(h *model.Hazard) **int { return &h.ThreatenedPeople }),
	floatField("threatened_property", func(r *xlsx.Row) *float64 { return r.ThreatenedProperty }, func(h *model.Hazard) **float64 { return &h.ThreatenedProperty }),
	strField("monitor_name", func(r *xlsx.Row) string { return r.MonitorName }, func(h *model.Hazard) *string { return &h.MonitorName }),
	strField("monitor_phone", func(r *xlsx.Row) string { return r.MonitorPhone }, func(h *model.Hazard) *string { return &h.MonitorPhone }),
	strField("evacuation_plan", func(r *xlsx.Row) string { return r.EvacuationPlan }, func(h *model.Hazard) *string { return &h.EvacuationPlan }),
	floatField("latitude", func(r *xlsx.Row) *float64 { return r.Latitude }, func(h *model.Hazard) **float64 { return &h.Latitude }),
	floatField("longitude", func(r *xlsx.Row) *float64 { return r.Longitude }, func(h *model.Hazard) **float64 { return &h.Longitude }),
}
