//! `zwgk catalog import`: a catalog draft from another district's 任务分工表.
//!
//! In: the bytes of an .xlsx or .docx and its name. Out: a [`Draft`], the TOML text of a
//! catalog in the format of `selectors/indicators/zhoucun-2019.toml`, and what a person must
//! look at. The pipeline, one file each:
//!
//! - `read`: the file's tables as rows of cells, merged cells spread and marked;
//! - `header`: the header row of each table and what each column holds (levels, 公开内容,
//!   责任单位, 公开时限), in the spellings districts use;
//! - `rows`: data rows resolved into leaves: merged cells carried down, units split
//!   (`units`), time limits typed by [`super::time_limit`], doubtful rows marked `review`;
//! - `write`: the TOML, with the rule of the bundled leaf asking the same question where
//!   there is one, else a `manual` placeholder marked `review`.
//!
//! The draft always loads (`Catalog::parse` is run on it before it is returned), so
//! `zwgk catalog check` can list what needs review. Must not: read or write files (the
//! command does), or guess silently: every guess is written down in the leaf's `review`.

mod header;
mod read;
mod rows;
mod units;
mod write;

pub use rows::{DraftLeaf, Source};

/// Why a file could not be imported. Each names the file and, where one is known, the fix.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("`{file}` is empty")]
    Empty { file: String },
    #[error("`{file}` is not an .xlsx workbook or a .docx document: it is {what}")]
    Unsupported { file: String, what: String },
    #[error("`{file}` is password-protected: save an unprotected copy and import that")]
    Encrypted { file: String },
    #[error("`{file}` is a {kind} file: save it as .xlsx or .docx (另存为) and import that")]
    Legacy { file: String, kind: &'static str },
    #[error("`{file}` cannot be read: {problem}")]
    Corrupt { file: String, problem: String },
    #[error("`{file}` is too large: {what}")]
    TooLarge { file: String, what: String },
    #[error(
        "`{file}` has no task table: none of its {tables} table(s) has a header row naming the levels \
         (一级指标, 二级指标 …) or 公开内容, and 责任单位 or 公开时限, in its first {rows} rows"
    )]
    NoHeader { file: String, tables: usize, rows: usize },
    #[error("`{file}`: the task table ({table}) has a header row but no rows under it")]
    NoRows { file: String, table: String },
    #[error("the draft made from `{file}` does not load ({problem}); this is a bug in `zwgk catalog import`")]
    Draft { file: String, problem: String },
}

/// What the command line adds to the file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `[catalog] id`; default: from the file name.
    pub id: Option<String>,
    /// `[catalog] title`; default: the docx caption, else the file name.
    pub name: Option<String>,
}

/// A drafted catalog.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The catalog TOML.
    pub toml: String,
    pub id: String,
    pub title: String,
    /// The tables read (「sheet `Sheet1`」, 「table 1」).
    pub tables: Vec<String>,
    /// Tables passed over: no header row and not a continuation of the one before.
    pub skipped_tables: Vec<String>,
    /// Why a table was cut short.
    pub truncated: Vec<String>,
    pub leaves: Vec<DraftLeaf>,
    /// Leaves whose rule comes from the bundled catalog.
    pub rules_matched: usize,
}

impl Draft {
    pub fn review_count(&self) -> usize {
        self.leaves.iter().filter(|l| !l.review.is_empty()).count()
    }

    pub fn typed_count(&self) -> usize {
        self.leaves.iter().filter(|l| l.time_limit_typed).count()
    }
}

/// Drafts a catalog from the bytes of a task table.
pub fn import(bytes: &[u8], file: &str, options: &ImportOptions) -> Result<Draft, ImportError> {
    let tables = read::read_tables(bytes, file)?;
    let found = header::find_tables(&tables);
    if found.used.is_empty() {
        return Err(ImportError::NoHeader {
            file: file.to_string(),
            tables: tables.len(),
            rows: header::HEADER_SEARCH_ROWS,
        });
    }
    let leaves = rows::resolve(&found);
    if leaves.is_empty() {
        return Err(ImportError::NoRows {
            file: file.to_string(),
            table: found.used[0].table.name.clone(),
        });
    }
    let id = options.id.clone().unwrap_or_else(|| default_id(file));
    let title = options
        .name
        .clone()
        .or_else(|| found.used.iter().find_map(|t| t.table.caption.clone()))
        .unwrap_or_else(|| stem(file).to_string());
    let tables_read: Vec<String> = found.used.iter().map(|t| t.table.name.clone()).collect();
    let (toml, leaves, rules_matched) = write::write_catalog(&write::CatalogHead {
        id: &id,
        title: &title,
        file,
        tables: &tables_read,
        leaves,
    });
    crate::assess::catalog::Catalog::parse(&toml, file).map_err(|e| ImportError::Draft {
        file: file.to_string(),
        problem: e.to_string(),
    })?;
    Ok(Draft {
        toml,
        id,
        title,
        tables: tables_read,
        skipped_tables: found.skipped,
        truncated: found.used.iter().filter_map(|t| t.table.truncated.clone()).collect(),
        leaves,
        rules_matched,
    })
}

/// The file name without folders and extension.
fn stem(file: &str) -> &str {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// `[catalog] id` from the file name: ASCII letters, digits and `-`, else `imported`.
fn default_id(file: &str) -> String {
    let mut id = String::new();
    for c in stem(file).chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-');
    if id.is_empty() {
        "imported".to_string()
    } else {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_the_file_name() {
        let cases = [
            ("分工表.xlsx", "imported"),
            ("downloads/Zibo_2020 分工表.docx", "zibo-2020"),
            ("a.b.xlsx", "a-b"),
            ("noext", "noext"),
        ];
        for (file, id) in cases {
            assert_eq!(default_id(file), id, "{file}");
        }
    }
}
