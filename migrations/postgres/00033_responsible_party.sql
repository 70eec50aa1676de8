-- +goose Up
-- Who rectifies a hazard (整改责任主体, issue #15): an enterprise, a township, a
-- village, a department or an owner; a township or a village is named by its
-- region code. Hazards so far: their enterprise when they have one, else the
-- body of the place they lie in (village, township), else a department of the
-- county (model.DefaultParty decides the same for new ones).
ALTER TABLE hazards ADD COLUMN responsible_party_type TEXT NOT NULL DEFAULT 'enterprise'
    CHECK (responsible_party_type IN ('enterprise', 'township', 'village', 'department', 'owner'));
ALTER TABLE hazards ADD COLUMN responsible_region_code TEXT NOT NULL DEFAULT '';
UPDATE hazards SET responsible_party_type = CASE
        WHEN enterprise_id IS NOT NULL THEN 'enterprise'
        WHEN LENGTH(region_code) = 12 THEN 'village'
        WHEN LENGTH(region_code) = 9 THEN 'township'
        ELSE 'department' END,
    responsible_region_code = CASE
        WHEN enterprise_id IS NULL AND LENGTH(region_code) IN (9, 12) THEN region_code
        ELSE '' END;
-- A township's or a village's queue (我的待办) finds the hazards its body
-- rectifies by this index: few beside the enterprises'.
CREATE INDEX hazards_party_region_idx ON hazards (responsible_region_code, state) WHERE responsible_region_code <> '';

-- +goose Down
DROP INDEX hazards_party_region_idx;
ALTER TABLE hazards DROP COLUMN responsible_region_code;
ALTER TABLE hazards DROP COLUMN responsible_party_type;
