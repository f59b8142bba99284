//! The tables of a task-table file: every sheet of an .xlsx, every top-level `<w:tbl>` of a
//! .docx, as rows of cells with their merged cells spread.
//!
//! In: the file's bytes. Out: [`SourceTable`]s whose cells say where their text comes from:
//! the cell itself, the merged cell above (xlsx merge, docx `w:vMerge` continue) or the one to
//! the left (xlsx merge, docx `w:gridSpan`, legacy `w:hMerge`). Line breaks inside a cell are
//! kept (`\n`): a 责任单位 cell often lists one unit per line.
//!
//! This reader is separate from `extract::attachment` on purpose: that one joins a cell's
//! lines and drops where a copy came from, both of which the importer needs.
//!
//! Must not: panic on any input (calamine runs under `catch_unwind`), or spend unbounded work:
//! the input, each zip part, rows, columns, merges and cell text are capped.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, Reader, Xlsx};
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use super::ImportError;

/// Rows kept per table (a task table has a few hundred).
pub(super) const MAX_ROWS: usize = 20_000;
/// Columns kept per row; cells further right are ignored.
pub(super) const MAX_COLUMNS: usize = 64;
/// Characters kept per cell.
const MAX_CELL_CHARS: usize = 10_000;
/// Tables (sheets, `<w:tbl>`) read per file.
const MAX_TABLES: usize = 200;
/// Merged regions applied per sheet, and cells they may fill.
const MAX_MERGES: usize = 20_000;
const MAX_MERGE_COPIES: usize = 2_000_000;
/// Uncompressed size of one zip part (zip-bomb guard; calamine reads shared strings whole).
const MAX_PART_BYTES: u64 = 128 * 1024 * 1024;

/// Where a cell's text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    Own,
    /// A copy of the merged cell above.
    Above,
    /// A copy of the merged cell to the left.
    Left,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cell {
    /// Lines trimmed, empty lines dropped, joined by `\n`.
    pub text: String,
    pub origin: Origin,
}

impl Cell {
    #[cfg(test)]
    pub fn own(text: &str) -> Cell {
        Cell {
            text: clean(text),
            origin: Origin::Own,
        }
    }

