//! Run alerts sent to fake WeCom and DingTalk robots on 127.0.0.1, asserted on what they received.
//!
//! The fake robots check what the real ones document (a JSON body, the 4096-byte markdown limit,
//! DingTalk's keyword and 加签) and answer the way they do: HTTP 200 with
//! `{"errcode":N,"errmsg":"..."}`.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use serde_json::Value;
use zwgk::notify::{AlertLeaf, AlertOutcome, NotifyError, NotifyFormat, RunAlert, notify};

use crate::helpers::*;

const SECRET: &str = "SEC0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const KEYWORD: &str = "政务公开";

/// The bodies the fake robots received (the server's log has the rest of each request).
#[derive(Clone, Default)]
struct Inbox(Arc<Mutex<Vec<Bytes>>>);

impl Inbox {
    fn push(&self, body: &Bytes) {
        self.0.lock().unwrap().push(body.clone());
    }

    /// The body of the only request received.
    fn only(&self) -> Value {
        let received = self.0.lock().unwrap();
        assert_eq!(received.len(), 1, "one request expected");
        serde_json::from_slice(&received[0]).expect("the body is JSON")
    }
}

fn answer(errcode: i64, errmsg: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "errcode": errcode, "errmsg": errmsg }).to_string(),
    )
        .into_response()
}

