package model

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// ClaimLateVerifications returns the ids of at most limit hazards waiting in
// verifying since before cutoff and not yet flagged, locking them for this
// transaction as ClaimDueHazards does (the partial index of migration 00017).
func (s *Store) ClaimLateVerifications(ctx context.Context, cutoff time.Time, limit int) ([]int64, error) {
	if !s.inTx {
		return nil, fmt.Errorf("model: claim late verifications outside a transaction")
	}
	q := s.w(ctx).Model(&Hazard{}).
		Where("state = 'verifying' AND submitted_at < ? AND verify_noticed = ?", cutoff.UTC(), false).
		Order("submitted_at, id").Limit(limit)
	if s.dialect == DialectPostgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	var ids []int64
	return ids, translate("model: claim late verifications", q.Pluck("id", &ids).Error)
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

// ClaimLateResumeReviews returns the ids of at most limit hazards whose
// request to resume production was due for its review before day and is not
// flagged yet, locking them for this transaction as ClaimDueHazards does.
func (s *Store) ClaimLateResumeReviews(ctx context.Context, day Date, limit int) ([]int64, error) {
	if !s.inTx {
		return nil, fmt.Errorf("model: claim late resume reviews outside a transaction")
	}
	q := s.w(ctx).Model(&Hazard{}).
		Where("resume_due_on IS NOT NULL AND resume_due_on < ? AND resume_noticed = ?", day, false).
		Order("resume_due_on, id").Limit(limit)
	if s.dialect == DialectPostgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	var ids []int64
	return ids, translate("model: claim late resume reviews", q.Pluck("id", &ids).Error)
}

// ResumeRequests returns at most limit hazards in scope whose request to
// resume production waits for its on-site review, the earliest due first.
func (s *Store) ResumeRequests(ctx context.Context, sc Scope, limit int) ([]Hazard, error) {
	q, ok := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
	if !ok {
		return nil, nil
	}
	var hs []Hazard
	err := q.Where("resume_due_on IS NOT NULL").Order("resume_due_on, id").Limit(limit).Find(&hs).Error
	return hs, translate("model: resume requests", err)
}
