//! The header row of a task table, and what each column holds.
//!
//! In: the tables of a file. Out: the tables that hold the task table, each with its
//! [`Columns`] and the rows below its header. A header row names at least the 公开内容 (or two
//! levels, the last of which holds the question: 「五级指标」 in the 周村区 table) and 责任单位 or
//! 公开时限, in the first [`HEADER_SEARCH_ROWS`] rows of a table. Spellings vary between
//! districts (一级指标 / 一级目录 / 一级事项, 公开内容 / 具体内容 / 评估要点, 责任单位 / 责任部门
//! / 牵头单位, 公开时限 / 时限要求 / 更新频率): [`role_of`] lists them.
//!
//! A Word table that breaks across pages is often saved as several `<w:tbl>`; a table without a
//! header of its own right after one with a header continues it. A header row repeated on each
//! page (「标题行重复」 typed out) is dropped.

use std::sync::LazyLock;

use regex::Regex;

use super::read::{Origin, Row, SourceTable};

/// Rows searched for the header (a title, a 文号 and a caption may come first).
pub(super) const HEADER_SEARCH_ROWS: usize = 30;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// 一级 = 1, 二级 = 2 …
    Level(u32),
    Question,
    Units,
    TimeLimit,
}

/// Where the parts of a row are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Columns {
    /// The level columns left of the question, 一级 first.
    pub levels: Vec<usize>,
    /// The question: 公开内容, or the last level column when there is none.
    pub question: usize,
    pub units: Option<usize>,
    pub time_limit: Option<usize>,
}

/// A table of the task table.
#[derive(Debug)]
pub(super) struct FoundTable<'a> {
    pub table: &'a SourceTable,
    pub columns: Columns,
    /// The rows under the header, repeated header rows left out.
    pub rows: Vec<&'a Row>,
}

#[derive(Debug, Default)]
pub(super) struct Found<'a> {
    pub used: Vec<FoundTable<'a>>,
    /// Tables passed over, with why.
    pub skipped: Vec<String>,
}

/// The tables of the task table, in order.
pub(super) fn find_tables(tables: &[SourceTable]) -> Found<'_> {
    let mut found = Found::default();
    let mut previous_used = false;
    for table in tables {
        if let Some((at, columns)) = table
            .rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .enumerate()
            .find_map(|(i, row)| header_columns(row).map(|c| (i, c)))
        {
            let rows = table.rows[at + 1..]
                .iter()
                .filter(|r| !is_header_repeat(r, &columns))
                .collect();
            found.used.push(FoundTable { table, columns, rows });
            previous_used = true;
            continue;
        }
        let continues = previous_used
            && found.used.last().is_some_and(|last| {
                let question = last.columns.question;
                table
                    .rows
                    .iter()
                    .any(|r| r.cells.get(question).is_some_and(|c| !c.text.is_empty()))
            });
        if continues && let Some(last) = found.used.last() {
            let columns = last.columns.clone();
            let rows = table.rows.iter().filter(|r| !is_header_repeat(r, &columns)).collect();
            found.used.push(FoundTable { table, columns, rows });
            continue;
        }
        previous_used = false;
        if !table.rows.is_empty() {
            found.skipped.push(format!("{}: no header row", table.name));
        }
    }
    found
}

/// The columns a header row names, if it is one.
fn header_columns(row: &Row) -> Option<Columns> {
    let mut levels: Vec<(u32, usize)> = Vec::new();
    let (mut question, mut units, mut time_limit) = (None, None, None);
    for (index, cell) in row.cells.iter().enumerate() {
        // A merged header cell names its first column only.
        if cell.origin != Origin::Own {
            continue;
        }
        match role_of(&cell.text) {
            Some(Role::Level(n)) if !levels.iter().any(|(m, _)| *m == n) => levels.push((n, index)),
            Some(Role::Question) => {
                question.get_or_insert(index);
            }
            Some(Role::Units) => {
                units.get_or_insert(index);
            }
            Some(Role::TimeLimit) => {
                time_limit.get_or_insert(index);
            }
            _ => {}
        }
    }
    levels.sort();
    let mut levels: Vec<usize> = levels.into_iter().map(|(_, index)| index).collect();
    let question = match question {
        Some(q) => q,
        // 「五级指标」 holds the question when there is no 公开内容 column.
        None if levels.len() >= 2 => levels.pop()?,
        None => return None,
    };
    if units.is_none() && time_limit.is_none() {
        return None;
    }
    levels.retain(|&l| l < question);
    Some(Columns {
        levels,
        question,
        units,
        time_limit,
    })
}

/// A header row repeated below the first (each page of a Word table): two of its cells name
/// their own column's role. A question about a 时限 (「是否在规定时限内予以答复」 under
/// 「答复时限」) names the wrong roles and stays a row.
fn is_header_repeat(row: &Row, columns: &Columns) -> bool {
    let names = |index: Option<usize>, expected: fn(Role) -> bool| {
        index
            .and_then(|i| row.cells.get(i))
            .filter(|c| c.origin == Origin::Own)
            .and_then(|c| role_of(&c.text))
            .is_some_and(expected)
    };
    let hits = columns
        .levels
        .iter()
        .filter(|&&l| names(Some(l), |r| matches!(r, Role::Level(_))))
        .count()
        + usize::from(names(Some(columns.question), |r| {
            matches!(r, Role::Question | Role::Level(_))
        }))
        + usize::from(names(columns.units, |r| r == Role::Units))
        + usize::from(names(columns.time_limit, |r| r == Role::TimeLimit));
    hits >= 2
}

