//! `zwgk catalog check`: a catalog typed and checked before use.

use super::*;

pub(crate) fn run_catalog_check(args: &CatalogCheckArgs) -> anyhow::Result<ExitCode> {
    use crate::assess::catalog::{BUNDLED, Catalog, Rule};
    let catalogs: Vec<Catalog> = match &args.file {
        Some(path) => vec![Catalog::load(&path.display().to_string())?],
        None => BUNDLED
            .iter()
            .map(|(name, ..)| Catalog::load(name))
            .collect::<Result<_, _>>()?,
    };
    let mut out = String::new();
    for catalog in &catalogs {
        let manual = catalog
            .leaves
            .iter()
            .filter(|l| matches!(l.rule, Rule::Manual { .. }))
            .count();
        let mut keys = Vec::new();
        for leaf in &catalog.leaves {
            leaf.rule.keys(&mut keys);
        }
        keys.sort();
        keys.dedup();
        out.push_str(&format!(
            "`{}` ({}): {} leaves, {} automatic, {} manual, {} column keys — valid\n",
            catalog.file,
            catalog.info.id,
            catalog.leaves.len(),
            catalog.leaves.len() - manual,
            manual,
            keys.len()
        ));
    }
    crate::console::out(&out);
    Ok(ExitCode::SUCCESS)
}
