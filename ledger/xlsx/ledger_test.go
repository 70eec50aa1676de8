package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hazardloop/model"
)

// fullRow has every importable column filled.
func fullRow(i int) Row {
	disc := time.Date(2026, 9, 1, 8, 30, 15, 0, model.Shanghai).UTC()
	ver := time.Date(2026, 10, 2, 9, 0, 0, 0, model.Shanghai).UTC()
	dl := model.NewDate(2026, 12, 15)
	return Row{
		Code: fmt.Sprintf("YH-360402-20260901-%04d", i), Title: fmt.Sprintf("油罐区防火堤伸缩缝破损%d", i),
		Description: "=1+2 不是公式", Source: model.SourceSupervisoryCheck, Level: model.LevelMajor,
		BasisStandard: "《工贸企业重大事故隐患判定标准》", BasisClause: "第三条第（三）项", Industry: "危险化学品",
		RegionName: "濂溪区", RegionCode: "360402", Enterprise: "九江某石化储运有限公司", CreditCode: "91360402MA38K2Q7X7",
		Location: "1号罐区", DiscoveredAt: &disc, Measures: "更换密封材料", ResponsibleUnit: "九江某石化储运有限公司",
		ResponsiblePerson: "张一", ResponsiblePhone: "0792-8888888", Funds: ptr(12.75), FundsSource: "企业自筹",
		Deadline: &dl, EmergencyPlan: "设置警戒区", ProductionSuspended: ptr(true), State: model.StateRectifying,
		Verifier: "李四", VerifiedAt: &ver, ClosedAt: &ver, Remark: "备注",
		OverdueDays: 3, Escalation: 2, ListedSupervision: true, ChainHead: fmt.Sprintf("%064x", i),
	}
}

