package handler_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"hazardloop/standards"
	"hazardloop/workflow"
)

// loadCatalogue loads the shipped catalogue into w's database, as the first
// start does, and returns how many standards it added.
func loadCatalogue(t *testing.T, w *world) int {
	t.Helper()
	n, err := workflow.New(w.store, workflow.Options{Now: w.clock.Now}).Standards.LoadShipped(context.Background(), standards.Shipped())
	if err != nil {
		t.Fatalf("load shipped standards: %v", err)
	}
	return n
}

type standardJSON struct {
	ID         string   `json:"id"`
	Version    int      `json:"version"`
	Title      string   `json:"title"`
	Number     string   `json:"number"`
	IssuedOn   string   `json:"issued_on"`
	Industries []string `json:"industries"`
	TextSource string   `json:"text_source"`
	Sources    []struct {
		URL   string `json:"url"`
		Title string `json:"title"`
	} `json:"sources"`
	Clauses []struct {
		Ref     string `json:"ref"`
		Heading string `json:"heading"`
		Text    string `json:"text"`
	} `json:"clauses"`
}

func (c *client) standards(query string) []standardJSON {
	c.t.Helper()
	var out struct {
		Items []standardJSON `json:"items"`
	}
	c.get("/api/v1/standards" + query).want(http.StatusOK).decode(&out)
	return out.Items
}

func standardIDs(ss []standardJSON) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

