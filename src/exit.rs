//! Exit codes, in one place; README's "Exit codes" tables list the same.
//!
//! A scheduler (cron, systemd, a CI job) reads only this number, so each outcome it must
//! treat differently has its own: a crawl that reached every page it could, one that could not
//! reach a host, one that fetched nothing, one stopped by its budget, one stopped by a signal.
//! `zwgk nightly` speaks a smaller language of its own (0 no regression, 1 regressed, 2 the
//! run failed), because its reader is a timer unit that must page someone or not.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitCode(pub u8);

impl ExitCode {
    /// Done: the crawl reached every page it could, the stage did all its work.
    pub const SUCCESS: ExitCode = ExitCode(0);
    /// A fault: a store that cannot be opened, a site that cannot be crawled, a disk error.
    pub const FAILURE: ExitCode = ExitCode(1);
    /// The command line is wrong: an unknown option or an option's value that cannot be used
    /// (clap's own code, kept for our own checks of values).
    pub const USAGE: ExitCode = ExitCode(2);
    /// The crawl finished, but at least one host was paused (unreachable, robots.txt
    /// answering 5xx, too many failures in a row): pages behind it were not fetched.
    pub const PAUSED_HOSTS: ExitCode = ExitCode(3);
    /// The crawl fetched nothing: the site could not be reached at all.
    pub const NOTHING_FETCHED: ExitCode = ExitCode(4);
    /// The crawl stopped at its budget (`--max-pages`) or at the end of its time window; the
    /// run stays open, and running the same command again continues its frontier.
    pub const BUDGET: ExitCode = ExitCode(5);
    /// Stopped by SIGINT (Ctrl-C), 128 + 2. A crawl is resumed by running the same command.
    pub const INTERRUPTED: ExitCode = ExitCode(130);
    /// Stopped by SIGTERM, 128 + 15.
    pub const TERMINATED: ExitCode = ExitCode(143);

    /// `nightly`: the night's run regressed (new failures, a lower score). The job worked;
    /// the office has something to read.
    pub const NIGHTLY_REGRESSED: ExitCode = ExitCode(1);
    /// `nightly`: the run itself failed (nothing fetched, a host paused, a store error).
    pub const NIGHTLY_FAILED: ExitCode = ExitCode(2);

    pub fn is_signal(self) -> bool {
        self == ExitCode::INTERRUPTED || self == ExitCode::TERMINATED
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.0)
    }
}
