//! Rows of a task table as draft leaves.
//!
//! In: the tables found by `header`. Out: one [`DraftLeaf`] per row with a question, with its
//! levels, units and typed time limit, and the reasons a person must look at it.
//!
//! Merged cells: a cell copied from the merged cell above (xlsx merge, docx `vMerge`) is that
//! cell's text, also across a Word table broken over pages. A cell copied from the left (a
//! heading spanning the columns of the levels it lacks) is empty: the row has no such level.
//! A table saved without any merged cell writes a heading once and leaves the cells below it
//! blank; there, a blank level, 责任单位 or 公开时限 is carried down from the row above, levels
//! until a higher level changes, units and limits within the same 一级指标 — as the bundled
//! catalog resolved the seed table (`units_source = "merged"`).
//!
//! Must not: drop a row with a question, or leave a guess unmarked.

use super::header::{Columns, Found};
use super::read::{Origin, Row};
use super::units::split_units;
use crate::assess::catalog::TimeLimit;
use crate::assess::time_limit::parse_time_limit;

/// Written as `units` when the row names none, so the draft loads; the leaf is marked.
pub const NO_UNIT: &str = "待填";
/// Written as the path when the row has no level cells.
pub const NO_LEVEL: &str = "未分级";

/// Where a leaf's units or time limit come from (`units_source`, `time_limit_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The row's own cell.
    Cell,
    /// A merged cell above, or a blank carried down.
    Merged,
    /// The table gives none.
    None,
}

impl Source {
    pub fn key(self) -> &'static str {
        match self {
            Source::Cell => "cell",
            Source::Merged => "merged",
            Source::None => "none",
        }
    }
}

/// One row of the task table as a leaf of the draft.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftLeaf {
    /// Level ordinals and the leaf's ordinal under its path (`1.2.1.3.1`).
    pub id: String,
    /// 「sheet `Sheet1` row 12」.
    pub row: String,
    pub path: Vec<String>,
    pub question: String,
    pub units: Vec<String>,
    pub units_text: String,
    pub units_source: Source,
    pub unit_role: Option<String>,
    pub units_more: bool,
    pub time_limit_text: String,
    pub time_limit: TimeLimit,
    pub time_limit_source: Source,
    /// The 公开时限 text was typed (an empty cell is not).
    pub time_limit_typed: bool,
    /// The bundled leaf whose rule the draft uses (`zhoucun-2019` `xzql.jcgk…`).
    pub rule_from: Option<String>,
    /// Why a person must look at the leaf; empty when nothing is doubtful.
    pub review: Vec<String>,
}

/// What the rows above left behind.
#[derive(Debug, Default)]
struct Carry {
    levels: Vec<String>,
    units: String,
    time_limit: String,
    /// The 一级 the units and limit were given under.
    first_level: String,
}

/// Every leaf of the tables, in order, with ids.
pub(super) fn resolve(found: &Found<'_>) -> Vec<DraftLeaf> {
    let has_merges = found
        .used
        .iter()
        .any(|t| t.rows.iter().any(|r| r.cells.iter().any(|c| c.origin == Origin::Above)));
    let mut carry = Carry::default();
    let mut leaves: Vec<DraftLeaf> = Vec::new();
    for table in &found.used {
        if carry.levels.len() != table.columns.levels.len() {
            carry = Carry::default();
        }
        for row in &table.rows {
            let label = format!("{} row {}", table.table.name, row.number);
            match resolve_row(row, &table.columns, has_merges, &mut carry, label) {
                Resolved::Leaf(leaf) => leaves.push(*leaf),
                Resolved::Continuation(label) => {
                    if let Some(last) = leaves.last_mut() {
                        last.review.push(format!(
                            "{label} continues this question's merged cell; its other cells are not read"
                        ));
                    }
                }
                Resolved::Heading | Resolved::Blank => {}
            }
        }
    }
    assign_ids(&mut leaves);
    leaves
}

enum Resolved {
    Leaf(Box<DraftLeaf>),
    /// The question cell is merged with the row above.
    Continuation(String),
    /// Levels only: a heading row.
    Heading,
    Blank,
}

