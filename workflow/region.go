package workflow

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"hazardloop/model"
)

// RegionImport is what loading a table of divisions changed.
type RegionImport struct {
	Rows      int `json:"rows"`      // rows of the table
	Added     int `json:"added"`     // codes new to the database
	Renamed   int `json:"renamed"`   // codes whose name the table changed
	Unchanged int `json:"unchanged"` // codes already there with the same name
	Kept      int `json:"kept"`      // codes in the database the table lacks: never deleted
}

// String is the report in Chinese, for the command line.
func (r RegionImport) String() string {
	return fmt.Sprintf("行政区划导入完成：共 %d 行，新增 %d 个，更名 %d 个，未变 %d 个；数据库中另有 %d 个区划不在本表中，予以保留。",
		r.Rows, r.Added, r.Renamed, r.Unchanged, r.Kept)
}

// maxAuditedRenames is how many renamed codes an import's audit entry names
// (old and new name); the counts cover them all.
const maxAuditedRenames = 100

// maxRegionErrors is how many bad rows an import names before it stops.
const maxRegionErrors = 20

// ImportRegions loads a table of divisions — CSV with the header
// code,name,parent_code, UTF-8 — in one transaction (admin only): new codes are
// added in bulk, names that changed are updated, and nothing is deleted, so
// every hazard, enterprise and account keeps its region. Loading the same table
// again changes nothing. Every row is checked as CreateRegion checks one (6, 9
// or 12 digits; a township's parent is the county of its first six digits, a
// village's the township of its first nine; the parent in the table or already
// registered); a bad table is refused whole, with a validation error naming up
// to 20 rows ("第12行").
func (e *Directory) ImportRegions(ctx context.Context, a Actor, r io.Reader) (*RegionImport, error) {
	if err := adminOnly(a); err != nil {
		return nil, err
	}
	rows, errs, err := readRegions(r)
	if err != nil {
		return nil, err
	}
	var res RegionImport
	err = e.store.Tx(ctx, func(tx *model.Store) error {
		known, err := tx.RegionNames(ctx)
		if err != nil {
			return err
		}
		res = RegionImport{Rows: len(rows)}
		inTable := make(map[string]bool, len(rows))
		for _, row := range rows {
			inTable[row.Code] = true
		}
		now := e.Now()
		var add []model.Region
		renamedFrom, renamedTo := map[string]string{}, map[string]string{}
		for _, row := range rows {
			lvl := model.RegionLevelOf(row.Code)
			if len(errs) < maxRegionErrors {
				if msg := regionParentProblem(row.Code, row.Parent, lvl, inTable, known); msg != "" {
					errs.add(fmt.Sprintf("第%d行", row.Line), msg)
				}
			}
			old, ok := known[row.Code]
			switch {
			case ok && parentOf(old) != row.Parent:
				errs.add(fmt.Sprintf("第%d行", row.Line), "上级区划与已登记的不同（"+parentOf(old)+"）")
			case ok && old.Name == row.Name:
				res.Unchanged++
			case ok:
				res.Renamed++
				if len(renamedTo) < maxAuditedRenames {
					renamedFrom[row.Code], renamedTo[row.Code] = old.Name, row.Name
				}
				if len(errs) == 0 {
					if err := tx.RenameRegion(ctx, row.Code, row.Name); err != nil {
						return err
					}
				}
			default:
				res.Added++
				reg := model.Region{Code: row.Code, Name: row.Name, Level: lvl, CreatedAt: now}
				if row.Parent != "" {
					reg.ParentCode = &row.Parent
				}
				add = append(add, reg)
			}
		}
		if err := errs.err(); err != nil {
			return err
		}
		for code := range known {
			if !inTable[code] {
				res.Kept++
			}
		}
		// Parents before their children: a level's rows go in after the level
		// above.
		slices.SortFunc(add, func(x, y model.Region) int {
			return cmp.Or(cmp.Compare(x.Level, y.Level), strings.Compare(x.Code, y.Code))
		})
		for lvl := model.RegionProvince; lvl <= model.RegionVillage; lvl++ {
			i := slices.IndexFunc(add, func(r model.Region) bool { return r.Level == lvl })
			if i < 0 {
				continue
			}
			j := i
			for j < len(add) && add[j].Level == lvl {
				j++
			}
			part := add[i:j]
			if err := tx.BulkInsert(ctx, &part); err != nil {
				return err
			}
		}
		if res.Added == 0 && res.Renamed == 0 {
			return nil // the same table again: nothing changed, nothing to record
		}
		after := map[string]any{"rows": res.Rows, "added": res.Added, "renamed": res.Renamed, "unchanged": res.Unchanged, "kept": res.Kept}
		var before map[string]any
		if len(renamedTo) > 0 {
			before, after["names"] = map[string]any{"names": renamedFrom}, renamedTo
		}
		return e.audit(ctx, tx, a, auditChange{Kind: AuditRegionImport, Entity: "region", Label: fmt.Sprintf("%d 行", res.Rows),
			Before: before, After: after})
	})
	e.forgetRegions()
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// regionRow is one row of a table of divisions.
type regionRow struct {
	Line               int
	Code, Name, Parent string
}

// readRegions reads the CSV, checking each row's own fields (code, name, no
// repeated code); errs names the bad rows. err is only a problem of the file as
// a whole.
func readRegions(r io.Reader) ([]regionRow, fieldErrors, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	cr.ReuseRecord = true
	errs := fieldErrors{}
	head, err := cr.Read()
	if err != nil {
		return nil, nil, errInvalid(map[string]string{"file": "不是 code,name,parent_code 三列的 CSV 文件：" + err.Error()})
	}
	if strings.TrimPrefix(head[0], "\ufeff") != "code" || head[1] != "name" || head[2] != "parent_code" {
		return nil, nil, errInvalid(map[string]string{"file": "第1行应为表头 code,name,parent_code"})
	}
	var rows []regionRow
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, nil, errInvalid(map[string]string{fmt.Sprintf("第%d行", line): "无法读取：" + err.Error()})
		}
		row := regionRow{Line: line, Code: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[1]), Parent: strings.TrimSpace(rec[2])}
		field := fmt.Sprintf("第%d行", line)
		switch {
		case len(errs) >= maxRegionErrors:
		case !model.ValidRegionCode(row.Code):
			errs.add(field, regionCodeMessage)
		case row.Name == "" || utf8.RuneCountInString(row.Name) > 50 || !utf8.ValidString(row.Name):
			errs.add(field, "名称不能为空，且不超过50个字")
		case seen[row.Code] != 0:
			errs.add(field, fmt.Sprintf("区划代码 %s 与第%d行重复", row.Code, seen[row.Code]))
		}
		seen[row.Code] = line
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, nil, errInvalid(map[string]string{"file": "表中没有区划"})
	}
	return rows, errs, nil
}

