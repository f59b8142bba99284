//! Column resolution: which columns (栏目) of a site stand for which column keys of the
//! catalogs, by the conventions of Chinese government sites — zero configuration.
//!
//! Scoring per (site column, key), as `selectors/indicators/README.md` §3.2 specifies: a signal
//! (ColumnName meta, breadcrumb, title, anchor text) equal to one of the key's names scores
//! 1000 + the name's length; a name contained in a signal scores 100 + its length (the longest
//! one); a ColumnType containing one of the key's types scores 50, or 2 when the type is the
//! generic 信息公开目录 that Hanweb platforms give every sub-column; a URL pattern scores 5.
//! A site column goes to its best key(s); every decision keeps a reason in Chinese, which
//! `zwgk columns` shows so a user can pin a wrong match in a site profile.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
pub struct ColumnDef {
    #[serde(default)]
    pub description: String,
    pub names: Vec<String>,
    #[serde(default)]
    pub column_types: Vec<String>,
    #[serde(default)]
    pub url_patterns: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawColumns {
    columns: BTreeMap<String, ColumnDef>,
}

/// The column keys of `selectors/indicators/columns.toml`.
#[derive(Debug, Clone)]
pub struct ColumnDefs {
    pub keys: BTreeMap<String, ColumnDef>,
}

impl ColumnDefs {
    pub fn parse(text: &str) -> Result<ColumnDefs, String> {
        let raw: RawColumns = toml::from_str(text).map_err(|e| format!("columns.toml is not valid: {e}"))?;
        Ok(ColumnDefs { keys: raw.columns })
    }

    pub fn bundled() -> ColumnDefs {
        ColumnDefs::parse(include_str!("../../selectors/indicators/columns.toml")).expect("checked by the tests")
    }
}

/// Where a site column's name was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    ColumnName,
    Breadcrumb,
    Title,
    Anchor,
}

impl Signal {
    fn label(self) -> &'static str {
        match self {
            Signal::ColumnName => "栏目元数据ColumnName",
            Signal::Breadcrumb => "面包屑导航",
            Signal::Title => "页面标题",
            Signal::Anchor => "导航链接文字",
        }
    }
}

