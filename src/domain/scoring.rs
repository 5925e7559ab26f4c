//! The committee's scoring, in plain Rust: the rubric, one review's score, and the aggregates the
//! ranking shows. The score used for selection is the normalised one: each review's score as a
//! z-score among that reviewer's own reviews, averaged per application, so that a strict and a
//! lenient reviewer count alike.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::localized::LocalizedText;

/// One criterion of the rubric. Scores are whole numbers from `min` to `max`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// A stable key, used in reviews' `scores`: lower-case letters, digits and `_`.
    #[schema(example = "activity", pattern = "^[a-z0-9_]{1,40}$")]
    pub key: String,
    pub name: LocalizedText,
    /// The criterion's share of a review's score, relative to the other weights.
    #[schema(example = 2, minimum = 1, maximum = 100)]
    pub weight: u32,
    /// Lower than `max`; both within -100..100.
    #[schema(example = 1, minimum = -100, maximum = 100)]
    pub min: i32,
    #[schema(example = 5, minimum = -100, maximum = 100)]
    pub max: i32,
}

/// The default rubric: the four criteria of the call announcement in the paikallis-JANE model,
/// each scored 1 to 5, activity and liaison weighing double.
pub fn default_rubric() -> Vec<Criterion> {
    let c = |key: &str, fi: &str, sv: &str, en: &str, weight| Criterion {
        key: key.into(),
        name: LocalizedText::new(fi, sv, en),
        weight,
        min: 1,
        max: 5,
    };
    vec![
        c(
            "activity",
            "Aktiivisuus ja aikaa neuvottelukuntatyöhön",
            "Aktivitet och tid för rådets arbete",
            "Activity and time to give to the council",
            2,
        ),
        c(
            "liaison",
            "Halu viedä viestiä neuvottelukunnan ja teema-alueen yhdistysten välillä",
            "Vilja att föra budskap mellan rådet och temaområdets föreningar",
            "Willingness to carry messages between the council and the theme's associations",
            2,
        ),
        c(
            "theme_knowledge",
            "Teema-alueen tuntemus",
            "Kännedom om temaområdet",
            "Knowledge of the theme's field",
            1,
        ),
        c(
            "local_knowledge",
            "Alueen paikallistuntemus",
            "Lokalkännedom om området",
            "Local knowledge of the area",
            1,
        ),
    ]
}

/// A problem with a rubric, naming the field (relative to the request body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RubricError {
    pub field: String,
    pub message: String,
}

fn problem(field: String, message: impl Into<String>) -> RubricError {
    RubricError {
        field,
        message: message.into(),
    }
}

pub fn check_rubric(criteria: &[Criterion]) -> Vec<RubricError> {
    let mut errors = Vec::new();
    if criteria.is_empty() || criteria.len() > 12 {
        errors.push(problem("criteria".into(), "give 1 to 12 criteria"));
    }
    for (i, c) in criteria.iter().enumerate() {
        let key_ok = !c.key.is_empty()
            && c.key.len() <= 40
            && c.key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok {
            errors.push(problem(
                format!("criteria[{i}].key"),
                "1 to 40 lower-case letters, digits or _",
            ));
        } else if criteria[..i].iter().any(|other| other.key == c.key) {
            errors.push(problem(format!("criteria[{i}].key"), "is listed twice"));
        }
        if let Err(message) = c.name.check(200) {
            errors.push(problem(format!("criteria[{i}].name"), message));
        }
        if !(1..=100).contains(&c.weight) {
            errors.push(problem(format!("criteria[{i}].weight"), "must be 1 to 100"));
        }
        if !(-100..=100).contains(&c.min) || !(-100..=100).contains(&c.max) {
            errors.push(problem(
                format!("criteria[{i}].max"),
                "min and max must be within -100..100",
            ));
        } else if c.min >= c.max {
            errors.push(problem(
                format!("criteria[{i}].max"),
                "must be greater than min",
            ));
        }
    }
    errors
}

