//! 信息公开 metadata and the breadcrumb, read from the flattened lines of a page.
//!
//! In: `Line`s. Out: field → (value, line index) for 索引号, 发布机构, 成文日期, 发布日期, 文号,
//! 主题分类, 有效性, 名称; and the breadcrumb's entries. Labels are found wherever a template puts
//! them: table cells (`<td>索引号</td><td>…</td>`), `<li><span>` rows, one text line holding
//! several pairs, bracketed labels (`[成文日期]`, `【发布机构】`, fixture
//! `fixtures/pages/gen_bracket_labels.html`) and a label whose value is on the next line.
//! Must not: read the footer (the site's 主办单位 is not a document's 发布机构), or take a
//! value that is itself another label.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::flatten::Line;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Field {
    IndexNo,
    Publisher,
    DocDate,
    PubDate,
    DocNo,
    Topic,
    Validity,
    Title,
    /// A label that only ends the value before it (公开方式, 主办单位, 来源 …).
    Other,
}

/// Metadata labels, optionally in brackets (`[索引号]`, `【发布机构】`), then labels that only
/// bound a value: they count only with a colon (`来源：`), because as bare words they occur
/// inside values.
static LABELS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:[\[【]\s*)?(索\s*引\s*号|发布机构|发文机关|发布单位|发文单位|公开主体|成文日期|生成日期|印发日期|发文日期|发布日期|公开日期|发布时间|发文字号|文\s*号|文件编号|主题分类|主题词|体裁分类|组配分类|信息分类|服务对象|公开方式|公开范围|公开时限|有\s*效\s*性|时\s*效\s*性|效力状态|信息名称|标\s*题|名\s*称|分\s*类)\s*(?:[\]】]\s*)?[:：]?|(主办单位|承办单位|主\s*办|承\s*办|网站标识码|信息来源|文章来源|来\s*源|作\s*者|浏览次数|点击数)\s*[:：]",
    )
    .expect("static regex")
});

/// The field a label names. The publisher is the 发布机构/发文机关 only: 发布单位, 发文单位 and
/// 公开主体 are too often the site's operator.
pub(super) fn field_of(label: &str) -> Field {
    let label: String = label.chars().filter(|c| !c.is_whitespace()).collect();
    match label.as_str() {
        "索引号" => Field::IndexNo,
        "发布机构" | "发文机关" => Field::Publisher,
        "成文日期" | "生成日期" | "印发日期" | "发文日期" => Field::DocDate,
        "发布日期" | "公开日期" | "发布时间" => Field::PubDate,
        "发文字号" | "文号" | "文件编号" => Field::DocNo,
        "主题分类" | "分类" | "信息分类" => Field::Topic,
        "有效性" | "时效性" | "效力状态" => Field::Validity,
        "信息名称" | "标题" | "名称" => Field::Title,
        _ => Field::Other,
    }
}

/// Whether a line starts with a metadata label (so it cannot be the value of the line before).
fn starts_with_label(text: &str) -> bool {
    LABELS.find(text).is_some_and(|m| m.start() == 0)
}

