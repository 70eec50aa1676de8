// Package ledger is the Excel rectification ledger (隐患台账) as a use case over
// the workflow: export the hazards a caller sees, import an uploaded ledger (dry
// run, all or nothing, or the valid rows only), import a stored upload again, and
// the import's error report. What a row may change in each state is in rules.go;
// how an import writes its new hazards in bulk, in pipeline.go. The file format
// is package xlsx; the lifecycle (who may register what, codes, the hash chain,
// the counts) is reached through workflow's in-transaction API (workflow.Tx).
package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"hazardloop/ledger/xlsx"
	"hazardloop/metrics"
	"hazardloop/model"
	"hazardloop/workflow"
)

// Who may move the ledger (DESIGN.md: supervisors import and export it):
//   - export: every role, within its scope — admins everything, supervisors and
//     officers their territory, enterprise users their own hazards;
//   - import: supervisors only, within their territory. Admins fire no events (they
//     manage accounts), and an import writes hazards and their logs in the name of
//     an accountable official; officers and enterprises report through the API.

// MayImport says whether a may import ledgers (supervisors only; see above):
// nil, or the KindForbidden refusal, which the import page shows too.
func MayImport(a workflow.Actor) error {
	if a.Role != model.RoleSupervisor {
		return workflow.Forbidden("只有监管人员可以导入台账（" + a.Role.Label() + "可以导出台账）")
	}
	return nil
}

// exportPage is how many hazards one keyset page of an export reads: a page is
// live while it is written, and the heap goal is twice what is live (250 rows
// took 3 MiB off the 100,000-row export's peak RSS against 1,000, at the same
// speed).
const exportPage = 250

// importRetention is how long an import's file and problems are kept for its
// error report.
const importRetention = 7 * 24 * time.Hour

// Service is the ledger over the workflow's hazards and their store. It is safe
// for concurrent use.
type Service struct {
	store   *model.Store
	hazards *workflow.Hazards
	metrics *metrics.Set
}

// New returns the ledger over store and the hazards service running over the
// same store; m (optional) counts the imported rows.
func New(store *model.Store, hazards *workflow.Hazards, m *metrics.Set) *Service {
	return &Service{store: store, hazards: hazards, metrics: m}
}

// Export is an export ready to be written: its filters are checked, nothing has
// been read yet.
type Export struct {
	FileName string
	s        *Service
	actor    workflow.Actor
	filter   model.HazardFilter
	title    string
	now      time.Time
	tmpDir   string
}

// Export prepares the ledger of the hazards a sees that match q (the filters of
// the hazard list; cursor and limit are ignored: the export holds every match).
// KindInvalid names each bad filter; KindForbidden for an account without scope.
func (s *Service) Export(ctx context.Context, a workflow.Actor, q workflow.ListQuery) (*Export, error) {
	sc := a.Scope()
	if !sc.All && sc.Region == "" && sc.EnterpriseID == 0 {
		return nil, workflow.Forbidden("您的账号没有可导出的辖区")
	}
	q.Cursor, q.Limit = "", ""
	f, err := s.hazards.Filter(a, q)
	if err != nil {
		return nil, err
	}
	f.Limit = exportPage
	name, err := s.scopeName(ctx, a, f.Region)
	if err != nil {
		return nil, err
	}
	now := s.hazards.Now()
	return &Export{
		FileName: fmt.Sprintf("隐患台账_%s_%s.xlsx", name, now.In(model.Shanghai).Format("20060102")),
		s:        s, actor: a, filter: f, title: name + "隐患排查治理台账", now: now,
	}, nil
}

