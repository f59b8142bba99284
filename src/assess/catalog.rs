//! Indicator catalogs: the district's task table (and the national inspection rules) as data
//! under `selectors/indicators/`. Each leaf's rule is one typed [`Rule`], parsed when the
//! catalog loads: a typo in a rule kind or parameter, an unknown column key or document kind,
//! or a bad pattern is a load error naming the leaf — never a 「未找到栏目」 verdict against a
//! site. See `selectors/indicators/README.md` for the schema.

use std::collections::{BTreeMap, HashSet};

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::columns::ColumnDefs;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog `{file}` is not valid: {message}")]
    Toml { file: String, message: String },
    #[error("catalog `{file}`, leaf `{id}`: {problem}")]
    Leaf { file: String, id: String, problem: String },
    #[error("catalog `{file}`, document kind `{name}`: {problem}")]
    Doc {
        file: String,
        name: String,
        problem: String,
    },
    #[error("there is no catalog `{name}`: give a TOML file, or one of the bundled catalogs: {bundled}")]
    Unknown { name: String, bundled: String },
    #[error("catalog `{file}` has no leaves")]
    Empty { file: String },
}

/// A parsed 公开时限.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TimeLimit {
    /// Within N calendar or working days of an event (形成, 变更, 作出决定, 收到申请 …).
    WithinDays {
        days: u32,
        day_type: DayType,
        event: String,
    },
    /// 即时.
    Immediate,
    /// 会议第二天.
    NextDay { event: String },
    /// 两周一次, 一月一次, 一季度一次 …
    Periodic { every: Period },
    /// 3月31日前, 7月底前: by this day of the assessment year.
    AnnualDeadline { month: u32, day: u32 },
    /// The table gives none.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayType {
    Calendar,
    Working,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Fortnight,
    Month,
    Quarter,
    HalfYear,
    Year,
}

/// Which documents count by their publication date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Anything published by the as-of date.
    #[default]
    Any,
    /// Published in the assessment year Y.
    Year,
    /// Published from the start of Y to the as-of date.
    SinceYear,
    /// Published in the twelve months before the as-of date.
    Recent,
}

/// Who must have issued a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssuerFilter {
    #[default]
    Any,
    /// The district government itself (本级): 区人民政府, 区政府办公室, or a title naming
    /// only the district.
    District,
    /// A department, town or other unit.
    Unit,
}

/// What kind of document a rule looks for, and where.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DocSpec {
    /// The kind in Chinese, for reasons (「审计整改结果」).
    pub label: String,
    /// Column keys searched first (`a|b` for either), with the columns below them.
    #[serde(default)]
    pub columns: String,
    /// Title patterns (Rust regex, `{Y}`/`{Y-1}` substituted): a document matches when its
    /// title matches one. Empty: every document of the columns.
    #[serde(default)]
    pub titles: Vec<String>,
    /// Titles that never match (drafts, announcements, other subjects).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The body (page and attachments) must state at least one of these terms (`|`
    /// alternatives); sentences that only announce future work do not count.
    #[serde(default)]
    pub body: Vec<String>,
    /// When the columns hold no match, look for titles across the whole site (default: yes
    /// when `titles` are given).
    #[serde(default)]
    pub site_wide: Option<bool>,
    #[serde(default)]
    pub window: Window,
    #[serde(default)]
    pub issuer: IssuerFilter,
    /// The document must show a picture or a video of its own (图解, 一图读懂, 视频解读): a
    /// page of text titled 图解 is not one.
    #[serde(default)]
    pub media: bool,
}

/// A document kind named in `[docs.<name>]`, or written in place.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Find {
    Named(String),
    Spec(Box<DocSpec>),
}

