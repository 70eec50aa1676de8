-- +goose Up
-- Listed supervision by level (挂牌督办 / 摘牌): a major hazard is listed by the
-- county when it is listed (its own county), and a city or the province may
-- raise it to theirs (list_supervision); only that level or above writes it
-- off, on an assessment report (evidence kind assessment, 评估报告). Hazards
-- already under listed supervision were the county's.
ALTER TABLE hazards ADD COLUMN listed_level TEXT NOT NULL DEFAULT '' CHECK (listed_level IN ('', 'county', 'city', 'province'));
ALTER TABLE hazards ADD COLUMN listed_region TEXT NOT NULL DEFAULT '';
UPDATE hazards SET listed_level = 'county', listed_region = region_county WHERE listed_supervision;

ALTER TABLE evidence DROP CONSTRAINT evidence_kind_check;
ALTER TABLE evidence ADD CONSTRAINT evidence_kind_check CHECK (kind IN ('photo_before', 'photo_after', 'document', 'assessment'));

-- +goose Down
DELETE FROM evidence WHERE kind = 'assessment';
ALTER TABLE evidence DROP CONSTRAINT evidence_kind_check;
ALTER TABLE evidence ADD CONSTRAINT evidence_kind_check CHECK (kind IN ('photo_before', 'photo_after', 'document'));
ALTER TABLE hazards DROP COLUMN listed_region;
ALTER TABLE hazards DROP COLUMN listed_level;
