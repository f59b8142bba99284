//! The assessment engine: every leaf of a catalog scored against the site model as of a
//! date — its typed rule evaluated by the primitives, reasons in Chinese, evidence tied to
//! stored fetches, assessors' manual verdicts merged, roll-ups by 一级指标 and 责任单位, and
//! the engine's own account of how well it understood the site.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::calendar::WorkCalendar;
use super::catalog::{Catalog, RawLeaf, Rule};
use super::model::SiteView;
use super::primitives as p;
pub use super::primitives::Context;
use super::verdict::{Basis, Cite, Outcome, Status};

/// Evaluates one rule.
pub fn evaluate(rule: &Rule, cx: &Context<'_>) -> Outcome {
    match rule {
        Rule::Manual { why } => Outcome::manual(format!("需人工评价：{why}")),
        Rule::Column { column, not_empty } => p::column(cx, column, *not_empty),
        Rule::Document { find, missing } => p::document(cx, find.spec(), *missing),
        Rule::AfterEvent {
            find,
            event,
            days,
            day_type,
        } => p::after_event(cx, find.spec(), event.spec(), *days, *day_type),
        Rule::Archive { find } => p::archive(cx, find.spec()),
        Rule::BudgetDetail { find } => p::budget_detail(cx, find.spec()),
        Rule::Elements {
            find,
            elements,
            within,
            each,
            union,
        } => p::elements(cx, find.spec(), elements, *within, *each, *union),
        Rule::Periodic {
            find,
            every,
            grace_months,
            by_count,
        } => p::periodic(cx, find.spec(), *every, *grace_months, *by_count),
        Rule::Timeliness {
            find,
            limit_days,
            day_type,
            event,
        } => p::timeliness(cx, find.spec(), *limit_days, *day_type, *event),
        Rule::Deadline {
            find,
            month,
            day,
            units,
        } => p::deadline(cx, find.spec(), *month, *day, *units),
        Rule::Freshness { column, within, each } => p::freshness(cx, column, within, *each),
        Rule::LinkTo { hosts, texts, column } => p::link_to(cx, hosts, texts, column.as_deref()),
        Rule::Form { form } => p::form(cx, *form),
        Rule::Image { terms, column } => p::image(cx, terms, column.as_deref()),
        Rule::ValidityLabelled { column } => p::validity_labelled(cx, column),
        Rule::CrossLinked { column, other } => p::cross_linked(cx, column, other),
        Rule::ConsultationFeedback { column, terms, grace } => p::consultation_feedback(cx, column, terms, *grace),
        Rule::ReportArithmetic { find } => p::report_arithmetic(cx, find.spec()),
        Rule::InteractionReplied { within, window, graded } => p::interaction_replied(cx, within, *window, *graded),
        Rule::NoBlankColumns { max } => p::no_blank_columns(cx, *max),
        Rule::LinksAvailable { scope } => p::links_available(cx, *scope),
        Rule::PubDateConsistent {} => p::pub_date_consistent(cx),
        Rule::All { rules } => all(rules, cx),
        Rule::Any { rules } => any(rules, cx),
        Rule::NaUnless {
            capability,
            then,
            statements,
        } => match cx.capabilities.get(capability.key()) {
            Some(false) => Outcome::na(format!("站点配置注明本区不承担{}职能，此项不评估", capability.label())),
            None if let Some(stated) = p::stated_lack(cx, then, statements) => Outcome::na(format!(
                "网站《{}》说明：「{}」，本区不承担{}职能，此项不评估",
                stated.0,
                stated.1.excerpt,
                capability.label()
            ))
            .with_evidence(vec![stated.1]),
            known => {
                let mut outcome = evaluate(then, cx);
                if outcome.status == Status::Fail && known.is_none() {
                    outcome.reason.push_str(&format!(
                        "（如本区不承担{}职能，此项不适用，请在站点配置中注明）",
                        capability.label()
                    ));
                }
                outcome
            }
        },
    }
}

