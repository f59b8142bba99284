//! `interaction_replied`: messages of the 政务咨询 columns were answered within the limit —
//! those received in the year before the as-of date (普查: 超过3个月未回应 is 互动回应差), or
//! those of a window (the task table's 及时公开反馈, measured in days).

use chrono::{Days, Months, NaiveDate};

use super::Context;
use super::column::not_found;
use crate::assess::catalog::{Window, iso_duration};
use crate::assess::verdict::{Cite, Outcome, Status, cite};

const RECEIVED: &[&str] = &[
    "来信时间",
    "留言时间",
    "来信日期",
    "留言日期",
    "提问时间",
    "咨询时间",
    "投诉时间",
];
const REPLIED: &[&str] = &["答复时间", "回复时间", "答复日期", "回复日期", "办结时间", "处理时间"];

/// `interaction_replied`: letters whose reply was due by the as-of date must have one no
/// later than `within` after receipt. `graded` scores the share in time (a 及时 question);
/// otherwise one late or missing reply fails the rule (the 普查 veto).
pub fn interaction_replied(cx: &Context<'_>, within: &str, window: Option<Window>, graded: bool) -> Outcome {
    let columns = cx.site.key_columns("interaction");
    if columns.is_empty() {
        return not_found(cx, "interaction");
    }
    let (months, days) = iso_duration(within).unwrap_or((3, 0));
    let after = |d: NaiveDate| {
        d.checked_add_months(Months::new(months))
            .and_then(|x| x.checked_add_days(Days::new(u64::from(days))))
            .unwrap_or(d)
    };
    let limit_zh = if months > 0 {
        format!("{months}个月")
    } else {
        format!("{days}日")
    };
    let as_of = cx.as_of;
    let (from, _) = match window {
        Some(w) => cx.window(w),
        None => (as_of.checked_sub_months(Months::new(12)).unwrap_or(as_of), as_of),
    };
    let mut checked = 0;
    let mut problems = Vec::new();
    let mut evidence: Vec<Cite> = Vec::new();
    let mut answered_shown = 0;
    for doc in cx.site.column_documents(&columns) {
        let Some(page) = doc.page else { continue };
        let Some(received) = page.labelled_date(RECEIVED) else {
            continue;
        };
        let due = after(received);
        // Only letters whose reply was already due count.
        if received < from || due > as_of {
            continue;
        }
        checked += 1;
        match page.labelled_date(REPLIED) {
            None => {
                problems.push(format!(
                    "《{}》{received}来信，截至{as_of}未答复（已超过{limit_zh}）",
                    page.title
                ));
                evidence.push(cite(&page.url, format!("来信时间{received}；未见答复")));
            }
            Some(replied) if replied > due => {
                problems.push(format!(
                    "《{}》{received}来信，{replied}才答复，用时{}日，超过{limit_zh}",
                    page.title,
                    (replied - received).num_days()
                ));
                evidence.push(cite(&page.url, format!("来信时间{received}；答复时间{replied}")));
            }
            Some(replied) => {
                // Answered letters are evidence too: the assessor sees which letters were read.
                if answered_shown < 20 {
                    answered_shown += 1;
                    evidence.push(cite(
                        &page.url,
                        format!("《{}》{received}来信，{replied}答复", page.title),
                    ));
                }
            }
        }
    }
    if checked == 0 {
        return Outcome::manual(format!(
            "{from}以来未找到注明来信时间、且答复期已满的留言，无法自动判断答复情况"
        ));
    }
    let good = checked - problems.len();
    let mut reason = format!("{from}以来收到且答复期已满的{checked}件留言中{good}件在{limit_zh}内答复");
    if !problems.is_empty() {
        reason.push_str(&format!("；{}", problems.join("；")));
    }
    if problems.is_empty() {
        Outcome::pass(reason, evidence)
    } else if graded {
        Outcome::graded(good, checked, reason, evidence)
    } else {
        // One unanswered letter is already a 互动回应差 finding: not "partly" met.
        Outcome::new(Status::Fail, Some(good as f64 / checked as f64), reason, evidence).with_failures(problems.len())
    }
}
