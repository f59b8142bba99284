//! The CDXJ index: one line per response or revisit record, `<SURT> <timestamp> {json}`,
//! sorted, as pywb and ReplayWeb.page read it.
//!
//! SURT keys follow pywb's canonical form closely enough for lookups: scheme and a leading
//! `www.` dropped, host labels reversed and joined by commas, a non-default port kept after
//! `:`, then `)` and the lowercased path with its query arguments sorted. An IP address keeps
//! its order (`127,0,0,1:8080)/a.html`): reversing it would not group anything.

use serde::Serialize;

/// One index line before formatting.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    pub timestamp: String,
    pub fields: Fields,
}

/// The JSON part of a line; field order is the order written.
#[derive(Debug, Clone, Serialize)]
pub struct Fields {
    pub url: String,
    pub mime: String,
    pub status: String,
    pub digest: String,
    pub length: u64,
    pub offset: u64,
    pub filename: String,
}

impl Entry {
    pub fn line(&self) -> String {
        let json = serde_json::to_string(&self.fields).expect("index fields always serialise");
        format!("{} {} {json}\n", self.key, self.timestamp)
    }
}

/// Sorts the entries by key, then timestamp (then the rest of the line, so ties are stable).
pub fn sort(entries: &mut [Entry]) {
    entries.sort_by_cached_key(|e| (e.key.clone(), e.timestamp.clone(), e.line()));
}

/// The SURT form of a URL; an unparsable URL is indexed by itself, lowercased.
pub fn surt(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return url.to_lowercase();
    };
    let host = match parsed.host() {
        Some(url::Host::Domain(domain)) => {
            let domain = domain.to_lowercase();
            let domain = match domain.strip_prefix("www.") {
                Some(rest) if rest.contains('.') => rest.to_string(),
                _ => domain,
            };
            domain.rsplit('.').collect::<Vec<_>>().join(",")
        }
        Some(url::Host::Ipv4(ip)) => ip.to_string().replace('.', ","),
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        None => String::new(),
    };
    let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
    let mut path = parsed.path().to_lowercase();
    if let Some(query) = parsed.query() {
        let mut args: Vec<&str> = query.split('&').collect();
        args.sort_unstable();
        path.push('?');
        path.push_str(&args.join("&").to_lowercase());
    }
    format!("{host}{port}){path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surt_keys() {
        for (url, key) in [
            (
                "http://www.zhoucun.gov.cn/art/2025/1/1/A.html",
                "cn,gov,zhoucun)/art/2025/1/1/a.html",
            ),
            ("https://zhoucun.gov.cn/", "cn,gov,zhoucun)/"),
            ("http://127.0.0.1:38407/robots.txt", "127,0,0,1:38407)/robots.txt"),
            ("http://www.cn/x", "cn,www)/x"),
            ("http://a.gov.cn:80/q?b=2&a=1", "cn,gov,a)/q?a=1&b=2"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(surt(url), key, "{url}");
        }
    }

    #[test]
    fn lines_sort_by_key_then_time() {
        let entry = |key: &str, timestamp: &str| Entry {
            key: key.to_string(),
            timestamp: timestamp.to_string(),
            fields: Fields {
                url: String::new(),
                mime: "text/html".to_string(),
                status: "200".to_string(),
                digest: String::new(),
                length: 1,
                offset: 0,
                filename: "evidence.warc.gz".to_string(),
            },
        };
        let mut entries = vec![
            entry("b)/", "20250101000000"),
            entry("a)/", "20250102000000"),
            entry("a)/", "20250101000000"),
        ];
        sort(&mut entries);
        let order: Vec<(&str, &str)> = entries.iter().map(|e| (e.key.as_str(), e.timestamp.as_str())).collect();
        assert_eq!(
            order,
            [
                ("a)/", "20250101000000"),
                ("a)/", "20250102000000"),
                ("b)/", "20250101000000")
            ]
        );
        assert!(
            entries[0]
                .line()
                .starts_with("a)/ 20250101000000 {\"url\":\"\",\"mime\":\"text/html\",\"status\":\"200\"")
        );
    }
}
