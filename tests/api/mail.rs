//! Email through a real SMTP server process (aiosmtpd on loopback): delivery, the outbox surviving
//! an SMTP outage, permanent and temporary rejections, several senders on one database, crashed
//! senders, the .eml fallback, and the staff API for the outbox and templates.

use std::time::Duration;

use chrono::Duration as Span;
use jane_seats::domain::access::Role;
use jane_seats::domain::localized::Language;
use jane_seats::domain::notification::MessageKind;
use jane_seats::mail::context::MessageContext;
use jane_seats::mail::outbox::{self, Outgoing};
use jane_seats::mail::worker::Worker;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::backend_tests;
use crate::smtp::{SmtpSink, free_port};
use crate::support::{Backend, TestApp};

backend_tests!(
    a_queued_message_arrives_with_its_subject_language_and_body,
    the_outbox_row_exists_only_when_the_change_does,
    messages_wait_while_smtp_is_down_and_go_out_when_it_returns,
    a_permanent_rejection_fails_with_the_reason_and_can_be_retried,
    temporary_rejections_back_off_until_the_attempts_run_out,
    two_senders_deliver_each_message_exactly_once,
    a_crashed_sender_loses_its_claim_when_the_lease_ends,
    without_smtp_messages_become_eml_files,
    who_sees_the_outbox,
    call_templates_are_checked_when_saved_and_used_when_queued,
    a_batch_that_outlives_its_lease_is_still_sent_once,
    a_retried_receipt_still_carries_a_working_link,
    runaway_templates_are_refused_quickly,
);

async fn with_smtp(backend: Backend) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start()?;
    let url = sink.url();
    let app = TestApp::start_with(backend, |c| c.mail.smtp_url = url).await;
    Some((app, sink))
}

/// Creates a committee member through the API, which queues their invitation.
async fn invite(app: &TestApp, admin: &str, council: &str, email: &str, language: &str) -> Value {
    let res = app
        .post("/api/v1/users")
        .token(admin)
        .json(
            json!({"email": email, "name": "Kaisa <Komitea> & Co", "role": "committee",
                     "council_ids": [council], "language": language}),
        )
        .send()
        .await;
    res.assert_status(201);
    res.json
}

async fn notifications(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/v1/notifications{query}"))
        .token(token)
        .send()
        .await;
    res.assert_status(200);
    res.json["items"].as_array().unwrap().clone()
}

async fn only_notification(app: &TestApp, token: &str) -> Value {
    let list = notifications(app, token, "").await;
    assert_eq!(list.len(), 1, "{list:?}");
    list[0].clone()
}

async fn a_queued_message_arrives_with_its_subject_language_and_body(backend: Backend) {
    let Some((app, sink)) = with_smtp(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    invite(&app, &admin, &jane, "kaisa@example.org", "sv").await;
    let queued = only_notification(&app, &admin).await;
    assert_eq!(queued["status"], "queued");
    assert_eq!(queued["kind"], "staff_invitation");
    assert_eq!(queued["language"], "sv");

    assert_eq!(app.worker().run_once().await.unwrap(), 1);
    let received = sink.wait_for(1).await;
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(message.rcpt_tos, ["kaisa@example.org"]);
    assert_eq!(
        message.subject(),
        "Ett konto har skapats åt dig i jane-seats"
    );
    assert_eq!(message.header("Content-Language"), "sv");
    assert!(
        message.text().contains("Hej Kaisa <Komitea> & Co,"),
        "{}",
        message.text()
    );
    assert!(
        message.text().contains("Norra Karelens JANE"),
        "the council in Swedish: {}",
        message.text()
    );
    assert!(
        message
            .html()
            .contains("Hej Kaisa &lt;Komitea&gt; &amp; Co,"),
        "{}",
        message.html()
    );
    let id = queued["id"].as_str().unwrap();
    assert!(message.header("Message-ID").contains(id));

    let sent = only_notification(&app, &admin).await;
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["attempts"], 1);
    assert_eq!(sent["sent_at"], "2027-01-10T10:00:00Z");
    assert!(sent["next_attempt_at"].is_null());
    // Nothing is due any more.
    assert_eq!(app.worker().run_once().await.unwrap(), 0);
    assert_eq!(sink.received().len(), 1);
}

