package xlsx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hazardloop/model"
)

// hostileRows are rows whose cells exercise every rule of excelize's cell
// writing: escaping, white space, _xHHHH_, control and non-XML characters,
// invalid UTF-8, cells over Excel's limit, dates around Excel's epochs and its
// 1900 leap-year bug, and floats past 15 significant digits.
func hostileRows() []Row {
	texts := []string{
		"", " ", "  lead", "trail\t", "\nboth\r", "a&b<c>d\"e'f", "line1\nline2\r\nline3", "tab\there",
		"_x0041_", "_x005F_x0041_", "_x005F_", "_x005f_xZZZZ_", "_xD800_", "a_x00e9_b_X0041_", "__x0041__",
		"ctl\x01\x02\x1f", "bad\xff\xfeutf8", "ok\ufffd", "nonchar\ufffe\uffff", "emoji😀中文", "=1+2",
		strings.Repeat("长", 40000), strings.Repeat("😀", 17000) + "尾", strings.Repeat("a", 32767) + "b",
	}
	times := []time.Time{
		time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1900, 2, 28, 12, 0, 0, 0, time.UTC), time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 28, 23, 59, 59, 0, time.UTC), time.Date(2026, 3, 5, 8, 30, 15, 0, model.Shanghai),
		time.Date(2300, 7, 4, 6, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
	}
	floats := []float64{0, -0.5, 0.1 + 0.2, 12.75, 1e20, 123456789.123456789, 1e-7, 98765432109876543, math.MaxFloat64, math.Inf(1), math.NaN()}
	var rows []Row
	for i := range 60 {
		r := fullRow(i + 1)
		r.Title = texts[i%len(texts)]
		r.Description = texts[(i+7)%len(texts)]
		r.Remark = texts[(i+13)%len(texts)]
		r.Location = strconv.Itoa(i) + texts[(i+3)%len(texts)]
		t := times[i%len(times)]
		r.DiscoveredAt, r.VerifiedAt = &t, nil
		if i%3 == 0 {
			u := times[(i+5)%len(times)]
			r.VerifiedAt = &u
		}
		d := model.NewDate(t.Year(), t.Month(), t.Day())
		r.Deadline = &d
		f := floats[i%len(floats)]
		r.Funds = &f
		if i%4 == 0 {
			r.Funds, r.ProductionSuspended, r.Code = nil, nil, ""
		}
		r.OverdueDays = i * 37 % 11
		r.Escalation = i % 5
		rows = append(rows, r)
	}
	return rows
}

// The ledger sheet's part is byte for byte what it was when excelize's
// StreamWriter wrote every row (the reference below writes the data rows with
// SetRow, as the encoder did before dataRows).
func TestDataRowsAsStreamWriter(t *testing.T) {
	rows := hostileRows()
	meta := Meta{Title: "江西省隐患台账", ExportedAt: time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)}
	got := sheetPart(t, encode(t, rows...), "xl/worksheets/sheet1.xml")

	e, err := NewEncoder(meta, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	refs := make([]any, len(Columns))
	for i := range rows {
		e.row++
		values(&rows[i], e.cells, e.st)
		for j := range e.cells {
			refs[j] = nil
			if e.cells[j].Value != nil {
				refs[j] = &e.cells[j]
			}
		}
		if err := e.sw.SetRow("A"+strconv.Itoa(e.row), refs); err != nil {
			t.Fatal(err)
		}
	}
	var ref bytes.Buffer
	if err := e.Close(&ref); err != nil {
		t.Fatal(err)
	}
	want := sheetPart(t, ref.Bytes(), "xl/worksheets/sheet1.xml")
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("ledger sheet differs at byte %d of %d/%d:\n got  …%s…\n want …%s…", i, len(got), len(want),
			excerpt(got, i), excerpt(want, i))
	}
	if !bytes.Contains(got, []byte(`</row></sheetData>`)) || bytes.Count(got, []byte("<row ")) != len(rows)+2 {
		t.Fatalf("ledger sheet lacks its rows: %d <row> in %d bytes", bytes.Count(got, []byte("<row ")), len(got))
	}
}

func excerpt(b []byte, i int) string {
	return string(b[max(0, i-80):min(len(b), i+80)])
}

func sheetPart(t *testing.T, b []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			part, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return part
		}
	}
	t.Fatalf("no part %s", name)
	return nil
}

// Rows past the spool's buffer go through its temporary file and come back in
// order; excelize reads every cell of the result as it reads a workbook of its
// own; Close leaves no file behind.
func TestDataRowsSpoolToDisk(t *testing.T) {
	dir := t.TempDir()
	e, err := NewEncoder(Meta{Title: "台账"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	for i := range n {
		r := fullRow(i + 1)
		r.Remark = fmt.Sprintf("备注 %d & <%d>", i, i)
		if err := e.Write(&r); err != nil {
			t.Fatal(err)
		}
	}
	if e.data.s.f == nil {
		t.Fatal("data rows did not spill to a temporary file")
	}
	var buf bytes.Buffer
	if err := e.Close(&buf); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := f.GetRows(SheetLedger)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n+headerRow {
		t.Fatalf("%d rows, want %d", len(got), n+headerRow)
	}
	for i := range n {
		row := got[headerRow+i]
		if want := fmt.Sprintf("备注 %d & <%d>", i, i); row[len(row)-1] != want {
			t.Fatalf("row %d: remark %q, want %q", i, row[len(row)-1], want)
		}
		if want := fmt.Sprintf("YH-360402-20260901-%04d", i+1); row[0] != want {
			t.Fatalf("row %d: code %q, want %q", i, row[0], want)
		}
	}
	if v, _ := f.GetCellValue(SheetLedger, "A2"); v != Columns[0].Header {
		t.Errorf("header A2 = %q", v)
	}
}

// The splice finds </sheetData> however excelize's writes cut it.
func TestSpliceAcrossWrites(t *testing.T) {
	part := `<worksheet><sheetData><row r="1"/></sheetData><tableParts/></worksheet>`
	for step := 1; step <= len(part); step++ {
		var out bytes.Buffer
		rows := &spool{}
		rows.WriteString(`<row r="2"/>`)
		s := &splice{rows: rows, w: &out}
		for i := 0; i < len(part); i += step {
			if _, err := s.Write([]byte(part[i:min(i+step, len(part))])); err != nil {
				t.Fatal(err)
			}
		}
		want := strings.Replace(part, "</sheetData>", `<row r="2"/></sheetData>`, 1)
		if !s.done || out.String() != want {
			t.Fatalf("step %d: %q", step, out.String())
		}
	}
}
