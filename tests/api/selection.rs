//! Seat filling through the HTTP app: a whole round for a paikallis-JANE with eight themes
//! (applications, reviews, a run, a decision with an override, a decline with the reserve
//! stepping in, a vacancy, and coverage going from gaps to all filled after a second call), the
//! determinism of runs, and bad input.

use jane_seats::domain::access::Role;
use serde_json::{Value, json};

use crate::db_tests;
use crate::support::{Resp, TestApp, special_reason};

db_tests!(
    a_whole_round_fills_every_seat,
    runs_are_repeatable_and_checked,
    an_offer_without_an_answer_goes_to_the_reserve,
    overrides_are_checked_per_association,
    a_run_cut_short_by_the_node_limit_says_so,
    a_computation_reads_one_snapshot_and_holds_no_write_lock,
    a_deputy_moving_up_keeps_the_deputy_seat_until_taking_the_other,
    a_kept_deputy_seat_is_no_gap_and_no_later_call_takes_it,
    a_run_waits_while_every_solving_slot_is_taken,
    an_all_women_composition_is_decided_with_its_special_reason,
    three_representative_seats_take_two_women_and_a_man_without_a_relaxation,
);

const THEMES: [&str; 8] = [
    "children_families_youth",
    "pensioners",
    "sports",
    "social_health",
    "culture",
    "villages_heritage",
    "hobbies",
    "environment_nature",
];

/// A valid Y-tunnus for association `n`.
fn business_id(n: u32) -> String {
    let digits = format!("{:07}", 1_000_000 + n * 7);
    let weights = [7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = digits
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    match sum % 11 {
        0 => format!("{digits}-0"),
        1 => business_id(n + 1000), // remainder 1 is never valid: take another number
        r => format!("{digits}-{}", 11 - r),
    }
}

pub(crate) fn form(n: u32, theme: &str, gender: &str, preference: &str) -> Value {
    json!({
        "association": {"name": format!("Yhdistys {n} ry"), "business_id": business_id(n), "municipality_code": "426"},
        "theme": theme,
        "role_preference": preference,
        "candidate": {"first_name": format!("Hakija{n}"), "last_name": "Mäkelä", "email": format!("h{n}@example.org"),
                      "phone": "040 123 4567", "municipality_code": "426", "gender": gender, "language": "fi"},
        "motivation": "Haluan viedä viestiä yhdistysten ja JANEn välillä.",
        "commitments": {"has_time": true, "will_liaise": true},
        "consent": {"privacy_notice_version": "1", "accepted": true},
    })
}

pub(crate) struct Round {
    pub(crate) admin: String,
    pub(crate) secretary: String,
    pub(crate) member: String,
    pub(crate) jane: String,
    pub(crate) council: String,
}

pub(crate) async fn council(app: &TestApp) -> Round {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let council = app
        .local_council(&admin, &jane, "Liperin paikallis-JANE", &["426"])
        .await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&council]).await;
    let (_, member) = app.user(&admin, Role::Committee, &[&council]).await;
    app.seat_plan(&secretary, &council, &THEMES).await;
    Round {
        admin,
        secretary,
        member,
        jane,
        council,
    }
}

/// Publishes a call (over `themes`, or every theme of the plan), submits the forms, reviews them
/// with the given score (1..5) each and starts the review. Returns the call id and, per form,
/// (application id, edit token).
pub(crate) async fn call_with(
    app: &TestApp,
    round: &Round,
    themes: Option<&[&str]>,
    year: i32,
    forms: &[(Value, i64)],
) -> (String, Vec<(String, String)>) {
    let mut body = TestApp::call_body();
    for (key, value) in [
        ("opens_at", format!("{year}-02-01T09:00:00")),
        ("closes_at", format!("{year}-02-28T16:00:00")),
    ] {
        body[key] = json!(value);
    }
    if let Some(themes) = themes {
        body["themes"] = json!(themes);
    }
    let call = app
        .draft_call(&round.secretary, &round.council, body)
        .await
        .str("id");
    app.post(&format!("/api/v1/calls/{call}/publish"))
        .token(&round.secretary)
        .send()
        .await
        .assert_status(200);
    app.set_time(format!("{year}-02-10T12:00:00Z").parse().unwrap());
    let mut applications = Vec::new();
    for (form, _) in forms {
        let res = app
            .post(&format!("/api/v1/calls/{call}/applications"))
            .json(form.clone())
            .send()
            .await;
        res.assert_status(201);
        applications.push((res.str("id"), res.str("edit_token")));
    }
    let member_id = app
        .get("/api/v1/users/me")
        .token(&round.member)
        .send()
        .await
        .str("id");
    app.put(&format!("/api/v1/calls/{call}/committee"))
        .token(&round.secretary)
        .json(json!({ "user_ids": [member_id] }))
        .send()
        .await
        .assert_status(200);
    app.set_time(format!("{year}-03-01T12:00:00Z").parse().unwrap());
    app.post(&format!("/api/v1/calls/{call}/start-review"))
        .token(&round.secretary)
        .send()
        .await
        .assert_status(200);
    for ((id, _), (_, score)) in applications.iter().zip(forms) {
        app.put(&format!("/api/v1/applications/{id}/review"))
            .token(&round.member)
            .json(json!({"scores": {"activity": score, "liaison": score, "theme_knowledge": score, "local_knowledge": 3}}))
            .send()
            .await
            .assert_status(200);
    }
    (call, applications)
}

async fn coverage(app: &TestApp, round: &Round) -> Value {
    let res = app
        .get(&format!("/api/v1/councils/{}/coverage", round.jane))
        .token(&round.secretary)
        .send()
        .await;
    res.assert_status(200);
    res.json
}

fn local<'a>(coverage: &'a Value, council: &str) -> &'a Value {
    coverage["councils"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == council)
        .unwrap()
}

/// The secretary vacates `seat` (as listed by the API) for `reason`.
async fn vacate(app: &TestApp, round: &Round, seat: &Value, reason: &str) -> Resp {
    app.post(&format!(
        "/api/v1/seats/{}/vacate",
        seat["id"].as_str().unwrap()
    ))
    .token(&round.secretary)
    .json(json!({ "reason": reason }))
    .send()
    .await
}

fn seat_of<'a>(run: &'a Value, theme: &str, role: &str) -> &'a Value {
    run["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["theme"] == theme && a["role"] == role)
        .unwrap_or_else(|| panic!("no {role} for {theme} in {run}"))
}

