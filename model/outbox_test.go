package model_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"hazardloop/model"
	"hazardloop/model/modeltest"
)

// outbox writes a message per webhook for a new event of h, each changed by
// edit first, and returns them with their IDs.
func (w *world) outbox(tb testing.TB, h *model.Hazard, edits ...func(*model.OutboxMessage)) []model.OutboxMessage {
	tb.Helper()
	ev := w.event(tb, h, model.EventRemind)
	var ms []model.OutboxMessage
	for i, edit := range edits {
		m := model.OutboxMessage{EventID: ev.ID, HazardID: h.ID, Kind: "remind", Webhook: fmt.Sprintf("https://hook/%d", i),
			Payload: `{"a":1}`, CreatedAt: w.now, NextAttemptAt: w.now}
		if edit != nil {
			edit(&m)
		}
		ms = append(ms, m)
	}
	noErr(tb, w.s.AddOutbox(w.ctx, ms))
	return ms
}

func outboxIDs(ms []model.OutboxMessage) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	slices.Sort(out)
	return out
}

// TestOutbox: a claim leases the undelivered messages that are due and not
// leased, until the lease runs out; a finished message is delivered or waits
// for its next attempt; the lag counts what waits.
func TestOutbox(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h := w.hazard(t, "360102", nil)
		noErr(t, w.s.AddOutbox(w.ctx, nil))
		if n, oldest, err := w.s.OutboxLag(w.ctx); err != nil || n != 0 || !oldest.IsZero() {
			t.Errorf("lag of an empty outbox: %d, %v, %v", n, oldest, err)
		}
		now := w.now
		held := now.Add(time.Minute)
		ms := w.outbox(t, h,
			func(m *model.OutboxMessage) { m.NextAttemptAt = now.Add(-2 * time.Minute) },
			func(m *model.OutboxMessage) { m.NextAttemptAt = now.Add(-time.Minute) },
			func(m *model.OutboxMessage) { m.NextAttemptAt = now.Add(time.Hour) }, // not due
			func(m *model.OutboxMessage) { m.DeliveredAt = &now },                 // delivered
			func(m *model.OutboxMessage) { m.LockedUntil = &held },                // leased elsewhere
		)
		a, b, later, leased := ms[0], ms[1], ms[2], ms[4]
		dup := a
		dup.ID = 0
		wantErr(t, w.s.AddOutbox(w.ctx, []model.OutboxMessage{dup}), model.ErrDuplicate)

		lease := 30 * time.Second
		claim := func(at time.Time) []model.OutboxMessage {
			got, err := w.s.ClaimOutbox(w.ctx, at, lease, 10)
			noErr(t, err)
			for _, m := range got {
				if m.LockedUntil == nil || !m.LockedUntil.Equal(at.Add(lease)) {
					t.Errorf("message %d leased until %v, want %v", m.ID, m.LockedUntil, at.Add(lease))
				}
			}
			return got
		}
		for _, c := range []struct {
			name string
			at   time.Time
			want []int64
		}{
			{"due ones", now, []int64{a.ID, b.ID}},
			{"while leased", now.Add(lease - time.Second), nil},
			{"lease ran out", now.Add(lease + time.Second), []int64{a.ID, b.ID}},
			{"another's lease ran out", now.Add(2 * time.Minute), []int64{a.ID, b.ID, leased.ID}},
		} {
			if got := outboxIDs(claim(c.at)); !slices.Equal(got, c.want) {
				t.Errorf("%s: claimed %v, want %v", c.name, got, c.want)
			}
		}
		if got, err := w.s.ClaimOutbox(w.ctx, now.Add(time.Hour), lease, 1); err != nil || len(got) != 1 || got[0].ID != a.ID {
			t.Errorf("limit 1 claimed %v, %v; want the oldest due", outboxIDs(got), err)
		}

		at := now.Add(time.Hour)
		a.DeliveredAt, a.Attempts, a.LockedUntil = &at, 1, nil
		noErr(t, w.s.FinishOutbox(w.ctx, &a))
		b.Attempts, b.NextAttemptAt, b.LockedUntil, b.LastError = 1, now.Add(3*time.Hour), nil, "timeout"
		noErr(t, w.s.FinishOutbox(w.ctx, &b))
		if got := outboxIDs(claim(now.Add(2 * time.Hour))); !slices.Equal(got, []int64{later.ID, leased.ID}) {
			t.Errorf("after finishing: claimed %v, want %v", got, []int64{later.ID, leased.ID})
		}

		all, err := w.s.ListOutbox(w.ctx, false, 100)
		noErr(t, err)
		waiting, err := w.s.ListOutbox(w.ctx, true, 100)
		noErr(t, err)
		if got := outboxIDs(waiting); len(all) != 5 || !slices.Equal(got, []int64{b.ID, later.ID, leased.ID}) {
			t.Errorf("ListOutbox: %d in all, waiting %v", len(all), got)
		}
		if waiting[0].LastError != "timeout" || waiting[0].Attempts != 1 || waiting[0].LockedUntil != nil {
			t.Errorf("retried message %+v", waiting[0])
		}
		n, oldest, err := w.s.OutboxLag(w.ctx)
		if err != nil || n != 3 || !oldest.Equal(now) {
			t.Errorf("lag %d since %v, %v; want 3 since %v", n, oldest, err, now)
		}
	})
}

// TestOutboxClaimers: dispatchers on several replicas claiming at once never
// take the same message, and between them take every one.
func TestOutboxClaimers(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		h := w.hazard(t, "360102", nil)
		const n = 60
		edits := make([]func(*model.OutboxMessage), n)
		w.outbox(t, h, edits...)
		replicas := []*model.Store{w.s, modeltest.OpenAt(t, w.url), modeltest.OpenAt(t, w.url)}
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for _, s := range replicas {
			for range 2 {
				wg.Go(func() {
					for {
						ms, err := s.ClaimOutbox(w.ctx, w.now, time.Minute, 4)
						if err != nil {
							t.Error(err)
							return
						}
						if len(ms) == 0 {
							return
						}
						if len(ms) > 4 {
							t.Errorf("claimed %d, limit 4", len(ms))
						}
						mu.Lock()
						for _, m := range ms {
							seen[m.ID]++
						}
						mu.Unlock()
					}
				})
			}
		}
		wg.Wait()
		for id, k := range seen {
			if k != 1 {
				t.Errorf("message %d claimed %d times", id, k)
			}
		}
		if len(seen) != n {
			t.Errorf("%d of %d messages claimed", len(seen), n)
		}
	})
}
