package model

import (
	"context"
	"time"
)

// ClaimLateVerifications returns the ids of at most limit hazards waiting in
// verifying since before cutoff and not yet flagged, locking them for this
// transaction as ClaimDueHazards does (the partial index of migration 00017).
func (s *Store) ClaimLateVerifications(ctx context.Context, cutoff time.Time, limit int) ([]int64, error) {
	return s.claimIDs("claim late verifications", s.w(ctx).Model(&Hazard{}).
		Where("state = 'verifying' AND submitted_at < ? AND verify_noticed = ?", cutoff.UTC(), false).
		Order("submitted_at, id"), limit)
}

// CountLateVerifications counts the hazards in scope waiting in verifying
// since before cutoff (核实超时).
func (s *Store) CountLateVerifications(ctx context.Context, sc Scope, cutoff time.Time) (int64, error) {
	q, ok := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
	if !ok {
		return 0, nil
	}
	var n int64
	err := q.Where("state = 'verifying' AND submitted_at < ?", cutoff.UTC()).Count(&n).Error
	return n, translate("model: count late verifications", err)
}