// TestStandardsCatalogue: the shipped catalogue is loaded once, read by every
// signed-in user, filtered by industry and by words of the clauses; only an
// admin replaces or adds a standard, with a message per field when the entry
// is wrong, and a replacement is a new version beside the old one.
func TestStandardsCatalogue(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		if n := loadCatalogue(t, w); n != 8 {
			t.Fatalf("first load added %d standards, want the 8 shipped", n)
		}
		if n := loadCatalogue(t, w); n != 0 {
			t.Fatalf("second load added %d standards", n)
		}
		w.anon(t).get("/api/v1/standards").wantError(http.StatusUnauthorized, "unauthorized")

		all := w.as(t, "entA").standards("")
		if len(all) != 8 {
			t.Fatalf("an enterprise sees %d standards: %v", len(all), standardIDs(all))
		}
		byID := map[string]standardJSON{}
		for _, s := range all {
			byID[s.ID] = s
			if s.Version != 1 || s.Title == "" || s.TextSource == "" && hasBareClause(s) {
				t.Errorf("standard %s: %+v", s.ID, s)
			}
			for _, c := range s.Clauses {
				if c.Ref == "" {
					t.Errorf("standard %s has a clause without a number", s.ID)
				}
			}
			if hasText(s) && len(s.Sources) == 0 {
				t.Errorf("standard %s quotes clause texts without saying where from", s.ID)
			}
		}
		gm := byID["gongmao-2023"]
		if gm.Title != "工贸企业重大事故隐患判定标准" || gm.Number != "应急管理部令第10号" || gm.IssuedOn != "2023-04-14" {
			t.Errorf("工贸 standard: %+v", gm)
		}
		if yh := byID["yanhua-2017"]; !strings.Contains(yh.TextSource, "未找到公开文本") || hasText(yh) {
			t.Errorf("烟花爆竹 standard claims texts: %+v", yh)
		}

		// The standards of an industry: its own first, then those for all.
		chem := w.as(t, "donghu").standards("?industry=" + url.QueryEscape("危险化学品"))
		if got := strings.Join(standardIDs(chem), ","); got != "huagong-2017,gb35181-2017" {
			t.Errorf("standards for 危险化学品: %s", got)
		}
		// Words of the clause: every clause returned holds them all.
		dust := w.as(t, "donghu").standards("?q=" + url.QueryEscape("除尘系统 粉尘"))
		if got := strings.Join(standardIDs(dust), ","); got != "gongmao-2023" {
			t.Errorf("clauses with 除尘系统 and 粉尘 in: %s", got)
		}
		for _, s := range dust {
			if len(s.Clauses) == 0 || len(s.Clauses) >= len(gm.Clauses) {
				t.Errorf("the search kept %d of %d clauses", len(s.Clauses), len(gm.Clauses))
			}
			for _, c := range s.Clauses {
				if txt := c.Heading + c.Text; !strings.Contains(txt, "除尘系统") || !strings.Contains(txt, "粉尘") {
					t.Errorf("clause %s does not hold the words: %s", c.Ref, txt)
				}
			}
		}
		if got := w.as(t, "donghu").standards("?industry=" + url.QueryEscape("工贸") + "&q=" + url.QueryEscape("液氯")); len(got) != 0 {
			t.Errorf("液氯 in the 工贸 standards: %v", standardIDs(got))
		}

		// Replacing: admin only, validated, versioned.
		entry := shippedEntry(t, "gongmao-2023")
		entry["clauses"].([]any)[0].(map[string]any)["text"] = "（新版）未对承包单位、承租单位的安全生产工作统一协调、管理的；"
		w.as(t, "donghu").do(http.MethodPut, "/api/v1/standards/gongmao-2023", entry).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "entA").do(http.MethodPut, "/api/v1/standards/gongmao-2023", entry).wantError(http.StatusForbidden, "forbidden")
		admin := w.as(t, "admin")
		bad := shippedEntry(t, "gongmao-2023")
		bad["title"], bad["issued_on"] = "", "2023-13-01"
		bad["clauses"].([]any)[1].(map[string]any)["ref"] = "第三条第（一）项"
		e := admin.do(http.MethodPut, "/api/v1/standards/gongmao-2023", bad).
			wantError(http.StatusBadRequest, "invalid_fields", "title", "issued_on", "clauses[1].ref")
		wantContains(t, "duplicate ref", e.Fields["clauses[1].ref"], "重复")
		admin.do(http.MethodPut, "/api/v1/standards/Bad%20Id", entry).wantError(http.StatusBadRequest, "invalid_fields", "id")
		admin.do(http.MethodPut, "/api/v1/standards/gongmao-2023", `{"title":"x","colour":"red"}`).wantError(http.StatusBadRequest, "invalid_fields", "body")
		noText := map[string]any{"title": "某市地方判定标准", "clauses": []any{map[string]any{"ref": "第一条", "text": ""}}}
		admin.do(http.MethodPut, "/api/v1/standards/local-2026", noText).wantError(http.StatusBadRequest, "invalid_fields", "text_source")

		var v2 standardJSON
		admin.do(http.MethodPut, "/api/v1/standards/gongmao-2023", entry).want(http.StatusCreated).decode(&v2)
		if v2.Version != 2 || !strings.HasPrefix(v2.Clauses[0].Text, "（新版）") {
			t.Errorf("replaced standard: version %d, first clause %q", v2.Version, v2.Clauses[0].Text)
		}
		var same standardJSON
		admin.do(http.MethodPut, "/api/v1/standards/gongmao-2023", entry).want(http.StatusOK).decode(&same)
		if same.Version != 2 {
			t.Errorf("the same entry again made version %d", same.Version)
		}
		var v1 standardJSON
		w.as(t, "entA").get("/api/v1/standards/gongmao-2023?version=1").want(http.StatusOK).decode(&v1)
		if v1.Version != 1 || v1.Clauses[0].Text != gm.Clauses[0].Text {
			t.Errorf("version 1 after the replacement: %+v", v1.Clauses[0])
		}
		w.as(t, "entA").get("/api/v1/standards/gongmao-2023?version=3").wantError(http.StatusNotFound, "not_found")
		for _, s := range w.as(t, "entA").standards("") {
			if s.ID == "gongmao-2023" && s.Version != 2 {
				t.Errorf("the list shows version %d after the replacement", s.Version)
			}
		}
		noText["text_source"] = "未找到公开文本，仅列条款编号"
		admin.do(http.MethodPut, "/api/v1/standards/local-2026", noText).want(http.StatusCreated)
		if n := loadCatalogue(t, w); n != 0 {
			t.Errorf("a later start loaded %d standards over the replaced ones", n)
		}
		if got := w.as(t, "entA").standards(""); len(got) != 9 {
			t.Errorf("after adding one: %v", standardIDs(got))
		}
	})
}

func hasText(s standardJSON) bool {
	for _, c := range s.Clauses {
		if c.Text != "" {
			return true
		}
	}
	return false
}

func hasBareClause(s standardJSON) bool {
	for _, c := range s.Clauses {
		if c.Text == "" {
			return true
		}
	}
	return len(s.Clauses) == 0
}

// shippedEntry is the shipped entry of standard id, as JSON values.
func shippedEntry(t *testing.T, id string) map[string]any {
	t.Helper()
	var file struct {
		Standards []map[string]any `json:"standards"`
	}
	if err := json.NewDecoder(standards.Shipped()).Decode(&file); err != nil {
		t.Fatal(err)
	}
	for _, s := range file.Standards {
		if s["id"] == id {
			return s
		}
	}
	t.Fatalf("no shipped standard %s", id)
	return nil
}

