//! Load run: application submissions against the optimised server binary, and the storage floor.
//!
//!     cargo bench --bench load -- [--seconds 20] [--clients 50] [--backend sqlite|postgres|both]
//!
//! For each backend: a fresh database; the real `jane-seats` binary (built with the bench profile,
//! i.e. optimised) serving on loopback with its default settings, except that the rate limit and
//! the mail sender are off (the sender would compete for the same cores; the receipt is still
//! written to the outbox in each submission's transaction); `--clients` concurrent clients
//! submitting distinct applications for `--seconds` after a 2 s warm-up. Then, with the server
//! stopped, the storage floor: the same rows (an application and its receipt in one transaction)
//! inserted straight through diesel by as many threads as the server has pooled connections, for
//! the same time. PostgreSQL runs when BENCH_POSTGRES_URL or TEST_POSTGRES_URL names a server to
//! create a throw-away database in.

mod common;

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::RunQueryDsl;
use hdrhistogram::Histogram;
use jane_seats::config::Config;
use jane_seats::db::{DatabaseUrl, Db, PoolSettings};
use jane_seats::domain::application::{ApplicationStatus, Gender, RolePreference};
use jane_seats::domain::localized::Language;
use jane_seats::domain::notification::MessageKind;
use jane_seats::domain::theme::ThemeArea;
use jane_seats::ids::{ApplicationId, CallId};
use jane_seats::mail::context::MessageContext;
use jane_seats::mail::outbox::{self, Outgoing};
use jane_seats::mail::templates::Templates;
use jane_seats::store::applications::{self, Application, Association, Candidate};
use serde_json::{Value, json};

use common::{Database, Server, cpu_seconds, free_port, jane};

struct Options {
    seconds: u64,
    clients: usize,
    backends: Vec<&'static str>,
    /// Pooled connections of the server and of the storage floor; default: the shipped default.
    pool: u32,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let backends = match value("--backend").as_deref() {
        Some("sqlite") => vec!["sqlite"],
        Some("postgres") => vec!["postgres"],
        _ => vec!["sqlite", "postgres"],
    };
    Options {
        seconds: value("--seconds").map_or(20, |s| s.parse().expect("--seconds N")),
        clients: value("--clients").map_or(50, |s| s.parse().expect("--clients N")),
        backends,
        pool: value("--pool").map_or(Config::defaults().database.pool_size, |s| {
            s.parse().expect("--pool N")
        }),
    }
}

fn application(client: usize, n: u64) -> Value {
    let theme = ["sports", "culture", "villages_heritage"][(n % 3) as usize];
    json!({
        "association": {"name": format!("Kyläyhdistys {client} ry"), "business_id": "0112038-9",
                        "register_number": "123456", "municipality_code": "426"},
        "theme": theme,
        "role_preference": "either",
        "candidate": {"first_name": "Äijä", "last_name": format!("Öhman {client}-{n}"),
                      "email": format!("c{client}-{n}@example.org"), "phone": "040 123 4567",
                      "municipality_code": "426", "gender": if n.is_multiple_of(2) { "woman" } else { "man" }, "language": "fi"},
        "motivation": "Haluan tuoda kylien äänen kuuluviin ja viedä viestiä yhdistyksiin. 😊",
        "commitments": {"has_time": true, "will_liaise": true},
        "consent": {"privacy_notice_version": "1", "accepted": true},
    })
}

struct LoadResult {
    submissions: u64,
    errors: u64,
    elapsed: Duration,
    latency: Histogram<u64>,
    /// CPU seconds used while measuring, by the server and by this load generator.
    server_cpu: f64,
    client_cpu: f64,
}

/// What the clients of a phase do, each in a loop.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `POST /api/v1/calls/{id}/applications`, JSON with an `Idempotency-Key` (201).
    Json,
    /// `POST /calls/{id}/apply`, the page's form as a browser posts it: urlencoded, with the form
    /// token in its cookie and field, an idempotency key, fetch metadata (303 to the receipt).
    Form,
    /// `GET /calls/{id}`, the call's page (200).
    CallPage,
}

