use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = zwgk::cli::Cli::parse();
    zwgk::cli::init_logging(cli.verbose, matches!(cli.command, zwgk::cli::Command::Nightly(_)));
    zwgk::cli::run(cli).into()
}
