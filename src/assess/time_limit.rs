//! 公开时限 cells as typed [`TimeLimit`]s.
//!
//! In: the text of one 公开时限 cell as written (「信息形成或变更 5 日内」, 「一季度一次」,
//! 「3月31日前」, 「收到申请之日起15个工作日内」). Out: the typed limit, or `None` when the text
//! is empty, vague (及时, 常态化, 动态更新), holds two limits (「2周 / 6个月」), or says something
//! no [`TimeLimit`] variant holds (每周一次, 3个月内, 每月15日前).
//!
//! `zwgk catalog import` types each row's cell with it; the bundled catalog's `time_limit`
//! values agree with it for every cell text, except where a leaf's question states a limit of
//! its own (`time_limit_source = "question"`, test below).
//!
//! Must not: guess. The whole text must be one of the forms below; anything else is `None`,
//! and the importer asks a person to type it.

use std::sync::LazyLock;

use regex::Regex;

use super::catalog::{DayType, Period, TimeLimit};

/// The event of a bare 「20个工作日内」: 条例 第二十六条 counts a 主动公开 limit from the day
/// the information is 形成或者变更.
const DEFAULT_EVENT: &str = "形成或变更";

/// The longest event kept (「本级人代会结束」 is 7); longer prefixes are sentences, not events.
const MAX_EVENT_CHARS: usize = 12;

/// Parses one 公开时限 cell.
pub fn parse_time_limit(text: &str) -> Option<TimeLimit> {
    let text = normalize(text);
    if text.is_empty() {
        return None;
    }
    immediate(&text)
        .or_else(|| next_day(&text))
        .or_else(|| periodic(&text))
        .or_else(|| annual_deadline(&text))
        .or_else(|| within_days(&text))
}

/// Spaces dropped (「信息形成 5 日内」), full-width digits made ASCII, trailing punctuation
/// dropped, and the spellings of one word made one (做出/作出, 或者/或, 以内/之内/内).
fn normalize(text: &str) -> String {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200B}' | '\u{FEFF}'))
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c),
            _ => c,
        })
        .collect();
    compact
        .trim_end_matches(['。', '；', ';', '，', ',', '.', '、'])
        .replace("做出", "作出")
        .replace("或者", "或")
        .replace("以内", "内")
        .replace("之内", "内")
}

/// Words after the limit that say what happens by then (「即时公开」, 「每月更新」).
const ACTIONS: &[&str] = &["予以公开", "及时公开", "公开", "发布", "更新", "公示", "完成"];

fn without_action(text: &str) -> &str {
    ACTIONS
        .iter()
        .find_map(|action| text.strip_suffix(action).filter(|rest| !rest.is_empty()))
        .unwrap_or(text)
}

fn immediate(text: &str) -> Option<TimeLimit> {
    matches!(without_action(text), "即时" | "实时" | "立即" | "随时").then_some(TimeLimit::Immediate)
}

/// 会议第二天, 会后次日, 会议召开后第二日.
fn next_day(text: &str) -> Option<TimeLimit> {
    static NEXT_DAY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?P<event>\p{Han}{1,10}?)(?:后|之后)?的?(?:第二天|第二日|第2天|第2日|次日)(?:内|前)?$")
            .expect("the pattern is valid")
    });
    let captures = NEXT_DAY.captures(without_action(text))?;
    let event = event_name(&captures["event"])?;
    Some(TimeLimit::NextDay { event })
}

/// 两周一次, 一月一次, 每月, 按季度, 一季度一次, 半年, 每半年, 每年, 一年一次.
fn periodic(text: &str) -> Option<TimeLimit> {
    static PERIODIC: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?P<prefix>每|按|一|1)?(?P<period>两周|二周|2周|半年|季度|季|月|年)度?(?P<once>(?:更新|公开|发布)?(?:一次|1次))?$",
        )
        .expect("the pattern is valid")
    });
    let captures = PERIODIC.captures(without_action(text))?;
    let period = &captures["period"];
    // 「2周」 or 「月」 alone could as well be a deadline (within two weeks); 半年 and 季度
    // alone can only be a period.
    let is_period =
        captures.name("prefix").is_some() || captures.name("once").is_some() || matches!(period, "半年" | "季度");
    if !is_period {
        return None;
    }
    let every = match period {
        "两周" | "二周" | "2周" => Period::Fortnight,
        "月" => Period::Month,
        "季度" | "季" => Period::Quarter,
        "半年" => Period::HalfYear,
        _ => Period::Year,
    };
    Some(TimeLimit::Periodic { every })
}

