//! Turns stored fetches into WARC records: a request and a response per exchange (each
//! redirect hop included), a revisit for a 304 next to the response that holds its bytes,
//! and a CDXJ entry for every response and revisit.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::store::Store;

use super::ExportError;
use super::cdxj::{self, Entry, Fields};
use super::select::{self, Capture, Omission};
use super::warc::{Placement, Record, WarcWriter, digest, record_id, request_head, response_head};

/// The WARC-Profile of a revisit whose server answered 304 (WARC 1.1, section 6.7.2).
const NOT_MODIFIED: &str = "http://netpreserve.org/warc/1.1/revisit/server-not-modified";

/// A response record already written, for revisits to point to.
#[derive(Debug, Clone)]
struct Written {
    record_id: String,
    uri: String,
    date: String,
    payload_digest: String,
}

/// One HTTP exchange to write as a request and a response record.
struct Exchange<'a> {
    fetch_id: i64,
    /// The exchange's place in the fetch's redirect chain (the final one is last): part of the
    /// record ids, so a hop back to the same URL in the same second gets its own.
    hop: usize,
    uri: &'a str,
    date: &'a str,
    request_headers: &'a [(String, String)],
    status: u16,
    response_headers: &'a [(String, String)],
    body: &'a [u8],
    mime: &'a str,
}

/// The records written so far and what the index and summary need of them.
pub struct Package<'s> {
    store: &'s Store,
    pub writer: WarcWriter,
    /// Fetch id -> its final response record.
    responses: BTreeMap<i64, Written>,
    /// Index entries with the file part they are in; names are given once the parts are known.
    pub index: Vec<(usize, Entry)>,
    pub records: usize,
    pub revisits: usize,
    /// Earlier responses written because a revisit refers to them.
    pub originals: usize,
    pub omitted: Vec<Omission>,
}

