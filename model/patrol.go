package model

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// ClaimMissedPatrols returns the ids of at most limit hazards whose patrol
// was due before day, locking them for this transaction as ClaimDueHazards
// does (FOR UPDATE SKIP LOCKED on PostgreSQL). Only open disaster hazards
// have a patrol day (workflow settles it away on the others), and the
// partial index on (patrol_due_on, id) holds just those.
func (s *Store) ClaimMissedPatrols(ctx context.Context, day Date, limit int) ([]int64, error) {
	return s.claimIDs("claim missed patrols", s.w(ctx).Model(&Hazard{}).
		Where("patrol_due_on IS NOT NULL AND patrol_due_on < ?", day).
		Order("patrol_due_on, id"), limit)
}

// DangerHazards returns at most limit hazards in scope where a danger sign
// (险情) stands unanswered, the earliest first, and how many there are.
func (s *Store) DangerHazards(ctx context.Context, sc Scope, limit int) ([]Hazard, int64, error) {
	return s.flagged(ctx, sc, "danger_at IS NOT NULL", "danger_at, id", "danger signs", limit)
}

// MissedPatrols returns at most limit hazards in scope whose last cycle's
// patrol was missed (巡查逾期), the longest missed first, and how many.
func (s *Store) MissedPatrols(ctx context.Context, sc Scope, limit int) ([]Hazard, int64, error) {
	return s.flagged(ctx, sc, "patrol_missed_on IS NOT NULL", "patrol_missed_on, id", "missed patrols", limit)
}

func (s *Store) flagged(ctx context.Context, sc Scope, where, order, op string, limit int) ([]Hazard, int64, error) {
	base := func() (*gorm.DB, bool) {
		q, ok := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
		return q.Where(where), ok
	}
	q, ok := base()
	if !ok {
		return nil, 0, nil
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return nil, 0, translate(fmt.Sprintf("model: count %s", op), err)
	}
	q, _ = base()
	var hs []Hazard
	err := q.Order(order).Limit(limit).Find(&hs).Error
	return hs, n, translate("model: "+op, err)
}
