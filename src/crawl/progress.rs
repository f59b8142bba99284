//! What a running crawl shows: on a terminal an indicatif line with the frontier (queued,
//! done, held by politeness), pages per minute, an ETA and the hosts' state; elsewhere (cron,
//! systemd, a log file) one JSON line on standard error every so often, which a log
//! collector can read. At the polite default of one request a second a real portal takes
//! hours: the ETA is what tells the office whether the night is long enough.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::Serialize;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    Off,
    /// An indicatif line on standard error (a terminal).
    Bar,
    /// A JSON line on standard error every `every`.
    JsonLines {
        every: Duration,
    },
}

impl ProgressMode {
    /// A bar on a terminal, JSON lines every 30 s otherwise.
    pub fn for_stderr() -> ProgressMode {
        ProgressMode::for_stderr_every(Duration::from_secs(30))
    }

    /// A bar on a terminal, JSON lines every `every` otherwise.
    pub fn for_stderr_every(every: Duration) -> ProgressMode {
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            ProgressMode::Bar
        } else {
            ProgressMode::JsonLines { every }
        }
    }
}

/// The frontier as the store counts it.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Frontier {
    pub queued: i64,
    pub in_progress: i64,
    pub done: i64,
    pub failed: i64,
    pub held: i64,
}

/// One look at the crawl.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub run_id: i64,
    /// Requests made by this process.
    pub requests: u64,
    pub in_flight: usize,
    pub frontier: Frontier,
    pub pages_per_minute: f64,
    /// Seconds to empty the queue at the current pace; `None` before the pace is known.
    pub eta_seconds: Option<u64>,
    /// Each host and its state: `ok`, `robots.txt`, `backing off`, `paused: …`.
    pub hosts: Vec<(String, String)>,
}

pub struct Progress {
    mode: ProgressMode,
    bar: indicatif::ProgressBar,
    last_line: Option<Instant>,
    /// (when, requests so far) over the last minute, for the pace.
    pace: VecDeque<(Instant, u64)>,
}

impl Progress {
    pub fn new(mode: ProgressMode) -> Progress {
        let bar = match mode {
            ProgressMode::Bar => {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.enable_steady_tick(Duration::from_millis(200));
                bar
            }
            _ => indicatif::ProgressBar::hidden(),
        };
        Progress {
            mode,
            bar,
            last_line: None,
            pace: VecDeque::new(),
        }
    }

    /// Whether a new snapshot is wanted now (the frontier count costs a query).
    pub fn due(&self) -> bool {
        match self.mode {
            ProgressMode::Off => false,
            ProgressMode::Bar => true,
            ProgressMode::JsonLines { every } => self.last_line.is_none_or(|t| t.elapsed() >= every),
        }
    }

    /// Pages per minute over the last minute, and the ETA for `remaining` URLs.
    pub fn pace(&mut self, requests: u64, remaining: i64) -> (f64, Option<u64>) {
        let now = Instant::now();
        self.pace.push_back((now, requests));
        while self
            .pace
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > Duration::from_secs(60))
        {
            self.pace.pop_front();
        }
        let per_minute = match (self.pace.front(), self.pace.back()) {
            (Some((t0, n0)), Some((t1, n1))) if t1 > t0 => {
                let seconds = t1.duration_since(*t0).as_secs_f64();
                if seconds >= 2.0 {
                    (n1 - n0) as f64 * 60.0 / seconds
                } else {
                    0.0
                }
            }
            _ => 0.0,
        };
        let eta = (per_minute > 0.0).then(|| (remaining.max(0) as f64 / per_minute * 60.0).round() as u64);
        (per_minute, eta)
    }

    pub fn show(&mut self, snapshot: &Snapshot) {
        match self.mode {
            ProgressMode::Off => {}
            ProgressMode::Bar => self.bar.set_message(line(snapshot)),
            ProgressMode::JsonLines { .. } => {
                self.last_line = Some(Instant::now());
                let json = serde_json::json!({ "progress": snapshot });
                crate::console::err(&format!("{json}\n"));
            }
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `run 3: 1,204 done, 8,310 queued, 0 held · 58/min · ETA 2h23m · www.x.gov.cn ok`
fn line(s: &Snapshot) -> String {
    let eta = s
        .eta_seconds
        .map_or_else(|| "ETA —".to_string(), |e| format!("ETA {}", duration(e)));
    let hosts: Vec<String> = s
        .hosts
        .iter()
        .take(3)
        .map(|(h, state)| format!("{h} {state}"))
        .collect();
    format!(
        "run {}: {} done, {} queued, {} held, {} in flight · {:.0}/min · {eta} · {}",
        s.run_id,
        s.frontier.done,
        s.frontier.queued + s.frontier.in_progress,
        s.frontier.held,
        s.in_flight,
        s.pages_per_minute,
        hosts.join(", ")
    )
}

fn duration(seconds: u64) -> String {
    match seconds {
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_frontier_pace_and_eta() {
        let snapshot = Snapshot {
            run_id: 3,
            requests: 100,
            in_flight: 1,
            frontier: Frontier {
                queued: 8310,
                in_progress: 0,
                done: 1204,
                failed: 2,
                held: 0,
            },
            pages_per_minute: 58.0,
            eta_seconds: Some(8597),
            hosts: vec![("www.example.gov.cn".into(), "ok".into())],
        };
        assert_eq!(
            line(&snapshot),
            "run 3: 1204 done, 8310 queued, 0 held, 1 in flight · 58/min · ETA 2h23m · www.example.gov.cn ok"
        );
    }

    #[test]
    fn the_pace_is_measured_over_the_last_minute() {
        let mut progress = Progress::new(ProgressMode::Off);
        let start = Instant::now();
        progress.pace.push_back((start - Duration::from_secs(30), 0));
        let (per_minute, eta) = progress.pace(60, 120);
        assert!((per_minute - 120.0).abs() < 5.0, "{per_minute}");
        assert!(eta.is_some_and(|e| (55..=65).contains(&e)), "{eta:?}");
    }
}
