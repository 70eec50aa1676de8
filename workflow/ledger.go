package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"hazardloop/ledger/xlsx"
	"hazardloop/model"
)

// Who may move the ledger (DESIGN.md: supervisors import and export it):
//   - export: every role, within its scope — admins everything, supervisors and
//     officers their territory, enterprise users their own hazards;
//   - import: supervisors only, within their territory. Admins fire no events (they
//     manage accounts), and an import writes hazards and their logs in the name of
//     an accountable official; officers and enterprises report through the API.

// exportPage is how many hazards one keyset page of an export reads: a page is
// live while it is written, and the heap goal is twice what is live (250 rows
// took 3 MiB off the 100,000-row export's peak RSS against 1,000, at the same
// speed).
const exportPage = 250

// importRetention is how long an import's file and problems are kept for its
// error report.
const importRetention = 7 * 24 * time.Hour

// LedgerExport is an export ready to be written: its filters are checked, nothing
// has been read yet.
type LedgerExport struct {
	FileName string
	e        *core
	actor    Actor
	filter   model.HazardFilter
	title    string
	now      time.Time
	tmpDir   string
}

// ExportLedger prepares the ledger of the hazards a sees that match q (the
// filters of List; cursor and limit are ignored: the export holds every match).
// KindInvalid names each bad filter; KindForbidden for an account without scope.
func (e *Ledger) Export(ctx context.Context, a Actor, q ListQuery) (*LedgerExport, error) {
	sc := a.Scope()
	if !sc.All && sc.Region == "" && sc.EnterpriseID == 0 {
		return nil, errForbidden("您的账号没有可导出的辖区")
	}
	q.Cursor, q.Limit = "", ""
	f, err := e.filter(a, q)
	if err != nil {
		return nil, err
	}
	f.Limit = exportPage
	name, err := e.scopeName(ctx, a, f.Region)
	if err != nil {
		return nil, err
	}
	now := e.Now()
	return &LedgerExport{
		FileName: fmt.Sprintf("隐患台账_%s_%s.xlsx", name, now.In(shanghai).Format("20060102")),
		e:        e.core, actor: a, filter: f, title: name + "隐患排查治理台账", now: now,
	}, nil
}

// scopeName names what an export covers: the filtered region, else the caller's
// region or enterprise, else 全部.
func (e *core) scopeName(ctx context.Context, a Actor, region string) (string, error) {
	switch {
	case region == "" && a.Role == model.RoleEnterprise:
		ent, err := e.store.GetEnterprise(ctx, a.EnterpriseID)
		if err != nil {
			return "", notFoundOr("所属企业", err)
		}
		return ent.Name, nil
	case region == "":
		region = a.Region
	}
	if region == "" {
		return "全部", nil
	}
	r, err := e.store.GetRegion(ctx, region)
	if errors.Is(err, model.ErrNotFound) {
		return region, nil
	}
	if err != nil {
		return "", err
	}
	return r.Name, nil
}

// Write streams the ledger to w, reading the hazards in keyset pages through
// the store's readers (no write lock is held, so exporting a province blocks no
// one), and returns how many rows it wrote. Nothing reaches w before the last page
// is read: a failure of the database is an error, not half a file.
func (x *LedgerExport) Write(ctx context.Context, w io.Writer) (int, error) {
	enc, err := xlsx.NewEncoder(xlsx.Meta{Title: x.title, ExportedAt: x.now}, x.tmpDir)
	if err != nil {
		return 0, err
	}
	names := newNameCache(x.e.store)
	lad := x.e.ladder()
	today := model.DateIn(x.now, shanghai)
	f := x.filter
	var row xlsx.Row
	for {
		hs, err := x.e.store.ListHazards(ctx, f)
		if err != nil {
			enc.Abort()
			return 0, err
		}
		if err := names.load(ctx, hs); err != nil {
			enc.Abort()
			return 0, err
		}
		for i := range hs {
			names.fill(&row, &hs[i])
			ledgerRow(&row, &hs[i], lad, today)
			if err := enc.Write(&row); err != nil {
				enc.Abort()
				return 0, err
			}
		}
		if len(hs) < f.Limit {
			break
		}
		f.BeforeID = hs[len(hs)-1].ID
	}
	return enc.Rows(), enc.Close(w)
}

// ledgerRow fills r with h's own fields (names come from the cache).
func ledgerRow(r *xlsx.Row, h *model.Hazard, lad ladder, today model.Date) {
	r.Code, r.Title, r.Description, r.Source, r.Level = h.Code, h.Title, h.Description, h.Source, h.Level
	r.BasisStandard, r.BasisClause, r.Industry, r.RegionCode = h.BasisStandard, h.BasisClause, h.Industry, h.RegionCode
	r.Location, r.DiscoveredAt, r.Measures = h.Location, &h.DiscoveredAt, h.Measures
	r.ResponsibleUnit, r.ResponsiblePerson, r.ResponsiblePhone = h.ResponsibleUnit, h.ResponsiblePerson, h.ResponsiblePhone
	r.Funds, r.FundsSource, r.Deadline, r.EmergencyPlan = h.Funds, h.FundsSource, h.Deadline, h.EmergencyPlan
	suspended := h.ProductionSuspended
	r.ProductionSuspended, r.State, r.Escalation, r.ListedSupervision = &suspended, h.State, h.EscalationLevel, h.ListedSupervision
	r.OverdueDays = 0
	if h.Overdue(today) {
		r.OverdueDays = lad.overdueDays(h.DueOn, today)
	}
	r.VerifiedAt, r.ClosedAt, r.Remark, r.ChainHead = h.VerifiedAt, h.ClosedAt, "", h.ChainHead
}

// nameCache resolves the enterprise, region and verifier names of exported rows,
// one query per page for what it has not seen; it forgets everything past a bound
// so that memory stays flat over a whole province.
type nameCache struct {
	store   *model.Store
	ents    map[int64]*model.Enterprise
	users   map[int64]string
	regions map[string]string
}

const nameCacheMax = 20000

func newNameCache(s *model.Store) *nameCache {
	return &nameCache{store: s, ents: map[int64]*model.Enterprise{}, users: map[int64]string{}}
}

func (n *nameCache) load(ctx context.Context, hs []model.Hazard) error {
	if n.regions == nil {
		rs, err := n.store.ListRegions(ctx, "")
		if err != nil {
			return err
		}
		n.regions = make(map[string]string, len(rs))
		for _, r := range rs {
			n.regions[r.Code] = r.Name
		}
	}
	if len(n.ents) > nameCacheMax {
		clear(n.ents)
	}
	if len(n.users) > nameCacheMax {
		clear(n.users)
	}
	var entIDs, userIDs []int64
	for i := range hs {
		if id := hs[i].EnterpriseID; id != nil {
			if _, ok := n.ents[*id]; !ok {
				n.ents[*id] = nil
				entIDs = append(entIDs, *id)
			}
		}
		if id := hs[i].VerifiedBy; id != nil {
			if _, ok := n.users[*id]; !ok {
				n.users[*id] = ""
				userIDs = append(userIDs, *id)
			}
		}
	}
	es, err := n.store.EnterprisesByID(ctx, entIDs)
	if err != nil {
		return err
	}
	for i := range es {
		n.ents[es[i].ID] = &es[i]
	}
	us, err := n.store.UsersByID(ctx, userIDs)
	if err != nil {
		return err
	}
	for i := range us {
		n.users[us[i].ID] = us[i].Name()
	}
	return nil
}

