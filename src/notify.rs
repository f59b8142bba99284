//! Run alerts: one webhook POST telling the district office that a nightly run regressed or failed.
//!
//! In: a [`RunAlert`] (built by the nightly command from two assessments, or from a run that
//! failed), a webhook URL and a [`NotifyFormat`]. Out: one POST. [`payload`] is pure and is what
//! the tests check; [`notify`] only sends it and reads the answer.
//!
//! This is the one HTTP request zwgk makes outside `crawl`: it goes to the office's own robot,
//! not to the audited site, so robots.txt, politeness and evidence do not apply. It reads no
//! store; the only clock it reads is the timestamp of DingTalk's signature.
//!
//! What staff read is 简体中文 markdown. 企业微信群机器人 and 钉钉自定义机器人 refuse markdown over
//! 4096 bytes of UTF-8, so long lists show fewer items and say how many were left out
//! (「…另有N项」). Questions and reasons are scraped text: markdown and HTML in them are made
//! inert, so a page cannot restyle, link or break the alert.

use std::time::Duration;

use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use serde_json::{Value, json};
use url::Url;

/// Which robot the webhook belongs to, and so the shape of the request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum NotifyFormat {
    /// The [`RunAlert`] itself, for the office's own tools.
    Json,
    /// 企业微信群机器人.
    Wecom,
    /// 钉钉自定义机器人.
    Dingtalk,
}

impl NotifyFormat {
    fn name(self) -> &'static str {
        match self {
            NotifyFormat::Json => "json",
            NotifyFormat::Wecom => "wecom",
            NotifyFormat::Dingtalk => "dingtalk",
        }
    }
}

/// What the nightly run found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertOutcome {
    /// New failures or a lower score than the run before.
    Regressed,
    /// The run itself failed: nothing fetched, a host paused, a store error.
    Failed,
    /// Nothing regressed.
    Ok,
}

impl AlertOutcome {
    /// The heading; each contains 「政务公开」, the keyword offices set on their DingTalk robot.
    fn phrase(self) -> &'static str {
        match self {
            AlertOutcome::Regressed => "政务公开测评出现退步",
            AlertOutcome::Failed => "政务公开夜间检查失败",
            AlertOutcome::Ok => "政务公开测评无退步",
        }
    }
}

/// One leaf of the indicator table whose verdict changed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AlertLeaf {
    pub id: String,
    pub question: String,
    pub units: String,
    /// 达标/部分达标/不达标/待人工/不适用
    pub status: String,
    pub reason: String,
}

/// One nightly run, as the office is told about it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunAlert {
    /// The origin, e.g. `http://www.example.gov.cn`.
    pub site: String,
    /// The name the site gives itself, e.g. 某某区.
    pub district: Option<String>,
    pub run_id: Option<i64>,
    pub as_of: chrono::NaiveDate,
    pub outcome: AlertOutcome,
    /// One Chinese sentence, written by the caller.
    pub headline: String,
    /// 0..100.
    pub score: Option<f64>,
    pub score_before: Option<f64>,
    pub new_failures: Vec<AlertLeaf>,
    pub fixed: Vec<AlertLeaf>,
    /// Why the run itself failed.
    pub failure: Option<String>,
    /// Where the report was written (a path or a URL), shown as text.
    pub report: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    // The URL itself is never printed: WeCom's `key` and DingTalk's `access_token` are in it.
    #[error("the webhook URL cannot be used: {reason}")]
    Url { reason: String },
    #[error("a webhook secret signs only `dingtalk` requests, not `{format}`: remove the secret or change the format")]
    SecretUnused { format: &'static str },
    #[error("the webhook secret is empty: copy the `SEC…` string from the DingTalk robot's 加签 setting")]
    SecretEmpty,
    #[error("cannot build the HTTP client for the webhook: {reason}")]
    Client { reason: String },
    #[error("cannot send the alert to `{endpoint}`: {reason}")]
    Send { endpoint: String, reason: String },
    #[error("the webhook at `{endpoint}` answered HTTP {status}: {body}")]
    Status {
        endpoint: String,
        status: u16,
        body: String,
    },
    #[error("the webhook at `{endpoint}` refused the alert: errcode {errcode}, errmsg `{errmsg}`{}", refusal_hint(*.errcode))]
    Refused {
        endpoint: String,
        errcode: i64,
        errmsg: String,
    },
    #[error("the webhook at `{endpoint}` answered without an `errcode`, so delivery is unknown: {body}")]
    Unreadable { endpoint: String, body: String },
}

