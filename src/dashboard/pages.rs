//! The dashboard's pages: plain HTML with the report's stylesheet, no script. Every string
//! from the site, the store or a form goes through `esc`; links to the site only through
//! `report::html::link` (http(s) only).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::chart::{Series, lines};
use super::{Current, encode};
use crate::assess::engine::{Assessment, Evidence, Verdict};
use crate::assess::verdict::Status;
use crate::report::diff::RunDiff;
use crate::report::html::{STYLE, badge, esc, link, status_class};
use crate::report::{beijing, by_urgency, is_problem, percent};
use crate::store::{Rectification, StoredManual};

/// Extra rules for the dashboard's navigation, forms and snapshot frame.
const DASHBOARD_STYLE: &str = r#"
nav{display:flex;gap:4px;flex-wrap:wrap;border-bottom:2px solid #1f4e79;margin:0 0 16px;padding-bottom:6px}
nav a{padding:3px 10px;border-radius:4px;text-decoration:none}nav a.on{background:#1f4e79;color:#fff}
form.box{border:1px solid var(--line);border-radius:6px;padding:10px 14px;margin:10px 0;background:#f8fafc}
form.box label{display:block;margin:6px 0 2px;font-weight:600}
form.box input[type=text],form.box input[type=url],form.box input[type=date],form.box input[type=number],form.box select,form.box textarea{width:100%;padding:4px 6px;font:inherit}
form.box button{margin-top:8px;padding:4px 16px;font:inherit}
iframe.snapshot{width:100%;height:70vh;border:1px solid var(--line)}
.ok{border-left:4px solid var(--pass);background:#edf7ee;padding:8px 12px}
ul.tree{list-style:none;padding-left:18px}ul.tree>li{margin:2px 0}
"#;

const NAV: [(&str, &str, &str); 9] = [
    ("overview", "/", "总览"),
    ("verdicts", "/verdicts", "全部指标"),
    ("tree", "/tree", "指标树"),
    ("units", "/units", "单位排名"),
    ("trends", "/trends", "趋势"),
    ("diff", "/diff", "两次对比"),
    ("rectify", "/rectify", "整改台账"),
    ("manual", "/manual", "人工评价"),
    ("", "", ""),
];

/// A whole page: title, navigation (the current view marked), body.
pub fn layout(title: &str, active: &str, body: &str) -> String {
    let mut nav = String::from("<nav>");
    for (key, href, label) in NAV.iter().filter(|(k, _, _)| !k.is_empty()) {
        let class = if *key == active { " class=\"on\"" } else { "" };
        let _ = write!(nav, "<a href=\"{href}\"{class}>{label}</a>");
    }
    nav.push_str("</nav>");
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">\
         <title>{} · zwgk 政务公开看板</title><style>{STYLE}{DASHBOARD_STYLE}</style></head>\
         <body>{nav}<h1>{}</h1>{body}</body></html>",
        esc(title),
        esc(title)
    )
}

/// The line under each title: which run, judged when, kept or judged now.
fn meta(current: &Current) -> String {
    let a = &current.assessment;
    let mut out = format!(
        "<p class=\"meta\"><span>{}</span><span>第{}次抓取</span><span>按 {} 评价</span><span>{}年度</span><span>{}</span></p>",
        esc(&a.site),
        a.run_id,
        a.as_of,
        a.period,
        esc(&a.catalog_title)
    );
    if !current.kept {
        out.push_str(
            "<p class=\"warn\">这次抓取还没有保存的评价，以下是按今天即时评价的结果；运行 zwgk nightly 或 zwgk report 后保存。</p>",
        );
    }
    if let Some(note) = &a.unfinished_run {
        let _ = write!(out, "<p class=\"warn\">{}</p>", esc(note));
    }
    if !a.calendar.estimated_years.is_empty() {
        let years: Vec<String> = a.calendar.estimated_years.iter().map(i32::to_string).collect();
        let _ = write!(
            out,
            "<p class=\"warn\">{}年的工作日按推定日历计算（尚无国务院放假通知）。</p>",
            years.join("、")
        );
    }
    out
}

pub fn empty_store() -> String {
    layout(
        "政务公开看板",
        "overview",
        "<p>库中还没有已完成并已提取的抓取。请先运行 <code>zwgk nightly</code>（或 <code>zwgk audit</code>），再打开本看板。</p>",
    )
}

fn leaf_link(v: &Verdict) -> String {
    format!(
        "<a href=\"/leaf?id={}\">{}</a>",
        encode(&v.id),
        esc(v.path.last().map_or(v.id.as_str(), String::as_str))
    )
}

fn unit_link(unit: &str) -> String {
    format!("<a href=\"/unit?name={}\">{}</a>", encode(unit), esc(unit))
}

/// The units a problem goes to: the routing of the last 通报 when there is one, else the
/// table's units.
fn recipients(a: &Assessment, v: &Verdict) -> Vec<String> {
    match a.routing.routes.get(&v.id) {
        Some(routes) if !routes.is_empty() => routes.iter().map(|(u, _)| u.clone()).collect(),
        _ => v.units.clone(),
    }
}

fn cards(c: &crate::assess::engine::Counts) -> String {
    format!(
        "<div class=\"cards\"><div class=\"card\"><b>{}</b>总分（{}）</div>\
         <div class=\"card pass\"><b>{}</b>达标</div><div class=\"card partial\"><b>{}</b>部分达标</div>\
         <div class=\"card fail\"><b>{}</b>不达标</div><div class=\"card manual\"><b>{}</b>待人工</div>\
         <div class=\"card na\"><b>{}</b>不适用</div></div>",
        percent(c.score),
        esc(&format!("{}项中{}项自动评价", c.total, c.scored())),
        c.pass,
        c.partial,
        c.fail,
        c.manual,
        c.na
    )
}

pub fn overview(current: &Current) -> String {
    let a = &current.assessment;
    let mut body = meta(current);
    body.push_str(&cards(&a.summary.counts));
    body.push_str("<h2>一级指标</h2><table><tr><th>一级指标</th><th>得分（覆盖）</th><th>达标</th><th>部分</th><th>不达标</th><th>待人工</th></tr>");
    for g in &a.summary.by_level1 {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&g.name),
            esc(&g.counts.score_zh()),
            g.counts.pass,
            g.counts.partial,
            g.counts.fail,
            g.counts.manual
        );
    }
    body.push_str("</table>");
    let mut problems: Vec<&Verdict> = a.indicators.iter().filter(|v| is_problem(v)).collect();
    by_urgency(&mut problems);
    let _ = write!(
        body,
        "<h2>问题清单（{}项，按紧迫程度）</h2><table><tr><th style=\"width:24%\">指标</th><th style=\"width:9%\">评价</th><th>原因</th><th style=\"width:18%\">责任单位</th></tr>",
        problems.len()
    );
    let overdue: Vec<&(String, String)> = a.routing.overdue.iter().collect();
    for v in problems.iter().take(100) {
        let mark = if overdue.iter().any(|(leaf, _)| *leaf == v.id) {
            "<b>【逾期未整改】</b>"
        } else {
            ""
        };
        let units: Vec<String> = recipients(a, v).iter().map(|u| unit_link(u)).collect();
        let _ = write!(
            body,
            "<tr><td>{mark}{}<br><span class=\"muted\">{}</span></td><td>{}</td><td class=\"reason\">{}</td><td>{}</td></tr>",
            leaf_link(v),
            esc(&v.time_limit),
            badge(v.status),
            esc(&cut(&v.reason, 300)),
            units.join("、")
        );
    }
    body.push_str("</table>");
    if problems.len() > 100 {
        let _ = write!(
            body,
            "<p class=\"muted\">另有 {} 项，见<a href=\"/verdicts?status=fail\">全部指标</a>。</p>",
            problems.len() - 100
        );
    }
    if !a.backdated.is_empty() {
        let _ = write!(
            body,
            "<p class=\"warn\">首次发现晚于所署发布日期的条目 {} 条（疑似倒签日期），详见 report.html。</p>",
            a.backdated.len()
        );
    }
    layout("政务公开看板", "overview", &body)
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}……", &text[..end]),
        None => text.to_string(),
    }
}

