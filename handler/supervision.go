package handler

import (
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/templates"
	"hazardloop/workflow"
)

// pages are the templates of the HTML this package serves, parsed once at start.
type pages struct {
	document       *template.Template
	regionDocument *template.Template
	record         *template.Template
	exposure       *template.Template
}

func parsePages() (*pages, error) {
	doc, err := template.ParseFS(templates.FS, "documents/escalation.html", "documents/style.html")
	if err != nil {
		return nil, err
	}
	regionDoc, err := template.ParseFS(templates.FS, "documents/region_supervision.html", "documents/style.html")
	if err != nil {
		return nil, err
	}
	record, err := template.ParseFS(templates.FS, "documents/record.html", "documents/style.html")
	if err != nil {
		return nil, err
	}
	exp, err := template.ParseFS(templates.FS, "pages/exposure.html")
	if err != nil {
		return nil, err
	}
	return &pages{document: doc, regionDocument: regionDoc, record: record, exposure: exp}, nil
}

// html answers with the standalone page t executed over data (standaloneCSP,
// see writeHTML); a template error is answered by fail.
func (s *Server) html(c *gin.Context, t *template.Template, data any) {
	if err := writeHTML(c, http.StatusOK, standaloneCSP, func(w io.Writer) error { return t.Execute(w, data) }); err != nil {
		s.fail(c, err)
	}
}

func (s *Server) listEscalations(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	es, err := s.supervision.Escalations(c.Request.Context(), actor(c), id)
	respond(s, c, http.StatusOK, gin.H{"items": es}, err)
}

