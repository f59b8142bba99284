//! Character encodings of Chinese government pages.
//!
//! Order of trust, as browsers do it (WHATWG): a byte-order mark, the HTTP `charset`, a
//! `<meta charset>` / `http-equiv` / XML declaration in the first bytes, then detection with
//! chardetng hinted by the `cn` TLD. Many sites declare `gb2312` but use GBK characters, so
//! every GB label is decoded with the GB18030 decoder (a superset). A declaration that does
//! not decode cleanly while another candidate does is overruled, and the source says so
//! (servers that send `charset=utf-8` for GBK files are common).

use std::sync::LazyLock;

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};
use regex::bytes::Regex;

/// Where the chosen encoding came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingSource {
    Bom,
    HttpHeader,
    Meta,
    XmlDeclaration,
    Detected,
}

impl EncodingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EncodingSource::Bom => "bom",
            EncodingSource::HttpHeader => "http-header",
            EncodingSource::Meta => "meta",
            EncodingSource::XmlDeclaration => "xml-declaration",
            EncodingSource::Detected => "detected",
        }
    }
}

/// A page decoded to text.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    pub source: EncodingSource,
    /// What was declared, e.g. `gb2312`, and any overruled declaration, for the record.
    pub note: String,
    pub had_errors: bool,
}

impl Decoded {
    /// `meta:gb2312`, `detected`, `meta:gbk (http-header utf-8 overruled)` …
    pub fn source_label(&self) -> String {
        if self.note.is_empty() {
            self.source.as_str().to_string()
        } else {
            format!("{}:{}", self.source.as_str(), self.note)
        }
    }
}

/// How many bytes are scanned for a declaration. Browsers use 1024; Chinese CMS templates
/// often put long comments and scripts first, so look further.
const PRESCAN_BYTES: usize = 8192;

static META_CHARSET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i-u)<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9_\-:.]+)"#).expect("static regex"));
static XML_ENCODING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i-u)^\s*<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_\-:.]+)["']"#).expect("static regex")
});

/// The charset parameter of a Content-Type header value.
pub fn header_charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

/// Maps a label to the decoder we use: every GB label decodes as GB18030.
fn for_label(label: &str) -> Option<&'static Encoding> {
    let encoding = Encoding::for_label(label.trim().as_bytes())?;
    // A UTF-16 label inside an ASCII-compatible document is a lie (WHATWG says: use UTF-8).
    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        return Some(UTF_8);
    }
    Some(if encoding == GBK { GB18030 } else { encoding })
}

fn declared_in_document(bytes: &[u8]) -> Option<(String, EncodingSource)> {
    let head = &bytes[..bytes.len().min(PRESCAN_BYTES)];
    if let Some(c) = XML_ENCODING.captures(head) {
        return Some((
            String::from_utf8_lossy(&c[1]).to_ascii_lowercase(),
            EncodingSource::XmlDeclaration,
        ));
    }
    META_CHARSET.captures(head).map(|c| {
        (
            String::from_utf8_lossy(&c[1]).to_ascii_lowercase(),
            EncodingSource::Meta,
        )
    })
}

fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    if guess == GBK { GB18030 } else { guess }
}

fn decode_with(bytes: &[u8], encoding: &'static Encoding) -> (String, bool) {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    (text.into_owned(), had_errors)
}

