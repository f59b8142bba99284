//! The office's records: assessors' verdicts and the 整改台账.

use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError, compress_body};

/// An assessor's verdict as stored.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct StoredManual {
    pub id: i64,
    pub catalog: String,
    pub leaf_id: String,
    pub status: String,
    pub score: Option<f64>,
    pub note: String,
    pub evidence_url: Option<String>,
    pub evidence_name: Option<String>,
    pub evidence_sha256: Option<String>,
    pub assessor: String,
    pub set_at: String,
    pub expires_on: Option<String>,
    pub source: String,
    pub replaced_by: Option<i64>,
}

/// A verdict to record.
#[derive(Debug, Clone, Default)]
pub struct NewManual {
    pub catalog: String,
    pub leaf_id: String,
    pub status: String,
    pub score: Option<f64>,
    pub note: String,
    pub evidence_url: Option<String>,
    /// An uploaded file: its name and bytes.
    pub evidence_file: Option<(String, Vec<u8>)>,
    pub assessor: String,
    pub expires_on: Option<String>,
    pub source: String,
}

/// Largest evidence file kept with a manual verdict (a screenshot or a scanned reply, not an
/// archive).
pub const MAX_EVIDENCE_FILE: u64 = 20 * 1024 * 1024;

impl NewManual {
    /// A verdict as an assessor entered it (CLI or dashboard form), checked: the leaf is in
    /// the catalog, the status known, the score in 0..1, a note and an assessor given, the
    /// link http(s), the expiry a date, the file within the limit. The error says which field
    /// is wrong, in words the person who typed it understands.
    pub fn checked(
        catalog: &crate::assess::catalog::Catalog,
        entered: ManualEntry,
        source: &str,
    ) -> Result<NewManual, String> {
        let leaf = entered.leaf.trim();
        if !catalog.leaves.iter().any(|l| l.id == leaf) {
            return Err(format!("leaf `{leaf}` is not in the catalog `{}`", catalog.info.id));
        }
        let status = entered.status.trim().to_ascii_lowercase();
        if !matches!(status.as_str(), "pass" | "partial" | "fail" | "na") {
            return Err(format!("status `{status}` is not one of pass, partial, fail, na"));
        }
        if let Some(score) = entered.score
            && !(0.0..=1.0).contains(&score)
        {
            return Err(format!("score {score} is outside 0..1"));
        }
        if entered.note.trim().is_empty() {
            return Err("the note is empty; say what was checked and found".to_string());
        }
        if entered.assessor.trim().is_empty() {
            return Err("the assessor is empty".to_string());
        }
        let evidence_url = entered
            .evidence_url
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty());
        if let Some(url) = &evidence_url {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) || url.len() > 4096 {
                return Err(format!("evidence `{url}` is not an http(s) link"));
            }
        }
        let expires_on = match entered.expires_on.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => match chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
                Ok(d) => Some(d.to_string()),
                Err(_) => return Err(format!("expiry `{t}` is not a date; write it as YYYY-MM-DD")),
            },
        };
        if let Some((_, bytes)) = &entered.evidence_file
            && bytes.len() as u64 > MAX_EVIDENCE_FILE
        {
            return Err(format!(
                "the file is larger than {} MB",
                MAX_EVIDENCE_FILE / 1024 / 1024
            ));
        }
        Ok(NewManual {
            catalog: catalog.info.id.clone(),
            leaf_id: leaf.to_string(),
            status,
            score: entered.score,
            note: entered.note.trim().to_string(),
            evidence_url,
            evidence_file: entered.evidence_file.filter(|(_, bytes)| !bytes.is_empty()),
            assessor: entered.assessor.trim().to_string(),
            expires_on,
            source: source.to_string(),
        })
    }
}

/// What an assessor typed for a manual verdict, unchecked.
#[derive(Debug, Clone, Default)]
pub struct ManualEntry {
    pub leaf: String,
    pub status: String,
    pub score: Option<f64>,
    pub note: String,
    pub assessor: String,
    pub evidence_url: Option<String>,
    pub expires_on: Option<String>,
    /// An uploaded file: its name (as sent; kept for display only) and bytes.
    pub evidence_file: Option<(String, Vec<u8>)>,
}

/// One problem sent to one unit.
#[derive(Debug, Clone)]
pub struct SentProblem {
    pub leaf_id: String,
    pub question: String,
    pub unit: String,
    pub problem: String,
}