pub fn verdicts(current: &Current, status: Option<&str>, unit: Option<&str>) -> String {
    let a = &current.assessment;
    let mut body = meta(current);
    body.push_str("<form class=\"box\" method=\"get\" action=\"/verdicts\"><label>评价</label><select name=\"status\"><option value=\"\">全部</option>");
    for s in [
        Status::Fail,
        Status::Partial,
        Status::Pass,
        Status::Manual,
        Status::NotApplicable,
    ] {
        let selected = if status == Some(status_class(s)) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<option value=\"{}\"{selected}>{}</option>",
            status_class(s),
            s.zh()
        );
    }
    let _ = write!(
        body,
        "</select><label>责任单位</label><input type=\"text\" name=\"unit\" value=\"{}\"><button>筛选</button></form>",
        esc(unit.unwrap_or(""))
    );
    let shown: Vec<&Verdict> = a
        .indicators
        .iter()
        .filter(|v| status.is_none_or(|s| s.is_empty() || status_class(v.status) == s))
        .filter(|v| unit.is_none_or(|u| u.is_empty() || recipients(a, v).iter().any(|x| x.contains(u))))
        .collect();
    let _ = write!(
        body,
        "<p>{} 项</p><table><tr><th style=\"width:22%\">指标</th><th style=\"width:12%\">时限</th><th style=\"width:9%\">评价</th><th>原因</th><th style=\"width:16%\">责任单位</th></tr>",
        shown.len()
    );
    for v in shown {
        let units: Vec<String> = v.units.iter().map(|u| unit_link(u)).collect();
        let _ = write!(
            body,
            "<tr><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td><td class=\"reason\">{}</td><td>{}</td></tr>",
            leaf_link(v),
            esc(&v.id),
            esc(&v.time_limit),
            badge(v.status),
            esc(&cut(&v.reason, 400)),
            units.join("、")
        );
    }
    body.push_str("</table>");
    layout("全部指标", "verdicts", &body)
}

