package model

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Scope limits what a query returns to a territory or to one enterprise, and
// within a territory, when Department is set, to that department's hazards (and
// with MajorToo also every listed major hazard of the territory, the shared
// register). Who gets which scope is workflow's rule (Actor.Scope); this is its
// SQL. The zero Scope matches nothing; AllScope matches everything.
type Scope struct {
	All          bool
	Region       string // a region code: itself and every region below it
	EnterpriseID int64
	Department   Department // with Region: only this department's hazards
	MajorToo     bool       // with Department: and every listed major hazard of the territory
}

// AllScope sees every row.
var AllScope = Scope{All: true}

// RegionRange returns the lowest and highest code in the territory of region:
// codes compare as text, so 360102 ≤ 360102001 ≤ 360102001001 ≤ 360102999999.
func RegionRange(region string) (lo, hi string) {
	p := RegionPrefix(region)
	lo = p
	if len(p) < 6 {
		lo = p + "000000"[len(p):]
	}
	return lo, p + "999999999999"[len(p):]
}

// CreateRegion inserts r; ErrDuplicate if the code exists.
func (s *Store) CreateRegion(ctx context.Context, r *Region) error {
	return translate("model: create region", s.w(ctx).Create(r).Error)
}

// GetRegion returns the region with code, or ErrNotFound.
func (s *Store) GetRegion(ctx context.Context, code string) (*Region, error) {
	var r Region
	if err := s.r(ctx).Where("code = ?", code).Take(&r).Error; err != nil {
		return nil, translate("model: get region "+code, err)
	}
	return &r, nil
}

// ListRegions returns the regions within the territory of under ("" for all),
// ordered by code.
func (s *Store) ListRegions(ctx context.Context, under string) ([]Region, error) {
	q := s.r(ctx).Order("code")
	if under != "" {
		lo, hi := RegionRange(under)
		q = q.Where("code BETWEEN ? AND ?", lo, hi)
	}
	var rs []Region
	return rs, translate("model: list regions", q.Find(&rs).Error)
}

// CreateEnterprise inserts e; ErrDuplicate if the credit code exists.
func (s *Store) CreateEnterprise(ctx context.Context, e *Enterprise) error {
	return translate("model: create enterprise", s.w(ctx).Create(e).Error)
}

// GetEnterprise returns the enterprise id, or ErrNotFound.
func (s *Store) GetEnterprise(ctx context.Context, id int64) (*Enterprise, error) {
	var e Enterprise
	if err := s.r(ctx).Where("id = ?", id).Take(&e).Error; err != nil {
		return nil, translate("model: get enterprise", err)
	}
	return &e, nil
}

// ListEnterprises returns the enterprises in scope, ordered by id.
func (s *Store) ListEnterprises(ctx context.Context, sc Scope) ([]Enterprise, error) {
	q, ok := scopedEnterprises(s.r(ctx).Order("id"), sc)
	if !ok {
		return nil, nil
	}
	var es []Enterprise
	return es, translate("model: list enterprises", q.Find(&es).Error)
}

// CreateUser inserts u; ErrDuplicate if the username exists.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	return translate("model: create user", s.w(ctx).Create(u).Error)
}

// GetUser returns the user id, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id int64) (*User, error) {
	var u User
	if err := s.r(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, translate("model: get user", err)
	}
	return &u, nil
}

// GetUserByUsername returns the user, or ErrNotFound.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (*User, error) {
	var u User
	if err := s.r(ctx).Where("username = ?", username).Take(&u).Error; err != nil {
		return nil, translate("model: get user", err)
	}
	return &u, nil
}

// ListUsers returns the users in scope (by their region or enterprise), by id.
func (s *Store) ListUsers(ctx context.Context, sc Scope) ([]User, error) {
	q, ok := ownedBy(s.r(ctx).Order("id"), sc, "enterprise_id")
	if !ok {
		return nil, nil
	}
	var us []User
	return us, translate("model: list users", q.Find(&us).Error)
}

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	return n, translate("model: count users", s.r(ctx).Model(&User{}).Count(&n).Error)
}

// CreateSession stores a login.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	return translate("model: create session", s.w(ctx).Create(sess).Error)
}

