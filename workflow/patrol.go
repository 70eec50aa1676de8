package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"hazardloop/model"
)

// Patrols (常态化排查) and danger signs (险情叫应) of disaster hazards
// (docs/design.md, "Patrols and danger signs"). Every open disaster hazard
// has a patrol cycle: PatrolPolicy says how many days, by season and type.
// Staff record patrol {result, note} with photos and a position; the sweep
// records patrol_due once per cycle missed; a patrol with result danger
// notifies the township, the county and the competent department at once
// (danger_signs) and stands at the top of their queues until a supervisor
// records respond {measures}.

// MonthDay is a day of the year, for the flood season's ends.
type MonthDay struct {
	Month time.Month
	Day   int
}

func (m MonthDay) String() string { return fmt.Sprintf("%02d-%02d", int(m.Month), m.Day) }

// on is m in year y.
func (m MonthDay) on(y int) model.Date { return model.NewDate(y, m.Month, m.Day) }

// PatrolDays are the days of one patrol cycle in the flood season and
// outside it.
type PatrolDays struct {
	Flood, Other int
}

// PatrolPolicy is the patrol cycle: FloodDays in the flood season (SeasonFrom
// to SeasonTo, both included), Days outside it, and per disaster type ByType
// instead of those.
type PatrolPolicy struct {
	FloodDays  int
	Days       int
	SeasonFrom MonthDay
	SeasonTo   MonthDay
	ByType     map[model.DisasterType]PatrolDays
}

// DefaultPatrolPolicy: every 7 days in the flood season of 04-01..09-30 (汛期),
// every 30 days otherwise.
var DefaultPatrolPolicy = PatrolPolicy{FloodDays: 7, Days: 30,
	SeasonFrom: MonthDay{time.April, 1}, SeasonTo: MonthDay{time.September, 30}}

// ParseFloodSeason reads a season written MM-DD..MM-DD (04-01..09-30); the
// season may run over the new year (11-01..02-28).
func ParseFloodSeason(s string) (from, to MonthDay, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "..")
	if !ok {
		return from, to, fmt.Errorf("汛期应写作 MM-DD..MM-DD，如 04-01..09-30：%q", s)
	}
	if from, err = parseMonthDay(a); err == nil {
		to, err = parseMonthDay(b)
	}
	if err == nil && from == to {
		err = fmt.Errorf("汛期的起止日不能相同：%q", s)
	}
	return from, to, err
}

func parseMonthDay(s string) (MonthDay, error) {
	t, err := time.Parse("01-02", strings.TrimSpace(s))
	if err != nil || t.Month() == time.February && t.Day() == 29 {
		return MonthDay{}, fmt.Errorf("日期应写作 MM-DD（2月29日除外）：%q", s)
	}
	return MonthDay{t.Month(), t.Day()}, nil
}

// ParsePatrolDaysByType reads the per-type cycles: comma-separated
// type=days (the same cycle in and out of the flood season) or
// type=flood/other, e.g. "geological=15,forest_fire=10,flood=3/20".
func ParsePatrolDaysByType(s string) (map[model.DisasterType]PatrolDays, error) {
	out := map[model.DisasterType]PatrolDays{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		t := model.DisasterType(strings.TrimSpace(k))
		if !ok || !slices.Contains(model.DisasterTypes, t) {
			return nil, fmt.Errorf("巡查周期应写作 灾害类型=天数 或 灾害类型=汛期天数/非汛期天数，类型为 geological、flood、forest_fire 等：%q", part)
		}
		fl, ot, two := strings.Cut(v, "/")
		f, err1 := strconv.Atoi(strings.TrimSpace(fl))
		o, err2 := f, error(nil)
		if two {
			o, err2 = strconv.Atoi(strings.TrimSpace(ot))
		}
		if err1 != nil || err2 != nil || f < 1 || o < 1 || f > 366 || o > 366 {
			return nil, fmt.Errorf("巡查周期天数应为 1 至 366 之间的整数：%q", part)
		}
		out[t] = PatrolDays{Flood: f, Other: o}
	}
	return out, nil
}

