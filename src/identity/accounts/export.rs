//! A person's copy of everything we hold about them (GDPR Art. 15 and 20), as one JSON
//! document. Secrets are described, not copied: the password hash, and the hashes of codes,
//! links and session ids, are credentials rather than information about the person, and a copy
//! of them would only weaken them.

use crate::domain::audit::AuditActor;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use time::OffsetDateTime;

use super::codes::code_budget_key;
use super::{AccountError, Accounts};
use crate::domain::{Profile, UserId};
use crate::identity::login::account_counter_key;
use crate::store::LoginCounter;

/// What `GET /api/v1/account/export` and the account page's download answer.
#[derive(Debug, Serialize)]
pub struct AccountExport {
    /// The document's format, for programs that read it back.
    pub format: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    pub account: AccountRecord,
    /// The picture uploaded for the profile, if any.
    pub uploaded_picture: Option<PictureRecord>,
    pub signed_in_browsers: Vec<BrowserRecord>,
    pub connected_apps: Vec<AppRecord>,
    pub grants: Vec<GrantRecord>,
    pub mailed_codes: Vec<CodeRecord>,
    pub guess_counters: Vec<CounterRecord>,
    /// The second factor, if one is on or being set up (its secret withheld).
    pub second_factor: Option<SecondFactorRecord>,
    /// What we hold but do not copy here, and why.
    pub withheld: [&'static str; 3],
}

#[derive(Debug, Serialize)]
pub struct SecondFactorRecord {
    pub kind: &'static str,
    /// `None` while the set-up waits for its first code.
    #[serde(with = "time::serde::rfc3339::option")]
    pub enrolled_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub recovery_codes_left: u32,
}

#[derive(Debug, Serialize)]
pub struct AccountRecord {
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
    #[serde(flatten)]
    pub profile: Profile,
    pub roles: Vec<String>,
    pub status: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Serialize)]
pub struct PictureRecord {
    pub content_type: &'static str,
    /// The image itself, base64 (RFC 4648 §4).
    pub data_base64: String,
}

#[derive(Debug, Serialize)]
pub struct BrowserRecord {
    pub sid: String,
    #[serde(with = "time::serde::rfc3339")]
    pub signed_in_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_active_at: OffsetDateTime,
    pub device: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AppRecord {
    pub client_id: String,
    pub name: String,
    pub consented_scope: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub consented_at: Option<OffsetDateTime>,
    pub live_grants: i64,
}

#[derive(Debug, Serialize)]
pub struct GrantRecord {
    pub id: String,
    pub client_id: String,
    pub scope: String,
    pub sid: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub signed_in_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Debug, Serialize)]
pub struct CodeRecord {
    pub purpose: &'static str,
    pub email: String,
    pub wrong_guesses: u32,
    pub used_or_replaced: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Serialize)]
pub struct CounterRecord {
    /// `account:` counts wrong passwords, `code:` wrong codes, for the address.
    pub key: String,
    pub failures: i32,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_failure_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
}

impl From<LoginCounter> for CounterRecord {
    fn from(counter: LoginCounter) -> Self {
        Self {
            key: counter.key,
            failures: counter.failures,
            last_failure_at: counter.last_failure_at,
            locked_until: counter.locked_until,
        }
    }
}

const WITHHELD: [&str; 3] = [
    "the password, stored only as an argon2id hash, which is a credential and is not copied",
    "codes, links, recovery codes, refresh tokens and session ids, stored only as keyed hashes \
     (HMAC-SHA-256)",
    "the authenticator app's secret, stored encrypted (AES-256-GCM), which is a credential",
];

impl Accounts {
    /// Everything stored about `id`, read now.
    /// Recorded in the audit log (`user.exported`, by `actor`) before anything is read.
    pub async fn export(
        &self,
        id: UserId,
        actor: AuditActor,
    ) -> Result<AccountExport, AccountError> {
        let store = self.0.store.as_ref();
        let event = crate::audit::event("user.exported", actor, self.0.clock.now()).subject(id);
        store.record_audit_event(&event).await?;
        let user = self.account(id).await?;
        let browsers = self.signed_in_browsers(id).await?;
        let apps = self.connected_apps(id).await?;
        let grants = store.user_grants(id).await?;
        let picture = store.user_picture(id).await?;
        let codes = store.user_account_tokens(id).await?;
        let factor = store.second_factor(id).await?;
        let mut counters = Vec::new();
        for key in [
            account_counter_key(user.email.as_str()),
            code_budget_key(&user.email),
        ] {
            counters.extend(store.login_counter(&key).await?.map(CounterRecord::from));
        }
        Ok(AccountExport {
            format: "portcullis-account-export/1",
            exported_at: self.0.clock.now(),
            account: AccountRecord {
                id: user.id.to_string(),
                email: user.email.to_string(),
                email_verified: user.email_verified,
                name: user.name,
                profile: user.profile,
                roles: user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                status: user.status.as_str(),
                created_at: user.created_at,
                updated_at: user.updated_at,
            },
            uploaded_picture: picture.map(|p| PictureRecord {
                content_type: p.kind.mime(),
                data_base64: STANDARD.encode(&p.data),
            }),
            signed_in_browsers: browsers
                .into_iter()
                .map(|b| BrowserRecord {
                    sid: b.sid,
                    signed_in_at: b.signed_in_at,
                    last_active_at: b.last_active_at,
                    device: b.device,
                })
                .collect(),
            connected_apps: apps
                .into_iter()
                .map(|app| AppRecord {
                    client_id: app.client_id.as_str().to_owned(),
                    name: app.client_name,
                    consented_scope: app.consented_scope,
                    consented_at: app.consented_at,
                    live_grants: app.live_grants,
                })
                .collect(),
            grants: grants
                .into_iter()
                .map(|g| GrantRecord {
                    id: g.id.to_string(),
                    client_id: g.client_id.as_str().to_owned(),
                    scope: g.scope,
                    sid: g.sid,
                    signed_in_at: g.auth_time,
                    created_at: g.created_at,
                    expires_at: g.expires_at,
                    revoked_at: g.revoked_at,
                })
                .collect(),
            mailed_codes: codes
                .into_iter()
                .map(|t| CodeRecord {
                    purpose: t.purpose.as_str(),
                    email: t.email.to_string(),
                    wrong_guesses: t.attempts,
                    used_or_replaced: t.consumed,
                    created_at: t.created_at,
                    expires_at: t.expires_at,
                })
                .collect(),
            guess_counters: counters,
            second_factor: factor.map(|f| SecondFactorRecord {
                kind: "totp",
                enrolled_at: f.confirmed_at,
                created_at: f.created_at,
                recovery_codes_left: f.recovery_codes_left,
            }),
            withheld: WITHHELD,
        })
    }
}
