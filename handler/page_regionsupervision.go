package handler

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// regionForm is what was typed in a ranking row's form to issue the next step
// (or in the circular's form), kept across a refusal with why it was refused.
type regionForm struct {
	Regions    map[string]bool // the targets ticked (a row's form: its region)
	Row        string          // the row whose form it was; "" for the circular's
	Step       string
	Department string
	Reason     string
	SkipReason string
	Message    string
	Fields     map[string]string
}

// issueRegionPage issues a region document from the ranking page (a row's
// form, or the circular's), then shows it among the documents; a refusal
// shows the ranking again with what was typed and why.
func (u *ui) issueRegionPage(c *gin.Context) {
	f, _, err := u.form(c, 0)
	if err != nil {
		u.fail(c, err)
		return
	}
	in := workflow.RegionSupervisionInput{Step: f["step"], Reason: f["reason"], SkipReason: f["skip_reason"]}
	form := regionForm{Regions: map[string]bool{}, Row: f["row"], Step: in.Step, Department: f["department"], Reason: in.Reason, SkipReason: in.SkipReason}
	for _, code := range c.Request.PostForm["region"] {
		in.Targets = append(in.Targets, workflow.RegionTargetInput{RegionCode: code, Department: f["department"]})
		form.Regions[code] = true
	}
	d, err := u.s.supervision.IssueRegion(c.Request.Context(), actor(c), in)
	if err != nil {
		p := u.refusal(c, err)
		if p.Status >= http.StatusInternalServerError || p.Status == statusClientClosed {
			u.fail(c, err)
			return
		}
		form.Message, form.Fields = p.Message, p.Fields
		u.renderRanking(c, p.Status, f["as_of"], f["sort"], &form)
		return
	}
	c.Redirect(http.StatusSeeOther, "/region-supervisions?ok=issued#doc-"+strconv.FormatInt(d.ID, 10))
}

type regionDocsView struct {
	base
	Docs     []workflow.RegionDocument
	Actor    workflow.Actor
	Answer   map[int64]string // target id → what was typed in its reply form, after a refusal
	Refusals map[int64]string // target id → why its sign or reply was refused
}

// regionDocsPage lists the region documents the caller issued or received,
// with links to print them and, for the targets the caller answers for, the
// sign and reply forms.
func (u *ui) regionDocsPage(c *gin.Context) {
	u.renderRegionDocs(c, http.StatusOK, nil, nil)
}

func (u *ui) renderRegionDocs(c *gin.Context, status int, answer, refusals map[int64]string) {
	ds, err := u.s.supervision.RegionDocuments(c.Request.Context(), actor(c))
	if err != nil {
		u.fail(c, err)
		return
	}
	u.render(c, status, "regiondocs", regionDocsView{base: u.base(c, "地区和部门督办文书", "/supervision/regions"), Docs: ds, Actor: actor(c),
		Answer: answer, Refusals: refusals})
}

// answerRegionPage signs for (what=sign) or replies to a region document for
// the target of the form; a refusal shows the list again with the reply typed.
func (u *ui) answerRegionPage(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		u.fail(c, err)
		return
	}
	f, _, err := u.form(c, 0)
	if err != nil {
		u.fail(c, err)
		return
	}
	target, _ := strconv.ParseInt(f["target_id"], 10, 64)
	ok := "signed"
	if c.Param("what") == "reply" {
		_, err = u.s.supervision.ReplyRegion(c.Request.Context(), actor(c), id, target, f["reply"])
		ok = "replied"
	} else {
		_, err = u.s.supervision.SignRegion(c.Request.Context(), actor(c), id, target)
	}
	if err != nil {
		p := u.refusal(c, err)
		if p.Status >= http.StatusInternalServerError || p.Status == statusClientClosed || p.Status == http.StatusNotFound {
			u.fail(c, err)
			return
		}
		u.renderRegionDocs(c, p.Status, map[int64]string{target: f["reply"]}, map[int64]string{target: p.Message})
		return
	}
	c.Redirect(http.StatusSeeOther, "/region-supervisions?ok="+ok+"#doc-"+strconv.FormatInt(id, 10))
}

// nextSteps is the step to offer each region row: the one after the highest
// its government has had (exposure again at the top).
func nextSteps(had map[string]int, rows []workflow.RankRow) map[string]string {
	out := map[string]string{}
	for _, r := range rows {
		out[r.RegionCode] = workflow.StepName(min(had[r.RegionCode]+1, workflow.StepExposure))
	}
	return out
}

// stepChoices are the steps offered in the forms, in order.
var stepChoices = []struct{ Name, Label string }{
	{workflow.StepName(1), workflow.StepLabel(1)}, {workflow.StepName(2), workflow.StepLabel(2)},
	{workflow.StepName(3), workflow.StepLabel(3)}, {workflow.StepName(4), workflow.StepLabel(4)},
}

// departmentChoices are the targets a form offers in a region: its
// government, or one of its departments.
func departmentChoices() []workflow.DepartmentInfo {
	return append([]workflow.DepartmentInfo{{Code: "", Name: "人民政府"}}, workflow.Departments()...)
}

// regionDocumentPrint is the printable region document on the pages' session.
func (u *ui) regionDocumentPrint(c *gin.Context) { u.s.regionDocumentPrint(c) }
