package model

import (
	"context"
	"time"
)

// Notice is one user's copy of a notification (叫应): what the outbox tells the
// receiving systems, addressed to this user. ReadAt is nil while unread.
type Notice struct {
	ID                  int64      `gorm:"primaryKey" json:"id"`
	UserID              int64      `json:"-"`
	Kind                string     `json:"kind"`
	HazardID            *int64     `json:"hazard_id,omitempty"`
	RegionSupervisionID *int64     `json:"region_supervision_id,omitempty"`
	EventID             *int64     `json:"event_id,omitempty"`
	Title               string     `json:"title"`
	Ref                 string     `json:"ref"`
	CreatedAt           time.Time  `json:"created_at"`
	ReadAt              *time.Time `json:"read_at"`
}

// InboxFunc fans one outbox message out into the inbox (see SetInbox).
type InboxFunc func(ctx context.Context, tx *Store, m OutboxMessage) error

// SetInbox makes every AddOutbox and AddNotices on this store (and its
// transactions) hand each distinct message written to f, in the same
// transaction: so any kind of notification, today's or one added later,
// reaches the inbox of whom it is addressed to. The workflow sets it (who is
// addressed is a domain rule) before the store is shared; the first f set
// stays (several services made over one store set the same function, and the
// store may by then be in use).
func (s *Store) SetInbox(f InboxFunc) {
	if s.inbox == nil {
		s.inbox = f
	}
}

// WithoutInbox returns the transaction's store with no inbox: its outbox
// rows are fanned out to no one (a bulk import's, see workflow Tx.Notify).
func (s *Store) WithoutInbox() *Store {
	c := *s
	c.inbox = nil
	return &c
}

// ToInbox hands m to the inbox alone, without an outbox row (no webhook is
// configured).
func (s *Store) ToInbox(ctx context.Context, m OutboxMessage) error {
	return s.toInbox(ctx, []OutboxMessage{m})
}

// toInbox hands each distinct message of ms (one per webhook, the same
// notification) to the inbox.
func (s *Store) toInbox(ctx context.Context, ms []OutboxMessage) error {
	if s.inbox == nil {
		return nil
	}
	type key struct {
		kind, payload string
		event         int64
	}
	seen := map[key]bool{}
	for _, m := range ms {
		k := key{m.Kind, string(m.Payload), m.EventID}
		if seen[k] {
			continue
		}
		seen[k] = true
		if err := s.inbox(ctx, s, m); err != nil {
			return err
		}
	}
	return nil
}

// AddInbox writes notices in the caller's transaction.
func (s *Store) AddInbox(ctx context.Context, ns []Notice) error {
	if len(ns) == 0 {
		return nil
	}
	return translate("model: add inbox", s.w(ctx).Create(&ns).Error)
}

// Recipients names whom a notification may reach: users of Roles whose region
// is one of Regions (a hazard's region and every region above it), and the
// users of Enterprise (0: none). Only active users.
type Recipients struct {
	Regions    []string
	Roles      []Role
	Enterprise int64
}

// NoticeUsers returns the active users r names, by id. Both halves use an
// index: users by region code, users by enterprise.
func (s *Store) NoticeUsers(ctx context.Context, r Recipients) ([]User, error) {
	var out []User
	if len(r.Regions) > 0 && len(r.Roles) > 0 {
		if err := s.w(ctx).Where("active AND region_code IN ? AND role IN ?", r.Regions, r.Roles).
			Order("id").Find(&out).Error; err != nil {
			return nil, translate("model: notice users", err)
		}
	}
	if r.Enterprise != 0 {
		var es []User
		if err := s.w(ctx).Where("active AND enterprise_id = ? AND role = ?", r.Enterprise, RoleEnterprise).
			Order("id").Find(&es).Error; err != nil {
			return nil, translate("model: notice users", err)
		}
		out = append(out, es...)
	}
	return out, nil
}

// Inbox returns at most limit of user's notices older than before (0: from
// the newest), newest first; only the unread when unread.
func (s *Store) Inbox(ctx context.Context, user int64, unread bool, before int64, limit int) ([]Notice, error) {
	q := s.r(ctx).Where("user_id = ?", user)
	if unread {
		q = q.Where("read_at IS NULL")
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var ns []Notice
	return ns, translate("model: inbox", q.Order("id DESC").Limit(limit).Find(&ns).Error)
}

// UnreadNotices counts user's unread notices (the partial index
// notices_unread: only unread rows are read).
func (s *Store) UnreadNotices(ctx context.Context, user int64) (int64, error) {
	var n int64
	err := s.r(ctx).Model(&Notice{}).Where("user_id = ? AND read_at IS NULL", user).Count(&n).Error
	return n, translate("model: unread notices", err)
}

// MarkNoticeRead marks user's notice id read at now (once: a notice read
// before keeps its first time). ErrNotFound when user has no notice id.
func (s *Store) MarkNoticeRead(ctx context.Context, user, id int64, now time.Time) (*Notice, error) {
	var n Notice
	if err := s.w(ctx).Where("id = ? AND user_id = ?", id, user).Take(&n).Error; err != nil {
		return nil, translate("model: notice", err)
	}
	if n.ReadAt != nil {
		return &n, nil
	}
	now = now.UTC()
	err := s.w(ctx).Model(&Notice{}).Where("id = ? AND user_id = ? AND read_at IS NULL", id, user).Update("read_at", now).Error
	n.ReadAt = &now
	return &n, translate("model: mark notice read", err)
}

// MarkAllNoticesRead marks every unread notice of user read at now and
// returns how many it marked.
func (s *Store) MarkAllNoticesRead(ctx context.Context, user int64, now time.Time) (int64, error) {
	res := s.w(ctx).Model(&Notice{}).Where("user_id = ? AND read_at IS NULL", user).Update("read_at", now.UTC())
	return res.RowsAffected, translate("model: mark notices read", res.Error)
}

// EventActor returns the user who fired event id (0 for the system or the
// public).
func (s *Store) EventActor(ctx context.Context, id int64) (int64, error) {
	var ev HazardEvent
	err := s.w(ctx).Select("id", "actor_id").Where("id = ?", id).Take(&ev).Error
	if err != nil || ev.ActorID == nil {
		return 0, translate("model: event actor", err)
	}
	return *ev.ActorID, nil
}
