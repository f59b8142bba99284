//! robots.txt per RFC 9309.
//!
//! Matching is delegated to `robotstxt`, a line-by-line port of Google's parser that passes
//! Google's test suite (longest match wins, Allow wins ties, `*` and `$`). This module adds
//! what the matcher leaves out: the status-code rules (4xx: allow all; 5xx, 429 or
//! unreachable: disallow all and try again later), the 500 KiB parse limit, lenient UTF-8
//! decoding, and the Crawl-delay and Sitemap lines of the group that applies to us.

use std::time::Duration;

use robotstxt::{DefaultMatcher, RobotsParseHandler, parse_robotstxt};

/// RFC 9309 §2.5: crawlers must parse at least 500 kibibytes.
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum RobotsRules {
    AllowAll,
    /// Unreachable or a server error: nothing may be fetched until robots.txt is readable.
    DisallowAll,
    Parsed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RobotsPolicy {
    pub rules: RobotsRules,
    pub crawl_delay: Option<Duration>,
    pub sitemaps: Vec<String>,
}

impl RobotsPolicy {
    /// The policy for a robots.txt response; `status` is `None` when no response arrived.
    pub fn from_response(status: Option<u16>, body: &[u8], agent: &str) -> RobotsPolicy {
        match status {
            Some(200..=299) => RobotsPolicy::parse(body, agent),
            // 429 means "too many requests", not "no robots.txt": treat it as unavailable.
            Some(429) => RobotsPolicy::disallow_all(),
            Some(400..=499) => RobotsPolicy {
                rules: RobotsRules::AllowAll,
                crawl_delay: None,
                sitemaps: Vec::new(),
            },
            _ => RobotsPolicy::disallow_all(),
        }
    }

    pub fn disallow_all() -> RobotsPolicy {
        RobotsPolicy {
            rules: RobotsRules::DisallowAll,
            crawl_delay: None,
            sitemaps: Vec::new(),
        }
    }

    pub fn parse(body: &[u8], agent: &str) -> RobotsPolicy {
        let body = &body[..body.len().min(MAX_ROBOTS_BYTES)];
        let text = String::from_utf8_lossy(body).into_owned();
        let mut collector = GroupCollector::new(agent);
        parse_robotstxt(&text, &mut collector);
        RobotsPolicy {
            crawl_delay: collector.specific_delay.or(collector.global_delay),
            sitemaps: collector.sitemaps,
            rules: RobotsRules::Parsed(text),
        }
    }

    /// Whether `agent` (the product token, e.g. `zwgk`) may fetch `url`.
    pub fn is_allowed(&self, agent: &str, url: &str) -> bool {
        match &self.rules {
            RobotsRules::AllowAll => true,
            RobotsRules::DisallowAll => false,
            RobotsRules::Parsed(body) => {
                let mut matcher = DefaultMatcher::default();
                matcher.one_agent_allowed_by_robots(body, agent, url)
            }
        }
    }

    pub fn is_unavailable(&self) -> bool {
        self.rules == RobotsRules::DisallowAll
    }
}

/// The product token of a User-Agent string: `zwgk/0.1 (+url)` → `zwgk`.
pub fn agent_token(user_agent: &str) -> &str {
    user_agent
        .split(|c: char| c == '/' || c.is_whitespace())
        .next()
        .filter(|t| !t.is_empty())
        .unwrap_or("zwgk")
}

/// Collects Crawl-delay and Sitemap lines, tracking groups the way Google's parser does:
/// consecutive user-agent lines open one group, any rule line closes the run of agents.
struct GroupCollector {
    agent: String,
    group_is_ours: bool,
    group_is_global: bool,
    in_agent_lines: bool,
    specific_delay: Option<Duration>,
    global_delay: Option<Duration>,
    sitemaps: Vec<String>,
}

impl GroupCollector {
    fn new(agent: &str) -> GroupCollector {
        GroupCollector {
            agent: agent.to_ascii_lowercase(),
            group_is_ours: false,
            group_is_global: false,
            in_agent_lines: false,
            specific_delay: None,
            global_delay: None,
            sitemaps: Vec::new(),
        }
    }
}

impl RobotsParseHandler for GroupCollector {
    fn handle_robots_start(&mut self) {}
    fn handle_robots_end(&mut self) {}

    fn handle_user_agent(&mut self, _line: u32, user_agent: &str) {
        if !self.in_agent_lines {
            self.group_is_ours = false;
            self.group_is_global = false;
            self.in_agent_lines = true;
        }
        let token = agent_token(user_agent).to_ascii_lowercase();
        if user_agent.trim_start().starts_with('*') {
            self.group_is_global = true;
        } else if token == self.agent {
            self.group_is_ours = true;
        }
    }

    fn handle_allow(&mut self, _line: u32, _value: &str) {
        self.in_agent_lines = false;
    }

    fn handle_disallow(&mut self, _line: u32, _value: &str) {
        self.in_agent_lines = false;
    }

    fn handle_sitemap(&mut self, _line: u32, value: &str) {
        // Sitemap lines belong to no group (RFC 9309 §2.3.5).
        if !value.trim().is_empty() {
            self.sitemaps.push(value.trim().to_string());
        }
    }

    fn handle_unknown_action(&mut self, _line: u32, action: &str, value: &str) {
        self.in_agent_lines = false;
        if !action.eq_ignore_ascii_case("crawl-delay") {
            return;
        }
        let Ok(seconds) = value.trim().parse::<f64>() else {
            return;
        };
        if !seconds.is_finite() || seconds < 0.0 {
            return;
        }
        let delay = Duration::from_secs_f64(seconds.min(86_400.0));
        if self.group_is_ours {
            self.specific_delay = Some(delay);
        } else if self.group_is_global && self.global_delay.is_none() {
            self.global_delay = Some(delay);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_follow_rfc_9309() {
        let body = b"User-agent: *\nDisallow: /";
        let cases = [
            (Some(200), false),
            (Some(404), true),
            (Some(403), true),
            (Some(429), false),
            (Some(500), false),
            (Some(503), false),
            (None, false),
        ];
        for (status, allowed) in cases {
            let policy = RobotsPolicy::from_response(status, body, "zwgk");
            assert_eq!(policy.is_allowed("zwgk", "http://a.gov.cn/x"), allowed, "{status:?}");
        }
    }

    #[test]
    fn crawl_delay_and_sitemaps_of_our_group() {
        let body = b"User-agent: Baiduspider\nCrawl-delay: 30\nDisallow: /\n\n\
                     User-agent: *\nCrawl-delay: 2\nDisallow: /admin/\n\n\
                     User-agent: other\nUser-agent: zwgk\nCrawl-delay: 5.5\nAllow: /\n\
                     Sitemap: http://a.gov.cn/sitemap.xml\n";
        let policy = RobotsPolicy::parse(body, "zwgk");
        assert_eq!(policy.crawl_delay, Some(Duration::from_millis(5500)));
        assert_eq!(policy.sitemaps, vec!["http://a.gov.cn/sitemap.xml".to_string()]);
        let global = RobotsPolicy::parse(body, "somebot");
        assert_eq!(global.crawl_delay, Some(Duration::from_secs(2)));
    }

    #[test]
    fn agent_token_is_the_product_name() {
        assert_eq!(agent_token("zwgk/0.1.0 (+https://example.org/zwgk)"), "zwgk");
        assert_eq!(agent_token(""), "zwgk");
    }

    /// Cases from Google's robots.txt test suite (google/robotstxt `robots_test.cc`), run
    /// through our policy so a change of matcher cannot silently break them.
    #[test]
    fn google_suite_cases() {
        // (robots.txt, agent, url, allowed)
        let cases: &[(&str, &str, &str, bool)] = &[
            // ID_SystemGroupIsGlobal / specific group wins over *
            (
                "user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n",
                "FooBot",
                "http://foo.bar/x/y",
                false,
            ),
            (
                "user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n",
                "BarBot",
                "http://foo.bar/x/y",
                true,
            ),
            // ID_LongestMatch: most specific rule wins; Allow wins equal length
            (
                "user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n",
                "FooBot",
                "http://foo.bar/x/page.html",
                false,
            ),
            (
                "user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n",
                "FooBot",
                "http://foo.bar/x/page.html",
                true,
            ),
            (
                "user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n",
                "FooBot",
                "http://foo.bar/x/",
                false,
            ),
            (
                "user-agent: FooBot\ndisallow: \nallow: \n",
                "FooBot",
                "http://foo.bar/x/page.html",
                true,
            ),
            (
                "user-agent: FooBot\ndisallow: /\nallow: /\n",
                "FooBot",
                "http://foo.bar/x/page.html",
                true,
            ),
            (
                "user-agent: FooBot\nallow: /page\ndisallow: /*.html\n",
                "FooBot",
                "http://foo.bar/page.html",
                false,
            ),
            (
                "user-agent: FooBot\nallow: /page\ndisallow: /*.html\n",
                "FooBot",
                "http://foo.bar/page",
                true,
            ),
            // ID_Wildcards and $ end anchors
            (
                "user-agent: FooBot\ndisallow: /x/*.html$\n",
                "FooBot",
                "http://foo.bar/x/a.html",
                false,
            ),
            (
                "user-agent: FooBot\ndisallow: /x/*.html$\n",
                "FooBot",
                "http://foo.bar/x/a.html?q=1",
                true,
            ),
            (
                "user-agent: FooBot\nallow: /$\ndisallow: /\n",
                "FooBot",
                "http://foo.bar/",
                true,
            ),
            (
                "user-agent: FooBot\nallow: /$\ndisallow: /\n",
                "FooBot",
                "http://foo.bar/page.html",
                false,
            ),
            // ID_UserAgentValueCaseInsensitive
            (
                "USER-AGENT: FOO BAR\ndisallow: /x/\n",
                "foo",
                "http://foo.bar/x/y",
                false,
            ),
            // ID_LinesNumbersAreCountedCorrectly style: directives are case-insensitive, paths are not
            (
                "User-Agent: FooBot\nDISALLOW: /X/\n",
                "FooBot",
                "http://foo.bar/x/y",
                true,
            ),
            (
                "User-Agent: FooBot\nDISALLOW: /X/\n",
                "FooBot",
                "http://foo.bar/X/y",
                false,
            ),
            // ID_EncodingPercent: percent-encoded and raw UTF-8 match each other
            (
                "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par\n",
                "FooBot",
                "http://foo.bar/foo/bar?qux=taz&baz=http://foo.bar?tar&par",
                true,
            ),
            (
                "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n",
                "FooBot",
                "http://foo.bar/foo/bar/%E3%83%84",
                true,
            ),
            // Missing user-agent line: rules before any group are ignored
            ("disallow: /\n", "FooBot", "http://foo.bar/", true),
        ];
        for (robots, agent, url, allowed) in cases {
            let policy = RobotsPolicy::parse(robots.as_bytes(), agent);
            assert_eq!(policy.is_allowed(agent, url), *allowed, "{robots:?} {agent} {url}");
        }
    }
}
