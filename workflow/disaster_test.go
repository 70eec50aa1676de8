package workflow

import (
	"strings"
	"testing"

	"hazardloop/model"
	"hazardloop/standards"
)

func ip(n int) *int { return &n }

func fp(v float64) *float64 { return &v }

// landslide is a disaster hazard of 东湖区 found by its supervisor.
func landslide(people int, property float64) HazardInput {
	return HazardInput{Title: "后山滑坡体前缘出现裂缝", RegionCode: "360102", Source: "supervisory_check",
		Latitude: fp(28.6843), Longitude: fp(115.8931),
		DisasterInput: DisasterInput{Category: "disaster", DisasterType: "geological", Subtype: "滑坡",
			ThreatenedHouseholds: ip(12), ThreatenedPeople: ip(people), ThreatenedProperty: fp(property),
			MonitorName: "王群防", MonitorPhone: "13907910001", EvacuationPlan: "沿村道向东转移至村委会安置点"}}
}

// TestDisasterDefaultDepartments: the one table gives a disaster hazard the
// department of its type when it is listed without one chosen, an accident
// hazard the one of its industry, and a disaster hazard of type other the
// one of its industry too.
func TestDisasterDefaultDepartments(t *testing.T) {
	want := map[model.DisasterType]model.Department{
		model.DisasterGeological: model.DeptNaturalResources, model.DisasterFlood: model.DeptWater,
		model.DisasterForestFire: model.DeptForestry, model.DisasterForestOilDepot: model.DeptForestry,
		model.DisasterSlopeBuilding: model.DeptHousing, model.DisasterRailWater: model.DeptWater,
		model.DisasterEarthquake: model.DeptEmergency, model.DisasterOther: model.DeptHousing, // by its industry 建筑
	}
	if len(want) != len(model.DisasterTypes) {
		t.Fatalf("the test covers %d types of %d", len(want), len(model.DisasterTypes))
	}
	forEachDialect(t, func(t *testing.T, f *fixture) {
		for _, typ := range model.DisasterTypes {
			in := HazardInput{Title: "灾害隐患" + typ.Label(), RegionCode: "360102", Source: "supervisory_check", Industry: "建筑",
				DisasterInput: DisasterInput{Category: "disaster", DisasterType: string(typ)}}
			h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], in)
			noErr(t, err)
			if h.Category != model.CategoryDisaster || h.DisasterType != typ {
				t.Fatalf("%s registered as %q/%q", typ, h.Category, h.DisasterType)
			}
			h = f.fire(t, "donghu", h, model.EventConfirm, Fields{ResponsibleUnit: sp("东湖区人民政府")}, "")
			if h.Department != want[typ] {
				t.Errorf("a %s hazard listed to %q, want %q", typ.Label(), h.Department, want[typ])
			}
			got, err := f.store.GetHazard(f.ctx, h.ID)
			noErr(t, err)
			if got.Department != want[typ] || got.Category != model.CategoryDisaster || got.DisasterType != typ {
				t.Errorf("stored %s hazard: department %q category %q type %q", typ, got.Department, got.Category, got.DisasterType)
			}
		}
		// An accident hazard of the same industry: the industry's department.
		h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], HazardInput{Title: "脚手架未设连墙件", RegionCode: "360102",
			Source: "supervisory_check", Industry: "水利"})
		noErr(t, err)
		if h.Category != model.CategoryAccident || h.SuggestedLevel != "" {
			t.Errorf("an accident hazard: category %q, suggested %q", h.Category, h.SuggestedLevel)
		}
		h = f.fire(t, "donghu", h, model.EventConfirm, Fields{ResponsibleUnit: sp("某水利公司")}, "")
		if h.Department != model.DeptWater {
			t.Errorf("an accident hazard of 水利 listed to %q", h.Department)
		}
		// The officer's choice at confirm still wins over the table.
		in := landslide(5, 1)
		h, err = f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], in)
		noErr(t, err)
		h = f.fire(t, "donghu", h, model.EventConfirm, Fields{ResponsibleUnit: sp("东湖区人民政府"), Department: sp("emergency")}, "")
		if h.Department != model.DeptEmergency {
			t.Errorf("the chosen department lost to the table: %q", h.Department)
		}
	})
	// The table as the API lists it.
	for _, ti := range DisasterTypes() {
		if ti.Department != want[ti.Code] && ti.Code != model.DisasterOther {
			t.Errorf("DisasterTypes: %s → %q", ti.Code, ti.Department)
		}
	}
}

