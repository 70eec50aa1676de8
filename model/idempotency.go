package model

import (
	"context"
	"time"
)

// IdempotencyTTL is how long an Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// IdempotentAnswer is a remembered request under an Idempotency-Key: Status 0
// while the first request is still being answered.
type IdempotentAnswer struct {
	Scope       string
	Key         string
	RequestHash string
	Status      int
	ContentType string
	Body        string
	CreatedAt   time.Time
}

func (IdempotentAnswer) TableName() string { return "idempotency_keys" }

// ClaimIdempotencyKey makes the caller the one request answering (scope, key):
// true if it was free (or had expired), false if another request, on this or
// another replica, holds it. An expired key is taken over in place (its old
// answer cleared); the sweeper purges the rest (PurgeIdempotencyKeys), so a
// claim writes one row, not a scan of the table.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, scope, key string, now time.Time) (bool, error) {
	res := s.w(ctx).Exec(`INSERT INTO idempotency_keys (scope, key, created_at) VALUES (?, ?, ?)
		ON CONFLICT (scope, key) DO UPDATE SET created_at = excluded.created_at, request_hash = '', status = 0,
			content_type = '', body = ''
		WHERE idempotency_keys.created_at < ?`, scope, key, now.UTC(), now.UTC().Add(-IdempotencyTTL))
	if res.Error != nil {
		return false, translate("model: claim idempotency key", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// PurgeIdempotencyKeys deletes at most limit keys older than IdempotencyTTL
// at now, the oldest first, and returns how many it deleted.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, now time.Time, limit int) (int64, error) {
	res := s.w(ctx).Exec(`DELETE FROM idempotency_keys WHERE (scope, key) IN (
		SELECT scope, key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
		now.UTC().Add(-IdempotencyTTL), limit)
	return res.RowsAffected, translate("model: purge idempotency keys", res.Error)
}

// IdempotencyKey returns the remembered request under (scope, key); ErrNotFound
// if there is none.
func (s *Store) IdempotencyKey(ctx context.Context, scope, key string) (*IdempotentAnswer, error) {
	var a IdempotentAnswer
	err := s.w(ctx).Where("scope = ? AND key = ?", scope, key).Take(&a).Error
	return &a, translate("model: idempotency key", err)
}

// FinishIdempotencyKey stores the answer of the request that claimed (scope, key).
func (s *Store) FinishIdempotencyKey(ctx context.Context, a *IdempotentAnswer) error {
	return translate("model: finish idempotency key", s.w(ctx).Exec(
		`UPDATE idempotency_keys SET request_hash = ?, status = ?, content_type = ?, body = ? WHERE scope = ? AND key = ?`,
		a.RequestHash, a.Status, a.ContentType, a.Body, a.Scope, a.Key).Error)
}

// ReleaseIdempotencyKey frees a claim whose request changed nothing, so that
// a retry is answered afresh.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, scope, key string) error {
	return translate("model: release idempotency key", s.w(ctx).Exec(
		"DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND status = 0", scope, key).Error)
}
