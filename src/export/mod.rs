//! The evidence package (`zwgk export`): every fetch a verdict cites, and the robots.txt files,
//! as WARC/1.1 records with one gzip member per record, a CDXJ index, the verdicts, a manifest
//! of SHA-256 sums and a Chinese 说明.txt. Deterministic: the same run exports to the same bytes
//! (no clock, record ids hashed from content, gzip headers without a time).
//!
//! In: the store and an assessment of one of its runs. Out: files in a directory, with fixed
//! names (never taken from URLs). It reads the store and writes nothing back. Bodies are read
//! one at a time, so a large package needs no more memory than its largest page.

mod cdxj;
mod notes;
mod package;
mod select;
mod warc;

pub use select::Omission;
pub use warc::MAX_WARC_BYTES;

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::assess::engine::Assessment;
use crate::store::{Store, StoreError};

use package::Package;
use warc::{WarcInfo, WarcWriter};

const INDEX: &str = "index.cdxj";
const VERDICTS: &str = "verdicts.json";
const README: &str = "说明.txt";
const MANIFEST: &str = "manifest.json";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write `{}`: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("run {0} is not in the store; check the run id and the store path")]
    RunNotFound(i64),
    #[error(
        "the run has no cited fetch: no evidence in the assessment of run {run_id} matches a stored fetch; \
         assess this run again, then export"
    )]
    NoCitedFetch { run_id: i64 },
    #[error(
        "`{}` holds `{file}`, which is not part of an evidence package; export into a new or empty directory",
        dir.display()
    )]
    ForeignFile { dir: PathBuf, file: String },
    #[error("run {run_id} has an unreadable time `{text}` in the store")]
    BadRunTime { run_id: i64, text: String },
    #[error("fetch {fetch_id} cannot be exported: {reason}")]
    BadFetch { fetch_id: i64, reason: String },
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub out_dir: PathBuf,
    /// Every file of the package, manifest last.
    pub files: Vec<String>,
    pub warc_files: Vec<String>,
    /// WARC records, warcinfo included.
    pub records: usize,
    /// Cited fetches written (as a response or a revisit).
    pub captures: usize,
    pub robots: usize,
    /// Cited fetches that were a 304, written as revisit records.
    pub revisits: usize,
    /// Earlier responses included because a revisit refers to them (they hold the bytes).
    pub originals: usize,
    /// Total size of the files.
    pub bytes: u64,
    /// Evidence that could not be packaged, with the reason.
    pub omitted: Vec<Omission>,
}

/// Which fetches of the run the package holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// What the verdicts cite (the evidence package).
    Cited,
    /// Every fetch of the run that got a response (an archive of the whole crawl).
    All,
}

/// Writes the evidence package of `assessment` into `out`, rolling WARC files at 1 GiB.
pub async fn export_run(store: &Store, assessment: &Assessment, out: &Path) -> Result<ExportSummary, ExportError> {
    export_run_with_limit(store, assessment, out, MAX_WARC_BYTES).await
}

/// [`export_run`] with the size past which a new WARC file is started.
pub async fn export_run_with_limit(
    store: &Store,
    assessment: &Assessment,
    out: &Path,
    max_warc_bytes: u64,
) -> Result<ExportSummary, ExportError> {
    export_scope(store, assessment, out, Scope::Cited, max_warc_bytes).await
}

