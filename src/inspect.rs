//! `zwgk inspect`: one page's facts, from a file or a single polite fetch.
//!
//! Page or attachment is decided by `extract::kind::classify`, as the crawler and the extract
//! stage decide it. A file is read under the crawler's body cap (`--max-body-bytes`, 20 MiB by
//! default) and refused past it, so `/dev/zero` or a runaway file cannot fill the memory.

use std::io::Read as _;
use std::path::Path;

use anyhow::Context as _;
use url::Url;

use crate::crawl::fetch::{self, HttpSettings};
use crate::crawl::robots::{RobotsPolicy, agent_token};
use crate::exit::ExitCode;
use crate::extract::dates::DateSource;
use crate::extract::page::{self, PageFacts, PageInput};
use crate::extract::profile::Profile;

/// The facts of a body served from `url`.
pub fn facts_of(
    url: &Url,
    body: &[u8],
    content_type: Option<&str>,
    last_modified: Option<&str>,
    profiles: &[Profile],
) -> PageFacts {
    let input = PageInput {
        url,
        body,
        content_type,
        last_modified,
    };
    page::extract_facts(&input, profiles)
}

#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("cannot read `{path}`: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("`{path}` is larger than the {limit}-byte body cap (the crawler's `--max-body-bytes`); nothing was read")]
    TooLarge { path: String, limit: u64 },
}

/// A file's bytes, refused past `limit` (at most `limit + 1` bytes are ever read).
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, InspectError> {
    let shown = || path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| InspectError::Read { path: shown(), source })?;
    let mut body = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|source| InspectError::Read { path: shown(), source })?;
    if body.len() as u64 > limit {
        return Err(InspectError::TooLarge { path: shown(), limit });
    }
    Ok(body)
}

pub async fn run_inspect(
    target: &str,
    base_url: Option<&str>,
    json: bool,
    profiles: &[Profile],
) -> anyhow::Result<ExitCode> {
    run_inspect_capped(target, base_url, json, profiles, HttpSettings::default().max_body_bytes).await
}

/// `run_inspect` with the body cap given (the crawler's `--max-body-bytes`).
pub async fn run_inspect_capped(
    target: &str,
    base_url: Option<&str>,
    json: bool,
    profiles: &[Profile],
    max_body_bytes: u64,
) -> anyhow::Result<ExitCode> {
    let facts = if target.starts_with("http://") || target.starts_with("https://") {
        let url = Url::parse(target).with_context(|| format!("`{target}` is not a valid URL"))?;
        let settings = HttpSettings {
            max_body_bytes,
            ..HttpSettings::default()
        };
        let client = fetch::build_client(&settings)?;
        let robots_url = url.join("/robots.txt")?;
        let agent = agent_token(&settings.user_agent).to_string();
        let policy = match fetch::get(&client, &robots_url, &[], 512 * 1024).await {
            Ok(r) => RobotsPolicy::from_response(Some(r.status), &r.body, &agent),
            Err(_) => RobotsPolicy::from_response(None, &[], &agent),
        };
        anyhow::ensure!(
            policy.is_allowed(&agent, url.as_str()),
            "robots.txt of `{}` does not allow zwgk to fetch `{url}`",
            url.origin().ascii_serialization()
        );
        let response = fetch::get(&client, &url, &[], settings.max_body_bytes)
            .await
            .with_context(|| format!("cannot fetch `{url}`"))?;
        anyhow::ensure!(response.status == 200, "`{url}` answered HTTP {}", response.status);
        facts_of(
            &url,
            &response.body,
            response.header("content-type"),
            response.header("last-modified"),
            profiles,
        )
    } else {
        let path = Path::new(target);
        let body = read_capped(path, max_body_bytes)?;
        let url = match base_url {
            Some(base) => Url::parse(base).with_context(|| format!("`--base-url {base}` is not a URL"))?,
            None => Url::from_file_path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
                .ok()
                .or_else(|| Url::parse("file:///page.html").ok())
                .context("cannot make a file URL")?,
        };
        facts_of(&url, &body, None, None, profiles)
    };
    if json {
        crate::console::outln(&serde_json::to_string_pretty(&facts)?);
    } else {
        crate::console::outln(&render(&facts));
    }
    Ok(ExitCode::Success)
}

