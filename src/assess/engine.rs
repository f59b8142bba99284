//! The assessment engine: every leaf of a catalog scored against a site view as of a date —
//! its rule evaluated from the primitives, reasons in Chinese, evidence tied to stored
//! fetches, assessors' manual verdicts merged, and roll-ups by 一级指标 and 责任单位.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::calendar::WorkCalendar;
use super::catalog::{Catalog, DayType, Period, RawLeaf};
use super::columns::ColumnDefs;
use super::content::{self, column_docs, matching_items};
use super::rules::{self, Cite, ColumnView, Outcome, Status};
use super::site::{Page, SiteView};
use super::site_checks;
use super::timing::{self, EventSource, Timeliness, with_year};

/// What a rule is evaluated against.
pub struct Context<'a> {
    pub site: &'a SiteView,
    pub calendar: &'a WorkCalendar,
    pub defs: &'a ColumnDefs,
    pub as_of: NaiveDate,
    /// The assessment year Y.
    pub year: i32,
    /// What the district is responsible for (`land_transfer`, `mining_rights`), from the site
    /// profile; absent = unknown.
    pub capabilities: &'a BTreeMap<String, bool>,
}

impl<'a> Context<'a> {
    /// The Chinese name of a column key (`a|b`: the names joined by 或).
    fn key_name(&self, key: &str) -> String {
        key.split('|')
            .map(|k| match k.trim() {
                "home" => "网站首页".to_string(),
                k => self
                    .defs
                    .keys
                    .get(k)
                    .and_then(|d| d.names.first().cloned())
                    .unwrap_or_else(|| k.to_string()),
            })
            .collect::<Vec<_>>()
            .join("或")
    }

    fn year_start(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or(self.as_of)
    }

    /// A key's columns as they stood on the as-of date: items published after it did not exist
    /// yet (a December 通报 computed from a January crawl must not count January's items).
    /// Borrowed when nothing is newer than the as-of date, the usual case: no copy per leaf.
    fn columns(&self, key: &str) -> std::borrow::Cow<'a, [ColumnView]> {
        let columns = self.site.column(key);
        let later = |c: &ColumnView| c.items.iter().any(|i| i.date.is_some_and(|d| d > self.as_of));
        if !columns.iter().any(later) {
            return columns;
        }
        let mut owned = columns.into_owned();
        for c in &mut owned {
            c.items.retain(|i| i.date.is_none_or(|d| d <= self.as_of));
        }
        std::borrow::Cow::Owned(owned)
    }
}

fn text<'a>(rule: &'a toml::Value, name: &str) -> Option<&'a str> {
    rule.get(name).and_then(toml::Value::as_str)
}

