//! Rule primitives over a site's columns, as of a date. Each returns an `Outcome`: a status,
//! a score (the fraction met), a reason in plain Chinese naming the items and dates, and the
//! URLs the verdict rests on. The engine composing them per catalog leaf comes next.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use super::catalog::Period;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Partial,
    Fail,
    Manual,
    #[serde(rename = "na")]
    NotApplicable,
}

/// A page a verdict rests on, with the words or item that matter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cite {
    pub url: String,
    pub excerpt: String,
}

pub fn cite(url: &str, excerpt: impl Into<String>) -> Cite {
    Cite {
        url: url.to_string(),
        excerpt: excerpt.into(),
    }
}

/// An item as evidence: its title and date.
pub fn cite_item(item: &Item) -> Cite {
    let date = item
        .date
        .map(|d| d.to_string())
        .unwrap_or_else(|| "未注明日期".to_string());
    cite(&item.url, format!("《{}》（{date}）", item.title))
}

fn cite_columns(columns: &[ColumnView]) -> Vec<Cite> {
    columns
        .iter()
        .map(|c| cite(&c.url, format!("栏目「{}」", c.name)))
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub status: Status,
    pub score: Option<f64>,
    pub reason: String,
    pub evidence: Vec<Cite>,
    /// Failure units (late items, missing periods, missing terms …) for deductions.
    pub failures: usize,
    /// Working days were counted over days of a year without a holiday notice (推定).
    pub estimated_calendar: bool,
}

impl Outcome {
    pub fn new(status: Status, score: Option<f64>, reason: String, evidence: Vec<Cite>) -> Outcome {
        let failures = usize::from(matches!(status, Status::Fail | Status::Partial));
        Outcome {
            status,
            score,
            reason,
            evidence,
            failures,
            estimated_calendar: false,
        }
    }

    pub fn with_estimated_calendar(mut self, estimated: bool) -> Outcome {
        self.estimated_calendar |= estimated;
        self
    }

    pub fn with_failures(mut self, failures: usize) -> Outcome {
        self.failures = failures;
        self
    }

    /// Pass when `met == total`, fail when nothing is met, partial in between.
    pub fn graded(met: usize, total: usize, reason: String, evidence: Vec<Cite>) -> Outcome {
        let status = if met == total {
            Status::Pass
        } else if met == 0 {
            Status::Fail
        } else {
            Status::Partial
        };
        let score = if total == 0 { 1.0 } else { met as f64 / total as f64 };
        Outcome::new(status, Some(score), reason, evidence).with_failures(total - met)
    }

    pub fn manual(reason: String) -> Outcome {
        Outcome::new(Status::Manual, None, reason, Vec::new())
    }

    pub fn na(reason: String) -> Outcome {
        Outcome::new(Status::NotApplicable, None, reason, Vec::new())
    }
}

/// One item of a column list.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub title: String,
    pub url: String,
    pub date: Option<NaiveDate>,
}

/// A site column resolved for a key, with its list items (all pages of its list).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnView {
    pub name: String,
    pub url: String,
    /// The column's own pages: its list page and paging windows.
    pub pages: Vec<String>,
    pub items: Vec<Item>,
}

fn not_found(key_name: &str) -> Outcome {
    Outcome::new(
        Status::Fail,
        Some(0.0),
        format!("网站未找到「{key_name}」栏目"),
        Vec::new(),
    )
}

pub fn column_exists(key_name: &str, columns: &[ColumnView]) -> Outcome {
    match columns.first() {
        None => not_found(key_name),
        Some(c) => Outcome::new(
            Status::Pass,
            Some(1.0),
            format!("已设置「{}」栏目", c.name),
            cite_columns(columns),
        ),
    }
}

pub fn column_not_empty(key_name: &str, columns: &[ColumnView]) -> Outcome {
    if columns.is_empty() {
        return not_found(key_name);
    }
    let items: usize = columns.iter().map(|c| c.items.len()).sum();
    let urls = cite_columns(columns);
    if items == 0 {
        Outcome::new(
            Status::Fail,
            Some(0.0),
            format!("「{}」栏目为空栏目，未发布任何信息", columns[0].name),
            urls,
        )
    } else {
        Outcome::new(
            Status::Pass,
            Some(1.0),
            format!("「{}」栏目共有{items}条信息", columns[0].name),
            urls,
        )
    }
}

/// The newest dated item of the columns.
fn newest(columns: &[ColumnView]) -> Option<&Item> {
    columns
        .iter()
        .flat_map(|c| &c.items)
        .filter(|i| i.date.is_some())
        .max_by_key(|i| i.date)
}

