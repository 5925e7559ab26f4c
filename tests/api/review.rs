//! Committee review: the committee and the rubric, conflicts of interest hiding applications and
//! leaving scores out, blind reviews, the aggregates against hand-computed values, who sees the
//! ranking, progress, the audit trail and the CSV exports.

use jane_seats::domain::access::Role;
use serde_json::{Value, json};

use crate::db_tests;
use crate::support::TestApp;

db_tests!(
    the_committee_is_named_from_the_councils_staff,
    the_rubric_is_checked_and_frozen_by_the_first_review,
    reviews_are_given_by_members_while_the_call_is_reviewing,
    conflicts_hide_the_application_and_leave_its_scores_out,
    others_scores_stay_hidden_until_the_members_own_review,
    aggregates_match_hand_computed_values,
    the_ranking_opens_to_members_after_their_own_reviews,
    progress_per_member_and_per_application,
    the_audit_log_records_a_whole_review_and_cannot_change,
    exports_open_in_spreadsheets,
);

struct Review {
    admin: String,
    council: String,
    secretary: String,
    call: String,
    /// (user id, token)
    members: Vec<(String, String)>,
    /// Application ids in submission order: sports ×2, culture ×2.
    applications: Vec<String>,
}

const THEMES: [&str; 4] = ["sports", "sports", "culture", "culture"];

fn form(n: usize, theme: &str) -> Value {
    json!({
        "association": {"name": format!("Yhdistys {n} ry"), "business_id": "0112038-9", "municipality_code": "426"},
        "theme": theme,
        "role_preference": "either",
        "candidate": {"first_name": format!("Äänestäjä{n}"), "last_name": "Öhman", "email": format!("c{n}@example.org"),
                      "phone": "040 123 4567", "municipality_code": "426",
                      "gender": if n.is_multiple_of(2) { "woman" } else { "man" }, "language": "fi"},
        "motivation": "=HYPERLINK(\"http://evil\") haluan mukaan",
        "commitments": {"has_time": true, "will_liaise": true},
        "consent": {"privacy_notice_version": "1", "accepted": true},
    })
}

/// A call with four applications and a committee of three, in review (unless `open`).
async fn setup(app: &TestApp, start_review: bool) -> Review {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let council = app
        .local_council(&admin, &jane, "Liperin paikallis-JANE", &["426"])
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
    app.set_time("2027-02-10T12:00:00Z".parse().unwrap());
    let mut applications = Vec::new();
    for (n, theme) in THEMES.iter().enumerate() {
        let res = app
            .post(&format!("/api/v1/calls/{call}/applications"))
            .json(form(n, theme))
            .send()
            .await;
        res.assert_status(201);
        applications.push(res.str("id"));
    }
    let mut members = Vec::new();
    for _ in 0..3 {
        members.push(app.user(&admin, Role::Committee, &[&council]).await);
    }
    let ids: Vec<&str> = members.iter().map(|m| m.0.as_str()).collect();
    app.put(&format!("/api/v1/calls/{call}/committee"))
        .token(&secretary)
        .json(json!({ "user_ids": ids }))
        .send()
        .await
        .assert_status(200);
    if start_review {
        app.set_time("2027-02-28T14:00:00Z".parse().unwrap());
        app.post(&format!("/api/v1/calls/{call}/start-review"))
            .token(&secretary)
            .send()
            .await
            .assert_status(200);
    }
    Review {
        admin,
        council,
        secretary,
        call,
        members,
        applications,
    }
}

fn scores(activity: i64, liaison: i64, theme: i64, local: i64) -> Value {
    json!({"scores": {"activity": activity, "liaison": liaison, "theme_knowledge": theme, "local_knowledge": local}})
}

async fn review(
    app: &TestApp,
    token: &str,
    application: &str,
    body: Value,
) -> crate::support::Resp {
    app.put(&format!("/api/v1/applications/{application}/review"))
        .token(token)
        .json(body)
        .send()
        .await
}

