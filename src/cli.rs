//! The command line: parse, resolve settings, call the pipeline stage, report.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use url::Url;

use crate::crawl::{self, CrawlSettings};
use crate::exit::ExitCode;
use crate::store::Store;

/// Audit a district government website against its 政务公开 indicator table.
///
/// The pipeline is crawl → store → extract → assess → report; each stage reads the store the
/// previous one wrote, so any stage can be rerun alone.
#[derive(Debug, Parser)]
#[command(name = "zwgk", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More log output on stderr (-v info, -vv debug). `ZWGK_LOG` overrides, e.g. `zwgk=debug`.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Crawl a site politely into the store; rerun the same command to resume or to recrawl.
    ///
    /// The first run of a site fetches everything reachable from START_URL. A run that was
    /// interrupted (Ctrl-C, a crash, kill -9) is continued by running the same command again.
    /// A later run of a finished site sends conditional requests and reports pages that are
    /// new, changed, unchanged or removed.
    Crawl(CrawlArgs),
    /// Run the whole pipeline on the bundled fixture site, served on 127.0.0.1.
    Demo(DemoArgs),
    /// Serve a directory as a site on 127.0.0.1 (the fixture site, or a benchmark site).
    Serve(ServeArgs),
    /// Read facts from every stored page of a run (dates, columns, metadata, lists, tables,
    /// attachments) without fetching anything; rerun after an upgrade to refresh them.
    Extract(ExtractArgs),
    /// Print one page's facts: a file (raw bytes, decoded as the crawler would) or a URL.
    Inspect(InspectArgs),
    /// Print what a stored crawl run did.
    Summary(SummaryArgs),
    /// Show which site column each indicator leaf is judged on, and why (after `extract`).
    Columns(ColumnsArgs),
    /// Score every leaf of the indicator table against a run (after `extract`), as of a date.
    ///
    /// Each leaf gets a status (pass, partial, fail, manual, na), a score 0..1, a reason in
    /// Chinese and evidence pointing at stored fetches. Leaves no website can show stay
    /// `manual` until an assessor's verdict is merged with --manual.
    Assess(AssessArgs),
    /// Write the reports of a run: report.html, report.xlsx, report.csv, report.json; with
    /// `--by unit`, the monthly 通报 (one file per 责任单位) instead.
    Report(ReportArgs),
    /// The on-demand audit in one command: crawl → extract → assess → report into --out.
    ///
    /// The store (--db) is kept, so auditing the same site again recrawls it conditionally
    /// and the report shows what changed since the previous run.
    Audit(AuditArgs),
    /// Write the evidence package of a run for the annual assessment: every page and
    /// attachment a verdict cites and the robots.txt files as WARC/1.1 (one gzip member per
    /// record), a CDXJ index, verdicts.json, manifest.json (SHA-256 of every file) and 说明.txt.
    /// Exporting the same run again gives byte-identical files.
    Export(ExportArgs),
    /// Indicator catalogs: check one (every rule typed, every column key and document kind
    /// defined, every pattern valid) before using it with --catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// The working-day calendar: show a year's holiday arrangement and where it comes from
    /// (a bundled State Council notice, a notice file, or 推定 by rule), or check a notice file.
    #[command(subcommand)]
    Calendar(CalendarCommand),
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Check a catalog file, or every bundled catalog when none is given.
    Check(CatalogCheckArgs),
}

#[derive(Debug, Args)]
pub struct CatalogCheckArgs {
    /// A catalog TOML file (default: the bundled ones).
    pub file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print a year's holidays, 调休 working weekends and 补假, and their source.
    Show(CalendarShowArgs),
    /// Check a notice file (holiday-cn JSON) before giving it to --calendar.
    Check(CalendarCheckArgs),
}

