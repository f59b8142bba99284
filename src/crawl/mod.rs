//! The crawler: the only module that makes HTTP requests.
//!
//! One scheduler owns the queue and every host's politeness state (CRAWLING.md lesson 1): it
//! claims batches of due URLs from the store's frontier, fetches each host's robots.txt first,
//! paces requests per host, and hands work to bounded fetch tasks. Tasks report back to the
//! scheduler and send everything they learned to the store's single writer. Nothing but the
//! claimed batch lives in memory, so a crawl resumes from the store after a crash.

pub mod canonical;
pub mod discover;
pub mod fetch;
pub mod politeness;
pub mod progress;
pub mod robots;
pub mod scope;
pub mod sitemap;
mod task;
pub mod window;

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::Clock as _;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

use crate::shutdown::Signal;
use crate::store::{ClaimedUrl, HostUpdate, Lease, RunSummary, Store, StoreError, WriteOp, Writer};
use canonical::Canonicalizer;
use fetch::{FetchError, HttpSettings};
use politeness::{HostPacer, MonotonicClock, PacingSettings};
use progress::Progress;
use robots::RobotsPolicy;
use scope::{Scope, TrapSettings, Traps, origin_of};

/// Every crawl setting, resolved: defaults, then profile, then command-line flags.
#[derive(Clone)]
pub struct CrawlSettings {
    pub start_url: Url,
    pub allow_hosts: Vec<String>,
    pub max_pages: Option<u64>,
    pub pacing: PacingSettings,
    pub traps: TrapSettings,
    pub http: HttpSettings,
    /// Requests in flight to one host at once (1 is the polite default, as in Heritrix).
    pub per_host_concurrency: usize,
    /// Fetch tasks in flight in all.
    pub max_in_flight: usize,
    /// Tries per URL before it is given up (network errors, 5xx, 429/503).
    pub max_attempts: i64,
    /// Consecutive failures after which a host is paused for the rest of the run.
    pub host_failure_limit: u32,
    pub session_params: Vec<String>,
    /// A resumed run reuses a robots.txt younger than this.
    pub robots_max_age: Duration,
    pub progress: progress::ProgressMode,
    /// Fetch only inside this window (China time); outside it the run stays open.
    pub window: Option<window::TimeWindow>,
    pub clock: window::Clock,
    /// One of several workers sharing the crawl through a PostgreSQL store (`crawl --worker`).
    pub worker: Option<WorkerSettings>,
}

/// A crawl worker: its name in the store's claims and how long a claim is its own.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub id: String,
    /// Longer than any fetch can take (request timeout and retry waits): a worker that still
    /// works never loses a claim; one that died gives its URLs back when the lease ends.
    pub lease: Duration,
}

impl WorkerSettings {
    /// `host:pid` unless named.
    pub fn new(id: Option<String>, lease: Duration) -> WorkerSettings {
        let id = id.unwrap_or_else(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_else(|_| "localhost".to_string());
            format!("{host}:{}", std::process::id())
        });
        WorkerSettings { id, lease }
    }
}

impl CrawlSettings {
    pub fn new(start_url: Url) -> CrawlSettings {
        CrawlSettings {
            start_url,
            allow_hosts: Vec::new(),
            max_pages: None,
            pacing: PacingSettings::default(),
            traps: TrapSettings::default(),
            http: HttpSettings::default(),
            per_host_concurrency: 1,
            max_in_flight: 32,
            max_attempts: 4,
            host_failure_limit: 10,
            session_params: canonical::DEFAULT_SESSION_PARAMS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            robots_max_age: Duration::from_secs(24 * 3600),
            progress: progress::ProgressMode::Off,
            window: None,
            clock: window::system_clock(),
            worker: None,
        }
    }

