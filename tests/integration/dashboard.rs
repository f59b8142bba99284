//! `zwgk dashboard` over a store with two nightly runs, two months of 通报 and the 整改台账:
//! every view answers, the forms record what the office enters (and refuse forged or bad
//! entries), manual verdicts show with who/when/until and expire back to 待人工, overdue
//! problems are flagged, scraped text is escaped, snapshots are sandboxed, and the access
//! rules (loopback Host names, a token elsewhere) hold.

use chrono::NaiveDate;
use zwgk::assess::calendar::WorkCalendar;
use zwgk::assess::catalog::Catalog;
use zwgk::assess::verdict::Status;
use zwgk::dashboard::{Listening, Settings, StartError, bind};
use zwgk::extract::profile::{Profile, bundled_cms_profiles};
use zwgk::report::notice::Letterhead;
use zwgk::stage::assess::AssessOptions;
use zwgk::stage::extract::extract_run;
use zwgk::stage::report::write_unit_notices;
use zwgk::store::Store;

use crate::helpers::*;
use crate::report_output::crawled_fixture;

/// A hostile note an assessor might paste (or an attacker might get into the store).
pub const HOSTILE: &str =
    r#"<img src=x onerror="document.body.setAttribute('data-pwned','1')"><script>document.title='pwned'</script>"#;

fn profiles() -> Vec<Profile> {
    vec![Profile::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("selectors/sites/zhoucun.toml")).unwrap()]
}

/// The store of an office after two months: run 1 sent the December 通报 (recorded in the
/// ledger with its 整改期限), run 2 the January one, by which time December's deadline had
/// passed. Both assessments are kept, as nightly keeps them.
pub struct Office {
    pub store: TestStore,
    pub runs: (i64, i64),
    pub catalog: Catalog,
    pub notices: tempfile::TempDir,
}

pub async fn office() -> Office {
    let (store, second) = crawled_fixture().await;
    let first = second - 1;
    extract_run(&store.store, first, false, &bundled_cms_profiles())
        .await
        .unwrap();
    let catalog = Catalog::bundled_zhoucun();
    let profiles = profiles();
    let calendar = WorkCalendar::bundled();
    let notices = tempfile::tempdir().unwrap();
    for (run, month, as_of) in [
        (first, "2025-12", NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()),
        (second, "2026-01", NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()),
    ] {
        let options = AssessOptions {
            catalog: &catalog,
            as_of,
            year: 2025,
            profiles: &profiles,
            manual: &[],
            calendar: &calendar,
        };
        let dir = notices.path().join(format!("通报-{month}"));
        let (now, _) = write_unit_notices(
            &store.store,
            run,
            &options,
            Some(2025),
            month,
            &dir,
            &Letterhead::default(),
            true,
        )
        .await
        .unwrap();
        store.store.save_assessment(&now).await.unwrap();
    }
    Office {
        store,
        runs: (first, second),
        catalog,
        notices,
    }
}

pub async fn start(store: &Store, catalog: &Catalog, token: Option<&str>, addr: &str) -> Result<Listening, StartError> {
    bind(
        store.clone(),
        Settings {
            catalog: catalog.clone(),
            profiles: profiles(),
            calendar: WorkCalendar::bundled(),
            token: token.map(str::to_string),
        },
        addr.parse().unwrap(),
    )
    .await
}