/// A row of the 整改台账.
#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
pub struct Rectification {
    pub id: i64,
    pub catalog: String,
    pub leaf_id: String,
    pub question: String,
    pub unit: String,
    pub month: String,
    pub sent_run: i64,
    pub sent_on: String,
    pub deadline: String,
    pub problem: String,
    pub status: String,
    pub response: Option<String>,
    pub responder: Option<String>,
    pub responded_at: Option<String>,
    pub checked_run: Option<i64>,
    pub checked_on: Option<String>,
}

impl Rectification {
    pub fn status_zh(&self) -> &'static str {
        match self.status.as_str() {
            "fixed" => "已整改",
            "overdue" => "逾期未整改",
            _ => "整改中",
        }
    }
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

// Column lists as macros: sqlx takes only static SQL text, and `concat!` keeps it static.
macro_rules! manual_columns {
    () => {
        "id, catalog, leaf_id, status, score, note, evidence_url, evidence_name, evidence_sha256, \
         assessor, set_at, expires_on, source, replaced_by"
    };
}

macro_rules! ledger_columns {
    () => {
        "id, catalog, leaf_id, question, unit, month, sent_run, sent_on, deadline, problem, status, \
         response, responder, responded_at, checked_run, checked_on"
    };
}

/// Which 通报 sent a batch of problems, and the 整改期限 it set.
#[derive(Debug, Clone, Copy)]
pub struct SentNotice<'a> {
    pub site_id: i64,
    pub catalog: &'a str,
    /// "YYYY-MM" of the 通报.
    pub month: &'a str,
    pub run_id: i64,
    pub sent_on: &'a str,
    pub deadline: &'a str,
}