/// The newest item must be no older than `months` months (and `days` days) before `as_of`.
pub fn freshness(key_name: &str, columns: &[ColumnView], months: u32, days: u32, as_of: NaiveDate) -> Outcome {
    if columns.is_empty() {
        return not_found(key_name);
    }
    let limit = as_of
        .checked_sub_months(Months::new(months))
        .and_then(|d| d.checked_sub_days(chrono::Days::new(u64::from(days))))
        .unwrap_or(as_of);
    match newest(columns) {
        None => Outcome::new(
            Status::Fail,
            Some(0.0),
            format!(
                "「{}」栏目没有注明发布时间的信息（未注明发布时间的信息视为不更新）",
                columns[0].name
            ),
            cite_columns(columns),
        ),
        Some(item) => {
            let date = item.date.expect("filtered on dates");
            if date >= limit {
                Outcome::new(
                    Status::Pass,
                    Some(1.0),
                    format!(
                        "「{}」栏目最新信息《{}》发布于{}，在{}之后",
                        columns[0].name, item.title, date, limit
                    ),
                    vec![cite_item(item)],
                )
            } else {
                Outcome::new(
                    Status::Fail,
                    Some(0.0),
                    format!(
                        "「{}」栏目最新信息《{}》发布于{}，截至{as_of}已超过更新期限（应不早于{limit}），逾期{}天",
                        columns[0].name,
                        item.title,
                        date,
                        (limit - date).num_days()
                    ),
                    vec![cite_item(item)],
                )
            }
        }
    }
}

/// The periods of `year` that are over by `as_of` (all of them for a past year).
pub fn due_periods(every: Period, year: i32, as_of: NaiveDate) -> Vec<(NaiveDate, NaiveDate, String)> {
    let mut periods = Vec::new();
    let start = NaiveDate::from_ymd_opt(year, 1, 1).expect("January 1st exists");
    let months = match every {
        Period::Month => 1,
        Period::Quarter => 3,
        Period::HalfYear => 6,
        Period::Year => 12,
        Period::Fortnight => 0,
    };
    if months == 0 {
        let mut from = start;
        let mut n = 1;
        while from.year() == year {
            let to = from + chrono::Days::new(13);
            // Only fortnights that end inside the year and are over by the as-of date.
            if to >= as_of || to.year() != year {
                break;
            }
            periods.push((from, to, format!("第{n}个两周（{from}至{to}）")));
            from = to + chrono::Days::new(1);
            n += 1;
        }
        return periods;
    }
    let mut from = start;
    while from.year() == year {
        let next = from.checked_add_months(Months::new(months)).expect("within range");
        let to = next.pred_opt().expect("has a previous day");
        if to >= as_of {
            break;
        }
        let label = match every {
            Period::Month => format!("{}年{}月", year, from.month()),
            Period::Quarter => format!("{}年第{}季度", year, (from.month() - 1) / 3 + 1),
            Period::HalfYear => format!("{}年{}半年", year, if from.month() == 1 { "上" } else { "下" }),
            _ => format!("{year}年"),
        };
        periods.push((from, to, label));
        from = next;
    }
    periods
}

/// The last day of the period a title reports on: 2025年第三季度 → 2025-09-30, 2025年1-9月 and
/// 2025年9月 → 2025-09-30, 2025年上半年 → 2025-06-30.
pub fn reported_period_end(title: &str) -> Option<NaiveDate> {
    static QUARTER: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"(\d{4})年(?:度)?第?([一二三四1-4])季度").expect("valid regex"));
    static MONTH: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(\d{4})年(?:1\s*[-—–~～至]\s*)?(\d{1,2})月").expect("valid regex")
    });
    static HALF: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"(\d{4})年(上|下)半年").expect("valid regex"));
    let end_of_month = |year: i32, month: u32| {
        NaiveDate::from_ymd_opt(year, month, 1)
            .and_then(|d| d.checked_add_months(Months::new(1)))
            .and_then(|d| d.pred_opt())
    };
    if let Some(c) = QUARTER.captures(title) {
        let q = match &c[2] {
            "一" | "1" => 1,
            "二" | "2" => 2,
            "三" | "3" => 3,
            _ => 4,
        };
        return end_of_month(c[1].parse().ok()?, q * 3);
    }
    if let Some(c) = HALF.captures(title) {
        return end_of_month(c[1].parse().ok()?, if &c[2] == "上" { 6 } else { 12 });
    }
    let c = MONTH.captures(title)?;
    let month: u32 = c[2].parse().ok()?;
    if !(1..=12).contains(&month) {
        return None;
    }
    end_of_month(c[1].parse().ok()?, month)
}

