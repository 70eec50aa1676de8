// Package webhook delivers hazardloop's notifications (叫应) from the outbox to
// the configured webhooks: the HTTP side of the transactional outbox that
// workflow writes in each event's transaction.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"hazardloop/model"
	"hazardloop/workflow"
)

// Dispatcher posts each notification as JSON signed with HMAC-SHA256 (header
// X-Hazardloop-Signature: sha256=…), with the event id in X-Hazardloop-Event for
// the receiver's idempotency. Failures are retried with backoff by the engine's
// rule. Several replicas may run one each.
type Dispatcher struct {
	Outbox   *workflow.Notifications
	Secret   []byte
	Client   *http.Client  // 10 s timeout when nil
	Interval time.Duration // 2 s when zero
	Log      *slog.Logger
}

// Result says what one round of delivery did.
type Result struct {
	Sent, Failed int
}

// DeliverOnce sends the notifications due at now, once each.
func (d *Dispatcher) DeliverOnce(ctx context.Context, now time.Time) (Result, error) {
	var res Result
	client := d.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	for {
		ms, err := d.Outbox.Claim(ctx, now, 50)
		if err != nil || len(ms) == 0 {
			if err == nil {
				err = d.Outbox.Observe(ctx, now)
			}
			return res, err
		}
		for i := range ms {
			failure := d.send(ctx, client, &ms[i])
			if failure != nil {
				res.Failed++
			} else {
				res.Sent++
			}
			if err := d.Outbox.Finish(ctx, &ms[i], now, failure); err != nil {
				return res, err
			}
		}
	}
}

func (d *Dispatcher) send(ctx context.Context, client *http.Client, m *model.OutboxMessage) error {
	body := []byte(m.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, d.Secret)
	mac.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hazardloop-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	// The receiver deduplicates by the hazard event, or for a region
	// document (which has none) by the document; a notice of neither (a late
	// filing's, periodic_late) goes by its delivery id alone.
	switch {
	case m.RegionSupervisionID != nil:
		req.Header.Set("X-Hazardloop-Region-Supervision", strconv.FormatInt(*m.RegionSupervisionID, 10))
	case m.EventID != 0:
		req.Header.Set("X-Hazardloop-Event", strconv.FormatInt(m.EventID, 10))
	}
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
