//! `zwgk dashboard`: the office's web view of the store — the latest verdicts, the indicator
//! tree, a page per 责任单位, trends across runs, a ranking of units, run diffs, the stored
//! evidence of a verdict, and the two forms the office fills in (an assessor's manual verdict
//! and a unit's 整改 response).
//!
//! Security, because every page shows text a website chose:
//! - every scraped string is escaped, and the dashboard's own pages carry a CSP that allows no
//!   script at all (charts are server-drawn SVG);
//! - a stored snapshot is served from its own route with `Content-Security-Policy: sandbox`
//!   and shown in a sandboxed iframe: its scripts never run and it loads nothing (never live);
//! - it binds to loopback by default and then accepts only loopback `Host` names (no DNS
//!   rebinding); any other address requires a token (a cookie after the first visit);
//! - every form carries a per-process CSRF token, and a POST from another origin is refused.

pub mod chart;
pub mod pages;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::assess::calendar::WorkCalendar;
use crate::assess::catalog::Catalog;
use crate::assess::engine::Assessment;
use crate::extract::profile::Profile;
use crate::report::html::esc;
use crate::stage::assess::{AssessOptions, assess_run};
use crate::store::{ManualEntry, NewManual, Store};

/// The CSP of the dashboard's own pages: no script from anywhere, styles inline, frames
/// only from itself (the evidence snapshots), forms only to itself.
const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; \
                        form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/// The CSP of a stored snapshot: a sandbox (no script, no forms, an opaque origin) that
/// loads nothing, framed only by the dashboard.
const SNAPSHOT_CSP: &str =
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";
/// The cookie that carries the access token after the first visit with `?token=`.
const TOKEN_COOKIE: &str = "zwgk_token";
/// Kept assessments read for trends and a leaf's history (the newest ones).
const TREND_RUNS: usize = 60;

/// What the dashboard shows and how it is reached.
pub struct Settings {
    pub catalog: Catalog,
    pub profiles: Vec<Profile>,
    pub calendar: WorkCalendar,
    /// Required for a non-loopback address; optional (then enforced) on loopback.
    pub token: Option<String>,
}

/// Why the dashboard cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(
        "`--bind {0}` is not a loopback address: the dashboard shows and changes the office's records, so give an access token (`--token` or ZWGK_DASHBOARD_TOKEN, at least 16 characters)"
    )]
    TokenRequired(SocketAddr),
    #[error("the access token is shorter than 16 characters")]
    WeakToken,
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
}

#[derive(Clone)]
pub struct Dashboard(Arc<Inner>);

struct Inner {
    store: Store,
    settings: Settings,
    /// Assessments already read and parsed, by what identifies them in the store, so a page
    /// view does not decompress and parse them again (a kept one is a few hundred KB).
    cache: tokio::sync::Mutex<Cache>,
    csrf: String,
    /// `Host` values accepted (loopback binds); empty when a token guards the dashboard.
    hosts: Vec<String>,
}

/// A kept assessment's row id and creation time (SQLite may reuse the id of a replaced row;
/// the time tells them apart).
type KeptRow = (i64, String);

#[derive(Default)]
struct Cache {
    /// The assessment shown: (kept assessment row id, or the run judged on the spot and the
    /// day; the assessment).
    current: Option<(CurrentKey, Arc<Assessment>)>,
    /// The trend's assessments: (their row ids, the assessments, oldest first).
    history: Option<(Vec<KeptRow>, Arc<Vec<Assessment>>)>,
}

#[derive(Clone, PartialEq)]
enum CurrentKey {
    Kept(i64, String),
    Judged {
        run: i64,
        day: chrono::NaiveDate,
        manual: usize,
    },
}

/// A listening dashboard: its address, and the future that serves it until `stop` resolves.
pub struct Listening {
    pub addr: SocketAddr,
    listener: tokio::net::TcpListener,
    router: Router,
}

impl Listening {
    pub async fn serve(self, stop: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(stop)
            .await
    }
}

