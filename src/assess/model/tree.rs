//! The column tree: which pages are columns (栏目), which are paging windows of a column,
//! what each column is called and where it hangs, and which catalog key each one stands for.
//!
//! A column page is a list page, or an undated page that is a column by its URL
//! (`…/index.html`, `…/`), by listing items, or by carrying its own ColumnName as its title —
//! never by HTTP headers (a hub with two items is still a column when the server sends
//! Last-Modified). Paging windows (TRS `index_N.html`, Hanweb `dataproxy.jsp?columnid=N`,
//! `?pageNum=N` variants, the crawler's `paging` links) belong to their column, so a column's
//! documents are counted once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use super::page::{LIST_BATCH, Page, Text, day, for_each_detail};
use super::{ColumnView, Item, Pins, UrlIndex, url_key};
use crate::assess::columns::{ColumnDefs, ColumnMatch, Signal, SiteColumn, match_columns};

pub(super) struct Tree {
    pub columns: Vec<ColumnView>,
    pub keyed: BTreeMap<String, Vec<usize>>,
    pub matches: Vec<ColumnMatch>,
}

static TRS_WINDOW: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(.*/)index_\d+(\.[a-z]+)$").expect("valid regex"));
static PAGE_PARAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|&)(?:page|pagenum|pageno|pageindex|cur_page|curpage|startrecord|endrecord|perpage|p|pn)=\d*")
        .expect("valid regex")
});
static COLUMN_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)[?&]columnid=(\d+)").expect("valid regex"));
static HANWEB_COLUMN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"/col/col(\d+)/").expect("valid regex"));
static MONTH_DAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(\d{1,2})[-/.月](\d{1,2})日?\s*$").expect("valid regex"));

/// `…/index.html`, `…/index.shtml`, `…/` and the like: the URL of a column's entry page.
fn looks_like_column_url(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let file = path.rsplit('/').next().unwrap_or("");
    file.is_empty()
        || file
            .split('.')
            .next()
            .is_some_and(|stem| stem.eq_ignore_ascii_case("index") || stem.eq_ignore_ascii_case("default"))
}

/// A page title that is the column's own name (with or without the site's name around it).
fn title_names(title: &str, column: &str) -> bool {
    let title = strip_site_suffix(title);
    !column.is_empty()
        && (title == column || title.starts_with(column) && title.chars().count() <= column.chars().count() + 4)
}

