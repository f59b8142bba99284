//! Pipeline stages that read the store, run a pure step, and write the result back: each can be
//! rerun alone and gives the same result twice.

pub mod assess;
pub mod columns;
pub mod diff;
pub mod extract;
pub mod report;
