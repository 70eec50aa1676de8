package model

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// HazardFilter selects hazards for a list. Results are ordered newest first (by
// id, descending) and paged by keyset: AfterID is the last id of the previous page.
type HazardFilter struct {
	Scope        Scope
	State        State
	Level        Level
	Source       Source
	Region       string // this region and every region below it
	EnterpriseID int64
	Department   Department
	Industry     string   // exactly this industry
	Category     Category // accident or disaster hazards only; "" for both
	DisasterType DisasterType
	// ResponsiblePartyType: only hazards this kind of party rectifies.
	ResponsiblePartyType PartyType
	FoundFrom            time.Time // discovered at or after this moment; zero for no bound
	FoundBefore          time.Time // discovered before this moment; zero for no bound
	OverdueOn            *Date     // open hazards whose due day lies before this day
	Query                string
	BeforeID             int64 // keyset cursor: only ids below it; 0 for the first page
	Limit                int
}

// CreateHazard inserts h (its ID is set).
func (s *Store) CreateHazard(ctx context.Context, h *Hazard) error {
	return translate("model: create hazard", s.w(ctx).Create(h).Error)
}

// GetHazard returns the hazard id, or ErrNotFound.
func (s *Store) GetHazard(ctx context.Context, id int64) (*Hazard, error) {
	var h Hazard
	if err := s.r(ctx).Where("id = ?", id).Take(&h).Error; err != nil {
		return nil, translate(fmt.Sprintf("model: get hazard %d", id), err)
	}
	return &h, nil
}

// LockHazard is GetHazard for a transaction that will change the hazard: on
// PostgreSQL the row is read FOR UPDATE, so two such transactions on one hazard
// take turns instead of racing for its version and its chain's next position
// (SQLite's write transactions already take turns). Only inside Tx.
func (s *Store) LockHazard(ctx context.Context, id int64) (*Hazard, error) {
	if !s.inTx || s.dialect != DialectPostgres {
		return s.GetHazard(ctx, id)
	}
	var h Hazard
	q := s.db.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"})
	if err := q.Where("id = ?", id).Take(&h).Error; err != nil {
		return nil, translate(fmt.Sprintf("model: lock hazard %d", id), err)
	}
	return &h, nil
}

// hazardMutable are the columns an event may change; identity and provenance
// (code, source, discovery, creation) never change. The region changes only by
// an accepted transfer (its territory columns follow it, see UpdateHazard).
var hazardMutable = []string{
	"title", "description", "level", "industry", "department", "location", "state", "version", "enterprise_id",
	"region_code", "region_province", "region_city", "region_county", "region_township",
	"transfer_to_department", "transfer_to_region", "transfer_reason", "transfer_by", "transfer_at",
	"transfer_due_on", "transfer_noticed", "transfer_declined", "listed_level", "listed_region", "verify_noticed",
	"suspension_order_no", "suspended_at", "resume_requested_at", "resume_due_on", "resume_noticed",
	"last_patrol_at", "patrol_due_on", "patrol_missed_on", "danger_at",
	"escalation_level", "listed_supervision", "production_suspended",
	"basis_standard", "basis_clause", "basis_standard_id", "basis_standard_version", "basis_clause_ref", "measures", "responsible_unit", "responsible_party_type", "responsible_region_code", "responsible_person",
	"responsible_phone", "funds", "funds_source", "deadline", "due_on", "next_step_on", "reply_due", "reminded_due",
	"emergency_plan", "duplicate_of",
	"category", "disaster_type", "subtype", "threatened_households", "threatened_people", "threatened_property",
	"monitor_name", "monitor_phone", "evacuation_plan", "latitude", "longitude",
	"listed_at", "planned_at", "submitted_by", "submitted_at", "verified_by", "verified_at",
	"closed_at", "last_seq", "chain_head", "updated_at",
}

// UpdateHazard writes next over the row if the row is still at version prev, and
// sets next.Version to prev+1. ErrConflict if the row moved on (or is gone): a
// lost race returns no error from SQL, only zero rows. Never Save a workflow row:
// a stale Save upserts over newer data. A value without an id is refused
// (ErrNotFound) rather than written over every hazard at that version.
func (s *Store) UpdateHazard(ctx context.Context, next *Hazard, prev int) error {
	if next.ID == 0 {
		// Without a primary key gorm's Updates has no id condition and would
		// write every hazard at version prev.
		return fmt.Errorf("model: update hazard without an id: %w", ErrNotFound)
	}
	next.Version = prev + 1
	next.RegionProvince, next.RegionCity, next.RegionCounty, next.RegionTownship = RegionLevels(next.RegionCode)
	res := s.w(ctx).Model(next).Select(hazardMutable).Where("id = ? AND version = ?", next.ID, prev).Updates(next)
	if res.Error != nil {
		return translate(fmt.Sprintf("model: update hazard %d", next.ID), res.Error)
	}
	if res.RowsAffected != 1 {
		next.Version = prev
		return fmt.Errorf("model: update hazard %d at version %d: %w", next.ID, prev, ErrConflict)
	}
	return nil
}

