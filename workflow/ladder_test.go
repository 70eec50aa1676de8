package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

func dp(s string) *model.Date {
	d := day(s)
	return &d
}

func TestLadderPolicy(t *testing.T) {
	files, err := ShippedCalendars()
	noErr(t, err)
	cal := NewCalendar(files...)
	calendarDays := ladder{policy: DefaultLadder, cal: cal}
	working := DefaultLadder
	working.WorkingDays = true
	workingDays := ladder{policy: working, cal: cal}
	listedAt := time.Date(2026, 11, 28, 10, 0, 0, 0, model.Shanghai)

	cases := []struct {
		name string
		lad  ladder
		h    model.Hazard
		due  string // "" for none
		next string // "" for none
	}{
		{"general, first step the day after the deadline", calendarDays,
			model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, Deadline: dp("2026-12-01")}, "2026-12-01", "2026-12-02"},
		{"general, circular at 7 days", calendarDays,
			model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, Deadline: dp("2026-12-01"), EscalationLevel: 1}, "2026-12-01", "2026-12-08"},
		{"general, exposure at 30 days", calendarDays,
			model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, Deadline: dp("2026-12-01"), EscalationLevel: 3}, "2026-12-01", "2026-12-31"},
		{"major is faster: circular at 3 days", calendarDays,
			model.Hazard{State: model.StateListed, Level: model.LevelMajor, Deadline: dp("2026-12-01"), EscalationLevel: 1}, "2026-12-01", "2026-12-04"},
		{"no step beyond exposure", calendarDays,
			model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, Deadline: dp("2026-12-01"), EscalationLevel: 4}, "2026-12-01", ""},
		{"working days skip the National Day week and count the 调休 Saturday", workingDays,
			model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, Deadline: dp("2026-09-29"), EscalationLevel: 1}, "2026-09-29", "2026-10-14"},
		{"working days: first step on the next working day", workingDays,
			model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, Deadline: dp("2026-09-30")}, "2026-09-30", "2026-10-08"},
		{"an unanswered step lets the ladder move on sooner", calendarDays,
			model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, Deadline: dp("2026-12-01"), EscalationLevel: 2, ReplyDue: dp("2026-12-10")}, "2026-12-01", "2026-12-11"},
		{"an extension restarts the count", calendarDays,
			model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, Deadline: dp("2027-01-10"), EscalationLevel: 2}, "2027-01-10", "2027-01-25"},
		{"an unanswered step does not act before the new deadline", calendarDays,
			model.Hazard{State: model.StateRectifying, Level: model.LevelGeneral, Deadline: dp("2027-01-10"), EscalationLevel: 1, ReplyDue: dp("2026-12-10")}, "2027-01-10", "2027-01-11"},
		{"listed without a plan: due 7 days after listing", calendarDays,
			model.Hazard{State: model.StateListed, Level: model.LevelGeneral, ListedAt: &listedAt}, "2026-12-05", "2026-12-06"},
		{"verifying waits", calendarDays,
			model.Hazard{State: model.StateVerifying, Level: model.LevelGeneral, Deadline: dp("2026-12-01")}, "", ""},
		{"written off leaves the ladder", calendarDays,
			model.Hazard{State: model.StateWrittenOff, Level: model.LevelGeneral, Deadline: dp("2026-12-01"), EscalationLevel: 2, ReplyDue: dp("2026-12-10")}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := c.h
			c.lad.settle(&h)
			if got := fmtDate(h.DueOn); got != c.due {
				t.Errorf("due on %s, want %s", got, c.due)
			}
			if got := fmtDate(h.NextStepOn); got != c.next {
				t.Errorf("next step on %s, want %s", got, c.next)
			}
		})
	}
	if got := workingDays.overdueDays(dp("2026-09-29"), day("2026-10-12")); got != 5 {
		t.Errorf("working days overdue = %d, want 5", got)
	}
	if got := calendarDays.overdueDays(dp("2026-09-29"), day("2026-10-12")); got != 13 {
		t.Errorf("calendar days overdue = %d, want 13", got)
	}
}

func fmtDate(d *model.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// at is a moment on day s, 09:00 in Asia/Shanghai.
func at(s string) time.Time {
	d := day(s)
	return time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, model.Shanghai)
}

// sweepTogether runs SweepOnce on every engine (replica) at once, released
// together, and returns their results; a failed sweep fails the test.
func sweepTogether(t *testing.T, ctx context.Context, engines []*Services, now time.Time) []SweepResult {
	t.Helper()
	var wg sync.WaitGroup
	results := make([]SweepResult, len(engines))
	errs := make([]error, len(engines))
	start := make(chan struct{})
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = e.Supervision.SweepOnce(ctx, now)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	return results
}

