//! Fuzzes `zwgk inspect`'s input: arbitrary bytes as a page (HTML, GBK, broken markup) or an
//! attachment (the first byte picks the URL, so PDF/XLSX/DOCX parsers are reached too).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let urls = [
        "http://www.zhoucun.gov.cn/art/2025/3/5/art_6005_1.html",
        "http://www.zhoucun.gov.cn/col/col6005/index.html",
        "http://www.zhoucun.gov.cn/attach/a.pdf",
        "http://www.zhoucun.gov.cn/attach/a.xlsx",
        "http://www.zhoucun.gov.cn/attach/a.docx",
    ];
    let pick = data.first().map_or(0, |b| usize::from(*b) % urls.len());
    let url = url::Url::parse(urls[pick]).expect("static url");
    let _ = zwgk::inspect::facts_of(&url, data, None, None, &[]);
});
