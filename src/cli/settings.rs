//! From parsed arguments to what the stages need: crawl settings, the assessment's inputs,
//! the store and the run. Every check of an option's value lives here, and its failure is a
//! usage error (exit 2) that names the option, found before any work starts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use url::Url;

use super::args::*;
use crate::crawl::CrawlSettings;
use crate::store::{RunRow, Store};

/// An option's value that cannot be used. The command line is wrong: exit 2, like clap's own
/// errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// `Err(UsageError)` with the message.
macro_rules! usage {
    ($($arg:tt)*) => {
        return Err(anyhow::Error::new(UsageError(format!($($arg)*))))
    };
}

/// The slowest pace `--rate` accepts: one request every ~17 minutes. Slower is a typo, and a
/// rate near zero would overflow the pacer's interval.
const MIN_RATE: f64 = 0.001;
/// The fastest: beyond this no real server is being crawled politely, only a local one (use 0).
const MAX_RATE: f64 = 10_000.0;

impl AssessSpec {
    pub fn inputs(&self) -> anyhow::Result<AssessInputs> {
        let mut inputs = assess_inputs(
            &self.catalog,
            self.as_of.as_deref(),
            self.period,
            self.manual.as_deref(),
            &self.profiles,
        )?;
        inputs.calendar = load_calendar(self.calendar.as_deref())?;
        Ok(inputs)
    }
}

/// The bundled holiday notices, with `--calendar FILE` merged over them.
pub fn load_calendar(file: Option<&Path>) -> anyhow::Result<crate::assess::calendar::WorkCalendar> {
    let bundled = crate::assess::calendar::WorkCalendar::bundled();
    let Some(path) = file else { return Ok(bundled) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read the calendar file `{}`: {e}", path.display())))?;
    bundled
        .with_file(&text, &path.display().to_string())
        .map_err(|e| UsageError(e.to_string()).into())
}

/// The run a reading command judges, and whether its crawl finished.
#[derive(Debug, Clone)]
pub struct RunChoice {
    pub id: i64,
    /// Open: interrupted, stopped at its budget, or still running. Every output says so.
    pub unfinished: Option<String>,
}

impl RunSelect {
    /// Opens the store read-only (reading commands never create, migrate or write a store)
    /// and picks the run: the one asked for, or the newest finished one.
    pub async fn open(&self) -> anyhow::Result<(Store, RunChoice)> {
        check_db(&self.store.db)?;
        let store = Store::open_read(&self.store.db).await?;
        let run = resolve_run(&store, self.run, &self.store.db).await?;
        Ok((store, run))
    }
}

impl RunSelect {
    /// Like [`RunSelect::open`], for `extract`, which writes facts: the store must exist
    /// (an empty one is never created) and is upgraded to this zwgk's schema if older.
    pub async fn open_for_update(&self) -> anyhow::Result<(Store, RunChoice)> {
        check_db(&self.store.db)?;
        if let Some(path) = crate::store::file_of(&self.store.db)
            && !path.is_file()
        {
            return Err(crate::store::StoreError::Missing(self.store.db.clone()).into());
        }
        let store = Store::open(&self.store.db).await?;
        let run = resolve_run(&store, self.run, &self.store.db).await?;
        Ok((store, run))
    }
}

/// `--db` must name something.
pub fn check_db(db: &str) -> anyhow::Result<()> {
    if db.trim().is_empty() {
        usage!("`--db` is empty; give the store's file, e.g. --db zwgk.db");
    }
    Ok(())
}

/// The run asked for (which must exist), or else the newest finished run. An open run is
/// judged only when asked for by number: pages it has not reached yet would read as missing.
async fn resolve_run(store: &Store, run: Option<i64>, db: &str) -> anyhow::Result<RunChoice> {
    let ids = store.run_ids().await?;
    if ids.is_empty() {
        anyhow::bail!("the store `{db}` holds no crawl yet; run `zwgk crawl <URL> --db {db}` first");
    }
    let chosen: RunRow = match run {
        Some(id) => match store.run(id).await? {
            Some(row) => row,
            None => usage!(
                "the store `{db}` has no run {id}; its runs are {} (`zwgk summary --db {db} --run N` shows one)",
                describe_ids(&ids)
            ),
        },
        None => match store.latest_finished_run().await? {
            Some(row) => row,
            None => {
                let latest = store.latest_run(None).await?.context("the store lists runs")?;
                anyhow::bail!(
                    "the store `{db}` holds no finished crawl: run {} {}; finish it by running the same `zwgk crawl` again, or judge it as it is with --run {}",
                    latest.id,
                    run_state_text(&latest),
                    latest.id
                );
            }
        },
    };
    let unfinished = (chosen.state != "finished").then(|| run_state_text(&chosen));
    Ok(RunChoice {
        id: chosen.id,
        unfinished,
    })
}

/// How a run that did not finish stands, in words.
pub fn run_state_text(run: &RunRow) -> String {
    match (run.state.as_str(), run.stop_reason.as_deref()) {
        ("running", Some(reason)) => format!("stopped ({reason}) and can be resumed"),
        ("running", None) => "is still running, or was killed".to_string(),
        ("failed", reason) => format!("failed ({})", reason.unwrap_or("nothing fetched")),
        (state, reason) => format!("is {state}{}", reason.map(|r| format!(" ({r})")).unwrap_or_default()),
    }
}

fn describe_ids(ids: &[i64]) -> String {
    match ids {
        [] => "none".to_string(),
        [one] => one.to_string(),
        [first, .., last] if (last - first) as usize + 1 == ids.len() => format!("{first}–{last}"),
        _ => ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", "),
    }
}

