package model

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Escalation is one step of a hazard's supervision ladder, with its document.
type Escalation struct {
	ID             int64      `gorm:"primaryKey" json:"id"`
	HazardID       int64      `json:"hazard_id"`
	Step           int        `json:"step"`
	DocYear        int        `json:"doc_year"`
	DocSeq         int64      `json:"doc_seq"`
	DocNumber      string     `json:"doc_number"`
	IssuerRegion   string     `json:"issuer_region"`
	IssuerName     string     `json:"issuer_name"`
	Addressee      string     `json:"addressee"`
	OverdueDays    int        `json:"overdue_days"`
	DueOn          *Date      `json:"due_on"`
	ReplyDue       Date       `json:"reply_due"`
	Reason         string     `json:"reason"`
	CreatedBy      *int64     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	AcknowledgedBy *int64     `json:"acknowledged_by"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	ReplyText      string     `json:"reply_text"`
	RepliedBy      *int64     `json:"replied_by"`
	RepliedAt      *time.Time `json:"replied_at"`
}

// CreateEscalation inserts a step; ErrDuplicate if the hazard already has it.
func (s *Store) CreateEscalation(ctx context.Context, e *Escalation) error {
	return translate("model: create escalation", s.w(ctx).Create(e).Error)
}

// GetEscalation returns step id, or ErrNotFound.
func (s *Store) GetEscalation(ctx context.Context, id int64) (*Escalation, error) {
	var e Escalation
	if err := s.r(ctx).Where("id = ?", id).Take(&e).Error; err != nil {
		return nil, translate("model: get escalation", err)
	}
	return &e, nil
}

// CurrentEscalation returns the hazard's highest step, or ErrNotFound.
func (s *Store) CurrentEscalation(ctx context.Context, hazardID int64) (*Escalation, error) {
	var e Escalation
	if err := s.r(ctx).Where("hazard_id = ?", hazardID).Order("step DESC").Take(&e).Error; err != nil {
		return nil, translate("model: current escalation", err)
	}
	return &e, nil
}

// UpdateEscalationReply records an acknowledgement or a reply.
func (s *Store) UpdateEscalationReply(ctx context.Context, e *Escalation) error {
	err := s.w(ctx).Model(e).Select("acknowledged_by", "acknowledged_at", "reply_text", "replied_by", "replied_at").Updates(e).Error
	return translate("model: update escalation", err)
}

// ListEscalations returns a hazard's steps in order.
func (s *Store) ListEscalations(ctx context.Context, hazardID int64) ([]Escalation, error) {
	var es []Escalation
	err := s.r(ctx).Where("hazard_id = ?", hazardID).Order("step").Find(&es).Error
	return es, translate("model: list escalations", err)
}

// ListUnreplied returns the unanswered steps of open hazards in scope, the
// longest-waiting first.
func (s *Store) ListUnreplied(ctx context.Context, sc Scope, limit int) ([]Escalation, error) {
	q := s.r(ctx).Model(&Escalation{}).
		Joins("JOIN hazards ON hazards.id = escalations.hazard_id").
		Where("escalations.replied_at IS NULL AND hazards.state IN ('listed', 'rectifying', 'verifying')")
	q, ok := scoped(q, sc, "hazards.")
	if !ok {
		return nil, nil
	}
	var es []Escalation
	err := q.Order("escalations.reply_due, escalations.id").Limit(limit).Find(&es).Error
	return es, translate("model: list unreplied", err)
}

// ClaimDueHazards returns the ids of at most limit hazards whose next step is due
// on or before day, locking them for this transaction. On PostgreSQL the rows are
// claimed with FOR UPDATE SKIP LOCKED, so concurrent sweepers share the work and
// none takes a row another holds; SQLite has one writer at a time anyway.
func (s *Store) ClaimDueHazards(ctx context.Context, day Date, limit int) ([]int64, error) {
	return s.claimIDs("claim due hazards", s.w(ctx).Model(&Hazard{}).
		Where("next_step_on IS NOT NULL AND next_step_on <= ?", day).Order("next_step_on, id"), limit)
}

// claimIDs takes the ids of at most limit hazards q finds (in q's order) and
// locks them for this transaction: FOR UPDATE SKIP LOCKED on PostgreSQL, so
// that concurrent sweepers share the work and none takes a row another holds;
// SQLite has one writer at a time anyway. Every sweep's claim goes through it;
// op names the claim in errors.
func (s *Store) claimIDs(op string, q *gorm.DB, limit int) ([]int64, error) {
	if !s.inTx {
		return nil, fmt.Errorf("model: %s outside a transaction", op)
	}
	q = q.Limit(limit)
	if s.dialect == DialectPostgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	var ids []int64
	return ids, translate("model: "+op, q.Pluck("id", &ids).Error)
}

// ClaimDueSoon returns the ids of at most limit open hazards whose due day lies
// between from and to (both included) and that have not been reminded of that
// due day, nearest due day first, locking them for this transaction as
// ClaimDueHazards does (FOR UPDATE SKIP LOCKED on PostgreSQL).
//
// The find reads the partial index on (due_on, id) of open hazards, so its cost
// follows the hazards due in the window, not the open ones. SQLite's planner
// prefers hazards_state_idx here even with statistics (36 ms against 0.3 ms at
// 300,000 hazards), hence INDEXED BY, which also makes the query fail rather
// than scan should the index stop matching (the state test is written as in
// the index for that).
func (s *Store) ClaimDueSoon(ctx context.Context, from, to Date, limit int) ([]int64, error) {
	table := "hazards"
	if s.dialect == DialectSQLite {
		table = "hazards INDEXED BY hazards_open_due_idx"
	}
	return s.claimIDs("claim hazards due soon", s.w(ctx).Table(table).
		Where("state IN ('listed', 'rectifying') AND due_on >= ? AND due_on <= ?", from, to).
		Where("(reminded_due IS NULL OR reminded_due <> due_on)").
		Order("due_on, id"), limit)
}

// Exposure is a row of the public exposure board: only what may be public.
type Exposure struct {
	ID         int64      `json:"-"` // the exposure step's escalation: the board's keyset
	HazardID   int64      `json:"-"`
	Title      string     `json:"title"`
	Enterprise string     `json:"enterprise"`
	Region     string     `json:"region"`
	RegionCode string     `json:"-"`
	State      State      `json:"-"`
	DueOn      *Date      `json:"-"`
	Level      Level      `json:"-"`
	ExposedAt  time.Time  `json:"exposed_at"`
	ClosedAt   *time.Time `json:"-"`
}

// ExposureFilter selects rows of the exposure board: exposed hazards still
// open or closed since ClosedSince; within Region (its code, descendants
// included) when set, of Level when set, in one of States when any; after
// the row (AfterAt, AfterID) when AfterID is set; at most Limit.
type ExposureFilter struct {
	ClosedSince time.Time
	Region      string
	Level       Level
	States      []State
	AfterAt     time.Time
	AfterID     int64
	Limit       int
}

// ListExposures returns the rows of the exposure board f selects, the most
// recently exposed first (exposure time, then escalation id: a keyset).
func (s *Store) ListExposures(ctx context.Context, f ExposureFilter) ([]Exposure, error) {
	var out []Exposure
	q := s.r(ctx).Table("escalations").
		Select(`escalations.id, hazards.id AS hazard_id, hazards.title, COALESCE(enterprises.name, hazards.responsible_unit) AS enterprise,
			regions.name AS region, hazards.region_code, hazards.state, hazards.due_on, hazards.level, escalations.created_at AS exposed_at, hazards.closed_at`).
		Joins("JOIN hazards ON hazards.id = escalations.hazard_id").
		Joins("JOIN regions ON regions.code = hazards.region_code").
		Joins("LEFT JOIN enterprises ON enterprises.id = hazards.enterprise_id").
		Where("escalations.step = 4 AND hazards.state <> 'dismissed' AND (hazards.closed_at IS NULL OR hazards.closed_at >= ?)", f.ClosedSince.UTC())
	if f.Region != "" {
		lo, hi := RegionRange(f.Region)
		q = q.Where("hazards.region_code BETWEEN ? AND ?", lo, hi)
	}
	if f.Level != "" {
		q = q.Where("hazards.level = ?", f.Level)
	}
	if len(f.States) > 0 {
		q = q.Where("hazards.state IN ?", f.States)
	}
	if f.AfterID > 0 {
		at := f.AfterAt.UTC()
		q = q.Where("(escalations.created_at < ? OR (escalations.created_at = ? AND escalations.id < ?))", at, at, f.AfterID)
	}
	err := q.Order("escalations.created_at DESC, escalations.id DESC").Limit(f.Limit).Scan(&out).Error
	return out, translate("model: list exposures", err)
}

// CalendarRow is a holiday calendar an admin stored for a year.
type CalendarRow struct {
	Year      int `gorm:"primaryKey"`
	Body      string
	UpdatedBy *int64
	UpdatedAt time.Time
}

// TableName keeps gorm off "calendar_rows".
func (CalendarRow) TableName() string { return "calendars" }

// PutCalendar stores (or replaces) a year's calendar.
func (s *Store) PutCalendar(ctx context.Context, c *CalendarRow) error {
	err := s.w(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "year"}},
		DoUpdates: clause.AssignmentColumns([]string{"body", "updated_by", "updated_at"}),
	}).Create(c).Error
	return translate("model: put calendar", err)
}

// GetCalendar returns the calendar stored for year, or ErrNotFound.
func (s *Store) GetCalendar(ctx context.Context, year int) (*CalendarRow, error) {
	var c CalendarRow
	if err := s.r(ctx).Where("year = ?", year).Take(&c).Error; err != nil {
		return nil, translate("model: get calendar", err)
	}
	return &c, nil
}

// ListCalendars returns the stored calendars by year.
func (s *Store) ListCalendars(ctx context.Context) ([]CalendarRow, error) {
	var cs []CalendarRow
	return cs, translate("model: list calendars", s.r(ctx).Order("year").Find(&cs).Error)
}
