//! The solver against an exhaustive search on small instances, and the rules checked on every
//! assignment it returns.

use proptest::prelude::*;

use super::*;

/// The objective in exact integers: (representatives, deputies, Σ score units, Σ lots).
type Key = (u32, u32, i64, u64);

fn key_of(outcome: &Outcome) -> Key {
    (
        outcome.objective.representatives,
        outcome.objective.deputies,
        (outcome.objective.total_score * SCORE_QUANTUM).round() as i64,
        outcome.objective.lot_sum,
    )
}

/// The association's home municipality as the rule counts it, computed independently: the
/// generators below give every application of an association the same one.
fn home(c: &Candidate) -> &str {
    &c.municipality
}

/// Whether an assignment (candidate → role) keeps every rule.
fn keeps_rules(instance: &Instance<'_>, assignment: &[Option<SeatRole>]) -> bool {
    let rules = instance.rules;
    for g in instance.groups {
        let held = instance
            .candidates
            .iter()
            .zip(assignment)
            .filter(|(c, r)| c.theme == g.theme && **r == Some(g.role))
            .count();
        if held > g.seats as usize {
            return false;
        }
    }
    for (c, r) in instance.candidates.iter().zip(assignment) {
        if let Some(role) = r
            && (!allows(c.preference, *role)
                || !instance
                    .groups
                    .iter()
                    .any(|g| g.theme == c.theme && g.role == *role && g.seats > 0))
        {
            return false;
        }
    }
    let mut per_association: HashMap<&str, u32> = HashMap::new();
    let mut per_municipality: HashMap<&str, u32> = HashMap::new();
    for (c, r) in instance.candidates.iter().zip(assignment) {
        if r.is_some() {
            *per_association.entry(&c.association).or_default() += 1;
            *per_municipality.entry(home(c)).or_default() += 1;
        }
    }
    // Seated members count where the call adds someone (an association or municipality the
    // seated alone put over its limit stays as it is, but takes no one more).
    for m in instance.seated {
        if let Some(n) = per_association.get_mut(m.association) {
            *n += 1;
        }
        if let Some(n) = per_municipality.get_mut(m.municipality) {
            *n += 1;
        }
    }
    if per_association
        .values()
        .any(|&n| n > rules.max_seats_per_association)
    {
        return false;
    }
    if let Some(cap) = rules.max_seats_per_municipality
        && per_municipality.values().any(|&n| n > cap)
    {
        return false;
    }
    if let Some(share) = rules.min_share {
        // A role without seats in the call is as the seated members left it: the call cannot
        // change it, and the rule asks nothing of it.
        let with_seats = |role: SeatRole| {
            instance
                .groups
                .iter()
                .any(|g| g.role == role && g.seats > 0)
        };
        for role in SeatRole::ALL.into_iter().filter(|&r| with_seats(r)) {
            let of = |gender: Gender| {
                instance
                    .candidates
                    .iter()
                    .zip(assignment)
                    .filter(|(c, r)| **r == Some(role) && c.gender == gender)
                    .count() as u32
            };
            let seated = |gender: Gender| {
                instance
                    .seated
                    .iter()
                    .filter(|m| m.role == role && m.gender == gender)
                    .count() as u32
            };
            let (w, m) = (
                of(Gender::Woman) + seated(Gender::Woman),
                of(Gender::Man) + seated(Gender::Man),
            );
            let size = instance
                .groups
                .iter()
                .filter(|g| g.role == role)
                .map(|g| g.seats)
                .sum::<u32>()
                + instance.seated.iter().filter(|s| s.role == role).count() as u32;
            if !share.met_by(w, w + m, size) || !share.met_by(m, w + m, size) {
                return false;
            }
        }
    }
    true
}

/// Every assignment, the best by the rule's key; nothing selected when none keeps the rules.
fn exhaustive(instance: &Instance<'_>) -> Key {
    exhaustive_feasible(instance).unwrap_or((0, 0, 0, 0))
}

/// The best key among the assignments that keep the rules, if any does.
fn exhaustive_feasible(instance: &Instance<'_>) -> Option<Key> {
    let n = instance.candidates.len();
    let keys: Vec<&str> = instance.candidates.iter().map(|c| c.key.as_str()).collect();
    let lots = draw_lots(instance.seed, &keys);
    let mut assignment = vec![None; n];
    let mut best: Key = (0, 0, 0, 0);
    let mut first = true;
    let options = [None, Some(SeatRole::Representative), Some(SeatRole::Deputy)];
    let total = 3usize.pow(n as u32);
    for code in 0..total {
        let mut c = code;
        for slot in assignment.iter_mut() {
            *slot = options[c % 3];
            c /= 3;
        }
        if !keeps_rules(instance, &assignment) {
            continue;
        }
        let mut key: Key = (0, 0, 0, 0);
        for (i, r) in assignment.iter().enumerate() {
            match r {
                Some(SeatRole::Representative) => key.0 += 1,
                Some(SeatRole::Deputy) => key.1 += 1,
                None => continue,
            }
            key.2 += quantized_score(instance.candidates[i].score);
            key.3 += u64::from(lots[i]);
        }
        if first || key > best {
            best = key;
            first = false;
        }
    }
    (!first).then_some(best)
}

fn assignment_of(instance: &Instance<'_>, outcome: &Outcome) -> Vec<Option<SeatRole>> {
    let mut assignment = vec![None; instance.candidates.len()];
    for (g, group) in instance.groups.iter().zip(&outcome.groups) {
        for &h in &group.holders {
            assert!(assignment[h].is_none(), "one seat per application");
            assignment[h] = Some(g.role);
        }
    }
    assignment
}

fn candidate(
    key: &str,
    theme: ThemeArea,
    preference: RolePreference,
    association: &str,
    gender: Gender,
    score: Option<f64>,
) -> Candidate {
    Candidate {
        key: key.into(),
        theme,
        preference,
        association: association.into(),
        municipality: format!("m-{}", &association[..1]),
        gender,
        score,
    }
}

fn groups(spec: &[(ThemeArea, u32, u32)]) -> Vec<SeatGroup> {
    spec.iter()
        .flat_map(|&(theme, reps, deps)| {
            [
                SeatGroup {
                    theme,
                    role: SeatRole::Representative,
                    seats: reps,
                },
                SeatGroup {
                    theme,
                    role: SeatRole::Deputy,
                    seats: deps,
                },
            ]
        })
        .collect()
}

