package handler

import (
	"context"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// submitReport takes a public report, as JSON or as a multipart form with photos
// (field photos). It answers 201 with the tracking code, shown once.
func (s *Server) submitReport(c *gin.Context) {
	if err := s.reports.IntakeAllowed(c.Request.Context(), c.ClientIP()); err != nil {
		s.fail(c, err)
		return
	}
	accepted := false
	defer func() {
		if !accepted { // only accepted reports count toward the intake limit
			s.reports.IntakeRefund(context.WithoutCancel(c.Request.Context()), c.ClientIP())
		}
	}()
	var in workflow.ReportInput
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if ct == "multipart/form-data" {
		max := s.evidence.MaxUpload()
		fields, files, err := readForm(c, 2*int64(max)+1<<20, max, workflow.MaxReportPhotos)
		if err != nil {
			s.fail(c, err)
			return
		}
		if in, err = reportFromForm(fields); err != nil {
			s.fail(c, err)
			return
		}
		for _, f := range files {
			in.Photos = append(in.Photos, workflow.EvidenceInput{Filename: f.filename, Data: f.data})
		}
	} else if err := s.bindJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	receipt, err := s.reports.Submit(c.Request.Context(), in)
	accepted = err == nil
	respond(s, c, http.StatusCreated, receipt, err)
}

func reportFromForm(f map[string]string) (workflow.ReportInput, error) {
	in := workflow.ReportInput{
		Title: f["title"], Description: f["description"], RegionCode: f["region_code"], Address: f["address"],
		DiscoveredAt: f["discovered_at"], ContactName: f["contact_name"], ContactPhone: f["contact_phone"],
		Category: f["category"], DisasterType: f["disaster_type"],
	}
	switch strings.ToLower(strings.TrimSpace(f["wants_reward"])) {
	case "", "false", "0", "off", "no":
	default:
		in.WantsReward = true
	}
	for name, dst := range map[string]**float64{"latitude": &in.Latitude, "longitude": &in.Longitude} {
		if v := strings.TrimSpace(f[name]); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return in, &httpError{http.StatusBadRequest, "invalid_fields", "坐标应为数字", map[string]string{name: "坐标应为数字"}}
			}
			*dst = &x
		}
	}
	return in, nil
}

func (s *Server) reportStatus(c *gin.Context) {
	st, err := s.reports.Status(c.Request.Context(), c.Param("code"))
	respond(s, c, http.StatusOK, st, err)
}

func (s *Server) listReports(c *gin.Context) {
	q := workflow.ReportQuery{View: c.Query("view")}
	if v := c.Query("hazard_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.fail(c, &httpError{http.StatusBadRequest, "invalid_fields", "隐患编号应为正整数", map[string]string{"hazard_id": "应为正整数"}})
			return
		}
		q.HazardID = id
	}
	rs, err := s.reports.List(c.Request.Context(), actor(c), q)
	respond(s, c, http.StatusOK, gin.H{"items": rs}, err)
}

func (s *Server) reporterContact(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	ct, err := s.reports.Contact(c.Request.Context(), actor(c), id)
	c.Header("Cache-Control", "no-store")
	respond(s, c, http.StatusOK, ct, err)
}

func (s *Server) extendCheck(c *gin.Context) {
	var req reasonRequest
	id, ok := s.idAndJSON(c, &req)
	if !ok {
		return
	}
	r, err := s.reports.ExtendCheck(c.Request.Context(), actor(c), id, req.Reason)
	respond(s, c, http.StatusOK, r, err)
}

func (s *Server) answerReporter(c *gin.Context) {
	var req replyRequest
	id, ok := s.idAndJSON(c, &req)
	if !ok {
		return
	}
	r, err := s.reports.Answer(c.Request.Context(), actor(c), id, req.Text)
	respond(s, c, http.StatusOK, r, err)
}

type rewardRequest struct {
	Fine *float64 `json:"fine"`
}

func (s *Server) proposeReward(c *gin.Context) {
	var req rewardRequest
	id, ok := s.idAndJSON(c, &req)
	if !ok {
		return
	}
	if req.Fine == nil {
		s.fail(c, &httpError{http.StatusBadRequest, "invalid_fields", "请填写罚款金额（元）", map[string]string{"fine": "请填写罚款金额（元）"}})
		return
	}
	r, err := s.reports.ProposeReward(c.Request.Context(), actor(c), id, *req.Fine)
	respond(s, c, http.StatusOK, r, err)
}

type decisionRequest struct {
	Approve *bool  `json:"approve"`
	Note    string `json:"note"`
}

// decideRewardWith answers a reward's decision (the second of its two
// people): a public report's and a successful avoidance's alike.
func decideRewardWith[T any](s *Server, decide func(context.Context, workflow.Actor, int64, bool, string) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req decisionRequest
		id, ok := s.idAndJSON(c, &req)
		if !ok {
			return
		}
		if req.Approve == nil {
			s.fail(c, &httpError{http.StatusBadRequest, "invalid_fields", "请说明是否批准（approve）", map[string]string{"approve": "请说明是否批准"}})
			return
		}
		r, err := decide(c.Request.Context(), actor(c), id, *req.Approve, req.Note)
		respond(s, c, http.StatusOK, r, err)
	}
}

// payRewardWith records an approved reward paid, of either kind.
func payRewardWith[T any](s *Server, pay func(context.Context, workflow.Actor, int64) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := idParam(c, "id")
		if err != nil {
			s.fail(c, err)
			return
		}
		r, err := pay(c.Request.Context(), actor(c), id)
		respond(s, c, http.StatusOK, r, err)
	}
}

func (s *Server) similarHazards(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	hs, err := s.hazards.Similar(c.Request.Context(), actor(c), id)
	respond(s, c, http.StatusOK, gin.H{"items": hs}, err)
}

// probeFromQuery reads a finding not yet sent from the query string (or a
// form: the same names); coordinates that are not numbers are a 400.
func probeFromQuery(get func(string) string) (workflow.Probe, error) {
	p := workflow.Probe{Title: get("title"), Description: get("description"), Location: get("location"), RegionCode: get("region_code")}
	for name, dst := range map[string]**float64{"latitude": &p.Latitude, "longitude": &p.Longitude} {
		if v := strings.TrimSpace(get(name)); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				msg := map[string]string{"latitude": "纬度应为数字（度，如 28.6829）", "longitude": "经度应为数字（度，如 115.8582）"}[name]
				return p, &httpError{http.StatusBadRequest, "invalid_fields", msg, map[string]string{name: msg}}
			}
			*dst = &x
		}
	}
	return p, nil
}

// similarTo lists the open hazards a finding not yet sent may repeat
// (GET /api/v1/hazards/similar).
func (s *Server) similarTo(c *gin.Context) {
	p, err := probeFromQuery(c.Query)
	if err != nil {
		s.fail(c, err)
		return
	}
	hs, err := s.hazards.SimilarTo(c.Request.Context(), actor(c), p)
	respond(s, c, http.StatusOK, gin.H{"items": hs}, err)
}

// nearbyHint tells a public reporter how many similar issues near the place
// are already being handled, and nothing else (GET /api/v1/public/nearby).
func (s *Server) nearbyHint(c *gin.Context) {
	p, err := probeFromQuery(c.Query)
	if err != nil {
		s.fail(c, err)
		return
	}
	h, err := s.reports.Nearby(c.Request.Context(), c.ClientIP(), p)
	respond(s, c, http.StatusOK, h, err)
}
