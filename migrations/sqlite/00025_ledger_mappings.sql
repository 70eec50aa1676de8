-- +goose Up
-- How an import read the file's headers, as the official confirmed them
-- (issue 17): an import keeps the mapping and the one state chosen for a file
-- without a state column (options, JSON), so that committing the preview
-- reads the file as previewed; a committed mapping is kept per importing
-- region (ledger_mappings: the normalised header → the column key, "" for
-- none) and offered on the region's next import.
ALTER TABLE ledger_imports ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
CREATE TABLE ledger_mappings (
    region_code TEXT NOT NULL,
    header      TEXT NOT NULL,
    column_key  TEXT NOT NULL,
    updated_by  INTEGER NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (region_code, header)
);

-- +goose Down
DROP TABLE ledger_mappings;
ALTER TABLE ledger_imports DROP COLUMN options;