/// `any`: the first sub-rule that passes decides; else the best of them.
fn any(rules: &[Rule], cx: &Context<'_>) -> Outcome {
    let outcomes: Vec<Outcome> = rules.iter().map(|r| evaluate(r, cx)).collect();
    if let Some(pass) = outcomes.iter().find(|o| o.status == Status::Pass) {
        return pass.clone();
    }
    let rank = |o: &Outcome| match o.status {
        Status::Partial => 3,
        Status::Manual => 2,
        Status::NotApplicable => 1,
        _ => 0,
    };
    let mut best = outcomes
        .iter()
        .max_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then(a.score.unwrap_or(0.0).total_cmp(&b.score.unwrap_or(0.0)))
        })
        .cloned()
        .unwrap_or_else(|| Outcome::manual("没有可评价的子项".to_string()));
    best.reason = outcomes
        .iter()
        .map(|o| o.reason.as_str())
        .collect::<Vec<_>>()
        .join("；或：");
    best
}

/// `all`: every sub-rule must hold. 不适用 parts are left out; the score is their mean.
fn all(rules: &[Rule], cx: &Context<'_>) -> Outcome {
    let outcomes: Vec<Outcome> = rules
        .iter()
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
    // The weakest basis speaks for the whole.
    let basis = outcomes
        .iter()
        .map(|o| o.basis)
        .max_by_key(|b| match b {
            Basis::Column => 0,
            Basis::Fallback => 1,
            Basis::NotFound => 2,
        })
        .unwrap_or_default();
    let estimated = outcomes.iter().any(|o| o.estimated_calendar);
    Outcome::new(status, score, reason, evidence)
        .with_failures(failures)
        .with_estimated_calendar(estimated)
        .with_basis(basis)
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
    /// Whether the documents were found in the named column, elsewhere on the site, or not
    /// at all (the report's account of how well the site was understood).
    #[serde(default)]
    pub basis: Basis,
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
    /// The day it was recorded.
    #[serde(default)]
    pub set_on: Option<NaiveDate>,
    /// The last day it applies; after it the leaf is 待人工 again.
    #[serde(default)]
    pub expires: Option<NaiveDate>,
    /// An uploaded file (name, SHA-256 of its bytes in the store).
    #[serde(skip)]
    pub evidence_file: Option<(String, String)>,
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
    let mut seen = std::collections::HashSet::new();
    for v in &verdicts {
        // Two verdicts for one leaf: which one holds is the assessor's call, not zwgk's.
        if !seen.insert(v.id.as_str()) {
            return Err(format!("`{file}`: leaf `{}` has more than one verdict; keep one", v.id));
        }
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

/// A 单项否决 needs certainty: a veto leaf that failed because something was not found, or
/// was found only outside its column, may be zwgk misreading the site — a person decides.
fn guard_veto(leaf: &RawLeaf, outcome: Outcome) -> Outcome {
    if leaf.veto.is_none() || outcome.status != Status::Fail || outcome.basis == Basis::Column {
        return outcome;
    }
    let mut manual = Outcome::manual(format!(
        "单项否决须确证，自动检查仅提示疑点：{}；请人工核实后以人工评价录入",
        outcome.reason
    ));
    manual.evidence = outcome.evidence;
    manual.failures = outcome.failures;
    manual.basis = outcome.basis;
    manual
}

/// Scores leaves of the catalog.
pub fn assess_leaves(leaves: &[RawLeaf], cx: &Context<'_>, manual: &[ManualVerdict]) -> Vec<Verdict> {
    // Leaves read shared page details (read once, on first use), so they are evaluated on
    // every core.
    let outcomes = crate::parallel::map(leaves, |leaf| {
        let started = std::time::Instant::now();
        let outcome = guard_veto(leaf, evaluate(&leaf.rule, cx));
        tracing::debug!(leaf = %leaf.id, ms = started.elapsed().as_millis(), memory = ?crate::assess::model::memory_mb(), "leaf evaluated");
        outcome
    });
    leaves
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
                evidence: once_per_url(&outcome.evidence)
                    .iter()
                    .map(|c| evidence_of(cx.site, c))
                    .collect(),
                source: "auto".to_string(),
                failures: outcome.failures,
                basis: outcome.basis,
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
                let assessor = m.assessor.as_deref().unwrap_or("评估人员");
                let when = m.set_on.map(|d| format!("，{d}录入")).unwrap_or_default();
                let until = m.expires.map(|e| format!("，有效期至{e}")).unwrap_or_default();
                if let Some(expired) = m.expires.filter(|e| *e < cx.as_of) {
                    // An expired verdict no longer speaks for the site: a person looks again.
                    verdict.reason = format!(
                        "人工评价已过期（{assessor}{when}，有效期至{expired}，评为{}：{}），需重新核查；自动检查：{}",
                        status_zh(m.status),
                        m.note,
                        verdict.reason
                    );
                    verdict.status = Status::Manual;
                    verdict.score = None;
                    verdict.source = "manual-expired".to_string();
                    return verdict;
                }
                let before = match verdict.status {
                    Status::Manual => String::new(),
                    s => format!("（自动评价为{}：{}）", status_zh(s), verdict.reason),
                };
                verdict.status = m.status;
                verdict.score = m.score.or(match m.status {
                    Status::Pass => Some(1.0),
                    Status::Fail => Some(0.0),
                    _ => None,
                });
                verdict.reason = format!("人工核查（{assessor}{when}{until}）：{}{before}", m.note);
                verdict.evidence.extend(m.evidence.iter().map(|e| Evidence {
                    url: e.clone(),
                    fetched_at: None,
                    sha256: None,
                    excerpt: "人工核查证据".to_string(),
                }));
                if let Some((name, sha)) = &m.evidence_file {
                    verdict.evidence.push(Evidence {
                        url: format!("manual-file:{name}"),
                        fetched_at: None,
                        sha256: Some(sha.clone()),
                        excerpt: format!("人工核查附件「{name}」（存于本系统）"),
                    });
                }
                verdict.source = "manual".to_string();
            }
            verdict
        })
        .collect()
}

