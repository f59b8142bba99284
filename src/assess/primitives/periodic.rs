//! `periodic`: every period of the assessment year whose time has passed has a document of
//! the series (一月一次, 一季度一次, 两周一次). Only documents of the series count (a 政策简介
//! in the same column is not a quarterly figure), a report counts for the period it names
//! (2025年第三季度, 2025年1-9月), and a period is missing only once its own time limit has
//! passed: on 2026-01-05 December's and Q4's figures are not yet late.

use chrono::{Datelike, Months, NaiveDate};

use super::{Context, cite_doc, find_series};
use crate::assess::catalog::{DocSpec, Period};
use crate::assess::verdict::{Basis, Outcome, cite};

/// A period of a year: first day, last day, and its name.
pub type Span = (NaiveDate, NaiveDate, String);

/// The periods of `year`, with the day each becomes due (`grace_months` after its end, at the
/// end of that month; a fortnight is due when it ends).
pub fn year_periods(every: Period, year: i32, grace_months: u32) -> Vec<(Span, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1).expect("January 1st exists");
    if every == Period::Fortnight {
        let mut out = Vec::new();
        let mut from = start;
        let mut n = 1;
        loop {
            let to = from + chrono::Days::new(13);
            if to.year() != year {
                break;
            }
            out.push(((from, to, format!("第{n}个两周（{from}至{to}）")), to));
            from = to + chrono::Days::new(1);
            n += 1;
        }
        return out;
    }
    let months = match every {
        Period::Month => 1,
        Period::Quarter => 3,
        Period::HalfYear => 6,
        _ => 12,
    };
    let mut out = Vec::new();
    let mut from = start;
    while from.year() == year {
        let next = from.checked_add_months(Months::new(months)).expect("within range");
        let to = next.pred_opt().expect("has a previous day");
        let label = match every {
            Period::Month => format!("{}年{}月", year, from.month()),
            Period::Quarter => format!("{}年第{}季度", year, (from.month() - 1) / 3 + 1),
            Period::HalfYear => format!("{}年{}半年", year, if from.month() == 1 { "上" } else { "下" }),
            _ => format!("{year}年"),
        };
        let due = end_of_month(
            next.checked_add_months(Months::new(grace_months.saturating_sub(1)))
                .unwrap_or(next),
        )
        .filter(|_| grace_months > 0)
        .unwrap_or(to);
        out.push(((from, to, label), due));
        from = next;
    }
    out
}

fn end_of_month(date: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(date.year(), date.month(), 1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

/// The periods of `year` that are over by `as_of` (all of them for a past year).
pub fn due_periods(every: Period, year: i32, as_of: NaiveDate) -> Vec<Span> {
    year_periods(every, year, 0)
        .into_iter()
        .filter(|((_, to, _), _)| *to < as_of)
        .map(|(span, _)| span)
        .collect()
}

/// The last day of the period a title reports on: 2025年第三季度 → 2025-09-30, 2025年1-9月 and
/// 2025年9月 → 2025-09-30, 2025年上半年 → 2025-06-30.
pub fn reported_period_end(title: &str) -> Option<NaiveDate> {
    static QUARTER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(\d{4})\s*年\s*(?:度)?第?\s*([一二三四1-4])\s*季度").expect("valid regex")
    });
    static MONTH: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(\d{4})\s*年\s*(?:1\s*[-—–~～至]\s*)?(\d{1,2})\s*月").expect("valid regex")
    });
    static HALF: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"(\d{4})\s*年\s*(上|下)半年").expect("valid regex"));
    let month_end = |year: i32, month: u32| NaiveDate::from_ymd_opt(year, month, 1).and_then(end_of_month);
    if let Some(c) = QUARTER.captures(title) {
        let q = match &c[2] {
            "一" | "1" => 1,
            "二" | "2" => 2,
            "三" | "3" => 3,
            _ => 4,
        };
        return month_end(c[1].parse().ok()?, q * 3);
    }
    if let Some(c) = HALF.captures(title) {
        return month_end(c[1].parse().ok()?, if &c[2] == "上" { 6 } else { 12 });
    }
    let c = MONTH.captures(title)?;
    let month: u32 = c[2].parse().ok()?;
    if !(1..=12).contains(&month) {
        return None;
    }
    month_end(c[1].parse().ok()?, month)
}

