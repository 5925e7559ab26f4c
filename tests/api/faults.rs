//! The faults a load and fault round against the release binary found, each reproduced: a
//! decision racing review updates, concurrent first saves of one review, control characters in
//! JSON strings, methods a path does not serve, problem kinds, instants far in the future, and a
//! client's request id. Also the one rule for who may see and change a call, on every endpoint
//! that takes a call id, and stored runs of the first release still reading.

use futures_util::future::join_all;
use jane_seats::domain::access::Role;
use serde_json::{Value, json};

use crate::db_tests;
use crate::support::{Resp, TestApp, special_reason};

db_tests!(
    a_decision_and_review_updates_take_turns,
    concurrent_first_saves_of_one_review_all_succeed,
    control_characters_are_refused_in_every_json_string,
    a_path_answers_405_with_allow_for_a_method_it_does_not_serve,
    every_problem_kind_has_a_title_and_its_uri_answers,
    instants_are_bounded_and_only_well_formed_request_ids_are_echoed,
    an_outsider_gets_the_same_answer_from_every_call_endpoint,
    a_run_stored_by_the_first_release_still_reads,
);

/// A valid Y-tunnus for association `n`.
fn business_id(n: u32) -> String {
    let digits = format!("{:07}", 2_000_000 + n * 13);
    let weights = [7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = digits
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    match sum % 11 {
        0 => format!("{digits}-0"),
        1 => business_id(n + 1000),
        r => format!("{digits}-{}", 11 - r),
    }
}

fn form(n: u32, municipality: &str, theme: &str, gender: &str) -> Value {
    json!({
        "association": {"name": format!("Yhdistys {n} ry"), "business_id": business_id(n), "municipality_code": municipality},
        "theme": theme,
        "role_preference": "either",
        "candidate": {"first_name": format!("Hakija{n}"), "last_name": "Mäkelä", "email": format!("h{n}@example.org"),
                      "phone": "040 123 4567", "municipality_code": municipality, "gender": gender, "language": "fi"},
        "motivation": "Haluan mukaan.\n\tTeen työtä kylän hyväksi.",
        "commitments": {"has_time": true, "will_liaise": true},
        "consent": {"privacy_notice_version": "1", "accepted": true},
    })
}

/// A review whose score rises with `n` (1 to 5).
fn scores(n: i64) -> Value {
    json!({"scores": {"activity": n, "liaison": n, "theme_knowledge": n, "local_knowledge": 3}})
}

/// A call in review: a local council of `municipality` under a new regional one, sports and
/// culture seats, four applications and one committee member who has reviewed them all.
struct Reviewing {
    admin: String,
    secretary: String,
    member: String,
    council: String,
    call: String,
    applications: Vec<String>,
}

async fn reviewing(app: &TestApp, year: i32, municipality: &str) -> Reviewing {
    reviewing_with(app, year, municipality, 4).await
}

/// As `reviewing`, with `count` applications (sports and culture in turn, women and men in turn).
async fn reviewing_with(app: &TestApp, year: i32, municipality: &str, count: usize) -> Reviewing {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let council = app
        .local_council(&admin, &jane, "Paikallis-JANE", &[municipality])
        .await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&council]).await;
    let (member_id, member) = app.user(&admin, Role::Committee, &[&council]).await;
    app.seat_plan(&secretary, &council, &["sports", "culture"])
        .await;
    let mut body = TestApp::call_body();
    body["opens_at"] = json!(format!("{year}-02-01T09:00:00"));
    body["closes_at"] = json!(format!("{year}-02-28T16:00:00"));
    let call = app.draft_call(&secretary, &council, body).await.str("id");
    app.post(&format!("/api/v1/calls/{call}/publish"))
        .token(&secretary)
        .send()
        .await
        .assert_status(200);
    app.set_time(format!("{year}-02-10T12:00:00Z").parse().unwrap());
    let mut applications = Vec::new();
    for (n, (theme, gender)) in [
        ("sports", "woman"),
        ("sports", "man"),
        ("culture", "woman"),
        ("culture", "man"),
    ]
    .into_iter()
    .cycle()
    .take(count)
    .enumerate()
    {
        let n = u32::try_from(n).unwrap() + 100 * u32::try_from(year - 2000).unwrap();
        let res = app
            .post(&format!("/api/v1/calls/{call}/applications"))
            .json(form(n, municipality, theme, gender))
            .send()
            .await;
        res.assert_status(201);
        applications.push(res.str("id"));
    }
    app.put(&format!("/api/v1/calls/{call}/committee"))
        .token(&secretary)
        .json(json!({ "user_ids": [member_id] }))
        .send()
        .await
        .assert_status(200);
    app.set_time(format!("{year}-03-01T12:00:00Z").parse().unwrap());
    app.post(&format!("/api/v1/calls/{call}/start-review"))
        .token(&secretary)
        .send()
        .await
        .assert_status(200);
    for (i, id) in applications.iter().enumerate() {
        review(app, &member, id, scores(1 + i as i64 % 4))
            .await
            .assert_status(200);
    }
    Reviewing {
        admin,
        secretary,
        member,
        council,
        call,
        applications,
    }
}

