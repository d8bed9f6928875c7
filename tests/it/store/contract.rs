//! What every store trait promises, written once and run on PostgreSQL and SQLite.

use std::sync::Arc;

use portcullis::domain::{
    ClientId, ClientKind, Email, GrantType, NewClient, NewUser, RedirectUri, RoleName, ScopeToken,
    SigningAlgorithm, UserId, UserStatus, WebOrigin, time,
};
use portcullis::store::{Conflict, Store, StoreError};

use crate::support::{Backend, TestDatabase};

pub(super) async fn open(backend: Backend) -> (TestDatabase, Arc<dyn Store>) {
    let db = TestDatabase::new(backend).await;
    let store = crate::support::connect_store(&db.config()).await.unwrap();
    store.migrate().await.unwrap();
    (db, store)
}

pub(super) fn new_user(email: &str, roles: &[&str]) -> NewUser {
    NewUser {
        id: UserId::new(),
        email: Email::parse(email).unwrap(),
        name: Some("Test User".into()),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        email_verified: true,
        roles: roles.iter().map(|r| RoleName::parse(r).unwrap()).collect(),
        created_at: time::now(),
    }
}

fn new_client(id: &str) -> NewClient {
    NewClient {
        id: ClientId::parse(id).unwrap(),
        name: "Contract Client".into(),
        secret_hash: Some("hash".into()),
        kind: ClientKind::Confidential,
        first_party: true,
        redirect_uris: vec![RedirectUri::parse("https://app.example.com/cb").unwrap()],
        post_logout_redirect_uris: vec![],
        grant_types: vec![GrantType::AuthorizationCode, GrantType::ClientCredentials],
        scopes: vec![ScopeToken::parse("openid").unwrap()],
        web_origins: vec![WebOrigin::parse("https://app.example.com").unwrap()],
        audience: Some("https://api.example.com".into()),
        access_token_alg: SigningAlgorithm::Rs256,
        id_token_alg: SigningAlgorithm::Es256,
        access_token_ttl_seconds: Some(300),
        created_at: time::now(),
    }
}

async fn a_created_user_reads_back_equal_by_id_and_by_email(backend: Backend) {
    let (_db, store) = open(backend).await;
    let created = store
        .create_user(
            new_user("reader@example.com", &["b", "a"]),
            &crate::support::test_event(),
        )
        .await
        .unwrap();
    let by_id = store.find_user(created.id).await.unwrap().unwrap();
    let by_email = store
        .find_user_by_email(&created.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_id, created);
    assert_eq!(by_email, created);
    assert_eq!(by_id.status, UserStatus::Active);
    let roles: Vec<&str> = by_id.roles.iter().map(|r| r.as_str()).collect();
    assert_eq!(roles, ["a", "b"]);
    assert!(
        store.find_user(UserId::new()).await.unwrap().is_none(),
        "absent is None, not an error"
    );
    store.close().await;
}

async fn emails_are_unique_and_a_conflict_writes_nothing(backend: Backend) {
    let (_db, store) = open(backend).await;
    store
        .create_user(
            new_user("twin@example.com", &[]),
            &crate::support::test_event(),
        )
        .await
        .unwrap();
    let duplicate = new_user("TWIN@example.com", &["should-not-exist"]);
    let error = store
        .create_user(duplicate, &crate::support::test_event())
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::Conflict(Conflict::Email)),
        "{error:?}"
    );
    let roles = store.list_roles().await.unwrap();
    assert_eq!(
        roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        ["admin", "manager", "user"],
        "the failed insert left no role behind (the built-in ones always exist)"
    );
    store.close().await;
}

async fn roles_can_be_assigned_idempotently_and_removed(backend: Backend) {
    let (_db, store) = open(backend).await;
    let user = store
        .create_user(
            new_user("roles@example.com", &[]),
            &crate::support::test_event(),
        )
        .await
        .unwrap();
    let admin = RoleName::parse("billing").unwrap();
    store
        .assign_role(user.id, &admin, time::now())
        .await
        .unwrap();
    store
        .assign_role(user.id, &admin, time::now())
        .await
        .unwrap();
    let reread = store.find_user(user.id).await.unwrap().unwrap();
    assert_eq!(reread.roles, vec![admin.clone()]);
    assert!(
        store.list_roles().await.unwrap().contains(&admin),
        "a role given by name is created"
    );
    store.unassign_role(user.id, &admin).await.unwrap();
    assert!(matches!(
        store.unassign_role(user.id, &admin).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .find_user(user.id)
            .await
            .unwrap()
            .unwrap()
            .roles
            .is_empty()
    );
    let missing = store.assign_role(UserId::new(), &admin, time::now()).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    store.close().await;
}

async fn a_user_status_change_is_stored_and_a_missing_user_is_not_found(backend: Backend) {
    let (_db, store) = open(backend).await;
    let user = store
        .create_user(
            new_user("status@example.com", &[]),
            &crate::support::test_event(),
        )
        .await
        .unwrap();
    store
        .set_user_status(user.id, UserStatus::Suspended, time::now())
        .await
        .unwrap();
    assert_eq!(
        store.find_user(user.id).await.unwrap().unwrap().status,
        UserStatus::Suspended
    );
    let missing = store
        .set_user_status(UserId::new(), UserStatus::Active, time::now())
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
    store.close().await;
}

async fn clients_round_trip_and_ids_are_unique(backend: Backend) {
    let (_db, store) = open(backend).await;
    let created = store
        .create_client(new_client("contract-client"), &crate::support::test_event())
        .await
        .unwrap();
    let found = store.find_client(&created.id).await.unwrap().unwrap();
    assert_eq!(found, created);
    assert_eq!(
        found.grant_types,
        vec![GrantType::AuthorizationCode, GrantType::ClientCredentials]
    );
    let duplicate = store
        .create_client(new_client("contract-client"), &crate::support::test_event())
        .await
        .unwrap_err();
    assert!(
        matches!(duplicate, StoreError::Conflict(Conflict::ClientId)),
        "{duplicate:?}"
    );
    store
        .create_client(new_client("second-client"), &crate::support::test_event())
        .await
        .unwrap();
    assert_eq!(store.list_clients().await.unwrap().len(), 2);
    assert_eq!(found.web_origins[0].as_str(), "https://app.example.com");
    assert!(
        store
            .is_web_origin("https://app.example.com")
            .await
            .unwrap()
    );
    assert!(!store.is_web_origin("https://app.example.co").await.unwrap());
    assert!(!store.is_web_origin("https://evil.example").await.unwrap());
    assert!(
        store
            .find_client(&ClientId::parse("nope").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    store.close().await;
}

async fn the_store_refuses_a_public_client_with_a_secret(backend: Backend) {
    let (_db, store) = open(backend).await;
    let mut client = new_client("inconsistent");
    client.kind = ClientKind::Public;
    let error = store
        .create_client(client, &crate::support::test_event())
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::Other(_)),
        "the schema's check constraint holds: {error:?}"
    );
    store.close().await;
}

on_both_backends!(
    a_created_user_reads_back_equal_by_id_and_by_email,
    emails_are_unique_and_a_conflict_writes_nothing,
    roles_can_be_assigned_idempotently_and_removed,
    a_user_status_change_is_stored_and_a_missing_user_is_not_found,
    clients_round_trip_and_ids_are_unique,
    the_store_refuses_a_public_client_with_a_secret,
);