fn instance<'a>(
    groups: &'a [SeatGroup],
    candidates: &'a [Candidate],
    rules: Rules,
) -> Instance<'a> {
    Instance {
        groups,
        candidates,
        seated: &[],
        rules,
        seed: "seed",
        node_limit: DEFAULT_NODE_LIMIT,
    }
}

const THEMES: [ThemeArea; 2] = [ThemeArea::Sports, ThemeArea::Culture];

fn arb_candidate(index: usize) -> impl Strategy<Value = Candidate> {
    (
        0..2usize,
        prop_oneof![
            Just(RolePreference::Representative),
            Just(RolePreference::Deputy),
            Just(RolePreference::Either),
            Just(RolePreference::Either),
        ],
        prop_oneof![Just("a1"), Just("a2"), Just("b1"), Just("b2"), Just("c1")],
        prop_oneof![
            3 => Just(Gender::Woman),
            3 => Just(Gender::Man),
            1 => Just(Gender::Other),
            1 => Just(Gender::Undisclosed),
        ],
        prop_oneof![
            1 => Just(None),
            4 => (-3i32..=3).prop_map(|s| Some(f64::from(s) / 2.0)),
        ],
    )
        .prop_map(move |(theme, preference, association, gender, score)| {
            candidate(
                &format!("app-{index}"),
                THEMES[theme],
                preference,
                association,
                gender,
                score,
            )
        })
}

fn arb_candidates(max: usize) -> impl Strategy<Value = Vec<Candidate>> {
    (0..=max).prop_flat_map(|n| (0..n).map(arb_candidate).collect::<Vec<_>>())
}

fn arb_rules() -> impl Strategy<Value = Rules> {
    (
        1u32..=2,
        prop_oneof![Just(None), (1u32..=3).prop_map(Some)],
        prop_oneof![
            Just(None),
            Just(Some(Share(40))),
            Just(Some(Share(50))),
            Just(Some(Share(33))),
            Just(Some(Share(20))),
        ],
    )
        .prop_map(|(a, m, s)| Rules {
            max_seats_per_association: a,
            max_seats_per_municipality: m,
            min_share: s,
        })
}

