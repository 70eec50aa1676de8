package model

import (
	"strings"
	"testing"
	"time"
)

// TestScanJSONRow: a row as json_array writes it goes to the list's
// destination types, escapes undone; a row that is not one (too few or too
// many values, a fraction, an unterminated string, null into a string) is an
// error naming the column, not a zero value.
func TestScanJSONRow(t *testing.T) {
	var (
		id, n  int64
		ver    int
		code   string
		ent    *int64
		flag   bool
		at     timeCell
		due    nullDate
		noDue  nullDate
		quoted string
	)
	dest := []any{&id, &code, &ent, &ver, &flag, &at, &due, &noDue, &quoted, &n}
	row := `[7,"YH-\"1\"",12,3,1,"2026-12-07 08:09:10.5+00:00","2026-12-31",null,"a\\b\nc\u2028é😀",-4]`
	if err := scanJSONRow(row, dest); err != nil {
		t.Fatal(err)
	}
	if id != 7 || code != `YH-"1"` || ent == nil || *ent != 12 || ver != 3 || !flag || n != -4 {
		t.Errorf("got id %d code %q enterprise %v version %d flag %v n %d", id, code, ent, ver, flag, n)
	}
	if want := time.Date(2026, 12, 7, 8, 9, 10, 5e8, time.UTC); !time.Time(at).Equal(want) {
		t.Errorf("time %v, want %v", time.Time(at), want)
	}
	if d := due.ptr(); d == nil || d.String() != "2026-12-31" || noDue.ptr() != nil {
		t.Errorf("days %v %v", due.ptr(), noDue.ptr())
	}
	if quoted != "a\\b\nc\u2028é😀" {
		t.Errorf("escaped text %q", quoted)
	}
	for _, c := range []struct{ row, want string }{
		{`[7,"YH"]`, "2 values"},
		{`[7,"YH",12,3,1,"2026-12-07 08:09:10+00:00",null,null,"",1,2]`, "more than"},
		{`[7.5,"YH",12,3,1,"2026-12-07 08:09:10+00:00",null,null,"",1]`, "column id"},
		{`[7,null,12,3,1,"2026-12-07 08:09:10+00:00",null,null,"",1]`, "column code"},
		{`[7,"YH,12,3,1]`, "column code"},
		{`[7,"YH",12,3,1,"yesterday",null,null,"",1]`, "column " + listColumns[5]}, // errors name the list's columns
		{`{"id":7}`, "not a JSON array"},
	} {
		err := scanJSONRow(c.row, dest)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.row, err, c.want)
		}
	}
}

// TestDateScanText: a day reads from its text (a date column, or a time's
// first ten characters); what is not a day is an error, not a neighbour.
func TestDateScanText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"2026-12-31", "2026-12-31"}, {"2024-02-29", "2024-02-29"}, {"2026-03-01 00:00:00+00:00", "2026-03-01"},
		{"2026-02-29", ""}, {"2026-13-01", ""}, {"2026-00-10", ""}, {"2026-1-01x", ""}, {"20261231", ""},
	} {
		var d Date
		err := d.Scan(c.in)
		if got := d.String(); c.want == "" && err == nil || c.want != "" && (err != nil || got != c.want) {
			t.Errorf("%q: %s, %v; want %q", c.in, got, err, c.want)
		}
	}
}
