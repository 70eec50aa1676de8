-- +goose Up
-- Evidence files: the bytes live in content-addressed storage under sha256; the
-- row says what, whose and when. Never deleted: a mistaken upload is withdrawn.
CREATE TABLE evidence (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    hazard_id       INTEGER NOT NULL REFERENCES hazards(id),
    kind            TEXT NOT NULL CHECK (kind IN ('photo_before', 'photo_after', 'document')),
    sha256          TEXT NOT NULL,
    size            INTEGER NOT NULL,
    content_type    TEXT NOT NULL,
    filename        TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    uploaded_by     INTEGER REFERENCES users(id),
    uploader_role   TEXT NOT NULL,
    from_public     BOOLEAN NOT NULL DEFAULT 0,
    captured_at     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    withdrawn_at    TIMESTAMP,
    withdrawn_by    INTEGER REFERENCES users(id),
    withdraw_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX evidence_hazard_idx ON evidence (hazard_id, id);

-- Public reports (群众举报). The reporter holds a tracking code; only its SHA-256
-- is kept. The contact is sealed (AES-GCM) and never leaves for enterprises.
CREATE TABLE reports (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    hazard_id              INTEGER NOT NULL REFERENCES hazards(id),
    code_hash              TEXT NOT NULL,
    address                TEXT NOT NULL DEFAULT '',
    latitude               REAL,
    longitude              REAL,
    contact_sealed         TEXT NOT NULL DEFAULT '',
    real_name              BOOLEAN NOT NULL DEFAULT 0,
    wants_reward           BOOLEAN NOT NULL DEFAULT 0,
    intake_seq             INTEGER NOT NULL,
    received_at            TIMESTAMP NOT NULL,
    check_due              DATE NOT NULL,
    check_extension_reason TEXT NOT NULL DEFAULT '',
    checked_at             TIMESTAMP,
    answer                 TEXT NOT NULL DEFAULT '',
    answered_at            TIMESTAMP,
    answered_by            INTEGER REFERENCES users(id),
    reward_status          TEXT NOT NULL DEFAULT 'none' CHECK (reward_status IN ('none', 'eligible', 'proposed', 'approved', 'paid', 'declined')),
    fine                   REAL,
    reward_amount          REAL,
    reward_note            TEXT NOT NULL DEFAULT '',
    reward_proposed_by     INTEGER REFERENCES users(id),
    reward_proposed_at     TIMESTAMP,
    reward_decided_by      INTEGER REFERENCES users(id),
    reward_decided_at      TIMESTAMP,
    reward_paid_at         TIMESTAMP
);
CREATE UNIQUE INDEX reports_code_hash_key ON reports (code_hash);
CREATE INDEX reports_hazard_idx ON reports (hazard_id);
CREATE INDEX reports_received_idx ON reports (received_at, id);

-- Fixed-window counters for rate limits, shared by every replica. Keys are hashes:
-- no client address is stored.
CREATE TABLE rate_limits (
    key          TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- +goose Down
DROP TABLE rate_limits;
DROP TABLE reports;
DROP TABLE evidence;
