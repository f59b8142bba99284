//! The crawl summary people read: plain text for the terminal, JSON for tools.

use crate::crawl::CrawlReport;
use crate::store::RunSummary;

pub fn render_text(report: &CrawlReport) -> String {
    use crate::crawl::StopReason;
    let s = &report.summary;
    let resumed = if report.resumed { ", resumed" } else { "" };
    let head = match report.stop {
        StopReason::Finished => format!("crawl run {} finished{resumed}", report.run_id),
        StopReason::FinishedWithPausedHosts => format!(
            "crawl run {} finished{resumed}, but hosts were paused and their pages were not fetched (listed below)",
            report.run_id
        ),
        StopReason::NothingFetched => format!(
            "crawl run {} fetched nothing{resumed}: no page of the site could be fetched (the reasons are below)",
            report.run_id
        ),
        StopReason::PageLimit => format!(
            "crawl run {} stopped at --max-pages{resumed}; run the same command again to continue it",
            report.run_id
        ),
        StopReason::WindowClosed => format!(
            "crawl run {} paused: its time window closed{resumed}; the same command continues it inside the next window",
            report.run_id
        ),
        StopReason::Interrupted | StopReason::Terminated => format!(
            "crawl run {} {}{resumed}; run the same command again to resume",
            report.run_id,
            report.stop.label()
        ),
    };
    let mut out = head;
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

/// The assessment as text for a terminal: the totals, each 一级指标, then every leaf with its
/// verdict and reason (problems first within each 一级指标).
pub fn render_assessment(a: &crate::assess::engine::Assessment) -> String {
    use crate::assess::engine::{Counts, status_zh};
    use crate::assess::verdict::Status;
    use std::fmt::Write as _;
    let mut out = String::new();
    let line = |c: &Counts| {
        format!(
            "达标 {}  部分达标 {}  不达标 {}  待人工 {}  不适用 {}  平均得分 {}",
            c.pass,
            c.partial,
            c.fail,
            c.manual,
            c.na,
            c.score_zh()
        )
    };
    let _ = writeln!(
        out,
        "{}  {}（{}）  测评基准日 {}  评估年度 {}  运行 {}",
        a.site, a.catalog_title, a.catalog, a.as_of, a.period, a.run_id
    );
    let _ = writeln!(out, "共 {} 项：{}", a.summary.counts.total, line(&a.summary.counts));
    if let Some(note) = &a.unfinished_run {
        let _ = writeln!(out, "请注意：{note}");
    }
    if let Some(note) = a.calendar.note_zh() {
        let _ = writeln!(out, "注意：{note}");
    }
    if !a.understanding.level.is_empty() {
        let _ = writeln!(out, "{}", a.understanding.summary_zh());
    }
    if let Some(warning) = &a.understanding.warning {
        let _ = writeln!(out, "请注意：{warning}");
    }
    for group in &a.summary.by_level1 {
        let _ = writeln!(
            out,
            "\n■ {}（{} 项）{}",
            group.name,
            group.counts.total,
            line(&group.counts)
        );
        let mut leaves: Vec<_> = a
            .indicators
            .iter()
            .filter(|v| v.path.first() == Some(&group.name))
            .collect();
        let rank = |s: Status| match s {
            Status::Fail => 0,
            Status::Partial => 1,
            Status::Manual => 2,
            Status::Pass => 3,
            Status::NotApplicable => 4,
        };
        leaves.sort_by_key(|v| rank(v.status));
        for v in leaves {
            let score = v.score.map_or(String::new(), |s| format!(" {:.0}%", s * 100.0));
            let question: String = v.question.chars().take(40).collect();
            let _ = writeln!(out, "  [{}{score}] {}  {question}", status_zh(v.status), v.id);
            let _ = writeln!(out, "      {}", v.reason);
        }
    }
    out
}
