//! Rules on what pages say and hold: required words, table headers, attachments, links,
//! forms, images, validity labels, policy/解读 cross-links.

use regex::Regex;

use super::rules::{Cite, ColumnView, Item, Outcome, Status, cite, cite_item};
use super::site::{Page, SiteView};

/// A text to search: a page's cleaned text or an item title when the page was not crawled,
/// without quotation marks (page texts are stored that way; titles are unquoted here).
pub struct Doc<'a> {
    pub url: &'a str,
    pub text: std::borrow::Cow<'a, str>,
}

/// The pages a column's content is read from: its own list pages, its item pages and their
/// attachments (`landing_only`: the list pages alone).
pub fn column_docs<'a>(site: &'a SiteView, columns: &'a [ColumnView], landing_only: bool) -> Vec<Doc<'a>> {
    let mut docs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for column in columns {
        for url in &column.pages {
            if let Some(page) = site.page(url)
                && seen.insert(page.url.as_str())
            {
                push_page(site, page, &mut docs, &mut seen);
            }
        }
        if landing_only {
            continue;
        }
        for item in &column.items {
            docs.extend(item_docs(site, item, &mut seen));
        }
    }
    docs
}

fn push_page<'a>(
    site: &'a SiteView,
    page: &'a Page,
    docs: &mut Vec<Doc<'a>>,
    seen: &mut std::collections::HashSet<&'a str>,
) {
    docs.push(Doc {
        url: &page.url,
        text: page.text().into(),
    });
    for attachment in &page.attachments {
        if let Some(file) = site.page(&attachment.url)
            && seen.insert(file.url.as_str())
        {
            docs.push(Doc {
                url: &file.url,
                text: file.text().into(),
            });
        }
    }
}

/// One item's texts: its title, its page and the page's attachments.
fn item_docs<'a>(site: &'a SiteView, item: &'a Item, seen: &mut std::collections::HashSet<&'a str>) -> Vec<Doc<'a>> {
    let mut docs = vec![Doc {
        url: &item.url,
        text: unquoted(&item.title),
    }];
    if let Some(page) = site.page(&item.url)
        && seen.insert(page.url.as_str())
    {
        push_page(site, page, &mut docs, seen);
    }
    docs
}

/// Items of the columns whose title matches `pattern`, newest first.
pub fn matching_items<'a>(columns: &'a [ColumnView], pattern: Option<&Regex>) -> Vec<&'a Item> {
    let mut seen = std::collections::HashSet::new();
    let mut items: Vec<&Item> = columns
        .iter()
        .flat_map(|c| &c.items)
        .filter(|i| pattern.is_none_or(|p| p.is_match(&i.title)))
        .filter(|i| seen.insert(i.url.as_str()))
        .collect();
    items.sort_by_key(|b| std::cmp::Reverse(b.date));
    items
}

/// The line around the first occurrence of `needle`, shortened for a report.
pub fn excerpt(text: &str, needle: &str) -> String {
    let Some(at) = text.find(needle) else {
        return String::new();
    };
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line: Vec<char> = text[start..end].chars().collect();
    let pos = text[start..at].chars().count();
    let from = pos.saturating_sub(30);
    let to = (pos + needle.chars().count() + 30).min(line.len());
    let mut out: String = line[from..to].iter().collect::<String>().replace('\t', " ");
    if from > 0 {
        out.insert(0, '…');
    }
    if to < line.len() {
        out.push('…');
    }
    out
}

