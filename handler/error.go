package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

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

// problem is an error classified: everything an answer to it says, whether the
// answer is JSON or a page. classify makes it; nothing else looks inside errors.
type problem struct {
	Status     int
	Code       string
	Message    string // Chinese, the same in every rendering
	Fields     map[string]string
	Allowed    []string // never nil for a 422 (it always says what is allowed)
	Detail     any
	RetryAfter time.Duration
	Internal   bool // not the user's doing: logged once with its cause; the message is generic
}

// internalProblem is the answer to a failure that is not the user's.
var internalProblem = problem{Status: http.StatusInternalServerError, Code: "internal", Message: "服务器内部错误，请稍后重试", Internal: true}

// classify turns any error into its answer. ctx is the request's: a
// cancellation of the request (the client went away) is statusClientClosed, not
// a failure; any other error the user cannot act on is internalProblem.
func classify(ctx context.Context, err error) problem {
	var we *workflow.Error
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &we):
		status, ok := statusOf[we.Kind]
		if !ok {
			return internalProblem
		}
		p := problem{Status: status, Code: we.Code, Message: we.Message, Fields: we.Fields, Detail: we.Detail, RetryAfter: we.RetryAfter}
		for _, a := range we.Allowed {
			p.Allowed = append(p.Allowed, string(a))
		}
		if we.Kind == workflow.KindNotAllowed && p.Allowed == nil {
			p.Allowed = []string{}
		}
		return p
	case errors.As(err, &he):
		return problem{Status: he.status, Code: he.code, Message: he.message, Fields: he.fields}
	case errors.As(err, &mbe):
		return problem{Status: errTooLarge.status, Code: errTooLarge.code, Message: errTooLarge.message}
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return problem{Status: statusClientClosed, Code: "client_closed"}
	}
	return internalProblem
}

// answer classifies err for the request being answered: it logs an internal
// failure, once, with its cause, and sets the headers every rendering of the
// answer carries.
func (s *Server) answer(c *gin.Context, err error) problem {
	p := classify(c.Request.Context(), err)
	if p.Internal {
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "internal error",
			slog.String("request_id", c.GetString(requestIDKey)), slog.String("route", c.FullPath()), slog.Any("err", err))
	}
	if p.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(p.RetryAfter.Seconds()))))
	}
	return p
}

// fail is the one place an error becomes a response: classified once, then
// answered as JSON, or as the error page on the web UI's routes (pageKey). A
// client that went away gets no answer, only 499 in the access log.
func (s *Server) fail(c *gin.Context, err error) {
	p := s.answer(c, err)
	switch {
	case p.Status == statusClientClosed:
		c.AbortWithStatus(statusClientClosed)
	case c.GetBool(pageKey):
		s.ui.errorPage(c, p)
	default:
		c.AbortWithStatusJSON(p.Status, apiError{Error: p.Code, Message: p.Message, Fields: p.Fields, Allowed: p.Allowed,
			Detail: p.Detail, RequestID: c.GetString(requestIDKey)})
	}
}
