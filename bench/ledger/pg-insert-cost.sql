-- Where PostgreSQL's time goes when the ledger import writes its rows
-- (README, Performance, Ledger). Run it on a database that holds an import:
--   go run ./bench/ledger genimport -rows 100000 -out /tmp/import.xlsx
--   go run ./bench/ledger import -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -schema imp -file /tmp/import.xlsx
--   PGOPTIONS=-csearch_path=imp psql -h 127.0.0.1 -U postgres -d test -f bench/ledger/pg-insert-cost.sql
--   go run ./bench/ledger clean -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' -schema imp
-- It copies the import's hazards, events and ledger keys, in one statement
-- each, into new tables with the same indexes, first without and then with
-- the tables' foreign keys; the difference is what checking the references
-- costs. Everything is rolled back.
\timing on
BEGIN;
CREATE TABLE x_hazards (LIKE hazards INCLUDING ALL);
CREATE TABLE x_events (LIKE hazard_events INCLUDING ALL);
CREATE TABLE x_keys (LIKE ledger_keys INCLUDING ALL);
-- same indexes, no foreign keys
INSERT INTO x_hazards SELECT * FROM hazards;
INSERT INTO x_events SELECT * FROM hazard_events;
INSERT INTO x_keys SELECT * FROM ledger_keys;
TRUNCATE x_hazards, x_events, x_keys;
ALTER TABLE x_hazards ADD FOREIGN KEY (region_code) REFERENCES regions(code),
    ADD FOREIGN KEY (enterprise_id) REFERENCES enterprises(id), ADD FOREIGN KEY (created_by) REFERENCES users(id),
    ADD FOREIGN KEY (submitted_by) REFERENCES users(id), ADD FOREIGN KEY (verified_by) REFERENCES users(id),
    ADD FOREIGN KEY (duplicate_of) REFERENCES hazards(id);
ALTER TABLE x_events ADD FOREIGN KEY (hazard_id) REFERENCES hazards(id), ADD FOREIGN KEY (actor_id) REFERENCES users(id);
ALTER TABLE x_keys ADD FOREIGN KEY (hazard_id) REFERENCES hazards(id);
-- the same with the foreign keys
INSERT INTO x_hazards SELECT * FROM hazards;
INSERT INTO x_events SELECT * FROM hazard_events;
INSERT INTO x_keys SELECT * FROM ledger_keys;
ROLLBACK;
