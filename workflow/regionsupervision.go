package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"hazardloop/model"
)

// Supervision of slow regions and departments (对地区和部门的督办): the same
// four steps as the hazards' ladder — 函告, 通报, 约谈, 曝光 — taken by a
// supervisor on the governments or departments of regions below its own, in a
// numbered document (the hazard steps' numbering: one counter per issuing
// region and year). Each target goes up the steps in order unless a reason
// for skipping is given; only a circular names several targets. The targets'
// supervisors sign for and reply to it, once each; an exposure goes on the
// public board. Documents are never changed (the tables refuse it).

// stepNames are the API's names of the steps.
var stepNames = map[int]string{StepNotice: "notice", StepCircular: "circular", StepInterview: "interview", StepExposure: "exposure"}

// StepName is the API's name of a step: notice, circular, interview, exposure.
func StepName(step int) string { return stepNames[step] }

func parseStep(s string) int {
	for n, name := range stepNames {
		if name == strings.TrimSpace(s) {
			return n
		}
	}
	return 0
}

// Limits of a region document.
const (
	maxRegionTargets = 30 // a circular's targets
	maxCitedHazards  = 50
)

// RegionTargetInput names a target: a region, and one of its departments or
// "" for its government.
type RegionTargetInput struct {
	RegionCode string `json:"region_code"`
	Department string `json:"department"`
}

// RegionSupervisionInput is a region document to issue.
type RegionSupervisionInput struct {
	Targets    []RegionTargetInput `json:"targets"`
	Step       string              `json:"step"`
	Reason     string              `json:"reason"`
	SkipReason string              `json:"skip_reason"`
	HazardIDs  []int64             `json:"hazard_ids"`
}

// CitedHazard is a hazard a region document cites, as it stands.
type CitedHazard struct {
	ID          int64       `json:"id"`
	Code        string      `json:"code"`
	Title       string      `json:"title"`
	RegionCode  string      `json:"region_code"`
	RegionName  string      `json:"region_name"`
	Place       string      `json:"place"` // the region's full name and the hazard's place (ComposePlace)
	Level       string      `json:"level"`
	State       string      `json:"state"`
	DueOn       *model.Date `json:"due_on"`
	OverdueDays int         `json:"overdue_days"`
	location    string
}

// RegionDocument is a region document with its targets and the hazards it
// cites.
type RegionDocument struct {
	*model.RegionSupervision
	Step      string               `json:"step"`
	StepLabel string               `json:"step_label"`
	Targets   []model.RegionTarget `json:"targets"`
	Hazards   []CitedHazard        `json:"hazards"`
}

// Addressees are the targets' names as the document addresses them (主送).
func (d RegionDocument) Addressees() string {
	names := make([]string, len(d.Targets))
	for i, t := range d.Targets {
		names[i] = t.Addressee
	}
	return strings.Join(names, "、")
}

// RegionGovernment is how a document addresses a region's government:
// 东湖区人民政府, 公园街道办事处, 某某村民委员会.
func RegionGovernment(r *model.Region) string {
	switch {
	case r.Level == model.RegionVillage && strings.HasSuffix(r.Name, "社区"):
		return r.Name + "居民委员会"
	case r.Level == model.RegionVillage:
		return r.Name + "村民委员会"
	case strings.HasSuffix(r.Name, "街道"):
		return r.Name + "办事处"
	}
	return r.Name + "人民政府"
}

// issuerOffice is the office a supervisor's documents come from: its region's
// emergency bureau (IssuerName), or its department of that region.
func issuerOffice(r *model.Region, d model.Department) string {
	if d == model.DeptEmergency || d == "" {
		return IssuerName(r)
	}
	return DepartmentOffice(r.Name, r.Level, d)
}

// regionFilter is what region documents a may list: those its office issued
// and those addressed within its territory (another department's supervisor:
// to its department or to the governments). ok is false for roles that see
// none.
func (a Actor) regionFilter() (model.RegionSupervisionFilter, bool) {
	switch a.Role {
	case model.RoleAdmin:
		return model.RegionSupervisionFilter{All: true}, true
	case model.RoleSupervisor:
		f := model.RegionSupervisionFilter{IssuerRegion: a.Region, IssuerDepartment: a.department(), Region: a.Region}
		if d := a.department(); d != model.DeptEmergency {
			f.Departments = []model.Department{"", d}
		}
		return f, true
	}
	return model.RegionSupervisionFilter{}, false
}

