package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Limits of an upload, from the issue.
const (
	MaxFileBytes = 20 << 20 // the largest file accepted
	MaxRows      = 200_000  // the most data rows in one ledger
	// MaxUnzipBytes bounds what a workbook may inflate to: a 200,000-row ledger
	// with every column filled is about 600 MB of XML.
	MaxUnzipBytes = 1 << 30
	// maxRatio: an entry that inflates more than this many times over its
	// compressed size (and past maxRatioFloor) is a zip bomb, not a spreadsheet;
	// real sheets compress 5–30 times.
	maxRatio      = 200
	maxRatioFloor = 32 << 20
	// unzipXMLLimit: sheets (and a shared-strings table) larger than this are
	// streamed, not counted with the parts held in memory; maxInMemory bounds
	// what all other parts may declare, and the shared strings once read.
	unzipXMLLimit = 16 << 20
	maxInMemory   = 96 << 20
	// headerScan is how many rows from the top may come before the header row.
	headerScan = 30
)

// FileError is a problem with the file as a whole: it is not a ledger we can read.
// Code is stable for programs; Message is Chinese for the official.
type FileError struct {
	Code    string
	Message string
	cause   error
}

func (e *FileError) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("ledger: %s: %v", e.Code, e.cause)
	}
	return "ledger: " + e.Code
}

func (e *FileError) Unwrap() error { return e.cause }

func fileErr(code, msg string, cause error) *FileError {
	return &FileError{Code: code, Message: msg, cause: cause}
}

// Draft is one data row of an uploaded ledger: its row number, the raw cells as
// read (aligned with Reader.Header), the parsed Row and its problems.
type Draft struct {
	Line   int
	Cells  []string
	Row    Row
	Errors []CellError
}

// Reader reads the data rows of an uploaded ledger one at a time.
type Reader struct {
	wb         *workbook
	sheet      *sheetReader
	header     []string
	cols       []int
	heads      map[string]string
	line       int
	headerLine int
	count      int
	maxRows    int
	date1904   bool
	err        error
	draft      Draft
	ignored    []string
	matches    []HeaderMatch
	ambiguous  bool
	// pending is a data row read while looking for a second header row.
	pending     []string
	pendingLine int
}

// DecodeOptions bound the work a file can cause.
type DecodeOptions struct {
	// TmpDir is where Report's workbook spills ("" for the system's). Reading
	// streams each sheet from the upload and needs no temporary files.
	TmpDir  string
	MaxRows int // 0 for MaxRows
	// Mapping reads headers as the official said: header (as the file spells
	// it) → column key, "" for none. Check it with CheckMapping.
	Mapping map[string]string
}

// CheckMapping turns a mapping of headers to column keys into the reader's
// form, or names the keys that are no ledger column ("" ignores a header).
func CheckMapping(m map[string]string) (map[string]int, []string) {
	out := make(map[string]int, len(m))
	var bad []string
	for h, key := range m {
		j := -1
		if key != "" {
			if j = ColumnIndex(key); j < 0 || Columns[j].Output {
				bad = append(bad, key)
				continue
			}
		}
		out[normalize(h)] = j
	}
	slices.Sort(bad)
	return out, bad
}

// Open reads the workbook in b (at most MaxFileBytes), finds the ledger sheet and
// its header row, and reads the hidden chain sheet if there is one. Errors are
// *FileError with a Chinese message: empty, not an xlsx, encrypted (or an old
// .xls), a zip bomb, no sheet, no header row, a header given twice.
func Open(b []byte, o DecodeOptions) (*Reader, error) {
	if o.MaxRows <= 0 {
		o.MaxRows = MaxRows
	}
	if len(b) == 0 {
		return nil, fileErr("empty_file", "上传的文件是空的", nil)
	}
	if len(b) > MaxFileBytes {
		return nil, fileErr("file_too_large", fmt.Sprintf("文件超过%d MB，请拆分后分批导入", MaxFileBytes>>20), nil)
	}
	if bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
		return nil, fileErr("encrypted_or_xls", "文件已加密，或是旧版 .xls 格式：请在 Excel 或 WPS 中取消密码并另存为 .xlsx 后再导入", nil)
	}
	zr, err := checkZip(b)
	if err != nil {
		return nil, err
	}
	wb, err := openWorkbook(zr)
	if err != nil {
		return nil, openError(err)
	}
	r := &Reader{wb: wb, date1904: wb.date1904}
	if err := r.init(o); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

