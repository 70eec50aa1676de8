package model_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"hazardloop/model"
)

// appendAudit appends an entry in a transaction of its own.
func appendAudit(t *testing.T, w *world, kind, after string) *model.AuditEntry {
	t.Helper()
	a := &model.AuditEntry{CreatedAt: w.now, ActorID: &w.admin, ActorName: "管理员", ActorRole: model.RoleAdmin,
		Kind: kind, Entity: "user", EntityID: "1", Label: "donghu", After: after}
	noErr(t, w.s.Tx(w.ctx, func(tx *model.Store) error { return tx.AppendAudit(w.ctx, a) }))
	return a
}

// TestAuditChain: entries appended one after another form one chain that
// VerifyAudit checks across its batches; the database refuses to change or
// delete an entry; an entry changed all the same (the trigger dropped) is
// found at its seq, and so is a chain cut short of its head; appending
// outside a transaction is refused.
func TestAuditChain(t *testing.T) {
	defer model.SetAuditBatch(7)()
	eachWorld(t, func(t *testing.T, w *world) {
		r, err := w.s.VerifyAudit(w.ctx)
		noErr(t, err)
		if !r.OK || r.Events != 0 || r.Head != "" {
			t.Fatalf("empty log: %+v", r)
		}
		var last *model.AuditEntry
		for i := range 23 {
			last = appendAudit(t, w, "user.update", fmt.Sprintf(`{"display_name":"名%d"}`, i))
			if last.Seq != int64(i+1) {
				t.Fatalf("entry %d has seq %d", i+1, last.Seq)
			}
		}
		r, err = w.s.VerifyAudit(w.ctx)
		noErr(t, err)
		if !r.OK || r.Events != 23 || r.Head != last.Hash {
			t.Fatalf("23 entries in batches of 7: %+v", r)
		}
		if err := w.s.AppendAudit(w.ctx, &model.AuditEntry{Kind: "x"}); err == nil {
			t.Error("an entry appended outside a transaction")
		}

		for _, q := range []string{`UPDATE audit_entries SET after = '{}' WHERE seq = 5`, `DELETE FROM audit_entries WHERE seq = 23`} {
			if err := w.s.Exec(w.ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v", q, err)
			}
		}

		// Past the triggers, as someone with the database's keys would.
		if w.s.Dialect() == model.DialectSQLite {
			noErr(t, w.s.Exec(w.ctx, `DROP TRIGGER audit_entries_no_update`))
			noErr(t, w.s.Exec(w.ctx, `DROP TRIGGER audit_entries_no_delete`))
		} else {
			noErr(t, w.s.Exec(w.ctx, `ALTER TABLE audit_entries DISABLE TRIGGER USER`))
		}
		noErr(t, w.s.Exec(w.ctx, `UPDATE audit_entries SET after = '{"display_name":"改过"}' WHERE seq = 12`))
		r, err = w.s.VerifyAudit(w.ctx)
		noErr(t, err)
		if r.OK || r.BrokenAt != 12 || !strings.Contains(r.Problem, "篡改") {
			t.Errorf("changed entry 12: %+v", r)
		}
		noErr(t, w.s.Exec(w.ctx, `UPDATE audit_entries SET after = '{"display_name":"名11"}' WHERE seq = 12`))
		noErr(t, w.s.Exec(w.ctx, `DELETE FROM audit_entries WHERE seq = 23`))
		r, err = w.s.VerifyAudit(w.ctx)
		noErr(t, err)
		if r.OK || r.BrokenAt != 22 || !strings.Contains(r.Problem, "删除") {
			t.Errorf("last entry deleted: %+v", r)
		}
		noErr(t, w.s.Exec(w.ctx, `DELETE FROM audit_entries WHERE seq = 9`))
		r, err = w.s.VerifyAudit(w.ctx)
		noErr(t, err)
		if r.OK || r.BrokenAt != 10 || !strings.Contains(r.Problem, "缺失") {
			t.Errorf("entry 9 deleted: %+v", r)
		}
	})
}

// TestListAudit: filters and keyset pages, newest first.
func TestListAudit(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for i := range 5 {
			kind := "user.update"
			if i%2 == 1 {
				kind = "user.unlock"
			}
			appendAudit(t, w, kind, "")
		}
		es, err := w.s.ListAudit(w.ctx, model.AuditFilter{Kind: "user.update", Limit: 2})
		noErr(t, err)
		if len(es) != 2 || es[0].Seq != 5 || es[1].Seq != 3 {
			t.Fatalf("first page %+v", es)
		}
		es, err = w.s.ListAudit(w.ctx, model.AuditFilter{Kind: "user.update", Limit: 2, Before: 3})
		noErr(t, err)
		if len(es) != 1 || es[0].Seq != 1 {
			t.Fatalf("second page %+v", es)
		}
		es, err = w.s.ListAudit(w.ctx, model.AuditFilter{ActorID: w.admin + 1, Limit: 10})
		noErr(t, err)
		if len(es) != 0 {
			t.Errorf("another actor's entries: %d", len(es))
		}
		es, err = w.s.ListAudit(w.ctx, model.AuditFilter{From: w.now.Add(time.Second), Limit: 10})
		noErr(t, err)
		if len(es) != 0 {
			t.Errorf("entries after they were made: %d", len(es))
		}
	})
}
