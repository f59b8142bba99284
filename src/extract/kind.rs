//! Page or attachment: the one decision the crawler (what to scan for links), the extract stage
//! (which reader) and `zwgk inspect` share.
//!
//! In: the URL, the Content-Type when there is one, and the first bytes of the body (empty
//! before fetching). Out: [`BodyKind`]. An attachment is evidence (a 公文 PDF, a 预算 xls, a
//! csv): it is stored, read for text and tables, and never scanned for links. The decision only
//! grows with what is known: whatever the URL alone calls an attachment stays one once the
//! body is in, so a URL queued as an attachment is never re-read as a page.
//! Must not: look further than the first bytes, or do I/O.

use url::Url;

/// What a body is, for the crawler and the readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// A web page (HTML, or the XML of a Hanweb `dataproxy.jsp` list).
    Page,
    /// A document: pdf, doc(x), xls(x), wps, et, ofd, zip, rar, 7z, csv, txt …
    Attachment,
}

impl BodyKind {
    /// The name stored in `urls.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            BodyKind::Page => "page",
            BodyKind::Attachment => "attachment",
        }
    }
}

/// File extensions that mark a link as an attachment.
pub const ATTACHMENT_EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "zip", "rar", "7z", "ppt", "pptx", "ofd", "csv", "txt",
];

/// The attachment extension of a URL: from its path, or from the `filename` parameter of a
/// Hanweb download servlet (`downfile.jsp?filename=1a2b.pdf`).
pub fn attachment_ext(url: &Url) -> Option<String> {
    let path = url.path().to_ascii_lowercase();
    if path.ends_with("/robots.txt") {
        return None;
    }
    let ext_of = |name: &str| {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_string())?;
        ATTACHMENT_EXTENSIONS.contains(&ext.as_str()).then_some(ext)
    };
    if let Some(ext) = ext_of(&path) {
        return Some(ext);
    }
    if path.ends_with(".jsp") || path.ends_with(".do") || path.ends_with(".aspx") || path.ends_with(".php") {
        return url
            .query_pairs()
            .find(|(k, _)| k.eq_ignore_ascii_case("filename") || k.eq_ignore_ascii_case("file"))
            .and_then(|(_, v)| ext_of(&v.to_ascii_lowercase()));
    }
    None
}

/// Whether the first bytes are a document format's signature: PDF (readers accept junk before
/// `%PDF-` in the first KB), zip containers (xlsx, docx, ofd, wps), OLE2 (xls, doc, et), RAR,
/// 7z, RTF.
pub fn is_document_bytes(first_bytes: &[u8]) -> bool {
    let head = first_bytes.get(..1024).unwrap_or(first_bytes);
    first_bytes.starts_with(b"%PDF")
        || head.windows(5).any(|w| w == b"%PDF-")
        || first_bytes.starts_with(b"PK\x03\x04")
        || first_bytes.starts_with(b"PK\x05\x06")
        || first_bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
        || first_bytes.starts_with(b"Rar!")
        || first_bytes.starts_with(&[b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C])
        || first_bytes.starts_with(b"{\\rtf")
}

/// Whether the first non-blank byte opens markup (`<html`, `<?xml`, `<!DOCTYPE` …).
fn starts_with_markup(first_bytes: &[u8]) -> bool {
    let text = first_bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first_bytes);
    text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// Whether a Content-Type names a document. A download servlet's `application/octet-stream`
/// counts unless the body is markup (an error page sent with the download's type).
fn is_document_type(content_type: &str, first_bytes: &[u8]) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let generic = matches!(
        mime.as_str(),
        "application/octet-stream"
            | "application/x-msdownload"
            | "application/x-download"
            | "application/force-download"
    );
    if generic {
        return !first_bytes.is_empty() && !starts_with_markup(first_bytes);
    }
    matches!(
        mime.as_str(),
        "application/pdf"
            | "application/msword"
            | "application/zip"
            | "application/x-zip-compressed"
            | "application/vnd.rar"
            | "application/x-rar-compressed"
            | "application/x-7z-compressed"
            | "application/ofd"
            | "application/rtf"
            | "text/csv"
    ) || mime.starts_with("application/vnd.ms-")
        || mime.starts_with("application/vnd.openxmlformats-officedocument.")
        || mime.starts_with("application/vnd.ofd")
        || mime.starts_with("application/wps-office.")
        || mime.starts_with("application/kswps")
        || mime.starts_with("application/kset")
}

