//! One stored page as the rules see it: its facts (parsed from the stored JSON, the `zwgk
//! inspect --json` contract), its readable text kept compressed until a rule reads it, its
//! links, and the fetch that is its evidence.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::extract::page::{AttachmentLink, Form, Image, LabelledDate, ListItem};
use crate::extract::table::Table;
use crate::store::AssessPage;

/// The subset of the stored facts the rules read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredFacts {
    title: Option<String>,
    pub_date: Option<String>,
    pub_date_source: Option<String>,
    pub_date_conflict: bool,
    doc_date: Option<String>,
    event_dates: Vec<LabelledDate>,
    index_no: Option<String>,
    doc_no: Option<String>,
    publisher: Option<String>,
    validity: Option<String>,
    column: Option<String>,
    column_path: Vec<String>,
    column_type: Option<String>,
    list_items: Vec<ListItem>,
    tables: Vec<Table>,
    attachments: Vec<AttachmentLink>,
    forms: Vec<Form>,
    images: Vec<Image>,
    site_name: Option<String>,
    pub_date_candidates: Vec<StoredCandidate>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredCandidate {
    date: String,
    source: String,
}

/// One stored page as the rules see it.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub url: String,
    pub kind: String,
    pub title: String,
    pub pub_date: Option<NaiveDate>,
    /// Where the publication date was read (`meta`, `visible_label`, `url` …).
    pub pub_date_source: Option<String>,
    pub pub_date_conflict: bool,
    /// The date in the URL (Hanweb `/art/2025/3/5/`, TRS `t20250305_`) or a 山东 ObjectId: when
    /// the CMS created the page, whatever date the page shows.
    pub url_date: Option<NaiveDate>,
    pub doc_date: Option<NaiveDate>,
    /// Labelled dates on the page (许可决定日期, 来信时间, 答复时间 …).
    pub event_dates: Vec<(String, NaiveDate)>,
    pub index_no: Option<String>,
    pub doc_no: Option<String>,
    /// 发布机构 / 发文机关 of the metadata box.
    pub publisher: Option<String>,
    pub validity: Option<String>,
    /// The `ColumnName` meta, or the breadcrumb's column.
    pub column: Option<String>,
    /// The breadcrumb without 首页 and 正文.
    pub breadcrumb: Vec<String>,
    pub column_type: Option<String>,
    pub site_name: Option<String>,
    pub list_items: Vec<ListItem>,
    pub tables: Vec<Table>,
    pub attachments: Vec<AttachmentLink>,
    pub forms: Vec<Form>,
    pub images: Vec<Image>,
    /// Visible text without the lines repeated across the site (navigation, footers, sidebars).
    pub text: PageText,
    /// (target URL, anchor text).
    pub links: Vec<(String, String)>,
    pub fetched_at: String,
    pub sha256: String,
    /// The store's id of the page that linked it first.
    pub discovered_from: Option<usize>,
}

impl Page {
    /// The page's readable text (see [`PageText`]).
    pub fn text(&self) -> &str {
        self.text.get()
    }

    /// The first labelled date whose label contains one of the words (来信时间, 处罚决定日期 …).
    pub fn labelled_date(&self, words: &[&str]) -> Option<NaiveDate> {
        self.event_dates
            .iter()
            .find(|(label, _)| words.iter().any(|w| label.contains(w)))
            .map(|(_, d)| *d)
    }

    pub fn is_document(&self) -> bool {
        matches!(self.kind.as_str(), "article" | "attachment")
    }

    /// The day the page was fetched (UTC date of the stored fetch time).
    pub fn fetched_day(&self) -> Option<NaiveDate> {
        day(&self.fetched_at)
    }
}

/// A page's readable text, kept compressed until a rule reads it: on a large run most pages
/// are never read by any rule, and their text is most of the run's size.
#[derive(Debug, Clone, Default)]
pub struct PageText {
    compressed: Option<Arc<[u8]>>,
    /// Lines repeated across the site, removed when the text is read.
    boilerplate: Arc<HashSet<String>>,
    readable: OnceLock<String>,
}

impl PageText {
    /// Text that is already readable (hand-made pages).
    pub fn plain(text: impl Into<String>) -> PageText {
        let readable = OnceLock::new();
        let _ = readable.set(text.into());
        PageText {
            readable,
            ..PageText::default()
        }
    }