/// Each URL cited once: sub-rules of one leaf often read the same page (the home page
/// searched twice, a document proving two elements). Distinct excerpts of the page are kept,
/// joined; the order of first citation stays.
fn once_per_url(cites: &[Cite]) -> Vec<Cite> {
    let mut out: Vec<Cite> = Vec::with_capacity(cites.len());
    for c in cites {
        match out.iter_mut().find(|o| o.url == c.url) {
            Some(o) if !c.excerpt.is_empty() && !o.excerpt.contains(c.excerpt.as_str()) => {
                if !o.excerpt.is_empty() {
                    o.excerpt.push_str(" … ");
                }
                o.excerpt.push_str(&c.excerpt);
            }
            Some(_) => {}
            None => out.push(c.clone()),
        }
    }
    out
}

fn evidence_of(site: &SiteView, cite: &Cite) -> Evidence {
    let page = site.page(&cite.url);
    Evidence {
        url: cite.url.clone(),
        fetched_at: page.map(|p| p.fetched_at.clone()),
        sha256: page.map(|p| p.sha256.to_string()),
        excerpt: cite.excerpt.clone(),
    }
}

pub fn status_zh(status: Status) -> &'static str {
    status.zh()
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
    /// Leaves with an automatic score (pass, partial, fail).
    pub fn scored(&self) -> usize {
        self.pass + self.partial + self.fail
    }

    /// 「85.0（14项中12项自动评价）」: a mean always says how many leaves it covers.
    pub fn score_zh(&self) -> String {
        match self.score {
            Some(s) => format!("{:.1}（{}项中{}项自动评价）", s * 100.0, self.total, self.scored()),
            None => format!("—（{}项均无自动评价）", self.total),
        }
    }

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
    /// How well zwgk understood the site: a report of poor understanding warns before it
    /// presents failures as the site's state.
    #[serde(default)]
    pub understanding: Understanding,
    /// Set when the run judged did not finish (interrupted, stopped at its budget, still
    /// running): pages it never reached read as missing, so every output says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unfinished_run: Option<String>,
    /// Items that appeared on the site later than their claimed date, by zwgk's own crawls
    /// (first-seen evidence; see `assess::first_seen`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backdated: Vec<crate::assess::first_seen::Backdating>,
    /// Who receives each problem in a 通报 (see `assess::attribution`), and the problems whose
    /// 整改期限 passed without a fix. Filled when 通报 are written.
    #[serde(default, skip_serializing_if = "Routing::is_empty")]
    pub routing: Routing,
}