/// Query parameters of a path and query, decoded.
fn query(target: &str) -> Vec<(String, String)> {
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

fn param(target: &str, name: &str) -> Option<String> {
    query(target).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// DingTalk's 加签, computed the way the robot checks it.
fn expected_sign(timestamp: &str) -> String {
    let mut mac = hmac::Hmac::<sha2_011::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}\n{SECRET}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A WeCom 群机器人: a markdown message of at most 4096 bytes.
fn wecom_answer(_: &Uri, body: &[u8]) -> Response {
    let Ok(message) = serde_json::from_slice::<Value>(body) else {
        return answer(40001, "invalid json");
    };
    match message["markdown"]["content"].as_str() {
        Some(content) if content.len() > 4096 => answer(40058, "markdown.content exceed max length 4096"),
        Some(_) => answer(0, "ok"),
        None => answer(40008, "invalid message type"),
    }
}

/// A DingTalk 自定义机器人 with a keyword and, on `/dingtalk-signed`, 加签.
fn dingtalk_answer(uri: &Uri, body: &[u8]) -> Response {
    if uri.path() == "/dingtalk-signed" {
        let target = uri.to_string();
        let signed = match (param(&target, "timestamp"), param(&target, "sign")) {
            (Some(timestamp), Some(sign)) => sign == expected_sign(&timestamp),
            _ => false,
        };
        if !signed {
            return answer(310000, "sign not match");
        }
    }
    let Ok(message) = serde_json::from_slice::<Value>(body) else {
        return answer(40001, "invalid json");
    };
    let text = message["markdown"]["text"].as_str().unwrap_or("");
    let title = message["markdown"]["title"].as_str().unwrap_or("");
    if !text.contains(KEYWORD) && !title.contains(KEYWORD) {
        return answer(310000, "keywords not in content");
    }
    answer(0, "ok")
}

fn robots(inbox: Inbox) -> Router {
    // Each robot keeps the body, then answers as its real counterpart would.
    let robot = |answer: fn(&Uri, &[u8]) -> Response| {
        let inbox = inbox.clone();
        any(move |uri: Uri, body: Bytes| async move {
            inbox.push(&body);
            answer(&uri, &body)
        })
    };
    Router::new()
        .route("/wecom", robot(wecom_answer))
        .route("/dingtalk", robot(dingtalk_answer))
        .route("/dingtalk-signed", robot(dingtalk_answer))
        .route("/hook", robot(|_, _| StatusCode::NO_CONTENT.into_response()))
        .route(
            "/refusing-wecom",
            any(|| async { answer(93000, "invalid webhook url, hint: [1700000000_1]") }),
        )
        .route(
            "/broken",
            any(|| async {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("internal error: {}", "x".repeat(10_000)),
                )
            }),
        )
        .route(
            "/portal",
            any(|| async { html("<html><body>请先登录上网认证</body></html>") }),
        )
        .route(
            "/moved",
            any(|| async { (StatusCode::FOUND, [(header::LOCATION, "/wecom")]).into_response() }),
        )
}

fn leaf(n: usize, status: &str) -> AlertLeaf {
    AlertLeaf {
        id: format!("A.{n}"),
        question: format!("是否按规定公开第{n}项政府信息"),
        units: "区政府办公室".to_string(),
        status: status.to_string(),
        reason: format!("<b>栏目</b>[{n}]长期未更新，最近一条信息发布于三年前。").repeat(4),
    }
}

/// A regression with 200 new failures: more than any robot takes in one message.
fn big_alert() -> RunAlert {
    RunAlert {
        site: "http://www.example.gov.cn".to_string(),
        district: Some("某某区".to_string()),
        run_id: Some(7),
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 1).unwrap(),
        outcome: AlertOutcome::Regressed,
        headline: "本次测评新增200项不达标。".to_string(),
        score: Some(61.0),
        score_before: Some(84.4),
        new_failures: (0..200).map(|n| leaf(n, "不达标")).collect(),
        fixed: (0..20).map(|n| leaf(n, "达标")).collect(),
        failure: None,
        report: Some("/var/lib/zwgk/report/report.html".to_string()),
    }
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// The one request the server saw: a POST of JSON.
fn assert_one_json_post(server: &zwgk::serve::SiteServer) -> String {
    let requests = server.log().requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    requests[0].target.clone()
}

#[tokio::test]
async fn wecom_robot_receives_one_markdown_message_under_the_limit() {
    let inbox = Inbox::default();
    let server = serve(robots(inbox.clone())).await;
    let url = server.url("/wecom?key=0a1b2c3d");
    notify(&url, NotifyFormat::Wecom, &big_alert(), None)
        .await
        .expect("delivered");

    assert_eq!(assert_one_json_post(&server), "/wecom?key=0a1b2c3d");
    let body = inbox.only();
    assert_eq!(keys(&body), ["markdown", "msgtype"]);
    assert_eq!(body["msgtype"], "markdown");
    assert_eq!(keys(&body["markdown"]), ["content"]);
    let content = body["markdown"]["content"].as_str().unwrap();
    assert!(content.len() < 4096, "{} bytes", content.len());
    assert!(content.starts_with("## 某某区：政务公开测评出现退步"), "{content}");
    assert!(content.contains("得分 61.0（较上次 -23.4）"), "{content}");
    assert!(
        content.contains("**新增不达标（共200项）**") && content.contains("另有"),
        "{content}"
    );
    // Scraped HTML and link brackets arrive inert.
    assert!(!content.contains('<') && !content.contains('['), "{content}");
}

#[tokio::test]
async fn dingtalk_robot_verifies_the_signature_and_finds_the_keyword() {
    let inbox = Inbox::default();
    let server = serve(robots(inbox.clone())).await;
    let url = server.url("/dingtalk-signed?access_token=abc123");
    let before = chrono::Utc::now().timestamp_millis();
    notify(&url, NotifyFormat::Dingtalk, &big_alert(), Some(SECRET))
        .await
        .expect("delivered");

    let target = assert_one_json_post(&server);
    assert_eq!(param(&target, "access_token").as_deref(), Some("abc123"));
    let timestamp = param(&target, "timestamp").expect("a timestamp");
    let millis: i64 = timestamp.parse().expect("milliseconds");
    assert!((before..=before + 60_000).contains(&millis), "{millis} vs {before}");
    let sign = param(&target, "sign").expect("a sign");
    assert_eq!(sign, expected_sign(&timestamp));
    // Sent URL-encoded: a raw `+` would reach DingTalk as a space.
    let raw_sign = target.split("sign=").nth(1).unwrap();
    assert!(!raw_sign.contains(['+', '/', '=']), "{raw_sign}");

    let body = inbox.only();
    assert_eq!(keys(&body), ["markdown", "msgtype"]);
    assert_eq!(body["msgtype"], "markdown");
    assert_eq!(keys(&body["markdown"]), ["text", "title"]);
    let title = body["markdown"]["title"].as_str().unwrap();
    let text = body["markdown"]["text"].as_str().unwrap();
    assert_eq!(title, "某某区：政务公开测评出现退步");
    assert!(
        text.contains(KEYWORD) && text.len() < 4096,
        "{} bytes: {text}",
        text.len()
    );
}

#[tokio::test]
async fn dingtalk_without_a_secret_sends_no_signature() {
    let inbox = Inbox::default();
    let server = serve(robots(inbox.clone())).await;
    let mut alert = big_alert();
    alert.outcome = AlertOutcome::Failed;
    alert.failure = Some("未能抓取任何页面".to_string());
    notify(
        &server.url("/dingtalk?access_token=abc123"),
        NotifyFormat::Dingtalk,
        &alert,
        None,
    )
    .await
    .expect("delivered");
    let target = assert_one_json_post(&server);
    assert_eq!(target, "/dingtalk?access_token=abc123");
    let body = inbox.only();
    assert_eq!(body["markdown"]["title"], "某某区：政务公开夜间检查失败");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_robot() {
    let server = serve(robots(Inbox::default())).await;
    let url = server.url("/dingtalk-signed?access_token=abc123");
    let error = notify(&url, NotifyFormat::Dingtalk, &big_alert(), Some("SECwrong"))
        .await
        .expect_err("the robot refuses");
    assert!(
        matches!(error, NotifyError::Refused { errcode: 310000, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("errcode 310000") && message.contains("sign not match"),
        "{message}"
    );
    // The token in the URL is a credential: it is never printed.
    assert!(!message.contains("abc123"), "{message}");
}

#[tokio::test]
async fn json_endpoint_receives_the_whole_alert() {
    let inbox = Inbox::default();
    let server = serve(robots(inbox.clone())).await;
    notify(&server.url("/hook"), NotifyFormat::Json, &big_alert(), None)
        .await
        .expect("delivered");
    assert_one_json_post(&server);
    let body = inbox.only();
    assert_eq!(body["kind"], "zwgk.run");
    assert_eq!(body["outcome"], "regressed");
    assert_eq!(body["as_of"], "2025-12-01");
    assert_eq!(body["new_failures"].as_array().map(Vec::len), Some(200));
    assert!(body["text"].as_str().is_some_and(|t| t.contains(KEYWORD)));
}

#[tokio::test]
async fn a_nonzero_errcode_is_an_error_naming_it() {
    let server = serve(robots(Inbox::default())).await;
    let error = notify(
        &server.url("/refusing-wecom?key=k"),
        NotifyFormat::Wecom,
        &big_alert(),
        None,
    )
    .await
    .expect_err("errcode 93000");
    let message = error.to_string();
    assert!(
        message.contains("errcode 93000") && message.contains("invalid webhook url"),
        "{message}"
    );
    // errmsg is the robot's text: brackets in it are made inert too.
    assert!(message.contains("hint: ［1700000000_1］"), "{message}");
}

#[tokio::test]
async fn http_500_is_an_error_with_the_status_and_the_start_of_the_body() {
    let server = serve(robots(Inbox::default())).await;
    let error = notify(&server.url("/broken"), NotifyFormat::Wecom, &big_alert(), None)
        .await
        .expect_err("HTTP 500");
    assert!(matches!(error, NotifyError::Status { status: 500, .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("HTTP 500") && message.contains("internal error: xxx"),
        "{message}"
    );
    assert!(message.len() < 1000, "the body is cut: {} bytes", message.len());
}

#[tokio::test]
async fn a_200_page_without_errcode_is_an_error() {
    // A captive portal or proxy answering for the robot: delivery cannot be confirmed.
    let server = serve(robots(Inbox::default())).await;
    let error = notify(&server.url("/portal"), NotifyFormat::Wecom, &big_alert(), None)
        .await
        .expect_err("no errcode");
    assert!(matches!(error, NotifyError::Unreadable { .. }), "{error:?}");
    assert!(error.to_string().contains("请先登录上网认证"), "{error}");
}

#[tokio::test]
async fn a_redirect_is_an_error_and_not_followed() {
    let server = serve(robots(Inbox::default())).await;
    let error = notify(&server.url("/moved?key=k"), NotifyFormat::Wecom, &big_alert(), None)
        .await
        .expect_err("HTTP 302");
    assert!(matches!(error, NotifyError::Status { status: 302, .. }), "{error:?}");
    assert_eq!(paths(&server), ["/moved?key=k"]);
}

#[tokio::test]
async fn an_unreachable_port_is_an_error_not_a_panic() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/cgi-bin/webhook/send?key=s3cr3t");
    for format in [NotifyFormat::Wecom, NotifyFormat::Dingtalk, NotifyFormat::Json] {
        let error = notify(&url, format, &big_alert(), None)
            .await
            .expect_err("nothing listens");
        assert!(matches!(error, NotifyError::Send { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains(&format!("`http://127.0.0.1:{port}`")), "{message}");
        assert!(!message.contains("s3cr3t"), "{message}");
    }
}
