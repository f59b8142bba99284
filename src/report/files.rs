//! File names made from data (unit names, URLs): safe on Linux, macOS and Windows.

/// A file name for `name`: path separators, reserved characters and control characters become
/// `_`, leading dots go (no hidden files, no `..`), Windows' reserved device names get a `_`
/// suffix, and the length is capped. Never empty.
pub fn safe_file_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    out = out
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .to_string();
    if out.chars().count() > 80 {
        out = out.chars().take(80).collect();
    }
    let stem = out.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        // On the stem, before any extension: `COM1.txt_` would still be the device COM1.
        let stem_len = out.find('.').unwrap_or(out.len());
        out.insert(stem_len, '_');
    }
    if out.is_empty() { "未命名".to_string() } else { out }
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn names_cannot_escape_or_collide_with_devices() {
        assert_eq!(safe_file_name("区政府办公室"), "区政府办公室");
        assert_eq!(safe_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_file_name(".."), "未命名");
        assert_eq!(safe_file_name("a\\b:c*d?e\"f<g>h|i\u{0}j"), "a_b_c_d_e_f_g_h_i_j");
        assert_eq!(safe_file_name("CON"), "CON_");
        assert_eq!(safe_file_name("com1.txt"), "com1_.txt");
        assert_eq!(safe_file_name("   "), "未命名");
        assert_eq!(safe_file_name(&"局".repeat(200)).chars().count(), 80);
        for hostile in ["/", "\\", "..\\..", "a/../../b", ".hidden"] {
            let name = safe_file_name(hostile);
            assert!(
                !name.contains('/') && !name.contains('\\') && !name.starts_with('.'),
                "{hostile} -> {name}"
            );
        }
    }
}