// overdueHazard lists a general hazard with the deadline 2026-12-01 and moves it
// into rectification.
func (f *fixture) overdueHazard(tb testing.TB) HazardView {
	tb.Helper()
	h := f.hazard(tb)
	h = f.fire(tb, "donghu", h, model.EventConfirm, Fields{Deadline: sp("2026-12-01")}, "")
	pf := planFields()
	pf.Deadline = nil
	return f.fire(tb, "ent", h, model.EventPlan, pf, "")
}

func (f *fixture) sweep(tb testing.TB, when string) int {
	tb.Helper()
	res, err := f.engine.Supervision.SweepOnce(f.ctx, at(when))
	noErr(tb, err)
	return res.Steps
}

func (f *fixture) reload(tb testing.TB, id int64) HazardView {
	tb.Helper()
	h, err := f.engine.Hazards.Hazard(f.ctx, f.actors["admin"], id)
	noErr(tb, err)
	return h
}

func TestSweepTakesStepsInOrder(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.overdueHazard(t)
		if n := f.sweep(t, "2026-12-01"); n != 0 {
			t.Fatalf("on the deadline day: %d steps", n)
		}
		if n := f.sweep(t, "2026-12-02"); n != 1 {
			t.Fatalf("one day overdue: %d steps, want 1", n)
		}
		if n := f.sweep(t, "2026-12-02"); n != 0 {
			t.Fatalf("the same day again: %d steps, want 0", n)
		}
		// 35 days overdue: the remaining three steps, in order, one event each.
		if n := f.sweep(t, "2027-01-05"); n != 3 {
			t.Fatalf("35 days overdue: %d steps, want 3", n)
		}
		h = f.reload(t, h.ID)
		if h.EscalationLevel != 4 || h.NextStepOn != nil {
			t.Fatalf("level %d, next step %v", h.EscalationLevel, h.NextStepOn)
		}
		evs, err := f.engine.Hazards.Events(f.ctx, f.actors["admin"], h.ID)
		noErr(t, err)
		var steps []string
		for _, e := range evs {
			if e.Event == model.EventEscalate {
				if e.Role != model.RoleSystem || e.ActorID != nil {
					t.Errorf("escalate by %s/%v, want the system", e.Role, e.ActorID)
				}
				var p map[string]any
				noErr(t, json.Unmarshal([]byte(e.Payload), &p))
				steps = append(steps, fmt.Sprint(p["step"]))
			}
		}
		if strings.Join(steps, ",") != "1,2,3,4" {
			t.Errorf("steps in the log: %v", steps)
		}
		verifyOK(t, f, h.ID)

		esc, err := f.engine.Supervision.Escalations(f.ctx, f.actors["donghu"], h.ID)
		noErr(t, err)
		if len(esc) != 4 {
			t.Fatalf("%d escalation records", len(esc))
		}
		wantDays := []int{1, 35, 35, 35}
		for i, e := range esc {
			if e.Step != i+1 || e.IssuerName != "东湖区应急管理局" || e.Addressee != "donghu公司" || e.OverdueDays != wantDays[i] {
				t.Errorf("step %d: %+v", i+1, e)
			}
		}
		if esc[0].DocNumber != "〔2026〕第1号" || esc[1].DocNumber != "〔2027〕第1号" || esc[3].DocNumber != "〔2027〕第3号" {
			t.Errorf("document numbers %s %s %s", esc[0].DocNumber, esc[1].DocNumber, esc[3].DocNumber)
		}
		// 5 working days after Wednesday 2026-12-02.
		if esc[0].ReplyDue.String() != "2026-12-09" {
			t.Errorf("reply due %s", esc[0].ReplyDue)
		}
		doc, err := f.engine.Supervision.Document(f.ctx, f.actors["ent"], esc[2].ID)
		noErr(t, err)
		if doc.Title != "安全生产约谈通知书" || doc.Deadline != "2026年12月1日" || !strings.Contains(strings.Join(doc.Required, ""), "前书面报送") {
			t.Errorf("document: %+v", doc)
		}
		if _, err := f.engine.Supervision.Document(f.ctx, f.actors["ent2"], esc[2].ID); kindOf(err) != KindForbidden {
			t.Errorf("another enterprise reading the document: %v", err)
		}

		// On the board while open; 已整改 once written off; gone after 30 days.
		board, err := exposureItems(f.engine.Supervision.ExposureBoard(f.ctx, ExposureQuery{}))
		noErr(t, err)
		if len(board) != 1 || board[0].Status != "逾期未整改" || board[0].Enterprise != "donghu公司" || board[0].Region != "东湖区" {
			t.Fatalf("board = %+v", board)
		}
		f.now = at("2027-01-06")
		h = f.proof(t, "ent", h)
		h = f.fire(t, "ent", h, model.EventSubmit, Fields{}, "")
		h = f.fire(t, "donghu", h, model.EventApprove, Fields{}, "整改到位")
		if h.NextStepOn != nil || h.DueOn != nil {
			t.Errorf("written off but due %v next %v", h.DueOn, h.NextStepOn)
		}
		board, _ = exposureItems(f.engine.Supervision.ExposureBoard(f.ctx, ExposureQuery{}))
		if len(board) != 1 || board[0].Status != "已整改" {
			t.Errorf("board after write-off = %+v", board)
		}
		f.now = at("2027-02-10")
		if board, _ = exposureItems(f.engine.Supervision.ExposureBoard(f.ctx, ExposureQuery{})); len(board) != 0 {
			t.Errorf("board a month later = %+v", board)
		}
		if n := f.sweep(t, "2027-03-01"); n != 0 {
			t.Errorf("a written-off hazard was escalated %d times", n)
		}
	})
}

