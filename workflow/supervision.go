package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hazardloop/model"
)

func (e *core) ladder() ladder { return ladder{policy: e.opts.Ladder, cal: e.calendar.Load()} }

// Ladder returns the policy in force.
func (e *Supervision) Ladder() LadderPolicy { return e.opts.Ladder }

// settle recomputes the ladder's dates for the hazard's new state: its due day and
// the day its next step falls due. A closed hazard leaves the ladder.
func (l ladder) settle(h *model.Hazard) {
	h.DueOn = l.dueOn(h)
	if h.State == model.StateWrittenOff || h.State == model.StateDismissed {
		h.ReplyDue = nil
	}
	h.NextStepOn = l.nextStepOn(h)
}

// EarnedStep is a supervision step a hazard earned while no sweep ran: the step,
// the day it fell due, the hazard's due day and how many days (as the ladder
// counts them) it was overdue on that day, and the addressee's reply deadline.
type EarnedStep struct {
	Step        int
	On          model.Date
	DueOn       *model.Date
	OverdueDays int
	ReplyDue    model.Date
}

// EarnedSteps settles h's ladder dates for its state, then takes in h every step
// due by today, as daily sweeps would have taken them had no one replied: h's
// EscalationLevel, ReplyDue and NextStepOn move on, and the steps come back in
// order. It writes nothing and issues no document: it is for writers of hazards
// in bulk (demonstration data), which number and store the steps themselves,
// so that no hazard they write has a step already due.
func (e *Supervision) EarnedSteps(h *model.Hazard, today model.Date) []EarnedStep {
	lad := e.ladder()
	lad.settle(h)
	var out []EarnedStep
	for h.NextStepOn != nil && !h.NextStepOn.After(today.Time) {
		on := *h.NextStepOn
		s := EarnedStep{Step: h.EscalationLevel + 1, On: on, DueOn: h.DueOn, OverdueDays: lad.overdueDays(h.DueOn, on)}
		s.ReplyDue = lad.replyDue(s.Step, on)
		reply := s.ReplyDue
		h.EscalationLevel, h.ReplyDue = s.Step, &reply
		lad.settle(h)
		out = append(out, s)
	}
	return out
}

// escalate takes the next ladder step and issues its numbered document. The
// document number comes from a per-region, per-year counter in the same
// transaction, so numbers have no gaps and no duplicates.
func escalate(c *change) {
	c.reason()
	step := c.h.EscalationLevel + 1
	c.next.EscalationLevel = step
	c.payload["step"] = step
	if len(c.errs) > 0 || step > StepExposure {
		return
	}
	// The sweep's documents come from the county's bureau, also for a hazard
	// of a township or village.
	_, _, issuer, _ := model.RegionLevels(c.h.RegionCode)
	if issuer == "" {
		issuer = c.h.RegionCode
	}
	if c.actor.Role == model.RoleSupervisor {
		issuer = c.actor.Region
	}
	region, err := c.tx.GetRegion(c.ctx, issuer)
	if err != nil {
		c.err = err
		return
	}
	year := c.today.Year()
	seq, err := c.tx.NextNumber(c.ctx, "document:"+issuer, fmt.Sprint(year))
	if err != nil {
		c.err = err
		return
	}
	// The party as it is (party.go): the enterprise, the township's
	// government, the village's committee, the department's bureau, the owner.
	addressee, err := PartyAddressee(c.ctx, c.tx, c.h)
	if err != nil {
		c.err = err
		return
	}
	reply := c.lad.replyDue(step, c.today)
	c.next.ReplyDue = &reply
	esc := &model.Escalation{
		HazardID: c.h.ID, Step: step, DocYear: year, DocSeq: seq,
		DocNumber:    fmt.Sprintf("〔%d〕第%d号", year, seq),
		IssuerRegion: issuer, IssuerName: IssuerName(region),
		Addressee: addressee, OverdueDays: c.lad.overdueDays(c.h.DueOn, c.today),
		DueOn: c.h.DueOn, ReplyDue: reply, Reason: c.payload["reason"].(string),
		CreatedBy: actorID(c.actor), CreatedAt: c.now,
	}
	c.payload["doc_number"] = esc.DocNumber
	c.then = append(c.then, func() error {
		c.metrics.Escalation(step)
		if err := c.tx.CreateEscalation(c.ctx, esc); err != nil {
			if errors.Is(err, model.ErrDuplicate) {
				return errStale("该督办措施已由他人采取，请刷新后查看", err)
			}
			return err
		}
		return nil
	})
}

