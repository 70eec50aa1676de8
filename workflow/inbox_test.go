package workflow

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"hazardloop/model"
)

// inboxOf is who's notices of kind, by hazard id (0 for none).
func (f *fixture) inboxOf(tb testing.TB, who, kind string) []model.Notice {
	tb.Helper()
	p, err := f.engine.Notifications.Inbox(f.ctx, f.actors[who], false, 0, 100)
	noErr(tb, err)
	var out []model.Notice
	for _, n := range p.Items {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

// TestInboxAddressesEveryKind: notices reach their users with no webhook
// configured: a reminder from the sweeper (the enterprise and the overseers,
// not the other county); a kind the workflow does not know, written straight
// to the outbox as a helper writing a new kind would (the overseers of its
// region, with the fallback label); a message naming its users (those alone).
func TestInboxAddressesEveryKind(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		h := f.dueHazard(t, "2026-11-30")
		if n := f.remindSweep(t, "2026-11-28"); n != 1 {
			t.Fatalf("%d reminders, want 1", n)
		}
		for who, want := range map[string]int{"ent": 1, "donghu": 1, "donghu2": 1, "officer": 1, "city": 1, "province": 1,
			"xihu": 0, "ent2": 0} {
			got := f.inboxOf(t, who, "deadline_approaching")
			if len(got) != want || (want == 1 && (*got[0].HazardID != h.ID || got[0].Ref != h.Code)) {
				t.Errorf("%s: %+v, want %d deadline_approaching of %s", who, got, want, h.Code)
			}
		}

		// A kind the workflow does not know on a hazard's event, straight to
		// the outbox with two webhooks (the store's inbox hook fans it out
		// once): the hazard's overseers, with the fallback label.
		rem := f.reminders(t, h.ID)
		noErr(t, f.store.Tx(f.ctx, func(tx *model.Store) error {
			m := model.OutboxMessage{EventID: rem[0]["event_id"].(int64), HazardID: h.ID, Kind: "landslide_watch",
				Payload: model.JSONText(`{"title":"后山出现裂缝"}`), CreatedAt: f.now, NextAttemptAt: f.now}
			a, b := m, m
			a.Webhook, b.Webhook = "https://a.example/hook", "https://b.example/hook"
			return tx.AddOutbox(f.ctx, []model.OutboxMessage{a, b})
		}))
		for who, want := range map[string]int{"donghu": 1, "officer": 1, "province": 1, "xihu": 0, "ent": 0, "ent2": 0} {
			got := f.inboxOf(t, who, "landslide_watch")
			if len(got) != want {
				t.Errorf("%s: %d landslide_watch notices, want %d (two webhooks, one notice)", who, len(got), want)
			}
			if want == 1 && (got[0].Title != "后山出现裂缝" || NoticeLabel(got[0].Kind) != "新通知") {
				t.Errorf("%s: %+v labelled %q, want the title and the fallback label", who, got[0], NoticeLabel(got[0].Kind))
			}
		}
		// One of no hazard, addressed by region (no webhook: announce fans
		// it out alone): the overseers whose territory holds 西湖区.
		noErr(t, f.store.Tx(f.ctx, func(tx *model.Store) error {
			return f.engine.announce(f.ctx, tx, model.OutboxMessage{Kind: "danger_signs", CreatedAt: f.now,
				Payload: model.JSONText(`{"region_code":"360103","title":"西山村后山出现裂缝"}`)})
		}))
		for who, want := range map[string]int{"xihu": 1, "city": 1, "province": 1, "donghu": 0, "officer": 0, "ent": 0, "ent2": 0} {
			if got := f.inboxOf(t, who, "danger_signs"); len(got) != want {
				t.Errorf("%s: %d danger_signs notices, want %d", who, len(got), want)
			}
		}

		// Named users, and nobody else.
		noErr(t, f.store.Tx(f.ctx, func(tx *model.Store) error {
			return f.engine.announce(f.ctx, tx, model.OutboxMessage{Kind: "patrol_due", CreatedAt: f.now,
				Payload: model.JSONText(`{"user_ids":[` + strconv.FormatInt(f.actors["officer"].ID, 10) + `],"region_code":"360102"}`)})
		}))
		for _, who := range []string{"officer", "donghu", "city"} {
			if got := f.inboxOf(t, who, "patrol_due"); len(got) != map[bool]int{true: 1}[who == "officer"] {
				t.Errorf("%s: %d patrol_due, want it for the officer alone", who, len(got))
			}
		}
		if _, err := f.engine.Notifications.Inbox(f.ctx, SystemActor, false, 0, 10); kindOf(err) != KindForbidden {
			t.Errorf("the system's inbox: %v, want forbidden", err)
		}
	})
}

// TestSweepPurgesIdempotencyKeys: the sweeper deletes the keys past their 24
// hours, in batches, and no other; a claim takes over an expired key the
// sweeper has not reached yet.
func TestSweepPurgesIdempotencyKeys(t *testing.T) {
	forEachDialect(t, func(t *testing.T, f *fixture) {
		old := f.now.Add(-30 * time.Hour)
		for i := range idempotencyPurgeBatch + 5 {
			ok, err := f.store.ClaimIdempotencyKey(f.ctx, "u:1", "old-"+strconv.Itoa(i), old)
			if err != nil || !ok {
				t.Fatalf("claim old-%d: %v %v", i, ok, err)
			}
		}
		ok, err := f.store.ClaimIdempotencyKey(f.ctx, "u:1", "fresh", f.now.Add(-time.Hour))
		noErr(t, err)
		// An expired key is free again before any sweep.
		if again, err := f.store.ClaimIdempotencyKey(f.ctx, "u:1", "old-0", f.now); err != nil || !ok || !again {
			t.Fatalf("claim of an expired key: %v %v, want it taken over", again, err)
		}
		if taken, err := f.store.ClaimIdempotencyKey(f.ctx, "u:1", "fresh", f.now); err != nil || taken {
			t.Fatalf("claim of a fresh key: %v %v, want it held", taken, err)
		}
		res, err := f.engine.Supervision.SweepOnce(f.ctx, f.now)
		noErr(t, err)
		if res.KeysPurged != idempotencyPurgeBatch+4 {
			t.Errorf("swept %d keys, want %d (every old key but the one taken over)", res.KeysPurged, idempotencyPurgeBatch+4)
		}
		for _, k := range []string{"old-0", "fresh"} {
			if _, err := f.store.IdempotencyKey(f.ctx, "u:1", k); err != nil {
				t.Errorf("key %s: %v, want it kept", k, err)
			}
		}
		if _, err := f.store.IdempotencyKey(f.ctx, "u:1", "old-1"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("key old-1 after the sweep: %v, want not found", err)
		}
		if res, _ := f.engine.Supervision.SweepOnce(f.ctx, f.now); res.KeysPurged != 0 {
			t.Errorf("second sweep purged %d, want 0", res.KeysPurged)
		}
	})
}