fn resolve_row(row: &Row, columns: &Columns, has_merges: bool, carry: &mut Carry, label: String) -> Resolved {
    // Text and origin of a column; a copy from the left is no text of this column.
    let cell = |index: Option<usize>| -> (String, Origin) {
        match index.and_then(|i| row.cells.get(i)) {
            Some(c) if c.origin == Origin::Left => (String::new(), Origin::Left),
            Some(c) => (c.text.clone(), c.origin),
            None => (String::new(), Origin::Own),
        }
    };
    let is_blank = row.cells.iter().all(|c| c.text.is_empty() || c.origin != Origin::Own);
    if is_blank
        && !row
            .cells
            .iter()
            .any(|c| c.origin == Origin::Above && !c.text.is_empty())
    {
        return Resolved::Blank;
    }
    let mut levels = Vec::with_capacity(columns.levels.len());
    let mut changed = false;
    for (k, &column) in columns.levels.iter().enumerate() {
        let (text, origin) = cell(Some(column));
        let text = text.replace('\n', "");
        let above = carry.levels.get(k).cloned().unwrap_or_default();
        let value = if !text.is_empty() {
            changed |= origin == Origin::Own && text != above;
            text
        } else if origin == Origin::Above || (!has_merges && !changed) {
            above
        } else {
            String::new()
        };
        levels.push(value);
    }
    let question_cell = row.cells.get(columns.question);
    let (mut question, question_origin) = match question_cell {
        Some(c) => (c.text.replace('\n', " "), c.origin),
        None => (String::new(), Origin::Own),
    };
    if question_origin == Origin::Above && !question.is_empty() {
        carry.levels = levels;
        return Resolved::Continuation(label);
    }
    let (mut units_cell, units_origin) = cell(columns.units);
    let (mut limit_cell, limit_origin) = cell(columns.time_limit);
    let mut review = Vec::new();
    if question.is_empty()
        && let Some((index, text)) = shifted_question(row, columns.question)
    {
        // A transcription that lost its merged cells shifts a row's cells left or right.
        review.push(format!(
            "the question stands in column {} instead of column {}: the row's cells look shifted \
             (merged cells lost); check its path, units and 公开时限",
            index + 1,
            columns.question + 1
        ));
        if let Some(k) = columns.levels.iter().position(|&l| l == index) {
            levels[k..].iter_mut().for_each(String::clear);
        } else if Some(index) == columns.units {
            units_cell.clear();
        } else if Some(index) == columns.time_limit {
            limit_cell.clear();
        }
        question = text;
    }
    if question.is_empty() {
        let has_own = |text: &str, origin: Origin| !text.is_empty() && origin == Origin::Own;
        if !has_own(&units_cell, units_origin) && !has_own(&limit_cell, limit_origin) {
            carry.levels = levels;
            return Resolved::Heading;
        }
        let Some(heading) = levels.iter().rev().find(|l| !l.is_empty()).cloned() else {
            return Resolved::Blank;
        };
        review.push(format!(
            "no 公开内容 cell: the question is the heading 「{heading}」; write the question"
        ));
        question = heading;
    }
    if question_origin == Origin::Left {
        // A heading spanning into the question column is the question, not a level too.
        while levels.last().is_some_and(|l| *l == question || l.is_empty()) {
            levels.pop();
        }
    }
    let first_level = levels.first().cloned().unwrap_or_default();
    let same_block = first_level == carry.first_level;
    let carried = |text: String, origin: Origin, above: &str| -> (String, Source) {
        if !text.is_empty() {
            let source = if origin == Origin::Own {
                Source::Cell
            } else {
                Source::Merged
            };
            (text, source)
        } else if (origin == Origin::Above || (!has_merges && same_block)) && !above.is_empty() {
            (above.to_string(), Source::Merged)
        } else {
            (String::new(), Source::None)
        }
    };
    let (units_text, units_source) = carried(units_cell, units_origin, &carry.units);
    let (limit_text, limit_source) = carried(limit_cell, limit_origin, &carry.time_limit);
    carry.levels.clone_from(&levels);
    carry.units.clone_from(&units_text);
    carry.time_limit.clone_from(&limit_text);
    carry.first_level = first_level;

    let split = split_units(&units_text);
    let units = if split.names.is_empty() {
        review.push(if units_text.is_empty() {
            "no 责任单位: name the units".to_string()
        } else {
            format!("责任单位 「{units_text}」 names no unit: name the units")
        });
        vec![NO_UNIT.to_string()]
    } else {
        split.names
    };
    let (time_limit, typed) = if limit_text.is_empty() {
        (TimeLimit::None, false)
    } else {
        match parse_time_limit(&limit_text) {
            Some(limit) => (limit, true),
            None => {
                review.push(format!(
                    "公开时限 「{limit_text}」 is not one of the typed forms (selectors/indicators/README.md §2): type `time_limit` by hand"
                ));
                (TimeLimit::None, false)
            }
        }
    };
    let questions = question.matches("是否").count();
    if questions >= 2 {
        review.push(format!(
            "the cell asks {questions} questions (是否 ×{questions}): split it into leaves that share `split_of`"
        ));
    }
    let mut path: Vec<String> = levels.into_iter().filter(|l| !l.is_empty()).collect();
    if path.is_empty() {
        review.push("no level cells: give the leaf its `path`".to_string());
        path.push(NO_LEVEL.to_string());
    }
    Resolved::Leaf(Box::new(DraftLeaf {
        id: String::new(),
        row: label,
        path,
        question,
        units,
        units_text,
        units_source,
        unit_role: split.role,
        units_more: split.more,
        time_limit_text: limit_text,
        time_limit,
        time_limit_source: limit_source,
        time_limit_typed: typed,
        rule_from: None,
        review,
    }))
}

