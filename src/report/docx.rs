//! The monthly 通报 as a 公文 (`.docx`): one per 责任单位 and a summary, laid out per GB/T
//! 9704-2012 《党政机关公文格式》 so the office can number, seal and send it as it is.
//!
//! In: the month's [`UnitNotice`]s (from [`super::notice::unit_notices`]) and the
//! [`NoticeOptions`] (letterhead, 成文日期, 整改期限). Out: the bytes of each document, or the
//! files written into a folder the caller stages (see [`super::notice::write_notices_with`]).
//! No clock: every date is a parameter. Scraped text only ever goes into text runs, which
//! docx-rs escapes; characters that XML 1.0 forbids are dropped first ([`clean`]).
//!
//! The layout, by clause of the standard:
//! - 5.1–5.2.1: A4, 天头 (top) 37 mm, 订口 (left) 28 mm, 版心 156 mm × 225 mm, hence bottom
//!   35 mm and right 26 mm.
//! - 5.2.2–5.2.3: 三号仿宋 (16 pt) body; 22 lines per page, so a line pitch of 225 mm / 22.
//! - 7.2.4: 发文机关标志 red, centred, 小标宋, its top 35 mm below the 版心's.
//! - 7.2.5 and 7.2.7: 发文字号 centred two lines below it, and 4 mm under the 发文字号 a red
//!   separator line as wide as the 版心. Without a configured number a blank 「〔　　〕　号」 is
//!   left for the office.
//! - 7.3.1–7.3.3: the title in 二号小标宋 two lines below the line; 主送机关 one line below,
//!   flush left, ending in a full-width colon; 正文 indented two characters, first-level
//!   headings 「一、」 in 黑体, second-level 「（一）」 in 楷体.
//! - 7.3.5.1: 成文日期 right-aligned four characters from the edge, the 发文机关署名 centred
//!   over it (room above for the seal). The 成文日期 is in Arabic numerals with year, month
//!   and day in full (「2026年1月5日」, [`date_zh`]), as 7.3.5.4 of the 2012 edition requires
//!   (the 1999 edition's 「二〇二六年一月五日」 is no longer the standard).
//! - 7.3.6: a note (an unfinished crawl) in parentheses under the date, two characters in.
//! - 7.5: page numbers in 四号宋体 as 「— 1 —」 7 mm below the 版心, odd pages right, even
//!   pages left, one character from the edge.
//!
//! Fonts are named as Chinese offices name them (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体);
//! the font table gives each its GB2312 character set and the common font Word substitutes
//! when it is missing (`w:altName`: 宋体, 仿宋, 楷体, SimHei), so a machine without the 方正
//! fonts still shows a 公文's look.

use std::path::{Path, PathBuf};

use chrono::{Datelike as _, NaiveDate};
use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, FieldCharType, Footer, InstrPAGE, InstrText, LineSpacing,
    LineSpacingType, PageMargin, Paragraph, ParagraphBorder, ParagraphBorderPosition, Run, RunFonts, SpecialIndentType,
    Table, TableCell, TableLayoutType, TableRow, VAlignType, WidthType,
};

use super::ReportError;
use super::notice::{NoticeOptions, SUMMARY_STEM, UnitNotice, file_stems, unit_notices};
use crate::assess::engine::{Assessment, Counts, status_zh};

/// A4 in twips (1/1440 inch): 210 mm × 297 mm.
pub const PAGE_WIDTH: u32 = 11_906;
pub const PAGE_HEIGHT: u32 = 16_838;
/// Margins in twips: 37, 35, 28 and 26 mm (GB/T 9704-2012 5.2.1).
pub const MARGIN_TOP: i32 = 2_098;
pub const MARGIN_BOTTOM: i32 = 1_984;
pub const MARGIN_LEFT: i32 = 1_587;
pub const MARGIN_RIGHT: i32 = 1_474;
/// The 版心's width: 156 mm.
const TEXT_WIDTH: i32 = PAGE_WIDTH as i32 - MARGIN_LEFT - MARGIN_RIGHT;
/// 225 mm over 22 lines: 28.95 pt.
const LINE: i32 = 579;
/// 三号 (16 pt) in half-points, and one character of it in twips.
const BODY_SIZE: usize = 32;
const CHAR: i32 = 320;
/// 二号 (22 pt), 四号 (14 pt) and 小四 (12 pt) in half-points.
const TITLE_SIZE: usize = 44;
const PAGE_NUMBER_SIZE: usize = 28;
const TABLE_SIZE: usize = 24;
const RED: &str = "FF0000";

const XIAOBIAOSONG: &str = "方正小标宋简体";
const FANGSONG: &str = "仿宋_GB2312";
const KAITI: &str = "楷体_GB2312";
const HEITI: &str = "黑体";
const SONGTI: &str = "宋体";

/// Characters of a reason shown in a table cell; report.json has the full text.
const REASON_CHARS: usize = 300;
/// Characters of an evidence URL shown.
const URL_CHARS: usize = 200;

