package handler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/model"
)

// Idempotency-Key (issue 18): a client that may retry a send (a phone on a bad
// line) names it with a key; the same key and the same request answer the first
// answer again, on any replica, for 24 hours; the same key with another request
// is refused (409). Keys belong to the signed-in user: another user's equal key
// is another key.
//
// How: the first request claims the key by inserting its row (the primary key
// makes a second claim impossible, whichever replica tries), runs, and stores
// its answer right after. Only a 2xx answer is kept: a refused request changed
// nothing, so its claim is released and a retry is answered afresh. A request
// that finds the key claimed and unanswered gets 409 "该请求正在处理" at once
// (no waiting inside a request: the client retries after Retry-After). If a
// replica dies between its change and storing the answer, the claim stays
// unanswered: retries keep getting 409 — never a second hazard — and after
// ten minutes the message says the outcome is unknown and to check the list.
const idempotencyHeader = "Idempotency-Key"

var (
	errIdemKey = &httpError{http.StatusBadRequest, "invalid_idempotency_key",
		"请求头 Idempotency-Key 应为1至255个可打印的ASCII字符", map[string]string{idempotencyHeader: "应为1至255个可打印的ASCII字符"}}
	errIdemBusy = &httpError{http.StatusConflict, "request_in_progress",
		"该请求正在处理，请稍后用同一请求键重试", nil}
	errIdemStale = &httpError{http.StatusConflict, "request_outcome_unknown",
		"该请求未能确认是否办结，请先在列表中核对，再以新的请求键重新提交", nil}
	errIdemReused = &httpError{http.StatusConflict, "idempotency_key_reused",
		"该请求键已用于另一请求内容，请换用新的请求键", nil}
)

// saneIdempotencyKey: 1 to 255 printable ASCII characters.
func saneIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// idempotent is the middleware of a send that takes an Idempotency-Key; limit
// bounds the body it reads to compare a retry (the handler's own limit).
func (s *Server) idempotent(limit func() int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		vals := c.Request.Header.Values(idempotencyHeader)
		if len(vals) == 0 {
			c.Next()
			return
		}
		key := vals[0]
		if len(vals) > 1 || !saneIdempotencyKey(key) {
			s.fail(c, errIdemKey)
			return
		}
		ctx := c.Request.Context()
		scope := "u:" + strconv.FormatInt(actor(c).ID, 10)
		sum := sha256.New()
		io.WriteString(sum, c.Request.Method+" "+c.Request.URL.Path+"\n")

		claimed, prior, err := s.idem.Claim(ctx, scope, key)
		if err != nil {
			s.fail(c, err)
			return
		}
		if !claimed {
			s.replay(c, prior, sum, limit())
			return
		}

		// Hash the body as the handler reads it: nothing is buffered beyond what
		// the handler itself keeps.
		tee := io.TeeReader(c.Request.Body, sum)
		c.Request.Body = struct {
			io.Reader
			io.Closer
		}{tee, c.Request.Body}
		rec := &recordingWriter{ResponseWriter: c.Writer}
		c.Writer = rec
		settled := false
		bg := context.WithoutCancel(ctx)
		defer func() {
			if !settled { // a panic: the change rolled back
				_ = s.idem.Release(bg, scope, key)
			}
		}()
		c.Next()
		settled = true
		status := rec.Status()
		if status < 200 || status > 299 {
			if err := s.idem.Release(bg, scope, key); err != nil {
				s.log.Error("release idempotency key", "err", err, "request_id", c.GetString(requestIDKey))
			}
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(tee, limit())) // what the handler left unread
		a := &model.IdempotentAnswer{Scope: scope, Key: key, RequestHash: hex.EncodeToString(sum.Sum(nil)),
			Status: status, ContentType: rec.Header().Get("Content-Type"), Body: rec.buf.String()}
		if err := s.idem.Finish(bg, a); err != nil {
			s.log.Error("store idempotent answer", "err", err, "request_id", c.GetString(requestIDKey))
		}
	}
}

// replay answers a request whose key another request holds: its stored answer
// if the request is the same, else a refusal.
func (s *Server) replay(c *gin.Context, prior *model.IdempotentAnswer, sum hash.Hash, limit int64) {
	if prior.Status == 0 {
		if s.idem.Stale(prior) {
			s.fail(c, errIdemStale)
			return
		}
		c.Header("Retry-After", "1")
		s.fail(c, errIdemBusy)
		return
	}
	if _, err := io.Copy(sum, http.MaxBytesReader(c.Writer, c.Request.Body, limit)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(c, errTooLarge)
		} else {
			s.fail(c, badForm())
		}
		return
	}
	if hex.EncodeToString(sum.Sum(nil)) != prior.RequestHash {
		s.fail(c, errIdemReused)
		return
	}
	c.Header("Idempotent-Replayed", "true")
	c.Data(prior.Status, prior.ContentType, []byte(prior.Body))
	c.Abort()
}

// recordingWriter keeps a copy of what is written (answers of sends are small
// JSON documents).
type recordingWriter struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) WriteString(s string) (int, error) {
	w.buf.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}
