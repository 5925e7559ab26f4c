//! Personal data through the HTTP app: the applicant's export and erasure, staff answering a
//! person's request, the retention rules run by the housekeeping with the clock moved forward,
//! and a dump of every table after an erasure finding none of the person's data.

use serde_json::{Value, json};

use crate::selection::{Round, council, decided_sports_call, form};
use crate::support::Backend;
use crate::support::TestApp;
use crate::{backend_tests, db_tests};
use jane_seats::domain::access::Role;

db_tests!(
    an_applicant_reads_and_erases_their_own_data,
    staff_answer_a_persons_request_and_a_seated_member_is_kept,
    retention_erases_unsuccessful_applications_by_itself,
    two_housekeepers_at_once_erase_each_application_once,
);

backend_tests!(members_are_kept_until_their_term_ends_plus_the_member_retention);

const FIRST: &str = "Ainomaija";
const LAST: &str = "Östersundberg";
const EMAIL: &str = "ainomaija.ostersund@example.org";
const PHONE: &str = "+358407650099";
const MOTIVATION: &str = "Kyläkoulun puolesta ja Pielisen rantojen virkistyskäytön edistämiseksi";

/// An open call of the round's council, with one application of the person above.
async fn applied(app: &TestApp, round: &Round) -> (String, String, String) {
    let mut body = TestApp::call_body();
    body["opens_at"] = json!("2027-02-01T09:00:00");
    body["closes_at"] = json!("2027-02-28T16:00:00");
    let call = app
        .draft_call(&round.secretary, &round.council, body)
        .await
        .str("id");
    app.post(&format!("/api/v1/calls/{call}/publish"))
        .token(&round.secretary)
        .send()
        .await
        .assert_status(200);
    app.set_time("2027-02-10T12:00:00Z".parse().unwrap());
    let mut form = form(7, "villages_heritage", "woman", "either");
    form["candidate"]["first_name"] = json!(FIRST);
    form["candidate"]["last_name"] = json!(LAST);
    form["candidate"]["email"] = json!(EMAIL);
    form["candidate"]["phone"] = json!("040 765 0099");
    form["motivation"] = json!(MOTIVATION);
    let res = app
        .post(&format!("/api/v1/calls/{call}/applications"))
        .header("Idempotency-Key", "privacy-test-0000000001")
        .json(form)
        .send()
        .await;
    res.assert_status(201);
    (call, res.str("id"), res.str("edit_token"))
}