// regionParentProblem is what is wrong with code's parent, "" if nothing: the
// rule of CreateRegion, with parents found in the table or the database.
func regionParentProblem(code, parent string, lvl int, inTable map[string]bool, known map[string]model.Region) string {
	if parent == "" {
		if lvl != model.RegionProvince {
			return "市、县、乡、村级区划须填写上级区划"
		}
		return ""
	}
	if _, ok := known[parent]; !ok && !inTable[parent] {
		return "上级区划 " + parent + " 既不在表中也未登记"
	}
	if model.RegionLevelOf(parent) >= lvl || !model.Within(code, parent) {
		return "区划代码不在上级区划的代码范围内"
	}
	if lvl >= model.RegionTownship && parent != code[:len(code)-3] {
		return "乡镇的上级区划应为其代码前6位的县级区划，村（社区）的上级应为其代码前9位的乡镇（街道）"
	}
	return ""
}

func parentOf(r model.Region) string {
	if r.ParentCode == nil {
		return ""
	}
	return *r.ParentCode
}

// RegionQuery asks for regions: the children of Parent, or those whose name
// contains Q (or whose code starts with it); Limit bounds the answer (default
// and at most 500 children, 20 found by name).
type RegionQuery struct {
	Parent string
	Q      string
	Limit  int
}

// RegionItem is a region as pickers show it: the names of the regions above it
// in Path ("江西省 南昌市 东湖区") when it was found by name.
type RegionItem struct {
	model.Region
	Path string `json:"path,omitempty"`
}

