//! Link discovery for the crawler: every way a Chinese government page leads to another.
//!
//! A streaming scan (lol_html, no DOM) finds `<a>`, `<area>`, `<frame>`, `<iframe>`, `<base>`
//! and meta refresh, with anchor text. Scripts are read too, because most list items of a real
//! site hide there: Hanweb (大汉) embeds its records as `<script type="text/xml"><datastore>
//! <record><![CDATA[<li><a href=…>]]></record>` and pages through `dataproxy.jsp`; TRS pages
//! through `createPageHTML(total, current, "index", "html")` → `index_1.html` …
//! Attachment lists that scripts write (`document.write('<a href=…downfile.jsp…>')`) are read
//! by the extractor's own rule (`extract::script`), so both stages find the same files.
//! lol_html hands over attribute values raw, so every attribute read here passes one helper,
//! [`attribute`], that decodes HTML character references once, as a browser does:
//! `href="downfile.jsp?classid=0&amp;filename=a.pdf"` is requested as `…classid=0&filename=a.pdf`.
//! Returns hrefs as written, references decoded (or absolute for generated paging); resolving
//! and scope are the caller's job.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::LazyLock;

use lol_html::html_content::{Element, TextChunk};
use lol_html::{HtmlRewriter, Settings, element, text};
use regex::Regex;
use url::Url;

// Hanweb `<record><![CDATA[…]]></record>`: one pattern, shared with extraction.
use crate::extract::clean::strip_controls;
use crate::extract::page::RECORD;
use crate::extract::script::script_attachment_links;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    A,
    Area,
    Frame,
    Iframe,
    Refresh,
    /// A list item from a Hanweb `<record>`.
    Hanweb,
    /// A list page generated from the CMS's paging data (Hanweb windows, TRS index_N).
    Paging,
    Sitemap,
    Redirect,
    /// An attachment link written by a script (`document.write`, `innerHTML`).
    Script,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::A => "a",
            LinkKind::Area => "area",
            LinkKind::Frame => "frame",
            LinkKind::Iframe => "iframe",
            LinkKind::Refresh => "refresh",
            LinkKind::Hanweb => "hanweb",
            LinkKind::Paging => "paging",
            LinkKind::Sitemap => "sitemap",
            LinkKind::Redirect => "redirect",
            LinkKind::Script => "script",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FoundLink {
    pub href: String,
    pub anchor: Option<String>,
    pub kind: LinkKind,
}

#[derive(Debug, Default)]
struct ScanState {
    base: Option<String>,
    links: Vec<FoundLink>,
    open_anchor: Option<usize>,
    script: String,
    scripts: Vec<String>,
}

/// Longest anchor text kept; list titles are short, whole paragraphs inside `<a>` are not useful.
const MAX_ANCHOR_CHARS: usize = 300;

fn push_text(target: &mut String, chunk: &str) {
    if target.chars().count() < MAX_ANCHOR_CHARS {
        target.push_str(chunk);
    }
}

/// Collapses whitespace (including `&nbsp;` and ideographic spaces), trims, and drops control
/// characters: anchors are stored and shown in reports and terminals, where `\x1b]0;…\x07`
/// would retitle the window (the rule of `extract::clean`).
pub fn clean_text(s: &str) -> String {
    let s = strip_controls(s);
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.chars().take(MAX_ANCHOR_CHARS).collect()
}

fn interesting_script(text: &str) -> bool {
    text.contains("<record")
        || text.contains("nextgroup")
        || text.contains("createPageHTML")
        || text.contains("totalRecord")
        || text.contains("document.write")
        || text.contains("HTML")
}

/// An attribute's value as the browser sees it: lol_html returns the raw text, so HTML
/// character references (`&amp;`, `&#38;`) are decoded here, once. Every attribute discovery
/// reads goes through this.
fn attribute(element: &Element, name: &str) -> Option<String> {
    element
        .get_attribute(name)
        .map(|raw| html_escape::decode_html_entities(&raw).into_owned())
}

