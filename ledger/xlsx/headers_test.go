package xlsx

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sheetOf writes rows (cells left to right from A) to a workbook's first
// sheet, merging the ranges given, as counties' own ledgers come.
func sheetOf(t testing.TB, rows [][]any, merges ...[2]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range merges {
		if err := f.MergeCell("Sheet1", m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readAs opens b and returns each header's column key ("" ignored,
// "?" ambiguous) and the reader.
func readAs(t *testing.T, b []byte, o DecodeOptions) (map[string]string, *Reader) {
	t.Helper()
	rd, err := Open(b, o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = rd.Close() })
	got := map[string]string{}
	for _, m := range rd.Matches() {
		if m.How == MatchAmbiguous {
			got[m.Header] = "?"
		} else {
			got[m.Header] = m.Column
		}
	}
	return got, rd
}

// TestHeadersAsPeopleWriteThem: headers with words around the names the
// importer knows, units and formats in brackets, line breaks and full-width
// forms are read as their columns; the head noun at the end decides between
// two names; a header naming nothing is ignored and listed.
func TestHeadersAsPeopleWriteThem(t *testing.T) {
	want := map[string]string{
		"序号":          "",
		"隐患\n名称":      ColTitle,
		"隐患等级（一般/重大）": ColLevel,
		"判定依据":        ColBasisStandard,
		"《工贸企业重大事故隐患判定标准》具体条款": ColBasisClause,
		"整改完成时限（年月日）":          ColDeadline,
		"整改资金(万元)":             ColFunds,
		"所属企业名称":               ColEnterprise,
		"整改措施及落实情况":            ColMeasures,
		"排查发现日期":               ColDiscoveredAt,
		"整改责任人姓名":              ColResponsiblePerson,
		"ＡＢＣ签章":                "",
		"隐患所在具体位置":             ColLocation,
	}
	var header []any
	for h := range want {
		header = append(header, h)
	}
	got, _ := readAs(t, sheetOf(t, [][]any{{"东湖区隐患排查治理台账"}, header}), DecodeOptions{})
	for h, key := range want {
		if got[h] != key {
			t.Errorf("%q read as %q, want %q", h, got[h], key)
		}
	}
}

// TestHeadersTwoRows: a header of two rows — merged group cells above, and
// names merged down over both rows — is read as its joined text, and the data
// start below it (line numbers as the sheet shows them).
func TestHeadersTwoRows(t *testing.T) {
	b := sheetOf(t, [][]any{
		{"序号", "隐患名称", "隐患等级", "生产经营单位", "整改落实情况", nil, nil},
		{nil, nil, nil, nil, "整改措施", "责任人", "整改完成时限"},
		{1, "配电室未设挡鼠板", "一般", "东湖精细化工", "加装挡鼠板", "张三", "2026-12-20"},
	}, [2]string{"A1", "A2"}, [2]string{"B1", "B2"}, [2]string{"C1", "C2"}, [2]string{"D1", "D2"}, [2]string{"E1", "G1"})
	got, rd := readAs(t, b, DecodeOptions{})
	for h, key := range map[string]string{"隐患名称": ColTitle, "隐患等级": ColLevel, "生产经营单位": ColEnterprise,
		"整改落实情况 / 整改措施": ColMeasures, "整改落实情况 / 责任人": ColResponsiblePerson, "整改落实情况 / 整改完成时限": ColDeadline} {
		if got[h] != key {
			t.Errorf("%q read as %q, want %q (all: %v)", h, got[h], key, got)
		}
	}
	if !rd.Next() {
		t.Fatalf("no data row: %v", rd.Err())
	}
	d := rd.Draft()
	if d.Line != 3 || d.Row.Title != "配电室未设挡鼠板" || d.Row.Measures != "加装挡鼠板" || d.Row.ResponsiblePerson != "张三" ||
		d.Row.Deadline == nil || d.Row.Deadline.String() != "2026-12-20" || len(d.Errors) > 0 {
		t.Errorf("first row: line %d %+v %v", d.Line, d.Row, d.Errors)
	}
	if rd.Next() {
		t.Errorf("a second data row at line %d", rd.Draft().Line)
	}

	// A one-row header keeps its first data row even when it was read to
	// see whether the header went on.
	got, rd = readAs(t, sheetOf(t, [][]any{{"隐患名称", "隐患等级", "生产经营单位"}, {"消防通道堆放杂物", "一般", "东湖精细化工"}}), DecodeOptions{})
	if got["隐患名称"] != ColTitle || !rd.Next() || rd.Draft().Line != 2 || rd.Draft().Row.Title != "消防通道堆放杂物" {
		t.Errorf("one-row header: %v, first row lost", got)
	}
}

// TestHeadersAmbiguousAndMapped: two headers on one column are asked, not
// guessed; the official's mapping decides (a header to a column, or to none),
// and a mapping naming no column is refused.
func TestHeadersAmbiguousAndMapped(t *testing.T) {
	b := sheetOf(t, [][]any{
		{"隐患名称", "整改期限", "整改时限（计划）", "备注说明", "隐患等级"},
		{"配电室未设挡鼠板", "2026-12-20", "2026-12-31", "x", "一般"},
	})
	got, rd := readAs(t, b, DecodeOptions{})
	if !rd.Ambiguous() || got["整改期限"] != "?" || got["整改时限（计划）"] != "?" {
		t.Errorf("two deadlines: ambiguous %v, %v", rd.Ambiguous(), got)
	}
	got, rd = readAs(t, b, DecodeOptions{Mapping: map[string]string{"整改时限（计划）": ColDeadline, "备注说明": ColDescription}})
	if rd.Ambiguous() || got["整改时限（计划）"] != ColDeadline || got["整改期限"] != "" || got["备注说明"] != ColDescription {
		t.Errorf("mapped: ambiguous %v, %v", rd.Ambiguous(), got)
	}
	if !rd.Next() || rd.Draft().Row.Deadline.String() != "2026-12-31" || rd.Draft().Row.Description != "x" {
		t.Errorf("the mapped columns are not read: %+v", rd.Draft().Row)
	}
	got, rd = readAs(t, b, DecodeOptions{Mapping: map[string]string{"整改期限": ""}})
	if rd.Ambiguous() || got["整改期限"] != "" || got["整改时限（计划）"] != ColDeadline {
		t.Errorf("one ignored: ambiguous %v, %v", rd.Ambiguous(), got)
	}
	_, err := Open(b, DecodeOptions{Mapping: map[string]string{"整改期限": "deadline_day"}})
	var fe *FileError
	if !errors.As(err, &fe) || fe.Code != "bad_mapping" || !strings.Contains(fe.Message, "deadline_day") {
		t.Errorf("a mapping to no column: %v", err)
	}
}

// TestSplitBasis: a basis written in one cell is split at the end of the
// standard's title (its order number in brackets kept with it); a clause
// given apart leaves both as written.
func TestSplitBasis(t *testing.T) {
	for _, tc := range []struct{ std, clause, wantStd, wantClause string }{
		{"《工贸企业重大事故隐患判定标准》第四条第（一）项", "", "《工贸企业重大事故隐患判定标准》", "第四条第（一）项"},
		{"《工贸企业重大事故隐患判定标准》（应急管理部令第10号）第四条", "", "《工贸企业重大事故隐患判定标准》（应急管理部令第10号）", "第四条"},
		{"《煤矿重大事故隐患判定标准》：第三条", "", "《煤矿重大事故隐患判定标准》", "第三条"},
		{"《工贸企业重大事故隐患判定标准》", "", "《工贸企业重大事故隐患判定标准》", ""},
		{"《工贸企业重大事故隐患判定标准》第四条", "第五条", "《工贸企业重大事故隐患判定标准》第四条", "第五条"},
		{"GB 35181 第五条", "", "GB 35181 第五条", ""},
	} {
		s, c := SplitBasis(tc.std, tc.clause)
		if s != tc.wantStd || c != tc.wantClause {
			t.Errorf("SplitBasis(%q, %q) = %q, %q", tc.std, tc.clause, s, c)
		}
	}
}
