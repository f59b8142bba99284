//! The 通报 .docx opened by another program: LibreOffice (`--features office-tests`;
//! `.ci/office.sh` installs Debian's `libreoffice-writer-nogui`) converts each to PDF. With the
//! feature on, a missing `soffice` fails the test loudly — it never skips.

use std::process::Command;

use crate::helpers::media_box;
use crate::report_output::{crawled_fixture, docx_paragraphs, write_fixture_notices};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_docx_converts_to_pdf_with_libreoffice() {
    let (store, run_id) = crawled_fixture().await;
    let out = tempfile::tempdir().unwrap();
    let dir = write_fixture_notices(&store, run_id, out.path()).await;
    let docs: Vec<_> = ["通报汇总.docx", "区政府办公室.docx"]
        .iter()
        .map(|n| dir.join(n))
        .collect();
    for doc in &docs {
        docx_paragraphs(doc);
    }
    let pdfs = tempfile::tempdir().unwrap();
    // A profile of its own: a LibreOffice the user has open keeps its lock on the default one.
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--norestore", "--convert-to", "pdf", "--outdir"])
        .arg(pdfs.path())
        .args(&docs)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `soffice` ({e}): the office-tests feature needs LibreOffice; install Debian's \
                 `libreoffice-writer-nogui` (`.ci/office.sh` does)"
            )
        });
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "soffice failed: {log}");
    for doc in &docs {
        let pdf = pdfs.path().join(doc.file_name().unwrap()).with_extension("pdf");
        let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("no {} ({e}): {log}", pdf.display()));
        assert!(bytes.starts_with(b"%PDF"), "{} is not a PDF", pdf.display());
        let pdf_doc = lopdf::Document::load_mem(&bytes).unwrap();
        let pages = pdf_doc.get_pages();
        assert!(!pages.is_empty());
        // Every page is A4 (595.28 × 841.89 pt), as the .docx says.
        for (number, id) in pages {
            let (width, height) = media_box(&pdf_doc, id);
            assert!(
                (width - 595.3).abs() < 2.0 && (height - 841.9).abs() < 2.0,
                "page {number} of {} is {width} × {height} pt",
                pdf.display()
            );
        }
        eprintln!("{}: {} bytes", pdf.display(), bytes.len());
    }
}
