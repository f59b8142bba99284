//! What a crawl run shows of a site, in the shape the rules read: its pages (facts, cleaned
//! text, links, the fetch that is their evidence), its columns resolved to catalog keys with
//! their items, and the outcome of every URL the crawler tried. Built once per assessment from
//! the store's rows; pure, so the engine can be tested without a database.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use serde::Deserialize;

use super::columns::{ColumnDefs, ColumnMatch, Signal, SiteColumn, match_columns};
use super::rules::{ColumnView, Item};
use crate::extract::page::{AttachmentLink, Form, Image, LabelledDate, ListItem};
use crate::extract::table::Table;
use crate::store::{AssessPage, PageLink, UrlOutcome};

/// The subset of the stored facts JSON (the `zwgk inspect --json` contract) the rules read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredFacts {
    title: Option<String>,
    pub_date: Option<String>,
    pub_date_conflict: bool,
    doc_date: Option<String>,
    event_dates: Vec<LabelledDate>,
    validity: Option<String>,
    column: Option<String>,
    column_path: Vec<String>,
    column_type: Option<String>,
    list_items: Vec<ListItem>,
    tables: Vec<Table>,
    attachments: Vec<AttachmentLink>,
    forms: Vec<Form>,
    images: Vec<Image>,
}

/// One stored page as the rules see it.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub url: String,
    pub kind: String,
    pub title: String,
    pub pub_date: Option<NaiveDate>,
    pub pub_date_conflict: bool,
    pub doc_date: Option<NaiveDate>,
    /// Labelled dates on the page (许可决定日期, 来信时间, 答复时间 …).
    pub event_dates: Vec<(String, NaiveDate)>,
    pub validity: Option<String>,
    pub column: Option<String>,
    /// The last element of the breadcrumb.
    pub breadcrumb_last: Option<String>,
    pub column_type: Option<String>,
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

    /// The text without breadcrumbs, CMS markup and site boilerplate (decompressed once).
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
}

/// The first `YYYY-MM-DD` of a stored date value.
pub fn day(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.get(..10)?, "%Y-%m-%d").ok()
}

/// A run's site, ready for the rules.
#[derive(Debug, Clone, Default)]
pub struct SiteView {
    pub origin: String,
    pub pages: Vec<Page>,
    by_url: HashMap<String, usize>,
    pub home: Option<usize>,
    /// Catalog column key → the site columns it resolved to.
    pub columns: BTreeMap<String, Vec<ColumnView>>,
    /// Every named column the crawl found, whatever key it matched (for 空白栏目).
    pub all_columns: Vec<ColumnView>,
    /// Why each site column went to its key (shown by `zwgk columns` and in reasons).
    pub matches: Vec<ColumnMatch>,
    /// URL → the run's outcome for it.
    pub outcomes: HashMap<String, UrlOutcome>,
}

/// Column keys a site profile pins to URLs, replacing the heuristics for those keys.
pub type Pins = BTreeMap<String, Vec<String>>;

impl SiteView {
    pub fn page(&self, url: &str) -> Option<&Page> {
        self.by_url.get(url).map(|&i| &self.pages[i])
    }

    pub fn home_page(&self) -> Option<&Page> {
        self.home.map(|i| &self.pages[i])
    }

