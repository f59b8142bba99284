//! The one table model for HTML tables and attachment sheets: header rows and body rows as
//! plain text, with rowspan/colspan already spread into every cell they cover, so a
//! 预决算 table inside an .xls is checked exactly like an HTML table.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Table {
    /// Header rows (usually one; two when a header has grouped columns).
    pub headers: Vec<Vec<String>>,
    pub rows: Vec<Vec<String>>,
    /// Where the table came from: `html`, `xlsx:Sheet1`, `docx` …
    pub source: String,
}
