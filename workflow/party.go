package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"hazardloop/model"
)

// Who rectifies (整改责任主体, issue #15, docs/design.md): every hazard names
// the kind of party that rectifies it — an enterprise, a township, a village,
// a department or an owner — with the unit's name (responsible_unit) and, for
// a township or a village, its region (responsible_region_code). The party
// plans, uploads proof and submits; staff doing it for another party do it on
// its behalf (OnBehalf, 代为); the party never verifies its own work.
//
// Decisions (docs/design.md):
//   - Without a type given, the party is the enterprise when the hazard has
//     one, else the body of the place it lies in (village, township), else a
//     department of the county (model.DefaultParty).
//   - A township's or a village's staff are exactly the supervisors and
//     officers whose region is that township or village. The township's
//     supervisors (and the county's) may act for a village's hazard, as all
//     staff of the territory may act for any party: on its behalf, with a
//     reason — never as the village itself, and its queue is the village's.
//   - A department's staff are its supervisors of the hazard's county (the
//     county's bureau); a city's or the province's act on its behalf.
//   - An owner has no account: staff of the territory (supervisors, and
//     officers too) plan and submit for the owner, always on its behalf
//     (代录), logged as on_behalf.
//   - Verification: a township's or a village's own hazard only by the
//     county or above; a department's own hazard not by that department at
//     the county or below, but by the emergency bureau (综合监管) or the
//     department above the county. The emergency bureau's own (a hazard
//     of the county or above with no enterprise and no other department:
//     what no other body owns) is verified as before the party types — by
//     a supervisor of the territory other than the submitter — and its
//     responsible unit is not filled with the bureau's name when listed
//     (comprehensiveSupervisorOwns).

// PartyInput is who rectifies a hazard as it is registered: all optional.
type PartyInput struct {
	ResponsiblePartyType  string `json:"responsible_party_type"`
	ResponsibleUnit       string `json:"responsible_unit"`
	ResponsibleRegionCode string `json:"responsible_region_code"`
}

// partyTypeMessage is the refusal of an unknown party type.
const partyTypeMessage = "整改责任主体类型只能是 enterprise（生产经营单位）、township（乡镇/街道）、village（村/社区）、department（行业部门）或 owner（产权人）"

func parsePartyType(errs fieldErrors, field, s string) model.PartyType {
	p := model.PartyType(strings.TrimSpace(s))
	if !p.Valid() {
		errs.add(field, partyTypeMessage)
		return ""
	}
	return p
}

