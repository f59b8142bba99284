//! The monthly 通报 (`zwgk report --by unit`): for each 责任单位 named in the table, its failing
//! and partly met leaves as of the month's end, most urgent first, with reasons and evidence;
//! what is new since the previous month's end and what was put right. One file per unit, ready
//! to send, and a summary file with every unit.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::files::safe_file_name;
use super::html::{STYLE, esc, meta_line, problem_row};
use super::{ReportError, by_urgency, is_problem};
use crate::assess::engine::{Assessment, Verdict};

/// One unit's part of the 通报.
pub struct UnitNotice<'a> {
    pub unit: String,
    pub problems: Vec<&'a Verdict>,
    /// Ids of problems that were not problems at the previous month's end.
    pub new: BTreeSet<String>,
    /// Leaves that were problems then and are met now.
    pub fixed: Vec<&'a Verdict>,
    /// Ids of problems sent in an earlier 通报 whose 整改期限 passed without a fix.
    pub overdue: BTreeSet<String>,
    /// Leaf id → why it came to this unit when its leaf names a collective (「各镇政府」 split
    /// by publisher, or sent to the 牵头 unit).
    pub via: std::collections::BTreeMap<String, String>,
}

/// Who issues the 通报 and what it asks: the office's letterhead (from `zwgk.toml [notice]`)
/// and the 整改期限.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Letterhead {
    /// 发文机关, e.g. 「某某区人民政府办公室」 (default: the site's own name + 人民政府办公室).
    pub issuer: Option<String>,
    /// 发文字号, e.g. 「某政办字〔2026〕12号」; left blank for the office to fill when absent.
    pub doc_number: Option<String>,
    /// 联系人 and 联系电话.
    pub contact: Option<String>,
    pub phone: Option<String>,
    /// Working days from the 通报's date to its 整改期限 (default 10).
    pub rectify_working_days: Option<u32>,
    /// `zwgk nightly` sends the previous month's 通报 (and records it in the 整改台账) on the
    /// first night of a month it has not been sent yet.
    #[serde(default)]
    pub monthly: bool,
}

/// What a 通报 says beyond its problems: who sends it, when, and by when units must fix them.
#[derive(Debug, Clone)]
pub struct NoticeOptions<'a> {
    pub letterhead: &'a Letterhead,
    /// 成文日期.
    pub issued: chrono::NaiveDate,
    /// 整改期限.
    pub deadline: chrono::NaiveDate,
}

/// Every unit that has or had problems, by name: the catalog's units, and the units the
/// assessment's routing sends problems to (a collective's problem goes to the bureau that
/// published it; see `assess::attribution`). Problems whose 整改期限 passed are marked.
pub fn unit_notices<'a>(now: &'a Assessment, before: Option<&'a Assessment>) -> Vec<UnitNotice<'a>> {
    let routing = &now.routing;
    // Who receives a leaf: its routes when it has some, else the table's units.
    let receives = |v: &Verdict, unit: &str| match routing.routes.get(&v.id) {
        Some(routes) => routes.iter().any(|(u, _)| u == unit),
        None => v.units.iter().any(|u| u == unit),
    };
    let mut units: BTreeSet<String> = now.summary.by_unit.iter().map(|g| g.name.clone()).collect();
    units.extend(routing.routes.values().flatten().map(|(u, _)| u.clone()));
    units
        .into_iter()
        .map(|unit| {
            let mut problems: Vec<&Verdict> = now
                .indicators
                .iter()
                .filter(|v| is_problem(v) && receives(v, &unit))
                .collect();
            by_urgency(&mut problems);
            let was_problem =
                |id: &str| before.is_some_and(|b| b.indicators.iter().any(|o| o.id == id && is_problem(o)));
            let new = match before {
                Some(_) => problems
                    .iter()
                    .filter(|v| !was_problem(&v.id))
                    .map(|v| v.id.clone())
                    .collect(),
                None => BTreeSet::new(),
            };
            // Fixed means met now: a leaf that became 不适用 or manual was not put right.
            let fixed = now
                .indicators
                .iter()
                .filter(|v| v.units.contains(&unit) || receives(v, &unit))
                .filter(|v| v.status == crate::assess::verdict::Status::Pass && was_problem(&v.id))
                .collect();
            let overdue = routing
                .overdue
                .iter()
                .filter(|(_, u)| *u == unit)
                .map(|(leaf, _)| leaf.clone())
                .collect();
            let via = problems
                .iter()
                .filter_map(|v| {
                    let why = routing.routes.get(&v.id)?.iter().find(|(u, _)| *u == unit)?.1.clone()?;
                    Some((v.id.clone(), why))
                })
                .collect();
            UnitNotice {
                unit,
                problems,
                new,
                fixed,
                overdue,
                via,
            }
        })
        .filter(|n| {
            !n.problems.is_empty() || !n.fixed.is_empty() || now.summary.by_unit.iter().any(|g| g.name == n.unit)
        })
        .collect()
}

