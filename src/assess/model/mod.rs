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

pub use page::{Page, PageText, day, unquoted};

use super::columns::{ColumnDefs, ColumnMatch};
use crate::store::{AssessPage, PageLink, UrlOutcome};

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
    by_url: HashMap<String, usize>,
    pub home: Option<usize>,
    /// Every column of the site.
    pub columns: Vec<ColumnView>,
    /// Catalog column key → the columns it resolved to (indices into `columns`).
    pub keyed: BTreeMap<String, Vec<usize>>,
    /// Why each column went to its key (shown by `zwgk columns` and in reasons).
    pub matches: Vec<ColumnMatch>,
    /// URL → the run's outcome for it.
    pub outcomes: HashMap<String, UrlOutcome>,
    /// Document URL → the columns that list it.
    listed_in: HashMap<String, Vec<usize>>,
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
        self.listed_in.get(url).map(Vec::as_slice).unwrap_or(&[])
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
        let index_of: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, r)| (r.url_id, i)).collect();
        let t = std::time::Instant::now();
        let mut pages = page::parse_pages(&rows, &index_of);
        drop(rows);
        tracing::debug!(ms = t.elapsed().as_millis(), "facts parsed");
        page::strip_boilerplate(&mut pages);
        let mut paging: HashMap<usize, Vec<String>> = HashMap::new();
        let mut anchors: HashMap<String, Vec<String>> = HashMap::new();
        for link in links {
            let Some(&from) = index_of.get(&link.from) else {
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
        let by_url: HashMap<String, usize> = pages.iter().enumerate().map(|(i, p)| (p.url.clone(), i)).collect();
        let home = pages
            .iter()
            .position(|p| p.url == start_url)
            .or_else(|| pages.iter().position(|p| p.kind == "home"));
        let mut view = SiteView {
            origin: origin.to_string(),
            by_url,
            home,
            ..SiteView::default()
        };
        view.district = home.and_then(|h| district_of(&pages[h]));
        let built = tree::build(&pages, &view.by_url, home, &paging, &anchors, defs, pins, origin);
        view.columns = built.columns;
        view.keyed = built.keyed;
        view.matches = built.matches;
        for (c, column) in view.columns.iter().enumerate() {
            for item in &column.items {
                let list = view.listed_in.entry(item.url.clone()).or_default();
                if !list.contains(&c) {
                    list.push(c);
                }
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
            "columns built"
        );
        view.outcomes = outcomes.into_iter().map(|o| (o.url.clone(), o)).collect();
        view.pages = pages;
        view
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
        let by_url = pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.url.clone(), i))
            .collect::<HashMap<_, _>>();
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
                view.listed_in.entry(item.url.clone()).or_default().push(c);
            }
        }
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let home = Page {
                site_name: site_name.map(str::to_string),
                title: title.to_string(),
                ..Page::default()
            };
            assert_eq!(district_of(&home).as_deref(), want, "{title}");
        }
    }
}