// SetChainHead records the first event of a hazard just created in this
// transaction; later events move the head through UpdateHazard.
func (s *Store) SetChainHead(ctx context.Context, id, seq int64, head string) error {
	err := s.w(ctx).Model(&Hazard{}).Where("id = ?", id).
		Updates(map[string]any{"last_seq": seq, "chain_head": head}).Error
	return translate("model: set chain head", err)
}

// AdvanceChain moves hazard id's chain position from prevSeq to seq and head,
// changing nothing else (no version, no updated_at): for a log entry that changes
// nothing of the hazard. ErrConflict if the chain moved on since prevSeq was read.
func (s *Store) AdvanceChain(ctx context.Context, id, prevSeq, seq int64, head string) error {
	res := s.w(ctx).Model(&Hazard{}).Where("id = ? AND last_seq = ?", id, prevSeq).
		Updates(map[string]any{"last_seq": seq, "chain_head": head})
	if res.Error != nil {
		return translate(fmt.Sprintf("model: advance chain of hazard %d", id), res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("model: advance chain of hazard %d at seq %d: %w", id, prevSeq, ErrConflict)
	}
	return nil
}

// ListHazards returns at most f.Limit whole hazards matching f, newest first
// (the ledger export); lists read ListHazardRows.
func (s *Store) ListHazards(ctx context.Context, f HazardFilter) ([]Hazard, error) {
	where, args, ok := s.hazardWhere(f)
	if !ok {
		return nil, nil
	}
	var hs []Hazard
	err := s.r(ctx).Where(where, args...).Order("id DESC").Limit(f.Limit).Find(&hs).Error
	return hs, translate("model: list hazards", err)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// AppendEvent adds e to its hazard's log. The caller fills Seq, PrevHash and Hash
// (see HazardEvent.Seal) in the same transaction that moves the hazard's version.
func (s *Store) AppendEvent(ctx context.Context, e *HazardEvent) error {
	return translate("model: append event", s.w(ctx).Create(e).Error)
}

// ListEvents returns a hazard's log in order.
func (s *Store) ListEvents(ctx context.Context, hazardID int64) ([]HazardEvent, error) {
	var es []HazardEvent
	err := s.r(ctx).Where("hazard_id = ?", hazardID).Order("seq").Find(&es).Error
	return es, translate("model: list events", err)
}

// HazardCodePeriod is the counter period of a hazard code: the county of the
// region (a township's and a village's hazards are numbered in their county's
// day, so codes keep six digits of region) and the day.
func HazardCodePeriod(region string, day time.Time) string {
	return CodeCounty(region) + "-" + day.Format("20060102")
}

// CodeCounty is the county part of a region code (the first six digits of a
// township's or village's code, any other code itself).
func CodeCounty(region string) string {
	if len(region) > 6 {
		return region[:6]
	}
	return region
}

// scoped limits a hazard query to sc; prefix qualifies the hazard columns
// ("hazards." in a join). ok is false when sc matches nothing.
func scoped(q *gorm.DB, sc Scope, prefix string) (*gorm.DB, bool) {
	cond, args, ok := scopeCond(sc, prefix, "?")
	if !ok {
		return q, false
	}
	return q.Where(cond, args...), true
}

// departmentCond is the department part of a department scope (one
// placeholder p, the department), over hazards or their counts.
func departmentCond(sc Scope, prefix, p string) string {
	if !sc.MajorToo {
		return prefix + "department = " + p
	}
	return "(" + prefix + "department = " + p + " OR (" + prefix + "level = 'major' AND " + prefix + "department <> ''))"
}

// scopeCond is the condition that limits hazards to sc (prefix qualifies the
// columns, p is the placeholder: "?", or "+?" for the list on SQLite, see
// hazardWhere); ok is false when sc matches nothing.
func scopeCond(sc Scope, prefix, p string) (cond string, args []any, ok bool) {
	switch {
	case sc.All:
		return "1 = 1", nil, true
	case sc.EnterpriseID != 0:
		return prefix + "enterprise_id = " + p, []any{sc.EnterpriseID}, true
	case sc.Region != "" && sc.Department != "":
		// A department's own hazards of the territory, and with MajorToo its
		// major ones of every department (the shared register); never one not
		// yet listed (no department). The territory's (region, id) index is
		// walked newest first and the rest tested on the row.
		return prefix + regionColumn(sc.Region) + " = " + p + " AND " + departmentCond(sc, prefix, p),
			[]any{sc.Region, string(sc.Department)}, true
	case sc.Region != "":
		return prefix + regionColumn(sc.Region) + " = " + p, []any{sc.Region}, true
	}
	return "", nil, false
}
