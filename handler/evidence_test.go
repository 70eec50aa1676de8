package handler_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hazardloop/blob"
	"hazardloop/handler"
	"hazardloop/ledger"
	"hazardloop/model"
	"hazardloop/model/modeltest"
	"hazardloop/workflow"
)

// ---- shared helpers of the evidence, report and supervision tests ----

// reportKey is the key newWorld gives its engine; an engine built for the same
// world must seal with the same.
var reportKey = []byte("0123456789abcdef0123456789abcdef")

// newEngineWorld is a fixture world whose handler runs on an engine built with
// opts (the world's clock, a fresh file store and the report key filled in). It
// returns that engine too, for what only the engine does: the sweeper.
func newEngineWorld(t *testing.T, dialect string, opts workflow.Options) (*world, *workflow.Services) {
	t.Helper()
	w := newWorld(t, dialect)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	opts.Now, opts.Blobs, opts.ReportKey = w.clock.Now, blobs, reportKey
	eng := workflow.New(w.store, opts)
	if w.srv, err = handler.New(eng, ledger.New(w.store, eng.Hazards, nil), handler.Options{}); err != nil {
		t.Fatalf("handler.New: %v", err)
	}
	return w, eng
}

// eachDialectWith is eachDialect over newEngineWorld.
func eachDialectWith(t *testing.T, opts workflow.Options, fn func(t *testing.T, w *world, eng *workflow.Services)) {
	t.Helper()
	t.Parallel()
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			w, eng := newEngineWorld(t, d, opts)
			fn(t, w, eng)
		})
	}
}

// send serves req as this client (its token, if any) and checks only what every
// answer must satisfy: never a 5xx. The body may be anything (files, HTML).
func (c *client) send(req *http.Request) *response {
	c.t.Helper()
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	c.w.srv.ServeHTTP(rec, req)
	r := &response{t: c.t, method: req.Method, path: req.URL.Path, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if r.status >= 500 {
		c.t.Errorf("%s %s: status %d, never a 5xx: %.300s", req.Method, req.URL.Path, r.status, r.body)
	}
	return r
}

// fetch is a GET through send: for downloads and pages.
func (c *client) fetch(path string) *response {
	c.t.Helper()
	return c.send(httptest.NewRequest(http.MethodGet, path, nil))
}

// filePart is one file of a multipart form.
type filePart struct {
	field, name string
	data        []byte
}

// multipartBody encodes fields (in name order) and files as multipart/form-data.
func multipartBody(t *testing.T, fields map[string]string, files ...filePart) (io.Reader, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := mw.WriteField(k, fields[k]); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(f.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &body, mw.FormDataContentType()
}

// postForm posts a multipart form as this client.
func (c *client) postForm(path string, fields map[string]string, files ...filePart) *response {
	c.t.Helper()
	body, ct := multipartBody(c.t, fields, files...)
	req := httptest.NewRequest(http.MethodPost, path, body)
	req.Header.Set("Content-Type", ct)
	return c.send(req)
}

// evidence is an evidence file as the API returns it.
type evidence struct {
	ID             int64      `json:"id"`
	HazardID       int64      `json:"hazard_id"`
	Kind           string     `json:"kind"`
	SHA256         string     `json:"sha256"`
	Size           int64      `json:"size"`
	ContentType    string     `json:"content_type"`
	Filename       string     `json:"filename"`
	Note           string     `json:"note"`
	UploadedBy     *int64     `json:"uploaded_by"`
	UploaderRole   string     `json:"uploader_role"`
	FromPublic     bool       `json:"from_public"`
	CapturedAt     *time.Time `json:"captured_at"`
	CreatedAt      time.Time  `json:"created_at"`
	WithdrawnAt    *time.Time `json:"withdrawn_at"`
	WithdrawnBy    *int64     `json:"withdrawn_by"`
	WithdrawReason string     `json:"withdraw_reason"`
	HazardVersion  int        `json:"hazard_version"`
}

func evidencePath(id int64) string { return "/api/v1/evidence/" + strconv.FormatInt(id, 10) }

// addEvidence uploads a file that must be taken.
func (c *client) addEvidence(hazardID int64, kind, name string, data []byte) evidence {
	c.t.Helper()
	var ev evidence
	c.upload(hazardPath(hazardID)+"/evidence", name, data, map[string]string{"kind": kind}).want(http.StatusCreated).decode(&ev)
	return ev
}

func (c *client) evidenceOf(hazardID int64) []evidence {
	c.t.Helper()
	var out struct {
		Items []evidence `json:"items"`
	}
	c.get(hazardPath(hazardID) + "/evidence").want(http.StatusOK).decode(&out)
	return out.Items
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// rectifying registers a hazard of enterprise A and takes it to rectifying, with
// a deadline and a responsible person.
func rectifying(t *testing.T, w *world, title, deadline string) hazard {
	t.Helper()
	entA, donghu := w.as(t, "entA"), w.as(t, "donghu")
	h := entA.createHazard(obj{"title": title})
	h = donghu.mustFire(h, "confirm", obj{"deadline": deadline})
	return entA.mustFire(h, "plan", obj{"measures": "按方案整改", "responsible_person": "李建国", "responsible_phone": "13807910001"})
}

// ---- test files, built the way real programs write them ----

// picture is a w×h image in four colours.
func picture(w, h int) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	cs := [2][2]color.RGBA{{{255, 0, 0, 255}, {0, 255, 0, 255}}, {{0, 0, 255, 255}, {255, 255, 255, 255}}}
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, cs[y*2/h][x*2/w])
		}
	}
	return m
}

