//! Scope and trap budgets: which discovered URLs the crawler may queue.
//!
//! Scope is the start URL's host and port plus `--allow-host` entries; everything else is
//! recorded as a link and never fetched. Trap budgets (CRAWLING.md lesson 5) stop the classic
//! endless crawls: depth, URL length, query variants of one path, a path segment repeated
//! (Nutch's `/a/b/a/b/a/`), and calendars — pages that link to date-shifted copies of
//! themselves, or one date-shaped URL pattern fanning out without end.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::LazyLock;

use regex::Regex;
use url::Url;

#[derive(Debug, Clone)]
pub struct Scope {
    /// (host, port) pairs; a `None` port matches any port.
    hosts: Vec<(String, Option<u16>)>,
}

impl Scope {
    pub fn new(start: &Url, allow_hosts: &[String]) -> Scope {
        let mut hosts = vec![(
            start.host_str().unwrap_or_default().to_ascii_lowercase(),
            start.port_or_known_default(),
        )];
        for entry in allow_hosts {
            let entry = entry.trim().to_ascii_lowercase();
            let parsed = Url::parse(&format!("http://{entry}/")).ok();
            let host = parsed
                .as_ref()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or(entry.clone());
            let port = if entry.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
                parsed.as_ref().and_then(Url::port)
            } else {
                None
            };
            hosts.push((host, port));
        }
        Scope { hosts }
    }

    pub fn contains(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else { return false };
        let port = url.port_or_known_default();
        self.hosts
            .iter()
            .any(|(h, p)| h.eq_ignore_ascii_case(host) && (p.is_none() || *p == port))
    }
}

/// The origin key of a URL: `scheme://host[:port]`, the unit of robots.txt and pacing.
pub fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The longest URL followed or queued: the old Internet Explorer limit, which servers and CMSs
/// still assume (CRAWLING.md lesson 5).
pub const MAX_URL_LENGTH: usize = 2083;

/// Why a redirect target is refused for its length, or `None` when it is within `max_length`.
/// Links and redirects share the limit, so a 100 KB `Location` is neither requested nor queued.
pub fn redirect_too_long(target: &Url, max_length: usize) -> Option<String> {
    let length = target.as_str().len();
    (length > max_length).then(|| {
        format!(
            "redirect target longer than {} characters ({} characters); not followed",
            with_commas(max_length),
            with_commas(length)
        )
    })
}

/// `2083` as `2,083`, for messages people read.
fn with_commas(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[derive(Debug, Clone)]
pub struct TrapSettings {
    pub max_depth: i64,
    pub max_url_length: usize,
    pub max_query_variants: usize,
    pub max_segment_repeats: usize,
    pub max_calendar_steps: i64,
    pub max_date_pattern_variants: usize,
}

impl Default for TrapSettings {
    fn default() -> Self {
        TrapSettings {
            max_depth: 50,
            max_url_length: MAX_URL_LENGTH,
            max_query_variants: 500,
            max_segment_repeats: 3,
            max_calendar_steps: 24,
            max_date_pattern_variants: 1000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapReason {
    Depth,
    UrlLength,
    QueryVariants,
    RepeatedSegments,
    Calendar,
}

impl TrapReason {
    pub fn as_str(self) -> &'static str {
        match self {
            TrapReason::Depth => "trap: max depth",
            TrapReason::UrlLength => "trap: url too long",
            TrapReason::QueryVariants => "trap: too many query variants of one path",
            TrapReason::RepeatedSegments => "trap: repeated path segments",
            TrapReason::Calendar => "trap: calendar",
        }
    }
}

static DATE_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:19|20)\d{2}(?:[-/._]?(?:1[0-2]|0?[1-9]))(?:[-/._]?(?:3[01]|[12]\d|0?[1-9]))?")
        .expect("static regex")
});

/// The URL with date-like tokens replaced, and whether there were any.
fn date_shape(url: &str) -> (String, bool) {
    let shape = DATE_TOKEN.replace_all(url, "{date}");
    let has_date = matches!(shape, std::borrow::Cow::Owned(_));
    (shape.into_owned(), has_date)
}

