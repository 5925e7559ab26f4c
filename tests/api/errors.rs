//! Bad input of every kind gets a problem+json answer and changes nothing.

use serde_json::json;

use crate::db_tests;
use crate::support::TestApp;

db_tests!(
    malformed_bodies_are_400,
    wrong_media_type_is_415,
    oversized_bodies_are_413,
    shape_errors_are_422
);

async fn malformed_bodies_are_400(app: TestApp) {
    let admin = app.admin().await;
    for body in [
        "{\"name\": ",
        "not json",
        "{\"name\": {\"fi\": \"x\"}} trailing",
        "",
    ] {
        let res = app
            .post("/api/v1/councils")
            .token(&admin)
            .raw("application/json", body)
            .send()
            .await;
        res.assert_problem(400);
    }
    assert_eq!(app.count("councils").await, 0);
}

async fn wrong_media_type_is_415(app: TestApp) {
    let admin = app.admin().await;
    let body = r#"{"name": {"fi": "X"}, "kind": "regional", "municipality_codes": ["167"]}"#;
    app.post("/api/v1/councils")
        .token(&admin)
        .raw("text/plain", body)
        .send()
        .await
        .assert_problem(415);
    app.post("/api/v1/councils")
        .token(&admin)
        .raw("application/x-www-form-urlencoded", "name=x")
        .send()
        .await
        .assert_problem(415);
    let ok = app
        .post("/api/v1/councils")
        .token(&admin)
        .raw("application/json; charset=utf-8", body)
        .send()
        .await;
    ok.assert_status(201);
    assert_eq!(app.count("councils").await, 1);
}

async fn oversized_bodies_are_413(app: TestApp) {
    let admin = app.admin().await;
    let huge = json!({"name": {"fi": "x".repeat(70 * 1024)}, "kind": "regional", "municipality_codes": ["167"]});
    let res = app
        .post("/api/v1/councils")
        .token(&admin)
        .json(huge)
        .send()
        .await;
    res.assert_problem(413);
    assert!(res.json["detail"].as_str().unwrap().contains("65536"));
    assert_eq!(app.count("councils").await, 0);
}

async fn shape_errors_are_422(app: TestApp) {
    let admin = app.admin().await;
    let res = app
        .post("/api/v1/councils")
        .token(&admin)
        .json(json!({"name": {"fi": "X", "de": "Y"}, "kind": "regional", "municipality_codes": ["167"]}))
        .send()
        .await;
    res.assert_invalid_fields(&["name.de"]);
    assert_eq!(res.json["errors"][0]["code"], "unknown_field");
    let res = app
        .post("/api/v1/councils")
        .token(&admin)
        .json(json!({"name": {"fi": "X"}, "kind": "regional", "municipality_codes": "167"}))
        .send()
        .await;
    res.assert_invalid_fields(&["municipality_codes"]);
    assert_eq!(res.json["errors"][0]["code"], "invalid_type");
    let res = app
        .post("/api/v1/councils")
        .token(&admin)
        .json(json!({"kind": "regional", "municipality_codes": ["167"]}))
        .send()
        .await;
    res.assert_invalid_fields(&["name"]);
    assert_eq!(res.json["errors"][0]["code"], "required");
    assert_eq!(app.count("councils").await, 0);
}
