//! Extraction: pure functions from page bytes (and the URL and headers they came with) to facts.
//! Nothing here does I/O or reads the clock.

pub mod encoding;
