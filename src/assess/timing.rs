//! Rules on time: publication within N calendar or working days of an event (timeliness)
//! and publication of a named item by a date of the assessment year (deadline).

use chrono::{Datelike, NaiveDate};
use regex::Regex;

use super::calendar::WorkCalendar;
use super::catalog::DayType;
use super::content::linked_document;
use super::rules::{Cite, ColumnView, Item, Outcome, Status, cite, cite_item};
use super::site::{Page, SiteView, day};

/// Where an item's event date is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    /// 成文日期 / 生成日期 from the 目录 metadata.
    DocDate,
    /// 许可/处罚决定日期.
    DecisionDate,
    /// The meeting's date (会议时间, or 于YYYY年M月D日召开 in the text).
    MeetingDate,
    /// The publication date of the document a 解读 links to.
    LinkedDocDate,
}

impl EventSource {
    pub fn parse(s: &str) -> Option<EventSource> {
        Some(match s {
            "doc_date" => EventSource::DocDate,
            "decision_date" => EventSource::DecisionDate,
            "meeting_date" => EventSource::MeetingDate,
            "linked_doc_date" => EventSource::LinkedDocDate,
            _ => return None,
        })
    }

    fn label(self) -> &'static str {
        match self {
            EventSource::DocDate => "成文日期",
            EventSource::DecisionDate => "决定日期",
            EventSource::MeetingDate => "会议召开日期",
            EventSource::LinkedDocDate => "所解读文件的发布日期",
        }
    }
}

fn meeting_in_text(text: &str) -> Option<NaiveDate> {
    static HELD: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"(\d{4})年(\d{1,2})月(\d{1,2})日[^。\n]{0,24}?(召开|举行)").expect("valid regex")
    });
    let c = HELD.captures(text)?;
    NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
}

/// The event date of an item page, and what it is (the document's title for a 解读).
pub fn event_date(
    site: &SiteView,
    page: &Page,
    source: EventSource,
    documents: &[ColumnView],
) -> Option<(NaiveDate, String)> {
    match source {
        EventSource::DocDate => page.doc_date.map(|d| (d, "成文日期".to_string())),
        EventSource::DecisionDate => page
            .labelled_date(&["决定日期", "许可日期", "处罚日期", "决定时间", "作出决定"])
            .map(|d| (d, "决定日期".to_string()))
            .or_else(|| decision_in_tables(page).map(|d| (d, "决定日期".to_string()))),
        EventSource::MeetingDate => page
            .labelled_date(&["会议时间", "会议日期", "召开时间", "召开日期"])
            .or_else(|| meeting_in_text(page.text()))
            .map(|d| (d, "会议召开日期".to_string())),
        EventSource::LinkedDocDate => {
            let doc = linked_document(site, page, documents)?;
            doc.pub_date.map(|d| (d, format!("文件《{}》发布日期", doc.title)))
        }
    }
}

/// A 决定日期 column of a 双公示 table.
fn decision_in_tables(page: &Page) -> Option<NaiveDate> {
    for table in &page.tables {
        for row in table.headers.iter().chain(&table.rows) {
            for pair in row.windows(2) {
                if pair[0].contains("决定日期") {
                    return day(pair[1].trim());
                }
            }
        }
        if let Some(header) = table.headers.last()
            && let Some(col) = header.iter().position(|h| h.contains("决定日期"))
        {
            return table.rows.first().and_then(|r| r.get(col)).and_then(|v| day(v.trim()));
        }
    }
    None
}

pub struct Timeliness<'a> {
    pub key_name: &'a str,
    pub limit_days: u32,
    pub day_type: DayType,
    pub source: EventSource,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// `timeliness`: the share of the period's items published within the limit after their
