//! Selection runs: the call's ranking turned into the solver's input (`domain::selection`), solved
//! outside any transaction, and stored with its explanations and the hash of its input.

pub mod explain;
pub mod record;

use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use validator::Validate;

use super::Round;
use super::access::{self, Staff};
use super::review::{RankedApplication, ranking};
use crate::db::DbConn;
use crate::domain::call::CallPhase;
use crate::domain::seat_plan::SeatRole;
use crate::domain::selection::{self, Candidate, Constraints, Member, Rules, SeatGroup};
use crate::error::AppError;
use crate::ids::{CallId, SelectionRunId};
use crate::store::applications::{self as applications_store, Application};
use crate::store::audit::{self, Change};
use crate::store::calls::{self as calls_store, Call};
use crate::store::seats::{self, Seat};
use crate::store::selection as store;
use record::RunRecord;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateRun {
    #[serde(default)]
    pub constraints: Constraints,
    /// Decides ties by lot (recorded). Default: the call's id.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub seed: Option<String>,
}

/// A run's input, read for the call (managed by the caller, and reviewing) with the seed.
pub struct RunInput {
    pub call: Call,
    pub seed: String,
    pub input: Input,
}

/// The solver's input for the call: its vacant seats by theme and role, and every submitted
/// application that has not declined, with its selection score.
pub struct Input {
    pub seats: Vec<Seat>,
    pub groups: Vec<SeatGroup>,
    /// The council's current holders (of seats earlier calls filled): they count in the rules.
    pub seated: Vec<(Application, SeatRole)>,
    pub applications: Vec<RankedApplication>,
    pub candidates: Vec<Candidate>,
    pub hash: String,
}

