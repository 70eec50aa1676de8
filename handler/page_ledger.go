package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hazardloop/ledger"
	"hazardloop/ledger/xlsx"
)

type importView struct {
	base
	Result *ledger.ImportResult
	Done   bool // the import was committed (not a preview)
}

func (u *ui) importPage(c *gin.Context) {
	if err := ledger.MayImport(actor(c)); err != nil {
		u.fail(c, err)
		return
	}
	u.render(c, http.StatusOK, "import", importView{base: u.base(c, "台账导入", "/ledger/import")})
}

// importLedger previews an uploaded ledger: always a dry run first, showing each
// problem (row, column, message) before anything is written.
func (u *ui) importLedger(c *gin.Context) {
	v := importView{base: u.base(c, "台账导入", "/ledger/import")}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, xlsx.MaxFileBytes+1<<20)
	f, files, err := u.form(c, 1)
	if err == nil && (len(files) == 0 || len(files[0].data) == 0) {
		err = &httpError{http.StatusBadRequest, "invalid_fields", "请选择要导入的台账文件（.xlsx）", nil}
	}
	if err == nil {
		_ = f
		var res ledger.ImportResult
		res, err = u.s.ledger.Import(c.Request.Context(), actor(c), files[0].data,
			ledger.ImportOptions{FileName: files[0].filename, DryRun: true})
		if err == nil {
			v.Result = &res
			u.render(c, http.StatusOK, "import", v)
			return
		}
	}
	p := u.refusal(c, err)
	v.Error = p.Message
	u.render(c, p.Status, "import", v)
}

// commitImport writes the ledger previewed before, all rows or the valid ones.
func (u *ui) commitImport(c *gin.Context) {
	id, f, ok := u.idForm(c)
	if !ok {
		return
	}
	v := importView{base: u.base(c, "台账导入", "/ledger/import")}
	res, err := u.s.ledger.ImportAgain(c.Request.Context(), actor(c), id, ledger.ImportOptions{ValidOnly: f["valid_only"] == "true"})
	if err != nil {
		p := u.refusal(c, err)
		v.Error = p.Message
		if r, ok := p.Detail.(ledger.ImportResult); ok {
			v.Result = &r
		}
		u.render(c, p.Status, "import", v)
		return
	}
	v.Result, v.Done = &res, true
	v.Flash = flashes["imported"]
	u.render(c, http.StatusOK, "import", v)
}