/// Quotation marks removed: “双公示”目录 is a 双公示目录. Page texts are stored this way.
pub fn unquoted(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(QUOTES) {
        std::borrow::Cow::Owned(text.replace(QUOTES, ""))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

const QUOTES: &[char] = &['“', '”', '‘', '’', '"', '「', '」'];

/// Where a term (one of its `|` alternatives) first occurs among the docs.
pub fn find_term(docs: &[Doc<'_>], term: &str) -> Option<Cite> {
    term.split('|')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .find_map(|alt| {
            // One SIMD searcher per alternative: a column of a large site is megabytes of text.
            let finder = memchr::memmem::Finder::new(alt);
            docs.iter().find_map(|d| {
                finder
                    .find(d.text.as_bytes())
                    .map(|_| cite(d.url, excerpt(&d.text, alt)))
            })
        })
}

fn shown(term: &str) -> String {
    term.replace('|', "或")
}

/// `contains_all` / `contains_any` over one set of docs.
pub fn contains(where_: &str, docs: &[Doc<'_>], terms: &[String], all: bool) -> Outcome {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for term in terms {
        match find_term(docs, term) {
            Some(c) => found.push((term, c)),
            None => missing.push(shown(term)),
        }
    }
    let pages = docs.iter().filter(|d| d.url.starts_with("http")).count();
    let evidence: Vec<Cite> = found.iter().map(|(_, c)| c.clone()).collect();
    let found_names: Vec<String> = found.iter().map(|(t, _)| format!("「{}」", shown(t))).collect();
    if all {
        let reason = if missing.is_empty() {
            format!("{where_}包含全部要素：{}", found_names.join(""))
        } else {
            format!(
                "{where_}缺少要素：{}（已查{}个页面和附件{}）",
                missing.iter().map(|m| format!("「{m}」")).collect::<String>(),
                pages,
                if found_names.is_empty() {
                    String::new()
                } else {
                    format!("；已有{}", found_names.join(""))
                }
            )
        };
        Outcome::graded(found.len(), terms.len(), reason, evidence)
    } else if let Some((term, c)) = found.first() {
        Outcome::new(
            Status::Pass,
            Some(1.0),
            format!("{where_}载有「{}」：{}", shown(term), c.excerpt),
            vec![c.clone()],
        )
    } else {
        Outcome::new(
            Status::Fail,
            Some(0.0),
            format!(
                "{where_}（已查{pages}个页面和附件）未见以下任一内容：{}",
                missing.join("、")
            ),
            Vec::new(),
        )
    }
}

/// `contains_*` judged item by item: each matching item (its page and attachments) must hold
/// the terms; the score is the share of complete items.
pub fn contains_per_item(site: &SiteView, items: &[&Item], terms: &[String], all: bool, what: &str) -> Outcome {
    if items.is_empty() {
        return Outcome::new(Status::Fail, Some(0.0), format!("未找到{what}"), Vec::new());
    }
    let mut complete = 0;
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    for item in items {
        let mut seen = std::collections::HashSet::new();
        let docs = item_docs(site, item, &mut seen);
        let outcome = contains(&format!("《{}》", item.title), &docs, terms, all);
        evidence.push(cite_item(item));
        if outcome.status == Status::Pass {
            complete += 1;
        } else {
            problems.push(outcome.reason);
        }
    }
    let reason = if problems.is_empty() {
        format!("{}项{what}均符合要求", items.len())
    } else {
        format!(
            "{}项{what}中{}项符合要求；{}",
            items.len(),
            complete,
            problems.join("；")
        )
    };
    Outcome::graded(complete, items.len(), reason, evidence)
}

/// Header cells of a table (all header rows, or the first row when none was detected).
fn header_cells(table: &crate::extract::table::Table) -> Vec<&str> {
    let rows: Vec<&Vec<String>> = if table.headers.is_empty() {
        table.rows.iter().take(1).collect()
    } else {
        table.headers.iter().collect()
    };
    rows.into_iter().flatten().map(String::as_str).collect()
}

fn satisfied<'a>(headers: &'a [String], cells: &[&str]) -> (Vec<&'a String>, Vec<&'a String>) {
    headers.iter().partition(|h| {
        h.split('|')
            .map(str::trim)
            .any(|alt| cells.iter().any(|c| c.contains(alt)))
    })
}

/// `table_headers`: the newest item holding a table (in its page or attachments) with any of
/// the headers is judged on its best table; older versions do not make up for a newer one.
pub fn table_headers(
    site: &SiteView,
    key_name: &str,
    columns: &[ColumnView],
    items: &[&Item],
    headers: &[String],
) -> Outcome {
    let mut candidates: Vec<(String, String, Vec<&crate::extract::table::Table>)> = Vec::new();
    for item in items {
        let Some(page) = site.page(&item.url) else { continue };
        let mut tables: Vec<(&str, &crate::extract::table::Table)> =
            page.tables.iter().map(|t| (page.url.as_str(), t)).collect();
        for a in &page.attachments {
            if let Some(file) = site.page(&a.url) {
                tables.extend(file.tables.iter().map(|t| (file.url.as_str(), t)));
            }
        }
        if !tables.is_empty() {
            candidates.push((
                item.url.clone(),
                format!("《{}》", item.title),
                tables.into_iter().map(|(_, t)| t).collect(),
            ));
        }
    }
    for column in columns {
        for url in &column.pages {
            if let Some(page) = site.page(url)
                && !page.tables.is_empty()
            {
                candidates.push((
                    url.clone(),
                    format!("「{}」栏目页", column.name),
                    page.tables.iter().collect(),
                ));
            }
        }
    }
    for (url, label, tables) in &candidates {
        let best = tables
            .iter()
            .map(|t| {
                let cells = header_cells(t);
                let (ok, missing) = satisfied(headers, &cells);
                (ok.len(), missing, cells.join("、"), t.source.clone())
            })
            .max_by_key(|(n, ..)| *n);
        let Some((n, missing, cells, source)) = best else {
            continue;
        };
        if n == 0 {
            continue;
        }
        let source = if source == "html" {
            "网页表格".to_string()
        } else {
            format!("附件表格（{source}）")
        };
        let reason = if missing.is_empty() {
            format!("{label}{source}表头包含全部要素：{cells}")
        } else {
            format!(
                "{label}{source}表头缺少：{}（现有表头：{cells}）",
                missing.iter().map(|m| format!("「{}」", shown(m))).collect::<String>()
            )
        };
        return Outcome::graded(n, headers.len(), reason, vec![cite(url, format!("表头：{cells}"))]);
    }
    Outcome::new(
        Status::Fail,
        Some(0.0),
        format!(
            "「{key_name}」栏目中未找到包含所需表头的表格（需要：{}）",
            headers.iter().map(|h| shown(h)).collect::<Vec<_>>().join("、")
        ),
        Vec::new(),
    )
}

/// `attachment_present`: some item links a file of these types that downloaded.
pub fn attachment_present(site: &SiteView, key_name: &str, columns: &[ColumnView], exts: &[String]) -> Outcome {
    let mut listed = 0;
    let mut pages: Vec<&Page> = Vec::new();
    for column in columns {
        pages.extend(column.pages.iter().filter_map(|u| site.page(u)));
        pages.extend(column.items.iter().filter_map(|i| site.page(&i.url)));
    }
    for page in pages {
        for a in page
            .attachments
            .iter()
            .filter(|a| exts.iter().any(|e| e.eq_ignore_ascii_case(&a.ext)))
        {
            listed += 1;
            // Stored with facts in this run (a 304 on a recrawl keeps the earlier body).
            let ok = site.page(&a.url).is_some_and(|p| !p.sha256.is_empty());
            if ok {
                let name = if a.text.is_empty() {
                    a.url.as_str()
                } else {
                    a.text.as_str()
                };
                return Outcome::new(
                    Status::Pass,
                    Some(1.0),
                    format!("《{}》提供附件「{name}」（.{}），可正常下载", page.title, a.ext),
                    vec![cite(&a.url, format!("附件「{name}」"))],
                );
            }
        }
    }
    let reason = if listed == 0 {
        format!("「{key_name}」栏目的信息未提供{}格式的附件", exts.join("/"))
    } else {
        format!("「{key_name}」栏目链接了{listed}个{}附件，但均无法下载", exts.join("/"))
    };
    Outcome::new(Status::Fail, Some(0.0), reason, Vec::new())
}

fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url).ok()?.host_str().map(str::to_ascii_lowercase)
}

