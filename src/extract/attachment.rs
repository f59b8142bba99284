//! Attachment facts: the format, plain text and tables of a downloaded attachment.
//!
//! In: the bytes and the file name (or bare extension) it was linked as. Out:
//! [`AttachmentFacts`], always — a broken or unsupported file gets an `error` message and
//! whatever could still be read. The format comes from the magic bytes first (`%PDF`; `PK`
//! with `xl/` or `word/` entries; OLE2 `D0 CF 11 E0`; `Rar!`) and from the extension only
//! when those say nothing, because government sites often mislabel files (an `.xls` that is
//! really an `.xlsx`, or an HTML page).
//!
//! Sheets (xlsx, xls, WPS et) become one [`Table`] each, with merged cells spread into every
//! cell they cover and title rows (`2025年部门收支总表` merged across the columns,
//! `单位：万元`) left out of the header, so a 预决算 table inside a workbook is checked like
//! an HTML table. A docx gives its paragraphs and one table per `<w:tbl>`. PDF text comes
//! from [`super::pdf`]. Fixtures: `fixtures/site/attach/`.
//!
//! Must not: do I/O, panic on any input (calamine and lopdf run under `catch_unwind`), or
//! spend unbounded work: sheets, cells, decompressed parts and text are capped.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use calamine::{Data, Dimensions, Reader, Xls, Xlsx};
use encoding_rs::GB18030;
use quick_xml::events::{BytesStart, Event};
use regex::Regex;
use serde::Serialize;
use zip::ZipArchive;

use super::pdf;
use super::table::Table;

/// Sheets read per workbook.
const MAX_SHEETS: usize = 200;
/// Non-empty cells read per sheet (merged-cell copies are capped at the same number).
const MAX_SHEET_CELLS: usize = 100_000;
/// Cell records read per sheet, empty ones included (styled empty rows can be millions).
const MAX_CELL_RECORDS: usize = 1_000_000;
/// Merged regions applied per sheet.
const MAX_MERGES: usize = 10_000;
/// Above this many row × column slots a sheet's rows are kept ragged instead of padded.
const MAX_GRID_SLOTS: usize = 4_000_000;
/// Header rows at most (a title row above grouped columns, the grouped columns, their parts).
const MAX_HEADER_ROWS: usize = 4;
/// Columns kept per docx table row (`gridSpan` is capped to this too).
const MAX_DOCX_COLUMNS: usize = 1_000;
/// Text kept per attachment.
const MAX_TEXT_BYTES: usize = 50 * 1024 * 1024;
/// Uncompressed size of one zip part we read or let calamine read (zip-bomb guard).
const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;
/// Entry names listed for a zip archive.
const MAX_ZIP_ENTRIES: usize = 10_000;

/// What one attachment says.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AttachmentFacts {
    /// `pdf`, `xlsx`, `xls`, `docx`, `doc`, `wps`, `et`, `zip`, `rar`, `csv`, `txt` or `unknown`.
    pub format: String,
    /// Plain text: PDF pages joined by `"\n\f\n"`; docx paragraphs by `"\n"` (table rows as
    /// tab-separated lines); sheet cells tab-separated, rows by `"\n"`, sheets by `"\n\f\n"`;
    /// zip entry names one per line.
    pub text: String,
    /// One per non-empty sheet (source `xlsx:<sheet name>`, also for xls and et) or per
    /// docx `<w:tbl>` (source `docx`).
    pub tables: Vec<Table>,
    /// PDF page count.
    pub pages: Option<u32>,
    /// False when the text is mostly U+FFFD (undecodable PDF fonts) or there is none.
    pub text_reliable: bool,
    /// Why the file could not be read completely; the other fields hold what could be.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Pdf,
    Xlsx,
    Xls,
    Docx,
    Doc,
    Wps,
    Et,
    Zip,
    Rar,
    /// Comma-separated values (数据开放 downloads): one table.
    Csv,
    /// Plain text.
    Text,
    Unknown,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Docx => "docx",
            Format::Doc => "doc",
            Format::Wps => "wps",
            Format::Et => "et",
            Format::Zip => "zip",
            Format::Rar => "rar",
            Format::Csv => "csv",
            Format::Text => "txt",
            Format::Unknown => "unknown",
        }
    }

    fn from_extension(extension: &str) -> Option<Format> {
        Some(match extension {
            "pdf" => Format::Pdf,
            "xlsx" | "xlsm" => Format::Xlsx,
            "xls" => Format::Xls,
            "et" | "ett" => Format::Et,
            "docx" | "docm" => Format::Docx,
            "doc" => Format::Doc,
            "wps" => Format::Wps,
            "zip" => Format::Zip,
            "rar" => Format::Rar,
            "csv" => Format::Csv,
            "txt" => Format::Text,
            _ => return None,
        })
    }
}

/// What the first bytes say the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Empty,
    Pdf,
    Zip,
    Ole,
    Rar,
    Html,
    Rtf,
    Other,
}

fn sniff(bytes: &[u8]) -> Container {
    let head = bytes.get(..1024).unwrap_or(bytes);
    if bytes.is_empty() {
        Container::Empty
    } else if bytes.starts_with(b"%PDF") || head.windows(5).any(|window| window == b"%PDF-") {
        // Some servers put a few bytes before the header; readers accept it in the first 1 KB.
        Container::Pdf
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") || bytes.starts_with(b"PK\x07\x08") {
        Container::Zip
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        Container::Ole
    } else if bytes.starts_with(b"Rar!\x1A\x07") {
        Container::Rar
    } else if bytes.starts_with(b"{\\rtf") {
        Container::Rtf
    } else {
        let lower = String::from_utf8_lossy(head).to_lowercase();
        let markers = ["<html", "<!doctype html", "<table", "<head", "<body", "mime-version:"];
        if markers.iter().any(|marker| lower.contains(marker)) {
            Container::Html
        } else {
            Container::Other
        }
    }
}

/// The extension of a file name, URL or bare extension, lowercased (`"附件.XLS"` → `"xls"`).
fn extension_of(name_or_ext: &str) -> String {
    let name = name_or_ext.trim();
    let name = name.split(['?', '#']).next().unwrap_or(name);
    let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let extension = name.rsplit('.').next().unwrap_or(name);
    extension.trim().to_lowercase()
}

/// Extracts the facts of one attachment. Never panics.
pub fn extract_attachment(bytes: &[u8], name_or_ext: &str) -> AttachmentFacts {
    let extension = extension_of(name_or_ext);
    let container = sniff(bytes);
    let format = detect_format(bytes, container, &extension);
    let mut facts = AttachmentFacts {
        format: format.as_str().to_string(),
        ..AttachmentFacts::default()
    };
    match (format, container) {
        (_, Container::Empty) => facts.error = Some("empty file".to_string()),
        (_, Container::Ole) if has_ole_stream(bytes, "EncryptedPackage") => {
            facts.error = Some("password-protected Office file: it cannot be read without the password".to_string());
        }
        (Format::Pdf, Container::Pdf) => read_pdf(bytes, &mut facts),
        (Format::Xlsx | Format::Xls | Format::Et, Container::Zip) => read_xlsx(bytes, &mut facts),
        (Format::Xlsx | Format::Xls | Format::Et, Container::Ole) => read_xls(bytes, &mut facts),
        (Format::Docx | Format::Doc | Format::Wps, Container::Zip) => read_docx(bytes, &mut facts),
        (Format::Doc | Format::Wps, Container::Ole) => {
            facts.error = Some("legacy Word binary is not parsed".to_string());
        }
        (Format::Zip, Container::Zip) => list_zip(bytes, &mut facts),
        // A RAR archive is only recognised: listing it needs a RAR reader.
        (Format::Rar, Container::Rar) => {}
        (Format::Csv | Format::Text, Container::Other) => read_plain_text(bytes, format, &mut facts),
        (format, container) => facts.error = Some(mismatch_message(format, container, &extension)),
    }
    if format != Format::Pdf {
        facts.text_reliable = !facts.text.trim().is_empty();
    }
    facts
}