/// All links of an HTML page. `base` is the URL the page was fetched from.
pub fn html_links(html: &str, base: &Url) -> (Option<String>, Vec<FoundLink>) {
    let state = Rc::new(RefCell::new(ScanState::default()));
    let push = |state: &Rc<RefCell<ScanState>>, href: Option<String>, kind: LinkKind| {
        if let Some(href) = href {
            state.borrow_mut().links.push(FoundLink {
                href,
                anchor: None,
                kind,
            });
        }
    };
    let (s1, s2, s3, s4) = (state.clone(), state.clone(), state.clone(), state.clone());
    let (s5, s6, s7) = (state.clone(), state.clone(), state.clone());
    let settings = Settings::new()
        .with_strict(false)
        .append_element_content_handler(element!("a", move |el: &mut Element| {
            let mut st = s1.borrow_mut();
            match attribute(el, "href") {
                Some(href) => {
                    st.links.push(FoundLink {
                        href,
                        anchor: Some(String::new()),
                        kind: LinkKind::A,
                    });
                    st.open_anchor = Some(st.links.len() - 1);
                }
                None => st.open_anchor = None,
            }
            Ok(())
        }))
        .append_element_content_handler(text!("a", move |t: &mut TextChunk| {
            let mut st = s2.borrow_mut();
            if let Some(i) = st.open_anchor
                && let Some(anchor) = st.links[i].anchor.as_mut()
            {
                push_text(anchor, t.as_str());
            }
            Ok(())
        }))
        .append_element_content_handler(element!("area[href]", move |el: &mut Element| {
            let anchor = attribute(el, "alt");
            let mut st = s3.borrow_mut();
            if let Some(href) = attribute(el, "href") {
                st.links.push(FoundLink {
                    href,
                    anchor,
                    kind: LinkKind::Area,
                });
            }
            Ok(())
        }))
        .append_element_content_handler(element!("frame[src], iframe[src]", move |el: &mut Element| {
            let kind = if el.tag_name() == "frame" {
                LinkKind::Frame
            } else {
                LinkKind::Iframe
            };
            push(&s4, attribute(el, "src"), kind);
            Ok(())
        }))
        .append_element_content_handler(element!("base[href]", move |el: &mut Element| {
            let mut st = s5.borrow_mut();
            if st.base.is_none() {
                st.base = attribute(el, "href");
            }
            Ok(())
        }))
        .append_element_content_handler(element!("meta[http-equiv]", move |el: &mut Element| {
            let is_refresh = attribute(el, "http-equiv").is_some_and(|v| v.eq_ignore_ascii_case("refresh"));
            if is_refresh && let Some(content) = attribute(el, "content") {
                let target = content
                    .split_once([';', ','])
                    .map(|(_, rest)| rest.trim())
                    .and_then(|rest| {
                        let lower = rest.to_ascii_lowercase();
                        lower
                            .starts_with("url")
                            .then(|| rest[3..].trim_start().trim_start_matches('=').trim())
                    })
                    .map(|t| t.trim_matches(|c| c == '\'' || c == '"').to_string());
                push(&s6, target, LinkKind::Refresh);
            }
            Ok(())
        }))
        .append_element_content_handler(text!("script", move |t: &mut TextChunk| {
            let mut st = s7.borrow_mut();
            st.script.push_str(t.as_str());
            if t.last_in_text_node() {
                let script = std::mem::take(&mut st.script);
                if interesting_script(&script) {
                    st.scripts.push(script);
                }
            }
            Ok(())
        }));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    let scanned = rewriter.write(html.as_bytes()).and_then(|()| rewriter.end());
    let mut st = state.take();
    if scanned.is_err() {
        // lol_html refuses a few pathological inputs; fall back to a plain href scan.
        st.links = fallback_links(html);
    }
    for link in &mut st.links {
        if let Some(anchor) = link.anchor.take() {
            let cleaned = clean_text(&html_escape::decode_html_entities(&anchor));
            link.anchor = (!cleaned.is_empty()).then_some(cleaned);
        }
    }
    let page_base = st
        .base
        .as_deref()
        .and_then(|b| base.join(b).ok())
        .unwrap_or_else(|| base.clone());
    // jpage's `perPage` usually sits in a script of its own after the datastore.
    let per_page = st
        .scripts
        .iter()
        .find_map(|s| PER_PAGE.captures(s).and_then(|c| c[1].parse::<u32>().ok()))
        .filter(|n| *n > 0)
        .unwrap_or(15);
    for script in &st.scripts {
        st.links.extend(hanweb_script_links(script, &page_base, per_page));
        st.links.extend(trs_paging_links(script));
        st.links
            .extend(script_attachment_links(script, &page_base).into_iter().map(|link| {
                let text = clean_text(&link.text);
                FoundLink {
                    href: link.href,
                    anchor: (!text.is_empty()).then_some(text),
                    kind: LinkKind::Script,
                }
            }));
    }
    (st.base, st.links)
}