fn arb_groups() -> impl Strategy<Value = Vec<SeatGroup>> {
    (0u32..=2, 0u32..=2, 0u32..=2, 0u32..=1)
        .prop_map(|(r1, d1, r2, d2)| groups(&[(THEMES[0], r1, d1), (THEMES[1], r2, d2)]))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// A relaxation probe (`search_above`) answers what the exhaustive search answers: whether
    /// the rules fill as many seats as could be filled without them.
    #[test]
    fn a_relaxation_probe_answers_as_an_exhaustive_search(
        groups in arb_groups(),
        candidates in arb_candidates(7),
        rules in arb_rules(),
    ) {
        let inst = instance(&groups, &candidates, rules);
        let fillable = select(&inst).unwrap().fillable;
        let probes = Probes { instance: &inst, fillable, nodes_left: Cell::new(DEFAULT_NODE_LIMIT) };
        let Ok(answer) = probes.fills_all(rules) else {
            panic!("a small probe reached the node limit");
        };
        let (representatives, deputies, _, _) = exhaustive(&inst);
        prop_assert_eq!(answer, (representatives, deputies) == fillable);
    }

    #[test]
    fn the_optimum_equals_an_exhaustive_search(
        groups in arb_groups(),
        candidates in arb_candidates(7),
        rules in arb_rules(),
        seed in "[a-z]{0,6}",
    ) {
        let mut inst = instance(&groups, &candidates, rules);
        inst.seed = &seed;
        let outcome = select(&inst).unwrap();
        prop_assert!(outcome.objective.proven_optimal);
        prop_assert_eq!(key_of(&outcome), exhaustive(&inst));
        let assignment = assignment_of(&inst, &outcome);
        prop_assert!(keeps_rules(&inst, &assignment), "{:?}", outcome);
    }

    #[test]
    fn every_applicant_left_out_has_a_reason_and_every_empty_seat_too(
        groups in arb_groups(),
        candidates in arb_candidates(7),
        rules in arb_rules(),
    ) {
        let inst = instance(&groups, &candidates, rules);
        let outcome = select(&inst).unwrap();
        for left in &outcome.left_out {
            prop_assert!(!left.reasons.is_empty());
            prop_assert!(!left.reasons.contains(&LeftOutReason::SearchLimit));
        }
        for group in &outcome.groups {
            for reason in &group.unfilled {
                prop_assert_ne!(reason, &UnfilledReason::SearchLimit);
                if let UnfilledReason::BlockedByRules(rules) = reason {
                    prop_assert!(!rules.is_empty());
                }
            }
        }
    }

    #[test]
    fn a_named_relaxation_applied_fills_every_fillable_seat(
        groups in arb_groups(),
        candidates in arb_candidates(7),
        rules in arb_rules(),
    ) {
        let inst = instance(&groups, &candidates, rules);
        let outcome = select(&inst).unwrap();
        let filled = (outcome.objective.representatives, outcome.objective.deputies);
        if filled == outcome.fillable {
            prop_assert!(outcome.relaxations.is_empty());
        } else {
            prop_assert!(!outcome.relaxations.is_empty());
            for relaxation in &outcome.relaxations {
                let relaxed = Instance { rules: relaxation.apply(rules), ..inst.clone() };
                let again = select(&relaxed).unwrap();
                prop_assert_eq!(
                    (again.objective.representatives, again.objective.deputies),
                    outcome.fillable,
                    "{:?}", relaxation
                );
            }
        }
    }

    #[test]
    fn the_same_input_and_seed_give_the_same_output_in_any_order(
        groups in arb_groups(),
        candidates in arb_candidates(7),
        rules in arb_rules(),
    ) {
        let inst = instance(&groups, &candidates, rules);
        let first = select(&inst).unwrap();
        prop_assert_eq!(&first, &select(&inst).unwrap());
        let mut reversed = candidates.clone();
        reversed.reverse();
        let other = select(&instance(&groups, &reversed, rules)).unwrap();
        let held = |outcome: &Outcome, list: &[Candidate]| -> Vec<Vec<String>> {
            outcome.groups.iter().map(|g| g.holders.iter().map(|&h| list[h].key.clone()).collect()).collect()
        };
        prop_assert_eq!(held(&first, &candidates), held(&other, &reversed));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// A search stopped by its node limit still answers with an assignment that keeps every
    /// rule, no better than the optimum, and says so; where it finished, it is the optimum. The
    /// limit bounds the whole run: relaxation probes that reach it name none and say so, and
    /// those that finish within it name what an unlimited run names.
    #[test]
    fn a_search_stopped_at_its_node_limit_keeps_the_rules(
        groups in arb_groups(),
        candidates in arb_candidates(7),
        rules in arb_rules(),
        node_limit in 1u64..=12,
    ) {
        let inst = Instance { node_limit, ..instance(&groups, &candidates, rules) };
        let outcome = select(&inst).unwrap();
        let assignment = assignment_of(&inst, &outcome);
        prop_assert!(keeps_rules(&inst, &assignment), "{:?}", outcome);
        prop_assert!(outcome.objective.search_nodes <= node_limit);
        if outcome.objective.proven_optimal {
            prop_assert_eq!(key_of(&outcome), exhaustive(&inst));
        } else {
            prop_assert!(key_of(&outcome) <= exhaustive(&inst));
            prop_assert_eq!(outcome.objective.search_nodes, node_limit);
        }
        for left in &outcome.left_out {
            prop_assert!(!left.reasons.is_empty());
        }
        if !outcome.objective.proven_optimal {
            prop_assert!(outcome.relaxations.is_empty());
            prop_assert!(!outcome.relaxations_cut_short);
        } else if outcome.relaxations_cut_short {
            prop_assert!(outcome.relaxations.is_empty());
            prop_assert_eq!(outcome.objective.search_nodes, node_limit);
        } else {
            let unlimited = select(&instance(&groups, &candidates, rules)).unwrap();
            prop_assert_eq!(&outcome.relaxations, &unlimited.relaxations);
        }
    }
}

/// Mostly applicants open to either role, mostly men, in themes with seats of both roles, and
/// a balance rule that binds: the master then mixes assignments that move women between a
/// theme's two groups, and the search branches on a theme's counts (and fixes by reduced cost).
fn arb_either_candidate(index: usize) -> impl Strategy<Value = Candidate> {
    (
        0..3usize,
        prop_oneof![
            1 => Just(RolePreference::Representative),
            1 => Just(RolePreference::Deputy),
            4 => Just(RolePreference::Either),
        ],
        prop_oneof![
            Just("a1"),
            Just("a2"),
            Just("b1"),
            Just("b2"),
            Just("c1"),
            Just("c2"),
            Just("d1")
        ],
        prop_oneof![
            2 => Just(Gender::Woman),
            4 => Just(Gender::Man),
            1 => Just(Gender::Undisclosed),
        ],
        prop_oneof![
            1 => Just(None),
            6 => (-4i32..=4).prop_map(|s| Some(f64::from(s) / 4.0)),
        ],
    )
        .prop_map(move |(theme, preference, association, gender, score)| {
            candidate(
                &format!("app-{index}"),
                THREE_THEMES[theme],
                preference,
                association,
                gender,
                score,
            )
        })
}

const THREE_THEMES: [ThemeArea; 3] = [ThemeArea::Sports, ThemeArea::Culture, ThemeArea::Hobbies];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_optimum_equals_an_exhaustive_search_when_the_balance_binds_across_roles(
        seats in (1u32..=2, 1u32..=2, 0u32..=1, 0u32..=1, 0u32..=1, 0u32..=1),
        candidates in (6usize..=9).prop_flat_map(|n| (0..n).map(arb_either_candidate).collect::<Vec<_>>()),
        association_limit in 1u32..=2,
        municipality_limit in prop_oneof![Just(None), (2u32..=3).prop_map(Some)],
        share in prop_oneof![Just(Share(40)), Just(Share(50)), Just(Share(34))],
        seed in "[a-z]{0,4}",
    ) {
        let (r1, d1, r2, d2, r3, d3) = seats;
        let groups = groups(&[
            (THREE_THEMES[0], r1, d1),
            (THREE_THEMES[1], r2, d2),
            (THREE_THEMES[2], r3, d3),
        ]);
        let rules = Rules {
            max_seats_per_association: association_limit,
            max_seats_per_municipality: municipality_limit,
            min_share: Some(share),
        };
        let mut inst = instance(&groups, &candidates, rules);
        inst.seed = &seed;
        let outcome = select(&inst).unwrap();
        prop_assert!(outcome.objective.proven_optimal);
        prop_assert_eq!(key_of(&outcome), exhaustive(&inst));
        let assignment = assignment_of(&inst, &outcome);
        prop_assert!(keeps_rules(&inst, &assignment), "{:?}", outcome);
    }
}

/// Four themes of one representative and one deputy; women for the children's and the culture
/// representative seats only (score 4), a woman (5) for pensioners and a man (5) for sports,
/// either role. Four seats per role have a strict 40 % split, so the small-group reading does not
/// apply: three or four representatives would need two men, and one deputy alone is all one
/// gender. Two representatives, the pensioners' woman and the sports man, and no deputy. The
/// search needs more than one node to prove it.
fn themes_with_a_binding_balance() -> (Vec<SeatGroup>, Vec<Candidate>) {
    let groups = groups(&[
        (ThemeArea::ChildrenFamiliesYouth, 1, 1),
        (ThemeArea::Pensioners, 1, 1),
        (ThemeArea::Sports, 1, 1),
        (ThemeArea::Culture, 1, 1),
    ]);
    let candidates = vec![
        candidate(
            "a",
            ThemeArea::ChildrenFamiliesYouth,
            RolePreference::Representative,
            "a1",
            Gender::Woman,
            Some(4.0),
        ),
        candidate(
            "b",
            ThemeArea::Pensioners,
            RolePreference::Either,
            "b1",
            Gender::Woman,
            Some(5.0),
        ),
        candidate(
            "c",
            ThemeArea::Sports,
            RolePreference::Either,
            "c1",
            Gender::Man,
            Some(5.0),
        ),
        candidate(
            "d",
            ThemeArea::Culture,
            RolePreference::Representative,
            "d1",
            Gender::Woman,
            Some(4.0),
        ),
    ];
    (groups, candidates)
}

