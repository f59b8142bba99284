//! The rule primitives: one function per [`Rule`](super::catalog::Rule) variant, each from
//! the site model, a context (as-of date, assessment year, calendar) and its parameters to an
//! [`Outcome`](super::verdict::Outcome). `find_documents` is the search they share: a
//! document kind is looked for in the columns the catalog names (and the columns below
//! them), then by its title across the whole site, so information published in a parent or
//! general column is found, and the reason says where.

mod budget;
mod capability;
mod column;
mod consultation;
mod cross_linked;
mod deadline;
mod document;
mod interaction;
mod links;
mod periodic;
mod report_arithmetic;
mod site_checks;
mod timeliness;
mod validity;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use regex::Regex;

pub use budget::budget_detail;
pub use capability::stated_lack;
pub use column::{column, freshness};
pub use consultation::consultation_feedback;
pub use cross_linked::cross_linked;
pub use deadline::{after_event, deadline};
pub use document::{document, elements};
pub use interaction::interaction_replied;
pub use links::{form, image, link_to};
pub use periodic::{archive, due_periods, periodic, reported_period_end};
pub use report_arithmetic::{report_arithmetic, tables_add_up};
pub use site_checks::{links_available, no_blank_columns, pub_date_consistent};
pub use timeliness::timeliness;
pub use validity::validity_labelled;

use super::calendar::WorkCalendar;
use super::catalog::{DocSpec, IssuerFilter, Window, with_year};
use super::columns::ColumnDefs;
use super::model::SiteView;
use super::model::docs::{Doc, Issuer, Substance, find_stated, issuer};
use super::verdict::{Basis, Cite, cite};

/// What a rule is evaluated against.
pub struct Context<'a> {
    pub site: &'a SiteView,
    pub calendar: &'a WorkCalendar,
    pub defs: &'a ColumnDefs,
    pub as_of: NaiveDate,
    /// The assessment year Y.
    pub year: i32,
    /// What the district is responsible for (`land_transfer`, `mining_rights`), from the site
    /// profile; absent = unknown.
    pub capabilities: &'a BTreeMap<String, bool>,
}

impl Context<'_> {
    /// The Chinese name of a column key (`a|b`: the names joined by 或).
    pub fn key_name(&self, key: &str) -> String {
        key.split('|')
            .map(|k| match k.trim() {
                "home" => "网站首页".to_string(),
                k => self
                    .defs
                    .keys
                    .get(k)
                    .and_then(|d| d.names.first().cloned())
                    .unwrap_or_else(|| k.to_string()),
            })
            .collect::<Vec<_>>()
            .join("或")
    }

    pub fn year_start(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or(self.as_of)
    }

    pub fn year_end(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or(self.as_of)
    }

    /// The first and last publication day a window admits.
    pub fn window(&self, window: Window) -> (NaiveDate, NaiveDate) {
        match window {
            Window::Any => (NaiveDate::MIN, self.as_of),
            Window::Year => (self.year_start(), self.year_end().min(self.as_of)),
            Window::SinceYear => (self.year_start(), self.as_of),
            Window::Recent => (
                self.as_of.checked_sub_months(Months::new(12)).unwrap_or(self.as_of),
                self.as_of,
            ),
        }
    }

    /// A window in words: 「2025年」, 「2025-01-01至2026-01-15」.
    pub fn window_zh(&self, window: Window) -> String {
        let (from, to) = self.window(window);
        match window {
            Window::Any => format!("截至{to}"),
            Window::Year => format!("{}年", self.year),
            _ => format!("{from}至{to}"),
        }
    }

    /// The columns of a key, and where they are (「政务公开 > 审计结果」) for reasons.
    pub fn columns_named(&self, key: &str) -> (Vec<usize>, String) {
        let columns = self.site.key_columns(key);
        let names = columns
            .iter()
            .take(3)
            .map(|&c| format!("「{}」", self.site.column_path(c)))
            .collect::<Vec<_>>()
            .join("、");
        (columns, names)
    }
}

/// Documents of a kind, as a search found them.
pub struct Found<'a> {
    /// Every matching document published by the as-of date (or undated), newest first.
    pub all: Vec<Doc<'a>>,
    /// Those inside the window.
    pub in_window: Vec<Doc<'a>>,
    /// For a kind with body terms: the stated sentence that made each document match.
    pub excerpts: BTreeMap<String, String>,
    /// Whether the documents came from the named columns or from the whole site.
    pub basis: Basis,
    /// What was searched, in Chinese, for reasons of a verdict that found nothing.
    pub searched: String,
    /// The named columns that resolved (empty when none did).
    pub columns: Vec<usize>,
    /// Documents of the kind that carry only a title and an outline (not counted).
    pub hollow: Vec<Doc<'a>>,
    /// Documents that refer to a table or attachment that is not there.
    pub incomplete: std::collections::HashSet<String>,
}

