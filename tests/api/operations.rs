//! Health, readiness, metrics, request ids, the OpenAPI document and the offline API docs.

use crate::db_tests;
use crate::support::{Backend, TestApp};

db_tests!(
    health_and_readiness,
    metrics_count_requests_by_route,
    request_ids
);

async fn health_and_readiness(app: TestApp) {
    let res = app.get("/healthz").send().await;
    res.assert_status(200);
    assert_eq!(res.json["status"], "ok");
    let res = app.get("/readyz").send().await;
    res.assert_status(200);
    let expected = match app.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(res.json["database"], expected);
}

async fn metrics_count_requests_by_route(app: TestApp) {
    for _ in 0..3 {
        app.get("/healthz").send().await.assert_status(200);
    }
    let council = app
        .get("/api/v1/councils/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b")
        .send()
        .await;
    council.assert_problem(404);
    let res = app.get("/metrics").send().await;
    res.assert_status(200);
    assert!(res.header("content-type").starts_with("text/plain"));
    let text = res.text();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 3"#),
        "{text}"
    );
    // Labelled by route pattern, not by the id in the path.
    assert!(
        text.contains(
            r#"http_requests_total{method="GET",route="/api/v1/councils/{id}",status="404"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"http_request_duration_seconds_count{method="GET",route="/healthz"} 3"#),
        "{text}"
    );
    // Made-up methods share one label value instead of each making new series.
    for method in ["XA1", "XA2"] {
        app.request(method, "/healthz").send().await;
    }
    let text = app.get("/metrics").send().await.text();
    assert!(!text.contains("XA1") && !text.contains("XA2"), "{text}");
    assert!(text.contains(r#"method="other""#), "{text}");
}

async fn request_ids(app: TestApp) {
    let res = app.get("/healthz").send().await;
    let generated = res.header("x-request-id");
    assert_eq!(
        uuid::Uuid::parse_str(&generated).unwrap().get_version_num(),
        7
    );
    // A well-formed id (a UUID, as a proxy would send) is kept; anything else a client sends is
    // not: it would reach the logs and the response.
    let sent = "0192f5e4-1b2c-7d3e-8f40-123456789abc";
    let res = app
        .get("/healthz")
        .header("X-Request-Id", sent)
        .send()
        .await;
    assert_eq!(res.header("x-request-id"), sent);
    let res = app
        .get("/healthz")
        .header("X-Request-Id", "trace-abc-123")
        .send()
        .await;
    assert_ne!(res.header("x-request-id"), "trace-abc-123");
    // Anything unusual is replaced rather than echoed into logs and headers.
    let res = app
        .get("/healthz")
        .header("X-Request-Id", "a b\"c")
        .send()
        .await;
    assert_ne!(res.header("x-request-id"), "a b\"c");
}

#[actix_web::test]
async fn openapi_document_matches_the_committed_snapshot() {
    let app = TestApp::start(Backend::Sqlite).await;
    let res = app.get("/api/v1/openapi.json").send().await;
    res.assert_status(200);
    assert_eq!(res.json["openapi"].as_str().unwrap(), "3.1.0");
    insta::assert_json_snapshot!("openapi", res.json);
}

/// Every operation in the document is routed (no "no such endpoint"), and the contract's
/// endpoints are all documented. (The document is generated from the same route table the app
/// serves, `api::routes`.)
#[actix_web::test]
async fn openapi_lists_exactly_the_routed_endpoints() {
    let app = TestApp::start(Backend::Sqlite).await;
    let doc = app.get("/api/v1/openapi.json").send().await.json;
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path
            .replace("{id}", "0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b")
            .replace("{slug}", "conflict");
        for method in item.as_object().unwrap().keys() {
            operations += 1;
            let res = app.request(&method.to_uppercase(), &concrete).send().await;
            assert!(
                !(res.status == 404 && res.json["detail"] == "no such endpoint"),
                "{method} {path} is documented but not routed"
            );
            let op = &item[method];
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path} has no tag"
            );
        }
    }
    assert!(operations > 0);
    for (path, method) in [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users/me", "get"),
        ("/api/v1/theme-areas", "get"),
        ("/api/v1/municipalities", "get"),
        ("/api/v1/municipalities", "post"),
        ("/api/v1/privacy-notice", "get"),
        ("/api/v1/privacy-notice", "put"),
        ("/api/v1/councils", "post"),
        ("/api/v1/councils", "get"),
        ("/api/v1/councils/{id}", "get"),
        ("/api/v1/councils/{id}", "patch"),
        ("/api/v1/councils/{id}/seat-plan", "put"),
        ("/api/v1/councils/{id}/seats", "get"),
        ("/api/v1/councils/{id}/members", "get"),
        ("/api/v1/councils/{id}/coverage", "get"),
        ("/api/v1/councils/{id}/calls", "post"),
        ("/api/v1/calls", "get"),
        ("/api/v1/calls/{id}", "get"),
        ("/api/v1/calls/{id}", "patch"),
        ("/api/v1/calls/{id}/publish", "post"),
        ("/api/v1/calls/{id}/start-review", "post"),
    ] {
        assert!(
            paths.get(path).is_some_and(|p| p.get(method).is_some()),
            "{method} {path} is not documented"
        );
    }
    let res = app.get("/api/v1/not-an-endpoint").send().await;
    res.assert_problem(404);
    assert_eq!(res.json["detail"], "no such endpoint");
}

#[actix_web::test]
async fn api_docs_are_served_without_the_internet() {
    let app = TestApp::start(Backend::Sqlite).await;
    // The client follows the redirect from /docs to /docs/.
    let res = app.get("/docs").send().await;
    res.assert_status(200);
    assert!(res.text().contains("swagger-ui"));
    let index = app.get("/docs/").send().await;
    index.assert_status(200);
    let html = index.text();
    assert!(html.contains("swagger-ui"), "{html}");
    // Every script and stylesheet comes from this server.
    for attr in ["src=\"", "href=\""] {
        for reference in html.split(attr).skip(1) {
            let target = reference.split('"').next().unwrap();
            assert!(
                !target.starts_with("http") && !target.starts_with("//"),
                "external resource {target}"
            );
        }
    }
    let init = app.get("/docs/swagger-initializer.js").send().await;
    init.assert_status(200);
    assert!(init.text().contains("/api/v1/openapi.json"));
    for asset in ["swagger-ui-bundle.js", "swagger-ui.css"] {
        let res = app.get(&format!("/docs/{asset}")).send().await;
        res.assert_status(200);
        assert!(res.body.len() > 10_000, "{asset} is served");
    }
}

#[actix_web::test]
async fn problem_types_are_described() {
    let app = TestApp::start(Backend::Sqlite).await;
    let res = app.get("/problems/validation-failed").send().await;
    res.assert_status(200);
    assert!(res.text().starts_with("Invalid fields"));
    app.get("/problems/nonsense")
        .send()
        .await
        .assert_problem(404);
}