// Validate refuses a policy that cannot run.
func (p PatrolPolicy) Validate() error {
	if p.FloodDays < 1 || p.Days < 1 || p.FloodDays > 366 || p.Days > 366 {
		return fmt.Errorf("巡查周期天数应为 1 至 366 之间的整数")
	}
	return nil
}

// days is the cycle of type t.
func (p PatrolPolicy) days(t model.DisasterType) PatrolDays {
	if d, ok := p.ByType[t]; ok {
		return d
	}
	return PatrolDays{Flood: p.FloodDays, Other: p.Days}
}

// InSeason reports whether d lies in the flood season.
func (p PatrolPolicy) InSeason(d model.Date) bool {
	md := func(m MonthDay) int { return int(m.Month)*100 + m.Day }
	x := int(d.Month())*100 + d.Day()
	if md(p.SeasonFrom) <= md(p.SeasonTo) {
		return md(p.SeasonFrom) <= x && x <= md(p.SeasonTo)
	}
	return x >= md(p.SeasonFrom) || x <= md(p.SeasonTo)
}

// NextDue is the last day of the patrol cycle of a hazard of type t that
// starts on from (the day of the last patrol, or of listing or
// registration): from plus the season's days. A cycle that starts outside
// the flood season and would run into it is cut short: its patrol is due
// no later than the season's first flood cycle ends, the season's first day
// plus its days less one (from 03-20 at 30 and 7 days: due 04-07, not
// 04-19), so that the first week of the season sees a patrol. A cycle that
// starts in the season is a flood cycle even where it runs past the
// season's end.
func (p PatrolPolicy) NextDue(t model.DisasterType, from model.Date) model.Date {
	d := p.days(t)
	if p.InSeason(from) {
		return from.AddDays(d.Flood)
	}
	due := from.AddDays(d.Other)
	start := p.SeasonFrom.on(from.Year())
	if !start.After(from.Time) {
		start = p.SeasonFrom.on(from.Year() + 1)
	}
	if cut := start.AddDays(d.Flood - 1); cut.Before(due.Time) {
		return cut
	}
	return due
}

// settle sets h's patrol day for its state at now: none on an accident or a
// closed hazard (a standing danger sign and a missed patrol go with it);
// while no patrol was made nor missed, the cycle from its listing (or
// registration); otherwise, when it had none (a hazard reopened), a cycle
// from today. A patrol and a missed patrol set the day themselves.
func (p PatrolPolicy) settle(h *model.Hazard, now time.Time) {
	if h.Category != model.CategoryDisaster || h.State == model.StateWrittenOff || h.State == model.StateDismissed {
		h.PatrolDueOn, h.PatrolMissedOn, h.DangerAt = nil, nil, nil
		return
	}
	switch {
	case h.LastPatrolAt == nil && h.PatrolMissedOn == nil:
		base := h.CreatedAt
		if h.ListedAt != nil {
			base = *h.ListedAt
		}
		d := p.NextDue(h.DisasterType, model.DateIn(base, model.Shanghai))
		h.PatrolDueOn = &d
	case h.PatrolDueOn == nil:
		d := p.NextDue(h.DisasterType, model.DateIn(now, model.Shanghai))
		h.PatrolDueOn = &d
	}
}

// SettlePatrol sets the patrol day of h, a hazard about to be written in
// bulk (demonstration data), as an event at now would.
func (e *core) SettlePatrol(h *model.Hazard, now time.Time) { e.opts.Patrol.settle(h, now) }

// PatrolPolicy is the patrol cycle in force, for the pages.
func (e *core) PatrolPolicy() PatrolPolicy { return e.opts.Patrol }

