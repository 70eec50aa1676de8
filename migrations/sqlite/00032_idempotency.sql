-- +goose Up
-- Idempotency keys (issue 18): a client that retries a send gives the same
-- Idempotency-Key and gets the first answer again instead of a second hazard.
-- scope is whose key it is ("u:<user id>"), so two users never share a key.
-- status 0 marks a claim still in flight; request_hash (sha256 of method, path
-- and body) is written with the answer. Rows older than 24 hours count as gone
-- and each new claim deletes them (model.ClaimIdempotencyKey).
CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL DEFAULT '',
    status        INTEGER NOT NULL DEFAULT 0,
    content_type  TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
