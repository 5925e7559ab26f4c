//! Layered configuration: the compiled-in `config/default.toml`, then the TOML file named by
//! `JANE_SEATS_CONFIG`, then environment variables. Any bad setting stops the start with one message
//! that names the setting and where its value came from.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

use crate::db::DatabaseUrl;

const DEFAULT_TOML: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub mail: MailConfig,
    pub rate_limit: RateLimitConfig,
    pub selection: SelectionConfig,
    pub accessibility: AccessibilityConfig,
    pub privacy: PrivacyConfig,
    pub auth: AuthConfig,
    pub log: LogConfig,
}

/// How long personal data is kept (the privacy notice says the same; docs/operations.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Months after the decision (or the withdrawal, or the cancellation) after which the
    /// personal data of applications that hold no seat is erased.
    pub retention_months: u32,
    /// Months after a term ends after which its members' personal data is erased; unset: kept.
    #[serde(default)]
    pub member_retention_months: Option<u32>,
}

/// Staff bearer tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Days a staff token works after it is issued (1 to 3650), unless revoked first. Fixed when
    /// the token is issued: changing it later leaves earlier tokens' expiry as it was.
    pub token_ttl_days: u32,
}

impl AuthConfig {
    /// When a token issued at `issued_at` stops working.
    pub fn token_expires_at(
        &self,
        issued_at: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        issued_at + chrono::Duration::days(i64::from(self.token_ttl_days))
    }
}

/// What the accessibility statement (Act 306/2019, 9 §) names: where to send feedback, the
/// supervising authority of the day, and when the statement was drawn up and last reviewed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessibilityConfig {
    /// Where readers send feedback on accessibility (an email address or a web address).
    pub feedback_contact: String,
    pub authority_name_fi: String,
    pub authority_name_sv: String,
    pub authority_name_en: String,
    pub authority_unit_fi: String,
    pub authority_unit_sv: String,
    pub authority_unit_en: String,
    pub authority_web_fi: String,
    pub authority_web_sv: String,
    pub authority_web_en: String,
    pub authority_email: String,
    pub authority_phone: String,
    /// `YYYY-MM-DD`.
    pub statement_drawn_up: chrono::NaiveDate,
    pub statement_updated: chrono::NaiveDate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionConfig {
    /// Days a selected applicant has to confirm or decline before the seat goes to a reserve.
    pub confirm_within_days: u32,
    /// Applicants per theme put on the reserve list by a decision, unless it says otherwise.
    pub reserves_per_theme: u32,
    /// Search nodes a selection run may take before it answers with its best assignment found,
    /// marked not proven optimal. Counted, not timed, so the same input gives the same output.
    pub search_node_limit: u64,
    /// Selection runs solved at once by this instance; further runs wait for one to end. A
    /// solve keeps a core busy, so more at once than there are cores only slows every request.
    pub max_concurrent_runs: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    pub applications_per_minute: u32,
    pub applications_burst: u32,
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: String,
    pub public_url: String,
    pub workers: usize,
    pub body_limit_bytes: usize,
    pub shutdown_timeout_secs: u64,
    /// Reports (the ranking, the CSV and Excel exports) built at once; further ones wait.
    pub max_concurrent_reports: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
    pub sqlite_busy_timeout_ms: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub smtp_url: String,
    pub from: String,
    pub outbox_dir: PathBuf,
    pub worker: bool,
    pub smtp_timeout_secs: u64,
    pub max_attempts: u32,
    pub retry_base_secs: u64,
    pub retry_max_secs: u64,
    pub lease_secs: u64,
    pub poll_interval_ms: u64,
    pub batch_size: u32,
    pub closing_reminder_hours: u32,
    /// Days the text of a sent message is kept; then its bodies are emptied (the record of what
    /// was sent to whom stays).
    pub keep_sent_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    pub filter: String,
}

