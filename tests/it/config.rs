//! Configuration layering (defaults → file → environment), `_FILE` secrets, and errors that name
//! the key and its source.

use std::path::PathBuf;

use portcullis::config::{Backend, Config, Sources};

use crate::support::binary;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "portcullis-config-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn load_error(sources: &Sources) -> String {
    Config::load(sources).unwrap_err().to_string()
}

#[test]
fn defaults_alone_give_the_development_server() {
    let config = Config::load(&Sources::default()).unwrap();
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.issuer(), "http://127.0.0.1:8080");
    assert_eq!(config.database.url.backend(), Backend::Sqlite);
    assert_eq!(config.database.url.expose(), "sqlite://data/portcullis.db");
    assert!(config.is_development());
    assert!(config.database.migrate);
}

#[test]
fn a_file_overrides_defaults_and_the_environment_overrides_the_file() {
    let dir = scratch();
    let file = dir.join("portcullis.toml");
    std::fs::write(
        &file,
        "[server]\nlisten = \"127.0.0.1:9000\"\nbody_limit = 4096\n[database]\nacquire_timeout = \"750ms\"\n",
    )
    .unwrap();
    let sources = Sources {
        file: Some(file),
        env: env(&[
            ("PORTCULLIS_SERVER__BODY_LIMIT", "8192"),
            ("UNRELATED", "x"),
        ]),
    };
    let config = Config::load(&sources).unwrap();
    assert_eq!(config.server.listen.port(), 9000, "from the file");
    assert_eq!(config.server.body_limit, 8192, "environment beats file");
    assert_eq!(config.database.acquire_timeout.get().as_millis(), 750);
    assert_eq!(config.database.max_connections, 10, "untouched default");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn operator_aliases_set_their_keys_and_full_names_win() {
    let sources = Sources {
        file: None,
        env: env(&[
            (
                "DATABASE_URL",
                "postgres://app:pw@db.internal:5432/portcullis",
            ),
            ("PORTCULLIS_LISTEN", "0.0.0.0:8443"),
            ("PORTCULLIS_ISSUER", "https://id.example.com"),
            (
                "PORTCULLIS_SECRETS__HASH_KEY",
                "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXk=",
            ),
            (
                "PORTCULLIS_KEYS__ENCRYPTION_KEY",
                "a2VrLWtlay1rZWsta2VrLWtlay1rZWsta2VrLWtlay1rZWs=",
            ),
        ]),
    };
    let config = Config::load(&sources).unwrap();
    assert_eq!(config.database.url.backend(), Backend::Postgres);
    assert_eq!(config.server.listen.to_string(), "0.0.0.0:8443");
    assert_eq!(config.issuer(), "https://id.example.com");
    assert!(!config.is_development());

    let both = Sources {
        file: None,
        env: env(&[
            ("PORTCULLIS_LISTEN", "127.0.0.1:1111"),
            ("PORTCULLIS_SERVER__LISTEN", "127.0.0.1:2222"),
        ]),
    };
    assert_eq!(Config::load(&both).unwrap().server.listen.port(), 2222);
}

#[test]
fn a_file_suffix_reads_a_secret_from_a_file() {
    let dir = scratch();
    let secret = dir.join("hash_key");
    std::fs::write(
        &secret,
        "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXk=\n",
    )
    .unwrap();
    let url_file = dir.join("db_url");
    std::fs::write(&url_file, "postgres://u:p@h/db\n").unwrap();
    let sources = Sources {
        file: None,
        env: env(&[
            (
                "PORTCULLIS_SECRETS__HASH_KEY_FILE",
                secret.to_str().unwrap(),
            ),
            ("DATABASE_URL_FILE", url_file.to_str().unwrap()),
            ("PORTCULLIS_ISSUER", "https://id.example.com"),
            (
                "PORTCULLIS_KEYS__ENCRYPTION_KEY",
                "a2VrLWtlay1rZWsta2VrLWtlay1rZWsta2VrLWtlay1rZWs=",
            ),
        ]),
    };
    let config = Config::load(&sources).unwrap();
    assert_eq!(
        config.secrets.hash_key.expose(),
        "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXk="
    );
    assert_eq!(config.database.url.expose(), "postgres://u:p@h/db");

    let missing = Sources {
        file: None,
        env: env(&[("PORTCULLIS_SECRETS__HASH_KEY_FILE", "/nonexistent/secret")]),
    };
    let message = load_error(&missing);
    assert!(
        message.contains("PORTCULLIS_SECRETS__HASH_KEY_FILE"),
        "{message}"
    );
    assert!(message.contains("/nonexistent/secret"), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_unknown_key_in_a_file_is_an_error_naming_the_key_and_file() {
    let dir = scratch();
    let file = dir.join("typo.toml");
    std::fs::write(&file, "[server]\nlistn = \"127.0.0.1:9000\"\n").unwrap();
    let message = load_error(&Sources {
        file: Some(file.clone()),
        env: Vec::new(),
    });
    assert!(message.contains("listn"), "{message}");
    assert!(message.contains(file.to_str().unwrap()), "{message}");

    std::fs::write(&file, "[servr]\nlisten = \"127.0.0.1:9000\"\n").unwrap();
    let message = load_error(&Sources {
        file: Some(file),
        env: Vec::new(),
    });
    assert!(message.contains("servr"), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unknown_environment_settings_are_errors_naming_the_variable() {
    let typo = Sources {
        file: None,
        env: env(&[("PORTCULLIS_SERVER__LISTN", "127.0.0.1:1")]),
    };
    let message = load_error(&typo);
    assert!(
        message.contains("listn") && message.contains("PORTCULLIS_SERVER__LISTN"),
        "{message}"
    );
    let shape = Sources {
        file: None,
        env: env(&[("PORTCULLIS_WHATEVER", "1")]),
    };
    assert!(load_error(&shape).contains("PORTCULLIS_WHATEVER"));
}

#[test]
fn bad_values_are_errors_naming_the_key_and_source() {
    let cases = [
        ("PORTCULLIS_LISTEN", "not-an-address", "server.listen"),
        (
            "PORTCULLIS_DATABASE__ACQUIRE_TIMEOUT",
            "soon",
            "database.acquire_timeout",
        ),
        ("DATABASE_URL", "mysql://localhost/db", "database.url"),
        (
            "PORTCULLIS_ISSUER",
            "http://id.example.com",
            "server.issuer",
        ),
        (
            "PORTCULLIS_ISSUER",
            "https://id.example.com",
            "secrets.hash_key",
        ),
        ("PORTCULLIS_LOG__FORMAT", "xml", "log.format"),
        (
            "PORTCULLIS_DATABASE__MAX_CONNECTIONS",
            "0",
            "database.max_connections",
        ),
    ];
    for (variable, value, key) in cases {
        let message = load_error(&Sources {
            file: None,
            env: env(&[(variable, value)]),
        });
        assert!(message.contains(key), "{variable}={value}: {message}");
        let names_source = message.contains(variable) || message.contains("built-in defaults");
        assert!(
            names_source,
            "{variable}={value} should name its source: {message}"
        );
    }
}

#[test]
fn a_missing_config_file_is_a_clear_error() {
    let message = load_error(&Sources {
        file: Some("/nonexistent/portcullis.toml".into()),
        env: Vec::new(),
    });
    assert!(
        message.contains("/nonexistent/portcullis.toml"),
        "{message}"
    );
}

#[test]
fn the_production_example_is_valid_once_its_secret_is_provided() {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/production.example.toml");
    let without_secret = load_error(&Sources {
        file: Some(example.clone()),
        env: Vec::new(),
    });
    assert!(
        without_secret.contains("secrets.hash_key"),
        "{without_secret}"
    );
    let dir = scratch();
    let kek = dir.join("kek");
    std::fs::write(&kek, "a2VrLWtlay1rZWsta2VrLWtlay1rZWsta2VrLWtlay1rZWs=\n").unwrap();
    let sources = Sources {
        file: Some(example),
        env: env(&[
            (
                "PORTCULLIS_SECRETS__HASH_KEY",
                "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXk=",
            ),
            (
                "PORTCULLIS_KEYS__ENCRYPTION_KEY_FILE",
                kek.to_str().unwrap(),
            ),
        ]),
    };
    let config = Config::load(&sources).unwrap();
    assert_eq!(config.database.url.backend(), Backend::Postgres);
    assert_eq!(config.issuer(), "https://id.example.com");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_config_prints_the_effective_configuration_with_secrets_redacted() {
    let dir = scratch();
    let mut command = binary::command(&dir);
    command
        .arg("check-config")
        .env(
            "DATABASE_URL",
            "postgres://app:hunter2-secret@db.internal/portcullis",
        )
        .env("PORTCULLIS_ISSUER", "https://id.example.com")
        .env(
            "PORTCULLIS_SECRETS__HASH_KEY",
            "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXk=",
        )
        .env(
            "PORTCULLIS_KEYS__ENCRYPTION_KEY",
            "a2VrLWtlay1rZWsta2VrLWtlay1rZWsta2VrLWtlay1rZWs=",
        );
    let run = binary::run(command, None);
    run.assert_success();
    assert!(!run.stdout.contains("hunter2-secret"), "{}", run.stdout);
    assert!(!run.stdout.contains("dGVzdC1rZXkt"), "{}", run.stdout);
    let json = run.json();
    assert_eq!(json["server"]["issuer"], "https://id.example.com/");
    assert_eq!(json["secrets"]["hash_key"], "[redacted]");
    assert_eq!(json["keys"]["encryption_key"], "[redacted]");
    assert!(!run.stdout.contains("a2VrLWtl"), "{}", run.stdout);
    assert!(
        json["database"]["url"]
            .as_str()
            .unwrap()
            .contains("db.internal")
    );
    // Valid, but risky: administrators may sign in without a second factor by default.
    assert!(
        run.stderr.contains("portcullis: warning: mfa.policy:"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("server.issuer"), "{}", run.stderr);
    assert!(!run.stderr.contains("secrets.hash_key"), "{}", run.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_config_warns_about_each_risky_setting_and_only_those() {
    let dir = scratch();
    let mut command = binary::command(&dir);
    command
        .arg("check-config")
        .env("PORTCULLIS_REGISTRATION__ENABLED", "true")
        .env("PORTCULLIS_REGISTRATION__REQUIRE_VERIFIED_EMAIL", "false");
    let run = binary::run(command, None);
    run.assert_success();
    let warned: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|line| line.strip_prefix("portcullis: warning: "))
        .filter_map(|line| line.split_once(':').map(|(key, _)| key))
        .collect();
    assert_eq!(
        warned,
        [
            "server.issuer",
            "secrets.hash_key",
            "keys.encryption_key",
            "mfa.policy",
            "registration.require_verified_email"
        ],
        "{}",
        run.stderr
    );
    let mut command = binary::command(&dir);
    command
        .arg("check-config")
        .env("PORTCULLIS_ISSUER", "https://id.example.com")
        .env(
            "PORTCULLIS_SECRETS__HASH_KEY",
            "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXk=",
        )
        .env(
            "PORTCULLIS_KEYS__ENCRYPTION_KEY",
            "a2VrLWtlay1rZWsta2VrLWtlay1rZWsta2VrLWtlay1rZWs=",
        )
        .env("PORTCULLIS_MFA__POLICY", "required_for_roles");
    let run = binary::run(command, None);
    run.assert_success();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bad_configuration_exits_non_zero_with_one_readable_line() {
    let dir = scratch();
    let mut command = binary::command(&dir);
    command.env("PORTCULLIS_LISTEN", "nowhere");
    let run = binary::run(command, None);
    run.assert_clean_failure();
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("server.listen") && run.stderr.contains("PORTCULLIS_LISTEN"),
        "{}",
        run.stderr
    );
    std::fs::remove_dir_all(dir).unwrap();
}
