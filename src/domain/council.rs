//! Councils form a two-level tree: the regional JANE and the local paikallis-JANEs under it. A
//! local council covers municipalities inside its regional council's area.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CouncilKind {
    /// Maakunnallinen JANE.
    Regional,
    /// Paikallis-JANE.
    Local,
}

impl CouncilKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Regional => "regional",
            Self::Local => "local",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "regional" => Some(Self::Regional),
            "local" => Some(Self::Local),
            _ => None,
        }
    }
}

/// A breach of the hierarchy rules, with the request field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HierarchyError {
    pub field: &'static str,
    pub message: String,
}

fn error(field: &'static str, message: impl Into<String>) -> HierarchyError {
    HierarchyError {
        field,
        message: message.into(),
    }
}

/// The parent as the checks need it.
pub struct ParentCouncil<'a> {
    pub kind: CouncilKind,
    pub municipality_codes: &'a [String],
}

/// Checks a council's place in the tree: a regional council has no parent; a local council has a
/// regional parent and covers only municipalities of the parent's area. `children_codes` are the
/// municipalities covered by existing councils below this one, which it must keep covering.
pub fn check_hierarchy(
    kind: CouncilKind,
    parent: Option<ParentCouncil<'_>>,
    municipality_codes: &[String],
    children_codes: &[String],
) -> Result<(), HierarchyError> {
    match (kind, &parent) {
        (CouncilKind::Regional, Some(_)) => {
            return Err(error("parent_id", "a regional council has no parent"));
        }
        (CouncilKind::Local, None) => {
            return Err(error(
                "parent_id",
                "a local council (paikallis-JANE) needs its regional council as parent",
            ));
        }
        (CouncilKind::Local, Some(p)) if p.kind != CouncilKind::Regional => {
            return Err(error(
                "parent_id",
                "the parent of a local council must be a regional council",
            ));
        }
        _ => {}
    }
    if let Some(parent) = parent {
        let outside: Vec<&str> = municipality_codes
            .iter()
            .filter(|code| !parent.municipality_codes.contains(code))
            .map(String::as_str)
            .collect();
        if !outside.is_empty() {
            return Err(error(
                "municipality_codes",
                format!(
                    "outside the regional council's area: {}",
                    outside.join(", ")
                ),
            ));
        }
    }
    let dropped: Vec<&str> = children_codes
        .iter()
        .filter(|code| !municipality_codes.contains(code))
        .map(String::as_str)
        .collect();
    if !dropped.is_empty() {
        return Err(error(
            "municipality_codes",
            format!(
                "still covered by a local council below this one: {}",
                dropped.join(", ")
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn regional_and_local_parents() {
        let area = codes(&["167", "426"]);
        let regional = || ParentCouncil {
            kind: CouncilKind::Regional,
            municipality_codes: &area,
        };
        assert!(check_hierarchy(CouncilKind::Regional, None, &area, &[]).is_ok());
        assert!(
            check_hierarchy(CouncilKind::Local, Some(regional()), &codes(&["426"]), &[]).is_ok()
        );
        assert_eq!(
            check_hierarchy(CouncilKind::Local, None, &area, &[])
                .unwrap_err()
                .field,
            "parent_id"
        );
        assert_eq!(
            check_hierarchy(CouncilKind::Regional, Some(regional()), &area, &[])
                .unwrap_err()
                .field,
            "parent_id"
        );
        let local = ParentCouncil {
            kind: CouncilKind::Local,
            municipality_codes: &area,
        };
        assert_eq!(
            check_hierarchy(CouncilKind::Local, Some(local), &area, &[])
                .unwrap_err()
                .field,
            "parent_id"
        );
    }

    #[test]
    fn local_area_inside_the_regional_area() {
        let area = codes(&["167"]);
        let parent = ParentCouncil {
            kind: CouncilKind::Regional,
            municipality_codes: &area,
        };
        let err = check_hierarchy(
            CouncilKind::Local,
            Some(parent),
            &codes(&["167", "541"]),
            &[],
        )
        .unwrap_err();
        assert_eq!(err.field, "municipality_codes");
        assert!(err.message.contains("541"));
    }

    #[test]
    fn a_regional_council_keeps_covering_its_children() {
        let err = check_hierarchy(
            CouncilKind::Regional,
            None,
            &codes(&["167"]),
            &codes(&["426"]),
        )
        .unwrap_err();
        assert!(err.message.contains("426"));
    }
}