// gpsMarker is an ASCII value put in the GPS IFD, to look for in stored files.
const gpsMarker = "GPS-SECRET-WGS-84"

// exifTIFF builds a little-endian TIFF block: IFD0 (Make), the Exif IFD with
// DateTimeOriginal ("2006:01:02 15:04:05") and, if gps, a GPS IFD with a
// latitude and gpsMarker.
func exifTIFF(dateTime string, gps bool) []byte {
	le := binary.LittleEndian
	type entry struct {
		tag, typ uint16
		count    uint32
		data     []byte
	}
	const ascii, long, rational = 2, 4, 5
	str := func(s string) []byte { return append([]byte(s), 0) }
	ifd := func(base uint32, es []entry) []byte {
		head := uint32(2 + 12*len(es) + 4)
		var b, extra []byte
		b = le.AppendUint16(b, uint16(len(es)))
		for _, e := range es {
			b = le.AppendUint16(b, e.tag)
			b = le.AppendUint16(b, e.typ)
			b = le.AppendUint32(b, e.count)
			if len(e.data) <= 4 {
				v := make([]byte, 4)
				copy(v, e.data)
				b = append(b, v...)
				continue
			}
			b = le.AppendUint32(b, base+head+uint32(len(extra)))
			extra = append(extra, e.data...)
			if len(extra)%2 == 1 {
				extra = append(extra, 0)
			}
		}
		b = le.AppendUint32(b, 0)
		return append(b, extra...)
	}
	ifd0 := func(exifOff, gpsOff uint32) []byte {
		es := []entry{{0x010F, ascii, 8, str("Camera1")}, {0x8769, long, 1, le.AppendUint32(nil, exifOff)}}
		if gps {
			es = append(es, entry{0x8825, long, 1, le.AppendUint32(nil, gpsOff)})
		}
		return ifd(8, es)
	}
	exifOff := 8 + uint32(len(ifd0(0, 0)))
	exif := ifd(exifOff, []entry{{0x9003, ascii, uint32(len(dateTime) + 1), str(dateTime)}})
	gpsOff := exifOff + uint32(len(exif))
	out := append([]byte("II*\x00"), le.AppendUint32(nil, 8)...)
	out = append(out, ifd0(exifOff, gpsOff)...)
	out = append(out, exif...)
	if gps {
		var lat []byte
		for _, v := range []uint32{28, 1, 41, 1, 1234, 100} {
			lat = le.AppendUint32(lat, v)
		}
		out = append(out, ifd(gpsOff, []entry{
			{0x0001, ascii, 2, str("N")},
			{0x0002, rational, 3, lat},
			{0x0012, ascii, uint32(len(gpsMarker) + 1), str(gpsMarker)},
		})...)
	}
	return out
}

// jpegFile encodes a picture, with an APP1 Exif segment after SOI when tiff is
// given.
func jpegFile(t *testing.T, tiff []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, picture(32, 24), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	plain := buf.Bytes()
	if tiff == nil {
		return plain
	}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(payload)+2))
	out := append([]byte{}, plain[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, plain[2:]...)
}

