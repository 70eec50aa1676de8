package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hazardloop/model"
)

// Standard is one entry of the catalogue of major-hazard criteria (重大事故隐患
// 判定标准), as the API shows it and as PUT /api/v1/standards/{id} takes it.
// Industries are keywords matched against a hazard's industry (Applies); none
// means the standard applies to every industry (重大火灾隐患判定方法).
type Standard struct {
	ID         string           `json:"id"`
	Version    int              `json:"version"`
	Title      string           `json:"title"`
	Number     string           `json:"number"`
	IssuedOn   string           `json:"issued_on"`
	Industries []string         `json:"industries"`
	TextSource string           `json:"text_source,omitempty"` // where the clause texts come from, or that there are none
	Sources    []StandardSource `json:"sources"`
	Clauses    []Clause         `json:"clauses"`
	CreatedAt  *time.Time       `json:"created_at,omitempty"`
}

// Clause is one clause of a standard: its number (ref, as the standard numbers
// it: 第四条第（一）项), the lead-in it falls under and its text ("" where no
// public text was found).
type Clause struct {
	Ref     string `json:"ref"`
	Heading string `json:"heading,omitempty"`
	Text    string `json:"text"`
}

// StandardSource is a public copy the texts were taken from.
type StandardSource struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

// Citation is the standard's title as a hazard cites it: 《title》.
func (s *Standard) Citation() string { return "《" + s.Title + "》" }

// Clause returns the clause numbered ref, or nil.
func (s *Standard) Clause(ref string) *Clause {
	for i := range s.Clauses {
		if s.Clauses[i].Ref == ref {
			return &s.Clauses[i]
		}
	}
	return nil
}

// Applies says whether the standard is one for a hazard of industry: one of
// its keywords is part of the industry or the industry part of it, or it has
// none (it applies to all). specific is false for the latter.
func (s *Standard) Applies(industry string) (ok, specific bool) {
	if len(s.Industries) == 0 {
		return true, false
	}
	ind := fold(industry)
	if ind == "" {
		return false, false
	}
	for _, k := range s.Industries {
		if k := fold(k); strings.Contains(ind, k) || strings.Contains(k, ind) {
			return true, true
		}
	}
	return false, false
}

// Label is how a clause is shown and stored on a hazard: its number and text.
func (c *Clause) Label() string {
	if c.Text == "" {
		return c.Ref
	}
	return c.Ref + " " + c.Text
}

// Catalogue is the catalogue of major-hazard criteria: every signed-in user
// reads it (it is public law), an admin replaces or adds a standard; each
// replacement is a new version, the old ones kept for the hazards citing them.
type Catalogue struct{ *core }

// StandardQuery filters the catalogue: the standards of a hazard's industry
// (Applies), and the clauses holding every word of Q.
type StandardQuery struct {
	Industry string
	Q        string
}

// List returns the newest version of each standard that q selects: those of
// q.Industry (its own before the ones for every industry), with only the
// clauses holding all words of q.Q (standards left without one are dropped).
func (e *Catalogue) List(ctx context.Context, _ Actor, q StandardQuery) ([]Standard, error) {
	all, err := e.latest(ctx)
	if err != nil {
		return nil, err
	}
	words := strings.Fields(strings.ReplaceAll(q.Q, "　", " "))
	for i := range words {
		words[i] = fold(words[i])
	}
	out := []Standard{}
	var general []Standard
	for _, s := range all {
		specific := true
		if strings.TrimSpace(q.Industry) != "" {
			var ok bool
			if ok, specific = s.Applies(q.Industry); !ok {
				continue
			}
		}
		if len(words) > 0 {
			var keep []Clause
			for _, c := range s.Clauses {
				if hasWords(fold(c.Ref+c.Heading+c.Text), words) {
					keep = append(keep, c)
				}
			}
			if len(keep) == 0 {
				continue
			}
			s.Clauses = keep
		}
		if specific {
			out = append(out, s)
		} else {
			general = append(general, s)
		}
	}
	return append(out, general...), nil
}

