//! What the benchmarks against the release binary share: a throw-away database per backend, the
//! binary started on a free loopback port, and CPU and memory readings of a process.

#![allow(dead_code, reason = "each bench uses its own part")]

use std::fmt::Write as _;
use std::process::{Child, Command};

use diesel::{Connection, RunQueryDsl};

pub const BIN: &str = env!("CARGO_BIN_EXE_jane-seats");

pub fn postgres_base() -> Option<String> {
    std::env::var("BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("TEST_POSTGRES_URL"))
        .ok()
        .filter(|u| !u.is_empty())
}

/// A fresh database of the backend; the guard removes it.
pub struct Database {
    pub url: String,
    pub _dir: Option<tempfile::TempDir>,
    pub drop_pg: Option<(String, String)>,
}

impl Database {
    pub fn create(backend: &str) -> Option<Self> {
        match backend {
            "sqlite" => {
                let dir = tempfile::tempdir().unwrap();
                let url = dir.path().join("bench.db").to_string_lossy().into_owned();
                Some(Self {
                    url,
                    _dir: Some(dir),
                    drop_pg: None,
                })
            }
            _ => {
                let base = postgres_base()?;
                let name = format!("jane_seats_bench_{}", std::process::id());
                let mut admin =
                    diesel::PgConnection::establish(&base).expect("PostgreSQL reachable");
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .unwrap();
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .unwrap();
                let mut url = url::Url::parse(&base).unwrap();
                url.set_path(&format!("/{name}"));
                Some(Self {
                    url: url.to_string(),
                    _dir: None,
                    drop_pg: Some((base, name)),
                })
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.drop_pg
            && let Ok(mut admin) = diesel::PgConnection::establish(base)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn jane(db: &Database, pool: u32) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("DATABASE_URL", &db.url)
        .env("JANE_SEATS_DATABASE__POOL_SIZE", pool.to_string())
        .env("JANE_SEATS_RATE_LIMIT__APPLICATIONS_PER_MINUTE", "0")
        .env("JANE_SEATS_MAIL__WORKER", "false")
        .env("JANE_SEATS_LOG__FORMAT", "json");
    cmd
}

pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere).
pub fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: f64 = fields
        .get(11)
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
    ticks / 100.0
}

/// A process's resident memory now and at its peak (VmRSS, VmHWM), in MiB (Linux /proc).
pub fn memory_mib(pid: &str) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The `n` mappings of a process holding the most resident memory, for finding where it goes:
/// "RSS KiB  size KiB  name" per line (Linux /proc/PID/smaps; anonymous mappings unnamed).
pub fn largest_mappings(pid: &str, n: usize) -> String {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut mappings: Vec<(u64, u64, String)> = Vec::new();
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let first = fields.next().unwrap_or("");
        if first.contains('-') && !first.ends_with(':') {
            let name = line
                .split_whitespace()
                .nth(5)
                .unwrap_or("[anonymous]")
                .to_owned();
            let (from, to) = first.split_once('-').unwrap();
            let size = u64::from_str_radix(to, 16).unwrap_or(0)
                - u64::from_str_radix(from, 16).unwrap_or(0);
            mappings.push((0, size / 1024, name));
        } else if first == "Rss:"
            && let Some(last) = mappings.last_mut()
        {
            last.0 = fields.next().and_then(|k| k.parse().ok()).unwrap_or(0);
        }
    }
    let count = mappings.len();
    mappings.sort_by_key(|m| std::cmp::Reverse(m.0));
    let mut out = format!("{count} mappings; the largest by RSS (KiB, size KiB, name):\n");
    for (rss, size, name) in mappings.into_iter().take(n) {
        let _ = writeln!(out, "{rss:>8} {size:>8} {name}");
    }
    out
}
