//! Lists at any size: a page of 50 of a call's 100 and of its 10,000 applications, the ranking and
//! both CSV exports at 10,000, against the optimised server binary, on both backends in one run;
//! and the server's resident memory idle, after the setup, and at its peak.
//!
//!     cargo bench --bench lists -- [--seconds 10] [--clients 8] [--backend sqlite|postgres|both]
//!
//! For each backend: a fresh database; the real `jane-seats` binary (bench profile) on loopback,
//! with the rate limit and the mail sender off. A council with two calls; 100 and 10,000
//! applications written straight through the store (as submissions would write them), every one
//! reviewed through the API by one committee member, the review started. Then, for `--seconds`
//! each after a 1 s warm-up, `--clients` concurrent clients repeat one request: the first page of
//! 50 of each call, a page from the middle of the large call (cursor at its 5,000th application),
//! the ranking (4 clients: it is the whole call), and the two CSVs (2 clients). PostgreSQL runs
//! when BENCH_POSTGRES_URL or TEST_POSTGRES_URL names a server to create a throw-away database in.

mod common;

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use hdrhistogram::Histogram;
use jane_seats::config::Config;
use jane_seats::db::{DatabaseUrl, Db, PoolSettings};
use jane_seats::domain::application::{ApplicationStatus, Gender, RolePreference};
use jane_seats::domain::localized::Language;
use jane_seats::domain::theme::ThemeArea;
use jane_seats::ids::{ApplicationId, CallId};
use jane_seats::store::applications::{self, Application, Association, Candidate};
use serde_json::{Value, json};

use common::{Database, Server, free_port, jane, memory_mib};

struct Options {
    seconds: u64,
    clients: usize,
    backends: Vec<&'static str>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    Options {
        seconds: value("--seconds").map_or(10, |s| s.parse().expect("--seconds N")),
        clients: value("--clients").map_or(8, |s| s.parse().expect("--clients N")),
        backends: match value("--backend").as_deref() {
            Some("sqlite") => vec!["sqlite"],
            Some("postgres") => vec!["postgres"],
            _ => vec!["sqlite", "postgres"],
        },
    }
}

const THEMES: [ThemeArea; 3] = [
    ThemeArea::Sports,
    ThemeArea::Culture,
    ThemeArea::VillagesHeritage,
];

/// `n` submitted applications of `call`, written as a submission writes them (without the
/// receipt, which the lists do not read), in one transaction per 500.
fn applications(db: &Db, call: &CallId, n: usize) -> Vec<ApplicationId> {
    let mut ids = Vec::with_capacity(n);
    let now = Utc::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let batch: Vec<Application> = chunk
            .iter()
            .map(|&k| Application {
                id: ApplicationId::new(),
                call_id: call.clone(),
                status: ApplicationStatus::Submitted,
                theme: THEMES[k % 3],
                role_preference: RolePreference::Either,
                association: Association {
                    name: format!("Kyläyhdistys {k} ry"),
                    business_id: "0112038-9".into(),
                    register_number: Some("123.456".into()),
                    municipality_code: "426".into(),
                },
                candidate: Candidate {
                    first_name: "Äijä".into(),
                    last_name: format!("Öhman {k}"),
                    email: format!("hakija{k}@example.org"),
                    phone: "+358401234567".into(),
                    municipality_code: "426".into(),
                    gender: if k % 2 == 0 {
                        Gender::Woman
                    } else {
                        Gender::Man
                    },
                    language: Language::Fi,
                },
                motivation: "Haluan tuoda kylien äänen kuuluviin ja viedä viestiä yhdistyksiin, \
                             koska järjestöjen yhteistyö kunnan kanssa on tärkeää. 😊"
                    .into(),
                privacy_notice_version: "1".into(),
                consented_at: now,
                edit_token_hash: jane_seats::tokens::digest(&jane_seats::tokens::generate("jsa_")),
                version: 1,
                submitted_at: now,
                updated_at: now,
                withdrawn_at: None,
            })
            .collect();
        ids.extend(batch.iter().map(|a| a.id.clone()));
        db.write_blocking(move |conn| {
            for application in &batch {
                assert!(applications::insert(conn, application)?);
            }
            Ok(())
        })
        .unwrap();
    }
    ids
}

struct Measured {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    bytes: usize,
    errors: u64,
}