async fn a_whole_round_fills_every_seat(app: TestApp) {
    let round = council(&app).await;
    let before = coverage(&app, &round).await;
    assert_eq!(
        local(&before, &round.council)["representative"]["filled"],
        0
    );
    assert_eq!(before["all_representative_seats_filled"], false);

    // Two applicants (a woman and a man, the first a woman in every other theme) for each theme
    // but culture, which gets one; sports gets four. Scores: the first of each theme 5, the
    // second 4, the others 3 and 2.
    let mut forms = Vec::new();
    let mut n = 0;
    for (i, theme) in THEMES.into_iter().enumerate() {
        let count = match theme {
            "sports" => 4,
            "culture" => 1,
            _ => 2,
        };
        for k in 0..count {
            n += 1;
            let gender = if (k + i) % 2 == 0 { "woman" } else { "man" };
            forms.push((form(n, theme, gender, "either"), 5 - k as i64));
        }
    }
    let (call, apps) = call_with(&app, &round, None, 2027, &forms).await;
    let sports: Vec<&(String, String)> = apps[4..8].iter().collect(); // applicants 5..8
    assert_eq!(forms[4].0["theme"], "sports");

    // The run: every seat but culture's deputy is filled; that one needs a new call.
    let body = json!({"constraints": {"max_seats_per_association": 1, "gender_balance": {"min_share": 0.4}, "max_seats_per_municipality": null}, "seed": "kevät 2027"});
    let res = app
        .post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.secretary)
        .json(body.clone())
        .send()
        .await;
    res.assert_status(201);
    let run = res.json.clone();
    assert_eq!(run["assignments"].as_array().unwrap().len(), 15, "{run}");
    assert_eq!(run["objective"]["proven_optimal"], true);
    let unfilled = run["unfilled"].as_array().unwrap();
    assert_eq!(unfilled.len(), 1);
    assert_eq!(unfilled[0]["theme"], "culture");
    assert_eq!(unfilled[0]["role"], "deputy");
    assert_eq!(unfilled[0]["reason"], "no_eligible_applicant");
    assert_eq!(unfilled[0]["new_call_needed"], true);
    // The higher score sits as representative.
    assert_eq!(
        seat_of(&run, "sports", "representative")["application_id"],
        sports[0].0
    );
    assert_eq!(
        seat_of(&run, "sports", "deputy")["application_id"],
        sports[1].0
    );
    // Those left out are explained.
    let left_out: Vec<&Value> = run["explanations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "left_out")
        .collect();
    assert_eq!(left_out.len(), 2);
    assert!(
        left_out.iter().all(|e| e["codes"][0] == "outscored"),
        "{left_out:?}"
    );
    assert!(
        left_out[0]["text"]["fi"]
            .as_str()
            .unwrap()
            .contains("ei valittu")
    );
    // In words a committee reads aloud: the rank in the theme and the reviews' mean on the
    // rubric's scale, not a normalised score.
    let text_of = |kind: &str, application: &str, language: &str| -> String {
        run["explanations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == kind && e["application_id"] == application)
            .unwrap_or_else(|| panic!("no {kind} explanation of {application}"))["text"][language]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let seated = text_of("seat", &sports[0].0, "fi");
    assert!(
        seated.contains("sija 1/4 teemassa, arvioiden keskiarvo ")
            && seated.contains("/100 (1 arvio)"),
        "{seated}"
    );
    let third = text_of("left_out", &sports[2].0, "sv");
    assert!(third.contains("plats 3 av 4 i temat, medeltal "), "{third}");
    for e in run["explanations"].as_array().unwrap() {
        let fi = e["text"]["fi"].as_str().unwrap();
        assert!(!fi.contains("pisteet"), "{fi}");
    }

    // The same run again: the same outcome and hash; the stored run reads back.
    let again = app
        .post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.secretary)
        .json(body)
        .send()
        .await;
    again.assert_status(201);
    assert_eq!(again.json["input_hash"], run["input_hash"]);
    assert_eq!(again.json["assignments"], run["assignments"]);
    let stored = app
        .get(&format!(
            "/api/v1/calls/{call}/selection-runs/{}",
            run["id"].as_str().unwrap()
        ))
        .token(&round.secretary)
        .send()
        .await;
    stored.assert_status(200);
    assert_eq!(stored.json["assignments"], run["assignments"]);

    // The decision, with an override: the meeting gives sports' representative seat to the
    // third sports applicant.
    let sports_rep_seat = seat_of(&run, "sports", "representative")["seat_id"].clone();
    let queued_before = app.count("notifications").await;
    let res = app
        .post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(json!({
            "selection_run_id": run["id"],
            "overrides": [{"seat_id": sports_rep_seat, "application_id": sports[2].0, "reason": "Paikallistuntemus"}],
            "meeting_reference": "Liperin paikallis-JANE 1/2027 § 4",
            "founding_meeting": {"time": "ti 16.3.2027 klo 17", "place": "Liperin kunnantalo"},
        }))
        .send()
        .await;
    res.assert_status(200);
    let decision = res.json.clone();
    assert_eq!(decision["status"], "decided");
    assert_eq!(decision["seats"].as_array().unwrap().len(), 15);
    // The one who lost the seat by the override heads the sports reserve list.
    let reserves = decision["reserves"].as_array().unwrap();
    assert_eq!(reserves[0]["application_id"], sports[0].0);
    assert_eq!(reserves[0]["rank"], 1);
    // Every applicant's outcome, plus an invitation for each of the 15 selected.
    assert_eq!(app.count("notifications").await - queued_before, 17 + 15);
    let call_view = app
        .get(&format!("/api/v1/calls/{call}"))
        .token(&round.secretary)
        .send()
        .await;
    assert_eq!(call_view.json["status"], "decided");
    // A second decision is refused.
    app.post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(json!({"selection_run_id": run["id"], "meeting_reference": "x"}))
        .send()
        .await
        .assert_problem(409);

    let after = coverage(&app, &round).await;
    let mine = local(&after, &round.council);
    assert_eq!(mine["representative"]["filled"], 8);
    assert_eq!(mine["deputy"]["filled"], 7);
    assert_eq!(mine["gaps"][0]["theme"], "culture");

    // The sports deputy (a man) declines. The best reserve, a woman, would leave men under 40 %
    // of the deputies (two of seven), so the seat goes to the next reserve, a man.
    let res = app
        .post(&format!("/api/v1/applications/{}/decline", sports[1].0))
        .token(&sports[1].1)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["offered_to"], sports[3].0);
    app.post(&format!("/api/v1/applications/{}/decline", sports[1].0))
        .token(&sports[1].1)
        .send()
        .await
        .assert_problem(409);
    // Someone else's token opens nothing.
    app.post(&format!("/api/v1/applications/{}/confirm", sports[3].0))
        .token(&sports[0].1)
        .send()
        .await
        .assert_problem(404);
    let res = app
        .post(&format!("/api/v1/applications/{}/confirm", sports[3].0))
        .token(&sports[3].1)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["status"], "confirmed");
    let seats = app
        .get(&format!("/api/v1/councils/{}/seats", round.council))
        .token(&round.secretary)
        .send()
        .await;
    let sports_deputy = seats
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["theme"] == "sports" && s["role"] == "deputy")
        .unwrap();
    assert_eq!(sports_deputy["holder"]["application_id"], sports[3].0);
    assert_eq!(sports_deputy["holder"]["confirmed"], true);

    // A vacancy: the pensioners' representative leaves; their deputy is proposed, and keeps the
    // deputy seat until they answer. When they take the representative seat, with no reserve
    // the deputy seat becomes a gap.
    let pensioners_rep = seats
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["theme"] == "pensioners" && s["role"] == "representative")
        .unwrap()
        .clone();
    let res = vacate(&app, &round, &pensioners_rep, "Muutti pois kunnasta").await;
    res.assert_status(200);
    assert_eq!(res.json["proposed"], apps[3].0);
    assert_eq!(res.json["deputy_seat_offered_to"], Value::Null);
    let gaps = async || -> Vec<(String, String)> {
        local(&coverage(&app, &round).await, &round.council)["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["theme"].as_str().unwrap().into(),
                    g["role"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    assert_eq!(gaps().await, [("culture".into(), "deputy".into())]);
    let res = app
        .post(&format!("/api/v1/applications/{}/confirm", apps[3].0))
        .token(&apps[3].1)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["offered_to"], Value::Null, "{}", res.json);
    assert_eq!(
        gaps().await,
        [
            ("pensioners".into(), "deputy".into()),
            ("culture".into(), "deputy".into())
        ]
    );
    // Members: the composition is public.
    let members = app
        .get(&format!("/api/v1/councils/{}/members", round.council))
        .send()
        .await;
    members.assert_status(200);
    assert_eq!(members.json["items"].as_array().unwrap().len(), 14);

    // A second call for the two gaps fills them: every seat is filled. An association that
    // already holds a seat applies again with the best score: the council's association limit
    // (one seat) counts its member, so it is left out.
    let seated_n: u32 = members.json["items"][0]["association"]
        .as_str()
        .unwrap()
        .trim_start_matches("Yhdistys ")
        .trim_end_matches(" ry")
        .parse()
        .unwrap();
    let mut again = form(seated_n, "culture", "woman", "either");
    again["candidate"]["email"] = json!("toinen@example.org");
    let second = [
        (form(101, "pensioners", "man", "deputy"), 4),
        (form(102, "culture", "man", "either"), 4),
        (again, 5),
    ];
    // The follow-up call seeks, unless told otherwise, the themes with vacant seats.
    let follow_up = app
        .draft_call(&round.secretary, &round.council, TestApp::call_body())
        .await;
    assert_eq!(follow_up.json["themes"], json!(["pensioners", "culture"]));
    let second_call = call_with(&app, &round, None, 2028, &second).await;
    let call2 = second_call.0.clone();
    let res = app
        .post(&format!("/api/v1/calls/{call2}/selection-runs"))
        .token(&round.secretary)
        .json(json!({"constraints": {"gender_balance": null}}))
        .send()
        .await;
    res.assert_status(201);
    assert_eq!(
        res.json["assignments"].as_array().unwrap().len(),
        2,
        "{}",
        res.json
    );
    let (_, second_applications) = &second_call;
    assert!(
        res.json["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["application_id"] != second_applications[2].0),
        "{}",
        res.json
    );
    let held_back = res.json["explanations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "left_out" && e["application_id"] == second_applications[2].0)
        .expect("the association's second applicant is explained");
    assert!(
        held_back["codes"]
            .as_array()
            .unwrap()
            .contains(&json!("association_limit")),
        "{held_back}"
    );
    app.post(&format!("/api/v1/calls/{call2}/decision"))
        .token(&round.secretary)
        .json(
            json!({"selection_run_id": res.json["id"], "meeting_reference": "2/2028 § 3",
                     "quota_exception": special_reason()}),
        )
        .send()
        .await
        .assert_status(200);
    // A decided call is not cancelled: its composition changes by vacating seats.
    let refused = app
        .post(&format!("/api/v1/calls/{call2}/cancel"))
        .token(&round.secretary)
        .json(json!({"reason": {"fi": "Myöhässä"}}))
        .send()
        .await;
    refused.assert_problem(409);
    assert!(
        refused.text().contains("vacating seats"),
        "{}",
        refused.text()
    );
    let last = coverage(&app, &round).await;
    let mine = local(&last, &round.council);
    assert_eq!(mine["gaps"], json!([]));
    assert_eq!(mine["representative"]["filled"], 8);
    assert_eq!(mine["deputy"]["filled"], 8);
}

async fn runs_are_repeatable_and_checked(app: TestApp) {
    let round = council(&app).await;
    // Two themes of one representative and one deputy: three men and a woman, either role.
    let forms: Vec<(Value, i64)> = [
        ("sports", "man"),
        ("sports", "man"),
        ("culture", "man"),
        ("culture", "woman"),
    ]
    .into_iter()
    .zip(1u32..)
    .map(|((theme, gender), n)| (form(n, theme, gender, "either"), 6 - i64::from(n)))
    .collect();
    let (call, apps) = call_with(&app, &round, Some(&["sports", "culture"]), 2027, &forms).await;

    // Bad constraints: every bad field named, nothing stored.
    let runs_before = app.count("selection_runs").await;
    let res = app
        .post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.secretary)
        .json(json!({"constraints": {"max_seats_per_association": 0, "gender_balance": {"min_share": 0.6}, "max_seats_per_municipality": 0}}))
        .send()
        .await;
    res.assert_invalid_fields(&[
        "constraints.gender_balance.min_share",
        "constraints.max_seats_per_association",
        "constraints.max_seats_per_municipality",
    ]);
    app.post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.secretary)
        .json(json!({"constraints": {"quota": 1}}))
        .send()
        .await
        .assert_problem(422);
    // Committee members and outsiders may not run.
    app.post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.member)
        .json(json!({}))
        .send()
        .await
        .assert_problem(403);
    assert_eq!(app.count("selection_runs").await, runs_before);

    // Two seats per role (a size with a strict 40 % split) and one woman: the rule takes a woman
    // and a man as representatives and no deputy (a man alone is no woman of one), so it leaves
    // both deputy seats empty and names the relaxation (the rule off).
    let res = app
        .post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.secretary)
        .json(json!({"seed": "a"}))
        .send()
        .await;
    res.assert_status(201);
    let run = res.json.clone();
    assert_eq!(run["objective"]["representatives_filled"], 2, "{run}");
    assert_eq!(run["objective"]["deputies_filled"], 0, "{run}");
    assert_eq!(run["unfilled"].as_array().unwrap().len(), 2, "{run}");
    assert_eq!(run["unfilled"][0]["reason"], "blocked_by_rules");
    assert_eq!(run["unfilled"][0]["rules"], json!(["gender_balance"]));
    assert_eq!(
        run["relaxations"][0]["changes"][0]["constraint"],
        "gender_balance.min_share"
    );
    assert_eq!(run["relaxations"][0]["changes"][0]["to"], Value::Null);

    // Reviews change: a decision on the old run is refused until a new run.
    app.put(&format!("/api/v1/applications/{}/review", apps[3].0))
        .token(&round.member)
        .json(json!({"scores": {"activity": 1, "liaison": 1, "theme_knowledge": 1, "local_knowledge": 1}}))
        .send()
        .await
        .assert_status(200);
    let decision = json!({"selection_run_id": run["id"], "meeting_reference": "1/2027 § 2"});
    app.post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(decision.clone())
        .send()
        .await
        .assert_problem(409);
    let fresh = app
        .post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.secretary)
        .json(json!({"seed": "a"}))
        .send()
        .await;
    assert_ne!(fresh.json["input_hash"], run["input_hash"]);
    // An override without a reason is refused with the field named; nothing is decided.
    let seat = fresh.json["unfilled"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["theme"] == "culture")
        .unwrap_or_else(|| panic!("no culture seat empty: {}", fresh.json))["seat_id"]
        .clone();
    app.post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(
            json!({"selection_run_id": fresh.json["id"], "meeting_reference": "1/2027 § 2",
                     "overrides": [{"seat_id": seat, "application_id": apps[2].0, "reason": ""}]}),
        )
        .send()
        .await
        .assert_invalid_fields(&["overrides[0].reason"]);
    let status = app
        .get(&format!("/api/v1/calls/{call}"))
        .token(&round.secretary)
        .send()
        .await;
    assert_eq!(status.json["status"], "reviewing");
    // The override breaks the balance rule: the run's rule is reported, not refused, but the
    // Equality Act asks the decision to state its special reason.
    let overridden = json!({"selection_run_id": fresh.json["id"], "meeting_reference": "1/2027 § 2",
                            "overrides": [{"seat_id": seat, "application_id": apps[2].0, "reason": "Kokouksen päätös"}]});
    let refused = app
        .post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(overridden.clone())
        .send()
        .await;
    refused.assert_invalid_fields(&["quota_exception"]);
    let mut with_reason = overridden;
    with_reason["quota_exception"] = special_reason();
    let res = app
        .post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(with_reason)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["rule_violations"][0]["rule"], "gender_balance");
    assert_eq!(res.json["quota_exception"], special_reason());
}

