package xlsx

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// dataRows writes the ledger sheet's data rows as XML into a spool, byte for
// byte what excelize's StreamWriter.SetRow writes for the same cells (a test
// holds the two side by side). The StreamWriter keeps the sheet's frame (column
// widths, frozen panes, the title and header rows, the merged title, the table
// with its filter) and Encoder.Close splices these rows in before the frame's
// </sheetData>. Why not SetRow: the StreamWriter keeps up to 16 MiB of rows in
// a bytes.Buffer that it grows 2.5 → 5 → 10 → 20 MiB and never shrinks; at the
// last growth the old and new buffers are live together and the collector
// sets its heap goal from both, which was the whole export's peak memory
// (100.5–104.3 MiB RSS at 100,000 rows, against the 100). A spool holds
// 64 KiB and a temporary file.
type dataRows struct {
	s    spool
	refs []string // column letters, A …
	tmp  []byte   // scratch for text that needs rewriting
}

func newDataRows(tmpDir string, cols int) *dataRows {
	d := &dataRows{s: spool{dir: tmpDir, prefix: "ledger-rows-"}, refs: make([]string, cols)}
	for i := range d.refs {
		d.refs[i], _ = excelize.ColumnNumberToName(i + 1)
	}
	return d
}

// row writes row n with cells (the Encoder's reused slice; a nil Value is an
// empty cell, which SetRow leaves out).
func (d *dataRows) row(n int, cells []excelize.Cell) {
	num := strconv.Itoa(n)
	d.s.WriteString(`<row r="` + num + `">`)
	for i := range cells {
		c := &cells[i]
		if c.Value == nil {
			continue
		}
		d.s.WriteString(`<c r="`)
		d.s.WriteString(d.refs[i])
		d.s.WriteString(num)
		d.s.WriteString(`"`)
		if c.StyleID != 0 {
			d.s.WriteString(` s="`)
			d.s.WriteString(strconv.Itoa(c.StyleID))
			d.s.WriteString(`"`)
		}
		switch v := c.Value.(type) {
		case string:
			d.text(v)
		case int:
			d.number(strconv.Itoa(v))
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				d.text(fmt.Sprint(v))
			} else {
				d.number(formatFloat(v))
			}
		case time.Time:
			_, offset := v.Zone()
			v = v.Add(time.Duration(offset) * time.Second)
			if serial := excelSerial(v); serial > 0 {
				d.number(strconv.FormatFloat(serial, 'f', -1, 64))
			} else {
				d.text(v.Format(time.RFC3339Nano))
			}
		default:
			// values() gives only the kinds above; anything else would be a
			// programming error, written as SetRow writes fmt.Sprint of it.
			d.text(fmt.Sprint(v))
		}
		d.s.WriteString(`</c>`)
	}
	d.s.WriteString(`</row>`)
}

func (d *dataRows) number(v string) {
	d.s.WriteString(`><v>`)
	d.s.WriteString(v) // digits, '.', '-': nothing to escape
	d.s.WriteString(`</v>`)
}

// text writes an inline string as excelize's trimCellValue and writeCell do:
// cut to Excel's 32,767 UTF-16 units, xml:space="preserve" when it starts or
// ends with white space, XML-escaped but for line feeds, and _xHHHH_ sequences
// escaped so Excel does not read them as characters.
func (d *dataRows) text(v string) {
	if len(v) > excelize.TotalCellChars && utf16Len(v) > excelize.TotalCellChars {
		v = truncateUTF16(v, excelize.TotalCellChars)
	}
	d.s.WriteString(` t="inlineStr"><is><t`)
	if v != "" && (isXMLSpace(v[0]) || isXMLSpace(v[len(v)-1])) {
		d.s.WriteString(` xml:space="preserve"`)
	}
	d.s.WriteString(`>`)
	if plainText(v) {
		d.s.WriteString(v)
	} else {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(v))
		esc := b.Bytes()
		if bytes.Contains(esc, []byte("&#xA;")) {
			esc = bytes.ReplaceAll(esc, []byte("&#xA;"), []byte("\n"))
		}
		if bytes.IndexByte(esc, '_') >= 0 {
			d.s.WriteString(bstrMarshal(string(esc)))
		} else {
			_, _ = d.s.Write(esc)
		}
	}
	d.s.WriteString(`</t></is>`)
}

func isXMLSpace(b byte) bool { return b == 9 || b == 10 || b == 13 || b == 32 }

