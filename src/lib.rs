//! zwgk audits a Chinese district government's website against its 政务公开 indicator table.
//!
//! The pipeline is visible in the modules: `crawl` fetches politely into the `store`;
//! `extract` turns stored bytes into facts; `assess` and `report` judge and write; `dashboard`
//! is the office's web view of the store; `serve` is the loopback server of the demo and the
//! tests; `cli` wires the subcommands.

pub mod assess;
pub mod atomic;
pub mod cli;
pub mod config;
pub mod console;
pub mod crawl;
pub mod dashboard;
pub mod demo;
pub mod exit;
pub mod export;
pub mod extract;
pub mod inspect;
pub mod notify;
pub mod parallel;
pub mod pipeline;
pub mod report;
pub mod serve;
pub mod shutdown;
pub mod stage;
pub mod store;
pub mod summary;