func pngFile(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, picture(16, 16)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// webpFile is the well-known 26-byte lossless 1×1 WebP.
func webpFile(t *testing.T) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// heicFile is the start of an HEIC file: its ftyp box and an empty meta box.
func heicFile() []byte {
	b := binary.BigEndian.AppendUint32(nil, 24)
	b = append(b, "ftypheic\x00\x00\x00\x00mif1heic"...)
	return append(b, 0, 0, 0, 8, 'm', 'e', 't', 'a')
}

// zipFile is a zip of name/content pairs.
func zipFile(t *testing.T, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		fw, err := zw.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(fw, files[i+1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func docxFile(t *testing.T, extra ...string) []byte {
	t.Helper()
	files := []string{
		"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>整改情况说明</w:t></w:r></w:p></w:body></w:document>`,
	}
	return zipFile(t, append(files, extra...)...)
}

func xlsxFile(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetCellValue("Sheet1", "A1", "整改资金明细")
	_ = f.SetCellValue("Sheet1", "B1", 12.5)
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// An ELF and a PE executable: what a .jpg must never turn out to be.
var (
	elfFile = append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00\x01\x00\x00\x00"), make([]byte, 200)...)
	peFile  = append(append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 48)...), "PE\x00\x00This program cannot be run in DOS mode."...)
)

const unsupportedType = "不支持的文件类型：照片请用 JPG、PNG、WebP 或 HEIC，文件请用 PDF、Word（.docx）或 Excel（.xlsx）"

// ---- tests ----

func TestEvidenceAcceptedTypes(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		entA := w.as(t, "entA")
		h := rectifying(t, w, "危化品仓库通风不良", "2026-12-20")
		cases := []struct {
			name, kind, filename, contentType string
			data                              []byte
		}{
			{"jpeg", "photo_before", "整改前.jpg", "image/jpeg", jpegFile(t, nil)},
			{"png", "photo_after", "整改后.png", "image/png", pngFile(t)},
			{"webp", "photo_after", "现场.webp", "image/webp", webpFile(t)},
			{"heic", "photo_after", "IMG_0001.HEIC", "image/heic", heicFile()},
			{"pdf", "document", "整改报告.pdf", "application/pdf", testPDF},
			{"docx", "document", "整改情况说明.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docxFile(t)},
			{"xlsx", "document", "资金明细.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsxFile(t)},
			// The name does not matter, only the content: its extension is the content's.
			{"pdf named .txt", "document", "report.pdf", "application/pdf", append(append([]byte{}, testPDF...), "% 2\n"...)},
		}
		version := h.Version
		var uploaded []evidence
		for _, tc := range cases {
			ev := entA.addEvidence(h.ID, tc.kind, tc.filename, tc.data)
			version++
			if ev.ID <= 0 || ev.HazardID != h.ID || ev.Kind != tc.kind || ev.ContentType != tc.contentType ||
				ev.SHA256 != sha256Hex(tc.data) || ev.Size != int64(len(tc.data)) || ev.Filename != tc.filename {
				t.Errorf("%s: %+v", tc.name, ev)
			}
			if ev.UploadedBy == nil || *ev.UploadedBy != w.users["entA"].ID || ev.UploaderRole != "enterprise" || ev.FromPublic ||
				!ev.CreatedAt.Equal(start) || ev.CapturedAt != nil || ev.WithdrawnAt != nil || ev.HazardVersion != version {
				t.Errorf("%s: record %+v (want hazard version %d)", tc.name, ev, version)
			}
			uploaded = append(uploaded, ev)
		}

		// Each file comes back exactly: a photo opens inline, anything else downloads;
		// neither is sniffed, and both are sandboxed.
		for i, ev := range uploaded {
			r := w.as(t, "city").fetch(evidencePath(ev.ID)).want(http.StatusOK)
			if !bytes.Equal(r.body, cases[i].data) {
				t.Errorf("%s: downloaded %d bytes, not the %d uploaded", cases[i].name, len(r.body), len(cases[i].data))
			}
			if got := r.header.Get("Content-Type"); got != cases[i].contentType {
				t.Errorf("%s: Content-Type %q", cases[i].name, got)
			}
			if got := r.header.Get("Content-Length"); got != strconv.Itoa(len(cases[i].data)) {
				t.Errorf("%s: Content-Length %q", cases[i].name, got)
			}
			wantDownloadHeaders(t, r, cases[i].filename)
		}

		// Listed on the hazard, in upload order; the hazard moved one version a file.
		got := entA.evidenceOf(h.ID)
		if len(got) != len(cases) {
			t.Fatalf("%d files listed, want %d", len(got), len(cases))
		}
		for i, ev := range got {
			if ev.ID != uploaded[i].ID || ev.SHA256 != uploaded[i].SHA256 || ev.ContentType != uploaded[i].ContentType {
				t.Errorf("listed %d: %+v, uploaded %+v", i, ev, uploaded[i])
			}
		}
		if hv := entA.hazard(h.ID); hv.Version != version || hv.State != "rectifying" {
			t.Errorf("hazard after uploads: version %d state %s, want %d rectifying", hv.Version, hv.State, version)
		}
	})
}

// wantDownloadHeaders checks what every evidence download says: a photo
// (JPEG, PNG, WebP) inline so it opens on a phone, anything else an attachment,
// named in RFC 5987 form (which a strict parser reads back to the name),
// nosniff and a sandboxing CSP.
func wantDownloadHeaders(t *testing.T, r *response, filename string) {
	t.Helper()
	cd := r.header.Get("Content-Disposition")
	disp, params, err := mime.ParseMediaType(cd)
	want := "attachment"
	switch r.header.Get("Content-Type") {
	case "image/jpeg", "image/png", "image/webp":
		want = "inline"
	}
	if err != nil || disp != want {
		t.Errorf("Content-Disposition %q: %s, %v", cd, disp, err)
	} else if params["filename"] != filename {
		t.Errorf("Content-Disposition %q names %q, want %q", cd, params["filename"], filename)
	}
	if !strings.Contains(cd, "filename*=UTF-8''") {
		t.Errorf("Content-Disposition %q has no RFC 5987 filename*", cd)
	}
	// The plain filename= is the ASCII fallback.
	if _, rest, ok := strings.Cut(cd, `filename="`); !ok {
		t.Errorf("Content-Disposition %q has no ASCII filename", cd)
	} else if fallback, _, _ := strings.Cut(rest, `"`); strings.ContainsFunc(fallback, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		t.Errorf("Content-Disposition fallback %q is not ASCII", fallback)
	}
	if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", got)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
}

func TestEvidenceDownloadName(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		h := rectifying(t, w, "消防通道堵塞", "2026-12-20")
		// Names people give files: Chinese, spaces, and the characters that are
		// not allowed bare in an RFC 5987 value (=, @, :, ', parentheses).
		for _, name := range []string{
			"整改报告（第2版）.pdf",
			"检测报告=合格@东湖.pdf",
			"10:30 现场 it's (1).pdf",
			"100% 完成.pdf",
		} {
			ev := w.as(t, "entA").addEvidence(h.ID, "document", name, testPDF)
			if ev.Filename != name {
				t.Errorf("stored name %q, want %q", ev.Filename, name)
			}
			r := w.as(t, "donghu").fetch(evidencePath(ev.ID)).want(http.StatusOK)
			wantDownloadHeaders(t, r, name)
		}
		// Directories and quotes are not part of a name.
		ev := w.as(t, "entA").addEvidence(h.ID, "document", `C:\Users\张三\"现场".pdf`, testPDF)
		if ev.Filename != "现场.pdf" {
			t.Errorf("stored name %q, want 现场.pdf", ev.Filename)
		}
		// The extension is what the file is; control and format characters (a
		// right-to-left override shows "gpj.exe" as "exe.jpg") are dropped from
		// the name stored and from both forms of the name served.
		for _, tc := range []struct {
			name string
			data []byte
			want string
		}{
			{"a.html", pngFile(t), "a.png"},
			{"现场.jpg", pngFile(t), "现场.png"},
			{"报告", testPDF, "报告.pdf"},
			{".html", testPDF, "材料.pdf"},
			{"photo\u202egnp.exe", pngFile(t), "photognp.png"},
			{"\u202a现场\u200b照片\u2066.PNG", pngFile(t), "现场照片.PNG"},
			{"\ufeffreport.PDF", testPDF, "report.PDF"},
		} {
			kind := "photo_after"
			if tc.want[len(tc.want)-3:] == "pdf" || tc.want[len(tc.want)-3:] == "PDF" {
				kind = "document"
			}
			ev := w.as(t, "entA").addEvidence(h.ID, kind, tc.name, tc.data)
			if ev.Filename != tc.want {
				t.Errorf("%q stored as %q, want %q", tc.name, ev.Filename, tc.want)
			}
			r := w.as(t, "donghu").fetch(evidencePath(ev.ID)).want(http.StatusOK)
			wantDownloadHeaders(t, r, tc.want)
			if cd := r.header.Get("Content-Disposition"); strings.Contains(cd, "%E2%80%AE") || strings.Contains(cd, "%E2%80%AA") ||
				strings.Contains(cd, "%E2%80%8B") || strings.Contains(cd, "%00") || strings.Contains(cd, "html") {
				t.Errorf("%q served as %q", tc.name, cd)
			}
		}
	})
}

func TestEvidenceRefusals(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		entA := w.as(t, "entA")
		h := rectifying(t, w, "配电房漏雨", "2026-12-20")
		path := hazardPath(h.ID) + "/evidence"

		cases := []struct {
			name, kind, filename string
			data                 []byte
			says                 string
		}{
			{"ELF named .jpg", "photo_after", "整改后.jpg", elfFile, unsupportedType},
			{"PE named .jpg", "photo_after", "photo.jpg", peFile, unsupportedType},
			{"PE as a document", "document", "report.pdf", peFile, unsupportedType},
			{"HTML named .jpg", "photo_after", "photo.jpg", []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"), unsupportedType},
			{"HTML", "document", "page.html", []byte("<html><head><title>x</title></head><body>hi</body></html>"), unsupportedType},
			{"SVG", "photo_after", "photo.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), unsupportedType},
			{"plain text", "document", "说明.txt", []byte("整改已完成，请核实。"), unsupportedType},
			{"GIF", "photo_after", "a.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), unsupportedType},
			{"plain zip", "document", "材料.zip", zipFile(t, "a.txt", "hello"), unsupportedType},
			{"macro-enabled docx", "document", "说明.docx", docxFile(t, "word/vbaProject.bin", "\x00\x01"), unsupportedType},
			{"document as a photo", "photo_after", "整改后.jpg", testPDF, "照片类材料须上传图片文件"},
			{"spreadsheet as a photo", "photo_before", "整改前.png", xlsxFile(t), "照片类材料须上传图片文件"},
			{"empty file", "document", "空.pdf", nil, "请选择要上传的文件"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := w.as(t, "entA")
				e := c.upload(path, tc.filename, tc.data, map[string]string{"kind": tc.kind}).wantError(http.StatusBadRequest, "invalid_fields", "file")
				if e.Fields["file"] != tc.says {
					t.Errorf("file: %q, want %q", e.Fields["file"], tc.says)
				}
				wantContains(t, "message", e.Message, tc.says)
			})
		}

		t.Run("bad kind", func(t *testing.T) {
			for _, kind := range []string{"", "photo", "PHOTO_AFTER", "video"} {
				e := w.as(t, "entA").upload(path, "a.pdf", testPDF, map[string]string{"kind": kind}).wantError(http.StatusBadRequest, "invalid_fields", "kind")
				wantContains(t, "kind", e.Fields["kind"], "photo_before")
			}
		})
		t.Run("note too long", func(t *testing.T) {
			w.as(t, "entA").upload(path, "a.pdf", testPDF, map[string]string{"kind": "document", "note": strings.Repeat("长", 501)}).
				wantError(http.StatusBadRequest, "invalid_fields", "note")
		})
		t.Run("no file field", func(t *testing.T) {
			c := w.as(t, "entA")
			e := c.postForm(path, map[string]string{"kind": "document"}).wantError(http.StatusBadRequest, "invalid_fields", "file")
			if e.Message != "请在 file 字段中选择要上传的文件" {
				t.Errorf("message %q", e.Message)
			}
			// A file under another name is not the file.
			c.postForm(path, map[string]string{"kind": "document"}, filePart{"photo", "a.pdf", testPDF}).wantError(http.StatusBadRequest, "invalid_fields", "file")
			// Two files where one is taken.
			c.postForm(path, map[string]string{"kind": "document"}, filePart{"file", "a.pdf", testPDF}, filePart{"file", "b.pdf", testPDF}).
				wantError(http.StatusBadRequest, "too_many_files")
		})
		t.Run("not a form", func(t *testing.T) {
			w.as(t, "entA").post(path, obj{"kind": "document", "file": base64.StdEncoding.EncodeToString(testPDF)}).
				wantError(http.StatusUnsupportedMediaType, "bad_content_type")
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("--x\r\nbroken"))
			req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
			w.as(t, "entA").send(req).wantError(http.StatusBadRequest, "invalid_form")
		})
		t.Run("who may upload", func(t *testing.T) {
			w.as(t, "entB").upload(path, "a.pdf", testPDF, map[string]string{"kind": "document"}).wantError(http.StatusForbidden, "forbidden")
			w.as(t, "xihu").upload(path, "a.pdf", testPDF, map[string]string{"kind": "document"}).wantError(http.StatusForbidden, "forbidden")
			e := w.as(t, "admin").upload(path, "a.pdf", testPDF, map[string]string{"kind": "document"}).wantError(http.StatusForbidden, "forbidden")
			wantContains(t, "admin", e.Message, "不能上传")
			w.anon(t).upload(path, "a.pdf", testPDF, map[string]string{"kind": "document"}).wantError(http.StatusUnauthorized, "unauthorized")
			w.as(t, "entA").upload(hazardPath(999999)+"/evidence", "a.pdf", testPDF, map[string]string{"kind": "document"}).wantError(http.StatusNotFound, "not_found")
			w.as(t, "entA").upload("/api/v1/hazards/abc/evidence", "a.pdf", testPDF, map[string]string{"kind": "document"}).wantError(http.StatusBadRequest, "invalid_id", "id")
		})

		// None of it was stored or logged.
		if got := entA.evidenceOf(h.ID); len(got) != 0 {
			t.Errorf("%d files after refusals: %+v", len(got), got)
		}
		if got := entA.hazard(h.ID); got.Version != h.Version || got.LastSeq != h.LastSeq {
			t.Errorf("hazard after refusals: version %d seq %d, want %d %d", got.Version, got.LastSeq, h.Version, h.LastSeq)
		}

		t.Run("closed hazard", func(t *testing.T) {
			donghu := w.as(t, "donghu")
			g := entA.mustFire(entA.hazard(h.ID), "submit", obj{})
			g = donghu.mustFire(g, "approve", obj{"comment": "已整改"})
			e := entA.upload(hazardPath(g.ID)+"/evidence", "a.pdf", testPDF, map[string]string{"kind": "document"}).
				wantError(http.StatusUnprocessableEntity, "hazard_closed")
			if e.Message != "隐患已销号，不能再更改佐证材料" {
				t.Errorf("closed hazard: %q", e.Message)
			}
		})
	})
}

