//! Fetch tasks: one robots.txt or one frontier URL each. A task follows redirects by hand
//! (pacing and checking every hop), reports its host's health to the scheduler as soon as the
//! network part is over, then — off the async threads — hashes, compresses and scans the body,
//! and sends one complete record to the store writer.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use governor::clock::Clock as _;
use reqwest::header::{HeaderName, IF_MODIFIED_SINCE, IF_NONE_MATCH};
use sha2::{Digest, Sha256};
use url::Url;

use super::discover::{self, FoundLink, LinkKind};
use super::fetch::{self, FetchError, RawResponse};
use super::politeness::{HostPacer, MonotonicClock};
use super::robots::{MAX_ROBOTS_BYTES, RobotsPolicy};
use super::scope::{ParentShape, origin_of, redirect_too_long};
use super::{Context, Event, Health};
use crate::extract::encoding;
use crate::extract::kind::classify;
use crate::store::{ClaimedUrl, HostUpdate, NewFetch, NewLink, NewUrl, WriteOp};

type Pacer = Arc<Mutex<HostPacer<MonotonicClock>>>;

/// Whether the URL is an attachment (evidence: fetched, stored, never scanned for links) or a
/// page, before anything is fetched. The rule is extraction's `kind::classify`, so crawl,
/// extract and inspect agree.
pub fn url_kind(url: &Url) -> &'static str {
    classify(url, None, &[]).as_str()
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data always serialises")
}

/// Waits for the host's next slot (redirect hops are paced like any request).
async fn wait_turn(pacer: &Pacer, clock: &MonotonicClock) {
    loop {
        let wait = match pacer.lock().expect("pacer lock").try_acquire() {
            Ok(()) => return,
            Err(wait) => wait,
        };
        tokio::time::sleep_until(clock.instant_at(clock.now() + wait)).await;
    }
}

#[derive(Debug, serde::Serialize)]
struct Hop {
    url: String,
    status: u16,
    location: Option<String>,
}

/// Why a redirect chain ended before a final response.
enum Stop {
    /// A redirect left alone (another host, a loop, robots.txt …): the redirect is the outcome.
    NotFollowed(String),
    /// A target refused outright: a failed fetch, and a permanent one (the same redirect would
    /// come back on every try).
    Refused(String),
}

impl Stop {
    fn reason(&self) -> &str {
        match self {
            Stop::NotFollowed(reason) | Stop::Refused(reason) => reason,
        }
    }
}

/// The result of following a URL through its redirects.
struct Exchange {
    final_url: Url,
    response: Result<RawResponse, FetchError>,
    hops: Vec<Hop>,
    /// Set when the chain stopped at a redirect we did not follow.
    stopped: Option<Stop>,
    /// A redirect target left to the frontier (another in-scope host).
    handed_over: Option<Url>,
    request_headers: Vec<(String, String)>,
}