/// 「政策文件_临河区人民政府」, 「临河区人民政府-政策文件」 → 政策文件.
pub(super) fn strip_site_suffix(title: &str) -> String {
    let parts: Vec<&str> = title
        .split(['_', '|', '｜', '—', '-', '－'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let site_like =
        |p: &str| p.contains("人民政府") || p.contains("政府网") || p.contains("门户网站") || p.ends_with("网站");
    if parts.len() < 2 || !parts.iter().any(|p| site_like(p)) {
        return title.trim().to_string();
    }
    parts
        .iter()
        .find(|p| !site_like(p))
        .or(parts.first())
        .map_or_else(|| title.trim().to_string(), |p| p.to_string())
}

fn is_column_candidate(page: &Page, index: usize, home: Option<usize>) -> bool {
    if Some(index) == home {
        return false;
    }
    match page.kind.as_str() {
        "list" => true,
        "other" | "article" | "form" => {
            if page.kind == "article" && page.pub_date.is_some() && page.listed == 0 {
                return false;
            }
            page.listed > 0
                || looks_like_column_url(&page.url)
                || page.column.as_deref().is_some_and(|c| title_names(&page.title, c))
        }
        _ => false,
    }
}

/// Maps each paging window to the column page it belongs to.
fn paging_windows(
    pages: &[Page],
    by_url: &UrlIndex,
    candidates: &[usize],
    paging: &HashMap<usize, Vec<String>>,
) -> HashMap<usize, usize> {
    let is_candidate: HashSet<usize> = candidates.iter().copied().collect();
    let mut window_of: HashMap<usize, usize> = HashMap::new();
    // Hanweb: the column whose URL is /col/col{N}/ owns dataproxy.jsp?columnid=N.
    let mut hanweb: HashMap<String, usize> = HashMap::new();
    for &c in candidates {
        if let Some(id) = HANWEB_COLUMN.captures(&pages[c].url) {
            hanweb.entry(id[1].to_string()).or_insert(c);
        }
    }
    for &c in candidates {
        let url = &pages[c].url;
        let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
        let root = if let Some(m) = TRS_WINDOW.captures(path) {
            by_url.get(&format!("{}index{}", &m[1], &m[2])).copied()
        } else if path.ends_with("dataproxy.jsp") {
            COLUMN_ID
                .captures(url)
                .and_then(|m| hanweb.get(&m[1]).copied())
                .or(pages[c].discovered_from)
        } else if PAGE_PARAM.is_match(query) {
            let rest: Vec<&str> = query.split('&').filter(|p| !PAGE_PARAM.is_match(p)).collect();
            let base = if rest.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", rest.join("&"))
            };
            by_url.get(&base).copied().filter(|&b| b != c)
        } else {
            None
        };
        if let Some(root) = root.filter(|r| is_candidate.contains(r) && *r != c) {
            window_of.insert(c, root);
        }
    }
    for (&from, targets) in paging {
        for target in targets {
            if let Some(&t) = by_url.get(target)
                && t != from
                && is_candidate.contains(&t)
                && !window_of.contains_key(&t)
            {
                window_of.insert(t, from);
            }
        }
    }
    // An unnamed list page found from a list page is one of its windows (a CMS paging URL
    // shape we do not know by name).
    for &c in candidates {
        let page = &pages[c];
        if window_of.contains_key(&c) || page.kind != "list" || page.column.is_some() || !page.breadcrumb.is_empty() {
            continue;
        }
        if let Some(parent) = page.discovered_from
            && pages[parent].kind == "list"
            && is_candidate.contains(&parent)
            && !looks_like_column_url(&page.url)
        {
            window_of.insert(c, parent);
        }
    }
    // Follow chains (window of a window) to the column page; a cycle keeps its first page.
    let mut resolved = HashMap::new();
    for (&w, &r) in &window_of {
        let mut root = r;
        let mut guard = 0;
        while let Some(&next) = window_of.get(&root) {
            if next == w || guard > 16 {
                break;
            }
            root = next;
            guard += 1;
        }
        if root != w {
            resolved.insert(w, root);
        }
    }
    resolved
}

/// A list item's date: the item page's own date when it was crawled, else the list's date;
/// a list date without a year (`01-09`, home-page style) takes the year that puts it on or
/// before the day the list was fetched.
fn item_date(item: &crate::extract::page::ListItem, page: Option<&Page>, list: &Page) -> Option<chrono::NaiveDate> {
    if let Some(date) = page.and_then(|p| p.pub_date) {
        return Some(date);
    }
    let raw = item.date.as_deref()?;
    if let Some(date) = day(raw) {
        return Some(date);
    }
    let m = MONTH_DAY.captures(raw)?;
    let fetched = list.fetched_day()?;
    let (month, dom): (u32, u32) = (m[1].parse().ok()?, m[2].parse().ok()?);
    use chrono::Datelike;
    let this_year = chrono::NaiveDate::from_ymd_opt(fetched.year(), month, dom)?;
    if this_year <= fetched {
        Some(this_year)
    } else {
        chrono::NaiveDate::from_ymd_opt(fetched.year() - 1, month, dom)
    }
}

fn column_name(page: &Page, anchors: Option<&Vec<String>>) -> String {
    page.column
        .as_deref()
        .or_else(|| page.breadcrumb.last().map(Text::as_str))
        .map(str::to_string)
        .or_else(|| {
            let title = strip_site_suffix(&page.title);
            (!title.is_empty()).then_some(title)
        })
        .or_else(|| anchors.and_then(|a| a.first().cloned()))
        .unwrap_or_default()
}

/// What the tree reads of the listing pages' details, in one pass that keeps none of them:
/// the next windows each page links, the anchor texts naming each column candidate, and
/// which candidates each candidate lists or links to (by URL key).
struct Listings {
    paging: HashMap<usize, Vec<String>>,
    anchors: HashMap<u128, Vec<String>>,
    links_to: HashMap<usize, HashSet<u128>>,
    lists: HashMap<usize, HashSet<u128>>,
}

fn read_listings(pages: &[Page], listing: &[usize], candidates: &[usize]) -> Listings {
    let candidate_keys: HashSet<u128> = candidates.iter().map(|&c| url_key(&pages[c].url)).collect();
    let is_candidate: HashSet<usize> = candidates.iter().copied().collect();
    let mut out = Listings {
        paging: HashMap::new(),
        anchors: HashMap::new(),
        links_to: HashMap::new(),
        lists: HashMap::new(),
    };
    for_each_detail(pages, listing, false, LIST_BATCH, |i, detail| {
        if !detail.paging.is_empty() {
            out.paging.insert(i, detail.paging.clone());
        }
        for (to, anchor) in &detail.links {
            let key = url_key(to);
            if !candidate_keys.contains(&key) {
                continue;
            }
            if is_candidate.contains(&i) {
                out.links_to.entry(i).or_default().insert(key);
            }
            // Column names from anchor text: the links of listing pages (home, columns,
            // hubs) name every column; articles' sidebars repeat them.
            let anchor = anchor.trim();
            if anchor.is_empty() {
                continue;
            }
            let list = out.anchors.entry(key).or_default();
            if list.len() < 20 && !list.iter().any(|a| a == anchor) {
                list.push(anchor.to_string());
            }
        }
        if is_candidate.contains(&i) {
            for item in &detail.list_items {
                let key = url_key(&item.url);
                if candidate_keys.contains(&key) {
                    out.lists.entry(i).or_default().insert(key);
                }
            }
        }
        true
    });
    out
}

/// Roots whose items are built from one batch of page details.
const ROOTS_PER_BATCH: usize = 16;

/// Builds the column tree. Pages that list things or are not documents (`listing`) are read
/// in batches and let go: the tree keeps the columns' items, not the list pages.
pub(super) fn build(
    pages: &[Page],
    by_url: &UrlIndex,
    home: Option<usize>,
    listing: &[usize],
    defs: &ColumnDefs,
    pins: &Pins,
    origin: &str,
) -> Tree {
    let candidates: Vec<usize> = (0..pages.len())
        .filter(|&i| is_column_candidate(&pages[i], i, home))
        .collect();
    let listings = read_listings(pages, listing, &candidates);
    let no_anchors = |url: &str| listings.anchors.get(&url_key(url));
    let windows = paging_windows(pages, by_url, &candidates, &listings.paging);
    let roots: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|c| !windows.contains_key(c))
        .collect();
    let mut members: HashMap<usize, Vec<usize>> = roots.iter().map(|&r| (r, vec![r])).collect();
    let mut window_list: Vec<(&usize, &usize)> = windows.iter().collect();
    window_list.sort();
    for (&w, &r) in window_list {
        if let Some(m) = members.get_mut(&r) {
            m.push(w);
        }
    }
    let root_urls: HashSet<&str> = roots.iter().map(|&r| pages[r].url.as_str()).collect();

    let mut columns: Vec<ColumnView> = Vec::with_capacity(roots.len() + 1);
    for batch in roots.chunks(ROOTS_PER_BATCH) {
        // Each root's pages (its list page, then its windows), read in one pass; items are
        // taken straight from each page's detail, which is then let go.
        let mut owner: HashMap<usize, usize> = HashMap::new();
        let mut wanted: Vec<usize> = Vec::new();
        for &root in batch {
            for &m in members.get(&root).into_iter().flatten() {
                owner.insert(m, root);
                wanted.push(m);
            }
        }
        let mut own_urls: HashMap<usize, HashSet<&str>> = HashMap::new();
        for &root in batch {
            let urls = members
                .get(&root)
                .into_iter()
                .flatten()
                .map(|&m| pages[m].url.as_str())
                .collect();
            own_urls.insert(root, urls);
        }
        let mut items_of: HashMap<usize, (Vec<Item>, HashSet<u128>)> = HashMap::new();
        for_each_detail(pages, &wanted, false, LIST_BATCH, |m, detail| {
            let Some(&root) = owner.get(&m) else { return true };
            let (items, seen) = items_of.entry(root).or_default();
            let own = own_urls.get(&root);
            for item in &detail.list_items {
                // A hub lists its sub-columns: those are columns, not documents.
                if own.is_some_and(|o| o.contains(item.url.as_str())) || root_urls.contains(item.url.as_str()) {
                    continue;
                }
                if !seen.insert(url_key(&item.url)) {
                    continue;
                }
                let target = by_url.get(&item.url).map(|&i| &pages[i]);
                let title = if item.title.trim().is_empty() || item.title.ends_with("...") || item.title.ends_with('…')
                {
                    target
                        .map(|p| p.title.clone())
                        .filter(|t| !t.is_empty())
                        .unwrap_or_else(|| item.title.trim().to_string())
                } else {
                    item.title.trim().to_string()
                };
                items.push(Item {
                    title,
                    url: item.url.clone(),
                    date: item_date(item, target, &pages[m]),
                });
            }
            true
        });
        for &root in batch {
            let page = &pages[root];
            let own: Vec<usize> = members.remove(&root).unwrap_or_default();
            let items = items_of.remove(&root).map(|(items, _)| items).unwrap_or_default();
            columns.push(ColumnView {
                name: column_name(page, no_anchors(&page.url)),
                url: page.url.clone(),
                pages: own.iter().map(|&m| pages[m].url.clone()).collect(),
                items,
                column_type: page.column_type.as_deref().map(str::to_string),
                parent: None,
                children: Vec::new(),
            });
        }
    }
    assign_parents(pages, by_url, &roots, &listings, &mut columns);

    // Catalog keys.
    let site_columns: Vec<SiteColumn> = roots
        .iter()
        .zip(&columns)
        .map(|(&r, column)| {
            let page = &pages[r];
            let mut signals = Vec::new();
            if let Some(name) = &page.column {
                signals.push((Signal::ColumnName, name.to_string()));
            }
            if let Some(last) = page.breadcrumb.last() {
                signals.push((Signal::Breadcrumb, last.to_string()));
            }
            let title = strip_site_suffix(&page.title);
            if !title.is_empty() {
                signals.push((Signal::Title, title));
            }
            signals.extend(
                no_anchors(&page.url)
                    .into_iter()
                    .flatten()
                    .map(|a| (Signal::Anchor, a.clone())),
            );
            SiteColumn {
                url: column.url.clone(),
                signals,
                column_type: column.column_type.clone(),
            }
        })
        .collect();
    let mut matches = match_columns(defs, &site_columns);
    let url_index: HashMap<String, usize> = columns.iter().enumerate().map(|(i, c)| (c.url.clone(), i)).collect();
    let mut keyed: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for m in &matches {
        if pins.contains_key(&m.key) {
            continue;
        }
        if let Some(&c) = url_index.get(&m.url) {
            keyed.entry(m.key.clone()).or_default().push(c);
        }
    }
    matches.retain(|m| !pins.contains_key(&m.key));
    for (key, urls) in pins {
        let mut pinned = Vec::new();
        for u in urls {
            let url = absolute(origin, u);
            let index = match url_index.get(&url) {
                Some(&c) => Some(c),
                // A pinned page that is not a column by the heuristics still is one.
                None => by_url.get(&url).map(|&i| {
                    columns.push(ColumnView {
                        name: column_name(&pages[i], None),
                        url: url.clone(),
                        pages: vec![url.clone()],
                        items: pages[i]
                            .list_items()
                            .iter()
                            .map(|item| Item {
                                title: item.title.trim().to_string(),
                                url: item.url.clone(),
                                date: item_date(item, by_url.get(&item.url).map(|&j| &pages[j]), &pages[i]),
                            })
                            .collect(),
                        ..ColumnView::default()
                    });
                    columns.len() - 1
                }),
            };
            if let Some(c) = index {
                pinned.push(c);
                matches.push(ColumnMatch {
                    key: key.clone(),
                    url: url.clone(),
                    score: usize::MAX,
                    reason: "站点配置文件指定".to_string(),
                });
            }
        }
        keyed.insert(key.clone(), pinned);
    }
    if let Some(h) = home {
        let page = &pages[h];
        columns.push(ColumnView {
            name: "网站首页".to_string(),
            url: page.url.clone(),
            pages: vec![page.url.clone()],
            items: page
                .list_items()
                .iter()
                .map(|item| Item {
                    title: item.title.trim().to_string(),
                    url: item.url.clone(),
                    date: item_date(item, by_url.get(&item.url).map(|&j| &pages[j]), page),
                })
                .collect(),
            ..ColumnView::default()
        });
        keyed.insert("home".to_string(), vec![columns.len() - 1]);
    }
    Tree {
        columns,
        keyed,
        matches,
    }
}

