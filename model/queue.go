package model

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Party narrows a queue to the hazards one party rectifies: of its type, and
// for a township or a village of its region, for a department of its
// department. The zero Party narrows nothing.
type Party struct {
	Type       PartyType
	RegionCode string     // a township's or a village's code
	Department Department // a department's
}

// QueueHazards returns at most limit hazards in scope in state (rectified by
// party, when it is given), the ones waiting longest past their due day
// first, then the oldest; and how many there are in all.
func (s *Store) QueueHazards(ctx context.Context, sc Scope, state State, party Party, limit int) ([]Hazard, int64, error) {
	base := func() (*gorm.DB, bool) {
		q, ok := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
		q = q.Where("state = ?", state)
		switch party.Type {
		case "":
		case PartyTownship, PartyVillage:
			// hazards_party_region_idx (00033).
			q = q.Where("responsible_region_code = ? AND responsible_party_type = ?", party.RegionCode, string(party.Type))
		case PartyDepartment:
			q = q.Where("responsible_party_type = 'department' AND department = ?", string(party.Department))
		default:
			q = q.Where("responsible_party_type = ?", string(party.Type))
		}
		return q, ok
	}
	q, ok := base()
	if !ok {
		return nil, 0, nil
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return nil, 0, translate("model: count queue", err)
	}
	q, _ = base()
	var hs []Hazard
	err := q.Order("CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, updated_at, id").Limit(limit).Find(&hs).Error
	return hs, n, translate(fmt.Sprintf("model: queue %s", state), err)
}

// ListUnacknowledged returns the supervision steps of open hazards in scope that
// nobody has signed for yet, the oldest first, and how many there are in all.
func (s *Store) ListUnacknowledged(ctx context.Context, sc Scope, limit int) ([]Escalation, int64, error) {
	base := func() (*gorm.DB, bool) {
		q := s.r(ctx).Model(&Escalation{}).
			Joins("JOIN hazards ON hazards.id = escalations.hazard_id").
			Where("escalations.acknowledged_at IS NULL AND hazards.state IN ('listed', 'rectifying', 'verifying')")
		return scoped(q, sc, "hazards.")
	}
	q, ok := base()
	if !ok {
		return nil, 0, nil
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return nil, 0, translate("model: count unacknowledged", err)
	}
	q, _ = base()
	var es []Escalation
	err := q.Order("escalations.created_at, escalations.id").Limit(limit).Find(&es).Error
	return es, n, translate("model: list unacknowledged", err)
}

// ReportedBy returns at most limit hazards in scope that user id registered,
// newest first, and how many there are in all (an officer's 我上报的隐患).
func (s *Store) ReportedBy(ctx context.Context, sc Scope, id int64, limit int) ([]Hazard, int64, error) {
	base := func() (*gorm.DB, bool) {
		q, ok := scoped(s.r(ctx).Model(&Hazard{}), sc, "")
		return q.Where("created_by = ?", id), ok
	}
	q, ok := base()
	if !ok {
		return nil, 0, nil
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return nil, 0, translate("model: count reported", err)
	}
	q, _ = base()
	var hs []Hazard
	err := q.Order("id DESC").Limit(limit).Find(&hs).Error
	return hs, n, translate("model: reported", err)
}