// openError turns what stopped the workbook being read into a *FileError
// (which it returns as is).
func openError(err error) *FileError {
	var fe *FileError
	switch {
	case errors.As(err, &fe):
		return fe
	case errors.Is(err, zip.ErrFormat), errors.Is(err, zip.ErrAlgorithm), errors.Is(err, zip.ErrChecksum):
		return fileErr("not_xlsx", "文件不是有效的 Excel 工作簿（.xlsx），请确认文件格式", err)
	}
	return fileErr("not_xlsx", "文件无法作为 Excel 工作簿读取，请在 Excel 或 WPS 中另存为 .xlsx 后再导入", err)
}

// checkZip looks at the archive's directory before anything is inflated: it must
// be a zip holding a workbook, and no entry may promise to inflate like a bomb.
// What is then inflated is held to what the directory declares (see part).
func checkZip(b []byte) (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fileErr("not_xlsx", "文件不是有效的 Excel 工作簿（.xlsx），请确认文件格式", err)
	}
	var total, inMemory uint64
	workbook := false
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		// Sheets, and a large shared-strings table, are streamed; all other
		// parts together may declare no more than a workbook ever needs.
		name := strings.ToLower(zf.Name)
		spilled := zf.UncompressedSize64 > unzipXMLLimit &&
			(strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml")
		if !spilled {
			inMemory += zf.UncompressedSize64
		}
		if zf.UncompressedSize64 > maxRatioFloor && zf.UncompressedSize64 > maxRatio*max(zf.CompressedSize64, 1) {
			return nil, fileErr("zip_bomb", "文件解压后内容异常膨胀，可能是压缩炸弹，已拒绝", nil)
		}
		if strings.EqualFold(zf.Name, "xl/workbook.xml") {
			workbook = true
		}
	}
	if total > MaxUnzipBytes || inMemory > maxInMemory {
		return nil, fileErr("zip_bomb", "文件解压后内容过大，可能是压缩炸弹，已拒绝", nil)
	}
	if !workbook {
		return nil, fileErr("not_xlsx", "文件不是 Excel 工作簿（.xlsx）：压缩包中没有工作簿", nil)
	}
	return zr, nil
}

func (r *Reader) init(o DecodeOptions) error {
	if len(r.wb.sheets) == 0 {
		return fileErr("no_sheet", "工作簿中没有工作表", nil)
	}
	var lastErr *FileError
	for i := range r.wb.sheets {
		sheet := &r.wb.sheets[i]
		if sheet.name == SheetChain || sheet.name == SheetNotes || sheet.hidden {
			continue
		}
		r.maxRows = o.MaxRows
		mapping, bad := CheckMapping(o.Mapping)
		if len(bad) > 0 {
			return fileErr("bad_mapping", "列对应中有系统不认识的列："+strings.Join(bad, "、"), nil)
		}
		err := r.findHeader(sheet, mapping)
		if err == nil {
			return r.readChain()
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Code != "no_header" {
			return err
		}
		lastErr = fe
	}
	if lastErr == nil {
		lastErr = fileErr("no_header", "工作簿中没有可导入的工作表", nil)
	}
	return lastErr
}

// sheetError is a sheet that cannot be read; a zip bomb stays one.
func sheetError(name string, err error) *FileError {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe
	}
	return fileErr("not_xlsx", "工作表无法读取："+name, err)
}

// HeaderMatch is how one header of the file was read: the header as the
// file spells it (a two-row header as 上行 / 下行), the column key and its
// Chinese header ("" when ignored), how it was matched (MatchExact …), and
// for an ambiguous one the column keys it could be.
type HeaderMatch struct {
	Header     string   `json:"header"`
	Column     string   `json:"column"`
	Label      string   `json:"column_label"`
	How        string   `json:"how"`
	Candidates []string `json:"candidates,omitempty"`
}

