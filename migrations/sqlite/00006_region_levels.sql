-- +goose Up
-- The province and city of a hazard's region, beside its county code, so that a
-- territory is an equality (served in id order by an index) rather than a range of
-- codes (which must be sorted): keyset pages stay fast at a million hazards.
ALTER TABLE hazards ADD COLUMN region_province TEXT NOT NULL DEFAULT '';
ALTER TABLE hazards ADD COLUMN region_city TEXT NOT NULL DEFAULT '';
UPDATE hazards SET region_province = substr(region_code, 1, 2) || '0000',
                   region_city = substr(region_code, 1, 4) || '00';
CREATE INDEX hazards_region_province_idx ON hazards (region_province, id);
CREATE INDEX hazards_region_city_idx ON hazards (region_city, id);

-- +goose Down
DROP INDEX hazards_region_city_idx;
DROP INDEX hazards_region_province_idx;
ALTER TABLE hazards DROP COLUMN region_city;
ALTER TABLE hazards DROP COLUMN region_province;
