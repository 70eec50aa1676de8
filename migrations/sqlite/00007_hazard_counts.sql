-- +goose Up
-- Counts of hazards by region, state, grade, channel and industry (and, for
-- written-off ones, whether on time), and found / written off per week, kept
-- current in the transaction of every event: the dashboard reads these small
-- tables instead of scanning a province's hazards. Filled from the hazards by the
-- service at start when empty (model.RebuildSummaries).
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
CREATE TABLE hazard_weeks (
    region_code TEXT NOT NULL,
    week        DATE NOT NULL,
    found       BIGINT NOT NULL DEFAULT 0,
    written_off BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, week)
);
-- Overdue hazards counted per territory from the index alone.
CREATE INDEX hazards_overdue_province_idx ON hazards (region_province, due_on) WHERE state IN ('listed', 'rectifying');
CREATE INDEX hazards_overdue_city_idx ON hazards (region_city, due_on) WHERE state IN ('listed', 'rectifying');
CREATE INDEX hazards_overdue_county_idx ON hazards (region_code, due_on) WHERE state IN ('listed', 'rectifying');

-- +goose Down
DROP INDEX hazards_overdue_county_idx;
DROP INDEX hazards_overdue_city_idx;
DROP INDEX hazards_overdue_province_idx;
DROP TABLE hazard_weeks;
DROP TABLE hazard_counts;