async fn review(app: &TestApp, token: &str, application: &str, body: Value) -> Resp {
    app.put(&format!("/api/v1/applications/{application}/review"))
        .token(token)
        .json(body)
        .send()
        .await
}

/// Fault 1: a decision racing review updates committed while the updates also committed, so the
/// decided ranking no longer matched the scores. Now a review and a decision of the same call take
/// turns: either the decision comes first and every later review is refused (409), or a review
/// comes first and the decision, seeing the changed scores, is refused (409).
async fn a_decision_and_review_updates_take_turns(app: TestApp) {
    let municipalities = ["090", "146", "167", "176", "260", "276", "309", "422"];
    for (trial, municipality) in municipalities.into_iter().enumerate() {
        // Forty applications: the decision reads their scores, then writes forty outcomes and
        // their messages, which leaves a review plenty of time to land in between.
        let r = reviewing_with(&app, 2030 + trial as i32, municipality, 40).await;
        let run = app
            .post(&format!("/api/v1/calls/{}/selection-runs", r.call))
            .token(&r.secretary)
            .json(json!({"constraints": {"gender_balance": null}}))
            .send()
            .await;
        run.assert_status(201);
        let run_id = run.str("id");
        let decision = app
            .post(&format!("/api/v1/calls/{}/decision", r.call))
            .token(&r.secretary)
            .json(
                json!({"selection_run_id": run_id, "meeting_reference": "JANE 1/2030 § 1",
                         "quota_exception": special_reason()}),
            )
            .send();
        // While the decision is on its way, reviews keep changing: one stream of updates for
        // each of eight applications, each update the other of two scores, so every update that
        // lands changes the ranking.
        let done = std::cell::Cell::new(false);
        let stream = |i: usize| {
            let (done, app, member, id) = (&done, &app, &r.member, &r.applications[i]);
            async move {
                let mut answers = Vec::new();
                for round in 0..100 {
                    if done.get() && round > 2 {
                        break;
                    }
                    // The first update moves the score up by one, the next back: each one lands
                    // on a score other than the one before it.
                    let first = 1 + i as i64 % 4;
                    let n = if round % 2 == 0 { first + 1 } else { first };
                    answers.push(review(app, member, id, scores(n)).await);
                }
                answers
            }
        };
        let decision = async {
            let answer = decision.await;
            done.set(true);
            answer
        };
        let (decision, updates) =
            futures_util::future::join(decision, join_all((0..8).map(stream))).await;
        let updates: Vec<Resp> = updates.into_iter().flatten().collect();
        let updated = updates.iter().filter(|u| u.status == 200).count();
        for u in &updates {
            assert!(
                u.status == 200 || u.status == 409,
                "trial {trial}: {}",
                u.text()
            );
        }
        match decision.status {
            200 => assert_eq!(
                updated, 0,
                "trial {trial}: the decision stood although {updated} review(s) changed the scores"
            ),
            409 => {
                assert!(
                    updated > 0,
                    "trial {trial}: the decision was refused with no review changed"
                );
                // The call is still in review; a run on the new scores can be decided.
                app.get(&format!("/api/v1/calls/{}", r.call))
                    .token(&r.secretary)
                    .send()
                    .await
                    .assert_status(200);
            }
            other => panic!(
                "trial {trial}: decision answered {other}: {}",
                decision.text()
            ),
        }
        // After a decision, no review changes.
        if decision.status == 200 {
            review(&app, &r.member, &r.applications[0], scores(2))
                .await
                .assert_problem(409);
        }
    }
}