fn strings(rule: &toml::Value, name: &str) -> Vec<String> {
    rule.get(name)
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn integer(rule: &toml::Value, name: &str) -> Option<i64> {
    rule.get(name).and_then(toml::Value::as_integer)
}

/// `P14D`, `P3M`, `P6M`, `P1Y` → (months, days).
fn duration(iso: &str) -> Option<(u32, u32)> {
    let body = iso.strip_prefix('P')?;
    let (number, unit) = body.split_at(body.len().checked_sub(1)?);
    let n: u32 = number.parse().ok()?;
    match unit {
        "D" => Some((0, n)),
        "W" => Some((0, n * 7)),
        "M" => Some((n, 0)),
        "Y" => Some((n * 12, 0)),
        _ => None,
    }
}

fn period(name: &str) -> Option<Period> {
    Some(match name {
        "fortnight" => Period::Fortnight,
        "month" => Period::Month,
        "quarter" => Period::Quarter,
        "half_year" => Period::HalfYear,
        "year" => Period::Year,
        _ => return None,
    })
}

fn bad_rule(problem: String) -> Outcome {
    Outcome::manual(format!("指标规则有误，需人工评价：{problem}"))
}

/// A compiled title pattern with `{Y}`/`{Y-1}` substituted.
fn pattern(rule: &toml::Value, name: &str, year: i32) -> Result<Option<Regex>, Outcome> {
    match text(rule, name) {
        None => Ok(None),
        Some(p) => Regex::new(&with_year(p, year))
            .map(Some)
            .map_err(|e| bad_rule(format!("`{name}` 不是有效的正则表达式：{e}"))),
    }
}

/// Evaluates one rule.
pub fn evaluate(rule: &toml::Value, cx: &Context<'_>) -> Outcome {
    let kind = text(rule, "kind").unwrap_or("");
    let site = cx.site;
    let key = text(rule, "column").or_else(|| text(rule, "page"));
    let columns_owned = key.map(|k| cx.columns(k)).unwrap_or_default();
    let columns: &[ColumnView] = &columns_owned;
    let key_name = key.map(|k| cx.key_name(k)).unwrap_or_default();
    let needs_column = matches!(
        kind,
        "column_not_empty"
            | "freshness"
            | "periodic_coverage"
            | "deadline"
            | "contains_all"
            | "contains_any"
            | "table_headers"
            | "attachment_present"
            | "validity_labelled"
            | "annual_report_arithmetic"
            | "timeliness"
    );
    if needs_column && key.is_some() && columns.is_empty() {
        return Outcome::new(
            Status::Fail,
            Some(0.0),
            format!(
                "网站未找到「{key_name}」栏目（按栏目名称、ColumnName/ColumnType、导航文字和面包屑查找），相关信息无法在公开位置查到"
            ),
            Vec::new(),
        );
    }
    match kind {
        "manual" => Outcome::manual(format!(
            "需人工评价：{}",
            text(rule, "why").unwrap_or("网站无法显示该项")
        )),
        "column_exists" => rules::column_exists(&key_name, columns),
        "column_not_empty" => rules::column_not_empty(&key_name, columns),
        "freshness" => {
            let Some((months, days)) = text(rule, "within").and_then(duration) else {
                return bad_rule("freshness 需要 within（如 P6M）".to_string());
            };
            if rule.get("each").and_then(toml::Value::as_bool) == Some(true) && columns.len() > 1 {
                // 专题 columns are topics of their time, not columns owed updates (普查 rule).
                let (topics, judged): (Vec<&ColumnView>, Vec<&ColumnView>) =
                    columns.iter().partition(|c| c.name.contains("专题"));
                let outcomes: Vec<Outcome> = judged
                    .iter()
                    .map(|c| rules::freshness(&key_name, std::slice::from_ref(*c), months, days, cx.as_of))
                    .collect();
                let fresh = outcomes.iter().filter(|o| o.status == Status::Pass).count();
                let mut reason = outcomes
                    .iter()
                    .map(|o| o.reason.as_str())
                    .collect::<Vec<_>>()
                    .join("；");
                if !topics.is_empty() {
                    reason.push_str(&format!(
                        "（专题栏目不计：{}）",
                        topics.iter().map(|c| format!("「{}」", c.name)).collect::<String>()
                    ));
                }
                let evidence = outcomes.into_iter().flat_map(|o| o.evidence).collect();
                Outcome::graded(fresh, judged.len(), reason, evidence)
            } else {
                rules::freshness(&key_name, columns, months, days, cx.as_of)
            }
        }
        "periodic_coverage" => {
            let Some(every) = text(rule, "every").and_then(period) else {
                return bad_rule("periodic_coverage 需要 every".to_string());
            };
            rules::periodic_coverage(&key_name, columns, every, cx.year, cx.as_of)
        }
        "timeliness" => {
            let Some(source) = text(rule, "event_source").and_then(EventSource::parse) else {
                return bad_rule("timeliness 需要 event_source".to_string());
            };
            let day_type = match text(rule, "day_type") {
                Some("working") => DayType::Working,
                _ => DayType::Calendar,
            };
            let documents = cx.columns(text(rule, "documents").unwrap_or("policy_docs"));
            timing::timeliness(
                site,
                cx.calendar,
                columns,
                &documents,
                &Timeliness {
                    key_name: &key_name,
                    limit_days: u32::try_from(integer(rule, "limit_days").unwrap_or(0)).unwrap_or(0),
                    day_type,
                    source,
                    from: cx.year_start(),
                    to: cx.as_of,
                },
            )
        }
        "deadline" => {
            let raw = text(rule, "title_pattern").unwrap_or("");
            let re = match pattern(rule, "title_pattern", cx.year) {
                Ok(Some(re)) => re,
                Ok(None) => return bad_rule("deadline 需要 title_pattern".to_string()),
                Err(o) => return o,
            };
            let month = u32::try_from(integer(rule, "month").unwrap_or(12)).unwrap_or(12);
            let day = u32::try_from(integer(rule, "day").unwrap_or(31)).unwrap_or(31);
            let Some(due) = NaiveDate::from_ymd_opt(cx.year, month, day) else {
                return bad_rule(format!("无效的期限 {month}月{day}日"));
            };
            timing::deadline(&key_name, columns, &re, due, raw.contains("{Y"), cx.as_of)
        }
        "contains_all" | "contains_any" => {
            let terms = strings(rule, "terms");
            let all = kind == "contains_all";
            match pattern(rule, "items", cx.year) {
                Err(o) => o,
                Ok(Some(re)) => {
                    let items = matching_items(columns, Some(&re));
                    let what = format!("「{key_name}」栏目中标题符合「{}」的信息", re.as_str());
                    content::contains_per_item(site, &items, &terms, all, &what)
                }
                Ok(None) => {
                    let landing = text(rule, "page").is_some();
                    let docs = column_docs(site, columns, landing);
                    let where_ = if landing {
                        format!("「{key_name}」栏目页")
                    } else {
                        format!("「{key_name}」栏目")
                    };
                    content::contains(&where_, &docs, &terms, all)
                }
            }
        }
        "table_headers" => match pattern(rule, "items", cx.year) {
            Err(o) => o,
            Ok(re) => {
                let items = matching_items(columns, re.as_ref());
                content::table_headers(site, &key_name, columns, &items, &strings(rule, "headers"))
            }
        },
        "attachment_present" => content::attachment_present(site, &key_name, columns, &strings(rule, "ext")),
        "link_to" => {
            let (pages, where_) = scope_pages(cx, key);
            content::link_to(&pages, &where_, &strings(rule, "hosts"), &strings(rule, "texts"))
        }
        "form_present" => content::form_present(site, text(rule, "form").unwrap_or("search")),
        "image_near" => {
            let (pages, where_) = scope_pages(cx, key);
            content::image_near(&pages, &where_, &strings(rule, "terms"))
        }
        "validity_labelled" => content::validity_labelled(site, &key_name, columns),
        "cross_linked" => {
            let other = cx.columns(text(rule, "other").unwrap_or("interpretation"));
            if other.is_empty() {
                return Outcome::new(
                    Status::Fail,
                    Some(0.0),
                    "网站未找到政策解读栏目".to_string(),
                    Vec::new(),
                );
            }
            content::cross_linked(site, columns, &other, cx.year_start(), cx.as_of)
        }
        "consultation_feedback" => super::consultation::consultation_feedback(
            site,
            &key_name,
            columns,
            &strings(rule, "terms"),
            integer(rule, "grace").unwrap_or(30),
            cx.year_start(),
            cx.as_of,
        ),
        "annual_report_arithmetic" => annual_report_arithmetic(cx, &key_name, columns),
        "interaction_replied" => {
            let (months, _) = text(rule, "within").and_then(duration).unwrap_or((3, 0));
            site_checks::interaction_replied(site, &cx.columns("interaction"), months, cx.as_of)
        }
        "no_blank_columns" => {
            site_checks::no_blank_columns(site, usize::try_from(integer(rule, "max").unwrap_or(0)).unwrap_or(0))
        }
        "links_available" => site_checks::links_available(site, text(rule, "scope") == Some("site")),
        "pub_date_consistent" => site_checks::pub_date_consistent(site),
        "all" => all(rule, cx),
        "na_unless" => {
            let capability = text(rule, "capability").unwrap_or("");
            let label = match capability {
                "land_transfer" => "国有土地使用权出让",
                "mining_rights" => "矿业权审批出让",
                other => other,
            };
            match cx.capabilities.get(capability) {
                Some(false) => Outcome::na(format!("站点配置注明本区不承担{label}职能，此项不评估")),
                _ => {
                    let then = rule
                        .get("then")
                        .map(|r| evaluate(r, cx))
                        .unwrap_or_else(|| bad_rule("缺少 then".to_string()));
                    if then.status == Status::Fail && !cx.capabilities.contains_key(capability) {
                        let mut o = then;
                        o.reason
                            .push_str(&format!("（如本区不承担{label}职能，此项不适用，请在站点配置中注明）"));
                        o
                    } else {
                        then
                    }
                }
            }
        }
        other => bad_rule(format!("未知规则类型 `{other}`")),
    }
}

/// The pages a `link_to`/`image_near` looks at: the home page, or a column's own pages.
fn scope_pages<'a>(cx: &Context<'a>, key: Option<&str>) -> (Vec<&'a Page>, String) {
    match key {
        None | Some("home") => (cx.site.home_page().into_iter().collect(), "网站首页".to_string()),
        Some(k) => {
            let columns = cx.columns(k);
            let pages = columns
                .iter()
                .flat_map(|c| c.pages.iter())
                .filter_map(|u| cx.site.page(u))
                .collect();
            (pages, format!("「{}」栏目", cx.key_name(k)))
        }
    }
}

