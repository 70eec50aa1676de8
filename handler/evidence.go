package handler

import (
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

func (s *Server) uploadEvidence(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	max := s.evidence.MaxUpload()
	fields, files, err := readForm(c, int64(max)+1<<20, max, 1)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(files) != 1 || files[0].field != "file" {
		s.fail(c, &httpError{http.StatusBadRequest, "invalid_fields", "请在 file 字段中选择要上传的文件", map[string]string{"file": "请选择文件"}})
		return
	}
	res, err := s.evidence.Add(c.Request.Context(), actor(c), id, workflow.EvidenceInput{
		Kind: fields["kind"], Note: fields["note"], Filename: files[0].filename, Data: files[0].data})
	respond(s, c, http.StatusCreated, res, err)
}

func (s *Server) listEvidence(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	es, err := s.evidence.List(c.Request.Context(), actor(c), id)
	respond(s, c, http.StatusOK, gin.H{"items": es}, err)
}

func (s *Server) downloadEvidence(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	ev, rc, err := s.evidence.Open(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer rc.Close()
	name := ev.Filename
	if name == "" {
		name = "evidence-" + strconv.FormatInt(ev.ID, 10)
	}
	evidenceFile(c, name, ev.ContentType)
	c.Header("Content-Length", strconv.FormatInt(ev.Size, 10))
	// Evidence may be withdrawn, and a shared computer's cache is not the
	// place for a hazard's photos: never kept.
	c.Header("Cache-Control", "private, no-store")
	c.Status(http.StatusOK)
	_, _ = io.Copy(c.Writer, rc)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) withdrawEvidence(c *gin.Context) {
	var req reasonRequest
	id, ok := s.idAndJSON(c, &req)
	if !ok {
		return
	}
	ev, err := s.evidence.Withdraw(c.Request.Context(), actor(c), id, req.Reason)
	respond(s, c, http.StatusOK, ev, err)
}