#[derive(Debug, Args)]
pub struct CalendarShowArgs {
    /// The year, e.g. 2027.
    pub year: i32,
    /// A notice file merged over the bundled notices, as for `assess --calendar`.
    #[arg(long, value_name = "FILE", env = "ZWGK_CALENDAR")]
    pub calendar: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CalendarCheckArgs {
    /// The notice file to check.
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    #[command(flatten)]
    pub target: RunSelect,
    #[command(flatten)]
    pub spec: AssessSpec,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AssessFormat::Table)]
    pub format: AssessFormat,
    /// Write the output to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// What a run is assessed against (shared by `assess`, `report`, `export` and `audit`).
#[derive(Debug, Args)]
pub struct AssessSpec {
    /// The indicator catalog: a TOML file, or a bundled one by name (`zhoucun-2019`,
    /// `national-inspection`).
    #[arg(long, default_value = "zhoucun-2019")]
    pub catalog: String,
    /// A site profile (TOML, see `selectors/sites/`): column pins and capabilities; repeatable.
    /// Profiles given here apply whatever the host.
    #[arg(long = "profile", value_name = "FILE")]
    pub profiles: Vec<PathBuf>,
    /// The date the site is judged at (default: today, China time; for `export`, the day the
    /// run was crawled, so a re-export gives the same bytes).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// The assessment year Y (default: the last complete year before --as-of). The table's
    /// 2019 means Y and its 2018 means Y-1.
    #[arg(long, value_name = "YYYY")]
    pub period: Option<i32>,
    /// Assessors' verdicts to merge (TOML `[[verdict]]` with id, status, note, evidence).
    #[arg(long, value_name = "FILE")]
    pub manual: Option<PathBuf>,
    /// A holiday notice file (holiday-cn JSON: one year, an array of years, or {"years": …})
    /// merged over the bundled notices; years in neither are estimated by rule.
    #[arg(long, value_name = "FILE", env = "ZWGK_CALENDAR")]
    pub calendar: Option<PathBuf>,
}

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
pub fn load_calendar(file: Option<&std::path::Path>) -> anyhow::Result<crate::assess::calendar::WorkCalendar> {
    let bundled = crate::assess::calendar::WorkCalendar::bundled();
    let Some(path) = file else { return Ok(bundled) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the calendar file `{}`", path.display()))?;
    Ok(bundled.with_file(&text, &path.display().to_string())?)
}

/// Where reports go and in which formats (shared by `report` and `audit`).
#[derive(Debug, Args)]
pub struct ReportOutput {
    /// The directory the reports are written to (created if missing).
    #[arg(long, default_value = "zwgk-report")]
    pub out: PathBuf,
    /// Formats to write, comma-separated: html, xlsx, csv, json.
    #[arg(long, value_delimiter = ',', default_value = "html,xlsx,csv,json")]
    pub format: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub target: RunSelect,
    #[command(flatten)]
    pub spec: AssessSpec,
    #[command(flatten)]
    pub output: ReportOutput,
    /// `unit`: the monthly 通报, one file per 责任单位 (instead of the reports).
    #[arg(long, value_enum)]
    pub by: Option<ReportBy>,
    /// The month of the 通报, YYYY-MM (default: the month before --as-of).
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportBy {
    Unit,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub target: RunSelect,
    #[command(flatten)]
    pub spec: AssessSpec,
    /// The package directory: new, empty, or an earlier package (its files are replaced).
    #[arg(long, default_value = "zwgk-evidence")]
    pub out: PathBuf,
    /// Archive every fetch of the run, not only the cited ones (the whole crawl as WARC).
    #[arg(long)]
    pub all: bool,
    /// Print what was written as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub crawl: CrawlArgs,
    #[command(flatten)]
    pub spec: AssessSpec,
    #[command(flatten)]
    pub output: ReportOutput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AssessFormat {
    Json,
    Table,
}

#[derive(Debug, Args)]
pub struct ColumnsArgs {
    #[command(flatten)]
    pub target: RunSelect,
    /// An indicator catalog (default: the bundled 周村区 2019 task table).
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// A site profile whose `[columns]` pins replace the matching for those keys; repeatable.
    #[arg(long = "profile", value_name = "FILE")]
    pub profiles: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    #[command(flatten)]
    pub target: RunSelect,
    /// Extract again even pages that already have facts from this extractor version.
    #[arg(long)]
    pub force: bool,
    /// A site or CMS profile (TOML, see `selectors/sites/`) whose CSS selectors override the
    /// heuristics where they match; repeatable. The CMS profiles of `selectors/cms/` always apply.
    #[arg(long = "profile", value_name = "FILE")]
    pub profiles: Vec<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A saved page or attachment, or an http(s) URL to fetch once (robots.txt is checked).
    pub target: String,
    /// The URL a FILE was served from: resolves its relative links and gives URL dates.
    #[arg(long)]
    pub base_url: Option<String>,
    /// A site or CMS profile (TOML) whose selectors override the heuristics; repeatable.
    #[arg(long = "profile", value_name = "FILE")]
    pub profiles: Vec<PathBuf>,
    /// Print JSON (the stable contract). Without it, a short human summary.
    #[arg(long)]
    pub json: bool,
    /// Refuse a file or response larger than this, after decompression (the crawler's cap).
    #[arg(long, value_name = "N", default_value_t = 20 * 1024 * 1024)]
    pub max_body_bytes: u64,
}

#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// The page to start from, normally the portal's home page.
    pub start_url: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Most requests per second to one host; 0 means no limit (only for your own servers).
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
    /// Stop after this many page requests.
    #[arg(long)]
    pub max_pages: Option<u64>,
    /// Do not follow links deeper than this many hops from the start page.
    #[arg(long, default_value_t = 50)]
    pub max_depth: i64,
    /// Also fetch from this host (repeatable). `host` allows any port, `host:port` one port.
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_hosts: Vec<String>,
    /// The User-Agent sent; its first word is the name robots.txt rules are matched against.
    #[arg(long, default_value_t = crawl::fetch::default_user_agent())]
    pub user_agent: String,
    /// Requests in flight to one host at once.
    #[arg(long, default_value_t = 1)]
    pub per_host_concurrency: usize,
    /// Largest body kept, in bytes, after decompression.
    #[arg(long, default_value_t = 20 * 1024 * 1024)]
    pub max_body_bytes: u64,
    /// Seconds allowed for one whole request.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
    /// Query parameters removed from URLs as session ids (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = crawl::canonical::DEFAULT_SESSION_PARAMS.iter().map(|s| s.to_string()))]
    pub session_params: Vec<String>,
    /// Print the summary as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The store and the run a reading command works on.
#[derive(Debug, Args)]
pub struct RunSelect {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The crawl run (default: the latest).
    #[arg(long)]
    pub run: Option<i64>,
}

impl RunSelect {
    /// Opens the store, which must exist (reading commands never create an empty one), and
    /// picks the run.
    async fn open(&self) -> anyhow::Result<(Store, i64)> {
        let store = open_existing(&self.store.db).await?;
        let run_id = resolve_run(&store, self.run, &self.store.db).await?;
        Ok((store, run_id))
    }
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The store: a SQLite file path or a `sqlite://` URL. `crawl` and `audit` create it;
    /// the other commands read an existing one and never create an empty store.
    #[arg(long, default_value = "zwgk.db", env = "ZWGK_DB")]
    pub db: String,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the demo writes its store and results.
    #[arg(long, default_value = "zwgk-demo")]
    pub out: PathBuf,
    /// The fixture site to serve (defaults to the bundled `fixtures/site`).
    #[arg(long)]
    pub site: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The directory to serve.
    pub dir: PathBuf,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub target: RunSelect,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "zwgk=warn",
        1 => "zwgk=info",
        _ => "zwgk=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ZWGK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs a parsed command and maps the outcome to an exit code.
pub fn run(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::Failure;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::Failure
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Crawl(args) => run_crawl(args).await,
        Command::Demo(args) => crate::demo::run_demo(&args.out, args.site.as_deref()).await,
        Command::Serve(args) => run_serve(args).await,
        Command::Summary(args) => run_summary(args).await,
        Command::Extract(args) => run_extract(args).await,
        Command::Columns(args) => run_columns(args).await,
        Command::Assess(args) => run_assess(args).await,
        Command::Report(args) => run_report(args).await,
        Command::Audit(args) => run_audit(args).await,
        Command::Export(args) => run_export(args).await,
        Command::Catalog(CatalogCommand::Check(args)) => run_catalog_check(&args),
        Command::Calendar(CalendarCommand::Show(args)) => run_calendar_show(&args),
        Command::Calendar(CalendarCommand::Check(args)) => run_calendar_check(&args),
        Command::Inspect(args) => {
            let profiles = load_profiles(&args.profiles)?;
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

async fn run_columns(args: ColumnsArgs) -> anyhow::Result<ExitCode> {
    let (store, run_id) = args.target.open().await?;
    let catalog = match &args.catalog {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))?;
            crate::assess::catalog::Catalog::parse(&text, &path.display().to_string())?
        }
        None => crate::assess::catalog::Catalog::bundled_zhoucun(),
    };
    let profiles = load_profiles(&args.profiles)?;
    let leaves = crate::stage::columns::columns_for_run(&store, run_id, &catalog, &profiles).await?;
    anyhow::ensure!(
        leaves.iter().any(|l| l.keys.values().any(|m| !m.is_empty())),
        "run {run_id} has no extracted list pages; run `zwgk extract --db {}` first",
        args.target.store.db
    );
    let mut out = String::new();
    if args.json {
        out = serde_json::to_string_pretty(&leaves)? + "\n";
    } else {
        use std::fmt::Write as _;
        for leaf in leaves.iter().filter(|l| !l.keys.is_empty()) {
            let question: String = leaf.question.chars().take(36).collect();
            let _ = writeln!(out, "{}  {question}", leaf.id);
            for (key, found) in &leaf.keys {
                if found.is_empty() {
                    let _ = writeln!(out, "    {key}: 未找到栏目");
                }
                for m in found {
                    let _ = writeln!(out, "    {key}: {} ({})", m.url, m.reason);
                }
            }
        }
    }
    emit(&out);
    Ok(ExitCode::Success)
}

/// Writes to standard output; a reader that went away (`| head`) is not an error.
fn emit(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

/// Today in China (UTC+8), the default as-of date.
pub fn today_in_china() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// Parses `--as-of`.
pub fn parse_as_of(value: Option<&str>) -> anyhow::Result<chrono::NaiveDate> {
    match value {
        None => Ok(today_in_china()),
        Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .with_context(|| format!("`--as-of {v}` is not a date; write it as YYYY-MM-DD, e.g. 2026-01-15")),
    }
}

/// Parses the assessment options shared by `assess`, `report` and `audit`.
pub fn assess_inputs(
    catalog: &str,
    as_of: Option<&str>,
    period: Option<i32>,
    manual: Option<&std::path::Path>,
    profiles: &[PathBuf],
) -> anyhow::Result<AssessInputs> {
    let catalog = crate::assess::catalog::Catalog::load(catalog)?;
    let as_of = parse_as_of(as_of)?;
    let year = period.unwrap_or_else(|| crate::assess::default_year(as_of));
    anyhow::ensure!(
        (2000..=2100).contains(&year),
        "`--period {year}` is not a plausible assessment year"
    );
    let manual = match manual {
        None => Vec::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))?;
            crate::assess::engine::parse_manual(&text, &path.display().to_string(), &catalog)
                .map_err(|e| anyhow::anyhow!(e))?
        }
    };
    let mut site_profiles = Vec::new();
    for file in profiles {
        site_profiles.push(crate::extract::profile::Profile::load(file)?);
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

fn run_catalog_check(args: &CatalogCheckArgs) -> anyhow::Result<ExitCode> {
    use crate::assess::catalog::{BUNDLED, Catalog, Rule};
    let catalogs: Vec<Catalog> = match &args.file {
        Some(path) => vec![Catalog::load(&path.display().to_string())?],
        None => BUNDLED
            .iter()
            .map(|(name, ..)| Catalog::load(name))
            .collect::<Result<_, _>>()?,
    };
    let mut out = String::new();
    for catalog in &catalogs {
        let manual = catalog
            .leaves
            .iter()
            .filter(|l| matches!(l.rule, Rule::Manual { .. }))
            .count();
        let mut keys = Vec::new();
        for leaf in &catalog.leaves {
            leaf.rule.keys(&mut keys);
        }
        keys.sort();
        keys.dedup();
        out.push_str(&format!(
            "`{}` ({}): {} leaves, {} automatic, {} manual, {} column keys — valid\n",
            catalog.file,
            catalog.info.id,
            catalog.leaves.len(),
            catalog.leaves.len() - manual,
            manual,
            keys.len()
        ));
    }
    emit(&out);
    Ok(ExitCode::Success)
}

fn run_calendar_show(args: &CalendarShowArgs) -> anyhow::Result<ExitCode> {
    use crate::assess::calendar::Source;
    anyhow::ensure!(
        (1950..=2200).contains(&args.year),
        "`{}` is outside the years the calendar computes (1950–2200)",
        args.year
    );
    let calendar = load_calendar(args.calendar.as_deref())?;
    let info = calendar.year_info(args.year);
    let days = calendar.arrangement(args.year);
    if args.json {
        let json = serde_json::json!({
            "year": args.year,
            "source": info.source,
            "papers": info.papers,
            "file": info.file,
            "law": crate::assess::calendar::law::HolidayLaw::in_force(args.year).citation(),
            "workdays": calendar.workdays_in(args.year),
            "days": days,
        });
        emit(&(serde_json::to_string_pretty(&json)? + "\n"));
        return Ok(ExitCode::Success);
    }
    let mut out = format!("{}年  来源：{}", args.year, info.source.label_zh());
    match info.source {
        Source::Notice => out.push_str(&format!("  {}", info.papers.join(" "))),
        Source::File => out.push_str(&format!("  {}", info.file.unwrap_or_default())),
        Source::Estimated => out.push_str(&format!(
            "  依据{}；调休须待国务院办公厅通知",
            crate::assess::calendar::law::HolidayLaw::in_force(args.year).citation()
        )),
    }
    out.push_str(&format!("\n工作日 {} 天\n", calendar.workdays_in(args.year)));
    for day in &days {
        let what = match (day.is_workday, day.is_makeup) {
            (true, _) => "调休上班",
            (false, true) => "补假",
            (false, false) => "放假",
        };
        out.push_str(&format!(
            "{}  {}  {}  {}\n",
            day.date,
            weekday_zh(day.date),
            what,
            day.name.as_deref().unwrap_or("")
        ));
    }
    emit(&out);
    Ok(ExitCode::Success)
}

fn weekday_zh(date: chrono::NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][date.weekday().num_days_from_monday() as usize]
}

fn run_calendar_check(args: &CalendarCheckArgs) -> anyhow::Result<ExitCode> {
    use crate::assess::calendar::file;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read the calendar file `{}`", args.file.display()))?;
    let label = args.file.display().to_string();
    let years = file::parse(&text, &label)?;
    let mut out = String::new();
    for year in &years {
        let off = year.days.iter().filter(|d| d.is_off).count();
        out.push_str(&format!(
            "{}: {} days off, {} working weekends (调休), {} notice URL(s)\n",
            year.year,
            off,
            year.days.len() - off,
            year.papers.len()
        ));
    }
    for (date, name) in file::missing_statutory_days(&years) {
        out.push_str(&format!(
            "warning: {date} ({name}) is a statutory holiday but the file does not give it off\n"
        ));
    }
    out.push_str(&format!("`{label}` is a valid notice file\n"));
    emit(&out);
    Ok(ExitCode::Success)
}

async fn run_assess(args: AssessArgs) -> anyhow::Result<ExitCode> {
    let inputs = args.spec.inputs()?;
    let (store, run_id) = args.target.open().await?;
    let assessment = crate::stage::assess::assess_run(&store, run_id, &inputs.options()).await?;
    store.close().await;
    let output = match args.format {
        AssessFormat::Json => serde_json::to_string_pretty(&assessment)? + "\n",
        AssessFormat::Table => crate::summary::render_assessment(&assessment),
    };
    match &args.out {
        Some(path) => std::fs::write(path, output).with_context(|| format!("cannot write `{}`", path.display()))?,
        None => emit(&output),
    }
    Ok(ExitCode::Success)
}

/// Opens a store that must already exist: reading commands never create an empty one.
async fn open_existing(db: &str) -> anyhow::Result<Store> {
    // A SQLite store is a file (a path, `sqlite:PATH` or `sqlite://PATH?…`); a server URL
    // (PostgreSQL) is checked by connecting.
    let file = match db.strip_prefix("sqlite://").or_else(|| db.strip_prefix("sqlite:")) {
        Some(rest) => Some(rest.split('?').next().unwrap_or(rest)),
        None if db.contains("://") => None,
        None => Some(db),
    };
    if let Some(path) = file {
        anyhow::ensure!(
            path == ":memory:" || std::path::Path::new(path).is_file(),
            "there is no store at `{db}`; crawl a site first (`zwgk crawl <URL> --db {db}`) or pass --db"
        );
    }
    Ok(Store::open(db).await?)
}

fn parse_formats(names: &[String]) -> anyhow::Result<Vec<crate::report::Format>> {
    let mut formats = Vec::new();
    for name in names.iter().filter(|n| !n.trim().is_empty()) {
        let format = crate::report::Format::parse(name)
            .with_context(|| format!("unknown report format `{name}`; use html, xlsx, csv or json"))?;
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    anyhow::ensure!(
        !formats.is_empty(),
        "no report format given; use html, xlsx, csv or json"
    );
    Ok(formats)
}

/// The month before the as-of date, `YYYY-MM`.
fn previous_month(as_of: chrono::NaiveDate) -> String {
    use chrono::Datelike as _;
    let d = as_of.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(as_of);
    format!("{:04}-{:02}", d.year(), d.month())
}

async fn run_report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let inputs = args.spec.inputs()?;
    let formats = parse_formats(&args.output.format)?;
    let (store, run_id) = args.target.open().await?;
    let options = inputs.options();
    if args.by == Some(ReportBy::Unit) {
        let given = args.month.clone().unwrap_or_else(|| previous_month(inputs.as_of));
        let (first, _) = crate::stage::report::month_range(&given)
            .with_context(|| format!("`--month {given}` is not a month; write it as YYYY-MM, e.g. 2025-12"))?;
        // The folder name comes from the parsed month, never from the raw argument.
        let month = first.format("%Y-%m").to_string();
        let dir = args.output.out.join(format!("通报-{month}"));
        let (assessment, files) =
            crate::stage::report::write_unit_notices(&store, run_id, &options, args.spec.period, &month, &dir).await?;
        store.close().await;
        println!(
            "{month} 通报 as of {}: {} units, {} files in {}",
            assessment.as_of,
            assessment.summary.by_unit.len(),
            files.len(),
            dir.display()
        );
        return Ok(ExitCode::Success);
    }
    let (data, files) =
        crate::stage::report::write_run_reports(&store, run_id, &options, &args.output.out, &formats).await?;
    store.close().await;
    print_reports(&data, &files);
    Ok(ExitCode::Success)
}

fn print_reports(data: &crate::report::ReportData, files: &[PathBuf]) {
    let c = &data.assessment.summary.counts;
    println!(
        "run {} as of {}: {} leaves — 达标 {}  部分达标 {}  不达标 {}  待人工 {}  不适用 {}; {} gaps{}",
        data.assessment.run_id,
        data.assessment.as_of,
        c.total,
        c.pass,
        c.partial,
        c.fail,
        c.manual,
        c.na,
        data.gaps.total(),
        data.previous
            .as_ref()
            .map(|p| format!("; compared with run {}", p.run_id))
            .unwrap_or_default()
    );
    for file in files {
        println!("  {}", file.display());
    }
}

async fn run_export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let (store, run_id) = args.target.open().await?;
    // Without --as-of the run is judged as of the day it was crawled, not today: exporting the
    // same run again next month must give the same bytes.
    let mut spec_as_of = args.spec.as_of.clone();
    if spec_as_of.is_none()
        && let Some(day) = crate::stage::report::run_day(&store, run_id).await?
    {
        spec_as_of = Some(day.to_string());
    }
    let inputs = assess_inputs(
        &args.spec.catalog,
        spec_as_of.as_deref(),
        args.spec.period,
        args.spec.manual.as_deref(),
        &args.spec.profiles,
    )?;
    let assessment = crate::stage::assess::assess_run(&store, run_id, &inputs.options()).await?;
    let scope = if args.all {
        crate::export::Scope::All
    } else {
        crate::export::Scope::Cited
    };
    let summary =
        crate::export::export_scope(&store, &assessment, &args.out, scope, crate::export::MAX_WARC_BYTES).await?;
    store.close().await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", render_export(&summary));
    }
    Ok(ExitCode::Success)
}

