//! Control characters out of every text fact, in one place.
//!
//! A page's title and text end up in terminals (`zwgk inspect`), reports and 通报 files; a
//! title holding `\x1b]0;…\x07` would retitle an auditor's terminal and `\x1b[2J` would clear
//! it. Every string of [`PageFacts`] — page or attachment — passes [`clean_facts`] once, when
//! the facts are made: C0 controls except `\t` and `\n`, DEL and C1 controls are dropped (the
//! printable rest of an escape sequence stays, harmless). [`clean_facts`] names every field of
//! `PageFacts`, so a new field does not compile until it is cleaned too.

use std::borrow::Cow;

use super::dates::DateCandidate;
use super::page::{AttachmentLink, Form, Image, LabelledDate, Link, ListItem, PageFacts};
use super::table::Table;

fn is_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// Whether `s` holds a control to strip, by bytes: C0 and DEL are single bytes, C1 controls
/// are `C2 80`…`C2 9F` in UTF-8 (texts are long, and this runs on every fact).
fn has_control(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        (b < 0x20 && b != b'\t' && b != b'\n')
            || b == 0x7f
            || (b == 0xc2 && bytes.get(i + 1).is_some_and(|next| (0x80..=0x9f).contains(next)))
    })
}

/// `s` without C0 controls (except `\t`, `\n`), DEL and C1 controls.
pub fn strip_controls(s: &str) -> Cow<'_, str> {
    if has_control(s) {
        Cow::Owned(s.chars().filter(|c| !is_control(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

fn clean(s: &mut String) {
    if let Cow::Owned(cleaned) = strip_controls(s) {
        *s = cleaned;
    }
}

fn clean_option(s: &mut Option<String>) {
    if let Some(s) = s {
        clean(s);
    }
}

fn clean_all(list: &mut [String]) {
    list.iter_mut().for_each(clean);
}

fn clean_table(table: &mut Table) {
    let Table { headers, rows, source } = table;
    headers.iter_mut().chain(rows.iter_mut()).for_each(|row| clean_all(row));
    clean(source);
}

/// Cleans every string of `facts`.
pub fn clean_facts(facts: &mut PageFacts) {
    let PageFacts {
        url,
        title,
        pub_date,
        pub_date_source: _,
        pub_date_candidates,
        pub_date_conflict: _,
        doc_date,
        event_dates,
        index_no,
        doc_no,
        publisher,
        topic,
        validity,
        column,
        column_path,
        column_type,
        kind: _,
        list_items,
        tables,
        attachments,
        links: _,
        link_list,
        forms,
        images,
        contacts,
        site_name,
        site_id_code,
        encoding,
        encoding_source,
        text,
        text_length,
        warnings,
        extractor: _,
    } = facts;
    clean(url);
    for option in [
        title,
        pub_date,
        doc_date,
        index_no,
        doc_no,
        publisher,
        topic,
        validity,
        column,
        column_type,
        site_name,
        site_id_code,
    ] {
        clean_option(option);
    }
    for DateCandidate {
        date,
        source: _,
        evidence,
        stamp: _,
    } in pub_date_candidates
    {
        clean(date);
        clean(evidence);
    }
    for LabelledDate { label, date } in event_dates {
        clean(label);
        clean(date);
    }
    clean_all(column_path);
    for ListItem { title, url, date } in list_items {
        clean(title);
        clean(url);
        clean_option(date);
    }
    tables.iter_mut().for_each(clean_table);
    for AttachmentLink { url, text, ext } in attachments {
        clean(url);
        clean(text);
        clean(ext);
    }
    for Link { url, text } in link_list {
        clean(url);
        clean(text);
    }
    for Form {
        kind,
        action,
        method,
        fields,
    } in forms
    {
        clean(kind);
        clean(action);
        clean(method);
        clean_all(fields);
    }
    for Image { src, alt, near_text } in images {
        clean(src);
        clean(alt);
        clean(near_text);
    }
    let cleaned: std::collections::BTreeMap<String, Vec<String>> = std::mem::take(contacts)
        .into_iter()
        .map(|(mut key, mut values)| {
            clean(&mut key);
            clean_all(&mut values);
            (key, values)
        })
        .collect();
    *contacts = cleaned;
    clean(encoding);
    clean(encoding_source);
    clean(text);
    *text_length = text.chars().count();
    clean_all(warnings);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_stripped() {
        let cases = [
            ("关于\u{1b}]0;pwned\u{7}印发方案", "关于]0;pwned印发方案"),
            ("\u{1b}[2J清屏", "[2J清屏"),
            ("制表\t换行\n保留", "制表\t换行\n保留"),
            ("回车\r空字符\u{0}退格\u{8}", "回车空字符退格"),
            ("删除\u{7f}C1\u{9b}31m", "删除C131m"),
            ("全角　空格与 nbsp\u{a0}保留", "全角　空格与 nbsp\u{a0}保留"),
            ("普通文本", "普通文本"),
        ];
        for (input, expected) in cases {
            assert_eq!(strip_controls(input), expected, "{input:?}");
        }
        assert!(matches!(strip_controls("普通文本"), Cow::Borrowed(_)));
    }
}
