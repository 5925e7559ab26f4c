//! The real binary as an operator runs it: configuration errors, structured request logs, and a
//! graceful stop on SIGTERM that lets an in-flight request finish.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_jane-seats");

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn jane(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("JANE_SEATS_LOG__FORMAT", "json")
        .env("DATABASE_URL", dir.join("data/jane-seats.db"));
    cmd
}

pub(crate) fn wait_until_listening(port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the server exited early: {status}");
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not start listening");
}

#[test]
fn bad_configuration_stops_the_start_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value, setting) in [
        (
            "JANE_SEATS_DATABASE__POOL_SIZE",
            "lots",
            "database.pool_size",
        ),
        ("JANE_SEATS_BIND", "everywhere", "server.bind"),
        (
            "JANE_SEATS_PUBLIC_URL",
            "jane.example.org",
            "server.public_url",
        ),
        ("DATABASE_URL", "mysql://localhost/jane", "database.url"),
        ("JANE_SEATS_SMTP_URL", "http://mail", "mail.smtp_url"),
    ] {
        let output = jane(dir.path()).env(var, value).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{var}={value}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains(setting), "{var}={value}: {stderr}");
    }
    assert!(!dir.path().join("data").exists(), "nothing was created");
}

#[test]
fn help_names_the_commands() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("create-admin") && text.contains("serve"),
        "{text}"
    );
}

#[test]
fn sigterm_lets_in_flight_requests_finish_and_logs_are_structured() {
    let dir = tempfile::tempdir().unwrap();
    let admin = jane(dir.path())
        .args([
            "create-admin",
            "--email",
            "root@example.org",
            "--name",
            "Root",
        ])
        .output()
        .unwrap();
    assert!(
        admin.status.success(),
        "{}",
        String::from_utf8_lossy(&admin.stderr)
    );
    let token = String::from_utf8(admin.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();

    let port = free_port();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut server = jane(dir.path())
        .env("JANE_SEATS_BIND", format!("127.0.0.1:{port}"))
        .env("JANE_SEATS_SERVER__WORKERS", "1")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    wait_until_listening(port, &mut server);

    // A request whose body is still arriving when the signal comes.
    let body = r#"{"name": {"fi": "Pohjois-Karjalan JANE"}, "kind": "regional", "municipality_codes": ["167"]}"#;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /api/v1/councils HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    let (first, rest) = body.split_at(20);
    stream.write_all(first.as_bytes()).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(500));
    // New connections are no longer accepted while the old one finishes.
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the listener is closed"
    );

    stream.write_all(rest.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");

    // One JSON object per line; the request's line carries its id, route, status and latency.
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let finished = lines
        .iter()
        .find(|l| l["message"] == "request finished" && l["route"] == "/api/v1/councils")
        .unwrap_or_else(|| panic!("no request log line in {log}"));
    assert_eq!(finished["status"], 201);
    assert_eq!(finished["level"], "INFO");
    assert!(finished["latency_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(finished["span"]["method"], "POST");
    assert!(uuid::Uuid::parse_str(finished["span"]["request_id"].as_str().unwrap()).is_ok());
    assert!(!log.contains(&token), "tokens never reach the log");
    assert!(lines.iter().any(|l| l["message"] == "jane-seats stopped"));
    // Without SMTP settings the start-up log says where messages go, and the sender stops cleanly.
    assert!(
        lines.iter().any(|l| l["level"] == "WARN"
            && l["message"]
                .as_str()
                .unwrap()
                .contains("no SMTP server configured")
            && l["outbox_dir"] == "data/outbox"),
        "{log}"
    );
    assert!(
        lines.iter().any(|l| l["message"] == "mail sender stopped"),
        "{log}"
    );
}
