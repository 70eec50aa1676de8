package handler

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
	"hazardloop/workflow"
)

const (
	userKey  = "user"
	tokenKey = "token"
)

var errNoToken = &httpError{http.StatusUnauthorized, "unauthorized", "请先登录", nil}

// authenticate requires "Authorization: Bearer <token>" of a live session; the
// scheme's name is case-insensitive (RFC 7235), "bearer" as good as "Bearer".
func (s *Server) authenticate(c *gin.Context) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(c.GetHeader("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="hazardloop"`)
		s.fail(c, errNoToken)
		return
	}
	u, err := s.directory.Authenticate(c.Request.Context(), token)
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="hazardloop"`)
		s.fail(c, err)
		return
	}
	c.Set(userKey, u)
	c.Set(tokenKey, token)
	c.Next()
}

func currentUser(c *gin.Context) *model.User { return c.MustGet(userKey).(*model.User) }

func actor(c *gin.Context) workflow.Actor { return workflow.ActorOf(currentUser(c)) }

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) login(c *gin.Context) {
	var req loginRequest
	if err := s.bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	token, u, err := s.directory.Login(c.Request.Context(), req.Username, req.Password)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"token": token, "user": u})
}

func (s *Server) logout(c *gin.Context) {
	if err := s.directory.Logout(c.Request.Context(), c.GetString(tokenKey)); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) { c.JSON(http.StatusOK, currentUser(c)) }
