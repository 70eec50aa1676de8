package xlsx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hazardloop/model"
)

const mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

// book is a workbook written part by part, for files no spreadsheet program
// writes: namespace prefixes, odd cells, gaps.
type book struct {
	pr     string // attributes of <workbookPr>, "" for none
	sheets []bookSheet
	sst    string            // xl/sharedStrings.xml, "" for none
	parts  map[string]string // more parts by name, or replacements
}

type bookSheet struct {
	name, state string
	xml         string // the worksheet part
	target      string // relationship target, "" for worksheets/sheetN.xml
}

// sheetData wraps rows as a worksheet.
func sheetData(rows string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="` + mainNS + `" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>` +
		rows + `</sheetData></worksheet>`
}

func (bk book) bytes(tb testing.TB) []byte {
	tb.Helper()
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
	}
	var sheets, rels strings.Builder
	for i, s := range bk.sheets {
		state := ""
		if s.state != "" {
			state = ` state="` + s.state + `"`
		}
		fmt.Fprintf(&sheets, `<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>`, s.name, i+1, state, i+1)
		target := s.target
		if target == "" {
			target = fmt.Sprintf("worksheets/sheet%d.xml", i+1)
			parts[fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)] = s.xml
		}
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="%s"/>`, i+1, target)
	}
	pr := ""
	if bk.pr != "" {
		pr = "<workbookPr " + bk.pr + "/>"
	}
	parts["xl/workbook.xml"] = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="` + mainNS + `" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		pr + `<sheets>` + sheets.String() + `</sheets></workbook>`
	parts["xl/_rels/workbook.xml.rels"] = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		rels.String() + `</Relationships>`
	if bk.sst != "" {
		parts["xl/sharedStrings.xml"] = bk.sst
	}
	for name, p := range bk.parts {
		parts[name] = p
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, p := range parts {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = io.WriteString(w, p)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// sst wraps string items as a shared-strings part.
func sst(items ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="` + mainNS + `" count="` + fmt.Sprint(len(items)) + `">` +
		strings.Join(items, "") + `</sst>`
}

// readLimit caps the rows a test reads: a row numbered 1,048,576 is a million
// Next calls.
const readLimit = 5000

// excelizeRows reads sheet as decode.go did with excelize: one entry per
// Rows.Next, Columns with raw cell values.
func excelizeRows(tb testing.TB, b []byte, sheet string) ([][]string, error) {
	tb.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for len(out) < readLimit && rows.Next() {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return out, err
		}
		out = append(out, cells)
	}
	return out, rows.Error()
}

// ourRows reads sheet with the streaming reader.
func ourRows(tb testing.TB, b []byte, sheet string) ([][]string, error) {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	wb, err := openWorkbook(zr)
	if err != nil {
		return nil, err
	}
	e := wb.sheet(sheet)
	if e == nil {
		return nil, errSheetMissing
	}
	sr, err := wb.openSheet(e)
	if err != nil {
		return nil, err
	}
	defer sr.Close()
	var out [][]string
	for len(out) < readLimit && sr.Next() {
		if sr.Line() != len(out)+1 {
			tb.Fatalf("line %d after %d rows", sr.Line(), len(out))
		}
		out = append(out, sr.Row())
	}
	return out, sr.Err()
}

// sameRows compares rows, an empty row read as nil or as no cells.
func sameRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) || len(a[i]) > 0 && !reflect.DeepEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

func showRows(rows [][]string) string {
	var sb strings.Builder
	for i, r := range rows {
		if len(r) > 0 {
			fmt.Fprintf(&sb, "\n  %d: %q", i+1, r)
		}
	}
	return sb.String()
}

// wantSameAsExcelize checks that every sheet of b reads as excelize reads it,
// and that the workbook's sheets, their visibility and its date system match.
func wantSameAsExcelize(t *testing.T, b []byte) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("excelize: %v", err)
	}
	defer f.Close()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	wb, err := openWorkbook(zr)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range wb.sheets {
		names = append(names, s.name)
		if visible, _ := f.GetSheetVisible(s.name); visible == s.hidden {
			t.Errorf("sheet %s: hidden %v, excelize says visible %v", s.name, s.hidden, visible)
		}
	}
	if !reflect.DeepEqual(names, f.GetSheetList()) {
		t.Errorf("sheets %q, excelize %q", names, f.GetSheetList())
	}
	props, _ := f.GetWorkbookProps()
	if want := props.Date1904 != nil && *props.Date1904; wb.date1904 != want {
		t.Errorf("date1904 %v, excelize %v", wb.date1904, want)
	}
	for _, name := range names {
		want, werr := excelizeRows(t, b, name)
		got, err := ourRows(t, b, name)
		if (werr != nil) != (err != nil) {
			t.Errorf("sheet %s: error %v, excelize %v", name, err, werr)
			continue
		}
		if werr == nil && !sameRows(got, want) {
			t.Errorf("sheet %s:\n got %s\nwant %s", name, showRows(got), showRows(want))
		}
	}
}

// excelizeBook is a workbook written by excelize itself: shared strings, rich
// text, booleans, formulas, dates, numbers, escapes, gaps and a hidden sheet.
func excelizeBook(t *testing.T, date1904 bool) []byte {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}))
	for cell, v := range map[string]any{
		"A1": "某县隐患台账", "A3": "隐患名称", "B3": "隐患等级", "C3": "整改期限", "E3": "生产经营单位",
		"A4": "油罐 & <阀门> \"泄漏\" 'x'", "B4": "重大", "C4": time.Date(2026, 3, 5, 10, 30, 0, 0, time.UTC), "E4": 12.75,
		"A5": "first\r\nsecond\rthird\nfourth", "B5": "_x000D_ literal _x005F_ and _xZZZZ_", "C5": 46086, "E5": -0.5,
		"A7": "  spaced  ", "B7": "😀 emoji \u3000全角", "Z7": "far column", "C7": int64(1234567890123),
		"A9": "\t tab", "B9": 1e-7, "C9": 3.14159265358979, "D9": true, "E9": false,
		"A12": "重复", "B12": "重复", "C12": "", "D12": "=not a formula",
	} {
		must(f.SetCellValue("Sheet1", cell, v))
	}
	must(f.SetCellRichText("Sheet1", "F4", []excelize.RichTextRun{
		{Text: "粗体", Font: &excelize.Font{Bold: true}}, {Text: " 普通_x000A_"}, {Text: "红", Font: &excelize.Font{Color: "FF0000"}},
	}))
	must(f.SetCellBool("Sheet1", "G4", true))
	must(f.SetCellFormula("Sheet1", "H4", "SUM(E4:E5)"))
	must(f.SetCellFormula("Sheet1", "H5", `CONCATENATE("a","b")`))
	must(f.SetCellStr("Sheet1", "I5", "inline? no: shared"))
	must(f.SetCellInt("Sheet1", "J9", -42))
	must(f.SetCellFloat("Sheet1", "K9", 2.5, 2, 64))
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	must(f.SetCellStyle("Sheet1", "C4", "C5", style))
	must(f.SetCellStyle("Sheet1", "L3", "M14", style)) // styled empty cells
	_, err = f.NewSheet("隐藏")
	must(err)
	must(f.SetCellValue("隐藏", "B2", "hidden value"))
	must(f.SetSheetVisible("隐藏", false))
	_, err = f.NewSheet("Stream") // a third sheet, written by the stream writer
	must(err)
	sw, err := f.NewStreamWriter("Stream")
	must(err)
	must(sw.SetRow("A1", []any{"隐患名称", 1, 2.5, true, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), nil, "x&y"}))
	must(sw.SetRow("C4", []any{excelize.Cell{Formula: "A1&B1"}, excelize.Cell{Value: "with formula", Formula: "1+1"}}))
	must(sw.SetRow("A7", []any{"_x0041_", "a\r\nb"}))
	must(sw.Flush())
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// oddRows exercises what excelize's row reader does with unusual but well-formed
// sheets: gaps, cells and rows without r, rows numbered out of order, cells
// out of order, formulas without values, styles that are not numbers, several
// values, inline strings without <is>, CDATA, comments, entities and escapes.
const oddRows = `<row r="2"><c r="C2" t="inlineStr"><is><t>C</t></is></c><c r="A2" t="inlineStr"><is><t>A after C</t></is></c><c t="inlineStr"><is><t>no r</t></is></c></row>
<row r="5" spans="1:3"><c r="B5" t="s"><v>0</v></c><c r="D5" s="2"/><c r="E5"><f>SUM(A1:A2)</f></c><c r="F5"><f>1+1</f><v>2</v></c><c r="G5"><f t="shared" ref="G5:G6" si="0"/></c></row>
<row><c r="A6" s="abc" t="s"><v>1</v></c><c t="str"><v>after dead</v></c><c r="C6" t="s" s="x"><v>2</v></c></row>
<row r="6"><c r="A6" t="str"><v>merged into 6</v></c></row>
<row r="4"><c t="str"><v>4 merged too</v></c></row>
<row><c t="str"><v>5 merged too</v></c></row>
<row r="8"><c r="A8" t="s"><v>99</v></c><c r="B8" t="s"><v>-1</v></c></row>
<row r="9"><c r="A9" t="s"><v> 1 </v></c><c r="B9" t="s"><v>x</v></c><c r="C9"><v>1</v><v>2</v></c><c r="D9"><v>1</v><v/></c><c r="E9" t="inlineStr"><v>v not is</v></c><c r="F9" t="inlineStr"><is><t>a</t></is><is><r><t>b</t></r></is></c><c r="G9" t="str"><v><![CDATA[<b>&amp;</b>]]></v></c><c r="H9" t="str"><!-- c --><v>p<!--y-->q<?pi x?>r</v></c><c r="$J$9" t="b"><v>0</v></c><c r="k9" t="e"><v>#N/A</v></c><c r="L9" t="d"><v>2026-03-05T10:30:00Z</v></c><c r="M9" t="n"><v>1.5E-3</v></c><c r="N9" t="weird"><v>w</v></c></row>
<row r="10"/>
<row r="11" ht="30"><c r="A11" t="str"><v>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#26032;&#x4E00;&#13;&#10;x&#xD800;y&#0065;</v></c><c r="B11" t="str"><v>line1` + "\r\n" + `line2` + "\r" + `line3</v></c><c r='C11' t='str'><v>single quotes</v></c><c r="D11" t="inlineStr"><is><t>_x000D__x000a_ _x005F_x0041_ _xD83D_ _x41_ _X0041_ _x004G_</t></is></c><c r="E11" t="inlineStr"><is><t>t</t><r><t>r1</t></r><t>t wins</t><rPh sb="0" eb="1"><t>phonetic</t></rPh><r><rPr><b/></rPr><t>r2</t><t>r2 wins</t></r><phoneticPr fontId="1"/></is></c><c r="F11" t="inlineStr"><is><t xml:space="preserve">  keep  </t></is></c><c r="G11" t="inlineStr"><is><t>a<b>skipped</b>c</t></is></c><c r="H11" t="inlineStr"><is/></c><c r="I11" t="inlineStr"><is><t/></is></c><c r="J11"   r = "K11"  t="str" ><v>last r wins</v></c></row>
<row r="12"><c r="A12" s="1"/><c r="B12" s="1"/><c r="C12" s="1"><v></v></c></row>
<row r="14"><c r="XFD14" t="str"><v>last column</v></c></row>
`

// oddSST has items with runs, phonetic runs, escapes and entities.
var oddSST = sst(
	`<si><t>共享</t></si>`,
	`<si><r><t>rich </t></r><r><rPr><b/></rPr><t xml:space="preserve">text</t></r><rPh sb="0" eb="1"><t>ふりがな</t></rPh><phoneticPr fontId="1"/></si>`,
	`<si><t>_x0041__x005F_x0042_ &amp;amp; &#x4E00;&#13;</t></si>`,
	`<si/>`,
	`<si><t/></si>`,
	`<si><t>only t</t><r><t>then r</t></r></si>`,
)

// namespacedSheet is what some .NET tools write: every element prefixed.
const namespacedSheet = `<?xml version="1.0" encoding="utf-8"?>
<x:worksheet xmlns:x="` + mainNS + `" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
  <x:dimension ref="A1:D4" />
  <x:sheetData>
    <x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>隐患名称</x:t></x:is></x:c><x:c r="B1" t="s"><x:v>0</x:v></x:c><x:c r="C1" t="s"><x:v>1</x:v></x:c></x:row>
    <x:row r="3" spans="1:4">
      <x:c r="A3" t="str"><x:v>a &amp; b</x:v></x:c>
      <x:c r="C3" t="b"><x:v>1</x:v></x:c>
      <x:c r="D3" s="1"><x:v>46086.4375</x:v></x:c>
    </x:row>
    <x:row><x:c t="inlineStr"><x:is><x:r><x:t>line1_x000D_</x:t></x:r><x:r><x:t>&#10;line2</x:t></x:r></x:is></x:c><x:c /><x:c t="n"><x:v>46086.5</x:v></x:c></x:row>
  </x:sheetData>
</x:worksheet>`

// TestSheetMatchesExcelize: for a variety of workbooks, every row of every
// sheet reads as excelize's Rows/Columns(RawCellValue) reads it, row numbers
// included.
func TestSheetMatchesExcelize(t *testing.T) {
	sample, err := os.ReadFile("testdata/lianxi-ledger-libreoffice.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	var tpl bytes.Buffer
	if err := Template(&tpl); err != nil {
		t.Fatal(err)
	}
	escaped := fullRow(3)
	escaped.Title, escaped.Remark = "A&B <罐区> \"x\" _x000D_ 'y'", "line1\r\nline2\rline3"
	cases := map[string][]byte{
		"our export":      encode(t, fullRow(1), fullRow(2), Row{Title: "只有名称"}, escaped),
		"our template":    tpl.Bytes(),
		"libreoffice":     sample,
		"excelize":        excelizeBook(t, false),
		"excelize 1904":   excelizeBook(t, true),
		"odd rows":        book{sheets: []bookSheet{{name: "Sheet1", xml: sheetData(oddRows)}}, sst: oddSST}.bytes(t),
		"namespaced":      book{sheets: []bookSheet{{name: "Sheet1", xml: namespacedSheet}}, sst: oddSST}.bytes(t),
		"1904 flag":       book{pr: `date1904="1"`, sheets: []bookSheet{{name: "Sheet1", xml: sheetData(`<row r="3"><c r="A3"><v>44624</v></c></row>`)}}}.bytes(t),
		"1904 true":       book{pr: `date1904="true"`, sheets: []bookSheet{{name: "S", xml: sheetData(``)}}}.bytes(t),
		"1904 false":      book{pr: `date1904="0" filterPrivacy="1"`, sheets: []bookSheet{{name: "S", xml: sheetData(``)}}}.bytes(t),
		"no shared table": book{sheets: []bookSheet{{name: "S", xml: sheetData(`<row><c t="str"><v>x</v></c></row>`)}}}.bytes(t),
		"hidden sheets and absolute target": book{sheets: []bookSheet{
			{name: "可见", xml: sheetData(`<row r="1"><c r="B1" t="str"><v>b</v></c></row>`)},
			{name: "隐", state: "hidden", xml: sheetData(`<row r="2"><c r="A2" t="str"><v>h</v></c></row>`)},
			{name: "很隐", state: "veryHidden", xml: sheetData(`<row r="1"><c r="A1" t="str"><v>vh</v></c></row>`)},
			{name: "abs", state: "visible", target: "/xl/worksheets/other.xml"},
		}, parts: map[string]string{"xl/worksheets/other.xml": sheetData(`<row r="3"><c r="C3" t="str"><v>abs</v></c></row>`)}}.bytes(t),
		"dimension and things before sheetData": book{sheets: []bookSheet{{name: "S", xml: `<?xml version="1.0"?><!-- lead --><worksheet xmlns="` + mainNS + `">` +
			`<sheetPr><tabColor rgb="FF0000"/></sheetPr><dimension ref="A1:B3"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>` +
			`<cols><col min="1" max="2" width="10"/></cols><sheetData><row r="2"><c r="B2" t="str"><v>x</v></c></row></sheetData>` +
			`<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells><c r="A9"><v>outside</v></c></worksheet>`}}}.bytes(t),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) { wantSameAsExcelize(t, b) })
	}
}

// TestSheetRows pins what the odd sheet reads as, so that the differential
// test cannot pass by both readers agreeing on nothing.
func TestSheetRows(t *testing.T) {
	b := book{sheets: []bookSheet{{name: "S", xml: sheetData(oddRows)}}, sst: oddSST}.bytes(t)
	rows, err := ourRows(t, b, "S")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 14 {
		t.Fatalf("%d rows, want 14 (the last row number)", len(rows))
	}
	want := map[int][]string{
		// Out of order: A2 comes after C2, the cell without r after A2.
		2: {"", "", "C", "A after C", "no r"},
		// Formulas without a value are kept as "", styled empty cells are not.
		5: {"", "共享", "", "", "", "2", ""},
		// A style that is not a number kills the cell; rows numbered 6, 4 and
		// (without r) 5 continue row 6.
		6: {"", "after dead", "merged into 6", "4 merged too", "5 merged too"},
		9: {"rich text", "共享", "2", "", "v not is", "ab", "<b>&amp;</b>", "pqr", "", "0", "#N/A", "2026-03-05T10:30:00Z", "1.5E-3", "w"},
		11: {"a & b <c> \"d\" 'e' 新一\r\nx\uFFFDyA", "line1\nline2\nline3", "single quotes", "\r\n _x0041_  _x41_ _X0041_ _x004G_",
			"t winsr1r2 wins", "  keep  ", "ac", "", "", "", "last r wins"},
	}
	for i, r := range rows[:13] {
		if w := want[i+1]; !reflect.DeepEqual(r, w) {
			t.Errorf("row %d = %q, want %q", i+1, r, w)
		}
	}
	if got := rows[13]; len(got) != maxColumns || got[maxColumns-1] != "last column" {
		t.Errorf("row 14 has %d cells", len(got))
	}
}

// TestSharedStrings: items as excelize's xlsxSI.String reads them.
func TestSharedStrings(t *testing.T) {
	got, err := readSharedStrings(strings.NewReader(oddSST))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"共享", "rich text", "A_x0042_ &amp; 一\r", "", "", "only tthen r"}
	// Excel's own <si/> items and the arena's pending strings interleave.
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// Many items span several arena chunks.
	var items []string
	for i := range 20000 {
		items = append(items, fmt.Sprintf("<si><t>第%d项</t></si>", i))
	}
	got, err = readSharedStrings(strings.NewReader(sst(items...)))
	if err != nil || len(got) != 20000 || got[0] != "第0项" || got[12345] != "第12345项" || got[19999] != "第19999项" {
		t.Errorf("%d items, err %v", len(got), err)
	}
}

