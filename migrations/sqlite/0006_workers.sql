-- Several crawl workers sharing one run (PostgreSQL): a claimed URL carries its worker and a
-- lease; a lease that expires (the worker died) puts the URL back in the queue. A host's next
-- allowed request time is kept here so that all workers together keep its pace.
ALTER TABLE urls ADD COLUMN claimed_by TEXT;
ALTER TABLE urls ADD COLUMN lease_until_ms INTEGER;
ALTER TABLE hosts ADD COLUMN next_allowed_ms INTEGER NOT NULL DEFAULT 0;
CREATE INDEX urls_claimed ON urls(site_id, state, lease_until_ms) WHERE state = 'claimed';
