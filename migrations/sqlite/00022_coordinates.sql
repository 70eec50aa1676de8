-- +goose Up
-- Where a hazard is (WGS-84 degrees), when the finder gave it: drawn as a dot
-- on one county's map (四色图). Both or neither; the partial index keeps the
-- map's read to the open hazards that have them, county by county.
ALTER TABLE hazards ADD COLUMN latitude REAL;
ALTER TABLE hazards ADD COLUMN longitude REAL;
CREATE INDEX hazards_located_idx ON hazards (region_county, id) WHERE latitude IS NOT NULL AND state IN ('discovered', 'listed', 'rectifying', 'verifying');

-- +goose Down
DROP INDEX hazards_located_idx;
ALTER TABLE hazards DROP COLUMN longitude;
ALTER TABLE hazards DROP COLUMN latitude;
