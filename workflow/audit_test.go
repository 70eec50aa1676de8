package workflow

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// auditHeadSeq is the seq of the newest audit entry (0 for none).
func auditHeadSeq(t *testing.T, f *fixture) int64 {
	t.Helper()
	es, err := f.store.ListAudit(f.ctx, model.AuditFilter{Limit: 1})
	noErr(t, err)
	if len(es) == 0 {
		return 0
	}
	return es[0].Seq
}

// auditSince returns the entries after seq mark, oldest first.
func auditSince(t *testing.T, f *fixture, mark int64) []model.AuditEntry {
	t.Helper()
	es, err := f.store.ListAudit(f.ctx, model.AuditFilter{Limit: 200})
	noErr(t, err)
	var out []model.AuditEntry
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Seq > mark {
			out = append(out, es[i])
		}
	}
	return out
}

// oneEntry wants exactly one entry after mark, of kind, by who, about
// entity id, and returns it with its before and after decoded.
func oneEntry(t *testing.T, f *fixture, mark int64, kind string, who Actor, entity, id string) (model.AuditEntry, map[string]any, map[string]any) {
	t.Helper()
	es := auditSince(t, f, mark)
	if len(es) != 1 {
		t.Fatalf("%s: %d entries, want 1: %+v", kind, len(es), es)
	}
	e := es[0]
	if e.Kind != kind || e.Entity != entity || (id != "" && e.EntityID != id) || e.ActorName != who.Name {
		t.Errorf("%s: entry %s %s/%s by %s", kind, e.Kind, e.Entity, e.EntityID, e.ActorName)
	}
	if who.ID != 0 && (e.ActorID == nil || *e.ActorID != who.ID || e.ActorRole != who.Role) {
		t.Errorf("%s: actor %v %s, want %d %s", kind, e.ActorID, e.ActorRole, who.ID, who.Role)
	}
	if who.ID == 0 && (e.ActorID != nil || e.ActorRole != model.RoleSystem) {
		t.Errorf("%s: a system actor recorded as %v %s", kind, e.ActorID, e.ActorRole)
	}
	return e, decodeAudit(t, e.Before), decodeAudit(t, e.After)
}

func decodeAudit(t *testing.T, s string) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("entry JSON %q: %v", s, err)
	}
	return m
}

// noSecrets fails if any column of e holds a password, a bcrypt hash or a
// field named for one.
func noSecrets(t *testing.T, e model.AuditEntry, secrets ...string) {
	t.Helper()
	row := strings.Join([]string{e.ActorName, e.Kind, e.Entity, e.EntityID, e.Label, e.Before, e.After}, "\n")
	for _, s := range append(secrets, "$2a$", "password_hash", `"password"`) {
		if s != "" && strings.Contains(row, s) {
			t.Errorf("entry %d (%s) holds %q: %s", e.Seq, e.Kind, s, row)
		}
	}
}

func wantFields(t *testing.T, what string, got map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) {
			t.Errorf("%s: %s = %v, want %v (all: %v)", what, k, got[k], v, got)
		}
	}
}

func wantAuditIntact(t *testing.T, f *fixture) model.ChainReport {
	t.Helper()
	r, err := f.engine.Directory.VerifyAudit(f.ctx)
	noErr(t, err)
	if !r.OK || int64(r.Events) != auditHeadSeq(t, f) {
		t.Fatalf("audit chain: %+v (head seq %d)", r, auditHeadSeq(t, f))
	}
	return r
}