// plainText reports whether v is written as it is: printable ASCII or UTF-8
// without anything XML escapes or _xHHHH_ could start.
func plainText(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c == '_' || c >= 0x80 {
			if c >= 0x80 {
				return plainUTF8(v[i:])
			}
			return false
		}
	}
	return true
}

// plainUTF8 is plainText for the rest of a string holding non-ASCII: valid
// UTF-8 of characters XML allows (xml.EscapeText turns the others into U+FFFD).
func plainUTF8(v string) bool {
	for _, r := range v {
		switch {
		case r == 0xFFFD: // also what invalid UTF-8 decodes to
			return false
		case r < 0x80:
			if r < 0x20 || r == '&' || r == '<' || r == '>' || r == '"' || r == '\'' || r == '_' {
				return false
			}
		case r > 0xFFFD && r < 0x10000, r > 0x10FFFF:
			return false
		}
	}
	return true
}

func truncateUTF16(s string, length int) string {
	n := 0
	for i, r := range s {
		if n += utf16.RuneLen(r); n > length {
			return s[:i]
		}
	}
	return s
}

// The Excel epochs and day length of excelize's date.go.
var (
	excelEpoch1900 = time.Date(1899, time.December, 31, 0, 0, 0, 0, time.UTC)
	excelLeapBug   = time.Date(1900, time.March, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
)

const (
	excelDay         = 24 * time.Hour
	excelMaxDuration = 290 * 364 * excelDay
)

// excelSerial is excelize's timeToExcelTime (1900 system, which the ledger
// writes): the serial number of t's wall clock, 0 before 1900.
func excelSerial(t time.Time) float64 {
	if t.Before(excelEpoch1900) {
		return 0
	}
	tt, diff, result := t, t.Sub(excelEpoch1900), 0.0
	for diff >= excelMaxDuration {
		result += float64(excelMaxDuration / excelDay)
		tt = tt.Add(-excelMaxDuration)
		diff = tt.Sub(excelEpoch1900)
	}
	rem := diff % excelDay
	result += float64(diff-rem)/float64(excelDay) + float64(rem)/float64(excelDay)
	if t.After(excelLeapBug) {
		result++ // Excel counts 29 February 1900, which never was
	}
	return result
}

// formatFloat is excelize's formatCellFloat with automatic precision: at most
// Excel's 15 significant digits.
func formatFloat(value float64) string {
	str := strconv.FormatFloat(value, 'f', -1, 64)
	if math.Abs(value) == math.MaxFloat64 {
		return str
	}
	const maxPrec = 15
	decimal := strings.IndexByte(str, '.')
	significant := 0
	for idx := range str {
		if str[idx] < '0' || str[idx] > '9' || significant == 0 && str[idx] == '0' {
			continue
		}
		significant++
		if significant <= maxPrec {
			continue
		}
		if decimal >= 0 && idx > decimal {
			return strings.TrimSuffix(str[:idx], ".")
		}
		if decimal < 0 {
			decimal = len(str)
		}
		truncated := []byte(str[:decimal])
		for ; idx < len(truncated); idx++ {
			truncated[idx] = '0'
		}
		return string(truncated)
	}
	return str
}

var (
	bstrExp       = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	bstrEscapeExp = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)

// bstrMarshal is excelize's: it escapes the _xHHHH_ sequences of s (Excel's
// notation for characters) as _x005F_xHHHH_ so that they read back as text.
func bstrMarshal(s string) (result string) {
	matches, l, cursor := bstrExp.FindAllStringSubmatchIndex(s, -1), len(s), 0
	for _, match := range matches {
		result += s[cursor:match[0]]
		subStr := s[match[0]:match[1]]
		if subStr == "_x005F_" {
			cursor = match[1]
			if match[1]+6 <= l && bstrEscapeExp.MatchString(s[match[1]:match[1]+6]) {
				_, err := strconv.Unquote(`"\u` + s[match[1]+1:match[1]+5] + `"`)
				if err == nil {
					result += subStr + "x005F" + subStr
					continue
				}
			}
			result += subStr + "x005F_"
			continue
		}
		if bstrExp.MatchString(subStr) {
			cursor = match[1]
			if _, err := strconv.Unquote(`"\u` + s[match[0]+2:match[1]-1] + `"`); err == nil {
				result += "_x005F" + subStr
				continue
			}
		}
	}
	if cursor < l {
		result += s[cursor:]
	}
	return result
}
