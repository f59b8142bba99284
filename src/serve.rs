//! A loopback HTTP server for a fixture site: the demo and the tests crawl it.
//!
//! It serves files under a root the way a Hanweb district portal answers: `.html` as
//! `text/html` without a charset (so pages must declare or be detected), `{{ORIGIN}}` filled in
//! inside `.txt`/`.xml` (robots.txt and sitemaps need absolute URLs), `X.xml.gz` gzipped on the
//! fly from `X.xml`, ETag and Last-Modified (the file's modification time) with 304 answers to
//! If-None-Match and If-Modified-Since, a `Server` header and the odd ones real portals send,
//! `dataproxy.jsp` list paging sliced from `module/web/jpage/dataproxy/<columnid>.xml`, and
//! Hanweb's `downfile.jsp?…&filename=X` answered from `module/download/files/X`. Every request
//! is logged so tests can assert on what the server saw. It binds 127.0.0.1 only.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use regex::Regex;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub at: Instant,
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl LoggedRequest {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The requests a server received, in order.
#[derive(Debug, Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<LoggedRequest>>>);

impl RequestLog {
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.0.lock().expect("request log lock").clone()
    }

    pub fn clear(&self) {
        self.0.lock().expect("request log lock").clear();
    }

    fn push(&self, request: LoggedRequest) {
        self.0.lock().expect("request log lock").push(request);
    }
}

/// A running loopback server; it stops when dropped.
pub struct SiteServer {
    addr: SocketAddr,
    log: RequestLog,
    _shutdown: oneshot::Sender<()>,
}

impl SiteServer {
    /// Serves the fixture site under `root`.
    pub async fn start(root: PathBuf) -> std::io::Result<SiteServer> {
        SiteServer::start_router(site_router(root)).await
    }

    /// Serves any router (tests add fault endpoints), with request logging.
    pub async fn start_router(router: Router) -> std::io::Result<SiteServer> {
        let log = RequestLog::default();
        let logged = router.layer(middleware::from_fn_with_state(log.clone(), log_request));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, logged)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(SiteServer {
            addr,
            log,
            _shutdown: tx,
        })
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.origin(), path)
    }

    pub fn log(&self) -> &RequestLog {
        &self.log
    }
}

async fn log_request(State(log): State<RequestLog>, request: Request, next: Next) -> Response {
    log.push(LoggedRequest {
        at: Instant::now(),
        method: request.method().to_string(),
        target: request
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        headers: request
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
    });
    next.run(request).await
}

/// The router that serves a fixture directory.
pub fn site_router(root: PathBuf) -> Router {
    Router::new().fallback(serve_file).with_state(Arc::new(root))
}

/// The fixture site shipped with zwgk: `./fixtures/site` when run from the repository,
/// else the one beside the sources this binary was built from.
pub fn bundled_site() -> Option<PathBuf> {
    let here = PathBuf::from("fixtures/site");
    if here.join("index.html").exists() {
        return Some(here);
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/site");
    built.join("index.html").exists().then_some(built)
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html")],
        "<h1>404 Not Found</h1>",
    )
        .into_response()
}

/// Maps a request path to a file under root, refusing anything that climbs out.
fn file_for(root: &Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path);
    let mut file = root.to_path_buf();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => file.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    Some(file)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn content_type_for(path: &Path) -> String {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        // Many Chinese servers send no charset: pages must declare theirs.
        Some("html" | "htm" | "shtml") => "text/html".to_string(),
        Some("xml") => "text/xml".to_string(),
        Some("gz") => "application/x-gzip".to_string(),
        Some("txt") => "text/plain".to_string(),
        _ => mime_guess::from_path(path).first_or_octet_stream().to_string(),
    }
}

