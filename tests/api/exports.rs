//! The exports through the HTTP app: a call's applications, ranking and decision and a council's
//! composition, as CSV and as Excel workbooks read back with calamine. The two forms hold the same
//! rows; the workbook has real numbers and dates, a bold frozen header and text that never turns
//! into a formula; the decision carries its special reason; and only the managers get them.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{NaiveDate, NaiveDateTime, Timelike};
use jane_seats::domain::access::Role;
use serde_json::{Value, json};

use crate::db_tests;
use crate::support::{Resp, TestApp, special_reason};

db_tests!(
    the_meetings_exports_open_in_finnish_spreadsheets,
    the_decision_and_the_composition_are_exported,
);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

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

fn form(n: u32, first: &str, last: &str, motivation: &str) -> Value {
    json!({
        "association": {"name": format!("Kyläyhdistys {n} ry"), "business_id": business_id(n), "municipality_code": "426"},
        "theme": "sports",
        "role_preference": "either",
        "candidate": {"first_name": first, "last_name": last, "email": format!("h{n}@example.org"),
                      "phone": "040 123 4567", "municipality_code": "426", "gender": "man", "language": "fi"},
        "motivation": motivation,
        "commitments": {"has_time": true, "will_liaise": true},
        "consent": {"privacy_notice_version": "1", "accepted": true},
    })
}

struct Meeting {
    admin: String,
    secretary: String,
    member: String,
    council: String,
    call: String,
    /// (application id, edit token): Äänestäjä Öhman (best), Matti Meikäläinen, Pekka Pöllö.
    applications: Vec<(String, String)>,
}

/// A sports call of three men, reviewed by the one committee member (Äänestäjä best, then Matti,
/// then Pekka) and in review; the council also has culture seats, which stay vacant.
async fn meeting(app: &TestApp) -> Meeting {
    let admin = app.admin().await;
    let jane = app.regional_council(&admin).await;
    let council = app
        .local_council(&admin, &jane, "Liperin paikallis-JANE", &["426"])
        .await;
    let (_, secretary) = app.user(&admin, Role::Secretary, &[&council]).await;
    let (member_id, member) = app.user(&admin, Role::Committee, &[&council]).await;
    app.seat_plan(&secretary, &council, &["sports", "culture"])
        .await;
    let mut body = TestApp::call_body();
    body["themes"] = json!(["sports"]);
    let call = app.draft_call(&secretary, &council, body).await.str("id");
    app.post(&format!("/api/v1/calls/{call}/publish"))
        .token(&secretary)
        .send()
        .await
        .assert_status(200);
    app.set_time("2027-02-10T12:00:00Z".parse().unwrap());
    let forms = [
        form(1, "Äänestäjä", "Öhman", "=1+1"),
        form(2, "Matti", "Meikäläinen", "Haluan mukaan."),
        form(3, "Pekka", "Pöllö", "Liikunta on lähellä sydäntä."),
    ];
    let mut applications = Vec::new();
    for form in forms {
        let res = app
            .post(&format!("/api/v1/calls/{call}/applications"))
            .json(form)
            .send()
            .await;
        res.assert_status(201);
        applications.push((res.str("id"), res.str("edit_token")));
    }
    app.put(&format!("/api/v1/calls/{call}/committee"))
        .token(&secretary)
        .json(json!({ "user_ids": [member_id] }))
        .send()
        .await
        .assert_status(200);
    app.set_time("2027-03-01T12:00:00Z".parse().unwrap());
    app.post(&format!("/api/v1/calls/{call}/start-review"))
        .token(&secretary)
        .send()
        .await
        .assert_status(200);
    for ((id, _), score) in applications.iter().zip([5, 4, 2]) {
        app.put(&format!("/api/v1/applications/{id}/review"))
            .token(&member)
            .json(json!({"scores": {"activity": score, "liaison": score, "theme_knowledge": 3, "local_knowledge": 3}}))
            .send()
            .await
            .assert_status(200);
    }
    Meeting {
        admin,
        secretary,
        member,
        council,
        call,
        applications,
    }
}