/// The form fields a browser posts for `application(client, n)`.
fn form_body(client: usize, n: u64) -> String {
    let document = application(client, n);
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (name, pointer) in [
        ("association.name", "/association/name"),
        ("association.business_id", "/association/business_id"),
        (
            "association.register_number",
            "/association/register_number",
        ),
        (
            "association.municipality_code",
            "/association/municipality_code",
        ),
        ("theme", "/theme"),
        ("role_preference", "/role_preference"),
        ("candidate.first_name", "/candidate/first_name"),
        ("candidate.last_name", "/candidate/last_name"),
        ("candidate.phone", "/candidate/phone"),
        (
            "candidate.municipality_code",
            "/candidate/municipality_code",
        ),
        ("candidate.gender", "/candidate/gender"),
        ("candidate.language", "/candidate/language"),
        ("motivation", "/motivation"),
    ] {
        form.append_pair(
            name,
            document.pointer(pointer).and_then(Value::as_str).unwrap(),
        );
    }
    form.append_pair("candidate.email", &format!("form{client}-{n}@example.org"))
        .append_pair("commitments.has_time", "true")
        .append_pair("commitments.will_liaise", "true")
        .append_pair("consent.accepted", "true")
        .append_pair("consent.privacy_notice_version", "1")
        .append_pair("form_token", &form_token(client))
        .append_pair(
            "idempotency_key",
            &format!("load-form-{client}-{n}-{}", std::process::id()),
        );
    form.finish()
}

fn form_token(client: usize) -> String {
    format!("loadrunformtoken{client:016}")
}