// TestAuditEveryChange: each kind of change to accounts, enterprises,
// regions, calendars, the ladder policy and the standards catalogue is one
// entry with who, what, before and after, never a password nor its hash, and
// the log verifies as one chain.
func TestAuditEveryChange(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		d, ctx := f.engine.Directory, f.ctx

		// The fixture's admin has no account (ID 0): it is recorded as the
		// system, under its name.
		mark := auditHeadSeq(t, f)
		rootU, err := d.CreateUser(ctx, f.actors["admin"], UserInput{Username: "root", Password: "root-password", DisplayName: "管理员甲", Role: "admin"})
		noErr(t, err)
		oneEntry(t, f, mark, AuditUserCreate, f.actors["admin"], "user", strconv.FormatInt(rootU.ID, 10))
		root := ActorOf(rootU)
		uid := func(u *model.User) string { return strconv.FormatInt(u.ID, 10) }

		mark = auditHeadSeq(t, f)
		u, err := d.CreateUser(ctx, root, UserInput{Username: "zhangsan", Password: "first-secret", DisplayName: "张三", Role: "supervisor", RegionCode: "360102"})
		noErr(t, err)
		e, before, after := oneEntry(t, f, mark, AuditUserCreate, root, "user", uid(u))
		stored, err := f.store.GetUser(ctx, u.ID)
		noErr(t, err)
		if before != nil || e.Label != "zhangsan" {
			t.Errorf("create: before %v, label %q", before, e.Label)
		}
		wantFields(t, "create", after, map[string]any{"username": "zhangsan", "display_name": "张三", "role": "supervisor",
			"region_code": "360102", "department": "emergency", "active": true})
		noSecrets(t, e, "first-secret", stored.PasswordHash)

		mark = auditHeadSeq(t, f)
		_, err = d.UpdateUser(ctx, root, u.ID, UserUpdate{DisplayName: sp("张三丰"), Department: sp("housing")})
		noErr(t, err)
		_, before, after = oneEntry(t, f, mark, AuditUserUpdate, root, "user", uid(u))
		wantFields(t, "update before", before, map[string]any{"display_name": "张三", "department": "emergency"})
		wantFields(t, "update after", after, map[string]any{"display_name": "张三丰", "department": "housing"})
		if len(after) != 2 {
			t.Errorf("update records fields it did not change: %v", after)
		}

		// The same name again changes nothing, and records nothing.
		mark = auditHeadSeq(t, f)
		_, err = d.UpdateUser(ctx, root, u.ID, UserUpdate{DisplayName: sp("张三丰")})
		noErr(t, err)
		if es := auditSince(t, f, mark); len(es) != 0 {
			t.Errorf("an update that changed nothing recorded %+v", es)
		}

		mark = auditHeadSeq(t, f)
		_, err = d.UpdateUser(ctx, root, u.ID, UserUpdate{Password: sp("second-secret")})
		noErr(t, err)
		e, _, _ = oneEntry(t, f, mark, AuditUserPasswordReset, root, "user", uid(u))
		newer, err := f.store.GetUser(ctx, u.ID)
		noErr(t, err)
		noSecrets(t, e, "second-secret", newer.PasswordHash, stored.PasswordHash)

		mark = auditHeadSeq(t, f)
		_, err = d.UpdateUser(ctx, root, u.ID, UserUpdate{Active: bp(false)})
		noErr(t, err)
		_, before, after = oneEntry(t, f, mark, AuditUserDeactivate, root, "user", uid(u))
		wantFields(t, "deactivate", before, map[string]any{"active": true})
		wantFields(t, "deactivate", after, map[string]any{"active": false})
		mark = auditHeadSeq(t, f)
		_, err = d.UpdateUser(ctx, root, u.ID, UserUpdate{Active: bp(true)})
		noErr(t, err)
		oneEntry(t, f, mark, AuditUserActivate, root, "user", uid(u))

		// Several changes at once: an entry for each, in one transaction.
		mark = auditHeadSeq(t, f)
		_, err = d.UpdateUser(ctx, root, u.ID, UserUpdate{Password: sp("third-secret"), DisplayName: sp("张三")})
		noErr(t, err)
		if es := auditSince(t, f, mark); len(es) != 2 || es[0].Kind != AuditUserPasswordReset || es[1].Kind != AuditUserUpdate {
			t.Errorf("password and name together: %+v", es)
		} else {
			noSecrets(t, es[0], "third-secret")
			noSecrets(t, es[1], "third-secret")
		}

		// Unlock, after the account is locked for guessing.
		for range DefaultSignIn.AccountFailures {
			_, _, _, err := d.Login(ctx, "zhangsan", "wrong-password", "")
			if kindOf(err) != KindUnauthorized {
				t.Fatalf("wrong password: %v", err)
			}
		}
		mark = auditHeadSeq(t, f)
		_, locked, err := d.Unlock(ctx, root, u.ID)
		noErr(t, err)
		_, before, after = oneEntry(t, f, mark, AuditUserUnlock, root, "user", uid(u))
		if !locked {
			t.Error("the account was not locked")
		}
		wantFields(t, "unlock", before, map[string]any{"locked": true})
		wantFields(t, "unlock", after, map[string]any{"locked": false})

		mark = auditHeadSeq(t, f)
		first := "91360102MA3999990"
		ent, err := d.CreateEnterprise(ctx, root, EnterpriseInput{Name: "审计公司", CreditCode: first + string(CreditCheckChar(first)), RegionCode: "360102", Industry: "化工"})
		noErr(t, err)
		_, _, after = oneEntry(t, f, mark, AuditEnterpriseCreate, root, "enterprise", strconv.FormatInt(ent.ID, 10))
		wantFields(t, "enterprise", after, map[string]any{"name": "审计公司", "region_code": "360102", "industry": "化工"})

		mark = auditHeadSeq(t, f)
		_, err = d.CreateRegion(ctx, root, RegionInput{Code: "360104", Name: "青云谱区", ParentCode: "360100"})
		noErr(t, err)
		_, _, after = oneEntry(t, f, mark, AuditRegionCreate, root, "region", "360104")
		wantFields(t, "region", after, map[string]any{"code": "360104", "name": "青云谱区", "parent_code": "360100"})

		// An import, by the command line (no account): one entry with the
		// counts and the renamed names.
		cli := Actor{Name: "命令行", Role: model.RoleAdmin}
		table := "code,name,parent_code\n360000,江西省,\n360100,南昌市,360000\n360103,西湖新区,360100\n360105,湾里区,360100\n"
		mark = auditHeadSeq(t, f)
		_, err = d.ImportRegions(ctx, cli, strings.NewReader(table))
		noErr(t, err)
		_, before, after = oneEntry(t, f, mark, AuditRegionImport, cli, "region", "")
		wantFields(t, "import", after, map[string]any{"rows": 4, "added": 1, "renamed": 1, "unchanged": 2, "names": map[string]any{"360103": "西湖新区"}})
		wantFields(t, "import", before, map[string]any{"names": map[string]any{"360103": "西湖区"}})
		// The same table again changes nothing.
		mark = auditHeadSeq(t, f)
		_, err = d.ImportRegions(ctx, cli, strings.NewReader(table))
		noErr(t, err)
		if es := auditSince(t, f, mark); len(es) != 0 {
			t.Errorf("an import that changed nothing recorded %+v", es)
		}

		cal := `{"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知", "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}], "workdays": []}`
		mark = auditHeadSeq(t, f)
		_, err = f.engine.Supervision.PutCalendar(ctx, root, 2027, []byte(cal))
		noErr(t, err)
		_, before, after = oneEntry(t, f, mark, AuditCalendarPut, root, "calendar", "2027")
		wantFields(t, "calendar before (shipped)", before, map[string]any{"year": 2027, "provisional": true})
		wantFields(t, "calendar after", after, map[string]any{"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知"})
		mark = auditHeadSeq(t, f)
		_, err = f.engine.Supervision.PutCalendar(ctx, root, 2027, []byte(strings.Replace(cal, "2027-01-03", "2027-01-02", 1)))
		noErr(t, err)
		_, before, _ = oneEntry(t, f, mark, AuditCalendarPut, root, "calendar", "2027")
		if hs := fmt.Sprint(before["holidays"]); !strings.Contains(hs, "2027-01-03") {
			t.Errorf("calendar before is the stored year: %v", before)
		}

		std := `{"title": "某市地方判定标准", "text_source": "未找到公开文本，仅列条款编号", "clauses": [{"ref": "第一条", "text": ""}]}`
		mark = auditHeadSeq(t, f)
		_, _, err = f.engine.Standards.Put(ctx, root, "local-2026", []byte(std))
		noErr(t, err)
		_, before, after = oneEntry(t, f, mark, AuditStandardPut, root, "standard", "local-2026")
		if before != nil {
			t.Errorf("a new standard has a before: %v", before)
		}
		wantFields(t, "standard", after, map[string]any{"version": 1, "title": "某市地方判定标准"})
		mark = auditHeadSeq(t, f)
		_, _, err = f.engine.Standards.Put(ctx, root, "local-2026", []byte(strings.Replace(std, "某市", "南昌市", 1)))
		noErr(t, err)
		_, before, after = oneEntry(t, f, mark, AuditStandardPut, root, "standard", "local-2026")
		wantFields(t, "standard before", before, map[string]any{"version": 1, "title": "某市地方判定标准"})
		wantFields(t, "standard after", after, map[string]any{"version": 2, "title": "南昌市地方判定标准"})
		mark = auditHeadSeq(t, f)
		_, changed, err := f.engine.Standards.Put(ctx, root, "local-2026", []byte(strings.Replace(std, "某市", "南昌市", 1)))
		noErr(t, err)
		if es := auditSince(t, f, mark); changed || len(es) != 0 {
			t.Errorf("the same standard again: changed %v, %d entries", changed, len(es))
		}

		// The ladder policy: recorded at the first start, not again while it
		// stays; a start with another policy records the change.
		mark = auditHeadSeq(t, f)
		rec, err := f.engine.Supervision.RecordLadder(ctx)
		noErr(t, err)
		_, before, after = oneEntry(t, f, mark, AuditLadderPut, SystemActor, "ladder", "")
		if !rec || before != nil {
			t.Errorf("first ladder: recorded %v, before %v", rec, before)
		}
		wantFields(t, "ladder", after, map[string]any{"plan_days": 7, "working_days": false, "general_days": []any{1, 7, 15, 30}})
		if rec, err := f.engine.Supervision.RecordLadder(ctx); err != nil || rec {
			t.Errorf("the same ladder again: recorded %v, %v", rec, err)
		}
		p := DefaultLadder
		p.PlanDays, p.WorkingDays = 10, true
		mark = auditHeadSeq(t, f)
		rec, err = New(f.store, Options{Now: func() time.Time { return f.now }, Ladder: p}).Supervision.RecordLadder(ctx)
		noErr(t, err)
		_, before, after = oneEntry(t, f, mark, AuditLadderPut, SystemActor, "ladder", "")
		wantFields(t, "ladder before", before, map[string]any{"plan_days": 7, "working_days": false})
		wantFields(t, "ladder after", after, map[string]any{"plan_days": 10, "working_days": true})

		for _, e := range auditSince(t, f, 0) {
			noSecrets(t, e, "root-password", "first-secret", "second-secret", "third-secret", "password-donghu")
		}
		wantAuditIntact(t, f)
	})
}