/// GETs `url`, following up to `max_hops` same-origin redirects that robots.txt allows.
async fn exchange(
    context: &Context,
    url: &Url,
    conditional: &[(HeaderName, String)],
    pacer: &Pacer,
    policy: Option<&RobotsPolicy>,
    max_hops: usize,
    max_bytes: u64,
) -> Exchange {
    let request_headers = fetch::request_headers_record(&context.settings.http, conditional);
    let mut current = url.clone();
    let mut hops: Vec<Hop> = Vec::new();
    let mut seen: HashSet<String> = HashSet::from([current.to_string()]);
    loop {
        let headers: &[(HeaderName, String)] = if hops.is_empty() { conditional } else { &[] };
        let response = fetch::get(&context.client, &current, headers, max_bytes).await;
        let location = match &response {
            Ok(r) => r.redirect_location().map(str::to_string),
            Err(_) => None,
        };
        let Some(location) = location else {
            return Exchange {
                final_url: current,
                response,
                hops,
                stopped: None,
                handed_over: None,
                request_headers,
            };
        };
        let status = response.as_ref().map(|r| r.status).unwrap_or(0);
        hops.push(Hop {
            url: current.to_string(),
            status,
            location: Some(location.clone()),
        });
        let stop = |reason: Stop, handed_over: Option<Url>, hops: Vec<Hop>, current: Url, response| Exchange {
            final_url: current,
            response,
            hops,
            stopped: Some(reason),
            handed_over,
            request_headers: request_headers.clone(),
        };
        let Some(target) = context.canonicalizer.resolve(&current, &location) else {
            return stop(
                Stop::NotFollowed(format!("redirect to an unusable location `{location}`")),
                None,
                hops,
                current,
                response,
            );
        };
        if let Some(reason) = redirect_too_long(&target, context.settings.traps.max_url_length) {
            return stop(Stop::Refused(reason), None, hops, current, response);
        }
        if !seen.insert(target.to_string()) {
            return stop(
                Stop::NotFollowed(format!("redirect loop at `{target}`")),
                None,
                hops,
                current,
                response,
            );
        }
        if hops.len() > max_hops {
            return stop(
                Stop::NotFollowed(format!("more than {max_hops} redirects")),
                None,
                hops,
                current,
                response,
            );
        }
        if !context.scope.contains(&target) {
            return stop(
                Stop::NotFollowed(format!("redirect leaves the crawl scope: `{target}`")),
                None,
                hops,
                current,
                response,
            );
        }
        if origin_of(&target) != origin_of(&current) {
            // Another in-scope host: its own robots.txt and pacing apply, so queue it there.
            return stop(
                Stop::NotFollowed(format!("redirect to another host: `{target}`")),
                Some(target),
                hops,
                current,
                response,
            );
        }
        if let Some(policy) = policy
            && !policy.is_allowed(&context.agent, target.as_str())
        {
            return stop(
                Stop::NotFollowed(format!("redirect target disallowed by robots.txt: `{target}`")),
                None,
                hops,
                current,
                response,
            );
        }
        wait_turn(pacer, &context.clock).await;
        current = target;
    }
}

/// Fetches and records an origin's robots.txt, then tells the scheduler what it allows.
pub(super) async fn fetch_robots(context: Arc<Context>, origin: String, pacer: Pacer) {
    let url = match Url::parse(&format!("{origin}/robots.txt")) {
        Ok(url) => url,
        Err(e) => {
            let _ = context.events.send(Event::Robots {
                origin,
                policy: None,
                problem: Some(e.to_string()),
            });
            return;
        }
    };
    // RFC 9309 §2.3.1.2: follow at least five redirects.
    let ex = exchange(&context, &url, &[], &pacer, None, 5, MAX_ROBOTS_BYTES as u64 * 4).await;
    let (status, body) = match &ex.response {
        Ok(r) if ex.stopped.is_none() => (Some(r.status), r.body.clone()),
        _ => (None, Vec::new()),
    };
    let policy = RobotsPolicy::from_response(status, &body, &context.agent);
    let body_text = String::from_utf8_lossy(&body[..body.len().min(MAX_ROBOTS_BYTES)]).into_owned();
    let fetched_ms = chrono::Utc::now().timestamp_millis();
    let mut record = base_record(&context, 0, &url, &ex);
    record.origin = origin.clone();
    record.kind = "robots";
    record.url_state = "done";
    record.change = if status == Some(200) { "new" } else { "error" };
    if let Ok(r) = &ex.response {
        attach_body(&mut record, &r.body, None);
    }
    let mut messages = vec![WriteOp::Record(Box::new(record))];
    messages.push(WriteOp::Host(HostUpdate {
        origin: origin.clone(),
        robots_status: status.map(i64::from),
        robots_body: Some(body_text),
        robots_fetched_ms: Some(fetched_ms),
        crawl_delay_ms: policy
            .crawl_delay
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        updates_robots: true,
        ..HostUpdate::default()
    }));
    // Sitemap lines are a discovery source (RFC 9309 §2.3.5).
    let sitemaps: Vec<NewUrl> = policy
        .sitemaps
        .iter()
        .filter_map(|s| context.canonicalizer.resolve(&url, s))
        .filter(|s| context.scope.contains(s))
        .map(|s| NewUrl {
            origin: origin_of(&s),
            url: s.to_string(),
            kind: "sitemap",
            depth: 1,
            calendar_steps: 0,
        })
        .collect();
    if !sitemaps.is_empty() {
        messages.push(WriteOp::AddUrls {
            site_id: context.site_id,
            from_url_id: None,
            urls: sitemaps,
        });
    }
    for message in messages {
        if context.writer.send(message).await.is_err() {
            break;
        }
    }
    // What went wrong, for the message that pauses the host: the connection error itself.
    let problem = match (&ex.response, status) {
        (Err(e), _) => Some(e.to_string()),
        (Ok(_), Some(code)) if policy.is_unavailable() => Some(format!("HTTP {code}")),
        _ => ex.stopped.as_ref().map(|stop| stop.reason().to_string()),
    };
    let policy = (!policy.is_unavailable()).then_some(policy);
    let _ = context.events.send(Event::Robots {
        origin,
        policy,
        problem,
    });
}