#[test]
fn a_search_cut_short_says_so_and_keeps_the_rules() {
    let (groups, candidates) = themes_with_a_binding_balance();
    let full = select(&instance(&groups, &candidates, Rules::default())).unwrap();
    assert!(full.objective.proven_optimal);
    assert!(
        full.objective.search_nodes > 1,
        "the instance no longer needs branching; the limited run below then tests nothing"
    );
    assert_eq!(full.groups[2].holders, vec![1]); // pensioners, representative
    assert_eq!(full.groups[4].holders, vec![2]); // sports, representative
    assert_eq!(
        (full.objective.representatives, full.objective.deputies),
        (2, 0)
    );

    let limited = select(&Instance {
        node_limit: 1,
        ..instance(&groups, &candidates, Rules::default())
    })
    .unwrap();
    assert!(!limited.objective.proven_optimal);
    assert_eq!(limited.objective.search_nodes, 1);
    let inst = instance(&groups, &candidates, Rules::default());
    assert!(keeps_rules(&inst, &assignment_of(&inst, &limited)));
    assert!(key_of(&limited) <= key_of(&full));
}

#[test]
fn fills_every_seat_even_with_negative_scores() {
    let g = groups(&[(ThemeArea::Sports, 1, 1)]);
    let c = [
        candidate(
            "a",
            ThemeArea::Sports,
            RolePreference::Either,
            "a1",
            Gender::Woman,
            Some(-2.0),
        ),
        candidate(
            "b",
            ThemeArea::Sports,
            RolePreference::Either,
            "b1",
            Gender::Man,
            Some(-1.5),
        ),
    ];
    let outcome = select(&instance(
        &g,
        &c,
        Rules {
            min_share: None,
            ..Rules::default()
        },
    ))
    .unwrap();
    assert_eq!(outcome.objective.representatives, 1);
    assert_eq!(outcome.objective.deputies, 1);
    // The higher score sits as representative.
    assert_eq!(outcome.groups[0].holders, vec![1]);
    assert_eq!(outcome.groups[1].holders, vec![0]);
}

#[test]
fn the_representative_outscores_the_deputy_wherever_preferences_allow() {
    let g = groups(&[(ThemeArea::Sports, 1, 1)]);
    let c = [
        candidate(
            "a",
            ThemeArea::Sports,
            RolePreference::Deputy,
            "a1",
            Gender::Woman,
            Some(2.0),
        ),
        candidate(
            "b",
            ThemeArea::Sports,
            RolePreference::Either,
            "b1",
            Gender::Man,
            Some(1.0),
        ),
    ];
    let outcome = select(&instance(
        &g,
        &c,
        Rules {
            min_share: None,
            ..Rules::default()
        },
    ))
    .unwrap();
    // a asked for a deputy seat only: b must be the representative.
    assert_eq!(outcome.groups[0].holders, vec![1]);
    assert_eq!(outcome.groups[1].holders, vec![0]);
}

#[test]
fn one_seat_per_association_by_default() {
    let g = groups(&[(ThemeArea::Sports, 1, 0), (ThemeArea::Culture, 1, 0)]);
    let c = [
        candidate(
            "a",
            ThemeArea::Sports,
            RolePreference::Either,
            "a1",
            Gender::Woman,
            Some(2.0),
        ),
        candidate(
            "b",
            ThemeArea::Culture,
            RolePreference::Either,
            "a1",
            Gender::Man,
            Some(2.0),
        ),
        candidate(
            "c",
            ThemeArea::Culture,
            RolePreference::Either,
            "b1",
            Gender::Man,
            Some(-1.0),
        ),
    ];
    let outcome = select(&instance(
        &g,
        &c,
        Rules {
            min_share: None,
            ..Rules::default()
        },
    ))
    .unwrap();
    assert_eq!(outcome.groups[0].holders, vec![0]);
    assert_eq!(outcome.groups[2].holders, vec![2]);
    let left = &outcome.left_out[0];
    assert_eq!(left.candidate, 1);
    assert_eq!(
        left.reasons,
        vec![LeftOutReason::Rule {
            rule: RuleKind::AssociationLimit,
            role: SeatRole::Representative,
            instead_of: Some(2)
        }]
    );
}

#[test]
fn too_few_women_leaves_a_seat_and_names_the_relaxation() {
    // Sports: three representative seats, only men applied; culture: two seats, one woman.
    let g = groups(&[(ThemeArea::Sports, 3, 0), (ThemeArea::Culture, 2, 0)]);
    let c = [
        candidate(
            "s1",
            ThemeArea::Sports,
            RolePreference::Either,
            "a1",
            Gender::Man,
            Some(1.0),
        ),
        candidate(
            "s2",
            ThemeArea::Sports,
            RolePreference::Either,
            "a2",
            Gender::Man,
            Some(0.5),
        ),
        candidate(
            "s3",
            ThemeArea::Sports,
            RolePreference::Either,
            "b1",
            Gender::Man,
            Some(0.0),
        ),
        candidate(
            "c1",
            ThemeArea::Culture,
            RolePreference::Either,
            "b2",
            Gender::Woman,
            Some(0.0),
        ),
        candidate(
            "c2",
            ThemeArea::Culture,
            RolePreference::Either,
            "c1",
            Gender::Man,
            Some(0.0),
        ),
    ];
    let outcome = select(&instance(&g, &c, Rules::default())).unwrap();
    // With one woman, at most one man per 1.5 women: 1 woman + 1 man (50 %) is the best.
    assert_eq!(outcome.fillable, (5, 0));
    assert!(outcome.objective.representatives < 5);
    let first = &outcome.relaxations[0];
    assert_eq!(
        first.changes,
        vec![RuleChange::GenderBalance {
            from: Share(40),
            to: Some(Share(20))
        }]
    );
    assert!(
        outcome
            .groups
            .iter()
            .flat_map(|g| &g.unfilled)
            .all(|r| matches!(
                r,
                UnfilledReason::BlockedByRules(rules) if rules.contains(&RuleKind::GenderBalance)
            ))
    );
}

