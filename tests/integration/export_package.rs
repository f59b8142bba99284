//! `export` on the fixture site: the evidence package is read back with the `warc` crate and
//! checked against the store, the verdicts, its manifest and its index; a second export is
//! byte-identical; after a recrawl, 304s become revisits that point to included responses.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use warc::{RecordType, WarcHeader, WarcReader};
use zwgk::assess::catalog::Catalog;
use zwgk::assess::engine::Assessment;
use zwgk::export::{ExportError, export_run, export_run_with_limit};
use zwgk::extract::profile::{Profile, bundled_cms_profiles};
use zwgk::serve::SiteServer;
use zwgk::stage::assess::{AssessOptions, assess_view, site_view};
use zwgk::stage::extract::extract_run;
use zwgk::store::Store;

use crate::helpers::*;

fn profile() -> Vec<Profile> {
    vec![Profile::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("selectors/sites/zhoucun.toml")).unwrap()]
}

/// Extracts and assesses one run of the store, as of the golden date.
async fn assess_run(store: &Store, run_id: i64) -> Assessment {
    extract_run(store, run_id, false, &bundled_cms_profiles())
        .await
        .unwrap();
    let view = site_view(store, run_id, &profile()).await.unwrap();
    let catalog = Catalog::bundled_zhoucun();
    let profiles = profile();
    assess_view(
        &view,
        run_id,
        &AssessOptions {
            catalog: &catalog,
            as_of: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
            year: 2025,
            profiles: &profiles,
            manual: &[],
            calendar: &zwgk::assess::calendar::WorkCalendar::bundled(),
        },
    )
    .unwrap()
}

/// One WARC record as read back.
#[derive(Debug, Clone)]
struct ReadRecord {
    kind: RecordType,
    id: String,
    uri: Option<String>,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl ReadRecord {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_lowercase()).map(String::as_str)
    }

    /// The HTTP payload: what follows the HTTP head.
    fn payload(&self) -> &[u8] {
        let end = self.body.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        &self.body[end + 4..]
    }
}

/// Every record of every WARC file of the package, in order, checked as WARC/1.1 with a
/// matching block digest; each file must open with a warcinfo record.
fn read_records(dir: &Path, files: &[String]) -> Vec<ReadRecord> {
    let mut out = Vec::new();
    for file in files {
        let reader = WarcReader::from_path_gzip(dir.join(file)).unwrap();
        let mut first = true;
        for record in reader.iter_records() {
            let record = record.unwrap_or_else(|e| panic!("{file}: unreadable record: {e}"));
            assert_eq!(record.warc_version(), "1.1");
            if first {
                assert_eq!(
                    *record.warc_type(),
                    RecordType::WarcInfo,
                    "{file} must open with warcinfo"
                );
                first = false;
            }
            let headers: BTreeMap<String, String> = [
                "warc-block-digest",
                "warc-payload-digest",
                "warc-concurrent-to",
                "warc-refers-to",
                "warc-refers-to-target-uri",
                "warc-profile",
                "warc-warcinfo-id",
                "content-type",
            ]
            .iter()
            .filter_map(|h| {
                record
                    .header(WarcHeader::from(*h))
                    .map(|v| (h.to_string(), v.into_owned()))
            })
            .collect();
            let block = format!("sha256:{}", hex::encode(Sha256::digest(record.body())));
            assert_eq!(
                headers.get("warc-block-digest"),
                Some(&block),
                "block digest of {}",
                record.warc_id()
            );
            out.push(ReadRecord {
                kind: record.warc_type().clone(),
                id: record.warc_id().to_string(),
                uri: record.header(WarcHeader::TargetURI).map(|u| u.into_owned()),
                headers,
                body: record.body().to_vec(),
            });
        }
        assert!(!first, "{file} holds no record");
    }
    out
}