async fn the_outbox_row_exists_only_when_the_change_does(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    invite(&app, &admin, &jane, "kaisa@example.org", "fi").await;
    assert_eq!(app.count("notifications").await, 1);
    // A refused request leaves no message behind.
    let res = app
        .post("/api/v1/users")
        .token(&admin)
        .json(json!({"email": "KAISA@example.org", "name": "Kaisa", "role": "committee", "council_ids": [jane]}))
        .send()
        .await;
    res.assert_problem(409);
    assert_eq!(app.count("notifications").await, 1);
    assert_eq!(app.count("users").await, 2);
}

async fn messages_wait_while_smtp_is_down_and_go_out_when_it_returns(backend: Backend) {
    let port = free_port();
    let app = TestApp::start_with(backend, |c| {
        c.mail.smtp_url = format!("smtp://127.0.0.1:{port}")
    })
    .await;
    if SmtpSink::start_on(free_port()).is_none() {
        return; // aiosmtpd missing (and not required): nothing to deliver to later
    }
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    invite(&app, &admin, &jane, "kaisa@example.org", "fi").await;

    // The real sender loop, as the service runs it.
    let (stop, stopped) = watch::channel(false);
    let sender = tokio::spawn(app.worker().run(stopped));
    let after_first = wait_for_attempts(&app, &admin, 1).await;
    assert_eq!(after_first["status"], "queued");
    assert!(
        after_first["last_error"].as_str().unwrap().len() > 3,
        "{after_first}"
    );
    // Retried 60 s (the base delay) after the failed attempt.
    assert_eq!(after_first["next_attempt_at"], "2027-01-10T10:01:00Z");

    let sink = SmtpSink::start_on(port).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(sink.received().is_empty(), "not retried before its time");
    app.clock.advance(Span::seconds(60));
    let received = sink.wait_for(1).await;
    assert_eq!(received.len(), 1);
    let sent = wait_for_status(&app, &admin, "sent").await;
    assert_eq!(sent["attempts"], 2);
    stop.send(true).unwrap();
    sender.await.unwrap();
    assert_eq!(sink.received().len(), 1);
}

