//! The data the pages show, made through the JSON API as staff would: the regional JANE with two
//! paikallis-JANEs, an open call of JANE's, and (for the pages of a decided round) a call of the
//! Liperi paikallis-JANE taken to a decision, whose selected applicants have their outcome emails
//! with a link to their page.

use diesel::RunQueryDsl;
use jane_seats::domain::access::Role;
use serde_json::{Value, json};

use crate::support::TestApp;

/// The public address the test app writes into its emails (`support::test_config`).
const PUBLIC_URL: &str = "https://jane.example.org";

pub struct Site {
    pub jane: String,
    pub liperi: String,
    /// JANE's call, open until 30 April 2027.
    pub open_call: String,
    /// Liperi's call, decided on 1 March 2027, if asked for.
    pub decided: Option<Decided>,
}

pub struct Decided {
    pub call: String,
    /// The applications, in the order of `APPLICANTS`.
    pub applications: Vec<String>,
}

impl Decided {
    /// The sports representative (Aino Mäkelä, a woman, scored highest).
    pub fn selected(&self) -> &str {
        &self.applications[0]
    }
}

/// A valid Y-tunnus for association `n`.
pub fn business_id(n: u32) -> String {
    let digits = format!("{:07}", 1_000_000 + n * 7);
    let weights = [7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = digits
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    match sum % 11 {
        0 => format!("{digits}-0"),
        1 => business_id(n + 1000), // remainder 1 is never valid: take another number
        r => format!("{digits}-{}", 11 - r),
    }
}

/// Liperi's applicants: theme, first name, gender, score. Each theme gets a woman and a man, so
/// that every seat is filled within the 40 % rule.
const APPLICANTS: [(&str, &str, &str, i64); 4] = [
    ("sports", "Aino", "woman", 5),
    ("sports", "Bertil", "man", 4),
    ("culture", "Cecilia", "woman", 4),
    ("culture", "Daniel", "man", 5),
];

fn application(n: u32, theme: &str, first_name: &str, gender: &str) -> Value {
    json!({
        "association": {"name": format!("Liperin yhdistys {n} ry"), "business_id": business_id(n), "municipality_code": "426"},
        "theme": theme,
        "role_preference": "either",
        "candidate": {"first_name": first_name, "last_name": "Mäkelä", "email": format!("{}@example.org", first_name.to_lowercase()),
                      "phone": "040 123 4567", "municipality_code": "426", "gender": gender, "language": "fi"},
        "motivation": "Haluan viedä viestiä yhdistysten ja neuvottelukunnan välillä.",
        "commitments": {"has_time": true, "will_liaise": true},
        "consent": {"privacy_notice_version": "1", "accepted": true},
    })
}

async fn publish(app: &TestApp, token: &str, council: &str, body: Value) -> String {
    let call = app.draft_call(token, council, body).await.str("id");
    app.post(&format!("/api/v1/calls/{call}/publish"))
        .token(token)
        .send()
        .await
        .assert_status(200);
    call
}

/// JANE (all of North Karelia) with the Liperi and Joensuu paikallis-JANEs, JANE's call open
/// (the clock at 10 February 2027), and with `decided`, Liperi's call decided (the clock at
/// 1 March 2027, JANE's call still open).
pub async fn site(app: &TestApp, decided: bool) -> Site {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let liperi = app
        .local_council(&admin, &jane, "Liperin paikallis-JANE", &["426"])
        .await;
    app.local_council(&admin, &jane, "Joensuun paikallis-JANE", &["167"])
        .await;
    app.seat_plan(&admin, &jane, &["sports", "culture", "villages_heritage"])
        .await;
    let mut body = TestApp::call_body();
    body["title"] = json!({"fi": "JANEn avoin haku 2027", "sv": "JANE:s öppna ansökan 2027"});
    body["announcement"] = json!({
        "fi": "Pohjois-Karjalan järjestöasiain neuvottelukunta JANE hakee edustajia ja varaedustajia kaudelle 2027–2029.\n\nHakemuksen voi jättää yhdistys, joka toimii jossakin Pohjois-Karjalan kunnassa.",
        "sv": "Norra Karelens organisationsdelegation JANE söker representanter och ersättare för perioden 2027–2029.\n\nEn förening som verkar i någon kommun i Norra Karelen kan ansöka.",
    });
    body["criteria"] = json!([
        {"fi": "Kokemus järjestötoiminnasta", "sv": "Erfarenhet av föreningsverksamhet"},
        {"fi": "Teema-alueen tuntemus", "sv": "Kännedom om temaområdet"},
    ]);
    body["closes_at"] = json!("2027-04-30T16:00:00");
    let open_call = publish(app, &admin, &jane, body).await;

    let decided = if decided {
        let (_, secretary) = app.user(&admin, Role::Secretary, &[&liperi]).await;
        let (member_id, member) = app.user(&admin, Role::Committee, &[&liperi]).await;
        app.seat_plan(&secretary, &liperi, &["sports", "culture"])
            .await;
        let mut body = TestApp::call_body();
        body["title"] = json!({"fi": "Liperin paikallis-JANEn haku 2027"});
        let call = publish(app, &secretary, &liperi, body).await;
        app.set_time("2027-02-10T10:00:00Z".parse().unwrap());
        let mut applications = Vec::new();
        for (n, (theme, name, gender, _)) in (1..).zip(APPLICANTS) {
            let res = app
                .post(&format!("/api/v1/calls/{call}/applications"))
                .json(application(n, theme, name, gender))
                .send()
                .await;
            res.assert_status(201);
            applications.push(res.str("id"));
        }
        app.put(&format!("/api/v1/calls/{call}/committee"))
            .token(&secretary)
            .json(json!({ "user_ids": [member_id] }))
            .send()
            .await
            .assert_status(200);
        app.set_time("2027-03-01T08:00:00Z".parse().unwrap());
        app.post(&format!("/api/v1/calls/{call}/start-review"))
            .token(&secretary)
            .send()
            .await
            .assert_status(200);
        for (id, (.., score)) in applications.iter().zip(APPLICANTS) {
            app.put(&format!("/api/v1/applications/{id}/review"))
                .token(&member)
                .json(json!({"scores": {"activity": score, "liaison": score, "theme_knowledge": score, "local_knowledge": 3}}))
                .send()
                .await
                .assert_status(200);
        }
        let run = app
            .post(&format!("/api/v1/calls/{call}/selection-runs"))
            .token(&secretary)
            .json(json!({"constraints": {"max_seats_per_association": 1, "gender_balance": {"min_share": 0.4}, "max_seats_per_municipality": null}, "seed": "kevät 2027"}))
            .send()
            .await;
        run.assert_status(201);
        assert_eq!(run.json["unfilled"], json!([]), "{}", run.json);
        app.post(&format!("/api/v1/calls/{call}/decision"))
            .token(&secretary)
            .json(json!({
                "selection_run_id": run.json["id"],
                "meeting_reference": "Liperin paikallis-JANE 1/2027 § 4",
                "founding_meeting": {"time": "ti 16.3.2027 klo 17", "place": "Liperin kunnantalo"},
            }))
            .send()
            .await
            .assert_status(200);
        Some(Decided { call, applications })
    } else {
        app.set_time("2027-02-10T10:00:00Z".parse().unwrap());
        None
    };
    Site {
        jane,
        liperi,
        open_call,
        decided,
    }
}

/// The link (path and query, for the test server) in the newest message of `kind` about
/// `application`, read from the outbox before it is sent (sending removes the credential from
/// the stored copy).
pub async fn email_link(app: &TestApp, application: &str, kind: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Body {
        #[diesel(sql_type = diesel::sql_types::Text)]
        body_text: String,
    }
    // Both are ours (a UUID and a constant), so they can be written into the query.
    assert!(
        application
            .chars()
            .chain(kind.chars())
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    let query = format!(
        "SELECT body_text FROM notifications WHERE application_id = '{application}' \
         AND kind = '{kind}' ORDER BY created_at DESC"
    );
    let bodies = app
        .db
        .run(move |conn| Ok(diesel::sql_query(query).load::<Body>(conn)?))
        .await
        .unwrap();
    let body = &bodies
        .first()
        .unwrap_or_else(|| panic!("no {kind} message about {application}"))
        .body_text;
    let start = body
        .find(&format!("{PUBLIC_URL}/applications/"))
        .unwrap_or_else(|| panic!("no link in the {kind} message:\n{body}"));
    let link: String = body[start + PUBLIC_URL.len()..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '>' | ')' | '"' | '<'))
        .collect();
    assert!(link.contains("?token=jsa_"), "{link}");
    link
}
