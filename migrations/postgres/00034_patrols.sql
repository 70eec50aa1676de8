-- +goose Up
-- Patrols of open disaster hazards (常态化排查) and danger signs (险情叫应),
-- workflow/patrol.go: the last patrol, the day the current cycle's patrol is
-- due, the due day of the last cycle missed (flagged once per cycle by the
-- sweep), and since when a danger sign stands unanswered. Only open disaster
-- hazards have a patrol day: a partial index for the sweep's claim. Open
-- disaster hazards from before get their first cycle at the shortest default
-- (7 days from listing or registration, Asia/Shanghai); a patrol sets the
-- cycle by the configured policy from then on.
ALTER TABLE hazards ADD COLUMN last_patrol_at TIMESTAMPTZ;
ALTER TABLE hazards ADD COLUMN patrol_due_on DATE;
ALTER TABLE hazards ADD COLUMN patrol_missed_on DATE;
ALTER TABLE hazards ADD COLUMN danger_at TIMESTAMPTZ;
UPDATE hazards SET patrol_due_on = (COALESCE(listed_at, created_at) AT TIME ZONE 'Asia/Shanghai')::date + 7
    WHERE category = 'disaster' AND state NOT IN ('written_off', 'dismissed');
CREATE INDEX hazards_patrol_due_idx ON hazards (patrol_due_on, id) WHERE patrol_due_on IS NOT NULL;
CREATE INDEX hazards_danger_idx ON hazards (danger_at, id) WHERE danger_at IS NOT NULL;

-- +goose Down
DROP INDEX hazards_danger_idx;
DROP INDEX hazards_patrol_due_idx;
ALTER TABLE hazards DROP COLUMN danger_at;
ALTER TABLE hazards DROP COLUMN patrol_missed_on;
ALTER TABLE hazards DROP COLUMN patrol_due_on;
ALTER TABLE hazards DROP COLUMN last_patrol_at;
