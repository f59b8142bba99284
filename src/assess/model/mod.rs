//! The site model: what a crawl run shows of a site, built once per assessment from the
//! store's rows — its pages, its column tree (from list pages, their paging windows,
//! breadcrumbs, ColumnName/ColumnType metas, URL structure and what links to what), the
//! catalog's column keys resolved against that tree, and every document with the columns
//! that list it. Pure, so the rules can be tested without a database.

mod page;
mod tree;

pub mod docs;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

pub use page::{DetailSource, Details, Digest, Interner, Page, PageDetail, Part, Text, day, unquoted};

use super::columns::{ColumnDefs, ColumnMatch};
use crate::store::{AssessPage, UrlOutcome};

/// One item of a column list.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub title: String,
    pub url: String,
    pub date: Option<NaiveDate>,
}

/// A column (栏目) of the site: its list page and paging windows, and the items they list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnView {
    pub name: String,
    pub url: String,
    /// The column's own pages: its list page and paging windows.
    pub pages: Vec<String>,
    /// Items listed on those pages, each once.
    pub items: Vec<Item>,
    pub column_type: Option<String>,
    /// Index of the parent column in [`SiteView::columns`].
    pub parent: Option<usize>,
    pub children: Vec<usize>,
}

/// Column keys a site profile pins to URLs, replacing the heuristics for those keys.
pub type Pins = BTreeMap<String, Vec<String>>;

/// A run's site, ready for the rules.
#[derive(Debug, Clone, Default)]
pub struct SiteView {
    pub origin: String,
    /// The district as the site names itself (「临河区」), from SiteName or the home page.
    pub district: Option<String>,
    pub pages: Vec<Page>,
    by_url: UrlIndex,
    pub home: Option<usize>,
    /// Every column of the site.
    pub columns: Vec<ColumnView>,
    /// Catalog column key → the columns it resolved to (indices into `columns`).
    pub keyed: BTreeMap<String, Vec<usize>>,
    /// Why each column went to its key (shown by `zwgk columns` and in reasons).
    pub matches: Vec<ColumnMatch>,
    /// URL → the run's outcome for it, for the URLs that did not simply answer (blocked,
    /// failed, unreached, HTTP 4xx/5xx).
    pub outcomes: HashMap<String, UrlOutcome>,
    /// Hashes of the URLs the run fetched without a problem.
    ok_urls: std::collections::HashSet<u64>,
    /// Where pages' details are read from (None: hand-made pages carry their own).
    details: Option<std::sync::Arc<Details>>,
    /// Document URL → the columns that list it.
    listed_in: HashMap<u128, Listed>,
    /// Columns of news (动态, 要闻): their stories are not disclosures.
    news: std::collections::HashSet<usize>,
    /// Every document of the site, newest first (built on first use).
    all_docs: std::sync::OnceLock<Vec<docs::DocRef>>,
    /// Items that appeared later than they claim (first-seen evidence), by URL.
    pub backdated: HashMap<String, crate::assess::first_seen::Backdating>,
}

impl SiteView {
    /// A listed item whose page answered 404 or 410 in this run: the title is still in the
    /// list, but nothing is published behind it.
    pub fn gone(&self, url: &str) -> bool {
        self.outcomes
            .get(url)
            .and_then(|o| o.status)
            .is_some_and(|s| s == 404 || s == 410)
    }

    /// Whether the run fetched the URL without a problem (see [`SiteView::outcomes`]).
    pub fn fetched_ok(&self, url: &str) -> bool {
        self.ok_urls.contains(&page::fnv1a(url))
    }

    /// Calls `f` with the details of the pages `which` selects (by their kept facts), in
    /// site order, read in batches and let go after each batch, until `f` says stop (false).
    /// The details carry no text (`PageDetail::text` is empty) unless it was in memory.
    pub fn scan_details(&self, which: impl Fn(&Page) -> bool, mut f: impl FnMut(&Page, &PageDetail) -> bool) {
        let wanted: Vec<usize> = (0..self.pages.len()).filter(|&i| which(&self.pages[i])).collect();
        page::for_each_detail(&self.pages, &wanted, false, page::PRELOAD_BATCH, |i, d| {
            f(&self.pages[i], d)
        });
    }

    /// Lets go of every detail read so far (they are read again when asked for).
    pub fn drop_details(&self) {
        page::drop_details(&self.pages);
    }

    /// Details the rules read from the store, and a read that failed (a verdict resting on a
    /// page zwgk could not read would be a guess, so the caller refuses the assessment).
    pub fn detail_reads(&self) -> (usize, Option<String>) {
        use std::sync::atomic::Ordering;
        match &self.details {
            Some(d) => (
                d.loads.load(Ordering::Relaxed),
                (d.failures.load(Ordering::Relaxed) > 0).then(|| d.first_error.get().cloned().unwrap_or_default()),
            ),
            None => (0, None),
        }
    }

