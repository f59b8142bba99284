//! Generates a large static Hanweb-style site for the crawl benchmark.
//!
//! `cargo run --release --example gen_site -- OUT_DIR [ARTICLES]` writes a home page, one
//! column list page per 200 articles, and ARTICLES (default 20,000) article pages of about
//! 29 KB each, every one with navigation, breadcrumb, related links and prev/next links —
//! the link density of a real district portal. Columns carry the names of a 政务公开 catalog
//! (通知公告, 政策文件, 财政预决算 …) so the assessment benchmark's rules read real columns.
//! With `--paged` each column list is cut TRS-style into windows of 20 items (`index.html`,
//! `index_1.html` … reached through `createPageHTML(n, k, "index", "html")`), the shape whose
//! windows once each counted as a column of their own.
//! Deterministic: the same arguments give the same bytes.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

const PER_COLUMN: usize = 200;
/// Items per paging window with `--paged`.
const PER_WINDOW: usize = 20;
const FILLER: &str = "周村区人民政府认真贯彻落实政府信息公开条例，坚持以公开为常态、不公开为例外，推进决策、执行、管理、服务、结果公开。";

/// Column names of a district portal, cycled over the generated columns.
const COLUMN_NAMES: [&str; 30] = [
    "政务动态",
    "通知公告",
    "政策文件",
    "政策解读",
    "人事信息",
    "规划计划",
    "财政预决算",
    "财政收支",
    "政府采购",
    "招标投标",
    "行政许可",
    "行政处罚",
    "重大建设项目",
    "征地信息",
    "保障性住房",
    "环境保护",
    "安全生产",
    "食品药品",
    "教育",
    "医疗卫生",
    "社会救助",
    "就业创业",
    "意见征集",
    "常务会议",
    "建议提案办理结果",
    "审计结果",
    "权责清单",
    "双随机一公开",
    "政务公开工作",
    "统计信息",
];

fn column_name(c: usize) -> &'static str {
    COLUMN_NAMES[c % COLUMN_NAMES.len()]
}

fn article_path(i: usize) -> String {
    let (m, d) = (1 + i % 12, 1 + i % 28);
    format!("/art/2025/{m}/{d}/art_{}_{}.html", 6000 + i / PER_COLUMN, 100_000 + i)
}

fn nav(columns: usize) -> String {
    let mut s = String::from("<div class=\"nav\"><a href=\"/index.html\">首页</a>");
    for c in 0..columns.min(20) {
        let _ = write!(s, "<a href=\"/col/col{}/index.html\">{}</a>", 6000 + c, column_name(c));
    }
    s.push_str("</div>");
    s
}

fn main() -> std::io::Result<()> {
    let (flags, mut args): (Vec<String>, Vec<String>) = std::env::args().skip(1).partition(|a| a.starts_with("--"));
    let paged = flags.iter().any(|f| f == "--paged");
    args.reverse();
    let out = args.pop().unwrap_or_else(|| "bench-site".to_string());
    let articles: usize = args.pop().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let columns = articles.div_ceil(PER_COLUMN);
    let root = Path::new(&out);
    let nav = nav(columns);
    let head = |title: &str| {
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}_周村区人民政府</title>\
             <meta name=\"SiteName\" content=\"周村区人民政府\"><meta name=\"SiteIDCode\" content=\"3703060001\"></head><body>{nav}"
        )
    };
    fs::create_dir_all(root)?;
    fs::write(root.join("robots.txt"), "User-agent: *\nDisallow: /admin/\n")?;
    let mut home = head("首页");
    for c in 0..columns {
        let _ = write!(
            home,
            "<p><a href=\"/col/col{}/index.html\">{}</a></p>",
            6000 + c,
            column_name(c)
        );
    }
    home.push_str("</body></html>");
    fs::write(root.join("index.html"), home)?;
    let mut lists = 0;
    for c in 0..columns {
        let items: Vec<usize> = (c * PER_COLUMN..((c + 1) * PER_COLUMN).min(articles)).collect();
        let window = if paged { PER_WINDOW } else { PER_COLUMN };
        let windows = items.len().div_ceil(window).max(1);
        let dir = root.join(format!("col/col{}", 6000 + c));
        fs::create_dir_all(&dir)?;
        for (k, chunk) in items.chunks(window).enumerate() {
            let mut page = head(column_name(c));
            page.push_str("<ul>");
            for &i in chunk {
                let _ = write!(
                    page,
                    "<li><a href=\"{}\">关于第{i}号政务公开事项的通知</a><span>2025-03-05</span></li>",
                    article_path(i)
                );
            }
            page.push_str("</ul>");
            if paged {
                let _ = write!(
                    page,
                    "<script>createPageHTML({windows}, {k}, \"index\", \"html\");</script>"
                );
            }
            page.push_str("</body></html>");
            let name = if k == 0 {
                "index.html".to_string()
            } else {
                format!("index_{k}.html")
            };
            fs::write(dir.join(name), page)?;
            lists += 1;
        }
    }
    for i in 0..articles {
        let mut page = head(&format!("关于第{i}号政务公开事项的通知"));
        let _ = write!(
            page,
            "<div class=\"crumb\">当前位置：<a href=\"/index.html\">首页</a> &gt; <a href=\"/col/col{}/index.html\">{}</a></div>\
             <h1>关于第{i}号政务公开事项的通知</h1><div class=\"info\">发布时间：2025-03-05</div><div class=\"content\">",
            6000 + i / PER_COLUMN,
            column_name(i / PER_COLUMN)
        );
        while page.len() < 27_000 {
            let _ = write!(page, "<p>{FILLER}{i}</p>");
        }
        page.push_str("</div><div class=\"related\">");
        for k in 1..=10 {
            let _ = write!(
                page,
                "<a href=\"{}\">相关{k}</a>",
                article_path((i + k * 37) % articles)
            );
        }
        let _ = write!(
            page,
            "</div><a href=\"{}\">上一篇</a><a href=\"{}\">下一篇</a></body></html>",
            article_path((i + articles - 1) % articles),
            article_path((i + 1) % articles)
        );
        let path = root.join(article_path(i).trim_start_matches('/'));
        fs::create_dir_all(path.parent().expect("article paths have a parent"))?;
        fs::write(path, page)?;
    }
    println!("wrote {} pages to {}", 1 + lists + articles, root.display());
    Ok(())
}