/// Writes `通报汇总.docx` and one `<unit>.docx` per unit straight into `dir` (the caller
/// replaces the folder atomically; [`super::notice::write_notices_with`] does both formats in
/// one staged folder); returns the files.
pub fn write_notice_docx(
    dir: &Path,
    month_label: &str,
    now: &Assessment,
    before: Option<&Assessment>,
    options: &NoticeOptions<'_>,
) -> Result<Vec<PathBuf>, ReportError> {
    let notices = unit_notices(now, before);
    let stems = file_stems(&notices);
    let names = write_docx_files(dir, month_label, now, before, &notices, &stems, options)?;
    Ok(names.iter().map(|name| dir.join(name)).collect())
}

/// The .docx files, named by `stems` (one per notice, shared with the .html files), written
/// into `dir`; returns their names.
pub(crate) fn write_docx_files(
    dir: &Path,
    month: &str,
    now: &Assessment,
    before: Option<&Assessment>,
    notices: &[UnitNotice<'_>],
    stems: &[String],
    options: &NoticeOptions<'_>,
) -> Result<Vec<String>, ReportError> {
    let write = |name: &str, bytes: Result<Vec<u8>, String>| {
        let path = dir.join(name);
        let bytes = bytes.map_err(|detail| ReportError::Docx {
            path: path.clone(),
            detail,
        })?;
        std::fs::write(&path, bytes).map_err(|source| ReportError::Io { path, source })
    };
    let mut written = Vec::new();
    let summary = format!("{SUMMARY_STEM}.docx");
    write(&summary, render_summary(month, now, before, notices, options))?;
    written.push(summary);
    for (notice, stem) in notices.iter().zip(stems) {
        let name = format!("{stem}.docx");
        write(&name, render_unit(month, now, notice, options))?;
        written.push(name);
    }
    Ok(written)
}

/// One unit's 通报.
pub fn render_unit(
    month: &str,
    now: &Assessment,
    notice: &UnitNotice<'_>,
    options: &NoticeOptions<'_>,
) -> Result<Vec<u8>, String> {
    let issuer = issuer(now, options);
    let mut body = letterhead(&issuer, options);
    body.push(title(&format!("关于{}{month}政务公开工作情况的通报", notice.unit)));
    body.push(Block::Paragraph(blank()));
    body.push(Block::Paragraph(text_paragraph(&format!("{}：", notice.unit))));
    body.push(Block::Paragraph(indented(&format!(
        "根据《{}》，对{}截至{}的政务公开情况进行了测评。现将你单位有关情况通报如下。",
        now.catalog_title,
        site_name(now),
        date_zh(now.as_of)
    ))));
    let counts = now
        .summary
        .by_unit
        .iter()
        .find(|g| g.name == notice.unit)
        .map(|g| &g.counts);
    body.push(heading(1, "总体情况"));
    body.push(Block::Paragraph(indented(&format!(
        "截至{}，你单位负责的指标{}。本月问题指标{}项，其中本月新增{}项、逾期未整改{}项；本月已整改{}项。",
        date_zh(now.as_of),
        counts.map_or_else(|| "共0项".to_string(), counts_zh),
        notice.problems.len(),
        notice.new.len(),
        notice.overdue.len(),
        notice.fixed.len()
    ))));
    body.push(heading(2, "存在的问题"));
    body.extend(problems(notice, options));
    body.push(heading(3, "已整改情况"));
    body.push(Block::Paragraph(indented(&fixed_zh(notice))));
    body.push(heading(4, "整改要求"));
    body.push(Block::Paragraph(indented(&format!(
        "请你单位对照上述问题逐项整改，于{}前整改到位，并将整改情况书面报送{issuer}。逾期未整改的问题将在下月通报中继续列出。",
        date_zh(options.deadline)
    ))));
    body.push(Block::Paragraph(indented(&contact_zh(options))));
    body.extend(signature(&issuer, now, options));
    pack(body, now, options)
}

/// The summary 通报: every unit's counts, then each unit's problems.
pub fn render_summary(
    month: &str,
    now: &Assessment,
    before: Option<&Assessment>,
    notices: &[UnitNotice<'_>],
    options: &NoticeOptions<'_>,
) -> Result<Vec<u8>, String> {
    let issuer = issuer(now, options);
    let mut body = letterhead(&issuer, options);
    body.push(title(&format!("关于{month}政务公开工作情况的通报")));
    body.push(Block::Paragraph(blank()));
    let units: Vec<&str> = notices.iter().map(|n| n.unit.as_str()).collect();
    body.push(Block::Paragraph(text_paragraph(&format!("{}：", units.join("、")))));
    body.push(Block::Paragraph(indented(&format!(
        "根据《{}》，对{}截至{}的政务公开情况进行了测评。现将有关情况通报如下。",
        now.catalog_title,
        site_name(now),
        date_zh(now.as_of)
    ))));
    body.push(heading(1, "总体情况"));
    let with_problems = notices.iter().filter(|n| !n.problems.is_empty()).count();
    let sum = |f: fn(&UnitNotice<'_>) -> usize| notices.iter().map(f).sum::<usize>();
    let compared = match before {
        Some(b) => format!(
            "与截至{}的测评相比，各单位本月新增问题{}项、逾期未整改{}项，已整改{}项（一项指标涉及几个单位的，各单位分别计数）。",
            date_zh(b.as_of),
            sum(|n| n.new.len()),
            sum(|n| n.overdue.len()),
            sum(|n| n.fixed.len())
        ),
        None => "无上月测评可比较，未统计本月新增和已整改的问题。".to_string(),
    };
    body.push(Block::Paragraph(indented(&format!(
        "截至{}，测评指标{}。涉及责任单位{}个，其中{}个单位有不达标或部分达标的指标。{compared}",
        date_zh(now.as_of),
        counts_zh(&now.summary.counts),
        notices.len(),
        with_problems
    ))));
    body.push(heading(2, "各单位情况"));
    body.push(Block::Table(unit_table(notices)));
    body.push(heading(3, "存在的问题"));
    if with_problems == 0 {
        body.push(Block::Paragraph(indented("本月未发现不达标或部分达标的指标。")));
    }
    for (i, n) in notices.iter().filter(|n| !n.problems.is_empty()).enumerate() {
        body.push(subheading(i + 1, &format!("{}（问题{}项）", n.unit, n.problems.len())));
        body.extend(problems(n, options));
    }
    body.push(heading(4, "已整改情况"));
    let fixed: Vec<&UnitNotice<'_>> = notices.iter().filter(|n| !n.fixed.is_empty()).collect();
    if fixed.is_empty() {
        body.push(Block::Paragraph(indented(if before.is_some() {
            "本月没有已整改的指标。"
        } else {
            "无上月测评可比较。"
        })));
    }
    for n in fixed {
        body.push(Block::Paragraph(indented(&format!("{}：{}", n.unit, fixed_zh(n)))));
    }
    body.push(heading(5, "整改要求"));
    body.push(Block::Paragraph(indented(&format!(
        "请各单位对照本通报逐项整改，于{}前整改到位，并将整改情况书面报送{issuer}。逾期未整改的问题将在下月通报中继续列出。",
        date_zh(options.deadline)
    ))));
    body.push(Block::Paragraph(indented(&contact_zh(options))));
    body.extend(signature(&issuer, now, options));
    pack(body, now, options)
}

/// 发文机关: the letterhead's, else the district's 人民政府办公室, else a blank to fill in.
fn issuer(now: &Assessment, options: &NoticeOptions<'_>) -> String {
    match (&options.letterhead.issuer, &now.understanding.district) {
        (Some(issuer), _) if !issuer.trim().is_empty() => issuer.trim().to_string(),
        (_, Some(district)) if !district.trim().is_empty() => format!("{}人民政府办公室", district.trim()),
        _ => "　　　　人民政府办公室".to_string(),
    }
}

fn site_name(now: &Assessment) -> String {
    match &now.understanding.district {
        Some(district) => format!("{district}人民政府网站（{}）", now.site),
        None => format!("网站{}", now.site),
    }
}

/// 「2026年1月15日」: Arabic numerals, the year in full, no leading zeros (GB/T 9704-2012
/// 7.3.5.4); the dates in the 正文.
pub fn date_zh(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// 「共14项，其中达标…；自动评价平均得分85.0（14项中12项自动评价）」.
fn counts_zh(c: &Counts) -> String {
    format!(
        "共{}项，其中达标{}项、部分达标{}项、不达标{}项、待人工评价{}项、不适用{}项；自动评价平均得分{}",
        c.total,
        c.pass,
        c.partial,
        c.fail,
        c.manual,
        c.na,
        c.score_zh()
    )
}

fn fixed_zh(n: &UnitNotice<'_>) -> String {
    if n.fixed.is_empty() {
        return "本月没有已整改的指标。".to_string();
    }
    let names: Vec<String> = n.fixed.iter().map(|v| format!("「{}」", v.question)).collect();
    format!("以下{}项指标已整改：{}。", n.fixed.len(), names.join("、"))
}

fn contact_zh(options: &NoticeOptions<'_>) -> String {
    let blank = "　　　　";
    let field = |v: &Option<String>| {
        v.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map_or_else(|| blank.to_string(), |s| s.trim().to_string())
    };
    format!(
        "联系人：{}，联系电话：{}。",
        field(&options.letterhead.contact),
        field(&options.letterhead.phone)
    )
}

/// The body of a document: paragraphs and tables in order.
// A few dozen blocks a document, moved once into the Docx: boxing the paragraphs saves nothing.
#[allow(clippy::large_enum_variant)]
enum Block {
    Paragraph(Paragraph),
    Table(Table),
}

/// Text with the characters XML 1.0 forbids (and other controls) removed, tabs as spaces
/// and line ends as `\n`.
pub fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\r' | '\t' => Some(if c == '\r' { '\n' } else { ' ' }),
            '\u{FFFE}' | '\u{FFFF}' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// The first `max` characters of `text`, with a pointer to the full text when cut.
fn cut(text: &str, max: usize, rest: &str) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}……{rest}", &text[..end]),
        None => text.to_string(),
    }
}

fn fonts(name: &str) -> RunFonts {
    RunFonts::new().ascii(name).hi_ansi(name).east_asia(name).cs(name)
}

/// A run of cleaned text; line ends become line breaks (docx-rs drops a bare `\n`).
fn runs(text: &str, font: &str, size: usize) -> Vec<Run> {
    let cleaned = clean(text);
    let mut out = Vec::new();
    for (i, line) in cleaned.split('\n').enumerate() {
        let mut run = Run::new().fonts(fonts(font)).size(size);
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        out.push(run.add_text(line));
    }
    out
}

fn with_runs(mut p: Paragraph, runs: Vec<Run>) -> Paragraph {
    for r in runs {
        p = p.add_run(r);
    }
    p
}

fn exact(line: i32) -> LineSpacing {
    LineSpacing::new().line_rule(LineSpacingType::Exact).line(line)
}

fn blank() -> Paragraph {
    Paragraph::new().line_spacing(exact(LINE))
}

/// Flush-left body text (主送机关).
fn text_paragraph(text: &str) -> Paragraph {
    with_runs(
        Paragraph::new().align(AlignmentType::Both).line_spacing(exact(LINE)),
        runs(text, FANGSONG, BODY_SIZE),
    )
}

/// A paragraph of 正文: two characters in, lines after the first flush left.
fn indented(text: &str) -> Paragraph {
    text_paragraph(text).indent(None, Some(SpecialIndentType::FirstLine(2 * CHAR)), None, None)
}

/// 「一、总体情况」 in 黑体.
fn heading(n: usize, text: &str) -> Block {
    Block::Paragraph(
        with_runs(
            Paragraph::new().line_spacing(exact(LINE)).keep_next(true),
            runs(&format!("{}、{text}", chinese_number(n)), HEITI, BODY_SIZE),
        )
        .indent(None, Some(SpecialIndentType::FirstLine(2 * CHAR)), None, None),
    )
}

/// 「（一）某单位」 in 楷体.
fn subheading(n: usize, text: &str) -> Block {
    Block::Paragraph(
        with_runs(
            Paragraph::new().line_spacing(exact(LINE)).keep_next(true),
            runs(&format!("（{}）{text}", chinese_number(n)), KAITI, BODY_SIZE),
        )
        .indent(None, Some(SpecialIndentType::FirstLine(2 * CHAR)), None, None),
    )
}

fn title(text: &str) -> Block {
    Block::Paragraph(with_runs(
        Paragraph::new().align(AlignmentType::Center).line_spacing(exact(700)),
        runs(text, XIAOBIAOSONG, TITLE_SIZE),
    ))
}

/// 「十二」 for 12: the numbering of headings (1 to 999).
pub fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n % 10] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[n / 10],
            if n.is_multiple_of(10) { "" } else { DIGITS[n % 10] }
        ),
        100..=999 => {
            let rest = n % 100;
            let tail = match rest {
                0 => String::new(),
                1..=9 => format!("零{}", DIGITS[rest]),
                // 一百一十二, not 一百十二.
                10..=19 => format!("一{}", chinese_number(rest)),
                _ => chinese_number(rest),
            };
            format!("{}百{tail}", DIGITS[n / 100])
        }
        _ => n.to_string(),
    }
}

