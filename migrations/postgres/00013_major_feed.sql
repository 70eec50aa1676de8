-- +goose Up
-- The shared major-hazard register's feed (重大事故隐患数据库): one row for each
-- event of a hazard that is major before or after it, written in the event's
-- transaction. seq comes from counters ('major_feed', ''), taken as the
-- transaction's last statements and held to its commit, so seq order is commit
-- order: a follower that has read seq N has read every committed seq below it
-- (model.Store.AppendFeed). region_code is the hazard's region after the
-- event, prev_region_code the one before when the event moved it (''
-- otherwise); department is the hazard's department after the event ('' while
-- not yet listed).
CREATE TABLE major_feed (
    seq              BIGINT PRIMARY KEY,
    event_id         BIGINT NOT NULL REFERENCES hazard_events(id),
    hazard_id        BIGINT NOT NULL REFERENCES hazards(id),
    region_code      TEXT NOT NULL,
    prev_region_code TEXT NOT NULL DEFAULT '',
    department       TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL
);
-- An event is in the feed once.
CREATE UNIQUE INDEX major_feed_event_key ON major_feed (event_id);
-- A territory's rows in order: its region codes' range, then seq; a region's
-- rows of hazards that moved out of it, through the short partial index.
CREATE INDEX major_feed_region_idx ON major_feed (region_code, seq);
CREATE INDEX major_feed_prev_region_idx ON major_feed (prev_region_code, seq) WHERE prev_region_code <> '';

-- The register's history so far: every event of each hazard major now, in
-- the order of the events' ids (which of a downgraded hazard's events came
-- while it was major the log does not say, and a hazard general now is not in
-- the register), and the counter past them (none on an empty database: the
-- first event's transaction makes it).
INSERT INTO major_feed (seq, event_id, hazard_id, region_code, prev_region_code, department, created_at)
SELECT ROW_NUMBER() OVER (ORDER BY e.id), e.id, e.hazard_id, h.region_code, '', h.department, e.created_at
FROM hazard_events e JOIN hazards h ON h.id = e.hazard_id
WHERE h.level = 'major';
INSERT INTO counters (name, period, value)
SELECT 'major_feed', '', (SELECT MAX(seq) FROM major_feed)
WHERE EXISTS (SELECT 1 FROM major_feed);

-- +goose Down
DELETE FROM counters WHERE name = 'major_feed';
DROP TABLE major_feed;
