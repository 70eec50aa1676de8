package handler

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// ranking answers GET /api/v1/supervision/regions: the caller's child regions
// and departments ranked by how their hazards go.
func (s *Server) ranking(c *gin.Context) {
	r, err := s.supervision.Ranking(c.Request.Context(), actor(c), c.Query("as_of"))
	respond(s, c, http.StatusOK, r, err)
}

type rankingView struct {
	base
	R        workflow.Ranking
	Sort     string
	Cols     []rankCol
	Sections []rankSection
	// The forms that issue a region document: the step each child region's
	// row offers, the choices, what was typed before a refusal.
	Region string // the caller's own (its row, 本级, offers no form)
	Next   map[string]string
	Steps  any
	Depts  []workflow.DepartmentInfo
	Dept   string // the target's department chosen unless typed otherwise
	Form   *regionForm
}

type rankSection struct {
	ID, Title string
	Rows      []workflow.RankRow
}

type rankCol struct{ Key, Label string }

// rankCols are the sortable columns of the ranking page, in order.
var rankCols = []rankCol{
	{"open", "在办"}, {"overdue", "逾期"}, {"major_overdue", "重大逾期"}, {"rectification_rate", "整改率"},
	{"on_time_rate", "按期整改率"}, {"reports_unanswered", "举报未答复"}, {"mean_days_overdue", "平均逾期天数"},
}

// sortRows orders rows by the column key, the worst first (most overdue,
// lowest rates); unknown keys keep the workflow's order (slow first).
func sortRows(rows []workflow.RankRow, key string) {
	by := map[string]func(r workflow.RankRow) float64{
		"open": func(r workflow.RankRow) float64 { return float64(r.Open) }, "overdue": func(r workflow.RankRow) float64 { return float64(r.Overdue) },
		"major_overdue":      func(r workflow.RankRow) float64 { return float64(r.MajorOverdue) },
		"rectification_rate": func(r workflow.RankRow) float64 { return -r.RectificationRate },
		"on_time_rate":       func(r workflow.RankRow) float64 { return -r.OnTimeRate },
		"reports_unanswered": func(r workflow.RankRow) float64 { return float64(r.ReportsUnanswered) },
		"mean_days_overdue":  func(r workflow.RankRow) float64 { return r.MeanDaysOverdue },
	}[key]
	if by == nil {
		return
	}
	slices.SortStableFunc(rows, func(a, b workflow.RankRow) int { return cmp.Compare(by(b), by(a)) })
}

// rankingPage is the same ranking as a page, sortable by column (?sort=),
// each row linking down to its overdue hazards.
func (u *ui) rankingPage(c *gin.Context) {
	u.renderRanking(c, http.StatusOK, c.Query("as_of"), c.Query("sort"), nil)
}

// renderRanking shows the ranking as of asOf sorted by key, each child
// region's row with its form to issue the next step; form is what was typed
// before a refusal (nil for none).
func (u *ui) renderRanking(c *gin.Context, status int, asOf, key string, form *regionForm) {
	a := actor(c)
	r, err := u.s.supervision.Ranking(c.Request.Context(), a, asOf)
	if err != nil {
		u.fail(c, err)
		return
	}
	sortRows(r.Regions, key)
	sortRows(r.Departments, key)
	codes := make([]string, len(r.Regions))
	for i, row := range r.Regions {
		codes[i] = row.RegionCode
	}
	had, err := u.s.supervision.RegionSteps(c.Request.Context(), a, codes)
	if err != nil {
		u.fail(c, err)
		return
	}
	v := rankingView{base: u.base(c, "地区和部门督办", "/supervision/regions"), R: r, Sort: key, Cols: rankCols,
		Sections: []rankSection{{"regions", "下级区划", r.Regions}, {"departments", "主管部门", r.Departments}},
		Region:   a.Region, Next: nextSteps(had, r.Regions), Steps: stepChoices, Depts: departmentChoices(), Dept: string(a.PressesDepartment()), Form: form}
	if form != nil {
		v.Error = form.Message
	}
	u.render(c, status, "ranking", v)
}
