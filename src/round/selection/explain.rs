//! A run's outcome as the committee reads it: the seats, the empty seats and why, who was left out
//! and why, the smallest relaxation of the rules, in Finnish, Swedish and English, to be read
//! aloud at the meeting. The reasons are the solver's (`domain::selection`); this module words
//! them and builds the stored record of the run.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::RunInput;
use super::record::{
    AssignmentRecord, ExplanationRecord, FORMAT, ObjectiveRecord, RelaxationRecord,
    RuleChangeRecord, RunRecord, Texts, UnfilledRecord,
};
use crate::domain::application::Gender;
use crate::domain::localized::Language;
use crate::domain::reference::NORTH_KARELIA_MUNICIPALITIES;
use crate::domain::seat_plan::SeatRole;
use crate::domain::selection::{
    self, Breach, Constraints, LeftOut, LeftOutReason, Outcome, RuleChange, RuleKind, SeatGroup,
    Share, UnfilledReason,
};
use crate::domain::theme::ThemeArea;
use crate::ids::{SeatId, SelectionRunId};
use crate::store::applications::Application;

/// The published rule that orders equal outcomes.
pub const TIE_RULE: &str = "Seats are filled to fill the most representative seats, then the most deputy seats, then \
to reach the highest total selection score (rounded to 0.0001). Among equal totals, the higher sum of lots wins: \
each application's lot is the rank of SHA-256(seed + \"\\n\" + application id) among the call's applications, \
the higher digest the higher lot. Within a theme, the higher-scored holder sits as representative wherever role \
preferences and the balance rule allow.";

pub fn name_of(a: &Application) -> String {
    format!("{} {}", a.candidate.first_name, a.candidate.last_name)
}

/// Where application `i` stands, in words a committee reads aloud: its rank in its theme and the
/// mean of its reviews on the rubric's 0–100 scale. (The selection compares normalised scores,
/// means of each reviewer's z-scores, which mean nothing read out; the rank follows them.)
fn standing(input: &RunInput, i: usize) -> [String; 3] {
    let ranked = &input.input.applications[i];
    let theme = ranked.application.theme;
    let in_theme = input
        .input
        .applications
        .iter()
        .filter(|a| a.application.theme == theme)
        .count()
        .max(ranked.rank);
    let rank = ranked.rank;
    let place = if ranked.tied {
        [
            format!("jaettu sija {rank}/{in_theme} teemassa"),
            format!("delad plats {rank} av {in_theme} i temat"),
            format!("tied {rank} of {in_theme} in the theme"),
        ]
    } else {
        [
            format!("sija {rank}/{in_theme} teemassa"),
            format!("plats {rank} av {in_theme} i temat"),
            format!("ranked {rank} of {in_theme} in the theme"),
        ]
    };
    let mean = ranked
        .aggregate
        .as_ref()
        .and_then(|a| a.weighted_mean.map(|m| (m, a.reviews)));
    let [pfi, psv, pen] = place;
    match mean {
        Some((mean, reviews)) => {
            let mean = mean.round();
            let (fi, sv, en) = if reviews == 1 {
                ("arvio", "bedömning", "review")
            } else {
                ("arviota", "bedömningar", "reviews")
            };
            [
                format!("{pfi}, arvioiden keskiarvo {mean}/100 ({reviews} {fi})"),
                format!("{psv}, medeltal {mean}/100 ({reviews} {sv})"),
                format!("{pen}, mean score {mean}/100 ({reviews} {en})"),
            ]
        }
        None => [
            format!("{pfi}, ei arvioita"),
            format!("{psv}, inga bedömningar"),
            format!("{pen}, no reviews"),
        ],
    }
}

fn theme_names(theme: ThemeArea) -> [String; 3] {
    let n = theme.name();
    [
        n.get(Language::Fi).to_owned(),
        n.get(Language::Sv).to_owned(),
        n.get(Language::En).to_owned(),
    ]
}

fn role_names(role: SeatRole) -> [&'static str; 3] {
    match role {
        SeatRole::Representative => ["edustaja", "representant", "representative"],
        SeatRole::Deputy => ["varaedustaja", "suppleant", "deputy"],
    }
}