/// Today in China (UTC+8), the default as-of date.
pub fn today_in_china() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// Parses `--as-of`.
pub fn parse_as_of(value: Option<&str>) -> anyhow::Result<chrono::NaiveDate> {
    match value {
        None => Ok(today_in_china()),
        Some(v) => match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(date) => Ok(date),
            Err(_) => usage!("`--as-of {v}` is not a date; write it as YYYY-MM-DD, e.g. 2026-01-15"),
        },
    }
}

/// Parses the assessment options shared by `assess`, `report`, `export` and `audit`.
pub fn assess_inputs(
    catalog: &str,
    as_of: Option<&str>,
    period: Option<i32>,
    manual: Option<&Path>,
    profiles: &[PathBuf],
) -> anyhow::Result<AssessInputs> {
    let catalog = crate::assess::catalog::Catalog::load(catalog).map_err(|e| UsageError(e.to_string()))?;
    let as_of = parse_as_of(as_of)?;
    let year = period.unwrap_or_else(|| crate::assess::default_year(as_of));
    if !(2000..=2100).contains(&year) {
        usage!("`--period {year}` is not a plausible assessment year (2000–2100)");
    }
    let manual = match manual {
        None => Vec::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| UsageError(format!("cannot read `{}`: {e}", path.display())))?;
            crate::assess::engine::parse_manual(&text, &path.display().to_string(), &catalog).map_err(UsageError)?
        }
    };
    let mut site_profiles = Vec::new();
    for file in profiles {
        site_profiles.push(crate::extract::profile::Profile::load(file).map_err(|e| UsageError(e.to_string()))?);
    }
    Ok(AssessInputs {
        catalog,
        as_of,
        year,
        manual,
        profiles: site_profiles,
        calendar: crate::assess::calendar::WorkCalendar::bundled(),
    })
}

pub struct AssessInputs {
    pub catalog: crate::assess::catalog::Catalog,
    pub calendar: crate::assess::calendar::WorkCalendar,
    pub as_of: chrono::NaiveDate,
    pub year: i32,
    pub manual: Vec<crate::assess::engine::ManualVerdict>,
    pub profiles: Vec<crate::extract::profile::Profile>,
}

impl AssessInputs {
    pub fn options(&self) -> crate::stage::assess::AssessOptions<'_> {
        crate::stage::assess::AssessOptions {
            catalog: &self.catalog,
            as_of: self.as_of,
            year: self.year,
            profiles: &self.profiles,
            manual: &self.manual,
            calendar: &self.calendar,
        }
    }
}

