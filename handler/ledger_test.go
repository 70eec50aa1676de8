package handler_test

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

const ledgerPath = "/api/v1/ledger"

// download gets a file and checks the headers of every download.
func (c *client) download(path string) []byte {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	rec := httptest.NewRecorder()
	c.w.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.Bytes())
	}
	h := rec.Header()
	if ct := h.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		c.t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	cd := h.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment; filename=") || !strings.Contains(cd, "filename*=UTF-8''%E") {
		c.t.Errorf("GET %s: Content-Disposition %q, want attachment with an RFC 5987 Chinese name", path, cd)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		c.t.Errorf("GET %s: no nosniff", path)
	}
	return rec.Body.Bytes()
}

// upload posts data as the multipart field file, with extra form fields.
func (c *client) upload(path, filename string, data []byte, fields map[string]string) *response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	rec := httptest.NewRecorder()
	c.w.srv.ServeHTTP(rec, req)
	r := &response{t: c.t, method: http.MethodPost, path: path, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if r.status >= 500 {
		c.t.Errorf("POST %s: status %d, never a 5xx: %s", path, r.status, r.body)
	}
	if !json.Valid(r.body) {
		c.t.Errorf("POST %s: body is not JSON: %.200q", path, r.body)
	}
	return r
}

type importResult struct {
	ID          int64    `json:"import_id"`
	Rows        int      `json:"rows"`
	Created     int      `json:"created"`
	Updated     int      `json:"updated"`
	Unchanged   int      `json:"unchanged"`
	Skipped     int      `json:"skipped"`
	Committed   bool     `json:"committed"`
	ErrorReport string   `json:"error_report"`
	Ignored     []string `json:"ignored_columns"`
	Errors      []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"errors"`
}

// rawXLSX builds a minimal workbook by hand, so that a test can put into it what
// excelize would refuse to write (a cell over Excel's limit) or a lot of rows fast.
func rawXLSX(t *testing.T, header []string, rows func(w io.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, body)
	}
	put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">`)
	for i, h := range header {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		fmt.Fprintf(w, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, h)
	}
	_, _ = io.WriteString(w, `</row>`)
	rows(w)
	_, _ = io.WriteString(w, `</sheetData></worksheet>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLedgerExportAndTemplate(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		w.as(t, "donghu").createHazard(obj{"title": "配电室门口堆放杂物", "region_code": "360102"})
		b := w.as(t, "city").download(ledgerPath + ".xlsx")
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, _ := f.GetRows("隐患台账")
		if len(rows) != 3 || rows[1][0] != "隐患编号" || rows[2][1] != "配电室门口堆放杂物" {
			t.Errorf("export rows %q", rows)
		}
		if !strings.Contains(rows[0][0], "南昌市") {
			t.Errorf("title %q", rows[0][0])
		}
		w.as(t, "city").get(ledgerPath+".xlsx?level=grave").wantError(http.StatusBadRequest, "invalid_fields", "level")
		// The list's filters, read as the list reads them: region trimmed.
		w.as(t, "city").download(ledgerPath + ".xlsx?region=%20360103")
		w.as(t, "entB").download(ledgerPath + ".xlsx") // enterprises export their own
		w.anon(t).get(ledgerPath+".xlsx").wantError(http.StatusUnauthorized, "unauthorized")

		tpl := w.as(t, "officer").download(ledgerPath + "/template.xlsx")
		tf, err := excelize.OpenReader(bytes.NewReader(tpl))
		if err != nil {
			t.Fatal(err)
		}
		defer tf.Close()
		if dvs, _ := tf.GetDataValidations("隐患台账"); len(dvs) < 4 {
			t.Errorf("template drop-downs: %d", len(dvs))
		}
	})
}

func TestLedgerImportSampleAndRoundTrip(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		sample, err := os.ReadFile("../ledger/xlsx/testdata/lianxi-ledger-libreoffice.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		prov := w.as(t, "prov")
		var dry importResult
		prov.upload(ledgerPath+"/import?dry_run=true", "濂溪区台账.xlsx", sample, nil).want(http.StatusOK).decode(&dry)
		if dry.Created != 10 || dry.Committed != true || len(prov.list("").Items) != 0 {
			t.Fatalf("dry run %+v", dry)
		}
		var res importResult
		prov.upload(ledgerPath+"/import", "濂溪区台账.xlsx", sample, nil).want(http.StatusOK).decode(&res)
		if res.Created != 10 || res.Rows != 10 || len(res.Errors) != 0 || res.ErrorReport == "" {
			t.Fatalf("import %+v", res)
		}
		before := prov.list("limit=200").Items

		// Round trip: what we export imports as no change at all.
		exported := prov.download(ledgerPath + ".xlsx")
		var again importResult
		prov.upload(ledgerPath+"/import", "export.xlsx", exported, map[string]string{"valid_only": "false"}).want(http.StatusOK).decode(&again)
		if again.Unchanged != 10 || again.Created+again.Updated != 0 {
			t.Errorf("round trip %+v", again)
		}
		after := prov.list("limit=200").Items
		if b, a := mustJSON(t, before), mustJSON(t, after); b != a {
			t.Errorf("round trip changed hazards:\n%v\n%v", before, after)
		}

		// Only the importer (or an admin) reads the report.
		rep := prov.download(res.ErrorReport)
		if _, err := excelize.OpenReader(bytes.NewReader(rep)); err != nil {
			t.Errorf("report: %v", err)
		}
		w.as(t, "city").get(res.ErrorReport).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "admin").download(res.ErrorReport)
		prov.get(ledgerPath+"/imports/999999/errors.xlsx").wantError(http.StatusNotFound, "not_found")
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLedgerImportRefusals(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		donghu := w.as(t, "donghu")
		good := rawXLSX(t, []string{"隐患名称", "隐患等级", "区划代码"}, func(w io.Writer) {
			io.WriteString(w, `<row r="2"><c r="A2" t="inlineStr"><is><t>甲</t></is></c><c r="B2" t="inlineStr"><is><t>一般</t></is></c><c r="C2" t="inlineStr"><is><t>360102</t></is></c></row>`)
			io.WriteString(w, `<row r="3"><c r="A3" t="inlineStr"><is><t>乙</t></is></c><c r="B3" t="inlineStr"><is><t>特别重大</t></is></c><c r="C3" t="inlineStr"><is><t>360102</t></is></c></row>`)
		})
		e := donghu.upload(ledgerPath+"/import", "a.xlsx", good, nil).wantError(http.StatusBadRequest, "ledger_invalid")
		detail, _ := json.Marshal(e)
		var body struct {
			Detail importResult `json:"detail"`
		}
		_ = json.Unmarshal(donghu.upload(ledgerPath+"/import", "a.xlsx", good, nil).body, &body)
		if len(body.Detail.Errors) != 1 || body.Detail.Errors[0].Row != 3 || body.Detail.Errors[0].Column != "隐患等级" || body.Detail.ErrorReport == "" {
			t.Errorf("detail %+v (%s)", body.Detail, detail)
		}
		if n := len(donghu.list("").Items); n != 0 {
			t.Errorf("%d hazards written by a refused import", n)
		}
		var part importResult
		donghu.upload(ledgerPath+"/import", "a.xlsx", good, map[string]string{"valid_only": "true"}).want(http.StatusOK).decode(&part)
		if part.Created != 1 || part.Skipped != 1 {
			t.Errorf("valid only %+v", part)
		}
		donghu.upload(ledgerPath+"/import?dry_run=maybe", "a.xlsx", good, nil).wantError(http.StatusBadRequest, "invalid_fields", "dry_run")
		w.as(t, "officer").upload(ledgerPath+"/import", "a.xlsx", good, nil).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "admin").upload(ledgerPath+"/import", "a.xlsx", good, nil).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "entA").upload(ledgerPath+"/import", "a.xlsx", good, nil).wantError(http.StatusForbidden, "forbidden")
	})
}

func TestLedgerImportBadFiles(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		c := w.as(t, "donghu")
		head := []string{"隐患名称", "隐患等级", "区划代码"}
		longCell := rawXLSX(t, head, func(w io.Writer) {
			fmt.Fprintf(w, `<row r="2"><c r="A2" t="inlineStr"><is><t>%s</t></is></c></row>`, strings.Repeat("长", 32768))
		})
		manyRows := rawXLSX(t, head, func(w io.Writer) {
			for i := 2; i <= 200_002; i++ {
				fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c><c r="B%d" t="inlineStr"><is><t>?</t></is></c></row>`, i, i, i)
			}
		})
		noHeader := rawXLSX(t, []string{"姓名", "电话"}, func(io.Writer) {})
		bomb := func() []byte {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, n := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
				fw, _ := zw.Create(n)
				io.WriteString(fw, "<x/>")
			}
			fw, _ := zw.Create("xl/worksheets/sheet1.xml")
			chunk := bytes.Repeat([]byte{' '}, 1<<20)
			for range 100 {
				fw.Write(chunk)
			}
			zw.Close()
			return buf.Bytes()
		}()
		huge := make([]byte, 20<<20+1)
		_, _ = rand.Read(huge)
		encrypted := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 4096)...)

		for _, tc := range []struct {
			name   string
			data   []byte
			status int
			code   string
			fields []string
		}{
			{"not xlsx", []byte("隐患名称,隐患等级\n甲,一般\n"), 400, "not_xlsx", nil},
			{"encrypted", encrypted, 400, "encrypted_or_xls", nil},
			{"empty", nil, 400, "empty_file", nil},
			{"no header", noHeader, 400, "no_header", nil},
			{"over 20 MiB", huge, 413, "too_large", []string{"file"}},
			{"over 200,000 rows", manyRows, 400, "too_many_rows", nil},
			{"zip bomb", bomb, 400, "zip_bomb", nil},
			{"cell over 32,767 characters", longCell, 400, "ledger_invalid", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c.t = t
				c.upload(ledgerPath+"/import", "bad.xlsx", tc.data, nil).wantError(tc.status, tc.code, tc.fields...)
			})
		}
		c.t = t
		// No file at all.
		req := httptest.NewRequest(http.MethodPost, ledgerPath+"/import", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+c.token)
		rec := httptest.NewRecorder()
		w.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnsupportedMediaType && rec.Code != http.StatusBadRequest {
			t.Errorf("JSON instead of a file: %d %s", rec.Code, rec.Body.Bytes())
		}
	})
}