// IssuerName is the authority of a region: 江西省应急管理厅, 东湖区应急管理局.
func IssuerName(r *model.Region) string {
	switch r.Level {
	case model.RegionProvince:
		return r.Name + "应急管理厅"
	case model.RegionTownship, model.RegionVillage:
		return r.Name + "应急管理办公室"
	}
	return r.Name + "应急管理局"
}

// Escalations lists the ladder steps of hazard id.
func (e *Supervision) Escalations(ctx context.Context, a Actor, id int64) ([]model.Escalation, error) {
	if _, err := e.visible(ctx, a, id); err != nil {
		return nil, err
	}
	return e.store.ListEscalations(ctx, id)
}

// EscalationDocument returns step id's document, for whoever may see its hazard.
func (e *Supervision) Document(ctx context.Context, a Actor, id int64) (Document, error) {
	esc, err := e.store.GetEscalation(ctx, id)
	if err != nil {
		return Document{}, notFoundOr("督办记录", err)
	}
	h, err := e.visible(ctx, a, esc.HazardID)
	if err != nil {
		return Document{}, err
	}
	region, err := e.store.GetRegion(ctx, h.RegionCode)
	if err != nil {
		return Document{}, err
	}
	place, err := e.hazardPlace(ctx, h)
	if err != nil {
		return Document{}, err
	}
	return newDocument(esc, h, region, place), nil
}

// PaperAnswer is staff's record of an addressee's answer on paper (纸质签收、
// 书面回复): Paper says so, Note how it came (received when, from whom).
type PaperAnswer struct {
	Paper bool   `json:"paper"`
	Note  string `json:"note"`
}

// Acknowledge records that the addressee received step id (签收). The letter
// is addressed to the party that rectifies: the enterprise concerned signs
// for itself, and only it; staff of the territory record a receipt the
// addressee gave on paper, marked as such with a note (PaperAnswer) — the
// one way for an addressee without an account (a township, an owner).
func (e *Supervision) Acknowledge(ctx context.Context, a Actor, id int64, p PaperAnswer) (*model.Escalation, error) {
	return e.answer(ctx, a, id, model.EventAcknowledge, "", p)
}

// Reply records the addressee's written reply to step id; the step no longer
// counts as unanswered. Staff record a paper reply as Acknowledge does.
func (e *Supervision) Reply(ctx context.Context, a Actor, id int64, text string, p PaperAnswer) (*model.Escalation, error) {
	return e.answer(ctx, a, id, model.EventReply, text, p)
}

// SignsFor reports how a may answer the supervision steps of h: itself, as
// their addressee (the enterprise concerned), or only by recording the
// addressee's answer on paper (staff who may act on h).
func SignsFor(a Actor, h *model.Hazard) (self, paper bool) {
	if !a.Sees(h) || a.ReadOnly(h) {
		return false, false
	}
	switch a.Role {
	case model.RoleEnterprise:
		return true, false
	case model.RoleSupervisor, model.RoleOfficer:
		return false, true
	}
	return false, false
}

var answerNames = map[model.Event]string{model.EventAcknowledge: "签收", model.EventReply: "回复"}

