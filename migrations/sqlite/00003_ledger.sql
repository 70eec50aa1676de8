-- +goose Up
-- ledger_imports keeps each upload of the Excel ledger with its outcome, so that
-- the error report (the uploaded rows with the problems marked) can be fetched
-- afterwards, from any replica. The file itself is kept for that report only.
CREATE TABLE ledger_imports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_by INTEGER NOT NULL REFERENCES users(id),
    file_name  TEXT NOT NULL DEFAULT '',
    dry_run    BOOLEAN NOT NULL,
    valid_only BOOLEAN NOT NULL,
    committed  BOOLEAN NOT NULL,
    total_rows INTEGER NOT NULL,
    created    INTEGER NOT NULL,
    updated    INTEGER NOT NULL,
    unchanged  INTEGER NOT NULL,
    skipped    INTEGER NOT NULL,
    errors     TEXT NOT NULL DEFAULT '[]',
    file       BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ledger_imports_created_at_idx ON ledger_imports (created_at);

-- ledger_keys remembers which hazard a ledger row without a hazard code created
-- (by a fingerprint of its region, enterprise, name, discovery day and place),
-- so that importing the same ledger again creates no duplicates.
CREATE TABLE ledger_keys (
    fingerprint TEXT PRIMARY KEY,
    hazard_id   INTEGER NOT NULL REFERENCES hazards(id)
);
CREATE INDEX ledger_keys_hazard_id_idx ON ledger_keys (hazard_id);

-- +goose Down
DROP TABLE ledger_keys;
DROP TABLE ledger_imports;