/// Page or attachment, from what is known: the URL's extension (or a download servlet's file
/// name), then the body's signature, then the Content-Type.
pub fn classify(url: &Url, content_type: Option<&str>, first_bytes: &[u8]) -> BodyKind {
    let is_attachment = attachment_ext(url).is_some()
        || is_document_bytes(first_bytes)
        || content_type.is_some_and(|ct| is_document_type(ct, first_bytes));
    if is_attachment {
        BodyKind::Attachment
    } else {
        BodyKind::Page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_classifier_for_crawl_extract_and_inspect() {
        use BodyKind::{Attachment, Page};
        let html = &b"<!DOCTYPE html><html><head>"[..];
        let cases: [(&str, Option<&str>, &[u8], BodyKind); 22] = [
            // The URL alone (the crawler's frontier, before fetching).
            ("http://a.gov.cn/attach/2025/x.PDF", None, b"", Attachment),
            ("http://a.gov.cn/a/b.xlsx?v=1", None, b"", Attachment),
            (
                "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=1a2b.pdf",
                None,
                b"",
                Attachment,
            ),
            (
                "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=1a2b.html",
                None,
                b"",
                Page,
            ),
            ("http://a.gov.cn/art/2025/3/5/art_1_2.html", None, b"", Page),
            ("http://a.gov.cn/robots.txt", None, b"", Page),
            // csv and txt are attachments everywhere (inspect used to read them as HTML).
            (
                "http://a.gov.cn/data/2025/kqzl.csv",
                Some("text/csv"),
                b"date,aqi\n",
                Attachment,
            ),
            ("file:///srv/data/kqzl.csv", None, b"date,aqi\n", Attachment),
            ("file:///srv/data/readme.txt", None, b"plain words", Attachment),
            // An attachment URL stays an attachment whatever comes back.
            ("http://a.gov.cn/attach/x.pdf", Some("text/html"), html, Attachment),
            // The body's signature.
            ("http://a.gov.cn/download?id=5", None, b"%PDF-1.7\n", Attachment),
            ("http://a.gov.cn/download?id=5", None, b"\r\n\r\n%PDF-1.4", Attachment),
            ("http://a.gov.cn/download?id=6", None, b"PK\x03\x04\x14\x00", Attachment),
            (
                "http://a.gov.cn/download?id=7",
                None,
                &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1],
                Attachment,
            ),
            ("http://a.gov.cn/download?id=8", None, b"Rar!\x1a\x07\x00", Attachment),
            // The Content-Type.
            (
                "http://a.gov.cn/download?id=9",
                Some("application/pdf"),
                b"",
                Attachment,
            ),
            (
                "http://a.gov.cn/download?id=9",
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                b"",
                Attachment,
            ),
            (
                "http://a.gov.cn/download?id=9",
                Some("application/octet-stream"),
                b"\x00\x01binary",
                Attachment,
            ),
            (
                "http://a.gov.cn/download?id=9",
                Some("application/octet-stream"),
                html,
                Page,
            ),
            (
                "http://a.gov.cn/col/col1/index.html",
                Some("text/html; charset=gbk"),
                html,
                Page,
            ),
            (
                "http://a.gov.cn/dataproxy.jsp?columnid=1",
                Some("text/xml"),
                b"<?xml version",
                Page,
            ),
            ("http://a.gov.cn/index.html", Some("text/plain"), html, Page),
        ];
        for (url, content_type, bytes, expected) in cases {
            let url = Url::parse(url).unwrap();
            assert_eq!(classify(&url, content_type, bytes), expected, "{url} {content_type:?}");
        }
    }

    #[test]
    fn knowing_more_never_turns_an_attachment_into_a_page() {
        let urls = [
            "http://a.gov.cn/a.pdf",
            "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=a.xls",
            "http://a.gov.cn/a.csv",
        ];
        let bodies: [&[u8]; 3] = [b"", b"<html>", b"%PDF-1.4"];
        for url in urls {
            let url = Url::parse(url).unwrap();
            assert_eq!(classify(&url, None, b""), BodyKind::Attachment);
            for body in bodies {
                for content_type in [None, Some("text/html"), Some("application/pdf")] {
                    assert_eq!(classify(&url, content_type, body), BodyKind::Attachment, "{url}");
                }
            }
        }
    }
}