/// The causes known to be common, from the robots' documentation.
fn refusal_hint(errcode: i64) -> &'static str {
    match errcode {
        93000 => "; the WeCom webhook key is wrong or the robot was removed",
        45009 => "; the robot's limit of 20 messages a minute was reached",
        310000 => {
            "; DingTalk found no configured keyword, a wrong signature or a clock off by more than an hour: \
             check the robot's 安全设置 and the secret"
        }
        _ => "",
    }
}

/// Robots refuse markdown over 4096 bytes; the margin keeps clear of any counting difference.
const MAX_MARKDOWN_BYTES: usize = 4000;
const MAX_ITEMS: usize = 10;
const REASON_CHARS: usize = 80;
const QUESTION_CHARS: usize = 60;
const UNITS_CHARS: usize = 20;
const NAME_CHARS: usize = 40;
const HEADLINE_CHARS: usize = 150;
const FAILURE_CHARS: usize = 200;
const LOCATION_CHARS: usize = 300;
/// How much of an unexpected answer goes into an error message.
const BODY_SNIPPET_CHARS: usize = 200;
/// Webhook answers are a few dozen bytes; a larger one is not read further.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
const TIMEOUT: Duration = Duration::from_secs(10);

/// The request body for the format.
pub fn payload(format: NotifyFormat, alert: &RunAlert) -> Value {
    let text = markdown(alert);
    match format {
        NotifyFormat::Json => {
            // Serialising to a Value cannot fail: every key is a string, and a non-finite
            // score becomes null.
            let mut value = serde_json::to_value(alert).expect("a RunAlert serialises to JSON");
            if let Value::Object(fields) = &mut value {
                fields.insert("kind".to_string(), json!("zwgk.run"));
                fields.insert("text".to_string(), json!(text));
            }
            value
        }
        NotifyFormat::Wecom => json!({ "msgtype": "markdown", "markdown": { "content": text } }),
        NotifyFormat::Dingtalk => json!({ "msgtype": "markdown", "markdown": { "title": title(alert), "text": text } }),
    }
}

/// Checks a webhook configuration without sending anything, so a nightly run can refuse a bad
/// one before it crawls for hours.
pub fn check_target(url: &str, format: NotifyFormat, secret: Option<&str>) -> Result<(), NotifyError> {
    checked_url(url, format, secret).map(|_| ())
}

fn checked_url(url: &str, format: NotifyFormat, secret: Option<&str>) -> Result<Url, NotifyError> {
    let parsed = Url::parse(url.trim()).map_err(|e| NotifyError::Url { reason: e.to_string() })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(NotifyError::Url {
            reason: format!("the scheme must be http or https, not `{}`", parsed.scheme()),
        });
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(NotifyError::Url {
            reason: "it has no host".to_string(),
        });
    }
    match (format, secret) {
        (NotifyFormat::Dingtalk, Some(secret)) if secret.trim().is_empty() => Err(NotifyError::SecretEmpty),
        (NotifyFormat::Json | NotifyFormat::Wecom, Some(_)) => Err(NotifyError::SecretUnused { format: format.name() }),
        _ => Ok(parsed),
    }
}