fn hash_of(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Budget counters for one crawl process. Only 8-byte hashes are kept, and each variant set
/// stops growing at its budget, so memory stays small (a 100,000-URL site: about 2 MB).
#[derive(Debug, Default)]
pub struct Traps {
    settings: TrapSettings,
    query_variants: HashMap<u64, HashSet<u64>>,
    date_variants: HashMap<u64, HashSet<u64>>,
    /// URLs this process already queued: a page links to the same navigation hundreds of
    /// times over a site, and each needs no second check nor a second frontier insert.
    queued: HashSet<u64>,
}

/// What a page contributes to the checks of all its links, computed once per page.
pub struct ParentShape {
    shape: String,
    url: String,
    calendar_steps: i64,
}

impl ParentShape {
    pub fn new(parent: &Url, calendar_steps: i64) -> ParentShape {
        ParentShape {
            shape: date_shape(parent.as_str()).0,
            url: parent.as_str().to_string(),
            calendar_steps,
        }
    }
}

impl Traps {
    pub fn new(settings: TrapSettings) -> Traps {
        Traps {
            settings,
            ..Traps::default()
        }
    }

    /// Whether this process already let `url` into the frontier (and remembers it from now on).
    pub fn is_known(&mut self, url: &Url) -> bool {
        !self.queued.insert(hash_of(url.as_str()))
    }

    /// Forgets a URL that `is_known` recorded but the budgets then refused.
    fn forget(&mut self, url: &Url) {
        self.queued.remove(&hash_of(url.as_str()));
    }

    /// Checks a discovered URL. `is_paging` marks list pages generated from the CMS's own page
    /// count (Hanweb, TRS), which are bounded by the server and exempt from the variant budget.
    /// Returns the URL's calendar step count when it may be queued.
    pub fn check(&mut self, url: &Url, depth: i64, parent: &ParentShape, is_paging: bool) -> Result<i64, TrapReason> {
        let result = self.check_budgets(url, depth, parent, is_paging);
        if result.is_err() {
            self.forget(url);
        }
        result
    }

    fn check_budgets(
        &mut self,
        url: &Url,
        depth: i64,
        parent: &ParentShape,
        is_paging: bool,
    ) -> Result<i64, TrapReason> {
        let s = &self.settings;
        if depth > s.max_depth {
            return Err(TrapReason::Depth);
        }
        if url.as_str().len() > s.max_url_length {
            return Err(TrapReason::UrlLength);
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for segment in url.path().split('/').filter(|seg| !seg.is_empty()) {
            let n = seen.entry(segment).or_default();
            *n += 1;
            if *n >= s.max_segment_repeats {
                return Err(TrapReason::RepeatedSegments);
            }
        }
        let (shape, has_date) = date_shape(url.as_str());
        let mut steps = 0;
        if has_date {
            if parent.shape == shape && parent.url != url.as_str() {
                steps = parent.calendar_steps + 1;
                if steps > s.max_calendar_steps {
                    return Err(TrapReason::Calendar);
                }
            }
            let variants = self.date_variants.entry(hash_of(&shape)).or_default();
            let key = hash_of(url.as_str());
            if !variants.contains(&key) {
                if variants.len() >= s.max_date_pattern_variants {
                    return Err(TrapReason::Calendar);
                }
                variants.insert(key);
            }
        }
        if !is_paging && let Some(query) = url.query() {
            let path_key = hash_of(&format!("{}{}", url.host_str().unwrap_or_default(), url.path()));
            let variants = self.query_variants.entry(path_key).or_default();
            let key = hash_of(query);
            if !variants.contains(&key) {
                if variants.len() >= s.max_query_variants {
                    return Err(TrapReason::QueryVariants);
                }
                variants.insert(key);
            }
        }
        Ok(steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn redirect_targets_past_the_url_limit_are_named() {
        let at_limit = u(&format!("http://a.gov.cn/{}", "a".repeat(MAX_URL_LENGTH - 16)));
        assert_eq!(at_limit.as_str().len(), MAX_URL_LENGTH);
        assert_eq!(redirect_too_long(&at_limit, MAX_URL_LENGTH), None);
        let long = u(&format!("http://a.gov.cn/{}", "a".repeat(100_000)));
        assert_eq!(
            redirect_too_long(&long, MAX_URL_LENGTH).as_deref(),
            Some("redirect target longer than 2,083 characters (100,016 characters); not followed")
        );
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (2083, "2,083"),
            (1234567, "1,234,567"),
        ];
        for (n, text) in cases {
            assert_eq!(with_commas(n), text);
        }
    }

    #[test]
    fn scope_is_start_host_and_allowed_hosts() {
        let scope = Scope::new(
            &u("http://127.0.0.1:8080/index.html"),
            &["zwfw.sd.gov.cn".into(), "127.0.0.1:9090".into()],
        );
        let cases = [
            ("http://127.0.0.1:8080/a", true),
            ("https://127.0.0.1:8080/a", true),
            ("http://127.0.0.1:8081/a", false),
            ("http://127.0.0.1:9090/a", true),
            ("http://zwfw.sd.gov.cn/x", true),
            ("https://zwfw.sd.gov.cn:8443/x", true),
            ("http://www.shandong.gov.cn/", false),
        ];
        for (url, expected) in cases {
            assert_eq!(scope.contains(&u(url)), expected, "{url}");
        }
    }

    #[test]
    fn budgets() {
        let parent = u("http://a.gov.cn/col/col1/index.html");
        let cases = [
            ("http://a.gov.cn/art/2025/3/5/art_1_2.html", 3, Ok(0)),
            ("http://a.gov.cn/x", 51, Err(TrapReason::Depth)),
            ("http://a.gov.cn/a/b/a/c/a/d", 1, Err(TrapReason::RepeatedSegments)),
            ("http://a.gov.cn/art/2025/3/3/art_1_9.html", 1, Ok(0)),
        ];
        for (url, depth, expected) in cases {
            let mut traps = Traps::new(TrapSettings::default());
            assert_eq!(
                traps.check(&u(url), depth, &ParentShape::new(&parent, 0), false),
                expected,
                "{url}"
            );
        }
        let mut traps = Traps::new(TrapSettings::default());
        let long = format!("http://a.gov.cn/{}", "x".repeat(2100));
        assert_eq!(
            traps.check(&u(&long), 1, &ParentShape::new(&parent, 0), false),
            Err(TrapReason::UrlLength)
        );
    }

    #[test]
    fn known_urls_are_remembered_and_refused_ones_forgotten() {
        let mut traps = Traps::new(TrapSettings::default());
        let url = u("http://a.gov.cn/a.html");
        assert!(!traps.is_known(&url));
        assert!(traps.is_known(&url));
        let deep = u("http://a.gov.cn/deep.html");
        assert!(!traps.is_known(&deep));
        assert!(traps.check(&deep, 99, &ParentShape::new(&url, 0), false).is_err());
        assert!(!traps.is_known(&deep), "a refused URL may come back by a shorter path");
    }

    #[test]
    fn calendar_chain_is_cut() {
        let mut traps = Traps::new(TrapSettings::default());
        let mut parent = u("http://a.gov.cn/calendar.jsp?month=2020-01");
        let mut steps = 0;
        let mut cut_at = None;
        for i in 1..100 {
            let (y, m) = (2020 + i / 12, i % 12 + 1);
            let next = u(&format!("http://a.gov.cn/calendar.jsp?month={y}-{m:02}"));
            match traps.check(&next, 1, &ParentShape::new(&parent, steps), false) {
                Ok(s) => steps = s,
                Err(reason) => {
                    assert_eq!(reason, TrapReason::Calendar, "{next}");
                    cut_at = Some(i);
                    break;
                }
            }
            parent = next;
        }
        assert_eq!(cut_at, Some(25), "{steps}");
    }

    #[test]
    fn prev_next_articles_are_not_a_calendar() {
        let mut traps = Traps::new(TrapSettings::default());
        let mut parent = u("http://a.gov.cn/art/2025/3/5/art_6001_100.html");
        for i in 0..200 {
            let next = u(&format!(
                "http://a.gov.cn/art/2025/{}/{}/art_6001_{}.html",
                1 + i % 12,
                1 + i % 28,
                101 + i
            ));
            assert_eq!(traps.check(&next, 3, &ParentShape::new(&parent, 0), false), Ok(0));
            parent = next;
        }
    }

    #[test]
    fn query_variants_are_budgeted_but_paging_is_not() {
        let mut traps = Traps::new(TrapSettings {
            max_query_variants: 5,
            ..TrapSettings::default()
        });
        let parent = u("http://a.gov.cn/");
        for i in 0..5 {
            assert!(
                traps
                    .check(
                        &u(&format!("http://a.gov.cn/s.jsp?q={i}")),
                        1,
                        &ParentShape::new(&parent, 0),
                        false
                    )
                    .is_ok()
            );
        }
        assert_eq!(
            traps.check(
                &u("http://a.gov.cn/s.jsp?q=99"),
                1,
                &ParentShape::new(&parent, 0),
                false
            ),
            Err(TrapReason::QueryVariants)
        );
        assert!(
            traps
                .check(&u("http://a.gov.cn/s.jsp?q=5"), 1, &ParentShape::new(&parent, 0), true)
                .is_ok()
        );
        // Seen variants stay allowed.
        assert!(
            traps
                .check(&u("http://a.gov.cn/s.jsp?q=1"), 1, &ParentShape::new(&parent, 0), false)
                .is_ok()
        );
    }
}
