package model

import (
	"context"
	"time"
)

// OutboxMessage is a notification waiting for (or past) delivery to a webhook:
// of a hazard event (EventID and HazardID), or of a region document
// (RegionSupervisionID; EventID and HazardID 0, NULL in the table).
type OutboxMessage struct {
	ID                  int64      `gorm:"primaryKey" json:"id"`
	EventID             int64      `json:"event_id"`
	HazardID            int64      `json:"hazard_id"`
	RegionSupervisionID *int64     `json:"region_supervision_id,omitempty"`
	Kind                string     `json:"kind"`
	Webhook             string     `json:"webhook"`
	Payload             JSONText   `json:"payload"`
	CreatedAt           time.Time  `json:"created_at"`
	Attempts            int        `json:"attempts"`
	NextAttemptAt       time.Time  `json:"next_attempt_at"`
	LockedUntil         *time.Time `json:"-"`
	DeliveredAt         *time.Time `json:"delivered_at"`
	LastError           string     `json:"last_error"`
}

// TableName keeps gorm off "outbox_messages".
func (OutboxMessage) TableName() string { return "outbox" }

// AddOutbox writes notifications in the caller's transaction, and their
// copies in the inbox of whom they are addressed to (SetInbox).
func (s *Store) AddOutbox(ctx context.Context, ms []OutboxMessage) error {
	if len(ms) == 0 {
		return nil
	}
	if err := s.w(ctx).Create(&ms).Error; err != nil {
		return translate("model: add outbox", err)
	}
	return s.toInbox(ctx, ms)
}

// AddNotices writes notifications of no hazard event in the caller's
// transaction: of a region document (RegionSupervisionID set) or of a late
// filing (kind periodic_late); and, as AddOutbox, their inbox copies.
func (s *Store) AddNotices(ctx context.Context, ms []OutboxMessage) error {
	if len(ms) == 0 {
		return nil
	}
	if err := s.w(ctx).Omit("event_id", "hazard_id").Create(&ms).Error; err != nil {
		return translate("model: add notices", err)
	}
	return s.toInbox(ctx, ms)
}

// ClaimOutbox leases at most limit undelivered messages due at now until
// now+lease, so that concurrent dispatchers (on several replicas) never send the
// same message at once; a crashed dispatcher's lease simply runs out.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error) {
	var ms []OutboxMessage
	pick := `SELECT id FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ?
		AND (locked_until IS NULL OR locked_until < ?) ORDER BY next_attempt_at, id LIMIT ?`
	if s.dialect == DialectPostgres {
		pick += " FOR UPDATE SKIP LOCKED"
	}
	err := s.w(ctx).Raw("UPDATE outbox SET locked_until = ? WHERE id IN ("+pick+") RETURNING *",
		now.Add(lease), now, now, limit).Scan(&ms).Error
	return ms, translate("model: claim outbox", err)
}

// FinishOutbox records a delivery attempt: delivered, or when to try again.
func (s *Store) FinishOutbox(ctx context.Context, m *OutboxMessage) error {
	err := s.w(ctx).Model(m).Select("attempts", "next_attempt_at", "locked_until", "delivered_at", "last_error").Updates(m).Error
	return translate("model: finish outbox", err)
}

// ListOutbox returns undelivered messages (all when undelivered is false), the
// oldest first.
func (s *Store) ListOutbox(ctx context.Context, undelivered bool, limit int) ([]OutboxMessage, error) {
	q := s.r(ctx).Order("id").Limit(limit)
	if undelivered {
		q = q.Where("delivered_at IS NULL")
	}
	var ms []OutboxMessage
	return ms, translate("model: list outbox", q.Find(&ms).Error)
}

// OutboxLag returns how many messages wait and when the oldest of them was
// written (zero time when none).
func (s *Store) OutboxLag(ctx context.Context) (int64, time.Time, error) {
	var n int64
	if err := s.r(ctx).Model(&OutboxMessage{}).Where("delivered_at IS NULL").Count(&n).Error; err != nil || n == 0 {
		return n, time.Time{}, translate("model: outbox lag", err)
	}
	var oldest OutboxMessage
	err := s.r(ctx).Where("delivered_at IS NULL").Order("id").Take(&oldest).Error
	return n, oldest.CreatedAt, translate("model: outbox lag", err)
}