/// 发文机关标志, 发文字号 and the red separator line (7.2.4, 7.2.5, 7.2.7).
fn letterhead(issuer: &str, options: &NoticeOptions<'_>) -> Vec<Block> {
    // As large as fits on one line of the 版心, between 二号 and 初号 (42 pt).
    let chars = issuer.chars().count().max(1) as i32;
    let points = (TEXT_WIDTH / 20 * 9 / 10 / chars).clamp(22, 42);
    let size = usize::try_from(points * 2).unwrap_or(TITLE_SIZE);
    let mark = Paragraph::new()
        .align(AlignmentType::Center)
        // 35 mm from the top of the 版心 to the top of the mark.
        .line_spacing(LineSpacing::new().before(1_984).after(0));
    let mark = with_runs(
        mark,
        runs(issuer, XIAOBIAOSONG, size)
            .into_iter()
            .map(|r| r.color(RED))
            .collect(),
    );
    let number = options
        .letterhead
        .doc_number
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map_or_else(|| "　　〔　　〕　　号".to_string(), |s| s.trim().to_string());
    let mut number = with_runs(
        Paragraph::new().align(AlignmentType::Center).line_spacing(exact(LINE)),
        runs(&number, FANGSONG, BODY_SIZE),
    );
    // A bottom border as wide as the 版心, 4 mm (11 pt) under the 发文字号.
    number.property = number.property.set_border(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom)
            .val(BorderType::Single)
            .size(16)
            .space(11)
            .color(RED),
    );
    vec![
        Block::Paragraph(mark),
        Block::Paragraph(blank()),
        Block::Paragraph(blank()),
        Block::Paragraph(number),
        Block::Paragraph(blank()),
        Block::Paragraph(blank()),
    ]
}