fn rule_names(rule: RuleKind) -> [&'static str; 3] {
    match rule {
        RuleKind::AssociationLimit => [
            "yhdistyskohtainen paikkaraja",
            "gränsen för platser per förening",
            "the limit of seats per association",
        ],
        RuleKind::MunicipalityLimit => [
            "kuntakohtainen paikkaraja",
            "gränsen för platser per kommun",
            "the limit of seats per municipality",
        ],
        RuleKind::GenderBalance => [
            "tasa-arvolain 4 a §:n sukupuolikiintiö",
            "jämställdhetslagens kvot (4 a §)",
            "the gender balance rule (Equality Act 4 a §)",
        ],
    }
}

fn role_plural(role: SeatRole) -> &'static str {
    match role {
        SeatRole::Representative => "representatives",
        SeatRole::Deputy => "deputies",
    }
}

/// A breach as the decision reports it: who breaks which limit, by how much.
pub fn breach_detail(breach: &Breach<'_>, association_names: &BTreeMap<&str, &str>) -> String {
    let rule = rule_names(breach.rule())[2];
    match *breach {
        Breach::Association {
            business_id,
            held,
            limit,
        } => {
            let name = association_names
                .get(business_id)
                .copied()
                .unwrap_or(business_id);
            format!("{name} ({business_id}) would hold {held} seats; {rule} is {limit}")
        }
        Breach::Municipality { code, held, limit } => {
            let name = NORTH_KARELIA_MUNICIPALITIES
                .iter()
                .find(|m| m.code == code)
                .map_or(code, |m| m.fi);
            format!("associations of {name} ({code}) would hold {held} seats; {rule} is {limit}")
        }
        Breach::Balance {
            role,
            gender,
            part,
            whole,
            share,
        } => {
            let who = if gender == Gender::Woman {
                "women"
            } else {
                "men"
            };
            format!(
                "{part} of the {whole} {} who gave their gender would be {who}; {rule} asks for at least {} %",
                role_plural(role),
                share.percent()
            )
        }
    }
}

fn explanation(
    kind: &str,
    seat_id: Option<SeatId>,
    application_id: Option<crate::ids::ApplicationId>,
    codes: Vec<String>,
    [fi, sv, en]: [String; 3],
) -> ExplanationRecord {
    ExplanationRecord {
        kind: kind.into(),
        seat_id,
        application_id,
        codes,
        text: Texts { fi, sv, en },
    }
}

