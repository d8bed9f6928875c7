//! Audit events: what happened, to whom, by whom, through which client and request. Personal
//! data (address, source address, user agent) travels beside the event and is committed to only
//! by a salted hash, so erasing a person deletes it without breaking the log's verification.

use time::OffsetDateTime;
use uuid::Uuid;

/// Whether the action did what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    Success,
    Failure,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            _ => None,
        }
    }
}

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditActor {
    /// A signed-in person (by user id).
    User(String),
    /// A client acting for itself (by client id).
    Client(String),
    /// Someone not (yet) known: a failed sign-in, a registration.
    Anonymous,
    /// The server itself (automatic key rotation, sweeps).
    System,
    /// An operator at the command line (by the command).
    Operator(String),
}

impl AuditActor {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Client(_) => "client",
            Self::Anonymous => "anonymous",
            Self::System => "system",
            Self::Operator(_) => "operator",
        }
    }

    pub fn id(&self) -> Option<&str> {
        match self {
            Self::User(id) | Self::Client(id) | Self::Operator(id) => Some(id),
            Self::Anonymous | Self::System => None,
        }
    }

    pub fn from_parts(kind: &str, id: Option<String>) -> Option<Self> {
        Some(match (kind, id) {
            ("user", Some(id)) => Self::User(id),
            ("client", Some(id)) => Self::Client(id),
            ("operator", Some(id)) => Self::Operator(id),
            ("anonymous", None) => Self::Anonymous,
            ("system", None) => Self::System,
            _ => return None,
        })
    }
}

/// Personal data of an event, kept beside it and erased with its person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonalData {
    /// The user the data belongs to, when known (erasing them deletes it).
    pub person: Option<Uuid>,
    pub email: Option<String>,
    pub source_address: Option<String>,
    pub user_agent: Option<String>,
}

impl PersonalData {
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.source_address.is_none() && self.user_agent.is_none()
    }
}

/// One security-relevant event, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: Uuid,
    pub occurred_at: OffsetDateTime,
    /// Dotted type, e.g. `user.sign_in`, `admin.user.status_changed`.
    pub kind: String,
    pub outcome: AuditOutcome,
    pub actor: AuditActor,
    /// Whom or what it was done to: a user id, a client id, a role name.
    pub subject: Option<String>,
    pub client_id: Option<String>,
    pub request_id: Option<String>,
    /// Names of the fields an action changed (never their values), or a short reason.
    pub details: Vec<String>,
    pub personal: PersonalData,
}

/// An event as stored, with what the log keeps to prove it unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditEvent {
    pub event: AuditEvent,
    /// The salted hash committing to the personal data (kept when the data is erased).
    pub personal_hash: String,
    pub mac: String,
    /// Place in the chain, once sealed.
    pub seq: Option<i64>,
    pub chain_hash: Option<String>,
    /// Whether the personal data is still there.
    pub personal_salt: Option<String>,
}

/// A signed statement of the chain's head, kept in the database and written to the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheckpoint {
    pub seq: i64,
    pub chain_hash: String,
    pub created_at: OffsetDateTime,
    /// Why it was made: `periodic`, or what retention removed before it.
    pub note: String,
    pub signature: String,
}

impl AuditEvent {
    /// A successful event of `kind` by `actor` at `now`, outside any request.
    pub fn new(kind: &str, actor: AuditActor, now: OffsetDateTime) -> Self {
        Self {
            id: Uuid::now_v7(),
            occurred_at: now,
            kind: kind.to_owned(),
            outcome: AuditOutcome::Success,
            actor,
            subject: None,
            client_id: None,
            request_id: None,
            details: Vec::new(),
            personal: PersonalData::default(),
        }
    }

    pub fn failed(mut self) -> Self {
        self.outcome = AuditOutcome::Failure;
        self
    }

    pub fn subject(mut self, subject: impl ToString) -> Self {
        self.subject = Some(subject.to_string());
        self
    }

    pub fn client(mut self, client_id: impl ToString) -> Self {
        self.client_id = Some(client_id.to_string());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.details.push(detail.into());
        self
    }

    pub fn details<I: IntoIterator<Item = S>, S: Into<String>>(mut self, details: I) -> Self {
        self.details.extend(details.into_iter().map(Into::into));
        self
    }

    /// Whose personal data the event carries, and their address: the person the event is about,
    /// unless another person acted (an administrator), whose request data (address, user agent)
    /// the event already carries as theirs; then the subject id alone names the person acted on.
    pub fn person(mut self, person: Uuid, email: &str) -> Self {
        if self.personal.person.is_some_and(|actor| actor != person) {
            return self;
        }
        self.personal.person = Some(person);
        self.personal.email = Some(email.to_owned());
        self
    }

    /// An address typed in (a failed sign-in for an unknown account): personal data of no
    /// known user, erased by retention.
    pub fn typed_email(mut self, email: &str) -> Self {
        // As addresses are stored (trimmed, lower-cased), so erasing the account finds it.
        self.personal.email = Some(email.trim().to_lowercase());
        self
    }
}