/// The indicator tree: each level a nested list with its counts, each leaf with its verdict.
pub fn tree(current: &Current) -> String {
    #[derive(Default)]
    struct Node<'a> {
        children: BTreeMap<(usize, String), Node<'a>>,
        leaves: Vec<&'a Verdict>,
    }
    let a = &current.assessment;
    let mut root = Node::default();
    // Keys carry the first position so levels keep the catalog's order.
    for (i, v) in a.indicators.iter().enumerate() {
        let mut node = &mut root;
        let levels = &v.path[..v.path.len().saturating_sub(1)];
        for level in levels {
            let existing = node.children.keys().find(|(_, n)| n == level).cloned();
            let key = existing.unwrap_or((i, level.clone()));
            node = node.children.entry(key).or_default();
        }
        node.leaves.push(v);
    }
    fn all<'a>(node: &Node<'a>, out: &mut Vec<&'a Verdict>) {
        out.extend(node.leaves.iter().copied());
        for child in node.children.values() {
            all(child, out);
        }
    }
    fn render(node: &Node<'_>, out: &mut String) {
        out.push_str("<ul class=\"tree\">");
        for ((_, name), child) in &node.children {
            let mut leaves = Vec::new();
            all(child, &mut leaves);
            let problems = leaves.iter().filter(|v| is_problem(v)).count();
            let open = if problems > 0 { " open" } else { "" };
            let _ = write!(
                out,
                "<li><details{open}><summary>{}　<span class=\"muted\">{}项，问题{}项</span></summary>",
                esc(name),
                leaves.len(),
                problems
            );
            render(child, out);
            out.push_str("</details></li>");
        }
        for v in &node.leaves {
            let _ = write!(
                out,
                "<li>{} {}　<span class=\"muted\">{}</span></li>",
                badge(v.status),
                leaf_link(v),
                esc(&v.time_limit)
            );
        }
        out.push_str("</ul>");
    }
    let mut body = meta(current);
    render(&root, &mut body);
    layout("指标树", "tree", &body)
}

