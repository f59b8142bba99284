//! One HTTP exchange, safely: timeouts on connect, read and the whole request; a body cap
//! checked against Content-Length and again while streaming the *decompressed* body, so a gzip
//! bomb stops at the cap; no automatic redirects (the caller follows them by hand so each hop
//! is checked and recorded). A body over the cap is dropped, but its status, headers and size
//! come back with the error, so the fetch is still evidence.

use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub user_agent: String,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub total_timeout: Duration,
    pub max_body_bytes: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            user_agent: default_user_agent(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            total_timeout: Duration::from_secs(120),
            max_body_bytes: 20 * 1024 * 1024,
        }
    }
}

pub fn default_user_agent() -> String {
    format!(
        "zwgk/{} (+https://github.com/zwgk/zwgk; government transparency audit)",
        env!("CARGO_PKG_VERSION")
    )
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum FetchError {
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("body larger than the {limit}-byte cap ({size}); the body was not kept")]
    TooLarge {
        limit: u64,
        size: BodySize,
        /// What arrived before the body: an over-cap download is still a fetch to record.
        head: Box<ResponseHead>,
    },
    #[error("body read failed: {0}")]
    Body(String),
    #[error("request failed: {0}")]
    Other(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// Timeouts and network errors may pass; a too-large body will not.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            FetchError::Timeout(_) | FetchError::Connect(_) | FetchError::Body(_) | FetchError::Other(_)
        )
    }

    fn from_reqwest(e: &reqwest::Error) -> FetchError {
        let detail = error_chain(e);
        if e.is_timeout() {
            FetchError::Timeout(detail)
        } else if e.is_connect() {
            FetchError::Connect(detail)
        } else if e.is_body() || e.is_decode() {
            FetchError::Body(detail)
        } else {
            FetchError::Other(detail)
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// How large an over-cap body was, as far as zwgk knows without reading it all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BodySize {
    /// The server's Content-Length (an uncompressed body).
    Declared(u64),
    /// The decompressed bytes received when reading stopped.
    ReadBeforeCap(u64),
}

impl std::fmt::Display for BodySize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodySize::Declared(n) => write!(f, "Content-Length {n} bytes"),
            BodySize::ReadBeforeCap(n) => write!(f, "stopped after {n} bytes"),
        }
    }
}

/// Status and headers of a response, without its body.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseHead {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub elapsed: Duration,
}

/// What came back, before any interpretation.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The Location of a redirect (3xx other than 304), the one rule crawl and inspect share.
    pub fn redirect_location(&self) -> Option<&str> {
        if (300..400).contains(&self.status) && self.status != 304 {
            self.header("location")
        } else {
            None
        }
    }
}

pub fn build_client(settings: &HttpSettings) -> Result<reqwest::Client, FetchError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    );
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        HeaderValue::from_static("zh-CN,zh;q=0.9"),
    );
    reqwest::Client::builder()
        .user_agent(settings.user_agent.clone())
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.connect_timeout)
        .read_timeout(settings.read_timeout)
        .timeout(settings.total_timeout)
        .pool_max_idle_per_host(8)
        .build()
        .map_err(|e| FetchError::Client(error_chain(&e)))
}

/// The request headers zwgk sends besides the client defaults, for the evidence record.
pub fn request_headers_record(settings: &HttpSettings, extra: &[(HeaderName, String)]) -> Vec<(String, String)> {
    let mut headers = vec![
        ("User-Agent".to_string(), settings.user_agent.clone()),
        (
            "Accept".to_string(),
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8".to_string(),
        ),
        ("Accept-Language".to_string(), "zh-CN,zh;q=0.9".to_string()),
        ("Accept-Encoding".to_string(), "gzip, br, deflate".to_string()),
    ];
    headers.extend(extra.iter().map(|(k, v)| (k.as_str().to_string(), v.clone())));
    headers
}

/// Sends one GET and reads at most `max_bytes` of decompressed body.
pub async fn get(
    client: &reqwest::Client,
    url: &Url,
    extra: &[(HeaderName, String)],
    max_bytes: u64,
) -> Result<RawResponse, FetchError> {
    let started = Instant::now();
    let mut request = client.get(url.clone());
    for (name, value) in extra {
        request = request.header(name, value);
    }
    let response = request.send().await.map_err(|e| FetchError::from_reqwest(&e))?;
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let too_large = |size: BodySize, headers: &[(String, String)]| FetchError::TooLarge {
        limit: max_bytes,
        size,
        head: Box::new(ResponseHead {
            status,
            headers: headers.to_vec(),
            elapsed: started.elapsed(),
        }),
    };
    // Content-Length describes the compressed size; it can reject early, never accept.
    if let Some(length) = response.content_length()
        && length > max_bytes
        && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-encoding"))
    {
        return Err(too_large(BodySize::Declared(length), &headers));
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| FetchError::from_reqwest(&e))?;
        let read = (body.len() + chunk.len()) as u64;
        if read > max_bytes {
            return Err(too_large(BodySize::ReadBeforeCap(read), &headers));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(RawResponse {
        status,
        headers,
        body,
        elapsed: started.elapsed(),
    })
}

/// Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), relative to `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        let cases = [
            ("120", Some(120)),
            (" 3 ", Some(3)),
            ("Wed, 21 Oct 2026 07:28:30 GMT", Some(30)),
            ("Wed, 21 Oct 2026 07:00:00 GMT", Some(0)),
            ("soon", None),
            ("-5", None),
        ];
        for (value, expected) in cases {
            assert_eq!(
                parse_retry_after(value, now),
                expected.map(Duration::from_secs),
                "{value}"
            );
        }
    }
}
