//! Assessment: pure functions from facts, a catalog, a calendar and an as-of date to verdicts.
//! No I/O and no clock: the as-of date is a parameter.

pub mod calendar;
pub mod catalog;
pub mod columns;
pub mod consultation;
pub mod content;
pub mod engine;
pub mod rules;
pub mod site;
pub mod site_checks;
pub mod timing;
