package workflow

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"hazardloop/model"
)

// notifyKinds are the events that call on someone to act (叫应), and what the
// notification says to the receiving system.
var notifyKinds = map[model.Event]string{
	model.EventCreate:   "hazard_reported",        // a new hazard in their area: check it
	model.EventConfirm:  "plan_due",               // listed: the responsible unit must plan
	model.EventSubmit:   "proof_submitted",        // proof is in: verify it
	model.EventReject:   "rectification_rejected", // back to the enterprise
	model.EventEscalate: "supervision_step",       // a ladder step was taken
	model.EventReopen:   "reopened",
}

// notification is the body sent to webhooks. It carries no personal data: no
// names, no phone numbers, nothing of reporters.
type notification struct {
	EventID      int64       `json:"event_id"`
	Kind         string      `json:"kind"`
	Event        model.Event `json:"event"`
	ActorRole    model.Role  `json:"actor_role"`
	HazardID     int64       `json:"hazard_id"`
	HazardCode   string      `json:"hazard_code"`
	Title        string      `json:"title"`
	State        model.State `json:"state"`
	Level        model.Level `json:"level"`
	RegionCode   string      `json:"region_code"`
	EnterpriseID *int64      `json:"enterprise_id,omitempty"`
	Deadline     *model.Date `json:"deadline,omitempty"`
	Step         int         `json:"escalation_level"`
	OccurredAt   time.Time   `json:"occurred_at"`
}

// queueNotifications writes, in the event's transaction, one outbox row per
// configured webhook for an event someone must act on.
func (e *Engine) queueNotifications(ctx context.Context, tx *model.Store, a Actor, h *model.Hazard, ev *model.HazardEvent) error {
	kind, ok := notifyKinds[ev.Event]
	if !ok || len(e.opts.Webhooks) == 0 {
		return nil
	}
	body, err := json.Marshal(notification{EventID: ev.ID, Kind: kind, Event: ev.Event, ActorRole: a.Role,
		HazardID: h.ID, HazardCode: h.Code, Title: h.Title, State: h.State, Level: h.Level, RegionCode: h.RegionCode,
		EnterpriseID: h.EnterpriseID, Deadline: h.Deadline, Step: h.EscalationLevel, OccurredAt: ev.CreatedAt})
	if err != nil {
		return err
	}
	ms := make([]model.OutboxMessage, 0, len(e.opts.Webhooks))
	for _, url := range e.opts.Webhooks {
		ms = append(ms, model.OutboxMessage{EventID: ev.ID, HazardID: h.ID, Kind: kind, Webhook: url,
			Payload: model.JSONText(body), CreatedAt: ev.CreatedAt, NextAttemptAt: ev.CreatedAt})
	}
	return tx.AddOutbox(ctx, ms)
}

// Outbox lists notifications for admins: the undelivered ones, or all.
func (e *Engine) Outbox(ctx context.Context, a Actor, undelivered bool) ([]model.OutboxMessage, error) {
	if err := adminOnly(a); err != nil {
		return nil, err
	}
	return e.store.ListOutbox(ctx, undelivered, 500)
}

// Dispatcher delivers the outbox to webhooks after commit: JSON signed with
// HMAC-SHA256 (header X-Hazardloop-Signature: sha256=…), the event id in
// X-Hazardloop-Event for the receiver's idempotency, retried with exponential
// backoff. Several replicas may run one each: messages are leased, not shared.
type Dispatcher struct {
	Engine   *Engine
	Client   *http.Client  // 10 s timeout when nil
	Interval time.Duration // 2 s when zero
	Log      *slog.Logger
}

// DeliverResult says what one round of delivery did.
type DeliverResult struct {
	Sent, Failed int
}

const outboxLease = time.Minute

// DeliverOnce sends the messages due at now, once each.
func (d *Dispatcher) DeliverOnce(ctx context.Context, now time.Time) (DeliverResult, error) {
	e := d.Engine
	var res DeliverResult
	client := d.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	for {
		ms, err := e.store.ClaimOutbox(ctx, now.UTC(), outboxLease, 50)
		if err != nil || len(ms) == 0 {
			d.observe(ctx, now)
			return res, err
		}
		for i := range ms {
			m := &ms[i]
			m.Attempts++
			m.LockedUntil = nil
			if err := d.send(ctx, client, m); err != nil {
				res.Failed++
				m.LastError = err.Error()
				backoff := min(10*time.Second<<min(m.Attempts-1, 16), time.Hour)
				m.NextAttemptAt = now.UTC().Add(backoff)
			} else {
				res.Sent++
				t := now.UTC()
				m.DeliveredAt, m.LastError = &t, ""
			}
			if err := e.store.FinishOutbox(ctx, m); err != nil {
				return res, err
			}
		}
	}
}

func (d *Dispatcher) observe(ctx context.Context, now time.Time) {
	n, oldest, err := d.Engine.store.OutboxLag(ctx)
	if err == nil {
		lag := time.Duration(0)
		if n > 0 {
			lag = now.Sub(oldest)
		}
		d.Engine.opts.Metrics.Outbox(int(n), lag)
	}
}

func (d *Dispatcher) send(ctx context.Context, client *http.Client, m *model.OutboxMessage) error {
	body := []byte(m.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, d.Engine.opts.WebhookSecret)
	mac.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hazardloop-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-Hazardloop-Event", strconv.FormatInt(m.EventID, 10))
	req.Header.Set("X-Hazardloop-Delivery", strconv.FormatInt(m.ID, 10))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// Run delivers every Interval until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	interval := d.Interval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := d.DeliverOnce(ctx, time.Now())
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("outbox delivery failed", "err", err)
		case res.Sent+res.Failed > 0:
			log.Info("outbox", "sent", res.Sent, "failed", res.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
