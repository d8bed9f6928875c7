//! `UserStore`, once for both databases.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::{classify, classify_conflict};
use super::pool::{BeginWrite as _, SqlBackend, dialect, with_pool};
use super::rows::{CredentialsRow, UserRow};
use super::timestamp::Ts;
use super::{Conflict, StoreError, StoreResult, UserStore};
use crate::domain::{Email, NewUser, User, UserId, UserStatus};

#[async_trait]
impl<S: SqlBackend> UserStore for S {
    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(classify)?;
            sqlx::query(
                "insert into users (id, email, name, password_hash, status, created_at, updated_at)
                 values ($1, $2, $3, $4, 'active', $5, $5)",
            )
            .bind(user.id.as_uuid())
            .bind(user.email.as_str())
            .bind(&user.name)
            .bind(&user.password_hash)
            .bind(Ts(user.created_at))
            .execute(&mut *tx)
            .await
            .map_err(|e| classify_conflict(e, Conflict::Email))?;
            for role in &user.roles {
                sqlx::query(
                    "insert into roles (name, created_at) values ($1, $2)
                     on conflict (name) do nothing",
                )
                .bind(role.as_str())
                .bind(Ts(user.created_at))
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
                sqlx::query(
                    "insert into user_roles (user_id, role_name, created_at) values ($1, $2, $3)
                     on conflict do nothing",
                )
                .bind(user.id.as_uuid())
                .bind(role.as_str())
                .bind(Ts(user.created_at))
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
            }
            tx.commit().await.map_err(classify)?;
        });
        let mut roles = user.roles;
        roles.sort();
        roles.dedup();
        Ok(User {
            id: user.id,
            email: user.email,
            name: user.name,
            status: UserStatus::Active,
            roles,
            created_at: user.created_at,
            updated_at: user.created_at,
        })
    }

    async fn find_user(&self, id: UserId) -> StoreResult<Option<User>> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, UserRow>(dialect!(self, USER_BY_ID))
            .bind(id.as_uuid())
            .fetch_optional(pool)
            .await)
        .map_err(classify)?;
        row.map(UserRow::into_user).transpose()
    }

    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        let row =
            with_pool!(self, pool => sqlx::query_as::<_, UserRow>(dialect!(self, USER_BY_EMAIL))
            .bind(email.as_str())
            .fetch_optional(pool)
            .await)
            .map_err(classify)?;
        row.map(UserRow::into_user).transpose()
    }

    async fn find_credentials(&self, email: &Email) -> StoreResult<Option<(User, Option<String>)>> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, CredentialsRow>(
            dialect!(self, CREDENTIALS_BY_EMAIL),
        )
        .bind(email.as_str())
        .fetch_optional(pool)
        .await)
        .map_err(classify)?;
        let Some(CredentialsRow {
            user,
            password_hash,
        }) = row
        else {
            return Ok(None);
        };
        Ok(Some((user.into_user()?, password_hash)))
    }

    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let changed = with_pool!(self, pool => sqlx::query(
            "update users set status = $2, updated_at = $3 where id = $1",
        )
        .bind(id.as_uuid())
        .bind(status.as_str())
        .bind(Ts(now))
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
        .map_err(classify)?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
