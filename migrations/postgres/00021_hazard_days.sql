-- +goose Up
-- Hazards per day for the period statistics (统计分析): by region, department,
-- industry, grade and channel, the day found (Asia/Shanghai) and, for those
-- written off with a time, the day written off (closed_on is found_on for the
-- others: a key column cannot be NULL). Dismissed hazards are not counted. A
-- period is whole days, so every figure of it is a sum over these rows, kept
-- current in the transaction of every event. Created empty; the counts are
-- emptied with it so that the service refills every summary from the hazards
-- at start (workflow EnsureSummaries).
CREATE TABLE hazard_days (
    region_code TEXT NOT NULL,
    department  TEXT NOT NULL,
    industry    TEXT NOT NULL,
    level       TEXT NOT NULL,
    source      TEXT NOT NULL,
    found_on    DATE NOT NULL,
    written_off BOOLEAN NOT NULL,
    closed_on   DATE NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (region_code, department, industry, level, source, found_on, written_off, closed_on)
);
DELETE FROM hazard_counts;

-- +goose Down
DROP TABLE hazard_days;
DELETE FROM hazard_counts;
