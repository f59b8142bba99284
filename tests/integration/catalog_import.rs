//! `zwgk catalog import` on the seed table written out as a workbook and as a Word document.
//!
//! The seed (`docs/sources/zhoucun-task-table-2019.txt`) is a text transcription that lost its
//! merged cells, so its columns shift from row to row. The table as it was — one row per
//! question cell, headings and 责任单位/公开时限 merged over the rows they cover — is rebuilt
//! from the bundled catalog, which resolved those merges by hand (`units_source`,
//! `time_limit_source` = "merged"; cells split into two leaves are one row again, `split_of`).
//! Each test writes that table into a temporary .xlsx (rust_xlsxwriter, merged ranges) or
//! .docx (a zip of `word/document.xml` with `w:vMerge`, broken into two `w:tbl` as Word does
//! across pages), runs the binary on it and compares the draft with the catalog.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output};

use toml::Value;

const HEADER: [&str; 7] = [
    "一级指标",
    "二级指标",
    "三级指标",
    "四级指标",
    "五级指标",
    "责任单位",
    "公开时限",
];

fn zwgk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zwgk"))
        .args(args)
        .output()
        .expect("run zwgk")
}

/// One row of the seed table, and what the bundled catalog made of it.
#[derive(Debug, Clone)]
struct SeedRow {
    cells: [String; 7],
    /// Each cell continues the merged cell above.
    merged: [bool; 7],
    path: Vec<String>,
    question: String,
    units: Vec<String>,
    unit_role: Option<String>,
    /// The catalog's typed limit, where it was typed from the cell.
    time_limit: Option<Value>,
}

fn bundled_leaves() -> Vec<toml::Table> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("selectors/indicators/zhoucun-2019.toml"))
            .unwrap();
    let raw: toml::Table = toml::from_str(&text).unwrap();
    raw["leaf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_table().unwrap().clone())
        .collect()
}

fn text(leaf: &toml::Table, key: &str) -> String {
    leaf.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// The seed table's rows: one per question cell.
fn seed_rows() -> Vec<SeedRow> {
    let mut rows: Vec<SeedRow> = Vec::new();
    for leaf in bundled_leaves() {
        let question = leaf
            .get("split_of")
            .and_then(Value::as_str)
            .map_or_else(|| text(&leaf, "question"), str::to_string);
        if rows.last().is_some_and(|r| r.question == question) {
            continue; // the second half of a split cell
        }
        let path = strings(&leaf["path"]);
        let mut cells: [String; 7] = Default::default();
        for (i, level) in path.iter().enumerate() {
            cells[i] = level.clone();
        }
        cells[4] = question.clone();
        cells[5] = text(&leaf, "units_text");
        cells[6] = text(&leaf, "time_limit_text");
        let mut merged = [false; 7];
        if let Some(above) = rows.last() {
            for (level, slot) in merged.iter_mut().enumerate().take(4) {
                *slot = !cells[level].is_empty() && above.path.len() > level && above.path[..=level] == path[..=level];
            }
            merged[5] = text(&leaf, "units_source") == "merged" && above.cells[5] == cells[5];
            merged[6] =
                text(&leaf, "time_limit_source") == "merged" && above.cells[6] == cells[6] && !cells[6].is_empty();
        }
        let time_limit = (text(&leaf, "time_limit_source") != "question").then(|| leaf["time_limit"].clone());
        rows.push(SeedRow {
            cells,
            merged,
            path,
            question,
            units: collectives_whole(strings(&leaf["units"])),
            unit_role: leaf.get("unit_role").and_then(Value::as_str).map(str::to_string),
            time_limit,
        });
    }
    rows
}

/// The catalog lists 「各镇政府、街道办事处」 as two units; the importer keeps a 各 collective
/// whole, as `attribution::is_collective` reads it.
fn collectives_whole(units: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for unit in units {
        match out.last_mut() {
            Some(last) if last == "各镇政府" && unit == "街道办事处" => last.push_str("、街道办事处"),
            _ => out.push(unit),
        }
    }
    out
}

/// Runs of rows merged in a column: (first, last) with last > first.
fn merge_runs(rows: &[SeedRow], column: usize) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || !rows[i].merged[column] {
            if i - 1 > start {
                runs.push((start, i - 1));
            }
            start = i;
        }
    }
    runs
}

