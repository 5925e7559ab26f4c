//! Seat filling: selection runs, the decision, the selected confirming or declining, reserves
//! stepping in, and vacancies. The solver is `domain::selection`; this file turns the call's
//! ranking into its input and its outcome into seats, messages and audit entries.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use validator::Validate;

use super::AppState;
use super::auth::{ApplicationCaller, Staff};
use super::extract::Json;
use super::review::{CallRole, RankedApplication, call_role, ranking};
use crate::db::{Db, DbConn, LockableTable};
use crate::domain::application::{ApplicationStatus, Gender};
use crate::domain::call::{CallAction, CallPhase, transition};
use crate::domain::localized::Language;
use crate::domain::reference::NORTH_KARELIA_MUNICIPALITIES;
use crate::domain::seat_plan::SeatRole;
use crate::domain::selection::{
    self, Breach, Candidate, LeftOutReason, Member, RuleChange, RuleKind, Rules, SeatGroup, Share,
    UnfilledReason, allows,
};
use crate::domain::theme::ThemeArea;
use crate::error::{AppError, FieldError};
use crate::ids::{ApplicationId, CallId, SeatId, SelectionRunId};
use crate::mail::context::{CallInfo, Candidate as MailCandidate, Meeting, MessageContext};
use crate::mail::outbox::{self, Outgoing};
use crate::mail::templates::Templates;
use crate::store::applications::{self as applications_store, Application};
use crate::store::audit::{self, Actor, Change};
use crate::store::calls::{self as calls_store, Call};
use crate::store::councils;
use crate::store::seats::{self, Seat};
use crate::store::selection::{self as store, HoldingSource, HoldingStatus};

// ---------------------------------------------------------------- requests and responses

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GenderBalance {
    /// Least share of women and of men, per role, among holders who gave their gender: a whole
    /// percent from 0 to 0.5.
    #[schema(example = 0.4)]
    pub min_share: f64,
}

/// The council's rules for the run. Absent fields take their defaults; `gender_balance: null`
/// turns the balance rule off.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// Default 1.
    #[serde(default = "default_association_limit")]
    pub max_seats_per_association: u32,
    /// Default `{"min_share": 0.4}`.
    #[serde(default = "default_balance")]
    pub gender_balance: Option<GenderBalance>,
    /// Seats per municipality (an association's home municipality); default none.
    #[serde(default)]
    pub max_seats_per_municipality: Option<u32>,
}

/// Above any council's seat count; keeps the relaxation search's arithmetic far from overflow.
const MAX_LIMIT: u32 = 10_000;

fn default_association_limit() -> u32 {
    1
}

fn default_balance() -> Option<GenderBalance> {
    Some(GenderBalance { min_share: 0.4 })
}

impl Default for Constraints {
    fn default() -> Self {
        Self {
            max_seats_per_association: 1,
            gender_balance: default_balance(),
            max_seats_per_municipality: None,
        }
    }
}

