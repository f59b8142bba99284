//! Run history: assessments kept per run, what each list showed in each run, when each list
//! item was first seen, and pruning old bodies by policy.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Store, StoreError, compress_body, decompress_body};
use crate::assess::engine::Assessment;

/// One kept assessment, without its verdicts.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentRow {
    pub id: i64,
    pub run_id: i64,
    pub catalog: String,
    pub as_of: String,
    pub period: i64,
    pub created_at: String,
    pub score: Option<f64>,
    pub counts: serde_json::Value,
}

/// When a list item was first seen in its list, and what the list showed before.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Sighting {
    pub list_url: String,
    pub item_url: String,
    pub title: Option<String>,
    pub claimed_date: Option<String>,
    pub first_run: i64,
    pub first_seen_at: String,
}

/// What one list page showed in one run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ListSnapshot {
    pub list_url: String,
    pub run_id: i64,
    pub fetched_at: String,
    pub items: i64,
    pub oldest_date: Option<String>,
}

/// The first-seen material of a run: its items' sightings, their lists' snapshots up to the
/// run, and the first run each item's page answered in.
#[derive(Debug, Clone, Default)]
pub struct FirstSeen {
    pub sightings: Vec<Sighting>,
    pub snapshots: BTreeMap<String, Vec<ListSnapshot>>,
    pub page_first_run: BTreeMap<String, i64>,
}

/// What pruning removes or would remove.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PruneReport {
    pub runs_kept: Vec<i64>,
    pub runs_pruned: Vec<i64>,
    /// Bodies no kept run and no kept verdict needs.
    pub bodies: i64,
    /// Their stored (compressed) size.
    pub bytes: i64,
    /// Bodies a kept verdict cites that were kept although their run was pruned.
    pub kept_for_verdicts: i64,
    pub dry_run: bool,
}

#[derive(Deserialize)]
struct ListFacts {
    #[serde(default)]
    list_items: Vec<crate::extract::page::ListItem>,
}