// TestDecodeGapsAndDates: Draft.Line is the spreadsheet's row number across
// missing rows, and serial dates count from the workbook's epoch.
func TestDecodeGapsAndDates(t *testing.T) {
	rows := `<row r="2"><c r="A2" t="str"><v>台账</v></c></row>` +
		`<row r="4"><c r="A4" t="s"><v>0</v></c><c r="B4" t="str"><v>隐患等级</v></c><c r="D4" t="str"><v>整改期限</v></c></row>` +
		`<row r="7"><c r="A7" t="str"><v>甲</v></c><c r="B7" t="str"><v>一般</v></c><c r="D7"><v>44624</v></c></row>` +
		`<row r="8"><c r="A8" s="3"/></row>` +
		`<row><c r="A9" t="inlineStr"><is><t>乙</t></is></c></row>` +
		`<row r="12"><c r="A12" t="str"><v>丙</v></c><c r="B12" t="str"><v>重大</v></c></row>`
	for _, c := range []struct {
		pr   string
		want string
	}{{"", "2022-03-04"}, {`date1904="1"`, "2026-03-05"}} {
		b := book{pr: c.pr, sheets: []bookSheet{{name: "台账", xml: sheetData(rows)}}, sst: sst(`<si><t>隐患名称</t></si>`)}.bytes(t)
		r, got := decodeAll(t, b)
		if r.HeaderLine() != 4 {
			t.Errorf("header line %d", r.HeaderLine())
		}
		var lines []int
		for _, d := range got {
			lines = append(lines, d.Line)
		}
		if !reflect.DeepEqual(lines, []int{7, 9, 12}) {
			t.Errorf("lines %v, want [7 9 12]", lines)
		}
		if dl := got[0].Row.Deadline; dl == nil || dl.String() != c.want {
			t.Errorf("%s: deadline %v, want %s", c.pr, dl, c.want)
		}
		if got[2].Row.Title != "丙" || got[2].Row.Level != model.LevelMajor {
			t.Errorf("row 12: %+v", got[2].Row)
		}
	}
}

