package workflow

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"hazardloop/model"
)

// The notices inbox (叫应): every notification the outbox carries is also
// fanned out, in the transaction that writes it, into one notice per user it
// is addressed to (model.SetInbox hands each message to fanOut). With no
// webhook configured the outbox writes nothing, and announce fans out alone
// (model.Store.ToInbox). A store made by WithoutInbox fans out nothing: the
// ledger's bulk import (Tx.Notify).
// Who is addressed is read from the message, so a kind added later reaches
// the inbox with nothing more than its label (noticeLabels):
//
//   - a message that names its users (user_ids in the payload): those users;
//   - a region document (region_supervision_id): the supervisors who sign
//     and reply for one of its targets (AnswersFor);
//   - a hazard's message (hazard_id): by its kind (noticeAudience; unknown
//     kinds go to the overseers) the officers and supervisors who see the
//     hazard (Sees: territory and department), the users of its enterprise,
//     the receiving side of its pending transfer; never the user who fired
//     the event;
//   - any other message: the officers and supervisors whose territory holds
//     its region_code (of its department when it names one), and the users of
//     its enterprise_id.
//
// Admins get no notices: they have the outbox.

// audience is whom a hazard's notice goes to.
type audience uint8

const (
	toOverseers  audience = 1 << iota // officers and supervisors who see the hazard
	toEnterprise                      // the users of its enterprise
	toReceivers                       // the receiving side of its pending transfer
)

// noticeAudience: whom each kind of hazard notification calls on. A kind not
// here goes to the overseers.
var noticeAudience = map[string]audience{
	"hazard_reported":        toOverseers,
	"plan_due":               toEnterprise,
	"proof_submitted":        toOverseers,
	"rectification_rejected": toEnterprise,
	"supervision_step":       toOverseers | toEnterprise,
	"reopened":               toOverseers | toEnterprise,
	"deadline_approaching":   toOverseers | toEnterprise,
	"transfer_requested":     toReceivers,
	"transfer_pending":       toReceivers,
	"transfer_accepted":      toOverseers,
	"transfer_declined":      toOverseers,
	"verify_overdue":         toOverseers,
	"production_suspended":   toOverseers | toEnterprise,
	"resume_requested":       toOverseers,
	"resume_reviewed":        toOverseers | toEnterprise,
	"resume_review_due":      toOverseers,
}

// noticeLabels say in Chinese what each kind of notice asks; NoticeLabel
// falls back to a plain 新通知 for a kind not here.
var noticeLabels = map[string]string{
	"hazard_reported":        "新报告隐患，请核查",
	"plan_due":               "隐患已确认，请制定整改方案",
	"proof_submitted":        "整改材料已提交，请核实",
	"rectification_rejected": "整改未通过，请重新整改",
	"supervision_step":       "督办升级，请签收督办文书",
	"reopened":               "隐患已重新打开",
	"deadline_approaching":   "整改期限临近",
	"transfer_requested":     "隐患移交，请接收或退回",
	"transfer_accepted":      "移交已被接收",
	"transfer_declined":      "移交被退回",
	"transfer_pending":       "移交逾期未接收",
	"verify_overdue":         "整改核实超时，请尽快核实",
	"production_suspended":   "已责令停产停业",
	"resume_requested":       "申请复产，请现场审查",
	"resume_reviewed":        "复产审查已有结论",
	"resume_review_due":      "复产审查超期",
	"region_supervision":     "地区督办文书，请签收并回复",
	"periodic_late":          "统计分析表逾期未报",
	"danger_signs":           "险情征兆，请立即处置",
	"patrol_due":             "巡查到期，请按时巡查",
}

// NoticeLabel is what a notice of kind asks, in Chinese.
func NoticeLabel(kind string) string {
	if l, ok := noticeLabels[kind]; ok {
		return l
	}
	return "新通知"
}

// noticeBody is what the inbox reads of any message's payload. Each field is
// read on its own and one of another shape is left empty: a kind added later
// may call its fields what it likes without failing its transaction.
type noticeBody struct {
	UserIDs      []int64
	RegionCode   string
	Department   model.Department
	EnterpriseID *int64
	HazardCode   string
	Title        string
	Number       string
	Period       string
	Targets      []notifiedTarget
}