/// POSTs the payload as JSON (10 s timeout). With a DingTalk secret the URL is signed (加签).
/// WeCom and DingTalk answer HTTP 200 with `{"errcode":N,"errmsg":"..."}`: a non-zero errcode
/// is an error. A non-2xx answer is an error with the status and the start of the body.
pub async fn notify(
    url: &str,
    format: NotifyFormat,
    alert: &RunAlert,
    secret: Option<&str>,
) -> Result<(), NotifyError> {
    let mut target = checked_url(url, format, secret)?;
    if let (NotifyFormat::Dingtalk, Some(secret)) = (format, secret) {
        sign_dingtalk_url(&mut target, secret, chrono::Utc::now().timestamp_millis());
    }
    let endpoint = target.origin().ascii_serialization();
    let body = serde_json::to_vec(&payload(format, alert)).expect("a JSON value serialises");
    let client = reqwest::Client::builder()
        .user_agent(concat!("zwgk/", env!("CARGO_PKG_VERSION"), " (run alert)"))
        .timeout(TIMEOUT)
        // A webhook that redirects is misconfigured, and following it would carry the key to
        // another address.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| NotifyError::Client {
            reason: error_chain(&e.without_url()),
        })?;
    let mut response = client
        .post(target)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| send_error(&endpoint, e))?;
    let status = response.status();
    let mut answer = Vec::new();
    while answer.len() < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => answer.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => return Err(send_error(&endpoint, e)),
        }
    }
    if !status.is_success() {
        return Err(NotifyError::Status {
            endpoint,
            status: status.as_u16(),
            body: snippet(&answer),
        });
    }
    if format == NotifyFormat::Json {
        // The office's own endpoint: a 2xx is its whole answer.
        return Ok(());
    }
    let errcode = serde_json::from_slice::<Value>(&answer).ok().and_then(|v| {
        Some((
            v.get("errcode")?.as_i64()?,
            v.get("errmsg").and_then(Value::as_str).unwrap_or("").to_string(),
        ))
    });
    match errcode {
        Some((0, _)) => Ok(()),
        Some((errcode, errmsg)) => Err(NotifyError::Refused {
            endpoint,
            errcode,
            errmsg: inert(&errmsg, BODY_SNIPPET_CHARS),
        }),
        // A 200 without errcode is a proxy or a portal page, not the robot.
        None => Err(NotifyError::Unreadable {
            endpoint,
            body: snippet(&answer),
        }),
    }
}