/// 发文机关署名 centred over the 成文日期, which stands four characters from the right edge,
/// with room above for the seal (7.3.5.1); then the note, if any (7.3.6).
fn signature(issuer: &str, now: &Assessment, options: &NoticeOptions<'_>) -> Vec<Block> {
    let date = date_zh(options.issued);
    let right = 4 * CHAR;
    let offset = (width(&date) - width(issuer)) / 2;
    let signed = with_runs(
        Paragraph::new()
            .align(AlignmentType::Right)
            .line_spacing(exact(LINE))
            .keep_next(true)
            .indent(None, None, Some((right + offset).max(0)), None),
        runs(issuer, FANGSONG, BODY_SIZE),
    );
    let dated = with_runs(
        Paragraph::new()
            .align(AlignmentType::Right)
            .line_spacing(exact(LINE))
            .indent(None, None, Some(right), None),
        runs(&date, FANGSONG, BODY_SIZE),
    );
    let mut out = vec![
        Block::Paragraph(blank()),
        Block::Paragraph(blank()),
        Block::Paragraph(signed),
        Block::Paragraph(dated),
    ];
    if let Some(note) = &now.unfinished_run {
        out.push(Block::Paragraph(indented(&format!("（{note}）"))));
    }
    out
}

/// A line's width in twips at 三号: CJK and full-width characters one character, others half.
fn width(text: &str) -> i32 {
    text.chars().map(|c| if c.is_ascii() { CHAR / 2 } else { CHAR }).sum()
}

