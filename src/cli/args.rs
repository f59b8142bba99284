//! The command line's shape: every command and option, as clap parses them. Resolving them
//! into settings is `settings.rs`; running them is `commands.rs` and `tools.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::crawl;

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
    /// new, changed, unchanged or removed. With --worker, several processes on one or many
    /// machines share one crawl through a PostgreSQL store.
    Crawl(CrawlCommand),
    /// Run the whole pipeline on the bundled fixture site, served on 127.0.0.1.
    Demo(DemoArgs),
    /// Serve a directory as a site on 127.0.0.1 (the fixture site, or a benchmark site).
    Serve(ServeArgs),
    /// The office's web dashboard over the store: verdicts, the indicator tree, units,
    /// trends, diffs, evidence snapshots, manual verdicts and the 整改 ledger.
    Dashboard(DashboardArgs),
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
    /// defined, every pattern valid) before using it with --catalog, or draft one from
    /// another district's task table (.xlsx, .docx).
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// The working-day calendar: show a year's holiday arrangement and where it comes from
    /// (a bundled State Council notice, a notice file, or 推定 by rule), or check a notice file.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The nightly job for cron or a systemd timer: continue or start an incremental crawl
    /// inside its time window and budget, extract, assess, write the reports, compare with the
    /// previous finished run, prune, and alert. Exits 0 when nothing regressed, 1 on new
    /// failures or lower scores, 2 when the run itself failed.
    Nightly(NightlyArgs),
    /// List the runs of a store: when, how long, pages new/changed/removed, errors, blocked,
    /// and the score and verdict counts of each kept assessment.
    History(HistoryArgs),
    /// What changed between two runs (default: the last two finished): new failures and fixes
    /// per 责任单位, pages new/changed/removed, columns gone stale, scores per 一级指标 and unit.
    Diff(DiffArgs),
    /// Remove the stored bodies of old runs by policy (keep N runs or D days), never a body a
    /// kept verdict cites; --dry-run says what would go.
    Prune(PruneArgs),
    /// Assessors' verdicts kept in the store: record one, list them, import a verdict file.
    /// Every report shows who set a verdict, when and until when; an expired one is 待人工 again.
    #[command(subcommand)]
    Manual(ManualCommand),
    /// The 整改台账: problems sent in 通报, their deadlines, units' responses, re-checks.
    #[command(subcommand)]
    Rectify(RectifyCommand),
}