func TestEvidenceSizeLimit(t *testing.T) {
	eachDialectWith(t, workflow.Options{MaxUpload: 1 << 20}, func(t *testing.T, w *world, _ *workflow.Services) {
		h := rectifying(t, w, "锅炉房无人值守", "2026-12-20")
		path := hazardPath(h.ID) + "/evidence"
		// A PDF of exactly the limit is taken ...
		exact := append(append([]byte{}, testPDF...), bytes.Repeat([]byte{' '}, 1<<20-len(testPDF))...)
		ev := w.as(t, "entA").addEvidence(h.ID, "document", "满额.pdf", exact)
		if ev.Size != 1<<20 {
			t.Errorf("size %d", ev.Size)
		}
		// ... one byte more is not, nor a body far over the limit.
		over := append(exact, ' ')
		e := w.as(t, "entA").upload(path, "超限.pdf", over, map[string]string{"kind": "document"}).wantError(http.StatusRequestEntityTooLarge, "too_large", "file")
		if e.Message != "单个文件不能超过 1 MB" {
			t.Errorf("message %q", e.Message)
		}
		huge := append(append([]byte{}, testPDF...), bytes.Repeat([]byte{' '}, 3<<20)...)
		w.as(t, "entA").upload(path, "巨大.pdf", huge, map[string]string{"kind": "document"}).wantError(http.StatusRequestEntityTooLarge, "too_large", "file")
		// A body over the form's limit is cut off wherever it is, even in a field.
		w.as(t, "entA").postForm(path, map[string]string{"kind": "document", "note": strings.Repeat("x", 3<<20)}, filePart{"file", "a.pdf", testPDF}).
			wantError(http.StatusBadRequest, "invalid_fields", "note")
		if got := w.as(t, "entA").evidenceOf(h.ID); len(got) != 1 {
			t.Errorf("%d files, want the one within the limit", len(got))
		}
	})
}