/// The score of a group (一级指标 or unit) in an assessment.
fn group_score(a: &Assessment, name: &str, units: bool) -> Option<f64> {
    let groups = if units {
        &a.summary.by_unit
    } else {
        &a.summary.by_level1
    };
    groups.iter().find(|g| g.name == name).and_then(|g| g.counts.score)
}

fn run_labels(history: &[Assessment]) -> Vec<String> {
    history
        .iter()
        .map(|a| format!("#{} {}", a.run_id, a.as_of.format("%m-%d")))
        .collect()
}

/// Units ranked by score (the ones with no automatic score last), with the change since the
/// previous kept assessment.
pub fn units(current: &Current, history: &[Assessment]) -> String {
    let a = &current.assessment;
    let previous = history.iter().rev().find(|h| h.run_id < a.run_id);
    let mut groups: Vec<&crate::assess::engine::Group> = a.summary.by_unit.iter().collect();
    groups.sort_by(|x, y| {
        y.counts
            .score
            .unwrap_or(-1.0)
            .total_cmp(&x.counts.score.unwrap_or(-1.0))
            .then(x.problems.len().cmp(&y.problems.len()))
            .then(x.name.cmp(&y.name))
    });
    let mut body = meta(current);
    body.push_str(
        "<table><tr><th style=\"width:6%\">名次</th><th>责任单位</th><th>得分（覆盖）</th><th style=\"width:12%\">较上次</th><th style=\"width:10%\">问题</th><th style=\"width:10%\">逾期</th></tr>",
    );
    for (rank, g) in groups.iter().enumerate() {
        let change = match (g.counts.score, previous.and_then(|p| group_score(p, &g.name, true))) {
            (Some(now), Some(before)) => format!("{:+.1}", (now - before) * 100.0),
            _ => "—".to_string(),
        };
        let overdue = a.routing.overdue.iter().filter(|(_, u)| *u == g.name).count();
        let _ = write!(
            body,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            rank + 1,
            unit_link(&g.name),
            esc(&g.counts.score_zh()),
            change,
            g.problems.len(),
            overdue
        );
    }
    body.push_str("</table>");
    layout("责任单位排名", "units", &body)
}

pub fn unit(current: &Current, history: &[Assessment], name: &str, ledger: &[Rectification], csrf: &str) -> String {
    let a = &current.assessment;
    let mut body = meta(current);
    let group = a.summary.by_unit.iter().find(|g| g.name == name);
    if let Some(g) = group {
        body.push_str(&cards(&g.counts));
    }
    let labels = run_labels(history);
    if history.len() > 1 {
        let series = [Series {
            name: name.to_string(),
            values: history.iter().map(|h| group_score(h, name, true)).collect(),
        }];
        let _ = write!(
            body,
            "<h2>得分趋势</h2>{}",
            lines(&format!("{name} 得分趋势"), &labels, &series)
        );
    }
    let mut mine: Vec<&Verdict> = a
        .indicators
        .iter()
        .filter(|v| v.units.iter().any(|u| u == name) || recipients(a, v).iter().any(|u| u == name))
        .collect();
    by_urgency(&mut mine);
    mine.sort_by_key(|v| !is_problem(v));
    let _ = write!(
        body,
        "<h2>本单位负责的指标（{}项）</h2><table><tr><th style=\"width:26%\">指标</th><th style=\"width:12%\">时限</th><th style=\"width:9%\">评价</th><th>原因</th></tr>",
        mine.len()
    );
    for v in &mine {
        let via = a
            .routing
            .routes
            .get(&v.id)
            .and_then(|r| r.iter().find(|(u, _)| u == name))
            .and_then(|(_, why)| why.as_deref())
            .map(|why| format!("<br><span class=\"muted\">{}</span>", esc(why)))
            .unwrap_or_default();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"reason\">{}{via}</td></tr>",
            leaf_link(v),
            esc(&v.time_limit),
            badge(v.status),
            esc(&cut(&v.reason, 400))
        );
    }
    body.push_str("</table>");
    let _ = write!(body, "<h2>整改台账（{}项）</h2>", ledger.len());
    if ledger.is_empty() {
        body.push_str("<p class=\"muted\">尚无向本单位发出的通报问题。</p>");
    } else {
        body.push_str(&ledger_table(ledger, csrf, true));
    }
    layout(name, "units", &body)
}

