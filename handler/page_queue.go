package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

type queueView struct {
	base
	Queue workflow.WorkQueue
	Today string
}

func (u *ui) queuePage(c *gin.Context) {
	q, err := u.s.hazards.Queue(c.Request.Context(), actor(c))
	if err != nil {
		u.fail(c, err)
		return
	}
	u.render(c, http.StatusOK, "queue", queueView{base: u.base(c, "我的待办", "/queue"), Queue: q,
		Today: u.s.hazards.Today().String()})
}