func bp(b bool) *bool { return &b }

// TestAuditFailedChangeLeavesNoEntry: a change refused — a duplicate, a
// rule, a bad file, a caller who may not — is rolled back with its entry:
// the log does not move, and still verifies.
func TestAuditFailedChangeLeavesNoEntry(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		d, ctx := f.engine.Directory, f.ctx
		rootU, err := d.CreateUser(ctx, f.actors["admin"], UserInput{Username: "root", Password: "root-password", Role: "admin"})
		noErr(t, err)
		root := ActorOf(rootU)
		mark := auditHeadSeq(t, f)
		cal := `{"year": 2026, "source": "x", "holidays": [], "workdays": []}`
		for _, c := range []struct {
			name string
			kind Kind
			do   func() error
		}{
			{"duplicate username", KindConflict, func() error {
				_, err := d.CreateUser(ctx, root, UserInput{Username: "donghu", Password: "whatever-1", Role: "officer", RegionCode: "360102"})
				return err
			}},
			{"own deactivation", KindInvalid, func() error {
				_, err := d.UpdateUser(ctx, root, root.ID, UserUpdate{Active: bp(false)})
				return err
			}},
			{"department of an officer", KindInvalid, func() error {
				_, err := d.UpdateUser(ctx, root, f.actors["officer"].ID, UserUpdate{DisplayName: sp("新名"), Department: sp("housing")})
				return err
			}},
			{"unknown account", KindNotFound, func() error {
				_, err := d.UpdateUser(ctx, root, 999999, UserUpdate{DisplayName: sp("x")})
				return err
			}},
			{"unlock unknown", KindNotFound, func() error { _, _, err := d.Unlock(ctx, root, 999999); return err }},
			{"not an admin", KindForbidden, func() error {
				_, err := d.CreateUser(ctx, f.actors["donghu"], UserInput{Username: "x1", Password: "whatever-1", Role: "officer", RegionCode: "360102"})
				return err
			}},
			{"duplicate region", KindConflict, func() error {
				_, err := d.CreateRegion(ctx, root, RegionInput{Code: "360102", Name: "东湖区", ParentCode: "360100"})
				return err
			}},
			{"duplicate enterprise", KindConflict, func() error {
				es, err := d.Enterprises(ctx, root)
				noErr(t, err)
				_, err = d.CreateEnterprise(ctx, root, EnterpriseInput{Name: "又一家", CreditCode: es[0].CreditCode, RegionCode: "360102"})
				return err
			}},
			{"bad import", KindInvalid, func() error {
				_, err := d.ImportRegions(ctx, root, strings.NewReader("code,name,parent_code\n360106,新区,360100\n360102,东湖区,360000\n"))
				return err
			}},
			{"calendar of another year", KindInvalid, func() error {
				_, err := f.engine.Supervision.PutCalendar(ctx, root, 2027, []byte(cal))
				return err
			}},
			{"standard by a supervisor", KindForbidden, func() error {
				_, _, err := f.engine.Standards.Put(ctx, f.actors["donghu"], "x-1", []byte(`{"title":"x"}`))
				return err
			}},
		} {
			if err := c.do(); kindOf(err) != c.kind {
				t.Errorf("%s: %v, want kind %v", c.name, err, c.kind)
			}
			if es := auditSince(t, f, mark); len(es) != 0 {
				t.Errorf("%s left %d entries: %+v", c.name, len(es), es)
			}
		}
		if _, err := f.store.GetRegion(ctx, "360106"); err == nil {
			t.Error("the refused import added a region")
		}
		wantAuditIntact(t, f)
	})
}