fn all(rule: &toml::Value, cx: &Context<'_>) -> Outcome {
    let outcomes: Vec<Outcome> = rule
        .get("rules")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| evaluate(r, cx))
        .filter(|o| o.status != Status::NotApplicable)
        .collect();
    if outcomes.is_empty() {
        return Outcome::na("各子项均不适用".to_string());
    }
    let reason = outcomes
        .iter()
        .map(|o| o.reason.as_str())
        .collect::<Vec<_>>()
        .join("；");
    let failures = outcomes.iter().map(|o| o.failures).sum();
    let evidence: Vec<Cite> = outcomes.iter().flat_map(|o| o.evidence.clone()).collect();
    let scored: Vec<f64> = outcomes.iter().filter_map(|o| o.score).collect();
    let statuses: Vec<Status> = outcomes.iter().map(|o| o.status).collect();
    let status = if statuses.iter().all(|s| *s == Status::Pass) {
        Status::Pass
    } else if statuses.iter().all(|s| *s == Status::Fail) {
        Status::Fail
    } else if statuses.iter().all(|s| matches!(s, Status::Pass | Status::Manual)) {
        Status::Manual
    } else {
        Status::Partial
    };
    let score = match status {
        Status::Manual => None,
        _ if scored.is_empty() => None,
        _ => Some(scored.iter().sum::<f64>() / scored.len() as f64),
    };
    let estimated = outcomes.iter().any(|o| o.estimated_calendar);
    Outcome::new(status, score, reason, evidence)
        .with_failures(failures)
        .with_estimated_calendar(estimated)
}

fn annual_report_arithmetic(cx: &Context<'_>, key_name: &str, columns: &[ColumnView]) -> Outcome {
    let wanted = format!("{}年?度?.*(年度报告|年报)", cx.year - 1);
    let re = Regex::new(&wanted).expect("a literal pattern");
    let Some(item) = matching_items(columns, Some(&re)).into_iter().next() else {
        return Outcome::new(
            Status::Fail,
            Some(0.0),
            format!("「{key_name}」栏目未找到{}年度报告，无法核对表格", cx.year - 1),
            Vec::new(),
        );
    };
    let Some(page) = cx.site.page(&item.url) else {
        return Outcome::manual(format!("《{}》未能抓取，无法核对表格", item.title));
    };
    let mut tables = page.tables.clone();
    for a in &page.attachments {
        if let Some(file) = cx.site.page(&a.url) {
            tables.extend(file.tables.iter().cloned());
        }
    }
    match site_checks::report_arithmetic(&tables) {
        None => Outcome::na(format!(
            "《{}》没有2019年新版格式的表三（收到和处理政府信息公开申请情况），不核对勾稽关系",
            item.title
        )),
        Some((checks, broken)) if broken.is_empty() => Outcome::new(
            Status::Pass,
            Some(1.0),
            format!("《{}》表三、表四共{checks}项勾稽关系均成立", item.title),
            vec![rules::cite_item(item)],
        ),
        Some((checks, broken)) => Outcome::new(
            Status::Fail,
            Some((checks - broken.len()) as f64 / checks as f64),
            format!(
                "《{}》{checks}项勾稽关系中{}项不成立：{}",
                item.title,
                broken.len(),
                broken.join("；")
            ),
            vec![rules::cite(&item.url, broken.first().cloned().unwrap_or_default())],
        )
        .with_failures(broken.len()),
    }
}

/// Evidence as the report shows it: the stored fetch it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub url: String,
    pub fetched_at: Option<String>,
    pub sha256: Option<String>,
    pub excerpt: String,
}

/// One leaf's verdict (the JSON contract of `zwgk assess`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub id: String,
    pub path: Vec<String>,
    pub question: String,
    pub units: Vec<String>,
    pub time_limit: String,
    pub status: Status,
    pub score: Option<f64>,
    pub reason: String,
    pub evidence: Vec<Evidence>,
    /// `auto`, or `manual` when an assessor's verdict was merged.
    pub source: String,
    /// Failure units (late items, missing periods …) for deductions.
    pub failures: usize,
}

/// An assessor's verdict for one leaf, from the `--manual` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualVerdict {
    pub id: String,
    pub status: Status,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub assessor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManualFile {
    #[serde(default)]
    verdict: Vec<ManualVerdict>,
}