impl Store {
    /// Keeps an assessment of a run (replacing one of the same catalog and date) and the
    /// bodies its verdicts cite.
    pub async fn save_assessment(&self, assessment: &Assessment) -> Result<i64, StoreError> {
        on_pool!(self, |p| {
            let json = serde_json::to_vec(assessment).expect("an assessment always serialises");
            let c = &assessment.summary.counts;
            let counts = serde_json::json!({
                "total": c.total, "pass": c.pass, "partial": c.partial, "fail": c.fail, "manual": c.manual, "na": c.na,
            });
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM assessments WHERE run_id = $1 AND catalog = $2 AND as_of = $3")
                .bind(assessment.run_id)
                .bind(&assessment.catalog)
                .bind(assessment.as_of.to_string())
                .execute(&mut *tx)
                .await?;
            let id: i64 = sqlx::query(
                "INSERT INTO assessments (run_id, catalog, as_of, period, created_at, score, counts, assessment) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(assessment.run_id)
            .bind(&assessment.catalog)
            .bind(assessment.as_of.to_string())
            .bind(assessment.period)
            .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .bind(c.score.map(|s| s * 100.0))
            .bind(counts.to_string())
            .bind(compress_body(&json))
            .fetch_one(&mut *tx)
            .await?
            .get(0);
            let cited: BTreeSet<&str> = assessment
                .indicators
                .iter()
                .flat_map(|v| v.evidence.iter().filter_map(|e| e.sha256.as_deref()))
                .collect();
            for sha in cited {
                sqlx::query("INSERT INTO cited_bodies (assessment_id, sha256) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(sha)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Every kept assessment, oldest run first.
    pub async fn assessments(&self) -> Result<Vec<AssessmentRow>, StoreError> {
        on_pool!(self, |p| {
            let rows = sqlx::query(
                "SELECT id, run_id, catalog, as_of, period, created_at, score, counts FROM assessments ORDER BY run_id, id",
            )
            .fetch_all(p)
            .await?;
            Ok(rows
                .into_iter()
                .map(|r| AssessmentRow {
                    id: r.get(0),
                    run_id: r.get(1),
                    catalog: r.get(2),
                    as_of: r.get(3),
                    period: r.get(4),
                    created_at: r.get(5),
                    score: r.get(6),
                    counts: serde_json::from_str(&r.get::<String, _>(7)).unwrap_or_default(),
                })
                .collect())
        })
    }

    /// The newest kept assessment of a run with this catalog.
    pub async fn kept_assessment(&self, run_id: i64, catalog: &str) -> Result<Option<Assessment>, StoreError> {
        on_pool!(self, |p| {
            let row = sqlx::query(
                "SELECT id, assessment FROM assessments WHERE run_id = $1 AND catalog = $2 ORDER BY id DESC LIMIT 1",
            )
            .bind(run_id)
            .bind(catalog)
            .fetch_optional(p)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let id: i64 = row.get(0);
            let data: Vec<u8> = row.get(1);
            // A generous bound: assessments are a few hundred kilobytes of JSON.
            let json = decompress_body(&format!("assessment {id}"), &data, 256 * 1024 * 1024)?;
            Ok(serde_json::from_slice(&json).ok())
        })
    }

    /// Records what every list page of a run showed: a snapshot per list, and the first and
    /// last sighting of every item. Run after the run's pages have facts.
    pub async fn record_sightings(&self, run_id: i64, extractor: &str) -> Result<usize, StoreError> {
        on_pool!(self, |p| {
            let site_id: Option<i64> = sqlx::query_scalar("SELECT site_id FROM runs WHERE id = $1")
                .bind(run_id)
                .fetch_optional(p)
                .await?;
            let Some(site_id) = site_id else { return Ok(0) };
            let lists = sqlx::query(self.dialect(
                "SELECT f.url, MIN(f.fetched_at), pf.facts FROM fetches f \
                 JOIN page_facts pf ON pf.url_id = f.url_id AND pf.sha256 = f.sha256 AND pf.extractor = $1 \
                 WHERE f.run_id = $2 AND pf.kind = 'list' GROUP BY f.url_id",
                "SELECT DISTINCT ON (f.url_id) f.url, f.fetched_at, pf.facts FROM fetches f \
                 JOIN page_facts pf ON pf.url_id = f.url_id AND pf.sha256 = f.sha256 AND pf.extractor = $1 \
                 WHERE f.run_id = $2 AND pf.kind = 'list' ORDER BY f.url_id, f.fetched_at",
            ))
            .bind(extractor)
            .bind(run_id)
            .fetch_all(p)
            .await?;
            let mut recorded = 0;
            let mut tx = p.begin().await?;
            for row in lists {
                let list_url: String = row.get(0);
                let fetched_at: String = row.get(1);
                let Ok(facts) = serde_json::from_str::<ListFacts>(&row.get::<String, _>(2)) else {
                    continue;
                };
                let dates: Vec<chrono::NaiveDate> = facts
                    .list_items
                    .iter()
                    .filter_map(|i| i.date.as_deref())
                    .filter_map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .collect();
                sqlx::query(
                    "INSERT INTO list_snapshots (site_id, list_url, run_id, fetched_at, items, oldest_date, newest_date) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (site_id, list_url, run_id) DO UPDATE SET fetched_at = excluded.fetched_at, items = excluded.items, \
                       oldest_date = excluded.oldest_date, newest_date = excluded.newest_date",
                )
                .bind(site_id)
                .bind(&list_url)
                .bind(run_id)
                .bind(&fetched_at)
                .bind(facts.list_items.len() as i64)
                .bind(dates.iter().min().map(ToString::to_string))
                .bind(dates.iter().max().map(ToString::to_string))
                .execute(&mut *tx)
                .await?;
                for item in &facts.list_items {
                    // Both backends evaluate every SET expression on the old row (`t`), so an older run
                    // extracted late moves `first` back and a newer one moves `last` on.
                    sqlx::query(
                        "INSERT INTO item_sightings AS t (site_id, list_url, item_url, title, claimed_date, first_run, first_seen_at, last_run, last_seen_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7) \
                         ON CONFLICT(site_id, list_url, item_url) DO UPDATE SET \
                           first_seen_at = CASE WHEN excluded.first_run < t.first_run THEN excluded.first_seen_at ELSE t.first_seen_at END, \
                           first_run = CASE WHEN excluded.first_run < t.first_run THEN excluded.first_run ELSE t.first_run END, \
                           last_seen_at = CASE WHEN excluded.last_run > t.last_run THEN excluded.last_seen_at ELSE t.last_seen_at END, \
                           last_run = CASE WHEN excluded.last_run > t.last_run THEN excluded.last_run ELSE t.last_run END, \
                           title = COALESCE(excluded.title, t.title), \
                           claimed_date = COALESCE(excluded.claimed_date, t.claimed_date)",
                    )
                    .bind(site_id)
                    .bind(&list_url)
                    .bind(&item.url)
                    .bind(&item.title)
                    .bind(&item.date)
                    .bind(run_id)
                    .bind(&fetched_at)
                    .execute(&mut *tx)
                    .await?;
                    recorded += 1;
                }
            }
            tx.commit().await?;
            Ok(recorded)
        })
    }

    /// Items first seen in `run_id` (in any list) and every earlier snapshot of their lists:
    /// the material of the back-dating check.
    pub async fn first_seen_in(&self, run_id: i64) -> Result<FirstSeen, StoreError> {
        on_pool!(self, |p| {
            let rows = sqlx::query(
                // Only items that can have been missing from an earlier list: an item seen by
                // the site's first listing run has no earlier list to be missing from (on a
                // first crawl that is every item, which kept 200,000 rows in memory for
                // nothing).
                "SELECT s.list_url, s.item_url, s.title, s.claimed_date, s.first_run, s.first_seen_at \
                 FROM item_sightings s JOIN runs r ON r.id = $1 AND r.site_id = s.site_id \
                 WHERE s.first_run <= $1 AND s.last_run >= $1 AND NOT EXISTS \
                   (SELECT 1 FROM item_sightings o WHERE o.site_id = s.site_id AND o.item_url = s.item_url \
                    AND o.first_run <= (SELECT MIN(l.run_id) FROM list_snapshots l \
                      WHERE l.site_id = (SELECT site_id FROM runs WHERE id = $1)))",
            )
            .bind(run_id)
            .fetch_all(p)
            .await?;
            let sightings: Vec<Sighting> = rows
                .into_iter()
                .map(|r| Sighting {
                    list_url: r.get(0),
                    item_url: r.get(1),
                    title: r.get(2),
                    claimed_date: r.get(3),
                    first_run: r.get(4),
                    first_seen_at: r.get(5),
                })
                .collect();
            let rows = sqlx::query(
                "SELECT l.list_url, l.run_id, l.fetched_at, l.items, l.oldest_date FROM list_snapshots l \
                 JOIN runs r ON r.id = $1 AND r.site_id = l.site_id WHERE l.run_id <= $1 ORDER BY l.run_id",
            )
            .bind(run_id)
            .fetch_all(p)
            .await?;
            let mut snapshots: BTreeMap<String, Vec<ListSnapshot>> = BTreeMap::new();
            for r in rows {
                let snapshot = ListSnapshot {
                    list_url: r.get(0),
                    run_id: r.get(1),
                    fetched_at: r.get(2),
                    items: r.get(3),
                    oldest_date: r.get(4),
                };
                snapshots.entry(snapshot.list_url.clone()).or_default().push(snapshot);
            }
            // The first run in which each listed item's own page answered.
            let page_first_run: BTreeMap<String, i64> = sqlx::query_as(
                // The IN list must not refer to the outer query: SQLite re-ran a correlated
                // one per fetch (93 s at 20,000 pages instead of 0.07 s).
                "SELECT f.url, MIN(f.run_id) FROM fetches f \
                 WHERE f.status BETWEEN 200 AND 399 AND f.run_id <= $1 AND f.url IN \
                   (SELECT s.item_url FROM item_sightings s WHERE s.site_id = (SELECT site_id FROM runs WHERE id = $1) \
                    AND s.first_run > (SELECT MIN(l.run_id) FROM list_snapshots l \
                      WHERE l.site_id = (SELECT site_id FROM runs WHERE id = $1))) \
                 GROUP BY f.url",
            )
            .bind(run_id)
            .fetch_all(p)
            .await?
            .into_iter()
            .collect();
            Ok(FirstSeen {
                sightings,
                snapshots,
                page_first_run,
            })
        })
    }

    /// Pages new, changed and removed from run `before` to run `after`, each with its title
    /// when the page has facts. A page counts as present when it answered 2xx or 304.
    pub async fn page_changes(
        &self,
        before: i64,
        after: i64,
    ) -> Result<BTreeMap<String, Vec<(String, Option<String>)>>, StoreError> {
        on_pool!(self, |p| {
            let rows = sqlx::query(
                "WITH last AS (SELECT f.run_id, f.url_id, f.url, f.status, f.sha256 FROM fetches f \
                     JOIN urls u ON u.id = f.url_id AND u.kind <> 'robots' \
                     WHERE f.id IN (SELECT MAX(id) FROM fetches WHERE run_id IN ($1, $2) GROUP BY run_id, url_id)), \
                 b AS (SELECT * FROM last WHERE run_id = $1), a AS (SELECT * FROM last WHERE run_id = $2) \
                 SELECT a.url, CASE WHEN b.url_id IS NULL OR NOT (b.status BETWEEN 200 AND 299 OR b.status = 304) THEN 'new' \
                                    WHEN a.sha256 IS DISTINCT FROM b.sha256 THEN 'changed' END, \
                        (SELECT pf.title FROM page_facts pf WHERE pf.url_id = a.url_id AND pf.sha256 = a.sha256 LIMIT 1) \
                 FROM a LEFT JOIN b ON b.url_id = a.url_id \
                 WHERE (a.status BETWEEN 200 AND 299 OR a.status = 304) \
                 UNION ALL \
                 SELECT a.url, 'removed', (SELECT pf.title FROM page_facts pf WHERE pf.url_id = b.url_id AND pf.sha256 = b.sha256 LIMIT 1) \
                 FROM a JOIN b ON b.url_id = a.url_id \
                 WHERE a.status IN (404, 410) AND (b.status BETWEEN 200 AND 299 OR b.status = 304) \
                 ORDER BY 1",
            )
            .bind(before)
            .bind(after)
            .fetch_all(p)
            .await?;
            let mut changes: BTreeMap<String, Vec<(String, Option<String>)>> = BTreeMap::new();
            for row in rows {
                let change: Option<String> = row.get(1);
                if let Some(change) = change {
                    changes.entry(change).or_default().push((row.get(0), row.get(2)));
                }
            }
            Ok(changes)
        })
    }

    /// Removes the bodies that no kept run and no kept verdict needs (their bytes; the row
    /// and its hash stay, marked `pruned`, so every fetch still says what it received). The
    /// file shrinks after `VACUUM`, which pruning does not run (it needs twice the space). Runs are kept when
    /// they are among the newest `keep_runs` finished runs, or younger than `keep_days`, or
    /// still open; every body a kept assessment cites stays whatever its run. Fetch rows,
    /// facts and history stay (history and diff keep working); the page text of pruned
    /// bodies is dropped with them.
    pub async fn prune(
        &self,
        keep_runs: Option<usize>,
        keep_days: Option<i64>,
        dry_run: bool,
    ) -> Result<PruneReport, StoreError> {
        on_pool!(self, |p| {
            let runs: Vec<(i64, String, String)> =
                sqlx::query_as("SELECT id, state, started_at FROM runs ORDER BY id DESC")
                    .fetch_all(p)
                    .await?;
            let cutoff = keep_days.map(|d| {
                (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            });
            let mut report = PruneReport {
                dry_run,
                ..PruneReport::default()
            };
            let mut finished_seen = 0;
            for (id, state, started_at) in &runs {
                let by_count = state == "finished" && keep_runs.is_some_and(|n| finished_seen < n);
                let by_age = cutoff.as_ref().is_some_and(|c| started_at >= c);
                let open = state == "running";
                // With no policy at all nothing is pruned.
                let keep = by_count || by_age || open || (keep_runs.is_none() && keep_days.is_none());
                if state == "finished" {
                    finished_seen += 1;
                }
                if keep {
                    report.runs_kept.push(*id);
                } else {
                    report.runs_pruned.push(*id);
                }
            }
            report.runs_kept.sort_unstable();
            report.runs_pruned.sort_unstable();
            let kept = serde_json::to_string(&report.runs_kept).expect("ids serialise");
            // Bodies only pruned runs used, and that no kept verdict cites.
            // The kept runs' ids as a JSON array, one parameter whatever their number.
            let kept_runs = self.dialect(
                "SELECT value FROM json_each($1)",
                "SELECT value::bigint FROM json_array_elements_text($1::json) AS value",
            );
            let candidates = format!(
                "SELECT b.sha256, CAST(LENGTH(b.data) AS BIGINT) FROM bodies b \
                 WHERE b.codec <> 'pruned' AND NOT EXISTS (SELECT 1 FROM fetches f WHERE f.sha256 = b.sha256 \
                     AND f.run_id IN ({kept_runs})) \
                   AND NOT EXISTS (SELECT 1 FROM cited_bodies c WHERE c.sha256 = b.sha256)"
            );
            // Audited: both texts are the constants above, never scraped or user text.
            let rows = sqlx::query(sqlx::AssertSqlSafe(candidates.as_str()))
                .bind(&kept)
                .fetch_all(p)
                .await?;
            report.bodies = rows.len() as i64;
            report.bytes = rows.iter().map(|r| r.get::<Option<i64>, _>(1).unwrap_or(0)).sum();
            report.kept_for_verdicts = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(DISTINCT c.sha256) FROM cited_bodies c \
                 WHERE NOT EXISTS (SELECT 1 FROM fetches f WHERE f.sha256 = c.sha256 AND f.run_id IN ({kept_runs}))"
            )))
            .bind(&kept)
            .fetch_one(p)
            .await?;
            if dry_run || report.bodies == 0 {
                return Ok(report);
            }
            let mut tx = p.begin().await?;
            for row in &rows {
                let sha: String = row.get(0);
                sqlx::query("UPDATE page_facts SET text = NULL WHERE sha256 = $1")
                    .bind(&sha)
                    .execute(&mut *tx)
                    .await?;
                // The row stays: fetches refer to the hash, which remains a fact of the crawl.
                sqlx::query("UPDATE bodies SET codec = 'pruned', data = $2 WHERE sha256 = $1")
                    .bind(&sha)
                    .bind(Vec::<u8>::new())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(report)
        })
    }
}
