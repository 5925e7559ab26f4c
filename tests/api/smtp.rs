//! A real SMTP server process for the tests: `smtp_sink.py` (aiosmtpd) on a loopback port.
//! Without aiosmtpd installed the mail tests are skipped with a `SKIPPED:` notice on stderr, unless
//! `TEST_SMTP_REQUIRED=1` (set by `.ci/run`), which makes them fail instead. When
//! `TEST_SMTP_SINK_LOG` names a file, every server started appends the name of the test that
//! started it, so that `.ci/run` can check that the SMTP tests ran on both backends.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn aiosmtpd_available() -> bool {
    let available = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        if std::env::var("TEST_SMTP_REQUIRED").is_ok_and(|v| v == "1") {
            panic!("TEST_SMTP_REQUIRED=1 but python3 cannot import aiosmtpd");
        }
        // Straight to stderr: the harness captures `eprintln!` and shows it only for failing
        // tests, and a skipped test passes.
        writeln!(
            std::io::stderr(),
            "SKIPPED: the SMTP tests need aiosmtpd (python3 -m pip install aiosmtpd)"
        )
        .expect("stderr is writable");
    }
    available
}

/// A received message, parsed.
#[derive(Debug)]
pub struct Received {
    pub raw: Vec<u8>,
    pub rcpt_tos: Vec<String>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a MIME message")
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    pub fn text(&self) -> String {
        self.parsed().body_text(0).unwrap_or_default().into_owned()
    }

    pub fn html(&self) -> String {
        self.parsed().body_html(0).unwrap_or_default().into_owned()
    }

    pub fn header(&self, name: &str) -> String {
        self.parsed()
            .header_raw(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    }
}

impl SmtpSink {
    /// `None` when aiosmtpd is not installed (and not required).
    pub fn start() -> Option<Self> {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Option<Self> {
        Self::start_slow(port, 0.0)
    }

    /// A server that takes `delay` seconds to accept each message.
    pub fn start_slow(port: u16, delay: f64) -> Option<Self> {
        if !aiosmtpd_available() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/api/smtp_sink.py"
            ))
            .arg(port.to_string())
            .arg(dir.path())
            .arg(delay.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        if let Ok(log) = std::env::var("TEST_SMTP_SINK_LOG") {
            // libtest runs each test on a thread named after it.
            let test = std::thread::current().name().unwrap_or("?").to_owned();
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .and_then(|mut f| writeln!(f, "{test}"))
                .expect("TEST_SMTP_SINK_LOG is writable");
        }
        Some(Self { child, port, dir })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Messages received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|eml| {
                let envelope: serde_json::Value = serde_json::from_str(
                    &std::fs::read_to_string(eml.with_extension("json")).unwrap(),
                )
                .unwrap();
                Received {
                    raw: std::fs::read(&eml).unwrap(),
                    rcpt_tos: envelope["rcpt_tos"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r.as_str().unwrap().to_owned())
                        .collect(),
                }
            })
            .collect()
    }

    /// Waits until at least `n` messages have arrived (yielding, so senders on the same runtime
    /// keep working).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let received = self.received();
            if received.len() >= n || Instant::now() > deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
