//! `consultation_feedback`: every public consultation (征求意见) on a decision draft that has
//! closed must be followed by published feedback — what was collected, what was adopted and
//! why the rest was not. Judged consultation by consultation: one answered consultation does
//! not cover another that was never answered. The feedback may be published in any column.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::{Context, cite_doc};
use crate::assess::model::docs::{Doc, find_stated};
use crate::assess::verdict::{Cite, Outcome, cite};

/// Titles that open a consultation.
static OPENS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("征求意见|意见征集|征集意见|征求.*意见").expect("valid regex"));
/// Titles of the feedback on one.
static ANSWERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("采纳|反馈|征集结果|征集情况|意见情况|收集情况|意见的说明|意见汇总|意见处理").expect("valid regex")
});
/// `征求意见时间：2025年9月8日至2025年10月10日` — the closing date (year optional).
static CLOSES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:至|截止|截至|—|-|～|~)[^\d\n]{0,6}?(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")
        .expect("valid regex")
});
/// A draft's name without its stage: 《…办法（征求意见稿）》 and 《…办法》 are one decision.
static STAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[（(][^（）()]*(?:稿|草案)[^（）()]*[）)]|草案|征求意见稿").expect("valid regex"));

struct Consultation<'a> {
    doc: Doc<'a>,
    draft: Option<String>,
    closes: NaiveDate,
    /// Whether the closing date was read from the notice (else assumed 30 days after it).
    stated: bool,
}

/// Checks the consultations published from the start of Y whose feedback was due (closing
/// date + `grace` days) by the as-of date; each answer must state every term.
pub fn consultation_feedback(cx: &Context<'_>, key: &str, terms: &[String], grace: u32) -> Outcome {
    let key_name = cx.key_name(key);
    let columns = cx.site.key_columns(key);
    let from = cx.year_start();
    let column_docs = cx.site.column_documents(&columns);
    // Consultation notices: the column's, else any on the site.
    let opens = |d: &Doc<'_>| OPENS.is_match(d.title) && !ANSWERS.is_match(d.title) && !d.title.contains("在线征集");
    let mut notices: Vec<Doc<'_>> = column_docs.iter().copied().filter(|d| opens(d)).collect();
    if notices.is_empty() {
        notices = cx.site.all_documents_cached().filter(|d| opens(d)).collect();
    }
    // One consultation per draft: a notice and its reprints or online form are one.
    let mut drafts_seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    notices.sort_by_key(|d| d.date);
    notices.retain(|d| draft_name(d.title).is_none_or(|n| drafts_seen.insert(n)));
    let consultations: Vec<Consultation<'_>> = notices
        .into_iter()
        .filter_map(|doc| {
            let published = doc.date?;
            if published < from || published > cx.as_of {
                return None;
            }
            let text = doc.page.map(|p| p.text()).unwrap_or_default();
            let (closes, stated) =
                closing_date(&text, published).map_or((published + chrono::Days::new(30), false), |d| (d, true));
            Some(Consultation {
                doc,
                draft: draft_name(doc.title),
                closes,
                stated,
            })
        })
        .collect();
    if consultations.is_empty() {
        return Outcome::manual(format!(
            "{from}至{}期间未找到征求意见公告（已查「{key_name}」栏目及全站标题），无法逐项核对结果反馈，需人工确认",
            cx.as_of
        ));
    }
    let mut due = 0;
    let mut answered = 0;
    let mut pending = Vec::new();
    let mut problems = Vec::new();
    let mut evidence: Vec<Cite> = Vec::new();
    // Answers are looked for among every document of the site, read once.
    let answers: Vec<Doc<'_>> = if consultations.is_empty() {
        Vec::new()
    } else {
        cx.site
            .all_documents_cached()
            .filter(|d| ANSWERS.is_match(d.title))
            .collect()
    };
    for c in &consultations {
        let deadline = c.closes + chrono::Days::new(u64::from(grace));
        let closes = if c.stated {
            format!("{}截止", c.closes)
        } else {
            format!("未注明截止日期，按发布后30日即{}计", c.closes)
        };
        if deadline > cx.as_of {
            pending.push(format!("《{}》（{closes}，反馈期未满）", c.doc.title));
            continue;
        }
        due += 1;
        let Some(answer) = answer_of(&answers, c) else {
            problems.push(format!(
                "《{}》征求意见{closes}，截至{}未见意见收集和采纳情况的反馈",
                c.doc.title, cx.as_of
            ));
            evidence.push(cite_doc(&c.doc));
            continue;
        };
        let answer_text = answer.page.map(|p| p.text());
        let texts: Vec<&str> = std::iter::once(answer.title).chain(answer_text.as_deref()).collect();
        let missing: Vec<String> = terms
            .iter()
            .filter(|t| !texts.iter().any(|text| find_stated(text, t).is_some()))
            .map(|t| format!("「{}」", t.replace('|', "或")))
            .collect();
        evidence.push(cite(answer.url, format!("反馈：{}", answer.title)));
        if missing.is_empty() {
            answered += 1;
        } else {
            problems.push(format!(
                "《{}》的反馈《{}》缺少{}",
                c.doc.title,
                answer.title,
                missing.concat()
            ));
        }
    }
    let pending_note = if pending.is_empty() {
        String::new()
    } else {
        format!("；另有{}项尚在反馈期内：{}", pending.len(), pending.join("、"))
    };
    if due == 0 {
        return Outcome::manual(format!("{from}至{}期间的征求意见均未到反馈期{pending_note}", cx.as_of));
    }
    let reason = if problems.is_empty() {
        format!("{due}项已截止的征求意见均在截止后{grace}日内反馈了意见情况{pending_note}")
    } else {
        format!(
            "{due}项已截止的征求意见中{answered}项已反馈（以截止后{grace}日为限）；{}{pending_note}",
            problems.join("；")
        )
    };
    Outcome::graded(answered, due, reason, evidence)
}