    pub fn page(&self, url: &str) -> Option<&Page> {
        self.by_url.get(url).map(|&i| &self.pages[i])
    }

    pub fn home_page(&self) -> Option<&Page> {
        self.home.map(|i| &self.pages[i])
    }

    /// The columns of a key (`a|b`: the union of two keys), each once.
    pub fn key_columns(&self, key: &str) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for k in key.split('|').map(str::trim) {
            for &c in self.keyed.get(k).into_iter().flatten() {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// The columns and every column below them.
    pub fn with_descendants(&self, columns: &[usize]) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut queue: Vec<usize> = columns.to_vec();
        while let Some(c) = queue.pop() {
            if out.contains(&c) {
                continue;
            }
            out.push(c);
            queue.extend(self.columns[c].children.iter().copied());
        }
        out
    }

    /// Whether a document is listed only in news columns (and listed somewhere).
    pub fn is_news(&self, url: &str) -> bool {
        let listed = self.listed_in(url);
        !listed.is_empty() && listed.iter().all(|c| self.news.contains(c))
    }

    /// The columns that list a document.
    pub fn listed_in(&self, url: &str) -> &[usize] {
        self.listed_in.get(&url_key(url)).map(Listed::as_slice).unwrap_or(&[])
    }

    /// A column's name with its parents (「信息公开 > 财政预决算」).
    pub fn column_path(&self, column: usize) -> String {
        let mut names = vec![self.columns[column].name.clone()];
        let mut at = self.columns[column].parent;
        let mut guard = 0;
        while let Some(p) = at
            && guard < 8
        {
            names.push(self.columns[p].name.clone());
            at = self.columns[p].parent;
            guard += 1;
        }
        names.reverse();
        names.join(" > ")
    }

    /// Builds the view from a run's pages (their details read through `details`) and the
    /// outcome of every URL the run tried.
    pub fn build(
        origin: &str,
        start_url: &str,
        rows: PageRows,
        outcomes: Outcomes,
        defs: &ColumnDefs,
        pins: &Pins,
        details: Option<std::sync::Arc<Details>>,
    ) -> SiteView {
        let t = std::time::Instant::now();
        let PageRows {
            mut pages,
            ids,
            found_from,
            ..
        } = rows;
        let index_of: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        for (page, from) in pages.iter_mut().zip(found_from) {
            page.discovered_from = from.and_then(|id| index_of.get(&id).copied());
        }
        drop(index_of);
        if let Some(reader) = &details {
            page::find_boilerplate(&pages, reader);
        }
        tracing::debug!(ms = t.elapsed().as_millis(), memory = ?memory_mb(), "boilerplate found");
        // Pages that list things or are not documents are the material of the column tree:
        // their details (items, links, paging) are read in batches.
        let listing: Vec<usize> = (0..pages.len())
            .filter(|&i| !pages[i].is_document() || pages[i].listed > 0)
            .collect();
        let by_url = UrlIndex::of(&pages);
        let home = pages
            .iter()
            .position(|p| p.url == start_url)
            .or_else(|| pages.iter().position(|p| p.kind == "home"));
        let mut view = SiteView {
            origin: origin.to_string(),
            by_url,
            home,
            details,
            ..SiteView::default()
        };
        view.district = home.and_then(|h| district_of(&pages[h]));
        let built = tree::build(&pages, &view.by_url, home, &listing, defs, pins, origin);
        view.columns = built.columns;
        view.keyed = built.keyed;
        view.matches = built.matches;
        for (c, column) in view.columns.iter().enumerate() {
            for item in &column.items {
                view.listed_in.entry(url_key(&item.url)).or_default().add(c);
            }
        }
        let named_news: Vec<usize> = view
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                ["新闻", "动态", "要闻", "资讯", "图片新闻"]
                    .iter()
                    .any(|w| c.name.contains(w))
                    && !c.name.contains("公开")
            })
            .map(|(i, _)| i)
            .collect();
        let mut news_roots = view.key_columns("news");
        news_roots.extend(named_news);
        view.news = view.with_descendants(&news_roots).into_iter().collect();
        tracing::debug!(
            ms = t.elapsed().as_millis(),
            columns = view.columns.len(),
            memory = ?memory_mb(),
            "columns built"
        );
        view.outcomes = outcomes.problems;
        view.ok_urls = outcomes.ok;
        view.pages = pages;
        // The tree's material is let go; rules read what they need again.
        view.drop_details();
        view
    }
}