/// A workbook response: its one sheet's name and cells, after checking the response's headers
/// and that no cell of it holds a formula.
fn workbook(res: &Resp, file: &str) -> (String, Vec<Vec<Data>>) {
    res.assert_status(200);
    assert_eq!(res.header("content-type"), XLSX);
    assert_eq!(
        res.header("content-disposition"),
        format!("attachment; filename=\"{file}\"")
    );
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(res.body.clone())).unwrap();
    let names = book.sheet_names();
    assert_eq!(names.len(), 1, "{names:?}");
    let name = names[0].clone();
    let formulas = book.worksheet_formula(&name).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formulas in {file}"
    );
    let range = book.worksheet_range(&name).unwrap();
    let rows = range.rows().map(<[Data]>::to_vec).collect();
    (name, rows)
}

/// A part of the workbook's zip file, as text.
fn part(res: &Resp, path: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(res.body.clone())).unwrap();
    let mut text = String::new();
    zip.by_name(path)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn column(rows: &[Vec<Data>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|c| *c == Data::String(name.into()))
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]))
}

fn row_of<'a>(rows: &'a [Vec<Data>], first_name: &str) -> &'a [Data] {
    let col = column(rows, "first_name");
    rows.iter()
        .find(|r| r[col] == Data::String(first_name.into()))
        .unwrap_or_else(|| panic!("no row of {first_name}"))
}

fn text(value: &str) -> Data {
    Data::String(value.into())
}

/// Excel's serial number of a wall-clock time (days since 30 Dec 1899).
fn serial(local: &str) -> f64 {
    let t = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    (t.date() - epoch).num_days() as f64 + f64::from(t.time().num_seconds_from_midnight()) / 86400.0
}

#[track_caller]
fn assert_time(cell: &Data, local: &str) {
    let Data::DateTime(t) = cell else {
        panic!("{cell:?} is not a date cell");
    };
    assert!(
        (t.as_f64() - serial(local)).abs() < 1e-6,
        "{} is not {local}",
        t.as_f64()
    );
}

