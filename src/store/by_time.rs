//! The statements that find rows by time. Timestamps compare as stored on both databases (see
//! `timestamp`), so each is one plain comparison; [`INDEXED`] names the index each must use,
//! which a contract test checks against the query plans of both databases.

pub const PURGE_EXPIRED_BROWSER_SESSIONS: &str =
    "delete from browser_sessions where expires_at <= $1";
/// Revoked access tokens that have not expired at `$1`.
pub const LIVE_REVOKED_ACCESS_TOKENS: &str =
    "select jti, expires_at from revoked_access_tokens where expires_at > $1";
pub const PURGE_EXPIRED_REVOCATIONS: &str =
    "delete from revoked_access_tokens where expires_at <= $1";
/// Grants revoked at or after `$1` (the partial index on revoked_at serves it).
pub const GRANTS_REVOKED_SINCE: &str =
    "select id, revoked_at from grants where revoked_at is not null and revoked_at >= $1";
pub const PURGE_EXPIRED_CODES: &str = "delete from authorization_codes where expires_at <= $1";
/// Codes, refresh tokens and grants that can no longer be used at `$1`, in that order.
pub const PURGE_EXPIRED_GRANTS: [&str; 3] = [
    PURGE_EXPIRED_CODES,
    "delete from refresh_tokens where expires_at <= $1",
    "delete from grants where expires_at <= $1 or (revoked_at is not null and revoked_at <= $1)",
];

/// Sent and given-up mail queued before `$1`.
pub const PURGE_FINISHED_MAILS: &str = "delete from mail_outbox
     where created_at <= $1 and (sent_at is not null or failed_at is not null)";

/// Codes and links that expired before `$1`.
pub const PURGE_EXPIRED_ACCOUNT_TOKENS: &str = "delete from account_tokens where expires_at <= $1";

/// A statement that finds rows by time, and the index it must use to do so.
#[derive(Debug, Clone, Copy)]
pub struct IndexedByTime {
    pub statement: &'static str,
    pub index: &'static str,
}

/// Every statement that finds rows by an indexed time column. (Refresh tokens, grants and
/// sign-in counters are swept by time without an index: the periodic sweep may scan them.)
pub const INDEXED: [IndexedByTime; 7] = [
    IndexedByTime {
        statement: PURGE_EXPIRED_BROWSER_SESSIONS,
        index: "browser_sessions_expires_at",
    },
    IndexedByTime {
        statement: LIVE_REVOKED_ACCESS_TOKENS,
        index: "revoked_access_tokens_expires_at",
    },
    IndexedByTime {
        statement: PURGE_EXPIRED_REVOCATIONS,
        index: "revoked_access_tokens_expires_at",
    },
    IndexedByTime {
        statement: GRANTS_REVOKED_SINCE,
        index: "grants_revoked_at",
    },
    IndexedByTime {
        statement: PURGE_EXPIRED_CODES,
        index: "authorization_codes_expires_at",
    },
    IndexedByTime {
        statement: PURGE_FINISHED_MAILS,
        index: "mail_outbox_created_at",
    },
    IndexedByTime {
        statement: PURGE_EXPIRED_ACCOUNT_TOKENS,
        index: "account_tokens_expires_at",
    },
];
