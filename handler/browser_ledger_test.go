package handler_test

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"hazardloop/model"
)

// TestBrowserLedgerMapping: a county's own ledger — no 当前状态 column, one
// header the importer does not know (隐患情形) — goes through the mapping step
// in chromium: the preview shows how each header was read, the official reads
// 隐患情形 as 隐患描述 and checks again, then imports; the hazard carries the
// description, in the state its row shows. Shot at 390 × 844 and 1280 wide.
func TestBrowserLedgerMapping(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			w := newWorld(t, model.DialectSQLite)
			srv := httptest.NewServer(w.srv)
			t.Cleanup(srv.Close)
			b := newBrowser(t, srv.URL, 2*time.Minute)

			f := excelize.NewFile()
			rows := [][]any{
				{"东湖区隐患排查治理台账"},
				{"序号", "隐患名称", "隐患情形", "隐患等级", "生产经营单位", "整改措施", "整改责任人", "整改完成时限（年月日）"},
				{1, "配电室未设挡鼠板", "配电室门口无挡鼠板，电缆沟有鼠洞", "一般", "南昌东湖精细化工有限公司", "加装挡鼠板", "张三", "2026-12-20"},
			}
			for i, r := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if err := f.Write(&buf); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "东湖区台账.xlsx")
			if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}

			b.run(vp.act)
			b.login("donghu")
			b.open("/ledger/import")
			b.run(chromedp.SetUploadFiles(chromedp.CSS(`input[name=file]`), []string{file}))
			b.submit(`form[action="/ledger/import"] button[type=submit]`)
			b.waitText("#result", "检查结果")
			b.waitText("#inferred", "整改中 1 行")
			b.waitText("#mapping", "隐患情形") // open: 整改完成时限 was read as containing 完成时限
			b.wantValue(`#mapping select[name=map_2]`, "")
			b.wantValue(`#mapping select[name=map_1]`, "title")
			b.run(chromedp.SetValue(chromedp.CSS(`#mapping select[name=map_2]`), "description"))
			b.shot("ledger-mapping-" + vp.name)
			b.submit(`#mapping button[type=submit]`)
			b.waitText("#mapping", "按确认的对应")
			b.wantValue(`#mapping select[name=map_2]`, "description")
			b.submit(`form[action$="/commit"] button[type=submit]`)
			b.waitText(".flash.ok", "台账已导入：新增1行")
			b.shot("ledger-imported-" + vp.name)

			var hs []model.Hazard
			if err := w.store.Raw(t.Context(), &hs, "SELECT * FROM hazards"); err != nil {
				t.Fatal(err)
			}
			if len(hs) != 1 || hs[0].Description != "配电室门口无挡鼠板，电缆沟有鼠洞" || hs[0].State != model.StateRectifying {
				t.Errorf("imported %+v", hs)
			}
		})
	}
}
