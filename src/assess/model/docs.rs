//! Documents and how they are read: a document is an item a column lists, or a crawled
//! article or attachment. Rules judge documents, not words: a document is found by its title
//! (what an assessor scans a column for), its body is read with its attachments, sentences
//! that only announce future work do not count, and who issued it (本级政府 or a department)
//! is read from its title and 发布机构.

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::{Page, Part, SiteView, unquoted};
use crate::extract::table::Table;

/// Where a document of the site-wide list is: a column's item, or a page.
#[derive(Debug, Clone, Copy)]
pub enum DocRef {
    Item(usize, usize),
    Page(usize),
}

/// A document of the site.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    pub url: &'a str,
    pub title: &'a str,
    pub date: Option<NaiveDate>,
    /// The crawled page, when the crawl stored it.
    pub page: Option<&'a Page>,
}

impl<'a> Doc<'a> {
    fn of_page(page: &'a Page) -> Doc<'a> {
        Doc {
            url: &page.url,
            title: &page.title,
            date: page.pub_date,
            page: Some(page),
        }
    }
}

impl SiteView {
    /// The documents listed in the columns and every column below them, each once, newest
    /// first (undated last).
    pub fn column_documents(&self, columns: &[usize]) -> Vec<Doc<'_>> {
        let mut seen = HashSet::new();
        let mut docs = Vec::new();
        for c in self.with_descendants(columns) {
            for item in &self.columns[c].items {
                if !seen.insert(item.url.as_str()) || self.gone(&item.url) {
                    continue;
                }
                let page = self.page(&item.url);
                // A list item that is itself a column page (a hub's entry) is not a document.
                if page.is_some_and(|p| !p.is_document() && p.listed > 0) {
                    continue;
                }
                docs.push(Doc {
                    url: &item.url,
                    title: &item.title,
                    date: item.date,
                    page,
                });
            }
            // A column whose page is the document itself (a 指南 written on the column page).
            let column = &self.columns[c];
            if column.items.is_empty()
                && let Some(page) = self.page(&column.url)
                && page.text().chars().count() > 200
                && seen.insert(column.url.as_str())
            {
                docs.push(Doc {
                    url: &page.url,
                    title: if page.title.is_empty() {
                        &column.name
                    } else {
                        &page.title
                    },
                    date: page.pub_date,
                    page: Some(page),
                });
            }
        }
        sort_newest_first(&mut docs);
        docs
    }

    /// Every document of the site: each column's items, then the crawled articles no column
    /// lists (reached through links), each once, newest first. Computed once per view.
    /// Handed out one at a time: a 200,000-page site is not copied into a list per question.
    pub fn all_documents_cached(&self) -> impl Iterator<Item = Doc<'_>> + '_ {
        let refs = self.all_docs.get_or_init(|| {
            let mut seen = HashSet::new();
            let mut refs: Vec<(Option<NaiveDate>, DocRef)> = Vec::new();
            for (c, column) in self.columns.iter().enumerate() {
                for (i, item) in column.items.iter().enumerate() {
                    if !seen.insert(item.url.as_str()) || self.gone(&item.url) {
                        continue;
                    }
                    if self.page(&item.url).is_some_and(|p| !p.is_document() && p.listed > 0) {
                        continue;
                    }
                    refs.push((item.date, DocRef::Item(c, i)));
                }
            }
            for (p, page) in self.pages.iter().enumerate() {
                if page.kind == "article" && seen.insert(page.url.as_str()) {
                    refs.push((page.pub_date, DocRef::Page(p)));
                }
            }
            refs.sort_by(|a, b| match (a.0, b.0) {
                (Some(x), Some(y)) => y.cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
            refs.into_iter().map(|(_, r)| r).collect()
        });
        refs.iter().map(|r| match *r {
            DocRef::Item(c, i) => {
                let item = &self.columns[c].items[i];
                Doc {
                    url: &item.url,
                    title: &item.title,
                    date: item.date,
                    page: self.page(&item.url),
                }
            }
            DocRef::Page(p) => Doc::of_page(&self.pages[p]),
        })
    }

    /// Where a document is listed, for reasons: 「政务公开 > 生态环境」.
    pub fn doc_place(&self, url: &str) -> Option<String> {
        self.listed_in(url).first().map(|&c| self.column_path(c))
    }

    /// A document's texts: its page, then the text of each attachment it links.
    pub fn doc_texts<'a>(&'a self, doc: &Doc<'a>) -> Vec<(&'a str, Part<str>)> {
        let mut out = Vec::new();
        if let Some(page) = doc.page {
            out.push((page.url.as_str(), page.text()));
            for a in page.attachments().iter() {
                if let Some(file) = self.page(&a.url) {
                    out.push((file.url.as_str(), file.text()));
                }
            }
        }
        out
    }

    /// A document's tables: its page's, then its attachments'.
    pub fn doc_tables<'a>(&'a self, doc: &Doc<'a>) -> DocTables<'a> {
        let mut parts = Vec::new();
        if let Some(page) = doc.page {
            parts.push((page.url.as_str(), page.tables()));
            for a in page.attachments().iter() {
                if let Some(file) = self.page(&a.url) {
                    parts.push((file.url.as_str(), file.tables()));
                }
            }
        }
        DocTables { parts }
    }
}

/// A document's tables with the URL of the page or attachment each is on.
pub struct DocTables<'a> {
    parts: Vec<(&'a str, Part<[Table]>)>,
}

impl<'a> DocTables<'a> {
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &Table)> + '_ {
        self.parts
            .iter()
            .flat_map(|(url, tables)| tables.iter().map(move |t| (*url, t)))
    }

    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|(_, t)| t.is_empty())
    }
}