impl Store {
    /// Records an assessor's verdict; the leaf's earlier verdict is kept as history.
    pub async fn add_manual(&self, m: &NewManual) -> Result<i64, StoreError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let mut sha = None;
            if let Some((_, bytes)) = &m.evidence_file {
                let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes));
                sqlx::query(
                    "INSERT INTO bodies (sha256, size, codec, data) VALUES ($1, $2, 'zstd', $3) ON CONFLICT DO NOTHING",
                )
                .bind(&hash)
                .bind(bytes.len() as i64)
                .bind(compress_body(bytes))
                .execute(&mut *tx)
                .await?;
                sha = Some(hash);
            }
            let id: i64 = sqlx::query(
                "INSERT INTO manual_verdicts (catalog, leaf_id, status, score, note, evidence_url, evidence_name, evidence_sha256, \
                 assessor, set_at, expires_on, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(&m.catalog)
            .bind(&m.leaf_id)
            .bind(&m.status)
            .bind(m.score)
            .bind(&m.note)
            .bind(&m.evidence_url)
            .bind(m.evidence_file.as_ref().map(|(name, _)| name.clone()))
            .bind(&sha)
            .bind(&m.assessor)
            .bind(now_text())
            .bind(&m.expires_on)
            .bind(&m.source)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
            sqlx::query(
                "UPDATE manual_verdicts SET replaced_by = $1 WHERE catalog = $2 AND leaf_id = $3 AND id <> $1 AND replaced_by IS NULL",
            )
            .bind(id)
            .bind(&m.catalog)
            .bind(&m.leaf_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The current verdict of every leaf of a catalog (expired ones included: the caller
    /// decides against its as-of date), or with `history` every verdict ever recorded.
    pub async fn manual_verdicts(&self, catalog: Option<&str>, history: bool) -> Result<Vec<StoredManual>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, StoredManual>(concat!(
                "SELECT ",
                manual_columns!(),
                " FROM manual_verdicts WHERE ($1 IS NULL OR catalog = $1) AND ($2 OR replaced_by IS NULL) ORDER BY leaf_id, id"
            ))
            .bind(catalog)
            .bind(history)
            .fetch_all(p)
            .await?)
        })
    }

    /// Records the problems a month's 通报 sent; a problem already recorded for that month
    /// and unit keeps its first 整改期限.
    pub async fn record_sent(&self, notice: &SentNotice<'_>, problems: &[SentProblem]) -> Result<usize, StoreError> {
        on_pool!(self, |p| {
            let SentNotice {
                site_id,
                catalog,
                month,
                run_id,
                sent_on,
                deadline,
            } = *notice;
            let mut tx = p.begin().await?;
            let mut added = 0;
            for p in problems {
                added += sqlx::query(
                    "INSERT INTO rectifications (site_id, catalog, leaf_id, question, unit, month, sent_run, sent_on, deadline, problem, status) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open') ON CONFLICT DO NOTHING",
                )
                .bind(site_id)
                .bind(catalog)
                .bind(&p.leaf_id)
                .bind(&p.question)
                .bind(&p.unit)
                .bind(month)
                .bind(run_id)
                .bind(sent_on)
                .bind(deadline)
                .bind(&p.problem)
                .execute(&mut *tx)
                .await?
                .rows_affected() as usize;
            }
            tx.commit().await?;
            Ok(added)
        })
    }

    /// The 整改台账 of a site (every site when `None`), newest month first.
    pub async fn ledger(&self, site_id: Option<i64>) -> Result<Vec<Rectification>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, Rectification>(concat!(
                "SELECT ",
                ledger_columns!(),
                " FROM rectifications WHERE ($1 IS NULL OR site_id = $1) ORDER BY month DESC, unit, leaf_id"
            ))
            .bind(site_id)
            .fetch_all(p)
            .await?)
        })
    }

    /// Records a unit's response to a problem.
    pub async fn respond(&self, id: i64, response: &str, responder: &str) -> Result<bool, StoreError> {
        on_pool!(self, |p| {
            Ok(
                sqlx::query("UPDATE rectifications SET response = $1, responder = $2, responded_at = $3 WHERE id = $4")
                    .bind(response)
                    .bind(responder)
                    .bind(now_text())
                    .bind(id)
                    .execute(p)
                    .await?
                    .rows_affected()
                    == 1,
            )
        })
    }

    /// Re-checks every problem not yet fixed against a later run: fixed when the leaf is no
    /// longer a problem for that unit, overdue once its deadline has passed, open otherwise.
    /// `still_problems` holds (leaf id, unit) of the run's problems.
    pub async fn recheck(
        &self,
        site_id: i64,
        catalog: &str,
        run_id: i64,
        as_of: chrono::NaiveDate,
        still_problems: &std::collections::HashSet<(String, String)>,
    ) -> Result<Vec<Rectification>, StoreError> {
        on_pool!(self, |p| {
            let open = sqlx::query_as::<_, Rectification>(concat!(
                "SELECT ",
                ledger_columns!(),
                " FROM rectifications WHERE site_id = $1 AND catalog = $2 AND status <> 'fixed' AND sent_run < $3"
            ))
            .bind(site_id)
            .bind(catalog)
            .bind(run_id)
            .fetch_all(p)
            .await?;
            let mut tx = p.begin().await?;
            let mut checked = Vec::new();
            for mut item in open {
                let past_deadline =
                    chrono::NaiveDate::parse_from_str(&item.deadline, "%Y-%m-%d").is_ok_and(|d| d < as_of);
                item.status = if !still_problems.contains(&(item.leaf_id.clone(), item.unit.clone())) {
                    "fixed"
                } else if past_deadline {
                    "overdue"
                } else {
                    "open"
                }
                .to_string();
                item.checked_run = Some(run_id);
                item.checked_on = Some(as_of.to_string());
                sqlx::query("UPDATE rectifications SET status = $1, checked_run = $2, checked_on = $3 WHERE id = $4")
                    .bind(&item.status)
                    .bind(run_id)
                    .bind(as_of.to_string())
                    .bind(item.id)
                    .execute(&mut *tx)
                    .await?;
                checked.push(item);
            }
            tx.commit().await?;
            Ok(checked)
        })
    }

    /// The content type a body was first served with (`None` for an uploaded file or a body
    /// no fetch answered with), so a stored snapshot is shown as what it was.
    pub async fn body_content_type(&self, sha256: &str) -> Result<Option<String>, StoreError> {
        on_pool!(self, |p| {
            let ct: Option<Option<String>> =
                sqlx::query_scalar("SELECT content_type FROM fetches WHERE sha256 = $1 ORDER BY id LIMIT 1")
                    .bind(sha256)
                    .fetch_optional(p)
                    .await?;
            Ok(ct.flatten())
        })
    }

    /// A rectification by id.
    pub async fn rectification(&self, id: i64) -> Result<Option<Rectification>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, Rectification>(concat!(
                "SELECT ",
                ledger_columns!(),
                " FROM rectifications WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(p)
            .await?)
        })
    }
}
