//! Rules over the whole site (the national inspection's): blank columns, broken links,
//! back-dated articles. A 单项否决 needs certainty: where the crawl cannot be sure (a column
//! that may be filled by JavaScript, a date that may be a CMS artefact), the verdict is
//! 待人工 with the suspicion stated, never an automatic veto.

use super::Context;
use crate::assess::catalog::LinkScope;
use crate::assess::model::{ColumnView, Page};
use crate::assess::verdict::{Outcome, Status, cite};

/// Pages that are columns in the menu but never carry items by design.
const STATIC_PAGES: &[&str] = &[
    "关于本网",
    "网站地图",
    "联系我们",
    "网站声明",
    "隐私",
    "帮助",
    "无障碍",
    "使用帮助",
    "版权",
    "免责",
    "网站导航",
    "站点地图",
    "English",
    "旧版",
    "老版",
];

/// `no_blank_columns`: columns that never carried an item (空白栏目), at most `max`. A column is
/// surely blank when it is a named list page with an empty list; a page of another kind with
/// almost no content may be filled by JavaScript, so it is only a suspicion.
pub fn no_blank_columns(cx: &Context<'_>, max: usize) -> Outcome {
    let site = cx.site;
    let home = site.home_page().map(|h| h.url.as_str());
    let mut sure: Vec<&ColumnView> = Vec::new();
    let mut suspected: Vec<&ColumnView> = Vec::new();
    let mut checked = 0;
    for column in &site.columns {
        if Some(column.url.as_str()) == home
            || column.name.trim().is_empty()
            || !column.children.is_empty()
            || STATIC_PAGES.iter().any(|s| column.name.contains(s))
            || column.name.contains("专题")
        {
            continue;
        }
        checked += 1;
        if !column.items.is_empty() {
            continue;
        }
        let pages: Vec<&Page> = column.pages.iter().filter_map(|u| site.page(u)).collect();
        // A paragraph introducing the column is not content; a page that is itself the
        // document (a 指南 written on the column page) is.
        let has_content = pages.iter().any(|p| {
            !p.tables().is_empty() || p.forms().iter().any(|f| f.kind != "search") || p.text().chars().count() >= 300
        });
        if has_content {
            continue;
        }
        if pages.iter().all(|p| p.kind == "list") {
            sure.push(column);
        } else {
            suspected.push(column);
        }
    }
    let names = |cs: &[&ColumnView]| cs.iter().map(|c| format!("「{}」", c.name)).collect::<String>();
    let mut evidence: Vec<_> = sure
        .iter()
        .map(|c| cite(&c.url, format!("栏目「{}」无任何信息", c.name)))
        .collect();
    evidence.extend(
        suspected
            .iter()
            .map(|c| cite(&c.url, format!("栏目「{}」页面几乎无内容（可能由脚本加载）", c.name))),
    );
    if sure.len() > max {
        let reason = format!(
            "已检查{checked}个栏目，{}个为空白栏目：{}（允许{max}个）",
            sure.len(),
            names(&sure)
        );
        return Outcome::fail(reason, evidence).with_failures(sure.len() - max);
    }
    if sure.len() + suspected.len() > max {
        return Outcome::manual(format!(
            "已检查{checked}个栏目，确认空白{}个{}，另有{}个栏目页面几乎无内容，疑似空白或由脚本加载：{}，需人工打开核实（允许{max}个）",
            sure.len(),
            names(&sure),
            suspected.len(),
            names(&suspected)
        ));
    }
    let reason = if sure.is_empty() && suspected.is_empty() {
        format!("已检查{checked}个栏目，没有空白栏目")
    } else {
        format!(
            "已检查{checked}个栏目，空白栏目{}个{}{}（允许{max}个）",
            sure.len() + suspected.len(),
            names(&sure),
            names(&suspected)
        )
    };
    Outcome::pass(reason, evidence)
}

