//! Test support: a real HTTP server of the real app on a fresh database per test, a manual clock,
//! and a small HTTP client.
//!
//! SQLite: a new file in a temporary directory. PostgreSQL: a new database cloned from a template
//! that was migrated once per migration set, dropped afterwards. The PostgreSQL variants of the
//! tests exist only when `TEST_POSTGRES_URL` was set at build time (`cfg(postgres_tests)`, set by
//! build.rs); they then fail, never skip, when that server cannot be used.

use std::sync::{Arc, OnceLock};

use actix_web::web;
use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl};
use jane_seats::app::{self, AppState};
use jane_seats::clock::{Clock, ManualClock};
use jane_seats::config::Config;
use jane_seats::db::Db;
use jane_seats::domain::access::Role;
use jane_seats::mail::templates::Templates;
use jane_seats::mail::worker::{MailSettings, Worker};
use jane_seats::round::Round;
use jane_seats::server::open_database;
use jane_seats::telemetry::Metrics;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    #[cfg_attr(
        not(postgres_tests),
        expect(
            dead_code,
            reason = "only the PostgreSQL tests use it, compiled in when TEST_POSTGRES_URL is set"
        )
    )]
    Postgres,
}

/// Runs each named `async fn name(app: TestApp)` once on SQLite and, when the PostgreSQL tests are
/// compiled in, once on PostgreSQL.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name($crate::support::TestApp::start($crate::support::Backend::Sqlite).await).await
                }
                #[cfg(postgres_tests)]
                #[actix_web::test]
                async fn postgres() {
                    super::$name($crate::support::TestApp::start($crate::support::Backend::Postgres).await).await
                }
            }
        )*
    };
}

/// Runs each named `async fn name(backend: Backend)` once per backend, like `db_tests!`; the test
/// starts its app itself (with its own configuration).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name($crate::support::Backend::Sqlite).await
                }
                #[cfg(postgres_tests)]
                #[actix_web::test]
                async fn postgres() {
                    super::$name($crate::support::Backend::Postgres).await
                }
            }
        )*
    };
}

/// The instant every test starts at.
/// The special reason and measures a decision states when its composition does not meet the
/// Equality Act's balance (here: a run without the balance rule, among applicants of one gender).
pub fn special_reason() -> serde_json::Value {
    serde_json::json!({
        "reason": "Teema-alueelle haki vain miehiä.",
        "measures": "Hakuaikaa jatkettiin ja naisia pyydettiin hakemaan yhdistysten kautta.",
    })
}

pub fn start_time() -> DateTime<Utc> {
    "2027-01-10T10:00:00Z".parse().unwrap()
}

/// The PostgreSQL server of the PostgreSQL tests. They are compiled in only when
/// `TEST_POSTGRES_URL` was set at build time, so it must be set when they run as well.
fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("the PostgreSQL tests are compiled in, but TEST_POSTGRES_URL is not set now")
}

