-- +goose Up
-- Major hazards are one in twenty: a list of them (level=major) walked twenty
-- rows of its territory for each it showed. With this index the planner walks
-- the majors newest first instead.
CREATE INDEX hazards_level_idx ON hazards (level, id);

-- +goose Down
DROP INDEX hazards_level_idx;