/// At least one dated item in every period of `year` that is over by `as_of`.
pub fn periodic_coverage(
    key_name: &str,
    columns: &[ColumnView],
    every: Period,
    year: i32,
    as_of: NaiveDate,
) -> Outcome {
    if columns.is_empty() {
        return not_found(key_name);
    }
    let periods = due_periods(every, year, as_of);
    if periods.is_empty() {
        return Outcome::na(format!("截至{as_of}，{year}年尚无到期的公开周期"));
    }
    let items: Vec<&Item> = columns.iter().flat_map(|c| &c.items).collect();
    // A report names the period it covers (2025年第三季度, 2025年1-9月): it counts for that
    // period, whenever it was published; other items count for their publication date.
    let counted = |i: &Item| -> Option<NaiveDate> {
        let published = i.date?;
        if every == Period::Fortnight {
            return Some(published);
        }
        Some(
            reported_period_end(&i.title)
                .filter(|d| (d.year() - published.year()).abs() <= 1)
                .unwrap_or(published),
        )
    };
    let mut missing = Vec::new();
    let mut evidence = Vec::new();
    for (from, to, label) in &periods {
        match items
            .iter()
            .find(|i| counted(i).is_some_and(|d| d >= *from && d <= *to))
        {
            Some(item) => evidence.push(cite_item(item)),
            None => missing.push(label.clone()),
        }
    }
    let covered = periods.len() - missing.len();
    let name = &columns[0].name;
    if missing.is_empty() {
        Outcome::new(
            Status::Pass,
            Some(1.0),
            format!("「{name}」栏目{}个应公开周期均有发布", periods.len()),
            evidence,
        )
    } else {
        Outcome::graded(
            covered,
            periods.len(),
            format!(
                "「{name}」栏目{}个应公开周期中{}个有发布，缺少：{}",
                periods.len(),
                covered,
                missing.join("、")
            ),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn column(dates: &[&str]) -> Vec<ColumnView> {
        vec![ColumnView {
            name: "饮用水水源".to_string(),
            url: "http://a.gov.cn/col/col6024/index.html".to_string(),
            pages: vec!["http://a.gov.cn/col/col6024/index.html".to_string()],
            items: dates
                .iter()
                .enumerate()
                .map(|(i, date)| Item {
                    title: format!("第{i}期"),
                    url: format!("http://a.gov.cn/art/{i}.html"),
                    date: (!date.is_empty()).then(|| d(date)),
                })
                .collect(),
        }]
    }

    #[test]
    fn existence_and_emptiness() {
        assert_eq!(column_exists("政策解读", &[]).status, Status::Fail);
        assert_eq!(column_exists("政策解读", &column(&[])).status, Status::Pass);
        let empty = column_not_empty("建筑市场监管", &column(&[]));
        assert_eq!(empty.status, Status::Fail);
        assert!(empty.reason.contains("空栏目"));
        assert_eq!(column_not_empty("x", &column(&["2025-01-01"])).status, Status::Pass);
    }

    #[test]
    fn freshness_cases() {
        let as_of = d("2026-01-15");
        // (dates, months, days, status)
        let cases = [
            (vec!["2026-01-02"], 0, 14, Status::Pass),
            (vec!["2025-12-31"], 0, 14, Status::Fail),
            (vec!["2025-06-20", "2025-03-01"], 6, 0, Status::Fail),
            (vec!["2025-07-15"], 6, 0, Status::Pass),
            (vec!["2025-03-10"], 12, 0, Status::Pass),
            (vec![""], 12, 0, Status::Fail),
        ];
        for (dates, months, days, status) in cases {
            let outcome = freshness("通知公告", &column(&dates), months, days, as_of);
            assert_eq!(outcome.status, status, "{dates:?} {months}m{days}d: {}", outcome.reason);
        }
        let stale = freshness("通知公告", &column(&["2025-06-20"]), 6, 0, as_of);
        assert!(
            stale.reason.contains("2025-06-20") && stale.reason.contains("逾期"),
            "{}",
            stale.reason
        );
    }

    #[test]
    fn coverage_over_due_periods() {
        let as_of = d("2026-01-15");
        let quarters = ["2025-02-10", "2025-05-12", "2025-11-03"];
        let outcome = periodic_coverage("饮用水水源", &column(&quarters), Period::Quarter, 2025, as_of);
        assert_eq!(outcome.status, Status::Partial);
        assert_eq!(outcome.score, Some(0.75));
        assert!(outcome.reason.contains("2025年第3季度"), "{}", outcome.reason);
        let months: Vec<String> = (1..=12).map(|m| format!("2025-{m:02}-20")).collect();
        let months: Vec<&str> = months.iter().map(String::as_str).collect();
        assert_eq!(
            periodic_coverage("财政收支", &column(&months), Period::Month, 2025, as_of).status,
            Status::Pass
        );
        // The current year: only periods already over count.
        assert_eq!(due_periods(Period::Month, 2026, d("2026-03-05")).len(), 2);
        assert_eq!(
            periodic_coverage("x", &column(&[]), Period::Quarter, 2026, d("2026-02-01")).status,
            Status::NotApplicable
        );
        assert_eq!(due_periods(Period::Fortnight, 2025, as_of).len(), 26);
    }
}
