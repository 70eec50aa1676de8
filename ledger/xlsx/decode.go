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
}

// DecodeOptions bound the work a file can cause.
type DecodeOptions struct {
	// TmpDir is where Report's workbook spills ("" for the system's). Reading
	// streams each sheet from the upload and needs no temporary files.
	TmpDir  string
	MaxRows int // 0 for MaxRows
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
		err := r.findHeader(sheet)
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

// findHeader scans the top of sheet for the header row: the first row naming
// 隐患名称 and at least two other ledger columns. Title rows and merged cells
// above it are skipped.
func (r *Reader) findHeader(sheet *sheetEntry) error {
	rows, err := r.wb.openSheet(sheet)
	if err != nil {
		return sheetError(sheet.name, err)
	}
	title := ColumnIndex(ColTitle)
	for n := 1; n <= headerScan && rows.Next(); n++ {
		cells := rows.Row()
		cols := make([]int, len(cells))
		known, hasTitle := 0, false
		for i, c := range cells {
			cols[i] = -1
			if len(c) > 200 {
				continue
			}
			if j := matchHeader(c); j >= 0 {
				cols[i] = j
				known++
				hasTitle = hasTitle || j == title
			}
		}
		if !hasTitle || known < 3 {
			continue
		}
		seen := map[int]int{}
		for i, j := range cols {
			if j < 0 {
				if h := strings.TrimSpace(cells[i]); h != "" {
					r.ignored = append(r.ignored, h)
				}
				continue
			}
			if prev, dup := seen[j]; dup {
				_ = rows.Close()
				return fileErr("duplicate_column", fmt.Sprintf("第%d行表头中“%s”和“%s”都是%s，请只保留一列", n, strings.TrimSpace(cells[prev]), strings.TrimSpace(cells[i]), Columns[j].Header), nil)
			}
			seen[j] = i
		}
		r.sheet, r.header, r.cols, r.line, r.headerLine = rows, cells, cols, n, n
		// A sheet that declares more rows than allowed is refused before any is
		// read (Next still counts, for files whose dimension says less).
		if dim := rows.Dimension(); strings.Contains(dim, ":") {
			if _, last, ok := cellCoords([]byte(dim[strings.IndexByte(dim, ':')+1:])); ok && last-n > r.maxRows {
				return tooManyRows(r.maxRows)
			}
		}
		return nil
	}
	err = rows.Err()
	_ = rows.Close()
	if err != nil {
		return sheetError(sheet.name, err)
	}
	return fileErr("no_header", fmt.Sprintf("在工作表前%d行中没有找到表头行：表头须包含“隐患名称”及其他至少两列（如隐患等级、生产经营单位）", headerScan), nil)
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
	for r.sheet.Next() {
		r.line = r.sheet.Line()
		cells := r.sheet.Row()
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