func (n *nameCache) fill(r *xlsx.Row, h *model.Hazard) {
	r.RegionName, r.Enterprise, r.CreditCode, r.Verifier = n.regions[h.RegionCode], "", "", ""
	if h.EnterpriseID != nil {
		if e := n.ents[*h.EnterpriseID]; e != nil {
			r.Enterprise, r.CreditCode = e.Name, e.CreditCode
		}
	}
	if h.VerifiedBy != nil {
		r.Verifier = n.users[*h.VerifiedBy]
	}
}

// Template writes the blank ledger with drop-downs and explanations.
func (e *Ledger) Template(w io.Writer) error { return xlsx.Template(w) }

// ImportOptions say how to import a ledger.
type ImportOptions struct {
	FileName  string
	DryRun    bool // validate and report, write nothing
	ValidOnly bool // write the valid rows (in one transaction), skip the others
}

// ImportResult is the outcome of an import, stored for its error report.
type ImportResult struct {
	ID        int64            `json:"import_id"`
	DryRun    bool             `json:"dry_run"`
	ValidOnly bool             `json:"valid_only"`
	Committed bool             `json:"committed"` // something was (or, for a dry run, would be) written
	Rows      int              `json:"rows"`
	Created   int              `json:"created"`
	Updated   int              `json:"updated"`
	Unchanged int              `json:"unchanged"`
	Skipped   int              `json:"skipped"`
	Errors    []xlsx.CellError `json:"errors"`
	Ignored   []string         `json:"ignored_columns"`
}

var errImportRollback = errors.New("workflow: roll back the ledger import")

// ImportLedger reads an uploaded ledger and, unless it is a dry run, writes it:
// all rows in one transaction, or nothing if any row has a problem (unless
// o.ValidOnly, which writes the valid rows and skips the others, still in one
// transaction). Each row creates a hazard, checked by the same code as
// CreateHazard, or, when it names a hazard (by 隐患编号, or as the row that
// created it in an earlier import of the same ledger), updates the fields that
// hazard's state still allows. A row carrying a state other than discovered is
// moved there by an imported event in the hazard's log. Updates are written row
// by row; new hazards in bulk, a chunk of rows at a time (see importer), with the
// same codes, events, chains, ledger keys, counts and notifications as one by one.
//
// The outcome is stored (for the error report) and returned. Refusals:
// KindForbidden (not a supervisor), KindInvalid for a file that is no ledger (its
// Code says why) and, when rows have problems and nothing was written, with Detail
// holding the ImportResult and its {row, column, message} list.
func (e *Ledger) Import(ctx context.Context, a Actor, file []byte, o ImportOptions) (ImportResult, error) {
	if a.Role != model.RoleSupervisor {
		return ImportResult{}, errForbidden("只有监管人员可以导入台账（" + a.Role.Label() + "可以导出台账）")
	}
	rd, err := xlsx.Open(file, xlsx.DecodeOptions{})
	if err != nil {
		return ImportResult{}, fileError(err)
	}
	defer rd.Close()

	res := ImportResult{DryRun: o.DryRun, ValidOnly: o.ValidOnly, Ignored: rd.Ignored(), Errors: []xlsx.CellError{}}
	now := e.Now()
	chunks, stop := readChunks(rd)
	defer stop()
	err = e.store.Tx(ctx, func(tx *model.Store) error {
		im := newImporter(e.core, tx, a, rd, now, o.FileName)
		defer im.wait()
		chunk, more := <-chunks
		if more {
			fps, err := im.chunkKeys(ctx, chunk)
			if err != nil {
				return err
			}
			if err := im.prefetch(ctx, fps); err != nil {
				return err
			}
		}
		for more {
			for i := range chunk {
				res.Rows++
				out, errs, err := im.row(ctx, &chunk[i])
				if err != nil {
					return err
				}
				if len(errs) > 0 {
					res.Errors = append(res.Errors, errs...)
					res.Skipped++
					continue
				}
				switch out {
				case outCreated:
					res.Created++
				case outUpdated:
					res.Updated++
				default:
					res.Unchanged++
				}
			}
			var next []xlsx.Draft
			next, more = <-chunks
			if err := im.advance(ctx, next); err != nil {
				return err
			}
			chunk = next
		}
		if err := rd.Err(); err != nil {
			return fileError(err)
		}
		if o.DryRun || (len(res.Errors) > 0 && !o.ValidOnly) {
			return errImportRollback
		}
		return im.finish(ctx)
	})
	if err != nil && !errors.Is(err, errImportRollback) {
		return ImportResult{}, err
	}
	res.Committed = res.Created+res.Updated > 0 && (o.ValidOnly || len(res.Errors) == 0)
	if len(res.Errors) > 0 && !o.ValidOnly {
		res.Skipped = res.Rows
		res.Created, res.Updated, res.Unchanged = 0, 0, 0
		res.Committed = false
	}
	if err := e.recordImport(ctx, a, file, o, &res, now); err != nil {
		return ImportResult{}, err
	}
	if !o.DryRun {
		m := e.opts.Metrics
		m.ImportRows("created", res.Created)
		m.ImportRows("updated", res.Updated)
		m.ImportRows("unchanged", res.Unchanged)
		m.ImportRows("skipped", res.Skipped)
	}
	if len(res.Errors) > 0 && !o.ValidOnly && !o.DryRun {
		return res, &Error{Kind: KindInvalid, Code: "ledger_invalid", Detail: res,
			Message: fmt.Sprintf("台账中有%d处问题，未导入任何数据。请按错误清单修改后重新导入，或选择只导入无误的行", len(res.Errors))}
	}
	return res, nil
}

func (e *core) recordImport(ctx context.Context, a Actor, file []byte, o ImportOptions, res *ImportResult, now time.Time) error {
	errs, err := json.Marshal(res.Errors)
	if err != nil {
		return err
	}
	name := o.FileName
	if len([]rune(name)) > 200 {
		name = string([]rune(name)[:200])
	}
	li := &model.LedgerImport{CreatedBy: a.ID, FileName: name, DryRun: o.DryRun, ValidOnly: o.ValidOnly,
		Committed: res.Committed, TotalRows: res.Rows, Created: res.Created, Updated: res.Updated,
		Unchanged: res.Unchanged, Skipped: res.Skipped, Errors: model.JSONText(errs), File: file, CreatedAt: now}
	return e.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.DeleteLedgerImportsBefore(ctx, now.Add(-importRetention)); err != nil {
			return err
		}
		if err := tx.CreateLedgerImport(ctx, li); err != nil {
			return err
		}
		res.ID = li.ID
		return nil
	})
}

// fileError turns a file the codec cannot read into a refusal with its message.
func fileError(err error) error {
	var fe *xlsx.FileError
	if errors.As(err, &fe) {
		return &Error{Kind: KindInvalid, Code: fe.Code, Message: fe.Message, cause: err}
	}
	return err
}

