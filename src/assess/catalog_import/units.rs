//! A 责任单位 cell as a list of units.
//!
//! In: the cell as written (「区市场监督管理局牵头，具有随机抽查事项的部门落实」,
//! 「区发改局、区工信局等有关部门分别负责落实」, one unit per line). Out: the units, the role
//! they share (牵头, 负责落实 …) and whether the list ends in 等(有关)部门.
//!
//! Splits on 、，,；;／/ spaces and line breaks outside brackets, and on 和/及/与/以及 only
//! between two whole unit names (「周村经济开发区管委会和区财政局」 splits, 「区文化和旅游局」 does
//! not). A collective written with 各 keeps the bare unit types that follow it
//! (「各镇政府、街道办事处」 is one unit, as 「区政府各部门」 is).

/// What a 责任单位 cell says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Units {
    pub names: Vec<String>,
    /// The role every unit has, when the cell gives one for all (「…等部门按职责分工分别牵头落实」).
    pub role: Option<String>,
    /// The list ends in 等有关部门 / 等部门: it is not exhaustive.
    pub more: bool,
}

/// Role words at the end of a unit, longest first.
const ROLES: &[&str] = &[
    "按职责分工分别牵头落实",
    "按职责分工分别负责落实",
    "按职责分工分别负责",
    "按职责分工负责落实",
    "按职责分工负责",
    "按职责分工落实",
    "按职责分工",
    "分别牵头落实",
    "分别负责落实",
    "分别牵头",
    "分别负责",
    "分别落实",
    "牵头负责",
    "牵头落实",
    "负责落实",
    "配合落实",
    "共同落实",
    "具体落实",
    "组织落实",
    "牵头",
    "负责",
    "配合",
    "落实",
    "参与",
    "协助",
];

/// Endings that say a list goes on.
const MORE: &[&str] = &[
    "等有关部门",
    "等相关部门",
    "等有关单位",
    "等相关单位",
    "等部门",
    "等单位",
    "等",
];

/// Unit types that follow a 各 collective bare (「各镇政府、街道办事处」).
const COLLECTIVE_PARTS: &[&str] = &[
    "街道办事处",
    "街道办",
    "街道",
    "镇",
    "乡",
    "乡镇",
    "镇政府",
    "乡政府",
    "乡镇政府",
    "镇人民政府",
    "乡人民政府",
    "乡镇人民政府",
    "开发区",
    "园区",
    "社区",
    "村",
    "居委会",
    "村委会",
    "部门",
    "单位",
    "有关部门",
    "有关单位",
    "直属单位",
];

/// Endings of a whole unit name, so that 和/及 after one joins two units.
const UNIT_ENDINGS: &[&str] = &[
    "局", "委", "办", "室", "会", "中心", "院", "部", "处", "所", "站", "队", "府", "厅", "科", "社", "馆", "联", "台",
    "组", "行", "司", "署", "庭", "团", "校", "部门", "单位",
];

const SEPARATORS: &[char] = &[
    '、', '，', ',', '；', ';', '/', '／', '|', '｜', '\n', ' ', '\u{3000}', '\t',
];

const CONJUNCTIONS: &[&str] = &["以及", "和", "及", "与"];

/// Splits a 责任单位 cell.
pub(super) fn split_units(text: &str) -> Units {
    let mut pieces: Vec<(char, String)> = Vec::new();
    for (separator, piece) in split_outside_brackets(text) {
        for (index, part) in split_conjunctions(&piece).into_iter().enumerate() {
            pieces.push((if index == 0 { separator } else { '、' }, part));
        }
    }
    let pieces = join_collectives(pieces);
    let mut units = Units::default();
    let mut roles: Vec<(usize, String)> = Vec::new();
    for piece in pieces {
        let (name, role, more) = strip_role(&piece);
        if name.is_empty() {
            // A role on its own (「区政府办公室 牵头」) belongs to the unit before it.
            if let Some(role) = role
                && !units.names.is_empty()
            {
                roles.push((units.names.len() - 1, role));
            }
            continue;
        }
        units.more |= more;
        if let Some(role) = role {
            roles.push((units.names.len(), role));
        }
        if !units.names.contains(&name) {
            units.names.push(name);
        }
    }
    // One role, written once after the last unit, applies to all of them.
    if let [(at, role)] = roles.as_slice()
        && *at + 1 >= units.names.len()
    {
        units.role = Some(role.clone());
    }
    units
}