    fn empty() -> Cell {
        Cell {
            text: String::new(),
            origin: Origin::Own,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Row {
    /// 1-based: the sheet's row number, or the row's place in the docx table.
    pub number: usize,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone)]
pub(super) struct SourceTable {
    /// 「sheet `Sheet1`」 or 「table 2」, for messages.
    pub name: String,
    pub rows: Vec<Row>,
    /// The last paragraph before a docx table (its caption, 「政务公开工作任务分工表」).
    pub caption: Option<String>,
    /// Why the table was cut short, if it was.
    pub truncated: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Xlsx,
    Docx,
}

/// Reads every table of an .xlsx or .docx; the content decides, not the file name.
pub(super) fn read_tables(bytes: &[u8], file: &str) -> Result<Vec<SourceTable>, ImportError> {
    match kind(bytes, file)? {
        Kind::Xlsx => read_xlsx(bytes, file),
        Kind::Docx => read_docx(bytes, file),
    }
}

fn kind(bytes: &[u8], file: &str) -> Result<Kind, ImportError> {
    let unsupported = |what: &str| ImportError::Unsupported {
        file: file.to_string(),
        what: what.to_string(),
    };
    if bytes.is_empty() {
        return Err(ImportError::Empty { file: file.to_string() });
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        // An encrypted .xlsx/.docx is an OLE2 file holding the encrypted package.
        return Err(if has_ole_stream(bytes, "EncryptedPackage") {
            ImportError::Encrypted { file: file.to_string() }
        } else if has_ole_stream(bytes, "WordDocument") {
            ImportError::Legacy {
                file: file.to_string(),
                kind: "Word 97–2003 .doc",
            }
        } else if has_ole_stream(bytes, "Workbook") || has_ole_stream(bytes, "Book") {
            ImportError::Legacy {
                file: file.to_string(),
                kind: "Excel 97–2003 .xls",
            }
        } else {
            unsupported("an OLE2 compound file that is neither a workbook nor a Word document")
        });
    }
    if bytes.starts_with(b"%PDF") {
        return Err(unsupported("a PDF: open the original Word or Excel file instead"));
    }
    if !bytes.starts_with(b"PK") {
        return Err(unsupported("neither a zip-based Office file nor a legacy Office file"));
    }
    let archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| ImportError::Corrupt {
        file: file.to_string(),
        problem: format!("the zip container is damaged: {e}"),
    })?;
    let has = |name: &str| archive.file_names_raw().any(|n| n == name.as_bytes());
    if has("word/document.xml") {
        Ok(Kind::Docx)
    } else if has("xl/workbook.xml") {
        Ok(Kind::Xlsx)
    } else {
        Err(unsupported(
            "a zip archive without `word/document.xml` or `xl/workbook.xml`",
        ))
    }
}

/// Whether an OLE2 directory names the stream: names are UTF-16LE, NUL-terminated.
fn has_ole_stream(bytes: &[u8], name: &str) -> bool {
    let needle: Vec<u8> = name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
    bytes.windows(needle.len()).any(|window| window == needle.as_slice())
}

/// Trims each line (and ideographic spaces), drops empty lines and zero-width characters,
/// and caps the length.
fn clean(raw: &str) -> String {
    let lines: Vec<&str> = raw
        .split(['\n', '\r', '\u{000B}'])
        .map(|line| line.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}')))
        .filter(|line| !line.is_empty())
        .collect();
    let text: String = lines.join("\n").replace(['\u{200B}', '\u{FEFF}'], "");
    match text.char_indices().nth(MAX_CELL_CHARS) {
        Some((end, _)) => text[..end].to_string(),
        None => text,
    }
}

/// Refuses a zip whose parts declare more than [`MAX_PART_BYTES`] uncompressed.
fn check_part_sizes(bytes: &[u8], file: &str) -> Result<(), ImportError> {
    let corrupt = |problem: String| ImportError::Corrupt {
        file: file.to_string(),
        problem,
    };
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt(format!("the zip container is damaged: {e}")))?;
    for index in 0..archive.len() {
        let part = archive
            .by_index_raw(index)
            .map_err(|e| corrupt(format!("the zip container is damaged: {e}")))?;
        if part.size() > MAX_PART_BYTES {
            return Err(ImportError::TooLarge {
                file: file.to_string(),
                what: format!(
                    "its part `{}` unpacks to {} bytes (at most {} MB)",
                    String::from_utf8_lossy(part.name_raw()),
                    part.size(),
                    MAX_PART_BYTES / 1024 / 1024
                ),
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------- xlsx

fn read_xlsx(bytes: &[u8], file: &str) -> Result<Vec<SourceTable>, ImportError> {
    check_part_sizes(bytes, file)?;
    match catch_unwind(AssertUnwindSafe(|| xlsx_tables(bytes))) {
        Ok(Ok(tables)) => Ok(tables),
        Ok(Err(e)) => Err(ImportError::Corrupt {
            file: file.to_string(),
            problem: format!("the workbook is damaged: {e}"),
        }),
        Err(_) => Err(ImportError::Corrupt {
            file: file.to_string(),
            problem: "the workbook is damaged: the reader failed on malformed data".to_string(),
        }),
    }
}

fn xlsx_tables(bytes: &[u8]) -> Result<Vec<SourceTable>, calamine::XlsxError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes))?;
    let mut tables = Vec::new();
    for name in workbook.sheet_names().into_iter().take(MAX_TABLES) {
        let mut cells: BTreeMap<(u32, u32), String> = BTreeMap::new();
        let mut truncated = None;
        let mut reader = workbook.worksheet_cells_reader(&name)?;
        let mut first_row = None;
        loop {
            let cell = match reader.next_cell() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(e) => {
                    truncated = Some(format!("read in part: {e}"));
                    break;
                }
            };
            let (row, column) = cell.get_position();
            let first = *first_row.get_or_insert(row);
            if row.saturating_sub(first) as usize >= MAX_ROWS {
                truncated = Some(format!("cut at {MAX_ROWS} rows"));
                break;
            }
            if column as usize >= MAX_COLUMNS {
                continue;
            }
            let text = match cell.get_value() {
                DataRef::String(text) => clean(text),
                DataRef::SharedString(text) => clean(text),
                DataRef::Int(n) => n.to_string(),
                DataRef::Float(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
                DataRef::Float(n) => n.to_string(),
                DataRef::Bool(b) => b.to_string(),
                DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => clean(text),
                DataRef::DateTime(_) | DataRef::Error(_) | DataRef::Empty => String::new(),
            };
            if !text.is_empty() {
                cells.insert((row, column), text);
            }
        }
        drop(reader);
        let merges = workbook.merge_cells_by_sheet_name(&name).unwrap_or_default();
        let rows = sheet_rows(&cells, &merges);
        tables.push(SourceTable {
            name: format!("sheet `{name}`"),
            rows,
            caption: None,
            truncated: truncated.map(|why| format!("sheet `{name}` {why}")),
        });
    }
    Ok(tables)
}

/// Rows from the first used row to the last, blank ones included, merges spread.
fn sheet_rows(cells: &BTreeMap<(u32, u32), String>, merges: &[calamine::Dimensions]) -> Vec<Row> {
    let (Some(&(first, _)), Some(&(last, _))) = (cells.keys().next(), cells.keys().next_back()) else {
        return Vec::new();
    };
    let mut rows: Vec<Row> = (first..=last)
        .map(|row| Row {
            number: row as usize + 1,
            cells: Vec::new(),
        })
        .collect();
    for (&(row, column), text) in cells {
        let Some(target) = rows.get_mut((row - first) as usize) else {
            continue;
        };
        let column = column as usize;
        if target.cells.len() <= column {
            target.cells.resize(column + 1, Cell::empty());
        }
        target.cells[column] = Cell {
            text: text.clone(),
            origin: Origin::Own,
        };
    }
    let mut copies = 0usize;
    'merges: for merge in merges.iter().take(MAX_MERGES) {
        let (start, end) = (merge.start, merge.end);
        let Some(origin) = cells.get(&start) else { continue };
        if start.0 > end.0 || start.1 > end.1 || start.0 < first {
            continue;
        }
        for row in start.0..=end.0.min(last) {
            for column in start.1..=end.1.min(MAX_COLUMNS as u32 - 1) {
                if (row, column) == start {
                    continue;
                }
                copies += 1;
                if copies > MAX_MERGE_COPIES {
                    break 'merges;
                }
                let Some(target) = rows.get_mut((row - first) as usize) else {
                    continue;
                };
                let column = column as usize;
                if target.cells.len() <= column {
                    target.cells.resize(column + 1, Cell::empty());
                }
                if target.cells[column].text.is_empty() {
                    target.cells[column] = Cell {
                        text: origin.clone(),
                        origin: if row > start.0 { Origin::Above } else { Origin::Left },
                    };
                }
            }
        }
    }
    rows
}

// ---------------------------------------------------------------------------------- docx

fn read_docx(bytes: &[u8], file: &str) -> Result<Vec<SourceTable>, ImportError> {
    check_part_sizes(bytes, file)?;
    let corrupt = |problem: String| ImportError::Corrupt {
        file: file.to_string(),
        problem,
    };
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt(format!("the zip container is damaged: {e}")))?;
    let part = archive
        .by_name("word/document.xml")
        .map_err(|e| corrupt(format!("`word/document.xml` cannot be opened: {e}")))?;
    let mut xml = Vec::new();
    part.take(MAX_PART_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|e| corrupt(format!("`word/document.xml` is damaged: {e}")))?;
    if xml.len() as u64 > MAX_PART_BYTES {
        return Err(ImportError::TooLarge {
            file: file.to_string(),
            what: format!("`word/document.xml` is over {} MB", MAX_PART_BYTES / 1024 / 1024),
        });
    }
    parse_document(&xml).map_err(corrupt)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Merge {
    #[default]
    None,
    Restart,
    Continue,
}

/// A `<w:tc>` being read.
#[derive(Debug, Default)]
struct DocxCell {
    lines: Vec<String>,
    span: usize,
    vertical: Merge,
    horizontal: Merge,
}

/// A top-level `<w:tbl>` being read.
#[derive(Debug, Default)]
struct DocxTable {
    rows: Vec<Row>,
    row: Vec<DocxCell>,
    grid_before: usize,
    cell: Option<DocxCell>,
    caption: Option<String>,
    truncated: Option<String>,
}

impl DocxTable {
    /// Lays the finished `<w:tr>` on the grid: `gridBefore` leaves empty cells, `gridSpan`
    /// copies to the right, `vMerge` continue copies the cell above.
    fn finish_row(&mut self) {
        let cells = std::mem::take(&mut self.row);
        let grid_before = std::mem::take(&mut self.grid_before);
        if self.rows.len() >= MAX_ROWS {
            self.truncated = Some(format!("cut at {MAX_ROWS} rows"));
            return;
        }
        let mut grid: Vec<Cell> = vec![Cell::empty(); grid_before.min(MAX_COLUMNS)];
        for cell in cells {
            let column = grid.len();
            if column >= MAX_COLUMNS {
                break;
            }
            let span = cell.span.clamp(1, MAX_COLUMNS - column);
            let above = self
                .rows
                .last()
                .and_then(|row| row.cells.get(column))
                .map(|c| c.text.clone());
            let left = grid.last().map(|c| c.text.clone());
            let (text, origin) = match (cell.vertical, cell.horizontal) {
                (Merge::Continue, _) => (above.unwrap_or_default(), Origin::Above),
                (_, Merge::Continue) => (left.unwrap_or_default(), Origin::Left),
                _ => (clean(&cell.lines.join("\n")), Origin::Own),
            };
            for offset in 0..span {
                let origin = if offset == 0 || origin == Origin::Above {
                    origin
                } else {
                    Origin::Left
                };
                grid.push(Cell {
                    text: text.clone(),
                    origin,
                });
            }
        }
        let number = self.rows.len() + 1;
        self.rows.push(Row { number, cells: grid });
    }
}

fn attribute(element: &BytesStart<'_>, local_name: &[u8]) -> Option<String> {
    element.attributes().with_checks(false).flatten().find_map(|attribute| {
        let key = attribute.key.as_ref();
        let local = key.rsplit(|&byte| byte == b':').next().unwrap_or(key);
        (local == local_name).then(|| String::from_utf8_lossy(&attribute.value).into_owned())
    })
}

fn merge_value(element: &BytesStart<'_>) -> Merge {
    match attribute(element, b"val").as_deref() {
        Some("restart") => Merge::Restart,
        _ => Merge::Continue,
    }
}

/// Reads `word/document.xml`: text from `<w:t>` (tabs as spaces, breaks as new lines), one
/// line per paragraph, tables from top-level `<w:tbl>`; a table nested in a cell gives its
/// text to that cell. Deleted text and `mc:Fallback` copies are skipped.
pub(super) fn parse_document(xml: &[u8]) -> Result<Vec<SourceTable>, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    let mut buffer = Vec::new();
    let mut tables: Vec<SourceTable> = Vec::new();
    let mut table: Option<DocxTable> = None;
    let mut depth = 0usize;
    let mut paragraph: Option<String> = None;
    let mut last_paragraph: Option<String> = None;
    let mut in_text = false;
    let mut fallback = 0usize;
    loop {
        buffer.clear();
        let event = match reader.read_event_into(&mut buffer) {
            Ok(Event::Eof) => break,
            Ok(event) => event,
            Err(e) => {
                if tables.is_empty() && table.is_none() {
                    return Err(format!("`word/document.xml` is not well-formed XML: {e}"));
                }
                // Tables read before the damage still count.
                break;
            }
        };
        match event {
            Event::Start(element) => match element.local_name().as_ref() {
                b"Fallback" => fallback += 1,
                _ if fallback > 0 => {}
                b"tbl" => {
                    depth += 1;
                    if depth == 1 {
                        table = Some(DocxTable {
                            caption: last_paragraph.take(),
                            ..DocxTable::default()
                        });
                    }
                }
                b"tc" if depth == 1 => {
                    if let Some(table) = table.as_mut() {
                        table.cell = Some(DocxCell {
                            span: 1,
                            ..DocxCell::default()
                        });
                    }
                }
                b"p" => paragraph = Some(String::new()),
                b"t" => in_text = true,
                _ => property(&element, depth, table.as_mut()),
            },
            Event::Empty(element) => match element.local_name().as_ref() {
                _ if fallback > 0 => {}
                b"tab" => push(&mut paragraph, " "),
                b"br" | b"cr" => push(&mut paragraph, "\n"),
                _ => property(&element, depth, table.as_mut()),
            },
            Event::End(element) => match element.local_name().as_ref() {
                b"Fallback" => fallback = fallback.saturating_sub(1),
                _ if fallback > 0 => {}
                b"t" => in_text = false,
                b"p" => {
                    let line = paragraph.take().unwrap_or_default();
                    match table.as_mut().and_then(|t| t.cell.as_mut()) {
                        Some(cell) => cell.lines.push(line),
                        None if depth == 0 => {
                            let line = clean(&line);
                            if !line.is_empty() && line.chars().count() <= 100 {
                                last_paragraph = Some(line);
                            }
                        }
                        None => {}
                    }
                }
                b"tc" if depth == 1 => {
                    if let Some(table) = table.as_mut()
                        && let Some(cell) = table.cell.take()
                    {
                        table.row.push(cell);
                    }
                }
                b"tr" if depth == 1 => {
                    if let Some(table) = table.as_mut() {
                        table.finish_row();
                    }
                }
                b"tbl" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0
                        && let Some(done) = table.take()
                        && tables.len() < MAX_TABLES
                    {
                        tables.push(SourceTable {
                            name: format!("table {}", tables.len() + 1),
                            rows: done.rows,
                            caption: done.caption,
                            truncated: done.truncated.map(|why| format!("table {} {why}", tables.len() + 1)),
                        });
                    }
                }
                _ => {}
            },
            Event::Text(text) if in_text && fallback == 0 => {
                let decoded = text.xml10_content().map(|c| c.into_owned()).unwrap_or_default();
                push(&mut paragraph, &decoded);
            }
            Event::CData(text) if in_text && fallback == 0 => {
                push(&mut paragraph, &String::from_utf8_lossy(&text));
            }
            Event::GeneralRef(reference) if in_text && fallback == 0 => {
                if let Some(resolved) = crate::extract::attachment::reference_text(&reference) {
                    push(&mut paragraph, &resolved);
                }
            }
            _ => {}
        }
    }
    // A document cut inside a table still gives the rows read.
    if let Some(mut done) = table.take() {
        if let Some(mut cell) = done.cell.take() {
            cell.lines.extend(paragraph.take());
            done.row.push(cell);
        }
        if !done.row.is_empty() {
            done.finish_row();
        }
        tables.push(SourceTable {
            name: format!("table {}", tables.len() + 1),
            rows: done.rows,
            caption: done.caption,
            truncated: Some("the document ends inside the table".to_string()),
        });
    }
    Ok(tables)
}

