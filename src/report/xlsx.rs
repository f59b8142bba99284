//! `report.xlsx`: the task table's own layout (一级…四级指标 merged down like the original,
//! 评价要点, 责任单位, 公开时限) plus 测评结果, 得分, 问题说明, 证据链接, 核查时间, and two
//! empty columns for the office and the units to fill (自查情况, 整改措施: unlocked, so they
//! stay editable if the office protects the sheet) — a sheet with every leaf, a sheet per
//! 一级指标 and a 责任单位汇总 sheet. Cells are written as strings, never formulas, so
//! scraped text cannot run in Excel; only http(s) URLs become links. Every sheet prints on
//! A4 landscape, one page wide, with its header row on every page.
//!
//! The catalogs carry no weight or 分值 per leaf (neither `RawLeaf` nor `Verdict` has one),
//! so there is no 分值 column; 得分 is the leaf's automatic score in percent.

use std::path::Path;

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Url, Workbook, Worksheet, XlsxError,
};

use super::ReportError;
use super::csv::{HEADERS, row};
use crate::assess::engine::{Assessment, Verdict, status_zh};
use crate::assess::verdict::Status;
use chrono::Datelike as _;

/// Column widths in characters, matching [`HEADERS`].
const WIDTHS: [f64; 13] = [
    18.0, 14.0, 14.0, 14.0, 16.0, 40.0, 18.0, 14.0, 10.0, 7.0, 60.0, 50.0, 20.0,
];
/// The columns after [`HEADERS`] that the office fills in, and their width.
pub const FILL_IN: [&str; 2] = ["自查情况", "整改措施"];
const FILL_IN_WIDTH: f64 = 30.0;
/// The 证据链接 column.
const EVIDENCE_COL: u16 = 11;
/// Excel refuses a link longer than about 2,080 UTF-16 units; longer URLs stay text.
const MAX_LINK_UTF16: usize = 2_000;

struct Formats {
    header: Format,
    cell: Format,
    merged: Format,
    /// The office's columns: unlocked, with a light fill.
    fill_in: Format,
    link: Format,
    status: [(Status, Format); 5],
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(0xC8D0D8));
        let status = |color: u32| {
            base.clone()
                .set_font_color(Color::White)
                .set_background_color(Color::RGB(color))
                .set_bold()
        };
        Formats {
            header: base
                .clone()
                .set_bold()
                .set_background_color(Color::RGB(0xDCE6F1))
                .set_align(FormatAlign::Center),
            merged: base.clone().set_align(FormatAlign::VerticalCenter),
            fill_in: base.clone().set_unlocked().set_background_color(Color::RGB(0xFFF8E1)),
            link: base
                .clone()
                .set_font_color(Color::RGB(0x1565C0))
                .set_underline(rust_xlsxwriter::FormatUnderline::Single),
            status: [
                (Status::Pass, status(0x2E7D32)),
                (Status::Partial, status(0xEF6C00)),
                (Status::Fail, status(0xC62828)),
                (Status::Manual, status(0x546E7A)),
                (Status::NotApplicable, status(0x9E9E9E)),
            ],
            cell: base,
        }
    }

    fn of(&self, status: Status) -> &Format {
        self.status
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(&self.cell, |(_, f)| f)
    }
}

/// The workbook's bytes; `path` only names it in an error.
pub fn render(path: &Path, a: &Assessment) -> Result<Vec<u8>, ReportError> {
    build(a)
        .and_then(|mut book| book.save_to_buffer())
        .map_err(|e| ReportError::Xlsx {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })
}

