//! Calls: drafts, publication, status by the clock, deadline boundaries (also across daylight
//! saving), extensions and the state machine's refusals. Corrections and cancelling are in
//! `corrections.rs`.

use chrono::{DateTime, Duration, Utc};
use jane_seats::domain::access::Role;
use serde_json::{Value, json};

use crate::db_tests;
use crate::support::TestApp;

db_tests!(
    secretaries_create_drafts_in_local_time,
    call_defaults_come_from_the_seat_plan_and_the_model,
    who_may_create_calls,
    invalid_calls_name_every_bad_field_and_store_nothing,
    deadlines_across_daylight_saving,
    drafts_are_hidden_from_everyone_but_managers,
    drafts_are_edited_and_published,
    status_follows_the_clock_to_the_second,
    deadline_on_a_daylight_saving_day,
    published_calls_take_only_a_later_deadline_of_their_terms,
    review_starts_only_after_closing,
    a_call_whose_deadline_passed_is_not_published,
    listing_calls_by_status,
);

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// A council with a secretary and a seat plan of sports and culture.
struct Setup {
    admin: String,
    council: String,
    secretary: String,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let council = app
        .local_council(&admin, &jane, "Liperin paikallis-JANE", &["426", "607"])
        .await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&council]).await;
    app.seat_plan(&secretary, &council, &["sports", "culture"])
        .await;
    Setup {
        admin,
        council,
        secretary,
    }
}

fn with(mut body: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn secretaries_create_drafts_in_local_time(app: TestApp) {
    let s = setup(&app).await;
    let res = app
        .draft_call(&s.secretary, &s.council, TestApp::call_body())
        .await;
    assert_eq!(res.json["status"], "draft");
    assert_eq!(res.json["council_id"], s.council);
    assert_eq!(res.json["time_zone"], "Europe/Helsinki");
    // 09:00 and 16:00 in Helsinki winter time (UTC+2).
    assert_eq!(res.json["opens_at"], "2027-02-01T07:00:00Z");
    assert_eq!(res.json["closes_at"], "2027-02-28T14:00:00Z");
    assert_eq!(res.json["opens_at_local"], "2027-02-01T09:00:00+02:00");
    assert_eq!(res.json["closes_at_local"], "2027-02-28T16:00:00+02:00");
    assert_eq!(res.json["title"]["sv"], "Öppen ansökan 2027");
    assert_eq!(res.json["contacts"][0]["phone"], "040 123 4567");
    assert!(res.json["published_at"].is_null());
    let id = res.str("id");
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);
    let got = app
        .get(&format!("/api/v1/calls/{id}"))
        .token(&s.secretary)
        .send()
        .await;
    assert_eq!(got.json, res.json);

    // Offsets are honoured as given; the time zone only reads local times.
    let body = with(
        TestApp::call_body(),
        json!({"opens_at": "2027-02-01T06:00:00Z", "closes_at": "2027-02-28T18:00:00+03:00", "time_zone": "Europe/Stockholm"}),
    );
    let res = app.draft_call(&s.secretary, &s.council, body).await;
    assert_eq!(res.json["opens_at"], "2027-02-01T06:00:00Z");
    assert_eq!(res.json["closes_at"], "2027-02-28T15:00:00Z");
    assert_eq!(res.json["closes_at_local"], "2027-02-28T16:00:00+01:00");
}

async fn call_defaults_come_from_the_seat_plan_and_the_model(app: TestApp) {
    let s = setup(&app).await;
    let res = app
        .draft_call(&s.secretary, &s.council, TestApp::call_body())
        .await;
    assert_eq!(res.json["themes"], json!(["sports", "culture"]));
    let criteria = res.json["criteria"].as_array().unwrap();
    assert_eq!(criteria.len(), 4);
    assert!(
        criteria[3]["fi"]
            .as_str()
            .unwrap()
            .contains("Liperi, Polvijärvi"),
        "{}",
        criteria[3]
    );
    assert!(
        criteria
            .iter()
            .all(|c| c["sv"].is_string() && c["en"].is_string())
    );

    let body = with(
        TestApp::call_body(),
        json!({"themes": ["culture"], "criteria": [{"fi": "Aktiivisuus"}]}),
    );
    let res = app.draft_call(&s.secretary, &s.council, body).await;
    assert_eq!(res.json["themes"], json!(["culture"]));
    assert_eq!(res.json["criteria"], json!([{"fi": "Aktiivisuus"}]));
}

