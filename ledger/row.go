package ledger

// How an import checks one row: where it belongs, whether it names a hazard,
// and what it changes there (by the rules of rules.go), or the hazard it
// creates (left pending for the pipeline, pipeline.go).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"hazardloop/ledger/xlsx"
	"hazardloop/model"
	"hazardloop/workflow"
)

// outcome is what an import did with a row without problems.
type outcome int

const (
	outUnchanged outcome = iota
	outCreated
	outUpdated
)

// regionHit is a region name of the ledger resolved in the caller's territory.
type regionHit struct {
	code string
	msg  string // why the name did not resolve
}

// rowErrs collects a row's problems under the columns' Chinese headers.
type rowErrs struct {
	line int
	list []xlsx.CellError
}

func (r *rowErrs) add(col, msg string) {
	r.list = append(r.list, xlsx.CellError{Row: r.line, Column: xlsx.HeaderOf(col), Message: msg})
}

// addOnce adds a problem of a column that has none yet (the workflow's check
// of a field the row's own checks already refused says the same again).
func (r *rowErrs) addOnce(col, msg string) {
	h := xlsx.HeaderOf(col)
	for _, e := range r.list {
		if e.Column == h {
			return
		}
	}
	r.list = append(r.list, xlsx.CellError{Row: r.line, Column: h, Message: msg})
}

// row imports one draft. Every problem of the row is returned in errs at
// once (nothing of it is written): what its cells hold, where it belongs and
// what its state allows or needs; err is a failure of the store, which ends
// the import.
func (im *importer) row(ctx context.Context, d *xlsx.Draft) (outcome, []xlsx.CellError, error) {
	re := &rowErrs{line: d.Line, list: slices.Clone(d.Errors)}
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
		if len(re.list) > 0 {
			return 0, re.list, nil
		}
		return im.update(ctx, re, r, h, r.ChainHead)
	}
	if r.Title == "" {
		re.add(xlsx.ColTitle, "隐患名称不能为空")
	}
	before := len(re.list)
	region, ent, newEnt, err := im.place(ctx, re, r)
	if err != nil {
		return 0, nil, err
	}
	if len(re.list) > before || r.Title == "" {
		// Unplaced or unnamed: no hazard to find, but what creating it
		// would say is said too.
		return im.create(ctx, re, r, "", nil, nil, "")
	}
	fp := fingerprint(region, ent, newEnt, r)
	id, found, err := im.ledgerKey(ctx, fp)
	if err != nil {
		return 0, nil, err
	}
	if found {
		if len(re.list) > 0 {
			return 0, re.list, nil
		}
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
		if !workflow.ValidCreditCode(r.CreditCode) {
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
		day = model.DateIn(*r.DiscoveredAt, model.Shanghai).String()
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{region, unit, r.Title, day, r.Location}, "\x1f")))
	return hex.EncodeToString(sum[:])
}

// column is the ledger column of a field of workflow.HazardInput.
func (im *importer) column(field string) string {
	switch {
	case field == "enterprise_id":
		return xlsx.ColEnterprise
	case field == "region_code" && !im.rd.Has(xlsx.ColRegionCode):
		return xlsx.ColRegionName
	}
	return field
}

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
			switch f.key {
			case "deadline":
				msg = "整改期限只能通过延期办理，台账不能修改"
			case "department":
				msg = "主管部门在列入清单时确定，台账不能修改"
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
	checkValues(re, &next)
	if len(re.list) > 0 {
		return 0, re.list, nil
	}
	_, std := changes["basis_standard"]
	_, clause := changes["basis_clause"]
	if std || clause {
		im.catalogue.Link(&next)
	}
	payload := map[string]any{"mode": "update", "changes": changes, "row": re.line}
	if im.file != "" {
		payload["file"] = im.file
	}
	imp := workflow.Imported{Next: &next, Comment: fmt.Sprintf("台账导入更新（第%d行）", re.line), Payload: payload}
	if err := im.wtx.Import(ctx, im.a, h, imp, im.now); err != nil {
		var we *workflow.Error
		if errors.As(err, &we) && we.Kind == workflow.KindConflict {
			re.add(xlsx.ColCode, we.Message)
			return 0, re.list, nil
		}
		return 0, nil, err
	}
	return outUpdated, nil, nil
}

