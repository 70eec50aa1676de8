package xlsx

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"hazardloop/model"
)

// templateRows is how far down the drop-down lists of the template reach.
const templateRows = 5000

// Template writes the blank ledger to w: the same columns, a drop-down list on
// every enumerated column, one example row, and a sheet explaining each column.
func Template(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := writeTemplate(f); err != nil {
		return fmt.Errorf("ledger: template: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("ledger: template: %w", err)
	}
	return nil
}

// Example is the template's example row.
func Example() Row {
	disc := time.Date(2026, 3, 5, 9, 30, 0, 0, model.Shanghai)
	deadline := model.NewDate(2026, 4, 30)
	funds, no := 2.5, false
	return Row{
		Title: "（示例）油罐区防火堤伸缩缝破损", Description: "督导检查发现1号罐区防火堤伸缩缝破损，防火堤失去密闭性",
		Source: model.SourceSupervisoryCheck, Level: model.LevelGeneral, Industry: "危险化学品",
		RegionName: "濂溪区", RegionCode: "360402", Enterprise: "九江某石化储运有限公司", CreditCode: "91360402MA38K2Q7X7",
		Location: "1号罐区", DiscoveredAt: &disc, Measures: "更换伸缩缝密封材料并组织复查", ResponsibleUnit: "九江某石化储运有限公司",
		ResponsiblePerson: "张一", ResponsiblePhone: "13907920000", Funds: &funds, FundsSource: "企业自筹",
		Deadline: &deadline, ProductionSuspended: &no, State: model.StateRectifying, Remark: "示例行，导入前请删除",
		Category: model.CategoryAccident,
	}
}

func writeTemplate(f *excelize.File) error {
	if err := f.SetSheetName("Sheet1", SheetLedger); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(Columns), 1)
	if err := f.MergeCell(SheetLedger, "A1", last); err != nil {
		return err
	}
	if err := f.SetCellStr(SheetLedger, "A1", "隐患排查治理台账（导入模板）"); err != nil {
		return err
	}
	if err := f.SetCellStyle(SheetLedger, "A1", "A1", st.title); err != nil {
		return err
	}
	for i, c := range Columns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(SheetLedger, name, name, c.Width); err != nil {
			return err
		}
		cell := fmt.Sprintf("%s%d", name, headerRow)
		if err := f.SetCellStr(SheetLedger, cell, c.Header); err != nil {
			return err
		}
		if err := f.SetCellStyle(SheetLedger, cell, cell, st.header); err != nil {
			return err
		}
		if len(c.Words) > 0 && !c.Output {
			dv := excelize.NewDataValidation(true)
			dv.SetSqref(fmt.Sprintf("%s%d:%s%d", name, headerRow+1, name, headerRow+templateRows))
			if err := dv.SetDropList(c.Words); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleWarning, "不在可选范围内", c.Header+"请从下拉列表中选择")
			if err := f.AddDataValidation(SheetLedger, dv); err != nil {
				return err
			}
		}
	}
	cells := make([]excelize.Cell, len(Columns))
	ex := Example()
	values(&ex, cells, st)
	for i, c := range cells {
		if c.Value == nil {
			continue
		}
		ref, _ := excelize.CoordinatesToCellName(i+1, headerRow+1)
		if err := f.SetCellValue(SheetLedger, ref, c.Value); err != nil {
			return err
		}
		if err := f.SetCellStyle(SheetLedger, ref, ref, c.StyleID); err != nil {
			return err
		}
	}
	if err := f.SetPanes(SheetLedger, &excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: fmt.Sprintf("A%d", headerRow+1), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return writeNotes(f, st)
}

func writeNotes(f *excelize.File, st styles) error {
	if _, err := f.NewSheet(SheetNotes); err != nil {
		return err
	}
	rows := [][]string{{"列名", "说明", "可填写的值", "也可写作"}}
	for _, c := range Columns {
		note := c.Note
		if c.Output && note == "" {
			note = "系统生成，导入时忽略"
		}
		rows = append(rows, []string{c.Header, note, strings.Join(c.Words, "、"), strings.Join(c.Aliases, "、")})
	}
	rows = append(rows, nil,
		[]string{"导入规则", "表头行可在前30行内任意位置，列的顺序不限；标题行、合并单元格可保留。"},
		[]string{"", "日期可写作 2026-03-05、2026/3/5、2026.3.5、2026年3月5日，也可以是Excel日期单元格，可带时间。"},
		[]string{"", "整份文件校验通过才会导入；任何一行有错误时不写入任何数据，并可下载标注了错误的台账。"},
		[]string{"", "已填写隐患编号的行更新该隐患在当前状态下仍可修改的内容；状态、等级（列入清单后）、整改期限须在系统中办理。"},
		[]string{"", fmt.Sprintf("文件不超过%d MB，不超过%d行。", MaxFileBytes>>20, MaxRows)},
	)
	for i, r := range rows {
		for j, v := range r {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellStr(SheetNotes, ref, v); err != nil {
				return err
			}
		}
	}
	if err := f.SetCellStyle(SheetNotes, "A1", "D1", st.header); err != nil {
		return err
	}
	for col, wdt := range map[string]float64{"A": 18, "B": 60, "C": 40, "D": 40} {
		if err := f.SetColWidth(SheetNotes, col, col, wdt); err != nil {
			return err
		}
	}
	return nil
}
