package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"hazardloop/model"
)

// The printable records of a hazard (GET /api/v1/hazards/{id}/records/{kind}).
const (
	RecordWriteoff  = "writeoff"  // 隐患整改核实销号记录
	RecordRejection = "rejection" // 隐患整改核实不通过通知书
	RecordTransfer  = "transfer"  // 事故隐患移交单
)

// RecordKinds are the kinds of record, in the order the hazard page offers them.
var RecordKinds = []string{RecordWriteoff, RecordRejection, RecordTransfer}

var recordTitles = map[string]string{
	RecordWriteoff:  "事故隐患整改核实销号记录",
	RecordRejection: "事故隐患整改核实不通过通知书",
	RecordTransfer:  "事故隐患移交单",
}

// RecordTitle is the formal title of record kind, "" for an unknown kind.
func RecordTitle(kind string) string { return recordTitles[kind] }

// Record is one printable record of a hazard, its facts in the words the page
// prints: dates in Chinese, names of offices and people, no reporters.
type Record struct {
	Kind   string
	Title  string
	Issuer string // the office of whoever did what the record certifies
	Issued string // the day it was done, 2026年12月1日

	// The hazard.
	Code       string
	Hazard     string // its title
	Level      string
	State      string
	Place      string // ComposePlace
	Enterprise string
	Department string // the competent department's office
	Basis      string // standard and clause, "" when none was given
	Discovered string

	// The plan's five assurances (五落实): measures, responsibility, funds,
	// deadline, emergency plan.
	Measures      string
	Responsible   string
	Funds         string
	Deadline      string
	EmergencyPlan string

	Evidence []RecordEvidence

	// What the record certifies: the event, who and when.
	Conclusion string // the verifier's conclusion (writeoff), the comment of a rejection
	Reasons    string // why the rejection or the transfer
	Actor      string
	ActedAt    string // 2026年12月1日 15:04
	// A rejection's new deadline: NewDeadline when one was set, else the
	// deadline that stands (KeptDeadline).
	NewDeadline  string
	KeptDeadline string
	Rejections   int // how many times the rectification was rejected, this one included

	// A transfer.
	FromOffice string
	ToOffice   string
	AnswerDue  string
	Answer     string // 已接收, 已退回（理由）, 逾期未接收, 待接收
	AnsweredBy string
	AnsweredAt string

	// The hash chain: the entry this record certifies and the head at print
	// time; empty for an enterprise user, who sees no chain position
	// (Actor.Redact). Checkpoint is the signed log's latest checkpoint when
	// printed (Checkpoints.Stamp), "" before the first: a copy filed on paper
	// can later expose a rewritten past.
	EventSeq   int64
	EventHash  string
	ChainHead  string
	Checkpoint string
	Printed    string
}

// RecordEvidence is one file of the evidence list.
type RecordEvidence struct {
	No       int // 1, 2, … as listed
	Kind     string
	Name     string
	Captured string // when the photo was taken, "" if it does not say
	Uploaded string
	SHA256   string
}

