//! The secretary's corrections of a published call and its cancellation: what may change when,
//! what the public and the applicants see, and that every change is audited.

use chrono::{DateTime, Utc};
use jane_seats::domain::access::Role;
use serde_json::{Value, json};

use crate::db_tests;
use crate::support::TestApp;

db_tests!(
    a_published_calls_texts_are_corrected_and_its_page_says_so,
    the_opening_moves_only_before_the_call_opens,
    cancelling_a_call_tells_every_applicant_and_closes_it,
    who_may_cancel_and_with_what_reason,
    a_cancelled_draft_stays_private,
    a_cancellation_message_is_overridden_per_call,
);

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Liperi's paikallis-JANE with a published call (opens 1.2.2027 09:00, closes 28.2.2027 16:00
/// Helsinki time); the clock is in January, before it opens.
struct Published {
    admin: String,
    jane: String,
    council: String,
    secretary: String,
    call: String,
}

impl Published {
    fn url(&self) -> String {
        format!("/api/v1/calls/{}", self.call)
    }
}

async fn published(app: &TestApp) -> Published {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let council = app
        .local_council(&admin, &jane, "Liperin paikallis-JANE", &["426", "607"])
        .await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&council]).await;
    app.seat_plan(&secretary, &council, &["sports", "culture"])
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
    Published {
        admin,
        jane,
        council,
        secretary,
        call,
    }
}

fn application(email: &str, language: &str) -> Value {
    json!({
        "association": {"name": "Ylämyllyn Kyläyhdistys ry", "business_id": "0112038-9",
                        "municipality_code": "426"},
        "theme": "sports",
        "role_preference": "either",
        "candidate": {"first_name": "Äijä", "last_name": "Öhman", "email": email,
                      "phone": "040 123 4567", "municipality_code": "426", "gender": "woman",
                      "language": language},
        "motivation": "Haluan tuoda kylien äänen kuuluviin.",
        "commitments": {"has_time": true, "will_liaise": true},
        "consent": {"privacy_notice_version": "1", "accepted": true},
    })
}

/// The call's audit entries with `action`, oldest first.
async fn audited(app: &TestApp, p: &Published, action: &str) -> Vec<Value> {
    let log = app
        .get(&format!("{}/audit", p.url()))
        .token(&p.admin)
        .send()
        .await;
    log.assert_status(200);
    log.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

async fn a_published_calls_texts_are_corrected_and_its_page_says_so(app: TestApp) {
    let p = published(&app).await;
    app.set_time(utc("2027-01-20T10:00:00Z"));
    let before = app.get(&p.url()).send().await.json;
    assert!(before["corrected_at"].is_null());

    // A typo in the title and a wrong phone number, corrected while the call is scheduled.
    let contacts =
        json!([{"name": "Sanna Sihteeri", "email": "sanna@example.org", "phone": "040 765 4321"}]);
    let res = app
        .patch(&p.url())
        .token(&p.secretary)
        .json(
            json!({"title": {"fi": "Avoin haku 2027–2029", "sv": "Öppen ansökan 2027–2029"},
                     "contacts": contacts}),
        )
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["status"], "scheduled");
    assert_eq!(res.json["title"]["fi"], "Avoin haku 2027–2029");
    assert_eq!(res.json["contacts"], contacts);
    assert_eq!(res.json["corrected_at"], "2027-01-20T10:00:00Z");
    // What was not corrected stays as it was.
    for field in [
        "announcement",
        "opens_at",
        "closes_at",
        "term_start",
        "themes",
    ] {
        assert_eq!(res.json[field], before[field], "{field}");
    }
    let entries = audited(&app, &p, "call.corrected").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["before"]["title"]["fi"], "Avoin haku 2027");
    assert_eq!(entries[0]["after"]["title"]["fi"], "Avoin haku 2027–2029");
    assert_eq!(entries[0]["before"]["contacts"][0]["phone"], "040 123 4567");

    // The call's page shows the corrected texts and when they were corrected.
    let page = app.get(&format!("/calls/{}?lang=fi", p.call)).send().await;
    page.assert_status(200);
    let html = page.text();
    assert!(html.contains("Avoin haku 2027–2029"), "{html}");
    assert!(
        html.contains("Hakuilmoitusta on korjattu ke 20.1.2027 klo 12.00"),
        "{html}"
    );
    assert!(html.contains("040 765 4321"));

    // While open and after closing, the texts can still be corrected; the terms applicants
    // planned by cannot.
    app.set_time(utc("2027-02-10T10:00:00Z"));
    app.patch(&p.url())
        .token(&p.secretary)
        .json(json!({"criteria": [{"fi": "Toiminta kunnan alueella"}]}))
        .send()
        .await
        .assert_status(200);
    let current = app.get(&p.url()).send().await.json;
    for refused in [
        json!({"term_start": "2027-05-01"}),
        json!({"themes": ["sports"]}),
        json!({"time_zone": "Europe/Stockholm"}),
        json!({"title": {"fi": "Uusi"}, "term_end": "2029-12-31"}),
        json!({"closes_at": "2027-02-20T16:00:00"}),
    ] {
        let res = app
            .patch(&p.url())
            .token(&p.secretary)
            .json(refused.clone())
            .send()
            .await;
        res.assert_problem(409);
        assert!(
            res.json["detail"].as_str().unwrap().contains("published")
                || res.json["detail"].as_str().unwrap().contains("extended"),
            "{refused}: {}",
            res.json
        );
    }
    // A bad correction names the field; nothing changes.
    app.patch(&p.url())
        .token(&p.secretary)
        .json(json!({"title": {"fi": " "}, "contacts": [{"name": "", "email": "x"}]}))
        .send()
        .await
        .assert_invalid_fields(&["contacts[0].email", "contacts[0].name", "title"]);
    assert_eq!(app.get(&p.url()).send().await.json, current);

    // During the review too, but not by a committee member.
    app.set_time(utc("2027-03-01T10:00:00Z"));
    app.post(&format!("{}/start-review", p.url()))
        .token(&p.secretary)
        .send()
        .await
        .assert_status(200);
    let (_, committee) = app.user(&p.admin, Role::Committee, &[&p.council]).await;
    app.patch(&p.url())
        .token(&committee)
        .json(json!({"announcement": {"fi": "Korjattu teksti."}}))
        .send()
        .await
        .assert_problem(403);
    let res = app
        .patch(&p.url())
        .token(&p.secretary)
        .json(json!({"announcement": {"fi": "Korjattu teksti."}}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["status"], "reviewing");
    assert_eq!(res.json["corrected_at"], "2027-03-01T10:00:00Z");
    assert_eq!(audited(&app, &p, "call.corrected").await.len(), 3);
}

