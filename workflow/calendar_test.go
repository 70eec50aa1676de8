package workflow

import (
	"errors"
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
