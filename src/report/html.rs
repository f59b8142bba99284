//! `report.html`: one self-contained page (inline CSS and SVG, no script, nothing fetched) the
//! office head reads on a laptop or prints on A4. Every scraped string goes through `esc`; links
//! are only made of http(s) URLs.
//!
//! The page is bounded by the catalog, not by the site: every list that grows with the site or
//! with what a hostile site serves (evidence per leaf, gaps, columns) shows its first rows and
//! then says how many more there are and where they are (report.json, report.csv), and long
//! texts are cut. A 20,000-page site and a store full of hostile pages give a page of the same
//! few megabytes at most.

use std::fmt::Write as _;

use super::{Gap, ReportData, by_urgency, changes, is_problem, percent};
use crate::assess::engine::{Assessment, Counts, Verdict, status_zh};
use crate::assess::verdict::Status;

/// Text escaped for HTML element content and quoted attributes.
pub fn esc(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// Evidence items shown per leaf in the list of all leaves and in the 通报.
const EVIDENCE_SHOWN: usize = 20;
/// Evidence items shown per problem in the problem list; the leaf's row below has the rest.
const PROBLEM_EVIDENCE_SHOWN: usize = 3;
/// Rows shown per gap list and in the column appendix.
const GAP_ROWS_SHOWN: usize = 50;
const COLUMN_ROWS_SHOWN: usize = 100;
/// Characters shown of a reason (real ones run to a few hundred); of a reason in the problem
/// list and the table of changes, whose leaves have their full row below; of an evidence
/// excerpt, a link label or a gap's detail.
const REASON_CHARS: usize = 1_000;
const SHORT_REASON_CHARS: usize = 300;
const SNIPPET_CHARS: usize = 100;
/// The longest URL made a link (the crawler's limit, with room for old stores).
const MAX_LINK_URL: usize = 4 * crate::crawl::scope::MAX_URL_LENGTH;

/// The anchor of a leaf's row in 全部指标测评结果: `leaf-` and the id, every character outside
/// `[A-Za-z0-9.-]` written as `_` and its UTF-8 bytes in hex, so two ids never share an
/// anchor and nothing in an id can leave the attribute. An id longer than any catalog's is
/// cut and given a hash of the whole.
pub fn leaf_anchor(id: &str) -> String {
    const MAX: usize = 120;
    let mut out = String::from("leaf-");
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            out.push(c);
        } else {
            let mut bytes = [0; 4];
            for b in c.encode_utf8(&mut bytes).bytes() {
                let _ = write!(out, "_{b:02X}");
            }
        }
    }
    if out.len() > MAX {
        use sha2::Digest as _;
        let hash = hex::encode(sha2::Sha256::digest(id.as_bytes()));
        // Every character of `out` is ASCII, so any byte index is a boundary.
        out.truncate(MAX - 17);
        out.push('-');
        out.push_str(&hash[..16]);
    }
    out
}