// ImportReport is an import's error report ready to be written.
type ImportReport struct {
	FileName string
	imp      *model.LedgerImport
	errs     []xlsx.CellError
}

// LedgerImportReport returns the error report of import id: to the official who
// made it, or an admin. KindNotFound if it is unknown or expired.
func (e *Ledger) ImportReport(ctx context.Context, a Actor, id int64) (*ImportReport, error) {
	li, err := e.store.GetLedgerImport(ctx, id)
	if err != nil {
		return nil, notFoundOr("导入记录（保存7天）", err)
	}
	if li.CreatedBy != a.ID && a.Role != model.RoleAdmin {
		return nil, errForbidden("只能下载本人导入的错误报告")
	}
	rep := &ImportReport{imp: li, FileName: fmt.Sprintf("台账导入错误报告_%d.xlsx", li.ID)}
	if err := json.Unmarshal([]byte(li.Errors), &rep.errs); err != nil {
		return nil, fmt.Errorf("workflow: import %d errors: %w", id, err)
	}
	return rep, nil
}

// Write writes the uploaded rows with a 错误说明 column and the bad cells marked.
func (r *ImportReport) Write(w io.Writer) error {
	return fileError(xlsx.Report(w, r.imp.File, r.errs, xlsx.DecodeOptions{}))
}

type outcome int

const (
	outUnchanged outcome = iota
	outCreated
	outUpdated
)

type regionHit struct {
	code string
	msg  string // why the name did not resolve
}

// importChunk is how many rows an import reads ahead: their ledger keys are
// looked up in one query, and the hazards they create are written in bulk once
// the chunk is validated. Memory stays flat whatever the ledger's length.
const importChunk = 1000

// readChunks reads rd's rows in chunks of importChunk on a goroutine of its own,
// so that parsing the next chunk overlaps writing the last. stop ends the reader
// (and waits for it) before rd is closed; rd.Err is valid once chunks is closed.
func readChunks(rd *xlsx.Reader) (chunks <-chan []xlsx.Draft, stop func()) {
	out := make(chan []xlsx.Draft, 1)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		for {
			c := make([]xlsx.Draft, 0, importChunk)
			for len(c) < importChunk && rd.Next() {
				c = append(c, *rd.Draft())
			}
			if len(c) > 0 {
				select {
				case out <- c:
				case <-quit:
					return
				}
			}
			if len(c) < importChunk {
				return
			}
		}
	}()
	var once sync.Once
	return out, func() {
		once.Do(func() { close(quit) })
		<-done
	}
}

// importer carries one import through its rows inside the transaction. Rows
// that update a hazard are written one by one, as events; the hazards rows create
// wait in pending and are written in bulk (flush) with their events, ledger keys
// and codes, their counts tallied for finish.
//
// A batch of new hazards goes through three steps: staged (codes and IDs
// reserved, records built on a goroutine), then in flight (written on a
// goroutine of its own through raw), then written. While one batch is in
// flight the next chunk's rows are validated: everything else reaches the
// store through tx, which waits for the flight before each statement, so the
// transaction's connection serves one at a time and every lookup sees the
// batches before it.
type importer struct {
	e       *core
	tx      *model.Store // gated: waits for the batch in flight
	raw     *model.Store // the transaction itself: the batch in flight's
	a       Actor
	rd      *xlsx.Reader
	now     time.Time
	file    string
	dir     *dirCache
	ents    map[string]*model.Enterprise  // by credit code
	named   map[string][]model.Enterprise // FindEnterprises by name
	regions map[string]regionHit          // by name

	known   map[string]int64 // the chunk's fingerprints that have a hazard
	checked map[string]bool  // the chunk's fingerprints that had none

	pending        []pendingHazard
	pendingFP      map[string]bool
	pendingPeriods map[string]bool // code periods of the pending hazards
	staged         *staged         // the batch before the pending hazards, not yet written
	flight         *flight         // the batch being written; only this goroutine sets it
	nextIDs        map[string]int64
	tally          *summaryTally
}

// flight is a staged batch being written on a goroutine of its own.
type flight struct {
	b    *staged
	done chan struct{}
	err  error
}

// pendingHazard is a hazard a row creates, validated, not yet written.
type pendingHazard struct {
	line     int
	row      *xlsx.Row
	h        *model.Hazard // as registered: discovered, no code or ID yet
	state    model.State
	unit     string
	imported bool // the row moves it on by an imported event
	fp       string
}

func newImporter(e *core, tx *model.Store, a Actor, rd *xlsx.Reader, now time.Time, file string) *importer {
	im := &importer{e: e, raw: tx, a: a, rd: rd, now: now, file: file,
		ents: map[string]*model.Enterprise{}, named: map[string][]model.Enterprise{}, regions: map[string]regionHit{},
		pendingFP: map[string]bool{}, pendingPeriods: map[string]bool{}, tally: newSummaryTally()}
	im.tx = tx.Gated(im.settle)
	im.dir = &dirCache{store: im.tx, ents: map[int64]*model.Enterprise{}, regions: map[string]*model.Region{}}
	return im
}

// dirCache answers placeHazard's lookups of one import from memory after the
// first time (nothing else writes in the import's transaction).
type dirCache struct {
	store   *model.Store
	ents    map[int64]*model.Enterprise
	regions map[string]*model.Region // nil: not found
}

func (c *dirCache) GetEnterprise(ctx context.Context, id int64) (*model.Enterprise, error) {
	if e, ok := c.ents[id]; ok {
		return e, nil
	}
	if len(c.ents) > nameCacheMax {
		clear(c.ents)
	}
	e, err := c.store.GetEnterprise(ctx, id)
	if err == nil {
		c.ents[id] = e
	}
	return e, err
}

func (c *dirCache) GetRegion(ctx context.Context, code string) (*model.Region, error) {
	r, ok := c.regions[code]
	if !ok {
		var err error
		if r, err = c.store.GetRegion(ctx, code); err != nil && !errors.Is(err, model.ErrNotFound) {
			return nil, err
		}
		c.regions[code] = r
	}
	if r == nil {
		return nil, fmt.Errorf("workflow: region %s: %w", code, model.ErrNotFound)
	}
	return r, nil
}

// summaryTally adds up the changes of the dashboard's counts that the hazards
// written in bulk make, for one write at the end.
type summaryTally struct {
	counts map[model.CountKey]int64
	weeks  map[weekKey][2]int64
}

type weekKey struct {
	region string
	week   model.Date
}

func newSummaryTally() *summaryTally {
	return &summaryTally{counts: map[model.CountKey]int64{}, weeks: map[weekKey][2]int64{}}
}

func (t *summaryTally) AdjustCount(_ context.Context, k model.CountKey, delta int64) error {
	t.counts[k] += delta
	return nil
}

func (t *summaryTally) AdjustWeek(_ context.Context, region string, week model.Date, found, writtenOff int64) error {
	w := t.weeks[weekKey{region, week}]
	t.weeks[weekKey{region, week}] = [2]int64{w[0] + found, w[1] + writtenOff}
	return nil
}

// add adds o's changes to t's.
func (t *summaryTally) add(o *summaryTally) {
	for k, n := range o.counts {
		t.counts[k] += n
	}
	for k, w := range o.weeks {
		v := t.weeks[k]
		t.weeks[k] = [2]int64{v[0] + w[0], v[1] + w[1]}
	}
}