impl Constraints {
    fn rules(&self) -> Result<Rules, AppError> {
        let mut errors = Vec::new();
        if !(1..=MAX_LIMIT).contains(&self.max_seats_per_association) {
            errors.push(FieldError::new(
                "constraints.max_seats_per_association",
                "range",
                format!("must be from 1 to {MAX_LIMIT}"),
            ));
        }
        if self
            .max_seats_per_municipality
            .is_some_and(|l| !(1..=MAX_LIMIT).contains(&l))
        {
            errors.push(FieldError::new(
                "constraints.max_seats_per_municipality",
                "range",
                format!("must be from 1 to {MAX_LIMIT}, or null for no limit"),
            ));
        }
        let share = match self.gender_balance {
            None => None,
            Some(b) => match Share::from_fraction(b.min_share) {
                Some(s) => Some(s),
                None => {
                    errors.push(FieldError::new(
                        "constraints.gender_balance.min_share",
                        "range",
                        "must be a whole percent from 0 to 0.5, such as 0.4",
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Rules {
            max_seats_per_association: self.max_seats_per_association,
            max_seats_per_municipality: self.max_seats_per_municipality,
            min_share: share,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateRun {
    #[serde(default)]
    pub constraints: Constraints,
    /// Decides ties by lot (recorded). Default: the call's id.
    #[validate(length(min = 1, max = 200))]
    pub seed: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Text3 {
    pub fi: String,
    pub sv: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Assignment {
    pub seat_id: SeatId,
    pub theme: ThemeArea,
    pub role: SeatRole,
    pub application_id: ApplicationId,
    /// The normalised score used for selection; null without counted reviews.
    pub score: Option<f64>,
    /// The application's lot (higher wins a tie).
    pub lot: u32,
    pub name: String,
    pub association: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Unfilled {
    pub seat_id: SeatId,
    pub theme: ThemeArea,
    pub role: SeatRole,
    /// `no_eligible_applicant` (the theme needs a new call), `blocked_by_rules` or
    /// `search_limit`.
    pub reason: String,
    /// The rules that keep the seat empty, for `blocked_by_rules`.
    pub rules: Vec<String>,
    pub new_call_needed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Explanation {
    /// `seat`, `unfilled`, `left_out`, `relaxation`, or `search_limit` (the search stopped at
    /// its node limit: the best selection found, not proven the best).
    pub kind: String,
    pub seat_id: Option<SeatId>,
    pub application_id: Option<ApplicationId>,
    /// Machine-readable reasons: `outscored`, `association_limit`, `municipality_limit`,
    /// `gender_balance`, `no_seat`, `search_limit`, ...
    pub codes: Vec<String>,
    /// To be read aloud.
    pub text: Text3,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RuleChangeView {
    /// `max_seats_per_association`, `max_seats_per_municipality` or `gender_balance.min_share`.
    pub constraint: String,
    pub from: Value,
    /// `null` removes the limit or turns the rule off.
    pub to: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RelaxationView {
    pub changes: Vec<RuleChangeView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ObjectiveView {
    pub representatives_filled: u32,
    pub representative_seats: u32,
    pub deputies_filled: u32,
    pub deputy_seats: u32,
    /// Representatives and deputies that could be filled without the rules.
    pub fillable: [u32; 2],
    /// Sum of the holders' selection scores (unscored holders count as −100.0001).
    pub total_score: f64,
    pub lot_sum: u64,
    /// The search proved that no assignment is better under the rule. When it is false, the
    /// search stopped at `search_node_limit` with the best assignment it had found.
    pub proven_optimal: bool,
    /// Nodes of every search the run made, the relaxation probes' included: at most
    /// `search_node_limit`.
    pub search_nodes: u64,
    /// The selection is proven, but the node limit was reached before the smallest relaxation
    /// of the rules was found, so none is named although seats are left empty.
    #[serde(default)]
    pub relaxations_cut_short: bool,
    /// The service's `selection.search_node_limit` when the run was made (runs stored before
    /// it was recorded ran with the default).
    #[serde(default = "default_node_limit")]
    pub search_node_limit: u64,
}

fn default_node_limit() -> u64 {
    selection::DEFAULT_NODE_LIMIT
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RunView {
    pub id: SelectionRunId,
    pub call_id: CallId,
    pub seed: String,
    pub constraints: Constraints,
    pub input_hash: String,
    pub algorithm_version: String,
    pub created_at: DateTime<Utc>,
    pub objective: ObjectiveView,
    pub assignments: Vec<Assignment>,
    pub unfilled: Vec<Unfilled>,
    /// The smallest changes of the rules that would fill every seat with an eligible applicant;
    /// empty when the rules already do, or when the search was cut short (`proven_optimal`
    /// false: it has not shown that the rules leave seats empty; or `relaxations_cut_short`).
    pub relaxations: Vec<RelaxationView>,
    pub explanations: Vec<Explanation>,
    /// The published rule that orders equal outcomes.
    pub tie_rule: String,
}

const TIE_RULE: &str = "Seats are filled to fill the most representative seats, then the most deputy seats, then \
to reach the highest total selection score (rounded to 0.0001). Among equal totals, the higher sum of lots wins: \
each application's lot is the rank of SHA-256(seed + \"\\n\" + application id) among the call's applications, \
the higher digest the higher lot. Within a theme, the higher-scored holder sits as representative wherever role \
preferences and the balance rule allow.";

// ---------------------------------------------------------------- the run

/// A run's input, read for the call (managed by the caller, and reviewing) with the seed.
struct RunInput {
    call: Call,
    seed: String,
    input: Input,
}

/// The solver's input for the call: its vacant seats by theme and role, and every submitted
/// application that has not declined, with its selection score.
struct Input {
    seats: Vec<Seat>,
    groups: Vec<SeatGroup>,
    /// The council's current holders (of seats earlier calls filled): they count in the rules.
    seated: Vec<(Application, SeatRole)>,
    applications: Vec<RankedApplication>,
    candidates: Vec<Candidate>,
    hash: String,
}

fn input(
    conn: &mut DbConn,
    call: &Call,
    rules_json: &Value,
    seed: &str,
) -> Result<Input, AppError> {
    let all_seats = seats::of_council(conn, &call.council_id)?;
    let mut seated = composition(conn, call, &all_seats)?;
    seated.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let seats: Vec<Seat> = all_seats
        .into_iter()
        .filter(|s| call.themes.contains(&s.theme) && s.holder.is_none())
        .collect();
    let mut groups: Vec<SeatGroup> = Vec::new();
    for s in &seats {
        match groups
            .iter_mut()
            .find(|g| g.theme == s.theme && g.role == s.role)
        {
            Some(g) => g.seats += 1,
            None => groups.push(SeatGroup {
                theme: s.theme,
                role: s.role,
                seats: 1,
            }),
        }
    }
    let declined = store::declined_of_call(conn, &call.id)?;
    let mut applications: Vec<RankedApplication> = ranking(conn, call)?
        .into_iter()
        .flat_map(|(_, entries)| entries)
        .filter(|e| !declined.contains(&e.application.id))
        .collect();
    applications.sort_by(|a, b| a.application.id.cmp(&b.application.id));
    let candidates: Vec<Candidate> = applications.iter().map(candidate).collect();
    let (rubric, _) = calls_store::rubric(conn, &call.id)?;
    // The canonical input: everything that decides the outcome, in a fixed order.
    let canonical = json!({
        "call_id": call.id,
        "algorithm_version": selection::ALGORITHM_VERSION,
        "seed": seed,
        "rules": rules_json,
        "rubric": rubric,
        "seats": seats.iter().map(|s| json!([s.id, s.theme, s.role])).collect::<Vec<_>>(),
        "seated": seated.iter().map(|(a, role)| json!([
            a.id,
            a.association.business_id,
            a.association.municipality_code,
            a.candidate.gender,
            role,
        ])).collect::<Vec<_>>(),
        "applications": applications.iter().zip(&candidates).map(|(a, c)| json!({
            "id": a.application.id,
            "theme": c.theme,
            "role_preference": c.preference,
            "business_id": c.association,
            "municipality": c.municipality,
            "gender": c.gender,
            "score": selection::quantized_score(c.score),
        })).collect::<Vec<_>>(),
    });
    let hash = hex::encode(Sha256::digest(canonical.to_string().as_bytes()));
    Ok(Input {
        seats,
        groups,
        seated,
        applications,
        candidates,
        hash,
    })
}

fn candidate(a: &RankedApplication) -> Candidate {
    Candidate {
        key: a.application.id.as_str().to_owned(),
        theme: a.application.theme,
        preference: a.application.role_preference,
        association: a.application.association.business_id.clone(),
        municipality: a.application.association.municipality_code.clone(),
        gender: a.application.candidate.gender,
        score: a.selection_score(),
    }
}

fn name_of(a: &Application) -> String {
    format!("{} {}", a.candidate.first_name, a.candidate.last_name)
}

fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "–".to_owned(), |s| format!("{s:.3}"))
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

/// A breach as the decision reports it: who breaks which limit, by how much.
fn breach_detail(breach: &Breach<'_>, association_names: &BTreeMap<&str, &str>) -> String {
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
            format!(
                "{name} ({business_id}) would hold {held} seats; {} is {limit}",
                rule_names(breach.rule())[2]
            )
        }
        Breach::Municipality { code, held, limit } => {
            let name = NORTH_KARELIA_MUNICIPALITIES
                .iter()
                .find(|m| m.code == code)
                .map_or(code, |m| m.fi);
            format!(
                "associations of {name} ({code}) would hold {held} seats; {} is {limit}",
                rule_names(breach.rule())[2]
            )
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
                "{part} of the {whole} {} who gave their gender would be {who}; {} asks for at least {} %",
                role_plural(role),
                rule_names(breach.rule())[2],
                share.percent()
            )
        }
    }
}

fn role_plural(role: SeatRole) -> &'static str {
    match role {
        SeatRole::Representative => "representatives",
        SeatRole::Deputy => "deputies",
    }
}

fn rule_code(rule: RuleKind) -> String {
    rule.as_str().to_owned()
}

fn run_view(
    RunInput { call, seed, input }: &RunInput,
    id: SelectionRunId,
    constraints: &Constraints,
    rules: Rules,
    node_limit: u64,
    now: DateTime<Utc>,
) -> Result<RunView, AppError> {
    let seated: Vec<Member> = input
        .seated
        .iter()
        .map(|(a, role)| member_of(a, *role))
        .collect();
    let instance = selection::Instance {
        groups: &input.groups,
        candidates: &input.candidates,
        seated: &seated,
        rules,
        seed,
        node_limit,
    };
    let outcome = selection::select(&instance)
        .map_err(|e| AppError::invalid("constraints", "range", e.to_string()))?;
    let mut assignments = Vec::new();
    let mut unfilled = Vec::new();
    let mut explanations = Vec::new();
    for (g, group) in input.groups.iter().enumerate() {
        let mut seat_ids = input
            .seats
            .iter()
            .filter(|s| s.theme == group.theme && s.role == group.role)
            .map(|s| s.id.clone());
        let [tfi, tsv, ten] = theme_names(group.theme);
        let [rfi, rsv, ren] = role_names(group.role);
        for &i in &outcome.groups[g].holders {
            let seat_id = seat_ids.next().expect("a seat per holder");
            let a = &input.applications[i].application;
            let score = input.candidates[i].score;
            explanations.push(Explanation {
                kind: "seat".into(),
                seat_id: Some(seat_id.clone()),
                application_id: Some(a.id.clone()),
                codes: vec!["selected".into()],
                text: Text3 {
                    fi: format!(
                        "{tfi}, {rfi}: {} ({}), pisteet {}.",
                        name_of(a),
                        a.association.name,
                        score_text(score)
                    ),
                    sv: format!(
                        "{tsv}, {rsv}: {} ({}), poäng {}.",
                        name_of(a),
                        a.association.name,
                        score_text(score)
                    ),
                    en: format!(
                        "{ten}, {ren}: {} ({}), score {}.",
                        name_of(a),
                        a.association.name,
                        score_text(score)
                    ),
                },
            });
            assignments.push(Assignment {
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
            let (code, rules, new_call, text) = match reason {
                UnfilledReason::NoEligibleApplicant => (
                    "no_eligible_applicant",
                    Vec::new(),
                    true,
                    Text3 {
                        fi: format!(
                            "{tfi}, {rfi}: ei kelpoista hakijaa – teemaan tarvitaan uusi haku."
                        ),
                        sv: format!(
                            "{tsv}, {rsv}: ingen behörig sökande – temat behöver en ny ansökningsomgång."
                        ),
                        en: format!(
                            "{ten}, {ren}: no eligible applicant – the theme needs a new call."
                        ),
                    },
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
                        rules.iter().map(|r| rule_code(*r)).collect(),
                        false,
                        Text3 {
                            fi: format!(
                                "{tfi}, {rfi}: paikka jää tyhjäksi, koska jokainen hakija rikkoisi säännön: {}.",
                                names(0)
                            ),
                            sv: format!(
                                "{tsv}, {rsv}: platsen förblir tom, eftersom varje sökande skulle bryta mot regeln: {}.",
                                names(1)
                            ),
                            en: format!(
                                "{ten}, {ren}: the seat stays empty because every applicant would break {}.",
                                names(2)
                            ),
                        },
                    )
                }
                UnfilledReason::SearchLimit => (
                    "search_limit",
                    Vec::new(),
                    false,
                    Text3 {
                        fi: format!(
                            "{tfi}, {rfi}: haku pysähtyi rajaansa ennen kuin se ehti täyttää tai perustella paikan."
                        ),
                        sv: format!(
                            "{tsv}, {rsv}: sökningen stannade vid sin gräns innan platsen kunde fyllas eller motiveras."
                        ),
                        en: format!(
                            "{ten}, {ren}: the search stopped at its limit before it could fill or explain the seat."
                        ),
                    },
                ),
            };
            explanations.push(Explanation {
                kind: "unfilled".into(),
                seat_id: Some(seat_id.clone()),
                application_id: None,
                codes: std::iter::once(code.to_owned())
                    .chain(rules.iter().cloned())
                    .collect(),
                text,
            });
            unfilled.push(Unfilled {
                seat_id,
                theme: group.theme,
                role: group.role,
                reason: code.into(),
                rules,
                new_call_needed: new_call,
            });
        }
    }
    for left in &outcome.left_out {
        let a = &input.applications[left.candidate].application;
        let who = format!("{} ({})", name_of(a), a.association.name);
        let score = score_text(input.candidates[left.candidate].score);
        let mut codes = Vec::new();
        let (mut fi, mut sv, mut en) = (Vec::new(), Vec::new(), Vec::new());
        for reason in &left.reasons {
            match reason {
                LeftOutReason::NoSeat => {
                    codes.push("no_seat".to_owned());
                    fi.push("teemassa ei ole paikkaa haetussa roolissa".to_owned());
                    sv.push("temat har ingen plats i den sökta rollen".to_owned());
                    en.push("the theme has no seat in the role applied for".to_owned());
                }
                LeftOutReason::Outscored {
                    higher_scored_holders,
                } => {
                    codes.push("outscored".to_owned());
                    fi.push(format!(
                        "teeman paikat saivat korkeammat pisteet saaneet ({higher_scored_holders})"
                    ));
                    sv.push(format!(
                        "temats platser gick till sökande med högre poäng ({higher_scored_holders})"
                    ));
                    en.push(format!("the theme's seats went to higher-scored applicants ({higher_scored_holders})"));
                }
                LeftOutReason::Rule {
                    rule,
                    role,
                    instead_of,
                } => {
                    codes.push(rule_code(*rule));
                    let [nfi, nsv, nen] = rule_names(*rule);
                    let [rfi, rsv, ren] = role_names(*role);
                    match instead_of {
                        Some(h) => {
                            let other = name_of(&input.applications[*h].application);
                            fi.push(format!(
                                "{rfi}n paikka {other}n sijaan rikkoisi säännön: {nfi}"
                            ));
                            sv.push(format!(
                                "platsen som {rsv} i stället för {other} skulle bryta mot {nsv}"
                            ));
                            en.push(format!(
                                "the {ren} seat instead of {other} would break {nen}"
                            ));
                        }
                        None => {
                            fi.push(format!("vapaa {rfi}n paikka rikkoisi säännön: {nfi}"));
                            sv.push(format!(
                                "den lediga platsen som {rsv} skulle bryta mot {nsv}"
                            ));
                            en.push(format!("the empty {ren} seat would break {nen}"));
                        }
                    }
                }
                LeftOutReason::SearchLimit => {
                    codes.push("search_limit".to_owned());
                    fi.push("haku pysähtyi rajaansa".to_owned());
                    sv.push("sökningen stannade vid sin gräns".to_owned());
                    en.push("the search stopped at its limit".to_owned());
                }
            }
        }
        explanations.push(Explanation {
            kind: "left_out".into(),
            seat_id: None,
            application_id: Some(a.id.clone()),
            codes,
            text: Text3 {
                fi: format!("{who}, pisteet {score}, ei valittu: {}.", fi.join("; ")),
                sv: format!("{who}, poäng {score}, inte vald: {}.", sv.join("; ")),
                en: format!("{who}, score {score}, not selected: {}.", en.join("; ")),
            },
        });
    }
    let relaxations: Vec<RelaxationView> = outcome
        .relaxations
        .iter()
        .map(|r| RelaxationView {
            changes: r.changes.iter().map(change_view).collect(),
        })
        .collect();
    for r in &relaxations {
        let describe = |c: &RuleChangeView| format!("{} {} → {}", c.constraint, c.from, c.to);
        let list = r
            .changes
            .iter()
            .map(describe)
            .collect::<Vec<_>>()
            .join(", ");
        explanations.push(Explanation {
            kind: "relaxation".into(),
            seat_id: None,
            application_id: None,
            codes: r.changes.iter().map(|c| c.constraint.clone()).collect(),
            text: Text3 {
                fi: format!("Kaikki täytettävissä olevat paikat täyttyisivät, jos sääntöä muutetaan: {list}."),
                sv: format!("Alla platser som kan fyllas skulle fyllas om regeln ändras: {list}."),
                en: format!("Every seat that can be filled would be filled with this change of the rules: {list}."),
            },
        });
    }
    if outcome.relaxations_cut_short {
        let nodes = outcome.objective.search_nodes;
        explanations.push(Explanation {
            kind: "search_limit".into(),
            seat_id: None,
            application_id: None,
            codes: vec!["search_limit".into(), "relaxation".into()],
            text: Text3 {
                fi: format!("Valinta on paras mahdollinen, mutta haku pysähtyi {nodes} vaiheen rajaan ennen kuin löytyi pienin sääntöjen muutos, jolla kaikki täytettävissä olevat paikat täyttyisivät."),
                sv: format!("Urvalet är det bästa möjliga, men sökningen stannade vid gränsen på {nodes} steg innan den minsta ändring av reglerna som skulle fylla alla platser som kan fyllas hittades."),
                en: format!("The selection is the best possible, but the search stopped at its limit of {nodes} steps before it found the smallest change of the rules that would fill every seat that can be filled."),
            },
        });
    }
    if !outcome.objective.proven_optimal {
        let nodes = outcome.objective.search_nodes;
        explanations.push(Explanation {
            kind: "search_limit".into(),
            seat_id: None,
            application_id: None,
            codes: vec!["search_limit".into()],
            text: Text3 {
                fi: format!("Haku pysähtyi {nodes} vaiheen rajaan ennen kuin se osoitti, ettei parempaa valintaa ole: tämä on paras löydetty valinta, ei välttämättä paras mahdollinen."),
                sv: format!("Sökningen stannade vid gränsen på {nodes} steg innan den visat att inget bättre urval finns: detta är det bästa urval som hittades, inte nödvändigtvis det bästa möjliga."),
                en: format!("The search stopped at its limit of {nodes} steps before it showed that no better selection exists: this is the best selection found, not necessarily the best possible."),
            },
        });
    }
    let (rep_seats, dep_seats) = input.groups.iter().fold((0, 0), |(r, d), g| match g.role {
        SeatRole::Representative => (r + g.seats, d),
        SeatRole::Deputy => (r, d + g.seats),
    });
    Ok(RunView {
        id,
        call_id: call.id.clone(),
        seed: seed.to_owned(),
        constraints: constraints.clone(),
        input_hash: input.hash.clone(),
        algorithm_version: selection::ALGORITHM_VERSION.to_owned(),
        created_at: now,
        objective: ObjectiveView {
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
    })
}

fn change_view(change: &RuleChange) -> RuleChangeView {
    match *change {
        RuleChange::AssociationLimit { from, to } => RuleChangeView {
            constraint: "max_seats_per_association".into(),
            from: json!(from),
            to: json!(to),
        },
        RuleChange::MunicipalityLimit { from, to } => RuleChangeView {
            constraint: "max_seats_per_municipality".into(),
            from: json!(from),
            to: json!(to),
        },
        RuleChange::GenderBalance { from, to } => RuleChangeView {
            constraint: "gender_balance.min_share".into(),
            from: json!(from.fraction()),
            to: json!(to.map(Share::fraction)),
        },
    }
}

/// The call, if the caller manages it and it is reviewing (when selection runs are made).
fn reviewing_call(
    conn: &mut DbConn,
    id: &CallId,
    staff: &Staff,
    now: DateTime<Utc>,
) -> Result<Call, AppError> {
    let call = managed_call(conn, id, staff)?;
    if call.phase != CallPhase::Reviewing {
        return Err(AppError::Conflict(format!(
            "selection runs are made while the call is reviewing; it is {}",
            call.status(now).as_str()
        )));
    }
    Ok(call)
}

fn managed_call(conn: &mut DbConn, id: &CallId, staff: &Staff) -> Result<Call, AppError> {
    let call = calls_store::find(conn, id)?.ok_or_else(|| AppError::not_found("call"))?;
    match call_role(conn, &call, staff)? {
        CallRole::Manager => Ok(call),
        CallRole::Member if call.phase != CallPhase::Draft => Err(AppError::Forbidden(
            "only an admin or a secretary of the call's council may do this".into(),
        )),
        _ => Err(AppError::not_found("call")),
    }
}

/// Computes a selection run: the optimal assignment of the call's applications to its vacant
/// seats under the rules, with explanations, the smallest relaxation if the rules leave seats
/// empty, and the input hash. The same input and seed always give the same result. Only while
/// the call is `reviewing`.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    request_body = CreateRun,
    responses(
        (status = 201, body = RunView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/calls/{id}/selection-runs")]
pub async fn create_run(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    body: Json<CreateRun>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let Json(body, _) = body;
    let rules = body.constraints.rules()?;
    // A run that would be refused is refused at once, not after the solves ahead of it.
    {
        let (id, staff, now) = (id.clone(), staff.clone(), state.now());
        state
            .db
            .run(move |conn| reviewing_call(conn, &id, &staff, now).map(drop))
            .await?;
    }
    // At most `selection.max_concurrent_runs` solves at once; others wait here, holding nothing.
    // The permit goes with the solve, so a client that gives up does not free it early.
    let permit = state
        .selection_runs
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("selection runs closed: {e}")))?;
    let now = state.now();
    let node_limit = state.config.selection.search_node_limit;
    let constraints_json = json!(body.constraints);
    // Solved outside the write transaction (it can take seconds), from one snapshot of the
    // input; the run records that input's hash, so a decision on it is refused if the input
    // changed since.
    let view = state
        .db
        .blocking(move |db| {
            let _solving = permit;
            db.compute_then_write(
                |conn| {
                    let call = reviewing_call(conn, &id, &staff, now)?;
                    let seed = body.seed.clone().unwrap_or_else(|| call.id.to_string());
                    let input = input(conn, &call, &constraints_json, &seed)?;
                    Ok(RunInput { call, seed, input })
                },
                |run| {
                    run_view(
                        run,
                        SelectionRunId::new(),
                        &body.constraints,
                        rules,
                        node_limit,
                        now,
                    )
                },
                |conn, RunInput { call, seed, input }, view| {
                    // Still the caller's, and still reviewing.
                    reviewing_call(conn, &call.id, &staff, now)?;
                    store::insert_run(
                        conn,
                        &store::Run {
                            id: view.id.clone(),
                            call_id: call.id.clone(),
                            seed: seed.clone(),
                            constraints_json: constraints_json.to_string(),
                            input_hash: input.hash.clone(),
                            algorithm_version: selection::ALGORITHM_VERSION.to_owned(),
                            result_json: serde_json::to_string(&view)
                                .map_err(anyhow::Error::from)?,
                            created_by: staff.0.id.clone(),
                            created_at: now,
                        },
                    )?;
                    audit::record(
                        conn,
                        Change {
                            call_id: Some(&call.id),
                            actor: &Actor::Staff(staff.0.id.clone()),
                            action: "selection.run",
                            entity: "selection_run",
                            entity_id: view.id.as_str(),
                            before: None,
                            after: audit::snapshot(&json!({
                                "seed": seed, "constraints": constraints_json,
                                "input_hash": input.hash, "objective": view.objective,
                            })),
                        },
                        now,
                    )?;
                    Ok(view)
                },
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A selection run as computed.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = CallId, Path), ("run_id" = SelectionRunId, Path)),
    responses(
        (status = 200, body = RunView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound)
    )
)]
#[get("/calls/{id}/selection-runs/{run_id}")]
pub async fn get_run(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(CallId, SelectionRunId)>,
) -> Result<web::Json<RunView>, AppError> {
    let (id, run_id) = path.into_inner();
    let view = state
        .db
        .run(move |conn| {
            let call = managed_call(conn, &id, &staff)?;
            let run = store::find_run(conn, &run_id)?
                .filter(|r| r.call_id == call.id)
                .ok_or_else(|| AppError::not_found("selection run"))?;
            serde_json::from_str::<RunView>(&run.result_json)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("stored run unreadable: {e}")))
        })
        .await?;
    Ok(web::Json(view))
}

// ---------------------------------------------------------------- the decision

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub seat_id: SeatId,
    pub application_id: ApplicationId,
    /// Why the meeting departed from the run; kept in the audit log.
    #[validate(length(min = 1, max = 2000))]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct FoundingMeeting {
    /// When, as the invitation should say it (for example "ti 16.3.2027 klo 17").
    #[validate(length(min = 1, max = 200))]
    pub time: String,
    #[validate(length(min = 1, max = 300))]
    pub place: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    pub selection_run_id: SelectionRunId,
    #[serde(default)]
    #[validate(nested)]
    pub overrides: Vec<Override>,
    /// The minutes' reference, e.g. "JANE 2/2027 § 5".
    #[validate(length(min = 1, max = 200))]
    pub meeting_reference: String,
    #[validate(nested)]
    pub founding_meeting: Option<FoundingMeeting>,
    /// Applicants per theme on the reserve list (default from configuration).
    #[validate(range(max = 100))]
    pub reserves_per_theme: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleViolation {
    /// `association_limit`, `municipality_limit` or `gender_balance`.
    pub rule: String,
    /// Who breaks it and by how much, for example "Yhdistys ry (1234567-8) would hold 2 seats;
    /// the limit of seats per association is 1".
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub call_id: CallId,
    pub status: String,
    pub selection_run_id: SelectionRunId,
    pub meeting_reference: String,
    pub seats: Vec<Assignment>,
    /// Seats the decision leaves empty.
    pub vacant_seat_ids: Vec<SeatId>,
    /// Rules the decided composition breaks (because of overrides); reported, not refused.
    pub rule_violations: Vec<RuleViolation>,
    pub reserves: Vec<ReserveView>,
    pub messages_queued: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReserveView {
    pub application_id: ApplicationId,
    pub theme: ThemeArea,
    pub rank: i32,
}

fn member_of<'a>(a: &'a Application, role: SeatRole) -> Member<'a> {
    Member {
        association: &a.association.business_id,
        municipality: &a.association.municipality_code,
        gender: a.candidate.gender,
        role,
    }
}

/// The rules a decision applied, as stored on the call.
fn rules_of_call(conn: &mut DbConn, call: &CallId) -> Result<Rules, AppError> {
    let (_, _, rules_json) = store::decision_of(conn, call)?;
    let constraints: Constraints = match rules_json {
        Some(text) => {
            serde_json::from_str(&text).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?
        }
        None => Constraints::default(),
    };
    constraints.rules()
}

/// Makes the decision: fills the seats from a run (and its overrides, each checked against the
/// same rules and reported if it breaks one), puts the next best applicants of each theme on the
/// reserve list, records the meeting reference, marks the call `decided` and queues every
/// applicant's outcome message and the founding-meeting invitations. The run must still match
/// the call's applications and scores (409 otherwise: run again).
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = CallId, Path)),
    request_body = Decide,
    responses(
        (status = 200, body = DecisionView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/calls/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<CallId>,
    body: Json<Decide>,
) -> Result<web::Json<DecisionView>, AppError> {
    let id = id.into_inner();
    let Json(body, _) = body;
    let now = state.now();
    let templates = state.templates.clone();
    let config = state.config.clone();
    let view = state
        .db
        .write(move |conn| {
            let call = managed_call(conn, &id, &staff)?;
            lock_council(conn, &call)?;
            transition(call.status(now), CallAction::Decide).map_err(|e| AppError::Conflict(e.to_string()))?;
            let run = store::find_run(conn, &body.selection_run_id)?
                .filter(|r| r.call_id == call.id)
                .ok_or_else(|| AppError::invalid("selection_run_id", "unknown", "no such run of this call"))?;
            let constraints: Constraints = serde_json::from_str(&run.constraints_json)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
            let rules = constraints.rules()?;
            let input = input(conn, &call, &json!(constraints), &run.seed)?;
            if input.hash != run.input_hash {
                return Err(AppError::Conflict(
                    "the applications, scores or seats changed since this run; make a new run and decide on it".into(),
                ));
            }
            let computed: RunView = serde_json::from_str(&run.result_json)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("stored run unreadable: {e}")))?;
            let by_id: BTreeMap<&ApplicationId, &Application> =
                input.applications.iter().map(|a| (&a.application.id, &a.application)).collect();
            let mut seat_of: BTreeMap<SeatId, ApplicationId> = computed
                .assignments
                .iter()
                .map(|a| (a.seat_id.clone(), a.application_id.clone()))
                .collect();
            let mut errors = Vec::new();
            for (i, o) in body.overrides.iter().enumerate() {
                let Some(seat) = input.seats.iter().find(|s| s.id == o.seat_id) else {
                    errors.push(FieldError::new(format!("overrides[{i}].seat_id"), "unknown", "not a vacant seat of this call"));
                    continue;
                };
                let Some(app) = by_id.get(&o.application_id) else {
                    errors.push(FieldError::new(format!("overrides[{i}].application_id"), "unknown", "not a submitted application of this call"));
                    continue;
                };
                if app.theme != seat.theme {
                    errors.push(FieldError::new(format!("overrides[{i}].application_id"), "theme", "the application is for another theme than the seat"));
                } else if !allows(app.role_preference, seat.role) {
                    errors.push(FieldError::new(format!("overrides[{i}].application_id"), "role", "the candidate did not apply for this role"));
                }
                if body.overrides[..i].iter().any(|p| p.seat_id == o.seat_id) {
                    errors.push(FieldError::new(format!("overrides[{i}].seat_id"), "duplicate", "the seat is overridden twice"));
                }
                if body.overrides[..i].iter().any(|p| p.application_id == o.application_id) {
                    errors.push(FieldError::new(format!("overrides[{i}].application_id"), "duplicate", "the application is placed twice"));
                }
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let mut sources: BTreeMap<SeatId, (HoldingSource, Option<String>)> = BTreeMap::new();
            for o in &body.overrides {
                // The application leaves any other seat the run gave it.
                seat_of.retain(|_, a| *a != o.application_id);
                seat_of.insert(o.seat_id.clone(), o.application_id.clone());
                sources.insert(o.seat_id.clone(), (HoldingSource::Override, Some(o.reason.clone())));
            }
            // Check the council's composition (the holders of its other seats with this
            // decision's) against the run's rules. What the run's own assignment already
            // breaks with them (only what the seated alone break: the run keeps every rule it
            // can) is not the overrides' doing; a breach they add, or make worse for the same
            // association, municipality or role, is reported.
            let seat_by_id: BTreeMap<&SeatId, &Seat> = input.seats.iter().map(|s| (&s.id, s)).collect();
            let composition_with = |assignment: &mut dyn Iterator<Item = (&SeatId, &ApplicationId)>| {
                let mut members: Vec<Member> =
                    input.seated.iter().map(|(a, role)| member_of(a, *role)).collect();
                members.extend(assignment.map(|(s, a)| member_of(by_id[a], seat_by_id[s].role)));
                members
            };
            let by_run =
                composition_with(&mut computed.assignments.iter().map(|a| (&a.seat_id, &a.application_id)));
            let decided = composition_with(&mut seat_of.iter());
            let association_names: BTreeMap<&str, &str> = input
                .seated
                .iter()
                .map(|(a, _)| a)
                .chain(input.applications.iter().map(|a| &a.application))
                .map(|a| (a.association.business_id.as_str(), a.association.name.as_str()))
                .collect();
            let rule_violations: Vec<RuleViolation> = selection::added_breaches(
                &selection::breaches(&by_run, rules),
                selection::breaches(&decided, rules),
            )
            .iter()
            .map(|breach| RuleViolation {
                rule: rule_code(breach.rule()),
                detail: breach_detail(breach, &association_names),
            })
            .collect();
            let respond_by = respond_by(&config, now);
            let mut seats_view = Vec::new();
            for seat in &input.seats {
                let Some(app_id) = seat_of.get(&seat.id) else { continue };
                let (source, reason) = sources.remove(&seat.id).unwrap_or((HoldingSource::Selection, None));
                store::offer(conn, &store::NewHolding {
                    seat: &seat.id,
                    call: &call.id,
                    application: app_id,
                    source,
                    reason: reason.as_deref(),
                    now,
                    respond_by,
                })?;
                let app = by_id[app_id];
                store::set_outcome(conn, app_id, seat.role.as_str(), None)?;
                seats_view.push(Assignment {
                    seat_id: seat.id.clone(),
                    theme: seat.theme,
                    role: seat.role,
                    application_id: app_id.clone(),
                    score: input.applications.iter().find(|a| &a.application.id == app_id).and_then(|a| a.selection_score()),
                    lot: 0,
                    name: name_of(app),
                    association: app.association.name.clone(),
                });
            }
            let vacant_seat_ids: Vec<SeatId> = input.seats.iter().filter(|s| !seat_of.contains_key(&s.id)).map(|s| s.id.clone()).collect();
            // Reserve list: per theme, the best applicants left out who could take a seat of it.
            let reserves_per_theme = body.reserves_per_theme.unwrap_or(config.selection.reserves_per_theme) as usize;
            let selected: Vec<&ApplicationId> = seat_of.values().collect();
            let mut reserves = Vec::new();
            let mut per_theme: BTreeMap<ThemeArea, Vec<&RankedApplication>> = BTreeMap::new();
            for a in &input.applications {
                if !selected.contains(&&a.application.id) {
                    per_theme.entry(a.application.theme).or_default().push(a);
                }
            }
            for (theme, mut list) in per_theme {
                list.sort_by(|a, b| {
                    selection::quantized_score(b.selection_score())
                        .cmp(&selection::quantized_score(a.selection_score()))
                        .then(a.application.id.cmp(&b.application.id))
                });
                let mut rank = 0;
                for a in list {
                    let eligible = input.seats.iter().any(|s| s.theme == theme && allows(a.application.role_preference, s.role));
                    if eligible && rank < reserves_per_theme {
                        rank += 1;
                        store::set_outcome(conn, &a.application.id, "reserve", Some(rank as i32))?;
                        reserves.push(ReserveView { application_id: a.application.id.clone(), theme, rank: rank as i32 });
                    } else {
                        store::set_outcome(conn, &a.application.id, "not_selected", None)?;
                    }
                }
            }
            if !store::record_decision(conn, &call.id, &run.id, &body.meeting_reference, &json!(constraints).to_string(), now)? {
                return Err(AppError::Conflict("the call changed meanwhile".into()));
            }
            audit::record(
                conn,
                Change {
                    call_id: Some(&call.id),
                    actor: &Actor::Staff(staff.0.id.clone()),
                    action: "call.decided",
                    entity: "call",
                    entity_id: call.id.as_str(),
                    before: audit::snapshot(&json!({"status": "reviewing"})),
                    after: audit::snapshot(&json!({
                        "status": "decided", "selection_run_id": run.id, "meeting_reference": body.meeting_reference,
                        "overrides": body.overrides.iter().map(|o| json!({"seat_id": o.seat_id, "application_id": o.application_id, "reason": o.reason})).collect::<Vec<_>>(),
                        "rule_violations": rule_violations.iter().map(|v| v.rule.clone()).collect::<Vec<_>>(),
                    })),
                },
                now,
            )?;
            // Messages: every applicant's outcome, and the invitation to the selected.
            let decided = calls_store::find(conn, &call.id)?.ok_or_else(|| AppError::not_found("call"))?;
            let mut queued = 0;
            for a in &input.applications {
                let app = &a.application;
                let held = seat_of.iter().find(|(_, id)| **id == app.id).map(|(s, _)| seat_by_id[s].role);
                let reserve = reserves.iter().any(|r| r.application_id == app.id);
                queued += queue_outcome(conn, &templates, &config, &decided, app, held, false, reserve, respond_by, body.founding_meeting.as_ref(), now)?;
            }
            Ok(DecisionView {
                call_id: call.id.clone(),
                status: "decided".into(),
                selection_run_id: run.id.clone(),
                meeting_reference: body.meeting_reference.clone(),
                seats: seats_view,
                vacant_seat_ids,
                rule_violations,
                reserves,
                messages_queued: queued,
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// Until when an offer made `now` may be answered.
fn respond_by(config: &crate::config::Config, now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::days(i64::from(config.selection.confirm_within_days))
}

/// Offers `seat` to `application` after the decision (a reserve stepping in, a deputy moving
/// up): the holding, the application's outcome and the message.
#[allow(clippy::too_many_arguments)]
fn offer_seat(
    conn: &mut DbConn,
    templates: &Templates,
    config: &crate::config::Config,
    call: &Call,
    seat: &Seat,
    application: &Application,
    source: HoldingSource,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let respond_by = respond_by(config, now);
    store::offer(
        conn,
        &store::NewHolding {
            seat: &seat.id,
            call: &call.id,
            application: &application.id,
            source,
            reason: Some(reason),
            now,
            respond_by,
        },
    )?;
    store::set_outcome(conn, &application.id, seat.role.as_str(), None)?;
    queue_outcome(
        conn,
        templates,
        config,
        call,
        application,
        Some(seat.role),
        source == HoldingSource::Deputy,
        false,
        respond_by,
        None,
        now,
    )?;
    Ok(())
}

fn respond_url(config: &crate::config::Config, application: &ApplicationId) -> String {
    format!(
        "{}/applications/{application}",
        config.server.public_url.trim_end_matches('/')
    )
}

/// Queues the outcome message of one applicant (and the founding-meeting invitation if they
/// hold a seat); returns how many messages.
#[allow(clippy::too_many_arguments)]
fn queue_outcome(
    conn: &mut DbConn,
    templates: &Templates,
    config: &crate::config::Config,
    call: &Call,
    app: &Application,
    held: Option<SeatRole>,
    moving_up: bool,
    reserve: bool,
    respond_by: DateTime<Utc>,
    meeting: Option<&FoundingMeeting>,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let council = councils::get(conn, &call.council_id)?;
    let language = app.candidate.language;
    let info = CallInfo::of(call, &council, language);
    let candidate = MailCandidate {
        first_name: app.candidate.first_name.clone(),
        last_name: app.candidate.last_name.clone(),
    };
    let theme = app.theme.name().get(language).to_owned();
    let respond_by_text =
        crate::mail::context::human_datetime(respond_by, call.time_zone, language);
    let mut contexts = Vec::new();
    match held {
        Some(role) => {
            let (association, respond_url) =
                (app.association.name.clone(), respond_url(config, &app.id));
            contexts.push(match role {
                SeatRole::Representative => MessageContext::SelectedRepresentative {
                    call: info.clone(),
                    candidate: candidate.clone(),
                    association,
                    theme,
                    respond_url,
                    respond_by: respond_by_text,
                    moving_up,
                },
                SeatRole::Deputy => MessageContext::SelectedDeputy {
                    call: info.clone(),
                    candidate: candidate.clone(),
                    association,
                    theme,
                    respond_url,
                    respond_by: respond_by_text,
                },
            });
            if let Some(m) = meeting {
                contexts.push(MessageContext::FoundingMeetingInvitation {
                    call: info,
                    candidate,
                    meeting: Meeting {
                        time: m.time.clone(),
                        place: m.place.clone(),
                    },
                    agenda: crate::domain::notification::founding_meeting_agenda(language),
                });
            }
        }
        None if reserve => contexts.push(MessageContext::Reserve {
            call: info,
            candidate,
            theme,
        }),
        None => contexts.push(MessageContext::NotSelected {
            call: info,
            candidate,
            theme,
        }),
    }
    let n = contexts.len();
    for context in contexts {
        outbox::queue(
            conn,
            templates,
            Outgoing {
                language,
                recipient: &app.candidate.email,
                call_id: Some(&call.id),
                application_id: Some(app.id.as_str()),
                user_id: None,
                context,
            },
            now,
        )?;
    }
    Ok(n)
}

// ---------------------------------------------------------------- answers, reserves, vacancies

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerView {
    pub application_id: ApplicationId,
    /// `confirmed` or `declined`.
    pub status: String,
    pub seat_id: Option<SeatId>,
    /// Who the seat was offered to next, if anyone. When a deputy confirms the theme's
    /// representative seat: who their deputy seat was offered to.
    pub offered_to: Option<ApplicationId>,
    /// A deputy who declines the theme's representative seat keeps their deputy seat: this one.
    pub kept_seat_id: Option<SeatId>,
}

/// The applicant (edit token) or the call's staff: confirms the seat offered to the application.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = ApplicationId, Path)),
    responses(
        (status = 200, body = AnswerView),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[post("/applications/{id}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    caller: ApplicationCaller,
    id: web::Path<ApplicationId>,
) -> Result<web::Json<AnswerView>, AppError> {
    let id = id.into_inner();
    let now = state.now();
    let templates = state.templates.clone();
    let config = state.config.clone();
    let view = state
        .db
        .write(move |conn| {
            let app = answering(conn, &id, &caller)?;
            let holding = store::current_of_application(conn, &app.id)?.ok_or_else(|| {
                AppError::Conflict("no seat is offered to this application".into())
            })?;
            if holding.status == HoldingStatus::Offered && holding.respond_by <= now {
                return Err(AppError::Conflict(
                    "the time to answer has passed; the seat goes to the reserve list".into(),
                ));
            }
            let answer = |offered_to| AnswerView {
                application_id: app.id.clone(),
                status: "confirmed".into(),
                seat_id: Some(holding.seat_id.clone()),
                offered_to,
                kept_seat_id: None,
            };
            if holding.status == HoldingStatus::Confirmed {
                return Ok(answer(None));
            }
            let call = calls_store::find(conn, &app.call_id)?
                .ok_or_else(|| AppError::not_found("application"))?;
            lock_council(conn, &call)?;
            if !store::end_or_confirm(conn, &holding.id, HoldingStatus::Confirmed, None, now)? {
                return Err(AppError::Conflict("the offer changed meanwhile".into()));
            }
            audit::record(
                conn,
                Change {
                    call_id: Some(&app.call_id),
                    actor: &super::applications::actor(&caller, &app.id),
                    action: "seat.confirmed",
                    entity: "seat",
                    entity_id: holding.seat_id.as_str(),
                    before: audit::snapshot(
                        &json!({"status": "offered", "application_id": app.id}),
                    ),
                    after: audit::snapshot(
                        &json!({"status": "confirmed", "application_id": app.id}),
                    ),
                },
                now,
            )?;
            // A deputy who takes the representative seat gives up the deputy seat kept for them.
            let offered_to = if holding.source == HoldingSource::Deputy {
                release_kept_deputy_seat(conn, &templates, &config, &call, &app.id, now)?
            } else {
                None
            };
            Ok(answer(offered_to))
        })
        .await?;
    Ok(web::Json(view))
}

/// The applicant (edit token) or the call's staff: declines the seat (or the place on the
/// reserve list). A declined seat is offered to the best reserve of the theme who keeps the
/// rules, and the offer is queued; with nobody, the seat stays vacant.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = ApplicationId, Path)),
    responses(
        (status = 200, body = AnswerView),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict)
    )
)]
#[post("/applications/{id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    caller: ApplicationCaller,
    id: web::Path<ApplicationId>,
) -> Result<web::Json<AnswerView>, AppError> {
    let id = id.into_inner();
    let now = state.now();
    let templates = state.templates.clone();
    let config = state.config.clone();
    let view = state
        .db
        .write(move |conn| {
            let app = answering(conn, &id, &caller)?;
            let call = calls_store::find(conn, &app.call_id)?
                .ok_or_else(|| AppError::not_found("application"))?;
            lock_council(conn, &call)?;
            let outcome = store::outcome_of(conn, &app.id)?;
            if outcome.declined_at.is_some() {
                return Err(AppError::Conflict(
                    "the application has already declined".into(),
                ));
            }
            let holding = store::current_of_application(conn, &app.id)?;
            let released = holding
                .as_ref()
                .map(|h| {
                    release_seat(
                        conn,
                        &templates,
                        &config,
                        h,
                        HoldingStatus::Declined,
                        "declined",
                        now,
                    )
                })
                .transpose()?;
            let kept_seat = released.as_ref().and_then(|r| r.kept_seat.clone());
            // A deputy who declines only the representative seat stays a member.
            if kept_seat.is_none() {
                store::set_declined(conn, &app.id, now)?;
            }
            let actor = super::applications::actor(&caller, &app.id);
            audit::record(
                conn,
                Change {
                    call_id: Some(&app.call_id),
                    actor: &actor,
                    action: if kept_seat.is_some() {
                        "seat.promotion_declined"
                    } else {
                        "application.declined"
                    },
                    entity: "application",
                    entity_id: app.id.as_str(),
                    before: audit::snapshot(&json!({"outcome": outcome.outcome})),
                    after: audit::snapshot(&json!({
                        "declined": kept_seat.is_none(),
                        "seat_id": holding.as_ref().map(|h| h.seat_id.clone()),
                        "kept_seat_id": kept_seat,
                    })),
                },
                now,
            )?;
            Ok(AnswerView {
                application_id: app.id,
                status: "declined".into(),
                seat_id: holding.map(|h| h.seat_id),
                offered_to: released.and_then(|r| r.offered_to),
                kept_seat_id: kept_seat,
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// Serialises every change of a council's seats: the rules count the whole council, so two
/// replacements at once must not both pass them.
fn lock_council(conn: &mut DbConn, call: &Call) -> Result<(), AppError> {
    conn.lock_row(LockableTable::Councils, call.council_id.as_str())?;
    conn.lock_row(LockableTable::Calls, call.id.as_str())?;
    Ok(())
}

/// The application, if the caller may answer for it: its applicant, or the call's managers.
fn answering(
    conn: &mut DbConn,
    id: &ApplicationId,
    caller: &ApplicationCaller,
) -> Result<Application, AppError> {
    let app =
        applications_store::find(conn, id)?.ok_or_else(|| AppError::not_found("application"))?;
    let call =
        calls_store::find(conn, &app.call_id)?.ok_or_else(|| AppError::not_found("application"))?;
    let allowed = match caller {
        ApplicationCaller::Applicant { token_digest } => *token_digest == app.edit_token_hash,
        ApplicationCaller::Staff(staff) => call_role(conn, &call, staff)? == CallRole::Manager,
    };
    if !allowed {
        return Err(AppError::not_found("application"));
    }
    if call.phase != CallPhase::Decided || app.status != ApplicationStatus::Submitted {
        return Err(AppError::Conflict(
            "answers are given after the call is decided".into(),
        ));
    }
    Ok(app)
}

/// What became of a seat given up: who was offered it next and, for a deputy who did not take
/// the theme's representative seat, the deputy seat they keep.
pub struct Released {
    pub offered_to: Option<ApplicationId>,
    pub kept_seat: Option<SeatId>,
}

/// Ends a holding and offers its seat to the best reserve of the theme who keeps the rules. Used
/// for declines, lapsed offers and vacated deputy seats. A deputy offered the representative
/// seat (`vacate`) who declines it or does not answer keeps their deputy seat, which was kept
/// for them meanwhile, unless a later call has filled it.
pub fn release_seat(
    conn: &mut DbConn,
    templates: &Templates,
    config: &crate::config::Config,
    holding: &store::Holding,
    status: HoldingStatus,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Released, AppError> {
    let call =
        calls_store::find(conn, &holding.call_id)?.ok_or_else(|| AppError::not_found("call"))?;
    let all_seats = seats::of_council(conn, &call.council_id)?;
    let seat = all_seats
        .iter()
        .find(|s| s.id == holding.seat_id)
        .cloned()
        .ok_or_else(|| AppError::not_found("seat"))?;
    let before = composition(conn, &call, &all_seats)?;
    if !store::end_or_confirm(conn, &holding.id, status, Some(reason), now)? {
        return Err(AppError::Conflict("the seat changed meanwhile".into()));
    }
    let mut kept_seat = None;
    if is_promotion_offer(holding)
        && matches!(status, HoldingStatus::Declined | HoldingStatus::Lapsed)
        && let Some((moved, confirmed)) = store::kept_seat_of(conn, &holding.application_id)?
    {
        store::seat_again(
            conn,
            &moved,
            confirmed,
            "did not take the representative seat",
            now,
        )?;
        store::set_outcome(
            conn,
            &holding.application_id,
            SeatRole::Deputy.as_str(),
            None,
        )?;
        kept_seat = Some(moved.seat_id);
    }
    let offered_to = offer_vacant(conn, templates, config, &call, &seat, &before, reason, now)?;
    Ok(Released {
        offered_to,
        kept_seat,
    })
}

/// An open offer of a representative seat to the theme's deputy (`vacate`).
fn is_promotion_offer(holding: &store::Holding) -> bool {
    holding.status == HoldingStatus::Offered && holding.source == HoldingSource::Deputy
}

/// The deputy seat kept for a deputy who has now taken the representative seat goes to the best
/// reserve who keeps the rules; returns who was offered it.
fn release_kept_deputy_seat(
    conn: &mut DbConn,
    templates: &Templates,
    config: &crate::config::Config,
    call: &Call,
    deputy: &ApplicationId,
    now: DateTime<Utc>,
) -> Result<Option<ApplicationId>, AppError> {
    let Some((moved, _)) = store::kept_seat_of(conn, deputy)? else {
        return Ok(None);
    };
    let all_seats = seats::of_council(conn, &call.council_id)?;
    let seat = all_seats
        .iter()
        .find(|s| s.id == moved.seat_id)
        .cloned()
        .ok_or_else(|| AppError::not_found("seat"))?;
    let before = composition(conn, call, &all_seats)?;
    offer_vacant(
        conn,
        templates,
        config,
        call,
        &seat,
        &before,
        "the deputy moved to the representative seat",
        now,
    )
}

/// Offers not answered in time lapse, and their seats go to the reserves. Run by the worker.
pub fn lapse_overdue(
    db: &Db,
    templates: &Templates,
    config: &crate::config::Config,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut lapsed = 0;
    let overdue = store::overdue_offers(&mut *db.conn()?, now)?;
    for holding in overdue {
        // Each lapse in its own write transaction, in the writers' queue like a request's.
        let done = db.write_blocking(|conn| {
            let call = calls_store::find(conn, &holding.call_id)?
                .ok_or_else(|| AppError::not_found("call"))?;
            lock_council(conn, &call)?;
            // Another instance may have handled it first.
            match store::current_of_application(conn, &holding.application_id)? {
                Some(h) if h.id == holding.id && h.status == HoldingStatus::Offered => {}
                _ => return Ok::<bool, AppError>(false),
            }
            release_seat(
                conn,
                templates,
                config,
                &holding,
                HoldingStatus::Lapsed,
                "no answer in time",
                now,
            )?;
            Ok(true)
        })?;
        lapsed += usize::from(done);
    }
    Ok(lapsed)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Vacate {
    #[validate(length(min = 1, max = 2000))]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VacateView {
    pub seat_id: SeatId,
    pub status: String,
    pub left: ApplicationId,
    /// For a representative seat: the theme's deputy, now offered the seat.
    pub proposed: Option<ApplicationId>,
    /// The deputy seat of the deputy now offered the representative seat. It is kept for them
    /// until they answer: if they decline (or do not answer) they keep it, and if they confirm,
    /// it is offered to the best reserve who keeps the rules (the confirm answer's `offered_to`).
    pub deputy_seat_id: Option<SeatId>,
    /// Always null: the deputy seat is no longer offered before the deputy answers (see
    /// `deputy_seat_id`). Kept so that clients reading it still work.
    pub deputy_seat_offered_to: Option<ApplicationId>,
}

impl VacateView {
    /// The seat went straight to a reserve (`offered`), or stays vacant.
    fn to_reserve(seat_id: SeatId, left: ApplicationId, offered: Option<ApplicationId>) -> Self {
        Self {
            seat_id,
            status: if offered.is_some() {
                "filled"
            } else {
                "vacant"
            }
            .into(),
            left,
            proposed: offered,
            deputy_seat_id: None,
            deputy_seat_offered_to: None,
        }
    }
}

/// A member leaves: the seat becomes vacant. For a representative seat the deputy of the same
/// theme is offered it, and their deputy seat is kept for them until they answer: it goes to the
/// best reserve who keeps the rules when they confirm, and stays theirs if they decline or do
/// not answer; for a deputy seat, the best reserve is offered it.
#[utoipa::path(
    tag = "selection",
    security(("bearer" = [])),
    params(("id" = SeatId, Path)),
    request_body = Vacate,
    responses(
        (status = 200, body = VacateView),
        (status = 403, response = super::docs::Forbidden),
        (status = 404, response = super::docs::NotFound),
        (status = 409, response = super::docs::Conflict),
        (status = 422, response = super::docs::ValidationFailed)
    )
)]
#[post("/seats/{id}/vacate")]
pub async fn vacate(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<SeatId>,
    body: Json<Vacate>,
) -> Result<web::Json<VacateView>, AppError> {
    let id = id.into_inner();
    let Json(body, _) = body;
    let now = state.now();
    let templates = state.templates.clone();
    let config = state.config.clone();
    let view = state
        .db
        .write(move |conn| {
            let holding = store::current_of_seat(conn, &id)?;
            let Some(holding) = holding else {
                // Seat unknown, not visible, or already vacant.
                return Err(match seats::council_of(conn, &id)? {
                    Some(council) if staff.require_manager(&council).is_ok() => {
                        let current =
                            store::current_of_councils(conn, std::slice::from_ref(&council))?;
                        let kept = store::kept_for_promotion(conn, &current)?
                            .iter()
                            .any(|k| k.seat_id == id);
                        AppError::Conflict(if kept {
                            "the seat is kept for its deputy, who is offered the theme's representative seat; it is theirs until they answer".into()
                        } else {
                            "the seat is already vacant".into()
                        })
                    }
                    _ => AppError::not_found("seat"),
                });
            };
            let call = managed_call(conn, &holding.call_id, &staff).map_err(|e| match e {
                AppError::NotFound(_) => AppError::not_found("seat"),
                other => other,
            })?;
            lock_council(conn, &call)?;
            if is_promotion_offer(&holding) {
                // Vacating would leave the deputy seat kept for them empty for good.
                return Err(AppError::Conflict(
                    "the seat is offered to the theme's deputy, who has not answered yet; wait for the answer, or decline on their behalf".into(),
                ));
            }
            let all_seats = seats::of_council(conn, &call.council_id)?;
            let seat = all_seats
                .iter()
                .find(|s| s.id == id)
                .cloned()
                .ok_or_else(|| AppError::not_found("seat"))?;
            audit::record(
                conn,
                Change {
                    call_id: Some(&call.id),
                    actor: &Actor::Staff(staff.0.id.clone()),
                    action: "seat.vacated",
                    entity: "seat",
                    entity_id: seat.id.as_str(),
                    before: audit::snapshot(&json!({"application_id": holding.application_id})),
                    after: audit::snapshot(&json!({"application_id": null, "reason": body.reason})),
                },
                now,
            )?;
            if seat.role == SeatRole::Deputy {
                let offered = release_seat(
                    conn,
                    &templates,
                    &config,
                    &holding,
                    HoldingStatus::Vacated,
                    &body.reason,
                    now,
                )?;
                return Ok(VacateView::to_reserve(
                    seat.id,
                    holding.application_id,
                    offered.offered_to,
                ));
            }
            // The composition before anyone moves, as the rules count it.
            let before = composition(conn, &call, &all_seats)?;
            if !store::end_or_confirm(
                conn,
                &holding.id,
                HoldingStatus::Vacated,
                Some(&body.reason),
                now,
            )? {
                return Err(AppError::Conflict("the seat changed meanwhile".into()));
            }
            // The theme's deputy steps up: the first held deputy seat of the theme whose holder
            // applied for either role.
            let mut deputy = None;
            for s in all_seats
                .iter()
                .filter(|s| s.theme == seat.theme && s.role == SeatRole::Deputy)
            {
                if let Some(h) = store::current_of_seat(conn, &s.id)? {
                    let app = applications_store::find(conn, &h.application_id)?
                        .ok_or_else(|| AppError::not_found("application"))?;
                    if allows(app.role_preference, SeatRole::Representative) {
                        deputy = Some((h, app));
                        break;
                    }
                }
            }
            let Some((deputy, deputy_app)) = deputy else {
                let offered = offer_vacant(
                    conn,
                    &templates,
                    &config,
                    &call,
                    &seat,
                    &before,
                    &body.reason,
                    now,
                )?;
                return Ok(VacateView::to_reserve(
                    seat.id,
                    holding.application_id,
                    offered,
                ));
            };
            if !store::end_or_confirm(
                conn,
                &deputy.id,
                HoldingStatus::Moved,
                Some("moved to the representative seat"),
                now,
            )? {
                return Err(AppError::Conflict(
                    "the deputy's seat changed meanwhile".into(),
                ));
            }
            offer_seat(
                conn,
                &templates,
                &config,
                &call,
                &seat,
                &deputy_app,
                HoldingSource::Deputy,
                &body.reason,
                now,
            )?;
            // The deputy seat is kept for the deputy until they answer: they keep it if they
            // decline the representative seat (or do not answer), and it goes to the reserves
            // when they confirm (`release_seat`, `release_kept_deputy_seat`).
            Ok(VacateView {
                seat_id: seat.id,
                status: "filled".into(),
                left: holding.application_id,
                proposed: Some(deputy_app.id),
                deputy_seat_id: Some(deputy.seat_id),
                deputy_seat_offered_to: None,
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// The council's current holders with the role of their seat.
fn composition(
    conn: &mut DbConn,
    call: &Call,
    all_seats: &[Seat],
) -> Result<Vec<(Application, SeatRole)>, AppError> {
    let current = store::current_of_councils(conn, std::slice::from_ref(&call.council_id))?;
    let mut apps = Vec::with_capacity(current.len());
    for h in &current {
        let a = applications_store::find(conn, &h.application_id)?
            .ok_or_else(|| AppError::not_found("application"))?;
        let role = all_seats
            .iter()
            .find(|s| s.id == h.seat_id)
            .map_or(SeatRole::Representative, |s| s.role);
        apps.push((a, role));
    }
    Ok(apps)
}

/// Offers a vacant seat to the best reserve of its theme whose joining breaks no rule that
/// `before` (the composition before the change) did not already break; returns who.
#[allow(clippy::too_many_arguments)]
fn offer_vacant(
    conn: &mut DbConn,
    templates: &Templates,
    config: &crate::config::Config,
    call: &Call,
    seat: &Seat,
    before: &[(Application, SeatRole)],
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Option<ApplicationId>, AppError> {
    let rules = rules_of_call(conn, &call.id)?;
    let all_seats = seats::of_council(conn, &call.council_id)?;
    let after_apps = composition(conn, call, &all_seats)?;
    let after: Vec<Member> = after_apps.iter().map(|(a, r)| member_of(a, *r)).collect();
    let before: Vec<Member> = before.iter().map(|(a, r)| member_of(a, *r)).collect();
    for (reserve_id, theme, _) in store::reserves_of_call(conn, &call.id)? {
        if theme != seat.theme.code() || store::current_of_application(conn, &reserve_id)?.is_some()
        {
            continue;
        }
        let reserve = applications_store::find(conn, &reserve_id)?
            .ok_or_else(|| AppError::not_found("application"))?;
        if !allows(reserve.role_preference, seat.role)
            || !selection::keeps_rules(&before, &after, member_of(&reserve, seat.role), rules)
        {
            continue;
        }
        offer_seat(
            conn,
            templates,
            config,
            call,
            seat,
            &reserve,
            HoldingSource::Reserve,
            reason,
            now,
        )?;
        audit::record(
            conn,
            Change {
                call_id: Some(&call.id),
                actor: &Actor::System,
                action: "seat.offered_to_reserve",
                entity: "seat",
                entity_id: seat.id.as_str(),
                before: None,
                after: audit::snapshot(
                    &json!({"application_id": reserve.id, "status": "offered", "reason": reason}),
                ),
            },
            now,
        )?;
        return Ok(Some(reserve.id));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs stored before the node limit was recorded still read (a decision reads its run).
    #[test]
    fn a_stored_objective_without_the_node_limit_reads_with_the_default() {
        let stored = json!({
            "representatives_filled": 1, "representative_seats": 1, "deputies_filled": 0,
            "deputy_seats": 1, "fillable": [1, 1], "total_score": 0.5, "lot_sum": 3,
            "proven_optimal": true, "search_nodes": 1,
        });
        let objective: ObjectiveView = serde_json::from_value(stored).unwrap();
        assert_eq!(objective.search_node_limit, selection::DEFAULT_NODE_LIMIT);
    }
}
