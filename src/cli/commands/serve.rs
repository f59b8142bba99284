//! `zwgk serve`: a directory served on 127.0.0.1 (fixtures, benchmarks).

use super::*;

/// Serves until SIGINT or SIGTERM, then exits 0: being stopped is how a server ends.
pub(crate) async fn run_serve(args: ServeArgs, shutdown: crate::shutdown::Shutdown) -> anyhow::Result<ExitCode> {
    if !args.dir.is_dir() {
        return Err(UsageError(format!("`{}` is not a directory", args.dir.display())).into());
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    crate::console::outln(&format!(
        "serving {} on http://{}/ (Ctrl-C stops)",
        args.dir.display(),
        listener.local_addr()?
    ));
    axum::serve(listener, crate::serve::site_router(args.dir))
        .with_graceful_shutdown(async move {
            shutdown.wait().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}
