package model

import (
	"context"
	"fmt"
	"time"
)

// StandardVersion is one edition of a standard of the catalogue of major-hazard
// criteria (重大事故隐患判定标准). Rows are only ever added: a replaced standard
// keeps its older versions, which hazards may still cite.
type StandardVersion struct {
	StandardID string `gorm:"primaryKey"`
	Version    int    `gorm:"primaryKey"`
	Title      string
	Body       string // the entry as JSON (workflow.Standard)
	CreatedBy  *int64
	CreatedAt  time.Time
}

// CountStandards returns how many standards (not versions) the catalogue holds.
func (s *Store) CountStandards(ctx context.Context) (int64, error) {
	var n int64
	err := s.r(ctx).Model(&StandardVersion{}).Distinct("standard_id").Count(&n).Error
	return n, translate("model: count standards", err)
}

// LatestStandards returns the newest version of every standard, by id.
func (s *Store) LatestStandards(ctx context.Context) ([]StandardVersion, error) {
	var out []StandardVersion
	err := s.r(ctx).Where("version = (SELECT MAX(v.version) FROM standard_versions v WHERE v.standard_id = standard_versions.standard_id)").
		Order("standard_id").Find(&out).Error
	return out, translate("model: latest standards", err)
}

// GetStandardVersion returns standard id at version, or its newest version
// when version is 0; ErrNotFound when there is none.
func (s *Store) GetStandardVersion(ctx context.Context, id string, version int) (*StandardVersion, error) {
	var v StandardVersion
	q := s.r(ctx).Where("standard_id = ?", id)
	if version > 0 {
		q = q.Where("version = ?", version)
	}
	if err := q.Order("version DESC").Take(&v).Error; err != nil {
		return nil, translate(fmt.Sprintf("model: get standard %s v%d", id, version), err)
	}
	return &v, nil
}

// AddStandardVersion stores a new version; ErrDuplicate when that version of
// the standard exists already (someone else added it first).
func (s *Store) AddStandardVersion(ctx context.Context, v *StandardVersion) error {
	return translate("model: add standard version", s.w(ctx).Create(v).Error)
}
