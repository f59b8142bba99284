//! China's working-day calendar: which days are working days, and working-day arithmetic
//! for 「N个工作日内」 time limits.
//!
//! Three sources, strongest first:
//! - a notice file given at run time (`--calendar FILE`, holiday-cn JSON schema, see `file`);
//! - the State Council notices bundled with zwgk (`selectors/calendars/cn-workdays.json`);
//! - for any other year, the statutory holidays computed by rule (`law`), weekends off. The
//!   调休 of such a year cannot be known before its notice, so every day of it is *estimated*
//!   and every count that touched one says so (`Counted::estimated`).
//!
//! A missing year never stops an assessment: it is estimated. Counting follows the
//! administrative-law convention: the day of the event is not counted; the deadline of
//! "N个工作日内" is the N-th working day after it.

pub mod file;
pub mod law;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

pub use file::CalendarFileError;
use law::RuleDay;

/// Where a year's arrangement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A State Council notice bundled with zwgk.
    Notice,
    /// A notice file given at run time.
    File,
    /// Computed by rule (推定): statutory holidays and 补假 known, 调休 unknown.
    Estimated,
}

impl Source {
    pub fn label_zh(self) -> &'static str {
        match self {
            Source::Notice => "国务院办公厅节假日安排通知（内置）",
            Source::File => "节假日安排文件",
            Source::Estimated => "推定（按放假办法计算，调休未知）",
        }
    }
}

/// What is known of one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearInfo {
    pub year: i32,
    pub source: Source,
    /// The notice URLs (`papers` of the holiday-cn schema).
    pub papers: Vec<String>,
    /// The file it came from, for `Source::File`.
    pub file: Option<String>,
}

/// One day as the calendar sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    pub date: NaiveDate,
    pub is_workday: bool,
    /// The holiday it belongs to (off days) or bridges (调休 working weekends).
    pub name: Option<String>,
    pub source: Source,
    /// A working day given off to make up for a holiday on a weekend (estimated years only).
    pub is_makeup: bool,
}

/// A count and whether it rests on estimated days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted<T> {
    pub value: T,
    pub estimated: bool,
}

/// A day a notice lists: a holiday (off) or a 调休 working weekend (on).
#[derive(Debug, Clone)]
struct Special {
    is_off: bool,
    name: String,
    source: Source,
}

/// Years computed by rule are cached per year; outside this range only weekends are known.
const FIRST_RULE_YEAR: i32 = 1950;
const LAST_RULE_YEAR: i32 = 2200;

#[derive(Debug, Clone)]
pub struct WorkCalendar {
    years: BTreeMap<i32, YearInfo>,
    special: HashMap<NaiveDate, Special>,
    computed: Box<[OnceLock<HashMap<NaiveDate, RuleDay>>]>,
}

