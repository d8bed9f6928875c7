//! The resource owner password credentials grant type, `password` (RFC 6749 §4.3). RFC 9700 §2.4 says it must not
//! be used; we fence it instead: confidential first-party clients only, the login page's lockout
//! and enumeration resistance, and never for accounts with a second factor.

use std::net::IpAddr;

use super::super::Engine;
use super::super::error::{EndpointError, ErrorCode};
use super::super::id_token::Authentication;
use super::super::issue::TokenResponse;
use super::super::issue::{self, UserTokens};
use super::super::params::Params;
use super::super::scope::Scope;
use crate::domain::{Client, ClientKind};
use crate::identity::login::LoginError;
use crate::identity::second_factor::Requirement;
use crate::limits::Family;
use crate::metrics::SignInOutcome;

pub async fn exchange(
    engine: &Engine,
    client: &Client,
    params: &Params,
    address: Option<IpAddr>,
) -> Result<TokenResponse, EndpointError> {
    if client.kind != ClientKind::Confidential || !client.first_party {
        return Err(EndpointError::oauth(
            ErrorCode::UnauthorizedClient,
            "the password grant type is only for confidential first-party clients",
        ));
    }
    let username = params.require("username")?;
    let password = params.require("password")?;
    let allowed = Scope::from_tokens(client.scopes.iter().map(|s| s.as_str()));
    let scope = Scope::requested_within(params.get("scope"), &allowed)?;
    engine
        .limits
        .admit(Family::SignIn, address, Some(username))
        .await?;
    let now = engine.now();
    let user = engine
        .logins
        .verify(
            username,
            password.to_owned(),
            address,
            now,
            Some(client.id.as_str()),
        )
        .await
        .map_err(|error| match error {
            LoginError::InvalidCredentials => {
                EndpointError::oauth(ErrorCode::InvalidGrant, "invalid username or password")
            }
            LoginError::LockedOut => EndpointError::oauth(
                ErrorCode::InvalidGrant,
                "too many failed attempts; try again later",
            ),
            LoginError::EmailNotVerified(_) => EndpointError::oauth(
                ErrorCode::InvalidGrant,
                "the account's email address is not verified yet",
            ),
            LoginError::Unavailable(source) => EndpointError::Unavailable(source),
            LoginError::Internal(source) => EndpointError::Internal(source),
        })?;
    // A password alone must not pass for a sign-in that needs a second factor: such accounts
    // use the authorization endpoint or the authorization challenge endpoint instead.
    if engine.second_factors.requirement(&user) != Requirement::None {
        engine.metrics.sign_in(SignInOutcome::SecondFactorRequired);
        return Err(EndpointError::oauth(
            ErrorCode::InvalidGrant,
            "this account signs in with a second factor, which the password grant type cannot \
             carry; use the authorization endpoint or the authorization challenge endpoint",
        ));
    }
    engine.metrics.sign_in(SignInOutcome::Success);
    let amr = vec!["pwd".to_owned()];
    let signed_in = (now, None, amr.clone());
    let new_grant = issue::new_grant(engine, client, user.id, &scope, signed_in, now)?;
    let grant_id = new_grant.grant.id;
    let (refresh_token, new_refresh) = new_grant.refresh_token.unzip();
    engine
        .store
        .insert_grant(new_grant.grant, new_refresh)
        .await?;
    issue::user_tokens(
        engine,
        UserTokens {
            client,
            user: &user,
            scope: &scope,
            grant_id,
            authentication: Authentication {
                auth_time: now.unix_timestamp(),
                nonce: None,
                sid: None,
                amr: &amr,
            },
            refresh_token,
        },
        now,
    )
}
