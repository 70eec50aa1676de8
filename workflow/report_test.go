package workflow

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"hazardloop/model"
)

func TestTrackingCode(t *testing.T) {
	format := regexp.MustCompile(`^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$`)
	seen := map[string]bool{}
	counts := map[rune]int{}
	const n = 20000
	for range n {
		c := newTrackingCode()
		if !format.MatchString(c) || strings.ContainsAny(c, "01OI") {
			t.Fatalf("code %q is not in the read-aloud format", c)
		}
		if seen[c] {
			t.Fatalf("code %q drawn twice", c)
		}
		seen[c] = true
		for _, r := range strings.ReplaceAll(c, "-", "") {
			counts[r]++
		}
	}
	// 16 symbols of 32: 80 bits. Each symbol should be about equally common.
	if len(counts) != 32 {
		t.Fatalf("%d distinct symbols, want 32", len(counts))
	}
	want := float64(n*16) / 32
	for r, c := range counts {
		if float64(c) < want*0.9 || float64(c) > want*1.1 {
			t.Errorf("symbol %c drawn %d times, want about %.0f", r, c, want)
		}
	}
	code := newTrackingCode()
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	if got, ok := normalizeCode(typed); !ok || got != code {
		t.Errorf("normalizeCode(%q) = %q, %v", typed, got, ok)
	}
	for _, bad := range []string{"", "ABCD", code + "2", "ABCD-EFGH-JKLM-NPQ0", "<script>"} {
		if _, ok := normalizeCode(bad); ok {
			t.Errorf("normalizeCode(%q) accepted", bad)
		}
	}
}

func (f *fixture) report(tb testing.TB, in ReportInput) (string, HazardView) {
	tb.Helper()
	if in.RegionCode == "" {
		in.RegionCode = "360102"
	}
	if in.Description == "" {
		in.Description = "小区地下室堆放大量液化气钢瓶，无人看管"
	}
	if in.Title == "" {
		in.Title = string([]rune(in.Description)[:8])
	}
	if in.Address == "" {
		in.Address = "东湖区豫章路88号"
	}
	rc, err := f.engine.Reports.Submit(f.ctx, in)
	noErr(tb, err)
	var h model.Hazard
	noErr(tb, f.store.Raw(f.ctx, &h, "SELECT * FROM hazards ORDER BY id DESC LIMIT 1"))
	v, err := f.engine.Hazards.Hazard(f.ctx, f.actors["admin"], h.ID)
	noErr(tb, err)
	return rc.TrackingCode, v
}

func (f *fixture) status(tb testing.TB, code string) PublicReportStatus {
	tb.Helper()
	st, err := f.engine.Reports.Status(f.ctx, code)
	noErr(tb, err)
	return st
}

