//! Councils, seat plans, seats, members and coverage.

use jane_seats::domain::access::Role;
use serde_json::{Value, json};

use crate::db_tests;
use crate::support::TestApp;

db_tests!(
    regional_and_local_councils,
    council_hierarchy_rules,
    only_admins_create_councils,
    managers_edit_councils,
    council_lists_filter_and_page,
    seat_plans_create_and_replace_seats,
    jane_has_sixteen_plus_sixteen_seats,
    invalid_seat_plans_change_nothing,
    seat_plan_permissions,
    members_of_a_new_council,
    coverage_across_jane_and_paikallis_janes,
    concurrent_writers_all_succeed,
    concurrent_council_edits_keep_every_change_and_the_hierarchy,
    creating_requests_with_an_idempotency_key_run_once,
);

async fn regional_and_local_councils(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let res = app
        .post("/api/v1/councils")
        .token(&admin)
        .json(json!({
            "name": {"fi": "Liperin paikallis-JANE", "sv": "", "en": "Liperi local JANE"},
            "kind": "local",
            "parent_id": jane,
            "municipality_codes": ["426"],
        }))
        .send()
        .await;
    res.assert_status(201);
    assert_eq!(res.json["kind"], "local");
    assert_eq!(res.json["parent_id"], jane);
    assert_eq!(res.json["municipality_codes"], json!(["426"]));
    assert!(
        res.json["name"].get("sv").is_none(),
        "a blank translation is dropped"
    );
    let liperi = res.str("id");
    let got = app.get(&format!("/api/v1/councils/{liperi}")).send().await;
    got.assert_status(200);
    assert_eq!(got.json, res.json);
    let regional = app.get(&format!("/api/v1/councils/{jane}")).send().await;
    assert_eq!(
        regional.json["municipality_codes"]
            .as_array()
            .unwrap()
            .len(),
        13
    );
    assert!(regional.json["parent_id"].is_null());
    app.get("/api/v1/councils/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b")
        .send()
        .await
        .assert_problem(404);
    app.get("/api/v1/councils/not-a-uuid")
        .send()
        .await
        .assert_problem(404);
}

async fn council_hierarchy_rules(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let liperi = app.local_council(&admin, &jane, "Liperi", &["426"]).await;
    let councils = app.count("councils").await;
    let create = |body: Value| app.post("/api/v1/councils").token(&admin).json(body);
    create(json!({"name": {"fi": "X"}, "kind": "local", "municipality_codes": ["167"]}))
        .send()
        .await
        .assert_invalid_fields(&["parent_id"]);
    create(json!({"name": {"fi": "X"}, "kind": "local", "parent_id": liperi, "municipality_codes": ["426"]}))
        .send()
        .await
        .assert_invalid_fields(&["parent_id"]);
    create(json!({"name": {"fi": "X"}, "kind": "regional", "parent_id": jane, "municipality_codes": ["167"]}))
        .send()
        .await
        .assert_invalid_fields(&["parent_id"]);
    create(json!({"name": {"fi": "X"}, "kind": "local", "parent_id": "0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", "municipality_codes": ["167"]}))
        .send()
        .await
        .assert_invalid_fields(&["parent_id"]);
    let res = create(json!({"name": {"fi": "X"}, "kind": "local", "parent_id": jane, "municipality_codes": ["167", "999", "998"]}))
        .send()
        .await;
    res.assert_invalid_fields(&["municipality_codes[1]", "municipality_codes[2]"]);
    create(
        json!({"name": {"fi": "X"}, "kind": "local", "parent_id": jane, "municipality_codes": []}),
    )
    .send()
    .await
    .assert_invalid_fields(&["municipality_codes"]);
    create(json!({"name": {"fi": "X"}, "kind": "district", "municipality_codes": ["167"]}))
        .send()
        .await
        .assert_invalid_fields(&["kind"]);
    assert_eq!(app.count("councils").await, councils);

    // A local council stays inside its region: a region of Joensuu alone cannot hold Liperi.
    let small = app
        .post("/api/v1/councils")
        .token(&admin)
        .json(json!({"name": {"fi": "Pieni"}, "kind": "regional", "municipality_codes": ["167"]}))
        .send()
        .await;
    let small = small.str("id");
    let res = create(json!({"name": {"fi": "X"}, "kind": "local", "parent_id": small, "municipality_codes": ["426"]}))
        .send()
        .await;
    res.assert_invalid_fields(&["municipality_codes"]);
    assert!(res.json["detail"].as_str().unwrap().contains("426"));
}

