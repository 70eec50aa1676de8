package model

import "context"

// Transfers (移交) pending on hazards are few whatever the number of hazards:
// each query here reads a partial index of migration 00012.

// IncomingTransfers returns at most limit hazards with a pending transfer to
// department dept in a region within region, the earliest answer day first.
func (s *Store) IncomingTransfers(ctx context.Context, dept Department, region string, limit int) ([]Hazard, error) {
	depts := []string{string(dept)}
	if dept == DeptEmergency {
		// A hazard not yet listed has no department: the emergency bureau
		// receives it.
		depts = append(depts, "")
	}
	q := s.r(ctx).Where("transfer_due_on IS NOT NULL AND transfer_to_department IN ?", depts)
	if region != "" {
		p := RegionPrefix(region)
		q = q.Where("substr(transfer_to_region, 1, ?) = ?", len(p), p)
	}
	var hs []Hazard
	err := q.Order("transfer_due_on, id").Limit(limit).Find(&hs).Error
	return hs, translate("model: incoming transfers", err)
}

// PendingTransfers returns at most limit hazards in scope with a transfer not
// yet answered, the earliest answer day first.
func (s *Store) PendingTransfers(ctx context.Context, sc Scope, limit int) ([]Hazard, error) {
	q, ok := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
	if !ok {
		return nil, nil
	}
	var hs []Hazard
	err := q.Where("transfer_due_on IS NOT NULL").Order("transfer_due_on, id").Limit(limit).Find(&hs).Error
	return hs, translate("model: pending transfers", err)
}

// DeclinedTransfers returns at most limit hazards in scope whose last transfer
// was sent back and not yet acted on, newest first.
func (s *Store) DeclinedTransfers(ctx context.Context, sc Scope, limit int) ([]Hazard, error) {
	q, ok := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
	if !ok {
		return nil, nil
	}
	var hs []Hazard
	err := q.Where("transfer_declined <> ''").Order("id DESC").Limit(limit).Find(&hs).Error
	return hs, translate("model: declined transfers", err)
}

// ClaimLateTransfers returns the ids of at most limit hazards whose pending
// transfer was due for an answer before day and is not flagged yet, locking
// them for this transaction as ClaimDueHazards does.
func (s *Store) ClaimLateTransfers(ctx context.Context, day Date, limit int) ([]int64, error) {
	return s.claimIDs("claim late transfers", s.w(ctx).Model(&Hazard{}).
		Where("transfer_due_on IS NOT NULL AND transfer_due_on < ? AND transfer_noticed = ?", day, false).
		Order("transfer_due_on, id"), limit)
}
