//! The one table model for HTML tables and attachment sheets: header rows and body rows as
//! plain text, with rowspan/colspan already spread into every cell they cover, so a
//! 预决算 table inside an .xls is checked exactly like an HTML table.
//!
//! HTML tables are read here too ([`read_html_tables`]): only data tables count, so layout,
//! form, list, metadata and footer tables are left out (a footer's 联系电话 table is the site's
//! contact block, fixture `fixtures/pages/gen_footer_phone_table.html`).

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use serde::Serialize;

use super::dates;
use super::flatten::{element_text, looks_like_footer};

#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Table {
    /// Header rows (usually one; two when a header has grouped columns).
    pub headers: Vec<Vec<String>>,
    pub rows: Vec<Vec<String>>,
    /// Where the table came from: `html`, `xlsx:Sheet1`, `docx` …
    pub source: String,
}

static SEL_TABLE: LazyLock<Selector> = LazyLock::new(|| Selector::parse("table").expect("static selector"));
static SEL_TR: LazyLock<Selector> = LazyLock::new(|| Selector::parse("tr").expect("static selector"));
static SEL_CELL: LazyLock<Selector> = LazyLock::new(|| Selector::parse("td, th").expect("static selector"));
static SEL_A: LazyLock<Selector> = LazyLock::new(|| Selector::parse("a[href]").expect("static selector"));
static SEL_FIELD: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("input, select, textarea").expect("static selector"));

