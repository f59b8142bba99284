//! Links as a browser reads them: `&amp;` in an href is requested as `&`, and attachment links
//! that a script writes are fetched; the extractor names the same URLs as attachments.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use zwgk::stage::extract::extract_run;

use crate::helpers::*;

fn pdf() -> axum::response::Response {
    (
        [(header::CONTENT_TYPE, "application/octet-stream")],
        b"%PDF-1.4\n%%EOF\n".to_vec(),
    )
        .into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escaped_ampersands_and_script_written_attachments_are_fetched_decoded() {
    let page = r#"<html><head><meta charset="utf-8"><title>关于印发方案的通知</title></head><body>
        <h1>关于印发方案的通知</h1><div id="zoom"><p>正文。</p></div>
        <p>附件：<a href="/module/download/downfile.jsp?classid=0&amp;filename=a.pdf">实施方案.pdf</a></p>
        <script type="text/javascript">document.write('<a href="/module/download/downfile.jsp?classid=0&filename=b.pdf">附件：统计表.pdf</a>');</script>
        </body></html>"#;
    let router = Router::new()
        .route("/", get(move || async move { html(page) }))
        .route("/module/download/downfile.jsp", get(|| async { pdf() }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;

    let seen = paths(&server);
    for expected in [
        "/module/download/downfile.jsp?classid=0&filename=a.pdf",
        "/module/download/downfile.jsp?classid=0&filename=b.pdf",
    ] {
        assert!(seen.iter().any(|p| p == expected), "{expected} not requested: {seen:?}");
    }
    assert!(!seen.iter().any(|p| p.contains("&amp;")), "{seen:?}");
    let links = store.store.run_links(report.run_id).await.unwrap();
    assert!(
        links
            .iter()
            .any(|(_, to, _, kind, _, _)| kind == "script" && to.ends_with("filename=b.pdf")),
        "{links:?}"
    );

    // The extract stage names exactly the URLs the crawler fetched.
    extract_run(&store.store, report.run_id, false, &[]).await.unwrap();
    let facts = store
        .store
        .run_facts(report.run_id, zwgk::extract::page::EXTRACTOR_VERSION, None)
        .await
        .unwrap();
    let (_, _, json) = facts
        .iter()
        .find(|(_, url, _)| url.ends_with('/'))
        .expect("the page has facts");
    let page_facts: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut attachments: Vec<&str> = page_facts["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["url"].as_str())
        .collect();
    attachments.sort_unstable();
    assert_eq!(
        attachments,
        vec![
            server.url("/module/download/downfile.jsp?classid=0&filename=a.pdf"),
            server.url("/module/download/downfile.jsp?classid=0&filename=b.pdf"),
        ]
    );
    let kinds: Vec<&str> = facts
        .iter()
        .filter(|(_, url, _)| url.contains("downfile.jsp"))
        .map(|(_, _, json)| {
            if json.contains("\"kind\":\"attachment\"") {
                "attachment"
            } else {
                "page"
            }
        })
        .collect();
    assert_eq!(kinds, vec!["attachment", "attachment"]);
}