/// A column of the site as the crawl saw it (one list page and what points at it).
#[derive(Debug, Clone, Default)]
pub struct SiteColumn {
    pub url: String,
    pub signals: Vec<(Signal, String)>,
    pub column_type: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnMatch {
    pub key: String,
    pub url: String,
    pub score: usize,
    pub reason: String,
}

/// ColumnType values that say only "this is part of the 信息公开 platform": Hanweb platforms
/// put 信息公开目录 on every sub-column whatever its subject, so they must not outrank a name.
const GENERIC_COLUMN_TYPES: &[&str] = &["信息公开目录", "信息公开", "政务公开", "其他", "栏目"];

/// Scores: a signal equal to a name beats a name inside a signal, which beats a ColumnType,
/// which beats a URL pattern; a generic ColumnType is a tie-breaker only.
const EXACT_NAME: usize = 1_000;
const CONTAINED_NAME: usize = 100;
const COLUMN_TYPE: usize = 50;
const URL_PATTERN: usize = 5;
const GENERIC_COLUMN_TYPE: usize = 2;

/// A name with `*` matches any 1–8 characters there (`走进*` is 走进周村, 走进临河 …), so a
/// district's own name never has to be written into the column keys.
fn name_matches(name: &str, text: &str) -> NameMatch {
    let Some((head, tail)) = name.split_once('*') else {
        return if text == name {
            NameMatch::Exact
        } else if text.contains(name) {
            NameMatch::Contained
        } else {
            NameMatch::None
        };
    };
    let pattern = format!("{}[^\\s]{{1,8}}?{}", regex::escape(head), regex::escape(tail));
    let Ok(re) = regex::Regex::new(&format!("^(?:{pattern})$")) else {
        return NameMatch::None;
    };
    if re.is_match(text) {
        return NameMatch::Exact;
    }
    match regex::Regex::new(&pattern) {
        Ok(inner) if inner.is_match(text) => NameMatch::Contained,
        _ => NameMatch::None,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum NameMatch {
    Exact,
    Contained,
    None,
}

fn score(def: &ColumnDef, column: &SiteColumn) -> (usize, String) {
    let mut best = (0usize, String::new());
    let mut consider = |s: usize, reason: String| {
        if s > best.0 {
            best = (s, reason);
        }
    };
    for (signal, text) in &column.signals {
        let text = crate::assess::model::unquoted(text.trim());
        for name in &def.names {
            let len = name.chars().filter(|c| *c != '*').count();
            match name_matches(name, &text) {
                NameMatch::Exact => consider(
                    EXACT_NAME + len,
                    format!("{}「{text}」与栏目名称「{name}」一致", signal.label()),
                ),
                NameMatch::Contained => consider(
                    CONTAINED_NAME + len,
                    format!("{}「{text}」包含「{name}」", signal.label()),
                ),
                NameMatch::None => {}
            }
        }
    }
    if let Some(column_type) = &column.column_type
        && let Some(t) = def.column_types.iter().find(|t| column_type.contains(t.as_str()))
    {
        let generic = GENERIC_COLUMN_TYPES.contains(&t.as_str());
        consider(
            if generic { GENERIC_COLUMN_TYPE } else { COLUMN_TYPE },
            format!("ColumnType「{column_type}」属于「{t}」"),
        );
    }
    let path = column.url.to_ascii_lowercase();
    if let Some(p) = def.url_patterns.iter().find(|p| path.contains(&p.to_ascii_lowercase())) {
        consider(URL_PATTERN, format!("栏目地址含「{p}」"));
    }
    best
}

/// Assigns every site column to its best-scoring key(s).
pub fn match_columns(defs: &ColumnDefs, columns: &[SiteColumn]) -> Vec<ColumnMatch> {
    let mut matches = Vec::new();
    for column in columns {
        let scored: Vec<(&String, usize, String)> = defs
            .keys
            .iter()
            .map(|(key, def)| {
                let (s, reason) = score(def, column);
                (key, s, reason)
            })
            .filter(|(_, s, _)| *s > 0)
            .collect();
        let Some(top) = scored.iter().map(|(_, s, _)| *s).max() else {
            continue;
        };
        for (key, s, reason) in scored.into_iter().filter(|(_, s, _)| *s == top) {
            matches.push(ColumnMatch {
                key: key.clone(),
                url: column.url.clone(),
                score: s,
                reason,
            });
        }
    }
    matches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(url: &str, signals: &[(Signal, &str)], column_type: Option<&str>) -> SiteColumn {
        SiteColumn {
            url: url.to_string(),
            signals: signals.iter().map(|(s, t)| (*s, t.to_string())).collect(),
            column_type: column_type.map(str::to_string),
        }
    }

    fn keys_for(column: SiteColumn) -> Vec<String> {
        match_columns(&ColumnDefs::bundled(), &[column])
            .into_iter()
            .map(|m| m.key)
            .collect()
    }

    #[test]
    fn the_bundled_column_keys_load() {
        let defs = ColumnDefs::bundled();
        assert!(defs.keys.len() >= 60);
        assert!(defs.keys.values().all(|d| !d.names.is_empty()));
    }

    #[test]
    fn columns_are_found_by_convention() {
        let cases = [
            (
                column("/col/col6013/index.html", &[(Signal::ColumnName, "财政预决算")], None),
                "fiscal_budget",
            ),
            (
                column("/x/index.html", &[(Signal::Breadcrumb, "2024年部门预算公开")], None),
                "fiscal_budget",
            ),
            (
                column("/col/col6004/index.html", &[(Signal::Anchor, "通知公告")], None),
                "notices",
            ),
            (
                column("/xxgk/zn/index.html", &[(Signal::Title, "政府信息公开指南")], None),
                "guide",
            ),
            (
                column("/xxgk/nb/index.html", &[(Signal::ColumnName, "信息公开年报")], None),
                "annual_report",
            ),
            (
                column(
                    "/zcwj/index.html",
                    &[(Signal::Title, "栏目")],
                    Some("信息公开，政策文件"),
                ),
                "policy_docs",
            ),
        ];
        for (column, key) in cases {
            let name = format!("{:?}", column.signals);
            let keys = keys_for(column);
            assert!(keys.contains(&key.to_string()), "{name}: {keys:?}");
        }
    }

    #[test]
    fn a_name_beats_the_generic_column_type() {
        // Hanweb platforms give every sub-column ColumnType 信息公开目录: the name decides.
        let cases = [
            ("经营服务性收费清单", "fee_lists"),
            ("信用信息“双公示”", "double_publicity"),
            ("财政预决算", "fiscal_budget"),
        ];
        for (name, key) in cases {
            let keys = keys_for(column(
                "/col/col1/index.html",
                &[(Signal::ColumnName, name)],
                Some("信息公开目录"),
            ));
            assert_eq!(keys, vec![key.to_string()], "{name}");
        }
    }

    #[test]
    fn wildcard_names_need_no_district() {
        assert_eq!(name_matches("走进*", "走进临河"), NameMatch::Exact);
        assert_eq!(name_matches("*概况", "临河概况"), NameMatch::Exact);
        assert_eq!(name_matches("走进*", "欢迎走进临河区"), NameMatch::Contained);
        assert_eq!(name_matches("走进*", "走进"), NameMatch::None);
        assert_eq!(name_matches("今日*", "今日"), NameMatch::None);
    }

    #[test]
    fn reasons_say_why_in_chinese() {
        let found = match_columns(
            &ColumnDefs::bundled(),
            &[column("/a", &[(Signal::ColumnName, "财政预决算")], None)],
        );
        assert_eq!(
            found[0].reason,
            "栏目元数据ColumnName「财政预决算」与栏目名称「财政预决算」一致"
        );
        assert!(match_columns(&ColumnDefs::bundled(), &[column("/a", &[(Signal::Title, "xyz")], None)]).is_empty());
    }
}