async fn the_committee_is_named_from_the_councils_staff(app: TestApp) {
    let r = setup(&app, true).await;
    let url = format!("/api/v1/calls/{}/committee", r.call);
    let elsewhere = app
        .post("/api/v1/councils")
        .token(&r.admin)
        .json(json!({"name": {"fi": "Muu"}, "kind": "regional", "municipality_codes": ["167"]}))
        .send()
        .await
        .str("id");
    let (outsider_id, outsider) = app.user(&r.admin, Role::Committee, &[&elsewhere]).await;
    let admin_id = app
        .get("/api/v1/users/me")
        .token(&r.admin)
        .send()
        .await
        .str("id");
    let m = |i: usize| r.members[i].0.clone();
    let res = app
        .put(&url)
        .token(&r.secretary)
        .json(json!({"user_ids": [m(0), outsider_id, admin_id, "0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", m(0)]}))
        .send()
        .await;
    res.assert_invalid_fields(&["user_ids[1]", "user_ids[2]", "user_ids[3]", "user_ids[4]"]);
    app.put(&url)
        .token(&r.members[0].1)
        .json(json!({"user_ids": [m(0)]}))
        .send()
        .await
        .assert_problem(403);
    app.put(&url)
        .json(json!({"user_ids": [m(0)]}))
        .send()
        .await
        .assert_problem(401);
    let committee = app.get(&url).token(&r.members[1].1).send().await;
    committee.assert_status(200);
    assert_eq!(committee.json["members"].as_array().unwrap().len(), 3);
    app.get(&url)
        .token(&outsider)
        .send()
        .await
        .assert_problem(403);
    // Once a member has reviewed, they stay.
    review(
        &app,
        &r.members[2].1,
        &r.applications[0],
        scores(3, 3, 3, 3),
    )
    .await
    .assert_status(200);
    let res = app
        .put(&url)
        .token(&r.secretary)
        .json(json!({"user_ids": [m(0), m(1)]}))
        .send()
        .await;
    res.assert_problem(409);
    let res = app
        .put(&url)
        .token(&r.secretary)
        .json(json!({"user_ids": [m(2), m(1)]}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["members"].as_array().unwrap().len(), 2);
}

async fn the_rubric_is_checked_and_frozen_by_the_first_review(app: TestApp) {
    let r = setup(&app, true).await;
    let url = format!("/api/v1/calls/{}/rubric", r.call);
    let default = app.get(&url).token(&r.members[0].1).send().await;
    default.assert_status(200);
    assert_eq!(default.json["default"], true);
    assert_eq!(default.json["frozen"], false);
    let keys: Vec<&str> = default.json["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["activity", "liaison", "theme_knowledge", "local_knowledge"]
    );

    let bad = json!({"criteria": [
        {"key": "a", "name": {"fi": "A"}, "weight": 1, "min": 0, "max": 5},
        {"key": "a", "name": {"fi": ""}, "weight": 0, "min": 5, "max": 5},
        {"key": "Big Key", "name": {"fi": "C"}, "weight": 1, "min": 0, "max": 3},
    ]});
    let res = app.put(&url).token(&r.secretary).json(bad).send().await;
    res.assert_invalid_fields(&[
        "criteria[1].key",
        "criteria[1].max",
        "criteria[1].name",
        "criteria[1].weight",
        "criteria[2].key",
    ]);
    let custom = json!({"criteria": [
        {"key": "commitment", "name": {"fi": "Sitoutuminen", "en": "Commitment"}, "weight": 3, "min": 0, "max": 10},
        {"key": "network", "name": {"fi": "Verkostot"}, "weight": 1, "min": 0, "max": 10},
    ]});
    app.put(&url)
        .token(&r.members[0].1)
        .json(custom.clone())
        .send()
        .await
        .assert_problem(403);
    let res = app
        .put(&url)
        .token(&r.secretary)
        .json(custom.clone())
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["default"], false);
    assert_eq!(res.json["criteria"][0]["name"]["en"], "Commitment");
    // A review against the old rubric's keys no longer fits.
    review(
        &app,
        &r.members[0].1,
        &r.applications[0],
        scores(3, 3, 3, 3),
    )
    .await
    .assert_invalid_fields(&[
        "scores.activity",
        "scores.commitment",
        "scores.liaison",
        "scores.local_knowledge",
        "scores.network",
        "scores.theme_knowledge",
    ]);
    review(
        &app,
        &r.members[0].1,
        &r.applications[0],
        json!({"scores": {"commitment": 7, "network": 2}}),
    )
    .await
    .assert_status(200);
    let res = app.put(&url).token(&r.secretary).json(custom).send().await;
    res.assert_problem(409);
    assert_eq!(
        app.get(&url).token(&r.secretary).send().await.json["frozen"],
        true
    );
}