impl<'s> Package<'s> {
    pub fn new(store: &'s Store, writer: WarcWriter) -> Package<'s> {
        Package {
            store,
            writer,
            responses: BTreeMap::new(),
            index: Vec::new(),
            // The first file's warcinfo.
            records: 1,
            revisits: 0,
            originals: 0,
            omitted: Vec::new(),
        }
    }

    /// Writes one fetch; a 304 becomes a revisit after the response it refers to.
    /// Returns whether anything was written for it.
    pub async fn add(&mut self, fetch_id: i64) -> Result<bool, ExportError> {
        if self.responses.contains_key(&fetch_id) {
            return Ok(true);
        }
        let capture = select::load(self.store, fetch_id).await?;
        if capture.status.is_none() {
            self.omitted.push(Omission {
                url: capture.url.clone(),
                reason: "抓取时没有收到服务器响应".to_string(),
            });
            return Ok(false);
        }
        // A response whose body was not kept (over the crawl's body cap, or cut off while it
        // was read) cannot be archived as what the server sent: an empty 200 would be false.
        if capture.status.is_some_and(|s| (200..300).contains(&s)) && capture.sha256.is_none() {
            self.omitted.push(Omission {
                url: capture.url.clone(),
                reason: "响应体超过抓取上限或未能完整读取，未予保存，无法如实存档（响应头与大小记录在存储中）"
                    .to_string(),
            });
            return Ok(false);
        }
        if capture.status == Some(304)
            && capture.sha256.is_some()
            && let Some(original_id) = select::original_of(self.store, &capture).await?
        {
            if !self.responses.contains_key(&original_id) {
                let original = select::load(self.store, original_id).await?;
                self.add_capture(&original).await?;
                self.originals += 1;
            }
            let original = self.responses[&original_id].clone();
            self.add_revisit(&capture, &original)?;
            return Ok(true);
        }
        if capture.status == Some(304) {
            // A 304 whose original response is not in the store cannot be archived honestly:
            // a "304 Not Modified" with a body is not HTTP.
            self.omitted.push(Omission {
                url: capture.url.clone(),
                reason: "服务器答复304未修改，但存储中没有此前的完整响应".to_string(),
            });
            return Ok(false);
        }
        self.add_capture(&capture).await?;
        Ok(true)
    }

    /// The redirect hops (rebuilt from status and Location), then the final exchange with the
    /// stored body.
    async fn add_capture(&mut self, capture: &Capture) -> Result<(), ExportError> {
        let date = warc_date(&capture.fetched_at, capture.id)?;
        let later_headers = without_conditionals(&capture.request_headers);
        for (i, hop) in capture.redirects.iter().enumerate() {
            let location: Vec<(String, String)> = hop
                .location
                .iter()
                .map(|l| ("Location".to_string(), l.clone()))
                .collect();
            self.add_exchange(&Exchange {
                fetch_id: capture.id,
                hop: i,
                uri: &hop.url,
                date: &date,
                request_headers: if i == 0 {
                    &capture.request_headers
                } else {
                    &later_headers
                },
                status: hop.status,
                response_headers: &location,
                body: &[],
                mime: "unk",
            })?;
        }
        let body = match &capture.sha256 {
            Some(sha256) => self.store.body(sha256).await?.ok_or_else(|| ExportError::BadFetch {
                fetch_id: capture.id,
                reason: format!("its body `{sha256}` is not in the store"),
            })?,
            None => Vec::new(),
        };
        let mime = capture
            .content_type
            .as_deref()
            .and_then(|c| c.split(';').next())
            .map(|c| c.trim().to_lowercase())
            .unwrap_or_else(|| "unk".to_string());
        let written = self.add_exchange(&Exchange {
            fetch_id: capture.id,
            hop: capture.redirects.len(),
            uri: &capture.final_url,
            date: &date,
            request_headers: if capture.redirects.is_empty() {
                &capture.request_headers
            } else {
                &later_headers
            },
            status: capture.status.unwrap_or(0),
            response_headers: &capture.response_headers,
            body: &body,
            mime: &mime,
        })?;
        self.responses.insert(capture.id, written);
        Ok(())
    }

    fn add_exchange(&mut self, exchange: &Exchange<'_>) -> Result<Written, ExportError> {
        let payload_digest = digest(&Sha256::digest(exchange.body));
        let fetch = format!("{}/{}", exchange.fetch_id, exchange.hop);
        let request_id = record_id(&["request", exchange.uri, exchange.date, &fetch]);
        let response_id = record_id(&["response", exchange.uri, exchange.date, &payload_digest, &fetch]);
        let url = url::Url::parse(exchange.uri).map_err(|e| ExportError::BadFetch {
            fetch_id: exchange.fetch_id,
            reason: format!("`{}` is not a URL: {e}", exchange.uri),
        })?;
        self.write(Record {
            kind: "request",
            target_uri: Some(exchange.uri),
            date: exchange.date,
            record_id: request_id.clone(),
            content_type: "application/http;msgtype=request",
            headers: vec![("WARC-Concurrent-To", response_id.clone())],
            head: request_head(&url, exchange.request_headers),
            body: &[],
        })?;
        let placement = self.write(Record {
            kind: "response",
            target_uri: Some(exchange.uri),
            date: exchange.date,
            record_id: response_id.clone(),
            content_type: "application/http;msgtype=response",
            headers: vec![
                ("WARC-Payload-Digest", payload_digest.clone()),
                ("WARC-Concurrent-To", request_id),
            ],
            head: response_head(exchange.status, exchange.response_headers, Some(exchange.body.len())),
            body: exchange.body,
        })?;
        self.index_entry(
            exchange.uri,
            exchange.date,
            exchange.mime,
            exchange.status,
            &payload_digest,
            placement,
        );
        Ok(Written {
            record_id: response_id,
            uri: exchange.uri.to_string(),
            date: exchange.date.to_string(),
            payload_digest,
        })
    }

    /// A 304: the conditional request, and a revisit that names the response holding the bytes.
    fn add_revisit(&mut self, capture: &Capture, original: &Written) -> Result<(), ExportError> {
        let date = warc_date(&capture.fetched_at, capture.id)?;
        let fetch = capture.id.to_string();
        let uri = capture.final_url.as_str();
        let request_id = record_id(&["request", uri, &date, &fetch]);
        let revisit_id = record_id(&["revisit", uri, &date, &original.payload_digest, &fetch]);
        let url = url::Url::parse(uri).map_err(|e| ExportError::BadFetch {
            fetch_id: capture.id,
            reason: format!("`{uri}` is not a URL: {e}"),
        })?;
        self.write(Record {
            kind: "request",
            target_uri: Some(uri),
            date: &date,
            record_id: request_id.clone(),
            content_type: "application/http;msgtype=request",
            headers: vec![("WARC-Concurrent-To", revisit_id.clone())],
            head: request_head(&url, &capture.request_headers),
            body: &[],
        })?;
        let placement = self.write(Record {
            kind: "revisit",
            target_uri: Some(uri),
            date: &date,
            record_id: revisit_id,
            content_type: "application/http;msgtype=response",
            headers: vec![
                ("WARC-Payload-Digest", original.payload_digest.clone()),
                ("WARC-Profile", NOT_MODIFIED.to_string()),
                ("WARC-Refers-To", original.record_id.clone()),
                ("WARC-Refers-To-Target-URI", original.uri.clone()),
                ("WARC-Refers-To-Date", original.date.clone()),
                ("WARC-Concurrent-To", request_id),
            ],
            head: response_head(304, &capture.response_headers, None),
            body: &[],
        })?;
        self.index_entry(uri, &date, "warc/revisit", 304, &original.payload_digest, placement);
        self.revisits += 1;
        Ok(())
    }

    fn write(&mut self, record: Record<'_>) -> Result<Placement, ExportError> {
        let placement = self.writer.write(record).map_err(|source| ExportError::Io {
            path: self.writer.path(),
            source,
        })?;
        self.records += 1;
        Ok(placement)
    }

    fn index_entry(&mut self, uri: &str, date: &str, mime: &str, status: u16, digest: &str, at: Placement) {
        let entry = Entry {
            key: cdxj::surt(uri),
            timestamp: date.chars().filter(char::is_ascii_digit).collect(),
            fields: Fields {
                url: uri.to_string(),
                mime: mime.to_string(),
                status: status.to_string(),
                digest: digest.to_string(),
                length: at.length,
                offset: at.offset,
                filename: String::new(),
            },
        };
        self.index.push((at.part, entry));
    }
}

/// The request headers of a later redirect hop: conditional headers went with the first only.
fn without_conditionals(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| {
            !name.eq_ignore_ascii_case("if-none-match") && !name.eq_ignore_ascii_case("if-modified-since")
        })
        .cloned()
        .collect()
}

/// A stored RFC 3339 time as a WARC-Date, `YYYY-MM-DDThh:mm:ssZ` in UTC.
pub fn warc_date(text: &str, fetch_id: i64) -> Result<String, ExportError> {
    let time: DateTime<Utc> = DateTime::parse_from_rfc3339(text)
        .map_err(|e| ExportError::BadFetch {
            fetch_id,
            reason: format!("time `{text}` is not RFC 3339: {e}"),
        })?
        .with_timezone(&Utc);
    Ok(time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_become_warc_dates_in_utc() {
        assert_eq!(
            warc_date("2026-11-26T13:44:34.370Z", 1).unwrap(),
            "2026-11-26T13:44:34Z"
        );
        assert_eq!(
            warc_date("2026-11-26T21:44:34+08:00", 1).unwrap(),
            "2026-11-26T13:44:34Z"
        );
        assert!(warc_date("yesterday", 7).unwrap_err().to_string().contains("fetch 7"));
    }
}