/// Words only a site footer has: registration numbers and copyright.
fn has_registration_words(text: &str) -> bool {
    [
        "网站标识码",
        "ICP备",
        "ICP证",
        "公网安备",
        "版权所有",
        "Copyright",
        "COPYRIGHT",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// A site's 「主办单位：… 电话：…」 block: the owner with a colon (a 主办单位 column header of
/// an events table has none) and a contact.
fn has_owner_and_contact(text: &str) -> bool {
    let has_owner = ["主办单位：", "主办单位:", "主办：", "主办:", "承办单位：", "承办："]
        .iter()
        .any(|m| text.contains(m));
    has_owner && ["电话", "地址", "邮编", "传真"].iter().any(|m| text.contains(m))
}

/// Longest ancestor text (bytes) searched for footer words: a footer block is short, the page
/// body is not (and `element_text` stops at 4,000 bytes).
const FOOTER_BLOCK_BYTES: usize = 3000;

/// A table inside the page footer: a footer-marked ancestor (`#footer`, `.foot`, `.bottom` …),
/// a short enclosing block with the site's registration words, or a table that is itself the
/// site's 主办单位/电话 block.
fn is_in_footer(table: ElementRef) -> bool {
    if looks_like_footer(table.value()) {
        return true;
    }
    let mut blocks = 0;
    for ancestor in table.ancestors().filter_map(ElementRef::wrap) {
        if looks_like_footer(ancestor.value()) {
            return true;
        }
        if blocks < 3 && !matches!(ancestor.value().name(), "body" | "html") {
            blocks += 1;
            let text = element_text(ancestor);
            if text.len() <= FOOTER_BLOCK_BYTES && has_registration_words(&text) {
                return true;
            }
        }
    }
    let text = element_text(table);
    has_registration_words(&text) || has_owner_and_contact(&text)
}

/// Cells a table may expand to; beyond this a table is cut (hostile colspans).
const MAX_TABLE_CELLS: usize = 200_000;

/// The data tables of a page: no layout tables (tables holding tables, footers, the site's
/// 主办单位/电话 block), no forms, no link lists, no 信息公开 metadata blocks.
pub fn read_html_tables(html: &Html) -> Vec<Table> {
    let mut tables = Vec::new();
    for table in html.select(&SEL_TABLE) {
        if table.select(&SEL_TABLE).nth(1).is_some() || table.select(&SEL_FIELD).next().is_some() {
            continue; // a layout table holding other tables, or a form laid out in a table
        }
        if is_in_footer(table) {
            continue; // 联系电话 and 主办单位 tables of the page footer
        }
        let rows_with_links = table
            .select(&SEL_TR)
            .filter(|tr| tr.select(&SEL_A).next().is_some())
            .count();
        let row_count = table.select(&SEL_TR).count();
        if row_count > 0 && rows_with_links * 2 > row_count {
            continue; // a list or navigation laid out as a table
        }
        let mut grid: Vec<Vec<Option<String>>> = Vec::new();
        let mut header_rows = 0usize;
        let mut cells_total = 0usize;
        for (r, tr) in table.select(&SEL_TR).enumerate() {
            if r >= grid.len() {
                grid.push(Vec::new());
            }
            let in_thead = tr
                .parent()
                .and_then(ElementRef::wrap)
                .is_some_and(|p| p.value().name() == "thead");
            let cells: Vec<ElementRef> = tr
                .select(&SEL_CELL)
                .filter(|c| c.parent().map(|p| p.id()) == Some(tr.id()))
                .collect();
            if (in_thead || (!cells.is_empty() && cells.iter().all(|c| c.value().name() == "th"))) && header_rows == r {
                header_rows += 1;
            }
            let mut col = 0usize;
            for cell in cells {
                while grid[r].get(col).is_some_and(Option::is_some) {
                    col += 1;
                }
                let span = |name: &str, max: usize| {
                    cell.value()
                        .attr(name)
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(1)
                        .clamp(1, max)
                };
                let (rowspan, colspan) = (span("rowspan", 500), span("colspan", 100));
                let text = element_text(cell);
                for dr in 0..rowspan {
                    while grid.len() <= r + dr {
                        grid.push(Vec::new());
                    }
                    for dc in 0..colspan {
                        let row = &mut grid[r + dr];
                        while row.len() <= col + dc {
                            row.push(None);
                        }
                        row[col + dc] = Some(text.clone());
                        cells_total += 1;
                    }
                }
                col += colspan;
                if cells_total > MAX_TABLE_CELLS {
                    break;
                }
            }
            if cells_total > MAX_TABLE_CELLS {
                break;
            }
        }
        let rows: Vec<Vec<String>> = grid
            .into_iter()
            .map(|row| row.into_iter().map(Option::unwrap_or_default).collect::<Vec<_>>())
            .filter(|row| row.iter().any(|c| !c.is_empty()))
            .collect();
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        if rows.len() < 2 || width < 2 {
            continue;
        }
        let joined: String = rows.iter().flatten().map(String::as_str).collect();
        let metadata_labels = ["索引号", "成文日期", "发布机构", "发文机关", "主题分类"]
            .iter()
            .filter(|l| joined.contains(*l))
            .count();
        if metadata_labels >= 2 {
            continue; // the 信息公开 metadata block, read as fields instead
        }
        if header_rows == 0 {
            let first = &rows[0];
            let is_header = first.iter().filter(|c| !c.is_empty()).count() >= 2
                && first
                    .iter()
                    .all(|c| c.chars().count() <= 40 && dates::find_dates(c).is_empty() && c.parse::<f64>().is_err());
            if is_header {
                header_rows = 1;
            }
        }
        if header_rows == 0 && width <= 2 {
            continue; // label/value layout, not a data table
        }
        // A grouped header (收入 | 收入 | 支出 | 支出 over 项目 | 决算数 …) spans two rows.
        if header_rows == 1 && rows.len() > 2 {
            let first = &rows[0];
            let has_groups = first.windows(2).any(|w| !w[0].is_empty() && w[0] == w[1]);
            let second_is_text = rows[1]
                .iter()
                .all(|c| c.chars().count() <= 40 && c.parse::<f64>().is_err() && dates::find_dates(c).is_empty());
            if has_groups && second_is_text && rows[1].iter().any(|c| !c.is_empty()) {
                header_rows = 2;
            }
        }
        let header_rows = header_rows.min(rows.len() - 1);
        let (headers, body) = rows.split_at(header_rows);
        tables.push(Table {
            headers: headers.to_vec(),
            rows: body.to_vec(),
            source: "html".to_string(),
        });
    }
    tables
}