// TestReportStatusWording follows a report through every state, in the words the
// reporter reads.
func TestReportStatusWording(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		code, h := f.report(t, ReportInput{})
		if h.State != model.StateDiscovered || h.Source != model.SourcePublicReport || h.CreatedBy != nil {
			t.Fatalf("report hazard: %s %s by %v", h.State, h.Source, h.CreatedBy)
		}
		check := func(status, text string) {
			t.Helper()
			st := f.status(t, code)
			if st.Status != status || st.StatusText != text {
				t.Errorf("status %q %q, want %q %q", st.Status, st.StatusText, status, text)
			}
		}
		check("received", "已受理，等待核查")
		h = f.proof(t, "officer", h) // an officer on site: the check has begun
		check("checking", "正在核查")
		ent := f.ents["donghu"]
		h = f.fire(t, "donghu", h, model.EventConfirm, Fields{EnterpriseID: &ent, Deadline: sp("2026-12-20")}, "")
		check("confirmed", "经核查属实，已列入隐患清单，正在督促整改")
		h = f.fire(t, "ent", h, model.EventPlan, Fields{Measures: sp("清运钢瓶"), ResponsiblePerson: sp("张三")}, "")
		check("confirmed", "经核查属实，已列入隐患清单，正在督促整改")
		h = f.proof(t, "ent", h)
		h = f.fire(t, "ent", h, model.EventSubmit, Fields{}, "")
		check("verifying", "整改已完成，正在核实")
		f.fire(t, "donghu", h, model.EventApprove, Fields{}, "已清运")
		check("rectified", "隐患已整改完毕，核实销号")

		code2, h2 := f.report(t, ReportInput{Description: "路边广告牌松动，随时可能坠落"})
		f.fire(t, "officer", h2, model.EventDismiss, Fields{Reason: sp("现场核查广告牌已加固，不存在隐患")}, "")
		st := f.status(t, code2)
		if st.Status != "not_substantiated" || st.StatusText != "经核查不属实，不予立案" || st.Reason != "现场核查广告牌已加固，不存在隐患" {
			t.Errorf("dismissed: %+v", st)
		}
		if _, err := f.engine.Reports.Status(f.ctx, "2222-2222-2222-2222"); kindOf(err) != KindNotFound {
			t.Errorf("unknown code: %v", err)
		}
		// Nothing internal: no names of staff or enterprise people, no codes.
		b, _ := json.Marshal(f.status(t, code))
		for _, secret := range []string{"张三", "donghu", "YH-", "officer", "supervisor", "hazard"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("status shows %q: %s", secret, b)
			}
		}
	})
}

// TestReporterContactIsPrivate: sealed at rest, never shown to enterprises, shown to
// a supervisor of the territory with the viewing logged.
func TestReporterContactIsPrivate(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		_, h := f.report(t, ReportInput{ContactName: "王小明", ContactPhone: "13912345678", WantsReward: true})
		var raw []string
		noErr(t, f.store.Raw(f.ctx, &raw, "SELECT contact_sealed FROM reports"))
		if len(raw) != 1 || raw[0] == "" || strings.Contains(raw[0], "王小明") || strings.Contains(raw[0], "13912345678") {
			t.Fatalf("contact at rest: %q", raw)
		}
		rs, err := f.engine.Reports.List(f.ctx, f.actors["donghu"], ReportQuery{})
		noErr(t, err)
		b, _ := json.Marshal(rs)
		if len(rs) != 1 || strings.Contains(string(b), "王小明") || strings.Contains(string(b), "1391234") {
			t.Fatalf("report list shows the contact: %s", b)
		}
		for _, who := range []string{"ent", "officer", "xihu", "admin"} {
			if _, err := f.engine.Reports.Contact(f.ctx, f.actors[who], rs[0].ID); kindOf(err) != KindForbidden {
				t.Errorf("%s reading the contact: %v", who, err)
			}
		}
		if _, err := f.engine.Reports.List(f.ctx, f.actors["ent"], ReportQuery{}); kindOf(err) != KindForbidden {
			t.Errorf("an enterprise listing reports: %v", err)
		}
		c, err := f.engine.Reports.Contact(f.ctx, f.actors["city"], rs[0].ID)
		noErr(t, err)
		if c["name"] != "王小明" || c["phone"] != "13912345678" {
			t.Errorf("contact = %v", c)
		}
		evs, _ := f.engine.Hazards.Events(f.ctx, f.actors["admin"], h.ID)
		last := evs[len(evs)-1]
		if last.Event != model.EventViewContact || last.ActorID == nil || *last.ActorID != f.actors["city"].ID {
			t.Errorf("viewing not logged: %+v", last)
		}
		verifyOK(t, f, h.ID)
		// An enterprise linked to the hazard sees its log, but no reporter in it.
		ent := f.ents["donghu"]
		hv, _ := f.engine.Hazards.Hazard(f.ctx, f.actors["donghu"], h.ID)
		f.fire(t, "donghu", hv, model.EventConfirm, Fields{EnterpriseID: &ent}, "")
		evs, err = f.engine.Hazards.Events(f.ctx, f.actors["ent"], h.ID)
		noErr(t, err)
		b, _ = json.Marshal(evs)
		if strings.Contains(string(b), "王小明") || strings.Contains(string(b), "1391234") {
			t.Errorf("the enterprise's view of the log names the reporter: %s", b)
		}
	})
}