// seesRegionDocument is regionFilter for one document.
func (a Actor) seesRegionDocument(d *model.RegionSupervision, ts []model.RegionTarget) bool {
	f, ok := a.regionFilter()
	if !ok {
		return false
	}
	if f.All || (d.IssuerRegion == f.IssuerRegion && d.IssuerDepartment == f.IssuerDepartment) {
		return true
	}
	for _, t := range ts {
		if model.Within(t.RegionCode, f.Region) && (f.Departments == nil || slices.Contains(f.Departments, t.Department)) {
			return true
		}
	}
	return false
}

// AnswersFor reports whether a signs and replies for target t: a supervisor
// of t's region, and of t's department when it names one.
func (a Actor) AnswersFor(t model.RegionTarget) bool {
	return a.Role == model.RoleSupervisor && a.Region == t.RegionCode && (t.Department == "" || a.department() == t.Department)
}

// IssueRegion issues a region document by supervisor a (see the package
// comment above): numbered in the issuer's region's counter, addressed to
// each target's government or department with the figures of its hazards
// today, citing the hazards given. KindForbidden for other roles and for a
// target outside (or at the level of) a's territory, naming it; KindInvalid
// for missing or malformed fields; KindNotAllowed (step_out_of_order) when a
// target has not had the step before and no skip_reason is given, naming the
// missing step.
func (e *Supervision) IssueRegion(ctx context.Context, a Actor, in RegionSupervisionInput) (RegionDocument, error) {
	if a.Role != model.RoleSupervisor {
		return RegionDocument{}, errForbidden("仅监管人员可以对地区和部门督办")
	}
	errs := fieldErrors{}
	step := parseStep(in.Step)
	if step == 0 {
		errs.add("step", "督办措施应为 notice（函告）、circular（通报）、interview（约谈）或 exposure（曝光）")
	}
	reason := text(errs, "reason", &in.Reason, 2000)
	if reason == "" {
		errs.add("reason", "请填写督办事由")
	}
	skip := text(errs, "skip_reason", &in.SkipReason, 500)
	switch {
	case len(in.Targets) == 0:
		errs.add("targets", "请至少选择一个督办对象")
	case len(in.Targets) > 1 && step != StepCircular && step != 0:
		errs.add("targets", "只有通报可以同时发给多个地区或部门；函告、约谈、曝光每份文书只能有一个督办对象")
	case len(in.Targets) > maxRegionTargets:
		errs.add("targets", fmt.Sprintf("一份通报最多%d个督办对象", maxRegionTargets))
	}
	if len(in.HazardIDs) > maxCitedHazards {
		errs.add("hazard_ids", fmt.Sprintf("一份文书最多列明%d项隐患", maxCitedHazards))
	}
	type target struct {
		region *model.Region
		dept   model.Department
	}
	var targets []target
	seen := map[string]bool{}
	for i, t := range in.Targets {
		field := fmt.Sprintf("targets[%d]", i)
		code := strings.TrimSpace(t.RegionCode)
		var d model.Department
		if strings.TrimSpace(t.Department) != "" {
			if d = parseDepartment(errs, field+".department", t.Department); d == "" {
				continue
			}
		}
		if !model.ValidRegionCode(code) {
			errs.add(field+".region_code", "区划代码应为6、9或12位数字："+code)
			continue
		}
		if seen[code+"/"+string(d)] {
			errs.add(field, "督办对象重复："+code)
			continue
		}
		seen[code+"/"+string(d)] = true
		r, err := e.store.GetRegion(ctx, code)
		if errors.Is(err, model.ErrNotFound) {
			errs.add(field+".region_code", "未知的区划代码："+code)
			continue
		} else if err != nil {
			return RegionDocument{}, err
		}
		targets = append(targets, target{r, d})
	}
	if err := errs.err(); err != nil {
		return RegionDocument{}, err
	}
	issuerRegion, err := e.store.GetRegion(ctx, a.Region)
	if err != nil {
		return RegionDocument{}, err
	}
	issuerDept := a.department()
	today, now := e.Today(), e.Now()
	lad := e.ladder()
	doc := &model.RegionSupervision{Step: step, IssuerRegion: a.Region, IssuerDepartment: issuerDept,
		IssuerName: issuerOffice(issuerRegion, issuerDept), Reason: reason, SkipReason: skip, CreatedBy: actorID(a), CreatedAt: now}
	rows := make([]model.RegionTarget, 0, len(targets))
	for _, t := range targets {
		name := RegionGovernment(t.region)
		if t.dept != "" {
			name = DepartmentOffice(t.region.Name, t.region.Level, t.dept)
		}
		if t.region.Code == a.Region || !model.Within(t.region.Code, a.Region) {
			return RegionDocument{}, errForbidden(fmt.Sprintf("%s（%s）不是您所辖的下级区划，不能对其督办", name, t.region.Code))
		}
		if issuerDept != model.DeptEmergency && t.dept != issuerDept {
			return RegionDocument{}, errForbidden(fmt.Sprintf("%s只能督办下级的%s，不能督办%s", doc.IssuerName, issuerDept.Label()+"部门", name))
		}
		had, err := e.store.RegionTargetStep(ctx, t.region.Code, t.dept)
		if err != nil {
			return RegionDocument{}, err
		}
		if had < step-1 && skip == "" {
			return RegionDocument{}, &Error{Kind: KindNotAllowed, Code: "step_out_of_order",
				Message: fmt.Sprintf("对%s尚未%s，不能%s：督办应依次函告、通报、约谈、曝光；确需越级的，请填写越级理由（skip_reason）",
					name, StepLabel(had+1), StepLabel(step)),
				Fields: map[string]string{"skip_reason": "尚未" + StepLabel(had+1) + "，越级须填写理由"}}
		}
		figures, err := e.targetFigures(ctx, t.region.Code, t.dept, today)
		if err != nil {
			return RegionDocument{}, err
		}
		figures.Step, figures.RegionCode, figures.Department, figures.Addressee = step, t.region.Code, t.dept, name
		figures.ReplyDue = lad.replyDue(step, today)
		rows = append(rows, figures)
	}
	hazards, err := e.citedHazards(ctx, a, rows, in.HazardIDs, today)
	if err != nil {
		return RegionDocument{}, err
	}
	ids := make([]int64, len(hazards))
	for i, h := range hazards {
		ids[i] = h.ID
	}
	err = e.store.Tx(ctx, func(tx *model.Store) error {
		doc.DocYear = today.Year()
		seq, err := tx.NextNumber(ctx, "document:"+a.Region, fmt.Sprint(doc.DocYear))
		if err != nil {
			return err
		}
		doc.DocSeq, doc.DocNumber = seq, fmt.Sprintf("〔%d〕第%d号", doc.DocYear, seq)
		if err := tx.CreateRegionSupervision(ctx, doc, rows, ids); err != nil {
			return err
		}
		return e.queueRegionNotification(ctx, tx, doc, rows, ids)
	})
	if err != nil {
		return RegionDocument{}, err
	}
	return RegionDocument{RegionSupervision: doc, Step: StepName(step), StepLabel: StepLabel(step), Targets: rows, Hazards: hazards}, nil
}