func TestExtensionRestartsCount(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.overdueHazard(t)
		f.sweep(t, "2026-12-02")
		f.now = at("2026-12-02")
		h = f.reload(t, h.ID)
		h = f.fire(t, "donghu", h, model.EventExtend, Fields{Reason: sp("企业申请，设备到货延迟"), Deadline: sp("2026-12-20")}, "")
		esc, _ := f.engine.Supervision.Escalations(f.ctx, f.actors["ent"], h.ID)
		_, err := f.engine.Supervision.Reply(f.ctx, f.actors["ent"], esc[0].ID, "已制定整改计划，设备预计12月18日到货", PaperAnswer{})
		noErr(t, err)
		for _, d := range []string{"2026-12-10", "2026-12-21", "2026-12-26"} {
			if n := f.sweep(t, d); n != 0 {
				t.Errorf("sweep on %s after the extension: %d steps", d, n)
			}
		}
		if n := f.sweep(t, "2026-12-27"); n != 1 {
			t.Errorf("7 days past the new deadline: %d steps, want 1", n)
		}
		if h = f.reload(t, h.ID); h.EscalationLevel != 2 {
			t.Errorf("level %d", h.EscalationLevel)
		}
	})
}

func TestUnansweredStepMovesLadder(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		f.engine.opts.Ladder.General = [4]int{1, 20, 30, 40}
		h := f.overdueHazard(t)
		f.sweep(t, "2026-12-02") // 函告, reply due 2026-12-09
		unreplied, err := f.engine.Supervision.Unreplied(f.ctx, f.actors["city"])
		noErr(t, err)
		if len(unreplied) != 1 || unreplied[0].HazardID != h.ID {
			t.Fatalf("unreplied = %+v", unreplied)
		}
		if _, err := f.engine.Supervision.Unreplied(f.ctx, f.actors["ent"]); kindOf(err) != KindForbidden {
			t.Errorf("an enterprise listing unreplied steps: %v", err)
		}
		if n := f.sweep(t, "2026-12-09"); n != 0 {
			t.Errorf("on the reply deadline: %d steps", n)
		}
		if n := f.sweep(t, "2026-12-10"); n != 1 {
			t.Fatalf("the day after the reply deadline: %d steps, want 1", n)
		}
		evs, _ := f.engine.Hazards.Events(f.ctx, f.actors["admin"], h.ID)
		if last := evs[len(evs)-1]; !strings.Contains(string(last.Payload), "函告逾期未回复") {
			t.Errorf("reason: %s", last.Payload)
		}
		// Acknowledged and answered: the ladder waits for the next threshold.
		esc, _ := f.engine.Supervision.Escalations(f.ctx, f.actors["ent"], h.ID)
		_, err = f.engine.Supervision.Acknowledge(f.ctx, f.actors["ent"], esc[1].ID, PaperAnswer{})
		noErr(t, err)
		if _, err := f.engine.Supervision.Acknowledge(f.ctx, f.actors["ent"], esc[1].ID, PaperAnswer{}); kindOf(err) != KindConflict {
			t.Errorf("second acknowledgement: %v", err)
		}
		if _, err := f.engine.Supervision.Reply(f.ctx, f.actors["ent"], esc[1].ID, " ", PaperAnswer{}); kindOf(err) != KindInvalid {
			t.Errorf("empty reply: %v", err)
		}
		if _, err := f.engine.Supervision.Reply(f.ctx, f.actors["ent2"], esc[1].ID, "x", PaperAnswer{}); kindOf(err) != KindForbidden {
			t.Errorf("another enterprise replying: %v", err)
		}
		_, err = f.engine.Supervision.Reply(f.ctx, f.actors["ent"], esc[1].ID, "已完成主要整改，正在验收", PaperAnswer{})
		noErr(t, err)
		if n := f.sweep(t, "2026-12-30"); n != 0 {
			t.Errorf("answered, before 30 days: %d steps", n)
		}
		if n := f.sweep(t, "2026-12-31"); n != 1 {
			t.Errorf("30 days overdue: %d steps, want 1", n)
		}
		verifyOK(t, f, h.ID)
	})
}

