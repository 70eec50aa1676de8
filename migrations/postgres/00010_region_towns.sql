-- +goose Up
-- Territory goes down to the township (9-digit codes) and the village (12): a
-- hazard keeps its county and township codes beside its province and city (see
-- 00006), so that every territory level is an equality an index serves in id
-- order. A village is the hazard's own region_code (hazards_region_code_idx and
-- hazards_overdue_county_idx, which now serves villages). region_township is ''
-- for a hazard of a county.
-- Regions of five levels: codes of 6, 9 or 12 digits, levels 1 to 5.
ALTER TABLE regions DROP CONSTRAINT regions_code_check,
    DROP CONSTRAINT regions_level_check,
    ADD CONSTRAINT regions_code_check CHECK (length(code) IN (6, 9, 12)),
    ADD CONSTRAINT regions_level_check CHECK (level BETWEEN 1 AND 5);
ALTER TABLE hazards ADD COLUMN region_county TEXT NOT NULL DEFAULT '';
ALTER TABLE hazards ADD COLUMN region_township TEXT NOT NULL DEFAULT '';
UPDATE hazards SET region_county = substr(region_code, 1, 6),
                   region_township = CASE WHEN length(region_code) >= 9 THEN substr(region_code, 1, 9) ELSE '' END;
CREATE INDEX hazards_region_county_idx ON hazards (region_county, id);
CREATE INDEX hazards_region_township_idx ON hazards (region_township, id);
-- Overdue hazards counted per territory from the index alone, as 00007 has it.
CREATE INDEX hazards_overdue_region_county_idx ON hazards (region_county, due_on) WHERE state IN ('listed', 'rectifying');
CREATE INDEX hazards_overdue_region_township_idx ON hazards (region_township, due_on) WHERE state IN ('listed', 'rectifying');

-- +goose Down
DROP INDEX hazards_overdue_region_township_idx;
DROP INDEX hazards_overdue_region_county_idx;
DROP INDEX hazards_region_township_idx;
DROP INDEX hazards_region_county_idx;
ALTER TABLE hazards DROP COLUMN region_township;
ALTER TABLE hazards DROP COLUMN region_county;
ALTER TABLE regions DROP CONSTRAINT regions_code_check,
    DROP CONSTRAINT regions_level_check,
    ADD CONSTRAINT regions_code_check CHECK (length(code) = 6),
    ADD CONSTRAINT regions_level_check CHECK (level BETWEEN 1 AND 3);
