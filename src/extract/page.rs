//! Page facts: everything a verdict rests on, read from one DOM parse of one page.
//!
//! In: the body bytes, the URL and the HTTP headers they came with. Out: `PageFacts`. The page
//! is flattened once into lines of visible text ([`super::flatten`]), and every text rule —
//! dates ([`super::page_dates`]), 信息公开 metadata and breadcrumbs ([`super::metadata`]),
//! contacts ([`super::contacts`]) — reads those lines, so the rules hold across templates
//! instead of depending on one CMS's CSS classes. Lists, links, forms and images are read from
//! the DOM here; tables in [`super::table`]. Every fact passes [`super::clean`] before it
//! leaves. Must not: do I/O, read the clock, or take a publication date from an HTTP header.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde::Serialize;
use url::Url;

use super::clean::clean_facts;
use super::contacts::read_contacts;
use super::dates::{self, DateCandidate, DateSource, Stamp};
use super::encoding;
use super::flatten::{Line, collapse, element_text, flatten};
use super::kind::{self, BodyKind};
use super::metadata::{Field, breadcrumb, breadcrumb_column, read_metadata};
use super::page_dates::{
    self, META_DATE_NAMES, byline_dates, labelled_dates, named_element_dates, visible_label_dates,
};
use super::profile::Profile;
use super::table::{Table, read_html_tables};

