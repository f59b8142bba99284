//! Who receives a problem. The task table names 责任单位, often a collective (各镇政府,
//! 街道办事处, 区政府各部门, 具有…的部门) or several bureaus at once; a 通报 must go to the unit
//! that can fix the problem. The evidence says who: each cited page's 发布机构. So:
//! - a leaf naming a collective goes to the units whose pages the evidence cites, and when the
//!   site shows no publisher, once to the 牵头 unit with the collective named;
//! - a leaf naming several units goes to those of them whose pages the evidence cites (a late
//!   处罚 公示 published by one bureau is not sent to another), and to all of them otherwise.
//!
//! Site publishers are matched to the table's units by name with the district's name taken
//! off (「临河区财政局」 is 「区财政局」), or by the site profile's `[units.publishers]` map.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::assess::engine::Verdict;

/// The site profile's `[units]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UnitsProfile {
    /// The unit that receives a collective's problems when the site shows no publisher
    /// (default 区政府办公室, which leads 政务公开 in a district).
    pub lead: Option<String>,
    /// Site 发布机构 name → the task table's unit.
    #[serde(default)]
    pub publishers: BTreeMap<String, String>,
}

const DEFAULT_LEAD: &str = "区政府办公室";

/// A unit name that stands for many units.
pub fn is_collective(unit: &str) -> bool {
    unit.starts_with('各')
        || unit.contains("街道办事处")
        || unit.contains("各部门")
        || unit.contains("有关部门")
        || unit.contains("相关部门")
        || (unit.starts_with("具有") && unit.ends_with("部门"))
        || unit.ends_with("等单位")
}

/// A site publisher as the task table would name it: the profile's mapping, else the name
/// with the district's own name taken off (「某某区财政局」 → 「区财政局」).
pub fn unit_of_publisher(publisher: &str, district: Option<&str>, profile: &UnitsProfile) -> String {
    let name = publisher.trim();
    if let Some(mapped) = profile.publishers.get(name) {
        return mapped.clone();
    }
    if let Some(district) = district
        && let Some(rest) = name.strip_prefix(district.trim_end_matches('区').trim_end_matches('县'))
        && (rest.starts_with('区') || rest.starts_with('县'))
    {
        return rest.to_string();
    }
    name.to_string()
}

/// The task table's name for a unit the site names in full: tables abbreviate
/// (「区市场监管局」 for 「区市场监督管理局」, 「区政府办公室」 for 「区人民政府办公室」), so a
/// table unit whose characters appear in order in the site's name, with the same first and
/// last character, is the same unit; the longest such name wins.
pub fn table_unit(unit: &str, table_units: &[String]) -> Option<String> {
    if table_units.iter().any(|u| u == unit) {
        return Some(unit.to_string());
    }
    let in_order = |short: &str, long: &str| {
        let mut rest = long.chars();
        short.chars().all(|c| rest.any(|l| l == c))
    };
    table_units
        .iter()
        .filter(|u| !is_collective(u))
        .filter(|u| u.chars().next() == unit.chars().next() && u.chars().last() == unit.chars().last())
        .filter(|u| u.chars().count() >= 3 && in_order(u, unit))
        .max_by_key(|u| u.chars().count())
        .cloned()
}