// write applies the tally to the store, every cell touched (as the same events
// written one by one would leave them, a cell that went up and down included).
func (t *summaryTally) write(ctx context.Context, tx *model.Store) error {
	ks := make([]model.CountKey, 0, len(t.counts))
	for k := range t.counts {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b model.CountKey) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	for _, k := range ks {
		if err := tx.AdjustCount(ctx, k, t.counts[k]); err != nil {
			return err
		}
	}
	ws := make([]weekKey, 0, len(t.weeks))
	for k := range t.weeks {
		ws = append(ws, k)
	}
	slices.SortFunc(ws, func(a, b weekKey) int {
		if c := strings.Compare(a.region, b.region); c != 0 {
			return c
		}
		return a.week.Compare(b.week.Time)
	})
	for _, k := range ws {
		if err := tx.AdjustWeek(ctx, k.region, k.week, t.weeks[k][0], t.weeks[k][1]); err != nil {
			return err
		}
	}
	clear(t.counts)
	clear(t.weeks)
	return nil
}

// chunkKeys returns the fingerprints of the chunk's rows that may create a
// hazard, for prefetch. It needs the store only for a region or enterprise
// not met before.
func (im *importer) chunkKeys(ctx context.Context, chunk []xlsx.Draft) ([]string, error) {
	var fps []string
	for i := range chunk {
		d := &chunk[i]
		if len(d.Errors) > 0 || d.Row.Code != "" || d.Row.Title == "" {
			continue
		}
		re := &rowErrs{line: d.Line}
		region, ent, newEnt, err := im.place(ctx, re, &d.Row)
		if err != nil {
			return nil, err
		}
		if len(re.list) == 0 {
			fps = append(fps, fingerprint(region, ent, newEnt, &d.Row))
		}
	}
	return fps, nil
}

// prefetch looks up in one query the ledger keys of a chunk's rows (fps, from
// chunkKeys), before the chunk's rows are validated. The fingerprints of
// hazards pending, staged or in flight are not written yet; they are left to
// ledgerKey, which finds them once they are.
func (im *importer) prefetch(ctx context.Context, fps []string) error {
	im.known, im.checked = nil, map[string]bool{}
	ask := fps[:0]
	for _, fp := range fps {
		if im.checked[fp] || im.unwritten(fp) {
			continue
		}
		im.checked[fp] = true
		ask = append(ask, fp)
	}
	known, err := im.tx.LedgerKeyHazards(ctx, ask)
	if err != nil {
		return err
	}
	for fp := range known {
		delete(im.checked, fp)
	}
	im.known = known
	return nil
}

// unwritten tells whether fp is of a hazard pending, staged or in flight.
func (im *importer) unwritten(fp string) bool {
	return im.pendingFP[fp] || (im.staged != nil && im.staged.fps[fp]) || (im.flight != nil && im.flight.b.fps[fp])
}

// ledgerKey returns the hazard an earlier row with fingerprint fp created, if
// any: from the chunk's prefetch, else (a fingerprint the prefetch did not see,
// or one of a hazard still pending) from the store.
func (im *importer) ledgerKey(ctx context.Context, fp string) (int64, bool, error) {
	if id, ok := im.known[fp]; ok {
		return id, true, nil
	}
	if im.checked[fp] {
		return 0, false, nil
	}
	if im.pendingFP[fp] || (im.staged != nil && im.staged.fps[fp]) {
		if err := im.flush(ctx); err != nil {
			return 0, false, err
		}
	}
	id, err := im.tx.LedgerKeyHazard(ctx, fp)
	if errors.Is(err, model.ErrNotFound) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// flushFor writes the pending hazards before a row names a hazard by code, if
// one of them could be it (same code period).
func (im *importer) flushFor(ctx context.Context, code string) error {
	if !strings.HasPrefix(code, "YH-") || strings.LastIndexByte(code, '-') < 3 {
		return nil
	}
	period := code[3:strings.LastIndexByte(code, '-')]
	if im.pendingPeriods[period] || (im.staged != nil && im.staged.periods[period]) {
		return im.flush(ctx)
	}
	return nil
}

// staged is a batch of pending hazards on its way to the store: codes and IDs
// reserved, then, on a goroutine of its own, the records built, the create
// (and imported) events chained and the rows encoded; its flight waits for
// that and writes them. While the store writes one batch the next is sealed
// and encoded, and the chunk after it validated.
type staged struct {
	p       []pendingHazard
	fps     map[string]bool
	periods map[string]bool
	done    chan struct{}
	err     error
	evs     []model.HazardEvent
	creates []int // index in evs of each hazard's create event
	bulk    [3]*model.BulkRows
	tally   *summaryTally // the batch's changes of the counts, added to the import's by write
}

// flush writes everything pending now: the staged batch, then the pending
// hazards.
func (im *importer) flush(ctx context.Context) error {
	if err := im.drain(ctx); err != nil {
		return err
	}
	if err := im.stage(ctx, nil); err != nil {
		return err
	}
	return im.drain(ctx)
}

// advance ends a chunk: it looks up the next chunk's ledger keys (next: nil
// at the end), stages the pending hazards and sets the batch staged before
// them in flight. The next chunk's fingerprints are worked out while the
// batch in flight is still being written; the store's work comes after it.
func (im *importer) advance(ctx context.Context, next []xlsx.Draft) error {
	// The pending hazards' IDs first: on PostgreSQL they come from the
	// sequences on a connection of their own, beside the batch in flight.
	var ids map[string][]int64
	if len(im.pending) > 0 {
		var err error
		if ids, err = im.reserveIDs(ctx, idsFor(im.pending)); err != nil {
			return err
		}
	}
	if next != nil {
		fps, err := im.chunkKeys(ctx, next)
		if err != nil {
			return err
		}
		if err := im.prefetch(ctx, fps); err != nil {
			return err
		}
	}
	prev := im.staged
	im.staged = nil
	if err := im.stage(ctx, ids); err != nil {
		im.staged = prev // for wait
		return err
	}
	return im.launch(ctx, prev)
}

// drain writes the staged batch, if any, and waits for it. Before anything
// else inserts into the tables whose IDs a batch reserves (an update's event),
// a staged batch must be written: IDs are reserved past the largest written.
func (im *importer) drain(ctx context.Context) error {
	prev := im.staged
	im.staged = nil
	im.nextIDs = nil
	if err := im.launch(ctx, prev); err != nil {
		return err
	}
	return im.settle()
}

// launch sets b (nil: nothing) in flight, once the batch in flight before it
// is written.
func (im *importer) launch(ctx context.Context, b *staged) error {
	if err := im.settle(); err != nil {
		if b != nil {
			<-b.done
		}
		return err
	}
	if b == nil {
		return nil
	}
	f := &flight{b: b, done: make(chan struct{})}
	im.flight = f
	go func() {
		defer close(f.done)
		f.err = im.write(ctx, b)
	}()
	// The new goroutine waits in this one's processor until this one blocks,
	// and the validation that follows does not: up to a time slice (10 ms) per
	// batch with the store idle. Let it send its first COPY now.
	runtime.Gosched()
	return nil
}

// settle waits for the batch in flight, if any, to be written: the gate of
// im.tx. A batch that failed fails every statement after it.
func (im *importer) settle() error {
	f := im.flight
	if f == nil {
		return nil
	}
	<-f.done
	if f.err != nil {
		return f.err
	}
	im.flight = nil
	return nil
}

// reserveIDs hands out IDs (table → how many): from the store, in one
// statement, and on SQLite, while batches follow one another with nothing else
// written between them, past the last batch's (the staged batch is not
// written yet; the transaction holds the write lock).
func (im *importer) reserveIDs(ctx context.Context, want map[string]int) (map[string][]int64, error) {
	out := map[string][]int64{}
	ask := map[string]int{}
	for table, n := range want {
		next, ok := im.nextIDs[table]
		if !ok {
			ask[table] = n
			continue
		}
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = next + int64(i)
		}
		im.nextIDs[table] = next + int64(n)
		out[table] = ids
	}
	got, err := im.tx.ReserveIDsOf(ctx, ask)
	if err != nil {
		return nil, err
	}
	for table, ids := range got {
		out[table] = ids
		if im.tx.Dialect() == model.DialectSQLite && len(ids) > 0 {
			if im.nextIDs == nil {
				im.nextIDs = map[string]int64{}
			}
			im.nextIDs[table] = ids[len(ids)-1] + 1
		}
	}
	return out, nil
}

