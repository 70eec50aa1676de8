package handler

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hazardloop/ledger"
	"hazardloop/ledger/xlsx"
	"hazardloop/model"
)

type importView struct {
	base
	Result *ledger.ImportResult
	Done   bool // the import was committed (not a preview)
	// Asked: a header could be two columns (or two headers one): the
	// mapping must be chosen before anything can be imported.
	Asked bool
	// Choices are the columns a header may be read as; States the states a
	// file without 当前状态 may be imported in as a whole.
	Choices []option
	States  []option
	// HasState: the file has a 当前状态 column.
	HasState bool
	// Review: a header was read by more than its name (or by the mapping):
	// the mapping step is shown open for the official to look at.
	Review bool
}

// importView is the page over an import's result (nil: none yet).
func (u *ui) importView(c *gin.Context, res *ledger.ImportResult) importView {
	v := importView{base: u.base(c, "台账导入", "/ledger/import"), Result: res}
	for _, col := range xlsx.Columns {
		if !col.Output {
			v.Choices = append(v.Choices, option{Value: col.Key, Label: col.Header})
		}
	}
	for _, st := range model.States {
		v.States = append(v.States, option{Value: string(st), Label: st.Label()})
	}
	if res != nil {
		for _, m := range res.Columns {
			v.Asked = v.Asked || m.How == xlsx.MatchAmbiguous
			v.Review = v.Review || m.How != xlsx.MatchExact && m.How != xlsx.MatchIgnored
			v.HasState = v.HasState || m.Column == xlsx.ColState
		}
	}
	return v
}

func (u *ui) importPage(c *gin.Context) {
	if err := ledger.MayImport(actor(c)); err != nil {
		u.fail(c, err)
		return
	}
	u.render(c, http.StatusOK, "import", u.importView(c, nil))
}

// importLedger previews an uploaded ledger: always a dry run first, showing each
// problem (row, column, message) and how each header was read before anything
// is written.
func (u *ui) importLedger(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, xlsx.MaxFileBytes+1<<20)
	_, files, err := u.form(c, 1)
	if err == nil && (len(files) == 0 || len(files[0].data) == 0) {
		err = &httpError{http.StatusBadRequest, "invalid_fields", "请选择要导入的台账文件（.xlsx）", nil}
	}
	var res ledger.ImportResult
	if err == nil {
		res, err = u.s.ledger.Import(c.Request.Context(), actor(c), files[0].data,
			ledger.ImportOptions{FileName: files[0].filename, DryRun: true})
	}
	u.showImport(c, res, err, false)
}

// previewImport checks a stored upload again with the columns and the state
// the official chose on the page (the mapping step).
func (u *ui) previewImport(c *gin.Context) {
	id, f, ok := u.idForm(c)
	if !ok {
		return
	}
	o := ledger.ImportOptions{DryRun: true, Mapping: map[string]string{}, State: model.State(f["state"])}
	for i := 0; ; i++ {
		h, ok := f["header_"+strconv.Itoa(i)]
		if !ok {
			break
		}
		o.Mapping[h] = f["map_"+strconv.Itoa(i)]
	}
	res, err := u.s.ledger.ImportAgain(c.Request.Context(), actor(c), id, o)
	u.showImport(c, res, err, false)
}

// commitImport writes the ledger previewed before, all rows or the valid ones,
// read as the preview read it.
func (u *ui) commitImport(c *gin.Context) {
	id, f, ok := u.idForm(c)
	if !ok {
		return
	}
	res, err := u.s.ledger.ImportAgain(c.Request.Context(), actor(c), id, ledger.ImportOptions{ValidOnly: f["valid_only"] == "true"})
	u.showImport(c, res, err, true)
}

// showImport renders an import's result, or its refusal with the result it
// carries (the problems, or the headers to choose).
func (u *ui) showImport(c *gin.Context, res ledger.ImportResult, err error, commit bool) {
	if err != nil {
		p := u.refusal(c, err)
		v := u.importView(c, nil)
		if r, ok := p.Detail.(ledger.ImportResult); ok {
			v = u.importView(c, &r)
		}
		v.Error = p.Message
		u.render(c, p.Status, "import", v)
		return
	}
	v := u.importView(c, &res)
	v.Done = commit
	if commit {
		switch n := res.Created + res.Updated; {
		case n == 0:
			v.Error = "没有导入任何数据：台账中没有可新增或更新的行"
		default:
			v.Flash = fmt.Sprintf("台账已导入：新增%d行，更新%d行", res.Created, res.Updated)
			if res.Skipped > 0 {
				v.Flash += fmt.Sprintf("，%d行有问题未导入", res.Skipped)
			}
			v.Flash += "。"
		}
	}
	u.render(c, http.StatusOK, "import", v)
}