/// Starts the dashboard on a free loopback port and returns its origin.
pub async fn serve(store: &Store, catalog: &Catalog) -> String {
    let listening = start(store, catalog, None, "127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listening.addr);
    tokio::spawn(listening.serve(std::future::pending()));
    origin
}

/// A leaf only a person can judge (a manual rule).
pub fn manual_leaf(catalog: &Catalog) -> String {
    catalog
        .leaves
        .iter()
        .find(|l| matches!(l.rule, zwgk::assess::catalog::Rule::Manual { .. }))
        .map(|l| l.id.clone())
        .expect("a leaf that needs a person")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(origin: &str, path: &str) -> (u16, String) {
    let r = client().get(format!("{origin}{path}")).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A form body as a browser sends `application/x-www-form-urlencoded`.
pub fn urlencoded(fields: &[(&str, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .finish()
}

/// A `multipart/form-data` body (text fields, then one file) and its content type.
pub fn multipart_body(fields: &[(&str, String)], file: (&str, &str, &[u8])) -> (String, Vec<u8>) {
    let boundary = "----zwgk-test-boundary-7d93";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    let (name, file_name, bytes) = file;
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The value of the hidden CSRF field of a page's forms.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a form with a CSRF field") + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_views_forms_and_the_rectification_loop() {
    let office = office().await;
    let (first, second) = office.runs;
    let db = &office.store.store;
    let origin = serve(db, &office.catalog).await;

    // The December 通报 was recorded; January's re-check found the still-open problems past
    // their 整改期限, and January's notices flag them.
    let ledger = db.ledger(None).await.unwrap();
    let december: Vec<_> = ledger.iter().filter(|r| r.month == "2025-12").collect();
    assert!(!december.is_empty(), "the December 通报 was recorded in the ledger");
    assert!(
        december
            .iter()
            .all(|r| r.sent_run == first && r.deadline.as_str() > "2025-12-31")
    );
    let overdue: Vec<_> = december.iter().filter(|r| r.status == "overdue").collect();
    assert!(!overdue.is_empty(), "problems still open in January are overdue");
    assert!(overdue.iter().all(|r| r.checked_run == Some(second)));
    let unit = &overdue[0].unit;
    let january = std::fs::read_to_string(
        office
            .notices
            .path()
            .join("通报-2026-01")
            .join(format!("{}.html", zwgk::report::files::safe_file_name(unit))),
    )
    .unwrap();
    assert!(
        january.contains("逾期未整改"),
        "January's notice to {unit} flags the overdue problem"
    );

    // Every view answers with the security headers.
    for path in [
        "/",
        "/verdicts?status=fail",
        "/tree",
        "/units",
        "/trends",
        "/diff",
        "/rectify",
        "/manual",
    ] {
        let r = client().get(format!("{origin}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script-src"),
            "{path}: {csp}"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let body = r.text().await.unwrap();
        assert!(body.contains("<nav>"), "{path}");
        assert!(!body.contains("<script"), "{path} has no script");
    }
    let (_, home) = get(&origin, "/").await;
    assert!(home.contains(&format!("第{second}次抓取")), "the latest run is shown");
    assert!(home.contains("项自动评价"), "the score says what it covers");
    assert!(
        home.contains("【逾期未整改】"),
        "overdue problems are marked in the problem list"
    );
    let (_, trends) = get(&origin, "/trends").await;
    assert!(trends.contains("<polyline"), "two kept runs draw lines");
    assert!(trends.contains(&format!("#{first} ")) && trends.contains(&format!("#{second} ")));
    let (_, tree) = get(&origin, "/tree").await;
    for level1 in ["行政权力运行公开", "重点领域信息公开", "依申请公开"] {
        assert!(tree.contains(level1), "the tree shows {level1}");
    }
    let (_, units) = get(&origin, "/units").await;
    assert!(units.contains("名次") && units.contains(&zwgk::dashboard::encode(unit)));
    let (_, diff) = get(&origin, "/diff").await;
    assert!(diff.contains(&format!("第{first}次抓取")) && diff.contains(&format!("第{second}次抓取")));

    // A unit's page shows its ledger with a response form; the response is recorded.
    let (status, unit_page) = get(&origin, &format!("/unit?name={}", zwgk::dashboard::encode(unit))).await;
    assert_eq!(status, 200);
    assert!(unit_page.contains("逾期未整改") && unit_page.contains("提交整改反馈"));
    let csrf = csrf_of(&unit_page);
    let id = overdue[0].id.to_string();
    let form = |csrf: &str, response: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("id", id.clone()),
            ("response", response.to_string()),
            ("responder", "办公室 张三".to_string()),
            ("unit", "1".to_string()),
        ]
    };
    let forged = client()
        .post(format!("{origin}/rectify"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(urlencoded(&form("0000", "已整改")))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "a form without the page's CSRF token is refused");
    let cross = client()
        .post(format!("{origin}/rectify"))
        .header("Origin", "http://evil.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(urlencoded(&form(&csrf, "已整改")))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403, "a POST from another origin is refused");
    let ok = client()
        .post(format!("{origin}/rectify"))
        .header("Origin", &origin)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(urlencoded(&form(&csrf, HOSTILE)))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    let item = db.rectification(overdue[0].id).await.unwrap().unwrap();
    assert_eq!(item.response.as_deref(), Some(HOSTILE));
    assert_eq!(item.responder.as_deref(), Some("办公室 张三"));
    let (_, unit_page) = get(&origin, &format!("/unit?name={}", zwgk::dashboard::encode(unit))).await;
    assert!(!unit_page.contains("<script>document"), "the response is escaped");
    assert!(unit_page.contains("&lt;script&gt;document.title="));

    // A manual verdict from the leaf page's form: stored, the kept assessment re-judged with
    // it, shown with who and until when; a bad entry is refused with the reason.
    let leaf = manual_leaf(&office.catalog);
    let (_, leaf_page) = get(&origin, &format!("/leaf?id={}", zwgk::dashboard::encode(&leaf))).await;
    assert!(leaf_page.contains("保存人工评价"));
    let csrf = csrf_of(&leaf_page);
    let post_manual = |note: &str, expires: &str| {
        let (content_type, body) = multipart_body(
            &[
                ("csrf", csrf.clone()),
                ("leaf", leaf.clone()),
                ("status", "pass".to_string()),
                ("score", String::new()),
                ("note", note.to_string()),
                ("assessor", "李四".to_string()),
                ("evidence", String::new()),
                ("expires", expires.to_string()),
            ],
            ("file", "../../回复函.pdf", b"%PDF-1.4 scanned reply"),
        );
        client()
            .post(format!("{origin}/manual"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    let bad = post_manual("已核查", "明年").await.unwrap();
    assert_eq!(bad.status(), 303);
    let to = bad.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains("error="), "{to}");
    let (_, shown) = get(&origin, &to).await;
    assert!(
        shown.contains("未保存") && shown.contains("YYYY-MM-DD"),
        "the reason is shown"
    );
    assert!(db.manual_verdicts(None, true).await.unwrap().is_empty());

    let saved = post_manual(&format!("电话核查：热线畅通 {HOSTILE}"), "2099-12-31")
        .await
        .unwrap();
    assert_eq!(saved.status(), 303);
    let stored = db.manual_verdicts(None, false).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].assessor, "李四");
    assert_eq!(stored[0].expires_on.as_deref(), Some("2099-12-31"));
    assert_eq!(stored[0].source, "dashboard");
    assert_eq!(
        stored[0].evidence_name.as_deref(),
        Some(zwgk::report::files::safe_file_name("../../回复函.pdf").as_str())
    );
    assert!(!stored[0].evidence_name.as_deref().unwrap().contains('/'));
    let kept = db
        .kept_assessment(second, &office.catalog.info.id)
        .await
        .unwrap()
        .unwrap();
    let verdict = kept.indicators.iter().find(|v| v.id == leaf).unwrap();
    assert_eq!(
        verdict.status,
        Status::Pass,
        "the kept assessment was re-judged with the verdict"
    );
    assert!(
        verdict.reason.contains("李四") && verdict.reason.contains("2099-12-31"),
        "{}",
        verdict.reason
    );
    assert!(!kept.routing.is_empty(), "re-judging keeps the 通报's routing");
    let (_, leaf_page) = get(
        &origin,
        bad.headers()["location"].to_str().unwrap().split('&').next().unwrap(),
    )
    .await;
    assert!(leaf_page.contains("李四") && leaf_page.contains("有效期至 2099-12-31"));
    // The verdict shown is the re-judged one (not an earlier reading of the page).
    assert!(
        leaf_page.contains("人工核查（李四"),
        "the leaf's reason shows the new verdict"
    );
    assert!(!leaf_page.contains("<script>document") && leaf_page.contains("&lt;script&gt;"));
    // The uploaded file is kept in the store and offered as a download, never rendered.
    let sha = stored[0].evidence_sha256.clone().unwrap();
    let file = client().get(format!("{origin}/snapshot/{sha}")).send().await.unwrap();
    assert_eq!(file.headers()["content-type"], "application/octet-stream");
    assert!(
        file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"%PDF-1.4 scanned reply");

    // A stored page is served under a sandbox CSP; anything not a stored hash is not found.
    let page = kept
        .indicators
        .iter()
        .flat_map(|v| &v.evidence)
        .find_map(|e| e.sha256.clone())
        .unwrap();
    let snap = client().get(format!("{origin}/snapshot/{page}")).send().await.unwrap();
    assert_eq!(snap.status(), 200);
    assert!(
        snap.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    for bad in [
        "/snapshot/..%2F..%2Fetc%2Fpasswd",
        "/snapshot/zz",
        &format!("/snapshot/{}", "0".repeat(64)),
    ] {
        assert_eq!(get(&origin, bad).await.0, 404, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_manual_verdict_returns_to_needs_a_person() {
    let office = office().await;
    let db = &office.store.store;
    let leaf = manual_leaf(&office.catalog);
    for (note, expires) in [("去年核查", "2020-12-31"), ("今年核查", "2099-12-31")] {
        let entry = zwgk::store::ManualEntry {
            leaf: leaf.clone(),
            status: "pass".into(),
            note: note.into(),
            assessor: "王五".into(),
            expires_on: Some(expires.into()),
            ..Default::default()
        };
        let verdict = zwgk::store::NewManual::checked(&office.catalog, entry, "cli").unwrap();
        db.add_manual(&verdict).await.unwrap();
        let options = AssessOptions {
            catalog: &office.catalog,
            as_of: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
            year: 2025,
            profiles: &profiles(),
            manual: &[],
            calendar: &WorkCalendar::bundled(),
        };
        let a = zwgk::stage::assess::assess_run(db, office.runs.1, &options)
            .await
            .unwrap();
        let v = a.indicators.iter().find(|v| v.id == leaf).unwrap();
        if expires.starts_with("2020") {
            assert_eq!(v.status, Status::Manual, "an expired verdict no longer applies");
            assert!(v.reason.contains("人工评价已过期"), "{}", v.reason);
        } else {
            assert_eq!(v.status, Status::Pass);
            assert!(
                v.reason.contains("王五") && v.reason.contains("今年核查"),
                "{}",
                v.reason
            );
        }
    }
    // The newer verdict replaced the older one, which stays as history.
    let all = db.manual_verdicts(None, true).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].replaced_by, Some(all[1].id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_rules_loopback_hosts_and_tokens() {
    let store = TestStore::new().await;
    let catalog = Catalog::bundled_zhoucun();
    // Another address needs a token, and a token must not be guessable.
    assert!(matches!(
        start(&store.store, &catalog, None, "0.0.0.0:0").await,
        Err(StartError::TokenRequired(_))
    ));
    assert!(matches!(
        start(&store.store, &catalog, Some("short"), "127.0.0.1:0").await,
        Err(StartError::WeakToken)
    ));
    // Loopback: a foreign Host name (DNS rebinding) is refused; an empty store says what to do.
    let origin = serve(&store.store, &catalog).await;
    let (status, page) = get(&origin, "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("zwgk nightly"));
    let rebinding = client()
        .get(format!("{origin}/"))
        .header("Host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(rebinding.status(), 421);

    // With a token: nothing without it; `?token=` trades it for a cookie.
    let token = "0123456789abcdef-office";
    let listening = start(&store.store, &catalog, Some(token), "127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listening.addr);
    tokio::spawn(listening.serve(std::future::pending()));
    assert_eq!(get(&origin, "/").await.0, 401);
    assert_eq!(get(&origin, "/?token=wrong-token-0123456").await.0, 401);
    let r = client()
        .get(format!("{origin}/trends?token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/trends");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let pair = cookie.split(';').next().unwrap();
    let r = client()
        .get(format!("{origin}/trends"))
        .header("Cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_a_public_address_without_a_token() {
    let store = TestStore::new().await;
    let db = store.path();
    store.store.clone().close().await;
    let out = zwgk_async(&["dashboard", "--db", &db, "--bind", "0.0.0.0:0"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("token"), "{}", stderr_of(&out));
    let out = zwgk_async(&["dashboard", "--db", "no-such-store.db"]).await;
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr_of(&out).contains("no store"), "{}", stderr_of(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_cli_records_manual_verdicts_and_responses() {
    let office = office().await;
    let db = office.store.path();
    let leaf = manual_leaf(&office.catalog);
    let set = |extra: &[&str]| {
        let mut args = vec![
            "manual",
            "set",
            &leaf,
            "--db",
            &db,
            "--status",
            "fail",
            "--note",
            "热线无人接听",
            "--assessor",
            "周八",
        ];
        args.extend_from_slice(extra);
        args.iter().map(|a| a.to_string()).collect::<Vec<String>>()
    };
    let run = |args: Vec<String>| async move {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        zwgk_async(&refs).await
    };
    // Bad entries are usage errors naming the field; nothing is recorded.
    for (extra, says) in [
        (vec!["--expires", "2026-13-01"], "YYYY-MM-DD"),
        (vec!["--evidence", "javascript:alert(1)"], "http(s)"),
        (vec!["--score", "7"], "outside 0..1"),
    ] {
        let out = run(set(&extra)).await;
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr_of(&out));
        assert!(stderr_of(&out).contains(says), "{}", stderr_of(&out));
    }
    let out = run(vec![
        "manual".into(),
        "set".into(),
        "no.such.leaf".into(),
        "--db".into(),
        db.clone(),
        "--status".into(),
        "pass".into(),
        "--note".into(),
        "x".into(),
        "--assessor".into(),
        "y".into(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("not in the catalog"));
    let out = run(set(&["--expires", "2099-12-31"])).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = run(vec![
        "manual".into(),
        "list".into(),
        "--db".into(),
        db.clone(),
        "--json".into(),
    ])
    .await;
    let listed: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(listed[0]["leaf_id"], leaf.as_str());
    assert_eq!(listed[0]["assessor"], "周八");
    assert_eq!(listed[0]["source"], "cli");

    // The ledger from the command line, and a response to one of its problems.
    let out = run(vec![
        "rectify".into(),
        "list".into(),
        "--db".into(),
        db.clone(),
        "--json".into(),
    ])
    .await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let ledger: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    let id = ledger[0]["id"].as_i64().unwrap().to_string();
    let out = run(vec![
        "rectify".into(),
        "respond".into(),
        id.clone(),
        "--db".into(),
        db.clone(),
        "--text".into(),
        "已补发".into(),
        "--by".into(),
        "办公室".into(),
    ])
    .await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let item = office
        .store
        .store
        .rectification(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item.response.as_deref(), Some("已补发"));
    let out = run(vec![
        "rectify".into(),
        "respond".into(),
        "999999".into(),
        "--db".into(),
        db.clone(),
        "--text".into(),
        "x".into(),
        "--by".into(),
        "y".into(),
    ])
    .await;
    assert_ne!(out.status.code(), Some(0), "an unknown problem is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nightly_recheck_keeps_the_ledger_current() {
    let office = office().await;
    let db = &office.store.store;
    let (first, second) = office.runs;
    let profiles = profiles();
    let calendar = WorkCalendar::bundled();
    let options = AssessOptions {
        catalog: &office.catalog,
        as_of: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        year: 2025,
        profiles: &profiles,
        manual: &[],
        calendar: &calendar,
    };
    let mut a = zwgk::stage::assess::assess_run(db, second, &options).await.unwrap();
    assert!(a.routing.is_empty(), "a plain assessment has no routing");
    let overdue = zwgk::stage::report::recheck_ledger(db, second, &options, &mut a)
        .await
        .unwrap();
    assert!(overdue > 0, "December's unfixed problems are overdue by March");
    assert!(
        !a.routing.routes.is_empty(),
        "the problems are routed as a 通报 would route them"
    );
    assert_eq!(a.routing.overdue.len(), overdue);
    let december: Vec<_> = db
        .ledger(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.sent_run == first)
        .collect();
    assert!(
        december
            .iter()
            .all(|r| r.checked_run == Some(second) && r.checked_on.as_deref() == Some("2026-03-02"))
    );
    // Problems still open are overdue; a leaf no longer a problem for its unit is fixed.
    for r in &december {
        let still = a
            .routing
            .overdue
            .iter()
            .any(|(leaf, unit)| *leaf == r.leaf_id && *unit == r.unit);
        assert_eq!(r.status == "overdue", still, "{} {}", r.leaf_id, r.unit);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rectification_deadline_comes_from_the_run_else_the_catalog() {
    let office = office().await;
    let db = &office.store.store;
    let mut catalog = office.catalog.clone();
    catalog.info.rectify_working_days = Some(2);
    let profiles = profiles();
    let calendar = WorkCalendar::bundled();
    let options = AssessOptions {
        catalog: &catalog,
        as_of: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
        year: 2025,
        profiles: &profiles,
        manual: &[],
        calendar: &calendar,
    };
    let out = tempfile::tempdir().unwrap();
    // October: the catalog's 2 days; September: the run's 4 days win over the catalog.
    for (month, end, letterhead, days) in [
        ("2025-10", (2025, 10, 31), Letterhead::default(), 2),
        (
            "2025-09",
            (2025, 9, 30),
            Letterhead {
                rectify_working_days: Some(4),
                ..Default::default()
            },
            4,
        ),
    ] {
        write_unit_notices(
            db,
            office.runs.1,
            &options,
            Some(2025),
            month,
            &out.path().join(month),
            &letterhead,
            true,
        )
        .await
        .unwrap();
        let due = calendar
            .add_workdays(NaiveDate::from_ymd_opt(end.0, end.1, end.2).unwrap(), days)
            .value
            .to_string();
        let rows: Vec<_> = db
            .ledger(None)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.month == month)
            .collect();
        assert!(!rows.is_empty(), "{month}");
        assert!(
            rows.iter().all(|r| r.deadline == due),
            "{month}: {} vs {due}",
            rows[0].deadline
        );
    }
}
