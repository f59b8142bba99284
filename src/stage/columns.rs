//! `zwgk columns`: which site column each catalog leaf is judged on, and why — so a user can
//! see a wrong match and pin the right column in a site profile.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::assess::catalog::{Catalog, RawLeaf};
use crate::assess::columns::{ColumnDefs, ColumnMatch, Signal, SiteColumn, match_columns};
use crate::extract::page::EXTRACTOR_VERSION;
use crate::store::{ListPage, Store, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct LeafColumns {
    pub id: String,
    pub question: String,
    /// Column key → the site columns it resolved to (empty: not found).
    pub keys: BTreeMap<String, Vec<ColumnMatch>>,
}

/// The site columns of a run, built from its list pages' facts and the links to them.
pub fn site_columns(pages: &[ListPage]) -> Vec<SiteColumn> {
    pages
        .iter()
        .filter_map(|page| {
            let facts: serde_json::Value = serde_json::from_str(&page.facts).ok()?;
            let mut signals = Vec::new();
            if let Some(name) = facts["column"].as_str() {
                signals.push((Signal::ColumnName, name.to_string()));
            }
            if let Some(last) = facts["column_path"]
                .as_array()
                .and_then(|p| p.last())
                .and_then(|v| v.as_str())
            {
                signals.push((Signal::Breadcrumb, last.to_string()));
            }
            if let Some(title) = facts["title"].as_str() {
                signals.push((Signal::Title, title.to_string()));
            }
            signals.extend(page.anchors.iter().map(|a| (Signal::Anchor, a.clone())));
            Some(SiteColumn {
                url: page.url.clone(),
                signals,
                column_type: facts["column_type"].as_str().map(str::to_string),
            })
        })
        .collect()
}

/// Every column key a rule names (`column`, `page`, `other`, inside `all` and `na_unless`).
pub fn rule_keys(rule: &toml::Value, keys: &mut BTreeSet<String>) {
    for name in ["column", "page", "other"] {
        if let Some(key) = rule.get(name).and_then(toml::Value::as_str) {
            keys.insert(key.to_string());
        }
    }
    for nested in rule.get("rules").and_then(toml::Value::as_array).into_iter().flatten() {
        rule_keys(nested, keys);
    }
    if let Some(then) = rule.get("then") {
        rule_keys(then, keys);
    }
}

fn leaf_columns(leaf: &RawLeaf, matches: &[ColumnMatch]) -> LeafColumns {
    let mut keys = BTreeSet::new();
    rule_keys(&leaf.rule, &mut keys);
    LeafColumns {
        id: leaf.id.clone(),
        question: leaf.question.clone(),
        keys: keys
            .into_iter()
            .map(|key| {
                let found: Vec<ColumnMatch> = matches.iter().filter(|m| m.key == key).cloned().collect();
                (key, found)
            })
            .collect(),
    }
}

/// Resolves the catalog's column keys against a run's columns.
pub async fn columns_for_run(store: &Store, run_id: i64, catalog: &Catalog) -> Result<Vec<LeafColumns>, StoreError> {
    let pages = store.list_pages(run_id, EXTRACTOR_VERSION).await?;
    let matches = match_columns(&ColumnDefs::bundled(), &site_columns(&pages));
    Ok(catalog.leaves.iter().map(|leaf| leaf_columns(leaf, &matches)).collect())
}