// Record builds record kind of hazard id for a. KindNotFound for an unknown
// kind; KindNotAllowed when the record does not apply to the hazard (not
// written off, never rejected, never transferred).
func (e *Hazards) Record(ctx context.Context, a Actor, id int64, kind string) (Record, error) {
	title := RecordTitle(kind)
	if title == "" {
		if utf8.RuneCountInString(kind) > 32 {
			kind = string([]rune(kind)[:32]) + "…"
		}
		return Record{}, &Error{Kind: KindNotFound, Code: "not_found",
			Message: fmt.Sprintf("没有“%s”这种记录，可打印的记录有：writeoff（核实销号记录）、rejection（核实不通过通知书）、transfer（移交单）", kind)}
	}
	h, err := e.visible(ctx, a, id)
	if err != nil {
		return Record{}, err
	}
	evs, err := e.store.ListEvents(ctx, id)
	if err != nil {
		return Record{}, err
	}
	r := Record{Kind: kind, Title: title, Printed: e.Now().In(model.Shanghai).Format("2006年1月2日 15:04")}
	var at int
	switch kind {
	case RecordWriteoff:
		at = lastEvent(evs, model.EventApprove)
		if h.State != model.StateWrittenOff || at < 0 {
			return Record{}, recordNotApplicable("该隐患尚未核实销号，没有核实销号记录")
		}
		r.Conclusion = evs[at].Comment
	case RecordRejection:
		at = lastEvent(evs, model.EventReject)
		if at < 0 {
			return Record{}, recordNotApplicable("该隐患的整改从未被核实不通过，没有核实不通过通知书")
		}
		for _, ev := range evs[:at+1] {
			if ev.Event == model.EventReject {
				r.Rejections++
			}
		}
		p := payloadOf(evs[at])
		r.Reasons, r.Conclusion = p["reason"], evs[at].Comment
		if d := p["deadline"]; d != "" {
			r.NewDeadline = chineseDay(d)
		} else {
			r.KeptDeadline = chineseDay(deadlineBefore(evs, at))
		}
	case RecordTransfer:
		at = lastEvent(evs, model.EventTransfer)
		if at < 0 {
			return Record{}, recordNotApplicable("该隐患没有移交记录，没有移交单")
		}
		if err := e.transferFacts(ctx, h, evs, at, &r); err != nil {
			return Record{}, err
		}
	}
	ev := evs[at]
	r.Actor, r.ActedAt = ev.ActorName, ev.CreatedAt.In(model.Shanghai).Format("2006年1月2日 15:04")
	r.Issued = ChineseDate(model.DateIn(ev.CreatedAt, model.Shanghai))
	if r.Issuer, err = e.actingOffice(ctx, ev, h); err != nil {
		return Record{}, err
	}
	if err := e.hazardFacts(ctx, h, &r); err != nil {
		return Record{}, err
	}
	if r.Evidence, err = e.recordEvidence(ctx, h.ID, ev.CreatedAt); err != nil {
		return Record{}, err
	}
	if a.SeesWholeLog() {
		r.EventSeq, r.EventHash, r.ChainHead = ev.Seq, ev.Hash, h.ChainHead
	}
	return r, nil
}

// RecordLink is a record the hazard page offers to print.
type RecordLink struct{ Kind, Title string }

// RecordsFor lists the kinds of record that apply to hazard h with log evs:
// what the hazard page offers to print.
func RecordsFor(h *model.Hazard, evs []model.HazardEvent) []string {
	var out []string
	if h.State == model.StateWrittenOff && lastEvent(evs, model.EventApprove) >= 0 {
		out = append(out, RecordWriteoff)
	}
	if lastEvent(evs, model.EventReject) >= 0 {
		out = append(out, RecordRejection)
	}
	if lastEvent(evs, model.EventTransfer) >= 0 {
		out = append(out, RecordTransfer)
	}
	return out
}

func recordNotApplicable(msg string) *Error {
	return &Error{Kind: KindNotAllowed, Code: "record_not_applicable", Message: msg}
}

func lastEvent(evs []model.HazardEvent, ev model.Event) int {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Event == ev {
			return i
		}
	}
	return -1
}

// payloadOf returns the text fields of ev's payload.
func payloadOf(ev model.HazardEvent) map[string]string {
	var raw map[string]any
	_ = json.Unmarshal([]byte(ev.Payload), &raw)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			out[k] = v
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			out[k] = strconv.FormatBool(v)
		}
	}
	return out
}

// deadlineBefore is the deadline that stood when event at happened: the last
// one an earlier event set.
func deadlineBefore(evs []model.HazardEvent, at int) string {
	for i := at - 1; i >= 0; i-- {
		if d := payloadOf(evs[i])["deadline"]; d != "" {
			return d
		}
	}
	return ""
}

// chineseDay formats a day given as 2026-12-01; "" stays "".
func chineseDay(s string) string {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return ChineseDate(model.Date{Time: d})
}

// actingOffice is the office of the user who fired ev: their region's
// department, or the competent office of the hazard when the user is gone or
// the system acted.
func (e *Hazards) actingOffice(ctx context.Context, ev model.HazardEvent, h *model.Hazard) (string, error) {
	code, dept := h.RegionCode, h.Department
	if len(code) > 6 {
		code = code[:6] // a township's hazard is the county's to verify
	}
	if ev.ActorID != nil {
		if u, err := e.store.GetUser(ctx, *ev.ActorID); err == nil && u.Region() != "" &&
			(u.Role == model.RoleSupervisor || u.Role == model.RoleOfficer) {
			code, dept = u.Region(), u.Department
		}
	}
	r, err := e.store.GetRegion(ctx, code)
	if err != nil {
		return "", notFoundOr("区划", err)
	}
	return issuerOffice(r, dept), nil
}

