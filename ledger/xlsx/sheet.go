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
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads uploaded workbooks. It streams a worksheet straight from its
// inflating zip entry through a small hand-written XML scanner, yielding each
// row as excelize's Rows.Columns(Options{RawCellValue: true}) would, at a small
// fraction of encoding/xml's cost. The small parts (workbook.xml and its
// relationships) are decoded with encoding/xml.

// Limits of a worksheet, as Excel (and excelize) define them, and of what one
// tag, cell or row of an upload may hold.
const (
	totalRows  = 1 << 20 // rows of a worksheet
	maxColumns = 1 << 14 // columns of a worksheet
	// maxTagBytes bounds one tag (or comment, processing instruction…); the
	// scanner's buffer grows to hold a tag whole.
	maxTagBytes = 1 << 20
	// maxCellBytes bounds the text of one cell or shared string: Excel allows
	// 32,767 characters, at most 7 bytes each when written as _xHHHH_.
	maxCellBytes = 1 << 20
	// maxRowBytes bounds the text of one row.
	maxRowBytes = 16 << 20
	scanBuffer  = 64 << 10
	// arenaChunk is the size of the strings shared strings are cut from.
	arenaChunk = 64 << 10
)

var (
	errSheetMissing = errors.New("xlsx: worksheet part not found")
	errTooLong      = errors.New("xlsx: cell text too long")
	errRowTooLong   = errors.New("xlsx: row text too long")
)

func bombErr(cause error) *FileError {
	return fileErr("zip_bomb", "文件解压后内容异常膨胀，可能是压缩炸弹，已拒绝", cause)
}

func tooLargeErr(cause error) *FileError {
	return fileErr("zip_bomb", "文件解压后内容过大，可能是压缩炸弹，已拒绝", cause)
}

// workbook is an uploaded .xlsx opened for reading: its parts by name, its
// sheets in order and, once a sheet has been opened, its shared strings.
type workbook struct {
	parts    map[string]*zip.File // by partName
	sheets   []sheetEntry
	date1904 bool
	sst      []string
	sstErr   error
	sstRead  bool
	inflated int64 // bytes inflated so far, over all parts
}

type sheetEntry struct {
	name   string
	hidden bool   // state="hidden" or "veryHidden"
	part   string // partName of the worksheet, "" when the relationship is missing
}

// partName normalises the name of a zip entry or a resolved relationship
// target: parts are matched case-insensitively, without a leading slash.
func partName(s string) string {
	return strings.ToLower(strings.TrimLeft(strings.ReplaceAll(s, `\`, "/"), "/"))
}

// The parts of workbook.xml and its relationships that the reader needs.
type workbookXML struct {
	XMLName xml.Name `xml:"workbook"`
	Pr      *struct {
		Date1904 bool `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name  string `xml:"name,attr"`
		State string `xml:"state,attr"`
		ID    string `xml:"id,attr"` // r:id
	} `xml:"sheets>sheet"`
}

type relsXML struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Target string `xml:"Target,attr"`
		Type   string `xml:"Type,attr"`
	} `xml:"Relationship"`
}