func readNoticeBody(payload model.JSONText) noticeBody {
	var raw map[string]json.RawMessage
	var b noticeBody
	if json.Unmarshal([]byte(payload), &raw) != nil {
		return b
	}
	for k, v := range map[string]any{"user_ids": &b.UserIDs, "region_code": &b.RegionCode, "department": &b.Department,
		"enterprise_id": &b.EnterpriseID, "hazard_code": &b.HazardCode, "title": &b.Title, "number": &b.Number,
		"period": &b.Period, "targets": &b.Targets} {
		if r, ok := raw[k]; ok {
			_ = json.Unmarshal(r, v) // another shape: left empty
		}
	}
	return b
}

// announce writes m's outbox rows, one per webhook, and its notices, in tx.
func (e *core) announce(ctx context.Context, tx *model.Store, m model.OutboxMessage) error {
	if len(e.opts.Webhooks) == 0 {
		return tx.ToInbox(ctx, m)
	}
	ms := make([]model.OutboxMessage, 0, len(e.opts.Webhooks))
	for _, url := range e.opts.Webhooks {
		c := m
		c.Webhook = url
		ms = append(ms, c)
	}
	if m.EventID == 0 {
		return tx.AddNotices(ctx, ms) // and fanOut, through SetInbox
	}
	return tx.AddOutbox(ctx, ms)
}

// fanOut writes, in tx, one notice of m for each user it is addressed to (see the
// comment at the top of this file).
func fanOut(ctx context.Context, tx *model.Store, m model.OutboxMessage) error {
	b := readNoticeBody(m.Payload)
	users, err := addressees(ctx, tx, m, &b)
	if err != nil || len(users) == 0 {
		return err
	}
	ref := b.HazardCode
	for _, r := range []string{b.Number, b.Period} {
		if ref == "" {
			ref = r
		}
	}
	at := m.CreatedAt
	if at.IsZero() {
		at = time.Now()
	}
	ns := make([]model.Notice, 0, len(users))
	for _, id := range users {
		n := model.Notice{UserID: id, Kind: m.Kind, RegionSupervisionID: m.RegionSupervisionID, Title: b.Title, Ref: ref, CreatedAt: at.UTC()}
		if m.HazardID != 0 {
			n.HazardID = &m.HazardID
		}
		if m.EventID != 0 {
			n.EventID = &m.EventID
		}
		ns = append(ns, n)
	}
	return tx.AddInbox(ctx, ns)
}

// addressees are the ids of the users m is addressed to, each once.
func addressees(ctx context.Context, tx *model.Store, m model.OutboxMessage, b *noticeBody) ([]int64, error) {
	var ids []int64
	add := func(us []model.User, keep func(a Actor) bool) {
		for i := range us {
			if a := ActorOf(&us[i]); keep(a) && !slices.Contains(ids, a.ID) {
				ids = append(ids, a.ID)
			}
		}
	}
	switch {
	case b.UserIDs != nil:
		us, err := tx.UsersByID(ctx, b.UserIDs)
		if err != nil {
			return nil, err
		}
		active := map[int64]bool{}
		for _, u := range us {
			active[u.ID] = u.Active
		}
		add(us, func(a Actor) bool { return active[a.ID] })
	case m.RegionSupervisionID != nil:
		for _, t := range b.Targets {
			us, err := tx.NoticeUsers(ctx, model.Recipients{Regions: []string{t.RegionCode}, Roles: []model.Role{model.RoleSupervisor}})
			if err != nil {
				return nil, err
			}
			target := model.RegionTarget{RegionCode: t.RegionCode, Department: t.Department}
			add(us, func(a Actor) bool { return a.AnswersFor(target) })
		}
	case m.HazardID != 0:
		h, err := tx.GetHazard(ctx, m.HazardID)
		if err != nil {
			return nil, err
		}
		to, ok := noticeAudience[m.Kind]
		if !ok {
			to = toOverseers
		}
		if to&toOverseers != 0 {
			us, err := tx.NoticeUsers(ctx, model.Recipients{Regions: ancestors(h.RegionCode), Roles: overseers})
			if err != nil {
				return nil, err
			}
			add(us, func(a Actor) bool { return a.inScope(h) })
		}
		if to&toEnterprise != 0 && h.EnterpriseID != nil {
			us, err := tx.NoticeUsers(ctx, model.Recipients{Enterprise: *h.EnterpriseID})
			if err != nil {
				return nil, err
			}
			add(us, func(a Actor) bool { return a.inScope(h) })
		}
		if to&toReceivers != 0 && h.TransferDueOn != nil {
			us, err := tx.NoticeUsers(ctx, model.Recipients{Regions: ancestors(h.TransferToRegion), Roles: overseers})
			if err != nil {
				return nil, err
			}
			add(us, func(a Actor) bool { return a.receives(h) })
		}
		if m.EventID != 0 {
			by, err := tx.EventActor(ctx, m.EventID)
			if err != nil {
				return nil, err
			}
			ids = slices.DeleteFunc(ids, func(id int64) bool { return id == by })
		}
	default:
		r := model.Recipients{Roles: overseers}
		if b.RegionCode != "" {
			r.Regions = ancestors(b.RegionCode)
		}
		if b.EnterpriseID != nil {
			r.Enterprise = *b.EnterpriseID
		}
		us, err := tx.NoticeUsers(ctx, r)
		if err != nil {
			return nil, err
		}
		at := &model.Hazard{RegionCode: b.RegionCode, Department: b.Department, EnterpriseID: b.EnterpriseID}
		add(us, func(a Actor) bool { return a.Role == model.RoleEnterprise || a.inScope(at) })
	}
	return ids, nil
}