fn sort_newest_first(docs: &mut [Doc<'_>]) {
    docs.sort_by(|a, b| match (a.date, b.date) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// How much of its content a document really carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Substance {
    Full,
    /// It refers to a table or attachment (详见下表、详见附件) that is not there, but says
    /// something of its own.
    Incomplete,
    /// A title and an outline only: 「一、基本情况。二、具体内容（详见下表或附件）。三、监督电话」.
    Hollow,
}

static REFERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"详见(?:下表|附表|附件|表格|正文|下文|清单)|见(?:下表|附表|附件)|(?:附件|附表)(?:如下|附后)|具体内容如下表",
    )
    .expect("valid regex")
});
/// 「现将…公开如下：」: a preamble, not content.
static PREAMBLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^现将.{0,60}(?:公开|公示|公布|发布)如下").expect("valid regex"));
static METADATA_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\[|【)?(?:索引号|名\s*称|标\s*题|发布机构|发文机关|成文日期|发布日期|发布时间|来源|文号|发文字号|主题分类|有效性|浏览次数|字号|信息来源|作者|点击|公开方式|公开范围|生成日期)").expect("valid regex")
});

impl SiteView {
    /// Whether a document shows a picture or video of its own, not the site's logo or banner
    /// (images that the home page also shows are the site's).
    pub fn has_media(&self, doc: &Doc<'_>) -> bool {
        let Some(page) = doc.page else { return false };
        let home_images = self.home_page().map(|h| h.images());
        let home: HashSet<&str> = home_images
            .iter()
            .flat_map(|images| images.iter().map(|i| i.src.as_str()))
            .collect();
        let own_image = page.images().iter().any(|i| {
            let src = i.src.to_ascii_lowercase();
            !home.contains(i.src.as_str())
                && !["logo", "banner", "icon", "qrcode", "erweima", "share", "print"]
                    .iter()
                    .any(|w| src.contains(w))
        });
        let video = page.links().iter().any(|(to, _)| {
            let to = to.to_ascii_lowercase();
            [".mp4", ".flv", ".m3u8", ".mov"].iter().any(|e| to.contains(e))
        }) || page
            .attachments()
            .iter()
            .any(|a| matches!(a.ext.as_str(), "mp4" | "flv" | "mov"));
        own_image || video
    }

    /// Whether a document carries its content, or only refers to a table or attachment that
    /// is not on the page (or did not download).
    pub fn substance(&self, doc: &Doc<'_>) -> Substance {
        let Some(page) = doc.page else { return Substance::Full };
        if page.kind == "attachment" {
            return Substance::Full;
        }
        let text = page.text();
        let has_table = !page.tables().is_empty();
        let has_attachment = page.attachments().iter().any(|a| self.page(&a.url).is_some());
        let title = unquoted(doc.title.trim()).into_owned();
        let title = title.as_str();
        let body: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != title && !l.contains(title) && !METADATA_LINE.is_match(l))
            .filter(|l| !l.contains("监督电话") && !l.contains("联系电话") && !PREAMBLE.is_match(l))
            .collect();
        let refers = REFERS.is_match(&text);
        if refers && !has_table && !has_attachment {
            // Headings of an outline (「一、基本情况。」) are not content either.
            let content: usize = body
                .iter()
                .filter(|l| l.chars().count() > 12 && !REFERS.is_match(l))
                .map(|l| l.chars().count())
                .sum();
            return if content < 40 {
                Substance::Hollow
            } else {
                Substance::Incomplete
            };
        }
        let content: usize = body.iter().map(|l| l.chars().count()).sum();
        if content < 10 && !has_table && !has_attachment && page.images().is_empty() {
            return Substance::Hollow;
        }
        Substance::Full
    }
}