/// The table of contents: each section's anchor and heading, in the order written.
#[derive(Default)]
struct Toc(Vec<(&'static str, String)>);

impl Toc {
    /// Writes a section's `<h2>` with its anchor and lists it.
    fn h2(&mut self, out: &mut String, anchor: &'static str, title: String) {
        let _ = write!(out, "<h2 id=\"{anchor}\">{}</h2>", esc(&title));
        self.0.push((anchor, title));
    }

    fn html(&self) -> String {
        let mut out = String::from("<nav class=\"toc\" aria-label=\"目录\"><b>目录</b><ol>");
        for (anchor, title) in &self.0 {
            let _ = write!(out, "<li><a href=\"#{anchor}\">{}</a></li>", esc(title));
        }
        out.push_str("</ol></nav>");
        out
    }
}

/// The first `max` characters of `text`, and whether anything was cut.
fn cut(text: &str, max: usize) -> (&str, bool) {
    match text.char_indices().nth(max) {
        Some((end, _)) => (&text[..end], true),
        None => (text, false),
    }
}

/// `text` escaped, cut to `max` characters with an ellipsis.
fn esc_cut(text: &str, max: usize) -> String {
    match cut(text, max) {
        (shown, true) => format!("{}…", esc(shown)),
        (shown, false) => esc(shown),
    }
}

/// A reason escaped and cut to `max` characters, saying where the full text is.
fn reason_html(reason: &str, max: usize) -> String {
    match cut(reason, max) {
        (shown, true) => format!(
            "{}……<span class=\"muted\">（说明过长，已截断；全文见 report.json / report.csv）</span>",
            esc(shown)
        ),
        (shown, false) => esc(shown),
    }
}

/// The line after a list cut to its first rows.
fn more_line(hidden: usize, place: &str) -> String {
    format!("<p class=\"muted\">另有 {hidden} 条，完整列表见 {place}。</p>")
}

/// A link to a scraped URL, or plain text when it is not http(s) (`javascript:` never links).
/// Labels are cut; a URL longer than any the crawler follows is shown, not linked.
pub fn link(url: &str, label: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    if (lower.starts_with("http://") || lower.starts_with("https://")) && url.len() <= MAX_LINK_URL {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            esc(url.trim()),
            esc_cut(label, SNIPPET_CHARS)
        )
    } else {
        esc_cut(label, SNIPPET_CHARS)
    }
}

pub(crate) const STYLE: &str = r#"
:root{--pass:#2e7d32;--partial:#ef6c00;--fail:#c62828;--manual:#546e7a;--na:#9e9e9e;--line:#d7dde3}
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;max-width:1100px;padding:24px;color:#1f2933;line-height:1.6;font-size:14px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;border-bottom:2px solid #1f4e79;padding-bottom:4px;margin-top:32px;color:#1f4e79}
h3{font-size:16px;margin:20px 0 8px}
.meta{color:#52606d;margin:0 0 16px}.meta span{margin-right:18px;white-space:nowrap}
.cards{display:flex;gap:10px;flex-wrap:wrap;margin:12px 0}
.card{flex:1 1 120px;border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.card b{display:block;font-size:24px}.card.pass b{color:var(--pass)}.card.partial b{color:var(--partial)}
.card.fail b{color:var(--fail)}.card.manual b{color:var(--manual)}.card.na b{color:var(--na)}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;table-layout:fixed}
th,td{border:1px solid var(--line);padding:5px 7px;vertical-align:top;text-align:left;overflow-wrap:anywhere}
th{background:#eef2f6;font-weight:600}
td.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;border-radius:3px;padding:0 6px;color:#fff;font-size:12px;white-space:nowrap}
.badge.pass{background:var(--pass)}.badge.partial{background:var(--partial)}.badge.fail{background:var(--fail)}
.badge.manual{background:var(--manual)}.badge.na{background:var(--na)}
.reason{white-space:pre-wrap;word-break:break-word}
.evidence{font-size:12px;color:#52606d;word-break:break-all;margin:4px 0 0;padding-left:16px}
.evidence li{margin:2px 0}
a{color:#1565c0}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
.muted{color:#7b8794}
.warn{border-left:4px solid var(--partial);background:#fff4e5;padding:8px 12px}
.alarm{border:2px solid var(--fail);background:#fdecea;padding:10px 14px;font-size:15px}
.chart{width:100%;height:auto}
.toc{border:1px solid var(--line);border-radius:6px;padding:8px 14px;margin:12px 0}
.toc ol{margin:4px 0;padding-left:22px;columns:2}.toc li{margin:2px 0}
@page{size:A4;margin:15mm}
@media print{body{max-width:none;padding:0;font-size:11px}h2{break-after:avoid}tr,li{break-inside:avoid}
details{display:block}details>summary{list-style:none}a{color:inherit;text-decoration:none}}
"#;

pub(crate) fn status_class(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Partial => "partial",
        Status::Fail => "fail",
        Status::Manual => "manual",
        Status::NotApplicable => "na",
    }
}

pub(crate) fn badge(status: Status) -> String {
    format!(
        "<span class=\"badge {}\">{}</span>",
        status_class(status),
        status_zh(status)
    )
}

/// A problem's row: the leaf (with a mark such as 【本月新增】), its time limit, verdict, and
/// reason with its first evidence (the 通报's rows: all a unit reads of the leaf).
pub(crate) fn problem_row(v: &Verdict, mark: &str) -> String {
    problem_row_with(v, mark, REASON_CHARS, &evidence_list(v, EVIDENCE_SHOWN))
}

fn problem_row_with(v: &Verdict, mark: &str, reason_chars: usize, evidence: &str) -> String {
    format!(
        "<tr><td>{}{mark}<div class=\"muted\">{}</div></td><td>{}</td><td>{} {}</td><td><div class=\"reason\">{}</div>{evidence}</td></tr>",
        esc(&v.question),
        esc(&v.path.join(" › ")),
        esc(&v.time_limit),
        badge(v.status),
        percent(v.score),
        reason_html(&v.reason, reason_chars),
    )
}

/// The first `shown` evidence items of a leaf, then how many more there are.
pub(crate) fn evidence_list(v: &Verdict, shown: usize) -> String {
    let mut out = evidence_items(v, shown);
    if v.evidence.len() > shown {
        out.push_str(&more_line(v.evidence.len() - shown, "report.json / report.csv"));
    }
    out
}

/// The first `shown` evidence items of a leaf.
fn evidence_items(v: &Verdict, shown: usize) -> String {
    if v.evidence.is_empty() {
        return String::new();
    }
    let mut out = String::from("<ul class=\"evidence\">");
    for e in v.evidence.iter().take(shown) {
        let mut line = link(&e.url, &e.url);
        if !e.excerpt.is_empty() {
            let _ = write!(line, " — {}", esc_cut(&e.excerpt, SNIPPET_CHARS));
        }
        if let Some(t) = &e.fetched_at {
            let _ = write!(line, " <span class=\"muted\">抓取于北京时间{}", esc(&super::beijing(t)));
            if let Some(h) = &e.sha256 {
                let _ = write!(line, "，SHA-256 <code>{}</code>", esc(h));
            }
            line.push_str("</span>");
        }
        let _ = write!(out, "<li>{line}</li>");
    }
    out.push_str("</ul>");
    out
}

/// The whole report.
pub fn render(data: &ReportData) -> String {
    let a = &data.assessment;
    let mut out = String::with_capacity(256 * 1024);
    let title = match &a.understanding.district {
        Some(district) => format!("{district}人民政府网站 政务公开测评报告"),
        None => format!("{} 政务公开测评报告", a.site),
    };
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <title>{}</title><style>{STYLE}</style></head><body>",
        esc(&title)
    );
    let heading = match &a.understanding.district {
        Some(district) => format!("{}人民政府网站政务公开测评报告", esc(district)),
        None => "政务公开测评报告".to_string(),
    };
    let _ = write!(out, "<h1>{heading}</h1>{}", meta_line(a));
    if let Some(note) = &a.unfinished_run {
        let _ = write!(out, "<p class=\"alarm\"><b>请注意：</b>{}</p>", esc(note));
    }
    if let Some(warning) = &a.understanding.warning {
        let _ = write!(out, "<p class=\"alarm\"><b>请注意：</b>{}</p>", esc(warning));
    }
    if let Some(note) = a.calendar.note_zh() {
        let _ = write!(out, "<p class=\"warn\">注意：{}</p>", esc(&note));
    }
    let mut numbers = ["一", "二", "三", "四", "五", "六", "七"].into_iter();
    let mut next = move || numbers.next().unwrap_or("");
    let mut toc = Toc::default();
    let mut body = String::with_capacity(256 * 1024);
    overview(&mut body, &mut toc, a, next());
    problem_list(&mut body, &mut toc, data, next());
    problems_by_unit(&mut body, &mut toc, a, next());
    if let Some(before) = &data.previous {
        changes_since(&mut body, &mut toc, a, before, next());
    }
    if !a.backdated.is_empty() {
        backdated(&mut body, &mut toc, a, next());
    }
    tree(&mut body, &mut toc, a, next());
    gaps(&mut body, &mut toc, data, next());
    columns(&mut body, &mut toc, data);
    out.push_str(&toc.html());
    out.push_str(&body);
    let _ = writeln!(
        out,
        "<p class=\"muted\">由 {} 生成。测评依据：{}（{}）。“待人工评价”的指标网站无法显示，需评估人员核查后以 --manual 文件录入。</p></body></html>",
        esc(&a.generator),
        esc(&a.catalog_title),
        esc(&a.catalog)
    );
    out
}

pub(crate) fn meta_line(a: &Assessment) -> String {
    format!(
        "<p class=\"meta\"><span>网站：{}</span><span>抓取批次：{}</span><span>测评截至：{}</span><span>测评年度：{}年</span></p>",
        link(&a.site, &a.site),
        a.run_id,
        a.as_of,
        a.period
    )
}

fn overview(out: &mut String, toc: &mut Toc, a: &Assessment, n: &str) {
    let c = &a.summary.counts;
    toc.h2(out, "sec-overview", format!("{n}、总体情况"));
    out.push_str("<div class=\"cards\">");
    for (class, label, n) in [
        ("", "指标总数", c.total),
        ("pass", "达标", c.pass),
        ("partial", "部分达标", c.partial),
        ("fail", "不达标", c.fail),
        ("manual", "待人工评价", c.manual),
        ("na", "不适用", c.na),
    ] {
        let _ = write!(out, "<div class=\"card {class}\"><b>{n}</b>{label}</div>");
    }
    let _ = write!(
        out,
        "<div class=\"card\"><b>{}</b>自动评价平均得分（{}项中{}项）</div></div>",
        percent(c.score),
        c.total,
        c.scored()
    );
    let u = &a.understanding;
    if !u.level.is_empty() {
        let _ = write!(out, "<p class=\"meta\">{}", esc(&u.summary_zh()));
        if !u.keys_missing.is_empty() {
            let _ = write!(
                out,
                "；未找到的栏目类别：{}",
                esc(&u.keys_missing.iter().take(20).cloned().collect::<Vec<_>>().join("、"))
            );
        }
        out.push_str("。</p>");
    }
    out.push_str(&chart(
        &a.summary
            .by_level1
            .iter()
            .map(|g| (g.name.as_str(), &g.counts))
            .collect::<Vec<_>>(),
    ));
    out.push_str("<table><thead><tr><th>一级指标</th><th>指标数</th><th>达标</th><th>部分达标</th><th>不达标</th><th>待人工评价</th><th>不适用</th><th>平均得分（自动评价项数）</th></tr></thead><tbody>");
    for g in &a.summary.by_level1 {
        let k = &g.counts;
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&g.name),
            k.total,
            k.pass,
            k.partial,
            k.fail,
            k.manual,
            k.na,
            esc(&k.score_zh())
        );
    }
    out.push_str("</tbody></table>");
}

/// A stacked bar per group (达标 / 部分达标 / 不达标 / 待人工 / 不适用) with its mean score.
pub(crate) fn chart(groups: &[(&str, &Counts)]) -> String {
    let row = 34;
    let label_w = 190;
    // Room on the right for the mean and how many leaves it covers.
    let bar_w = 480;
    let height = 40 + row * groups.len();
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"各一级指标测评结果\" xmlns=\"http://www.w3.org/2000/svg\" width=\"960\" height=\"{height}\" viewBox=\"0 0 960 {height}\" font-size=\"13\">"
    );
    let colors = [
        ("#2e7d32", "达标"),
        ("#ef6c00", "部分达标"),
        ("#c62828", "不达标"),
        ("#546e7a", "待人工评价"),
        ("#9e9e9e", "不适用"),
    ];
    for (i, (color, label)) in colors.iter().enumerate() {
        let x = label_w + i * 110;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{}\" y=\"17\">{label}</text>",
            x + 16
        );
    }
    for (i, (name, c)) in groups.iter().enumerate() {
        let y = 30 + i * row;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 8,
            y + 17,
            esc(name)
        );
        let parts = [c.pass, c.partial, c.fail, c.manual, c.na];
        let total = parts.iter().sum::<usize>().max(1);
        let mut x = label_w as f64;
        for (n, (color, label)) in parts.iter().zip(colors) {
            if *n == 0 {
                continue;
            }
            let w = bar_w as f64 * *n as f64 / total as f64;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"24\" fill=\"{color}\"><title>{} {label} {n}项</title></rect>",
                esc(name)
            );
            if w > 18.0 {
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{}\" fill=\"#fff\" text-anchor=\"middle\">{n}</text>",
                    x + w / 2.0,
                    y + 17
                );
            }
            x += w;
        }
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            label_w + bar_w + 8,
            y + 17,
            esc(&c.score_zh())
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One row per problem leaf, most urgent first, each linking to its full row: 不达标 before
/// 部分达标; then problems past their 整改期限 in the 整改台账, then the earliest 整改期限, then
/// the shortest time limit ([`by_urgency`]). The units are those the 通报 send it to (see
/// `assess::attribution`) when the routing names them, else the table's.
fn problem_list(out: &mut String, toc: &mut Toc, data: &ReportData, n: &str) {
    let a = &data.assessment;
    toc.h2(out, "sec-problems", format!("{n}、问题清单（按指标，紧急者在前）"));
    let mut problems: Vec<&Verdict> = a.indicators.iter().filter(|v| is_problem(v)).collect();
    if problems.is_empty() {
        out.push_str("<p>没有不达标或部分达标的指标。</p>");
        return;
    }
    let deadline = |v: &Verdict| data.deadlines.get(&v.id).copied();
    let is_overdue = |v: &Verdict| {
        deadline(v).is_some_and(|d| d < a.as_of) || a.routing.overdue.iter().any(|(leaf, _)| *leaf == v.id)
    };
    by_urgency(&mut problems);
    problems.sort_by_key(|v| {
        (
            u8::from(v.status != Status::Fail),
            u8::from(!is_overdue(v)),
            deadline(v).unwrap_or(chrono::NaiveDate::MAX),
        )
    });
    let _ = write!(
        out,
        "<p class=\"meta\">共{}项；点击指标查看其全部说明与证据。整改期限取自整改台账（已发通报的问题）。</p><table><thead><tr><th style=\"width:5%\">序号</th><th style=\"width:22%\">指标</th><th style=\"width:13%\">责任单位</th><th style=\"width:8%\">公开时限</th><th style=\"width:9%\">结果</th><th style=\"width:10%\">整改期限</th><th>问题说明</th></tr></thead><tbody>",
        problems.len()
    );
    for (i, v) in problems.iter().enumerate() {
        let units: Vec<&str> = match a.routing.routes.get(&v.id) {
            Some(routes) => routes.iter().map(|(u, _)| u.as_str()).collect(),
            None => v.units.iter().map(String::as_str).collect(),
        };
        let due = match (deadline(v), is_overdue(v)) {
            (Some(d), true) => format!("{d}<br><b>【逾期未整改】</b>"),
            (None, true) => "<b>【逾期未整改】</b>".to_string(),
            (Some(d), false) => d.to_string(),
            (None, false) => "—".to_string(),
        };
        let _ = write!(
            out,
            "<tr><td class=\"num\">{}</td><td><a href=\"#{}\">{}</a><div class=\"muted\">{}</div></td><td>{}</td><td>{}</td><td>{} {}</td><td>{due}</td><td class=\"reason\">{}</td></tr>",
            i + 1,
            leaf_anchor(&v.id),
            esc(&v.question),
            esc(&v.path.join(" › ")),
            esc(&units.join("、")),
            esc(&v.time_limit),
            badge(v.status),
            percent(v.score),
            reason_html(&v.reason, SHORT_REASON_CHARS)
        );
    }
    out.push_str("</tbody></table>");
}

fn problems_by_unit(out: &mut String, toc: &mut Toc, a: &Assessment, n: &str) {
    toc.h2(out, "sec-units", format!("{n}、问题清单（按责任单位，紧急者在前）"));
    let mut any = false;
    for group in &a.summary.by_unit {
        let mut problems: Vec<&Verdict> = a
            .indicators
            .iter()
            .filter(|v| is_problem(v) && v.units.contains(&group.name))
            .collect();
        if problems.is_empty() {
            continue;
        }
        any = true;
        by_urgency(&mut problems);
        let _ = write!(
            out,
            "<h3>{}（{}项）</h3><table><thead><tr><th style=\"width:22%\">指标</th><th style=\"width:10%\">公开时限</th><th style=\"width:8%\">结果</th><th>问题说明与证据</th></tr></thead><tbody>",
            esc(&group.name),
            problems.len()
        );
        for v in problems {
            // A leaf of several units is listed under each: its evidence is shown in full once,
            // in its row of 全部指标测评结果.
            let mut evidence = evidence_items(v, PROBLEM_EVIDENCE_SHOWN);
            if v.evidence.len() > PROBLEM_EVIDENCE_SHOWN {
                let _ = write!(
                    evidence,
                    "<p class=\"muted\">另有 {} 条证据，见<a href=\"#{}\">全部指标测评结果</a>中本项及 report.json / report.csv。</p>",
                    v.evidence.len() - PROBLEM_EVIDENCE_SHOWN,
                    leaf_anchor(&v.id)
                );
            }
            out.push_str(&problem_row_with(v, "", SHORT_REASON_CHARS, &evidence));
        }
        out.push_str("</tbody></table>");
    }
    if !any {
        out.push_str("<p>没有不达标或部分达标的指标。</p>");
    }
}

/// Items zwgk's own nightly crawls saw appear later than they claim.
fn backdated(out: &mut String, toc: &mut Toc, a: &Assessment, n: &str) {
    toc.h2(out, "sec-backdated", format!("{n}、上网晚于标注日期的信息（疑似倒签）"));
    let _ = write!(
        out,
        "<p class=\"meta\">依据本系统历次夜间抓取：较早一次抓取时栏目列表已列至更早的信息，却没有这条；首次出现晚于标注日期{}天以上。及时性按首次出现日期计算；是否倒签须人工核实。</p>",
        crate::assess::first_seen::TOLERANCE_DAYS
    );
    out.push_str(
        "<table><thead><tr><th>信息</th><th>标注日期</th><th>首次出现</th><th>较早一次抓取（列表已列至）</th></tr></thead><tbody>",
    );
    for b in a.backdated.iter().take(GAP_ROWS_SHOWN) {
        let title = b.title.as_deref().unwrap_or(&b.item_url);
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}（第{}次抓取）</td><td>{}（第{}次抓取，已列至{}）</td></tr>",
            link(&b.item_url, title),
            b.claimed,
            b.first_seen,
            b.first_run,
            link(&b.list_url, &b.earlier_seen.to_string()),
            b.earlier_run,
            b.earlier_oldest
        );
    }
    out.push_str("</tbody></table>");
    if a.backdated.len() > GAP_ROWS_SHOWN {
        out.push_str(&more_line(
            a.backdated.len() - GAP_ROWS_SHOWN,
            "report.json（backdated）",
        ));
    }
}