impl Found<'_> {
    /// 「另有《X》等2份页面仅有标题和提纲（称详见附件，但无附件），不计」, or empty.
    pub fn hollow_note(&self) -> String {
        if self.hollow.is_empty() {
            return String::new();
        }
        format!(
            "；另有{}页面仅有标题和提纲，正文称“详见下表或附件”而无表格、附件，不计为已公开",
            list_docs(&self.hollow, 2)
        )
    }

    /// Whether every document of the window points to content that is not there.
    pub fn all_incomplete(&self) -> bool {
        !self.in_window.is_empty() && self.in_window.iter().all(|d| self.incomplete.contains(d.url))
    }

    /// Where the documents were found, for a reason: empty when in the named column.
    pub fn place_note(&self, cx: &Context<'_>) -> String {
        if self.basis != Basis::Fallback {
            return String::new();
        }
        let places: Vec<String> = self
            .in_window
            .iter()
            .chain(&self.all)
            .filter_map(|d| cx.site.doc_place(d.url))
            .fold(Vec::new(), |mut acc, p| {
                if !acc.contains(&p) && acc.len() < 2 {
                    acc.push(p);
                }
                acc
            });
        let where_ = if places.is_empty() {
            "网站其他位置".to_string()
        } else {
            places.iter().map(|p| format!("「{p}」")).collect::<Vec<_>>().join("、")
        };
        if self.columns.is_empty() {
            format!("（未设专门栏目，在{where_}找到）")
        } else {
            format!("（专门栏目中未见，在{where_}找到）")
        }
    }
}

/// A title matcher for a kind and year.
pub struct TitleMatcher {
    titles: Vec<Regex>,
    exclude: Vec<Regex>,
}

impl TitleMatcher {
    pub fn new(spec: &DocSpec, year: i32) -> TitleMatcher {
        // Patterns are checked when the catalog loads.
        let compile =
            |ps: &[String]| -> Vec<Regex> { ps.iter().filter_map(|p| Regex::new(&with_year(p, year)).ok()).collect() };
        TitleMatcher {
            titles: compile(&spec.titles),
            exclude: compile(&spec.exclude),
        }
    }

    pub fn has_titles(&self) -> bool {
        !self.titles.is_empty()
    }

    pub fn matches(&self, title: &str) -> bool {
        let title = super::model::unquoted(title);
        (self.titles.is_empty() || self.titles.iter().any(|r| r.is_match(&title)))
            && !self.exclude.iter().any(|r| r.is_match(&title))
    }
}

fn issuer_ok(filter: IssuerFilter, doc: &Doc<'_>) -> bool {
    if filter == IssuerFilter::Any {
        return true;
    }
    let who = issuer(doc.title, doc.page.and_then(|p| p.publisher.as_deref()));
    match filter {
        IssuerFilter::Any => true,
        IssuerFilter::District => who == Issuer::District,
        IssuerFilter::Unit => matches!(who, Issuer::Unit(_)),
    }
}

/// The first body term a document states (page and attachments), with an excerpt.
pub fn stated_term<'a>(cx: &Context<'a>, doc: &Doc<'a>, terms: &[String]) -> Option<Cite> {
    let texts = cx.site.doc_texts(doc);
    for term in terms {
        for (url, text) in &texts {
            if let Some(excerpt) = find_stated(text, term) {
                return Some(cite(url, excerpt));
            }
        }
    }
    None
}

/// Finds the documents of a kind: in the named columns first, then by title across the site.
pub fn find_documents<'a>(cx: &Context<'a>, spec: &DocSpec) -> Found<'a> {
    search(cx, spec, false)
}

/// Like [`find_documents`], but always adds the documents of the kind found elsewhere on the
/// site: a series (monthly figures) may be published partly in a parent column.
pub fn find_series<'a>(cx: &Context<'a>, spec: &DocSpec) -> Found<'a> {
    search(cx, spec, true)
}

fn search<'a>(cx: &Context<'a>, spec: &DocSpec, union: bool) -> Found<'a> {
    let found = search_once(cx, spec, union, false);
    if spec.issuer == IssuerFilter::District && found.all.is_empty() {
        // No document names the district as its issuer: one that names nobody, on the
        // district's own portal, is the district's.
        return search_once(cx, spec, union, true);
    }
    found
}