/// Writes `通报汇总.html` and one `<unit>.html` per unit into `dir`; returns the files. The
/// month's folder is built beside the old one and swapped in whole, so a unit dropped from
/// the 通报 leaves no stale file and a failure leaves the old 通报 as it was.
pub fn write_notices(
    dir: &Path,
    month: &str,
    now: &Assessment,
    before: Option<&Assessment>,
) -> Result<Vec<PathBuf>, ReportError> {
    write_notices_with(dir, month, now, before, None)
}

/// [`write_notices`], and with `options` also the 公文 of each file as `.docx` (see
/// [`super::docx`]) in the same staged folder, so a month's .html and .docx are replaced
/// together.
pub fn write_notices_with(
    dir: &Path,
    month: &str,
    now: &Assessment,
    before: Option<&Assessment>,
    options: Option<&NoticeOptions<'_>>,
) -> Result<Vec<PathBuf>, ReportError> {
    let io = |source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = name.ends_with(".html") || name.ends_with(".docx");
            if !ours || !entry.file_type().map_err(io)?.is_file() {
                return Err(ReportError::ForeignFile {
                    dir: dir.to_path_buf(),
                    file: name,
                });
            }
        }
    }
    let staged = crate::atomic::StagedDir::new(dir).map_err(io)?;
    let files = write_notice_files(staged.path(), month, now, before, options)?;
    staged.commit().map_err(io)?;
    Ok(files.iter().map(|name| dir.join(name)).collect())
}

/// The summary's file name without its extension.
pub(crate) const SUMMARY_STEM: &str = "通报汇总";

/// Each unit's file name without its extension, in the order of `notices`: the unit's name
/// made safe. Two units may sanitise to one name, or to the summary's: each gets a name of
/// its own, so the .html and the .docx of a unit share their stem.
pub(crate) fn file_stems(notices: &[UnitNotice<'_>]) -> Vec<String> {
    let mut used = std::collections::HashSet::from([SUMMARY_STEM.to_string()]);
    notices
        .iter()
        .map(|notice| {
            let base = safe_file_name(&notice.unit);
            let mut name = base.clone();
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{base}（{n}）");
                n += 1;
            }
            name
        })
        .collect()
}

/// The 通报 files, written into `dir`; returns their names.
fn write_notice_files(
    dir: &Path,
    month: &str,
    now: &Assessment,
    before: Option<&Assessment>,
    options: Option<&NoticeOptions<'_>>,
) -> Result<Vec<String>, ReportError> {
    let write_file = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let notices = unit_notices(now, before);
    let stems = file_stems(&notices);
    let mut written = Vec::new();
    let summary = format!("{SUMMARY_STEM}.html");
    write_file(
        &dir.join(&summary),
        render_summary(month, now, before, &notices).as_bytes(),
    )?;
    written.push(summary);
    for (notice, stem) in notices.iter().zip(&stems) {
        let file = format!("{stem}.html");
        let body = page(
            &format!("{}　{month}政务公开工作通报", notice.unit),
            now,
            &section(month, notice),
        );
        write_file(&dir.join(&file), body.as_bytes())?;
        written.push(file);
    }
    if let Some(options) = options {
        written.extend(super::docx::write_docx_files(
            dir, month, now, before, &notices, &stems, options,
        )?);
    }
    Ok(written)
}

fn page(title: &str, now: &Assessment, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>{}{}{body}\
         <p class=\"muted\">由 {} 生成；测评依据：{}。</p></body></html>\n",
        esc(title),
        esc(title),
        meta_line(now),
        now.unfinished_run
            .as_deref()
            .map(|note| format!("<p class=\"warn\"><strong>请注意：</strong>{}</p>", esc(note)))
            .unwrap_or_default(),
        esc(&now.generator),
        esc(&now.catalog_title)
    )
}

fn render_summary(month: &str, now: &Assessment, before: Option<&Assessment>, notices: &[UnitNotice<'_>]) -> String {
    let mut body = String::new();
    let compared = before.map_or_else(
        || "（无上月测评可比较）".to_string(),
        |b| format!("（与截至{}的测评比较）", b.as_of),
    );
    let _ = write!(
        body,
        "<h2>各责任单位情况{}</h2><table><thead><tr><th>责任单位</th><th>问题指标</th><th>其中本月新增</th><th>本月已整改</th></tr></thead><tbody>",
        esc(&compared)
    );
    for n in notices {
        let _ = write!(
            body,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&n.unit),
            n.problems.len(),
            n.new.len(),
            n.fixed.len()
        );
    }
    body.push_str("</tbody></table>");
    for n in notices.iter().filter(|n| !n.problems.is_empty() || !n.fixed.is_empty()) {
        body.push_str(&section(month, n));
    }
    page(&format!("{month}政务公开工作通报"), now, &body)
}