async fn who_may_create_calls(app: TestApp) {
    let s = setup(&app).await;
    let (_, committee) = app.user(&s.admin, Role::Committee, &[&s.council]).await;
    let jane2 = app
        .post("/api/v1/councils")
        .token(&s.admin)
        .json(json!({"name": {"fi": "Toinen"}, "kind": "regional", "municipality_codes": ["167"]}))
        .send()
        .await
        .str("id");
    let (_, other_secretary) = app.user(&s.admin, Role::Secretary, &[&jane2]).await;
    let url = format!("/api/v1/councils/{}/calls", s.council);
    for token in [&committee, &other_secretary] {
        app.post(&url)
            .token(token)
            .json(TestApp::call_body())
            .send()
            .await
            .assert_problem(403);
    }
    app.post(&url)
        .json(TestApp::call_body())
        .send()
        .await
        .assert_problem(401);
    app.draft_call(&s.admin, &s.council, TestApp::call_body())
        .await;
    app.post("/api/v1/councils/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b/calls")
        .token(&s.admin)
        .json(TestApp::call_body())
        .send()
        .await
        .assert_problem(404);
    assert_eq!(app.count("calls").await, 1);
}

async fn invalid_calls_name_every_bad_field_and_store_nothing(app: TestApp) {
    let s = setup(&app).await;
    let url = format!("/api/v1/councils/{}/calls", s.council);
    let bad = with(
        TestApp::call_body(),
        json!({
            "title": {"fi": " "},
            "opens_at": "1.2.2027 klo 9",
            "closes_at": "2027-02-28T16:00:00.250",
            "term_start": "2027-04-01",
            "term_end": "2027-03-31",
            "contacts": [{"name": "", "email": "sanna(at)example.org", "phone": "call me"}],
            "themes": ["sports", "sports"],
        }),
    );
    let res = app.post(&url).token(&s.secretary).json(bad).send().await;
    res.assert_invalid_fields(&[
        "closes_at",
        "contacts[0].email",
        "contacts[0].name",
        "contacts[0].phone",
        "opens_at",
        "term_end",
        "themes[1]",
        "title",
    ]);

    let order = with(
        TestApp::call_body(),
        json!({"closes_at": "2027-02-01T09:00:00"}),
    );
    app.post(&url)
        .token(&s.secretary)
        .json(order)
        .send()
        .await
        .assert_invalid_fields(&["closes_at"]);
    let zone = with(TestApp::call_body(), json!({"time_zone": "Europe/Joensuu"}));
    app.post(&url)
        .token(&s.secretary)
        .json(zone)
        .send()
        .await
        .assert_invalid_fields(&["time_zone"]);
    let unplanned = with(
        TestApp::call_body(),
        json!({"themes": ["sports", "hobbies"]}),
    );
    app.post(&url)
        .token(&s.secretary)
        .json(unplanned)
        .send()
        .await
        .assert_invalid_fields(&["themes[1]"]);
    let no_contacts = with(TestApp::call_body(), json!({"contacts": []}));
    app.post(&url)
        .token(&s.secretary)
        .json(no_contacts)
        .send()
        .await
        .assert_invalid_fields(&["contacts"]);
    let mut missing = TestApp::call_body();
    missing.as_object_mut().unwrap().remove("closes_at");
    app.post(&url)
        .token(&s.secretary)
        .json(missing)
        .send()
        .await
        .assert_invalid_fields(&["closes_at"]);
    let res = app
        .post(&url)
        .token(&s.secretary)
        .json(json!({"title": {"fi": ""}}))
        .send()
        .await;
    res.assert_invalid_fields(&[
        "announcement",
        "closes_at",
        "contacts",
        "opens_at",
        "term_end",
        "term_start",
        "title",
    ]);
    let unknown = with(TestApp::call_body(), json!({"deadline": "2027-03-01"}));
    app.post(&url)
        .token(&s.secretary)
        .json(unknown)
        .send()
        .await
        .assert_invalid_fields(&["deadline"]);

    // A council without seats cannot have a call yet.
    let jane = app.get("/api/v1/councils?kind=regional").send().await.json["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(&format!("/api/v1/councils/{jane}/calls"))
        .token(&s.admin)
        .json(TestApp::call_body())
        .send()
        .await;
    res.assert_invalid_fields(&["themes"]);
    assert_eq!(app.count("calls").await, 0);
}

async fn deadlines_across_daylight_saving(app: TestApp) {
    let s = setup(&app).await;
    let url = format!("/api/v1/councils/{}/calls", s.council);
    // Clocks go forward at 03:00 on 28 March 2027: 03:30 does not exist.
    let gap = with(
        TestApp::call_body(),
        json!({"closes_at": "2027-03-28T03:30:00"}),
    );
    let res = app.post(&url).token(&s.secretary).json(gap).send().await;
    res.assert_invalid_fields(&["closes_at"]);
    assert!(
        res.json["detail"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
    // Clocks go back at 04:00 on 31 October 2027: 03:30 happens twice, so an offset is needed.
    let twice = with(
        TestApp::call_body(),
        json!({"closes_at": "2027-10-31T03:30:00", "term_start": "2027-12-01", "term_end": "2029-11-30"}),
    );
    let res = app.post(&url).token(&s.secretary).json(twice).send().await;
    res.assert_invalid_fields(&["closes_at"]);
    assert!(res.json["detail"].as_str().unwrap().contains("+03:00"));
    let explicit = with(
        TestApp::call_body(),
        json!({"closes_at": "2027-10-31T03:30:00+02:00", "term_start": "2027-12-01", "term_end": "2029-11-30"}),
    );
    let res = app.draft_call(&s.secretary, &s.council, explicit).await;
    assert_eq!(res.json["closes_at"], "2027-10-31T01:30:00Z");
    // Summer time after the change: 16:00 is UTC+3.
    let summer = with(
        TestApp::call_body(),
        json!({"closes_at": "2027-03-28T16:00:00"}),
    );
    let res = app.draft_call(&s.secretary, &s.council, summer).await;
    assert_eq!(res.json["closes_at"], "2027-03-28T13:00:00Z");
    assert_eq!(res.json["closes_at_local"], "2027-03-28T16:00:00+03:00");
}

async fn drafts_are_hidden_from_everyone_but_managers(app: TestApp) {
    let s = setup(&app).await;
    let (_, committee) = app.user(&s.admin, Role::Committee, &[&s.council]).await;
    let id = app
        .draft_call(&s.secretary, &s.council, TestApp::call_body())
        .await
        .str("id");
    let url = format!("/api/v1/calls/{id}");
    app.get(&url).send().await.assert_problem(404);
    app.get(&url)
        .token(&committee)
        .send()
        .await
        .assert_problem(404);
    app.get(&url)
        .token(&s.admin)
        .send()
        .await
        .assert_status(200);
    app.get(&url)
        .token("jss_bogus")
        .send()
        .await
        .assert_problem(401);
    // Another council's secretary neither sees nor changes it.
    let elsewhere = app
        .post("/api/v1/councils")
        .token(&s.admin)
        .json(json!({"name": {"fi": "Muu"}, "kind": "regional", "municipality_codes": ["167"]}))
        .send()
        .await
        .str("id");
    let (_, stranger) = app.user(&s.admin, Role::Secretary, &[&elsewhere]).await;
    app.get(&url)
        .token(&stranger)
        .send()
        .await
        .assert_problem(404);
    app.patch(&url)
        .token(&stranger)
        .json(json!({"title": {"fi": "Kaapattu"}}))
        .send()
        .await
        .assert_problem(404);
    app.post(&format!("{url}/publish"))
        .token(&stranger)
        .send()
        .await
        .assert_problem(404);
    let list = app.get("/api/v1/calls").token(&stranger).send().await;
    assert_eq!(list.json["items"], json!([]));
    // Changing it is also "not found" for those who cannot see it.
    app.post(&format!("{url}/publish"))
        .token(&committee)
        .send()
        .await
        .assert_problem(404);

    let public = app.get("/api/v1/calls").send().await;
    assert_eq!(public.json["items"], json!([]));
    let own = app.get("/api/v1/calls").token(&s.secretary).send().await;
    assert_eq!(own.json["items"][0]["id"], id);
    let all = app
        .get("/api/v1/calls?status=draft")
        .token(&s.admin)
        .send()
        .await;
    assert_eq!(all.json["items"].as_array().unwrap().len(), 1);
    let committee_list = app.get("/api/v1/calls").token(&committee).send().await;
    assert_eq!(committee_list.json["items"], json!([]));
}

async fn drafts_are_edited_and_published(app: TestApp) {
    let s = setup(&app).await;
    let created = app
        .draft_call(&s.secretary, &s.council, TestApp::call_body())
        .await;
    let id = created.str("id");
    let url = format!("/api/v1/calls/{id}");
    app.clock.advance(Duration::minutes(5));
    let res = app
        .patch(&url)
        .token(&s.secretary)
        .json(json!({"title": {"fi": "Avoin haku 2027–2029"}, "closes_at": "2027-03-05T16:00:00", "themes": ["culture"]}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["title"]["fi"], "Avoin haku 2027–2029");
    assert_eq!(res.json["closes_at"], "2027-03-05T14:00:00Z");
    assert_eq!(res.json["opens_at"], created.json["opens_at"]);
    assert_eq!(res.json["themes"], json!(["culture"]));
    assert_ne!(res.json["updated_at"], created.json["updated_at"]);

    // A refused edit changes nothing.
    let bad = app
        .patch(&url)
        .token(&s.secretary)
        .json(json!({"title": {"fi": "Uusi"}, "opens_at": "2027-03-06T00:00:00"}))
        .send()
        .await;
    bad.assert_invalid_fields(&["closes_at"]);
    let unchanged = app.get(&url).token(&s.secretary).send().await;
    assert_eq!(unchanged.json, res.json);

    let published = app
        .post(&format!("{url}/publish"))
        .token(&s.secretary)
        .send()
        .await;
    published.assert_status(200);
    assert_eq!(published.json["status"], "scheduled");
    assert_eq!(published.json["published_at"], "2027-01-10T10:05:00Z");
    app.post(&format!("{url}/publish"))
        .token(&s.secretary)
        .send()
        .await
        .assert_problem(409);
    let public = app.get(&url).send().await;
    public.assert_status(200);
    assert_eq!(public.json["status"], "scheduled");
}

async fn publish(app: &TestApp, s: &Setup, body: Value) -> String {
    let id = app
        .draft_call(&s.secretary, &s.council, body)
        .await
        .str("id");
    app.post(&format!("/api/v1/calls/{id}/publish"))
        .token(&s.secretary)
        .send()
        .await
        .assert_status(200);
    id
}

async fn status_at(app: &TestApp, id: &str, at: DateTime<Utc>) -> String {
    app.set_time(at);
    app.get(&format!("/api/v1/calls/{id}"))
        .send()
        .await
        .str("status")
}

async fn status_follows_the_clock_to_the_second(app: TestApp) {
    let s = setup(&app).await;
    let id = publish(&app, &s, TestApp::call_body()).await;
    let (opens, closes) = (utc("2027-02-01T07:00:00Z"), utc("2027-02-28T14:00:00Z"));
    assert_eq!(
        status_at(&app, &id, opens - Duration::seconds(1)).await,
        "scheduled"
    );
    assert_eq!(status_at(&app, &id, opens).await, "open");
    assert_eq!(
        status_at(&app, &id, closes - Duration::seconds(1)).await,
        "open"
    );
    assert_eq!(
        status_at(&app, &id, closes - Duration::microseconds(1)).await,
        "open"
    );
    assert_eq!(status_at(&app, &id, closes).await, "closed");
    assert_eq!(
        status_at(&app, &id, closes + Duration::seconds(1)).await,
        "closed"
    );
}

/// A deadline on the night clocks go forward: 04:00 local on 28 March 2027 is 01:00 UTC, one hour
/// of wall-clock time after 02:59:59 local.
async fn deadline_on_a_daylight_saving_day(app: TestApp) {
    let s = setup(&app).await;
    let body = with(
        TestApp::call_body(),
        json!({"opens_at": "2027-03-01T09:00:00", "closes_at": "2027-03-28T04:00:00"}),
    );
    let id = publish(&app, &s, body).await;
    let call = app.get(&format!("/api/v1/calls/{id}")).send().await;
    assert_eq!(call.json["closes_at"], "2027-03-28T01:00:00Z");
    assert_eq!(call.json["closes_at_local"], "2027-03-28T04:00:00+03:00");
    assert_eq!(
        status_at(&app, &id, utc("2027-03-28T00:59:59Z")).await,
        "open"
    );
    assert_eq!(
        status_at(&app, &id, utc("2027-03-28T01:00:00Z")).await,
        "closed"
    );
    assert_eq!(
        status_at(&app, &id, utc("2027-03-28T01:00:01Z")).await,
        "closed"
    );
}

/// Of a published call's terms only the deadline moves, and only later (its texts and opening
/// are corrected as `corrections.rs` shows).
async fn published_calls_take_only_a_later_deadline_of_their_terms(app: TestApp) {
    let s = setup(&app).await;
    let id = publish(&app, &s, TestApp::call_body()).await;
    let url = format!("/api/v1/calls/{id}");
    let before = app.get(&url).send().await.json;
    app.patch(&url)
        .token(&s.secretary)
        .json(json!({"term_end": "2029-12-31"}))
        .send()
        .await
        .assert_problem(409);
    app.patch(&url)
        .token(&s.secretary)
        .json(json!({"closes_at": "2027-03-07T16:00:00", "themes": ["sports"]}))
        .send()
        .await
        .assert_problem(409);
    app.patch(&url)
        .token(&s.secretary)
        .json(json!({"closes_at": "2027-02-20T16:00:00"}))
        .send()
        .await
        .assert_problem(409);
    assert_eq!(app.get(&url).send().await.json, before);

    // While open, a later deadline is accepted.
    app.set_time(utc("2027-02-15T12:00:00Z"));
    let res = app
        .patch(&url)
        .token(&s.secretary)
        .json(json!({"closes_at": "2027-03-07T16:00:00"}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["closes_at"], "2027-03-07T14:00:00Z");
    assert_eq!(res.json["status"], "open");
    assert_eq!(res.json["title"], before["title"]);

    // Once closed, the deadline is no longer extended.
    app.set_time(utc("2027-03-07T14:00:00Z"));
    app.patch(&url)
        .token(&s.secretary)
        .json(json!({"closes_at": "2027-03-14T16:00:00"}))
        .send()
        .await
        .assert_problem(409);
    let (_, committee) = app.user(&s.admin, Role::Committee, &[&s.council]).await;
    app.patch(&url)
        .token(&committee)
        .json(json!({"closes_at": "2027-03-14T16:00:00"}))
        .send()
        .await
        .assert_problem(403);
}

async fn review_starts_only_after_closing(app: TestApp) {
    let s = setup(&app).await;
    let draft = app
        .draft_call(&s.secretary, &s.council, TestApp::call_body())
        .await
        .str("id");
    app.post(&format!("/api/v1/calls/{draft}/start-review"))
        .token(&s.secretary)
        .send()
        .await
        .assert_problem(409);
    let id = publish(&app, &s, TestApp::call_body()).await;
    let url = format!("/api/v1/calls/{id}");
    let closes = utc("2027-02-28T14:00:00Z");
    for at in [utc("2027-01-20T00:00:00Z"), closes - Duration::seconds(1)] {
        app.set_time(at);
        let res = app
            .post(&format!("{url}/start-review"))
            .token(&s.secretary)
            .send()
            .await;
        res.assert_problem(409);
        assert!(
            res.json["detail"]
                .as_str()
                .unwrap()
                .contains("after closes_at")
        );
    }
    let (_, committee) = app.user(&s.admin, Role::Committee, &[&s.council]).await;
    app.set_time(closes);
    app.post(&format!("{url}/start-review"))
        .token(&committee)
        .send()
        .await
        .assert_problem(403);
    let res = app
        .post(&format!("{url}/start-review"))
        .token(&s.secretary)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["status"], "reviewing");
    assert_eq!(res.json["review_started_at"], "2027-02-28T14:00:00Z");
    // Every other move from reviewing is refused.
    app.post(&format!("{url}/start-review"))
        .token(&s.secretary)
        .send()
        .await
        .assert_problem(409);
    app.post(&format!("{url}/publish"))
        .token(&s.secretary)
        .send()
        .await
        .assert_problem(409);
    app.patch(&url)
        .token(&s.secretary)
        .json(json!({"closes_at": "2027-04-01T16:00:00"}))
        .send()
        .await
        .assert_problem(409);
    assert_eq!(app.get(&url).send().await.json["status"], "reviewing");
}

async fn a_call_whose_deadline_passed_is_not_published(app: TestApp) {
    let s = setup(&app).await;
    let id = app
        .draft_call(&s.secretary, &s.council, TestApp::call_body())
        .await
        .str("id");
    app.set_time(utc("2027-02-28T14:00:00Z"));
    let res = app
        .post(&format!("/api/v1/calls/{id}/publish"))
        .token(&s.secretary)
        .send()
        .await;
    res.assert_problem(409);
    assert!(res.json["detail"].as_str().unwrap().contains("closes_at"));
    let call = app
        .get(&format!("/api/v1/calls/{id}"))
        .token(&s.secretary)
        .send()
        .await;
    assert_eq!(call.json["status"], "draft");
}

async fn listing_calls_by_status(app: TestApp) {
    let s = setup(&app).await;
    let early = publish(&app, &s, TestApp::call_body()).await;
    let late = publish(
        &app,
        &s,
        with(
            TestApp::call_body(),
            json!({"opens_at": "2027-03-01T09:00:00", "closes_at": "2027-03-31T16:00:00"}),
        ),
    )
    .await;
    let draft = app
        .draft_call(&s.secretary, &s.council, TestApp::call_body())
        .await
        .str("id");
    let ids = |res: &crate::support::Resp| -> Vec<String> {
        res.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    app.set_time(utc("2027-02-10T12:00:00Z"));
    assert_eq!(
        ids(&app.get("/api/v1/calls?status=open").send().await),
        [early.as_str()]
    );
    assert_eq!(
        ids(&app.get("/api/v1/calls?status=scheduled").send().await),
        [late.as_str()]
    );
    // Newest first; the draft only for its managers.
    assert_eq!(
        ids(&app.get("/api/v1/calls").send().await),
        [late.as_str(), early.as_str()]
    );
    assert_eq!(
        ids(&app.get("/api/v1/calls").token(&s.secretary).send().await),
        [draft.as_str(), late.as_str(), early.as_str()]
    );
    app.set_time(utc("2027-03-15T12:00:00Z"));
    assert_eq!(
        ids(&app.get("/api/v1/calls?status=open").send().await),
        [late.as_str()]
    );
    assert_eq!(
        ids(&app.get("/api/v1/calls?status=closed").send().await),
        [early.as_str()]
    );
    let filtered = app
        .get(&format!("/api/v1/calls?council_id={}&limit=1", s.council))
        .send()
        .await;
    assert_eq!(ids(&filtered), [late.as_str()]);
    let cursor = filtered.str("next_cursor");
    let next = app
        .get(&format!(
            "/api/v1/calls?council_id={}&limit=1&cursor={cursor}",
            s.council
        ))
        .send()
        .await;
    assert_eq!(ids(&next), [early.as_str()]);
    app.get("/api/v1/calls?status=opened")
        .send()
        .await
        .assert_invalid_fields(&["status"]);

    // The list's status filter agrees with the call's status at the boundaries, to the second.
    let opens = utc("2027-03-01T07:00:00Z");
    let closes = utc("2027-03-31T13:00:00Z");
    for (at, expected) in [
        (opens - Duration::seconds(1), "scheduled"),
        (opens, "open"),
        (closes - Duration::seconds(1), "open"),
        (closes, "closed"),
    ] {
        app.set_time(at);
        for status in ["scheduled", "open", "closed"] {
            let listed = ids(&app
                .get(&format!("/api/v1/calls?status={status}"))
                .send()
                .await);
            assert_eq!(
                listed.contains(&late),
                status == expected,
                "{status} at {at}"
            );
        }
        let call = app.get(&format!("/api/v1/calls/{late}")).send().await;
        assert_eq!(call.json["status"], expected);
    }
}
