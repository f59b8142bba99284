//! CMS and site profiles: CSS selectors that override the structural heuristics where a
//! template defeats them. Data, not code: `selectors/cms/<cms>.toml` and
//! `selectors/sites/<site>.toml`. A site profile applies by host, a CMS profile when the page
//! contains one of its marker strings; site profiles win over CMS profiles.

use std::path::Path;

use scraper::Selector;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read profile `{path}`: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("profile `{path}` is not valid TOML: {message}")]
    Toml { path: String, message: String },
    #[error("profile `{path}`: `{field}` is not a valid CSS selector: `{selector}`")]
    Selector {
        path: String,
        field: &'static str,
        selector: String,
    },
}

/// A profile as written in TOML.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Hosts a site profile applies to.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Strings whose presence in a page marks the CMS.
    #[serde(default)]
    pub detect: Vec<String>,
    #[serde(default)]
    pub title: Option<String>,
    /// The element whose text holds the publication date.
    #[serde(default)]
    pub pub_date: Option<String>,
    #[serde(default)]
    pub column: Option<String>,
    /// The breadcrumb's links or items, in order.
    #[serde(default)]
    pub breadcrumb: Option<String>,
    /// Column key → URLs (absolute, or paths on the site) that stand for it, replacing the
    /// heuristic column matching for that key.
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, Vec<String>>,
    /// Who receives the problems: the 牵头 unit for collectives and the mapping of the site's
    /// 发布机构 names to the task table's units.
    #[serde(default)]
    pub units: crate::assess::attribution::UnitsProfile,
    /// What the district is responsible for (`land_transfer`, `mining_rights` …): `false`
    /// makes the dependent leaves not applicable.
    #[serde(default)]
    pub capabilities: std::collections::BTreeMap<String, bool>,
}

/// A checked profile with compiled selectors.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub hosts: Vec<String>,
    pub detect: Vec<String>,
    pub title: Option<Selector>,
    pub pub_date: Option<Selector>,
    pub column: Option<Selector>,
    pub breadcrumb: Option<Selector>,
    pub columns: std::collections::BTreeMap<String, Vec<String>>,
    pub capabilities: std::collections::BTreeMap<String, bool>,
    pub units: crate::assess::attribution::UnitsProfile,
}

impl Profile {
    pub fn from_toml(text: &str, path: &str) -> Result<Profile, ProfileError> {
        let raw: RawProfile = toml::from_str(text).map_err(|e| ProfileError::Toml {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        let compile = |field: &'static str, selector: &Option<String>| -> Result<Option<Selector>, ProfileError> {
            selector
                .as_deref()
                .map(|s| {
                    Selector::parse(s).map_err(|_| ProfileError::Selector {
                        path: path.to_string(),
                        field,
                        selector: s.to_string(),
                    })
                })
                .transpose()
        };
        Ok(Profile {
            title: compile("title", &raw.title)?,
            pub_date: compile("pub_date", &raw.pub_date)?,
            column: compile("column", &raw.column)?,
            breadcrumb: compile("breadcrumb", &raw.breadcrumb)?,
            columns: raw.columns,
            capabilities: raw.capabilities,
            units: raw.units,
            name: raw.name,
            hosts: raw.hosts.into_iter().map(|h| h.to_ascii_lowercase()).collect(),
            detect: raw.detect,
        })
    }

    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Profile::from_toml(&text, &path.display().to_string())
    }

    /// Whether the profile applies to a page of this host with this text.
    pub fn applies(&self, host: &str, page: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
            || self.detect.iter().any(|marker| page.contains(marker.as_str()))
    }

    pub fn is_site(&self) -> bool {
        !self.hosts.is_empty()
    }
}

/// The CMS profiles shipped in `selectors/cms/`, built into the binary.
pub fn bundled_cms_profiles() -> Vec<Profile> {
    [
        (
            "selectors/cms/hanweb.toml",
            include_str!("../../selectors/cms/hanweb.toml"),
        ),
        ("selectors/cms/trs.toml", include_str!("../../selectors/cms/trs.toml")),
    ]
    .iter()
    .map(|(path, text)| Profile::from_toml(text, path).expect("bundled profiles are checked by the tests"))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_in_selectors_loads() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("selectors");
        let mut loaded = 0;
        for dir in ["cms", "sites"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let profile = Profile::load(&path).unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!(profile.is_site(), dir == "sites", "{}", path.display());
                    loaded += 1;
                }
            }
        }
        assert!(loaded >= 3);
        assert_eq!(bundled_cms_profiles().len(), 2);
    }

    #[test]
    fn bad_profiles_say_what_is_wrong() {
        let cases = [
            ("name = \"x\"\ntitle = \"h1[[\"", "not a valid CSS selector"),
            ("name = \"x\"\ntitel = \"h1\"", "not valid TOML"),
            ("title = \"h1\"", "not valid TOML"),
        ];
        for (text, message) in cases {
            let error = Profile::from_toml(text, "test.toml").unwrap_err().to_string();
            assert!(error.contains(message), "{text}: {error}");
        }
    }
}