/// A sports call of `n` men scored 5, 4, 3, ..., run without the balance rule and decided with
/// `reserves` reserves: the first two sit (representative, deputy), the next `reserves` wait in
/// order. Returns the call and, per applicant, (application id, edit token).
pub(crate) async fn decided_sports_call(
    app: &TestApp,
    round: &Round,
    n: u32,
    reserves: u32,
) -> (String, Vec<(String, String)>) {
    let forms: Vec<(Value, i64)> = (0..n)
        .map(|k| (form(k + 1, "sports", "man", "either"), 5 - i64::from(k)))
        .collect();
    let (call, apps) = call_with(app, round, Some(&["sports"]), 2027, &forms).await;
    let run = app
        .post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.secretary)
        .json(json!({"constraints": {"gender_balance": null}}))
        .send()
        .await;
    run.assert_status(201);
    assert!(run.json["relaxations"].as_array().unwrap().is_empty());
    let decided = app
        .post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(
            json!({"selection_run_id": run.json["id"], "meeting_reference": "1/2027 § 2",
                     "reserves_per_theme": reserves, "quota_exception": special_reason()}),
        )
        .send()
        .await;
    decided.assert_status(200);
    assert_eq!(
        decided.json["reserves"][0]["application_id"], apps[2].0,
        "{}",
        decided.json
    );
    (call, apps)
}

