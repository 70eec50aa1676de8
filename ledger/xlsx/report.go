package xlsx

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Report writes the error report of an upload to w: the uploaded data rows as
// they were (title rows left out), the file's own header plus a 错误说明 column,
// each bad cell filled red and the row's messages in the last column. errs are
// the import's problems; b is the uploaded file, read again with o.
func Report(w io.Writer, b []byte, errs []CellError, o DecodeOptions) error {
	in, err := Open(b, o)
	if err != nil {
		return err
	}
	defer in.Close()

	byLine := map[int][]CellError{}
	for _, e := range errs {
		byLine[e.Row] = append(byLine[e.Row], e)
	}
	f := excelize.NewFile(excelize.Options{TmpDir: o.TmpDir})
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetLedger); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	bad, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
		Font: &excelize.Font{Color: "9C0006"}})
	if err != nil {
		return err
	}
	note, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "9C0006"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(SheetLedger)
	if err != nil {
		return err
	}
	header := in.Header()
	width := len(header) + 1
	if err := sw.SetColWidth(width, width, 60); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	// Where each column of the ledger sits in the file, to mark its cells.
	pos := map[string]int{}
	for i, c := range in.Columns() {
		if c >= 0 {
			pos[Columns[c].Header] = i
		}
	}
	row := make([]any, width)
	for i, h := range header {
		row[i] = excelize.Cell{StyleID: st.header, Value: trimCell(h)}
	}
	row[width-1] = excelize.Cell{StyleID: st.header, Value: "错误说明"}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	out := 1
	for in.Next() {
		d := in.Draft()
		clear(row)
		marks := byLine[d.Line]
		var msgs []string
		badCol := map[int]bool{}
		for _, e := range marks {
			if e.Column != "" {
				msgs = append(msgs, e.Column+"："+e.Message)
				if i, ok := pos[e.Column]; ok {
					badCol[i] = true
				}
			} else {
				msgs = append(msgs, e.Message)
			}
		}
		for i := 0; i < len(header) && i < len(d.Cells); i++ {
			if d.Cells[i] == "" && !badCol[i] {
				continue
			}
			c := excelize.Cell{Value: reportValue(in.Columns(), i, d.Cells[i])}
			if _, num := c.Value.(float64); num {
				if k := in.Columns()[i]; k >= 0 && (Columns[k].Kind == KindDate || Columns[k].Kind == KindDateTime) {
					c.StyleID = st.datetime
				}
			}
			if badCol[i] {
				c.StyleID = bad
			}
			row[i] = c
		}
		if len(msgs) > 0 {
			row[width-1] = excelize.Cell{StyleID: note, Value: trimCell(fmt.Sprintf("第%d行：%s", d.Line, strings.Join(msgs, "；")))}
		}
		out++
		if err := sw.SetRow(fmt.Sprintf("A%d", out), row); err != nil {
			return err
		}
	}
	if err := in.Err(); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// reportValue keeps numbers as numbers (dates then show as dates) and text as
// text, never as a formula.
func reportValue(cols []int, i int, raw string) any {
	if i < len(cols) && cols[i] >= 0 {
		switch Columns[cols[i]].Kind {
		case KindDate, KindDateTime, KindNumber, KindInt:
			if f, err := strconv.ParseFloat(raw, 64); err == nil && len(raw) < 20 {
				return f
			}
		}
	}
	return trimCell(raw)
}

// trimCell cuts a value to what one cell can hold.
func trimCell(s string) string {
	if len(s) <= MaxCellChars {
		return s
	}
	r := []rune(s)
	if len(r) > MaxCellChars-1 {
		r = r[:MaxCellChars-1]
	}
	return string(r)
}