async fn an_applicant_reads_and_erases_their_own_data(app: TestApp) {
    let round = council(&app).await;
    let (call, id, token) = applied(&app, &round).await;
    let path = format!("/api/v1/applications/{id}/personal-data");

    // Their own data, with their token: the application as given and the receipt sent.
    let own = app.get(&path).token(&token).send().await;
    own.assert_status(200);
    let document = &own.json["applications"][0];
    assert_eq!(document["application"]["candidate"]["first_name"], FIRST);
    assert_eq!(document["application"]["candidate"]["phone"], PHONE);
    assert_eq!(document["application"]["motivation"], MOTIVATION);
    assert_eq!(document["call"]["id"], call);
    let messages = document["messages"].as_array().unwrap();
    assert!(
        messages.iter().any(|m| m["recipient"] == EMAIL),
        "{own:?}",
        own = own.json
    );
    // Nobody else's token opens it; a committee member may read the application but not
    // export its person's data; another council's secretary does not know it exists.
    app.get(&path)
        .token("jsa_not-the-token-of-this-application-at-all")
        .send()
        .await
        .assert_problem(404);
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
    app.get(&path)
        .token(&round.member)
        .send()
        .await
        .assert_problem(403);
    let other = app
        .local_council(
            &round.admin,
            &round.jane,
            "Outokummun paikallis-JANE",
            &["309"],
        )
        .await;
    let (_, stranger) = app.user(&round.admin, Role::Secretary, &[&other]).await;
    app.get(&path)
        .token(&stranger)
        .send()
        .await
        .assert_problem(404);
    app.get(&path)
        .token(&round.secretary)
        .send()
        .await
        .assert_status(200);

    // Bad input changes nothing.
    app.post(&format!("/api/v1/applications/{id}/erase"))
        .token(&token)
        .json(json!({"why": "x"}))
        .send()
        .await
        .assert_problem(422);
    assert!(app.columns_holding(EMAIL).await.len() > 1);

    // Erased by the applicant while the call is open: withdrawn too.
    let erased = app
        .post(&format!("/api/v1/applications/{id}/erase"))
        .token(&token)
        .json(json!({}))
        .send()
        .await;
    erased.assert_status(200);
    assert_eq!(erased.json["erased"], json!([id]));
    assert_eq!(erased.json["withdrawn"], json!([id]));
    assert!(erased.json["messages"].as_u64().unwrap() >= 1);
    // The token opens nothing now; staff see an application with no person in it.
    app.get(&path)
        .token(&token)
        .send()
        .await
        .assert_problem(404);
    let seen = app
        .get(&format!("/api/v1/applications/{id}"))
        .token(&round.secretary)
        .send()
        .await;
    seen.assert_status(200);
    assert_eq!(seen.json["status"], "withdrawn");
    assert_eq!(seen.json["candidate"]["first_name"], "");
    assert_eq!(seen.json["theme"], "villages_heritage");
    // Every table, every column: none of the person's data.
    for needle in [FIRST, LAST, EMAIL, PHONE, MOTIVATION] {
        assert_eq!(
            app.columns_holding(needle).await,
            Vec::<String>::new(),
            "{needle} is still stored"
        );
    }
    // The erasure is in the audit log, without them; a second erasure is refused.
    let audit = app
        .get(&format!("/api/v1/calls/{call}/audit"))
        .token(&round.admin)
        .send()
        .await;
    audit.assert_status(200);
    assert!(
        audit.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "application.erased"),
        "{}",
        audit.json
    );
    app.post(&format!("/api/v1/applications/{id}/erase"))
        .token(&round.secretary)
        .json(json!({"reason": "Pyyntö sähköpostitse 1.3.2027"}))
        .send()
        .await
        .assert_problem(409);
}