// TestConcurrentSweepers: several replicas sweep one database at the same moment
// over hundreds of overdue hazards; every hazard gets each due step exactly once,
// and the documents are numbered without gaps or duplicates.
func TestConcurrentSweepers(t *testing.T) {
	for _, d := range modeltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			f := newFixture(t, d)
			n := 200
			if d == model.DialectSQLite {
				n = 100
			}
			ids := make([]int64, n)
			for i := range ids {
				ids[i] = f.overdueHazard(t).ID
			}
			const replicas = 4
			engines := make([]*Services, replicas)
			for i := range engines {
				engines[i] = New(modeltest.OpenAt(t, f.url), Options{Now: func() time.Time { return fixedNow }})
			}
			total := 0
			for _, r := range sweepTogether(t, f.ctx, engines, at("2027-01-05")) {
				total += r.Steps
			}
			if total != 4*n {
				t.Errorf("replicas took %d steps in all, want %d", total, 4*n)
			}
			var numbers []string
			for _, id := range ids {
				esc, err := f.engine.Supervision.Escalations(f.ctx, f.actors["admin"], id)
				noErr(t, err)
				if len(esc) != 4 {
					t.Fatalf("hazard %d has %d steps", id, len(esc))
				}
				for _, e := range esc {
					numbers = append(numbers, fmt.Sprintf("%d-%d", e.DocYear, e.DocSeq))
				}
				evs, err := f.engine.Hazards.Events(f.ctx, f.actors["admin"], id)
				noErr(t, err)
				count := 0
				for _, e := range evs {
					if e.Event == model.EventEscalate {
						count++
					}
				}
				if count != 4 {
					t.Errorf("hazard %d has %d escalate events", id, count)
				}
				verifyOK(t, f, id)
			}
			slices.Sort(numbers)
			want := make([]string, 0, 4*n)
			for i := 1; i <= 4*n; i++ {
				want = append(want, fmt.Sprintf("2027-%d", i))
			}
			slices.Sort(want)
			if !slices.Equal(numbers, want) {
				t.Errorf("document numbers are not 1..%d without gaps or duplicates", 4*n)
			}
		})
	}
}

// TestManualEscalationNumbering: supervisors escalating by hand at once get
// consecutive document numbers of their own region.
func TestManualEscalationNumbering(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		const n = 12
		hs := make([]HazardView, n)
		for i := range hs {
			hs[i] = f.toState(t, model.StateRectifying)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, h := range hs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.engine.Hazards.Apply(f.ctx, f.actors["city"], h.ID, EventInput{Event: model.EventEscalate, Version: h.Version, Fields: Fields{Reason: sp("整改进度严重滞后")}})
			}()
		}
		wg.Wait()
		seen := map[int64]bool{}
		for i, h := range hs {
			noErr(t, errs[i])
			esc, err := f.engine.Supervision.Escalations(f.ctx, f.actors["city"], h.ID)
			noErr(t, err)
			if len(esc) != 1 || esc[0].IssuerRegion != "360100" || esc[0].IssuerName != "南昌市应急管理局" {
				t.Fatalf("escalation %+v", esc)
			}
			seen[esc[0].DocSeq] = true
		}
		for i := int64(1); i <= n; i++ {
			if !seen[i] {
				t.Errorf("document number %d missing", i)
			}
		}
	})
}

func TestExposureBoardIsRedacted(t *testing.T) {
	f := newFixture(t, model.DialectSQLite)
	h := f.overdueHazard(t)
	f.sweep(t, "2027-01-05")
	board, err := exposureItems(f.engine.Supervision.ExposureBoard(f.ctx, ExposureQuery{}))
	noErr(t, err)
	b, _ := json.Marshal(board)
	h = f.reload(t, h.ID)
	for _, secret := range []string{h.ResponsiblePerson, h.ResponsiblePhone, h.Code, "donghu", "password"} {
		if strings.Contains(string(b), secret) && secret != "donghu" {
			t.Errorf("board shows %q: %s", secret, b)
		}
	}
	var rows []map[string]any
	noErr(t, json.Unmarshal(b, &rows))
	keys := []string{}
	for k := range rows[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if strings.Join(keys, ",") != "days_overdue,enterprise,exposed_on,level,region,region_code,status,title" {
		t.Errorf("board fields: %v", keys)
	}
}

// exposureItems are the hazards of a page of the exposure board.
func exposureItems(p ExposurePage, err error) ([]PublicExposure, error) { return p.Items, err }
