//! Holiday-notice files in the holiday-cn JSON schema (NateScarlet/holiday-cn): one year
//! `{"year": 2027, "papers": [...], "days": [{"name", "date", "isOffDay"}]}`, an array of
//! such years, or zwgk's bundle `{"years": {"2027": {...}}}`.
//!
//! Errors name the line and say what is wrong, because the file is typed by hand from a
//! notice. Pure: the caller reads the file.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalendarFileError {
    #[error("`{file}` line {line}, column {column}: {problem}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        problem: String,
    },
    #[error("`{file}` line {line}: {problem}")]
    Invalid { file: String, line: usize, problem: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: i32,
    #[serde(default)]
    papers: Vec<String>,
    days: Vec<RawDay>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDay {
    name: String,
    date: String,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

#[derive(Deserialize)]
struct RawBundle {
    #[serde(default)]
    #[allow(dead_code)]
    source: Option<String>,
    years: std::collections::BTreeMap<String, RawYear>,
}

/// One year of a notice, checked.
#[derive(Debug, Clone)]
pub struct NoticeYear {
    pub year: i32,
    pub papers: Vec<String>,
    pub days: Vec<NoticeDay>,
}

#[derive(Debug, Clone)]
pub struct NoticeDay {
    pub date: NaiveDate,
    pub name: String,
    pub is_off: bool,
}

/// Parses and checks a notice file.
pub fn parse(text: &str, file: &str) -> Result<Vec<NoticeYear>, CalendarFileError> {
    let syntax = |e: serde_json::Error| CalendarFileError::Syntax {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        problem: describe(&e),
    };
    let shape: serde_json::Value = serde_json::from_str(text).map_err(syntax)?;
    let raw: Vec<(Option<String>, RawYear)> = match &shape {
        serde_json::Value::Array(_) => serde_json::from_str::<Vec<RawYear>>(text)
            .map_err(syntax)?
            .into_iter()
            .map(|y| (None, y))
            .collect(),
        serde_json::Value::Object(map) if map.contains_key("years") => serde_json::from_str::<RawBundle>(text)
            .map_err(syntax)?
            .years
            .into_iter()
            .map(|(k, y)| (Some(k), y))
            .collect(),
        serde_json::Value::Object(_) => vec![(None, serde_json::from_str::<RawYear>(text).map_err(syntax)?)],
        _ => {
            return Err(CalendarFileError::Invalid {
                file: file.to_string(),
                line: 1,
                problem: "expected a holiday-cn year object ({\"year\", \"papers\", \"days\"}), an array of them, or {\"years\": {...}}".to_string(),
            });
        }
    };
    let invalid = |needle: &str, problem: String| CalendarFileError::Invalid {
        file: file.to_string(),
        line: line_of(text, needle),
        problem,
    };
    let mut years: Vec<NoticeYear> = Vec::new();
    let mut seen: std::collections::HashMap<NaiveDate, bool> = std::collections::HashMap::new();
    for (key, year) in raw {
        if let Some(key) = &key
            && key.parse::<i32>().ok() != Some(year.year)
        {
            return Err(invalid(
                &format!("\"{key}\""),
                format!("the key `{key}` holds year {}", year.year),
            ));
        }
        if !(1949..=2200).contains(&year.year) {
            return Err(invalid(
                &format!("{}", year.year),
                format!("year {} is outside 1949–2200", year.year),
            ));
        }
        if years.iter().any(|y| y.year == year.year) {
            return Err(invalid(
                &format!("{}", year.year),
                format!("year {} is given twice", year.year),
            ));
        }
        if year.days.is_empty() {
            return Err(invalid(
                &format!("{}", year.year),
                format!("year {} lists no days; a notice always gives holidays", year.year),
            ));
        }
        let mut days = Vec::with_capacity(year.days.len());
        for day in year.days {
            let quoted = format!("\"{}\"", day.date);
            let date = NaiveDate::parse_from_str(&day.date, "%Y-%m-%d")
                .map_err(|_| invalid(&quoted, format!("`{}` is not a date (YYYY-MM-DD)", day.date)))?;
            if (date.year() - year.year).abs() > 1 {
                return Err(invalid(
                    &quoted,
                    format!("{date} is not in or next to year {}", year.year),
                ));
            }
            if day.name.trim().is_empty() {
                return Err(invalid(&quoted, format!("{date} has no holiday name")));
            }
            let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
            if !day.is_off_day && !weekend {
                return Err(invalid(
                    &quoted,
                    format!(
                        "{date} is a {} marked as a working day (isOffDay false); only weekends are worked in exchange (调休)",
                        weekday_zh(date)
                    ),
                ));
            }
            match seen.insert(date, day.is_off_day) {
                Some(before) if before != day.is_off_day => {
                    return Err(invalid(
                        &quoted,
                        format!("{date} is listed both as a day off and as a working day"),
                    ));
                }
                _ => {}
            }
            days.push(NoticeDay {
                date,
                name: day.name,
                is_off: day.is_off_day,
            });
        }
        years.push(NoticeYear {
            year: year.year,
            papers: year.papers,
            days,
        });
    }
    Ok(years)
}

/// Days a notice of that year is expected to give off but the file does not: the statutory
/// holidays of the law in force. Not an error (a notice may move a day), but worth a look.
pub fn missing_statutory_days(years: &[NoticeYear]) -> Vec<(NaiveDate, &'static str)> {
    let mut missing = Vec::new();
    for year in years {
        for holiday in super::law::statutory_holidays(year.year) {
            let listed_off = year.days.iter().any(|d| d.date == holiday.date && d.is_off);
            if !listed_off && !matches!(holiday.date.weekday(), Weekday::Sat | Weekday::Sun) {
                missing.push((holiday.date, holiday.name));
            }
        }
    }
    missing
}

fn weekday_zh(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// serde_json's message without its own "at line … column …" suffix (we print the position).
fn describe(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message,
    }
}

/// The 1-based line of the first occurrence of `needle` (1 when absent).
fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map(|at| text[..at].matches('\n').count() + 1)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse(text, "f.json").expect_err("the file is malformed").to_string()
    }

    #[test]
    fn malformed_files_name_the_line_and_the_problem() {
        let cases = [
            (
                "{\"year\": 2027,\n \"days\": [\n {\"name\": \"元旦\", \"date\": \"2027-01-01\" \"isOffDay\": true}]}",
                "line 3",
                "expected",
            ),
            (
                "{\"year\": 2027,\n \"days\": [\n {\"name\": \"元旦\", \"date\": \"2027-1-1x\", \"isOffDay\": true}]}",
                "line 3",
                "is not a date",
            ),
            (
                "{\"year\": 2027,\n \"days\": [\n {\"name\": \"春节\", \"date\": \"2027-02-03\", \"isOffDay\": false}]}",
                "line 3",
                "Wednesday marked as a working day",
            ),
            (
                "{\"year\": 2027,\n \"days\": [\n {\"name\": \"元旦\", \"date\": \"2027-01-01\", \"isOffday\": true}]}",
                "line 3",
                "unknown field `isOffday`",
            ),
            ("{\"year\": 2027,\n \"days\": []}", "line 1", "lists no days"),
            (
                "{\"years\": {\"2027\": {\"year\": 2028,\n \"days\": [{\"name\": \"元旦\", \"date\": \"2028-01-01\", \"isOffDay\": true}]}}}",
                "line 1",
                "holds year 2028",
            ),
            (
                "{\"year\": 2027,\n \"days\": [\n {\"name\": \"元旦\", \"date\": \"2031-01-01\", \"isOffDay\": true}]}",
                "line 3",
                "not in or next to year 2027",
            ),
            ("[1, 2]", "line 1", "invalid type"),
            ("\"2027\"", "line 1", "expected a holiday-cn year object"),
        ];
        for (text, line, problem) in cases {
            let message = error(text);
            assert!(message.contains(line) && message.contains(problem), "{message}");
            assert!(message.starts_with("`f.json` line"), "{message}");
        }
    }

    #[test]
    fn every_shape_of_holiday_cn_is_read() {
        let one = r#"{"year": 2027, "papers": [], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#;
        assert_eq!(parse(one, "a").expect("one year").len(), 1);
        let many = format!("[{one}, {}]", one.replace("2027", "2028"));
        assert_eq!(parse(&many, "a").expect("an array").len(), 2);
        let bundle = format!("{{\"years\": {{\"2027\": {one}}}}}");
        assert_eq!(parse(&bundle, "a").expect("a bundle").len(), 1);
    }

    #[test]
    fn a_file_missing_statutory_days_is_flagged() {
        let text = r#"{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#;
        let years = parse(text, "a").expect("valid");
        let missing = missing_statutory_days(&years);
        assert!(
            missing
                .iter()
                .any(|(d, n)| *n == "国庆节" && d.to_string() == "2027-10-01")
        );
        assert!(!missing.iter().any(|(_, n)| *n == "元旦"));
    }
}
