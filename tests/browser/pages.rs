//! Every page, in Finnish and in Swedish, in a browser 320 px wide (the width of WCAG's reflow
//! criterion) with JavaScript on for axe-core:
//! - axe-core finds no violation of the WCAG 2.1 A and AA rules;
//! - the page does not scroll sideways;
//! - the page and its stylesheet are under 50 kB together;
//! - the page loads nothing from another origin (every address it would fetch, and every
//!   request the browser made, is the app's own).

use jane_seats::web::render::STYLESHEET;
use serde_json::json;

use crate::db_tests;
use crate::harness::{Browser, Mode, tools, with_browser};
use crate::scenario::{self, business_id};
use crate::support::TestApp;

db_tests!(every_page_passes_axe_reflows_weighs_little_and_loads_nothing_from_elsewhere);

/// The most a page and its stylesheet may weigh.
const PAGE_WEIGHT_LIMIT: u64 = 50_000;

/// A page to check: its name in the report, and its address (or `None` for the form showing
/// errors, reached by sending the empty form).
pub struct PageToCheck {
    pub name: &'static str,
    pub path: Option<String>,
}

/// An application of the open call, sent through the API, for the receipt and the applicant's
/// pages.
pub async fn apply_through_api(app: &TestApp, call: &str) -> String {
    let res = app
        .post(&format!("/api/v1/calls/{call}/applications"))
        .json(json!({
            "association": {"name": "Kiteen Kyläyhdistys ry", "business_id": business_id(40), "municipality_code": "260"},
            "theme": "villages_heritage",
            "role_preference": "either",
            "candidate": {"first_name": "Kaisa", "last_name": "Korhonen", "email": "kaisa@example.org",
                          "phone": "040 765 4321", "municipality_code": "260", "gender": "woman", "language": "fi"},
            "motivation": "Kylätoiminta on minulle tärkeää.\n\nHaluan viedä kylien ääntä JANEen.",
            "commitments": {"has_time": true, "will_liaise": true},
            "consent": {"privacy_notice_version": "1", "accepted": true},
        }))
        .send()
        .await;
    res.assert_status(201);
    res.str("id")
}

/// The site with a decided round and an open call, the browser holding the sessions of an
/// applicant of the open call and of a selected applicant of the decided one; returns every
/// page.
pub async fn every_page(app: &TestApp, b: &Browser) -> Vec<PageToCheck> {
    let site = scenario::site(app, true).await;
    let decided = site.decided.as_ref().unwrap();
    let mine = apply_through_api(app, &site.open_call).await;
    let selected = decided.selected().to_owned();
    for (id, kind) in [
        (mine.as_str(), "application_received"),
        (selected.as_str(), "selected_representative"),
    ] {
        b.goto(&scenario::email_link(app, id, kind).await).await;
        assert_eq!(b.path().await, format!("/applications/{id}"));
    }
    let open = &site.open_call;
    let page = |name, path: String| PageToCheck {
        name,
        path: Some(path),
    };
    vec![
        page("01-calls", "/".into()),
        page("02-call", format!("/calls/{open}")),
        page("03-form", format!("/calls/{open}/apply")),
        PageToCheck {
            name: "04-form-errors",
            path: None,
        },
        page("05-receipt", format!("/applications/{mine}/receipt")),
        page("06-application", format!("/applications/{mine}")),
        page("07-edit", format!("/applications/{mine}/edit")),
        page("08-withdraw", format!("/applications/{mine}/withdraw")),
        page("09-offer", format!("/applications/{selected}")),
        page("10-decline", format!("/applications/{selected}/decline")),
        page("11-decided-call", format!("/calls/{}", decided.call)),
        page("12-council-regional", format!("/councils/{}", site.jane)),
        page("13-council-local", format!("/councils/{}", site.liperi)),
        page("14-privacy", "/privacy".into()),
        page("15-accessibility", "/accessibility".into()),
        page("16-not-found", "/no-such-page".into()),
        page("17-erase", format!("/applications/{mine}/erase")),
    ]
}

/// Opens `page` in `lang`; for the form with errors, sends the empty form.
pub async fn open(b: &Browser, page: &PageToCheck, open_call_form: &str, lang: &str) {
    match &page.path {
        Some(path) => {
            let separator = if path.contains('?') { '&' } else { '?' };
            b.goto(&format!("{path}{separator}lang={lang}")).await;
        }
        None => {
            b.goto(&format!("{open_call_form}?lang={lang}")).await;
            b.click_to_next_page(&b.find("form[method=post] button[type=submit]").await)
                .await;
            assert!(
                b.exists(".error-summary").await,
                "the empty form was refused"
            );
        }
    }
    let html_lang = b.find("html").await.attr("lang").await.unwrap();
    assert_eq!(html_lang.as_deref(), Some(lang), "{}", page.name);
}