// targetFigures are the figures of a target's hazards on today, as the
// ranking counts them: its territory, and its department when it names one.
func (e *core) targetFigures(ctx context.Context, region string, d model.Department, today model.Date) (model.RegionTarget, error) {
	rows, err := e.store.RankCounts(ctx, model.Scope{Region: region, Department: d}, model.RankBy{Prefix: len(model.RegionPrefix(region))}, today)
	if err != nil {
		return model.RegionTarget{}, err
	}
	var c model.RankCounts
	for _, r := range rows {
		c.Open += r.Open
		c.Overdue += r.Overdue
		c.MajorOverdue += r.MajorOverdue
		c.Confirmed += r.Confirmed
		c.WrittenOff += r.WrittenOff
	}
	return model.RegionTarget{OpenHazards: c.Open, OverdueHazards: c.Overdue, MajorOverdue: c.MajorOverdue,
		RectificationRate: ratio(c.WrittenOff, c.Confirmed)}, nil
}

// citedHazards checks the hazards a document cites: each one a sees, in the
// territory (and department) of one of its targets. KindInvalid names a
// hazard that is not.
func (e *core) citedHazards(ctx context.Context, a Actor, targets []model.RegionTarget, ids []int64, today model.Date) ([]CitedHazard, error) {
	out := []CitedHazard{}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		h, err := e.store.GetHazard(ctx, id)
		if errors.Is(err, model.ErrNotFound) || (err == nil && !a.Sees(h)) {
			return nil, errInvalid(map[string]string{"hazard_ids": fmt.Sprintf("隐患 %d 不存在或不在您的管辖范围内", id)})
		} else if err != nil {
			return nil, err
		}
		in := slices.ContainsFunc(targets, func(t model.RegionTarget) bool {
			return model.Within(h.RegionCode, t.RegionCode) && (t.Department == "" || h.Department == t.Department)
		})
		if !in {
			return nil, errInvalid(map[string]string{"hazard_ids": fmt.Sprintf("隐患 %s（%s）不在督办对象的辖区或行业范围内", h.Code, h.Title)})
		}
		out = append(out, e.cite(h, today))
	}
	return out, e.nameCited(ctx, out)
}

