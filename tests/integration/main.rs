//! The integration tests: one binary. Every server here is started by the tests on 127.0.0.1.
#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

mod helpers;

mod assess_site;
mod assess_sites;
mod audit_sites;
mod calendar;
mod catalog_import;
mod cli;
mod crawl_links;
mod crawl_politeness;
mod crawl_recrawl;
mod crawl_resume;
mod crawl_safety;
mod crawl_site;
mod dashboard;
#[cfg(feature = "browser-tests")]
mod dashboard_browser;
mod exit_codes;
mod export_package;
mod extract_corpus;
mod extract_store;
mod hostile_cli;
mod hostile_input;
mod integrity;
mod kill_and_check;
mod messages;
mod nightly;
mod notify;
#[cfg(feature = "browser-tests")]
mod report_browser;
#[cfg(feature = "office-tests")]
mod report_office;
mod report_output;
mod signals;
#[cfg(feature = "systemd-tests")]
mod systemd_units;
#[cfg(feature = "postgres-tests")]
mod workers;
