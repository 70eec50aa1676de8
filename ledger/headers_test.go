package ledger

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"hazardloop/ledger/xlsx"
	"hazardloop/model"
	"hazardloop/standards"
	"hazardloop/workflow"
)

// countyLedger writes rows (cells from A) to a plain sheet, as counties make
// their own ledgers.
func countyLedger(tb testing.TB, rows ...[]any) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		noErr(tb, f.SetSheetRow("Sheet1", cell, &r))
	}
	var buf bytes.Buffer
	noErr(tb, f.Write(&buf))
	return buf.Bytes()
}

func (f *fixture) hazardTitled(tb testing.TB, title string) model.Hazard {
	tb.Helper()
	for _, h := range f.allHazards(tb) {
		if h.Title == title {
			return h
		}
	}
	tb.Fatalf("no hazard %s", title)
	return model.Hazard{}
}

// TestLedgerWithoutStateColumn: a county ledger without 当前状态 — headers in
// its own words, the standard and the clause in one cell — imports each row in
// the state its contents show, said per row in the preview; or, chosen for the
// whole file, in one state.
func TestLedgerWithoutStateColumn(t *testing.T) {
	forDialects(t, func(t *testing.T, f *fixture) {
		header := []any{"序号", "隐患名称", "隐患等级", "判定依据（标准及条款）", "所属企业名称", "整改措施", "整改责任人",
			"整改完成时限（年月日）", "整改资金(万元)", "资金来源", "应急预案", "验收人", "销号日期"}
		b := countyLedger(t, header,
			[]any{1, "仓库消防栓无水", nil, nil, "donghu公司"},
			[]any{2, "配电室未设挡鼠板", "一般", nil, "donghu公司"},
			[]any{3, "车间安全警示标志缺失", "一般", nil, "donghu公司", "补设警示标志", "张三", "2026-12-20"},
			[]any{4, "粉尘涉爆除尘系统未设锁气卸灰", "重大", "《工贸企业重大事故隐患判定标准》第十一条第（一）项", "donghu公司",
				"加装锁气卸灰装置", "李四", "2026-12-31", 3.5, "企业自筹", "停用除尘系统并设警戒", "王五", "2026-11-20"},
		)
		dry, err := f.ledger.Import(f.ctx, f.actors["donghu"], b, ImportOptions{DryRun: true})
		noErr(t, err)
		want := []model.State{model.StateDiscovered, model.StateListed, model.StateRectifying, model.StateWrittenOff}
		var got []model.State
		for _, i := range dry.Inferred {
			got = append(got, i.State)
		}
		if !slices.Equal(got, want) || len(dry.Errors) > 0 || dry.Created != 4 {
			t.Fatalf("preview: states %v, want %v; %d to create; errors %+v", got, want, dry.Created, dry.Errors)
		}
		if dry.Inferred[2].Row != 4 || dry.Inferred[2].Label != model.StateRectifying.Label() || dry.InferredCounts[model.StateListed] != 1 {
			t.Errorf("preview rows %+v, counts %v", dry.Inferred, dry.InferredCounts)
		}
		res, err := f.ledger.ImportAgain(f.ctx, f.actors["donghu"], dry.ID, ImportOptions{})
		noErr(t, err)
		if res.Created != 4 {
			t.Fatalf("import %+v", res)
		}
		for i, title := range []string{"仓库消防栓无水", "配电室未设挡鼠板", "车间安全警示标志缺失", "粉尘涉爆除尘系统未设锁气卸灰"} {
			if h := f.hazardTitled(t, title); h.State != want[i] {
				t.Errorf("%s imported %s, want %s", title, h.State, want[i])
			}
		}
		major := f.hazardTitled(t, "粉尘涉爆除尘系统未设锁气卸灰")
		if major.BasisStandard != "《工贸企业重大事故隐患判定标准》" || major.BasisClause != "第十一条第（一）项" {
			t.Errorf("basis %q / %q: not split at the title", major.BasisStandard, major.BasisClause)
		}

		// One state for the whole file instead; refused where the file has
		// its own state column.
		b2 := countyLedger(t, []any{"隐患名称", "隐患等级", "生产经营单位"}, []any{"厂区道路未设限速标志", "一般", "donghu公司"})
		res, err = f.ledger.Import(f.ctx, f.actors["donghu"], b2, ImportOptions{State: model.StateListed})
		noErr(t, err)
		if h := f.hazardTitled(t, "厂区道路未设限速标志"); res.Created != 1 || h.State != model.StateListed || len(res.Inferred) != 0 {
			t.Errorf("whole-file state: %+v, hazard %s", res, h.State)
		}
		withState := countyLedger(t, []any{"隐患名称", "隐患等级", "当前状态"}, []any{"甲", "一般", "已发现"})
		_, err = f.ledger.Import(f.ctx, f.actors["donghu"], withState, ImportOptions{State: model.StateListed, DryRun: true})
		var we *workflow.Error
		if !errors.As(err, &we) || we.Kind != workflow.KindInvalid {
			t.Errorf("a state for a file with its own state column: %v", err)
		}
	})
}

