use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = zwgk::cli::Cli::parse();
    zwgk::cli::init_logging(cli.verbose);
    zwgk::cli::run(cli).into()
}
