//! Contacts: 电话, 传真, 电子邮箱, 办公地址, 邮政编码 and 办公时间, read from the flattened lines.
//! Variants map to one key (联系电话/咨询电话/监督电话 → 电话, 地址 → 办公地址, 邮编 → 邮政编码).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::flatten::Line;

static CONTACT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(联系电话|咨询电话|办公电话|监督电话|投诉电话|举报电话|电话|传真号码|传真|电子邮箱|电子信箱|邮箱|E-?mail|办公地址|通讯地址|联系地址|地址|邮政编码|邮编|办公时间|工作时间|受理时间)\s*[:：]")
        .expect("static regex")
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\(?0\d{2,3}\)?[-\s]?)?\d{7,8}(?:-\d{1,5})?|1[3-9]\d{9}|12345").expect("static regex")
});
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("static regex"));
static POSTCODE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b\d{6}\b").expect("static regex"));

fn contact_kind(label: &str) -> &'static str {
    match label {
        l if l.contains("传真") => "传真",
        l if l.contains("电话") => "电话",
        l if l.contains("邮箱") || l.contains("信箱") || l.to_ascii_lowercase().contains("mail") => "电子邮箱",
        l if l.contains("邮") => "邮政编码",
        l if l.contains("地址") => "办公地址",
        _ => "办公时间",
    }
}

/// 电话, 传真, 电子邮箱, 办公地址, 邮政编码, 办公时间 after their labels, footer included (a
/// site's contacts count on every page).
pub(super) fn read_contacts(lines: &[Line]) -> BTreeMap<String, Vec<String>> {
    let mut contacts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in lines {
        if line.text.len() > 1000 {
            continue;
        }
        let labels: Vec<regex::Match> = CONTACT_LABEL.find_iter(&line.text).collect();
        for (i, label) in labels.iter().enumerate() {
            let end = labels.get(i + 1).map_or(line.text.len(), |next| next.start());
            let value = line.text[label.end()..end]
                .trim_matches(|c: char| c.is_whitespace() || matches!(c, ';' | '；' | '，' | ',' | '。'));
            let kind = contact_kind(label.as_str().trim_end_matches([':', '：']).trim());
            let found: Vec<String> = match kind {
                "电话" | "传真" => PHONE.find_iter(value).map(|m| m.as_str().to_string()).collect(),
                "电子邮箱" => EMAIL.find_iter(value).map(|m| m.as_str().to_string()).collect(),
                "邮政编码" => POSTCODE
                    .find_iter(value)
                    .map(|m| m.as_str().to_string())
                    .take(1)
                    .collect(),
                _ => {
                    let v: String = value.split('\t').next().unwrap_or("").trim().chars().take(80).collect();
                    if v.chars().count() >= 2 { vec![v] } else { Vec::new() }
                }
            };
            let entry = contacts.entry(kind.to_string()).or_default();
            for value in found {
                if !entry.contains(&value) {
                    entry.push(value);
                }
            }
        }
    }
    contacts.retain(|_, v| !v.is_empty());
    contacts
}