func (e *core) cite(h *model.Hazard, today model.Date) CitedHazard {
	c := CitedHazard{ID: h.ID, Code: h.Code, Title: h.Title, RegionCode: h.RegionCode, location: h.Location, Level: h.Level.Label(),
		State: h.State.Label(), DueOn: h.DueOn}
	if h.Overdue(today) {
		c.OverdueDays = e.ladder().overdueDays(h.DueOn, today)
	}
	return c
}

func (e *core) nameCited(ctx context.Context, hs []CitedHazard) error {
	if len(hs) == 0 {
		return nil
	}
	var codes []string
	for _, h := range hs {
		codes = append(append(codes, regionAncestors(h.RegionCode)...), h.RegionCode)
	}
	rs, err := e.store.RegionsByCode(ctx, codes)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(rs))
	for _, r := range rs {
		names[r.Code] = r.Name
	}
	for i := range hs {
		hs[i].RegionName = names[hs[i].RegionCode]
		var chain []string
		for _, c := range append(regionAncestors(hs[i].RegionCode), hs[i].RegionCode) {
			if n, ok := names[c]; ok {
				chain = append(chain, n)
			}
		}
		hs[i].Place = ComposePlace(chain, hs[i].location)
	}
	return nil
}

// regionNotification is the body of a region_supervision notification: the
// document and its targets, for the targets' supervisors. No names of people.
type regionNotification struct {
	Kind                string           `json:"kind"`
	RegionSupervisionID int64            `json:"region_supervision_id"`
	Number              string           `json:"number"`
	Step                string           `json:"step"`
	IssuerRegion        string           `json:"issuer_region"`
	IssuerName          string           `json:"issuer_name"`
	Targets             []notifiedTarget `json:"targets"`
	HazardIDs           []int64          `json:"hazard_ids"`
	OccurredAt          time.Time        `json:"occurred_at"`
}

type notifiedTarget struct {
	RegionCode string           `json:"region_code"`
	Department model.Department `json:"department"`
	Addressee  string           `json:"addressee"`
	ReplyDue   model.Date       `json:"reply_due"`
}

// queueRegionNotification writes, in the document's transaction, one outbox
// row per configured webhook (kind region_supervision), and the notices of
// the supervisors who answer for its targets (announce).
func (e *core) queueRegionNotification(ctx context.Context, tx *model.Store, d *model.RegionSupervision, ts []model.RegionTarget, ids []int64) error {
	n := regionNotification{Kind: "region_supervision", RegionSupervisionID: d.ID, Number: d.DocNumber, Step: StepName(d.Step),
		IssuerRegion: d.IssuerRegion, IssuerName: d.IssuerName, HazardIDs: ids, OccurredAt: d.CreatedAt}
	if n.HazardIDs == nil {
		n.HazardIDs = []int64{}
	}
	for _, t := range ts {
		n.Targets = append(n.Targets, notifiedTarget{t.RegionCode, t.Department, t.Addressee, t.ReplyDue})
	}
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return e.announce(ctx, tx, model.OutboxMessage{RegionSupervisionID: &d.ID, Kind: n.Kind,
		Payload: model.JSONText(body), CreatedAt: d.CreatedAt, NextAttemptAt: d.CreatedAt})
}

// RegionDocuments lists the region documents a issued or received (see
// regionFilter), the newest first, with their targets (not their hazards).
func (e *Supervision) RegionDocuments(ctx context.Context, a Actor) ([]RegionDocument, error) {
	f, ok := a.regionFilter()
	if !ok {
		return nil, errForbidden("仅监管人员可以查看对地区和部门的督办")
	}
	ds, err := e.store.ListRegionSupervisions(ctx, f, 200)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ds))
	for i := range ds {
		ids[i] = ds[i].ID
	}
	ts, err := e.store.RegionTargets(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]RegionDocument, len(ds))
	for i := range ds {
		out[i] = RegionDocument{RegionSupervision: &ds[i], Step: StepName(ds[i].Step), StepLabel: StepLabel(ds[i].Step),
			Targets: []model.RegionTarget{}, Hazards: []CitedHazard{}}
		for _, t := range ts {
			if t.SupervisionID == ds[i].ID {
				out[i].Targets = append(out[i].Targets, t)
			}
		}
	}
	return out, nil
}