#[test]
fn a_theme_without_applicants_needs_a_new_call() {
    let g = groups(&[(ThemeArea::Sports, 1, 1)]);
    let c = [candidate(
        "a",
        ThemeArea::Sports,
        RolePreference::Representative,
        "a1",
        Gender::Woman,
        Some(0.0),
    )];
    let outcome = select(&instance(
        &g,
        &c,
        Rules {
            min_share: None,
            ..Rules::default()
        },
    ))
    .unwrap();
    assert_eq!(
        outcome.groups[1].unfilled,
        vec![UnfilledReason::NoEligibleApplicant]
    );
    assert!(outcome.relaxations.is_empty());
}

#[test]
fn lots_decide_equal_scores_and_follow_the_seed() {
    let g = groups(&[(ThemeArea::Sports, 1, 0)]);
    let c: Vec<Candidate> = (0..6)
        .map(|i| {
            candidate(
                &format!("app-{i}"),
                ThemeArea::Sports,
                RolePreference::Either,
                &format!("a{i}"),
                Gender::Woman,
                Some(1.0),
            )
        })
        .collect();
    let winners: std::collections::BTreeSet<usize> =
        ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"]
            .iter()
            .map(|seed| {
                let mut inst = instance(
                    &g,
                    &c,
                    Rules {
                        min_share: None,
                        ..Rules::default()
                    },
                );
                inst.seed = seed;
                let outcome = select(&inst).unwrap();
                let winner = outcome.groups[0].holders[0];
                // The winner holds the highest lot.
                assert_eq!(outcome.lots[winner], 5);
                winner
            })
            .collect();
    assert!(winners.len() > 1, "different seeds draw different winners");
}

#[test]
fn share_parsing() {
    assert_eq!(Share::from_fraction(0.4), Some(Share(40)));
    assert_eq!(Share::from_fraction(0.33), Some(Share(33)));
    assert_eq!(Share::from_fraction(0.5), Some(Share(50)));
    assert_eq!(Share::from_fraction(0.0), Some(Share(0)));
    assert_eq!(Share::from_fraction(0.333), None);
    assert_eq!(Share::from_fraction(0.6), None);
    assert_eq!(Share::from_fraction(-0.1), None);
    assert!(Share(40).met_by(2, 5, 5));
    assert!(!Share(40).met_by(1, 5, 5));
    assert!(Share(40).met_by(0, 0, 0));
    // The most balanced split of a role of a size with no strict one (TAS/426/2010: of three,
    // at least one woman and one man); a single seat may go either way.
    assert!(Share(40).met_by(1, 3, 3));
    assert!(!Share(40).met_by(0, 3, 3));
    assert!(Share(40).met_by(0, 1, 1));
    assert!(Share(40).met_by(0, 1, 3));
    assert!(!Share(40).met_by(1, 4, 4));
    assert!(Share(50).met_by(2, 5, 5));
    assert!(!Share(50).met_by(1, 5, 5));
    // A large role keeps the strict share, however few of its holders are counted.
    assert!(!Share(40).met_by(1, 3, 16));
    assert!(!Share(40).met_by(0, 1, 16));
    let exceptional = |p: u32| {
        (1..=12)
            .filter(|&n| !Share(p).splits_strictly(n))
            .collect::<Vec<_>>()
    };
    assert_eq!(exceptional(40), [1, 3]);
    assert_eq!(exceptional(33), [1]);
    assert_eq!(exceptional(50), [1, 3, 5, 7, 9, 11]);
    // Wherever a strict split exists, the most balanced one meets the share: met_by is strict.
    for p in 0..=50 {
        for whole in 0..=40 {
            if Share(p).splits_strictly(whole) {
                for part in 0..=whole {
                    assert_eq!(Share(p).met_by(part, whole, whole), part * 100 >= p * whole);
                }
            }
        }
    }
}

#[test]
fn rules_broken_counts_each_rule() {
    let m = |association, municipality, gender, role| Member {
        association,
        municipality,
        gender,
        role,
    };
    let rules = Rules {
        max_seats_per_association: 1,
        max_seats_per_municipality: Some(2),
        min_share: Some(Share::DEFAULT),
    };
    let members = [
        m("A", "167", Gender::Woman, SeatRole::Representative),
        m("B", "167", Gender::Man, SeatRole::Representative),
    ];
    assert!(super::rules_broken(&members, rules).is_empty());
    let mut more = members.to_vec();
    more.push(m("A", "167", Gender::Man, SeatRole::Representative));
    // One woman of three is their most balanced split; one of four is under 40 %.
    assert_eq!(
        super::rules_broken(&more, rules),
        vec![RuleKind::AssociationLimit, RuleKind::MunicipalityLimit]
    );
    more.push(m("C", "168", Gender::Man, SeatRole::Representative));
    assert_eq!(
        super::rules_broken(&more, rules),
        vec![
            RuleKind::AssociationLimit,
            RuleKind::MunicipalityLimit,
            RuleKind::GenderBalance
        ]
    );
    // A woman replacing the woman keeps the rules; a man replacing her breaks the balance.
    let without = [members[1]];
    assert!(super::keeps_rules(
        &members,
        &without,
        m("C", "426", Gender::Woman, SeatRole::Representative),
        rules
    ));
    assert!(!super::keeps_rules(
        &members,
        &without,
        m("C", "426", Gender::Man, SeatRole::Representative),
        rules
    ));
    // Gender not given counts neither way: the one man left would be all of those counted (of
    // two holders, a size with a strict split).
    assert!(!super::keeps_rules(
        &members,
        &without,
        m("C", "426", Gender::Undisclosed, SeatRole::Representative),
        rules
    ));
}

