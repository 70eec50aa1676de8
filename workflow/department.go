package workflow

import (
	"strings"

	"hazardloop/model"
)

// defaultDepartments is the one table of which department a hazard falls to
// when it is listed without one chosen (the README shows it): a disaster
// hazard by its type (the entries with a disaster type), else by its
// industry, the first entry whose keyword the industry contains winning; a
// hazard matching none (a disaster hazard of type other and an industry that
// names none) is the emergency bureau's. The officer's or supervisor's choice
// at confirm wins over it.
var defaultDepartments = []struct {
	disaster model.DisasterType // a disaster hazard of this type, or
	keyword  string             // a hazard whose industry contains this
	dept     model.Department
}{
	{disaster: model.DisasterGeological, dept: model.DeptNaturalResources},
	{disaster: model.DisasterFlood, dept: model.DeptWater},
	{disaster: model.DisasterForestFire, dept: model.DeptForestry},
	{disaster: model.DisasterForestOilDepot, dept: model.DeptForestry},
	{disaster: model.DisasterSlopeBuilding, dept: model.DeptHousing},
	{disaster: model.DisasterRailWater, dept: model.DeptWater},
	{disaster: model.DisasterEarthquake, dept: model.DeptEmergency},
	{keyword: "危险化学品", dept: model.DeptEmergency},
	{keyword: "化工", dept: model.DeptEmergency},
	{keyword: "工贸", dept: model.DeptEmergency},
	{keyword: "矿山", dept: model.DeptEmergency},
	{keyword: "烟花爆竹", dept: model.DeptEmergency},
	{keyword: "建筑", dept: model.DeptHousing},
	{keyword: "房屋", dept: model.DeptHousing},
	{keyword: "燃气", dept: model.DeptHousing},
	{keyword: "交通", dept: model.DeptTransport},
	{keyword: "港口", dept: model.DeptTransport},
	{keyword: "道路运输", dept: model.DeptTransport},
	{keyword: "水利", dept: model.DeptWater},
	{keyword: "水库", dept: model.DeptWater},
	{keyword: "地质灾害", dept: model.DeptNaturalResources},
	{keyword: "自然资源", dept: model.DeptNaturalResources},
	{keyword: "林业", dept: model.DeptForestry},
	{keyword: "森林", dept: model.DeptForestry},
	{keyword: "消防", dept: model.DeptFireRescue},
	{keyword: "商贸", dept: model.DeptMarketRegulation},
	{keyword: "市场", dept: model.DeptMarketRegulation},
	{keyword: "特种设备", dept: model.DeptMarketRegulation},
	{keyword: "学校", dept: model.DeptEducation},
	{keyword: "教育", dept: model.DeptEducation},
	{keyword: "农业", dept: model.DeptAgriculture},
	{keyword: "渔业", dept: model.DeptAgriculture},
}

// DefaultDepartment is the department hazard h falls to by default
// (defaultDepartments): a disaster hazard's type first, then its industry;
// emergency when none matches.
func DefaultDepartment(h *model.Hazard) model.Department {
	if h.Category == model.CategoryDisaster {
		for _, e := range defaultDepartments {
			if e.disaster != "" && e.disaster == h.DisasterType {
				return e.dept
			}
		}
	}
	return IndustryDepartment(h.Industry)
}

// IndustryDepartment is the department a hazard of industry falls to by
// default (defaultDepartments' keywords); emergency when none matches.
func IndustryDepartment(industry string) model.Department {
	for _, e := range defaultDepartments {
		if e.keyword != "" && strings.Contains(industry, e.keyword) {
			return e.dept
		}
	}
	return model.DeptEmergency
}

// IndustryDefaults lists the industry entries of the table behind
// IndustryDepartment, in its order, as keyword and department: for the README
// and the pages.
func IndustryDefaults() [][2]string {
	var out [][2]string
	for _, e := range defaultDepartments {
		if e.keyword != "" {
			out = append(out, [2]string{e.keyword, string(e.dept)})
		}
	}
	return out
}

// DisasterDefaults lists the disaster-type entries of the same table, as
// type and department.
func DisasterDefaults() [][2]string {
	var out [][2]string
	for _, e := range defaultDepartments {
		if e.disaster != "" {
			out = append(out, [2]string{string(e.disaster), string(e.dept)})
		}
	}
	return out
}

// DepartmentInfo is one entry of the directory of departments.
type DepartmentInfo struct {
	Code model.Department `json:"code"`
	Name string           `json:"name"`
}

// Departments is the directory of departments, the emergency bureau first.
func Departments() []DepartmentInfo {
	out := make([]DepartmentInfo, len(model.Departments))
	for i, d := range model.Departments {
		out[i] = DepartmentInfo{Code: d, Name: d.Label()}
	}
	return out
}

// DepartmentOffice is the official name of department d of the region named
// regionName at level (model.RegionProvince …): 东湖区住房和城乡建设局,
// 江西省应急管理厅, 南昌市消防救援支队, 东湖区消防救援大队. Provinces have 厅
// for most departments; fire and rescue is a 总队 (province), 支队 (city) or
// 大队 (county and below); the rest are 局.
func DepartmentOffice(regionName string, level int, d model.Department) string {
	if d == "" {
		return regionName
	}
	if d == model.DeptFireRescue {
		switch level {
		case model.RegionProvince:
			return regionName + "消防救援总队"
		case model.RegionCity:
			return regionName + "消防救援支队"
		}
		return regionName + "消防救援大队"
	}
	if level == model.RegionProvince {
		switch d {
		case model.DeptMarketRegulation, model.DeptForestry:
			return regionName + d.Label() + "局"
		}
		return regionName + d.Label() + "厅"
	}
	return regionName + d.Label() + "局"
}

// parseDepartment reads a department code into errs' field.
func parseDepartment(errs fieldErrors, field, s string) model.Department {
	d := model.Department(strings.TrimSpace(s))
	if !d.Valid() {
		errs.add(field, "未知的主管部门："+s+"（可选 emergency、housing、transport、water、natural_resources、forestry、fire_rescue、market_regulation、agriculture、education）")
		return ""
	}
	return d
}
