package handler

import (
	"hazardloop/model"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// ---- public reports (群众举报): the staff's list and what they do with a report ----

type reportsView struct {
	base
	View    string
	Views   []option
	Reports []workflow.StaffReport
	Today   string
}

var reportViews = []option{{"", "全部"}, {"unchecked", "待核查"}, {"owed", "待答复举报人"}, {"rewards", "奖励待办"}}

// reportsPage lists the public reports in the user's territory (supervisors
// and officers; the workflow refuses others), with the forms each may use.
func (u *ui) reportsPage(c *gin.Context) {
	view := c.Query("view")
	rs, err := u.s.reports.List(c.Request.Context(), actor(c), workflow.ReportQuery{View: view})
	if err != nil {
		u.fail(c, err)
		return
	}
	u.render(c, http.StatusOK, "reports", reportsView{base: u.base(c, "群众举报", "/reports"), View: view, Views: reportViews,
		Reports: rs, Today: u.s.hazards.Today().String()})
}

// toReports sends the browser back to the list (the view it came from) at the
// report, with the flash message named by flash.
func toReports(c *gin.Context, id int64, flash string) {
	q := url.Values{"ok": {flash}}
	for _, v := range reportViews {
		if v.Value != "" && v.Value == c.PostForm("view") {
			q.Set("view", v.Value)
		}
	}
	c.Redirect(http.StatusSeeOther, "/reports?"+q.Encode()+"#r"+strconv.FormatInt(id, 10))
}

type contactView struct {
	base
	ReportID int64
	Name     string
	Phone    string
}

// reportContact shows a named reporter's contact to a supervisor of the
// territory. It is a POST (a deliberate act, never a link to follow or a page
// to cache): each view is logged in the hazard's events.
func (u *ui) reportContact(c *gin.Context) {
	id, _, ok := u.idForm(c)
	if !ok {
		return
	}
	ct, err := u.s.reports.Contact(c.Request.Context(), actor(c), id)
	if err != nil {
		u.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	u.render(c, http.StatusOK, "contact", contactView{base: u.base(c, "举报人联系方式", "/reports"), ReportID: id,
		Name: ct["name"], Phone: ct["phone"]})
}

// reportPost runs one step on a report from its form and returns the browser
// to the list with the flash named by flash, or shows the refusal.
func (u *ui) reportPost(c *gin.Context, flash string, step func(id int64, f map[string]string) error) {
	id, f, ok := u.idForm(c)
	if !ok {
		return
	}
	if err := step(id, f); err != nil {
		u.fail(c, err)
		return
	}
	toReports(c, id, flash)
}

func (u *ui) answerReporter(c *gin.Context) {
	u.reportPost(c, "answered", func(id int64, f map[string]string) error {
		_, err := u.s.reports.Answer(c.Request.Context(), actor(c), id, f["text"])
		return err
	})
}

func (u *ui) extendCheck(c *gin.Context) {
	u.reportPost(c, "extended", func(id int64, f map[string]string) error {
		_, err := u.s.reports.ExtendCheck(c.Request.Context(), actor(c), id, f["reason"])
		return err
	})
}

func (u *ui) proposeReward(c *gin.Context) {
	u.reportPost(c, "proposed", func(id int64, f map[string]string) error {
		fine, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(f["fine"], ",", "")), 64)
		if err != nil {
			return &httpError{http.StatusBadRequest, "invalid_fields", "请填写罚款金额（元），只填数字", map[string]string{"fine": "应为数字"}}
		}
		_, err = u.s.reports.ProposeReward(c.Request.Context(), actor(c), id, fine)
		return err
	})
}

func (u *ui) decideReward(c *gin.Context) {
	u.reportPost(c, "decided", func(id int64, f map[string]string) error {
		var approve bool
		switch f["decision"] {
		case "approve":
			approve = true
		case "decline":
		default:
			return &httpError{http.StatusBadRequest, "invalid_fields", "请选择批准或不予奖励", map[string]string{"decision": "请选择"}}
		}
		_, err := u.s.reports.DecideReward(c.Request.Context(), actor(c), id, approve, f["note"])
		return err
	})
}

func (u *ui) rewardPaid(c *gin.Context) {
	u.reportPost(c, "paid", func(id int64, _ map[string]string) error {
		_, err := u.s.reports.MarkRewardPaid(c.Request.Context(), actor(c), id)
		return err
	})
}

type rewardsView struct {
	base
	Rewards []model.UserRewardRow
}

// rewardsPage is 我的奖励: the user's own rewards for successful avoidances
// (GET /api/v1/rewards), whatever their state.
func (u *ui) rewardsPage(c *gin.Context) {
	rs, err := u.s.hazards.MyRewards(c.Request.Context(), actor(c))
	if err != nil {
		u.fail(c, err)
		return
	}
	u.render(c, http.StatusOK, "rewards", rewardsView{base: u.base(c, "我的奖励", "/rewards"), Rewards: rs})
}
