package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hazardloop/model"
)

// The kinds of audit entry, and what the admin's page calls each.
const (
	AuditUserCreate        = "user.create"
	AuditUserUpdate        = "user.update" // display name, department
	AuditUserDeactivate    = "user.deactivate"
	AuditUserActivate      = "user.activate"
	AuditUserPasswordReset = "user.password_reset"
	AuditUserUnlock        = "user.unlock"
	AuditEnterpriseCreate  = "enterprise.create"
	AuditRegionCreate      = "region.create"
	AuditRegionImport      = "region.import"
	AuditCalendarPut       = "calendar.put"
	AuditLadderPut         = "ladder.put"
	AuditStandardPut       = "standard.put"
)

// AuditKinds lists the kinds with their Chinese names, in the order the
// page's filter offers them.
var AuditKinds = [][2]string{
	{AuditUserCreate, "新建账号"},
	{AuditUserUpdate, "修改账号"},
	{AuditUserDeactivate, "停用账号"},
	{AuditUserActivate, "启用账号"},
	{AuditUserPasswordReset, "重置密码"},
	{AuditUserUnlock, "解除登录锁定"},
	{AuditEnterpriseCreate, "登记企业"},
	{AuditRegionCreate, "新增行政区划"},
	{AuditRegionImport, "导入行政区划"},
	{AuditCalendarPut, "更新节假日安排"},
	{AuditLadderPut, "调整督办阶梯"},
	{AuditStandardPut, "更新判定标准"},
}

// AuditKindLabel is the Chinese name of kind (kind itself when unknown).
func AuditKindLabel(kind string) string {
	for _, k := range AuditKinds {
		if k[0] == kind {
			return k[1]
		}
	}
	return kind
}

// AuditEntities are the kinds of thing the log records changes to.
var AuditEntities = [][2]string{
	{"user", "账号"}, {"enterprise", "企业"}, {"region", "行政区划"},
	{"calendar", "节假日安排"}, {"ladder", "督办阶梯"}, {"standard", "判定标准"},
}

// auditChange is one change to record: its kind, the entity changed, and the
// entity before and after (nil for none; values that encode as JSON objects).
type auditChange struct {
	Kind, Entity, ID, Label string
	Before, After           any
}

// secretKeys are never written into the log, at any depth: a change is
// recorded with what the account looks like, never its password.
var secretKeys = map[string]bool{"password": true, "password_hash": true, "passwordhash": true, "token": true, "token_hash": true}

// auditJSON encodes v as the log keeps it ("" for nil), without secretKeys.
func auditJSON(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("workflow: audit: %w", err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return "", fmt.Errorf("workflow: audit: %w", err)
	}
	b, err = json.Marshal(scrub(tree))
	return string(b), err
}

func scrub(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if secretKeys[strings.ToLower(k)] {
				delete(t, k)
				continue
			}
			t[k] = scrub(x)
		}
	case []any:
		for i := range t {
			t[i] = scrub(t[i])
		}
	}
	return v
}

// audit appends ch, made by a, to the audit log in tx: the transaction of
// the change itself. An actor without an account (ID 0: the command line, the
// service at start) is recorded as the system, under its name.
func (e *core) audit(ctx context.Context, tx *model.Store, a Actor, ch auditChange) error {
	before, err := auditJSON(ch.Before)
	if err != nil {
		return err
	}
	after, err := auditJSON(ch.After)
	if err != nil {
		return err
	}
	ent := &model.AuditEntry{CreatedAt: e.Now(), ActorID: actorID(a), ActorName: a.Name, ActorRole: a.Role,
		Kind: ch.Kind, Entity: ch.Entity, EntityID: ch.ID, Label: ch.Label, Before: before, After: after}
	if a.ID == 0 {
		ent.ActorRole = model.RoleSystem
		if ent.ActorName == "" {
			ent.ActorName = SystemActor.Name
		}
	}
	return tx.AppendAudit(ctx, ent)
}

// userRecord is an account as the log shows it: never its password hash.
type userRecord struct {
	Username     string           `json:"username"`
	DisplayName  string           `json:"display_name"`
	Role         model.Role       `json:"role"`
	RegionCode   *string          `json:"region_code,omitempty"`
	EnterpriseID *int64           `json:"enterprise_id,omitempty"`
	Department   model.Department `json:"department,omitempty"`
	Active       bool             `json:"active"`
}

func recordUser(u *model.User) userRecord {
	return userRecord{Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, RegionCode: u.RegionCode,
		EnterpriseID: u.EnterpriseID, Department: u.Department, Active: u.Active}
}

func userChange(kind string, u *model.User, before, after any) auditChange {
	return auditChange{Kind: kind, Entity: "user", ID: strconv.FormatInt(u.ID, 10), Label: u.Username, Before: before, After: after}
}

// AuditQuery filters the audit log (GET /api/v1/audit, the admin's page).
type AuditQuery struct {
	Kind   string
	Actor  string // a user id
	Entity string // user, region …
	From   string // YYYY-MM-DD, Asia/Shanghai, inclusive
	To     string // YYYY-MM-DD, Asia/Shanghai, inclusive
	Cursor string // the next_cursor of the page before
	Limit  string // 50 by default, at most 200
}