// openWorkbook reads the workbook's sheet list and the parts holding them.
// Errors: a *FileError for a zip bomb; otherwise the cause (a malformed
// workbook.xml or relationships part, a damaged entry).
func openWorkbook(zr *zip.Reader) (*workbook, error) {
	wb := &workbook{parts: make(map[string]*zip.File, len(zr.File))}
	for _, zf := range zr.File {
		wb.parts[partName(zf.Name)] = zf
	}
	var doc workbookXML
	if err := wb.decodeXML("xl/workbook.xml", &doc); err != nil {
		return nil, err
	}
	var rels relsXML
	if err := wb.decodeXML("xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, err
	}
	if doc.Pr != nil {
		wb.date1904 = doc.Pr.Date1904
	}
	for _, s := range doc.Sheets {
		e := sheetEntry{name: s.Name, hidden: s.State != "" && s.State != "visible"}
		for _, rel := range rels.Rels {
			if rel.ID != s.ID {
				continue
			}
			// Targets are relative to xl/, or absolute from the package root.
			target := strings.ReplaceAll(rel.Target, `\`, "/")
			if !strings.HasPrefix(target, "/") {
				target = "xl/" + target
			}
			if name := partName(path.Clean(target)); wb.parts[name] != nil {
				e.part = name
			}
		}
		wb.sheets = append(wb.sheets, e)
	}
	return wb, nil
}

// decodeXML decodes the small part name into v; a part that is missing or
// empty leaves v alone.
func (wb *workbook) decodeXML(name string, v any) error {
	zf := wb.parts[name]
	if zf == nil {
		return nil
	}
	p, err := wb.open(zf, maxInMemory)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := xml.NewDecoder(p).Decode(v); err != nil && err != io.EOF {
		var fe *FileError
		if errors.As(err, &fe) {
			return fe
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// sheet returns the first sheet named name, compared as Excel does, ignoring case.
func (wb *workbook) sheet(name string) *sheetEntry {
	for i := range wb.sheets {
		if strings.EqualFold(wb.sheets[i].name, name) {
			return &wb.sheets[i]
		}
	}
	return nil
}

// openSheet starts reading the worksheet of e, loading the shared strings the
// first time. Errors: errSheetMissing, a *FileError for a zip bomb, or what
// made the shared strings unreadable.
func (wb *workbook) openSheet(e *sheetEntry) (*sheetReader, error) {
	if !wb.sstRead {
		wb.sstRead = true
		wb.sst, wb.sstErr = wb.loadSharedStrings()
	}
	if wb.sstErr != nil {
		return nil, wb.sstErr
	}
	zf := wb.parts[e.part]
	if e.part == "" || zf == nil {
		return nil, errSheetMissing
	}
	p, err := wb.open(zf, MaxUnzipBytes)
	if err != nil {
		return nil, err
	}
	return newSheetReader(p, wb.sst), nil
}

// part inflates one zip entry and holds it to its directory entry: it may not
// yield more than the entry declares (nor less), nor take the workbook's total
// past MaxUnzipBytes, and must match the declared CRC-32.
type part struct {
	name  string
	r     io.Reader
	c     io.Closer
	size  uint64 // declared
	n     uint64
	crc   uint32
	want  uint32
	total *int64
	err   error
}

// open starts inflating zf, refusing as a zip bomb an entry that declares more
// than limit bytes.
func (wb *workbook) open(zf *zip.File, limit int64) (*part, error) {
	if zf.UncompressedSize64 > uint64(limit) {
		return nil, tooLargeErr(fmt.Errorf("%s declares %d bytes", zf.Name, zf.UncompressedSize64))
	}
	raw, err := zf.OpenRaw()
	if err != nil {
		return nil, err
	}
	p := &part{name: zf.Name, size: zf.UncompressedSize64, want: zf.CRC32, total: &wb.inflated}
	switch zf.Method {
	case zip.Store:
		p.r = raw
	case zip.Deflate:
		fr := flate.NewReader(raw)
		p.r, p.c = fr, fr
	default:
		return nil, zip.ErrAlgorithm
	}
	return p, nil
}

func (p *part) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.r.Read(b)
	p.n += uint64(n)
	*p.total += int64(n)
	switch {
	case p.n > p.size:
		p.err = bombErr(fmt.Errorf("%s inflates past the %d bytes it declares", p.name, p.size))
		return 0, p.err
	case *p.total > MaxUnzipBytes:
		p.err = tooLargeErr(fmt.Errorf("the workbook inflates past %d bytes", int64(MaxUnzipBytes)))
		return 0, p.err
	}
	p.crc = crc32.Update(p.crc, crc32.IEEETable, b[:n])
	if err == io.EOF {
		if p.n != p.size {
			err = io.ErrUnexpectedEOF
		} else if p.want != 0 && p.crc != p.want {
			err = zip.ErrChecksum
		}
	}
	if err != nil {
		p.err = err
	}
	return n, err
}

func (p *part) Close() error {
	if p.c != nil {
		return p.c.Close()
	}
	return nil
}

// loadSharedStrings reads xl/sharedStrings.xml (none is no strings). The table
// is bounded by maxInMemory, counting each string's header: past it the file is
// a zip bomb.
func (wb *workbook) loadSharedStrings() ([]string, error) {
	zf := wb.parts["xl/sharedstrings.xml"]
	if zf == nil {
		return nil, nil
	}
	p, err := wb.open(zf, maxInMemory)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	return readSharedStrings(p)
}

// readSharedStrings reads the <si> items of a shared-strings part in order.
func readSharedStrings(p io.Reader) ([]string, error) {
	var (
		sc    xmlScanner
		out   []string
		t, r  []byte
		arena stringArena
		depth int
		mem   int
	)
	sc.reset(p)
	for sc.skipText() && sc.tag() {
		switch sc.kind {
		case tagStart:
			if depth != 1 || string(sc.name) != "si" {
				depth++
				continue
			}
			var ok bool
			if t, r, ok = sc.si(t[:0], r[:0]); !ok {
				return nil, sc.err
			}
			t = bstrDecode(append(t, r...))
			mem += len(t) + 16
			if mem > maxInMemory {
				return nil, tooLargeErr(errors.New("shared strings table too large"))
			}
			out = arena.add(out, t)
		case tagEmpty:
			if depth == 1 && string(sc.name) == "si" {
				// An empty item costs its header too: a table of millions of
				// <si/> inflates from almost nothing.
				if mem += 16; mem > maxInMemory {
					return nil, tooLargeErr(errors.New("shared strings table too large"))
				}
				out = arena.add(out, nil)
			}
		case tagEnd:
			depth--
		case tagCDATA:
			sc.cdata(nil, false)
		}
	}
	if sc.err != nil {
		return nil, sc.err
	}
	return arena.flush(out), nil
}

// stringArena cuts many small strings from a few larger allocations.
type stringArena struct {
	buf   []byte
	ends  []int // end of each pending string in buf
	first int   // index in out of the first pending string
}

// add appends b as a string to out (filled in by flush).
func (a *stringArena) add(out []string, b []byte) []string {
	if len(a.buf)+len(b) > arenaChunk && len(a.buf) > 0 {
		out = a.flush(out)
	}
	if a.buf == nil {
		a.buf = make([]byte, 0, arenaChunk)
	}
	a.buf = append(a.buf, b...)
	a.ends = append(a.ends, len(a.buf))
	return append(out, "")
}

func (a *stringArena) flush(out []string) []string {
	s, lo := string(a.buf), 0
	for i, hi := range a.ends {
		out[a.first+i] = s[lo:hi]
		lo = hi
	}
	a.buf, a.ends, a.first = a.buf[:0], a.ends[:0], len(out)
	return out
}

// sheetReader streams the rows of a worksheet. Next advances one row number at
// a time, as excelize's Rows.Next does: a row the sheet leaves out reads as no
// cells, so Line is the row number Excel shows.
type sheetReader struct {
	sc    xmlScanner
	part  *part
	sst   []string
	dim   string // <dimension ref>, if it comes before the first row
	line  int    // the row Row holds (while reading, the row being read)
	cur   int    // number of the last <row> started (excelize's curRow)
	next  int    // number of the <row> started but not yet read, 0 if none
	done  bool
	err   error
	cells []string

	// The row being read, reused: the column of the last cell (1-based), how
	// many cells the row has so far, the text of the cells and where each is.
	col   int
	width int
	ref   []byte // the cell's r
	text  []byte
	spans []cellSpan
	isT   []byte
	isR   []byte
}

// cellSpan is a cell of the row being read: at index at, either the text
// text[lo:hi] of the row or (lo < 0) the shared string str.
type cellSpan struct {
	at, lo, hi int
	str        string
}

// newSheetReader reads the worksheet XML in r (a *part, closed by Close),
// resolving shared strings from sst.
func newSheetReader(r io.Reader, sst []string) *sheetReader {
	sr := &sheetReader{sst: sst}
	if p, ok := r.(*part); ok {
		sr.part = p
	}
	sr.sc.reset(r)
	return sr
}

// Next advances to the next row; false at the end of the sheet or on an error
// (see Err).
func (sr *sheetReader) Next() bool {
	if sr.err != nil {
		return false
	}
	sr.line++
	sr.cells = nil
	if sr.next == 0 && !sr.done {
		sr.seekRow()
	}
	if sr.err != nil {
		return false
	}
	if sr.next == 0 {
		sr.line--
		return false
	}
	if sr.next > sr.line {
		return true // a row the sheet leaves out
	}
	sr.readRow()
	return sr.err == nil
}

// Row returns the current row's cells: trailing empty cells left out, nil for
// an empty row. The slice is the caller's.
func (sr *sheetReader) Row() []string { return sr.cells }

// Line is the current row's number; after an error, the number of the row
// being read.
func (sr *sheetReader) Line() int { return sr.line }

// Dimension is the ref of the sheet's <dimension> ("A1:AE100" or "A1"), once
// the first row has been read; "" if the sheet has none before its rows.
func (sr *sheetReader) Dimension() string { return sr.dim }

// Err is what stopped Next: a *FileError for a zip bomb, otherwise the cause.
func (sr *sheetReader) Err() error { return sr.err }

// Close releases the inflater.
func (sr *sheetReader) Close() error {
	if sr.part == nil {
		return nil
	}
	return sr.part.Close()
}

func (sr *sheetReader) fail(err error) {
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	if sr.err == nil {
		sr.err = err
	}
}

// seekRow reads up to the first <row>, noting the <dimension> on the way.
func (sr *sheetReader) seekRow() {
	s := &sr.sc
	for s.skipText() && s.tag() {
		switch s.kind {
		case tagStart, tagEmpty:
			switch string(s.name) {
			case "row":
				if sr.startRow() {
					sr.next = sr.cur
				}
				return
			case "dimension":
				if v, ok := s.attr("ref"); ok && sr.dim == "" {
					sr.dim = string(v)
				}
			}
		case tagEnd:
			if string(s.name) == "sheetData" {
				sr.done = true
				return
			}
		case tagCDATA:
			s.cdata(nil, false)
		}
	}
	if s.err != nil {
		sr.fail(s.err)
	}
	sr.done = true
}

// startRow takes the number of the <row> just read: its r, or one past the
// previous row's.
func (sr *sheetReader) startRow() bool {
	n := 0
	for _, a := range sr.sc.attrs {
		if string(a.name) != "r" {
			continue
		}
		v, ok := parseInt(sr.sc.value(a.value))
		if !ok || v < 0 || v > totalRows {
			sr.fail(fmt.Errorf("xlsx: invalid row number %q", a.value))
			return false
		}
		n = v
	}
	if n != 0 {
		sr.cur = n
	} else {
		sr.cur++
	}
	return true
}

// readRow reads the cells of row sr.line, up to the next row that starts after
// it or the end of the sheet. Like excelize, a <row> numbered at or before the
// current one continues it.
func (sr *sheetReader) readRow() {
	s := &sr.sc
	sr.next, sr.col, sr.width = 0, 0, 0
	sr.text, sr.spans = sr.text[:0], sr.spans[:0]
loop:
	for {
		if !s.skipText() || !s.tag() {
			if s.err != nil {
				sr.fail(s.err)
				return
			}
			sr.done = true
			break
		}
		switch s.kind {
		case tagStart, tagEmpty:
			switch string(s.name) {
			case "c":
				if !sr.cell(s.kind == tagEmpty) {
					return
				}
			case "row":
				if !sr.startRow() {
					return
				}
				if sr.cur > sr.line {
					sr.next = sr.cur
					break loop
				}
			}
		case tagEnd:
			if string(s.name) == "sheetData" {
				sr.done = true
				break loop
			}
		case tagCDATA:
			s.cdata(nil, false)
		}
	}
	if sr.width == 0 {
		return
	}
	all := string(sr.text)
	cells := make([]string, sr.width)
	for _, c := range sr.spans {
		if c.lo < 0 {
			cells[c.at] = c.str
		} else {
			cells[c.at] = all[c.lo:c.hi]
		}
	}
	sr.cells = cells
}

// Cell types that read other than as their <v>.
const (
	cellValue = iota
	cellShared
	cellInline
)

// cell reads the <c> just started, as excelize's rowXMLHandler does: the
// column is the cell's r or one past the previous cell's; a cell with a value
// or a formula is placed there (or, when out of order, after the last one).
func (sr *sheetReader) cell(empty bool) bool {
	s := &sr.sc
	sr.col++
	typ, dead := cellValue, false
	sr.ref = sr.ref[:0] // the last r wins
attrs:
	for _, a := range s.attrs {
		switch string(a.name) {
		case "r":
			sr.ref = append(sr.ref[:0], s.value(a.value)...)
		case "s":
			// excelize gives up on a cell whose style is not an integer:
			// it has no value, and its children read as the row's.
			if _, ok := parseInt(s.value(a.value)); !ok {
				dead = true
				break attrs
			}
		case "t":
			switch string(s.value(a.value)) {
			case "s":
				typ = cellShared
			case "inlineStr":
				typ = cellInline
			default:
				typ = cellValue
			}
		}
	}
	if len(sr.ref) > 0 {
		col, _, ok := cellCoords(sr.ref)
		if !ok {
			sr.fail(fmt.Errorf("xlsx: invalid cell reference %q", sr.ref))
			return false
		}
		sr.col = col
	}
	if dead || empty {
		return true
	}
	m := len(sr.text)
	hasF, hasIS, ok := sr.cellBody(m)
	if !ok {
		sr.fail(s.err)
		return false
	}
	c := cellSpan{lo: m}
	switch typ {
	case cellShared:
		// An index outside the table reads as empty: excelize drops the
		// error getValueFrom returns for it.
		if v := sr.text[m:]; len(v) > 0 {
			c.lo = -1
			if i := sharedIndex(v); i >= 0 && i < len(sr.sst) {
				c.str = sr.sst[i]
			}
		}
		sr.text = sr.text[:m]
	case cellInline:
		if hasIS {
			sr.text = append(append(sr.text[:m], sr.isT...), sr.isR...)
			sr.text = sr.text[:m+len(bstrDecode(sr.text[m:]))]
		}
	}
	blank := c.lo < 0 && c.str == "" || c.lo >= 0 && len(sr.text) == m
	if blank && !hasF {
		return true
	}
	if len(sr.text) > maxRowBytes {
		sr.fail(errRowTooLong)
		return false
	}
	c.at = max(sr.col-1, sr.width)
	c.hi = len(sr.text)
	sr.width = c.at + 1
	sr.spans = append(sr.spans, c)
	return true
}

// cellBody reads the children of a <c> up to its end, as excelize's
// cellXMLHandler does: the text of its last <v> replaces sr.text[m:], an <f>
// (even empty) marks a formula, each <is> adds to the inline string in
// sr.isT and sr.isR; all else is passed over, its children included.
func (sr *sheetReader) cellBody(m int) (hasF, hasIS, ok bool) {
	s := &sr.sc
	sr.isT, sr.isR = sr.isT[:0], sr.isR[:0]
	for {
		if !s.skipText() || !s.tag() {
			return hasF, hasIS, s.eofErr()
		}
		ok = true
		switch s.kind {
		case tagStart:
			switch string(s.name) {
			case "v":
				sr.text, ok = s.elementText(sr.text[:m])
			case "f":
				hasF, ok = true, s.skip()
			case "is":
				hasIS = true
				sr.isT, sr.isR, ok = s.si(sr.isT, sr.isR)
			}
		case tagEmpty:
			switch string(s.name) {
			case "v":
				sr.text = sr.text[:m]
			case "f":
				hasF = true
			case "is":
				hasIS = true
			case "c":
				return hasF, hasIS, true
			}
		case tagEnd:
			if string(s.name) == "c" {
				return hasF, hasIS, true
			}
		case tagCDATA:
			_, ok = s.cdata(nil, false)
		}
		if !ok {
			return hasF, hasIS, false
		}
	}
}

// sharedIndex reads a shared-string index as excelize does:
// strconv.Atoi(strings.TrimSpace(v)), anything but a number counting as 0.
func sharedIndex(v []byte) int {
	if n, ok := parseDigits(v); ok {
		return n
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(v)))
	return n
}

// parseDigits reads up to 18 ASCII digits.
func parseDigits(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseInt reads v as strconv.Atoi does.
func parseInt(v []byte) (int, bool) {
	if n, ok := parseDigits(v); ok {
		return n, true
	}
	n, err := strconv.Atoi(string(v))
	return n, err == nil
}

// cellCoords reads a cell reference ("B3", "$AB$12") as excelize's
// CellNameToCoordinates does: letters (and $) then a row number in 1…1048576,
// at most column XFD.
func cellCoords(b []byte) (col, row int, ok bool) {
	i := 0
	for i < len(b) && (isLetter(b[i]) || b[i] == '$') {
		i++
	}
	if i == 0 || i == len(b) {
		return 0, 0, false
	}
	for _, c := range b[i:] {
		if isLetter(c) || c == '$' {
			return 0, 0, false
		}
	}
	row, ok = parseInt(b[i:])
	if !ok || row <= 0 || row > totalRows {
		return 0, 0, false
	}
	for _, c := range b[:i] {
		if c == '$' {
			continue
		}
		col = col*26 + int(c|0x20) - 'a' + 1
		if col > maxColumns {
			return 0, 0, false
		}
	}
	return col, row, col > 0
}

func isLetter(c byte) bool { return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' }

// bstrDecode decodes, in place, the _xHHHH_ escapes Office writes for
// characters XML cannot hold, exactly as excelize's bstrUnmarshal does:
// _x005F_ is "_", an escaped surrogate is dropped.
func bstrDecode(b []byte) []byte {
	i := bytes.IndexByte(b, '_')
	if i < 0 {
		return b
	}
	w := i
	for i < len(b) {
		if b[i] == '_' && i+7 <= len(b) && b[i+1] == 'x' && b[i+6] == '_' {
			if r, ok := hex4(b[i+2 : i+6]); ok {
				if !(0xD800 <= r && r <= 0xDFFF) {
					w += utf8.EncodeRune(b[w:], r)
				}
				i += 7
				continue
			}
		}
		b[w] = b[i]
		w++
		i++
	}
	return b[:w]
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		d, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | d
	}
	return r, true
}

func hexDigit(c byte) (rune, bool) {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0'), true
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10), true
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10), true
	}
	return 0, false
}

// Kinds of markup the scanner reads.
const (
	tagStart = iota + 1 // <x …>
	tagEmpty            // <x …/>
	tagEnd              // </x>
	tagCDATA            // <![CDATA[, its content not yet read (see cdata)
	tagOther            // a comment, processing instruction or DOCTYPE
)

// xmlScanner tokenises one XML part as it inflates. It knows what
// SpreadsheetML needs: tags with namespace prefixes (names are matched on
// their local part, as encoding/xml's Name.Local) and quoted attributes;
// character data with the predefined and numeric entities, decoded as
// encoding/xml does in non-strict mode (an unknown entity stays as written,
// "\r\n" and "\r" become "\n"); CDATA sections; comments, processing
// instructions and a DOCTYPE, which it skips. It does not check that tags
// nest or that characters are allowed in XML, and treats text as UTF-8:
// another declared encoding is an error.
//
// After tag, name and attrs point into the buffer until the next call.
type xmlScanner struct {
	src      io.Reader
	buf      []byte
	pos, end int // buf[pos:end] is unread
	eof      bool
	err      error

	kind  int
	name  []byte // local name of the last tag
	attrs []xmlAttr
	raw   []byte // text that spans refills
	val   []byte // a decoded attribute value
}

type xmlAttr struct{ name, value []byte }

func (s *xmlScanner) reset(r io.Reader) {
	s.src, s.pos, s.end, s.eof, s.err = r, 0, 0, false, nil
	if s.buf == nil {
		s.buf = make([]byte, scanBuffer)
	}
}

// fill reads more input, moving buf[pos:end] to the front (or growing the
// buffer when it is all unread); it reports whether anything was added.
func (s *xmlScanner) fill() bool {
	if s.eof || s.err != nil {
		return false
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxTagBytes {
			s.err = errors.New("xlsx: markup too long")
			return false
		}
		s.buf = append(s.buf, make([]byte, len(s.buf))...)
	}
	for range 100 {
		n, err := s.src.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			s.err = err
		}
		if n > 0 || err != nil {
			return n > 0
		}
	}
	s.err = io.ErrNoProgress
	return false
}

// skipText discards character data up to the next '<'; false at the end of
// the input (or on an error).
func (s *xmlScanner) skipText() bool {
	if s.err != nil {
		return false
	}
	if s.pos < s.end && s.buf[s.pos] == '<' {
		return true
	}
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '<'); i >= 0 {
			s.pos += i
			return true
		}
		s.pos = s.end
		if !s.fill() {
			return false
		}
	}
}

// appendText decodes character data up to the next '<' (or the end of the
// input) onto dst.
func (s *xmlScanner) appendText(dst []byte) []byte {
	b := s.buf[s.pos:s.end]
	if i := bytes.IndexByte(b, '<'); i >= 0 {
		s.pos += i
		return appendXMLText(dst, b[:i])
	}
	s.raw = append(s.raw[:0], b...)
	s.pos = s.end
	for s.fill() {
		b = s.buf[s.pos:s.end]
		if i := bytes.IndexByte(b, '<'); i >= 0 {
			s.raw = append(s.raw, b[:i]...)
			s.pos += i
			break
		}
		s.raw = append(s.raw, b...)
		s.pos = s.end
		if len(s.raw) > maxCellBytes {
			s.err = errTooLong
			return dst
		}
	}
	return appendXMLText(dst, s.raw)
}

// cdata reads the rest of a CDATA section, appending its content to dst when
// keep.
func (s *xmlScanner) cdata(dst []byte, keep bool) ([]byte, bool) {
	s.raw = s.raw[:0]
	for {
		b := s.buf[s.pos:s.end]
		if i := bytes.Index(b, []byte("]]>")); i >= 0 {
			if keep {
				s.raw = append(s.raw, b[:i]...)
			}
			s.pos += i + 3
			break
		}
		k := max(len(b)-2, 0) // the last two bytes may begin "]]>"
		if keep {
			s.raw = append(s.raw, b[:k]...)
			if len(s.raw) > maxCellBytes {
				s.err = errTooLong
				return dst, false
			}
		}
		s.pos += k
		if !s.fill() {
			if s.err == nil {
				s.err = io.ErrUnexpectedEOF
			}
			return dst, false
		}
	}
	if !keep {
		return dst, true
	}
	return appendNewlines(dst, s.raw), true
}

// tag reads the markup at buf[pos] (a '<'), setting kind, name and attrs;
// false at the end of the input or on an error.
func (s *xmlScanner) tag() bool {
	if s.err != nil {
		return false
	}
	for {
		done, err := s.parseTag()
		if err != nil {
			s.err = err
			return false
		}
		if done {
			return true
		}
		if !s.fill() {
			if s.err == nil {
				s.err = io.ErrUnexpectedEOF
			}
			return false
		}
	}
}

// parseTag parses the markup at buf[pos]; done is false when the buffer does
// not hold all of it yet.
func (s *xmlScanner) parseTag() (done bool, err error) {
	b := s.buf[s.pos:s.end]
	if len(b) < 2 {
		return false, nil
	}
	switch b[1] {
	case '/':
		i := 2
		for i < len(b) && b[i] != '>' {
			i++
		}
		if i == len(b) {
			return false, nil
		}
		n := i
		for n > 2 && isSpace(b[n-1]) {
			n--
		}
		s.kind, s.name = tagEnd, localName(b[2:n])
		s.pos += i + 1
		return true, nil
	case '?':
		i := bytes.Index(b[2:], []byte("?>"))
		if i < 0 {
			return false, nil
		}
		if err := checkDecl(b[2 : 2+i]); err != nil {
			return false, err
		}
		s.kind = tagOther
		s.pos += 2 + i + 2
		return true, nil
	case '!':
		return s.parseBang(b)
	}
	i := 1
	for i < len(b) && !isSpace(b[i]) && b[i] != '>' && b[i] != '/' {
		i++
	}
	if i == len(b) {
		return false, nil
	}
	if i == 1 {
		return false, errors.New("xlsx: expected element name after <")
	}
	name := b[1:i]
	s.attrs = s.attrs[:0]
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return false, nil
		}
		switch b[i] {
		case '>':
			s.kind, s.name = tagStart, localName(name)
			s.pos += i + 1
			return true, nil
		case '/':
			if i+1 == len(b) {
				return false, nil
			}
			if b[i+1] != '>' {
				return false, errors.New("xlsx: expected /> in element")
			}
			s.kind, s.name = tagEmpty, localName(name)
			s.pos += i + 2
			return true, nil
		}
		j := i
		for j < len(b) && b[j] != '=' && !isSpace(b[j]) && b[j] != '>' && b[j] != '/' {
			j++
		}
		an := b[i:j]
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j == len(b) {
			return false, nil
		}
		if len(an) == 0 || b[j] != '=' {
			return false, errors.New("xlsx: attribute without a value")
		}
		for j++; j < len(b) && isSpace(b[j]); j++ {
		}
		if j == len(b) {
			return false, nil
		}
		q := b[j]
		if q != '"' && q != '\'' {
			return false, errors.New("xlsx: unquoted attribute value")
		}
		k := j + 1
		for k < len(b) && b[k] != q {
			k++
		}
		if k == len(b) {
			return false, nil
		}
		s.attrs = append(s.attrs, xmlAttr{name: localName(an), value: b[j+1 : k]})
		i = k + 1
	}
}

// parseBang parses a comment, CDATA section or DOCTYPE.
func (s *xmlScanner) parseBang(b []byte) (bool, error) {
	switch {
	case len(b) < 9 && (bytes.HasPrefix([]byte("<![CDATA["), b) || bytes.HasPrefix([]byte("<!--"), b)):
		return false, nil
	case bytes.HasPrefix(b, []byte("<![CDATA[")):
		s.kind = tagCDATA
		s.pos += 9
		return true, nil
	case bytes.HasPrefix(b, []byte("<!--")):
		i := bytes.Index(b[4:], []byte("-->"))
		if i < 0 {
			return false, nil
		}
		s.kind = tagOther
		s.pos += 4 + i + 3
		return true, nil
	}
	// A directive (<!DOCTYPE …>), ended as encoding/xml ends one: at the
	// first '>' outside quotes and nested <…>, the byte after "<!" taken as
	// is, comments within skipped.
	if len(b) < 3 {
		return false, nil
	}
	quote, depth := byte(0), 0
	for i := 3; i < len(b); i++ {
		c := b[i]
		if quote == 0 && c == '>' && depth == 0 {
			s.kind = tagOther
			s.pos += i + 1
			return true, nil
		}
	again:
		switch {
		case c == quote:
			quote = 0
		case quote != 0:
		case c == '\'' || c == '"':
			quote = c
		case c == '>':
			depth--
		case c == '<':
			const open = "!--"
			for j := range len(open) {
				if i+1 >= len(b) {
					return false, nil
				}
				i++
				if c = b[i]; c != open[j] {
					depth++
					goto again
				}
			}
			end := bytes.Index(b[i+1:], []byte("-->"))
			if end < 0 {
				return false, nil
			}
			i += end + 3
		}
	}
	return false, nil
}

// checkDecl refuses an XML declaration naming an encoding other than UTF-8
// (encoding/xml, and so excelize, cannot read one either), finding it as
// encoding/xml does.
func checkDecl(pi []byte) error {
	n := 0
	for n < len(pi) && (pi[n] >= utf8.RuneSelf || isNameByte(pi[n])) {
		n++
	}
	if string(pi[:n]) != "xml" {
		return nil
	}
	if enc := procInst("encoding", pi[n:]); len(enc) > 0 && !strings.EqualFold(string(enc), "utf-8") {
		return fmt.Errorf("xlsx: unsupported encoding %q", enc)
	}
	return nil
}

// procInst is encoding/xml's: the value of param in a processing instruction.
func procInst(param string, s []byte) []byte {
	param += "="
	i, sep := 0, byte(0)
	for i < len(s) {
		sub := s[i:]
		k := bytes.Index(sub, []byte(param))
		if k < 0 || len(param)+k >= len(sub) {
			return nil
		}
		i += len(param) + k + 1
		if c := sub[len(param)+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return nil
	}
	j := bytes.IndexByte(s[i:], sep)
	if j < 0 {
		return nil
	}
	return s[i : i+j]
}

func isNameByte(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || c == '_' || c == ':' || c == '.' || c == '-'
}

// attr returns the decoded value of the last tag's attribute named name.
func (s *xmlScanner) attr(name string) ([]byte, bool) {
	for i := len(s.attrs) - 1; i >= 0; i-- {
		if string(s.attrs[i].name) == name {
			return s.value(s.attrs[i].value), true
		}
	}
	return nil, false
}

// value decodes an attribute value (valid until the next call).
func (s *xmlScanner) value(v []byte) []byte {
	for _, c := range v {
		if c == '&' || c == '\r' {
			s.val = appendXMLText(s.val[:0], v)
			return s.val
		}
	}
	return v
}

// skip reads to the end of the element just started.
func (s *xmlScanner) skip() bool {
	for depth := 1; depth > 0; {
		if !s.skipText() || !s.tag() {
			return s.eofErr()
		}
		switch s.kind {
		case tagStart:
			depth++
		case tagEnd:
			depth--
		case tagCDATA:
			if _, ok := s.cdata(nil, false); !ok {
				return false
			}
		}
	}
	return true
}

// elementText reads to the end of the element just started, appending its
// character data (not that of elements within it) to dst.
func (s *xmlScanner) elementText(dst []byte) ([]byte, bool) {
	start := len(dst)
	for {
		dst = s.appendText(dst)
		if len(dst)-start > maxCellBytes {
			s.err = errTooLong
		}
		if s.err != nil || !s.tag() {
			return dst, s.eofErr()
		}
		var ok bool
		switch s.kind {
		case tagStart:
			ok = s.skip()
		case tagEnd:
			return dst, true
		case tagCDATA:
			dst, ok = s.cdata(dst, true)
		default:
			ok = true
		}
		if !ok {
			return dst, false
		}
	}
}

// si reads the rest of a string item (a shared <si> or an inline <is>) as
// encoding/xml fills excelize's xlsxSI: t becomes the text of its last direct
// <t>, r gains the text of each run's last <t>; phonetic runs and all else are
// skipped. The item's text is t followed by r, then bstrDecode.
func (s *xmlScanner) si(t, r []byte) ([]byte, []byte, bool) {
	for {
		if !s.skipText() || !s.tag() {
			return t, r, s.eofErr()
		}
		ok := true
		switch s.kind {
		case tagStart:
			switch string(s.name) {
			case "t":
				t, ok = s.elementText(t[:0])
			case "r":
				r, ok = s.run(r)
			default:
				ok = s.skip()
			}
		case tagEmpty:
			if string(s.name) == "t" {
				t = t[:0]
			}
		case tagEnd:
			return t, r, true
		case tagCDATA:
			_, ok = s.cdata(nil, false)
		}
		if ok && len(t)+len(r) > maxCellBytes {
			s.err, ok = errTooLong, false
		}
		if !ok {
			return t, r, false
		}
	}
}

// run reads the rest of a rich-text run, appending the text of its last <t>.
func (s *xmlScanner) run(r []byte) ([]byte, bool) {
	m := len(r)
	for {
		if !s.skipText() || !s.tag() {
			return r, s.eofErr()
		}
		ok := true
		switch s.kind {
		case tagStart:
			if string(s.name) == "t" {
				r, ok = s.elementText(r[:m])
			} else {
				ok = s.skip()
			}
		case tagEmpty:
			if string(s.name) == "t" {
				r = r[:m]
			}
		case tagEnd:
			return r, true
		case tagCDATA:
			_, ok = s.cdata(nil, false)
		}
		if !ok {
			return r, false
		}
	}
}

// eofErr records that the input ended inside an element; it returns false.
func (s *xmlScanner) eofErr() bool {
	if s.err == nil {
		s.err = io.ErrUnexpectedEOF
	}
	return false
}

// localName drops a namespace prefix as encoding/xml does: "x:row" is "row".
func localName(n []byte) []byte {
	for i, c := range n {
		if c == ':' {
			if i > 0 && i < len(n)-1 {
				return n[i+1:]
			}
			break
		}
	}
	return n
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// appendXMLText decodes character data as encoding/xml does in non-strict
// mode: &lt; &gt; &amp; &apos; &quot; and &#NN; &#xHH; become their
// characters (a reference past U+10FFFF, or malformed, stays as written);
// "\r\n" and "\r" become "\n".
func appendXMLText(dst, src []byte) []byte {
	for {
		i := 0
		for i < len(src) && src[i] != '&' && src[i] != '\r' {
			i++
		}
		dst = append(dst, src[:i]...)
		if i == len(src) {
			return dst
		}
		src = src[i:]
		if src[0] == '\r' {
			dst = append(dst, '\n')
			src = src[1:]
			if len(src) > 0 && src[0] == '\n' {
				src = src[1:]
			}
			continue
		}
		r, n := entity(src)
		if n == 0 {
			dst = append(dst, '&')
			src = src[1:]
			continue
		}
		dst = utf8.AppendRune(dst, r)
		src = src[n:]
	}
}

// entity decodes the reference at the start of b ("&…;"), returning its
// character and length, or n == 0.
func entity(b []byte) (r rune, n int) {
	for _, e := range [...]struct {
		s string
		r rune
	}{{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&apos;", '\''}, {"&quot;", '"'}} {
		if bytes.HasPrefix(b, []byte(e.s)) {
			return e.r, len(e.s)
		}
	}
	if len(b) < 3 || b[1] != '#' {
		return 0, 0
	}
	i, base := 2, rune(10)
	if b[2] == 'x' {
		i, base = 3, 16
	}
	start, v := i, rune(0)
	for ; i < len(b); i++ {
		d, ok := hexDigit(b[i])
		if !ok || d >= base {
			break
		}
		if v <= utf8.MaxRune {
			v = v*base + d
		}
	}
	if i == start || i == len(b) || b[i] != ';' || v > utf8.MaxRune {
		return 0, 0
	}
	return v, i + 1
}

// appendNewlines appends CDATA content, "\r\n" and "\r" becoming "\n".
func appendNewlines(dst, src []byte) []byte {
	for {
		i := bytes.IndexByte(src, '\r')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(append(dst, src[:i]...), '\n')
		src = src[i+1:]
		if len(src) > 0 && src[0] == '\n' {
			src = src[1:]
		}
	}
}
