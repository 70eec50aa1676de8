package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// periodicDraft answers GET /api/v1/periodic-reports/draft?period=.
func (s *Server) periodicDraft(c *gin.Context) {
	d, err := s.reports.Draft(c.Request.Context(), actor(c), c.Query("period"))
	respond(s, c, http.StatusOK, d, err)
}

// filePeriodic answers POST /api/v1/periodic-reports {period, principal_name, note}.
func (s *Server) filePeriodic(c *gin.Context) {
	var in workflow.FileInput
	if err := s.bindJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.reports.File(c.Request.Context(), actor(c), in)
	respond(s, c, http.StatusCreated, r, err)
}

// listPeriodic answers GET /api/v1/periodic-reports?period=&missing=true.
func (s *Server) listPeriodic(c *gin.Context) {
	l, err := s.reports.PeriodicReports(c.Request.Context(), actor(c), c.Query("period"), c.Query("missing") == "true")
	respond(s, c, http.StatusOK, l, err)
}

// statistics answers GET /api/v1/statistics?from=&to=&region=&group_by=.
func (s *Server) statistics(c *gin.Context) {
	st, err := s.supervision.Statistics(c.Request.Context(), actor(c), workflow.StatisticsQuery{
		From: c.Query("from"), To: c.Query("to"), Region: c.Query("region"), GroupBy: c.Query("group_by")})
	respond(s, c, http.StatusOK, st, err)
}