async fn reviews_are_given_by_members_while_the_call_is_reviewing(app: TestApp) {
    let r = setup(&app, false).await;
    let member = &r.members[0].1;
    let first = &r.applications[0];
    // Still open, then closed but not yet in review.
    review(&app, member, first, scores(3, 3, 3, 3))
        .await
        .assert_problem(409);
    app.set_time("2027-02-28T14:00:00Z".parse().unwrap());
    review(&app, member, first, scores(3, 3, 3, 3))
        .await
        .assert_problem(409);
    app.post(&format!("/api/v1/calls/{}/start-review", r.call))
        .token(&r.secretary)
        .send()
        .await
        .assert_status(200);

    let res = review(&app, member, first, json!({"scores": {"activity": 5, "liaison": 4, "theme_knowledge": 3, "local_knowledge": 1}, "comment": "Hyvä – ja sitoutunut."})).await;
    res.assert_status(200);
    assert_eq!(res.json["comment"], "Hyvä – ja sitoutunut.");
    // (4/4·2 + 3/4·2 + 2/4·1 + 0·1) / 6 = 4 / 6
    assert!((res.json["score"].as_f64().unwrap() - 400.0 / 6.0).abs() < 1e-9);
    let again = review(&app, member, first, scores(1, 1, 1, 1)).await;
    again.assert_status(200);
    assert_eq!(
        again.json["id"], res.json["id"],
        "saving again replaces the review"
    );
    assert_eq!(again.json["score"], 0.0);
    assert_eq!(app.count("reviews").await, 1);

    let res = review(
        &app,
        member,
        first,
        json!({"scores": {"activity": 6, "liaison": 0, "theme_knowledge": 2.5, "other": 1}}),
    )
    .await;
    res.assert_invalid_fields(&["scores.theme_knowledge"]);
    let res = review(
        &app,
        member,
        first,
        json!({"scores": {"activity": 6, "liaison": 0, "theme_knowledge": 2, "other": 1}}),
    )
    .await;
    res.assert_invalid_fields(&[
        "scores.activity",
        "scores.liaison",
        "scores.local_knowledge",
        "scores.other",
    ]);
    review(
        &app,
        member,
        first,
        json!({"scores": {}, "comment": "x".repeat(2001)}),
    )
    .await
    .assert_problem(422);
    // The secretary manages but does not score; an outsider does not see the application.
    review(&app, &r.secretary, first, scores(3, 3, 3, 3))
        .await
        .assert_problem(403);
    let (_, stranger) = app.user(&r.admin, Role::Committee, &[&r.council]).await;
    review(&app, &stranger, first, scores(3, 3, 3, 3))
        .await
        .assert_problem(404);
    review(
        &app,
        member,
        "0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b",
        scores(3, 3, 3, 3),
    )
    .await
    .assert_problem(404);
    // A withdrawn application is not reviewed.
    app.post(&format!(
        "/api/v1/applications/{}/withdraw",
        r.applications[1]
    ))
    .token(&r.secretary)
    .send()
    .await
    .assert_status(200);
    review(&app, member, &r.applications[1], scores(3, 3, 3, 3))
        .await
        .assert_problem(409);
    assert_eq!(app.count("reviews").await, 1);
}