pub fn render_export(s: &crate::export::ExportSummary) -> String {
    let mut out = format!(
        "evidence package in {}: {} WARC records ({} captures, {} revisits with {} originals, {} robots.txt), {} files, {} bytes\n",
        s.out_dir.display(),
        s.records,
        s.captures,
        s.revisits,
        s.originals,
        s.robots,
        s.files.len(),
        s.bytes
    );
    if !s.omitted.is_empty() {
        out.push_str(&format!(
            "  {} cited URLs have no stored capture (listed in 说明.txt)\n",
            s.omitted.len()
        ));
    }
    out
}

async fn run_audit(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let inputs = args.spec.inputs()?;
    let formats = parse_formats(&args.output.format)?;
    let settings = crawl_settings(&args.crawl)?;
    let store = Store::open(&args.crawl.store.db).await?;
    println!("1. crawl {}", settings.start_url);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let report = crawl::crawl(&settings, &store, shutdown).await?;
    print!("{}", crate::summary::render_text(&report));
    if report.interrupted {
        store.close().await;
        println!("the crawl was interrupted; run the same command again to resume");
        return Ok(ExitCode::Interrupted);
    }
    println!("2. extract");
    let profiles = load_profiles(&args.spec.profiles)?;
    let extracted = crate::stage::extract::extract_run(&store, report.run_id, false, &profiles).await?;
    println!("  {} pages, {} errors", extracted.extracted, extracted.errors);
    println!("3. assess and report");
    let (data, files) =
        crate::stage::report::write_run_reports(&store, report.run_id, &inputs.options(), &args.output.out, &formats)
            .await?;
    store.close().await;
    print_reports(&data, &files);
    Ok(ExitCode::Success)
}

