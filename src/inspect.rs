//! `zwgk inspect`: one page's facts, from a file or a single polite fetch.

use anyhow::Context as _;
use url::Url;

use crate::crawl::fetch::{self, HttpSettings};
use crate::crawl::robots::{RobotsPolicy, agent_token};
use crate::exit::ExitCode;
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
    if page::attachment_ext(url).is_some_and(|e| e != "txt" && e != "csv") || page::looks_like_attachment(body) {
        page::extract_attachment_page(&input)
    } else {
        page::extract_page_with(&input, profiles)
    }
}

pub async fn run_inspect(
    target: &str,
    base_url: Option<&str>,
    json: bool,
    profiles: &[Profile],
) -> anyhow::Result<ExitCode> {
    let facts = if target.starts_with("http://") || target.starts_with("https://") {
        let url = Url::parse(target).with_context(|| format!("`{target}` is not a valid URL"))?;
        let settings = HttpSettings::default();
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
        let path = std::path::Path::new(target);
        let body = std::fs::read(path).with_context(|| format!("cannot read `{target}`"))?;
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
        println!("{}", serde_json::to_string_pretty(&facts)?);
    } else {
        println!("{}", render(&facts));
    }
    Ok(ExitCode::Success)
}

fn render(f: &PageFacts) -> String {
    let or = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_string());
    let conflict = if f.pub_date_conflict {
        let metas: Vec<&str> = f
            .pub_date_candidates
            .iter()
            .filter(|c| c.source == crate::extract::dates::DateSource::Meta)
            .map(|c| c.date.as_str())
            .collect();
        format!(
            "\nconflict   a PubDate-style meta says {} (伪造发稿日期?)",
            metas.join(", ")
        )
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