// SessionUser returns the active user whose unexpired session has tokenHash, and
// when that session expires; ErrNotFound if there is none.
func (s *Store) SessionUser(ctx context.Context, tokenHash string, now time.Time) (*User, time.Time, error) {
	var row struct {
		User
		SessionExpires time.Time
	}
	err := s.r(ctx).Model(&User{}).Select("users.*, sessions.expires_at AS session_expires").
		Joins("JOIN sessions ON sessions.user_id = users.id").
		Where("sessions.token_hash = ? AND sessions.expires_at > ? AND users.active", tokenHash, now.UTC()).
		Take(&row).Error
	if err != nil {
		return nil, time.Time{}, translate("model: session user", err)
	}
	return &row.User, row.SessionExpires, nil
}

// UpdateUser sets the given columns (display_name, active, password_hash) of
// user id; ErrNotFound if there is no such user.
func (s *Store) UpdateUser(ctx context.Context, id int64, cols map[string]any) error {
	res := s.w(ctx).Model(&User{}).Where("id = ?", id).Updates(cols)
	if res.Error == nil && res.RowsAffected == 0 {
		return fmt.Errorf("model: update user: %w", ErrNotFound)
	}
	return translate("model: update user", res.Error)
}

// DeleteUserSessions ends every login of user id.
func (s *Store) DeleteUserSessions(ctx context.Context, id int64) error {
	return translate("model: delete sessions", s.w(ctx).Where("user_id = ?", id).Delete(&Session{}).Error)
}

// DeleteSession ends a login, and any expired ones while at it.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string, now time.Time) error {
	err := s.w(ctx).Where("token_hash = ? OR expires_at < ?", tokenHash, now).Delete(&Session{}).Error
	return translate("model: delete session", err)
}

// scopedEnterprises limits an enterprise query to sc; ok is false when sc matches
// nothing.
func scopedEnterprises(q *gorm.DB, sc Scope) (*gorm.DB, bool) { return ownedBy(q, sc, "id") }

// ownedBy limits q, over rows that carry a region_code and an enterprise in
// entColumn (users, enterprises themselves, filings), to sc's territory or
// enterprise; ok is false when sc matches nothing.
func ownedBy(q *gorm.DB, sc Scope, entColumn string) (*gorm.DB, bool) {
	switch {
	case sc.All:
	case sc.EnterpriseID != 0:
		q = q.Where(entColumn+" = ?", sc.EnterpriseID)
	case sc.Region != "":
		lo, hi := RegionRange(sc.Region)
		q = q.Where("region_code BETWEEN ? AND ?", lo, hi)
	default:
		return q, false
	}
	return q, true
}

// ListRegionsUpTo returns the regions of level at most level, by code.
func (s *Store) ListRegionsUpTo(ctx context.Context, level int) ([]Region, error) {
	var rs []Region
	return rs, translate("model: list regions", s.r(ctx).Where("level <= ?", level).Order("code").Find(&rs).Error)
}

// CountRegions returns how many regions exist.
func (s *Store) CountRegions(ctx context.Context) (int64, error) {
	var n int64
	return n, translate("model: count regions", s.r(ctx).Model(&Region{}).Count(&n).Error)
}

// RegionNames returns every region's name and parent by code (for an import to
// compare a table with).
func (s *Store) RegionNames(ctx context.Context) (map[string]Region, error) {
	var rs []Region
	if err := s.r(ctx).Select("code, name, parent_code, level").Find(&rs).Error; err != nil {
		return nil, translate("model: region names", err)
	}
	out := make(map[string]Region, len(rs))
	for _, r := range rs {
		out[r.Code] = r
	}
	return out, nil
}

// RenameRegion sets the name of region code; ErrNotFound if there is none.
func (s *Store) RenameRegion(ctx context.Context, code, name string) error {
	res := s.w(ctx).Model(&Region{}).Where("code = ?", code).Update("name", name)
	if res.Error == nil && res.RowsAffected == 0 {
		return fmt.Errorf("model: rename region %s: %w", code, ErrNotFound)
	}
	return translate("model: rename region", res.Error)
}

// ChildRegions returns up to limit regions whose parent is parent ("" for the
// regions without one), ordered by code.
func (s *Store) ChildRegions(ctx context.Context, parent string, limit int) ([]Region, error) {
	q := s.r(ctx).Order("code").Limit(limit)
	if parent == "" {
		q = q.Where("parent_code IS NULL")
	} else {
		q = q.Where("parent_code = ?", parent)
	}
	var rs []Region
	return rs, translate("model: child regions", q.Find(&rs).Error)
}

// RegionsByCode returns the regions of codes that exist, in no order.
func (s *Store) RegionsByCode(ctx context.Context, codes []string) ([]Region, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	var rs []Region
	return rs, translate("model: regions by code", s.r(ctx).Where("code IN ?", codes).Find(&rs).Error)
}
