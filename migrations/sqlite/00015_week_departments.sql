-- +goose Up
-- The 12-week trend by department too: found and written off per region,
-- department and week, so that a department's dashboard draws its own trend. A
-- hazard's found week counts under the department it has now ('' until listed):
-- listing it, or an accepted transfer, moves the week with it. Recreated empty;
-- the counts are emptied with it so that the service refills both from the
-- hazards at start (workflow EnsureSummaries).
DROP TABLE hazard_weeks;
CREATE TABLE hazard_weeks (
    region_code TEXT NOT NULL,
    department  TEXT NOT NULL,
    week        DATE NOT NULL,
    found       BIGINT NOT NULL DEFAULT 0,
    written_off BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, department, week)
);
DELETE FROM hazard_counts;

-- +goose Down
DROP TABLE hazard_weeks;
CREATE TABLE hazard_weeks (
    region_code TEXT NOT NULL,
    week        DATE NOT NULL,
    found       BIGINT NOT NULL DEFAULT 0,
    written_off BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, week)
);
DELETE FROM hazard_counts;