    fn stored(compressed: Option<Vec<u8>>) -> PageText {
        PageText {
            compressed: compressed.map(Arc::from),
            ..PageText::default()
        }
    }

    /// The text without breadcrumbs, navigation between articles, CMS markup and site
    /// boilerplate (decompressed once).
    pub fn get(&self) -> &str {
        self.readable.get_or_init(|| {
            let text = readable_text(&self.decompressed());
            if self.boilerplate.is_empty() {
                return text;
            }
            let kept: Vec<&str> = text.lines().filter(|l| !self.boilerplate.contains(l.trim())).collect();
            kept.join("\n")
        })
    }

    fn decompressed(&self) -> String {
        let Some(data) = &self.compressed else {
            return String::new();
        };
        match zstd::stream::decode_all(&data[..]) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                // A damaged text blob reads as empty (the rule then finds nothing) rather than
                // failing the whole assessment; `zwgk extract --force` rebuilds it.
                tracing::warn!(error = %e, "stored page text cannot be decompressed");
                String::new()
            }
        }
    }
}

/// The first `YYYY-MM-DD` of a stored date value.
pub fn day(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.get(..10)?, "%Y-%m-%d").ok()
}

/// Breadcrumb entries that name no column.
fn is_crumb_noise(entry: &str) -> bool {
    let e = entry.trim();
    e.is_empty()
        || matches!(
            e,
            "首页"
                | "网站首页"
                | "主页"
                | "正文"
                | "详情"
                | "内容"
                | "正文内容"
                | "文章详情"
                | "详细内容"
                | "浏览"
                | "阅读"
        )
}

/// Parses the pages on every core.
pub(super) fn parse_pages(rows: &[AssessPage], index_of: &HashMap<i64, usize>) -> Vec<Page> {
    crate::parallel::map(rows, |row| page_of(row, index_of))
}

fn page_of(row: &AssessPage, index_of: &HashMap<i64, usize>) -> Page {
    // Facts that do not parse are a page with no facts (logged): the run is still judged.
    let facts: StoredFacts = serde_json::from_str(&row.facts).unwrap_or_else(|e| {
        tracing::warn!(url = %row.url, error = %e, "stored facts cannot be read");
        StoredFacts::default()
    });
    let breadcrumb: Vec<String> = facts
        .column_path
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !is_crumb_noise(c))
        .collect();
    let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    Page {
        title: facts.title.unwrap_or_default().trim().to_string(),
        pub_date: facts.pub_date.as_deref().and_then(day),
        // Last-Modified is the server's, not the publisher's: never a publication date.
        pub_date_source: facts.pub_date_source,
        pub_date_conflict: facts.pub_date_conflict,
        url_date: facts
            .pub_date_candidates
            .iter()
            .filter(|c| c.source == "url" || c.source == "objectid")
            .find_map(|c| day(&c.date)),
        doc_date: facts.doc_date.as_deref().and_then(day),
        event_dates: facts
            .event_dates
            .iter()
            .filter_map(|d| Some((d.label.clone(), day(&d.date)?)))
            .collect(),
        index_no: clean(facts.index_no),
        doc_no: clean(facts.doc_no),
        publisher: clean(facts.publisher),
        validity: clean(facts.validity),
        column: clean(facts.column).filter(|c| !is_crumb_noise(c)),
        breadcrumb,
        column_type: clean(facts.column_type),
        site_name: clean(facts.site_name),
        list_items: facts.list_items,
        tables: facts.tables,
        attachments: facts.attachments,
        forms: facts.forms,
        images: facts.images,
        text: PageText::stored(row.text_zstd.clone()),
        links: Vec::new(),
        url: row.url.clone(),
        kind: row.kind.clone(),
        fetched_at: row.fetched_at.clone(),
        sha256: row.sha256.clone(),
        discovered_from: row.discovered_from.and_then(|id| index_of.get(&id).copied()),
    }
    .without_last_modified_date()
}

impl Page {
    /// Facts stored by an older extractor may carry a Last-Modified publication date.
    fn without_last_modified_date(mut self) -> Page {
        if self.pub_date_source.as_deref() == Some("last_modified") {
            self.pub_date = None;
        }
        self
    }
}

