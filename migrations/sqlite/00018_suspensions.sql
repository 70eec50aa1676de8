-- +goose Up
-- Production suspended and resumed (停产停业 / 复产审查, 16号令 §22): a
-- suspension order (suspend) stands on the hazard until an on-site review of
-- the written request to resume (resume_request, resume_review) approves it; a
-- request unreviewed past --resume-review-days is flagged and notified once
-- (resume_noticed). Requests waiting for review are few: a partial index.
ALTER TABLE hazards ADD COLUMN suspension_order_no TEXT NOT NULL DEFAULT '';
ALTER TABLE hazards ADD COLUMN suspended_at TIMESTAMP;
ALTER TABLE hazards ADD COLUMN resume_requested_at TIMESTAMP;
ALTER TABLE hazards ADD COLUMN resume_due_on DATE;
ALTER TABLE hazards ADD COLUMN resume_noticed BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX hazards_resume_due_idx ON hazards (resume_due_on, id) WHERE resume_due_on IS NOT NULL;

-- +goose Down
DROP INDEX hazards_resume_due_idx;
ALTER TABLE hazards DROP COLUMN resume_noticed;
ALTER TABLE hazards DROP COLUMN resume_due_on;
ALTER TABLE hazards DROP COLUMN resume_requested_at;
ALTER TABLE hazards DROP COLUMN suspended_at;
ALTER TABLE hazards DROP COLUMN suspension_order_no;
