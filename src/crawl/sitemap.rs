//! Sitemaps (sitemaps.org): `urlset` and `sitemapindex`, gzipped or not, and plain-text lists.
//! Caps follow the protocol: 50,000 URLs and 50 MB uncompressed per file, so a hostile
//! sitemap cannot exhaust memory.

use std::io::Read;

use flate2::read::GzDecoder;
use quick_xml::Reader;
use quick_xml::events::Event;

pub const MAX_SITEMAP_URLS: usize = 50_000;
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;

#[derive(Debug, Default, PartialEq)]
pub struct SitemapEntries {
    pub pages: Vec<String>,
    pub sitemaps: Vec<String>,
    pub error: Option<String>,
}

/// Parses a sitemap body (gzip is recognised by its magic bytes, whatever the URL says).
pub fn parse_sitemap(body: &[u8]) -> SitemapEntries {
    let mut inflated = Vec::new();
    let body = if body.starts_with(&[0x1f, 0x8b]) {
        if let Err(e) = GzDecoder::new(body).take(MAX_SITEMAP_BYTES).read_to_end(&mut inflated) {
            return SitemapEntries {
                error: Some(format!("sitemap gzip is corrupt: {e}")),
                ..SitemapEntries::default()
            };
        }
        &inflated[..]
    } else {
        body
    };
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if !trimmed.starts_with('<') {
        // A text sitemap: one URL per line.
        return SitemapEntries {
            pages: trimmed
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
                .take(MAX_SITEMAP_URLS)
                .map(str::to_string)
                .collect(),
            ..SitemapEntries::default()
        };
    }
    let mut reader = Reader::from_str(trimmed);
    let mut entries = SitemapEntries::default();
    let mut parent: Option<bool> = None; // Some(true) inside <sitemap>, Some(false) inside <url>
    let mut in_loc = false;
    let mut loc = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"sitemap" => parent = Some(true),
                b"url" => parent = Some(false),
                b"loc" => {
                    in_loc = true;
                    loc.clear();
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_loc => loc.push_str(&String::from_utf8_lossy(&t)),
            Ok(Event::CData(t)) if in_loc => loc.push_str(&String::from_utf8_lossy(&t)),
            Ok(Event::GeneralRef(r)) if in_loc => {
                let name = String::from_utf8_lossy(&r);
                loc.push_str(match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                });
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"loc" => {
                    in_loc = false;
                    let value = loc.trim().to_string();
                    if !value.is_empty() {
                        match parent {
                            Some(true) => entries.sitemaps.push(value),
                            _ => entries.pages.push(value),
                        }
                    }
                    if entries.pages.len() + entries.sitemaps.len() >= MAX_SITEMAP_URLS {
                        entries.error = Some(format!("sitemap truncated at {MAX_SITEMAP_URLS} URLs"));
                        break;
                    }
                }
                b"sitemap" | b"url" => parent = None,
                _ => {}
            },
            Ok(Event::Eof) => break,
            Err(e) => {
                entries.error = Some(format!("sitemap XML error at byte {}: {e}", reader.buffer_position()));
                break;
            }
            _ => {}
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn urlset_index_gzip_and_text() {
        let urlset =
            br#"<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc>http://a.gov.cn/a.html?x=1&amp;y=2</loc><lastmod>2025-03-05</lastmod></url>
            <url><loc> http://a.gov.cn/b.html </loc></url></urlset>"#;
        let parsed = parse_sitemap(urlset);
        assert_eq!(
            parsed.pages,
            vec!["http://a.gov.cn/a.html?x=1&y=2", "http://a.gov.cn/b.html"]
        );
        assert!(parsed.error.is_none());

        let index = br#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://a.gov.cn/s1.xml.gz</loc></sitemap></sitemapindex>"#;
        assert_eq!(parse_sitemap(index).sitemaps, vec!["http://a.gov.cn/s1.xml.gz"]);

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(urlset).unwrap();
        assert_eq!(parse_sitemap(&gz.finish().unwrap()).pages.len(), 2);

        let text = b"http://a.gov.cn/1.html\n\nnot a url\nhttps://a.gov.cn/2.html\n";
        assert_eq!(
            parse_sitemap(text).pages,
            vec!["http://a.gov.cn/1.html", "https://a.gov.cn/2.html"]
        );
    }

    #[test]
    fn broken_input_is_an_error_not_a_panic() {
        assert!(parse_sitemap(&[0x1f, 0x8b, 0, 1, 2]).error.is_some());
        let parsed = parse_sitemap(b"<urlset><url><loc>http://a.gov.cn/x</loc></url><url><loc>");
        assert_eq!(parsed.pages, vec!["http://a.gov.cn/x"]);
    }
}
