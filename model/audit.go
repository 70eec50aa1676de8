package model

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// AuditEntry is one entry of the audit log: a change to an account, a
// region, a calendar, the ladder policy or the standards catalogue, who made
// it and when, and the entity before and after (JSON objects; "" for none —
// a creation has no before). Entries are chained as a hazard's events are:
// each one's hash covers its predecessor's, so that a changed, removed or
// inserted entry shows (VerifyAudit).
type AuditEntry struct {
	Seq       int64 `gorm:"primaryKey;autoIncrement:false"`
	PrevHash  string
	Hash      string
	CreatedAt time.Time
	ActorID   *int64
	ActorName string
	ActorRole Role
	Kind      string // user.create, user.update, region.import …
	Entity    string // user, region, calendar, ladder, standard, enterprise
	EntityID  string
	Label     string // the entity as people name it: a username, a region's name
	Before    string
	After     string
}

// canonicalAudit is the hashed form of an audit entry: fixed field order,
// times in UTC with microseconds, before and after as stored.
type canonicalAudit struct {
	Seq       int64  `json:"seq"`
	CreatedAt string `json:"created_at"`
	ActorID   int64  `json:"actor_id"`
	Actor     string `json:"actor"`
	Role      Role   `json:"role"`
	Kind      string `json:"kind"`
	Entity    string `json:"entity"`
	EntityID  string `json:"entity_id"`
	Label     string `json:"label"`
	Before    string `json:"before"`
	After     string `json:"after"`
}

// ComputeHash returns SHA-256 over the previous hash and the entry's
// canonical form, as HazardEvent.ComputeHash does for events.
func (a *AuditEntry) ComputeHash() string {
	c := canonicalAudit{Seq: a.Seq, CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339Nano),
		Actor: a.ActorName, Role: a.ActorRole, Kind: a.Kind, Entity: a.Entity, EntityID: a.EntityID,
		Label: a.Label, Before: a.Before, After: a.After}
	if a.ActorID != nil {
		c.ActorID = *a.ActorID
	}
	return chainHash(a.PrevHash, c)
}

// Seal links a after the entry whose seq and hash are given (0 and "" for
// the first) and sets its hash. CreatedAt is truncated to microseconds first.
func (a *AuditEntry) Seal(prevSeq int64, prevHash string) {
	a.Seq = prevSeq + 1
	a.PrevHash = prevHash
	a.CreatedAt = a.CreatedAt.UTC().Truncate(time.Microsecond)
	a.Hash = a.ComputeHash()
}

// auditHead is the chain's head: the one row every append locks.
type auditHead struct {
	ID   int `gorm:"primaryKey"`
	Seq  int64
	Hash string
}

func (auditHead) TableName() string { return "audit_head" }

// AppendAudit appends a to the audit log, in the transaction of the change it
// records (so that a change that fails leaves no entry, and one that commits
// never lacks one): only inside Tx. It locks the head row (FOR UPDATE on
// PostgreSQL; SQLite's write transactions run one at a time), so that
// transactions of every replica append one after another to the one chain;
// the lock is held to the commit, and audited changes are an admin's, rare.
func (s *Store) AppendAudit(ctx context.Context, a *AuditEntry) error {
	if !s.inTx {
		return fmt.Errorf("model: append audit outside a transaction")
	}
	head, err := s.lockAudit(ctx)
	if err != nil {
		return err
	}
	a.Seal(head.Seq, head.Hash)
	if err := s.w(ctx).Create(a).Error; err != nil {
		return translate("model: append audit", err)
	}
	err = s.w(ctx).Model(&auditHead{}).Where("id = 1").Updates(map[string]any{"seq": a.Seq, "hash": a.Hash}).Error
	return translate("model: audit head", err)
}

// LockAudit takes the audit log's lock until the transaction ends (only
// inside Tx): a transaction that decides from the log whether to append (is
// this policy new?) decides alone.
func (s *Store) LockAudit(ctx context.Context) error {
	if !s.inTx {
		return fmt.Errorf("model: lock audit outside a transaction")
	}
	_, err := s.lockAudit(ctx)
	return err
}

func (s *Store) lockAudit(ctx context.Context) (auditHead, error) {
	var head auditHead
	q := s.w(ctx)
	if s.dialect == DialectPostgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("id = 1").Take(&head).Error
	return head, translate("model: audit head", err)
}

// AuditFilter selects audit entries, newest first: each field set narrows.
type AuditFilter struct {
	Kind     string
	ActorID  int64
	Entity   string
	EntityID string
	From, To time.Time // created at or after From, before To (zero: open)
	Before   int64     // seq below this (keyset cursor; 0: from the newest)
	Limit    int
}

// ListAudit returns up to f.Limit entries matching f, newest (highest seq) first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	q := s.r(ctx).Order("seq DESC").Limit(f.Limit)
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Entity != "" {
		q = q.Where("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	if f.Before > 0 {
		q = q.Where("seq < ?", f.Before)
	}
	var out []AuditEntry
	return out, translate("model: list audit", q.Find(&out).Error)
}

// LastAudit returns the newest entry of kind, or ErrNotFound.
func (s *Store) LastAudit(ctx context.Context, kind string) (*AuditEntry, error) {
	var a AuditEntry
	if err := s.w(ctx).Where("kind = ?", kind).Order("seq DESC").Take(&a).Error; err != nil {
		return nil, translate("model: last audit", err)
	}
	return &a, nil
}

// auditVerifyBatch is how many entries VerifyAudit reads at a time (a
// variable for the tests, which cross batches with a short chain).
var auditVerifyBatch = 1000

// VerifyAudit checks the whole audit log as VerifyChain checks a hazard's:
// entries numbered 1..n without gaps, each linked to its predecessor's hash,
// each hash matching its content, and the last one the recorded head. It
// reads the chain in seq order a batch at a time (keyset on seq), so that
// memory stays flat however long the log; entries appended while it reads
// beyond the head it read first are left for the next check. Events in the
// report counts the entries checked.
func (s *Store) VerifyAudit(ctx context.Context) (ChainReport, error) {
	var head auditHead
	if err := s.r(ctx).Where("id = 1").Take(&head).Error; err != nil {
		return ChainReport{}, translate("model: audit head", err)
	}
	c := chainCheck{r: ChainReport{OK: true}}
	var last int64
	for last < head.Seq {
		var batch []AuditEntry
		err := s.r(ctx).Where("seq > ? AND seq <= ?", last, head.Seq).Order("seq").Limit(auditVerifyBatch).Find(&batch).Error
		if err != nil {
			return ChainReport{}, translate("model: verify audit", err)
		}
		if len(batch) == 0 {
			break
		}
		for i := range batch {
			a := &batch[i]
			if !c.link(a.Seq, a.PrevHash, a.Hash, a.ComputeHash()) {
				return c.r, nil
			}
		}
		last = batch[len(batch)-1].Seq
	}
	return c.end(head.Hash, "审计日志末条与记录的链头不符，可能有记录被删除"), nil
}