/// Metadata found in the text: field → (value, line index). The first occurrence of a field
/// wins; footer lines are not read.
pub(super) fn read_metadata(lines: &[Line]) -> HashMap<Field, (String, usize)> {
    let mut found: HashMap<Field, (String, usize)> = HashMap::new();
    for (index, line) in lines.iter().enumerate() {
        if line.text.len() > 600 || line.is_footer {
            continue;
        }
        let matches: Vec<(Field, std::ops::Range<usize>)> = LABELS
            .captures_iter(&line.text)
            .filter_map(|c| Some((field_of(c.get(1).or(c.get(2))?.as_str()), c.get(0)?.range())))
            .collect();
        for (i, (field, span)) in matches.iter().enumerate() {
            let end = matches.get(i + 1).map_or(line.text.len(), |(_, next)| next.start);
            let mut value =
                line.text[span.end..end].trim_matches(|c: char| c.is_whitespace() || c == ':' || c == '：' || c == '|');
            // `<label>索引号：</label><p>…</p>` and `日期：<br>2023.05.08` put the value on the next line.
            if value.is_empty()
                && i + 1 == matches.len()
                && let Some(next) = lines.get(index + 1)
                && !next.is_footer
                && !starts_with_label(&next.text)
            {
                value = next
                    .text
                    .split('\t')
                    .map(str::trim)
                    .find(|v| !v.is_empty())
                    .unwrap_or("");
            }
            // A label must be one: followed by a value, not inside a sentence.
            let is_label_like = span.start == 0 || line.text[..span.start].ends_with(['\t', ' ', '|', '】', '）', ']']);
            if value.is_empty()
                || value.chars().count() > 120
                || !is_label_like
                || *field == Field::Other
                || is_none_value(value)
            {
                continue;
            }
            let value = value
                .split('\t')
                .map(str::trim)
                .find(|v| !v.is_empty())
                .unwrap_or(value);
            let value = if *field == Field::DocNo {
                tidy_doc_no(value)
            } else {
                value.to_string()
            };
            found.entry(*field).or_insert((value, index));
        }
    }
    found
}

/// `无`, `/`, `-`: a field shown empty.
fn is_none_value(value: &str) -> bool {
    matches!(value.trim(), "无" | "/" | "-" | "—" | "暂无" | "空" | "null")
}

static DOC_NO_GAP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*([〔〕\[\]（）()【】])\s*|(\d)\s+(号)").expect("static regex"));

/// A 文号 printed in pieces (`<span>周政发</span>\n<span>〔2025〕</span>\n<span>3号</span>`)
/// reads as one: the spaces the template's line breaks left around its brackets and before
/// 号 are dropped (fixture `fixtures/pages/gen_doc_no_spans.html`).
fn tidy_doc_no(value: &str) -> String {
    DOC_NO_GAP
        .replace_all(value.trim(), |c: &regex::Captures| {
            match (c.get(1), c.get(2), c.get(3)) {
                (Some(bracket), _, _) => bracket.as_str().to_string(),
                (None, Some(digit), Some(hao)) => format!("{}{}", digit.as_str(), hao.as_str()),
                _ => c[0].to_string(),
            }
        })
        .into_owned()
}

static BREADCRUMB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(当前位置|您的位置|您现在的位置|所在位置|现在位置|位置)\s*[:：]\s*").expect("static regex")
});

/// The breadcrumb's entries after 当前位置/您的位置, without the 正文/详情 placeholders that
/// article templates end it with.
pub(super) fn breadcrumb(lines: &[Line]) -> Vec<String> {
    for line in lines.iter().filter(|l| !l.is_footer) {
        if let Some(m) = BREADCRUMB.find(&line.text) {
            let rest = &line.text[m.end()..];
            let parts: Vec<String> = rest
                .split(['>', '»', '＞', '→', '›', '/', '\t'])
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty() && p.chars().count() <= 30)
                .filter(|p| {
                    !matches!(
                        p.as_str(),
                        "正文" | "详情" | "详细信息" | "内容" | "浏览文章" | "阅读文章" | "文章内容" | "详细内容"
                    )
                })
                .collect();
            if !parts.is_empty() {
                return parts;
            }
        }
    }
    Vec::new()
}

/// The column a breadcrumb names: its last entry, unless that is the home page (「首页 > 正文」
/// names no column).
pub(super) fn breadcrumb_column(path: &[String]) -> Option<String> {
    path.last().filter(|last| !is_home_entry(last)).cloned()
}