func TestEvidenceDownloadAuthorization(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		h := rectifying(t, w, "叉车未年检", "2026-12-20")
		data := jpegFile(t, nil)
		ev := w.as(t, "entA").addEvidence(h.ID, "photo_before", "叉车.jpg", data)
		path := evidencePath(ev.ID)

		for _, user := range []string{"entA", "donghu", "donghu2", "officer", "city", "prov", "admin"} {
			r := w.as(t, user).fetch(path).want(http.StatusOK)
			if !bytes.Equal(r.body, data) {
				t.Errorf("%s: downloaded bytes differ", user)
			}
		}
		for _, user := range []string{"entB", "xihu"} {
			e := w.as(t, user).get(path).wantError(http.StatusForbidden, "forbidden")
			if e.Message != "该隐患不在您的管辖范围内" {
				t.Errorf("%s: message %q", user, e.Message)
			}
			w.as(t, user).get(hazardPath(h.ID)+"/evidence").wantError(http.StatusForbidden, "forbidden")
		}
		r := w.anon(t).get(path).wantError(http.StatusUnauthorized, "unauthorized")
		if r.Message != "请先登录" {
			t.Errorf("anonymous: %q", r.Message)
		}
		e := w.as(t, "city").get(evidencePath(999999)).wantError(http.StatusNotFound, "not_found")
		if e.Message != "佐证材料不存在" {
			t.Errorf("unknown: %q", e.Message)
		}
		w.as(t, "city").get("/api/v1/evidence/0").wantError(http.StatusBadRequest, "invalid_id", "id")
		w.as(t, "city").get("/api/v1/evidence/x1").wantError(http.StatusBadRequest, "invalid_id", "id")
	})
}