func (e *core) answer(ctx context.Context, a Actor, id int64, event model.Event, text string, p PaperAnswer) (*model.Escalation, error) {
	switch a.Role {
	case model.RoleEnterprise, model.RoleSupervisor, model.RoleOfficer:
	default:
		return nil, errForbidden(a.Role.Label() + "不能签收或回复督办文书")
	}
	errs := fieldErrors{}
	p.Note = textField(errs, "note", p.Note, 500)
	if a.Role == model.RoleEnterprise && p.Paper {
		errs.add("paper", "纸质回执由监管人员代录，本单位请直接"+answerNames[event])
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	var out *model.Escalation
	err := e.txChain(ctx, func(tx *model.Store) error {
		esc, err := tx.GetEscalation(ctx, id)
		if err != nil {
			return notFoundOr("督办记录", err)
		}
		h, err := tx.LockHazard(ctx, esc.HazardID)
		if err != nil {
			return err
		}
		if !a.Sees(h) {
			return errForbidden("该隐患不在您的管辖范围内")
		}
		if a.ReadOnly(h) {
			return a.readOnlyRefusal(h)
		}
		if a.Role != model.RoleEnterprise {
			// Staff are not the addressee: they record its answer on paper.
			if !p.Paper {
				return errForbidden(fmt.Sprintf("该督办文书主送%s，由其%s；收到其纸质回执或书面回复的，请标明代录纸质回执并填写说明",
					esc.Addressee, answerNames[event]))
			}
			if p.Note == "" {
				return errInvalid(map[string]string{"note": "请说明纸质回执的情况（收到时间、方式、经办人）"})
			}
		}
		now := e.Now()
		payload := map[string]any{"step": esc.Step, "doc_number": esc.DocNumber}
		if p.Paper {
			payload["paper"], payload["paper_note"] = true, p.Note
		}
		next := *h
		switch event {
		case model.EventAcknowledge:
			if esc.AcknowledgedAt != nil {
				return &Error{Kind: KindConflict, Code: "already_done", Message: "该督办文书已签收"}
			}
			esc.AcknowledgedBy, esc.AcknowledgedAt = actorID(a), &now
		case model.EventReply:
			text = strings.TrimSpace(text)
			errs := fieldErrors{}
			if text == "" {
				errs.add("text", "请填写回复内容")
			} else if len([]rune(text)) > 5000 {
				errs.add("text", "回复内容不能超过5000字")
			}
			if err := errs.err(); err != nil {
				return err
			}
			if esc.RepliedAt != nil {
				return &Error{Kind: KindConflict, Code: "already_done", Message: "该督办文书已回复"}
			}
			esc.ReplyText, esc.RepliedBy, esc.RepliedAt = text, actorID(a), &now
			if esc.AcknowledgedAt == nil {
				esc.AcknowledgedBy, esc.AcknowledgedAt = actorID(a), &now
			}
			if esc.Step == h.EscalationLevel {
				next.ReplyDue = nil // the ladder no longer waits on this step's reply
			}
			payload["text"] = text
		}
		if err := e.commit(ctx, tx, a, h, &next, event, "", payload, now); err != nil {
			return err
		}
		out = esc
		return tx.UpdateEscalationReply(ctx, esc)
	})
	return out, err
}

// Unreplied lists the unanswered steps of open hazards in a's territory, the
// longest-waiting first (supervisors' follow-up list).
func (e *Supervision) Unreplied(ctx context.Context, a Actor) ([]model.Escalation, error) {
	if a.Role != model.RoleSupervisor && a.Role != model.RoleAdmin {
		return nil, errForbidden("仅监管人员可以查看未回复的督办")
	}
	return e.store.ListUnreplied(ctx, a.Scope(), 500)
}

// LoadCalendars combines the shipped holiday calendars with those an admin stored.
// The sweeper calls it on every run, so replicas pick up a change within one
// interval.
func (e *Supervision) LoadCalendars(ctx context.Context) error {
	files, err := ShippedCalendars()
	if err != nil {
		return err
	}
	rows, err := e.store.ListCalendars(ctx)
	if err != nil {
		return err
	}
	for _, r := range rows {
		f, err := ParseCalendar([]byte(r.Body))
		if err != nil {
			return fmt.Errorf("workflow: stored calendar %d: %w", r.Year, err)
		}
		files = append(files, f)
	}
	e.calendar.Store(NewCalendar(files...))
	return nil
}

// PutCalendar stores a year's holiday calendar (admin only), replacing the
// shipped one for that year.
func (e *Supervision) PutCalendar(ctx context.Context, a Actor, year int, body []byte) (CalendarFile, error) {
	if err := adminOnly(a); err != nil {
		return CalendarFile{}, err
	}
	f, err := ParseCalendar(body)
	if err != nil {
		return CalendarFile{}, err
	}
	if f.Year != year {
		return CalendarFile{}, errInvalid(map[string]string{"year": fmt.Sprintf("文件中的年份 %d 与地址中的年份 %d 不一致", f.Year, year)})
	}
	row := &model.CalendarRow{Year: year, Body: string(body), UpdatedBy: actorID(a), UpdatedAt: e.Now()}
	err = e.store.Tx(ctx, func(tx *model.Store) error {
		// Before is the year as stored, or else the shipped year in force.
		var before any
		if old, err := tx.GetCalendar(ctx, year); err == nil {
			before = json.RawMessage(old.Body)
		} else if !errors.Is(err, model.ErrNotFound) {
			return err
		} else if f, ok := e.calendar.Load().Years()[year]; ok {
			before = f
		}
		if err := tx.PutCalendar(ctx, row); err != nil {
			return err
		}
		return e.audit(ctx, tx, a, auditChange{Kind: AuditCalendarPut, Entity: "calendar", ID: strconv.Itoa(year),
			Label: fmt.Sprintf("%d年", year), Before: before, After: json.RawMessage(body)})
	})
	if err != nil {
		return CalendarFile{}, err
	}
	return f, e.LoadCalendars(ctx)
}

// Calendars lists the holiday calendars in force, by year.
func (e *Supervision) Calendars(_ context.Context) []CalendarFile {
	years := e.calendar.Load().Years()
	out := make([]CalendarFile, 0, len(years))
	for y := 2000; y <= 2100; y++ {
		if f, ok := years[y]; ok {
			out = append(out, f)
		}
	}
	return out
}

// SweepResult says what one sweep did.
type SweepResult struct {
	Steps         int           `json:"steps"`          // escalate events written
	Reminders     int           `json:"reminders"`      // remind events written (期限临近提醒)
	Transfers     int           `json:"transfers"`      // transfer_overdue events written (移交逾期未接收)
	Verifications int           `json:"verifications"`  // verify_overdue events written (核实超时)
	ResumeReviews int           `json:"resume_reviews"` // resume_review_due events written (复产审查超期)
	Patrols       int           `json:"patrols"`        // patrol_due events written (巡查逾期)
	LateFilings   int           `json:"late_filings"`   // periodic_late notices (统计分析表逾期未报)
	KeysPurged    int           `json:"keys_purged"`    // idempotency keys past their 24 hours, deleted
	Batches       int           `json:"batches"`        // write transactions
	Longest       time.Duration `json:"longest"`        // the longest write transaction
	Duration      time.Duration `json:"duration"`       // the whole sweep
}

// SweepBatch is how many due hazards one sweep transaction claims at most, and
// sweepTxBudget how long it may go on taking steps before it commits: the rest of
// the claim is released and claimed again by the next transaction. So no write
// transaction holds the database for long, however much is due.
const (
	SweepBatch    = 50
	sweepTxBudget = 20 * time.Millisecond
)

// SweepOnce takes every supervision step due at now, in short transactions, each
// step an escalate event by the system through the same engine as every other
// event; then it reminds the hazards whose due day is near (remind events). Safe
// to run on several replicas at once: a hazard is claimed by one sweeper at a
// time, a step exists once per hazard, and a reminder once per due day.
func (e *Supervision) SweepOnce(ctx context.Context, now time.Time) (SweepResult, error) {
	start := time.Now()
	var res SweepResult
	today := model.DateIn(now, model.Shanghai)
	lad := e.ladder()
	for {
		steps, more := 0, false
		t0 := time.Now()
		err := e.store.Tx(ctx, func(tx *model.Store) error {
			steps, more = 0, false
			ids, err := tx.ClaimDueHazards(ctx, today, SweepBatch)
			if err != nil {
				return err
			}
			more = len(ids) == SweepBatch
			for i, id := range ids {
				if time.Since(t0) > sweepTxBudget && i > 0 {
					more = true
					break
				}
				h, err := tx.GetHazard(ctx, id)
				if err != nil {
					return err
				}
				// A hazard several steps late gets them in order, one event each;
				// past the budget the rest wait for the next transaction.
				for h.NextStepOn != nil && !h.NextStepOn.After(today.Time) {
					if steps > 0 && time.Since(t0) > sweepTxBudget {
						more = true
						break
					}
					days := lad.overdueDays(h.DueOn, today)
					reason := fmt.Sprintf("逾期%d天未完成整改，依规升级为%s", days, StepLabel(h.EscalationLevel+1))
					if h.ReplyDue != nil && h.ReplyDue.Before(today.Time) && days < lad.policy.thresholds(h.Level)[h.EscalationLevel] {
						reason = fmt.Sprintf("%s逾期未回复，依规升级为%s", StepLabel(h.EscalationLevel), StepLabel(h.EscalationLevel+1))
					}
					h, err = e.applyIn(ctx, tx, SystemActor, h, EventInput{Event: model.EventEscalate, Version: h.Version,
						Fields: Fields{Reason: &reason}}, now)
					if err != nil {
						return fmt.Errorf("workflow: sweep hazard %d: %w", id, err)
					}
					steps++
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Batches++
		res.Steps += steps
		res.Longest = max(res.Longest, time.Since(t0))
		if !more || steps == 0 {
			break
		}
	}
	if err := e.remindDueSoon(ctx, lad, now, today, &res); err != nil {
		return res, err
	}
	if err := e.sweepTransfers(ctx, now, today, &res); err != nil {
		return res, err
	}
	if err := e.sweepVerifications(ctx, lad, now, today, &res); err != nil {
		return res, err
	}
	if err := e.sweepResumeReviews(ctx, now, today, &res); err != nil {
		return res, err
	}
	if err := e.sweepPatrols(ctx, now, today, &res); err != nil {
		return res, err
	}
	if err := e.sweepLateFilings(ctx, now, today, &res); err != nil {
		return res, err
	}
	if err := e.purgeIdempotencyKeys(ctx, now, &res); err != nil {
		return res, err
	}
	res.Duration = time.Since(start)
	e.opts.Metrics.Sweep(res.Duration, res.Steps, res.Reminders)
	return res, nil
}

// remindDueSoon records a remind event by the system for every open hazard due
// within the policy's RemindDays (today included) that has not been reminded of
// that due day, in short transactions as the ladder's steps are. The event
// queues a deadline_approaching notification and sets reminded_due in the same
// transaction, so a hazard is reminded once per due day however many sweepers
// run: rows are claimed (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one
// writer), checked again as read, and written at their version.
func (e *core) remindDueSoon(ctx context.Context, lad ladder, now time.Time, today model.Date, res *SweepResult) error {
	if lad.policy.RemindDays <= 0 {
		return nil
	}
	until := today.AddDays(lad.policy.RemindDays)
	n, err := e.sweepClaimed(ctx, res, model.EventRemind, now,
		func(tx *model.Store) ([]int64, error) { return tx.ClaimDueSoon(ctx, today, until, SweepBatch) },
		func(h *model.Hazard) bool { return lad.remindable(h, today) })
	res.Reminders += n
	return err
}

// sweepClaimed writes one system event ev, at now, on each hazard that claim
// hands over and that due still finds due as read in that transaction
// (sweepBatches). The check as read and the write at the hazard's version make
// each event happen once however many sweepers run. It returns how many
// events it wrote.
func (e *core) sweepClaimed(ctx context.Context, res *SweepResult, ev model.Event, now time.Time,
	claim func(tx *model.Store) ([]int64, error), due func(h *model.Hazard) bool) (int, error) {
	return e.sweepBatches(ctx, res, claim, func(tx *model.Store, id int64) (bool, error) {
		h, err := tx.GetHazard(ctx, id)
		if err != nil || !due(h) {
			return false, err
		}
		if _, err := e.applyIn(ctx, tx, SystemActor, h, EventInput{Event: ev, Version: h.Version}, now); err != nil {
			return false, fmt.Errorf("workflow: %s on hazard %d: %w", ev, id, err)
		}
		return true, nil
	})
}

// sweepBatches hands each row that claim hands over (at most SweepBatch a
// transaction, locked for it: FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has
// one writer) to do in that transaction, in short transactions: each stops
// taking rows after sweepTxBudget and leaves the rest to the next, and
// batches go on while a full one was claimed and something was done. It
// returns how many rows do did something for.
func (e *core) sweepBatches(ctx context.Context, res *SweepResult, claim func(tx *model.Store) ([]int64, error),
	do func(tx *model.Store, id int64) (bool, error)) (int, error) {
	total := 0
	for {
		n, more := 0, false
		t0 := time.Now()
		err := e.store.Tx(ctx, func(tx *model.Store) error {
			n, more = 0, false
			ids, err := claim(tx)
			if err != nil {
				return err
			}
			more = len(ids) == SweepBatch
			for i, id := range ids {
				if i > 0 && time.Since(t0) > sweepTxBudget {
					more = true
					break
				}
				done, err := do(tx, id)
				if err != nil {
					return err
				}
				if done {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		res.Batches++
		total += n
		res.Longest = max(res.Longest, time.Since(t0))
		if !more || n == 0 {
			return total, nil
		}
	}
}
