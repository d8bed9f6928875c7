//! What the browser session holds: who is signed in, the CSRF token, and authorization requests
//! waiting for sign-in or consent.

use rand::RngExt as _;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::Session;

use crate::config::SessionsConfig;
use crate::crypto::constant_time;
use crate::crypto::token::PlaintextToken;
use crate::oauth::authorize::{AuthorizationRequest, SignIn};

pub(crate) const SIGN_IN: &str = "sign_in";
const CSRF: &str = "csrf";
const PENDING_PREFIX: &str = "pending:";
const LOGOUT_REDIRECT: &str = "logout_redirect";
const VERIFYING: &str = "verifying";
const RECOVERING: &str = "recovering";
const CHANGING_EMAIL: &str = "changing_email";
const AFTER_SIGN_IN: &str = "after_sign_in";
const SECOND_FACTOR: &str = "second_factor";
const ENROLLING: &str = "enrolling";
/// At most this many requests wait at once; older ones are dropped.
const MAX_PENDING: usize = 8;

pub type SessionResult<T> = Result<T, tower_sessions::session::Error>;

/// An authorization request parked while the user signs in or consents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub request: AuthorizationRequest,
    /// The user signed in for this request (so `prompt=login` and `max_age` are satisfied).
    pub fresh: bool,
    pub created_at: i64,
}

/// An address this browser is confirming: just registered here, or refused at sign-in (with the
/// right password) until it is verified. Confirming it with the mailed code signs this browser
/// in and continues `request`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verifying {
    pub email: String,
    pub request: Option<String>,
}

pub async fn set_verifying(session: &Session, verifying: &Verifying) -> SessionResult<()> {
    session.insert(VERIFYING, verifying).await
}

pub async fn verifying(session: &Session) -> SessionResult<Option<Verifying>> {
    session.get(VERIFYING).await
}

pub async fn clear_verifying(session: &Session) -> SessionResult<()> {
    session.remove::<Verifying>(VERIFYING).await.map(|_| ())
}

/// A sign-in whose password was right, waiting in this browser for its second factor. The
/// handle is the waiting sign-in's (its hash is stored); no one is signed in meanwhile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AwaitingSecondFactor {
    pub handle: String,
    pub request: Option<String>,
    pub device: Option<String>,
}

pub async fn set_awaiting_second_factor(
    session: &Session,
    awaiting: Option<&AwaitingSecondFactor>,
) -> SessionResult<()> {
    set_or_forget(session, SECOND_FACTOR, awaiting).await
}

/// Stores `value` under `key`, or forgets the key for `None`.
async fn set_or_forget<T: Serialize + Sync>(
    session: &Session,
    key: &str,
    value: Option<&T>,
) -> SessionResult<()> {
    match value {
        Some(value) => session.insert(key, value).await,
        None => session.remove_value(key).await.map(|_| ()),
    }
}

/// A sign-in whose password was right for an account that must have a second factor and has
/// none: it sets one up here before anyone is signed in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollingAtSignIn {
    pub user_id: crate::domain::UserId,
    pub request: Option<String>,
    pub device: Option<String>,
    /// Unix time of the password check; the set-up must finish within `mfa.challenge_ttl`.
    pub started_at: i64,
    /// A code from the new factor was entered (the recovery codes are being shown).
    pub confirmed: bool,
}

pub async fn set_enrolling(
    session: &Session,
    enrolling: Option<&EnrollingAtSignIn>,
) -> SessionResult<()> {
    set_or_forget(session, ENROLLING, enrolling).await
}

pub async fn enrolling(session: &Session) -> SessionResult<Option<EnrollingAtSignIn>> {
    session.get(ENROLLING).await
}

pub async fn awaiting_second_factor(
    session: &Session,
) -> SessionResult<Option<AwaitingSecondFactor>> {
    session.get(SECOND_FACTOR).await
}

/// One of our own pages to return to after a sign-in that no application asked for.
pub async fn set_after_sign_in(session: &Session, path: &'static str) -> SessionResult<()> {
    session.insert(AFTER_SIGN_IN, path).await
}

/// The page to return to (forgotten once read).
pub async fn take_after_sign_in(session: &Session) -> SessionResult<Option<String>> {
    session.remove(AFTER_SIGN_IN).await
}

/// The address this browser's person is moving their account to, to show the form that takes
/// its code (`None` forgets it).
pub async fn set_changing_email(session: &Session, email: Option<&str>) -> SessionResult<()> {
    match email {
        Some(email) => session.insert(CHANGING_EMAIL, email).await,
        None => session.remove::<String>(CHANGING_EMAIL).await.map(|_| ()),
    }
}

pub async fn changing_email(session: &Session) -> SessionResult<Option<String>> {
    session.get(CHANGING_EMAIL).await
}

