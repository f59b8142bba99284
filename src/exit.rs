//! Exit codes, in one place.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    /// A setup fault: bad arguments, a store that cannot be opened, a missing run.
    Failure = 1,
    /// Command-line usage errors (clap's own code).
    Usage = 2,
    /// Stopped by Ctrl-C; the crawl can be resumed by running the same command again.
    Interrupted = 130,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}