fn build(a: &Assessment) -> Result<Workbook, XlsxError> {
    let formats = Formats::new();
    let mut book = Workbook::new();
    // Dated by the assessment, not the clock: the same assessment gives the same workbook.
    let day = |n: u32| u8::try_from(n).unwrap_or(1);
    let created = ExcelDateTime::from_ymd(
        u16::try_from(a.as_of.year()).unwrap_or(2000),
        day(a.as_of.month()),
        day(a.as_of.day()),
    )?;
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("{} 政务公开测评结果", a.site))
            .set_creation_datetime(&created),
    );
    // An unfinished run's workbook opens on the warning, before any verdict.
    if let Some(note) = &a.unfinished_run {
        let sheet = book.add_worksheet();
        sheet.set_name("请注意")?;
        sheet.set_column_width(0, 120)?;
        sheet.write_string(0, 0, fit(note))?;
    }
    let all: Vec<&Verdict> = a.indicators.iter().collect();
    // The all-leaves sheet repeats the levels on every row instead of merging them, so it can
    // be sorted (Excel refuses to sort merged cells); the per-一级指标 sheets keep the table's
    // merged layout.
    leaf_sheet(book.add_worksheet(), "全部指标", &all, a, &formats, false)?;
    let mut used = vec!["全部指标".to_string(), "请注意".to_string()];
    for group in &a.summary.by_level1 {
        let members: Vec<&Verdict> = a
            .indicators
            .iter()
            .filter(|v| v.path.first() == Some(&group.name))
            .collect();
        let name = sheet_name(&group.name, &used);
        leaf_sheet(book.add_worksheet(), &name, &members, a, &formats, true)?;
        used.push(name);
    }
    unit_sheet(book.add_worksheet(), a, &formats)?;
    Ok(book)
}

fn leaf_sheet(
    sheet: &mut Worksheet,
    name: &str,
    leaves: &[&Verdict],
    a: &Assessment,
    formats: &Formats,
    merged: bool,
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    for (col, (header, width)) in HEADERS.iter().zip(WIDTHS).enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, *header, &formats.header)?;
        sheet.set_column_width(col, width)?;
    }
    let first_fill_in = HEADERS.len() as u16;
    for (i, header) in FILL_IN.iter().enumerate() {
        let col = first_fill_in + i as u16;
        sheet.write_string_with_format(0, col, *header, &formats.header)?;
        sheet.set_column_width(col, FILL_IN_WIDTH)?;
    }
    let rows: Vec<[String; 13]> = leaves.iter().map(|v| row(v, a)).collect();
    for (i, (cells, v)) in rows.iter().zip(leaves).enumerate() {
        let r = i as u32 + 1;
        for (col, cell) in cells.iter().enumerate() {
            let format = if col == 8 { formats.of(v.status) } else { &formats.cell };
            if col == 9
                && let Some(score) = v.score
            {
                sheet.write_number_with_format(r, 9, (score * 1000.0).round() / 10.0, format)?;
                continue;
            }
            if col == usize::from(EVIDENCE_COL)
                && let Some(target) = link_target(v)
            {
                // One link per cell is what Excel holds: the first http(s) evidence URL,
                // with the whole list as the cell's text.
                let url = Url::new(target).set_text(fit(cell));
                sheet.write_url_with_format(r, EVIDENCE_COL, url, &formats.link)?;
                continue;
            }
            sheet.write_string_with_format(r, col as u16, fit(cell), format)?;
        }
        for i in 0..FILL_IN.len() as u16 {
            sheet.write_blank(r, first_fill_in + i, &formats.fill_in)?;
        }
    }
    if merged {
        merge_levels(sheet, &rows, formats)?;
    }
    let last = rows.len() as u32;
    sheet.set_freeze_panes(1, 0)?;
    if last > 0 {
        sheet.autofilter(0, 0, last, first_fill_in + FILL_IN.len() as u16 - 1)?;
    }
    print_setup(sheet)
}

/// The first evidence URL that may become a link: http(s) only, within Excel's length.
fn link_target(v: &Verdict) -> Option<&str> {
    v.evidence.iter().map(|e| e.url.trim()).find(|url| {
        let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
        (lower.starts_with("http://") || lower.starts_with("https://"))
            && url.encode_utf16().count() <= MAX_LINK_UTF16
            && !url.chars().any(char::is_whitespace)
    })
}

/// A4 landscape, one page wide and as many long as needed, narrow margins (Excel's
/// 「窄」: 0.25 inch at the sides), the header row printed on every page.
fn print_setup(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    sheet.set_paper_size(9);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_margins(0.25, 0.25, 0.75, 0.75, 0.3, 0.3);
    sheet.set_repeat_rows(0, 0)?;
    Ok(())
}