// headerCell is one column of a header: the text shown for it and the texts
// to read it by, the first that names a column winning (a two-row header's
// lower cell alone, then with the group cell above it).
type headerCell struct {
	shown string
	tries []string
}

// resolve reads the header cells: the official's mapping first, then
// matchHeader. A column named by two headers is ambiguous in both.
func resolve(cells []headerCell, mapping map[string]int) (cols []int, ms []HeaderMatch) {
	cols = make([]int, len(cells))
	ms = make([]HeaderMatch, len(cells))
	for i, c := range cells {
		cols[i] = -1
		ms[i] = HeaderMatch{Header: strings.TrimSpace(c.shown), How: MatchIgnored}
		if ms[i].Header == "" {
			continue
		}
		if j, ok := mapping[normalize(c.shown)]; ok {
			cols[i], ms[i].How = j, MatchMapped
			continue
		}
		for _, t := range c.tries {
			m := matchHeader(t)
			if m.how == MatchAmbiguous {
				ms[i].How = MatchAmbiguous
				for _, k := range m.cands {
					ms[i].Candidates = append(ms[i].Candidates, Columns[k].Key)
				}
				break
			}
			if m.col >= 0 {
				cols[i], ms[i].How = m.col, m.how
				break
			}
		}
	}
	// Two headers on one column: a mapped one keeps it and the other is
	// ignored; else both are asked.
	byCol := map[int][]int{}
	for i, j := range cols {
		if j >= 0 {
			byCol[j] = append(byCol[j], i)
		}
	}
	for j, is := range byCol {
		if len(is) < 2 {
			continue
		}
		var mapped []int
		for _, i := range is {
			if ms[i].How == MatchMapped {
				mapped = append(mapped, i)
			}
		}
		for _, i := range is {
			switch {
			case len(mapped) == 1 && i == mapped[0]:
			case len(mapped) == 1:
				cols[i], ms[i].How = -1, MatchIgnored
			default:
				ms[i].How, ms[i].Candidates = MatchAmbiguous, []string{Columns[j].Key}
			}
		}
	}
	for i := range ms {
		if ms[i].How == MatchAmbiguous {
			cols[i] = -1
		} else if cols[i] >= 0 {
			ms[i].Column, ms[i].Label = Columns[cols[i]].Key, Columns[cols[i]].Header
		}
	}
	return cols, ms
}

// headerScore counts the columns a header names (an ambiguous one counts:
// it is a header, only unsure) and whether 隐患名称 is among them.
func headerScore(cols []int, ms []HeaderMatch) (known int, hasTitle bool) {
	title := ColumnIndex(ColTitle)
	for i, j := range cols {
		if j >= 0 || ms[i].How == MatchAmbiguous {
			known++
		}
		hasTitle = hasTitle || j == title || slices.Contains(ms[i].Candidates, ColTitle)
	}
	return known, hasTitle
}

func oneRow(cells []string) []headerCell {
	out := make([]headerCell, len(cells))
	for i, c := range cells {
		out[i] = headerCell{shown: c, tries: []string{c}}
	}
	return out
}

// twoRows joins a header of two rows: a group cell (merged across the
// columns under it, so written in the first of them) above the names. A
// column with a lower cell is read by it, else by the group and it joined; a
// column without one (merged down from the upper row) by the upper cell.
func twoRows(top, bottom []string) []headerCell {
	n := max(len(top), len(bottom))
	out := make([]headerCell, n)
	group := ""
	for i := range n {
		var t, b string
		if i < len(top) {
			t = strings.TrimSpace(top[i])
		}
		if i < len(bottom) {
			b = strings.TrimSpace(bottom[i])
		}
		if t != "" {
			group = t
		}
		switch {
		case b == "":
			out[i] = headerCell{shown: t, tries: []string{t}}
		case group == "":
			out[i] = headerCell{shown: b, tries: []string{b}}
		default:
			out[i] = headerCell{shown: group + " / " + b, tries: []string{b, group + b}}
		}
	}
	return out
}

