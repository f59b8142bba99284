//! What changed between two runs: leaves that got worse (new failures, lower scores) and
//! leaves fixed, per 责任单位; pages new, changed and removed; columns that went stale; the
//! score per 一级指标 and per unit. Pure: built from two assessments and what the store
//! says about the runs' pages and columns; written as text, JSON and HTML.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use super::ColumnSummary;
use super::html::{STYLE, esc, link};
use crate::assess::engine::{Assessment, Group, Verdict};
use crate::assess::verdict::Status;

/// A column whose newest item is older than this went stale.
pub const STALE_AFTER_DAYS: i64 = 30;
/// Lists in the text and HTML show this many rows; JSON keeps all.
const SHOWN: usize = 30;

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub run_id: i64,
    pub as_of: NaiveDate,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeafChange {
    pub id: String,
    pub question: String,
    pub units: Vec<String>,
    pub before: Option<(Status, Option<f64>)>,
    pub after: (Status, Option<f64>),
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreChange {
    pub name: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub new_failures: usize,
    pub fixed: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PageChange {
    pub url: String,
    pub title: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PageChanges {
    pub new: Vec<PageChange>,
    pub changed: Vec<PageChange>,
    pub removed: Vec<PageChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StaleColumn {
    pub name: String,
    pub key: String,
    pub url: String,
    pub newest_before: Option<NaiveDate>,
    pub newest_after: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunDiff {
    pub site: String,
    pub catalog: String,
    pub before: Side,
    pub after: Side,
    /// Leaves now failed or partly met that were met, manual, not applicable or new before,
    /// and partly met leaves that now fail.
    pub new_failures: Vec<LeafChange>,
    /// Leaves whose status held but whose score fell.
    pub lower_scores: Vec<LeafChange>,
    /// Leaves now met that were failed or partly met.
    pub fixed: Vec<LeafChange>,
    pub by_level1: Vec<ScoreChange>,
    pub by_unit: Vec<ScoreChange>,
    pub pages: PageChanges,
    pub stale_columns: Vec<StaleColumn>,
    /// New failures or lower scores: `nightly` exits 1 and alerts.
    pub regressed: bool,
}

fn rank(status: Status) -> Option<u8> {
    match status {
        Status::Pass => Some(0),
        Status::Partial => Some(1),
        Status::Fail => Some(2),
        Status::Manual | Status::NotApplicable => None,
    }
}

fn change(now: &Verdict, before: Option<&Verdict>) -> LeafChange {
    LeafChange {
        id: now.id.clone(),
        question: now.question.clone(),
        units: now.units.clone(),
        before: before.map(|b| (b.status, b.score)),
        after: (now.status, now.score),
        reason: now.reason.clone(),
    }
}

/// Scores of the groups (一级指标 or 责任单位) before and after; counts filled by the caller.
fn score_changes(before: &[Group], after: &[Group]) -> Vec<ScoreChange> {
    let old: BTreeMap<&str, Option<f64>> = before.iter().map(|g| (g.name.as_str(), g.counts.score)).collect();
    after
        .iter()
        .map(|g| ScoreChange {
            name: g.name.clone(),
            before: old.get(g.name.as_str()).copied().flatten(),
            after: g.counts.score,
            new_failures: 0,
            fixed: 0,
        })
        .collect()
}

/// Compares two assessments (same catalog) and the runs' pages and columns.
pub fn diff(
    before: &Assessment,
    after: &Assessment,
    pages: PageChanges,
    columns_before: &[ColumnSummary],
    columns_after: &[ColumnSummary],
) -> RunDiff {
    let old: BTreeMap<&str, &Verdict> = before.indicators.iter().map(|v| (v.id.as_str(), v)).collect();
    let mut new_failures = Vec::new();
    let mut lower_scores = Vec::new();
    let mut fixed = Vec::new();
    // Which 一级指标 each leaf is under, for the per-group counts.
    let mut level1: BTreeMap<String, String> = BTreeMap::new();
    for v in &after.indicators {
        if let Some(first) = v.path.first() {
            level1.insert(v.id.clone(), first.clone());
        }
        let was = old.get(v.id.as_str()).copied();
        let (now_rank, was_rank) = (rank(v.status), was.and_then(|w| rank(w.status)));
        match (now_rank, was_rank) {
            (Some(n), Some(w)) if n > w && n > 0 => new_failures.push(change(v, was)),
            (Some(n), None) if n > 0 => new_failures.push(change(v, was)),
            (Some(0), Some(w)) if w > 0 => fixed.push(change(v, was)),
            (Some(n), Some(w)) if n == w => {
                if let (Some(now), Some(then)) = (v.score, was.and_then(|w| w.score))
                    && now + 1e-9 < then
                {
                    lower_scores.push(change(v, was));
                }
            }
            _ => {}
        }
    }
    let mut by_level1 = score_changes(&before.summary.by_level1, &after.summary.by_level1);
    for group in &mut by_level1 {
        let under = |c: &&LeafChange| level1.get(&c.id) == Some(&group.name);
        group.new_failures = new_failures.iter().filter(under).count();
        group.fixed = fixed.iter().filter(under).count();
    }
    // A leaf counts for each of its units, as in the 通报.
    let mut by_unit = score_changes(&before.summary.by_unit, &after.summary.by_unit);
    for group in &mut by_unit {
        let of_unit = |c: &&LeafChange| c.units.contains(&group.name);
        group.new_failures = new_failures.iter().filter(of_unit).count();
        group.fixed = fixed.iter().filter(of_unit).count();
    }
    let stale_columns = stale(columns_before, before.as_of, columns_after, after.as_of);
    let regressed = !new_failures.is_empty() || !lower_scores.is_empty();
    RunDiff {
        site: after.site.clone(),
        catalog: after.catalog.clone(),
        before: Side {
            run_id: before.run_id,
            as_of: before.as_of,
            score: before.summary.counts.score,
        },
        after: Side {
            run_id: after.run_id,
            as_of: after.as_of,
            score: after.summary.counts.score,
        },
        new_failures,
        lower_scores,
        fixed,
        by_level1,
        by_unit,
        pages,
        stale_columns,
        regressed,
    }
}

/// Columns fresh at the first run and stale at the second (no item for [`STALE_AFTER_DAYS`]).
fn stale(
    before: &[ColumnSummary],
    before_day: NaiveDate,
    after: &[ColumnSummary],
    after_day: NaiveDate,
) -> Vec<StaleColumn> {
    let newest = |c: &ColumnSummary| c.newest.iter().filter_map(|(_, _, d)| *d).max();
    let old: BTreeMap<&str, Option<NaiveDate>> = before.iter().map(|c| (c.url.as_str(), newest(c))).collect();
    let mut out = Vec::new();
    for c in after {
        let Some(then) = old.get(c.url.as_str()).copied().flatten() else {
            continue;
        };
        let now = newest(c);
        let fresh_then = (before_day - then).num_days() <= STALE_AFTER_DAYS;
        let stale_now = now.is_none_or(|d| (after_day - d).num_days() > STALE_AFTER_DAYS);
        if fresh_then && stale_now && !out.iter().any(|s: &StaleColumn| s.url == c.url) {
            out.push(StaleColumn {
                name: c.name.clone(),
                key: c.key.clone(),
                url: c.url.clone(),
                newest_before: Some(then),
                newest_after: now,
            });
        }
    }
    out
}

fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "—".to_string(), |s| format!("{:.1}", s * 100.0))
}

fn delta(before: Option<f64>, after: Option<f64>) -> String {
    match (before, after) {
        (Some(b), Some(a)) => format!("{:+.1}", (a - b) * 100.0),
        _ => "—".to_string(),
    }
}

fn status_text(s: Option<(Status, Option<f64>)>) -> String {
    match s {
        None => "（新增）".to_string(),
        Some((status, score)) => format!(
            "{}{}",
            status.zh(),
            score.map(|x| format!(" {:.0}%", x * 100.0)).unwrap_or_default()
        ),
    }
}

/// For a terminal or a log: plain lines, lists cut at 30 rows.
pub fn render_text(d: &RunDiff) -> String {
    let mut out = format!(
        "{}  第{}次抓取（按{}测评）→ 第{}次抓取（按{}测评）  得分 {} → {}（{}）\n",
        d.site,
        d.before.run_id,
        d.before.as_of,
        d.after.run_id,
        d.after.as_of,
        score_text(d.before.score),
        score_text(d.after.score),
        delta(d.before.score, d.after.score)
    );
    let _ = writeln!(
        out,
        "{}",
        if d.regressed {
            "结论：出现退步"
        } else {
            "结论：无退步"
        }
    );
    let list = |out: &mut String, title: &str, items: &[LeafChange]| {
        let _ = writeln!(out, "{title}（{}项）", items.len());
        for c in items.iter().take(SHOWN) {
            let _ = writeln!(
                out,
                "  {} 【{}】{}：{} → {}",
                c.id,
                c.units.join("、"),
                c.question,
                status_text(c.before),
                status_text(Some(c.after))
            );
        }
        if items.len() > SHOWN {
            let _ = writeln!(out, "  …另有{}项（见 JSON）", items.len() - SHOWN);
        }
    };
    list(&mut out, "新增不达标", &d.new_failures);
    list(&mut out, "得分下降", &d.lower_scores);
    list(&mut out, "已整改", &d.fixed);
    let _ = writeln!(out, "各责任单位");
    for u in d
        .by_unit
        .iter()
        .filter(|u| u.new_failures + u.fixed > 0 || u.before != u.after)
    {
        let _ = writeln!(
            out,
            "  {}  {} → {}（{}）  新增问题{}  整改{}",
            u.name,
            score_text(u.before),
            score_text(u.after),
            delta(u.before, u.after),
            u.new_failures,
            u.fixed
        );
    }
    let _ = writeln!(out, "各一级指标");
    for g in &d.by_level1 {
        let _ = writeln!(
            out,
            "  {}  {} → {}（{}）",
            g.name,
            score_text(g.before),
            score_text(g.after),
            delta(g.before, g.after)
        );
    }
    let pages = |out: &mut String, title: &str, items: &[PageChange]| {
        let _ = writeln!(out, "{title}（{}）", items.len());
        for p in items.iter().take(SHOWN) {
            let _ = writeln!(out, "  {}  {}", p.title.as_deref().unwrap_or(""), p.url);
        }
        if items.len() > SHOWN {
            let _ = writeln!(out, "  …另有{}个（见 JSON）", items.len() - SHOWN);
        }
    };
    pages(&mut out, "新增页面", &d.pages.new);
    pages(&mut out, "内容变化的页面", &d.pages.changed);
    pages(&mut out, "删除的页面", &d.pages.removed);
    let _ = writeln!(out, "{STALE_AFTER_DAYS}天无更新的栏目（{}）", d.stale_columns.len());
    for c in &d.stale_columns {
        let _ = writeln!(
            out,
            "  {}（{}）最新信息 {}，上次为 {}  {}",
            c.name,
            c.key,
            c.newest_after.map_or_else(|| "无".to_string(), |x| x.to_string()),
            c.newest_before.map_or_else(|| "无".to_string(), |x| x.to_string()),
            c.url
        );
    }
    out
}

/// A self-contained page (inline CSS, no script), every scraped string escaped.
pub fn render_html(d: &RunDiff) -> String {
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>两次检查对比</title><style>{STYLE}</style></head><body><h1>两次检查对比</h1>\
         <p class=\"meta\">{}　第{}次抓取（按{}测评）→ 第{}次抓取（按{}测评）　得分 {} → {}（{}）</p>",
        esc(&d.site),
        d.before.run_id,
        d.before.as_of,
        d.after.run_id,
        d.after.as_of,
        score_text(d.before.score),
        score_text(d.after.score),
        delta(d.before.score, d.after.score)
    );
    if d.regressed {
        out.push_str("<p class=\"alarm\"><b>出现退步：</b>有新增不达标或得分下降的指标。</p>");
    }
    let leaves = |out: &mut String, title: &str, items: &[LeafChange]| {
        let _ = write!(out, "<h2>{title}（{}项）</h2>", items.len());
        if items.is_empty() {
            return;
        }
        out.push_str("<table><thead><tr><th>责任单位</th><th>指标</th><th>上次</th><th>本次</th><th>说明</th></tr></thead><tbody>");
        for c in items.iter().take(SHOWN) {
            let reason: String = c.reason.chars().take(300).collect();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"reason\">{}</td></tr>",
                esc(&c.units.join("、")),
                esc(&c.question),
                esc(&status_text(c.before)),
                esc(&status_text(Some(c.after))),
                esc(&reason)
            );
        }
        out.push_str("</tbody></table>");
        if items.len() > SHOWN {
            let _ = write!(
                out,
                "<p class=\"muted\">另有 {} 项，见 diff.json。</p>",
                items.len() - SHOWN
            );
        }
    };
    leaves(&mut out, "新增不达标", &d.new_failures);
    leaves(&mut out, "得分下降", &d.lower_scores);
    leaves(&mut out, "已整改", &d.fixed);
    let groups = |out: &mut String, title: &str, items: &[ScoreChange]| {
        let _ = write!(
            out,
            "<h2>{title}</h2><table><thead><tr><th></th><th>上次</th><th>本次</th><th>变化</th><th>新增问题</th><th>整改</th></tr></thead><tbody>"
        );
        for g in items {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&g.name),
                score_text(g.before),
                score_text(g.after),
                delta(g.before, g.after),
                g.new_failures,
                g.fixed
            );
        }
        out.push_str("</tbody></table>");
    };
    groups(&mut out, "各责任单位", &d.by_unit);
    groups(&mut out, "各一级指标", &d.by_level1);
    let pages = |out: &mut String, title: &str, items: &[PageChange]| {
        let _ = write!(out, "<h2>{title}（{}）</h2><ul>", items.len());
        for p in items.iter().take(SHOWN) {
            let _ = write!(out, "<li>{}</li>", link(&p.url, p.title.as_deref().unwrap_or(&p.url)));
        }
        out.push_str("</ul>");
        if items.len() > SHOWN {
            let _ = write!(
                out,
                "<p class=\"muted\">另有 {} 个，见 diff.json。</p>",
                items.len() - SHOWN
            );
        }
    };
    pages(&mut out, "新增页面", &d.pages.new);
    pages(&mut out, "内容变化的页面", &d.pages.changed);
    pages(&mut out, "删除的页面", &d.pages.removed);
    let _ = write!(
        out,
        "<h2>{STALE_AFTER_DAYS}天无更新的栏目（{}）</h2><ul>",
        d.stale_columns.len()
    );
    for c in &d.stale_columns {
        let _ = write!(
            out,
            "<li>{}（{}）：最新信息 {}，上次检查时为 {}</li>",
            link(&c.url, &c.name),
            esc(&c.key),
            c.newest_after.map_or_else(|| "无".to_string(), |x| x.to_string()),
            c.newest_before.map_or_else(|| "无".to_string(), |x| x.to_string())
        );
    }
    out.push_str("</ul></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(id: &str, unit: &str, status: Status, score: Option<f64>) -> Verdict {
        Verdict {
            id: id.to_string(),
            path: vec!["重点领域信息公开".to_string()],
            question: format!("问题{id}"),
            units: vec![unit.to_string()],
            time_limit: "即时".to_string(),
            status,
            score,
            reason: format!("原因<{id}>"),
            evidence: Vec::new(),
            source: "auto".to_string(),
            failures: 0,
            basis: Default::default(),
        }
    }

    fn assessment(run_id: i64, indicators: Vec<Verdict>) -> Assessment {
        Assessment::for_test(run_id, NaiveDate::from_ymd_opt(2026, 1, 15).expect("date"), indicators)
    }

    #[test]
    fn worse_leaves_are_regressions_and_better_ones_fixes() {
        let before = assessment(
            1,
            vec![
                verdict("a", "区财政局", Status::Pass, Some(1.0)),
                verdict("b", "区财政局", Status::Fail, Some(0.0)),
                verdict("c", "区教体局", Status::Partial, Some(0.8)),
                verdict("d", "区教体局", Status::Manual, None),
                verdict("e", "区教体局", Status::Partial, Some(0.5)),
            ],
        );
        let after = assessment(
            2,
            vec![
                verdict("a", "区财政局", Status::Fail, Some(0.0)),
                verdict("b", "区财政局", Status::Pass, Some(1.0)),
                verdict("c", "区教体局", Status::Partial, Some(0.5)),
                // Manual to failed is a new failure; partial to failed too.
                verdict("d", "区教体局", Status::Fail, Some(0.0)),
                verdict("e", "区教体局", Status::Fail, Some(0.0)),
                verdict("new", "区教体局", Status::Pass, Some(1.0)),
            ],
        );
        let d = diff(&before, &after, PageChanges::default(), &[], &[]);
        let ids = |v: &[LeafChange]| v.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&d.new_failures), ["a", "d", "e"]);
        assert_eq!(ids(&d.lower_scores), ["c"]);
        assert_eq!(ids(&d.fixed), ["b"]);
        assert!(d.regressed);
        let finance = d.by_unit.iter().find(|u| u.name == "区财政局").expect("unit");
        assert_eq!((finance.new_failures, finance.fixed), (1, 1));
        assert_eq!(d.by_level1[0].new_failures, 3);
        // Scraped text is escaped in the HTML.
        let html = render_html(&d);
        assert!(html.contains("原因&lt;a&gt;") && !html.contains("原因<a>"));
        let quiet = diff(&before, &before, PageChanges::default(), &[], &[]);
        assert!(!quiet.regressed && quiet.new_failures.is_empty());
    }

    #[test]
    fn a_column_goes_stale_when_a_month_passes_without_an_item() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let column = |newest: &str| ColumnSummary {
            key: "通知公告".to_string(),
            name: "通知公告".to_string(),
            url: "http://a.gov.cn/tzgg/".to_string(),
            items: 1,
            newest: vec![(
                "通知".to_string(),
                "http://a.gov.cn/tzgg/1.html".to_string(),
                Some(day(newest)),
            )],
        };
        let stale_now = stale(
            &[column("2025-12-20")],
            day("2025-12-31"),
            &[column("2025-12-20")],
            day("2026-02-01"),
        );
        assert_eq!(stale_now.len(), 1);
        let still_fresh = stale(
            &[column("2025-12-20")],
            day("2025-12-31"),
            &[column("2026-01-25")],
            day("2026-02-01"),
        );
        assert!(still_fresh.is_empty());
    }
}