#[test]
fn breaches_name_who_and_added_ones_are_told_apart() {
    use super::{Breach, added_breaches, breaches, keeps_rules};
    let m = |association, gender, role| Member {
        association,
        municipality: "167",
        gender,
        role,
    };
    let rules = Rules {
        max_seats_per_association: 1,
        max_seats_per_municipality: None,
        min_share: Some(Share::DEFAULT),
    };
    // A composition already breaking both rules: association A holds two seats and one
    // representative of four is a woman.
    let before = [
        m("A", Gender::Woman, SeatRole::Representative),
        m("A", Gender::Man, SeatRole::Representative),
        m("B", Gender::Man, SeatRole::Representative),
        m("G", Gender::Man, SeatRole::Representative),
        m("C", Gender::Woman, SeatRole::Deputy),
        m("D", Gender::Man, SeatRole::Deputy),
    ];
    let found = breaches(&before, rules);
    assert_eq!(
        found,
        vec![
            Breach::Association {
                business_id: "A",
                held: 2,
                limit: 1
            },
            Breach::Balance {
                role: SeatRole::Representative,
                gender: Gender::Woman,
                part: 1,
                whole: 4,
                share: Share::DEFAULT
            },
        ]
    );
    // The same breaches again add nothing; another association over the limit does, and so
    // does fewer women among the representatives.
    assert!(added_breaches(&found, breaches(&before, rules)).is_empty());
    let mut worse = before.to_vec();
    worse[4] = m("B", Gender::Woman, SeatRole::Deputy);
    worse[0] = m("E", Gender::Man, SeatRole::Representative);
    let added = added_breaches(&found, breaches(&worse, rules));
    assert_eq!(
        added.iter().map(Breach::rule).collect::<Vec<_>>(),
        vec![RuleKind::AssociationLimit, RuleKind::GenderBalance],
        "{added:?}"
    );
    assert!(matches!(
        added[0],
        Breach::Association {
            business_id: "B",
            ..
        }
    ));
    assert!(matches!(
        added[1],
        Breach::Balance {
            part: 0,
            whole: 4,
            ..
        }
    ));
    // A replacement may not make a broken rule worse: a man for the woman representative, or a
    // second seat for association B, is refused; a woman from another association is taken.
    let without: Vec<Member<'_>> = before.iter().copied().skip(1).collect();
    assert!(!keeps_rules(
        &before,
        &without,
        m("F", Gender::Man, SeatRole::Representative),
        rules
    ));
    assert!(!keeps_rules(
        &before,
        &without,
        m("B", Gender::Woman, SeatRole::Representative),
        rules
    ));
    assert!(keeps_rules(
        &before,
        &without,
        m("F", Gender::Woman, SeatRole::Representative),
        rules
    ));
}

/// The home municipality of each generated seated member's association, as `candidate` gives it.
fn home_municipalities(seated: &[(&str, Gender, SeatRole)]) -> Vec<String> {
    seated
        .iter()
        .map(|(a, _, _)| format!("m-{}", &a[..1]))
        .collect()
}

fn members_of<'a>(
    seated: &[(&'a str, Gender, SeatRole)],
    municipalities: &'a [String],
) -> Vec<Member<'a>> {
    seated
        .iter()
        .zip(municipalities)
        .map(|(&(association, gender, role), municipality)| Member {
            association,
            municipality,
            gender,
            role,
        })
        .collect()
}

/// Seated members as generated: association, gender, role.
fn arb_seated() -> impl Strategy<Value = Vec<(&'static str, Gender, SeatRole)>> {
    proptest::collection::vec(
        (
            prop_oneof![Just("a1"), Just("b1"), Just("c2"), Just("d1")],
            prop_oneof![Just(Gender::Woman), Just(Gender::Man), Just(Gender::Other)],
            prop_oneof![Just(SeatRole::Representative), Just(SeatRole::Deputy)],
        ),
        0..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// With members already seated by earlier calls, the optimum still equals an exhaustive
    /// search that counts them in every rule, and the result keeps the rules whenever any
    /// assignment can.
    #[test]
    fn seated_members_count_in_every_rule(
        groups in arb_groups(),
        candidates in arb_candidates(6),
        rules in arb_rules(),
        seated in arb_seated(),
    ) {
        let municipalities = home_municipalities(&seated);
        let members = members_of(&seated, &municipalities);
        let mut inst = instance(&groups, &candidates, rules);
        inst.seated = &members;
        let outcome = select(&inst).unwrap();
        prop_assert!(outcome.objective.proven_optimal);
        prop_assert_eq!(key_of(&outcome), exhaustive(&inst));
        if exhaustive_feasible(&inst).is_some() {
            let assignment = assignment_of(&inst, &outcome);
            prop_assert!(keeps_rules(&inst, &assignment), "{:?}", outcome);
        }
    }
}

#[test]
fn seated_members_count_against_the_limits_and_the_balance() {
    let g = groups(&[(ThemeArea::Sports, 2, 0)]);
    let c = [
        candidate(
            "s1",
            ThemeArea::Sports,
            RolePreference::Either,
            "a1",
            Gender::Man,
            Some(3.0),
        ),
        candidate(
            "s2",
            ThemeArea::Sports,
            RolePreference::Either,
            "b1",
            Gender::Man,
            Some(2.0),
        ),
        candidate(
            "s3",
            ThemeArea::Sports,
            RolePreference::Either,
            "b2",
            Gender::Woman,
            Some(0.5),
        ),
        candidate(
            "s4",
            ThemeArea::Sports,
            RolePreference::Either,
            "c1",
            Gender::Woman,
            Some(0.1),
        ),
    ];
    let alone = select(&instance(&g, &c, Rules::default())).unwrap();
    // Counted alone, the call takes its best man and its best woman.
    assert_eq!(alone.groups[0].holders, vec![0, 2]);

    // Two men already sit as representatives, one of them from s1's association: s1 may not
    // join, and four representatives need two women.
    let seated = [
        Member {
            association: "a1",
            municipality: "m-a",
            gender: Gender::Man,
            role: SeatRole::Representative,
        },
        Member {
            association: "x1",
            municipality: "m-x",
            gender: Gender::Man,
            role: SeatRole::Representative,
        },
    ];
    let mut inst = instance(&g, &c, Rules::default());
    inst.seated = &seated;
    let outcome = select(&inst).unwrap();
    assert_eq!(outcome.groups[0].holders, vec![2, 3]);
    assert!(outcome.relaxations.is_empty());
    let s1 = outcome.left_out.iter().find(|l| l.candidate == 0).unwrap();
    assert!(
        s1.reasons.iter().any(|r| matches!(
            r,
            LeftOutReason::Rule {
                rule: RuleKind::AssociationLimit,
                ..
            }
        )),
        "{:?}",
        s1.reasons
    );
}

#[test]
fn seated_members_who_break_the_balance_leave_nothing_that_mends_it() {
    // Three men sit as representatives; only a man applies for the one seat left.
    let g = groups(&[(ThemeArea::Sports, 1, 0)]);
    let c = [candidate(
        "s1",
        ThemeArea::Sports,
        RolePreference::Either,
        "a1",
        Gender::Man,
        Some(1.0),
    )];
    let man = |association| Member {
        association,
        municipality: "m-x",
        gender: Gender::Man,
        role: SeatRole::Representative,
    };
    let seated = [man("x1"), man("x2"), man("x3")];
    let mut inst = instance(&g, &c, Rules::default());
    inst.seated = &seated;
    let outcome = select(&inst).unwrap();
    assert_eq!(outcome.objective.representatives, 0);
    assert_eq!(
        outcome.relaxations[0].changes,
        vec![RuleChange::GenderBalance {
            from: Share(40),
            to: None
        }]
    );
}

/// The relaxation probes' floor separates seat counts exactly, at the extremes the packing
/// allows (every holder at the clamped highest or lowest score and lot): an assignment that
/// fills (R, D) is worth more than the floor of (R, D) even at its lowest, and one that fills a
/// deputy seat fewer, or a representative seat fewer and every deputy seat, is not even at its
/// highest.
#[test]
fn the_floor_of_fills_separates_seat_counts_at_the_packings_extremes() {
    let g = groups(&[(ThemeArea::Sports, 2, 2), (ThemeArea::Culture, 1, 1)]);
    let c: Vec<Candidate> = (0..5)
        .map(|i| {
            candidate(
                &format!("app-{i}"),
                if i % 2 == 0 {
                    ThemeArea::Sports
                } else {
                    ThemeArea::Culture
                },
                RolePreference::Either,
                ["a1", "a2", "a3", "a4", "a5"][i],
                Gender::Woman,
                Some(1.0),
            )
        })
        .collect();
    let prepared = prepare(&instance(&g, &c, Rules::default())).unwrap();
    let problem = &prepared.problem;
    let (seats, n) = (6i128, c.len() as i128);
    // The packing's bound on one holder's value, stated independently of `prepare`.
    let most = i128::from(SCORE_CLAMP + 1) * (seats * n + 1) + n;
    let [t0, t1] = problem.tiers;
    for reps in 0..=3u32 {
        for deps in 0..=3u32 {
            let floor = problem.floor_of_fills((reps, deps));
            let (r, d) = (i128::from(reps), i128::from(deps));
            let held = r + d;
            assert!(
                r * t0 + d * t1 - held * most > floor,
                "({reps}, {deps}) at its lowest"
            );
            if deps > 0 {
                assert!(
                    r * t0 + (d - 1) * t1 + seats * most <= floor,
                    "a deputy fewer"
                );
            }
            if reps > 0 {
                assert!(
                    (r - 1) * t0 + 3 * t1 + seats * most <= floor,
                    "a representative fewer"
                );
            }
        }
    }
}

/// The holders `picks` names, as an assignment of the instance's candidates.
fn assignment_of_picks(n: usize, picks: &[search::Pick]) -> Vec<Option<SeatRole>> {
    let mut assignment = vec![None; n];
    for &(app, role) in picks {
        assignment[app as usize] = Some(if role == REPRESENTATIVE {
            SeatRole::Representative
        } else {
            SeatRole::Deputy
        });
    }
    assignment
}

fn picks_of(assignment: &[Option<SeatRole>]) -> Vec<search::Pick> {
    assignment
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.map(|r| {
                let role = match r {
                    SeatRole::Representative => REPRESENTATIVE,
                    SeatRole::Deputy => DEPUTY,
                };
                (i as u32, role)
            })
        })
        .collect()
}

