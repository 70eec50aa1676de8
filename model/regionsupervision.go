package model

import (
	"context"
	"fmt"
	"time"
)

// RegionSupervision is a supervision document to regions or departments below
// the issuer (对地区和部门的督办: 函告, 通报, 约谈, 曝光), numbered as the hazard
// steps are. Never changed once written; its targets sign and reply.
type RegionSupervision struct {
	ID               int64      `gorm:"primaryKey" json:"id"`
	Step             int        `json:"-"`
	DocYear          int        `json:"doc_year"`
	DocSeq           int64      `json:"doc_seq"`
	DocNumber        string     `json:"number"`
	IssuerRegion     string     `json:"issuer_region"`
	IssuerDepartment Department `json:"issuer_department"`
	IssuerName       string     `json:"issuer_name"`
	Reason           string     `json:"reason"`
	SkipReason       string     `json:"skip_reason"`
	CreatedBy        *int64     `json:"created_by"`
	CreatedAt        time.Time  `json:"created_at"`
}

// RegionTarget is one addressee (主送) of a region document: a region's
// government (Department "") or one of its departments, with the figures of
// its hazards on the day of issue, its reply deadline, and its sign and reply.
type RegionTarget struct {
	ID                int64      `gorm:"primaryKey" json:"id"`
	SupervisionID     int64      `json:"supervision_id"`
	Step              int        `json:"-"`
	RegionCode        string     `json:"region_code"`
	Department        Department `json:"department"`
	Addressee         string     `json:"addressee"`
	OpenHazards       int64      `json:"open_hazards"`
	OverdueHazards    int64      `json:"overdue_hazards"`
	MajorOverdue      int64      `json:"major_overdue"`
	RectificationRate float64    `json:"rectification_rate"`
	ReplyDue          Date       `json:"reply_due"`
	AcknowledgedBy    *int64     `json:"acknowledged_by"`
	AcknowledgedAt    *time.Time `json:"acknowledged_at"`
	ReplyText         string     `json:"reply_text"`
	RepliedBy         *int64     `json:"replied_by"`
	RepliedAt         *time.Time `json:"replied_at"`
}

// TableName keeps gorm off "region_targets".
func (RegionTarget) TableName() string { return "region_supervision_targets" }

// regionSupervisionHazard cites a hazard in a region document.
type regionSupervisionHazard struct {
	SupervisionID int64
	HazardID      int64
}

func (regionSupervisionHazard) TableName() string { return "region_supervision_hazards" }

// CreateRegionSupervision writes the document, its targets and the hazards it
// cites (their IDs are set); ErrDuplicate if its number is taken.
func (s *Store) CreateRegionSupervision(ctx context.Context, d *RegionSupervision, ts []RegionTarget, hazardIDs []int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.w(ctx).Create(d).Error; err != nil {
			return translate("model: create region supervision", err)
		}
		for i := range ts {
			ts[i].SupervisionID = d.ID
		}
		if err := tx.w(ctx).Create(&ts).Error; err != nil {
			return translate("model: create region supervision targets", err)
		}
		if len(hazardIDs) == 0 {
			return nil
		}
		hs := make([]regionSupervisionHazard, len(hazardIDs))
		for i, id := range hazardIDs {
			hs[i] = regionSupervisionHazard{SupervisionID: d.ID, HazardID: id}
		}
		return translate("model: cite hazards", tx.w(ctx).Create(&hs).Error)
	})
}

// GetRegionSupervision returns document id with its targets (in the order
// written) and the ids of the hazards it cites, or ErrNotFound.
func (s *Store) GetRegionSupervision(ctx context.Context, id int64) (*RegionSupervision, []RegionTarget, []int64, error) {
	var d RegionSupervision
	if err := s.r(ctx).Where("id = ?", id).Take(&d).Error; err != nil {
		return nil, nil, nil, translate("model: get region supervision", err)
	}
	ts, err := s.RegionTargets(ctx, []int64{id})
	if err != nil {
		return nil, nil, nil, err
	}
	var hs []int64
	err = s.r(ctx).Model(&regionSupervisionHazard{}).Where("supervision_id = ?", id).Order("hazard_id").Pluck("hazard_id", &hs).Error
	return &d, ts, hs, translate("model: cited hazards", err)
}

// RegionTargets returns the targets of the documents ids, by document and in
// the order written.
func (s *Store) RegionTargets(ctx context.Context, ids []int64) ([]RegionTarget, error) {
	var ts []RegionTarget
	if len(ids) == 0 {
		return ts, nil
	}
	err := s.r(ctx).Where("supervision_id IN ?", ids).Order("supervision_id, id").Find(&ts).Error
	return ts, translate("model: region targets", err)
}

// RegionSupervisionFilter says whose region documents to list: those issued by
// IssuerRegion's office of IssuerDepartment, and those with a target in the
// territory of Region (of the departments Departments only, when given: ""
// stands for the governments).
type RegionSupervisionFilter struct {
	All              bool
	IssuerRegion     string
	IssuerDepartment Department
	Region           string
	Departments      []Department
}

func (f RegionSupervisionFilter) targets(q string) (string, []any) {
	lo, hi := RegionRange(f.Region)
	args := []any{lo, hi}
	if len(f.Departments) > 0 {
		q += " AND department IN ?"
		args = append(args, f.Departments)
	}
	return q, args
}