// TestWorkbookParts: part names are matched ignoring case and a leading slash,
// hidden sheets and the notes sheet are passed over, and the chain sheet is
// read from its hidden sheet.
func TestWorkbookParts(t *testing.T) {
	header := `<row r="1"><c r="A1" t="str"><v>隐患编号</v></c><c r="B1" t="str"><v>隐患名称</v></c><c r="C1" t="str"><v>隐患等级</v></c></row>`
	b := book{sheets: []bookSheet{
		{name: SheetNotes, xml: sheetData(header)},
		{name: "草稿", state: "hidden", xml: sheetData(header)},
		{name: "台账", target: "/XL/Worksheets/Ledger.XML"},
		{name: strings.ToUpper(SheetChain), state: "veryHidden", target: `worksheets\chain.xml`},
	}, parts: map[string]string{
		"xl/worksheets/ledger.xml": sheetData(header + `<row r="2"><c r="A2" t="str"><v>yh-1</v></c><c r="B2" t="str"><v>甲</v></c></row>`),
		"XL/WORKSHEETS/CHAIN.XML":  sheetData(`<row><c t="str"><v>隐患编号</v></c><c t="str"><v>链头</v></c></row><row><c t="str"><v> yh-1 </v></c><c t="str"><v>abc</v></c></row>`),
		"xl/sharedStrings.xml":     "",
	}}.bytes(t)
	r, got := decodeAll(t, b)
	if len(got) != 1 || got[0].Row.Title != "甲" || got[0].Line != 2 {
		t.Fatalf("rows %+v", got)
	}
	if h, ok := r.ChainHead("YH-1"); !ok || h != "abc" || got[0].Row.ChainHead != "abc" {
		t.Errorf("chain head %q %v, row %q", h, ok, got[0].Row.ChainHead)
	}
}