/// Two themes of one representative and one deputy, each with a woman and a man open to either
/// role, the higher score a woman in sports and a man in culture. Seating the lower-scored of
/// each as representatives keeps the balance (a woman and a man in each role), and so does
/// seating the higher-scored; neither swap alone does (two women or two men as representatives).
#[test]
fn the_higher_scored_holders_move_up_together_where_one_swap_alone_breaks_the_balance() {
    let g = groups(&[(ThemeArea::Sports, 1, 1), (ThemeArea::Culture, 1, 1)]);
    let c = [
        ("a", ThemeArea::Sports, Gender::Woman, 2.0),
        ("b", ThemeArea::Sports, Gender::Man, 1.0),
        ("c", ThemeArea::Culture, Gender::Man, 2.0),
        ("d", ThemeArea::Culture, Gender::Woman, 1.0),
    ]
    .map(|(key, theme, gender, score)| {
        let association = format!("{key}1");
        candidate(
            key,
            theme,
            RolePreference::Either,
            &association,
            gender,
            Some(score),
        )
    });
    let inst = instance(&g, &c, Rules::default());
    let best = vec![
        Some(SeatRole::Representative),
        Some(SeatRole::Deputy),
        Some(SeatRole::Representative),
        Some(SeatRole::Deputy),
    ];
    assert_eq!(assignment_of(&inst, &select(&inst).unwrap()), best);

    // From the split the search could as well have ended at.
    let prepared = prepare(&inst).unwrap();
    let mut picks = picks_of(&[
        Some(SeatRole::Deputy),
        Some(SeatRole::Representative),
        Some(SeatRole::Deputy),
        Some(SeatRole::Representative),
    ]);
    roles::split_roles(&prepared.problem, &mut picks, inst.rules.min_share);
    assert_eq!(assignment_of_picks(c.len(), &picks), best);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// Among every split of the run's holders between the roles that keeps the rules and the
    /// number of representatives, the run's has the highest score (then lots) in the
    /// representative seats; and starting from any of those splits gives the run's split, so it
    /// does not depend on where the search ended.
    #[test]
    fn the_role_split_is_the_best_of_the_holders_and_the_same_from_any_start(
        seats in (1u32..=3, 1u32..=3, 1u32..=3, 1u32..=3, 0u32..=2, 0u32..=2),
        candidates in (8usize..=11).prop_flat_map(|n| (0..n).map(arb_either_candidate).collect::<Vec<_>>()),
        share in prop_oneof![
            1 => Just(None),
            2 => Just(Some(Share(40))),
            1 => Just(Some(Share(50))),
            1 => Just(Some(Share(34))),
        ],
        seed in "[a-z]{0,4}",
        seated in arb_seated(),
    ) {
        let (r1, d1, r2, d2, r3, d3) = seats;
        let groups = groups(&[
            (THREE_THEMES[0], r1, d1),
            (THREE_THEMES[1], r2, d2),
            (THREE_THEMES[2], r3, d3),
        ]);
        let rules = Rules {
            max_seats_per_association: 3,
            max_seats_per_municipality: None,
            min_share: share,
        };
        let municipalities = home_municipalities(&seated);
        let members = members_of(&seated, &municipalities);
        let mut inst = instance(&groups, &candidates, rules);
        inst.seed = &seed;
        inst.seated = &members;
        let outcome = select(&inst).unwrap();
        let chosen = assignment_of(&inst, &outcome);
        if !keeps_rules(&inst, &chosen) {
            // The seated alone break the balance and nothing mends it: nothing to split.
            prop_assert!(chosen.iter().all(Option::is_none));
            return Ok(());
        }
        let representatives = |a: &[Option<SeatRole>]| {
            a.iter().filter(|r| **r == Some(SeatRole::Representative)).count()
        };
        let keys: Vec<&str> = candidates.iter().map(|c| c.key.as_str()).collect();
        let lots = draw_lots(&seed, &keys);
        // Σ score units, then Σ lots, of the representatives.
        let up = |a: &[Option<SeatRole>]| -> (i64, u64) {
            a.iter().enumerate().filter(|(_, r)| **r == Some(SeatRole::Representative)).fold(
                (0, 0),
                |(s, l), (i, _)| (s + quantized_score(candidates[i].score), l + u64::from(lots[i])),
            )
        };
        let open_to_both = |i: usize| {
            let c = &candidates[i];
            c.preference == RolePreference::Either
                && groups.iter().filter(|g| g.theme == c.theme && g.seats > 0).count() == 2
        };
        let flexible: Vec<usize> = (0..candidates.len())
            .filter(|&i| chosen[i].is_some() && open_to_both(i))
            .collect();
        let prepared = prepare(&inst).unwrap();
        let mut best = None;
        for code in 0..1usize << flexible.len() {
            let mut other = chosen.clone();
            for (bit, &i) in flexible.iter().enumerate() {
                other[i] = Some(if code >> bit & 1 == 1 {
                    SeatRole::Representative
                } else {
                    SeatRole::Deputy
                });
            }
            if representatives(&other) != representatives(&chosen) || !keeps_rules(&inst, &other) {
                continue;
            }
            best = best.max(Some(up(&other)));
            let mut picks = picks_of(&other);
            roles::split_roles(&prepared.problem, &mut picks, rules.min_share);
            prop_assert_eq!(assignment_of_picks(candidates.len(), &picks), chosen.clone(), "from {:?}", other);
        }
        prop_assert_eq!(best, Some(up(&chosen)));
    }
}

