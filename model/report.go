package model

import (
	"context"
	"time"
)

// Reward states of a public report's reward (all of them) and of a
// successful avoidance's (proposed and after).
const (
	RewardNone     = "none"
	RewardEligible = "eligible"
	RewardProposed = "proposed"
	RewardApproved = "approved"
	RewardPaid     = "paid"
	RewardDeclined = "declined"
)

// Report is a public report (群众举报) behind a hazard. The contact is sealed;
// the tracking code is kept only as its hash.
type Report struct {
	ID                   int64      `gorm:"primaryKey" json:"id"`
	HazardID             int64      `json:"hazard_id"`
	CodeHash             string     `json:"-"`
	Address              string     `json:"address"`
	Latitude             *float64   `json:"latitude"`
	Longitude            *float64   `json:"longitude"`
	ContactSealed        string     `json:"-"`
	RealName             bool       `json:"real_name"`
	WantsReward          bool       `json:"wants_reward"`
	IntakeSeq            int64      `json:"-"`
	ReceivedAt           time.Time  `json:"received_at"`
	CheckDue             Date       `json:"check_due"`
	CheckExtensionReason string     `json:"check_extension_reason"`
	CheckedAt            *time.Time `json:"checked_at"`
	Answer               string     `json:"answer"`
	AnsweredAt           *time.Time `json:"answered_at"`
	AnsweredBy           *int64     `json:"answered_by"`
	Fine                 *float64   `json:"fine"` // yuan, the fine the reward is a share of
	Reward               `gorm:"embedded;embeddedPrefix:reward_"`
}

// Reward is a reward's two-person record (the reward_* columns), shared by a
// public report's reward and a successful avoidance's (AvoidanceReward): a
// supervisor proposes the amount, another supervisor approves or declines
// it, and the payment of an approved one is recorded (workflow's rewardFlow).
type Reward struct {
	Status     string     `json:"reward_status"` // RewardNone … RewardDeclined
	Amount     *float64   `json:"reward_amount"` // yuan
	Note       string     `json:"reward_note"`   // why it was declined, or the approver's note
	ProposedBy *int64     `json:"reward_proposed_by"`
	ProposedAt *time.Time `json:"reward_proposed_at"`
	DecidedBy  *int64     `json:"reward_decided_by"`
	DecidedAt  *time.Time `json:"reward_decided_at"`
	PaidAt     *time.Time `json:"reward_paid_at"`
}

// reportMutable are the columns that change after intake.
var reportMutable = []string{
	"check_due", "check_extension_reason", "checked_at", "answer", "answered_at", "answered_by",
	"reward_status", "fine", "reward_amount", "reward_note", "reward_proposed_by", "reward_proposed_at",
	"reward_decided_by", "reward_decided_at", "reward_paid_at",
}

// CreateReport inserts r.
func (s *Store) CreateReport(ctx context.Context, r *Report) error {
	return translate("model: create report", s.w(ctx).Create(r).Error)
}

// GetReport returns report id, or ErrNotFound.
func (s *Store) GetReport(ctx context.Context, id int64) (*Report, error) {
	var r Report
	if err := s.r(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate("model: get report", err)
	}
	return &r, nil
}

// GetReportByCode returns the report whose tracking code hashes to codeHash.
func (s *Store) GetReportByCode(ctx context.Context, codeHash string) (*Report, error) {
	var r Report
	if err := s.r(ctx).Where("code_hash = ?", codeHash).Take(&r).Error; err != nil {
		return nil, translate("model: get report by code", err)
	}
	return &r, nil
}

// UpdateReport writes r's mutable columns.
func (s *Store) UpdateReport(ctx context.Context, r *Report) error {
	return translate("model: update report", s.w(ctx).Model(r).Select(reportMutable).Updates(r).Error)
}

// MarkReportsChecked records that the reports behind hazard id were checked at.
func (s *Store) MarkReportsChecked(ctx context.Context, hazardID int64, at time.Time) error {
	err := s.w(ctx).Model(&Report{}).Where("hazard_id = ? AND checked_at IS NULL", hazardID).
		Update("checked_at", at).Error
	return translate("model: mark reports checked", err)
}

// ReportsOf returns the reports behind hazard id and behind the hazards merged
// into it (dismissed as its duplicates), first received first.
func (s *Store) ReportsOf(ctx context.Context, hazardID int64) ([]Report, error) {
	var rs []Report
	err := s.w(ctx).Where("hazard_id = ? OR hazard_id IN (SELECT id FROM hazards WHERE duplicate_of = ?)", hazardID, hazardID).
		Order("received_at, id").Find(&rs).Error
	return rs, translate("model: reports of hazard", err)
}