/// The run asked for, or the latest; a clear error for an empty store.
async fn resolve_run(store: &Store, run: Option<i64>, db: &str) -> anyhow::Result<i64> {
    match run {
        Some(id) => Ok(id),
        None => match store.latest_run(None).await? {
            Some(run) => Ok(run.id),
            None => anyhow::bail!("the store `{db}` holds no crawl yet; run `zwgk crawl <URL>` first"),
        },
    }
}

/// The bundled CMS profiles plus the given files.
fn load_profiles(files: &[PathBuf]) -> anyhow::Result<Vec<crate::extract::profile::Profile>> {
    let mut profiles = crate::extract::profile::bundled_cms_profiles();
    for file in files {
        profiles.push(crate::extract::profile::Profile::load(file)?);
    }
    Ok(profiles)
}

async fn run_extract(args: ExtractArgs) -> anyhow::Result<ExitCode> {
    let (store, run_id) = args.target.open().await?;
    let profiles = load_profiles(&args.profiles)?;
    let started = std::time::Instant::now();
    let summary = crate::stage::extract::extract_run(&store, run_id, args.force, &profiles).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if summary.skipped_up_to_date {
        println!(
            "run {run_id}: every page already has facts from {}; use --force to redo them",
            summary.extractor
        );
    } else {
        let mut kinds: Vec<_> = summary.by_kind.iter().collect();
        kinds.sort();
        let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!(
            "run {run_id}: extracted {} pages in {:.1} s ({})\n  with a publication date {}  list dates recorded {}  errors {}",
            summary.extracted,
            started.elapsed().as_secs_f64(),
            kinds.join(", "),
            summary.with_pub_date,
            summary.list_dates_recorded,
            summary.errors
        );
    }
    store.close().await;
    Ok(ExitCode::Success)
}

