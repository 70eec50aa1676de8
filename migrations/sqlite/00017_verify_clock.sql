-- +goose Up
-- Verification has a clock (核实超时): a hazard waiting in verifying longer than
-- --verify-days working days after its submission is flagged, counted on the
-- dashboard and notified once per submission (verify_noticed, cleared by the
-- next submit). The partial index keeps the count and the sweep to the hazards
-- waiting for verification.
ALTER TABLE hazards ADD COLUMN verify_noticed BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX hazards_verifying_idx ON hazards (submitted_at, id) WHERE state = 'verifying';

-- +goose Down
DROP INDEX hazards_verifying_idx;
ALTER TABLE hazards DROP COLUMN verify_noticed;
