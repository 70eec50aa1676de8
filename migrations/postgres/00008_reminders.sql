-- +goose Up
-- reminded_due: the due day the hazard was last reminded of (期限临近提醒). The
-- sweeper reminds an open hazard once per due day, a few days before it; an
-- extension that moves due_on makes it due for a reminder again. The find reads
-- hazards_open_due_idx (due_on, id) of open hazards.
ALTER TABLE hazards ADD COLUMN reminded_due DATE;

-- +goose Down
ALTER TABLE hazards DROP COLUMN reminded_due;