/// Merges runs of equal 一级…四级 cells down the sheet, as the task table does.
fn merge_levels(sheet: &mut Worksheet, rows: &[[String; 13]], formats: &Formats) -> Result<(), XlsxError> {
    for col in 1..=4 {
        let mut start = 0;
        while start < rows.len() {
            let same = |r: &[String; 13]| (1..=col).all(|c| r[c] == rows[start][c]);
            let mut end = start;
            while end + 1 < rows.len() && same(&rows[end + 1]) {
                end += 1;
            }
            if end > start && !rows[start][col].is_empty() {
                sheet.merge_range(
                    start as u32 + 1,
                    col as u16,
                    end as u32 + 1,
                    col as u16,
                    &rows[start][col],
                    &formats.merged,
                )?;
            }
            start = end + 1;
        }
    }
    Ok(())
}

fn unit_sheet(sheet: &mut Worksheet, a: &Assessment, formats: &Formats) -> Result<(), XlsxError> {
    sheet.set_name("责任单位汇总")?;
    let headers = [
        "责任单位",
        "指标数",
        "达标",
        "部分达标",
        "不达标",
        "待人工评价",
        "不适用",
        "平均得分（自动评价项数）",
        "问题指标",
    ];
    let widths = [24.0, 8.0, 8.0, 9.0, 8.0, 10.0, 8.0, 26.0, 90.0];
    for (col, (h, w)) in headers.iter().zip(widths).enumerate() {
        sheet.write_string_with_format(0, col as u16, *h, &formats.header)?;
        sheet.set_column_width(col as u16, w)?;
    }
    for (i, g) in a.summary.by_unit.iter().enumerate() {
        let r = i as u32 + 1;
        let c = &g.counts;
        sheet.write_string_with_format(r, 0, &g.name, &formats.cell)?;
        for (col, n) in [c.total, c.pass, c.partial, c.fail, c.manual, c.na].iter().enumerate() {
            sheet.write_number_with_format(r, col as u16 + 1, *n as f64, &formats.cell)?;
        }
        // A mean always says how many leaves it covers.
        sheet.write_string_with_format(r, 7, c.score_zh(), &formats.cell)?;
        let problems: Vec<String> = g
            .problems
            .iter()
            .filter_map(|id| a.indicators.iter().find(|v| &v.id == id))
            .map(|v| format!("{}（{}）", v.question, status_zh(v.status)))
            .collect();
        sheet.write_string_with_format(r, 8, fit(&problems.join("\n")), &formats.cell)?;
    }
    sheet.set_freeze_panes(1, 1)?;
    if !a.summary.by_unit.is_empty() {
        sheet.autofilter(0, 0, a.summary.by_unit.len() as u32, 8)?;
    }
    print_setup(sheet)
}

/// Excel holds at most 32,767 characters in a cell: a longer reason or evidence list (a large
/// site's 200 late items) is cut with a pointer to the full text.
fn fit(text: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 32_000;
    if text.chars().count() <= MAX {
        return text.into();
    }
    let mut cut: String = text.chars().take(MAX).collect();
    cut.push_str("……（内容过长，已截断；全文见 report.json）");
    cut.into()
}

/// An Excel sheet name: at most 31 characters, none of `[]:*?/\`, unique in the workbook.
fn sheet_name(name: &str, used: &[String]) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(28)
        .collect();
    let clean = clean.trim_matches('\'').to_string();
    let base = if clean.is_empty() { "指标".to_string() } else { clean };
    let mut candidate = base.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) || candidate == "责任单位汇总" {
        candidate = format!("{base}{n}");
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::sheet_name;

    #[test]
    fn long_cells_are_cut_to_what_excel_holds() {
        let long = "迟".repeat(40_000);
        let cut = super::fit(&long);
        assert!(cut.chars().count() <= 32_767 && cut.ends_with("全文见 report.json）"));
        assert_eq!(super::fit("短"), "短");
    }

    #[test]
    fn sheet_names_are_legal_and_unique() {
        assert_eq!(sheet_name("行政权力运行公开", &[]), "行政权力运行公开");
        assert_eq!(sheet_name("a/b[c]", &[]), "abc");
        assert_eq!(sheet_name("重复", &["重复".to_string()]), "重复2");
        assert_eq!(sheet_name(&"长".repeat(40), &[]).chars().count(), 28);
        assert_eq!(sheet_name("", &[]), "指标");
    }
}
