package handler

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"hazardloop/workflow/media"
)

// part is one file of a multipart form, read whole (each within the limit).
type part struct {
	field, filename string
	data            []byte
}

// readForm reads a multipart/form-data body of at most maxTotal bytes, each file
// at most maxFile, and at most maxFiles files. Plain fields are capped at 64 KiB.
// On a refusal it still returns the fields it could read (a file over the limit
// is skipped and the rest of the form read), so a page can show the form again
// as it was typed.
func readForm(c *gin.Context, maxTotal int64, maxFile, maxFiles int) (map[string]string, []part, error) {
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if ct != "multipart/form-data" {
		return nil, nil, &httpError{http.StatusUnsupportedMediaType, "bad_content_type", "请以 multipart/form-data 方式上传文件", nil}
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxTotal)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, nil, badForm()
	}
	fields := map[string]string{}
	var files []part
	var refused error
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fields, nil, formErr(err)
		}
		name := p.FormName()
		if p.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(p, 64<<10+1))
			if err != nil {
				return fields, nil, formErr(err)
			}
			if len(b) > 64<<10 {
				return fields, nil, &httpError{http.StatusBadRequest, "invalid_fields", "字段内容过长", map[string]string{name: "内容过长"}}
			}
			fields[name] = string(b)
			continue
		}
		if refused != nil {
			if _, err := io.Copy(io.Discard, p); err != nil {
				return fields, nil, refused
			}
			continue
		}
		if len(files) == maxFiles {
			refused = &httpError{http.StatusBadRequest, "too_many_files", fmt.Sprintf("一次最多上传%d个文件", maxFiles), nil}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p, int64(maxFile)+1))
		if err != nil {
			return fields, nil, formErr(err)
		}
		if len(b) > maxFile {
			refused = &httpError{http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("单个文件不能超过 %d MB", maxFile>>20), map[string]string{name: "文件过大"}}
			if _, err := io.Copy(io.Discard, p); err != nil {
				return fields, nil, refused
			}
			continue
		}
		files = append(files, part{field: name, filename: p.FileName(), data: b})
	}
	if refused != nil {
		return fields, nil, refused
	}
	return fields, files, nil
}

func badForm() error {
	return &httpError{http.StatusBadRequest, "invalid_form", "上传内容无法解析，请重新选择文件上传", nil}
}

func formErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return badForm()
}

// attachment sets the headers of a download: never rendered inline, never
// sniffed, with the name in RFC 5987 form so Chinese names survive.
func attachment(c *gin.Context, filename, contentType string) {
	disposition(c, "attachment", filename, contentType)
}

// inlineImages are the types a browser may show in place (a photo opens on a
// phone instead of landing in its downloads). They are the raster formats every
// browser shows (HEIC is not one); an SVG would carry script, and whatever
// is not a photo stays an attachment.
var inlineImages = map[string]bool{media.JPEG: true, media.PNG: true, media.WebP: true}

// evidenceFile sets the headers of an evidence file: a photo inline, anything
// else an attachment; both unsniffed and under a sandbox CSP.
func evidenceFile(c *gin.Context, filename, contentType string) {
	if inlineImages[contentType] {
		disposition(c, "inline", filename, contentType)
		return
	}
	attachment(c, filename, contentType)
}

func disposition(c *gin.Context, kind, filename, contentType string) {
	// No control or format character reaches the header, in either form: a
	// U+202E in filename* shows "gpj.exe" as "exe.jpg".
	filename = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(filename, ""))
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, filename)
	c.Header("Content-Disposition", fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, kind, ascii, rfc5987(filename)))
	c.Header("Content-Type", contentType)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Security-Policy", "default-src 'none'; sandbox")
}

// rfc5987 percent-encodes s as the value of an RFC 5987 ext-value: every byte
// but attr-char. url.PathEscape is not that: it leaves "=", "@" and ":"
// bare, and a filename* holding them is a malformed header that strict parsers
// (Go's mime package among them) refuse.
func rfc5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
