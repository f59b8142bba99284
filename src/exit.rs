//! Exit codes, in one place; README's "Exit codes" table lists the same.
//!
//! A scheduler (cron, systemd, a CI job) reads only this number, so each outcome it must
//! treat differently has its own: a crawl that reached every page it could, one that could not
//! reach a host, one that fetched nothing, one stopped by its budget, one stopped by a signal.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Done: the crawl reached every page it could, the stage did all its work.
    Success = 0,
    /// A fault: a store that cannot be opened, a site that cannot be crawled, a disk error.
    Failure = 1,
    /// The command line is wrong: an unknown option or an option's value that cannot be used
    /// (clap's own code, kept for our own checks of values).
    Usage = 2,
    /// The crawl finished, but at least one host was paused (unreachable, robots.txt
    /// answering 5xx, too many failures in a row): pages behind it were not fetched.
    PausedHosts = 3,
    /// The crawl fetched nothing: the site could not be reached at all.
    NothingFetched = 4,
    /// The crawl stopped at its budget (`--max-pages`); the run stays open, and running the
    /// same command again continues its frontier.
    Budget = 5,
    /// Stopped by SIGINT (Ctrl-C), 128 + 2. A crawl is resumed by running the same command.
    Interrupted = 130,
    /// Stopped by SIGTERM, 128 + 15.
    Terminated = 143,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}