// RegionDocument returns region document id with its targets and the hazards
// it cites, for whoever may list it (KindNotFound otherwise, as for a
// document that does not exist).
func (e *Supervision) RegionDocument(ctx context.Context, a Actor, id int64) (RegionDocument, error) {
	d, ts, hids, err := e.store.GetRegionSupervision(ctx, id)
	if err != nil {
		return RegionDocument{}, notFoundOr("督办文书", err)
	}
	if !a.seesRegionDocument(d, ts) {
		return RegionDocument{}, errNotFound("督办文书", model.ErrNotFound)
	}
	today := e.Today()
	hs := []CitedHazard{}
	for _, hid := range hids {
		h, err := e.store.GetHazard(ctx, hid)
		if err != nil {
			return RegionDocument{}, err
		}
		hs = append(hs, e.cite(h, today))
	}
	if err := e.nameCited(ctx, hs); err != nil {
		return RegionDocument{}, err
	}
	return RegionDocument{RegionSupervision: d, Step: StepName(d.Step), StepLabel: StepLabel(d.Step), Targets: ts, Hazards: hs}, nil
}

// SignRegion records that a received region document id (签收), for the
// target a answers for (targetID picks one when a answers for several; 0
// otherwise). KindForbidden when a answers for no target of it; KindConflict
// (already_done) when it is signed for already: a sign is written once.
func (e *Supervision) SignRegion(ctx context.Context, a Actor, id, targetID int64) (*model.RegionTarget, error) {
	return e.answerRegion(ctx, a, id, targetID, "", false)
}

// ReplyRegion records the written reply of a's target to region document id
// (and its sign, if not yet signed); the target no longer counts as
// unanswered. KindInvalid for an empty or long reply; KindConflict
// (already_done) when it was replied to already; KindForbidden as SignRegion.
func (e *Supervision) ReplyRegion(ctx context.Context, a Actor, id, targetID int64, reply string) (*model.RegionTarget, error) {
	return e.answerRegion(ctx, a, id, targetID, reply, true)
}

func (e *Supervision) answerRegion(ctx context.Context, a Actor, id, targetID int64, reply string, replying bool) (*model.RegionTarget, error) {
	if replying {
		errs := fieldErrors{}
		if reply = text(errs, "reply", &reply, 5000); reply == "" {
			errs.add("reply", "请填写回复内容")
		}
		if err := errs.err(); err != nil {
			return nil, err
		}
	}
	var out *model.RegionTarget
	err := e.store.Tx(ctx, func(tx *model.Store) error {
		d, ts, _, err := tx.GetRegionSupervision(ctx, id)
		if err != nil {
			return notFoundOr("督办文书", err)
		}
		if !a.seesRegionDocument(d, ts) {
			return errNotFound("督办文书", model.ErrNotFound)
		}
		var mine []model.RegionTarget
		for _, t := range ts {
			if a.AnswersFor(t) && (targetID == 0 || t.ID == targetID) {
				mine = append(mine, t)
			}
		}
		switch {
		case len(mine) == 0 && targetID != 0:
			return errForbidden("您不能代该督办对象签收或回复")
		case len(mine) == 0:
			return errForbidden(fmt.Sprintf("只有主送单位（%s）的监管人员可以签收或回复该督办文书", RegionDocument{Targets: ts}.Addressees()))
		case len(mine) > 1:
			return errInvalid(map[string]string{"target_id": "您可代多个督办对象签收，请指明 target_id"})
		}
		t := mine[0]
		now := e.Now()
		if !replying {
			if t.AcknowledgedAt != nil {
				return &Error{Kind: KindConflict, Code: "already_done", Message: "该督办文书已签收"}
			}
			t.AcknowledgedBy, t.AcknowledgedAt = actorID(a), &now
		} else {
			if t.RepliedAt != nil {
				return &Error{Kind: KindConflict, Code: "already_done", Message: "该督办文书已回复"}
			}
			t.ReplyText, t.RepliedBy, t.RepliedAt = reply, actorID(a), &now
			if t.AcknowledgedAt == nil {
				t.AcknowledgedBy, t.AcknowledgedAt = actorID(a), &now
			}
		}
		if err := tx.AnswerRegionTarget(ctx, &t, replying); err != nil {
			if errors.Is(err, model.ErrConflict) {
				return &Error{Kind: KindConflict, Code: "already_done", Message: "该督办文书已由他人签收或回复，请刷新后查看", cause: err}
			}
			return err
		}
		out = &t
		return nil
	})
	return out, err
}