// TestDisasterGradeSuggestion: the threat suggests the grade at the
// thresholds (100 people or 500 万元 by default, configurable); listing a
// major disaster hazard needs its basis like a major accident hazard.
func TestDisasterGradeSuggestion(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		for _, c := range []struct {
			people   int
			property float64
			want     model.Level
		}{{99, 499.9, model.LevelGeneral}, {100, 0, model.LevelMajor}, {0, 500, model.LevelMajor}, {30, 120, model.LevelGeneral}} {
			h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], landslide(c.people, c.property))
			noErr(t, err)
			if h.SuggestedLevel != c.want {
				t.Errorf("%d people, %.1f 万元: suggested %q, want %q", c.people, c.property, h.SuggestedLevel, c.want)
			}
			read, err := f.engine.Hazards.Hazard(f.ctx, f.actors["city"], h.ID)
			noErr(t, err)
			if read.SuggestedLevel != c.want || read.ThreatenedPeople == nil || *read.ThreatenedPeople != c.people {
				t.Errorf("read back: suggested %q, people %v", read.SuggestedLevel, read.ThreatenedPeople)
			}
		}

		// Major: refused without the basis, named like an accident hazard's.
		h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], landslide(150, 80))
		noErr(t, err)
		_, err = f.engine.Hazards.Apply(f.ctx, f.actors["donghu"], h.ID, EventInput{Event: model.EventConfirm, Version: h.Version,
			Fields: Fields{Level: sp("major"), ResponsibleUnit: sp("东湖区人民政府")}})
		we := wantRefusal(t, err, KindInvalid)
		if we.Fields["basis_standard"] != "重大灾害隐患须注明判定依据（标准名称）" || we.Fields["basis_clause"] == "" {
			t.Errorf("a major disaster hazard without basis: %+v", we.Fields)
		}
		h = f.fire(t, "donghu", h, model.EventConfirm, Fields{Level: sp("major"), ResponsibleUnit: sp("东湖区人民政府"),
			BasisStandard: sp("《地质灾害防治条例》"), BasisClause: sp("第十五条（险情分级：受威胁人数100人以上）")}, "")
		if h.Level != model.LevelMajor || !h.ListedSupervision || h.Department != model.DeptNaturalResources {
			t.Errorf("listed major disaster hazard: level %q listed %v department %q", h.Level, h.ListedSupervision, h.Department)
		}

		// Or citing the shipped scale of geological dangers, the clause its
		// threat falls under.
		_, err = f.engine.Standards.LoadShipped(f.ctx, standards.Shipped())
		noErr(t, err)
		h, err = f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], landslide(620, 80))
		noErr(t, err)
		h = f.fire(t, "donghu", h, model.EventConfirm, Fields{Level: sp("major"), ResponsibleUnit: sp("东湖区人民政府"),
			BasisStandardID: sp(ScaleStandard), BasisClauseRef: sp(DangerScale(620, 80))}, "")
		if h.BasisStandard != "《国家突发地质灾害应急预案》" || h.BasisClause == "" {
			t.Errorf("cited the scale: %q %q", h.BasisStandard, h.BasisClause)
		}
		for _, c := range []struct {
			people   int
			property float64
			want     string
		}{{99, 499, "小型险情（Ⅳ级）"}, {100, 0, "中型险情（Ⅲ级）"}, {0, 500, "中型险情（Ⅲ级）"}, {499, 4999, "中型险情（Ⅲ级）"},
			{500, 0, "大型险情（Ⅱ级）"}, {0, 5000, "大型险情（Ⅱ级）"}, {1000, 0, "特大型险情（Ⅰ级）"}, {0, 10000, "特大型险情（Ⅰ级）"}} {
			if got := DangerScale(c.people, c.property); got != c.want {
				t.Errorf("DangerScale(%d, %v) = %s, want %s", c.people, c.property, got, c.want)
			}
		}

		// Other thresholds, from the options.
		f.engine.opts.Disaster = DisasterPolicy{MajorPeople: 30, MajorProperty: 100}
		h, err = f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], landslide(30, 0))
		noErr(t, err)
		if h.SuggestedLevel != model.LevelMajor {
			t.Errorf("30 people with a threshold of 30: suggested %q", h.SuggestedLevel)
		}
	})
}

