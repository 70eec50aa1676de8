package handler

import (
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/workflow"
)

func (s *Server) createHazard(c *gin.Context) {
	var in workflow.HazardInput
	if err := s.bindJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	h, err := s.hazards.CreateHazard(c.Request.Context(), actor(c), in)
	respond(s, c, http.StatusCreated, h, err)
}

// listQuery reads the filters of the hazard list from the query string: the
// one reading of GET /hazards, the hazards page and the ledger export (which
// ignores cursor and limit). region is trimmed, as typed into the page's form;
// workflow validates every value.
func listQuery(c *gin.Context) workflow.ListQuery {
	return workflow.ListQuery{
		State: c.Query("state"), Level: c.Query("level"), Source: c.Query("source"),
		Region: strings.TrimSpace(c.Query("region")), EnterpriseID: c.Query("enterprise_id"),
		Department: c.Query("department"), Industry: c.Query("industry"),
		Category: c.Query("category"), DisasterType: c.Query("disaster_type"), ResponsiblePartyType: c.Query("responsible_party_type"),
		From: c.Query("from"), To: c.Query("to"),
		Overdue: c.Query("overdue"),
		Q:       c.Query("q"), Cursor: c.Query("cursor"), Limit: c.Query("limit"),
	}
}

func (s *Server) listHazards(c *gin.Context) {
	p, err := s.hazards.List(c.Request.Context(), actor(c), listQuery(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	buf := pageBuffers.Get().(*[]byte)
	*buf = appendPage((*buf)[:0], p)
	c.Data(http.StatusOK, "application/json; charset=utf-8", *buf)
	if cap(*buf) <= 1<<20 {
		pageBuffers.Put(buf)
	}
}

// pageBuffers are reused for encoding list pages.
var pageBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

func (s *Server) getHazard(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	h, err := s.hazards.Hazard(c.Request.Context(), actor(c), id)
	respond(s, c, http.StatusOK, h, err)
}

// eventRequest is the body of POST /hazards/{id}/events: the event, the version
// the client saw, a comment, and the event's fields under the hazard's own names.
type eventRequest struct {
	Event   string `json:"event"`
	Version *int   `json:"version"`
	Comment string `json:"comment"`
	workflow.Fields
}

func (s *Server) fireEvent(c *gin.Context) {
	var req eventRequest
	id, ok := s.idAndJSON(c, &req)
	if !ok {
		return
	}
	if req.Event == "" || req.Version == nil {
		fields := map[string]string{}
		if req.Event == "" {
			fields["event"] = "请指定操作（event）"
		}
		if req.Version == nil {
			fields["version"] = "请提供您看到的版本号（version）"
		}
		s.fail(c, &httpError{http.StatusBadRequest, "invalid_fields", "请求缺少 event 或 version", fields})
		return
	}
	in := workflow.EventInput{Event: model.Event(req.Event), Version: *req.Version, Comment: req.Comment, Fields: req.Fields}
	h, err := s.hazards.Apply(c.Request.Context(), actor(c), id, in)
	respond(s, c, http.StatusOK, h, err)
}

func (s *Server) listEvents(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	evs, err := s.hazards.Events(c.Request.Context(), actor(c), id)
	respond(s, c, http.StatusOK, gin.H{"items": evs}, err)
}

func (s *Server) verifyChain(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.hazards.Verify(c.Request.Context(), actor(c), id)
	respond(s, c, http.StatusOK, r, err)
}