/// `link_to`: a link to one of the hosts (or a subdomain), or with one of the texts.
pub fn link_to(pages: &[&Page], where_: &str, hosts: &[String], texts: &[String]) -> Outcome {
    for page in pages {
        for (to, anchor) in &page.links {
            let host_hit = host_of(to).is_some_and(|h| {
                hosts
                    .iter()
                    .any(|want| h == want.as_str() || h.ends_with(&format!(".{want}")))
            });
            let text_hit = texts.iter().find(|t| anchor.contains(t.as_str()));
            if host_hit || text_hit.is_some() {
                let anchor = if anchor.is_empty() {
                    to.as_str()
                } else {
                    anchor.as_str()
                };
                return Outcome::new(
                    Status::Pass,
                    Some(1.0),
                    format!("{where_}有链接「{anchor}」指向 {to}"),
                    vec![cite(&page.url, format!("链接「{anchor}」→ {to}"))],
                );
            }
        }
    }
    Outcome::new(
        Status::Fail,
        Some(0.0),
        format!(
            "{where_}（已查{}个页面）未见指向{}的链接",
            pages.len(),
            hosts
                .iter()
                .chain(texts.iter())
                .map(|s| format!("「{s}」"))
                .collect::<String>()
        ),
        Vec::new(),
    )
}

