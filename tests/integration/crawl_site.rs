//! The whole fixture site (a synthetic Hanweb-style 周村区 portal): everything its manifest
//! says is reachable is stored, nothing robots.txt forbids is requested, and the hidden list
//! items behind Hanweb and TRS paging are found.

use std::collections::{BTreeSet, HashMap};

use zwgk::serve::SiteServer;

use crate::helpers::*;

#[derive(serde::Deserialize)]
struct Entry {
    path: String,
    kind: String,
    encoding: Option<String>,
    reachable: String,
}

fn manifest() -> Vec<Entry> {
    let text = std::fs::read_to_string(fixture_site().join("manifest.json")).expect("fixtures/site/manifest.json");
    serde_json::from_str(&text).expect("manifest is a JSON array")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixture_site_is_crawled_completely_and_politely() {
    let server = SiteServer::start(fixture_site()).await.unwrap();
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/index.html")), &store.store).await;
    let requested: BTreeSet<String> = server.log().requests().iter().map(|r| r.path().to_string()).collect();
    let fetched: HashMap<String, zwgk::store::FetchRow> = store
        .store
        .run_fetches(report.run_id)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (url::Url::parse(&f.url).unwrap().path().to_string(), f))
        .collect();
    let entries = manifest();
    assert!(entries.len() > 100, "the fixture site is substantial");
    let mut missing = Vec::new();
    for entry in &entries {
        // Page resources (images, styles, scripts) are not crawled; `internal` files are the
        // fixture server's own record stores behind dataproxy.jsp.
        let is_asset = [".png", ".jpg", ".gif", ".css", ".js"]
            .iter()
            .any(|ext| entry.path.ends_with(ext));
        if is_asset || entry.reachable == "internal" {
            continue;
        }
        if entry.reachable == "robots_disallowed" {
            assert!(
                !requested.contains(&entry.path),
                "{} is disallowed by robots.txt but was requested",
                entry.path
            );
            continue;
        }
        if entry.kind == "sitemap" && entry.path.ends_with(".xml") && !requested.contains(&entry.path) {
            // Sitemap templates may be served only in their .gz form.
            continue;
        }
        match fetched.get(&entry.path) {
            Some(f) if f.status == Some(200) => {
                if let Some(expected) = &entry.encoding
                    && entry.kind != "attachment"
                    && (expected.contains("gb") || expected.contains("GB"))
                {
                    assert_eq!(f.encoding.as_deref(), Some("gb18030"), "{}", entry.path);
                }
            }
            _ => missing.push(format!("{} ({})", entry.path, entry.reachable)),
        }
    }
    assert!(missing.is_empty(), "not stored: {missing:#?}");
    assert!(
        requested
            .iter()
            .any(|p| p.starts_with("/module/web/jpage/dataproxy.jsp")),
        "Hanweb paging used"
    );
    assert_eq!(report.summary.errors, 0, "{:?}", report.summary);
    assert!(report.summary.links_out_of_scope > 0);
}
