package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// issueRegion answers POST /api/v1/region-supervisions: a numbered document
// to regions or departments below the caller's (对地区和部门的督办).
func (s *Server) issueRegion(c *gin.Context) {
	var in workflow.RegionSupervisionInput
	if err := s.bindJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.supervision.IssueRegion(c.Request.Context(), actor(c), in)
	respond(s, c, http.StatusCreated, d, err)
}

// listRegionDocuments answers GET /api/v1/region-supervisions: those the
// caller issued or received.
func (s *Server) listRegionDocuments(c *gin.Context) {
	ds, err := s.supervision.RegionDocuments(c.Request.Context(), actor(c))
	respond(s, c, http.StatusOK, gin.H{"items": ds}, err)
}

func (s *Server) getRegionDocument(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.supervision.RegionDocument(c.Request.Context(), actor(c), id)
	respond(s, c, http.StatusOK, d, err)
}

// regionDocumentPrint answers GET /api/v1/region-supervisions/{id}/document:
// the document as a formal A4 page.
func (s *Server) regionDocumentPrint(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.supervision.RegionDocument(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := workflow.NewRegionPrint(d)
	if p.Checkpoint, err = s.checkpoints.Stamp(c.Request.Context()); err != nil {
		s.fail(c, err)
		return
	}
	s.html(c, s.pages.regionDocument, p)
}

// regionAnswer is the body of a sign (target_id only, and optional) or a
// reply.
type regionAnswer struct {
	TargetID int64  `json:"target_id"`
	Reply    string `json:"reply"`
}

// bindOptionalJSON binds a body when there is one: a sign may come without.
func (s *Server) bindOptionalJSON(c *gin.Context, v any) error {
	if c.Request.ContentLength == 0 {
		return nil
	}
	return s.bindJSON(c, v)
}

func (s *Server) signRegion(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in regionAnswer
	if err := s.bindOptionalJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.supervision.SignRegion(c.Request.Context(), actor(c), id, in.TargetID)
	respond(s, c, http.StatusOK, t, err)
}

func (s *Server) replyRegion(c *gin.Context) {
	var in regionAnswer
	id, ok := s.idAndJSON(c, &in)
	if !ok {
		return
	}
	t, err := s.supervision.ReplyRegion(c.Request.Context(), actor(c), id, in.TargetID, in.Reply)
	respond(s, c, http.StatusOK, t, err)
}
