-- +goose Up
-- Listed supervision by level (挂牌督办 / 摘牌): a major hazard is listed by the
-- county when it is listed (its own county), and a city or the province may
-- raise it to theirs (list_supervision); only that level or above writes it
-- off, on an assessment report (evidence kind assessment, 评估报告). Hazards
-- already under listed supervision were the county's.
ALTER TABLE hazards ADD COLUMN listed_level TEXT NOT NULL DEFAULT '' CHECK (listed_level IN ('', 'county', 'city', 'province'));
ALTER TABLE hazards ADD COLUMN listed_region TEXT NOT NULL DEFAULT '';
UPDATE hazards SET listed_level = 'county', listed_region = region_county WHERE listed_supervision;

-- The evidence kinds gain assessment. SQLite changes a CHECK only by
-- rebuilding the table (nothing refers to evidence).
CREATE TABLE evidence_next (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    hazard_id       INTEGER NOT NULL REFERENCES hazards(id),
    kind            TEXT NOT NULL CHECK (kind IN ('photo_before', 'photo_after', 'document', 'assessment')),
    sha256          TEXT NOT NULL,
    size            INTEGER NOT NULL,
    content_type    TEXT NOT NULL,
    filename        TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    uploaded_by     INTEGER REFERENCES users(id),
    uploader_role   TEXT NOT NULL,
    from_public     BOOLEAN NOT NULL DEFAULT 0,
    captured_at     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    withdrawn_at    TIMESTAMP,
    withdrawn_by    INTEGER REFERENCES users(id),
    withdraw_reason TEXT NOT NULL DEFAULT ''
);
INSERT INTO evidence_next SELECT id, hazard_id, kind, sha256, size, content_type, filename, note, uploaded_by, uploader_role,
    from_public, captured_at, created_at, withdrawn_at, withdrawn_by, withdraw_reason FROM evidence;
DROP TABLE evidence;
ALTER TABLE evidence_next RENAME TO evidence;
CREATE INDEX evidence_hazard_idx ON evidence (hazard_id, id);

-- +goose Down
DELETE FROM evidence WHERE kind = 'assessment';
ALTER TABLE hazards DROP COLUMN listed_region;
ALTER TABLE hazards DROP COLUMN listed_level;