/// Words that make a sentence an announcement of something not (yet) published: 「整改情况
/// 将另行报告」, 「清理结果由区政府统一公布」, 「拟于…公开」.
static ANNOUNCES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"将(?:按规定|依法|适时|另行|于|在|由|及时|统一|按照|根据|陆续)|另行(?:报告|公布|公开|通报|发布|公示)|由[^。；，]{1,16}统一(?:公布|发布|公开)|适时(?:公布|公开|发布)|拟于|拟(?:公布|公开)|待[^。；]{1,20}后(?:公布|公开|发布)|届时|计划于",
    )
    .expect("valid regex")
});

/// Whether a sentence only announces future work, or points elsewhere for its content
/// (「还本付息情况详见下表」 states nothing when the table has no such column).
pub fn is_announcement(sentence: &str) -> bool {
    ANNOUNCES.is_match(sentence) || REFERS.is_match(sentence)
}

/// The sentence around a byte offset of a text (split at 。；！？ and line ends).
fn sentence_at(text: &str, at: usize) -> &str {
    let is_end = |c: char| matches!(c, '。' | '；' | '！' | '？' | '\n');
    let start = text[..at]
        .rfind(is_end)
        .map_or(0, |i| i + text[i..].chars().next().map_or(1, char::len_utf8));
    let end = text[at..].find(is_end).map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The first occurrence of a term (or one of its `|` alternatives) in a sentence that states
/// something rather than announcing it; returns a short excerpt.
pub fn find_stated(text: &str, term: &str) -> Option<String> {
    for alt in term.split('|').map(str::trim).filter(|t| !t.is_empty()) {
        let finder = memchr::memmem::Finder::new(alt);
        for at in finder.find_iter(text.as_bytes()) {
            if !text.is_char_boundary(at) {
                continue;
            }
            if !is_announcement(sentence_at(text, at)) {
                return Some(excerpt(text, at, alt));
            }
        }
    }
    None
}

/// Up to 30 characters either side of a hit, on its line.
pub fn excerpt(text: &str, at: usize, needle: &str) -> String {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line: Vec<char> = text[start..end].chars().collect();
    let pos = text[start..at].chars().count();
    let from = pos.saturating_sub(30);
    let to = (pos + needle.chars().count() + 30).min(line.len());
    let mut out: String = line[from..to].iter().collect::<String>().replace('\t', " ");
    if from > 0 {
        out.insert(0, '…');
    }
    if to < line.len() {
        out.push('…');
    }
    out
}

/// Whether a title (quotes removed) holds a term or one of its `|` alternatives.
pub fn title_has(title: &str, term: &str) -> bool {
    let title = unquoted(title);
    term.split('|')
        .map(str::trim)
        .any(|t| !t.is_empty() && title.contains(t))
}

/// Who issued a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// The district government itself (区人民政府, 区政府, its 办公室).
    District,
    /// A department, town or other unit, by name.
    Unit(String),
    /// Not said.
    Unknown,
}

static UNIT_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:局|委员会|委|办公室|办|中心|分局|所|院|队|站|镇|街道|街道办事处|办事处|乡|管委会|管理委员会|工委|公司|集团|学校|医院|支队|大队|中队|分中心|处|科|馆|社|会)$")
        .expect("valid regex")
});
static GOVERNMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:人民政府|区政府|县政府|市政府|旗政府)(?:办公室|办公厅)?$").expect("valid regex"));
/// The issuer part of a title: what comes before 关于, a year, or 政府信息公开….
static SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([\p{Han}（）()]{2,40}?)(?:关于|\d{4}年|二〇|政府信息公开|信息公开|年度|部门预算|部门决算|预算|决算)")
        .expect("valid regex")
});

