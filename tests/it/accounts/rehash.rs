//! Raising the argon2 cost upgrades each stored hash at its owner's next sign-in.

use std::time::Duration;

use super::spawn_with;
use crate::support::Backend;
use crate::support::browser_flow::PASSWORD;
use crate::support::eventually::eventually;

const TODAYS_COST: &str = "$argon2id$v=19$m=19456,t=2,p=1$%";

async fn a_cheaper_hash_is_replaced_after_a_right_password(backend: Backend) {
    let (cheap, _smtp) = spawn_with(backend, |config| {
        config.registration.require_verified_email = Some(false);
        config.password.argon2_memory_kib = 8_192;
        config.password.argon2_iterations = 1;
    })
    .await;
    cheap.register("upgrade@example.com", PASSWORD).await;
    assert!(hashed_as(&cheap, "$argon2id$v=19$m=8192,t=1,p=1$%").await);
    // The same database, served at today's cost.
    let raised = cheap
        .sibling_with(|config| config.registration.require_verified_email = Some(false))
        .await;
    assert_eq!(
        raised
            .page_sign_in("upgrade@example.com", "Wrong 1 password here")
            .await,
        401
    );
    assert!(
        !hashed_as(&raised, TODAYS_COST).await,
        "a wrong password upgrades nothing"
    );
    assert_eq!(
        raised.page_sign_in("upgrade@example.com", PASSWORD).await,
        200
    );
    eventually(Duration::from_secs(10), "the hash upgraded", || {
        hashed_as(&raised, TODAYS_COST)
    })
    .await;
    assert_eq!(
        raised.page_sign_in("upgrade@example.com", PASSWORD).await,
        200
    );
    raised.stop().await;
    cheap.stop().await;
}

/// Whether the user's stored hash matches the SQL `like` pattern.
async fn hashed_as(app: &crate::support::TestApp, pattern: &str) -> bool {
    let sql =
        format!("select count(*) from users where email = $1 and password_hash like '{pattern}'");
    app.db.scalar(&sql, "upgrade@example.com").await == Some(1)
}

on_both_backends!(a_cheaper_hash_is_replaced_after_a_right_password);
