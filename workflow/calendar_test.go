package workflow

import (
	"errors"
	"slices"
	"testing"

	"hazardloop/model"
)

func day(s string) model.Date {
	d, ok := parseDay(s)
	if !ok {
		panic(s)
	}
	return d
}

func TestShippedCalendar2026(t *testing.T) {
	files, err := ShippedCalendars()
	if err != nil {
		t.Fatal(err)
	}
	c := NewCalendar(files...)
	if _, ok := c.Years()[2026]; !ok {
		t.Fatal("2026 is not shipped")
	}
	if _, ok := c.Years()[2027]; !ok {
		t.Fatal("2027 is not shipped")
	}
	for s, want := range map[string]bool{
		"2026-10-01": false, // 国庆节, a Thursday
		"2026-10-07": false,
		"2026-10-08": true,
		"2026-10-10": true,  // a Saturday worked (调休)
		"2026-10-11": false, // a plain Sunday
		"2026-02-14": true,  // Saturday before 春节, worked
		"2026-02-16": false, // 春节
		"2026-11-30": true,  // a plain Monday
		"2028-03-01": true,  // unknown year: Monday to Friday
		"2028-03-04": false,
	} {
		if got := c.WorkingDay(day(s)); got != want {
			t.Errorf("WorkingDay(%s) = %v, want %v", s, got, want)
		}
	}
	// Five working days after Tuesday 2026-09-29: 9-30, then the National Day
	// week off, then Thursday 10-08, Friday 10-09, Saturday 10-10 (调休), Monday 10-12.
	if got := c.AddWorkingDays(day("2026-09-29"), 5); got.String() != "2026-10-12" {
		t.Errorf("AddWorkingDays = %s, want 2026-10-12", got)
	}
	if got := c.WorkingDaysAfter(day("2026-09-29"), day("2026-10-12")); got != 5 {
		t.Errorf("WorkingDaysAfter = %d, want 5", got)
	}
}

func TestParseCalendarRefusesNonsense(t *testing.T) {
	for name, body := range map[string]string{
		"not json":       `{`,
		"no year":        `{"holidays": []}`,
		"other year":     `{"year": 2027, "holidays": [{"name": "x", "from": "2026-01-01", "to": "2026-01-02"}]}`,
		"range reversed": `{"year": 2027, "holidays": [{"name": "x", "from": "2027-01-05", "to": "2027-01-02"}]}`,
		"both":           `{"year": 2027, "holidays": [{"name": "x", "from": "2027-01-01", "to": "2027-01-02"}], "workdays": ["2027-01-02"]}`,
	} {
		_, err := ParseCalendar([]byte(body))
		var we *Error
		if !errors.As(err, &we) || we.Kind != KindInvalid || we.Fields["calendar"] == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestCalendarChanges: an upload says what it changed from the schedule in
// force — the days off and the make-up working days added and dropped.
func TestCalendarChanges(t *testing.T) {
	before, err := ParseCalendar([]byte(`{"year": 2027, "source": "通知（暂定）", "provisional": true,
		"holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}, {"name": "春节", "from": "2027-02-06", "to": "2027-02-12"}],
		"workdays": ["2027-02-13"]}`))
	noErr(t, err)
	after, err := ParseCalendar([]byte(`{"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知",
		"holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}, {"name": "春节", "from": "2027-02-06", "to": "2027-02-12"}],
		"workdays": ["2027-02-14"]}`))
	noErr(t, err)
	got := CalendarChanges(&before, after)
	want := []string{"新增休息日：1月2日、1月3日", "新增调休上班日：2月14日", "取消调休上班日：2月13日",
		"依据由“通知（暂定）”改为“国务院办公厅关于2027年部分节假日安排的通知”", "由暂定安排改为正式安排"}
	if !slices.Equal(got, want) {
		t.Errorf("changes\n%q\nwant\n%q", got, want)
	}
	if got := CalendarChanges(&after, after); len(got) != 0 {
		t.Errorf("no change: %q", got)
	}
	if got := CalendarChanges(nil, before); !slices.Equal(got, []string{"新增休息日：1月1日、2月6日、2月7日、2月8日、2月9日、2月10日、2月11日、2月12日", "新增调休上班日：2月13日"}) {
		t.Errorf("first calendar of a year: %q", got)
	}
}