// idsFor is the IDs pending hazards p take: one each, and one for each of
// their events.
func idsFor(p []pendingHazard) map[string]int {
	nev := 0
	for i := range p {
		nev++
		if p[i].imported {
			nev++
		}
	}
	return map[string]int{"hazards": len(p), "hazard_events": nev}
}

// stage reserves the pending hazards' codes (numbered in row order) and IDs
// (unless ids, from reserveIDs, holds them) and starts building their records.
func (im *importer) stage(ctx context.Context, ids map[string][]int64) error {
	p := im.pending
	if len(p) == 0 {
		return nil
	}
	im.pending = nil
	// The pending sets become the batch's.
	b := &staged{p: p, fps: im.pendingFP, periods: im.pendingPeriods, done: make(chan struct{}), tally: newSummaryTally()}
	im.pendingFP, im.pendingPeriods = map[string]bool{}, map[string]bool{}

	periods := map[string]int64{} // period → how many, then the first number
	for i := range p {
		periods[model.HazardCodePeriod(p[i].h.RegionCode, p[i].h.CreatedAt.In(shanghai))]++
	}
	last, err := im.tx.ReserveNumbersIn(ctx, "hazard", periods)
	if err != nil {
		return err
	}
	for period, k := range periods {
		periods[period] = last[period] - k + 1
	}
	if ids == nil {
		if ids, err = im.reserveIDs(ctx, idsFor(p)); err != nil {
			return err
		}
	}
	hids, evids := ids["hazards"], ids["hazard_events"]
	for i := range p {
		h := p[i].h
		period := model.HazardCodePeriod(h.RegionCode, h.CreatedAt.In(shanghai))
		h.ID, h.Code = hids[i], hazardCode(h.RegionCode, h.CreatedAt, periods[period])
		periods[period]++
	}
	im.staged = b
	go func() {
		defer close(b.done)
		b.err = im.build(ctx, b, evids)
	}()
	return nil
}

// build makes a staged batch's records: each hazard's create (and imported)
// events chained in Go, the dashboard's counts tallied in the batch's own
// tally, the rows encoded. It touches no database and nothing of the importer
// but what does not change (two builds may run at once).
func (im *importer) build(ctx context.Context, b *staged, evids []int64) error {
	p := b.p
	hs := make([]model.Hazard, 0, len(p))
	b.evs = make([]model.HazardEvent, 0, len(evids))
	keys := make([]model.LedgerKey, 0, len(p))
	b.creates = make([]int, 0, len(p))
	for i := range p {
		h := p[i].h
		ev := im.e.createEvent(im.a, h)
		ev.ID, evids = evids[0], evids[1:]
		b.creates = append(b.creates, len(b.evs))
		b.evs = append(b.evs, *ev)
		if err := summarise(ctx, b.tally, nil, h); err != nil {
			return err
		}
		h.LastSeq, h.ChainHead = ev.Seq, ev.Hash
		final := *h
		if p[i].imported {
			next, comment, payload := im.importedNext(p[i].line, p[i].row, h, p[i].state, p[i].unit)
			ev := im.e.chain(im.a, h, next, model.EventImported, comment, payload, im.now)
			next.Version = h.Version + 1
			ev.ID, evids = evids[0], evids[1:]
			b.evs = append(b.evs, *ev)
			if err := summarise(ctx, b.tally, h, next); err != nil {
				return err
			}
			im.e.opts.Metrics.Event(string(model.EventImported))
			final = *next
		}
		hs = append(hs, final)
		keys = append(keys, model.LedgerKey{Fingerprint: p[i].fp, HazardID: h.ID})
	}
	var err error
	if b.bulk[0], err = im.raw.EncodeBulk(ctx, &hs); err != nil {
		return err
	}
	if b.bulk[1], err = im.raw.EncodeBulk(ctx, &b.evs); err != nil {
		return err
	}
	b.bulk[2], err = im.raw.EncodeBulk(ctx, &keys)
	return err
}

// wait waits for the goroutines of the batches staged and in flight, if any
// (an import that stops on an error leaves them unwritten): none outlives
// the transaction.
func (im *importer) wait() {
	if im.flight != nil {
		<-im.flight.done
	}
	if im.staged != nil {
		<-im.staged.done
	}
}

// write, on the flight's goroutine, waits for a staged batch to be built and
// writes its hazards, events and ledger keys through raw, and queues its
// notifications.
func (im *importer) write(ctx context.Context, b *staged) error {
	<-b.done
	if b.err != nil {
		return b.err
	}
	if err := im.raw.InsertBulk(ctx, b.bulk[:]...); err != nil {
		return err
	}
	for i := range b.p {
		if err := im.e.queueNotifications(ctx, im.raw, im.a, b.p[i].h, &b.evs[b.creates[i]]); err != nil {
			return err
		}
	}
	im.tally.add(b.tally) // read by finish, after settle
	return nil
}

// finish writes what the bulk writes left to the end: the last batches and
// the dashboard's counts.
func (im *importer) finish(ctx context.Context) error {
	if err := im.flush(ctx); err != nil {
		return err
	}
	return im.tally.write(ctx, im.tx)
}

// rowErrs collects a row's problems under the columns' Chinese headers.
type rowErrs struct {
	line int
	list []xlsx.CellError
}

func (r *rowErrs) add(col, msg string) {
	r.list = append(r.list, xlsx.CellError{Row: r.line, Column: xlsx.HeaderOf(col), Message: msg})
}