async fn only_admins_create_councils(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&jane]).await;
    let (_, committee) = app.user(&admin, Role::Committee, &[&jane]).await;
    let body = json!({"name": {"fi": "X"}, "kind": "local", "parent_id": jane, "municipality_codes": ["167"]});
    for token in [&secretary, &committee] {
        app.post("/api/v1/councils")
            .token(token)
            .json(body.clone())
            .send()
            .await
            .assert_problem(403);
    }
    app.post("/api/v1/councils")
        .json(body)
        .send()
        .await
        .assert_problem(401);
    assert_eq!(app.count("councils").await, 1);
}

async fn managers_edit_councils(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let liperi = app.local_council(&admin, &jane, "Liperi", &["426"]).await;
    let outokumpu = app
        .local_council(&admin, &jane, "Outokumpu", &["309"])
        .await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&liperi]).await;
    let (_, committee) = app.user(&admin, Role::Committee, &[&liperi]).await;

    let res = app
        .patch(&format!("/api/v1/councils/{liperi}"))
        .token(&secretary)
        .json(json!({"name": {"fi": "Liperin ja Polvijärven paikallis-JANE"}, "municipality_codes": ["607", "426"]}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["municipality_codes"], json!(["426", "607"]));
    assert_eq!(
        res.json["name"]["fi"],
        "Liperin ja Polvijärven paikallis-JANE"
    );

    let rename = json!({"name": {"fi": "Toinen"}});
    app.patch(&format!("/api/v1/councils/{outokumpu}"))
        .token(&secretary)
        .json(rename.clone())
        .send()
        .await
        .assert_problem(403);
    app.patch(&format!("/api/v1/councils/{liperi}"))
        .token(&committee)
        .json(rename.clone())
        .send()
        .await
        .assert_problem(403);
    app.patch(&format!("/api/v1/councils/{liperi}"))
        .json(rename)
        .send()
        .await
        .assert_problem(401);

    // The region must keep covering its local councils.
    let res = app
        .patch(&format!("/api/v1/councils/{jane}"))
        .token(&admin)
        .json(json!({"municipality_codes": ["167", "426"]}))
        .send()
        .await;
    res.assert_invalid_fields(&["municipality_codes"]);
    let jane_now = app.get(&format!("/api/v1/councils/{jane}")).send().await;
    assert_eq!(
        jane_now.json["municipality_codes"]
            .as_array()
            .unwrap()
            .len(),
        13
    );
    app.patch(&format!("/api/v1/councils/{liperi}"))
        .token(&admin)
        .json(json!({"kind": "regional"}))
        .send()
        .await
        .assert_invalid_fields(&["kind"]);
}

async fn council_lists_filter_and_page(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let mut locals = Vec::new();
    for (name, code) in [("Liperi", "426"), ("Outokumpu", "309"), ("Kitee", "260")] {
        locals.push(app.local_council(&admin, &jane, name, &[code]).await);
    }
    let all = app.get("/api/v1/councils").send().await;
    all.assert_status(200);
    assert_eq!(all.json["items"].as_array().unwrap().len(), 4);
    assert!(all.json["next_cursor"].is_null());
    let local = app
        .get(&format!("/api/v1/councils?kind=local&parent_id={jane}"))
        .send()
        .await;
    let ids: Vec<&str> = local.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, locals.iter().map(String::as_str).collect::<Vec<_>>());
    let first = app.get("/api/v1/councils?limit=2").send().await;
    assert_eq!(first.json["items"].as_array().unwrap().len(), 2);
    let cursor = first.str("next_cursor");
    let second = app
        .get(&format!("/api/v1/councils?limit=2&cursor={cursor}"))
        .send()
        .await;
    let second_ids: Vec<&str> = second.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(second_ids, [locals[1].as_str(), locals[2].as_str()]);
    assert!(second.json["next_cursor"].is_null());
    app.get("/api/v1/councils?limit=501")
        .send()
        .await
        .assert_invalid_fields(&["limit"]);
    app.get("/api/v1/councils?cursor=abc")
        .send()
        .await
        .assert_invalid_fields(&["cursor"]);
    app.get("/api/v1/councils?kind=global")
        .send()
        .await
        .assert_invalid_fields(&["kind"]);
}