async fn an_offer_without_an_answer_goes_to_the_reserve(app: TestApp) {
    let round = council(&app).await;
    let (_, apps) = decided_sports_call(&app, &round, 3, 1).await;
    // The representative confirms; the deputy does not answer.
    app.post(&format!("/api/v1/applications/{}/confirm", apps[0].0))
        .token(&apps[0].1)
        .send()
        .await
        .assert_status(200);
    let worker = app.worker();
    // Thirteen days later nothing happens; after fourteen the offer lapses.
    app.set_time("2027-03-14T12:00:00Z".parse().unwrap());
    worker.housekeeping().await.unwrap();
    let queued = app.count("notifications").await;
    app.set_time("2027-03-15T12:00:01Z".parse().unwrap());
    // Past the deadline a late answer is refused even before the worker runs.
    app.post(&format!("/api/v1/applications/{}/confirm", apps[1].0))
        .token(&apps[1].1)
        .send()
        .await
        .assert_problem(409);
    worker.housekeeping().await.unwrap();
    assert_eq!(app.count("notifications").await, queued + 1);
    let deputy = sports_seat(&app, &round, "deputy").await;
    assert_eq!(deputy["holder"]["application_id"], apps[2].0);
    assert_eq!(deputy["holder"]["confirmed"], false);
    // The lapsed applicant can no longer confirm.
    app.post(&format!("/api/v1/applications/{}/confirm", apps[1].0))
        .token(&apps[1].1)
        .send()
        .await
        .assert_problem(409);
    // Running the worker again changes nothing.
    worker.housekeeping().await.unwrap();
    assert_eq!(app.count("notifications").await, queued + 1);
    // Seats with a history are not removed by a smaller seat plan.
    app.put(&format!("/api/v1/councils/{}/seat-plan", round.council))
        .token(&round.secretary)
        .json(json!({"themes": [{"theme": "culture", "representatives": 1, "deputies": 1}]}))
        .send()
        .await
        .assert_problem(409);
}

/// Runs without the balance rule and decides with an override that gives `to` the deputy seat of
/// `theme`; returns the decision.
async fn decide_with_override(
    app: &TestApp,
    round: &Round,
    call: &str,
    theme: &str,
    to: &str,
) -> Value {
    let run = app
        .post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.secretary)
        .json(json!({"constraints": {"gender_balance": null}}))
        .send()
        .await;
    run.assert_status(201);
    let deputy = seat_of(&run.json, theme, "deputy")["seat_id"].clone();
    let decided = app
        .post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(json!({"selection_run_id": run.json["id"], "meeting_reference": "1/2027 § 3",
                     "overrides": [{"seat_id": deputy, "application_id": to, "reason": "Kokouksen päätös"}],
                     "quota_exception": special_reason()}))
        .send()
        .await;
    decided.assert_status(200);
    decided.json
}