/// Resident and peak memory in MB (Linux), for the debug log of a large assessment.
pub fn memory_mb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A 128-bit key of a URL from two independent hashes: maps keyed by it hold no copy of the
/// URL, and two URLs of a run sharing one is not a practical concern (about 2^-128 per pair).
pub fn url_key(url: &str) -> u128 {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed zero keys: the same in every process.
    let mut sip = std::hash::DefaultHasher::new();
    url.hash(&mut sip);
    (u128::from(page::fnv1a(url)) << 64) | u128::from(sip.finish())
}

/// The columns listing a document: almost always one, kept without an allocation.
#[derive(Debug, Clone)]
enum Listed {
    One([usize; 1]),
    Many(Vec<usize>),
}

impl Default for Listed {
    fn default() -> Listed {
        Listed::Many(Vec::new())
    }
}

impl Listed {
    fn add(&mut self, column: usize) {
        match self {
            Listed::One([c]) if *c == column => {}
            Listed::One([c]) => *self = Listed::Many(vec![*c, column]),
            Listed::Many(v) if v.is_empty() => *self = Listed::One([column]),
            Listed::Many(v) => {
                if !v.contains(&column) {
                    v.push(column);
                }
            }
        }
    }

    fn as_slice(&self) -> &[usize] {
        match self {
            Listed::One(c) => c,
            Listed::Many(v) => v,
        }
    }
}

/// Page index by URL, without a copy of every URL.
#[derive(Debug, Clone, Default)]
pub struct UrlIndex(HashMap<u128, usize>);

impl UrlIndex {
    pub fn of(pages: &[Page]) -> UrlIndex {
        UrlIndex(pages.iter().enumerate().map(|(i, p)| (url_key(&p.url), i)).collect())
    }

    pub fn get(&self, url: &str) -> Option<&usize> {
        self.0.get(&url_key(url))
    }

    pub fn contains_key(&self, url: &str) -> bool {
        self.0.contains_key(&url_key(url))
    }
}

/// A run's pages as they stream from the store: what is kept of each, with the store ids
/// that resolve who discovered whom.
#[derive(Debug, Default)]
pub struct PageRows {
    words: Interner,
    pages: Vec<Page>,
    ids: Vec<i64>,
    found_from: Vec<Option<i64>>,
}