fn seat_ids(plan: &Value, theme: &str, role: &str) -> Vec<String> {
    plan["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["theme"] == theme && s["role"] == role)
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn seat_plans_create_and_replace_seats(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let liperi = app.local_council(&admin, &jane, "Liperi", &["426"]).await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&liperi]).await;
    let url = format!("/api/v1/councils/{liperi}/seat-plan");
    let first = app
        .put(&url)
        .token(&secretary)
        .json(json!({"themes": [
            {"theme": "sports", "representatives": 2, "deputies": 1},
            {"theme": "culture", "representatives": 1, "deputies": 1},
        ]}))
        .send()
        .await;
    first.assert_status(200);
    let seats = first.json["seats"].as_array().unwrap();
    assert_eq!(seats.len(), 5);
    assert!(
        seats
            .iter()
            .all(|s| s["status"] == "vacant" && s["holder"].is_null())
    );
    // Catalogue order: sports before culture; representatives first.
    assert_eq!(seats[0]["theme"], "sports");
    assert_eq!(seats[0]["role"], "representative");
    assert_eq!(seats[0]["position"], 1);
    assert_eq!(seats[1]["position"], 2);
    assert_eq!(
        first.json["themes"],
        json!([
            {"theme": "sports", "representatives": 2, "deputies": 1},
            {"theme": "culture", "representatives": 1, "deputies": 1},
        ])
    );
    let sports_reps = seat_ids(&first.json, "sports", "representative");

    let second = app
        .put(&url)
        .token(&secretary)
        .json(json!({"themes": [
            {"theme": "sports", "representatives": 1, "deputies": 2},
            {"theme": "pensioners", "representatives": 1, "deputies": 0},
        ]}))
        .send()
        .await;
    second.assert_status(200);
    // The remaining sports representative seat keeps its id; the surplus one is gone.
    assert_eq!(
        seat_ids(&second.json, "sports", "representative"),
        vec![sports_reps[0].clone()]
    );
    assert_eq!(seat_ids(&second.json, "sports", "deputy").len(), 2);
    assert!(seat_ids(&second.json, "culture", "representative").is_empty());
    assert_eq!(
        seat_ids(&second.json, "pensioners", "representative").len(),
        1
    );

    let listed = app
        .get(&format!("/api/v1/councils/{liperi}/seats"))
        .send()
        .await;
    listed.assert_status(200);
    assert_eq!(listed.json, second.json["seats"]);
    let plan = app.get(&url).send().await;
    assert_eq!(plan.json["themes"], second.json["themes"]);
    assert_eq!(app.count("seats").await, 4);
    app.get("/api/v1/councils/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b/seats")
        .send()
        .await
        .assert_problem(404);
}

async fn jane_has_sixteen_plus_sixteen_seats(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let themes: Vec<Value> = [
        ("children_families_youth", 2),
        ("pensioners", 2),
        ("sports", 2),
        ("social_health", 3),
        ("culture", 2),
        ("villages_heritage", 2),
        ("hobbies", 1),
        ("environment_nature", 1),
        ("other", 1),
    ]
    .iter()
    .map(|(t, n)| json!({"theme": t, "representatives": n, "deputies": n}))
    .collect();
    let res = app
        .put(&format!("/api/v1/councils/{jane}/seat-plan"))
        .token(&admin)
        .json(json!({ "themes": themes }))
        .send()
        .await;
    res.assert_status(200);
    let seats = res.json["seats"].as_array().unwrap();
    assert_eq!(
        seats
            .iter()
            .filter(|s| s["role"] == "representative")
            .count(),
        16
    );
    assert_eq!(seats.iter().filter(|s| s["role"] == "deputy").count(), 16);
}