/// 3月31日前, 7月底前, 每年1月31日前, 2019年3月底前 (the year is the assessment year's).
fn annual_deadline(text: &str) -> Option<TimeLimit> {
    static DEADLINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:每年|\d{4}年)?(?P<month>\d{1,2}|[一二三四五六七八九十]{1,3})月份?(?:(?P<day>\d{1,2}|[一二三四五六七八九十]{1,3})[日号]|(?P<end>底|末))(?:前|以前|之前)?$",
        )
        .expect("the pattern is valid")
    });
    let captures = DEADLINE.captures(without_action(text))?;
    let month = number(&captures["month"])?;
    let last = days_in_month(month)?;
    let day = match captures.name("day") {
        Some(day) => number(day.as_str())?,
        None => last,
    };
    (1..=last)
        .contains(&day)
        .then_some(TimeLimit::AnnualDeadline { month, day })
}

/// 信息形成5日内, 变更后5日内, 作出决定之日起7个工作日内, 收到申请之日起15个工作日内,
/// 20个工作日内, 两周内.
fn within_days(text: &str) -> Option<TimeLimit> {
    static WITHIN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?P<event>\p{Han}*?)(?P<count>\d{1,3}|[〇零一二两三四五六七八九十百]{1,5})(?P<each>个)?(?P<unit>工作日|自然日|日|天|周|星期)(?P<within>内)?$",
        )
        .expect("the pattern is valid")
    });
    let captures = WITHIN.captures(without_action(text))?;
    let count = number(&captures["count"])?;
    let unit = &captures["unit"];
    let raw_event = &captures["event"];
    // 「15日」 alone is a day of the month; a duration says 内, 个, 工作日 or its event.
    let is_duration = captures.name("within").is_some()
        || captures.name("each").is_some()
        || unit == "工作日"
        || !raw_event.is_empty();
    if !is_duration || raw_event.ends_with('第') || raw_event.ends_with('每') {
        return None;
    }
    let event = if raw_event.is_empty() {
        DEFAULT_EVENT.to_string()
    } else {
        event_name(raw_event)?
    };
    let (days, day_type) = match unit {
        "工作日" => (count, DayType::Working),
        "周" | "星期" => (count.checked_mul(7)?, DayType::Calendar),
        _ => (count, DayType::Calendar),
    };
    (1..=366)
        .contains(&days)
        .then_some(TimeLimit::WithinDays { days, day_type, event })
}

/// The event of a limit as the catalog names it: 「自信息形成之日起」 → 形成, 「收到申请之日起」
/// → 收到申请, 「会后」 / 「会议召开后」 → 会议, 「决定作出」 → 作出决定.
fn event_name(raw: &str) -> Option<String> {
    let mut event = raw;
    for prefix in ["自", "从", "在", "于"] {
        event = event.strip_prefix(prefix).unwrap_or(event);
    }
    for prefix in ["本级", "该", "政府信息", "相关信息", "有关信息", "信息"] {
        event = event.strip_prefix(prefix).unwrap_or(event);
    }
    for suffix in ["之日起", "之日后", "之日", "以后", "之后", "起", "后"] {
        if let Some(rest) = event.strip_suffix(suffix) {
            event = rest;
            break;
        }
    }
    if event.is_empty() || event.chars().count() > MAX_EVENT_CHARS || event.contains("是否") {
        return None;
    }
    let event = if event == "会" || event.starts_with("会议") || event.starts_with("召开会议") {
        "会议"
    } else if event == "决定作出" {
        "作出决定"
    } else {
        event
    };
    Some(event.to_string())
}