    /// The site columns of a key (`home` is the home page); `a|b` is the union of two keys.
    pub fn column(&self, key: &str) -> std::borrow::Cow<'_, [ColumnView]> {
        if !key.contains('|') {
            return std::borrow::Cow::Borrowed(self.columns.get(key).map(Vec::as_slice).unwrap_or(&[]));
        }
        let mut out: Vec<ColumnView> = Vec::new();
        for k in key.split('|').map(str::trim) {
            for c in self.columns.get(k).into_iter().flatten() {
                if !out.iter().any(|o| o.url == c.url) {
                    out.push(c.clone());
                }
            }
        }
        std::borrow::Cow::Owned(out)
    }

    /// Builds the view from a run's stored rows.
    pub fn build(
        origin: &str,
        start_url: &str,
        rows: Vec<AssessPage>,
        links: Vec<PageLink>,
        outcomes: Vec<UrlOutcome>,
        defs: &ColumnDefs,
        pins: &Pins,
    ) -> SiteView {
        let mut view = SiteView {
            origin: origin.to_string(),
            ..SiteView::default()
        };
        let id_to_index: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, r)| (r.url_id, i)).collect();
        let discovered_from: Vec<Option<usize>> = rows
            .iter()
            .map(|r| r.discovered_from.and_then(|id| id_to_index.get(&id).copied()))
            .collect();
        let t = std::time::Instant::now();
        let mut pages = parse_pages(rows);
        tracing::debug!(ms = t.elapsed().as_millis(), "facts parsed");
        strip_boilerplate(&mut pages);
        tracing::debug!(ms = t.elapsed().as_millis(), "boilerplate removed");

        // Links, paging relations and the anchor texts that name each target.
        let mut paging: HashMap<usize, Vec<String>> = HashMap::new();
        let mut anchors: HashMap<String, Vec<String>> = HashMap::new();
        for link in links {
            let Some(&from) = id_to_index.get(&link.from) else {
                continue;
            };
            if link.kind == "paging" {
                paging.entry(from).or_default().push(link.to.clone());
            }
            let anchor = link.anchor.trim();
            if !anchor.is_empty() {
                let list = anchors.entry(link.to.clone()).or_default();
                if list.len() < 20 && !list.iter().any(|a| a == anchor) {
                    list.push(anchor.to_string());
                }
            }
            pages[from].links.push((link.to, link.anchor));
        }
        tracing::debug!(ms = t.elapsed().as_millis(), "links placed");
        view.by_url = pages.iter().enumerate().map(|(i, p)| (p.url.clone(), i)).collect();
        view.home = pages
            .iter()
            .position(|p| p.url == start_url)
            .or_else(|| pages.iter().position(|p| p.kind == "home"));

        // Paging windows and unnamed list pages found from a list page belong to its column.
        let mut family: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, page) in pages.iter().enumerate() {
            if page.kind != "list" || page.column.is_some() {
                continue;
            }
            if let Some(parent) = discovered_from[i]
                && pages[parent].kind == "list"
            {
                family.entry(parent).or_default().push(i);
            }
        }
        for (from, targets) in &paging {
            for target in targets {
                if let Some(&t) = view.by_url.get(target)
                    && !family.get(from).is_some_and(|f| f.contains(&t))
                {
                    family.entry(*from).or_default().push(t);
                }
            }
        }

        // List pages, and undated pages that name their column (a column with one or two
        // items, a 目录 table, an application form), are the site's columns.
        let mut site_columns = Vec::new();
        let mut column_views: HashMap<String, ColumnView> = HashMap::new();
        for (i, page) in pages.iter().enumerate() {
            if !is_column_page(page) {
                continue;
            }
            let facts_name = page.column.clone();
            let column_type = page_column_type(page);
            let mut signals = Vec::new();
            if let Some(name) = &facts_name {
                signals.push((Signal::ColumnName, name.clone()));
            }
            if let Some(last) = page_breadcrumb(page) {
                signals.push((Signal::Breadcrumb, last));
            }
            if !page.title.is_empty() {
                signals.push((Signal::Title, page.title.clone()));
            }
            signals.extend(
                anchors
                    .get(&page.url)
                    .into_iter()
                    .flatten()
                    .map(|a| (Signal::Anchor, a.clone())),
            );
            if facts_name.is_none() && !signals.iter().any(|(s, _)| *s == Signal::Breadcrumb) {
                // A paging window or a fragment: part of another column, not a column itself.
                if discovered_from[i].is_some_and(|p| pages[p].kind == "list") {
                    continue;
                }
            }
            let mut members = vec![i];
            let mut queue = vec![i];
            while let Some(p) = queue.pop() {
                for &m in family.get(&p).into_iter().flatten() {
                    if !members.contains(&m) {
                        members.push(m);
                        queue.push(m);
                    }
                }
            }
            let name = facts_name
                .or_else(|| page_breadcrumb(page))
                .unwrap_or_else(|| page.title.clone());
            column_views.insert(page.url.clone(), column_of(&name, &members, &pages, &view.by_url));
            site_columns.push(SiteColumn {
                url: page.url.clone(),
                signals,
                column_type,
            });
        }
        tracing::debug!(
            ms = t.elapsed().as_millis(),
            columns = site_columns.len(),
            "columns built"
        );
        view.matches = match_columns(defs, &site_columns);
        for m in &view.matches {
            if pins.contains_key(&m.key) {
                continue;
            }
            if let Some(c) = column_views.get(&m.url) {
                view.columns.entry(m.key.clone()).or_default().push(c.clone());
            }
        }
        for (key, urls) in pins {
            let pinned: Vec<ColumnView> = urls
                .iter()
                .filter_map(|u| {
                    let url = absolute(origin, u);
                    column_views.get(&url).cloned().or_else(|| {
                        let i = *view.by_url.get(&url)?;
                        Some(column_of(&pages[i].title, &[i], &pages, &view.by_url))
                    })
                })
                .collect();
            view.matches.extend(pinned.iter().map(|c| ColumnMatch {
                key: key.clone(),
                url: c.url.clone(),
                score: usize::MAX,
                reason: "站点配置文件指定".to_string(),
            }));
            view.columns.insert(key.clone(), pinned);
        }
        if let Some(h) = view.home {
            let home = column_of("网站首页", &[h], &pages, &view.by_url);
            view.columns.insert("home".to_string(), vec![home]);
        }
        let mut all: Vec<ColumnView> = column_views.into_values().collect();
        all.sort_by(|a, b| a.url.cmp(&b.url));
        view.all_columns = all;
        view.outcomes = outcomes.into_iter().map(|o| (o.url.clone(), o)).collect();
        view.pages = pages;
        view
    }
}