// TestOpenRefusals: workbooks that cannot be read are refused with the code the
// official sees.
func TestOpenRefusals(t *testing.T) {
	header := `<row r="1"><c r="A1" t="str"><v>隐患名称</v></c><c r="B1" t="str"><v>隐患等级</v></c><c r="C1" t="str"><v>整改期限</v></c></row>`
	one := func(xml string) []byte { return book{sheets: []bookSheet{{name: "S", xml: xml}}}.bytes(t) }
	for name, c := range map[string]struct {
		b    []byte
		code string
	}{
		"no sheets":      {book{}.bytes(t), "no_sheet"},
		"missing part":   {book{sheets: []bookSheet{{name: "S", target: "worksheets/gone.xml"}}}.bytes(t), "not_xlsx"},
		"bad workbook":   {book{parts: map[string]string{"xl/workbook.xml": "<x/>"}}.bytes(t), "not_xlsx"},
		"bad date1904":   {book{pr: `date1904="maybe"`, sheets: []bookSheet{{name: "S", xml: sheetData(header)}}}.bytes(t), "not_xlsx"},
		"bad shared":     {book{sheets: []bookSheet{{name: "S", xml: sheetData(header)}}, sst: `<sst><si><t>x</si>`}.bytes(t), "not_xlsx"},
		"bad cell ref":   {one(sheetData(`<row><c r="A0"><v>1</v></c></row>` + header)), "not_xlsx"},
		"bad row number": {one(sheetData(`<row r="x"><c><v>1</v></c></row>` + header)), "not_xlsx"},
		"row past limit": {one(sheetData(`<row r="1048577"><c><v>1</v></c></row>`)), "not_xlsx"},
		"GBK":            {one(`<?xml version="1.0" encoding="GBK"?>` + sheetData(header)[strings.Index(sheetData(header), "<worksheet"):]), "not_xlsx"},
		"cut in a tag":   {one(sheetData(header)[:strings.Index(sheetData(header), "<sheetData>")+20]), "not_xlsx"},
		"too many rows":  {one(`<worksheet xmlns="` + mainNS + `"><dimension ref="A1:C300000"/><sheetData>` + header + `</sheetData></worksheet>`), "too_many_rows"},
		"huge cell":      {one(sheetData(`<row><c t="str"><v>` + strings.Repeat("很长", maxCellBytes/5) + `</v></c></row>` + header)), "not_xlsx"},
	} {
		t.Run(name, func(t *testing.T) { wantFileError(t, c.b, c.code) })
	}
}

