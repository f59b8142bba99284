//! `zwgk inspect`: one page's facts, from a file or a single polite fetch.
//!
//! Page or attachment is decided by `extract::kind::classify`, as the crawler and the extract
//! stage decide it. A file is read under the crawler's body cap (`--max-body-bytes`, 20 MiB by
//! default) and refused past it, so `/dev/zero` or a runaway file cannot fill the memory.
//!
//! A URL is fetched as the crawler would fetch it: robots.txt first (a host that cannot be
//! reached is named as such, not as a robots refusal), then the page through its same-origin
//! redirects, each checked against robots.txt and the URL length limit; the facts carry the
//! final URL.

use std::io::Read as _;
use std::path::Path;

use anyhow::Context as _;
use url::Url;

use crate::crawl::fetch::{self, FetchError, HttpSettings, RawResponse};
use crate::crawl::robots::{MAX_ROBOTS_BYTES, RobotsPolicy, agent_token};
use crate::crawl::scope::{MAX_URL_LENGTH, origin_of, redirect_too_long};
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
    #[error(transparent)]
    Client(FetchError),
    #[error(
        "cannot reach `{origin}` (its robots.txt could not be requested): {error}; check the address and the network"
    )]
    Unreachable { origin: String, error: FetchError },
    #[error(
        "robots.txt of `{origin}` cannot be read ({detail}); until it can, RFC 9309 allows no fetch from that host"
    )]
    RobotsUnavailable { origin: String, detail: String },
    #[error("robots.txt of `{origin}` does not allow zwgk to fetch `{url}`")]
    Disallowed { origin: String, url: String },
    #[error("cannot fetch `{url}`: {error}")]
    Fetch { url: String, error: FetchError },
    #[error("`{url}` answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("`{url}`: {reason}")]
    Redirect { url: String, reason: String },
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

/// Redirects followed for a page, as the crawler follows them.
const MAX_REDIRECTS: usize = 10;
/// RFC 9309 §2.3.1.2: follow at least five redirects for robots.txt.
const MAX_ROBOTS_REDIRECTS: usize = 5;

/// GETs `url` and follows same-origin redirects (each target allowed by `robots`, when given)
/// as the crawler does; returns the final URL and its response.
async fn follow(
    client: &reqwest::Client,
    url: &Url,
    robots: Option<(&RobotsPolicy, &str)>,
    max_hops: usize,
    max_bytes: u64,
) -> Result<(Url, RawResponse), InspectError> {
    let mut current = url.clone();
    let mut seen = vec![current.to_string()];
    loop {
        let response = fetch::get(client, &current, &[], max_bytes)
            .await
            .map_err(|error| InspectError::Fetch {
                url: current.to_string(),
                error,
            })?;
        let Some(location) = response.redirect_location() else {
            return Ok((current, response));
        };
        let stopped = |reason: String| InspectError::Redirect {
            url: url.to_string(),
            reason,
        };
        let target = current
            .join(location.trim())
            .map_err(|_| stopped(format!("redirect to an unusable location `{location}`")))?;
        if let Some(reason) = redirect_too_long(&target, MAX_URL_LENGTH) {
            return Err(stopped(reason));
        }
        if origin_of(&target) != origin_of(&current) {
            return Err(stopped(format!(
                "redirect to another host: `{target}`; inspect that URL if it is the page you mean"
            )));
        }
        if seen.contains(&target.to_string()) {
            return Err(stopped(format!("redirect loop at `{target}`")));
        }
        if seen.len() > max_hops {
            return Err(stopped(format!("more than {max_hops} redirects")));
        }
        if let Some((policy, agent)) = robots
            && !policy.is_allowed(agent, target.as_str())
        {
            return Err(InspectError::Disallowed {
                origin: origin_of(&target),
                url: target.to_string(),
            });
        }
        seen.push(target.to_string());
        current = target;
    }
}

