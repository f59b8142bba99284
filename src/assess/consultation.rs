//! `consultation_feedback`: every public consultation (征求意见) on a decision draft that has
//! closed must be followed by published feedback — what was collected, what was adopted and
//! why the rest was not. Judged consultation by consultation: one answered consultation does
//! not cover another that was never answered.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::content::{Doc, find_term};
use super::rules::{Cite, ColumnView, Item, Outcome, cite, cite_item};
use super::site::SiteView;

/// Titles that open a consultation.
static OPENS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("征求意见|意见征集|征集意见|征求.*意见").expect("valid regex"));
/// Titles of the feedback on one.
static ANSWERS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("采纳|反馈|征集结果|意见情况|收集情况|意见的说明|意见汇总").expect("valid regex"));
/// `征求意见时间：2025年9月8日至2025年10月10日` — the closing date (year optional).
static CLOSES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:至|截止|截至|—|-|～|~)[^\d\n]{0,6}?(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")
        .expect("valid regex")
});
/// A draft's name without its stage: 《…办法（征求意见稿）》 and 《…办法》 are one decision.
static STAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[（(][^（）()]*(?:稿|草案)[^（）()]*[）)]|草案|征求意见稿").expect("valid regex"));

/// A consultation found in the column.
struct Consultation<'a> {
    item: &'a Item,
    draft: Option<String>,
    closes: NaiveDate,
    /// Whether the closing date was read from the notice (else assumed 30 days after it).
    stated: bool,
}

/// Checks the consultations published from `from` on whose feedback was due (closing date +
/// `grace` days) by `as_of`; each answer must hold every term (`|` alternatives).
pub fn consultation_feedback(
    site: &SiteView,
    key_name: &str,
    columns: &[ColumnView],
    terms: &[String],
    grace: i64,
    from: NaiveDate,
    as_of: NaiveDate,
) -> Outcome {
    let items: Vec<&Item> = columns.iter().flat_map(|c| &c.items).collect();
    let consultations: Vec<Consultation<'_>> = items
        .iter()
        .filter(|i| OPENS.is_match(&i.title) && !ANSWERS.is_match(&i.title))
        .filter_map(|&item| {
            let published = item.date?;
            if published < from || published > as_of {
                return None;
            }
            let text = site.page(&item.url).map(|p| p.text()).unwrap_or_default();
            let (closes, stated) =
                closing_date(text, published).map_or((published + chrono::Days::new(30), false), |d| (d, true));
            Some(Consultation {
                item,
                draft: draft_name(&item.title),
                closes,
                stated,
            })
        })
        .collect();
    if consultations.is_empty() {
        return Outcome::manual(format!(
            "「{key_name}」栏目{from}至{as_of}期间未找到征求意见公告，无法逐项核对结果反馈，需人工确认"
        ));
    }
    let mut due = 0;
    let mut answered = 0;
    let mut pending = Vec::new();
    let mut problems = Vec::new();
    let mut evidence: Vec<Cite> = Vec::new();
    for c in &consultations {
        let deadline = c.closes + chrono::Days::new(u64::try_from(grace).unwrap_or(0));
        let closes = if c.stated {
            format!("{}截止", c.closes)
        } else {
            format!("未注明截止日期，按发布后30日即{}计", c.closes)
        };
        if deadline > as_of {
            pending.push(format!("《{}》（{closes}，反馈期未满）", c.item.title));
            continue;
        }
        due += 1;
        let Some(answer) = answer_of(site, &items, c) else {
            problems.push(format!(
                "《{}》征求意见{closes}，截至{as_of}未见意见收集和采纳情况的反馈",
                c.item.title
            ));
            evidence.push(cite_item(c.item));
            continue;
        };
        let mut docs = vec![Doc {
            url: &answer.url,
            text: super::content::unquoted(&answer.title),
        }];
        if let Some(page) = site.page(&answer.url) {
            docs.push(Doc {
                url: &page.url,
                text: page.text().into(),
            });
        }
        let missing: Vec<String> = terms
            .iter()
            .filter(|t| find_term(&docs, t).is_none())
            .map(|t| format!("「{}」", t.replace('|', "或")))
            .collect();
        evidence.push(cite(&answer.url, format!("反馈：{}", answer.title)));
        if missing.is_empty() {
            answered += 1;
        } else {
            problems.push(format!(
                "《{}》的反馈《{}》缺少{}",
                c.item.title,
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
        return Outcome::manual(format!(
            "「{key_name}」栏目{from}至{as_of}期间的征求意见均未到反馈期{pending_note}"
        ));
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

/// The feedback on a consultation: an item of the column, published after it opened, titled
/// as feedback and naming the same draft or linking the notice.
fn answer_of<'a>(site: &SiteView, items: &[&'a Item], c: &Consultation<'_>) -> Option<&'a Item> {
    let opened = c.item.date?;
    items
        .iter()
        .filter(|i| i.url != c.item.url && ANSWERS.is_match(&i.title) && i.date.is_none_or(|d| d >= opened))
        .find(|i| {
            let names = c
                .draft
                .as_ref()
                .is_some_and(|d| draft_name(&i.title).is_some_and(|n| n == *d) || i.title.contains(d.as_str()));
            let links = site
                .page(&i.url)
                .is_some_and(|p| p.links.iter().any(|(to, _)| *to == c.item.url));
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
            draft_name("关于《周村区城区停车设施建设管理办法（征求意见稿）》公开征求意见的公告").as_deref(),
            Some("周村区城区停车设施建设管理办法")
        );
        assert_eq!(
            draft_name("《周村区城区停车设施建设管理办法》公开征求意见采纳情况的说明").as_deref(),
            Some("周村区城区停车设施建设管理办法")
        );
        assert_eq!(
            draft_name("关于《周村区养犬管理办法（草案）》公开征求意见的公告").as_deref(),
            Some("周村区养犬管理办法")
        );
    }
}