type basisJSON struct {
	ID                   int64   `json:"id"`
	Version              int     `json:"version"`
	BasisStandard        string  `json:"basis_standard"`
	BasisClause          string  `json:"basis_clause"`
	BasisStandardID      *string `json:"basis_standard_id"`
	BasisStandardVersion *int    `json:"basis_standard_version"`
	BasisClauseRef       *string `json:"basis_clause_ref"`
	BasisCatalogued      *bool   `json:"basis_catalogued"`
}

func (c *client) basis(id int64) basisJSON {
	c.t.Helper()
	var b basisJSON
	c.get(hazardPath(id)).want(http.StatusOK).decode(&b)
	return b
}

// TestConfirmCitesTheCatalogue: confirming a major hazard with a clause of the
// catalogue stores the standard's id, the version cited and the clause's
// number beside the text as shown; a later edition does not rewrite it; a
// basis written as text is linked when its title is the catalogue's, and a
// standard not in the catalogue is accepted and marked 未收录.
func TestConfirmCitesTheCatalogue(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		loadCatalogue(t, w)
		donghu := w.as(t, "donghu")
		gm := shippedEntry(t, "gongmao-2023")
		var clause map[string]any
		for _, c := range gm["clauses"].([]any) {
			if c.(map[string]any)["ref"] == "第十一条第（三）项" {
				clause = c.(map[string]any)
			}
		}
		major := func(title string) hazard {
			return donghu.createHazard(obj{"title": title, "industry": "工贸", "enterprise_id": w.ents["A"].ID})
		}

		h := major("除尘系统未设泄爆装置")
		donghu.fire(h, "confirm", obj{"level": "major", "basis_standard_id": "gongmao-2023", "basis_clause_ref": "第九十九条"}).
			wantError(http.StatusBadRequest, "invalid_fields", "basis_clause_ref")
		donghu.fire(h, "confirm", obj{"level": "major", "basis_standard_id": "no-such", "basis_clause_ref": "第一条"}).
			wantError(http.StatusBadRequest, "invalid_fields", "basis_standard_id")
		donghu.fire(h, "confirm", obj{"level": "major", "basis_clause_ref": "第一条"}).
			wantError(http.StatusBadRequest, "invalid_fields", "basis_standard_id")
		donghu.mustFire(h, "confirm", obj{"level": "major", "basis_standard_id": "gongmao-2023", "basis_clause_ref": "第十一条第（三）项"})
		b := donghu.basis(h.ID)
		wantClause := "第十一条第（三）项 " + clause["text"].(string)
		if b.BasisStandard != "《工贸企业重大事故隐患判定标准》" || b.BasisClause != wantClause || b.BasisStandardID == nil ||
			*b.BasisStandardID != "gongmao-2023" || b.BasisStandardVersion == nil || *b.BasisStandardVersion != 1 ||
			b.BasisClauseRef == nil || *b.BasisClauseRef != "第十一条第（三）项" || b.BasisCatalogued == nil || !*b.BasisCatalogued {
			t.Fatalf("confirmed with a catalogue clause: %+v", b)
		}

		// Not in the catalogue: accepted as text, marked.
		other := major("液氨储罐区未设围堰")
		donghu.mustFire(other, "confirm", obj{"level": "major", "basis_standard": "《某省涉氨制冷企业重大隐患判定细则》", "basis_clause": "第三条"})
		if b := donghu.basis(other.ID); b.BasisStandardID != nil || b.BasisClauseRef != nil || b.BasisCatalogued == nil || *b.BasisCatalogued {
			t.Errorf("a standard not in the catalogue: %+v", b)
		}
		// Written as text with the order number and a year: found in the catalogue.
		typed := major("煤气柜区域人员聚集")
		donghu.mustFire(typed, "confirm", obj{"level": "major", "basis_standard": "工贸企业重大事故隐患判定标准（应急管理部令第10号，2023年）", "basis_clause": "第四条第（一）项 会议室等设置在吊运跨内"})
		if b := donghu.basis(typed.ID); b.BasisStandardID == nil || *b.BasisStandardID != "gongmao-2023" || b.BasisClauseRef == nil || *b.BasisClauseRef != "第四条第（一）项" {
			t.Errorf("a catalogue standard typed as text: %+v", b)
		}
		if b := donghu.basis(donghu.createHazard(obj{"title": "未定级", "enterprise_id": w.ents["A"].ID}).ID); b.BasisCatalogued != nil {
			t.Errorf("a hazard without a basis says basis_catalogued %v", *b.BasisCatalogued)
		}

		// A new edition: the old hazard keeps what it cited, a new one cites the new.
		clause["text"] = "（修订）干式除尘系统未采取任一种爆炸防控措施的；"
		w.as(t, "admin").do(http.MethodPut, "/api/v1/standards/gongmao-2023", gm).want(http.StatusCreated)
		if after := donghu.basis(h.ID); !reflect.DeepEqual(after, b) {
			t.Errorf("the new edition rewrote the old hazard:\n%+v\n%+v", b, after)
		}
		h2 := major("除尘器无爆炸防控措施")
		donghu.mustFire(h2, "confirm", obj{"level": "major", "basis_standard_id": "gongmao-2023", "basis_clause_ref": "第十一条第（三）项"})
		if b := donghu.basis(h2.ID); *b.BasisStandardVersion != 2 || !strings.Contains(b.BasisClause, "（修订）") {
			t.Errorf("confirmed after the new edition: %+v", b)
		}

		// The page says so.
		p := newPageClient(t, w)
		p.login("donghu")
		_, page := p.do(http.MethodGet, "/hazards/"+strconv.FormatInt(other.ID, 10), nil, nil)
		if !strings.Contains(page, "未收录") {
			t.Error("the hazard page does not mark a standard not in the catalogue")
		}
		_, page = p.do(http.MethodGet, "/hazards/"+strconv.FormatInt(h.ID, 10), nil, nil)
		if !strings.Contains(page, "判定标准目录第1版") || strings.Contains(page, "未收录") {
			t.Error("the hazard page does not show the catalogue version cited")
		}
	})
}