pub fn parse_formats(names: &[String]) -> anyhow::Result<Vec<crate::report::Format>> {
    let mut formats = Vec::new();
    for name in names.iter().filter(|n| !n.trim().is_empty()) {
        let Some(format) = crate::report::Format::parse(name) else {
            usage!("unknown report format `{name}`; use html, xlsx, csv or json");
        };
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    if formats.is_empty() {
        usage!("no report format given; use html, xlsx, csv or json");
    }
    Ok(formats)
}

/// `--out` for reports: a directory, or a path to create as one. A file there is refused
/// before any work starts (an audit would otherwise find it only after its crawl).
pub fn check_out_dir(out: &Path) -> anyhow::Result<()> {
    if out.exists() && !out.is_dir() {
        usage!(
            "`--out {}` is a file; reports are written into a directory, so give a directory (it is created if missing)",
            out.display()
        );
    }
    Ok(())
}

/// The 通报 month: `--month` (only with `--by unit`), else the month before the as-of date.
pub fn notice_month(args: &ReportArgs, as_of: chrono::NaiveDate) -> anyhow::Result<Option<String>> {
    use chrono::Datelike as _;
    if args.by != Some(ReportBy::Unit) {
        if let Some(month) = &args.month {
            usage!("`--month {month}` chooses the month of the 通报; use it with `--by unit`");
        }
        return Ok(None);
    }
    let given = args.month.clone().unwrap_or_else(|| {
        let d = as_of.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(as_of);
        format!("{:04}-{:02}", d.year(), d.month())
    });
    match crate::stage::report::month_range(&given) {
        // The folder name comes from the parsed month, never from the raw argument.
        Some((first, _)) => Ok(Some(first.format("%Y-%m").to_string())),
        None => usage!("`--month {given}` is not a month; write it as YYYY-MM, e.g. 2025-12"),
    }
}

/// The bundled CMS profiles plus the given files.
pub fn load_profiles(files: &[PathBuf]) -> anyhow::Result<Vec<crate::extract::profile::Profile>> {
    let mut profiles = crate::extract::profile::bundled_cms_profiles();
    for file in files {
        profiles.push(crate::extract::profile::Profile::load(file).map_err(|e| UsageError(e.to_string()))?);
    }
    Ok(profiles)
}

pub fn crawl_settings(args: &CrawlArgs) -> anyhow::Result<CrawlSettings> {
    let Some(start_url) = args.start_url.as_deref() else {
        usage!("give the portal's start URL, e.g. `zwgk crawl http://www.example.gov.cn/`");
    };
    check_db(&args.store.db)?;
    crawl_settings_at(args, start_url)
}

/// The crawl settings of `args` for a start URL given apart (each site of `audit --sites`).
pub fn crawl_settings_at(args: &CrawlArgs, start_url: &str) -> anyhow::Result<CrawlSettings> {
    let Ok(start) = Url::parse(start_url) else {
        usage!("`{start_url}` is not a URL; give the full address, e.g. http://www.example.gov.cn/");
    };
    if !matches!(start.scheme(), "http" | "https") || start.host_str().is_none() {
        usage!("`{start_url}` cannot be crawled: the start URL must be http:// or https:// with a host");
    }
    if !(args.rate == 0.0 || (MIN_RATE..=MAX_RATE).contains(&args.rate)) {
        // As typed: 1e-20, not twenty zeros.
        let shown = if args.rate.is_finite() && (args.rate.abs() < MIN_RATE || args.rate.abs() > MAX_RATE) {
            format!("{:e}", args.rate)
        } else {
            args.rate.to_string()
        };
        usage!(
            "`--rate {shown}` is not a usable pace: give requests per second between {MIN_RATE} and {MAX_RATE}, or 0 for no limit (only for your own servers)"
        );
    }
    if args.per_host_concurrency < 1 {
        usage!("`--per-host-concurrency` must be at least 1");
    }
    if args.max_pages == Some(0) {
        usage!("`--max-pages 0` would fetch nothing; give at least 1, or leave it out");
    }
    let window = match &args.window {
        None => None,
        Some(text) => match crate::crawl::window::TimeWindow::parse(text) {
            Some(window) => Some(window),
            None => usage!("`--window {text}` is not HH:MM-HH:MM (China time), e.g. 22:00-06:00"),
        },
    };
    let mut settings = CrawlSettings::new(start);
    settings.window = window;
    settings.allow_hosts = args.allow_hosts.clone();
    settings.max_pages = args.max_pages;
    settings.pacing.rate = args.rate;
    settings.traps.max_depth = args.max_depth;
    settings.http.user_agent = args.user_agent.clone();
    settings.http.max_body_bytes = args.max_body_bytes;
    settings.http.total_timeout = Duration::from_secs(args.timeout.clamp(1, 24 * 3600));
    settings.per_host_concurrency = args.per_host_concurrency;
    settings.session_params = args.session_params.clone();
    settings.progress =
        crate::crawl::progress::ProgressMode::for_stderr_every(Duration::from_secs(args.progress_every.max(1)));
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_described_as_a_range_when_they_are_one() {
        assert_eq!(describe_ids(&[1, 2, 3]), "1–3");
        assert_eq!(describe_ids(&[2]), "2");
        assert_eq!(describe_ids(&[1, 3]), "1, 3");
    }
}

/// Where and how the nightly job alerts.
#[derive(Debug, Clone)]
pub struct NotifyPlan {
    pub url: String,
    pub format: crate::notify::NotifyFormat,
    pub secret: Option<String>,
    pub always: bool,
}

/// Everything the nightly job needs, from flags over `zwgk.toml` over defaults.
pub struct NightlyPlan {
    pub db: String,
    pub crawl: CrawlSettings,
    pub inputs: AssessInputs,
    pub extract_profiles: Vec<crate::extract::profile::Profile>,
    pub out_dir: PathBuf,
    pub formats: Vec<crate::report::Format>,
    pub keep_runs: Option<usize>,
    pub keep_days: Option<i64>,
    pub notify: Option<NotifyPlan>,
    /// `[notice]`: the 通报's letterhead and whether the job sends the monthly 通报.
    pub notice: crate::report::notice::Letterhead,
}

impl NightlyArgs {
    pub fn plan(&self) -> anyhow::Result<NightlyPlan> {
        let config = match &self.config {
            Some(path) => crate::config::Config::load(path).map_err(|e| UsageError(e.to_string()))?,
            None => crate::config::Config::default(),
        };
        let Some(start_url) = self.start_url.clone().or(config.site.url.clone()) else {
            usage!("give the portal's home page: `zwgk nightly URL`, or `site.url` in --config");
        };
        let db = self
            .db
            .clone()
            .or(config.store.db.clone())
            .unwrap_or_else(|| "zwgk.db".to_string());
        let c = &config.crawl;
        let defaults = CrawlArgs::defaults(start_url, db.clone())?;
        let crawl_args = CrawlArgs {
            rate: self.rate.or(c.rate).unwrap_or(defaults.rate),
            max_pages: self.budget.or(c.budget),
            window: self.window.clone().or(c.window.clone()),
            max_depth: c.max_depth.unwrap_or(defaults.max_depth),
            allow_hosts: config.site.allow_hosts.clone(),
            user_agent: c.user_agent.clone().unwrap_or(defaults.user_agent.clone()),
            per_host_concurrency: c.per_host_concurrency.unwrap_or(defaults.per_host_concurrency),
            max_body_bytes: c.max_body_bytes.unwrap_or(defaults.max_body_bytes),
            timeout: c.timeout.unwrap_or(defaults.timeout),
            ..defaults
        };
        let crawl = crawl_settings(&crawl_args)?;
        let a = &config.assess;
        let profiles = if self.profiles.is_empty() {
            a.profiles.clone()
        } else {
            self.profiles.clone()
        };
        let catalog = self
            .catalog
            .clone()
            .or(a.catalog.clone())
            .unwrap_or_else(|| "zhoucun-2019".to_string());
        let manual = self.manual.clone().or(a.manual.clone());
        let mut inputs = assess_inputs(
            &catalog,
            self.as_of.as_deref(),
            self.period,
            manual.as_deref(),
            &profiles,
        )?;
        inputs.calendar = load_calendar(self.calendar.as_ref().or(a.calendar.as_ref()).map(PathBuf::as_path))?;
        let formats = if self.format.is_empty() {
            config
                .output
                .formats
                .clone()
                .unwrap_or_else(|| ["html", "xlsx", "csv", "json"].map(String::from).to_vec())
        } else {
            self.format.clone()
        };
        let out_dir = self
            .out
            .clone()
            .or(config.output.dir.clone())
            .unwrap_or_else(|| PathBuf::from("zwgk-nightly"));
        check_out_dir(&out_dir)?;
        let notify_url = self.notify_url.clone().or(config.notify.url.clone());
        let notify = match notify_url {
            None => None,
            Some(url) => {
                let name = self
                    .notify_format
                    .clone()
                    .or(config.notify.format.clone())
                    .unwrap_or_else(|| "json".to_string());
                let Ok(format) = <crate::notify::NotifyFormat as clap::ValueEnum>::from_str(&name, true) else {
                    usage!("notify format `{name}` is not json, wecom or dingtalk");
                };
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    usage!("the notify URL `{url}` is not http(s)");
                }
                Some(NotifyPlan {
                    url,
                    format,
                    secret: self.notify_secret.clone().or(config.notify.secret.clone()),
                    always: self.notify_always || config.notify.always,
                })
            }
        };
        let keep_runs = self.keep_runs.or(config.retention.keep_runs);
        if keep_runs == Some(0) {
            usage!("`keep_runs = 0` would keep no finished run; keep at least 1");
        }
        Ok(NightlyPlan {
            db,
            crawl,
            inputs,
            extract_profiles: load_profiles(&profiles)?,
            out_dir,
            formats: parse_formats(&formats)?,
            keep_runs,
            keep_days: self.keep_days.or(config.retention.keep_days),
            notify,
            notice: config.notice.clone(),
        })
    }
}