fn changes_since(out: &mut String, toc: &mut Toc, a: &Assessment, before: &Assessment, n: &str) {
    let list = changes(a, before);
    toc.h2(out, "sec-changes", format!("{n}、与上次检查相比"));
    let _ = write!(
        out,
        "<p class=\"meta\">上次：抓取批次{}，按其抓取日{}测评。</p>",
        before.run_id, before.as_of
    );
    if list.is_empty() {
        out.push_str("<p>各指标结果与上次相同。</p>");
        return;
    }
    out.push_str("<table><thead><tr><th>指标</th><th>上次</th><th>本次</th><th>本次说明</th></tr></thead><tbody>");
    for c in list {
        let was = c.before.map_or_else(
            || "（新增指标）".to_string(),
            |b| format!("{} {}", badge(b.status), percent(b.score)),
        );
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{was}</td><td>{} {}</td><td class=\"reason\">{}</td></tr>",
            esc(&c.now.question),
            badge(c.now.status),
            percent(c.now.score),
            reason_html(&c.now.reason, SHORT_REASON_CHARS)
        );
    }
    out.push_str("</tbody></table>");
}

fn tree(out: &mut String, toc: &mut Toc, a: &Assessment, n: &str) {
    toc.h2(out, "sec-tree", format!("{n}、全部指标测评结果"));
    let mut current: Option<&str> = None;
    for v in &a.indicators {
        let top = v.path.first().map_or("", String::as_str);
        if current != Some(top) {
            if current.is_some() {
                out.push_str("</tbody></table></details>");
            }
            current = Some(top);
            let counts = a.summary.by_level1.iter().find(|g| g.name == top).map(|g| &g.counts);
            let _ = write!(
                out,
                "<details open><summary>{}　平均得分{}</summary><table><thead><tr><th style=\"width:24%\">指标</th><th style=\"width:12%\">责任单位</th><th style=\"width:9%\">公开时限</th><th style=\"width:9%\">结果</th><th>说明与证据</th></tr></thead><tbody>",
                esc(top),
                esc(&counts.map_or_else(|| Counts::default().score_zh(), Counts::score_zh))
            );
        }
        let _ = write!(
            out,
            "<tr id=\"{}\"><td>{}<div class=\"muted\">{}</div></td><td>{}</td><td>{}</td><td>{}<br>{}</td><td><div class=\"reason\">{}</div>{}</td></tr>",
            leaf_anchor(&v.id),
            esc(&v.question),
            esc(&v.path[1.min(v.path.len())..].join(" › ")),
            esc(&v.units.join("、")),
            esc(&v.time_limit),
            badge(v.status),
            percent(v.score),
            reason_html(&v.reason, REASON_CHARS),
            evidence_list(v, EVIDENCE_SHOWN)
        );
    }
    if current.is_some() {
        out.push_str("</tbody></table></details>");
    }
}