/// A name or a table; written by hand so a typo inside the table keeps its own message
/// (serde's untagged enums only say "did not match any variant").
impl<'de> Deserialize<'de> for Find {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Find, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Find;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("the name of a document kind, or a table { label, columns, titles, … }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Find, E> {
                Ok(Find::Named(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Find, A::Error> {
                DocSpec::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(|s| Find::Spec(Box::new(s)))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Find {
    /// The spec; named kinds are resolved when the catalog loads.
    pub fn spec(&self) -> &DocSpec {
        match self {
            Find::Spec(spec) => spec,
            Find::Named(name) => panic!("document kind `{name}` was not resolved at load"),
        }
    }
}

/// Where the elements of an `elements` rule are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementsIn {
    /// Table header cells, then the text.
    #[default]
    Either,
    /// Table header cells only (a 清单's columns).
    Headers,
    /// The text only.
    Text,
}

/// Where an item's event date is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSource {
    /// 成文日期 / 生成日期 from the 目录 metadata.
    DocDate,
    /// 许可/处罚决定日期.
    DecisionDate,
    /// The meeting's date (会议时间, or 于YYYY年M月D日召开 in the text).
    MeetingDate,
    /// The publication date of the document a 解读 is about.
    LinkedDocDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    Search,
    Apply,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkScope {
    Home,
    Site,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    LandTransfer,
    MiningRights,
}

impl Capability {
    pub fn key(self) -> &'static str {
        match self {
            Capability::LandTransfer => "land_transfer",
            Capability::MiningRights => "mining_rights",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Capability::LandTransfer => "国有土地使用权出让",
            Capability::MiningRights => "矿业权审批出让",
        }
    }
}

/// What an absent document means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    #[default]
    Fail,
    Manual,
    Na,
}

/// Deadlines for units' documents when they differ from the district's (年报: departments by
/// 1月31日, the district by 3月31日, 条例 第四十九条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UnitDeadline {
    pub month: u32,
    pub day: u32,
}

/// One leaf's check. Each variant is one primitive in `src/assess/primitives/`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Never automatic: a person must judge; `why` says what to look at.
    Manual { why: String },
    /// The site has the column (专栏, 目录, 平台), optionally with at least one item.
    Column {
        column: String,
        #[serde(default)]
        not_empty: bool,
    },
    /// A document of the kind is published (in its window).
    Document {
        find: Find,
        /// What it means when none is found: `fail` (default), or `manual`/`na` for events
        /// that may not have happened (重大环境污染事件).
        #[serde(default)]
        missing: Missing,
    },
    /// The newest document of the kind (or each one of the window, `each`) holds every element.
    Elements {
        find: Find,
        elements: Vec<String>,
        #[serde(default)]
        within: ElementsIn,
        #[serde(default)]
        each: bool,
        /// The elements may be spread over the documents of the kind (a question that lists
        /// several things: 低保、特困、医疗救助、临时救助 policies), each found in one of them.
        #[serde(default)]
        union: bool,
    },
    /// Every period of Y whose time has passed has a document of the series.
    Periodic {
        find: Find,
        every: Period,
        /// Months after a period's end before its document is late (a month's figures are
        /// published the next month).
        #[serde(default = "one")]
        grace_months: u32,
        /// Count the documents of Y (a quarterly 公报 numbered 第1–4期) instead of placing
        /// each in a period.
        #[serde(default)]
        by_count: bool,
    },
    /// The document is published within N days after an event the site itself reports (本级
    /// 人代会闭幕 → 60个工作日内 the 扶贫资金分配方案).
    AfterEvent {
        find: Find,
        event: Find,
        days: u32,
        day_type: DayType,
    },
    /// A numbered series (公报 总第N期) is online back to its first issue.
    Archive { find: Find },
    /// 政府预决算 tables detailed to 项级 function-classification codes, and 专项转移支付 to
    /// projects.
    BudgetDetail { find: Find },
    /// Documents of the window are published within the limit after their event.
    Timeliness {
        find: Find,
        limit_days: u32,
        day_type: DayType,
        event: EventSource,
    },
    /// The district's document is published by a date of Y (units' documents by theirs).
    Deadline {
        find: Find,
        month: u32,
        day: u32,
        #[serde(default)]
        units: Option<UnitDeadline>,
    },
    /// The newest item of the column is recent enough (`each`: every column of the key).
    Freshness {
        column: String,
        within: String,
        #[serde(default)]
        each: bool,
    },
    /// A link to one of the hosts (or subdomains), or with one of the texts, on the home page
    /// or the column's pages.
    LinkTo {
        #[serde(default)]
        hosts: Vec<String>,
        #[serde(default)]
        texts: Vec<String>,
        #[serde(default)]
        column: Option<String>,
    },
    /// A site search or an online application form.
    Form { form: FormKind },
    /// An image whose alt, file name or nearby text holds every term (the 微信 二维码).
    Image {
        terms: Vec<String>,
        #[serde(default)]
        column: Option<String>,
    },
    /// The documents of the column state their validity, consistent with 清理结果.
    ValidityLabelled { column: String },
    /// Each 解读 links its document and the document links back.
    CrossLinked { column: String, other: String },
    /// Each closed 征求意见 has its own published feedback.
    ConsultationFeedback {
        column: String,
        terms: Vec<String>,
        grace: u32,
    },
    /// Table 三 and 四 of the 年度报告 add up.
    ReportArithmetic { find: Find },
    /// Messages were answered within the limit: those of the last year (default), or of the
    /// window; `graded` scores the share answered in time instead of failing on one.
    InteractionReplied {
        within: String,
        #[serde(default)]
        window: Option<Window>,
        #[serde(default)]
        graded: bool,
    },
    /// 空白栏目 no more than `max`.
    NoBlankColumns { max: usize },
    /// Links answer.
    LinksAvailable { scope: LinkScope },
    /// Publication dates are not earlier than the URL date or the first crawl.
    PubDateConsistent {},
    /// Every sub-rule holds.
    All { rules: Vec<Rule> },
    /// One of the sub-rules holds (a list on the site, or a link to the platform that has it).
    Any { rules: Vec<Rule> },
    /// 不适用 where the district lacks a capability: the site profile says so, or a page of the
    /// site states it (a pattern of `statements` in the 机构职能 pages or the rule's columns).
    NaUnless {
        capability: Capability,
        then: Box<Rule>,
        #[serde(default)]
        statements: Vec<String>,
    },
}