/// `links_available`: links of the home page (or every page) whose target failed.
pub fn links_available(cx: &Context<'_>, scope: LinkScope) -> Outcome {
    let site = cx.site;
    let whole_site = scope == LinkScope::Site;
    let mut checked = 0;
    let mut broken = Vec::new();
    let mut evidence = Vec::new();
    // Targets already counted, by hash: the whole site's links are read a batch of pages at
    // a time, and only this set grows with the site.
    let mut seen: std::collections::HashSet<u128> = std::collections::HashSet::new();
    let mut check = |page: &Page, links: &[(String, String)]| {
        for (to, anchor) in links {
            if !seen.insert(crate::assess::model::url_key(to)) {
                continue;
            }
            let Some(outcome) = site.outcomes.get(to) else {
                if site.fetched_ok(to) {
                    checked += 1;
                }
                continue;
            };
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
    };
    if whole_site {
        site.scan_details(
            |_| true,
            |page, detail| {
                check(page, &detail.links);
                true
            },
        );
    } else if let Some(home) = site.home_page() {
        check(home, &home.links());
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
        Outcome::pass(reason, evidence)
    } else {
        let score = (checked - broken.len()) as f64 / checked as f64;
        Outcome::new(Status::Fail, Some(score), reason, evidence).with_failures(broken.len())
    }
}

/// `pub_date_consistent`: articles that show a publication date earlier than the CMS created
/// them (the date in their URL or 山东 ObjectId) by more than a day: 伪造发稿日期 is a 单项否决
/// item, so a suspicion is reported for a person to confirm, never vetoed automatically.
pub fn pub_date_consistent(cx: &Context<'_>) -> Outcome {
    let articles: Vec<&Page> = cx.site.pages.iter().filter(|p| p.kind == "article").collect();
    let backdated: Vec<&&Page> = articles
        .iter()
        .filter(|p| match (p.pub_date, p.url_date) {
            (Some(shown), Some(created)) => (created - shown).num_days() > 1,
            _ => false,
        })
        .collect();
    let conflicts = articles.iter().filter(|p| p.pub_date_conflict).count();
    // zwgk's own nightly crawls: items that appeared later than they claim.
    let mut crawled: Vec<&crate::assess::first_seen::Backdating> = cx.site.backdated.values().collect();
    crawled.sort_by(|a, b| b.first_seen.cmp(&a.first_seen).then(a.item_url.cmp(&b.item_url)));
    if !crawled.is_empty() {
        let shown: Vec<String> = crawled.iter().take(10).map(|b| b.reason_zh()).collect();
        let mut outcome = Outcome::manual(format!(
            "本系统的夜间抓取记录显示{}条信息上网晚于其标注的发布日期（较早一次抓取的栏目列表已列至更早的信息却没有这条），疑似倒签发稿日期；单项否决须经人工核实：{}{}",
            crawled.len(),
            shown.join("；"),
            if backdated.is_empty() {
                String::new()
            } else {
                format!("；另有{}篇文章的显示日期早于网址中的建稿日期", backdated.len())
            }
        ));
        outcome.evidence = crawled
            .iter()
            .take(10)
            .flat_map(|b| {
                [
                    cite(
                        &b.item_url,
                        format!("标注日期{}，首次出现于{}", b.claimed, b.first_seen),
                    ),
                    cite(
                        &b.list_url,
                        format!(
                            "第{}次抓取（{}）的列表已列至{}，未见此条",
                            b.earlier_run, b.earlier_seen, b.earlier_oldest
                        ),
                    ),
                ]
            })
            .collect();
        outcome.failures = crawled.len() + backdated.len();
        return outcome;
    }
    if backdated.is_empty() {
        let note = if conflicts > 0 {
            format!("（另有{conflicts}篇文章的PubDate元数据与页面显示日期不一致，但显示日期不早于建稿日期，不属倒签）")
        } else {
            String::new()
        };
        return Outcome::pass(
            format!(
                "{}篇文章的显示发布日期均不早于其建稿日期（网址中的日期）{note}",
                articles.len()
            ),
            Vec::new(),
        );
    }
    let shown: Vec<String> = backdated
        .iter()
        .take(10)
        .map(|p| {
            format!(
                "《{}》显示{}，网址日期{}",
                p.title,
                p.pub_date.map(|d| d.to_string()).unwrap_or_default(),
                p.url_date.map(|d| d.to_string()).unwrap_or_default()
            )
        })
        .collect();
    let mut outcome = Outcome::manual(format!(
        "{}篇文章的显示发布日期早于其建稿日期，疑似倒签发稿日期，需人工核实：{}",
        backdated.len(),
        shown.join("；")
    ));
    outcome.evidence = backdated
        .iter()
        .take(10)
        .map(|p| {
            cite(
                &p.url,
                format!(
                    "显示发布日期{}，网址日期{}",
                    p.pub_date.map(|d| d.to_string()).unwrap_or_default(),
                    p.url_date.map(|d| d.to_string()).unwrap_or_default()
                ),
            )
        })
        .collect();
    outcome.failures = backdated.len();
    outcome
}
