//! Standard output and standard error for every command, in one place.
//!
//! - A reader that goes away (`zwgk summary | head -1`) ends the output, not the program: the
//!   first broken pipe closes standard output for good and nothing panics, as in ripgrep.
//! - Scraped text is untrusted: a page title can carry ESC sequences that retitle the
//!   auditor's terminal, clear the screen or hide a 不达标 line. Every line printed passes
//!   [`escape_controls`], which shows control characters instead of sending them. JSON stays
//!   valid: serde already escapes C0 controls, and the `\u00XX` form used here for the rest is
//!   a JSON escape too.

use std::borrow::Cow;
use std::io::{ErrorKind, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output as it is (no newline added).
pub fn out(text: &str) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(escape_controls(text).as_bytes())
        .and_then(|()| stdout.flush());
    if let Err(e) = written {
        // A closed pipe is the reader's choice; any other failure (a full disk behind a
        // redirect) cannot be reported on standard output either. Both end the output.
        if e.kind() != ErrorKind::BrokenPipe {
            err(&format!("zwgk: cannot write to standard output: {e}\n"));
        }
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Writes one line to standard output.
pub fn outln(line: &str) {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    out(&text);
}

/// Writes to standard error; a closed standard error is ignored (there is nowhere else to say it).
pub fn err(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(escape_controls(text).as_bytes())
        .and_then(|()| stderr.flush());
}

/// Whether a reader closed standard output.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Characters a terminal would act on rather than show: C0 controls other than tab and
/// newline, DEL, C1 controls (U+0080–U+009F, 8-bit CSI among them) and the bidirectional
/// overrides and isolates that can make a line read differently from what it says.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character written as `\u00XX` (visible, and a valid JSON escape).
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            escaped.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_shown_not_sent() {
        let title = "关于\u{1b}]0;pwned\u{7}通知\u{1b}[2K\r达标\u{9b}31m\u{202e}";
        assert_eq!(
            escape_controls(title),
            "关于\\u001b]0;pwned\\u0007通知\\u001b[2K\\u000d达标\\u009b31m\\u202e"
        );
        assert_eq!(escape_controls("第一行\n\t第二行"), "第一行\n\t第二行");
    }

    #[test]
    fn json_output_stays_valid_json() {
        let value = serde_json::json!({ "title": "a\u{7f}b\u{85}c\u{1b}d" });
        let text = serde_json::to_string(&value).expect("serialises");
        let shown = escape_controls(&text);
        let back: serde_json::Value = serde_json::from_str(&shown).expect("still JSON");
        assert_eq!(back, value);
    }
}