/// The issuer a name stands for: a 人民政府 (or its 办公室) is the district; a name ending in a
/// unit word is a unit.
fn issuer_of_name(name: &str) -> Issuer {
    let name = name.trim();
    if name.is_empty() {
        return Issuer::Unknown;
    }
    if let Some(m) = GOVERNMENT.find(name) {
        // A town's or street's government (镇人民政府) is a unit; a district's or county's is
        // the district.
        let place = &name[..m.start()];
        if place.ends_with('镇') || place.ends_with('乡') || place.ends_with("街道") {
            return Issuer::Unit(name.to_string());
        }
        return Issuer::District;
    }
    if UNIT_SUFFIX.is_match(name) {
        return Issuer::Unit(name.to_string());
    }
    Issuer::Unknown
}

/// Who issued a document: the subject of its title, else its 发布机构.
pub fn issuer(title: &str, publisher: Option<&str>) -> Issuer {
    if let Some(c) = SUBJECT.captures(title.trim()) {
        let found = issuer_of_name(&c[1]);
        if found != Issuer::Unknown {
            return found;
        }
        // 「临河区2024年…」: the district's name alone is the district.
        if c[1].ends_with('区') || c[1].ends_with('县') || c[1].ends_with('市') || c[1].ends_with('旗') {
            return Issuer::District;
        }
    }
    publisher.map_or(Issuer::Unknown, issuer_of_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_are_not_statements() {
        let text = "一、审计发现的问题。审计查出问题的整改情况，区政府将按规定另行向区人大常委会报告。\n二、清理结果由区政府统一公布。\n三、已完成整改12项。";
        assert!(find_stated(text, "整改").is_some_and(|e| e.contains("已完成整改12项")));
        assert!(find_stated("审计查出问题的整改情况，区政府将按规定另行报告。", "整改").is_none());
        assert!(find_stated("规范性文件清理结果由区政府统一公布。", "清理结果").is_none());
        assert!(find_stated("现将清理结果公布如下：", "清理结果").is_some());
    }

    #[test]
    fn pages_that_only_point_elsewhere_are_hollow() {
        use super::super::{Page, PageDetail};
        let mut shell = Page {
            url: "http://a.gov.cn/1".to_string(),
            title: "某区2025年度随机抽查事项清单".to_string(),
            ..Page::default()
        };
        shell.kind = "article".into();
        let shell = shell.with_detail(PageDetail {
            text: "某区2025年度随机抽查事项清单\n发布时间：2025-03-17\n现将2025年度随机抽查事项清单公开如下：\n一、基本情况。\n二、具体内容（详见下表或附件）。\n三、监督电话：0533-6007866。".to_string(),
            ..PageDetail::default()
        });
        let view = SiteView::for_tests(vec![shell], Default::default(), None);
        let doc = Doc {
            url: "http://a.gov.cn/1",
            title: "某区2025年度随机抽查事项清单",
            date: None,
            page: view.page("http://a.gov.cn/1"),
        };
        assert_eq!(view.substance(&doc), Substance::Hollow);
        assert!(find_stated("还本付息情况详见下表。", "还本付息").is_none());
    }

    #[test]
    fn who_issued_a_document() {
        let cases = [
            ("临河区人民政府2024年政府信息公开工作年度报告", None, Issuer::District),
            ("临河区人民政府办公室关于印发…的通知", None, Issuer::District),
            (
                "临河区财政局2024年政府信息公开工作年度报告",
                None,
                Issuer::Unit("临河区财政局".to_string()),
            ),
            (
                "城关镇2024年政府信息公开工作年度报告",
                None,
                Issuer::Unit("城关镇".to_string()),
            ),
            (
                "临河区石门镇人民政府2024年政府信息公开工作年度报告",
                None,
                Issuer::Unit("临河区石门镇人民政府".to_string()),
            ),
            (
                "临河区青岚街道办事处2024年政府信息公开工作年度报告",
                None,
                Issuer::Unit("临河区青岚街道办事处".to_string()),
            ),
            ("临河区2024年政府信息公开工作年度报告", None, Issuer::District),
            (
                "2024年政府信息公开工作年度报告",
                Some("临河区教育局"),
                Issuer::Unit("临河区教育局".to_string()),
            ),
            ("2024年政府信息公开工作年度报告", None, Issuer::Unknown),
        ];
        for (title, publisher, want) in cases {
            assert_eq!(issuer(title, publisher), want, "{title}");
        }
    }
}