    fn to_json(&self) -> String {
        let window = self.window.map(|w| w.to_string());
        serde_json::json!({
            "start_url": self.start_url.as_str(),
            "allow_hosts": self.allow_hosts,
            "max_pages": self.max_pages,
            "rate": self.pacing.rate,
            "max_depth": self.traps.max_depth,
            "user_agent": self.http.user_agent,
            "max_body_bytes": self.http.max_body_bytes,
            "per_host_concurrency": self.per_host_concurrency,
            "max_attempts": self.max_attempts,
            "window": window,
        })
        .to_string()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Client(#[from] FetchError),
    #[error("`{0}` cannot be crawled: the start URL must be http:// or https:// with a host")]
    StartUrl(String),
    #[error("it is {now} in China, outside the crawl window {window}; nothing was fetched — run again inside it")]
    OutsideWindow { window: String, now: String },
    #[error("the crawl's fetch thread failed: {0}")]
    Runtime(String),
}

/// Why a crawl stopped. Each has its own exit code (`StopReason::exit_code`), so a scheduler
/// can tell a complete crawl from one that missed hosts, fetched nothing, ran out of budget
/// or was stopped.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The frontier is exhausted: every page reachable in scope was fetched or given up.
    Finished,
    /// The frontier is exhausted except for the pages of paused hosts (unreachable,
    /// robots.txt answering 5xx, too many failures in a row).
    FinishedWithPausedHosts,
    /// Not one page or attachment could be fetched.
    NothingFetched,
    /// `--max-pages` requests were made; the run stays open for the next crawl to continue.
    PageLimit,
    /// The time window closed; the run stays open for the next night.
    WindowClosed,
    /// SIGINT; the run stays open.
    Interrupted,
    /// SIGTERM; the run stays open.
    Terminated,
}

impl StopReason {
    /// The text kept in `runs.stop_reason` and shown to people.
    pub fn label(self) -> &'static str {
        match self {
            StopReason::Finished => "finished",
            StopReason::FinishedWithPausedHosts => "finished with paused hosts",
            StopReason::NothingFetched => "nothing fetched",
            StopReason::PageLimit => "page limit reached",
            StopReason::WindowClosed => "time window closed",
            StopReason::Interrupted => "interrupted (SIGINT)",
            StopReason::Terminated => "stopped (SIGTERM)",
        }
    }

    pub fn exit_code(self) -> crate::exit::ExitCode {
        use crate::exit::ExitCode;
        match self {
            StopReason::Finished => ExitCode::SUCCESS,
            StopReason::FinishedWithPausedHosts => ExitCode::PAUSED_HOSTS,
            StopReason::NothingFetched => ExitCode::NOTHING_FETCHED,
            StopReason::PageLimit | StopReason::WindowClosed => ExitCode::BUDGET,
            StopReason::Interrupted => ExitCode::INTERRUPTED,
            StopReason::Terminated => ExitCode::TERMINATED,
        }
    }

    /// Whether the run stays open for the next crawl to resume.
    pub fn resumable(self) -> bool {
        matches!(
            self,
            StopReason::PageLimit | StopReason::WindowClosed | StopReason::Interrupted | StopReason::Terminated
        )
    }
}

/// How a crawl ended.
#[derive(Debug, Clone, Serialize)]
pub struct CrawlReport {
    pub run_id: i64,
    pub resumed: bool,
    /// Stopped by a signal; the run is resumable.
    pub interrupted: bool,
    pub stop: StopReason,
    /// `stop` as text (kept for readers of earlier JSON).
    pub stop_reason: String,
    pub summary: RunSummary,
}