/// Why a seat stays empty: the code, the rules, whether a new call is needed, and the texts.
fn unfilled_reason(
    group: &SeatGroup,
    reason: &UnfilledReason,
) -> (&'static str, Vec<String>, bool, [String; 3]) {
    let [tfi, tsv, ten] = theme_names(group.theme);
    let [rfi, rsv, ren] = role_names(group.role);
    match reason {
        UnfilledReason::NoEligibleApplicant => (
            "no_eligible_applicant",
            Vec::new(),
            true,
            [
                format!("{tfi}, {rfi}: ei kelpoista hakijaa – teemaan tarvitaan uusi haku."),
                format!(
                    "{tsv}, {rsv}: ingen behörig sökande – temat behöver en ny ansökningsomgång."
                ),
                format!("{ten}, {ren}: no eligible applicant – the theme needs a new call."),
            ],
        ),
        UnfilledReason::BlockedByRules(rules) => {
            let names = |k: usize| {
                rules
                    .iter()
                    .map(|r| rule_names(*r)[k])
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (
                "blocked_by_rules",
                rules.iter().map(|r| r.as_str().to_owned()).collect(),
                false,
                [
                    format!(
                        "{tfi}, {rfi}: paikka jää tyhjäksi, koska jokainen hakija rikkoisi säännön: {}.",
                        names(0)
                    ),
                    format!(
                        "{tsv}, {rsv}: platsen förblir tom, eftersom varje sökande skulle bryta mot regeln: {}.",
                        names(1)
                    ),
                    format!(
                        "{ten}, {ren}: the seat stays empty because every applicant would break {}.",
                        names(2)
                    ),
                ],
            )
        }
        UnfilledReason::SearchLimit => (
            "search_limit",
            Vec::new(),
            false,
            [
                format!(
                    "{tfi}, {rfi}: haku pysähtyi rajaansa ennen kuin se ehti täyttää tai perustella paikan."
                ),
                format!(
                    "{tsv}, {rsv}: sökningen stannade vid sin gräns innan platsen kunde fyllas eller motiveras."
                ),
                format!(
                    "{ten}, {ren}: the search stopped at its limit before it could fill or explain the seat."
                ),
            ],
        ),
    }
}

/// One reason an applicant was left out: its code and its words in fi, sv and en.
fn left_out_reason(input: &RunInput, reason: &LeftOutReason) -> (String, [String; 3]) {
    match reason {
        LeftOutReason::NoSeat => (
            "no_seat".into(),
            [
                "teemassa ei ole paikkaa haetussa roolissa".into(),
                "temat har ingen plats i den sökta rollen".into(),
                "the theme has no seat in the role applied for".into(),
            ],
        ),
        LeftOutReason::Outscored {
            higher_scored_holders: n,
        } => (
            "outscored".into(),
            [
                format!("teeman paikat saivat paremmin sijoittuneet hakijat ({n})"),
                format!("temats platser gick till sökande som rankades högre ({n})"),
                format!("the theme's seats went to higher-ranked applicants ({n})"),
            ],
        ),
        LeftOutReason::Rule {
            rule,
            role,
            instead_of,
        } => {
            let [nfi, nsv, nen] = rule_names(*rule);
            let [rfi, rsv, ren] = role_names(*role);
            let texts = match instead_of {
                Some(h) => {
                    // Finnish inflects names unpredictably: the holder is named in the
                    // nominative, as the subject of a clause of their own.
                    let other = name_of(&input.input.applications[*h].application);
                    [
                        format!(
                            "jos hakija saisi {rfi}n paikan, jonka nyt saa {other}, rikkoutuisi sääntö: {nfi}"
                        ),
                        format!("platsen som {rsv} i stället för {other} skulle bryta mot {nsv}"),
                        format!("the {ren} seat instead of {other} would break {nen}"),
                    ]
                }
                None => [
                    format!("vapaa {rfi}n paikka rikkoisi säännön: {nfi}"),
                    format!("den lediga platsen som {rsv} skulle bryta mot {nsv}"),
                    format!("the empty {ren} seat would break {nen}"),
                ],
            };
            (rule.as_str().to_owned(), texts)
        }
        LeftOutReason::SearchLimit => (
            "search_limit".into(),
            [
                "haku pysähtyi rajaansa".into(),
                "sökningen stannade vid sin gräns".into(),
                "the search stopped at its limit".into(),
            ],
        ),
    }
}

fn left_out_explanation(input: &RunInput, left: &LeftOut) -> ExplanationRecord {
    let a = &input.input.applications[left.candidate].application;
    let who = format!("{} ({})", name_of(a), a.association.name);
    let [sfi, ssv, sen] = standing(input, left.candidate);
    let mut codes = Vec::new();
    let mut words: [Vec<String>; 3] = Default::default();
    for reason in &left.reasons {
        let (code, texts) = left_out_reason(input, reason);
        codes.push(code);
        for (list, text) in words.iter_mut().zip(texts) {
            list.push(text);
        }
    }
    let [fi, sv, en] = words.map(|w| w.join("; "));
    explanation(
        "left_out",
        None,
        Some(a.id.clone()),
        codes,
        [
            format!("{who}: {sfi}; ei valittu: {fi}."),
            format!("{who}: {ssv}; inte vald: {sv}."),
            format!("{who}: {sen}; not selected: {en}."),
        ],
    )
}

fn change_record(change: &RuleChange) -> RuleChangeRecord {
    match *change {
        RuleChange::AssociationLimit { from, to } => RuleChangeRecord {
            constraint: "max_seats_per_association".into(),
            from: json!(from),
            to: json!(to),
        },
        RuleChange::MunicipalityLimit { from, to } => RuleChangeRecord {
            constraint: "max_seats_per_municipality".into(),
            from: json!(from),
            to: json!(to),
        },
        RuleChange::GenderBalance { from, to } => RuleChangeRecord {
            constraint: "gender_balance.min_share".into(),
            from: json!(from.fraction()),
            to: json!(to.map(Share::fraction)),
        },
    }
}

/// A change of a rule in words, per language: "yhdistyskohtainen paikkaraja 1 → 2".
fn change_words(change: &RuleChange) -> [String; 3] {
    let limit = |l: Option<u32>| {
        [
            l.map_or_else(|| "ei rajaa".to_owned(), |l| l.to_string()),
            l.map_or_else(|| "ingen gräns".to_owned(), |l| l.to_string()),
            l.map_or_else(|| "no limit".to_owned(), |l| l.to_string()),
        ]
    };
    let share = |s: Option<Share>| {
        [
            s.map_or_else(
                || "ei kiintiötä".to_owned(),
                |s| format!("{} %", s.percent()),
            ),
            s.map_or_else(|| "ingen kvot".to_owned(), |s| format!("{} %", s.percent())),
            s.map_or_else(|| "no quota".to_owned(), |s| format!("{} %", s.percent())),
        ]
    };
    let (rule, from, to) = match *change {
        RuleChange::AssociationLimit { from, to } => (
            RuleKind::AssociationLimit,
            limit(Some(from)),
            limit(Some(to)),
        ),
        RuleChange::MunicipalityLimit { from, to } => {
            (RuleKind::MunicipalityLimit, limit(Some(from)), limit(to))
        }
        RuleChange::GenderBalance { from, to } => {
            (RuleKind::GenderBalance, share(Some(from)), share(to))
        }
    };
    let names = rule_names(rule);
    [0, 1, 2].map(|k| format!("{} {} → {}", names[k], from[k], to[k]))
}

fn relaxation_explanation(r: &RelaxationRecord, changes: &[RuleChange]) -> ExplanationRecord {
    let words: Vec<[String; 3]> = changes.iter().map(change_words).collect();
    let list = |k: usize| {
        words
            .iter()
            .map(|w| w[k].clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (lfi, lsv, len) = (list(0), list(1), list(2));
    explanation(
        "relaxation",
        None,
        None,
        r.changes.iter().map(|c| c.constraint.clone()).collect(),
        [
            format!(
                "Kaikki täytettävissä olevat paikat täyttyisivät, jos sääntöä muutetaan: {lfi}."
            ),
            format!("Alla platser som kan fyllas skulle fyllas om regeln ändras: {lsv}."),
            format!(
                "Every seat that can be filled would be filled with this change of the rules: {len}."
            ),
        ],
    )
}

fn search_limit_explanations(outcome: &Outcome) -> Vec<ExplanationRecord> {
    let nodes = outcome.objective.search_nodes;
    let mut found = Vec::new();
    if outcome.relaxations_cut_short {
        found.push(explanation(
            "search_limit",
            None,
            None,
            vec!["search_limit".into(), "relaxation".into()],
            [
                format!("Valinta on paras mahdollinen, mutta haku pysähtyi {nodes} vaiheen rajaan ennen kuin löytyi pienin sääntöjen muutos, jolla kaikki täytettävissä olevat paikat täyttyisivät."),
                format!("Urvalet är det bästa möjliga, men sökningen stannade vid gränsen på {nodes} steg innan den minsta ändring av reglerna som skulle fylla alla platser som kan fyllas hittades."),
                format!("The selection is the best possible, but the search stopped at its limit of {nodes} steps before it found the smallest change of the rules that would fill every seat that can be filled."),
            ],
        ));
    }
    if !outcome.objective.proven_optimal {
        found.push(explanation(
            "search_limit",
            None,
            None,
            vec!["search_limit".into()],
            [
                format!("Haku pysähtyi {nodes} vaiheen rajaan ennen kuin se osoitti, ettei parempaa valintaa ole: tämä on paras löydetty valinta, ei välttämättä paras mahdollinen."),
                format!("Sökningen stannade vid gränsen på {nodes} steg innan den visat att inget bättre urval finns: detta är det bästa urval som hittades, inte nödvändigtvis det bästa möjliga."),
                format!("The search stopped at its limit of {nodes} steps before it showed that no better selection exists: this is the best selection found, not necessarily the best possible."),
            ],
        ));
    }
    found
}

/// The seats filled and left empty, group by group, with their explanations.
fn seats(
    input: &RunInput,
    outcome: &Outcome,
) -> (
    Vec<AssignmentRecord>,
    Vec<UnfilledRecord>,
    Vec<ExplanationRecord>,
) {
    let (mut assignments, mut unfilled, mut explanations) = (Vec::new(), Vec::new(), Vec::new());
    for (g, group) in input.input.groups.iter().enumerate() {
        let mut seat_ids = input
            .input
            .seats
            .iter()
            .filter(|s| s.theme == group.theme && s.role == group.role)
            .map(|s| s.id.clone());
        let [tfi, tsv, ten] = theme_names(group.theme);
        let [rfi, rsv, ren] = role_names(group.role);
        for &i in &outcome.groups[g].holders {
            let seat_id = seat_ids.next().expect("a seat per holder");
            let a = &input.input.applications[i].application;
            let score = input.input.candidates[i].score;
            let who = format!("{} ({})", name_of(a), a.association.name);
            let [sfi, ssv, sen] = standing(input, i);
            explanations.push(explanation(
                "seat",
                Some(seat_id.clone()),
                Some(a.id.clone()),
                vec!["selected".into()],
                [
                    format!("{tfi}, {rfi}: {who}: {sfi}."),
                    format!("{tsv}, {rsv}: {who}: {ssv}."),
                    format!("{ten}, {ren}: {who}: {sen}."),
                ],
            ));
            assignments.push(AssignmentRecord {
                seat_id,
                theme: group.theme,
                role: group.role,
                application_id: a.id.clone(),
                score,
                lot: outcome.lots[i],
                name: name_of(a),
                association: a.association.name.clone(),
            });
        }
        for reason in &outcome.groups[g].unfilled {
            let seat_id = seat_ids.next().expect("a seat per empty place");
            let (code, rules, new_call_needed, texts) = unfilled_reason(group, reason);
            let codes = std::iter::once(code.to_owned())
                .chain(rules.iter().cloned())
                .collect();
            explanations.push(explanation(
                "unfilled",
                Some(seat_id.clone()),
                None,
                codes,
                texts,
            ));
            unfilled.push(UnfilledRecord {
                seat_id,
                theme: group.theme,
                role: group.role,
                reason: code.into(),
                rules,
                new_call_needed,
            });
        }
    }
    (assignments, unfilled, explanations)
}

/// The run's record: the solver's outcome with every seat, gap and reason explained.
pub fn record(
    input: &RunInput,
    id: SelectionRunId,
    constraints: &Constraints,
    outcome: &Outcome,
    node_limit: u64,
    now: DateTime<Utc>,
) -> RunRecord {
    let (assignments, unfilled, mut explanations) = seats(input, outcome);
    explanations.extend(
        outcome
            .left_out
            .iter()
            .map(|left| left_out_explanation(input, left)),
    );
    let relaxations: Vec<RelaxationRecord> = outcome
        .relaxations
        .iter()
        .map(|r| RelaxationRecord {
            changes: r.changes.iter().map(change_record).collect(),
        })
        .collect();
    explanations.extend(
        relaxations
            .iter()
            .zip(&outcome.relaxations)
            .map(|(record, r)| relaxation_explanation(record, &r.changes)),
    );
    explanations.extend(search_limit_explanations(outcome));
    let (rep_seats, dep_seats) = input
        .input
        .groups
        .iter()
        .fold((0, 0), |(r, d), g| match g.role {
            SeatRole::Representative => (r + g.seats, d),
            SeatRole::Deputy => (r, d + g.seats),
        });
    RunRecord {
        format: FORMAT,
        id,
        call_id: input.call.id.clone(),
        seed: input.seed.clone(),
        constraints: constraints.clone(),
        input_hash: input.input.hash.clone(),
        algorithm_version: selection::ALGORITHM_VERSION.to_owned(),
        created_at: now,
        objective: ObjectiveRecord {
            representatives_filled: outcome.objective.representatives,
            representative_seats: rep_seats,
            deputies_filled: outcome.objective.deputies,
            deputy_seats: dep_seats,
            fillable: [outcome.fillable.0, outcome.fillable.1],
            total_score: outcome.objective.total_score,
            lot_sum: outcome.objective.lot_sum,
            proven_optimal: outcome.objective.proven_optimal,
            search_nodes: outcome.objective.search_nodes,
            relaxations_cut_short: outcome.relaxations_cut_short,
            search_node_limit: node_limit,
        },
        assignments,
        unfilled,
        relaxations,
        explanations,
        tie_rule: TIE_RULE.to_owned(),
    }
}