fn detect_format(bytes: &[u8], container: Container, extension: &str) -> Format {
    let by_extension = Format::from_extension(extension);
    match container {
        Container::Pdf => Format::Pdf,
        Container::Zip => match zip_kind(bytes) {
            ZipKind::Spreadsheet if extension == "et" => Format::Et,
            ZipKind::Spreadsheet => Format::Xlsx,
            ZipKind::Word if extension == "wps" => Format::Wps,
            ZipKind::Word => Format::Docx,
            ZipKind::Other => Format::Zip,
            ZipKind::Unreadable => by_extension
                .filter(|format| matches!(format, Format::Xlsx | Format::Et | Format::Docx | Format::Wps))
                .unwrap_or(Format::Zip),
        },
        Container::Ole => ole_format(bytes, extension),
        Container::Rar => Format::Rar,
        Container::Empty | Container::Html | Container::Rtf | Container::Other => {
            by_extension.unwrap_or(Format::Unknown)
        }
    }
}

enum ZipKind {
    Spreadsheet,
    Word,
    Other,
    Unreadable,
}

fn zip_kind(bytes: &[u8]) -> ZipKind {
    let Ok(archive) = ZipArchive::new(Cursor::new(bytes)) else {
        return ZipKind::Unreadable;
    };
    let mut names = archive.file_names_raw();
    if names.any(|name| name.starts_with(b"xl/")) {
        return ZipKind::Spreadsheet;
    }
    if archive.file_names_raw().any(|name| name.starts_with(b"word/")) {
        return ZipKind::Word;
    }
    ZipKind::Other
}

/// An OLE2 file is a workbook or a Word document by its stream names (UTF-16LE in the
/// directory); the extension decides when both or neither are found.
fn ole_format(bytes: &[u8], extension: &str) -> Format {
    let is_workbook = has_ole_stream(bytes, "Workbook") || has_ole_stream(bytes, "Book");
    let is_word = has_ole_stream(bytes, "WordDocument");
    match extension {
        "xls" | "et" | "ett" if is_word && !is_workbook => Format::Doc,
        "xls" => Format::Xls,
        "et" | "ett" => Format::Et,
        "doc" | "wps" if is_workbook && !is_word => Format::Xls,
        "doc" => Format::Doc,
        "wps" => Format::Wps,
        _ if is_workbook => Format::Xls,
        _ if is_word => Format::Doc,
        // A password-protected xlsx/docx is an OLE2 file holding the encrypted package.
        _ => Format::from_extension(extension)
            .filter(|format| matches!(format, Format::Xlsx | Format::Docx))
            .unwrap_or(Format::Unknown),
    }
}

/// Whether an OLE2 directory names the stream: names are UTF-16LE, NUL-terminated.
fn has_ole_stream(bytes: &[u8], name: &str) -> bool {
    let needle: Vec<u8> = name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
    bytes.windows(needle.len()).any(|window| window == needle.as_slice())
}

fn mismatch_message(format: Format, container: Container, extension: &str) -> String {
    match container {
        Container::Html => format!("the file named `.{extension}` is an HTML page; extract it as a page"),
        Container::Rtf => format!("the file named `.{extension}` is RTF, which is not parsed"),
        Container::Ole => "OLE2 compound file that is neither a workbook nor a Word document".to_string(),
        _ => match format {
            Format::Pdf => "not a PDF: no `%PDF` header".to_string(),
            Format::Xlsx | Format::Xls | Format::Et => {
                format!("not a spreadsheet: the `.{extension}` file is neither an OOXML zip nor an OLE2 workbook")
            }
            Format::Docx | Format::Doc | Format::Wps => {
                format!("not a Word document: the `.{extension}` file is neither an OOXML zip nor an OLE2 file")
            }
            Format::Zip => "not a zip archive: no `PK` signature".to_string(),
            Format::Rar => "not a RAR archive: no `Rar!` signature".to_string(),
            Format::Csv | Format::Text => format!("the `.{extension}` file is not plain text"),
            Format::Unknown => "unrecognised file format: not PDF, OOXML, OLE2, ZIP or RAR".to_string(),
        },
    }
}

fn read_pdf(bytes: &[u8], facts: &mut AttachmentFacts) {
    match pdf::pdf_text(bytes) {
        Ok(text) => {
            facts.text = text.text;
            facts.pages = Some(text.pages);
            facts.text_reliable = text.reliable;
        }
        Err(error) => facts.error = Some(error.to_string()),
    }
}

/// One cell value as text, and whether it is a number (numbers never make a header).
#[derive(Debug, Clone, PartialEq)]
struct SheetCell {
    text: String,
    is_number: bool,
}

/// The non-empty cells of one sheet by absolute (row, column), and its merged regions.
struct Sheet {
    name: String,
    cells: BTreeMap<(u32, u32), SheetCell>,
    merges: Vec<Dimensions>,
}

fn read_xlsx(bytes: &[u8], facts: &mut AttachmentFacts) {
    if let Some(error) = oversized_part(bytes) {
        facts.error = Some(error);
        return;
    }
    match catch_unwind(AssertUnwindSafe(|| xlsx_sheets(bytes))) {
        Ok(Ok((sheets, problems))) => finish_sheets(sheets, problems, facts),
        Ok(Err(error)) => facts.error = Some(format!("unreadable xlsx workbook: {error}")),
        Err(_) => facts.error = Some("unreadable xlsx workbook: the parser failed on malformed input".to_string()),
    }
}

fn read_xls(bytes: &[u8], facts: &mut AttachmentFacts) {
    match catch_unwind(AssertUnwindSafe(|| xls_sheets(bytes))) {
        Ok(Ok((sheets, problems))) => finish_sheets(sheets, problems, facts),
        Ok(Err(error)) => facts.error = Some(format!("unreadable xls workbook: {error}")),
        Err(_) => facts.error = Some("unreadable xls workbook: the parser failed on malformed input".to_string()),
    }
}

/// Refuses a zip whose parts declare more than [`MAX_PART_BYTES`] uncompressed: calamine
/// reads shared strings whole, so a zip bomb would exhaust memory.
fn oversized_part(bytes: &[u8]) -> Option<String> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).ok()?;
    for index in 0..archive.len() {
        let Ok(file) = archive.by_index_raw(index) else {
            continue;
        };
        if file.size() > MAX_PART_BYTES {
            return Some(format!(
                "zip part `{}` declares {} bytes uncompressed, over the {} MB limit",
                decode_zip_name(file.name_raw()),
                file.size(),
                MAX_PART_BYTES / 1024 / 1024
            ));
        }
    }
    None
}

type SheetsRead = (Vec<Sheet>, Vec<String>);

fn xlsx_sheets(bytes: &[u8]) -> Result<SheetsRead, calamine::XlsxError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes))?;
    let names = workbook.sheet_names();
    let mut problems = too_many_sheets(names.len());
    let mut sheets = Vec::new();
    for name in names.iter().take(MAX_SHEETS) {
        let mut cells = BTreeMap::new();
        match workbook.worksheet_cells_reader(name) {
            Ok(mut reader) => {
                let mut records = 0usize;
                loop {
                    match reader.next_cell() {
                        Ok(Some(cell)) => {
                            records += 1;
                            if records > MAX_CELL_RECORDS || cells.len() >= MAX_SHEET_CELLS {
                                problems.push(format!("sheet `{name}` truncated at {MAX_SHEET_CELLS} cells"));
                                break;
                            }
                            let position = cell.get_position();
                            let value = Data::from(cell.get_value().clone());
                            if let Some(value) = sheet_cell(&value) {
                                cells.insert(position, value);
                            }
                        }
                        Ok(None) => break,
                        Err(error) => {
                            problems.push(format!("sheet `{name}` read in part: {error}"));
                            break;
                        }
                    }
                }
            }
            Err(error) => {
                problems.push(format!("sheet `{name}` skipped: {error}"));
                continue;
            }
        }
        let merges = workbook.merge_cells_by_sheet_name(name).unwrap_or_default();
        sheets.push(Sheet {
            name: name.clone(),
            cells,
            merges,
        });
    }
    Ok((sheets, problems))
}

