//! `budget_detail`: the 本级政府 预决算 publish their tables detailed to the 项级 of the
//! expenditure function classification (科目编码 of 7 digits: 类3 + 款2 + 项2, or names in three
//! levels 类/款/项), and a 专项转移支付 table, when there is one, lists projects rather than
//! only areas (预算法 第十四条; the task table's 「细化到支出功能分类的项级科目，专项转移支付
//! 预决算细化到具体项目」).

use std::sync::LazyLock;

use regex::Regex;

use super::{Context, cite_doc, find_documents};
use crate::assess::catalog::DocSpec;
use crate::assess::verdict::{Basis, Outcome, cite};
use crate::extract::table::Table;

static CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*(2\d{2})(\d{2})?(\d{2})?\s*$").expect("valid regex"));

/// The deepest level of the function classification a table reaches: 1 类, 2 款, 3 项.
fn classification_depth(table: &Table) -> usize {
    let mut depth = 0;
    for row in &table.rows {
        for cell in row.iter().take(2) {
            if let Some(c) = CODE.captures(cell) {
                let level = 1 + usize::from(c.get(2).is_some()) + usize::from(c.get(3).is_some());
                depth = depth.max(level);
            } else if cell.contains("支出") && cell.matches(['/', '／']).count() >= 2 {
                depth = depth.max(3);
            }
        }
    }
    depth
}

fn is_transfer_table(table: &Table) -> bool {
    table
        .headers
        .iter()
        .flatten()
        .chain(table.rows.iter().take(1).flatten())
        .any(|c| c.contains("转移支付"))
}

fn lists_projects(table: &Table) -> bool {
    table
        .headers
        .iter()
        .flatten()
        .chain(table.rows.iter().take(1).flatten())
        .any(|c| c.contains("项目"))
}

/// `budget_detail`: each 本级 预决算 of the window is judged; the score is the share detailed.
pub fn budget_detail(cx: &Context<'_>, spec: &DocSpec) -> Outcome {
    let found = find_documents(cx, spec);
    let label = &spec.label;
    if found.in_window.is_empty() {
        return Outcome::fail(
            format!("{}未见{label}（{}）", cx.window_zh(spec.window), found.searched),
            Vec::new(),
        )
        .with_basis(Basis::NotFound);
    }
    let mut good = 0;
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    let mut judged = 0;
    for doc in &found.in_window {
        let tables = cx.site.doc_tables(doc);
        if tables.is_empty() {
            problems.push(format!("《{}》未公开表格", doc.title));
            evidence.push(cite_doc(doc));
            judged += 1;
            continue;
        }
        judged += 1;
        let depth = tables.iter().map(|(_, t)| classification_depth(t)).max().unwrap_or(0);
        let transfer: Vec<(&str, &Table)> = tables.iter().filter(|(_, t)| is_transfer_table(t)).collect();
        let transfer_ok = transfer.iter().all(|(_, t)| lists_projects(t));
        let mut gaps = Vec::new();
        if depth > 0 && depth < 3 {
            gaps.push(format!(
                "支出功能分类只列到{}级科目",
                if depth == 1 { "类" } else { "款" }
            ));
        }
        if !transfer_ok {
            gaps.push("专项转移支付只按地区列示，未细化到具体项目".to_string());
        }
        if gaps.is_empty() {
            good += 1;
            if evidence.len() < 3 {
                evidence.push(cite(
                    tables.iter().next().map_or(doc.url, |(u, _)| u),
                    format!("《{}》表格细化到项级科目", doc.title),
                ));
            }
        } else {
            problems.push(format!("《{}》{}", doc.title, gaps.join("，")));
            evidence.push(cite_doc(doc));
        }
    }
    let reason = if problems.is_empty() {
        format!(
            "{judged}份{label}均公开表格，支出细化到功能分类项级科目{}",
            found.place_note(cx)
        )
    } else {
        format!(
            "{judged}份{label}中{good}份细化到位；{}{}",
            problems.join("；"),
            found.place_note(cx)
        )
    };
    Outcome::graded(good, judged, reason, evidence).with_basis(found.basis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            headers: vec![headers.iter().map(|h| h.to_string()).collect()],
            rows: rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect(),
            source: "html".to_string(),
        }
    }

    #[test]
    fn classification_levels_and_transfer_projects() {
        let item = table(&["科目编码", "科目名称", "金额"], &[&["2080201", "行政运行", "10"]]);
        assert_eq!(classification_depth(&item), 3);
        let section = table(&["科目编码", "科目名称", "金额"], &[&["20802", "民政管理事务", "10"]]);
        assert_eq!(classification_depth(&section), 2);
        let named = table(&["科目", "金额"], &[&["社会保障和就业支出/民政管理事务/行政运行", "1"]]);
        assert_eq!(classification_depth(&named), 3);
        let by_area = table(&["地区", "专项转移支付（万元）"], &[&["城关街道", "100"]]);
        assert!(is_transfer_table(&by_area) && !lists_projects(&by_area));
        let by_project = table(
            &["项目名称", "地区", "专项转移支付（万元）"],
            &[&["道路", "城关街道", "100"]],
        );
        assert!(lists_projects(&by_project));
    }
}
