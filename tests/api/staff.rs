//! Staff leaving (issue 19): deactivating a user (their tokens stop working at once, they leave
//! the committees of calls not yet decided, their reviews there stop counting), tokens that
//! expire after `auth.token_ttl_days`, and a user listing and revoking their own tokens.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use jane_seats::db::schema::{api_tokens, audit_log, users};
use jane_seats::db::{self, DbConn};
use jane_seats::domain::access::Role;
use serde_json::{Value, json};

use crate::support::{Backend, Resp, TestApp, special_reason, start_time};
use crate::{backend_tests, db_tests};

db_tests!(
    deactivation_refuses_the_users_tokens_at_once,
    a_secretary_deactivates_only_committee_members_of_their_councils,
    a_deactivated_member_leaves_undecided_committees_and_their_reviews_stop_counting,
    users_list_and_revoke_their_own_tokens,
    bad_input_is_refused_and_changes_nothing,
    existing_tokens_get_a_year_from_when_they_were_issued,
);

backend_tests!(tokens_expire_after_the_configured_days);

const UNKNOWN: &str = "jss_0000000000000000000000000000000000000000000000000000000000000000";

async fn me(app: &TestApp, token: &str) -> Resp {
    app.get("/api/v1/users/me").token(token).send().await
}

/// The 401 of a token that does not work is the one of a token never issued: the same type,
/// title and detail, so that a client cannot tell revoked, expired or deactivated apart.
#[track_caller]
fn assert_refused_like_unknown(res: &Resp, unknown: &Resp) {
    res.assert_problem(401);
    assert_eq!(res.header("www-authenticate"), "Bearer");
    for key in ["type", "title", "detail"] {
        assert_eq!(res.json[key], unknown.json[key], "{key}: {}", res.json);
    }
}

async fn deactivate(app: &TestApp, by: &str, user: &str, reason: &str) -> Resp {
    app.post(&format!("/api/v1/users/{user}/deactivate"))
        .token(by)
        .json(json!({ "reason": reason }))
        .send()
        .await
}

/// (revoked_at, expires_at) of every token of the user, read from the database.
async fn stored_tokens(
    app: &TestApp,
    user: &str,
) -> Vec<(Option<NaiveDateTime>, Option<NaiveDateTime>)> {
    let user = user.to_owned();
    app.db
        .run(move |conn| {
            Ok(api_tokens::table
                .select((api_tokens::revoked_at, api_tokens::expires_at))
                .filter(api_tokens::user_id.eq(user))
                .load(conn)?)
        })
        .await
        .unwrap()
}

/// Audit entries with this action: (call id, entity id, before, after).
async fn audit_entries(
    app: &TestApp,
    action: &'static str,
) -> Vec<(Option<String>, String, Value, Value)> {
    type Row = (Option<String>, String, Option<String>, Option<String>);
    let rows: Vec<Row> = app
        .db
        .run(move |conn| {
            Ok(audit_log::table
                .select((
                    audit_log::call_id,
                    audit_log::entity_id,
                    audit_log::before_json,
                    audit_log::after_json,
                ))
                .filter(audit_log::action.eq(action))
                .order(audit_log::id)
                .load(conn)?)
        })
        .await
        .unwrap();
    let parse = |t: Option<String>| t.map_or(Value::Null, |t| serde_json::from_str(&t).unwrap());
    rows.into_iter()
        .map(|(call, entity, before, after)| (call, entity, parse(before), parse(after)))
        .collect()
}

