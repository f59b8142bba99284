//! Indicator catalogs: the district's task table (and the national inspection rules) as data
//! under `selectors/indicators/`. `RawLeaf` is what the TOML says; `Catalog::load` checks it —
//! unique ids, units present, typed time limits, known rule kinds — and reports the leaf at
//! fault. See `selectors/indicators/README.md` for the schema.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog `{file}` is not valid TOML: {message}")]
    Toml { file: String, message: String },
    #[error("catalog `{file}`, leaf `{id}`: {problem}")]
    Leaf { file: String, id: String, problem: String },
}

/// A parsed 公开时限.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TimeLimit {
    /// Within N calendar or working days of an event (形成, 变更, 作出决定, 收到申请 …).
    WithinDays {
        days: u32,
        day_type: DayType,
        event: String,
    },
    /// 即时.
    Immediate,
    /// 会议第二天.
    NextDay { event: String },
    /// 两周一次, 一月一次, 一季度一次 …
    Periodic { every: Period },
    /// 3月31日前, 7月底前: by this day of the assessment year.
    AnnualDeadline { month: u32, day: u32 },
    /// The table gives none.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayType {
    Calendar,
    Working,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Fortnight,
    Month,
    Quarter,
    HalfYear,
    Year,
}

/// One leaf as written in the catalog.
#[derive(Debug, Clone, Deserialize)]
pub struct RawLeaf {
    pub id: String,
    pub path: Vec<String>,
    pub question: String,
    #[serde(default)]
    pub split_of: Option<String>,
    pub units: Vec<String>,
    #[serde(default)]
    pub time_limit_text: String,
    pub time_limit: TimeLimit,
    #[serde(default)]
    pub year_relative: bool,
    #[serde(default)]
    pub law_note: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    pub rule: toml::Value,
}

#[derive(Debug, Clone, Deserialize)]
struct RawCatalog {
    #[serde(default)]
    catalog: CatalogInfo,
    #[serde(default)]
    leaf: Vec<RawLeaf>,
}

/// The `[catalog]` table: what the catalog is.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CatalogInfo {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
}

/// The primitives a rule may use (the assessment engine implements exactly these).
pub const RULE_KINDS: &[&str] = &[
    "column_exists",
    "column_not_empty",
    "freshness",
    "periodic_coverage",
    "timeliness",
    "deadline",
    "contains_all",
    "contains_any",
    "table_headers",
    "attachment_present",
    "link_to",
    "form_present",
    "image_near",
    "validity_labelled",
    "cross_linked",
    "consultation_feedback",
    "annual_report_arithmetic",
    "interaction_replied",
    "no_blank_columns",
    "links_available",
    "pub_date_consistent",
    "all",
    "na_unless",
    "manual",
];

/// A checked catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub file: String,
    pub info: CatalogInfo,
    pub leaves: Vec<RawLeaf>,
}

fn check_rule(rule: &toml::Value) -> Result<(), String> {
    let kind = rule
        .get("kind")
        .and_then(toml::Value::as_str)
        .ok_or("rule has no `kind`")?;
    if !RULE_KINDS.contains(&kind) {
        return Err(format!("unknown rule kind `{kind}`"));
    }
    match kind {
        "all" => {
            let rules = rule
                .get("rules")
                .and_then(toml::Value::as_array)
                .ok_or("`all` needs `rules`")?;
            rules.iter().try_for_each(check_rule)
        }
        "na_unless" => check_rule(rule.get("then").ok_or("`na_unless` needs `then`")?),
        "manual" => rule
            .get("why")
            .and_then(toml::Value::as_str)
            .filter(|w| !w.trim().is_empty())
            .map(|_| ())
            .ok_or_else(|| "a manual rule must say `why` no website can show it".to_string()),
        _ => Ok(()),
    }
}