async fn wait_for_attempts(app: &TestApp, token: &str, attempts: i64) -> Value {
    for _ in 0..500 {
        let n = only_notification(app, token).await;
        if n["attempts"].as_i64().unwrap() >= attempts && n["status"] != "sending" {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no attempt was made");
}

async fn wait_for_status(app: &TestApp, token: &str, status: &str) -> Value {
    for _ in 0..500 {
        let n = only_notification(app, token).await;
        if n["status"] == status {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the message never became {status}");
}

async fn a_permanent_rejection_fails_with_the_reason_and_can_be_retried(backend: Backend) {
    let Some((app, sink)) = with_smtp(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    invite(&app, &admin, &jane, "reject-permanent@example.org", "en").await;
    app.worker().run_once().await.unwrap();
    let failed = only_notification(&app, &admin).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["attempts"], 1, "no second try after a 5xx");
    assert!(
        failed["last_error"].as_str().unwrap().contains("550"),
        "{failed}"
    );
    assert_eq!(notifications(&app, &admin, "?status=failed").await.len(), 1);
    assert!(notifications(&app, &admin, "?status=sent").await.is_empty());

    let id = failed["id"].as_str().unwrap();
    let retried = app
        .post(&format!("/api/v1/notifications/{id}/retry"))
        .token(&admin)
        .send()
        .await;
    retried.assert_status(200);
    assert_eq!(retried.json["status"], "queued");
    assert_eq!(retried.json["attempts"], 0);
    app.worker().run_once().await.unwrap();
    assert_eq!(only_notification(&app, &admin).await["status"], "failed");
    assert!(sink.received().is_empty());
}

async fn temporary_rejections_back_off_until_the_attempts_run_out(backend: Backend) {
    let Some((app, sink)) = with_smtp(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    invite(&app, &admin, &jane, "reject-temporary@example.org", "fi").await;
    let worker = app.worker();
    let mut waits = Vec::new();
    for attempt in 1..=3 {
        assert_eq!(worker.run_once().await.unwrap(), 1, "attempt {attempt}");
        let n = only_notification(&app, &admin).await;
        assert_eq!(n["attempts"], attempt);
        if attempt < 3 {
            assert_eq!(n["status"], "queued");
            assert!(n["last_error"].as_str().unwrap().contains("451"), "{n}");
            let next: chrono::DateTime<chrono::Utc> =
                n["next_attempt_at"].as_str().unwrap().parse().unwrap();
            waits.push((next - app.clock_now()).num_seconds());
            assert_eq!(
                worker.run_once().await.unwrap(),
                0,
                "not due before its time"
            );
            app.set_time(next);
        } else {
            assert_eq!(n["status"], "failed");
            assert!(
                n["last_error"]
                    .as_str()
                    .unwrap()
                    .contains("gave up after 3 attempts"),
                "{n}"
            );
        }
    }
    assert_eq!(waits, [60, 120], "exponential backoff");
    assert!(sink.received().is_empty());
    // A sent message cannot be retried; neither can an unknown one.
    app.post("/api/v1/notifications/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b/retry")
        .token(&admin)
        .send()
        .await
        .assert_problem(404);
}

fn queue_many(
    conn: &mut jane_seats::db::DbConn,
    app_templates: &jane_seats::mail::templates::Templates,
    n: usize,
    now: chrono::DateTime<chrono::Utc>,
) {
    for i in 0..n {
        let email = format!("member{i}@example.org");
        outbox::queue(
            conn,
            app_templates,
            Outgoing {
                language: Language::Fi,
                recipient: &email,
                call_id: None,
                application_id: None,
                user_id: None,
                context: MessageContext::sample(MessageKind::NotSelected, Language::Fi),
            },
            now,
        )
        .unwrap();
    }
}

async fn two_senders_deliver_each_message_exactly_once(backend: Backend) {
    let Some((app, sink)) = with_smtp(backend).await else {
        return;
    };
    let now = app.clock_now();
    let templates = app.templates.clone();
    app.db
        .run(move |conn| {
            queue_many(conn, &templates, 40, now);
            Ok(())
        })
        .await
        .unwrap();
    // Two senders with their own connection pools, as two service instances would have.
    let second_db = {
        let config = app.config.clone();
        let clock = app.clock.clone();
        tokio::task::spawn_blocking(move || {
            jane_seats::server::open_database(&config, clock.as_ref())
        })
        .await
        .unwrap()
        .unwrap()
    };
    let first = app.worker();
    let second = Worker::new(
        second_db,
        app.clock.clone(),
        app.templates.clone(),
        jane_seats::mail::worker::MailSettings {
            batch_size: 3,
            ..jane_seats::mail::worker::MailSettings::from_config(&app.config).unwrap()
        },
    );
    let (stop, stopped) = watch::channel(false);
    let a = tokio::spawn(first.run(stopped.clone()));
    let b = tokio::spawn(second.run(stopped));
    let received = sink.wait_for(40).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(true).unwrap();
    a.await.unwrap();
    b.await.unwrap();
    let received_now = sink.received();
    assert_eq!(
        received_now.len(),
        40,
        "each message once (had {} at first)",
        received.len()
    );
    let mut ids: Vec<String> = received_now
        .iter()
        .map(|m| m.header("Message-ID"))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "forty different messages");
    let admin = app.admin().await;
    let sent = notifications(&app, &admin, "?status=sent&limit=500").await;
    assert_eq!(sent.len(), 40);
    assert!(sent.iter().all(|n| n["attempts"] == 1));
}

async fn a_crashed_sender_loses_its_claim_when_the_lease_ends(backend: Backend) {
    let Some((app, sink)) = with_smtp(backend).await else {
        return;
    };
    let now = app.clock_now();
    let templates = app.templates.clone();
    // A sender claims the message and dies before sending it.
    let lease_until = now + Span::seconds(60);
    let claimed = app
        .db
        .run(move |conn| {
            queue_many(conn, &templates, 1, now);
            jane_seats::store::notifications::claim_due(
                conn,
                "crashed-sender",
                now,
                lease_until,
                10,
            )
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let worker = app.worker();
    assert_eq!(
        worker.run_once().await.unwrap(),
        0,
        "held by the crashed sender"
    );
    app.clock.advance(Span::seconds(61));
    assert_eq!(
        worker.run_once().await.unwrap(),
        1,
        "taken over after the lease"
    );
    assert_eq!(sink.wait_for(1).await.len(), 1);
    // The crashed sender coming back cannot overwrite the outcome.
    let id = claimed[0].id.clone();
    let now = app.clock_now();
    let overwritten = app
        .db
        .run(move |conn| {
            jane_seats::store::notifications::complete(
                conn,
                &id,
                "crashed-sender",
                jane_seats::store::notifications::Completion::Failed { reason: "late" },
                now,
            )
        })
        .await
        .unwrap();
    assert!(!overwritten);
    let admin = app.admin().await;
    let n = &notifications(&app, &admin, "").await[0];
    assert_eq!(n["status"], "sent");
    assert_eq!(n["attempts"], 2, "the lost attempt counts");
}

async fn without_smtp_messages_become_eml_files(backend: Backend) {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_owned();
    let app = TestApp::start_with(backend, |c| {
        c.mail.smtp_url = String::new();
        c.mail.outbox_dir = dir;
    })
    .await;
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    invite(&app, &admin, &jane, "kaisa@example.org", "en").await;
    assert_eq!(app.worker().run_once().await.unwrap(), 1);
    let n = only_notification(&app, &admin).await;
    assert_eq!(n["status"], "sent");
    let path = outbox
        .path()
        .join(format!("{}.eml", n["id"].as_str().unwrap()));
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        message.subject(),
        Some("An account has been created for you in jane-seats")
    );
    assert!(message.body_text(0).unwrap().contains("Hello Kaisa"));
    assert_eq!(
        std::fs::read_dir(outbox.path()).unwrap().count(),
        1,
        "no partial files left"
    );
}

async fn who_sees_the_outbox(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let liperi = app.local_council(&admin, &jane, "Liperi", &["426"]).await;
    let kitee = app.local_council(&admin, &jane, "Kitee", &["260"]).await;
    let (_, liperi_secretary) = app.user(&admin, Role::Secretary, &[&liperi]).await;
    let (_, committee) = app.user(&admin, Role::Committee, &[&liperi]).await;
    invite(&app, &admin, &kitee, "kitee@example.org", "fi").await;
    let liperi_invite = invite(&app, &liperi_secretary, &liperi, "liperi@example.org", "fi").await;

    let all = notifications(&app, &admin, "?limit=500").await;
    assert_eq!(all.len(), 4, "every invitation, the two helpers' included");
    let own = notifications(&app, &liperi_secretary, "").await;
    let recipients: Vec<&str> = own
        .iter()
        .map(|n| n["recipient"].as_str().unwrap())
        .collect();
    assert!(recipients.contains(&"liperi@example.org"));
    assert!(!recipients.contains(&"kitee@example.org"));
    let kitee_id = all
        .iter()
        .find(|n| n["recipient"] == "kitee@example.org")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("/api/v1/notifications/{kitee_id}"))
        .token(&liperi_secretary)
        .send()
        .await
        .assert_problem(404);
    app.post(&format!("/api/v1/notifications/{kitee_id}/retry"))
        .token(&liperi_secretary)
        .send()
        .await
        .assert_problem(404);

    let own_id = own
        .iter()
        .find(|n| n["recipient"] == "liperi@example.org")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let detail = app
        .get(&format!("/api/v1/notifications/{own_id}"))
        .token(&liperi_secretary)
        .send()
        .await;
    detail.assert_status(200);
    assert!(
        detail.json["body_text"]
            .as_str()
            .unwrap()
            .contains("Hei Kaisa")
    );
    assert!(
        detail.json["body_html"]
            .as_str()
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    assert_eq!(detail.json["user_id"], liperi_invite["id"]);

    app.get("/api/v1/notifications")
        .token(&committee)
        .send()
        .await
        .assert_problem(403);
    app.get("/api/v1/notifications")
        .send()
        .await
        .assert_problem(401);
    app.get("/api/v1/notifications?status=lost")
        .token(&admin)
        .send()
        .await
        .assert_invalid_fields(&["status"]);
    let queued = notifications(&app, &admin, "?status=queued&kind=staff_invitation").await;
    assert_eq!(queued.len(), 4);
}

async fn call_templates_are_checked_when_saved_and_used_when_queued(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let liperi = app.local_council(&admin, &jane, "Liperi", &["426"]).await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&liperi]).await;
    let (_, committee) = app.user(&admin, Role::Committee, &[&liperi]).await;
    let (_, other_secretary) = app.user(&admin, Role::Secretary, &[&jane]).await;
    app.seat_plan(&secretary, &liperi, &["sports"]).await;
    let call = app
        .draft_call(&secretary, &liperi, TestApp::call_body())
        .await
        .str("id");
    let url = format!("/api/v1/calls/{call}/email-templates");

    let list = app.get(&url).token(&secretary).send().await;
    list.assert_status(200);
    let items = list.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 27, "nine kinds in three languages");
    assert!(items.iter().all(|t| t["custom"] == false));
    let received = items
        .iter()
        .find(|t| t["kind"] == "application_received" && t["language"] == "fi")
        .unwrap();
    assert!(
        received["variables"]
            .as_array()
            .unwrap()
            .contains(&json!("edit_url"))
    );

    let custom = json!({"language": "fi", "subject": "Kiitos, {{ candidate.first_name }}!",
                        "body": "Hakemuksesi teemaan {{ theme }} on perillä.\n\nMuokkaa: {{ edit_url }}"});
    let res = app
        .put(&format!("{url}/application_received"))
        .token(&secretary)
        .json(custom.clone())
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["custom"], true);

    // A template that does not render is refused now, and the saved one stays.
    let broken =
        json!({"language": "fi", "subject": "Hei", "body": "Rivi\n{{ candidate.nickname }}"});
    let res = app
        .put(&format!("{url}/application_received"))
        .token(&secretary)
        .json(broken)
        .send()
        .await;
    res.assert_invalid_fields(&["body"]);
    assert!(
        res.json["detail"].as_str().unwrap().contains("line 2"),
        "{}",
        res.json
    );
    let syntax = json!({"language": "fi", "subject": "{% if %}", "body": "x"});
    app.put(&format!("{url}/application_received"))
        .token(&secretary)
        .json(syntax)
        .send()
        .await
        .assert_invalid_fields(&["subject"]);
    let now = app.get(&url).token(&secretary).send().await;
    let saved = now.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "application_received" && t["language"] == "fi")
        .unwrap()
        .clone();
    assert_eq!(saved["subject"], custom["subject"]);
    assert_eq!(saved["custom"], true);

    app.put(&format!("{url}/no_such_kind"))
        .token(&secretary)
        .json(custom.clone())
        .send()
        .await
        .assert_problem(404);
    // While the call is a draft, only its managers know it exists.
    app.put(&format!("{url}/reserve"))
        .token(&committee)
        .json(custom.clone())
        .send()
        .await
        .assert_problem(404);
    app.get(&url)
        .token(&other_secretary)
        .send()
        .await
        .assert_problem(404);
    app.post(&format!("/api/v1/calls/{call}/publish"))
        .token(&secretary)
        .send()
        .await
        .assert_status(200);
    app.put(&format!("{url}/reserve"))
        .token(&committee)
        .json(custom.clone())
        .send()
        .await
        .assert_problem(403);
    app.get(&url)
        .token(&other_secretary)
        .send()
        .await
        .assert_problem(403);

    // A message about the call uses the call's template.
    let call_id = jane_seats::ids::CallId::parse(&call).unwrap();
    let templates = app.templates.clone();
    let now = app.clock_now();
    let id = app
        .db
        .run(move |conn| {
            outbox::queue(
                conn,
                &templates,
                Outgoing {
                    language: Language::Fi,
                    recipient: "aija@example.org",
                    call_id: Some(&call_id),
                    application_id: None,
                    user_id: None,
                    context: MessageContext::sample(MessageKind::ApplicationReceived, Language::Fi),
                },
                now,
            )
        })
        .await
        .unwrap();
    let detail = app
        .get(&format!("/api/v1/notifications/{id}"))
        .token(&secretary)
        .send()
        .await;
    detail.assert_status(200);
    assert_eq!(detail.json["subject"], "Kiitos, Äijä!");
    assert!(
        detail.json["body_text"]
            .as_str()
            .unwrap()
            .starts_with("Hakemuksesi teemaan Kylä- ja kotiseutuyhdistykset on perillä.")
    );

    let delete = app
        .request("DELETE", &format!("{url}/application_received?language=fi"))
        .token(&secretary)
        .send()
        .await;
    delete.assert_status(204);
    app.request("DELETE", &format!("{url}/application_received?language=fi"))
        .token(&secretary)
        .send()
        .await
        .assert_problem(404);
}