// scopeName names what an export covers: the filtered region, else the caller's
// region or enterprise, else 全部.
func (s *Service) scopeName(ctx context.Context, a workflow.Actor, region string) (string, error) {
	switch {
	case region == "" && a.Role == model.RoleEnterprise:
		ent, err := s.store.GetEnterprise(ctx, a.EnterpriseID)
		if err != nil {
			return "", workflow.NotFoundOr("所属企业", err)
		}
		return ent.Name, nil
	case region == "":
		region = a.Region
	}
	if region == "" {
		return "全部", nil
	}
	r, err := s.store.GetRegion(ctx, region)
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
func (x *Export) Write(ctx context.Context, w io.Writer) (int, error) {
	// The latest checkpoint goes into the title, so that a downloaded ledger
	// can later expose a rewritten past (hazardloop verify --checkpoint).
	var stamp string
	if cp, ok, err := x.s.store.LatestCheckpoint(ctx); err != nil {
		return 0, err
	} else if ok {
		stamp = workflow.StampOf(cp)
	}
	enc, err := xlsx.NewEncoder(xlsx.Meta{Title: x.title, ExportedAt: x.now, Checkpoint: stamp}, x.tmpDir)
	if err != nil {
		return 0, err
	}
	names := newNameCache(x.s.store)
	today := model.DateIn(x.now, model.Shanghai)
	f := x.filter
	var row xlsx.Row
	for {
		hs, err := x.s.store.ListHazards(ctx, f)
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
			ledgerRow(&row, x.actor.Redact(&hs[i]), x.s.hazards.OverdueDays(&hs[i], today))
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

// ledgerRow fills r with h's own fields (names come from the cache) and the days
// it is overdue.
func ledgerRow(r *xlsx.Row, h *model.Hazard, overdueDays int) {
	r.Code, r.Title, r.Description, r.Source, r.Level = h.Code, h.Title, h.Description, h.Source, h.Level
	r.BasisStandard, r.BasisClause, r.Industry, r.RegionCode = h.BasisStandard, h.BasisClause, h.Industry, h.RegionCode
	r.Department = h.Department
	r.Location, r.DiscoveredAt, r.Measures = h.Location, &h.DiscoveredAt, h.Measures
	r.ResponsibleUnit, r.ResponsiblePerson, r.ResponsiblePhone = h.ResponsibleUnit, h.ResponsiblePerson, h.ResponsiblePhone
	r.Funds, r.FundsSource, r.Deadline, r.EmergencyPlan = h.Funds, h.FundsSource, h.Deadline, h.EmergencyPlan
	suspended := h.ProductionSuspended
	r.ProductionSuspended, r.State, r.Escalation, r.ListedSupervision = &suspended, h.State, h.EscalationLevel, h.ListedSupervision
	r.ListedLevel = h.ListedBy().LevelLabel()
	r.OverdueDays = overdueDays
	r.VerifiedAt, r.ClosedAt, r.Remark, r.ChainHead = h.VerifiedAt, h.ClosedAt, "", h.ChainHead
	r.Category, r.DisasterType, r.Subtype = h.Category, h.DisasterType, h.Subtype
	r.ThreatenedHouseholds, r.ThreatenedPeople, r.ThreatenedProperty = h.ThreatenedHouseholds, h.ThreatenedPeople, h.ThreatenedProperty
	r.MonitorName, r.MonitorPhone, r.EvacuationPlan = h.MonitorName, h.MonitorPhone, h.EvacuationPlan
	r.Latitude, r.Longitude = h.Latitude, h.Longitude
	r.PartyType, r.PartyRegion = h.ResponsiblePartyType, h.ResponsibleRegionCode
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
func (s *Service) Template(w io.Writer) error { return xlsx.Template(w) }

// ImportOptions say how to import a ledger.
type ImportOptions struct {
	FileName  string
	DryRun    bool // validate and report, write nothing
	ValidOnly bool // write the valid rows (in one transaction), skip the others
	// Mapping reads the file's headers as the official said (header as the
	// file spells it → column key, "" for none), over what the importer
	// matched; without it, the mapping the official's region confirmed last.
	Mapping map[string]string `json:"mapping,omitempty"`
	// State is the state of every row of a file without a 当前状态 column,
	// instead of the one each row's contents show.
	State model.State `json:"state,omitempty"`
}

// InferredState is the state a row of a file without 当前状态 was read as.
type InferredState struct {
	Row   int         `json:"row"`
	State model.State `json:"state"`
	Label string      `json:"label"`
}

// maxInferred is how many rows' inferred states a result lists; the counts
// by state cover them all.
const maxInferred = 1000

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
	// Columns is how each header was read; Mapping the mapping applied
	// (the official's, or the region's confirmed one).
	Columns []xlsx.HeaderMatch `json:"columns"`
	Mapping map[string]string  `json:"mapping,omitempty"`
	// Inferred: in a file without 当前状态, the state of each new row (the
	// first maxInferred) and how many rows each state got; State the one
	// state chosen for the whole file instead.
	Inferred       []InferredState     `json:"inferred_states,omitempty"`
	InferredCounts map[model.State]int `json:"inferred_counts,omitempty"`
	State          model.State         `json:"state,omitempty"`
}

var errImportRollback = errors.New("ledger: roll back the import")

// Import reads an uploaded ledger and, unless it is a dry run, writes it:
// all rows in one transaction, or nothing if any row has a problem (unless
// o.ValidOnly, which writes the valid rows and skips the others, still in one
// transaction). Each row creates a hazard, checked by the same code as
// workflow's CreateHazard, or, when it names a hazard (by 隐患编号, or as the row that
// created it in an earlier import of the same ledger), updates the fields that
// hazard's state still allows. A row carrying a state other than discovered is
// moved there by an imported event in the hazard's log. Updates are written row
// by row; new hazards in bulk, a chunk of rows at a time (pipeline.go), with the
// same codes, events, chains, ledger keys, counts and notifications as one by one.
//
// The outcome is stored (for the error report) and returned. Refusals:
// KindForbidden (not a supervisor), KindInvalid for a file that is no ledger (its
// Code says why) and, when rows have problems and nothing was written, with Detail
// holding the ImportResult and its {row, column, message} list.
func (s *Service) Import(ctx context.Context, a workflow.Actor, file []byte, o ImportOptions) (ImportResult, error) {
	if err := MayImport(a); err != nil {
		return ImportResult{}, err
	}
	if o.State != "" && !o.State.Valid() {
		return ImportResult{}, workflow.Invalid("invalid_fields", "整个文件的状态无法识别", nil)
	}
	mapping := o.Mapping
	if mapping == nil && a.Region != "" {
		saved, err := s.store.LedgerMappings(ctx, a.Region)
		if err != nil {
			return ImportResult{}, err
		}
		mapping = saved
	}
	if _, bad := xlsx.CheckMapping(mapping); len(bad) > 0 {
		return ImportResult{}, &workflow.Error{Kind: workflow.KindInvalid, Code: "invalid_fields",
			Message: "列对应中有系统不认识的列：" + strings.Join(bad, "、"), Fields: map[string]string{"mapping": "可用的列见 GET /api/v1/ledger/columns 或导入模板"}}
	}
	rd, err := xlsx.Open(file, xlsx.DecodeOptions{Mapping: mapping})
	if err != nil {
		return ImportResult{}, fileError(err)
	}
	defer rd.Close()

	catalogue, err := workflow.LatestStandards(ctx, s.store)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{DryRun: o.DryRun, ValidOnly: o.ValidOnly, Ignored: rd.Ignored(), Errors: []xlsx.CellError{},
		Columns: rd.Matches(), Mapping: mapping, State: o.State}
	if rd.Ambiguous() {
		var which []string
		for _, m := range res.Columns {
			if m.How == xlsx.MatchAmbiguous {
				which = append(which, "“"+m.Header+"”")
			}
		}
		// Kept like a preview: the official answers on the page without
		// uploading the file again.
		o.Mapping = mapping
		if err := s.recordImport(ctx, a, file, o, &res, s.hazards.Now()); err != nil {
			return ImportResult{}, err
		}
		return res, &workflow.Error{Kind: workflow.KindInvalid, Code: "ambiguous_columns", Detail: res,
			Message: "无法确定表头" + strings.Join(which, "、") + "对应哪一列，请在列对应中选择后重新检查"}
	}
	if o.State != "" && rd.Has(xlsx.ColState) {
		return res, workflow.Invalid("invalid_fields", "台账已有“当前状态”列，不能再为整个文件指定状态", nil)
	}
	now := s.hazards.Now()
	chunks, stop := readChunks(rd)
	defer stop()
	err = s.hazards.InTx(ctx, func(tx *workflow.Tx) error {
		im := newImporter(tx, a, rd, now, o.FileName, o.State)
		im.catalogue = workflow.NewBasisIndex(catalogue)
		defer func() { res.Inferred, res.InferredCounts = inferredOf(im.inferred) }()
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
	// A preview counts what importing its valid rows writes (the page offers
	// just that); an import refused for its problems wrote nothing.
	if len(res.Errors) > 0 && !o.ValidOnly && !o.DryRun {
		res.Skipped = res.Rows
		res.Created, res.Updated, res.Unchanged = 0, 0, 0
		res.Committed = false
	}
	o.Mapping = mapping
	if err := s.recordImport(ctx, a, file, o, &res, now); err != nil {
		return ImportResult{}, err
	}
	if res.Committed && !o.DryRun && len(mapping) > 0 && a.Region != "" {
		// What the official confirmed is offered on the region's next import.
		if err := s.store.SaveLedgerMappings(ctx, a.Region, normalizedMapping(mapping), a.ID, now); err != nil {
			return ImportResult{}, err
		}
	}
	if !o.DryRun {
		m := s.metrics
		m.ImportRows("created", res.Created)
		m.ImportRows("updated", res.Updated)
		m.ImportRows("unchanged", res.Unchanged)
		m.ImportRows("skipped", res.Skipped)
	}
	if len(res.Errors) > 0 && !o.ValidOnly && !o.DryRun {
		return res, &workflow.Error{Kind: workflow.KindInvalid, Code: "ledger_invalid", Detail: res,
			Message: fmt.Sprintf("台账中有%d处问题，未导入任何数据。请按错误清单修改后重新导入，或选择只导入无误的行", len(res.Errors))}
	}
	return res, nil
}

// recordImport stores the import's file and outcome for its error report (and
// ImportAgain), and forgets those past importRetention.
func (s *Service) recordImport(ctx context.Context, a workflow.Actor, file []byte, o ImportOptions, res *ImportResult, now time.Time) error {
	errs, err := json.Marshal(res.Errors)
	if err != nil {
		return err
	}
	name := o.FileName
	if len([]rune(name)) > 200 {
		name = string([]rune(name)[:200])
	}
	opts, err := json.Marshal(storedOptions{Mapping: o.Mapping, State: o.State})
	if err != nil {
		return err
	}
	li := &model.LedgerImport{CreatedBy: a.ID, FileName: name, DryRun: o.DryRun, ValidOnly: o.ValidOnly,
		Committed: res.Committed, TotalRows: res.Rows, Created: res.Created, Updated: res.Updated,
		Unchanged: res.Unchanged, Skipped: res.Skipped, Errors: model.JSONText(errs), Options: model.JSONText(opts),
		File: file, CreatedAt: now}
	return s.store.Tx(ctx, func(tx *model.Store) error {
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

// storedOptions is how an import read its file, kept with it: committing a
// preview reads the file the same way.
type storedOptions struct {
	Mapping map[string]string `json:"mapping,omitempty"`
	State   model.State       `json:"state,omitempty"`
}

// normalizedMapping keys a mapping by the headers as the reader compares
// them, for keeping per region.
func normalizedMapping(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for h, k := range m {
		out[xlsx.NormalizeHeader(h)] = k
	}
	return out
}

// inferredOf lists the first maxInferred inferred states and counts them all.
func inferredOf(is []InferredState) ([]InferredState, map[model.State]int) {
	if len(is) == 0 {
		return nil, nil
	}
	counts := map[model.State]int{}
	for _, i := range is {
		counts[i.State]++
	}
	return is[:min(len(is), maxInferred)], counts
}

// fileError turns a file the codec cannot read into a refusal with its message.
func fileError(err error) error {
	var fe *xlsx.FileError
	if errors.As(err, &fe) {
		return workflow.Invalid(fe.Code, fe.Message, err)
	}
	return err
}

// ImportReport is an import's error report ready to be written.
type ImportReport struct {
	FileName string
	imp      *model.LedgerImport
	errs     []xlsx.CellError
}

// ImportReport returns the error report of import id: to the official who made
// it, or an admin (else KindForbidden). KindNotFound if it is unknown or expired.
func (s *Service) ImportReport(ctx context.Context, a workflow.Actor, id int64) (*ImportReport, error) {
	li, err := s.store.GetLedgerImport(ctx, id)
	if err != nil {
		return nil, workflow.NotFoundOr("导入记录（保存7天）", err)
	}
	if li.CreatedBy != a.ID && a.Role != model.RoleAdmin {
		return nil, workflow.Forbidden("只能下载本人导入的错误报告")
	}
	rep := &ImportReport{imp: li, FileName: fmt.Sprintf("台账导入错误报告_%d.xlsx", li.ID)}
	if err := json.Unmarshal([]byte(li.Errors), &rep.errs); err != nil {
		return nil, fmt.Errorf("ledger: import %d errors: %w", id, err)
	}
	return rep, nil
}

// Write writes the uploaded rows with a 错误说明 column and the bad cells marked.
func (r *ImportReport) Write(w io.Writer) error {
	return fileError(xlsx.Report(w, r.imp.File, r.errs, xlsx.DecodeOptions{}))
}

// ImportAgain runs a ledger import stored earlier (by its dry run) once more with
// o: the page's "commit" after the preview, without uploading the file again. Only
// the official who uploaded it may (else KindForbidden). KindNotFound once it has
// expired; otherwise as Import.
func (s *Service) ImportAgain(ctx context.Context, a workflow.Actor, id int64, o ImportOptions) (ImportResult, error) {
	li, err := s.store.GetLedgerImport(ctx, id)
	if err != nil {
		return ImportResult{}, workflow.NotFoundOr("导入记录（保存7天）", err)
	}
	if li.CreatedBy != a.ID {
		return ImportResult{}, workflow.Forbidden("只能提交本人上传的台账")
	}
	o.FileName = li.FileName
	if len(li.Options) > 0 {
		var so storedOptions
		if err := json.Unmarshal([]byte(li.Options), &so); err != nil {
			return ImportResult{}, fmt.Errorf("ledger: import %d options: %w", id, err)
		}
		if o.Mapping == nil {
			o.Mapping = so.Mapping
		}
		if o.State == "" {
			o.State = so.State
		}
	}
	return s.Import(ctx, a, li.File, o)
}