// ReportFilter selects reports for staff lists.
type ReportFilter struct {
	Scope     Scope
	HazardID  int64
	Unchecked bool // not yet checked
	Owed      bool // checked but not answered
	Rewards   bool // reward eligible, proposed or approved
	Limit     int
}

// ReportRow is a report with its hazard's place and state, for staff lists.
type ReportRow struct {
	Report
	HazardCode  string `json:"hazard_code"`
	HazardTitle string `json:"hazard_title"`
	HazardState State  `json:"hazard_state"`
	RegionCode  string `json:"region_code"`
}

// ListReports returns reports matching f, the oldest first.
func (s *Store) ListReports(ctx context.Context, f ReportFilter) ([]ReportRow, error) {
	q := s.r(ctx).Table("reports").
		Select("reports.*, hazards.code AS hazard_code, hazards.title AS hazard_title, hazards.state AS hazard_state, hazards.region_code").
		Joins("JOIN hazards ON hazards.id = reports.hazard_id")
	q, ok := scoped(q, f.Scope, "hazards.")
	if !ok {
		return nil, nil
	}
	if f.HazardID != 0 {
		q = q.Where("reports.hazard_id = ?", f.HazardID)
	}
	if f.Unchecked {
		q = q.Where("reports.checked_at IS NULL")
	}
	if f.Owed {
		q = q.Where("reports.checked_at IS NOT NULL AND reports.answered_at IS NULL")
	}
	if f.Rewards {
		q = q.Where("reports.reward_status IN ('eligible', 'proposed', 'approved')")
	}
	var rows []ReportRow
	err := q.Order("reports.received_at, reports.id").Limit(f.Limit).Scan(&rows).Error
	return rows, translate("model: list reports", err)
}

// ReportLocations returns the coordinates reported for each of the given hazards.
func (s *Store) ReportLocations(ctx context.Context, hazardIDs []int64) (map[int64][2]float64, error) {
	var rows []struct {
		HazardID            int64
		Latitude, Longitude float64
	}
	err := s.r(ctx).Model(&Report{}).Select("hazard_id, latitude, longitude").
		Where("hazard_id IN ? AND latitude IS NOT NULL AND longitude IS NOT NULL", hazardIDs).Scan(&rows).Error
	out := map[int64][2]float64{}
	for _, r := range rows {
		out[r.HazardID] = [2]float64{r.Latitude, r.Longitude}
	}
	return out, translate("model: report locations", err)
}

// Hit counts one use of key in the fixed window starting at window, and returns
// the count so far (this one included). Shared by every replica.
func (s *Store) Hit(ctx context.Context, key string, window time.Time) (int64, error) {
	var n int64
	err := s.w(ctx).Raw(`INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
		RETURNING count`, key, window.UTC()).Scan(&n).Error
	return n, translate("model: rate limit", err)
}

// Unhit takes back one hit of key in the window that starts at window: a
// request that was let through and then refused is not counted.
func (s *Store) Unhit(ctx context.Context, key string, window time.Time) error {
	return translate("model: rate limit", s.w(ctx).Exec(`UPDATE rate_limits SET count = count - 1
		WHERE key = ? AND window_start = ? AND count > 0`, key, window.UTC()).Error)
}

// ForgetWindowsBefore deletes rate-limit windows that started before t.
func (s *Store) ForgetWindowsBefore(ctx context.Context, t time.Time) error {
	return translate("model: forget windows", s.w(ctx).Exec("DELETE FROM rate_limits WHERE window_start < ?", t.UTC()).Error)
}

// ReportsByCodePrefix returns the reports whose code hash starts with prefix
// (hex), the public ids of Open311. A range on code_hash, so its index serves.
func (s *Store) ReportsByCodePrefix(ctx context.Context, prefix string) ([]Report, error) {
	var rs []Report
	err := s.r(ctx).Where("code_hash >= ? AND code_hash < ?", prefix, prefix+"g").Order("id").Limit(2).Find(&rs).Error
	return rs, translate("model: reports by code prefix", err)
}

// ReportsReceived returns at most limit reports received in [from, to), the
// latest first.
func (s *Store) ReportsReceived(ctx context.Context, from, to time.Time, limit int) ([]Report, error) {
	var rs []Report
	err := s.r(ctx).Where("received_at >= ? AND received_at < ?", from.UTC(), to.UTC()).
		Order("received_at DESC, id DESC").Limit(limit).Find(&rs).Error
	return rs, translate("model: reports received", err)
}
