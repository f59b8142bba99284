//! Chinese date parsing and the publication-date candidates of a page.
//!
//! Formats seen on government pages: `2023-03-05`, `2023/3/5`, `2023.03.05`, `2023年3月5日`,
//! `二〇二三年三月五日`, ISO `2023-03-05T10:20:00+08:00`, compact `20230305` (metas and URLs
//! only), each with or without a time. Sources are ranked by trust (DOMAIN.md §5.4): the
//! 信息公开 metadata table, a visible 发布时间 label, a visible date without a label (an element
//! named for the publication time, a byline), the PubDate-style metas, the column list, the
//! URL, a 山东 ObjectId. HTTP Last-Modified is kept as a candidate but never chosen: an assessor
//! never sees it.

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use regex::Regex;
use serde::Serialize;

/// A date with the time when one was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
}

impl Stamp {
    /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS`.
    pub fn render(&self) -> String {
        match self.time {
            None => self.date.format("%Y-%m-%d").to_string(),
            Some(t) if chrono::Timelike::second(&t) == 0 => {
                format!("{} {}", self.date.format("%Y-%m-%d"), t.format("%H:%M"))
            }
            Some(t) => format!("{} {}", self.date.format("%Y-%m-%d"), t.format("%H:%M:%S")),
        }
    }
}

/// Where a publication date was read, most trusted first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    MetadataTable,
    VisibleLabel,
    /// Shown without a label: `<span id="pubTime">2021年06月10日 17:35</span>`, or the date
    /// opening a byline (「2022-05-07 00:00　来源：区财政局」).
    VisibleUnlabelled,
    Meta,
    List,
    Url,
    Objectid,
    LastModified,
}

impl DateSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DateSource::MetadataTable => "metadata_table",
            DateSource::VisibleLabel => "visible_label",
            DateSource::VisibleUnlabelled => "visible_unlabelled",
            DateSource::Meta => "meta",
            DateSource::List => "list",
            DateSource::Url => "url",
            DateSource::Objectid => "objectid",
            DateSource::LastModified => "last_modified",
        }
    }

    /// Sources that only bound the date or guess it. Last-Modified is never a publication
    /// date; it stays among the candidates so it can be seen.
    pub fn is_low_confidence(self) -> bool {
        matches!(self, DateSource::Objectid | DateSource::LastModified)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DateCandidate {
    pub date: String,
    pub source: DateSource,
    /// The text it was read from (label and value, meta name, URL part).
    pub evidence: String,
    #[serde(skip)]
    pub stamp: Stamp,
}

/// The first plausible year: government sites began in the late 1990s.
const MIN_YEAR: i32 = 1990;
const MAX_YEAR: i32 = 2100;

static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})(?:\s*日)?(?:[\sT]*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?",
    )
    .expect("static regex")
});
static CHINESE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
        .expect("static regex")
});
static COMPACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*((?:19|20)\d{2})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?\s*$").expect("static regex")
});

fn num(s: Option<regex::Match>) -> Option<u32> {
    s?.as_str().parse().ok()
}

fn make(y: i32, m: u32, d: u32, h: Option<u32>, min: Option<u32>, s: Option<u32>) -> Option<Stamp> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    let time = match (h, min) {
        (Some(h), Some(min)) => NaiveTime::from_hms_opt(h, min, s.unwrap_or(0)),
        _ => None,
    };
    Some(Stamp { date, time })
}

fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '○' | '零' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// 十 → 10, 十二 → 12, 二十 → 20, 三十一 → 31, 五 → 5.
fn chinese_number(s: &str) -> Option<u32> {
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        ['十', u] => Some(10 + chinese_digit(*u)?),
        [t, '十'] => Some(chinese_digit(*t)? * 10),
        [t, '十', u] => Some(chinese_digit(*t)? * 10 + chinese_digit(*u)?),
        [u] => chinese_digit(*u),
        _ => None,
    }
}

/// Every date in a piece of text, in order, with its byte span.
pub fn find_dates(text: &str) -> Vec<(Stamp, std::ops::Range<usize>)> {
    let mut found: Vec<(Stamp, std::ops::Range<usize>)> = Vec::new();
    for c in NUMERIC.captures_iter(text) {
        let Ok(y) = c[1].parse::<i32>() else { continue };
        if let Some(stamp) = make(
            y,
            num(c.get(2)).unwrap_or(0),
            num(c.get(3)).unwrap_or(0),
            num(c.get(4)),
            num(c.get(5)),
            num(c.get(6)),
        ) {
            found.push((stamp, c.get(0).map_or(0..0, |m| m.range())));
        }
    }
    for c in CHINESE.captures_iter(text) {
        let year: Option<i32> = c[1]
            .chars()
            .map(chinese_digit)
            .try_fold(0i32, |acc, d| d.map(|d| acc * 10 + d as i32));
        if let (Some(y), Some(m), Some(d)) = (year, chinese_number(&c[2]), chinese_number(&c[3]))
            && let Some(stamp) = make(y, m, d, None, None, None)
        {
            found.push((stamp, c.get(0).map_or(0..0, |m| m.range())));
        }
    }
    found.sort_by_key(|(_, span)| span.start);
    found
}

/// The first date in a value (a meta content, a table cell), including compact `20230305`.
pub fn parse_value(value: &str) -> Option<Stamp> {
    if let Some(c) = COMPACT.captures(value) {
        return make(
            c[1].parse().ok()?,
            num(c.get(2))?,
            num(c.get(3))?,
            num(c.get(4)),
            num(c.get(5)),
            num(c.get(6)),
        );
    }
    find_dates(value).into_iter().next().map(|(stamp, _)| stamp)
}

static URL_HANWEB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/art_").expect("static regex"));
static URL_TRS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+").expect("static regex"));
static URL_DASHED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/").expect("static regex"));
static URL_DAY_FOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])/").expect("static regex"));
static URL_MONTH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])/").expect("static regex"));
static URL_OBJECTID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/doc_([0-9a-f]{8})[0-9a-f]{16}\.html?").expect("static regex"));

/// A date the URL states: Hanweb `/art/2023/3/5/art_…`, TRS `t20230305_…`, `/2023-03/05/`.
/// A bare `/202303/` folder gives only the month, so it is not used as a day.
pub fn url_date(url: &str) -> Option<(Stamp, String)> {
    for re in [&*URL_HANWEB, &*URL_TRS, &*URL_DASHED, &*URL_DAY_FOLDER] {
        if let Some(c) = re.captures(url) {
            let stamp = make(c[1].parse().ok()?, num(c.get(2))?, num(c.get(3))?, None, None, None)?;
            return Some((stamp, c[0].to_string()));
        }
    }
    None
}

/// The month a URL folder states (`/202303/`), used to check a day taken from elsewhere.
pub fn url_month(url: &str) -> Option<(i32, u32)> {
    let c = URL_MONTH.captures(url)?;
    Some((c[1].parse().ok()?, c[2].parse().ok()?))
}

/// The creation time of a 山东 集约化 `doc_<ObjectId>` page: a lower bound of its publication,
/// in China time (UTC+8).
pub fn objectid_date(url: &str) -> Option<(Stamp, String)> {
    let c = URL_OBJECTID.captures(url)?;
    let seconds = i64::from_str_radix(&c[1], 16).ok()?;
    let at = chrono::DateTime::from_timestamp(seconds + 8 * 3600, 0)?.naive_utc();
    // Only the day: the creation second of a database record is not a publication time.
    let stamp = Stamp {
        date: at.date(),
        time: None,
    };
    (MIN_YEAR..=MAX_YEAR)
        .contains(&chrono::Datelike::year(&stamp.date))
        .then(|| (stamp, c[0].to_string()))
}

/// HTTP Last-Modified as a date in China time.
pub fn http_date(value: &str) -> Option<Stamp> {
    let at = httpdate::parse_http_date(value).ok()?;
    let seconds = i64::try_from(at.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs()).ok()?;
    let at = chrono::DateTime::from_timestamp(seconds + 8 * 3600, 0)?.naive_utc();
    Some(Stamp {
        date: at.date(),
        time: Some(at.time()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str) -> Vec<String> {
        find_dates(text).iter().map(|(s, _)| s.render()).collect()
    }

    #[test]
    fn formats() {
        let cases = [
            ("2023-03-05", vec!["2023-03-05"]),
            ("发布时间：2023/3/5 09:30", vec!["2023-03-05 09:30"]),
            ("2023.03.05", vec!["2023-03-05"]),
            ("2023年3月5日", vec!["2023-03-05"]),
            ("2023 年 12 月 31 日 10:20:30", vec!["2023-12-31 10:20:30"]),
            ("二〇二三年三月五日", vec!["2023-03-05"]),
            ("二〇二三年十二月三十一日", vec!["2023-12-31"]),
            ("二○一九年一月三十日", vec!["2019-01-30"]),
            ("2023-03-05T10:20:00+08:00", vec!["2023-03-05 10:20"]),
            ("2023-02-30", vec![]),
            ("1888-01-01", vec![]),
            ("第2023-13-01号", vec![]),
            (
                "自2023年4月1日起施行，2023年3月5日印发",
                vec!["2023-04-01", "2023-03-05"],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(render(text), expected, "{text}");
        }
    }

    #[test]
    fn values() {
        let cases = [
            ("20230305", Some("2023-03-05")),
            ("2023-03-05 10:20", Some("2023-03-05 10:20")),
            ("202303051020", Some("2023-03-05 10:20")),
            ("2023-03-05T10:20:00+08:00", Some("2023-03-05 10:20")),
            ("none", None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_value(value).map(|s| s.render()).as_deref(), expected, "{value}");
        }
    }

    #[test]
    fn url_dates() {
        let cases = [
            (
                "http://www.zhoucun.gov.cn/art/2026/3/6/art_6027_2989273.html",
                Some("2026-03-06"),
            ),
            (
                "http://www.nxld.gov.cn/xxgk/xzcf/201708/t20170814_431170.html",
                Some("2017-08-14"),
            ),
            ("http://a.gov.cn/content/2023-03/05/content_1.html", Some("2023-03-05")),
            ("http://a.gov.cn/xxgk/202303/index.html", None),
            ("http://a.gov.cn/xwzx/20230314/123.html", Some("2023-03-14")),
            ("http://a.gov.cn/art/2023/2/30/art_1_2.html", None),
        ];
        for (url, expected) in cases {
            assert_eq!(url_date(url).map(|(s, _)| s.render()).as_deref(), expected, "{url}");
        }
        assert_eq!(url_month("http://a.gov.cn/xxgk/202303/t1.html"), Some((2023, 3)));
    }

    #[test]
    fn objectid_is_china_time() {
        // 0x62a19db8 = 2022-06-09 07:11:52 UTC = 15:11:52 in China.
        let (stamp, _) =
            objectid_date("http://www.zibo.gov.cn/gongkai/site_x/channel_y/doc_62a19db8c6f8a5e2b9e0a1b2.html").unwrap();
        assert_eq!(stamp.render(), "2022-06-09");
    }

    #[test]
    fn last_modified() {
        assert_eq!(
            http_date("Sun, 05 Mar 2023 16:30:00 GMT")
                .map(|s| s.date.to_string())
                .as_deref(),
            Some("2023-03-06")
        );
    }
}