// TestAuditConcurrentReplicas: three replicas (stores of their own on the
// same database) changing accounts at once append to one chain: every
// change has its entry, seqs 1..n without gap, and the chain verifies.
func TestAuditConcurrentReplicas(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		rootU, err := f.engine.Directory.CreateUser(f.ctx, f.actors["admin"], UserInput{Username: "root", Password: "root-password", Role: "admin"})
		noErr(t, err)
		root := ActorOf(rootU)
		var replicas []*Services
		for range 3 {
			replicas = append(replicas, New(modeltest.OpenAt(t, f.url), Options{Now: func() time.Time { return f.now }, ReportKey: testKey}))
		}
		mark := auditHeadSeq(t, f)
		users := []string{"province", "city", "donghu", "donghu2", "xihu", "officer", "ent", "ent2"}
		const rounds = 6
		var wg sync.WaitGroup
		errs := make(chan error, len(users)*rounds)
		for i, key := range users {
			wg.Go(func() {
				d := replicas[i%len(replicas)].Directory
				for r := range rounds {
					name := fmt.Sprintf("%s-%d", key, r)
					if _, err := d.UpdateUser(f.ctx, root, f.actors[key].ID, UserUpdate{DisplayName: &name}); err != nil {
						errs <- fmt.Errorf("%s: %w", name, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		es := auditSince(t, f, mark)
		if len(es) != len(users)*rounds {
			t.Fatalf("%d entries for %d changes", len(es), len(users)*rounds)
		}
		seen := map[string]bool{}
		for i, e := range es {
			if e.Seq != mark+int64(i)+1 || e.Kind != AuditUserUpdate {
				t.Errorf("entry %d: seq %d kind %s", i, e.Seq, e.Kind)
			}
			seen[fmt.Sprint(decodeAudit(t, e.After)["display_name"])] = true
		}
		if len(seen) != len(users)*rounds {
			t.Errorf("%d distinct renames recorded, want %d", len(seen), len(users)*rounds)
		}
		wantAuditIntact(t, f)
	})
}
