//! Theme areas, municipalities and the privacy notice.

use jane_seats::domain::access::Role;
use serde_json::json;

use crate::db_tests;
use crate::support::TestApp;

db_tests!(
    theme_areas_are_the_contract_catalogue,
    north_karelia_ships_with_the_service,
    admins_add_municipalities,
    privacy_notice_versions,
);

async fn theme_areas_are_the_contract_catalogue(app: TestApp) {
    let res = app.get("/api/v1/theme-areas").send().await;
    res.assert_status(200);
    let list = res.json.as_array().unwrap();
    let codes: Vec<&str> = list.iter().map(|t| t["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "children_families_youth",
            "pensioners",
            "sports",
            "social_health",
            "culture",
            "villages_heritage",
            "hobbies",
            "environment_nature",
            "other"
        ]
    );
    for theme in list {
        for lang in ["fi", "sv", "en"] {
            assert!(!theme["name"][lang].as_str().unwrap().is_empty(), "{theme}");
        }
    }
    assert_eq!(list[5]["name"]["fi"], "Kylä- ja kotiseutuyhdistykset");
}

async fn north_karelia_ships_with_the_service(app: TestApp) {
    let res = app.get("/api/v1/municipalities?region=12").send().await;
    res.assert_status(200);
    let list = res.json.as_array().unwrap();
    let pairs: Vec<(&str, &str)> = list
        .iter()
        .map(|m| {
            (
                m["code"].as_str().unwrap(),
                m["name"]["fi"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("090", "Heinävesi"),
            ("146", "Ilomantsi"),
            ("167", "Joensuu"),
            ("176", "Juuka"),
            ("260", "Kitee"),
            ("276", "Kontiolahti"),
            ("309", "Outokumpu"),
            ("422", "Lieksa"),
            ("426", "Liperi"),
            ("541", "Nurmes"),
            ("607", "Polvijärvi"),
            ("707", "Rääkkylä"),
            ("848", "Tohmajärvi"),
        ]
    );
    assert!(list.iter().all(|m| m["region_code"] == "12"));
    assert_eq!(list[1]["name"]["sv"], "Ilomants");
    let other = app.get("/api/v1/municipalities?region=01").send().await;
    assert_eq!(other.json, json!([]));
    app.get("/api/v1/municipalities?region=north")
        .send()
        .await
        .assert_invalid_fields(&["region"]);
    app.get("/api/v1/municipalities?regio=12")
        .send()
        .await
        .assert_invalid_fields(&["regio"]);
}

async fn admins_add_municipalities(app: TestApp) {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&jane]).await;
    let body = json!({"code": "091", "name": {"fi": "Helsinki", "sv": "Helsingfors"}, "region_code": "01"});
    app.post("/api/v1/municipalities")
        .token(&secretary)
        .json(body.clone())
        .send()
        .await
        .assert_problem(403);
    app.post("/api/v1/municipalities")
        .json(body.clone())
        .send()
        .await
        .assert_problem(401);
    let res = app
        .post("/api/v1/municipalities")
        .token(&admin)
        .json(body.clone())
        .send()
        .await;
    res.assert_status(201);
    assert_eq!(res.json["name"]["sv"], "Helsingfors");
    let list = app.get("/api/v1/municipalities?region=01").send().await;
    assert_eq!(list.json[0]["code"], "091");
    let dup = app
        .post("/api/v1/municipalities")
        .token(&admin)
        .json(json!({"code": "091", "name": {"fi": "Toinen"}, "region_code": "01"}))
        .send()
        .await;
    dup.assert_problem(409);
    assert_eq!(
        app.get("/api/v1/municipalities?region=01")
            .send()
            .await
            .json[0]["name"]["fi"],
        "Helsinki"
    );
    let bad = app
        .post("/api/v1/municipalities")
        .token(&admin)
        .json(json!({"code": "91", "name": {"fi": ""}, "region_code": "1"}))
        .send()
        .await;
    bad.assert_invalid_fields(&["code", "name", "region_code"]);
    assert_eq!(app.count("municipalities").await, 14);
}

async fn privacy_notice_versions(app: TestApp) {
    let res = app.get("/api/v1/privacy-notice").send().await;
    res.assert_status(200);
    assert_eq!(res.json["version"], "1");
    for lang in ["fi", "sv", "en"] {
        assert!(
            res.json["text"][lang].as_str().unwrap().len() > 200,
            "{lang} notice"
        );
    }
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&jane]).await;
    let v2 = json!({"version": "2", "text": {"fi": "Uusi seloste", "en": "New notice"}});
    app.put("/api/v1/privacy-notice")
        .token(&secretary)
        .json(v2.clone())
        .send()
        .await
        .assert_problem(403);

    app.clock.advance(chrono::Duration::seconds(1));
    let res = app
        .put("/api/v1/privacy-notice")
        .token(&admin)
        .json(v2)
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.json["version"], "2");
    assert_eq!(
        app.get("/api/v1/privacy-notice").send().await.json["text"]["fi"],
        "Uusi seloste"
    );

    // A published version is never rewritten.
    app.clock.advance(chrono::Duration::seconds(1));
    let again = app
        .put("/api/v1/privacy-notice")
        .token(&admin)
        .json(json!({"version": "1", "text": {"fi": "Muutettu"}}))
        .send()
        .await;
    again.assert_problem(409);
    let current = app.get("/api/v1/privacy-notice").send().await;
    assert_eq!(current.json["version"], "2");
    let bad = app
        .put("/api/v1/privacy-notice")
        .token(&admin)
        .json(json!({"version": "three point oh", "text": {"sv": "x"}}))
        .send()
        .await;
    bad.assert_invalid_fields(&["text.fi", "version"]);
}
