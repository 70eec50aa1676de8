package handler

import (
	"log/slog"
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
	token, u, res, err := s.directory.Login(c.Request.Context(), req.Username, req.Password, c.ClientIP())
	s.signedIn(c, req.Username, res)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"token": token, "user": u})
}

// signedIn logs a sign-in with the account name tried (cut to 64
// characters; never the password) and its outcome, and counts it.
func (s *Server) signedIn(c *gin.Context, username string, res workflow.SignInResult) {
	if res.Outcome == "" {
		return // the store failed; logged as an internal error
	}
	name := []rune(strings.TrimSpace(username))
	if len(name) > 64 {
		name = name[:64]
	}
	level := slog.LevelInfo
	if res.Outcome != workflow.SignInOK {
		level = slog.LevelWarn
	}
	s.log.LogAttrs(c.Request.Context(), level, "sign-in",
		slog.String("request_id", c.GetString(requestIDKey)), slog.String("account", string(name)),
		slog.String("outcome", string(res.Outcome)), slog.Any("locked", res.Locked))
	s.opts.Metrics.SignIn(string(res.Outcome), res.Locked)
}

// unlockUser: POST /users/{id}/unlock (admins) lifts an account's sign-in lock.
func (s *Server) unlockUser(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	u, locked, err := s.directory.Unlock(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.loggedUnlock(c, u, locked)
	c.JSON(http.StatusOK, gin.H{"user_id": u.ID, "username": u.Username, "was_locked": locked})
}

// loggedUnlock logs an admin's lifting of u's sign-in lock, with who.
func (s *Server) loggedUnlock(c *gin.Context, u *model.User, wasLocked bool) {
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "sign-in unlocked",
		slog.String("request_id", c.GetString(requestIDKey)), slog.String("account", u.Username),
		slog.Bool("was_locked", wasLocked), slog.String("by", currentUser(c).Username))
}

func (s *Server) logout(c *gin.Context) {
	if err := s.directory.Logout(c.Request.Context(), c.GetString(tokenKey)); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) { c.JSON(http.StatusOK, currentUser(c)) }
