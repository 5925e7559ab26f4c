//! The pages for people, over HTTP as a browser without JavaScript uses them: the headers every
//! page carries, the reader's language, the form refused and kept, cross-site posts refused, a
//! double submission, the links in the emails (receipt and outcome) exchanged for a session, and
//! the applicant's edit, withdrawal and confirmation. (The same journey in a real Chromium, with
//! axe-core, is `tests/browser`.)

use std::collections::BTreeMap;

use jane_seats::domain::access::Role;
use serde_json::{Value, json};

use crate::db_tests;
use crate::support::{TestApp, special_reason};

db_tests!(
    every_page_has_the_headers_and_the_readers_language,
    a_refused_form_is_shown_again_with_every_error_and_what_was_typed,
    a_form_posted_from_another_site_changes_nothing,
    a_double_submission_stores_one_application,
    the_receipts_link_opens_the_page_and_leaves_no_credential_behind,
    the_applicant_edits_and_withdraws_from_their_page,
    the_applicant_downloads_and_erases_their_data_from_their_page,
    a_selected_applicant_confirms_from_the_outcome_emails_link,
    page_paths_answer_405_and_unknown_paths_a_page,
);

/// A browser without JavaScript: no redirects followed, cookies kept by name and path.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    client: awc::Client,
    cookies: BTreeMap<(String, String), String>,
    language: &'a str,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    headers: awc::http::header::HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// The value of the hidden or text input named `name`.
    fn input(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\"");
        let at = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no input {name} in {}", self.body));
        let rest = &self.body[at..];
        let value = rest.find("value=\"").expect("a value") + 7;
        let end = rest[value..].find('"').unwrap();
        rest[value..value + end].replace("&amp;", "&")
    }

    fn title(&self) -> String {
        let start = self.body.find("<title>").unwrap() + 7;
        let end = self.body.find("</title>").unwrap();
        self.body[start..end].to_owned()
    }
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp, language: &'a str) -> Self {
        Self {
            app,
            client: awc::Client::builder().disable_redirects().finish(),
            cookies: BTreeMap::new(),
            language,
        }
    }

    fn cookie_header(&self, path: &str) -> String {
        self.cookies
            .iter()
            .filter(|((_, cookie_path), _)| path.starts_with(cookie_path.as_str()))
            .map(|((name, _), value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, headers: &awc::http::header::HeaderMap) {
        for value in headers.get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let cookie = actix_web::cookie::Cookie::parse(text.to_owned()).unwrap();
            let path = cookie.path().unwrap_or("/").to_owned();
            self.cookies
                .insert((cookie.name().to_owned(), path), cookie.value().to_owned());
        }
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        form: Option<String>,
        same_site: bool,
    ) -> Page {
        let url = self.app.url(path);
        let clean_path = path.split('?').next().unwrap().to_owned();
        let mut req = self
            .client
            .request(
                awc::http::Method::from_bytes(method.as_bytes()).unwrap(),
                url,
            )
            .insert_header(("Accept", "text/html"))
            .insert_header(("Accept-Language", self.language))
            .insert_header((
                "Sec-Fetch-Site",
                if same_site {
                    "same-origin"
                } else {
                    "cross-site"
                },
            ));
        let cookies = self.cookie_header(&clean_path);
        if !cookies.is_empty() {
            req = req.insert_header(("Cookie", cookies));
        }
        let mut res = match form {
            Some(body) => req
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .send_body(body)
                .await
                .unwrap(),
            None => req.send().await.unwrap(),
        };
        let body = String::from_utf8(res.body().limit(1 << 20).await.unwrap().to_vec()).unwrap();
        self.keep_cookies(res.headers());
        Page {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body,
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        self.send("GET", path, None, true).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send("POST", path, Some(body), true).await
    }
}

/// A local council with sports and culture seats and a call open from 1 to 28 February 2027.
struct Open {
    admin: String,
    secretary: String,
    jane: String,
    council: String,
    call: String,
}

async fn open_call(app: &TestApp) -> Open {
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
    Open {
        admin,
        secretary,
        jane,
        council,
        call,
    }
}

/// The application form's fields as a volunteer fills them in.
fn filled(business_id: &str, email: &str, gender: &str) -> Vec<(String, String)> {
    [
        ("association.name", "Ylämyllyn Kyläyhdistys ry"),
        ("association.business_id", business_id),
        ("association.register_number", ""),
        ("association.municipality_code", "426"),
        ("candidate.first_name", "Äijä"),
        ("candidate.last_name", "Öhman"),
        ("candidate.email", email),
        ("candidate.phone", "040 123 4567"),
        ("candidate.municipality_code", "426"),
        ("candidate.gender", gender),
        ("candidate.language", "fi"),
        ("theme", "sports"),
        ("role_preference", "either"),
        ("motivation", "Kylän liikuntaseurat\r\ntarvitsevat äänen."),
        ("commitments.has_time", "true"),
        ("commitments.will_liaise", "true"),
        ("consent.accepted", "true"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// Opens the form and posts `fields` with the form's hidden fields.
async fn apply(
    browser: &mut Browser<'_>,
    call: &str,
    fields: &[(String, String)],
) -> (Page, String) {
    let form = browser.get(&format!("/calls/{call}/apply")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let key = form.input("idempotency_key");
    let mut posted: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (token, notice) = (
        form.input("form_token"),
        form.input("consent.privacy_notice_version"),
    );
    posted.push(("form_token", &token));
    posted.push(("idempotency_key", &key));
    posted.push(("consent.privacy_notice_version", &notice));
    (
        browser.post(&format!("/calls/{call}/apply"), &posted).await,
        key,
    )
}

/// The link in the latest message to `recipient`.
async fn link_in_email(app: &TestApp, recipient: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Body {
        #[diesel(sql_type = diesel::sql_types::Text)]
        body_text: String,
    }
    let recipient = recipient.to_owned();
    let body = app
        .db
        .run(move |conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(
                "SELECT body_text FROM notifications WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
            )
            .bind::<diesel::sql_types::Text, _>(recipient)
            .get_result::<Body>(conn)?
            .body_text)
        })
        .await
        .unwrap();
    let start = body
        .find("https://jane.example.org/applications/")
        .expect("a link");
    let end = body[start..]
        .find(char::is_whitespace)
        .map_or(body.len(), |e| start + e);
    body[start..end]
        .trim_start_matches("https://jane.example.org")
        .to_owned()
}

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn every_page_has_the_headers_and_the_readers_language(app: TestApp) {
    let o = open_call(&app).await;
    let mut browser = Browser::new(&app, "fi");
    let css_path = {
        let home = browser.get("/").await;
        let at = home
            .body
            .find("/assets/site-")
            .unwrap_or_else(|| panic!("{} {}", home.status, home.body));
        let end = home.body[at..].find('"').unwrap();
        home.body[at..at + end].to_owned()
    };
    let css = browser.get(&css_path).await;
    assert_eq!(css.status, 200);
    assert!(css.header("cache-control").contains("immutable"));
    for path in [
        "/".to_owned(),
        format!("/calls/{}", o.call),
        format!("/calls/{}/apply", o.call),
        format!("/councils/{}", o.jane),
        format!("/councils/{}", o.council),
        "/privacy".to_owned(),
        "/accessibility".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
        assert_eq!(page.header("content-security-policy"), CSP, "{path}");
        assert_eq!(page.header("referrer-policy"), "no-referrer");
        assert_eq!(page.header("x-frame-options"), "DENY");
        assert_eq!(page.header("x-content-type-options"), "nosniff");
        assert_eq!(page.header("content-language"), "fi");
        assert!(
            page.body.starts_with("<!doctype html>\n<html lang=\"fi\">"),
            "{path}"
        );
        assert_eq!(page.body.matches("<h1").count(), 1, "{path}: one h1");
        assert!(page.body.contains("href=\"#main\""), "{path}: a skip link");
        assert!(!page.body.contains("<script"), "{path}: no script");
        assert!(!page.body.contains(" style="), "{path}: no inline style");
        assert!(
            page.body.len() + css.body.len() < 50_000,
            "{path}: {} bytes with its stylesheet",
            page.body.len() + css.body.len()
        );
        for attribute in ["href=\"http", "src=\"http"] {
            for at in page.body.match_indices(attribute).map(|(i, _)| i) {
                let url = &page.body[at..at + 60];
                assert!(
                    !url.contains("src="),
                    "{path}: a resource from elsewhere: {url}"
                );
            }
        }
    }
    // Swedish by choice, remembered; by the browser's language; English; Finnish by default.
    let sv = browser.get(&format!("/calls/{}?lang=sv", o.call)).await;
    assert!(sv.body.contains("<html lang=\"sv\">"));
    assert!(sv.body.contains("Öppen ansökan 2027"), "the Swedish title");
    assert!(sv.header("set-cookie").contains("jane_lang=sv"));
    let remembered = browser.get("/").await;
    assert_eq!(remembered.header("content-language"), "sv");
    assert!(
        remembered
            .body
            .contains("Öppna och kommande ansökningsomgångar")
    );
    for (accept, expected) in [
        ("sv-FI,sv;q=0.9,en;q=0.8", "sv"),
        ("de-DE, en;q=0.5", "en"),
        ("de", "fi"),
    ] {
        let mut fresh = Browser::new(&app, accept);
        let page = fresh.get(&format!("/calls/{}", o.call)).await;
        assert_eq!(page.header("content-language"), expected, "{accept}");
    }
    // The Finnish-only announcement is marked as Finnish on the Swedish page.
    assert!(sv.body.contains("<div class=\"announcement\" lang=\"fi\">"));
    // Dates as people write them, with the days left.
    let fi = browser.get(&format!("/calls/{}?lang=fi", o.call)).await;
    assert!(fi.body.contains("su 28.2.2027 klo 16.00"), "{}", fi.body);
    assert!(fi.body.contains("(18 päivän päästä)"), "{}", fi.body);
}

async fn a_refused_form_is_shown_again_with_every_error_and_what_was_typed(app: TestApp) {
    let o = open_call(&app).await;
    let mut browser = Browser::new(&app, "fi");
    let messages_before = app.count("notifications").await;
    let mut fields = filled("1234567-8", "aija@example.org", "woman");
    fields.retain(|(k, _)| k != "consent.accepted");
    let (page, _) = apply(&mut browser, &o.call, &fields).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.title().starts_with("Virhe: "), "{}", page.title());
    assert!(page.body.contains("Lomakkeessa on virheitä"));
    // One link per bad field, worded like the message beside the field.
    let message = "Kirjoita Y-tunnus muodossa 1234567-8.";
    assert!(page.body.contains(&format!(
        "<a href=\"#association-business_id\">{message}</a>"
    )));
    assert!(page.body.contains(&format!(
        "<p class=\"error-message\" id=\"association-business_id-error\"><span class=\"visually-hidden\">Virhe: </span>{message}</p>"
    )));
    assert!(page.body.contains(
        "aria-describedby=\"association-business_id-hint association-business_id-error\""
    ));
    assert!(page.body.contains("href=\"#consent-accepted\""));
    // Everything typed is kept, the line break of the motivation too.
    assert_eq!(page.input("association.business_id"), "1234567-8");
    assert_eq!(page.input("candidate.email"), "aija@example.org");
    assert!(
        page.body
            .contains(">Kylän liikuntaseurat\ntarvitsevat äänen.</textarea>")
    );
    assert!(page.body.contains("value=\"woman\" checked"));
    assert_eq!(app.count("applications").await, 0);
    assert_eq!(app.count("notifications").await, messages_before);
}

async fn a_form_posted_from_another_site_changes_nothing(app: TestApp) {
    let o = open_call(&app).await;
    let mut browser = Browser::new(&app, "fi");
    let form = browser.get(&format!("/calls/{}/apply", o.call)).await;
    let fields = filled("0112038-9", "aija@example.org", "woman");
    let mut posted: Vec<(String, String)> = fields.clone();
    posted.push(("form_token".into(), form.input("form_token")));
    posted.push(("consent.privacy_notice_version".into(), "1".into()));
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&posted)
        .finish();
    // Cross-site by the browser's own word.
    let res = browser
        .send(
            "POST",
            &format!("/calls/{}/apply", o.call),
            Some(body.clone()),
            false,
        )
        .await;
    assert_eq!(res.status, 403);
    // Same site, but without this browser's form token (another browser's page).
    let mut other = Browser::new(&app, "fi");
    let res = other
        .send(
            "POST",
            &format!("/calls/{}/apply", o.call),
            Some(body),
            true,
        )
        .await;
    assert_eq!(res.status, 403);
    assert!(res.body.contains("Lomakkeen lähetys ei onnistunut"));
    assert_eq!(app.count("applications").await, 0);
}

async fn a_double_submission_stores_one_application(app: TestApp) {
    let o = open_call(&app).await;
    let mut browser = Browser::new(&app, "fi");
    let messages_before = app.count("notifications").await;
    let fields = filled("0112038-9", "aija@example.org", "woman");
    let (first, key) = apply(&mut browser, &o.call, &fields).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let receipt = first.header("location");
    assert!(receipt.ends_with("/receipt"));
    // The same form sent again (a double tap, a reload after a lost answer).
    let form = browser.get(&format!("/calls/{}/apply", o.call)).await;
    let mut again: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let token = form.input("form_token");
    again.push(("form_token", &token));
    again.push(("idempotency_key", &key));
    again.push(("consent.privacy_notice_version", "1"));
    let second = browser
        .post(&format!("/calls/{}/apply", o.call), &again)
        .await;
    assert_eq!(second.status, 303);
    assert_eq!(second.header("location"), receipt);
    assert_eq!(app.count("applications").await, 1);
    assert_eq!(app.count("notifications").await, messages_before + 1);
    // The receipt: what happens next, the reference, and a second nominee of the association.
    let page = browser.get(&receipt).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Hakemus vastaanotettu"));
    assert!(page.body.contains("aija@example.org"));
    assert!(
        page.body
            .contains("name=\"association.business_id\" value=\"0112038-9\"")
    );
    // The second nominee's form comes with the association filled in.
    let query = format!(
        "/calls/{}/apply?association.name=Yl%C3%A4myllyn+Kyl%C3%A4yhdistys+ry&association.business_id=0112038-9&association.municipality_code=426&theme=sports",
        o.call
    );
    let second_form = browser.get(&query).await;
    assert_eq!(second_form.input("association.business_id"), "0112038-9");
    assert_eq!(second_form.input("candidate.email"), "");
}

async fn the_receipts_link_opens_the_page_and_leaves_no_credential_behind(app: TestApp) {
    let o = open_call(&app).await;
    let mut applicant = Browser::new(&app, "fi");
    let (stored, _) = apply(
        &mut applicant,
        &o.call,
        &filled("0112038-9", "aija@example.org", "woman"),
    )
    .await;
    assert_eq!(stored.status, 303);
    let id = stored
        .header("location")
        .split('/')
        .nth(2)
        .unwrap()
        .to_owned();
    let link = link_in_email(&app, "aija@example.org").await;
    assert!(
        link.starts_with(&format!("/applications/{id}?token=jsa_")),
        "{link}"
    );
    // On another device: the link starts a session and leads on to the clean address.
    let mut phone = Browser::new(&app, "fi");
    let exchanged = phone.get(&link).await;
    assert_eq!(exchanged.status, 303);
    assert_eq!(exchanged.header("location"), format!("/applications/{id}"));
    assert_eq!(exchanged.header("referrer-policy"), "no-referrer");
    assert_eq!(exchanged.header("cache-control"), "no-store");
    let cookie = exchanged.header("set-cookie");
    for part in [
        "jane_application=jsa_",
        "HttpOnly",
        "SameSite=Lax",
        &format!("Path=/applications/{id}"),
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let page = phone.get(&format!("/applications/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Hakemuksesi"));
    assert!(page.body.contains("Ylämyllyn Kyläyhdistys ry"));
    assert!(
        !page.body.contains("jsa_"),
        "the page does not show the credential"
    );
    // A wrong or missing credential opens nothing.
    let mut stranger = Browser::new(&app, "fi");
    let wrong = stranger
        .get(&format!("/applications/{id}?token=jsa_{}", "0".repeat(64)))
        .await;
    assert_eq!(wrong.status, 404);
    assert!(wrong.body.contains("Linkki ei toimi"));
    assert!(wrong.header("set-cookie").is_empty());
    assert_eq!(
        stranger.get(&format!("/applications/{id}")).await.status,
        404
    );
    // The session of one application does not open another.
    let (other, _) = apply(
        &mut phone,
        &o.call,
        &filled("2077474-0", "bo@example.org", "man"),
    )
    .await;
    let other_id = other
        .header("location")
        .split('/')
        .nth(2)
        .unwrap()
        .to_owned();
    let mut only_first = Browser::new(&app, "fi");
    only_first.get(&link).await;
    assert_eq!(
        only_first
            .get(&format!("/applications/{other_id}"))
            .await
            .status,
        404
    );
    let _ = o.admin;
}

async fn the_applicant_edits_and_withdraws_from_their_page(app: TestApp) {
    let o = open_call(&app).await;
    let mut browser = Browser::new(&app, "fi");
    let (stored, _) = apply(
        &mut browser,
        &o.call,
        &filled("0112038-9", "aija@example.org", "woman"),
    )
    .await;
    let id = stored
        .header("location")
        .split('/')
        .nth(2)
        .unwrap()
        .to_owned();
    let edit = browser.get(&format!("/applications/{id}/edit")).await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    assert_eq!(edit.input("candidate.first_name"), "Äijä");
    let version = edit.input("version");
    let token = edit.input("form_token");
    let mut fields: Vec<(String, String)> = filled("0112038-9", "aija@example.org", "woman")
        .into_iter()
        .filter(|(k, _)| !k.starts_with("commitments.") && !k.starts_with("consent."))
        .collect();
    for (k, v) in &mut fields {
        if k == "motivation" {
            *v = "Uusi perustelu.".into();
        }
    }
    let post = |version: String| {
        let mut f: Vec<(String, String)> = fields.clone();
        f.push(("form_token".into(), token.clone()));
        f.push(("version".into(), version));
        f
    };
    let as_refs = |f: &Vec<(String, String)>| {
        f.iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    let body = as_refs(&post(version.clone()));
    let refs: Vec<(&str, &str)> = body.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = browser
        .post(&format!("/applications/{id}/edit"), &refs)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        saved.header("location"),
        format!("/applications/{id}?done=saved")
    );
    let page = browser.get(&saved.header("location")).await;
    assert!(page.body.contains("Muutokset on tallennettu."));
    assert!(page.body.contains("Uusi perustelu."));
    // The same (now stale) version again: nothing is overwritten.
    let stale = browser
        .post(&format!("/applications/{id}/edit"), &refs)
        .await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("Hakemusta on muutettu sillä välin."));
    // Withdrawing asks once more, then withdraws.
    let step = browser.get(&format!("/applications/{id}/withdraw")).await;
    assert!(step.body.contains("Haluatko varmasti perua hakemuksesi?"));
    let token = step.input("form_token");
    let done = browser
        .post(
            &format!("/applications/{id}/withdraw"),
            &[("form_token", &token)],
        )
        .await;
    assert_eq!(done.status, 303);
    let page = browser.get(&done.header("location")).await;
    assert!(page.body.contains("Hakemus on peruttu."));
    assert!(page.body.contains("Peruttu"));
    let api = app
        .get(&format!("/api/v1/applications/{id}"))
        .token(&o.secretary)
        .send()
        .await;
    assert_eq!(api.json["status"], "withdrawn");
    assert_eq!(api.json["motivation"], "Uusi perustelu.");
}

async fn a_selected_applicant_confirms_from_the_outcome_emails_link(app: TestApp) {
    let o = open_call(&app).await;
    let mut browser = Browser::new(&app, "fi");
    for (bid, email, gender) in [
        ("0112038-9", "aija@example.org", "woman"),
        ("2077474-0", "bo@example.org", "man"),
    ] {
        let (stored, _) = apply(&mut browser, &o.call, &filled(bid, email, gender)).await;
        assert_eq!(stored.status, 303, "{}", stored.body);
    }
    let (member_id, member) = app.user(&o.admin, Role::Committee, &[&o.council]).await;
    app.put(&format!("/api/v1/calls/{}/committee", o.call))
        .token(&o.secretary)
        .json(json!({"user_ids": [member_id]}))
        .send()
        .await
        .assert_status(200);
    app.set_time("2027-03-01T12:00:00Z".parse().unwrap());
    app.post(&format!("/api/v1/calls/{}/start-review", o.call))
        .token(&o.secretary)
        .send()
        .await
        .assert_status(200);
    let listed = app
        .get(&format!("/api/v1/calls/{}/applications", o.call))
        .token(&o.secretary)
        .send()
        .await;
    for (i, a) in listed.json["items"].as_array().unwrap().iter().enumerate() {
        let n = 5 - i as i64;
        app.put(&format!("/api/v1/applications/{}/review", a["id"].as_str().unwrap()))
            .token(&member)
            .json(json!({"scores": {"activity": n, "liaison": n, "theme_knowledge": n, "local_knowledge": n}}))
            .send()
            .await
            .assert_status(200);
    }
    let run = app
        .post(&format!("/api/v1/calls/{}/selection-runs", o.call))
        .token(&o.secretary)
        .json(json!({"constraints": {"gender_balance": null}}))
        .send()
        .await;
    run.assert_status(201);
    app.post(&format!("/api/v1/calls/{}/decision", o.call))
        .token(&o.secretary)
        .json(
            json!({"selection_run_id": run.str("id"), "meeting_reference": "1/2027 § 3",
                     "quota_exception": special_reason()}),
        )
        .send()
        .await
        .assert_status(200);
    let link = link_in_email(&app, "aija@example.org").await;
    let mut phone = Browser::new(&app, "fi");
    let exchanged = phone.get(&link).await;
    assert_eq!(exchanged.status, 303, "{link}: {}", exchanged.body);
    let page = phone.get(&exchanged.header("location")).await;
    assert!(page.body.contains("Sinut on valittu"), "{}", page.body);
    assert!(page.body.contains("Vahvista tai peru paikka viimeistään"));
    let token = page.input("form_token");
    let id = exchanged
        .header("location")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let confirmed = phone
        .post(
            &format!("/applications/{id}/confirm"),
            &[("form_token", &token)],
        )
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let page = phone.get(&confirmed.header("location")).await;
    assert!(page.body.contains("Paikka on vahvistettu."));
    let seats = app
        .get(&format!("/api/v1/councils/{}/members", o.council))
        .send()
        .await;
    let mine = seats.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Äijä Öhman")
        .unwrap()
        .clone();
    assert_eq!(mine["confirmed"], Value::Bool(true));
    // The public composition page shows the member.
    let council = phone.get(&format!("/councils/{}", o.council)).await;
    assert!(council.body.contains("Äijä Öhman"));
}

async fn page_paths_answer_405_and_unknown_paths_a_page(app: TestApp) {
    let o = open_call(&app).await;
    let mut browser = Browser::new(&app, "fi");
    let res = browser
        .send("DELETE", &format!("/calls/{}", o.call), None, true)
        .await;
    assert_eq!(res.status, 405);
    assert_eq!(res.header("allow"), "GET");
    let res = browser
        .send("PUT", &format!("/calls/{}/apply", o.call), None, true)
        .await;
    assert_eq!(res.status, 405);
    assert_eq!(res.header("allow"), "GET, POST");
    let missing = browser.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.header("content-type").starts_with("text/html"));
    assert!(missing.body.contains("Sivua ei löytynyt"));
    let missing_call = browser
        .get("/calls/01900000-0000-7000-8000-000000000000")
        .await;
    assert_eq!(missing_call.status, 404);
    assert!(missing_call.body.contains("Sivua ei löytynyt"));
    // A draft is not public.
    let draft = app
        .draft_call(&o.secretary, &o.council, TestApp::call_body())
        .await
        .str("id");
    assert_eq!(browser.get(&format!("/calls/{draft}")).await.status, 404);
}