// PatrolResults are the results a patrol records, in the form's order.
var PatrolResults = []struct{ Code, Label string }{
	{"normal", "无异常"}, {"changed", "有变化（需关注）"}, {"danger", "发现险情（立即叫应）"},
}

// PatrolResultLabel is a result's Chinese name.
func PatrolResultLabel(code string) string {
	for _, r := range PatrolResults {
		if r.Code == code {
			return r.Label
		}
	}
	return code
}

// patrol records one patrol: its result and note, where it was made, the
// photos taken (attached just before by Patrol) and the next cycle's day.
func patrol(c *change) {
	result := ""
	if c.in.Result != nil {
		result = strings.TrimSpace(*c.in.Result)
	}
	switch result {
	case "normal", "changed", "danger":
	case "":
		c.errs.add("result", "请选择巡查结果")
	default:
		c.errs.add("result", "巡查结果只能是 normal（无异常）、changed（有变化）或 danger（发现险情）")
	}
	note := text(c.errs, "note", c.in.Note, 2000)
	if note == "" && (result == "changed" || result == "danger") {
		c.errs.add("note", "请说明巡查发现的变化或险情")
	}
	lat, lng := coordinates(c.errs, c.in.Latitude, c.in.Longitude)
	at, given := patrolledAt(c)
	if len(c.errs) > 0 {
		return
	}
	c.payload["result"] = result
	if given {
		c.payload["patrolled_at"] = at.UTC().Format(time.RFC3339Nano)
	}
	if note != "" {
		c.payload["note"] = note
	}
	if lat != nil {
		c.payload["latitude"], c.payload["longitude"] = *lat, *lng
	}
	if len(c.in.photos) > 0 {
		c.payload["photos"] = c.in.photos
	}
	// The cycle runs from the latest patrol made: a patrol sent late from
	// the queue that another one overtook moves nothing back.
	last := at
	if c.h.LastPatrolAt != nil && c.h.LastPatrolAt.After(last) {
		last = *c.h.LastPatrolAt
	}
	due := c.patrol.NextDue(c.h.DisasterType, model.DateIn(last, model.Shanghai))
	c.next.LastPatrolAt, c.next.PatrolDueOn, c.next.PatrolMissedOn = &last, &due, nil
	c.payload["next_due_on"] = due.String()
	if result == "danger" {
		if c.h.DangerAt == nil {
			c.next.DangerAt = &c.now
		}
		c.payload["danger"] = true
	}
}

// MaxPatrolDelay is how long before it reaches the service a patrol may say
// it was made (patrolled_at): a week kept on a phone without signal.
const MaxPatrolDelay = 7 * 24 * time.Hour

// patrolledAt reads when a patrol was made: now when not given, and when
// given within a minute of now or after it (a patrol posted online, the
// phone's clock a little off or running ahead: the service's time is the
// better one); else the time given, which may not lie before the hazard was
// registered nor more than MaxPatrolDelay ago. given says whether the patrol
// keeps a time of its own. The log's event keeps the service's time (the
// chain's); this one is the payload's.
func patrolledAt(c *change) (at time.Time, given bool) {
	if c.in.PatrolledAt == nil || strings.TrimSpace(*c.in.PatrolledAt) == "" {
		return c.now, false
	}
	t, ok := parseInstant(*c.in.PatrolledAt)
	switch {
	case !ok:
		c.errs.add("patrolled_at", "巡查时间格式应为 YYYY-MM-DDTHH:MM 或 RFC 3339")
	case t.After(c.now.Add(-time.Minute)):
		return c.now, false
	case t.Before(c.h.CreatedAt):
		c.errs.add("patrolled_at", "巡查时间不能早于隐患登记的时间，请核对手机的时间")
	case t.Before(c.now.Add(-MaxPatrolDelay)):
		c.errs.add("patrolled_at", "巡查时间已超过7天：保存在本机超过7天的巡查不再补录，请重新巡查后记录")
	default:
		return t.Truncate(time.Millisecond), true
	}
	return c.now, false
}