/// Checks one package against the assessment; returns its records.
fn check_package(dir: &Path, assessment: &Assessment) -> Vec<ReadRecord> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["run_id"], assessment.run_id);
    let listed: Vec<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    for name in ["index.cdxj", "verdicts.json", "说明.txt"] {
        assert!(listed.contains(&name.to_string()), "{name} not in the manifest");
    }
    // The manifest names every other file, with the right size and sum.
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "manifest.json")
        .collect();
    on_disk.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(on_disk, sorted);
    for file in manifest["files"].as_array().unwrap() {
        let bytes = std::fs::read(dir.join(file["path"].as_str().unwrap())).unwrap();
        assert_eq!(file["size"], bytes.len());
        assert_eq!(file["sha256"], hex::encode(Sha256::digest(&bytes)), "{}", file["path"]);
    }
    let verdicts: Assessment = serde_json::from_slice(&std::fs::read(dir.join("verdicts.json")).unwrap()).unwrap();
    assert_eq!(verdicts.indicators.len(), assessment.indicators.len());

    let warcs: Vec<String> = listed.iter().filter(|n| n.ends_with(".warc.gz")).cloned().collect();
    let records = read_records(dir, &warcs);
    let ids: BTreeSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), records.len(), "record ids are unique");
    let warcinfos: BTreeSet<&str> = records
        .iter()
        .filter(|r| r.kind == RecordType::WarcInfo)
        .map(|r| r.id.as_str())
        .collect();
    let mut by_uri: BTreeMap<&str, Vec<&ReadRecord>> = BTreeMap::new();
    for r in &records {
        assert!(
            matches!(
                r.kind,
                RecordType::WarcInfo | RecordType::Request | RecordType::Response | RecordType::Revisit
            ),
            "unexpected record type {:?}",
            r.kind
        );
        if r.kind == RecordType::WarcInfo {
            continue;
        }
        assert!(warcinfos.contains(r.header("warc-warcinfo-id").unwrap()));
        let other = r.header("warc-concurrent-to").unwrap();
        assert!(ids.contains(other), "{} is concurrent to a missing record", r.id);
        by_uri.entry(r.uri.as_deref().unwrap()).or_default().push(r);
    }
    // Every response's payload digest is the hash of the bytes it holds.
    for r in records.iter().filter(|r| r.kind == RecordType::Response) {
        assert_eq!(r.header("content-type"), Some("application/http;msgtype=response"));
        let payload = format!("sha256:{}", hex::encode(Sha256::digest(r.payload())));
        assert_eq!(r.header("warc-payload-digest"), Some(payload.as_str()), "{:?}", r.uri);
    }
    // Every cited body is in the package under its URL, as a response or a revisit.
    let mut cited = 0;
    for e in assessment.indicators.iter().flat_map(|v| &v.evidence) {
        let Some(sha256) = &e.sha256 else { continue };
        cited += 1;
        let digest = format!("sha256:{sha256}");
        let found = by_uri.get(e.url.as_str()).into_iter().flatten().any(|r| {
            matches!(r.kind, RecordType::Response | RecordType::Revisit)
                && r.header("warc-payload-digest") == Some(digest.as_str())
        });
        assert!(found, "evidence {} ({sha256}) has no record", e.url);
    }
    assert!(cited > 20, "the fixture assessment cites pages: {cited}");
    let robots = by_uri
        .iter()
        .filter(|(uri, rs)| uri.ends_with("/robots.txt") && rs.iter().any(|r| r.kind == RecordType::Response))
        .count();
    assert_eq!(robots, 1, "the robots.txt of the fixture site");
    check_index(dir, &warcs, &records);
    records
}

/// Every index line points at the gzip member of its record.
fn check_index(dir: &Path, warcs: &[String], records: &[ReadRecord]) {
    let text = std::fs::read_to_string(dir.join("index.cdxj")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let indexed = records
        .iter()
        .filter(|r| matches!(r.kind, RecordType::Response | RecordType::Revisit))
        .count();
    assert_eq!(lines.len(), indexed);
    let mut keys = Vec::new();
    let files: BTreeMap<&String, Vec<u8>> = warcs.iter().map(|w| (w, std::fs::read(dir.join(w)).unwrap())).collect();
    for line in &lines {
        let mut parts = line.splitn(3, ' ');
        let (key, timestamp, json) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        assert_eq!(timestamp.len(), 14, "{line}");
        keys.push((key.to_string(), timestamp.to_string()));
        let fields: serde_json::Value = serde_json::from_str(json).unwrap();
        let file = &files[&fields["filename"].as_str().unwrap().to_string()];
        let offset = fields["offset"].as_u64().unwrap() as usize;
        let length = fields["length"].as_u64().unwrap() as usize;
        let mut member = Vec::new();
        flate2::read::GzDecoder::new(&file[offset..offset + length])
            .read_to_end(&mut member)
            .unwrap();
        let member = String::from_utf8_lossy(&member);
        assert!(member.starts_with("WARC/1.1\r\n"), "{line}");
        let uri = fields["url"].as_str().unwrap();
        assert!(member.contains(&format!("WARC-Target-URI: {uri}\r\n")), "{line}");
        assert!(member.contains(&format!(
            "WARC-Payload-Digest: {}\r\n",
            fields["digest"].as_str().unwrap()
        )));
        assert!(member.contains("WARC-Type: response\r\n") || member.contains("WARC-Type: revisit\r\n"));
    }
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "index lines are sorted by key, then time");
}