static HREF_SCAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))[^>]*>(.*?)</a\s*>"#)
        .expect("static regex")
});
static TAGS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<[^>]*>").expect("static regex"));
static NEXTGROUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>").expect("static regex"));
static PER_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\bperPage\s*["']?\s*[:=]\s*["']?(\d{1,4})"#).expect("static regex"));
static TOTAL_RECORD_XML: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<totalrecord>\s*(\d{1,9})\s*</totalrecord>").expect("static regex"));
static TOTAL_PAGE_XML: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<totalpage>\s*(\d{1,9})\s*</totalpage>").expect("static regex"));
static CREATE_PAGE_HTML: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"createPageHTML\s*\(\s*([A-Za-z_$][\w$]*|\d{1,6})\s*,\s*([A-Za-z_$][\w$]*|\d{1,6})\s*,\s*["']([^"']{1,64})["']\s*,\s*["']([A-Za-z0-9]{1,8})["']"#)
        .expect("static regex")
});

/// Anchors found by a plain scan of an HTML fragment.
fn fragment_links(fragment: &str, kind: LinkKind) -> Vec<FoundLink> {
    HREF_SCAN
        .captures_iter(fragment)
        .filter_map(|c| {
            let href = c.get(1).or(c.get(2)).or(c.get(3))?.as_str();
            let text = clean_text(&html_unescape_basic(
                &TAGS.replace_all(c.get(4).map_or("", |m| m.as_str()), " "),
            ));
            Some(FoundLink {
                href: html_unescape_basic(href),
                anchor: (!text.is_empty()).then_some(text),
                kind,
            })
        })
        .collect()
}

fn fallback_links(html: &str) -> Vec<FoundLink> {
    fragment_links(html, LinkKind::A)
}

fn html_unescape_basic(s: &str) -> String {
    html_escape::decode_html_entities(s).into_owned()
}

/// Hanweb records in a `<datastore>` script, and the first `dataproxy.jsp` window of the column.
fn hanweb_script_links(script: &str, base: &Url, per_page: u32) -> Vec<FoundLink> {
    let mut links = Vec::new();
    for record in RECORD.captures_iter(script) {
        links.extend(fragment_links(&record[1], LinkKind::Hanweb));
    }
    if let Some(group) = NEXTGROUP.captures(script)
        && let Some(first) = fragment_links(&group[1], LinkKind::Paging).into_iter().next()
        && let Ok(proxy) = base.join(&first.href)
    {
        links.push(FoundLink {
            href: with_window(&proxy, 1, per_page * 3, per_page).to_string(),
            anchor: None,
            kind: LinkKind::Paging,
        });
    }
    links
}

/// The most windows generated for one column: a cap on a lying `totalrecord`.
const MAX_WINDOWS: u32 = 2000;

