//! The draft as catalog TOML, in the layout of `selectors/indicators/zhoucun-2019.toml`.
//!
//! In: the resolved leaves. Out: the TOML text, the leaves with their rule's origin and final
//! review notes, and how many rules came from the bundled catalog.
//!
//! Rules: most districts copy the provincial template, so a question the bundled 周村区 table
//! asks in the same words gets that leaf's rule (the one under the same path when the question
//! is asked twice), with the `[docs.*]` kinds it names. Any other leaf gets a `manual`
//! placeholder, which loads and runs, and a `review` note saying a rule is to be written.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::LazyLock;

use toml::Value;

use super::rows::DraftLeaf;
use crate::assess::catalog::BUNDLED;

/// The bundled catalog whose rules are reused.
const RULES_FROM: &str = "zhoucun-2019";

/// The `why` of a placeholder rule.
pub const PLACEHOLDER_WHY: &str = "导入草稿：此项尚无规则，请按 selectors/indicators/README.md §3 编写 rule";

pub(super) struct CatalogHead<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub file: &'a str,
    pub tables: &'a [String],
    pub leaves: Vec<DraftLeaf>,
}

/// A bundled leaf, as written (named document kinds not resolved).
struct BundledLeaf {
    id: String,
    path: Vec<String>,
    rule: Value,
    year_relative: bool,
}

struct Bundled {
    by_question: HashMap<String, Vec<BundledLeaf>>,
    docs: toml::Table,
}

static BUNDLED_RULES: LazyLock<Bundled> = LazyLock::new(|| {
    let text = BUNDLED
        .iter()
        .find(|(name, ..)| *name == RULES_FROM)
        .map(|(_, _, text)| *text)
        .unwrap_or_default();
    let raw: toml::Table = toml::from_str(text).unwrap_or_default();
    let mut by_question: HashMap<String, Vec<BundledLeaf>> = HashMap::new();
    for leaf in raw.get("leaf").and_then(Value::as_array).into_iter().flatten() {
        let text = |key: &str| leaf.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
        let (Some(rule), false) = (leaf.get("rule"), leaf.get("split_of").is_some()) else {
            continue;
        };
        let path = leaf
            .get("path")
            .and_then(Value::as_array)
            .map(|p| p.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        by_question
            .entry(normalize(&text("question")))
            .or_default()
            .push(BundledLeaf {
                id: text("id"),
                path,
                rule: rule.clone(),
                year_relative: leaf.get("year_relative").and_then(Value::as_bool).unwrap_or(false),
            });
    }
    let docs = raw.get("docs").and_then(Value::as_table).cloned().unwrap_or_default();
    Bundled { by_question, docs }
});

/// Questions compare without spaces and final punctuation.
fn normalize(question: &str) -> String {
    question
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .trim_end_matches(['。', '；', ';', '？', '?'])
        .to_string()
}

/// The bundled leaf asking the question, or why there is none.
fn bundled_rule<'a>(bundled: &'a Bundled, leaf: &DraftLeaf) -> Result<&'a BundledLeaf, String> {
    let no_rule =
        || format!("no rule: `{RULES_FROM}` asks no such question; write `rule` (selectors/indicators/README.md §3)");
    let candidates = bundled
        .by_question
        .get(&normalize(&leaf.question))
        .ok_or_else(no_rule)?;
    if let Some(same_path) = candidates.iter().find(|c| c.path == leaf.path) {
        return Ok(same_path);
    }
    let first = candidates.first().ok_or_else(no_rule)?;
    if candidates.iter().all(|c| c.rule == first.rule) {
        return Ok(first);
    }
    let ids: Vec<String> = candidates.iter().map(|c| format!("`{}`", c.id)).collect();
    Err(format!(
        "no rule: `{RULES_FROM}` asks this question under other paths with different rules ({}); pick or write one",
        ids.join(", ")
    ))
}

