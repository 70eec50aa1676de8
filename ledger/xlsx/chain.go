package xlsx

import (
	"encoding/xml"
	"io"
	"os"
	"strconv"
	"strings"
)

// chainSheet writes the hidden sheet of event-chain heads (隐患编号, 链头) itself,
// not through a second excelize StreamWriter: a StreamWriter keeps up to 16 MiB
// of XML in a buffer that grows to 32 MiB and is never shrunk, and at 100,000
// hazards this sheet is 19 MB, so its stream held another 32 MiB of heap for
// the whole export. Here the rows' XML goes to a temporary file through a
// 64 KiB buffer and is copied into the archive when excelize writes the
// workbook (see Encoder.Close): the workbook, its relations and the sheet's
// hidden state stay excelize's, only the part's content is ours.
type chainSheet struct {
	part string // the sheet's part in the archive, e.g. xl/worksheets/sheet2.xml
	rows int    // data rows written
	s    spool
}

func newChainSheet(part, tmpDir string) *chainSheet {
	c := &chainSheet{part: part, s: spool{dir: tmpDir, prefix: "ledger-chain-"}}
	c.row("隐患编号", "链头")
	return c
}

// add appends a data row; an error of the temporary file is returned by writeTo.
func (c *chainSheet) add(code, head string) {
	c.rows++
	c.row(code, head)
}

func (c *chainSheet) row(code, head string) {
	n := strconv.Itoa(c.rows + 1)
	c.s.WriteString(`<row r="` + n + `">`)
	c.cell("A"+n, code)
	c.cell("B"+n, head)
	c.s.WriteString(`</row>`)
}

// cell writes a text cell as excelize's StreamWriter does: an inline string, so
// that no shared-strings table is held.
func (c *chainSheet) cell(ref, v string) {
	c.s.WriteString(`<c r="` + ref + `" t="inlineStr"><is><t`)
	if v != strings.TrimSpace(v) {
		c.s.WriteString(` xml:space="preserve"`)
	}
	c.s.WriteString(`>`)
	_ = xml.EscapeText(&c.s, []byte(v))
	c.s.WriteString(`</t></is></c>`)
}

const (
	chainSheetHead = xml.Header + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>`
	chainSheetTail = `</sheetData></worksheet>`
)

// writeTo writes the whole part to w.
func (c *chainSheet) writeTo(w io.Writer) error {
	if _, err := io.WriteString(w, chainSheetHead); err != nil {
		return err
	}
	if err := c.s.copyTo(w); err != nil {
		return err
	}
	_, err := io.WriteString(w, chainSheetTail)
	return err
}

// close removes the temporary file.
func (c *chainSheet) close() {
	if c != nil {
		c.s.close()
	}
}

// spoolBuffer is how much a spool holds in memory before it writes to its file.
const spoolBuffer = 64 << 10

// spool collects bytes in a buffer and, past spoolBuffer, in a temporary file
// created on the first overflow (a small export never touches the disk). Writes
// after a failure of the file are dropped; copyTo returns the error.
type spool struct {
	dir    string
	prefix string // of the temporary file's name
	buf    []byte
	f      *os.File
	n      int64 // bytes in f
	err    error
}

func (s *spool) Write(p []byte) (int, error) {
	s.reserve(len(p))
	s.buf = append(s.buf, p...)
	return len(p), nil
}

func (s *spool) WriteString(p string) {
	s.reserve(len(p))
	s.buf = append(s.buf, p...)
}

// reserve makes room for n more bytes in the buffer, writing it out if need be.
func (s *spool) reserve(n int) {
	if len(s.buf)+n > spoolBuffer {
		s.flush()
	}
	if s.buf == nil {
		s.buf = make([]byte, 0, spoolBuffer)
	}
}

func (s *spool) flush() {
	if s.err != nil || len(s.buf) == 0 {
		s.buf = s.buf[:0]
		return
	}
	if s.f == nil {
		if s.f, s.err = os.CreateTemp(s.dir, s.prefix); s.err != nil {
			return
		}
	}
	var n int
	n, s.err = s.f.Write(s.buf)
	s.n += int64(n)
	s.buf = s.buf[:0]
}

// copyTo writes everything written so far to w.
func (s *spool) copyTo(w io.Writer) error {
	if s.f != nil {
		s.flush()
	}
	if s.err != nil {
		return s.err
	}
	if s.f != nil {
		if _, err := io.Copy(w, io.NewSectionReader(s.f, 0, s.n)); err != nil {
			return err
		}
	}
	_, err := w.Write(s.buf)
	return err
}

func (s *spool) close() {
	if s.f != nil {
		_ = s.f.Close()
		_ = os.Remove(s.f.Name())
		s.f = nil
	}
	s.buf = nil
}