/// The units a problem goes to, each with the note that says why when it is not simply the
/// table's unit. `table_units` are every unit the task table names (so a site's full names
/// map to the table's abbreviations). Empty for a leaf that is not a problem.
pub fn recipients(
    verdict: &Verdict,
    publisher_of: impl Fn(&str) -> Option<String>,
    district: Option<&str>,
    profile: &UnitsProfile,
    table_units: &[String],
) -> Vec<(String, Option<String>)> {
    let collectives: Vec<&String> = verdict.units.iter().filter(|u| is_collective(u)).collect();
    let named: Vec<&String> = verdict.units.iter().filter(|u| !is_collective(u)).collect();
    let mut publishers: Vec<String> = Vec::new();
    for e in &verdict.evidence {
        if let Some(p) = publisher_of(&e.url) {
            let unit = unit_of_publisher(&p, district, profile);
            let unit = table_unit(&unit, table_units).unwrap_or(unit);
            if !unit.is_empty() && !publishers.contains(&unit) {
                publishers.push(unit);
            }
        }
    }
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    if !collectives.is_empty() {
        let collective = collectives.iter().map(|c| c.as_str()).collect::<Vec<_>>().join("、");
        for unit in &publishers {
            out.push((
                unit.clone(),
                Some(format!(
                    "本项责任单位为「{collective}」，据证据页面的发布机构由{unit}整改"
                )),
            ));
        }
        for unit in &named {
            if !out.iter().any(|(u, _)| u == *unit) {
                out.push(((*unit).clone(), None));
            }
        }
        if out.is_empty() {
            let lead = profile.lead.clone().unwrap_or_else(|| DEFAULT_LEAD.to_string());
            out.push((
                lead.clone(),
                Some(format!(
                    "本项责任单位为「{collective}」，网站未显示具体发布单位，由{lead}牵头转交落实"
                )),
            ));
        }
        return out;
    }
    let matched: Vec<&String> = named.iter().copied().filter(|u| publishers.contains(u)).collect();
    if named.len() > 1 && !matched.is_empty() {
        return matched
            .into_iter()
            .map(|u| (u.clone(), Some(format!("据证据页面的发布机构，本项问题由{u}整改"))))
            .collect();
    }
    named.into_iter().map(|u| (u.clone(), None)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::engine::Evidence;
    use crate::assess::verdict::Status;

    fn verdict(units: &[&str], evidence: &[&str]) -> Verdict {
        Verdict {
            id: "x".into(),
            path: vec![],
            question: "问题".into(),
            units: units.iter().map(|u| u.to_string()).collect(),
            time_limit: String::new(),
            status: Status::Fail,
            score: Some(0.0),
            reason: String::new(),
            evidence: evidence
                .iter()
                .map(|u| Evidence {
                    url: u.to_string(),
                    fetched_at: None,
                    sha256: None,
                    excerpt: String::new(),
                })
                .collect(),
            source: "auto".into(),
            failures: 0,
            basis: Default::default(),
        }
    }

    fn publishers(url: &str) -> Option<String> {
        match url {
            "/cf/1" => Some("某某区市场监督管理局".into()),
            "/cf/2" => Some("某某区城市管理局".into()),
            "/jd/1" => Some("某某镇人民政府".into()),
            _ => None,
        }
    }

    #[test]
    fn a_late_notice_goes_to_the_bureau_that_published_it() {
        let v = verdict(&["区市场监督管理局", "区城市管理局"], &["/cf/2"]);
        let to = recipients(&v, publishers, Some("某某区"), &UnitsProfile::default(), &[]);
        assert_eq!(to.len(), 1);
        assert_eq!(to[0].0, "区城市管理局");
        // Without a publisher to go by, every named unit gets it.
        let v = verdict(&["区市场监督管理局", "区城市管理局"], &["/other"]);
        assert_eq!(
            recipients(&v, publishers, Some("某某区"), &UnitsProfile::default(), &[]).len(),
            2
        );
        // The table's abbreviation is the unit the site names in full.
        let v = verdict(&["区市场监管局", "区城管局"], &["/cf/1"]);
        let table = ["区市场监管局".to_string(), "区城管局".to_string()];
        let to = recipients(&v, publishers, Some("某某区"), &UnitsProfile::default(), &table);
        assert_eq!(to.iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>(), ["区市场监管局"]);
    }

    #[test]
    fn a_collective_is_split_by_publisher_or_sent_to_the_lead() {
        let v = verdict(&["各镇政府、街道办事处"], &["/jd/1", "/cf/1"]);
        let to = recipients(&v, publishers, Some("某某区"), &UnitsProfile::default(), &[]);
        let units: Vec<&str> = to.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(units, ["某某镇人民政府", "区市场监督管理局"]);
        assert!(
            to[0]
                .1
                .as_deref()
                .is_some_and(|w| w.contains("「各镇政府、街道办事处」"))
        );
        let v = verdict(&["区政府各部门"], &[]);
        let profile = UnitsProfile {
            lead: Some("区政务服务中心".into()),
            publishers: BTreeMap::new(),
        };
        let to = recipients(&v, publishers, Some("某某区"), &profile, &[]);
        assert_eq!(to[0].0, "区政务服务中心");
        assert!(to[0].1.as_deref().is_some_and(|w| w.contains("网站未显示具体发布单位")));
    }

    #[test]
    fn publishers_map_to_the_tables_units() {
        let mut profile = UnitsProfile::default();
        assert_eq!(unit_of_publisher("临河区财政局", Some("临河区"), &profile), "区财政局");
        profile
            .publishers
            .insert("临河区行政审批服务局".into(), "区审批局".into());
        assert_eq!(
            unit_of_publisher("临河区行政审批服务局", Some("临河区"), &profile),
            "区审批局"
        );
        assert!(is_collective("各镇政府") && is_collective("具有行政处罚权的部门") && !is_collective("区财政局"));
        let table = [
            "区政府办公室".to_string(),
            "区住建局".to_string(),
            "各镇政府".to_string(),
        ];
        assert_eq!(table_unit("区人民政府办公室", &table).as_deref(), Some("区政府办公室"));
        assert_eq!(table_unit("区住房和城乡建设局", &table).as_deref(), Some("区住建局"));
        assert_eq!(table_unit("某某镇人民政府", &table), None);
    }
}
