-- +goose Up
-- A log that cannot be rewritten unseen (issue 19): every event hash, in the
-- order the checkpoint job first saw it committed, is a leaf of one RFC 6962
-- Merkle tree (golang.org/x/mod/sumdb/tlog). log_leaves maps a leaf's index to
-- its event; log_hashes keeps the tree's stored hashes (tlog.StoredHashes, 32
-- bytes each) so that proofs are read, not recomputed; checkpoints keeps each
-- signed checkpoint (the C2SP signed note's text); log_key is the one verifier
-- key every replica must sign with. All four are append-only, like the events.
CREATE TABLE log_leaves (
    idx      BIGINT PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES hazard_events(id)
);
-- One leaf per event: the checkpoint job's anti-join reads it, and a second
-- leaf for an event is refused.
CREATE UNIQUE INDEX log_leaves_event_key ON log_leaves (event_id);
CREATE TABLE log_hashes (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);
CREATE TABLE checkpoints (
    n             BIGINT PRIMARY KEY,
    size          BIGINT NOT NULL,
    root          TEXT NOT NULL,
    signed_note   TEXT NOT NULL,
    last_event_id BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE TABLE log_key (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    origin     TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose StatementBegin
CREATE FUNCTION transparency_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER log_leaves_no_update BEFORE UPDATE OR DELETE ON log_leaves
    FOR EACH ROW EXECUTE FUNCTION transparency_log_append_only();
CREATE TRIGGER log_hashes_no_update BEFORE UPDATE OR DELETE ON log_hashes
    FOR EACH ROW EXECUTE FUNCTION transparency_log_append_only();
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION transparency_log_append_only();
CREATE TRIGGER log_key_no_update BEFORE UPDATE OR DELETE ON log_key
    FOR EACH ROW EXECUTE FUNCTION transparency_log_append_only();

-- +goose Down
DROP TABLE log_key;
DROP TABLE checkpoints;
DROP TABLE log_hashes;
DROP TABLE log_leaves;
DROP FUNCTION transparency_log_append_only();
