//! Extraction: pure functions from page bytes (and the URL and headers they came with) to facts.
//! Nothing here does I/O or reads the clock.

pub mod attachment;
pub mod dates;
pub mod encoding;
pub mod page;
pub mod pdf;
pub mod profile;
pub mod table;