/// `clients` clients repeating GET `url` for `seconds` after a 1 s warm-up.
async fn measure(
    client: &awc::Client,
    url: &str,
    token: &str,
    clients: usize,
    seconds: u64,
) -> Measured {
    let measure_from = Instant::now() + Duration::from_secs(1);
    let stop_at = measure_from + Duration::from_secs(seconds);
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, url, token) = (client.clone(), url.to_owned(), token.to_owned());
            let (done, errors, bytes) = (done.clone(), errors.clone(), bytes.clone());
            actix_web::rt::spawn(async move {
                let mut latency = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).unwrap();
                loop {
                    let sent = Instant::now();
                    if sent >= stop_at {
                        break;
                    }
                    let ok = match client.get(&url).bearer_auth(&token).send().await {
                        Ok(mut res) => match res.body().limit(256 << 20).await {
                            Ok(body) if res.status().is_success() => {
                                bytes.store(body.len() as u64, Ordering::Relaxed);
                                true
                            }
                            _ => false,
                        },
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
    let mut latency = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).unwrap();
    for task in tasks {
        latency.add(task.await.unwrap()).unwrap();
    }
    Measured {
        per_second: done.load(Ordering::Relaxed) as f64 / seconds as f64,
        p50_ms: latency.value_at_quantile(0.5) as f64 / 1000.0,
        p99_ms: latency.value_at_quantile(0.99) as f64 / 1000.0,
        bytes: bytes.load(Ordering::Relaxed) as usize,
        errors: errors.load(Ordering::Relaxed),
    }
}

fn run(backend: &str, db: &Database, options: &Options) {
    let pool = Config::defaults().database.pool_size;
    let admin = jane(db, pool)
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
        std::fs::File::create(std::env::temp_dir().join(format!("jane-seats-lists-{port}.log")))
            .unwrap();
    let server = Server(
        jane(db, pool)
            .env("JANE_SEATS_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let pid = server.0.id().to_string();
    let store = Db::connect(
        &DatabaseUrl::parse(&db.url).unwrap(),
        PoolSettings {
            size: 2,
            connect_timeout: Duration::from_secs(10),
            sqlite_busy_timeout_ms: Config::defaults().database.sqlite_busy_timeout_ms,
        },
    )
    .unwrap();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let (seconds, clients) = (options.seconds, options.clients);
    actix_web::rt::System::new().block_on(async move {
        let client = awc::Client::builder().timeout(Duration::from_secs(120)).finish();
        for _ in 0..200 {
            if client.get(format!("http://127.0.0.1:{port}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        let idle = memory_mib(&pid).0;
        let send = |method: &str, path: &str, token: &str, body: Value| {
            let request = match method {
                "PUT" => client.put(format!("{base}{path}")),
                _ => client.post(format!("{base}{path}")),
            };
            let (token, path) = (token.to_owned(), path.to_owned());
            async move {
                let mut res = request.bearer_auth(token).send_json(&body).await.unwrap();
                let json: Value = res.json().limit(1 << 20).await.unwrap_or(Value::Null);
                assert!(res.status().is_success(), "{path}: {json}");
                json
            }
        };
        let council = send("POST", "/councils", &token,
            json!({"name": {"fi": "Liperin paikallis-JANE"}, "kind": "regional", "municipality_codes": ["426"]}))
            .await["id"].as_str().unwrap().to_owned();
        send("PUT", &format!("/councils/{council}/seat-plan"), &token, json!({"themes": [
            {"theme": "sports", "representatives": 1, "deputies": 1},
            {"theme": "culture", "representatives": 1, "deputies": 1},
            {"theme": "villages_heritage", "representatives": 1, "deputies": 1},
        ]})).await;
        let member = send("POST", "/users", &token, json!({"email": "arvioija@example.org",
            "name": "Aino Arvioija", "role": "committee", "council_ids": [council]})).await;
        let (member_id, member_token) = (
            member["id"].as_str().unwrap().to_owned(),
            member["token"].as_str().unwrap().to_owned(),
        );
        let closes = Utc::now() + chrono::Duration::seconds(5);
        let mut calls = Vec::new();
        for _ in 0..2 {
            let call = send("POST", &format!("/councils/{council}/calls"), &token, json!({
                "title": {"fi": "Avoin haku"}, "announcement": {"fi": "Haemme jäseniä."},
                "opens_at": (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "closes_at": closes.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "term_start": "2027-04-01", "term_end": "2029-03-31",
                "contacts": [{"name": "Sanna", "email": "sanna@example.org"}]})).await["id"]
                .as_str().unwrap().to_owned();
            send("POST", &format!("/calls/{call}/publish"), &token, json!({})).await;
            send("PUT", &format!("/calls/{call}/committee"), &token, json!({"user_ids": [member_id]})).await;
            calls.push(call);
        }
        let setup = Instant::now();
        let small = applications(&store, &CallId::parse(&calls[0]).unwrap(), 100);
        let large = applications(&store, &CallId::parse(&calls[1]).unwrap(), 10_000);
        let wait = (closes - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(1);
        actix_web::rt::time::sleep(wait).await;
        for call in &calls {
            send("POST", &format!("/calls/{call}/start-review"), &token, json!({})).await;
        }
        // Every application reviewed, 8 at a time.
        let all: Vec<ApplicationId> = small.iter().chain(&large).cloned().collect();
        let next = Arc::new(AtomicU64::new(0));
        let all = Arc::new(all);
        let reviewers: Vec<_> = (0..8)
            .map(|_| {
                let (client, base, token, next, all) =
                    (client.clone(), base.clone(), member_token.clone(), next.clone(), all.clone());
                actix_web::rt::spawn(async move {
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed) as usize;
                        let Some(id) = all.get(k) else { break };
                        let s = 1 + (k * 7 % 5);
                        let mut res = client
                            .put(format!("{base}/applications/{id}/review"))
                            .bearer_auth(&token)
                            .send_json(&json!({"scores": {"activity": s, "liaison": s, "theme_knowledge": 3, "local_knowledge": 4}}))
                            .await
                            .unwrap();
                        let _ = res.body().await;
                        assert!(res.status().is_success(), "review {}", res.status());
                    }
                })
            })
            .collect();
        for r in reviewers {
            r.await.unwrap();
        }
        let setup = setup.elapsed();
        let after_setup = memory_mib(&pid).0;
        // BENCH_PAUSE_SECS: time to attach a profiler (`heaptrack -p PID`) before the runs.
        if let Some(secs) = std::env::var("BENCH_PAUSE_SECS").ok().and_then(|s| s.parse().ok()) {
            eprintln!("server pid {pid}: pausing {secs} s");
            actix_web::rt::time::sleep(Duration::from_secs(secs)).await;
        }

        let mid = &large[4_999];
        let runs: Vec<(&str, String, usize)> = vec![
            ("page of 50 of 100", format!("{base}/calls/{}/applications?limit=50", calls[0]), clients),
            ("page of 50 of 10,000", format!("{base}/calls/{}/applications?limit=50", calls[1]), clients),
            ("page of 50 of 10,000, from the middle", format!("{base}/calls/{}/applications?limit=50&cursor={mid}", calls[1]), clients),
            ("ranking of 10,000", format!("{base}/calls/{}/ranking", calls[1]), 4),
            ("ranking of 10,000, 16 clients", format!("{base}/calls/{}/ranking", calls[1]), 16),
            ("applications.csv of 10,000", format!("{base}/calls/{}/applications.csv", calls[1]), 2),
            ("ranking.csv of 10,000", format!("{base}/calls/{}/ranking.csv", calls[1]), 2),
        ];
        let mut results = Vec::new();
        for (name, url, c) in &runs {
            let m = measure(&client, url, &token, *c, seconds).await;
            let (rss, peak) = memory_mib(&pid);
            println!(
                "| {backend} | {name} | {c} | {:.0} | {:.1} | {:.1} | {} | {} | {rss:.0} / {peak:.0} |",
                m.per_second, m.p50_ms, m.p99_ms, m.bytes / 1024, m.errors
            );
            results.push(m.per_second);
        }
        let (now, peak) = memory_mib(&pid);
        if std::env::var_os("BENCH_SMAPS").is_some() {
            eprintln!("{}", common::largest_mappings(&pid, 10));
        }
        println!(
            "| {backend} | ratio 10,000 / 100 (first page; middle page) | | {:.2}; {:.2} | | | | | |",
            results[1] / results[0],
            results[2] / results[0]
        );
        println!(
            "| {backend} | resident memory MiB: idle {idle:.0}, after the setup {after_setup:.0}, after the runs {now:.0}, peak {peak:.0} (setup {:.0} s) | | | | | | | |",
            setup.as_secs_f64()
        );
    });
    drop(server);
}

fn main() {
    let options = options();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "# lists: {} clients, {} s per run after a 1 s warm-up, {cpus} CPUs\n",
        options.clients, options.seconds
    );
    println!(
        "| backend | request | clients | requests/s | p50 ms | p99 ms | body KiB | errors | server RSS / peak MiB after |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for backend in &options.backends {
        let Some(db) = Database::create(backend) else {
            println!(
                "| {backend} | skipped: set BENCH_POSTGRES_URL or TEST_POSTGRES_URL | | | | | | | |"
            );
            continue;
        };
        run(backend, &db, &options);
    }
}