#[cfg(test)]
impl Assessment {
    /// A small assessment for unit tests: run `run_id` of a test site judged as of `as_of`
    /// (period 2025), the verdicts given and their summary.
    pub(crate) fn for_test(run_id: i64, as_of: NaiveDate, indicators: Vec<Verdict>) -> Assessment {
        Assessment {
            site: "http://a.gov.cn".to_string(),
            run_id,
            as_of,
            period: 2025,
            catalog: "t".to_string(),
            catalog_title: "测试".to_string(),
            generator: "zwgk test".to_string(),
            summary: summarize(&indicators),
            indicators,
            calendar: Default::default(),
            understanding: Default::default(),
            unfinished_run: None,
            backdated: Vec::new(),
            routing: Default::default(),
        }
    }
}

/// The 通报's addressing of an assessment's problems.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Routing {
    /// Leaf id → (unit, why it goes there when not simply the table's unit).
    pub routes: BTreeMap<String, Vec<(String, Option<String>)>>,
    /// (leaf id, unit) of problems sent in an earlier 通报 and overdue now.
    pub overdue: Vec<(String, String)>,
}

impl Routing {
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty() && self.overdue.is_empty()
    }
}

/// zwgk's account of how well it read the site.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Understanding {
    /// The district as the site names itself.
    pub district: Option<String>,
    /// Columns found on the site.
    pub columns: usize,
    /// Column keys the catalog names, and how many of them were found.
    pub keys_used: usize,
    pub keys_found: usize,
    /// The Chinese names of the keys not found.
    pub keys_missing: Vec<String>,
    pub documents: usize,
    /// Documents with no publication date the crawl could read.
    pub undated_documents: usize,
    /// Automatic leaves decided on documents found outside their named column.
    pub leaves_fallback: usize,
    /// Automatic leaves for which nothing was found anywhere.
    pub leaves_not_found: usize,
    pub leaves_automatic: usize,
    /// 良好 / 一般 / 较差.
    pub level: String,
    /// What a reader must know before trusting the failures, when understanding is poor.
    pub warning: Option<String>,
}

impl Understanding {
    /// 「网站理解情况：…」 in one line.
    pub fn summary_zh(&self) -> String {
        format!(
            "网站理解情况{}：识别栏目{}个，指标所需栏目类别{}类中找到{}类；信息{}条，其中{}条未注明或未能读取发布日期；{}项自动评价中{}项在其他栏目找到依据、{}项全站未找到",
            if self.level.is_empty() {
                String::new()
            } else {
                format!("（{}）", self.level)
            },
            self.columns,
            self.keys_used,
            self.keys_found,
            self.documents,
            self.undated_documents,
            self.leaves_automatic,
            self.leaves_fallback,
            self.leaves_not_found
        )
    }
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
    use crate::assess::verdict::cite;

    #[test]
    fn a_page_cited_by_two_sub_rules_is_evidence_once() {
        let cites = [
            cite("http://a/index.html", "已查网站首页导航"),
            cite("http://a/doc/1.html", "三公经费"),
            cite("http://a/index.html", "已查网站首页导航"),
            cite("http://a/doc/1.html", "组团数"),
        ];
        let once = once_per_url(&cites);
        let urls: Vec<&str> = once.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(urls, ["http://a/index.html", "http://a/doc/1.html"]);
        assert_eq!(once[0].excerpt, "已查网站首页导航");
        assert_eq!(once[1].excerpt, "三公经费 … 组团数");
    }
}