// AuditItem is an entry as the API and the page show it: before and after
// as JSON objects (null for none).
type AuditItem struct {
	Seq       int64           `json:"seq"`
	CreatedAt time.Time       `json:"created_at"`
	ActorID   *int64          `json:"actor_id"`
	Actor     string          `json:"actor"`
	ActorRole model.Role      `json:"actor_role"`
	Kind      string          `json:"kind"`
	KindLabel string          `json:"kind_label"`
	Entity    string          `json:"entity"`
	EntityID  string          `json:"entity_id"`
	Label     string          `json:"label"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	PrevHash  string          `json:"prev_hash"`
	Hash      string          `json:"hash"`
}

// AuditPage is a page of the log, newest first; NextCursor is "" on the last.
type AuditPage struct {
	Entries    []AuditItem `json:"entries"`
	NextCursor string      `json:"next_cursor"`
}

const (
	auditPageDefault = 50
	auditPageMax     = 200
)

// Audit lists the audit log (admins only), newest first, a page at a time.
func (e *Directory) Audit(ctx context.Context, a Actor, q AuditQuery) (*AuditPage, error) {
	if a.Role != model.RoleAdmin {
		return nil, errForbidden("只有系统管理员可以查看审计日志")
	}
	f := model.AuditFilter{Kind: strings.TrimSpace(q.Kind), Entity: strings.TrimSpace(q.Entity), Limit: auditPageDefault}
	errs := fieldErrors{}
	if s := strings.TrimSpace(q.Actor); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			errs.add("actor", "actor 应为操作人的账号编号（正整数）")
		}
		f.ActorID = n
	}
	if s := strings.TrimSpace(q.Limit); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			errs.add("limit", fmt.Sprintf("limit 应为 1 到 %d 的整数", auditPageMax))
		}
		f.Limit = clampLimit(n, auditPageDefault, auditPageMax)
	}
	if f.Kind != "" && AuditKindLabel(f.Kind) == f.Kind {
		errs.add("kind", "未知的变更类型："+f.Kind)
	}
	if f.Entity != "" && !knownEntity(f.Entity) {
		errs.add("entity", "未知的对象类型："+f.Entity+"（可选 user、enterprise、region、calendar、ladder、standard）")
	}
	day := func(field, s string) time.Time {
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}
		}
		d, err := time.ParseInLocation("2006-01-02", s, model.Shanghai)
		if err != nil {
			errs.add(field, "日期格式应为 YYYY-MM-DD")
		}
		return d
	}
	f.From = day("from", q.From)
	if to := day("to", q.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // to is inclusive: before the next day begins
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		errs.add("to", "截止日期不能早于起始日期")
	}
	if c := strings.TrimSpace(q.Cursor); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n < 1 {
			errs.add("cursor", "cursor 无效，请使用上一页返回的 next_cursor")
		}
		f.Before = n
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	rows, err := e.store.ListAudit(ctx, f)
	if err != nil {
		return nil, err
	}
	p := &AuditPage{Entries: make([]AuditItem, 0, len(rows))}
	for _, r := range rows {
		p.Entries = append(p.Entries, AuditItem{Seq: r.Seq, CreatedAt: r.CreatedAt, ActorID: r.ActorID, Actor: r.ActorName,
			ActorRole: r.ActorRole, Kind: r.Kind, KindLabel: AuditKindLabel(r.Kind), Entity: r.Entity, EntityID: r.EntityID,
			Label: r.Label, Before: rawJSON(r.Before), After: rawJSON(r.After), PrevHash: r.PrevHash, Hash: r.Hash})
	}
	if len(rows) == f.Limit && rows[len(rows)-1].Seq > 1 {
		p.NextCursor = strconv.FormatInt(rows[len(rows)-1].Seq, 10)
	}
	return p, nil
}

func knownEntity(s string) bool {
	for _, e := range AuditEntities {
		if e[0] == s {
			return true
		}
	}
	return false
}

func rawJSON(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

// ladderRecord is the ladder policy as the log shows it.
func ladderRecord(p LadderPolicy) map[string]any {
	return map[string]any{
		"general_days": p.General, "major_days": p.Major, "plan_days": p.PlanDays, "working_days": p.WorkingDays,
		"reply_days": p.ReplyDays, "remind_days": p.RemindDays, "transfer_days": p.transferDays(),
		"verify_days": p.verifyDays(), "resume_review_days": p.resumeReviewDays(),
	}
}

// RecordLadder records the ladder policy in force when it differs from the
// one the log last recorded (or none is recorded yet). The policy is the
// service's configuration (flags, environment), so that a change to it takes
// effect when the service starts: serve calls this at start, as the system.
// Replicas starting together record it once: the log is locked while the
// last policy is read. It says whether it recorded one.
func (e *Supervision) RecordLadder(ctx context.Context) (bool, error) {
	after, err := auditJSON(ladderRecord(e.opts.Ladder))
	if err != nil {
		return false, err
	}
	recorded := false
	err = e.store.Tx(ctx, func(tx *model.Store) error {
		if err := tx.LockAudit(ctx); err != nil {
			return err
		}
		var before any
		last, err := tx.LastAudit(ctx, AuditLadderPut)
		switch {
		case err == nil && last.After == after:
			return nil
		case err == nil:
			before = json.RawMessage(last.After)
		case !errors.Is(err, model.ErrNotFound):
			return err
		}
		recorded = true
		return e.audit(ctx, tx, SystemActor, auditChange{Kind: AuditLadderPut, Entity: "ladder", Label: "督办阶梯",
			Before: before, After: json.RawMessage(after)})
	})
	return recorded, err
}

// VerifyAudit checks the audit log's chain (model.Store.VerifyAudit).
func (e *Directory) VerifyAudit(ctx context.Context) (model.ChainReport, error) {
	return e.store.VerifyAudit(ctx)
}