async fn the_applicant_downloads_and_erases_their_data_from_their_page(app: TestApp) {
    let o = open_call(&app).await;
    let mut browser = Browser::new(&app, "fi");
    let (stored, _) = apply(
        &mut browser,
        &o.call,
        &filled("0112038-9", "aija@example.org", "woman"),
    )
    .await;
    let id = stored
        .header("location")
        .split('/')
        .nth(2)
        .unwrap()
        .to_owned();
    let page = browser.get(&format!("/applications/{id}")).await;
    assert!(page.body.contains("Lataa tietosi (JSON)"), "{}", page.body);
    // The download: a JSON file of everything held, never cached, sent with no referrer.
    let file = browser
        .get(&format!("/applications/{id}/personal-data"))
        .await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert!(file.header("content-disposition").starts_with("attachment"));
    assert_eq!(file.header("cache-control"), "no-store");
    let document: serde_json::Value = serde_json::from_str(&file.body).unwrap();
    assert_eq!(
        document["applications"][0]["application"]["candidate"]["email"],
        "aija@example.org"
    );
    // Erasing asks once more; a post without the form token does nothing.
    let step = browser.get(&format!("/applications/{id}/erase")).await;
    assert!(step.body.contains("Haluatko varmasti poistaa tietosi?"));
    let forged = browser
        .post(&format!("/applications/{id}/erase"), &[("form_token", "x")])
        .await;
    assert_eq!(forged.status, 403);
    assert!(!app.columns_holding("aija@example.org").await.is_empty());
    let token = step.input("form_token");
    let done = browser
        .post(
            &format!("/applications/{id}/erase"),
            &[("form_token", &token)],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Tietosi on poistettu"));
    assert!(app.columns_holding("aija@example.org").await.is_empty());
    // The page is gone with the data.
    let gone = browser.get(&format!("/applications/{id}")).await;
    assert_ne!(gone.status, 200, "{}", gone.body);
}
