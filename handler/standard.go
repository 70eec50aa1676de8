package handler

import (
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// listStandards is the catalogue of major-hazard criteria, filtered by
// industry and by words of the clauses (?industry=&q=).
func (s *Server) listStandards(c *gin.Context) {
	q := workflow.StandardQuery{Industry: c.Query("industry"), Q: c.Query("q")}
	items, err := s.standards.List(c.Request.Context(), actor(c), q)
	respond(s, c, http.StatusOK, gin.H{"items": items}, err)
}

// getStandard is one standard, its newest version or ?version=N.
func (s *Server) getStandard(c *gin.Context) {
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			s.fail(c, &httpError{http.StatusBadRequest, "invalid_version", "版本号应为正整数", map[string]string{"version": "版本号应为正整数"}})
			return
		}
		version = n
	}
	st, err := s.standards.Get(c.Request.Context(), actor(c), c.Param("id"), version)
	respond(s, c, http.StatusOK, st, err)
}

// putStandard replaces or adds a standard (admin): 201 for a new version,
// 200 when the entry equals the newest one.
func (s *Server) putStandard(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.opts.MaxJSONBytes))
	if err != nil {
		s.fail(c, err)
		return
	}
	st, changed, err := s.standards.Put(c.Request.Context(), actor(c), c.Param("id"), body)
	status := http.StatusOK
	if changed {
		status = http.StatusCreated
	}
	respond(s, c, status, st, err)
}

// suggestedClauses are the clauses whose words a hazard's title and
// description share, best first: a hint for whoever confirms it.
func (s *Server) suggestedClauses(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.hazards.SuggestClauses(c.Request.Context(), actor(c), id)
	respond(s, c, http.StatusOK, gin.H{"items": items}, err)
}
