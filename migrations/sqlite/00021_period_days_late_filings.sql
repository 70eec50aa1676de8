-- +goose Up
-- Hazards per day for the period statistics (统计分析): by region, department,
-- industry, grade and channel, the day found (Asia/Shanghai) and, for those
-- written off with a time, the day written off (closed_on is found_on for the
-- others: a key column cannot be NULL). Dismissed hazards are not counted. A
-- period is whole days, so every figure of it is a sum over these rows, kept
-- current in the transaction of every event. Created empty; the counts are
-- emptied with it so that the service refills every summary from the hazards
-- at start (workflow EnsureSummaries).
CREATE TABLE hazard_days (
    region_code TEXT NOT NULL,
    department  TEXT NOT NULL,
    industry    TEXT NOT NULL,
    level       TEXT NOT NULL,
    source      TEXT NOT NULL,
    found_on    DATE NOT NULL,
    written_off BOOLEAN NOT NULL,
    closed_on   DATE NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (region_code, department, industry, level, source, found_on, written_off, closed_on)
);
DELETE FROM hazard_counts;
-- The overdue hazards of a province or a city by region, department,
-- industry, grade or channel, counted from the partial index alone (the grouping columns trail the key (SQLite has no INCLUDE)):
-- a province's 100,000 overdue hazards were 100,000 reads of the table.
DROP INDEX hazards_overdue_province_idx;
CREATE INDEX hazards_overdue_province_idx ON hazards (region_province, due_on, region_code, department, industry, level, source) WHERE state IN ('listed', 'rectifying');
DROP INDEX hazards_overdue_city_idx;
CREATE INDEX hazards_overdue_city_idx ON hazards (region_city, due_on, region_code, department, industry, level, source) WHERE state IN ('listed', 'rectifying');


-- Late filings of reports upward (统计分析表 逾期未报): after a period's due
-- day the sweep notifies each enterprise that has not filed it, once — this
-- row, written in the sweep's transaction, is the "once" (one per enterprise
-- and period however many sweepers run). Such a notification concerns no
-- hazard: the outbox's event and hazard become optional (its receivers tell
-- messages apart by X-Hazardloop-Delivery, the outbox row's id).
CREATE TABLE periodic_late_notices (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    period        TEXT NOT NULL,
    noticed_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX periodic_late_notices_key ON periodic_late_notices (enterprise_id, period);
-- (00020 made them optional for region documents; its check lets a row name
-- neither only when it is a late filing's notice.)
CREATE TABLE outbox_next (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id              INTEGER REFERENCES hazard_events(id),
    hazard_id             INTEGER REFERENCES hazards(id),
    region_supervision_id INTEGER REFERENCES region_supervisions(id),
    kind                  TEXT NOT NULL,
    webhook               TEXT NOT NULL,
    payload               TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    attempts              INTEGER NOT NULL DEFAULT 0,
    next_attempt_at       TIMESTAMP NOT NULL,
    locked_until          TIMESTAMP,
    delivered_at          TIMESTAMP,
    last_error            TEXT NOT NULL DEFAULT '',
    CHECK ((event_id IS NOT NULL AND hazard_id IS NOT NULL) OR region_supervision_id IS NOT NULL OR kind = 'periodic_late')
);
INSERT INTO outbox_next (id, event_id, hazard_id, region_supervision_id, kind, webhook, payload, created_at, attempts, next_attempt_at, locked_until, delivered_at, last_error)
    SELECT id, event_id, hazard_id, region_supervision_id, kind, webhook, payload, created_at, attempts, next_attempt_at, locked_until, delivered_at, last_error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
CREATE UNIQUE INDEX outbox_event_webhook_key ON outbox (event_id, webhook);
CREATE UNIQUE INDEX outbox_region_supervision_webhook_key ON outbox (region_supervision_id, webhook);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;

-- +goose Down
DROP INDEX hazards_overdue_city_idx;
CREATE INDEX hazards_overdue_city_idx ON hazards (region_city, due_on) WHERE state IN ('listed', 'rectifying');
DROP INDEX hazards_overdue_province_idx;
CREATE INDEX hazards_overdue_province_idx ON hazards (region_province, due_on) WHERE state IN ('listed', 'rectifying');
DELETE FROM outbox WHERE kind = 'periodic_late';
CREATE TABLE outbox_prev (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id              INTEGER REFERENCES hazard_events(id),
    hazard_id             INTEGER REFERENCES hazards(id),
    region_supervision_id INTEGER REFERENCES region_supervisions(id),
    kind                  TEXT NOT NULL,
    webhook               TEXT NOT NULL,
    payload               TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    attempts              INTEGER NOT NULL DEFAULT 0,
    next_attempt_at       TIMESTAMP NOT NULL,
    locked_until          TIMESTAMP,
    delivered_at          TIMESTAMP,
    last_error            TEXT NOT NULL DEFAULT '',
    CHECK ((event_id IS NOT NULL AND hazard_id IS NOT NULL) OR region_supervision_id IS NOT NULL)
);
INSERT INTO outbox_prev SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_prev RENAME TO outbox;
CREATE UNIQUE INDEX outbox_event_webhook_key ON outbox (event_id, webhook);
CREATE UNIQUE INDEX outbox_region_supervision_webhook_key ON outbox (region_supervision_id, webhook);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;
DROP TABLE periodic_late_notices;
DROP TABLE hazard_days;
DELETE FROM hazard_counts;
