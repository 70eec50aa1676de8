-- +goose Up
-- Competent departments (行业主管部门). A supervisor account belongs to one
-- department at its region (emergency, the comprehensive supervisor, for every
-- account made before departments existed); other accounts have none (''). A
-- hazard's department is set when it is listed (confirm, or an import past
-- discovered): '' until then. Hazards listed before departments existed were the
-- emergency bureau's, the only authority the service knew; the codes are
-- workflow's table (workflow.Departments), not a CHECK, so that a department
-- added later needs no migration.
ALTER TABLE users ADD COLUMN department TEXT NOT NULL DEFAULT '';
UPDATE users SET department = 'emergency' WHERE role = 'supervisor';
ALTER TABLE hazards ADD COLUMN department TEXT NOT NULL DEFAULT '';
UPDATE hazards SET department = 'emergency' WHERE state NOT IN ('discovered', 'dismissed') OR listed_at IS NOT NULL;
-- A department's hazards of a county or a city, newest first: the list's
-- department= filter walks these in id order instead of a territory's every
-- hazard.
CREATE INDEX hazards_department_county_idx ON hazards (department, region_county, id);
CREATE INDEX hazards_department_city_idx ON hazards (department, region_city, id);
-- What an information officer reported (我上报的隐患, their work queue).
CREATE INDEX hazards_created_by_idx ON hazards (created_by, id);

-- The dashboard's counts keyed by department too: recreated empty, and filled
-- from the hazards by the service at start (workflow EnsureSummaries).
DROP TABLE hazard_counts;
CREATE TABLE hazard_counts (
    region_code TEXT NOT NULL,
    department  TEXT NOT NULL,
    state       TEXT NOT NULL,
    level       TEXT NOT NULL,
    source      TEXT NOT NULL,
    industry    TEXT NOT NULL,
    on_time     BOOLEAN NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (region_code, department, state, level, source, industry, on_time)
);

-- +goose Down
DROP TABLE hazard_counts;
CREATE TABLE hazard_counts (
    region_code TEXT NOT NULL,
    state       TEXT NOT NULL,
    level       TEXT NOT NULL,
    source      TEXT NOT NULL,
    industry    TEXT NOT NULL,
    on_time     BOOLEAN NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (region_code, state, level, source, industry, on_time)
);
DROP INDEX hazards_created_by_idx;
DROP INDEX hazards_department_city_idx;
DROP INDEX hazards_department_county_idx;
ALTER TABLE hazards DROP COLUMN department;
ALTER TABLE users DROP COLUMN department;
