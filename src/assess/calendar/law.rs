//! Statutory public holidays computed by rule, for years whose State Council notice zwgk does
//! not have: 《全国年节及纪念日放假办法》 in the version in force that year.
//!
//! | in force | 元旦 | 春节 | 清明 | 劳动节 | 端午 | 中秋 | 国庆 |
//! |---|---|---|---|---|---|---|---|
//! | until 2007 (1999 version) | 1 | 初一–初三 | – | 5月1–3日 | – | – | 10月1–3日 |
//! | 2008–2013 (国务院令第513号) | 1 | 除夕–初二 | 1 | 5月1日 | 1 | 1 | 10月1–3日 |
//! | 2014–2024 (国务院令第644号) | 1 | 初一–初三 | 1 | 5月1日 | 1 | 1 | 10月1–3日 |
//! | from 2025 (国务院令第797号) | 1 | 除夕–初三 | 1 | 5月1–2日 | 1 | 1 | 10月1–3日 |
//!
//! 春节, 端午 and 中秋 follow the Chinese lunisolar calendar and 清明 is the day of the solar
//! term, all from `tyme4rs`. Article 6 of the 办法: a holiday of all citizens that falls on a
//! Saturday or Sunday is made up on a working day (补假); we take the first weekday after the
//! break. Two holidays on one date are two holidays: the second is made up too, as the 2020
//! notice did when 中秋 fell on 10月1日 (8 days off instead of 7). What cannot be computed is the 调休 (weekends worked to bridge a break): that is
//! decided by each year's notice, so every computed day is an estimate.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::SolarTerm;

/// Which version of the 放假办法 was in force in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolidayLaw {
    /// 1999 revision (in force until 2007).
    Of1999,
    /// 2007 revision, 国务院令第513号 (2008–2013).
    Of2007,
    /// 2013 revision, 国务院令第644号 (2014–2024).
    Of2013,
    /// 2024 revision, 国务院令第797号 (from 2025).
    Of2024,
}

impl HolidayLaw {
    pub fn in_force(year: i32) -> HolidayLaw {
        match year {
            ..=2007 => HolidayLaw::Of1999,
            2008..=2013 => HolidayLaw::Of2007,
            2014..=2024 => HolidayLaw::Of2013,
            _ => HolidayLaw::Of2024,
        }
    }

    pub fn citation(self) -> &'static str {
        match self {
            HolidayLaw::Of1999 => "《全国年节及纪念日放假办法》（1999年修订）",
            HolidayLaw::Of2007 => "《全国年节及纪念日放假办法》（2007年修订，国务院令第513号）",
            HolidayLaw::Of2013 => "《全国年节及纪念日放假办法》（2013年修订，国务院令第644号）",
            HolidayLaw::Of2024 => "《全国年节及纪念日放假办法》（2024年修订，国务院令第797号）",
        }
    }
}

/// A day off by rule: a statutory holiday, or the working day that makes up for one that fell
/// on a weekend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDay {
    pub date: NaiveDate,
    /// The holiday's name as the notices write it (元旦, 春节, 清明节 …).
    pub name: &'static str,
    /// True for a 补假 day, false for the statutory holiday itself.
    pub is_makeup: bool,
    /// How many holidays fall on this date (2 when 中秋 is on a 国庆 day).
    pub holidays: u8,
}

fn lunar(year: i32, month: isize, day: usize) -> Option<NaiveDate> {
    let solar = LunarDay::new(year as isize, month, day).ok()?.get_solar_day();
    NaiveDate::from_ymd_opt(
        i32::try_from(solar.get_year()).ok()?,
        u32::try_from(solar.get_month()).ok()?,
        u32::try_from(solar.get_day()).ok()?,
    )
}

