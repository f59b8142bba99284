-- The office's side: assessors' verdicts and the 整改台账, kept in the store.

-- An assessor's verdict for one leaf: who, when, until when, with a link or an uploaded file
-- (its bytes in `bodies`). A newer verdict for the same leaf replaces the older one, which
-- stays as history. An expired verdict no longer applies: the leaf is 待人工 again.
CREATE TABLE manual_verdicts (
    id              INTEGER PRIMARY KEY,
    catalog         TEXT NOT NULL,
    leaf_id         TEXT NOT NULL,
    status          TEXT NOT NULL,          -- pass | partial | fail | na
    score           REAL,
    note            TEXT NOT NULL,
    evidence_url    TEXT,
    evidence_name   TEXT,                   -- an uploaded file's name
    evidence_sha256 TEXT,
    assessor        TEXT NOT NULL,
    set_at          TEXT NOT NULL,          -- RFC 3339
    expires_on      TEXT,                   -- YYYY-MM-DD, the last day it applies
    source          TEXT NOT NULL,          -- dashboard | cli | import
    replaced_by     INTEGER REFERENCES manual_verdicts(id)
);
CREATE INDEX manual_verdicts_leaf ON manual_verdicts(catalog, leaf_id);

-- The 整改台账: each problem sent to a unit in a month's 通报, its 整改期限, the unit's
-- response and what later runs found.
CREATE TABLE rectifications (
    id           INTEGER PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    catalog      TEXT NOT NULL,
    leaf_id      TEXT NOT NULL,
    question     TEXT NOT NULL,
    unit         TEXT NOT NULL,
    month        TEXT NOT NULL,             -- the 通报's month, YYYY-MM
    sent_run     INTEGER NOT NULL REFERENCES runs(id),
    sent_on      TEXT NOT NULL,             -- 成文日期
    deadline     TEXT NOT NULL,             -- 整改期限
    problem      TEXT NOT NULL,             -- the reason as sent
    status       TEXT NOT NULL,             -- open | fixed | overdue
    response     TEXT,
    responder    TEXT,
    responded_at TEXT,
    checked_run  INTEGER REFERENCES runs(id),
    checked_on   TEXT,
    UNIQUE (site_id, catalog, leaf_id, unit, month)
);
CREATE INDEX rectifications_unit ON rectifications(unit, status);