// patrolDue records a cycle whose patrol was missed (its day lies before
// today): the hazard is marked 巡查逾期 until the next patrol, and the next
// cycle runs from the missed day, carried past any cycle also missed while
// no sweep ran, so that the sweep records each hazard once per cycle.
func patrolDue(c *change) {
	due := c.h.PatrolDueOn
	if due == nil || !due.Before(c.today.Time) {
		c.errs.add("due_on", "该隐患本周期的巡查尚未逾期")
		return
	}
	missed := *due
	next := c.patrol.NextDue(c.h.DisasterType, missed)
	for next.Before(c.today.Time) {
		next = c.patrol.NextDue(c.h.DisasterType, next)
	}
	c.next.PatrolMissedOn, c.next.PatrolDueOn = &missed, &next
	c.payload["due_on"], c.payload["next_due_on"] = missed.String(), next.String()
	if c.h.LastPatrolAt != nil {
		c.payload["last_patrol_at"] = c.h.LastPatrolAt.UTC().Format(time.RFC3339)
	}
}

// respond records what was done about a standing danger sign (险情处置:
// 组织转移 N 人, 封闭道路, …); the sign leaves the queues' 险情叫应.
func respond(c *change) {
	m := text(c.errs, "measures", c.in.Measures, 2000)
	if m == "" {
		c.errs.add("measures", "请填写采取的处置措施（如：组织转移 12 人）")
		return
	}
	c.payload["measures"] = m
	c.payload["danger_at"] = c.h.DangerAt.UTC().Format(time.RFC3339)
	c.next.DangerAt = nil
}

// sweepPatrols records patrol_due by the system for every open disaster
// hazard whose patrol day lies before today (sweepClaimed: once per cycle
// however many sweepers run; the event moves the day on).
func (e *core) sweepPatrols(ctx context.Context, now time.Time, today model.Date, res *SweepResult) error {
	n, err := e.sweepClaimed(ctx, res, model.EventPatrolDue, now,
		func(tx *model.Store) ([]int64, error) { return tx.ClaimMissedPatrols(ctx, today, SweepBatch) },
		func(h *model.Hazard) bool { return h.PatrolDueOn != nil && h.PatrolDueOn.Before(today.Time) })
	res.Patrols += n
	if err != nil {
		return fmt.Errorf("workflow: patrols: %w", err)
	}
	return nil
}

// Patrol records a patrol of hazard id by a with its photos, in one
// transaction: the photos (kind photo_before, 现场照片, noted 巡查照片) are
// attached first and named in the patrol's payload; nothing is written if
// the patrol or a photo is refused. in.Event is patrol whatever it says.
// in.Version 0 ties the patrol to no version of the hazard: what a patrol
// saw stays true whatever the record did meanwhile (the offline queue sends
// it hours later); its state still decides whether it may be recorded.
func (e *Hazards) Patrol(ctx context.Context, a Actor, id int64, in EventInput, photos []EvidenceInput) (HazardView, error) {
	in.Event = model.EventPatrol
	ps := make([]*prepared, 0, len(photos))
	for _, p := range photos {
		p.Kind = model.EvidencePhotoBefore
		if strings.TrimSpace(p.Note) == "" {
			p.Note = "巡查照片"
		}
		pp, err := e.prepare(ctx, p, false)
		if err != nil {
			return HazardView{}, err
		}
		ps = append(ps, pp)
	}
	var out HazardView
	err := e.txChain(ctx, func(tx *model.Store) error {
		h, err := tx.LockHazard(ctx, id)
		if err != nil {
			return notFoundOr("隐患", err)
		}
		run := in
		if run.Version == 0 {
			run.Version = h.Version // not tied to a version (see above)
		}
		if len(ps) > 0 {
			// The photos go first, so that the patrol names them; their
			// upload events move the version the patrol is applied at. So
			// the patrol's refusals come first too.
			if err := e.mayFire(a, h, run); err != nil {
				return err
			}
			for _, p := range ps {
				ev, next, err := e.attach(ctx, tx, a, h, p, e.now())
				if err != nil {
					return err
				}
				h, run.photos = next, append(run.photos, ev.ID)
			}
			run.Version = h.Version
		}
		if h, err = e.applyIn(ctx, tx, a, h, run, e.now()); err != nil {
			return err
		}
		out = e.view(a, h)
		return nil
	})
	return out, err
}

