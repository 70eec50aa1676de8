package model

import (
	"context"
	"time"
)

// Avoidance is a successful avoidance (成功避险) of a disaster hazard: the
// danger came, and the people under threat were out of its way. It is
// recorded with the avoidance event, whose position in the hazard's log is
// Seq; the rewards for it are AvoidanceRewards.
type Avoidance struct {
	ID              int64     `gorm:"primaryKey" json:"id"`
	HazardID        int64     `json:"hazard_id"`
	Seq             int64     `json:"seq"`
	OccurredAt      time.Time `json:"occurred_at"`
	What            string    `json:"what"`
	PeopleEvacuated int       `json:"people_evacuated"`
	Casualties      int       `json:"casualties"`
	RecordedBy      *int64    `json:"recorded_by"`
	RecordedName    string    `json:"recorded_name"`
	CreatedAt       time.Time `json:"created_at"`
}

// AvoidanceReward is the reward (灾害隐患排查并成功避险奖励) of one member of
// staff — the officer or monitor who reported or patrolled the hazard — for
// one avoidance, with the two-person record of every reward (Reward).
type AvoidanceReward struct {
	ID          int64  `gorm:"primaryKey" json:"id"`
	AvoidanceID int64  `json:"avoidance_id"`
	HazardID    int64  `json:"hazard_id"`
	UserID      int64  `json:"user_id"`
	UserName    string `json:"user_name"`
	Reward      `gorm:"embedded;embeddedPrefix:reward_"`
	CreatedAt   time.Time `json:"created_at"`
}

// avoidanceRewardMutable are the columns that change after the proposal.
var avoidanceRewardMutable = []string{"reward_status", "reward_amount", "reward_note", "reward_proposed_by",
	"reward_proposed_at", "reward_decided_by", "reward_decided_at", "reward_paid_at"}

// CreateAvoidance inserts a.
func (s *Store) CreateAvoidance(ctx context.Context, a *Avoidance) error {
	return translate("model: create avoidance", s.w(ctx).Create(a).Error)
}

// GetAvoidance returns avoidance id.
func (s *Store) GetAvoidance(ctx context.Context, id int64) (*Avoidance, error) {
	var a Avoidance
	if err := s.r(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		return nil, translate("model: get avoidance", err)
	}
	return &a, nil
}

// HazardAvoidances lists the avoidances of hazard id and their rewards,
// oldest first.
func (s *Store) HazardAvoidances(ctx context.Context, id int64) ([]Avoidance, []AvoidanceReward, error) {
	var as []Avoidance
	if err := s.r(ctx).Where("hazard_id = ?", id).Order("id").Find(&as).Error; err != nil {
		return nil, nil, translate("model: list avoidances", err)
	}
	var rs []AvoidanceReward
	if len(as) > 0 {
		if err := s.r(ctx).Where("hazard_id = ?", id).Order("id").Find(&rs).Error; err != nil {
			return nil, nil, translate("model: list avoidance rewards", err)
		}
	}
	return as, rs, nil
}

// CreateAvoidanceReward inserts r; ErrDuplicate when the user already has a
// reward for that avoidance.
func (s *Store) CreateAvoidanceReward(ctx context.Context, r *AvoidanceReward) error {
	return translate("model: create avoidance reward", s.w(ctx).Create(r).Error)
}

// GetAvoidanceReward returns avoidance reward id.
func (s *Store) GetAvoidanceReward(ctx context.Context, id int64) (*AvoidanceReward, error) {
	var r AvoidanceReward
	if err := s.r(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate("model: get avoidance reward", err)
	}
	return &r, nil
}

// UpdateAvoidanceReward writes r's reward columns.
func (s *Store) UpdateAvoidanceReward(ctx context.Context, r *AvoidanceReward) error {
	return translate("model: update avoidance reward", s.w(ctx).Model(r).Select(avoidanceRewardMutable).Updates(r).Error)
}

// UserRewardRow is a reward of one member of staff with its hazard and
// avoidance, for their own list.
type UserRewardRow struct {
	AvoidanceReward
	HazardCode      string    `json:"hazard_code"`
	HazardTitle     string    `json:"hazard_title"`
	OccurredAt      time.Time `json:"occurred_at"`
	What            string    `json:"what"`
	PeopleEvacuated int       `json:"people_evacuated"`
}

// UserRewards lists user id's avoidance rewards, newest first, at most limit.
func (s *Store) UserRewards(ctx context.Context, userID int64, limit int) ([]UserRewardRow, error) {
	var rows []UserRewardRow
	err := s.r(ctx).Table("avoidance_rewards").
		Select("avoidance_rewards.*, hazards.code AS hazard_code, hazards.title AS hazard_title, avoidances.occurred_at, avoidances.what, avoidances.people_evacuated").
		Joins("JOIN avoidances ON avoidances.id = avoidance_rewards.avoidance_id").
		Joins("JOIN hazards ON hazards.id = avoidance_rewards.hazard_id").
		Where("avoidance_rewards.user_id = ?", userID).
		Order("avoidance_rewards.id DESC").Limit(limit).Scan(&rows).Error
	return rows, translate("model: user rewards", err)
}

// AvoidanceStats counts the successful avoidances of the hazards in sc's
// territory and the people they moved out of harm's way.
type AvoidanceStats struct {
	Count     int64
	Evacuated int64
}

// AvoidanceCounts reads AvoidanceStats for scope sc.
func (s *Store) AvoidanceCounts(ctx context.Context, sc Scope) (AvoidanceStats, error) {
	var st AvoidanceStats
	q := s.r(ctx).Table("avoidances").Joins("JOIN hazards ON hazards.id = avoidances.hazard_id").
		Select("count(*) AS count, coalesce(sum(avoidances.people_evacuated), 0) AS evacuated")
	q, ok := scoped(q, sc, "hazards.")
	if !ok {
		return st, nil
	}
	return st, translate("model: avoidance counts", q.Scan(&st).Error)
}