/// A dataproxy URL asking for records `start..=end`.
fn with_window(proxy: &Url, start: u32, end: u32, per_page: u32) -> Url {
    let kept: Vec<(String, String)> = proxy
        .query_pairs()
        .filter(|(k, _)| !matches!(k.as_ref(), "page" | "startrecord" | "endrecord" | "perpage"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut url = proxy.clone();
    {
        let mut query = url.query_pairs_mut();
        query.clear();
        for (k, v) in &kept {
            query.append_pair(k, v);
        }
        query.append_pair("startrecord", &start.to_string());
        query.append_pair("endrecord", &end.to_string());
        query.append_pair("perpage", &per_page.to_string());
    }
    url
}

/// Links in a Hanweb `dataproxy.jsp` response: its records, and — from the first window —
/// every further window up to `<totalrecord>` (or `<totalpage>` for `page=N` paging).
pub fn hanweb_dataproxy_links(xml: &str, request: &Url) -> Vec<FoundLink> {
    let mut links = Vec::new();
    for record in RECORD.captures_iter(xml) {
        links.extend(fragment_links(&record[1], LinkKind::Hanweb));
    }
    let param = |name: &str| {
        request
            .query_pairs()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<u32>().ok())
    };
    if let (Some(1), Some(end), Some(total)) = (
        param("startrecord"),
        param("endrecord"),
        TOTAL_RECORD_XML.captures(xml).and_then(|c| c[1].parse::<u32>().ok()),
    ) {
        let width = end.max(1);
        let per_page = param("perpage").unwrap_or(15).max(1);
        let mut start = end + 1;
        let mut windows = 0;
        while start <= total && windows < MAX_WINDOWS {
            links.push(FoundLink {
                href: with_window(request, start, start + width - 1, per_page).to_string(),
                anchor: None,
                kind: LinkKind::Paging,
            });
            start += width;
            windows += 1;
        }
    } else if let (Some(1), Some(total_pages)) = (
        param("page"),
        TOTAL_PAGE_XML.captures(xml).and_then(|c| c[1].parse::<u32>().ok()),
    ) {
        for page in 2..=total_pages.min(MAX_WINDOWS) {
            let mut url = request.clone();
            let kept: Vec<(String, String)> = request
                .query_pairs()
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            url.query_pairs_mut()
                .clear()
                .extend_pairs(kept)
                .append_pair("page", &page.to_string());
            links.push(FoundLink {
                href: url.to_string(),
                anchor: None,
                kind: LinkKind::Paging,
            });
        }
    }
    links
}

/// TRS list paging: `createPageHTML(5, 0, "index", "html")` means `index.html` and
/// `index_1.html` … `index_4.html` beside the current page. The count may be a variable
/// (`var countPage = 5`).
fn trs_paging_links(script: &str) -> Vec<FoundLink> {
    let Some(c) = CREATE_PAGE_HTML.captures(script) else {
        return Vec::new();
    };
    let resolve = |token: &str| -> Option<u32> {
        token.parse::<u32>().ok().or_else(|| {
            let pattern = format!(r"\bvar\s+{}\s*=\s*(\d{{1,6}})", regex::escape(token));
            Regex::new(&pattern).ok()?.captures(script)?[1].parse().ok()
        })
    };
    let Some(total) = resolve(&c[1]) else {
        return Vec::new();
    };
    let (name, ext) = (&c[3], &c[4]);
    let mut links = vec![FoundLink {
        href: format!("{name}.{ext}"),
        anchor: None,
        kind: LinkKind::Paging,
    }];
    for i in 1..total.min(MAX_WINDOWS) {
        links.push(FoundLink {
            href: format!("{name}_{i}.{ext}"),
            anchor: None,
            kind: LinkKind::Paging,
        });
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://a.gov.cn/col/col6027/index.html").unwrap()
    }

    #[test]
    fn finds_every_html_link_kind() {
        let html = r#"<html><head><meta http-equiv="refresh" content="5; URL='/moved.html'"></head><body>
            <a href="/a.html"> 通知 <b>公告</b>&nbsp;</a><a name="x">no href</a>
            <map><area href="/area.html" alt="地图"></map>
            <frameset><frame src="/frame.html"></frameset><iframe src="/iframe.html"></iframe>
            <a href="mailto:x@a.gov.cn">mail</a></body></html>"#;
        let (_, links) = html_links(html, &base());
        let got: Vec<(&str, Option<&str>, LinkKind)> = links
            .iter()
            .map(|l| (l.href.as_str(), l.anchor.as_deref(), l.kind))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/moved.html", None, LinkKind::Refresh),
                ("/a.html", Some("通知 公告"), LinkKind::A),
                ("/area.html", Some("地图"), LinkKind::Area),
                ("/frame.html", None, LinkKind::Frame),
                ("/iframe.html", None, LinkKind::Iframe),
                ("mailto:x@a.gov.cn", Some("mail"), LinkKind::A),
            ]
        );
    }

    #[test]
    fn control_characters_never_reach_stored_anchors() {
        // Raw, as entities, in a Hanweb record and in a script-written attachment link.
        let html = "<a href=\"/a.html\">关于\u{1b}]0;pwned\u{7}印发\u{9b}2J方案</a>\
            <a href=\"/b.html\">清屏\u{1b}[2J通知&#127;</a>\
            <script type=\"text/xml\"><datastore><recordset><record><![CDATA[<li><a href='/art/2025/3/5/art_1_1.html'>记录\u{1b}[31m标题</a></li>]]></record></recordset></datastore></script>\
            <script>document.write('<a href=\"/attach/x.pdf\">附件\u{1b}]0;x\u{7}</a>');</script>";
        let (_, links) = html_links(html, &base());
        let anchors: Vec<&str> = links.iter().filter_map(|l| l.anchor.as_deref()).collect();
        assert_eq!(
            anchors,
            vec!["关于]0;pwned印发2J方案", "清屏[2J通知", "记录[31m标题", "附件]0;x"],
            "{links:?}"
        );
    }

    #[test]
    fn reads_hanweb_datastore_and_first_window() {
        let html = r#"<div id="div4507"><script type="text/xml"><datastore>
            <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=6027&unitid=4507&webname=%E5%91%A8&permissiontype=0"></a>]]></nextgroup>
            <recordset><record><![CDATA[<li><a href='/art/2025/3/5/art_6027_1.html' title='关于'>关于&amp;公开</a><span>2025-03-05</span></li>]]></record>
            <record><![CDATA[<li><a href="/art/2025/3/4/art_6027_2.html">第二条</a></li>]]></record></recordset></datastore></script>
            <script>$('#div4507').jpage({dataStore: dataStore, perPage: 20, totalRecord: 100});</script></div>"#;
        let (_, links) = html_links(html, &base());
        assert_eq!(links[0].href, "/art/2025/3/5/art_6027_1.html");
        assert_eq!(links[0].anchor.as_deref(), Some("关于&公开"));
        assert_eq!(links[0].kind, LinkKind::Hanweb);
        assert_eq!(links[1].href, "/art/2025/3/4/art_6027_2.html");
        let window = &links[2];
        assert_eq!(window.kind, LinkKind::Paging);
        assert!(window.href.contains("columnid=6027"), "{}", window.href);
        assert!(
            window.href.ends_with("startrecord=1&endrecord=60&perpage=20"),
            "{}",
            window.href
        );
        assert!(!window.href.contains("page=1&"), "{}", window.href);
    }

    #[test]
    fn dataproxy_first_window_generates_the_rest() {
        let request = Url::parse(
            "http://a.gov.cn/module/web/jpage/dataproxy.jsp?columnid=6027&startrecord=1&endrecord=45&perpage=15",
        )
        .unwrap();
        let xml = "<datastore><totalrecord>100</totalrecord><recordset><record><![CDATA[<li><a href='/art/x.html'>x</a></li>]]></record></recordset></datastore>";
        let links = hanweb_dataproxy_links(xml, &request);
        let hrefs: Vec<&str> = links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(hrefs.len(), 3);
        assert_eq!(hrefs[0], "/art/x.html");
        assert!(hrefs[1].ends_with("startrecord=46&endrecord=90&perpage=15"));
        assert!(hrefs[2].ends_with("startrecord=91&endrecord=135&perpage=15"));
        // Later windows generate nothing more.
        let later = Url::parse(
            "http://a.gov.cn/module/web/jpage/dataproxy.jsp?columnid=6027&startrecord=46&endrecord=90&perpage=15",
        )
        .unwrap();
        assert_eq!(hanweb_dataproxy_links(xml, &later).len(), 1);
    }

    #[test]
    fn reads_trs_paging() {
        let cases = [
            (
                r#"createPageHTML(4, 0, "index", "html");"#,
                vec!["index.html", "index_1.html", "index_2.html", "index_3.html"],
            ),
            (
                "var countPage = 2//共多少页\ncreatePageHTML(countPage, currentPage, \"index\", \"shtml\");",
                vec!["index.shtml", "index_1.shtml"],
            ),
            ("createPageHTML(x, 0, 'index', 'html');", vec![]),
        ];
        for (script, expected) in cases {
            let html = format!("<script>{script}</script>");
            let (_, links) = html_links(&html, &base());
            let hrefs: Vec<&str> = links.iter().map(|l| l.href.as_str()).collect();
            assert_eq!(hrefs, expected, "{script}");
        }
    }

    #[test]
    fn attribute_references_are_decoded_once() {
        let cases = [
            (
                r#"<a href="/module/download/downfile.jsp?classid=0&amp;filename=3f2a9c.pdf">附件</a>"#,
                "/module/download/downfile.jsp?classid=0&filename=3f2a9c.pdf",
            ),
            (r#"<a href="/a.jsp?x=1&#38;y=2">a</a>"#, "/a.jsp?x=1&y=2"),
            (r#"<a href="/a.jsp?x=1&#x26;y=2">a</a>"#, "/a.jsp?x=1&y=2"),
            (r#"<a href="/a.jsp?x=1&amp;amp;y=2">a</a>"#, "/a.jsp?x=1&amp;y=2"),
            (r#"<a href="/a.jsp?x=1&copy=2">a</a>"#, "/a.jsp?x=1&copy=2"),
            (r#"<a href='/a.jsp?x=1&y=2'>a</a>"#, "/a.jsp?x=1&y=2"),
            (
                r#"<map><area href="/m.jsp?a=1&amp;b=2" alt="x"></map>"#,
                "/m.jsp?a=1&b=2",
            ),
            (r#"<iframe src="/f.jsp?a=1&amp;b=2"></iframe>"#, "/f.jsp?a=1&b=2"),
            (
                r#"<meta http-equiv="refresh" content="0;url=/r.jsp?a=1&amp;b=2">"#,
                "/r.jsp?a=1&b=2",
            ),
        ];
        for (html, expected) in cases {
            let (_, links) = html_links(html, &base());
            assert_eq!(links.first().map(|l| l.href.as_str()), Some(expected), "{html}");
        }
        let (_, links) = html_links(r#"<map><area href="/m.html" alt="地图&amp;规划"></map>"#, &base());
        assert_eq!(links[0].anchor.as_deref(), Some("地图&规划"));
        let (base_href, _) = html_links(r#"<base href="/x/?a=1&amp;b=2">"#, &base());
        assert_eq!(base_href.as_deref(), Some("/x/?a=1&b=2"));
    }

    #[test]
    fn attachments_written_by_scripts_are_links() {
        let html = r#"<div id="zoom"><p>正文</p></div>
            <script type="text/javascript">
            document.write('<p>附件：<a href="/module/download/downfile.jsp?classid=0&filename=ab12.pdf">实施方案.pdf</a></p>');
            document.getElementById("fj").innerHTML = "<a href='" + "/attach/2025/tj.xlsx" + "'>统计表</a>";
            document.write('<a href="/col/col1/index.html">栏目</a>');
            </script>"#;
        let (_, links) = html_links(html, &base());
        let got: Vec<(&str, Option<&str>, LinkKind)> = links
            .iter()
            .map(|l| (l.href.as_str(), l.anchor.as_deref(), l.kind))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "/module/download/downfile.jsp?classid=0&filename=ab12.pdf",
                    Some("实施方案.pdf"),
                    LinkKind::Script
                ),
                ("/attach/2025/tj.xlsx", Some("统计表"), LinkKind::Script),
            ]
        );
    }

    #[test]
    fn discovery_and_extraction_agree_on_attachment_urls() {
        let html = r#"<html><body><h1>关于印发方案的通知</h1>
            <a href="/module/download/downfile.jsp?classid=0&amp;filename=a.pdf">附件一</a>
            <a href="downfile.jsp?classid=0&#38;filename=b.docx">附件二</a>
            <a href="/attach/c.xls?v=1&amp;t=2">附件三</a>
            <script>document.write('<a href="/module/download/downfile.jsp?classid=0&amp;filename=d.zip">附件四</a>');</script>
            </body></html>"#;
        let page = Url::parse("http://a.gov.cn/module/download/page.html").unwrap();
        let (_, links) = html_links(html, &page);
        let mut crawled: Vec<String> = links
            .iter()
            .filter_map(|l| page.join(&l.href).ok())
            .filter(|u| crate::extract::kind::attachment_ext(u).is_some())
            .map(|u| u.to_string())
            .collect();
        let facts = crate::extract::page::extract_page(&crate::extract::page::PageInput {
            url: &page,
            body: html.as_bytes(),
            content_type: Some("text/html"),
            last_modified: None,
        });
        let mut extracted: Vec<String> = facts.attachments.iter().map(|a| a.url.clone()).collect();
        crawled.sort();
        extracted.sort();
        assert_eq!(crawled, extracted);
        assert_eq!(
            extracted,
            vec![
                "http://a.gov.cn/attach/c.xls?v=1&t=2",
                "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=a.pdf",
                "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=b.docx",
                "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=d.zip",
            ]
        );
    }

    #[test]
    fn base_href_is_reported() {
        let (base_href, _) = html_links(r#"<base href="http://b.gov.cn/x/"><a href="y.html">y</a>"#, &base());
        assert_eq!(base_href.as_deref(), Some("http://b.gov.cn/x/"));
    }

    #[test]
    fn malformed_html_never_panics() {
        let inputs = [
            "<a href=",
            "<<<>>>",
            "<script>createPageHTML(99999999,",
            "<a href='x'>".repeat(1000).as_str().to_owned().leak(),
        ];
        for input in inputs {
            let _ = html_links(input, &base());
        }
    }
}
