package model

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// LedgerImport is one upload of the Excel ledger and its outcome. File holds the
// upload for the error report; Errors the problems as JSON [{row, column, message}].
type LedgerImport struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	CreatedBy int64     `json:"created_by"`
	FileName  string    `json:"file_name"`
	DryRun    bool      `json:"dry_run"`
	ValidOnly bool      `json:"valid_only"`
	Committed bool      `json:"committed"`
	TotalRows int       `json:"rows"`
	Created   int       `json:"created"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Skipped   int       `json:"skipped"`
	Errors    JSONText  `json:"errors"`
	Options   JSONText  `json:"options"` // how the file was read: the header mapping, a state for the whole file
	File      []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// LedgerMapping is one header as a region's officials confirmed it: the
// header normalised, and the column key ("" for none).
type LedgerMapping struct {
	RegionCode string `gorm:"primaryKey"`
	Header     string `gorm:"primaryKey"`
	ColumnKey  string
	UpdatedBy  int64
	UpdatedAt  time.Time
}

// SaveLedgerMappings keeps ms (header → column key) as region's, replacing
// what it held for the same headers.
func (s *Store) SaveLedgerMappings(ctx context.Context, region string, ms map[string]string, by int64, at time.Time) error {
	rows := make([]LedgerMapping, 0, len(ms))
	for h, k := range ms {
		rows = append(rows, LedgerMapping{RegionCode: region, Header: h, ColumnKey: k, UpdatedBy: by, UpdatedAt: at})
	}
	if len(rows) == 0 {
		return nil
	}
	err := s.w(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "region_code"}, {Name: "header"}},
		DoUpdates: clause.AssignmentColumns([]string{"column_key", "updated_by", "updated_at"}),
	}).Create(&rows).Error
	return translate("model: save ledger mappings", err)
}

// LedgerMappings returns region's confirmed headers (header → column key).
func (s *Store) LedgerMappings(ctx context.Context, region string) (map[string]string, error) {
	var rows []LedgerMapping
	if err := s.r(ctx).Where("region_code = ?", region).Find(&rows).Error; err != nil {
		return nil, translate("model: ledger mappings", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Header] = r.ColumnKey
	}
	return out, nil
}

// LedgerKey ties a fingerprint of a ledger row to the hazard it created.
type LedgerKey struct {
	Fingerprint string `gorm:"primaryKey"`
	HazardID    int64
}

// CreateLedgerImport stores an import record (its ID is set).
func (s *Store) CreateLedgerImport(ctx context.Context, li *LedgerImport) error {
	return translate("model: create ledger import", s.w(ctx).Create(li).Error)
}

// GetLedgerImport returns import id with its file, or ErrNotFound.
func (s *Store) GetLedgerImport(ctx context.Context, id int64) (*LedgerImport, error) {
	var li LedgerImport
	if err := s.r(ctx).Where("id = ?", id).Take(&li).Error; err != nil {
		return nil, translate(fmt.Sprintf("model: get ledger import %d", id), err)
	}
	return &li, nil
}

// DeleteLedgerImportsBefore removes import records (and their files) made before t.
func (s *Store) DeleteLedgerImportsBefore(ctx context.Context, t time.Time) error {
	return translate("model: delete ledger imports", s.w(ctx).Where("created_at < ?", t).Delete(&LedgerImport{}).Error)
}

// LedgerKeyHazard returns the hazard a ledger row with fingerprint created, or
// ErrNotFound.
func (s *Store) LedgerKeyHazard(ctx context.Context, fingerprint string) (int64, error) {
	var k LedgerKey
	if err := s.r(ctx).Where("fingerprint = ?", fingerprint).Take(&k).Error; err != nil {
		return 0, translate("model: ledger key", err)
	}
	return k.HazardID, nil
}

// CreateLedgerKey records that the ledger row with fingerprint created hazardID.
func (s *Store) CreateLedgerKey(ctx context.Context, fingerprint string, hazardID int64) error {
	return translate("model: create ledger key", s.w(ctx).Create(&LedgerKey{Fingerprint: fingerprint, HazardID: hazardID}).Error)
}

// LedgerKeyHazards returns, of the fingerprints given, those a ledger row
// created a hazard with, and the hazard.
func (s *Store) LedgerKeyHazards(ctx context.Context, fingerprints []string) (map[string]int64, error) {
	out := make(map[string]int64)
	if s.dialect == DialectPostgres && len(fingerprints) > 0 {
		// One statement with one array parameter (an import asks a thousand
		// at a time; a list of parameters is parsed and planned each time).
		// Not gorm's Raw: it would expand the array into a list.
		rows, err := s.r(ctx).Statement.ConnPool.QueryContext(ctx,
			"SELECT fingerprint, hazard_id FROM ledger_keys WHERE fingerprint = ANY($1)", fingerprints)
		if err != nil {
			return nil, translate("model: ledger keys", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k LedgerKey
			if err := rows.Scan(&k.Fingerprint, &k.HazardID); err != nil {
				return nil, translate("model: ledger keys", err)
			}
			out[k.Fingerprint] = k.HazardID
		}
		return out, translate("model: ledger keys", rows.Err())
	}
	for i := 0; i < len(fingerprints); i += BulkBatch {
		var ks []LedgerKey
		err := s.r(ctx).Where("fingerprint IN ?", fingerprints[i:min(i+BulkBatch, len(fingerprints))]).Find(&ks).Error
		if err != nil {
			return nil, translate("model: ledger keys", err)
		}
		for _, k := range ks {
			out[k.Fingerprint] = k.HazardID
		}
	}
	return out, nil
}

// CreateLedgerKeys records ledger keys in bulk, in the caller's transaction.
func (s *Store) CreateLedgerKeys(ctx context.Context, ks []LedgerKey) error {
	if len(ks) == 0 {
		return nil
	}
	return s.BulkInsert(ctx, &ks)
}

// GetHazardByCode returns the hazard with code, or ErrNotFound.
func (s *Store) GetHazardByCode(ctx context.Context, code string) (*Hazard, error) {
	var h Hazard
	if err := s.r(ctx).Where("code = ?", code).Take(&h).Error; err != nil {
		return nil, translate("model: get hazard "+code, err)
	}
	return &h, nil
}

// GetEnterpriseByCreditCode returns the enterprise with the unified social credit
// code, or ErrNotFound.
func (s *Store) GetEnterpriseByCreditCode(ctx context.Context, code string) (*Enterprise, error) {
	var e Enterprise
	if err := s.r(ctx).Where("credit_code = ?", code).Take(&e).Error; err != nil {
		return nil, translate("model: get enterprise by credit code", err)
	}
	return &e, nil
}

// FindEnterprises returns the enterprises in scope named exactly name (at most
// limit), by id.
func (s *Store) FindEnterprises(ctx context.Context, sc Scope, name string, limit int) ([]Enterprise, error) {
	q, ok := scopedEnterprises(s.r(ctx).Where("name = ?", name).Order("id").Limit(limit), sc)
	if !ok {
		return nil, nil
	}
	var es []Enterprise
	return es, translate("model: find enterprises", q.Find(&es).Error)
}

// FindRegions returns the regions within the territory of under ("" for all)
// named exactly name, by code.
func (s *Store) FindRegions(ctx context.Context, under, name string) ([]Region, error) {
	q := s.r(ctx).Where("name = ?", name).Order("code")
	if under != "" {
		lo, hi := RegionRange(under)
		q = q.Where("code BETWEEN ? AND ?", lo, hi)
	}
	var rs []Region
	return rs, translate("model: find regions", q.Find(&rs).Error)
}

// EnterprisesByID returns the enterprises with the given ids (in no order).
func (s *Store) EnterprisesByID(ctx context.Context, ids []int64) ([]Enterprise, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var es []Enterprise
	return es, translate("model: enterprises by id", s.r(ctx).Where("id IN ?", ids).Find(&es).Error)
}

// UsersByID returns the users with the given ids (in no order).
func (s *Store) UsersByID(ctx context.Context, ids []int64) ([]User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var us []User
	return us, translate("model: users by id", s.r(ctx).Where("id IN ?", ids).Find(&us).Error)
}
