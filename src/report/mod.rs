//! Reports people read and keep: `report.html` (one self-contained page), `report.xlsx` (the
//! task table's layout with verdict columns), `report.csv`, `report.json` (the assess
//! contract, plus every gap), and the monthly per-unit 通报. report.html shows the first rows
//! of long lists; report.json and report.csv keep everything. Pure rendering from an [`Assessment`] plus what the
//! crawl could not see; the store is read by `stage::report`.

pub mod csv;
pub mod diff;
pub mod docx;
pub mod files;
pub mod html;
pub mod notice;
pub mod pdf;
pub mod ranking;
pub mod xlsx;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::assess::engine::{Assessment, Verdict};
use crate::assess::verdict::Status;

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub assessment: Assessment,
    /// The previous run's assessment with the same options, for 与上次检查相比.
    pub previous: Option<Assessment>,
    pub gaps: Gaps,
    /// The site columns the rules read, by catalog column key.
    pub columns: Vec<ColumnSummary>,
    /// Leaf id → the earliest 整改期限 of its problems still open in the 整改台账 (sent in an
    /// earlier 通报), for the 问题清单's order; empty when no 通报 was sent.
    pub deadlines: std::collections::BTreeMap<String, chrono::NaiveDate>,
}

/// A site column the rules read, with its newest items (what an assessor would open first).
#[derive(Debug, Clone, Serialize)]
pub struct ColumnSummary {
    pub key: String,
    pub name: String,
    pub url: String,
    pub items: usize,
    pub newest: Vec<(String, String, Option<chrono::NaiveDate>)>,
}

/// What zwgk could not see in the run, so that no gap in the verdicts is silent.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Gaps {
    /// Disallowed by robots.txt.
    pub blocked: Vec<Gap>,
    /// No usable response: HTTP errors, timeouts, refused connections.
    pub failed: Vec<Gap>,
    /// Found but never fetched (page limit, interrupted run, paused host).
    pub unreached: Vec<Gap>,
    /// Fetched pages with almost no text, lists or tables: often filled in by JavaScript.
    pub empty_pages: Vec<Gap>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub url: String,
    pub detail: String,
}

impl Gaps {
    pub fn total(&self) -> usize {
        self.blocked.len() + self.failed.len() + self.unreached.len() + self.empty_pages.len()
    }
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Xlsx,
    Csv,
    Json,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Html, Format::Xlsx, Format::Csv, Format::Json];

    pub fn parse(name: &str) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "html" => Some(Format::Html),
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            Format::Html => "report.html",
            Format::Xlsx => "report.xlsx",
            Format::Csv => "report.csv",
            Format::Json => "report.json",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the workbook {path}: {detail}")]
    Xlsx { path: PathBuf, detail: String },
    #[error("cannot write the 通报 {path}: {detail}")]
    Docx { path: PathBuf, detail: String },
    #[error("`{browser}` could not print {html} to PDF: {detail}")]
    Browser {
        browser: PathBuf,
        html: PathBuf,
        detail: String,
    },
    #[error(
        "`{dir}` holds `{file}`, which zwgk did not write; the 通报 folder is replaced whole, so move it away first"
    )]
    ForeignFile { dir: PathBuf, file: String },
}

/// Stages one file of a set (see `crate::atomic`): nothing replaces an old file before every
/// file of the set is written and flushed.
pub(crate) fn stage_file(staged: &mut crate::atomic::Staged, path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    staged.add(path, bytes).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// report.json: the assessment as `zwgk assess --format json` writes it, plus every gap
/// (report.html lists only the first of each kind).
#[derive(Serialize)]
struct JsonReport<'a> {
    #[serde(flatten)]
    assessment: &'a Assessment,
    gaps: &'a Gaps,
}

/// Writes the chosen formats into `dir`, all or none: a kill or a full disk leaves the
/// previous reports; returns the files written.
pub fn write_reports(dir: &Path, data: &ReportData, formats: &[Format]) -> Result<Vec<PathBuf>, ReportError> {
    let mut staged = crate::atomic::Staged::default();
    let mut written = Vec::new();
    for &format in formats {
        let path = dir.join(format.file_name());
        match format {
            Format::Html => stage_file(&mut staged, &path, html::render(data).as_bytes())?,
            Format::Xlsx => stage_file(&mut staged, &path, &xlsx::render(&path, &data.assessment)?)?,
            Format::Csv => stage_file(&mut staged, &path, &csv::render(&data.assessment))?,
            Format::Json => {
                let report = JsonReport {
                    assessment: &data.assessment,
                    gaps: &data.gaps,
                };
                let json = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
                stage_file(&mut staged, &path, json.as_bytes())?
            }
        }
        written.push(path);
    }
    staged.commit().map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(written)
}

