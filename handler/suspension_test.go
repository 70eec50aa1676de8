package handler_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"hazardloop/workflow"
)

// TestSuspension (停产停业 / 复产审查, 16号令 §22): a supervisor orders a
// suspension; the enterprise asks to resume only with a written request; the
// hazard is not written off while the order stands; a request unreviewed past
// --resume-review-days (10) is flagged, queued and recorded once; a refused
// review keeps the order, an approved one lifts it, and the write-off follows.
func TestSuspension(t *testing.T) {
	opts := workflow.Options{Webhooks: []string{"http://127.0.0.1:9/hook"}}
	eachDialectWith(t, opts, func(t *testing.T, w *world, eng *workflow.Services) {
		type susp struct {
			ProductionSuspended bool `json:"production_suspended"`
			Suspension          *struct {
				OrderNo       string `json:"order_no"`
				ResumeDueOn   string `json:"resume_due_on"`
				ReviewOverdue bool   `json:"review_overdue"`
			} `json:"suspension"`
		}
		read := func(id int64) susp {
			t.Helper()
			var s susp
			w.as(t, "donghu").get(hazardPath(id)).want(http.StatusOK).decode(&s)
			return s
		}
		entA, donghu := w.as(t, "entA"), w.as(t, "donghu")
		h := entA.createHazard(obj{"title": "喷涂车间通风系统停运"})
		h = donghu.mustFire(h, "confirm", obj{"deadline": "2026-12-20"})
		h = entA.mustFire(h, "plan", obj{"measures": "修复风机", "responsible_person": "张三"})

		entA.fire(h, "suspend", obj{"order_no": "x", "reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		donghu.fire(h, "suspend", obj{"reason": "通风失效"}).wantError(http.StatusBadRequest, "invalid_fields", "order_no")
		entA.fire(h, "resume_request", nil).wantError(http.StatusForbidden, "forbidden")
		h = donghu.mustFire(h, "suspend", obj{"order_no": "东应急停〔2026〕3号", "reason": "通风系统失效，责令喷涂车间停产整改"})
		if s := read(h.ID); !s.ProductionSuspended || s.Suspension == nil || s.Suspension.OrderNo != "东应急停〔2026〕3号" {
			t.Fatalf("after the order: %+v", s)
		}
		donghu.fire(h, "suspend", obj{"order_no": "x", "reason": "x"}).wantError(http.StatusForbidden, "forbidden")

		// A request needs its written form.
		entA.fire(h, "resume_request", nil).wantError(http.StatusBadRequest, "invalid_fields", "evidence")
		entA.upload(hazardPath(h.ID)+"/evidence", "复产申请.pdf", testPDF, map[string]string{"kind": "document", "note": "复产申请书"}).want(http.StatusCreated)
		h = entA.hazard(h.ID)
		h = entA.mustFire(h, "resume_request", nil)
		if s := read(h.ID); s.Suspension.ResumeDueOn != "2026-12-08" || s.Suspension.ReviewOverdue {
			t.Errorf("requested: %+v", s.Suspension)
		}
		h = entA.mustFire(h, "submit", nil)
		e := w.as(t, "donghu2").fire(h, "approve", obj{"comment": "核实"}).wantError(http.StatusForbidden, "forbidden")
		wantContains(t, "write-off under an order", e.Message, "停产停业")

		sweep := func(d int) int {
			t.Helper()
			w.clock.Set(day(2026, 12, d))
			w.forgetLogins()
			res, err := eng.Supervision.SweepOnce(context.Background(), day(2026, 12, d))
			if err != nil {
				t.Fatal(err)
			}
			return res.ResumeReviews
		}
		if n := sweep(8); n != 0 {
			t.Fatalf("late on its review day: %d", n)
		}
		if n := sweep(9); n != 1 {
			t.Fatalf("not flagged the day after: %d", n)
		}
		if n := sweep(10); n != 0 {
			t.Fatalf("flagged twice: %d", n)
		}
		if s := read(h.ID); !s.Suspension.ReviewOverdue {
			t.Errorf("not late: %+v", s.Suspension)
		}
		p := newPageClient(t, w)
		p.login("donghu")
		if resp, body := p.do(http.MethodGet, "/queue", nil, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "复产申请待审查") || !strings.Contains(body, "东应急停〔2026〕3号") {
			t.Errorf("the supervisor's queue lacks the request (%d)", resp.StatusCode)
		}
		ms, err := w.store.ListOutbox(context.Background(), false, 500)
		if err != nil {
			t.Fatal(err)
		}
		kinds := []string{}
		for _, m := range ms {
			if m.HazardID == h.ID && strings.HasPrefix(m.Kind, "resume") {
				kinds = append(kinds, m.Kind)
			}
		}
		if count(kinds, "resume_review_due") != 1 || count(kinds, "resume_requested") != 1 {
			t.Errorf("notifications %v", kinds)
		}

		// Refused: the order stands; asked again and approved: lifted.
		donghu = w.as(t, "donghu")
		h = donghu.hazard(h.ID)
		donghu.fire(h, "resume_review", obj{}).wantError(http.StatusBadRequest, "invalid_fields", "approved", "note")
		h = donghu.mustFire(h, "resume_review", obj{"approved": false, "note": "风机未更换，不同意复产"})
		if s := read(h.ID); s.Suspension == nil || s.Suspension.ResumeDueOn != "" || !s.ProductionSuspended {
			t.Errorf("after a refusal: %+v", s)
		}
		h = w.as(t, "entA").mustFire(h, "resume_request", nil)
		h = donghu.mustFire(h, "resume_review", obj{"approved": true, "note": "现场审查，风机已更换，同意恢复生产"})
		if s := read(h.ID); s.Suspension != nil || s.ProductionSuspended {
			t.Errorf("after the approval: %+v", s)
		}
		if got := w.as(t, "donghu2").mustFire(h, "approve", obj{"comment": "整改到位"}); got.State != "written_off" {
			t.Errorf("write-off after the review: %s", got.State)
		}
	})
}
