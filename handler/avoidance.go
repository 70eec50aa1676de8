package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Successful avoidance (成功避险) and its rewards: the avoidance itself is an
// event (POST /hazards/{id}/events, event avoidance); these routes list a
// hazard's avoidances and take their rewards through the two-person flow.

func (s *Server) listAvoidances(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.hazards.Avoidances(c.Request.Context(), actor(c), id)
	respond(s, c, http.StatusOK, v, err)
}

type avoidanceRewardRequest struct {
	UserID *int64   `json:"user_id"`
	Amount *float64 `json:"amount"`
}

func (s *Server) proposeAvoidanceReward(c *gin.Context) {
	var req avoidanceRewardRequest
	id, ok := s.idAndJSON(c, &req)
	if !ok {
		return
	}
	missing := map[string]string{}
	if req.UserID == nil {
		missing["user_id"] = "请选择奖励对象"
	}
	if req.Amount == nil {
		missing["amount"] = "请填写奖励金额（元）"
	}
	if len(missing) > 0 {
		s.fail(c, &httpError{http.StatusBadRequest, "invalid_fields", "请检查填写内容", missing})
		return
	}
	r, err := s.hazards.ProposeAvoidanceReward(c.Request.Context(), actor(c), id, *req.UserID, *req.Amount)
	respond(s, c, http.StatusCreated, r, err)
}

// myRewards lists the caller's own avoidance rewards (我的奖励): every
// account sees its own and nobody else's.
func (s *Server) myRewards(c *gin.Context) {
	rs, err := s.hazards.MyRewards(c.Request.Context(), actor(c))
	respond(s, c, http.StatusOK, gin.H{"items": rs}, err)
}
