package xlsx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"hazardloop/model"
)

// Sheet names of a ledger workbook.
const (
	SheetLedger = "隐患台账"
	SheetChain  = "链头校验" // hidden: each exported hazard's code and event-chain head
	SheetNotes  = "填写说明" // the template's explanation of each column
)

// headerRow is the row of the column headers in files this package writes; the
// title takes row 1.
const headerRow = 2

// Meta is what the title row says.
type Meta struct {
	Title      string    // e.g. "江西省隐患台账"
	ExportedAt time.Time // shown in Asia/Shanghai
	Checkpoint string    // the log's latest checkpoint, worded (workflow.StampOf); "" for none
}

// Encoder writes a ledger row by row: the ledger sheet's frame (widths, panes,
// title and header rows, the table) with excelize's StreamWriter, its data rows
// through a dataRows spliced into that stream, the hidden chain-head sheet
// through a chainSheet, so memory stays flat however many rows there are. Call
// Write for each row, then Close once.
type Encoder struct {
	f     *excelize.File
	sw    *excelize.StreamWriter
	part  string // the ledger sheet's part in the archive
	data  *dataRows
	chain *chainSheet
	row   int
	st    styles
	cells []excelize.Cell // the row being written
}

type styles struct {
	title, header, text, date, datetime, number int
}

// NewEncoder starts a ledger with its title and header rows. tmpDir is where the
// stream spills ("" for the system's).
func NewEncoder(m Meta, tmpDir string) (*Encoder, error) {
	f := excelize.NewFile(excelize.Options{TmpDir: tmpDir})
	e := &Encoder{f: f, cells: make([]excelize.Cell, len(Columns)), data: newDataRows(tmpDir, len(Columns))}
	if err := e.start(m, tmpDir); err != nil {
		_ = f.Close()
		return nil, err
	}
	return e, nil
}

