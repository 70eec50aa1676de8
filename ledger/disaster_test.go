package ledger

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"hazardloop/ledger/xlsx"
	"hazardloop/model"
	"hazardloop/workflow"
)

func ip(n int) *int { return &n }

func fp(v float64) *float64 { return &v }

// disasterRows are a county's disaster ledger: a landslide found and not yet
// checked, a pond listed to the water bureau, and one accident hazard.
func disasterRows() []xlsx.Row {
	slide := newRow("蔡家村后山滑坡体前缘裂缝", model.StateDiscovered)
	slide.Enterprise, slide.Location, slide.Source = "", "蔡家村后山", model.SourceSupervisoryCheck
	slide.DisasterType, slide.Subtype = model.DisasterGeological, "滑坡"
	slide.ThreatenedHouseholds, slide.ThreatenedPeople, slide.ThreatenedProperty = ip(36), ip(128), fp(860.5)
	slide.MonitorName, slide.MonitorPhone, slide.EvacuationPlan = "王群防", "13907910001", "沿村道向东转移至村委会安置点"
	slide.Latitude, slide.Longitude = fp(28.684312), fp(115.893107)

	pond := newRow("青山塘坝体渗漏", model.StateListed)
	pond.Enterprise, pond.ResponsibleUnit = "", "东湖区水利局"
	pond.Category, pond.DisasterType, pond.Subtype = model.CategoryDisaster, model.DisasterFlood, "pond"
	pond.ThreatenedHouseholds, pond.ThreatenedPeople = ip(4), ip(11)
	pond.MonitorName, pond.MonitorPhone = "李巡查", "0791-86660000"
	pond.EvacuationPlan = "向北转移至青山小学"

	accident := newRow("配电箱未接地", model.StateDiscovered)
	return []xlsx.Row{slide, pond, accident}
}