/// The same association's second candidate (another person).
fn second_candidate(n: u32, theme: &str) -> Value {
    let mut other = form(n, theme, "man", "either");
    other["candidate"]["first_name"] = json!("Toinen");
    other["candidate"]["email"] = json!(format!("toinen{n}@example.org"));
    other
}

async fn overrides_are_checked_per_association(app: TestApp) {
    let round = council(&app).await;
    // First call: the meeting gives association 1 both sports seats, against the limit of one.
    let first = [
        (form(1, "sports", "man", "either"), 5),
        (second_candidate(1, "sports"), 4),
        (form(2, "sports", "man", "either"), 3),
    ];
    let (call, apps) = call_with(&app, &round, Some(&["sports"]), 2027, &first).await;
    let decided = decide_with_override(&app, &round, &call, "sports", &apps[1].0).await;
    assert_eq!(
        decided["rule_violations"],
        json!([{"rule": "association_limit",
                "detail": format!("Yhdistys 1 ry ({}) would hold 2 seats; the limit of seats per association is 1", business_id(1))}]),
        "{decided}"
    );

    // Second call: association 1 still holds two seats (the rule is already broken), and the
    // meeting gives association 3 two seats too. That is a new breach, for another association,
    // and it is reported; association 1's is not the second decision's doing.
    let second = [
        (form(3, "culture", "man", "either"), 5),
        (second_candidate(3, "culture"), 4),
        (form(4, "culture", "man", "either"), 3),
    ];
    let (call2, apps2) = call_with(&app, &round, Some(&["culture"]), 2028, &second).await;
    let decided = decide_with_override(&app, &round, &call2, "culture", &apps2[1].0).await;
    let violations = decided["rule_violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1, "{decided}");
    assert_eq!(violations[0]["rule"], "association_limit");
    let detail = violations[0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!(
            "Yhdistys 3 ry ({}) would hold 2 seats",
            business_id(3)
        )),
        "{detail}"
    );
}

/// Four themes; women for the children's and the culture representative seats only (score 4),
/// a woman (5) for pensioners and a man (5) for sports, either role. Four seats per role keep the
/// strict 40 %: three or four representatives would need two men, and one deputy alone is all
/// one gender. The optimum is two representatives (the pensioners' woman and the sports man) and
/// no deputy, which the search needs more than one node to prove.
async fn a_run_cut_short_by_the_node_limit_says_so(app: TestApp) {
    async fn run(app: &TestApp) -> Value {
        let round = council(app).await;
        let forms = [
            (
                form(1, "children_families_youth", "woman", "representative"),
                4,
            ),
            (form(2, "pensioners", "woman", "either"), 5),
            (form(3, "sports", "man", "either"), 5),
            (form(4, "culture", "woman", "representative"), 4),
        ];
        let themes = ["children_families_youth", "pensioners", "sports", "culture"];
        let (call, _) = call_with(app, &round, Some(&themes), 2027, &forms).await;
        let res = app
            .post(&format!("/api/v1/calls/{call}/selection-runs"))
            .token(&round.secretary)
            .json(json!({"seed": "a"}))
            .send()
            .await;
        res.assert_status(201);
        res.json
    }
    let full = run(&app).await;
    assert_eq!(full["objective"]["proven_optimal"], true, "{full}");
    assert_eq!(full["objective"]["search_node_limit"], 20_000);
    assert!(
        full["objective"]["search_nodes"].as_u64().unwrap() > 1,
        "the call no longer needs branching, so the limited run below tests nothing: {full}"
    );
    assert_eq!(
        seat_of(&full, "pensioners", "representative")["name"],
        "Hakija2 Mäkelä"
    );
    assert_eq!(
        seat_of(&full, "sports", "representative")["name"],
        "Hakija3 Mäkelä"
    );
    assert_eq!(full["objective"]["representatives_filled"], 2);
    assert_eq!(full["objective"]["deputies_filled"], 0);

    let limited_app = TestApp::start_with(app.backend, |c| c.selection.search_node_limit = 1).await;
    let limited = run(&limited_app).await;
    assert_eq!(limited["objective"]["proven_optimal"], false, "{limited}");
    assert_eq!(limited["objective"]["search_nodes"], 1);
    assert_eq!(limited["objective"]["search_node_limit"], 1);
    // A relaxation is named only where the search showed that the rules leave seats empty.
    assert_eq!(
        full["relaxations"][0]["changes"][0]["constraint"],
        "gender_balance.min_share"
    );
    assert_eq!(limited["relaxations"], json!([]), "{limited}");
    // The best found so far, and it keeps the rules: one woman and one man represent.
    let reps: Vec<&Value> = limited["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["role"] == "representative")
        .collect();
    assert!(reps.len() <= 2, "three would break the balance: {limited}");
    if reps.len() == 2 {
        assert!(
            reps.iter().any(|a| a["name"] == "Hakija3 Mäkelä"),
            "{limited}"
        );
    }
    let explained = search_limit_explanation(&limited)
        .unwrap_or_else(|| panic!("the cut-short search is explained: {limited}"));
    assert!(
        explained.contains("not necessarily the best possible"),
        "{explained}"
    );
    assert_eq!(search_limit_explanation(&full), None, "{full}");
    assert_eq!(full["objective"]["relaxations_cut_short"], false);

    // The limit bounds the whole run, relaxation probes included. The least limit at which the
    // selection is proven is exactly what its search took, which leaves the probes nothing:
    // the run says the relaxation was not found instead of naming none silently.
    let total = full["objective"]["search_nodes"].as_u64().unwrap();
    for limit in 2..=total {
        let limited_app =
            TestApp::start_with(app.backend, |c| c.selection.search_node_limit = limit).await;
        let limited = run(&limited_app).await;
        if limited["objective"]["proven_optimal"] == false {
            continue;
        }
        assert_eq!(
            limited["objective"]["relaxations_cut_short"], true,
            "{limited}"
        );
        assert_eq!(limited["objective"]["search_nodes"], limit, "{limited}");
        assert_eq!(limited["relaxations"], json!([]), "{limited}");
        let holders = |run: &Value| -> Vec<(String, String)> {
            run["assignments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| (a["name"].to_string(), a["role"].to_string()))
                .collect()
        };
        assert_eq!(holders(&limited), holders(&full), "{limited}");
        let explained = search_limit_explanation(&limited)
            .unwrap_or_else(|| panic!("the cut-short probes are explained: {limited}"));
        assert!(
            explained.contains("before it found the smallest change of the rules"),
            "{explained}"
        );
        return;
    }
    panic!("no limit below {total} proved the selection: the probes took no node");
}

/// How a selection run is stored (`Db::compute_then_write`): it reads one snapshot (a write
/// committed between two of its reads is not seen), and it computes with no connection and no
/// write lock held, so other writers go on meanwhile.
async fn a_computation_reads_one_snapshot_and_holds_no_write_lock(app: TestApp) {
    use jane_seats::db::{Db, DbConn};
    use jane_seats::error::AppError;
    use jane_seats::store::audit::{self, Actor, Change};

    fn mark(conn: &mut DbConn) -> Result<(), AppError> {
        audit::record(
            conn,
            Change {
                call_id: None,
                actor: &Actor::System,
                action: "test.mark",
                entity: "test",
                entity_id: "-",
                before: None,
                after: None,
            },
            chrono::Utc::now(),
        )
    }
    fn marks(conn: &mut DbConn) -> Result<i64, AppError> {
        use diesel::prelude::*;
        use jane_seats::db::schema::audit_log;
        Ok(audit_log::table
            .filter(audit_log::action.eq("test.mark"))
            .count()
            .get_result(conn)?)
    }
    /// Another writer commits, from another thread; it would wait for ever if the caller held
    /// the write lock.
    fn mark_elsewhere(db: &Db) -> Result<(), AppError> {
        let other = db.clone();
        let (done, wait) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(other.write_blocking(mark));
        });
        wait.recv_timeout(std::time::Duration::from_secs(20))
            .expect("another writer commits meanwhile")
    }

    let (read, written) = app
        .db
        .blocking(|db| {
            db.compute_then_write(
                |conn| {
                    let first = marks(conn)?;
                    mark_elsewhere(db)?;
                    Ok((first, marks(conn)?))
                },
                |&(first, second)| {
                    mark_elsewhere(db)?;
                    Ok(first + second)
                },
                |conn, read, computed| {
                    mark(conn)?;
                    Ok((read, (computed, marks(conn)?)))
                },
            )
        })
        .await
        .unwrap();
    assert_eq!(
        read,
        (0, 0),
        "both reads see the snapshot, not the mark made between them"
    );
    assert_eq!(
        written,
        (0, 3),
        "the write sees both marks made meanwhile and its own"
    );
}