/// Lines that are not the page's content: breadcrumbs (they repeat the column name),
/// navigation between articles (上一篇/下一篇 name other documents), page tools, and CMS record
/// markup left in list pages (Hanweb `<datastore>` CDATA).
fn is_chrome_line(line: &str) -> bool {
    const STARTS: &[&str] = &[
        "当前位置",
        "您的位置",
        "您现在的位置",
        "您当前的位置",
        "所在位置",
        "上一篇",
        "下一篇",
        "上一条",
        "下一条",
        "上一页",
        "下一页",
        "【打印",
        "【关闭",
        "【字体",
        "字体：",
        "字号：",
        "打印本页",
        "关闭窗口",
        "【我要纠错",
        "分享到",
    ];
    line.contains("]]>") || STARTS.iter().any(|s| line.starts_with(s))
}

pub(super) fn readable_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if is_chrome_line(line.trim()) {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&unquoted(line));
    }
    out
}

/// Quotation marks removed: “双公示”目录 is a 双公示目录. Page texts are read this way.
pub fn unquoted(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(QUOTES) {
        std::borrow::Cow::Owned(text.replace(QUOTES, ""))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

const QUOTES: &[char] = &['“', '”', '‘', '’', '"', '「', '」'];

/// Drops from each HTML page the lines that recur across the site — navigation, sidebars,
/// footers — so a word in the menu never counts as published content: a line is boilerplate
/// when it appears on pages of at least three columns and on at least max(8, 10 %) of pages.
/// The share is high enough that the section headings every 年度报告 shares (「四、政府信息
/// 公开行政复议、行政诉讼情况」) stay content even on a site with many departments' reports.
pub(super) fn strip_boilerplate(pages: &mut [Page]) {
    // Boilerplate is on many pages by definition, so an even sample of a large run finds the
    // same lines as reading every page, at a fraction of the cost. The sample is chosen by a
    // hash of the URL, not every n-th page: a stride can alias with the order pages were
    // stored in and miss whole columns.
    let candidates: Vec<usize> = (0..pages.len()).filter(|&i| pages[i].kind != "attachment").collect();
    let mut order: Vec<(u64, usize)> = candidates.iter().map(|&i| (fnv1a(&pages[i].url), i)).collect();
    order.sort_unstable();
    let sample: Vec<&Page> = order.iter().take(BOILERPLATE_SAMPLE).map(|&(_, i)| &pages[i]).collect();
    let texts = crate::parallel::map(&sample, |p| readable_text(&p.text.decompressed()));
    let threshold = (sample.len() / 10).max(8);
    let mut seen: HashMap<&str, (usize, Vec<&str>)> = HashMap::new();
    for (page, text) in sample.iter().zip(&texts) {
        let group = page.column.as_deref().unwrap_or_else(|| parent_dir(&page.url));
        let mut on_page = HashSet::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !on_page.insert(line) {
                continue;
            }
            let entry = seen.entry(line).or_default();
            entry.0 += 1;
            if entry.1.len() < 3 && !entry.1.contains(&group) {
                entry.1.push(group);
            }
        }
    }
    let boilerplate: Arc<HashSet<String>> = Arc::new(
        seen.into_iter()
            .filter(|(_, (count, groups))| *count >= threshold && groups.len() >= 3)
            .map(|(line, _)| line.to_string())
            .collect(),
    );
    for &i in &candidates {
        pages[i].text.boilerplate = Arc::clone(&boilerplate);
    }
}

/// FNV-1a: a stable hash (std's hasher is seeded per process, so samples would differ per run).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Pages read to find a run's boilerplate lines.
pub(super) const BOILERPLATE_SAMPLE: usize = 3_000;

pub(super) fn parent_dir(url: &str) -> &str {
    url.rfind('/').map_or(url, |i| &url[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_between_articles_is_not_content() {
        let text = "当前位置：首页 > 通知公告\n关于审计整改的公告\n正文第一段\n上一篇：关于2024年审计整改结果的公告\n下一篇：无\n【打印本页】【关闭窗口】";
        assert_eq!(readable_text(text), "关于审计整改的公告\n正文第一段");
    }

    #[test]
    fn breadcrumb_noise_names_no_column() {
        for noise in ["首页", "正文", " 详情 ", ""] {
            assert!(is_crumb_noise(noise), "{noise}");
        }
        assert!(!is_crumb_noise("政策文件"));
    }
}