/// One phase: `options.clients` clients doing `mode` against `target` for `options.seconds`
/// after a 2 s warm-up.
async fn drive(
    client: &awc::Client,
    mode: Mode,
    target: String,
    options: &Options,
    server_pid: &str,
) -> LoadResult {
    let warmup = Duration::from_secs(2);
    let measure_from = Instant::now() + warmup;
    let stop_at = measure_from + Duration::from_secs(options.seconds);
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let cpu_marks = {
        let server_pid = server_pid.to_owned();
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep_until(measure_from.into()).await;
            let start = (cpu_seconds(&server_pid), cpu_seconds("self"));
            actix_web::rt::time::sleep_until(stop_at.into()).await;
            (
                cpu_seconds(&server_pid) - start.0,
                cpu_seconds("self") - start.1,
            )
        })
    };
    let tasks: Vec<_> = (0..options.clients)
        .map(|id| {
            let (client, target) = (client.clone(), target.clone());
            let (done, errors) = (done.clone(), errors.clone());
            actix_web::rt::spawn(async move {
                let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
                let mut n = 0u64;
                loop {
                    let sent = Instant::now();
                    if sent >= stop_at {
                        break;
                    }
                    n += 1;
                    let result = match mode {
                        // With an idempotency key, as the form always sends one.
                        Mode::Json => {
                            client
                                .post(&target)
                                .insert_header((
                                    "Idempotency-Key",
                                    format!("load-json-{id}-{n}-{}", std::process::id()),
                                ))
                                .send_json(&application(id, n))
                                .await
                        }
                        Mode::Form => {
                            client
                                .post(&target)
                                .insert_header(("Cookie", format!("jane_form={}", form_token(id))))
                                .insert_header(("Sec-Fetch-Site", "same-origin"))
                                .content_type("application/x-www-form-urlencoded")
                                .send_body(form_body(id, n))
                                .await
                        }
                        Mode::CallPage => client.get(&target).send().await,
                    };
                    let expected = match mode {
                        Mode::Json => 201,
                        Mode::Form => 303,
                        Mode::CallPage => 200,
                    };
                    let ok = match result {
                        Ok(mut res) => {
                            let body = res.body().limit(1 << 20).await.unwrap_or_default();
                            let ok = res.status().as_u16() == expected;
                            if !ok && id == 0 && n == 1 {
                                eprintln!(
                                    "unexpected {} from {target}: {}",
                                    res.status(),
                                    String::from_utf8_lossy(&body)
                                        .chars()
                                        .take(600)
                                        .collect::<String>()
                                );
                            }
                            ok
                        }
                        Err(_) => false,
                    };
                    if sent >= measure_from {
                        if ok {
                            latency.record(sent.elapsed().as_micros() as u64).unwrap();
                            done.fetch_add(1, Ordering::Relaxed);
                        } else {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                latency
            })
        })
        .collect();
    let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    for task in tasks {
        latency.add(task.await.unwrap()).unwrap();
    }
    let (server_cpu, client_cpu) = cpu_marks.await.unwrap();
    LoadResult {
        server_cpu,
        client_cpu,
        submissions: done.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        elapsed: Duration::from_secs(options.seconds),
        latency,
    }
}

/// Sets up a council and an open call through the API, then runs the phases: JSON submissions,
/// form submissions, the call's page.
fn load(db: &Database, options: &Options) -> Vec<LoadResult> {
    let admin = jane(db, options.pool)
        .args([
            "create-admin",
            "--email",
            "bench@example.org",
            "--name",
            "Bench",
        ])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert!(admin.status.success());
    let token = String::from_utf8(admin.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    let port = free_port();
    let log =
        std::fs::File::create(std::env::temp_dir().join(format!("jane-seats-bench-{port}.log")))
            .unwrap();
    let server = Server(
        jane(db, options.pool)
            .env("JANE_SEATS_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let server_pid = server.0.id().to_string();
    actix_web::rt::System::new().block_on(async move {
        // Redirects not followed: a stored form answers 303 to its receipt, as a browser sees it.
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .disable_redirects()
            .finish();
        for _ in 0..200 {
            if client.get(format!("http://127.0.0.1:{port}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        let post = |path: &str, body: Value| {
            let client = client.clone();
            let url = format!("{base}{path}");
            let token = token.clone();
            async move {
                let mut res = client.post(url).bearer_auth(token).send_json(&body).await.unwrap();
                let json: Value = res.json().limit(1 << 20).await.unwrap();
                assert!(res.status().is_success(), "{json}");
                json
            }
        };
        let council = post(
            "/councils",
            json!({"name": {"fi": "Liperin paikallis-JANE"}, "kind": "regional", "municipality_codes": ["426"]}),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut res = client
            .put(format!("{base}/councils/{council}/seat-plan"))
            .bearer_auth(&token)
            .send_json(&json!({"themes": [
                {"theme": "sports", "representatives": 1, "deputies": 1},
                {"theme": "culture", "representatives": 1, "deputies": 1},
                {"theme": "villages_heritage", "representatives": 1, "deputies": 1},
            ]}))
            .await
            .unwrap();
        let _ = res.body().await;
        let now = Utc::now();
        let call = post(
            &format!("/councils/{council}/calls"),
            json!({"title": {"fi": "Avoin haku"}, "announcement": {"fi": "Haemme jäseniä."},
                   "opens_at": (now - chrono::Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                   "closes_at": (now + chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                   "term_start": "2027-04-01", "term_end": "2029-03-31",
                   "contacts": [{"name": "Sanna", "email": "sanna@example.org"}]}),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        post(&format!("/calls/{call}/publish"), json!({})).await;
        let origin = format!("http://127.0.0.1:{port}");
        let mut results = Vec::new();
        for mode in [Mode::Json, Mode::Form, Mode::CallPage] {
            let target = match mode {
                Mode::Json => format!("{base}/calls/{call}/applications"),
                Mode::Form => format!("{origin}/calls/{call}/apply"),
                Mode::CallPage => format!("{origin}/calls/{call}"),
            };
            results.push(drive(&client, mode, target, options, &server_pid).await);
        }
        results
    })
}

/// The same rows as a submission writes (an application and its rendered receipt, in one write
/// transaction), straight through diesel, by as many threads as the pool has connections.
fn storage_floor(db: &Database, seconds: u64, pool: u32) -> (u64, Duration) {
    let config = Config::defaults();
    let db = Db::connect(
        &DatabaseUrl::parse(&db.url).unwrap(),
        PoolSettings {
            size: pool,
            connect_timeout: Duration::from_secs(10),
            sqlite_busy_timeout_ms: config.database.sqlite_busy_timeout_ms,
        },
    )
    .unwrap();
    let call: CallId = {
        let mut conn = db.conn().unwrap();
        diesel::sql_query("SELECT id FROM calls LIMIT 1")
            .load::<IdRow>(&mut conn)
            .unwrap()
            .remove(0)
            .id
    };
    let templates = Arc::new(Templates::new());
    let stop = Arc::new(AtomicBool::new(false));
    let rows = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..pool)
        .map(|t| {
            let (db, call, templates, stop, rows) = (
                db.clone(),
                call.clone(),
                templates.clone(),
                stop.clone(),
                rows.clone(),
            );
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let now = Utc::now();
                    let application = Application {
                        id: ApplicationId::new(),
                        call_id: call.clone(),
                        status: ApplicationStatus::Submitted,
                        theme: ThemeArea::Sports,
                        role_preference: RolePreference::Either,
                        association: Association {
                            name: "Kyläyhdistys ry".into(),
                            business_id: "0112038-9".into(),
                            register_number: Some("123.456".into()),
                            municipality_code: "426".into(),
                        },
                        candidate: Candidate {
                            first_name: "Äijä".into(),
                            last_name: "Öhman".into(),
                            email: format!("floor{t}-{n}@example.org"),
                            phone: "+358401234567".into(),
                            municipality_code: "426".into(),
                            gender: Gender::Woman,
                            language: Language::Fi,
                        },
                        motivation:
                            "Haluan tuoda kylien äänen kuuluviin ja viedä viestiä yhdistyksiin. 😊"
                                .into(),
                        privacy_notice_version: "1".into(),
                        consented_at: now,
                        edit_token_hash: jane_seats::tokens::digest(&jane_seats::tokens::generate(
                            "jsa_",
                        )),
                        version: 1,
                        submitted_at: now,
                        updated_at: now,
                        withdrawn_at: None,
                    };
                    // Rendered before the write lock, as the server does; only the rows are timed
                    // under the lock.
                    let receipt = outbox::prepare(
                        &mut db.conn().unwrap(),
                        &templates,
                        Outgoing {
                            language: Language::Fi,
                            recipient: &application.candidate.email,
                            call_id: Some(&call),
                            application_id: Some(application.id.as_str()),
                            user_id: None,
                            context: MessageContext::sample(
                                MessageKind::ApplicationReceived,
                                Language::Fi,
                            ),
                        },
                    )
                    .unwrap();
                    db.write_blocking(|conn| {
                        assert!(applications::insert(conn, &application)?);
                        outbox::insert(conn, &receipt, now)?;
                        Ok(())
                    })
                    .unwrap();
                    rows.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        thread.join().unwrap();
    }
    (rows.load(Ordering::Relaxed), started.elapsed())
}

#[derive(diesel::QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: CallId,
}

fn main() {
    let options = options();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "# load run: {} clients, {} s per phase after a 2 s warm-up, {} pooled connections, {cpus} CPUs\n",
        options.clients, options.seconds, options.pool
    );
    println!(
        "| backend | phase | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU µs/request | server / load-generator cores |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut summary = Vec::new();
    for backend in &options.backends {
        let Some(db) = Database::create(backend) else {
            println!(
                "| {backend} | skipped: set BENCH_POSTGRES_URL or TEST_POSTGRES_URL | | | | | | | | |"
            );
            continue;
        };
        let results = load(&db, &options);
        let rates: Vec<f64> = results
            .iter()
            .map(|r| r.submissions as f64 / r.elapsed.as_secs_f64())
            .collect();
        for ((phase, result), rate) in ["JSON submissions", "form submissions", "call page"]
            .iter()
            .zip(&results)
            .zip(&rates)
        {
            let ms = |q: f64| result.latency.value_at_quantile(q) as f64 / 1000.0;
            let secs = result.elapsed.as_secs_f64();
            println!(
                "| {backend} | {phase} | {rate:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {:.0} | {:.2} / {:.2} |",
                ms(0.5),
                ms(0.9),
                ms(0.99),
                result.latency.max() as f64 / 1000.0,
                result.errors,
                result.server_cpu * 1e6 / result.submissions.max(1) as f64,
                result.server_cpu / secs,
                result.client_cpu / secs,
            );
        }
        let (floor_rows, floor_time) = storage_floor(&db, options.seconds.min(10), options.pool);
        let floor = floor_rows as f64 / floor_time.as_secs_f64();
        summary.push(format!(
            "| {backend} | {:.2} | {floor:.0} | {:.2} |",
            rates[1] / rates[0],
            rates[0] / floor
        ));
    }
    println!("\n| backend | form / JSON submissions | storage floor rows/s | JSON / floor |");
    println!("| --- | --- | --- | --- |");
    for line in summary {
        println!("{line}");
    }
}
