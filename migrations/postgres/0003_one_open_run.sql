-- One open run per site. The crawl lock keeps a second crawler out; this index makes the
-- store itself refuse a second open run should anything get past it. Stores written before
-- could hold two (two crawls resuming at the same moment): the older ones are closed.
-- Run states: running (in progress, interrupted or stopped at its budget: resumable),
-- finished, failed (nothing could be fetched), abandoned.
UPDATE runs SET state = 'abandoned', stop_reason = COALESCE(stop_reason, 'superseded by a later run')
 WHERE state = 'running'
   AND id NOT IN (SELECT MAX(id) FROM runs WHERE state = 'running' GROUP BY site_id);
CREATE UNIQUE INDEX runs_one_open ON runs(site_id) WHERE state = 'running';