// TestTruncatedSheet: a sheet whose XML stops between rows reads up to there,
// as excelize reads it.
func TestTruncatedSheet(t *testing.T) {
	full := sheetData(`<row r="1"><c r="A1" t="str"><v>隐患名称</v></c><c r="B1" t="str"><v>隐患等级</v></c><c r="C1" t="str"><v>整改期限</v></c></row>` +
		`<row r="2"><c r="A2" t="str"><v>甲</v></c></row>`)
	b := book{sheets: []bookSheet{{name: "S", xml: strings.TrimSuffix(full, "</sheetData></worksheet>")}}}.bytes(t)
	wantSameAsExcelize(t, b)
	if _, got := decodeAll(t, b); len(got) != 1 || got[0].Row.Title != "甲" {
		t.Errorf("rows %+v", got)
	}
}

// TestNextErrors: a row that cannot be read stops Next with not_xlsx naming it.
func TestNextErrors(t *testing.T) {
	header := `<row r="1"><c r="A1" t="str"><v>隐患名称</v></c><c r="B1" t="str"><v>隐患等级</v></c><c r="C1" t="str"><v>整改期限</v></c></row>`
	b := book{sheets: []bookSheet{{name: "S", xml: sheetData(header + `<row r="2"><c t="str"><v>甲</v></c></row><row r="5"><c r="B0"><v>1</v></c></row>`)}}}.bytes(t)
	n, fe, err := readAll(t, b, DecodeOptions{})
	if n != 1 || fe == nil || fe.Code != "not_xlsx" || fe.Message != "第5行无法读取" {
		t.Errorf("read %d rows, err %v", n, err)
	}
}

// rawEntry is a zip entry whose directory may lie about its data, as a zip
// bomb's does.
type rawEntry struct {
	name     string
	data     []byte // deflated as is
	declared int    // the uncompressed size the directory claims; -1 for the truth
	crc      uint32 // 0 for the truth
}

func rawZip(tb testing.TB, entries ...rawEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		var def bytes.Buffer
		fw, _ := flate.NewWriter(&def, flate.BestCompression)
		_, _ = fw.Write(e.data)
		_ = fw.Close()
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, CRC32: e.crc, CompressedSize64: uint64(def.Len()), UncompressedSize64: uint64(e.declared)}
		if e.declared < 0 {
			h.UncompressedSize64 = uint64(len(e.data))
		}
		if e.crc == 0 {
			h.CRC32 = crc32.ChecksumIEEE(e.data)
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = w.Write(def.Bytes())
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// bookEntries are the parts of a one-sheet workbook as raw entries.
func bookEntries(tb testing.TB, sheet, sst string) []rawEntry {
	tb.Helper()
	b := book{sheets: []bookSheet{{name: "S", xml: sheet}}, sst: sst}.bytes(tb)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	var out []rawEntry
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		data, _ := io.ReadAll(rc)
		out = append(out, rawEntry{name: zf.Name, data: data, declared: -1})
	}
	return out
}

func withEntry(entries []rawEntry, name string, f func(*rawEntry)) []rawEntry {
	out := append([]rawEntry(nil), entries...)
	for i := range out {
		if out[i].name == name {
			f(&out[i])
		}
	}
	return out
}