fn ledger_status(status: &str) -> &'static str {
    match status {
        "fixed" => "<span class=\"badge pass\">已整改</span>",
        "overdue" => "<span class=\"badge fail\">逾期未整改</span>",
        _ => "<span class=\"badge partial\">整改中</span>",
    }
}

/// The ledger's rows, each with its response form (which returns to the unit's page when
/// `on_unit_page`).
fn ledger_table(items: &[Rectification], csrf: &str, on_unit_page: bool) -> String {
    let mut out = String::from(
        "<table><tr><th style=\"width:8%\">通报</th><th style=\"width:14%\">责任单位</th><th style=\"width:22%\">问题</th><th style=\"width:10%\">整改期限</th><th style=\"width:10%\">状态</th><th>单位反馈</th></tr>",
    );
    for r in items {
        let checked = match (&r.checked_on, r.checked_run) {
            (Some(on), Some(run)) => format!("<br><span class=\"muted\">第{run}次抓取复查（{}）</span>", esc(on)),
            _ => String::new(),
        };
        let response = match (&r.response, &r.responder, &r.responded_at) {
            (Some(text), Some(who), Some(at)) => format!(
                "<p class=\"reason\">{}</p><p class=\"muted\">{}，{}</p>",
                esc(text),
                esc(who),
                esc(&beijing(at))
            ),
            _ => String::new(),
        };
        let _ = write!(
            out,
            "<tr id=\"r{id}\"><td>{}</td><td>{}</td><td><a href=\"/leaf?id={}\">{}</a><p class=\"reason muted\">{}</p></td>\
             <td>{}</td><td>{}{checked}</td><td>{response}\
             <form class=\"box\" method=\"post\" action=\"/rectify\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
             <input type=\"hidden\" name=\"unit\" value=\"{}\">\
             <label for=\"resp{id}\">整改情况</label><textarea id=\"resp{id}\" name=\"response\" rows=\"2\" required maxlength=\"5000\"></textarea>\
             <label for=\"who{id}\">填报人</label><input type=\"text\" id=\"who{id}\" name=\"responder\" required maxlength=\"100\">\
             <button type=\"submit\">提交整改反馈</button></form></td></tr>",
            esc(&r.month),
            unit_link(&r.unit),
            encode(&r.leaf_id),
            esc(&r.question),
            esc(&cut(&r.problem, 200)),
            esc(&r.deadline),
            ledger_status(&r.status),
            esc(csrf),
            if on_unit_page { "1" } else { "" },
            id = r.id,
        );
    }
    out.push_str("</table>");
    out
}

pub fn ledger(items: &[Rectification], csrf: &str) -> String {
    let open = items.iter().filter(|r| r.status == "open").count();
    let overdue = items.iter().filter(|r| r.status == "overdue").count();
    let fixed = items.iter().filter(|r| r.status == "fixed").count();
    let mut body = format!(
        "<p class=\"meta\"><span>整改中 {open}</span><span>逾期未整改 {overdue}</span><span>已整改 {fixed}</span>\
         <span><a href=\"/rectify?status=overdue\">只看逾期</a></span><span><a href=\"/rectify\">全部</a></span></p>"
    );
    if items.is_empty() {
        body.push_str("<p class=\"muted\">台账为空：按月通报（zwgk report --by unit 或 zwgk nightly）发出后，问题会记入台账。</p>");
    } else {
        body.push_str(&ledger_table(items, csrf, false));
    }
    layout("整改台账", "rectify", &body)
}

