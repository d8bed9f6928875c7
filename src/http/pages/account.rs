//! `GET|POST /account`: the signed-in person's own account page: the profile (the same use-case
//! as `PATCH /api/v1/account`), and the sections whose forms `account_security` handles
//! (password, signed-in browsers, connected apps, a copy of one's data). Sign-in comes first,
//! and brings the browser back here.

use crate::domain::audit::AuditActor;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use tower_sessions::Session;

use super::{FieldMessages, PageError, PageResult, check_csrf, render, session};
use crate::domain::{ProfileField, User, UserStatus};
use crate::http::extract::page_form::PageForm;
use crate::http::paths;
use crate::identity::accounts::{AccountError, Accounts};
use crate::oauth::Engine;
use crate::oauth::authorize::SignIn;

/// One input of the profile form.
struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    hint: &'static str,
    value: String,
}

/// A browser the person is signed in on, as the page lists it.
struct Browser {
    sid: String,
    device: String,
    signed_in_at: String,
    last_active_at: String,
    current: bool,
}

/// An application the person let in, as the page lists it.
struct App {
    client_id: String,
    name: String,
    scope: String,
}

#[derive(Template)]
#[template(path = "pages/account.html")]
struct AccountPage {
    action: &'static str,
    csrf_token: String,
    email: String,
    email_verified: bool,
    fields: Vec<Field>,
    notice: Option<&'static str>,
    errors: FieldMessages,
    password_rules: String,
    /// Whether sensitive changes must ask for the password (the sign-in is not recent).
    reauth_needed: bool,
    /// The address a change is waiting to be confirmed for, if any.
    changing_email: Option<String>,
    /// `None` where second factors are turned off (`mfa.policy = "off"`).
    two_step: Option<TwoStep>,
    browsers: Vec<Browser>,
    apps: Vec<App>,
    paths: PagePaths,
    stylesheet: &'static str,
}

/// The second factor as the page shows it.
struct TwoStep {
    enabled: bool,
    required: bool,
    enrolled_at: String,
    recovery_codes_left: u32,
}

/// Where the page's forms and links lead.
struct PagePaths {
    email: &'static str,
    two_step: &'static str,
    delete: &'static str,
    password: &'static str,
    sessions: &'static str,
    apps: &'static str,
    export: &'static str,
    recover: &'static str,
    logout: &'static str,
}

const PAGE_PATHS: PagePaths = PagePaths {
    email: paths::ACCOUNT_EMAIL,
    two_step: paths::ACCOUNT_TWO_STEP,
    delete: paths::ACCOUNT_DELETE,
    password: paths::ACCOUNT_PASSWORD,
    sessions: paths::ACCOUNT_SESSIONS,
    apps: paths::ACCOUNT_APPS,
    export: paths::ACCOUNT_EXPORT,
    recover: paths::RECOVER,
    logout: paths::LOGOUT,
};

/// A time as the page shows it: to the minute, in UTC.
fn shown_time(at: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.format(&format).unwrap_or_default()
}

/// How each profile field is asked for: label, input type, autocomplete token, hint.
fn presentation(field: ProfileField) -> (&'static str, &'static str, &'static str, &'static str) {
    match field {
        ProfileField::Name => ("Display name", "text", "name", ""),
        ProfileField::GivenName => ("Given name", "text", "given-name", ""),
        ProfileField::FamilyName => ("Family name", "text", "family-name", ""),
        ProfileField::Picture => ("Picture", "url", "photo", "An https address of an image."),
        ProfileField::Gender => ("Gender", "text", "sex", ""),
        ProfileField::PhoneNumber => (
            "Phone number",
            "tel",
            "tel",
            "With the country code, like +14155550123.",
        ),
        ProfileField::Locale => (
            "Language",
            "text",
            "language",
            "A language tag, like en or en-GB.",
        ),
        ProfileField::Zoneinfo => ("Time zone", "text", "off", "Like Europe/London."),
    }
}

fn stored(user: &User, field: ProfileField) -> Option<&str> {
    let p = &user.profile;
    match field {
        ProfileField::Name => user.name.as_deref(),
        ProfileField::GivenName => p.given_name.as_deref(),
        ProfileField::FamilyName => p.family_name.as_deref(),
        ProfileField::Picture => p.picture.as_deref(),
        ProfileField::Gender => p.gender.as_deref(),
        ProfileField::PhoneNumber => p.phone_number.as_deref(),
        ProfileField::Locale => p.locale.as_deref(),
        ProfileField::Zoneinfo => p.zoneinfo.as_deref(),
    }
}

pub(super) struct Shown<'a> {
    /// What the profile form holds: the stored values, or what was typed when it was refused.
    pub value: &'a (dyn Fn(ProfileField) -> String + Sync),
    pub notice: Option<&'static str>,
    pub errors: FieldMessages,
    pub status: StatusCode,
}

impl Shown<'static> {
    /// The stored profile, with a notice or with errors of another form.
    pub fn stored(notice: Option<&'static str>, errors: FieldMessages, status: StatusCode) -> Self {
        Self {
            value: &|_| String::new(),
            notice,
            errors,
            status,
        }
    }
}

