//! The vocabulary of verdicts, apart from the rules that produce them: a status, an outcome
//! (status, score, reason in Chinese, cited pages) and how a page is cited.

use serde::Serialize;

/// A leaf's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Partial,
    Fail,
    Manual,
    #[serde(rename = "na")]
    NotApplicable,
}

impl Status {
    pub fn zh(self) -> &'static str {
        match self {
            Status::Pass => "达标",
            Status::Partial => "部分达标",
            Status::Fail => "不达标",
            Status::Manual => "待人工评价",
            Status::NotApplicable => "不适用",
        }
    }
}

/// A page a verdict rests on, with the words or item that matter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cite {
    pub url: String,
    pub excerpt: String,
}

pub fn cite(url: &str, excerpt: impl Into<String>) -> Cite {
    Cite {
        url: url.to_string(),
        excerpt: excerpt.into(),
    }
}

/// How a verdict was reached, for the report's self-diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Judged on the column the catalog names.
    #[default]
    Column,
    /// The named column was not found (or held nothing matching); the documents were found
    /// elsewhere on the site by their titles.
    Fallback,
    /// Nothing was found where a citizen would look, after searching the whole site.
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub status: Status,
    pub score: Option<f64>,
    pub reason: String,
    pub evidence: Vec<Cite>,
    /// Failure units (late items, missing periods, missing elements …) for deductions.
    pub failures: usize,
    /// Working days were counted over days of a year without a holiday notice (推定).
    pub estimated_calendar: bool,
    pub basis: Basis,
}

impl Outcome {
    pub fn new(status: Status, score: Option<f64>, reason: String, evidence: Vec<Cite>) -> Outcome {
        let failures = usize::from(matches!(status, Status::Fail | Status::Partial));
        Outcome {
            status,
            score,
            reason,
            evidence,
            failures,
            estimated_calendar: false,
            basis: Basis::Column,
        }
    }

    pub fn pass(reason: String, evidence: Vec<Cite>) -> Outcome {
        Outcome::new(Status::Pass, Some(1.0), reason, evidence)
    }

    pub fn fail(reason: String, evidence: Vec<Cite>) -> Outcome {
        Outcome::new(Status::Fail, Some(0.0), reason, evidence)
    }

    pub fn partial(score: f64, reason: String, evidence: Vec<Cite>) -> Outcome {
        Outcome::new(Status::Partial, Some(score), reason, evidence)
    }

    pub fn with_estimated_calendar(mut self, estimated: bool) -> Outcome {
        self.estimated_calendar |= estimated;
        self
    }

    pub fn with_failures(mut self, failures: usize) -> Outcome {
        self.failures = failures;
        self
    }

    pub fn with_evidence(mut self, evidence: Vec<Cite>) -> Outcome {
        self.evidence = evidence;
        self
    }

    pub fn with_basis(mut self, basis: Basis) -> Outcome {
        self.basis = basis;
        self
    }

    /// Pass when `met == total`, fail when nothing is met, partial in between.
    pub fn graded(met: usize, total: usize, reason: String, evidence: Vec<Cite>) -> Outcome {
        let status = if met == total {
            Status::Pass
        } else if met == 0 {
            Status::Fail
        } else {
            Status::Partial
        };
        let score = if total == 0 { 1.0 } else { met as f64 / total as f64 };
        Outcome::new(status, Some(score), reason, evidence).with_failures(total - met)
    }

    pub fn manual(reason: String) -> Outcome {
        Outcome::new(Status::Manual, None, reason, Vec::new())
    }

    pub fn na(reason: String) -> Outcome {
        Outcome::new(Status::NotApplicable, None, reason, Vec::new())
    }
}
