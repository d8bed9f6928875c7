//! The binary as `cargo run` starts it: no arguments, no file, no environment.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::binary;

fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "portcullis-start-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits for the start-up line on stderr and returns it (stderr keeps draining in a thread).
fn wait_for_listening(child: &mut Child) -> String {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) if line.contains("listening on") => return line,
            Ok(line) => seen.push(line),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    panic!(
        "the server never said it was listening; stderr:\n{}",
        seen.join("\n")
    );
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn with_no_configuration_it_serves_the_development_default_on_sqlite() {
    let dir = scratch();
    let mut child = binary::command(&dir)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let line = wait_for_listening(&mut child);
    assert!(line.contains("127.0.0.1:8080"), "{line}");
    assert!(
        line.contains("SQLite") && line.contains("data/portcullis.db"),
        "{line}"
    );
    assert!(line.contains("development"), "{line}");

    let ready = reqwest::get("http://127.0.0.1:8080/health/ready")
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert!(
        dir.join("data/portcullis.db").is_file(),
        "the database file was created with its folder"
    );
    assert!(
        dir.join("data/hash.key").is_file(),
        "the development hash key was generated"
    );

    let status = terminate(&mut child);
    assert!(status.success(), "SIGTERM is a clean exit: {status:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_restart_keeps_the_data_and_the_generated_key() {
    let dir = scratch();
    let start = || {
        binary::command(&dir)
            .env("RUST_LOG", "info")
            .env("PORTCULLIS_LISTEN", "127.0.0.1:0")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut first = start();
    wait_for_listening(&mut first);
    let key = std::fs::read_to_string(dir.join("data/hash.key")).unwrap();
    assert!(terminate(&mut first).success());
    let mut second = start();
    wait_for_listening(&mut second);
    assert_eq!(
        std::fs::read_to_string(dir.join("data/hash.key")).unwrap(),
        key
    );
    assert!(terminate(&mut second).success());
    std::fs::remove_dir_all(dir).unwrap();
}