/// The row's own cell asking a question (是否) outside the question column.
fn shifted_question(row: &Row, question: usize) -> Option<(usize, String)> {
    row.cells.iter().enumerate().find_map(|(index, c)| {
        (index != question && c.origin == Origin::Own && c.text.contains("是否"))
            .then(|| (index, c.text.replace('\n', " ")))
    })
}

/// `1.2.1.3.1`: each level's ordinal among the headings under its parent, in table order,
/// then the leaf's ordinal under its path. Paths of one length give ids of one length, so the
/// ids are unique and match the catalog's `^[a-z0-9]+(\.[a-z0-9]+)*\.[0-9]+$`.
fn assign_ids(leaves: &mut [DraftLeaf]) {
    use std::collections::HashMap;
    let mut children: HashMap<Vec<String>, Vec<String>> = HashMap::new();
    let mut counts: HashMap<Vec<String>, usize> = HashMap::new();
    for leaf in leaves.iter_mut() {
        let mut parts = Vec::with_capacity(leaf.path.len() + 1);
        for depth in 0..leaf.path.len() {
            let siblings = children.entry(leaf.path[..depth].to_vec()).or_default();
            let name = &leaf.path[depth];
            let ordinal = match siblings.iter().position(|s| s == name) {
                Some(at) => at + 1,
                None => {
                    siblings.push(name.clone());
                    siblings.len()
                }
            };
            parts.push(ordinal.to_string());
        }
        let count = counts.entry(leaf.path.clone()).or_default();
        *count += 1;
        parts.push(count.to_string());
        leaf.id = parts.join(".");
    }
}

#[cfg(test)]
mod tests {
    use super::super::header::find_tables;
    use super::super::read::{Cell, SourceTable};
    use super::*;