fn database_url_with_name(base: &str, name: &str) -> String {
    let mut url = url::Url::parse(base).expect("TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The name of a PostgreSQL database holding the current migrations, created on first use. Its
/// name includes a digest of the migrations, so it is reused across runs until they change.
fn postgres_template(base: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let mut digest = 0u64;
        for entry in walk(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/postgres"
        ))) {
            for b in std::fs::read(&entry)
                .unwrap()
                .into_iter()
                .chain(entry.to_string_lossy().bytes())
            {
                digest = digest
                    .wrapping_mul(0x100000001b3)
                    .wrapping_add(u64::from(b));
            }
        }
        let name = format!("jane_seats_template_{digest:016x}");
        let mut admin = PgConnection::establish(base).unwrap_or_else(|e| {
            panic!("TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {e}")
        });
        let exists: i64 = diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            &format!("(SELECT count(*) FROM pg_database WHERE datname = '{name}')"),
        ))
        .get_result(&mut admin)
        .unwrap();
        if exists == 0 {
            // Build under a temporary name and rename when complete, so that a crash midway never
            // leaves a half-migrated template behind under the final name.
            let building = format!("{name}_{}", std::process::id());
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building}"))
                .execute(&mut admin)
                .unwrap();
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut admin)
                .unwrap();
            {
                let url = database_url_with_name(base, &building);
                let mut conn =
                    jane_seats::db::DbConn::Postgres(PgConnection::establish(&url).unwrap());
                jane_seats::db::run_migrations(&mut conn).unwrap();
            }
            let renamed = diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut admin);
            if renamed.is_err() {
                // Another test process finished first; use theirs.
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {building}"))
                    .execute(&mut admin)
                    .unwrap();
            }
        }
        name
    })
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A fresh database, removed when dropped.
pub enum TestDatabase {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl TestDatabase {
    pub fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = dir
                    .path()
                    .join("jane-seats.db")
                    .to_string_lossy()
                    .into_owned();
                Self::Sqlite { _dir: dir, url }
            }
            Backend::Postgres => {
                let admin_url = postgres_url();
                let template = postgres_template(&admin_url);
                let name = format!("jane_seats_test_{}", uuid::Uuid::now_v7().simple());
                let mut admin = PgConnection::establish(&admin_url).unwrap();
                // CREATE DATABASE ... TEMPLATE fails while another test is cloning the same
                // template; retry briefly.
                let mut attempt = 0;
                loop {
                    match diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                        .execute(&mut admin)
                    {
                        Ok(_) => break,
                        Err(e) if attempt < 50 => {
                            attempt += 1;
                            let _ = e;
                            std::thread::sleep(std::time::Duration::from_millis(20 + attempt * 5));
                        }
                        Err(e) => panic!("cannot create test database: {e}"),
                    }
                }
                let url = database_url_with_name(&admin_url, &name);
                Self::Postgres {
                    admin_url,
                    name,
                    url,
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres {
            admin_url, name, ..
        } = self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::defaults();
    config.database.url = database_url.to_owned();
    config.database.pool_size = 4;
    config.server.public_url = "https://jane.example.org".into();
    // Tests drive the sender themselves (`TestApp::worker`), with short timeouts.
    config.mail.worker = false;
    config.mail.smtp_timeout_secs = 5;
    config.mail.lease_secs = 60;
    config.mail.retry_base_secs = 60;
    config.mail.retry_max_secs = 600;
    config.mail.max_attempts = 3;
    config.mail.poll_interval_ms = 20;
    // Tests that are about rate limits turn them on.
    config.rate_limit.applications_per_minute = 0;
    // Tests move the clock years ahead with the tokens they made at the start (a round in 2027,
    // the next in 2028); the tests of token expiry set a short lifetime of their own.
    config.auth.token_ttl_days = 3650;
    config
}

pub struct TestApp {
    pub backend: Backend,
    pub clock: Arc<ManualClock>,
    pub db: Db,
    pub config: Config,
    pub templates: Arc<Templates>,
    /// The app's selection-run permits, for tests that hold them.
    pub selection_runs: Arc<tokio::sync::Semaphore>,
    server: actix_test::TestServer,
    // Dropped last: the server and pool must go before the database.
    _database: TestDatabase,
}

impl TestApp {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        if let Ok(filter) = std::env::var("TEST_LOG") {
            jane_seats::telemetry::init_tracing(&jane_seats::config::LogConfig {
                format: jane_seats::config::LogFormat::Pretty,
                filter,
            });
        }
        let database = TestDatabase::create(backend);
        let mut config = test_config(database.url());
        adjust(&mut config);
        let clock = Arc::new(ManualClock::new(start_time()));
        let db = {
            let (config, clock) = (config.clone(), clock.clone());
            tokio::task::spawn_blocking(move || open_database(&config, clock.as_ref()))
                .await
                .unwrap()
                .expect("test database opens")
        };
        let templates = Arc::new(Templates::new());
        let round = Round::new(
            db.clone(),
            clock.clone() as Arc<dyn Clock>,
            Arc::new(config.clone()),
            templates.clone(),
        );
        let selection_runs = round.selection_permits.clone();
        let state = AppState::new(round);
        let metrics = web::Data::new(Metrics::new());
        let server = actix_test::start(move || app::app(state.clone(), metrics.clone()));
        Self {
            backend,
            clock,
            db,
            config,
            templates,
            selection_runs,
            server,
            _database: database,
        }
    }

    /// A mail sender on the app's database and clock, configured like the app.
    pub fn worker(&self) -> Worker {
        Worker::new(
            self.db.clone(),
            self.clock.clone() as Arc<dyn Clock>,
            self.templates.clone(),
            MailSettings::from_config(&self.config).expect("mail settings"),
        )
    }

    /// The database URL the app uses (for running the binary against the same data).
    pub fn db_url(&self) -> String {
        self._database.url().to_owned()
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn set_time(&self, t: DateTime<Utc>) {
        self.clock.set(t);
    }

    /// The address of `path` on the test server (`http://127.0.0.1:PORT/path`), for a browser.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    pub fn request(&self, method: &str, path: &str) -> Req {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        Req {
            inner: self.server.request(method, self.url(path)),
            body: None,
        }
    }

