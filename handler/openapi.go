package handler

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// openAPIDocument is the API's contract: an OpenAPI 3.1 description of every
// route under /api/v1, served as it is written. It is the one place a route is
// described; TestOpenAPIDescribesEveryRoute fails when it and the router
// disagree, and TestOpenAPIHoldsTheAnswers holds the main schemas to the
// bodies the handlers write.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIETag names this build's document, so a client revalidates it cheaply.
var openAPIETag = func() string {
	sum := sha256.Sum256(openAPIDocument)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// openAPI answers GET /api/v1/openapi.json: public (it says nothing the README
// does not) and cacheable, unlike every other answer of the API, since it
// changes only with a release.
func (s *Server) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=3600")
	c.Header("ETag", openAPIETag)
	if etagMatches(c.GetHeader("If-None-Match"), openAPIETag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPIDocument)
}

// etagMatches reports whether an If-None-Match list names etag (or is "*"),
// compared weakly as RFC 9110 has it for that header.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