async fn invalid_seat_plans_change_nothing(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let before = app.seat_plan(&admin, &jane, &["sports"]).await;
    let url = format!("/api/v1/councils/{jane}/seat-plan");
    let res = app
        .put(&url)
        .token(&admin)
        .json(json!({"themes": [
            {"theme": "sports", "representatives": 51, "deputies": 1},
            {"theme": "sports", "representatives": 1, "deputies": 1},
        ]}))
        .send()
        .await;
    res.assert_invalid_fields(&["themes[0].representatives", "themes[1].theme"]);
    let res = app
        .put(&url)
        .token(&admin)
        .json(json!({"themes": [{"theme": "chess", "representatives": 1, "deputies": 1}]}))
        .send()
        .await;
    res.assert_invalid_fields(&["themes[0].theme"]);
    let res = app
        .put(&url)
        .token(&admin)
        .json(json!({"themes": [{"theme": "sports", "representatives": -1, "deputies": 1}]}))
        .send()
        .await;
    res.assert_invalid_fields(&["themes[0].representatives"]);
    let after = app.get(&url).send().await;
    assert_eq!(after.json["seats"], before.json["seats"]);
}

async fn seat_plan_permissions(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let liperi = app.local_council(&admin, &jane, "Liperi", &["426"]).await;
    let (_, jane_secretary) = app.user(&admin, Role::Secretary, &[&jane]).await;
    let (_, committee) = app.user(&admin, Role::Committee, &[&liperi]).await;
    let body = json!({"themes": [{"theme": "sports", "representatives": 1, "deputies": 1}]});
    let url = format!("/api/v1/councils/{liperi}/seat-plan");
    // A regional secretary is not the local council's secretary.
    app.put(&url)
        .token(&jane_secretary)
        .json(body.clone())
        .send()
        .await
        .assert_problem(403);
    app.put(&url)
        .token(&committee)
        .json(body.clone())
        .send()
        .await
        .assert_problem(403);
    app.put(&url)
        .json(body.clone())
        .send()
        .await
        .assert_problem(401);
    app.put("/api/v1/councils/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b/seat-plan")
        .token(&admin)
        .json(body)
        .send()
        .await
        .assert_problem(404);
    assert_eq!(app.count("seats").await, 0);
}

async fn members_of_a_new_council(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    app.seat_plan(&admin, &jane, &["sports", "culture"]).await;
    let res = app
        .get(&format!("/api/v1/councils/{jane}/members"))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json, json!({"items": [], "next_cursor": null}));
    app.get("/api/v1/councils/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b/members")
        .send()
        .await
        .assert_problem(404);
}

