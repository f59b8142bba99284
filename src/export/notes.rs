//! The package's own description: `说明.txt` for people and `manifest.json` for checking.
//! Both are made from the assessment and the store only (no clock), so they are reproducible.

use std::fs::File;
use std::io;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::assess::engine::Assessment;

use super::select::Omission;

/// What 说明.txt reports about the package.
pub struct Facts<'a> {
    pub assessment: &'a Assessment,
    pub started_at: &'a str,
    pub finished_at: Option<&'a str>,
    pub warc_files: &'a [String],
    pub records: usize,
    pub captures: usize,
    pub robots: usize,
    pub revisits: usize,
    pub originals: usize,
    pub omitted: &'a [Omission],
    /// The package holds every fetch of the run, not only the cited ones.
    pub whole_run: bool,
}

/// The Chinese description of the package.
pub fn readme(facts: &Facts<'_>) -> String {
    let a = facts.assessment;
    let warcs = facts.warc_files.join("、");
    let omitted = if facts.omitted.is_empty() {
        "  （无）\n".to_string()
    } else {
        facts
            .omitted
            .iter()
            .map(|o| format!("  - {}：{}\n", o.url, o.reason))
            .collect()
    };
    let what = if facts.whole_run {
        "收录的抓取"
    } else {
        "被引用的抓取"
    };
    let (scope, left_out) = if facts.whole_run {
        (
            "本证据包收录本次抓取的全部请求与响应（含评估结论引用的每一次抓取），以及本次抓取所依据的 robots.txt，",
            "未取得服务器响应的抓取、抽取出的事实与正文文本、人工核查材料本身、站外网页",
        )
    } else {
        (
            "本证据包收录评估结论所引用的每一次抓取（请求与响应），以及本次抓取所依据的 robots.txt，",
            "未被任何结论引用的页面、抽取出的事实与正文文本、人工核查材料本身、站外网页",
        )
    };
    format!(
        "政务公开评估证据包\n\
         ==================\n\n\
         站点：{site}\n\
         抓取批次：{run}（北京时间 {started} 至 {finished}）\n\
         评估基准日：{as_of}（评估年度 {period}）\n\
         指标体系：{catalog_title}（{catalog}）\n\
         生成工具：{generator}\n{unfinished}\n\
         {scope}\n\
         使每条结论都能追溯到当时服务器返回的字节。\n\n\
         文件\n\
         ----\n\
         {warcs}：WARC/1.1 格式的网页存档，每条记录单独 gzip 压缩。共 {records} 条记录：\n\
         \x20 {what} {captures} 次，robots.txt {robots} 份。其中有 {revisits} 次服务器答复 304 未修改，\n\
         \x20 记为 revisit 记录；其正文来自更早的抓取，另收录这类原始响应 {originals} 份。\n\
         index.cdxj：CDXJ 索引，每条 response / revisit 记录一行（SURT 键、14 位时间、文件名、偏移量、长度）。\n\
         verdicts.json：评估结论全文（与 `zwgk assess --format json` 的输出一致），每项结论附证据网址、抓取时间与 SHA-256。\n\
         说明.txt：本文件。\n\
         manifest.json：以上各文件的大小与 SHA-256。\n\n\
         如何核验\n\
         --------\n\
         1. 校验文件完整：用 sha256sum 计算各文件的 SHA-256，与 manifest.json 中的值逐一比对。\n\
         2. 查看存档：用任一 WARC 阅读工具打开 .warc.gz 文件，例如 warcio（`warcio index {first}`）、\n\
         \x20 pywb 或 ReplayWeb.page（直接拖入浏览器页面即可回放）。\n\
         3. 对应结论与证据：verdicts.json 中每条证据的 sha256，等于同一网址的 response 记录的\n\
         \x20 WARC-Payload-Digest（格式为 sha256:<十六进制>），即服务器返回的正文（已解除传输压缩）的 SHA-256。\n\
         \x20 revisit 记录的 WARC-Payload-Digest 同样等于该值，WARC-Refers-To 指向保存正文的 response 记录。\n\n\
         说明与限制\n\
         ----------\n\
         - 请求记录按抓取时记录的请求头重建（补充 Host 头）；响应头按原样记录，但 Content-Encoding、\n\
         \x20 Transfer-Encoding、Content-Length 改名为 X-Archive-Orig-…，并给出解压后正文的真实长度（与 warcio 做法相同）。\n\
         - 重定向的中间响应只保存了状态码和 Location，存档中据此重建，其他响应头未保存。\n\
         - WARC-Date 精确到秒；毫秒级抓取时间见 verdicts.json。\n\
         - 不包含：{left_out}。\n\
         - 未能收录的证据：\n{omitted}",
        site = a.site,
        run = a.run_id,
        started = crate::report::beijing(facts.started_at),
        finished = facts
            .finished_at
            .map_or_else(|| "未结束".to_string(), crate::report::beijing),
        as_of = a.as_of,
        period = a.period,
        catalog_title = a.catalog_title,
        catalog = a.catalog,
        generator = a.generator,
        unfinished = a
            .unfinished_run
            .as_deref()
            .map(|note| format!("请注意：{note}\n"))
            .unwrap_or_default(),
        records = facts.records,
        captures = facts.captures,
        robots = facts.robots,
        revisits = facts.revisits,
        originals = facts.originals,
        first = facts.warc_files.first().map(String::as_str).unwrap_or_default(),
    )
}

/// manifest.json: every other file of the package with its size and SHA-256.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub format: &'static str,
    pub generator: String,
    pub site: String,
    pub run_id: i64,
    pub as_of: String,
    pub catalog: String,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Serialize)]
pub struct ManifestFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// Hashes a file without reading it into memory (WARC files can be large).
pub fn describe(dir: &Path, name: &str) -> io::Result<ManifestFile> {
    let mut file = File::open(dir.join(name))?;
    let mut hash = Sha256::new();
    let size = io::copy(&mut file, &mut hash)?;
    Ok(ManifestFile {
        path: name.to_string(),
        size,
        sha256: hex::encode(hash.finalize()),
    })
}
