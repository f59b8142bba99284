//! `report.csv`: one row per leaf in the task table's columns. UTF-8 with a BOM so Excel opens
//! the Chinese correctly; RFC 4180 quoting; cells that Excel would run as formulas are defused.

use super::evidence_lines;
use crate::assess::engine::{Assessment, Verdict, status_zh};

/// The columns shared by the CSV and the workbook.
pub const HEADERS: [&str; 13] = [
    "指标编号",
    "一级指标",
    "二级指标",
    "三级指标",
    "四级指标",
    "评价要点",
    "责任单位",
    "公开时限",
    "测评结果",
    "得分",
    "问题说明",
    "证据链接",
    "核查时间",
];

/// One leaf as the row of [`HEADERS`].
pub fn row(v: &Verdict, a: &Assessment) -> [String; 13] {
    let level = |i: usize| v.path.get(i).cloned().unwrap_or_default();
    [
        v.id.clone(),
        level(0),
        level(1),
        level(2),
        level(3),
        v.question.clone(),
        v.units.join("、"),
        v.time_limit.clone(),
        status_zh(v.status).to_string(),
        v.score.map(|s| format!("{:.1}", s * 100.0)).unwrap_or_default(),
        v.reason.clone(),
        evidence_lines(v).join("\n"),
        checked_at(v, a),
    ]
}

/// When the leaf was checked, in Beijing time: the newest fetch among its evidence, else the
/// as-of date.
pub fn checked_at(v: &Verdict, a: &Assessment) -> String {
    v.evidence
        .iter()
        .filter_map(|e| e.fetched_at.clone())
        .max()
        .map_or_else(|| a.as_of.to_string(), |t| super::beijing(&t))
}

pub fn render(a: &Assessment) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    push_row(&mut out, HEADERS.iter().map(|h| h.to_string()));
    for v in &a.indicators {
        push_row(&mut out, row(v, a).into_iter());
    }
    out.into_bytes()
}

fn push_row(out: &mut String, cells: impl Iterator<Item = String>) {
    let line: Vec<String> = cells.map(|c| quote(&defuse(&c))).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

fn quote(cell: &str) -> String {
    format!("\"{}\"", cell.replace('"', "\"\""))
}

/// Scraped text starting with `=`, `+`, `-`, `@` (or a tab/CR) would be a formula in Excel
/// (CSV injection): a leading apostrophe keeps it text.
pub fn defuse(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(quote("a\"b,c"), "\"a\"\"b,c\"");
        assert_eq!(defuse("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(defuse("达标"), "达标");
    }
}
