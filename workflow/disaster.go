package workflow

import (
	"fmt"
	"math"
	"strings"

	"hazardloop/model"
)

// Disaster hazards (灾害隐患, docs/design.md): the category and the fields a
// disaster hazard carries, how they are checked on every way a hazard comes
// in (registration, a finding with photos, the ledger), and the grade they
// suggest.

// DisasterPolicy is when a disaster hazard is suggested as major: at least
// MajorPeople people or MajorProperty 万元 of property under threat.
type DisasterPolicy struct {
	MajorPeople   int
	MajorProperty float64
	// RewardMin and RewardMax bound the reward (yuan) a supervisor proposes
	// for a successful avoidance (--avoidance-reward-min, -max).
	RewardMin, RewardMax float64
}

// DefaultDisasterPolicy follows the scale of geological dangers (地质灾害
// 险情分级, the national emergency plan's: DangerScale): a threat to 100
// people or more, or to property of 500 万元 or more, is at least a medium
// (中型, Ⅲ级) danger, graded major here.
// The reward for a successful avoidance is 200 to 5,000 yuan for each
// member of staff, a county's usual range for such rewards.
var DefaultDisasterPolicy = DisasterPolicy{MajorPeople: 100, MajorProperty: 500, RewardMin: 200, RewardMax: 5000}

// ScaleStandard is the catalogue entry (standards/criteria.json) holding the
// scale of geological dangers.
const ScaleStandard = "dizhi-xianqing"

// DangerScale is the ref of ScaleStandard's clause that a threat to people
// (those to be moved) and property (万元, the potential loss) falls under:
// 特大型 from 1,000 people or 1 亿元, 大型 from 500 or 5,000 万元, 中型 from 100 or
// 500 万元, else 小型.
func DangerScale(people int, property float64) string {
	switch {
	case people >= 1000 || property >= 10000:
		return "特大型险情（Ⅰ级）"
	case people >= 500 || property >= 5000:
		return "大型险情（Ⅱ级）"
	case people >= 100 || property >= 500:
		return "中型险情（Ⅲ级）"
	}
	return "小型险情（Ⅳ级）"
}

// Suggest is the grade h's threat suggests: major at or over a threshold,
// general below; "" for an accident hazard, whose grade follows the criteria
// of its industry instead.
func (p DisasterPolicy) Suggest(h *model.Hazard) model.Level {
	if h.Category != model.CategoryDisaster {
		return ""
	}
	if h.ThreatenedPeople != nil && *h.ThreatenedPeople >= p.MajorPeople ||
		h.ThreatenedProperty != nil && *h.ThreatenedProperty >= p.MajorProperty {
		return model.LevelMajor
	}
	return model.LevelGeneral
}

// SuggestLevel is the grade the service's thresholds suggest for h (see
// DisasterPolicy.Suggest).
func (e *core) SuggestLevel(h *model.Hazard) model.Level { return e.opts.Disaster.Suggest(h) }

// DisasterPolicy is the thresholds in force, for the pages.
func (e *core) DisasterPolicy() DisasterPolicy { return e.opts.Disaster }

// DisasterInput is what a disaster hazard is registered with beside the
// fields of every hazard; on an accident hazard every one of them is refused.
type DisasterInput struct {
	Category             string   `json:"category"` // accident (default) or disaster
	DisasterType         string   `json:"disaster_type"`
	Subtype              string   `json:"subtype"`
	ThreatenedHouseholds *int     `json:"threatened_households"`
	ThreatenedPeople     *int     `json:"threatened_people"`
	ThreatenedProperty   *float64 `json:"threatened_property"` // 万元
	MonitorName          string   `json:"monitor_name"`
	MonitorPhone         string   `json:"monitor_phone"`
	EvacuationPlan       string   `json:"evacuation_plan"`
}

// maxThreatened bounds the households and people under threat of one hazard:
// more is a typing mistake.
const maxThreatened = 10_000_000