fn xls_sheets(bytes: &[u8]) -> Result<SheetsRead, calamine::XlsError> {
    let mut workbook = Xls::new(Cursor::new(bytes))?;
    let names = workbook.sheet_names();
    let mut problems = too_many_sheets(names.len());
    let mut sheets = Vec::new();
    for name in names.iter().take(MAX_SHEETS) {
        let range = match workbook.worksheet_range(name) {
            Ok(range) => range,
            Err(error) => {
                problems.push(format!("sheet `{name}` skipped: {error}"));
                continue;
            }
        };
        let (first_row, first_column) = range.start().unwrap_or((0, 0));
        let mut cells = BTreeMap::new();
        for (row, column, value) in range.used_cells() {
            if cells.len() >= MAX_SHEET_CELLS {
                problems.push(format!("sheet `{name}` truncated at {MAX_SHEET_CELLS} cells"));
                break;
            }
            let (Ok(row), Ok(column)) = (u32::try_from(row), u32::try_from(column)) else {
                continue;
            };
            if let Some(value) = sheet_cell(value) {
                cells.insert(
                    (first_row.saturating_add(row), first_column.saturating_add(column)),
                    value,
                );
            }
        }
        let merges = workbook.merge_cells_by_sheet_name(name).unwrap_or_default();
        sheets.push(Sheet {
            name: name.clone(),
            cells,
            merges,
        });
    }
    Ok((sheets, problems))
}

fn too_many_sheets(count: usize) -> Vec<String> {
    if count > MAX_SHEETS {
        vec![format!("only the first {MAX_SHEETS} of {count} sheets were read")]
    } else {
        Vec::new()
    }
}

fn finish_sheets(sheets: Vec<Sheet>, mut problems: Vec<String>, facts: &mut AttachmentFacts) {
    let mut texts: Vec<String> = Vec::new();
    let mut text_bytes = 0usize;
    for sheet in sheets {
        let grid = Grid::from_sheet(&sheet.cells, &sheet.merges);
        if grid.rows.is_empty() {
            continue;
        }
        let text = grid.text();
        text_bytes = text_bytes.saturating_add(text.len());
        if text_bytes > MAX_TEXT_BYTES {
            problems.push(format!("text truncated at {MAX_TEXT_BYTES} bytes"));
            break;
        }
        texts.push(text);
        facts.tables.push(grid.into_table(format!("xlsx:{}", sheet.name), None));
    }
    facts.text = texts.join(pdf::PAGE_SEPARATOR);
    if !problems.is_empty() {
        facts.error = Some(problems.join("; "));
    }
}

/// A sheet cell as text; `None` when it is empty.
fn sheet_cell(value: &Data) -> Option<SheetCell> {
    let (text, is_number) = match value {
        Data::Int(value) => (value.to_string(), true),
        Data::Float(value) => (format_number(*value), true),
        Data::String(text) => (normalize_cell(text), false),
        Data::Bool(value) => ((if *value { "TRUE" } else { "FALSE" }).to_string(), false),
        Data::DateTime(value) if value.is_datetime() => (format_datetime(value), true),
        Data::DateTime(value) => (format_number(value.as_f64()), true),
        Data::DateTimeIso(text) | Data::DurationIso(text) => (text.trim().to_string(), true),
        Data::Error(error) => (error.to_string(), true),
        Data::Empty => return None,
    };
    (!text.is_empty()).then_some(SheetCell { text, is_number })
}

/// A number as Excel shows it: at most 15 significant digits, no trailing `.0`
/// (`12.0` → `12`, `12.5` → `12.5`, `0.30000000000000004` → `0.3`).
fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let rounded: f64 = format!("{value:.14e}").parse().unwrap_or(value);
    if rounded == rounded.trunc() && rounded.abs() < 1e15 {
        // Exact: an integral value below 1e15 fits an i64.
        return format!("{}", rounded as i64);
    }
    rounded.to_string()
}

/// `2025-03-28`, `2025-03-28 09:30:00`, or `09:30:00` for a time of day.
fn format_datetime(value: &calamine::ExcelDateTime) -> String {
    let (year, month, day, hour, minute, second, _) = value.to_ymd_hms_milli();
    let serial = value.as_f64();
    if (0.0..1.0).contains(&serial) {
        format!("{hour:02}:{minute:02}:{second:02}")
    } else if (hour, minute, second) == (0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
    }
}

/// Trims a cell and joins its lines: line breaks inside a Chinese header cell are layout
/// (`项目\n名称` → `项目名称`), between Latin words they become a space. Tabs become spaces
/// so that the tab-separated text keeps its columns.
fn normalize_cell(raw: &str) -> String {
    let mut out = String::new();
    for line in raw
        .split(['\n', '\r'])
        .map(|line| line.trim())
        .filter(|line| !line.is_empty())
    {
        if let (Some(previous), Some(next)) = (out.chars().last(), line.chars().next())
            && !is_cjk(previous)
            && !is_cjk(next)
        {
            out.push(' ');
        }
        out.push_str(line);
    }
    out.replace('\t', " ")
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}') || c >= '\u{20000}'
}

fn looks_numeric(text: &str) -> bool {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | '%' | ' ' | '¥' | '￥'))
        .collect();
    !cleaned.is_empty() && cleaned.parse::<f64>().is_ok()
}

/// A cell that annotates a table rather than heading a column: a short label with a colon
/// (`单位：万元`, `编制单位：XX局`) or a table number (`公开01表`, `附表3`). A colon inside
/// brackets stays a heading: `金额（单位：万元）`.
fn is_note(text: &str) -> bool {
    static NOTE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:[^：:（(]{1,12}[：:]|(?:公开|附)?表?\s*[0-9０-９]+(?:[-－—.][0-9０-９]+)*\s*表?$)")
            .expect("the pattern is valid")
    });
    NOTE.is_match(text.trim())
}

#[derive(Debug, Clone, PartialEq)]
struct GridCell {
    text: String,
    is_number: bool,
    /// False for a copy spread from a merged cell or a docx `gridSpan`/`vMerge`.
    is_origin: bool,
}

impl GridCell {
    fn empty() -> GridCell {
        GridCell {
            text: String::new(),
            is_number: false,
            is_origin: false,
        }
    }
}

#[derive(Debug)]
struct GridRow {
    /// The row's absolute index in the sheet (its index for docx tables).
    index: u32,
    cells: Vec<GridCell>,
}

/// The non-empty rows of a sheet, padded to the non-empty columns, merges spread.
#[derive(Debug, Default)]
struct Grid {
    rows: Vec<GridRow>,
    merges: Vec<Dimensions>,
}

