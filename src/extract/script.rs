//! Attachment links that a page's scripts write: Hanweb and older CMS templates print the
//! attachment list with `document.write('<a href="/module/download/downfile.jsp?classid=0&
//! filename=ab12.pdf">附件：….pdf</a>')` or build it into an `innerHTML`, so the link is in no
//! `<a>` of the served HTML (fixture `fixtures/pages/hanweb_art_script_attachment.html`).
//!
//! In: the text of one `<script>` and the page's base URL. Out: the attachment links written
//! by it. Conservative on purpose: only the string literals of a `document.write(…)`/
//! `document.writeln(…)` call or an `….innerHTML =`/`+=` assignment are read, their pieces
//! joined as `+` joins them, and only `href`s that are complete there (no variable inside)
//! and have an attachment extension count. Comments are skipped. Must not: run scripts, or
//! guess the value of a variable.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::kind::attachment_ext;

/// A link written by a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptLink {
    /// As written in the script, JavaScript escapes and HTML character references decoded.
    pub href: String,
    pub url: Url,
    pub text: String,
    pub ext: String,
}

/// Stands for a value only known when the script runs (a variable between two literals).
const UNKNOWN: char = '\u{1}';
/// The longest script read; templates' attachment scripts are a few hundred bytes.
const MAX_SCRIPT_BYTES: usize = 256 * 1024;

/// The HTML the script writes: for every `document.write(…)` and `innerHTML` assignment, its
/// string literals joined, with [`UNKNOWN`] where anything else stood.
fn written_html(script: &str) -> Vec<String> {
    if !script.contains("write") && !script.contains("HTML") {
        return Vec::new();
    }
    let script = &script[..floor_char_boundary(script, MAX_SCRIPT_BYTES)];
    let chars: Vec<char> = script.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '/' if chars.get(i + 1) == Some(&'/') => i = skip_line_comment(&chars, i),
            '/' if chars.get(i + 1) == Some(&'*') => i = skip_block_comment(&chars, i),
            '\'' | '"' | '`' => i = read_literal(&chars, i).1,
            _ => {
                if let Some((start, ends_at_paren)) = writer_call_at(&chars, i) {
                    let (html, end) = read_expression(&chars, start, ends_at_paren);
                    if html.contains("href") {
                        out.push(html);
                    }
                    i = end.max(i + 1);
                } else {
                    i += 1;
                }
            }
        }
    }
    out
}

fn floor_char_boundary(s: &str, at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    (0..=at).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0)
}

fn skip_line_comment(chars: &[char], i: usize) -> usize {
    chars[i..]
        .iter()
        .position(|c| *c == '\n')
        .map_or(chars.len(), |p| i + p + 1)
}

fn skip_block_comment(chars: &[char], i: usize) -> usize {
    chars[i + 2..]
        .windows(2)
        .position(|w| w == ['*', '/'])
        .map_or(chars.len(), |p| i + 2 + p + 2)
}

fn starts_with(chars: &[char], i: usize, word: &str) -> bool {
    word.chars().enumerate().all(|(k, c)| chars.get(i + k) == Some(&c))
}