// TestLedgerEveryProblemAtOnce: a row's problems are all listed: an empty
// 隐患名称 beside a bad date and a unit that is not in the territory.
func TestLedgerEveryProblemAtOnce(t *testing.T) {
	forDialects(t, func(t *testing.T, f *fixture) {
		b := countyLedger(t, []any{"隐患名称", "隐患等级", "生产经营单位", "整改期限", "当前状态"},
			[]any{nil, "一般", "不存在的公司", "明年春天", "整改中"})
		res, err := f.ledger.Import(f.ctx, f.actors["donghu"], b, ImportOptions{DryRun: true})
		noErr(t, err)
		cols := map[string]bool{}
		for _, e := range res.Errors {
			if e.Row != 2 {
				t.Errorf("problem of row %d: %+v", e.Row, e)
			}
			cols[e.Column] = true
		}
		for _, c := range []string{"隐患名称", "整改期限", "统一社会信用代码"} {
			if !cols[c] {
				t.Errorf("the problems %+v do not include %s", res.Errors, c)
			}
		}
	})
}

// TestLedgerPreviewEqualsImport: over a file with rows that create, update,
// change nothing and are bad, the preview counts exactly what importing its
// valid rows then writes.
func TestLedgerPreviewEqualsImport(t *testing.T) {
	forDialects(t, func(t *testing.T, f *fixture) {
		first, err := f.ledger.Import(f.ctx, f.actors["donghu"], ledgerOf(t, newRow("甲", model.StateDiscovered), newRow("乙", model.StateDiscovered)), ImportOptions{})
		noErr(t, err)
		if first.Created != 2 {
			t.Fatalf("set-up %+v", first)
		}
		hs := f.allHazards(t)
		changed := newRow("甲", model.StateDiscovered)
		changed.Code, changed.Description = hs[1].Code, "描述改了"
		same := newRow("乙", model.StateDiscovered)
		same.Code = hs[0].Code
		bad := newRow("丙", model.StateRectifying)
		bad.Measures = ""
		b := ledgerOf(t, changed, same, newRow("丁", model.StateDiscovered), bad, newRow("戊", model.StateListed))
		before := len(f.allHazards(t))

		dry, err := f.ledger.Import(f.ctx, f.actors["donghu"], b, ImportOptions{DryRun: true})
		noErr(t, err)
		if len(f.allHazards(t)) != before {
			t.Fatal("the preview wrote hazards")
		}
		res, err := f.ledger.ImportAgain(f.ctx, f.actors["donghu"], dry.ID, ImportOptions{ValidOnly: true})
		noErr(t, err)
		if dry.Created != res.Created || dry.Updated != res.Updated || dry.Unchanged != res.Unchanged || dry.Skipped != res.Skipped ||
			len(dry.Errors) != len(res.Errors) {
			t.Errorf("preview %d/%d/%d/%d, import %d/%d/%d/%d (created/updated/unchanged/skipped)",
				dry.Created, dry.Updated, dry.Unchanged, dry.Skipped, res.Created, res.Updated, res.Unchanged, res.Skipped)
		}
		if got := len(f.allHazards(t)) - before; got != res.Created || res.Created != 2 || res.Updated != 1 || res.Unchanged != 1 || res.Skipped != 1 {
			t.Errorf("the import wrote %d hazards; result %+v", got, res)
		}
	})
}