func TestReportRewardsAndMerge(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		// An anonymous report first, then a real-name one, then another real-name
		// report of the same hazard, merged into the first.
		_, hA := f.report(t, ReportInput{Description: "加油站旁违规搭建彩钢棚用于堆放杂物"})
		codeB, hB := f.report(t, ReportInput{Description: "加油站旁有人违规搭建彩钢棚堆放杂物", ContactName: "李四", ContactPhone: "13800000001", WantsReward: true})
		f.now = f.now.Add(time.Hour)
		codeC, hC := f.report(t, ReportInput{Description: "加油站边上的彩钢棚，里面堆杂物", ContactName: "赵六", ContactPhone: "13800000002", WantsReward: true})

		hints, err := f.engine.Hazards.Similar(f.ctx, f.actors["donghu"], hC.ID)
		noErr(t, err)
		if len(hints) < 2 || (hints[0].ID != hA.ID && hints[0].ID != hB.ID) {
			t.Fatalf("duplicate hints for C: %+v", hints)
		}
		if _, err := f.engine.Hazards.Similar(f.ctx, f.actors["ent"], hC.ID); err == nil {
			t.Error("an enterprise got duplicate hints")
		}
		// C is confirmed first: it is the only real-name report of its hazard.
		hC = f.fire(t, "donghu", hC, model.EventConfirm, Fields{ResponsibleUnit: sp("某加油站")}, "")
		if st := f.status(t, codeC); st.Reward == nil || st.Reward.Status != model.RewardEligible {
			t.Fatalf("C after confirmation: %+v", st.Reward)
		}
		// B is merged into C: B came first, so B keeps priority and C loses it.
		f.fire(t, "donghu", hB, model.EventDismiss, Fields{Reason: sp("与已登记隐患重复"), DuplicateOf: Ref(hC.ID)}, "")
		stB, stC := f.status(t, codeB), f.status(t, codeC)
		if !stB.Merged || stB.Status != "confirmed" || stB.Reward == nil || stB.Reward.Status != model.RewardEligible {
			t.Errorf("B after merge: %+v", stB)
		}
		if stC.Reward != nil {
			t.Errorf("C after merge: %+v", stC.Reward)
		}
		f.fire(t, "donghu", hA, model.EventDismiss, Fields{Reason: sp("重复举报"), DuplicateOf: Ref(hC.ID)}, "")

		rows, err := f.engine.Reports.List(f.ctx, f.actors["donghu"], ReportQuery{View: "rewards"})
		noErr(t, err)
		if len(rows) != 1 || rows[0].HazardID != hB.ID {
			t.Fatalf("reward list: %+v", rows)
		}
		id := rows[0].ID
		if _, err := f.engine.Reports.ProposeReward(f.ctx, f.actors["donghu"], id, -1); kindOf(err) != KindInvalid {
			t.Errorf("negative fine: %v", err)
		}
		r, err := f.engine.Reports.ProposeReward(f.ctx, f.actors["donghu"], id, 10000) // 15% is 1,500: the minimum applies
		noErr(t, err)
		if *r.Reward.Amount != 3000 {
			t.Errorf("reward of a 10,000 fine = %v, want 3000", *r.Reward.Amount)
		}
		if _, err := f.engine.Reports.DecideReward(f.ctx, f.actors["donghu"], id, true, ""); kindOf(err) != KindForbidden {
			t.Errorf("the proposer approving: %v", err)
		}
		_, err = f.engine.Reports.DecideReward(f.ctx, f.actors["donghu2"], id, true, "")
		noErr(t, err)
		_, err = f.engine.Reports.MarkRewardPaid(f.ctx, f.actors["donghu2"], id)
		noErr(t, err)
		if st := f.status(t, codeB); st.Reward == nil || st.Reward.Status != model.RewardPaid || st.Reward.Text != "奖励¥3000.00已发放" {
			t.Errorf("B's reward: %+v", st.Reward)
		}
		for fine, want := range map[float64]float64{100000: 15000, 5e6: 300000} {
			p := f.engine.opts.Reports
			got := min(max(fine*p.RewardRate, p.RewardMin), p.RewardMax)
			if got != want {
				t.Errorf("reward of %v = %v, want %v", fine, got, want)
			}
		}

		// Answers owed: all three were checked (confirmed or merged) and none answered.
		owed, err := f.engine.Reports.List(f.ctx, f.actors["donghu"], ReportQuery{View: "owed"})
		noErr(t, err)
		if len(owed) != 3 || owed[0].AnswerDue == nil || owed[0].AnswerDue.String() != "2026-12-08" {
			t.Fatalf("owed: %+v", owed)
		}
		_, err = f.engine.Reports.Answer(f.ctx, f.actors["officer"], owed[0].ID, "您举报的隐患已核查属实，正在督促整改，感谢您的监督。")
		noErr(t, err)
		owed, _ = f.engine.Reports.List(f.ctx, f.actors["donghu"], ReportQuery{View: "owed"})
		if len(owed) != 2 {
			t.Errorf("after an answer, %d owed", len(owed))
		}
	})
}