// TestLedgerDisasterRoundTrip: disaster rows import with their columns (the
// type's department when listed), export with them, and the exported file
// imports back changing nothing; a changed threat updates the hazard; the
// disaster columns on an accident row are refused, named by column.
func TestLedgerDisasterRoundTrip(t *testing.T) {
	forDialects(t, func(t *testing.T, f *fixture) {
		res, err := f.ledger.Import(f.ctx, f.actors["donghu"], ledgerOf(t, disasterRows()...), ImportOptions{FileName: "灾害隐患.xlsx"})
		if err != nil {
			t.Fatalf("%v %+v", err, err.(*workflow.Error).Detail)
		}
		if res.Created != 3 || len(res.Errors) != 0 {
			t.Fatalf("result %+v", res)
		}
		byTitle := map[string]model.Hazard{}
		for _, h := range f.allHazards(t) {
			byTitle[h.Title] = h
		}
		slide, pond, acc := byTitle["蔡家村后山滑坡体前缘裂缝"], byTitle["青山塘坝体渗漏"], byTitle["配电箱未接地"]
		if slide.Category != model.CategoryDisaster || slide.DisasterType != model.DisasterGeological || slide.Subtype != "landslide" ||
			*slide.ThreatenedHouseholds != 36 || *slide.ThreatenedPeople != 128 || *slide.ThreatenedProperty != 860.5 ||
			slide.MonitorName != "王群防" || slide.MonitorPhone != "13907910001" || slide.EvacuationPlan != "沿村道向东转移至村委会安置点" ||
			*slide.Latitude != 28.684312 || *slide.Longitude != 115.893107 {
			t.Errorf("imported landslide %+v", slide)
		}
		if pond.State != model.StateListed || pond.DisasterType != model.DisasterFlood || pond.Subtype != "pond" || pond.Department != model.DeptWater {
			t.Errorf("imported pond: state %s type %s subtype %s department %s", pond.State, pond.DisasterType, pond.Subtype, pond.Department)
		}
		if acc.Category != model.CategoryAccident || acc.DisasterType != "" || acc.ThreatenedPeople != nil {
			t.Errorf("imported accident hazard %+v", acc)
		}

		// The export carries the disaster columns, as Chinese words.
		b := f.export(t, "city", workflow.ListQuery{Category: "disaster"})
		x, err := excelize.OpenReader(bytes.NewReader(b))
		noErr(t, err)
		rows, err := x.GetRows(xlsx.SheetLedger)
		noErr(t, err)
		x.Close()
		if len(rows) != 4 {
			t.Fatalf("category=disaster exports %d rows, want title, header and 2", len(rows))
		}
		cell := func(row []string, key string) string {
			if i := xlsx.ColumnIndex(key); i < len(row) {
				return row[i]
			}
			return ""
		}
		header := rows[1]
		for key, want := range map[string]string{xlsx.ColCategory: "隐患类别", xlsx.ColDisasterType: "灾害类型", xlsx.ColThreatenedHouseholds: "威胁户数",
			xlsx.ColThreatenedPeople: "威胁人数", xlsx.ColThreatenedProperty: "威胁财产（万元）", xlsx.ColMonitorName: "监测责任人",
			xlsx.ColEvacuationPlan: "避险转移路线", xlsx.ColLongitude: "经度", xlsx.ColLatitude: "纬度"} {
			if got := cell(header, key); got != want {
				t.Errorf("header of %s: %q", key, got)
			}
		}
		var slideRow []string
		for _, r := range rows[2:] {
			if cell(r, xlsx.ColTitle) == slide.Title {
				slideRow = r
			}
		}
		for key, want := range map[string]string{xlsx.ColCategory: "灾害隐患", xlsx.ColDisasterType: "地质灾害", xlsx.ColSubtype: "滑坡",
			xlsx.ColThreatenedPeople: "128", xlsx.ColThreatenedProperty: "860.5", xlsx.ColMonitorPhone: "13907910001",
			xlsx.ColLatitude: "28.684312", xlsx.ColLongitude: "115.893107"} {
			if got := cell(slideRow, key); got != want {
				t.Errorf("exported %s = %q, want %q", key, got, want)
			}
		}
		if n := len(rowsOf(t, f.export(t, "city", workflow.ListQuery{DisasterType: "flood"}))); n != 1 {
			t.Errorf("disaster_type=flood exports %d rows", n)
		}

		// Imported back as it is: nothing changes.
		before := f.allHazards(t)
		all := f.export(t, "city", workflow.ListQuery{})
		again, err := f.ledger.Import(f.ctx, f.actors["city"], all, ImportOptions{})
		noErr(t, err)
		if again.Unchanged != 3 || again.Created+again.Updated != 0 || len(again.Errors) != 0 {
			t.Fatalf("round trip %+v", again)
		}
		if after := f.allHazards(t); !reflect.DeepEqual(before, after) {
			t.Errorf("round trip changed hazards:\nbefore %+v\nafter  %+v", before, after)
		}
		readableInLibreOffice(t, all, "地质灾害", "灾害类型")

		// More people moved in under the slide: the ledger updates the threat.
		line := 0
		for i, r := range rowsOf(t, all) {
			if r.Title == slide.Title {
				line = i + 3
			}
		}
		people, _ := excelize.CoordinatesToCellName(xlsx.ColumnIndex(xlsx.ColThreatenedPeople)+1, line)
		upd, err := f.ledger.Import(f.ctx, f.actors["donghu"], setCells(t, all, map[string]any{people: 140}), ImportOptions{})
		noErr(t, err)
		if upd.Updated != 1 {
			t.Fatalf("update %+v", upd)
		}
		got, err := f.engine.Hazards.Hazard(f.ctx, f.actors["donghu"], slide.ID)
		noErr(t, err)
		if *got.ThreatenedPeople != 140 || got.SuggestedLevel != model.LevelMajor {
			t.Errorf("after the update: %d people, suggested %s", *got.ThreatenedPeople, got.SuggestedLevel)
		}

		// Disaster columns on an accident row; a disaster row without its type.
		bad := newRow("油罐区防火堤破损", model.StateDiscovered)
		bad.Category, bad.ThreatenedPeople = model.CategoryAccident, ip(30)
		noType := newRow("山体开裂", model.StateDiscovered)
		noType.Category, noType.Enterprise = model.CategoryDisaster, ""
		majorNoBasis := newRow("水库大坝坝肩裂缝", model.StateListed)
		majorNoBasis.Enterprise, majorNoBasis.ResponsibleUnit, majorNoBasis.Level = "", "东湖区水利局", model.LevelMajor
		majorNoBasis.DisasterType, majorNoBasis.Subtype, majorNoBasis.ThreatenedPeople = model.DisasterFlood, "水库", ip(3000)
		_, err = f.ledger.Import(f.ctx, f.actors["donghu"], ledgerOf(t, bad, noType, majorNoBasis), ImportOptions{})
		var we *workflow.Error
		if !errors.As(err, &we) || we.Code != "ledger_invalid" {
			t.Fatalf("err %v, want ledger_invalid", err)
		}
		var cols []string
		for _, e := range we.Detail.(ImportResult).Errors {
			cols = append(cols, e.Column+"："+e.Message)
		}
		if !reflect.DeepEqual(cols, []string{"威胁人数：事故隐患不能填写威胁人数；灾害隐患请选择隐患类别“灾害隐患”（category=disaster）",
			"灾害类型：灾害隐患须选择灾害类型", "判定依据：重大灾害隐患须注明判定依据（标准名称）", "具体条款：重大灾害隐患须注明判定依据的具体条款"}) {
			t.Errorf("errors %q", cols)
		}
	})
}

// rowsOf decodes a ledger's rows.
func rowsOf(tb testing.TB, b []byte) []xlsx.Row {
	tb.Helper()
	r, err := xlsx.Open(b, xlsx.DecodeOptions{})
	noErr(tb, err)
	defer r.Close()
	var out []xlsx.Row
	for r.Next() {
		out = append(out, r.Draft().Row)
	}
	return out
}

// readableInLibreOffice opens the workbook in LibreOffice (when installed)
// and wants each of words among the cells it reads.
func readableInLibreOffice(t *testing.T, b []byte, words ...string) {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Log("soffice not installed: the workbook is not opened in LibreOffice")
		return
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "ledger.xlsx")
	noErr(t, os.WriteFile(in, b, 0o644))
	cmd := exec.Command(soffice, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", dir, in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	csvb, err := os.ReadFile(filepath.Join(dir, "ledger.csv"))
	noErr(t, err)
	recs, err := csv.NewReader(bytes.NewReader(csvb)).ReadAll()
	if err != nil {
		t.Fatalf("LibreOffice's CSV: %v", err)
	}
	var cells []string
	for _, r := range recs {
		cells = append(cells, r...)
	}
	for _, w := range words {
		found := false
		for _, c := range cells {
			found = found || strings.TrimSpace(c) == w
		}
		if !found {
			t.Errorf("LibreOffice does not show %q in the ledger", w)
		}
	}
}