// create registers the row as a new hazard, checked as workflow's CreateHazard
// checks one (workflow.Tx.NewHazard); a row in a later state is then moved there
// by an imported event carrying the ledger's fields. The hazard waits in pending
// for the pipeline to write it. With fp "" (the row could not be placed) or
// problems found before, it only adds what else is wrong with the row.
func (im *importer) create(ctx context.Context, re *rowErrs, r *xlsx.Row, region string, ent, newEnt *model.Enterprise, fp string) (outcome, []xlsx.CellError, error) {
	state := im.stateOf(re.line, r)
	level := r.Level
	if level == "" {
		level = model.LevelGeneral
	}
	if r.Source != "" && !workflow.CanRegister(im.a.Role, r.Source) {
		re.add(xlsx.ColSource, fmt.Sprintf("%s不能登记来源为“%s”的隐患", im.a.Role.Label(), r.Source.Label()))
	}
	holds := createFields(state)
	for _, f := range ledgerFields {
		if _, given := f.row(r); given && !holds[f.key] {
			re.add(f.key, fmt.Sprintf("状态为“%s”的隐患不能填写%s；如已在整改，请在“当前状态”列填写实际状态", state.Label(), xlsx.HeaderOf(f.key)))
		}
	}
	unit := r.ResponsibleUnit
	if unit == "" && ent != nil {
		unit = ent.Name
	} else if unit == "" && newEnt != nil {
		unit = newEnt.Name
	} else if unit == "" && fp == "" {
		unit = r.Enterprise // unplaced: the unit the row names
	}
	createNeeds(re, r, state, level, unit)
	var probe model.Hazard
	for _, f := range ledgerFields {
		if _, given := f.row(r); given {
			f.set(&probe, r)
		}
	}
	checkValues(re, &probe)

	in := workflow.HazardInput{Title: r.Title, Description: r.Description, Source: string(r.Source), Level: string(level),
		Industry: r.Industry, RegionCode: region, Location: r.Location, Latitude: r.Latitude, Longitude: r.Longitude,
		DisasterInput: workflow.DisasterInput{Category: string(rowCategory(r)), DisasterType: string(r.DisasterType),
			Subtype: r.Subtype, ThreatenedHouseholds: r.ThreatenedHouseholds, ThreatenedPeople: r.ThreatenedPeople,
			ThreatenedProperty: r.ThreatenedProperty, MonitorName: r.MonitorName, MonitorPhone: r.MonitorPhone,
			EvacuationPlan: r.EvacuationPlan},
		PartyInput: workflow.PartyInput{ResponsiblePartyType: string(r.PartyType), ResponsibleRegionCode: r.PartyRegion}}
	if r.PartyType == model.PartyOwner {
		in.ResponsibleUnit = unit // the owner is named by the unit's column
	}
	if r.DiscoveredAt != nil {
		in.DiscoveredAt = r.DiscoveredAt.Format(time.RFC3339)
	}
	var h *model.Hazard
	if fp != "" {
		probeEnt := ent
		if probeEnt == nil && newEnt != nil {
			probeEnt = newEnt
		}
		if probeEnt != nil && probeEnt.ID != 0 {
			id := probeEnt.ID
			in.EnterpriseID = &id
		}
		var err error
		h, err = im.wtx.NewHazard(ctx, im.dir, im.a, in)
		if err != nil {
			var we *workflow.Error
			if !errors.As(err, &we) || (we.Kind != workflow.KindInvalid && we.Kind != workflow.KindForbidden && we.Kind != workflow.KindNotAllowed) {
				return 0, nil, err
			}
			if len(we.Fields) == 0 {
				re.addOnce(im.column("region_code"), we.Message)
			}
			for _, k := range slices.Sorted(maps.Keys(we.Fields)) {
				re.addOnce(im.column(k), we.Fields[k])
			}
		}
	}
	if fp == "" || len(re.list) > 0 {
		return 0, re.list, nil
	}

	if newEnt != nil {
		newEnt.CreatedAt = im.now
		if err := im.tx.CreateEnterprise(ctx, newEnt); err != nil {
			return 0, nil, err
		}
		im.ents[newEnt.CreditCode] = newEnt
		clear(im.named) // a name may now find it
		id := newEnt.ID
		h.EnterpriseID = &id
	}
	im.pending = append(im.pending, pendingHazard{line: re.line, row: r, h: h, state: state, unit: unit, fp: fp,
		imported: movedByImport(state, r)})
	im.pendingFP[fp] = true
	delete(im.checked, fp)
	im.pendingPeriods[workflow.CodePeriod(h)] = true
	return outCreated, nil, nil
}

// stateOf is the state a row creates its hazard in: the row's 当前状态; in a
// file without that column, the one state the official chose for the file,
// else the state the row's contents show (inferState, recorded for the
// preview).
func (im *importer) stateOf(line int, r *xlsx.Row) model.State {
	switch {
	case r.State != "":
		return r.State
	case im.rd.Has(xlsx.ColState):
		return model.StateDiscovered
	case im.fileState != "":
		return im.fileState
	}
	s := inferState(r)
	im.inferred = append(im.inferred, InferredState{Row: line, State: s, Label: s.Label()})
	return s
}

// inferState reads a row without a state as county ledgers mean it: a
// write-off date or a verification → written off (已销号); a plan with its
// deadline → rectifying (整改中); a grade and a unit → listed (已列入清单);
// else discovered.
func inferState(r *xlsx.Row) model.State {
	switch {
	case r.ClosedAt != nil || r.VerifiedAt != nil || r.Verifier != "":
		return model.StateWrittenOff
	case r.Measures != "" && r.Deadline != nil:
		return model.StateRectifying
	case r.Level != "" && (r.ResponsibleUnit != "" || r.Enterprise != "" || r.CreditCode != ""):
		return model.StateListed
	}
	return model.StateDiscovered
}