// row imports one draft. A problem of the row is returned in errs (nothing of it
// is written); err is a failure of the store, which ends the import.
func (im *importer) row(ctx context.Context, d *xlsx.Draft) (outcome, []xlsx.CellError, error) {
	if len(d.Errors) > 0 {
		return 0, d.Errors, nil
	}
	re := &rowErrs{line: d.Line}
	r := &d.Row
	if r.Code != "" {
		if err := im.flushFor(ctx, r.Code); err != nil {
			return 0, nil, err
		}
		h, err := im.tx.GetHazardByCode(ctx, r.Code)
		if errors.Is(err, model.ErrNotFound) {
			re.add(xlsx.ColCode, "系统中没有编号为"+r.Code+"的隐患；新登记的隐患请将隐患编号留空")
			return 0, re.list, nil
		}
		if err != nil {
			return 0, nil, err
		}
		return im.update(ctx, re, r, h, r.ChainHead)
	}
	if r.Title == "" {
		re.add(xlsx.ColTitle, "隐患名称不能为空")
		return 0, re.list, nil
	}
	region, ent, newEnt, err := im.place(ctx, re, r)
	if err != nil || len(re.list) > 0 {
		return 0, re.list, err
	}
	fp := fingerprint(region, ent, newEnt, r)
	id, found, err := im.ledgerKey(ctx, fp)
	if err != nil {
		return 0, nil, err
	}
	if found {
		h, err := im.tx.GetHazard(ctx, id)
		if err != nil {
			return 0, nil, err
		}
		return im.update(ctx, re, r, h, "")
	}
	return im.create(ctx, re, r, region, ent, newEnt, fp)
}

// place resolves the row's region and enterprise within the caller's territory.
// An enterprise the directory lacks comes back as newEnt, to be registered with
// the hazard.
func (im *importer) place(ctx context.Context, re *rowErrs, r *xlsx.Row) (region string, ent, newEnt *model.Enterprise, err error) {
	region = r.RegionCode
	if region == "" && r.RegionName != "" {
		hit, ok := im.regions[r.RegionName]
		if !ok {
			rs, err := im.tx.FindRegions(ctx, im.a.Region, r.RegionName)
			if err != nil {
				return "", nil, nil, err
			}
			switch len(rs) {
			case 0:
				hit.msg = "您的辖区内没有名为“" + r.RegionName + "”的区划，请填写区划代码"
			case 1:
				hit.code = rs[0].Code
			default:
				hit.msg = "辖区内有多个名为“" + r.RegionName + "”的区划，请填写区划代码"
			}
			im.regions[r.RegionName] = hit
		}
		if hit.msg != "" {
			re.add(xlsx.ColRegionName, hit.msg)
			return "", nil, nil, nil
		}
		region = hit.code
	}
	switch {
	case r.CreditCode != "":
		if !ValidCreditCode(r.CreditCode) {
			re.add(xlsx.ColCreditCode, "统一社会信用代码应为18位且校验位正确")
			return "", nil, nil, nil
		}
		e, ok := im.ents[r.CreditCode]
		if !ok {
			e, err = im.tx.GetEnterpriseByCreditCode(ctx, r.CreditCode)
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				return "", nil, nil, err
			}
			im.ents[r.CreditCode] = e
		}
		if e != nil {
			return region, e, nil, nil
		}
		// Not in the directory: register it with the hazard, in the row's region.
		switch {
		case r.Enterprise == "":
			re.add(xlsx.ColEnterprise, "系统中没有该信用代码的单位，请填写生产经营单位名称以便登记")
		case region == "":
			re.add(xlsx.ColRegionName, "请填写所属区划或区划代码，以便登记该生产经营单位")
		case !model.Within(region, im.a.Region):
			re.add(xlsx.ColRegionCode, "该区划不在您的辖区内")
		}
		return region, nil, &model.Enterprise{Name: r.Enterprise, CreditCode: r.CreditCode, RegionCode: region, Industry: r.Industry}, nil
	case r.Enterprise != "":
		es, ok := im.named[r.Enterprise]
		if !ok {
			if es, err = im.tx.FindEnterprises(ctx, im.a.Scope(), r.Enterprise, 2); err != nil {
				return "", nil, nil, err
			}
			if len(im.named) > nameCacheMax {
				clear(im.named)
			}
			im.named[r.Enterprise] = es
		}
		switch len(es) {
		case 0:
			re.add(xlsx.ColCreditCode, "辖区内没有名为“"+r.Enterprise+"”的生产经营单位，请填写统一社会信用代码以便登记")
		case 1:
			return region, &es[0], nil, nil
		default:
			re.add(xlsx.ColCreditCode, "辖区内有多个名为“"+r.Enterprise+"”的生产经营单位，请填写统一社会信用代码")
		}
	}
	return region, nil, nil, nil
}

// fingerprint identifies a row without a hazard code across imports: the same
// place, unit, name, discovery day and spot is the same hazard.
func fingerprint(region string, ent, newEnt *model.Enterprise, r *xlsx.Row) string {
	unit := r.Enterprise
	switch {
	case ent != nil:
		unit = ent.CreditCode
	case newEnt != nil:
		unit = newEnt.CreditCode
	}
	day := ""
	if r.DiscoveredAt != nil {
		day = model.DateIn(*r.DiscoveredAt, shanghai).String()
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{region, unit, r.Title, day, r.Location}, "\x1f")))
	return hex.EncodeToString(sum[:])
}

// importFields lists, per state, the ledger fields a hazard in that state holds
// and an import may set or change. Level is fixed once a hazard is listed (the
// grading is the confirm decision); the plan (measures, person, funds, emergency
// plan) may be filled in from listing on, as county ledgers do, and is frozen
// with the basis of grading once rectification runs; a hazard under verification
// or closed is frozen. Deadlines never change by import: only extend, reject and reopen move
// them, so a ledger sets one only on the row that creates the hazard.
var importFields = map[model.State][]string{
	model.StateDiscovered: {"title", "description", "industry", "location", "level", "basis_standard", "basis_clause"},
	model.StateListed: {"title", "description", "industry", "location", "basis_standard", "basis_clause", "measures", "responsible_unit",
		"responsible_person", "responsible_phone", "funds", "funds_source", "emergency_plan", "production_suspended"},
	model.StateRectifying: {"title", "description", "industry", "location", "measures", "responsible_unit", "responsible_person",
		"responsible_phone", "funds", "funds_source", "emergency_plan", "production_suspended"},
}

// ledgerField is one comparable field of a row and a hazard.
type ledgerField struct {
	key  string
	row  func(r *xlsx.Row) (any, bool) // the row's value, and whether given
	cur  func(h *model.Hazard) any
	set  func(h *model.Hazard, r *xlsx.Row)
	same func(a, b any) bool
}

func strField(key string, row func(r *xlsx.Row) string, ptr func(h *model.Hazard) *string) ledgerField {
	return ledgerField{
		key:  key,
		row:  func(r *xlsx.Row) (any, bool) { v := row(r); return v, v != "" },
		cur:  func(h *model.Hazard) any { return *ptr(h) },
		set:  func(h *model.Hazard, r *xlsx.Row) { *ptr(h) = row(r) },
		same: func(a, b any) bool { return a == b },
	}
}

