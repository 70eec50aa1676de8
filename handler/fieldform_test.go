package handler_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"hazardloop/workflow"
)

// postMultipart posts fields and one file (skipped when data is nil) to path,
// the file first as the finding form orders it.
func (p *pageClient) postMultipart(path string, fields map[string]string, fileField string, data []byte) (*http.Response, string) {
	p.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if data != nil {
		fw, _ := mw.CreateFormFile(fileField, "现场.jpg")
		_, _ = fw.Write(data)
	}
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	return p.sendMultipart(path, &buf, mw)
}

// sendMultipart closes mw and posts what it wrote to buf.
func (p *pageClient) sendMultipart(path string, buf *bytes.Buffer, mw *multipart.Writer) (*http.Response, string) {
	p.t.Helper()
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, p.base+path, buf)
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := p.hc.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestFormsKeepInput: a photo over the limit on the finding form, the public
// form over its limit or refused: the same form comes back with what was typed
// and the message beside the field, never a bare error page.
func TestFormsKeepInput(t *testing.T) {
	eachDialectWith(t, workflow.Options{MaxUpload: 1 << 20}, func(t *testing.T, w *world, _ *workflow.Services) {
		p := newPageClient(t, w)
		csrf := p.login("officer")
		big := bytes.Repeat([]byte{0xff}, 1<<20+1)
		resp, body := p.postMultipart("/hazards/new", map[string]string{"csrf": csrf, "title": "村道边废弃油罐未清理",
			"description": "油罐锈蚀渗漏", "location": "扬子洲镇沿江路", "region_code": "360102"}, "photo", big)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("finding with a large photo: %d", resp.StatusCode)
		}
		for _, want := range []string{`action="/hazards/new"`, `value="村道边废弃油罐未清理"`, `>油罐锈蚀渗漏</textarea>`, `value="扬子洲镇沿江路"`,
			`文件过大，请重新选择照片`, `已填写的内容已保留`} {
			if !strings.Contains(body, want) {
				t.Errorf("finding form after a large photo lacks %q", want)
			}
		}

		// The public form: a refused report gives its slot back; a 429 keeps the form and says when.
		anon := newPageClient(t, w)
		form := map[string]string{"title": "地下室堆放液化气钢瓶", "description": "地下室存放二十余个液化气钢瓶", "region_code": "360102", "address": "某小区3栋"}
		for i := range 5 {
			if resp, _ := anon.postMultipart("/report", map[string]string{"title": "缺地址的举报", "description": "只写了描述五个字"}, "", nil); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("a report without address: %d", resp.StatusCode)
			}
			if resp, body := anon.postMultipart("/report", form, "", nil); resp.StatusCode != http.StatusCreated {
				t.Fatalf("report %d: %d %s", i+1, resp.StatusCode, body)
			}
		}
		resp, body = anon.postMultipart("/report", form, "", nil)
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("sixth accepted report: %d", resp.StatusCode)
		}
		for _, want := range []string{`action="/report"`, `value="地下室堆放液化气钢瓶"`, `value="某小区3栋"`, `60 分钟后再试`} {
			if !strings.Contains(body, want) {
				t.Errorf("public form after 429 lacks %q", want)
			}
		}
	})
}
