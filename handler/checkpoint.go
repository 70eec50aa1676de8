package handler

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
)

// The transparency log's routes (workflow.Checkpoints): checkpoints are served
// as the signed note's text, so that any note verifier checks them with the
// key's text from /checkpoints/key; lists and proofs are JSON. Signed in to
// read: a checkpoint counts every event, the proofs name an event's position.

// checkpointList answers GET /api/v1/checkpoints?before=N&limit=L, newest first.
func (s *Server) checkpointList(c *gin.Context) {
	before, err := optionalInt(c, "before")
	if err != nil {
		s.fail(c, err)
		return
	}
	limit, err := optionalInt(c, "limit")
	if err != nil {
		s.fail(c, err)
		return
	}
	cps, err := s.checkpoints.List(c.Request.Context(), actor(c), before, int(limit))
	if cps == nil {
		cps = []model.Checkpoint{}
	}
	respond(s, c, http.StatusOK, gin.H{"origin": s.checkpoints.Origin(), "checkpoints": cps}, err)
}

// checkpointKey answers GET /api/v1/checkpoints/key: the verifier key's text.
func (s *Server) checkpointKey(c *gin.Context) {
	if s.checkpoints.VerifierKey() == "" {
		s.fail(c, &httpError{http.StatusNotFound, "not_found", "本部署未配置签名密钥", nil})
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(s.checkpoints.VerifierKey()+"\n"))
}

// checkpointNote answers GET /api/v1/checkpoints/{n}: the signed note's text.
func (s *Server) checkpointNote(c *gin.Context) {
	n, err := idParam(c, "n")
	if err != nil {
		s.fail(c, err)
		return
	}
	cp, err := s.checkpoints.Get(c.Request.Context(), actor(c), n)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(cp.SignedNote))
}

// checkpointConsistency answers GET /api/v1/checkpoints/{n}/consistency?from=m.
func (s *Server) checkpointConsistency(c *gin.Context) {
	n, err := idParam(c, "n")
	if err != nil {
		s.fail(c, err)
		return
	}
	from, err := strconv.ParseInt(c.Query("from"), 10, 64)
	if err != nil || from <= 0 {
		s.fail(c, &httpError{http.StatusBadRequest, "invalid_from", "from 应为较早检查点的编号（正整数）", map[string]string{"from": "应为正整数"}})
		return
	}
	p, err := s.checkpoints.Consistency(c.Request.Context(), actor(c), n, from)
	respond(s, c, http.StatusOK, p, err)
}

// eventProof answers GET /api/v1/hazards/{id}/events/{seq}/proof?checkpoint=n
// (n absent: the newest checkpoint).
func (s *Server) eventProof(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	seq, err := idParam(c, "seq")
	if err != nil {
		s.fail(c, err)
		return
	}
	n, err := optionalInt(c, "checkpoint")
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.checkpoints.Inclusion(c.Request.Context(), actor(c), id, seq, n)
	respond(s, c, http.StatusOK, p, err)
}

// optionalInt reads a non-negative integer query parameter (0 when absent).
func optionalInt(c *gin.Context, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, &httpError{http.StatusBadRequest, "invalid_" + name, name + " 应为正整数", map[string]string{name: "应为正整数"}}
	}
	return n, nil
}
