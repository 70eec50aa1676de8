package handler

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/ledger"
	"hazardloop/ledger/xlsx"
	"hazardloop/model"
	"hazardloop/workflow"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// download is the response body of a file: its headers go out with the first
// byte, so that a failure before any byte is still answered by fail.
type download struct {
	c       *gin.Context
	name    string
	started bool
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		attachment(d.c, d.name, xlsxType)
		d.c.Status(http.StatusOK)
	}
	return d.c.Writer.Write(p)
}

// finish reports err: as a response if nothing was sent yet, else in the log (the
// client sees a cut-off download).
func (s *Server) finish(c *gin.Context, d *download, err error) {
	switch {
	case err == nil:
	case !d.started:
		s.fail(c, err)
	default:
		s.log.Error("download cut off", "request_id", c.GetString(requestIDKey), "route", c.FullPath(), "err", err)
	}
}

// exportLedger: GET /ledger.xlsx with the filters of GET /hazards.
func (s *Server) exportLedger(c *gin.Context) {
	q := listQuery(c)
	x, err := s.ledger.Export(c.Request.Context(), actor(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := &download{c: c, name: x.FileName}
	_, err = x.Write(c.Request.Context(), d)
	s.finish(c, d, err)
}

func (s *Server) ledgerTemplate(c *gin.Context) {
	d := &download{c: c, name: "隐患台账导入模板.xlsx"}
	s.finish(c, d, s.ledger.Template(d))
}

// importResponse is the outcome of POST /ledger/import, with where its error
// report is.
type importResponse struct {
	ledger.ImportResult
	ErrorReport string `json:"error_report"`
}

// importLedger: POST /ledger/import, multipart with the file in `file`; dry_run=true
// validates only; valid_only=true writes the valid rows and skips the others.
// Both may come as query or form fields.
func (s *Server) importLedger(c *gin.Context) {
	fields, files, err := readForm(c, xlsx.MaxFileBytes+1<<20, xlsx.MaxFileBytes, 1)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(files) == 0 || files[0].field != "file" {
		s.fail(c, &httpError{http.StatusBadRequest, "invalid_fields", "请选择要导入的台账文件", map[string]string{"file": "请上传 .xlsx 文件（字段名 file）"}})
		return
	}
	var o ledger.ImportOptions
	bad := map[string]string{}
	for name, dst := range map[string]*bool{"dry_run": &o.DryRun, "valid_only": &o.ValidOnly} {
		v := c.Query(name)
		if f, ok := fields[name]; ok {
			v = f
		}
		switch v {
		case "", "false", "0":
		case "true", "1":
			*dst = true
		default:
			bad[name] = name + " 只能是 true 或 false"
		}
	}
	if m, ok := fields["mapping"]; ok && m != "" {
		if err := json.Unmarshal([]byte(m), &o.Mapping); err != nil {
			bad["mapping"] = `mapping 应为 JSON 对象 {"表头": "列名"}，列名见 GET /api/v1/ledger/columns`
		}
	}
	if st, ok := fields["state"]; ok && st != "" {
		if o.State = model.State(st); !o.State.Valid() {
			bad["state"] = "state 只能是 discovered、listed、rectifying、verifying、written_off 或 dismissed"
		}
	}
	if len(bad) > 0 {
		s.fail(c, &httpError{http.StatusBadRequest, "invalid_fields", "参数取值不正确", bad})
		return
	}
	o.FileName = files[0].filename
	res, err := s.ledger.Import(c.Request.Context(), actor(c), files[0].data, o)
	var we *workflow.Error
	if errors.As(err, &we) {
		if r, ok := we.Detail.(ledger.ImportResult); ok {
			we.Detail = importResponse{r, reportPath(r.ID)}
		}
	}
	respond(s, c, http.StatusOK, importResponse{res, reportPath(res.ID)}, err)
}

// ledgerColumn is one column of the ledger, as mappings name it.
type ledgerColumn struct {
	Key     string   `json:"key"`
	Header  string   `json:"header"`
	Aliases []string `json:"aliases"`
	Output  bool     `json:"output"` // written by the system, ignored on import
}

// ledgerColumns: GET /ledger/columns, the columns an import reads and their
// names (for a mapping's column keys).
func (s *Server) ledgerColumns(c *gin.Context) {
	out := make([]ledgerColumn, 0, len(xlsx.Columns))
	for _, col := range xlsx.Columns {
		out = append(out, ledgerColumn{Key: col.Key, Header: col.Header, Aliases: append([]string{}, col.Aliases...), Output: col.Output})
	}
	c.JSON(http.StatusOK, gin.H{"columns": out})
}

func reportPath(id int64) string {
	if id == 0 {
		return ""
	}
	return "/api/v1/ledger/imports/" + strconv.FormatInt(id, 10) + "/errors.xlsx"
}

// importErrors: GET /ledger/imports/{id}/errors.xlsx, the uploaded rows with a
// 错误说明 column and the bad cells marked.
func (s *Server) importErrors(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	rep, err := s.ledger.ImportReport(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := &download{c: c, name: rep.FileName}
	s.finish(c, d, rep.Write(d))
}