func encode(t testing.TB, rows ...Row) []byte {
	t.Helper()
	e, err := NewEncoder(Meta{Title: "江西省隐患台账", ExportedAt: time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if err := e.Write(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := e.Close(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decodeAll(t testing.TB, b []byte) (*Reader, []Draft) {
	t.Helper()
	r, err := Open(b, DecodeOptions{TmpDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	var out []Draft
	for r.Next() {
		d := *r.Draft()
		out = append(out, d)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("next: %v", err)
	}
	return r, out
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	rows := []Row{fullRow(1), fullRow(2), {Title: "只有名称"}}
	r, got := decodeAll(t, encode(t, rows...))
	if r.HeaderLine() != headerRow {
		t.Errorf("header line %d, want %d", r.HeaderLine(), headerRow)
	}
	if len(got) != len(rows) {
		t.Fatalf("%d rows, want %d", len(got), len(rows))
	}
	for i, d := range got {
		if len(d.Errors) > 0 {
			t.Errorf("row %d: %v", d.Line, d.Errors)
		}
		want := rows[i]
		// Output columns are not read back.
		want.OverdueDays, want.Escalation, want.ListedSupervision = 0, 0, false
		if !reflect.DeepEqual(d.Row, want) {
			t.Errorf("row %d:\n got %+v\nwant %+v", d.Line, d.Row, want)
		}
		if d.Line != headerRow+1+i {
			t.Errorf("line %d, want %d", d.Line, headerRow+1+i)
		}
	}
}

func TestEncodedWorkbookShape(t *testing.T) {
	b := encode(t, fullRow(1))
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{SheetLedger, SheetChain}) {
		t.Errorf("sheets %v", got)
	}
	if v, _ := f.GetSheetVisible(SheetChain); v {
		t.Error("chain sheet is visible")
	}
	for col, want := range map[string]string{"A1": "江西省隐患台账（导出时间：2026年11月28日 10:00）", "A2": "隐患编号", "AG2": "备注", "C3": "=1+2 不是公式"} {
		if got, _ := f.GetCellValue(SheetLedger, col); got != want {
			t.Errorf("%s = %q, want %q", col, got, want)
		}
	}
	if formula, _ := f.GetCellFormula(SheetLedger, "C3"); formula != "" {
		t.Errorf("user text became a formula: %q", formula)
	}
	if typ, _ := f.GetCellType(SheetLedger, "O3"); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
		t.Errorf("发现时间 is a string cell, want a date")
	}
	if got, _ := f.GetCellValue(SheetLedger, "V3"); got != "2026-12-15" {
		t.Errorf("整改期限 shows %q", got)
	}
	panes, _ := f.GetPanes(SheetLedger)
	if !panes.Freeze || panes.YSplit != headerRow {
		t.Errorf("panes %+v, want frozen header", panes)
	}
	tables, _ := f.GetTables(SheetLedger)
	if len(tables) != 1 || tables[0].Range != "A2:AT3" {
		t.Errorf("tables %+v, want a filter over A2:AT3", tables)
	}
}

func TestDecodeLibreOfficeSample(t *testing.T) {
	b, err := os.ReadFile("testdata/lianxi-ledger-libreoffice.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	r, got := decodeAll(t, b)
	if r.HeaderLine() != 3 {
		t.Errorf("header line %d, want 3", r.HeaderLine())
	}
	if !reflect.DeepEqual(r.Ignored(), []string{"序号"}) {
		t.Errorf("ignored %v", r.Ignored())
	}
	if len(got) != 10 {
		t.Fatalf("%d rows, want 10", len(got))
	}
	for _, d := range got {
		if len(d.Errors) > 0 {
			t.Errorf("row %d: %v", d.Line, d.Errors)
		}
	}
	first, second := got[0].Row, got[1].Row
	if first.Title != "油罐区防火堤伸缩缝破损" || first.Source != model.SourceSupervisoryCheck || first.Level != model.LevelGeneral ||
		first.RegionName != "濂溪区" || first.CreditCode != "91360402MA38K2Q7X7" || first.State != model.StateRectifying ||
		first.ResponsiblePhone != "13907920000" || first.Funds == nil || *first.Funds != 0.8 {
		t.Errorf("first row %+v", first)
	}
	if first.DiscoveredAt == nil || first.DiscoveredAt.In(model.Shanghai).Format("2006-01-02 15:04") != "2026-09-01 00:00" {
		t.Errorf("发现时间 %v, want 2026-09-01", first.DiscoveredAt)
	}
	if first.Deadline == nil || first.Deadline.String() != "2026-12-15" {
		t.Errorf("整改期限 %v, want 2026-12-15", first.Deadline)
	}
	if second.Level != model.LevelMajor || second.State != model.StateListed || second.BasisClause != "第三条第（五）项" {
		t.Errorf("second row %+v", second)
	}
	if got[2].Row.State != model.StateWrittenOff {
		t.Errorf("third row state %q", got[2].Row.State)
	}
}

func TestHeaderVariants(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"某县隐患台账"},
		{},
		{" 隐患 名称 ", "隐患级别", "整改时限", "ＩＤ", "生产经营单位（全称）", "*当前状态"},
		{"A", "重大隐患", "2026/3/5", "x", "某公司", "待整改"},
		{"B", "一般", "2026.3.5 14:30", "", "", "整改中"},
		{"C", "一般", "2026年3月5日", "", "", ""},
		{"D", "一般", "２０２６－０３－０５", "", "", ""},
		{"E", "特别重大", "明天", "", "", "完成了"},
	}
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	r, got := decodeAll(t, buf.Bytes())
	if r.HeaderLine() != 3 || !r.Has(ColDeadline) || !r.Has(ColEnterprise) || r.Has(ColCode) {
		t.Fatalf("header line %d, columns %v", r.HeaderLine(), r.Columns())
	}
	if len(got) != 5 {
		t.Fatalf("%d rows", len(got))
	}
	for _, d := range got[:4] {
		if len(d.Errors) > 0 || d.Row.Deadline == nil || d.Row.Deadline.String() != "2026-03-05" {
			t.Errorf("row %d: deadline %v, errors %v", d.Line, d.Row.Deadline, d.Errors)
		}
	}
	if got[0].Row.Level != model.LevelMajor || got[0].Row.State != model.StateListed {
		t.Errorf("row 4: %+v", got[0].Row)
	}
	bad := got[4]
	var cols []string
	for _, e := range bad.Errors {
		cols = append(cols, e.Column)
		if e.Row != 8 || !strings.ContainsFunc(e.Message, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("error %+v", e)
		}
	}
	if !reflect.DeepEqual(cols, []string{"隐患等级", "整改期限", "当前状态"}) {
		t.Errorf("error columns %v", cols)
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 3, 5, 0, 0, 0, 0, model.Shanghai)
	wantT := time.Date(2026, 3, 5, 10, 30, 0, 0, model.Shanghai)
	for in, w := range map[string]time.Time{
		"46086": want, "46086.4375": wantT, "2026-03-05": want, "2026/3/5": want, "2026.3.5": want,
		"2026年3月5日": want, "2026年3月5日 10:30": wantT, "2026-03-05 10:30:00": wantT, "2026/03/05 10:30": wantT,
		"20260305": want, "2026-03-05T10:30:00+08:00": wantT, "2026年3月5日10时30分": wantT,
	} {
		got, ok := ParseTime(in, false)
		if !ok || !got.Equal(w) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, ok, w)
		}
	}
	for _, in := range []string{"", "明天", "2026-02-30", "2026-13-01", "1", "-5", "NaN", "Inf", "1e308", "9999-01-01", "2026-03-05 25:00"} {
		if got, ok := ParseTime(in, false); ok {
			t.Errorf("ParseTime(%q) = %v, want refusal", in, got)
		}
	}
	if got, ok := ParseTime("44624", true); !ok || !got.Equal(want) {
		t.Errorf("1904 serial: %v %v", got, ok)
	}
}

func wantFileError(t *testing.T, b []byte, code string) {
	t.Helper()
	_, err := Open(b, DecodeOptions{TmpDir: t.TempDir()})
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("Open: %v, want *FileError %s", err, code)
	}
	if fe.Code != code || !strings.ContainsFunc(fe.Message, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
		t.Errorf("code %s message %q, want %s with a Chinese message", fe.Code, fe.Message, code)
	}
}

// ZipBomb is a workbook whose sheet inflates from a few hundred kilobytes to n
// bytes.
func ZipBomb(tb testing.TB, n int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		_, _ = w.Write([]byte("<x/>"))
	}
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for i := 0; i < n>>20; i++ {
		_, _ = w.Write(chunk)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestBadFiles(t *testing.T) {
	noHeader := func() []byte {
		f := excelize.NewFile()
		defer f.Close()
		_ = f.SetCellStr("Sheet1", "A1", "只是一张普通的表")
		_ = f.SetCellStr("Sheet1", "A2", "没有表头")
		var b bytes.Buffer
		_, _ = f.WriteTo(&b)
		return b.Bytes()
	}()
	emptyZip := func() []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create("readme.txt")
		_, _ = w.Write([]byte("hello"))
		_ = zw.Close()
		return b.Bytes()
	}()
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...)
	for name, c := range map[string]struct {
		b    []byte
		code string
	}{
		"empty":        {nil, "empty_file"},
		"text":         {[]byte("隐患名称,隐患等级\n某隐患,一般\n"), "not_xlsx"},
		"pdf":          {[]byte("%PDF-1.7\n%âãÏÓ\n"), "not_xlsx"},
		"encrypted":    {ole, "encrypted_or_xls"},
		"zip not xlsx": {emptyZip, "not_xlsx"},
		"no header":    {noHeader, "no_header"},
		"zip bomb":     {ZipBomb(t, 100<<20), "zip_bomb"},
		"truncated":    {encode(t, fullRow(1))[:900], "not_xlsx"},
	} {
		t.Run(name, func(t *testing.T) { wantFileError(t, c.b, c.code) })
	}
}

