//! `zwgk calendar`: a year's holiday arrangement, or a notice file checked.

use super::*;

pub(crate) fn run_calendar_show(args: &CalendarShowArgs) -> anyhow::Result<ExitCode> {
    use crate::assess::calendar::Source;
    anyhow::ensure!(
        (1950..=2200).contains(&args.year),
        "`{}` is outside the years the calendar computes (1950–2200)",
        args.year
    );
    let calendar = load_calendar(args.calendar.as_deref())?;
    let info = calendar.year_info(args.year);
    let days = calendar.arrangement(args.year);
    if args.json {
        let json = serde_json::json!({
            "year": args.year,
            "source": info.source,
            "papers": info.papers,
            "file": info.file,
            "law": crate::assess::calendar::law::HolidayLaw::in_force(args.year).citation(),
            "workdays": calendar.workdays_in(args.year),
            "days": days,
        });
        crate::console::out(&(serde_json::to_string_pretty(&json)? + "\n"));
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = format!("{}年  来源：{}", args.year, info.source.label_zh());
    match info.source {
        Source::Notice => out.push_str(&format!("  {}", info.papers.join(" "))),
        Source::File => out.push_str(&format!("  {}", info.file.unwrap_or_default())),
        Source::Estimated => out.push_str(&format!(
            "  依据{}；调休须待国务院办公厅通知",
            crate::assess::calendar::law::HolidayLaw::in_force(args.year).citation()
        )),
    }
    out.push_str(&format!("\n工作日 {} 天\n", calendar.workdays_in(args.year)));
    for day in &days {
        let what = match (day.is_workday, day.is_makeup) {
            (true, _) => "调休上班",
            (false, true) => "补假",
            (false, false) => "放假",
        };
        out.push_str(&format!(
            "{}  {}  {}  {}\n",
            day.date,
            weekday_zh(day.date),
            what,
            day.name.as_deref().unwrap_or("")
        ));
    }
    crate::console::out(&out);
    Ok(ExitCode::SUCCESS)
}

fn weekday_zh(date: chrono::NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][date.weekday().num_days_from_monday() as usize]
}

pub(crate) fn run_calendar_check(args: &CalendarCheckArgs) -> anyhow::Result<ExitCode> {
    use crate::assess::calendar::file;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read the calendar file `{}`", args.file.display()))?;
    let label = args.file.display().to_string();
    let years = file::parse(&text, &label)?;
    let mut out = String::new();
    for year in &years {
        let off = year.days.iter().filter(|d| d.is_off).count();
        out.push_str(&format!(
            "{}: {} days off, {} working weekends (调休), {} notice URL(s)\n",
            year.year,
            off,
            year.days.len() - off,
            year.papers.len()
        ));
    }
    for (date, name) in file::missing_statutory_days(&years) {
        out.push_str(&format!(
            "warning: {date} ({name}) is a statutory holiday but the file does not give it off\n"
        ));
    }
    out.push_str(&format!("`{label}` is a valid notice file\n"));
    crate::console::out(&out);
    Ok(ExitCode::SUCCESS)
}