/// The page for `user`, signed in with `sign_in`; `shown.value` is used for the profile only when
/// the profile form was refused (otherwise the stored values show).
pub(super) async fn page(
    accounts: &Accounts,
    session: &Session,
    sign_in: &SignIn,
    user: &User,
    shown: Shown<'_>,
) -> PageResult {
    let profile_refused = ProfileField::ALL
        .into_iter()
        .any(|field| shown.errors.error(field.name()).is_some());
    let fields = ProfileField::ALL
        .into_iter()
        .map(|field| {
            let (label, kind, autocomplete, hint) = presentation(field);
            Field {
                name: field.name(),
                label,
                kind,
                autocomplete,
                hint,
                value: if profile_refused {
                    (shown.value)(field)
                } else {
                    stored(user, field).unwrap_or_default().to_owned()
                },
            }
        })
        .collect();
    let browsers = accounts
        .signed_in_browsers(user.id)
        .await?
        .into_iter()
        .map(|b| Browser {
            current: b.sid == sign_in.sid,
            sid: b.sid,
            device: b.device.unwrap_or_else(|| "An unnamed browser".to_owned()),
            signed_in_at: shown_time(b.signed_in_at),
            last_active_at: shown_time(b.last_active_at),
        })
        .collect();
    let apps = accounts
        .connected_apps(user.id)
        .await?
        .into_iter()
        .map(|app| App {
            client_id: app.client_id.as_str().to_owned(),
            name: app.client_name,
            scope: app.consented_scope.unwrap_or_default(),
        })
        .collect();
    let factors = accounts.second_factors();
    let two_step = match factors.available() {
        true => {
            let status = factors.status(user).await?;
            Some(TwoStep {
                enabled: status.enabled,
                required: status.required,
                enrolled_at: status.enrolled_at.map(shown_time).unwrap_or_default(),
                recovery_codes_left: status.recovery_codes_left,
            })
        }
        false => None,
    };
    let page = AccountPage {
        action: paths::ACCOUNT,
        csrf_token: session::csrf_token(session).await?,
        email: user.email.to_string(),
        email_verified: user.email_verified,
        fields,
        notice: shown.notice,
        errors: shown.errors,
        password_rules: accounts.password_rules(),
        reauth_needed: !time::OffsetDateTime::from_unix_timestamp(sign_in.auth_time)
            .is_ok_and(|at| accounts.recently_signed_in(at)),
        changing_email: session::changing_email(session).await?,
        two_step,
        browsers,
        apps,
        paths: PAGE_PATHS,
        stylesheet: paths::STYLESHEET,
    };
    Ok(render(&page, shown.status))
}

/// The signed-in, active user as stored now, with their sign-in; or else the redirect to sign in
/// first (which brings the browser back to the account page) as the error.
pub(super) async fn signed_in_user(
    engine: &Engine,
    accounts: &Accounts,
    session: &Session,
) -> PageResult<(SignIn, User)> {
    let sign_in = session::sign_in(session, &engine.config.sessions, engine.now()).await?;
    if let Some(sign_in) = sign_in {
        match accounts.account(sign_in.user_id).await {
            Ok(user) if user.status == UserStatus::Active => return Ok((sign_in, user)),
            Ok(_) | Err(AccountError::NotFound) => {}
            Err(error) => return Err(error.into()),
        }
    }
    session::set_after_sign_in(session, paths::ACCOUNT).await?;
    Err(PageError::Answer(
        Redirect::to(paths::LOGIN).into_response(),
    ))
}

pub async fn show(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
) -> PageResult {
    let (sign_in, user) = signed_in_user(&engine, &accounts, &session).await?;
    let shown = Shown::stored(None, FieldMessages::default(), StatusCode::OK);
    page(&accounts, &session, &sign_in, &user, shown).await
}

pub async fn submit(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    form: PageForm,
) -> PageResult {
    check_csrf(&session, form.get("csrf_token")).await?;
    let (sign_in, user) = signed_in_user(&engine, &accounts, &session).await?;
    let id = user.id;
    // Every field of the form is sent; an empty one removes the value.
    let changes: Vec<_> = ProfileField::ALL
        .into_iter()
        .filter(|field| form.0.contains_key(field.name()))
        .map(|field| (field, Some(form.get(field.name()).to_owned())))
        .collect();
    match accounts
        .update_profile(id, &changes, None, AuditActor::User(id.to_string()))
        .await
    {
        Ok(user) => {
            engine.user_changed(user.id);
            let notice = Some("Your profile is saved.");
            let shown = Shown::stored(notice, FieldMessages::default(), StatusCode::OK);
            page(&accounts, &session, &sign_in, &user, shown).await
        }
        Err(AccountError::Invalid(problems)) => {
            let value = |field: ProfileField| form.get(field.name()).to_owned();
            let shown = Shown {
                value: &value,
                notice: None,
                errors: FieldMessages::new(problems),
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            page(&accounts, &session, &sign_in, &user, shown).await
        }
        Err(error) => Err(error.into()),
    }
}
