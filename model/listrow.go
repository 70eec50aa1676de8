package model

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// On SQLite the hazard list reads each row as one cell, the JSON array
// json_array makes of its columns (listSelect): strings, integers and null.
// scanJSONRow hands its values to the same destinations rows.Scan fills on
// PostgreSQL, converting as database/sql would for the types the list uses.

// jsonCell is one value of a row: a string, an integer or null.
type jsonCell struct {
	kind byte // 's', 'n' or 0 for null
	s    string
	n    int64
}

// scanJSONRow assigns the values of row, a JSON array as SQLite's json_array
// writes it, to dest in order. Strings without escapes are slices of row.
func scanJSONRow(row string, dest []any) error {
	if len(row) < 2 || row[0] != '[' || row[len(row)-1] != ']' {
		return fmt.Errorf("model: list row is not a JSON array: %.40q", row)
	}
	i := 1
	for k, d := range dest {
		if k > 0 {
			if i >= len(row) || row[i] != ',' {
				return fmt.Errorf("model: list row has %d values, want %d", k, len(dest))
			}
			i++
		}
		c, n, err := readJSONCell(row[i:])
		if err != nil {
			return fmt.Errorf("model: list row, column %s: %w", listColumns[k], err)
		}
		i += n
		if err := c.assign(d); err != nil {
			return fmt.Errorf("model: list row, column %s: %w", listColumns[k], err)
		}
	}
	if i != len(row)-1 {
		return fmt.Errorf("model: list row has more than %d values", len(dest))
	}
	return nil
}

// readJSONCell reads the value at the start of s and how many bytes it took.
func readJSONCell(s string) (jsonCell, int, error) {
	switch {
	case strings.HasPrefix(s, "null"):
		return jsonCell{}, 4, nil
	case strings.HasPrefix(s, `"`):
		j := strings.IndexByte(s[1:], '"') + 1
		if j == 0 {
			return jsonCell{}, 0, fmt.Errorf("unterminated string")
		}
		if strings.IndexByte(s[1:j], '\\') < 0 { // no escapes: the text as it stands
			return jsonCell{kind: 's', s: s[1:j]}, j + 1, nil
		}
		j = 1
		for j < len(s) && s[j] != '"' { // find the end, then let encoding/json unescape
			if s[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(s) {
			return jsonCell{}, 0, fmt.Errorf("unterminated string")
		}
		var v string
		if err := json.Unmarshal([]byte(s[:j+1]), &v); err != nil {
			return jsonCell{}, 0, err
		}
		return jsonCell{kind: 's', s: v}, j + 1, nil
	}
	j := 0
	for j < len(s) && (s[j] == '-' || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	n, err := strconv.ParseInt(s[:j], 10, 64)
	if err != nil || j < len(s) && s[j] != ',' && s[j] != ']' {
		return jsonCell{}, 0, fmt.Errorf("not a string, an integer or null: %.20q", s)
	}
	return jsonCell{kind: 'n', n: n}, j, nil
}

// assign stores c in d, one of the list's destination types.
func (c jsonCell) assign(d any) error {
	switch d := d.(type) {
	case *string:
		switch c.kind {
		case 's':
			*d = c.s
		case 'n':
			*d = strconv.FormatInt(c.n, 10)
		default:
			return fmt.Errorf("null into a string")
		}
		return nil
	case *int64:
		n, err := c.integer()
		*d = n
		return err
	case *int:
		n, err := c.integer()
		*d = int(n)
		return err
	case **int64:
		if c.kind == 0 {
			*d = nil
			return nil
		}
		n, err := c.integer()
		*d = &n
		return err
	case *bool:
		switch c.kind {
		case 'n':
			*d = c.n != 0
		case 's':
			b, err := strconv.ParseBool(c.s)
			*d = b
			return err
		default:
			return fmt.Errorf("null into a bool")
		}
		return nil
	case *timeCell:
		if c.kind != 's' {
			return fmt.Errorf("a time is not text")
		}
		return d.Scan(c.s)
	case *nullDate:
		switch c.kind {
		case 0:
			return d.Scan(nil)
		case 's':
			return d.Scan(c.s)
		}
		return fmt.Errorf("a day is not text")
	}
	return fmt.Errorf("cannot assign to %T", d)
}

// integer is c as an integer (a string holding one counts, as database/sql
// converts it).
func (c jsonCell) integer() (int64, error) {
	switch c.kind {
	case 'n':
		return c.n, nil
	case 's':
		return strconv.ParseInt(c.s, 10, 64)
	}
	return 0, fmt.Errorf("null into an integer")
}