fn render(f: &PageFacts) -> String {
    let or = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_string());
    let conflict = if f.pub_date_conflict {
        let dates_of = |source: DateSource| -> Vec<&str> {
            f.pub_date_candidates
                .iter()
                .filter(|c| c.source == source)
                .map(|c| c.date.as_str())
                .collect()
        };
        if f.pub_date_source == Some(DateSource::Meta) {
            format!(
                "\nconflict   the URL dates the page {}, after its PubDate-style meta (伪造发稿日期?)",
                dates_of(DateSource::Url).join(", ")
            )
        } else {
            format!(
                "\nconflict   a PubDate-style meta says {} (伪造发稿日期?)",
                dates_of(DateSource::Meta).join(", ")
            )
        }
    } else {
        String::new()
    };
    let warnings = if f.warnings.is_empty() {
        String::new()
    } else {
        format!("\nwarnings   {}", f.warnings.join("; "))
    };
    let text = format!(
        "kind       {:?}\ntitle      {}\npub_date   {} ({})\ndoc_date   {}\nindex_no   {}\ndoc_no     {}\npublisher  {}\nvalidity   {}\ncolumn     {} [{}]\nlist items {}  tables {}  attachments {}  links {}  forms {}\nencoding   {} ({})",
        f.kind,
        or(&f.title),
        or(&f.pub_date),
        f.pub_date_source.map_or("no source", |s| s.as_str()),
        or(&f.doc_date),
        or(&f.index_no),
        or(&f.doc_no),
        or(&f.publisher),
        or(&f.validity),
        or(&f.column),
        f.column_path.join(" > "),
        f.list_items.len(),
        f.tables.len(),
        f.attachments.len(),
        f.links,
        f.forms.len(),
        f.encoding,
        f.encoding_source
    );
    format!("{text}{conflict}{warnings}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_past_the_body_cap_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cases: [(usize, u64, bool); 4] = [(100, 100, true), (101, 100, false), (0, 100, true), (5000, 4096, false)];
        for (size, cap, is_read) in cases {
            let path = dir.path().join(format!("page-{size}-{cap}.html"));
            std::fs::write(&path, vec![b'x'; size]).expect("write temp file");
            match read_capped(&path, cap) {
                Ok(body) => assert!(is_read && body.len() == size, "{size} bytes under a {cap}-byte cap"),
                Err(InspectError::TooLarge { limit, .. }) => assert!(!is_read && limit == cap, "{size}/{cap}"),
                Err(e) => panic!("{e}"),
            }
        }
        // An endless input stops at the cap.
        if Path::new("/dev/zero").exists() {
            let error = read_capped(Path::new("/dev/zero"), 1024).expect_err("endless");
            assert!(error.to_string().contains("1024-byte body cap"), "{error}");
        }
        assert!(matches!(
            read_capped(&dir.path().join("missing.html"), 10),
            Err(InspectError::Read { .. })
        ));
    }

    #[test]
    fn csv_and_txt_files_are_attachments_as_in_the_crawl() {
        let url = Url::parse("file:///tmp/kqzl.csv").expect("url");
        let facts = facts_of(&url, "日期,AQI\n2025-03-01,52\n".as_bytes(), None, None, &[]);
        assert_eq!(facts.kind, page::PageKind::Attachment);
        assert_eq!(facts.tables.len(), 1, "{facts:?}");
        let url = Url::parse("file:///tmp/page.html").expect("url");
        let facts = facts_of(&url, b"<html><title>t</title><p>x</p></html>", None, None, &[]);
        assert_ne!(facts.kind, page::PageKind::Attachment);
    }
}