async fn the_opening_moves_only_before_the_call_opens(app: TestApp) {
    let p = published(&app).await;
    app.set_time(utc("2027-01-20T10:00:00Z"));
    // A secretary who typed the wrong month moves the opening: later, then to right now.
    let res = app
        .patch(&p.url())
        .token(&p.secretary)
        .json(json!({"opens_at": "2027-02-08T09:00:00"}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["opens_at"], "2027-02-08T07:00:00Z");
    assert_eq!(res.json["status"], "scheduled");
    let res = app
        .patch(&p.url())
        .token(&p.secretary)
        .json(json!({"opens_at": "2027-01-20T10:00:00Z", "closes_at": "2027-03-07T16:00:00"}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["status"], "open");
    assert_eq!(res.json["closes_at"], "2027-03-07T14:00:00Z");
    assert_eq!(res.json["corrected_at"], "2027-01-20T10:00:00Z");
    let entries = audited(&app, &p, "call.corrected").await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["before"]["opens_at"], "2027-02-08T07:00:00Z");
    assert_eq!(entries[1]["after"]["opens_at"], "2027-01-20T10:00:00Z");

    // Open now: the opening has passed and stays where it is.
    let current = app.get(&p.url()).send().await.json;
    let res = app
        .patch(&p.url())
        .token(&p.secretary)
        .json(json!({"opens_at": "2027-02-01T09:00:00"}))
        .send()
        .await;
    res.assert_problem(409);
    assert!(
        res.json["detail"]
            .as_str()
            .unwrap()
            .contains("already opened"),
        "{}",
        res.json
    );
    assert_eq!(app.get(&p.url()).send().await.json, current);
    // A deadline extension alone is no correction of the texts.
    let res = app
        .patch(&p.url())
        .token(&p.secretary)
        .json(json!({"closes_at": "2027-03-14T16:00:00"}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["corrected_at"], "2027-01-20T10:00:00Z");
    assert_eq!(audited(&app, &p, "call.deadline_extended").await.len(), 1);
}

async fn cancelling_a_call_tells_every_applicant_and_closes_it(app: TestApp) {
    let p = published(&app).await;
    app.set_time(utc("2027-02-10T12:00:00Z"));
    let applications = format!("{}/applications", p.url());
    let mut ids = Vec::new();
    for (email, language) in [
        ("a@example.org", "fi"),
        ("b@example.org", "sv"),
        ("c@example.org", "fi"),
    ] {
        let res = app
            .post(&applications)
            .json(application(email, language))
            .send()
            .await;
        res.assert_status(201);
        ids.push((res.str("id"), res.str("edit_token")));
    }
    // The third applicant withdrew: they are not told again.
    app.post(&format!("/api/v1/applications/{}/withdraw", ids[2].0))
        .token(&ids[2].1)
        .send()
        .await
        .assert_status(200);
    let messages_before = app.count("notifications").await;

    let reason = json!({"fi": "Hakuilmoitukseen merkittiin väärä toimikausi.",
                        "sv": "Fel mandatperiod angavs i utlysningen."});
    let res = app
        .post(&format!("{}/cancel", p.url()))
        .token(&p.secretary)
        .json(json!({ "reason": reason }))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["status"], "cancelled");
    assert_eq!(res.json["cancellation"]["reason"], reason);
    assert_eq!(
        res.json["cancellation"]["cancelled_at"],
        "2027-02-10T12:00:00Z"
    );

    // Each applicant still in the call is told, in their own language.
    assert_eq!(app.count("notifications").await, messages_before + 2);
    let list = app
        .get("/api/v1/notifications?limit=100")
        .token(&p.admin)
        .send()
        .await;
    let mut told: Vec<(String, String, String)> = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "call_cancelled")
        .map(|n| {
            (
                n["recipient"].as_str().unwrap().to_owned(),
                n["language"].as_str().unwrap().to_owned(),
                n["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    told.sort();
    assert_eq!(
        told,
        [
            (
                "a@example.org".into(),
                "fi".into(),
                "Haku on peruttu: Avoin haku 2027".into()
            ),
            (
                "b@example.org".into(),
                "sv".into(),
                "Ansökningsomgången har ställts in: Öppen ansökan 2027".into()
            ),
        ]
    );
    let audit = audited(&app, &p, "call.cancelled").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["after"]["cancellation"]["reason"], reason);

    // The public sees the status and the reason; the call takes no applications and changes no
    // more.
    let public = app.get(&p.url()).send().await;
    assert_eq!(public.json["status"], "cancelled");
    let page = app.get(&format!("/calls/{}?lang=sv", p.call)).send().await;
    let html = page.text();
    assert!(
        html.contains("Fel mandatperiod angavs i utlysningen."),
        "{html}"
    );
    assert!(
        !html.contains(&format!("/calls/{}/apply\"", p.call)),
        "{html}"
    );
    let before = app.get(&p.url()).send().await.json;
    app.post(&applications)
        .json(application("d@example.org", "fi"))
        .send()
        .await
        .assert_problem(409);
    app.post(&format!("/api/v1/applications/{}/withdraw", ids[0].0))
        .token(&ids[0].1)
        .send()
        .await
        .assert_problem(409);
    for (method, path, body) in [
        (
            "POST",
            format!("{}/cancel", p.url()),
            json!({"reason": {"fi": "Uudelleen"}}),
        ),
        ("PATCH", p.url(), json!({"title": {"fi": "Uusi"}})),
        ("POST", format!("{}/start-review", p.url()), Value::Null),
    ] {
        let mut req = app.request(method, &path).token(&p.secretary);
        if !body.is_null() {
            req = req.json(body);
        }
        req.send().await.assert_problem(409);
    }
    assert_eq!(app.get(&p.url()).send().await.json, before);
    assert_eq!(app.count("applications").await, 3);

    // Listed as cancelled, not as open.
    let listed = |status: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/calls?status={status}"))
                .send()
                .await
                .json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("cancelled").await, std::slice::from_ref(&p.call));
    assert!(listed("open").await.is_empty());
    // The front page no longer offers it.
    let home = app.get("/?lang=fi").send().await.text();
    assert!(!home.contains(&format!("/calls/{}", p.call)), "{home}");
    // The applicant's own page says why.
    let mut session = crate::pages::Browser::new(&app, "fi");
    let own = session
        .get(&format!("/applications/{}?token={}", ids[0].0, ids[0].1))
        .await;
    let own = session.get(&own.header("location")).await;
    assert!(
        own.body
            .contains("Haku on peruttu, joten hakemusta ei käsitellä."),
        "{}",
        own.body
    );
    assert!(
        own.body
            .contains("Hakuilmoitukseen merkittiin väärä toimikausi.")
    );
}

async fn who_may_cancel_and_with_what_reason(app: TestApp) {
    let p = published(&app).await;
    let url = format!("{}/cancel", p.url());
    let body = json!({"reason": {"fi": "Haku julkaistaan uudelleen."}});
    let (_, committee) = app.user(&p.admin, Role::Committee, &[&p.council]).await;
    let (_, other_secretary) = app.user(&p.admin, Role::Secretary, &[&p.jane]).await;
    app.post(&url)
        .json(body.clone())
        .send()
        .await
        .assert_problem(401);
    for token in [&committee, &other_secretary] {
        app.post(&url)
            .token(token)
            .json(body.clone())
            .send()
            .await
            .assert_problem(403);
    }
    for bad in [
        json!({}),
        json!({"reason": {"fi": " "}}),
        json!({"reason": {"sv": "Bara svenska"}}),
        json!({"reason": {"fi": "x".repeat(2001)}}),
        json!({"reason": {"fi": "Syy"}, "notify": false}),
    ] {
        let res = app
            .post(&url)
            .token(&p.secretary)
            .json(bad.clone())
            .send()
            .await;
        res.assert_problem(422);
    }
    assert_eq!(app.get(&p.url()).send().await.json["status"], "scheduled");
    assert!(audited(&app, &p, "call.cancelled").await.is_empty());
    // An admin may cancel any call.
    let res = app.post(&url).token(&p.admin).json(body).send().await;
    res.assert_status(200);
    assert_eq!(res.json["status"], "cancelled");
}

async fn a_cancelled_draft_stays_private(app: TestApp) {
    let p = published(&app).await;
    let draft = app
        .draft_call(&p.secretary, &p.council, TestApp::call_body())
        .await
        .str("id");
    let res = app
        .post(&format!("/api/v1/calls/{draft}/cancel"))
        .token(&p.secretary)
        .json(json!({"reason": {"fi": "Tehty vahingossa."}}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["status"], "cancelled");
    app.get(&format!("/api/v1/calls/{draft}"))
        .send()
        .await
        .assert_problem(404);
    assert_eq!(app.get(&format!("/calls/{draft}")).send().await.status, 404);
    let public: Vec<Value> = app.get("/api/v1/calls?status=cancelled").send().await.json["items"]
        .as_array()
        .unwrap()
        .clone();
    assert!(public.is_empty());
    // Its manager still sees it, and cannot publish it any more.
    let seen = app
        .get(&format!("/api/v1/calls/{draft}"))
        .token(&p.secretary)
        .send()
        .await;
    assert_eq!(seen.json["status"], "cancelled");
    app.post(&format!("/api/v1/calls/{draft}/publish"))
        .token(&p.secretary)
        .send()
        .await
        .assert_problem(409);
}

async fn a_cancellation_message_is_overridden_per_call(app: TestApp) {
    let p = published(&app).await;
    app.put(&format!("{}/email-templates/call_cancelled", p.url()))
        .token(&p.secretary)
        .json(
            json!({"language": "fi", "subject": "Peruttu: {{ call.title }}",
                     "body": "Hei {{ candidate.first_name }}, haku peruttiin: {{ reason }}"}),
        )
        .send()
        .await
        .assert_status(200);
    app.set_time(utc("2027-02-10T12:00:00Z"));
    app.post(&format!("{}/applications", p.url()))
        .json(application("a@example.org", "fi"))
        .send()
        .await
        .assert_status(201);
    app.post(&format!("{}/cancel", p.url()))
        .token(&p.secretary)
        .json(json!({"reason": {"fi": "Väärä toimikausi."}}))
        .send()
        .await
        .assert_status(200);
    let list = app
        .get("/api/v1/notifications")
        .token(&p.admin)
        .send()
        .await;
    let message = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "call_cancelled")
        .cloned()
        .expect("the applicant is told");
    assert_eq!(message["subject"], "Peruttu: Avoin haku 2027");
    let detail = app
        .get(&format!(
            "/api/v1/notifications/{}",
            message["id"].as_str().unwrap()
        ))
        .token(&p.admin)
        .send()
        .await;
    assert_eq!(
        detail.json["body_text"].as_str().unwrap().trim_end(),
        "Hei Äijä, haku peruttiin: Väärä toimikausi."
    );
}
