//! The integration tests: one binary. Every server here is started by the tests on 127.0.0.1.

mod helpers;

mod cli;
mod crawl_politeness;
mod crawl_recrawl;
mod crawl_resume;
mod crawl_safety;
mod crawl_site;
