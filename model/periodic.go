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
