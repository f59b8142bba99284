//! The crawl summary people read: plain text for the terminal, JSON for tools.

use crate::crawl::CrawlReport;
use crate::store::RunSummary;

pub fn render_text(report: &CrawlReport) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let head = if report.interrupted {
        format!(
            "crawl run {} interrupted; run the same command again to resume",
            report.run_id
        )
    } else {
        format!(
            "crawl run {} finished ({}){}",
            report.run_id,
            report.stop_reason,
            if report.resumed { ", resumed" } else { "" }
        )
    };
    out.push_str(&head);
    out.push('\n');
    out.push_str(&render_counts(s));
    out
}

pub fn render_counts(s: &RunSummary) -> String {
    let mut out = format!(
        "  fetched {} ({} bytes stored)\n  new {}  changed {}  unchanged {}  removed {}\n  attachments {}  redirects {}  missing (404 never seen before) {}  errors {}\n  blocked by robots.txt {}  failed after retries {}  held (host paused) {}  still queued {}\n  links out of scope {}  links skipped by trap budgets {}\n",
        s.fetched,
        s.bytes_stored,
        s.new,
        s.changed,
        s.unchanged,
        s.removed,
        s.attachments,
        s.redirects,
        s.missing,
        s.errors,
        s.robots_blocked,
        s.failed,
        s.held,
        s.queued,
        s.links_out_of_scope,
        s.links_skipped_by_traps,
    );
    for (origin, reason) in &s.paused_hosts {
        out.push_str(&format!("  host paused: {origin}: {reason}\n"));
    }
    out
}
