//! report.pdf: report.html printed by headless Chromium, for offices that file PDFs.
//!
//! In: a written report.html. Out: the PDF beside it, written whole or not at all (Chromium
//! prints into a private folder; the bytes are checked and renamed into place). The page
//! sets its own A4 size and margins (`@page` in [`super::html::STYLE`]). This is the one
//! report that runs a program: the browser is optional, so no browser is `Ok(false)`, while
//! a browser that fails is an error carrying what it printed.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::ReportError;

/// The browsers tried on `PATH`, in order (Debian's, Ubuntu's, Google's).
const BROWSERS: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];
/// A report of a few megabytes prints in seconds; a browser that hangs is stopped.
const TIMEOUT: Duration = Duration::from_secs(180);

/// The first of [`BROWSERS`] found in the folders of `path` (the value of `PATH`, which the
/// caller reads: nothing here reads the environment).
pub fn find_browser(path: &std::ffi::OsStr) -> Option<PathBuf> {
    BROWSERS.iter().find_map(|name| {
        std::env::split_paths(path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// What became of report.pdf.
#[derive(Debug)]
pub enum PdfOutcome {
    Printed(PathBuf),
    /// No browser was found (or the PDF was not asked for).
    NoBrowser,
    /// The browser failed; the reports stand without a PDF.
    Failed(ReportError),
}

/// Prints `dir/report.html` to `dir/report.pdf` with `browser`. Without a browser, or when it
/// fails, an earlier report.pdf is removed, so a PDF never sits beside a newer report.html.
pub fn print_report(dir: &Path, browser: Option<&Path>) -> PdfOutcome {
    let (html, pdf) = (dir.join("report.html"), dir.join("report.pdf"));
    let outcome = match browser {
        Some(browser) => match print_with(browser, &html, &pdf) {
            Ok(()) => return PdfOutcome::Printed(pdf),
            Err(e) => PdfOutcome::Failed(e),
        },
        None => PdfOutcome::NoBrowser,
    };
    match std::fs::remove_file(&pdf) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return PdfOutcome::Failed(ReportError::Io { path: pdf, source }),
    }
    outcome
}

/// Prints `html` to `pdf` with `browser`.
pub fn print_with(browser: &Path, html: &Path, pdf: &Path) -> Result<(), ReportError> {
    let fail = |detail: String| ReportError::Browser {
        browser: browser.to_path_buf(),
        html: html.to_path_buf(),
        detail,
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Io { path, source }
    };
    let absolute = std::fs::canonicalize(html).map_err(io(html))?;
    let url = url::Url::from_file_path(&absolute)
        .map_err(|()| fail(format!("`{}` cannot be written as a file:// URL", absolute.display())))?;
    // A profile of its own: a browser the user has open keeps its lock on the default one.
    let work = std::env::temp_dir().join(format!("zwgk-print-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&work).map_err(io(&work))?;
    let result = (|| {
        let out = work.join("report.pdf");
        let mut child = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
            ])
            .arg(format!("--user-data-dir={}", work.join("profile").display()))
            .arg(format!("--print-to-pdf={}", out.display()))
            .arg("--no-pdf-header-footer")
            .arg(url.as_str())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("cannot start it: {e}")))?;
        // Read standard error on a thread, so a chatty browser never blocks on a full pipe.
        let mut stderr = child.stderr.take();
        let reader = std::thread::spawn(move || {
            // The first 64 KiB are kept; the rest is read and dropped.
            let mut kept = Vec::new();
            let mut chunk = [0; 8192];
            while let Some(Ok(n @ 1..)) = stderr.as_mut().map(|s| s.read(&mut chunk)) {
                let room = (64 * 1024usize).saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..n.min(room)]);
            }
            String::from_utf8_lossy(&kept).into_owned()
        });
        let start = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if start.elapsed() > TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(format!("no PDF after {} s; stopped", TIMEOUT.as_secs()));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(100)),
                Err(e) => break Err(e.to_string()),
            }
        };
        let stderr = reader.join().unwrap_or_default();
        let status = status.map_err(|e| fail(format!("{e}\n{stderr}")))?;
        if !status.success() {
            return Err(fail(format!("{status}\n{}", stderr.trim())));
        }
        let bytes = std::fs::read(&out).map_err(|e| fail(format!("it wrote no PDF ({e})\n{}", stderr.trim())))?;
        if !bytes.starts_with(b"%PDF") {
            return Err(fail(format!("what it wrote is not a PDF\n{}", stderr.trim())));
        }
        crate::atomic::write(pdf, &bytes).map_err(io(pdf))
    })();
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// A number no other print of this process has used.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in browser: a shell script that writes what the test says.
    fn fake_browser(dir: &Path, script: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join("fake-chromium");
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn the_printed_pdf_replaces_the_old_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let html = dir.path().join("report 报告#1.html");
        std::fs::write(&html, "<p>x</p>").unwrap();
        // Writes a PDF to the --print-to-pdf= path and records the URL it was given.
        let browser = fake_browser(
            dir.path(),
            &format!(
                "for a; do case \"$a\" in --print-to-pdf=*) printf '%%PDF-1.4 fake' > \"${{a#--print-to-pdf=}}\";; file://*) echo \"$a\" > '{}';; esac; done",
                dir.path().join("url").display()
            ),
        );
        let pdf = dir.path().join("report.pdf");
        print_with(&browser, &html, &pdf).unwrap();
        assert_eq!(std::fs::read(&pdf).unwrap(), b"%PDF-1.4 fake");
        let url = std::fs::read_to_string(dir.path().join("url")).unwrap();
        assert!(
            url.trim().ends_with("/report%20%E6%8A%A5%E5%91%8A%231.html"),
            "the path is a proper file URL: {url}"
        );
    }

    #[test]
    fn a_failing_browser_is_an_error_with_its_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let html = dir.path().join("report.html");
        std::fs::write(&html, "<p>x</p>").unwrap();
        let pdf = dir.path().join("report.pdf");
        std::fs::write(&pdf, "old").unwrap();
        let browser = fake_browser(dir.path(), "echo 'no display found' >&2; exit 3");
        let error = print_with(&browser, &html, &pdf).unwrap_err().to_string();
        assert!(error.contains("no display found"), "{error}");
        assert_eq!(std::fs::read(&pdf).unwrap(), b"old", "the old PDF is kept");
        // Exits 0 but writes something else.
        let browser = fake_browser(dir.path(), "exit 0");
        let error = print_with(&browser, &html, &pdf).unwrap_err().to_string();
        assert!(error.contains("wrote no PDF"), "{error}");
    }
}