/// The seed table as a workbook: a title row, a blank row, the header, the rows.
fn write_xlsx(rows: &[SeedRow], path: &Path) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("任务分工表").unwrap();
    let format = rust_xlsxwriter::Format::new();
    sheet
        .merge_range(0, 0, 0, 6, "政务公开工作任务分工表", &format)
        .unwrap();
    let first = 3u32;
    for (column, name) in HEADER.iter().enumerate() {
        sheet.write_string(2, column as u16, *name).unwrap();
    }
    for (i, row) in rows.iter().enumerate() {
        for (column, cell) in row.cells.iter().enumerate() {
            if !cell.is_empty() && !row.merged[column] {
                sheet.write_string(first + i as u32, column as u16, cell).unwrap();
            }
        }
    }
    for column in 0..7 {
        for (top, bottom) in merge_runs(rows, column) {
            let value = &rows[top].cells[column];
            sheet
                .merge_range(
                    first + top as u32,
                    column as u16,
                    first + bottom as u32,
                    column as u16,
                    value,
                    &format,
                )
                .unwrap();
        }
    }
    workbook.save(path).unwrap();
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn docx_cell(text: &str, merge: Option<bool>) -> String {
    let properties = match merge {
        Some(true) => "<w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr>",
        Some(false) => "<w:tcPr><w:vMerge/></w:tcPr>",
        None => "",
    };
    let paragraphs: String = text
        .split('\n')
        .map(|line| {
            format!(
                "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                escape(line)
            )
        })
        .collect();
    format!("<w:tc>{properties}{paragraphs}</w:tc>")
}

/// The seed table as a Word document: its caption, then the table broken after row 80 into a
/// second `w:tbl` without a header, merged cells continuing across the break.
fn write_docx(rows: &[SeedRow], path: &Path) {
    let restarts: Vec<[bool; 7]> = (0..rows.len())
        .map(|i| std::array::from_fn(|c| !rows[i].merged[c] && rows.get(i + 1).is_some_and(|next| next.merged[c])))
        .collect();
    let row_xml = |i: usize| {
        let row = &rows[i];
        let cells: String = (0..7)
            .map(|c| {
                if row.merged[c] {
                    docx_cell("", Some(false))
                } else if restarts[i][c] {
                    docx_cell(&row.cells[c], Some(true))
                } else {
                    docx_cell(&row.cells[c], None)
                }
            })
            .collect();
        format!("<w:tr>{cells}</w:tr>")
    };
    let header: String = HEADER.iter().map(|h| docx_cell(h, None)).collect();
    let first: String = (0..80).map(row_xml).collect();
    let second: String = (80..rows.len()).map(row_xml).collect();
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>\
         <w:p><w:r><w:t>附件</w:t></w:r></w:p><w:p><w:r><w:t>政务公开工作任务分工表</w:t></w:r></w:p>\
         <w:tbl><w:tr>{header}</w:tr>{first}</w:tbl><w:p/><w:tbl>{second}</w:tbl>\
         <w:p><w:r><w:t>抄送：区委各部门</w:t></w:r></w:p></w:body></w:document>"
    );
    let parts = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"
                .to_string(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>"
                .to_string(),
        ),
        ("word/document.xml", document),
    ];
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in parts {
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(body.as_bytes()).unwrap();
    }
    std::fs::write(path, writer.finish().unwrap().into_inner()).unwrap();
}