// continues tells whether next, the row under a header read as cols, is the
// lower row of a two-row header: it names ledger columns in at least half of
// its cells and leaves 隐患名称 empty, which a data row never does.
func continues(next []string, cols []int) bool {
	title := ColumnIndex(ColTitle)
	filled, named := 0, 0
	for i, c := range next {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if i < len(cols) && cols[i] == title {
			return false
		}
		filled++
		if m := matchHeader(c); m.col >= 0 {
			named++
		}
	}
	return named > 0 && named*2 >= filled
}

// findHeader scans the top of sheet for the header row: the first row (or
// two rows, see twoRows) naming 隐患名称 and at least two other ledger
// columns. Title rows and merged cells above it are skipped. A row read past
// the header to see whether it continues it is kept for Next.
func (r *Reader) findHeader(sheet *sheetEntry, mapping map[string]int) error {
	rows, err := r.wb.openSheet(sheet)
	if err != nil {
		return sheetError(sheet.name, err)
	}
	qualifies := func(cols []int, ms []HeaderMatch) bool {
		known, hasTitle := headerScore(cols, ms)
		return hasTitle && known >= 3
	}
	var prev []string
	for n := 1; n <= headerScan && rows.Next(); n++ {
		cells := slices.Clone(rows.Row())
		for i, c := range cells {
			if len(c) > 200 {
				cells[i] = ""
			}
		}
		cols, ms := resolve(oneRow(cells), mapping)
		line := rows.Line()
		if qualifies(cols, ms) {
			if rows.Next() {
				next := slices.Clone(rows.Row())
				if continues(next, cols) {
					if jc, jm := resolve(twoRows(cells, next), mapping); qualifies(jc, jm) {
						cols, ms, line = jc, jm, rows.Line()
						next = nil
					}
				}
				if next != nil {
					r.pending, r.pendingLine = next, rows.Line()
				}
			}
			return r.setHeader(rows, cols, ms, line)
		}
		if prev != nil {
			if jc, jm := resolve(twoRows(prev, cells), mapping); qualifies(jc, jm) {
				return r.setHeader(rows, jc, jm, line)
			}
		}
		prev = cells
	}
	err = rows.Err()
	_ = rows.Close()
	if err != nil {
		return sheetError(sheet.name, err)
	}
	return fileErr("no_header", fmt.Sprintf("在工作表前%d行中没有找到表头行：表头须包含“隐患名称”及其他至少两列（如隐患等级、生产经营单位）", headerScan), nil)
}

// setHeader makes the header read as cols (ending at row line) the reader's.
func (r *Reader) setHeader(rows *sheetReader, cols []int, ms []HeaderMatch, line int) error {
	header := make([]string, len(ms))
	for i, m := range ms {
		header[i] = m.Header
		if m.How == MatchIgnored && m.Header != "" {
			r.ignored = append(r.ignored, m.Header)
		}
		if m.How == MatchAmbiguous {
			r.ambiguous = true
		}
	}
	r.sheet, r.header, r.cols, r.matches, r.line, r.headerLine = rows, header, cols, ms, line, line
	// A sheet that declares more rows than allowed is refused before any is
	// read (Next still counts, for files whose dimension says less).
	if dim := rows.Dimension(); strings.Contains(dim, ":") {
		if _, last, ok := cellCoords([]byte(dim[strings.IndexByte(dim, ':')+1:])); ok && last-line > r.maxRows {
			return tooManyRows(r.maxRows)
		}
	}
	return nil
}