async fn deactivation_refuses_the_users_tokens_at_once(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let (secretary_id, first) = app.user(&admin, Role::Secretary, &[&jane]).await;
    let second = app
        .post(&format!("/api/v1/users/{secretary_id}/tokens"))
        .token(&admin)
        .send()
        .await;
    second.assert_status(201);
    let second = second.str("token");
    for token in [&first, &second] {
        me(&app, token).await.assert_status(200);
    }
    let shown = app
        .get(&format!("/api/v1/users/{secretary_id}"))
        .token(&admin)
        .send()
        .await;
    shown.assert_status(200);
    assert!(shown.json["deactivated_at"].is_null(), "{}", shown.json);
    let unknown = me(&app, UNKNOWN).await;
    unknown.assert_problem(401);

    let res = deactivate(
        &app,
        &admin,
        &secretary_id,
        "Siirtyi toisen yhdistyksen palvelukseen.",
    )
    .await;
    res.assert_status(200);
    assert_eq!(res.json["id"], secretary_id);
    assert_eq!(res.json["deactivated_at"], "2027-01-10T10:00:00Z");
    assert_eq!(
        res.json["deactivation_reason"],
        "Siirtyi toisen yhdistyksen palvelukseen."
    );
    // Both tokens stop working with the very next request, with the answer an unknown token gets.
    for token in [&first, &second] {
        assert_refused_like_unknown(&me(&app, token).await, &unknown);
        assert_refused_like_unknown(
            &app.get("/api/v1/calls").token(token).send().await,
            &unknown,
        );
    }
    let stored = stored_tokens(&app, &secretary_id).await;
    assert_eq!(stored.len(), 2);
    assert!(
        stored.iter().all(|(revoked, _)| revoked.is_some()),
        "{stored:?}"
    );

    // The user stays, shown as deactivated, to one user and in the list.
    let shown = app
        .get(&format!("/api/v1/users/{secretary_id}"))
        .token(&admin)
        .send()
        .await;
    shown.assert_status(200);
    assert_eq!(shown.json["deactivated_at"], "2027-01-10T10:00:00Z");
    let list = app
        .get("/api/v1/users?limit=500")
        .token(&admin)
        .send()
        .await;
    list.assert_status(200);
    let listed = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == secretary_id)
        .expect("a deactivated user is still listed");
    assert_eq!(listed["deactivated_at"], "2027-01-10T10:00:00Z");
    let admin_listed = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["role"] == "admin")
        .unwrap();
    assert!(admin_listed["deactivated_at"].is_null());

    // Audited once, by ids: no name, email or reason in the append-only log.
    let entries = audit_entries(&app, "user.deactivated").await;
    assert_eq!(entries.len(), 1);
    let (call, entity, before, after) = &entries[0];
    assert!(call.is_none());
    assert_eq!(entity, &secretary_id);
    assert!(before["deactivated_at"].is_null());
    assert_eq!(after["tokens_revoked"], 2);
    assert_eq!(after["committees_left"], json!([]));
    let logged = format!("{before}{after}");
    for personal in ["@example.org", "Test secretary", "Siirtyi"] {
        assert!(!logged.contains(personal), "{logged}");
    }

    // Again: 200 with the user as they are, nothing changed (the first reason stays).
    app.set_time(start_time() + Duration::hours(1));
    let again = deactivate(&app, &admin, &secretary_id, "Toinen syy.").await;
    again.assert_status(200);
    assert_eq!(again.json["deactivated_at"], "2027-01-10T10:00:00Z");
    assert_eq!(
        again.json["deactivation_reason"],
        "Siirtyi toisen yhdistyksen palvelukseen."
    );
    assert_eq!(audit_entries(&app, "user.deactivated").await.len(), 1);
    assert_eq!(stored_tokens(&app, &secretary_id).await, stored);

    // A deactivated user gets no new token, and no committee seat.
    let res = app
        .post(&format!("/api/v1/users/{secretary_id}/tokens"))
        .token(&admin)
        .send()
        .await;
    res.assert_problem(409);
    assert_eq!(stored_tokens(&app, &secretary_id).await.len(), 2);
    // An admin does not deactivate themselves; an unknown id is a 404.
    let admin_id = me(&app, &admin).await.str("id");
    deactivate(&app, &admin, &admin_id, "Lähden.")
        .await
        .assert_problem(403);
    me(&app, &admin).await.assert_status(200);
    deactivate(
        &app,
        &admin,
        "0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b",
        "Ei ole.",
    )
    .await
    .assert_problem(404);
    deactivate(&app, &admin, "not-a-user", "Ei ole.")
        .await
        .assert_problem(404);
    app.get("/api/v1/users/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b")
        .token(&admin)
        .send()
        .await
        .assert_problem(404);
    // Another admin, though, may be deactivated by an admin, and then deactivates no one.
    let (other_admin_id, other_admin) = app.user(&admin, Role::Admin, &[]).await;
    let (committee_id, committee) = app.user(&admin, Role::Committee, &[&jane]).await;
    deactivate(&app, &admin, &other_admin_id, "Vaihtoi tehtäviä.")
        .await
        .assert_status(200);
    assert_refused_like_unknown(
        &deactivate(&app, &other_admin, &committee_id, "Ei enää.").await,
        &unknown,
    );
    me(&app, &committee).await.assert_status(200);
}