/// Binds the dashboard (port 0 picks a free one). Refuses a non-loopback address without a
/// token.
pub async fn bind(store: Store, settings: Settings, bind: SocketAddr) -> Result<Listening, StartError> {
    if let Some(token) = &settings.token
        && token.chars().count() < 16
    {
        return Err(StartError::WeakToken);
    }
    if !bind.ip().is_loopback() && settings.token.is_none() {
        return Err(StartError::TokenRequired(bind));
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| StartError::Bind(bind, e))?;
    let addr = listener.local_addr().map_err(|e| StartError::Bind(bind, e))?;
    let hosts = if settings.token.is_none() {
        let port = addr.port();
        vec![
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
            addr.to_string(),
        ]
    } else {
        Vec::new()
    };
    let csrf = hex::encode(rand::random::<[u8; 16]>());
    let dashboard = Dashboard(Arc::new(Inner {
        store,
        settings,
        cache: tokio::sync::Mutex::new(Cache::default()),
        csrf,
        hosts,
    }));
    Ok(Listening {
        addr,
        listener,
        router: router(dashboard),
    })
}

fn router(dashboard: Dashboard) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/verdicts", get(verdicts))
        .route("/tree", get(tree))
        .route("/units", get(units))
        .route("/unit", get(unit))
        .route("/trends", get(trends))
        .route("/diff", get(diff))
        .route("/leaf", get(leaf))
        .route("/evidence", get(evidence))
        .route("/snapshot/{sha}", get(snapshot))
        .route("/manual", get(manual_list).post(manual_set))
        .route("/rectify", get(ledger).post(respond))
        .fallback(not_found)
        // An evidence upload is at most 20 MB; the form fields around it are small.
        .layer(DefaultBodyLimit::max(
            crate::store::MAX_EVIDENCE_FILE as usize + 64 * 1024,
        ))
        .layer(middleware::from_fn_with_state(dashboard.clone(), guard))
        .with_state(dashboard)
}

/// A page that could not be shown: its status and a sentence for the reader.
pub struct Problem(StatusCode, String);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = pages::layout("出错了", "", &format!("<p class=\"alarm\">{}</p>", esc(&self.1)));
        (self.0, Html(body)).into_response()
    }
}

impl<E: std::fmt::Display> From<E> for Problem {
    fn from(e: E) -> Problem {
        tracing::warn!(error = %e, "dashboard request failed");
        Problem(StatusCode::INTERNAL_SERVER_ERROR, format!("读取数据时出错：{e}"))
    }
}

fn bad_request(text: impl Into<String>) -> Problem {
    Problem(StatusCode::BAD_REQUEST, text.into())
}

type Page = Result<Response, Problem>;

fn html(body: String) -> Page {
    Ok(Html(body).into_response())
}

/// Checks the host, the token and a POST's origin; adds the security headers.
async fn guard(State(d): State<Dashboard>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !d.0.hosts.is_empty() && !d.0.hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
        return secured(
            Problem(
                StatusCode::MISDIRECTED_REQUEST,
                "此看板只接受本机地址的访问。".to_string(),
            )
            .into_response(),
        );
    }
    if let Some(token) = &d.0.settings.token {
        let from_cookie = cookie(headers, TOKEN_COOKIE).is_some_and(|c| same(&c, token));
        if !from_cookie {
            let query = request.uri().query().unwrap_or("");
            let given = url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "token");
            if given.is_some_and(|(_, v)| same(&v, token)) {
                // Trade the token in the address for a cookie, and drop it from the address.
                let rest: String = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(url::form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "token"))
                    .finish();
                let target = match rest.is_empty() {
                    true => request.uri().path().to_string(),
                    false => format!("{}?{rest}", request.uri().path()),
                };
                let mut response = Redirect::to(&target).into_response();
                if let Ok(value) =
                    HeaderValue::from_str(&format!("{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"))
                {
                    response.headers_mut().insert(header::SET_COOKIE, value);
                }
                return secured(response);
            }
            return secured(
                Problem(
                    StatusCode::UNAUTHORIZED,
                    "需要访问令牌：请使用管理员提供的带 token 的地址打开看板。".to_string(),
                )
                .into_response(),
            );
        }
    }
    if request.method() == axum::http::Method::POST && !same_origin(headers, &host) {
        return secured(Problem(StatusCode::FORBIDDEN, "拒绝来自其他网站的提交。".to_string()).into_response());
    }
    secured(next.run(request).await)
}

