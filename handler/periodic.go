package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hazardloop/ledger"
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

func statisticsQuery(c *gin.Context) workflow.StatisticsQuery {
	return workflow.StatisticsQuery{From: c.Query("from"), To: c.Query("to"), Region: c.Query("region"), GroupBy: c.Query("group_by")}
}

// statistics answers GET /api/v1/statistics?from=&to=&region=&group_by=.
func (s *Server) statistics(c *gin.Context) {
	st, err := s.supervision.Statistics(c.Request.Context(), actor(c), statisticsQuery(c))
	respond(s, c, http.StatusOK, st, err)
}

// statisticsWorkbook answers GET /statistics.xlsx (and /api/v1/statistics.xlsx)
// with the parameters of GET /api/v1/statistics: every grouping, a sheet each,
// unless group_by names one.
func (s *Server) statisticsWorkbook(c *gin.Context) {
	b, err := s.supervision.StatisticsBook(c.Request.Context(), actor(c), statisticsQuery(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	d := &download{c: c, name: ledger.StatisticsFileName(b)}
	s.finish(c, d, ledger.WriteStatistics(d, b))
}