// readChain reads the hidden sheet of code → chain head, if the file has one.
// A chain sheet that cannot be read is ignored (the heads only help to match
// rows to hazards), unless it is a zip bomb.
func (r *Reader) readChain() error {
	r.heads = map[string]string{}
	sheet := r.wb.sheet(SheetChain)
	if sheet == nil {
		return nil
	}
	rows, err := r.wb.openSheet(sheet)
	if err != nil {
		return bombOnly(err)
	}
	defer rows.Close()
	for n := 0; rows.Next(); n++ {
		if n > r.maxRows+1 {
			return fileErr("too_many_rows", fmt.Sprintf("链头校验表超过%d行", r.maxRows), nil)
		}
		cells := rows.Row()
		if len(cells) < 2 || n == 0 {
			continue
		}
		code, head := strings.ToUpper(strings.TrimSpace(cells[0])), strings.TrimSpace(cells[1])
		if code != "" && len(code) <= 64 && len(head) <= 128 {
			r.heads[code] = head
		}
	}
	return bombOnly(rows.Err())
}

// bombOnly keeps err if it is a *FileError (a zip bomb), else drops it.
func bombOnly(err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}

func tooManyRows(n int) *FileError {
	return fileErr("too_many_rows", fmt.Sprintf("台账超过%d行，请拆分后分批导入", n), nil)
}

// Header returns the header row's cells as the file spells them.
func (r *Reader) Header() []string { return r.header }

// HeaderLine is the row number of the header row.
func (r *Reader) HeaderLine() int { return r.headerLine }

// Columns returns, per header cell, the column (index into Columns) or -1.
func (r *Reader) Columns() []int { return r.cols }

// Ignored lists the header cells the ledger does not know (e.g. 序号).
func (r *Reader) Ignored() []string { return r.ignored }

// Matches says how each header cell was read.
func (r *Reader) Matches() []HeaderMatch { return r.matches }

// Ambiguous reports whether a header could be two columns, or two headers one
// column: the official must say which (DecodeOptions.Mapping).
func (r *Reader) Ambiguous() bool { return r.ambiguous }

// Has reports whether the file has the column key.
func (r *Reader) Has(key string) bool {
	j := ColumnIndex(key)
	for _, c := range r.cols {
		if c == j {
			return true
		}
	}
	return false
}

// ChainHead returns the chain head the hidden sheet records for code.
func (r *Reader) ChainHead(code string) (string, bool) {
	h, ok := r.heads[code]
	return h, ok
}

// Next advances to the next non-blank data row; false at the end or on error
// (see Err). The error is a *FileError: more than the row limit
// (too_many_rows), a row that cannot be read (not_xlsx), or a sheet that
// inflates past what its zip entry declares (zip_bomb).
func (r *Reader) Next() bool {
	if r.err != nil || r.sheet == nil {
		return false
	}
	for r.pending != nil || r.sheet.Next() {
		var cells []string
		if r.pending != nil {
			cells, r.line, r.pending = r.pending, r.pendingLine, nil
		} else {
			r.line, cells = r.sheet.Line(), r.sheet.Row()
		}
		if len(cells) > len(r.header) {
			// Cells right of the header belong to no column. A row reaching
			// far right (a cell in column XFD) would otherwise hold thousands
			// of empty cells for as long as its chunk waits to be written.
			cells = slices.Clone(cells[:len(r.header)])
		}
		if blank(cells) {
			continue
		}
		r.count++
		if r.count > r.maxRows {
			r.err = tooManyRows(r.maxRows)
			return false
		}
		row, errs := ParseRow(r.cols, cells, r.line, r.date1904)
		if row.Code != "" {
			row.ChainHead = r.heads[row.Code]
		}
		r.draft = Draft{Line: r.line, Cells: cells, Row: row, Errors: errs}
		return true
	}
	if err := r.sheet.Err(); err != nil {
		var fe *FileError
		if !errors.As(err, &fe) {
			fe = fileErr("not_xlsx", fmt.Sprintf("第%d行无法读取", r.sheet.Line()), err)
		}
		r.err = fe
	}
	return false
}

// Draft is the current row; valid until the next call of Next.
func (r *Reader) Draft() *Draft { return &r.draft }

// Count is how many data rows were read so far.
func (r *Reader) Count() int { return r.count }

// Err is the error that stopped Next, if any.
func (r *Reader) Err() error { return r.err }

// Close releases the sheet being read.
func (r *Reader) Close() error {
	if r.sheet != nil {
		return r.sheet.Close()
	}
	return nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
