package model

import (
	"context"
	"time"
)

// Evidence kinds.
const (
	EvidencePhotoBefore = "photo_before"
	EvidencePhotoAfter  = "photo_after"
	EvidenceDocument    = "document"
	// EvidenceAssessment is an assessment report (评估报告): what lifting a
	// major hazard's listed supervision (摘牌) rests on.
	EvidenceAssessment = "assessment"
)

// Evidence is a file attached to a hazard: a site photo or a proof of
// rectification. The bytes live in blob storage under SHA256.
type Evidence struct {
	ID             int64      `gorm:"primaryKey" json:"id"`
	HazardID       int64      `json:"hazard_id"`
	Kind           string     `json:"kind"`
	SHA256         string     `gorm:"column:sha256" json:"sha256"`
	Size           int64      `json:"size"`
	ContentType    string     `json:"content_type"`
	Filename       string     `json:"filename"`
	Note           string     `json:"note"`
	UploadedBy     *int64     `json:"uploaded_by"`
	UploaderRole   Role       `json:"uploader_role"`
	FromPublic     bool       `json:"from_public"`
	CapturedAt     *time.Time `json:"captured_at"` // when the photo was taken (EXIF), if it says
	CreatedAt      time.Time  `json:"created_at"`  // when it was uploaded
	WithdrawnAt    *time.Time `json:"withdrawn_at"`
	WithdrawnBy    *int64     `json:"withdrawn_by"`
	WithdrawReason string     `json:"withdraw_reason"`
}

// TableName keeps gorm off "evidences".
func (Evidence) TableName() string { return "evidence" }

// CreateEvidence inserts e.
func (s *Store) CreateEvidence(ctx context.Context, e *Evidence) error {
	return translate("model: create evidence", s.w(ctx).Create(e).Error)
}

// GetEvidence returns evidence id, or ErrNotFound.
func (s *Store) GetEvidence(ctx context.Context, id int64) (*Evidence, error) {
	var e Evidence
	if err := s.r(ctx).Where("id = ?", id).Take(&e).Error; err != nil {
		return nil, translate("model: get evidence", err)
	}
	return &e, nil
}

// ListEvidence returns a hazard's files, oldest first.
func (s *Store) ListEvidence(ctx context.Context, hazardID int64) ([]Evidence, error) {
	var es []Evidence
	err := s.r(ctx).Where("hazard_id = ?", hazardID).Order("id").Find(&es).Error
	return es, translate("model: list evidence", err)
}

// WithdrawEvidence marks e withdrawn (its Withdrawn* fields set by the caller).
func (s *Store) WithdrawEvidence(ctx context.Context, e *Evidence) error {
	err := s.w(ctx).Model(e).Select("withdrawn_at", "withdrawn_by", "withdraw_reason").Updates(e).Error
	return translate("model: withdraw evidence", err)
}

// CountProof counts the hazard's proofs of rectification (after-photos and
// documents, not withdrawn) uploaded at or after since.
func (s *Store) CountProof(ctx context.Context, hazardID int64, since time.Time) (int64, error) {
	var n int64
	err := s.w(ctx).Model(&Evidence{}).
		Where("hazard_id = ? AND kind IN ('photo_after', 'document') AND withdrawn_at IS NULL AND created_at >= ?", hazardID, since).
		Count(&n).Error
	return n, translate("model: count proof", err)
}

// CountEvidence counts the hazard's files of kind (not withdrawn) uploaded at
// or after since: the assessment reports a write-off of a listed major hazard
// rests on, the documents of a request to resume production.
func (s *Store) CountEvidence(ctx context.Context, hazardID int64, kind string, since time.Time) (int64, error) {
	var n int64
	err := s.w(ctx).Model(&Evidence{}).
		Where("hazard_id = ? AND kind = ? AND withdrawn_at IS NULL AND created_at >= ?", hazardID, kind, since).
		Count(&n).Error
	return n, translate("model: count evidence", err)
}
