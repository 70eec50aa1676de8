package handler

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/workflow"
)

type periodicView struct {
	base
	Period  string
	Periods []string
	Draft   *workflow.PeriodicDraft
	List    workflow.PeriodicList
	In      workflow.FileInput
	Errors  map[string]string
	Names   map[int64]string // enterprise id → name, for the filings
}

// lastPeriods are the quarters and years to choose from: the eight quarters
// before the current one's end and the two last years, newest first.
func lastPeriods(today model.Date) []string {
	var out []string
	y, q := today.Year(), (int(today.Month())-1)/3+1
	for range 8 {
		out = append(out, workflow.QuarterName(y, q))
		if q--; q == 0 {
			y, q = y-1, 4
		}
	}
	return append(out, workflow.YearName(today.Year()-1), workflow.YearName(today.Year()-2))
}

// periodicPage is reports upward (统计分析表): an enterprise's draft for the
// period chosen, its form and its filings; a supervisor's filings of the
// territory and who has not filed.
func (u *ui) periodicPage(c *gin.Context) {
	u.renderPeriodic(c, http.StatusOK, c.Query("period"), workflow.FileInput{}, nil)
}

func (u *ui) renderPeriodic(c *gin.Context, status int, period string, in workflow.FileInput, errs map[string]string) {
	today := u.s.hazards.Today()
	periods := lastPeriods(today)
	if period == "" {
		period = periods[1] // the last finished quarter
	}
	a := actor(c)
	v := periodicView{base: u.base(c, "统计分析表", "/periodic"), Period: period, Periods: periods, In: in, Errors: errs, Names: map[int64]string{}}
	if a.Role == model.RoleEnterprise {
		d, err := u.s.reports.Draft(c.Request.Context(), a, period)
		if err != nil {
			u.fail(c, err)
			return
		}
		v.Draft = &d
	}
	l, err := u.s.reports.PeriodicReports(c.Request.Context(), a, period, a.Role != model.RoleEnterprise)
	if err != nil {
		u.fail(c, err)
		return
	}
	v.List = l
	if a.Role != model.RoleEnterprise {
		ents, err := u.s.directory.Enterprises(c.Request.Context(), a)
		if err == nil {
			for _, e := range ents {
				v.Names[e.ID] = e.Name
			}
		}
	}
	if errs != nil {
		v.Error = "请检查填写内容"
	}
	u.render(c, status, "periodic", v)
}

// filePeriodicPage files the enterprise's statistics from the page's form; a
// refusal shows the page again with what was typed and why.
func (u *ui) filePeriodicPage(c *gin.Context) {
	f, _, err := u.form(c, 0)
	if err != nil {
		u.fail(c, err)
		return
	}
	in := workflow.FileInput{Period: f["period"], PrincipalName: f["principal_name"], Note: f["note"]}
	if _, err := u.s.reports.File(c.Request.Context(), actor(c), in); err != nil {
		p := u.refusal(c, err)
		if p.Fields == nil {
			u.fail(c, err)
			return
		}
		u.renderPeriodic(c, p.Status, in.Period, in, p.Fields)
		return
	}
	c.Redirect(http.StatusSeeOther, "/periodic?period="+url.QueryEscape(in.Period)+"&ok=filed")
}