// mayFire is applyIn's refusals of in on h before its fields: territory,
// version, state and who may.
func (e *core) mayFire(a Actor, h *model.Hazard, in EventInput) error {
	switch {
	case !a.Sees(h):
		return errForbidden("该隐患不在您的管辖范围内")
	case a.ReadOnly(h):
		return a.readOnlyRefusal(h)
	case in.Version != h.Version:
		e.opts.Metrics.Conflict()
		return errStale(fmt.Sprintf("该隐患已被他人更新（当前版本 %d，您提交的版本 %d），请刷新后重试", h.Version, in.Version), nil)
	}
	if _, ok := fire(h.State, in.Event); !ok {
		return &Error{Kind: KindNotAllowed, Code: "event_not_allowed",
			Message: fmt.Sprintf("隐患当前状态为“%s”，不能执行“%s”", h.State.Label(), in.Event.Label()), Allowed: allowedEvents(a, h)}
	}
	if reasons := unmet(a, h, in.Event, h.Level); len(reasons) > 0 {
		return &Error{Kind: KindForbidden, Code: "forbidden",
			Message: "不能执行“" + in.Event.Label() + "”：" + strings.Join(reasons, "；"), Allowed: allowedEvents(a, h)}
	}
	return nil
}

// dangerRecipients are whom a danger sign is addressed to: the township
// (when the hazard lies in one), the county and the competent department
// (the hazard's, else its type's) in that county.
func dangerRecipients(h *model.Hazard) []recipient {
	var out []recipient
	if h.RegionTownship != "" {
		out = append(out, recipient{Level: "township", RegionCode: h.RegionTownship})
	}
	out = append(out, recipient{Level: "county", RegionCode: h.RegionCounty})
	dept := h.Department
	if dept == "" {
		dept = DefaultDepartment(h)
	}
	out = append(out, recipient{Level: "department", RegionCode: h.RegionCounty, Department: string(dept)})
	return out
}

// recipient is whom a notification is addressed to, beside the region of
// the hazard every notification names.
type recipient struct {
	Level      string `json:"level"` // township, county or department
	RegionCode string `json:"region_code"`
	Department string `json:"department,omitempty"`
}

// patrolResult reads a patrol event's result from its payload.
func patrolResult(ev *model.HazardEvent) string {
	var p struct {
		Result string `json:"result"`
	}
	_ = json.Unmarshal([]byte(ev.Payload), &p)
	return p.Result
}

// patrolQueue fills the queue's danger signs (险情叫应) and missed patrols
// (巡查逾期) of a's territory: those a may act on, not another department's
// major hazards a reads on the shared register.
func (e *Hazards) patrolQueue(ctx context.Context, a Actor, q *WorkQueue) error {
	pick := func(hs []model.Hazard, n int64) ([]HazardView, int64) {
		var out []HazardView
		for i := range hs {
			if a.ReadOnly(&hs[i]) {
				n--
				continue
			}
			out = append(out, e.view(a, &hs[i]))
		}
		return out, n
	}
	hs, n, err := e.store.DangerHazards(ctx, a.Scope(), QueueLimit)
	if err != nil {
		return err
	}
	q.Dangers, q.DangerCount = pick(hs, n)
	hs, n, err = e.store.MissedPatrols(ctx, a.Scope(), QueueLimit)
	if err != nil {
		return err
	}
	q.Patrols, q.PatrolCount = pick(hs, n)
	return nil
}