pub fn trends(history: &[Assessment]) -> String {
    if history.is_empty() {
        return layout(
            "得分趋势",
            "trends",
            "<p>库中还没有保存的评价。每晚的 zwgk nightly 会保存评价，趋势从第二次起可见。</p>",
        );
    }
    let labels = run_labels(history);
    let latest = history.last().expect("not empty");
    let mut body = String::new();
    let overall = Series {
        name: "总分".to_string(),
        values: history.iter().map(|h| h.summary.counts.score).collect(),
    };
    let level1: Vec<Series> = latest
        .summary
        .by_level1
        .iter()
        .map(|g| Series {
            name: g.name.clone(),
            values: history.iter().map(|h| group_score(h, &g.name, false)).collect(),
        })
        .collect();
    let _ = write!(
        body,
        "<p class=\"meta\"><span>{} 次保存的评价（最近 {} 次）</span></p><h2>总分</h2>{}<h2>一级指标</h2>{}",
        history.len(),
        super::TREND_RUNS,
        lines("总分趋势", &labels, &[overall]),
        lines("一级指标得分趋势", &labels, &level1)
    );
    // Units: the ten with the most problems now get a chart; every unit is in the table.
    let mut units: Vec<&crate::assess::engine::Group> = latest.summary.by_unit.iter().collect();
    units.sort_by(|a, b| b.problems.len().cmp(&a.problems.len()).then(a.name.cmp(&b.name)));
    let charted: Vec<Series> = units
        .iter()
        .take(10)
        .map(|g| Series {
            name: g.name.clone(),
            values: history.iter().map(|h| group_score(h, &g.name, true)).collect(),
        })
        .collect();
    let _ = write!(
        body,
        "<h2>问题最多的十个单位</h2>{}",
        lines("责任单位得分趋势", &labels, &charted)
    );
    body.push_str("<h2>各单位得分</h2><table><tr><th>责任单位</th>");
    let recent: Vec<&Assessment> = history
        .iter()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    for h in &recent {
        let _ = write!(body, "<th>#{} {}</th>", h.run_id, h.as_of);
    }
    body.push_str("</tr>");
    for g in &latest.summary.by_unit {
        let _ = write!(body, "<tr><td>{}</td>", unit_link(&g.name));
        for h in &recent {
            let _ = write!(
                body,
                "<td class=\"num\">{}</td>",
                percent(group_score(h, &g.name, true))
            );
        }
        body.push_str("</tr>");
    }
    body.push_str("</table>");
    layout("得分趋势", "trends", &body)
}

/// The diff page: the report's diff body with a form to pick the runs.
pub fn diff(d: &RunDiff, finished: &[i64]) -> String {
    let full = crate::report::diff::render_html(d);
    let inner = full
        .split_once("<body>")
        .and_then(|(_, rest)| rest.rsplit_once("</body>"))
        .map_or(full.as_str(), |(body, _)| body);
    let mut form =
        String::from("<form class=\"box\" method=\"get\" action=\"/diff\"><label>从</label><select name=\"a\">");
    let options = |selected: i64| -> String {
        finished
            .iter()
            .rev()
            .map(|r| {
                let s = if *r == selected { " selected" } else { "" };
                format!("<option value=\"{r}\"{s}>第{r}次抓取</option>")
            })
            .collect()
    };
    let _ = write!(
        form,
        "{}</select><label>到</label><select name=\"b\">{}</select><button>对比</button></form>",
        options(d.before.run_id),
        options(d.after.run_id)
    );
    // The report's diff page starts with its own <h1>; the layout has one already.
    let inner = inner.replacen("<h1>两次检查对比</h1>", "", 1);
    layout("两次检查对比", "diff", &format!("{form}{inner}"))
}