fn gaps(out: &mut String, toc: &mut Toc, data: &ReportData, n: &str) {
    let g = &data.gaps;
    toc.h2(out, "sec-gaps", format!("{n}、未能检查的内容"));
    let _ = write!(
        out,
        "<p>以下页面未能取得或内容不可读，相关指标的结论可能不完整（共{}项）。</p>",
        g.total()
    );
    for (title, list) in [
        ("robots.txt 禁止抓取", &g.blocked),
        ("抓取失败", &g.failed),
        ("已发现但未抓取", &g.unreached),
        ("内容为空或依赖JavaScript显示的页面", &g.empty_pages),
    ] {
        let _ = write!(out, "<h3>{title}（{}项）</h3>", list.len());
        if list.is_empty() {
            out.push_str("<p class=\"muted\">无。</p>");
            continue;
        }
        gap_table(out, list);
    }
}

fn columns(out: &mut String, toc: &mut Toc, data: &ReportData) {
    toc.h2(out, "sec-columns", "附录：测评所依据的栏目".to_string());
    let _ = write!(
        out,
        "<p>各指标对应的网站栏目及其最新五条信息，供核查。</p><table><thead><tr><th style=\"width:14%\">栏目类别</th><th style=\"width:24%\">网站栏目</th><th style=\"width:8%\">信息条数</th><th>最新信息</th></tr></thead><tbody>"
    );
    for c in data.columns.iter().take(COLUMN_ROWS_SHOWN) {
        let newest: Vec<String> = c
            .newest
            .iter()
            .map(|(title, url, date)| {
                let date = date.map(|d| d.to_string()).unwrap_or_else(|| "无日期".to_string());
                format!("<li>{} <span class=\"muted\">{date}</span></li>", link(url, title))
            })
            .collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td><ul class=\"evidence\">{}</ul></td></tr>",
            esc(&c.key),
            link(&c.url, &c.name),
            c.items,
            newest.concat()
        );
    }
    out.push_str("</tbody></table>");
    if data.columns.len() > COLUMN_ROWS_SHOWN {
        let _ = write!(
            out,
            "<p class=\"muted\">另有 {} 个栏目未列出，可用 zwgk columns 查看全部栏目。</p>",
            data.columns.len() - COLUMN_ROWS_SHOWN
        );
    }
}

