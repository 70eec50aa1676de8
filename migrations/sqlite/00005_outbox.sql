-- +goose Up
-- Notifications (叫应) written in the same transaction as the event that calls
-- for them, delivered after commit by the dispatcher: one row per event and
-- webhook, idempotent by event id at the receiver.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        INTEGER NOT NULL REFERENCES hazard_events(id),
    hazard_id       INTEGER NOT NULL REFERENCES hazards(id),
    kind            TEXT NOT NULL,
    webhook         TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    delivered_at    TIMESTAMP,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX outbox_event_webhook_key ON outbox (event_id, webhook);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;

-- +goose Down
DROP TABLE outbox;
