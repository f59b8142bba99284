//! Extraction speed on one core: every `.html` page under a directory (default `bench-site`,
//! made by `examples/gen_site.rs`; see BENCHMARKS.md), full `extract_page` on each, one thread.
//!
//!     cargo bench --bench extract -- [DIR] [MAX_PAGES]

use std::path::{Path, PathBuf};
use std::time::Instant;

use url::Url;
use zwgk::extract::page::{PageInput, extract_page};

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            html_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let dir = PathBuf::from(args.first().cloned().unwrap_or_else(|| "bench-site".to_string()));
    let max: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(usize::MAX);
    let mut files = Vec::new();
    html_files(&dir, &mut files);
    files.sort();
    files.truncate(max);
    if files.is_empty() {
        eprintln!(
            "no .html files under {}; run `cargo run --release --example gen_site -- bench-site` first",
            dir.display()
        );
        std::process::exit(1);
    }
    let pages: Vec<(Url, Vec<u8>)> = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(&dir).unwrap_or(f).to_string_lossy().replace('\\', "/");
            (
                Url::parse(&format!("http://www.zhoucun.gov.cn/{rel}")).expect("url"),
                std::fs::read(f).expect("read"),
            )
        })
        .collect();
    let bytes: usize = pages.iter().map(|(_, b)| b.len()).sum();
    let started = Instant::now();
    let mut dated = 0usize;
    let mut links = 0usize;
    for (url, body) in &pages {
        let facts = extract_page(&PageInput {
            url,
            body,
            content_type: Some("text/html"),
            last_modified: None,
        });
        dated += usize::from(facts.pub_date.is_some());
        links += facts.links;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "extract_page: {} pages ({:.1} KB average) in {:.2} s on one thread = {:.0} pages/s ({} dated, {} links)",
        pages.len(),
        bytes as f64 / pages.len() as f64 / 1024.0,
        secs,
        pages.len() as f64 / secs,
        dated,
        links
    );
}