fn is_column_page(page: &Page) -> bool {
    match page.kind.as_str() {
        "list" => true,
        "other" | "article" => page.pub_date.is_none() && (page.column.is_some() || page.breadcrumb_last.is_some()),
        _ => false,
    }
}

fn absolute(origin: &str, url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_string()
    } else {
        format!("{}/{}", origin.trim_end_matches('/'), url.trim_start_matches('/'))
    }
}

fn page_breadcrumb(page: &Page) -> Option<String> {
    page.breadcrumb_last.clone()
}

fn page_column_type(page: &Page) -> Option<String> {
    page.column_type.clone()
}

/// A column's view: its pages' list items, dated by the item page when crawled.
fn column_of(name: &str, members: &[usize], pages: &[Page], by_url: &HashMap<String, usize>) -> ColumnView {
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let member_urls: HashSet<&str> = members.iter().map(|&m| pages[m].url.as_str()).collect();
    for &m in members {
        for item in &pages[m].list_items {
            if member_urls.contains(item.url.as_str()) || !seen.insert(item.url.clone()) {
                continue;
            }
            let page = by_url.get(&item.url).map(|&i| &pages[i]);
            let date = page
                .and_then(|p| p.pub_date)
                .or_else(|| item.date.as_deref().and_then(day));
            let title = if item.title.trim().is_empty() {
                page.map(|p| p.title.clone()).unwrap_or_default()
            } else {
                item.title.trim().to_string()
            };
            items.push(Item {
                title,
                url: item.url.clone(),
                date,
            });
        }
    }
    ColumnView {
        name: name.to_string(),
        url: pages[members[0]].url.clone(),
        pages: members.iter().map(|&m| pages[m].url.clone()).collect(),
        items,
    }
}

/// Parses the pages on every core.
fn parse_pages(rows: Vec<AssessPage>) -> Vec<Page> {
    crate::parallel::map(&rows, page_of)
}

fn page_of(row: &AssessPage) -> Page {
    let facts: StoredFacts = serde_json::from_str(&row.facts).unwrap_or_default();
    Page {
        title: facts.title.unwrap_or_default().trim().to_string(),
        pub_date: facts.pub_date.as_deref().and_then(day),
        pub_date_conflict: facts.pub_date_conflict,
        doc_date: facts.doc_date.as_deref().and_then(day),
        event_dates: facts
            .event_dates
            .iter()
            .filter_map(|d| Some((d.label.clone(), day(&d.date)?)))
            .collect(),
        validity: facts.validity,
        column: facts.column.filter(|c| !c.trim().is_empty()),
        breadcrumb_last: facts.column_path.last().cloned(),
        column_type: facts.column_type,
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
    }
}

/// The page's text without what is not content: breadcrumbs (they repeat the column name)
/// and CMS record markup left in list pages (Hanweb `<datastore>` CDATA).
fn readable_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let l = line.trim();
        if l.contains("]]>") || l.starts_with("当前位置") || l.starts_with("您的位置") || l.starts_with("您现在的位置")
        {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&super::content::unquoted(line));
    }
    out
}

