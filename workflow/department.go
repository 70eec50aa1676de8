package workflow

import (
	"strings"

	"hazardloop/model"
)

// industryDepartments is the one table of which department a hazard's industry
// falls to when it is listed without one chosen (the README shows it): the
// first entry whose keyword the industry contains wins; an industry matching
// none is the emergency bureau's. The officer's or supervisor's choice at
// confirm wins over it.
var industryDepartments = []struct {
	keyword string
	dept    model.Department
}{
	{"危险化学品", model.DeptEmergency},
	{"化工", model.DeptEmergency},
	{"工贸", model.DeptEmergency},
	{"矿山", model.DeptEmergency},
	{"烟花爆竹", model.DeptEmergency},
	{"建筑", model.DeptHousing},
	{"房屋", model.DeptHousing},
	{"燃气", model.DeptHousing},
	{"交通", model.DeptTransport},
	{"港口", model.DeptTransport},
	{"道路运输", model.DeptTransport},
	{"水利", model.DeptWater},
	{"水库", model.DeptWater},
	{"地质灾害", model.DeptNaturalResources},
	{"自然资源", model.DeptNaturalResources},
	{"林业", model.DeptForestry},
	{"森林", model.DeptForestry},
	{"消防", model.DeptFireRescue},
	{"商贸", model.DeptMarketRegulation},
	{"市场", model.DeptMarketRegulation},
	{"特种设备", model.DeptMarketRegulation},
	{"学校", model.DeptEducation},
	{"教育", model.DeptEducation},
	{"农业", model.DeptAgriculture},
	{"渔业", model.DeptAgriculture},
}

// IndustryDepartment is the department a hazard of industry falls to by
// default (industryDepartments); emergency when none matches.
func IndustryDepartment(industry string) model.Department {
	for _, e := range industryDepartments {
		if strings.Contains(industry, e.keyword) {
			return e.dept
		}
	}
	return model.DeptEmergency
}

// IndustryDefaults lists the table behind IndustryDepartment, in its order, as
// keyword and department: for the README and the pages.
func IndustryDefaults() [][2]string {
	out := make([][2]string, len(industryDepartments))
	for i, e := range industryDepartments {
		out[i] = [2]string{e.keyword, string(e.dept)}
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
