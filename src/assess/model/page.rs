//! One stored page as the rules see it. What locates, names and dates a page (its facts'
//! metadata, `zwgk inspect --json`) is kept for every page of the run; its detail — readable
//! text, tables, attachments, list items, links — is read from the store when a rule or the
//! column tree asks for it, and dropped again between stages, so the model of a 200,000-page
//! site stays small.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};

use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::extract::page::{AttachmentLink, Form, Image, LabelledDate, ListItem};
use crate::extract::table::Table;
use crate::store::{AssessPage, DetailKey, StoredDetail};

/// The subset of the stored facts kept for every page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredFacts {
    title: Option<String>,
    pub_date: Option<String>,
    pub_date_source: Option<String>,
    pub_date_conflict: bool,
    doc_date: Option<String>,
    index_no: Option<String>,
    doc_no: Option<String>,
    publisher: Option<String>,
    validity: Option<String>,
    column: Option<String>,
    column_path: Vec<String>,
    column_type: Option<String>,
    /// Counted, not kept: the items are detail.
    list_items: Vec<IgnoredAny>,
    site_name: Option<String>,
    pub_date_candidates: Vec<StoredCandidate>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredCandidate {
    date: String,
    source: String,
}

/// The stored facts that are a page's detail.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DetailFacts {
    event_dates: Vec<LabelledDate>,
    list_items: Vec<ListItem>,
    tables: Vec<Table>,
    attachments: Vec<AttachmentLink>,
    forms: Vec<Form>,
    images: Vec<Image>,
}

/// A shared, immutable string. What many pages repeat — their kind, column, publisher,
/// breadcrumb — is stored once per run instead of once per page.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(Arc<str>);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(Arc::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Arc::from(s))
    }
}

/// A SHA-256 digest.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Digest([u8; 32]);

impl Digest {
    /// From 64 hex digits; anything else reads as all zeros (stored digests are always hex).
    pub fn of_hex(hex: &str) -> Digest {
        let mut out = [0u8; 32];
        if hex::decode_to_slice(hex, &mut out).is_err() {
            out = [0; 32];
        }
        Digest(out)
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Hands out one [`Text`] per distinct value, one breadcrumb per distinct path and one
/// [`PageMeta`] per distinct page description.
#[derive(Debug, Default)]
pub struct Interner {
    sets: std::sync::Mutex<Interned>,
}

/// Distinct strings, breadcrumbs and page descriptions.
type Interned = (HashSet<Text>, HashSet<Arc<[Text]>>, HashSet<Arc<PageMeta>>);

impl Interner {
    fn sets(&self) -> std::sync::MutexGuard<'_, Interned> {
        self.sets.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn text(&self, s: &str) -> Text {
        let mut sets = self.sets();
        if let Some(t) = sets.0.get(s) {
            return t.clone();
        }
        let t = Text::from(s);
        sets.0.insert(t.clone());
        t
    }

    fn path(&self, entries: Vec<String>) -> Arc<[Text]> {
        let texts: Vec<Text> = entries.iter().map(|e| self.text(e)).collect();
        let mut sets = self.sets();
        if let Some(p) = sets.1.get(texts.as_slice()) {
            return p.clone();
        }
        let p: Arc<[Text]> = Arc::from(texts);
        sets.1.insert(p.clone());
        p
    }

    fn meta(&self, meta: PageMeta) -> Arc<PageMeta> {
        let mut sets = self.sets();
        if let Some(m) = sets.2.get(&meta) {
            return m.clone();
        }
        let m = Arc::new(meta);
        sets.2.insert(m.clone());
        m
    }
}

/// One stored page as the rules see it. What it shares with many pages of its site (kind,
/// column, breadcrumb, publisher …) sits in one [`PageMeta`] per distinct combination, read
/// through the page as if it were its own (`page.column`): at 200,000 pages those eight
/// fields were a third of every page's 360 bytes.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub url: String,
    pub title: String,
    pub pub_date: Option<NaiveDate>,
    pub pub_date_conflict: bool,
    /// The date in the URL (Hanweb `/art/2025/3/5/`, TRS `t20250305_`) or a 山东 ObjectId: when
    /// the CMS created the page, whatever date the page shows.
    pub url_date: Option<NaiveDate>,
    pub doc_date: Option<NaiveDate>,
    pub index_no: Option<String>,
    pub doc_no: Option<String>,
    /// How many items the page lists (the items are detail).
    pub listed: usize,
    pub fetched_at: String,
    /// SHA-256 of the stored body (kept as bytes: as hex it was the largest field of a page).
    pub sha256: Digest,
    /// The store's id of the page that linked it first.
    pub discovered_from: Option<usize>,
    /// Shared with the pages that have the same; changed copy-on-write (see `DerefMut`).
    /// Visible to the crate for `..Page::default()`, like `detail`.
    pub(crate) meta: Arc<PageMeta>,
    /// Visible to the crate so hand-made pages can be written with `..Page::default()`.
    pub(crate) detail: Detail,
}

/// What a page says about its place and kind, usually the same for every page of a column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PageMeta {
    pub kind: Text,
    /// Where the publication date was read (`meta`, `visible_label`, `url` …).
    pub pub_date_source: Option<Text>,
    /// 发布机构 / 发文机关 of the metadata box.
    pub publisher: Option<Text>,
    pub validity: Option<Text>,
    /// The `ColumnName` meta, or the breadcrumb's column.
    pub column: Option<Text>,
    /// The breadcrumb without 首页 and 正文.
    pub breadcrumb: Arc<[Text]>,
    pub column_type: Option<Text>,
    pub site_name: Option<Text>,
}