func TestTooManyRows(t *testing.T) {
	n, fe, err := readAll(t, encode(t, fullRow(1), fullRow(2), fullRow(3)), DecodeOptions{MaxRows: 2})
	if n != 2 || fe == nil || fe.Code != "too_many_rows" {
		t.Errorf("read %d rows, err %v; want 2 and too_many_rows", n, err)
	}
}

// readAll opens b and reads it to the end: how many rows Next gave, and the
// error it stopped on (fe when it is a FileError).
func readAll(t *testing.T, b []byte, o DecodeOptions) (n int, fe *FileError, err error) {
	t.Helper()
	r, err := Open(b, o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		n++
	}
	err = r.Err()
	errors.As(err, &fe)
	return n, fe, err
}

func TestLongCell(t *testing.T) {
	long := strings.Repeat("隐", MaxCellChars+1)
	cols := []int{ColumnIndex(ColTitle), ColumnIndex(ColDescription)}
	_, errs := ParseRow(cols, []string{"名称", long}, 7, false)
	if len(errs) != 1 || errs[0].Column != "隐患描述" || errs[0].Row != 7 {
		t.Errorf("errors %v", errs)
	}
}

func TestTemplate(t *testing.T) {
	var buf bytes.Buffer
	if err := Template(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{SheetLedger, SheetNotes}) {
		t.Errorf("sheets %v", got)
	}
	dvs, _ := f.GetDataValidations(SheetLedger)
	var lists []string
	for _, dv := range dvs {
		lists = append(lists, strings.TrimRight(strings.SplitN(dv.Sqref, ":", 2)[0], "0123456789"))
	}
	// 隐患来源 D, 隐患等级 E, 主管部门 I, 是否停产停业 X, 当前状态 Y, 隐患类别 AH, 灾害类型 AI, 责任主体类型 AS.
	if !reflect.DeepEqual(lists, []string{"D", "E", "I", "X", "Y", "AH", "AI", "AS"}) {
		t.Errorf("drop-downs on %v", lists)
	}
	notes, _ := f.GetRows(SheetNotes)
	if len(notes) < len(Columns)+1 || notes[1][0] != "隐患编号" {
		t.Errorf("notes sheet: %d rows", len(notes))
	}
	// The template's example row reads back without errors.
	_, got := decodeAll(t, buf.Bytes())
	if len(got) != 1 || len(got[0].Errors) > 0 || got[0].Row.Title != Example().Title {
		t.Errorf("example row: %+v", got)
	}
}