/// Fault 2: twenty concurrent first saves of one member's review answered 500 about 1 in 9
/// (a unique violation). Every one now answers 200 (the last write wins) or 409, and one review
/// is stored.
async fn concurrent_first_saves_of_one_review_all_succeed(app: TestApp) {
    let r = reviewing(&app, 2029, "426").await;
    // Several new members, each saving their first review of each application twenty times at
    // once: every race for the first save is a chance of the old unique violation.
    let mut members = vec![json!(
        app.get("/api/v1/users/me")
            .token(&r.member)
            .send()
            .await
            .str("id")
    )];
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let (id, token) = app.user(&r.admin, Role::Committee, &[&r.council]).await;
        members.push(json!(id));
        tokens.push(token);
    }
    app.put(&format!("/api/v1/calls/{}/committee", r.call))
        .token(&r.secretary)
        .json(json!({ "user_ids": members }))
        .send()
        .await
        .assert_status(200);
    let before = app.count("reviews").await;
    for token in &tokens {
        for application in &r.applications {
            let saves = (0..20).map(|i| review(&app, token, application, scores(1 + i % 5)));
            let answers = join_all(saves).await;
            for answer in &answers {
                assert!(
                    answer.status == 200 || answer.status == 409,
                    "{}: {}",
                    answer.status,
                    answer.text()
                );
            }
            assert!(answers.iter().any(|a| a.status == 200));
        }
    }
    assert_eq!(
        app.count("reviews").await,
        before + (tokens.len() * r.applications.len()) as i64,
        "one review per member and application"
    );
}

/// Fault 3: a NUL character in a JSON string answered 500 on PostgreSQL and was stored on SQLite.
/// Control characters other than tab and newline are a 422 naming the field, and nothing is
/// stored.
async fn control_characters_are_refused_in_every_json_string(app: TestApp) {
    let r = reviewing(&app, 2028, "426").await;
    let tables = [
        "applications",
        "councils",
        "users",
        "reviews",
        "conflicts",
        "email_templates",
        "notifications",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(app.count(table).await);
    }
    let review_before = app
        .get(&format!(
            "/api/v1/applications/{}/reviews",
            r.applications[0]
        ))
        .token(&r.secretary)
        .send()
        .await
        .json["reviews"]
        .clone();

    // A public submission (the call must be open: a new one).
    let mut body = TestApp::call_body();
    body["opens_at"] = json!("2029-01-01T09:00:00");
    body["closes_at"] = json!("2029-12-31T16:00:00");
    let open = app
        .draft_call(&r.secretary, &r.council, body)
        .await
        .str("id");
    app.post(&format!("/api/v1/calls/{open}/publish"))
        .token(&r.secretary)
        .send()
        .await
        .assert_status(200);
    app.set_time("2029-06-01T12:00:00Z".parse().unwrap());
    let mut submission = form(900, "426", "sports", "woman");
    submission["candidate"]["first_name"] = json!("Aino\u{0}");
    submission["motivation"] = json!("rivi\r\ntoinen\u{1b}[31m");
    let res = app
        .post(&format!("/api/v1/calls/{open}/applications"))
        .json(submission)
        .send()
        .await;
    res.assert_invalid_fields(&["candidate.first_name", "motivation"]);
    assert!(
        res.json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["code"] == "control_character"),
        "{}",
        res.json
    );

    let refused: Vec<(&str, String, Value, &str)> = vec![
        (
            "POST",
            "/api/v1/councils".into(),
            json!({"name": {"fi": "X"}, "kind": "regional", "municipality_codes": ["16\u{0}7"]}),
            "municipality_codes[0]",
        ),
        (
            "POST",
            "/api/v1/users".into(),
            json!({"email": "nul@example.org", "name": "Nul\u{0}", "role": "admin"}),
            "name",
        ),
        (
            "PUT",
            format!("/api/v1/applications/{}/review", r.applications[0]),
            json!({"scores": {"activity": 1, "liaison": 1, "theme_knowledge": 1, "local_knowledge": 1}, "comment": "ok\u{0}"}),
            "comment",
        ),
        (
            "POST",
            format!("/api/v1/calls/{}/conflicts", r.call),
            json!({"user_id": app.get("/api/v1/users/me").token(&r.member).send().await.str("id"),
                   "application_id": r.applications[1], "kind": "other", "note": "\u{0}"}),
            "note",
        ),
        (
            "PUT",
            format!(
                "/api/v1/calls/{}/email-templates/application_received",
                r.call
            ),
            json!({"language": "fi", "subject": "Kiitos\u{0}", "body": "Hei"}),
            "subject",
        ),
    ];
    for (method, path, body, field) in refused {
        let token = if path.contains("/review") {
            &r.member
        } else if method == "POST" && path == "/api/v1/councils" || path == "/api/v1/users" {
            &r.admin
        } else {
            &r.secretary
        };
        let res = app
            .request(method, &path)
            .token(token)
            .json(body)
            .send()
            .await;
        res.assert_invalid_fields(&[field]);
        assert_eq!(res.json["errors"][0]["code"], "control_character", "{path}");
    }
    // Query strings too.
    let res = app.get("/api/v1/calls?cursor=%00").send().await;
    res.assert_invalid_fields(&["cursor"]);

    for (table, n) in tables.iter().zip(before) {
        assert_eq!(app.count(table).await, n, "{table} changed");
    }
    let review_after = app
        .get(&format!(
            "/api/v1/applications/{}/reviews",
            r.applications[0]
        ))
        .token(&r.secretary)
        .send()
        .await
        .json["reviews"]
        .clone();
    assert_eq!(review_after, review_before);

    // Tab and newline are kept as written.
    let res = app
        .post(&format!("/api/v1/calls/{open}/applications"))
        .json(form(901, "426", "sports", "woman"))
        .send()
        .await;
    res.assert_status(201);
    assert_eq!(
        res.json["motivation"],
        "Haluan mukaan.\n\tTeen työtä kylän hyväksi."
    );
}