/// The sports seat of `role` in the council's seat list.
async fn sports_seat(app: &TestApp, round: &Round, role: &str) -> Value {
    let seats = app
        .get(&format!("/api/v1/councils/{}/seats", round.council))
        .token(&round.secretary)
        .send()
        .await;
    seats.assert_status(200);
    seats
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["theme"] == "sports" && s["role"] == role)
        .unwrap()
        .clone()
}

/// When a representative leaves, the theme's deputy is offered the seat and their deputy seat
/// is kept for them until they answer: declining (or not answering) keeps them the deputy, and
/// the representative seat goes to a reserve; confirming gives the deputy seat to a reserve.
async fn a_deputy_moving_up_keeps_the_deputy_seat_until_taking_the_other(app: TestApp) {
    let round = council(&app).await;
    // Scores 5, 4, 3, 2, 1: the first two sit, the other three are reserves in that order.
    let (_, apps) = decided_sports_call(&app, &round, 5, 3).await;
    // The representative confirms; the deputy has not answered yet when the representative
    // leaves.
    app.post(&format!("/api/v1/applications/{}/confirm", apps[0].0))
        .token(&apps[0].1)
        .send()
        .await
        .assert_status(200);
    let representative = sports_seat(&app, &round, "representative").await;
    let deputy = sports_seat(&app, &round, "deputy").await;
    assert_eq!(representative["holder"]["application_id"], apps[0].0);
    assert_eq!(deputy["holder"]["application_id"], apps[1].0);

    // The representative leaves: the deputy is offered the seat, told that declining keeps
    // them the deputy; the deputy seat waits for their answer.
    let queued = app.count("notifications").await;
    let res = vacate(&app, &round, &representative, "Muutti pois kunnasta").await;
    res.assert_status(200);
    assert_eq!(res.json["proposed"], apps[1].0);
    assert_eq!(res.json["deputy_seat_id"], deputy["id"]);
    assert_eq!(res.json["deputy_seat_offered_to"], Value::Null);
    assert_eq!(
        app.count("notifications").await,
        queued + 1,
        "only the deputy is told"
    );
    let offer: String = app
        .db
        .run(|conn| {
            use diesel::prelude::*;
            use jane_seats::db::schema::notifications;
            Ok(notifications::table
                .select(notifications::body_text)
                .filter(notifications::kind.eq("selected_representative"))
                .filter(notifications::body_text.like("%Hei Hakija2,%"))
                .get_result(conn)?)
        })
        .await
        .unwrap();
    assert!(
        offer.contains("jatkat teeman varaedustajana") && !offer.contains("perustamiskokoukseen"),
        "{offer}"
    );
    // While the deputy decides, the seat offered to them cannot be vacated.
    vacate(&app, &round, &representative, "Muutti pois kunnasta")
        .await
        .assert_problem(409);

    // The deputy declines moving up: they keep the deputy seat as they held it (offered, not
    // yet confirmed), still a member, and the representative seat goes to the best reserve.
    let res = app
        .post(&format!("/api/v1/applications/{}/decline", apps[1].0))
        .token(&apps[1].1)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["kept_seat_id"], deputy["id"], "{}", res.json);
    assert_eq!(res.json["offered_to"], apps[2].0, "{}", res.json);
    let deputy_now = sports_seat(&app, &round, "deputy").await;
    assert_eq!(deputy_now["holder"]["application_id"], apps[1].0);
    assert_eq!(deputy_now["holder"]["confirmed"], false);
    app.post(&format!("/api/v1/applications/{}/confirm", apps[1].0))
        .token(&apps[1].1)
        .send()
        .await
        .assert_status(200);
    let deputy_now = sports_seat(&app, &round, "deputy").await;
    assert_eq!(deputy_now["holder"]["confirmed"], true);
    assert_eq!(
        sports_seat(&app, &round, "representative").await["holder"]["application_id"],
        apps[2].0
    );
    let members = app
        .get(&format!("/api/v1/councils/{}/members", round.council))
        .send()
        .await;
    assert!(
        members.json["items"].to_string().contains("Hakija2"),
        "the deputy is still a member: {}",
        members.json
    );

    // The reserve takes the representative seat and later leaves too; this time the deputy
    // confirms, and the deputy seat goes to the next reserve.
    app.post(&format!("/api/v1/applications/{}/confirm", apps[2].0))
        .token(&apps[2].1)
        .send()
        .await
        .assert_status(200);
    let res = vacate(&app, &round, &representative, "Muutti pois kunnasta").await;
    res.assert_status(200);
    assert_eq!(res.json["proposed"], apps[1].0);
    let res = app
        .post(&format!("/api/v1/applications/{}/confirm", apps[1].0))
        .token(&apps[1].1)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["offered_to"], apps[3].0, "{}", res.json);
    assert_eq!(
        sports_seat(&app, &round, "representative").await["holder"]["application_id"],
        apps[1].0
    );
    let deputy_now = sports_seat(&app, &round, "deputy").await;
    assert_eq!(deputy_now["holder"]["application_id"], apps[3].0);
    assert_eq!(deputy_now["holder"]["confirmed"], false);

    // The new deputy confirms; the representative leaves once more and the deputy lets the
    // offer lapse: they stay the deputy, and the representative seat goes to the last reserve.
    app.post(&format!("/api/v1/applications/{}/confirm", apps[3].0))
        .token(&apps[3].1)
        .send()
        .await
        .assert_status(200);
    vacate(&app, &round, &representative, "Muutti pois kunnasta")
        .await
        .assert_status(200);
    app.set_time("2027-03-20T12:00:00Z".parse().unwrap());
    app.worker().housekeeping().await.unwrap();
    let deputy_now = sports_seat(&app, &round, "deputy").await;
    assert_eq!(deputy_now["holder"]["application_id"], apps[3].0);
    assert_eq!(deputy_now["holder"]["confirmed"], true);
    let representative_now = sports_seat(&app, &round, "representative").await;
    assert_eq!(representative_now["holder"]["application_id"], apps[4].0);
}