async fn conflicts_hide_the_application_and_leave_its_scores_out(app: TestApp) {
    let r = setup(&app, true).await;
    let (m0, m1) = (&r.members[0], &r.members[1]);
    let a = &r.applications[0];
    review(&app, &m0.1, a, scores(5, 5, 5, 5))
        .await
        .assert_status(200);
    review(&app, &m1.1, a, scores(1, 1, 1, 1))
        .await
        .assert_status(200);
    let ranking = app
        .get(&format!("/api/v1/calls/{}/ranking", r.call))
        .token(&r.secretary)
        .send()
        .await;
    assert_eq!(ranking.json["themes"][0]["entries"][0]["reviews"], 2);

    let url = format!("/api/v1/calls/{}/conflicts", r.call);
    let declare = |token: &str, user: &str, application: &str| {
        app.post(&url)
            .token(token)
            .json(json!({"user_id": user, "application_id": application, "kind": "board_member", "note": "hallituksen jäsen"}))
            .send()
    };
    // A member declares only their own conflicts.
    declare(&m0.1, &m1.0, a).await.assert_problem(403);
    let res = declare(&m0.1, &m0.0, a).await;
    res.assert_status(201);
    assert_eq!(res.json["kind"], "board_member");
    assert_eq!(res.json["declared_by"], m0.0);
    declare(&m0.1, &m0.0, a).await.assert_problem(409);
    // The secretary records one for a member; not for someone outside the committee, nor for
    // an application of another call.
    declare(&r.secretary, &m1.0, &r.applications[2])
        .await
        .assert_status(201);
    let admin_id = app
        .get("/api/v1/users/me")
        .token(&r.admin)
        .send()
        .await
        .str("id");
    declare(&r.secretary, &admin_id, a)
        .await
        .assert_invalid_fields(&["user_id"]);
    declare(&r.secretary, &m1.0, "0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b")
        .await
        .assert_invalid_fields(&["application_id"]);

    // The conflicted member can neither read nor score the application...
    app.get(&format!("/api/v1/applications/{a}"))
        .token(&m0.1)
        .send()
        .await
        .assert_problem(404);
    app.get(&format!("/api/v1/applications/{a}/reviews"))
        .token(&m0.1)
        .send()
        .await
        .assert_problem(404);
    review(&app, &m0.1, a, scores(5, 5, 5, 5))
        .await
        .assert_problem(403);
    let listed = app
        .get(&format!("/api/v1/calls/{}/applications", r.call))
        .token(&m0.1)
        .send()
        .await;
    let ids: Vec<&str> = listed.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&a.as_str()) && ids.len() == 3);
    // ...and the score they gave is left out of every aggregate.
    let ranking = app
        .get(&format!("/api/v1/calls/{}/ranking", r.call))
        .token(&r.secretary)
        .send()
        .await;
    let entry = ranking.json["themes"][0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["application_id"] == a.as_str())
        .unwrap()
        .clone();
    assert_eq!(entry["reviews"], 1);
    assert_eq!(entry["weighted_mean"], 0.0);
    assert_eq!(entry["review_weights"][0]["reviewer_id"], m1.0);
    // Who sees which conflicts.
    let all = app.get(&url).token(&r.secretary).send().await;
    assert_eq!(all.json["items"].as_array().unwrap().len(), 2);
    let own = app.get(&url).token(&m0.1).send().await;
    assert_eq!(own.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(own.json["items"][0]["user_id"], m0.0);
}

async fn others_scores_stay_hidden_until_the_members_own_review(app: TestApp) {
    let r = setup(&app, true).await;
    let a = &r.applications[0];
    let url = format!("/api/v1/applications/{a}/reviews");
    review(&app, &r.members[0].1, a, scores(4, 4, 4, 4))
        .await
        .assert_status(200);
    let blind = app.get(&url).token(&r.members[1].1).send().await;
    blind.assert_status(200);
    assert_eq!(blind.json["others_hidden"], true);
    assert_eq!(blind.json["reviews"], json!([]));
    let secretary = app.get(&url).token(&r.secretary).send().await;
    assert_eq!(secretary.json["reviews"].as_array().unwrap().len(), 1);
    review(&app, &r.members[1].1, a, scores(2, 2, 2, 2))
        .await
        .assert_status(200);
    let seen = app.get(&url).token(&r.members[1].1).send().await;
    assert_eq!(seen.json["others_hidden"], false);
    assert_eq!(seen.json["reviews"].as_array().unwrap().len(), 2);
    let ranking = app
        .get(&format!("/api/v1/calls/{}/ranking", r.call))
        .token(&r.members[1].1)
        .send()
        .await;
    ranking.assert_problem(403);
}

