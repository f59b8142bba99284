//! `zwgk columns`: which site column each catalog leaf is judged on, and why — so a user can
//! see a wrong match and pin the right column in a site profile.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::assess::catalog::{Catalog, RawLeaf};
use crate::assess::columns::ColumnMatch;
use crate::store::Store;

#[derive(Debug, Clone, Serialize)]
pub struct LeafColumns {
    pub id: String,
    pub question: String,
    /// Column key → the site columns it resolved to (empty: not found).
    pub keys: BTreeMap<String, Vec<ColumnMatch>>,
}

fn leaf_columns(leaf: &RawLeaf, matches: &[ColumnMatch]) -> LeafColumns {
    let mut list = Vec::new();
    leaf.rule.keys(&mut list);
    let keys: BTreeSet<String> = list.into_iter().collect();
    LeafColumns {
        id: leaf.id.clone(),
        question: leaf.question.clone(),
        keys: keys
            .into_iter()
            .map(|key| {
                let found: Vec<ColumnMatch> = matches
                    .iter()
                    .filter(|m| key.split('|').any(|k| m.key == k))
                    .cloned()
                    .collect();
                (key, found)
            })
            .collect(),
    }
}

/// Resolves the catalog's column keys against a run's columns, exactly as `zwgk assess` does
/// (site profile pins included).
pub async fn columns_for_run(
    store: &Store,
    run_id: i64,
    catalog: &Catalog,
    profiles: &[crate::extract::profile::Profile],
) -> Result<Vec<LeafColumns>, super::assess::AssessError> {
    let view = super::assess::site_view(store, run_id, profiles).await?;
    Ok(catalog
        .leaves
        .iter()
        .map(|leaf| leaf_columns(leaf, &view.matches))
        .collect())
}