/// The deputy seat kept for a deputy deciding on moving up is theirs meanwhile: it shows as held
/// (with the seat they are offered), is no gap in coverage, cannot be vacated, and a call decided
/// meanwhile does not fill it, so a deputy who then lets the offer lapse stays the deputy.
async fn a_kept_deputy_seat_is_no_gap_and_no_later_call_takes_it(app: TestApp) {
    let round = council(&app).await;
    let (_, apps) = decided_sports_call(&app, &round, 4, 2).await;
    let representative = sports_seat(&app, &round, "representative").await;
    let deputy = sports_seat(&app, &round, "deputy").await;
    app.post(&format!("/api/v1/applications/{}/confirm", apps[1].0))
        .token(&apps[1].1)
        .send()
        .await
        .assert_status(200);
    vacate(&app, &round, &representative, "Muutti pois kunnasta")
        .await
        .assert_status(200);

    let kept = sports_seat(&app, &round, "deputy").await;
    assert_eq!(kept["status"], "filled", "{kept}");
    assert_eq!(kept["holder"]["application_id"], apps[1].0, "{kept}");
    assert_eq!(kept["holder"]["confirmed"], true, "{kept}");
    assert_eq!(
        kept["holder"]["moving_up_to"], representative["id"],
        "{kept}"
    );
    let offered = sports_seat(&app, &round, "representative").await;
    assert_eq!(offered["holder"]["application_id"], apps[1].0);
    assert_eq!(offered["holder"]["moving_up_to"], Value::Null);
    let gaps = coverage(&app, &round).await;
    let mine = local(&gaps, &round.council);
    assert!(
        mine["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["theme"] != "sports"),
        "{mine}"
    );
    let members = app
        .get(&format!("/api/v1/councils/{}/members", round.council))
        .send()
        .await;
    let deputy_entry = members.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["seat_id"] == deputy["id"])
        .unwrap_or_else(|| panic!("the kept seat is listed: {}", members.json))
        .clone();
    assert_eq!(deputy_entry["moving_up_to"], representative["id"]);
    let res = vacate(&app, &round, &deputy, "Väärä paikka").await;
    res.assert_problem(409);
    assert!(
        res.str("detail").contains("kept for its deputy"),
        "{}",
        res.json
    );

    // A call for sports and culture meanwhile: only the culture seats are open to it, although
    // its sports applicant scores best.
    let forms = [
        (form(21, "sports", "woman", "either"), 5),
        (form(22, "culture", "woman", "either"), 4),
        (form(23, "culture", "man", "either"), 3),
    ];
    let (call2, apps2) = call_with(&app, &round, Some(&["sports", "culture"]), 2028, &forms).await;
    let run = app
        .post(&format!("/api/v1/calls/{call2}/selection-runs"))
        .token(&round.secretary)
        .json(json!({"constraints": {"gender_balance": null}}))
        .send()
        .await;
    run.assert_status(201);
    let assignments = run.json["assignments"].as_array().unwrap();
    assert_eq!(assignments.len(), 2, "{}", run.json);
    assert!(
        assignments
            .iter()
            .all(|a| a["seat_id"] != deputy["id"] && a["application_id"] != apps2[0].0),
        "{}",
        run.json
    );
    assert!(
        run.json["unfilled"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["seat_id"] != deputy["id"]),
        "{}",
        run.json
    );
    app.post(&format!("/api/v1/calls/{call2}/decision"))
        .token(&round.secretary)
        .json(json!({"selection_run_id": run.json["id"], "meeting_reference": "2/2028 § 3"}))
        .send()
        .await
        .assert_status(200);

    // The deputy lets the offer lapse: they hold the deputy seat again, confirmed as before, and
    // the representative seat goes to the first call's reserve.
    app.worker().housekeeping().await.unwrap();
    let deputy_now = sports_seat(&app, &round, "deputy").await;
    assert_eq!(deputy_now["holder"]["application_id"], apps[1].0);
    assert_eq!(deputy_now["holder"]["confirmed"], true);
    assert_eq!(deputy_now["holder"]["moving_up_to"], Value::Null);
    let representative_now = sports_seat(&app, &round, "representative").await;
    assert_eq!(representative_now["holder"]["application_id"], apps[2].0);
}

/// Runs beyond `selection.max_concurrent_runs` wait for a slot instead of solving at once: with
/// the only slot held, a run neither answers nor stores anything; once it is freed, the run goes
/// on and is stored.
async fn a_run_waits_while_every_solving_slot_is_taken(app: TestApp) {
    let app = TestApp::start_with(app.backend, |c| c.selection.max_concurrent_runs = 1).await;
    let round = council(&app).await;
    let forms = [
        (form(1, "sports", "woman", "either"), 5),
        (form(2, "sports", "man", "either"), 4),
    ];
    let (call, _) = call_with(&app, &round, Some(&["sports"]), 2027, &forms).await;
    let held = app.selection_runs.clone().acquire_owned().await.unwrap();
    let run = app
        .post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.secretary)
        .json(json!({"seed": "a", "constraints": {"gender_balance": null}}))
        .send();
    tokio::pin!(run);
    tokio::select! {
        res = &mut run => panic!("a run solved while every slot was taken: {}", res.text()),
        () = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
    }
    assert_eq!(app.count("selection_runs").await, 0);
    // Meanwhile a run that would be refused is refused at once: a committee member may not run.
    app.post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.member)
        .json(json!({}))
        .send()
        .await
        .assert_problem(403);
    drop(held);
    let res = run.await;
    res.assert_status(201);
    assert_eq!(res.json["assignments"].as_array().unwrap().len(), 2);
    assert_eq!(app.count("selection_runs").await, 1);
    assert_eq!(app.selection_runs.available_permits(), 1);
}

