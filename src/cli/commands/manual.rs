//! `zwgk manual`: assessors' verdicts kept in the store.

use super::*;

/// Opens an existing store for writing (never creates an empty one).
async fn open_for_writing(db: &str) -> anyhow::Result<Store> {
    check_db(db)?;
    if let Some(path) = crate::store::file_of(db)
        && !path.is_file()
    {
        return Err(crate::store::StoreError::Missing(db.to_string()).into());
    }
    Ok(Store::open(db).await?)
}

pub(crate) async fn run_manual_set(args: ManualSetArgs) -> anyhow::Result<ExitCode> {
    let catalog = crate::assess::catalog::Catalog::load(&args.catalog).map_err(|e| UsageError(e.to_string()))?;
    let evidence_file = match &args.file {
        None => None,
        Some(path) => {
            let bytes = crate::inspect::read_capped(path, crate::store::MAX_EVIDENCE_FILE)
                .map_err(|e| UsageError(e.to_string()))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "evidence".to_string());
            Some((name, bytes))
        }
    };
    let status = match args.status {
        ManualStatus::Pass => "pass",
        ManualStatus::Partial => "partial",
        ManualStatus::Fail => "fail",
        ManualStatus::Na => "na",
    };
    let entry = crate::store::ManualEntry {
        leaf: args.leaf.clone(),
        status: status.to_string(),
        score: args.score,
        note: args.note.clone(),
        assessor: args.assessor.clone(),
        evidence_url: args.evidence.clone(),
        expires_on: args.expires.clone(),
        evidence_file,
    };
    let verdict = crate::store::NewManual::checked(&catalog, entry, "cli").map_err(UsageError)?;
    let store = open_for_writing(&args.store.db).await?;
    let id = store.add_manual(&verdict).await?;
    store.close().await;
    outln(&format!(
        "manual verdict {id}: {} {} by {}{}",
        verdict.leaf_id,
        verdict.status,
        verdict.assessor,
        verdict.expires_on.map(|e| format!(", until {e}")).unwrap_or_default()
    ));
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run_manual_list(args: ManualListArgs) -> anyhow::Result<ExitCode> {
    check_db(&args.store.db)?;
    let store = Store::open_read(&args.store.db).await?;
    let verdicts = store.manual_verdicts(args.catalog.as_deref(), args.history).await?;
    store.close().await;
    if args.json {
        outln(&serde_json::to_string_pretty(&verdicts)?);
        return Ok(ExitCode::SUCCESS);
    }
    let today = today_in_china().to_string();
    let mut text = String::new();
    for m in &verdicts {
        let state = match (&m.replaced_by, &m.expires_on) {
            (Some(newer), _) => format!("replaced by {newer}"),
            (None, Some(e)) if e.as_str() < today.as_str() => format!("expired {e}"),
            (None, Some(e)) => format!("until {e}"),
            (None, None) => "no expiry".to_string(),
        };
        text.push_str(&format!(
            "{:<5} {:<28} {:<8} {}  {}（{}，{}）  {}\n",
            m.id,
            m.leaf_id,
            m.status,
            state,
            m.note,
            m.assessor,
            crate::report::beijing(&m.set_at),
            m.evidence_url.as_deref().or(m.evidence_name.as_deref()).unwrap_or("")
        ));
    }
    if verdicts.is_empty() {
        text.push_str("no manual verdicts in the store\n");
    }
    out(&text);
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run_manual_import(args: ManualImportArgs) -> anyhow::Result<ExitCode> {
    let catalog = crate::assess::catalog::Catalog::load(&args.catalog).map_err(|e| UsageError(e.to_string()))?;
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| UsageError(format!("cannot read `{}`: {e}", args.file.display())))?;
    let verdicts =
        crate::assess::engine::parse_manual(&text, &args.file.display().to_string(), &catalog).map_err(UsageError)?;
    let store = open_for_writing(&args.store.db).await?;
    for v in &verdicts {
        let Some(assessor) = v.assessor.clone().or(args.assessor.clone()) else {
            store.close().await;
            return Err(UsageError(format!(
                "leaf `{}` in `{}` names no assessor; add `assessor = \"…\"` or pass --assessor",
                v.id,
                args.file.display()
            ))
            .into());
        };
        let status = match v.status {
            crate::assess::verdict::Status::Pass => "pass",
            crate::assess::verdict::Status::Partial => "partial",
            crate::assess::verdict::Status::Fail => "fail",
            crate::assess::verdict::Status::NotApplicable => "na",
            crate::assess::verdict::Status::Manual => "manual",
        };
        store
            .add_manual(&crate::store::NewManual {
                catalog: catalog.info.id.clone(),
                leaf_id: v.id.clone(),
                status: status.to_string(),
                score: v.score,
                note: v.note.clone(),
                evidence_url: v.evidence.first().cloned(),
                evidence_file: None,
                assessor,
                expires_on: v.expires.map(|d| d.to_string()),
                source: "import".to_string(),
            })
            .await?;
    }
    store.close().await;
    outln(&format!(
        "imported {} manual verdicts from {}",
        verdicts.len(),
        args.file.display()
    ));
    Ok(ExitCode::SUCCESS)
}