/// `15`, 十五, 二十, 六十, 一百二十.
fn number(text: &str) -> Option<u32> {
    if let Ok(n) = text.parse() {
        return Some(n);
    }
    let digit = |c: char| match c {
        '〇' | '零' => Some(0),
        '一' => Some(1),
        '二' | '两' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    };
    let (mut total, mut pending) = (0u32, None::<u32>);
    for c in text.chars() {
        match c {
            '百' => total += pending.take().unwrap_or(1) * 100,
            '十' => total += pending.take().unwrap_or(1) * 10,
            // 一百零五: 零 holds a place and adds nothing.
            '〇' | '零' if pending.is_none() && total > 0 => {}
            _ => {
                if pending.is_some() {
                    return None;
                }
                pending = Some(digit(c)?);
            }
        }
    }
    Some(total + pending.unwrap_or(0))
}

/// Days of the month in a common year (2月底 is the 28th).
fn days_in_month(month: u32) -> Option<u32> {
    match month {
        2 => Some(28),
        4 | 6 | 9 | 11 => Some(30),
        1..=12 => Some(31),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn within(days: u32, day_type: DayType, event: &str) -> Option<TimeLimit> {
        Some(TimeLimit::WithinDays {
            days,
            day_type,
            event: event.to_string(),
        })
    }

    fn every(period: Period) -> Option<TimeLimit> {
        Some(TimeLimit::Periodic { every: period })
    }

    fn by(month: u32, day: u32) -> Option<TimeLimit> {
        Some(TimeLimit::AnnualDeadline { month, day })
    }

    #[test]
    fn every_form_of_the_seed_table_is_typed() {
        use DayType::{Calendar, Working};
        let cases = [
            // Cells of the 周村区 2019 table, spaces as written.
            ("信息形成5日内", within(5, Calendar, "形成")),
            ("信息形成 5 日内", within(5, Calendar, "形成")),
            ("信息形成 5日内", within(5, Calendar, "形成")),
            ("信息形成或变更5日内", within(5, Calendar, "形成或变更")),
            ("信息形成或变更 5 日内", within(5, Calendar, "形成或变更")),
            ("即时", Some(TimeLimit::Immediate)),
            ("两周一次", every(Period::Fortnight)),
            ("一月一次", every(Period::Month)),
            ("一季度一次", every(Period::Quarter)),
            ("3月31日前", by(3, 31)),
            (
                "会议第二天",
                Some(TimeLimit::NextDay {
                    event: "会议".to_string(),
                }),
            ),
            ("收到申请之日起15个工作日内", within(15, Working, "收到申请")),
            // Forms of other districts' tables.
            ("每月", every(Period::Month)),
            ("按月", every(Period::Month)),
            ("每月更新一次", every(Period::Month)),
            ("每季度", every(Period::Quarter)),
            ("按季度更新", every(Period::Quarter)),
            ("半年", every(Period::HalfYear)),
            ("半年一次", every(Period::HalfYear)),
            ("每半年", every(Period::HalfYear)),
            ("每年", every(Period::Year)),
            ("一年一次", every(Period::Year)),
            ("每两周", every(Period::Fortnight)),
            ("7月底前", by(7, 31)),
            ("每年1月31日前", by(1, 31)),
            ("2019年3月底前", by(3, 31)),
            ("三月底前", by(3, 31)),
            ("2月底前", by(2, 28)),
            ("6月30日", by(6, 30)),
            ("15个工作日内", within(15, Working, "形成或变更")),
            ("20个工作日内", within(20, Working, "形成或变更")),
            ("二十个工作日内", within(20, Working, "形成或变更")),
            ("变更后5日内", within(5, Calendar, "变更")),
            ("作出决定之日起7个工作日内", within(7, Working, "作出决定")),
            ("做出决定之日起七个工作日内", within(7, Working, "作出决定")),
            ("自信息形成之日起20个工作日内", within(20, Working, "形成")),
            (
                "信息形成或者变更之日起20个工作日以内",
                within(20, Working, "形成或变更"),
            ),
            ("收到申请之日起十五个工作日内", within(15, Working, "收到申请")),
            ("本级人代会结束60个工作日内", within(60, Working, "人代会结束")),
            ("文件公开后3个工作日内", within(3, Working, "文件公开")),
            ("信息形成后５日内", within(5, Calendar, "形成")),
            ("两周内", within(14, Calendar, "形成或变更")),
            (
                "会后次日",
                Some(TimeLimit::NextDay {
                    event: "会议".to_string(),
                }),
            ),
            (
                "会议召开后第二天",
                Some(TimeLimit::NextDay {
                    event: "会议".to_string(),
                }),
            ),
            ("即时公开", Some(TimeLimit::Immediate)),
            ("实时更新", Some(TimeLimit::Immediate)),
            ("即时。", Some(TimeLimit::Immediate)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_time_limit(text), expected, "{text}");
        }
    }

    #[test]
    fn vague_double_or_foreign_limits_are_not_typed() {
        let cases = [
            "",
            "   ",
            "及时",
            "常态化",
            "长期公开",
            "动态更新",
            "按规定时限",
            "—",
            "无",
            "2周",
            "3个月",
            "6个月",
            "2周 / 6个月",
            "每周",
            "一周一次",
            "每月15日前",
            "15日",
            "3个月内",
            "13月1日前",
            "2月30日前",
            "0个工作日内",
            "400日内",
            "信息形成5日内或即时",
            "是否在本级人代会结束60个工作日内公开财政专项扶贫资金分配使用方案",
            "会议第三天",
        ];
        for text in cases {
            assert_eq!(parse_time_limit(text), None, "{text}");
        }
    }

    #[test]
    fn chinese_numbers() {
        let cases = [
            ("五", Some(5)),
            ("十", Some(10)),
            ("十五", Some(15)),
            ("二十", Some(20)),
            ("六十", Some(60)),
            ("一百二十", Some(120)),
            ("一百零五", Some(105)),
            ("两", Some(2)),
            ("五五", None),
            ("x", None),
        ];
        for (text, expected) in cases {
            assert_eq!(number(text), expected, "{text}");
        }
    }

    /// The bundled catalog and the parser agree on every 公开时限 cell text, except on leaves
    /// whose question states its own limit (7个工作日, 60个工作日, 3个工作日, 按季度, 7月底前),
    /// which the catalog types from the question on purpose (README §1, `time_limit_source`).
    #[test]
    fn the_bundled_catalog_types_its_cells_as_the_parser_does() {
        let text = include_str!("../../selectors/indicators/zhoucun-2019.toml");
        let raw: toml::Table = toml::from_str(text).expect("the bundled catalog is TOML");
        let leaves = raw["leaf"].as_array().expect("[[leaf]]");
        let mut mismatches = Vec::new();
        let mut overridden = Vec::new();
        for leaf in leaves {
            let field = |key: &str| leaf.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let (id, cell) = (field("id"), field("time_limit_text"));
            let typed: TimeLimit = leaf["time_limit"].clone().try_into().expect("a typed time_limit");
            if field("time_limit_source") == "question" {
                overridden.push(id.clone());
            }
            if cell.is_empty() {
                assert_eq!(typed, TimeLimit::None, "{id}: no cell text, yet typed");
                continue;
            }
            let parsed = parse_time_limit(&cell);
            if parsed.as_ref() != Some(&typed) {
                assert!(parsed.is_some(), "{id}: 「{cell}」 is not typed");
                mismatches.push(id);
            }
        }
        assert_eq!(mismatches, overridden, "leaves typed otherwise than their cell");
        assert_eq!(
            overridden,
            [
                "zdly.fgf.xysgs.xkcfxx.1",
                "zdly.shgy.tpgj.zjfp.2",
                "zdly.shgy.shjzfl.jbsj.1",
                "zdly.shgy.jy.ywjy.1",
                "jdhy.zcjd.jdwj.jdwjfb.2",
            ]
        );
    }
}