/// Decodes a page body. `content_type` is the HTTP header value, if any.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = decode_with(&bytes[bom_len..], encoding);
        return Decoded {
            text,
            encoding,
            source: EncodingSource::Bom,
            note: String::new(),
            had_errors,
        };
    }
    let mut candidates: Vec<(&'static Encoding, EncodingSource, String)> = Vec::new();
    if let Some(label) = content_type.and_then(header_charset)
        && let Some(encoding) = for_label(label)
    {
        candidates.push((encoding, EncodingSource::HttpHeader, label.to_ascii_lowercase()));
    }
    if let Some((label, source)) = declared_in_document(bytes)
        && let Some(encoding) = for_label(&label)
    {
        candidates.push((encoding, source, label));
    }
    let mut overruled: Vec<String> = Vec::new();
    for (encoding, source, label) in &candidates {
        let (text, had_errors) = decode_with(bytes, encoding);
        if !had_errors {
            let mut note = label.clone();
            if !overruled.is_empty() {
                note = format!("{note} ({} overruled)", overruled.join(", "));
            }
            return Decoded {
                text,
                encoding,
                source: *source,
                note,
                had_errors,
            };
        }
        overruled.push(format!("{} {label}", source.as_str()));
    }
    let detected = detect(bytes);
    let (text, had_errors) = decode_with(bytes, detected);
    if had_errors && let Some((encoding, source, label)) = candidates.first() {
        // Nothing decodes cleanly: keep the declaration, which is what a browser shows.
        let (text, had_errors) = decode_with(bytes, encoding);
        return Decoded {
            text,
            encoding,
            source: *source,
            note: label.clone(),
            had_errors,
        };
    }
    Decoded {
        text,
        encoding: detected,
        source: EncodingSource::Detected,
        note: if overruled.is_empty() {
            String::new()
        } else {
            format!("({} overruled)", overruled.join(", "))
        },
        had_errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(text: &str) -> Vec<u8> {
        GB18030.encode(text).0.into_owned()
    }

    #[test]
    fn decodes_by_declaration_order() {
        // (body, content-type, expected encoding, expected source)
        let cases: Vec<(Vec<u8>, Option<&str>, &Encoding, EncodingSource)> = vec![
            (
                b"\xEF\xBB\xBF<p>x</p>".to_vec(),
                Some("text/html; charset=gbk"),
                UTF_8,
                EncodingSource::Bom,
            ),
            (
                gbk("<p>周村区</p>"),
                Some("text/html; charset=GB2312"),
                GB18030,
                EncodingSource::HttpHeader,
            ),
            (
                [
                    b"<html><head><meta charset=\"gb2312\"></head>".as_slice(),
                    &gbk("<p>镕喆堃</p>"),
                ]
                .concat(),
                Some("text/html"),
                GB18030,
                EncodingSource::Meta,
            ),
            (
                [
                    b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">".as_slice(),
                    &gbk("政务公开"),
                ]
                .concat(),
                None,
                GB18030,
                EncodingSource::Meta,
            ),
            (
                b"<?xml version=\"1.0\" encoding=\"utf-8\"?><a/>".to_vec(),
                None,
                UTF_8,
                EncodingSource::XmlDeclaration,
            ),
            (
                "<p>政务公开工作年度报告</p>".as_bytes().to_vec(),
                None,
                UTF_8,
                EncodingSource::Detected,
            ),
        ];
        for (body, content_type, encoding, source) in cases {
            let decoded = decode(&body, content_type);
            assert_eq!(decoded.encoding, encoding, "{content_type:?}");
            assert_eq!(decoded.source, source, "{content_type:?}");
            assert!(!decoded.had_errors);
        }
    }

    #[test]
    fn gb2312_label_decodes_gbk_only_characters() {
        let body = [b"<meta charset=gb2312>".as_slice(), &gbk("朱镕基 王喆 李堃")].concat();
        let decoded = decode(&body, None);
        assert!(decoded.text.contains("朱镕基 王喆 李堃"));
        assert_eq!(decoded.source_label(), "meta:gb2312");
    }

    #[test]
    fn undeclared_gbk_is_detected() {
        let body = gbk(
            "<html><body><p>周村区人民政府关于印发政务公开工作要点的通知，各镇政府、街道办事处。</p></body></html>",
        );
        let decoded = decode(&body, Some("text/html"));
        assert_eq!(decoded.encoding, GB18030);
        assert_eq!(decoded.source, EncodingSource::Detected);
        assert!(decoded.text.contains("政务公开工作要点"));
    }

    #[test]
    fn wrong_header_is_overruled_by_meta() {
        let body = [b"<meta charset=\"gbk\">".as_slice(), &gbk("<p>财政预决算公开</p>")].concat();
        let decoded = decode(&body, Some("text/html; charset=utf-8"));
        assert_eq!(decoded.encoding, GB18030);
        assert_eq!(decoded.source, EncodingSource::Meta);
        assert!(decoded.source_label().contains("http-header utf-8 overruled"));
        assert!(decoded.text.contains("财政预决算公开"));
    }

    #[test]
    fn invalid_bytes_never_panic() {
        let decoded = decode(
            &[0xff, 0xfe, 0x00, 0xd8, 0x81, 0x30],
            Some("text/html; charset=nonsense"),
        );
        assert!(!decoded.text.is_empty() || decoded.had_errors);
    }
}
