-- +goose Up
-- Transfers (移交/转办): a hazard handed to another department or region waits
-- for the receiver to sign for it (accept_transfer) or send it back
-- (decline_transfer). Until then nothing changes hands: the pending transfer is
-- these columns beside the hazard's own department and region. A transfer is
-- pending while transfer_due_on is set; the receiver answers by that working
-- day, or the sweeper flags and notifies it once (transfer_noticed).
-- transfer_declined keeps the receiver's last refusal for the sender to read.
-- created_region is the region of the account that registered the hazard (an
-- information officer's finding is checked by someone of that region or above).
ALTER TABLE hazards ADD COLUMN transfer_to_department TEXT NOT NULL DEFAULT '';
ALTER TABLE hazards ADD COLUMN transfer_to_region TEXT NOT NULL DEFAULT '';
ALTER TABLE hazards ADD COLUMN transfer_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE hazards ADD COLUMN transfer_by BIGINT;
ALTER TABLE hazards ADD COLUMN transfer_at TIMESTAMPTZ;
ALTER TABLE hazards ADD COLUMN transfer_due_on DATE;
ALTER TABLE hazards ADD COLUMN transfer_noticed BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE hazards ADD COLUMN transfer_declined TEXT NOT NULL DEFAULT '';
ALTER TABLE hazards ADD COLUMN created_region TEXT NOT NULL DEFAULT '';
-- The receivers' queue (待接收移交) and the sweep of unanswered transfers read
-- only the pending ones: few, whatever the number of hazards.
CREATE INDEX hazards_transfer_to_idx ON hazards (transfer_to_department, transfer_to_region) WHERE transfer_due_on IS NOT NULL;
CREATE INDEX hazards_transfer_due_idx ON hazards (transfer_due_on, id) WHERE transfer_due_on IS NOT NULL;
CREATE INDEX hazards_transfer_declined_idx ON hazards (id) WHERE transfer_declined <> '';

-- +goose Down
DROP INDEX hazards_transfer_declined_idx;
DROP INDEX hazards_transfer_due_idx;
DROP INDEX hazards_transfer_to_idx;
ALTER TABLE hazards DROP COLUMN created_region;
ALTER TABLE hazards DROP COLUMN transfer_declined;
ALTER TABLE hazards DROP COLUMN transfer_noticed;
ALTER TABLE hazards DROP COLUMN transfer_due_on;
ALTER TABLE hazards DROP COLUMN transfer_at;
ALTER TABLE hazards DROP COLUMN transfer_by;
ALTER TABLE hazards DROP COLUMN transfer_reason;
ALTER TABLE hazards DROP COLUMN transfer_to_region;
ALTER TABLE hazards DROP COLUMN transfer_to_department;
