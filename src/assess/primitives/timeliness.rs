//! `timeliness`: documents of the window published within N calendar or working days of the
//! event they record (成文日期, 许可/处罚决定日期, 会议日期, the 解读's document). A document
//! from before the window proves nothing about it; a 双公示 table is judged row by row.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::{Context, cite_doc, find_documents};
use crate::assess::catalog::{DayType, DocSpec, EventSource};
use crate::assess::model::docs::Doc;
use crate::assess::model::{Page, day};
use crate::assess::verdict::{Basis, Outcome, cite};

impl EventSource {
    pub fn label(self) -> &'static str {
        match self {
            EventSource::DocDate => "成文日期",
            EventSource::DecisionDate => "决定日期",
            EventSource::MeetingDate => "会议召开日期",
            EventSource::LinkedDocDate => "所解读文件的发布日期",
        }
    }
}

static HELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})年(\d{1,2})月(\d{1,2})日[^。\n]{0,24}?(召开|举行)").expect("valid regex"));

fn meeting_in_text(text: &str) -> Option<NaiveDate> {
    let c = HELD.captures(text)?;
    NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
}

const DECISION_LABELS: &[&str] = &[
    "决定日期",
    "许可日期",
    "处罚日期",
    "决定时间",
    "作出决定",
    "许可决定日期",
    "处罚决定日期",
];

/// Every 决定日期 of a 双公示 table (one per row), or a labelled one.
fn decision_dates(page: &Page) -> Vec<NaiveDate> {
    let mut dates = Vec::new();
    for table in page.tables().iter() {
        if let Some(header) = table.headers.last()
            && let Some(col) = header
                .iter()
                .position(|h| DECISION_LABELS.iter().any(|l| h.contains(l)))
        {
            dates.extend(
                table
                    .rows
                    .iter()
                    .filter_map(|r| r.get(col))
                    .filter_map(|v| day(v.trim())),
            );
            continue;
        }
        // A two-column record: 处罚决定日期 | 2025-03-05.
        for row in table.headers.iter().chain(&table.rows) {
            for pair in row.windows(2) {
                if DECISION_LABELS.iter().any(|l| pair[0].contains(l))
                    && let Some(d) = day(pair[1].trim())
                {
                    dates.push(d);
                }
            }
        }
    }
    if dates.is_empty()
        && let Some(d) = page.labelled_date(DECISION_LABELS)
    {
        dates.push(d);
    }
    dates
}

/// The policy document a 解读 is about: a linked article named in its title (《…》) or whose
/// 文号 it cites, else the single linked article of a policy column.
pub fn linked_document<'a>(cx: &Context<'a>, page: &Page) -> Option<&'a Page> {
    let named = named_document(&page.title);
    let linked: Vec<&'a Page> = page
        .links()
        .iter()
        .filter(|(to, _)| *to != page.url)
        .filter_map(|(to, _)| cx.site.page(to))
        .filter(|p| p.kind == "article" && p.url != page.url)
        .collect();
    if let Some(n) = named
        && let Some(p) = linked
            .iter()
            .find(|p| p.title.contains(n) || n.contains(p.title.as_str()))
    {
        return Some(p);
    }
    let text = page.text();
    // By the 文号 the 解读 cites (「（某政发〔2025〕3号）」).
    let cited_numbers: Vec<&str> = DOC_NO.find_iter(&text).map(|m| m.as_str()).take(5).collect();
    if !cited_numbers.is_empty()
        && let Some(p) = cx.site.pages.iter().find(|p| {
            p.url != page.url
                && p.kind == "article"
                && !p.title.contains("解读")
                && p.doc_no
                    .as_deref()
                    .is_some_and(|n| cited_numbers.iter().any(|c| normalize_doc_no(c) == normalize_doc_no(n)))
        })
    {
        return Some(p);
    }
    // A linked article of a policy column (asked of the few linked pages, not by listing
    // every policy document once per 解读).
    let policy = cx.site.with_descendants(&cx.site.key_columns("policy_docs"));
    let in_policy: Vec<&&Page> = linked
        .iter()
        .filter(|p| {
            cx.site.listed_in(&p.url).iter().any(|c| policy.contains(c))
                || policy
                    .iter()
                    .any(|&c| cx.site.columns[c].items.is_empty() && cx.site.columns[c].url == p.url)
        })
        .collect();
    if in_policy.len() == 1 {
        return Some(in_policy[0]);
    }
    // By name across the site when the 解读 does not link it.
    let n = named?;
    cx.site
        .all_documents_cached()
        .find(|d| d.url != page.url && d.title.contains(n) && !d.title.contains("解读"))
        .and_then(|d| d.page)
}

/// A 文号: 某政发〔2025〕3号, 某政办字[2025]12号.
static DOC_NO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{Han}]{1,8}[〔\[（(]\d{4}[〕\]）)]\d{1,4}号").expect("valid regex"));