fn one() -> u32 {
    1
}

/// One leaf as written in the catalog.
#[derive(Debug, Clone, Deserialize)]
pub struct RawLeaf {
    pub id: String,
    pub path: Vec<String>,
    pub question: String,
    #[serde(default)]
    pub split_of: Option<String>,
    pub units: Vec<String>,
    #[serde(default)]
    pub unit_role: Option<String>,
    #[serde(default)]
    pub time_limit_text: String,
    pub time_limit: TimeLimit,
    #[serde(default)]
    pub year_relative: bool,
    #[serde(default)]
    pub law_note: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// National inspection: the leaf vetoes the site (单项否决) when its rule fails.
    #[serde(default)]
    pub veto: Option<Veto>,
    /// A draft's doubt a person must settle (`zwgk catalog import` writes it): the leaf loads
    /// and runs, and `zwgk catalog check` lists it until the line is deleted.
    #[serde(default)]
    pub review: Option<String>,
    pub rule: Rule,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Veto {
    pub min_failures: usize,
}

#[derive(Debug, Clone, Deserialize)]
struct RawCatalog {
    #[serde(default)]
    catalog: CatalogInfo,
    #[serde(default)]
    docs: BTreeMap<String, DocSpec>,
    #[serde(default)]
    leaf: Vec<RawLeaf>,
}

/// The `[catalog]` table: what the catalog is.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CatalogInfo {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
    /// The 整改期限 this table sets for problems sent in a 通报, in working days (the
    /// office's `[notice]` and `report --rectify-days` override it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectify_working_days: Option<u32>,
}

/// A checked catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub file: String,
    pub info: CatalogInfo,
    pub leaves: Vec<RawLeaf>,
}

/// The catalogs compiled in, by name.
pub const BUNDLED: &[(&str, &str, &str)] = &[
    (
        "zhoucun-2019",
        "selectors/indicators/zhoucun-2019.toml",
        include_str!("../../selectors/indicators/zhoucun-2019.toml"),
    ),
    (
        "national-inspection",
        "selectors/indicators/national-inspection.toml",
        include_str!("../../selectors/indicators/national-inspection.toml"),
    ),
];

