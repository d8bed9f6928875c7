//! Creating users.

use crate::crypto::password;
use crate::domain::audit::AuditActor;
use crate::domain::user::parse_display_name;
use crate::domain::{Email, NewUser, Password, RoleName, User, UserId, time};
use crate::store::Store;

use super::AdminError;
use crate::domain::FieldErrors;

/// What an operator asks for; every field is checked by [`create_user`].
#[derive(Debug, Default)]
pub struct CreateUser {
    pub email: String,
    pub name: Option<String>,
    pub roles: Vec<String>,
    pub password: Option<Password>,
    /// The argon2id cost of the password's hash.
    pub hash_cost: password::HashCost,
}

/// Creates a user; the password (if any) is hashed with argon2id on the blocking pool.
pub async fn create_user(
    store: &dyn Store,
    input: CreateUser,
    actor: AuditActor,
) -> Result<User, AdminError> {
    let mut errors = FieldErrors::default();
    let email = errors.check(Email::parse(&input.email));
    let name = errors.check(parse_display_name(input.name.as_deref()));
    let roles = errors.check_all(&input.roles, RoleName::parse);
    errors.finish().map_err(AdminError::Invalid)?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(AdminError::Invalid(Vec::new()));
    };
    let password_hash = match input.password {
        Some(password) => Some(
            password::hash(password, input.hash_cost)
                .await
                .map_err(|e| AdminError::Internal(Box::new(e)))?,
        ),
        None => None,
    };
    let user = NewUser {
        id: UserId::new(),
        email,
        name,
        password_hash,
        // An operator vouches for the address.
        email_verified: true,
        roles,
        created_at: time::now(),
    };
    let event = crate::audit::event("user.created", actor, user.created_at)
        .subject(user.id)
        .person(user.id.as_uuid(), user.email.as_str())
        .details(user.roles.iter().map(|r| format!("role:{r}")));
    Ok(store.create_user(user, &event).await?)
}

/// Makes the first administrator from `bootstrap.*` when no active administrator exists; does
/// nothing otherwise (and when another instance starting at the same moment made them first).
/// Whether it made one.
pub async fn bootstrap_admin(
    store: &dyn Store,
    config: &crate::config::Config,
) -> Result<bool, AdminError> {
    let bootstrap = &config.bootstrap;
    if bootstrap.admin_email.trim().is_empty() || store.count_active_admins().await? > 0 {
        return Ok(false);
    }
    let policy = crate::identity::password_policy::PasswordPolicy::new(&config.password);
    let password = policy
        .check(
            bootstrap.admin_password.expose().to_owned(),
            &bootstrap.admin_email,
            None,
        )
        .map_err(AdminError::Invalid)?;
    let input = CreateUser {
        email: bootstrap.admin_email.clone(),
        name: None,
        roles: vec!["admin".to_owned()],
        password: Some(password),
        hash_cost: password::HashCost::configured(&config.password),
    };
    let operator = AuditActor::Operator("bootstrap from the environment".to_owned());
    match create_user(store, input, operator).await {
        Ok(user) => {
            tracing::info!(user_id = %user.id, "first administrator made from bootstrap.*");
            Ok(true)
        }
        Err(AdminError::EmailTaken) => {
            tracing::warn!(
                "bootstrap.admin_email has an account that is not an active administrator; \
                 nothing was made (give it the role with the CLI or the admin API)"
            );
            Ok(false)
        }
        Err(error) => Err(error),
    }
}