async fn a_secretary_deactivates_only_committee_members_of_their_councils(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let liperi = app.local_council(&admin, &jane, "Liperi", &["426"]).await;
    let joensuu = app.local_council(&admin, &jane, "Joensuu", &["167"]).await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&liperi]).await;
    let (own_id, own) = app.user(&admin, Role::Committee, &[&liperi]).await;
    let (other_id, other) = app.user(&admin, Role::Committee, &[&joensuu]).await;
    let (both_id, both) = app
        .user(&admin, Role::Committee, &[&liperi, &joensuu])
        .await;
    let (fellow_id, fellow) = app.user(&admin, Role::Secretary, &[&liperi]).await;
    let admin_id = me(&app, &admin).await.str("id");
    let (_, committee) = app.user(&admin, Role::Committee, &[&liperi]).await;

    // Another council's member, one who also works for another council, a secretary, an admin:
    // not a secretary's to deactivate; nothing changes.
    for id in [&other_id, &both_id, &fellow_id, &admin_id] {
        let res = deactivate(&app, &secretary, id, "Lähti.").await;
        res.assert_problem(403);
    }
    // A committee member deactivates no one, not even a fellow member.
    deactivate(&app, &committee, &own_id, "Lähti.")
        .await
        .assert_problem(403);
    for token in [&other, &both, &fellow, &admin, &own] {
        me(&app, token).await.assert_status(200);
    }
    assert!(audit_entries(&app, "user.deactivated").await.is_empty());

    // Seeing users: a secretary sees their councils' users, a member only themselves.
    for id in [&own_id, &both_id, &fellow_id] {
        app.get(&format!("/api/v1/users/{id}"))
            .token(&secretary)
            .send()
            .await
            .assert_status(200);
    }
    for id in [&other_id, &admin_id] {
        app.get(&format!("/api/v1/users/{id}"))
            .token(&secretary)
            .send()
            .await
            .assert_problem(403);
    }
    let res = app
        .get(&format!("/api/v1/users/{own_id}"))
        .token(&own)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["id"], own_id);
    app.get(&format!("/api/v1/users/{other_id}"))
        .token(&own)
        .send()
        .await
        .assert_problem(403);

    // Their own council's committee member: yes.
    let res = deactivate(&app, &secretary, &own_id, "Muutti pois kunnasta.").await;
    res.assert_status(200);
    assert_eq!(res.json["deactivated_at"], "2027-01-10T10:00:00Z");
    me(&app, &own).await.assert_problem(401);
    // The secretary sees them in their list, deactivated.
    let list = app.get("/api/v1/users").token(&secretary).send().await;
    let listed = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == own_id)
        .cloned()
        .unwrap();
    assert_eq!(listed["deactivated_at"], "2027-01-10T10:00:00Z");
    let entries = audit_entries(&app, "user.deactivated").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].1, own_id);
}

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
        1 => business_id(n + 1000),
        r => format!("{digits}-{}", 11 - r),
    }
}

fn form(n: u32, theme: &str) -> Value {
    json!({
        "association": {"name": format!("Yhdistys {n} ry"), "business_id": business_id(n), "municipality_code": "426"},
        "theme": theme,
        "role_preference": "either",
        "candidate": {"first_name": format!("Hakija{n}"), "last_name": "Mäkelä", "email": format!("h{n}@example.org"),
                      "phone": "040 123 4567", "municipality_code": "426", "gender": "man", "language": "fi"},
        "motivation": "Haluan mukaan.",
        "commitments": {"has_time": true, "will_liaise": true},
        "consent": {"privacy_notice_version": "1", "accepted": true},
    })
}

fn all(score: i64) -> Value {
    json!({"scores": {"activity": score, "liaison": score, "theme_knowledge": score, "local_knowledge": score}})
}