/// Document kinds a rule names (`find = "meeting"`), in nested rules too.
fn named_docs(rule: &Value, out: &mut BTreeSet<String>) {
    match rule {
        Value::Table(table) => {
            for (key, value) in table {
                match (key.as_str(), value) {
                    ("find" | "event", Value::String(name)) => {
                        out.insert(name.clone());
                    }
                    _ => named_docs(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| named_docs(item, out)),
        _ => {}
    }
}

fn string(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

fn strings(items: &[String]) -> String {
    Value::Array(items.iter().map(|s| Value::String(s.clone())).collect()).to_string()
}

/// Writes the catalog; returns it, the leaves with their rules' origin, and how many rules
/// came from the bundled catalog.
pub(super) fn write_catalog(head: &CatalogHead<'_>) -> (String, Vec<DraftLeaf>, usize) {
    let bundled = &*BUNDLED_RULES;
    let mut leaves = head.leaves.clone();
    let mut rules: Vec<Option<(Value, bool)>> = Vec::with_capacity(leaves.len());
    let mut docs = BTreeSet::new();
    for leaf in &mut leaves {
        match bundled_rule(bundled, leaf) {
            Ok(found) => {
                named_docs(&found.rule, &mut docs);
                leaf.rule_from = Some(format!("`{RULES_FROM}` `{}`", found.id));
                rules.push(Some((found.rule.clone(), found.year_relative)));
            }
            Err(why) => {
                leaf.review.push(why);
                rules.push(None);
            }
        }
    }
    let matched = rules.iter().flatten().count();
    let review = leaves.iter().filter(|l| !l.review.is_empty()).count();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Drafted by `zwgk catalog import` from `{}` ({}).",
        head.file,
        head.tables.join(", ")
    );
    let _ = writeln!(
        out,
        "# {} leaves, one per row with a question; {matched} rules from the bundled `{RULES_FROM}` leaf asking the same question.",
        leaves.len()
    );
    let _ = writeln!(
        out,
        "# {review} leaves carry `review = \"…\"`: untyped 公开时限, missing units or levels, cells with two questions,"
    );
    let _ = writeln!(
        out,
        "# placeholder rules. Fix each, delete its `review`, and run `zwgk catalog check` on this file."
    );
    let _ = writeln!(out, "# Schema: selectors/indicators/README.md.\n");
    let _ = writeln!(out, "[catalog]");
    let _ = writeln!(out, "id = {}", string(head.id));
    let _ = writeln!(out, "title = {}", string(head.title));
    let _ = writeln!(out, "source_file = {}", string(head.file));
    let _ = writeln!(out, "source_tables = {}", strings(head.tables));
    let _ = writeln!(out, "drafted_by = \"zwgk catalog import\"");
    let _ = writeln!(out, "rules_from = {}", string(RULES_FROM));
    for name in &docs {
        let Some(Value::Table(spec)) = bundled.docs.get(name) else {
            continue;
        };
        let _ = writeln!(out, "\n[docs.{name}]");
        for (key, value) in spec {
            let _ = writeln!(out, "{key} = {value}");
        }
    }
    for (leaf, rule) in leaves.iter().zip(&rules) {
        let _ = writeln!(out, "\n[[leaf]]");
        let _ = writeln!(out, "id = {}", string(&leaf.id));
        let _ = writeln!(out, "path = {}", strings(&leaf.path));
        let _ = writeln!(out, "question = {}", string(&leaf.question));
        let _ = writeln!(out, "units = {}", strings(&leaf.units));
        let _ = writeln!(out, "units_text = {}", string(&leaf.units_text));
        let _ = writeln!(out, "units_source = {}", string(leaf.units_source.key()));
        if let Some(role) = &leaf.unit_role {
            let _ = writeln!(out, "unit_role = {}", string(role));
        }
        if leaf.units_more {
            let _ = writeln!(out, "units_more = true");
        }
        let _ = writeln!(out, "time_limit_text = {}", string(&leaf.time_limit_text));
        let limit = Value::try_from(&leaf.time_limit).unwrap_or_else(|_| {
            let mut none = toml::Table::new();
            none.insert("kind".to_string(), Value::String("none".to_string()));
            Value::Table(none)
        });
        let _ = writeln!(out, "time_limit = {limit}");
        let _ = writeln!(out, "time_limit_source = {}", string(leaf.time_limit_source.key()));
        if let Some((_, true)) = rule {
            let _ = writeln!(out, "year_relative = true");
        }
        let _ = writeln!(out, "source_row = {}", string(&leaf.row));
        if let Some(from) = &leaf.rule_from {
            let _ = writeln!(out, "notes = {}", string(&format!("rule from {from}")));
        }
        if !leaf.review.is_empty() {
            let _ = writeln!(out, "review = {}", string(&leaf.review.join("; ")));
        }
        match rule {
            Some((rule, _)) => {
                let _ = writeln!(out, "rule = {rule}");
            }
            None => {
                let _ = writeln!(out, "rule = {{ kind = \"manual\", why = {} }}", string(PLACEHOLDER_WHY));
            }
        }
    }
    (out, leaves, matched)
}