/// The English text of a run's explanation that its search was cut short, if it has one.
fn search_limit_explanation(run: &Value) -> Option<&str> {
    run["explanations"]
        .as_array()?
        .iter()
        .find(|e| e["kind"] == "search_limit")
        .and_then(|e| e["text"]["en"].as_str())
}

/// Only women applied for sports and culture: a run without the balance rule seats four women,
/// which the Equality Act (4 a §) allows only with a special reason and the measures taken,
/// stated in the decision, stored, audited and shown on the call's page.
async fn an_all_women_composition_is_decided_with_its_special_reason(app: TestApp) {
    let round = council(&app).await;
    let forms: Vec<(Value, i64)> = (0..4)
        .map(|k| {
            let theme = if k % 2 == 0 { "sports" } else { "culture" };
            (form(k + 1, theme, "woman", "either"), 5 - i64::from(k))
        })
        .collect();
    let (call, _) = call_with(&app, &round, Some(&["sports", "culture"]), 2027, &forms).await;
    let run = app
        .post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.secretary)
        .json(json!({"constraints": {"gender_balance": null}}))
        .send()
        .await;
    run.assert_status(201);
    assert!(
        run.json["unfilled"].as_array().unwrap().is_empty(),
        "{}",
        run.json
    );
    let decision = json!({"selection_run_id": run.json["id"], "meeting_reference": "1/2027 § 4"});
    let (holders, messages) = (
        app.count("seat_holders").await,
        app.count("notifications").await,
    );
    let refused = app
        .post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(decision.clone())
        .send()
        .await;
    refused.assert_invalid_fields(&["quota_exception"]);
    let detail = refused.json["errors"][0]["message"].as_str().unwrap();
    assert!(detail.contains("0 of the 2 representatives"), "{detail}");
    assert!(detail.contains("special reason"), "{detail}");
    // Nothing was decided.
    assert_eq!(app.count("seat_holders").await, holders);
    assert_eq!(app.count("notifications").await, messages);
    let status = app.get(&format!("/api/v1/calls/{call}")).send().await;
    assert_eq!(status.json["status"], "reviewing");
    // A half-stated exception is no exception.
    let mut half = decision.clone();
    half["quota_exception"] = json!({"reason": "Vain naisia haki.", "measures": ""});
    app.post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(half)
        .send()
        .await
        .assert_invalid_fields(&["quota_exception.measures"]);

    let exception = json!({
        "reason": "Urheilun ja kulttuurin paikoille haki vain naisia.",
        "measures": "Hakuaikaa jatkettiin kahdella viikolla ja miehiä pyydettiin hakemaan seurojen kautta.",
    });
    let mut stated = decision;
    stated["quota_exception"] = exception.clone();
    let decided = app
        .post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(stated)
        .send()
        .await;
    decided.assert_status(200);
    assert_eq!(decided.json["quota_exception"], exception);
    assert_eq!(decided.json["seats"].as_array().unwrap().len(), 4);
    let audit = app
        .get(&format!("/api/v1/calls/{call}/audit"))
        .token(&round.admin)
        .send()
        .await;
    let entry = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "call.decided")
        .cloned()
        .expect("the decision is audited");
    assert_eq!(entry["after"]["quota_exception"], exception);
    // The call's page states it with the decision.
    let page = app
        .get(&format!("/calls/{call}?lang=fi"))
        .send()
        .await
        .text();
    assert!(page.contains("Päätös: 1/2027 § 4."), "{page}");
    assert!(page.contains("Erityinen syy"), "{page}");
    assert!(page.contains("Urheilun ja kulttuurin paikoille haki vain naisia."));
    assert!(page.contains("Hakuaikaa jatkettiin kahdella viikolla"));
}

/// Three representative seats (three themes, representatives only): two women and a man fill
/// all three under the default 40 % rule, without a relaxation (the Equality Ombudsman,
/// TAS/426/2010: of three, at least one woman and one man), and the decision needs no special
/// reason. Three men fill one seat and name the rule that keeps the others empty.
async fn three_representative_seats_take_two_women_and_a_man_without_a_relaxation(app: TestApp) {
    let round = council(&app).await;
    let themes = ["pensioners", "sports", "culture"];
    let mixed = [
        (form(1, "pensioners", "woman", "representative"), 5),
        (form(2, "sports", "woman", "representative"), 4),
        (form(3, "culture", "man", "representative"), 3),
    ];
    let (call, _) = call_with(&app, &round, Some(&themes), 2027, &mixed).await;
    let res = app
        .post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&round.secretary)
        .json(json!({"seed": "a"}))
        .send()
        .await;
    res.assert_status(201);
    let run = res.json.clone();
    assert_eq!(run["objective"]["representatives_filled"], 3, "{run}");
    assert_eq!(run["relaxations"], json!([]), "{run}");
    assert_eq!(run["constraints"]["gender_balance"]["min_share"], 0.4);
    let decided = app
        .post(&format!("/api/v1/calls/{call}/decision"))
        .token(&round.secretary)
        .json(json!({"selection_run_id": run["id"], "meeting_reference": "3/2027 § 4"}))
        .send()
        .await;
    decided.assert_status(200);
    assert_eq!(
        decided.json["quota_exception"],
        Value::Null,
        "{}",
        decided.json
    );

    let men = [
        (form(4, "pensioners", "man", "representative"), 5),
        (form(5, "sports", "man", "representative"), 4),
        (form(6, "culture", "man", "representative"), 3),
    ];
    let other = council(&app).await;
    let (call, _) = call_with(&app, &other, Some(&themes), 2028, &men).await;
    let res = app
        .post(&format!("/api/v1/calls/{call}/selection-runs"))
        .token(&other.secretary)
        .json(json!({"seed": "a"}))
        .send()
        .await;
    res.assert_status(201);
    let run = res.json;
    // One man alone is the most balanced split of one; two or three men are not.
    assert_eq!(run["objective"]["representatives_filled"], 1, "{run}");
    let blocked: Vec<&Value> = run["unfilled"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["role"] == "representative")
        .collect();
    assert_eq!(blocked.len(), 2, "{run}");
    for seat in blocked {
        assert_eq!(seat["reason"], "blocked_by_rules", "{run}");
        assert_eq!(seat["rules"], json!(["gender_balance"]), "{run}");
    }
    assert_eq!(
        run["relaxations"][0]["changes"][0]["constraint"],
        "gender_balance.min_share"
    );
}