impl Grid {
    fn from_sheet(cells: &BTreeMap<(u32, u32), SheetCell>, merges: &[Dimensions]) -> Grid {
        let used_rows: BTreeSet<u32> = cells.keys().map(|&(row, _)| row).collect();
        let used_columns: BTreeSet<u32> = cells.keys().map(|&(_, column)| column).collect();
        let mut all: BTreeMap<(u32, u32), GridCell> = cells
            .iter()
            .map(|(&position, cell)| {
                (
                    position,
                    GridCell {
                        text: cell.text.clone(),
                        is_number: cell.is_number,
                        is_origin: true,
                    },
                )
            })
            .collect();
        // Copies go only where other cells give the row and the column a meaning, which also
        // bounds a merge like A1:XFD1048576.
        let merges: Vec<Dimensions> = merges
            .iter()
            .filter(|merge| merge.start.0 <= merge.end.0 && merge.start.1 <= merge.end.1)
            .take(MAX_MERGES)
            .copied()
            .collect();
        let mut copies = 0usize;
        'merges: for merge in &merges {
            let Some(origin) = cells.get(&merge.start) else {
                continue;
            };
            for &row in used_rows.range(merge.start.0..=merge.end.0) {
                for &column in used_columns.range(merge.start.1..=merge.end.1) {
                    if (row, column) == merge.start || all.contains_key(&(row, column)) {
                        continue;
                    }
                    if copies >= MAX_SHEET_CELLS {
                        break 'merges;
                    }
                    copies += 1;
                    let copy = GridCell {
                        text: origin.text.clone(),
                        is_number: origin.is_number,
                        is_origin: false,
                    };
                    all.insert((row, column), copy);
                }
            }
        }
        let column_index: HashMap<u32, usize> = used_columns
            .iter()
            .enumerate()
            .map(|(index, &column)| (column, index))
            .collect();
        let width = used_columns.len();
        let is_ragged = used_rows.len().saturating_mul(width) > MAX_GRID_SLOTS;
        let mut rows: Vec<GridRow> = Vec::new();
        for ((row, column), cell) in all {
            if rows.last().is_none_or(|last| last.index != row) {
                let cells = if is_ragged {
                    Vec::new()
                } else {
                    vec![GridCell::empty(); width]
                };
                rows.push(GridRow { index: row, cells });
            }
            let Some(last) = rows.last_mut() else { continue };
            if is_ragged {
                last.cells.push(cell);
            } else if let Some(slot) = column_index.get(&column).and_then(|&index| last.cells.get_mut(index)) {
                *slot = cell;
            }
        }
        Grid { rows, merges }
    }

    /// Cells tab-separated (merge copies left blank, trailing blanks dropped), rows by `\n`.
    fn text(&self) -> String {
        let lines: Vec<String> = self
            .rows
            .iter()
            .map(|row| {
                let cells: Vec<&str> = row
                    .cells
                    .iter()
                    .map(|cell| if cell.is_origin { cell.text.as_str() } else { "" })
                    .collect();
                cells.join("\t").trim_end().to_string()
            })
            .filter(|line| !line.is_empty())
            .collect();
        lines.join("\n")
    }

    /// Finds the header rows and turns the rest into body rows. `explicit_header_rows` is a
    /// docx `<w:tblHeader/>` count; without it the first header-like row starts the header.
    fn into_table(self, source: String, explicit_header_rows: Option<usize>) -> Table {
        let texts = |row: &GridRow| row.cells.iter().map(|cell| cell.text.clone()).collect::<Vec<_>>();
        let (start, end) = match explicit_header_rows {
            Some(count) if count > 0 => (0, count.min(self.rows.len())),
            _ => match self.rows.iter().position(|row| is_header_row(&row.cells)) {
                Some(start) => (start, self.header_end(start)),
                None => (0, 0),
            },
        };
        let headers = self
            .rows
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(texts)
            .collect();
        let rows = self
            .rows
            .get(end..)
            .unwrap_or_default()
            .iter()
            .filter(|row| row.cells.iter().any(|cell| !cell.text.is_empty()))
            .map(texts)
            .collect();
        Table { headers, rows, source }
    }

    /// One past the last header row: the header grows down over the rows its vertical
    /// merges cover (`项目` merged over two rows), and by one row when it has a merge across
    /// columns (`预算数` over `小计 | 基本支出 | 项目支出`) followed by a row of text.
    fn header_end(&self, start: usize) -> usize {
        let Some(header) = self.rows.get(start) else {
            return start;
        };
        let index = header.index;
        let own_merges = || self.merges.iter().filter(move |merge| merge.start.0 == index);
        let last_row = own_merges().map(|merge| merge.end.0).max().unwrap_or(index);
        let mut end = start + 1;
        while end < self.rows.len()
            && end - start < MAX_HEADER_ROWS
            && self.rows.get(end).is_some_and(|row| row.index <= last_row)
        {
            end += 1;
        }
        let spans_columns = own_merges().any(|merge| merge.end.1 > merge.start.1);
        if end == start + 1 && spans_columns && self.rows.get(end).is_some_and(|row| is_mostly_text(&row.cells)) {
            end += 1;
        }
        end
    }
}

/// A header row has at least two cells of its own (a title merged across the columns has
/// one) and they are mostly text; notes such as `单位：万元` do not count.
fn is_header_row(cells: &[GridCell]) -> bool {
    let own: Vec<&GridCell> = cells
        .iter()
        .filter(|cell| cell.is_origin && !cell.text.is_empty())
        .collect();
    let headings: Vec<&&GridCell> = own.iter().filter(|cell| !is_note(&cell.text)).collect();
    let texts = headings
        .iter()
        .filter(|cell| !cell.is_number && !looks_numeric(&cell.text))
        .count();
    headings.len() >= 2 && texts * 2 > headings.len()
}

fn is_mostly_text(cells: &[GridCell]) -> bool {
    let filled: Vec<&GridCell> = cells.iter().filter(|cell| !cell.text.is_empty()).collect();
    let texts = filled
        .iter()
        .filter(|cell| !cell.is_number && !looks_numeric(&cell.text))
        .count();
    !filled.is_empty() && texts * 2 > filled.len()
}

fn read_docx(bytes: &[u8], facts: &mut AttachmentFacts) {
    let part = ZipArchive::new(Cursor::new(bytes))
        .map_err(|error| format!("unreadable docx: {error}"))
        .and_then(|mut archive| read_zip_part(&mut archive, "word/document.xml"));
    let xml = match part {
        Ok(xml) => xml,
        Err(error) => {
            facts.error = Some(error);
            return;
        }
    };
    match catch_unwind(AssertUnwindSafe(|| parse_docx(&xml))) {
        Ok(document) => {
            facts.text = document.text;
            facts.tables = document.tables;
            facts.error = document.error;
        }
        Err(_) => facts.error = Some("unreadable docx: the parser failed on malformed input".to_string()),
    }
}

