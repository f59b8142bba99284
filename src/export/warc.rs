//! WARC/1.1 records, one gzip member each, written to a series of files of bounded size.
//!
//! In: record parts (type, target URI, date, extra WARC headers, an HTTP head and a body).
//! Out: `evidence.warc.gz` (or `evidence-00000.warc.gz`, `evidence-00001.warc.gz` … once the
//! first file passes the size limit) and where each record landed, for the CDXJ index.
//! Nothing here reads a clock or a random source: record ids are hashes of record content and
//! the gzip headers carry mtime 0, so the same records give the same bytes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

/// Files roll over once they pass this size (the usual limit of web archives).
pub const MAX_WARC_BYTES: u64 = 1 << 30;

/// One record before serialisation.
pub struct Record<'a> {
    /// `warcinfo`, `request`, `response` or `revisit`.
    pub kind: &'static str,
    pub target_uri: Option<&'a str>,
    /// WARC-Date, already formatted as `YYYY-MM-DDThh:mm:ssZ`.
    pub date: &'a str,
    pub record_id: String,
    pub content_type: &'static str,
    /// Further WARC headers (digests, links to other records), written in this order.
    pub headers: Vec<(&'static str, String)>,
    /// The HTTP message head (status line or request line, headers, blank line), or the
    /// `application/warc-fields` text of a warcinfo record.
    pub head: Vec<u8>,
    pub body: &'a [u8],
}

/// Where a record was written: file number, offset and length of its gzip member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub part: usize,
    pub offset: u64,
    pub length: u64,
}

/// Counts the bytes that pass through, so each gzip member's offset and length are known.
struct Counting<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The warcinfo of every file: its fields and date.
pub struct WarcInfo {
    pub date: String,
    pub fields: String,
}

/// Writes records to `evidence*.warc.gz` in `dir`, starting a new file past `max_bytes`.
pub struct WarcWriter {
    dir: PathBuf,
    max_bytes: u64,
    info: WarcInfo,
    part: usize,
    file: Counting<BufWriter<File>>,
    warcinfo_id: String,
}

/// The file name of part `part` when the package holds `parts` files: a single file is
/// `evidence.warc.gz`, a series is numbered from `evidence-00000.warc.gz`.
pub fn file_name(part: usize, parts: usize) -> String {
    if parts <= 1 {
        "evidence.warc.gz".to_string()
    } else {
        format!("evidence-{part:05}.warc.gz")
    }
}

/// Whether `name` is one of the WARC file names above.
pub fn is_warc_name(name: &str) -> bool {
    name == "evidence.warc.gz"
        || name
            .strip_prefix("evidence-")
            .and_then(|rest| rest.strip_suffix(".warc.gz"))
            .is_some_and(|n| n.len() == 5 && n.bytes().all(|b| b.is_ascii_digit()))
}

impl WarcWriter {
    /// Creates the first file and writes its warcinfo record.
    pub fn create(dir: &Path, info: WarcInfo, max_bytes: u64) -> io::Result<WarcWriter> {
        let file = open(&dir.join(file_name(0, 1)))?;
        let mut writer = WarcWriter {
            dir: dir.to_path_buf(),
            max_bytes,
            info,
            part: 0,
            file,
            warcinfo_id: String::new(),
        };
        writer.write_warcinfo()?;
        Ok(writer)
    }

    /// Writes one record and returns where it landed. `WARC-Warcinfo-ID` is added here, since
    /// only the writer knows which file (and so which warcinfo) the record goes to.
    pub fn write(&mut self, mut record: Record<'_>) -> io::Result<Placement> {
        if self.file.count >= self.max_bytes {
            self.roll()?;
        }
        record.headers.push(("WARC-Warcinfo-ID", self.warcinfo_id.clone()));
        self.write_member(&record)
    }

    /// The file being written, for error messages.
    pub fn path(&self) -> PathBuf {
        let parts = if self.part == 0 { 1 } else { 2 };
        self.dir.join(file_name(self.part, parts))
    }

    /// Flushes the last file and returns how many files were written.
    pub fn finish(mut self) -> io::Result<usize> {
        self.file.flush()?;
        Ok(self.part + 1)
    }

    fn roll(&mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.part == 0 {
            // The series is numbered from 0, so the first file takes its numbered name now.
            std::fs::rename(self.dir.join(file_name(0, 1)), self.dir.join(file_name(0, 2)))?;
        }
        self.part += 1;
        self.file = open(&self.dir.join(file_name(self.part, 2)))?;
        self.write_warcinfo()
    }

    fn write_warcinfo(&mut self) -> io::Result<()> {
        let part = self.part.to_string();
        self.warcinfo_id = record_id(&["warcinfo", &self.info.date, &part, &self.info.fields]);
        let date = self.info.date.clone();
        let record = Record {
            kind: "warcinfo",
            target_uri: None,
            date: &date,
            record_id: self.warcinfo_id.clone(),
            content_type: "application/warc-fields",
            headers: Vec::new(),
            head: self.info.fields.clone().into_bytes(),
            body: &[],
        };
        self.write_member(&record).map(|_| ())
    }

    fn write_member(&mut self, record: &Record<'_>) -> io::Result<Placement> {
        let offset = self.file.count;
        let mut gz = GzEncoder::new(&mut self.file, Compression::default());
        gz.write_all(&warc_header(record))?;
        gz.write_all(&record.head)?;
        gz.write_all(record.body)?;
        gz.write_all(b"\r\n\r\n")?;
        gz.finish()?;
        Ok(Placement {
            part: self.part,
            offset,
            length: self.file.count - offset,
        })
    }
}

fn open(path: &Path) -> io::Result<Counting<BufWriter<File>>> {
    Ok(Counting {
        inner: BufWriter::new(File::create(path)?),
        count: 0,
    })
}