/// Checks a rule against the column keys and resolves named document kinds in place.
fn check_rule(rule: &mut Rule, defs: &ColumnDefs, docs: &BTreeMap<String, DocSpec>) -> Result<(), String> {
    let key = |k: &str| check_keys(k, defs);
    let find = |f: &mut Find| -> Result<(), String> {
        if let Find::Named(name) = f {
            let spec = docs
                .get(name.as_str())
                .ok_or_else(|| format!("document kind `{name}` is not defined in [docs]"))?;
            *f = Find::Spec(Box::new(spec.clone()));
        }
        check_spec(f.spec(), defs)
    };
    match rule {
        Rule::Manual { why } => {
            if why.trim().is_empty() {
                return Err("a manual rule must say `why` no website can show it".to_string());
            }
        }
        Rule::Column { column, .. }
        | Rule::Freshness { column, .. }
        | Rule::ValidityLabelled { column }
        | Rule::ConsultationFeedback { column, .. } => key(column)?,
        Rule::CrossLinked { column, other } => {
            key(column)?;
            key(other)?;
        }
        Rule::LinkTo { column, hosts, texts } => {
            if let Some(c) = column {
                key(c)?;
            }
            if hosts.is_empty() && texts.is_empty() {
                return Err("link_to needs `hosts` or `texts`".to_string());
            }
        }
        Rule::Image { column, terms } => {
            if let Some(c) = column {
                key(c)?;
            }
            if terms.is_empty() {
                return Err("image needs `terms`".to_string());
            }
        }
        Rule::Document { find: f, .. }
        | Rule::ReportArithmetic { find: f }
        | Rule::Archive { find: f }
        | Rule::BudgetDetail { find: f } => find(f)?,
        Rule::AfterEvent { find: f, event, .. } => {
            find(f)?;
            find(event)?;
        }
        Rule::Elements { find: f, elements, .. } => {
            find(f)?;
            if elements.is_empty() {
                return Err("elements needs `elements`".to_string());
            }
        }
        Rule::Periodic { find: f, .. } | Rule::Timeliness { find: f, .. } => find(f)?,
        Rule::Deadline {
            find: f,
            month,
            day,
            units,
        } => {
            find(f)?;
            check_day(*month, *day)?;
            if let Some(u) = units {
                check_day(u.month, u.day)?;
            }
        }
        Rule::All { rules } | Rule::Any { rules } => {
            if rules.is_empty() {
                return Err("`all` and `any` need `rules`".to_string());
            }
            for r in rules {
                check_rule(r, defs, docs)?;
            }
        }
        Rule::NaUnless { then, statements, .. } => {
            check_rule(then, defs, docs)?;
            for p in statements.iter() {
                Regex::new(p).map_err(|e| format!("`{p}` is not a valid pattern: {e}"))?;
            }
        }
        Rule::Form { .. }
        | Rule::InteractionReplied { .. }
        | Rule::NoBlankColumns { .. }
        | Rule::LinksAvailable { .. }
        | Rule::PubDateConsistent {} => {}
    }
    if let Rule::Freshness { within, .. } | Rule::InteractionReplied { within, .. } = rule
        && iso_duration(within).is_none()
    {
        return Err(format!(
            "`within = \"{within}\"` is not an ISO 8601 duration such as P14D, P6M, P1Y"
        ));
    }
    Ok(())
}

fn check_day(month: u32, day: u32) -> Result<(), String> {
    chrono::NaiveDate::from_ymd_opt(2024, month, day)
        .map(|_| ())
        .ok_or_else(|| format!("{month}月{day}日 is not a date"))
}

fn check_keys(keys: &str, defs: &ColumnDefs) -> Result<(), String> {
    for k in keys.split('|').map(str::trim) {
        if k != "home" && !defs.keys.contains_key(k) {
            return Err(format!(
                "column key `{k}` is not defined in selectors/indicators/columns.toml"
            ));
        }
    }
    Ok(())
}

fn check_spec(spec: &DocSpec, defs: &ColumnDefs) -> Result<(), String> {
    if !spec.columns.is_empty() {
        check_keys(&spec.columns, defs)?;
    }
    if spec.columns.is_empty() && spec.titles.is_empty() {
        return Err(format!("document kind `{}` needs `columns` or `titles`", spec.label));
    }
    for p in spec.titles.iter().chain(&spec.exclude) {
        Regex::new(&with_year(p, 2025)).map_err(|e| format!("`{p}` is not a valid pattern: {e}"))?;
    }
    Ok(())
}

/// `{Y}` and `{Y-1}` of a pattern, for the assessment year.
pub fn with_year(pattern: &str, year: i32) -> String {
    pattern
        .replace("{Y-1}", &(year - 1).to_string())
        .replace("{Y}", &year.to_string())
}