pub fn leaf(
    current: &Current,
    v: &Verdict,
    history: &[Assessment],
    manual: &[StoredManual],
    csrf: &str,
    notice: Option<&str>,
) -> String {
    let a = &current.assessment;
    let mut body = meta(current);
    if let Some(text) = notice {
        let class = if text.starts_with("未保存") { "alarm" } else { "ok" };
        let _ = write!(body, "<p class=\"{class}\">{}</p>", esc(text));
    }
    let units: Vec<String> = v.units.iter().map(|u| unit_link(u)).collect();
    let _ = write!(
        body,
        "<table><tr><th style=\"width:14%\">指标</th><td>{}</td></tr><tr><th>编号</th><td>{}</td></tr>\
         <tr><th>内容</th><td>{}</td></tr><tr><th>责任单位</th><td>{}</td></tr><tr><th>公开时限</th><td>{}</td></tr>\
         <tr><th>评价</th><td>{} {}</td></tr><tr><th>说明</th><td class=\"reason\">{}</td></tr></table>",
        esc(&v.path.join(" › ")),
        esc(&v.id),
        esc(&v.question),
        units.join("、"),
        esc(&v.time_limit),
        badge(v.status),
        v.score.map(|s| format!("{:.0}分", s * 100.0)).unwrap_or_default(),
        esc(&v.reason)
    );
    if let Some(routes) = a.routing.routes.get(&v.id) {
        body.push_str("<h2>通报送达</h2><ul>");
        for (unit, why) in routes {
            let _ = write!(
                body,
                "<li>{}{}</li>",
                unit_link(unit),
                why.as_deref()
                    .map(|w| format!("　<span class=\"muted\">{}</span>", esc(w)))
                    .unwrap_or_default()
            );
        }
        body.push_str("</ul>");
    }
    let _ = write!(body, "<h2>证据（{}条）</h2>", v.evidence.len());
    if v.evidence.is_empty() {
        body.push_str("<p class=\"muted\">无。</p>");
    } else {
        body.push_str("<ol class=\"evidence\">");
        for (n, e) in v.evidence.iter().enumerate().take(200) {
            let snapshot = if e.sha256.is_some() {
                format!(
                    "　<a href=\"/evidence?leaf={}&amp;n={n}\">查看存档快照</a>",
                    encode(&v.id)
                )
            } else {
                String::new()
            };
            let _ = write!(
                body,
                "<li>{}{snapshot}<br>{}</li>",
                link(&e.url, &e.url),
                esc(&cut(&e.excerpt, 200))
            );
        }
        body.push_str("</ol>");
    }
    if history.len() > 1 {
        body.push_str("<h2>历次评价</h2><table><tr><th>抓取</th><th>评价日</th><th>评价</th></tr>");
        for h in history.iter().rev() {
            if let Some(old) = h.indicators.iter().find(|x| x.id == v.id) {
                let _ = write!(
                    body,
                    "<tr><td>第{}次</td><td>{}</td><td>{}</td></tr>",
                    h.run_id,
                    h.as_of,
                    badge(old.status)
                );
            }
        }
        body.push_str("</table>");
    }
    let _ = write!(body, "<h2>人工评价（{}条记录）</h2>", manual.len());
    if !manual.is_empty() {
        body.push_str(&manual_table(manual, today_text().as_str()));
    }
    let _ = write!(
        body,
        "<form class=\"box\" method=\"post\" action=\"/manual\" enctype=\"multipart/form-data\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"leaf\" value=\"{}\">\
         <label for=\"status\">评价</label><select id=\"status\" name=\"status\" required>\
         <option value=\"pass\">达标</option><option value=\"partial\">部分达标</option><option value=\"fail\">不达标</option><option value=\"na\">不适用</option></select>\
         <label for=\"score\">分值（0–1，可空）</label><input type=\"number\" id=\"score\" name=\"score\" min=\"0\" max=\"1\" step=\"0.01\">\
         <label for=\"note\">核查说明</label><textarea id=\"note\" name=\"note\" rows=\"3\" required maxlength=\"5000\"></textarea>\
         <label for=\"assessor\">评价人</label><input type=\"text\" id=\"assessor\" name=\"assessor\" required maxlength=\"100\">\
         <label for=\"evidence\">证据链接（可空）</label><input type=\"url\" id=\"evidence\" name=\"evidence\" maxlength=\"4096\">\
         <label for=\"file\">证据文件（截图、扫描件，至多20MB，可空）</label><input type=\"file\" id=\"file\" name=\"file\">\
         <label for=\"expires\">有效期至（可空）</label><input type=\"date\" id=\"expires\" name=\"expires\">\
         <button type=\"submit\">保存人工评价</button></form>",
        esc(csrf),
        esc(&v.id)
    );
    layout(&v.question, "verdicts", &body)
}

