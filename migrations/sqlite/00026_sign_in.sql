-- +goose Up
-- Sign-in that resists guessing (issue 19): failed sign-ins counted per account
-- and per client address, each keyed by an HMAC (never the name typed nor the
-- address), shared by every replica. failures counts those since first_at
-- (a window of workflow.SignInPolicy.Window); locked_until refuses the key until then.
CREATE TABLE sign_in_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    first_at     TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

-- +goose Down
DROP TABLE sign_in_failures;