/// A configuration problem, as one line for the operator.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Reads defaults, the optional `JANE_SEATS_CONFIG` file and the environment.
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_figment(Self::figment()?)
    }

    /// The layers, in increasing priority.
    pub fn figment() -> Result<Figment, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Ok(path) = std::env::var("JANE_SEATS_CONFIG") {
            if !std::path::Path::new(&path).is_file() {
                return Err(ConfigError(format!(
                    "JANE_SEATS_CONFIG names `{path}`, which is not a readable file"
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        Ok(figment.merge(env_provider()).merge(
            Env::raw()
                .only(&["DATABASE_URL"])
                .map(|_| "database.url".into()),
        ))
    }

    /// The defaults alone, for tests and tools that set what they need in code.
    pub fn defaults() -> Self {
        Self::from_figment(Figment::from(Toml::string(DEFAULT_TOML)))
            .expect("the compiled-in defaults are valid")
    }

    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment
            .extract()
            .map_err(|e| describe_figment_error(&figment, e))?;
        config.check().map_err(|(key, problem)| {
            let source = figment
                .find_metadata(key)
                .map(|m| format!(" (set in {})", m.name))
                .unwrap_or_default();
            ConfigError(format!("`{key}`: {problem}{source}"))
        })?;
        Ok(config)
    }

    /// Checks what the types alone cannot; names the first bad key.
    fn check(&self) -> Result<(), (&'static str, String)> {
        self.bind_addr().map_err(|e| ("server.bind", e))?;
        if !(1..=365).contains(&self.selection.confirm_within_days) {
            return Err((
                "selection.confirm_within_days",
                "must be between 1 and 365 days".into(),
            ));
        }
        if !(1..=10_000_000).contains(&self.selection.search_node_limit) {
            return Err((
                "selection.search_node_limit",
                "must be between 1 and 10000000".into(),
            ));
        }
        if !(1..=120).contains(&self.privacy.retention_months) {
            return Err((
                "privacy.retention_months",
                "must be between 1 and 120".into(),
            ));
        }
        if self
            .privacy
            .member_retention_months
            .is_some_and(|m| !(1..=600).contains(&m))
        {
            return Err((
                "privacy.member_retention_months",
                "must be between 1 and 600 (leave it out to keep members' data)".into(),
            ));
        }
        if !(1..=3650).contains(&self.mail.keep_sent_days) {
            return Err(("mail.keep_sent_days", "must be between 1 and 3650".into()));
        }
        if !(1..=64).contains(&self.server.max_concurrent_reports) {
            return Err((
                "server.max_concurrent_reports",
                "must be between 1 and 64".into(),
            ));
        }
        if !(1..=3650).contains(&self.auth.token_ttl_days) {
            return Err((
                "auth.token_ttl_days",
                "must be between 1 and 3650 days".into(),
            ));
        }
        if !(1..=64).contains(&self.selection.max_concurrent_runs) {
            return Err((
                "selection.max_concurrent_runs",
                "must be between 1 and 64".into(),
            ));
        }
        let url = url::Url::parse(&self.server.public_url).map_err(|e| {
            (
                "server.public_url",
                format!("`{}` is not a URL: {e}", self.server.public_url),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err((
                "server.public_url",
                "must be an http:// or https:// URL with a host".into(),
            ));
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.server.body_limit_bytes) {
            return Err((
                "server.body_limit_bytes",
                "must be between 1024 and 16777216".into(),
            ));
        }
        DatabaseUrl::parse(&self.database.url).map_err(|e| ("database.url", e))?;
        if !(1..=512).contains(&self.database.pool_size) {
            return Err(("database.pool_size", "must be between 1 and 512".into()));
        }
        if self.database.connect_timeout_secs == 0 {
            return Err(("database.connect_timeout_secs", "must be at least 1".into()));
        }
        if !self.mail.smtp_url.is_empty() {
            let smtp = url::Url::parse(&self.mail.smtp_url)
                .map_err(|e| ("mail.smtp_url", format!("not a URL: {e}")))?;
            if !matches!(smtp.scheme(), "smtp" | "smtps") {
                return Err((
                    "mail.smtp_url",
                    "must start with smtp:// or smtps://".into(),
                ));
            }
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err((
                "mail.from",
                format!(
                    "`{}` is not a sender such as `JANE <jane@example.org>`",
                    self.mail.from
                ),
            ));
        }
        if self.mail.smtp_timeout_secs == 0 {
            return Err(("mail.smtp_timeout_secs", "must be at least 1".into()));
        }
        if self.mail.lease_secs <= self.mail.smtp_timeout_secs {
            // A sender must finish (or give up on) a message before another may take it over.
            return Err((
                "mail.lease_secs",
                "must be longer than mail.smtp_timeout_secs".into(),
            ));
        }
        if self.mail.max_attempts == 0 {
            return Err(("mail.max_attempts", "must be at least 1".into()));
        }
        if self.mail.retry_base_secs == 0 || self.mail.retry_max_secs < self.mail.retry_base_secs {
            return Err((
                "mail.retry_max_secs",
                "must be at least mail.retry_base_secs, which must be at least 1".into(),
            ));
        }
        if !(1..=1000).contains(&self.mail.batch_size) {
            return Err(("mail.batch_size", "must be between 1 and 1000".into()));
        }
        if self.mail.poll_interval_ms == 0 {
            return Err(("mail.poll_interval_ms", "must be at least 1".into()));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.filter)
            .map_err(|e| ("log.filter", format!("not a valid filter: {e}")))?;
        Ok(())
    }

    pub fn bind_addr(&self) -> Result<SocketAddr, String> {
        self.server.bind.parse().map_err(|_| {
            format!(
                "`{}` is not an address:port such as 127.0.0.1:8080",
                self.server.bind
            )
        })
    }

    pub fn database_url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(&self.database.url).expect("checked when the configuration was loaded")
    }
}

/// `JANE_SEATS_BIND`, `JANE_SEATS_PUBLIC_URL` and `JANE_SEATS_SMTP_URL` are the contract's fixed names;
/// every other setting is `JANE_SEATS_<SECTION>__<KEY>`.
fn env_provider() -> Env {
    Env::prefixed("JANE_SEATS_").ignore(&["CONFIG"]).map(|key| {
        match key.as_str().to_ascii_lowercase().as_str() {
            "bind" => "server.bind".into(),
            "public_url" => "server.public_url".into(),
            "smtp_url" => "mail.smtp_url".into(),
            other => other.replace("__", ".").into(),
        }
    })
}

fn describe_figment_error(figment: &Figment, error: figment::Error) -> ConfigError {
    let key = error.path.join(".");
    let source = error
        .metadata
        .as_ref()
        .or_else(|| figment.find_metadata(&key))
        .map(|m| match &m.source {
            Some(source) => format!(" (set in {} {source})", m.name),
            None => format!(" (set in {})", m.name),
        })
        .unwrap_or_default();
    if key.is_empty() {
        ConfigError(format!("{}{source}", error.kind))
    } else {
        ConfigError(format!("`{key}`: {}{source}", error.kind))
    }
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail fixes the closure's error type to figment::Error, which is large"
)]
mod tests {
    use super::*;

    fn with(toml: &str) -> Result<Config, ConfigError> {
        Config::from_figment(Figment::from(Toml::string(DEFAULT_TOML)).merge(Toml::string(toml)))
    }

    #[test]
    fn defaults_are_valid_and_point_at_sqlite() {
        let config = Config::defaults();
        assert_eq!(config.server.bind, "127.0.0.1:8080");
        assert!(matches!(config.database_url(), DatabaseUrl::Sqlite(_)));
        // The benchmarks and domain tests measure the limit the service runs with.
        assert_eq!(
            config.selection.search_node_limit,
            crate::domain::selection::DEFAULT_NODE_LIMIT
        );
        let err = with("[selection]\nsearch_node_limit = 0").unwrap_err().0;
        assert!(err.contains("`selection.search_node_limit`"), "{err}");
        let err = with("[selection]\nmax_concurrent_runs = 0").unwrap_err().0;
        assert!(err.contains("`selection.max_concurrent_runs`"), "{err}");
        let err = with("[privacy]\nretention_months = 0").unwrap_err().0;
        assert!(err.contains("`privacy.retention_months`"), "{err}");
        let err = with("[mail]\nkeep_sent_days = 0").unwrap_err().0;
        assert!(err.contains("`mail.keep_sent_days`"), "{err}");
        let err = with("[server]\nmax_concurrent_reports = 0").unwrap_err().0;
        assert!(err.contains("`server.max_concurrent_reports`"), "{err}");
    }

    #[test]
    fn bad_values_name_the_setting() {
        let err = with("[database]\npool_size = \"many\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("database.pool_size"), "{err}");
        let err = with("[server]\nbind = \"localhost\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.bind"), "{err}");
        let err = with("[database]\nurl = \"mysql://x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("database.url"), "{err}");
        let err = with("[server]\npublic_url = \"ftp://x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.public_url"), "{err}");
        let err = with("[mail]\nsmtp_url = \"http://x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mail.smtp_url"), "{err}");
        for (toml, key) in [
            (
                "[mail]\nlease_secs = 10\nsmtp_timeout_secs = 30",
                "mail.lease_secs",
            ),
            ("[mail]\nfrom = \"nobody\"", "mail.from"),
            (
                "[mail]\nretry_base_secs = 100\nretry_max_secs = 10",
                "mail.retry_max_secs",
            ),
            ("[mail]\nbatch_size = 0", "mail.batch_size"),
            ("[mail]\nmax_attempts = 0", "mail.max_attempts"),
        ] {
            let err = with(toml).unwrap_err().to_string();
            assert!(err.contains(key), "{toml}: {err}");
        }
    }

    #[test]
    fn tokens_live_a_year_unless_configured_within_ten() {
        let config = Config::defaults();
        assert_eq!(config.auth.token_ttl_days, 365);
        let issued: chrono::DateTime<chrono::Utc> = "2027-01-10T10:00:00.123456Z".parse().unwrap();
        assert_eq!(
            config.auth.token_expires_at(issued),
            "2028-01-10T10:00:00.123456Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
        );
        assert_eq!(
            with("[auth]\ntoken_ttl_days = 1")
                .unwrap()
                .auth
                .token_ttl_days,
            1
        );
        assert_eq!(
            with("[auth]\ntoken_ttl_days = 3650")
                .unwrap()
                .auth
                .token_ttl_days,
            3650
        );
        for bad in ["0", "3651", "-1", "\"forever\""] {
            let err = with(&format!("[auth]\ntoken_ttl_days = {bad}"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("auth.token_ttl_days"), "{bad}: {err}");
        }
        figment::Jail::expect_with(|jail| {
            jail.set_env("JANE_SEATS_AUTH__TOKEN_TTL_DAYS", "90");
            let config = Config::load().map_err(|e| e.to_string())?;
            assert_eq!(config.auth.token_ttl_days, 90);
            Ok(())
        });
    }

    #[test]
    fn unknown_settings_are_refused() {
        let err = with("[database]\npoolsize = 3").unwrap_err().to_string();
        assert!(err.contains("poolsize"), "{err}");
    }

    #[test]
    fn environment_overrides_files_with_the_fixed_names() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "extra.toml",
                "[server]\nbind = \"127.0.0.1:9000\"\n[database]\npool_size = 3",
            )?;
            jail.set_env("JANE_SEATS_CONFIG", "extra.toml");
            jail.set_env("JANE_SEATS_BIND", "127.0.0.1:9100");
            jail.set_env("JANE_SEATS_PUBLIC_URL", "https://jane.example.org");
            jail.set_env("JANE_SEATS_SMTP_URL", "smtp://127.0.0.1:2525");
            jail.set_env("JANE_SEATS_DATABASE__CONNECT_TIMEOUT_SECS", "4");
            jail.set_env("DATABASE_URL", "postgres://postgres@127.0.0.1/jane");
            let config = Config::load().map_err(|e| e.to_string())?;
            assert_eq!(config.server.bind, "127.0.0.1:9100");
            assert_eq!(config.server.public_url, "https://jane.example.org");
            assert_eq!(config.mail.smtp_url, "smtp://127.0.0.1:2525");
            assert_eq!(config.database.pool_size, 3);
            assert_eq!(config.database.connect_timeout_secs, 4);
            assert!(matches!(config.database_url(), DatabaseUrl::Postgres(_)));
            Ok(())
        });
    }

    #[test]
    fn a_bad_environment_value_names_the_setting_and_the_variable_source() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("JANE_SEATS_DATABASE__POOL_SIZE", "lots");
            let err = Config::load().unwrap_err().to_string();
            assert!(err.contains("database.pool_size"), "{err}");
            assert!(err.contains("JANE_SEATS_"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_missing_config_file_is_reported() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("JANE_SEATS_CONFIG", "nope.toml");
            let err = Config::load().unwrap_err().to_string();
            assert!(err.contains("nope.toml"), "{err}");
            Ok(())
        });
    }
}
