//! Rules over the whole site: replies to letters, blank columns, broken links, back-dated
//! articles, and the arithmetic of the annual report's tables.

use chrono::{Months, NaiveDate};

use super::rules::{Cite, ColumnView, Outcome, Status, cite};
use super::site::{Page, SiteView};

/// `interaction_replied`: letters received in the year before `as_of` and older than
/// `within` must have a reply no later than `within` after receipt.
pub fn interaction_replied(site: &SiteView, columns: &[ColumnView], months: u32, as_of: NaiveDate) -> Outcome {
    if columns.is_empty() {
        return Outcome::new(
            Status::Fail,
            Some(0.0),
            "网站未找到互动交流（留言、信箱）栏目".to_string(),
            Vec::new(),
        );
    }
    let year_ago = as_of.checked_sub_months(Months::new(12)).unwrap_or(as_of);
    let old_enough = as_of.checked_sub_months(Months::new(months)).unwrap_or(as_of);
    let mut checked = 0;
    let mut problems = Vec::new();
    let mut evidence: Vec<Cite> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut answered_shown = 0;
    for item in columns.iter().flat_map(|c| &c.items) {
        if !seen.insert(item.url.as_str()) {
            continue;
        }
        let Some(page) = site.page(&item.url) else { continue };
        let Some(received) = page.labelled_date(&["来信时间", "留言时间", "来信日期", "留言日期", "提问时间"])
        else {
            continue;
        };
        if received < year_ago || received > old_enough {
            continue;
        }
        checked += 1;
        let due = received.checked_add_months(Months::new(months)).unwrap_or(received);
        match page.labelled_date(&["答复时间", "回复时间", "答复日期", "回复日期", "办结时间"]) {
            None => {
                problems.push(format!(
                    "《{}》{received}来信，截至{as_of}未答复（已超过{months}个月）",
                    page.title
                ));
                evidence.push(cite(&page.url, format!("来信时间{received}；未见答复")));
            }
            Some(replied) if replied > due => {
                problems.push(format!(
                    "《{}》{received}来信，{replied}才答复，超过{months}个月",
                    page.title
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
            "{year_ago}至{old_enough}期间未找到注明来信时间的留言，无法自动判断答复情况"
        ));
    }
    let good = checked - problems.len();
    let mut reason = format!("{year_ago}至{old_enough}收到的{checked}件留言中{good}件在{months}个月内答复");
    if !problems.is_empty() {
        reason.push_str(&format!("；{}", problems.join("；")));
    }
    if problems.is_empty() {
        Outcome::new(Status::Pass, Some(1.0), reason, evidence)
    } else {
        // One unanswered letter is already a 互动回应差 finding: not "partly" met.
        Outcome::new(Status::Fail, Some(good as f64 / checked as f64), reason, evidence).with_failures(problems.len())
    }
}

/// `no_blank_columns`: columns that never carried an item (空白栏目), at most `max`.
pub fn no_blank_columns(site: &SiteView, max: usize) -> Outcome {
    let blank: Vec<&ColumnView> = site
        .all_columns
        .iter()
        .filter(|c| c.items.is_empty())
        .filter(|c| {
            // A page with content of its own (a table, a form, some text) is not blank.
            c.pages.iter().filter_map(|u| site.page(u)).all(|p| {
                p.tables.is_empty() && p.forms.iter().all(|f| f.kind == "search") && p.text().chars().count() < 80
            })
        })
        .collect();
    let names: Vec<String> = blank.iter().map(|c| format!("「{}」", c.name)).collect();
    let evidence = blank
        .iter()
        .map(|c| cite(&c.url, format!("栏目「{}」无任何信息", c.name)))
        .collect();
    let reason = if blank.is_empty() {
        format!("已检查{}个栏目，没有空白栏目", site.all_columns.len())
    } else {
        format!(
            "已检查{}个栏目，{}个为空白栏目：{}（允许{max}个）",
            site.all_columns.len(),
            blank.len(),
            names.join("")
        )
    };
    if blank.len() <= max {
        Outcome::new(Status::Pass, Some(1.0), reason, evidence)
    } else {
        Outcome::new(Status::Fail, Some(0.0), reason, evidence).with_failures(blank.len() - max)
    }
}

/// `links_available`: links of the home page (or every page) whose target failed.
pub fn links_available(site: &SiteView, whole_site: bool) -> Outcome {
    let pages: Vec<&Page> = if whole_site {
        site.pages.iter().collect()
    } else {
        site.home_page().into_iter().collect()
    };
    let mut checked = 0;
    let mut broken = Vec::new();
    let mut evidence = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for page in &pages {
        for (to, anchor) in &page.links {
            if !seen.insert(to.as_str()) {
                continue;
            }
            let Some(outcome) = site.outcomes.get(to) else { continue };
            if outcome.state == "blocked" {
                continue;
            }
            checked += 1;
            let bad = match outcome.status {
                Some(s) => s >= 400,
                None => outcome.state == "failed",
            };
            if bad {
                let status = outcome
                    .status
                    .map(|s| format!("HTTP {s}"))
                    .or_else(|| outcome.error.clone())
                    .unwrap_or_else(|| "无响应".to_string());
                broken.push(format!("《{}》中的「{anchor}」{to}（{status}）", page.title));
                evidence.push(cite(&page.url, format!("链接「{anchor}」→ {to}：{status}")));
            }
        }
    }
    let scope = if whole_site { "全站" } else { "首页" };
    if checked == 0 {
        return Outcome::manual(format!("{scope}没有可检查的链接"));
    }
    let reason = if broken.is_empty() {
        format!("{scope}{checked}个链接均可访问（图片、样式表、脚本未抓取，未检查）")
    } else {
        format!(
            "{scope}{checked}个链接中{}个无法访问：{}（图片、样式表、脚本未抓取，未检查）",
            broken.len(),
            broken.join("；")
        )
    };
    if broken.is_empty() {
        Outcome::new(Status::Pass, Some(1.0), reason, evidence)
    } else {
        let score = (checked - broken.len()) as f64 / checked as f64;
        Outcome::new(Status::Fail, Some(score), reason, evidence).with_failures(broken.len())
    }
}

/// `pub_date_consistent`: articles whose date metadata disagrees with the date they show
/// (a PubDate meta earlier than the visible 发布时间: 伪造发稿日期).
pub fn pub_date_consistent(site: &SiteView) -> Outcome {
    let articles: Vec<&Page> = site.pages.iter().filter(|p| p.kind == "article").collect();
    let bad: Vec<&&Page> = articles.iter().filter(|p| p.pub_date_conflict).collect();
    let evidence = bad
        .iter()
        .map(|p| {
            cite(
                &p.url,
                format!(
                    "显示发布日期{}，元数据日期不一致",
                    p.pub_date.map(|d| d.to_string()).unwrap_or_default()
                ),
            )
        })
        .collect();
    if bad.is_empty() {
        Outcome::new(
            Status::Pass,
            Some(1.0),
            format!("{}篇文章的发布日期元数据与页面显示一致", articles.len()),
            evidence,
        )
    } else {
        Outcome::new(
            Status::Fail,
            Some(0.0),
            format!(
                "{}篇文章中{}篇的发布日期元数据（PubDate）与页面显示的发布时间不一致，疑似改动发稿日期：{}",
                articles.len(),
                bad.len(),
                bad.iter()
                    .map(|p| format!("《{}》", p.title))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            evidence,
        )
        .with_failures(bad.len())
    }
}

fn number(cell: &str) -> Option<i64> {
    let t = cell.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().map(|v| v.round() as i64)
}

/// The checks of the 2019-format annual report's table 三 (applications) and table 四
/// (复议/诉讼). Returns (checks made, broken equations).
pub fn report_arithmetic(tables: &[crate::extract::table::Table]) -> Option<(usize, Vec<String>)> {
    let three = tables
        .iter()
        .find(|t| t.rows.iter().any(|r| r.first().is_some_and(|c| c.contains("本年新收"))))?;
    let row = |prefix: &str| -> Option<Vec<Option<i64>>> {
        let r = three
            .rows
            .iter()
            .find(|r| r.first().is_some_and(|c| c.trim().starts_with(prefix)))?;
        Some(r.iter().rev().take(7).rev().map(|c| number(c)).collect())
    };
    let (new, carried, total, next) = (row("一、")?, row("二、")?, row("（七）")?, row("四、")?);
    let names: Vec<String> = [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut checks = 0;
    let mut broken = Vec::new();
    let v = |x: &Option<i64>| x.unwrap_or(0);
    for i in 0..7 {
        checks += 1;
        let (a, b, c, d) = (v(&new[i]), v(&carried[i]), v(&total[i]), v(&next[i]));
        if a + b != c + d {
            broken.push(format!(
                "表三「{}」列：第一项{a}＋第二项{b}＝{}，而第三项（七）总计{c}＋第四项{d}＝{}",
                names[i],
                a + b,
                c + d
            ));
        }
    }
    for (label, r) in [("一", &new), ("二", &carried), ("（七）总计", &total), ("四", &next)] {
        checks += 1;
        let parts: i64 = r[..6].iter().map(v).sum();
        if parts != v(&r[6]) {
            broken.push(format!("表三第{label}行：各类申请人合计{parts}，总计列为{}", v(&r[6])));
        }
    }
    // （七）总计 = the sum of the leaf rows of 三 (rows with figures between 三、 and （七）).
    let start = three
        .rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c.trim().starts_with("三、")))?;
    let end = three
        .rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c.trim().starts_with("（七）")))?;
    for i in 0..7 {
        checks += 1;
        let sum: i64 = three.rows[start + 1..end]
            .iter()
            .filter_map(|r| {
                let cells: Vec<Option<i64>> = r.iter().rev().take(7).rev().map(|c| number(c)).collect();
                cells.get(i).copied().flatten()
            })
            .sum();
        if sum != v(&total[i]) {
            broken.push(format!(
                "表三「{}」列：办理结果各项之和为{sum}，（七）总计为{}",
                names[i],
                v(&total[i])
            ));
        }
    }
    // Table 四: each group of five ends with its 总计.
    if let Some(four) = tables.iter().find(|t| {
        t.headers.iter().flatten().any(|h| h.contains("行政复议"))
            && t.headers.iter().flatten().any(|h| h.contains("行政诉讼"))
    }) && let Some(data) = four
        .rows
        .iter()
        .find(|r| r.iter().all(|c| number(c).is_some()) && r.len() >= 15)
    {
        let values: Vec<i64> = data.iter().map(|c| number(c).unwrap_or(0)).collect();
        for (g, label) in ["行政复议", "未经复议直接起诉", "复议后起诉"].iter().enumerate() {
            checks += 1;
            let part: i64 = values[g * 5..g * 5 + 4].iter().sum();
            if part != values[g * 5 + 4] {
                broken.push(format!("表四「{label}」：四项之和{part}，总计为{}", values[g * 5 + 4]));
            }
        }
    }
    Some((checks, broken))
}
