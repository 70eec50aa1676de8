-- +goose Up
-- The catalogue of major-hazard criteria (重大事故隐患判定标准): every edition of
-- a standard is a row of its own, never changed or removed, so a hazard keeps
-- the version it cited (hazards.basis_standard_id, basis_standard_version,
-- basis_clause_ref) when an admin replaces the standard with a newer edition.
-- body is the entry as the API shows it (JSON: number, issued_on, industries,
-- clauses, sources, text_source).
CREATE TABLE standard_versions (
    standard_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (standard_id, version)
);
-- +goose StatementBegin
CREATE TRIGGER standard_versions_no_update BEFORE UPDATE ON standard_versions
BEGIN
    SELECT RAISE(ABORT, 'standard_versions is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER standard_versions_no_delete BEFORE DELETE ON standard_versions
BEGIN
    SELECT RAISE(ABORT, 'standard_versions is append-only');
END;
-- +goose StatementEnd
-- Null: the basis is not in the catalogue (未收录) or the hazard has none.
ALTER TABLE hazards ADD COLUMN basis_standard_id TEXT;
ALTER TABLE hazards ADD COLUMN basis_standard_version INTEGER;
ALTER TABLE hazards ADD COLUMN basis_clause_ref TEXT;

-- +goose Down
ALTER TABLE hazards DROP COLUMN basis_clause_ref;
ALTER TABLE hazards DROP COLUMN basis_standard_version;
ALTER TABLE hazards DROP COLUMN basis_standard_id;
DROP TABLE standard_versions;
