-- +goose Up
-- Supervision of slow regions and departments (对地区和部门的督办): a
-- supervisor's numbered document — notice, circular, interview, exposure — to
-- the governments or departments of regions below its own. The document and
-- the hazards it cites are never changed or removed; each target (主送) signs
-- for it and replies to it once.
CREATE TABLE region_supervisions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    step              INTEGER NOT NULL CHECK (step BETWEEN 1 AND 4),
    doc_year          INTEGER NOT NULL,
    doc_seq           INTEGER NOT NULL,
    doc_number        TEXT NOT NULL,
    issuer_region     TEXT NOT NULL REFERENCES regions(code),
    issuer_department TEXT NOT NULL DEFAULT '',
    issuer_name       TEXT NOT NULL,
    reason            TEXT NOT NULL,
    skip_reason       TEXT NOT NULL DEFAULT '',
    created_by        INTEGER REFERENCES users(id),
    created_at        TIMESTAMP NOT NULL
);
-- The numbers are the hazard steps' (escalations): one counter per issuing
-- region and year, never twice.
CREATE UNIQUE INDEX region_supervisions_doc_number_key ON region_supervisions (issuer_region, doc_year, doc_seq);
CREATE INDEX region_supervisions_issuer_idx ON region_supervisions (issuer_region, issuer_department, id);

-- One row per target of a document: the region (department '' for its
-- government), the addressee as printed, the figures of its hazards on the
-- day of issue, the reply deadline, and the sign and reply written once.
CREATE TABLE region_supervision_targets (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    supervision_id     INTEGER NOT NULL REFERENCES region_supervisions(id),
    step               INTEGER NOT NULL CHECK (step BETWEEN 1 AND 4),
    region_code        TEXT NOT NULL REFERENCES regions(code),
    department         TEXT NOT NULL DEFAULT '',
    addressee          TEXT NOT NULL,
    open_hazards       INTEGER NOT NULL DEFAULT 0,
    overdue_hazards    INTEGER NOT NULL DEFAULT 0,
    major_overdue      INTEGER NOT NULL DEFAULT 0,
    rectification_rate REAL NOT NULL DEFAULT 0,
    reply_due          DATE NOT NULL,
    acknowledged_by    INTEGER REFERENCES users(id),
    acknowledged_at    TIMESTAMP,
    reply_text         TEXT NOT NULL DEFAULT '',
    replied_by         INTEGER REFERENCES users(id),
    replied_at         TIMESTAMP
);
CREATE UNIQUE INDEX region_supervision_targets_key ON region_supervision_targets (supervision_id, region_code, department);
-- The steps a target has had (the order of the ladder), and what it received.
CREATE INDEX region_supervision_targets_target_idx ON region_supervision_targets (region_code, department, step);
CREATE INDEX region_supervision_targets_unreplied_idx ON region_supervision_targets (reply_due, id) WHERE replied_at IS NULL;

CREATE TABLE region_supervision_hazards (
    supervision_id INTEGER NOT NULL REFERENCES region_supervisions(id),
    hazard_id      INTEGER NOT NULL REFERENCES hazards(id),
    PRIMARY KEY (supervision_id, hazard_id)
);

-- +goose StatementBegin
CREATE TRIGGER region_supervisions_no_update BEFORE UPDATE ON region_supervisions
BEGIN
    SELECT RAISE(ABORT, 'region_supervisions is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER region_supervisions_no_delete BEFORE DELETE ON region_supervisions
BEGIN
    SELECT RAISE(ABORT, 'region_supervisions is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER region_supervision_hazards_no_change BEFORE UPDATE ON region_supervision_hazards
BEGIN
    SELECT RAISE(ABORT, 'region_supervision_hazards is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER region_supervision_hazards_no_delete BEFORE DELETE ON region_supervision_hazards
BEGIN
    SELECT RAISE(ABORT, 'region_supervision_hazards is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER region_supervision_targets_no_delete BEFORE DELETE ON region_supervision_targets
BEGIN
    SELECT RAISE(ABORT, 'region_supervision_targets is append-only');
END;
-- +goose StatementEnd
-- A target's row changes twice at most: its sign, then its reply, each
-- written once; nothing else of it ever changes.
-- +goose StatementBegin
CREATE TRIGGER region_supervision_targets_once BEFORE UPDATE ON region_supervision_targets
WHEN NEW.id IS NOT OLD.id OR NEW.supervision_id IS NOT OLD.supervision_id OR NEW.step IS NOT OLD.step
    OR NEW.region_code IS NOT OLD.region_code OR NEW.department IS NOT OLD.department OR NEW.addressee IS NOT OLD.addressee
    OR NEW.open_hazards IS NOT OLD.open_hazards OR NEW.overdue_hazards IS NOT OLD.overdue_hazards
    OR NEW.major_overdue IS NOT OLD.major_overdue OR NEW.rectification_rate IS NOT OLD.rectification_rate
    OR NEW.reply_due IS NOT OLD.reply_due
    OR (OLD.acknowledged_at IS NOT NULL AND (NEW.acknowledged_at IS NOT OLD.acknowledged_at OR NEW.acknowledged_by IS NOT OLD.acknowledged_by))
    OR (OLD.replied_at IS NOT NULL AND (NEW.replied_at IS NOT OLD.replied_at OR NEW.replied_by IS NOT OLD.replied_by OR NEW.reply_text IS NOT OLD.reply_text))
BEGIN
    SELECT RAISE(ABORT, 'region_supervision_targets: a sign and a reply are written once, nothing else changes');
END;
-- +goose StatementEnd

-- Notifications of region documents (kind region_supervision) have no hazard
-- event: the outbox takes either a hazard event or a region document. SQLite
-- cannot drop NOT NULL in place, hence the copy.
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
    CHECK ((event_id IS NOT NULL AND hazard_id IS NOT NULL) OR region_supervision_id IS NOT NULL)
);
INSERT INTO outbox_next (id, event_id, hazard_id, kind, webhook, payload, created_at, attempts, next_attempt_at, locked_until, delivered_at, last_error)
    SELECT id, event_id, hazard_id, kind, webhook, payload, created_at, attempts, next_attempt_at, locked_until, delivered_at, last_error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
CREATE UNIQUE INDEX outbox_event_webhook_key ON outbox (event_id, webhook);
CREATE UNIQUE INDEX outbox_region_supervision_webhook_key ON outbox (region_supervision_id, webhook);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;

-- +goose Down
CREATE TABLE outbox_prev (
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
INSERT INTO outbox_prev (id, event_id, hazard_id, kind, webhook, payload, created_at, attempts, next_attempt_at, locked_until, delivered_at, last_error)
    SELECT id, event_id, hazard_id, kind, webhook, payload, created_at, attempts, next_attempt_at, locked_until, delivered_at, last_error FROM outbox WHERE event_id IS NOT NULL;
DROP TABLE outbox;
ALTER TABLE outbox_prev RENAME TO outbox;
CREATE UNIQUE INDEX outbox_event_webhook_key ON outbox (event_id, webhook);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;
DROP TABLE region_supervision_hazards;
DROP TABLE region_supervision_targets;
DROP TABLE region_supervisions;
