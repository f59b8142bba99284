//! Whether the site itself states that the district lacks a function (「本区无矿业权出让审批
//! 职能」): the task table says such a leaf 「不评估」, and an assessor reads it from the 机构职能
//! pages or the column where the information would be.

use regex::Regex;

use super::Context;
use crate::assess::catalog::Rule;
use crate::assess::model::docs::find_stated;
use crate::assess::verdict::{Cite, cite};

/// The first page among the 机构职能 pages and the rule's columns whose text matches one of
/// the statements: its title and the sentence.
pub fn stated_lack(cx: &Context<'_>, rule: &Rule, statements: &[String]) -> Option<(String, Cite)> {
    if statements.is_empty() {
        return None;
    }
    let patterns: Vec<Regex> = statements.iter().filter_map(|p| Regex::new(p).ok()).collect();
    let mut keys = vec!["org_functions".to_string()];
    rule.keys(&mut keys);
    let columns: Vec<usize> = keys.iter().flat_map(|k| cx.site.key_columns(k)).collect();
    let mut docs = cx.site.column_documents(&columns);
    // The column pages themselves (a 职责 page, a column note).
    for &c in &cx.site.with_descendants(&columns) {
        if let Some(page) = cx.site.page(&cx.site.columns[c].url) {
            docs.push(crate::assess::model::docs::Doc {
                url: &page.url,
                title: &cx.site.columns[c].name,
                date: page.pub_date,
                page: Some(page),
            });
        }
    }
    for doc in docs.iter().filter(|d| d.date.is_none_or(|x| x <= cx.as_of)) {
        let Some(page) = doc.page else { continue };
        let text = page.text();
        for re in &patterns {
            if let Some(m) = re.find(&text)
                && let Some(excerpt) = find_stated(&text, m.as_str())
            {
                return Some((doc.title.to_string(), cite(doc.url, excerpt)));
            }
        }
    }
    None
}