/// Drops from each HTML page the lines that recur across the site — navigation, sidebars,
/// footers — so a word in the menu never counts as published content: a line is boilerplate
/// when it appears on pages of at least three columns and on at least max(8, 2 %) of pages.
fn strip_boilerplate(pages: &mut [Page]) {
    // Boilerplate is on many pages by definition, so an even sample of a large run finds the
    // same lines as reading every page, at a fraction of the cost.
    // The sample is chosen by a hash of the URL, not every n-th page: a stride can alias
    // with the order pages were stored in and miss whole columns.
    let candidates: Vec<usize> = (0..pages.len()).filter(|&i| pages[i].kind != "attachment").collect();
    let mut order: Vec<(u64, usize)> = candidates.iter().map(|&i| (fnv1a(&pages[i].url), i)).collect();
    order.sort_unstable();
    let sample: Vec<&Page> = order.iter().take(BOILERPLATE_SAMPLE).map(|&(_, i)| &pages[i]).collect();
    let texts = sample_texts(&sample);
    let threshold = (sample.len() / 50).max(8);
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
const BOILERPLATE_SAMPLE: usize = 3_000;

/// The readable text of the sampled pages, decompressed on every core.
fn sample_texts(sample: &[&Page]) -> Vec<String> {
    crate::parallel::map(sample, |p| readable_text(&p.text.decompressed()))
}

fn parent_dir(url: &str) -> &str {
    url.rfind('/').map_or(url, |i| &url[..i])
}

#[cfg(test)]
impl SiteView {
    /// A view from hand-made pages and columns, for the rules' unit tests.
    pub(crate) fn for_tests(
        pages: Vec<Page>,
        columns: BTreeMap<String, Vec<ColumnView>>,
        home: Option<&str>,
    ) -> SiteView {
        let by_url = pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.url.clone(), i))
            .collect::<HashMap<_, _>>();
        SiteView {
            origin: "http://a.gov.cn".to_string(),
            home: home.and_then(|h| by_url.get(h).copied()),
            by_url,
            pages,
            columns,
            ..SiteView::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, url: &str, column: &str, text: Option<Vec<u8>>) -> AssessPage {
        AssessPage {
            url_id: id,
            url: url.to_string(),
            kind: "article".to_string(),
            facts: format!(r#"{{"title":"第{id}篇","pub_date":"2025-03-05","column":"{column}"}}"#),
            text_zstd: text,
            sha256: format!("{id:064}"),
            fetched_at: "2026-01-10T00:00:00Z".to_string(),
            discovered_from: None,
        }
    }

    /// A view of stored rows with no links, outcomes or pins.
    fn view_of(rows: Vec<AssessPage>) -> SiteView {
        SiteView::build(
            "http://a.gov.cn",
            "http://a.gov.cn/",
            rows,
            Vec::new(),
            Vec::new(),
            &ColumnDefs::bundled(),
            &Pins::new(),
        )
    }

    fn packed(text: &str) -> Option<Vec<u8>> {
        Some(zstd::bulk::compress(text.as_bytes(), 3).unwrap())
    }

    #[test]
    fn boilerplate_of_a_large_run_is_found_from_a_sample_and_removed_on_read() {
        // More pages than the sample, so the sample path is what finds the footer.
        let columns = ["通知公告", "政策文件", "政务动态", "人事信息"];
        let rows: Vec<AssessPage> = (0..(BOILERPLATE_SAMPLE as i64 + 1_500))
            .map(|i| {
                let column = columns[i as usize % columns.len()];
                let text = format!("当前位置：首页 > {column}\n第{i}号通知正文\n版权所有：周村区人民政府办公室");
                row(i, &format!("http://a.gov.cn/art/{i}.html"), column, packed(&text))
            })
            .collect();
        let view = view_of(rows);
        let page = view.page("http://a.gov.cn/art/4321.html").unwrap();
        assert_eq!(page.text(), "第4321号通知正文");
        assert_eq!(page.title, "第4321篇");
    }

    #[test]
    fn a_damaged_text_blob_reads_as_empty_instead_of_failing_the_run() {
        let rows = vec![
            row(1, "http://a.gov.cn/art/1.html", "通知公告", Some(b"not zstd".to_vec())),
            row(2, "http://a.gov.cn/art/2.html", "通知公告", packed("正文")),
        ];
        let view = view_of(rows);
        assert_eq!(view.page("http://a.gov.cn/art/1.html").unwrap().text(), "");
        assert_eq!(view.page("http://a.gov.cn/art/2.html").unwrap().text(), "正文");
    }
}