var ledgerFields = []ledgerField{
	strField("title", func(r *xlsx.Row) string { return r.Title }, func(h *model.Hazard) *string { return &h.Title }),
	strField("description", func(r *xlsx.Row) string { return r.Description }, func(h *model.Hazard) *string { return &h.Description }),
	strField("industry", func(r *xlsx.Row) string { return r.Industry }, func(h *model.Hazard) *string { return &h.Industry }),
	strField("location", func(r *xlsx.Row) string { return r.Location }, func(h *model.Hazard) *string { return &h.Location }),
	{
		key:  "level",
		row:  func(r *xlsx.Row) (any, bool) { return r.Level, r.Level != "" },
		cur:  func(h *model.Hazard) any { return h.Level },
		set:  func(h *model.Hazard, r *xlsx.Row) { h.Level = r.Level },
		same: func(a, b any) bool { return a == b },
	},
	strField("basis_standard", func(r *xlsx.Row) string { return r.BasisStandard }, func(h *model.Hazard) *string { return &h.BasisStandard }),
	strField("basis_clause", func(r *xlsx.Row) string { return r.BasisClause }, func(h *model.Hazard) *string { return &h.BasisClause }),
	strField("measures", func(r *xlsx.Row) string { return r.Measures }, func(h *model.Hazard) *string { return &h.Measures }),
	strField("responsible_unit", func(r *xlsx.Row) string { return r.ResponsibleUnit }, func(h *model.Hazard) *string { return &h.ResponsibleUnit }),
	strField("responsible_person", func(r *xlsx.Row) string { return r.ResponsiblePerson }, func(h *model.Hazard) *string { return &h.ResponsiblePerson }),
	strField("responsible_phone", func(r *xlsx.Row) string { return r.ResponsiblePhone }, func(h *model.Hazard) *string { return &h.ResponsiblePhone }),
	{
		key: "funds",
		row: func(r *xlsx.Row) (any, bool) {
			if r.Funds == nil {
				return nil, false
			}
			return *r.Funds, true
		},
		cur: func(h *model.Hazard) any {
			if h.Funds == nil {
				return nil
			}
			return *h.Funds
		},
		set: func(h *model.Hazard, r *xlsx.Row) { f := *r.Funds; h.Funds = &f },
		same: func(a, b any) bool {
			x, ok1 := a.(float64)
			y, ok2 := b.(float64)
			return ok1 && ok2 && math.Abs(x-y) < 1e-9
		},
	},
	strField("funds_source", func(r *xlsx.Row) string { return r.FundsSource }, func(h *model.Hazard) *string { return &h.FundsSource }),
	{
		key: "deadline",
		row: func(r *xlsx.Row) (any, bool) {
			if r.Deadline == nil {
				return nil, false
			}
			return r.Deadline.String(), true
		},
		cur: func(h *model.Hazard) any {
			if h.Deadline == nil {
				return nil
			}
			return h.Deadline.String()
		},
		set:  func(h *model.Hazard, r *xlsx.Row) { d := *r.Deadline; h.Deadline = &d },
		same: func(a, b any) bool { return a == b },
	},
	strField("emergency_plan", func(r *xlsx.Row) string { return r.EmergencyPlan }, func(h *model.Hazard) *string { return &h.EmergencyPlan }),
	{
		key: "production_suspended",
		row: func(r *xlsx.Row) (any, bool) {
			if r.ProductionSuspended == nil {
				return nil, false
			}
			return *r.ProductionSuspended, true
		},
		cur:  func(h *model.Hazard) any { return h.ProductionSuspended },
		set:  func(h *model.Hazard, r *xlsx.Row) { h.ProductionSuspended = *r.ProductionSuspended },
		same: func(a, b any) bool { return a == b },
	},
}

// column is the ledger column of a field of HazardInput.
func (im *importer) column(field string) string {
	switch {
	case field == "enterprise_id":
		return xlsx.ColEnterprise
	case field == "region_code" && !im.rd.Has(xlsx.ColRegionCode):
		return xlsx.ColRegionName
	}
	return field
}

// noticeEvents change nothing a ledger row carries: a deadline reminder, and
// signing for or replying to a supervision step.
var noticeEvents = map[model.Event]bool{model.EventRemind: true, model.EventAcknowledge: true, model.EventReply: true}

// onlyNoticesSince reports whether every event of hazard id after the one whose
// hash is head is a notice event: a ledger exported at head then holds nothing
// the system has changed since (the sweep reminds every open hazard a few days
// before its due day, exactly when counties edit their ledgers).
func (im *importer) onlyNoticesSince(ctx context.Context, id int64, head string) (bool, error) {
	evs, err := im.tx.ListEvents(ctx, id)
	if err != nil {
		return false, err
	}
	for i := range evs {
		if evs[i].Hash != head {
			continue
		}
		for _, ev := range evs[i+1:] {
			if !noticeEvents[ev.Event] {
				return false, nil
			}
		}
		return true, nil
	}
	return false, nil // the exported head is not in the log at all
}

// update changes what the hazard's state allows and the row changes. A changed
// field the state does not allow is a problem of the row, never silently dropped;
// so is a change to a hazard whose chain head moved since the ledger was exported.
func (im *importer) update(ctx context.Context, re *rowErrs, r *xlsx.Row, h *model.Hazard, head string) (outcome, []xlsx.CellError, error) {
	if err := im.drain(ctx); err != nil { // its event takes the next ID
		return 0, nil, err
	}
	if !im.a.Sees(h) {
		re.add(xlsx.ColCode, "隐患"+h.Code+"不在您的管辖范围内")
		return 0, re.list, nil
	}
	if r.State != "" && r.State != h.State {
		re.add(xlsx.ColState, fmt.Sprintf("隐患当前状态为“%s”，状态不能通过台账修改，请在系统中办理", h.State.Label()))
	}
	allowed := map[string]bool{}
	for _, f := range importFields[h.State] {
		allowed[f] = true
	}
	next := *h
	changes := map[string]any{}
	for _, f := range ledgerFields {
		v, given := f.row(r)
		if !given || f.same(v, f.cur(h)) {
			continue
		}
		if !allowed[f.key] {
			msg := fmt.Sprintf("隐患当前状态为“%s”，台账不能修改%s", h.State.Label(), xlsx.HeaderOf(f.key))
			if f.key == "deadline" {
				msg = "整改期限只能通过延期办理，台账不能修改"
			}
			re.add(f.key, msg)
			continue
		}
		f.set(&next, r)
		changes[f.key] = v
	}
	if len(re.list) > 0 {
		return 0, re.list, nil
	}
	if len(changes) == 0 {
		return outUnchanged, nil, nil
	}
	if head != "" && head != h.ChainHead {
		quiet, err := im.onlyNoticesSince(ctx, h.ID, head)
		if err != nil {
			return 0, nil, err
		}
		if !quiet {
			re.add(xlsx.ColCode, "该隐患在台账导出后已在系统中办理过，为免覆盖，请重新导出最新台账后再修改")
			return 0, re.list, nil
		}
	}
	im.checkValues(re, &next)
	if len(re.list) > 0 {
		return 0, re.list, nil
	}
	payload := map[string]any{"mode": "update", "changes": changes, "row": re.line}
	if im.file != "" {
		payload["file"] = im.file
	}
	err := im.e.commit(ctx, im.tx, im.a, h, &next, model.EventImported, fmt.Sprintf("台账导入更新（第%d行）", re.line), payload, im.now)
	if err != nil {
		var we *Error
		if errors.As(err, &we) && we.Kind == KindConflict {
			re.add(xlsx.ColCode, we.Message)
			return 0, re.list, nil
		}
		return 0, nil, err
	}
	return outUpdated, nil, nil
}