fn skip_spaces(chars: &[char], mut i: usize) -> usize {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

/// At `document.write(` / `document.writeln(`: where the argument starts and `true`; at
/// `.innerHTML =` / `+=`: where the value starts and `false`.
fn writer_call_at(chars: &[char], i: usize) -> Option<(usize, bool)> {
    let is_word_start = i == 0 || !chars[i - 1].is_alphanumeric() && chars[i - 1] != '_' && chars[i - 1] != '$';
    if is_word_start && starts_with(chars, i, "document") {
        let mut k = skip_spaces(chars, i + "document".len());
        if chars.get(k) != Some(&'.') {
            return None;
        }
        k = skip_spaces(chars, k + 1);
        let name_len = if starts_with(chars, k, "writeln") {
            "writeln".len()
        } else if starts_with(chars, k, "write") {
            "write".len()
        } else {
            return None;
        };
        k = skip_spaces(chars, k + name_len);
        return (chars.get(k) == Some(&'(')).then_some((k + 1, true));
    }
    if starts_with(chars, i, ".innerHTML") || starts_with(chars, i, ".outerHTML") {
        let mut k = skip_spaces(chars, i + ".innerHTML".len());
        if chars.get(k) == Some(&'+') {
            k += 1;
        }
        let is_assignment = chars.get(k) == Some(&'=') && chars.get(k + 1) != Some(&'=');
        return is_assignment.then_some((k + 1, false));
    }
    None
}

/// The string literal opening at `i`: its value and the index after it. A template literal's
/// `${…}` is [`UNKNOWN`].
fn read_literal(chars: &[char], i: usize) -> (String, usize) {
    let quote = chars[i];
    let mut value = String::new();
    let mut k = i + 1;
    while let Some(&c) = chars.get(k) {
        match c {
            c if c == quote => return (value, k + 1),
            '\n' if quote != '`' => return (value, k),
            '$' if quote == '`' && chars.get(k + 1) == Some(&'{') => {
                value.push(UNKNOWN);
                k = chars[k..]
                    .iter()
                    .position(|c| *c == '}')
                    .map_or(chars.len(), |p| k + p + 1);
                continue;
            }
            '\\' => {
                let (decoded, used) = unescape(&chars[k + 1..]);
                value.push_str(&decoded);
                k += 1 + used;
                continue;
            }
            c => value.push(c),
        }
        k += 1;
    }
    (value, k)
}

/// One JavaScript escape after the backslash: the text it stands for and how many chars it used.
fn unescape(rest: &[char]) -> (String, usize) {
    let hex = |digits: &[char]| -> Option<char> {
        let text: String = digits.iter().collect();
        char::from_u32(u32::from_str_radix(&text, 16).ok()?)
    };
    match rest.first() {
        None => (String::new(), 0),
        Some('n') => ("\n".to_string(), 1),
        Some('t') => ("\t".to_string(), 1),
        Some('r') => (String::new(), 1),
        Some('\n') => (String::new(), 1),
        Some('x') if rest.len() >= 3 => hex(&rest[1..3]).map_or(("x".to_string(), 1), |c| (c.to_string(), 3)),
        Some('u') if rest.get(1) == Some(&'{') => {
            let close = rest.iter().position(|c| *c == '}').unwrap_or(rest.len());
            hex(&rest[2..close.max(2)]).map_or(("u".to_string(), 1), |c| (c.to_string(), close + 1))
        }
        Some('u') if rest.len() >= 5 => hex(&rest[1..5]).map_or(("u".to_string(), 1), |c| (c.to_string(), 5)),
        Some(c) => (c.to_string(), 1),
    }
}

/// The literals of an argument (up to its closing parenthesis) or of an assigned value (up to
/// `;` or the end of the block), joined; anything else between them is [`UNKNOWN`].
fn read_expression(chars: &[char], start: usize, ends_at_paren: bool) -> (String, usize) {
    let mut html = String::new();
    let mut depth = 0usize;
    let mut k = start;
    let mut pending_unknown = false;
    while let Some(&c) = chars.get(k) {
        match c {
            '\'' | '"' | '`' => {
                let (value, next) = read_literal(chars, k);
                if pending_unknown {
                    html.push(UNKNOWN);
                    pending_unknown = false;
                }
                html.push_str(&value);
                k = next;
                continue;
            }
            '/' if chars.get(k + 1) == Some(&'/') => {
                k = skip_line_comment(chars, k);
                continue;
            }
            '/' if chars.get(k + 1) == Some(&'*') => {
                k = skip_block_comment(chars, k);
                continue;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return (html, k + 1),
            ')' | ']' | '}' => depth -= 1,
            // `document.write(a, b)` writes `a` then `b`: the arguments join like `+`.
            ',' if depth == 0 && ends_at_paren => {}
            ';' | ',' if depth == 0 => return (html, k + 1),
            c if c.is_whitespace() || c == '+' => {}
            _ => pending_unknown = true,
        }
        k += 1;
    }
    (html, k)
}

static WRITTEN_ANCHOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))[^>]*>(.*?)</a\s*>"#)
        .expect("static regex")
});
static TAGS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<[^>]*>").expect("static regex"));

