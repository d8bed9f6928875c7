//! The real `portcullis` binary as a subprocess, with a clean environment.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::TestDatabase;
use super::app::{TEST_HASH_KEY, TEST_KEK};

pub const BINARY: &str = env!("CARGO_BIN_EXE_portcullis");

/// A command with no inherited environment (so the developer's variables cannot leak in).
pub fn command(cwd: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command.env_clear().current_dir(cwd).env("RUST_LOG", "warn");
    command
}

/// A command aimed at a test database.
pub fn command_for(db: &TestDatabase) -> Command {
    let mut command = command(db.dir());
    command
        .env("DATABASE_URL", &db.url)
        .env("PORTCULLIS_SECRETS__HASH_KEY", TEST_HASH_KEY)
        .env("PORTCULLIS_KEYS__ENCRYPTION_KEY", TEST_KEK);
    command
}

/// The outcome of one run.
pub struct Run {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn assert_success(&self) -> &Self {
        assert!(
            self.status.success(),
            "exit {:?}\nstdout: {}\nstderr: {}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Fails with one readable message: non-zero exit, no panic or backtrace.
    pub fn assert_clean_failure(&self) -> &Self {
        assert!(
            !self.status.success(),
            "expected failure, got success: {}",
            self.stdout
        );
        assert!(
            !self.stderr.contains("panicked"),
            "panicked: {}",
            self.stderr
        );
        assert!(
            !self.stderr.contains("RUST_BACKTRACE"),
            "backtrace hint: {}",
            self.stderr
        );
        self
    }
}

/// Runs to completion, feeding `stdin` if given.
pub fn run(mut command: Command, stdin: Option<&str>) -> Run {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let (Some(mut pipe), Some(input)) = (child.stdin.take(), stdin) {
        pipe.write_all(input.as_bytes()).unwrap();
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}