/// The address this browser asked a recovery code for, to fill in the form that takes it.
pub async fn set_recovering(session: &Session, email: &str) -> SessionResult<()> {
    session.insert(RECOVERING, email).await
}

pub async fn recovering(session: &Session) -> SessionResult<Option<String>> {
    session.get(RECOVERING).await
}

/// How a browser describes itself (its `User-Agent`), shortened for the list of sessions.
pub fn device(headers: &axum::http::HeaderMap) -> Option<String> {
    let agent = headers.get(axum::http::header::USER_AGENT)?.to_str().ok()?;
    let shown: String = agent
        .chars()
        .filter(|c| !c.is_control())
        .take(DEVICE_CHARS)
        .collect();
    Some(shown.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The longest description of a browser kept.
const DEVICE_CHARS: usize = 200;

/// The signed-in user, if the sign-in has not outlived `sessions.absolute_timeout`.
pub async fn sign_in(
    session: &Session,
    config: &SessionsConfig,
    now: OffsetDateTime,
) -> SessionResult<Option<SignIn>> {
    let sign_in: Option<SignIn> = session.get(SIGN_IN).await?;
    let now = now.unix_timestamp();
    let limit = config.absolute_timeout.get().as_secs() as i64;
    Ok(sign_in.filter(|s| now - s.auth_time <= limit))
}

/// Records a sign-in under a fresh session id (against session fixation).
pub async fn set_sign_in(session: &Session, sign_in: &SignIn) -> SessionResult<()> {
    session.cycle_id().await?;
    session.insert(SIGN_IN, sign_in).await
}

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> SessionResult<String> {
    if let Some(token) = session.get::<String>(CSRF).await? {
        return Ok(token);
    }
    let token = PlaintextToken::generate().expose().to_owned();
    session.insert(CSRF, &token).await?;
    Ok(token)
}

/// True when `presented` is this session's CSRF token.
pub async fn csrf_matches(session: &Session, presented: &str) -> SessionResult<bool> {
    let expected: Option<String> = session.get(CSRF).await?;
    Ok(expected
        .is_some_and(|expected| constant_time::equal(expected.as_bytes(), presented.as_bytes())))
}

/// Parks a request; returns its id for the sign-in or consent page.
pub async fn park(
    session: &Session,
    request: AuthorizationRequest,
    now: OffsetDateTime,
) -> SessionResult<String> {
    let keys: Vec<String> = session
        .get::<Vec<String>>("pending_order")
        .await?
        .unwrap_or_default();
    let id = format!("{:032x}", rand::rng().random::<u128>());
    let mut order = keys;
    order.push(id.clone());
    while order.len() > MAX_PENDING {
        let oldest = order.remove(0);
        session
            .remove::<Pending>(&format!("{PENDING_PREFIX}{oldest}"))
            .await?;
    }
    let pending = Pending {
        request,
        fresh: false,
        created_at: now.unix_timestamp(),
    };
    session
        .insert(&format!("{PENDING_PREFIX}{id}"), &pending)
        .await?;
    session.insert("pending_order", &order).await?;
    Ok(id)
}

/// A parked request, if it exists and has not expired.
pub async fn pending(
    session: &Session,
    id: &str,
    config: &SessionsConfig,
    now: OffsetDateTime,
) -> SessionResult<Option<Pending>> {
    let pending: Option<Pending> = session.get(&format!("{PENDING_PREFIX}{id}")).await?;
    let now = now.unix_timestamp();
    let ttl = config.pending_request_ttl.get().as_secs() as i64;
    Ok(pending.filter(|p| now - p.created_at <= ttl))
}

pub async fn mark_fresh(
    session: &Session,
    id: &str,
    mut pending: Pending,
) -> SessionResult<Pending> {
    pending.fresh = true;
    session
        .insert(&format!("{PENDING_PREFIX}{id}"), &pending)
        .await?;
    Ok(pending)
}

/// Forgets a parked request once it is answered.
pub async fn unpark(session: &Session, id: &str) -> SessionResult<()> {
    session
        .remove::<Pending>(&format!("{PENDING_PREFIX}{id}"))
        .await?;
    Ok(())
}

pub async fn set_logout_redirect(session: &Session, target: Option<&str>) -> SessionResult<()> {
    match target {
        Some(target) => session.insert(LOGOUT_REDIRECT, target).await,
        None => session.remove::<String>(LOGOUT_REDIRECT).await.map(|_| ()),
    }
}

pub async fn logout_redirect(session: &Session) -> SessionResult<Option<String>> {
    session.get(LOGOUT_REDIRECT).await
}

/// Ends the session: the record is deleted and the cookie cleared.
pub async fn end(session: &Session) -> SessionResult<()> {
    session.flush().await
}