fn file_bytes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_packages_every_cited_fetch_reproducibly() {
    let server = SiteServer::start(fixture_site()).await.unwrap();
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/index.html")), &store.store).await;
    drop(server);
    let assessment = assess_run(&store.store, report.run_id).await;
    let out = tempfile::tempdir().unwrap();

    let first = out.path().join("a");
    let summary = export_run(&store.store, &assessment, &first).await.unwrap();
    assert_eq!(summary.warc_files, ["evidence.warc.gz"]);
    assert_eq!(summary.robots, 1);
    assert_eq!(summary.revisits, 0, "a first crawl has no 304");
    let records = check_package(&first, &assessment);
    assert_eq!(summary.records, records.len());
    assert!(summary.captures > 20);
    let readme = std::fs::read_to_string(first.join("说明.txt")).unwrap();
    assert!(readme.contains(&assessment.site) && readme.contains("WARC-Payload-Digest"));

    // The same run exports to the same bytes, into a new directory or over itself.
    let second = out.path().join("b");
    export_run(&store.store, &assessment, &second).await.unwrap();
    assert_eq!(file_bytes(&first), file_bytes(&second));
    export_run(&store.store, &assessment, &first).await.unwrap();
    assert_eq!(file_bytes(&first), file_bytes(&second));

    // Past the size limit the WARC rolls into numbered files, each opening with a warcinfo.
    let rolled = out.path().join("rolled");
    let summary = export_run_with_limit(&store.store, &assessment, &rolled, 64 * 1024)
        .await
        .unwrap();
    assert!(summary.warc_files.len() > 2, "{:?}", summary.warc_files);
    assert_eq!(summary.warc_files[0], "evidence-00000.warc.gz");
    assert!(!rolled.join("evidence.warc.gz").exists());
    let rolled_records = check_package(&rolled, &assessment);
    assert_eq!(
        summary.records,
        rolled_records.len(),
        "the count includes every file's warcinfo"
    );
    let kinds = |rs: &[ReadRecord]| {
        rs.iter()
            .filter(|r| r.kind != RecordType::WarcInfo)
            .map(|r| r.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(&rolled_records), kinds(&records));

    // Files it did not write are never overwritten or deleted.
    let foreign = out.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let err = export_run(&store.store, &assessment, &foreign).await.unwrap_err();
    assert!(matches!(err, ExportError::ForeignFile { .. }), "{err}");
    assert_eq!(file_bytes(&foreign).len(), 1);

    // An assessment that cites nothing has nothing to export.
    let mut uncited = assessment.clone();
    uncited.indicators.iter_mut().for_each(|v| v.evidence.clear());
    let err = export_run(&store.store, &uncited, &out.path().join("none"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no cited fetch"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_after_a_recrawl_writes_revisits_that_point_to_included_responses() {
    let server = SiteServer::start(fixture_site()).await.unwrap();
    let store = TestStore::new().await;
    let s = settings(&server.url("/index.html"));
    run(&s, &store.store).await;
    let second = run(&s, &store.store).await;
    drop(server);
    assert!(second.summary.unchanged > 20, "{:?}", second.summary);
    let assessment = assess_run(&store.store, second.run_id).await;
    let out = tempfile::tempdir().unwrap();
    let summary = export_run(&store.store, &assessment, out.path()).await.unwrap();
    assert!(summary.revisits > 20, "{summary:?}");
    assert!(
        summary.originals > 0 && summary.originals <= summary.revisits,
        "{summary:?}"
    );
    let records = check_package(out.path(), &assessment);

    let responses: BTreeMap<&str, &ReadRecord> = records
        .iter()
        .filter(|r| r.kind == RecordType::Response)
        .map(|r| (r.id.as_str(), r))
        .collect();
    let revisits: Vec<&ReadRecord> = records.iter().filter(|r| r.kind == RecordType::Revisit).collect();
    assert_eq!(revisits.len(), summary.revisits);
    for revisit in revisits {
        assert_eq!(
            revisit.header("warc-profile"),
            Some("http://netpreserve.org/warc/1.1/revisit/server-not-modified")
        );
        assert!(String::from_utf8_lossy(&revisit.body).starts_with("HTTP/1.1 304 Not Modified\r\n"));
        let original = responses
            .get(revisit.header("warc-refers-to").unwrap())
            .unwrap_or_else(|| panic!("revisit {:?} refers to no included response", revisit.uri));
        assert_eq!(
            revisit.header("warc-payload-digest"),
            original.header("warc-payload-digest")
        );
        assert_eq!(revisit.header("warc-refers-to-target-uri"), original.uri.as_deref());
        assert!(!original.payload().is_empty(), "{:?}", original.uri);
    }
}

#[tokio::test]
async fn a_redirected_capture_keeps_its_hop_and_unstored_evidence_is_listed() {
    use axum::Router;
    use axum::http::{StatusCode, header};
    use axum::routing::get;
    use zwgk::assess::engine::{Evidence, Verdict, summarize};
    use zwgk::assess::verdict::Status;

    let router = Router::new()
        .route("/", get(|| async { links_page(&["/old.html"]) }))
        .route(
            "/old.html",
            get(|| async { (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/new.html")]) }),
        )
        .route("/new.html", get(|| async { html("<p>new</p>") }));
    let server = serve(router).await;
    let store = TestStore::new().await;
    let report = run(&settings(&server.url("/")), &store.store).await;
    let fetches = store.store.run_fetches(report.run_id).await.unwrap();
    let old = fetches.iter().find(|f| f.url.ends_with("/old.html")).unwrap();
    assert!(old.final_url.ends_with("/new.html"), "{old:?}");

    let evidence = vec![
        Evidence {
            url: old.url.clone(),
            fetched_at: Some(old.fetched_at.clone()),
            sha256: old.sha256.clone(),
            excerpt: "new".to_string(),
        },
        Evidence {
            url: "https://weibo.com/zhoucun".to_string(),
            fetched_at: None,
            sha256: None,
            excerpt: "站外链接".to_string(),
        },
    ];
    let verdicts = vec![Verdict {
        id: "t.1".to_string(),
        path: vec!["t".to_string()],
        question: "q".to_string(),
        units: Vec::new(),
        time_limit: String::new(),
        status: Status::Pass,
        score: Some(1.0),
        reason: "r".to_string(),
        evidence,
        source: "auto".to_string(),
        failures: 0,
        basis: Default::default(),
    }];
    let assessment = Assessment {
        site: server.url("/"),
        run_id: report.run_id,
        as_of: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
        period: 2025,
        catalog: "test".to_string(),
        catalog_title: "测试".to_string(),
        generator: "zwgk test".to_string(),
        summary: summarize(&verdicts),
        indicators: verdicts,
        calendar: Default::default(),
        understanding: Default::default(),
        unfinished_run: None,
        backdated: Vec::new(),
        routing: Default::default(),
    };
    let out = tempfile::tempdir().unwrap();
    let summary = export_run(&store.store, &assessment, out.path()).await.unwrap();
    assert_eq!(summary.captures, 1);
    assert_eq!(summary.omitted.len(), 1, "{:?}", summary.omitted);
    assert_eq!(summary.omitted[0].url, "https://weibo.com/zhoucun");
    let readme = std::fs::read_to_string(out.path().join("说明.txt")).unwrap();
    assert!(readme.contains("https://weibo.com/zhoucun"));

    let records = read_records(out.path(), &summary.warc_files);
    let responses: Vec<&ReadRecord> = records.iter().filter(|r| r.kind == RecordType::Response).collect();
    let hop = responses
        .iter()
        .find(|r| r.uri.as_deref() == Some(old.url.as_str()))
        .expect("the redirect hop is archived under the cited URL");
    let head = String::from_utf8_lossy(&hop.body);
    assert!(head.starts_with("HTTP/1.1 301 Moved Permanently\r\n"), "{head}");
    assert!(head.contains("Location: /new.html\r\n"), "{head}");
    let target = responses
        .iter()
        .find(|r| r.uri.as_deref() == Some(old.final_url.as_str()))
        .expect("the redirect target is archived");
    assert_eq!(target.payload(), b"<p>new</p>");
    let digest = format!("sha256:{}", old.sha256.as_deref().unwrap());
    assert_eq!(target.header("warc-payload-digest"), Some(digest.as_str()));
    check_index(out.path(), &summary.warc_files, &records);
}
