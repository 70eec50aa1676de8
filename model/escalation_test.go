package model_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"hazardloop/model"
)

// escalate records step of h's supervision ladder, changed by edit first.
func (w *world) escalate(tb testing.TB, h *model.Hazard, step int, edit func(*model.Escalation)) *model.Escalation {
	tb.Helper()
	w.seq++
	e := &model.Escalation{HazardID: h.ID, Step: step, DocYear: 2026, DocSeq: int64(w.seq), DocNumber: fmt.Sprintf("督〔2026〕%d号", w.seq),
		IssuerRegion: h.RegionCode, IssuerName: "应急管理局", Addressee: "企业", OverdueDays: step, ReplyDue: model.NewDate(2026, 3, 20),
		CreatedBy: &w.admin, CreatedAt: w.now}
	if edit != nil {
		edit(e)
	}
	noErr(tb, w.s.CreateEscalation(w.ctx, e))
	return e
}

// TestEscalations: a step is taken once per hazard and a document number once
// per issuer and year; the current step is the highest; a reply is recorded.
func TestEscalations(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h := w.hazard(t, "360102", nil)
		if e, err := w.s.CurrentEscalation(w.ctx, h.ID); e != nil || !errorsIsAny(err, model.ErrNotFound) {
			t.Errorf("current step of a hazard without any: %+v, %v", e, err)
		}
		s2 := w.escalate(t, h, 2, nil)
		s1 := w.escalate(t, h, 1, nil)
		wantErr(t, w.s.CreateEscalation(w.ctx, &model.Escalation{HazardID: h.ID, Step: 2, DocYear: 2026, DocSeq: 9000,
			IssuerRegion: "360102", ReplyDue: s1.ReplyDue, CreatedAt: w.now}), model.ErrDuplicate)
		wantErr(t, w.s.CreateEscalation(w.ctx, &model.Escalation{HazardID: h.ID, Step: 3, DocYear: 2026, DocSeq: s1.DocSeq,
			IssuerRegion: "360102", ReplyDue: s1.ReplyDue, CreatedAt: w.now}), model.ErrDuplicate)
		// The same number from another issuer, or another year, is another document.
		w.escalate(t, h, 3, func(e *model.Escalation) { e.DocSeq, e.IssuerRegion = s1.DocSeq, "360100" })
		w.escalate(t, h, 4, func(e *model.Escalation) { e.DocSeq, e.DocYear = s1.DocSeq, 2027 })

		cur, err := w.s.CurrentEscalation(w.ctx, h.ID)
		noErr(t, err)
		if cur.Step != 4 {
			t.Errorf("current step %d, want 4", cur.Step)
		}
		all, err := w.s.ListEscalations(w.ctx, h.ID)
		noErr(t, err)
		if got := steps(all); !slices.Equal(got, []int{1, 2, 3, 4}) {
			t.Errorf("steps %v", got)
		}

		at := w.now.Add(time.Hour)
		s2.AcknowledgedBy, s2.AcknowledgedAt = &w.admin, &at
		noErr(t, w.s.UpdateEscalationReply(w.ctx, s2))
		s2.ReplyText, s2.RepliedBy, s2.RepliedAt = "已整改", &w.admin, &at
		s2.Reason = "not a reply column"
		noErr(t, w.s.UpdateEscalationReply(w.ctx, s2))
		got, err := w.s.GetEscalation(w.ctx, s2.ID)
		noErr(t, err)
		if got.ReplyText != "已整改" || got.RepliedAt == nil || !got.RepliedAt.Equal(at) || got.AcknowledgedAt == nil || got.Reason != "" {
			t.Errorf("after reply %+v", got)
		}
		if e, err := w.s.GetEscalation(w.ctx, 999_999); e != nil || !errorsIsAny(err, model.ErrNotFound) {
			t.Errorf("missing step: %+v, %v", e, err)
		}
	})
}

func steps(es []model.Escalation) []int {
	var out []int
	for _, e := range es {
		out = append(out, e.Step)
	}
	return out
}

