use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = zwgk::cli::Cli::parse();
    zwgk::cli::init_logging(cli.verbose, matches!(cli.command, zwgk::cli::Command::Nightly(_)));
    zwgk::cli::run(cli).into()
}

/// jemalloc, not glibc's malloc: less CPU in the crawl and less fragmentation across threads in
/// the assessment (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