async fn staff_answer_a_persons_request_and_a_seated_member_is_kept(app: TestApp) {
    let round = council(&app).await;
    // Four men: the first two offered the seats, the third the reserve, the fourth not selected.
    let (_, apps) = decided_sports_call(&app, &round, 4, 1).await;

    // A seated member is told to ask the secretary; staff must vacate the seat first.
    let seated = app
        .post(&format!("/api/v1/applications/{}/erase", apps[0].0))
        .token(&apps[0].1)
        .json(json!({}))
        .send()
        .await;
    seated.assert_problem(409);
    assert!(seated.text().contains("secretary"), "{}", seated.text());
    // Staff give a reason.
    app.post(&format!("/api/v1/applications/{}/erase", apps[3].0))
        .token(&round.secretary)
        .json(json!({}))
        .send()
        .await
        .assert_invalid_fields(&["reason"]);
    let erased = app
        .post(&format!("/api/v1/applications/{}/erase", apps[3].0))
        .token(&round.secretary)
        .json(json!({"reason": "Hakijan pyyntö"}))
        .send()
        .await;
    erased.assert_status(200);
    assert_eq!(erased.json["erased"], json!([apps[3].0]));
    assert_eq!(erased.json["withdrawn"], json!([]));
    assert_eq!(
        app.columns_holding("h4@example.org").await,
        Vec::<String>::new()
    );

    // A request by email: the admin finds everything; another council's secretary nothing; a
    // committee member may not ask.
    let export = app
        .get("/api/v1/people/export?email=H3@example.org")
        .token(&round.admin)
        .send()
        .await;
    export.assert_status(200);
    let found = export.json["applications"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", export.json);
    assert_eq!(found[0]["application"]["id"], apps[2].0);
    assert_eq!(found[0]["outcome"]["outcome"], "reserve");
    let other = app
        .local_council(
            &round.admin,
            &round.jane,
            "Outokummun paikallis-JANE",
            &["309"],
        )
        .await;
    let (_, stranger) = app.user(&round.admin, Role::Secretary, &[&other]).await;
    let theirs = app
        .get("/api/v1/people/export?email=h3@example.org")
        .token(&stranger)
        .send()
        .await;
    theirs.assert_status(200);
    assert_eq!(theirs.json["applications"], json!([]));
    app.get("/api/v1/people/export?email=h3@example.org")
        .token(&round.member)
        .send()
        .await
        .assert_problem(403);
    app.post("/api/v1/people/erase")
        .token(&round.admin)
        .json(json!({"email": "h3@example.org"}))
        .send()
        .await
        .assert_invalid_fields(&["reason"]);

    let erased = app
        .post("/api/v1/people/erase")
        .token(&round.admin)
        .json(json!({"email": "h3@example.org", "reason": "Pyyntö 2.3.2027"}))
        .send()
        .await;
    erased.assert_status(200);
    assert_eq!(erased.json["erased"], json!([apps[2].0]));
    // The erased reserve has left the list: the deputy's decline offers the seat to no one.
    let declined = app
        .post(&format!("/api/v1/applications/{}/decline", apps[1].0))
        .token(&apps[1].1)
        .send()
        .await;
    declined.assert_status(200);
    assert_eq!(
        declined.json["offered_to"],
        Value::Null,
        "{}",
        declined.json
    );
    // The representative holds a seat: kept, and said so.
    let kept = app
        .post("/api/v1/people/erase")
        .token(&round.admin)
        .json(json!({"email": "h1@example.org", "reason": "Pyyntö 2.3.2027"}))
        .send()
        .await;
    kept.assert_status(200);
    assert_eq!(kept.json["erased"], json!([]));
    assert_eq!(kept.json["kept_seated"], json!([apps[0].0]));
    assert!(!app.columns_holding("h1@example.org").await.is_empty());
}

async fn retention_erases_unsuccessful_applications_by_itself(app: TestApp) {
    let round = council(&app).await;
    let (call, apps) = decided_sports_call(&app, &round, 4, 1).await;
    for (id, token) in &apps[..2] {
        app.post(&format!("/api/v1/applications/{id}/confirm"))
            .token(token)
            .send()
            .await
            .assert_status(200);
    }
    let named = |list: &Value, id: &str| -> String {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .map(|a| a["candidate"]["first_name"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let list = || async {
        let res = app
            .get(&format!("/api/v1/calls/{call}/applications"))
            .token(&round.secretary)
            .send()
            .await;
        res.assert_status(200);
        res.json
    };
    // The messages go out; their texts are kept for `mail.keep_sent_days` (90).
    while app.worker().run_once().await.unwrap() > 0 {}
    assert!(
        app.columns_holding("Hakija1")
            .await
            .contains(&"notifications.body_text".to_owned())
    );
    // A month after the decision nothing is due.
    app.set_time("2027-04-01T12:00:00Z".parse().unwrap());
    app.worker().housekeeping().await.unwrap();
    assert_eq!(named(&list().await, &apps[3].0), "Hakija4");
    assert!(
        app.columns_holding("Hakija1")
            .await
            .contains(&"notifications.body_text".to_owned())
    );
    let members_before = app
        .get(&format!("/api/v1/councils/{}/members", round.council))
        .send()
        .await
        .json;

    // Thirteen months after: the reserve and the one not selected are erased; the two members
    // are kept, and the composition reads as before.
    app.set_time("2028-04-02T12:00:00Z".parse().unwrap());
    app.worker().housekeeping().await.unwrap();
    let after = list().await;
    assert_eq!(named(&after, &apps[0].0), "Hakija1");
    assert_eq!(named(&after, &apps[1].0), "Hakija2");
    assert_eq!(named(&after, &apps[2].0), "");
    assert_eq!(named(&after, &apps[3].0), "");
    for email in ["h3@example.org", "h4@example.org", "Hakija3", "Hakija4"] {
        assert_eq!(
            app.columns_holding(email).await,
            Vec::<String>::new(),
            "{email}"
        );
    }
    // The members' messages stay as a record of what was sent to whom, without their text.
    let holding = app.columns_holding("Hakija1").await;
    assert!(
        !holding.contains(&"notifications.body_text".to_owned()),
        "{holding:?}"
    );
    assert!(holding.contains(&"applications.candidate_first_name".to_owned()));
    let members_after = app
        .get(&format!("/api/v1/councils/{}/members", round.council))
        .send()
        .await
        .json;
    assert_eq!(members_after, members_before);
    assert_eq!(
        members_after["items"].as_array().unwrap().len(),
        2,
        "{members_after}"
    );
    let coverage = app
        .get(&format!("/api/v1/councils/{}/coverage", round.jane))
        .token(&round.secretary)
        .send()
        .await;
    coverage.assert_status(200);
    // The run was audited with counts, not names; a second pass finds nothing more.
    assert!(
        app.columns_holding("privacy.retention")
            .await
            .contains(&"audit_log.action".to_owned())
    );
    app.worker().housekeeping().await.unwrap();
    assert_eq!(named(&list().await, &apps[0].0), "Hakija1");
}

async fn members_are_kept_until_their_term_ends_plus_the_member_retention(backend: Backend) {
    let app = TestApp::start_with(backend, |c| c.privacy.member_retention_months = Some(12)).await;
    let round = council(&app).await;
    let (call, apps) = decided_sports_call(&app, &round, 3, 1).await;
    for (id, token) in &apps[..2] {
        app.post(&format!("/api/v1/applications/{id}/confirm"))
            .token(token)
            .send()
            .await
            .assert_status(200);
    }
    let first_name = |id: String| {
        let app = &app;
        let secretary = round.secretary.clone();
        async move {
            let res = app
                .get(&format!("/api/v1/applications/{id}"))
                .token(&secretary)
                .send()
                .await;
            res.assert_status(200);
            res.json["candidate"]["first_name"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let coverage = || async {
        let res = app
            .get(&format!("/api/v1/councils/{}/coverage", round.jane))
            .token(&round.secretary)
            .send()
            .await;
        res.assert_status(200);
        res.json
    };
    let before = coverage().await;
    // Two years on, the term (to 31.3.2029) still runs: the members are kept, the one not
    // selected (the reserve) is erased.
    app.set_time("2029-03-01T12:00:00Z".parse().unwrap());
    app.worker().housekeeping().await.unwrap();
    assert_eq!(first_name(apps[0].0.clone()).await, "Hakija1");
    assert_eq!(first_name(apps[2].0.clone()).await, "");
    // A year after the term ended, the members' data goes too; the seats stay filled.
    app.set_time("2030-04-02T12:00:00Z".parse().unwrap());
    app.worker().housekeeping().await.unwrap();
    assert_eq!(first_name(apps[0].0.clone()).await, "");
    assert_eq!(first_name(apps[1].0.clone()).await, "");
    assert_eq!(coverage().await, before);
    assert!(app.columns_holding("h1@example.org").await.is_empty());
    let members = app
        .get(&format!("/api/v1/councils/{}/members", round.council))
        .send()
        .await;
    assert_eq!(
        members.json["items"].as_array().unwrap().len(),
        2,
        "{}",
        members.json
    );
    let _ = call;
}

/// Two instances' housekeeping passes at the same moment (on PostgreSQL truly at once): each due
/// application is erased by one of them, so the passes' audited counts add up to the due ones.
async fn two_housekeepers_at_once_erase_each_application_once(app: TestApp) {
    let round = council(&app).await;
    let (_, apps) = decided_sports_call(&app, &round, 4, 1).await;
    for (id, token) in &apps[..2] {
        app.post(&format!("/api/v1/applications/{id}/confirm"))
            .token(token)
            .send()
            .await
            .assert_status(200);
    }
    app.set_time("2028-04-02T12:00:00Z".parse().unwrap());
    let (first, second) = (app.worker(), app.worker());
    let (a, b) = tokio::join!(first.housekeeping(), second.housekeeping());
    a.unwrap();
    b.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Audited {
        #[diesel(sql_type = diesel::sql_types::Text)]
        after_json: String,
    }
    let passes: Vec<Audited> = app
        .db
        .run(|conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(
                "SELECT after_json FROM audit_log WHERE action = 'privacy.retention'",
            )
            .load::<Audited>(conn)?)
        })
        .await
        .unwrap();
    let erased: u64 = passes
        .iter()
        .map(|p| {
            serde_json::from_str::<Value>(&p.after_json).unwrap()["erased"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert_eq!(erased, 2, "the reserve and the one not selected, once each");
    assert!(app.columns_holding("h3@example.org").await.is_empty());
    assert!(app.columns_holding("h4@example.org").await.is_empty());
}