fn qingming(year: i32) -> Option<NaiveDate> {
    let solar = SolarTerm::new(year as isize, "清明").ok()?.get_solar_day();
    NaiveDate::from_ymd_opt(
        i32::try_from(solar.get_year()).ok()?,
        u32::try_from(solar.get_month()).ok()?,
        u32::try_from(solar.get_day()).ok()?,
    )
}

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The statutory holidays of a year under the law in force that year (no 补假), in date order.
/// Two holidays on one date (中秋 on 10月1日 in 2020) give one day named by both.
pub fn statutory_holidays(year: i32) -> Vec<RuleDay> {
    let law = HolidayLaw::in_force(year);
    let mut days: Vec<(Option<NaiveDate>, &'static str)> = vec![(ymd(year, 1, 1), "元旦")];
    let new_year = lunar(year, 1, 1);
    let eve = new_year.map(|d| d - Duration::days(1));
    let spring: Vec<Option<NaiveDate>> = match law {
        HolidayLaw::Of1999 | HolidayLaw::Of2013 => (0..3).map(|i| new_year.map(|d| d + Duration::days(i))).collect(),
        HolidayLaw::Of2007 => vec![eve, new_year, new_year.map(|d| d + Duration::days(1))],
        HolidayLaw::Of2024 => std::iter::once(eve)
            .chain((0..3).map(|i| new_year.map(|d| d + Duration::days(i))))
            .collect(),
    };
    days.extend(spring.into_iter().map(|d| (d, "春节")));
    if law != HolidayLaw::Of1999 {
        days.push((qingming(year), "清明节"));
    }
    let labour_days = match law {
        HolidayLaw::Of1999 => 3,
        HolidayLaw::Of2024 => 2,
        _ => 1,
    };
    days.extend((1..=labour_days).map(|d| (ymd(year, 5, d), "劳动节")));
    if law != HolidayLaw::Of1999 {
        days.push((lunar(year, 5, 5), "端午节"));
        days.push((lunar(year, 8, 15), "中秋节"));
    }
    days.extend((1..=3).map(|d| (ymd(year, 10, d), "国庆节")));

    let mut by_date: BTreeMap<NaiveDate, (&'static str, u8)> = BTreeMap::new();
    for (date, name) in days {
        let Some(date) = date else { continue };
        by_date
            .entry(date)
            .and_modify(|(existing, count)| {
                if *existing != name {
                    *existing = combined_name(existing, name);
                    *count += 1;
                }
            })
            .or_insert((name, 1));
    }
    by_date
        .into_iter()
        .map(|(date, (name, holidays))| RuleDay {
            date,
            name,
            is_makeup: false,
            holidays,
        })
        .collect()
}

/// The notices name a break holding two holidays by both (「国庆节、中秋节」).
fn combined_name(a: &str, b: &str) -> &'static str {
    match (a, b) {
        ("中秋节", "国庆节") | ("国庆节", "中秋节") => "国庆节、中秋节",
        _ => "节假日",
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The statutory holidays plus a 补假 day for each holiday that falls on a weekend or on
/// another holiday: the first weekday after the break that is not itself off.
pub fn rule_days(year: i32) -> Vec<RuleDay> {
    let holidays = statutory_holidays(year);
    let mut off: BTreeMap<NaiveDate, RuleDay> = holidays.iter().map(|d| (d.date, d.clone())).collect();
    for holiday in &holidays {
        let owed = if is_weekend(holiday.date) {
            holiday.holidays
        } else {
            holiday.holidays - 1
        };
        for _ in 0..owed {
            let mut date = holiday.date;
            loop {
                date += Duration::days(1);
                if !is_weekend(date) && !off.contains_key(&date) {
                    break;
                }
            }
            off.insert(
                date,
                RuleDay {
                    date,
                    name: holiday.name,
                    is_makeup: true,
                    holidays: 0,
                },
            );
        }
    }
    off.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn dates(days: &[RuleDay]) -> Vec<String> {
        days.iter().map(|d| d.date.format("%m-%d").to_string()).collect()
    }

    #[test]
    fn each_version_of_the_law() {
        // 2025: 除夕 joins 春节 and 劳动节 has two days (国务院令第797号).
        let y2025 = statutory_holidays(2025);
        assert_eq!(
            dates(&y2025),
            [
                "01-01", "01-28", "01-29", "01-30", "01-31", "04-04", "05-01", "05-02", "05-31", "10-01", "10-02",
                "10-03", "10-06"
            ]
        );
        // 2024: 春节 is 初一 to 初三; 11 days in all.
        let y2024 = statutory_holidays(2024);
        assert_eq!(y2024.len(), 11);
        assert!(y2024.iter().any(|h| h.date == d("2024-02-12") && h.name == "春节"));
        assert!(
            !y2024.iter().any(|h| h.date == d("2024-02-09")),
            "除夕 is not a holiday before 2025"
        );
        // 2010: 除夕, 初一, 初二 (国务院令第513号).
        let y2010 = statutory_holidays(2010);
        assert!(y2010.iter().any(|h| h.date == d("2010-02-13") && h.name == "春节"));
        assert!(!y2010.iter().any(|h| h.date == d("2010-02-16")));
        // 2005: no 清明, 端午 or 中秋; three days at 劳动节.
        let y2005 = statutory_holidays(2005);
        assert_eq!(y2005.iter().filter(|h| h.name == "劳动节").count(), 3);
        assert!(!y2005.iter().any(|h| h.name == "清明节"));
    }

    #[test]
    fn two_holidays_on_one_day_are_one_day() {
        // 2020: 中秋 fell on 10月1日.
        let y2020 = statutory_holidays(2020);
        let day = y2020.iter().find(|h| h.date == d("2020-10-01")).expect("10-01");
        assert_eq!(day.name, "国庆节、中秋节");
        assert_eq!(y2020.len(), 10);
        // … and both are given: 10月3日 (a Saturday) and the second holiday of 10月1日 are
        // made up on 5日 and 6日, as the 2020 notice's 8-day break did.
        let makeup: Vec<String> = rule_days(2020)
            .iter()
            .filter(|d| d.is_makeup && d.date.month() == 10)
            .map(|d| d.date.to_string())
            .collect();
        assert_eq!(makeup, ["2020-10-05", "2020-10-06"]);
        // 2039: 中秋 on 10月2日, a Sunday: both holidays of that day are made up.
        let y2039: Vec<String> = rule_days(2039)
            .iter()
            .filter(|d| d.is_makeup && d.date.month() == 10)
            .map(|d| d.date.to_string())
            .collect();
        assert_eq!(y2039, ["2039-10-04", "2039-10-05", "2039-10-06"]);
    }

    #[test]
    fn weekend_holidays_are_made_up_after_the_break() {
        // 2027: 春节 初一 and 初二 on Saturday and Sunday → 2月9日、10日; 劳动节 on a weekend →
        // 5月3日、4日; 国庆 2日、3日 on a weekend → 10月4日、5日 (as Python's `holidays` has them).
        let makeup: Vec<String> = rule_days(2027)
            .iter()
            .filter(|d| d.is_makeup)
            .map(|d| d.date.to_string())
            .collect();
        assert_eq!(
            makeup,
            [
                "2027-02-09",
                "2027-02-10",
                "2027-05-03",
                "2027-05-04",
                "2027-10-04",
                "2027-10-05"
            ]
        );
        // 2028: 元旦 on a Saturday → 1月3日 (Monday); 端午 on a Sunday → 5月29日.
        let y2028 = rule_days(2028);
        assert!(
            y2028
                .iter()
                .any(|h| h.is_makeup && h.date == d("2028-01-03") && h.name == "元旦")
        );
        assert!(
            y2028
                .iter()
                .any(|h| h.is_makeup && h.date == d("2028-05-29") && h.name == "端午节")
        );
    }
}