/// The closing date in a notice's text, on the line that gives the consultation period.
fn closing_date(text: &str, published: NaiveDate) -> Option<NaiveDate> {
    text.lines()
        .filter(|l| l.contains("时间") || l.contains("期限") || l.contains("截止") || l.contains("截至"))
        .find_map(|line| {
            let caps = CLOSES.captures(line)?;
            let year = caps
                .get(1)
                .and_then(|y| y.as_str().parse().ok())
                .unwrap_or(chrono::Datelike::year(&published));
            let date = NaiveDate::from_ymd_opt(year, caps[2].parse().ok()?, caps[3].parse().ok()?)?;
            (date >= published).then_some(date)
        })
}

fn draft_name(title: &str) -> Option<String> {
    let name = title.split('《').nth(1)?.split('》').next()?;
    let name = STAGE.replace_all(name, "").trim().to_string();
    (!name.is_empty()).then_some(name)
}

/// The feedback on a consultation: a document published after it opened, titled as feedback
/// and naming the same draft or linking the notice.
/// The answer to a consultation among the site's answer-titled documents.
fn answer_of<'a>(answers: &[Doc<'a>], c: &Consultation<'_>) -> Option<Doc<'a>> {
    let opened = c.doc.date?;
    answers
        .iter()
        .filter(|d| d.url != c.doc.url && d.date.is_none_or(|x| x >= opened))
        .find(|d| {
            let names = c
                .draft
                .as_ref()
                .is_some_and(|n| draft_name(d.title).is_some_and(|x| x == *n) || d.title.contains(n.as_str()));
            let links = d.page.is_some_and(|p| p.links().iter().any(|(to, _)| to == c.doc.url));
            names || links
        })
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn closing_dates_and_draft_names() {
        let text = "为规范养犬行为……\n征求意见时间：2025年9月8日至2025年10月10日。\n电话 0533-1";
        assert_eq!(closing_date(text, d(2025, 9, 8)), Some(d(2025, 10, 10)));
        assert_eq!(
            closing_date("意见反馈截止时间：10月20日", d(2025, 9, 8)),
            Some(d(2025, 10, 20))
        );
        assert_eq!(closing_date("欢迎提出意见", d(2025, 9, 8)), None);
        assert_eq!(
            draft_name("关于《某区城区停车设施建设管理办法（征求意见稿）》公开征求意见的公告").as_deref(),
            Some("某区城区停车设施建设管理办法")
        );
        assert_eq!(
            draft_name("《某区城区停车设施建设管理办法》公开征求意见采纳情况的说明").as_deref(),
            Some("某区城区停车设施建设管理办法")
        );
        assert_eq!(
            draft_name("关于《某区养犬管理办法（草案）》公开征求意见的公告").as_deref(),
            Some("某区养犬管理办法")
        );
    }
}