fn draft_leaves(path: &Path) -> Vec<toml::Table> {
    let raw: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    raw["leaf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_table().unwrap().clone())
        .collect()
}

fn inline(text: &str) -> Value {
    let table: toml::Table = toml::from_str(&format!("v = {text}")).unwrap();
    table["v"].clone()
}

/// Imports the file, compares the draft with the catalog row by row, and checks the draft.
fn import_and_compare(input: &Path, dir: &Path) {
    let rows = seed_rows();
    assert_eq!(rows.len(), 158, "161 leaves, 3 cells split in two");
    let out = dir.join("draft.toml");
    let run = zwgk(&[
        "catalog",
        "import",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--id",
        "zhoucun-again",
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
    let leaves = draft_leaves(&out);
    assert!(stdout.contains("158 leaves from"), "{stdout}");
    // One leaf per row of the table.
    assert_eq!(leaves.len(), rows.len());
    let mut reviewed = Vec::new();
    for (row, leaf) in rows.iter().zip(&leaves) {
        let id = text(leaf, "id");
        assert_eq!(strings(&leaf["path"]), row.path, "{id} path");
        assert_eq!(text(leaf, "question"), row.question, "{id}");
        assert_eq!(strings(&leaf["units"]), row.units, "{id} units of 「{}」", row.cells[5]);
        assert_eq!(
            leaf.get("unit_role").and_then(Value::as_str).map(str::to_string),
            row.unit_role,
            "{id}"
        );
        assert_eq!(text(leaf, "time_limit_text"), row.cells[6], "{id}");
        if let Some(limit) = &row.time_limit {
            assert_eq!(&leaf["time_limit"], limit, "{id}: 「{}」", row.cells[6]);
        }
        if let Some(why) = leaf.get("review").and_then(Value::as_str) {
            reviewed.push((row.question.clone(), why.to_string()));
        }
    }
    // Sample rows, as the table has them.
    let first = &leaves[0];
    assert_eq!(text(first, "id"), "1.1.1.1.1");
    assert_eq!(
        strings(&first["path"]),
        ["行政权力运行公开", "决策公开", "重大决策预公开", "事项目录"]
    );
    assert_eq!(strings(&first["units"]), ["区政府办公室"]);
    assert_eq!(text(first, "units_source"), "cell");
    let procurement = leaves
        .iter()
        .find(|l| text(l, "question").starts_with("是否公开采购项目公告"))
        .unwrap();
    assert_eq!(
        strings(&procurement["units"]),
        [
            "各镇政府、街道办事处",
            "周村经济开发区管委会",
            "区财政局",
            "区卫生健康局",
            "市公共资源交易中心周村分中心"
        ]
    );
    assert_eq!(procurement["units_more"].as_bool(), Some(true));
    let reply = leaves
        .iter()
        .find(|l| {
            text(l, "time_limit_text") == "收到申请之日起15个工作日内" && text(l, "time_limit_source") == "merged"
        })
        .unwrap();
    assert_eq!(text(reply, "units_source"), "merged");
    // Every distinct 公开时限 phrase of the table, typed.
    let phrases = [
        (
            "信息形成或变更5日内",
            "{ kind = \"within_days\", days = 5, day_type = \"calendar\", event = \"形成或变更\" }",
        ),
        (
            "信息形成或变更 5 日内",
            "{ kind = \"within_days\", days = 5, day_type = \"calendar\", event = \"形成或变更\" }",
        ),
        (
            "信息形成5日内",
            "{ kind = \"within_days\", days = 5, day_type = \"calendar\", event = \"形成\" }",
        ),
        (
            "信息形成 5 日内",
            "{ kind = \"within_days\", days = 5, day_type = \"calendar\", event = \"形成\" }",
        ),
        (
            "信息形成 5日内",
            "{ kind = \"within_days\", days = 5, day_type = \"calendar\", event = \"形成\" }",
        ),
        ("即时", "{ kind = \"immediate\" }"),
        ("会议第二天", "{ kind = \"next_day\", event = \"会议\" }"),
        ("两周一次", "{ kind = \"periodic\", every = \"fortnight\" }"),
        ("一月一次", "{ kind = \"periodic\", every = \"month\" }"),
        ("一季度一次", "{ kind = \"periodic\", every = \"quarter\" }"),
        ("3月31日前", "{ kind = \"annual_deadline\", month = 3, day = 31 }"),
        (
            "收到申请之日起15个工作日内",
            "{ kind = \"within_days\", days = 15, day_type = \"working\", event = \"收到申请\" }",
        ),
        ("", "{ kind = \"none\" }"),
    ];
    let mut distinct: Vec<&str> = rows.iter().map(|r| r.cells[6].as_str()).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), phrases.len(), "{distinct:?}");
    for (phrase, expected) in phrases {
        for leaf in leaves.iter().filter(|l| text(l, "time_limit_text") == phrase) {
            assert_eq!(leaf["time_limit"], inline(expected), "「{phrase}」");
        }
    }
    // Rows it could not take as they are: the four cells asking two questions; the three the
    // catalog split by hand have no rule of their own, the fourth kept its cell whole.
    assert_eq!(reviewed.len(), 4, "{reviewed:#?}");
    assert!(
        reviewed.iter().all(|(_, why)| why.contains("2 questions")),
        "{reviewed:#?}"
    );
    let no_rule: Vec<&str> = reviewed
        .iter()
        .filter(|(_, why)| why.contains("no rule"))
        .map(|(q, _)| q.as_str())
        .collect();
    assert_eq!(no_rule.len(), 3, "{reviewed:#?}");
    assert!(
        no_rule
            .iter()
            .all(|q| rows.iter().any(|r| r.question == *q && !r.units.is_empty()))
    );
    assert!(stdout.contains("4 rows need review"), "{stdout}");
    assert!(stdout.contains("155 rules from the bundled catalog"), "{stdout}");
    assert!(stdout.contains("148 of 148 公开时限 typed"), "{stdout}");
    // The draft loads, and the check lists what needs review.
    let check = zwgk(&["catalog", "check", out.to_str().unwrap()]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(report.contains("(zhoucun-again): 158 leaves"), "{report}");
    assert!(report.contains("4 leaves marked for review"), "{report}");
    assert_eq!(report.matches("warning: leaf").count(), 4, "{report}");
}

#[test]
fn the_seed_table_as_xlsx_imports_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("分工表.xlsx");
    write_xlsx(&seed_rows(), &input);
    import_and_compare(&input, dir.path());
}

#[test]
fn the_seed_table_as_docx_imports_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("分工表.docx");
    write_docx(&seed_rows(), &input);
    import_and_compare(&input, dir.path());
    let draft = std::fs::read_to_string(dir.path().join("draft.toml")).unwrap();
    assert!(
        draft.contains("title = \"政务公开工作任务分工表\""),
        "the caption names the catalog"
    );
}

