//! `zwgk dashboard`: the office's web view of the store, until SIGINT or SIGTERM.

use super::*;

pub(crate) async fn run_dashboard(
    args: DashboardArgs,
    shutdown: crate::shutdown::Shutdown,
) -> anyhow::Result<ExitCode> {
    let catalog = crate::assess::catalog::Catalog::load(&args.catalog).map_err(|e| UsageError(e.to_string()))?;
    let profiles = load_profiles(&args.profiles)?;
    let calendar = load_calendar(args.calendar.as_deref())?;
    check_db(&args.store.db)?;
    if let Some(path) = crate::store::file_of(&args.store.db)
        && !path.is_file()
    {
        return Err(crate::store::StoreError::Missing(args.store.db.clone()).into());
    }
    // Read-write: the forms record manual verdicts and 整改 responses.
    let store = Store::open(&args.store.db).await?;
    let settings = crate::dashboard::Settings {
        catalog,
        profiles,
        calendar,
        token: args.token.filter(|t| !t.is_empty()),
    };
    let guarded = settings.token.is_some();
    let listening = match crate::dashboard::bind(store.clone(), settings, args.bind).await {
        Ok(l) => l,
        Err(e @ (crate::dashboard::StartError::TokenRequired(_) | crate::dashboard::StartError::WeakToken)) => {
            return Err(UsageError(e.to_string()).into());
        }
        Err(e) => return Err(e.into()),
    };
    let shown = if listening.addr.ip().is_unspecified() {
        format!("port {}", listening.addr.port())
    } else {
        format!("http://{}/", listening.addr)
    };
    outln(&format!(
        "dashboard of `{}` on {shown}{} (Ctrl-C stops)",
        args.store.db,
        if guarded {
            " — open it once with ?token=…"
        } else {
            ""
        }
    ));
    listening
        .serve(async move {
            shutdown.wait().await;
        })
        .await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