impl std::ops::Deref for Page {
    type Target = PageMeta;
    fn deref(&self) -> &PageMeta {
        &self.meta
    }
}

impl std::ops::DerefMut for Page {
    /// A change to one page's kind or column is its own: the shared description is copied
    /// first if other pages hold it.
    fn deref_mut(&mut self) -> &mut PageMeta {
        Arc::make_mut(&mut self.meta)
    }
}

/// What only some rules read of a page.
#[derive(Debug, Clone, Default)]
pub struct PageDetail {
    /// Labelled dates on the page (许可决定日期, 来信时间, 答复时间 …).
    pub event_dates: Vec<(String, NaiveDate)>,
    pub list_items: Vec<ListItem>,
    pub tables: Vec<Table>,
    pub attachments: Vec<AttachmentLink>,
    pub forms: Vec<Form>,
    pub images: Vec<Image>,
    /// Visible text without navigation between articles, CMS markup and the lines repeated
    /// across the site (navigation, footers, sidebars).
    pub text: String,
    /// (target URL, anchor text).
    pub links: Vec<(String, String)>,
    /// The next windows of a column list (`paging` links).
    pub paging: Vec<String>,
}

/// Reads pages' stored details (the store, through a connection of its own).
pub trait DetailSource: Send + Sync + std::fmt::Debug {
    /// The details in the order asked; an error names what could not be read.
    fn load(&self, keys: &[DetailKey]) -> Result<Vec<StoredDetail>, String>;
}

/// A view's reader of details: the source, the site's boilerplate lines and a tally.
#[derive(Debug)]
pub struct Details {
    source: Box<dyn DetailSource>,
    /// Lines repeated across the site, removed from every text read after they are known.
    boilerplate: OnceLock<HashSet<String>>,
    /// Pages whose detail was read, and reads that failed (the assessment is then refused:
    /// a verdict on a page zwgk could not read would be a guess).
    pub loads: AtomicUsize,
    pub failures: AtomicUsize,
    pub first_error: OnceLock<String>,
    /// Details read recently, least recently used let go first once they pass the budget: a
    /// rule reading 7,000 documents' texts holds a few at a time, not all of them.
    cache: std::sync::Mutex<Cache>,
}

