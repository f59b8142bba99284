//! The evidence package (`zwgk export`): every fetch a verdict cites, and the robots.txt files,
//! as WARC/1.1 records with one gzip member per record, a CDXJ index, the verdicts, a manifest
//! of SHA-256 sums and a Chinese 说明.txt. Deterministic: the same run exports to the same bytes.
//!
//! (Being written: see `export_run`.)
