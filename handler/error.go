package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow"
)

// apiError is the body of every error response.
type apiError struct {
	Error     string            `json:"error"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	Allowed   []string          `json:"allowed,omitzero"` // nil: absent; empty: [] (a 422 always says what is allowed)
	Detail    any               `json:"detail,omitempty"`
	RequestID string            `json:"request_id"`
}

var statusOf = map[workflow.Kind]int{
	workflow.KindInvalid:      http.StatusBadRequest,
	workflow.KindForbidden:    http.StatusForbidden,
	workflow.KindNotAllowed:   http.StatusUnprocessableEntity,
	workflow.KindConflict:     http.StatusConflict,
	workflow.KindNotFound:     http.StatusNotFound,
	workflow.KindUnauthorized: http.StatusUnauthorized,
	workflow.KindTooLarge:     http.StatusRequestEntityTooLarge,
	workflow.KindRateLimited:  http.StatusTooManyRequests,
}

// httpError is a refusal made by the HTTP layer itself.
type httpError struct {
	status  int
	code    string
	message string
	fields  map[string]string
}

func (e *httpError) Error() string { return e.code + ": " + e.message }

var (
	errRoute    = &httpError{http.StatusNotFound, "not_found", "请求的地址不存在", nil}
	errMethod   = &httpError{http.StatusMethodNotAllowed, "method_not_allowed", "该地址不支持此请求方法", nil}
	errTooLarge = &httpError{http.StatusRequestEntityTooLarge, "too_large", "请求内容过大", nil}
)

// statusClientClosed is what the access log records for a request whose client
// hung up before the answer (nginx's 499).
const statusClientClosed = 499

type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprintf("panic: %v", p.v) }

// fail is the one place an error becomes a response. A refusal the user can act on
// keeps its code and Chinese message; anything else is logged once with its cause
// and answered 500 with a generic message.
func (s *Server) fail(c *gin.Context, err error) {
	body := apiError{RequestID: c.GetString(requestIDKey)}
	status := http.StatusInternalServerError
	var we *workflow.Error
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &we):
		status = statusOf[we.Kind]
		body.Error, body.Message, body.Fields, body.Detail = we.Code, we.Message, we.Fields, we.Detail
		for _, a := range we.Allowed {
			body.Allowed = append(body.Allowed, string(a))
		}
		if we.RetryAfter > 0 {
			c.Header("Retry-After", strconv.Itoa(int(math.Ceil(we.RetryAfter.Seconds()))))
		}
		if we.Kind == workflow.KindNotAllowed && body.Allowed == nil {
			body.Allowed = []string{}
		}
	case errors.As(err, &he):
		status = he.status
		body.Error, body.Message, body.Fields = he.code, he.message, he.fields
	case errors.As(err, &mbe):
		status = errTooLarge.status
		body.Error, body.Message = errTooLarge.code, errTooLarge.message
	case errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil:
		// The client went away: nothing to answer and nothing wrong here.
		c.AbortWithStatus(statusClientClosed)
		return
	default:
		body.Error, body.Message = "internal", "服务器内部错误，请稍后重试"
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "internal error",
			slog.String("request_id", body.RequestID), slog.String("route", c.FullPath()), slog.Any("err", err))
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	c.AbortWithStatusJSON(status, body)
}
