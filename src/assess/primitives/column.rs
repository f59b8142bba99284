//! `column`: the site has a column (专栏, 目录, 平台); `freshness`: its newest item is recent.

use chrono::Months;

use super::Context;
use crate::assess::catalog::iso_duration;
use crate::assess::model::{ColumnView, Item};
use crate::assess::verdict::{Basis, Cite, Outcome, cite};

/// The columns as evidence, the topmost first (a platform's hub before its channels).
fn cite_columns(cx: &Context<'_>, columns: &[usize]) -> Vec<Cite> {
    let depth = |c: usize| {
        let mut d = 0;
        let mut at = cx.site.columns[c].parent;
        while let Some(p) = at
            && d < 16
        {
            d += 1;
            at = cx.site.columns[p].parent;
        }
        d
    };
    let mut sorted = columns.to_vec();
    sorted.sort_by_key(|&c| (depth(c), cx.site.columns[c].url.len()));
    sorted
        .iter()
        .take(5)
        .map(|&c| cite(&cx.site.columns[c].url, format!("栏目「{}」", cx.site.column_path(c))))
        .collect()
}

/// What `zwgk` searched for a column that is not there: the navigation and the 信息公开 tree.
pub fn not_found(cx: &Context<'_>, key: &str) -> Outcome {
    let hubs: Vec<&ColumnView> = cx
        .site
        .columns
        .iter()
        .filter(|c| !c.children.is_empty())
        .take(3)
        .collect();
    let looked = if hubs.is_empty() {
        format!("已查网站首页导航及{}个栏目", cx.site.columns.len())
    } else {
        format!(
            "已查网站首页导航、{}等{}个栏目",
            hubs.iter().map(|c| format!("「{}」", c.name)).collect::<String>(),
            cx.site.columns.len()
        )
    };
    let evidence = cx
        .site
        .home_page()
        .map(|h| vec![cite(&h.url, "网站首页导航")])
        .unwrap_or_default();
    Outcome::fail(
        format!(
            "网站未找到「{}」栏目（按栏目名称、ColumnName/ColumnType、导航文字和面包屑查找；{looked}）",
            cx.key_name(key)
        ),
        evidence,
    )
    .with_basis(Basis::NotFound)
}

/// `column`: the key resolves to a column (with at least one item when `not_empty`).
pub fn column(cx: &Context<'_>, key: &str, not_empty: bool) -> Outcome {
    let columns = cx.site.key_columns(key);
    let Some(&first) = columns.first() else {
        return not_found(cx, key);
    };
    let name = cx.site.column_path(first);
    if !not_empty {
        return Outcome::pass(format!("已设置「{name}」栏目"), cite_columns(cx, &columns));
    }
    // Items listed, not the column page itself: an empty 专栏 with a paragraph of
    // introduction is still empty.
    let items: usize = cx
        .site
        .with_descendants(&columns)
        .iter()
        .map(|&c| cx.site.columns[c].items.len())
        .sum();
    if items == 0 {
        Outcome::fail(
            format!("「{name}」栏目为空栏目，未发布任何信息"),
            cite_columns(cx, &columns),
        )
    } else {
        Outcome::pass(format!("「{name}」栏目共有{items}条信息"), cite_columns(cx, &columns))
    }
}

fn newest<'a>(columns: &[&'a ColumnView], as_of: chrono::NaiveDate) -> Option<&'a Item> {
    columns
        .iter()
        .flat_map(|c| &c.items)
        .filter(|i| i.date.is_some_and(|d| d <= as_of))
        .max_by_key(|i| i.date)
}

fn freshness_of(cx: &Context<'_>, columns: &[&ColumnView], name: &str, limit: chrono::NaiveDate) -> Outcome {
    let url = columns.first().map(|c| c.url.clone()).unwrap_or_default();
    match newest(columns, cx.as_of) {
        None => Outcome::fail(
            format!("「{name}」栏目没有注明发布时间的信息（未注明发布时间的信息视为不更新）"),
            vec![cite(&url, format!("栏目「{name}」"))],
        ),
        Some(item) => {
            let date = item.date.expect("filtered on dates");
            let evidence = vec![cite(&item.url, format!("《{}》（{date}）", item.title))];
            if date >= limit {
                Outcome::pass(
                    format!("「{name}」栏目最新信息《{}》发布于{date}，在{limit}之后", item.title),
                    evidence,
                )
            } else {
                Outcome::fail(
                    format!(
                        "「{name}」栏目最新信息《{}》发布于{date}，截至{}已超过更新期限（应不早于{limit}），逾期{}天",
                        item.title,
                        cx.as_of,
                        (limit - date).num_days()
                    ),
                    evidence,
                )
            }
        }
    }
}

/// `freshness`: the newest dated item is no older than `within` before the as-of date; with
/// `each`, every column of the key is judged on its own (专题 columns excepted).
pub fn freshness(cx: &Context<'_>, key: &str, within: &str, each: bool) -> Outcome {
    let indices = cx.site.key_columns(key);
    if indices.is_empty() {
        return not_found(cx, key);
    }
    let (months, days) = iso_duration(within).unwrap_or((12, 0));
    let limit = cx
        .as_of
        .checked_sub_months(Months::new(months))
        .and_then(|d| d.checked_sub_days(chrono::Days::new(u64::from(days))))
        .unwrap_or(cx.as_of);
    let columns: Vec<&ColumnView> = indices.iter().map(|&c| &cx.site.columns[c]).collect();
    if !each || columns.len() == 1 {
        // The key's columns and the columns below them are one body of content.
        let below: Vec<&ColumnView> = cx
            .site
            .with_descendants(&indices)
            .into_iter()
            .map(|c| &cx.site.columns[c])
            .collect();
        return freshness_of(cx, &below, &columns[0].name, limit);
    }
    // 专题 columns are topics of their time, not columns owed updates (普查 rule).
    let (topics, judged): (Vec<&ColumnView>, Vec<&ColumnView>) = columns.iter().partition(|c| c.name.contains("专题"));
    let outcomes: Vec<Outcome> = judged
        .iter()
        .map(|c| freshness_of(cx, std::slice::from_ref(c), &c.name, limit))
        .collect();
    let fresh = outcomes
        .iter()
        .filter(|o| o.status == crate::assess::verdict::Status::Pass)
        .count();
    let mut reason = outcomes
        .iter()
        .map(|o| o.reason.as_str())
        .collect::<Vec<_>>()
        .join("；");
    if !topics.is_empty() {
        reason.push_str(&format!(
            "（专题栏目不计：{}）",
            topics.iter().map(|c| format!("「{}」", c.name)).collect::<String>()
        ));
    }
    let evidence = outcomes.into_iter().flat_map(|o| o.evidence).collect();
    Outcome::graded(fresh, judged.len(), reason, evidence)
}
