//! The dates a page shows, and which of them is its publication date.
//!
//! In: the flattened lines and the DOM. Out: labelled dates (发布时间：…, and the other
//! `…日期/时间` events), unlabelled dates an assessor still reads as the publication time (an
//! element whose id or class names it, `<span id="pubTime">`; a byline that starts with the
//! date, 「2022-05-07 00:00　来源：区财政局」), the choice among all candidates and whether a
//! PubDate-style meta contradicts it. Must not: take a date from body text, a list, a footer, a
//! "今天是" widget or an HTTP header (Last-Modified is never shown to an assessor: 「未注明发布
//! 时间的信息视为不更新」).

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html};

use super::dates::{self, DateCandidate, DateSource, Stamp};
use super::flatten::{Line, element_text, looks_like_footer};
use super::page::LabelledDate;

static VISIBLE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(发布时间|发布日期|公开日期|发稿时间|发表时间|上传时间|更新时间|日\s*期|时\s*间)\s*[:：]")
        .expect("static regex")
});

pub(super) const META_DATE_NAMES: &[&str] = &[
    "pubdate",
    "publishdate",
    "pub_date",
    "publish_date",
    "firstpublishedtime",
    "publishtime",
    "publish-date",
    "originalpublicationdate",
    "article:published_time",
    "og:release_date",
    "dc.date.issued",
    "dc.date",
];

/// A "today is" widget (今天是2026年11月26日 星期四), never a publication date.
pub(super) fn is_widget(text: &str) -> bool {
    text.contains("今天是") || text.contains("星期") || text.contains("农历")
}

static EVENT_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\p{Han}{1,10}(?:日期|时间))[\s:：]*").expect("static regex"));