fn search_once<'a>(cx: &Context<'a>, spec: &DocSpec, union: bool, unknown_is_district: bool) -> Found<'a> {
    let matcher = TitleMatcher::new(spec, cx.year);
    let (from, to) = cx.window(spec.window);
    let (columns, names) = if spec.columns.is_empty() {
        (Vec::new(), String::new())
    } else {
        cx.columns_named(&spec.columns)
    };
    let mut excerpts = BTreeMap::new();
    let mut hollow: Vec<Doc<'a>> = Vec::new();
    let mut incomplete = std::collections::HashSet::new();
    let mut accept = |doc: &Doc<'a>| -> bool {
        if doc.date.is_some_and(|d| d > cx.as_of) || !matcher.matches(doc.title) {
            return false;
        }
        let issuer_fits = issuer_ok(spec.issuer, doc)
            || unknown_is_district
                && spec.issuer == IssuerFilter::District
                && issuer(doc.title, doc.page.and_then(|p| p.publisher.as_deref())) == Issuer::Unknown;
        if !issuer_fits {
            return false;
        }
        if spec.media && !cx.site.has_media(doc) {
            return false;
        }
        match cx.site.substance(doc) {
            Substance::Hollow => {
                if !hollow.iter().any(|h| h.url == doc.url) {
                    hollow.push(*doc);
                }
                return false;
            }
            Substance::Incomplete => {
                incomplete.insert(doc.url.to_string());
            }
            Substance::Full => {}
        }
        if spec.body.is_empty() {
            return true;
        }
        match stated_term(cx, doc, &spec.body) {
            Some(c) => {
                excerpts.insert(doc.url.to_string(), c.excerpt);
                true
            }
            None => false,
        }
    };
    let in_window = |d: &Doc<'_>| {
        d.date.is_some_and(|date| date >= from && date <= to) || (spec.window == Window::Any && d.date.is_none())
    };
    let mut candidates = cx.site.column_documents(&columns);
    if !matcher.has_titles() && !spec.body.is_empty() {
        // A kind known by what it says (使用说明, 索引号) may be on the column page itself.
        for c in cx.site.with_descendants(&columns) {
            let column = &cx.site.columns[c];
            for url in &column.pages {
                if let Some(page) = cx.site.page(url)
                    && !candidates.iter().any(|d| d.url == page.url)
                {
                    candidates.push(Doc {
                        url: &page.url,
                        title: &column.name,
                        date: None,
                        page: Some(page),
                    });
                }
            }
        }
    }
    let mut all: Vec<Doc<'a>> = candidates.into_iter().filter(|d| accept(d)).collect();
    let mut basis = if all.is_empty() { Basis::NotFound } else { Basis::Column };
    let site_wide = spec.site_wide.unwrap_or(matcher.has_titles()) && matcher.has_titles();
    if site_wide && (union || !all.iter().any(in_window)) {
        let known: std::collections::HashSet<&str> = all.iter().map(|d| d.url).collect();
        // Elsewhere means the 信息公开 tree and other columns, not news: a 动态 story about a
        // 收费检查 is not the 收费清单.
        let elsewhere: Vec<Doc<'a>> = cx
            .site
            .all_documents_cached()
            .filter(|d| !known.contains(d.url) && !cx.site.is_news(d.url))
            .filter(|d| accept(d))
            .collect();
        if !all.iter().any(in_window) && elsewhere.iter().any(in_window) || (all.is_empty() && !elsewhere.is_empty()) {
            basis = Basis::Fallback;
        }
        all.extend(elsewhere);
        sort_newest(&mut all);
    }
    let in_window_docs: Vec<Doc<'a>> = all.iter().copied().filter(in_window).collect();
    let searched = match (columns.is_empty(), site_wide) {
        (false, true) => format!("已查{names}栏目及全站标题"),
        (false, false) => format!("已查{names}栏目"),
        (true, true) if spec.columns.is_empty() => "已查全站标题".to_string(),
        (true, true) => format!("网站未设「{}」栏目，已查全站标题", cx.key_name(&spec.columns)),
        (true, false) => format!("网站未设「{}」栏目", cx.key_name(&spec.columns)),
    };
    Found {
        all,
        in_window: in_window_docs,
        excerpts,
        basis,
        searched,
        columns,
        hollow,
        incomplete,
    }
}

fn sort_newest(docs: &mut [Doc<'_>]) {
    docs.sort_by(|a, b| match (a.date, b.date) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// A document as evidence: its title and date (and where it was found when that was not the
/// named column).
pub fn cite_doc(doc: &Doc<'_>) -> Cite {
    let date = doc.date.map_or_else(|| "未注明日期".to_string(), |d| d.to_string());
    cite(doc.url, format!("《{}》（{date}）", doc.title))
}

/// 「《A》（2025-03-05）、《B》（2025-01-02）等3份」.
pub fn list_docs(docs: &[Doc<'_>], most: usize) -> String {
    let shown: Vec<String> = docs
        .iter()
        .take(most)
        .map(|d| {
            let date = d.date.map_or_else(|| "未注明日期".to_string(), |x| x.to_string());
            format!("《{}》（{date}）", d.title)
        })
        .collect();
    if docs.len() > most {
        format!("{}等{}份", shown.join("、"), docs.len())
    } else {
        shown.join("、")
    }
}

/// The year a date falls in, for labels.
pub fn year_of(date: NaiveDate) -> i32 {
    date.year()
}
