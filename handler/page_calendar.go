package handler

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/workflow"
)

// The holiday calendar page (节假日日历): one year's schedule on a page — the
// days off and make-up working days month by month — and the upload of the
// State Council's notice for it, in the file the API takes (PUT
// /api/v1/calendars/:year), with what the upload changed.

type calendarView struct {
	base
	Years    []int // the years in force, this year and the next
	Year     int
	File     *workflow.CalendarFile // nil: none for the year (Monday to Friday are worked)
	Holidays []holidayRow
	Workdays []string
	Months   []calMonth
	// Uploaded: the page answers an upload; Changes is what it changed.
	Uploaded bool
	Changes  []string
}

type holidayRow struct {
	Name, From, To string
	Days           int
}

type calMonth struct {
	Title string
	Weeks [][]calDay
}

// calDay is a cell of a month: Day 0 is a blank; Kind is off (a holiday),
// on (a make-up working day), weekend, or "" (a working day).
type calDay struct {
	Day  int
	Kind string
}

func (u *ui) calendarData(c *gin.Context, year int) calendarView {
	v := calendarView{base: u.base(c, "节假日日历", "/admin/calendars"), Year: year}
	this := u.s.hazards.Today().Year()
	v.Years = []int{this, this + 1}
	files := u.s.supervision.Calendars(c.Request.Context())
	for _, f := range files {
		v.Years = append(v.Years, f.Year)
		if f.Year == year {
			v.File = &f
		}
	}
	if !slices.Contains(v.Years, year) {
		v.Years = append(v.Years, year)
	}
	slices.Sort(v.Years)
	v.Years = slices.Compact(v.Years)
	var off, on map[model.Date]bool
	if v.File != nil {
		off, on = v.File.Days()
		for _, h := range v.File.Holidays {
			from, _ := time.Parse(time.DateOnly, h.From)
			to, _ := time.Parse(time.DateOnly, h.To)
			v.Holidays = append(v.Holidays, holidayRow{Name: h.Name, From: monthDay(from), To: monthDay(to), Days: int(to.Sub(from).Hours()/24) + 1})
		}
		for _, w := range v.File.Workdays {
			d, _ := time.Parse(time.DateOnly, w)
			v.Workdays = append(v.Workdays, monthDay(d)+"（"+weekdays[d.Weekday()]+"）")
		}
	}
	for m := time.January; m <= time.December; m++ {
		first := model.NewDate(year, m, 1)
		month := calMonth{Title: strconv.Itoa(int(m)) + "月"}
		week := make([]calDay, (int(first.Weekday())+6)%7) // Monday first
		for d := first; d.Month() == m; d = d.AddDays(1) {
			day := calDay{Day: d.Day()}
			switch {
			case off[d]:
				day.Kind = "off"
			case on[d]:
				day.Kind = "on"
			case d.Weekday() == time.Saturday || d.Weekday() == time.Sunday:
				day.Kind = "weekend"
			}
			week = append(week, day)
			if len(week) == 7 {
				month.Weeks = append(month.Weeks, week)
				week = nil
			}
		}
		if len(week) > 0 {
			for len(week) < 7 {
				week = append(week, calDay{})
			}
			month.Weeks = append(month.Weeks, week)
		}
		v.Months = append(v.Months, month)
	}
	return v
}

var weekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

func monthDay(t time.Time) string {
	return strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日"
}

// calendarYear reads the year asked for: this year when none, a refusal
// naming the field when not a year.
func (u *ui) calendarYear(s string) (int, error) {
	if s == "" {
		return u.s.hazards.Today().Year(), nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 2000 || y > 2100 {
		return 0, &httpError{http.StatusBadRequest, "invalid_fields", "年份应为2000至2100之间的四位数字", map[string]string{"year": "年份应为2000至2100之间的四位数字"}}
	}
	return y, nil
}

func calendarAdmin(c *gin.Context) error {
	if currentUser(c).Role != model.RoleAdmin {
		return workflow.Forbidden("只有系统管理员可以管理节假日日历")
	}
	return nil
}

func (u *ui) calendarPage(c *gin.Context) {
	year, err := u.calendarYear(c.Query("year"))
	if err == nil {
		err = calendarAdmin(c)
	}
	if err != nil {
		u.fail(c, err)
		return
	}
	u.render(c, http.StatusOK, "calendar", u.calendarData(c, year))
}

// uploadCalendar stores the uploaded notice for the year chosen, as PUT
// /api/v1/calendars/:year does, and shows the year with what changed from
// the schedule in force before.
func (u *ui) uploadCalendar(c *gin.Context) {
	if err := calendarAdmin(c); err != nil {
		u.fail(c, err)
		return
	}
	f, files, err := u.form(c, 1)
	if err != nil {
		u.fail(c, err)
		return
	}
	year, err := u.calendarYear(f["year"])
	if err != nil {
		u.fail(c, err)
		return
	}
	var body []byte
	if len(files) > 0 {
		body = files[0].data
	}
	switch {
	case len(body) == 0:
		err = &httpError{http.StatusBadRequest, "invalid_fields", "请选择国务院办公厅节假日安排的日历文件（JSON）", map[string]string{"file": "请选择文件"}}
	case int64(len(body)) > u.s.opts.MaxJSONBytes:
		err = errTooLarge
	}
	var prev *workflow.CalendarFile
	for _, cf := range u.s.supervision.Calendars(c.Request.Context()) {
		if cf.Year == year {
			prev = &cf
		}
	}
	var next workflow.CalendarFile
	if err == nil {
		next, err = u.s.supervision.PutCalendar(c.Request.Context(), actor(c), year, body)
	}
	if err != nil {
		p := u.refusal(c, err)
		v := u.calendarData(c, year)
		v.Error = "日历未更新：" + p.Message
		u.render(c, p.Status, "calendar", v)
		return
	}
	v := u.calendarData(c, year)
	v.Uploaded, v.Changes = true, workflow.CalendarChanges(prev, next)
	v.Flash = strconv.Itoa(year) + "年节假日日历已更新，按新日历计算工作日。"
	u.render(c, http.StatusOK, "calendar", v)
}
