-- +goose Up
-- The notices inbox (叫应, issue 18): what the outbox tells the receiving
-- systems, fanned out when it is written — in the same transaction — into one
-- row per user it is addressed to (workflow/inbox.go says who). read_at is
-- the user's read state, in the database so that every replica agrees.
-- title and ref are a copy of what the notice is about (a hazard's title and
-- code, a document's number) as it was when written; the link to the hazard
-- or document is checked again when followed.
CREATE TABLE notices (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id                INTEGER NOT NULL REFERENCES users(id),
    kind                   TEXT NOT NULL,
    hazard_id              INTEGER,
    region_supervision_id  INTEGER,
    event_id               INTEGER,
    title                  TEXT NOT NULL DEFAULT '',
    ref                    TEXT NOT NULL DEFAULT '',
    created_at             TIMESTAMP NOT NULL,
    read_at                TIMESTAMP
);
-- A user's inbox, newest first (keyset on id).
CREATE INDEX notices_user ON notices (user_id, id);
-- The header's unread count: one index range, only the unread rows.
CREATE INDEX notices_unread ON notices (user_id, id) WHERE read_at IS NULL;
-- Whom a notice reaches is looked up by region and role, or by enterprise.
CREATE INDEX users_region_role ON users (region_code, role);
CREATE INDEX users_enterprise ON users (enterprise_id);

-- Idempotency keys past 24 hours are purged by the sweeper in batches
-- (model.PurgeIdempotencyKeys); a claim takes over an expired key in place.

-- +goose Down
DROP INDEX users_enterprise;
DROP INDEX users_region_role;
DROP TABLE notices;