    fn table(rows: &[&[&str]]) -> SourceTable {
        SourceTable {
            name: "sheet `t`".to_string(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, cells)| Row {
                    number: i + 1,
                    cells: cells.iter().map(|t| Cell::own(t)).collect(),
                })
                .collect(),
            caption: None,
            truncated: None,
        }
    }

    /// A table saved without merged cells: headings written once, blanks below them.
    #[test]
    fn blanks_are_carried_down_in_a_table_without_merges() {
        let tables = [table(&[
            &["一级指标", "二级指标", "三级指标", "公开内容", "责任单位", "公开时限"],
            &[
                "决策公开",
                "预公开",
                "目录",
                "是否发布目录",
                "区政府办公室牵头",
                "信息形成或变更5日内",
            ],
            &["", "", "", "是否公开草案", "", "即时"],
            &["", "会议公开", "", "是否公开议题", "", ""],
            &["", "", "", "", "", ""],
            &["财政信息", "", "", "是否公开预算", "", "长期"],
            &["", "", "", "是否公开决算。是否公开说明", "区财政局", "一月一次"],
        ])];
        let found = find_tables(&tables);
        let leaves = resolve(&found);
        let view: Vec<(&str, Vec<&str>, String, &str, Source)> = leaves
            .iter()
            .map(|l| {
                (
                    l.id.as_str(),
                    l.path.iter().map(String::as_str).collect(),
                    l.units.join("|"),
                    l.time_limit_text.as_str(),
                    l.units_source,
                )
            })
            .collect();
        assert_eq!(
            view,
            [
                (
                    "1.1.1.1",
                    vec!["决策公开", "预公开", "目录"],
                    "区政府办公室".to_string(),
                    "信息形成或变更5日内",
                    Source::Cell
                ),
                (
                    "1.1.1.2",
                    vec!["决策公开", "预公开", "目录"],
                    "区政府办公室".to_string(),
                    "即时",
                    Source::Merged
                ),
                (
                    "1.2.1",
                    vec!["决策公开", "会议公开"],
                    "区政府办公室".to_string(),
                    "即时",
                    Source::Merged
                ),
                ("2.1", vec!["财政信息"], NO_UNIT.to_string(), "长期", Source::None),
                (
                    "2.2",
                    vec!["财政信息"],
                    "区财政局".to_string(),
                    "一月一次",
                    Source::Cell
                ),
            ]
        );
        assert!(leaves[..3].iter().all(|l| l.review.is_empty() && l.time_limit_typed));
        assert_eq!(leaves[3].review.len(), 2, "{:?}", leaves[3].review);
        assert!(leaves[3].review[1].contains("「长期」"));
        assert!(leaves[4].review[0].contains("2 questions"));
        assert_eq!(leaves[4].rule_from, None);
    }

    /// The seed's transcription lost its merged cells: 「是否及时反馈意见采纳情况…」 stands in
    /// the 三级 column. The row stays a leaf, marked.
    #[test]
    fn a_question_shifted_out_of_its_column_is_kept_and_marked() {
        let tables = [table(&[
            &[
                "一级指标",
                "二级指标",
                "三级指标",
                "四级指标",
                "五级指标",
                "责任单位",
                "公开时限",
            ],
            &[
                "行政权力运行公开",
                "决策公开",
                "预公开",
                "结果反馈",
                "是否及时反馈意见收集情况",
                "",
                "信息形成或变更5日内",
            ],
            &["", "", "是否及时反馈意见采纳情况和未予采纳的理由", "", "", "", ""],
            &["", "", "", "", "", "区审计局", "是否公开专项审计报告"],
        ])];
        let leaves = resolve(&find_tables(&tables));
        assert_eq!(leaves.len(), 3);
        assert_eq!(leaves[1].question, "是否及时反馈意见采纳情况和未予采纳的理由");
        assert_eq!(leaves[1].path, ["行政权力运行公开", "决策公开"]);
        assert_eq!(leaves[1].time_limit_text, "信息形成或变更5日内");
        assert!(
            leaves[1].review[0].contains("stands in column 3 instead of column 5"),
            "{:?}",
            leaves[1].review
        );
        assert_eq!(leaves[2].question, "是否公开专项审计报告");
        assert_eq!(leaves[2].units, ["区审计局"]);
        assert_eq!(leaves[2].time_limit_text, "信息形成或变更5日内");
    }

    #[test]
    fn ids_are_unique_across_path_lengths() {
        let leaf = |path: &[&str]| DraftLeaf {
            id: String::new(),
            row: String::new(),
            path: path.iter().map(|s| s.to_string()).collect(),
            question: "q".to_string(),
            units: vec![],
            units_text: String::new(),
            units_source: Source::None,
            unit_role: None,
            units_more: false,
            time_limit_text: String::new(),
            time_limit: TimeLimit::None,
            time_limit_source: Source::None,
            time_limit_typed: false,
            rule_from: None,
            review: vec![],
        };
        let mut leaves = vec![
            leaf(&["a", "b"]),
            leaf(&["a", "b", "c"]),
            leaf(&["a", "b"]),
            leaf(&["a", "d"]),
            leaf(&["e"]),
        ];
        assign_ids(&mut leaves);
        let ids: Vec<&str> = leaves.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, ["1.1.1", "1.1.1.1", "1.1.2", "1.2.1", "2.1"]);
    }
}
