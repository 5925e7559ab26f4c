//! Application intake: submission with every validation rule, the deadline to the second,
//! idempotent retries, one application per candidate, the applicant's edits and withdrawal with the
//! edit token and If-Match, staff views, the receipt email, rate limits and closing reminders.

use chrono::{DateTime, Duration, Utc};
use jane_seats::domain::access::Role;
use serde_json::{Value, json};

use crate::db_tests;
use crate::support::{Resp, TestApp};

db_tests!(
    a_submission_keeps_what_was_typed_and_shows_the_token_once,
    the_receipt_is_queued_with_the_submission_and_only_then,
    each_rule_refuses_bad_values_and_accepts_good_ones,
    every_bad_field_is_named_at_once,
    applications_are_accepted_from_opens_at_until_closes_at,
    idempotent_retries_create_nothing_new,
    a_candidate_applies_once_per_call,
    the_applicant_edits_with_the_token_until_the_call_closes,
    if_match_keeps_two_tabs_from_overwriting_each_other,
    withdrawing,
    staff_read_their_councils_applications,
    public_endpoints_are_rate_limited,
    the_client_address_comes_from_the_trusted_proxy,
    if_match_is_strict_and_empty_changes_keep_the_version,
    secretaries_are_reminded_before_the_call_closes,
);

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Opens 1 Feb 2027 09:00 and closes 28 Feb 2027 16:00 Helsinki time (07:00Z and 14:00Z).
const OPENS: &str = "2027-02-01T07:00:00Z";
const CLOSES: &str = "2027-02-28T14:00:00Z";

struct Round {
    admin: String,
    council: String,
    secretary: String,
    call: String,
}

impl Round {
    fn applications(&self) -> String {
        format!("/api/v1/calls/{}/applications", self.call)
    }
}

/// Liperi's paikallis-JANE (Liperi and Polvijärvi) with an open call for three themes.
async fn open_call(app: &TestApp) -> Round {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let council = app
        .local_council(&admin, &jane, "Liperin paikallis-JANE", &["426", "607"])
        .await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&council]).await;
    app.seat_plan(
        &secretary,
        &council,
        &["sports", "culture", "villages_heritage"],
    )
    .await;
    let call = app
        .draft_call(&secretary, &council, TestApp::call_body())
        .await
        .str("id");
    app.post(&format!("/api/v1/calls/{call}/publish"))
        .token(&secretary)
        .send()
        .await
        .assert_status(200);
    app.set_time(utc("2027-02-10T12:00:00Z"));
    Round {
        admin,
        council,
        secretary,
        call,
    }
}

fn form() -> Value {
    json!({
        "association": {"name": "Ylämyllyn Kyläyhdistys ry", "business_id": "0112038-9",
                        "register_number": "123456", "municipality_code": "426"},
        "theme": "villages_heritage",
        "role_preference": "either",
        "candidate": {"first_name": "Äijä", "last_name": " Öhman-Åkerlund 🌲", "email": "Aija.Ohman@Example.org ",
                      "phone": "040 123 4567", "municipality_code": "607", "gender": "woman", "language": "fi"},
        "motivation": "Haluan tuoda kylien äänen kuuluviin. 😊\nToinen rivi – ja ”lainausmerkit”.",
        "commitments": {"has_time": true, "will_liaise": true},
        "consent": {"privacy_notice_version": "1", "accepted": true},
    })
}

/// `form()` with the value at `path` (dots and indices) replaced, or removed when `value` is null.
fn with(mut body: Value, path: &str, value: Value) -> Value {
    let mut target = &mut body;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        target = target.get_mut(*part).unwrap();
    }
    let last = parts[parts.len() - 1];
    if value.is_null() {
        target.as_object_mut().unwrap().remove(last);
    } else {
        target[last] = value;
    }
    body
}

fn email(n: usize) -> String {
    format!("candidate{n}@example.org")
}

async fn submit(app: &TestApp, round: &Round, body: Value) -> Resp {
    app.post(&round.applications()).json(body).send().await
}

/// Names the call's selection committee.
async fn name_committee(app: &TestApp, round: &Round, members: &[&str]) {
    app.put(&format!("/api/v1/calls/{}/committee", round.call))
        .token(&round.secretary)
        .json(json!({ "user_ids": members }))
        .send()
        .await
        .assert_status(200);
}

/// Submits `body` as a new candidate (a fresh email) and expects it accepted.
async fn accept(app: &TestApp, round: &Round, n: &mut usize, body: Value) -> Resp {
    *n += 1;
    let res = submit(app, round, with(body, "candidate.email", json!(email(*n)))).await;
    res.assert_status(201);
    res
}