/// `periodic`: a document of the series in every period of Y that is due by the as-of date.
pub fn periodic(cx: &Context<'_>, spec: &DocSpec, every: Period, grace_months: u32, by_count: bool) -> Outcome {
    let found = find_series(cx, spec);
    let label = &spec.label;
    let periods = year_periods(every, cx.year, grace_months);
    let (due, pending): (Vec<_>, Vec<_>) = periods.iter().partition(|(_, due)| *due < cx.as_of);
    if due.is_empty() {
        return Outcome::na(format!("截至{}，{}年尚无到期的{label}公开周期", cx.as_of, cx.year));
    }
    if found.all.is_empty() {
        let evidence = found
            .columns
            .iter()
            .take(2)
            .map(|&c| {
                cite(
                    &cx.site.columns[c].url,
                    format!("已查栏目「{}」", cx.site.column_path(c)),
                )
            })
            .collect();
        return Outcome::fail(
            format!("未见{label}，{}个应公开周期均缺（{}）", due.len(), found.searched),
            evidence,
        )
        .with_basis(Basis::NotFound)
        .with_failures(due.len());
    }
    if by_count {
        return count_of_year(cx, spec, &found, due.len(), pending.len());
    }
    // A report counts for the period it names, whenever it was published; other documents
    // count for their publication date.
    let counted = |title: &str, date: Option<NaiveDate>| -> Option<NaiveDate> {
        let published = date?;
        if every == Period::Fortnight {
            return Some(published);
        }
        Some(
            reported_period_end(title)
                .filter(|d| (d.year() - published.year()).abs() <= 1)
                .unwrap_or(published),
        )
    };
    let mut missing = Vec::new();
    let mut evidence = Vec::new();
    for ((from, to, label), _) in &due {
        match found
            .all
            .iter()
            .find(|d| counted(d.title, d.date).is_some_and(|x| x >= *from && x <= *to))
        {
            Some(doc) => {
                if evidence.len() < 12 {
                    evidence.push(cite_doc(doc));
                }
            }
            None => missing.push(label.clone()),
        }
    }
    let covered = due.len() - missing.len();
    let pending_note = if pending.is_empty() {
        String::new()
    } else {
        format!(
            "（{}尚未到公开期限，不计）",
            pending
                .iter()
                .map(|((_, _, l), _)| l.as_str())
                .collect::<Vec<_>>()
                .join("、")
        )
    };
    let note = found.place_note(cx);
    let reason = if missing.is_empty() {
        format!("{label}：{}个已到期的公开周期均有发布{pending_note}{note}", due.len())
    } else {
        format!(
            "{label}：{}个已到期的公开周期中{covered}个有发布，缺少：{}{pending_note}{note}",
            due.len(),
            missing.join("、")
        )
    };
    Outcome::graded(covered, due.len(), reason, evidence).with_basis(found.basis)
}

/// The year a title names (「2025年第3期」), else the year it was published.
fn titled_year(title: &str, date: Option<NaiveDate>) -> Option<i32> {
    static YEAR: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"((?:19|20)\d{2})\s*年").expect("valid regex"));
    YEAR.captures(title)
        .and_then(|c| c[1].parse().ok())
        .or_else(|| date.map(|d| d.year()))
}

/// `by_count`: the documents of Y are at least as many as the periods that are due.
fn count_of_year(cx: &Context<'_>, spec: &DocSpec, found: &super::Found<'_>, due: usize, pending: usize) -> Outcome {
    let label = &spec.label;
    let of_year: Vec<_> = found
        .all
        .iter()
        .filter(|d| titled_year(d.title, d.date) == Some(cx.year))
        .collect();
    let evidence = of_year.iter().take(12).map(|d| cite_doc(d)).collect();
    let pending_note = if pending > 0 {
        format!("（另有{pending}期尚未到期，不计）")
    } else {
        String::new()
    };
    let have = of_year.len().min(due);
    let reason = format!(
        "{label}：{}年应已出版{due}期，网站可见{}期{pending_note}{}",
        cx.year,
        of_year.len(),
        found.place_note(cx)
    );
    Outcome::graded(have, due, reason, evidence).with_basis(found.basis)
}

