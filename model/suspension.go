package model

import "context"

// ClaimLateResumeReviews returns the ids of at most limit hazards whose
// request to resume production was due for its review before day and is not
// flagged yet, locking them for this transaction as ClaimDueHazards does.
func (s *Store) ClaimLateResumeReviews(ctx context.Context, day Date, limit int) ([]int64, error) {
	return s.claimIDs("claim late resume reviews", s.w(ctx).Model(&Hazard{}).
		Where("resume_due_on IS NOT NULL AND resume_due_on < ? AND resume_noticed = ?", day, false).
		Order("resume_due_on, id"), limit)
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
