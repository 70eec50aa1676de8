package xlsx

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"hazardloop/model"
)

// StatTable is one sheet of a statistics workbook (统计表): one grouping's
// rows and their total.
type StatTable struct {
	Sheet string // 按地区
	Key   string // the first column's header: 地区
	Rows  []StatLine
	Total StatLine
}

// StatLine is one row of a StatTable.
type StatLine struct {
	Name string
	model.PeriodCounts
	Rate float64 // rectification rate, 0..1
}

// StatMeta is what every sheet of a statistics workbook says around its table.
type StatMeta struct {
	Title  string // region, period and name: 江西省 2026年1月1日至2026年12月6日 隐患排查治理统计表
	Issuer string // 制表单位
	MadeAt time.Time
}

// statHeaders are the columns after the group's name, statWidths their widths
// (a header on one line).
var (
	statHeaders = []string{"新发现隐患", "其中重大隐患", "期内销号", "期内发现并已整改", "整改率", "在办隐患", "逾期未整改"}
	statWidths  = []float64{12, 14, 10, 18, 10, 10, 12}
)

// statNote says how each column is counted, under the table.
const statNote = "说明：新发现隐患、其中重大隐患按发现日期计入统计期（不含经核查不是隐患的）；期内销号按销号日期；期内发现并已整改为期内发现且在期末前销号的隐患，整改率 = 期内发现并已整改 ÷ 新发现隐患；在办隐患、逾期未整改为制表时的状况。"

// WriteStatistics writes a workbook of one sheet per table to w: a title row
// naming the region and the period (and the grouping), the header (frozen),
// the rows, a totals row (合计), then 制表单位, 制表时间 and how each column is
// counted. Numbers are numbers and the rate a percentage, so that the figures
// add up in a spreadsheet.
func WriteStatistics(w io.Writer, m StatMeta, tables []StatTable) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	border := []excelize.Border{
		{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1},
	}
	pctFmt := "0.0%"
	pct, err := f.NewStyle(&excelize.Style{Border: border, CustomNumFmt: &pctFmt})
	if err != nil {
		return err
	}
	totalText, err := f.NewStyle(&excelize.Style{Border: border, Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}})
	if err != nil {
		return err
	}
	totalPct, err := f.NewStyle(&excelize.Style{Border: border, Font: &excelize.Font{Bold: true}, CustomNumFmt: &pctFmt,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}})
	if err != nil {
		return err
	}
	note, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	cols := 1 + len(statHeaders)
	last, _ := excelize.ColumnNumberToName(cols)
	for i, t := range tables {
		sheet := t.Sheet
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		set := func(cell string, v any, style int) {
			if err == nil {
				err = f.SetCellValue(sheet, cell, v)
			}
			if err == nil && style != 0 {
				err = f.SetCellStyle(sheet, cell, cell, style)
			}
		}
		line := func(row int, l StatLine, text, rate int) {
			set(fmt.Sprintf("A%d", row), l.Name, text)
			for j, v := range []any{l.Found, l.FoundMajor, l.WrittenOff, l.FoundRectified, l.Rate, l.Open, l.Overdue} {
				cell, _ := excelize.CoordinatesToCellName(j+2, row)
				style := text
				if j == 4 {
					style = rate
				}
				set(cell, v, style)
			}
		}
		set("A1", m.Title+"（按"+t.Key+"）", st.title)
		set("A2", t.Key, st.header)
		for j, h := range statHeaders {
			cell, _ := excelize.CoordinatesToCellName(j+2, 2)
			set(cell, h, st.header)
		}
		row := 3
		for _, l := range t.Rows {
			line(row, l, st.number, pct)
			row++
		}
		line(row, t.Total, totalText, totalPct)
		set(fmt.Sprintf("A%d", row+2), "制表单位："+m.Issuer, 0)
		set(fmt.Sprintf("A%d", row+3), "制表时间："+m.MadeAt.In(model.Shanghai).Format("2006年1月2日 15:04"), 0)
		set(fmt.Sprintf("A%d", row+4), statNote, note)
		if err != nil {
			return err
		}
		for _, mc := range [][2]string{{"A1", last + "1"}, {fmt.Sprintf("A%d", row+4), fmt.Sprintf("%s%d", last, row+4)}} {
			if err := f.MergeCell(sheet, mc[0], mc[1]); err != nil {
				return err
			}
		}
		for _, h := range []struct {
			row    int
			height float64
		}{{1, 30}, {2, 32}, {row + 4, 48}} {
			if err := f.SetRowHeight(sheet, h.row, h.height); err != nil {
				return err
			}
		}
		if err := f.SetColWidth(sheet, "A", "A", 26); err != nil {
			return err
		}
		for j, width := range statWidths {
			col, _ := excelize.ColumnNumberToName(j + 2)
			if err := f.SetColWidth(sheet, col, col, width); err != nil {
				return err
			}
		}
		if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 2, TopLeftCell: "B3", ActivePane: "bottomRight"}); err != nil {
			return err
		}
		// Printed on A4 across: every column on one page's width.
		if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
			return err
		}
		if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: ptr(9), Orientation: ptr("landscape"),
			FitToWidth: ptr(1), FitToHeight: ptr(0)}); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

func ptr[T any](v T) *T { return &v }