// RegionUnreplied is an unanswered target of a region document, for the
// unreplied list.
type RegionUnreplied struct {
	model.RegionTarget
	Number    string `json:"number"`
	Step      string `json:"step"`
	StepLabel string `json:"step_label"`
	Issuer    string `json:"issuer_name"`
}

// UnrepliedRegions lists the unanswered targets of the region documents a
// issued or received, the earliest reply deadline first.
func (e *Supervision) UnrepliedRegions(ctx context.Context, a Actor) ([]RegionUnreplied, error) {
	f, ok := a.regionFilter()
	if !ok {
		return nil, errForbidden("仅监管人员可以查看未回复的督办")
	}
	ts, err := e.store.UnrepliedRegionTargets(ctx, f, 500)
	if err != nil {
		return nil, err
	}
	out := make([]RegionUnreplied, 0, len(ts))
	docs := map[int64]*model.RegionSupervision{}
	for _, t := range ts {
		d, ok := docs[t.SupervisionID]
		if !ok {
			if d, _, _, err = e.store.GetRegionSupervision(ctx, t.SupervisionID); err != nil {
				return nil, err
			}
			docs[t.SupervisionID] = d
		}
		out = append(out, RegionUnreplied{RegionTarget: t, Number: d.DocNumber, Step: StepName(d.Step), StepLabel: StepLabel(d.Step), Issuer: d.IssuerName})
	}
	return out, nil
}

// RegionSteps returns the highest step each of regions has had (0 for none)
// as a's default target there — its government, or for another department's
// supervisor that department (PressesDepartment) — for the ranking page's
// offer of the next step.
func (e *Supervision) RegionSteps(ctx context.Context, a Actor, regions []string) (map[string]int, error) {
	if a.Role != model.RoleSupervisor {
		return nil, errForbidden("仅监管人员可以对地区和部门督办")
	}
	return e.store.RegionTargetSteps(ctx, regions, a.PressesDepartment())
}

// PressesDepartment is the department a supervisor's region documents go to
// by default: "" (the governments, or any department) for the emergency
// bureau, its own department for another department's supervisor, who may
// press no other.
func (a Actor) PressesDepartment() model.Department {
	if d := a.department(); d != model.DeptEmergency {
		return d
	}
	return ""
}

// PublicRegionExposure is a region or department exposed on the public board
// (曝光台): the authority's document and what it says, no person's name.
type PublicRegionExposure struct {
	Addressee string     `json:"addressee"`
	Region    string     `json:"region"`
	Issuer    string     `json:"issuer"`
	Number    string     `json:"number"`
	Reason    string     `json:"reason"`
	Hazards   int64      `json:"hazards"` // how many hazards the document cites
	ExposedOn model.Date `json:"exposed_on"`
	Status    string     `json:"status"` // 未回复整改情况, 已书面回复
}

// RegionExposureBoard lists the regions and departments at the exposure step:
// until they reply, and 30 days after; within region (a code, "" for all).
func (e *Supervision) RegionExposureBoard(ctx context.Context, region string) ([]PublicRegionExposure, error) {
	rows, err := e.store.ListRegionExposures(ctx, e.Now().AddDate(0, 0, -30), region, 500)
	if err != nil {
		return nil, err
	}
	out := make([]PublicRegionExposure, 0, len(rows))
	for _, r := range rows {
		p := PublicRegionExposure{Addressee: r.Addressee, Region: r.RegionName, Issuer: r.IssuerName, Number: r.DocNumber,
			Reason: r.Reason, Hazards: r.Hazards, ExposedOn: model.DateIn(r.CreatedAt, model.Shanghai), Status: "未书面回复整改情况"}
		if r.RepliedAt != nil {
			p.Status = "已书面回复整改情况"
		}
		out = append(out, p)
	}
	return out, nil
}
