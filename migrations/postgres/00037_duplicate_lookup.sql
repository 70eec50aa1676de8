-- +goose Up
-- Duplicates in sight (#18): before a finding or a public report is sent, the
-- open hazards of its county within a box of latitude and longitude around
-- it are looked up. The partial index of 00022 holds only (region_county, id):
-- walking it reads every located open hazard of the county. This one ranges
-- on latitude inside the county and tests longitude in the index.
CREATE INDEX hazards_open_place_idx ON hazards (region_county, latitude, longitude) WHERE latitude IS NOT NULL AND state IN ('discovered', 'listed', 'rectifying', 'verifying');

-- +goose Down
DROP INDEX hazards_open_place_idx;
