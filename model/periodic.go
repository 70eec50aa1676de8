package model

import (
	"context"
	"time"
)

// PeriodicReport is an enterprise's filed statistics of its hazard work for a
// quarter or a year (16号令 §14): never changed; a correction is a new row.
type PeriodicReport struct {
	ID            int64     `gorm:"primaryKey" json:"id"`
	EnterpriseID  int64     `json:"enterprise_id"`
	RegionCode    string    `json:"region_code"`
	Period        string    `json:"period"`
	Figures       JSONText  `json:"figures"`
	PrincipalName string    `json:"principal_name"`
	Note          string    `json:"note"`
	FiledBy       *int64    `json:"filed_by"`
	FiledAt       time.Time `json:"filed_at"`
	Late          bool      `json:"late"`
}

// CreatePeriodicReport inserts r (its ID is set).
func (s *Store) CreatePeriodicReport(ctx context.Context, r *PeriodicReport) error {
	return translate("model: file periodic report", s.w(ctx).Create(r).Error)
}

// PeriodicReports returns the filings for period of the enterprises in sc,
// the newest first (a corrected filing after the one it corrects).
func (s *Store) PeriodicReports(ctx context.Context, sc Scope, period string) ([]PeriodicReport, error) {
	q, ok := ownedBy(s.r(ctx).Where("period = ?", period), sc, "enterprise_id")
	if !ok {
		return nil, nil
	}
	var rs []PeriodicReport
	err := q.Order("id DESC").Find(&rs).Error
	return rs, translate("model: periodic reports", err)
}

// EnterpriseHazards returns every hazard of enterprise id (an enterprise's
// hazards are few), oldest first.
func (s *Store) EnterpriseHazards(ctx context.Context, id int64) ([]Hazard, error) {
	var hs []Hazard
	err := s.r(ctx).Where("enterprise_id = ?", id).Order("id").Find(&hs).Error
	return hs, translate("model: enterprise hazards", err)
}

// ClaimLateFilers returns the ids of at most limit enterprises that have
// neither filed period nor been told it is late, locking them for this
// transaction as the sweep's other claims do (claimIDs).
func (s *Store) ClaimLateFilers(ctx context.Context, period string, limit int) ([]int64, error) {
	return s.claimIDs("claim late filers", s.w(ctx).Model(&Enterprise{}).
		Where(`NOT EXISTS (SELECT 1 FROM periodic_reports r WHERE r.enterprise_id = enterprises.id AND r.period = ?)
			AND NOT EXISTS (SELECT 1 FROM periodic_late_notices n WHERE n.enterprise_id = enterprises.id AND n.period = ?)`, period, period).
		Order("id"), limit)
}

// MarkLateNotice records, in the caller's transaction, that enterprise id was
// told at now that it has not filed period; false when it already was (by
// another sweeper: the unique key decides), in which case nothing is written.
func (s *Store) MarkLateNotice(ctx context.Context, id int64, period string, now time.Time) (noticeID int64, ok bool, err error) {
	var ids []int64
	err = s.w(ctx).Raw(`INSERT INTO periodic_late_notices (enterprise_id, period, noticed_at) VALUES (?, ?, ?)
		ON CONFLICT (enterprise_id, period) DO NOTHING RETURNING id`, id, period, now.UTC()).Scan(&ids).Error
	if err != nil || len(ids) == 0 {
		return 0, false, translate("model: mark late notice", err)
	}
	return ids[0], true, nil
}

// LateNotices counts the enterprises told that they have not filed period.
func (s *Store) LateNotices(ctx context.Context, period string) (int64, error) {
	var n int64
	err := s.r(ctx).Table("periodic_late_notices").Where("period = ?", period).Count(&n).Error
	return n, translate("model: late notices", err)
}

// EnterpriseUserIDs returns the ids of enterprise id's active users.
func (s *Store) EnterpriseUserIDs(ctx context.Context, id int64) ([]int64, error) {
	var ids []int64
	err := s.r(ctx).Model(&User{}).Where("enterprise_id = ? AND active = ?", id, true).Order("id").Pluck("id", &ids).Error
	return ids, translate("model: enterprise users", err)
}