/// The headers every answer carries; a snapshot keeps its own sandbox CSP.
fn secured(mut response: Response) -> Response {
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // `same-origin`, not `no-referrer`: with no referrer at all Chromium sends `Origin: null` on
    // the forms' POSTs, and the origin check needs the real one. Other sites still get nothing.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    response
}

/// A POST is same-origin when its `Origin` (or, without one, `Sec-Fetch-Site`) says so; a
/// client that sends neither (curl, a script of the office's own) is let through to the
/// CSRF token check.
fn same_origin(headers: &HeaderMap, host: &str) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        return origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host));
    }
    match headers.get("sec-fetch-site").and_then(|s| s.to_str().ok()) {
        Some(site) => matches!(site, "same-origin" | "none"),
        None => true,
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Compares secrets in time independent of where they differ.
fn same(given: &str, secret: &str) -> bool {
    given.len() == secret.len() && given.bytes().zip(secret.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The assessment the dashboard shows: the latest finished run's kept assessment, else that
/// run judged now (and said so).
pub struct Current {
    pub assessment: Arc<Assessment>,
    pub kept: bool,
}

impl Dashboard {
    fn options(&self, as_of: chrono::NaiveDate, year: i32) -> AssessOptions<'_> {
        let s = &self.0.settings;
        AssessOptions {
            catalog: &s.catalog,
            as_of,
            year,
            profiles: &s.profiles,
            manual: &[],
            calendar: &s.calendar,
        }
    }

    async fn current(&self) -> Result<Option<Current>, Problem> {
        let store = &self.0.store;
        let catalog = &self.0.settings.catalog.info.id;
        let Some(run) = store.latest_finished_run().await? else {
            return Ok(None);
        };
        let kept_id = store
            .assessments()
            .await?
            .into_iter()
            .filter(|a| a.run_id == run.id && &a.catalog == catalog)
            .map(|a| (a.id, a.created_at))
            .max();
        let today = today();
        let key = match kept_id {
            Some((id, created)) => CurrentKey::Kept(id, created),
            // A run judged on the spot changes with the day and with the manual verdicts.
            None => CurrentKey::Judged {
                run: run.id,
                day: today,
                manual: store.manual_verdicts(Some(catalog), true).await?.len(),
            },
        };
        let mut cache = self.0.cache.lock().await;
        if let Some((cached, assessment)) = &cache.current
            && *cached == key
        {
            return Ok(Some(Current {
                assessment: assessment.clone(),
                kept: matches!(key, CurrentKey::Kept(..)),
            }));
        }
        let assessment = match key {
            CurrentKey::Kept(..) => match store.kept_assessment(run.id, catalog).await? {
                Some(a) => a,
                None => return Ok(None),
            },
            CurrentKey::Judged { .. } => {
                let options = self.options(today, crate::assess::default_year(today));
                match assess_run(store, run.id, &options).await {
                    Ok(a) => a,
                    Err(crate::stage::assess::AssessError::NotExtracted { .. }) => return Ok(None),
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let assessment = Arc::new(assessment);
        let kept = matches!(key, CurrentKey::Kept(..));
        cache.current = Some((key, assessment.clone()));
        Ok(Some(Current { assessment, kept }))
    }

    async fn need_current(&self) -> Result<Current, Problem> {
        self.current().await?.ok_or_else(|| {
            Problem(
                StatusCode::NOT_FOUND,
                "库中还没有已完成并已提取的抓取：请先运行 zwgk crawl 与 zwgk extract（或 zwgk nightly）。".to_string(),
            )
        })
    }

    /// The newest kept assessments of the catalog, one per run, oldest first.
    async fn history(&self) -> Result<Arc<Vec<Assessment>>, Problem> {
        let store = &self.0.store;
        let catalog = &self.0.settings.catalog.info.id;
        // The newest kept assessment of each run (rows come ordered by run, then id).
        let mut newest: std::collections::BTreeMap<i64, KeptRow> = std::collections::BTreeMap::new();
        for a in store.assessments().await?.into_iter().filter(|a| &a.catalog == catalog) {
            newest.insert(a.run_id, (a.id, a.created_at));
        }
        let skip = newest.len().saturating_sub(TREND_RUNS);
        let wanted: Vec<(i64, KeptRow)> = newest.into_iter().skip(skip).collect();
        let ids: Vec<KeptRow> = wanted.iter().map(|(_, key)| key.clone()).collect();
        let mut cache = self.0.cache.lock().await;
        if let Some((cached, history)) = &cache.history
            && *cached == ids
        {
            return Ok(history.clone());
        }
        let mut out = Vec::new();
        for (run, _) in &wanted {
            if let Some(a) = store.kept_assessment(*run, catalog).await? {
                out.push(a);
            }
        }
        let history = Arc::new(out);
        cache.history = Some((ids, history.clone()));
        Ok(history)
    }
}

async fn overview(State(d): State<Dashboard>) -> Page {
    let Some(current) = d.current().await? else {
        return html(pages::empty_store());
    };
    html(pages::overview(&current))
}

#[derive(Deserialize)]
struct VerdictQuery {
    status: Option<String>,
    unit: Option<String>,
}

async fn verdicts(State(d): State<Dashboard>, Query(q): Query<VerdictQuery>) -> Page {
    let current = d.need_current().await?;
    html(pages::verdicts(&current, q.status.as_deref(), q.unit.as_deref()))
}

async fn tree(State(d): State<Dashboard>) -> Page {
    html(pages::tree(&d.need_current().await?))
}

async fn units(State(d): State<Dashboard>) -> Page {
    let current = d.need_current().await?;
    let history = d.history().await?;
    html(pages::units(&current, &history))
}

#[derive(Deserialize)]
struct NameQuery {
    name: String,
}

async fn unit(State(d): State<Dashboard>, Query(q): Query<NameQuery>) -> Page {
    let current = d.need_current().await?;
    let history = d.history().await?;
    let ledger: Vec<_> =
        d.0.store
            .ledger(None)
            .await?
            .into_iter()
            .filter(|r| r.unit == q.name)
            .collect();
    html(pages::unit(&current, &history, &q.name, &ledger, &d.0.csrf))
}

async fn trends(State(d): State<Dashboard>) -> Page {
    html(pages::trends(&d.history().await?))
}

#[derive(Deserialize)]
struct DiffQuery {
    a: Option<i64>,
    b: Option<i64>,
}

async fn diff(State(d): State<Dashboard>, Query(q): Query<DiffQuery>) -> Page {
    let store = &d.0.store;
    let finished = store.finished_runs().await?;
    let (a, b) = match (q.a, q.b) {
        (Some(a), Some(b)) => (a, b),
        _ if finished.len() >= 2 => (finished[finished.len() - 2], finished[finished.len() - 1]),
        _ => {
            return html(pages::layout(
                "两次检查对比",
                "diff",
                "<p>库中只有一次已完成的抓取，暂无可对比的两次检查。</p>",
            ));
        }
    };
    let today = today();
    let options = d.options(today, crate::assess::default_year(today));
    let compared = crate::stage::diff::diff_runs(store, a, b, &options, None, None)
        .await
        .map_err(|e| Problem(StatusCode::NOT_FOUND, format!("无法对比第{a}次与第{b}次抓取：{e}")))?;
    html(pages::diff(&compared, &finished))
}

#[derive(Deserialize)]
struct LeafQuery {
    id: String,
    saved: Option<i64>,
    error: Option<String>,
}

async fn leaf(State(d): State<Dashboard>, Query(q): Query<LeafQuery>) -> Page {
    let current = d.need_current().await?;
    let Some(verdict) = current.assessment.indicators.iter().find(|v| v.id == q.id) else {
        return Err(Problem(
            StatusCode::NOT_FOUND,
            format!("指标 {} 不在当前的评价中。", q.id),
        ));
    };
    let history = d.history().await?;
    let manual: Vec<_> =
        d.0.store
            .manual_verdicts(Some(&d.0.settings.catalog.info.id), true)
            .await?
            .into_iter()
            .filter(|m| m.leaf_id == q.id)
            .collect();
    let notice = match (q.saved, q.error.as_deref()) {
        (_, Some(error)) => Some(format!("未保存：{error}")),
        (Some(id), None) => Some(format!("人工评价已保存（编号 {id}），本页已按它重新评价。")),
        _ => None,
    };
    html(pages::leaf(
        &current,
        verdict,
        &history,
        &manual,
        &d.0.csrf,
        notice.as_deref(),
    ))
}

#[derive(Deserialize)]
struct EvidenceQuery {
    leaf: String,
    n: usize,
}

async fn evidence(State(d): State<Dashboard>, Query(q): Query<EvidenceQuery>) -> Page {
    let current = d.need_current().await?;
    let found = current
        .assessment
        .indicators
        .iter()
        .find(|v| v.id == q.leaf)
        .and_then(|v| v.evidence.get(q.n).map(|e| (v, e)));
    let Some((verdict, item)) = found else {
        return Err(Problem(StatusCode::NOT_FOUND, "没有这条证据。".to_string()));
    };
    html(pages::evidence(verdict, item, q.n))
}

/// A stored body, sandboxed: HTML is decoded to UTF-8 (the stored charset may be GBK) and
/// served under the sandbox CSP; anything else is offered as a download, never rendered.
async fn snapshot(State(d): State<Dashboard>, axum::extract::Path(sha): axum::extract::Path<String>) -> Page {
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Problem(StatusCode::NOT_FOUND, "没有这份快照。".to_string()));
    }
    let Some(body) = d.0.store.body(&sha).await? else {
        return Err(Problem(
            StatusCode::NOT_FOUND,
            "这份快照不在库中（可能已按保留策略清理）。".to_string(),
        ));
    };
    let content_type = d.0.store.body_content_type(&sha).await?;
    let is_html = match content_type.as_deref() {
        Some(ct) => ct.to_ascii_lowercase().contains("html"),
        None => false,
    };
    let mut response = if is_html {
        let decoded = crate::extract::encoding::decode(&body, content_type.as_deref());
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            decoded.text,
        )
            .into_response()
    } else {
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&format!("attachment; filename=\"{}.bin\"", &sha[..16]))
                        .unwrap_or(HeaderValue::from_static("attachment")),
                ),
            ],
            body,
        )
            .into_response()
    };
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(SNAPSHOT_CSP));
    Ok(response)
}