fn today_text() -> String {
    super::today().to_string()
}

fn manual_table(items: &[StoredManual], today: &str) -> String {
    let mut out = String::from(
        "<table><tr><th style=\"width:6%\">编号</th><th style=\"width:18%\">指标</th><th style=\"width:9%\">评价</th><th>说明</th><th style=\"width:14%\">评价人</th><th style=\"width:14%\">状态</th></tr>",
    );
    for m in items {
        let state = match (&m.replaced_by, &m.expires_on) {
            (Some(newer), _) => format!("已被 {newer} 取代"),
            (None, Some(e)) if e.as_str() < today => format!("已于 {} 过期（待人工）", esc(e)),
            (None, Some(e)) => format!("有效期至 {}", esc(e)),
            (None, None) => "长期有效".to_string(),
        };
        let evidence = match (&m.evidence_url, &m.evidence_name, &m.evidence_sha256) {
            (Some(url), _, _) => format!("<br>{}", link(url, url)),
            (None, Some(name), Some(sha)) => format!("<br><a href=\"/snapshot/{}\">{}</a>", esc(sha), esc(name)),
            _ => String::new(),
        };
        let status = match m.status.as_str() {
            "pass" => Status::Pass,
            "partial" => Status::Partial,
            "fail" => Status::Fail,
            "na" => Status::NotApplicable,
            _ => Status::Manual,
        };
        let _ = write!(
            out,
            "<tr><td class=\"num\">{}</td><td><a href=\"/leaf?id={}\">{}</a></td><td>{}</td><td class=\"reason\">{}{evidence}</td><td>{}<br><span class=\"muted\">{}</span></td><td>{state}</td></tr>",
            m.id,
            encode(&m.leaf_id),
            esc(&m.leaf_id),
            badge(status),
            esc(&m.note),
            esc(&m.assessor),
            esc(&beijing(&m.set_at))
        );
    }
    out.push_str("</table>");
    out
}

pub fn manual_list(items: &[StoredManual], today: chrono::NaiveDate) -> String {
    let mut body = String::from(
        "<p class=\"meta\">在指标页填写表单录入人工评价；命令行可用 zwgk manual set / import。过期的评价回到「待人工」。</p>",
    );
    if items.is_empty() {
        body.push_str("<p class=\"muted\">尚无人工评价。</p>");
    } else {
        body.push_str(&manual_table(items, &today.to_string()));
    }
    layout("人工评价", "manual", &body)
}

/// A piece of evidence: what it is, and the stored snapshot in a sandboxed frame (its
/// scripts never run, it loads nothing; the live page is only a link).
pub fn evidence(v: &Verdict, e: &Evidence, n: usize) -> String {
    let mut body = format!(
        "<p class=\"meta\"><span><a href=\"/leaf?id={}\">← {}</a></span><span>证据 {}</span></p>\
         <table><tr><th style=\"width:14%\">原始地址</th><td>{}</td></tr><tr><th>抓取时间</th><td>{}</td></tr>\
         <tr><th>SHA-256</th><td>{}</td></tr><tr><th>摘录</th><td class=\"reason\">{}</td></tr></table>",
        encode(&v.id),
        esc(&v.question),
        n + 1,
        link(&e.url, &e.url),
        esc(&e.fetched_at.as_deref().map(beijing).unwrap_or_default()),
        esc(e.sha256.as_deref().unwrap_or("—")),
        esc(&e.excerpt)
    );
    match &e.sha256 {
        Some(sha) if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) => {
            let _ = write!(
                body,
                "<p class=\"muted\">以下是抓取时保存的页面快照（脚本不执行、不加载任何外部资源），不是网站的现状。</p>\
                 <iframe class=\"snapshot\" sandbox=\"\" referrerpolicy=\"no-referrer\" src=\"/snapshot/{sha}\" title=\"存档快照\"></iframe>"
            );
        }
        _ => body.push_str("<p class=\"muted\">这条证据没有存档快照。</p>"),
    }
    layout("证据快照", "verdicts", &body)
}
