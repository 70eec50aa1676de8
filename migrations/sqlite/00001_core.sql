-- +goose Up
CREATE TABLE regions (
    code        TEXT PRIMARY KEY CHECK (length(code) = 6),
    name        TEXT NOT NULL,
    parent_code TEXT REFERENCES regions(code),
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX regions_parent_code_idx ON regions (parent_code);

CREATE TABLE enterprises (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    industry    TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX enterprises_credit_code_key ON enterprises (credit_code);
CREATE INDEX enterprises_region_code_idx ON enterprises (region_code, id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'officer', 'enterprise')),
    region_code   TEXT REFERENCES regions(code),
    enterprise_id INTEGER REFERENCES enterprises(id),
    active        BOOLEAN NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    CHECK (role = 'admin' OR region_code IS NOT NULL),
    CHECK ((role = 'enterprise') = (enterprise_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_username_key ON users (username);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- counters hands out gap-free numbers (hazard codes, document numbers) inside the
-- transaction that uses them.
CREATE TABLE counters (
    name   TEXT NOT NULL,
    period TEXT NOT NULL,
    value  INTEGER NOT NULL,
    PRIMARY KEY (name, period)
);

CREATE TABLE hazards (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    code                 TEXT NOT NULL,
    title                TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    source               TEXT NOT NULL CHECK (source IN ('self_inspection', 'supervisory_check', 'public_report', 'officer_report')),
    level                TEXT NOT NULL CHECK (level IN ('general', 'major')),
    industry             TEXT NOT NULL DEFAULT '',
    region_code          TEXT NOT NULL REFERENCES regions(code),
    enterprise_id        INTEGER REFERENCES enterprises(id),
    location             TEXT NOT NULL DEFAULT '',
    discovered_at        TIMESTAMP NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('discovered', 'listed', 'rectifying', 'verifying', 'written_off', 'dismissed')),
    version              INTEGER NOT NULL CHECK (version >= 1),
    escalation_level     INTEGER NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 4),
    listed_supervision   BOOLEAN NOT NULL DEFAULT 0,
    production_suspended BOOLEAN NOT NULL DEFAULT 0,
    basis_standard       TEXT NOT NULL DEFAULT '',
    basis_clause         TEXT NOT NULL DEFAULT '',
    measures             TEXT NOT NULL DEFAULT '',
    responsible_unit     TEXT NOT NULL DEFAULT '',
    responsible_person   TEXT NOT NULL DEFAULT '',
    responsible_phone    TEXT NOT NULL DEFAULT '',
    funds                REAL,
    funds_source         TEXT NOT NULL DEFAULT '',
    deadline             DATE,
    emergency_plan       TEXT NOT NULL DEFAULT '',
    duplicate_of         INTEGER REFERENCES hazards(id),
    created_by           INTEGER REFERENCES users(id),
    listed_at            TIMESTAMP,
    planned_at           TIMESTAMP,
    submitted_by         INTEGER REFERENCES users(id),
    submitted_at         TIMESTAMP,
    verified_by          INTEGER REFERENCES users(id),
    verified_at          TIMESTAMP,
    closed_at            TIMESTAMP,
    last_seq             INTEGER NOT NULL DEFAULT 0,
    chain_head           TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX hazards_code_key ON hazards (code);
CREATE INDEX hazards_region_code_idx ON hazards (region_code, id);
CREATE INDEX hazards_enterprise_id_idx ON hazards (enterprise_id, id);
CREATE INDEX hazards_state_idx ON hazards (state, id);
-- Only open hazards can be overdue: the partial index keeps the overdue filter and
-- the escalation sweep independent of the number of closed hazards.
CREATE INDEX hazards_open_deadline_idx ON hazards (deadline, id) WHERE state IN ('listed', 'rectifying');

CREATE TABLE hazard_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    hazard_id  INTEGER NOT NULL REFERENCES hazards(id),
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    event      TEXT NOT NULL,
    from_state TEXT NOT NULL DEFAULT '',
    to_state   TEXT NOT NULL,
    actor_id   INTEGER REFERENCES users(id),
    actor_name TEXT NOT NULL,
    role       TEXT NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    payload    TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE UNIQUE INDEX hazard_events_hazard_seq_key ON hazard_events (hazard_id, seq);

-- The event log is append-only: the database refuses to change or remove a row.
-- +goose StatementBegin
CREATE TRIGGER hazard_events_no_update BEFORE UPDATE ON hazard_events
BEGIN
    SELECT RAISE(ABORT, 'hazard_events is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER hazard_events_no_delete BEFORE DELETE ON hazard_events
BEGIN
    SELECT RAISE(ABORT, 'hazard_events is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE hazard_events;
DROP TABLE hazards;
DROP TABLE counters;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE enterprises;
DROP TABLE regions;