fn send_error(endpoint: &str, e: reqwest::Error) -> NotifyError {
    let reason = if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else {
        error_chain(&e.without_url())
    };
    NotifyError::Send {
        endpoint: endpoint.to_string(),
        reason,
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn snippet(body: &[u8]) -> String {
    let text = inert(&String::from_utf8_lossy(body), BODY_SNIPPET_CHARS);
    if text.is_empty() {
        "(empty body)".to_string()
    } else {
        text
    }
}

// ---------------------------------------------------------------------------------------------
// DingTalk 加签

/// DingTalk's 自定义机器人 加签: base64 of HMAC-SHA256 keyed by the secret over
/// "{timestamp}\n{secret}", the timestamp in milliseconds (DingTalk refuses one more than an
/// hour off).
fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    // A secret pasted with a space or a newline around it: DingTalk's own have none.
    let secret = secret.trim();
    let mut mac =
        hmac::Hmac::<sha2_011::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Adds `timestamp` and `sign` to the webhook URL (URL-encoded: a base64 `+` must not become a
/// space), replacing any left from a URL pasted with an old signature.
fn sign_dingtalk_url(url: &mut Url, secret: &str, timestamp_ms: i64) {
    let sign = dingtalk_sign(secret, timestamp_ms);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| name != "timestamp" && name != "sign")
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("timestamp", &timestamp_ms.to_string())
        .append_pair("sign", &sign);
}

// ---------------------------------------------------------------------------------------------
// Markdown

/// DingTalk shows the title in the chat list and the notification.
fn title(alert: &RunAlert) -> String {
    format!("{}：{}", place(alert), alert.outcome.phrase())
}

/// The district's name, or the site when the site gives none.
fn place(alert: &RunAlert) -> String {
    let district = alert.district.as_deref().map(|d| inert(d, NAME_CHARS));
    district
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| inert(&alert.site, NAME_CHARS))
}

/// The alert as markdown under [`MAX_MARKDOWN_BYTES`]: items are dropped from the end of the
/// lists (fixed items before new failures) until it fits.
fn markdown(alert: &RunAlert) -> String {
    let mut shown_new = alert.new_failures.len().min(MAX_ITEMS);
    let mut shown_fixed = alert.fixed.len().min(MAX_ITEMS);
    loop {
        let text = render(alert, shown_new, shown_fixed);
        if text.len() <= MAX_MARKDOWN_BYTES || (shown_new == 0 && shown_fixed == 0) {
            // Every field is cut to a length that fits with empty lists, so this cut never
            // bites; it is the guarantee.
            return cut_bytes(text, MAX_MARKDOWN_BYTES);
        }
        if shown_fixed > 0 && shown_fixed >= shown_new {
            shown_fixed -= 1;
        } else {
            shown_new -= 1;
        }
    }
}

fn render(alert: &RunAlert, shown_new: usize, shown_fixed: usize) -> String {
    // Blank lines between paragraphs: DingTalk joins lines that are not separated by one.
    let mut paragraphs = vec![format!("## {}", title(alert))];
    let headline = inert(&alert.headline, HEADLINE_CHARS);
    if !headline.is_empty() {
        paragraphs.push(headline);
    }
    let mut date = format!("测评日期：{}", alert.as_of.format("%Y-%m-%d"));
    if let Some(run_id) = alert.run_id {
        date.push_str(&format!("（第{run_id}次运行）"));
    }
    paragraphs.push(date);
    if let Some(score) = alert.score.filter(|s| s.is_finite()) {
        let change = match alert.score_before.filter(|s| s.is_finite()) {
            Some(before) if (score - before).abs() < 0.05 => "（与上次持平）".to_string(),
            Some(before) => format!("（较上次 {:+.1}）", score - before),
            None => String::new(),
        };
        paragraphs.push(format!("得分 {score:.1}{change}"));
    }
    if let Some(failure) = &alert.failure {
        paragraphs.push(format!("失败原因：{}", inert(failure, FAILURE_CHARS)));
    }
    if !alert.new_failures.is_empty() {
        paragraphs.push(leaf_list("新增不达标", &alert.new_failures, shown_new));
    }
    if !alert.fixed.is_empty() {
        paragraphs.push(leaf_list("已整改", &alert.fixed, shown_fixed));
    }
    if let Some(report) = &alert.report {
        paragraphs.push(format!("报告：{}", inert(report, LOCATION_CHARS)));
    }
    if alert
        .district
        .as_deref()
        .is_some_and(|d| !inert(d, NAME_CHARS).is_empty())
    {
        paragraphs.push(format!("网站：{}", inert(&alert.site, LOCATION_CHARS)));
    }
    paragraphs.join("\n\n")
}

fn leaf_list(heading: &str, leaves: &[AlertLeaf], shown: usize) -> String {
    let mut lines = vec![format!("**{heading}（共{}项）**", leaves.len())];
    lines.extend(leaves.iter().take(shown).map(leaf_line));
    let hidden = leaves.len() - shown.min(leaves.len());
    if hidden == leaves.len() {
        lines.push(format!("- 共{hidden}项，详见报告"));
    } else if hidden > 0 {
        lines.push(format!("- …另有{hidden}项"));
    }
    lines.join("\n")
}

/// `- 【单位】问题（状态）：原因`
fn leaf_line(leaf: &AlertLeaf) -> String {
    let mut line = String::from("- ");
    let units = inert(&leaf.units, UNITS_CHARS);
    if !units.is_empty() {
        line.push_str(&format!("【{units}】"));
    }
    let question = inert(&leaf.question, QUESTION_CHARS);
    if question.is_empty() {
        line.push_str(&inert(&leaf.id, QUESTION_CHARS));
    } else {
        line.push_str(&question);
    }
    let status = inert(&leaf.status, UNITS_CHARS);
    if !status.is_empty() {
        line.push_str(&format!("（{status}）"));
    }
    let reason = inert(&leaf.reason, REASON_CHARS);
    if !reason.is_empty() {
        line.push_str(&format!("：{reason}"));
    }
    line
}

/// Scraped text made inert in markdown and cut to `max_chars` characters (the last being 「…」
/// when something was cut): one line (controls and line separators become spaces, runs of
/// spaces one, bidirectional overrides go), and the characters that open HTML, links, images,
/// code or a heading replaced by their full-width forms, which read the same to a person. It
/// stops reading at the cut, so a megabyte of scraped text costs no more than a line.
fn inert(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space_pending = false;
    for c in text.chars() {
        let c = match c {
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => continue,
            c if c.is_control() || c.is_whitespace() => ' ',
            '<' => '＜',
            '>' => '＞',
            '[' => '［',
            ']' => '］',
            '`' => '｀',
            '#' if count == 0 => '＃',
            c => c,
        };
        if c == ' ' {
            // Leading and trailing spaces are dropped, inner runs become one.
            space_pending = count > 0;
            continue;
        }
        if space_pending {
            out.push(' ');
            count += 1;
            space_pending = false;
        }
        out.push(c);
        count += 1;
        if count > max_chars {
            break;
        }
    }
    if count > max_chars {
        out = out.chars().take(max_chars.saturating_sub(1)).collect();
        out.push('…');
    }
    out
}

/// At most `max_bytes` bytes, cut at a character boundary.
fn cut_bytes(mut text: String, max_bytes: usize) -> String {
    if text.len() > max_bytes {
        let mut end = max_bytes;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(n: usize, status: &str) -> AlertLeaf {
        AlertLeaf {
            id: format!("A.{n}"),
            question: format!("是否按规定公开第{n}项政府信息"),
            units: "区政府办公室".to_string(),
            status: status.to_string(),
            reason: "未找到近一年内发布的相关信息".to_string(),
        }
    }

    fn alert(outcome: AlertOutcome) -> RunAlert {
        RunAlert {
            site: "http://www.example.gov.cn".to_string(),
            district: Some("某某区".to_string()),
            run_id: Some(12),
            as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 1).expect("valid date"),
            outcome,
            headline: "本次测评新增2项不达标。".to_string(),
            score: Some(82.5),
            score_before: Some(85.6),
            new_failures: vec![leaf(1, "不达标"), leaf(2, "部分达标")],
            fixed: vec![leaf(3, "达标")],
            failure: None,
            report: Some("/var/lib/zwgk/report/report.html".to_string()),
        }
    }

    fn many(n: usize, status: &str, reason: &str) -> Vec<AlertLeaf> {
        (0..n)
            .map(|i| AlertLeaf {
                reason: reason.to_string(),
                ..leaf(i, status)
            })
            .collect()
    }

    #[test]
    fn wecom_is_a_markdown_message_with_every_part() {
        let body = payload(NotifyFormat::Wecom, &alert(AlertOutcome::Regressed));
        assert_eq!(body["msgtype"], "markdown");
        assert_eq!(body.as_object().map(|o| o.len()), Some(2), "{body}");
        let content = body["markdown"]["content"].as_str().expect("content is text");
        assert!(
            content.starts_with("## 某某区：政务公开测评出现退步\n\n本次测评新增2项不达标。"),
            "{content}"
        );
        for part in [
            "测评日期：2025-12-01（第12次运行）",
            "得分 82.5（较上次 -3.1）",
            "**新增不达标（共2项）**\n- 【区政府办公室】是否按规定公开第1项政府信息（不达标）：未找到近一年内发布的相关信息\n- 【区政府办公室】是否按规定公开第2项政府信息（部分达标）",
            "**已整改（共1项）**\n- 【区政府办公室】是否按规定公开第3项政府信息（达标）",
            "报告：/var/lib/zwgk/report/report.html",
            "网站：http://www.example.gov.cn",
        ] {
            assert!(content.contains(part), "missing `{part}` in\n{content}");
        }
        assert!(!content.contains("失败原因"), "{content}");
    }

    #[test]
    fn dingtalk_has_a_title_and_text_both_with_the_keyword() {
        for outcome in [AlertOutcome::Regressed, AlertOutcome::Failed, AlertOutcome::Ok] {
            let body = payload(NotifyFormat::Dingtalk, &alert(outcome));
            assert_eq!(body["msgtype"], "markdown");
            let title = body["markdown"]["title"].as_str().expect("title is text");
            let text = body["markdown"]["text"].as_str().expect("text is text");
            assert_eq!(body["markdown"].as_object().map(|o| o.len()), Some(2), "{body}");
            assert!(
                title.contains("政务公开") && text.contains("政务公开"),
                "{title} / {text}"
            );
            assert!(text.starts_with(&format!("## {title}\n")), "{text}");
        }
        let body = payload(NotifyFormat::Dingtalk, &alert(AlertOutcome::Ok));
        assert_eq!(body["markdown"]["title"], "某某区：政务公开测评无退步");
    }

    #[test]
    fn json_is_the_alert_with_kind_and_text() {
        let a = alert(AlertOutcome::Regressed);
        let body = payload(NotifyFormat::Json, &a);
        assert_eq!(body["kind"], "zwgk.run");
        assert_eq!(body["outcome"], "regressed");
        assert_eq!(body["as_of"], "2025-12-01");
        assert_eq!(body["run_id"], 12);
        assert_eq!(body["score"], 82.5);
        assert_eq!(body["new_failures"][1]["status"], "部分达标");
        assert_eq!(body["fixed"][0]["id"], "A.3");
        assert_eq!(body["failure"], Value::Null);
        assert_eq!(body["text"], payload(NotifyFormat::Wecom, &a)["markdown"]["content"]);
    }

    #[test]
    fn a_failed_run_says_why_and_has_no_score_when_none() {
        let mut a = alert(AlertOutcome::Failed);
        a.score = None;
        a.new_failures.clear();
        a.fixed.clear();
        a.failure = Some("未能抓取任何页面：连接被拒绝".to_string());
        a.district = None;
        let body = payload(NotifyFormat::Wecom, &a);
        let content = body["markdown"]["content"].as_str().expect("content");
        assert!(
            content.starts_with("## http://www.example.gov.cn：政务公开夜间检查失败"),
            "{content}"
        );
        assert!(content.contains("失败原因：未能抓取任何页面：连接被拒绝"), "{content}");
        assert!(
            !content.contains("得分") && !content.contains("新增不达标") && !content.contains("网站："),
            "{content}"
        );
        assert_eq!(payload(NotifyFormat::Json, &a)["outcome"], "failed");
        assert_eq!(payload(NotifyFormat::Json, &alert(AlertOutcome::Ok))["outcome"], "ok");
    }

    #[test]
    fn score_change_is_signed_and_says_when_unchanged() {
        let cases = [
            (Some(82.5), Some(85.6), "得分 82.5（较上次 -3.1）"),
            (Some(90.0), Some(87.7), "得分 90.0（较上次 +2.3）"),
            (Some(80.0), Some(80.01), "得分 80.0（与上次持平）"),
            (Some(80.0), None, "得分 80.0\n"),
            (Some(80.0), Some(f64::NAN), "得分 80.0\n"),
        ];
        for (score, before, expected) in cases {
            let mut a = alert(AlertOutcome::Regressed);
            (a.score, a.score_before) = (score, before);
            let text = markdown(&a);
            assert!(text.contains(expected), "{score:?} {before:?}: {text}");
        }
        let mut a = alert(AlertOutcome::Regressed);
        a.score = Some(f64::INFINITY);
        assert!(!markdown(&a).contains("得分"));
        // A non-finite score is null in JSON, not an error.
        a.score = Some(f64::NAN);
        assert_eq!(payload(NotifyFormat::Json, &a)["score"], Value::Null);
    }

    #[test]
    fn lists_show_ten_items_and_count_the_rest() {
        let mut a = alert(AlertOutcome::Regressed);
        a.new_failures = many(13, "不达标", "无");
        a.fixed = many(11, "达标", "无");
        let text = markdown(&a);
        assert_eq!(text.matches("（不达标）").count(), 10, "{text}");
        assert_eq!(text.matches("（达标）").count(), 10, "{text}");
        assert!(text.contains("**新增不达标（共13项）**"), "{text}");
        assert!(text.contains("- …另有3项\n\n**已整改（共11项）**"), "{text}");
        assert!(text.contains("- …另有1项\n\n报告："), "{text}");
    }

    #[test]
    fn two_hundred_new_failures_fit_every_format() {
        let mut a = alert(AlertOutcome::Regressed);
        a.new_failures = many(
            200,
            "不达标",
            &"栏目内容长期未更新，最近一条信息发布于三年前。".repeat(10),
        );
        a.fixed = many(50, "达标", &"已补充发布".repeat(30));
        let wecom = payload(NotifyFormat::Wecom, &a);
        let dingtalk = payload(NotifyFormat::Dingtalk, &a);
        let json = payload(NotifyFormat::Json, &a);
        for text in [
            &wecom["markdown"]["content"],
            &dingtalk["markdown"]["text"],
            &json["text"],
        ] {
            let text = text.as_str().expect("markdown");
            assert!(text.len() < 4096, "{} bytes", text.len());
            assert!(text.contains("政务公开"));
            assert!(text.contains("**新增不达标（共200项）**"), "{text}");
            assert!(text.contains("另有"), "{text}");
            // New failures are kept before fixed items.
            let new_shown = text.matches("（不达标）").count();
            let fixed_shown = text.matches("（达标）").count();
            assert!(
                new_shown >= 5 && new_shown >= fixed_shown,
                "{new_shown}/{fixed_shown} shown:\n{text}"
            );
            // Reasons are cut to 80 characters, the last being the ellipsis.
            let line = text.lines().find(|l| l.starts_with("- 【")).expect("an item");
            let reason = line.split_once("）：").expect("a reason").1;
            assert_eq!(reason.chars().count(), 80, "{reason}");
            assert!(reason.ends_with('…'));
        }
        // The JSON body still carries every leaf.
        assert_eq!(json["new_failures"].as_array().map(Vec::len), Some(200));
    }

    #[test]
    fn huge_fields_still_fit_and_keep_the_keyword() {
        let huge = "很长的文字".repeat(5000);
        let mut a = alert(AlertOutcome::Failed);
        a.district = Some(huge.clone());
        a.site = format!("http://{}.gov.cn", "a".repeat(5000));
        a.headline = huge.clone();
        a.failure = Some(huge.clone());
        a.report = Some(huge.clone());
        a.new_failures = many(30, "不达标", &huge)
            .into_iter()
            .map(|l| AlertLeaf {
                question: huge.clone(),
                units: huge.clone(),
                status: huge.clone(),
                ..l
            })
            .collect();
        a.fixed = a.new_failures.clone();
        for format in [NotifyFormat::Wecom, NotifyFormat::Dingtalk] {
            let body = payload(format, &a);
            let text = body["markdown"]["content"]
                .as_str()
                .or(body["markdown"]["text"].as_str())
                .expect("text");
            assert!(text.len() <= MAX_MARKDOWN_BYTES, "{} bytes", text.len());
            assert!(text.contains("政务公开夜间检查失败"));
            assert!(text.contains("新增不达标（共30项）"), "{text}");
        }
        let title = payload(NotifyFormat::Dingtalk, &a)["markdown"]["title"]
            .as_str()
            .map(str::to_string);
        assert!(title.is_some_and(|t| t.chars().count() < 60 && t.contains("政务公开")));
    }

    #[test]
    fn scraped_markdown_and_html_are_inert() {
        let cases = [
            (
                "<font color=\"warning\">紧急</font>",
                "＜font color=\"warning\"＞紧急＜/font＞",
            ),
            ("[点此](http://evil.example/)", "［点此］(http://evil.example/)"),
            ("![img](x.png)", "!［img］(x.png)"),
            ("`code`", "｀code｀"),
            ("# 标题", "＃ 标题"),
            ("  ## 标题", "＃# 标题"),
            ("第一行\n# 第二行\r\n> 引用", "第一行 # 第二行 ＞ 引用"),
            ("a\u{1b}[2Jb\u{7}c\u{85}d", "a ［2Jb c d"),
            ("abc\u{202e}fed\u{2066}x", "abcfedx"),
            ("行\u{2028}分隔\t制表", "行 分隔 制表"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(inert(input, 100), expected, "{input:?}");
        }
        let mut a = alert(AlertOutcome::Regressed);
        a.new_failures[0].reason = "见<a href=x>链接</a>\n## 伪造标题\n- 伪造条目".to_string();
        a.new_failures[0].units = "[办公室]".to_string();
        let text = markdown(&a);
        assert!(text.contains("- 【［办公室］】"), "{text}");
        assert!(
            text.contains("：见＜a href=x＞链接＜/a＞ ## 伪造标题 - 伪造条目\n"),
            "{text}"
        );
        assert_eq!(text.lines().filter(|l| l.starts_with('#')).count(), 1, "{text}");
    }

    #[test]
    fn a_list_with_no_room_says_how_many() {
        let leaves = many(3, "达标", "无");
        assert_eq!(
            leaf_list("已整改", &leaves, 0),
            "**已整改（共3项）**\n- 共3项，详见报告"
        );
        assert_eq!(leaf_list("已整改", &leaves, 3).lines().count(), 4);
        // An item without a question is named by its id.
        let bare = AlertLeaf {
            id: "B.2".to_string(),
            question: String::new(),
            units: String::new(),
            status: String::new(),
            reason: String::new(),
        };
        assert_eq!(leaf_line(&bare), "- B.2");
    }

    #[test]
    fn cutting_counts_characters_and_keeps_boundaries() {
        assert_eq!(inert("政务公开", 4), "政务公开");
        assert_eq!(inert("政务公开   ", 4), "政务公开");
        assert_eq!(inert("政务公开测评", 4), "政务公…");
        assert_eq!(inert("政务 公开", 4), "政务 …");
        assert_eq!(inert("abc", 0), "…");
        assert_eq!(inert(&"长".repeat(1_000_000), 80).chars().count(), 80);
        assert_eq!(cut_bytes("政务".to_string(), 4), "政");
        assert_eq!(cut_bytes("政务".to_string(), 6), "政务");
    }

    #[test]
    fn dingtalk_signature_matches_the_documented_algorithm() {
        // Expected values computed with Python's hmac/hashlib/base64, as in DingTalk's example.
        let cases = [
            (
                "SECtest-secret",
                1_700_000_000_000,
                "LC7hxZ4wslL+P7j7gu1hoQ+wzByekL+yWgiUMekZs0g=",
            ),
            (
                "this is secret",
                1_577_836_800_000,
                "fFV9t5lBS7KH4+5B0JjR99ab+AJkXFauQXycgTkS/tc=",
            ),
        ];
        for (secret, timestamp, expected) in cases {
            assert_eq!(dingtalk_sign(secret, timestamp), expected);
            assert_eq!(
                dingtalk_sign(&format!(" {secret}\n"), timestamp),
                expected,
                "a pasted secret is trimmed"
            );
        }
    }

    #[test]
    fn signed_url_keeps_the_token_and_url_encodes_the_sign() {
        let mut url = Url::parse("https://oapi.dingtalk.com/robot/send?access_token=abc123").expect("url");
        sign_dingtalk_url(&mut url, "this is secret", 1_577_836_800_000);
        assert_eq!(
            url.as_str(),
            "https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1577836800000\
             &sign=fFV9t5lBS7KH4%2B5B0JjR99ab%2BAJkXFauQXycgTkS%2Ftc%3D"
        );
        // A URL pasted with an old signature gets a fresh one, not two.
        sign_dingtalk_url(&mut url, "SECtest-secret", 1_700_000_000_000);
        assert_eq!(url.query_pairs().filter(|(k, _)| k == "sign").count(), 1);
        assert_eq!(url.query_pairs().filter(|(k, _)| k == "timestamp").count(), 1);
        assert!(
            url.as_str()
                .starts_with("https://oapi.dingtalk.com/robot/send?access_token=abc123&")
        );
    }

    #[test]
    fn configurations_are_checked_before_sending() {
        let ok = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k";
        assert!(check_target(ok, NotifyFormat::Wecom, None).is_ok());
        assert!(check_target(ok, NotifyFormat::Dingtalk, Some("SECabc")).is_ok());
        let refused = [
            ("not a url", NotifyFormat::Json, None),
            ("ftp://example.com/hook", NotifyFormat::Json, None),
            ("file:///etc/passwd", NotifyFormat::Json, None),
            (ok, NotifyFormat::Wecom, Some("SECabc")),
            (ok, NotifyFormat::Json, Some("SECabc")),
            (ok, NotifyFormat::Dingtalk, Some("  ")),
        ];
        for (url, format, secret) in refused {
            assert!(
                check_target(url, format, secret).is_err(),
                "{url} {format:?} {secret:?}"
            );
        }
    }

    #[test]
    fn errors_never_print_the_webhook_key() {
        let e = check_target(
            "https://qyapi.weixin.qq.com/send?key=SECRETKEY",
            NotifyFormat::Wecom,
            Some("s"),
        )
        .expect_err("a secret with wecom is refused");
        assert!(!e.to_string().contains("SECRETKEY"), "{e}");
        let e = check_target("https://[qyapi/send?key=SECRETKEY", NotifyFormat::Wecom, None).expect_err("not a URL");
        assert!(!e.to_string().contains("SECRETKEY"), "{e}");
        let e = NotifyError::Refused {
            endpoint: "https://oapi.dingtalk.com".into(),
            errcode: 310000,
            errmsg: "keywords not in content".into(),
        };
        let message = e.to_string();
        assert!(
            message.contains("errcode 310000") && message.contains("keywords not in content"),
            "{message}"
        );
        assert!(message.contains("安全设置"), "{message}");
    }
}