    pub fn get(&self, path: &str) -> Req {
        self.request("GET", path)
    }

    pub fn post(&self, path: &str) -> Req {
        self.request("POST", path)
    }

    pub fn put(&self, path: &str) -> Req {
        self.request("PUT", path)
    }

    pub fn patch(&self, path: &str) -> Req {
        self.request("PATCH", path)
    }

    /// A new admin and their token, made the way `create-admin` makes them.
    pub async fn admin(&self) -> String {
        let email = format!("admin-{}@example.org", uuid::Uuid::now_v7().simple());
        let now = self.clock.now();
        let term = jane_seats::store::users::TokenTerm {
            issued_at: now,
            expires_at: self.config.auth.token_expires_at(now),
        };
        self.db
            .run(move |conn| jane_seats::store::users::ensure_admin(conn, &email, "Admin", term))
            .await
            .unwrap()
            .1
    }

    /// Creates a staff user through the API and returns (user id, token).
    pub async fn user(&self, by: &str, role: Role, councils: &[&str]) -> (String, String) {
        let res = self
            .post("/api/v1/users")
            .token(by)
            .json(json!({
                "email": format!("{}-{}@example.org", role.as_str(), uuid::Uuid::now_v7().simple()),
                "name": format!("Test {}", role.as_str()),
                "role": role.as_str(),
                "council_ids": councils,
            }))
            .send()
            .await;
        res.assert_status(201);
        (res.str("id"), res.str("token"))
    }

    /// The regional JANE covering all of North Karelia.
    pub async fn regional_council(&self, admin: &str) -> String {
        let res = self
            .post("/api/v1/councils")
            .token(admin)
            .json(json!({
                "name": {"fi": "Pohjois-Karjalan JANE", "sv": "Norra Karelens JANE", "en": "North Karelia JANE"},
                "kind": "regional",
                "municipality_codes": ["090", "146", "167", "176", "260", "276", "309", "422", "426", "541", "607", "707", "848"],
            }))
            .send()
            .await;
        res.assert_status(201);
        res.str("id")
    }

    pub async fn local_council(
        &self,
        admin: &str,
        parent: &str,
        name: &str,
        codes: &[&str],
    ) -> String {
        let res = self
            .post("/api/v1/councils")
            .token(admin)
            .json(json!({"name": {"fi": name}, "kind": "local", "parent_id": parent, "municipality_codes": codes}))
            .send()
            .await;
        res.assert_status(201);
        res.str("id")
    }

    /// One representative and one deputy seat for each theme given.
    pub async fn seat_plan(&self, token: &str, council: &str, themes: &[&str]) -> Resp {
        let lines: Vec<Value> = themes
            .iter()
            .map(|t| json!({"theme": t, "representatives": 1, "deputies": 1}))
            .collect();
        let res = self
            .put(&format!("/api/v1/councils/{council}/seat-plan"))
            .token(token)
            .json(json!({ "themes": lines }))
            .send()
            .await;
        res.assert_status(200);
        res
    }

    /// A valid draft call body: open from 1 Feb 2027 09:00 to 28 Feb 2027 16:00 Helsinki time.
    pub fn call_body() -> Value {
        json!({
            "title": {"fi": "Avoin haku 2027", "sv": "Öppen ansökan 2027"},
            "announcement": {"fi": "Haemme jäseniä paikallis-JANEen."},
            "opens_at": "2027-02-01T09:00:00",
            "closes_at": "2027-02-28T16:00:00",
            "term_start": "2027-04-01",
            "term_end": "2029-03-31",
            "contacts": [{"name": "Sanna Sihteeri", "email": "sanna@example.org", "phone": "040 123 4567"}],
        })
    }