/// What a fetch task tells the scheduler about its host once the network part is over.
#[derive(Debug)]
enum Event {
    Robots {
        origin: String,
        policy: Option<RobotsPolicy>,
        /// Why robots.txt could not be read (the connection error, the status).
        problem: Option<String>,
    },
    HostDone {
        origin: String,
        health: Health,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Health {
    Good,
    Failed,
    Throttled,
    /// Says nothing about the host (a robots refusal, a body over the cap).
    Neutral,
}

enum RobotsState {
    Unknown,
    Fetching,
    Ready(Arc<RobotsPolicy>),
}

struct Host {
    pacer: Arc<Mutex<HostPacer<MonotonicClock>>>,
    robots: RobotsState,
    robots_failures: u32,
    queue: VecDeque<ClaimedUrl>,
    in_flight: usize,
    consecutive_failures: u32,
    throttled: i64,
    paused: Option<String>,
}

/// Shared by the scheduler and every task.
struct Context {
    client: reqwest::Client,
    settings: CrawlSettings,
    canonicalizer: Canonicalizer,
    scope: Scope,
    traps: Mutex<Traps>,
    writer: Writer,
    site_id: i64,
    run_id: i64,
    agent: String,
    clock: MonotonicClock,
    events: mpsc::UnboundedSender<Event>,
    /// The runtime that hashes, compresses, scans and writes what was fetched, so that the
    /// fetch thread is free for the next request as soon as a response is in.
    background: tokio::runtime::Handle,
}

const CLAIM_BATCH: i64 = 256;
const CLAIM_LOW_WATER: usize = 64;
const WORKER_CLAIM_BATCH: i64 = 8;
const WORKER_LOW_WATER: usize = 2;
const ROBOTS_TRIES: u32 = 3;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Crawls (or resumes crawling) the site of `settings.start_url` into `store`. Stops early,
/// leaving the run resumable, when `shutdown` completes: requests in flight are abandoned
/// (their URLs go back in the queue), everything already recorded stays.
pub async fn crawl(
    settings: &CrawlSettings,
    store: &Store,
    shutdown: impl Future<Output = Signal>,
) -> Result<CrawlReport, CrawlError> {
    // One crawler per store for the whole run, or any number of workers and no other crawler.
    let _lock = match &settings.worker {
        None => store.lock_for_crawl().await?,
        Some(_) => store.lock_for_worker().await?,
    };
    if let Some(window) = settings.window {
        let now = (settings.clock)();
        if !window.contains_instant(now) {
            return Err(CrawlError::OutsideWindow {
                window: window.to_string(),
                now: window::china_time(now).format("%H:%M").to_string(),
            });
        }
    }
    let canonicalizer = Canonicalizer::new(settings.session_params.clone());
    let start = canonicalizer
        .canonicalize(&settings.start_url)
        .ok_or_else(|| CrawlError::StartUrl(settings.start_url.to_string()))?;
    let origin = origin_of(&start);
    let site = store.upsert_site(&origin, start.as_str()).await?;
    let (run_id, resumed) = match (&settings.worker, store.unfinished_run(site.id).await?) {
        // A worker joins the open run as it is: the others' claims stay theirs.
        (Some(_), _) => {
            store
                .join_or_start_run(site.id, &settings.to_json(), start.as_str(), &origin)
                .await?
        }
        (None, Some(run)) => {
            store.resume_run(&run).await?;
            (run.id, true)
        }
        (None, None) => (
            store
                .start_run(site.id, &settings.to_json(), start.as_str(), &origin)
                .await?,
            false,
        ),
    };
    tracing::info!(run_id, resumed, %origin, "crawl started");
    let client = fetch::build_client(&settings.http)?;
    let writer = store.writer(1024).await?;
    let (events, event_rx) = mpsc::unbounded_channel();
    let context = Arc::new(Context {
        client,
        settings: settings.clone(),
        canonicalizer,
        scope: Scope::new(&start, &settings.allow_hosts),
        traps: Mutex::new(Traps::new(settings.traps.clone())),
        writer: writer.clone(),
        site_id: site.id,
        run_id,
        agent: robots::agent_token(&settings.http.user_agent).to_string(),
        clock: MonotonicClock::default(),
        events,
        background: tokio::runtime::Handle::current(),
    });
    let scheduler = Scheduler {
        context: context.clone(),
        store: store.clone(),
        resumed,
        hosts: HashMap::new(),
        tasks: JoinSet::new(),
        dispatched: 0,
    };
    let outcome = run_on_fetch_thread(scheduler, event_rx, shutdown).await;
    drop(context);
    writer.finish().await?;
    let ending = outcome?;
    // URLs claimed but never fetched (page limit, interrupt, abandoned requests) go back to
    // the queue.
    store
        .release_claims(site.id, settings.worker.as_ref().map(|w| w.id.as_str()))
        .await?;
    let summary = store.run_summary(run_id).await?;
    let stop = match ending {
        Ending::Signal(Signal::Interrupt) => StopReason::Interrupted,
        Ending::Signal(Signal::Terminate) => StopReason::Terminated,
        Ending::Budget => StopReason::PageLimit,
        Ending::Window => StopReason::WindowClosed,
        Ending::Exhausted if summary.new + summary.changed + summary.unchanged + summary.redirects == 0 => {
            StopReason::NothingFetched
        }
        Ending::Exhausted if !summary.paused_hosts.is_empty() => StopReason::FinishedWithPausedHosts,
        Ending::Exhausted => StopReason::Finished,
    };
    if stop.resumable() {
        // A worker that stops leaves the run to the others; the last crawler's stop says why.
        if settings.worker.is_none() {
            store.pause_run(run_id, stop.label()).await?;
        }
    } else {
        let state = if stop == StopReason::NothingFetched {
            "failed"
        } else {
            "finished"
        };
        store.finish_run(run_id, state, stop.label(), &summary).await?;
    }
    Ok(CrawlReport {
        run_id,
        resumed,
        interrupted: matches!(ending, Ending::Signal(_)),
        stop,
        stop_reason: stop.label().to_string(),
        summary,
    })
}

/// Runs the scheduler and its requests on a thread of their own with a single-threaded
/// runtime. Requests to a host go one after another, so the time between one response and the
/// next request is what bounds a crawl's speed: on one thread the scheduler, the request and
/// the HTTP connection hand work to each other without waking other threads, and the CPU work
/// on each body (hash, compression, link scan, store writes) runs on the caller's runtime
/// beside it. `shutdown` is watched here and passed on.
async fn run_on_fetch_thread(
    scheduler: Scheduler,
    events: mpsc::UnboundedReceiver<Event>,
    shutdown: impl Future<Output = Signal>,
) -> Result<Ending, CrawlError> {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<Signal>();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let thread = std::thread::Builder::new()
        .name("zwgk-fetch".to_string())
        .spawn(move || {
            let outcome = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime.block_on(scheduler.run(events, async move {
                    match stop_rx.await {
                        Ok(signal) => signal,
                        // The crawl ended first: no signal will come.
                        Err(_) => std::future::pending().await,
                    }
                })),
                Err(e) => Err(CrawlError::Runtime(e.to_string())),
            };
            let _ = done_tx.send(outcome);
        })
        .map_err(|e| CrawlError::Runtime(e.to_string()))?;
    tokio::pin!(shutdown);
    tokio::pin!(done_rx);
    let mut stop_tx = Some(stop_tx);
    let outcome = loop {
        tokio::select! {
            signal = &mut shutdown, if stop_tx.is_some() => {
                if let Some(tx) = stop_tx.take() {
                    let _ = tx.send(signal);
                }
            }
            outcome = &mut done_rx => break outcome,
        }
    };
    // The thread has sent its outcome and is ending; joining it cannot block for long.
    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    outcome.unwrap_or_else(|_| {
        Err(CrawlError::Runtime(
            "the fetch thread stopped without an outcome".to_string(),
        ))
    })
}

/// For a worker, the host's next request slot among all workers (kept in the store) once its
/// own pacer has allowed the request; a crawl alone has nothing more to ask. A small guard is
/// added to the spacing so that the few milliseconds between taking a slot and sending the
/// request never bring two workers' requests closer than the pace.
async fn shared_slot(
    store: &Store,
    context: &Context,
    origin: &str,
    pacer: &Mutex<HostPacer<MonotonicClock>>,
) -> Result<Result<(), Duration>, StoreError> {
    if context.settings.worker.is_none() {
        return Ok(Ok(()));
    }
    let interval = pacer.lock().expect("pacer lock").interval();
    let Some(interval) = interval else {
        return Ok(Ok(()));
    };
    let guard = (interval / 20).min(Duration::from_millis(10));
    let (store, origin) = (store.clone(), origin.to_string());
    on_main(context, async move {
        store.reserve_host_slot(&origin, interval + guard).await
    })
    .await
}

/// Runs a store call from the fetch thread on the main runtime. A PostgreSQL connection
/// belongs to the runtime that opened it: one the pool opened on the fetch thread would die
/// with that thread's runtime at the end of the crawl and fail whoever took it next.
async fn on_main<T: Send + 'static>(
    context: &Context,
    call: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    context
        .background
        .spawn(call)
        .await
        .map_err(|_| StoreError::Query(sqlx::Error::WorkerCrashed))?
}