func wantRefusal(t *testing.T, err error, kind Kind) *Error {
	t.Helper()
	we, ok := err.(*Error)
	if !ok || we.Kind != kind {
		t.Fatalf("want a refusal of kind %d, got %v", kind, err)
	}
	return we
}

// TestDisasterFieldsChecked: what registering refuses, each field named; a
// disaster hazard's fields on an accident hazard are not applicable (422).
func TestDisasterFieldsChecked(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		// Accident hazard with a disaster field: 422, named.
		_, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["ent"], HazardInput{Title: "油库围堰破损",
			DisasterInput: DisasterInput{ThreatenedPeople: ip(20), MonitorName: "张三"}})
		we := wantRefusal(t, err, KindNotAllowed)
		if we.Fields["threatened_people"] == "" || we.Fields["monitor_name"] == "" || len(we.Fields) != 2 {
			t.Errorf("disaster fields on an accident hazard: %+v", we.Fields)
		}
		for name, c := range map[string]struct {
			in    DisasterInput
			field string
		}{
			"no type":                   {DisasterInput{Category: "disaster"}, "disaster_type"},
			"unknown type":              {DisasterInput{Category: "disaster", DisasterType: "tornado"}, "disaster_type"},
			"bad category":              {DisasterInput{Category: "natural"}, "category"},
			"wrong subtype":             {DisasterInput{Category: "disaster", DisasterType: "flood", Subtype: "landslide"}, "subtype"},
			"subtype of a type without": {DisasterInput{Category: "disaster", DisasterType: "earthquake", Subtype: "x"}, "subtype"},
			"negative people":           {DisasterInput{Category: "disaster", DisasterType: "flood", ThreatenedPeople: ip(-1)}, "threatened_people"},
			"negative households":       {DisasterInput{Category: "disaster", DisasterType: "flood", ThreatenedHouseholds: ip(-3)}, "threatened_households"},
			"negative property":         {DisasterInput{Category: "disaster", DisasterType: "flood", ThreatenedProperty: fp(-0.5)}, "threatened_property"},
			"bad phone":                 {DisasterInput{Category: "disaster", DisasterType: "flood", MonitorPhone: "打电话"}, "monitor_phone"},
		} {
			_, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], HazardInput{Title: "山塘坝体渗漏", RegionCode: "360102",
				Source: "supervisory_check", DisasterInput: c.in})
			we := wantRefusal(t, err, KindInvalid)
			if we.Fields[c.field] == "" {
				t.Errorf("%s: refused without naming %s: %+v", name, c.field, we.Fields)
			}
		}
		// Coordinates out of range on a disaster hazard.
		in := landslide(3, 1)
		in.Latitude = fp(95)
		_, err = f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], in)
		if we := wantRefusal(t, err, KindInvalid); we.Fields["latitude"] == "" {
			t.Errorf("latitude 95: %+v", we.Fields)
		}
		// An enterprise's forest oil depot, by self-inspection: accepted, the
		// subtype kept by its code, the create event carrying the fields.
		h, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["ent"], HazardInput{Title: "林区油库防火隔离带杂草未清",
			DisasterInput: DisasterInput{Category: "disaster", DisasterType: "林区油库", ThreatenedPeople: ip(8), MonitorPhone: "0791-88880000"}})
		noErr(t, err)
		if h.DisasterType != model.DisasterForestOilDepot || h.MonitorPhone != "0791-88880000" {
			t.Errorf("forest oil depot: %+v", h.Hazard)
		}
		h, err = f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], landslide(3, 1))
		noErr(t, err)
		if h.Subtype != "landslide" {
			t.Errorf("subtype 滑坡 stored as %q", h.Subtype)
		}
		evs, err := f.engine.Hazards.Events(f.ctx, f.actors["donghu"], h.ID)
		noErr(t, err)
		if p := string(evs[0].Payload); !strings.Contains(p, `"disaster_type":"geological"`) || !strings.Contains(p, `"threatened_people":3`) {
			t.Errorf("create event payload: %s", p)
		}
	})
}

