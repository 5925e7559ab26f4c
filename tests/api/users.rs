//! Staff users, roles and bearer tokens.

use jane_seats::domain::access::Role;
use serde_json::json;

use crate::db_tests;
use crate::support::TestApp;

db_tests!(
    admin_creates_staff_whose_tokens_work,
    tokens_are_stored_only_as_digests,
    secretary_creates_committee_members_for_own_councils_only,
    committee_members_create_no_one,
    missing_and_bad_credentials_are_401,
    duplicate_email_is_409_and_changes_nothing,
    invalid_users_name_every_bad_field,
    listing_users_by_role,
    admins_issue_additional_tokens,
    create_admin_command_creates_or_reuses_the_admin,
);

async fn admin_creates_staff_whose_tokens_work(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let res = app
        .post("/api/v1/users")
        .token(&admin)
        .json(json!({"email": "  Sanna.Sihteeri@Example.org ", "name": "Sanna Sihteeri", "role": "secretary", "council_ids": [jane]}))
        .send()
        .await;
    res.assert_status(201);
    assert_eq!(res.json["email"], "sanna.sihteeri@example.org");
    assert_eq!(res.json["role"], "secretary");
    assert_eq!(res.json["council_ids"], json!([jane]));
    let token = res.str("token");
    assert!(
        token.starts_with("jss_") && token.len() >= 4 + 32,
        "at least 128 bits"
    );

    let me = app.get("/api/v1/users/me").token(&token).send().await;
    me.assert_status(200);
    assert_eq!(me.json["id"], res.json["id"]);
    assert_eq!(me.json["name"], "Sanna Sihteeri");
    assert!(
        me.json.get("token").is_none(),
        "the token is shown only once"
    );
}

async fn tokens_are_stored_only_as_digests(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let (_, token) = app.user(&admin, Role::Secretary, &[&jane]).await;
    let digests: Vec<String> = app
        .db
        .run(|conn| {
            use diesel::prelude::*;
            use jane_seats::db::schema::api_tokens;
            Ok(api_tokens::table
                .select(api_tokens::token_hash)
                .load(conn)?)
        })
        .await
        .unwrap();
    assert!(
        !digests.iter().any(|d| d.contains(&token[4..])),
        "no token is stored as such"
    );
    assert!(digests.contains(&jane_seats::tokens::digest(&token)));
}

async fn secretary_creates_committee_members_for_own_councils_only(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let liperi = app
        .local_council(&admin, &jane, "Liperin paikallis-JANE", &["426"])
        .await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&liperi]).await;

    let create = |role: &str, councils: serde_json::Value| {
        app.post("/api/v1/users").token(&secretary).json(json!({
            "email": format!("{}@example.org", uuid::Uuid::now_v7().simple()),
            "name": "Kalle Komitea",
            "role": role,
            "council_ids": councils,
        }))
    };
    let res = create("committee", json!([liperi])).send().await;
    res.assert_status(201);
    let committee_token = res.str("token");
    app.get("/api/v1/users/me")
        .token(&committee_token)
        .send()
        .await
        .assert_status(200);

    create("committee", json!([jane]))
        .send()
        .await
        .assert_problem(403);
    create("committee", json!([liperi, jane]))
        .send()
        .await
        .assert_problem(403);
    create("secretary", json!([liperi]))
        .send()
        .await
        .assert_problem(403);
    create("admin", json!([])).send().await.assert_problem(403);
}

async fn committee_members_create_no_one(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let (_, committee) = app.user(&admin, Role::Committee, &[&jane]).await;
    let before = app.count("users").await;
    let res = app
        .post("/api/v1/users")
        .token(&committee)
        .json(json!({"email": "x@example.org", "name": "X", "role": "committee", "council_ids": [jane]}))
        .send()
        .await;
    res.assert_problem(403);
    assert_eq!(app.count("users").await, before);
}

async fn missing_and_bad_credentials_are_401(app: TestApp) {
    let res = app.get("/api/v1/users/me").send().await;
    res.assert_problem(401);
    assert_eq!(res.header("www-authenticate"), "Bearer");
    app.get("/api/v1/users/me")
        .token("jss_not-a-token")
        .send()
        .await
        .assert_problem(401);
    app.get("/api/v1/users/me")
        .header("Authorization", "Basic YTpi")
        .send()
        .await
        .assert_problem(401);
    app.get("/api/v1/users/me")
        .header("Authorization", "Bearer")
        .send()
        .await
        .assert_problem(401);
    let res = app
        .post("/api/v1/users")
        .json(json!({"email": "x@example.org", "name": "X", "role": "admin"}))
        .send()
        .await;
    res.assert_problem(401);
    assert_eq!(app.count("users").await, 0);
}

async fn duplicate_email_is_409_and_changes_nothing(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let body = json!({"email": "kaija@example.org", "name": "Kaija", "role": "committee", "council_ids": [jane]});
    app.post("/api/v1/users")
        .token(&admin)
        .json(body)
        .send()
        .await
        .assert_status(201);
    let users = app.count("users").await;
    let tokens = app.count("api_tokens").await;
    let res = app
        .post("/api/v1/users")
        .token(&admin)
        .json(json!({"email": "KAIJA@example.org", "name": "Other", "role": "secretary", "council_ids": [jane]}))
        .send()
        .await;
    res.assert_problem(409);
    assert!(
        res.json["detail"]
            .as_str()
            .unwrap()
            .contains("kaija@example.org")
    );
    assert_eq!(app.count("users").await, users);
    assert_eq!(app.count("api_tokens").await, tokens);
}