fn section(month: &str, n: &UnitNotice<'_>) -> String {
    let mut out = format!(
        "<h2>{}（{month}：问题{}项，新增{}项，逾期未整改{}项，已整改{}项）</h2>",
        esc(&n.unit),
        n.problems.len(),
        n.new.len(),
        n.overdue.len(),
        n.fixed.len()
    );
    if n.problems.is_empty() {
        out.push_str("<p>本月未发现不达标或部分达标的指标。</p>");
    } else {
        out.push_str("<table><thead><tr><th style=\"width:26%\">指标</th><th style=\"width:10%\">公开时限</th><th style=\"width:10%\">结果</th><th>问题说明与证据</th></tr></thead><tbody>");
        for v in &n.problems {
            let mut mark = String::new();
            if n.overdue.contains(&v.id) {
                mark.push_str(" <b>【逾期未整改】</b>");
            }
            if n.new.contains(&v.id) {
                mark.push_str(" <b>【本月新增】</b>");
            }
            if let Some(why) = n.via.get(&v.id) {
                mark.push_str(&format!("<div class=\"muted\">{}</div>", esc(why)));
            }
            out.push_str(&problem_row(v, &mark));
        }
        out.push_str("</tbody></table>");
    }
    if !n.fixed.is_empty() {
        out.push_str("<p>已整改：");
        let names: Vec<String> = n.fixed.iter().map(|v| format!("「{}」", esc(&v.question))).collect();
        out.push_str(&names.join("、"));
        out.push_str("</p>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::verdict::Status;

    fn verdict(id: &str, unit: &str, status: Status) -> Verdict {
        Verdict {
            id: id.to_string(),
            path: vec!["一级".to_string()],
            question: format!("问题{id}"),
            units: vec![unit.to_string()],
            time_limit: "即时".to_string(),
            status,
            score: None,
            reason: String::new(),
            evidence: Vec::new(),
            source: "auto".to_string(),
            failures: 0,
            basis: Default::default(),
        }
    }

    fn assessment(indicators: Vec<Verdict>) -> Assessment {
        Assessment::for_test(1, chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(), indicators)
    }

    #[test]
    fn new_and_fixed_problems_are_told_apart() {
        let before = assessment(vec![
            verdict("a", "区财政局", Status::Fail),
            verdict("b", "区财政局", Status::Fail),
            verdict("c", "区财政局", Status::Pass),
        ]);
        let now = assessment(vec![
            verdict("a", "区财政局", Status::Pass),
            // Not yet due under another reading is not a fix.
            verdict("b", "区财政局", Status::NotApplicable),
            verdict("c", "区财政局", Status::Fail),
        ]);
        let notices = unit_notices(&now, Some(&before));
        let n = &notices[0];
        assert_eq!(n.problems.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), ["c"]);
        assert!(n.new.contains("c"));
        assert_eq!(n.fixed.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn docx_files_share_the_html_names_and_are_replaced_with_them() {
        let now = assessment(vec![
            verdict("a", "区A/B局", Status::Fail),
            verdict("b", "区A_B局", Status::Fail),
            verdict("c", "区财政局", Status::Pass),
        ]);
        let letterhead = Letterhead::default();
        let options = NoticeOptions {
            letterhead: &letterhead,
            issued: chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 1, 29).unwrap(),
        };
        let dir = tempfile::tempdir().unwrap();
        let month = dir.path().join("通报-2025-12");
        let files = write_notices_with(&month, "2025年12月", &now, None, Some(&options)).unwrap();
        let names: BTreeSet<String> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let want: BTreeSet<String> = ["通报汇总", "区A_B局", "区A_B局（2）", "区财政局"]
            .iter()
            .flat_map(|stem| [format!("{stem}.html"), format!("{stem}.docx")])
            .collect();
        assert_eq!(names, want);
        // The month written again (a .docx is ours, not a foreign file), now without a unit.
        let now = assessment(vec![verdict("a", "区A/B局", Status::Fail)]);
        let files = write_notices_with(&month, "2025年12月", &now, None, Some(&options)).unwrap();
        assert_eq!(files.len(), 4);
        assert!(
            !month.join("区财政局.docx").exists(),
            "a dropped unit leaves no stale file"
        );
        // HTML only: the .docx files of the previous write go with the folder.
        write_notices(&month, "2025年12月", &now, None).unwrap();
        assert!(!month.join("通报汇总.docx").exists() && month.join("通报汇总.html").is_file());
        std::fs::write(month.join("notes.txt"), "mine").unwrap();
        assert!(matches!(
            write_notices_with(&month, "2025年12月", &now, None, Some(&options)),
            Err(ReportError::ForeignFile { .. })
        ));
    }

    #[test]
    fn units_with_clashing_file_names_each_get_a_file() {
        let now = assessment(vec![
            verdict("a", "区A/B局", Status::Fail),
            verdict("b", "区A_B局", Status::Fail),
            verdict("c", "通报汇总", Status::Fail),
            verdict("d", "../../outside", Status::Fail),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let files = write_notices(dir.path(), "2025年12月", &now, None).unwrap();
        assert_eq!(files.len(), 5);
        let names: std::collections::BTreeSet<_> = files.iter().collect();
        assert_eq!(names.len(), 5, "no file was written twice");
        for f in &files {
            assert_eq!(f.parent(), Some(dir.path()), "{} escaped the folder", f.display());
        }
        let summary = std::fs::read_to_string(dir.path().join("通报汇总.html")).unwrap();
        assert!(summary.contains("2025年12月政务公开工作通报") && summary.contains("区A/B局"));
    }
}