// TestInflatedLimits: what a part actually inflates to is held to what its
// directory entry declares; a lie is a zip bomb, however small the claim.
func TestInflatedLimits(t *testing.T) {
	header := `<row r="1"><c r="A1" t="str"><v>隐患名称</v></c><c r="B1" t="str"><v>隐患等级</v></c><c r="C1" t="str"><v>整改期限</v></c></row>`
	padding := strings.Repeat(" ", 4<<20) // compresses to a few kilobytes
	var rows strings.Builder
	rows.WriteString(header)
	for i := range 20000 {
		fmt.Fprintf(&rows, `<row><c t="str"><v>隐患%d</v></c><c t="s"><v>0</v></c></row>`, i)
	}
	sheetPadded := sheetData(padding + header)
	sheetLong := sheetData(rows.String())
	shared := sst(`<si><t>一般</t></si>`)
	const sheetPart, sstPart = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"

	open := func(b []byte) (int, error) {
		r, err := Open(b, DecodeOptions{})
		if err != nil {
			return 0, err
		}
		defer r.Close()
		n := 0
		for r.Next() {
			n++
		}
		return n, r.Err()
	}
	wantCode := func(t *testing.T, err error, code string) {
		t.Helper()
		var fe *FileError
		if !errors.As(err, &fe) || fe.Code != code {
			t.Fatalf("err %v, want %s", err, code)
		}
	}

	t.Run("honest", func(t *testing.T) {
		n, err := open(rawZip(t, bookEntries(t, sheetLong, shared)...))
		if err != nil || n != 20000 {
			t.Fatalf("%d rows, err %v", n, err)
		}
	})
	t.Run("sheet inflates past its size before the header", func(t *testing.T) {
		b := rawZip(t, withEntry(bookEntries(t, sheetPadded, shared), sheetPart, func(e *rawEntry) { e.declared = 1000 })...)
		_, err := open(b)
		wantCode(t, err, "zip_bomb")
	})
	t.Run("sheet inflates past its size while rows are read", func(t *testing.T) {
		b := rawZip(t, withEntry(bookEntries(t, sheetLong, shared), sheetPart, func(e *rawEntry) { e.declared = 200 << 10 })...)
		n, err := open(b)
		wantCode(t, err, "zip_bomb")
		if n == 0 || n >= 20000 {
			t.Errorf("%d rows before the refusal", n)
		}
	})
	t.Run("shared strings inflate past their size", func(t *testing.T) {
		b := rawZip(t, withEntry(bookEntries(t, sheetLong, sst(`<si><t>一般</t></si>`+padding)), sstPart, func(e *rawEntry) { e.declared = 100 })...)
		_, err := open(b)
		wantCode(t, err, "zip_bomb")
	})
	t.Run("shared strings declare past maxInMemory", func(t *testing.T) {
		// 97 MiB declared, 600 KB stored: under checkZip's ratio and total,
		// over maxInMemory; refused before a byte is inflated.
		noise := make([]byte, 600<<10)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range noise {
			noise[i] = byte(rng.Uint32())
		}
		b := rawZip(t, withEntry(bookEntries(t, sheetLong, shared), sstPart, func(e *rawEntry) {
			e.data, e.declared = noise, 97<<20
		})...)
		if _, err := checkZip(b); err != nil {
			t.Fatalf("checkZip: %v", err)
		}
		_, err := open(b)
		wantCode(t, err, "zip_bomb")
	})
	t.Run("workbook inflates past its size", func(t *testing.T) {
		b := rawZip(t, withEntry(bookEntries(t, sheetLong, shared), "xl/workbook.xml", func(e *rawEntry) { e.declared = 10 })...)
		_, err := open(b)
		wantCode(t, err, "zip_bomb")
	})
	t.Run("sheet shorter than declared", func(t *testing.T) {
		b := rawZip(t, withEntry(bookEntries(t, sheetLong, shared), sheetPart, func(e *rawEntry) { e.declared = len(e.data) + 10 })...)
		_, err := open(b)
		wantCode(t, err, "not_xlsx")
	})
	t.Run("sheet with a wrong checksum", func(t *testing.T) {
		b := rawZip(t, withEntry(bookEntries(t, sheetLong, shared), sheetPart, func(e *rawEntry) { e.crc = 12345 })...)
		_, err := open(b)
		wantCode(t, err, "not_xlsx")
	})
}

// TestSheetMemoryFlat: reading a large sheet allocates per row, not per sheet:
// what stays in use does not grow with the rows read.
func TestSheetMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("large sheet")
	}
	rows := make([]Row, 20000)
	for i := range rows {
		rows[i] = fullRow(i)
	}
	r, err := Open(encode(t, rows...), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var peak uint64
	var ms runtime.MemStats
	for n := 0; r.Next(); n++ {
		if n%2000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if err := r.Err(); err != nil || r.Count() != len(rows) {
		t.Fatalf("%d rows, err %v", r.Count(), err)
	}
	if peak > 64<<20 {
		t.Errorf("heap in use reached %d MiB", peak>>20)
	}
}

// TestCellCoords: cell references read as excelize reads them.
func TestCellCoords(t *testing.T) {
	for _, ref := range []string{
		"A1", "B3", "AE100002", "$A$1", "A$1", "$$A1", "a1", "xfd1048576", "XFE1", "XFD1048577", "A0", "A-1", "A+1", "A01",
		"1A", "", "A", "$1", "A1B2", "A 1", "AAAA1", "ZZZ1", "A1 ", " A1", "Ａ1", "A١", "A99999999999999999999",
	} {
		col, row, ok := cellCoords([]byte(ref))
		wcol, wrow, err := excelize.CellNameToCoordinates(ref)
		if ok != (err == nil) || ok && (col != wcol || row != wrow) {
			t.Errorf("%q: %d,%d,%v; excelize %d,%d,%v", ref, col, row, ok, wcol, wrow, err)
		}
	}
}

// TestXMLText: character data decodes as encoding/xml decodes it, non-strict.
func TestXMLText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                                 "plain",
		"&lt;&gt;&amp;&apos;&quot;":             `<>&'"`,
		"&#65;&#x41;&#x4e00;&#0;":               "AA一\x00",
		"&#X41; &#; &#x; &#65 &nbsp; &LT; &amp": "&#X41; &#; &#x; &#65 &nbsp; &LT; &amp",
		"&#1114111;&#1114112;&#xD800;":          "\U0010FFFF&#1114112;\uFFFD",
		"&#00000000000000000000065;":            "A",
		"a\r\nb\rc\n\rd&#13;\ne":                "a\nb\nc\n\nd\r\ne",
		"&#99999999999999999999999;":            "&#99999999999999999999999;",
	} {
		if got := string(appendXMLText(nil, []byte(in))); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
		// encoding/xml, non-strict, reads the same.
		d := xml.NewDecoder(strings.NewReader("<v>" + in + "</v>"))
		d.Strict = false
		var v string
		if err := d.Decode(&v); err == nil && v != want && !strings.Contains(in, "&#0;") {
			t.Errorf("%q: encoding/xml reads %q, we %q", in, v, want)
		}
	}
}