/// The council's current holders with the role of their seat.
pub fn composition(
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

pub fn member_of(a: &Application, role: SeatRole) -> Member<'_> {
    Member {
        association: &a.association.business_id,
        municipality: &a.association.municipality_code,
        gender: a.candidate.gender,
        role,
    }
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

fn seat_groups(seats: &[Seat]) -> Vec<SeatGroup> {
    let mut groups: Vec<SeatGroup> = Vec::new();
    for s in seats {
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
    groups
}

/// The solver's input for the call, and its hash: SHA-256 of the canonical JSON of everything
/// that decides the outcome, in a fixed order.
pub fn input(
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
    let groups = seat_groups(&seats);
    let declined = store::declined_of_call(conn, &call.id)?;
    let mut applications: Vec<RankedApplication> = ranking(conn, call)?
        .into_iter()
        .flat_map(|(_, entries)| entries)
        .filter(|e| !declined.contains(&e.application.id))
        .collect();
    applications.sort_by(|a, b| a.application.id.cmp(&b.application.id));
    let candidates: Vec<Candidate> = applications.iter().map(candidate).collect();
    let (rubric, _) = calls_store::rubric(conn, &call.id)?;
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

/// The checked rules of `constraints`, or a 422 naming each bad field.
pub fn rules(constraints: &Constraints) -> Result<Rules, AppError> {
    constraints.rules().map_err(AppError::Validation)
}

/// The rules a decision applied, as stored on the call.
pub fn rules_of_call(conn: &mut DbConn, call: &CallId) -> Result<Rules, AppError> {
    let (_, _, rules_json) = store::decision_of(conn, call)?;
    let constraints: Constraints = match rules_json {
        Some(text) => crate::db::from_json_text(&text)?,
        None => Constraints::default(),
    };
    rules(&constraints)
}

/// The call, if the caller manages it and it is reviewing (when selection runs are made).
fn reviewing_call(
    conn: &mut DbConn,
    id: &CallId,
    staff: &Staff,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Call, AppError> {
    let call = access::call(conn, id, Some(staff))?.managed()?;
    if call.phase != CallPhase::Reviewing {
        return Err(AppError::Conflict(format!(
            "selection runs are made while the call is reviewing; it is {}",
            call.status(now).as_str()
        )));
    }
    Ok(call)
}

fn solve(
    run: &RunInput,
    constraints: &Constraints,
    rules: Rules,
    node_limit: u64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<RunRecord, AppError> {
    let seated: Vec<Member<'_>> = run
        .input
        .seated
        .iter()
        .map(|(a, role)| member_of(a, *role))
        .collect();
    let instance = selection::Instance {
        groups: &run.input.groups,
        candidates: &run.input.candidates,
        seated: &seated,
        rules,
        seed: &run.seed,
        node_limit,
    };
    let outcome = selection::select(&instance)
        .map_err(|e| AppError::invalid("constraints", "range", e.to_string()))?;
    Ok(explain::record(
        run,
        SelectionRunId::new(),
        constraints,
        &outcome,
        node_limit,
        now,
    ))
}

fn store_run(
    conn: &mut DbConn,
    staff: &Staff,
    run: &RunInput,
    record: &RunRecord,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let constraints_json = json!(record.constraints);
    store::insert_run(
        conn,
        &store::Run {
            id: record.id.clone(),
            call_id: run.call.id.clone(),
            seed: run.seed.clone(),
            constraints_json: constraints_json.to_string(),
            input_hash: run.input.hash.clone(),
            algorithm_version: selection::ALGORITHM_VERSION.to_owned(),
            result_json: record.to_json(),
            created_by: staff.id().clone(),
            created_at: now,
        },
    )?;
    audit::record(
        conn,
        Change {
            call_id: Some(&run.call.id),
            actor: &staff.actor(),
            action: "selection.run",
            entity: "selection_run",
            entity_id: record.id.as_str(),
            before: None,
            after: audit::snapshot(&json!({
                "seed": run.seed, "constraints": constraints_json,
                "input_hash": run.input.hash, "objective": record.objective,
            })),
        },
        now,
    )
}

/// Computes a selection run: the optimal assignment of the call's applications to its vacant
/// seats under the rules, with explanations, the smallest relaxation if the rules leave seats
/// empty, and the input hash. The same input and seed always give the same result. Only while
/// the call is `reviewing`, by its managers.
///
/// The input is read in one snapshot and solved with no connection and no transaction held (a
/// solve can take seconds, and on SQLite every other writer would wait); the run is stored only
/// if the caller still manages the call and it is still reviewing. At most
/// `selection.max_concurrent_runs` are solved at once; others wait holding nothing.
pub async fn create_run(
    round: &Round,
    staff: Staff,
    id: CallId,
    body: CreateRun,
) -> Result<RunRecord, AppError> {
    let rules = rules(&body.constraints)?;
    let now = round.now();
    // A run that would be refused is refused at once, not after the solves ahead of it.
    {
        let (id, staff) = (id.clone(), staff.clone());
        round
            .db
            .run(move |conn| reviewing_call(conn, &id, &staff, now).map(drop))
            .await?;
    }
    // The permit goes with the solve, so a client that gives up does not free it early.
    let permit = round
        .selection_permits
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("selection runs closed: {e}")))?;
    let now = round.now();
    let node_limit = round.config.selection.search_node_limit;
    let constraints_json = json!(body.constraints);
    round
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
                |run| solve(run, &body.constraints, rules, node_limit, now),
                |conn, run, record| {
                    // Still the caller's, and still reviewing.
                    reviewing_call(conn, &run.call.id, &staff, now)?;
                    store_run(conn, &staff, &run, &record, now)?;
                    Ok(record)
                },
            )
        })
        .await
}

/// A selection run as computed (the call's managers).
pub async fn get_run(
    round: &Round,
    staff: Staff,
    id: CallId,
    run_id: SelectionRunId,
) -> Result<RunRecord, AppError> {
    round
        .db
        .run(move |conn| {
            let call = access::call(conn, &id, Some(&staff))?.managed()?;
            let run = store::find_run(conn, &run_id)?
                .filter(|r| r.call_id == call.id)
                .ok_or_else(|| AppError::not_found("selection run"))?;
            RunRecord::from_json(&run.result_json)
        })
        .await
}
