//! `cross_linked`: each 解读 of the period links the document it explains, and that document's
//! page links back. The document is found by link, by the 《title》 the 解读 names, or by its
//! 文号 — a footer link to another .gov.cn site is not "linked elsewhere".

use super::Context;
use super::column::not_found;
use super::timeliness::{linked_document, named_document};
use crate::assess::verdict::{Outcome, cite};

pub fn cross_linked(cx: &Context<'_>, documents_key: &str, interpretations_key: &str) -> Outcome {
    let columns = cx.site.key_columns(interpretations_key);
    if columns.is_empty() {
        return not_found(cx, interpretations_key);
    }
    let _ = documents_key;
    let (from, to) = (cx.year_start(), cx.as_of);
    let mut pairs = 0;
    let mut broken = Vec::new();
    let mut evidence = Vec::new();
    for doc in cx.site.column_documents(&columns) {
        if !doc.date.is_some_and(|d| d >= from && d <= to) {
            continue;
        }
        let Some(page) = doc.page else { continue };
        let Some(target) = linked_document(cx, page) else {
            // A 解读 that names no document (一图读懂 a work report) is not a pair.
            if named_document(&page.title).is_some() {
                pairs += 1;
                broken.push(format!("解读《{}》所解读的文件未在本站找到", page.title));
                evidence.push(cite(&page.url, "未链接政策文件"));
            }
            continue;
        };
        pairs += 1;
        let forward = page.links().iter().any(|(u, _)| *u == target.url);
        let back = target.links().iter().any(|(u, _)| *u == page.url);
        match (forward, back) {
            (true, true) => {
                if evidence.len() < 3 {
                    evidence.push(cite(&page.url, format!("解读与文件《{}》相互链接", target.title)));
                }
            }
            (false, _) => {
                broken.push(format!("解读《{}》未链接文件《{}》", page.title, target.title));
                evidence.push(cite(&page.url, format!("未链接文件《{}》", target.title)));
            }
            (true, false) => {
                broken.push(format!(
                    "文件《{}》页面未提供解读《{}》的入口",
                    target.title, page.title
                ));
                evidence.push(cite(&target.url, "文件页面无解读链接"));
            }
        }
    }
    if pairs == 0 {
        return Outcome::manual(format!(
            "{from}至{to}期间未找到解读具体文件的政策解读，无法检查文件与解读的相互关联"
        ));
    }
    let good = pairs - broken.len();
    let reason = if broken.is_empty() {
        format!("{from}至{to}期间{pairs}组政策文件与解读均相互链接")
    } else {
        format!(
            "{from}至{to}期间{pairs}组政策文件与解读中{good}组相互链接；{}",
            broken.join("；")
        )
    };
    Outcome::graded(good, pairs, reason, evidence)
}