/// A call of `theme` in `year`: published, two applications, the committee named, in review.
async fn reviewing_call(
    app: &TestApp,
    secretary: &str,
    council: &str,
    theme: &str,
    year: i32,
    committee: &[&str],
) -> (String, [String; 2]) {
    let mut body = TestApp::call_body();
    body["opens_at"] = json!(format!("{year}-02-01T09:00:00"));
    body["closes_at"] = json!(format!("{year}-02-28T16:00:00"));
    body["themes"] = json!([theme]);
    let call = app.draft_call(secretary, council, body).await.str("id");
    app.post(&format!("/api/v1/calls/{call}/publish"))
        .token(secretary)
        .send()
        .await
        .assert_status(200);
    app.set_time(format!("{year}-02-10T12:00:00Z").parse().unwrap());
    let mut applications = Vec::new();
    for k in 0..2 {
        let n = u32::try_from(year - 2000).unwrap() * 10 + k;
        let res = app
            .post(&format!("/api/v1/calls/{call}/applications"))
            .json(form(n, theme))
            .send()
            .await;
        res.assert_status(201);
        applications.push(res.str("id"));
    }
    app.put(&format!("/api/v1/calls/{call}/committee"))
        .token(secretary)
        .json(json!({ "user_ids": committee }))
        .send()
        .await
        .assert_status(200);
    app.set_time(format!("{year}-03-01T12:00:00Z").parse().unwrap());
    app.post(&format!("/api/v1/calls/{call}/start-review"))
        .token(secretary)
        .send()
        .await
        .assert_status(200);
    (call, applications.try_into().unwrap())
}

async fn review(app: &TestApp, token: &str, application: &str, score: i64) {
    app.put(&format!("/api/v1/applications/{application}/review"))
        .token(token)
        .json(all(score))
        .send()
        .await
        .assert_status(200);
}

