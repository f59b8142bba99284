//! `deadline`: the district's own (本级) document is published by a date of the assessment
//! year; with `units`, each unit's document is judged against its own deadline too (年报:
//! departments by 1月31日, the district by 3月31日). A department's timely report never
//! stands in for the district's late one.

use chrono::NaiveDate;

use super::{Context, cite_doc, find_documents};
use crate::assess::catalog::{DocSpec, IssuerFilter, UnitDeadline};
use crate::assess::model::docs::{Doc, Issuer, issuer};
use crate::assess::verdict::{Basis, Outcome, cite};

fn first_published<'a>(docs: &[Doc<'a>]) -> Option<Doc<'a>> {
    docs.iter().filter(|d| d.date.is_some()).min_by_key(|d| d.date).copied()
}

/// `deadline`.
pub fn deadline(cx: &Context<'_>, spec: &DocSpec, month: u32, day: u32, units: Option<UnitDeadline>) -> Outcome {
    let Some(due) = NaiveDate::from_ymd_opt(cx.year, month, day) else {
        return Outcome::manual(format!("无效的期限 {month}月{day}日"));
    };
    let label = &spec.label;
    let found = find_documents(cx, spec);
    let district = first_published(&found.all);
    let district_outcome = match district {
        Some(doc) if doc.date.is_some_and(|d| d <= due) => Ok(doc),
        Some(doc) => {
            let date = doc.date.expect("dated");
            Err(Outcome::fail(
                format!(
                    "《{}》发布于{date}，晚于期限{due}，逾期{}天{}",
                    doc.title,
                    (date - due).num_days(),
                    found.place_note(cx)
                ),
                vec![cite_doc(&doc)],
            )
            .with_basis(found.basis))
        }
        None if cx.as_of < due => Err(Outcome::na(format!(
            "{label}的公开期限为{due}，截至{}尚未到期，暂未发布（到期后再评）",
            cx.as_of
        ))),
        None => {
            let undated = found.all.first();
            Err(Outcome::fail(
                match undated {
                    Some(d) => format!("《{}》未注明发布时间，无法确认在{due}前公开", d.title),
                    None => format!("截至{}未见应于{due}前公开的{label}（{}）", cx.as_of, found.searched),
                },
                undated.map(cite_doc).into_iter().collect(),
            )
            .with_basis(if undated.is_some() {
                found.basis
            } else {
                Basis::NotFound
            }))
        }
    };
    let doc = match district_outcome {
        Ok(doc) => doc,
        Err(outcome) => return outcome,
    };
    let date = doc.date.expect("dated");
    let note = found.place_note(cx);
    let mut reason = format!("《{}》发布于{date}，在期限{due}之前{note}", doc.title);
    let mut evidence = vec![cite_doc(&doc)];
    if found.incomplete.contains(doc.url) {
        return Outcome::partial(
            0.5,
            format!("{reason}；但正文称“详见下表或附件”而页面无相应表格或附件，内容未完整公开"),
            evidence,
        )
        .with_basis(found.basis);
    }
    let Some(unit_due) = units else {
        return Outcome::pass(reason, evidence).with_basis(found.basis);
    };
    // Each unit's document against its own deadline.
    let Some(unit_day) = NaiveDate::from_ymd_opt(cx.year, unit_due.month, unit_due.day) else {
        return Outcome::pass(reason, evidence).with_basis(found.basis);
    };
    let mut unit_spec = spec.clone();
    unit_spec.issuer = IssuerFilter::Unit;
    let unit_docs = find_documents(cx, &unit_spec);
    let mut by_unit: std::collections::BTreeMap<String, Doc<'_>> = std::collections::BTreeMap::new();
    for d in unit_docs.all.iter().filter(|d| d.date.is_some()) {
        if let Issuer::Unit(name) = issuer(d.title, d.page.and_then(|p| p.publisher.as_deref())) {
            let keep = by_unit.get(&name).is_none_or(|old| old.date > d.date);
            if keep {
                by_unit.insert(name, *d);
            }
        }
    }
    if by_unit.is_empty() {
        return Outcome::pass(reason, evidence).with_basis(found.basis);
    }
    let late: Vec<(String, Doc<'_>)> = by_unit
        .iter()
        .filter(|(_, d)| d.date.is_some_and(|x| x > unit_day))
        .map(|(n, d)| (n.clone(), *d))
        .collect();
    let on_time = by_unit.len() - late.len();
    reason.push_str(&format!(
        "；{}个部门（单位）的报告中{on_time}个在{unit_day}前发布",
        by_unit.len()
    ));
    if !late.is_empty() {
        reason.push_str(&format!(
            "，逾期：{}",
            late.iter()
                .take(10)
                .map(|(n, d)| format!("{n}（{}）", d.date.map(|x| x.to_string()).unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("、")
        ));
        evidence.extend(late.iter().take(5).map(|(_, d)| {
            cite(
                d.url,
                format!(
                    "《{}》（{}）",
                    d.title,
                    d.date.map(|x| x.to_string()).unwrap_or_default()
                ),
            )
        }));
    }
    let total = by_unit.len() + 1;
    Outcome::graded(on_time + 1, total, reason, evidence).with_basis(found.basis)
}

/// `after_event`: the document is published within N days after an event the site reports
/// (the 本级 人代会 closing → 60个工作日内 the 资金分配方案). Without the event on the site, the
/// document's existence is judged and the reason says the limit could not be checked.
pub fn after_event(
    cx: &Context<'_>,
    spec: &DocSpec,
    event: &DocSpec,
    days: u32,
    day_type: crate::assess::catalog::DayType,
) -> Outcome {
    let found = find_documents(cx, spec);
    let label = &spec.label;
    let events = find_documents(cx, event);
    let event_doc = events
        .in_window
        .iter()
        .filter(|d| d.date.is_some())
        .min_by_key(|d| d.date)
        .copied();
    let unit = match day_type {
        crate::assess::catalog::DayType::Working => "个工作日",
        crate::assess::catalog::DayType::Calendar => "日",
    };
    let Some(event_doc) = event_doc else {
        // No event to count from: judge the document's existence.
        let mut outcome = super::document(cx, spec, crate::assess::catalog::Missing::Fail);
        outcome
            .reason
            .push_str(&format!("（网站未见{}，无法核对{days}{unit}的期限）", event.label));
        return outcome;
    };
    let Some(happened) = event_doc.date else {
        return Outcome::manual(format!("《{}》未注明日期，无法核对期限", event_doc.title));
    };
    let (due, estimated) = match day_type {
        crate::assess::catalog::DayType::Working => {
            let counted = cx.calendar.add_workdays(happened, days);
            (counted.value, counted.estimated)
        }
        crate::assess::catalog::DayType::Calendar => (happened + chrono::Days::new(u64::from(days)), false),
    };
    let first = found
        .in_window
        .iter()
        .filter(|d| d.date.is_some_and(|x| x >= happened))
        .min_by_key(|d| d.date)
        .copied();
    let event_note = format!("《{}》（{happened}）后{days}{unit}即{due}", event_doc.title);
    let outcome = match first {
        Some(doc) if doc.date.is_some_and(|d| d <= due) => Outcome::pass(
            format!(
                "{label}《{}》发布于{}，在{event_note}之前{}",
                doc.title,
                doc.date.expect("dated"),
                found.place_note(cx)
            ),
            vec![cite_doc(&doc), cite_doc(&event_doc)],
        ),
        Some(doc) => {
            let date = doc.date.expect("dated");
            Outcome::fail(
                format!(
                    "{label}《{}》发布于{date}，晚于{event_note}，逾期{}天{}",
                    doc.title,
                    (date - due).num_days(),
                    found.place_note(cx)
                ),
                vec![cite_doc(&doc), cite_doc(&event_doc)],
            )
        }
        None if cx.as_of <= due => Outcome::na(format!("{event_note}，截至{}尚未到期，暂未发布{label}", cx.as_of)),
        None => Outcome::fail(
            format!("截至{}未见{label}（期限：{event_note}；{}）", cx.as_of, found.searched),
            vec![cite_doc(&event_doc)],
        ),
    };
    outcome.with_estimated_calendar(estimated).with_basis(found.basis)
}
