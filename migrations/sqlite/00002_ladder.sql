-- +goose Up
-- due_on: the day after which an open hazard is overdue (its deadline, or for a
-- listed hazard without one, its listing day plus the plan allowance).
-- next_step_on: the day the next supervision step falls due; NULL when none can.
-- reply_due: the reply deadline of the current step while it is unanswered.
ALTER TABLE hazards ADD COLUMN due_on DATE;
ALTER TABLE hazards ADD COLUMN next_step_on DATE;
ALTER TABLE hazards ADD COLUMN reply_due DATE;
DROP INDEX hazards_open_deadline_idx;
CREATE INDEX hazards_open_due_idx ON hazards (due_on, id) WHERE state IN ('listed', 'rectifying');
-- The sweep reads only hazards with a step due: its cost does not grow with the
-- number of closed hazards, nor with overdue ones waiting for their next step.
CREATE INDEX hazards_next_step_idx ON hazards (next_step_on, id) WHERE next_step_on IS NOT NULL;

CREATE TABLE escalations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    hazard_id       INTEGER NOT NULL REFERENCES hazards(id),
    step            INTEGER NOT NULL CHECK (step BETWEEN 1 AND 4),
    doc_year        INTEGER NOT NULL,
    doc_seq         INTEGER NOT NULL,
    doc_number      TEXT NOT NULL,
    issuer_region   TEXT NOT NULL REFERENCES regions(code),
    issuer_name     TEXT NOT NULL,
    addressee       TEXT NOT NULL,
    overdue_days    INTEGER NOT NULL,
    due_on          DATE,
    reply_due       DATE NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL,
    acknowledged_by INTEGER REFERENCES users(id),
    acknowledged_at TIMESTAMP,
    reply_text      TEXT NOT NULL DEFAULT '',
    replied_by      INTEGER REFERENCES users(id),
    replied_at      TIMESTAMP
);
-- One record per step and hazard: a step is taken once, however many sweepers run.
CREATE UNIQUE INDEX escalations_hazard_step_key ON escalations (hazard_id, step);
-- Document numbers: per issuing region and year, never twice.
CREATE UNIQUE INDEX escalations_doc_number_key ON escalations (issuer_region, doc_year, doc_seq);
CREATE INDEX escalations_unreplied_idx ON escalations (reply_due, id) WHERE replied_at IS NULL;

-- Holiday calendars an admin uploaded; they replace the shipped year.
CREATE TABLE calendars (
    year       INTEGER PRIMARY KEY,
    body       TEXT NOT NULL,
    updated_by INTEGER REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE calendars;
DROP TABLE escalations;
DROP INDEX hazards_next_step_idx;
DROP INDEX hazards_open_due_idx;
CREATE INDEX hazards_open_deadline_idx ON hazards (deadline, id) WHERE state IN ('listed', 'rectifying');
ALTER TABLE hazards DROP COLUMN reply_due;
ALTER TABLE hazards DROP COLUMN next_step_on;
ALTER TABLE hazards DROP COLUMN due_on;
