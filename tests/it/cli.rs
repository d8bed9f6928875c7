//! The CLI as an operator runs it: a subprocess, JSON on stdout, one clear line on failure.

use portcullis::domain::{ClientId, Email};

use crate::support::binary::{self, command_for};
use crate::support::{Backend, TestDatabase};

async fn user_create_prints_json_and_stores_the_user(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let mut command = command_for(&db);
    command.args([
        "user",
        "create",
        "--email",
        "Ada@Example.com",
        "--name",
        "Ada Lovelace",
    ]);
    command.args([
        "--role",
        "admin",
        "--role",
        "billing:read",
        "--password-stdin",
    ]);
    let run = binary::run(command, Some("Correct horse battery staple 9\n"));
    run.assert_success();
    let json = run.json();
    assert_eq!(json["email"], "ada@example.com");
    let id: uuid::Uuid = json["id"].as_str().unwrap().parse().unwrap();

    let store = crate::support::connect_store(&db.config()).await.unwrap();
    let user = store
        .find_user_by_email(&Email::parse("ADA@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.id.as_uuid(), id);
    assert_eq!(user.name.as_deref(), Some("Ada Lovelace"));
    let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    assert_eq!(roles, ["admin", "billing:read"]);
    store.close().await;
}

async fn user_create_refuses_a_duplicate_email_whatever_its_case(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let mut first = command_for(&db);
    first.args(["user", "create", "--email", "grace@example.com"]);
    binary::run(first, None).assert_success();
    let mut second = command_for(&db);
    second.args(["user", "create", "--email", "GRACE@example.com"]);
    let run = binary::run(second, None);
    run.assert_clean_failure();
    assert_eq!(run.status.code(), Some(1));
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

async fn user_create_refuses_bad_input_with_the_field_named(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let mut bad_email = command_for(&db);
    bad_email.args(["user", "create", "--email", "not-an-email"]);
    let run = binary::run(bad_email, None);
    run.assert_clean_failure();
    assert!(run.stderr.contains("email"), "{}", run.stderr);

    let mut short_password = command_for(&db);
    short_password.args([
        "user",
        "create",
        "--email",
        "a@example.com",
        "--password-stdin",
    ]);
    let run = binary::run(short_password, Some("short\n"));
    run.assert_clean_failure();
    assert!(run.stderr.contains("password"), "{}", run.stderr);

    // The policy holds for operators too: a common password, and one holding the email's name.
    for (password, why) in [
        ("Password1", "most common"),
        ("Ada-x-2026!", "email address or name"),
    ] {
        let mut weak = command_for(&db);
        weak.args([
            "user",
            "create",
            "--email",
            "ada@example.com",
            "--password-stdin",
        ]);
        let run = binary::run(weak, Some(&format!("{password}\n")));
        run.assert_clean_failure();
        assert!(run.stderr.contains(why), "{password}: {}", run.stderr);
    }

    let store = crate::support::connect_store(&db.config()).await.unwrap();
    let user = store
        .find_user_by_email(&Email::parse("a@example.com").unwrap())
        .await
        .unwrap();
    assert!(user.is_none(), "a refused command writes nothing");
    let ada = Email::parse("ada@example.com").unwrap();
    assert!(store.find_user_by_email(&ada).await.unwrap().is_none());
    store.close().await;
}

async fn client_create_prints_a_secret_once_and_stores_only_its_hash(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let mut command = command_for(&db);
    command.args([
        "client",
        "create",
        "--name",
        "Example App",
        "--client-id",
        "example-app",
    ]);
    command.args(["--redirect-uri", "https://app.example.com/callback"]);
    command.args(["--redirect-uri", "http://127.0.0.1/callback"]);
    command.args(["--post-logout-redirect-uri", "https://app.example.com/"]);
    command.args([
        "--grant-type",
        "authorization_code",
        "--grant-type",
        "refresh_token",
    ]);
    command.args(["--scope", "openid", "--scope", "email"]);
    let run = binary::run(command, None);
    run.assert_success();
    let json = run.json();
    assert_eq!(json["client_id"], "example-app");
    let secret = json["client_secret"].as_str().unwrap();
    assert_eq!(secret.len(), 43, "256 random bits, base64url");

    let store = crate::support::connect_store(&db.config()).await.unwrap();
    let client = store
        .find_client(&ClientId::parse("example-app").unwrap())
        .await
        .unwrap()
        .unwrap();
    let stored = client.secret_hash.clone().unwrap();
    assert_ne!(stored, secret, "the secret is not stored in clear");
    let hasher = portcullis::crypto::token::TokenHasher::new(
        &portcullis::config::decode_secret_key(&portcullis::config::SecretString::new(
            crate::support::app::TEST_HASH_KEY,
        ))
        .unwrap(),
    );
    let presented = portcullis::crypto::token::PlaintextToken::from_presented(secret);
    assert!(hasher.verify(
        &presented,
        &portcullis::crypto::token::TokenHash::from_stored(stored)
    ));
    assert_eq!(client.redirect_uris.len(), 2);
    assert_eq!(
        client.post_logout_redirect_uris[0].as_str(),
        "https://app.example.com/"
    );
    let scopes: Vec<&str> = client.scopes.iter().map(|s| s.as_str()).collect();
    assert_eq!(scopes, ["openid", "email"]);
    store.close().await;
}

async fn client_create_gives_public_clients_no_secret(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let mut command = command_for(&db);
    command.args(["client", "create", "--name", "SPA", "--public"]);
    command.args(["--redirect-uri", "https://spa.example.com/cb"]);
    let run = binary::run(command, None);
    run.assert_success();
    let json = run.json();
    assert!(json["client_secret"].is_null());
    assert_eq!(json["client_type"], "public");
    assert_eq!(
        json["grant_types"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        json["client_id"].as_str().unwrap().len(),
        32,
        "generated id"
    );
}

async fn client_create_refuses_bad_redirect_uris_and_unsafe_grants(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let refusals: [(&[&str], &str); 5] = [
        (&["--redirect-uri", "http://app.example.com/cb"], "https"),
        (
            &["--redirect-uri", "https://app.example.com/cb#frag"],
            "fragment",
        ),
        (&["--redirect-uri", "/relative"], "absolute"),
        (
            &[
                "--redirect-uri",
                "https://a.example/cb",
                "--grant-type",
                "password",
            ],
            "first-party",
        ),
        (
            &["--public", "--grant-type", "client_credentials"],
            "confidential",
        ),
    ];
    for (args, expected) in refusals {
        let mut command = command_for(&db);
        command
            .args(["client", "create", "--name", "Bad", "--client-id", "bad"])
            .args(args);
        let run = binary::run(command, None);
        run.assert_clean_failure();
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
    let store = crate::support::connect_store(&db.config()).await.unwrap();
    assert!(
        store.list_clients().await.unwrap().is_empty(),
        "nothing was written"
    );
    store.close().await;

    let mut duplicate = command_for(&db);
    duplicate.args([
        "client",
        "create",
        "--name",
        "M2M",
        "--client-id",
        "m2m",
        "--grant-type",
        "client_credentials",
    ]);
    binary::run(duplicate, None).assert_success();
    let mut again = command_for(&db);
    again.args([
        "client",
        "create",
        "--name",
        "M2M",
        "--client-id",
        "m2m",
        "--grant-type",
        "client_credentials",
    ]);
    let run = binary::run(again, None);
    run.assert_clean_failure();
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
}

async fn migrate_applies_the_schema_and_reports_its_version(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let mut command = command_for(&db);
    command.arg("migrate");
    let run = binary::run(command, None);
    run.assert_success();
    let json = run.json();
    let latest = portcullis::store::migration_names(backend).len() as i64;
    assert_eq!(json["schema_version"], latest);
}

on_both_backends!(
    user_create_prints_json_and_stores_the_user,
    user_create_refuses_a_duplicate_email_whatever_its_case,
    user_create_refuses_bad_input_with_the_field_named,
    client_create_prints_a_secret_once_and_stores_only_its_hash,
    client_create_gives_public_clients_no_secret,
    client_create_refuses_bad_redirect_uris_and_unsafe_grants,
    migrate_applies_the_schema_and_reports_its_version,
);