/// The WARC header block of a record, ending with the blank line.
fn warc_header(record: &Record<'_>) -> Vec<u8> {
    let mut block = Sha256::new();
    block.update(&record.head);
    block.update(record.body);
    let length = record.head.len() + record.body.len();
    let mut lines = vec![
        ("WARC-Type", record.kind.to_string()),
        ("WARC-Record-ID", record.record_id.clone()),
        ("WARC-Date", record.date.to_string()),
    ];
    if let Some(uri) = record.target_uri {
        lines.push(("WARC-Target-URI", uri.to_string()));
    }
    lines.extend(record.headers.iter().cloned());
    lines.push(("Content-Type", record.content_type.to_string()));
    lines.push(("WARC-Block-Digest", digest(&block.finalize())));
    lines.push(("Content-Length", length.to_string()));
    let mut out = b"WARC/1.1\r\n".to_vec();
    for (name, value) in lines {
        out.extend_from_slice(format!("{name}: {}\r\n", one_line(&value)).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// `sha256:<lowercase hex>`, the digest form of WARC-Block-Digest and WARC-Payload-Digest.
pub fn digest(hash: &[u8]) -> String {
    format!("sha256:{}", hex::encode(hash))
}

/// A record id `<urn:uuid:…>` made from a SHA-256 of the parts, shaped as a version 4 UUID
/// (RFC 4122 bits set) so readers that check the form accept it; the same parts give the same id.
pub fn record_id(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    let mut b: [u8; 16] = hash.finalize()[..16]
        .try_into()
        .expect("a SHA-256 is longer than 16 bytes");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "<urn:uuid:{}-{}-{}-{}-{}>",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A header value on one line: stored values come from the network, and a CR or LF in one
/// would end the header block early.
pub fn one_line(value: &str) -> String {
    value.replace(['\r', '\n'], " ")
}

/// The head of a rebuilt HTTP request: request line, `Host`, the stored headers.
pub fn request_head(url: &url::Url, headers: &[(String, String)]) -> Vec<u8> {
    let mut target = url.path().to_string();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let mut out = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("host")) {
        out.push_str(&format!("{}: {}\r\n", one_line(name), one_line(value)));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// The head of a response. With a body, the headers that described the bytes on the wire
/// (compression, chunking, their length) are kept as `X-Archive-Orig-…` and the real length
/// of the stored, decoded body is given, as warcio does; without one (a 304, a rebuilt
/// redirect hop) the headers are kept as they were.
pub fn response_head(status: u16, headers: &[(String, String)], body_len: Option<usize>) -> Vec<u8> {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        let is_transport = ["content-encoding", "transfer-encoding", "content-length"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h));
        let name = if is_transport && body_len.is_some() {
            format!("X-Archive-Orig-{name}")
        } else {
            name.clone()
        };
        out.push_str(&format!("{}: {}\r\n", one_line(&name), one_line(value)));
    }
    if let Some(length) = body_len {
        out.push_str(&format!("Content-Length: {length}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_are_stable_uuids_that_differ_by_content() {
        let a = record_id(&["response", "http://x/", "2025-01-01T00:00:00Z"]);
        assert_eq!(a, record_id(&["response", "http://x/", "2025-01-01T00:00:00Z"]));
        assert_ne!(a, record_id(&["request", "http://x/", "2025-01-01T00:00:00Z"]));
        // Parts are separated, so moving a character between parts changes the id.
        assert_ne!(record_id(&["ab", "c"]), record_id(&["a", "bc"]));
        let uuid = a.trim_start_matches("<urn:uuid:").trim_end_matches('>');
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(&uuid[14..15], "4");
    }

    #[test]
    fn transport_headers_are_renamed_only_when_a_body_follows() {
        let headers = vec![
            ("Content-Encoding".to_string(), "gzip".to_string()),
            ("content-length".to_string(), "10".to_string()),
            ("Content-Type".to_string(), "text/html".to_string()),
        ];
        let with_body = String::from_utf8(response_head(200, &headers, Some(42))).unwrap();
        assert!(with_body.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(with_body.contains("X-Archive-Orig-Content-Encoding: gzip\r\n"));
        assert!(with_body.contains("X-Archive-Orig-content-length: 10\r\n"));
        assert!(with_body.contains("Content-Type: text/html\r\n"));
        assert!(with_body.ends_with("Content-Length: 42\r\n\r\n"));
        let not_modified = String::from_utf8(response_head(304, &headers, None)).unwrap();
        assert!(not_modified.starts_with("HTTP/1.1 304 Not Modified\r\n"));
        assert!(!not_modified.contains("X-Archive-Orig"));
    }

    #[test]
    fn a_request_gets_its_host_and_keeps_the_query() {
        let url = url::Url::parse("http://127.0.0.1:8080/a/b.html?x=1").unwrap();
        let head = request_head(&url, &[("Accept".to_string(), "*/*\r\nEvil: 1".to_string())]);
        assert_eq!(
            String::from_utf8(head).unwrap(),
            "GET /a/b.html?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*  Evil: 1\r\n\r\n"
        );
    }

    #[test]
    fn warc_names_are_recognised() {
        for (name, ok) in [
            ("evidence.warc.gz", true),
            ("evidence-00003.warc.gz", true),
            ("evidence-3.warc.gz", false),
            ("evidence-0000a.warc.gz", false),
            ("other.warc.gz", false),
        ] {
            assert_eq!(is_warc_name(name), ok, "{name}");
        }
        assert_eq!(file_name(0, 1), "evidence.warc.gz");
        assert_eq!(file_name(1, 2), "evidence-00001.warc.gz");
    }
}