/// event; late items are named with how late they were.
pub fn timeliness(
    site: &SiteView,
    calendar: &WorkCalendar,
    columns: &[ColumnView],
    documents: &[ColumnView],
    t: &Timeliness<'_>,
) -> Outcome {
    if columns.is_empty() {
        return Outcome::new(
            Status::Fail,
            Some(0.0),
            format!("网站未找到「{}」栏目", t.key_name),
            Vec::new(),
        );
    }
    let unit = match t.day_type {
        DayType::Working => "个工作日",
        DayType::Calendar => "日",
    };
    let mut measured = 0;
    let mut estimated = false;
    let mut undated = 0;
    let mut late = Vec::new();
    let mut evidence: Vec<Cite> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for item in columns.iter().flat_map(|c| &c.items) {
        let Some(published) = item.date.filter(|d| *d >= t.from && *d <= t.to) else {
            continue;
        };
        if !seen.insert(item.url.as_str()) {
            continue;
        }
        let Some(page) = site.page(&item.url) else { continue };
        let Some((event, what)) = event_date(site, page, t.source, documents) else {
            undated += 1;
            continue;
        };
        let elapsed = match t.day_type {
            DayType::Calendar => (published - event).num_days(),
            DayType::Working => {
                let counted = calendar.workdays_between(event, published);
                estimated |= counted.estimated;
                counted.value
            }
        };
        measured += 1;
        if elapsed > i64::from(t.limit_days) {
            late.push(format!(
                "《{}》{what}{event}，发布于{published}，用时{elapsed}{unit}，超期{}{unit}",
                item.title,
                elapsed - i64::from(t.limit_days)
            ));
            evidence.push(cite(&item.url, format!("{what}{event}；发布日期{published}")));
        } else if evidence.len() < 3 {
            evidence.push(cite_item(item));
        }
    }
    if measured == 0 {
        let why = if undated > 0 {
            format!("{undated}条信息未注明{}", t.source.label())
        } else {
            "期间无可检查的信息".to_string()
        };
        return Outcome::manual(format!(
            "「{}」栏目{}至{}：{why}，无法自动判断是否在{}{unit}内公开，需人工核查",
            t.key_name, t.from, t.to, t.limit_days
        ));
    }
    let on_time = measured - late.len();
    let mut reason = format!(
        "「{}」栏目{}至{}发布的{measured}条信息中{on_time}条在{}后{}{unit}内公开",
        t.key_name,
        t.from,
        t.to,
        t.source.label(),
        t.limit_days
    );
    if !late.is_empty() {
        reason.push_str(&format!("；逾期：{}", late.join("；")));
    }
    if undated > 0 {
        reason.push_str(&format!("；另有{undated}条未注明{}，未计入", t.source.label()));
    }
    Outcome::graded(on_time, measured, reason, evidence).with_estimated_calendar(estimated)
}

/// `deadline`: an item matching the pattern published on or before the deadline.
pub fn deadline(
    key_name: &str,
    columns: &[ColumnView],
    pattern: &Regex,
    deadline: NaiveDate,
    pattern_has_year: bool,
    as_of: NaiveDate,
) -> Outcome {
    if columns.is_empty() {
        return Outcome::new(
            Status::Fail,
            Some(0.0),
            format!("网站未找到「{key_name}」栏目"),
            Vec::new(),
        );
    }
    let window_start = deadline.checked_sub_months(chrono::Months::new(12)).unwrap_or(deadline);
    let mut matches: Vec<&Item> = columns
        .iter()
        .flat_map(|c| &c.items)
        .filter(|i| pattern.is_match(&i.title))
        .filter(|i| pattern_has_year || i.date.is_none_or(|d| d > window_start))
        .collect();
    matches.sort_by_key(|i| i.date);
    if let Some(on_time) = matches.iter().find(|i| i.date.is_some_and(|d| d <= deadline)) {
        let date = on_time.date.map(|d| d.to_string()).unwrap_or_default();
        return Outcome::new(
            Status::Pass,
            Some(1.0),
            format!("「{key_name}」栏目《{}》发布于{date}，在{deadline}之前", on_time.title),
            vec![cite_item(on_time)],
        );
    }
    if let Some(late) = matches.iter().find(|i| i.date.is_some()) {
        let date = late.date.unwrap_or(deadline);
        return Outcome::new(
            Status::Fail,
            Some(0.0),
            format!(
                "「{key_name}」栏目《{}》发布于{date}，晚于期限{deadline}，逾期{}天",
                late.title,
                (date - deadline).num_days()
            ),
            vec![cite_item(late)],
        );
    }
    if as_of < deadline {
        return Outcome::na(format!(
            "公开期限为{deadline}，截至{as_of}尚未到期，「{key_name}」栏目暂未发布（到期后再评）"
        ));
    }
    let undated = matches.first();
    Outcome::new(
        Status::Fail,
        Some(0.0),
        match undated {
            Some(i) => format!(
                "「{key_name}」栏目《{}》未注明发布时间，无法确认在{deadline}前公开",
                i.title
            ),
            None => format!(
                "截至{as_of}，「{key_name}」栏目未发布应于{deadline}前公开的信息（标题应符合「{}」）",
                pattern.as_str()
            ),
        },
        undated.map(|i| cite_item(i)).into_iter().collect(),
    )
}

/// `{Y}` and `{Y-1}` of a pattern, for the assessment year.
pub fn with_year(pattern: &str, year: i32) -> String {
    pattern
        .replace("{Y-1}", &(year - 1).to_string())
        .replace("{Y}", &year.to_string())
}

/// The assessment year by default: the last complete calendar year before the as-of date.
pub fn default_year(as_of: NaiveDate) -> i32 {
    as_of.year() - 1
}