/// Reads a manual-verdict file (TOML `[[verdict]]` tables, or a JSON array).
pub fn parse_manual(text: &str, file: &str, catalog: &Catalog) -> Result<Vec<ManualVerdict>, String> {
    let verdicts = if text.trim_start().starts_with('[') && !text.trim_start().starts_with("[[") {
        serde_json::from_str::<Vec<ManualVerdict>>(text)
            .map_err(|e| format!("`{file}` is not a valid JSON verdict list: {e}"))?
    } else {
        toml::from_str::<ManualFile>(text)
            .map_err(|e| format!("`{file}` is not a valid verdict file: {e}"))?
            .verdict
    };
    for v in &verdicts {
        if !catalog.leaves.iter().any(|l| l.id == v.id) {
            return Err(format!(
                "`{file}`: leaf `{}` is not in the catalog `{}`",
                v.id, catalog.file
            ));
        }
        if let Some(s) = v.score
            && !(0.0..=1.0).contains(&s)
        {
            return Err(format!("`{file}`: leaf `{}` has score {s}; scores are 0..1", v.id));
        }
    }
    Ok(verdicts)
}

fn law_note_zh(leaf: &RawLeaf) -> Option<&str> {
    leaf.law_note
        .as_deref()
        .filter(|n| n.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
}

/// Scores every leaf of the catalog.
pub fn assess_leaves(catalog: &Catalog, cx: &Context<'_>, manual: &[ManualVerdict]) -> Vec<Verdict> {
    // Leaves read shared, lazily decompressed page texts, so they are evaluated on every core.
    let outcomes = crate::parallel::map(&catalog.leaves, |leaf| {
        let started = std::time::Instant::now();
        let outcome = evaluate(&leaf.rule, cx);
        tracing::debug!(leaf = %leaf.id, ms = started.elapsed().as_millis(), "leaf evaluated");
        outcome
    });
    catalog
        .leaves
        .iter()
        .zip(outcomes)
        .map(|(leaf, outcome)| {
            let mut verdict = Verdict {
                id: leaf.id.clone(),
                path: leaf.path.clone(),
                question: leaf.question.clone(),
                units: leaf.units.clone(),
                time_limit: leaf.time_limit_text.clone(),
                status: outcome.status,
                score: outcome.score.map(|s| (s * 1000.0).round() / 1000.0),
                reason: outcome.reason,
                evidence: outcome.evidence.iter().map(|c| evidence_of(cx.site, c)).collect(),
                source: "auto".to_string(),
                failures: outcome.failures,
            };
            if outcome.estimated_calendar {
                verdict
                    .reason
                    .push_str("（按推定日历计算：该年度国务院节假日安排未载入，调休未知）");
            }
            if let Some(note) = law_note_zh(leaf) {
                verdict.reason.push_str(&format!("（说明：{note}）"));
            }
            if let Some(m) = manual.iter().rev().find(|m| m.id == leaf.id) {
                let before = match verdict.status {
                    Status::Manual => String::new(),
                    s => format!("（自动评价为{}：{}）", status_zh(s), verdict.reason),
                };
                let by = m.assessor.as_deref().map(|a| format!("（{a}）")).unwrap_or_default();
                verdict.status = m.status;
                verdict.score = m.score.or(match m.status {
                    Status::Pass => Some(1.0),
                    Status::Fail => Some(0.0),
                    _ => None,
                });
                verdict.reason = format!("人工核查{by}：{}{before}", m.note);
                verdict.evidence.extend(m.evidence.iter().map(|e| Evidence {
                    url: e.clone(),
                    fetched_at: None,
                    sha256: None,
                    excerpt: "人工核查证据".to_string(),
                }));
                verdict.source = "manual".to_string();
            }
            verdict
        })
        .collect()
}

fn evidence_of(site: &SiteView, cite: &Cite) -> Evidence {
    let page = site.page(&cite.url);
    Evidence {
        url: cite.url.clone(),
        fetched_at: page.map(|p| p.fetched_at.clone()),
        sha256: page.map(|p| p.sha256.clone()),
        excerpt: cite.excerpt.clone(),
    }
}

pub fn status_zh(status: Status) -> &'static str {
    match status {
        Status::Pass => "达标",
        Status::Partial => "部分达标",
        Status::Fail => "不达标",
        Status::Manual => "待人工评价",
        Status::NotApplicable => "不适用",
    }
}

/// Counts of verdicts by status, and the mean score of the scored ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Counts {
    pub total: usize,
    pub pass: usize,
    pub partial: usize,
    pub fail: usize,
    pub manual: usize,
    pub na: usize,
    /// Mean score of the leaves with a score (pass/partial/fail), 0..1.
    pub score: Option<f64>,
}

impl Counts {
    fn add(&mut self, v: &Verdict, scores: &mut Vec<f64>) {
        self.total += 1;
        match v.status {
            Status::Pass => self.pass += 1,
            Status::Partial => self.partial += 1,
            Status::Fail => self.fail += 1,
            Status::Manual => self.manual += 1,
            Status::NotApplicable => self.na += 1,
        }
        if matches!(v.status, Status::Pass | Status::Partial | Status::Fail)
            && let Some(s) = v.score
        {
            scores.push(s);
        }
    }
}

fn tally<'a>(verdicts: impl Iterator<Item = &'a Verdict>) -> Counts {
    let mut counts = Counts::default();
    let mut scores = Vec::new();
    for v in verdicts {
        counts.add(v, &mut scores);
    }
    counts.score =
        (!scores.is_empty()).then(|| (scores.iter().sum::<f64>() / scores.len() as f64 * 1000.0).round() / 1000.0);
    counts
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    #[serde(flatten)]
    pub counts: Counts,
    /// Leaves failed or partly met, worst first.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub counts: Counts,
    pub by_level1: Vec<Group>,
    pub by_unit: Vec<Group>,
}

fn group(name: &str, members: &[&Verdict]) -> Group {
    let mut problems: Vec<&&Verdict> = members
        .iter()
        .filter(|v| matches!(v.status, Status::Fail | Status::Partial))
        .collect();
    problems.sort_by(|a, b| a.score.unwrap_or(0.0).total_cmp(&b.score.unwrap_or(0.0)));
    Group {
        name: name.to_string(),
        counts: tally(members.iter().copied()),
        problems: problems.iter().map(|v| v.id.clone()).collect(),
    }
}

