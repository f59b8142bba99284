//! Extraction: pure functions from page bytes (and the URL and headers they came with) to facts.
//! Nothing here does I/O or reads the clock.
//!
//! `kind` decides page or attachment (for the crawler and `inspect` too); `page` reads a page
//! with `flatten`, `metadata`, `page_dates`, `contacts`, `table` and `script`; `attachment`
//! (with `pdf`) reads documents; `clean` strips control characters from every fact.

pub mod attachment;
pub mod clean;
mod contacts;
pub mod dates;
pub mod encoding;
mod flatten;
pub mod kind;
mod metadata;
pub mod page;
mod page_dates;
pub mod pdf;
pub mod profile;
pub mod script;
pub mod table;