async fn committee_ids(app: &TestApp, token: &str, call: &str) -> Vec<String> {
    let res = app
        .get(&format!("/api/v1/calls/{call}/committee"))
        .token(token)
        .send()
        .await;
    res.assert_status(200);
    res.json["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ranking's entries of the call's one theme, best first: (application, reviews, reviewers).
async fn ranked(app: &TestApp, token: &str, call: &str) -> Vec<(String, u64, Vec<String>)> {
    let res = app
        .get(&format!("/api/v1/calls/{call}/ranking"))
        .token(token)
        .send()
        .await;
    res.assert_status(200);
    res.json["themes"][0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["application_id"].as_str().unwrap().to_owned(),
                e["reviews"].as_u64().unwrap(),
                e["review_weights"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|w| w["reviewer_id"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

async fn a_deactivated_member_leaves_undecided_committees_and_their_reviews_stop_counting(
    app: TestApp,
) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let council = app.local_council(&admin, &jane, "Liperi", &["426"]).await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&council]).await;
    let (leaver_id, leaver) = app.user(&admin, Role::Committee, &[&council]).await;
    let (stayer_id, stayer) = app.user(&admin, Role::Committee, &[&council]).await;
    app.seat_plan(&secretary, &council, &["sports", "culture"])
        .await;

    // 2027: a sports call reviewed by the leaver alone, and decided.
    let (decided, [d0, d1]) =
        reviewing_call(&app, &secretary, &council, "sports", 2027, &[&leaver_id]).await;
    review(&app, &leaver, &d0, 5).await;
    review(&app, &leaver, &d1, 2).await;
    let run = app
        .post(&format!("/api/v1/calls/{decided}/selection-runs"))
        .token(&secretary)
        .json(json!({"constraints": {"gender_balance": null}}))
        .send()
        .await;
    run.assert_status(201);
    app.post(&format!("/api/v1/calls/{decided}/decision"))
        .token(&secretary)
        .json(
            json!({"selection_run_id": run.json["id"], "meeting_reference": "1/2027 § 2",
                     "quota_exception": special_reason()}),
        )
        .send()
        .await
        .assert_status(200);
    let decided_ranking = ranked(&app, &secretary, &decided).await;

    // 2028: a culture call reviewed by both; they disagree exactly, so the two tie.
    let (open, [a, b]) = reviewing_call(
        &app,
        &secretary,
        &council,
        "culture",
        2028,
        &[&leaver_id, &stayer_id],
    )
    .await;
    review(&app, &leaver, &a, 5).await;
    review(&app, &leaver, &b, 1).await;
    review(&app, &stayer, &a, 1).await;
    review(&app, &stayer, &b, 5).await;
    let before = ranked(&app, &secretary, &open).await;
    assert!(
        before.iter().all(|(_, reviews, _)| *reviews == 2),
        "{before:?}"
    );
    let reviews_stored = app.count("reviews").await;
    assert_eq!(reviews_stored, 6);

    deactivate(&app, &secretary, &leaver_id, "Erosi yhdistyksestä.")
        .await
        .assert_status(200);

    // Off the undecided call's committee; their reviews stay stored but no longer count: the
    // stayer's alone rank b first.
    assert_eq!(
        committee_ids(&app, &secretary, &open).await,
        std::slice::from_ref(&stayer_id)
    );
    assert_eq!(app.count("reviews").await, reviews_stored);
    let after = ranked(&app, &secretary, &open).await;
    assert_eq!(after[0].0, b, "{after:?}");
    assert_eq!(after[1].0, a, "{after:?}");
    for (_, reviews, reviewers) in &after {
        assert_eq!(*reviews, 1);
        assert_eq!(reviewers, std::slice::from_ref(&stayer_id));
    }
    // The stayer, a member still, sees the ranking too.
    assert_eq!(ranked(&app, &stayer, &open).await, after);
    // On the decided call they stay, and their reviews still count there.
    assert_eq!(
        committee_ids(&app, &secretary, &decided).await,
        std::slice::from_ref(&leaver_id)
    );
    let decided_after = ranked(&app, &secretary, &decided).await;
    assert_eq!(decided_after, decided_ranking);
    assert!(
        decided_after
            .iter()
            .all(|(_, n, who)| *n == 1 && who == std::slice::from_ref(&leaver_id)),
        "{decided_after:?}"
    );

    // Audited in the call's log, by ids.
    let log = app
        .get(&format!("/api/v1/calls/{open}/audit"))
        .token(&admin)
        .send()
        .await;
    log.assert_status(200);
    let left: Vec<&Value> = log.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "committee.member_deactivated")
        .collect();
    assert_eq!(left.len(), 1, "{}", log.json);
    let mut before_ids: Vec<&str> = left[0]["before"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    before_ids.sort_unstable();
    let mut expected = vec![leaver_id.as_str(), stayer_id.as_str()];
    expected.sort_unstable();
    assert_eq!(before_ids, expected);
    assert_eq!(left[0]["after"], json!([stayer_id]));
    let entries = audit_entries(&app, "user.deactivated").await;
    assert_eq!(entries[0].3["committees_left"], json!([open]));
    // The decided call's log has no such entry.
    let log = app
        .get(&format!("/api/v1/calls/{decided}/audit"))
        .token(&admin)
        .send()
        .await;
    assert!(
        !log.text().contains("committee.member_deactivated"),
        "{}",
        log.json
    );

    // They cannot be named to a committee again.
    let res = app
        .put(&format!("/api/v1/calls/{open}/committee"))
        .token(&secretary)
        .json(json!({ "user_ids": [stayer_id, leaver_id] }))
        .send()
        .await;
    res.assert_invalid_fields(&["user_ids[1]"]);
    assert_eq!(res.json["errors"][0]["code"], "deactivated");
    assert_eq!(
        committee_ids(&app, &secretary, &open).await,
        std::slice::from_ref(&stayer_id)
    );
}

async fn users_list_and_revoke_their_own_tokens(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let (secretary_id, first) = app.user(&admin, Role::Secretary, &[&jane]).await;
    app.set_time(start_time() + Duration::days(2));
    let res = app
        .post(&format!("/api/v1/users/{secretary_id}/tokens"))
        .token(&admin)
        .send()
        .await;
    res.assert_status(201);
    let second = res.str("token");

    let list = app
        .get("/api/v1/users/me/tokens")
        .token(&first)
        .send()
        .await;
    list.assert_status(200);
    let items = list.json["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{}", list.json);
    assert!(list.json["next_cursor"].is_null());
    // Oldest first; how each was issued; the one in use; nothing secret.
    assert_eq!(items[0]["label"], "POST /users");
    assert_eq!(items[1]["label"], "POST /users/{id}/tokens");
    assert_eq!(items[0]["created_at"], "2027-01-10T10:00:00Z");
    assert_eq!(
        items[0]["expires_at"], "2037-01-07T10:00:00Z",
        "3650 days in the tests"
    );
    assert_eq!(items[1]["created_at"], "2027-01-12T10:00:00Z");
    assert_eq!(
        (items[0]["current"].clone(), items[1]["current"].clone()),
        (json!(true), json!(false))
    );
    for item in &items {
        assert_eq!(item["status"], "active");
        assert!(item["revoked_at"].is_null());
        assert!(item.get("token").is_none() && item.get("token_hash").is_none());
    }
    let text = list.text();
    for secret in [&first, &second] {
        assert!(!text.contains(&secret[4..]), "no secret in {text}");
        assert!(
            !text.contains(&jane_seats::tokens::digest(secret)),
            "no digest in {text}"
        );
    }
    let with_second = app
        .get("/api/v1/users/me/tokens")
        .token(&second)
        .send()
        .await;
    assert_eq!(with_second.json["items"][1]["current"], true);
    assert_eq!(with_second.json["items"][0]["current"], false);
    // Pages, as every list.
    let page = app
        .get("/api/v1/users/me/tokens?limit=1")
        .token(&first)
        .send()
        .await;
    assert_eq!(page.json["items"].as_array().unwrap().len(), 1);
    let cursor = page.str("next_cursor");
    let rest = app
        .get(&format!("/api/v1/users/me/tokens?limit=1&cursor={cursor}"))
        .token(&first)
        .send()
        .await;
    assert_eq!(rest.json["items"][0]["id"], items[1]["id"]);
    // Only their own: the admin's list has the admin's one token.
    let admin_tokens = app
        .get("/api/v1/users/me/tokens")
        .token(&admin)
        .send()
        .await;
    let admin_items = admin_tokens.json["items"].as_array().unwrap().clone();
    assert_eq!(admin_items.len(), 1);
    assert_eq!(admin_items[0]["label"], "create-admin");
    let admin_token_id = admin_items[0]["id"].as_str().unwrap().to_owned();

    // Revoking the second token with the first: it stops working at once.
    let second_id = items[1]["id"].as_str().unwrap().to_owned();
    let unknown = me(&app, UNKNOWN).await;
    let url = format!("/api/v1/users/me/tokens/{second_id}");
    let res = app.request("DELETE", &url).token(&first).send().await;
    res.assert_status(204);
    assert!(res.body.is_empty());
    assert_refused_like_unknown(&me(&app, &second).await, &unknown);
    me(&app, &first).await.assert_status(200);
    let list = app
        .get("/api/v1/users/me/tokens")
        .token(&first)
        .send()
        .await;
    assert_eq!(list.json["items"][1]["status"], "revoked");
    assert_eq!(list.json["items"][1]["revoked_at"], "2027-01-12T10:00:00Z");
    // Again: nothing more to do, the same answer.
    app.request("DELETE", &url)
        .token(&first)
        .send()
        .await
        .assert_status(204);
    assert_eq!(audit_entries(&app, "token.revoked").await.len(), 1);
    // Someone else's token, an unknown id, no id at all: not found, and nothing changes.
    for id in [
        admin_token_id.as_str(),
        "0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b",
        "not-a-token",
    ] {
        app.request("DELETE", &format!("/api/v1/users/me/tokens/{id}"))
            .token(&first)
            .send()
            .await
            .assert_problem(404);
    }
    me(&app, &admin).await.assert_status(200);
    // `/users/me/tokens` lists; it issues nothing (405), and `me` is no user id.
    let res = app
        .post("/api/v1/users/me/tokens")
        .token(&admin)
        .send()
        .await;
    res.assert_problem(405);
    assert_eq!(res.header("allow"), "GET");
    app.post("/api/v1/users/not-a-user/tokens")
        .token(&admin)
        .send()
        .await
        .assert_problem(404);
    // Without a working token, neither list nor revoke.
    app.get("/api/v1/users/me/tokens")
        .send()
        .await
        .assert_problem(401);
    app.request("DELETE", &url)
        .token(&second)
        .send()
        .await
        .assert_problem(401);

    // Revoking the token in use: this request succeeds, the next is refused.
    let first_id = items[0]["id"].as_str().unwrap();
    app.request("DELETE", &format!("/api/v1/users/me/tokens/{first_id}"))
        .token(&first)
        .send()
        .await
        .assert_status(204);
    assert_refused_like_unknown(&me(&app, &first).await, &unknown);
    assert_refused_like_unknown(
        &app.get("/api/v1/users/me/tokens")
            .token(&first)
            .send()
            .await,
        &unknown,
    );
    let stored = stored_tokens(&app, &secretary_id).await;
    assert!(stored.iter().all(|(revoked, _)| revoked.is_some()));
}

async fn bad_input_is_refused_and_changes_nothing(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let (member_id, member) = app.user(&admin, Role::Committee, &[&jane]).await;
    let audited = app.count("audit_log").await;
    let url = format!("/api/v1/users/{member_id}/deactivate");
    let post = |body: Value| app.post(&url).token(&admin).json(body);
    post(json!({}))
        .send()
        .await
        .assert_invalid_fields(&["reason"]);
    post(json!({"reason": ""}))
        .send()
        .await
        .assert_invalid_fields(&["reason"]);
    post(json!({"reason": "x".repeat(2001)}))
        .send()
        .await
        .assert_invalid_fields(&["reason"]);
    post(json!({"reason": "Lähti\u{7} pois"}))
        .send()
        .await
        .assert_invalid_fields(&["reason"]);
    post(json!({"reason": 5}))
        .send()
        .await
        .assert_invalid_fields(&["reason"]);
    post(json!({"reason": "Lähti.", "effective": "2027-02-01"}))
        .send()
        .await
        .assert_invalid_fields(&["effective"]);
    post(json!({"effective": "2027-02-01"}))
        .send()
        .await
        .assert_invalid_fields(&["effective", "reason"]);
    app.post(&url)
        .token(&admin)
        .raw("text/plain", "Lähti.")
        .send()
        .await
        .assert_problem(415);
    app.post(&url)
        .token(&admin)
        .raw("application/json", "{\"reason\": ")
        .send()
        .await
        .assert_problem(400);
    // Without a token: 401 before the body is looked at.
    app.post(&url)
        .json(json!({"reason": "Lähti."}))
        .send()
        .await
        .assert_problem(401);
    // A list query out of range.
    app.get("/api/v1/users/me/tokens?limit=0")
        .token(&member)
        .send()
        .await
        .assert_invalid_fields(&["limit"]);
    app.get("/api/v1/users/me/tokens?sort=id")
        .token(&member)
        .send()
        .await
        .assert_invalid_fields(&["sort"]);

    // Nothing changed.
    me(&app, &member).await.assert_status(200);
    let shown = app
        .get(&format!("/api/v1/users/{member_id}"))
        .token(&admin)
        .send()
        .await;
    assert!(shown.json["deactivated_at"].is_null());
    assert!(shown.json["deactivation_reason"].is_null());
    assert!(
        stored_tokens(&app, &member_id)
            .await
            .iter()
            .all(|(revoked, _)| revoked.is_none())
    );
    assert_eq!(app.count("audit_log").await, audited);
    // The longest reason is taken.
    post(json!({"reason": "x".repeat(2000)}))
        .send()
        .await
        .assert_status(200);
    me(&app, &member).await.assert_problem(401);
}

/// Tokens issued by `create-admin`, `POST /users` and `POST /users/{id}/tokens` stop working
/// `auth.token_ttl_days` after they were issued, by the service's clock.
async fn tokens_expire_after_the_configured_days(backend: Backend) {
    let app = TestApp::start_with(backend, |c| c.auth.token_ttl_days = 30).await;
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    app.set_time(start_time() + Duration::days(10));
    let (secretary_id, secretary) = app.user(&admin, Role::Secretary, &[&jane]).await;
    let extra = app
        .post(&format!("/api/v1/users/{secretary_id}/tokens"))
        .token(&admin)
        .send()
        .await
        .str("token");
    let listed = app
        .get("/api/v1/users/me/tokens")
        .token(&admin)
        .send()
        .await;
    assert_eq!(
        listed.json["items"][0]["expires_at"],
        "2027-02-09T10:00:00Z"
    );
    let listed = app
        .get("/api/v1/users/me/tokens")
        .token(&secretary)
        .send()
        .await;
    for item in listed.json["items"].as_array().unwrap() {
        assert_eq!(item["expires_at"], "2027-02-19T10:00:00Z");
    }
    let unknown = me(&app, UNKNOWN).await;

    // The admin's token works up to its last microsecond, then no more.
    let admin_expiry: DateTime<Utc> = "2027-02-09T10:00:00Z".parse().unwrap();
    app.set_time(admin_expiry - Duration::microseconds(1));
    me(&app, &admin).await.assert_status(200);
    app.set_time(admin_expiry);
    assert_refused_like_unknown(&me(&app, &admin).await, &unknown);
    assert_refused_like_unknown(
        &app.get("/api/v1/users").token(&admin).send().await,
        &unknown,
    );
    // The secretary's, issued ten days later, still work, until their own expiry.
    for token in [&secretary, &extra] {
        me(&app, token).await.assert_status(200);
    }
    app.set_time("2027-02-19T10:00:00Z".parse().unwrap());
    for token in [&secretary, &extra] {
        assert_refused_like_unknown(&me(&app, token).await, &unknown);
    }
    // An expired token shows as such to its user (here through a fresh token).
    app.set_time(start_time());
    let fresh = app.admin().await;
    app.set_time("2027-02-05T10:00:00Z".parse().unwrap());
    let list = app
        .get("/api/v1/users/me/tokens")
        .token(&fresh)
        .send()
        .await;
    assert_eq!(list.json["items"][0]["status"], "active");
    app.set_time(admin_expiry);
    me(&app, &fresh).await.assert_problem(401);
    // `create-admin`, the real binary: `JANE_SEATS_AUTH__TOKEN_TTL_DAYS` sets the lifetime of
    // the token it prints.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_jane-seats"))
        .args([
            "create-admin",
            "--email",
            "root@example.org",
            "--name",
            "Root",
        ])
        .env("DATABASE_URL", app.db_url())
        .env("JANE_SEATS_AUTH__TOKEN_TTL_DAYS", "3650")
        .env("JANE_SEATS_LOG__FORMAT", "json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let root = stdout.lines().last().unwrap().to_owned();
    // The binary's clock is the wall clock; look at what it stored, at the wall clock's time.
    app.set_time(Utc::now());
    let list = app.get("/api/v1/users/me/tokens").token(&root).send().await;
    list.assert_status(200);
    let item = &list.json["items"][0];
    assert_eq!(item["label"], "create-admin");
    let created: DateTime<Utc> = item["created_at"].as_str().unwrap().parse().unwrap();
    let expires: DateTime<Utc> = item["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires - created, Duration::days(3650));
    assert!(
        stdout.contains(&format!(
            "it works until {}",
            &item["expires_at"].as_str().unwrap()[..19]
        )),
        "{stdout}"
    );
}

/// The migration gives tokens issued before it `created_at + 365 days`, to the microsecond.
async fn existing_tokens_get_a_year_from_when_they_were_issued(app: TestApp) {
    let issued: DateTime<Utc> = "2027-01-10T10:00:00.123456Z".parse().unwrap();
    app.set_time(issued);
    let admin = app.admin().await;
    let expires = app
        .db
        .run(|conn| {
            let mut reverted = Vec::new();
            // Revert down to (and including) this migration, then apply again: the token made
            // above is then a token from before it.
            loop {
                let version = match conn {
                    DbConn::Postgres(pg) => pg
                        .revert_last_migration(db::POSTGRES_MIGRATIONS)
                        .map(|v| v.to_string()),
                    DbConn::Sqlite(lite) => lite
                        .revert_last_migration(db::SQLITE_MIGRATIONS)
                        .map(|v| v.to_string()),
                }
                .map_err(|e| anyhow::anyhow!("revert: {e}"))?;
                reverted.push(version.clone());
                if version.starts_with("20261207000011") {
                    break;
                }
                assert!(reverted.len() < 5, "{reverted:?}");
            }
            db::run_migrations(conn)?;
            Ok(api_tokens::table
                .inner_join(users::table)
                .select((api_tokens::expires_at, api_tokens::label))
                .filter(users::role.eq("admin"))
                .load::<(Option<NaiveDateTime>, Option<String>)>(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(expires.len(), 1);
    let (expires_at, label) = &expires[0];
    assert_eq!(
        expires_at.map(|t| t.and_utc()),
        Some(issued + Duration::days(365))
    );
    assert_eq!(label, &None, "labels were not kept before");
    // The token works until then, and not from then on.
    app.set_time(issued + Duration::days(365) - Duration::microseconds(1));
    let list = app
        .get("/api/v1/users/me/tokens")
        .token(&admin)
        .send()
        .await;
    list.assert_status(200);
    assert_eq!(
        list.json["items"][0]["expires_at"],
        "2028-01-10T10:00:00.123456Z"
    );
    assert!(list.json["items"][0]["label"].is_null());
    app.set_time(issued + Duration::days(365));
    me(&app, &admin).await.assert_problem(401);
}
