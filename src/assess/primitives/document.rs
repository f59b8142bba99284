//! `document`: a document of a kind is published (in its window); `elements`: the newest such
//! document (or each one, `each`) holds every required element — in its own tables or text,
//! never in the union of a column.

use super::{Context, Found, cite_doc, find_documents, list_docs};
use crate::assess::catalog::{DocSpec, ElementsIn, Missing, Window};
use crate::assess::model::docs::{Doc, find_stated};
use crate::assess::verdict::{Basis, Cite, Outcome, cite};

/// The columns searched, as evidence of a 「未见」 verdict.
fn searched_evidence(cx: &Context<'_>, found: &Found<'_>) -> Vec<Cite> {
    let mut evidence: Vec<Cite> = found
        .columns
        .iter()
        .take(3)
        .map(|&c| {
            cite(
                &cx.site.columns[c].url,
                format!("已查栏目「{}」", cx.site.column_path(c)),
            )
        })
        .collect();
    if evidence.is_empty()
        && let Some(home) = cx.site.home_page()
    {
        evidence.push(cite(&home.url, "已查网站首页导航及全站信息标题"));
    }
    evidence
}

fn doc_evidence(found: &Found<'_>, docs: &[Doc<'_>]) -> Vec<Cite> {
    docs.iter()
        .take(3)
        .map(|d| match found.excerpts.get(d.url) {
            Some(excerpt) => cite(d.url, format!("《{}》：{excerpt}", d.title)),
            None => cite_doc(d),
        })
        .collect()
}

/// `document`: some document of the kind inside its window.
pub fn document(cx: &Context<'_>, spec: &DocSpec, missing: Missing) -> Outcome {
    let found = find_documents(cx, spec);
    let label = &spec.label;
    if found.all_incomplete() {
        let doc = found.in_window[0];
        return Outcome::partial(
            0.5,
            format!(
                "《{}》等{}份{label}正文称“详见下表或附件”，但页面没有相应表格或附件，内容未完整公开{}",
                doc.title,
                found.in_window.len(),
                found.place_note(cx)
            ),
            doc_evidence(&found, &found.in_window),
        )
        .with_basis(found.basis);
    }
    if !found.in_window.is_empty() {
        let when = if spec.window == Window::Any {
            String::new()
        } else {
            cx.window_zh(spec.window).to_string()
        };
        return Outcome::pass(
            format!(
                "{when}已公开{label}：{}{}",
                list_docs(&found.in_window, 3),
                found.place_note(cx)
            ),
            doc_evidence(&found, &found.in_window),
        )
        .with_basis(found.basis);
    }
    if let Some(newest) = found.all.first() {
        // A document from before the window proves nothing about it.
        let when = newest
            .date
            .map_or_else(|| "未注明发布日期".to_string(), |d| format!("发布于{d}"));
        return Outcome::fail(
            format!(
                "{}未见{label}；网站上最近的一份《{}》{when}，早于评估期{}",
                cx.window_zh(spec.window),
                newest.title,
                found.place_note(cx)
            ),
            vec![cite_doc(newest)],
        )
        .with_basis(found.basis);
    }
    match missing {
        Missing::Fail => Outcome::fail(
            format!("未见{label}（{}）{}", found.searched, found.hollow_note()),
            found
                .hollow
                .first()
                .map(|d| vec![cite_doc(d)])
                .unwrap_or_else(|| searched_evidence(cx, &found)),
        )
        .with_basis(Basis::NotFound),
        Missing::Manual => Outcome::manual(format!(
            "网站未见{label}（{}）；无法区分未发生与未公开，需人工核实",
            found.searched
        )),
        Missing::Na => Outcome::na(format!("网站未见{label}（{}），按未发生处理", found.searched)),
    }
}

/// Elements of a document found in its tables' header cells and/or its text.
fn present<'a>(
    cx: &Context<'a>,
    doc: &Doc<'a>,
    elements: &'a [String],
    within: ElementsIn,
) -> (Vec<&'a String>, Vec<&'a String>, Option<Cite>) {
    let tables = cx.site.doc_tables(doc);
    // The best table: the one whose header holds most elements.
    let best = tables
        .iter()
        .map(|(url, t)| {
            let cells = header_cells(t);
            let hits: Vec<&String> = elements
                .iter()
                .filter(|e| {
                    e.split('|')
                        .map(str::trim)
                        .any(|alt| cells.iter().any(|c| c.contains(alt)))
                })
                .collect();
            (hits, url, cells.join("、"))
        })
        .max_by_key(|(hits, ..)| hits.len());
    let mut found: Vec<&String> = Vec::new();
    let mut cited = None;
    if within != ElementsIn::Text
        && let Some((hits, url, cells)) = &best
        && !hits.is_empty()
    {
        found.extend(hits.iter().copied());
        // The document is the evidence; an attachment holding the table is named in it.
        let source = if *url == doc.url {
            String::new()
        } else {
            format!("（附件{url}）")
        };
        cited = Some(cite(doc.url, format!("《{}》表头：{cells}{source}", doc.title)));
    }
    if within != ElementsIn::Headers {
        // The title repeated on the page is not content: 「竣工验收信息公开」 does not state a
        // 竣工验收.
        let title = crate::assess::model::unquoted(doc.title.trim()).into_owned();
        let texts: Vec<(&str, String)> = cx
            .site
            .doc_texts(doc)
            .into_iter()
            .map(|(url, text)| {
                let kept: Vec<&str> = text
                    .lines()
                    .filter(|l| title.is_empty() || !l.contains(title.as_str()))
                    .collect();
                (url, kept.join("\n"))
            })
            .collect();
        for e in elements {
            if found.contains(&e) {
                continue;
            }
            let hit = texts
                .iter()
                .find_map(|(url, text)| find_stated(text, e).map(|x| (*url, x)));
            if let Some((url, excerpt)) = hit {
                found.push(e);
                if cited.is_none() {
                    cited = Some(cite(url, format!("《{}》：{excerpt}", doc.title)));
                }
            }
        }
    }
    let missing = elements.iter().filter(|e| !found.contains(e)).collect();
    (found, missing, cited)
}