fn read_zip_part(archive: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Vec<u8>, String> {
    let file = archive
        .by_name(name)
        .map_err(|error| format!("unreadable docx: no `{name}`: {error}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_PART_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("unreadable docx: `{name}` is damaged: {error}"))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_PART_BYTES {
        return Err(format!(
            "docx part `{name}` is over the {} MB limit",
            MAX_PART_BYTES / 1024 / 1024
        ));
    }
    Ok(bytes)
}

struct DocxContent {
    text: String,
    tables: Vec<Table>,
    error: Option<String>,
}

/// A `<w:tc>` being read.
#[derive(Default)]
struct DocxCell {
    lines: Vec<String>,
    span: usize,
    vertical: VerticalMerge,
}

#[derive(Default, Clone, Copy, PartialEq)]
enum VerticalMerge {
    #[default]
    None,
    Restart,
    Continue,
}

/// A `<w:tbl>` being read; tables nest, so the parser keeps a stack of these.
#[derive(Default)]
struct DocxTable {
    rows: Vec<Vec<DocxCell>>,
    row: Vec<DocxCell>,
    cell: Option<DocxCell>,
    is_header_row: bool,
    header_rows: usize,
}

impl DocxTable {
    /// Spreads `gridSpan` and `vMerge` into every grid cell they cover, and records them as
    /// merged regions so the header can grow down over a vertical merge as in a sheet.
    fn into_grid(self) -> Grid {
        let mut rows: Vec<GridRow> = Vec::new();
        let mut merges: Vec<Dimensions> = Vec::new();
        for (index, row) in self.rows.into_iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let mut cells: Vec<GridCell> = Vec::new();
            for cell in row {
                let text = normalize_cell(&cell.lines.join("\n"));
                let column = cells.len();
                let span = cell.span.clamp(1, MAX_DOCX_COLUMNS);
                let first = u32::try_from(column).unwrap_or(u32::MAX);
                let last = first.saturating_add(u32::try_from(span - 1).unwrap_or(0));
                let above = rows
                    .last()
                    .and_then(|above| above.cells.get(column))
                    .map(|above| above.text.clone());
                let (text, is_origin) = match (cell.vertical, above) {
                    (VerticalMerge::Continue, Some(above)) if index > 0 => {
                        match merges
                            .iter_mut()
                            .find(|merge| merge.start.1 == first && merge.end.0 + 1 == index)
                        {
                            Some(merge) => merge.end.0 = index,
                            None => merges.push(Dimensions::new((index - 1, first), (index, last))),
                        }
                        (above, false)
                    }
                    _ => {
                        if span > 1 {
                            merges.push(Dimensions::new((index, first), (index, last)));
                        }
                        (text, true)
                    }
                };
                for offset in 0..span {
                    if cells.len() >= MAX_DOCX_COLUMNS {
                        break;
                    }
                    let is_number = looks_numeric(&text);
                    cells.push(GridCell {
                        text: text.clone(),
                        is_number,
                        is_origin: is_origin && offset == 0,
                    });
                }
            }
            rows.push(GridRow { index, cells });
        }
        let width = rows.iter().map(|row| row.cells.len()).max().unwrap_or(0);
        for row in &mut rows {
            row.cells.resize(width, GridCell::empty());
        }
        merges.truncate(MAX_MERGES);
        Grid { rows, merges }
    }
}

/// Where the text of a finished paragraph goes: the innermost open table cell, else the body.
fn deliver(line: String, tables: &mut [DocxTable], body: &mut Vec<String>) {
    match tables.last_mut().and_then(|table| table.cell.as_mut()) {
        Some(cell) => cell.lines.push(line),
        None => body.push(line),
    }
}

fn attribute(element: &BytesStart<'_>, local_name: &[u8]) -> Option<String> {
    element.attributes().with_checks(false).flatten().find_map(|attribute| {
        let key = attribute.key.as_ref();
        let local = key.rsplit(|&byte| byte == b':').next().unwrap_or(key);
        (local == local_name).then(|| String::from_utf8_lossy(&attribute.value).into_owned())
    })
}

/// Reads `word/document.xml`: paragraph text from `<w:t>`, tabs and breaks inside runs,
/// tables from `<w:tbl>`. Deleted text, field codes and `mc:Fallback` copies are skipped.
fn parse_docx(xml: &[u8]) -> DocxContent {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    let mut buffer = Vec::new();
    let mut body: Vec<String> = Vec::new();
    let mut paragraphs: Vec<String> = Vec::new();
    let mut tables: Vec<DocxTable> = Vec::new();
    let mut finished: Vec<Table> = Vec::new();
    let mut in_text = false;
    let mut run_depth = 0usize;
    let mut fallback_depth = 0usize;
    let mut text_bytes = 0usize;
    let mut error = None;
    loop {
        buffer.clear();
        let event = match reader.read_event_into(&mut buffer) {
            Ok(Event::Eof) => break,
            Ok(event) => event,
            Err(problem) => {
                error = Some(format!(
                    "docx read in part: `word/document.xml` is malformed: {problem}"
                ));
                break;
            }
        };
        if text_bytes > MAX_TEXT_BYTES {
            error = Some(format!("text truncated at {MAX_TEXT_BYTES} bytes"));
            break;
        }
        match event {
            Event::Start(element) => {
                let name = element.local_name();
                match name.as_ref() {
                    b"Fallback" => fallback_depth += 1,
                    _ if fallback_depth > 0 => {}
                    b"p" => paragraphs.push(String::new()),
                    b"r" => run_depth += 1,
                    b"t" => in_text = true,
                    b"tbl" => tables.push(DocxTable::default()),
                    b"tr" => {
                        if let Some(table) = tables.last_mut() {
                            table.row = Vec::new();
                            table.is_header_row = false;
                        }
                    }
                    b"tc" => {
                        if let Some(table) = tables.last_mut() {
                            table.cell = Some(DocxCell {
                                span: 1,
                                ..DocxCell::default()
                            });
                        }
                    }
                    _ => docx_property(&element, &mut tables),
                }
            }
            Event::Empty(element) => {
                let name = element.local_name();
                match name.as_ref() {
                    _ if fallback_depth > 0 => {}
                    b"tab" if run_depth > 0 => push_text(&mut paragraphs, "\t"),
                    b"br" | b"cr" if run_depth > 0 => push_text(&mut paragraphs, "\n"),
                    b"p" => deliver(String::new(), &mut tables, &mut body),
                    _ => docx_property(&element, &mut tables),
                }
            }
            Event::End(element) => {
                let name = element.local_name();
                match name.as_ref() {
                    b"Fallback" => fallback_depth = fallback_depth.saturating_sub(1),
                    _ if fallback_depth > 0 => {}
                    b"p" => {
                        let line = paragraphs.pop().unwrap_or_default();
                        deliver(line, &mut tables, &mut body);
                    }
                    b"r" => run_depth = run_depth.saturating_sub(1),
                    b"t" => in_text = false,
                    b"tc" => {
                        if let Some(table) = tables.last_mut()
                            && let Some(cell) = table.cell.take()
                        {
                            table.row.push(cell);
                        }
                    }
                    b"tr" => {
                        if let Some(table) = tables.last_mut() {
                            let row = std::mem::take(&mut table.row);
                            if table.is_header_row && table.header_rows == table.rows.len() {
                                table.header_rows += 1;
                            }
                            table.rows.push(row);
                        }
                    }
                    b"tbl" => {
                        if let Some(table) = tables.pop() {
                            let header_rows = table.header_rows;
                            let grid = table.into_grid();
                            for line in grid.text().lines() {
                                deliver(line.to_string(), &mut tables, &mut body);
                            }
                            if !grid.rows.is_empty() {
                                finished.push(grid.into_table("docx".to_string(), Some(header_rows)));
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(text) if in_text && fallback_depth == 0 => {
                let decoded = text
                    .xml10_content()
                    .map(|content| content.into_owned())
                    .unwrap_or_default();
                text_bytes += decoded.len();
                push_text(&mut paragraphs, &decoded);
            }
            Event::CData(text) if in_text && fallback_depth == 0 => {
                let decoded = String::from_utf8_lossy(&text).into_owned();
                text_bytes += decoded.len();
                push_text(&mut paragraphs, &decoded);
            }
            Event::GeneralRef(reference) if in_text && fallback_depth == 0 => {
                if let Some(resolved) = reference_text(&reference) {
                    push_text(&mut paragraphs, &resolved);
                }
            }
            _ => {}
        }
    }
    // Paragraphs and tables left open by a truncated document still count.
    while let Some(line) = paragraphs.pop() {
        deliver(line, &mut tables, &mut body);
    }
    let lines: Vec<&str> = body
        .iter()
        .map(|line| line.trim_end())
        .filter(|line| !line.is_empty())
        .collect();
    DocxContent {
        text: lines.join("\n"),
        tables: finished,
        error,
    }
}

fn push_text(paragraphs: &mut Vec<String>, text: &str) {
    match paragraphs.last_mut() {
        Some(paragraph) => paragraph.push_str(text),
        // Text outside any paragraph (malformed XML) becomes its own paragraph.
        None => paragraphs.push(text.to_string()),
    }
}

/// Table properties inside `<w:tcPr>` / `<w:trPr>`: `gridSpan`, `vMerge`, `tblHeader`.
fn docx_property(element: &BytesStart<'_>, tables: &mut [DocxTable]) {
    let Some(table) = tables.last_mut() else { return };
    let is_on = |value: Option<String>| value.is_none_or(|value| !matches!(value.as_str(), "0" | "false" | "off"));
    match element.local_name().as_ref() {
        b"gridSpan" => {
            if let Some(cell) = table.cell.as_mut() {
                cell.span = attribute(element, b"val")
                    .and_then(|value| value.parse().ok())
                    .unwrap_or(1);
            }
        }
        b"vMerge" => {
            if let Some(cell) = table.cell.as_mut() {
                cell.vertical = match attribute(element, b"val").as_deref() {
                    Some("restart") => VerticalMerge::Restart,
                    _ => VerticalMerge::Continue,
                };
            }
        }
        b"tblHeader" if table.cell.is_none() => table.is_header_row = is_on(attribute(element, b"val")),
        _ => {}
    }
}

/// A csv or txt file: decoded like a page (BOM, then detection with the GB18030 family), a
/// csv also as one table whose first row is the header.
fn read_plain_text(bytes: &[u8], format: Format, facts: &mut AttachmentFacts) {
    let decoded = super::encoding::decode(bytes, Some("text/plain"));
    let mut text = decoded.text;
    if text.len() > MAX_TEXT_BYTES {
        let cut = (0..=MAX_TEXT_BYTES)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text.truncate(cut);
        facts.error = Some(format!("text truncated at {MAX_TEXT_BYTES} bytes"));
    }
    if format == Format::Csv {
        let rows = csv_rows(&text);
        if rows.len() >= 2 {
            let mut rows = rows;
            let body = rows.split_off(1);
            facts.tables.push(Table {
                headers: rows,
                rows: body,
                source: "csv".to_string(),
            });
        }
    }
    facts.text = text;
}

/// RFC 4180 rows: quoted fields may hold commas, doubled quotes and line breaks. Capped like a
/// sheet.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut is_quoted = false;
    let mut cells = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if is_quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' if is_quoted => is_quoted = false,
            '"' if field.is_empty() => is_quoted = true,
            ',' if !is_quoted => row.push(std::mem::take(&mut field).trim().to_string()),
            '\r' if !is_quoted => {}
            '\n' if !is_quoted => {
                row.push(std::mem::take(&mut field).trim().to_string());
                cells += row.len();
                if row.iter().any(|f| !f.is_empty()) {
                    rows.push(std::mem::take(&mut row));
                } else {
                    row.clear();
                }
                if cells > MAX_SHEET_CELLS {
                    return rows;
                }
            }
            c => field.push(c),
        }
    }
    row.push(field.trim().to_string());
    if row.iter().any(|f| !f.is_empty()) {
        rows.push(row);
    }
    rows
}

fn list_zip(bytes: &[u8], facts: &mut AttachmentFacts) {
    match ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => {
            let names: Vec<String> = archive
                .file_names_raw()
                .take(MAX_ZIP_ENTRIES)
                .map(decode_zip_name)
                .collect();
            facts.text = names.join("\n");
            if archive.len() > MAX_ZIP_ENTRIES {
                facts.error = Some(format!(
                    "only the first {MAX_ZIP_ENTRIES} of {} entries are listed",
                    archive.len()
                ));
            }
        }
        Err(error) => facts.error = Some(format!("unreadable zip archive: {error}")),
    }
}

/// Zip entry names are UTF-8 when flagged so, and in practice GBK when a Chinese Windows
/// archiver wrote them without the flag.
fn decode_zip_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(name) => name.to_string(),
        Err(_) => GB18030.decode_without_bom_handling(raw).0.into_owned(),
    }
}