async fn coverage_across_jane_and_paikallis_janes(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let liperi = app.local_council(&admin, &jane, "Liperi", &["426"]).await;
    let kitee = app.local_council(&admin, &jane, "Kitee", &["260"]).await;
    app.seat_plan(&admin, &jane, &["sports", "culture"]).await;
    app.seat_plan(&admin, &liperi, &["villages_heritage"]).await;

    let res = app
        .get(&format!("/api/v1/councils/{jane}/coverage"))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["council_id"], jane);
    assert_eq!(res.json["all_representative_seats_filled"], false);
    assert_eq!(res.json["all_seats_filled"], false);
    let councils = res.json["councils"].as_array().unwrap();
    let ids: Vec<&str> = councils.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [jane.as_str(), liperi.as_str(), kitee.as_str()]);
    assert_eq!(
        councils[0]["representative"],
        json!({"total": 2, "filled": 0})
    );
    assert_eq!(councils[0]["deputy"], json!({"total": 2, "filled": 0}));
    let gaps: Vec<(&str, &str)> = councils[0]["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["theme"].as_str().unwrap(), g["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        gaps,
        [
            ("sports", "representative"),
            ("sports", "deputy"),
            ("culture", "representative"),
            ("culture", "deputy")
        ]
    );
    assert_eq!(councils[1]["gaps"].as_array().unwrap().len(), 2);
    // Kitee has no seat plan yet: reported, and counted as not filled.
    assert_eq!(councils[2]["has_seat_plan"], false);
    assert_eq!(councils[2]["all_representative_seats_filled"], false);

    // JANE's action plan counts new paikallis-JANEs: the region's municipalities that have none,
    // by name (Liperi and Kitee have theirs).
    let without: Vec<(&str, &str)> = res.json["municipalities_without_local_council"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["code"].as_str().unwrap(),
                m["name"]["fi"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        without,
        [
            ("090", "Heinävesi"),
            ("146", "Ilomantsi"),
            ("167", "Joensuu"),
            ("176", "Juuka"),
            ("276", "Kontiolahti"),
            ("422", "Lieksa"),
            ("541", "Nurmes"),
            ("309", "Outokumpu"),
            ("607", "Polvijärvi"),
            ("707", "Rääkkylä"),
            ("848", "Tohmajärvi"),
        ]
    );

    let local = app
        .get(&format!("/api/v1/councils/{liperi}/coverage"))
        .send()
        .await;
    assert_eq!(local.json["councils"].as_array().unwrap().len(), 1);
    assert_eq!(
        local.json["municipalities_without_local_council"],
        json!([])
    );
    app.get("/api/v1/councils/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b/coverage")
        .send()
        .await
        .assert_problem(404);
}

/// Many writers at once: with WAL, a busy timeout and write transactions that take the lock up
/// front, none of them fails with "database is locked".
async fn concurrent_writers_all_succeed(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let codes = [
        "090", "146", "167", "176", "260", "276", "309", "422", "426", "541", "607", "707", "848",
    ];
    let requests = (0..24).map(|i| {
        let body = json!({"name": {"fi": format!("Paikallis-JANE {i}")}, "kind": "local", "parent_id": jane,
                          "municipality_codes": [codes[i % codes.len()]]});
        app.post("/api/v1/councils").token(&admin).json(body).send()
    });
    let plans = (0..24).map(|i| {
        let n = (i % 3) + 1;
        app.put(&format!("/api/v1/councils/{jane}/seat-plan"))
            .token(&admin)
            .json(json!({"themes": [{"theme": "sports", "representatives": n, "deputies": n}]}))
            .send()
    });
    let (created, planned) = futures_util::future::join(
        futures_util::future::join_all(requests),
        futures_util::future::join_all(plans),
    )
    .await;
    for res in created {
        res.assert_status(201);
    }
    for res in planned {
        res.assert_status(200);
    }
    assert_eq!(app.count("councils").await, 25);
    let seats = app.count("seats").await;
    assert!(
        (2..=6).contains(&seats),
        "one of the plans won: {seats} seats"
    );
}

