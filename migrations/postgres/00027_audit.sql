-- +goose Up
-- The audit log (issue 19): every change to accounts, regions, calendars, the
-- ladder policy and the standards catalogue, one hash-chained entry each, as
-- hazard_events are chained (model.AuditEntry.Seal). seq numbers the one chain
-- 1, 2, 3 …; audit_head is its head, the row every appending transaction
-- locks (FOR UPDATE), so that replicas append one after another and the last
-- entry can be checked against it. before and after are JSON ('' for none),
-- never a password nor its hash.
CREATE TABLE audit_entries (
    seq         BIGINT PRIMARY KEY,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    label       TEXT NOT NULL,
    before      TEXT NOT NULL,
    after       TEXT NOT NULL
);
CREATE INDEX audit_entries_kind ON audit_entries (kind, seq);
CREATE INDEX audit_entries_actor ON audit_entries (actor_id, seq);
CREATE INDEX audit_entries_entity ON audit_entries (entity, entity_id, seq);
CREATE INDEX audit_entries_created ON audit_entries (created_at);
-- +goose StatementBegin
CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
-- TRUNCATE skips row triggers: refused as a statement.
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_entries;
DROP FUNCTION audit_entries_append_only();