// TestSuggestedClauses: for a hazard whose title is made of a clause's words
// the suggestion ranks that clause first, for clauses of several standards
// taken from the shipped data; nothing is applied to the hazard.
func TestSuggestedClauses(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		loadCatalogue(t, w)
		donghu := w.as(t, "donghu")
		all := donghu.standards("")
		tried := 0
		for _, industry := range []string{"工贸", "化工", "煤矿", "建筑施工", "金属非金属矿山"} {
			std, cl := distinctClause(t, donghu.standards("?industry=" + url.QueryEscape(industry))[0], all)
			title := []rune(cl)
			h := donghu.createHazard(obj{"title": string(title[:min(len(title), 18)]), "industry": industry, "region_code": "360102"})
			var out struct {
				Items []struct {
					StandardID string  `json:"standard_id"`
					Version    int     `json:"version"`
					Ref        string  `json:"ref"`
					Text       string  `json:"text"`
					Score      float64 `json:"score"`
				} `json:"items"`
			}
			donghu.get(hazardPath(h.ID) + "/suggested-clauses").want(http.StatusOK).decode(&out)
			if len(out.Items) == 0 || out.Items[0].StandardID != std.ID || out.Items[0].Text != cl || out.Items[0].Version != 1 {
				t.Errorf("%s: for %q the first suggestion is %+v", industry, string(title[:min(len(title), 18)]), out.Items)
			} else if len(out.Items) > 1 && out.Items[1].Score > out.Items[0].Score {
				t.Errorf("%s: suggestions not best first: %+v", industry, out.Items)
			}
			if got := donghu.basis(h.ID); got.BasisStandard != "" || got.BasisStandardID != nil {
				t.Errorf("a suggestion was applied: %+v", got)
			}
			tried++
		}
		if tried < 5 {
			t.Fatalf("tried %d industries", tried)
		}
		h := donghu.createHazard(obj{"title": "围墙外侧排水沟堵塞", "region_code": "360102"})
		w.as(t, "xihu").get(hazardPath(h.ID)+"/suggested-clauses").wantError(http.StatusForbidden, "forbidden")
	})
}

// distinctClause picks the first clause of s with text whose opening words
// (18 characters) no other clause of the catalogue holds.
func distinctClause(t *testing.T, s standardJSON, all []standardJSON) (standardJSON, string) {
	t.Helper()
	for _, c := range s.Clauses {
		r := []rune(c.Text)
		if len(r) < 8 {
			continue
		}
		head, unique := string(r[:min(len(r), 18)]), true
		for _, o := range all {
			for _, oc := range o.Clauses {
				if oc.Text != c.Text && strings.Contains(oc.Heading+oc.Text, head) {
					unique = false
				}
			}
		}
		if unique {
			return s, c.Text
		}
	}
	t.Fatalf("no distinct clause in %s", s.ID)
	return s, ""
}
