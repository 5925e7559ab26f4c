use std::process::ExitCode;

/// Requests allocate many short-lived strings and JSON values; mimalloc serves them with less
/// contention between threads than the system allocator (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use jane_seats::clock::{Clock, SystemClock};
use jane_seats::config::Config;
use jane_seats::{server, store, telemetry};

/// Open application rounds for seats on JANE and the paikallis-JANEs.
///
/// Without a command, serves HTTP. Configuration: config/default.toml (compiled in), the TOML file
/// named by JANE_SEATS_CONFIG, then DATABASE_URL, JANE_SEATS_BIND, JANE_SEATS_PUBLIC_URL,
/// JANE_SEATS_SMTP_URL and JANE_SEATS_<SECTION>__<KEY> environment variables.
#[derive(Parser)]
#[command(name = "jane-seats", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Create an admin user (or reuse the one with this email) and print a new bearer token,
    /// alone on the last line.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Print the OpenAPI document.
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        let served = jane_seats::api::docs::served(&jane_seats::api::openapi());
        println!(
            "{}",
            serde_json::to_string_pretty(&served).expect("serialises")
        );
        return ExitCode::SUCCESS;
    }
    let config = match Config::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("jane-seats: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_tracing(&config.log);
    let result = match cli.command {
        None | Some(Command::Serve) => actix_web::rt::System::new().block_on(server::serve(config)),
        Some(Command::CreateAdmin { email, name }) => create_admin(&config, &email, &name),
        Some(Command::Openapi) => unreachable!("handled above"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jane-seats: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn create_admin(config: &Config, email: &str, name: &str) -> anyhow::Result<()> {
    use validator::ValidateEmail;
    if !email.validate_email() {
        anyhow::bail!("`{email}` is not a valid email address");
    }
    if name.trim().is_empty() {
        anyhow::bail!("--name must not be blank");
    }
    let clock = SystemClock;
    let db = server::open_database(config, &clock)?;
    let mut conn = db.conn()?;
    let now = clock.now();
    let term = store::users::TokenTerm::from(now, &config.auth);
    let (user, token) = store::users::ensure_admin(&mut conn, email, name, term)?;
    println!("admin {} <{}> (id {})", user.name, user.email, user.id);
    println!(
        "bearer token (shown once; store it now; it works until {}):",
        term.expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    println!("{token}");
    Ok(())
}