// settleParty checks who rectifies h against h as placed (its region and
// enterprise): typ "" keeps h's party (a new hazard's default when it has
// none), region "" leaves a township's or village's region to be the
// hazard's own when that fits. The region is looked up in regions.
func settleParty(ctx context.Context, regions PlaceLookup, errs fieldErrors, h *model.Hazard, typ, region string) error {
	region = strings.TrimSpace(region)
	p := h.ResponsiblePartyType
	if strings.TrimSpace(typ) != "" {
		if p = parsePartyType(errs, "responsible_party_type", typ); p == "" {
			return nil
		}
	} else if p == "" {
		p, _ = model.DefaultParty(h.EnterpriseID != nil, h.RegionCode)
		if region != "" && p != model.PartyTownship && p != model.PartyVillage {
			errs.add("responsible_party_type", "填写责任区划时须选择整改责任主体类型（乡镇或村）")
			return nil
		}
	}
	h.ResponsiblePartyType, h.ResponsibleRegionCode = p, ""
	switch p {
	case model.PartyEnterprise:
		if h.EnterpriseID == nil {
			errs.add("responsible_party_type", "整改责任主体为生产经营单位时须关联生产经营单位（enterprise_id）")
		}
	case model.PartyOwner:
		if h.ResponsibleUnit == "" {
			errs.add("responsible_unit", "整改责任主体为产权人时须填写产权人姓名或名称（responsible_unit）")
		}
	}
	want := p.RegionLength()
	if want == 0 {
		if region != "" {
			errs.add("responsible_region_code", "只有乡镇、村为整改责任主体时才填写责任区划")
		}
		return nil
	}
	if region == "" && len(h.RegionCode) == want {
		region = h.RegionCode // the body of the place the hazard lies in
	}
	if region == "" && p == model.PartyTownship && len(h.RegionCode) == 12 {
		region = h.RegionCode[:9] // a village's hazard: its township
	}
	body := map[model.PartyType]string{model.PartyTownship: "乡镇（街道）", model.PartyVillage: "村（社区）"}[p]
	switch {
	case region == "":
		errs.add("responsible_region_code", fmt.Sprintf("整改责任主体为%s时须填写责任区划（%d位区划代码）", body, want))
		return nil
	case len(region) != want || !allDigits(region):
		errs.add("responsible_region_code", fmt.Sprintf("%s的责任区划应为%d位区划代码", body, want))
		return nil
	case !model.Within(region, h.RegionCode) && !model.Within(h.RegionCode, region):
		errs.add("responsible_region_code", fmt.Sprintf("责任区划须在隐患所在区划（%s）之内，或为其所属的乡镇", h.RegionCode))
		return nil
	}
	if _, err := regions.GetRegion(ctx, region); errors.Is(err, model.ErrNotFound) {
		errs.add("responsible_region_code", "责任区划代码不存在")
		return nil
	} else if err != nil {
		return err
	}
	h.ResponsibleRegionCode = region
	return nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// partyPayload records who rectifies in an event's payload.
func partyPayload(payload map[string]any, h *model.Hazard) {
	payload["responsible_party_type"] = string(h.ResponsiblePartyType)
	if h.ResponsibleRegionCode != "" {
		payload["responsible_region_code"] = h.ResponsibleRegionCode
	}
}

// partyOf is h's party type, an enterprise for a hazard read without one.
func partyOf(h *model.Hazard) model.PartyType {
	if h.ResponsiblePartyType == "" {
		p, _ := model.DefaultParty(h.EnterpriseID != nil, h.RegionCode)
		return p
	}
	return h.ResponsiblePartyType
}

// partyDepartment is the department that rectifies a department's hazard:
// its competent department, the emergency bureau while it has none.
func partyDepartment(h *model.Hazard) model.Department {
	if h.Department == "" {
		return model.DeptEmergency
	}
	return h.Department
}

// IsParty reports whether a is of the party that rectifies h (see the
// decisions above): its enterprise's accounts, its township's or village's
// supervisors and officers, its department's supervisors of the county or
// below. Nobody is an owner.
func IsParty(a Actor, h *model.Hazard) bool {
	switch partyOf(h) {
	case model.PartyEnterprise:
		return a.Role == model.RoleEnterprise && h.EnterpriseID != nil && *h.EnterpriseID == a.EnterpriseID
	case model.PartyTownship, model.PartyVillage:
		return (a.Role == model.RoleSupervisor || a.Role == model.RoleOfficer) && a.Region != "" && a.Region == h.ResponsibleRegionCode
	case model.PartyDepartment:
		return a.Role == model.RoleSupervisor && a.department() == partyDepartment(h) &&
			len(a.Region) == 6 && model.RegionLevelOf(a.Region) == model.RegionCounty && a.inScope(h)
	}
	return false
}

// PartiesOf are the parties whose hazards a plans and submits, for a's queue:
// an enterprise's own; a township's or a village's staff their body's, and
// the owners' of their territory (for whom they act); a department's
// supervisor of the county or below the department's.
func PartiesOf(a Actor) []model.Party {
	switch a.Role {
	case model.RoleEnterprise:
		return []model.Party{{Type: model.PartyEnterprise}}
	case model.RoleOfficer, model.RoleSupervisor:
		var out []model.Party
		if l := len(a.Region); l == 9 || l == 12 {
			t := model.PartyTownship
			if l == 12 {
				t = model.PartyVillage
			}
			out = append(out, model.Party{Type: t, RegionCode: a.Region}, model.Party{Type: model.PartyOwner})
		}
		if a.Role == model.RoleSupervisor && len(a.Region) == 6 && model.RegionLevelOf(a.Region) == model.RegionCounty {
			out = append(out, model.Party{Type: model.PartyDepartment, Department: a.department()})
		}
		return out
	}
	return nil
}

// The conditions of the party's events and of verification (rules).
var (
	enterpriseRectifies = condition{
		unmet: "该隐患的整改责任主体不是生产经营单位，企业用户不能办理",
		holds: func(_ Actor, h *model.Hazard, _ model.Level) bool { return partyOf(h) == model.PartyEnterprise },
	}
	officerRectifies = condition{
		unmet: "信息员只能办理本乡镇（村）负责整改的隐患，或代产权人办理",
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool {
			return IsParty(a, h) || partyOf(h) == model.PartyOwner
		},
	}
	localBodyVerifiedAbove = condition{
		unmet: "乡镇、村负责整改的隐患须由县级及以上人员核实，整改方不能核实自身整改",
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool {
			p := partyOf(h)
			return p != model.PartyTownship && p != model.PartyVillage || a.countyOrAbove()
		},
	}
	// The emergency bureau is the comprehensive supervisor (综合监管): a
	// hazard whose department is emergency is one no other body owns, and
	// the bureau verifies it as it always has — a supervisor of the
	// territory other than the submitter (notSubmitter), not "a party
	// that may not verify its own". Other departments' own hazards are
	// verified by the emergency bureau or the department above the county.
	departmentVerifiedByOthers = condition{
		unmet: "行业部门负责整改的隐患须由应急管理部门或上级主管部门核实，整改部门不能核实自身整改",
		holds: func(a Actor, h *model.Hazard, _ model.Level) bool {
			if partyOf(h) != model.PartyDepartment || comprehensiveSupervisorOwns(h) {
				return true
			}
			return a.Role == model.RoleSupervisor && !IsParty(a, h)
		},
	}
)

// comprehensiveSupervisorOwns reports whether h is a department's hazard
// whose department is the emergency bureau (综合监管): the default of a
// hazard with no enterprise outside a township or a village that no other
// department owns. Such a hazard is verified under the two-person rule
// (departmentVerifiedByOthers) and is not given the bureau's name as its
// responsible unit when listed (listParty): the unit must be named.
func comprehensiveSupervisorOwns(h *model.Hazard) bool {
	return partyOf(h) == model.PartyDepartment && partyDepartment(h) == model.DeptEmergency
}

// verifierDepartment reports whether a's department verifies h: the
// competent department's; for a department's own hazard also the emergency
// bureau's (综合监管), since the department is the party.
func verifierDepartment(a Actor, h *model.Hazard) bool {
	if h.Department == a.department() || (h.Department == "" && a.department() == model.DeptEmergency) {
		return true
	}
	return partyOf(h) == model.PartyDepartment && a.department() == model.DeptEmergency
}

// PartyAddressee is the party as a supervision letter addresses it: the
// enterprise's name; a township's government (XX镇人民政府, XX街道办事处); a
// village's committee (XX村民委员会, XX社区居民委员会); the department's
// bureau of the hazard's county (XX区住房和城乡建设局); the owner's name. A
// responsible unit named on the hazard is taken as written for a township,
// a village and an owner.
func PartyAddressee(ctx context.Context, tx PlaceLookup, h *model.Hazard) (string, error) {
	switch partyOf(h) {
	case model.PartyEnterprise:
		if h.EnterpriseID != nil {
			ent, err := tx.GetEnterprise(ctx, *h.EnterpriseID)
			if err == nil {
				return ent.Name, nil
			} else if !errors.Is(err, model.ErrNotFound) {
				return "", err
			}
		}
	case model.PartyTownship, model.PartyVillage:
		if h.ResponsibleUnit != "" || h.ResponsibleRegionCode == "" {
			break
		}
		r, err := tx.GetRegion(ctx, h.ResponsibleRegionCode)
		if err != nil {
			return "", err
		}
		return LocalBody(r.Name, len(r.Code) == 12), nil
	case model.PartyDepartment:
		county := model.CodeCounty(h.RegionCode)
		r, err := tx.GetRegion(ctx, county)
		if err != nil {
			return "", err
		}
		return DepartmentOffice(r.Name, model.RegionLevelOf(county), partyDepartment(h)), nil
	}
	if h.ResponsibleUnit != "" {
		return h.ResponsibleUnit, nil
	}
	return "（整改责任单位）", nil
}

// LocalBody is the body of a township or a village named name: 街道办事处 for
// a street, 人民政府 for a town or township; 居民委员会 for a community, 村民
// 委员会 for a village.
func LocalBody(name string, village bool) string {
	switch {
	case village && strings.HasSuffix(name, "社区"):
		return name + "居民委员会"
	case village:
		return name + "村民委员会"
	case strings.HasSuffix(name, "街道"):
		return name + "办事处"
	}
	return name + "人民政府"
}

// lawByDisaster is the law a supervision letter cites for a disaster
// hazard, by its type: the one template table of issue #15. Cited by name
// only, as the State Council and the NPC published them: 《地质灾害防治条例》
// (国务院令第394号, 2003), 《中华人民共和国防洪法》 (1997, as amended),
// 《森林防火条例》 (国务院令第541号, 2008), 《中华人民共和国防震减灾法》 (2008
// revision), 《中华人民共和国突发事件应对法》 (2007, revised 2024).
var lawByDisaster = map[model.DisasterType]string{
	model.DisasterGeological:     "《地质灾害防治条例》",
	model.DisasterSlopeBuilding:  "《地质灾害防治条例》",
	model.DisasterFlood:          "《中华人民共和国防洪法》",
	model.DisasterRailWater:      "《中华人民共和国防洪法》",
	model.DisasterForestFire:     "《森林防火条例》",
	model.DisasterForestOilDepot: "《森林防火条例》",
	model.DisasterEarthquake:     "《中华人民共和国防震减灾法》",
	model.DisasterOther:          "《中华人民共和国突发事件应对法》",
}

// accidentLaw is what a letter on an accident hazard cites, as it always has.
const accidentLaw = "《中华人民共和国安全生产法》和《安全生产事故隐患排查治理暂行规定》"

// LawFor is the law a supervision letter on h cites (lawByDisaster).
func LawFor(h *model.Hazard) string {
	if h.Category == model.CategoryDisaster {
		if l, ok := lawByDisaster[h.DisasterType]; ok {
			return l
		}
		return lawByDisaster[model.DisasterOther]
	}
	return accidentLaw
}
