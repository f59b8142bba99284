-- The crawl store. Times are RFC 3339 UTC text for people and unix milliseconds for scheduling.

CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    origin      TEXT NOT NULL UNIQUE,       -- scheme://host[:port] of the start URL
    start_url   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    state        TEXT NOT NULL,             -- running | finished
    stop_reason  TEXT,                      -- why it finished: frontier empty, page limit
    settings     TEXT NOT NULL,             -- JSON of the crawl settings used
    pid          INTEGER,
    counts       TEXT                       -- JSON summary written when the run finishes
);
CREATE INDEX runs_site ON runs(site_id, id);

CREATE TABLE hosts (
    origin               TEXT PRIMARY KEY,  -- scheme://host[:port]; robots.txt is per origin (RFC 9309)
    robots_status        INTEGER,           -- HTTP status of robots.txt, NULL when unreachable
    robots_body          TEXT,
    robots_fetched_at    TEXT,
    robots_fetched_ms    INTEGER,
    crawl_delay_ms       INTEGER,
    backoff_until_ms     INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    throttled_count      INTEGER NOT NULL DEFAULT 0,
    paused_reason        TEXT
);

-- The frontier: every in-scope URL ever discovered, with its scheduling state.
CREATE TABLE urls (
    id               INTEGER PRIMARY KEY,
    site_id          INTEGER NOT NULL REFERENCES sites(id),
    url              TEXT NOT NULL,
    origin           TEXT NOT NULL,
    kind             TEXT NOT NULL,         -- page | attachment | sitemap | robots
    depth            INTEGER NOT NULL,
    discovered_from  INTEGER,               -- urls.id of the page that linked here
    state            TEXT NOT NULL,         -- queued | claimed | done | failed | blocked | held
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_try_ms      INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    calendar_steps   INTEGER NOT NULL DEFAULT 0,
    -- validators and outcome of the last good fetch, for conditional requests and change detection
    etag             TEXT,
    last_modified    TEXT,
    last_sha256      TEXT,
    last_status      INTEGER,
    last_fetch_id    INTEGER,
    UNIQUE(site_id, url)
);
CREATE INDEX urls_queue ON urls(site_id, state, next_try_ms, depth, id);

-- Bodies are stored once per content hash, zstd-compressed.
CREATE TABLE bodies (
    sha256  TEXT PRIMARY KEY,
    size    INTEGER NOT NULL,
    codec   TEXT NOT NULL,                  -- zstd
    data    BLOB NOT NULL
);

CREATE TABLE fetches (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES runs(id),
    url_id           INTEGER NOT NULL REFERENCES urls(id),
    url              TEXT NOT NULL,
    final_url        TEXT NOT NULL,
    fetched_at       TEXT NOT NULL,
    elapsed_ms       INTEGER NOT NULL,
    status           INTEGER,               -- NULL when no response arrived
    error            TEXT,
    change           TEXT NOT NULL,         -- new | changed | unchanged | removed | missing | redirect | error
    redirects        TEXT NOT NULL,         -- JSON [{url, status, location}] of every hop
    request_headers  TEXT NOT NULL,         -- JSON [[name, value]]
    response_headers TEXT NOT NULL,         -- JSON [[name, value]]
    etag             TEXT,
    last_modified    TEXT,
    content_type     TEXT,
    encoding         TEXT,
    encoding_source  TEXT,
    body_size        INTEGER,
    sha256           TEXT REFERENCES bodies(sha256)
);
CREATE INDEX fetches_run ON fetches(run_id, id);
CREATE INDEX fetches_url ON fetches(url_id, id);

CREATE TABLE links (
    fetch_id   INTEGER NOT NULL REFERENCES fetches(id),
    to_url     TEXT NOT NULL,
    anchor     TEXT,
    kind       TEXT NOT NULL,               -- a | area | frame | iframe | form | sitemap | hanweb | trs | redirect
    in_scope   INTEGER NOT NULL,
    skipped    TEXT                         -- why an in-scope link was not queued (trap budget)
);
CREATE INDEX links_fetch ON links(fetch_id);