async fn a_submission_keeps_what_was_typed_and_shows_the_token_once(app: TestApp) {
    let round = open_call(&app).await;
    let res = submit(&app, &round, form()).await;
    res.assert_status(201);
    let a = &res.json;
    assert_eq!(a["status"], "submitted");
    assert_eq!(a["call_id"], round.call);
    assert_eq!(a["version"], 1);
    assert_eq!(res.header("etag"), "\"1\"");
    // Names and motivation exactly as typed; the phone in E.164; the register number dotted;
    // the email trimmed but not re-cased.
    assert_eq!(a["candidate"]["last_name"], " Öhman-Åkerlund 🌲");
    assert_eq!(a["candidate"]["first_name"], "Äijä");
    assert_eq!(a["motivation"], form()["motivation"]);
    assert_eq!(a["candidate"]["phone"], "+358401234567");
    assert_eq!(a["candidate"]["email"], "Aija.Ohman@Example.org");
    assert_eq!(a["association"]["register_number"], "123.456");
    assert_eq!(
        a["commitments"],
        json!({"has_time": true, "will_liaise": true})
    );
    assert_eq!(a["consent"]["privacy_notice_version"], "1");
    assert_eq!(a["consent"]["accepted_at"], "2027-02-10T12:00:00Z");
    let token = res.str("edit_token");
    assert!(token.starts_with("jsa_") && token.len() == 68);
    let id = res.str("id");
    assert_eq!(
        res.str("edit_url"),
        format!("https://jane.example.org/applications/{id}?token={token}")
    );

    let mine = app
        .get(&format!("/api/v1/applications/{id}"))
        .token(&token)
        .send()
        .await;
    mine.assert_status(200);
    assert!(mine.json.get("edit_token").is_none(), "shown only once");
    assert_eq!(mine.json["candidate"], a["candidate"]);
    assert_eq!(mine.header("etag"), "\"1\"");
    // The token is stored only as a digest.
    let digests: Vec<String> = app
        .db
        .run(|conn| {
            use diesel::prelude::*;
            use jane_seats::db::schema::applications;
            Ok(applications::table
                .select(applications::edit_token_hash)
                .load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(digests, [jane_seats::tokens::digest(&token)]);
}

async fn the_receipt_is_queued_with_the_submission_and_only_then(app: TestApp) {
    let round = open_call(&app).await;
    let body = with(form(), "candidate.language", json!("sv"));
    let res = submit(&app, &round, body).await;
    res.assert_status(201);
    let token = res.str("edit_token");
    let list = app
        .get("/api/v1/notifications")
        .token(&round.admin)
        .send()
        .await;
    let receipts: Vec<&Value> = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "application_received")
        .collect();
    assert_eq!(receipts.len(), 1);
    let receipt = receipts[0];
    assert_eq!(receipt["language"], "sv");
    assert_eq!(receipt["recipient"], "Aija.Ohman@Example.org");
    assert_eq!(receipt["application_id"], res.json["id"]);
    // The call's Swedish title, as the candidate writes Swedish.
    assert_eq!(
        receipt["subject"],
        "Din ansökan har tagits emot: Öppen ansökan 2027"
    );
    // Stored with the token until sent; never shown by the API.
    let detail = app
        .get(&format!(
            "/api/v1/notifications/{}",
            receipt["id"].as_str().unwrap()
        ))
        .token(&round.admin)
        .send()
        .await;
    let text = detail.json["body_text"].as_str().unwrap();
    assert!(text.contains("By- och hembygdsföreningar"), "{text}");
    assert!(
        text.contains(&format!(
            "https://jane.example.org/applications/{}?token=jsa_[redacted]",
            res.str("id")
        )),
        "{text}"
    );
    assert!(!text.contains(&token));
    let stored: String = app
        .db
        .run(|conn| {
            use diesel::prelude::*;
            use jane_seats::db::schema::notifications;
            Ok(notifications::table
                .select(notifications::body_text)
                .filter(notifications::kind.eq("application_received"))
                .first(conn)?)
        })
        .await
        .unwrap();
    assert!(
        stored.contains(&token),
        "the queued message carries the working link"
    );

    // Refused submissions leave no message.
    let before = app.count("notifications").await;
    submit(&app, &round, form()).await.assert_problem(409);
    submit(&app, &round, with(form(), "candidate.email", json!("x")))
        .await
        .assert_problem(422);
    assert_eq!(app.count("notifications").await, before);
    assert_eq!(app.count("applications").await, 1);
}

async fn each_rule_refuses_bad_values_and_accepts_good_ones(app: TestApp) {
    let round = open_call(&app).await;
    let mut n = 0;
    for id in ["0112038-9", "2077474-0", "1572860-0", " 0112038-9 "] {
        let res = accept(
            &app,
            &round,
            &mut n,
            with(form(), "association.business_id", json!(id)),
        )
        .await;
        assert_eq!(res.json["association"]["business_id"], id.trim());
    }
    for (typed, stored) in [
        ("123.456", json!("123.456")),
        ("7", json!("7")),
        ("12345", json!("12.345")),
    ] {
        let res = accept(
            &app,
            &round,
            &mut n,
            with(form(), "association.register_number", json!(typed)),
        )
        .await;
        assert_eq!(res.json["association"]["register_number"], stored);
    }
    let res = accept(
        &app,
        &round,
        &mut n,
        with(form(), "association.register_number", Value::Null),
    )
    .await;
    assert!(res.json["association"].get("register_number").is_none());
    for (typed, stored) in [
        ("+358 40 123 4567", "+358401234567"),
        ("(09) 123 4567", "+35891234567"),
        ("+46 70 123 45 67", "+46701234567"),
    ] {
        let res = accept(
            &app,
            &round,
            &mut n,
            with(form(), "candidate.phone", json!(typed)),
        )
        .await;
        assert_eq!(res.json["candidate"]["phone"], stored);
    }
    // The candidate may live outside the council's area; the association may not.
    accept(
        &app,
        &round,
        &mut n,
        with(form(), "candidate.municipality_code", json!("167")),
    )
    .await;
    accept(
        &app,
        &round,
        &mut n,
        with(form(), "association.municipality_code", json!("607")),
    )
    .await;
    for gender in ["man", "other", "undisclosed"] {
        accept(
            &app,
            &round,
            &mut n,
            with(form(), "candidate.gender", json!(gender)),
        )
        .await;
    }
    let applied = app.count("applications").await;

    let refused: Vec<(&str, Value, &str)> = vec![
        (
            "association.business_id",
            json!("1234567-8"),
            "association.business_id",
        ),
        (
            "association.business_id",
            json!("2077474-1"),
            "association.business_id",
        ),
        (
            "association.business_id",
            json!("1000008-0"),
            "association.business_id",
        ),
        (
            "association.business_id",
            json!("0112038"),
            "association.business_id",
        ),
        (
            "association.register_number",
            json!("1234567"),
            "association.register_number",
        ),
        (
            "association.register_number",
            json!("12.34"),
            "association.register_number",
        ),
        ("association.name", json!("  "), "association.name"),
        (
            "association.municipality_code",
            json!("999"),
            "association.municipality_code",
        ),
        (
            "association.municipality_code",
            json!("167"),
            "association.municipality_code",
        ),
        (
            "association.municipality_code",
            json!("Liperi"),
            "association.municipality_code",
        ),
        (
            "candidate.email",
            json!("aija(at)example.org"),
            "candidate.email",
        ),
        ("candidate.phone", json!("12"), "candidate.phone"),
        ("candidate.phone", json!("call me"), "candidate.phone"),
        (
            "candidate.municipality_code",
            json!("999"),
            "candidate.municipality_code",
        ),
        ("candidate.first_name", json!(""), "candidate.first_name"),
        (
            "candidate.first_name",
            json!("x".repeat(201)),
            "candidate.first_name",
        ),
        (
            "candidate.last_name",
            json!("Rivi\nvaihto"),
            "candidate.last_name",
        ),
        ("candidate.gender", json!("female"), "candidate.gender"),
        ("candidate.language", json!("de"), "candidate.language"),
        ("theme", json!("hobbies"), "theme"),
        ("theme", json!("chess"), "theme"),
        ("role_preference", json!("chair"), "role_preference"),
        ("motivation", json!(" "), "motivation"),
        ("motivation", json!("ä".repeat(4001)), "motivation"),
        ("commitments.has_time", json!(false), "commitments.has_time"),
        (
            "commitments.will_liaise",
            json!(false),
            "commitments.will_liaise",
        ),
        ("consent.accepted", json!(false), "consent.accepted"),
        (
            "consent.privacy_notice_version",
            json!("0"),
            "consent.privacy_notice_version",
        ),
        ("candidate.email", Value::Null, "candidate.email"),
        ("consent", Value::Null, "consent"),
    ];
    for (path, value, field) in refused {
        let res = submit(&app, &round, with(form(), path, value.clone())).await;
        res.assert_invalid_fields(&[field]);
        assert!(
            !res.json["errors"][0]["message"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        if field == "association.municipality_code" && value == "167" {
            assert!(
                res.json["detail"]
                    .as_str()
                    .unwrap()
                    .contains("Liperi (426), Polvijärvi (607)"),
                "{}",
                res.json
            );
        }
    }
    // 4000 characters (not bytes) are fine.
    accept(
        &app,
        &round,
        &mut n,
        with(form(), "motivation", json!("ä".repeat(4000))),
    )
    .await;
    assert_eq!(app.count("applications").await, applied + 1);
}

async fn every_bad_field_is_named_at_once(app: TestApp) {
    let round = open_call(&app).await;
    let messages = app.count("notifications").await;
    let mut body = form();
    body["association"]["business_id"] = json!("1234567-8");
    body["association"]["municipality_code"] = json!("167");
    body["candidate"]["email"] = json!("nope");
    body["candidate"]["phone"] = json!(42);
    body["candidate"]["gender"] = json!("female");
    body["candidate"]
        .as_object_mut()
        .unwrap()
        .remove("language");
    body["theme"] = json!("hobbies");
    body["commitments"]["will_liaise"] = json!(false);
    body["consent"]["privacy_notice_version"] = json!("0");
    body["nickname"] = json!("Äikkä");
    let res = submit(&app, &round, body).await;
    res.assert_invalid_fields(&[
        "association.business_id",
        "association.municipality_code",
        "candidate.email",
        "candidate.gender",
        "candidate.language",
        "candidate.phone",
        "commitments.will_liaise",
        "consent.privacy_notice_version",
        "nickname",
        "theme",
    ]);
    assert_eq!(app.count("applications").await, 0);
    assert_eq!(app.count("notifications").await, messages);
}

async fn applications_are_accepted_from_opens_at_until_closes_at(app: TestApp) {
    let round = open_call(&app).await;
    let at = |t: DateTime<Utc>, n: usize| {
        app.set_time(t);
        submit(
            &app,
            &round,
            with(form(), "candidate.email", json!(email(n))),
        )
    };
    let res = at(utc(OPENS) - Duration::seconds(1), 1).await;
    res.assert_problem(409);
    assert!(res.json["detail"].as_str().unwrap().contains("scheduled"));
    at(utc(OPENS), 2).await.assert_status(201);
    at(utc(CLOSES) - Duration::seconds(1), 3)
        .await
        .assert_status(201);
    let res = at(utc(CLOSES), 4).await;
    res.assert_problem(409);
    assert!(res.json["detail"].as_str().unwrap().contains("closed"));
    at(utc(CLOSES) + Duration::seconds(1), 5)
        .await
        .assert_problem(409);
    assert_eq!(app.count("applications").await, 2);

    // A draft call is not there at all; neither is an unknown one.
    let draft = app
        .draft_call(&round.secretary, &round.council, TestApp::call_body())
        .await
        .str("id");
    app.post(&format!("/api/v1/calls/{draft}/applications"))
        .json(form())
        .send()
        .await
        .assert_problem(404);
    app.post("/api/v1/calls/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b/applications")
        .json(form())
        .send()
        .await
        .assert_problem(404);
}

async fn idempotent_retries_create_nothing_new(app: TestApp) {
    let round = open_call(&app).await;
    let send = |key: &str, body: Value| {
        app.post(&round.applications())
            .header("Idempotency-Key", key)
            .json(body)
            .send()
    };
    let first = send("key-1-0123456789abcdef", form()).await;
    first.assert_status(201);
    assert_eq!(first.header("idempotent-replayed"), "");
    // The same request again, even with its keys in another order: the first response, nothing new.
    let reordered: Value = serde_json::from_str(&{
        let mut fields: Vec<(String, Value)> =
            form().as_object().unwrap().clone().into_iter().collect();
        fields.reverse();
        let object: serde_json::Map<String, Value> = fields.into_iter().collect();
        serde_json::to_string(&object).unwrap()
    })
    .unwrap();
    let again = send("key-1-0123456789abcdef", reordered).await;
    again.assert_status(201);
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(again.json, first.json);
    assert_eq!(again.header("etag"), "\"1\"");
    assert_eq!(app.count("applications").await, 1);
    let receipts = app.count("notifications").await;

    // The same key with another body is refused, and stores nothing.
    let other = send(
        "key-1-0123456789abcdef",
        with(form(), "candidate.email", json!(email(2))),
    )
    .await;
    other.assert_invalid_fields(&["Idempotency-Key"]);
    assert_eq!(app.count("applications").await, 1);
    assert_eq!(app.count("notifications").await, receipts);
    // A new key for the same candidate is a duplicate.
    send("key-2-0123456789abcdef", form())
        .await
        .assert_problem(409);
    // A refused request does not use up its key.
    app.set_time(utc(CLOSES));
    send(
        "key-3-0123456789abcdef",
        with(form(), "candidate.email", json!(email(3))),
    )
    .await
    .assert_problem(409);
    app.set_time(utc("2027-02-10T12:00:00Z"));
    send(
        "key-3-0123456789abcdef",
        with(form(), "candidate.email", json!(email(3))),
    )
    .await
    .assert_status(201);
    // The same request sent twice at once (a double tap): one application, the same answer twice.
    let body = with(form(), "candidate.email", json!(email(9)));
    let (a, b) = futures_util::future::join(
        send("key-9-0123456789abcdef", body.clone()),
        send("key-9-0123456789abcdef", body),
    )
    .await;
    a.assert_status(201);
    b.assert_status(201);
    assert_eq!(a.json, b.json);
    assert_eq!(app.count("applications").await, 3);
    // After 24 hours the key is forgotten.
    app.clock.advance(Duration::hours(25));
    let late = send("key-1-0123456789abcdef", form()).await;
    late.assert_problem(409);
    app.post(&round.applications())
        .header("Idempotency-Key", "")
        .json(form())
        .send()
        .await
        .assert_invalid_fields(&["Idempotency-Key"]);
    app.post(&round.applications())
        .header("Idempotency-Key", "short-key")
        .json(form())
        .send()
        .await
        .assert_invalid_fields(&["Idempotency-Key"]);
}

async fn a_candidate_applies_once_per_call(app: TestApp) {
    let round = open_call(&app).await;
    let first = submit(&app, &round, form()).await;
    first.assert_status(201);
    let again = submit(
        &app,
        &round,
        with(form(), "candidate.email", json!("  AIJA.OHMAN@example.ORG")),
    )
    .await;
    again.assert_problem(409);
    let detail = again.json["detail"].as_str().unwrap();
    assert!(
        detail.contains("edit link") && detail.contains("A***@"),
        "{detail}"
    );
    // The association may put forward other candidates, for other themes too.
    let sports = with(
        with(form(), "candidate.email", json!(email(2))),
        "theme",
        json!("sports"),
    );
    submit(&app, &round, sports).await.assert_status(201);
    assert_eq!(app.count("applications").await, 2);
    // Once withdrawn, the candidate may apply again (for another theme, say).
    let token = first.str("edit_token");
    app.post(&format!(
        "/api/v1/applications/{}/withdraw",
        first.str("id")
    ))
    .token(&token)
    .send()
    .await
    .assert_status(200);
    submit(&app, &round, with(form(), "theme", json!("culture")))
        .await
        .assert_status(201);
}

async fn the_applicant_edits_with_the_token_until_the_call_closes(app: TestApp) {
    let round = open_call(&app).await;
    let mine = submit(&app, &round, form()).await;
    let other = submit(
        &app,
        &round,
        with(form(), "candidate.email", json!(email(2))),
    )
    .await;
    let (id, token) = (mine.str("id"), mine.str("edit_token"));
    let url = format!("/api/v1/applications/{id}");
    let patch = |token: &str, etag: &str, body: Value| {
        app.patch(&url)
            .token(token)
            .header("If-Match", etag)
            .json(body)
    };

    let res = patch(
        &token,
        "\"1\"",
        json!({"theme": "culture", "candidate": {"phone": "+358 50 765 4321"},
                                           "association": {"register_number": null}}),
    )
    .send()
    .await;
    res.assert_status(200);
    assert_eq!(res.json["theme"], "culture");
    assert_eq!(res.json["candidate"]["phone"], "+358507654321");
    assert_eq!(
        res.json["candidate"]["first_name"], "Äijä",
        "untouched fields stay"
    );
    assert!(
        res.json["association"].get("register_number").is_none(),
        "null removes"
    );
    assert_eq!(res.json["version"], 2);
    assert_eq!(res.header("etag"), "\"2\"");

    // Another application's token opens nothing here; no token is a 401.
    let before = app.get(&url).token(&token).send().await.json;
    patch(
        &other.str("edit_token"),
        "\"2\"",
        json!({"motivation": "Kaapattu"}),
    )
    .send()
    .await
    .assert_problem(404);
    app.get(&url)
        .token(&other.str("edit_token"))
        .send()
        .await
        .assert_problem(404);
    app.patch(&url)
        .header("If-Match", "\"2\"")
        .json(json!({"motivation": "x"}))
        .send()
        .await
        .assert_problem(401);
    app.get(&url)
        .token("jsa_0000")
        .send()
        .await
        .assert_problem(404);
    // Bad changes are refused whole, naming each field; read-only parts cannot change.
    let res = patch(
        &token,
        "\"2\"",
        json!({"candidate": {"email": "bad"}, "theme": "hobbies", "motivation": "ok",
                                           "consent": {"accepted": false}, "extra": 1}),
    )
    .send()
    .await;
    res.assert_invalid_fields(&["candidate.email", "consent", "extra", "theme"]);
    assert_eq!(app.get(&url).token(&token).send().await.json, before);
    // Moving to another active candidate's email is a conflict.
    patch(&token, "\"2\"", json!({"candidate": {"email": email(2)}}))
        .send()
        .await
        .assert_problem(409);

    // Staff of the council correct applications; committee members only read them, and only
    // once named to the call's committee.
    let (member, committee) = app
        .user(&round.admin, Role::Committee, &[&round.council])
        .await;
    app.get(&url)
        .token(&committee)
        .send()
        .await
        .assert_problem(404);
    name_committee(&app, &round, &[&member]).await;
    app.get(&url)
        .token(&committee)
        .send()
        .await
        .assert_status(200);
    patch(&committee, "\"2\"", json!({"motivation": "x"}))
        .send()
        .await
        .assert_problem(403);
    let fixed = patch(
        &round.secretary,
        "\"2\"",
        json!({"association": {"name": "Ylämyllyn kyläyhdistys ry"}}),
    )
    .send()
    .await;
    fixed.assert_status(200);
    assert_eq!(fixed.json["version"], 3);

    // From closes_at on, the applicant can no longer change it; staff still can.
    app.set_time(utc(CLOSES));
    let res = patch(&token, "\"3\"", json!({"motivation": "Myöhässä"}))
        .send()
        .await;
    res.assert_problem(409);
    assert!(
        res.json["detail"]
            .as_str()
            .unwrap()
            .contains("only while it is open")
    );
    app.get(&url).token(&token).send().await.assert_status(200);
    patch(&round.secretary, "\"3\"", json!({"motivation": "Korjattu"}))
        .send()
        .await
        .assert_status(200);
}

async fn if_match_keeps_two_tabs_from_overwriting_each_other(app: TestApp) {
    let round = open_call(&app).await;
    let mine = submit(&app, &round, form()).await;
    let (id, token) = (mine.str("id"), mine.str("edit_token"));
    let url = format!("/api/v1/applications/{id}");
    let res = app
        .patch(&url)
        .token(&token)
        .json(json!({"motivation": "x"}))
        .send()
        .await;
    res.assert_problem(428);
    // Two tabs read version 1 and save at once: one wins, the other is told to reload.
    let tab = |text: &str| {
        app.patch(&url)
            .token(&token)
            .header("If-Match", "\"1\"")
            .json(json!({ "motivation": text }))
            .send()
    };
    let (a, b) =
        futures_util::future::join(tab("Ensimmäinen välilehti"), tab("Toinen välilehti")).await;
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 412], "{} / {}", a.text(), b.text());
    let winner = if a.status == 200 { &a } else { &b };
    let now = app.get(&url).token(&token).send().await;
    assert_eq!(now.json["motivation"], winner.json["motivation"]);
    assert_eq!(now.json["version"], 2);
    // Stale and malformed ETags are refused; "*" means any version.
    app.patch(&url)
        .token(&token)
        .header("If-Match", "\"1\"")
        .json(json!({"motivation": "z"}))
        .send()
        .await
        .assert_problem(412);
    app.patch(&url)
        .token(&token)
        .header("If-Match", "version-two")
        .json(json!({"motivation": "z"}))
        .send()
        .await
        .assert_problem(412);
    app.patch(&url)
        .token(&token)
        .header("If-Match", "*")
        .json(json!({"motivation": "z"}))
        .send()
        .await
        .assert_status(200);
}

async fn withdrawing(app: TestApp) {
    let round = open_call(&app).await;
    let mine = submit(&app, &round, form()).await;
    let other = submit(
        &app,
        &round,
        with(form(), "candidate.email", json!(email(2))),
    )
    .await;
    let url = format!("/api/v1/applications/{}/withdraw", mine.str("id"));
    app.post(&url)
        .token(&other.str("edit_token"))
        .send()
        .await
        .assert_problem(404);
    app.post(&url).send().await.assert_problem(401);
    app.post(&url)
        .token(&mine.str("edit_token"))
        .header("If-Match", "\"7\"")
        .send()
        .await
        .assert_problem(412);
    let res = app.post(&url).token(&mine.str("edit_token")).send().await;
    res.assert_status(200);
    assert_eq!(res.json["status"], "withdrawn");
    assert_eq!(res.json["withdrawn_at"], "2027-02-10T12:00:00Z");
    assert_eq!(res.json["version"], 2);
    let again = app.post(&url).token(&mine.str("edit_token")).send().await;
    again.assert_problem(409);
    app.patch(&format!("/api/v1/applications/{}", mine.str("id")))
        .token(&mine.str("edit_token"))
        .header("If-Match", "\"2\"")
        .json(json!({"motivation": "x"}))
        .send()
        .await
        .assert_problem(409);
    // After closing, only staff withdraw.
    app.set_time(utc(CLOSES));
    let other_url = format!("/api/v1/applications/{}/withdraw", other.str("id"));
    app.post(&other_url)
        .token(&other.str("edit_token"))
        .send()
        .await
        .assert_problem(409);
    app.post(&other_url)
        .token(&round.secretary)
        .send()
        .await
        .assert_status(200);
    let list = app
        .get(&format!("{}?status=withdrawn", round.applications()))
        .token(&round.secretary)
        .send()
        .await;
    assert_eq!(list.json["items"].as_array().unwrap().len(), 2);
}

async fn staff_read_their_councils_applications(app: TestApp) {
    let round = open_call(&app).await;
    for (n, theme) in [(1, "sports"), (2, "sports"), (3, "culture")] {
        let body = with(
            with(form(), "candidate.email", json!(email(n))),
            "theme",
            json!(theme),
        );
        submit(&app, &round, body).await.assert_status(201);
    }
    let (member, committee) = app
        .user(&round.admin, Role::Committee, &[&round.council])
        .await;
    let (_, not_named) = app
        .user(&round.admin, Role::Committee, &[&round.council])
        .await;
    name_committee(&app, &round, &[&member]).await;
    let elsewhere = app
        .post("/api/v1/councils")
        .token(&round.admin)
        .json(json!({"name": {"fi": "Muu"}, "kind": "regional", "municipality_codes": ["167"]}))
        .send()
        .await
        .str("id");
    let (_, stranger) = app.user(&round.admin, Role::Secretary, &[&elsewhere]).await;
    let url = round.applications();
    for token in [&round.admin, &round.secretary, &committee] {
        let res = app.get(&url).token(token).send().await;
        res.assert_status(200);
        assert_eq!(res.json["items"].as_array().unwrap().len(), 3);
    }
    app.get(&url)
        .token(&stranger)
        .send()
        .await
        .assert_problem(403);
    app.get(&url)
        .token(&not_named)
        .send()
        .await
        .assert_problem(403);
    app.get(&url).send().await.assert_problem(401);
    let sports = app
        .get(&format!("{url}?theme=sports"))
        .token(&round.secretary)
        .send()
        .await;
    assert_eq!(sports.json["items"].as_array().unwrap().len(), 2);
    assert!(
        sports.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["theme"] == "sports")
    );
    let page = app
        .get(&format!("{url}?limit=2"))
        .token(&round.secretary)
        .send()
        .await;
    let next = app
        .get(&format!("{url}?limit=2&cursor={}", page.str("next_cursor")))
        .token(&round.secretary)
        .send()
        .await;
    assert_eq!(next.json["items"].as_array().unwrap().len(), 1);
    app.get(&format!("{url}?theme=chess"))
        .token(&round.secretary)
        .send()
        .await
        .assert_invalid_fields(&["theme"]);
    let one = next.json["items"][0]["id"].as_str().unwrap().to_owned();
    app.get(&format!("/api/v1/applications/{one}"))
        .token(&stranger)
        .send()
        .await
        .assert_problem(404);

    let summary = app
        .get(&format!("{url}/summary"))
        .token(&round.secretary)
        .send()
        .await;
    summary.assert_status(200);
    assert_eq!(summary.json["call_status"], "open");
    assert_eq!(summary.json["submitted"], 3);
    assert_eq!(
        summary.json["themes"],
        json!([
            {"theme": "sports", "submitted": 2, "withdrawn": 0},
            {"theme": "culture", "submitted": 1, "withdrawn": 0},
            {"theme": "villages_heritage", "submitted": 0, "withdrawn": 0},
        ])
    );
    app.get(&format!("{url}/summary"))
        .token(&stranger)
        .send()
        .await
        .assert_problem(403);
}

async fn public_endpoints_are_rate_limited(app: TestApp) {
    let app = TestApp::start_with(app.backend, |c| {
        c.rate_limit.applications_per_minute = 30;
        c.rate_limit.applications_burst = 10;
    })
    .await;
    let round = open_call(&app).await;
    let mut statuses = Vec::new();
    let mut last = None;
    for n in 0..12 {
        let res = submit(
            &app,
            &round,
            with(form(), "candidate.email", json!(email(n))),
        )
        .await;
        statuses.push(res.status);
        last = Some(res);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        10,
        "{statuses:?}"
    );
    let refused = last.unwrap();
    refused.assert_problem(429);
    let wait: u64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    assert_eq!(app.count("applications").await, 10);
    // Staff are not limited.
    for _ in 0..3 {
        app.get(&round.applications())
            .token(&round.secretary)
            .send()
            .await
            .assert_status(200);
    }
    // Broken bodies count too (the limit comes before the body is read), and so do requests
    // with an edit token.
    let app = TestApp::start_with(app.backend, |c| {
        c.rate_limit.applications_per_minute = 30;
        c.rate_limit.applications_burst = 3;
    })
    .await;
    let round = open_call(&app).await;
    let statuses = futures_util::future::join_all((0..4).map(|_| {
        app.post(&round.applications())
            .raw("application/json", "{broken")
            .send()
    }))
    .await;
    let mut codes: Vec<u16> = statuses.iter().map(|r| r.status).collect();
    codes.sort();
    assert_eq!(codes, [400, 400, 400, 429]);
    app.get("/api/v1/applications/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b")
        .token(&format!("jsa_{}", "0".repeat(64)))
        .send()
        .await
        .assert_problem(429);
}

/// Behind a trusted proxy, the client is the last address in X-Forwarded-For (the one the proxy
/// added); what the client writes before it, and `Forwarded`, cannot buy it a new budget.
async fn the_client_address_comes_from_the_trusted_proxy(app: TestApp) {
    let app = TestApp::start_with(app.backend, |c| {
        c.rate_limit.applications_per_minute = 30;
        c.rate_limit.applications_burst = 2;
        c.rate_limit.trust_forwarded_for = true;
    })
    .await;
    let round = open_call(&app).await;
    let submit_as = |n: usize, spoofed: &str| {
        app.post(&round.applications())
            .header("X-Forwarded-For", &format!("{spoofed}, 198.51.100.7"))
            .header("Forwarded", &format!("for={spoofed}"))
            .json(with(form(), "candidate.email", json!(email(n))))
            .send()
    };
    submit_as(1, "10.0.0.1").await.assert_status(201);
    submit_as(2, "10.0.0.2").await.assert_status(201);
    submit_as(3, "10.0.0.3").await.assert_problem(429);
    // Another client behind the same proxy has its own budget.
    let other = app
        .post(&round.applications())
        .header("X-Forwarded-For", "198.51.100.8")
        .json(with(form(), "candidate.email", json!(email(4))))
        .send()
        .await;
    other.assert_status(201);
}

async fn if_match_is_strict_and_empty_changes_keep_the_version(app: TestApp) {
    let round = open_call(&app).await;
    let mine = submit(&app, &round, form()).await;
    let (id, token) = (mine.str("id"), mine.str("edit_token"));
    let url = format!("/api/v1/applications/{id}");
    let patch = |etag: &str, body: Value| {
        app.patch(&url)
            .token(&token)
            .header("If-Match", etag)
            .json(body)
            .send()
    };
    // A weak ETag never matches (RFC 9110 §13.1.1); one of a list does.
    patch("W/\"1\"", json!({"motivation": "x"}))
        .await
        .assert_problem(412);
    let res = patch("\"7\", \"1\"", json!({"motivation": "Uusi"})).await;
    res.assert_status(200);
    assert_eq!(res.json["version"], 2);
    // Nothing changed, nothing happens.
    let same = patch("\"2\"", json!({"motivation": "Uusi"})).await;
    same.assert_status(200);
    assert_eq!(same.json["version"], 2);
    assert_eq!(same.header("etag"), "\"2\"");
    let empty = patch("\"2\"", json!({})).await;
    assert_eq!(empty.json["version"], 2);
    // A blank register number is no register number.
    let res = patch("\"2\"", json!({"association": {"register_number": ""}})).await;
    res.assert_status(200);
    assert!(res.json["association"].get("register_number").is_none());
    let submitted = submit(
        &app,
        &round,
        with(
            with(form(), "association.register_number", json!("")),
            "candidate.email",
            json!(email(5)),
        ),
    )
    .await;
    submitted.assert_status(201);
    assert!(
        submitted.json["association"]
            .get("register_number")
            .is_none()
    );
}

async fn secretaries_are_reminded_before_the_call_closes(app: TestApp) {
    let round = open_call(&app).await;
    for (n, theme) in [(1, "sports"), (2, "sports")] {
        let body = with(
            with(form(), "candidate.email", json!(email(n))),
            "theme",
            json!(theme),
        );
        submit(&app, &round, body).await.assert_status(201);
    }
    let worker = app.worker();
    assert_eq!(
        worker.housekeeping().await.unwrap(),
        0,
        "not yet: closes in 18 days"
    );
    app.set_time(utc(CLOSES) - Duration::hours(71));
    assert_eq!(worker.housekeeping().await.unwrap(), 1, "one secretary");
    assert_eq!(worker.housekeeping().await.unwrap(), 0, "only once");
    let list = app
        .get("/api/v1/notifications?kind=closing_reminder")
        .token(&round.admin)
        .send()
        .await;
    let reminder = &list.json["items"][0];
    let detail = app
        .get(&format!(
            "/api/v1/notifications/{}",
            reminder["id"].as_str().unwrap()
        ))
        .token(&round.secretary)
        .send()
        .await;
    let text = detail.json["body_text"].as_str().unwrap();
    assert!(text.contains("Hakemuksia on tähän mennessä 2"), "{text}");
    assert!(text.contains("- Liikuntajärjestöt: 2"), "{text}");
    assert!(text.contains("- Kulttuurijärjestöt: 0"), "{text}");
}