// TestLedgerMappingConfirmedIsOffered: a file whose headers are ambiguous is
// refused with how each header reads; the official's mapping imports it, and
// the region's next import reads the same headers the same way unasked.
func TestLedgerMappingConfirmedIsOffered(t *testing.T) {
	forDialects(t, func(t *testing.T, f *fixture) {
		b := countyLedger(t, []any{"隐患名称", "整改期限", "整改时限（计划）", "隐患等级", "生产经营单位"},
			[]any{"消防通道堆放杂物", "2026-12-20", "2026-12-31", "一般", "donghu公司"})
		_, err := f.ledger.Import(f.ctx, f.actors["donghu"], b, ImportOptions{DryRun: true})
		var we *workflow.Error
		if !errors.As(err, &we) || we.Code != "ambiguous_columns" {
			t.Fatalf("ambiguous headers: %v", err)
		}
		asked := 0
		for _, m := range we.Detail.(ImportResult).Columns {
			if m.How == xlsx.MatchAmbiguous {
				asked++
			}
		}
		if asked != 2 {
			t.Errorf("%d headers asked, want 2: %+v", asked, we.Detail.(ImportResult).Columns)
		}
		res, err := f.ledger.Import(f.ctx, f.actors["donghu"], b, ImportOptions{Mapping: map[string]string{"整改期限": ""}, State: model.StateListed})
		var ve *workflow.Error
		if errors.As(err, &ve) {
			t.Fatalf("mapped import refused: %v %+v", err, ve.Detail)
		}
		noErr(t, err)
		if res.Created != 1 {
			t.Fatalf("mapped import %+v", res)
		}
		// Next time: the same headers, unasked; another county's official is
		// still asked.
		b2 := countyLedger(t, []any{"隐患名称", "整改期限", "整改时限（计划）", "隐患等级", "生产经营单位"},
			[]any{"配电室未设挡鼠板", nil, nil, "一般", "donghu公司"})
		res, err = f.ledger.Import(f.ctx, f.actors["donghu2"], b2, ImportOptions{DryRun: true})
		noErr(t, err)
		for _, m := range res.Columns {
			if m.Header == "整改期限" && (m.How != xlsx.MatchMapped || m.Column != "") {
				t.Errorf("the confirmed mapping is not offered: %+v", m)
			}
		}
		if _, err := f.ledger.Import(f.ctx, f.actors["xihu"], b2, ImportOptions{DryRun: true}); !errors.As(err, &we) || we.Code != "ambiguous_columns" {
			t.Errorf("another county is not asked: %v", err)
		}
	})
}

// TestLedgerLinksTheCatalogue: a basis a ledger writes is linked to the
// catalogue of criteria as a confirm links it — the title matched without its
// marks, year or order number, the clause by its number — and unlinked
// (未收录) when a later import writes a standard the catalogue lacks.
func TestLedgerLinksTheCatalogue(t *testing.T) {
	forDialects(t, func(t *testing.T, f *fixture) {
		if _, err := f.engine.Standards.LoadShipped(f.ctx, standards.Shipped()); err != nil {
			t.Fatal(err)
		}
		all, err := workflow.LatestStandards(f.ctx, f.store)
		noErr(t, err)
		// A standard of the catalogue and a clause of it with a number.
		var std *workflow.Standard
		for i := range all {
			if len(all[i].Clauses) > 0 && all[i].Clauses[0].Ref != "" {
				std = &all[i]
				break
			}
		}
		if std == nil {
			t.Fatal("no clause in the shipped catalogue")
		}
		ref := std.Clauses[0].Ref
		b := countyLedger(t, []any{"隐患名称", "隐患等级", "判定依据", "生产经营单位", "当前状态"},
			[]any{"粉尘涉爆除尘系统未设锁气卸灰", "重大", std.Citation() + "（2023年版）" + ref, "donghu公司", "已发现"})
		res, err := f.ledger.Import(f.ctx, f.actors["donghu"], b, ImportOptions{})
		noErr(t, err)
		h := f.hazardTitled(t, "粉尘涉爆除尘系统未设锁气卸灰")
		if res.Created != 1 || h.BasisStandardID == nil || *h.BasisStandardID != std.ID || h.BasisStandardVersion == nil ||
			h.BasisClauseRef == nil || *h.BasisClauseRef != ref {
			t.Fatalf("imported basis %q / %q linked to %v %v %v, want %s %s", h.BasisStandard, h.BasisClause,
				h.BasisStandardID, h.BasisStandardVersion, h.BasisClauseRef, std.ID, ref)
		}
		// The same row with a standard the catalogue lacks: the link goes.
		upd := countyLedger(t, []any{"隐患编号", "隐患名称", "判定依据", "具体条款"},
			[]any{h.Code, "粉尘涉爆除尘系统未设锁气卸灰", "《某地方安全生产条例》", "第九条"})
		res, err = f.ledger.Import(f.ctx, f.actors["donghu"], upd, ImportOptions{})
		noErr(t, err)
		h = f.hazardTitled(t, "粉尘涉爆除尘系统未设锁气卸灰")
		if res.Updated != 1 || h.BasisStandard != "《某地方安全生产条例》" || h.BasisStandardID != nil || h.BasisClauseRef != nil {
			t.Errorf("after a basis out of the catalogue: %+v; %q linked to %v %v", res, h.BasisStandard, h.BasisStandardID, h.BasisClauseRef)
		}
	})
}
