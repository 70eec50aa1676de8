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
	// A bad date stays a date: the fill of a problem with the date's format.
	dateFmt, datetimeFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
	badDate, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
		Font: &excelize.Font{Color: "9C0006"}, CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	badDatetime, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
		Font: &excelize.Font{Color: "9C0006"}, CustomNumFmt: &datetimeFmt})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(SheetLedger)
	if err != nil {
		return err
	}
	// The first column is the row's number in the uploaded file, then the
	// file's columns as they were, then the messages.
	header := in.Header()
	width := len(header) + 2
	if err := sw.SetColWidth(width, width, 60); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	// Where each column of the ledger sits in the file, to mark its cells,
	// and which columns hold days (a column the ledger does not know, too,
	// when its header says so).
	pos := map[string]int{}
	dates := make([]Kind, len(header))
	for i, c := range in.Columns() {
		if c >= 0 {
			pos[Columns[c].Header] = i
			if k := Columns[c].Kind; k == KindDate || k == KindDateTime {
				dates[i] = k
			}
		} else if i < len(header) && dateHeader(header[i]) {
			dates[i] = KindDate
		}
	}
	row := make([]any, width)
	row[0] = excelize.Cell{StyleID: st.header, Value: "原行号"}
	for i, h := range header {
		row[i+1] = excelize.Cell{StyleID: st.header, Value: trimCell(h)}
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
		row[0] = d.Line
		for i := 0; i < len(header) && i < len(d.Cells); i++ {
			if d.Cells[i] == "" && !badCol[i] {
				continue
			}
			c := excelize.Cell{Value: reportValue(in.Columns(), dates, i, d.Cells[i])}
			_, num := c.Value.(float64)
			switch {
			case num && dates[i] == KindDate && badCol[i]:
				c.StyleID = badDate
			case num && dates[i] == KindDateTime && badCol[i]:
				c.StyleID = badDatetime
			case badCol[i]:
				c.StyleID = bad
			case num && dates[i] == KindDate:
				c.StyleID = st.date
			case num && dates[i] == KindDateTime:
				c.StyleID = st.datetime
			}
			row[i+1] = c
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
func reportValue(cols []int, dates []Kind, i int, raw string) any {
	numeric := dates[i] != 0
	if i < len(cols) && cols[i] >= 0 {
		switch Columns[cols[i]].Kind {
		case KindNumber, KindInt:
			numeric = true
		}
	}
	if numeric {
		if f, err := strconv.ParseFloat(raw, 64); err == nil && len(raw) < 20 {
			return f
		}
	}
	return trimCell(raw)
}

// dateHeader tells whether a header the ledger does not know names days:
// a serial number under it is shown as a date.
func dateHeader(h string) bool {
	for _, w := range []string{"日期", "时间", "时限", "期限", "年月日"} {
		if strings.Contains(h, w) {
			return true
		}
	}
	return false
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