func TestUncheckedReportsAreFlagged(t *testing.T) {
	f := newFixture(t, model.DialectSQLite)
	f.report(t, ReportInput{})
	f.now = f.now.AddDate(0, 0, 31)
	rows, err := f.engine.Reports.List(f.ctx, f.actors["donghu"], ReportQuery{View: "unchecked"})
	noErr(t, err)
	if len(rows) != 1 || !rows[0].CheckOverdue {
		t.Fatalf("unchecked after 31 days: %+v", rows)
	}
	if _, err := f.engine.Reports.ExtendCheck(f.ctx, f.actors["donghu"], rows[0].ID, ""); kindOf(err) != KindInvalid {
		t.Errorf("extension without a reason: %v", err)
	}
	r, err := f.engine.Reports.ExtendCheck(f.ctx, f.actors["donghu"], rows[0].ID, "涉及多部门联合核查")
	noErr(t, err)
	if r.CheckDue.String() != "2027-02-26" {
		t.Errorf("extended to %s, want 90 days after intake", r.CheckDue)
	}
	rows, _ = f.engine.Reports.List(f.ctx, f.actors["donghu"], ReportQuery{View: "unchecked"})
	if rows[0].CheckOverdue {
		t.Error("still flagged after the extension")
	}
}

func TestIntakeRateLimit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		for i := range 5 {
			if err := f.engine.Reports.IntakeAllowed(f.ctx, "203.0.113.7"); err != nil {
				t.Fatalf("request %d refused: %v", i+1, err)
			}
		}
		err := f.engine.Reports.IntakeAllowed(f.ctx, "203.0.113.7")
		var we *Error
		if !errors.As(err, &we) || we.Kind != KindRateLimited || we.RetryAfter <= 0 || we.RetryAfter > time.Hour {
			t.Fatalf("sixth request: %v", err)
		}
		if err := f.engine.Reports.IntakeAllowed(f.ctx, "203.0.113.8"); err != nil {
			t.Errorf("another address refused: %v", err)
		}
		var keys []string
		noErr(t, f.store.Raw(f.ctx, &keys, "SELECT key FROM rate_limits"))
		for _, k := range keys {
			if strings.Contains(k, "203.0.113") {
				t.Errorf("an address is stored: %s", k)
			}
		}
		f.now = f.now.Add(time.Hour)
		if err := f.engine.Reports.IntakeAllowed(f.ctx, "203.0.113.7"); err != nil {
			t.Errorf("next window refused: %v", err)
		}
	})
}
