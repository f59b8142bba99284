//! `validity_labelled`: the documents of a policy column state their validity (有效/失效/废止),
//! and none still says 有效 when a 清理结果 notice of the site abolished it.

use std::collections::HashMap;

use super::Context;
use super::column::not_found;
use crate::assess::model::Page;
use crate::assess::verdict::{Outcome, cite};

const INVALID: &[&str] = &["失效", "废止", "已修订", "已修改", "停止执行"];

pub fn validity_labelled(cx: &Context<'_>, key: &str) -> Outcome {
    let columns = cx.site.key_columns(key);
    if columns.is_empty() {
        return not_found(cx, key);
    }
    let key_name = cx.key_name(key);
    let docs: Vec<&Page> = cx
        .site
        .column_documents(&columns)
        .iter()
        .filter(|d| d.date.is_none_or(|x| x <= cx.as_of))
        .filter_map(|d| d.page)
        .filter(|p| p.kind == "article" && !p.title.contains("清理") && !p.title.contains("解读"))
        .collect();
    if docs.is_empty() {
        return Outcome::fail(format!("「{key_name}」栏目没有可检查的文件"), Vec::new());
    }
    // Documents a 清理 notice lists under a 废止/失效 heading (until a 继续有效 one).
    let mut abolished: HashMap<String, &Page> = HashMap::new();
    for notice in cx
        .site
        .pages
        .iter()
        .filter(|p| p.title.contains("清理") && p.kind == "article")
    {
        let mut invalid_lines = Vec::new();
        let mut in_invalid = false;
        let text = notice.text();
        for line in text.lines() {
            if line.contains("继续有效") || line.contains("保留") {
                in_invalid = false;
            } else if INVALID.iter().any(|w| line.contains(w)) {
                in_invalid = true;
            }
            if in_invalid {
                invalid_lines.push(line);
            }
        }
        let links = notice.links();
        for (to, anchor) in links.iter() {
            let anchor = crate::assess::model::unquoted(anchor.trim());
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
                if evidence.len() < 10 {
                    evidence.push(cite(&doc.url, "未标注有效性"));
                }
            }
            Some(v) if !INVALID.iter().any(|w| v.contains(w)) => {
                if let Some(notice) = abolished.get(doc.url.as_str()) {
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
        "「{key_name}」栏目{}件文件中{good}件标注了有效性且与清理结果一致",
        docs.len()
    );
    if !unlabelled.is_empty() {
        let shown: Vec<&String> = unlabelled.iter().take(10).collect();
        reason.push_str(&format!(
            "；未标注有效性{}件：{}",
            unlabelled.len(),
            shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("、")
        ));
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