impl PageRows {
    /// Parses a batch of streamed rows (on every core) and keeps them.
    pub fn push(&mut self, rows: &[AssessPage], details: Option<&std::sync::Arc<Details>>) {
        self.pages.extend(page::parse_pages(rows, details, &self.words));
        self.ids.extend(rows.iter().map(|r| r.url_id));
        self.found_from.extend(rows.iter().map(|r| r.discovered_from));
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

/// What happened to each URL of a run, kept small: the problems in full, the rest as hashes.
#[derive(Debug, Default)]
pub struct Outcomes {
    problems: HashMap<String, UrlOutcome>,
    ok: std::collections::HashSet<u64>,
}

impl Outcomes {
    pub fn add(&mut self, outcome: UrlOutcome) {
        if outcome.is_ok() {
            self.ok.insert(page::fnv1a(&outcome.url));
        } else {
            self.problems.insert(outcome.url.clone(), outcome);
        }
    }

    /// How many URLs the run tried.
    pub fn len(&self) -> usize {
        self.problems.len() + self.ok.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The district a site belongs to, from its SiteName meta or home title: 「XX区人民政府」 → XX区.
fn district_of(home: &Page) -> Option<String> {
    static NAME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"([\p{Han}]{1,10}?(?:自治县|自治旗|新区|区|县|市|旗))(?:人民政府|政府)")
            .expect("valid regex")
    });
    [home.site_name.as_deref(), Some(home.title.as_str())]
        .into_iter()
        .flatten()
        .find_map(|text| NAME.captures(text).map(|c| c[1].to_string()))
        .map(|name| {
            // 「XX省XX市XX区」: the last administrative unit is the district.
            let cut = ["省", "市"]
                .iter()
                .filter_map(|u| name.rfind(u).filter(|&i| i + u.len() < name.len()).map(|i| i + u.len()))
                .max();
            cut.map_or(name.clone(), |i| name[i..].to_string())
        })
}

#[cfg(test)]
impl SiteView {
    /// A view from hand-made pages and columns, for the rules' unit tests: each key gets the
    /// columns given for it.
    pub(crate) fn for_tests(
        pages: Vec<Page>,
        keyed: BTreeMap<String, Vec<ColumnView>>,
        home: Option<&str>,
    ) -> SiteView {
        let by_url = UrlIndex::of(&pages);
        let mut view = SiteView {
            origin: "http://a.gov.cn".to_string(),
            home: home.and_then(|h| by_url.get(h).copied()),
            by_url,
            pages,
            ..SiteView::default()
        };
        for (key, columns) in keyed {
            for column in columns {
                let index = match view.columns.iter().position(|c| c.url == column.url) {
                    Some(i) => i,
                    None => {
                        view.columns.push(column);
                        view.columns.len() - 1
                    }
                };
                view.keyed.entry(key.clone()).or_default().push(index);
            }
        }
        for (c, column) in view.columns.iter().enumerate() {
            for item in &column.items {
                view.listed_in.entry(url_key(&item.url)).or_default().add(c);
            }
        }
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store stand-in: every page has a 1 MB text; counts what it is asked for, or fails.
    #[derive(Debug, Default)]
    struct FakeStore {
        asked: std::sync::atomic::AtomicUsize,
        fail: bool,
    }

    impl DetailSource for FakeStore {
        fn load(&self, keys: &[crate::store::DetailKey]) -> Result<Vec<crate::store::StoredDetail>, String> {
            self.asked.fetch_add(keys.len(), std::sync::atomic::Ordering::Relaxed);
            if self.fail {
                return Err("disk I/O error".to_string());
            }
            let text =
                zstd::stream::encode_all("政务公开\n".repeat(100_000).as_bytes(), 3).map_err(|e| e.to_string())?;
            Ok(keys
                .iter()
                .map(|_| crate::store::StoredDetail {
                    facts: "{}".to_string(),
                    text_zstd: Some(text.clone()),
                    links: Vec::new(),
                })
                .collect())
        }
    }

    fn stored_view(pages: usize, source: FakeStore) -> (SiteView, std::sync::Arc<Details>) {
        let details = std::sync::Arc::new(Details::new(Box::new(source)));
        let rows: Vec<AssessPage> = (0..pages)
            .map(|i| AssessPage {
                url_id: i as i64 + 1,
                facts_id: i as i64 + 1,
                url: format!("http://a.gov.cn/art/{i}.html"),
                kind: "article".to_string(),
                facts: r#"{"title":"关于某事的通知"}"#.to_string(),
                sha256: "0".repeat(64),
                fetched_at: "2026-01-15T00:00:00Z".to_string(),
                discovered_from: None,
                links_from: None,
            })
            .collect();
        let mut page_rows = PageRows::default();
        page_rows.push(&rows, Some(&details));
        let view = SiteView::build(
            "http://a.gov.cn",
            "http://a.gov.cn/",
            page_rows,
            Outcomes::default(),
            &ColumnDefs::bundled(),
            &Pins::new(),
            Some(std::sync::Arc::clone(&details)),
        );
        (view, details)
    }

    #[test]
    fn page_details_are_read_on_demand_and_held_within_the_budget() {
        // 40 pages of ~1.5 MB of text each: 60 MB if all were kept.
        let (view, details) = stored_view(40, FakeStore::default());
        let asked_after_build = details.loads.load(std::sync::atomic::Ordering::Relaxed);
        for page in &view.pages {
            assert!(page.text().starts_with("政务公开"));
        }
        let held = details.cached_bytes();
        assert!(held <= page::CACHE_BUDGET, "cache holds {held} bytes");
        assert!(held > 0);
        // The first page was let go to stay in budget: reading it again asks the store again.
        let before = details.loads.load(std::sync::atomic::Ordering::Relaxed);
        assert!(view.pages[0].text().starts_with("政务公开"));
        assert_eq!(details.loads.load(std::sync::atomic::Ordering::Relaxed), before + 1);
        assert!(before >= asked_after_build + 40);
        assert_eq!(view.detail_reads().1, None);
    }

    #[test]
    fn a_failed_read_is_reported_not_taken_for_an_empty_page() {
        let (view, _) = stored_view(
            3,
            FakeStore {
                fail: true,
                ..FakeStore::default()
            },
        );
        assert_eq!(&*view.pages[1].text(), "");
        let (_, failed) = view.detail_reads();
        assert_eq!(failed.as_deref(), Some("disk I/O error"));
    }

    #[test]
    fn the_district_comes_from_the_site() {
        let cases = [
            (Some("临河区人民政府"), "首页", Some("临河区")),
            (None, "欢迎访问江东市青岚区人民政府门户网站", Some("青岚区")),
            (None, "山东省淄博市周村区人民政府", Some("周村区")),
            (None, "某某县人民政府网", Some("某某县")),
            (None, "首页", None),
        ];
        for (site_name, title, want) in cases {
            let mut home = Page {
                title: title.to_string(),
                ..Page::default()
            };
            home.site_name = site_name.map(Into::into);
            assert_eq!(district_of(&home).as_deref(), want, "{title}");
        }
    }
}
