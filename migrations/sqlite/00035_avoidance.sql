-- +goose Up
-- Successful avoidance (成功避险) of a disaster hazard, one row per avoidance
-- event (the event itself is in the hazard's chained log at seq), and the
-- rewards (灾害隐患排查并成功避险奖励) for the staff who reported or patrolled
-- it: proposed by a supervisor, approved by another, payment recorded, with
-- the same reward_* columns and states as a public report's reward.
CREATE TABLE avoidances (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    hazard_id        INTEGER NOT NULL REFERENCES hazards(id),
    seq              INTEGER NOT NULL,
    occurred_at      TIMESTAMP NOT NULL,
    what             TEXT NOT NULL,
    people_evacuated INTEGER NOT NULL CHECK (people_evacuated >= 0),
    casualties       INTEGER NOT NULL CHECK (casualties >= 0),
    recorded_by      INTEGER REFERENCES users(id),
    recorded_name    TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX avoidances_hazard_idx ON avoidances (hazard_id);
CREATE TABLE avoidance_rewards (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    avoidance_id       INTEGER NOT NULL REFERENCES avoidances(id),
    hazard_id          INTEGER NOT NULL REFERENCES hazards(id),
    user_id            INTEGER NOT NULL REFERENCES users(id),
    user_name          TEXT NOT NULL DEFAULT '',
    reward_status      TEXT NOT NULL CHECK (reward_status IN ('proposed', 'approved', 'paid', 'declined')),
    reward_amount      REAL,
    reward_note        TEXT NOT NULL DEFAULT '',
    reward_proposed_by INTEGER REFERENCES users(id),
    reward_proposed_at TIMESTAMP,
    reward_decided_by  INTEGER REFERENCES users(id),
    reward_decided_at  TIMESTAMP,
    reward_paid_at     TIMESTAMP,
    created_at         TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX avoidance_rewards_user_key ON avoidance_rewards (avoidance_id, user_id);
CREATE INDEX avoidance_rewards_user_idx ON avoidance_rewards (user_id, id);
CREATE INDEX avoidance_rewards_hazard_idx ON avoidance_rewards (hazard_id);

-- +goose Down
DROP TABLE avoidance_rewards;
DROP TABLE avoidances;