func TestEvidenceWithdraw(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		entA, donghu := w.as(t, "entA"), w.as(t, "donghu")
		h := rectifying(t, w, "安全出口指示灯损坏", "2026-12-20")
		ev := entA.addEvidence(h.ID, "document", "整改报告.pdf", testPDF)
		path := evidencePath(ev.ID) + "/withdraw"

		entA.post(path, obj{}).wantError(http.StatusBadRequest, "invalid_fields", "reason")
		entA.post(path, obj{"reason": "   "}).wantError(http.StatusBadRequest, "invalid_fields", "reason")
		entA.post(path, obj{"reason": "传错", "why": "x"}).wantError(http.StatusBadRequest, "invalid_json", "why")
		w.as(t, "entB").post(path, obj{"reason": "不是我的"}).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "xihu").post(path, obj{"reason": "不是我的"}).wantError(http.StatusForbidden, "forbidden")
		e := w.as(t, "officer").post(path, obj{"reason": "别人的"}).wantError(http.StatusForbidden, "forbidden")
		if e.Message != "只有上传人或监管人员可以撤回佐证材料" {
			t.Errorf("officer: %q", e.Message)
		}
		w.as(t, "admin").post(path, obj{"reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		w.anon(t).post(path, obj{"reason": "x"}).wantError(http.StatusUnauthorized, "unauthorized")
		entA.post(evidencePath(999999)+"/withdraw", obj{"reason": "x"}).wantError(http.StatusNotFound, "not_found")

		var got evidence
		entA.post(path, obj{"reason": "上传错了文件"}).want(http.StatusOK).decode(&got)
		if got.ID != ev.ID || got.WithdrawnAt == nil || !got.WithdrawnAt.Equal(start) || got.WithdrawnBy == nil ||
			*got.WithdrawnBy != w.users["entA"].ID || got.WithdrawReason != "上传错了文件" || got.SHA256 != ev.SHA256 {
			t.Errorf("withdrawn: %+v", got)
		}
		e = entA.post(path, obj{"reason": "再撤一次"}).wantError(http.StatusConflict, "already_done")
		if e.Message != "该材料已撤回" {
			t.Errorf("twice: %q", e.Message)
		}

		// Never deleted: still listed and still downloadable, marked withdrawn.
		list := entA.evidenceOf(h.ID)
		if len(list) != 1 || list[0].WithdrawnAt == nil || list[0].WithdrawReason != "上传错了文件" {
			t.Errorf("list after withdrawal: %+v", list)
		}
		if r := donghu.fetch(evidencePath(ev.ID)).want(http.StatusOK); !bytes.Equal(r.body, testPDF) {
			t.Error("withdrawn file no longer downloads")
		}

		// A withdrawn proof is no proof.
		h = entA.hazard(h.ID)
		e = entA.fire(h, "submit", obj{}).wantError(http.StatusBadRequest, "invalid_fields", "evidence")
		wantContains(t, "evidence", e.Fields["evidence"], "整改后照片或整改证明文件")

		// A supervisor of the territory withdraws what others uploaded.
		photo := entA.addEvidence(h.ID, "photo_after", "整改后.png", pngFile(t))
		var byDonghu evidence
		donghu.post(evidencePath(photo.ID)+"/withdraw", obj{"reason": "照片与本隐患无关"}).want(http.StatusOK).decode(&byDonghu)
		if byDonghu.WithdrawnBy == nil || *byDonghu.WithdrawnBy != w.users["donghu"].ID {
			t.Errorf("withdrawn by supervisor: %+v", byDonghu)
		}
		entA.fire(entA.hazard(h.ID), "submit", obj{}).wantError(http.StatusBadRequest, "invalid_fields", "evidence")

		// Both withdrawals are in the chain.
		var withdrawals []event
		for _, e := range donghu.events(h.ID) {
			if e.Event == "withdraw_evidence" {
				withdrawals = append(withdrawals, e)
			}
		}
		if len(withdrawals) != 2 || withdrawals[0].Payload["evidence_id"] != float64(ev.ID) || withdrawals[0].Payload["reason"] != "上传错了文件" ||
			withdrawals[1].Payload["evidence_id"] != float64(photo.ID) || withdrawals[1].Role != "supervisor" {
			t.Errorf("withdraw events %+v", withdrawals)
		}
		// A before-photo is no proof either; a fresh document is.
		entA.addEvidence(h.ID, "photo_before", "整改前.jpg", jpegFile(t, nil))
		entA.fire(entA.hazard(h.ID), "submit", obj{}).wantError(http.StatusBadRequest, "invalid_fields", "evidence")
		entA.addEvidence(h.ID, "photo_after", "整改后.jpg", jpegFile(t, nil))
		if got := entA.hazard(h.ID); entA.fire(got, "submit", obj{}).want(http.StatusOK).object()["state"] != "verifying" {
			t.Error("submit with a fresh proof was not taken")
		}
	})
}