/// Checks a review's scores against the rubric: every criterion scored, within its range, and
/// nothing else. Errors name `scores.<key>`.
pub fn check_scores(rubric: &[Criterion], scores: &BTreeMap<String, i64>) -> Vec<RubricError> {
    let mut errors = Vec::new();
    for c in rubric {
        match scores.get(&c.key) {
            None => errors.push(problem(format!("scores.{}", c.key), "is required")),
            Some(s) if *s < i64::from(c.min) || *s > i64::from(c.max) => errors.push(problem(
                format!("scores.{}", c.key),
                format!("must be a whole number from {} to {}", c.min, c.max),
            )),
            Some(_) => {}
        }
    }
    for key in scores
        .keys()
        .filter(|k| !rubric.iter().any(|c| &c.key == *k))
    {
        errors.push(problem(
            format!("scores.{key}"),
            "is not a criterion of this call's rubric",
        ));
    }
    errors
}

/// One review's score, 0 to 100: each criterion's score placed on 0..1 within its range, weighted.
pub fn review_score(rubric: &[Criterion], scores: &BTreeMap<String, i64>) -> f64 {
    let total_weight: f64 = rubric.iter().map(|c| f64::from(c.weight)).sum();
    if total_weight == 0.0 {
        return 0.0;
    }
    let weighted: f64 = rubric
        .iter()
        .map(|c| {
            let s = scores.get(&c.key).copied().unwrap_or(i64::from(c.min)) as f64;
            let share = (s - f64::from(c.min)) / f64::from(c.max - c.min);
            f64::from(c.weight) * share
        })
        .sum();
    100.0 * weighted / total_weight
}

/// A counted review: who gave it, to what, with what score (0..100).
#[derive(Debug, Clone, PartialEq)]
pub struct Scored<A, R> {
    pub application: A,
    pub reviewer: R,
    pub score: f64,
}

/// One review as it enters an application's aggregate.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewShare<R> {
    pub reviewer: R,
    pub score: f64,
    /// The review's score as a z-score among its reviewer's reviews.
    pub z_score: f64,
    /// Its share of the application's aggregate (1 / number of reviews).
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate<R> {
    pub reviews: usize,
    /// Mean of the reviews' scores (0..100); `None` without reviews.
    pub weighted_mean: Option<f64>,
    pub median: Option<f64>,
    /// Mean of the reviews' z-scores: the score used for selection.
    pub normalized: Option<f64>,
    pub shares: Vec<ReviewShare<R>>,
}

/// Aggregates the counted reviews (conflicted ones must already be left out) of every application.
/// A reviewer's z-scores use the mean and the population standard deviation of all their counted
/// reviews; a reviewer whose reviews are all equal (or who gave one) contributes z = 0.
pub fn aggregate<A, R>(reviews: &[Scored<A, R>]) -> HashMap<A, Aggregate<R>>
where
    A: Clone + Eq + Hash,
    R: Clone + Eq + Hash,
{
    let mut by_reviewer: HashMap<&R, Vec<f64>> = HashMap::new();
    for r in reviews {
        by_reviewer.entry(&r.reviewer).or_default().push(r.score);
    }
    let stats: HashMap<&R, (f64, f64)> = by_reviewer
        .into_iter()
        .map(|(reviewer, scores)| {
            let n = scores.len() as f64;
            let mean = scores.iter().sum::<f64>() / n;
            let variance = scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n;
            (reviewer, (mean, variance.sqrt()))
        })
        .collect();
    let mut per_application: HashMap<A, Vec<ReviewShare<R>>> = HashMap::new();
    for r in reviews {
        let (mean, sd) = stats[&r.reviewer];
        let z_score = if sd > 1e-12 {
            (r.score - mean) / sd
        } else {
            0.0
        };
        per_application
            .entry(r.application.clone())
            .or_default()
            .push(ReviewShare {
                reviewer: r.reviewer.clone(),
                score: r.score,
                z_score,
                weight: 0.0,
            });
    }
    per_application
        .into_iter()
        .map(|(application, mut shares)| {
            let n = shares.len();
            for share in &mut shares {
                share.weight = 1.0 / n as f64;
            }
            let mut scores: Vec<f64> = shares.iter().map(|s| s.score).collect();
            scores.sort_by(f64::total_cmp);
            let median = if n % 2 == 1 {
                scores[n / 2]
            } else {
                (scores[n / 2 - 1] + scores[n / 2]) / 2.0
            };
            let aggregate = Aggregate {
                reviews: n,
                weighted_mean: Some(scores.iter().sum::<f64>() / n as f64),
                median: Some(median),
                normalized: Some(shares.iter().map(|s| s.z_score).sum::<f64>() / n as f64),
                shares,
            };
            (application, aggregate)
        })
        .collect()
}