// TestDisasterListAndDashboard: the list filters by category and type; the
// dashboard counts both categories and the people under threat of the open
// disaster hazards in scope.
func TestDisasterListAndDashboard(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		f.hazard(t)
		f.hazard(t)
		_, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], landslide(120, 10))
		noErr(t, err)
		flood := landslide(40, 10)
		flood.DisasterType, flood.Subtype = "flood", "pond"
		fh, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], flood)
		noErr(t, err)
		// One dismissed: no longer open, its people not counted.
		gone, err := f.engine.Hazards.CreateHazard(f.ctx, f.actors["donghu"], landslide(1000, 10))
		noErr(t, err)
		f.fire(t, "donghu", gone, model.EventDismiss, Fields{Reason: sp("重复登记")}, "")

		count := func(q ListQuery) int {
			t.Helper()
			p, err := f.engine.Hazards.List(f.ctx, f.actors["donghu"], q)
			noErr(t, err)
			return len(p.Items)
		}
		if n := count(ListQuery{Category: "disaster"}); n != 3 {
			t.Errorf("category=disaster: %d", n)
		}
		if n := count(ListQuery{Category: "accident"}); n != 2 {
			t.Errorf("category=accident: %d", n)
		}
		if n := count(ListQuery{DisasterType: "flood"}); n != 1 {
			t.Errorf("disaster_type=flood: %d", n)
		}
		if n := count(ListQuery{DisasterType: "flood", State: "discovered", Region: "360102"}); n != 1 {
			t.Errorf("disaster_type=flood in 360102: %d", n)
		}
		_, err = f.engine.Hazards.List(f.ctx, f.actors["donghu"], ListQuery{Category: "natural"})
		if we := wantRefusal(t, err, KindInvalid); we.Fields["category"] == "" {
			t.Errorf("category=natural: %+v", we.Fields)
		}
		_, err = f.engine.Hazards.List(f.ctx, f.actors["donghu"], ListQuery{Category: "accident", DisasterType: "flood"})
		if we := wantRefusal(t, err, KindInvalid); we.Fields["disaster_type"] == "" {
			t.Errorf("category=accident&disaster_type=flood: %+v", we.Fields)
		}

		for _, who := range []string{"donghu", "city", "province"} {
			d, err := f.engine.Hazards.Dashboard(f.ctx, f.actors[who])
			noErr(t, err)
			if d.Disaster.Open != 2 || d.Disaster.People != 160 || d.AccidentOpen() != 2 {
				t.Errorf("%s's dashboard: disaster %+v, accident %d", who, d.Disaster, d.AccidentOpen())
			}
		}
		d, err := f.engine.Hazards.Dashboard(f.ctx, f.actors["xihu"])
		noErr(t, err)
		if d.Disaster.Open != 0 || d.Disaster.People != 0 {
			t.Errorf("西湖区 sees 东湖区's disaster hazards: %+v", d.Disaster)
		}
		// Listed, it still counts (open), now in the water bureau's hands.
		fh = f.fire(t, "donghu", fh, model.EventConfirm, Fields{ResponsibleUnit: sp("东湖区水利局")}, "")
		if fh.Department != model.DeptWater {
			t.Errorf("a flood hazard listed to %q", fh.Department)
		}
		d, err = f.engine.Hazards.Dashboard(f.ctx, f.actors["donghu"])
		noErr(t, err)
		if d.Disaster.Open != 2 || d.Disaster.People != 160 {
			t.Errorf("after listing: %+v", d.Disaster)
		}
	})
}

// TestDisasterPublicReport: a citizen may report a disaster hazard (its
// category and type); a type without the category is not applicable (422).
func TestDisasterPublicReport(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		_, h := f.report(t, ReportInput{Description: "村后山坡出现一道新裂缝，雨后在变宽", Category: "disaster", DisasterType: "geological"})
		if h.Category != model.CategoryDisaster || h.DisasterType != model.DisasterGeological || h.Source != model.SourcePublicReport {
			t.Errorf("reported disaster hazard: %q %q %q", h.Category, h.DisasterType, h.Source)
		}
		_, err := f.engine.Reports.Submit(f.ctx, ReportInput{Title: "山塘漏水", Description: "山塘坝脚有水渗出", RegionCode: "360102",
			Address: "东湖区某村", DisasterType: "flood"})
		if we := wantRefusal(t, err, KindNotAllowed); we.Fields["disaster_type"] == "" {
			t.Errorf("a type without the category: %+v", we.Fields)
		}
	})
}