/// Fault 5: a method a path does not serve answered 404. It is a 405 with `Allow` naming the
/// methods the path serves, on every documented path; a path that does not exist is still 404.
async fn a_path_answers_405_with_allow_for_a_method_it_does_not_serve(app: TestApp) {
    let doc = jane_seats::api::openapi();
    let id = "01900000-0000-7000-8000-000000000000";
    let mut checked = 0;
    for (template, item) in &doc.paths.paths {
        let served: Vec<&str> = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ]
        .into_iter()
        .filter_map(|(m, s)| s.then_some(m))
        .collect();
        let mut path = String::new();
        for segment in template.split('/') {
            if !path.is_empty() || !segment.is_empty() {
                path.push('/');
            }
            if segment.starts_with('{') {
                path.push_str(
                    if template.contains("email-templates") && segment == "{kind}" {
                        "application_received"
                    } else if segment == "{slug}" {
                        "not-found"
                    } else {
                        id
                    },
                );
            } else {
                path.push_str(segment);
            }
        }
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if served.contains(&method) {
                continue;
            }
            let res = app.request(method, &path).send().await;
            res.assert_problem(405);
            assert_eq!(res.json["type"], "/problems/method-not-allowed");
            let allow: Vec<String> = res
                .header("allow")
                .split(',')
                .map(|m| m.trim().to_owned())
                .collect();
            assert_eq!(allow, served, "{method} {path}");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} checked");
    app.request("DELETE", "/api/v1/no-such-thing")
        .send()
        .await
        .assert_problem(404);
    app.get(&format!("/api/v1/calls/{id}/nothing"))
        .send()
        .await
        .assert_problem(404);
}