/// A CSV response with a byte-order mark, as rows of cells.
fn csv_rows(res: &Resp, delimiter: u8) -> Vec<Vec<String>> {
    res.assert_status(200);
    assert_eq!(res.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(&res.body[..3], &[0xEF, 0xBB, 0xBF]);
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(&res.body[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The workbook and the CSV hold the same header and rows: text alike (the CSV's formula-looking
/// text behind an apostrophe), numbers equal to the CSV's four decimals.
#[track_caller]
fn assert_same_rows(xlsx: &[Vec<Data>], csv: &[Vec<String>], decimal_comma: bool) {
    assert_eq!(xlsx.len(), csv.len(), "as many rows");
    for (x, c) in xlsx.iter().zip(csv) {
        assert_eq!(x.len(), c.len(), "as many columns: {x:?} {c:?}");
        for (cell, csv_cell) in x.iter().zip(c) {
            match cell {
                Data::String(s) => assert!(
                    csv_cell == s || *csv_cell == format!("'{s}"),
                    "{s:?} against {csv_cell:?}"
                ),
                Data::Empty => assert_eq!(csv_cell, ""),
                Data::Float(f) => {
                    let parsed: f64 = if decimal_comma {
                        // A number, negative ones too, has no apostrophe: `-0,7071`.
                        assert!(!csv_cell.starts_with('\''), "{csv_cell}");
                        csv_cell.replace(',', ".").parse().unwrap()
                    } else {
                        csv_cell.parse().unwrap()
                    };
                    assert!((f - parsed).abs() < 1e-4, "{f} against {csv_cell}");
                }
                Data::Int(n) => assert_eq!(csv_cell, &n.to_string()),
                // Instants: RFC 3339 in UTC in the CSV, checked on their own.
                Data::DateTime(_) => assert!(csv_cell.ends_with('Z') || csv_cell.len() == 10),
                other => panic!("unexpected cell {other:?}"),
            }
        }
    }
}

async fn the_meetings_exports_open_in_finnish_spreadsheets(app: TestApp) {
    let m = meeting(&app).await;
    let get = |path: &str, token: &str| {
        app.get(&format!("/api/v1/calls/{}/{path}", m.call))
            .token(token)
            .send()
    };

    let res = get("applications.xlsx", &m.secretary).await;
    let (sheet, rows) = workbook(&res, "applications.xlsx");
    assert_eq!(sheet, "Applications");
    assert_eq!(rows.len(), 4, "a header and three applications");
    assert_eq!(rows[0][0], text("id"));
    assert_eq!(rows[0][16], text("submitted_at"));
    let first = row_of(&rows, "Äänestäjä");
    assert_eq!(first[column(&rows, "id")], text(&m.applications[0].0));
    assert_eq!(first[column(&rows, "last_name")], text("Öhman"));
    assert_eq!(
        first[column(&rows, "association")],
        text("Kyläyhdistys 1 ry")
    );
    // Formula-looking text stays text.
    assert_eq!(first[column(&rows, "motivation")], text("=1+1"));
    // Submitted at 12:00 UTC: 14:00 in Helsinki, as a date cell.
    assert_time(&first[column(&rows, "submitted_at")], "2027-02-10 14:00");
    assert_eq!(first[column(&rows, "register_number")], Data::Empty);
    // The header row is bold and frozen; the columns are fitted to their contents.
    let sheet_xml = part(&res, "xl/worksheets/sheet1.xml");
    assert!(sheet_xml.contains("ySplit=\"1\""), "{sheet_xml}");
    assert!(sheet_xml.contains("state=\"frozen\""), "{sheet_xml}");
    assert!(
        sheet_xml.contains("<col "),
        "autofitted widths: {sheet_xml}"
    );
    assert!(!sheet_xml.contains("<f>"), "no formulas");
    assert!(part(&res, "xl/styles.xml").contains("<b/>"));
    assert!(part(&res, "xl/styles.xml").contains("d.m.yyyy h:mm"));

    // The CSV holds the same rows, the formula defused.
    let csv = get("applications.csv", &m.secretary).await;
    let csv_text = csv_rows(&csv, b',');
    assert_same_rows(&rows, &csv_text, false);
    let line = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    assert!(
        line.contains(&format!(
            "{},submitted,sports,either,Kyläyhdistys 1 ry,{},,426,Äänestäjä,Öhman,h1@example.org,",
            m.applications[0].0,
            business_id(1)
        )),
        "{line}"
    );
    assert!(line.contains(",'=1+1,2027-02-10T12:00:00Z\r\n"), "{line}");

    // The ranking: rank, review count and scores are numbers, equal to the JSON ranking's.
    let res = get("ranking.xlsx", &m.secretary).await;
    let (sheet, rows) = workbook(&res, "ranking.xlsx");
    assert_eq!(sheet, "Ranking");
    assert_eq!(rows.len(), 4);
    let ranking = get("ranking", &m.secretary).await;
    ranking.assert_status(200);
    let best = &ranking.json["themes"][0]["entries"][0];
    assert_eq!(best["candidate"]["first_name"], "Äänestäjä");
    let first = row_of(&rows, "Äänestäjä");
    assert_eq!(first[column(&rows, "rank")], Data::Float(1.0));
    assert_eq!(first[column(&rows, "reviews")], Data::Float(1.0));
    assert_eq!(first[column(&rows, "tied")], text("no"));
    for key in ["weighted_mean", "median", "normalized"] {
        let Data::Float(value) = first[column(&rows, key)] else {
            panic!("{key} is not a number: {:?}", first[column(&rows, key)]);
        };
        let expected = best[key].as_f64().unwrap();
        assert!((value - expected).abs() < 1e-9, "{key}: {value} {expected}");
    }
    assert!(part(&res, "xl/styles.xml").contains("0.0000"));
    // A Finnish spreadsheet's CSV: semicolons and decimal commas, the same rows.
    let csv = get("ranking.csv?delimiter=semicolon", &m.secretary).await;
    let csv_text = csv_rows(&csv, b';');
    assert_same_rows(&rows, &csv_text, true);
    let weighted = column(&rows, "weighted_mean");
    let expected = format!("{:.4}", best["weighted_mean"].as_f64().unwrap()).replace('.', ",");
    assert_eq!(csv_text[1][weighted], expected);

    // Only the call's managers: the committee member is refused, as is a stranger.
    for path in ["applications.xlsx", "ranking.xlsx"] {
        get(path, &m.member).await.assert_problem(403);
        app.get(&format!("/api/v1/calls/{}/{path}", m.call))
            .send()
            .await
            .assert_problem(401);
    }
    get("applications.xlsx", &m.admin).await.assert_status(200);
    app.get(&format!(
        "/api/v1/calls/{}/applications.xlsx",
        "01900000-0000-7000-8000-000000000000"
    ))
    .token(&m.secretary)
    .send()
    .await
    .assert_problem(404);
}

async fn the_decision_and_the_composition_are_exported(app: TestApp) {
    let m = meeting(&app).await;
    let get = |path: &str, token: &str| {
        app.get(&format!("/api/v1/calls/{}/{path}", m.call))
            .token(token)
            .send()
    };
    // Nothing to export before the decision.
    for path in ["decision.csv", "decision.xlsx"] {
        let res = get(path, &m.secretary).await;
        res.assert_problem(409);
        assert!(res.json["detail"].as_str().unwrap().contains("not decided"));
        get(path, &m.member).await.assert_problem(403);
    }
    // A run without the balance rule; the meeting gives the deputy seat to Pekka instead.
    let run = app
        .post(&format!("/api/v1/calls/{}/selection-runs", m.call))
        .token(&m.secretary)
        .json(json!({"constraints": {"gender_balance": null}}))
        .send()
        .await;
    run.assert_status(201);
    let deputy = run.json["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == "deputy")
        .unwrap()["seat_id"]
        .clone();
    app.set_time("2027-03-05T15:30:00Z".parse().unwrap());
    let decided = app
        .post(&format!("/api/v1/calls/{}/decision", m.call))
        .token(&m.secretary)
        .json(
            json!({"selection_run_id": run.json["id"], "meeting_reference": "JANE 1/2027 § 5",
                     "overrides": [{"seat_id": deputy, "application_id": m.applications[2].0,
                                    "reason": "Kokous painotti paikallistuntemusta."}],
                     "quota_exception": special_reason()}),
        )
        .send()
        .await;
    decided.assert_status(200);
    the_decision_is_exported(&app, &m).await;
    // The representative confirms; the culture seats stay vacant.
    app.post(&format!(
        "/api/v1/applications/{}/confirm",
        m.applications[0].0
    ))
    .token(&m.applications[0].1)
    .send()
    .await
    .assert_status(200);
    the_composition_is_exported(&app, &m).await;
}

/// The decision's exports: the two seats it filled, one by the run and one by an override.
async fn the_decision_is_exported(app: &TestApp, m: &Meeting) {
    let get = |path: &str, token: &str| {
        app.get(&format!("/api/v1/calls/{}/{path}", m.call))
            .token(token)
            .send()
    };
    let res = get("decision.xlsx", &m.secretary).await;
    let (sheet, rows) = workbook(&res, "decision.xlsx");
    assert_eq!(sheet, "Decision");
    assert_eq!(rows.len(), 3, "a header and the two seats: {rows:?}");
    assert_eq!(rows[0][0], text("theme"));
    let representative = row_of(&rows, "Äänestäjä");
    assert_eq!(
        representative[column(&rows, "role")],
        text("representative")
    );
    assert_eq!(representative[column(&rows, "last_name")], text("Öhman"));
    assert_eq!(
        representative[column(&rows, "business_id")],
        text(&business_id(1))
    );
    assert_eq!(
        representative[column(&rows, "association_municipality")],
        text("426")
    );
    assert_eq!(representative[column(&rows, "gender")], text("man"));
    assert_eq!(representative[column(&rows, "filled_by")], text("run"));
    assert_eq!(
        representative[column(&rows, "override_reason")],
        Data::Empty
    );
    assert_eq!(
        representative[column(&rows, "offer_status")],
        text("offered")
    );
    let overridden = row_of(&rows, "Pekka");
    assert_eq!(overridden[column(&rows, "role")], text("deputy"));
    assert_eq!(overridden[column(&rows, "filled_by")], text("override"));
    assert_eq!(
        overridden[column(&rows, "override_reason")],
        text("Kokous painotti paikallistuntemusta.")
    );
    let reason = special_reason();
    for row in &rows[1..] {
        assert_eq!(
            row[column(&rows, "meeting_reference")],
            text("JANE 1/2027 § 5")
        );
        // Decided at 15:30 UTC: 17:30 in Helsinki.
        assert_time(&row[column(&rows, "decided_at")], "2027-03-05 17:30");
        assert_eq!(
            row[column(&rows, "quota_exception_reason")],
            text(reason["reason"].as_str().unwrap())
        );
        assert_eq!(
            row[column(&rows, "quota_exception_measures")],
            text(reason["measures"].as_str().unwrap())
        );
    }
    let csv = get("decision.csv?delimiter=semicolon", &m.secretary).await;
    let csv_text = csv_rows(&csv, b';');
    assert_same_rows(&rows, &csv_text, true);
    assert_eq!(
        csv_text[0].join(";"),
        "theme;role;first_name;last_name;association;business_id;association_municipality;gender;\
         filled_by;override_reason;offer_status;meeting_reference;decided_at;\
         quota_exception_reason;quota_exception_measures"
    );
    let line = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    assert!(
        line.contains(";2027-03-05T15:30:00Z;Teema-alueelle haki vain miehiä.;"),
        "{line}"
    );
    get("decision.xlsx", &m.member).await.assert_problem(403);
}

/// The council's composition once the representative confirmed.
async fn the_composition_is_exported(app: &TestApp, m: &Meeting) {
    let composition = |token: &str| {
        app.get(&format!("/api/v1/councils/{}/composition.xlsx", m.council))
            .token(token)
            .send()
    };
    let res = composition(&m.secretary).await;
    let (sheet, rows) = workbook(&res, "composition.xlsx");
    assert_eq!(sheet, "Composition");
    assert_eq!(
        rows[0],
        [
            "theme",
            "role",
            "status",
            "holder",
            "association",
            "term_start",
            "term_end"
        ]
        .map(text)
        .to_vec()
    );
    assert_eq!(rows.len(), 5, "a header and four seats: {rows:?}");
    let seat = |theme: &str, role: &str| {
        rows.iter()
            .find(|r| r[0] == text(theme) && r[1] == text(role))
            .unwrap_or_else(|| panic!("no {theme} {role} in {rows:?}"))
    };
    let representative = seat("sports", "representative");
    assert_eq!(representative[2], text("confirmed"));
    assert_eq!(representative[3], text("Äänestäjä Öhman"));
    assert_eq!(representative[4], text("Kyläyhdistys 1 ry"));
    assert_time(&representative[5], "2027-04-01 00:00");
    assert_time(&representative[6], "2029-03-31 00:00");
    let deputy = seat("sports", "deputy");
    assert_eq!(deputy[2], text("offered"));
    assert_eq!(deputy[3], text("Pekka Pöllö"));
    let vacant = seat("culture", "deputy");
    assert_eq!(vacant[2], text("vacant"));
    assert_eq!(
        vacant[3..],
        [Data::Empty, Data::Empty, Data::Empty, Data::Empty]
    );
    assert!(part(&res, "xl/styles.xml").contains("d.m.yyyy"));
    let csv = app
        .get(&format!(
            "/api/v1/councils/{}/composition.csv?delimiter=semicolon",
            m.council
        ))
        .token(&m.secretary)
        .send()
        .await;
    let csv_text = csv_rows(&csv, b';');
    assert_same_rows(&rows, &csv_text, true);
    assert!(
        csv_text.contains(
            &[
                "sports",
                "representative",
                "confirmed",
                "Äänestäjä Öhman",
                "Kyläyhdistys 1 ry",
                "2027-04-01",
                "2029-03-31"
            ]
            .map(str::to_owned)
            .to_vec()
        ),
        "{csv_text:?}"
    );

    // The council's managers only: its secretary and an admin; not its committee member, nor the
    // secretary of another council.
    composition(&m.admin).await.assert_status(200);
    composition(&m.member).await.assert_problem(403);
    let elsewhere = app
        .post("/api/v1/councils")
        .token(&m.admin)
        .json(
            json!({"name": {"fi": "Muu JANE"}, "kind": "regional", "municipality_codes": ["167"]}),
        )
        .send()
        .await
        .str("id");
    let (_, stranger) = app.user(&m.admin, Role::Secretary, &[&elsewhere]).await;
    composition(&stranger).await.assert_problem(403);
    app.get(&format!("/api/v1/calls/{}/decision.xlsx", m.call))
        .token(&stranger)
        .send()
        .await
        .assert_problem(403);
    app.get(&format!("/api/v1/councils/{}/composition.csv", m.council))
        .send()
        .await
        .assert_problem(401);
    app.get("/api/v1/councils/01900000-0000-7000-8000-000000000000/composition.xlsx")
        .token(&m.admin)
        .send()
        .await
        .assert_problem(404);
}