/// Every `…日期：DATE` / `…时间：DATE` pair outside the footer, label as written.
pub(super) fn labelled_dates(lines: &[Line]) -> Vec<LabelledDate> {
    let mut out: Vec<LabelledDate> = Vec::new();
    for line in lines
        .iter()
        .filter(|l| !l.is_footer && l.text.len() <= 600 && !is_widget(&l.text))
    {
        for c in EVENT_LABEL.captures_iter(&line.text) {
            let (Some(whole), Some(label)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let head: String = line.text[whole.end()..].chars().take(30).collect();
            if let Some((stamp, span)) = dates::find_dates(&head).into_iter().next()
                && head[..span.start].trim().is_empty()
            {
                let entry = LabelledDate {
                    label: label.as_str().to_string(),
                    date: stamp.render(),
                };
                if !out.contains(&entry) && out.len() < 50 {
                    out.push(entry);
                }
            }
        }
    }
    out
}

/// Dates right after a visible 发布时间/发布日期/日期 label (the label may end one element and
/// the date start the next line).
pub(super) fn visible_label_dates(lines: &[Line]) -> Vec<(Stamp, String, usize)> {
    let mut out = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if line.is_footer || is_widget(&line.text) || line.text.len() > 400 {
            continue;
        }
        for label in VISIBLE_LABEL.find_iter(&line.text) {
            // A bare 日期/时间 is a label only when it stands alone: 抽检时间 is not 时间.
            let bare = !label.as_str().starts_with(['发', '公', '上', '更']);
            let before = line.text[..label.start()].chars().next_back();
            if bare && before.is_some_and(|c| c.is_alphanumeric()) {
                continue;
            }
            if label.as_str().starts_with("更新") {
                continue; // 更新时间 is not a publication date
            }
            let mut rest = &line.text[label.end()..];
            if rest.trim().is_empty()
                && let Some(next) = lines.get(index + 1)
            {
                rest = &next.text;
            }
            let head: String = rest.chars().take(40).collect();
            if let Some((stamp, span)) = dates::find_dates(&head).into_iter().next()
                && head[..span.start].trim().is_empty()
            {
                out.push((stamp, format!("{}{}", label.as_str(), &head[..span.end]), index));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Unlabelled dates

/// id/class tokens (lowercase, `-` and `_` removed) that name the publication time, alone or
/// after a prefix (`article-pubtime`, `newsPubTime`).
const PUBTIME_NAMES: &[&str] = &[
    "pubtime",
    "pubdate",
    "publishtime",
    "publishdate",
    "publishedtime",
    "publisheddate",
    "releasetime",
    "releasedate",
    "fbsj",
    "fbrq",
    "fbtime",
    "fbdate",
    "fabushijian",
    "faburiqi",
];
/// Generic names that mean the publication time only in an article's head, never in a list:
/// `<div class="time">` under the heading, not `<span class="time">` beside each list link.
const GENERIC_TIME_NAMES: &[&str] = &[
    "time",
    "arttime",
    "articletime",
    "newstime",
    "detailtime",
    "contime",
    "contenttime",
    "doctime",
];
const NAME_PREFIXES: &[&str] = &[
    "", "art", "article", "news", "detail", "info", "con", "content", "doc", "page",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeName {
    Specific,
    Generic,
}

fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn time_name(token: &str) -> Option<TimeName> {
    // Most class names say nothing about time: skip them before allocating.
    if token.len() > 40
        || !["time", "date", "fb", "fabu"]
            .iter()
            .any(|n| contains_ignoring_case(token, n))
    {
        return None;
    }
    let token: String = token
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    if NAME_PREFIXES.iter().any(|prefix| {
        token
            .strip_prefix(prefix)
            .is_some_and(|rest| PUBTIME_NAMES.contains(&rest))
    }) {
        Some(TimeName::Specific)
    } else if GENERIC_TIME_NAMES.contains(&token.as_str()) {
        Some(TimeName::Generic)
    } else {
        None
    }
}

/// How an element's id and classes name it, the most specific first.
fn element_time_name(element: &scraper::node::Element) -> Option<(TimeName, String)> {
    let mut best: Option<(TimeName, String)> = None;
    for token in element.id().into_iter().chain(element.classes()) {
        match time_name(token) {
            Some(TimeName::Specific) => return Some((TimeName::Specific, token.to_string())),
            Some(TimeName::Generic) if best.is_none() => best = Some((TimeName::Generic, token.to_string())),
            _ => {}
        }
    }
    best
}

/// A date at the very start of a short text, with the text up to its end.
fn leading_date(text: &str) -> Option<(Stamp, &str)> {
    let text = text.trim_start();
    // A year starts with a digit, or 一/二 in Chinese numerals (一九九八年, 二〇二三年): most
    // lines are ruled out without running the date patterns.
    if !text.starts_with(|c: char| c.is_ascii_digit() || c == '一' || c == '二') {
        return None;
    }
    let head_end = text.char_indices().nth(60).map_or(text.len(), |(i, _)| i);
    let (stamp, span) = dates::find_dates(&text[..head_end]).into_iter().next()?;
    (span.start == 0).then(|| (stamp, &text[..span.end]))
}

/// Dates in elements whose id or class names the publication time (`<span id="pubTime">`,
/// `<span class="pubtime">`, `<div class="time">`, `class="fbsj"`), as (date, evidence). The
/// element must start with the date, sit outside the footer, and be the only one of its name
/// that shows a date: a name repeated with different dates is a list's, not the page's.
pub(super) fn named_element_dates(html: &Html) -> Vec<(Stamp, String)> {
    let mut found: Vec<(String, Stamp, String)> = Vec::new();
    let mut repeated: Vec<String> = Vec::new();
    for element in html.tree.nodes().filter_map(ElementRef::wrap) {
        let Some((strength, name)) = element_time_name(element.value()) else {
            continue;
        };
        let mut in_footer = false;
        let mut in_list = false;
        for ancestor in element.ancestors().filter_map(ElementRef::wrap) {
            in_footer |= looks_like_footer(ancestor.value());
            in_list |= matches!(ancestor.value().name(), "li" | "tr" | "dd" | "td");
        }
        if in_footer || (strength == TimeName::Generic && in_list) {
            continue;
        }
        let text = element_text(element);
        if text.chars().count() > 120 || is_widget(&text) {
            continue;
        }
        let Some((stamp, shown)) = leading_date(&text) else {
            continue;
        };
        let key = name.to_ascii_lowercase();
        match found.iter().find(|(n, _, _)| *n == key) {
            Some((_, other, _)) if other.date != stamp.date => repeated.push(key),
            Some(_) => {}
            None => found.push((key, stamp, format!("{}: {shown}", describe(element)))),
        }
    }
    found
        .into_iter()
        .filter(|(name, _, _)| !repeated.contains(name))
        .map(|(_, stamp, evidence)| (stamp, evidence))
        .collect()
}

/// `<span id="pubTime">` / `<div class="time">`, for evidence.
fn describe(element: ElementRef) -> String {
    let value = element.value();
    match value.id() {
        Some(id) => format!("<{} id=\"{id}\">", value.name()),
        None => format!(
            "<{} class=\"{}\">",
            value.name(),
            value.classes().collect::<Vec<_>>().join(" ")
        ),
    }
}

/// What follows the date in a byline: 来源, 作者, 浏览/点击 counts, the 字号 switch.
static BYLINE_REST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\s|｜]*[【\[]?\s*(?:信息来源|文章来源|稿件来源|来\s*源|作\s*者|发布者|发布人|责任编辑|编\s*辑|浏览次数|浏览量|浏\s*览|点击数|点击量|点击率|点\s*击|阅读次数|阅读量|阅\s*读|访问量|访问次数|字\s*号|字\s*体)")
        .expect("static regex")
});

/// Dates that open a byline: a line that starts with a date and goes on with 来源/作者/浏览/
/// 点击/字号 (「2022-05-07 00:00　来源：区财政局」, 「2022-05-07　　作者：…　　来源：…」).
pub(super) fn byline_dates(lines: &[Line]) -> Vec<(Stamp, String, usize)> {
    let mut out = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if line.is_footer || line.text.len() > 300 || is_widget(&line.text) {
            continue;
        }
        let text = line.text.trim_start_matches(['\t', ' ']);
        if let Some((stamp, shown)) = leading_date(text)
            && BYLINE_REST.is_match(&text[shown.len()..])
        {
            let evidence: String = text.chars().take(60).collect();
            out.push((stamp, evidence.replace('\t', " "), index));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The choice

/// The publication date among the candidates: the most trusted source, the first of equals.
/// Last-Modified is a candidate (so it stays visible) but never the date.
pub(super) fn choose(candidates: &[DateCandidate]) -> Option<DateCandidate> {
    candidates
        .iter()
        .filter(|c| c.source != DateSource::LastModified)
        .min_by_key(|c| c.source)
        .cloned()
}

/// Whether a PubDate-style meta contradicts the date (伪造发稿日期 is a 单项否决 item):
/// - a shown date (metadata table, labelled or unlabelled) that the meta differs from by a
///   calendar day or more, either way;
/// - when the meta is itself the date, a URL date later than it. A URL date is set when the
///   document is created (TRS `t20230117_`, Hanweb `/art/2023/1/17/`), so a meta earlier than
///   it claims a publication before the page existed — a backdated meta; a meta later than it
///   is the usual draft-then-publish (fixtures `trs_art_og_release_only`, conflict false, and
///   `hanweb_art_meta_before_url`, conflict true).
pub(super) fn is_conflict(chosen: Option<&DateCandidate>, candidates: &[DateCandidate]) -> bool {
    let Some(chosen) = chosen else { return false };
    match chosen.source {
        source if source < DateSource::Meta => candidates
            .iter()
            .any(|c| c.source == DateSource::Meta && c.stamp.date != chosen.stamp.date),
        DateSource::Meta => candidates
            .iter()
            .any(|c| c.source == DateSource::Url && c.stamp.date > chosen.stamp.date),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(source: DateSource, date: &str) -> DateCandidate {
        let stamp = dates::parse_value(date).expect("test date");
        DateCandidate {
            date: stamp.render(),
            source,
            evidence: String::new(),
            stamp,
        }
    }

    fn lines(texts: &[&str]) -> Vec<Line> {
        texts
            .iter()
            .map(|t| Line {
                text: (*t).to_string(),
                is_footer: false,
            })
            .collect()
    }

    #[test]
    fn last_modified_is_never_the_date_and_conflicts_are_found() {
        use DateSource::{LastModified, Meta, MetadataTable, Objectid, Url, VisibleLabel, VisibleUnlabelled};
        type Case<'a> = (&'a [(DateSource, &'a str)], Option<&'a str>, bool);
        let cases: [Case; 12] = [
            (&[(LastModified, "2025-03-05")], None, false),
            (
                &[(LastModified, "2025-03-01"), (Url, "2025-03-05")],
                Some("2025-03-05"),
                false,
            ),
            (
                &[(Objectid, "2025-03-04"), (LastModified, "2025-03-01")],
                Some("2025-03-04"),
                false,
            ),
            (
                &[(VisibleLabel, "2025-03-05"), (Meta, "2025-03-05")],
                Some("2025-03-05"),
                false,
            ),
            (
                &[(VisibleLabel, "2025-03-05"), (Meta, "2025-03-07")],
                Some("2025-03-05"),
                true,
            ),
            (
                &[(MetadataTable, "2025-03-05"), (Meta, "2025-03-01")],
                Some("2025-03-05"),
                true,
            ),
            // An unlabelled visible date beats the URL (a site-migration date) without conflict …
            (
                &[(VisibleUnlabelled, "2021-06-10"), (Url, "2023-09-01")],
                Some("2021-06-10"),
                false,
            ),
            // … and a meta that disagrees with it is a conflict like any shown date.
            (
                &[(VisibleUnlabelled, "2021-06-10"), (Meta, "2021-06-12")],
                Some("2021-06-10"),
                true,
            ),
            // A meta earlier than the URL's creation date is backdated.
            (&[(Meta, "2025-06-30"), (Url, "2025-07-08")], Some("2025-06-30"), true),
            // A meta a day after the creation date is draft-then-publish.
            (
                &[(Meta, "2023-01-18 08:30"), (Url, "2023-01-17")],
                Some("2023-01-18 08:30"),
                false,
            ),
            (
                &[(Meta, "2025-07-08 09:00"), (Url, "2025-07-08")],
                Some("2025-07-08 09:00"),
                false,
            ),
            (
                &[(Url, "2025-07-08"), (LastModified, "2025-07-01")],
                Some("2025-07-08"),
                false,
            ),
        ];
        for (found, expected, conflict) in cases {
            let candidates: Vec<DateCandidate> = found.iter().map(|(s, d)| candidate(*s, d)).collect();
            let chosen = choose(&candidates);
            assert_eq!(chosen.as_ref().map(|c| c.date.as_str()), expected, "{found:?}");
            assert_eq!(is_conflict(chosen.as_ref(), &candidates), conflict, "{found:?}");
        }
    }

    #[test]
    fn elements_named_for_the_publication_time() {
        let cases: [(&str, Option<&str>); 14] = [
            (
                r#"<span id="pubTime">2021年06月10日 17:35</span>"#,
                Some("2021-06-10 17:35"),
            ),
            ("<span class=\"pubtime\">\n 2022-05-07\n</span>", Some("2022-05-07")),
            (
                r#"<div class="time">2022-05-07 来源：区财政局</div>"#,
                Some("2022-05-07"),
            ),
            (r#"<p id="publishTime">2023/3/5 09:30</p>"#, Some("2023-03-05 09:30")),
            (
                r#"<table><tr><td class="fbsj">2023-03-05</td></tr></table>"#,
                Some("2023-03-05"),
            ),
            (r#"<span class="article-pubdate">2023.03.05</span>"#, Some("2023-03-05")),
            (r#"<em class="info fbrq">2024-01-02</em>"#, Some("2024-01-02")),
            // Not named for the publication time, or not starting with the date.
            (r#"<span class="date">2022-05-07</span>"#, None),
            (r#"<span class="update-time">2022-05-07</span>"#, None),
            (r#"<span id="pubTime">更新于2022-05-07</span>"#, None),
            (r#"<span id="pubTime"></span>"#, None),
            // In a list, or repeated with different dates: a list's dates.
            (
                r#"<ul><li><a href="/a">通知一二三四</a><span class="time">2022-05-07</span></li></ul>"#,
                None,
            ),
            (
                r#"<div class="pubtime">2022-05-07</div><div class="pubtime">2022-05-09</div>"#,
                None,
            ),
            (
                r#"<div id="footer"><span class="pubtime">2026-01-01</span></div>"#,
                None,
            ),
        ];
        for (body, expected) in cases {
            let html = Html::parse_document(&format!("<html><body><h1>标题</h1>{body}</body></html>"));
            let found = named_element_dates(&html);
            assert_eq!(found.first().map(|(s, _)| s.render()).as_deref(), expected, "{body}");
        }
    }

    #[test]
    fn dates_that_open_a_byline() {
        let cases: [(&str, Option<&str>); 9] = [
            ("2022-05-07 00:00 来源：区财政局", Some("2022-05-07 00:00")),
            ("2022-05-07 作者：王明 来源：区教体局", Some("2022-05-07")),
            ("\t2023年3月5日 10:20\t浏览次数：35\t", Some("2023-03-05 10:20")),
            ("2023-03-05 | 点击：108", Some("2023-03-05")),
            ("2023-03-05 【字号：大 中 小】", Some("2023-03-05")),
            // Not a byline: body text, a list row, a widget.
            ("2023年3月5日，区政府召开常务会议，来源于各部门的报告……", None),
            ("2023-03-05 关于开展安全检查的通知", None),
            ("今天是2026年11月26日 星期四 来源：", None),
            ("会议于2023-03-05召开 来源：区政府", None),
        ];
        for (text, expected) in cases {
            let found = byline_dates(&lines(&[text]));
            assert_eq!(found.first().map(|(s, _, _)| s.render()).as_deref(), expected, "{text}");
        }
        let footer = vec![Line {
            text: "2026-01-01 来源：本站".to_string(),
            is_footer: true,
        }];
        assert!(byline_dates(&footer).is_empty());
    }
}