fn origin_of(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

async fn serve_file(State(root): State<Arc<PathBuf>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    let headers = request.headers().clone();
    if path == "/module/web/jpage/dataproxy.jsp" {
        return dataproxy(&root, &query);
    }
    let file = if path == "/module/download/downfile.jsp" {
        // Hanweb attachments: the file name is a query parameter, one path segment only.
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "filename")
            .map(|(_, v)| percent_decode(v))
            .filter(|name| !name.is_empty() && !name.contains(['/', '\\']) && !name.starts_with('.'))
            .map(|name| root.join("module/download/files").join(name))
    } else {
        file_for(&root, &path)
    };
    let Some(file) = file else {
        return not_found();
    };
    let modified = tokio::fs::metadata(&file)
        .await
        .ok()
        .and_then(|m| m.modified().ok())
        .map(httpdate::fmt_http_date);
    let (body, content_type) = match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let is_template = matches!(file.extension().and_then(|e| e.to_str()), Some("txt" | "xml"));
            let body = if is_template {
                String::from_utf8_lossy(&bytes)
                    .replace("{{ORIGIN}}", &origin_of(&headers))
                    .into_bytes()
            } else {
                bytes
            };
            (body, content_type_for(&file))
        }
        Err(_) => {
            // `X.xml.gz` is made from the `X.xml` template on the fly.
            let Some(template) = file.to_str().and_then(|f| f.strip_suffix(".gz")).map(PathBuf::from) else {
                return not_found();
            };
            let Ok(bytes) = tokio::fs::read(&template).await else {
                return not_found();
            };
            let text = String::from_utf8_lossy(&bytes).replace("{{ORIGIN}}", &origin_of(&headers));
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            if gz.write_all(text.as_bytes()).is_err() {
                return not_found();
            }
            let Ok(body) = gz.finish() else { return not_found() };
            (body, "application/x-gzip".to_string())
        }
    };
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..16]);
    let if_none_match = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    let unchanged = match if_none_match {
        Some(v) => v.split(',').any(|t| t.trim() == etag),
        // Without an ETag to compare, the date decides (RFC 9110 §13.1.3).
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .zip(modified.as_deref())
            .is_some_and(|(since, m)| since == m),
    };
    if unchanged {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mut response = Response::new(Body::from(body));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(v) = modified.as_deref().and_then(|m| HeaderValue::from_str(m).ok()) {
        h.insert(header::LAST_MODIFIED, v);
    }
    // What government portals behind their CMS typically answer with.
    h.insert(header::SERVER, HeaderValue::from_static("nginx"));
    h.insert("x-powered-by", HeaderValue::from_static("JSP/2.3"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=600"));
    response
}

static RECORDS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<record>.*?</record>").expect("static regex"));

/// Hanweb's list paging endpoint: the column's records between `startrecord` and `endrecord`
/// (or page `page` of `perpage`), with the totals the real CMS reports.
fn dataproxy(root: &Path, query: &str) -> Response {
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let number = |name: &str| param(name).and_then(|v| v.parse::<usize>().ok());
    let Some(column) = param("columnid").filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit())) else {
        return not_found();
    };
    let Ok(all) = std::fs::read_to_string(root.join("module/web/jpage/dataproxy").join(format!("{column}.xml"))) else {
        return not_found();
    };
    let records: Vec<&str> = RECORDS.find_iter(&all).map(|m| m.as_str()).collect();
    let per_page = number("perpage").filter(|n| *n > 0).unwrap_or(15);
    let (start, end) = match (number("startrecord"), number("endrecord")) {
        (Some(s), Some(e)) if s >= 1 && e >= s => (s, e),
        _ => {
            let page = number("page").filter(|p| *p >= 1).unwrap_or(1);
            ((page - 1) * per_page + 1, page * per_page)
        }
    };
    let total = records.len();
    let slice = records
        .iter()
        .skip(start - 1)
        .take(end + 1 - start)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<datastore>\n<totalrecord>{total}</totalrecord>\n<totalpage>{}</totalpage>\n<recordset>\n{slice}\n</recordset>\n</datastore>\n",
        total.div_ceil(per_page)
    );
    ([(header::CONTENT_TYPE, "text/xml;charset=utf-8")], xml).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape_the_root() {
        let root = Path::new("/srv/site");
        let cases = [
            ("/index.html", Some("/srv/site/index.html")),
            ("/a/./b.html", Some("/srv/site/a/b.html")),
            ("/../etc/passwd", None),
            ("/a/%2e%2e/%2e%2e/etc/passwd", None),
        ];
        for (path, expected) in cases {
            assert_eq!(file_for(root, path).as_deref(), expected.map(Path::new), "{path}");
        }
    }
}