func TestSubmitNeedsProof(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		entA := w.as(t, "entA")
		h := rectifying(t, w, "员工未经培训上岗", "2026-12-20")
		e := entA.fire(h, "submit", obj{"comment": "已整改"}).wantError(http.StatusBadRequest, "invalid_fields", "evidence")
		if e.Fields["evidence"] != "提交整改前请上传至少一份整改后照片或整改证明文件" {
			t.Errorf("evidence: %q", e.Fields["evidence"])
		}
		wantContains(t, "message", e.Message, "整改证明文件")
		if got := entA.hazard(h.ID); got.Version != h.Version || got.State != "rectifying" {
			t.Errorf("refused submit changed the hazard: %+v", got)
		}
	})
}

func TestEvidenceInTheLog(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		entA := w.as(t, "entA")
		h := rectifying(t, w, "压力容器超期未检", "2026-12-20")
		data := docxFile(t)
		ev := entA.addEvidence(h.ID, "document", "检验报告.docx", data)

		evs := entA.events(h.ID)
		last := evs[len(evs)-1]
		if last.Event != "evidence" || last.From != "rectifying" || last.To != "rectifying" || last.Role != "enterprise" ||
			last.ActorID == nil || *last.ActorID != w.users["entA"].ID || last.Seq != int64(len(evs)) {
			t.Errorf("evidence event %+v", last)
		}
		p := last.Payload
		if p["sha256"] != sha256Hex(data) || p["evidence_id"] != float64(ev.ID) || p["kind"] != "document" ||
			p["size"] != float64(len(data)) || p["content_type"] != ev.ContentType {
			t.Errorf("evidence payload %v", p)
		}
		var rep struct {
			OK     bool   `json:"ok"`
			Events int    `json:"events"`
			Head   string `json:"head"`
		}
		entA.get(hazardPath(h.ID) + "/verify").want(http.StatusOK).decode(&rep)
		if hv := entA.hazard(h.ID); !rep.OK || rep.Events != len(evs) || rep.Head != last.Hash || hv.ChainHead != last.Hash {
			t.Errorf("verify %+v, head %q", rep, last.Hash)
		}
	})
}