#[derive(Debug, Subcommand)]
pub enum ManualCommand {
    /// Record an assessor's verdict for one leaf; the leaf's earlier verdict stays as history.
    Set(ManualSetArgs),
    /// List the verdicts in the store (the current one per leaf; --history for all).
    List(ManualListArgs),
    /// Import a verdict file (TOML `[[verdict]]` tables, the --manual format) into the store.
    Import(ManualImportArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ManualStatus {
    Pass,
    Partial,
    Fail,
    Na,
}

#[derive(Debug, Args)]
pub struct ManualSetArgs {
    /// The leaf's id, e.g. ysq.yfdf.xhqd.dfsx.1.
    pub leaf: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// The catalog the leaf belongs to.
    #[arg(long, default_value = "zhoucun-2019")]
    pub catalog: String,
    #[arg(long, value_enum)]
    pub status: ManualStatus,
    /// A score 0..1 (default: 1 for pass, 0 for fail, none otherwise).
    #[arg(long)]
    pub score: Option<f64>,
    /// What was checked and found (shown in every report).
    #[arg(long)]
    pub note: String,
    /// Who checked it.
    #[arg(long, env = "ZWGK_ASSESSOR")]
    pub assessor: String,
    /// A link to the evidence (http or https).
    #[arg(long, value_name = "URL")]
    pub evidence: Option<String>,
    /// A file to keep as evidence (a screenshot, a scanned reply; at most 20 MB).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The last day the verdict applies (YYYY-MM-DD); after it the leaf is 待人工 again.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub expires: Option<String>,
}

#[derive(Debug, Args)]
pub struct ManualListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only this catalog's leaves.
    #[arg(long)]
    pub catalog: Option<String>,
    /// Every verdict ever recorded, not only the current one per leaf.
    #[arg(long)]
    pub history: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ManualImportArgs {
    /// A verdict file: TOML `[[verdict]]` tables with id, status, note, and optionally score,
    /// evidence, assessor, expires.
    pub file: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, default_value = "zhoucun-2019")]
    pub catalog: String,
    /// The assessor of entries that name none.
    #[arg(long, env = "ZWGK_ASSESSOR")]
    pub assessor: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RectifyCommand {
    /// The 台账: every problem sent, its deadline, status (整改中/已整改/逾期未整改), response.
    List(RectifyListArgs),
    /// Record a unit's response to a problem (the id from `rectify list`).
    Respond(RectifyRespondArgs),
}

#[derive(Debug, Args)]
pub struct RectifyListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only this unit's problems.
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RectifyRespondArgs {
    pub id: i64,
    #[command(flatten)]
    pub store: StoreArgs,
    /// What the unit did or will do.
    #[arg(long)]
    pub text: String,
    /// Who answered for the unit.
    #[arg(long)]
    pub by: String,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Check a catalog file, or every bundled catalog when none is given.
    Check(CatalogCheckArgs),
    /// Draft a catalog from another district's 任务分工表 (.xlsx or .docx): levels,
    /// questions, units and typed 公开时限, with rows it could not type marked `review`.
    Import(CatalogImportArgs),
}

#[derive(Debug, Args)]
pub struct CatalogCheckArgs {
    /// A catalog TOML file (default: the bundled ones).
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CatalogImportArgs {
    /// The task table: an .xlsx workbook or a .docx document holding it as a table.
    pub file: PathBuf,
    /// Where to write the draft catalog (TOML); default: standard output.
    #[arg(short, long, value_name = "OUT.toml")]
    pub out: Option<PathBuf>,
    /// The catalog's `id` (default: from the file name).
    #[arg(long)]
    pub id: Option<String>,
    /// The catalog's `title` (default: the table's caption, else the file name).
    #[arg(long)]
    pub name: Option<String>,
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
    /// With `--by unit`: read the 通报's letterhead (发文机关, 文号, 联系人, 整改期限) from this
    /// settings file's `[notice]`.
    #[arg(long, value_name = "FILE", env = "ZWGK_CONFIG")]
    pub config: Option<PathBuf>,
    /// With `--by unit`: write the 通报 without recording them in the 整改台账 (the store is
    /// then only read).
    #[arg(long)]
    pub no_ledger: bool,
    /// With `--by unit`: the 整改期限 of this 通报's problems, in working days after its 成文日期
    /// (default: `[notice] rectify_working_days`, else the catalog's, else 10).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=365))]
    pub rectify_days: Option<u32>,
    /// The headless Chromium that prints report.html to report.pdf (default: `chromium`,
    /// `chromium-browser` or `google-chrome` on PATH; without one no PDF is written).
    #[arg(long, value_name = "PATH", env = "ZWGK_CHROMIUM")]
    pub chromium: Option<PathBuf>,
    /// Write no report.pdf, even when a browser is found.
    #[arg(long, env = "ZWGK_NO_PDF")]
    pub no_pdf: bool,
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
    /// Audit many sites: a TOML file of `[[site]]` tables (name, url, optional profile and
    /// catalog). Each site gets its own store and reports under `--out/<name>/`, and the
    /// folder gets a combined ranking (ranking.html, ranking.xlsx, ranking.json).
    #[arg(long, value_name = "FILE", conflicts_with = "start_url")]
    pub sites: Option<PathBuf>,
    /// With `--sites`: how many sites are crawled at once (sites on the same host always take
    /// turns, so each host sees one polite crawler).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
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
pub struct CrawlCommand {
    #[command(flatten)]
    pub crawl: CrawlArgs,
    /// Work as one of several crawl workers sharing the site's open run through a PostgreSQL
    /// store (`--db postgres://…`): URLs are claimed with leases, each host's pace is kept in
    /// the database for all workers together. Start as many as wanted, on any machines, with
    /// the same start URL and settings; the first opens the run, the last to find the frontier
    /// empty finishes it.
    #[arg(long)]
    pub worker: bool,
    /// This worker's name in the store's claims (default: host name and process id).
    #[arg(long, value_name = "NAME", requires = "worker")]
    pub worker_id: Option<String>,
    /// How long a claimed URL stays this worker's, in seconds; a dead worker's URLs return to
    /// the queue when it ends. Must exceed --timeout.
    #[arg(long, value_name = "SECS", default_value_t = 300, requires = "worker")]
    pub lease: u64,
}

#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// The page to start from, normally the portal's home page (`audit --sites` takes the
    /// sites from its file instead).
    pub start_url: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Most requests per second to one host; 0 means no limit (only for your own servers).
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
    /// Stop after this many page requests (exit 5); the run stays open and the same command
    /// continues it.
    #[arg(long)]
    pub max_pages: Option<u64>,
    /// Fetch only inside this daily window, China time (e.g. 22:00-06:00); when it closes the
    /// run stays open (exit 5) and the same command continues it inside the next window.
    #[arg(long, value_name = "HH:MM-HH:MM")]
    pub window: Option<String>,
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
    /// When standard error is not a terminal, a JSON progress line every this many seconds
    /// (frontier, pages per minute, ETA, hosts); on a terminal a live line instead.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub progress_every: u64,
}

/// `CrawlArgs` alone, to read its defaults.
#[derive(Debug, Parser)]
struct CrawlDefaults {
    #[command(flatten)]
    crawl: CrawlArgs,
}

impl CrawlArgs {
    /// The flags' defaults for a start URL and store, as clap gives them (for `nightly`, whose
    /// values come from flags, the settings file, then these).
    pub fn defaults(start_url: String, db: String) -> anyhow::Result<CrawlArgs> {
        let mut args = CrawlDefaults::try_parse_from(["crawl", start_url.as_str()])
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .crawl;
        args.store.db = db;
        Ok(args)
    }
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

#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The store: a SQLite file path or `sqlite://` URL, or a `postgres://` URL of an existing
    /// database. `crawl` and `audit` create a SQLite file (and zwgk's tables); the other
    /// commands read an existing store and never create an empty one.
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
pub struct DashboardArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on. Loopback by default; any other address requires `--token`.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// Access token (at least 16 characters): open the dashboard once as
    /// `http://HOST:PORT/?token=…`; a cookie keeps it afterwards.
    #[arg(long, env = "ZWGK_DASHBOARD_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The indicator catalog whose verdicts are shown (a TOML file or a bundled name).
    #[arg(long, default_value = "zhoucun-2019")]
    pub catalog: String,
    /// Site profiles (as for `assess`), used when a run is judged on the spot.
    #[arg(long = "profile", value_name = "FILE")]
    pub profiles: Vec<PathBuf>,
    /// A holiday notice file merged over the bundled notices.
    #[arg(long, value_name = "FILE", env = "ZWGK_CALENDAR")]
    pub calendar: Option<PathBuf>,
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
pub struct NightlyArgs {
    /// The job's settings file (see docs/zwgk.example.toml); flags given here override it.
    #[arg(long, value_name = "FILE", env = "ZWGK_CONFIG")]
    pub config: Option<PathBuf>,
    /// The portal's home page (default: `site.url` of the configuration).
    pub start_url: Option<String>,
    /// The store (default: `store.db`, else zwgk.db).
    #[arg(long, env = "ZWGK_DB")]
    pub db: Option<String>,
    /// Requests per second to one host (default: `crawl.rate`, else 1).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Fetch only inside this window, China time (default: `crawl.window`, else always).
    #[arg(long, value_name = "HH:MM-HH:MM")]
    pub window: Option<String>,
    /// Most requests per night (default: `crawl.budget`, else none); the run continues the
    /// next night.
    #[arg(long, value_name = "N")]
    pub budget: Option<u64>,
    /// The indicator catalog (default: `assess.catalog`, else zhoucun-2019).
    #[arg(long)]
    pub catalog: Option<String>,
    /// Site profiles (default: `assess.profiles`); repeatable.
    #[arg(long = "profile", value_name = "FILE")]
    pub profiles: Vec<PathBuf>,
    /// A holiday notice file (default: `assess.calendar`).
    #[arg(long, value_name = "FILE")]
    pub calendar: Option<PathBuf>,
    /// Assessors' verdicts to merge (default: `assess.manual`).
    #[arg(long, value_name = "FILE")]
    pub manual: Option<PathBuf>,
    /// The date the site is judged at (default: today, China time).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// The assessment year (default: the last complete year before the as-of date).
    #[arg(long, value_name = "YYYY")]
    pub period: Option<i32>,
    /// Where each night's reports go: DIR/YYYY-MM-DD/, and DIR/latest points at the newest
    /// (default: `output.dir`, else zwgk-nightly).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Report formats (default: `output.formats`, else all four).
    #[arg(long, value_delimiter = ',')]
    pub format: Vec<String>,
    /// Keep the bodies of the newest N finished runs (default: `retention.keep_runs`).
    #[arg(long, value_name = "N")]
    pub keep_runs: Option<usize>,
    /// Keep the bodies of runs younger than D days (default: `retention.keep_days`).
    #[arg(long, value_name = "D")]
    pub keep_days: Option<i64>,
    /// Post a summary here when a run regresses or fails (default: `notify.url`).
    #[arg(long, value_name = "URL")]
    pub notify_url: Option<String>,
    /// The payload: json, wecom (企业微信群机器人) or dingtalk (钉钉自定义机器人).
    #[arg(long, value_name = "FORMAT")]
    pub notify_format: Option<String>,
    /// The DingTalk 加签 secret.
    #[arg(long, value_name = "SECRET", env = "ZWGK_NOTIFY_SECRET")]
    pub notify_secret: Option<String>,
    /// Post also when nothing regressed.
    #[arg(long)]
    pub notify_always: bool,
    /// Print the night's result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Html,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier and the later run (default: the last two finished runs; one number means
    /// that run against the one before it).
    #[arg(num_args = 0..=2)]
    pub runs: Vec<i64>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub spec: AssessSpec,
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// The store (default: `store.db` of --config, else zwgk.db).
    #[arg(long, env = "ZWGK_DB")]
    pub db: Option<String>,
    /// Read `retention` (and `store.db`) from this settings file.
    #[arg(long, value_name = "FILE", env = "ZWGK_CONFIG")]
    pub config: Option<PathBuf>,
    /// Keep the bodies of the newest N finished runs.
    #[arg(long, value_name = "N")]
    pub keep_runs: Option<usize>,
    /// Keep the bodies of runs younger than D days.
    #[arg(long, value_name = "D")]
    pub keep_days: Option<i64>,
    /// Say what would be removed, remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub target: RunSelect,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