/// Scores closer than this are ties (they differ only by floating-point noise).
pub const TIE_EPSILON: f64 = 1e-9;

/// Ranks by score, highest first; `None` (no reviews) last. Equal scores share a rank and the next
/// rank skips (1, 2, 2, 4). Returns (rank, tied) per item, in the order of `items` sorted; the sort
/// breaks ties by `tie_order` only so that the output is stable, not to decide between them.
pub fn rank<T, K: Ord>(
    items: &mut [T],
    score: impl Fn(&T) -> Option<f64>,
    tie_order: impl Fn(&T) -> K,
) -> Vec<(usize, bool)> {
    items.sort_by(|a, b| match (score(a), score(b)) {
        (Some(x), Some(y)) if (x - y).abs() > TIE_EPSILON => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        _ => tie_order(a).cmp(&tie_order(b)),
    });
    let same = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= TIE_EPSILON,
        (None, None) => true,
        _ => false,
    };
    let mut ranks = Vec::with_capacity(items.len());
    for i in 0..items.len() {
        let rank = if i > 0 && same(score(&items[i]), score(&items[i - 1])) {
            ranks[i - 1]
        } else {
            i + 1
        };
        ranks.push(rank);
    }
    (0..items.len())
        .map(|i| {
            let tied = (i > 0 && ranks[i - 1] == ranks[i])
                || (i + 1 < items.len() && ranks[i + 1] == ranks[i]);
            (ranks[i], tied)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn the_default_rubric_is_valid() {
        assert!(check_rubric(&default_rubric()).is_empty());
        assert_eq!(default_rubric().len(), 4);
    }

    #[test]
    fn rubric_rules() {
        let mut rubric = default_rubric();
        rubric[1].key = "activity".into();
        rubric[2].weight = 0;
        rubric[3].min = 5;
        rubric[0].name.fi = String::new();
        let fields: Vec<String> = check_rubric(&rubric).into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "criteria[0].name",
                "criteria[1].key",
                "criteria[2].weight",
                "criteria[3].max"
            ]
        );
        assert_eq!(check_rubric(&[])[0].field, "criteria");
    }

    #[test]
    fn scores_must_cover_the_rubric_within_range() {
        let rubric = default_rubric();
        let ok = scores(&[
            ("activity", 5),
            ("liaison", 1),
            ("theme_knowledge", 3),
            ("local_knowledge", 4),
        ]);
        assert!(check_scores(&rubric, &ok).is_empty());
        let bad = scores(&[
            ("activity", 6),
            ("liaison", 0),
            ("theme_knowledge", 3),
            ("extra", 1),
        ]);
        let fields: Vec<String> = check_scores(&rubric, &bad)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "scores.activity",
                "scores.liaison",
                "scores.local_knowledge",
                "scores.extra"
            ]
        );
    }

    #[test]
    fn a_review_score_weighs_each_criterion_within_its_range() {
        let rubric = default_rubric(); // weights 2, 2, 1, 1 over 1..5
        let all_max = scores(&[
            ("activity", 5),
            ("liaison", 5),
            ("theme_knowledge", 5),
            ("local_knowledge", 5),
        ]);
        assert_eq!(review_score(&rubric, &all_max), 100.0);
        let all_min = scores(&[
            ("activity", 1),
            ("liaison", 1),
            ("theme_knowledge", 1),
            ("local_knowledge", 1),
        ]);
        assert_eq!(review_score(&rubric, &all_min), 0.0);
        // activity 5 (1.0 × 2), liaison 3 (0.5 × 2), theme 1 (0 × 1), local 2 (0.25 × 1): 3.25 / 6
        let mixed = scores(&[
            ("activity", 5),
            ("liaison", 3),
            ("theme_knowledge", 1),
            ("local_knowledge", 2),
        ]);
        assert!((review_score(&rubric, &mixed) - 100.0 * 3.25 / 6.0).abs() < 1e-9);
    }

    fn scored(
        application: &'static str,
        reviewer: &'static str,
        score: f64,
    ) -> Scored<&'static str, &'static str> {
        Scored {
            application,
            reviewer,
            score,
        }
    }

    #[test]
    fn aggregates_by_hand() {
        // Strict reviewer S gives 20, 40, 60; lenient reviewer L gives 70, 80, 90 to a, b, c.
        let reviews = [
            scored("a", "S", 20.0),
            scored("b", "S", 40.0),
            scored("c", "S", 60.0),
            scored("a", "L", 70.0),
            scored("b", "L", 80.0),
            scored("c", "L", 90.0),
        ];
        let agg = aggregate(&reviews);
        // Both reviewers' z-scores are -1.2247, 0, +1.2247 (population sd 16.33 and 8.165).
        let z = (2.0f64 / 3.0).sqrt().recip();
        assert!((agg["a"].normalized.unwrap() + z).abs() < 1e-9);
        assert!(agg["b"].normalized.unwrap().abs() < 1e-9);
        assert!((agg["c"].normalized.unwrap() - z).abs() < 1e-9);
        assert_eq!(agg["a"].weighted_mean, Some(45.0));
        assert_eq!(agg["a"].median, Some(45.0));
        assert_eq!(agg["a"].reviews, 2);
        assert!(agg["a"].shares.iter().all(|s| s.weight == 0.5));
    }

    #[test]
    fn a_strict_and_a_lenient_reviewer_count_alike() {
        // S reviews only a and b; L reviews only c and d. Raw means favour L's applications;
        // normalised, the best of each reviewer ties, as does the worst.
        let reviews = [
            scored("a", "S", 30.0),
            scored("b", "S", 50.0),
            scored("c", "L", 80.0),
            scored("d", "L", 90.0),
        ];
        let agg = aggregate(&reviews);
        assert!(agg["c"].weighted_mean > agg["b"].weighted_mean);
        assert!((agg["b"].normalized.unwrap() - agg["d"].normalized.unwrap()).abs() < 1e-9);
        assert!((agg["a"].normalized.unwrap() - agg["c"].normalized.unwrap()).abs() < 1e-9);
        assert_eq!(agg["b"].normalized, Some(1.0));
    }

    #[test]
    fn one_review_or_equal_reviews_give_zero() {
        let agg = aggregate(&[
            scored("a", "R", 55.0),
            scored("b", "Q", 10.0),
            scored("c", "Q", 10.0),
        ]);
        assert_eq!(agg["a"].normalized, Some(0.0));
        assert_eq!(agg["b"].normalized, Some(0.0));
        // Three scores: the median is the middle one.
        let agg = aggregate(&[
            scored("a", "R", 10.0),
            scored("a", "Q", 90.0),
            scored("a", "P", 20.0),
        ]);
        assert_eq!(agg["a"].median, Some(20.0));
        assert_eq!(agg["a"].weighted_mean, Some(40.0));
    }

    #[test]
    fn ranks_with_ties_and_unreviewed_last() {
        let mut items = vec![
            ("x", Some(0.5)),
            ("y", None),
            ("z", Some(1.0)),
            ("w", Some(0.5)),
            ("v", Some(-1.0)),
        ];
        let ranks = rank(&mut items, |i| i.1, |i| i.0);
        let names: Vec<&str> = items.iter().map(|i| i.0).collect();
        assert_eq!(names, ["z", "w", "x", "v", "y"]);
        assert_eq!(
            ranks,
            [(1, false), (2, true), (2, true), (4, false), (5, false)]
        );
    }
}