fn header_cells(table: &crate::extract::table::Table) -> Vec<&str> {
    let rows: Vec<&Vec<String>> = if table.headers.is_empty() {
        table.rows.iter().take(1).collect()
    } else {
        table.headers.iter().collect()
    };
    rows.into_iter().flatten().map(String::as_str).collect()
}

fn shown(elements: &[&String]) -> String {
    elements
        .iter()
        .map(|e| format!("「{}」", e.replace('|', "或")))
        .collect()
}

/// `elements`: the newest document of the kind holding any element is judged on its own
/// (an older complete version does not make up for it); with `each`, every document of the
/// window is judged and the score is the share of complete ones.
pub fn elements(
    cx: &Context<'_>,
    spec: &DocSpec,
    elements: &[String],
    within: ElementsIn,
    each: bool,
    union: bool,
) -> Outcome {
    let found = find_documents(cx, spec);
    let label = &spec.label;
    let pool: Vec<Doc<'_>> = if found.in_window.is_empty() {
        found.all.clone()
    } else {
        found.in_window.clone()
    };
    if pool.is_empty() {
        return Outcome::fail(
            format!("未见{label}，无法核对要素（{}）{}", found.searched, found.hollow_note()),
            searched_evidence(cx, &found),
        )
        .with_basis(Basis::NotFound);
    }
    let stale = if found.in_window.is_empty() && spec.window != Window::Any {
        format!("（{}未见新的{label}，按最近一份核对）", cx.window_zh(spec.window))
    } else {
        String::new()
    };
    let note = found.place_note(cx);
    if union {
        let mut found_in: Vec<(&String, Doc<'_>, Option<Cite>)> = Vec::new();
        for doc in &pool {
            let (hits, _, cited) = present(cx, doc, elements, within);
            for h in hits {
                if !found_in.iter().any(|(e, ..)| *e == h) {
                    found_in.push((h, *doc, cited.clone()));
                }
            }
        }
        let missing: Vec<&String> = elements
            .iter()
            .filter(|e| !found_in.iter().any(|(f, ..)| f == e))
            .collect();
        let mut evidence: Vec<Cite> = Vec::new();
        for (_, doc, cited) in &found_in {
            let c = cited.clone().unwrap_or_else(|| cite_doc(doc));
            if !evidence.iter().any(|e| e.url == c.url) && evidence.len() < 5 {
                evidence.push(c);
            }
        }
        let hits: Vec<&String> = found_in.iter().map(|(e, ..)| *e).collect();
        let reason = if missing.is_empty() {
            format!(
                "{label}（{}）包含全部要素{}{stale}{note}",
                list_docs(&pool, 3),
                shown(&hits)
            )
        } else {
            format!(
                "{label}（{}）缺少{}（已有{}）{stale}{note}",
                list_docs(&pool, 3),
                shown(&missing),
                shown(&hits)
            )
        };
        return Outcome::graded(hits.len(), elements.len(), reason, evidence).with_basis(found.basis);
    }
    if each {
        let mut complete = 0;
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        for doc in &pool {
            let (_, missing, cited) = present(cx, doc, elements, within);
            evidence.push(cited.unwrap_or_else(|| cite_doc(doc)));
            if missing.is_empty() {
                complete += 1;
            } else {
                problems.push(format!("《{}》缺少{}", doc.title, shown(&missing)));
            }
        }
        let reason = if problems.is_empty() {
            format!("{}份{label}均包含全部要素{stale}{note}", pool.len())
        } else {
            format!(
                "{}份{label}中{complete}份要素完整；{}{stale}{note}",
                pool.len(),
                problems.join("；")
            )
        };
        return Outcome::graded(complete, pool.len(), reason, evidence).with_basis(found.basis);
    }
    // The newest document that holds any element is the current version.
    let judged = pool
        .iter()
        .map(|d| (d, present(cx, d, elements, within)))
        .find(|(_, (hits, ..))| !hits.is_empty());
    let Some((doc, (hits, missing, cited))) = judged else {
        let newest = &pool[0];
        return Outcome::fail(
            format!(
                "{label}{}不含所需要素：{}{stale}{note}",
                list_docs(&pool, 2),
                shown(&elements.iter().collect::<Vec<_>>())
            ),
            vec![cite_doc(newest)],
        )
        .with_basis(found.basis)
        .with_failures(elements.len());
    };
    let evidence = vec![cited.unwrap_or_else(|| cite_doc(doc))];
    if !stale.is_empty() {
        // Complete but not renewed in the window: met in part.
        let score = hits.len() as f64 / elements.len() as f64 * 0.5;
        return Outcome::partial(
            score,
            format!(
                "《{}》{}{stale}{note}",
                doc.title,
                if missing.is_empty() {
                    format!("包含全部要素{}", shown(&hits))
                } else {
                    format!("缺少要素{}（已有{}）", shown(&missing), shown(&hits))
                }
            ),
            evidence,
        )
        .with_basis(found.basis)
        .with_failures(missing.len().max(1));
    }
    let reason = if missing.is_empty() {
        format!("《{}》包含全部要素{}{stale}{note}", doc.title, shown(&hits))
    } else {
        format!(
            "《{}》缺少要素{}（已有{}）{stale}{note}",
            doc.title,
            shown(&missing),
            shown(&hits)
        )
    };
    Outcome::graded(hits.len(), elements.len(), reason, evidence).with_basis(found.basis)
}
