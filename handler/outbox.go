package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// listOutbox shows admins the notifications, by default those not yet delivered.
func (s *Server) listOutbox(c *gin.Context) {
	ms, err := s.notifications.List(c.Request.Context(), actor(c), c.Query("all") != "true")
	respond(s, c, http.StatusOK, gin.H{"items": ms}, err)
}
