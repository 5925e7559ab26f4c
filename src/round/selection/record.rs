//! A selection run as it is stored (`selection_runs.result_json`): a versioned form of its own,
//! apart from the API's response type, so that changing the response never makes stored runs
//! unreadable. A decision reads its run's assignments from here.
//!
//! Format 1 is the form runs were stored in from the first release (the response of that time,
//! without a `format` field); it is read as such. A change that old rows cannot be read as must
//! come with a new format number and a reader for the old one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::seat_plan::SeatRole;
use crate::domain::selection::{Constraints, DEFAULT_NODE_LIMIT};
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId, SeatId, SelectionRunId};

/// The format written now.
pub const FORMAT: u32 = 1;

fn format_1() -> u32 {
    1
}

fn default_node_limit() -> u64 {
    DEFAULT_NODE_LIMIT
}

/// A text in the three languages of the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Texts {
    pub fi: String,
    pub sv: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentRecord {
    pub seat_id: SeatId,
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub application_id: ApplicationId,
    pub score: Option<f64>,
    pub lot: u32,
    pub name: String,
    pub association: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnfilledRecord {
    pub seat_id: SeatId,
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub reason: String,
    pub rules: Vec<String>,
    pub new_call_needed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplanationRecord {
    pub kind: String,
    pub seat_id: Option<SeatId>,
    pub application_id: Option<ApplicationId>,
    pub codes: Vec<String>,
    pub text: Texts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleChangeRecord {
    pub constraint: String,
    pub from: Value,
    pub to: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelaxationRecord {
    pub changes: Vec<RuleChangeRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveRecord {
    pub representatives_filled: u32,
    pub representative_seats: u32,
    pub deputies_filled: u32,
    pub deputy_seats: u32,
    pub fillable: [u32; 2],
    pub total_score: f64,
    pub lot_sum: u64,
    pub proven_optimal: bool,
    pub search_nodes: u64,
    #[serde(default)]
    pub relaxations_cut_short: bool,
    /// Runs stored before the limit was recorded ran with the default.
    #[serde(default = "default_node_limit")]
    pub search_node_limit: u64,
}

/// One run, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    #[serde(default = "format_1")]
    pub format: u32,
    pub id: SelectionRunId,
    pub call_id: CallId,
    pub seed: String,
    pub constraints: Constraints,
    pub input_hash: String,
    pub algorithm_version: String,
    pub created_at: DateTime<Utc>,
    pub objective: ObjectiveRecord,
    pub assignments: Vec<AssignmentRecord>,
    pub unfilled: Vec<UnfilledRecord>,
    pub relaxations: Vec<RelaxationRecord>,
    pub explanations: Vec<ExplanationRecord>,
    pub tie_rule: String,
}

impl RunRecord {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("run records serialise")
    }

    /// Reads a stored run of any format this release knows.
    pub fn from_json(text: &str) -> Result<Self, AppError> {
        let record: Self = serde_json::from_str(text)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored run unreadable: {e}")))?;
        if record.format > FORMAT {
            return Err(AppError::Internal(anyhow::anyhow!(
                "stored run has format {}, newer than this release reads ({FORMAT})",
                record.format
            )));
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs stored by the release before this form existed (commit 0bf8f1f: the response type
    /// itself was stored) read as format 1, and write back the same document plus the format.
    #[test]
    fn runs_stored_by_the_first_release_still_read() {
        for fixture in [
            include_str!("../../../tests/fixtures/selection_run_0bf8f1f_a.json"),
            include_str!("../../../tests/fixtures/selection_run_0bf8f1f_b.json"),
        ] {
            let record = RunRecord::from_json(fixture).unwrap();
            assert_eq!(record.format, 1);
            assert!(!record.assignments.is_empty());
            assert!(!record.explanations.is_empty());
            let mut original: Value = serde_json::from_str(fixture).unwrap();
            original["format"] = Value::from(1);
            let written: Value = serde_json::from_str(&record.to_json()).unwrap();
            assert_eq!(written, original);
        }
    }

    /// Runs stored before the node limit was recorded still read, with the default.
    #[test]
    fn an_objective_without_the_node_limit_reads_with_the_default() {
        let stored = serde_json::json!({
            "representatives_filled": 1, "representative_seats": 1, "deputies_filled": 0,
            "deputy_seats": 1, "fillable": [1, 1], "total_score": 0.5, "lot_sum": 3,
            "proven_optimal": true, "search_nodes": 1,
        });
        let objective: ObjectiveRecord = serde_json::from_value(stored).unwrap();
        assert_eq!(objective.search_node_limit, DEFAULT_NODE_LIMIT);
        assert!(!objective.relaxations_cut_short);
    }

    #[test]
    fn a_run_of_a_later_format_is_refused_not_misread() {
        let mut value: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/selection_run_0bf8f1f_a.json"
        ))
        .unwrap();
        value["format"] = Value::from(FORMAT + 1);
        assert!(RunRecord::from_json(&value.to_string()).is_err());
    }
}