/// The unit's problems as a table, or a sentence when there are none.
fn problems(n: &UnitNotice<'_>, options: &NoticeOptions<'_>) -> Vec<Block> {
    if n.problems.is_empty() {
        return vec![Block::Paragraph(indented("本月未发现不达标或部分达标的指标。"))];
    }
    let widths = [700, 2_300, 3_345, 1_100, 1_400];
    let mut rows = vec![header_row(
        &["序号", "指标", "问题说明", "公开时限", "整改要求"],
        &widths,
    )];
    for (i, v) in n.problems.iter().enumerate() {
        let mut leaf = vec![cell_paragraph(&v.question, FANGSONG)];
        if v.path.len() > 1 {
            leaf.push(cell_paragraph(&v.path.join(" › "), KAITI));
        }
        let mut marks = format!("（{}）", status_zh(v.status));
        if n.new.contains(&v.id) {
            marks.push_str("【本月新增】");
        }
        let overdue = n.overdue.contains(&v.id);
        if overdue {
            marks.push_str("【逾期未整改】");
        }
        leaf.push(with_runs(
            cell_base(),
            runs(&marks, HEITI, TABLE_SIZE)
                .into_iter()
                .map(|r| r.color(RED))
                .collect(),
        ));
        let mut reason = vec![cell_paragraph(
            &cut(&v.reason, REASON_CHARS, "（全文见 report.json）"),
            FANGSONG,
        )];
        if let Some(via) = n.via.get(&v.id) {
            reason.push(cell_paragraph(&format!("（{via}）"), KAITI));
        }
        if let Some(first) = v.evidence.first() {
            let more = match v.evidence.len() - 1 {
                0 => String::new(),
                k => format!("（另有{k}条，见 report.json）"),
            };
            reason.push(cell_paragraph(
                &format!("证据：{}{more}", cut(&first.url, URL_CHARS, "")),
                FANGSONG,
            ));
        }
        let demand = if overdue {
            format!("已逾期，请立即整改，{}前整改到位", date_zh(options.deadline))
        } else {
            format!("{}前整改到位", date_zh(options.deadline))
        };
        rows.push(
            TableRow::new(vec![
                cell(
                    vec![cell_paragraph(&(i + 1).to_string(), FANGSONG).align(AlignmentType::Center)],
                    widths[0],
                ),
                cell(leaf, widths[1]),
                cell(reason, widths[2]),
                cell(vec![cell_paragraph(&v.time_limit, FANGSONG)], widths[3]),
                cell(vec![cell_paragraph(&demand, FANGSONG)], widths[4]),
            ])
            .cant_split(),
        );
    }
    vec![Block::Table(table(rows, &widths)), Block::Paragraph(blank())]
}

