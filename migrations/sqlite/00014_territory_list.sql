-- +goose Up
-- The hazard list of a city, a county or a township walks the territory's index
-- newest first and tests each row's department (a department's scope and the
-- shared register), state, level, due day, source and smaller division. The
-- territory's hazards lie spread over the whole table (they come in with every
-- other territory's), so each row tested was a page read: a county's housing
-- bureau asking for its overdue hazards read thousands. These indexes carry the
-- columns the list filters on, so that the list first finds the ids of a page
-- in the index alone and reads only those rows (model.ListHazardRows).
DROP INDEX hazards_region_city_idx;
DROP INDEX hazards_region_county_idx;
DROP INDEX hazards_region_township_idx;
CREATE INDEX hazards_region_city_idx ON hazards (region_city, id, department, level, state, due_on, source, enterprise_id, region_county, region_township, region_code);
CREATE INDEX hazards_region_county_idx ON hazards (region_county, id, department, level, state, due_on, source, enterprise_id, region_township, region_code);
CREATE INDEX hazards_region_township_idx ON hazards (region_township, id, department, level, state, due_on, source, enterprise_id, region_code);

-- +goose Down
DROP INDEX hazards_region_township_idx;
DROP INDEX hazards_region_county_idx;
DROP INDEX hazards_region_city_idx;
CREATE INDEX hazards_region_city_idx ON hazards (region_city, id);
CREATE INDEX hazards_region_county_idx ON hazards (region_county, id);
CREATE INDEX hazards_region_township_idx ON hazards (region_township, id);
