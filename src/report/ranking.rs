//! The combined ranking of a many-site audit (`zwgk audit --sites`): one row per site with
//! its total and its score per 一级指标, best first, and the sites that could not be judged
//! with the reason. Written as ranking.html, ranking.xlsx and ranking.json, together.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format as CellFormat, Workbook};
use serde::Serialize;

use super::html::{STYLE, esc};
use super::{ReportError, percent, stage_file};
use crate::assess::engine::Assessment;

/// One site's line: judged (an assessment) or not (why).
#[derive(Debug, Clone, Serialize)]
pub struct SiteResult {
    pub name: String,
    pub url: String,
    /// The site's report folder, relative to the ranking.
    pub folder: String,
    #[serde(skip)]
    pub assessment: Option<Assessment>,
    /// Why the site has no assessment, or what limits it (an unfinished crawl).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The ranking's rows: judged sites by total score (no score last), then the others.
fn ordered(sites: &[SiteResult]) -> Vec<&SiteResult> {
    let mut rows: Vec<&SiteResult> = sites.iter().collect();
    rows.sort_by(|a, b| {
        let score = |s: &SiteResult| s.assessment.as_ref().and_then(|a| a.summary.counts.score);
        let judged = |s: &SiteResult| s.assessment.is_some();
        judged(b)
            .cmp(&judged(a))
            .then(score(b).unwrap_or(-1.0).total_cmp(&score(a).unwrap_or(-1.0)))
            .then(a.name.cmp(&b.name))
    });
    rows
}

/// The 一级指标 in the order of the first judged site's catalog, then any others.
fn level1_names(sites: &[SiteResult]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for a in sites.iter().filter_map(|s| s.assessment.as_ref()) {
        for g in &a.summary.by_level1 {
            if !names.contains(&g.name) {
                names.push(g.name.clone());
            }
        }
    }
    names
}

fn level1_score(a: &Assessment, name: &str) -> Option<f64> {
    a.summary
        .by_level1
        .iter()
        .find(|g| g.name == name)
        .and_then(|g| g.counts.score)
}

pub fn render_html(sites: &[SiteResult]) -> String {
    let names = level1_names(sites);
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>政务公开测评排名</title><style>{STYLE}</style></head><body><h1>政务公开测评排名</h1>\
         <p class=\"meta\">{} 个网站，其中 {} 个完成测评</p>\
         <table><tr><th style=\"width:5%\">名次</th><th>网站</th><th>总分（覆盖）</th>",
        sites.len(),
        sites.iter().filter(|s| s.assessment.is_some()).count()
    );
    for n in &names {
        let _ = write!(out, "<th>{}</th>", esc(n));
    }
    out.push_str("<th>不达标</th><th>说明</th></tr>");
    let mut rank = 0;
    for s in ordered(sites) {
        let (place, total, fails) = match &s.assessment {
            Some(a) => {
                rank += 1;
                (
                    rank.to_string(),
                    esc(&a.summary.counts.score_zh()),
                    a.summary.counts.fail.to_string(),
                )
            }
            None => ("—".to_string(), "未测评".to_string(), "—".to_string()),
        };
        let _ = write!(
            out,
            "<tr><td class=\"num\">{place}</td><td><a href=\"{}/report.html\">{}</a><br><span class=\"muted\">{}</span></td><td>{total}</td>",
            esc(&s.folder),
            esc(&s.name),
            esc(&s.url)
        );
        for n in &names {
            let cell = s
                .assessment
                .as_ref()
                .map_or_else(|| "—".to_string(), |a| percent(level1_score(a, n)));
            let _ = write!(out, "<td class=\"num\">{cell}</td>");
        }
        let _ = write!(
            out,
            "<td class=\"num\">{fails}</td><td>{}</td></tr>",
            esc(s.note.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</table><p class=\"muted\">各站点的完整报告见其文件夹中的 report.html；得分为自动评价的平均分，括号内为覆盖的指标数。</p></body></html>");
    out
}

fn workbook(sites: &[SiteResult]) -> Result<Workbook, rust_xlsxwriter::XlsxError> {
    let names = level1_names(sites);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("排名")?;
    let head = CellFormat::new().set_bold().set_background_color("EEF2F6");
    let mut headers: Vec<String> = ["名次", "网站", "网址", "总分", "自动评价项数", "指标总数"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    headers.extend(names.iter().cloned());
    headers.extend(
        ["达标", "部分达标", "不达标", "待人工", "说明"]
            .iter()
            .map(|s| s.to_string()),
    );
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &head)?;
    }
    let mut rank = 0;
    for (r, s) in ordered(sites).into_iter().enumerate() {
        let row = (r + 1) as u32;
        // Scraped or typed names are written as strings, never formulas.
        sheet.write_string(row, 1, &s.name)?;
        sheet.write_string(row, 2, &s.url)?;
        let last = headers.len() as u16 - 1;
        sheet.write_string(row, last, s.note.as_deref().unwrap_or(""))?;
        let Some(a) = &s.assessment else {
            sheet.write_string(row, 0, "—")?;
            continue;
        };
        rank += 1;
        let c = &a.summary.counts;
        sheet.write_number(row, 0, f64::from(rank))?;
        if let Some(score) = c.score {
            sheet.write_number(row, 3, (score * 1000.0).round() / 10.0)?;
        }
        sheet.write_number(row, 4, c.scored() as f64)?;
        sheet.write_number(row, 5, c.total as f64)?;
        for (i, n) in names.iter().enumerate() {
            if let Some(score) = level1_score(a, n) {
                sheet.write_number(row, 6 + i as u16, (score * 1000.0).round() / 10.0)?;
            }
        }
        let base = 6 + names.len() as u16;
        for (i, v) in [c.pass, c.partial, c.fail, c.manual].iter().enumerate() {
            sheet.write_number(row, base + i as u16, *v as f64)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 36)?;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    Ok(book)
}

/// Writes ranking.html, ranking.xlsx and ranking.json into `dir`, all or none.
pub fn write(dir: &Path, sites: &[SiteResult]) -> Result<Vec<PathBuf>, ReportError> {
    let mut staged = crate::atomic::Staged::default();
    let html = dir.join("ranking.html");
    stage_file(&mut staged, &html, render_html(sites).as_bytes())?;
    let xlsx = dir.join("ranking.xlsx");
    let bytes = workbook(sites)
        .and_then(|mut b| b.save_to_buffer())
        .map_err(|e| ReportError::Xlsx {
            path: xlsx.clone(),
            detail: e.to_string(),
        })?;
    stage_file(&mut staged, &xlsx, &bytes)?;
    let json = dir.join("ranking.json");
    let mut rank = 0;
    let rows: Vec<serde_json::Value> = ordered(sites)
        .into_iter()
        .map(|s| {
            let judged = s.assessment.as_ref().map(|a| {
                rank += 1;
                serde_json::json!({
                    "rank": rank,
                    "run_id": a.run_id,
                    "as_of": a.as_of,
                    "counts": a.summary.counts,
                    "by_level1": a.summary.by_level1.iter().map(|g| serde_json::json!({
                        "name": g.name, "counts": g.counts,
                    })).collect::<Vec<_>>(),
                })
            });
            serde_json::json!({"site": s, "result": judged})
        })
        .collect();
    stage_file(
        &mut staged,
        &json,
        (serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n").as_bytes(),
    )?;
    staged.commit().map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(vec![html, xlsx, json])
}