// Maximum answers of FindRegions.
const (
	maxRegionChildren = 500
	maxRegionMatches  = 50
)

// FindRegions answers q for pickers; division codes are public, so anyone may
// ask. A malformed parent or an empty search is a validation error.
func (e *Directory) FindRegions(ctx context.Context, q RegionQuery) ([]RegionItem, error) {
	errs := fieldErrors{}
	q.Parent, q.Q = strings.TrimSpace(q.Parent), strings.TrimSpace(q.Q)
	if q.Parent != "" && !validRegionCode(q.Parent) {
		errs.add("parent", regionCodeMessage)
	}
	if q.Parent == "" && (q.Q == "" || utf8.RuneCountInString(q.Q) > 50) {
		errs.add("q", "请输入1到50个字的区划名称或代码")
	}
	if q.Limit < 0 {
		errs.add("limit", "limit 应为正整数")
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if q.Parent != "" {
		rs, err := e.store.ChildRegions(ctx, q.Parent, clampLimit(q.Limit, maxRegionChildren, maxRegionChildren))
		return regionItems(rs, nil), err
	}
	idx, err := e.regionIndex(ctx)
	if err != nil {
		return nil, err
	}
	return idx.search(q.Q, clampLimit(q.Limit, 20, maxRegionMatches)), nil
}

// regionIndexTTL is how long a replica searches its copy of the divisions
// before reading them again: a region added on another replica is found by
// name within this time (on this replica at once).
const regionIndexTTL = time.Minute

// regionIndex is every region in memory, by level and code, for the search by
// name: a scan of 24,000 names takes about a millisecond, where LIKE '%…%' in
// the database took 12–30 ms (docs/performance.md).
type regionIndex struct {
	at    time.Time
	rs    []model.Region
	names map[string]string
}

// regionIndexCache holds the current regionIndex of a Services.
type regionIndexCache struct {
	mu  sync.Mutex
	idx *regionIndex
}

func (e *core) regionIndex(ctx context.Context) (*regionIndex, error) {
	e.regions.mu.Lock()
	defer e.regions.mu.Unlock()
	now := e.Now()
	if idx := e.regions.idx; idx != nil && now.Sub(idx.at) < regionIndexTTL && now.Sub(idx.at) >= 0 {
		return idx, nil
	}
	rs, err := e.store.ListRegions(ctx, "")
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rs, func(x, y model.Region) int {
		return cmp.Or(cmp.Compare(x.Level, y.Level), strings.Compare(x.Code, y.Code))
	})
	idx := &regionIndex{at: now, rs: rs, names: make(map[string]string, len(rs))}
	for _, r := range rs {
		idx.names[r.Code] = r.Name
	}
	e.regions.idx = idx
	return idx, nil
}

// forgetRegions drops the in-memory index after a change of the regions.
func (e *core) forgetRegions() {
	e.regions.mu.Lock()
	e.regions.idx = nil
	e.regions.mu.Unlock()
}

// search returns up to limit regions whose name contains text, or whose code
// starts with it when it is all digits: the higher levels first, then by code.
func (x *regionIndex) search(text string, limit int) []RegionItem {
	digits := strings.Trim(text, "0123456789") == ""
	var rs []model.Region
	for _, r := range x.rs {
		if digits && strings.HasPrefix(r.Code, text) || !digits && strings.Contains(r.Name, text) {
			if rs = append(rs, r); len(rs) == limit {
				break
			}
		}
	}
	return regionItems(rs, x.names)
}

func clampLimit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	return min(n, max)
}

// regionAncestors are the codes of the regions above code, from the province
// down.
func regionAncestors(code string) []string {
	p, c, co, tw := model.RegionLevels(code)
	var out []string
	for _, a := range []string{p, c, co, tw} {
		if a != "" && a != code {
			out = append(out, a)
		}
	}
	return out
}

func regionItems(rs []model.Region, names map[string]string) []RegionItem {
	items := make([]RegionItem, len(rs))
	for i, r := range rs {
		items[i].Region = r
		if names == nil {
			continue
		}
		var path []string
		for _, a := range regionAncestors(r.Code) {
			if n, ok := names[a]; ok {
				path = append(path, n)
			}
		}
		items[i].Path = strings.Join(path, " ")
	}
	return items
}
