package handler

import (
	"html/template"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/templates"
	"hazardloop/workflow"
)

// pages are the templates of the HTML this package serves, parsed once at start.
type pages struct {
	document       *template.Template
	regionDocument *template.Template
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
	exp, err := template.ParseFS(templates.FS, "pages/exposure.html")
	if err != nil {
		return nil, err
	}
	return &pages{document: doc, regionDocument: regionDoc, exposure: exp}, nil
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

func (s *Server) acknowledge(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	e, err := s.supervision.Acknowledge(c.Request.Context(), actor(c), id)
	respond(s, c, http.StatusOK, e, err)
}

type replyRequest struct {
	Text string `json:"text"`
}

func (s *Server) reply(c *gin.Context) {
	var req replyRequest
	id, ok := s.idAndJSON(c, &req)
	if !ok {
		return
	}
	e, err := s.supervision.Reply(c.Request.Context(), actor(c), id, req.Text)
	respond(s, c, http.StatusOK, e, err)
}

// publicExposures is the exposure board: hazards (items) and regions and
// departments (regions).
func (s *Server) publicExposures(c *gin.Context) {
	items, err := s.supervision.ExposureBoard(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	regions, err := s.supervision.RegionExposureBoard(c.Request.Context())
	respond(s, c, http.StatusOK, gin.H{"items": items, "regions": regions}, err)
}

func (s *Server) exposurePage(c *gin.Context) {
	items, err := s.supervision.ExposureBoard(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	regions, err := s.supervision.RegionExposureBoard(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	stamp, err := s.checkpoints.Stamp(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.html(c, s.pages.exposure, struct {
		Items      []workflow.PublicExposure
		Regions    []workflow.PublicRegionExposure
		Updated    string
		Checkpoint string // the log's latest checkpoint (Checkpoints.Stamp)
	}{items, regions, s.hazards.Now().In(model.Shanghai).Format("2006-01-02 15:04"), stamp})
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
