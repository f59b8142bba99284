//! The command line: parse, resolve settings, call the pipeline stage, report.

mod args;
mod commands;
mod settings;

pub use args::*;
pub use commands::render_export;
pub use settings::{
    AssessInputs, UsageError, assess_inputs, crawl_settings, load_calendar, parse_as_of, today_in_china,
};

use crate::exit::ExitCode;
use crate::shutdown::Shutdown;

/// Logs on standard error: text for a person, JSON lines for a log collector (`nightly` when
/// standard error is not a terminal), coloured only on a terminal.
pub fn init_logging(verbose: u8, json: bool) {
    let default = match verbose {
        0 => "zwgk=warn",
        1 => "zwgk=info",
        _ => "zwgk=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ZWGK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if json && !terminal {
        let _ = tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
    } else {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(terminal)
            .with_writer(std::io::stderr)
            .try_init();
    }
}

/// Runs a parsed command and maps the outcome to an exit code.
pub fn run(cli: Cli) -> ExitCode {
    // For `nightly` 1 means "regressed", which its timer counts as a result: every fault of the
    // job itself must read 2.
    let fault = if matches!(cli.command, Command::Nightly(_)) {
        ExitCode::NIGHTLY_FAILED
    } else {
        ExitCode::FAILURE
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            crate::console::err(&format!("error: cannot start the async runtime: {e}\n"));
            return fault;
        }
    };
    let code = match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            crate::console::err(&format!("error: {}\n", describe(&e)));
            if e.chain().any(|c| c.is::<UsageError>()) {
                ExitCode::USAGE
            } else {
                fault
            }
        }
    };
    if code.is_signal() {
        // Work dropped by the signal may have left temporaries behind.
        crate::atomic::remove_pending();
    }
    // Blocking work abandoned by a signal is not waited for.
    runtime.shutdown_background();
    code
}

/// An error and its causes, each said once. Many errors already carry their cause's text
/// ("cannot open the store `x`: unable to open database file"); printing the chain after it
/// would repeat it.
fn describe(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let shutdown = Shutdown::install().map_err(|e| anyhow::anyhow!("cannot listen for signals: {e}"))?;
    match cli.command {
        Command::Crawl(args) => commands::run_crawl(args, shutdown).await,
        Command::Demo(args) => crate::demo::run_demo(&args.out, args.site.as_deref(), shutdown).await,
        Command::Serve(args) => commands::run_serve(args, shutdown).await,
        Command::Dashboard(args) => commands::run_dashboard(args, shutdown).await,
        Command::Summary(args) => commands::run_summary(args).await,
        Command::Extract(args) => commands::run_extract(args, shutdown).await,
        Command::Columns(args) => commands::run_columns(args, shutdown).await,
        Command::Assess(args) => commands::run_assess(args, shutdown).await,
        Command::Report(args) => commands::run_report(args, shutdown).await,
        Command::Audit(args) => commands::run_audit(args, shutdown).await,
        Command::Export(args) => commands::run_export(args, shutdown).await,
        Command::Catalog(CatalogCommand::Check(args)) => commands::run_catalog_check(&args),
        Command::Catalog(CatalogCommand::Import(args)) => commands::run_catalog_import(&args),
        Command::Calendar(CalendarCommand::Show(args)) => commands::run_calendar_show(&args),
        Command::Calendar(CalendarCommand::Check(args)) => commands::run_calendar_check(&args),
        Command::History(args) => commands::run_history(args).await,
        Command::Diff(args) => commands::run_diff(args, shutdown).await,
        Command::Prune(args) => commands::run_prune(args).await,
        Command::Manual(ManualCommand::Set(args)) => commands::run_manual_set(args).await,
        Command::Manual(ManualCommand::List(args)) => commands::run_manual_list(args).await,
        Command::Manual(ManualCommand::Import(args)) => commands::run_manual_import(args).await,
        Command::Rectify(RectifyCommand::List(args)) => commands::run_rectify_list(args).await,
        Command::Rectify(RectifyCommand::Respond(args)) => commands::run_rectify_respond(args).await,
        Command::Nightly(args) => commands::run_nightly(args, shutdown).await,
        Command::Inspect(args) => {
            let profiles = settings::load_profiles(&args.profiles)?;
            crate::inspect::run_inspect_capped(
                &args.target,
                args.base_url.as_deref(),
                args.json,
                &profiles,
                args.max_body_bytes,
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::other("disk full");
        let e = anyhow::Error::new(std::io::Error::other(format!("cannot write `a`: {io}")))
            .context("cannot write the reports");
        assert_eq!(describe(&e), "cannot write the reports: cannot write `a`: disk full");
        let usage = anyhow::Error::new(UsageError("`--rate x`".into())).context("bad option");
        assert!(usage.chain().any(|c| c.is::<UsageError>()));
    }
}
