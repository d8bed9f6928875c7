//! A person's own profile: read it, change some of its claims (a JSON merge patch's worth).

use super::{AccountError, Accounts};
use crate::domain::audit::AuditActor;
use crate::domain::{FieldErrors, ProfileField, User, UserId};

/// One change: a field and its new value (`None` removes it).
pub type ProfileChange = (ProfileField, Option<String>);

/// How often a change is merged again onto a row that changed under it (when the caller did not
/// name the version it saw).
const MERGE_ATTEMPTS: usize = 3;

impl Accounts {
    /// The user as stored now (not from any cache).
    pub async fn account(&self, id: UserId) -> Result<User, AccountError> {
        self.0
            .store
            .find_user(id)
            .await?
            .ok_or(AccountError::NotFound)
    }

    /// Applies `changes` to the stored profile. With `if_version` (the version the caller saw,
    /// from its `ETag`), a row changed since is `Changed`; without, the changes are merged onto
    /// whatever is stored, never onto a stale copy.
    pub async fn update_profile(
        &self,
        id: UserId,
        changes: &[ProfileChange],
        if_version: Option<i64>,
        actor: AuditActor,
    ) -> Result<User, AccountError> {
        let mut problems = FieldErrors::default();
        let checked: Vec<(ProfileField, Option<String>)> = changes
            .iter()
            .filter_map(|(field, value)| {
                let value = problems.check(field.check(value.as_deref()))?;
                Some((*field, value))
            })
            .collect();
        problems.finish().map_err(AccountError::Invalid)?;
        for _ in 0..MERGE_ATTEMPTS {
            let current = self.account(id).await?;
            if current.status == crate::domain::UserStatus::Deleted {
                return Err(AccountError::NotFound);
            }
            let base = if_version.unwrap_or(current.version);
            let (name, profile) = merged(&current, &checked);
            let now = self.0.clock.now();
            let event = crate::audit::event("user.profile_updated", actor.clone(), now)
                .subject(id)
                .details(checked.iter().map(|(field, _)| field.name()));
            let stored = self
                .0
                .store
                .update_profile(id, name.as_deref(), &profile, Some(base), now, &event)
                .await?;
            match stored {
                Some(user) => {
                    self.forget_unused_picture(user.id).await?;
                    return Ok(user);
                }
                None if if_version.is_some() => return Err(AccountError::Changed),
                None => continue,
            }
        }
        Err(AccountError::Changed)
    }
}

/// The display name and profile after `changes`. A new phone number is not verified.
fn merged(
    user: &User,
    changes: &[(ProfileField, Option<String>)],
) -> (Option<String>, crate::domain::Profile) {
    let mut name = user.name.clone();
    let mut profile = user.profile.clone();
    for (field, value) in changes {
        let value = value.clone();
        match field {
            ProfileField::Name => name = value,
            ProfileField::GivenName => profile.given_name = value,
            ProfileField::FamilyName => profile.family_name = value,
            ProfileField::Picture => profile.picture = value,
            ProfileField::Gender => profile.gender = value,
            ProfileField::PhoneNumber => {
                if profile.phone_number != value {
                    profile.phone_number_verified = false;
                }
                profile.phone_number = value;
            }
            ProfileField::Locale => profile.locale = value,
            ProfileField::Zoneinfo => profile.zoneinfo = value,
        }
    }
    (name, profile)
}