fn push(paragraph: &mut Option<String>, text: &str) {
    if let Some(paragraph) = paragraph.as_mut()
        && paragraph.len() < MAX_CELL_CHARS * 4
    {
        paragraph.push_str(text);
    }
}

/// `w:gridSpan`, `w:vMerge`, `w:hMerge` of the open cell; `w:gridBefore` of the open row.
fn property(element: &BytesStart<'_>, depth: usize, table: Option<&mut DocxTable>) {
    let Some(table) = table else { return };
    if depth != 1 {
        return;
    }
    match element.local_name().as_ref() {
        b"gridSpan" => {
            if let Some(cell) = table.cell.as_mut() {
                cell.span = attribute(element, b"val").and_then(|v| v.parse().ok()).unwrap_or(1);
            }
        }
        b"vMerge" => {
            if let Some(cell) = table.cell.as_mut() {
                cell.vertical = merge_value(element);
            }
        }
        b"hMerge" => {
            if let Some(cell) = table.cell.as_mut() {
                cell.horizontal = merge_value(element);
            }
        }
        b"gridBefore" if table.cell.is_none() => {
            table.grid_before = attribute(element, b"val").and_then(|v| v.parse().ok()).unwrap_or(0);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(table: &SourceTable) -> Vec<Vec<(String, Origin)>> {
        table
            .rows
            .iter()
            .map(|row| row.cells.iter().map(|c| (c.text.clone(), c.origin)).collect())
            .collect()
    }

    fn cell(properties: &str, text: &str) -> String {
        let paragraphs: String = text
            .split('|')
            .map(|line| format!("<w:p><w:r><w:t xml:space=\"preserve\">{line}</w:t></w:r></w:p>"))
            .collect();
        format!("<w:tc><w:tcPr>{properties}</w:tcPr>{paragraphs}</w:tc>")
    }

    #[test]
    fn docx_merges_are_spread_and_say_where_they_come_from() {
        let xml = format!(
            "<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>附件</w:t></w:r></w:p><w:p><w:r><w:t>任务分工表</w:t></w:r></w:p><w:tbl>\
             <w:tr>{}{}{}</w:tr><w:tr>{}{}{}</w:tr><w:tr><w:trPr><w:gridBefore w:val=\"1\"/></w:trPr>{}{}</w:tr></w:tbl></w:body></w:document>",
            cell("<w:vMerge w:val=\"restart\"/>", "决策公开"),
            cell("<w:gridSpan w:val=\"2\"/>", "是否公开"),
            cell("", "区政府办公室|区财政局"),
            cell("<w:vMerge/>", ""),
            cell("<w:gridSpan w:val=\"2\"/>", "<w:x>二</w:x>是否&amp;解读"),
            cell("<w:vMerge/>", ""),
            cell("<w:gridSpan w:val=\"2\"/><w:vMerge/>", ""),
            cell("<w:hMerge/>", "ignored"),
        );
        let tables = parse_document(xml.as_bytes()).unwrap();
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].caption.as_deref(), Some("任务分工表"));
        let own = |t: &str| (t.to_string(), Origin::Own);
        assert_eq!(
            texts(&tables[0]),
            vec![
                vec![
                    own("决策公开"),
                    own("是否公开"),
                    ("是否公开".to_string(), Origin::Left),
                    own("区政府办公室\n区财政局")
                ],
                vec![
                    ("决策公开".to_string(), Origin::Above),
                    own("二是否&解读"),
                    ("二是否&解读".to_string(), Origin::Left),
                    ("区政府办公室\n区财政局".to_string(), Origin::Above),
                ],
                vec![
                    own(""),
                    ("二是否&解读".to_string(), Origin::Above),
                    ("二是否&解读".to_string(), Origin::Above),
                    ("二是否&解读".to_string(), Origin::Left),
                ],
            ]
        );
    }

    #[test]
    fn xlsx_merges_are_spread_and_blank_rows_kept() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        let format = rust_xlsxwriter::Format::new();
        sheet.merge_range(0, 0, 0, 2, "任务分工表", &format).unwrap();
        sheet.merge_range(1, 0, 2, 0, "决策公开", &format).unwrap();
        sheet.write_string(1, 1, " 是否公开\n").unwrap();
        sheet.write_string(2, 1, "是否解读").unwrap();
        sheet.write_string(4, 2, "区财政局\n区民政局").unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let tables = read_tables(&bytes, "t.xlsx").unwrap();
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].name, "sheet `Sheet1`");
        let rows = texts(&tables[0]);
        assert_eq!(rows.len(), 5, "{rows:?}");
        assert_eq!(rows[0][2], ("任务分工表".to_string(), Origin::Left));
        assert_eq!(rows[1][0], ("决策公开".to_string(), Origin::Own));
        assert_eq!(rows[1][1], ("是否公开".to_string(), Origin::Own));
        assert_eq!(rows[2][0], ("决策公开".to_string(), Origin::Above));
        assert!(rows[3].is_empty());
        assert_eq!(rows[4][2], ("区财政局\n区民政局".to_string(), Origin::Own));
        assert_eq!(tables[0].rows[4].number, 5);
    }

    #[test]
    fn hostile_files_are_errors_not_panics() {
        let zip_of = |name: &str, body: &[u8]| {
            use std::io::Write as _;
            let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
            writer
                .start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(body).unwrap();
            writer.finish().unwrap().into_inner()
        };
        let mut ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        ole.extend("EncryptedPackage\0".encode_utf16().flat_map(u16::to_le_bytes));
        let mut doc = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        doc.extend("WordDocument\0".encode_utf16().flat_map(u16::to_le_bytes));
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (Vec::new(), "is empty"),
            (b"\x00\x01garbage bytes".to_vec(), "not an .xlsx workbook or a .docx"),
            (b"%PDF-1.7".to_vec(), "a PDF"),
            (ole, "password-protected"),
            (doc, "Word 97"),
            (b"PK\x03\x04truncated".to_vec(), "zip container is damaged"),
            (zip_of("notes.txt", b"hello"), "without `word/document.xml`"),
            (zip_of("word/document.xml", b"<w:document><w:body"), "well-formed"),
            (zip_of("xl/workbook.xml", b"<workbook"), "workbook is damaged"),
        ];
        for (bytes, message) in cases {
            let error = read_tables(&bytes, "t.docx").unwrap_err().to_string();
            assert!(error.contains(message), "{message}: {error}");
        }
        // A document cut inside a table keeps the rows read.
        let cut = parse_document(
            b"<w:body><w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:p>",
        )
        .unwrap();
        assert_eq!(cut[0].rows.len(), 2);
        assert!(cut[0].truncated.is_some());
    }
}