/// Bumped whenever extraction output can change, so stale stored facts are visible.
/// 2: Last-Modified is never the publication date; unlabelled visible dates; meta/URL
/// conflicts; bracket labels; script-written attachments; footer tables left out; control
/// characters stripped.
pub const EXTRACTOR_VERSION: &str = "zwgk-extract/2";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    Home,
    List,
    Article,
    Search,
    Form,
    Attachment,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ListItem {
    pub title: String,
    pub url: String,
    pub date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct AttachmentLink {
    pub url: String,
    pub text: String,
    pub ext: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Form {
    pub kind: String,
    pub action: String,
    pub method: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Image {
    pub src: String,
    pub alt: String,
    pub near_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LabelledDate {
    pub label: String,
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Link {
    pub url: String,
    pub text: String,
}

/// The facts of one page. Field names are the `zwgk inspect --json` contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageFacts {
    pub url: String,
    pub title: Option<String>,
    pub pub_date: Option<String>,
    pub pub_date_source: Option<DateSource>,
    pub pub_date_candidates: Vec<DateCandidate>,
    /// A PubDate-style meta disagrees with the shown date (伪造发稿日期 is a 单项否决 item).
    pub pub_date_conflict: bool,
    pub doc_date: Option<String>,
    /// Other labelled dates on the page (许可决定日期, 来信时间, 会议时间 …): the events that
    /// timeliness rules measure from.
    pub event_dates: Vec<LabelledDate>,
    pub index_no: Option<String>,
    pub doc_no: Option<String>,
    pub publisher: Option<String>,
    pub topic: Option<String>,
    pub validity: Option<String>,
    pub column: Option<String>,
    pub column_path: Vec<String>,
    pub column_type: Option<String>,
    pub kind: PageKind,
    pub list_items: Vec<ListItem>,
    pub tables: Vec<Table>,
    pub attachments: Vec<AttachmentLink>,
    /// How many links the page has; the links themselves are in the crawl store.
    pub links: usize,
    #[serde(skip)]
    pub link_list: Vec<Link>,
    pub forms: Vec<Form>,
    pub images: Vec<Image>,
    pub contacts: BTreeMap<String, Vec<String>>,
    pub site_name: Option<String>,
    pub site_id_code: Option<String>,
    pub encoding: String,
    pub encoding_source: String,
    /// Visible text, for rules that look for required words (指南, 年度报告).
    #[serde(skip)]
    pub text: String,
    pub text_length: usize,
    /// What could not be read, and why (a page cut at a hostile nesting depth …).
    pub warnings: Vec<String>,
    pub extractor: &'static str,
}

/// One page to read.
pub struct PageInput<'a> {
    pub url: &'a Url,
    pub body: &'a [u8],
    pub content_type: Option<&'a str>,
    pub last_modified: Option<&'a str>,
}

// The page-or-attachment rules live in `kind`; these names stay here for existing callers.
pub use super::kind::{ATTACHMENT_EXTENSIONS, attachment_ext};

// ---------------------------------------------------------------------------------------------
// The extractor

static SEL_META: LazyLock<Selector> = LazyLock::new(|| Selector::parse("meta").expect("static selector"));
static SEL_TITLE: LazyLock<Selector> = LazyLock::new(|| Selector::parse("title").expect("static selector"));
static SEL_H1: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("h1, h2, .title, .article-title, #title").expect("static selector"));
static SEL_A: LazyLock<Selector> = LazyLock::new(|| Selector::parse("a[href]").expect("static selector"));
static SEL_LI_TR: LazyLock<Selector> = LazyLock::new(|| Selector::parse("li, tr").expect("static selector"));
static SEL_SCRIPT: LazyLock<Selector> = LazyLock::new(|| Selector::parse("script").expect("static selector"));
static SEL_FORM: LazyLock<Selector> = LazyLock::new(|| Selector::parse("form").expect("static selector"));
static SEL_FIELD: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("input, select, textarea").expect("static selector"));
static SEL_IMG: LazyLock<Selector> = LazyLock::new(|| Selector::parse("img").expect("static selector"));
static SEL_XML_SCRIPT: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse(r#"script[type="text/xml"]"#).expect("static selector"));
/// A Hanweb list record: `<record><![CDATA[<li>…</li>]]></record>` (the crawler uses it too).
pub(crate) static RECORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>").expect("static regex"));

/// Deeper nesting than any real page has. HTML parsing is quadratic in nesting depth, so a
/// hostile page of 50,000 nested `<div>`s would take seconds; it is cut here instead.
pub const MAX_NESTING: usize = 4000;

/// Elements that never hold children or close themselves implicitly; they do not nest.
fn is_flat_tag(name: &[u8]) -> bool {
    matches!(
        name,
        b"p" | b"li"
            | b"td"
            | b"th"
            | b"tr"
            | b"option"
            | b"dt"
            | b"dd"
            | b"br"
            | b"img"
            | b"meta"
            | b"link"
            | b"input"
            | b"hr"
            | b"area"
            | b"base"
            | b"col"
            | b"embed"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
    )
}

/// Where approximate element nesting first exceeds `MAX_NESTING`, if it does (a byte scan,
/// no parsing: comments and raw-text elements are skipped).
fn nesting_cut(html: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|b| *b == b'<') {
        i += offset + 1;
        if bytes[i..].starts_with(b"!--") {
            i = html[i..].find("-->").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let end = bytes[start..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(bytes.len(), |e| start + e);
        if end == start {
            continue;
        }
        let name = bytes[start..end].to_ascii_lowercase();
        if matches!(name.as_slice(), b"script" | b"style" | b"textarea" | b"title") && !closing {
            let close = format!("</{}", String::from_utf8_lossy(&name));
            i = html[end..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(bytes.len(), |e| end + e);
            continue;
        }
        if is_flat_tag(&name) {
            continue;
        }
        let self_closing = bytes[end..]
            .iter()
            .position(|b| *b == b'>')
            .is_some_and(|gt| gt > 0 && bytes[end + gt - 1] == b'/');
        if closing {
            depth = depth.saturating_sub(1);
        } else if !self_closing {
            depth += 1;
            if depth > MAX_NESTING {
                return Some(i - 1);
            }
        }
    }
    None
}

/// Reads a page with the heuristics alone. Never panics; malformed HTML is parsed the way
/// browsers parse it.
pub fn extract_page(input: &PageInput) -> PageFacts {
    extract_page_with(input, &[])
}

/// The first non-empty text a profile selector finds, site profiles before CMS profiles.
fn profile_text(
    html: &Html,
    profiles: &[&Profile],
    pick: impl Fn(&Profile) -> Option<&Selector>,
) -> Option<(String, String)> {
    profiles.iter().find_map(|p| {
        let selector = pick(p)?;
        let element = html.select(selector).next()?;
        let text = element
            .value()
            .attr("content")
            .map(str::to_string)
            .unwrap_or_else(|| element_text(element));
        (!text.trim().is_empty()).then(|| (text.trim().to_string(), p.name.clone()))
    })
}

/// Reads a page; where a matching profile's selector finds something, it overrides the
/// heuristics (site profiles first, then CMS profiles).
pub fn extract_page_with(input: &PageInput, profiles: &[Profile]) -> PageFacts {
    let decoded = encoding::decode(input.body, input.content_type);
    let mut warnings = Vec::new();
    let source = match nesting_cut(&decoded.text) {
        Some(at) => {
            warnings.push(format!(
                "elements nested more than {MAX_NESTING} deep at byte {at}: the rest of the page was not read"
            ));
            &decoded.text[..at]
        }
        None => decoded.text.as_str(),
    };
    let html = Html::parse_document(source);
    let lines = flatten(&html);
    let url = input.url;
    let host = url.host_str().unwrap_or("");
    let mut applicable: Vec<&Profile> = profiles.iter().filter(|p| p.applies(host, source)).collect();
    applicable.sort_by_key(|p| !p.is_site());

    let mut metas: HashMap<String, String> = HashMap::new();
    for meta in html.select(&SEL_META) {
        let element = meta.value();
        let name = element
            .attr("name")
            .or(element.attr("property"))
            .or(element.attr("itemprop"));
        if let (Some(name), Some(content)) = (name, element.attr("content")) {
            metas
                .entry(name.trim().to_ascii_lowercase())
                .or_insert_with(|| content.trim().to_string());
        }
    }
    let meta = |name: &str| metas.get(name).filter(|v| !v.is_empty()).cloned();
    let site_name = meta("sitename");

    let metadata = read_metadata(&lines);
    let field = |f: Field| metadata.get(&f).map(|(v, _)| v.clone());
    let metadata_labels = [
        Field::IndexNo,
        Field::Publisher,
        Field::DocDate,
        Field::DocNo,
        Field::Topic,
        Field::Validity,
    ]
    .iter()
    .filter(|f| metadata.contains_key(f))
    .count();

    // Title.
    let title = meta("articletitle").or_else(|| {
        let from_title = html
            .select(&SEL_TITLE)
            .next()
            .map(element_text)
            .map(|t| strip_site_suffix(&t, site_name.as_deref()));
        let heading = html
            .select(&SEL_H1)
            .map(element_text)
            .find(|t| t.chars().count() >= 4 && t.chars().count() <= 200 && Some(t) != site_name.as_ref());
        match (heading, from_title) {
            (Some(h), Some(t)) if t.contains(&h) || h.contains(&t) => Some(h),
            (_, Some(t)) if !t.is_empty() => Some(t),
            (h, _) => h,
        }
    });

    // Links, attachments.
    let mut link_list = Vec::new();
    let mut attachments = Vec::new();
    for a in html.select(&SEL_A) {
        let Some(href) = a.value().attr("href") else { continue };
        let Some(target) = resolve(url, href) else { continue };
        let text = element_text(a);
        let text = if text.is_empty() {
            a.value().attr("title").unwrap_or("").to_string()
        } else {
            text
        };
        if let Some(ext) = attachment_ext(&target) {
            attachments.push(AttachmentLink {
                url: target.to_string(),
                text: text.clone(),
                ext,
            });
        }
        link_list.push(Link {
            url: target.to_string(),
            text,
        });
    }
    // Attachments a script writes (`document.write('<a href=…downfile.jsp…>')`).
    for script in html.select(&SEL_SCRIPT) {
        let code: String = script.text().collect();
        for link in super::script::script_attachment_links(&code, url) {
            let target = link.url.to_string();
            if !attachments.iter().any(|a: &AttachmentLink| a.url == target) {
                attachments.push(AttachmentLink {
                    url: target.clone(),
                    text: link.text.clone(),
                    ext: link.ext,
                });
                link_list.push(Link {
                    url: target,
                    text: link.text,
                });
            }
        }
    }

    let mut list_items = read_list_items(&html, url);
    // A Hanweb dataproxy.jsp answer is XML; HTML parsing drops its CDATA, so read it raw.
    let trimmed = decoded.text.trim_start();
    let is_datastore = trimmed.starts_with("<?xml") || trimmed.starts_with("<datastore");
    if is_datastore {
        for item in record_items(&decoded.text, url) {
            if !list_items.iter().any(|l| l.url == item.url) {
                list_items.push(item);
            }
        }
    }
    let tables = read_html_tables(&html);
    let forms = read_forms(&html, url);
    let images = read_images(&html, url);
    let contacts = read_contacts(&lines);

    // Column.
    let profile_crumbs: Vec<String> = applicable
        .iter()
        .find_map(|p| {
            let selector = p.breadcrumb.as_ref()?;
            let crumbs: Vec<String> = html
                .select(selector)
                .map(element_text)
                .filter(|t| !t.is_empty())
                .collect();
            (!crumbs.is_empty()).then_some(crumbs)
        })
        .unwrap_or_default();
    let column_path = if profile_crumbs.is_empty() {
        breadcrumb(&lines)
    } else {
        profile_crumbs
    };
    let column_type = meta("columntype");
    let column = profile_text(&html, &applicable, |p| p.column.as_ref())
        .map(|(t, _)| t)
        .or_else(|| meta("columnname"))
        .or_else(|| breadcrumb_column(&column_path));
    let title = profile_text(&html, &applicable, |p| p.title.as_ref())
        .map(|(t, _)| t)
        .or(title);

    // Kind.
    let has_date_meta = META_DATE_NAMES.iter().any(|n| metas.contains_key(*n));
    let prose_lines = lines
        .iter()
        .filter(|l| !l.is_footer && l.text.chars().count() >= 60)
        .count();
    let has_article_marks = meta("articletitle").is_some()
        || metadata_labels >= 2
        || metadata.contains_key(&Field::PubDate)
        || (list_items.len() < 5
            && (has_date_meta
                || prose_lines >= 2
                || dates::url_date(url.as_str()).is_some()
                || dates::objectid_date(url.as_str()).is_some()));
    let strong_article = meta("articletitle").is_some() || metadata_labels >= 2;
    // The portal's root, or the root of a site inside it (山东 `/gongkai/site_x/index.html`).
    let is_root = matches!(
        url.path(),
        "/" | "/index.html" | "/index.htm" | "/index.shtml" | "/default.html"
    ) || url
        .path()
        .split('/')
        .rev()
        .nth(1)
        .is_some_and(|dir| dir.starts_with("site_"))
        && url.path().ends_with("/index.html");
    let path = url.path().to_ascii_lowercase();
    let search_form = forms.iter().any(|f| f.kind == "search");
    let apply_form = forms.iter().any(|f| f.kind == "apply");
    let visible = visible_label_dates(&lines);
    let named = named_element_dates(&html);
    let bylines = byline_dates(&lines);
    let shows_a_date = !visible.is_empty() || !named.is_empty() || !bylines.is_empty();
    // The kind rests on what the page shows and its URL, never on HTTP headers: a Hanweb
    // server's Last-Modified on every response would make every hub look dated.
    let kind = if is_datastore {
        PageKind::List
    } else if is_root || column_type.as_deref() == Some("首页") && !has_article_marks {
        PageKind::Home
    } else if path.contains("search") && search_form {
        PageKind::Search
    } else if list_items.len() >= 5 && !strong_article {
        PageKind::List
    } else if has_article_marks || (shows_a_date && list_items.len() < 5) {
        PageKind::Article
    } else if list_items.len() >= 3 {
        PageKind::List
    } else if apply_form {
        PageKind::Form
    } else if dates::url_date(url.as_str()).is_some() {
        PageKind::Article
    } else {
        PageKind::Other
    };

    // Publication date candidates.
    let mut candidates: Vec<DateCandidate> = Vec::new();
    let mut push = |stamp: Stamp, source: DateSource, evidence: String| {
        candidates.push(DateCandidate {
            date: stamp.render(),
            source,
            evidence,
            stamp,
        });
    };
    let metadata_line = metadata
        .iter()
        .filter(|(f, _)| **f != Field::PubDate && **f != Field::Title)
        .map(|(_, (_, i))| *i)
        .collect::<Vec<_>>();
    if let Some((value, index)) = metadata.get(&Field::PubDate)
        && let Some(stamp) = dates::parse_value(value)
    {
        let near_metadata = metadata_labels >= 2 && metadata_line.iter().any(|i| i.abs_diff(*index) <= 8);
        let source = if near_metadata {
            DateSource::MetadataTable
        } else {
            DateSource::VisibleLabel
        };
        push(stamp, source, format!("发布日期：{value}"));
    }
    for (stamp, evidence, _) in &visible {
        push(*stamp, DateSource::VisibleLabel, evidence.clone());
    }
    for (stamp, evidence) in &named {
        push(*stamp, DateSource::VisibleUnlabelled, evidence.clone());
    }
    for (stamp, evidence, _) in &bylines {
        push(*stamp, DateSource::VisibleUnlabelled, evidence.clone());
    }
    for name in META_DATE_NAMES {
        if let Some(value) = metas.get(*name)
            && let Some(stamp) = dates::parse_value(value)
        {
            push(
                stamp,
                DateSource::Meta,
                format!("<meta name=\"{name}\" content=\"{value}\">"),
            );
        }
    }
    if let Some((stamp, part)) = dates::url_date(url.as_str()) {
        push(stamp, DateSource::Url, part);
    }
    if let Some((stamp, part)) = dates::objectid_date(url.as_str()) {
        push(stamp, DateSource::Objectid, part);
    }
    if let Some(stamp) = input.last_modified.and_then(dates::http_date) {
        push(
            stamp,
            DateSource::LastModified,
            format!("Last-Modified: {}", input.last_modified.unwrap_or("")),
        );
    }
    candidates.dedup_by(|a, b| a.date == b.date && a.source == b.source);
    let dated_kind = matches!(kind, PageKind::Article | PageKind::Other | PageKind::Form);
    let mut chosen = if dated_kind {
        page_dates::choose(&candidates)
    } else {
        None
    };
    // A profile's date element overrides the heuristic choice.
    if let Some((text, name)) = profile_text(&html, &applicable, |p| p.pub_date.as_ref())
        && let Some(stamp) = dates::parse_value(&text)
    {
        let candidate = DateCandidate {
            date: stamp.render(),
            source: DateSource::VisibleLabel,
            evidence: format!("profile `{name}`: {text}"),
            stamp,
        };
        candidates.insert(0, candidate.clone());
        chosen = Some(candidate);
    }
    let pub_date_conflict = page_dates::is_conflict(chosen.as_ref(), &candidates);

    let doc_date = field(Field::DocDate)
        .and_then(|v| dates::parse_value(&v))
        .map(|s| s.date.format("%Y-%m-%d").to_string());
    let text: String = lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n");

    let mut facts = PageFacts {
        url: url.to_string(),
        title,
        pub_date: chosen.as_ref().map(|c| c.date.clone()),
        pub_date_source: chosen.as_ref().map(|c| c.source),
        pub_date_candidates: candidates,
        pub_date_conflict,
        doc_date,
        event_dates: labelled_dates(&lines),
        index_no: field(Field::IndexNo),
        doc_no: field(Field::DocNo),
        publisher: field(Field::Publisher),
        topic: field(Field::Topic),
        validity: field(Field::Validity),
        column,
        column_path,
        column_type,
        kind,
        list_items,
        tables,
        attachments,
        links: link_list.len(),
        link_list,
        forms,
        images,
        contacts,
        site_name,
        site_id_code: meta("siteidcode"),
        encoding: decoded.encoding.name().to_ascii_lowercase(),
        encoding_source: decoded.source_label(),
        text_length: text.chars().count(),
        text,
        warnings,
        extractor: EXTRACTOR_VERSION,
    };
    clean_facts(&mut facts);
    facts
}

/// Whether a body is a document format rather than a web page (its signature); the rule of
/// [`kind::classify`].
pub fn looks_like_attachment(body: &[u8]) -> bool {
    kind::is_document_bytes(body)
}

/// The facts of any stored body: an attachment's or a page's, as [`kind::classify`] decides
/// from the URL, the Content-Type and the first bytes — the decision the crawler made.
pub fn extract_facts(input: &PageInput, profiles: &[Profile]) -> PageFacts {
    match kind::classify(input.url, input.content_type, input.body) {
        BodyKind::Attachment => extract_attachment_page(input),
        BodyKind::Page => extract_page_with(input, profiles),
    }
}

/// Facts of an attachment: its text and tables, in the same model as a page.
pub fn extract_attachment_page(input: &PageInput) -> PageFacts {
    let name =
        attachment_ext(input.url).unwrap_or_else(|| input.url.path().rsplit('/').next().unwrap_or("").to_string());
    let parsed = super::attachment::extract_attachment(input.body, &name);
    let mut candidates = Vec::new();
    if let Some(stamp) = input.last_modified.and_then(dates::http_date) {
        candidates.push(DateCandidate {
            date: stamp.render(),
            source: DateSource::LastModified,
            evidence: format!("Last-Modified: {}", input.last_modified.unwrap_or("")),
            stamp,
        });
    }
    if let Some((stamp, part)) = dates::url_date(input.url.as_str()) {
        candidates.push(DateCandidate {
            date: stamp.render(),
            source: DateSource::Url,
            evidence: part,
            stamp,
        });
    }
    let mut contacts = BTreeMap::new();
    if !parsed.text.is_empty() {
        let lines: Vec<Line> = parsed
            .text
            .lines()
            .map(|l| Line {
                text: collapse(l),
                is_footer: false,
            })
            .collect();
        contacts = read_contacts(&lines);
    }
    let title = parsed
        .text
        .lines()
        .map(str::trim)
        .find(|l| l.chars().count() >= 4)
        .map(|l| l.chars().take(120).collect());
    let mut facts = PageFacts {
        url: input.url.to_string(),
        title,
        pub_date: None,
        pub_date_source: None,
        pub_date_candidates: candidates,
        pub_date_conflict: false,
        doc_date: None,
        event_dates: Vec::new(),
        index_no: None,
        doc_no: None,
        publisher: None,
        topic: None,
        validity: None,
        column: None,
        column_path: Vec::new(),
        column_type: None,
        kind: PageKind::Attachment,
        list_items: Vec::new(),
        tables: parsed.tables,
        attachments: Vec::new(),
        links: 0,
        link_list: Vec::new(),
        forms: Vec::new(),
        images: Vec::new(),
        contacts,
        site_name: None,
        site_id_code: None,
        encoding: parsed.format,
        encoding_source: match (&parsed.error, parsed.text_reliable) {
            (Some(e), _) => format!("error: {e}"),
            (None, false) => "text unreliable".to_string(),
            (None, true) => "parsed".to_string(),
        },
        text_length: parsed.text.chars().count(),
        text: parsed.text,
        warnings: parsed.error.into_iter().collect(),
        extractor: EXTRACTOR_VERSION,
    };
    clean_facts(&mut facts);
    facts
}

fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    let lower = href.get(..11).unwrap_or(href).to_ascii_lowercase();
    if href.is_empty()
        || href.starts_with('#')
        || lower.starts_with("javascript:")
        || lower.starts_with("mailto:")
        || lower.starts_with("tel:")
    {
        return None;
    }
    let mut url = base.join(href).ok()?;
    url.set_fragment(None);
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// `关于…的通知_周村区人民政府` → `关于…的通知`.
fn strip_site_suffix(title: &str, site_name: Option<&str>) -> String {
    let parts: Vec<&str> = title
        .split(['_', '|', '—', '–'])
        .flat_map(|p| p.split(" - "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let is_site = |p: &str| {
        site_name.is_some_and(|s| p == s)
            || p.ends_with("人民政府")
            || p.ends_with("政府网")
            || p.ends_with("门户网站")
            || p == "首页"
    };
    parts
        .iter()
        .find(|p| !is_site(p))
        .map_or_else(|| title.trim().to_string(), |p| p.to_string())
}

fn read_list_items(html: &Html, base: &Url) -> Vec<ListItem> {
    // Items are grouped by their parent; a group is a list when most of its items are dated.
    let mut groups: Vec<(ego_tree::NodeId, Vec<(ListItem, bool)>)> = Vec::new();
    for item in html.select(&SEL_LI_TR) {
        let Some(parent) = item.parent() else { continue };
        let anchors: Vec<ElementRef> = item.select(&SEL_A).take(3).collect();
        if anchors.len() != 1 {
            continue;
        }
        let a = anchors[0];
        let Some(url) = a.value().attr("href").and_then(|h| resolve(base, h)) else {
            continue;
        };
        let text = element_text(a);
        let title = a
            .value()
            .attr("title")
            .map(str::trim)
            .filter(|t| t.chars().count() > text.chars().count())
            .map_or(text, str::to_string);
        if title.chars().count() < 4 {
            continue;
        }
        let full = element_text(item);
        let rest = full.replacen(&title, "", 1);
        let date = dates::find_dates(&rest)
            .into_iter()
            .next()
            .map(|(s, _)| s.date.format("%Y-%m-%d").to_string());
        let is_dated = date.is_some();
        let entry = ListItem {
            title,
            url: url.to_string(),
            date,
        };
        match groups.iter_mut().find(|(id, _)| *id == parent.id()) {
            Some((_, items)) => items.push((entry, is_dated)),
            None => groups.push((parent.id(), vec![(entry, is_dated)])),
        }
    }
    let mut items: Vec<ListItem> = Vec::new();
    for (_, group) in groups {
        let dated = group.iter().filter(|(_, d)| *d).count();
        if dated >= 1 && dated * 2 >= group.len() {
            items.extend(group.into_iter().map(|(item, _)| item));
        }
    }
    // Hanweb keeps list records in <script type="text/xml"> CDATA.
    for script in html.select(&SEL_XML_SCRIPT) {
        let text: String = script.text().collect();
        for item in record_items(&text, base) {
            if !items.iter().any(|i| i.url == item.url) {
                items.push(item);
            }
        }
    }
    items
}

/// List items in Hanweb `<record><![CDATA[…]]></record>` fragments.
fn record_items(text: &str, base: &Url) -> Vec<ListItem> {
    let mut items = Vec::new();
    for record in RECORD.captures_iter(text) {
        let fragment = Html::parse_fragment(&record[1]);
        if let Some(a) = fragment.select(&SEL_A).next()
            && let Some(url) = a.value().attr("href").and_then(|h| resolve(base, h))
        {
            let text = element_text(a);
            let title = a
                .value()
                .attr("title")
                .map(str::trim)
                .filter(|t| t.chars().count() > text.chars().count())
                .map_or(text, str::to_string);
            let whole: String = fragment.root_element().text().collect();
            let date = dates::find_dates(&whole.replacen(&title, "", 1))
                .into_iter()
                .next()
                .map(|(s, _)| s.date.format("%Y-%m-%d").to_string());
            items.push(ListItem {
                title,
                url: url.to_string(),
                date,
            });
        }
    }
    items
}

fn read_forms(html: &Html, base: &Url) -> Vec<Form> {
    html.select(&SEL_FORM)
        .map(|form| {
            let action_raw = form.value().attr("action").unwrap_or("").trim().to_string();
            let action = resolve(base, &action_raw).map_or(action_raw, |u| u.to_string());
            let method = form.value().attr("method").unwrap_or("get").to_ascii_lowercase();
            let fields: Vec<String> = form
                .select(&SEL_FIELD)
                .filter(|f| {
                    !matches!(
                        f.value().attr("type"),
                        Some("hidden" | "submit" | "button" | "image" | "reset")
                    )
                })
                .filter_map(|f| f.value().attr("name").map(str::to_string))
                .collect();
            let lower = action.to_ascii_lowercase();
            let search_names = [
                "q",
                "query",
                "keyword",
                "keywords",
                "searchword",
                "textfield",
                "wd",
                "key",
                "searchkey",
            ];
            let text = element_text(form);
            let kind = if lower.contains("search")
                || fields
                    .iter()
                    .any(|f| search_names.contains(&f.to_ascii_lowercase().as_str()))
                    && fields.len() <= 3
            {
                "search"
            } else if lower.contains("ysqgk") || lower.contains("apply") || text.contains("申请") || fields.len() >= 4
            {
                "apply"
            } else {
                "other"
            };
            Form {
                kind: kind.to_string(),
                action,
                method,
                fields,
            }
        })
        .collect()
}

fn read_images(html: &Html, base: &Url) -> Vec<Image> {
    html.select(&SEL_IMG)
        .filter_map(|img| {
            let src = img.value().attr("src")?;
            let src = resolve(base, src).map_or_else(|| src.to_string(), |u| u.to_string());
            // The words beside an image: its parent's text, or the grandparent's when the
            // parent holds only the image (a QR code in a <p>, its caption in a sibling).
            let parent = img.parent().and_then(ElementRef::wrap);
            let mut near = parent.map(element_text).unwrap_or_default();
            if near.chars().count() < 4 {
                near = parent
                    .and_then(|p| p.parent())
                    .and_then(ElementRef::wrap)
                    .map(element_text)
                    .unwrap_or_default();
            }
            Some(Image {
                src,
                alt: img
                    .value()
                    .attr("alt")
                    .or(img.value().attr("title"))
                    .unwrap_or("")
                    .trim()
                    .to_string(),
                near_text: near.chars().take(120).collect(),
            })
        })
        .take(500)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(url: &str, html: &str) -> PageFacts {
        let url = Url::parse(url).unwrap();
        extract_page(&PageInput {
            url: &url,
            body: html.as_bytes(),
            content_type: Some("text/html; charset=utf-8"),
            last_modified: None,
        })
    }

    #[test]
    fn metadata_table_wins_over_meta_and_url() {
        let html = r#"<html><head><title>关于印发方案的通知_周村区人民政府</title>
            <meta name="PubDate" content="2025-06-30 09:00"><meta name="ColumnName" content="政策文件"></head><body>
            <div class="crumb">当前位置：<a>首页</a> &gt; <a>政务公开</a> &gt; <a>政策文件</a></div>
            <table class="xxgk"><tr><td>索 引 号：</td><td>11370306004215738G/2025-00012</td><td>发布机构：</td><td>周村区人民政府办公室</td></tr>
            <tr><td>成文日期：</td><td>2025-06-20</td><td>发布日期：</td><td>2025年07月08日</td></tr>
            <tr><td>文 号：</td><td>周政办发〔2025〕5号</td><td>有效性：</td><td>有效</td></tr></table>
            <h1>关于印发方案的通知</h1><p>自2025年8月1日起施行。</p>
            <div class="footer">©2005-2026 周村区人民政府 今天是2026年11月26日</div></body></html>"#;
        let f = facts("http://www.zhoucun.gov.cn/art/2025/7/8/art_6005_1.html", html);
        assert_eq!(f.title.as_deref(), Some("关于印发方案的通知"));
        assert_eq!(f.pub_date.as_deref(), Some("2025-07-08"));
        assert_eq!(f.pub_date_source, Some(DateSource::MetadataTable));
        assert!(f.pub_date_conflict, "the PubDate meta says 06-30");
        assert_eq!(f.doc_date.as_deref(), Some("2025-06-20"));
        assert_eq!(f.index_no.as_deref(), Some("11370306004215738G/2025-00012"));
        assert_eq!(f.doc_no.as_deref(), Some("周政办发〔2025〕5号"));
        assert_eq!(f.publisher.as_deref(), Some("周村区人民政府办公室"));
        assert_eq!(f.validity.as_deref(), Some("有效"));
        assert_eq!(f.column.as_deref(), Some("政策文件"));
        assert_eq!(f.column_path, vec!["首页", "政务公开", "政策文件"]);
        assert_eq!(f.kind, PageKind::Article);
        assert!(f.tables.is_empty(), "the metadata block is not a data table");
    }

    #[test]
    fn visible_label_split_across_elements() {
        let cases = [
            r#"<h1>标题一二三四</h1><div class="info"><span>发布时间：</span><span>2023-03-05 10:20</span></div>"#,
            "<h1>标题一二三四</h1><p>发布日期:&ensp;&ensp;2023/3/5&nbsp;10:20 来源：本站</p>",
            "<h1>标题一二三四</h1><div>日期：<b>2023年3月5日 10:20</b> 浏览次数：</div>",
        ];
        for body in cases {
            let f = facts(
                "http://a.gov.cn/x/1.html",
                &format!("<html><body>{body}<p>2024年的工作</p></body></html>"),
            );
            assert_eq!(f.pub_date.as_deref(), Some("2023-03-05 10:20"), "{body}");
            assert_eq!(f.pub_date_source, Some(DateSource::VisibleLabel), "{body}");
        }
    }

    #[test]
    fn no_date_from_body_footer_or_widget() {
        let html = r#"<html><body><div class="top">今天是2026年11月26日 星期四</div><h1>标题一二三四</h1>
            <p>会议定于2025年3月1日召开。</p><div id="footer">Copyright 2005-2026 日期：2026-01-01</div></body></html>"#;
        let f = facts("http://a.gov.cn/x/1.html", html);
        assert_eq!(f.pub_date, None, "{:?}", f.pub_date_candidates);
        let f = facts("http://a.gov.cn/art/2023/3/5/art_1_2.html", html);
        assert_eq!(
            (f.pub_date.as_deref(), f.pub_date_source),
            (Some("2023-03-05"), Some(DateSource::Url))
        );
    }

    #[test]
    fn list_items_and_tables() {
        let html = r#"<html><body><ul class="list">
            <li><a href="/art/2025/3/5/art_1_1.html" title="关于开展政务公开工作的通知全文">关于开展政务公开…</a><span>2025-03-05</span></li>
            <li><a href="/art/2025/3/4/art_1_2.html">第二条通知标题</a><span>2025-03-04</span></li>
            <li><a href="/art/2025/3/3/art_1_3.html">第三条通知标题</a></li></ul>
            <ul class="nav"><li><a href="/a">首页导航</a></li><li><a href="/b">政务公开</a></li></ul>
            <table><tr><th>项目名称</th><th>政策依据</th><th>执收部门</th></tr>
            <tr><td rowspan="2">证照工本费</td><td>鲁价费发〔2019〕1号</td><td colspan="1">区公安分局</td></tr>
            <tr><td>财综〔2020〕2号</td><td>区民政局</td></tr></table></body></html>"#;
        let f = facts("http://a.gov.cn/col/col1/index.html", html);
        assert_eq!(f.kind, PageKind::List);
        assert_eq!(f.list_items.len(), 3);
        assert_eq!(f.list_items[0].title, "关于开展政务公开工作的通知全文");
        assert_eq!(f.list_items[0].url, "http://a.gov.cn/art/2025/3/5/art_1_1.html");
        assert_eq!(f.list_items[2].date, None);
        assert_eq!(f.tables.len(), 1);
        assert_eq!(f.tables[0].headers, vec![vec!["项目名称", "政策依据", "执收部门"]]);
        assert_eq!(f.tables[0].rows[1], vec!["证照工本费", "财综〔2020〕2号", "区民政局"]);
        assert_eq!(f.pub_date, None);
    }

    #[test]
    fn dataproxy_xml_is_a_list() {
        let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><datastore><totalrecord>2</totalrecord><recordset>\
            <record><![CDATA[<li><a href='/art/2025/3/5/art_1_1.html' title='关于开展政务公开工作的通知'>关于</a><span>2025-03-05</span></li>]]></record>\
            <record><![CDATA[<li><a href='/art/2025/3/4/art_1_2.html'>第二条通知标题</a><span>2025-03-04</span></li>]]></record></recordset></datastore>";
        let f = facts(
            "http://a.gov.cn/module/web/jpage/dataproxy.jsp?columnid=1&startrecord=1&endrecord=45",
            xml,
        );
        assert_eq!(f.kind, PageKind::List);
        assert_eq!(f.list_items.len(), 2);
        assert_eq!(f.list_items[0].title, "关于开展政务公开工作的通知");
        assert_eq!(f.list_items[1].date.as_deref(), Some("2025-03-04"));
    }

    #[test]
    fn contacts_forms_images_attachments() {
        let html = r#"<html><body><p>办公地址：周村区新建中路166号 邮政编码：255300</p>
            <p>联系电话：0533-6195556 传真：0533-6181234</p><p>电子邮箱：zcxxgk@zb.shandong.cn</p>
            <p>办公时间：工作日上午8:30-12:00，下午13:30-17:30</p>
            <form action="/jsearchfront/search.do"><input name="q"></form>
            <form action="/ysqgk/submit" method="post"><input name="name"><input name="phone"><textarea name="content"></textarea><input name="addr"></form>
            <div><img src="/images/wx.png" alt="周村发布"><span>扫一扫关注政务微信</span></div>
            <a href="/attach/1.pdf">年报全文</a><a href="/module/download/downfile.jsp?classid=0&filename=ab12.xlsx">附件</a></body></html>"#;
        let f = facts("http://a.gov.cn/about/zn.html", html);
        assert_eq!(f.contacts["电话"], vec!["0533-6195556"]);
        assert_eq!(f.contacts["传真"], vec!["0533-6181234"]);
        assert_eq!(f.contacts["电子邮箱"], vec!["zcxxgk@zb.shandong.cn"]);
        assert_eq!(f.contacts["邮政编码"], vec!["255300"]);
        assert_eq!(f.contacts["办公地址"], vec!["周村区新建中路166号"]);
        assert!(f.contacts["办公时间"][0].starts_with("工作日上午8:30"));
        assert_eq!(
            f.forms.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>(),
            vec!["search", "apply"]
        );
        assert_eq!(f.images[0].alt, "周村发布");
        assert!(f.images[0].near_text.contains("政务微信"));
        assert_eq!(
            f.attachments.iter().map(|a| a.ext.as_str()).collect::<Vec<_>>(),
            vec!["pdf", "xlsx"]
        );
        assert_eq!(f.links, 2);
    }

    #[test]
    fn profiles_override_the_heuristics_only_where_they_match() {
        let site = Profile::from_toml(
            "name = \"t\"\nhosts = [\"a.gov.cn\"]\ntitle = \".tt\"\npub_date = \".when\"\nbreadcrumb = \".pos a\"",
            "t.toml",
        )
        .unwrap();
        let html = r#"<html><head><title>Wrong_x</title></head><body><div class="pos"><a>首页</a><a>通知公告</a></div>
            <div class="tt">真正的标题在这里</div><span class="when">2024.5.6</span><p>发布时间：2024-05-01</p></body></html>"#;
        let url = Url::parse("http://a.gov.cn/x.html").unwrap();
        let input = PageInput {
            url: &url,
            body: html.as_bytes(),
            content_type: None,
            last_modified: None,
        };
        let f = extract_page_with(&input, std::slice::from_ref(&site));
        assert_eq!(f.title.as_deref(), Some("真正的标题在这里"));
        assert_eq!(f.pub_date.as_deref(), Some("2024-05-06"));
        assert_eq!(f.column.as_deref(), Some("通知公告"));
        let other = Url::parse("http://b.gov.cn/x.html").unwrap();
        let input = PageInput {
            url: &other,
            body: html.as_bytes(),
            content_type: None,
            last_modified: None,
        };
        let f = extract_page_with(&input, &[site]);
        assert_eq!(
            f.pub_date.as_deref(),
            Some("2024-05-01"),
            "another host: heuristics only"
        );
    }

    #[test]
    fn last_modified_is_never_the_publication_date() {
        let pages = [
            (
                "http://a.gov.cn/xwzx/1.html",
                "<html><body><h1>区政府召开常务会议</h1><p>会议研究了有关事项。</p></body></html>",
            ),
            (
                "http://a.gov.cn/col/col1/index.html",
                r#"<html><body><ul><li><a href="/a/1.html">第一条通知标题</a><span>2025-03-05</span></li>
                <li><a href="/a/2.html">第二条通知标题</a><span>2025-03-04</span></li><li><a href="/a/3.html">第三条通知标题</a><span>2025-03-03</span></li>
                <li><a href="/a/4.html">第四条通知标题</a><span>2025-03-02</span></li><li><a href="/a/5.html">第五条通知标题</a><span>2025-03-01</span></li></ul></body></html>"#,
            ),
            ("http://a.gov.cn/index.html", "<html><body><h1>首页</h1></body></html>"),
        ];
        for (address, html) in pages {
            let url = Url::parse(address).unwrap();
            let read = |last_modified| {
                extract_page(&PageInput {
                    url: &url,
                    body: html.as_bytes(),
                    content_type: Some("text/html"),
                    last_modified,
                })
            };
            let with = read(Some("Wed, 05 Mar 2025 02:00:00 GMT"));
            let without = read(None);
            assert_eq!(with.pub_date, None, "{address}");
            assert_eq!(with.pub_date_source, None, "{address}");
            assert_eq!(
                with.kind, without.kind,
                "{address}: the kind never depends on Last-Modified"
            );
            assert!(
                with.pub_date_candidates
                    .iter()
                    .any(|c| c.source == DateSource::LastModified && c.date == "2025-03-05 10:00"),
                "{address}: kept as a candidate, visible"
            );
        }
    }

    #[test]
    fn control_characters_are_stripped_from_every_fact() {
        let html = "<html><head><title>关于\u{1b}]0;pwned\u{7}印发方案的通知\u{1b}[2J</title></head><body>\
            <div class=\"crumb\">当前位置：首页 &gt; 政府\u{1b}[8m信息公开 &gt; 通知公告</div>\
            <a href=\"/col/col1/index.html\">通知\u{1b}[8m公告\r</a>\
            <h1>关于\u{1b}]0;pwned\u{7}印发方案的通知\u{1b}[2J</h1>\
            <table><tr><td>索引号：</td><td>1137\u{1b}[31m/2025-00001</td><td>发布机构：</td><td>青石区\u{9b}2J人民政府</td></tr>\
            <tr><td>成文日期：</td><td>2025-03-01</td><td>发布日期：</td><td>2025-03-05</td></tr></table>\
            <p>正文\u{7f}内容\u{8}在此。</p><table><tr><th>项目\u{1b}[0m</th><th>金额</th></tr><tr><td>合计\u{0}</td><td>12</td></tr></table>\
            <a href=\"/attach/a.pdf\">附件\u{1b}]0;x\u{7}.pdf</a></body></html>";
        let f = facts("http://a.gov.cn/art/2025/3/5/art_1_1.html", html);
        assert_eq!(f.title.as_deref(), Some("关于]0;pwned印发方案的通知[2J"));
        assert_eq!(f.index_no.as_deref(), Some("1137[31m/2025-00001"));
        assert_eq!(f.publisher.as_deref(), Some("青石区2J人民政府"));
        assert_eq!(f.tables[0].headers, vec![vec!["项目[0m", "金额"]]);
        assert_eq!(f.tables[0].rows, vec![vec!["合计", "12"]]);
        assert_eq!(f.attachments[0].text, "附件]0;x.pdf");
        assert!(f.link_list.iter().any(|l| l.text == "通知[8m公告"), "{:?}", f.link_list);
        assert!(
            f.column_path.iter().any(|c| c == "政府[8m信息公开"),
            "{:?}",
            f.column_path
        );
        let json = serde_json::to_string(&f).unwrap();
        let controls = |s: &str| s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
        assert!(!controls(&f.text) && !controls(&json), "{json}");
    }

    #[test]
    fn attachments_written_by_scripts_and_escaped_hrefs() {
        let html = r#"<html><body><h1>关于印发方案的通知</h1><div id="zoom"><p>正文。</p></div>
            <script type="text/javascript">document.write('<p>附件：<a href="/module/download/downfile.jsp?classid=0&filename=ab12.pdf">实施方案.pdf</a></p>');</script>
            <p><a href="/module/download/downfile.jsp?classid=0&amp;filename=cd34.xls">统计表.xls</a></p>
            <script>var f = "x.pdf"; document.write('<a href="/down/' + f + '">附件</a>');</script></body></html>"#;
        let f = facts("http://a.gov.cn/art/2025/3/5/art_1_1.html", html);
        let got: Vec<(&str, &str, &str)> = f
            .attachments
            .iter()
            .map(|a| (a.url.as_str(), a.ext.as_str(), a.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=cd34.xls",
                    "xls",
                    "统计表.xls"
                ),
                (
                    "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=ab12.pdf",
                    "pdf",
                    "实施方案.pdf"
                ),
            ]
        );
    }

    #[test]
    fn footer_phone_tables_are_not_data_tables() {
        let data = r#"<table><tr><th>项目</th><th>金额</th></tr><tr><td>合计</td><td>12</td></tr></table>"#;
        let cases: [(&str, usize); 6] = [
            (
                r#"<div id="footer"><table><tr><td>办公室</td><td>联系电话：0533-6181234</td></tr><tr><td>财政局</td><td>联系电话：0533-6181235</td></tr></table></div>"#,
                1,
            ),
            (
                r#"<div class="ft"><table><tr><th>部门</th><th>联系电话</th></tr><tr><td>办公室</td><td>0533-6181234</td></tr></table></div>"#,
                1,
            ),
            (
                r#"<table width="1000"><tr><td>主办单位：青石区人民政府办公室</td><td>地址：青石区人民路1号</td></tr><tr><td>联系电话：0533-6181234</td><td>邮编：255300</td></tr></table>"#,
                1,
            ),
            (
                r#"<div><table><tr><td>政务服务热线</td><td>12345</td></tr><tr><td>值班电话</td><td>0533-6180000</td></tr></table><p>网站标识码：3703990001 鲁ICP备05001234号</p></div>"#,
                1,
            ),
            // Content tables stay: a phone directory in the article, an events table.
            (
                r#"<table><tr><th>单位</th><th>联系电话</th></tr><tr><td>区财政局</td><td>0533-6181234</td></tr><tr><td>区民政局</td><td>0533-6181235</td></tr></table>"#,
                2,
            ),
            (
                r#"<table><tr><th>活动名称</th><th>主办单位</th><th>时间</th></tr><tr><td>政务开放日</td><td>区政府办公室</td><td>5月20日</td></tr></table>"#,
                2,
            ),
        ];
        for (extra, expected) in cases {
            let html = format!("<html><body><h1>政务公开工作指南</h1>{data}{extra}</body></html>");
            let f = facts("http://a.gov.cn/zwgk/zn.html", &html);
            assert_eq!(f.tables.len(), expected, "{extra}: {:?}", f.tables);
        }
    }

    #[test]
    fn home_breadcrumbs_give_no_column() {
        let cases = [
            ("当前位置：首页 &gt; 正文", None),
            ("当前位置：<a>首页</a> &gt; 详情", None),
            ("您的位置：<a>首页</a> &gt; <a>通知公告</a> &gt; 正文", Some("通知公告")),
            ("当前位置：<a>首页</a> &gt; <a>政策文件</a>", Some("政策文件")),
        ];
        for (crumb, expected) in cases {
            let html =
                format!("<html><body><div class=\"crumb\">{crumb}</div><h1>关于开展检查的通知</h1></body></html>");
            let f = facts("http://a.gov.cn/art/2025/3/5/art_1_1.html", &html);
            assert_eq!(f.column.as_deref(), expected, "{crumb}");
        }
    }

    #[test]
    fn unlabelled_visible_dates_beat_a_migration_url_date() {
        let cases = [
            (r#"<span id="pubTime">2021年06月10日 17:35</span>"#, "2021-06-10 17:35"),
            (
                "<div class=\"info\">2021-06-10 00:00　来源：区财政局</div>",
                "2021-06-10 00:00",
            ),
        ];
        for (shown, expected) in cases {
            let html = format!("<html><body><h1>关于开展检查的通知</h1>{shown}<p>正文。</p></body></html>");
            // The site moved in 2023 and every old article got a 2023 URL.
            let f = facts("http://a.gov.cn/art/2023/9/1/art_1_1.html", &html);
            assert_eq!(f.pub_date.as_deref(), Some(expected), "{shown}");
            assert_eq!(f.pub_date_source, Some(DateSource::VisibleUnlabelled), "{shown}");
            assert!(!f.pub_date_conflict, "{shown}: no meta, no conflict");
            assert_eq!(f.kind, PageKind::Article);
        }
    }

    #[test]
    fn a_meta_earlier_than_the_url_date_is_a_conflict() {
        let page = |meta: &str| {
            format!(
                "<html><head><meta name=\"PubDate\" content=\"{meta}\"></head><body><h1>关于开展检查的通知</h1></body></html>"
            )
        };
        let cases = [
            ("2025-06-30 09:00", true),
            ("2025-07-08 09:00", false),
            ("2025-07-09 09:00", false),
        ];
        for (meta, conflict) in cases {
            let f = facts("http://a.gov.cn/art/2025/7/8/art_1_1.html", &page(meta));
            assert_eq!(f.pub_date.as_deref(), Some(meta));
            assert_eq!(f.pub_date_source, Some(DateSource::Meta));
            assert_eq!(f.pub_date_conflict, conflict, "{meta}");
        }
    }

    #[test]
    fn bracket_labels_and_a_doc_no_in_pieces() {
        let html = r#"<html><body><h1>青石区财政局关于下达资金的通知</h1><ul class="xxgk">
            <li>[索引号] <span>113703990042/2025-00031</span></li><li>【发布机构】<span>青石区财政局</span></li>
            <li>[成文日期] <span>2025-03-01</span></li><li>[发布日期] <span>2025-03-05</span></li>
            <li>[发文字号] <span>青财发</span>
                <span>〔2025〕</span>
                <span>3号</span></li>
            <li>[主题分类] <span>财政、金融、审计</span></li><li>[有效性] <span>有效</span></li></ul>
            <div class="footer">主办单位：青石区人民政府办公室 电话：0533-6180000</div></body></html>"#;
        let f = facts("http://a.gov.cn/xxgk/1.html", html);
        assert_eq!(f.index_no.as_deref(), Some("113703990042/2025-00031"));
        assert_eq!(f.publisher.as_deref(), Some("青石区财政局"));
        assert_eq!(f.doc_date.as_deref(), Some("2025-03-01"));
        assert_eq!(f.pub_date.as_deref(), Some("2025-03-05"));
        assert_eq!(f.pub_date_source, Some(DateSource::MetadataTable));
        assert_eq!(f.doc_no.as_deref(), Some("青财发〔2025〕3号"));
        assert_eq!(f.topic.as_deref(), Some("财政、金融、审计"));
        assert_eq!(f.validity.as_deref(), Some("有效"));
    }

    #[test]
    fn hostile_input_never_panics() {
        let inputs = [
            "<table><tr><td colspan=99999 rowspan=99999>x</td></tr><tr><td>y</td></tr></table>".to_string(),
            "<div>".repeat(5_000),
            "\u{0}\u{ffff}<<<>>>&&&;;".to_string(),
            String::new(),
        ];
        for input in inputs {
            let _ = facts("http://a.gov.cn/", &input);
        }
    }

    #[test]
    fn hostile_nesting_is_cut_with_a_warning() {
        let deep = format!(
            "<p>发布时间：2023-03-05</p>{}<a href=\"/x\">x</a>",
            "<div>".repeat(50_000)
        );
        let f = facts("http://a.gov.cn/a.html", &deep);
        assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
        assert_eq!(f.pub_date.as_deref(), Some("2023-03-05"));
        let normal =
            "<html><body><div><p>a<p>b<li>c<td>d</div><!-- <div><div> --><script>'<div>'</script></body></html>";
        assert_eq!(nesting_cut(normal), None);
        assert_eq!(
            nesting_cut(&"<div><br/>".repeat(MAX_NESTING + 1)),
            Some(5 * MAX_NESTING + 5 * MAX_NESTING)
        );
    }
}