/// Pieces between separators outside （）()【】[]《》, each with the separator before it.
fn split_outside_brackets(text: &str) -> Vec<(char, String)> {
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    let mut before = '、';
    for c in text.chars() {
        match c {
            '（' | '(' | '【' | '[' | '《' => depth += 1,
            '）' | ')' | '】' | ']' | '》' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 && SEPARATORS.contains(&c) {
            if !current.trim().is_empty() {
                pieces.push((before, current.trim().to_string()));
            }
            current.clear();
            before = if c == '\n' || c.is_whitespace() { '、' } else { c };
            continue;
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        pieces.push((before, current.trim().to_string()));
    }
    pieces
}

/// 「A和B」 → A, B when A is a whole unit name and B is at least two characters.
fn split_conjunctions(piece: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = piece;
    'outer: loop {
        for (at, _) in rest.char_indices() {
            for conjunction in CONJUNCTIONS {
                if !rest[at..].starts_with(conjunction) {
                    continue;
                }
                let (left, right) = (&rest[..at], &rest[at + conjunction.len()..]);
                let left_is_unit = left.chars().count() >= 2 && UNIT_ENDINGS.iter().any(|e| left.ends_with(e));
                if left_is_unit && right.chars().count() >= 2 {
                    parts.push(left.to_string());
                    rest = right;
                    continue 'outer;
                }
            }
        }
        break;
    }
    parts.push(rest.to_string());
    parts
}

/// 「各镇政府」 followed by 「街道办事处」 is one collective, written as it was.
fn join_collectives(pieces: Vec<(char, String)>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_collective = false;
    for (separator, piece) in pieces {
        let bare = strip_role(&piece).0;
        if in_collective
            && COLLECTIVE_PARTS.contains(&bare.as_str())
            && let Some(last) = out.last_mut()
        {
            last.push(separator);
            last.push_str(&piece);
            continue;
        }
        in_collective = piece.starts_with('各');
        out.push(piece);
    }
    out
}

/// The unit without its role words (suffix or in brackets) and 等部门 ending.
fn strip_role(piece: &str) -> (String, Option<String>, bool) {
    let mut name = piece
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '。' | '“' | '”' | '"' | '：' | ':'))
        .to_string();
    let mut role = None;
    let mut more = false;
    for _ in 0..3 {
        if let Some((rest, found)) = bracketed_role(&name) {
            role = Some(found);
            name = rest;
        }
        if let Some(found) = ROLES.iter().find(|r| name.ends_with(*r)) {
            name.truncate(name.len() - found.len());
            role = Some((*found).to_string());
        }
        if let Some(found) = MORE.iter().find(|m| name.ends_with(*m) && name.len() > m.len()) {
            name.truncate(name.len() - found.len());
            more = true;
        }
    }
    (name.trim().to_string(), role, more)
}

/// 「区政府办公室（牵头）」 → (区政府办公室, 牵头).
fn bracketed_role(name: &str) -> Option<(String, String)> {
    let open = name.rfind(['（', '('])?;
    let inner = name[open..]
        .trim_start_matches(['（', '('])
        .trim_end_matches(['）', ')']);
    ROLES
        .contains(&inner)
        .then(|| (name[..open].to_string(), inner.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_split_as_the_cell_means() {
        let cases: &[(&str, &[&str], Option<&str>, bool)] = &[
            ("区政府办公室牵头", &["区政府办公室"], Some("牵头"), false),
            (
                "各镇政府、街道办事处、周村经济开发区管委会，区政府各部门",
                &["各镇政府、街道办事处", "周村经济开发区管委会", "区政府各部门"],
                None,
                false,
            ),
            (
                "区市场监督管理局牵头，具有随机抽查事项的部门落实",
                &["区市场监督管理局", "具有随机抽查事项的部门"],
                None,
                false,
            ),
            (
                "各镇政府、街道办事处、周村经济开发区管委会和区财政局、区卫生健康局、市公共资源交易中心周村分中心等部门按职责分工分别牵头落实",
                &[
                    "各镇政府、街道办事处",
                    "周村经济开发区管委会",
                    "区财政局",
                    "区卫生健康局",
                    "市公共资源交易中心周村分中心",
                ],
                Some("按职责分工分别牵头落实"),
                true,
            ),
            (
                "区发改局、区工信局、区住建局等有关部门分别负责落实",
                &["区发改局", "区工信局", "区住建局"],
                Some("分别负责落实"),
                true,
            ),
            ("区教体局、区文化和旅游局", &["区教体局", "区文化和旅游局"], None, false),
            (
                "区人力资源和社会保障局及区财政局",
                &["区人力资源和社会保障局", "区财政局"],
                None,
                false,
            ),
            ("区民政局\n区残联", &["区民政局", "区残联"], None, false),
            (
                "区委宣传部/区司法局；区委编办",
                &["区委宣传部", "区司法局", "区委编办"],
                None,
                false,
            ),
            (
                "区政府办公室（牵头）、区财政局（配合）",
                &["区政府办公室", "区财政局"],
                None,
                false,
            ),
            ("区政府办公室 牵头", &["区政府办公室"], Some("牵头"), false),
            (
                "区卫生健康局（含区疾控中心、区妇幼保健院）",
                &["区卫生健康局（含区疾控中心、区妇幼保健院）"],
                None,
                false,
            ),
            ("区政府各部门", &["区政府各部门"], None, false),
            ("区财政局、区财政局", &["区财政局"], None, false),
            ("", &[], None, false),
            ("牵头", &[], None, false),
        ];
        for (text, names, role, more) in cases {
            let units = split_units(text);
            assert_eq!(units.names, *names, "{text}");
            assert_eq!(units.role.as_deref(), *role, "{text}");
            assert_eq!(units.more, *more, "{text}");
        }
    }
}