func hasWords(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// Get returns standard id at version (its newest when version is 0);
// KindNotFound when there is no such standard or version.
func (e *Catalogue) Get(ctx context.Context, _ Actor, id string, version int) (*Standard, error) {
	v, err := e.store.GetStandardVersion(ctx, id, version)
	if err != nil {
		return nil, notFoundOr("判定标准", err)
	}
	return decodeStandard(v)
}

// Put replaces standard id with the entry in body (JSON as shipped), or adds
// it: admin only; KindInvalid with a message per field when the entry is not
// well formed. The replaced version stays (hazards keep citing it); an entry
// equal to the newest version stores nothing and returns it. changed says
// whether a version was added.
func (e *Catalogue) Put(ctx context.Context, a Actor, id string, body []byte) (s *Standard, changed bool, err error) {
	if err := adminOnly(a); err != nil {
		return nil, false, err
	}
	s, err = ParseStandard(id, body)
	if err != nil {
		return nil, false, err
	}
	return e.put(ctx, a, s)
}

func (e *Catalogue) put(ctx context.Context, a Actor, s *Standard) (*Standard, bool, error) {
	var out *Standard
	err := e.store.Tx(ctx, func(tx *model.Store) error {
		var before *Standard
		cur, err := tx.GetStandardVersion(ctx, s.ID, 0)
		switch {
		case errors.Is(err, model.ErrNotFound):
			s.Version = 1
		case err != nil:
			return err
		default:
			if before, err = decodeStandard(cur); err != nil {
				return err
			}
			if body, _ := standardBody(s); body == cur.Body && s.Title == cur.Title {
				out = before
				return nil
			}
			s.Version = cur.Version + 1
		}
		body, err := standardBody(s)
		if err != nil {
			return err
		}
		now := e.Now()
		row := &model.StandardVersion{StandardID: s.ID, Version: s.Version, Title: s.Title, Body: body, CreatedBy: actorID(a), CreatedAt: now}
		if err := tx.AddStandardVersion(ctx, row); errors.Is(err, model.ErrDuplicate) {
			return errStale("该判定标准刚刚已被他人更新，请刷新后重试", err)
		} else if err != nil {
			return err
		}
		s.CreatedAt = &now
		out = s
		ch := auditChange{Kind: AuditStandardPut, Entity: "standard", ID: s.ID, Label: s.Title, After: s}
		if before != nil {
			ch.Before = before
		}
		return e.audit(ctx, tx, a, ch)
	})
	if err != nil {
		return nil, false, err
	}
	return out, out == s, nil
}

// LoadShipped adds the shipped standards (standards.Shipped) that the
// catalogue lacks; a standard already there, shipped or replaced by an admin,
// is left as it is. It returns how many it added.
func (e *Catalogue) LoadShipped(ctx context.Context, r io.Reader) (int, error) {
	var file struct {
		Standards []json.RawMessage `json:"standards"`
	}
	if err := json.NewDecoder(r).Decode(&file); err != nil {
		return 0, fmt.Errorf("workflow: shipped standards: %w", err)
	}
	added := 0
	for _, raw := range file.Standards {
		var head struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return added, fmt.Errorf("workflow: shipped standard: %w", err)
		}
		if _, err := e.store.GetStandardVersion(ctx, head.ID, 0); err == nil {
			continue
		} else if !errors.Is(err, model.ErrNotFound) {
			return added, err
		}
		s, err := ParseStandard(head.ID, raw)
		if err != nil {
			return added, fmt.Errorf("workflow: shipped standard %s: %w", head.ID, err)
		}
		if _, _, err := e.put(ctx, SystemActor, s); err != nil {
			var we *Error
			if errors.As(err, &we) && we.Kind == KindConflict {
				continue // another replica loaded it first
			}
			return added, err
		}
		added++
	}
	return added, nil
}

var (
	standardIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)
	issuedPattern     = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
)