/// 文号 compared without the kind of bracket.
fn normalize_doc_no(n: &str) -> String {
    n.chars()
        .map(|c| match c {
            '〔' | '[' | '（' | '(' => '[',
            '〕' | ']' | '）' | ')' => ']',
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The document a 解读's title names: 《临河区养犬管理办法》政策解读 → 临河区养犬管理办法.
pub fn named_document(title: &str) -> Option<&str> {
    title
        .split('《')
        .nth(1)
        .and_then(|s| s.split('》').next())
        .filter(|s| !s.is_empty())
}

/// The events a document records, with what each is.
fn events(cx: &Context<'_>, doc: &Doc<'_>, source: EventSource) -> Vec<(NaiveDate, String)> {
    let Some(page) = doc.page else { return Vec::new() };
    match source {
        EventSource::DocDate => page.doc_date.map(|d| (d, "成文日期".to_string())).into_iter().collect(),
        EventSource::DecisionDate => decision_dates(page)
            .into_iter()
            .map(|d| (d, "决定日期".to_string()))
            .collect(),
        EventSource::MeetingDate => page
            .labelled_date(&["会议时间", "会议日期", "召开时间", "召开日期"])
            .or_else(|| meeting_in_text(&page.text()))
            .map(|d| (d, "会议召开日期".to_string()))
            .into_iter()
            .collect(),
        EventSource::LinkedDocDate => linked_document(cx, page)
            .and_then(|d| d.pub_date.map(|p| (p, format!("文件《{}》发布日期", d.title))))
            .into_iter()
            .collect(),
    }
}

/// `timeliness`: the share of the window's documents (or table rows) published within the
/// limit after their event; late ones are named with how late they were.
pub fn timeliness(
    cx: &Context<'_>,
    spec: &DocSpec,
    limit_days: u32,
    day_type: DayType,
    source: EventSource,
) -> Outcome {
    let found = find_documents(cx, spec);
    let label = &spec.label;
    let unit = match day_type {
        DayType::Working => "个工作日",
        DayType::Calendar => "日",
    };
    let window = cx.window_zh(spec.window);
    if found.in_window.is_empty() {
        if let Some(newest) = found.all.first() {
            return Outcome::fail(
                format!(
                    "{window}未见{label}，无法说明及时公开；最近一份《{}》发布于{}{}",
                    newest.title,
                    newest.date.map_or_else(|| "未注明日期".to_string(), |d| d.to_string()),
                    found.place_note(cx)
                ),
                vec![cite_doc(newest)],
            )
            .with_basis(found.basis);
        }
        return Outcome::fail(format!("{window}未见{label}（{}）", found.searched), Vec::new())
            .with_basis(Basis::NotFound);
    }
    let mut measured = 0;
    let mut estimated = false;
    let mut undated = 0;
    let mut late = Vec::new();
    let mut evidence = Vec::new();
    for doc in &found.in_window {
        let Some(claimed) = doc.date else { continue };
        // zwgk's own nightly crawls are independent evidence of when an item went up: an item
        // that appeared later than it claims is timed from the night it appeared.
        let backdated = cx.site.backdated.get(doc.url).filter(|b| b.first_seen > claimed);
        let published = backdated.map_or(claimed, |b| b.first_seen);
        let shown = match backdated {
            Some(b) => format!("标注发布于{claimed}，但首次出现于{}的抓取", b.first_seen),
            None => format!("发布于{published}"),
        };
        let events = events(cx, doc, source);
        if events.is_empty() {
            undated += 1;
            continue;
        }
        for (event, what) in events {
            if event > published {
                // A date after publication is not the event (a validity end, a typo).
                continue;
            }
            let elapsed = match day_type {
                DayType::Calendar => (published - event).num_days(),
                DayType::Working => {
                    let counted = cx.calendar.workdays_between(event, published);
                    estimated |= counted.estimated;
                    counted.value
                }
            };
            measured += 1;
            if elapsed > i64::from(limit_days) {
                late.push(format!(
                    "《{}》{what}{event}，{shown}，用时{elapsed}{unit}，超期{}{unit}",
                    doc.title,
                    elapsed - i64::from(limit_days)
                ));
                evidence.push(cite(doc.url, format!("{what}{event}；{shown}")));
            } else if evidence.len() < 3 {
                evidence.push(cite_doc(doc));
            }
        }
    }
    if measured == 0 {
        return Outcome::manual(format!(
            "{window}共{}份{label}，但均未注明{}，无法自动判断是否在{limit_days}{unit}内公开，需人工核查",
            found.in_window.len(),
            source.label()
        ));
    }
    let on_time = measured - late.len();
    let mut reason = format!(
        "{window}{label}共核对{measured}项，{on_time}项在{}后{limit_days}{unit}内公开",
        source.label()
    );
    if !late.is_empty() {
        let shown: Vec<&String> = late.iter().take(10).collect();
        reason.push_str(&format!(
            "；逾期{}项：{}",
            late.len(),
            shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("；")
        ));
    }
    if undated > 0 {
        reason.push_str(&format!("；另有{undated}份未注明{}，未计入", source.label()));
    }
    reason.push_str(&found.place_note(cx));
    Outcome::graded(on_time, measured, reason, evidence)
        .with_estimated_calendar(estimated)
        .with_basis(found.basis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_numbers_match_whatever_the_brackets() {
        let found: Vec<&str> = DOC_NO
            .find_iter("根据《某区养犬管理办法》（某政发〔2025〕3号）制定")
            .map(|m| m.as_str())
            .collect();
        assert_eq!(found, ["某政发〔2025〕3号"]);
        assert_eq!(
            normalize_doc_no("某政发〔2025〕3号"),
            normalize_doc_no("某政发[2025]3号")
        );
    }
}
