-- +goose Up
-- Disaster hazards (灾害隐患) beside accident hazards (事故隐患): the category,
-- and for a disaster hazard its type and subtype, what lies under threat (households,
-- people, property in 万元), the monitor (监测责任人/群测群防员) and the evacuation
-- route and shelter. Every hazard so far is an accident hazard. Accident hazards
-- leave the disaster columns empty (workflow checks this on every way in).
ALTER TABLE hazards ADD COLUMN category TEXT NOT NULL DEFAULT 'accident' CHECK (category IN ('accident', 'disaster'));
ALTER TABLE hazards ADD COLUMN disaster_type TEXT;
ALTER TABLE hazards ADD COLUMN subtype TEXT;
ALTER TABLE hazards ADD COLUMN threatened_households INTEGER;
ALTER TABLE hazards ADD COLUMN threatened_people INTEGER;
ALTER TABLE hazards ADD COLUMN threatened_property REAL;
ALTER TABLE hazards ADD COLUMN monitor_name TEXT;
ALTER TABLE hazards ADD COLUMN monitor_phone TEXT;
ALTER TABLE hazards ADD COLUMN evacuation_plan TEXT;
-- Disaster hazards are few beside accident hazards: lists filtered to them,
-- and the dashboard's people under threat, walk this partial index county by
-- county instead of every hazard of the territory.
CREATE INDEX hazards_disaster_idx ON hazards (region_county, id, disaster_type, state, department, level, threatened_people, category) WHERE category = 'disaster';

-- +goose Down
DROP INDEX hazards_disaster_idx;
ALTER TABLE hazards DROP COLUMN evacuation_plan;
ALTER TABLE hazards DROP COLUMN monitor_phone;
ALTER TABLE hazards DROP COLUMN monitor_name;
ALTER TABLE hazards DROP COLUMN threatened_property;
ALTER TABLE hazards DROP COLUMN threatened_people;
ALTER TABLE hazards DROP COLUMN threatened_households;
ALTER TABLE hazards DROP COLUMN subtype;
ALTER TABLE hazards DROP COLUMN disaster_type;
ALTER TABLE hazards DROP COLUMN category;