func TestEvidenceCaptureTime(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		h := rectifying(t, w, "夜间动火作业无监护", "2026-12-20")
		// The photo was taken at 03:00 and sent at 07:00 (China time).
		sent := time.Date(2026, 11, 29, 7, 0, 0, 0, model.Shanghai)
		w.clock.Set(sent)
		w.forgetLogins()
		data := jpegFile(t, exifTIFF("2026:11:29 03:00:00", false))
		ev := w.as(t, "entA").addEvidence(h.ID, "photo_after", "夜间.jpg", data)
		taken := time.Date(2026, 11, 29, 3, 0, 0, 0, model.Shanghai)
		if ev.CapturedAt == nil || !ev.CapturedAt.Equal(taken) || !ev.CreatedAt.Equal(sent) {
			t.Errorf("captured_at %v created_at %v, want %v and %v", ev.CapturedAt, ev.CreatedAt, taken, sent)
		}
		// The staff's own photos are kept as sent, EXIF and all.
		if ev.SHA256 != sha256Hex(data) {
			t.Error("a staff photo was altered")
		}
		list := w.as(t, "donghu").evidenceOf(h.ID)
		if len(list) != 1 || list[0].CapturedAt == nil || !list[0].CapturedAt.Equal(taken) || !list[0].CreatedAt.Equal(sent) {
			t.Errorf("listed %+v", list)
		}
		// The JSON says both instants, so a client can show 03:00 beside 07:00.
		raw := w.as(t, "donghu").get(hazardPath(h.ID) + "/evidence").body
		for _, want := range []string{`"captured_at":"2026-11-28T19:00:00Z"`, `"created_at":"2026-11-28T23:00:00Z"`} {
			if !bytes.Contains(raw, []byte(want)) {
				t.Errorf("evidence list %s lacks %s", raw, want)
			}
		}
		// A photo without EXIF has no capture time.
		if ev := w.as(t, "entA").addEvidence(h.ID, "photo_after", "无EXIF.jpg", jpegFile(t, nil)); ev.CapturedAt != nil {
			t.Errorf("captured_at %v for a photo without EXIF", ev.CapturedAt)
		}
	})
}