/// Roll-ups: overall, by 一级指标 (in catalog order), by 责任单位 (a leaf counts for each
/// of its units).
pub fn summarize(verdicts: &[Verdict]) -> Summary {
    let mut level1: Vec<(String, Vec<&Verdict>)> = Vec::new();
    let mut units: BTreeMap<String, Vec<&Verdict>> = BTreeMap::new();
    for v in verdicts {
        let top = v.path.first().cloned().unwrap_or_default();
        match level1.iter_mut().find(|(n, _)| *n == top) {
            Some((_, list)) => list.push(v),
            None => level1.push((top, vec![v])),
        }
        for unit in &v.units {
            units.entry(unit.clone()).or_default().push(v);
        }
    }
    Summary {
        counts: tally(verdicts.iter()),
        by_level1: level1.iter().map(|(n, m)| group(n, m)).collect(),
        by_unit: units.iter().map(|(n, m)| group(n, m)).collect(),
    }
}

/// A whole assessment: the JSON contract of `zwgk assess` and the input of every report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assessment {
    pub site: String,
    pub run_id: i64,
    pub as_of: NaiveDate,
    /// The assessment year Y.
    pub period: i32,
    pub catalog: String,
    pub catalog_title: String,
    pub generator: String,
    pub indicators: Vec<Verdict>,
    pub summary: Summary,
    /// The working-day calendar the arithmetic used, year by year.
    #[serde(default)]
    pub calendar: CalendarUse,
}

/// Where the working days of the years an assessment looks at came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CalendarUse {
    pub years: Vec<super::calendar::YearInfo>,
    /// Years without a notice, computed by rule (推定): their 调休 is unknown.
    pub estimated_years: Vec<i32>,
}

impl CalendarUse {
    pub fn of(calendar: &WorkCalendar, first: i32, last: i32) -> CalendarUse {
        let years: Vec<_> = (first..=last).map(|y| calendar.year_info(y)).collect();
        let estimated_years = years
            .iter()
            .filter(|y| y.source == super::calendar::Source::Estimated)
            .map(|y| y.year)
            .collect();
        CalendarUse { years, estimated_years }
    }

