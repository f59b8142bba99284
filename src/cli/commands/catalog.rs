//! `zwgk catalog check`: a catalog typed and checked before use, with the leaves a draft
//! marks for review. `zwgk catalog import`: a draft from another district's task table.

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
        let review: Vec<(&str, &str)> = catalog
            .leaves
            .iter()
            .filter_map(|l| l.review.as_deref().map(|why| (l.id.as_str(), why)))
            .collect();
        let verdict = if review.is_empty() {
            "valid".to_string()
        } else {
            format!("valid; {} leaves marked for review", review.len())
        };
        out.push_str(&format!(
            "`{}` ({}): {} leaves, {} automatic, {} manual, {} column keys — {verdict}\n",
            catalog.file,
            catalog.info.id,
            catalog.leaves.len(),
            catalog.leaves.len() - manual,
            manual,
            keys.len()
        ));
        for (id, why) in review {
            out.push_str(&format!("  warning: leaf `{id}` needs review: {why}\n"));
        }
    }
    crate::console::out(&out);
    Ok(ExitCode::SUCCESS)
}

/// Reads the task table, writes the draft (or prints it), and says what needs review.
pub(crate) fn run_catalog_import(args: &CatalogImportArgs) -> anyhow::Result<ExitCode> {
    use crate::assess::catalog_import::{ImportError, ImportOptions, import};
    let file = args.file.display().to_string();
    let bytes = match std::fs::read(&args.file) {
        Ok(bytes) => bytes,
        Err(e) => return Err(UsageError(format!("cannot read the task table `{file}`: {e}")).into()),
    };
    let options = ImportOptions {
        id: args.id.clone(),
        name: args.name.clone(),
    };
    let draft = match import(&bytes, &file, &options) {
        Ok(draft) => draft,
        // A draft that does not load is zwgk's fault, not the file's.
        Err(e @ ImportError::Draft { .. }) => return Err(e.into()),
        Err(e) => return Err(UsageError(e.to_string()).into()),
    };
    let mut summary = String::new();
    let typed_of = draft.leaves.iter().filter(|l| !l.time_limit_text.is_empty()).count();
    summary.push_str(&format!(
        "{} leaves from {} ({}): {} of {} 公开时限 typed, {} rules from the bundled catalog\n",
        draft.leaves.len(),
        draft.tables.join(", "),
        file,
        draft.typed_count(),
        typed_of,
        draft.rules_matched,
    ));
    for note in draft.truncated.iter().chain(&draft.skipped_tables) {
        summary.push_str(&format!("  note: {note}\n"));
    }
    summary.push_str(&format!("{} rows need review\n", draft.review_count()));
    for leaf in draft.leaves.iter().filter(|l| !l.review.is_empty()) {
        summary.push_str(&format!("  {} `{}`: {}\n", leaf.row, leaf.id, leaf.review.join("; ")));
    }
    match &args.out {
        Some(path) => {
            crate::atomic::write(path, draft.toml.as_bytes())
                .with_context(|| format!("cannot write the draft catalog `{}`", path.display()))?;
            summary.push_str(&format!(
                "wrote `{}`; check it with: zwgk catalog check {}\n",
                path.display(),
                path.display()
            ));
            out(&summary);
        }
        None => {
            out(&draft.toml);
            crate::console::err(&summary);
        }
    }
    Ok(ExitCode::SUCCESS)
}