impl Catalog {
    pub fn parse(text: &str, file: &str) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog = toml::from_str(text).map_err(|e| CatalogError::Toml {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let mut ids = HashSet::new();
        for leaf in &raw.leaf {
            let fail = |problem: String| CatalogError::Leaf {
                file: file.to_string(),
                id: leaf.id.clone(),
                problem,
            };
            if !ids.insert(leaf.id.clone()) {
                return Err(fail("the id is used twice".to_string()));
            }
            if leaf.units.iter().all(|u| u.trim().is_empty()) {
                return Err(fail("no 责任单位".to_string()));
            }
            if leaf.path.is_empty() || leaf.question.trim().is_empty() {
                return Err(fail("no path or question".to_string()));
            }
            check_rule(&leaf.rule).map_err(fail)?;
        }
        Ok(Catalog {
            file: file.to_string(),
            info: raw.catalog,
            leaves: raw.leaf,
        })
    }

    /// The 周村区 2019 task table shipped with zwgk.
    pub fn bundled_zhoucun() -> Catalog {
        Catalog::parse(
            include_str!("../../selectors/indicators/zhoucun-2019.toml"),
            "selectors/indicators/zhoucun-2019.toml",
        )
        .expect("the bundled catalog is checked by the tests")
    }

    pub fn bundled_national() -> Catalog {
        Catalog::parse(
            include_str!("../../selectors/indicators/national-inspection.toml"),
            "selectors/indicators/national-inspection.toml",
        )
        .expect("the bundled catalog is checked by the tests")
    }

    /// A catalog file, or a bundled one by name (`zhoucun-2019`, `national-inspection`).
    pub fn load(name_or_path: &str) -> Result<Catalog, CatalogError> {
        match name_or_path {
            "zhoucun-2019" | "zhoucun" => Ok(Catalog::bundled_zhoucun()),
            "national-inspection" | "national" => Ok(Catalog::bundled_national()),
            path => {
                let text = std::fs::read_to_string(path).map_err(|e| CatalogError::Toml {
                    file: path.to_string(),
                    message: format!("cannot read the file: {e}"),
                })?;
                Catalog::parse(&text, path)
            }
        }
    }

    pub fn automatic_share(&self) -> f64 {
        let automatic = self
            .leaves
            .iter()
            .filter(|l| l.rule.get("kind").and_then(toml::Value::as_str) != Some("manual"))
            .count();
        automatic as f64 / self.leaves.len().max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_in_selectors_loads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("selectors/indicators");
        for name in ["zhoucun-2019.toml", "national-inspection.toml"] {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            let catalog = Catalog::parse(&text, name).unwrap_or_else(|e| panic!("{e}"));
            assert!(!catalog.leaves.is_empty(), "{name}");
        }
    }

    #[test]
    fn the_catalog_covers_every_question_of_the_seed_table() {
        let catalog = Catalog::bundled_zhoucun();
        let questions = include_str!("../../selectors/indicators/seed_questions.txt");
        let mut missing = Vec::new();
        for question in questions.lines().map(str::trim).filter(|q| !q.is_empty()) {
            let covered = catalog.leaves.iter().any(|l| {
                l.question.contains(question)
                    || question.contains(l.question.as_str()) && l.split_of.as_deref() == Some(question)
            });
            if !covered {
                missing.push(question);
            }
        }
        assert!(missing.is_empty(), "seed questions without a leaf: {missing:#?}");
        assert!(catalog.leaves.len() >= 150, "{} leaves", catalog.leaves.len());
        assert!(
            catalog.automatic_share() >= 0.6,
            "{:.2} automatic",
            catalog.automatic_share()
        );
    }

    #[test]
    fn time_limits_are_typed() {
        let catalog = Catalog::bundled_zhoucun();
        let by_text = |text: &str| {
            catalog
                .leaves
                .iter()
                .find(|l| l.time_limit_text == text)
                .map(|l| l.time_limit.clone())
        };
        assert_eq!(by_text("一月一次"), Some(TimeLimit::Periodic { every: Period::Month }));
        assert_eq!(by_text("即时"), Some(TimeLimit::Immediate));
        assert_eq!(
            by_text("会议第二天"),
            Some(TimeLimit::NextDay {
                event: "会议".to_string()
            })
        );
        assert_eq!(
            by_text("3月31日前"),
            Some(TimeLimit::AnnualDeadline { month: 3, day: 31 })
        );
        assert_eq!(
            by_text("收到申请之日起15个工作日内"),
            Some(TimeLimit::WithinDays {
                days: 15,
                day_type: DayType::Working,
                event: "收到申请".to_string()
            })
        );
    }

    #[test]
    fn broken_catalogs_name_the_leaf() {
        let leaf = |id: &str, rule: &str| {
            format!(
                "[[leaf]]\nid = \"{id}\"\npath = [\"a\"]\nquestion = \"是否x\"\nunits = [\"区政府办公室\"]\ntime_limit = {{ kind = \"immediate\" }}\nrule = {rule}\n"
            )
        };
        let cases = [
            (leaf("a.1", "{ kind = \"guess\" }"), "unknown rule kind `guess`"),
            (leaf("a.1", "{ kind = \"manual\" }"), "must say `why`"),
            (
                format!(
                    "{}{}",
                    leaf("a.1", "{ kind = \"column_exists\" }"),
                    leaf("a.1", "{ kind = \"column_exists\" }")
                ),
                "used twice",
            ),
            ("[[leaf]]\nid = 3".to_string(), "not valid TOML"),
        ];
        for (text, message) in cases {
            let error = Catalog::parse(&text, "t.toml").unwrap_err().to_string();
            assert!(error.contains(message), "{error}");
        }
    }
}