/// Another district's table: other header spellings, no merged cells (headings written once,
/// blanks below), limits the catalog has no type for.
#[test]
fn another_districts_table_marks_what_it_cannot_type() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("other.xlsx");
    let rows: &[[&str; 6]] = &[
        ["序号", "一级目录", "二级目录", "公开内容", "责任部门", "公开时限"],
        [
            "1",
            "财政信息",
            "预决算",
            "是否公开本级政府和部门预决算说明",
            "区财政局",
            "20个工作日内",
        ],
        ["2", "", "", "部门预算执行情况", "", "长期"],
        [
            "3",
            "",
            "收费",
            "行政事业性收费目录",
            "区财政局、区发改局等有关部门",
            "实时",
        ],
        [
            "4",
            "环境保护",
            "空气质量",
            "空气质量日报",
            "区生态环境分局",
            "每周一次",
        ],
        ["5", "", "", "依申请公开答复", "", "15个工作日内"],
        ["6", "", "", "重污染天气预警", "", ""],
    ];
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
    }
    workbook.save(&input).unwrap();
    let out = dir.path().join("other.toml");
    let run = zwgk(&[
        "catalog",
        "import",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--name",
        "某区分工表",
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
    let leaves = draft_leaves(&out);
    assert_eq!(leaves.len(), 6);
    let limits: Vec<(String, Value, bool)> = leaves
        .iter()
        .map(|l| {
            (
                text(l, "time_limit_text"),
                l["time_limit"].clone(),
                text(l, "review").contains("公开时限"),
            )
        })
        .collect();
    let expected = [
        (
            "20个工作日内",
            "{ kind = \"within_days\", days = 20, day_type = \"working\", event = \"形成或变更\" }",
            false,
        ),
        ("长期", "{ kind = \"none\" }", true),
        ("实时", "{ kind = \"immediate\" }", false),
        ("每周一次", "{ kind = \"none\" }", true),
        (
            "15个工作日内",
            "{ kind = \"within_days\", days = 15, day_type = \"working\", event = \"形成或变更\" }",
            false,
        ),
        // A blank limit under a typed one is carried down in a table without merged cells.
        (
            "15个工作日内",
            "{ kind = \"within_days\", days = 15, day_type = \"working\", event = \"形成或变更\" }",
            false,
        ),
    ];
    for ((text, limit, marked), (phrase, typed, is_marked)) in limits.iter().zip(expected) {
        assert_eq!(text, phrase);
        assert_eq!(*limit, inline(typed), "「{phrase}」");
        assert_eq!(*marked, is_marked, "「{phrase}」");
    }
    // Headings and units carried down within their 一级.
    assert_eq!(strings(&leaves[1]["path"]), ["财政信息", "预决算"]);
    assert_eq!(strings(&leaves[1]["units"]), ["区财政局"]);
    assert_eq!(strings(&leaves[2]["units"]), ["区财政局", "区发改局"]);
    assert_eq!(strings(&leaves[5]["path"]), ["环境保护", "空气质量"]);
    assert_eq!(strings(&leaves[5]["units"]), ["区生态环境分局"]);
    // The first question is the bundled catalog's: its rule comes along.
    assert!(text(&leaves[0], "notes").contains("zhoucun-2019"), "{:?}", leaves[0]);
    assert!(!leaves[0]["rule"]["kind"].as_str().unwrap().is_empty());
    assert!(stdout.contains("5 rows need review"), "{stdout}");
    let check = zwgk(&["catalog", "check", out.to_str().unwrap()]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let draft = std::fs::read_to_string(&out).unwrap();
    assert!(
        draft.contains("title = \"某区分工表\"") && draft.contains("id = \"other\""),
        "{draft}"
    );
}

/// Files that are not a task table: a clear error, exit code 2, never a panic.
#[test]
fn malformed_files_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let not_zip = dir.path().join("notes.xlsx");
    std::fs::write(&not_zip, "一级指标\t二级指标\n").unwrap();
    let no_header = dir.path().join("list.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(0, 1, "电话").unwrap();
    sheet.write_string(1, 0, "张三").unwrap();
    workbook.save(&no_header).unwrap();
    let header_only = dir.path().join("empty.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, name) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    workbook.save(&header_only).unwrap();
    let cases = [
        (not_zip, "is not an .xlsx workbook or a .docx document"),
        (no_header, "has no task table"),
        (header_only, "no rows under it"),
        (dir.path().join("missing.docx"), "cannot read the task table"),
    ];
    for (path, message) in cases {
        let out_path = dir.path().join("out.toml");
        let run = zwgk(&[
            "catalog",
            "import",
            path.to_str().unwrap(),
            "-o",
            out_path.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(stderr.contains(message), "{message}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out_path.exists(), "nothing written for {}", path.display());
    }
}