// ParseStandard reads and checks an entry of the catalogue for standard id:
// KindInvalid with a Chinese message per field (id, title, number, issued_on,
// industries, text_source, sources, clauses[i].ref, …) when it is not well
// formed. The entry's version and created_at, if given, are ignored: the
// catalogue numbers versions itself.
func ParseStandard(id string, body []byte) (*Standard, error) {
	errs := fieldErrors{}
	if !standardIDPattern.MatchString(id) {
		errs.add("id", "标准标识只能由小写字母、数字、点、下划线和连字符组成（2至64个字符），如 gongmao-2023")
		return nil, errs.err()
	}
	var s Standard
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		errs.add("body", "无法解析的 JSON："+err.Error())
		return nil, errs.err()
	}
	if s.ID != "" && s.ID != id {
		errs.add("id", fmt.Sprintf("内容中的标识 %s 与地址中的 %s 不一致", s.ID, id))
	}
	s.ID, s.Version, s.CreatedAt = id, 0, nil
	s.Title = strings.Trim(strings.TrimSpace(s.Title), "《》")
	check := func(field, v string, max int, required bool, name string) string {
		v = strings.TrimSpace(v)
		switch {
		case v == "" && required:
			errs.add(field, "请填写"+name)
		case !utf8.ValidString(v) || strings.IndexFunc(v, hiddenControl) >= 0:
			errs.add(field, name+"含有无法识别或不可见的字符")
		case utf8.RuneCountInString(v) > max:
			errs.add(field, fmt.Sprintf("%s不能超过%d个字", name, max))
		}
		return v
	}
	s.Title = check("title", s.Title, 200, true, "标准名称")
	s.Number = check("number", s.Number, 100, false, "文号或标准号")
	s.IssuedOn = check("issued_on", s.IssuedOn, 10, false, "发布日期")
	if s.IssuedOn != "" && !validIssued(s.IssuedOn) {
		errs.add("issued_on", "发布日期应写作 2023-04-14、2023-04 或 2023")
	}
	if len(s.Industries) > 50 {
		errs.add("industries", "适用行业不能超过50个")
	}
	inds := []string{}
	for i, k := range s.Industries {
		if k = check(fmt.Sprintf("industries[%d]", i), k, 50, true, "适用行业"); k != "" {
			inds = append(inds, k)
		}
	}
	s.Industries = inds
	s.TextSource = check("text_source", s.TextSource, 2000, false, "条文来源说明")
	if s.Sources == nil {
		s.Sources = []StandardSource{}
	}
	for i := range s.Sources {
		src := &s.Sources[i]
		src.URL = check(fmt.Sprintf("sources[%d].url", i), src.URL, 1000, true, "来源地址")
		src.Title = check(fmt.Sprintf("sources[%d].title", i), src.Title, 500, false, "来源名称")
	}
	if len(s.Clauses) > 2000 {
		errs.add("clauses", "条款不能超过2000条")
	}
	if s.Clauses == nil {
		s.Clauses = []Clause{}
	}
	seen, bare := map[string]int{}, false
	for i := range s.Clauses {
		c, f := &s.Clauses[i], fmt.Sprintf("clauses[%d]", i)
		c.Ref = check(f+".ref", c.Ref, 100, true, fmt.Sprintf("第%d条的条款编号", i+1))
		c.Heading = check(f+".heading", c.Heading, 500, false, fmt.Sprintf("第%d条的标题", i+1))
		c.Text = check(f+".text", c.Text, 2000, false, fmt.Sprintf("第%d条的条文", i+1))
		if j, dup := seen[c.Ref]; dup && c.Ref != "" {
			errs.add(f+".ref", fmt.Sprintf("第%d条的条款编号“%s”与第%d条重复", i+1, c.Ref, j+1))
		}
		seen[c.Ref] = i
		bare = bare || c.Text == ""
	}
	if (bare || len(s.Clauses) == 0) && s.TextSource == "" {
		errs.add("text_source", "有条款未附条文（或没有条款）时，须在条文来源说明中写明，如“未找到公开文本，仅列条款编号”")
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return &s, nil
}

func validIssued(s string) bool {
	if !issuedPattern.MatchString(s) {
		return false
	}
	layout := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(s)]
	_, err := time.Parse(layout, s)
	return err == nil
}

// standardBody is what a version row keeps beside its id, version and title.
func standardBody(s *Standard) (string, error) {
	b := *s
	b.ID, b.Version, b.Title, b.CreatedAt = "", 0, "", nil
	out, err := json.Marshal(b)
	return string(out), err
}

func decodeStandard(v *model.StandardVersion) (*Standard, error) {
	var s Standard
	if err := json.Unmarshal([]byte(v.Body), &s); err != nil {
		return nil, fmt.Errorf("workflow: standard %s v%d: %w", v.StandardID, v.Version, err)
	}
	at := v.CreatedAt
	s.ID, s.Version, s.Title, s.CreatedAt = v.StandardID, v.Version, v.Title, &at
	return &s, nil
}

func (e *core) latest(ctx context.Context) ([]Standard, error) { return latestIn(ctx, e.store) }

