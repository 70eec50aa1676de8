package workflow

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"hazardloop/model"
)

// The holiday calendars shipped with the binary: the State Council's schedule for
// each year (days off and make-up working days, 调休). An admin replaces a year
// through the API; a stored year wins over the shipped one.
//
//go:embed calendars/*.json
var shippedCalendars embed.FS

// CalendarFile is one year's schedule, in the shape of the State Council notice.
type CalendarFile struct {
	Year        int    `json:"year"`
	Source      string `json:"source"`
	Provisional bool   `json:"provisional,omitempty"`
	Holidays    []struct {
		Name string `json:"name"`
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"holidays"`
	Workdays []string `json:"workdays"`
}

// ParseCalendar reads and checks one year's schedule: every date of that year,
// ranges in order, no day both off and worked. KindInvalid says what is wrong.
func ParseCalendar(b []byte) (CalendarFile, error) {
	var f CalendarFile
	bad := func(msg string) (CalendarFile, error) {
		return CalendarFile{}, errInvalid(map[string]string{"calendar": msg})
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return bad("节假日文件不是合法的 JSON：" + err.Error())
	}
	if f.Year < 2000 || f.Year > 2100 {
		return bad("节假日文件须写明年份（year），且在2000年至2100年之间")
	}
	inYear := func(s string) (model.Date, bool) {
		d, err := time.Parse("2006-01-02", s)
		return model.Date{Time: d}, err == nil && d.Year() == f.Year
	}
	off := map[model.Date]bool{}
	for _, h := range f.Holidays {
		from, ok1 := inYear(h.From)
		to, ok2 := inYear(h.To)
		if !ok1 || !ok2 || to.Before(from.Time) {
			return bad(fmt.Sprintf("“%s”的日期范围 %s 至 %s 无效（须为 %d 年内的 YYYY-MM-DD，且起始不晚于结束）", h.Name, h.From, h.To, f.Year))
		}
		for d := from; !d.After(to.Time); d = d.AddDays(1) {
			off[d] = true
		}
	}
	for _, w := range f.Workdays {
		d, ok := inYear(w)
		if !ok {
			return bad(fmt.Sprintf("调休上班日 %s 无效（须为 %d 年内的 YYYY-MM-DD）", w, f.Year))
		}
		if off[d] {
			return bad(fmt.Sprintf("%s 既是假日又是调休上班日", w))
		}
	}
	return f, nil
}

// ShippedCalendars returns the calendars embedded in the binary.
func ShippedCalendars() ([]CalendarFile, error) {
	var out []CalendarFile
	err := fs.WalkDir(shippedCalendars, "calendars", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := shippedCalendars.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := ParseCalendar(b)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// Calendar tells working days from days off. Outside the years it knows, Monday
// to Friday are working days.
type Calendar struct {
	off, on map[model.Date]bool
	years   map[int]CalendarFile
}

// NewCalendar combines years; a later file for the same year replaces an earlier.
func NewCalendar(files ...CalendarFile) *Calendar {
	c := &Calendar{off: map[model.Date]bool{}, on: map[model.Date]bool{}, years: map[int]CalendarFile{}}
	for _, f := range files {
		c.years[f.Year] = f
	}
	for _, f := range c.years {
		for _, h := range f.Holidays {
			from, _ := time.Parse("2006-01-02", h.From)
			to, _ := time.Parse("2006-01-02", h.To)
			for d := (model.Date{Time: from}); !d.After(to); d = d.AddDays(1) {
				c.off[d] = true
			}
		}
		for _, w := range f.Workdays {
			d, _ := time.Parse("2006-01-02", w)
			c.on[model.Date{Time: d}] = true
		}
	}
	return c
}

// Years lists the schedules the calendar holds.
func (c *Calendar) Years() map[int]CalendarFile { return c.years }

// WorkingDay reports whether d is a working day: a make-up working day, or a
// weekday that is not a holiday.
func (c *Calendar) WorkingDay(d model.Date) bool {
	if c.on[d] {
		return true
	}
	if c.off[d] {
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the n-th working day after d (d itself for n ≤ 0).
func (c *Calendar) AddWorkingDays(d model.Date, n int) model.Date {
	for n > 0 {
		d = d.AddDays(1)
		if c.WorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysAfter counts the working days in (from, to]; 0 if to is not after from.
func (c *Calendar) WorkingDaysAfter(from, to model.Date) int {
	n := 0
	for d := from.AddDays(1); !d.After(to.Time); d = d.AddDays(1) {
		if c.WorkingDay(d) {
			n++
		}
	}
	return n
}

// Days are the days a schedule changes from the weekly rhythm: the days off
// (holidays) and the make-up working days (调休上班).
func (f CalendarFile) Days() (off, on map[model.Date]bool) {
	if f.Year == 0 {
		return map[model.Date]bool{}, map[model.Date]bool{}
	}
	c := NewCalendar(f)
	return c.off, c.on
}

// CalendarChanges says, in Chinese, how next differs from prev (nil: no
// calendar for that year before, the weekly rhythm): the days off and the
// make-up working days added and dropped, by date, and a changed source.
// None when the two schedule the same days.
func CalendarChanges(prev *CalendarFile, next CalendarFile) []string {
	var before CalendarFile
	if prev != nil {
		before = *prev
	}
	offB, onB := before.Days()
	offA, onA := next.Days()
	var out []string
	diff := func(label string, a, b map[model.Date]bool) {
		var added, dropped []model.Date
		for d := range b {
			if !a[d] {
				added = append(added, d)
			}
		}
		for d := range a {
			if !b[d] {
				dropped = append(dropped, d)
			}
		}
		if len(added) > 0 {
			out = append(out, "新增"+label+"："+dayList(added))
		}
		if len(dropped) > 0 {
			out = append(out, "取消"+label+"："+dayList(dropped))
		}
	}
	diff("休息日", offB, offA)
	diff("调休上班日", onB, onA)
	if prev != nil && prev.Source != next.Source {
		out = append(out, fmt.Sprintf("依据由“%s”改为“%s”", prev.Source, next.Source))
	}
	if prev != nil && prev.Provisional != next.Provisional {
		out = append(out, map[bool]string{true: "改为暂定安排", false: "由暂定安排改为正式安排"}[next.Provisional])
	}
	return out
}

// dayList writes days in order as 1月1日、1月2日.
func dayList(ds []model.Date) string {
	slices.SortFunc(ds, func(a, b model.Date) int { return a.Compare(b.Time) })
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%d月%d日", d.Month(), d.Day())
	}
	return strings.Join(parts, "、")
}