/// The summary's table of units.
fn unit_table(notices: &[UnitNotice<'_>]) -> Table {
    let widths = [700, 3_145, 1_250, 1_250, 1_250, 1_250];
    let mut rows = vec![header_row(
        &["序号", "责任单位", "问题指标", "本月新增", "逾期未整改", "本月已整改"],
        &widths,
    )];
    for (i, n) in notices.iter().enumerate() {
        let number = |k: usize| vec![cell_paragraph(&k.to_string(), FANGSONG).align(AlignmentType::Center)];
        rows.push(
            TableRow::new(vec![
                cell(number(i + 1), widths[0]),
                cell(vec![cell_paragraph(&n.unit, FANGSONG)], widths[1]),
                cell(number(n.problems.len()), widths[2]),
                cell(number(n.new.len()), widths[3]),
                cell(number(n.overdue.len()), widths[4]),
                cell(number(n.fixed.len()), widths[5]),
            ])
            .cant_split(),
        );
    }
    table(rows, &widths)
}

fn table(rows: Vec<TableRow>, widths: &[usize]) -> Table {
    Table::new(rows)
        .set_grid(widths.to_vec())
        .width(widths.iter().sum(), WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

fn header_row(titles: &[&str], widths: &[usize]) -> TableRow {
    TableRow::new(
        titles
            .iter()
            .zip(widths)
            .map(|(t, w)| {
                cell(
                    vec![with_runs(
                        cell_base().align(AlignmentType::Center),
                        runs(t, HEITI, TABLE_SIZE),
                    )],
                    *w,
                )
            })
            .collect(),
    )
    .cant_split()
}

fn cell_base() -> Paragraph {
    Paragraph::new().line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(260))
}

fn cell_paragraph(text: &str, font: &str) -> Paragraph {
    with_runs(cell_base(), runs(text, font, TABLE_SIZE))
}

fn cell(paragraphs: Vec<Paragraph>, width: usize) -> TableCell {
    let mut c = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    for p in paragraphs {
        c = c.add_paragraph(p);
    }
    c
}

/// 「— 1 —」 in 四号宋体, one character from the outer edge (7.5).
fn page_number(align: AlignmentType) -> Footer {
    let run = || Run::new().fonts(fonts(SONGTI)).size(PAGE_NUMBER_SIZE);
    let side = 14 * 20;
    let (left, right) = match align {
        AlignmentType::Left => (Some(side), None),
        _ => (None, Some(side)),
    };
    let p = Paragraph::new()
        .align(align)
        .indent(left, None, right, None)
        .add_run(run().add_text("— "))
        .add_run(
            run()
                .add_field_char(FieldCharType::Begin, false)
                .add_instr_text(InstrText::PAGE(InstrPAGE::new()))
                .add_field_char(FieldCharType::Separate, false)
                .add_text("1")
                .add_field_char(FieldCharType::End, false),
        )
        .add_run(run().add_text(" —"));
    Footer::new().add_paragraph(p)
}

/// The font table: each font's GB2312 character set and the font Word puts in its place
/// when it is missing.
fn font_table() -> Vec<u8> {
    let fonts = [
        (XIAOBIAOSONG, "宋体", "roman"),
        (FANGSONG, "仿宋", "modern"),
        (KAITI, "楷体", "modern"),
        (HEITI, "SimHei", "modern"),
        (SONGTI, "SimSun", "auto"),
        ("Times New Roman", "", "roman"),
    ];
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:fonts xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">",
    );
    for (name, alt, family) in fonts {
        xml.push_str(&format!("<w:font w:name=\"{name}\">"));
        if !alt.is_empty() {
            xml.push_str(&format!("<w:altName w:val=\"{alt}\"/><w:charset w:val=\"86\"/>"));
        } else {
            xml.push_str("<w:charset w:val=\"00\"/>");
        }
        xml.push_str(&format!(
            "<w:family w:val=\"{family}\"/><w:pitch w:val=\"variable\"/></w:font>"
        ));
    }
    xml.push_str("</w:fonts>");
    xml.into_bytes()
}

/// The document: page, margins, grid, footers, the body; dated by its 成文日期, so the same
/// inputs give the same document.
fn pack(body: Vec<Block>, now: &Assessment, options: &NoticeOptions<'_>) -> Result<Vec<u8>, String> {
    let stamp = format!("{}T00:00:00Z", options.issued);
    let mut docx = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT)
                .header(851)
                // The page number's dash line 7 mm under the 版心 (35 mm - 7 mm - its height).
                .footer(1_300)
                .gutter(0),
        )
        .default_fonts(fonts(FANGSONG))
        .default_size(BODY_SIZE)
        .footer(page_number(AlignmentType::Right))
        .even_footer(page_number(AlignmentType::Left))
        .created_at(&stamp)
        .updated_at(&stamp)
        .custom_property("generator", clean(&now.generator));
    docx.document = docx.document.doc_grid(
        docx_rs::DocGrid::new()
            .grid_type(docx_rs::DocGridType::Lines)
            .line_pitch(LINE as usize),
    );
    for block in body {
        docx = match block {
            Block::Paragraph(p) => docx.add_paragraph(p),
            Block::Table(t) => docx.add_table(t),
        };
    }
    let mut xml = docx.build();
    xml.font_table = font_table();
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::engine::{Evidence, Verdict};
    use crate::assess::verdict::Status;
    use crate::report::notice::Letterhead;
    use std::io::Read as _;

    fn verdict(id: &str, unit: &str, status: Status, reason: &str) -> Verdict {
        Verdict {
            id: id.to_string(),
            path: vec!["政务公开".to_string(), "二级".to_string()],
            question: format!("指标{id}"),
            units: vec![unit.to_string()],
            time_limit: "即时".to_string(),
            status,
            score: Some(if status == Status::Pass { 1.0 } else { 0.0 }),
            reason: reason.to_string(),
            evidence: vec![Evidence {
                url: format!("http://a.gov.cn/{id}.html"),
                fetched_at: None,
                sha256: None,
                excerpt: String::new(),
            }],
            source: "auto".to_string(),
            failures: 0,
            basis: Default::default(),
        }
    }

    fn assessment(indicators: Vec<Verdict>, district: Option<&str>) -> Assessment {
        let understanding = crate::assess::engine::Understanding {
            district: district.map(str::to_string),
            ..Default::default()
        };
        Assessment {
            catalog_title: "测试指标".to_string(),
            understanding,
            ..Assessment::for_test(1, NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(), indicators)
        }
    }

    /// The text of each paragraph of `word/document.xml`, in order (table cells included);
    /// parsing it also proves the XML well-formed.
    pub(crate) fn paragraphs(docx: &[u8]) -> (Vec<String>, String) {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
        let mut xml = String::new();
        zip.by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut out = Vec::new();
        let mut current = String::new();
        let mut in_text = false;
        loop {
            match reader.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Start(e) if e.name().as_ref() == b"w:t" => in_text = true,
                quick_xml::events::Event::End(e) if e.name().as_ref() == b"w:t" => in_text = false,
                quick_xml::events::Event::End(e) if e.name().as_ref() == b"w:p" => {
                    out.push(std::mem::take(&mut current));
                }
                quick_xml::events::Event::Text(t) if in_text => {
                    current.push_str(&t.xml10_content().unwrap());
                }
                quick_xml::events::Event::GeneralRef(r) if in_text => match r.resolve_char_ref().unwrap() {
                    Some(c) => current.push(c),
                    None => {
                        current.push_str(quick_xml::escape::resolve_predefined_entity(&r.decode().unwrap()).unwrap())
                    }
                },
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        (out, xml)
    }

    /// Index of the first paragraph at or after `from` containing `needle`.
    fn find(paragraphs: &[String], from: usize, needle: &str) -> usize {
        paragraphs[from..]
            .iter()
            .position(|p| p.contains(needle))
            .map(|i| i + from)
            .unwrap_or_else(|| panic!("{needle:?} not found after paragraph {from} in {paragraphs:#?}"))
    }

    #[test]
    fn a_unit_notice_reads_as_a_gongwen_in_order() {
        let before = assessment(
            vec![
                verdict("a", "区财政局", Status::Fail, "旧"),
                verdict("b", "区财政局", Status::Pass, ""),
            ],
            Some("某某区"),
        );
        let now = assessment(
            vec![
                verdict("a", "区财政局", Status::Pass, ""),
                verdict(
                    "b",
                    "区财政局",
                    Status::Fail,
                    "未公开<预算>\u{1}说明&\u{b}第二行\n第三行",
                ),
            ],
            Some("某某区"),
        );
        let letterhead = Letterhead {
            contact: Some("张三".to_string()),
            phone: Some("0533-0000000".to_string()),
            ..Letterhead::default()
        };
        let options = NoticeOptions {
            letterhead: &letterhead,
            issued: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
            deadline: NaiveDate::from_ymd_opt(2026, 1, 29).unwrap(),
        };
        let mut notices = unit_notices(&now, Some(&before));
        notices[0].via.insert("b".to_string(), "由牵头单位转来".to_string());
        notices[0].overdue.insert("b".to_string());
        let bytes = render_unit("2025年12月", &now, &notices[0], &options).unwrap();
        let (ps, xml) = paragraphs(&bytes);
        let issuer = find(&ps, 0, "某某区人民政府办公室");
        let number = find(&ps, issuer + 1, "〔　　〕");
        let title = find(&ps, number + 1, "关于区财政局2025年12月政务公开工作情况的通报");
        let to = find(&ps, title + 1, "区财政局：");
        assert_eq!(ps[to], "区财政局：");
        let average = find(&ps, to, "自动评价平均得分");
        assert!(ps[average].contains("（2项中2项自动评价）"), "{}", ps[average]);
        let row = find(&ps, average, "指标b");
        let marks = find(&ps, row, "【本月新增】");
        assert!(ps[marks].contains("【逾期未整改】") && ps[marks].contains("不达标"));
        let reason = find(&ps, marks, "未公开<预算>说明&第二行第三行");
        find(&ps, reason, "（由牵头单位转来）");
        find(&ps, reason, "证据：http://a.gov.cn/b.html");
        let deadline = find(&ps, reason, "2026年1月29日前整改到位");
        let fixed = find(&ps, deadline, "「指标a」");
        let contact = find(&ps, fixed, "联系人：张三，联系电话：0533-0000000");
        let signed = find(&ps, contact + 1, "某某区人民政府办公室");
        assert_eq!(ps[signed + 1], "2026年1月15日");
        assert!(
            !xml.contains('\u{1}') && !xml.contains('\u{b}'),
            "control characters are dropped"
        );
        assert!(xml.contains("&lt;预算&gt;"), "the text is escaped");
        assert!(xml.contains("w:color w:val=\"FF0000\""), "the letterhead is red");
        assert!(xml.contains("w:eastAsia=\"方正小标宋简体\"") && xml.contains("w:eastAsia=\"仿宋_GB2312\""));
    }

    #[test]
    fn page_and_margins_follow_gb_t_9704() {
        let now = assessment(vec![verdict("a", "区财政局", Status::Fail, "")], None);
        let letterhead = Letterhead {
            issuer: Some("某某区政务公开办".to_string()),
            doc_number: Some("某政办字〔2026〕12号".to_string()),
            ..Letterhead::default()
        };
        let options = NoticeOptions {
            letterhead: &letterhead,
            issued: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            deadline: NaiveDate::from_ymd_opt(2026, 1, 19).unwrap(),
        };
        let notices = unit_notices(&now, None);
        let bytes = render_summary("2025年12月", &now, None, &notices, &options).unwrap();
        let (ps, xml) = paragraphs(&bytes);
        let sect = &xml[xml.rfind("<w:sectPr").unwrap()..];
        for attr in ["w:w=\"11906\"", "w:h=\"16838\""] {
            assert!(sect.contains(attr), "page size {attr} in {sect}");
        }
        for attr in [
            "w:top=\"2098\"",
            "w:bottom=\"1984\"",
            "w:left=\"1587\"",
            "w:right=\"1474\"",
        ] {
            assert!(sect.contains(attr), "margin {attr} in {sect}");
        }
        assert!(sect.contains("w:footerReference"), "page numbers");
        let number = find(&ps, 0, "某政办字〔2026〕12号");
        assert!(find(&ps, 0, "某某区政务公开办") < number);
        find(&ps, number, "关于2025年12月政务公开工作情况的通报");
        find(&ps, number, "区财政局：");
        find(&ps, number, "无上月测评可比较");
        find(&ps, number, "联系人：　　　　，联系电话：　　　　");
        let signed = ps.iter().rposition(|p| p == "某某区政务公开办").unwrap();
        assert_eq!(ps[signed + 1], "2026年1月5日");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
        let mut fonts = String::new();
        zip.by_name("word/fontTable.xml")
            .unwrap()
            .read_to_string(&mut fonts)
            .unwrap();
        assert!(fonts.contains("w:name=\"方正小标宋简体\"><w:altName w:val=\"宋体\"/>"));
    }

    #[test]
    fn dates_and_numbers_are_written_as_the_standard_says() {
        let cases = [(2026, 1, 15, "2026年1月15日"), (2025, 12, 1, "2025年12月1日")];
        for (y, m, d, want) in cases {
            assert_eq!(date_zh(NaiveDate::from_ymd_opt(y, m, d).unwrap()), want);
        }
        let numbers = [
            (1, "一"),
            (10, "十"),
            (11, "十一"),
            (20, "二十"),
            (35, "三十五"),
            (100, "一百"),
            (105, "一百零五"),
            (112, "一百一十二"),
            (999, "九百九十九"),
        ];
        for (n, want) in numbers {
            assert_eq!(chinese_number(n), want, "{n}");
        }
    }

    /// Unit names and scraped text are untrusted: markup in them, a fake end of a text run
    /// included, stays text.
    #[test]
    fn markup_in_unit_names_and_problems_is_shown_literally() {
        const HOSTILE: &str = "区<b>局</b>&\"x\"</w:t></w:r><w:r><w:t>注入";
        let mut v = verdict("a", HOSTILE, Status::Fail, HOSTILE);
        v.question = format!("指标{HOSTILE}");
        let now = assessment(vec![v], Some("某某区"));
        let letterhead = Letterhead {
            issuer: Some(format!("办公室{HOSTILE}")),
            doc_number: Some(format!("文号{HOSTILE}")),
            contact: Some(HOSTILE.to_string()),
            ..Letterhead::default()
        };
        let options = NoticeOptions {
            letterhead: &letterhead,
            issued: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            deadline: NaiveDate::from_ymd_opt(2026, 1, 19).unwrap(),
        };
        let notices = unit_notices(&now, None);
        for bytes in [
            render_unit("2025年12月", &now, &notices[0], &options).unwrap(),
            render_summary("2025年12月", &now, None, &notices, &options).unwrap(),
        ] {
            let (ps, xml) = paragraphs(&bytes);
            assert!(!xml.contains("<w:t>注入"), "no text run was injected");
            assert!(!xml.contains("<b>"), "markup is escaped");
            for needle in [
                format!("{HOSTILE}："),
                format!("指标{HOSTILE}"),
                format!("文号{HOSTILE}"),
                format!("联系人：{HOSTILE}"),
            ] {
                find(&ps, 0, &needle);
            }
            let reason = find(&ps, 0, "证据：");
            assert!(
                ps[..reason].iter().any(|p| p == HOSTILE),
                "the reason is its own paragraph"
            );
            assert!(ps.iter().any(|p| p == &format!("办公室{HOSTILE}")));
        }
    }

    #[test]
    fn text_loses_what_xml_forbids() {
        let cases = [
            ("a\u{0}b\u{1f}c", "abc"),
            ("行\r\n行\r行", "行\n行\n行"),
            ("tab\there", "tab here"),
            ("\u{FFFE}\u{FFFF}\u{85}ok", "ok"),
            ("<&>\"'", "<&>\"'"),
        ];
        for (raw, want) in cases {
            assert_eq!(clean(raw), want, "{raw:?}");
        }
    }
}
