-- Where PostgreSQL's time goes when the ledger import inserts hazards and
-- events (README, Performance, Ledger). Run against a seeded database, e.g.
--   go run ./cmd/hazardloop demo --hazards 1000000 --database-url postgres://postgres@127.0.0.1:5432/province?sslmode=disable
--   psql -h 127.0.0.1 -U postgres -d province -f bench/ledger/pg-insert-cost.sql
-- It compares, for the same rows given as JSON: parsing them alone, and
-- inserting them into temporary copies of the tables (same indexes; no
-- foreign keys, no write-ahead log). Nothing of the database changes.
\timing on
CREATE TEMP TABLE jh AS SELECT json_agg(h) AS doc FROM (SELECT * FROM hazards ORDER BY id LIMIT 10000) h;
CREATE TEMP TABLE je AS SELECT json_agg(e) AS doc FROM (SELECT * FROM hazard_events ORDER BY id LIMIT 20000) e;
-- parsing 10,000 hazards and 20,000 events
SELECT count(*) FROM jh, json_populate_recordset(NULL::hazards, jh.doc);
SELECT count(*) FROM je, json_populate_recordset(NULL::hazard_events, je.doc);
-- inserting them into indexed copies without foreign keys or WAL
CREATE TEMP TABLE hz (LIKE hazards INCLUDING ALL);
INSERT INTO hz SELECT r.* FROM jh, json_populate_recordset(NULL::hazards, jh.doc) r;
CREATE TEMP TABLE ev (LIKE hazard_events INCLUDING ALL);
INSERT INTO ev SELECT r.* FROM je, json_populate_recordset(NULL::hazard_events, je.doc) r;