func (e *Encoder) start(m Meta, tmpDir string) error {
	f := e.f
	if err := f.SetSheetName("Sheet1", SheetLedger); err != nil {
		return err
	}
	if _, err := f.NewSheet(SheetChain); err != nil {
		return err
	}
	if err := f.SetSheetVisible(SheetChain, false); err != nil {
		return err
	}
	// The chain sheet stays an empty sheet of excelize's; Close puts the
	// chainSheet's rows in its part.
	chainPart := ""
	for id, name := range f.GetSheetMap() {
		switch name { // parts as excelize names them
		case SheetChain:
			chainPart = fmt.Sprintf("xl/worksheets/sheet%d.xml", id)
		case SheetLedger:
			e.part = fmt.Sprintf("xl/worksheets/sheet%d.xml", id)
		}
	}
	if chainPart == "" || e.part == "" {
		return fmt.Errorf("ledger: no part for sheet %s or %s", SheetLedger, SheetChain)
	}
	e.chain = newChainSheet(chainPart, tmpDir)
	var err error
	if e.st, err = newStyles(f); err != nil {
		return err
	}
	// The ledger is the active sheet. Set before the streams start: once a sheet
	// is streamed, SetActiveSheet parses its rows back into a DOM whenever they
	// are still in memory (under 16 MiB of XML), only to discard it.
	f.SetActiveSheet(0)
	if e.sw, err = f.NewStreamWriter(SheetLedger); err != nil {
		return err
	}
	for i, c := range Columns {
		if err := e.sw.SetColWidth(i+1, i+1, c.Width); err != nil {
			return err
		}
	}
	if err := e.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: fmt.Sprintf("A%d", headerRow+1), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	title := m.Title
	if !m.ExportedAt.IsZero() {
		title += "（导出时间：" + m.ExportedAt.In(model.Shanghai).Format("2006年1月2日 15:04") + "）"
	}
	if m.Checkpoint != "" {
		title += "（" + m.Checkpoint + "）"
	}
	if err := e.sw.SetRow("A1", []any{excelize.Cell{StyleID: e.st.title, Value: title}}, excelize.RowOpts{Height: 28}); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(Columns), 1)
	if err := e.sw.MergeCell("A1", last); err != nil {
		return err
	}
	header := make([]any, len(Columns))
	for i, c := range Columns {
		header[i] = excelize.Cell{StyleID: e.st.header, Value: c.Header}
	}
	if err := e.sw.SetRow(fmt.Sprintf("A%d", headerRow), header, excelize.RowOpts{Height: 22}); err != nil {
		return err
	}
	e.row = headerRow
	return nil
}

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var err error
	mk := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	border := []excelize.Border{
		{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1},
	}
	dateFmt, datetimeFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
	s.title = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	s.header = mk(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    border,
	})
	s.text = mk(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top"}})
	s.date = mk(&excelize.Style{Border: border, CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	s.datetime = mk(&excelize.Style{Border: border, CustomNumFmt: &datetimeFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	s.number = mk(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top"}})
	return s, err
}

// Write appends one row.
func (e *Encoder) Write(r *Row) error {
	e.row++
	values(r, e.cells, e.st)
	e.data.row(e.row, e.cells)
	if r.Code != "" && r.ChainHead != "" {
		e.chain.add(r.Code, r.ChainHead)
	}
	return nil
}

// Rows is how many data rows were written.
func (e *Encoder) Rows() int { return e.row - headerRow }

// Close finishes the workbook (filter over the data, sheets flushed) and writes
// it to w. The Encoder cannot be used afterwards.
func (e *Encoder) Close(w io.Writer) error {
	defer e.Abort()
	if e.row > headerRow {
		last, _ := excelize.CoordinatesToCellName(len(Columns), e.row)
		disable := false
		if err := e.sw.AddTable(&excelize.Table{Range: fmt.Sprintf("A%d:%s", headerRow, last), Name: "ledger",
			StyleName: "TableStyleLight1", ShowRowStripes: &disable}); err != nil {
			return fmt.Errorf("ledger: filter: %w", err)
		}
	}
	if err := e.sw.Flush(); err != nil {
		return fmt.Errorf("ledger: flush: %w", err)
	}
	// excelize's WriteTo builds the whole archive in a bytes.Buffer before copying
	// it to w: a province's ledger held in memory, growing with the rows. Its zip
	// writer hook lets the archive go straight to w instead; the buffer stays
	// empty. (excelize rewrites the local headers of parts over 4 GiB in that
	// buffer for Excel; archive/zip's own zip64 records cover such parts here.)
	zw := &archive{Writer: zip.NewWriter(w), chain: e.chain, ledger: &splice{part: e.part, rows: &e.data.s}}
	e.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zw })
	if _, err := e.f.WriteTo(io.Discard); err != nil {
		return fmt.Errorf("ledger: write: %w", err)
	}
	if !zw.chainWritten {
		return fmt.Errorf("ledger: excelize wrote no part %s for sheet %s", e.chain.part, SheetChain)
	}
	if !zw.ledger.done {
		return fmt.Errorf("ledger: excelize wrote no sheet data in %s for sheet %s", e.part, SheetLedger)
	}
	return zw.ledger.err
}

// Abort releases the encoder's temporary files without writing.
func (e *Encoder) Abort() {
	_ = e.f.Close()
	e.chain.close()
	e.data.s.close()
}

// archive is the zip writer excelize writes the workbook to: the chain sheet's
// part gets the chainSheet's rows, and excelize's empty version of it is
// dropped; the ledger sheet's data rows go into excelize's stream of its part.
type archive struct {
	*zip.Writer
	chain        *chainSheet
	chainWritten bool
	ledger       *splice
}

func (a *archive) Create(name string) (io.Writer, error) {
	w, err := a.Writer.Create(name)
	if err != nil {
		return w, err
	}
	switch name {
	case a.chain.part:
		if err := a.chain.writeTo(w); err != nil {
			return nil, fmt.Errorf("ledger: chain sheet: %w", err)
		}
		a.chainWritten = true
		return io.Discard, nil
	case a.ledger.part:
		a.ledger.w = w
		return a.ledger, nil
	}
	return w, nil
}

// sheetDataEnd is where a sheet's rows end in its part.
var sheetDataEnd = []byte("</sheetData>")

// splice passes a sheet part through to w and writes rows just before its
// </sheetData>. What it holds back is only the few bytes that may be the start
// of that tag.
type splice struct {
	part string
	rows *spool
	w    io.Writer
	held []byte
	done bool
	err  error
}

func (s *splice) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.done {
		return s.w.Write(p)
	}
	s.held = append(s.held, p...)
	i := bytes.Index(s.held, sheetDataEnd)
	if i < 0 {
		// Keep what could be the first bytes of the tag.
		if keep := len(s.held) - (len(sheetDataEnd) - 1); keep > 0 {
			if _, s.err = s.w.Write(s.held[:keep]); s.err != nil {
				return 0, s.err
			}
			s.held = append(s.held[:0], s.held[keep:]...)
		}
		return len(p), nil
	}
	s.done = true
	if _, s.err = s.w.Write(s.held[:i]); s.err == nil {
		if s.err = s.rows.copyTo(s.w); s.err == nil {
			_, s.err = s.w.Write(s.held[i:])
		}
	}
	s.held = nil
	if s.err != nil {
		return 0, s.err
	}
	return len(p), nil
}

// values fills cells (len(Columns)) with r's values in column order, styled; a
// cell with a nil Value is left empty.
func values(r *Row, cells []excelize.Cell, st styles) {
	str := func(s string) excelize.Cell {
		if s == "" {
			return excelize.Cell{}
		}
		return excelize.Cell{StyleID: st.text, Value: s}
	}
	tm := func(t *time.Time) excelize.Cell {
		if t == nil {
			return excelize.Cell{}
		}
		return excelize.Cell{StyleID: st.datetime, Value: excelTime(*t)}
	}
	yes := func(b bool) excelize.Cell {
		if b {
			return excelize.Cell{StyleID: st.text, Value: "是"}
		}
		return excelize.Cell{StyleID: st.text, Value: "否"}
	}
	for i := range Columns {
		var v excelize.Cell
		switch Columns[i].Key {
		case ColCode:
			v = str(r.Code)
		case ColTitle:
			v = str(r.Title)
		case ColDescription:
			v = str(r.Description)
		case ColSource:
			if r.Source != "" {
				v = str(r.Source.Label())
			}
		case ColLevel:
			if r.Level != "" {
				v = str(r.Level.Label())
			}
		case ColBasisStandard:
			v = str(r.BasisStandard)
		case ColBasisClause:
			v = str(r.BasisClause)
		case ColIndustry:
			v = str(r.Industry)
		case ColDepartment:
			if r.Department != "" {
				v = str(r.Department.Label())
			}
		case ColRegionName:
			v = str(r.RegionName)
		case ColRegionCode:
			v = str(r.RegionCode)
		case ColEnterprise:
			v = str(r.Enterprise)
		case ColCreditCode:
			v = str(r.CreditCode)
		case ColLocation:
			v = str(r.Location)
		case ColDiscoveredAt:
			v = tm(r.DiscoveredAt)
		case ColMeasures:
			v = str(r.Measures)
		case ColResponsibleUnit:
			v = str(r.ResponsibleUnit)
		case ColResponsiblePerson:
			v = str(r.ResponsiblePerson)
		case ColResponsiblePhone:
			v = str(r.ResponsiblePhone)
		case ColFunds:
			if r.Funds != nil {
				v = excelize.Cell{StyleID: st.number, Value: *r.Funds}
			}
		case ColFundsSource:
			v = str(r.FundsSource)
		case ColDeadline:
			if r.Deadline != nil {
				v = excelize.Cell{StyleID: st.date, Value: r.Deadline.Time}
			}
		case ColEmergencyPlan:
			v = str(r.EmergencyPlan)
		case ColProductionSuspended:
			if r.ProductionSuspended != nil {
				v = yes(*r.ProductionSuspended)
			}
		case ColState:
			if r.State != "" {
				v = str(r.State.Label())
			}
		case ColOverdueDays:
			if r.OverdueDays > 0 {
				v = excelize.Cell{StyleID: st.number, Value: r.OverdueDays}
			}
		case ColEscalation:
			v = str(stepWord(r.Escalation))
		case ColListedSupervision:
			v = yes(r.ListedSupervision)
		case ColListedLevel:
			v = str(r.ListedLevel)
		case ColVerifier:
			v = str(r.Verifier)
		case ColVerifiedAt:
			v = tm(r.VerifiedAt)
		case ColClosedAt:
			v = tm(r.ClosedAt)
		case ColRemark:
			v = str(r.Remark)
		case ColPartyType:
			if r.PartyType != "" {
				v = str(r.PartyType.Label())
			}
		case ColPartyRegion:
			v = str(r.PartyRegion)
		case ColCategory:
			if r.Category != "" {
				v = str(r.Category.Label())
			}
		case ColDisasterType:
			if r.DisasterType != "" {
				v = str(r.DisasterType.Label())
			}
		case ColSubtype:
			v = str(r.DisasterType.SubtypeLabel(r.Subtype))
		case ColThreatenedHouseholds:
			if r.ThreatenedHouseholds != nil {
				v = excelize.Cell{StyleID: st.number, Value: *r.ThreatenedHouseholds}
			}
		case ColThreatenedPeople:
			if r.ThreatenedPeople != nil {
				v = excelize.Cell{StyleID: st.number, Value: *r.ThreatenedPeople}
			}
		case ColThreatenedProperty:
			if r.ThreatenedProperty != nil {
				v = excelize.Cell{StyleID: st.number, Value: *r.ThreatenedProperty}
			}
		case ColMonitorName:
			v = str(r.MonitorName)
		case ColMonitorPhone:
			v = str(r.MonitorPhone)
		case ColEvacuationPlan:
			v = str(r.EvacuationPlan)
		case ColLongitude:
			if r.Longitude != nil {
				v = excelize.Cell{StyleID: st.text, Value: strconv.FormatFloat(*r.Longitude, 'f', -1, 64)}
			}
		case ColLatitude:
			if r.Latitude != nil {
				v = excelize.Cell{StyleID: st.text, Value: strconv.FormatFloat(*r.Latitude, 'f', -1, 64)}
			}
		}
		cells[i] = v
	}
}

// stepWord is the Chinese word of a ladder step, as the column's drop-down has it.
func stepWord(step int) string {
	words := Columns[ColumnIndex(ColEscalation)].Words
	if step < 0 || step >= len(words) {
		return ""
	}
	return words[step]
}