/// A fetch record filled with what every outcome shares.
fn base_record(context: &Context, url_id: i64, url: &Url, ex: &Exchange) -> NewFetch {
    let (status, headers, elapsed, error) = match &ex.response {
        Ok(r) => (
            Some(i64::from(r.status)),
            r.headers.clone(),
            r.elapsed,
            ex.stopped.as_ref().map(|s| s.reason().to_string()),
        ),
        // Over the body cap: the response arrived and is recorded; only its body is dropped
        // (the error names the size: Content-Length, or the bytes read before the cap).
        Err(e @ FetchError::TooLarge { head, .. }) => (
            Some(i64::from(head.status)),
            head.headers.clone(),
            head.elapsed,
            Some(e.to_string()),
        ),
        Err(e) => (None, Vec::new(), Duration::ZERO, Some(e.to_string())),
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    NewFetch {
        site_id: context.site_id,
        run_id: context.run_id,
        url_id,
        origin: origin_of(url),
        kind: "page",
        url: url.to_string(),
        final_url: ex.final_url.to_string(),
        fetched_at: now_text(),
        elapsed_ms: i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
        status,
        error,
        change: "error",
        redirects_json: json(&ex.hops),
        request_headers_json: json(&ex.request_headers),
        response_headers_json: json(&headers),
        etag: header("etag"),
        last_modified: header("last-modified"),
        content_type: header("content-type"),
        url_state: "done",
        ..NewFetch::default()
    }
}

fn attach_body(record: &mut NewFetch, body: &[u8], known_sha: Option<&str>) {
    let sha = hex::encode(Sha256::digest(body));
    record.body_size = Some(i64::try_from(body.len()).unwrap_or(i64::MAX));
    if known_sha != Some(sha.as_str()) {
        record.compressed_body = Some(crate::store::compress_body(body));
    }
    record.sha256 = Some(sha);
}

/// Fetches one frontier URL and records everything about it.
pub(super) async fn fetch_url(context: Arc<Context>, claimed: ClaimedUrl, pacer: Pacer, policy: Arc<RobotsPolicy>) {
    match Url::parse(&claimed.url) {
        Ok(url) => fetch_and_record(&context, &claimed, &url, &pacer, &policy).await,
        Err(e) => {
            let _ = context.events.send(Event::HostDone {
                origin: claimed.origin.clone(),
                health: Health::Neutral,
            });
            let _ = context
                .writer
                .send(WriteOp::Block {
                    url_id: claimed.id,
                    reason: format!("unparsable url: {e}"),
                })
                .await;
        }
    }
}

async fn fetch_and_record(
    context: &Arc<Context>,
    claimed: &ClaimedUrl,
    url: &Url,
    pacer: &Pacer,
    policy: &RobotsPolicy,
) {
    let mut conditional = Vec::new();
    if claimed.last_status == Some(200) && claimed.last_sha256.is_some() {
        if let Some(etag) = &claimed.etag {
            conditional.push((IF_NONE_MATCH, etag.clone()));
        }
        if let Some(modified) = &claimed.last_modified {
            conditional.push((IF_MODIFIED_SINCE, modified.clone()));
        }
    }
    let max_bytes = context.settings.http.max_body_bytes;
    let mut ex = exchange(context, url, &conditional, pacer, Some(policy), 10, max_bytes).await;
    let mut record = base_record(context, claimed.id, url, &ex);
    record.kind = if claimed.kind == "sitemap" {
        "sitemap"
    } else {
        url_kind(url)
    };
    let attempts = claimed.attempts + 1;
    record.attempts = attempts;
    let may_retry = attempts < context.settings.max_attempts;
    let jitter: f64 = rand::random_range(0.5..1.5);
    let retry_in =
        |wait: Duration| chrono::Utc::now().timestamp_millis() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);

    let mut health = Health::Good;
    let response = match &mut ex.response {
        Err(error) => {
            let retryable = error.is_retryable();
            health = if retryable { Health::Failed } else { Health::Neutral };
            if retryable {
                let wait = pacer.lock().expect("pacer lock").on_failure(attempts as u32, jitter);
                if may_retry {
                    record.url_state = "queued";
                    record.next_try_ms = retry_in(wait);
                } else {
                    record.url_state = "failed";
                }
            } else {
                record.url_state = "failed";
            }
            None
        }
        Ok(r) => Some(r),
    };
    let mut body_for_scan: Option<(Vec<u8>, Url)> = None;
    // Hashing and compressing wait until the host is free for its next request: the body to
    // keep, and the digest it had last time (no need to store it again when unchanged).
    let mut keep_body: Option<Option<&str>> = None;
    let mut fresh = false;
    if let Some(r) = response {
        match r.status {
            429 | 503 => {
                health = Health::Throttled;
                let retry_after = r
                    .header("retry-after")
                    .and_then(|v| fetch::parse_retry_after(v, SystemTime::now()));
                let wait = pacer
                    .lock()
                    .expect("pacer lock")
                    .on_throttled(retry_after, attempts as u32, jitter);
                record.change = "error";
                record.error = Some(format!(
                    "HTTP {} (server asked to wait {:.1}s)",
                    r.status,
                    wait.as_secs_f64()
                ));
                if may_retry {
                    record.url_state = "queued";
                    record.next_try_ms = retry_in(wait);
                } else {
                    record.url_state = "failed";
                }
            }
            500..=599 => {
                health = Health::Failed;
                let wait = pacer.lock().expect("pacer lock").on_failure(attempts as u32, jitter);
                record.change = "error";
                record.error = Some(format!("HTTP {}", r.status));
                if may_retry {
                    record.url_state = "queued";
                    record.next_try_ms = retry_in(wait);
                } else {
                    record.url_state = "failed";
                }
                keep_body = Some(None);
            }
            304 => {
                record.change = "unchanged";
                record.sha256 = claimed.last_sha256.clone();
                record.etag = record.etag.clone().or(claimed.etag.clone());
                record.last_modified = record.last_modified.clone().or(claimed.last_modified.clone());
            }
            200..=299 => {
                if record.kind == "page" {
                    // What came back may say more than the URL did (a PDF from `download?id=5`).
                    record.kind = classify(&ex.final_url, record.content_type.as_deref(), &r.body).as_str();
                }
                keep_body = Some(claimed.last_sha256.as_deref());
                fresh = true;
                record.updates_validators = true;
                body_for_scan = Some((std::mem::take(&mut r.body), ex.final_url.clone()));
            }
            404 | 410 => {
                // A page that was there before and is gone now is a compliance event; one
                // that was gone last time too may still have been there once (checked below).
                record.change = if matches!(claimed.last_status, Some(200..=299)) {
                    "removed"
                } else {
                    "missing"
                };
                record.updates_validators = true;
                keep_body = Some(None);
                record.etag = None;
                record.last_modified = None;
            }
            300..=399 => {
                record.change = "redirect";
                health = Health::Good;
            }
            _ => {
                // 401/403 and friends: often a WAF. Not retried, but they count against the host.
                record.change = "error";
                record.error = Some(format!("HTTP {}", r.status));
                if r.status == 403 {
                    health = Health::Failed;
                }
                keep_body = Some(None);
            }
        }
    }
    if let Some(Stop::Refused(_)) = &ex.stopped {
        record.change = "error";
        record.url_state = "failed";
        health = Health::Neutral;
    }
    if let Some(target) = &ex.handed_over {
        record.new_urls.push(NewUrl {
            url: target.to_string(),
            origin: origin_of(target),
            kind: url_kind(target),
            depth: claimed.depth,
            calendar_steps: 0,
        });
        record.links.push(NewLink {
            to_url: target.to_string(),
            anchor: None,
            kind: LinkKind::Redirect.as_str(),
            is_in_scope: true,
            skipped: None,
        });
    }
    // The network part is over: free the host for its next request before the CPU work.
    let origin = claimed.origin.clone();
    let _ = context.events.send(Event::HostDone {
        origin: origin.clone(),
        health,
    });
    // The rest is CPU work on the body and a write: it runs on the background runtime.
    let (body, scan_url) = match body_for_scan {
        Some((body, final_url)) => (body, Some(final_url)),
        None => match (&mut ex.response, keep_body) {
            (Ok(r), Some(_)) => (std::mem::take(&mut r.body), None),
            _ => (Vec::new(), None),
        },
    };
    let finish = Finish {
        keep: keep_body.map(|known| known.map(str::to_string)),
        fresh,
        body,
        scan_url,
    };
    let work = finish_record(context.clone(), claimed.clone(), record, finish);
    // Awaited so that the crawl's task set ends only when the record is written.
    let _ = context.background.spawn(work).await;
}

