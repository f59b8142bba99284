-- Run history for the nightly job.
--
-- assessments: each assessment a writing command (nightly, audit) made of a run, so history
-- and diff can show scores without judging old runs again, and pruning keeps every body a
-- kept verdict cites. The whole Assessment is kept as zstd-compressed JSON.
CREATE TABLE assessments (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    catalog     TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    period      INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    score       REAL,                      -- mean score 0..100 of the scored leaves
    counts      TEXT NOT NULL,             -- JSON {total, pass, partial, fail, manual, na}
    assessment  BLOB NOT NULL,             -- zstd(JSON of the Assessment)
    UNIQUE(run_id, catalog, as_of)
);
CREATE INDEX assessments_run ON assessments(run_id);

-- Bodies a kept verdict cites, by assessment: pruning never removes them.
CREATE TABLE cited_bodies (
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    sha256        TEXT NOT NULL,
    PRIMARY KEY (assessment_id, sha256)
);
CREATE INDEX cited_bodies_sha ON cited_bodies(sha256);

-- What each list page showed in each run: how far back its items reached. With the
-- sightings below this is the evidence that an item appeared later than it claims.
CREATE TABLE list_snapshots (
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    list_url    TEXT NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    fetched_at  TEXT NOT NULL,
    items       INTEGER NOT NULL,
    oldest_date TEXT,                      -- the oldest dated item listed
    newest_date TEXT,
    PRIMARY KEY (site_id, list_url, run_id)
);

-- When each list item was first and last seen in its list.
CREATE TABLE item_sightings (
    site_id       INTEGER NOT NULL REFERENCES sites(id),
    list_url      TEXT NOT NULL,
    item_url      TEXT NOT NULL,
    title         TEXT,
    claimed_date  TEXT,                    -- the date the list printed beside it
    first_run     INTEGER NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_run      INTEGER NOT NULL,
    last_seen_at  TEXT NOT NULL,
    PRIMARY KEY (site_id, list_url, item_url)
);
CREATE INDEX item_sightings_item ON item_sightings(site_id, item_url);