/// Writes the package of `scope` (cited evidence, or the whole run) into `out`. The package is
/// built beside `out` and swapped in whole at the end: a kill, a full disk or an error leaves
/// the previous package as it was, never a mix of two.
pub async fn export_scope(
    store: &Store,
    assessment: &Assessment,
    out: &Path,
    scope: Scope,
    max_warc_bytes: u64,
) -> Result<ExportSummary, ExportError> {
    let run_id = assessment.run_id;
    let (started_at, finished_at) = select::run_times(store, run_id).await?;
    let selection = match scope {
        Scope::Cited => select::select(store, assessment).await?,
        Scope::All => select::select_all(store, run_id).await?,
    };
    if selection.cited.is_empty() {
        return Err(ExportError::NoCitedFetch { run_id });
    }
    check_dir(out)?;
    let staged = crate::atomic::StagedDir::new(out).map_err(|source| ExportError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let final_dir = out;
    let out = staged.path();
    // The run's own time, never the clock: a re-export must give the same bytes.
    let run_time = finished_at.as_deref().unwrap_or(&started_at);
    let info = WarcInfo {
        date: package::warc_date(run_time, 0).map_err(|_| ExportError::BadRunTime {
            run_id,
            text: run_time.to_string(),
        })?,
        fields: warcinfo_fields(assessment),
    };
    let writer = WarcWriter::create(out, info, max_warc_bytes).map_err(|source| ExportError::Io {
        path: out.join(warc::file_name(0, 1)),
        source,
    })?;
    // File writes below block the thread: the export runs alone, after crawl and assessment.
    let mut package = Package::new(store, writer);
    package.omitted = selection.omitted;
    let mut robots = 0;
    for id in &selection.robots {
        robots += usize::from(package.add(*id).await?);
    }
    let mut captures = 0;
    for id in &selection.cited {
        captures += usize::from(package.add(*id).await?);
    }
    let Package {
        writer,
        index,
        records,
        revisits,
        originals,
        mut omitted,
        ..
    } = package;
    let parts = writer.finish().map_err(|source| ExportError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    // Each later file opens with a warcinfo record of its own.
    let records = records + parts.saturating_sub(1);
    let warc_files: Vec<String> = (0..parts).map(|p| warc::file_name(p, parts)).collect();
    write_index(out, index, parts)?;
    write_file(out, VERDICTS, &(pretty(assessment) + "\n"))?;
    omitted.sort();
    let readme = notes::readme(&notes::Facts {
        assessment,
        started_at: &started_at,
        finished_at: finished_at.as_deref(),
        warc_files: &warc_files,
        records,
        captures,
        robots,
        revisits,
        originals,
        omitted: &omitted,
        whole_run: scope == Scope::All,
    });
    write_file(out, README, &readme)?;
    let mut files: Vec<String> = warc_files.clone();
    files.extend([INDEX, VERDICTS, README].map(String::from));
    let bytes = write_manifest(out, assessment, &files)?;
    files.push(MANIFEST.to_string());
    staged.commit().map_err(|source| ExportError::Io {
        path: final_dir.to_path_buf(),
        source,
    })?;
    Ok(ExportSummary {
        out_dir: final_dir.to_path_buf(),
        files,
        warc_files,
        records,
        captures,
        robots,
        revisits,
        originals,
        bytes,
        omitted,
    })
}

/// `out` may be missing, empty, or an earlier package: any other file stops the export,
/// which replaces the directory whole and never deletes what it did not write.
fn check_dir(out: &Path) -> Result<(), ExportError> {
    let io_error = |source| ExportError::Io {
        path: out.to_path_buf(),
        source,
    };
    if !out.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(out).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map_err(io_error)?.is_file();
        if !is_file || !is_package_file(&name) {
            return Err(ExportError::ForeignFile {
                dir: out.to_path_buf(),
                file: name,
            });
        }
    }
    Ok(())
}

fn is_package_file(name: &str) -> bool {
    [INDEX, VERDICTS, README, MANIFEST].contains(&name) || warc::is_warc_name(name)
}

/// The `application/warc-fields` of the warcinfo records.
fn warcinfo_fields(assessment: &Assessment) -> String {
    let fields = [
        ("software", assessment.generator.as_str()),
        ("format", "WARC File Format 1.1"),
        (
            "conformsTo",
            "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        ),
        ("isPartOf", &format!("zwgk-run-{}", assessment.run_id)),
        (
            "description",
            &format!(
                "evidence of the assessment of run {} of {}",
                assessment.run_id, assessment.site
            ),
        ),
        ("site", &assessment.site),
        ("run-id", &assessment.run_id.to_string()),
        ("as-of", &assessment.as_of.to_string()),
        ("catalog", &assessment.catalog),
    ];
    fields
        .iter()
        .map(|(name, value)| format!("{name}: {}\r\n", warc::one_line(value)))
        .collect()
}

fn write_index(out: &Path, index: Vec<(usize, cdxj::Entry)>, parts: usize) -> Result<(), ExportError> {
    let mut entries: Vec<cdxj::Entry> = index
        .into_iter()
        .map(|(part, mut entry)| {
            entry.fields.filename = warc::file_name(part, parts);
            entry
        })
        .collect();
    cdxj::sort(&mut entries);
    let text: String = entries.iter().map(cdxj::Entry::line).collect();
    write_file(out, INDEX, &text)
}

/// Writes manifest.json and returns the size of the whole package.
fn write_manifest(out: &Path, assessment: &Assessment, files: &[String]) -> Result<u64, ExportError> {
    let described = files
        .iter()
        .map(|name| {
            notes::describe(out, name).map_err(|source| ExportError::Io {
                path: out.join(name),
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let manifest = notes::Manifest {
        format: "zwgk evidence package 1",
        generator: assessment.generator.clone(),
        site: assessment.site.clone(),
        run_id: assessment.run_id,
        as_of: assessment.as_of.to_string(),
        catalog: assessment.catalog.clone(),
        files: described,
    };
    let text = serde_json::to_string_pretty(&manifest).expect("the manifest always serialises") + "\n";
    write_file(out, MANIFEST, &text)?;
    Ok(manifest.files.iter().map(|f| f.size).sum::<u64>() + text.len() as u64)
}

fn pretty(assessment: &Assessment) -> String {
    serde_json::to_string_pretty(assessment).expect("an assessment always serialises")
}

fn write_file(out: &Path, name: &str, text: &str) -> Result<(), ExportError> {
    let path = out.join(name);
    std::fs::write(&path, text).map_err(|source| ExportError::Io { path, source })
}