/// What is wrong with the page on screen: axe's violations, sideways scrolling, weight, and
/// addresses of other origins.
async fn problems(b: &Browser) -> Vec<String> {
    let mut found = Vec::new();
    for v in b.axe_violations().await {
        found.push(format!(
            "axe {} ({}): {}\n{}",
            v["id"].as_str().unwrap_or_default(),
            v["impact"].as_str().unwrap_or_default(),
            v["help"].as_str().unwrap_or_default(),
            v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| format!(
                    "    {}\n      {}\n      {}",
                    n["target"].as_str().unwrap_or_default(),
                    n["html"].as_str().unwrap_or_default(),
                    n["summary"]
                        .as_str()
                        .unwrap_or_default()
                        .replace('\n', "\n      ")
                ))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    let sizes = b
        .js(
            "return [document.documentElement.scrollWidth, window.innerWidth]",
            vec![],
        )
        .await;
    if sizes[0].as_u64() > sizes[1].as_u64() {
        found.push(format!(
            "scrolls sideways: {} px wide in a {} px window",
            sizes[0], sizes[1]
        ));
    }
    let loaded = b
        .js(
            r#"
            const nav = performance.getEntriesByType('navigation')[0];
            const here = location.origin;
            const addresses = [];
            for (const e of document.querySelectorAll('[src], [href], [action], [data], [poster], [srcset]')) {
                for (const name of ['src', 'href', 'action', 'data', 'poster', 'srcset']) {
                    const value = e.getAttribute(name);
                    // A link is followed only when the reader chooses to; it is no request.
                    if (value === null || (name === 'href' && (e.localName === 'a' || e.localName === 'area'))) continue;
                    addresses.push(new URL(value, location.href).href);
                }
            }
            const requests = performance.getEntriesByType('resource').map(r => r.name);
            return {
                html: Math.max(nav.transferSize, nav.decodedBodySize),
                elsewhere: addresses.concat(requests).filter(a => new URL(a).origin !== here),
                stylesheets: document.querySelectorAll('link[rel=stylesheet]').length,
                scripts: document.scripts.length,
            };
            "#,
            vec![],
        )
        .await;
    let weight = loaded["html"].as_u64().unwrap_or(u64::MAX) + STYLESHEET.len() as u64;
    if weight >= PAGE_WEIGHT_LIMIT {
        found.push(format!(
            "weighs {weight} bytes with its stylesheet (limit {PAGE_WEIGHT_LIMIT})"
        ));
    }
    if loaded["elsewhere"] != json!([]) {
        found.push(format!("loads from elsewhere: {}", loaded["elsewhere"]));
    }
    if loaded["stylesheets"] != json!(1) || loaded["scripts"] != json!(0) {
        found.push(format!("expected one stylesheet and no script: {loaded}"));
    }
    found
}

async fn every_page_passes_axe_reflows_weighs_little_and_loads_nothing_from_elsewhere(
    app: TestApp,
) {
    let Some(tools) = tools() else { return };
    // The stylesheet fetches nothing either.
    assert!(!STYLESHEET.contains("url(") && !STYLESHEET.contains("@import"));
    with_browser(&tools, &app.url("/"), Mode::NARROW_WITH_JS, async |b| {
        // axe-core sees what it should: an image without a text, a field without a label.
        b.goto_data("<!doctype html><html lang=fi><title>x</title><img src=a.png><input>")
            .await;
        let seen: Vec<_> = b
            .axe_violations()
            .await
            .iter()
            .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(
            seen.contains(&"image-alt".to_owned()) && seen.contains(&"label".to_owned()),
            "{seen:?}"
        );

        let pages = every_page(&app, b).await;
        let form = pages
            .iter()
            .find(|p| p.name == "03-form")
            .and_then(|p| p.path.clone())
            .unwrap();
        let mut report = Vec::new();
        for lang in ["fi", "sv"] {
            for page in &pages {
                open(b, page, &form, lang).await;
                for problem in problems(b).await {
                    report.push(format!(
                        "{} ({lang}, {}): {problem}",
                        page.name,
                        b.location().await
                    ));
                }
            }
        }
        assert!(
            report.is_empty(),
            "{} problems:\n{}",
            report.len(),
            report.join("\n")
        );
    })
    .await;
}
