package workflow

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"hazardloop/model"
)

// The shared major-hazard register's feed (重大事故隐患数据库): every change to a
// major hazard — its creation, listing, each event, a transfer, the write-off,
// a downgrade — in the order the changes committed, so that another
// department's system follows the register without missing or repeating a
// change, whichever replica answers (model.Store.AppendFeed says why).

// Feed page sizes.
const (
	DefaultFeedLimit = 100
	MaxFeedLimit     = 1000
)

// FeedRows is the feed's row (model.Store.AppendFeed) of ev, an event that
// took a hazard from before (nil for its creation) to after, when the hazard
// is major before or after it: a create of a major hazard, a confirm to major,
// every later event, a downgrade too; none (nil) for a general hazard, and
// none for the reporter trail (view_contact, answer_reporter, reward: whom a
// reporter is and what they were told is not the register's to share). ev
// carries its ID (written, or reserved by a bulk write). It reads no database:
// the ledger's import calls it on several goroutines.
func FeedRows(before, after *model.Hazard, ev *model.HazardEvent) []model.FeedRow {
	if after.Level != model.LevelMajor && (before == nil || before.Level != model.LevelMajor) || reporterTrail[ev.Event] {
		return nil
	}
	r := model.FeedRow{EventID: ev.ID, HazardID: after.ID, RegionCode: after.RegionCode,
		Department: after.Department, CreatedAt: ev.CreatedAt}
	if before != nil && before.RegionCode != after.RegionCode {
		r.PrevRegionCode = before.RegionCode
	}
	return []model.FeedRow{r}
}

// FeedPage is a page of the feed: the changes after the cursor given, oldest
// first, and the cursor to read on from — the last item's, or the one given
// when there is nothing new (a follower keeps polling with it).
type FeedPage struct {
	Items      []FeedItem `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

// FeedItem is one change: the event and the hazard as it is now. No reporter
// and no actor's name: a public reporter stays unknown to other departments.
type FeedItem struct {
	Seq    int64      `json:"seq"`
	Cursor string     `json:"cursor"`
	Event  FeedEvent  `json:"event"`
	Hazard FeedHazard `json:"hazard"`
}

// FeedEvent is the event of a feed item, as the hazard's log has it.
type FeedEvent struct {
	ID        int64          `json:"id"`
	Seq       int64          `json:"seq"` // in the hazard's log
	Event     model.Event    `json:"event"`
	From      model.State    `json:"from"`
	To        model.State    `json:"to"`
	ActorRole model.Role     `json:"actor_role"`
	Comment   string         `json:"comment"`
	Payload   model.JSONText `json:"payload"`
	CreatedAt time.Time      `json:"created_at"`
}

// FeedHazard is the hazard of a feed item as it is now.
type FeedHazard struct {
	ID                int64            `json:"id"`
	Code              string           `json:"code"`
	Title             string           `json:"title"`
	Level             model.Level      `json:"level"`
	State             model.State      `json:"state"`
	Department        model.Department `json:"department"`
	RegionCode        string           `json:"region_code"`
	Industry          string           `json:"industry"`
	EnterpriseID      *int64           `json:"enterprise_id"`
	ListedSupervision bool             `json:"listed_supervision"`
	Deadline          *model.Date      `json:"deadline"`
	UpdatedAt         time.Time        `json:"updated_at"`
}

// MajorFeed returns the feed's changes after cursor ("" for the start; else
// the decimal seq of a change read before) that a may read, at most limit (0:
// DefaultFeedLimit). Supervisors of every department read every major hazard
// of their territory — the register is shared between departments — the
// emergency bureau's also those not yet listed, another department's those
// listed (as Actor.Scope); a change stays in the territory it was made in, and
// a hazard moved to another region shows its move in both. Admins read all.
//
// Refusals: KindForbidden for officers, enterprise users and anyone else;
// KindInvalid naming cursor (not a decimal seq) or limit (outside 1 to
// MaxFeedLimit).
func (e *Hazards) MajorFeed(ctx context.Context, a Actor, cursor string, limit int) (FeedPage, error) {
	if a.Role != model.RoleSupervisor && a.Role != model.RoleAdmin {
		return FeedPage{}, errForbidden("重大事故隐患数据库仅供监管部门和系统管理员读取")
	}
	errs := fieldErrors{}
	after, ok := parseFeedCursor(cursor)
	if !ok {
		errs.add("cursor", "游标无效：应为上一页返回的 next_cursor，从头读取时留空")
	}
	if limit == 0 {
		limit = DefaultFeedLimit
	}
	if limit < 1 || limit > MaxFeedLimit {
		errs.add("limit", fmt.Sprintf("每页条数应为1到%d", MaxFeedLimit))
	}
	if err := errs.err(); err != nil {
		return FeedPage{}, err
	}
	rows, err := e.store.MajorFeed(ctx, a.Scope(), after, limit)
	if err != nil {
		return FeedPage{}, err
	}
	p := FeedPage{Items: make([]FeedItem, 0, len(rows)), NextCursor: cursor}
	for _, r := range rows {
		ev, h := &r.Event, &r.Hazard
		c := strconv.FormatInt(r.Seq, 10)
		p.Items = append(p.Items, FeedItem{Seq: r.Seq, Cursor: c,
			Event: FeedEvent{ID: ev.ID, Seq: ev.Seq, Event: ev.Event, From: ev.FromState, To: ev.ToState,
				ActorRole: ev.Role, Comment: ev.Comment, Payload: ev.Payload, CreatedAt: ev.CreatedAt},
			Hazard: FeedHazard{ID: h.ID, Code: h.Code, Title: h.Title, Level: h.Level, State: h.State,
				Department: h.Department, RegionCode: h.RegionCode, Industry: h.Industry, EnterpriseID: h.EnterpriseID,
				ListedSupervision: h.ListedSupervision, Deadline: h.Deadline, UpdatedAt: h.UpdatedAt}})
		p.NextCursor = c
	}
	return p, nil
}

// parseFeedCursor reads a cursor: "" is 0 (the start), else decimal digits
// only (no sign, no spaces), at most 18 of them.
func parseFeedCursor(s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	if len(s) > 18 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