/// Groups of 1 to 8 seats in one role, the balance rule at the shares where small groups have
/// no strict split; up to nine applicants, so that each size can be filled, left short, or
/// filled only by a most balanced split.
fn arb_sized_groups() -> impl Strategy<Value = Vec<SeatGroup>> {
    (1u32..=8, 0u32..=8, 0u32..=2).prop_map(|(size, first, deputies)| {
        let first = first.min(size);
        groups(&[(THEMES[0], first, deputies), (THEMES[1], size - first, 0)])
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 250, ..ProptestConfig::default() })]

    /// The optimum with the small-group balance rule equals an exhaustive search over every
    /// assignment that `Share::met_by` accepts, for role groups of 1 to 8 seats, and a
    /// relaxation probe answers as the exhaustive search does.
    #[test]
    fn small_groups_keep_the_most_balanced_split_as_an_exhaustive_search(
        groups in arb_sized_groups(),
        candidates in arb_candidates(9),
        share in prop_oneof![Just(Share(40)), Just(Share(50)), Just(Share(45))],
        max_per_association in 1u32..=3,
        seed in "[a-z]{0,4}",
    ) {
        let rules = Rules {
            max_seats_per_association: max_per_association,
            max_seats_per_municipality: None,
            min_share: Some(share),
        };
        let mut inst = instance(&groups, &candidates, rules);
        inst.seed = &seed;
        let outcome = select(&inst).unwrap();
        prop_assert!(outcome.objective.proven_optimal);
        prop_assert_eq!(key_of(&outcome), exhaustive(&inst));
        let assignment = assignment_of(&inst, &outcome);
        prop_assert!(keeps_rules(&inst, &assignment), "{:?}", outcome);
        let probes = Probes { instance: &inst, fillable: outcome.fillable, nodes_left: Cell::new(DEFAULT_NODE_LIMIT) };
        let Ok(answer) = probes.fills_all(rules) else {
            panic!("a small probe reached the node limit");
        };
        let (representatives, deputies, _, _) = exhaustive(&inst);
        prop_assert_eq!(answer, (representatives, deputies) == outcome.fillable);
    }
}

/// The Ombudsman's reading for three seats: two women and a man fill a three-seat role without
/// a relaxation, and three men leave a seat empty and name the share that would fill it.
#[test]
fn three_seats_take_two_women_and_a_man_but_not_three_men() {
    let seats = groups(&[(THEMES[0], 3, 0)]);
    let people = |genders: [Gender; 3]| -> Vec<Candidate> {
        genders
            .iter()
            .enumerate()
            .map(|(i, &g)| {
                let association = ["a1", "b1", "c1"][i];
                candidate(
                    &format!("app-{i}"),
                    THEMES[0],
                    RolePreference::Either,
                    association,
                    g,
                    Some(1.0 - i as f64),
                )
            })
            .collect()
    };
    let mixed = people([Gender::Woman, Gender::Woman, Gender::Man]);
    let outcome = select(&instance(&seats, &mixed, Rules::default())).unwrap();
    assert_eq!(outcome.objective.representatives, 3);
    assert!(outcome.relaxations.is_empty());

    let men = people([Gender::Man, Gender::Man, Gender::Man]);
    let outcome = select(&instance(&seats, &men, Rules::default())).unwrap();
    // Two men are no woman of two, short of 40 %; one man alone (a whole of one) keeps it.
    assert_eq!(outcome.objective.representatives, 1);
    assert_eq!(
        outcome.relaxations[0].changes,
        vec![RuleChange::GenderBalance {
            from: Share(40),
            to: None
        }]
    );
}