pub fn crawl_settings(args: &CrawlArgs) -> anyhow::Result<CrawlSettings> {
    let start = Url::parse(&args.start_url).with_context(|| {
        format!(
            "`{}` is not a URL; give the full address, e.g. http://www.zhoucun.gov.cn/",
            args.start_url
        )
    })?;
    anyhow::ensure!(
        args.rate >= 0.0 && args.rate.is_finite(),
        "`--rate {}` must be a number of requests per second, 0 or more",
        args.rate
    );
    anyhow::ensure!(
        args.per_host_concurrency >= 1,
        "`--per-host-concurrency` must be at least 1"
    );
    let mut settings = CrawlSettings::new(start);
    settings.allow_hosts = args.allow_hosts.clone();
    settings.max_pages = args.max_pages;
    settings.pacing.rate = args.rate;
    settings.traps.max_depth = args.max_depth;
    settings.http.user_agent = args.user_agent.clone();
    settings.http.max_body_bytes = args.max_body_bytes;
    settings.http.total_timeout = Duration::from_secs(args.timeout.max(1));
    settings.per_host_concurrency = args.per_host_concurrency;
    settings.session_params = args.session_params.clone();
    settings.show_progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    Ok(settings)
}

async fn run_crawl(args: CrawlArgs) -> anyhow::Result<ExitCode> {
    let settings = crawl_settings(&args)?;
    let store = Store::open(&args.store.db).await?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let report = crawl::crawl(&settings, &store, shutdown).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", crate::summary::render_text(&report));
    }
    store.close().await;
    Ok(if report.interrupted {
        ExitCode::Interrupted
    } else {
        ExitCode::Success
    })
}

async fn run_serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.dir.is_dir(), "`{}` is not a directory", args.dir.display());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    println!(
        "serving {} on http://{}/ (Ctrl-C stops)",
        args.dir.display(),
        listener.local_addr()?
    );
    axum::serve(listener, crate::serve::site_router(args.dir))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::Success)
}

async fn run_summary(args: SummaryArgs) -> anyhow::Result<ExitCode> {
    let (store, run_id) = args.target.open().await?;
    let summary = store.run_summary(run_id).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("run {run_id}\n{}", crate::summary::render_counts(&summary));
    }
    Ok(ExitCode::Success)
}