// disasterFields checks in's category and disaster fields into h: errs gets
// what is malformed, misplaced the disaster fields given on an accident
// hazard (refused as not applicable, 422).
func disasterFields(errs, misplaced fieldErrors, in *DisasterInput, h *model.Hazard) {
	h.Category = model.CategoryAccident
	if s := strings.TrimSpace(in.Category); s != "" {
		h.Category = parseCategory(errs, "category", s)
	}
	if h.Category != model.CategoryDisaster {
		for _, f := range in.given() {
			misplaced.add(f, fmt.Sprintf("事故隐患不能填写%s；灾害隐患请选择隐患类别“灾害隐患”（category=disaster）", disasterFieldLabels[f]))
		}
		if h.Category == "" {
			h.Category = model.CategoryAccident
		}
		return
	}
	if strings.TrimSpace(in.DisasterType) == "" {
		errs.add("disaster_type", "灾害隐患须选择灾害类型")
	} else {
		h.DisasterType = parseDisasterType(errs, "disaster_type", in.DisasterType)
	}
	if s := strings.TrimSpace(in.Subtype); s != "" && h.DisasterType != "" {
		subs := h.DisasterType.Subtypes()
		ok := false
		names := make([]string, len(subs))
		for i, v := range subs {
			names[i] = v.Label + "（" + v.Code + "）"
			if s == v.Code || s == v.Label {
				h.Subtype, ok = v.Code, true
			}
		}
		switch {
		case len(subs) == 0:
			errs.add("subtype", h.DisasterType.Label()+"不分子类，请不要填写灾害子类")
		case !ok:
			errs.add("subtype", fmt.Sprintf("%s的子类只能是%s", h.DisasterType.Label(), strings.Join(names, "、")))
		}
	}
	h.ThreatenedHouseholds = count(errs, "threatened_households", "威胁户数", in.ThreatenedHouseholds)
	h.ThreatenedPeople = count(errs, "threatened_people", "威胁人数", in.ThreatenedPeople)
	if p := in.ThreatenedProperty; p != nil {
		if math.IsNaN(*p) || *p < 0 || *p > 1e7 {
			errs.add("threatened_property", "威胁财产应在 0 至 10,000,000 万元之间")
		} else {
			v := *p
			h.ThreatenedProperty = &v
		}
	}
	h.MonitorName = text(errs, "monitor_name", &in.MonitorName, 50)
	h.MonitorPhone = text(errs, "monitor_phone", &in.MonitorPhone, 20)
	if h.MonitorPhone != "" && !ValidPhone(h.MonitorPhone) {
		errs.add("monitor_phone", "监测责任人联系电话格式不正确")
	}
	h.EvacuationPlan = text(errs, "evacuation_plan", &in.EvacuationPlan, 2000)
}

// disasterFieldLabels are the disaster fields' Chinese names, for messages.
var disasterFieldLabels = map[string]string{
	"disaster_type": "灾害类型", "subtype": "灾害子类", "threatened_households": "威胁户数",
	"threatened_people": "威胁人数", "threatened_property": "威胁财产", "monitor_name": "监测责任人",
	"monitor_phone": "监测责任人联系电话", "evacuation_plan": "避险转移路线",
}

// given lists the disaster fields in holds, in a fixed order.
func (in *DisasterInput) given() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"disaster_type", strings.TrimSpace(in.DisasterType) != ""}, {"subtype", strings.TrimSpace(in.Subtype) != ""},
		{"threatened_households", in.ThreatenedHouseholds != nil}, {"threatened_people", in.ThreatenedPeople != nil},
		{"threatened_property", in.ThreatenedProperty != nil}, {"monitor_name", strings.TrimSpace(in.MonitorName) != ""},
		{"monitor_phone", strings.TrimSpace(in.MonitorPhone) != ""}, {"evacuation_plan", strings.TrimSpace(in.EvacuationPlan) != ""},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// DisasterInputOf is h's disaster fields as input: what the ledger compares