/// A leaf that needs action: failed or partly met.
pub fn is_problem(v: &Verdict) -> bool {
    matches!(v.status, Status::Fail | Status::Partial)
}

/// How soon a leaf's time limit bites: immediate and day limits first, annual ones last
/// (`3月31日前` names a month but is an annual deadline).
fn urgency(time_limit: &str) -> u8 {
    if ["即时", "日内", "第二天", "工作日"]
        .iter()
        .any(|w| time_limit.contains(w))
    {
        0
    } else if ["两周", "每月", "一月一次", "月度", "按月"]
        .iter()
        .any(|w| time_limit.contains(w))
    {
        1
    } else if time_limit.contains('季') {
        2
    } else {
        3
    }
}

/// Problems most urgent first: failures before partial ones, short time limits first, then
/// the lowest score.
pub fn by_urgency(problems: &mut [&Verdict]) {
    problems.sort_by(|a, b| {
        let rank = |v: &Verdict| (u8::from(v.status != Status::Fail), urgency(&v.time_limit));
        rank(a)
            .cmp(&rank(b))
            .then(a.score.unwrap_or(0.0).total_cmp(&b.score.unwrap_or(0.0)))
            .then(a.id.cmp(&b.id))
    });
}

/// A leaf whose verdict changed since the previous assessment.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub now: &'a Verdict,
    pub before: Option<&'a Verdict>,
}

pub fn changes<'a>(now: &'a Assessment, before: &'a Assessment) -> Vec<Change<'a>> {
    now.indicators
        .iter()
        .filter_map(|v| {
            let old = before.indicators.iter().find(|o| o.id == v.id);
            match old {
                Some(o) if o.status == v.status && o.score == v.score => None,
                _ => Some(Change { now: v, before: old }),
            }
        })
        .collect()
}

/// A stored UTC time (RFC 3339) as Beijing time for readers: `2026-01-10 08:00:00`.
pub fn beijing(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|t| {
            (t.with_timezone(&chrono::Utc) + chrono::Duration::hours(8))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| stored.to_string())
}

/// The Beijing-time day of a stored UTC time.
pub fn beijing_day(stored: &str) -> Option<chrono::NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(stored)
        .ok()
        .map(|t| (t.with_timezone(&chrono::Utc) + chrono::Duration::hours(8)).date_naive())
}

/// A score as a percentage for people.
pub fn percent(score: Option<f64>) -> String {
    score.map_or_else(|| "—".to_string(), |s| format!("{:.1}%", s * 100.0))
}

/// The evidence links of a verdict, one per line: URL, fetch time, SHA-256.
pub fn evidence_lines(v: &Verdict) -> Vec<String> {
    v.evidence
        .iter()
        .map(|e| {
            let mut line = e.url.clone();
            if let Some(t) = &e.fetched_at {
                line.push_str(&format!(" （抓取于北京时间{}", beijing(t)));
                if let Some(h) = &e.sha256 {
                    line.push_str(&format!("，SHA-256 {h}"));
                }
                line.push('）');
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(id: &str, status: Status, score: Option<f64>, limit: &str) -> Verdict {
        Verdict {
            id: id.to_string(),
            path: vec!["一级".to_string()],
            question: "问题".to_string(),
            units: vec!["区政府办公室".to_string()],
            time_limit: limit.to_string(),
            status,
            score,
            reason: String::new(),
            evidence: Vec::new(),
            source: "auto".to_string(),
            failures: 0,
            basis: Default::default(),
        }
    }

    #[test]
    fn failures_and_short_limits_come_first() {
        let a = verdict("a", Status::Partial, Some(0.2), "即时");
        let b = verdict("b", Status::Fail, Some(0.0), "3月31日前");
        let c = verdict("c", Status::Fail, Some(0.0), "信息形成5日内");
        let d = verdict("d", Status::Partial, Some(0.5), "一月一次");
        let mut list = vec![&a, &b, &c, &d];
        by_urgency(&mut list);
        let ids: Vec<&str> = list.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a", "d"]);
    }

    #[test]
    fn annual_deadlines_are_not_monthly() {
        assert_eq!(urgency("3月31日前"), 3);
        assert_eq!(urgency("一月一次"), 1);
        assert_eq!(urgency("信息形成5日内"), 0);
        assert_eq!(urgency("一季度一次"), 2);
    }

    #[test]
    fn times_are_shown_in_beijing_time() {
        assert_eq!(beijing("2026-01-10T17:30:00.123Z"), "2026-01-11 01:30:00");
        assert_eq!(
            beijing_day("2026-01-10T17:30:00Z"),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 11)
        );
        assert_eq!(beijing("not a time"), "not a time");
    }

    #[test]
    fn formats_parse_by_name() {
        assert_eq!(Format::parse(" XLSX"), Some(Format::Xlsx));
        assert_eq!(Format::parse("pdf"), None);
    }
}
