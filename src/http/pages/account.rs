//! `GET|POST /account`: the signed-in person's own account page. Today it shows and edits the
//! profile (the same use-case as `PATCH /api/v1/account`); sign-in comes first, and brings the
//! browser back here.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use tower_sessions::Session;

use super::{FieldMessages, PageResult, check_csrf, render, session};
use crate::domain::{ProfileField, User, UserStatus};
use crate::http::extract::page_form::PageForm;
use crate::http::paths;
use crate::identity::accounts::{AccountError, Accounts};
use crate::oauth::Engine;

/// One input of the profile form.
struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    hint: &'static str,
    value: String,
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
    recover: &'static str,
    logout: &'static str,
    stylesheet: &'static str,
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

struct Shown<'a> {
    /// What the form holds: the stored values, or what was typed when it was refused.
    value: &'a (dyn Fn(ProfileField) -> String + Sync),
    notice: Option<&'static str>,
    errors: FieldMessages,
    status: StatusCode,
}

async fn page(session: &Session, user: &User, shown: Shown<'_>) -> PageResult {
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
                value: (shown.value)(field),
            }
        })
        .collect();
    let page = AccountPage {
        action: paths::ACCOUNT,
        csrf_token: session::csrf_token(session).await?,
        email: user.email.to_string(),
        email_verified: user.email_verified,
        fields,
        notice: shown.notice,
        errors: shown.errors,
        recover: paths::RECOVER,
        logout: paths::LOGOUT,
        stylesheet: paths::STYLESHEET,
    };
    Ok(render(&page, shown.status))
}

/// The signed-in, active user as stored now, or the redirect to sign in first (which brings
/// the browser back).
async fn signed_in_user(
    engine: &Engine,
    accounts: &Accounts,
    session: &Session,
) -> PageResult<Result<User, Redirect>> {
    let sign_in = session::sign_in(session, &engine.config.sessions, engine.now()).await?;
    let user = match sign_in {
        Some(sign_in) => match accounts.account(sign_in.user_id).await {
            Ok(user) if user.status == UserStatus::Active => Some(user),
            Ok(_) | Err(AccountError::NotFound) => None,
            Err(error) => return Err(error.into()),
        },
        None => None,
    };
    match user {
        Some(user) => Ok(Ok(user)),
        None => {
            session::set_after_sign_in(session, paths::ACCOUNT).await?;
            Ok(Err(Redirect::to(paths::LOGIN)))
        }
    }
}

pub async fn show(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
) -> PageResult {
    let user = match signed_in_user(&engine, &accounts, &session).await? {
        Ok(user) => user,
        Err(to_sign_in) => return Ok(to_sign_in.into_response()),
    };
    let value = |field| stored(&user, field).unwrap_or_default().to_owned();
    let shown = Shown {
        value: &value,
        notice: None,
        errors: FieldMessages::default(),
        status: StatusCode::OK,
    };
    page(&session, &user, shown).await
}

pub async fn submit(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    form: PageForm,
) -> PageResult {
    check_csrf(&session, form.get("csrf_token")).await?;
    let id = match signed_in_user(&engine, &accounts, &session).await? {
        Ok(user) => user.id,
        Err(to_sign_in) => return Ok(to_sign_in.into_response()),
    };
    // Every field of the form is sent; an empty one removes the value.
    let changes: Vec<_> = ProfileField::ALL
        .into_iter()
        .filter(|field| form.0.contains_key(field.name()))
        .map(|field| (field, Some(form.get(field.name()).to_owned())))
        .collect();
    match accounts.update_profile(id, &changes, None).await {
        Ok(user) => {
            engine.user_changed(user.id);
            let value = |field| stored(&user, field).unwrap_or_default().to_owned();
            let shown = Shown {
                value: &value,
                notice: Some("Your profile is saved."),
                errors: FieldMessages::default(),
                status: StatusCode::OK,
            };
            page(&session, &user, shown).await
        }
        Err(AccountError::Invalid(problems)) => {
            let user = accounts.account(id).await?;
            let value = |field: ProfileField| form.get(field.name()).to_owned();
            let shown = Shown {
                value: &value,
                notice: None,
                errors: FieldMessages::new(problems),
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            page(&session, &user, shown).await
        }
        Err(error) => Err(error.into()),
    }
}