// TestListUnreplied: unanswered steps of open hazards in scope, the reply due
// first.
func TestListUnreplied(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		present := append([]string{"360100"}, counties...)
		byRegion := map[int64]string{}
		for i, r := range present {
			h := w.hazard(t, r, nil)
			e := w.escalate(t, h, 1, func(e *model.Escalation) { e.ReplyDue = model.NewDate(2026, 3, 20-i) })
			byRegion[e.ID] = r
		}
		replied := w.hazard(t, "360102", nil)
		w.escalate(t, replied, 1, func(e *model.Escalation) { e.RepliedAt = &w.now })
		closed := w.hazard(t, "360102", func(h *model.Hazard) { h.State = model.StateWrittenOff })
		w.escalate(t, closed, 1, nil)
		verifying := w.hazard(t, "360103", func(h *model.Hazard) { h.State = model.StateVerifying })
		late := w.escalate(t, verifying, 1, func(e *model.Escalation) { e.ReplyDue = model.NewDate(2026, 4, 1) })
		byRegion[late.ID] = "360103"

		for _, c := range w.scopeCases() {
			t.Run(c.name, func(t *testing.T) {
				es, err := w.s.ListUnreplied(w.ctx, c.scope, 100)
				noErr(t, err)
				var got []string
				for _, e := range es {
					got = append(got, byRegion[e.ID])
				}
				// Earliest reply due first: present in reverse, then the verifying hazard.
				want := only(c.sees, present)
				slices.Reverse(want)
				if slices.Contains(c.sees, "360103") {
					want = append(want, "360103")
				}
				if !slices.Equal(got, want) {
					t.Errorf("sees %v, want %v", got, want)
				}
			})
		}
		if es, err := w.s.ListUnreplied(w.ctx, model.AllScope, 2); err != nil || len(es) != 2 {
			t.Errorf("limit 2: %d, %v", len(es), err)
		}
	})
}

// TestClaimDue: the sweeps' claims take what is due, in order, up to the limit,
// only inside a transaction.
func TestClaimDue(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		day := model.NewDate(2026, 3, 10)
		mk := func(edit func(*model.Hazard)) int64 { return w.hazard(t, "360102", edit).ID }
		at := func(d model.Date) *model.Date { return &d }
		stepLater := mk(func(h *model.Hazard) { h.NextStepOn = at(day.AddDays(-1)) })
		stepEarly := mk(func(h *model.Hazard) { h.NextStepOn = at(day.AddDays(-5)) })
		stepToday := mk(func(h *model.Hazard) { h.NextStepOn = at(day) })
		mk(func(h *model.Hazard) { h.NextStepOn = at(day.AddDays(1)) })
		mk(nil)

		from, to := day.AddDays(1), day.AddDays(3)
		soonA := mk(func(h *model.Hazard) { h.DueOn = at(to) })
		soonB := mk(func(h *model.Hazard) { h.DueOn, h.State = at(from), model.StateRectifying })
		extended := mk(func(h *model.Hazard) { h.DueOn, h.RemindedDue = at(to), at(from) }) // reminded of an older due day
		mk(func(h *model.Hazard) { h.DueOn, h.RemindedDue = at(from), at(from) })           // already reminded
		mk(func(h *model.Hazard) { h.DueOn = at(day) })                                     // before the window
		mk(func(h *model.Hazard) { h.DueOn = at(to.AddDays(1)) })                           // after it
		mk(func(h *model.Hazard) { h.DueOn, h.State = at(from), model.StateVerifying })     // not open

		if _, err := w.s.ClaimDueHazards(w.ctx, day, 10); err == nil {
			t.Error("ClaimDueHazards outside a transaction")
		}
		if _, err := w.s.ClaimDueSoon(w.ctx, from, to, 10); err == nil {
			t.Error("ClaimDueSoon outside a transaction")
		}
		for _, c := range []struct {
			name  string
			claim func(*model.Store, int) ([]int64, error)
			limit int
			want  []int64
		}{
			{"steps due", func(tx *model.Store, n int) ([]int64, error) { return tx.ClaimDueHazards(w.ctx, day, n) }, 10,
				[]int64{stepEarly, stepLater, stepToday}},
			{"steps due, limited", func(tx *model.Store, n int) ([]int64, error) { return tx.ClaimDueHazards(w.ctx, day, n) }, 2,
				[]int64{stepEarly, stepLater}},
			{"due soon", func(tx *model.Store, n int) ([]int64, error) { return tx.ClaimDueSoon(w.ctx, from, to, n) }, 10,
				[]int64{soonB, soonA, extended}},
			{"due soon, limited", func(tx *model.Store, n int) ([]int64, error) { return tx.ClaimDueSoon(w.ctx, from, to, n) }, 1,
				[]int64{soonB}},
		} {
			t.Run(c.name, func(t *testing.T) {
				var got []int64
				noErr(t, w.s.Tx(w.ctx, func(tx *model.Store) (err error) {
					got, err = c.claim(tx, c.limit)
					return err
				}))
				if !slices.Equal(got, c.want) {
					t.Errorf("claimed %v, want %v", got, c.want)
				}
			})
		}

		if w.s.Dialect() != model.DialectPostgres {
			return // one writer at a time: a second sweeper waits for the first
		}
		// Two sweepers at once on PostgreSQL: the second skips what the first holds.
		for name, claim := range map[string]func(context.Context, *model.Store, int) ([]int64, error){
			"steps due": func(ctx context.Context, tx *model.Store, n int) ([]int64, error) {
				return tx.ClaimDueHazards(ctx, day, n)
			},
			"due soon": func(ctx context.Context, tx *model.Store, n int) ([]int64, error) {
				return tx.ClaimDueSoon(ctx, from, to, n)
			},
		} {
			first, second := claimTogether(t, w, claim)
			if len(first) != 2 || len(second) != 1 || slices.Contains(first, second[0]) {
				t.Errorf("%s: first sweeper %v, second %v; want two and the one left", name, first, second)
			}
		}
	})
}

