-- Extraction output: one row per (URL, body, extractor version), so re-extracting after an
-- upgrade never refetches, and unchanged pages are not extracted twice.
CREATE TABLE page_facts (
    id          INTEGER PRIMARY KEY,
    url_id      INTEGER NOT NULL REFERENCES urls(id),
    sha256      TEXT NOT NULL,
    extractor   TEXT NOT NULL,
    url         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    title       TEXT,
    pub_date    TEXT,
    pub_date_source TEXT,
    column_name TEXT,
    facts       TEXT NOT NULL,              -- JSON, the `zwgk inspect --json` contract
    text        BLOB,                       -- visible text, zstd-compressed
    error       TEXT,
    extracted_at TEXT NOT NULL,
    UNIQUE(url_id, sha256, extractor)
);
CREATE INDEX page_facts_kind ON page_facts(kind);