// ListRegionSupervisions returns at most limit documents f selects, the newest
// first.
func (s *Store) ListRegionSupervisions(ctx context.Context, f RegionSupervisionFilter, limit int) ([]RegionSupervision, error) {
	q := s.r(ctx).Order("id DESC").Limit(limit)
	if !f.All {
		sub, args := f.targets("SELECT supervision_id FROM region_supervision_targets WHERE region_code BETWEEN ? AND ?")
		q = q.Where("(issuer_region = ? AND issuer_department = ?) OR id IN ("+sub+")",
			append([]any{f.IssuerRegion, f.IssuerDepartment}, args...)...)
	}
	var ds []RegionSupervision
	return ds, translate("model: list region supervisions", q.Find(&ds).Error)
}

// UnrepliedRegionTargets returns at most limit unanswered targets f selects
// (those of the issuer's documents, and those in f.Region's territory), the
// earliest reply deadline first.
func (s *Store) UnrepliedRegionTargets(ctx context.Context, f RegionSupervisionFilter, limit int) ([]RegionTarget, error) {
	q := s.r(ctx).Where("replied_at IS NULL").Order("reply_due, id").Limit(limit)
	if !f.All {
		cond, args := f.targets("region_code BETWEEN ? AND ?")
		q = q.Where("("+cond+") OR supervision_id IN (SELECT id FROM region_supervisions WHERE issuer_region = ? AND issuer_department = ?)",
			append(args, f.IssuerRegion, f.IssuerDepartment)...)
	}
	var ts []RegionTarget
	return ts, translate("model: unreplied region targets", q.Find(&ts).Error)
}

// RegionTargetStep returns the highest step a region's government
// (department "") or department has had, 0 when none.
func (s *Store) RegionTargetStep(ctx context.Context, region string, d Department) (int, error) {
	var n *int
	err := s.r(ctx).Model(&RegionTarget{}).Where("region_code = ? AND department = ?", region, d).
		Select("MAX(step)").Scan(&n).Error
	if err != nil || n == nil {
		return 0, translate("model: region target step", err)
	}
	return *n, nil
}

// RegionTargetSteps returns the highest step each of regions' governments
// (d "") or departments d has had; regions with none are left out.
func (s *Store) RegionTargetSteps(ctx context.Context, regions []string, d Department) (map[string]int, error) {
	out := map[string]int{}
	if len(regions) == 0 {
		return out, nil
	}
	var rows []struct {
		RegionCode string
		Step       int
	}
	err := s.r(ctx).Model(&RegionTarget{}).Select("region_code, MAX(step) AS step").
		Where("region_code IN ? AND department = ?", regions, d).Group("region_code").Scan(&rows).Error
	for _, r := range rows {
		out[r.RegionCode] = r.Step
	}
	return out, translate("model: region target steps", err)
}

// AnswerRegionTarget writes a target's sign and reply as t has them, if it
// is not yet signed for (reply false) or not yet replied to (reply true);
// ErrConflict when someone was first. The database refuses any other change.
func (s *Store) AnswerRegionTarget(ctx context.Context, t *RegionTarget, reply bool) error {
	cond := "acknowledged_at IS NULL"
	if reply {
		cond = "replied_at IS NULL"
	}
	res := s.w(ctx).Model(t).Where(cond).Select("acknowledged_by", "acknowledged_at", "reply_text", "replied_by", "replied_at").Updates(t)
	if res.Error != nil {
		return translate("model: answer region target", res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("model: answer region target %d: %w", t.ID, ErrConflict)
	}
	return nil
}

// GetRegionTarget returns target id, or ErrNotFound.
func (s *Store) GetRegionTarget(ctx context.Context, id int64) (*RegionTarget, error) {
	var t RegionTarget
	if err := s.r(ctx).Where("id = ?", id).Take(&t).Error; err != nil {
		return nil, translate("model: get region target", err)
	}
	return &t, nil
}

// RegionExposure is a region document at the exposure step, for the public
// board: the document and its target.
type RegionExposure struct {
	DocNumber  string
	IssuerName string
	Reason     string
	Addressee  string
	RegionName string
	Hazards    int64
	CreatedAt  time.Time
	RepliedAt  *time.Time
}

// ListRegionExposures returns the targets of exposure documents not yet
// answered, or answered after repliedSince, addressed within region (its
// code, descendants included; "" for all), the most recent first.
func (s *Store) ListRegionExposures(ctx context.Context, repliedSince time.Time, region string, limit int) ([]RegionExposure, error) {
	var out []RegionExposure
	q := s.r(ctx).Table("region_supervision_targets AS t")
	if region != "" {
		lo, hi := RegionRange(region)
		q = q.Where("t.region_code BETWEEN ? AND ?", lo, hi)
	}
	err := q.
		Select(`d.doc_number, d.issuer_name, d.reason, t.addressee, regions.name AS region_name, d.created_at, t.replied_at,
			(SELECT COUNT(*) FROM region_supervision_hazards h WHERE h.supervision_id = d.id) AS hazards`).
		Joins("JOIN region_supervisions d ON d.id = t.supervision_id").
		Joins("JOIN regions ON regions.code = t.region_code").
		Where("t.step = 4 AND (t.replied_at IS NULL OR t.replied_at >= ?)", repliedSince.UTC()).
		Order("d.created_at DESC, t.id DESC").Limit(limit).Scan(&out).Error
	return out, translate("model: list region exposures", err)
}
