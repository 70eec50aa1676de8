package handler_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/workflow"
)

// escalation is a ladder step as the API returns it.
type escalation struct {
	ID             int64      `json:"id"`
	HazardID       int64      `json:"hazard_id"`
	Step           int        `json:"step"`
	DocYear        int        `json:"doc_year"`
	DocSeq         int64      `json:"doc_seq"`
	DocNumber      string     `json:"doc_number"`
	IssuerRegion   string     `json:"issuer_region"`
	IssuerName     string     `json:"issuer_name"`
	Addressee      string     `json:"addressee"`
	OverdueDays    int        `json:"overdue_days"`
	DueOn          *string    `json:"due_on"`
	ReplyDue       string     `json:"reply_due"`
	Reason         string     `json:"reason"`
	CreatedBy      *int64     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	AcknowledgedBy *int64     `json:"acknowledged_by"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	ReplyText      string     `json:"reply_text"`
	RepliedBy      *int64     `json:"replied_by"`
	RepliedAt      *time.Time `json:"replied_at"`
}

func escalationPath(id int64) string { return "/api/v1/escalations/" + strconv.FormatInt(id, 10) }

func (c *client) escalations(hazardID int64) []escalation {
	c.t.Helper()
	var out struct {
		Items []escalation `json:"items"`
	}
	c.get(hazardPath(hazardID) + "/escalations").want(http.StatusOK).decode(&out)
	return out.Items
}

func (c *client) unreplied() []escalation {
	c.t.Helper()
	var out struct {
		Items []escalation `json:"items"`
	}
	c.get("/api/v1/escalations/unreplied").want(http.StatusOK).decode(&out)
	return out.Items
}

func escalationIDs(es []escalation) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// sweepAt moves the world's clock to at (Shanghai time), runs one sweep there and
// checks how many steps it took. Logins older than the clock's move are dropped.
func sweepAt(t *testing.T, w *world, eng *workflow.Services, at time.Time, wantSteps int) {
	t.Helper()
	w.clock.Set(at)
	w.forgetLogins()
	res, err := eng.Supervision.SweepOnce(context.Background(), at)
	if err != nil {
		t.Fatalf("sweep at %s: %v", at, err)
	}
	if res.Steps != wantSteps {
		t.Fatalf("sweep at %s took %d steps, want %d", at.Format("2006-01-02"), res.Steps, wantSteps)
	}
}

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 9, 0, 0, 0, model.Shanghai)
}

func TestSupervisionLadder(t *testing.T) {
	eachDialectWith(t, workflow.Options{}, func(t *testing.T, w *world, eng *workflow.Services) {
		entName := w.ents["A"].Name
		h := rectifying(t, w, "储罐区可燃气体报警器失效", "2026-11-30")
		other := w.as(t, "entB").createHazard(obj{"title": "西湖建材：除尘器未接地"})
		other = w.as(t, "xihu").mustFire(other, "confirm", obj{"deadline": "2027-06-30"})

		// Nothing is due on the deadline day; one day over, the notice letter.
		sweepAt(t, w, eng, day(2026, 11, 30), 0)
		sweepAt(t, w, eng, day(2026, 12, 1), 1)
		entA := w.as(t, "entA")
		es := entA.escalations(h.ID)
		if len(es) != 1 {
			t.Fatalf("escalations %+v", es)
		}
		notice := es[0]
		if notice.Step != 1 || notice.DocNumber != "〔2026〕第1号" || notice.DocYear != 2026 || notice.DocSeq != 1 ||
			notice.IssuerRegion != "360102" || notice.IssuerName != "东湖区应急管理局" || notice.Addressee != entName ||
			notice.OverdueDays != 1 || notice.DueOn == nil || *notice.DueOn != "2026-11-30" || notice.ReplyDue != "2026-12-08" ||
			notice.CreatedBy != nil || !notice.CreatedAt.Equal(day(2026, 12, 1)) || notice.AcknowledgedAt != nil {
			t.Errorf("notice %+v", notice)
		}
		wantContains(t, "reason", notice.Reason, "逾期1天")
		if got := entA.hazard(h.ID); got.EscalationLevel != 1 || !got.Overdue || got.State != "rectifying" {
			t.Errorf("hazard after the notice: %+v", got)
		}
		evs := entA.events(h.ID)
		if last := evs[len(evs)-1]; last.Event != "escalate" || last.Role != "system" || last.ActorID != nil ||
			last.Payload["step"] != float64(1) || last.Payload["doc_number"] != "〔2026〕第1号" {
			t.Errorf("escalate event %+v", last)
		}
		// A second sweep the same day finds nothing more.
		sweepAt(t, w, eng, day(2026, 12, 1).Add(time.Hour), 0)

		t.Run("document", func(t *testing.T) {
			path := escalationPath(notice.ID) + "/document"
			for _, user := range []string{"entA", "donghu", "officer", "city", "admin"} {
				r := w.as(t, user).fetch(path).want(http.StatusOK)
				if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("%s: Content-Type %q", user, ct)
				}
				if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
					t.Errorf("%s: CSP %q", user, csp)
				}
				if r.header.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("%s: no nosniff", user)
				}
				if rp, cc := r.header.Get("Referrer-Policy"), r.header.Get("Cache-Control"); rp != "same-origin" || cc != "no-store" {
					t.Errorf("%s: Referrer-Policy %q, Cache-Control %q", user, rp, cc)
				}
				doc := string(r.body)
				for _, want := range []string{
					"<!DOCTYPE html>", "事故隐患整改督办函", "〔2026〕第1号", entName + "：", "东湖区应急管理局",
					"储罐区可燃气体报警器失效", "逾期1天", "整改期限为2026年11月30日", "2026年12月1日", "2026年12月8日前",
					"@media print", "督办等级：函告", "你单位位于江西省南昌市东湖区的一般事故隐患",
				} {
					if !strings.Contains(doc, want) {
						t.Errorf("%s: document lacks %q", user, want)
					}
				}
			}
			for _, user := range []string{"entB", "xihu"} {
				w.as(t, user).get(path).wantError(http.StatusForbidden, "forbidden")
			}
			w.anon(t).get(path).wantError(http.StatusUnauthorized, "unauthorized")
			e := w.as(t, "city").get(escalationPath(999999)+"/document").wantError(http.StatusNotFound, "not_found")
			if e.Message != "督办记录不存在" {
				t.Errorf("unknown: %q", e.Message)
			}
			w.as(t, "city").get("/api/v1/escalations/x/document").wantError(http.StatusBadRequest, "invalid_id", "id")
			w.as(t, "entB").get(hazardPath(h.ID)+"/escalations").wantError(http.StatusForbidden, "forbidden")
		})

		t.Run("acknowledge and reply", func(t *testing.T) {
			entA, donghu := w.as(t, "entA"), w.as(t, "donghu")
			if got := escalationIDs(donghu.unreplied()); !slices.Equal(got, []int64{notice.ID}) {
				t.Errorf("donghu's unreplied %v", got)
			}
			if got := escalationIDs(w.as(t, "city").unreplied()); !slices.Equal(got, []int64{notice.ID}) {
				t.Errorf("city's unreplied %v", got)
			}
			if got := w.as(t, "xihu").unreplied(); len(got) != 0 {
				t.Errorf("xihu's unreplied %+v", got)
			}
			w.as(t, "admin").get("/api/v1/escalations/unreplied").want(http.StatusOK)
			for _, user := range []string{"entA", "officer"} {
				e := w.as(t, user).get("/api/v1/escalations/unreplied").wantError(http.StatusForbidden, "forbidden")
				if e.Message != "仅监管人员可以查看未回复的督办" {
					t.Errorf("%s: %q", user, e.Message)
				}
			}
			w.anon(t).get("/api/v1/escalations/unreplied").wantError(http.StatusUnauthorized, "unauthorized")

			ack, reply := escalationPath(notice.ID)+"/acknowledge", escalationPath(notice.ID)+"/reply"
			w.as(t, "entB").post(ack, nil).wantError(http.StatusForbidden, "forbidden")
			w.as(t, "xihu").post(ack, nil).wantError(http.StatusForbidden, "forbidden")
			e := w.as(t, "admin").post(ack, nil).wantError(http.StatusForbidden, "forbidden")
			wantContains(t, "admin", e.Message, "不能签收")
			entA.post(escalationPath(999999)+"/acknowledge", nil).wantError(http.StatusNotFound, "not_found")
			var got escalation
			entA.post(ack, nil).want(http.StatusOK).decode(&got)
			if got.ID != notice.ID || got.AcknowledgedAt == nil || got.AcknowledgedBy == nil || *got.AcknowledgedBy != w.users["entA"].ID || got.RepliedAt != nil {
				t.Errorf("acknowledged %+v", got)
			}
			e = entA.post(ack, nil).wantError(http.StatusConflict, "already_done")
			if e.Message != "该督办文书已签收" {
				t.Errorf("twice: %q", e.Message)
			}
			// Signed for is not answered.
			if got := escalationIDs(donghu.unreplied()); !slices.Equal(got, []int64{notice.ID}) {
				t.Errorf("unreplied after acknowledgement %v", got)
			}

			entA.post(reply, obj{}).wantError(http.StatusBadRequest, "invalid_fields", "text")
			entA.post(reply, obj{"text": "  "}).wantError(http.StatusBadRequest, "invalid_fields", "text")
			entA.post(reply, obj{"text": strings.Repeat("长", 5001)}).wantError(http.StatusBadRequest, "invalid_fields", "text")
			entA.post(reply, obj{"reply": "x"}).wantError(http.StatusBadRequest, "invalid_json", "reply")
			entA.post(reply, `{"text": `).wantError(http.StatusBadRequest, "invalid_json")
			w.as(t, "entB").post(reply, obj{"text": "x"}).wantError(http.StatusForbidden, "forbidden")
			const text = "我单位已更换可燃气体报警器，正在联系检测机构标定，预计12月5日前完成整改。"
			entA.post(reply, obj{"text": text}).want(http.StatusOK).decode(&got)
			if got.ReplyText != text || got.RepliedAt == nil || got.RepliedBy == nil || *got.RepliedBy != w.users["entA"].ID {
				t.Errorf("replied %+v", got)
			}
			e = entA.post(reply, obj{"text": "再回复一次"}).wantError(http.StatusConflict, "already_done")
			if e.Message != "该督办文书已回复" {
				t.Errorf("twice: %q", e.Message)
			}
			if got := donghu.unreplied(); len(got) != 0 {
				t.Errorf("unreplied after the reply %+v", got)
			}
			listed := entA.escalations(h.ID)
			if len(listed) != 1 || listed[0].ReplyText != text || listed[0].AcknowledgedAt == nil {
				t.Errorf("listed after reply %+v", listed)
			}
			var kinds []string
			for _, ev := range entA.events(h.ID) {
				kinds = append(kinds, ev.Event)
			}
			if n := len(kinds); n < 2 || kinds[n-2] != "acknowledge" || kinds[n-1] != "reply" {
				t.Errorf("log ends %v", kinds)
			}
			var rep struct {
				OK bool `json:"ok"`
			}
			entA.get(hazardPath(h.ID) + "/verify").want(http.StatusOK).decode(&rep)
			if !rep.OK {
				t.Error("chain does not verify after the ladder")
			}
		})

		t.Run("several steps late, in order, up to exposure", func(t *testing.T) {
			sweepAt(t, w, eng, day(2026, 12, 31), 3)
			es := w.as(t, "entA").escalations(h.ID)
			if len(es) != 4 {
				t.Fatalf("escalations %+v", es)
			}
			for i, e := range es {
				if e.Step != i+1 || e.DocNumber != "〔2026〕第"+strconv.Itoa(i+1)+"号" || e.OverdueDays != []int{1, 31, 31, 31}[i] {
					t.Errorf("step %d: %+v", i+1, e)
				}
			}
			if got := w.as(t, "donghu").hazard(h.ID); got.EscalationLevel != 4 {
				t.Errorf("level %d", got.EscalationLevel)
			}
			for i, title := range []string{"关于事故隐患逾期未整改的通报", "安全生产约谈通知书", "事故隐患公开曝光决定书"} {
				r := w.as(t, "entA").fetch(escalationPath(es[i+1].ID) + "/document").want(http.StatusOK)
				for _, want := range []string{title, es[i+1].DocNumber, "逾期31天", "东湖区应急管理局", entName} {
					if !strings.Contains(string(r.body), want) {
						t.Errorf("step %d document lacks %q", i+2, want)
					}
				}
			}
			// The other county's hazard, not yet due, was left alone.
			if got := w.as(t, "xihu").escalations(other.ID); len(got) != 0 {
				t.Errorf("the hazard not due was escalated: %+v", got)
			}
			// Only the last three are waiting for an answer.
			if got := escalationIDs(w.as(t, "donghu").unreplied()); len(got) != 3 || slices.Contains(got, notice.ID) {
				t.Errorf("unreplied %v", got)
			}
		})

		t.Run("exposure board", func(t *testing.T) {
			r := w.anon(t).get("/api/v1/public/exposures").want(http.StatusOK)
			var out struct {
				Items []map[string]any `json:"items"`
			}
			r.decode(&out)
			if len(out.Items) != 1 {
				t.Fatalf("exposures %s", r.body)
			}
			it := out.Items[0]
			keys := make([]string, 0, len(it))
			for k := range it {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if want := []string{"days_overdue", "enterprise", "exposed_on", "level", "region", "region_code", "status", "title"}; !slices.Equal(keys, want) {
				t.Errorf("exposure fields %v, want %v", keys, want)
			}
			if it["title"] != "储罐区可燃气体报警器失效" || it["enterprise"] != entName || it["region"] != "东湖区" || it["level"] != "一般" ||
				it["days_overdue"] != float64(31) || it["exposed_on"] != "2026-12-31" || it["status"] != "逾期未整改" {
				t.Errorf("exposure %v", it)
			}
			hv := w.as(t, "donghu").hazard(h.ID)
			private := append(staffNames(), hv.Code, "李建国", "13807910001", "按方案整改", w.ents["A"].CreditCode)
			wantNone(t, "exposure board", r.body, private...)

			page := w.anon(t).fetch("/exposure").want(http.StatusOK)
			if ct := page.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("page Content-Type %q", ct)
			}
			if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("page CSP %q", csp)
			}
			for _, want := range []string{"事故隐患曝光台", entName, "储罐区可燃气体报警器失效", "东湖区", "31天", "2026-12-31", "逾期未整改", "更新于 2026-12-31 09:00"} {
				if !strings.Contains(string(page.body), want) {
					t.Errorf("page lacks %q", want)
				}
			}
			wantNone(t, "exposure page", page.body, private...)

			// Written off: it says so, with no days overdue, and the ladder is over.
			entA, donghu := w.as(t, "entA"), w.as(t, "donghu")
			g := entA.mustFire(entA.hazard(h.ID), "submit", obj{})
			donghu.mustFire(g, "approve", obj{"comment": "报警器已更换并标定"})
			w.anon(t).get("/api/v1/public/exposures").want(http.StatusOK).decode(&out)
			if len(out.Items) != 1 || out.Items[0]["status"] != "已整改" || out.Items[0]["days_overdue"] != float64(0) {
				t.Errorf("after write-off %v", out.Items)
			}
			if got := donghu.unreplied(); len(got) != 0 {
				t.Errorf("a closed hazard's steps still wait for replies: %+v", got)
			}
			sweepAt(t, w, eng, day(2027, 3, 1), 0)
			if got := w.as(t, "donghu").escalations(h.ID); len(got) != 4 {
				t.Errorf("a written-off hazard was escalated: %d steps", len(got))
			}
			// Thirty days after the write-off it leaves the board.
			w.anon(t).get("/api/v1/public/exposures").want(http.StatusOK).decode(&out)
			if len(out.Items) != 0 {
				t.Errorf("board after 60 days %v", out.Items)
			}
			if page := w.anon(t).fetch("/exposure").want(http.StatusOK); !strings.Contains(string(page.body), "目前没有被曝光的事故隐患") {
				t.Error("empty board page")
			}
		})
	})
}

func TestManualEscalation(t *testing.T) {
	eachDialectWith(t, workflow.Options{}, func(t *testing.T, w *world, eng *workflow.Services) {
		donghu, city, entA := w.as(t, "donghu"), w.as(t, "city"), w.as(t, "entA")
		h := donghu.createHazard(obj{"title": "涉爆粉尘除尘系统未按规定清灰", "enterprise_id": w.ents["A"].ID})
		h = donghu.mustFire(h, "confirm", obj{})

		donghu.fire(h, "escalate", obj{}).wantError(http.StatusBadRequest, "invalid_fields", "reason")
		entA.fire(h, "escalate", obj{"reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "xihu").fire(h, "escalate", obj{"reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		w.as(t, "admin").fire(h, "escalate", obj{"reason": "x"}).wantError(http.StatusForbidden, "forbidden")
		if got := donghu.escalations(h.ID); len(got) != 0 {
			t.Fatalf("refusals escalated: %+v", got)
		}

		// Early, by hand: the document is issued by the supervisor's own authority,
		// numbered in its own series.
		h = city.mustFire(h, "escalate", obj{"reason": "市局检查发现整改进度缓慢，提前函告"})
		h = donghu.mustFire(h, "escalate", obj{"reason": "函告后仍未制定整改方案"})
		es := entA.escalations(h.ID)
		if len(es) != 2 {
			t.Fatalf("escalations %+v", es)
		}
		first, second := es[0], es[1]
		if first.Step != 1 || first.DocNumber != "〔2026〕第1号" || first.IssuerRegion != "360100" || first.IssuerName != "南昌市应急管理局" ||
			first.Reason != "市局检查发现整改进度缓慢，提前函告" || first.CreatedBy == nil || *first.CreatedBy != w.users["city"].ID ||
			first.OverdueDays != 0 || first.DueOn == nil || *first.DueOn != "2026-12-05" || first.Addressee != w.ents["A"].Name {
			t.Errorf("first %+v", first)
		}
		if second.Step != 2 || second.DocNumber != "〔2026〕第1号" || second.IssuerRegion != "360102" || second.IssuerName != "东湖区应急管理局" ||
			*second.CreatedBy != w.users["donghu"].ID {
			t.Errorf("second %+v", second)
		}
		doc := string(entA.fetch(escalationPath(first.ID) + "/document").want(http.StatusOK).body)
		for _, want := range []string{"南昌市应急管理局", "〔2026〕第1号", "逾期0天", "市局检查发现整改进度缓慢，提前函告"} {
			if !strings.Contains(doc, want) {
				t.Errorf("document lacks %q", want)
			}
		}

		// Written off, h leaves the ladder.
		h = entA.mustFire(h, "plan", obj{"measures": "按规定清灰", "responsible_person": "李建国", "deadline": "2026-12-20"})
		h = entA.mustFire(h, "submit", obj{})
		w.as(t, "donghu2").mustFire(h, "approve", obj{"comment": "已清灰"})

		// The county's series goes on with the sweeper's steps, and a new year
		// starts a new series.
		g := rectifying(t, w, "危废库房防渗破损", "2026-12-30")
		sweepAt(t, w, eng, day(2026, 12, 31), 1)
		sweepAt(t, w, eng, day(2027, 1, 7), 1)
		got := w.as(t, "donghu").escalations(g.ID)
		if len(got) != 2 || got[0].DocNumber != "〔2026〕第2号" || got[1].DocNumber != "〔2027〕第1号" || got[1].DocYear != 2027 {
			t.Errorf("sweeper's numbers %+v", got)
		}
		if got := w.as(t, "donghu").escalations(h.ID); len(got) != 2 {
			t.Errorf("the written-off hazard was swept: %+v", got)
		}
	})
}

func TestLadderAndCalendars(t *testing.T) {
	eachDialect(t, func(t *testing.T, w *world) {
		var lad struct {
			General     []int    `json:"general"`
			Major       []int    `json:"major"`
			PlanDays    int      `json:"plan_days"`
			WorkingDays bool     `json:"working_days"`
			ReplyDays   []int    `json:"reply_days"`
			Steps       []string `json:"steps"`
		}
		w.as(t, "entA").get("/api/v1/ladder").want(http.StatusOK).decode(&lad)
		if !slices.Equal(lad.General, []int{1, 7, 15, 30}) || !slices.Equal(lad.Major, []int{1, 3, 7, 15}) || lad.PlanDays != 7 ||
			lad.WorkingDays || !slices.Equal(lad.ReplyDays, []int{5, 5, 5, 10}) || !slices.Equal(lad.Steps, []string{"函告", "通报", "约谈", "曝光"}) {
			t.Errorf("ladder %+v", lad)
		}
		w.anon(t).get("/api/v1/ladder").wantError(http.StatusUnauthorized, "unauthorized")

		type calendar struct {
			Year        int    `json:"year"`
			Source      string `json:"source"`
			Provisional bool   `json:"provisional"`
			Holidays    []struct {
				Name string `json:"name"`
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"holidays"`
			Workdays []string `json:"workdays"`
		}
		calendars := func() map[int]calendar {
			t.Helper()
			var out struct {
				Items []calendar `json:"items"`
			}
			w.as(t, "donghu").get("/api/v1/calendars").want(http.StatusOK).decode(&out)
			m := map[int]calendar{}
			for _, c := range out.Items {
				m[c.Year] = c
			}
			return m
		}
		cs := calendars()
		if len(cs) != 2 || len(cs[2026].Holidays) == 0 || !cs[2027].Provisional {
			t.Errorf("shipped calendars %+v", cs)
		}
		w.anon(t).get("/api/v1/calendars").wantError(http.StatusUnauthorized, "unauthorized")

		const good = `{"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知",
			"holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}, {"name": "春节", "from": "2027-02-05", "to": "2027-02-11"}],
			"workdays": ["2027-02-14"]}`
		put := func(c *client, year, body string) *response {
			t.Helper()
			return c.do(http.MethodPut, "/api/v1/calendars/"+year, body)
		}
		for _, user := range []string{"donghu", "prov", "entA", "officer"} {
			e := put(w.as(t, user), "2027", good).wantError(http.StatusForbidden, "forbidden")
			if e.Message != "仅系统管理员可以执行此操作" {
				t.Errorf("%s: %q", user, e.Message)
			}
		}
		put(w.anon(t), "2027", good).wantError(http.StatusUnauthorized, "unauthorized")

		admin := w.as(t, "admin")
		bad := []struct {
			name, year, body, field, says string
		}{
			{"not JSON", "2027", `{"year": 2027, "holidays": [`, "calendar", "不是合法的 JSON"},
			{"empty", "2027", ``, "calendar", "不是合法的 JSON"},
			{"no year", "2027", `{"holidays": []}`, "calendar", "须写明年份"},
			{"year mismatch", "2027", `{"year": 2026, "source": "x", "holidays": [], "workdays": []}`, "year", "文件中的年份 2026 与地址中的年份 2027 不一致"},
			{"range outside the year", "2027", strings.Replace(good, `"to": "2027-01-03"`, `"to": "2028-01-03"`, 1), "calendar", "元旦"},
			{"range backwards", "2027", strings.Replace(good, `"to": "2027-02-11"`, `"to": "2027-02-01"`, 1), "calendar", "春节"},
			{"off and worked", "2027", strings.Replace(good, `"2027-02-14"`, `"2027-02-06"`, 1), "calendar", "既是假日又是调休上班日"},
			{"bad workday", "2027", strings.Replace(good, `"2027-02-14"`, `"2027-2-14"`, 1), "calendar", "调休上班日"},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				e := put(w.as(t, "admin"), tc.year, tc.body).wantError(http.StatusBadRequest, "invalid_fields", tc.field)
				wantContains(t, tc.field, e.Fields[tc.field], tc.says)
			})
		}
		e := put(admin, "twenty", good).wantError(http.StatusBadRequest, "invalid_year", "year")
		if e.Message != "年份应为四位数字" {
			t.Errorf("year in path: %q", e.Message)
		}
		if got := calendars()[2027]; !got.Provisional {
			t.Errorf("refused uploads replaced 2027: %+v", got)
		}

		var stored calendar
		put(admin, "2027", good).want(http.StatusOK).decode(&stored)
		if stored.Year != 2027 || stored.Source != "国务院办公厅关于2027年部分节假日安排的通知" || stored.Provisional || len(stored.Holidays) != 2 {
			t.Errorf("stored %+v", stored)
		}
		cs = calendars()
		if got := cs[2027]; got.Provisional || got.Source != stored.Source || !slices.Equal(got.Workdays, []string{"2027-02-14"}) || len(cs) != 2 {
			t.Errorf("calendars after the upload %+v", cs)
		}
		// Replacing again is allowed.
		put(admin, "2027", strings.Replace(good, "通知", "通知（修订）", 1)).want(http.StatusOK)
		if got := calendars()[2027].Source; !strings.HasSuffix(got, "（修订）") {
			t.Errorf("source after the second upload %q", got)
		}
	})
}

// Reminders are the sweep's: nobody fires remind through the API.
func TestNobodyFiresRemind(t *testing.T) {
	w := newWorld(t, model.DialectSQLite)
	h := rectifying(t, w, "叉车制动失灵", "2026-12-31")
	for _, user := range []string{"entA", "donghu", "city", "officer"} {
		w.as(t, user).fire(h, "remind", obj{}).wantError(http.StatusForbidden, "forbidden")
	}
	if got := w.as(t, "donghu").hazard(h.ID); got.Version != h.Version || slices.Contains(got.AllowedEvents, "remind") {
		t.Errorf("after refusals: version %d (was %d), allowed %v", got.Version, h.Version, got.AllowedEvents)
	}
}