/// What a header cell names; brackets (「一级指标（类别）」) and spaces do not count.
fn role_of(text: &str) -> Option<Role> {
    static BRACKETED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[（(][^）)]*[）)]").expect("the pattern is valid"));
    static LEVEL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^第?(?P<n>[一二三四五六七八九]|[1-9])级(?:指标|目录|事项|分类|类别|标题|栏目|内容)?(?:名称)?$")
            .expect("the pattern is valid")
    });
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let text = BRACKETED.replace_all(&compact, "");
    if text.is_empty() || text.chars().count() > 12 {
        return None;
    }
    const UNITS: &[&str] = &[
        "责任单位",
        "责任部门",
        "牵头单位",
        "牵头部门",
        "责任主体",
        "公开主体",
        "落实单位",
        "承办单位",
        "实施单位",
        "责任科室",
        "公开单位",
        "公开部门",
        "主体单位",
    ];
    const TIME: &[&str] = &[
        "时限",
        "公开时间",
        "完成时间",
        "更新频率",
        "更新周期",
        "公开频次",
        "公开频率",
    ];
    const QUESTION: &[&str] = &[
        "公开内容",
        "具体内容",
        "指标内容",
        "评估内容",
        "考核内容",
        "公开事项",
        "事项内容",
        "公开标准",
        "考核要点",
        "评估要点",
        "评价要点",
        "内容",
        "评估标准",
        "评分标准",
        "公开要求",
        "具体要求",
        "工作任务",
        "任务内容",
        "细化指标",
        "考核指标",
        "公开要素",
        "指标要求",
    ];
    if UNITS.iter().any(|u| text.contains(u)) {
        return Some(Role::Units);
    }
    if TIME.iter().any(|t| text.contains(t)) {
        return Some(Role::TimeLimit);
    }
    if let Some(captures) = LEVEL.captures(&text) {
        let n = match &captures["n"] {
            "一" => 1,
            "二" => 2,
            "三" => 3,
            "四" => 4,
            "五" => 5,
            "六" => 6,
            "七" => 7,
            "八" => 8,
            "九" => 9,
            digit => digit.parse().ok()?,
        };
        return Some(Role::Level(n));
    }
    if QUESTION.contains(&text.as_ref()) || text.ends_with("内容") || text.ends_with("要点") {
        return Some(Role::Question);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::read::Cell;
    use super::*;

    fn row(cells: &[&str]) -> Row {
        Row {
            number: 1,
            cells: cells.iter().map(|t| Cell::own(t)).collect(),
        }
    }

    #[test]
    fn header_spellings_of_several_districts() {
        let cases: &[(&[&str], Option<Columns>)] = &[
            // 周村区 2019: the 五级指标 holds the question.
            (
                &[
                    "一级指标",
                    "二级指标",
                    "三级指标",
                    "四级指标",
                    "五级指标",
                    "责任单位",
                    "公开时限",
                ],
                Some(Columns {
                    levels: vec![0, 1, 2, 3],
                    question: 4,
                    units: Some(5),
                    time_limit: Some(6),
                }),
            ),
            (
                &[
                    "序号",
                    "一级目录",
                    "二级目录",
                    "公开内容（要素）",
                    "责任部门",
                    "公开时限要求",
                    "备注",
                ],
                Some(Columns {
                    levels: vec![1, 2],
                    question: 3,
                    units: Some(4),
                    time_limit: Some(5),
                }),
            ),
            (
                &["一 级 事 项", "二级事项", "具体内容", "牵头单位"],
                Some(Columns {
                    levels: vec![0, 1],
                    question: 2,
                    units: Some(3),
                    time_limit: None,
                }),
            ),
            (
                &["1级指标", "2级指标", "评估要点", "更新频率"],
                Some(Columns {
                    levels: vec![0, 1],
                    question: 2,
                    units: None,
                    time_limit: Some(3),
                }),
            ),
            // A title row, a row of data, a header without 责任单位 or 公开时限.
            (&["政务公开工作任务分工表"], None),
            (&["决策公开", "是否公开", "区政府办公室", "即时"], None),
            (&["一级指标", "二级指标", "三级指标"], None),
        ];
        for (cells, expected) in cases {
            assert_eq!(header_columns(&row(cells)), *expected, "{cells:?}");
        }
    }

    #[test]
    fn continued_tables_and_repeated_headers() {
        let table = |name: &str, rows: Vec<Row>| SourceTable {
            name: name.to_string(),
            rows,
            caption: None,
            truncated: None,
        };
        let header = ["一级指标", "二级指标", "公开内容", "责任单位", "公开时限"];
        let tables = vec![
            table("table 1", vec![row(&["附件"]), row(&["页眉"])]),
            table(
                "table 2",
                vec![
                    row(&["标题"]),
                    row(&header),
                    row(&["a", "b", "是否x", "区财政局", "即时"]),
                ],
            ),
            table("table 3", vec![row(&header), row(&["", "", "是否y", "", ""])]),
            table("table 4", vec![row(&["", "", "是否z", "", ""])]),
            table("table 5", vec![row(&["签发人"])]),
        ];
        let found = find_tables(&tables);
        let names: Vec<&str> = found.used.iter().map(|t| t.table.name.as_str()).collect();
        assert_eq!(names, ["table 2", "table 3", "table 4"]);
        assert_eq!(found.used[0].rows.len(), 1);
        assert_eq!(found.used[1].rows.len(), 1);
        assert_eq!(found.used[2].columns, found.used[0].columns);
        assert_eq!(found.skipped, ["table 1: no header row", "table 5: no header row"]);
    }
}
