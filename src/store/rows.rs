//! Row shapes shared by both backends (sqlx decodes uuid, timestamps, booleans and JSON lists from
//! either), and their conversion into domain values. Stored values are parsed again on the way
//! out, so a hand-edited row cannot smuggle an invalid value into the server.

use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreError;
use crate::domain::{
    AccountToken, AuthorizationCode, ClaimedMail, Client, ClientId, ClientKind, Email, Grant,
    GrantType, InvalidField, MailKind, OutgoingMail, Permission, PermissionSet, Profile,
    RedirectUri, RefreshTokenRecord, Role, RoleName, ScopeToken, SigningAlgorithm,
    StoredSigningKey, TokenHash, TokenPurpose, User, UserId, UserStatus, WebOrigin,
};

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: Option<String>,
    pub status: String,
    pub email_verified_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub picture: Option<String>,
    pub gender: Option<String>,
    pub phone_number: Option<String>,
    pub phone_number_verified: bool,
    pub locale: Option<String>,
    pub zoneinfo: Option<String>,
    /// Role names joined by spaces (role names have none), aggregated in the same query.
    pub roles: Option<String>,
    pub second_factor: bool,
    pub status_reason: Option<String>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct CredentialsRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub password_hash: Option<String>,
}

impl UserRow {
    pub fn into_user(self) -> Result<User, StoreError> {
        let roles = self.roles.as_deref().unwrap_or_default().split(' ');
        Ok(User {
            id: UserId::from_uuid(self.id),
            email: Email::parse(&self.email).map_err(corrupt)?,
            name: self.name,
            status: UserStatus::parse(&self.status)
                .ok_or_else(|| StoreError::Corrupt(format!("user status {:?}", self.status)))?,
            email_verified: self.email_verified_at.is_some(),
            profile: Profile {
                given_name: self.given_name,
                family_name: self.family_name,
                picture: self.picture,
                gender: self.gender,
                phone_number: self.phone_number,
                phone_number_verified: self.phone_number_verified,
                locale: self.locale,
                zoneinfo: self.zoneinfo,
            },
            roles: parse_all(roles.filter(|role| !role.is_empty()), RoleName::parse)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            second_factor: self.second_factor,
            status_reason: self.status_reason,
            version: self.version,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct RoleRow {
    pub name: String,
    pub description: String,
    pub builtin: bool,
    pub version: i64,
    pub created_at: OffsetDateTime,
    /// A custom role's stored permissions, joined by spaces.
    pub permissions: Option<String>,
}

impl RoleRow {
    pub fn into_role(self) -> Result<Role, StoreError> {
        let name = RoleName::parse(&self.name).map_err(corrupt)?;
        let permissions = match name.builtin() {
            Some(builtin) if self.builtin => builtin.permissions(),
            // A permission this binary does not know (written by a newer one) gives nothing.
            _ => PermissionSet::of(
                self.permissions
                    .as_deref()
                    .unwrap_or_default()
                    .split(' ')
                    .filter_map(Permission::parse),
            ),
        };
        Ok(Role {
            name,
            description: self.description,
            builtin: self.builtin,
            permissions,
            version: self.version,
            created_at: self.created_at,
        })
    }
}

/// An application a user let in (`ConsentStore::connected_apps`).
#[derive(sqlx::FromRow)]
pub(super) struct ConnectedAppRow {
    pub id: String,
    pub name: String,
    pub scope: Option<String>,
    pub granted_at: Option<OffsetDateTime>,
    pub live_grants: i64,
}

impl ConnectedAppRow {
    pub fn into_connected_app(self) -> Result<super::ConnectedApp, StoreError> {
        Ok(super::ConnectedApp {
            client_id: ClientId::parse(&self.id).map_err(corrupt)?,
            client_name: self.name,
            consented_scope: self.scope,
            consented_at: self.granted_at,
            live_grants: self.live_grants,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ClientRow {
    pub id: String,
    pub name: String,
    pub secret_hash: Option<String>,
    pub kind: String,
    pub first_party: bool,
    pub redirect_uris: Json<Vec<String>>,
    pub post_logout_redirect_uris: Json<Vec<String>>,
    pub grant_types: Json<Vec<String>>,
    pub scopes: Json<Vec<String>>,
    pub web_origins: Json<Vec<String>>,
    pub audience: Option<String>,
    pub access_token_alg: String,
    pub id_token_alg: String,
    pub access_token_ttl_seconds: Option<i64>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
    /// Role names joined by spaces, when the statement aggregates them (`select_client!`).
    #[sqlx(default)]
    pub service_roles: Option<String>,
}

impl ClientRow {
    pub fn into_client(self) -> Result<Client, StoreError> {
        let kind = match self.kind.as_str() {
            "public" => ClientKind::Public,
            "confidential" => ClientKind::Confidential,
            other => return Err(StoreError::Corrupt(format!("client kind {other:?}"))),
        };
        Ok(Client {
            id: ClientId::parse(&self.id).map_err(corrupt)?,
            name: self.name,
            secret_hash: self.secret_hash,
            kind,
            first_party: self.first_party,
            redirect_uris: parse_all(strs(&self.redirect_uris), RedirectUri::parse)?,
            post_logout_redirect_uris: parse_all(
                strs(&self.post_logout_redirect_uris),
                RedirectUri::parse,
            )?,
            grant_types: parse_all(strs(&self.grant_types), GrantType::parse)?,
            scopes: parse_all(strs(&self.scopes), ScopeToken::parse)?,
            web_origins: parse_all(strs(&self.web_origins), WebOrigin::from_stored)?,
            audience: self.audience,
            access_token_alg: SigningAlgorithm::parse(&self.access_token_alg).map_err(corrupt)?,
            id_token_alg: SigningAlgorithm::parse(&self.id_token_alg).map_err(corrupt)?,
            access_token_ttl_seconds: self
                .access_token_ttl_seconds
                .map(u32::try_from)
                .transpose()
                .map_err(|_| StoreError::Corrupt("access_token_ttl_seconds out of range".into()))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            service_roles: parse_all(
                self.service_roles
                    .as_deref()
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|r| !r.is_empty()),
                RoleName::parse,
            )?,
            version: self.version,
        })
    }
}

pub(super) fn kind_name(kind: ClientKind) -> &'static str {
    match kind {
        ClientKind::Public => "public",
        ClientKind::Confidential => "confidential",
    }
}

/// A list column as stored: JSON array of strings.
pub(super) fn string_list<T>(items: &[T], as_str: impl Fn(&T) -> &str) -> Json<Vec<String>> {
    Json(items.iter().map(|item| as_str(item).to_owned()).collect())
}

/// Parses every stored value; one invalid value makes the row corrupt.
pub(super) fn parse_all<'a, T>(
    values: impl Iterator<Item = &'a str>,
    parse: impl Fn(&str) -> Result<T, InvalidField>,
) -> Result<Vec<T>, StoreError> {
    values.map(|v| parse(v).map_err(corrupt)).collect()
}

fn strs(list: &Json<Vec<String>>) -> impl Iterator<Item = &str> {
    list.0.iter().map(String::as_str)
}

fn corrupt(error: InvalidField) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

#[derive(sqlx::FromRow)]
pub(super) struct SigningKeyRow {
    pub kid: String,
    pub alg: String,
    pub private_key: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub activates_at: OffsetDateTime,
}

impl SigningKeyRow {
    pub fn into_key(self) -> Result<StoredSigningKey, StoreError> {
        Ok(StoredSigningKey {
            kid: self.kid,
            alg: SigningAlgorithm::parse(&self.alg).map_err(corrupt)?,
            sealed_private_key: self.private_key,
            created_at: self.created_at,
            activates_at: self.activates_at,
        })
    }
}

/// `amr` values as stored: space-separated.
fn split_amr(stored: &str) -> Vec<String> {
    stored.split_whitespace().map(str::to_owned).collect()
}

#[derive(sqlx::FromRow)]
pub(super) struct CodeRow {
    pub code_hash: String,
    pub client_id: String,
    pub user_id: Uuid,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub auth_time: OffsetDateTime,
    pub sid: Option<String>,
    pub amr: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub consumed_at: Option<OffsetDateTime>,
}

impl CodeRow {
    pub fn into_code(self) -> Result<(AuthorizationCode, bool), StoreError> {
        let consumed = self.consumed_at.is_some();
        Ok((
            AuthorizationCode {
                code_hash: TokenHash::from_stored(self.code_hash),
                client_id: ClientId::parse(&self.client_id).map_err(corrupt)?,
                user_id: UserId::from_uuid(self.user_id),
                redirect_uri: self.redirect_uri,
                scope: self.scope,
                nonce: self.nonce,
                code_challenge: self.code_challenge,
                auth_time: self.auth_time,
                sid: self.sid,
                amr: split_amr(&self.amr),
                created_at: self.created_at,
                expires_at: self.expires_at,
            },
            consumed,
        ))
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct GrantRow {
    pub id: Uuid,
    pub client_id: String,
    pub user_id: Uuid,
    pub scope: String,
    pub auth_time: OffsetDateTime,
    pub sid: Option<String>,
    pub amr: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

impl GrantRow {
    pub fn into_grant(self) -> Result<Grant, StoreError> {
        Ok(Grant {
            id: self.id,
            client_id: ClientId::parse(&self.client_id).map_err(corrupt)?,
            user_id: UserId::from_uuid(self.user_id),
            scope: self.scope,
            auth_time: self.auth_time,
            sid: self.sid,
            amr: split_amr(&self.amr),
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct RefreshTokenWithGrantRow {
    pub token_hash: String,
    pub token_expires_at: OffsetDateTime,
    pub consumed_at: Option<OffsetDateTime>,
    #[sqlx(flatten)]
    pub grant: GrantRow,
}

impl RefreshTokenWithGrantRow {
    pub fn into_record(self) -> Result<RefreshTokenRecord, StoreError> {
        Ok(RefreshTokenRecord {
            token_hash: TokenHash::from_stored(self.token_hash),
            grant: self.grant.into_grant()?,
            expires_at: self.token_expires_at,
            consumed_at: self.consumed_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct MailRow {
    pub id: Uuid,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: OffsetDateTime,
    pub attempts: i32,
}

impl MailRow {
    pub fn into_claimed(self) -> Result<ClaimedMail, StoreError> {
        Ok(ClaimedMail {
            mail: OutgoingMail {
                id: self.id,
                kind: MailKind::parse(&self.kind).map_err(corrupt)?,
                recipient: Email::parse(&self.recipient).map_err(corrupt)?,
                subject: self.subject,
                text_body: self.text_body,
                html_body: self.html_body,
                created_at: self.created_at,
            },
            attempt: u32::try_from(self.attempts).unwrap_or(1),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AccountTokenRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub purpose: String,
    pub email: String,
    pub code_hash: String,
    pub attempts: i32,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub consumed_at: Option<OffsetDateTime>,
}

impl AccountTokenRow {
    pub fn into_token(self) -> Result<AccountToken, StoreError> {
        Ok(AccountToken {
            id: self.id,
            user_id: UserId::from_uuid(self.user_id),
            purpose: TokenPurpose::parse(&self.purpose).map_err(corrupt)?,
            email: Email::parse(&self.email).map_err(corrupt)?,
            code_hash: TokenHash::from_stored(self.code_hash),
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            created_at: self.created_at,
            expires_at: self.expires_at,
            consumed: self.consumed_at.is_some(),
        })
    }
}
