//! URL canonicalisation, so one page is one frontier entry.
//!
//! Beyond WHATWG parsing (which already lowercases the host and drops default ports): drop the
//! fragment and an empty query, remove session ids (`;jsessionid=` path parameters and query
//! parameters such as `sid`, `PHPSESSID`), write percent-escapes in upper case and decode the
//! escapes of unreserved characters. Query parameter order is kept: some CMS endpoints care.

use url::Url;

/// Query parameter names removed as session ids (compared case-insensitively).
pub const DEFAULT_SESSION_PARAMS: &[&str] = &[
    "jsessionid",
    "phpsessid",
    "sid",
    "sessionid",
    "aspsessionid",
    "cfid",
    "cftoken",
];

#[derive(Debug, Clone)]
pub struct Canonicalizer {
    session_params: Vec<String>,
}

impl Default for Canonicalizer {
    fn default() -> Self {
        Canonicalizer::new(DEFAULT_SESSION_PARAMS.iter().map(|s| s.to_string()).collect())
    }
}

impl Canonicalizer {
    pub fn new(session_params: Vec<String>) -> Canonicalizer {
        Canonicalizer {
            session_params: session_params.into_iter().map(|p| p.to_ascii_lowercase()).collect(),
        }
    }

    fn is_session_param(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        // ASP appends a random suffix: ASPSESSIONIDQASCTRRA.
        self.session_params
            .iter()
            .any(|p| name == *p || (p == "aspsessionid" && name.starts_with(p)))
    }

    /// The canonical form of an http(s) URL; `None` for other schemes (mailto:, javascript:, tel: …).
    pub fn canonicalize(&self, url: &Url) -> Option<Url> {
        if url.scheme() != "http" && url.scheme() != "https" {
            return None;
        }
        url.host_str()?;
        let mut url = url.clone();
        url.set_fragment(None);

        let path = url.path().to_string();
        let mut new_path = String::with_capacity(path.len());
        for (i, segment) in path.split('/').enumerate() {
            if i > 0 {
                new_path.push('/');
            }
            // `;jsessionid=ABC` rides on a path segment (Java servlet containers).
            let segment = match segment.find(';') {
                Some(at) if self.is_session_param(segment[at + 1..].split('=').next().unwrap_or("")) => &segment[..at],
                _ => segment,
            };
            new_path.push_str(&normalize_escapes(segment));
        }
        url.set_path(&new_path);

        if let Some(query) = url.query().map(str::to_string) {
            let kept: Vec<String> = query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .filter(|pair| !self.is_session_param(pair.split('=').next().unwrap_or("")))
                .map(normalize_escapes)
                .collect();
            if kept.is_empty() {
                url.set_query(None);
            } else {
                url.set_query(Some(&kept.join("&")));
            }
        }
        Some(url)
    }

    /// Resolves `href` against `base` and canonicalises it.
    pub fn resolve(&self, base: &Url, href: &str) -> Option<Url> {
        self.resolve_in(base, href, encoding_rs::UTF_8)
    }

    /// Like `resolve`, for a page in `encoding`: non-ASCII query text is percent-encoded in the
    /// page's encoding, as browsers do (a GBK page's `?q=周村` is sent as GBK bytes).
    pub fn resolve_in(&self, base: &Url, href: &str, encoding: &'static encoding_rs::Encoding) -> Option<Url> {
        let href = href.trim();
        if href.is_empty() {
            return None;
        }
        let lower = href.get(..11).unwrap_or(href).to_ascii_lowercase();
        if lower.starts_with("javascript:")
            || lower.starts_with("mailto:")
            || lower.starts_with("tel:")
            || lower.starts_with("data:")
        {
            return None;
        }
        fn encoder(encoding: &'static encoding_rs::Encoding) -> impl Fn(&str) -> std::borrow::Cow<'_, [u8]> {
            move |s: &str| encoding.encode(s).0
        }
        let encode = encoder(encoding);
        let options = Url::options().base_url(Some(base));
        let options = if encoding == encoding_rs::UTF_8 {
            options
        } else {
            options.encoding_override(Some(&encode))
        };
        self.canonicalize(&options.parse(href).ok()?)
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Upper-cases percent-escapes and decodes those of unreserved characters (RFC 3986 §6.2.2).
fn normalize_escapes(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let value = u8::from_str_radix(&s[i + 1..i + 3], 16).expect("two hex digits");
            if is_unreserved(value) {
                out.push(value as char);
            } else {
                out.push('%');
                out.push_str(&s[i + 1..i + 3].to_ascii_uppercase());
            }
            i += 3;
        } else {
            let ch = s[i..].chars().next().expect("index is on a char boundary");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonical_forms() {
        let cases = [
            (
                "HTTP://WWW.Zhoucun.GOV.cn:80/col/col6027/index.html#top",
                Some("http://www.zhoucun.gov.cn/col/col6027/index.html"),
            ),
            ("https://a.gov.cn:443/x?", Some("https://a.gov.cn/x")),
            (
                "http://a.gov.cn/art/1;jsessionid=ABC123?b=1",
                Some("http://a.gov.cn/art/1?b=1"),
            ),
            (
                "http://a.gov.cn/p?PHPSESSID=xyz&id=3&sid=9",
                Some("http://a.gov.cn/p?id=3"),
            ),
            (
                "http://a.gov.cn/p?ASPSESSIONIDQASC=1&id=3",
                Some("http://a.gov.cn/p?id=3"),
            ),
            (
                "http://a.gov.cn/%7euser/a%2fb?q=%e5%91%a8",
                Some("http://a.gov.cn/~user/a%2Fb?q=%E5%91%A8"),
            ),
            ("http://a.gov.cn", Some("http://a.gov.cn/")),
            ("ftp://a.gov.cn/x", None),
        ];
        let canon = Canonicalizer::default();
        for (input, expected) in cases {
            let got = canon.canonicalize(&Url::parse(input).unwrap()).map(|u| u.to_string());
            assert_eq!(got.as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn ignores_non_http_links() {
        let canon = Canonicalizer::default();
        let base = Url::parse("http://a.gov.cn/dir/page.html").unwrap();
        for href in [
            "mailto:x@a.gov.cn",
            "javascript:void(0)",
            "JavaScript:;",
            "tel:6195556",
            "data:text/plain,x",
            "  ",
        ] {
            assert_eq!(canon.resolve(&base, href), None, "{href}");
        }
        assert_eq!(
            canon.resolve(&base, "../b.html").unwrap().as_str(),
            "http://a.gov.cn/b.html"
        );
    }

    proptest! {
        #[test]
        fn canonicalize_is_idempotent(path in "[a-zA-Z0-9%/;=._~-]{0,40}", query in "[a-zA-Z0-9%=&;._-]{0,40}") {
            let canon = Canonicalizer::default();
            if let Ok(url) = Url::parse(&format!("http://a.gov.cn/{path}?{query}#f"))
                && let Some(once) = canon.canonicalize(&url)
            {
                let twice = canon.canonicalize(&once).unwrap();
                prop_assert_eq!(once.as_str(), twice.as_str());
            }
        }
    }
}