// TestReport: the error workbook holds the uploaded rows in their order, the
// first column their row numbers in the upload, the bad cells filled (a bad
// date still shown as a date) and the messages last.
func TestReport(t *testing.T) {
	b := encode(t, fullRow(1), fullRow(2))
	errs := []CellError{{Row: 4, Column: "隐患等级", Message: "隐患等级无法识别"}, {Row: 4, Message: "整行有误"},
		{Row: 4, Column: "整改期限", Message: "整改期限只能通过延期办理，台账不能修改"}}
	var buf bytes.Buffer
	if err := Report(&buf, b, errs, DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(SheetLedger)
	last := len(Columns) + 1
	if len(rows) != 3 || rows[0][0] != "原行号" || rows[0][last] != "错误说明" {
		t.Fatalf("report rows %d, header %v", len(rows), rows[0])
	}
	if rows[1][0] != "3" || rows[2][0] != "4" {
		t.Errorf("row numbers %q, %q: want the upload's 3 and 4", rows[1][0], rows[2][0])
	}
	if len(rows[1]) > last && rows[1][last] != "" {
		t.Errorf("good row has a message %q", rows[1][last])
	}
	if got := rows[2][last]; got != "第4行：隐患等级：隐患等级无法识别；整行有误；整改期限：整改期限只能通过延期办理，台账不能修改" {
		t.Errorf("message %q", got)
	}
	col := func(key string) string {
		name, _ := excelize.ColumnNumberToName(ColumnIndex(key) + 2)
		return name
	}
	okStyle, _ := f.GetCellStyle(SheetLedger, col(ColLevel)+"2")
	badStyle, _ := f.GetCellStyle(SheetLedger, col(ColLevel)+"3")
	if okStyle == badStyle {
		t.Error("bad cell is not highlighted")
	}
	want := fullRow(2).Deadline.String()
	for _, cell := range []string{col(ColDeadline) + "2", col(ColDeadline) + "3"} {
		if got, _ := f.GetCellValue(SheetLedger, cell); got != want && got != fullRow(1).Deadline.String() {
			t.Errorf("deadline %s reads %q: not shown as a date", cell, got)
		}
	}
	okDate, _ := f.GetCellStyle(SheetLedger, col(ColDeadline)+"2")
	badDate, _ := f.GetCellStyle(SheetLedger, col(ColDeadline)+"3")
	if okDate == badDate {
		t.Error("the bad deadline is not highlighted")
	}
}

// FuzzParseRow: whatever the cells, the row parser returns without panic, and
// every error names a row and a known column.
func FuzzParseRow(f *testing.F) {
	f.Add("隐患名称\x1f一般\x1f2026年3月5日\x1f12.5万元\x1f是\x1f整改中\x1f360402")
	f.Add("\x1f\x1f\x1f\x1f\x1f\x1f")
	f.Add("x\x1f重大\x1f46086.5\x1f-1\x1f√\x1f已销号\x1f3604021")
	f.Add("\xff\xfe\x1f1e400\x1f99999999\x1fNaN\x1f\x1f\x1f")
	keys := []string{ColTitle, ColLevel, ColDeadline, ColFunds, ColProductionSuspended, ColState, ColRegionCode, ColDiscoveredAt, ColResponsiblePhone, ColCode}
	cols := make([]int, len(keys))
	for i, k := range keys {
		cols[i] = ColumnIndex(k)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cells := strings.Split(s, "\x1f")
		_, errs := ParseRow(cols, cells, 9, len(s)%2 == 0)
		for _, e := range errs {
			if e.Row != 9 || e.Column == "" || e.Message == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
		ParseTime(s, false)
	})
}

// FuzzDecode: a mutated workbook is refused with a FileError or read row by row;
// never a panic or a hang.
func FuzzDecode(f *testing.F) {
	f.Add(encode(f, fullRow(1), fullRow(2)))
	if b, err := os.ReadFile("testdata/lianxi-ledger-libreoffice.xlsx"); err == nil {
		f.Add(b)
	}
	var tpl bytes.Buffer
	_ = Template(&tpl)
	f.Add(tpl.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				panic(fmt.Sprintf("decoding %d bytes took over 20s", len(b)))
			}
		}()
		r, err := Open(b, DecodeOptions{TmpDir: t.TempDir(), MaxRows: 1000})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Open: %T %v, want *FileError", err, err)
			}
			return
		}
		defer r.Close()
		for r.Next() {
		}
		if err := r.Err(); err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Next: %T %v, want *FileError", err, err)
			}
		}
	})
}

// TestRegionCodeCell: a ledger row may name a county, a township or a village
// (6, 9 or 12 digits, as text or typed as a number); other shapes are refused.
func TestRegionCodeCell(t *testing.T) {
	cols := []int{ColumnIndex(ColRegionCode)}
	for _, tc := range []struct {
		cell, want string
		ok         bool
	}{
		{"360402", "360402", true},
		{"360402.0", "360402", true},
		{"360102001", "360102001", true},
		{"360102001001", "360102001001", true},
		{"360102001001.0", "360102001001", true},
		{"3604021", "", false},
		{"36010200100", "", false},
		{"000000", "", false},
	} {
		r, errs := ParseRow(cols, []string{tc.cell}, 5, false)
		if tc.ok && (len(errs) != 0 || r.RegionCode != tc.want) {
			t.Errorf("%q: %q, %v; want %q", tc.cell, r.RegionCode, errs, tc.want)
		}
		if !tc.ok && len(errs) == 0 {
			t.Errorf("%q: accepted as %q", tc.cell, r.RegionCode)
		}
	}
}