fn entry<'a>(ranking: &'a Value, application: &str) -> &'a Value {
    ranking["themes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["entries"].as_array().unwrap())
        .find(|e| e["application_id"] == application)
        .unwrap()
}

fn close(value: &Value, expected: f64) {
    let got = value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"));
    assert!((got - expected).abs() < 1e-9, "{got} != {expected}");
}

async fn aggregates_match_hand_computed_values(app: TestApp) {
    let r = setup(&app, true).await;
    // One criterion, 0..10: a review's score is 10 × the score.
    app.put(&format!("/api/v1/calls/{}/rubric", r.call))
        .token(&r.secretary)
        .json(json!({"criteria": [{"key": "overall", "name": {"fi": "Kokonaisuus"}, "weight": 1, "min": 0, "max": 10}]}))
        .send()
        .await
        .assert_status(200);
    let s = |v: i64| json!({"scores": {"overall": v}});
    // Strict member 0 scores the four applications 2, 4, 6, 6; lenient member 1 scores 7, 9, 9, 9;
    // member 2 reviews only the first, with 5.
    let marks = [(0, [2, 4, 6, 6]), (1, [7, 9, 9, 9])];
    for (member, values) in marks {
        for (application, value) in r.applications.iter().zip(values) {
            review(&app, &r.members[member].1, application, s(value))
                .await
                .assert_status(200);
        }
    }
    review(&app, &r.members[2].1, &r.applications[0], s(5))
        .await
        .assert_status(200);
    let ranking = app
        .get(&format!("/api/v1/calls/{}/ranking", r.call))
        .token(&r.secretary)
        .send()
        .await;
    ranking.assert_status(200);
    assert_eq!(ranking.json["selection_score"], "normalized");
    // Member 0: scores 20, 40, 60, 60 → mean 45, population sd √275 = 16.583.
    // Member 1: scores 70, 90, 90, 90 → mean 85, sd √75 = 8.660. Member 2: one review → z 0.
    let (sd0, sd1) = (275f64.sqrt(), 75f64.sqrt());
    let z = |member: usize, score: f64| match member {
        0 => (score - 45.0) / sd0,
        1 => (score - 85.0) / sd1,
        _ => 0.0,
    };
    let a0 = entry(&ranking.json, &r.applications[0]);
    assert_eq!(a0["reviews"], 3);
    close(&a0["weighted_mean"], (20.0 + 70.0 + 50.0) / 3.0);
    close(&a0["median"], 50.0);
    close(&a0["normalized"], (z(0, 20.0) + z(1, 70.0) + 0.0) / 3.0);
    for share in a0["review_weights"].as_array().unwrap() {
        close(&share["weight"], 1.0 / 3.0);
    }
    let a1 = entry(&ranking.json, &r.applications[1]);
    close(&a1["weighted_mean"], 65.0);
    close(&a1["median"], 65.0);
    close(&a1["normalized"], (z(0, 40.0) + z(1, 90.0)) / 2.0);
    // The two culture applications got the same scores from both: a tie, shown as one.
    let (a2, a3) = (
        entry(&ranking.json, &r.applications[2]),
        entry(&ranking.json, &r.applications[3]),
    );
    close(&a2["normalized"], (z(0, 60.0) + z(1, 90.0)) / 2.0);
    assert_eq!(a2["rank"], 1);
    assert_eq!(a3["rank"], 1);
    assert_eq!(a2["tied"], true);
    // Sports: application 1 ahead of application 0, which is not tied.
    let sports = &ranking.json["themes"][0];
    assert_eq!(sports["theme"], "sports");
    assert_eq!(sports["entries"][0]["application_id"], r.applications[1]);
    assert_eq!(sports["entries"][0]["rank"], 1);
    assert_eq!(sports["entries"][1]["rank"], 2);
    assert_eq!(sports["entries"][1]["tied"], false);
}

