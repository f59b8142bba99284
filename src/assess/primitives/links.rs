//! Rules on what pages offer: a link to another site (`link_to`), a search or application
//! form (`form`), an image such as the 政务微信 二维码 (`image`).

use super::Context;
use crate::assess::catalog::FormKind;
use crate::assess::model::{Page, PageDetail};
use crate::assess::verdict::{Outcome, cite};

fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url).ok()?.host_str().map(str::to_ascii_lowercase)
}

/// `*` matches any run of characters: `*credit*` is any host with credit in it, `信用*` is
/// 信用中国, 信用山东 …; without `*`, a host matches itself and its subdomains.
fn glob(pattern: &str, text: &str, subdomains: bool) -> bool {
    if !pattern.contains('*') {
        return text == pattern || subdomains && text.ends_with(&format!(".{pattern}"));
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    let fixed: usize = parts.iter().map(|p| p.len()).sum();
    if text.len() <= fixed || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    let mut pos = first.len();
    for part in &parts[1..parts.len() - 1] {
        match text[pos..].find(part) {
            Some(at) => pos += at + part.len(),
            None => return false,
        }
    }
    text.len() - last.len() >= pos
}

/// The pages a rule looks at: the named column's pages, then the home page.
fn scope<'a>(cx: &Context<'a>, column: Option<&str>) -> (Vec<&'a Page>, String) {
    let mut pages: Vec<&'a Page> = Vec::new();
    let mut where_ = String::new();
    if let Some(key) = column.filter(|k| *k != "home") {
        let columns = cx.site.key_columns(key);
        for c in cx.site.with_descendants(&columns) {
            pages.extend(cx.site.columns[c].pages.iter().filter_map(|u| cx.site.page(u)));
        }
        where_ = format!("「{}」栏目", cx.key_name(key));
    }
    if let Some(home) = cx.site.home_page() {
        pages.push(home);
        where_ = if where_.is_empty() {
            "网站首页".to_string()
        } else {
            format!("{where_}或网站首页")
        };
    }
    (pages, where_)
}

/// `link_to`: a link to another site whose host matches one of `hosts` or whose anchor text
/// matches one of `texts`.
pub fn link_to(cx: &Context<'_>, hosts: &[String], texts: &[String], column: Option<&str>) -> Outcome {
    let (pages, where_) = scope(cx, column);
    let own = host_of(&cx.site.origin);
    for page in &pages {
        for (to, anchor) in page.links().iter() {
            let Some(host) = host_of(to) else { continue };
            if own.as_deref() == Some(host.as_str()) {
                continue;
            }
            let host_hit = hosts.iter().any(|h| glob(&h.to_ascii_lowercase(), &host, true));
            let text_hit = texts.iter().any(|t| {
                let a = anchor.trim();
                if t.contains('*') {
                    // A pattern matches a whole anchor (信用* is 信用山东, not 信用信息公示说明).
                    a.chars().count() <= 8 && glob(t, a, false)
                } else {
                    a.contains(t.as_str())
                }
            });
            if host_hit || text_hit {
                let shown = if anchor.trim().is_empty() {
                    to.as_str()
                } else {
                    anchor.trim()
                };
                return Outcome::pass(
                    format!("{where_}有链接「{shown}」指向 {to}"),
                    vec![cite(&page.url, format!("链接「{shown}」→ {to}"))],
                );
            }
        }
    }
    Outcome::fail(
        format!(
            "{where_}（已查{}个页面）未见指向{}的链接",
            pages.len(),
            hosts
                .iter()
                .chain(texts.iter())
                .map(|s| format!("「{}」", s.replace('*', "")))
                .collect::<String>()
        ),
        pages
            .first()
            .map(|p| vec![cite(&p.url, "已查页面")])
            .unwrap_or_default(),
    )
}

/// `form`: a site search (reachable from the home page) or an online 依申请 application.
pub fn form(cx: &Context<'_>, kind: FormKind) -> Outcome {
    let (label, words, kind_name): (&str, &[&str], &str) = match kind {
        FormKind::Search => ("站内搜索", &["搜索", "检索", "全文检索", "站内搜索"], "search"),
        FormKind::Apply => (
            "在线申请",
            &["在线申请", "网上申请", "依申请公开申请", "申请公开"],
            "apply",
        ),
    };
    // A form anywhere wins over an entry link; the first page in site order with one decides.
    let mut form: Option<Outcome> = None;
    let mut entry: Option<Outcome> = None;
    let mut look = |page: &Page, detail: &PageDetail| {
        if let Some(f) = detail.forms.iter().find(|f| f.kind == kind_name) {
            form = Some(Outcome::pass(
                format!("《{}》提供{label}表单（提交至{}）", page.title, f.action),
                vec![cite(
                    &page.url,
                    format!("表单 action={} 字段：{}", f.action, f.fields.join("、")),
                )],
            ));
            return false;
        }
        if entry.is_none()
            && let Some((to, anchor)) = detail.links.iter().find(|(_, a)| words.iter().any(|w| a.contains(w)))
        {
            entry = Some(Outcome::pass(
                format!("《{}》提供「{}」入口", page.title, anchor.trim()),
                vec![cite(&page.url, format!("链接「{}」→ {to}", anchor.trim()))],
            ));
        }
        true
    };
    match kind {
        FormKind::Search => {
            if let Some(home) = cx.site.home_page() {
                look(home, &home.detail());
            }
        }
        FormKind::Apply => cx.site.scan_details(|p| p.kind != "attachment", look),
    }
    if let Some(found) = form.or(entry) {
        return found;
    }
    let where_ = if kind == FormKind::Search {
        "网站首页"
    } else {
        "网站"
    };
    Outcome::fail(
        format!("{where_}未提供{label}功能"),
        cx.site
            .home_page()
            .map(|h| vec![cite(&h.url, "已查网站首页")])
            .unwrap_or_default(),
    )
}

/// `image`: an image whose alt, file name or nearby text holds every term.
pub fn image(cx: &Context<'_>, terms: &[String], column: Option<&str>) -> Outcome {
    let (pages, where_) = scope(cx, column);
    for page in &pages {
        for image in page.images().iter() {
            let around = format!("{} {} {}", image.alt, image.src, image.near_text);
            if terms
                .iter()
                .all(|t| t.split('|').any(|alt| around.contains(alt.trim())))
            {
                let label = if image.alt.is_empty() {
                    image.near_text.as_str()
                } else {
                    image.alt.as_str()
                };
                return Outcome::pass(
                    format!("{where_}有图片「{label}」（{}）", image.src),
                    vec![cite(&page.url, format!("图片「{label}」{}", image.src))],
                );
            }
        }
    }
    Outcome::fail(
        format!(
            "{where_}未见说明为{}的图片",
            terms
                .iter()
                .map(|t| format!("「{}」", t.replace('|', "或")))
                .collect::<String>()
        ),
        pages
            .first()
            .map(|p| vec![cite(&p.url, "已查页面")])
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_text_patterns() {
        assert!(glob("creditchina.gov.cn", "www.creditchina.gov.cn", true));
        assert!(!glob("creditchina.gov.cn", "creditchina.gov.cn.evil.com", true));
        assert!(glob("*credit*", "credit.linhe.gov.cn", false));
        assert!(glob("*zwfw*", "zwfw.sd.gov.cn", false));
        assert!(!glob("*zwfw*", "www.sd.gov.cn", false));
        assert!(glob("信用*", "信用山东", false));
        assert!(!glob("信用*", "守信用", false));
    }
}