/// A slow server, in real time: each message takes 0.8 s to be accepted, the lease is 2 s and the
/// send timeout 1 s, so a batch of three outlasts its lease though no single send does. Each
/// message's claim is renewed as its turn comes, so a second sender polling meanwhile never gets a
/// message the first is about to send or sending, and nothing is sent twice.
async fn a_batch_that_outlives_its_lease_is_still_sent_once(backend: Backend) {
    let port = free_port();
    let Some(sink) = SmtpSink::start_slow(port, 0.8) else {
        return;
    };
    let app = TestApp::start(backend).await;
    let templates = app.templates.clone();
    app.db
        .run(move |conn| {
            queue_many(conn, &templates, 3, chrono::Utc::now());
            Ok(())
        })
        .await
        .unwrap();
    let settings = || {
        let mut settings =
            jane_seats::mail::worker::MailSettings::from_config(&app.config).unwrap();
        settings.transport = jane_seats::mail::worker::Transport::Smtp(
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous("127.0.0.1")
                .port(port)
                .timeout(Some(Duration::from_secs(1)))
                .build(),
        );
        settings.send_timeout = Duration::from_secs(1);
        settings.lease = Duration::from_secs(2);
        settings.batch_size = 3;
        settings
    };
    let clock: std::sync::Arc<dyn jane_seats::clock::Clock> =
        std::sync::Arc::new(jane_seats::clock::SystemClock);
    let first = Worker::new(
        app.db.clone(),
        clock.clone(),
        app.templates.clone(),
        settings(),
    );
    let second = Worker::new(app.db.clone(), clock, app.templates.clone(), settings());
    let started = std::time::Instant::now();
    let batch = tokio::spawn(async move { first.run_once().await.unwrap() });
    // Let the first sender claim the batch before the second starts looking.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut taken_over = 0;
    while !batch.is_finished() && started.elapsed() < Duration::from_secs(10) {
        taken_over += second.run_once().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(batch.await.unwrap(), 3);
    assert!(
        started.elapsed() > Duration::from_secs(2),
        "the batch outlasted its lease"
    );
    assert_eq!(
        taken_over, 0,
        "the second sender found nothing it could take"
    );
    let received = sink.wait_for(3).await;
    let mut ids: Vec<String> = received.iter().map(|m| m.header("Message-ID")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((received.len(), ids.len()), (3, 3));
}

/// A receipt that failed keeps its working edit link, so retrying it later still helps the
/// applicant; only a sent message has its token removed.
async fn a_retried_receipt_still_carries_a_working_link(backend: Backend) {
    let port = free_port();
    let app = TestApp::start_with(backend, |c| {
        c.mail.smtp_url = format!("smtp://127.0.0.1:{port}");
        c.mail.max_attempts = 1;
    })
    .await;
    if SmtpSink::start_on(free_port()).is_none() {
        return;
    }
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let council = app.local_council(&admin, &jane, "Liperi", &["426"]).await;
    app.seat_plan(&admin, &council, &["sports"]).await;
    let call = app
        .draft_call(&admin, &council, TestApp::call_body())
        .await
        .str("id");
    app.post(&format!("/api/v1/calls/{call}/publish"))
        .token(&admin)
        .send()
        .await
        .assert_status(200);
    app.set_time("2027-02-10T12:00:00Z".parse().unwrap());
    let body = json!({
        "association": {"name": "Ry", "business_id": "0112038-9", "municipality_code": "426"},
        "theme": "sports", "role_preference": "either",
        "candidate": {"first_name": "A", "last_name": "B", "email": "ab@example.org", "phone": "040 123 4567",
                      "municipality_code": "426", "gender": "woman", "language": "fi"},
        "motivation": "M", "commitments": {"has_time": true, "will_liaise": true},
        "consent": {"privacy_notice_version": "1", "accepted": true},
    });
    let applied = app
        .post(&format!("/api/v1/calls/{call}/applications"))
        .json(body)
        .send()
        .await;
    applied.assert_status(201);
    let token = applied.str("edit_token");
    app.worker().run_once().await.unwrap();
    let failed = notifications(&app, &admin, "?status=failed").await;
    assert_eq!(
        failed.len(),
        1,
        "the server was down and one attempt was allowed"
    );
    let sink = SmtpSink::start_on(port).unwrap();
    let id = failed[0]["id"].as_str().unwrap();
    app.post(&format!("/api/v1/notifications/{id}/retry"))
        .token(&admin)
        .send()
        .await
        .assert_status(200);
    app.worker().run_once().await.unwrap();
    let received = sink.wait_for(1).await;
    assert!(
        received[0].text().contains(&token),
        "the retried receipt has the working link"
    );
    // Once sent, the stored copy no longer has it.
    let detail = app
        .get(&format!("/api/v1/notifications/{id}"))
        .token(&admin)
        .send()
        .await;
    assert_eq!(detail.json["status"], "sent");
    assert!(!detail.json["body_text"].as_str().unwrap().contains(&token));
}

async fn runaway_templates_are_refused_quickly(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    app.seat_plan(&admin, &jane, &["sports"]).await;
    let call = app
        .draft_call(&admin, &jane, TestApp::call_body())
        .await
        .str("id");
    let started = std::time::Instant::now();
    let res = app
        .put(&format!("/api/v1/calls/{call}/email-templates/reserve"))
        .token(&admin)
        .json(json!({"language": "fi", "subject": "Hei",
                     "body": "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}"}))
        .send()
        .await;
    res.assert_invalid_fields(&["body"]);
    assert!(started.elapsed() < Duration::from_secs(5));
    // A token-bearing link in a subject is never shown by the API.
    let custom =
        json!({"language": "fi", "subject": "Muokkaa: {{ edit_url }}", "body": "{{ edit_url }}"});
    app.put(&format!(
        "/api/v1/calls/{call}/email-templates/application_received"
    ))
    .token(&admin)
    .json(custom)
    .send()
    .await
    .assert_status(200);
    let call_id = jane_seats::ids::CallId::parse(&call).unwrap();
    let (templates, now) = (app.templates.clone(), app.clock_now());
    let token = jane_seats::tokens::generate(jane_seats::tokens::APPLICANT_PREFIX);
    let link = format!("https://jane.example.org/applications/x#token={token}");
    let id = app
        .db
        .run(move |conn| {
            let MessageContext::ApplicationReceived {
                call,
                candidate,
                association,
                theme,
                ..
            } = MessageContext::sample(MessageKind::ApplicationReceived, Language::Fi)
            else {
                unreachable!()
            };
            outbox::queue(
                conn,
                &templates,
                Outgoing {
                    language: Language::Fi,
                    recipient: "x@example.org",
                    call_id: Some(&call_id),
                    application_id: None,
                    user_id: None,
                    context: MessageContext::ApplicationReceived {
                        call,
                        candidate,
                        association,
                        theme,
                        edit_url: link,
                    },
                },
                now,
            )
        })
        .await
        .unwrap();
    let listed = notifications(&app, &admin, "?kind=application_received").await;
    assert!(
        !listed[0]["subject"].as_str().unwrap().contains(&token),
        "{}",
        listed[0]["subject"]
    );
    let detail = app
        .get(&format!("/api/v1/notifications/{id}"))
        .token(&admin)
        .send()
        .await;
    assert!(!detail.text().contains(&token));
}