/// The robots.txt policy of `url`'s origin. An unreachable host is said to be one, not
/// reported as a robots refusal.
async fn read_robots(client: &reqwest::Client, url: &Url, agent: &str) -> Result<RobotsPolicy, InspectError> {
    let origin = origin_of(url);
    let robots_url = url.join("/robots.txt").map_err(|e| InspectError::Redirect {
        url: url.to_string(),
        reason: format!("no robots.txt URL: {e}"),
    })?;
    let cap = MAX_ROBOTS_BYTES as u64 * 4;
    let response = match follow(client, &robots_url, None, MAX_ROBOTS_REDIRECTS, cap).await {
        Ok((_, response)) => response,
        Err(InspectError::Fetch {
            error: error @ (FetchError::Connect(_) | FetchError::Timeout(_)),
            ..
        }) => return Err(InspectError::Unreachable { origin, error }),
        Err(e) => {
            return Err(InspectError::RobotsUnavailable {
                origin,
                detail: e.to_string(),
            });
        }
    };
    let policy = RobotsPolicy::from_response(Some(response.status), &response.body, agent);
    if policy.is_unavailable() {
        return Err(InspectError::RobotsUnavailable {
            origin,
            detail: format!("HTTP {}", response.status),
        });
    }
    Ok(policy)
}

/// The facts of the page at `url`, fetched once as the crawler would: robots.txt first, then
/// the page through its same-origin redirects. The facts carry the final URL.
pub async fn fetch_facts(url: &Url, profiles: &[Profile], max_body_bytes: u64) -> Result<PageFacts, InspectError> {
    let settings = HttpSettings {
        max_body_bytes,
        ..HttpSettings::default()
    };
    let client = fetch::build_client(&settings).map_err(InspectError::Client)?;
    let agent = agent_token(&settings.user_agent).to_string();
    let policy = read_robots(&client, url, &agent).await?;
    if !policy.is_allowed(&agent, url.as_str()) {
        return Err(InspectError::Disallowed {
            origin: origin_of(url),
            url: url.to_string(),
        });
    }
    let (final_url, response) = follow(&client, url, Some((&policy, &agent)), MAX_REDIRECTS, max_body_bytes).await?;
    if response.status != 200 {
        return Err(InspectError::Status {
            url: final_url.to_string(),
            status: response.status,
        });
    }
    Ok(facts_of(
        &final_url,
        &response.body,
        response.header("content-type"),
        response.header("last-modified"),
        profiles,
    ))
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
    let mut requested = None;
    let facts = if target.starts_with("http://") || target.starts_with("https://") {
        let url = Url::parse(target).with_context(|| format!("`{target}` is not a valid URL"))?;
        let facts = fetch_facts(&url, profiles, max_body_bytes).await?;
        requested = Some(url);
        facts
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
        crate::console::outln(&render(&facts, requested.as_ref()));
    }
    Ok(ExitCode::SUCCESS)
}

/// The facts for a terminal; `requested` is the URL asked for, named when a redirect led
/// elsewhere.
fn render(f: &PageFacts, requested: Option<&Url>) -> String {
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
    let redirected = match requested {
        Some(url) if url.as_str() != f.url => format!(" (redirected from {url})"),
        _ => String::new(),
    };
    let text = format!(
        "url        {}{redirected}\nkind       {:?}\ntitle      {}\npub_date   {} ({})\ndoc_date   {}\nindex_no   {}\ndoc_no     {}\npublisher  {}\nvalidity   {}\ncolumn     {} [{}]\nlist items {}  tables {}  attachments {}  links {}  forms {}\nencoding   {} ({})",
        f.url,
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
        let url = Url::parse("file:///srv/data/kqzl.csv").expect("url");
        let facts = facts_of(&url, "日期,AQI\n2025-03-01,52\n".as_bytes(), None, None, &[]);
        assert_eq!(facts.kind, page::PageKind::Attachment);
        assert_eq!(facts.tables.len(), 1, "{facts:?}");
        let url = Url::parse("file:///srv/data/page.html").expect("url");
        let facts = facts_of(&url, b"<html><title>t</title><p>x</p></html>", None, None, &[]);
        assert_ne!(facts.kind, page::PageKind::Attachment);
    }
}