/// Recently read details by `page_facts` id, within a byte budget.
#[derive(Debug, Default)]
struct Cache {
    entries: HashMap<i64, (Arc<PageDetail>, u64)>,
    bytes: usize,
    tick: u64,
}

/// Bytes of page details kept in memory between uses.
pub(super) const CACHE_BUDGET: usize = 16 << 20;

impl Details {
    pub fn new(source: Box<dyn DetailSource>) -> Details {
        Details {
            source,
            boilerplate: OnceLock::new(),
            loads: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
            first_error: OnceLock::new(),
            cache: std::sync::Mutex::new(Cache::default()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn cached(&self, key: DetailKey) -> Option<Arc<PageDetail>> {
        let mut cache = self.cache();
        cache.tick += 1;
        let tick = cache.tick;
        cache.entries.get_mut(&key.facts_id).map(|(d, used)| {
            *used = tick;
            Arc::clone(d)
        })
    }

    fn keep(&self, key: DetailKey, detail: Arc<PageDetail>) {
        let mut cache = self.cache();
        cache.tick += 1;
        let tick = cache.tick;
        let size = detail.approximate_size();
        if let Some((old, _)) = cache.entries.insert(key.facts_id, (detail, tick)) {
            cache.bytes -= old.approximate_size();
        }
        cache.bytes += size;
        if cache.bytes > CACHE_BUDGET {
            // Let go of the least recently used half of the entries' bytes.
            let mut by_age: Vec<(u64, i64, usize)> = cache
                .entries
                .iter()
                .map(|(&id, (d, used))| (*used, id, d.approximate_size()))
                .collect();
            by_age.sort_unstable();
            for (_, id, size) in by_age {
                if cache.bytes <= CACHE_BUDGET / 2 {
                    break;
                }
                cache.entries.remove(&id);
                cache.bytes -= size;
            }
        }
    }

    /// Bytes of details the cache holds now.
    #[cfg(test)]
    pub(crate) fn cached_bytes(&self) -> usize {
        self.cache().bytes
    }

    /// Lets go of every cached detail.
    fn clear(&self) {
        let mut cache = self.cache();
        cache.entries.clear();
        cache.bytes = 0;
    }

    /// Reads and parses details; a failed read counts as a failure and reads as empty.
    fn read(&self, keys: &[DetailKey], pages: &[&Page], text: bool) -> Vec<PageDetail> {
        self.loads.fetch_add(keys.len(), Ordering::Relaxed);
        match self.source.load(keys) {
            Ok(stored) => stored
                .into_iter()
                .zip(pages)
                .map(|(d, page)| {
                    // An attachment's text is the file's: the site's menu lines are not in it.
                    let boilerplate = self.boilerplate.get().filter(|_| page.kind != "attachment");
                    detail_of(d, &page.url, boilerplate, text)
                })
                .collect(),
            Err(e) => {
                self.failed(keys.len(), e);
                keys.iter().map(|_| PageDetail::default()).collect()
            }
        }
    }

    /// The raw readable texts of pages (before boilerplate is known).
    fn raw_texts(&self, keys: &[DetailKey]) -> Vec<String> {
        match self.source.load(keys) {
            Ok(stored) => stored
                .iter()
                .map(|d| readable_text(&decompressed(d.text_zstd.as_deref())))
                .collect(),
            Err(e) => {
                self.failed(keys.len(), e);
                keys.iter().map(|_| String::new()).collect()
            }
        }
    }

    /// Counts a failed read (the first error is kept to be reported).
    fn failed(&self, pages: usize, error: String) {
        self.failures.fetch_add(pages, Ordering::Relaxed);
        let _ = self.first_error.set(error);
    }
}

/// Where a page's detail comes from: the store (through the view's reader and its cache), or
/// the page itself (hand-made pages).
#[derive(Debug, Clone, Default)]
pub(crate) struct Detail {
    key: Option<DetailKey>,
    reader: Option<Arc<Details>>,
    own: Option<Arc<PageDetail>>,
}

static EMPTY: LazyLock<Arc<PageDetail>> = LazyLock::new(|| Arc::new(PageDetail::default()));

/// A part of a page's detail (its text, tables, links …), holding the detail while in use.
pub struct Part<T: ?Sized + 'static> {
    detail: Arc<PageDetail>,
    get: fn(&PageDetail) -> &T,
}

impl<T: ?Sized> std::ops::Deref for Part<T> {
    type Target = T;
    fn deref(&self) -> &T {
        (self.get)(&self.detail)
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for Part<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl Default for Part<str> {
    fn default() -> Part<str> {
        Part {
            detail: Arc::clone(&EMPTY),
            get: |d| d.text.as_str(),
        }
    }
}

impl<'a, T> IntoIterator for &'a Part<[T]> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl PageDetail {
    /// Roughly the bytes the detail holds (for the cache's budget).
    fn approximate_size(&self) -> usize {
        let strings = |v: &[(String, String)]| v.iter().map(|(a, b)| a.len() + b.len() + 64).sum::<usize>();
        self.text.len()
            + strings(&self.links)
            + self
                .list_items
                .iter()
                .map(|i| i.title.len() + i.url.len() + 96)
                .sum::<usize>()
            + self
                .tables
                .iter()
                .flat_map(|t| t.headers.iter().chain(&t.rows))
                .flatten()
                .map(|c| c.len() + 24)
                .sum::<usize>()
            + self.attachments.len() * 160
            + self.paging.iter().map(|p| p.len() + 24).sum::<usize>()
            + 256
    }
}

impl Page {
    /// The page's detail: from the cache, else read from the store now.
    pub fn detail(&self) -> Arc<PageDetail> {
        let d = &self.detail;
        if let Some(own) = &d.own {
            return Arc::clone(own);
        }
        let (Some(key), Some(reader)) = (d.key, &d.reader) else {
            return Arc::clone(&EMPTY);
        };
        if let Some(hit) = reader.cached(key) {
            return hit;
        }
        let read = Arc::new(reader.read(&[key], &[self], true).pop().unwrap_or_default());
        reader.keep(key, Arc::clone(&read));
        read
    }

    fn part<T: ?Sized>(&self, get: fn(&PageDetail) -> &T) -> Part<T> {
        Part {
            detail: self.detail(),
            get,
        }
    }

    /// A page with its detail given (hand-made pages).
    pub fn with_detail(mut self, detail: PageDetail) -> Page {
        self.detail = Detail {
            own: Some(Arc::new(detail)),
            ..Detail::default()
        };
        self
    }

    /// The hand-made page's detail, to change.
    #[cfg(test)]
    pub(crate) fn detail_mut(&mut self) -> &mut PageDetail {
        let own = self.detail.own.get_or_insert_with(Default::default);
        Arc::make_mut(own)
    }

    /// Gives a hand-made page its list items.
    #[cfg(test)]
    pub(crate) fn set_list_items(&mut self, items: Vec<ListItem>) {
        self.listed = items.len();
        self.detail_mut().list_items = items;
    }

    /// The page's readable text (see [`PageDetail::text`]).
    pub fn text(&self) -> Part<str> {
        self.part(|d| d.text.as_str())
    }

    pub fn tables(&self) -> Part<[Table]> {
        self.part(|d| d.tables.as_slice())
    }

    pub fn attachments(&self) -> Part<[AttachmentLink]> {
        self.part(|d| d.attachments.as_slice())
    }

    pub fn forms(&self) -> Part<[Form]> {
        self.part(|d| d.forms.as_slice())
    }

    pub fn images(&self) -> Part<[Image]> {
        self.part(|d| d.images.as_slice())
    }

    pub fn links(&self) -> Part<[(String, String)]> {
        self.part(|d| d.links.as_slice())
    }

    pub fn list_items(&self) -> Part<[ListItem]> {
        self.part(|d| d.list_items.as_slice())
    }

    /// The first labelled date whose label contains one of the words (来信时间, 处罚决定日期 …).
    pub fn labelled_date(&self, words: &[&str]) -> Option<NaiveDate> {
        self.detail()
            .event_dates
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

/// Calls `f` with each page's detail, read in batches and let go after the batch (the cache
/// is not filled): a pass over the whole site in bounded memory. Stops when `f` says so
/// (returns false). Without `text` the pages read for the pass carry no text (decompressing
/// and cleaning it is most of the cost).
pub(super) fn for_each_detail(
    pages: &[Page],
    wanted: &[usize],
    text: bool,
    batch: usize,
    mut f: impl FnMut(usize, &PageDetail) -> bool,
) {
    for chunk in wanted.chunks(batch.max(1)) {
        let reader = chunk.first().and_then(|&i| pages[i].detail.reader.clone());
        let mut read: HashMap<usize, PageDetail> = HashMap::new();
        if let Some(reader) = &reader {
            let to_read: Vec<usize> = chunk
                .iter()
                .copied()
                .filter(|&i| pages[i].detail.key.is_some_and(|k| reader.cached(k).is_none()))
                .collect();
            let keys: Vec<DetailKey> = to_read.iter().filter_map(|&i| pages[i].detail.key).collect();
            let of: Vec<&Page> = to_read.iter().map(|&i| &pages[i]).collect();
            read = to_read.iter().copied().zip(reader.read(&keys, &of, text)).collect();
        }
        for &i in chunk {
            let go_on = match read.get(&i) {
                Some(d) => f(i, d),
                None => f(i, &pages[i].detail()),
            };
            if !go_on {
                return;
            }
        }
    }
}

/// Lets go of every detail read so far.
pub(super) fn drop_details(pages: &[Page]) {
    if let Some(reader) = pages.iter().find_map(|p| p.detail.reader.as_ref()) {
        reader.clear();
    }
}

/// Pages whose detail is read in one statement.
pub(super) const PRELOAD_BATCH: usize = 256;
/// List pages read in one statement (each holds hundreds of items and links).
pub(super) const LIST_BATCH: usize = 16;

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

/// Parses the kept facts of a batch of streamed rows on every core.
/// On the calling thread, on purpose: pages live as long as the view, and allocating them
/// from short-lived worker threads scattered them over glibc's per-thread arenas among the
/// parser's temporaries (70 MB more peak memory at 200,000 pages).
pub(super) fn parse_pages(rows: &[AssessPage], reader: Option<&Arc<Details>>, words: &Interner) -> Vec<Page> {
    rows.iter().map(|row| page_of(row, reader, words)).collect()
}

fn page_of(row: &AssessPage, reader: Option<&Arc<Details>>, words: &Interner) -> Page {
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
    let clean = |v: Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| words.text(s))
    };
    let meta = PageMeta {
        kind: words.text(&row.kind),
        // Last-Modified is the server's, not the publisher's: never a publication date.
        pub_date_source: facts.pub_date_source.as_deref().map(|s| words.text(s)),
        publisher: clean(facts.publisher),
        validity: clean(facts.validity),
        column: clean(facts.column).filter(|c| !is_crumb_noise(c)),
        breadcrumb: words.path(breadcrumb),
        column_type: clean(facts.column_type),
        site_name: clean(facts.site_name),
    };
    Page {
        title: facts.title.unwrap_or_default().trim().to_string(),
        pub_date: facts.pub_date.as_deref().and_then(day),
        pub_date_conflict: facts.pub_date_conflict,
        url_date: facts
            .pub_date_candidates
            .iter()
            .filter(|c| c.source == "url" || c.source == "objectid")
            .find_map(|c| day(&c.date)),
        doc_date: facts.doc_date.as_deref().and_then(day),
        index_no: facts.index_no.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        doc_no: facts.doc_no.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        meta: words.meta(meta),
        listed: facts.list_items.len(),
        url: row.url.clone(),
        fetched_at: row.fetched_at.clone(),
        sha256: Digest::of_hex(&row.sha256),
        // Resolved to a page index once every page is read.
        discovered_from: None,
        detail: Detail {
            key: Some(DetailKey {
                facts_id: row.facts_id,
                links_from: row.links_from,
            }),
            reader: reader.cloned(),
            own: None,
        },
    }
    .without_last_modified_date()
}

/// A stored detail as the rules read it.
fn detail_of(stored: StoredDetail, url: &str, boilerplate: Option<&HashSet<String>>, with_text: bool) -> PageDetail {
    let facts: DetailFacts = if stored.facts.is_empty() {
        DetailFacts::default()
    } else {
        serde_json::from_str(&stored.facts).unwrap_or_else(|e| {
            tracing::warn!(url, error = %e, "stored facts cannot be read");
            DetailFacts::default()
        })
    };
    let text = if with_text {
        readable_text(&decompressed(stored.text_zstd.as_deref()))
    } else {
        String::new()
    };
    let text = match boilerplate {
        Some(lines) if !lines.is_empty() => {
            let kept: Vec<&str> = text.lines().filter(|l| !lines.contains(l.trim())).collect();
            kept.join("\n")
        }
        _ => text,
    };
    let mut links = Vec::with_capacity(stored.links.len());
    let mut paging = Vec::new();
    for (to, anchor, kind) in stored.links {
        if kind == "paging" {
            paging.push(to.clone());
        }
        links.push((to, anchor));
    }
    PageDetail {
        event_dates: facts
            .event_dates
            .iter()
            .filter_map(|d| Some((d.label.clone(), day(&d.date)?)))
            .collect(),
        list_items: facts.list_items,
        tables: facts.tables,
        attachments: facts.attachments,
        forms: facts.forms,
        images: facts.images,
        text,
        links,
        paging,
    }
}

fn decompressed(data: Option<&[u8]>) -> String {
    let Some(data) = data else {
        return String::new();
    };
    match zstd::stream::decode_all(data) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            // A damaged text blob reads as empty (the rule then finds nothing) rather than
            // failing the whole assessment; `zwgk extract --force` rebuilds it.
            tracing::warn!(error = %e, "stored page text cannot be decompressed");
            String::new()
        }
    }
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

/// Finds the lines that recur across the site — navigation, sidebars, footers — so a word in
/// the menu never counts as published content: a line is boilerplate when it appears on pages
/// of at least three columns and on at least max(8, 10 %) of pages. The share is high enough
/// that the section headings every 年度报告 shares (「四、政府信息公开行政复议、行政诉讼情况」)
/// stay content even on a site with many departments' reports. Texts read afterwards leave
/// those lines out.
pub(super) fn find_boilerplate(pages: &[Page], reader: &Details) {
    // Boilerplate is on many pages by definition, so an even sample of a large run finds the
    // same lines as reading every page, at a fraction of the cost. The sample is chosen by a
    // hash of the URL, not every n-th page: a stride can alias with the order pages were
    // stored in and miss whole columns.
    let mut order: Vec<(u64, usize)> = (0..pages.len())
        .filter(|&i| pages[i].kind != "attachment" && pages[i].detail.key.is_some())
        .map(|i| (fnv1a(&pages[i].url), i))
        .collect();
    order.sort_unstable();
    order.truncate(BOILERPLATE_SAMPLE);
    let sample: Vec<&Page> = order.iter().map(|&(_, i)| &pages[i]).collect();
    let threshold = (sample.len() / 10).max(8);
    // Lines by hash, read a batch of pages at a time; a line's text is kept from its second
    // sighting on, so the unique lines of article bodies cost a hash each.
    #[derive(Default)]
    struct Seen {
        count: usize,
        groups: [u64; 3],
        distinct_groups: usize,
        text: Option<Box<str>>,
    }
    let mut seen: HashMap<u64, Seen> = HashMap::new();
    for batch in sample.chunks(PRELOAD_BATCH) {
        // Text only: no links are read for the sample.
        let keys: Vec<DetailKey> = batch
            .iter()
            .filter_map(|p| p.detail.key)
            .map(|k| DetailKey { links_from: None, ..k })
            .collect();
        let texts = reader.raw_texts(&keys);
        for (page, text) in batch.iter().zip(&texts) {
            let group = fnv1a(page.column.as_deref().unwrap_or_else(|| parent_dir(&page.url)));
            let mut on_page = HashSet::new();
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let hash = fnv1a(line);
                if !on_page.insert(hash) {
                    continue;
                }
                let entry = seen.entry(hash).or_default();
                entry.count += 1;
                if entry.count == 2 {
                    entry.text = Some(line.into());
                }
                let n = entry.distinct_groups;
                if n < 3 && !entry.groups[..n].contains(&group) {
                    entry.groups[n] = group;
                    entry.distinct_groups += 1;
                }
            }
        }
    }
    let lines: HashSet<String> = seen
        .into_values()
        .filter(|s| s.count >= threshold && s.distinct_groups >= 3)
        .filter_map(|s| s.text.map(String::from))
        .collect();
    let _ = reader.boilerplate.set(lines);
}

/// FNV-1a: a stable hash (std's hasher is seeded per process, so samples would differ per run).
pub(super) fn fnv1a(text: &str) -> u64 {
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

    fn stored(url_id: i64, column: &str) -> AssessPage {
        AssessPage {
            url_id,
            facts_id: url_id,
            url: format!("http://a.gov.cn/{url_id}.html"),
            kind: "article".to_string(),
            facts: serde_json::json!({"title": format!("通知{url_id}"), "column": column, "column_path": ["信息公开", column]})
                .to_string(),
            sha256: "0".repeat(64),
            fetched_at: "2026-01-15T00:00:00.000Z".to_string(),
            discovered_from: None,
            links_from: None,
        }
    }

    #[test]
    fn pages_of_one_column_share_their_description_and_change_it_alone() {
        let words = Interner::default();
        let rows = [stored(1, "通知公告"), stored(2, "通知公告"), stored(3, "政策解读")];
        let mut pages = parse_pages(&rows, None, &words);
        assert!(
            Arc::ptr_eq(&pages[0].meta, &pages[1].meta),
            "same column, one description"
        );
        assert!(!Arc::ptr_eq(&pages[0].meta, &pages[2].meta));
        assert_eq!(pages[1].column.as_deref(), Some("通知公告"));
        assert_eq!(pages[2].breadcrumb.len(), 2);
        // A change made through one page is that page's own.
        pages[0].column = Some("工作动态".into());
        assert_eq!(pages[0].column.as_deref(), Some("工作动态"));
        assert_eq!(pages[1].column.as_deref(), Some("通知公告"));
        assert_eq!(pages[0].title, "通知1");
    }

    #[test]
    fn navigation_between_articles_is_not_content() {
        let text = "当前位置：首页 > 通知公告\n关于审计整改的公告\n正文第一段\n上一篇：关于2024年审计整改结果的公告\n下一篇：无\n【打印本页】【关闭窗口】";
        assert_eq!(readable_text(text), "关于审计整改的公告\n正文第一段");
    }

    #[test]
    fn digests_read_back_as_the_hex_they_came_from() {
        let hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(Digest::of_hex(hex).to_string(), hex);
        assert_eq!(Digest::of_hex("not hex").to_string(), "0".repeat(64));
    }

    #[test]
    fn breadcrumb_noise_names_no_column() {
        for noise in ["首页", "正文", " 详情 ", ""] {
            assert!(is_crumb_noise(noise), "{noise}");
        }
        assert!(!is_crumb_noise("政策文件"));
    }
}