// overseers are the roles that oversee hazards in a territory.
var overseers = []model.Role{model.RoleOfficer, model.RoleSupervisor}

// ancestors are code and the regions above it: its province, city, county
// and township.
func ancestors(code string) []string {
	p, c, county, town := model.RegionLevels(code)
	out := []string{code}
	for _, r := range []string{county, town, c, p} {
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// NoticePage is one page of a user's inbox: Next is the cursor of the next
// page (0 on the last).
type NoticePage struct {
	Items  []model.Notice `json:"items"`
	Next   int64          `json:"next_cursor,omitempty"`
	Unread int64          `json:"unread"`
}

// inboxUser refuses the actors that have no inbox (the system, the public).
func inboxUser(a Actor) error {
	if a.ID == 0 {
		return errForbidden("没有通知")
	}
	return nil
}

// Inbox returns a page of a's notices, newest first, older than cursor (0:
// from the newest), at most limit (1–100, default 20); only the unread when
// unread. A user only ever sees the notices addressed to them.
func (e *Notifications) Inbox(ctx context.Context, a Actor, unread bool, cursor int64, limit int) (NoticePage, error) {
	if err := inboxUser(a); err != nil {
		return NoticePage{}, err
	}
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 100)
	ns, err := e.store.Inbox(ctx, a.ID, unread, cursor, limit+1)
	if err != nil {
		return NoticePage{}, err
	}
	p := NoticePage{Items: ns}
	if len(ns) > limit {
		p.Items, p.Next = ns[:limit], ns[limit-1].ID
	}
	if p.Items == nil {
		p.Items = []model.Notice{}
	}
	p.Unread, err = e.store.UnreadNotices(ctx, a.ID)
	return p, err
}

// Unread counts a's unread notices (0 for actors without an inbox).
func (e *Notifications) Unread(ctx context.Context, a Actor) (int64, error) {
	if a.ID == 0 {
		return 0, nil
	}
	return e.store.UnreadNotices(ctx, a.ID)
}

// MarkRead marks a's notice id read; KindNotFound when a has no notice id
// (another user's notice is not found, not forbidden: its id says nothing).
func (e *Notifications) MarkRead(ctx context.Context, a Actor, id int64) (*model.Notice, error) {
	if err := inboxUser(a); err != nil {
		return nil, err
	}
	n, err := e.store.MarkNoticeRead(ctx, a.ID, id, e.Now())
	return n, notFoundOr("通知", err)
}

// MarkAllRead marks every unread notice of a read and returns how many.
func (e *Notifications) MarkAllRead(ctx context.Context, a Actor) (int64, error) {
	if err := inboxUser(a); err != nil {
		return 0, err
	}
	return e.store.MarkAllNoticesRead(ctx, a.ID, e.Now())
}