impl WorkCalendar {
    fn empty() -> WorkCalendar {
        let span = usize::try_from(LAST_RULE_YEAR - FIRST_RULE_YEAR + 1).expect("a positive span");
        WorkCalendar {
            years: BTreeMap::new(),
            special: HashMap::new(),
            computed: (0..span).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The notices shipped with zwgk.
    pub fn bundled() -> WorkCalendar {
        let notices = file::parse(
            include_str!("../../../selectors/calendars/cn-workdays.json"),
            "cn-workdays.json",
        )
        .expect("the bundled calendar is checked by the tests");
        let mut calendar = WorkCalendar::empty();
        calendar.add(notices, Source::Notice, None);
        calendar
    }

    /// The bundled notices with a notice file merged over them: its years replace the
    /// bundled ones. `label` names the file in messages and reports.
    pub fn with_file(mut self, text: &str, label: &str) -> Result<WorkCalendar, CalendarFileError> {
        let notices = file::parse(text, label)?;
        self.add(notices, Source::File, Some(label));
        Ok(self)
    }

    fn add(&mut self, notices: Vec<file::NoticeYear>, source: Source, label: Option<&str>) {
        for notice in notices {
            if source == Source::File {
                // The file's year replaces what the bundle said of it.
                self.special
                    .retain(|date, s| !(date.year() == notice.year && s.source == Source::Notice));
            }
            for day in notice.days {
                self.special.insert(
                    day.date,
                    Special {
                        is_off: day.is_off,
                        name: day.name,
                        source,
                    },
                );
            }
            self.years.insert(
                notice.year,
                YearInfo {
                    year: notice.year,
                    source,
                    papers: notice.papers,
                    file: label.map(str::to_string),
                },
            );
        }
    }

    /// Years with a notice (bundled or from a file).
    pub fn known_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    /// Where a year's arrangement comes from.
    pub fn year_info(&self, year: i32) -> YearInfo {
        self.years.get(&year).cloned().unwrap_or(YearInfo {
            year,
            source: Source::Estimated,
            papers: Vec::new(),
            file: None,
        })
    }

    fn rule_days(&self, year: i32) -> Option<&HashMap<NaiveDate, RuleDay>> {
        let index = usize::try_from(year - FIRST_RULE_YEAR).ok()?;
        let slot = self.computed.get(index)?;
        Some(slot.get_or_init(|| law::rule_days(year).into_iter().map(|d| (d.date, d)).collect()))
    }

    /// One day: working or not, why, and how sure.
    pub fn day(&self, date: NaiveDate) -> Day {
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        if let Some(special) = self.special.get(&date) {
            return Day {
                date,
                is_workday: !special.is_off,
                name: Some(special.name.clone()),
                source: special.source,
                is_makeup: false,
            };
        }
        if let Some(info) = self.years.get(&date.year()) {
            return Day {
                date,
                is_workday: !weekend,
                name: None,
                source: info.source,
                is_makeup: false,
            };
        }
        match self.rule_days(date.year()).and_then(|days| days.get(&date)) {
            Some(rule) => Day {
                date,
                is_workday: false,
                name: Some(rule.name.to_string()),
                source: Source::Estimated,
                is_makeup: rule.is_makeup,
            },
            None => Day {
                date,
                is_workday: !weekend,
                name: None,
                source: Source::Estimated,
                is_makeup: false,
            },
        }
    }

    pub fn is_workday(&self, date: NaiveDate) -> bool {
        self.day(date).is_workday
    }

    /// Whether the day rests on the rule rather than a notice.
    pub fn is_estimated(&self, date: NaiveDate) -> bool {
        self.day(date).source == Source::Estimated
    }

    /// The holiday a date belongs to, if it is a day off that has a name.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<String> {
        let day = self.day(date);
        (!day.is_workday).then_some(day.name).flatten()
    }

    /// The N-th working day after `from` (the day of the event is not counted).
    pub fn add_workdays(&self, from: NaiveDate, n: u32) -> Counted<NaiveDate> {
        let mut date = from;
        let mut left = n;
        let mut estimated = false;
        while left > 0 {
            date += Duration::days(1);
            let day = self.day(date);
            estimated |= day.source == Source::Estimated;
            if day.is_workday {
                left -= 1;
            }
        }
        Counted { value: date, estimated }
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`):
    /// how late, in working days, something published on `to` is after an event on `from`.
    pub fn workdays_between(&self, from: NaiveDate, to: NaiveDate) -> Counted<i64> {
        let mut count = 0;
        let mut date = from;
        let mut estimated = false;
        while date < to {
            date += Duration::days(1);
            let day = self.day(date);
            estimated |= day.source == Source::Estimated;
            if day.is_workday {
                count += 1;
            }
        }
        Counted {
            value: count,
            estimated,
        }
    }

    /// A year's arrangement: its holidays and 调休 working weekends (notice years), or its
    /// statutory holidays and 补假 (estimated years), in date order.
    pub fn arrangement(&self, year: i32) -> Vec<Day> {
        let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
            return Vec::new();
        };
        first
            .iter_days()
            .take_while(|d| d.year() == year)
            .map(|d| self.day(d))
            .filter(|d| d.name.is_some())
            .collect()
    }

    /// Working days in a year.
    pub fn workdays_in(&self, year: i32) -> usize {
        NaiveDate::from_ymd_opt(year, 1, 1)
            .map(|first| {
                first
                    .iter_days()
                    .take_while(|d| d.year() == year)
                    .filter(|d| self.is_workday(*d))
                    .count()
            })
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
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
            let deadline = calendar.add_workdays(d(from), n);
            assert_eq!(deadline.value, d(expected), "{from} + {n}");
            assert!(!deadline.estimated, "{from} + {n} rests on notices");
            assert_eq!(calendar.workdays_between(d(from), d(expected)).value, i64::from(n));
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
            assert_eq!(calendar.is_workday(d(date)), workday, "{date}");
            assert_eq!(calendar.day(d(date)).source, Source::Notice, "{date}");
        }
        assert_eq!(
            calendar.holiday_name(d("2025-10-01")).as_deref(),
            Some("国庆节、中秋节")
        );
    }

    #[test]
    fn a_year_without_a_notice_is_estimated_not_an_error() {
        let calendar = WorkCalendar::bundled();
        assert_eq!(
            calendar.known_years().collect::<Vec<_>>(),
            (2018..=2026).collect::<Vec<_>>()
        );
        assert_eq!(calendar.year_info(2027).source, Source::Estimated);
        // 2027-02-08 is 春节 初三 (a Monday), 2027-02-09 the 补假 for 初一 on a Saturday.
        assert!(!calendar.is_workday(d("2027-02-08")));
        assert!(!calendar.is_workday(d("2027-02-09")));
        assert!(calendar.is_workday(d("2027-02-11")));
        assert!(calendar.is_estimated(d("2027-02-11")));
        // Counting from December 2026 into 2027 works, and says it is estimated.
        let deadline = calendar.add_workdays(d("2026-12-28"), 10);
        assert!(deadline.estimated);
        assert_eq!(deadline.value, d("2027-01-12"), "12月29–31日, then 元旦 (a Friday) off");
        let inside = calendar.workdays_between(d("2026-03-02"), d("2026-03-09"));
        assert_eq!(
            inside,
            Counted {
                value: 5,
                estimated: false
            }
        );
    }

    #[test]
    fn a_file_wins_over_the_bundled_notice_and_over_the_rule() {
        let file = r#"{"year": 2027, "papers": ["https://www.gov.cn/example"], "days": [
            {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
            {"name": "春节", "date": "2027-01-31", "isOffDay": false},
            {"name": "春节", "date": "2027-02-05", "isOffDay": true}
        ]}"#;
        let calendar = WorkCalendar::bundled()
            .with_file(file, "2027.json")
            .expect("valid file");
        let info = calendar.year_info(2027);
        assert_eq!(info.source, Source::File);
        assert_eq!(info.file.as_deref(), Some("2027.json"));
        assert!(calendar.is_workday(d("2027-01-31")), "a 调休 Sunday from the file");
        assert!(!calendar.is_estimated(d("2027-03-01")));
        // What the file does not list is an ordinary day: the rule is not mixed in.
        assert!(calendar.is_workday(d("2027-02-09")));
        // A file year replaces a bundled one.
        let fix = r#"{"year": 2026, "papers": [], "days": [{"name": "元旦", "date": "2026-01-02", "isOffDay": true}]}"#;
        let calendar = WorkCalendar::bundled().with_file(fix, "fix.json").expect("valid file");
        assert!(
            !calendar.is_workday(d("2026-01-04")),
            "the bundled 2026 调休 Sunday is replaced"
        );
        assert_eq!(calendar.year_info(2026).source, Source::File);
    }

    #[test]
    fn computed_holidays_match_every_bundled_notice() {
        // For 2018–2026 the statutory holidays (and 补假) computed under the law of that year
        // are days off in the State Council's notice, under the same holiday; and every
        // holiday of the notice is one the law gives. Only the 调休 is left to the notices.
        let calendar = WorkCalendar::bundled();
        for year in 2018..=2026 {
            let computed = law::rule_days(year);
            for day in &computed {
                let notice = calendar.day(day.date);
                assert!(
                    !notice.is_workday,
                    "{year}: {} {} is off in the notice",
                    day.date, day.name
                );
                let name = notice.name.unwrap_or_default();
                for part in day.name.split('、') {
                    assert!(
                        name.contains(part),
                        "{year}: {} is {part} by law, {name} by notice",
                        day.date
                    );
                }
            }
            let named: std::collections::BTreeSet<String> = calendar
                .arrangement(year)
                .into_iter()
                .filter(|d| !d.is_workday && d.date.year() == year)
                .flat_map(|d| {
                    d.name
                        .unwrap_or_default()
                        .split('、')
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .collect();
            let by_law: std::collections::BTreeSet<String> = computed
                .iter()
                .flat_map(|d| d.name.split('、').map(str::to_string))
                .collect();
            assert_eq!(named, by_law, "{year}: holidays of the notice and of the law");
        }
    }
}