/// Fault 5: a 428 had the title "Error" and a `type` whose URI was a 404. Every kind of problem
/// the service reports has a title of its own, and its `type` URI describes it.
async fn every_problem_kind_has_a_title_and_its_uri_answers(app: TestApp) {
    for kind in jane_seats::api::problem::ProblemKind::ALL {
        let res = app.get(&kind.type_uri()).send().await;
        res.assert_status(200);
        assert!(res.text().starts_with(kind.title), "{}", res.text());
        assert_ne!(kind.title, "Error");
    }
    // A 428 as a client meets it.
    let r = reviewing(&app, 2027, "426").await;
    let res = app
        .patch(&format!("/api/v1/applications/{}", r.applications[0]))
        .token(&r.secretary)
        .raw("application/merge-patch+json", r#"{"motivation": "x"}"#)
        .send()
        .await;
    res.assert_problem(428);
    assert_eq!(res.json["type"], "/problems/precondition-required");
    assert_eq!(res.json["title"], "Version required");
    app.get("/problems/precondition-required")
        .send()
        .await
        .assert_status(200);
}

/// Fault 6: year 9999 was accepted, and a client's `X-Request-Id` was echoed whatever it said.
async fn instants_are_bounded_and_only_well_formed_request_ids_are_echoed(app: TestApp) {
    let admin = app.admin().await;
    let council = app.regional_council(&admin).await;
    app.seat_plan(&admin, &council, &["sports"]).await;
    let calls = app.count("calls").await;
    let mut body = TestApp::call_body();
    body["opens_at"] = json!("9999-01-01T09:00:00Z");
    body["closes_at"] = json!("1999-12-31T16:00:00+02:00");
    body["term_start"] = json!("2101-01-01");
    body["term_end"] = json!("9999-12-31");
    let res = app
        .post(&format!("/api/v1/councils/{council}/calls"))
        .token(&admin)
        .json(body)
        .send()
        .await;
    res.assert_invalid_fields(&["closes_at", "opens_at", "term_end", "term_start"]);
    assert_eq!(app.count("calls").await, calls);
    let mut body = TestApp::call_body();
    body["closes_at"] = json!("2100-12-31T23:00:00");
    body["term_end"] = json!("2100-12-31");
    app.post(&format!("/api/v1/councils/{council}/calls"))
        .token(&admin)
        .json(body)
        .send()
        .await
        .assert_status(201);

    let id = "0192f5e4-1b2c-7d3e-8f40-123456789abc";
    let res = app.get("/healthz").header("X-Request-Id", id).send().await;
    assert_eq!(res.header("x-request-id"), id);
    for sent in [
        "hello",
        "<script>",
        "0192f5e4-1b2c-7d3e-8f40",
        "a".repeat(60).as_str(),
    ] {
        let res = app
            .get("/healthz")
            .header("X-Request-Id", sent)
            .send()
            .await;
        let echoed = res.header("x-request-id");
        assert_ne!(echoed, sent);
        assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{echoed}");
    }
}

/// The one rule: an outsider (a secretary of another council, or a committee member not on the
/// call's committee) gets 403 from every endpoint of a published call they may not act on, and
/// 404 from every endpoint of a draft, whose existence they may not know.
async fn an_outsider_gets_the_same_answer_from_every_call_endpoint(app: TestApp) {
    let r = reviewing(&app, 2027, "426").await;
    let draft = app
        .draft_call(&r.secretary, &r.council, TestApp::call_body())
        .await
        .str("id");
    let elsewhere = app
        .local_council(
            &r.admin,
            &app.regional_council(&r.admin).await,
            "Muu",
            &["167"],
        )
        .await;
    let (_, other_secretary) = app.user(&r.admin, Role::Secretary, &[&elsewhere]).await;
    let (_, other_member) = app.user(&r.admin, Role::Committee, &[&r.council]).await;
    let member_id = app
        .get("/api/v1/users/me")
        .token(&r.member)
        .send()
        .await
        .str("id");
    let any = "01900000-0000-7000-8000-000000000000";
    let some_run = format!("/selection-runs/{any}");
    let endpoints: Vec<(&str, &str, Option<Value>)> = vec![
        ("PATCH", "", Some(json!({"title": {"fi": "Uusi"}}))),
        ("POST", "/publish", None),
        ("POST", "/start-review", None),
        ("GET", "/applications", None),
        ("GET", "/applications/summary", None),
        ("GET", "/applications.csv", None),
        ("GET", "/applications.xlsx", None),
        ("GET", "/committee", None),
        ("PUT", "/committee", Some(json!({"user_ids": []}))),
        ("GET", "/rubric", None),
        (
            "PUT",
            "/rubric",
            Some(
                json!({"criteria": [{"key": "a", "name": {"fi": "A"}, "weight": 1, "min": 1, "max": 5}]}),
            ),
        ),
        ("GET", "/conflicts", None),
        (
            "POST",
            "/conflicts",
            Some(
                json!({"user_id": member_id, "application_id": r.applications[0], "kind": "other"}),
            ),
        ),
        ("GET", "/ranking", None),
        ("GET", "/ranking.csv", None),
        ("GET", "/ranking.xlsx", None),
        ("GET", "/decision.csv", None),
        ("GET", "/decision.xlsx", None),
        ("GET", "/review-progress", None),
        ("GET", "/audit", None),
        ("POST", "/selection-runs", Some(json!({}))),
        ("GET", &some_run, None),
        (
            "POST",
            "/decision",
            Some(json!({"selection_run_id": any, "meeting_reference": "x"})),
        ),
        ("GET", "/email-templates", None),
        (
            "PUT",
            "/email-templates/not_selected",
            Some(json!({"language": "fi", "subject": "Tulos", "body": "Hei"})),
        ),
        ("DELETE", "/email-templates/not_selected?language=fi", None),
    ];
    let mut checked = 0;
    for outsider in [&other_secretary, &other_member] {
        for (call, expected) in [(&r.call, 403), (&draft, 404)] {
            for (method, suffix, body) in &endpoints {
                let path = format!("/api/v1/calls/{call}{suffix}");
                let mut req = app.request(method, &path).token(outsider);
                if let Some(body) = body {
                    req = req.json(body.clone());
                }
                let res = req.send().await;
                assert_eq!(res.status, expected, "{method} {path}: {}", res.text());
                checked += 1;
            }
            let res = app
                .get(&format!("/api/v1/calls/{call}"))
                .token(outsider)
                .send()
                .await;
            assert_eq!(res.status, if expected == 403 { 200 } else { 404 });
        }
    }
    assert_eq!(checked, 4 * endpoints.len());
    // Their own managers are let through.
    app.get(&format!("/api/v1/calls/{draft}/email-templates"))
        .token(&r.secretary)
        .send()
        .await
        .assert_status(200);
}

/// Runs stored by the release before runs had a stored form of their own (the response type was
/// stored) still read: the fixture is a run that commit stored, put in place of a run of this call.
async fn a_run_stored_by_the_first_release_still_reads(app: TestApp) {
    let r = reviewing(&app, 2027, "426").await;
    let mut stored: Value =
        serde_json::from_str(include_str!("../fixtures/selection_run_0bf8f1f_a.json")).unwrap();
    let run_id = jane_seats::ids::SelectionRunId::new();
    stored["id"] = json!(run_id);
    stored["call_id"] = json!(r.call);
    let call_id = jane_seats::ids::CallId::parse(&r.call).unwrap();
    let creator = jane_seats::ids::UserId::parse(
        &app.get("/api/v1/users/me")
            .token(&r.secretary)
            .send()
            .await
            .str("id"),
    )
    .unwrap();
    let row = jane_seats::store::selection::Run {
        id: run_id.clone(),
        call_id,
        seed: stored["seed"].as_str().unwrap().to_owned(),
        constraints_json: stored["constraints"].to_string(),
        input_hash: stored["input_hash"].as_str().unwrap().to_owned(),
        algorithm_version: stored["algorithm_version"].as_str().unwrap().to_owned(),
        result_json: stored.to_string(),
        created_by: creator,
        created_at: app.clock_now(),
    };
    app.db
        .run(move |conn| jane_seats::store::selection::insert_run(conn, &row))
        .await
        .unwrap();
    let res = app
        .get(&format!("/api/v1/calls/{}/selection-runs/{run_id}", r.call))
        .token(&r.secretary)
        .send()
        .await;
    res.assert_status(200);
    for key in [
        "assignments",
        "unfilled",
        "relaxations",
        "explanations",
        "objective",
        "constraints",
        "tie_rule",
    ] {
        assert_eq!(res.json[key], stored[key], "{key}");
    }
    // A decision reads it, and refuses it (409) as its input is not this call's.
    let res = app
        .post(&format!("/api/v1/calls/{}/decision", r.call))
        .token(&r.secretary)
        .json(json!({"selection_run_id": run_id, "meeting_reference": "JANE 1/2027 § 2"}))
        .send()
        .await;
    res.assert_problem(409);
    assert!(
        res.json["detail"]
            .as_str()
            .unwrap()
            .contains("changed since this run")
    );
}