async fn manual_list(State(d): State<Dashboard>) -> Page {
    let all =
        d.0.store
            .manual_verdicts(Some(&d.0.settings.catalog.info.id), true)
            .await?;
    let today = today();
    html(pages::manual_list(&all, today))
}

/// Records an assessor's verdict from the leaf page's form, then re-judges the shown run
/// with it (keeping the result), so every view and report shows it at once.
async fn manual_set(State(d): State<Dashboard>, mut form: Multipart) -> Page {
    let mut fields: std::collections::HashMap<String, String> = Default::default();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| bad_request(format!("表单无法读取：{e}")))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().map(crate::report::files::safe_file_name);
            let bytes = field
                .bytes()
                .await
                .map_err(|e| bad_request(format!("文件无法读取：{e}")))?;
            if let Some(file_name) = file_name.filter(|_| !bytes.is_empty()) {
                file = Some((file_name, bytes.to_vec()));
            }
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| bad_request(format!("表单无法读取：{e}")))?;
            fields.insert(name, text);
        }
    }
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    if !same(&get("csrf"), &d.0.csrf) {
        return Err(Problem(
            StatusCode::FORBIDDEN,
            "表单已过期，请刷新页面后重新提交。".to_string(),
        ));
    }
    let leaf_id = get("leaf");
    let score = match get("score").trim() {
        "" => None,
        s => Some(
            s.parse::<f64>()
                .map_err(|_| bad_request(format!("分值「{s}」不是数字")))?,
        ),
    };
    let optional = |k: &str| Some(get(k)).filter(|v| !v.trim().is_empty());
    let entry = ManualEntry {
        leaf: leaf_id.clone(),
        status: get("status"),
        score,
        note: get("note"),
        assessor: get("assessor"),
        evidence_url: optional("evidence"),
        expires_on: optional("expires"),
        evidence_file: file,
    };
    let back = |extra: &str| format!("/leaf?id={}&{extra}", encode(&leaf_id));
    let verdict = match NewManual::checked(&d.0.settings.catalog, entry, "dashboard") {
        Ok(v) => v,
        Err(why) => return Ok(Redirect::to(&back(&format!("error={}", encode(&why)))).into_response()),
    };
    let id = d.0.store.add_manual(&verdict).await?;
    // Re-judge the run the dashboard shows, as of the same day, and keep it.
    if let Some(current) = d.current().await?
        && current.kept
    {
        let a = &current.assessment;
        let options = d.options(a.as_of, a.period);
        let mut again = assess_run(&d.0.store, a.run_id, &options).await?;
        again.routing = a.routing.clone();
        d.0.store.save_assessment(&again).await?;
    }
    Ok(Redirect::to(&back(&format!("saved={id}"))).into_response())
}