fn gap_table(out: &mut String, list: &[Gap]) {
    out.push_str("<table><thead><tr><th>网址</th><th>情况</th></tr></thead><tbody>");
    for gap in list.iter().take(GAP_ROWS_SHOWN) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td></tr>",
            link(&gap.url, &gap.url),
            esc_cut(&gap.detail, SNIPPET_CHARS)
        );
    }
    out.push_str("</tbody></table>");
    if list.len() > GAP_ROWS_SHOWN {
        // report.json carries every gap (`gaps`), so none is silent.
        out.push_str(&more_line(list.len() - GAP_ROWS_SHOWN, "report.json（gaps）"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::engine::Evidence;
    use crate::report::Gaps;

    fn data(gaps: Gaps) -> ReportData {
        let verdict = Verdict {
            id: "a.1".to_string(),
            path: vec!["政务公开保障机制".to_string(), "<b>二级</b>".to_string()],
            question: "是否\"公开\"<script>x()</script>".to_string(),
            units: vec!["区政府办公室".to_string()],
            time_limit: "即时".to_string(),
            status: Status::Fail,
            score: Some(0.0),
            reason: "标题<img src=x onerror=alert(1)>".to_string(),
            evidence: vec![
                Evidence {
                    url: "javascript:alert(1)".to_string(),
                    fetched_at: None,
                    sha256: None,
                    excerpt: "坏链接".to_string(),
                },
                Evidence {
                    url: "http://a.gov.cn/x?a=1&b=\"2\"".to_string(),
                    fetched_at: Some("2026-01-10T00:00:00Z".to_string()),
                    sha256: Some("ab".repeat(32)),
                    excerpt: "摘录".to_string(),
                },
            ],
            source: "auto".to_string(),
            failures: 1,
            basis: Default::default(),
        };
        let indicators = vec![verdict];
        ReportData {
            deadlines: Default::default(),
            assessment: Assessment::for_test(1, chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(), indicators),
            previous: None,
            gaps,
            columns: Vec::new(),
        }
    }

    #[test]
    fn scraped_text_is_escaped_and_only_http_links_are_made() {
        let html = render(&data(Gaps::default()));
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>二级"));
        assert!(
            html.contains("&lt;script&gt;x()&lt;/script&gt;") && html.contains("&lt;img src=x onerror=alert(1)&gt;")
        );
        assert!(
            !html.contains("href=\"javascript"),
            "a javascript: URL never becomes a link"
        );
        assert!(html.contains("href=\"http://a.gov.cn/x?a=1&amp;b=&quot;2&quot;\""));
        assert!(html.contains("没有") || html.contains("区政府办公室（1项）"));
    }

    #[test]
    fn leaf_anchors_are_safe_and_distinct() {
        let cases = [
            ("bzjz.ywpx.kzqk.1", "leaf-bzjz.ywpx.kzqk.1"),
            ("a_b", "leaf-a_5Fb"),
            ("a b", "leaf-a_20b"),
            ("\"><script>", "leaf-_22_3E_3Cscript_3E"),
            ("指标", "leaf-_E6_8C_87_E6_A0_87"),
        ];
        for (id, want) in cases {
            assert_eq!(leaf_anchor(id), want, "{id}");
        }
        assert_ne!(
            leaf_anchor("a_5Fb"),
            leaf_anchor("a_b"),
            "the escape character is escaped too"
        );
        let long = leaf_anchor(&"长".repeat(500));
        assert!(long.len() <= 120 && long.starts_with("leaf-"), "{long}");
        assert_ne!(long, leaf_anchor(&"长".repeat(501)), "cut ids keep a hash of the whole");
    }

    #[test]
    fn every_section_is_in_the_table_of_contents_and_problems_link_to_their_rows() {
        let html = render(&data(Gaps::default()));
        let toc_end = html.find("</nav>").expect("a table of contents");
        let (toc, body) = html.split_at(toc_end);
        let headings: Vec<&str> = body.match_indices("<h2 id=\"").map(|(i, _)| &body[i + 8..]).collect();
        assert!(headings.len() >= 5, "{headings:?}");
        for h in &headings {
            let anchor = &h[..h.find('"').unwrap()];
            assert!(
                toc.contains(&format!("href=\"#{anchor}\"")),
                "{anchor} is not in the TOC"
            );
        }
        assert!(!body.contains("<h2>"), "every h2 has an anchor");
        assert!(html.contains("二、问题清单（按指标，紧急者在前）") && html.contains("三、问题清单（按责任单位"));
        let anchor = leaf_anchor("a.1");
        assert!(html.contains(&format!("<tr id=\"{anchor}\">")));
        assert!(html.contains(&format!("<a href=\"#{anchor}\">是否&quot;公开&quot;&lt;script&gt;")));
    }

    #[test]
    fn every_group_average_says_how_many_leaves_it_covers() {
        let html = render(&data(Gaps::default()));
        // The one leaf failed with score 0: the overview, the chart and the tree's group.
        assert!(html.contains("<b>0.0%</b>自动评价平均得分（1项中1项）"));
        assert_eq!(html.matches("0.0（1项中1项自动评价）").count(), 3, "table, chart, tree");
        assert!(!html.contains("平均得分0.0%"));
    }

    #[test]
    fn estimated_calendar_years_are_named() {
        let mut report = data(Gaps::default());
        assert!(!render(&report).contains("推定"), "every year has a notice");
        let calendar = crate::assess::calendar::WorkCalendar::bundled();
        report.assessment.calendar = crate::assess::engine::CalendarUse::of(&calendar, 2026, 2027);
        let html = render(&report);
        assert!(
            html.contains("2027年尚无国务院节假日安排通知"),
            "the estimated year is named"
        );
        assert!(!html.contains("2026年尚无"), "2026 has its notice");
    }

    #[test]
    fn long_gap_lists_show_their_first_rows_and_say_where_the_rest_is() {
        let gaps = Gaps {
            failed: (0..120)
                .map(|i| Gap {
                    url: format!("http://a.gov.cn/p{i}.html"),
                    detail: "HTTP 404".to_string(),
                })
                .collect(),
            ..Gaps::default()
        };
        let html = render(&data(gaps));
        assert!(html.contains("抓取失败（120项）"), "the count is of every gap");
        assert!(html.contains("另有 70 条，完整列表见 report.json（gaps）"));
        for i in 0..120 {
            let shown = html.contains(&format!("http://a.gov.cn/p{i}.html\""));
            assert_eq!(shown, i < 50, "gap {i}");
        }
    }

    #[test]
    fn long_texts_are_cut_with_a_pointer_to_the_full_text() {
        let cases = [
            ("短", 3, "短"),
            ("正好三", 3, "正好三"),
            ("多于三个字", 3, "多于三…"),
            ("<b>x</b>", 3, "&lt;b&gt;…"),
        ];
        for (text, max, expected) in cases {
            assert_eq!(esc_cut(text, max), expected, "{text}");
        }
        assert!(reason_html(&"很长".repeat(2000), 10).contains("说明过长，已截断"));
        assert!(!reason_html("短说明", 10).contains("截断"));
        let long_url = format!("http://a.gov.cn/?q={}", "a".repeat(20_000));
        assert!(
            !link(&long_url, &long_url).contains("href"),
            "an overlong URL is not linked"
        );
    }
}
