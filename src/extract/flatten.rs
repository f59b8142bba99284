//! Flattening: one walk over the DOM turns a page into lines of visible text. Blocks end
//! lines, table cells are separated by tabs, footers are marked, scripts and styles are left
//! out. Every text rule (dates, 信息公开 metadata, breadcrumbs, contacts) reads these lines, so
//! the rules hold across templates instead of depending on one CMS's CSS classes.
//!
//! In: a parsed document. Out: `Line`s. Must not: look at URLs or decide what a line means.

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node};

#[derive(Debug, Clone, Default)]
pub(super) struct Line {
    pub(super) text: String,
    pub(super) is_footer: bool,
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "tr"
            | "table"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "br"
            | "dl"
            | "dt"
            | "dd"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "form"
            | "center"
            | "blockquote"
            | "pre"
            | "hr"
            | "nav"
            | "aside"
            | "tbody"
            | "thead"
            | "option"
    )
}

fn is_hidden(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "noscript" | "template" | "title" | "head" | "select" | "iframe" | "object"
    )
}

/// A page footer (`<footer>`, `#footer`, `.foot`, `.copyright`, `.bottom`, `.dibu`, `.ft` …):
/// the site owner's block, never the document's own facts.
pub(super) fn looks_like_footer(element: &scraper::node::Element) -> bool {
    if element.name() == "footer" {
        return true;
    }
    let mut marks = element.id().unwrap_or("").to_ascii_lowercase();
    for class in element.classes() {
        marks.push(' ');
        marks.push_str(&class.to_ascii_lowercase());
    }
    // `dibu` is 底部 in pinyin; `ft` only as a whole token (a substring would match `left`).
    ["foot", "copyright", "bottom", "btm", "dibu"]
        .iter()
        .any(|m| marks.contains(m))
        || marks.split(' ').any(|token| token == "ft")
}

struct Flattener {
    lines: Vec<Line>,
    current: String,
    footer_depth: usize,
    current_is_footer: bool,
}

impl Flattener {
    fn break_line(&mut self) {
        let text = collapse(&self.current);
        if !text.is_empty() {
            self.lines.push(Line {
                text,
                is_footer: self.current_is_footer,
            });
        }
        self.current.clear();
        self.current_is_footer = self.footer_depth > 0;
    }

    fn walk(&mut self, node: NodeRef<Node>, depth: usize) {
        if depth > 400 {
            // Pathologically deep DOMs: stop descending rather than overflow the stack.
            return;
        }
        match node.value() {
            Node::Text(text) => {
                if self.current.is_empty() {
                    self.current_is_footer = self.footer_depth > 0;
                }
                self.current.push_str(text);
            }
            Node::Element(element) => {
                let name = element.name();
                if is_hidden(name) {
                    return;
                }
                let footer = looks_like_footer(element);
                let block = is_block(name);
                if block {
                    self.break_line();
                }
                if footer {
                    self.footer_depth += 1;
                    self.current_is_footer = true;
                }
                if name == "td" || name == "th" {
                    self.current.push('\t');
                }
                for child in node.children() {
                    self.walk(child, depth + 1);
                }
                if name == "td" || name == "th" {
                    self.current.push('\t');
                }
                if block {
                    self.break_line();
                }
                if footer {
                    self.break_line();
                    self.footer_depth -= 1;
                }
            }
            _ => {
                for child in node.children() {
                    self.walk(child, depth + 1);
                }
            }
        }
    }
}

/// Collapses whitespace (including &nbsp; &ensp; and ideographic spaces) but keeps tabs as cell
/// separators.
pub(super) fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending: Option<char> = None;
    for c in s.chars() {
        if c == '\t' {
            pending = Some('\t');
        } else if c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}' || c == '\u{2002}' || c == '\u{2003}' {
            if pending.is_none() {
                pending = Some(' ');
            }
        } else {
            if let Some(p) = pending.take()
                && !out.is_empty()
            {
                out.push(p);
            }
            out.push(c);
        }
    }
    out
}

pub(super) fn flatten(html: &Html) -> Vec<Line> {
    let mut flattener = Flattener {
        lines: Vec::new(),
        current: String::new(),
        footer_depth: 0,
        current_is_footer: false,
    };
    flattener.walk(html.tree.root(), 0);
    flattener.break_line();
    flattener.lines
}

pub(super) fn element_text(element: ElementRef) -> String {
    let mut s = String::new();
    for t in element.text() {
        s.push_str(t);
        if s.len() > 4000 {
            break;
        }
    }
    collapse(&s).replace('\t', " ")
}