// TestBstrDecode: _xHHHH_ escapes decode as excelize's bstrUnmarshal does.
func TestBstrDecode(t *testing.T) {
	for in, want := range map[string]string{
		"_x000D_":               "\r",
		"a_x000d_b_x000A_":      "a\rb\n",
		"_x005F_x000D_":         "_x000D_",
		"_x005f_":               "_",
		"_xD83D__xDE00_":        "",
		"_x41_ _X0041_ _x004G_": "_x41_ _X0041_ _x004G_",
		"__x0041__":             "_A_",
		"_x0041_x0042_":         "Ax0042_",
		"no escape_":            "no escape_",
		"_x4E00__x0000_":        "一\x00",
	} {
		if got := string(bstrDecode([]byte(in))); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// excelizeStrict reports whether encoding/xml, as excelize uses it, reads all of
// b: where it stops, excelize silently stops reading the sheet.
func excelizeStrict(b []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// FuzzSheetMatchesExcelize: a worksheet that encoding/xml reads whole reads
// as excelize reads it, row for row.
func FuzzSheetMatchesExcelize(f *testing.F) {
	f.Add([]byte(sheetData(oddRows)))
	f.Add([]byte(namespacedSheet))
	f.Add([]byte(sheetData(`<row r="3"><c r="B3" t="s"><v>2</v></c></row><row><c><f/></c></row>`)))
	// Found by the fuzzer: an encoding attribute without its closing quote is
	// none; an index outside the shared strings reads as empty; the last of
	// two r attributes wins, unchecked when empty; the byte after <! does not
	// open a quote.
	f.Add([]byte(`<?xml 00000000000000encoding="?>`))
	f.Add([]byte(`<x:worksheet><x:sheetData><x:row A="0"><x:c A="00" t="s"><x:v>7</x:v></x:c></x:row></x:sheetData></x:worksheet>`))
	f.Add([]byte(`<x:worksheet><x:sheetData><x:row A="0"><x:c r="0"r=""></x:c></x:row></x:sheetData></x:worksheet>`))
	f.Add([]byte(`<v><!"00></v>`))
	f.Add([]byte(sheetData(`<!DOCTYPE x [<!ENTITY a "<b>"><!-- > --><c>]><row><c t="str"><v>x</v></c></row>`)))
	f.Fuzz(func(t *testing.T, sheet []byte) {
		if len(sheet) > 64<<10 || !excelizeStrict(sheet) {
			return
		}
		b := book{sheets: []bookSheet{{name: "S", xml: string(sheet)}}, sst: oddSST}.bytes(t)
		want, werr := excelizeRows(t, b, "S")
		got, err := ourRows(t, b, "S")
		if werr != nil || err != nil {
			if (werr == nil) != (err == nil) && !lenientRow(sheet) {
				t.Fatalf("error %v, excelize %v", err, werr)
			}
			return
		}
		if !sameRows(got, want) {
			t.Fatalf("\n got %s\nwant %s", showRows(got), showRows(want))
		}
	})
}

// genSheet builds a well-formed worksheet from prog, byte by byte: rows
// numbered or not (in order, repeated, backwards), cells with and without r,
// attributes in any order, every type, values with entities, escapes, CDATA,
// comments, runs and formulas, optionally every element prefixed.
func genSheet(prog []byte) string {
	next := func() int {
		if len(prog) == 0 {
			return 0
		}
		c := prog[0]
		prog = prog[1:]
		return int(c)
	}
	pick := func(opts ...string) string { return opts[next()%len(opts)] }
	texts := []string{"a", "&amp;", "&lt;&gt;&quot;&apos;", "&#13;", "&#x4E00;", "\r\n", "\r", "_x000D_", "_x005F_x0041_", "_xD800_", " 1 ", "3",
		"-1", "", "隐患", "<![CDATA[x&amp;\ry]]>", "<!--c-->", "&#xD800;", "x<b>y</b>z", "99999999999999999999", "2", "0", "  ", "\t", "<?pi?>"}
	text := func() string {
		var sb strings.Builder
		for range next() % 4 {
			sb.WriteString(texts[next()%len(texts)])
		}
		return sb.String()
	}
	ns := ""
	if next()%2 == 1 {
		ns = "x:"
	}
	el := func(name, attrs, body string, empty bool) string {
		if empty {
			return "<" + ns + name + attrs + "/>"
		}
		return "<" + ns + name + attrs + ">" + body + "</" + ns + name + ">"
	}
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><` + ns + `worksheet xmlns="` + mainNS + `" xmlns:x="` + mainNS + `">`)
	if next()%3 == 0 {
		sb.WriteString(el("dimension", ` ref="A1:`+pick("C5", "A1", "XFD1048576", "")+`"`, "", true))
	}
	sb.WriteString("<" + ns + "sheetData>")
	row := 0
	for len(prog) > 0 {
		attrs := ""
		switch next() % 6 {
		case 0, 1:
			row++
		case 2:
			row += 1 + next()%4
			attrs = fmt.Sprintf(` r="%d"`, row)
		case 3:
			attrs = fmt.Sprintf(` r="%d"`, max(row, 1)) // the same row again
		case 4:
			attrs = fmt.Sprintf(` r="%d"`, 1+next()%8) // any row, maybe backwards
		case 5:
			attrs = pick(` r="0"`, ` spans="1:3" ht="20"`, ` r="+2"`, ` r="02"`)
		}
		var cells strings.Builder
		for range next() % 5 {
			var a []string
			switch next() % 4 {
			case 1:
				a = append(a, fmt.Sprintf(`r="%s%d"`, pick("A", "B", "C", "D", "AA", "$B$", "c", "E"), max(row, 1)))
			case 2:
				a = append(a, `r=""`)
			}
			if t := pick("", "s", "str", "inlineStr", "b", "n", "e", "d", "weird", "s", "inlineStr"); t != "" {
				a = append(a, `t="`+t+`"`)
			}
			if st := pick("", "", "1", "x", "-1", "+2", "99999999999999999999"); st != "" {
				a = append(a, `s="`+st+`"`)
			}
			switch next() % 8 { // attributes given twice: the last r and t win
			case 0:
				a = append(a, pick(`r=""`, `r="B1"`, `r="0"`, `t="s"`, `t="str"`, `s="1"`, `s="y"`))
			case 1:
				a = append([]string{pick(`r="0"`, `t="inlineStr"`, `s="z"`)}, a...)
			}
			if n := next() % (len(a) + 1); n > 0 && len(a) > 1 { // shuffle a little
				a[0], a[n-1] = a[n-1], a[0]
			}
			cellAttrs := ""
			if len(a) > 0 {
				cellAttrs = " " + strings.Join(a, " ")
			}
			var body strings.Builder
			for range next() % 3 {
				switch next() % 7 {
				case 0, 1:
					body.WriteString(el("v", "", text(), next()%5 == 0))
				case 2:
					body.WriteString(el("f", "", "A1+1", next()%2 == 0))
				case 3:
					body.WriteString(el("is", "", el("t", "", text(), next()%5 == 0), false))
				case 4:
					body.WriteString(el("is", "", el("r", "", el("t", "", text(), false), false)+el("rPh", "", el("t", "", "p", false), false)+el("r", "", el("rPr", "", "<b/>", false)+el("t", "", text(), false), false), false))
				case 5:
					body.WriteString(el("is", "", "", true))
				case 6:
					body.WriteString(text())
				}
			}
			cells.WriteString(el("c", cellAttrs, body.String(), body.Len() == 0 && next()%2 == 0))
		}
		sb.WriteString(el("row", attrs, cells.String(), cells.Len() == 0 && next()%2 == 0))
	}
	sb.WriteString("</" + ns + "sheetData></" + ns + "worksheet>")
	return sb.String()
}

// FuzzGeneratedSheetMatchesExcelize: generated worksheets read as excelize
// reads them.
func FuzzGeneratedSheetMatchesExcelize(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte("0123456789abcdefghijklmnopqrstuvwxyz"))
	f.Add(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, 20))
	f.Fuzz(func(t *testing.T, prog []byte) {
		if len(prog) > 4096 {
			return
		}
		sheet := genSheet(prog)
		if !excelizeStrict([]byte(sheet)) {
			t.Fatalf("generated a sheet encoding/xml cannot read:\n%s", sheet)
		}
		b := book{sheets: []bookSheet{{name: "S", xml: sheet}}, sst: oddSST}.bytes(t)
		want, werr := excelizeRows(t, b, "S")
		got, err := ourRows(t, b, "S")
		if (werr == nil) != (err == nil) {
			t.Fatalf("error %v, excelize %v\n%s", err, werr, sheet)
		}
		if werr == nil && !sameRows(got, want) {
			t.Fatalf("\n got %s\nwant %s\n%s", showRows(got), showRows(want), sheet)
		}
	})
}

// lenientRow: a row numbered below 1 is refused here, where excelize reads on
// with a negative row count.
func lenientRow(sheet []byte) bool {
	return bytes.Contains(sheet, []byte(`r="-`)) || bytes.Contains(sheet, []byte(`r='-`))
}

// FuzzSheetScanner: whatever the bytes, the sheet and shared-string readers
// return without a panic or a hang, within their limits.
func FuzzSheetScanner(f *testing.F) {
	f.Add([]byte(sheetData(oddRows)))
	f.Add([]byte(namespacedSheet))
	f.Add([]byte(oddSST))
	f.Add([]byte("<row><c><is><t><![CDATA[x]]></t><r><t>&#x1F600;</t></r></is></c></row><!DOCTYPE x [<!ENTITY a 'b'>]>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				panic(fmt.Sprintf("scanning %d bytes took over 20s", len(b)))
			}
		}()
		sr := newSheetReader(bytes.NewReader(b), []string{"a", "b"})
		for n := 0; n < readLimit && sr.Next(); n++ {
			if sr.Line() != n+1 {
				t.Fatalf("line %d at row %d", sr.Line(), n+1)
			}
			if len(sr.Row()) > maxColumns {
				t.Fatalf("%d cells", len(sr.Row()))
			}
		}
		_, _ = readSharedStrings(bytes.NewReader(b))
	})
}

// BenchmarkSheetReader reads a 20,000-row export with the sheet reader alone.
func BenchmarkSheetReader(b *testing.B) {
	rows := make([]Row, 20000)
	for i := range rows {
		rows[i] = fullRow(i)
	}
	data := encode(b, rows...)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		wb, err := openWorkbook(zr)
		if err != nil {
			b.Fatal(err)
		}
		sr, err := wb.openSheet(wb.sheet(SheetLedger))
		if err != nil {
			b.Fatal(err)
		}
		for sr.Next() {
		}
		if err := sr.Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// repeatReader yields head, then item n times, then tail, without holding them.
type repeatReader struct {
	head, item, tail string
	n                int
	buf              []byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && (r.head != "" || r.n > 0 || r.tail != "") {
		switch {
		case r.head != "":
			r.buf, r.head = append(r.buf, r.head...), ""
		case r.n > 0:
			r.buf, r.n = append(r.buf, r.item...), r.n-1
		default:
			r.buf, r.tail = append(r.buf, r.tail...), ""
		}
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// Empty items count against the shared-strings bound too: a table of millions
// of <si/> (a few bytes each, compressing to almost nothing) would otherwise
// hold 16 bytes of Go per item.
func TestSharedStringsEmptyItemsBounded(t *testing.T) {
	r := &repeatReader{head: `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`,
		item: "<si/>", n: maxInMemory/16 + 1, tail: "</sst>"}
	_, err := readSharedStrings(r)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Code != "zip_bomb" {
		t.Fatalf("%d empty items: %v, want zip_bomb", maxInMemory/16+1, err)
	}
}

// A row with a cell far right of the header (column XFD) keeps only the
// header's cells: the rest belong to no column and would hold thousands of
// empty strings per row while a chunk waits.
func TestDecodeCellsRightOfHeader(t *testing.T) {
	header := `<row r="1"><c r="A1" t="str"><v>隐患名称</v></c><c r="B1" t="str"><v>隐患等级</v></c><c r="C1" t="str"><v>整改期限</v></c></row>`
	rows := header + `<row r="2"><c r="A2" t="str"><v>甲</v></c><c r="B2" t="str"><v>一般</v></c><c r="XFD2" t="str"><v>远处</v></c></row>` +
		`<row r="3"><c r="XFD3" t="str"><v>只有远处</v></c></row>`
	b := book{sheets: []bookSheet{{name: "S", xml: sheetData(rows)}}}.bytes(t)
	_, got := decodeAll(t, b)
	if len(got) != 1 || got[0].Line != 2 || len(got[0].Cells) != 3 || got[0].Row.Title != "甲" {
		t.Fatalf("drafts %+v", got)
	}
	if c := cap(got[0].Cells); c > 3 {
		t.Errorf("the row keeps %d cells of backing array", c)
	}
}
