//! Assessment: pure functions from facts, a catalog, a calendar and an as-of date to verdicts.
//! No I/O and no clock: the as-of date is a parameter.
//!
//! - `verdict`: the vocabulary (Status, Outcome, Cite), apart from the rules;
//! - `model`: the site model built once per run (columns, documents, who issued them);
//! - `catalog`: the typed catalog, checked when it loads;
//! - `catalog_import`: a catalog draft from another district's task table (.xlsx, .docx);
//! - `time_limit`: 公开时限 cells as typed limits;
//! - `primitives`: one function per rule kind;
//! - `engine`: a leaf's rule evaluated into a verdict, roll-ups, the run's self-diagnosis;
//! - `calendar`: working days.

pub mod attribution;
pub mod calendar;
pub mod catalog;
pub mod catalog_import;
pub mod columns;
pub mod engine;
pub mod first_seen;
pub mod model;
pub mod primitives;
pub mod time_limit;
pub mod verdict;

/// The assessment year by default: the last complete calendar year before the as-of date.
pub fn default_year(as_of: chrono::NaiveDate) -> i32 {
    chrono::Datelike::year(&as_of) - 1
}
