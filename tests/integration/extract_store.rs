//! `extract` as a pipeline stage: from the crawl store, idempotent, with the fixture site's
//! planted extraction cases visible in the stored facts.

use zwgk::serve::SiteServer;
use zwgk::stage::extract::extract_run;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_reads_the_store_once_and_is_idempotent() {
    let server = SiteServer::start(fixture_site()).await.unwrap();
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/index.html")), &store.store).await;
    drop(server); // extraction must not need the site any more

    let first = extract_run(
        &store.store,
        report.run_id,
        false,
        &zwgk::extract::profile::bundled_cms_profiles(),
    )
    .await
    .unwrap();
    // Every stored page and attachment; not the 404s, not the two sitemap files.
    assert_eq!(
        first.extracted as i64,
        report.summary.fetched - report.summary.missing - 2
    );
    assert_eq!(first.errors, 0);
    assert!(first.by_kind["article"] > 400, "{:?}", first.by_kind);
    assert!(first.by_kind["list"] > 40, "{:?}", first.by_kind);
    assert_eq!(first.by_kind["attachment"], 23, "{:?}", first.by_kind);
    let again = extract_run(
        &store.store,
        report.run_id,
        false,
        &zwgk::extract::profile::bundled_cms_profiles(),
    )
    .await
    .unwrap();
    assert!(again.skipped_up_to_date && again.extracted == 0);

    let facts = store
        .store
        .run_facts(report.run_id, zwgk::extract::page::EXTRACTOR_VERSION, None)
        .await
        .unwrap();
    let find = |suffix: &str| -> serde_json::Value {
        let (_, _, json) = facts
            .iter()
            .find(|(_, url, _)| url.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} has facts"));
        serde_json::from_str(json).unwrap()
    };
    // N22: the PubDate meta says 2025-06-30, the page shows 2025-07-08.
    let n22 = find("/art/2025/7/8/art_6021_3001866.html");
    assert_eq!(n22["pub_date"].as_str().map(|d| &d[..10]), Some("2025-07-08"));
    assert_eq!(n22["pub_date_conflict"], true);
    let sources: Vec<&str> = n22["pub_date_candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["source"].as_str())
        .collect();
    assert!(sources.contains(&"meta") && sources.contains(&"list"), "{sources:?}");
    // Attachments are parsed into the same table model.
    let xlsx: Vec<serde_json::Value> = facts
        .iter()
        .filter(|(_, url, _)| url.ends_with(".xlsx"))
        .map(|(_, _, json)| serde_json::from_str(json).unwrap())
        .collect();
    assert!(!xlsx.is_empty());
    assert!(
        xlsx.iter()
            .all(|f| f["kind"] == "attachment" && !f["tables"].as_array().unwrap().is_empty()),
        "{xlsx:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn columns_of_the_fixture_site_are_resolved_with_reasons() {
    let server = SiteServer::start(fixture_site()).await.unwrap();
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/index.html")), &store.store).await;
    extract_run(&store.store, report.run_id, false, &[]).await.unwrap();
    let catalog = zwgk::assess::catalog::Catalog::bundled_zhoucun();
    let leaves = zwgk::stage::columns::columns_for_run(&store.store, report.run_id, &catalog, &[])
        .await
        .unwrap();
    let resolved = |key: &str| -> Vec<String> {
        leaves
            .iter()
            .flat_map(|l| l.keys.get(key).cloned().unwrap_or_default())
            .map(|m| url::Url::parse(&m.url).unwrap().path().to_string())
            .collect()
    };
    let annual = resolved("annual_report");
    assert!(annual.iter().any(|p| p == "/col/col6032/index.html"), "{annual:?}");
    let policy = resolved("policy_docs");
    assert!(policy.iter().any(|p| p == "/col/col6005/index.html"), "{policy:?}");
    let budget = resolved("fiscal_budget");
    assert!(
        budget
            .iter()
            .any(|p| p == "/col/col6012/index.html" || p == "/col/col6013/index.html"),
        "{budget:?}"
    );
    let with_reasons = leaves
        .iter()
        .flat_map(|l| l.keys.values().flatten())
        .all(|m| !m.reason.is_empty());
    assert!(with_reasons);
}