fn is_home_entry(entry: &str) -> bool {
    let entry: String = entry.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(entry.as_str(), "首页" | "网站首页" | "主页" | "返回首页")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(texts: &[&str]) -> Vec<Line> {
        texts
            .iter()
            .map(|t| Line {
                text: (*t).to_string(),
                is_footer: false,
            })
            .collect()
    }

    #[test]
    fn bracket_labels_are_labels() {
        let cases: [(&[&str], Field, Option<&str>); 8] = [
            (&["[成文日期] 2025-03-01"], Field::DocDate, Some("2025-03-01")),
            (&["【发布机构】 青石区财政局"], Field::Publisher, Some("青石区财政局")),
            (
                &["\t[索引号]\t\t113703/2025-00031\t"],
                Field::IndexNo,
                Some("113703/2025-00031"),
            ),
            (&["[发布日期]2025-03-05"], Field::PubDate, Some("2025-03-05")),
            (&["【文号】青财发〔2025〕3号"], Field::DocNo, Some("青财发〔2025〕3号")),
            (&["[主题分类] 财政、金融、审计"], Field::Topic, Some("财政、金融、审计")),
            (&["[有效性] 有效"], Field::Validity, Some("有效")),
            (
                &["【发文字号】", "青财发〔2025〕3号"],
                Field::DocNo,
                Some("青财发〔2025〕3号"),
            ),
        ];
        for (texts, field, expected) in cases {
            let found = read_metadata(&lines(texts));
            assert_eq!(found.get(&field).map(|(v, _)| v.as_str()), expected, "{texts:?}");
        }
    }

    #[test]
    fn doc_no_in_pieces_reads_as_one() {
        let cases = [
            ("青政发 〔2025〕 3号", "青政发〔2025〕3号"),
            ("青政发〔2025〕3 号", "青政发〔2025〕3号"),
            ("青政办字 [2024] 12号", "青政办字[2024]12号"),
            ("青政发（2023） 7号", "青政发（2023）7号"),
            ("青政发〔2025〕3号", "青政发〔2025〕3号"),
        ];
        for (value, expected) in cases {
            assert_eq!(tidy_doc_no(value), expected, "{value}");
        }
    }

    #[test]
    fn the_site_owner_is_not_the_publisher() {
        let cases: [(&[&str], Option<&str>); 5] = [
            (&["发布机构：青石区财政局"], Some("青石区财政局")),
            (&["发文机关：青石区人民政府"], Some("青石区人民政府")),
            (&["主办单位：青石区人民政府办公室"], None),
            (&["发布单位：青石区大数据中心"], None),
            // An empty 发布机构 cell must not take the next line's 主办单位 as its value.
            (&["发布机构：", "主办单位：青石区人民政府办公室"], None),
        ];
        for (texts, expected) in cases {
            let found = read_metadata(&lines(texts));
            assert_eq!(
                found.get(&Field::Publisher).map(|(v, _)| v.as_str()),
                expected,
                "{texts:?}"
            );
        }
        let footer = vec![Line {
            text: "发布机构：青石区人民政府办公室 网站标识码：3703990001".to_string(),
            is_footer: true,
        }];
        assert!(read_metadata(&footer).is_empty(), "footers are never metadata");
        // A 来源 after the publisher ends its value.
        let found = read_metadata(&lines(&["发布机构：青石区财政局 来源：青石区财政局办公室"]));
        assert_eq!(found[&Field::Publisher].0, "青石区财政局");
    }

    #[test]
    fn breadcrumb_columns() {
        let cases: [(&str, Vec<&str>, Option<&str>); 6] = [
            ("当前位置：首页 > 正文", vec!["首页"], None),
            ("当前位置：首页 > 详情", vec!["首页"], None),
            (
                "您的位置：首页 > 通知公告 > 正文",
                vec!["首页", "通知公告"],
                Some("通知公告"),
            ),
            (
                "当前位置：首页 > 政务公开 > 政策文件 > 内容",
                vec!["首页", "政务公开", "政策文件"],
                Some("政策文件"),
            ),
            ("当前位置：网站首页", vec!["网站首页"], None),
            (
                "位置：政府信息公开 / 法治政府建设",
                vec!["政府信息公开", "法治政府建设"],
                Some("法治政府建设"),
            ),
        ];
        for (text, path, column) in cases {
            let got = breadcrumb(&lines(&[text]));
            assert_eq!(got, path, "{text}");
            assert_eq!(breadcrumb_column(&got).as_deref(), column, "{text}");
        }
    }
}
