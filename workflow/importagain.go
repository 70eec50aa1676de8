package workflow

import (
	"context"
)

// ImportAgain runs a ledger import stored earlier (by its dry run) once more with
// o: the page's "commit" after the preview, without uploading the file again. Only
// the official who uploaded it may. KindNotFound once it has expired.
func (e *Ledger) ImportAgain(ctx context.Context, a Actor, id int64, o ImportOptions) (ImportResult, error) {
	li, err := e.store.GetLedgerImport(ctx, id)
	if err != nil {
		return ImportResult{}, notFoundOr("导入记录（保存7天）", err)
	}
	if li.CreatedBy != a.ID {
		return ImportResult{}, errForbidden("只能提交本人上传的台账")
	}
	o.FileName = li.FileName
	return e.Import(ctx, a, li.File, o)
}