func (e *Hazards) hazardFacts(ctx context.Context, h *model.Hazard, r *Record) error {
	var err error
	if r.Place, err = e.hazardPlace(ctx, h); err != nil {
		return err
	}
	r.Code, r.Hazard, r.Level, r.State = h.Code, h.Title, h.Level.Label(), h.State.Label()
	r.Discovered = ChineseDate(model.DateIn(h.DiscoveredAt, model.Shanghai))
	r.Enterprise = h.ResponsibleUnit
	if h.EnterpriseID != nil {
		if ent, err := e.store.GetEnterprise(ctx, *h.EnterpriseID); err == nil {
			r.Enterprise = ent.Name
		}
	}
	if h.Department != "" {
		if r.Department, err = e.office(ctx, h.RegionCode, h.Department); err != nil {
			return err
		}
	}
	if h.BasisStandard != "" || h.BasisClause != "" {
		r.Basis = h.BasisStandard + " " + h.BasisClause
	}
	r.Measures = h.Measures
	r.Responsible = h.ResponsibleUnit
	if h.ResponsiblePerson != "" {
		if r.Responsible != "" {
			r.Responsible += "，"
		}
		r.Responsible += "责任人" + h.ResponsiblePerson
	}
	if h.Funds != nil {
		r.Funds = strconv.FormatFloat(*h.Funds, 'f', -1, 64) + "万元"
		if h.FundsSource != "" {
			r.Funds += "（" + h.FundsSource + "）"
		}
	}
	if h.Deadline != nil {
		r.Deadline = ChineseDate(*h.Deadline)
	}
	r.EmergencyPlan = h.EmergencyPlan
	return nil
}

// recordEvidence lists the files of hazard id that stood at until: uploaded
// before it and not withdrawn by then. A file from the public channel is not
// named: its name may say who took it.
func (e *Hazards) recordEvidence(ctx context.Context, id int64, until time.Time) ([]RecordEvidence, error) {
	fs, err := e.store.ListEvidence(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []RecordEvidence
	for _, f := range fs {
		if f.CreatedAt.After(until) || f.WithdrawnAt != nil && !f.WithdrawnAt.After(until) {
			continue
		}
		re := RecordEvidence{No: len(out) + 1, Kind: EvidenceKindLabel(f.Kind), Name: f.Filename, SHA256: f.SHA256,
			Uploaded: f.CreatedAt.In(model.Shanghai).Format("2006-01-02 15:04")}
		if f.FromPublic {
			re.Name = "群众举报所附材料"
		}
		if f.CapturedAt != nil {
			re.Captured = f.CapturedAt.In(model.Shanghai).Format("2006-01-02 15:04")
		}
		out = append(out, re)
	}
	return out, nil
}

// EvidenceKindLabel is the Chinese name of a kind of evidence.
func EvidenceKindLabel(kind string) string {
	switch kind {
	case model.EvidencePhotoBefore:
		return "整改前照片"
	case model.EvidencePhotoAfter:
		return "整改后照片"
	case model.EvidenceDocument:
		return "文件"
	case model.EvidenceAssessment:
		return "评估报告"
	}
	return kind
}

// transferFacts fills the transfer slip from transfer event at and its answer.
func (e *Hazards) transferFacts(ctx context.Context, h *model.Hazard, evs []model.HazardEvent, at int, r *Record) error {
	p := payloadOf(evs[at])
	r.Reasons = p["reason"]
	r.AnswerDue = chineseDay(p["due_on"])
	fromDept, fromRegion := h.Department, h.RegionCode
	r.Answer = "待接收"
answer:
	for _, ev := range evs[at+1:] {
		q := payloadOf(ev)
		switch ev.Event {
		case model.EventAcceptTransfer:
			r.Answer = "已接收"
			fromDept, fromRegion = model.Department(q["from_department"]), q["from_region_code"]
		case model.EventDeclineTransfer:
			r.Answer = "已退回：" + q["reason"]
		case model.EventTransferOverdue:
			r.Answer = "逾期未接收"
			continue
		default:
			if q["transfer_cancelled"] != "true" {
				continue
			}
			r.Answer = "未获答复，隐患已办结（" + ev.Event.Label() + "）"
		}
		r.AnsweredBy, r.AnsweredAt = ev.ActorName, ev.CreatedAt.In(model.Shanghai).Format("2006年1月2日 15:04")
		break answer
	}
	var err error
	if r.FromOffice, err = e.office(ctx, fromRegion, fromDept); err != nil {
		return err
	}
	r.ToOffice, err = e.office(ctx, p["to_region_code"], model.Department(p["to_department"]))
	return err
}