/// `form_present`: a site search or an online application form.
pub fn form_present(site: &SiteView, form: &str) -> Outcome {
    let (label, words): (&str, &[&str]) = match form {
        "search" => ("站内搜索", &["搜索", "检索", "全文检索"]),
        _ => ("在线申请", &["在线申请", "网上申请", "依申请公开申请"]),
    };
    let candidates: Vec<&Page> = match form {
        "search" => site.home_page().into_iter().collect(),
        _ => site.pages.iter().filter(|p| p.kind != "attachment").collect(),
    };
    for page in &candidates {
        if let Some(f) = page.forms.iter().find(|f| f.kind == form) {
            return Outcome::new(
                Status::Pass,
                Some(1.0),
                format!("《{}》提供{label}表单（提交至{}）", page.title, f.action),
                vec![cite(
                    &page.url,
                    format!("表单 action={} 字段：{}", f.action, f.fields.join("、")),
                )],
            );
        }
    }
    for page in &candidates {
        if let Some((to, anchor)) = page.links.iter().find(|(_, a)| words.iter().any(|w| a.contains(w))) {
            return Outcome::new(
                Status::Pass,
                Some(1.0),
                format!("《{}》提供「{anchor}」入口", page.title),
                vec![cite(&page.url, format!("链接「{anchor}」→ {to}"))],
            );
        }
    }
    let where_ = if form == "search" { "网站首页" } else { "网站" };
    Outcome::new(
        Status::Fail,
        Some(0.0),
        format!("{where_}未提供{label}功能"),
        Vec::new(),
    )
}

/// `image_near`: an image whose alt, file name or nearby text holds every term.
pub fn image_near(pages: &[&Page], where_: &str, terms: &[String]) -> Outcome {
    for page in pages {
        for image in &page.images {
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
                return Outcome::new(
                    Status::Pass,
                    Some(1.0),
                    format!("{where_}有图片「{label}」（{}）", image.src),
                    vec![cite(&page.url, format!("图片「{label}」{}", image.src))],
                );
            }
        }
    }
    Outcome::new(
        Status::Fail,
        Some(0.0),
        format!(
            "{where_}未见说明为{}的图片",
            terms.iter().map(|t| format!("「{}」", shown(t))).collect::<String>()
        ),
        Vec::new(),
    )
}

const INVALID: &[&str] = &["失效", "废止", "已修订", "已修改", "停止执行"];

/// `validity_labelled`: every document page states its validity, and none still says 有效
/// when a 清理结果 notice of the site declares it abolished.
pub fn validity_labelled(site: &SiteView, key_name: &str, columns: &[ColumnView]) -> Outcome {
    let docs: Vec<&Page> = columns
        .iter()
        .flat_map(|c| &c.items)
        .filter_map(|i| site.page(&i.url))
        .filter(|p| p.kind == "article" && !p.title.contains("清理"))
        .collect();
    if docs.is_empty() {
        return Outcome::new(
            Status::Fail,
            Some(0.0),
            format!("「{key_name}」栏目没有可检查的文件"),
            Vec::new(),
        );
    }
    // Documents a 清理 notice lists on a line saying 废止/失效.
    let mut abolished = std::collections::HashMap::new();
    for notice in site
        .pages
        .iter()
        .filter(|p| p.title.contains("清理") && p.kind == "article")
    {
        // Lines under a 废止/失效 heading (until a 继续有效 one) list abolished documents.
        let mut invalid_lines = Vec::new();
        let mut in_invalid = false;
        for line in notice.text().lines() {
            if line.contains("继续有效") || line.contains("保留") {
                in_invalid = false;
            } else if INVALID.iter().any(|w| line.contains(w)) {
                in_invalid = true;
            }
            if in_invalid {
                invalid_lines.push(line);
            }
        }
        for (to, anchor) in &notice.links {
            let anchor = unquoted(anchor.trim());
            if !anchor.is_empty() && invalid_lines.iter().any(|l| l.contains(anchor.as_ref())) {
                abolished.insert(to.clone(), notice);
            }
        }
    }
    let mut unlabelled = Vec::new();
    let mut contradicted = Vec::new();
    let mut evidence = Vec::new();
    for doc in &docs {
        match doc.validity.as_deref() {
            None => {
                unlabelled.push(format!("《{}》", doc.title));
                evidence.push(cite(&doc.url, "未标注有效性"));
            }
            Some(v) if !INVALID.iter().any(|w| v.contains(w)) => {
                if let Some(notice) = abolished.get(&doc.url) {
                    contradicted.push(format!(
                        "《{}》（{}已宣布废止/失效，页面仍标注「{v}」）",
                        doc.title, notice.title
                    ));
                    evidence.push(cite(&doc.url, format!("有效性：{v}")));
                    evidence.push(cite(&notice.url, format!("《{}》", notice.title)));
                }
            }
            Some(_) => {}
        }
    }
    let good = docs.len() - unlabelled.len() - contradicted.len();
    let mut reason = format!(
        "「{key_name}」栏目{}件文件中{}件标注了有效性且与清理结果一致",
        docs.len(),
        good
    );
    if !unlabelled.is_empty() {
        reason.push_str(&format!("；未标注有效性：{}", unlabelled.join("、")));
    }
    if !contradicted.is_empty() {
        reason.push_str(&format!("；标注错误：{}", contradicted.join("、")));
    }
    if evidence.is_empty()
        && let Some(doc) = docs.iter().find(|d| d.validity.is_some())
    {
        evidence.push(cite(
            &doc.url,
            format!("有效性：{}", doc.validity.clone().unwrap_or_default()),
        ));
    }
    Outcome::graded(good, docs.len(), reason, evidence)
}

