//! The audit log through the admin API: events by filter a page at a time, and verification of
//! the whole log (as `portcullis audit verify` does).

use time::OffsetDateTime;

use super::{Admin, AdminError, Caller};
use crate::audit::verification::{self, Report};
use crate::domain::audit::{AuditOutcome, StoredAuditEvent};
use crate::domain::{FieldErrors, InvalidField, Permission, UserId};
use crate::store::AuditQuery;

/// An audit listing as asked for; checked by [`Admin::audit_events`].
#[derive(Debug, Default, Clone)]
pub struct AuditListing {
    pub kind: Option<String>,
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub outcome: Option<String>,
    pub client_id: Option<String>,
    pub after: Option<OffsetDateTime>,
    pub before: Option<OffsetDateTime>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub struct AuditPage {
    pub events: Vec<StoredAuditEvent>,
    pub next_cursor: Option<String>,
}

impl Admin {
    pub async fn audit_events(
        &self,
        caller: &Caller,
        listing: AuditListing,
    ) -> Result<AuditPage, AdminError> {
        caller.require(Permission::AuditRead)?;
        let mut errors = FieldErrors::default();
        let outcome = match listing.outcome.as_deref() {
            None => None,
            Some(value) => errors.check(
                AuditOutcome::parse(value)
                    .ok_or_else(|| InvalidField::new("outcome", "must be success or failure")),
            ),
        };
        let position = match listing.cursor.as_deref() {
            None => None,
            Some(value) => errors.check(super::cursor::decode_audit(&self.0.hasher, value)),
        };
        if listing.limit == Some(0) {
            errors.push(InvalidField::new("limit", "must be at least 1"));
        }
        for (field, value) in [
            ("type", &listing.kind),
            ("actor", &listing.actor),
            ("subject", &listing.subject),
            ("client_id", &listing.client_id),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| v.len() > 256 || v.chars().any(char::is_control))
            {
                errors.push(InvalidField::new(
                    field,
                    "must be at most 256 bytes, without control characters",
                ));
            }
        }
        errors.finish().map_err(AdminError::BadQuery)?;
        let limit = listing
            .limit
            .unwrap_or(super::user_management::DEFAULT_PAGE)
            .min(super::user_management::MAX_PAGE);
        let query = AuditQuery {
            kind_prefix: listing.kind,
            actor: listing.actor,
            subject: listing.subject,
            outcome,
            client_id: listing.client_id,
            after: listing.after,
            before: listing.before,
            position,
            limit: limit + 1,
        };
        let mut events = self.0.store.list_audit_events(&query).await?;
        let more = events.len() > limit as usize;
        events.truncate(limit as usize);
        let next_cursor = match events.last() {
            Some(last) if more => Some(super::cursor::encode_audit(
                &self.0.hasher,
                last.event.occurred_at,
                last.event.id,
            )),
            _ => None,
        };
        Ok(AuditPage {
            events,
            next_cursor,
        })
    }

    /// Verifies the whole log now.
    pub async fn verify_audit_log(&self, caller: &Caller) -> Result<Report, AdminError> {
        caller.require(Permission::AuditRead)?;
        Ok(verification::verify(
            self.0.store.as_ref(),
            &self.0.audit_keys,
            self.0.clock.now(),
            verification::Expectations::of(&self.0.audit),
        )
        .await?)
    }

    /// The latest security events about `user` (the account API shows a person their own).
    pub async fn own_security_events(
        &self,
        user: UserId,
    ) -> Result<Vec<StoredAuditEvent>, AdminError> {
        let query = AuditQuery {
            subject: Some(user.to_string()),
            limit: 100,
            ..AuditQuery::default()
        };
        let mut events = self.0.store.list_audit_events(&query).await?;
        // Another person's request data (an administrator's address) is not shown.
        for stored in &mut events {
            if stored.event.personal.person != Some(user.as_uuid()) {
                stored.event.personal = Default::default();
                stored.personal_salt = None;
            }
        }
        Ok(events)
    }
}