/// Hangs each column under its parent: the column its breadcrumb names one level up, else a
/// column page that lists it, else the nearest column in a parent directory. Never a cycle.
fn assign_parents(pages: &[Page], by_url: &UrlIndex, roots: &[usize], listings: &Listings, columns: &mut [ColumnView]) {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (c, column) in columns.iter().enumerate() {
        by_name.entry(column.name.as_str()).or_default().push(c);
    }
    let by_name: HashMap<String, Vec<usize>> = by_name.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let index_of_url: HashMap<&str, usize> = columns.iter().enumerate().map(|(i, c)| (c.url.as_str(), i)).collect();
    let index_of_key: HashMap<u128, usize> = columns.iter().enumerate().map(|(i, c)| (url_key(&c.url), i)).collect();
    let mut lister: HashMap<usize, usize> = HashMap::new();
    for (c, column) in columns.iter().enumerate() {
        for url in &column.pages {
            let Some(p) = by_url.get(url) else { continue };
            for key in listings.lists.get(p).into_iter().flatten() {
                if let Some(&child) = index_of_key.get(key)
                    && child != c
                {
                    lister.entry(child).or_insert(c);
                }
            }
        }
    }
    let n = columns.len();
    let mut parent: Vec<Option<usize>> = vec![None; n];
    for (c, &root) in roots.iter().enumerate() {
        let page = &pages[root];
        let own = &columns[c].name;
        let crumbs = &page.breadcrumb;
        let parent_name = match crumbs.last() {
            Some(last) if last == own => crumbs.len().checked_sub(2).map(|i| crumbs[i].as_str()),
            Some(last) => Some(last.as_str()),
            None => None,
        };
        let by_crumb = parent_name.and_then(|name| {
            let options: Vec<usize> = by_name
                .get(name)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&o| o != c)
                .collect();
            options
                .iter()
                .copied()
                .find(|&o| pages_link(by_url, listings, &columns[o], &columns[c].url))
                .or_else(|| {
                    options
                        .iter()
                        .copied()
                        .max_by_key(|&o| common_prefix(&columns[o].url, &columns[c].url))
                })
        });
        let by_dir = || {
            let mut dir = super::page::parent_dir(&columns[c].url);
            // A column's own directory index is itself: start from the directory above it.
            if looks_like_column_url(&columns[c].url) {
                dir = super::page::parent_dir(dir);
            }
            while dir.matches('/').count() > 2 {
                if let Some(&o) = ["index.html", "index.htm", "index.shtml", ""]
                    .iter()
                    .find_map(|f| index_of_url.get(format!("{dir}/{f}").as_str()))
                    && o != c
                {
                    return Some(o);
                }
                dir = super::page::parent_dir(dir);
            }
            None
        };
        parent[c] = by_crumb.or_else(|| lister.get(&c).copied()).or_else(by_dir);
    }
    for c in 0..n {
        let Some(p) = parent[c] else { continue };
        // Refuse a parent that is already below this column.
        let mut at = Some(p);
        let mut cycle = false;
        let mut guard = 0;
        while let Some(a) = at {
            if a == c || guard > n {
                cycle = true;
                break;
            }
            at = columns[a].parent;
            guard += 1;
        }
        if !cycle {
            columns[c].parent = Some(p);
            columns[p].children.push(c);
        }
    }
}