/// The document a 解读's title names: 《周村区养犬管理办法》政策解读 → 周村区养犬管理办法.
fn named_document(title: &str) -> Option<&str> {
    title
        .split('《')
        .nth(1)
        .and_then(|s| s.split('》').next())
        .filter(|s| !s.is_empty())
}

/// The policy document a 解读 page is about: a linked page of the document column, else a
/// linked article named in the 解读's title (《…》).
pub fn linked_document<'a>(site: &'a SiteView, page: &Page, documents: &[ColumnView]) -> Option<&'a Page> {
    let in_docs = |url: &str| documents.iter().any(|c| c.items.iter().any(|i| i.url == url));
    let named = named_document(&page.title);
    let linked: Vec<&Page> = page
        .links
        .iter()
        .filter(|(to, _)| *to != page.url)
        .filter_map(|(to, _)| site.page(to))
        .filter(|p| p.kind == "article")
        .collect();
    linked
        .iter()
        .find(|p| in_docs(&p.url))
        .or_else(|| linked.iter().find(|p| named.is_some_and(|n| p.title.contains(n))))
        .copied()
}

/// `cross_linked`: each 解读 of the period links its document and the document links back.
pub fn cross_linked(
    site: &SiteView,
    documents: &[ColumnView],
    interpretations: &[ColumnView],
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Outcome {
    let mut pairs = 0;
    let mut broken = Vec::new();
    let mut evidence = Vec::new();
    let mut unlinked = 0;
    for item in interpretations.iter().flat_map(|c| &c.items) {
        if !item.date.is_some_and(|d| d >= from && d <= to) {
            continue;
        }
        let Some(page) = site.page(&item.url) else { continue };
        let Some(doc) = linked_document(site, page, documents) else {
            // A 解读 that names no document (一图读懂 a work report) is not a pair; one that
            // links its document on another site cannot be checked the other way.
            let named = named_document(&page.title);
            let linked_elsewhere = page.links.iter().any(|(to, anchor)| {
                named.is_some_and(|n| anchor.contains(n))
                    || !to.starts_with(&site.origin) && host_of(to).is_some_and(|h| h.ends_with(".gov.cn"))
            });
            if named.is_some() && !linked_elsewhere {
                unlinked += 1;
                broken.push(format!("解读《{}》未链接所解读的文件", page.title));
                evidence.push(cite(&page.url, "未链接政策文件"));
            }
            continue;
        };
        pairs += 1;
        if !doc.links.iter().any(|(to, _)| *to == page.url) {
            broken.push(format!("文件《{}》页面未提供解读《{}》的入口", doc.title, page.title));
            evidence.push(cite(&doc.url, "文件页面无解读链接"));
            evidence.push(cite(&page.url, format!("解读链接文件《{}》", doc.title)));
        }
    }
    let total = pairs + unlinked;
    if total == 0 {
        return Outcome::manual(format!("{from}至{to}期间未找到政策解读，无法检查文件与解读的相互关联"));
    }
    let good = total - broken.len();
    let reason = if broken.is_empty() {
        format!("{from}至{to}期间{total}组政策文件与解读均相互链接")
    } else {
        format!(
            "{from}至{to}期间{total}组政策文件与解读中{good}组相互链接；{}",
            broken.join("；")
        )
    };
    Outcome::graded(good, total, reason, evidence)
}