/// What is left to do with a response once its host is free.
struct Finish {
    /// Hash (and compress) the body; the digest it had last time, if any.
    keep: Option<Option<String>>,
    /// A 2xx answer: new, changed or unchanged by its digest.
    fresh: bool,
    body: Vec<u8>,
    /// Scan the body for links, resolved against this URL.
    scan_url: Option<Url>,
}

/// Bodies up to this size are scanned on the runtime's own thread; larger ones on the
/// blocking pool, so that the writer never waits behind one huge page.
const SCAN_IN_PLACE_BYTES: usize = 256 * 1024;

async fn finish_record(context: Arc<Context>, claimed: ClaimedUrl, mut record: NewFetch, finish: Finish) {
    if let Some(known_sha) = &finish.keep {
        attach_body(&mut record, &finish.body, known_sha.as_deref());
        if finish.fresh {
            record.change = match (&claimed.last_sha256, claimed.last_status) {
                (Some(old), Some(200..=299)) if Some(old) == record.sha256.as_ref() => "unchanged",
                (Some(_), Some(200..=299)) => "changed",
                _ => "new",
            };
        }
    }
    // Gone last run and gone now: "missing" means linked but never seen, which is not so
    // when an earlier run fetched the page. Nothing changed since the run that recorded the
    // removal, so the fetch counts as unchanged. (A store error here means the writer has
    // stopped, and the record below cannot be written either.)
    if record.change == "missing"
        && matches!(claimed.last_status, Some(404 | 410))
        && context.writer.has_answered_ok(claimed.id).await.unwrap_or(false)
    {
        record.change = "unchanged";
    }
    if let Some(final_url) = finish.scan_url {
        let content_type = record.content_type.clone();
        let kind = record.kind;
        let scanned = if finish.body.len() <= SCAN_IN_PLACE_BYTES {
            Some(scan_body(
                &context,
                &claimed,
                kind,
                &final_url,
                &finish.body,
                content_type.as_deref(),
            ))
        } else {
            let context = context.clone();
            let claimed = claimed.clone();
            let body = finish.body;
            tokio::task::spawn_blocking(move || {
                scan_body(&context, &claimed, kind, &final_url, &body, content_type.as_deref())
            })
            .await
            .ok()
        };
        if let Some(scan) = scanned {
            record.encoding = scan.encoding;
            record.encoding_source = scan.encoding_source;
            record.links.extend(scan.links);
            record.new_urls.extend(scan.new_urls);
            if let Some(note) = scan.note {
                record.error = Some(note);
            }
        }
    }
    let _ = context.writer.send(WriteOp::Record(Box::new(record))).await;
}