async fn the_ranking_opens_to_members_after_their_own_reviews(app: TestApp) {
    let r = setup(&app, true).await;
    let url = format!("/api/v1/calls/{}/ranking", r.call);
    let member = &r.members[0];
    app.get(&url)
        .token(&r.secretary)
        .send()
        .await
        .assert_status(200);
    let res = app.get(&url).token(&member.1).send().await;
    res.assert_problem(403);
    assert!(res.json["detail"].as_str().unwrap().contains("remaining 4"));
    // A conflict counts as done, and that application is not shown to the member.
    app.post(&format!("/api/v1/calls/{}/conflicts", r.call))
        .token(&member.1)
        .json(json!({"user_id": member.0, "application_id": r.applications[3], "kind": "relative"}))
        .send()
        .await
        .assert_status(201);
    for application in &r.applications[..3] {
        review(&app, &member.1, application, scores(3, 4, 5, 2))
            .await
            .assert_status(200);
    }
    let res = app.get(&url).token(&member.1).send().await;
    res.assert_status(200);
    let shown: Vec<&str> = res.json["themes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["entries"].as_array().unwrap())
        .map(|e| e["application_id"].as_str().unwrap())
        .collect();
    assert_eq!(shown.len(), 3);
    assert!(!shown.contains(&r.applications[3].as_str()));
    let (_, stranger) = app.user(&r.admin, Role::Committee, &[&r.council]).await;
    app.get(&url)
        .token(&stranger)
        .send()
        .await
        .assert_problem(403);
    app.get(&url).send().await.assert_problem(401);
}

async fn progress_per_member_and_per_application(app: TestApp) {
    let r = setup(&app, true).await;
    review(
        &app,
        &r.members[0].1,
        &r.applications[0],
        scores(3, 3, 3, 3),
    )
    .await
    .assert_status(200);
    review(
        &app,
        &r.members[0].1,
        &r.applications[1],
        scores(3, 3, 3, 3),
    )
    .await
    .assert_status(200);
    review(
        &app,
        &r.members[1].1,
        &r.applications[0],
        scores(3, 3, 3, 3),
    )
    .await
    .assert_status(200);
    app.post(&format!("/api/v1/calls/{}/conflicts", r.call))
        .token(&r.secretary)
        .json(json!({"user_id": r.members[2].0, "application_id": r.applications[0], "kind": "employee"}))
        .send()
        .await
        .assert_status(201);
    let url = format!("/api/v1/calls/{}/review-progress", r.call);
    let all = app.get(&url).token(&r.secretary).send().await;
    all.assert_status(200);
    let line = |id: &str| {
        all.json["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(line(&r.members[0].0)["remaining"], 2);
    assert_eq!(line(&r.members[0].0)["reviewed"], 2);
    assert_eq!(line(&r.members[1].0)["remaining"], 3);
    assert_eq!(line(&r.members[2].0)["to_review"], 3);
    assert_eq!(line(&r.members[2].0)["conflicts"], 1);
    let first = all.json["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["application_id"] == r.applications[0])
        .unwrap();
    assert_eq!(first["reviews"], 2);
    assert_eq!(first["expected"], 2);
    let own = app.get(&url).token(&r.members[1].1).send().await;
    assert_eq!(own.json["members"].as_array().unwrap().len(), 1);
    assert_eq!(own.json["members"][0]["user_id"], r.members[1].0);
}

async fn the_audit_log_records_a_whole_review_and_cannot_change(app: TestApp) {
    let r = setup(&app, true).await;
    review(
        &app,
        &r.members[0].1,
        &r.applications[0],
        scores(2, 2, 2, 2),
    )
    .await
    .assert_status(200);
    review(
        &app,
        &r.members[0].1,
        &r.applications[0],
        scores(4, 4, 4, 4),
    )
    .await
    .assert_status(200);
    app.post(&format!("/api/v1/calls/{}/conflicts", r.call))
        .token(&r.members[1].1)
        .json(json!({"user_id": r.members[1].0, "application_id": r.applications[1], "kind": "other", "note": "naapuri"}))
        .send()
        .await
        .assert_status(201);
    let url = format!("/api/v1/calls/{}/audit?limit=500", r.call);
    app.get(&url)
        .token(&r.secretary)
        .send()
        .await
        .assert_problem(403);
    let log = app.get(&url).token(&r.admin).send().await;
    log.assert_status(200);
    let items = log.json["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "call.created",
            "call.published",
            "application.submitted",
            "application.submitted",
            "application.submitted",
            "application.submitted",
            "committee.set",
            "call.review_started",
            "review.saved",
            "review.saved",
            "conflict.recorded",
        ]
    );
    let published = &items[1];
    assert_eq!(published["before"]["phase"], "draft");
    assert_eq!(published["after"]["phase"], "published");
    assert_eq!(published["actor_kind"], "staff");
    assert_eq!(items[2]["actor_kind"], "applicant");
    assert_eq!(items[2]["actor_id"], r.applications[0]);
    let rescore = &items[9];
    assert_eq!(rescore["actor_id"], r.members[0].0);
    assert_eq!(rescore["before"]["scores"]["activity"], 2);
    assert_eq!(rescore["after"]["scores"]["activity"], 4);
    assert!(items[8]["before"].is_null());
    assert_eq!(items[10]["after"]["note"], "naapuri");
    assert_eq!(items[8]["at"], "2027-02-28T14:00:00Z");
    // Neither the API nor the database changes the log.
    let res = app
        .request("DELETE", &format!("/api/v1/calls/{}/audit", r.call))
        .token(&r.admin)
        .send()
        .await;
    res.assert_problem(405);
    assert_eq!(res.header("allow"), "GET");
    let tampered = app
        .db
        .run(|conn| {
            use diesel::RunQueryDsl;
            Ok((
                diesel::sql_query("UPDATE audit_log SET action = 'nothing'")
                    .execute(conn)
                    .is_err(),
                diesel::sql_query("DELETE FROM audit_log")
                    .execute(conn)
                    .is_err(),
            ))
        })
        .await
        .unwrap();
    assert_eq!(tampered, (true, true));
    assert_eq!(app.count("audit_log").await as usize, items.len());
}

async fn exports_open_in_spreadsheets(app: TestApp) {
    let r = setup(&app, true).await;
    for (i, application) in r.applications.iter().enumerate() {
        review(
            &app,
            &r.members[0].1,
            application,
            scores(1 + i as i64, 3, 3, 3),
        )
        .await
        .assert_status(200);
    }
    let res = app
        .get(&format!("/api/v1/calls/{}/applications.csv", r.call))
        .token(&r.secretary)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.header("content-type"), "text/csv; charset=utf-8");
    assert!(
        res.header("content-disposition")
            .contains("applications.csv")
    );
    assert_eq!(
        &res.body[..3],
        &[0xEF, 0xBB, 0xBF],
        "a UTF-8 byte-order mark"
    );
    let text = String::from_utf8(res.body[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 5, "a header and four rows");
    assert!(lines[0].starts_with("id,status,theme,role_preference,association,business_id"));
    assert!(text.contains("Äänestäjä0,Öhman"));
    // A cell a spreadsheet would run as a formula is defused.
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil\"\") haluan mukaan\""),
        "{text}"
    );
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    assert_eq!(reader.records().count(), 4);

    let res = app
        .get(&format!(
            "/api/v1/calls/{}/ranking.csv?delimiter=semicolon",
            r.call
        ))
        .token(&r.secretary)
        .send()
        .await;
    res.assert_status(200);
    let text = String::from_utf8(res.body[3..].to_vec()).unwrap();
    let header = text.lines().next().unwrap();
    assert_eq!(
        header,
        "theme;rank;tied;application_id;first_name;last_name;association;role_preference;reviews;weighted_mean;median;normalized"
    );
    let first = text.lines().nth(1).unwrap();
    assert!(first.starts_with("sports;1;no;"), "{first}");
    assert!(
        first.contains(','),
        "decimal commas with semicolons: {first}"
    );
    app.get(&format!("/api/v1/calls/{}/ranking.csv", r.call))
        .token(&r.members[0].1)
        .send()
        .await
        .assert_problem(403);
    app.get(&format!(
        "/api/v1/calls/{}/applications.csv?delimiter=tab",
        r.call
    ))
    .token(&r.secretary)
    .send()
    .await
    .assert_invalid_fields(&["delimiter"]);
}
