//! Assessment: pure functions from facts, a catalog, a calendar and an as-of date to verdicts.
//! No I/O and no clock: the as-of date is a parameter.

pub mod calendar;
pub mod catalog;
pub mod columns;
pub mod rules;