/// Whether a column's pages list or link a URL (of another column).
fn pages_link(by_url: &UrlIndex, listings: &Listings, column: &ColumnView, url: &str) -> bool {
    let key = url_key(url);
    column.pages.iter().filter_map(|u| by_url.get(u)).any(|p| {
        listings.links_to.get(p).is_some_and(|k| k.contains(&key))
            || listings.lists.get(p).is_some_and(|k| k.contains(&key))
    })
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

fn absolute(origin: &str, url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_string()
    } else {
        format!("{}/{}", origin.trim_end_matches('/'), url.trim_start_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str, kind: &str, title: &str) -> Page {
        let mut page = Page {
            url: url.to_string(),
            title: title.to_string(),
            ..Page::default()
        };
        page.kind = kind.into();
        page
    }

    fn item(url: &str, title: &str) -> crate::extract::page::ListItem {
        crate::extract::page::ListItem {
            title: title.to_string(),
            url: url.to_string(),
            date: Some("2025-03-05".to_string()),
        }
    }

    fn tree_of(pages: Vec<Page>) -> (Vec<Page>, Tree) {
        let by_url = UrlIndex::of(&pages);
        let tree = build(
            &pages,
            &by_url,
            Some(0),
            &(0..pages.len()).collect::<Vec<_>>(),
            &ColumnDefs::bundled(),
            &Pins::new(),
            "http://a.gov.cn",
        );
        (pages, tree)
    }

    #[test]
    fn trs_paging_windows_are_one_column_with_each_document_once() {
        let mut first = page(
            "http://a.gov.cn/xxgk/zcwj/index.html",
            "list",
            "政策文件_青岚区人民政府",
        );
        first.set_list_items(vec![item("http://a.gov.cn/xxgk/zcwj/202503/t20250305_1.html", "一")]);
        let mut second = page(
            "http://a.gov.cn/xxgk/zcwj/index_1.html",
            "list",
            "政策文件_青岚区人民政府",
        );
        second.set_list_items(vec![
            item("http://a.gov.cn/xxgk/zcwj/202502/t20250205_2.html", "二"),
            item("http://a.gov.cn/xxgk/zcwj/202503/t20250305_1.html", "一"),
        ]);
        let third = {
            let mut p = page(
                "http://a.gov.cn/xxgk/zcwj/index_2.html",
                "list",
                "政策文件_青岚区人民政府",
            );
            p.set_list_items(vec![item("http://a.gov.cn/xxgk/zcwj/202501/t20250105_3.html", "三")]);
            p
        };
        let (_, tree) = tree_of(vec![page("http://a.gov.cn/", "home", "首页"), first, second, third]);
        let policy = tree.keyed.get("policy_docs").expect("policy_docs resolved");
        assert_eq!(policy.len(), 1, "one column, not one per window");
        let column = &tree.columns[policy[0]];
        assert_eq!(column.name, "政策文件");
        assert_eq!(column.pages.len(), 3);
        assert_eq!(column.items.len(), 3, "each document once");
    }

    #[test]
    fn a_hub_with_few_items_is_a_column_whatever_the_headers_said() {
        // A Hanweb channel with two items, kind `other`, dated only by Last-Modified (dropped).
        let mut hub = page("http://a.gov.cn/col/col101/index.html", "other", "经营服务性收费清单");
        hub.column = Some("经营服务性收费清单".into());
        hub.column_type = Some("信息公开目录".into());
        hub.set_list_items(vec![item("http://a.gov.cn/art/2025/5/14/art_101_1.html", "2025年清单")]);
        let (_, tree) = tree_of(vec![page("http://a.gov.cn/", "home", "首页"), hub]);
        assert!(tree.keyed.contains_key("fee_lists"), "{:?}", tree.keyed.keys());
        assert!(
            !tree.keyed.contains_key("catalog"),
            "the generic ColumnType does not win"
        );
    }

    #[test]
    fn columns_hang_under_their_breadcrumb_parent() {
        let mut parent = page("http://a.gov.cn/col/col1/index.html", "list", "生态环境");
        parent.column = Some("生态环境".into());
        let mut child = page("http://a.gov.cn/col/col2/index.html", "list", "空气质量");
        child.column = Some("空气质量".into());
        child.breadcrumb = ["信息公开".into(), "生态环境".into(), "空气质量".into()].into();
        let (_, tree) = tree_of(vec![page("http://a.gov.cn/", "home", "首页"), parent, child]);
        let env = tree.columns.iter().position(|c| c.name == "生态环境").unwrap();
        let air = tree.columns.iter().position(|c| c.name == "空气质量").unwrap();
        assert_eq!(tree.columns[air].parent, Some(env));
        assert_eq!(tree.columns[env].children, vec![air]);
    }

    #[test]
    fn home_page_month_day_dates_take_the_year_of_the_fetch() {
        let mut list = page("http://a.gov.cn/", "home", "首页");
        list.fetched_at = "2026-01-15T02:00:00Z".to_string();
        let when = |raw: &str| {
            let it = crate::extract::page::ListItem {
                title: "x".to_string(),
                url: "http://a.gov.cn/x".to_string(),
                date: Some(raw.to_string()),
            };
            item_date(&it, None, &list).map(|d| d.to_string())
        };
        assert_eq!(when("01-09").as_deref(), Some("2026-01-09"));
        assert_eq!(when("12-30").as_deref(), Some("2025-12-30"));
        assert_eq!(when("2025-03-05").as_deref(), Some("2025-03-05"));
        assert_eq!(when("昨天"), None);
    }

    #[test]
    fn titles_lose_the_site_name() {
        assert_eq!(strip_site_suffix("政策文件_青岚区人民政府"), "政策文件");
        assert_eq!(strip_site_suffix("青岚区人民政府门户网站-通知公告"), "通知公告");
        assert_eq!(
            strip_site_suffix("关于印发《2025年工作要点》的通知"),
            "关于印发《2025年工作要点》的通知"
        );
    }
}