#[derive(Deserialize)]
struct LedgerQuery {
    status: Option<String>,
    unit: Option<String>,
}

async fn ledger(State(d): State<Dashboard>, Query(q): Query<LedgerQuery>) -> Page {
    let items: Vec<_> =
        d.0.store
            .ledger(None)
            .await?
            .into_iter()
            .filter(|r| q.status.as_deref().is_none_or(|s| s.is_empty() || r.status == s))
            .filter(|r| q.unit.as_deref().is_none_or(|u| u.is_empty() || r.unit == u))
            .collect();
    html(pages::ledger(&items, &d.0.csrf))
}

#[derive(Deserialize)]
struct Response_ {
    csrf: String,
    id: i64,
    response: String,
    responder: String,
    /// The unit page the form was on, to return to.
    #[serde(default)]
    unit: String,
}

/// Records a unit's 整改 response to a problem of the ledger.
async fn respond(State(d): State<Dashboard>, axum::extract::Form(f): axum::extract::Form<Response_>) -> Page {
    if !same(&f.csrf, &d.0.csrf) {
        return Err(Problem(
            StatusCode::FORBIDDEN,
            "表单已过期，请刷新页面后重新提交。".to_string(),
        ));
    }
    if f.response.trim().is_empty() || f.responder.trim().is_empty() {
        return Err(bad_request("请填写整改情况和填报人。"));
    }
    if f.response.chars().count() > 5_000 || f.responder.chars().count() > 100 {
        return Err(bad_request("整改情况最多 5000 字，填报人最多 100 字。"));
    }
    let Some(item) = d.0.store.rectification(f.id).await? else {
        return Err(Problem(
            StatusCode::NOT_FOUND,
            format!("台账中没有编号 {} 的问题。", f.id),
        ));
    };
    d.0.store
        .respond(item.id, f.response.trim(), f.responder.trim())
        .await?;
    let target = if f.unit.is_empty() {
        format!("/rectify#r{}", item.id)
    } else {
        format!("/unit?name={}#r{}", encode(&item.unit), item.id)
    };
    Ok(Redirect::to(&target).into_response())
}

async fn not_found() -> Problem {
    Problem(StatusCode::NOT_FOUND, "没有这个页面。".to_string())
}

/// Today in China (UTC+8), the day a run without a kept assessment is judged at.
fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// A query-string value, percent-encoded.
pub fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same("abcdef0123456789", "abcdef0123456789"));
        assert!(!same("abcdef012345678", "abcdef0123456789"));
        assert!(!same("abcdef0123456780", "abcdef0123456789"));
    }

    #[test]
    fn a_post_from_another_origin_is_not_same_origin() {
        let mut h = HeaderMap::new();
        h.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_origin(&h, "127.0.0.1:8080"));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://evil.example"));
        assert!(!same_origin(&h, "127.0.0.1:8080"));
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h, "127.0.0.1:8080"));
        assert!(same_origin(&HeaderMap::new(), "127.0.0.1:8080"));
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; zwgk_token=secret; b=2"));
        assert_eq!(cookie(&h, "zwgk_token").as_deref(), Some("secret"));
        assert_eq!(cookie(&h, "zwgk"), None);
    }
}
