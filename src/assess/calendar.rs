//! China's working-day calendar, as data (`selectors/calendars/cn-workdays.json`, the
//! holiday-cn schema): official holidays and the 调休 weekends worked in their place.
//!
//! Counting follows the administrative-law convention: the day of the event is not counted;
//! the deadline of "N个工作日内" is the N-th working day after it. A year missing from the
//! table is an error — never silently "Monday to Friday".

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalendarError {
    #[error(
        "the working-day calendar has no data for {year}; add the State Council's holiday notice for {year} to `selectors/calendars/cn-workdays.json`"
    )]
    UnknownYear { year: i32 },
    #[error("the calendar file is not valid: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct RawCalendar {
    years: HashMap<String, RawYear>,
}

#[derive(Deserialize)]
struct RawYear {
    year: i32,
    days: Vec<RawDay>,
}

#[derive(Deserialize)]
struct RawDay {
    name: String,
    date: String,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

/// A day the table lists: a holiday (off) or a 调休 working weekend (on).
#[derive(Debug, Clone)]
struct Special {
    is_off: bool,
    name: String,
}

#[derive(Debug, Clone)]
pub struct WorkCalendar {
    years: BTreeSet<i32>,
    special: HashMap<NaiveDate, Special>,
}

impl WorkCalendar {
    /// The calendar shipped with zwgk.
    pub fn bundled() -> WorkCalendar {
        WorkCalendar::from_json(include_str!("../../selectors/calendars/cn-workdays.json"))
            .expect("the bundled calendar is checked by the tests")
    }

    pub fn from_json(text: &str) -> Result<WorkCalendar, CalendarError> {
        let raw: RawCalendar = serde_json::from_str(text).map_err(|e| CalendarError::Invalid(e.to_string()))?;
        let mut calendar = WorkCalendar {
            years: BTreeSet::new(),
            special: HashMap::new(),
        };
        for (key, year) in raw.years {
            if key.parse::<i32>().ok() != Some(year.year) {
                return Err(CalendarError::Invalid(format!(
                    "year key `{key}` holds year {}",
                    year.year
                )));
            }
            calendar.years.insert(year.year);
            for day in year.days {
                let date = NaiveDate::parse_from_str(&day.date, "%Y-%m-%d")
                    .map_err(|_| CalendarError::Invalid(format!("bad date `{}`", day.date)))?;
                calendar.special.insert(
                    date,
                    Special {
                        is_off: day.is_off_day,
                        name: day.name,
                    },
                );
            }
        }
        Ok(calendar)
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn is_workday(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        if !self.years.contains(&date.year()) {
            return Err(CalendarError::UnknownYear { year: date.year() });
        }
        Ok(match self.special.get(&date) {
            Some(special) => !special.is_off,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        })
    }

    /// The holiday a date belongs to, if the table names one.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        self.special.get(&date).filter(|s| s.is_off).map(|s| s.name.as_str())
    }

    /// The N-th working day after `from` (the day of the event is not counted).
    pub fn add_workdays(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut date = from;
        let mut left = n;
        while left > 0 {
            date += Duration::days(1);
            if self.is_workday(date)? {
                left -= 1;
            }
        }
        Ok(date)
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`):
    /// how late, in working days, something published on `to` is after an event on `from`.
    pub fn workdays_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64, CalendarError> {
        let mut count = 0;
        let mut date = from;
        while date < to {
            date += Duration::days(1);
            if self.is_workday(date)? {
                count += 1;
            }
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn domain_test_vectors() {
        // DOMAIN.md §6, computed with chinese-calendar.
        let calendar = WorkCalendar::bundled();
        let cases = [
            ("2024-09-30", 20, "2024-11-01"),
            ("2025-01-20", 20, "2025-02-21"),
            ("2025-09-26", 5, "2025-10-10"),
            ("2026-02-13", 15, "2026-03-12"),
            ("2023-09-28", 20, "2023-11-01"),
        ];
        for (from, n, expected) in cases {
            assert_eq!(calendar.add_workdays(d(from), n).unwrap(), d(expected), "{from} + {n}");
            assert_eq!(calendar.workdays_between(d(from), d(expected)).unwrap(), i64::from(n));
        }
    }

    #[test]
    fn holidays_and_adjusted_weekends() {
        let calendar = WorkCalendar::bundled();
        let cases = [
            ("2025-10-01", false), // 国庆节
            ("2025-09-28", true),  // Sunday worked in exchange (调休)
            ("2025-10-11", true),  // Saturday worked
            ("2025-10-13", true),  // an ordinary Monday
            ("2025-10-12", false), // an ordinary Sunday
            ("2024-02-18", true),  // 春节 调休 Sunday
            ("2020-01-31", false), // 2020 春节 extension
            ("2026-02-23", false), // 2026 春节 (9 days)
            ("2026-02-28", true),  // 2026 调休 Saturday
        ];
        for (date, workday) in cases {
            assert_eq!(calendar.is_workday(d(date)).unwrap(), workday, "{date}");
        }
        assert_eq!(calendar.holiday_name(d("2025-10-01")), Some("国庆节、中秋节"));
    }

    #[test]
    fn unknown_years_are_an_error() {
        let calendar = WorkCalendar::bundled();
        assert_eq!(calendar.years().collect::<Vec<_>>(), (2018..=2026).collect::<Vec<_>>());
        assert_eq!(
            calendar.is_workday(d("2027-01-04")),
            Err(CalendarError::UnknownYear { year: 2027 })
        );
        assert!(
            calendar.add_workdays(d("2026-12-28"), 10).is_err(),
            "counting into 2027 must fail"
        );
        assert!(WorkCalendar::from_json("{\"years\": {\"2020\": {\"year\": 2021, \"days\": []}}}").is_err());
    }
}
