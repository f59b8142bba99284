//! `report_arithmetic`: in the newest 年度报告 of the kind, table 三 (收到和处理政府信息公开申请
//! 情况) satisfies its printed 勾稽关系 — per applicant column 一 + 二 = 三(七)总计 + 四, the 总计
//! column is the sum of the six applicant columns, （七）总计 is the sum of its leaf rows — and
//! in table 四 each 总计 is the sum of its four parts (docs/DOMAIN.md §3.4–3.5).

use super::{Context, cite_doc, find_documents};
use crate::assess::catalog::DocSpec;
use crate::assess::verdict::{Basis, Outcome, cite};

/// `report_arithmetic`.
pub fn report_arithmetic(cx: &Context<'_>, spec: &DocSpec) -> Outcome {
    let found = find_documents(cx, spec);
    let label = &spec.label;
    let Some(doc) = found.all.first().copied() else {
        return Outcome::fail(format!("未见{label}，无法核对表格（{}）", found.searched), Vec::new())
            .with_basis(Basis::NotFound);
    };
    if doc.page.is_none() {
        return Outcome::manual(format!("《{}》未能抓取，无法核对表格", doc.title));
    }
    let tables: Vec<crate::extract::table::Table> = cx.site.doc_tables(&doc).iter().map(|(_, t)| t.clone()).collect();
    match tables_add_up(&tables) {
        None => Outcome::na(format!(
            "《{}》没有2019年新版格式的表三（收到和处理政府信息公开申请情况），不核对勾稽关系",
            doc.title
        )),
        Some((checks, broken)) if broken.is_empty() => Outcome::pass(
            format!("《{}》表三、表四共{checks}项勾稽关系均成立", doc.title),
            vec![cite_doc(&doc)],
        )
        .with_basis(found.basis),
        Some((checks, broken)) => Outcome::new(
            crate::assess::verdict::Status::Partial,
            Some((checks - broken.len()) as f64 / checks as f64),
            format!(
                "《{}》{checks}项勾稽关系中{}项不成立：{}",
                doc.title,
                broken.len(),
                broken.join("；")
            ),
            vec![cite(doc.url, broken.first().cloned().unwrap_or_default())],
        )
        .with_failures(broken.len())
        .with_basis(found.basis),
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
pub fn tables_add_up(tables: &[crate::extract::table::Table]) -> Option<(usize, Vec<String>)> {
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
    // （七）总计 = the sum of the leaf rows of 三: the rows with figures from 三、 (which may
    // carry （一） on the same row) to （七）; a category row （三） whose numbered sub-rows
    // (1. 2. …) carry figures is counted through them, not twice.
    let start = three
        .rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c.trim().starts_with("三、")))?;
    let end = three
        .rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c.trim().starts_with("（七）")))?;
    let figures = |r: &Vec<String>| -> Vec<Option<i64>> { r.iter().rev().take(7).rev().map(|c| number(c)).collect() };
    let has_figures = |r: &Vec<String>| figures(r).iter().any(Option::is_some);
    // A row's label cells are the ones before its seven figures; a sub-row's label starts
    // with its number (merged layouts put 「（三）不予公开」 and 「1.属于国家秘密」 on one row).
    let is_sub = |r: &Vec<String>| {
        r[..r.len().saturating_sub(7)]
            .iter()
            .any(|c| c.trim().chars().next().is_some_and(|ch| ch.is_ascii_digit()))
    };
    let rows = &three.rows[start..end];
    let leaf_rows: Vec<&Vec<String>> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| has_figures(r))
        .filter(|(i, r)| {
            // A category row with figures is replaced by its sub-rows when they follow it.
            is_sub(r) || !rows.get(i + 1).is_some_and(|n| is_sub(n) && has_figures(n))
        })
        .map(|(_, r)| r)
        .collect();
    for i in 0..7 {
        checks += 1;
        let sum: i64 = leaf_rows
            .iter()
            .filter_map(|r| figures(r).get(i).copied().flatten())
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
