//! The README's walk-through, run as written: every shell block of its section "A walk-through
//! with curl", in order, in one bash with `set -euo pipefail`, against the real binary serving a
//! fresh SQLite database. `cargo run --release -q -- ARGS` in the blocks runs the binary under
//! test (a `cargo` on the PATH stands in), `API` points at the test's port, and `CLOSE_IN`
//! shortens the call's five minutes to seconds; nothing else is changed.

use std::process::{Command, Stdio};

use crate::process::{BIN, free_port, wait_until_listening};

/// The shell blocks of the README's walk-through, in order.
fn walk_through(readme: &str) -> Vec<String> {
    let start = readme
        .find("## A walk-through with curl")
        .expect("the README has its walk-through");
    let section = &readme[start..];
    let section = &section[..section[3..]
        .find("\n## ")
        .map_or(section.len(), |end| end + 3)];
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if line.trim_end() == "```sh" {
            let block: Vec<&str> = lines
                .by_ref()
                .take_while(|l| l.trim_end() != "```")
                .collect();
            blocks.push(block.join("\n"));
        }
    }
    blocks
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn the_readme_walk_through_runs_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let blocks = walk_through(&readme);
    assert!(
        blocks.len() >= 8,
        "the walk-through lost its blocks: {blocks:?}"
    );
    if let Some(missing) = ["bash", "curl", "jq", "date"]
        .into_iter()
        .find(|t| !have(t))
    {
        eprintln!("SKIPPED: the README walk-through needs {missing}");
        return;
    }

    let dir = tempfile::tempdir().unwrap();
    let shims = dir.path().join("bin");
    std::fs::create_dir_all(&shims).unwrap();
    let cargo = shims.join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\n# `cargo run ... -- ARGS` as the README writes it: the binary under test.\n\
             while [ \"$#\" -gt 0 ] && [ \"$1\" != \"--\" ]; do shift; done\nshift\nexec '{BIN}' \"$@\"\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let port = free_port();
    let database = dir.path().join("data/jane-seats.db");
    let server_log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut server = Command::new(BIN)
        .current_dir(dir.path())
        .env("DATABASE_URL", &database)
        .env("JANE_SEATS_BIND", format!("127.0.0.1:{port}"))
        .env_remove("JANE_SEATS_SMTP_URL")
        .stdout(Stdio::null())
        .stderr(server_log)
        .spawn()
        .unwrap();
    wait_until_listening(port, &mut server);

    let script = format!("set -euo pipefail\n{}\n", blocks.join("\n\n"));
    let path = format!(
        "{}:{}",
        shims.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("DATABASE_URL", &database)
        .env("API", format!("http://127.0.0.1:{port}/api/v1"))
        .env("CLOSE_IN", "30 seconds")
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the walk-through failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- server log\n{}",
        output.status,
        std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default()
    );
    // What the README's comments promise, in the order it promises them.
    let mut rest: &str = &stdout;
    for expected in [
        "\"role\": \"secretary\"",
        "6",
        "open",
        "Liperin paikallis-JANE: avoin haku 2027",
        "+358507654321",
        "reviewing",
        "villages_heritage",
        "Äijä Öhman",
        "decided",
        "confirmed",
        "sports representative: Matti Mäkinen",
        "villages_heritage representative: Äijä Öhman",
        "\"gaps\":4",
        "[422,",
    ] {
        let at = rest.find(expected).unwrap_or_else(|| {
            panic!("{expected:?} missing from what followed:\n{rest}\n--- all\n{stdout}")
        });
        rest = &rest[at + expected.len()..];
    }
    // No log line names a person or carries a phone number or a full email address.
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.lines().count() > 10, "{log}");
    for personal in [
        "Äijä",
        "Öhman",
        "aija@example.org",
        "Mäkinen",
        "matti@example.org",
        "765 4321",
        "7654321",
        "Sanna Sihteeri",
        "sihteeri@liperi.example",
        "Aino Arvioija",
    ] {
        assert!(
            !log.contains(personal),
            "{personal} in the server log:\n{log}"
        );
    }
    // The outcome messages were written where the README says.
    let outbox = dir.path().join("data/outbox");
    let messages = std::fs::read_dir(&outbox).map_or(0, |d| d.count());
    assert!(messages >= 2, "{messages} messages in {}", outbox.display());
}