// latestIn is the newest version of every standard in store.
func latestIn(ctx context.Context, store *model.Store) ([]Standard, error) {
	rows, err := store.LatestStandards(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Standard, 0, len(rows))
	for i := range rows {
		s, err := decodeStandard(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, nil
}

// fold is text as the catalogue compares it: full-width letters and digits as
// half-width, lower case, without spaces.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\u3000' || unicode.IsSpace(r):
			continue
		case r >= '！' && r <= '～':
			r -= 0xFEE0
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// titleNoise is what a title is compared without: the marks around it, years
// and editions, order and standard numbers, （试行）.
var titleNoise = regexp.MustCompile(`[《》〈〉<>“”"]|[（(][^（）()]*\d[^（）()]*[）)]|[（(]试行[）)]|\d{4}\s*(年版|年|版)?|[\p{Han}]*令第\d+号|gb(/t)?\d+(-\d+)?`)

// titleKey is title as MatchTitle compares it.
func titleKey(title string) string { return titleNoise.ReplaceAllString(fold(title), "") }

// MatchTitle finds the standard of the catalogue a basis written as text
// names (《工贸企业重大事故隐患判定标准》（应急管理部令第10号）), ignoring the
// marks around the title, the year or edition, the order or standard number
// and （试行）: its newest version, or nil when none matches.
func (e *Catalogue) MatchTitle(ctx context.Context, text string) (*Standard, error) {
	all, err := e.latest(ctx)
	if err != nil {
		return nil, err
	}
	return matchTitle(all, text), nil
}

func matchTitle(all []Standard, text string) *Standard {
	key := titleKey(text)
	if key == "" {
		return nil
	}
	for i := range all {
		if titleKey(all[i].Title) == key {
			return &all[i]
		}
	}
	return nil
}

// matchClause finds the clause a basis written as text cites: the longest ref
// the text starts with (第四条第（一）项 …), or nil.
func matchClause(s *Standard, text string) *Clause {
	t := fold(text)
	var best *Clause
	for i := range s.Clauses {
		c := &s.Clauses[i]
		if r := fold(c.Ref); r != "" && strings.HasPrefix(t, r) && (best == nil || len(r) > len(fold(best.Ref))) {
			best = c
		}
	}
	return best
}

// citeBasis settles what a confirm's basis cites. A catalogue clause
// (basis_standard_id and basis_clause_ref) is looked up in the standard's
// newest version, whose number the hazard keeps with the title and the clause
// as shown (unless given as text too). A basis given only as text is linked
// to the catalogue when its title matches one (MatchTitle), its clause when it
// starts with a clause's number; else it stays text, not catalogued (未收录).
func citeBasis(c *change) {
	id, ref := c.in.BasisStandardID, c.in.BasisClauseRef
	if id == nil && ref == nil {
		if c.in.BasisStandard != nil {
			citeText(c)
		}
		return
	}
	if id == nil {
		c.errs.add("basis_standard_id", "选择条款时须同时选择判定标准")
		return
	}
	v, err := c.tx.GetStandardVersion(c.ctx, strings.TrimSpace(*id), 0)
	if errors.Is(err, model.ErrNotFound) {
		c.errs.add("basis_standard_id", "判定标准目录中没有该标准；目录未收录的标准请直接填写名称和条款")
		return
	} else if err != nil {
		c.err = err
		return
	}
	s, err := decodeStandard(v)
	if err != nil {
		c.err = err
		return
	}
	if ref == nil || strings.TrimSpace(*ref) == "" {
		c.errs.add("basis_clause_ref", "请选择判定标准的具体条款")
		return
	}
	cl := s.Clause(strings.TrimSpace(*ref))
	if cl == nil {
		c.errs.add("basis_clause_ref", fmt.Sprintf("%s中没有条款“%s”", s.Citation(), strings.TrimSpace(*ref)))
		return
	}
	if c.in.BasisStandard == nil {
		c.next.BasisStandard = s.Citation()
		c.payload["basis_standard"] = c.next.BasisStandard
	}
	if c.in.BasisClause == nil {
		c.next.BasisClause = truncateRunes(cl.Label(), 500)
		c.payload["basis_clause"] = c.next.BasisClause
	}
	cite(c, s, cl)
}

// citeText links a basis given as text to the catalogue where it matches.
func citeText(c *change) {
	all, err := latestIn(c.ctx, c.tx)
	if err != nil {
		c.err = err
		return
	}
	s := matchTitle(all, c.next.BasisStandard)
	if s == nil {
		c.next.BasisStandardID, c.next.BasisStandardVersion, c.next.BasisClauseRef = nil, nil, nil
		c.payload["basis_catalogued"] = false
		return
	}
	cite(c, s, matchClause(s, c.next.BasisClause))
}

// LatestStandards is the newest version of each standard of the catalogue in
// store (for an import to link the bases its rows write).
func LatestStandards(ctx context.Context, store *model.Store) ([]Standard, error) {
	return latestIn(ctx, store)
}

// BasisIndex finds the standards of a catalogue by title, for linking many
// bases (a ledger's rows) without folding every title for each.
type BasisIndex struct{ byKey map[string]*Standard }

// NewBasisIndex indexes all (the newest version of each standard) by title.
func NewBasisIndex(all []Standard) *BasisIndex {
	x := &BasisIndex{byKey: make(map[string]*Standard, len(all))}
	for i := range all {
		if k := titleKey(all[i].Title); k != "" {
			if _, dup := x.byKey[k]; !dup {
				x.byKey[k] = &all[i]
			}
		}
	}
	return x
}

// Link links h's basis, as text, to the catalogue as a confirm does (the
// standard by its title, the clause by its number), or unlinks it (未收录)
// when the title names none: a ledger's row that writes a basis.
func (x *BasisIndex) Link(h *model.Hazard) {
	h.BasisStandardID, h.BasisStandardVersion, h.BasisClauseRef = nil, nil, nil
	s := x.byKey[titleKey(h.BasisStandard)]
	if s == nil {
		return
	}
	id, version := s.ID, s.Version
	h.BasisStandardID, h.BasisStandardVersion = &id, &version
	if cl := matchClause(s, h.BasisClause); cl != nil {
		ref := cl.Ref
		h.BasisClauseRef = &ref
	}
}

func cite(c *change, s *Standard, cl *Clause) {
	id, version := s.ID, s.Version
	c.next.BasisStandardID, c.next.BasisStandardVersion, c.next.BasisClauseRef = &id, &version, nil
	c.payload["basis_standard_id"], c.payload["basis_standard_version"] = id, version
	if cl != nil {
		ref := cl.Ref
		c.next.BasisClauseRef = &ref
		c.payload["basis_clause_ref"] = ref
	}
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// ClauseSuggestion is a clause of the catalogue whose words a hazard's title
// and description share, best first: a hint for whoever confirms, never
// applied by itself.
type ClauseSuggestion struct {
	StandardID string  `json:"standard_id"`
	Version    int     `json:"version"`
	Title      string  `json:"title"`
	Ref        string  `json:"ref"`
	Heading    string  `json:"heading,omitempty"`
	Text       string  `json:"text"`
	Score      float64 `json:"score"` // 0 to 1
}

// SuggestLimit is how many clauses SuggestClauses returns at most.
const SuggestLimit = 5

// SuggestClauses ranks the clauses (with text) of the standards for hazard
// id's industry — all standards when none is for it — by the character
// bigrams they share with the hazard's title and description, each weighted
// by how rare it is among those clauses (idf), as a cosine: at most
// SuggestLimit, none below 0.05. KindNotFound or KindForbidden as Detail.
func (e *Hazards) SuggestClauses(ctx context.Context, a Actor, id int64) ([]ClauseSuggestion, error) {
	h, err := e.visible(ctx, a, id)
	if err != nil {
		return nil, err
	}
	all, err := e.latest(ctx)
	if err != nil {
		return nil, err
	}
	return suggest(all, h.Industry, h.Title+"\n"+h.Description), nil
}

func suggest(all []Standard, industry, text string) []ClauseSuggestion {
	var mine []Standard
	for _, s := range all {
		if ok, specific := s.Applies(industry); ok && specific {
			mine = append(mine, s)
		}
	}
	if len(mine) == 0 {
		mine = all
	} else {
		for _, s := range all {
			if len(s.Industries) == 0 {
				mine = append(mine, s) // the ones for every industry
			}
		}
	}
	type doc struct {
		s  *Standard
		c  *Clause
		bg map[string]bool
	}
	var docs []doc
	df := map[string]int{}
	for i := range mine {
		for j := range mine[i].Clauses {
			cl := &mine[i].Clauses[j]
			if cl.Text == "" {
				continue
			}
			bg := bigrams(cl.Heading + cl.Text)
			for b := range bg {
				df[b]++
			}
			docs = append(docs, doc{&mine[i], cl, bg})
		}
	}
	idf := func(b string) float64 { return math.Log(1 + float64(len(docs))/float64(df[b])) }
	q := bigrams(text)
	var qn float64
	for b := range q {
		if df[b] > 0 {
			qn += idf(b) * idf(b)
		}
	}
	var out []ClauseSuggestion
	if qn == 0 {
		return out
	}
	for _, d := range docs {
		var dot, dn float64
		for b := range d.bg {
			w := idf(b) * idf(b)
			dn += w
			if q[b] {
				dot += w
			}
		}
		score := dot / math.Sqrt(qn*dn)
		if score < 0.05 {
			continue
		}
		out = append(out, ClauseSuggestion{StandardID: d.s.ID, Version: d.s.Version, Title: d.s.Title, Ref: d.c.Ref,
			Heading: d.c.Heading, Text: d.c.Text, Score: score})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > SuggestLimit {
		out = out[:SuggestLimit]
	}
	for i := range out {
		out[i].Score = math.Round(out[i].Score*100) / 100
	}
	return out
}