    /// 「2027年按推定日历计算（…）」, or None when every year has a notice.
    pub fn note_zh(&self) -> Option<String> {
        if self.estimated_years.is_empty() {
            return None;
        }
        let years = self
            .estimated_years
            .iter()
            .map(|y| format!("{y}年"))
            .collect::<Vec<_>>()
            .join("、");
        Some(format!(
            "{years}尚无国务院节假日安排通知，工作日按《全国年节及纪念日放假办法》推定（调休未知）；涉及这些年份的工作日计算标注「按推定日历计算」。通知发布后可用 --calendar 文件载入"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::rules::Item;
    use crate::assess::site::{Page, PageText};
    use crate::extract::page::{AttachmentLink, Form, Image};
    use crate::extract::table::Table;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn page(url: &str, title: &str, date: &str) -> Page {
        Page {
            url: format!("http://a.gov.cn{url}"),
            kind: "article".to_string(),
            title: title.to_string(),
            pub_date: (!date.is_empty()).then(|| d(date)),
            text: PageText::plain(title),
            sha256: "0".repeat(64),
            fetched_at: "2026-01-15T00:00:00Z".to_string(),
            ..Page::default()
        }
    }

    fn column(name: &str, pages: &[&Page]) -> ColumnView {
        ColumnView {
            name: name.to_string(),
            url: format!("http://a.gov.cn/col/{name}/"),
            pages: vec![format!("http://a.gov.cn/col/{name}/")],
            items: pages
                .iter()
                .map(|p| Item {
                    title: p.title.clone(),
                    url: p.url.clone(),
                    date: p.pub_date,
                })
                .collect(),
        }
    }

    struct Fixture {
        site: SiteView,
        calendar: WorkCalendar,
        defs: ColumnDefs,
        capabilities: BTreeMap<String, bool>,
    }

    impl Fixture {
        fn new(pages: Vec<Page>, columns: &[(&str, Vec<usize>)]) -> Fixture {
            let mut map = BTreeMap::new();
            for (key, members) in columns {
                let refs: Vec<&Page> = members.iter().map(|&i| &pages[i]).collect();
                map.insert(key.to_string(), vec![column(key, &refs)]);
            }
            let home = pages.iter().find(|p| p.kind == "home").map(|p| p.url.clone());
            Fixture {
                site: SiteView::for_tests(pages, map, home.as_deref()),
                calendar: WorkCalendar::bundled(),
                defs: ColumnDefs::bundled(),
                capabilities: BTreeMap::new(),
            }
        }

        fn eval(&self, rule: &str, as_of: &str, year: i32) -> Outcome {
            let rule: toml::Value = toml::from_str::<toml::Table>(&format!("rule = {rule}")).unwrap()["rule"].clone();
            let cx = Context {
                site: &self.site,
                calendar: &self.calendar,
                defs: &self.defs,
                as_of: d(as_of),
                year,
                capabilities: &self.capabilities,
            };
            evaluate(&rule, &cx)
        }
    }

    fn decided(url: &str, title: &str, decided: &str, published: &str) -> Page {
        let mut p = page(url, title, published);
        p.event_dates = vec![("处罚决定日期".to_string(), d(decided))];
        p
    }

    #[test]
    fn items_published_after_the_as_of_date_do_not_count() {
        // A December 通报 from a January crawl: the site as it stood on 2025-12-31.
        let f = Fixture::new(
            vec![
                page("/1", "十一月动态", "2025-11-20"),
                page("/2", "一月动态", "2026-01-07"),
            ],
            &[("news", vec![0, 1])],
        );
        let rule = r#"{ kind = "freshness", column = "news", within = "P14D" }"#;
        let december = f.eval(rule, "2025-12-31", 2025);
        assert_eq!(december.status, Status::Fail, "{}", december.reason);
        assert!(december.reason.contains("十一月动态"), "{}", december.reason);
        let january = f.eval(rule, "2026-01-15", 2025);
        assert_eq!(january.status, Status::Pass, "{}", january.reason);
    }

    #[test]
    fn working_days_of_a_year_without_a_notice_are_counted_and_flagged() {
        // 2027 has no bundled notice: the count goes on by rule and says it is an estimate.
        let f = Fixture::new(
            vec![
                decided("/1", "甲公司许可", "2027-02-03", "2027-02-12"),
                decided("/2", "乙公司许可", "2026-03-02", "2026-03-06"),
            ],
            &[("double_publicity_license", vec![0, 1])],
        );
        let rule = r#"{ kind = "timeliness", column = "double_publicity_license", limit_days = 7, day_type = "working", event_source = "decision_date" }"#;
        let in_2027 = f.eval(rule, "2027-03-01", 2027);
        // 2月4日 (Thu), 5日 (除夕), then 8–10日 off by rule (初三 and two 补假): 2 working days
        // through 2月11日, 3 through the 12th.
        assert_eq!(in_2027.status, Status::Pass, "{}", in_2027.reason);
        assert!(in_2027.estimated_calendar, "2027 is estimated");
        let in_2026 = f.eval(rule, "2026-12-01", 2026);
        assert!(!in_2026.estimated_calendar, "2026 has its notice: {}", in_2026.reason);
    }

    #[test]
    fn timeliness_counts_working_days_with_holidays() {
        // 2025-09-30 → 2025-10-10 spans the 国庆 holiday: 2 working days, 10 calendar days.
        let f = Fixture::new(
            vec![
                decided("/1", "甲公司处罚", "2025-09-30", "2025-10-10"),
                decided("/2", "乙公司处罚", "2025-03-03", "2025-03-12"), // 7 wd: on time
                decided("/3", "丙公司处罚", "2025-03-03", "2025-03-13"), // 8 wd: late by 1
                page("/4", "丁公司处罚（未注明决定日期）", "2025-05-05"),
            ],
            &[("double_publicity_penalty", vec![0, 1, 2, 3])],
        );
        let working = f.eval(
            r#"{ kind = "timeliness", column = "double_publicity_penalty", limit_days = 7, day_type = "working", event_source = "decision_date" }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(working.status, Status::Partial, "{}", working.reason);
        assert_eq!(working.score.map(|s| (s * 3.0).round()), Some(2.0));
        assert!(
            working.reason.contains("丙公司处罚") && working.reason.contains("超期1个工作日"),
            "{}",
            working.reason
        );
        assert!(working.reason.contains("另有1条未注明决定日期"), "{}", working.reason);
        let calendar = f.eval(
            r#"{ kind = "timeliness", column = "double_publicity_penalty", limit_days = 7, day_type = "calendar", event_source = "decision_date" }"#,
            "2026-01-15",
            2025,
        );
        assert!(
            calendar.reason.contains("甲公司处罚") && calendar.reason.contains("用时10日"),
            "{}",
            calendar.reason
        );
        // Nothing measurable: a person must look.
        let none = f.eval(
            r#"{ kind = "timeliness", column = "double_publicity_penalty", limit_days = 7, day_type = "working", event_source = "meeting_date" }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(none.status, Status::Manual);
    }

    #[test]
    fn deadlines_of_the_assessment_year() {
        let f = Fixture::new(
            vec![
                page("/a", "周村区人民政府2024年政府信息公开工作年度报告", "2025-03-28"),
                page("/b", "周村区人民政府2023年政府信息公开工作年度报告", "2024-04-08"),
            ],
            &[("annual_report", vec![0, 1])],
        );
        let rule = r#"{ kind = "deadline", column = "annual_report", title_pattern = "{Y-1}年?度?.*年度报告", month = 3, day = 31, year = "Y" }"#;
        // (as_of, Y, status, words)
        let cases = [
            ("2026-01-15", 2025, Status::Pass, "2025-03-28"),
            ("2025-01-15", 2024, Status::Fail, "逾期8天"),
            ("2026-01-15", 2026, Status::NotApplicable, "尚未到期"),
            ("2027-05-01", 2026, Status::Fail, "未发布"),
        ];
        for (as_of, year, status, words) in cases {
            let o = f.eval(rule, as_of, year);
            assert_eq!(o.status, status, "{as_of} Y={year}: {}", o.reason);
            assert!(o.reason.contains(words), "{as_of} Y={year}: {}", o.reason);
        }
    }

    #[test]
    fn required_terms_with_alternatives_and_per_item() {
        let mut guide = page("/g", "政府信息公开指南", "2025-02-20");
        guide.text = PageText::plain("办公地址：周村区\n办公时间：工作日\n联系电话：0533-1\n电子邮件：a@b.cn");
        let mut a = page("/s1", "甲事项办事指南", "2025-04-08");
        a.text = PageText::plain("申请材料\n办理流程\n收费标准：不收费");
        let mut b = page("/s2", "乙事项办事指南", "2025-04-09");
        b.text = PageText::plain("办理流程");
        let f = Fixture::new(vec![guide, a, b], &[("guide", vec![0]), ("gov_services", vec![1, 2])]);
        let all = f.eval(
            r#"{ kind = "contains_all", column = "guide", terms = ["地址", "办公时间", "电话", "传真", "电子邮箱|电子邮件"] }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(all.status, Status::Partial, "{}", all.reason);
        assert_eq!(all.score, Some(0.8));
        assert!(all.reason.contains("缺少要素：「传真」"), "{}", all.reason);
        assert_eq!(all.failures, 1);
        let any = f.eval(
            r#"{ kind = "contains_any", column = "guide", terms = ["微博", "办公时间"] }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(any.status, Status::Pass);
        assert!(any.evidence[0].excerpt.contains("办公时间"));
        let none = f.eval(
            r#"{ kind = "contains_any", column = "guide", terms = ["微博"] }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(none.status, Status::Fail);
        let per_item = f.eval(
            r#"{ kind = "contains_all", column = "gov_services", items = "办事指南", terms = ["申请材料", "办理流程", "收费"] }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(per_item.status, Status::Partial, "{}", per_item.reason);
        assert!(per_item.reason.contains("乙事项办事指南"), "{}", per_item.reason);
        let missing = f.eval(
            r#"{ kind = "contains_any", column = "fiscal_budget", terms = ["预算"] }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(missing.status, Status::Fail);
        assert!(
            missing.reason.contains("未找到「财政预决算」栏目"),
            "{}",
            missing.reason
        );
    }

    fn table(headers: &[&str]) -> Table {
        Table {
            headers: vec![headers.iter().map(|h| h.to_string()).collect()],
            rows: vec![],
            source: "html".to_string(),
        }
    }

    #[test]
    fn the_newest_table_is_judged() {
        let mut old = page("/2023", "行政事业性收费目录清单（2023年版）", "2023-04-12");
        old.tables = vec![table(&["项目名称", "政策依据", "执收部门", "资金管理方式"])];
        let mut new = page("/2025", "行政事业性收费目录清单（2025年版）", "2025-04-10");
        new.tables = vec![table(&["序号", "项目名称", "政策依据", "执收部门"])];
        let f = Fixture::new(vec![old, new], &[("fee_lists", vec![0, 1])]);
        let o = f.eval(
            r#"{ kind = "table_headers", column = "fee_lists", items = "行政事业性收费", headers = ["项目名称", "政策依据", "执收部门|执收单位", "资金管理方式"] }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(o.status, Status::Partial, "{}", o.reason);
        assert!(
            o.reason.contains("2025年版") && o.reason.contains("缺少：「资金管理方式」"),
            "{}",
            o.reason
        );
    }

    #[test]
    fn home_page_links_images_and_forms() {
        let mut home = page("/", "周村区人民政府", "");
        home.kind = "home".to_string();
        home.links = vec![
            ("http://www.zwfw.sd.gov.cn/ZB/".to_string(), "政务服务".to_string()),
            ("https://weibo.com/zc".to_string(), "".to_string()),
        ];
        home.images = vec![Image {
            src: "/img/qr.png".to_string(),
            alt: "周村发布".to_string(),
            near_text: "微信公众号 扫一扫".to_string(),
        }];
        home.forms = vec![Form {
            kind: "search".to_string(),
            action: "/search".to_string(),
            method: "get".to_string(),
            fields: vec!["q".to_string()],
        }];
        let f = Fixture::new(vec![home], &[]);
        let cases = [
            (
                r#"{ kind = "link_to", hosts = ["zwfw.sd.gov.cn"], texts = [] }"#,
                Status::Pass,
            ),
            (
                r#"{ kind = "link_to", hosts = ["weibo.com"], texts = ["微博"] }"#,
                Status::Pass,
            ),
            (
                r#"{ kind = "link_to", hosts = ["creditchina.gov.cn"], texts = ["信用中国"] }"#,
                Status::Fail,
            ),
            (
                r#"{ kind = "image_near", terms = ["微信", "二维码|扫一扫"] }"#,
                Status::Pass,
            ),
            (r#"{ kind = "image_near", terms = ["微博"] }"#, Status::Fail),
            (r#"{ kind = "form_present", form = "search" }"#, Status::Pass),
            (r#"{ kind = "form_present", form = "apply" }"#, Status::Fail),
        ];
        for (rule, status) in cases {
            let o = f.eval(rule, "2026-01-15", 2025);
            assert_eq!(o.status, status, "{rule}: {}", o.reason);
        }
    }

    #[test]
    fn validity_and_cross_links() {
        let mut labelled = page("/doc1", "关于印发甲办法的通知", "2025-03-01");
        labelled.validity = Some("有效".to_string());
        let unlabelled = page("/doc2", "关于印发乙办法的通知", "2025-04-01");
        let mut abolished = page("/doc3", "关于印发丙规定的通知", "2023-02-17");
        abolished.validity = Some("有效".to_string());
        let mut notice = page("/clean", "关于公布规范性文件清理结果的通知", "2025-12-26");
        notice.text = PageText::plain("废止的规范性文件（1件）：\n《关于印发丙规定的通知》");
        notice.links = vec![(abolished.url.clone(), "《关于印发丙规定的通知》".to_string())];
        let mut reading = page("/jd1", "《甲办法》政策解读", "2025-03-04");
        reading.links = vec![(labelled.url.clone(), "相关文件".to_string())];
        let f = Fixture::new(
            vec![labelled, unlabelled, abolished, notice, reading],
            &[("policy_docs", vec![0, 1, 2, 3]), ("interpretation", vec![4])],
        );
        let v = f.eval(
            r#"{ kind = "validity_labelled", column = "policy_docs" }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(v.status, Status::Partial, "{}", v.reason);
        assert!(
            v.reason.contains("未标注有效性：《关于印发乙办法的通知》"),
            "{}",
            v.reason
        );
        assert!(
            v.reason.contains("丙规定") && v.reason.contains("已宣布废止"),
            "{}",
            v.reason
        );
        // The 解读 links the document, but the document does not link back.
        let c = f.eval(
            r#"{ kind = "cross_linked", column = "policy_docs", other = "interpretation" }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(c.status, Status::Fail, "{}", c.reason);
        assert!(c.reason.contains("未提供解读"), "{}", c.reason);
        let t = f.eval(
            r#"{ kind = "timeliness", column = "interpretation", limit_days = 3, day_type = "working", event_source = "linked_doc_date" }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(t.status, Status::Pass, "{}", t.reason);
    }

    #[test]
    fn annual_report_table_three_adds_up() {
        let row = |label: &str, v: [i64; 7]| -> Vec<String> {
            let mut r = vec![label.to_string(); 3];
            r.extend(v.iter().map(|x| x.to_string()));
            r
        };
        let good = Table {
            headers: vec![],
            rows: vec![
                row("一、本年新收政府信息公开申请数量", [35, 12, 0, 1, 0, 1, 49]),
                row("二、上年结转政府信息公开申请数量", [1, 1, 0, 0, 0, 0, 2]),
                {
                    let mut r = vec!["三、本年度办理结果".to_string(); 3];
                    r.extend(std::iter::repeat_n(String::new(), 7));
                    r
                },
                row("（一）予以公开", [33, 12, 0, 1, 0, 1, 47]),
                row("（七）总计", [33, 12, 0, 1, 0, 1, 47]),
                row("四、结转下年度继续办理", [3, 1, 0, 0, 0, 0, 4]),
            ],
            source: "html".to_string(),
        };
        let (checks, broken) = crate::assess::site_checks::report_arithmetic(std::slice::from_ref(&good)).unwrap();
        assert!(checks >= 18 && broken.is_empty(), "{broken:?}");
        let mut bad = good.clone();
        bad.rows[4] = row("（七）总计", [33, 11, 0, 1, 0, 1, 46]);
        let (_, broken) = crate::assess::site_checks::report_arithmetic(&[bad]).unwrap();
        assert!(broken.iter().any(|b| b.contains("商业企业")), "{broken:?}");
        assert!(crate::assess::site_checks::report_arithmetic(&[table(&["信息内容"])]).is_none());
    }

    #[test]
    fn letters_must_be_answered_within_three_months() {
        let letter = |url: &str, received: &str, replied: Option<&str>| {
            let mut p = page(url, &format!("来信{url}"), received);
            p.event_dates.push(("来信时间".to_string(), d(received)));
            if let Some(r) = replied {
                p.event_dates.push(("答复时间".to_string(), d(r)));
            }
            p
        };
        let f = Fixture::new(
            vec![
                letter("/l1", "2025-03-01", Some("2025-03-05")),
                letter("/l2", "2025-09-22", None),
                letter("/l3", "2025-12-20", None), // not yet three months old
            ],
            &[("interaction", vec![0, 1, 2])],
        );
        let o = f.eval(
            r#"{ kind = "interaction_replied", within = "P3M" }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(o.status, Status::Fail, "{}", o.reason);
        assert!(
            o.reason.contains("2025-09-22") && !o.reason.contains("2025-12-20"),
            "{}",
            o.reason
        );
    }

    #[test]
    fn combinations_capabilities_and_manual() {
        let mut p = page("/x", "2025年双公示目录", "2025-03-03");
        p.attachments = vec![AttachmentLink {
            url: "http://a.gov.cn/f.xlsx".to_string(),
            text: "目录.xlsx".to_string(),
            ext: "xlsx".to_string(),
        }];
        let mut file = page("/f.xlsx", "目录.xlsx", "");
        file.kind = "attachment".to_string();
        let mut f = Fixture::new(vec![p, file], &[("double_publicity", vec![0])]);
        let both = r#"{ kind = "all", rules = [{ kind = "column_exists", column = "double_publicity" }, { kind = "contains_any", column = "double_publicity", terms = ["黑名单"] }] }"#;
        let o = f.eval(both, "2026-01-15", 2025);
        assert_eq!((o.status, o.score), (Status::Partial, Some(0.5)), "{}", o.reason);
        let att = f.eval(
            r#"{ kind = "attachment_present", column = "double_publicity", ext = ["xlsx"] }"#,
            "2026-01-15",
            2025,
        );
        assert_eq!(att.status, Status::Pass, "{}", att.reason);
        let mining = r#"{ kind = "na_unless", capability = "mining_rights", then = { kind = "column_exists", column = "mining_rights" } }"#;
        let unknown = f.eval(mining, "2026-01-15", 2025);
        assert_eq!(unknown.status, Status::Fail);
        assert!(unknown.reason.contains("此项不适用"), "{}", unknown.reason);
        f.capabilities.insert("mining_rights".to_string(), false);
        assert_eq!(f.eval(mining, "2026-01-15", 2025).status, Status::NotApplicable);
        let manual = f.eval(r#"{ kind = "manual", why = "须查阅实际答复文书" }"#, "2026-01-15", 2025);
        assert_eq!((manual.status, manual.score), (Status::Manual, None));
        assert!(manual.reason.contains("须查阅实际答复文书"));
    }

    #[test]
    fn reported_periods_are_read_from_titles() {
        use crate::assess::rules::reported_period_end;
        let cases = [
            ("2025年1-9月全区财政收支情况", Some("2025-09-30")),
            ("2025年9月环境空气质量状况", Some("2025-09-30")),
            ("2025年第三季度饮用水水源水质状况", Some("2025-09-30")),
            ("周村区2025年第4季度食品安全监督抽检信息", Some("2025-12-31")),
            ("2025年上半年主要经济效益指标", Some("2025-06-30")),
            ("周村区人民政府公报2025年第1期", None),
        ];
        for (title, want) in cases {
            assert_eq!(reported_period_end(title), want.map(d), "{title}");
        }
    }

    #[test]
    fn manual_files_are_checked() {
        let catalog = Catalog::bundled_zhoucun();
        let id = &catalog.leaves[0].id;
        let ok = parse_manual(
            &format!("[[verdict]]\nid = \"{id}\"\nstatus = \"fail\"\nnote = \"x\"\n"),
            "m.toml",
            &catalog,
        )
        .unwrap();
        assert_eq!(ok[0].status, Status::Fail);
        let json = parse_manual(
            &format!(r#"[{{"id": "{id}", "status": "na", "note": "无此职能"}}]"#),
            "m.json",
            &catalog,
        )
        .unwrap();
        assert_eq!(json[0].status, Status::NotApplicable);
        assert!(
            parse_manual(
                &format!("[[verdict]]\nid = \"{id}\"\nstatus = \"great\"\n"),
                "m.toml",
                &catalog
            )
            .is_err()
        );
        assert!(
            parse_manual(
                &format!("[[verdict]]\nid = \"{id}\"\nstatus = \"pass\"\nscore = 2.0\n"),
                "m.toml",
                &catalog
            )
            .is_err()
        );
    }
}
