package handler

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// majorFeed answers GET /feeds/major-hazards?cursor=C&limit=N: the shared
// major-hazard register's changes after C, oldest first (workflow
// Hazards.MajorFeed). A limit that is not a number is refused as one out of
// range.
func (s *Server) majorFeed(c *gin.Context) {
	limit := 0
	if q := c.Query("limit"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil {
			msg := "每页条数应为1到" + strconv.Itoa(workflow.MaxFeedLimit)
			s.fail(c, &httpError{http.StatusBadRequest, "invalid_fields", "请检查填写内容：" + msg, map[string]string{"limit": msg}})
			return
		}
		limit = n
		if limit == 0 { // 0 is not the default here: the caller asked for none
			limit = -1
		}
	}
	p, err := s.hazards.MajorFeed(c.Request.Context(), actor(c), c.Query("cursor"), limit)
	respond(s, c, http.StatusOK, p, err)
}