// unreplied lists the unanswered supervision steps and, beside them, the
// transfers whose receiver is late to answer and the unanswered targets of
// region documents (regions).
func (s *Server) unreplied(c *gin.Context) {
	es, err := s.supervision.Unreplied(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	late, err := s.hazards.LateTransfers(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	regions, err := s.supervision.UnrepliedRegions(c.Request.Context(), actor(c))
	respond(s, c, http.StatusOK, gin.H{"items": es, "transfers": late, "regions": regions}, err)
}

// transfers lists the caller's transfers: incoming, outgoing, declined.
func (s *Server) transfers(c *gin.Context) {
	t, err := s.hazards.Transfers(c.Request.Context(), actor(c))
	respond(s, c, http.StatusOK, t, err)
}

func (s *Server) escalationDocument(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	doc, err := s.supervision.Document(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.html(c, s.pages.document, doc)
}

// hazardRecord answers GET /api/v1/hazards/{id}/records/{kind}: a record of
// the hazard (writeoff, rejection, transfer) as a formal A4 page.
func (s *Server) hazardRecord(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.hazards.Record(c.Request.Context(), actor(c), id, c.Param("kind"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if r.Checkpoint, err = s.checkpoints.Stamp(c.Request.Context()); err != nil {
		s.fail(c, err)
		return
	}
	s.html(c, s.pages.record, r)
}

func (s *Server) acknowledge(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	// The addressee signs with no body; staff recording a paper receipt
	// send {"paper": true, "note": "..."}.
	var p workflow.PaperAnswer
	if c.Request.ContentLength != 0 {
		if err := s.bindJSON(c, &p); err != nil {
			s.fail(c, err)
			return
		}
	}
	e, err := s.supervision.Acknowledge(c.Request.Context(), actor(c), id, p)
	respond(s, c, http.StatusOK, e, err)
}

type replyRequest struct {
	Text string `json:"text"`
	workflow.PaperAnswer
}

func (s *Server) reply(c *gin.Context) {
	var req replyRequest
	id, ok := s.idAndJSON(c, &req)
	if !ok {
		return
	}
	e, err := s.supervision.Reply(c.Request.Context(), actor(c), id, req.Text, req.PaperAnswer)
	respond(s, c, http.StatusOK, e, err)
}

// exposureQuery reads the board's query: cursor, region, level, status.
func exposureQuery(c *gin.Context) workflow.ExposureQuery {
	return workflow.ExposureQuery{Cursor: c.Query("cursor"), Region: c.Query("region"), Level: c.Query("level"), Status: c.Query("status")}
}

// publicExposures is the exposure board: a page of hazards (items, 50 a
// page, next_cursor) and, on the first page, the regions and departments
// (regions).
func (s *Server) publicExposures(c *gin.Context) {
	q := exposureQuery(c)
	page, err := s.supervision.ExposureBoard(c.Request.Context(), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	regions := []workflow.PublicRegionExposure{}
	if q.Cursor == "" && q.Level == "" && q.Status == "" {
		regions, err = s.supervision.RegionExposureBoard(c.Request.Context(), q.Region)
	}
	respond(s, c, http.StatusOK, gin.H{"items": page.Items, "next_cursor": page.NextCursor, "regions": regions}, err)
}

// exposureView is the exposure board page.
type exposureView struct {
	Q        workflow.ExposureQuery
	Page     workflow.ExposurePage
	Regions  []workflow.PublicRegionExposure
	Places   []option // the regions to filter by: counties and above
	Levels   []option
	Statuses []option
	Next     string // the next page's address, "" on the last
	First    string // the first page's address with the filters, "" on the first page
	Filtered bool
	Error    string
	Updated  string
	// Checkpoint is the log's latest checkpoint (Checkpoints.Stamp), printed
	// below the tables.
	Checkpoint string
}

func (s *Server) exposurePage(c *gin.Context) {
	q := exposureQuery(c)
	v := exposureView{Q: q, Levels: levelOptions, Filtered: q.Region != "" || q.Level != "" || q.Status != "",
		Updated: s.hazards.Now().In(model.Shanghai).Format("2006-01-02 15:04")}
	for _, st := range workflow.ExposureStatuses {
		v.Statuses = append(v.Statuses, option{st.Code, st.Label})
	}
	stamp, err := s.checkpoints.Stamp(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Checkpoint = stamp
	rs, _, err := s.directory.CountiesAndAbove(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, r := range rs {
		v.Places = append(v.Places, option{r.Code, strings.Repeat("　", max(r.Level-1, 0)) + r.Name})
	}
	status := http.StatusOK
	if v.Page, err = s.supervision.ExposureBoard(c.Request.Context(), q); err != nil {
		p := s.ui.refusal(c, err)
		v.Error, status = p.Message, p.Status
	} else {
		filters := url.Values{}
		for k, x := range map[string]string{"region": q.Region, "level": q.Level, "status": q.Status} {
			if x != "" {
				filters.Set(k, x)
			}
		}
		if q.Cursor != "" {
			v.First = withQuery("/exposure", filters)
		}
		if v.Page.NextCursor != "" {
			filters.Set("cursor", v.Page.NextCursor)
			v.Next = withQuery("/exposure", filters)
		}
		if q.Cursor == "" && q.Level == "" && q.Status == "" {
			if v.Regions, err = s.supervision.RegionExposureBoard(c.Request.Context(), q.Region); err != nil {
				s.fail(c, err)
				return
			}
		}
	}
	if err := writeHTML(c, status, standaloneCSP, func(w io.Writer) error { return s.pages.exposure.Execute(w, v) }); err != nil {
		s.fail(c, err)
	}
}

func (s *Server) listCalendars(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": s.supervision.Calendars(c.Request.Context())})
}

// putCalendar replaces a year's holiday calendar with the uploaded JSON file.
func (s *Server) putCalendar(c *gin.Context) {
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		s.fail(c, &httpError{http.StatusBadRequest, "invalid_year", "年份应为四位数字", map[string]string{"year": "年份应为四位数字"}})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.opts.MaxJSONBytes))
	if err != nil {
		s.fail(c, err)
		return
	}
	f, err := s.supervision.PutCalendar(c.Request.Context(), actor(c), year, body)
	respond(s, c, http.StatusOK, f, err)
}

func (s *Server) ladderPolicy(c *gin.Context) {
	p := s.supervision.Ladder()
	c.JSON(http.StatusOK, gin.H{
		"general": p.General, "major": p.Major, "plan_days": p.PlanDays,
		"working_days": p.WorkingDays, "reply_days": p.ReplyDays, "remind_days": p.RemindDays, "transfer_days": p.TransferDays, "verify_days": p.VerifyDays, "resume_review_days": p.ResumeReviewDays,
		"steps": []string{workflow.StepLabel(1), workflow.StepLabel(2), workflow.StepLabel(3), workflow.StepLabel(4)},
	})
}