async fn invalid_users_name_every_bad_field(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let res = app
        .post("/api/v1/users")
        .token(&admin)
        .json(json!({"email": "not-an-email", "name": "", "role": "committee", "council_ids": [jane]}))
        .send()
        .await;
    res.assert_invalid_fields(&["email", "name"]);
    let res = app
        .post("/api/v1/users")
        .token(&admin)
        .json(json!({"email": "a@example.org", "name": "A", "role": "chair"}))
        .send()
        .await;
    res.assert_invalid_fields(&["role"]);
    let res = app
        .post("/api/v1/users")
        .token(&admin)
        .json(
            json!({"email": "a@example.org", "name": "A", "role": "admin", "council_ids": [jane]}),
        )
        .send()
        .await;
    res.assert_invalid_fields(&["council_ids"]);
    let res = app
        .post("/api/v1/users")
        .token(&admin)
        .json(json!({"email": "a@example.org", "name": "A", "role": "secretary"}))
        .send()
        .await;
    res.assert_invalid_fields(&["council_ids"]);
    let unknown = "0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b";
    let res = app
        .post("/api/v1/users")
        .token(&admin)
        .json(json!({"email": "a@example.org", "name": "A", "role": "secretary", "council_ids": [unknown]}))
        .send()
        .await;
    res.assert_invalid_fields(&["council_ids[0]"]);
    let res = app
        .post("/api/v1/users")
        .token(&admin)
        .json(json!({"email": "a@example.org", "name": "A", "role": "secretary", "council_ids": ["nope"]}))
        .send()
        .await;
    res.assert_invalid_fields(&["council_ids[0]"]);
    // The index is the one in the request, whatever the order of the ids.
    let res = app
        .post("/api/v1/users")
        .token(&admin)
        .json(json!({"email": "a@example.org", "name": "A", "role": "secretary", "council_ids": [jane, unknown]}))
        .send()
        .await;
    res.assert_invalid_fields(&["council_ids[1]"]);
    // Every bad field at once, whatever kind of problem each has.
    let res = app
        .post("/api/v1/users")
        .token(&admin)
        .json(json!({"email": "bad", "name": "", "role": "chair", "council_ids": "x", "nickname": "A"}))
        .send()
        .await;
    res.assert_invalid_fields(&["council_ids", "email", "name", "nickname", "role"]);
    // Only the admin exists.
    assert_eq!(app.count("users").await, 1);
}

async fn listing_users_by_role(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let liperi = app.local_council(&admin, &jane, "Liperi", &["426"]).await;
    let (_, jane_secretary) = app.user(&admin, Role::Secretary, &[&jane]).await;
    let (liperi_committee, committee_token) = app.user(&admin, Role::Committee, &[&liperi]).await;
    let (jane_committee, _) = app.user(&admin, Role::Committee, &[&jane]).await;

    let all = app
        .get("/api/v1/users?limit=500")
        .token(&admin)
        .send()
        .await;
    all.assert_status(200);
    assert_eq!(all.json["items"].as_array().unwrap().len(), 4);

    let page = app.get("/api/v1/users?limit=3").token(&admin).send().await;
    assert_eq!(page.json["items"].as_array().unwrap().len(), 3);
    let cursor = page.str("next_cursor");
    let rest = app
        .get(&format!("/api/v1/users?limit=3&cursor={cursor}"))
        .token(&admin)
        .send()
        .await;
    assert_eq!(rest.json["items"].as_array().unwrap().len(), 1);
    assert!(rest.json["next_cursor"].is_null());

    let own = app.get("/api/v1/users").token(&jane_secretary).send().await;
    let ids: Vec<&str> = own.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&jane_committee.as_str()));
    assert!(!ids.contains(&liperi_committee.as_str()));

    app.get("/api/v1/users")
        .token(&committee_token)
        .send()
        .await
        .assert_problem(403);
    app.get("/api/v1/users?limit=0")
        .token(&admin)
        .send()
        .await
        .assert_invalid_fields(&["limit"]);
}

async fn admins_issue_additional_tokens(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let (secretary_id, secretary) = app.user(&admin, Role::Secretary, &[&jane]).await;
    let res = app
        .post(&format!("/api/v1/users/{secretary_id}/tokens"))
        .token(&admin)
        .send()
        .await;
    res.assert_status(201);
    let second = res.str("token");
    assert_ne!(second, secretary);
    for token in [&secretary, &second] {
        let me = app.get("/api/v1/users/me").token(token).send().await;
        assert_eq!(me.json["id"], secretary_id);
    }
    app.post(&format!("/api/v1/users/{secretary_id}/tokens"))
        .token(&secretary)
        .send()
        .await
        .assert_problem(403);
    app.post("/api/v1/users/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b/tokens")
        .token(&admin)
        .send()
        .await
        .assert_problem(404);
}

/// `create-admin` run as the real binary: prints the token alone on the last line and reuses
/// the user on a second run.
async fn create_admin_command_creates_or_reuses_the_admin(app: TestApp) {
    let url = app.db_url();
    let run = |name: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_jane-seats"))
            .args([
                "create-admin",
                "--email",
                "Root@Example.org",
                "--name",
                name,
            ])
            .env("DATABASE_URL", &url)
            .env("JANE_SEATS_LOG__FORMAT", "json")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout).unwrap();
        stdout.lines().last().unwrap().to_owned()
    };
    let first = run("Root");
    let second = run("Root again");
    assert_ne!(first, second);
    let mut ids = Vec::new();
    for token in [&first, &second] {
        let me = app.get("/api/v1/users/me").token(token).send().await;
        me.assert_status(200);
        assert_eq!(me.json["role"], "admin");
        assert_eq!(me.json["email"], "root@example.org");
        ids.push(me.str("id"));
    }
    assert_eq!(ids[0], ids[1], "the second run reuses the admin");
    assert_eq!(app.count("users").await, 1);
}