type PendingClaim = std::pin::Pin<Box<dyn Future<Output = Result<crate::store::ClaimBatch, StoreError>> + Send>>;

/// How the scheduler's loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Exhausted,
    Budget,
    Window,
    Signal(Signal),
}

struct Scheduler {
    context: Arc<Context>,
    store: Store,
    resumed: bool,
    hosts: HashMap<String, Host>,
    tasks: JoinSet<()>,
    dispatched: u64,
}

impl Scheduler {
    /// Runs until the frontier is exhausted, the page limit is hit, or shutdown; returns the
    /// signal that stopped it, if one did.
    async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<Event>,
        shutdown: impl Future<Output = Signal>,
    ) -> Result<Ending, CrawlError> {
        let mut progress = Progress::new(self.context.settings.progress);
        tokio::pin!(shutdown);
        let mut stopping: Option<Ending> = None;
        let mut claim_needed = true;
        let mut next_due_ms: Option<i64> = None;
        let mut last_look = std::time::Instant::now() - Duration::from_secs(60);
        let mut last_renewal = std::time::Instant::now();
        // A claim waits for the writer's batch to commit; requests go on meanwhile.
        let mut pending_claim: Option<PendingClaim> = None;
        loop {
            let limit_reached = self
                .context
                .settings
                .max_pages
                .is_some_and(|max| self.dispatched >= max);
            if limit_reached && stopping.is_none() {
                stopping = Some(Ending::Budget);
            }
            if stopping.is_none()
                && let Some(window) = self.context.settings.window
                && !window.contains_instant((self.context.settings.clock)())
            {
                // Requests in flight finish; nothing new starts until the next night.
                tracing::info!(%window, "the crawl window closed");
                stopping = Some(Ending::Window);
            }
            if let Some(worker) = &self.context.settings.worker
                && last_renewal.elapsed() >= worker.lease / 4
            {
                // Renewed well before the lease ends: URLs waiting in this worker's host
                // queues stay its own however slow the host's pace.
                last_renewal = std::time::Instant::now();
                self.context
                    .writer
                    .send(WriteOp::Renew {
                        site_id: self.context.site_id,
                        worker: worker.id.clone(),
                        until_ms: now_ms().saturating_add(i64::try_from(worker.lease.as_millis()).unwrap_or(0)),
                    })
                    .await?;
            }
            let mut wake = self.context.clock.now() + Duration::from_secs(1);
            if stopping.is_none() {
                wake = wake.min(self.dispatch().await?);
            }
            if stopping.is_none() && claim_needed && pending_claim.is_none() && self.buffered() < self.low_water() {
                pending_claim = Some(self.claim());
                claim_needed = false;
            }
            if progress.due() && last_look.elapsed() >= Duration::from_secs(2) {
                last_look = std::time::Instant::now();
                self.show_progress(&mut progress).await?;
            }
            if stopping.is_some() && self.tasks.is_empty() {
                break;
            }
            let idle = self.tasks.is_empty() && self.buffered() == 0;
            if idle {
                if let Some(claim) = pending_claim.take() {
                    let batch = claim.await?;
                    next_due_ms = batch.next_due_ms;
                    if !batch.urls.is_empty() {
                        self.distribute(batch.urls).await?;
                        continue;
                    }
                }
                // Everything sent is committed before deciding the frontier is empty.
                self.context.writer.flush().await?;
                let batch = self
                    .context
                    .writer
                    .claim(self.context.site_id, now_ms(), self.claim_batch(), self.lease())
                    .await?;
                next_due_ms = batch.next_due_ms;
                if batch.urls.is_empty() {
                    match next_due_ms {
                        None => {
                            stopping = Some(Ending::Exhausted);
                            break;
                        }
                        Some(due) => {
                            let wait = Duration::from_millis(u64::try_from(due - now_ms()).unwrap_or(0));
                            wake = wake.min(self.context.clock.now() + wait.min(Duration::from_secs(60)));
                        }
                    }
                } else {
                    self.distribute(batch.urls).await?;
                    continue;
                }
            } else if let Some(due) = next_due_ms
                && due <= now_ms()
            {
                claim_needed = true;
            }
            let sleep = tokio::time::sleep_until(self.context.clock.instant_at(wake));
            tokio::select! {
                batch = async { pending_claim.as_mut().expect("checked by the guard").await }, if pending_claim.is_some() => {
                    pending_claim = None;
                    let batch = batch?;
                    next_due_ms = batch.next_due_ms;
                    self.distribute(batch.urls).await?;
                }
                Some(event) = events.recv() => {
                    self.handle(event).await?;
                    claim_needed = true;
                }
                Some(joined) = self.tasks.join_next(), if !self.tasks.is_empty() => {
                    claim_needed = true;
                    if let Err(e) = joined && e.is_panic() {
                        tracing::error!("a fetch task panicked: {e}");
                    }
                }
                () = sleep => {}
                signal = &mut shutdown, if !matches!(stopping, Some(Ending::Signal(_))) => {
                    // Requests in flight are abandoned, not awaited: a slow server must not
                    // hold the stop for the request timeout. What they recorded stays; their
                    // URLs are still claimed and go back in the queue.
                    self.tasks.abort_all();
                    stopping = Some(Ending::Signal(signal));
                }
            }
        }
        // Let every task end and drain the events they sent.
        while let Some(joined) = self.tasks.join_next().await {
            if let Err(e) = joined
                && e.is_panic()
            {
                tracing::error!("a fetch task panicked: {e}");
            }
        }
        while let Ok(event) = events.try_recv() {
            self.handle(event).await?;
        }
        progress.finish();
        Ok(stopping.unwrap_or(Ending::Exhausted))
    }

    /// Counts the frontier (one query) and shows where the crawl stands.
    async fn show_progress(&self, progress: &mut Progress) -> Result<(), CrawlError> {
        let (store, site_id) = (self.store.clone(), self.context.site_id);
        let frontier = on_main(&self.context, async move { store.frontier(site_id).await }).await?;
        let remaining = frontier.queued + frontier.in_progress;
        let (pages_per_minute, eta_seconds) = progress.pace(self.dispatched, remaining);
        let mut hosts: Vec<(String, String)> = self
            .hosts
            .iter()
            .map(|(origin, host)| {
                let state = match (&host.paused, &host.robots) {
                    (Some(reason), _) => format!("paused: {reason}"),
                    (None, RobotsState::Fetching | RobotsState::Unknown) => "robots.txt".to_string(),
                    _ if host.consecutive_failures > 0 => "backing off".to_string(),
                    _ => "ok".to_string(),
                };
                let name = origin.split("://").nth(1).unwrap_or(origin).to_string();
                (name, state)
            })
            .collect();
        hosts.sort();
        progress.show(&progress::Snapshot {
            run_id: self.context.run_id,
            requests: self.dispatched,
            in_flight: self.tasks.len(),
            frontier,
            pages_per_minute,
            eta_seconds,
            hosts,
        });
        Ok(())
    }

    /// Asks the writer for the next URLs of the frontier, to be awaited beside the requests.
    fn claim(&self) -> PendingClaim {
        let writer = self.context.writer.clone();
        let (site_id, limit, lease) = (self.context.site_id, self.claim_batch(), self.lease());
        Box::pin(async move { writer.claim(site_id, now_ms(), limit, lease).await })
    }

    /// Puts claimed URLs in their hosts' queues; those of a paused host are held in the store.
    async fn distribute(&mut self, urls: Vec<ClaimedUrl>) -> Result<(), CrawlError> {
        let mut held: Vec<(String, String)> = Vec::new();
        for url in urls {
            let origin = url.origin.clone();
            let host = self.host_entry(&origin).await?;
            match &host.paused {
                Some(reason) => {
                    if !held.iter().any(|(o, _)| *o == origin) {
                        held.push((origin, reason.clone()));
                    }
                }
                None => host.queue.push_back(url),
            }
        }
        for (origin, reason) in held {
            self.context
                .writer
                .send(WriteOp::HoldHost {
                    site_id: self.context.site_id,
                    origin,
                    reason: format!("host paused: {reason}"),
                })
                .await?;
        }
        Ok(())
    }

    /// URLs taken per claim: a worker takes few, so that the others find work and its lease
    /// covers the wait in its host queues.
    fn claim_batch(&self) -> i64 {
        match self.context.settings.worker {
            None => CLAIM_BATCH,
            Some(_) => WORKER_CLAIM_BATCH,
        }
    }

    /// Claim more when fewer URLs than this wait in the host queues. A worker keeps little in
    /// hand: what it holds, the others cannot fetch.
    fn low_water(&self) -> usize {
        match self.context.settings.worker {
            None => CLAIM_LOW_WATER,
            Some(_) => WORKER_LOW_WATER,
        }
    }

    fn lease(&self) -> Option<Lease> {
        self.context.settings.worker.as_ref().map(|w| Lease {
            worker: w.id.clone(),
            ms: i64::try_from(w.lease.as_millis()).unwrap_or(i64::MAX / 4),
        })
    }

    fn buffered(&self) -> usize {
        self.hosts
            .values()
            .filter(|h| h.paused.is_none())
            .map(|h| h.queue.len())
            .sum()
    }

    async fn host_entry(&mut self, origin: &str) -> Result<&mut Host, CrawlError> {
        if !self.hosts.contains_key(origin) {
            let mut pacer = HostPacer::new(self.context.clock.clone(), self.context.settings.pacing.clone());
            let mut robots = RobotsState::Unknown;
            // A resumed run keeps the robots.txt it already read, if it is fresh enough.
            let store = self.store.clone();
            let owned_origin = origin.to_string();
            if self.resumed
                && let Some(row) = on_main(&self.context, async move { store.load_host(&owned_origin).await }).await?
                && let (Some(fetched), Some(body)) = (row.robots_fetched_ms, row.robots_body.as_ref())
                && now_ms() - fetched
                    < i64::try_from(self.context.settings.robots_max_age.as_millis()).unwrap_or(i64::MAX)
            {
                let status = row.robots_status.and_then(|s| u16::try_from(s).ok());
                let policy = RobotsPolicy::from_response(status, body.as_bytes(), &self.context.agent);
                if !policy.is_unavailable() {
                    pacer.set_crawl_delay(policy.crawl_delay);
                    robots = RobotsState::Ready(Arc::new(policy));
                }
            }
            self.hosts.insert(
                origin.to_string(),
                Host {
                    pacer: Arc::new(Mutex::new(pacer)),
                    robots,
                    robots_failures: 0,
                    queue: VecDeque::new(),
                    in_flight: 0,
                    consecutive_failures: 0,
                    throttled: 0,
                    paused: None,
                },
            );
        }
        Ok(self.hosts.get_mut(origin).expect("inserted above"))
    }

    /// Starts every request that politeness allows now; returns when to look again.
    async fn dispatch(&mut self) -> Result<Duration, CrawlError> {
        let now = self.context.clock.now();
        let mut wake = now + Duration::from_secs(1);
        let max_pages = self.context.settings.max_pages;
        let mut blocked: Vec<(i64, String)> = Vec::new();
        for (origin, host) in &mut self.hosts {
            if host.paused.is_some() || host.queue.is_empty() {
                continue;
            }
            while host.in_flight < self.context.settings.per_host_concurrency
                && self.tasks.len() < self.context.settings.max_in_flight
                && max_pages.is_none_or(|max| self.dispatched < max)
                && !host.queue.is_empty()
            {
                let policy = match &host.robots {
                    RobotsState::Fetching => break,
                    RobotsState::Unknown => {
                        if host.in_flight > 0 {
                            break;
                        }
                        let acquired = host.pacer.lock().expect("pacer lock").try_acquire();
                        let acquired = match acquired {
                            Ok(()) => shared_slot(&self.store, &self.context, origin, &host.pacer).await?,
                            Err(wait) => Err(wait),
                        };
                        match acquired {
                            Ok(()) => {
                                host.robots = RobotsState::Fetching;
                                host.in_flight += 1;
                                self.tasks.spawn(task::fetch_robots(
                                    self.context.clone(),
                                    origin.clone(),
                                    host.pacer.clone(),
                                ));
                            }
                            Err(wait) => wake = wake.min(now + wait),
                        }
                        break;
                    }
                    RobotsState::Ready(policy) => policy.clone(),
                };
                let next = host.queue.front().expect("queue is not empty");
                if !policy.is_allowed(&self.context.agent, &next.url) {
                    let url = host.queue.pop_front().expect("queue is not empty");
                    blocked.push((url.id, "disallowed by robots.txt".to_string()));
                    continue;
                }
                let acquired = host.pacer.lock().expect("pacer lock").try_acquire();
                let acquired = match acquired {
                    Ok(()) => shared_slot(&self.store, &self.context, origin, &host.pacer).await?,
                    Err(wait) => Err(wait),
                };
                match acquired {
                    Ok(()) => {
                        let url = host.queue.pop_front().expect("queue is not empty");
                        host.in_flight += 1;
                        self.dispatched += 1;
                        self.tasks
                            .spawn(task::fetch_url(self.context.clone(), url, host.pacer.clone(), policy));
                    }
                    Err(wait) => {
                        wake = wake.min(now + wait);
                        break;
                    }
                }
            }
        }
        for (url_id, reason) in blocked {
            self.context.writer.send(WriteOp::Block { url_id, reason }).await?;
        }
        Ok(wake)
    }

    async fn handle(&mut self, event: Event) -> Result<(), CrawlError> {
        match event {
            Event::Robots {
                origin,
                policy,
                problem,
            } => {
                let limit = self.context.settings.host_failure_limit;
                let Some(host) = self.hosts.get_mut(&origin) else {
                    return Ok(());
                };
                host.in_flight = host.in_flight.saturating_sub(1);
                match policy {
                    Some(policy) => {
                        let capped = host
                            .pacer
                            .lock()
                            .expect("pacer lock")
                            .set_crawl_delay(policy.crawl_delay);
                        if capped {
                            tracing::warn!(%origin, "robots.txt Crawl-delay is longer than the cap; the host will be crawled at the cap");
                        }
                        host.robots = RobotsState::Ready(Arc::new(policy));
                        host.robots_failures = 0;
                    }
                    None => {
                        // RFC 9309: unreachable robots.txt means nothing may be fetched; try again later.
                        host.robots_failures += 1;
                        host.robots = RobotsState::Unknown;
                        let jitter = rand::random_range(0.5..1.5);
                        host.pacer
                            .lock()
                            .expect("pacer lock")
                            .on_failure(host.robots_failures, jitter);
                        if host.robots_failures >= ROBOTS_TRIES.min(limit.max(1)) {
                            let reason = match problem {
                                Some(problem) => format!("robots.txt unavailable: {problem}"),
                                None => "robots.txt unavailable (server error or unreachable)".to_string(),
                            };
                            self.pause(&origin, &reason).await?;
                        }
                    }
                }
            }
            Event::HostDone { origin, health } => {
                let limit = self.context.settings.host_failure_limit;
                let Some(host) = self.hosts.get_mut(&origin) else {
                    return Ok(());
                };
                host.in_flight = host.in_flight.saturating_sub(1);
                match health {
                    Health::Good => {
                        host.consecutive_failures = 0;
                        host.pacer.lock().expect("pacer lock").on_success();
                    }
                    Health::Failed | Health::Throttled => {
                        host.consecutive_failures += 1;
                        if health == Health::Throttled {
                            host.throttled += 1;
                        }
                        let remaining = host.pacer.lock().expect("pacer lock").backoff_remaining();
                        let update = WriteOp::Host(HostUpdate {
                            origin: origin.clone(),
                            consecutive_failures: i64::from(host.consecutive_failures),
                            throttled_count: host.throttled,
                            backoff_until_ms: Some(now_ms() + i64::try_from(remaining.as_millis()).unwrap_or(i64::MAX)),
                            ..HostUpdate::default()
                        });
                        self.context.writer.send(update).await?;
                        if host.consecutive_failures >= limit {
                            let reason = format!(
                                "{} consecutive failures (5xx, timeouts, 429/503)",
                                host.consecutive_failures
                            );
                            self.pause(&origin, &reason).await?;
                        }
                    }
                    Health::Neutral => {}
                }
            }
        }
        Ok(())
    }

    async fn pause(&mut self, origin: &str, reason: &str) -> Result<(), CrawlError> {
        let Some(host) = self.hosts.get_mut(origin) else {
            return Ok(());
        };
        if host.paused.is_some() {
            return Ok(());
        }
        tracing::warn!(%origin, reason, "host paused");
        host.paused = Some(reason.to_string());
        host.queue.clear();
        let writer = &self.context.writer;
        writer
            .send(WriteOp::Host(HostUpdate {
                origin: origin.to_string(),
                consecutive_failures: i64::from(host.consecutive_failures),
                throttled_count: host.throttled,
                paused_reason: Some(reason.to_string()),
                ..HostUpdate::default()
            }))
            .await?;
        writer
            .send(WriteOp::HoldHost {
                site_id: self.context.site_id,
                origin: origin.to_string(),
                reason: format!("host paused: {reason}"),
            })
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// The scheduler runs on the fetch thread, whose runtime ends with the crawl: a
    /// PostgreSQL connection the pool opened there would be dead for whoever took it next
    /// (two crawls on one PostgreSQL store failed so). Every store call of the scheduler goes
    /// through `on_main`; the store itself is only cloned here.
    #[test]
    fn the_scheduler_calls_the_store_only_through_the_main_runtime() {
        let source = include_str!("mod.rs");
        let start = source.find("impl Scheduler {").expect("the scheduler's impl");
        let body = &source[start..];
        let end = body.find("\n}\n").expect("the impl's end");
        let offenders: Vec<&str> = body[..end]
            .lines()
            .filter(|line| line.contains("store.") && !line.trim_start().starts_with("//"))
            .filter(|line| !line.contains("store.clone()") && !line.contains("on_main("))
            .collect();
        assert!(offenders.is_empty(), "store calls on the fetch thread: {offenders:?}");
    }
}