/// The 总第N期 of a numbered series.
fn issue_number(title: &str) -> Option<u32> {
    static TOTAL: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"总第\s*(\d+)\s*期").expect("valid regex"));
    TOTAL.captures(title).and_then(|c| c[1].parse().ok())
}

/// `archive`: a numbered series is online back to its first issue — with 总第N期 numbering,
/// the issues online must reach 总第1期; without it, an issue from before Y must be online.
pub fn archive(cx: &Context<'_>, spec: &DocSpec) -> Outcome {
    let found = super::find_documents(cx, spec);
    let label = &spec.label;
    if found.all.is_empty() {
        return Outcome::fail(format!("未见{label}（{}）", found.searched), Vec::new()).with_basis(Basis::NotFound);
    }
    let numbers: Vec<u32> = found.all.iter().filter_map(|d| issue_number(d.title)).collect();
    let mut evidence: Vec<_> = found
        .columns
        .iter()
        .take(1)
        .map(|&c| cite(&cx.site.columns[c].url, format!("栏目「{}」", cx.site.column_path(c))))
        .collect();
    evidence.extend(found.all.iter().rev().take(3).map(cite_doc));
    if let Some(&first) = numbers.iter().min() {
        let online = numbers.len();
        if first <= 1 {
            return Outcome::pass(
                format!("{label}自总第1期起均可在线查阅（网站可见{online}期）"),
                evidence,
            )
            .with_basis(found.basis);
        }
        let missing = first - 1;
        return Outcome::partial(
            f64::from(u32::try_from(online).unwrap_or(u32::MAX))
                / f64::from(missing + u32::try_from(online).unwrap_or(u32::MAX)),
            format!("{label}网站最早为总第{first}期，此前{missing}期未在线提供，历年{label}未全部数字化"),
            evidence,
        )
        .with_basis(found.basis);
    }
    let earlier = found
        .all
        .iter()
        .any(|d| titled_year(d.title, d.date).is_some_and(|y| y < cx.year));
    if earlier {
        Outcome::pass(format!("网站可查阅{}年以前的{label}", cx.year), evidence).with_basis(found.basis)
    } else {
        Outcome::fail(format!("网站只有{}年以来的{label}，未见历年{label}", cx.year), evidence).with_basis(found.basis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_fall_due_after_their_grace() {
        let months = year_periods(Period::Month, 2025, 1);
        assert_eq!(months.len(), 12);
        assert_eq!(
            months[11].1,
            d("2026-01-31"),
            "December's figures are due by the end of January"
        );
        assert_eq!(months[0].1, d("2025-02-28"));
        let quarters = year_periods(Period::Quarter, 2025, 1);
        assert_eq!(quarters[3].1, d("2026-01-31"));
        let fortnights = year_periods(Period::Fortnight, 2025, 0);
        assert_eq!(fortnights.len(), 26);
        assert_eq!(fortnights[0].1, d("2025-01-14"));
        assert_eq!(due_periods(Period::Month, 2026, d("2026-03-05")).len(), 2);
    }

    #[test]
    fn issues_are_numbered() {
        assert_eq!(issue_number("某区人民政府公报2024年第3期（总第23期）"), Some(23));
        assert_eq!(issue_number("2025年第1期"), None);
        assert_eq!(titled_year("公报2025年第1期", None), Some(2025));
    }

    #[test]
    fn titles_name_their_period() {
        let cases = [
            ("2025年第三季度社会救助数据", Some("2025-09-30")),
            ("2025年1-9月全区财政收支情况", Some("2025-09-30")),
            ("2025年 12 月份环境空气质量状况", Some("2025-12-31")),
            ("2025年上半年饮用水水源水质", Some("2025-06-30")),
            ("关于做好社会救助工作的通知", None),
        ];
        for (title, want) in cases {
            assert_eq!(
                reported_period_end(title).map(|x| x.to_string()).as_deref(),
                want,
                "{title}"
            );
        }
    }
}
