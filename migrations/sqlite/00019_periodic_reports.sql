-- +goose Up
-- Reports upward (16号令 §14): an enterprise files its hazard statistics for a
-- quarter (2026Q4) or a year (2026), signed by its principal; a filing is never
-- changed or removed, a correction is a new filing for the same period.
CREATE TABLE periodic_reports (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id  INTEGER NOT NULL REFERENCES enterprises(id),
    region_code    TEXT NOT NULL,
    period         TEXT NOT NULL,
    figures        TEXT NOT NULL,
    principal_name TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    filed_by       INTEGER REFERENCES users(id),
    filed_at       TIMESTAMP NOT NULL,
    late           BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX periodic_reports_period_idx ON periodic_reports (period, enterprise_id, id);
-- +goose StatementBegin
CREATE TRIGGER periodic_reports_no_update BEFORE UPDATE ON periodic_reports
BEGIN
    SELECT RAISE(ABORT, 'periodic_reports is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER periodic_reports_no_delete BEFORE DELETE ON periodic_reports
BEGIN
    SELECT RAISE(ABORT, 'periodic_reports is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE periodic_reports;
