package xlsx

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hazardloop/model"
)

func sampleStatTables() (StatMeta, []StatTable) {
	m := StatMeta{Title: "江西省 2026年1月1日至2026年12月6日 隐患排查治理统计表", Issuer: "江西省应急管理厅",
		MadeAt: time.Date(2026, 12, 6, 15, 4, 0, 0, model.Shanghai)}
	nc := StatLine{Name: "南昌市", PeriodCounts: model.PeriodCounts{Key: "360100", Found: 120, FoundMajor: 3, WrittenOff: 90, FoundRectified: 80, Open: 40, Overdue: 7}, Rate: 80.0 / 120}
	jj := StatLine{Name: "九江市", PeriodCounts: model.PeriodCounts{Key: "360400", Found: 30, WrittenOff: 10, FoundRectified: 9, Open: 21, Overdue: 2}, Rate: 0.3}
	total := StatLine{Name: "合计", PeriodCounts: model.PeriodCounts{Found: 150, FoundMajor: 3, WrittenOff: 100, FoundRectified: 89, Open: 61, Overdue: 9}, Rate: 89.0 / 150}
	return m, []StatTable{
		{Sheet: "按地区", Key: "地区", Rows: []StatLine{nc, jj}, Total: total},
		{Sheet: "按等级", Key: "隐患等级", Rows: []StatLine{{Name: "一般", PeriodCounts: model.PeriodCounts{Found: 147}}, {Name: "重大", PeriodCounts: model.PeriodCounts{Found: 3}}}, Total: total},
	}
}

// TestWriteStatistics: the layout of a statistics workbook as excelize reads it
// back: title, header, rows, total, 制表单位 and 制表时间, the frozen header,
// numbers as numbers.
func TestWriteStatistics(t *testing.T) {
	m, tables := sampleStatTables()
	var buf bytes.Buffer
	if err := WriteStatistics(&buf, m, tables); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "按地区,按等级" {
		t.Fatalf("sheets %v", got)
	}
	rows, _ := f.GetRows("按地区")
	want := [][]string{
		{m.Title + "（按地区）"},
		{"地区", "新发现隐患", "其中重大隐患", "期内销号", "期内发现并已整改", "整改率", "在办隐患", "逾期未整改"},
		{"南昌市", "120", "3", "90", "80", "66.7%", "40", "7"},
		{"九江市", "30", "0", "10", "9", "30.0%", "21", "2"},
		{"合计", "150", "3", "100", "89", "59.3%", "61", "9"},
		nil,
		{"制表单位：江西省应急管理厅"},
		{"制表时间：2026年12月6日 15:04"},
	}
	for i, w := range want {
		if strings.Join(rows[i], "|") != strings.Join(w, "|") {
			t.Errorf("row %d: %q, want %q", i+1, rows[i], w)
		}
	}
	if typ, _ := f.GetCellType("按地区", "B3"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("B3 type %v, want a number", typ)
	}
	if p, _ := f.GetPanes("按地区"); !p.Freeze || p.YSplit != 2 || p.XSplit != 1 {
		t.Errorf("panes %+v", p)
	}
	if w, _ := f.GetColWidth("按地区", "A"); w < 20 {
		t.Errorf("column A width %v", w)
	}
}

// TestStatisticsInLibreOffice opens the workbook in a real spreadsheet program
// (LibreOffice, when installed) and reads every sheet back as it computes it.
func TestStatisticsInLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice not installed (apt-get install -y --no-install-recommends libreoffice-calc)")
	}
	m, tables := sampleStatTables()
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := WriteStatistics(&buf, m, tables); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "stats.xlsx")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// UTF-8 (76), cells as shown (the rate as a percentage), every sheet (-1)
	// to stats-<sheet>.csv.
	cmd := exec.Command(soffice, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1", "--outdir", dir, in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	for _, c := range []struct {
		sheet string
		want  []string
	}{
		{"按地区", []string{"地区,新发现隐患,其中重大隐患,期内销号,期内发现并已整改,整改率,在办隐患,逾期未整改", "南昌市,120,3,90,80,66.7%,40,7", "合计,150,3,100,89,59.3%,61,9"}},
		{"按等级", []string{"重大,3,0,0,0,0.0%,0,0"}},
	} {
		b, err := os.ReadFile(filepath.Join(dir, "stats-"+c.sheet+".csv"))
		if err != nil {
			t.Fatalf("sheet %s: %v", c.sheet, err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, r := range recs {
			lines = append(lines, strings.TrimRight(strings.Join(r, ","), ","))
		}
		if !strings.HasPrefix(lines[0], m.Title) {
			t.Errorf("%s: title %q", c.sheet, lines[0])
		}
		for _, w := range c.want {
			found := false
			for _, l := range lines {
				found = found || l == w
			}
			if !found {
				t.Errorf("%s: no line %q in\n%s", c.sheet, w, strings.Join(lines, "\n"))
			}
		}
	}
}