// and checks a changed row with.
func DisasterInputOf(h *model.Hazard) DisasterInput {
	return DisasterInput{Category: string(h.Category), DisasterType: string(h.DisasterType), Subtype: h.Subtype,
		ThreatenedHouseholds: h.ThreatenedHouseholds, ThreatenedPeople: h.ThreatenedPeople,
		ThreatenedProperty: h.ThreatenedProperty, MonitorName: h.MonitorName, MonitorPhone: h.MonitorPhone,
		EvacuationPlan: h.EvacuationPlan}
}

// CheckDisaster checks h's category and disaster fields as registering
// checks them, and its coordinates: field name → Chinese message, nil when
// all is well. For the ledger, which sets them on a hazard it changes.
func CheckDisaster(h *model.Hazard) map[string]string {
	errs, misplaced := fieldErrors{}, fieldErrors{}
	in := DisasterInputOf(h)
	probe := *h
	disasterFields(errs, misplaced, &in, &probe)
	coordinates(errs, h.Latitude, h.Longitude)
	for k, v := range misplaced {
		errs.add(k, v)
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func count(errs fieldErrors, field, label string, v *int) *int {
	if v == nil {
		return nil
	}
	if *v < 0 || *v > maxThreatened {
		errs.add(field, fmt.Sprintf("%s应为 0 至 %d 之间的整数", label, maxThreatened))
		return nil
	}
	n := *v
	return &n
}

// parseCategory reads a category into errs' field.
func parseCategory(errs fieldErrors, field, s string) model.Category {
	c := model.Category(strings.TrimSpace(s))
	if !c.Valid() {
		errs.add(field, "隐患类别只能是 accident（事故隐患）或 disaster（灾害隐患）")
		return ""
	}
	return c
}

// parseDisasterType reads a disaster type, by code or Chinese name, into
// errs' field.
func parseDisasterType(errs fieldErrors, field, s string) model.DisasterType {
	s = strings.TrimSpace(s)
	names := make([]string, len(model.DisasterTypes))
	for i, t := range model.DisasterTypes {
		if s == string(t) || s == t.Label() {
			return t
		}
		names[i] = string(t) + "（" + t.Label() + "）"
	}
	errs.add(field, "未知的灾害类型："+s+"（可选 "+strings.Join(names, "、")+"）")
	return ""
}

// DisasterTypeInfo is a disaster type with its Chinese name, its subtypes
// and the department it falls to by default: for the pages and the API.
type DisasterTypeInfo struct {
	Code       model.DisasterType `json:"code"`
	Label      string             `json:"label"`
	Subtypes   []model.Subtype    `json:"subtypes"`
	Department model.Department   `json:"department"`
}

// DisasterTypes lists the disaster types in the order the pages offer them.
func DisasterTypes() []DisasterTypeInfo {
	out := make([]DisasterTypeInfo, len(model.DisasterTypes))
	for i, t := range model.DisasterTypes {
		subs := t.Subtypes()
		if subs == nil {
			subs = []model.Subtype{}
		}
		out[i] = DisasterTypeInfo{Code: t, Label: t.Label(), Subtypes: subs,
			Department: DefaultDepartment(&model.Hazard{Category: model.CategoryDisaster, DisasterType: t})}
	}
	return out
}

// disasterPayload adds h's category and disaster fields to an event's payload
// (the create event, the ledger's imported event): a disaster hazard's only.
func disasterPayload(payload map[string]any, h *model.Hazard) {
	if h.Category != model.CategoryDisaster {
		return
	}
	payload["category"], payload["disaster_type"] = string(h.Category), string(h.DisasterType)
	for k, v := range map[string]string{"subtype": h.Subtype, "monitor_name": h.MonitorName,
		"monitor_phone": h.MonitorPhone, "evacuation_plan": h.EvacuationPlan} {
		if v != "" {
			payload[k] = v
		}
	}
	if h.ThreatenedHouseholds != nil {
		payload["threatened_households"] = *h.ThreatenedHouseholds
	}
	if h.ThreatenedPeople != nil {
		payload["threatened_people"] = *h.ThreatenedPeople
	}
	if h.ThreatenedProperty != nil {
		payload["threatened_property"] = *h.ThreatenedProperty
	}
}