// checkValues applies the rules the events apply to the same fields.
func (im *importer) checkValues(re *rowErrs, h *model.Hazard) {
	if p := h.ResponsiblePhone; p != "" && !phonePattern.MatchString(p) {
		re.add("responsible_phone", "联系电话格式不正确")
	}
	if h.Funds != nil && (*h.Funds < 0 || *h.Funds > 1e7) {
		re.add("funds", "整改资金应在 0 至 10,000,000 万元之间")
	}
}

// create registers the row as a new hazard through CreateHazard; a row in a later
// state is then moved there by an imported event carrying the ledger's fields.
func (im *importer) create(ctx context.Context, re *rowErrs, r *xlsx.Row, region string, ent, newEnt *model.Enterprise, fp string) (outcome, []xlsx.CellError, error) {
	state := r.State
	if state == "" {
		state = model.StateDiscovered
	}
	level := r.Level
	if level == "" {
		level = model.LevelGeneral
	}
	if r.Source != "" && !slices.Contains(sourcesByRole[im.a.Role], r.Source) {
		re.add(xlsx.ColSource, fmt.Sprintf("%s不能登记来源为“%s”的隐患", im.a.Role.Label(), r.Source.Label()))
	}
	// What the row's state holds: fields of later stages on an earlier state are
	// a mistake of the row, not something to drop.
	holds := map[string]bool{}
	for _, f := range importFields[model.StateDiscovered] {
		holds[f] = true
	}
	if state != model.StateDiscovered && state != model.StateDismissed {
		for _, f := range append(importFields[model.StateListed], "deadline") {
			holds[f] = true
		}
	}
	for _, f := range ledgerFields {
		if _, given := f.row(r); given && !holds[f.key] {
			re.add(f.key, fmt.Sprintf("状态为“%s”的隐患不能填写%s；如已在整改，请在“当前状态”列填写实际状态", state.Label(), xlsx.HeaderOf(f.key)))
		}
	}
	if len(re.list) > 0 {
		return 0, re.list, nil
	}
	unit := r.ResponsibleUnit
	if unit == "" && ent != nil {
		unit = ent.Name
	} else if unit == "" && newEnt != nil {
		unit = newEnt.Name
	}
	need := func(ok bool, field, msg string) {
		if !ok {
			re.add(field, msg)
		}
	}
	if state != model.StateDiscovered && state != model.StateDismissed {
		need(unit != "", xlsx.ColResponsibleUnit, "列入清单须明确整改责任单位")
		if level == model.LevelMajor {
			need(r.BasisStandard != "", xlsx.ColBasisStandard, "重大事故隐患须注明判定依据（标准名称）")
			need(r.BasisClause != "", xlsx.ColBasisClause, "重大事故隐患须注明判定依据的具体条款")
		}
		if state != model.StateListed {
			need(r.Measures != "", xlsx.ColMeasures, "请填写整改措施")
			need(r.ResponsiblePerson != "", xlsx.ColResponsiblePerson, "请填写整改责任人")
			need(r.Deadline != nil, xlsx.ColDeadline, "请填写整改期限")
			if level == model.LevelMajor {
				need(r.Funds != nil, xlsx.ColFunds, "重大事故隐患须落实整改资金")
				need(r.FundsSource != "", xlsx.ColFundsSource, "重大事故隐患须写明资金来源")
				need(r.EmergencyPlan != "", xlsx.ColEmergencyPlan, "重大事故隐患须有应急预案或临时管控措施")
			}
		}
	}
	var probe model.Hazard
	for _, f := range ledgerFields {
		if _, given := f.row(r); given {
			f.set(&probe, r)
		}
	}
	im.checkValues(re, &probe)
	if len(re.list) > 0 {
		return 0, re.list, nil
	}

	if newEnt != nil {
		newEnt.CreatedAt = im.now
		if err := im.tx.CreateEnterprise(ctx, newEnt); err != nil {
			return 0, nil, err
		}
		im.ents[newEnt.CreditCode] = newEnt
		clear(im.named) // a name may now find it
		ent = newEnt
	}
	in := HazardInput{Title: r.Title, Description: r.Description, Source: string(r.Source), Level: string(level),
		Industry: r.Industry, RegionCode: region, Location: r.Location}
	if ent != nil {
		id := ent.ID
		in.EnterpriseID = &id
	}
	if r.DiscoveredAt != nil {
		in.DiscoveredAt = r.DiscoveredAt.Format(time.RFC3339)
	}
	h, err := im.e.newHazard(ctx, im.dir, im.a, in)
	if err != nil {
		var we *Error
		if !errors.As(err, &we) || (we.Kind != KindInvalid && we.Kind != KindForbidden) {
			return 0, nil, err
		}
		if len(we.Fields) == 0 {
			re.add(im.column("region_code"), we.Message)
		}
		for _, k := range sortedKeys(we.Fields) {
			re.add(im.column(k), we.Fields[k])
		}
		return 0, re.list, nil
	}
	im.pending = append(im.pending, pendingHazard{line: re.line, row: r, h: h, state: state, unit: unit, fp: fp,
		imported: state != model.StateDiscovered || r.BasisStandard != "" || r.BasisClause != ""})
	im.pendingFP[fp] = true
	delete(im.checked, fp)
	im.pendingPeriods[model.HazardCodePeriod(h.RegionCode, h.CreatedAt.In(shanghai))] = true
	return outCreated, nil, nil
}

// importedNext is a hazard just created (h, at its first event) as its ledger
// row records it: in the row's state with the row's fields, and the comment and
// payload of the imported event that moves it there.
func (im *importer) importedNext(line int, r *xlsx.Row, h *model.Hazard, state model.State, unit string) (*model.Hazard, string, map[string]any) {
	next := *h
	for _, f := range ledgerFields {
		if _, given := f.row(r); given {
			f.set(&next, r)
		}
	}
	next.State = state
	now := im.now
	payload := map[string]any{"mode": "create", "state": string(state), "row": line}
	if im.file != "" {
		payload["file"] = im.file
	}
	if state != model.StateDiscovered && state != model.StateDismissed {
		next.ResponsibleUnit = unit
		next.ListedAt = &now
		next.ListedSupervision = next.Level == model.LevelMajor
	}
	switch state {
	case model.StateRectifying:
		next.PlannedAt = &now
	case model.StateVerifying:
		next.PlannedAt, next.SubmittedAt = &now, &now
	case model.StateWrittenOff:
		verified := now
		if r.VerifiedAt != nil {
			verified = *r.VerifiedAt
		}
		closed := verified
		if r.ClosedAt != nil {
			closed = *r.ClosedAt
		}
		next.PlannedAt, next.VerifiedAt, next.ClosedAt = &now, &verified, &closed
		if r.Verifier != "" {
			payload["verifier"] = r.Verifier
		}
	case model.StateDismissed:
		payload["reason"] = r.Remark
	}
	for _, f := range ledgerFields {
		if v, given := f.row(r); given {
			payload[f.key] = v
		}
	}
	return &next, fmt.Sprintf("台账导入（第%d行）", line), payload
}
