//! `zwgk.toml`: the settings of a site's nightly job, in one file the office keeps beside the
//! store. Every value is optional here; command-line flags override it, and the defaults of
//! the flags apply to what neither gives. Relative paths are relative to the file's folder,
//! so the job runs the same from cron, systemd or a shell. `docs/zwgk.example.toml` documents
//! every key and is loaded by a test.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub site: SiteConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub crawl: CrawlConfig,
    #[serde(default)]
    pub assess: AssessConfig,
    #[serde(default)]
    pub output: OutputConfig,
    #[serde(default)]
    pub retention: RetentionConfig,
    #[serde(default)]
    pub notify: NotifyConfig,
    /// The 通报's letterhead: 发文机关, 文号, 联系人, 整改期限.
    #[serde(default)]
    pub notice: crate::report::notice::Letterhead,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The portal's home page.
    pub url: Option<String>,
    #[serde(default)]
    pub allow_hosts: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    pub db: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CrawlConfig {
    pub rate: Option<f64>,
    /// `HH:MM-HH:MM`, China time.
    pub window: Option<String>,
    /// Most requests per night; the run continues the next night.
    pub budget: Option<u64>,
    pub max_depth: Option<i64>,
    pub user_agent: Option<String>,
    pub per_host_concurrency: Option<usize>,
    pub max_body_bytes: Option<u64>,
    pub timeout: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AssessConfig {
    pub catalog: Option<String>,
    #[serde(default)]
    pub profiles: Vec<PathBuf>,
    pub calendar: Option<PathBuf>,
    pub manual: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Each night's reports go to `DIR/run-N/`, and `DIR/latest` points at the newest.
    pub dir: Option<PathBuf>,
    pub formats: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    pub keep_runs: Option<usize>,
    pub keep_days: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    pub url: Option<String>,
    /// `json` (default), `wecom` (企业微信群机器人) or `dingtalk` (钉钉自定义机器人).
    pub format: Option<String>,
    /// DingTalk 加签 secret.
    pub secret: Option<String>,
    /// Also post when nothing regressed (a nightly "all quiet").
    #[serde(default)]
    pub always: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration `{path}`: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the configuration `{path}` is not valid: {message}")]
    Invalid { path: String, message: String },
}

impl Config {
    /// Reads a file; relative paths in it become relative to its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        let mut config = Config::parse(&text, &shown)?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve_paths(base);
        Ok(config)
    }

    pub fn parse(text: &str, label: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: label.to_string(),
            message: e.to_string(),
        })?;
        if let Some(window) = &config.crawl.window
            && crate::crawl::window::TimeWindow::parse(window).is_none()
        {
            return Err(ConfigError::Invalid {
                path: label.to_string(),
                message: format!("crawl.window `{window}` is not HH:MM-HH:MM (China time), e.g. 22:00-06:00"),
            });
        }
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        for profile in &mut self.assess.profiles {
            fix(profile);
        }
        if let Some(p) = &mut self.assess.calendar {
            fix(p);
        }
        if let Some(p) = &mut self.assess.manual {
            fix(p);
        }
        if let Some(p) = &mut self.output.dir {
            fix(p);
        }
        // The store is a path or a sqlite: URL; only a plain relative path moves.
        if let Some(db) = &mut self.store.db
            && !db.contains(':')
            && Path::new(db.as_str()).is_relative()
        {
            *db = base.join(db.as_str()).to_string_lossy().into_owned();
        }
        // A catalog given as a file (not a bundled name) moves too.
        if let Some(catalog) = &mut self.assess.catalog
            && catalog.ends_with(".toml")
            && Path::new(catalog.as_str()).is_relative()
        {
            *catalog = base.join(catalog.as_str()).to_string_lossy().into_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_bad_windows_are_refused_by_name() {
        let err = Config::parse("[crawl]\nrat = 2\n", "x.toml").expect_err("typo");
        assert!(err.to_string().contains("unknown field `rat`"), "{err}");
        let err = Config::parse("[crawl]\nwindow = \"22-06\"\n", "x.toml").expect_err("bad window");
        assert!(err.to_string().contains("crawl.window `22-06`"), "{err}");
    }

    #[test]
    fn relative_paths_follow_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("zwgk.toml");
        std::fs::write(
            &path,
            "[store]\ndb = \"site.db\"\n[assess]\nprofiles = [\"p.toml\"]\ncatalog = \"national-inspection\"\n[output]\ndir = \"/srv/reports\"\n",
        )
        .expect("written");
        let config = Config::load(&path).expect("loads");
        assert_eq!(
            config.store.db.as_deref(),
            Some(dir.path().join("site.db").to_str().expect("utf-8"))
        );
        assert_eq!(config.assess.profiles, [dir.path().join("p.toml")]);
        assert_eq!(config.assess.catalog.as_deref(), Some("national-inspection"));
        assert_eq!(config.output.dir, Some(PathBuf::from("/srv/reports")));
    }
}

/// `zwgk audit --sites FILE`: the sites of a many-site audit, each with its own profile and
/// catalog. Relative paths are relative to the file's folder.
///
/// ```toml
/// [[site]]
/// name = "某某区人民政府"
/// url = "http://www.example.gov.cn/"
/// profile = "profiles/example.toml"   # optional
/// catalog = "zhoucun-2019"            # optional: else --catalog
/// ```
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SitesFile {
    #[serde(default)]
    pub site: Vec<SiteEntry>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SiteEntry {
    /// How the site is named in the ranking; also its folder (made safe for a file name).
    pub name: String,
    pub url: String,
    pub profile: Option<PathBuf>,
    pub catalog: Option<String>,
}

impl SitesFile {
    pub fn load(path: &Path) -> Result<SitesFile, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        let invalid = |message: String| ConfigError::Invalid {
            path: shown.clone(),
            message,
        };
        let mut file: SitesFile = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if file.site.is_empty() {
            return Err(invalid("it lists no `[[site]]`".to_string()));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let mut folders = std::collections::BTreeSet::new();
        for s in &mut file.site {
            if s.name.trim().is_empty() {
                return Err(invalid(format!("the site `{}` has an empty name", s.url)));
            }
            if !folders.insert(crate::report::files::safe_file_name(s.name.trim())) {
                return Err(invalid(format!("two sites are named `{}`", s.name.trim())));
            }
            if let Some(p) = &s.profile
                && p.is_relative()
            {
                s.profile = Some(base.join(p));
            }
            // A catalog given as a file is relative to the sites file; a bundled name is not.
            if let Some(c) = &s.catalog
                && c.ends_with(".toml")
                && Path::new(c).is_relative()
            {
                s.catalog = Some(base.join(c).display().to_string());
            }
        }
        Ok(file)
    }
}