// claimTogether claims two rows in one transaction and, while it holds them,
// everything due in another; it returns both claims. The second claim must
// not wait for the first: it fails if it has not returned within 10 s.
func claimTogether(t *testing.T, w *world, claim func(context.Context, *model.Store, int) ([]int64, error)) (first, second []int64) {
	t.Helper()
	held, release, done := make(chan []int64), make(chan struct{}), make(chan error)
	go func() {
		done <- w.s.Tx(w.ctx, func(tx *model.Store) error {
			ids, err := claim(w.ctx, tx, 2)
			held <- ids
			<-release
			return err
		})
	}()
	first = <-held
	ctx, cancel := context.WithTimeout(w.ctx, 10*time.Second)
	defer cancel()
	err := w.s.Tx(ctx, func(tx *model.Store) (err error) {
		second, err = claim(ctx, tx, 10)
		return err
	})
	close(release)
	noErr(t, <-done)
	if err != nil {
		t.Fatalf("the second sweeper, while the first holds its rows: %v", err)
	}
	return first, second
}

// TestListExposures: hazards at the exposure step (4), open or closed since the
// given time, not dismissed, the latest exposed first, with the public names.
func TestListExposures(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		since := w.now.Add(-24 * time.Hour)
		longAgo, lately := w.now.Add(-48*time.Hour), w.now.Add(-time.Hour)
		expose := func(edit func(*model.Hazard), step int, at time.Time) *model.Hazard {
			h := w.hazard(t, "360103", edit)
			w.escalate(t, h, step, func(e *model.Escalation) { e.CreatedAt = at })
			return h
		}
		open := expose(nil, 4, w.now.Add(-3*time.Hour))
		closedLately := expose(func(h *model.Hazard) { h.State, h.ClosedAt = model.StateWrittenOff, &lately }, 4, w.now.Add(-2*time.Hour))
		expose(func(h *model.Hazard) { h.State, h.ClosedAt = model.StateWrittenOff, &longAgo }, 4, w.now)
		expose(func(h *model.Hazard) { h.State = model.StateDismissed }, 4, w.now)
		expose(nil, 3, w.now)
		unit := expose(func(h *model.Hazard) { h.EnterpriseID, h.ResponsibleUnit = nil, "某施工队" }, 4, w.now.Add(-time.Minute))

		xs, err := w.s.ListExposures(w.ctx, model.ExposureFilter{ClosedSince: since, Limit: 10})
		noErr(t, err)
		var got []int64
		for _, x := range xs {
			got = append(got, x.HazardID)
			if x.Region != "西湖区" {
				t.Errorf("exposure %d in region %q", x.HazardID, x.Region)
			}
		}
		if want := []int64{unit.ID, closedLately.ID, open.ID}; !slices.Equal(got, want) {
			t.Fatalf("exposed %v, want %v", got, want)
		}
		if xs[0].Enterprise != "某施工队" || xs[2].Enterprise != "企业360103" || !xs[2].ExposedAt.Equal(w.now.Add(-3*time.Hour)) {
			t.Errorf("exposures %+v", xs)
		}
	})
}

// TestCalendars: a year's calendar is replaced, not added twice.
func TestCalendars(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		for _, c := range []model.CalendarRow{
			{Year: 2026, Body: "a", UpdatedAt: w.now},
			{Year: 2025, Body: "b", UpdatedAt: w.now},
			{Year: 2026, Body: "c", UpdatedBy: &w.admin, UpdatedAt: w.now.Add(time.Hour)},
		} {
			noErr(t, w.s.PutCalendar(w.ctx, &c))
		}
		cs, err := w.s.ListCalendars(w.ctx)
		noErr(t, err)
		if len(cs) != 2 || cs[0].Year != 2025 || cs[1].Year != 2026 || cs[1].Body != "c" || cs[1].UpdatedBy == nil ||
			!cs[1].UpdatedAt.Equal(w.now.Add(time.Hour)) {
			t.Errorf("calendars %+v", cs)
		}
	})
}
