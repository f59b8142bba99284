//! The nightly time window: the crawler fetches only inside it (China time, e.g.
//! `22:00-06:00`, which spans midnight) and otherwise leaves the run open for the next night.
//! The clock is injected so tests can move time.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveTime, Utc};

/// Where the crawler reads the time.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// China Standard Time has no daylight saving: UTC+8 all year.
pub fn china_time(at: DateTime<Utc>) -> NaiveTime {
    (at + chrono::Duration::hours(8)).time()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl TimeWindow {
    /// `HH:MM-HH:MM`; the end may be earlier than the start (the window spans midnight).
    pub fn parse(text: &str) -> Option<TimeWindow> {
        let (start, end) = text.trim().split_once('-')?;
        let parse = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
        let window = TimeWindow {
            start: parse(start)?,
            end: parse(end)?,
        };
        (window.start != window.end).then_some(window)
    }

    /// Whether a China-time moment is inside: from `start` (included) to `end` (excluded).
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }

    pub fn contains_instant(&self, at: DateTime<Utc>) -> bool {
        self.contains(china_time(at))
    }
}

impl fmt::Display for TimeWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> NaiveTime {
        NaiveTime::parse_from_str(text, "%H:%M").expect("time")
    }

    #[test]
    fn a_night_window_spans_midnight() {
        let night = TimeWindow::parse("22:00-06:00").expect("window");
        assert!(night.contains(t("22:00")) && night.contains(t("23:59")) && night.contains(t("05:59")));
        assert!(!night.contains(t("06:00")) && !night.contains(t("12:00")) && !night.contains(t("21:59")));
        let day = TimeWindow::parse("09:00-17:30").expect("window");
        assert!(day.contains(t("09:00")) && !day.contains(t("17:30")) && !day.contains(t("08:59")));
        assert_eq!(night.to_string(), "22:00-06:00");
        for bad in ["22:00", "25:00-06:00", "22:00-22:00", "ten-six"] {
            assert_eq!(TimeWindow::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn china_time_is_utc_plus_eight() {
        let at = DateTime::parse_from_rfc3339("2026-12-06T14:30:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(china_time(at), t("22:30"));
        assert!(TimeWindow::parse("22:00-06:00").expect("window").contains_instant(at));
    }
}
