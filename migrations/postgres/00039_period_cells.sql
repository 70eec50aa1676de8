-- +goose Up
-- The period statistics (统计分析) of a province, a city or a county by week:
-- hazard_days has a cell per village, department, industry, grade, channel
-- and day, which comes near a row per hazard when hazards are spread as a
-- real province's are, and the statistics then read as many rows as there are
-- hazards. These cells count the hazards (n, and of them major) by city
-- (region of four digits) and by county (six), department and one grouping at
-- a time (dim: '' for region and department, 'industry', 'level' or 'source',
-- val the hazard's value of it), by status (open; written_off with a time; closed:
-- written off without one; dismissed) and by week (Monday, Asia/Shanghai):
-- the week found and — written off, the week closed; otherwise the week found
-- again (a key column cannot be NULL). A period's whole weeks are sums over them;
-- the days at its two ends are counted from the hazards over the indexes
-- below. Created empty; the counts are emptied with it so that the service
-- refills every summary from the hazards at start (workflow EnsureSummaries).
CREATE TABLE hazard_period_cells (
    dim        TEXT NOT NULL,
    digits     INTEGER NOT NULL CHECK (digits IN (4, 6)),
    region     TEXT NOT NULL,
    department TEXT NOT NULL,
    val        TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('open', 'written_off', 'closed', 'dismissed')),
    found_week DATE NOT NULL,
    week       DATE NOT NULL,
    n          BIGINT NOT NULL,
    major      BIGINT NOT NULL,
    PRIMARY KEY (dim, digits, region, department, val, status, found_week, week)
);
DELETE FROM hazard_counts;
CREATE INDEX hazards_discovered_at_idx ON hazards (discovered_at);
CREATE INDEX hazards_closed_at_idx ON hazards (closed_at) WHERE closed_at IS NOT NULL;

-- +goose Down
DROP INDEX hazards_closed_at_idx;
DROP INDEX hazards_discovered_at_idx;
DROP TABLE hazard_period_cells;
DELETE FROM hazard_counts;