/// `P14D`, `P3M`, `P6M`, `P1Y` → (months, days).
pub fn iso_duration(iso: &str) -> Option<(u32, u32)> {
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

impl Catalog {
    pub fn parse(text: &str, file: &str) -> Result<Catalog, CatalogError> {
        Catalog::parse_with(text, file, &ColumnDefs::bundled())
    }

    pub fn parse_with(text: &str, file: &str, defs: &ColumnDefs) -> Result<Catalog, CatalogError> {
        let mut raw: RawCatalog = toml::from_str(text).map_err(|e| CatalogError::Toml {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        for (name, spec) in &raw.docs {
            check_spec(spec, defs).map_err(|problem| CatalogError::Doc {
                file: file.to_string(),
                name: name.clone(),
                problem,
            })?;
        }
        if raw.leaf.is_empty() {
            return Err(CatalogError::Empty { file: file.to_string() });
        }
        let mut ids = HashSet::new();
        for leaf in &mut raw.leaf {
            let id = leaf.id.clone();
            let fail = |problem: String| CatalogError::Leaf {
                file: file.to_string(),
                id: id.clone(),
                problem,
            };
            if !ids.insert(leaf.id.clone()) {
                return Err(fail("the id is used twice".to_string()));
            }
            if leaf.units.iter().all(|u| u.trim().is_empty()) {
                return Err(fail("no 责任单位".to_string()));
            }
            if leaf.path.is_empty() || leaf.question.trim().is_empty() {
                return Err(fail("no path or question".to_string()));
            }
            check_rule(&mut leaf.rule, defs, &raw.docs).map_err(fail)?;
        }
        Ok(Catalog {
            file: file.to_string(),
            info: raw.catalog,
            leaves: raw.leaf,
        })
    }

    /// The 周村区 2019 task table shipped with zwgk.
    pub fn bundled_zhoucun() -> Catalog {
        Catalog::bundled("zhoucun-2019").expect("the bundled catalog is checked by the tests")
    }

    pub fn bundled_national() -> Catalog {
        Catalog::bundled("national-inspection").expect("the bundled catalog is checked by the tests")
    }

    fn bundled(name: &str) -> Option<Catalog> {
        let (_, file, text) = BUNDLED.iter().find(|(n, ..)| *n == name)?;
        Catalog::parse(text, file).ok()
    }

    /// A catalog file, or a bundled one by name (`zhoucun-2019`, `national-inspection`).
    pub fn load(name_or_path: &str) -> Result<Catalog, CatalogError> {
        let name = match name_or_path {
            "zhoucun" => "zhoucun-2019",
            "national" => "national-inspection",
            other => other,
        };
        if let Some((_, file, text)) = BUNDLED.iter().find(|(n, ..)| *n == name) {
            return Catalog::parse(text, file);
        }
        let path = std::path::Path::new(name_or_path);
        if !path.exists() {
            return Err(CatalogError::Unknown {
                name: name_or_path.to_string(),
                bundled: BUNDLED
                    .iter()
                    .map(|(n, ..)| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| CatalogError::Toml {
            file: name_or_path.to_string(),
            message: format!("cannot read the file: {e}"),
        })?;
        Catalog::parse(&text, name_or_path)
    }

    pub fn automatic_share(&self) -> f64 {
        let automatic = self
            .leaves
            .iter()
            .filter(|l| !matches!(l.rule, Rule::Manual { .. }))
            .count();
        automatic as f64 / self.leaves.len().max(1) as f64
    }
}

impl Rule {
    /// Every column key the rule reads (for `zwgk columns` and the report's diagnosis).
    pub fn keys(&self, out: &mut Vec<String>) {
        let mut push = |k: &str| {
            if !k.is_empty() && !out.iter().any(|o| o == k) {
                out.push(k.to_string());
            }
        };
        match self {
            Rule::Column { column, .. }
            | Rule::Freshness { column, .. }
            | Rule::ValidityLabelled { column }
            | Rule::ConsultationFeedback { column, .. } => push(column),
            Rule::CrossLinked { column, other } => {
                push(column);
                push(other);
            }
            Rule::LinkTo { column, .. } | Rule::Image { column, .. } => {
                if let Some(c) = column {
                    push(c);
                }
            }
            Rule::Document { find, .. }
            | Rule::Archive { find }
            | Rule::BudgetDetail { find }
            | Rule::AfterEvent { find, .. }
            | Rule::Elements { find, .. }
            | Rule::Periodic { find, .. }
            | Rule::Timeliness { find, .. }
            | Rule::Deadline { find, .. }
            | Rule::ReportArithmetic { find } => push(&find.spec().columns),
            Rule::All { rules } | Rule::Any { rules } => rules.iter().for_each(|r| r.keys(out)),
            Rule::NaUnless { then, .. } => then.keys(out),
            Rule::Manual { .. }
            | Rule::Form { .. }
            | Rule::InteractionReplied { .. }
            | Rule::NoBlankColumns { .. }
            | Rule::LinksAvailable { .. }
            | Rule::PubDateConsistent {} => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_in_selectors_loads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("selectors/indicators");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.ends_with(".toml") || name == "columns.toml" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let catalog = Catalog::parse(&text, &name).unwrap_or_else(|e| panic!("{e}"));
            assert!(!catalog.leaves.is_empty(), "{name}");
        }
    }

    #[test]
    fn the_catalog_covers_every_question_of_the_seed_table() {
        let catalog = Catalog::bundled_zhoucun();
        let questions = include_str!("../../selectors/indicators/seed_questions.txt");
        let mut missing = Vec::new();
        for question in questions.lines().map(str::trim).filter(|q| !q.is_empty()) {
            let covered = catalog.leaves.iter().any(|l| {
                l.question.contains(question)
                    || question.contains(l.question.as_str()) && l.split_of.as_deref() == Some(question)
            });
            if !covered {
                missing.push(question);
            }
        }
        assert!(missing.is_empty(), "seed questions without a leaf: {missing:#?}");
        assert!(catalog.leaves.len() >= 150, "{} leaves", catalog.leaves.len());
        assert!(
            catalog.automatic_share() >= 0.6,
            "{:.2} automatic",
            catalog.automatic_share()
        );
    }

    #[test]
    fn time_limits_are_typed() {
        let catalog = Catalog::bundled_zhoucun();
        let by_text = |text: &str| {
            catalog
                .leaves
                .iter()
                .find(|l| l.time_limit_text == text)
                .map(|l| l.time_limit.clone())
        };
        assert_eq!(by_text("一月一次"), Some(TimeLimit::Periodic { every: Period::Month }));
        assert_eq!(by_text("即时"), Some(TimeLimit::Immediate));
        assert_eq!(
            by_text("会议第二天"),
            Some(TimeLimit::NextDay {
                event: "会议".to_string()
            })
        );
        assert_eq!(
            by_text("3月31日前"),
            Some(TimeLimit::AnnualDeadline { month: 3, day: 31 })
        );
        assert_eq!(
            by_text("收到申请之日起15个工作日内"),
            Some(TimeLimit::WithinDays {
                days: 15,
                day_type: DayType::Working,
                event: "收到申请".to_string()
            })
        );
    }

    #[test]
    fn broken_catalogs_name_the_leaf() {
        let leaf = |id: &str, rule: &str| {
            format!(
                "[[leaf]]\nid = \"{id}\"\npath = [\"a\"]\nquestion = \"是否x\"\nunits = [\"区政府办公室\"]\ntime_limit = {{ kind = \"immediate\" }}\nrule = {rule}\n"
            )
        };
        let cases = [
            (leaf("a.1", "{ kind = \"guess\" }"), "unknown variant `guess`"),
            (leaf("a.1", "{ kind = \"manual\", why = \" \" }"), "must say `why`"),
            (
                leaf("a.1", "{ kind = \"column\", column = \"policy_doc\" }"),
                "column key `policy_doc` is not defined",
            ),
            (
                leaf("a.1", "{ kind = \"column\", colum = \"policy_docs\" }"),
                "unknown field `colum`",
            ),
            (
                leaf("a.1", "{ kind = \"document\", find = \"nosuch\" }"),
                "document kind `nosuch` is not defined",
            ),
            (
                leaf(
                    "a.1",
                    "{ kind = \"document\", find = { label = \"x\", titles = [\"(\"] } }",
                ),
                "is not a valid pattern",
            ),
            (
                leaf(
                    "a.1",
                    "{ kind = \"freshness\", column = \"news\", within = \"2 weeks\" }",
                ),
                "ISO 8601",
            ),
            (
                format!(
                    "{}{}",
                    leaf("a.1", "{ kind = \"column\", column = \"news\" }"),
                    leaf("a.1", "{ kind = \"column\", column = \"news\" }")
                ),
                "used twice",
            ),
            ("[[leaf]]\nid = 3".to_string(), "not valid"),
            ("[catalog]\nid = \"x\"\n".to_string(), "has no leaves"),
        ];
        for (text, message) in cases {
            let error = Catalog::parse(&text, "t.toml").unwrap_err().to_string();
            assert!(error.contains(message), "{message}: {error}");
        }
        assert!(
            Catalog::load("nosuch")
                .unwrap_err()
                .to_string()
                .contains("`zhoucun-2019`")
        );
    }
}
