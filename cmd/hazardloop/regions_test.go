package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hazardloop/model"
	"hazardloop/workflow"
)

// TestRegionsFirstStartAndImport: the first start of a database loads the
// shipped table, a later start does not; `regions import` adds and renames,
// and says so, and a second import of the same file changes nothing.
func TestRegionsFirstStartAndImport(t *testing.T) {
	dir := t.TempDir()
	common := []string{"--database-url", filepath.Join(dir, "r.db"), "--data-dir", filepath.Join(dir, "data")}
	var out strings.Builder
	if err := run(context.Background(), append([]string{"demo"}, common...), &out, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "首次启动：已载入江西省行政区划") || !strings.Contains(out.String(), "23959 个") ||
		!strings.Contains(out.String(), "minxiang") || !strings.Contains(out.String(), "tengwangge") {
		t.Errorf("first start said:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "已载入判定标准 8 部") {
		t.Errorf("the first start did not load the catalogue of criteria:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), append([]string{"demo"}, common...), &out, io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "首次启动") || strings.Contains(out.String(), "判定标准") {
		t.Errorf("a second start loaded the table again:\n%s", out.String())
	}

	file := filepath.Join(dir, "newer.csv")
	csv := "code,name,parent_code\n360102,东湖区,360100\n360102400,贤士湖管理处（新）,360102\n360102400999,新设社区居委会,360102400\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"共 3 行，新增 1 个，更名 1 个，未变 1 个；数据库中另有 23957 个", "共 3 行，新增 0 个，更名 0 个，未变 3 个"} {
		out.Reset()
		if err := run(context.Background(), append([]string{"regions", "import", "--file", file}, common...), &out, io.Discard, nil); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("import %d said %q, want %q", i+1, out.String(), want)
		}
	}
	// The loads are in the audit log as the system's (the command line has
	// no account): the first start's, then the import that changed something;
	// the ladder policy once, the two starts having the same.
	store, err := model.Open(filepath.Join(dir, "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	imports, err := store.ListAudit(ctx, model.AuditFilter{Kind: workflow.AuditRegionImport, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(imports) != 2 || imports[0].ActorRole != model.RoleSystem || imports[0].ActorName != "命令行" || imports[0].ActorID != nil ||
		!strings.Contains(imports[0].After, `"贤士湖管理处（新）"`) || !strings.Contains(imports[0].Before, `"贤士湖管理处"`) ||
		!strings.Contains(imports[1].After, `"added":23959`) {
		t.Errorf("region imports in the audit log: %+v", imports)
	}
	ladders, err := store.ListAudit(ctx, model.AuditFilter{Kind: workflow.AuditLadderPut, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(ladders) != 1 || ladders[0].ActorRole != model.RoleSystem {
		t.Errorf("ladder policies in the audit log: %+v", ladders)
	}
	if r, err := store.VerifyAudit(ctx); err != nil || !r.OK {
		t.Errorf("audit chain: %+v %v", r, err)
	}

	if err := run(context.Background(), append([]string{"regions", "import"}, common...), io.Discard, io.Discard, nil); err == nil {
		t.Error("regions import without --file ran")
	}
	if err := run(context.Background(), []string{"regions"}, io.Discard, io.Discard, nil); err == nil {
		t.Error("regions without import ran")
	}
}