    pub async fn draft_call(&self, token: &str, council: &str, body: Value) -> Resp {
        let res = self
            .post(&format!("/api/v1/councils/{council}/calls"))
            .token(token)
            .json(body)
            .send()
            .await;
        res.assert_status(201);
        res
    }

    /// Rows in a table, read directly from the database.
    /// Every `table.column` of the database whose text holds `needle` (any column, any table,
    /// as the database stores it): for checking that erased personal data is nowhere.
    pub async fn columns_holding(&self, needle: &str) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Column {
            #[diesel(sql_type = diesel::sql_types::Text)]
            table_name: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            column_name: String,
        }
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let columns = match self.backend {
            Backend::Sqlite => {
                "SELECT m.name AS table_name, p.name AS column_name \
                 FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name \
                 FROM information_schema.columns WHERE table_schema = 'public'"
            }
        };
        let needle = needle.replace('\'', "''");
        self.db
            .run(move |conn| {
                let mut found = Vec::new();
                for c in diesel::sql_query(columns).load::<Column>(conn)? {
                    let n = diesel::sql_query(format!(
                        "SELECT COUNT(*) AS n FROM {} WHERE CAST({} AS TEXT) LIKE '%{needle}%'",
                        c.table_name, c.column_name
                    ))
                    .get_result::<Count>(conn)?
                    .n;
                    if n > 0 {
                        found.push(format!("{}.{}", c.table_name, c.column_name));
                    }
                }
                Ok(found)
            })
            .await
            .unwrap()
    }

    pub async fn count(&self, table: &'static str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.db
            .run(move |conn| {
                Ok(
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                        .get_result::<Count>(conn)?
                        .n,
                )
            })
            .await
            .unwrap()
    }
}

pub struct Req {
    inner: awc::ClientRequest,
    body: Option<Vec<u8>>,
}

impl Req {
    pub fn token(mut self, token: &str) -> Self {
        self.inner = self
            .inner
            .insert_header(("Authorization", format!("Bearer {token}")));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.inner = self.inner.insert_header((name, value));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.inner = self
            .inner
            .insert_header(("Content-Type", "application/json"));
        self.body = Some(serde_json::to_vec(&body).unwrap());
        self
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.inner = self.inner.insert_header(("Content-Type", content_type));
        self.body = Some(body.into());
        self
    }

    pub async fn send(self) -> Resp {
        let mut response = match self.body {
            Some(body) => self.inner.send_body(body).await,
            None => self.inner.send().await,
        }
        .expect("the test server answers");
        let body = response
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .unwrap()
            .to_vec();
        Resp {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            json: serde_json::from_slice(&body).unwrap_or(Value::Null),
            body,
        }
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: awc::http::header::HeaderMap,
    pub json: Value,
    pub body: Vec<u8>,
}

impl Resp {
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }

    /// Asserts an RFC 9457 problem with this status.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) -> &Self {
        self.assert_status(status);
        assert_eq!(
            self.header("content-type"),
            "application/problem+json",
            "{self:?}"
        );
        assert_eq!(self.json["status"], status);
        for key in ["type", "title", "detail"] {
            assert!(
                self.json[key].is_string(),
                "problem without {key}: {}",
                self.json
            );
        }
        self
    }

    /// Asserts a 422 naming exactly these fields (in any order).
    #[track_caller]
    pub fn assert_invalid_fields(&self, fields: &[&str]) -> &Self {
        self.assert_problem(422);
        let mut named: Vec<String> = self.json["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        named.sort();
        named.dedup();
        let mut expected: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        expected.sort();
        assert_eq!(named, expected, "{}", self.json);
        self
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    #[track_caller]
    pub fn str(&self, key: &str) -> String {
        self.json[key]
            .as_str()
            .unwrap_or_else(|| panic!("no string `{key}` in {}", self.json))
            .to_owned()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}
