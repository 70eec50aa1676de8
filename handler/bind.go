package handler

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// bindJSON decodes the body into v strictly: one JSON object of at most
// MaxJSONBytes, no unknown fields. A malformed body is the client's mistake: 400
// naming the field where possible, 413 when too large.
func (s *Server) bindJSON(c *gin.Context, v any) error {
	body := http.MaxBytesReader(c.Writer, c.Request.Body, s.opts.MaxJSONBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return badJSON("请求内容应为单个 JSON 对象", nil)
		}
		return nil
	}
	var mbe *http.MaxBytesError
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &mbe):
		return errTooLarge
	case errors.As(err, &typ):
		// Field is a path of Go names for embedded structs ("Fields.funds" for the
		// event fields); request bodies are flat, so the JSON name is the last part.
		field := typ.Field[strings.LastIndexByte(typ.Field, '.')+1:]
		if field == "" {
			return badJSON("请求内容应为 JSON 对象", nil)
		}
		return badJSON("字段 "+field+" 的类型不正确", map[string]string{field: "类型不正确，应为" + jsonKind(typ.Type.Kind().String())})
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return badJSON("请求内容不是合法的 JSON", nil)
	case errors.Is(err, io.EOF):
		return badJSON("请求内容为空", nil)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badJSON("未知字段 "+field, map[string]string{field: "未知字段"})
	}
	return badJSON("请求内容无法解析", nil)
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "字符串"
	case "bool":
		return "true 或 false"
	case "int", "int64", "float64":
		return "数字"
	}
	return k
}

func badJSON(msg string, fields map[string]string) error {
	return &httpError{http.StatusBadRequest, "invalid_json", msg, fields}
}

// idParam reads the positive integer path parameter name.
func idParam(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, &httpError{http.StatusBadRequest, "invalid_id", "编号应为正整数", map[string]string{name: "编号应为正整数"}}
	}
	return id, nil
}

// idAndJSON reads the path's id and the JSON body into v; on a bad request it
// answers it and reports false.
func (s *Server) idAndJSON(c *gin.Context, v any) (int64, bool) {
	id, err := idParam(c, "id")
	if err == nil {
		err = s.bindJSON(c, v)
	}
	if err != nil {
		s.fail(c, err)
		return 0, false
	}
	return id, true
}