/// The text of a character or predefined entity reference in WordprocessingML (`&#x4E2D;`,
/// `&amp;`); `None` for anything else.
pub(crate) fn reference_text(reference: &quick_xml::events::BytesRef<'_>) -> Option<String> {
    match reference.resolve_char_ref() {
        Ok(Some(c)) => Some(c.to_string()),
        _ => reference
            .decode()
            .ok()
            .and_then(|name| quick_xml::escape::resolve_predefined_entity(&name).map(str::to_string)),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn build_zip(files: &[(&str, &str)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in files {
            writer.start_file(*name, options).expect("in-memory zip");
            writer.write_all(content.as_bytes()).expect("in-memory zip");
        }
        writer.finish().expect("in-memory zip").into_inner()
    }

    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
    const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

    /// A workbook with one sheet named `sheet_name`; `rows` are cell values where text
    /// goes through the shared-string table and a leading `=` marks a number.
    fn build_xlsx(sheet_name: &str, rows: &[&[&str]], merges: &[&str]) -> Vec<u8> {
        let mut strings: Vec<String> = Vec::new();
        let mut sheet_rows = String::new();
        for (row_index, row) in rows.iter().enumerate() {
            sheet_rows.push_str(&format!("<row r=\"{}\">", row_index + 1));
            for (column, value) in row.iter().enumerate() {
                let reference = format!(
                    "{}{}",
                    char::from(b'A' + u8::try_from(column).expect("few columns")),
                    row_index + 1
                );
                if value.is_empty() {
                    continue;
                }
                match value.strip_prefix('=') {
                    Some(number) => sheet_rows.push_str(&format!("<c r=\"{reference}\"><v>{number}</v></c>")),
                    None => {
                        sheet_rows.push_str(&format!("<c r=\"{reference}\" t=\"s\"><v>{}</v></c>", strings.len()));
                        strings.push((*value).to_string());
                    }
                }
            }
            sheet_rows.push_str("</row>");
        }
        let merge_xml = if merges.is_empty() {
            String::new()
        } else {
            let cells: String = merges
                .iter()
                .map(|merge| format!("<mergeCell ref=\"{merge}\"/>"))
                .collect();
            format!("<mergeCells count=\"{}\">{cells}</mergeCells>", merges.len())
        };
        let sheet = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_rows}</sheetData>{merge_xml}</worksheet>"#
        );
        let shared: String = strings.iter().map(|text| format!("<si><t>{text}</t></si>")).collect();
        let shared = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">{shared}</sst>"#,
            strings.len()
        );
        let workbook = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        );
        build_zip(&[
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", &workbook),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", &sheet),
            ("xl/sharedStrings.xml", &shared),
        ])
    }

    fn build_docx(body: &str) -> Vec<u8> {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>{body}</w:body></w:document>"#
        );
        build_zip(&[("word/document.xml", &document)])
    }

    fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|row| row.iter().map(|cell| (*cell).to_string()).collect())
            .collect()
    }

    #[test]
    fn xlsx_title_row_is_skipped_and_merge_spread() {
        let xlsx = build_xlsx(
            "收费目录",
            &[
                &["2025年行政事业性收费目录"],
                &["项目名称", "政策依据", "执收部门", "资金管理方式"],
                &["不动产登记费", "《不动产登记暂行条例》", "区自然资源局", "缴入国库"],
                &[
                    "考试考务费",
                    "《关于考试考务费有关问题的通知》",
                    "区人力资源和社会保障局",
                    "财政专户",
                ],
            ],
            &["A1:D1"],
        );
        let facts = extract_attachment(&xlsx, "xzsyxsfml2025.xlsx");
        assert_eq!(facts.error, None);
        assert_eq!(facts.format, "xlsx");
        assert!(facts.text_reliable);
        assert!(
            facts.text.starts_with("2025年行政事业性收费目录\n项目名称\t政策依据"),
            "{}",
            facts.text
        );
        assert_eq!(
            facts.tables,
            vec![Table {
                headers: strings(&[&["项目名称", "政策依据", "执收部门", "资金管理方式"]]),
                rows: strings(&[
                    &["不动产登记费", "《不动产登记暂行条例》", "区自然资源局", "缴入国库"],
                    &[
                        "考试考务费",
                        "《关于考试考务费有关问题的通知》",
                        "区人力资源和社会保障局",
                        "财政专户"
                    ],
                ]),
                source: "xlsx:收费目录".to_string(),
            }]
        );
    }

    #[test]
    fn header_detection_cases() {
        struct Case {
            label: &'static str,
            rows: &'static [&'static [&'static str]],
            merges: &'static [&'static str],
            headers: &'static [&'static [&'static str]],
            first_row: &'static [&'static str],
        }
        let cases = [
            Case {
                label: "title, unit note and table number above the header",
                rows: &[
                    &["", "", "公开01表"],
                    &["2025年部门收支总表"],
                    &["编制单位：周村区财政局", "", "单位：万元"],
                    &["项目", "预算数", "备注"],
                    &["一般公共预算拨款", "=1234.5", ""],
                ],
                merges: &["A2:C2"],
                headers: &[&["项目", "预算数", "备注"]],
                first_row: &["一般公共预算拨款", "1234.5", ""],
            },
            Case {
                label: "grouped columns under a merged heading",
                rows: &[
                    &["项目", "支出预算", ""],
                    &["", "基本支出", "项目支出"],
                    &["教育支出", "=12", "=3.25"],
                ],
                merges: &["A1:A2", "B1:C1"],
                headers: &[&["项目", "支出预算", "支出预算"], &["项目", "基本支出", "项目支出"]],
                first_row: &["教育支出", "12", "3.25"],
            },
            Case {
                label: "numbers only: no header",
                rows: &[&["=1", "=2"], &["=3", "=4"]],
                merges: &[],
                headers: &[],
                first_row: &["1", "2"],
            },
        ];
        for case in cases {
            let facts = extract_attachment(&build_xlsx("Sheet1", case.rows, case.merges), "x.xlsx");
            let table = facts
                .tables
                .first()
                .unwrap_or_else(|| panic!("{}: no table: {facts:?}", case.label));
            assert_eq!(table.headers, strings(case.headers), "{}", case.label);
            assert_eq!(table.rows.first(), strings(&[case.first_row]).first(), "{}", case.label);
        }
    }

    #[test]
    fn numbers_are_formatted_as_excel_shows_them() {
        let cases = [
            (12.0, "12"),
            (12.5, "12.5"),
            (-0.0, "0"),
            (0.30000000000000004, "0.3"),
            (1234.5600000000001, "1234.56"),
            (1e20, "100000000000000000000"),
            (f64::NAN, "NaN"),
        ];
        for (value, expected) in cases {
            assert_eq!(format_number(value), expected, "{value}");
        }
    }

    #[test]
    fn cells_and_extensions_are_normalised() {
        let cells = [
            ("  项目\n名称 ", "项目名称"),
            ("Total\r\namount", "Total amount"),
            ("a\tb", "a b"),
        ];
        for (raw, expected) in cells {
            assert_eq!(normalize_cell(raw), expected);
        }
        let notes = [
            ("单位：万元", true),
            ("编制单位:周村区财政局", true),
            ("公开01表", true),
            ("附表3", true),
            ("表1-2", true),
            ("金额（单位：万元）", false),
            ("项目名称", false),
            ("2025年部门收支总表", false),
        ];
        for (text, expected) in notes {
            assert_eq!(is_note(text), expected, "{text}");
        }
        let names = [
            ("附件1.XLS", "xls"),
            ("/attach/2025/4/10/a.xlsx?v=2#top", "xlsx"),
            ("pdf", "pdf"),
            ("C:\\docs\\报告.docx", "docx"),
            ("", ""),
        ];
        for (name, expected) in names {
            assert_eq!(extension_of(name), expected, "{name}");
        }
    }

    #[test]
    fn docx_paragraphs_and_tables() {
        let docx = build_docx(
            "<w:p><w:r><w:t>周村区政府信息公开申请表</w:t></w:r></w:p>\
             <w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"420\"/></w:tabs></w:pPr>\
             <w:r><w:t xml:space=\"preserve\">A &amp; B</w:t><w:tab/><w:t>C</w:t></w:r>\
             <w:r><w:instrText>PAGE</w:instrText></w:r></w:p>\
             <w:tbl><w:tr><w:trPr><w:tblHeader/></w:trPr><w:tc><w:p><w:r><w:t>姓名</w:t></w:r></w:p></w:tc>\
             <w:tc><w:p><w:r><w:t>联系电话</w:t></w:r></w:p></w:tc></w:tr>\
             <w:tr><w:tc><w:p><w:r><w:t>张三</w:t></w:r></w:p></w:tc>\
             <w:tc><w:p><w:r><w:t>0533-1234567</w:t></w:r></w:p></w:tc></w:tr></w:tbl>\
             <w:p><mc:AlternateContent><mc:Choice><w:r><w:t>框内</w:t></w:r></mc:Choice>\
             <mc:Fallback><w:r><w:t>框内</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>",
        );
        let facts = extract_attachment(&docx, "ysqgksqb.docx");
        assert_eq!(facts.error, None);
        assert_eq!(facts.format, "docx");
        assert_eq!(
            facts.text,
            "周村区政府信息公开申请表\nA & B\tC\n姓名\t联系电话\n张三\t0533-1234567\n框内"
        );
        assert_eq!(
            facts.tables,
            vec![Table {
                headers: strings(&[&["姓名", "联系电话"]]),
                rows: strings(&[&["张三", "0533-1234567"]]),
                source: "docx".to_string(),
            }]
        );
    }

    #[test]
    fn docx_merged_cells_are_spread() {
        let cell = |properties: &str, text: &str| {
            format!("<w:tc><w:tcPr>{properties}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>")
        };
        let body = format!(
            "<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}{}</w:tr><w:tr>{}{}{}</w:tr></w:tbl>",
            cell("<w:vMerge w:val=\"restart\"/>", "类别"),
            cell("<w:gridSpan w:val=\"2\"/>", "金额"),
            cell("<w:vMerge/>", ""),
            cell("", "预算"),
            cell("", "决算"),
            cell("", "教育"),
            cell("", "12"),
            cell("", "13"),
        );
        let facts = extract_attachment(&build_docx(&body), "a.docx");
        let table = facts.tables.first().expect("one table");
        assert_eq!(
            table.headers,
            strings(&[&["类别", "金额", "金额"], &["类别", "预算", "决算"]])
        );
        assert_eq!(table.rows, strings(&[&["教育", "12", "13"]]));
    }

    #[test]
    fn csv_and_txt_are_read_as_text() {
        let csv = "日期,监测点,AQI\r\n2025-03-01,\"城区,东\",52\r\n2025-03-02,\"说\"\"明\"\"\",48\r\n\r\n";
        let facts = extract_attachment(csv.as_bytes(), "kqzl.csv");
        assert_eq!((facts.format.as_str(), facts.error.as_deref()), ("csv", None));
        let table = facts.tables.first().expect("one table");
        assert_eq!(table.headers, strings(&[&["日期", "监测点", "AQI"]]));
        assert_eq!(
            table.rows,
            strings(&[&["2025-03-01", "城区,东", "52"], &["2025-03-02", "说\"明\"", "48"]])
        );
        let gbk = encoding_rs::GBK.encode("周村区政务公开工作要点（全文）").0.into_owned();
        let facts = extract_attachment(&gbk, "yd.txt");
        assert_eq!(facts.format, "txt");
        assert!(facts.text.contains("政务公开工作要点"), "{facts:?}");
        assert!(facts.tables.is_empty() && facts.text_reliable);
    }

    #[test]
    fn zip_archives_list_their_entries() {
        let zip = build_zip(&[("征求意见稿.txt", "x"), ("起草说明.txt", "y")]);
        let facts = extract_attachment(&zip, "tcssgl_zqyjg.zip");
        assert_eq!(
            (facts.format.as_str(), facts.text.as_str(), facts.error),
            ("zip", "征求意见稿.txt\n起草说明.txt", None)
        );
        let gbk_name = encoding_rs::GBK.encode("附件.txt").0.into_owned();
        assert_eq!(decode_zip_name(&gbk_name), "附件.txt");
    }

    #[test]
    fn broken_or_mislabelled_files_are_errors_not_panics() {
        let garbage: &[u8] = b"\x00\x01garbage bytes that are nothing in particular \xff\xfe";
        let ole_magic = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        let mut ole_doc = ole_magic.clone();
        ole_doc.extend_from_slice(&[0u8; 64]);
        ole_doc.extend("WordDocument\0".encode_utf16().flat_map(u16::to_le_bytes));
        let mut ole_garbage = ole_magic;
        ole_garbage.extend_from_slice(&[0x41u8; 600]);
        let mut broken_zip = b"PK\x03\x04".to_vec();
        broken_zip.extend_from_slice(&[0x13u8; 100]);
        let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
            ("a.pdf", garbage.to_vec(), "pdf", "not a PDF"),
            ("a.pdf", b"%PDF-1.7\n1 0 obj".to_vec(), "pdf", "PDF"),
            ("a.xlsx", garbage.to_vec(), "xlsx", "not a spreadsheet"),
            ("a.xls", garbage.to_vec(), "xls", "not a spreadsheet"),
            ("a.et", garbage.to_vec(), "et", "not a spreadsheet"),
            ("a.docx", garbage.to_vec(), "docx", "not a Word document"),
            ("a.doc", garbage.to_vec(), "doc", "not a Word document"),
            ("a.wps", garbage.to_vec(), "wps", "not a Word document"),
            ("a.zip", garbage.to_vec(), "zip", "not a zip archive"),
            ("a.rar", garbage.to_vec(), "rar", "not a RAR archive"),
            ("a.bin", garbage.to_vec(), "unknown", "unrecognised"),
            ("a.xls", Vec::new(), "xls", "empty file"),
            ("a.doc", ole_doc, "doc", "legacy Word binary is not parsed"),
            ("a.xls", ole_garbage.clone(), "xls", "unreadable xls"),
            ("a.bin", ole_garbage, "unknown", "OLE2"),
            ("a.xlsx", broken_zip.clone(), "xlsx", "unreadable xlsx"),
            ("a.zip", broken_zip, "zip", "unreadable zip"),
            ("a.docx", build_zip(&[("readme.txt", "x")]), "zip", ""),
            (
                "a.xls",
                b"<html><body><table><tr><td>1</td></tr></table>".to_vec(),
                "xls",
                "HTML page",
            ),
            ("a.doc", b"{\\rtf1 hello}".to_vec(), "doc", "RTF"),
            (
                "a.xlsx",
                build_zip(&[("xl/workbook.xml", "<workbook")]),
                "xlsx",
                "unreadable xlsx",
            ),
            (
                "a.docx",
                build_zip(&[("word/document.xml", "<w:document><w:p><w:t>半截")]),
                "docx",
                "",
            ),
        ];
        for (name, bytes, format, error) in cases {
            let facts = extract_attachment(&bytes, name);
            assert_eq!(facts.format, format, "{name}: {facts:?}");
            match error {
                "" => assert!(facts.error.is_none() || facts.format == "docx", "{name}: {facts:?}"),
                error => {
                    let message = facts.error.unwrap_or_default();
                    assert!(message.contains(error), "{name}: {message:?} lacks {error:?}");
                }
            }
        }
        let mut encrypted = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        encrypted.extend("EncryptedPackage\0".encode_utf16().flat_map(u16::to_le_bytes));
        let facts = extract_attachment(&encrypted, "预算.xlsx");
        assert_eq!(facts.format, "xlsx");
        assert!(facts.error.unwrap_or_default().starts_with("password-protected"));
        let rar = extract_attachment(b"Rar!\x1a\x07\x01\x00rest", "x");
        assert_eq!((rar.format.as_str(), rar.error), ("rar", None));
    }

    #[test]
    fn fixture_attachments() {
        let fee = extract_attachment(
            include_bytes!("../../fixtures/site/attach/2025/4/10/xzsyxsfml2025.xlsx"),
            "xlsx",
        );
        let table = fee.tables.first().expect("one sheet");
        assert_eq!(table.source, "xlsx:收费目录");
        assert_eq!(table.headers, strings(&[&["序号", "项目名称", "政策依据", "执收部门"]]));
        assert_eq!(table.rows.len(), 5);
        assert_eq!(
            table.rows.first().and_then(|row| row.get(..2)),
            Some(&["1".to_string(), "不动产登记费".to_string()][..])
        );

        let budget = extract_attachment(
            include_bytes!("../../fixtures/site/attach/2025/2/6/zcq2025ys.xlsx"),
            "zcq2025ys.xlsx",
        );
        let table = budget.tables.first().expect("one sheet");
        assert_eq!(
            table.headers,
            strings(&[&["功能分类科目编码", "科目名称", "预算数（万元）"]])
        );
        assert!(
            table
                .rows
                .iter()
                .any(|row| row.get(1).is_some_and(|name| name == "教育支出"))
        );
        assert!(
            budget.text.lines().any(|line| line.starts_with("205\t教育支出\t")),
            "{}",
            budget.text
        );

        let form = extract_attachment(
            include_bytes!("../../fixtures/site/attach/2025/2/20/ysqgksqb.docx"),
            "docx",
        );
        assert_eq!((form.format.as_str(), form.error.as_deref()), ("docx", None));
        assert!(
            form.text.starts_with("周村区政府信息公开申请表\n申请人信息"),
            "{}",
            form.text
        );

        let archive = extract_attachment(
            include_bytes!("../../fixtures/site/attach/2025/4/18/tcssgl_zqyjg.zip"),
            "zip",
        );
        assert_eq!(
            archive.text,
            "周村区城区停车设施建设管理办法（征求意见稿）.txt\n起草说明.txt"
        );

        let report = extract_attachment(
            include_bytes!("../../fixtures/site/attach/2025/3/28/zcq2024nb.pdf"),
            "pdf",
        );
        assert_eq!(
            (report.format.as_str(), report.pages, report.text_reliable),
            ("pdf", Some(1), true)
        );
        assert!(report.text.contains("三、收到和处理政府信息公开申请情况"));
    }

    /// Deterministic mutations of every fixture kind: flipped bytes, truncations, spliced
    /// garbage. Nothing may panic or hang; errors are fine.
    #[test]
    fn mutated_attachments_never_panic() {
        let seeds: &[(&str, &[u8])] = &[
            (
                "pdf",
                include_bytes!("../../fixtures/site/attach/2025/3/28/zcq2024nb.pdf"),
            ),
            (
                "pdf",
                include_bytes!("../../fixtures/site/attach/2023/4/11/zfgb2023_1.pdf"),
            ),
            (
                "xlsx",
                include_bytes!("../../fixtures/site/attach/2025/4/10/zfxjjml2025.xlsx"),
            ),
            (
                "docx",
                include_bytes!("../../fixtures/site/attach/2025/4/18/yjfkb.docx"),
            ),
            (
                "zip",
                include_bytes!("../../fixtures/site/attach/2025/4/18/tcssgl_zqyjg.zip"),
            ),
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |bound: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(state >> 33).unwrap_or(0) % bound.max(1)
        };
        for (extension, seed) in seeds {
            for round in 0..150 {
                let mut bytes = seed.to_vec();
                match round % 3 {
                    0 => {
                        for _ in 0..1 + next(8) {
                            let at = next(bytes.len());
                            if let Some(byte) = bytes.get_mut(at) {
                                *byte ^= 1 << next(8);
                            }
                        }
                    }
                    1 => bytes.truncate(next(bytes.len())),
                    _ => {
                        let at = next(bytes.len());
                        let junk: Vec<u8> = (0..next(64)).map(|_| u8::try_from(next(256)).unwrap_or(0)).collect();
                        bytes.splice(at..at, junk);
                    }
                }
                let facts = extract_attachment(&bytes, extension);
                assert!(!facts.format.is_empty());
            }
        }
    }
}