/// The attachment links a script writes, resolved against `base`.
pub fn script_attachment_links(script: &str, base: &Url) -> Vec<ScriptLink> {
    let mut links: Vec<ScriptLink> = Vec::new();
    for html in written_html(script) {
        for c in WRITTEN_ANCHOR.captures_iter(&html) {
            let Some(raw) = c.get(1).or(c.get(2)).or(c.get(3)).map(|m| m.as_str()) else {
                continue;
            };
            if raw.contains(UNKNOWN) || raw.trim().is_empty() {
                continue; // part of the href is only known when the script runs
            }
            // The written HTML is parsed by the browser, so character references decode once.
            let href = html_escape::decode_html_entities(raw.trim()).into_owned();
            let Ok(mut url) = base.join(&href) else { continue };
            url.set_fragment(None);
            if !matches!(url.scheme(), "http" | "https" | "file") {
                continue;
            }
            let Some(ext) = attachment_ext(&url) else { continue };
            let text = TAGS
                .replace_all(c.get(4).map_or("", |m| m.as_str()), " ")
                .replace(UNKNOWN, " ");
            let text = html_escape::decode_html_entities(&text)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if !links.iter().any(|l| l.url == url) {
                links.push(ScriptLink { href, url, text, ext });
            }
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hrefs(script: &str) -> Vec<String> {
        let base = Url::parse("http://www.a.gov.cn/art/2025/3/5/art_1_2.html").unwrap();
        script_attachment_links(script, &base)
            .into_iter()
            .map(|l| format!("{} {} [{}]", l.url, l.ext, l.text))
            .collect()
    }

    #[test]
    fn attachments_written_by_scripts() {
        let dl = "http://www.a.gov.cn/module/download/downfile.jsp?classid=0&filename=ab12.pdf pdf";
        let cases: [(&str, Vec<String>); 14] = [
            (
                r#"document.write('<a href="/module/download/downfile.jsp?classid=0&filename=ab12.pdf">附件：实施方案.pdf</a>');"#,
                vec![format!("{dl} [附件：实施方案.pdf]")],
            ),
            (
                r#"document.write("<p>附件：<a href='" + "/module/download/downfile.jsp?classid=0&amp;filename=ab12.pdf" + "'>方案</a></p>");"#,
                vec![format!("{dl} [方案]")],
            ),
            (
                "var s = '';\ns += '<li><a href=\"/attach/1.xlsx\">';\ns += '表1</a></li>';\ndocument.getElementById('fj').innerHTML = s + '<a href=\"/attach/2.docx\">表2</a>';",
                vec!["http://www.a.gov.cn/attach/2.docx docx [表2]".to_string()],
            ),
            (
                "el.innerHTML += '<a href=\\'/attach/3.doc\\'>说明</a>';",
                vec!["http://www.a.gov.cn/attach/3.doc doc [说明]".to_string()],
            ),
            (
                r#"document.writeln("<a href=\"\x2fattach\x2f4.wps\">四</a>");"#,
                vec!["http://www.a.gov.cn/attach/4.wps wps [四]".to_string()],
            ),
            (
                "document.write('<a href=\"/attach/', 'multi/5.zip\">压缩包</a>')",
                vec!["http://www.a.gov.cn/attach/multi/5.zip zip [压缩包]".to_string()],
            ),
            (
                "document.write('<a href=\"/attach/'\n + 'multi/5.zip\">压缩包</a>')",
                vec!["http://www.a.gov.cn/attach/multi/5.zip zip [压缩包]".to_string()],
            ),
            // A variable inside the href: unknown, so nothing is guessed.
            ("document.write('<a href=\"/down/' + name + '.pdf\">x</a>');", vec![]),
            ("document.write('<a href=\"' + fileUrl + '\">附件.pdf</a>');", vec![]),
            // Not an attachment, not a writer, a comment, a plain string.
            ("document.write('<a href=\"/col/col1/index.html\">栏目</a>');", vec![]),
            ("var html = '<a href=\"/attach/6.pdf\">x</a>';", vec![]),
            ("// document.write('<a href=\"/attach/7.pdf\">x</a>');", vec![]),
            ("/* el.innerHTML = '<a href=\"/attach/8.pdf\">x</a>'; */", vec![]),
            ("if (a == b) { x.innerHTML == '<a href=\"/attach/9.pdf\">'; }", vec![]),
        ];
        for (script, expected) in cases {
            assert_eq!(hrefs(script), expected, "{script}");
        }
    }

    #[test]
    fn hostile_scripts_never_panic() {
        let inputs = [
            "document.write(",
            "document.write('",
            "x.innerHTML = \"\\",
            "document.write(`${",
            "document.write('\\u{110000}<a href=\"/a.pdf\">')",
            "document . write ( '<a href=/a.pdf>a</a>' )",
        ];
        for input in inputs {
            let _ = hrefs(input);
        }
        assert_eq!(
            hrefs("document . write ( '<a href=/a.pdf>a</a>' )"),
            vec!["http://www.a.gov.cn/a.pdf pdf [a]"]
        );
    }
}
