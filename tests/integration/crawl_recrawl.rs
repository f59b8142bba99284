//! Nightly recrawls: conditional requests, changes by content hash, removals; sitemaps.

use std::fs;

use tempfile::TempDir;
use zwgk::serve::SiteServer;

use crate::helpers::*;

fn write(dir: &TempDir, path: &str, body: &str) {
    let file = dir.path().join(path.trim_start_matches('/'));
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(file, body).unwrap();
}

fn small_site() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir,
        "robots.txt",
        "User-agent: *\nDisallow: /private/\nSitemap: {{ORIGIN}}/sitemap.xml\n",
    );
    write(
        &dir,
        "index.html",
        "<meta charset=utf-8><a href=\"/a.html\">a</a><a href=\"/b.html\">b</a><a href=\"/c.html\">c</a><a href=\"/files/r.pdf\">年报</a>",
    );
    write(&dir, "a.html", "<p>a</p>");
    write(&dir, "b.html", "<p>b</p>");
    write(&dir, "c.html", "<p>c</p>");
    write(&dir, "files/r.pdf", "%PDF-1.4 not really");
    write(
        &dir,
        "sitemap.xml",
        "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>{{ORIGIN}}/sm/pages.xml.gz</loc></sitemap></sitemapindex>",
    );
    write(
        &dir,
        "sm/pages.xml",
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>{{ORIGIN}}/only-in-sitemap.html</loc></url></urlset>",
    );
    write(&dir, "only-in-sitemap.html", "<p>hidden</p>");
    dir
}

#[tokio::test]
async fn sitemaps_from_robots_txt_are_followed_including_gzip_and_indexes() {
    let site = small_site();
    let server = SiteServer::start(site.path().to_path_buf()).await.unwrap();
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/index.html")), &store.store).await;
    let seen = paths(&server);
    for p in [
        "/sitemap.xml",
        "/sm/pages.xml.gz",
        "/only-in-sitemap.html",
        "/files/r.pdf",
    ] {
        assert!(seen.contains(&p.to_string()), "{p} not requested: {seen:?}");
    }
    assert_eq!(report.summary.attachments, 1);
}

#[tokio::test]
async fn a_recrawl_sends_conditional_requests_and_reports_changes_and_removals() {
    let site = small_site();
    let server = SiteServer::start(site.path().to_path_buf()).await.unwrap();
    let store = TestStore::new().await;
    let s = settings(&server.url("/index.html"));
    let first = run(&s, &store.store).await;
    assert_eq!(first.summary.new, first.summary.fetched);
    assert_eq!(
        first.summary.removed + first.summary.changed + first.summary.unchanged,
        0
    );

    write(&site, "b.html", "<p>b, updated</p>");
    fs::remove_file(site.path().join("c.html")).unwrap();
    server.log().clear();
    let second = run(&s, &store.store).await;
    assert_ne!(second.run_id, first.run_id);
    assert_eq!(second.summary.changed, 1, "{:?}", second.summary);
    assert_eq!(second.summary.removed, 1, "{:?}", second.summary);
    // Everything that did not change answers 304.
    assert_eq!(
        second.summary.unchanged,
        first.summary.fetched - 2,
        "{:?}",
        second.summary
    );
    assert_eq!(second.summary.robots_fetches, 1, "robots.txt is read again each run");
    let conditional = server
        .log()
        .requests()
        .iter()
        .filter(|r| r.header("if-none-match").is_some())
        .count();
    assert!(conditional >= 5, "conditional requests sent: {conditional}");
    let fetches = store.store.run_fetches(second.run_id).await.unwrap();
    let a = fetches.iter().find(|f| f.url.ends_with("/a.html")).unwrap();
    assert_eq!((a.status, a.change.as_str()), (Some(304), "unchanged"));
    assert!(a.sha256.is_some(), "an unchanged page still points at its stored body");
    let body = store.store.body(a.sha256.as_deref().unwrap()).await.unwrap().unwrap();
    assert_eq!(body, b"<p>a</p>");
}

#[tokio::test]
async fn unchanged_content_without_validators_is_detected_by_hash() {
    use axum::Router;
    use axum::routing::get;
    let router = Router::new()
        .route("/", get(|| async { links_page(&["/x.html"]) }))
        .route("/x.html", get(|| async { html("<p>same</p>") }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let s = settings(&server.url("/"));
    run(&s, &store.store).await;
    let second = run(&s, &store.store).await;
    assert_eq!(second.summary.unchanged, 2);
    assert_eq!(second.summary.new, 0);
}