#[derive(Default)]
struct Scan {
    encoding: Option<String>,
    encoding_source: Option<String>,
    links: Vec<NewLink>,
    new_urls: Vec<NewUrl>,
    note: Option<String>,
}

fn is_markup(content_type: Option<&str>, body: &[u8]) -> (bool, bool) {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let head = &body[..body.len().min(512)];
    let starts_with_markup = head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    let is_xml = ct.contains("xml") || (ct.is_empty() && head.starts_with(b"<?xml"));
    let is_html =
        ct.contains("html") || (!is_xml && (ct.is_empty() || ct.starts_with("text/plain")) && starts_with_markup);
    (is_html, is_xml)
}

/// Decodes the body and turns every link in it into link rows and frontier entries.
fn scan_body(
    context: &Context,
    claimed: &ClaimedUrl,
    kind: &str,
    final_url: &Url,
    body: &[u8],
    content_type: Option<&str>,
) -> Scan {
    let mut scan = Scan::default();
    if kind == "attachment" {
        return scan;
    }
    let (is_html, is_xml) = is_markup(content_type, body);
    let mut found: Vec<FoundLink> = Vec::new();
    let mut base = final_url.clone();
    let mut page_encoding = encoding_rs::UTF_8;
    if kind == "sitemap" {
        let entries = super::sitemap::parse_sitemap(body);
        scan.note = entries.error;
        found.extend(entries.sitemaps.into_iter().map(|href| FoundLink {
            href,
            anchor: None,
            kind: LinkKind::Sitemap,
        }));
        found.extend(entries.pages.into_iter().map(|href| FoundLink {
            href,
            anchor: None,
            kind: LinkKind::A,
        }));
    } else if is_html || is_xml {
        let decoded = encoding::decode(body, content_type);
        scan.encoding = Some(decoded.encoding.name().to_string());
        scan.encoding_source = Some(decoded.source_label());
        page_encoding = decoded.encoding;
        if is_xml || decoded.text.trim_start().starts_with("<datastore") {
            found = discover::hanweb_dataproxy_links(&decoded.text, final_url);
        } else {
            let (base_href, links) = discover::html_links(&decoded.text, final_url);
            if let Some(b) = base_href.and_then(|b| final_url.join(&b).ok()) {
                base = b;
            }
            found = links;
        }
    } else {
        return scan;
    }
    let page_url = Url::parse(&claimed.url).unwrap_or_else(|_| final_url.clone());
    let parent = ParentShape::new(&page_url, claimed.calendar_steps);
    let mut seen: HashSet<String> = HashSet::new();
    let mut traps = context.traps.lock().expect("trap lock");
    for link in found {
        let resolved = if link.kind == LinkKind::Paging || link.kind == LinkKind::Sitemap {
            context.canonicalizer.resolve(&base, &link.href)
        } else {
            context.canonicalizer.resolve_in(&base, &link.href, page_encoding)
        };
        let Some(target) = resolved else { continue };
        let target_text = target.to_string();
        if !seen.insert(target_text.clone()) || target_text == claimed.url {
            continue;
        }
        let is_in_scope = context.scope.contains(&target);
        let mut skipped = None;
        if is_in_scope && !traps.is_known(&target) {
            let is_paging = link.kind == LinkKind::Paging;
            let depth = if is_paging { claimed.depth } else { claimed.depth + 1 };
            match traps.check(&target, depth, &parent, is_paging) {
                Ok(calendar_steps) => scan.new_urls.push(NewUrl {
                    origin: origin_of(&target),
                    kind: if link.kind == LinkKind::Sitemap {
                        "sitemap"
                    } else {
                        url_kind(&target)
                    },
                    url: target_text.clone(),
                    depth,
                    calendar_steps,
                }),
                Err(reason) => skipped = Some(reason.as_str().to_string()),
            }
        }
        scan.links.push(NewLink {
            to_url: target_text,
            anchor: link.anchor,
            kind: link.kind.as_str(),
            is_in_scope,
            skipped,
        });
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_kinds() {
        let cases = [
            ("http://a.gov.cn/attach/2025/x.PDF", "attachment"),
            ("http://a.gov.cn/a/b.xlsx?v=1", "attachment"),
            (
                "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=1a2b.pdf",
                "attachment",
            ),
            (
                "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=1a2b.html",
                "page",
            ),
            ("http://a.gov.cn/art/2025/3/5/art_1_2.html", "page"),
            ("http://a.gov.cn/robots.txt", "page"),
        ];
        for (url, kind) in cases {
            assert_eq!(url_kind(&Url::parse(url).unwrap()), kind, "{url}");
        }
    }

    #[test]
    fn markup_sniffing() {
        let cases = [
            (Some("text/html"), &b"x"[..], (true, false)),
            (Some("text/xml;charset=utf-8"), b"<datastore>", (false, true)),
            (None, b"  <html>", (true, false)),
            (None, b"<?xml version='1.0'?><urlset/>", (false, true)),
            (Some("application/pdf"), b"%PDF-1.4", (false, false)),
        ];
        for (ct, body, expected) in cases {
            assert_eq!(is_markup(ct, body), expected, "{ct:?}");
        }
    }
}