/// Edits of one council at once: a rename is not lost to a concurrent area change, and a local
/// council is never created outside an area that shrinks at the same moment.
async fn concurrent_council_edits_keep_every_change_and_the_hierarchy(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let url = format!("/api/v1/councils/{jane}");
    let all = [
        "090", "146", "167", "176", "260", "276", "309", "422", "426", "541", "607", "707", "848",
    ];
    let rename = app
        .patch(&url)
        .token(&admin)
        .json(json!({"name": {"fi": "Uusi nimi"}}))
        .send();
    let area_changes = (0..12).map(|i| {
        let codes: Vec<&str> = all.iter().copied().skip(i % 2).collect();
        app.patch(&url)
            .token(&admin)
            .json(json!({ "municipality_codes": codes }))
            .send()
    });
    let (renamed, changed) =
        futures_util::future::join(rename, futures_util::future::join_all(area_changes)).await;
    renamed.assert_status(200);
    for res in changed {
        res.assert_status(200);
    }
    let now = app.get(&url).send().await;
    assert_eq!(now.json["name"]["fi"], "Uusi nimi", "the rename survived");

    for round in 0..6 {
        app.patch(&url)
            .token(&admin)
            .json(json!({ "municipality_codes": all }))
            .send()
            .await
            .assert_status(200);
        let shrink = app
            .patch(&url)
            .token(&admin)
            .json(json!({"municipality_codes": ["167"]}))
            .send();
        let child = app
            .post("/api/v1/councils")
            .token(&admin)
            .json(json!({"name": {"fi": format!("Liperi {round}")}, "kind": "local", "parent_id": jane,
                         "municipality_codes": ["426"]}))
            .send();
        let (shrunk, created) = futures_util::future::join(shrink, child).await;
        // One of the two wins; never both.
        assert!(
            (shrunk.status == 200) != (created.status == 201),
            "round {round}: shrink {} and create {}",
            shrunk.status,
            created.status
        );
        if created.status == 201 {
            // The next round starts from the full region again, which a child in Liperi would
            // keep from shrinking: move it to Joensuu.
            let child_id = created.str("id");
            app.patch(&format!("/api/v1/councils/{child_id}"))
                .token(&admin)
                .json(json!({"municipality_codes": ["167"]}))
                .send()
                .await
                .assert_status(200);
        }
    }
    // Whatever happened, every local council lies inside its region.
    let region = app.get(&url).send().await.json["municipality_codes"].clone();
    let children = app
        .get(&format!("/api/v1/councils?parent_id={jane}&limit=500"))
        .send()
        .await;
    for child in children.json["items"].as_array().unwrap() {
        for code in child["municipality_codes"].as_array().unwrap() {
            assert!(
                region.as_array().unwrap().contains(code),
                "{child} is outside {region}"
            );
        }
    }
}

/// Every creating POST takes an `Idempotency-Key`; keys are per user.
async fn creating_requests_with_an_idempotency_key_run_once(app: TestApp) {
    let admin = app.admin().await;
    let other_admin = app.admin().await;
    let body = json!({"name": {"fi": "Pohjois-Karjalan JANE"}, "kind": "regional", "municipality_codes": ["167"]});
    let create = |token: &str, key: &str, body: Value| {
        app.post("/api/v1/councils")
            .token(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
    };
    let first = create(&admin, "c-1-0123456789abcdef", body.clone()).await;
    first.assert_status(201);
    let again = create(&admin, "c-1-0123456789abcdef", body.clone()).await;
    again.assert_status(201);
    assert_eq!(again.json, first.json);
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(app.count("councils").await, 1);
    // Another admin's key of the same name is their own.
    let theirs = create(&other_admin, "c-1-0123456789abcdef", body.clone()).await;
    theirs.assert_status(201);
    assert_ne!(theirs.json["id"], first.json["id"]);
    let changed = create(
        &admin,
        "c-1-0123456789abcdef",
        json!({"name": {"fi": "Toinen"}, "kind": "regional", "municipality_codes": ["167"]}),
    )
    .await;
    changed.assert_invalid_fields(&["Idempotency-Key"]);
    assert_eq!(app.count("councils").await, 2);

    // A new user's token is in the replayed response too (stored sealed, not in plain text).
    let user = json!({"email": "kalle@example.org", "name": "Kalle", "role": "committee", "council_ids": [first.json["id"]]});
    let made = app
        .post("/api/v1/users")
        .token(&admin)
        .header("Idempotency-Key", "u-1-0123456789abcdef")
        .json(user.clone())
        .send()
        .await;
    made.assert_status(201);
    let replayed = app
        .post("/api/v1/users")
        .token(&admin)
        .header("Idempotency-Key", "u-1-0123456789abcdef")
        .json(user)
        .send()
        .await;
    assert_eq!(replayed.json["token"], made.json["token"]);
    assert_eq!(app.count("users").await, 3);
    let sealed: Vec<Option<String>> = app
        .db
        .run(|conn| {
            use diesel::prelude::*;
            use jane_seats::db::schema::idempotency_keys;
            Ok(idempotency_keys::table
                .select(idempotency_keys::response_sealed)
                .load(conn)?)
        })
        .await
        .unwrap();
    let token = made.str("token");
    assert!(sealed.iter().flatten().all(|s| !s.contains(&token[4..])));
}
