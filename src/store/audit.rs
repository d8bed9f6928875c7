//! The audit log's rows: events (written by the store method that commits their change, through
//! [`insert_audit!`], or alone for events that change nothing), their sealing into the hash chain,
//! checkpoints, and the reads that verification and the admin API need.

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt as _;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::pool::{BeginWrite as _, SqlStore, dialect, execute, fetch, scalar, with_pool};
use super::timestamp::Ts;
use super::{StoreError, StoreResult};
use crate::crypto::audit::personal_hash;
use crate::domain::audit::{
    AuditActor, AuditCheckpoint, AuditEvent, AuditOutcome, PersonalData, StoredAuditEvent,
};

/// Where the chain stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub chain_hash: String,
    /// Retention removed every event up to this one; the chain continues from `pruned_hash`.
    pub pruned_through: i64,
    pub pruned_hash: String,
}

/// A page of the audit log, newest first; every filter optional.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub kind_prefix: Option<String>,
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub outcome: Option<AuditOutcome>,
    pub client_id: Option<String>,
    pub after: Option<OffsetDateTime>,
    pub before: Option<OffsetDateTime>,
    /// The previous page's last event: (occurred_at, id).
    pub position: Option<(OffsetDateTime, Uuid)>,
    pub limit: u32,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Writes an event that goes with no change of state (a failed sign-in), on its own.
    async fn record_audit_event(&self, event: &AuditEvent) -> StoreResult<()>;
    /// Writes several events in one transaction (all or none).
    async fn record_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()>;
    /// Gives up to `limit` unsealed events, oldest first, their places in the chain, in one
    /// transaction. `None` when another sealer holds the chain's head (it is sealing them).
    async fn seal_audit_events(&self, limit: u32) -> StoreResult<Option<usize>>;
    async fn audit_chain_head(&self) -> StoreResult<ChainHead>;
    async fn add_audit_checkpoint(&self, checkpoint: &AuditCheckpoint) -> StoreResult<()>;
    /// Every checkpoint, oldest first.
    async fn audit_checkpoints(&self) -> StoreResult<Vec<AuditCheckpoint>>;
    /// Sealed events after `after_seq` in chain order.
    async fn chained_audit_events(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<StoredAuditEvent>>;
    /// When the oldest event still waiting for its seal happened.
    async fn oldest_unsealed_audit_event(&self) -> StoreResult<Option<OffsetDateTime>>;
    async fn list_audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<StoredAuditEvent>>;
    /// Deletes the chain's oldest events that happened before `before`, up to the first that did
    /// not (the chain stays whole from there), and moves its start there. The new start
    /// (`pruned_through`, `pruned_hash`) when anything went; `None` when nothing did or another
    /// instance holds the head.
    async fn prune_audit_events(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Option<(i64, String)>>;
}

/// The statement that writes an event.
pub(super) const INSERT_AUDIT_EVENT: &str = "insert into audit_events
     (id, occurred_at, kind, outcome, actor_kind, actor_id, subject, client_id, request_id,
      details, personal_hash, mac)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// The statement that writes an event's personal data beside it.
pub(super) const INSERT_AUDIT_PERSONAL_DATA: &str = "insert into audit_personal_data
     (event_id, person, salt, email, source_address, user_agent)
     values ($1, $2, $3, $4, $5, $6)";

/// An event's salt (base64url; empty when it has no personal data) and personal-data hash.
pub(super) fn commitment(personal: &PersonalData) -> (String, String) {
    if personal.is_empty() {
        return (String::new(), personal_hash(&[], personal));
    }
    let salt: [u8; 16] = rand::rng().random();
    (URL_SAFE_NO_PAD.encode(salt), personal_hash(&salt, personal))
}

/// `insert_audit!(store, transaction, &event)`: writes the event with its MAC, and its personal
/// data beside it, in the caller's transaction (the event commits exactly when the change does).
macro_rules! insert_audit {
    ($store:expr, $tx:expr, $event:expr) => {{
        let event: &$crate::domain::audit::AuditEvent = $event;
        let (salt, hash) = $crate::store::audit::commitment(&event.personal);
        let mac = $store.audit_keys().mac(event, &hash);
        $crate::store::pool::execute!(
            in &mut *$tx,
            $crate::store::audit::INSERT_AUDIT_EVENT,
            event.id,
            $crate::store::timestamp::Ts(event.occurred_at),
            &event.kind,
            event.outcome.as_str(),
            event.actor.kind(),
            event.actor.id(),
            &event.subject,
            &event.client_id,
            &event.request_id,
            sqlx::types::Json(&event.details),
            &hash,
            &mac,
        )?;
        if !event.personal.is_empty() {
            $crate::store::pool::execute!(
                in &mut *$tx,
                $crate::store::audit::INSERT_AUDIT_PERSONAL_DATA,
                event.id,
                event.personal.person,
                &salt,
                &event.personal.email,
                &event.personal.source_address,
                &event.personal.user_agent,
            )?;
        }
    }};
}

pub(super) use insert_audit;

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: Uuid,
    occurred_at: OffsetDateTime,
    kind: String,
    outcome: String,
    actor_kind: String,
    actor_id: Option<String>,
    subject: Option<String>,
    client_id: Option<String>,
    request_id: Option<String>,
    details: Json<Vec<String>>,
    personal_hash: String,
    mac: String,
    seq: Option<i64>,
    chain_hash: Option<String>,
    person: Option<Uuid>,
    salt: Option<String>,
    email: Option<String>,
    source_address: Option<String>,
    user_agent: Option<String>,
}

impl AuditRow {
    fn into_stored(self) -> Result<StoredAuditEvent, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("audit event {}: {what}", self.id));
        let outcome = AuditOutcome::parse(&self.outcome).ok_or_else(|| corrupt("outcome"))?;
        let actor = AuditActor::from_parts(&self.actor_kind, self.actor_id.clone())
            .ok_or_else(|| corrupt("actor"))?;
        Ok(StoredAuditEvent {
            event: AuditEvent {
                id: self.id,
                occurred_at: self.occurred_at,
                kind: self.kind,
                outcome,
                actor,
                subject: self.subject,
                client_id: self.client_id,
                request_id: self.request_id,
                details: self.details.0,
                personal: PersonalData {
                    person: self.person,
                    email: self.email,
                    source_address: self.source_address,
                    user_agent: self.user_agent,
                },
            },
            personal_hash: self.personal_hash,
            mac: self.mac,
            seq: self.seq,
            chain_hash: self.chain_hash,
            personal_salt: self.salt,
        })
    }
}

/// `select_audit!("where …")`: events with their personal data, if still there.
macro_rules! select_audit {
    ($filter:literal) => {
        concat!(
            "select e.id, e.occurred_at, e.kind, e.outcome, e.actor_kind, e.actor_id, e.subject,
                 e.client_id, e.request_id, e.details, e.personal_hash, e.mac, e.seq,
                 e.chain_hash, p.person, p.salt, p.email, p.source_address, p.user_agent
             from audit_events e left join audit_personal_data p on p.event_id = e.id ",
            $filter
        )
    };
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn record_audit_event(&self, event: &AuditEvent) -> StoreResult<()> {
        self.record_audit_events(std::slice::from_ref(event)).await
    }

    async fn record_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for event in events {
                insert_audit!(self, tx, event);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    async fn seal_audit_events(&self, limit: u32) -> StoreResult<Option<usize>> {
        let lock = dialect!(self, AUDIT_CHAIN_HEAD_FOR_SEALING);
        let unsealed = select_audit!("where e.seq is null order by e.occurred_at, e.id limit $1");
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some((mut seq, mut hash)) =
                fetch!(in &mut *tx, fetch_optional, (i64, String), lock)?
            else {
                return Ok(None);
            };
            let rows = fetch!(in &mut *tx, fetch_all, AuditRow, unsealed, i64::from(limit))?;
            let sealed = rows.len();
            // Every place in one statement: `update … from (values …)` (one round trip per
            // batch, not one per event).
            let (uuid_cast, int_cast) = dialect!(self, VALUES_CASTS);
            let mut update = sqlx::QueryBuilder::new(
                "update audit_events set seq = v.column2, chain_hash = v.column3 from (values ",
            );
            for (index, row) in rows.into_iter().enumerate() {
                let stored = row.into_stored()?;
                seq += 1;
                hash = self.audit_keys().link(
                    &hash, seq, &stored.event, &stored.personal_hash, &stored.mac,
                );
                update.push(if index == 0 { "(" } else { ", (" });
                update.push_bind(stored.event.id).push(uuid_cast).push(", ");
                update.push_bind(seq).push(int_cast).push(", ");
                update.push_bind(hash.clone()).push(")");
            }
            update.push(") as v where audit_events.id = v.column1");
            if sealed > 0 {
                update.build().execute(&mut *tx).await?;
                execute!(
                    in &mut *tx,
                    "update audit_chain set seq = $1, chain_hash = $2 where id = 1",
                    seq, &hash,
                )?;
            }
            tx.commit().await?;
            Ok(Some(sealed))
        })
    }

    async fn audit_chain_head(&self) -> StoreResult<ChainHead> {
        let (seq, chain_hash, pruned_through, pruned_hash) = fetch!(
            self,
            fetch_one,
            (i64, String, i64, String),
            "select seq, chain_hash, pruned_through, pruned_hash from audit_chain where id = 1"
        )?;
        Ok(ChainHead {
            seq,
            chain_hash,
            pruned_through,
            pruned_hash,
        })
    }

    async fn add_audit_checkpoint(&self, checkpoint: &AuditCheckpoint) -> StoreResult<()> {
        execute!(
            self,
            "insert into audit_checkpoints (seq, chain_hash, created_at, note, signature)
             values ($1, $2, $3, $4, $5)",
            checkpoint.seq,
            &checkpoint.chain_hash,
            Ts(checkpoint.created_at),
            &checkpoint.note,
            &checkpoint.signature,
        )?;
        Ok(())
    }

    async fn audit_checkpoints(&self) -> StoreResult<Vec<AuditCheckpoint>> {
        let rows = fetch!(
            self,
            fetch_all,
            (i64, String, OffsetDateTime, String, String),
            "select seq, chain_hash, created_at, note, signature from audit_checkpoints
             order by created_at, seq"
        )?;
        Ok(rows
            .into_iter()
            .map(
                |(seq, chain_hash, created_at, note, signature)| AuditCheckpoint {
                    seq,
                    chain_hash,
                    created_at,
                    note,
                    signature,
                },
            )
            .collect())
    }

    async fn chained_audit_events(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<StoredAuditEvent>> {
        let sql = select_audit!("where e.seq > $1 order by e.seq limit $2");
        let rows = fetch!(self, fetch_all, AuditRow, sql, after_seq, i64::from(limit))?;
        rows.into_iter().map(AuditRow::into_stored).collect()
    }

    async fn oldest_unsealed_audit_event(&self) -> StoreResult<Option<OffsetDateTime>> {
        let sql = "select occurred_at from audit_events where seq is null
             order by occurred_at, id limit 1";
        Ok(scalar!(self, fetch_optional, OffsetDateTime, sql)?)
    }

    async fn list_audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<StoredAuditEvent>> {
        let rows = with_pool!(self, pool => {
            let mut sql = sqlx::QueryBuilder::new(select_audit!("where 1 = 1"));
            if let Some(prefix) = &query.kind_prefix {
                sql.push(" and e.kind like ")
                    .push_bind(format!("{}%", super::user_admin::escape_like(prefix)))
                    .push(" escape '\\'");
            }
            if let Some(actor) = &query.actor {
                sql.push(" and e.actor_id = ").push_bind(actor.clone());
            }
            if let Some(subject) = &query.subject {
                sql.push(" and e.subject = ").push_bind(subject.clone());
            }
            if let Some(outcome) = query.outcome {
                sql.push(" and e.outcome = ").push_bind(outcome.as_str());
            }
            if let Some(client) = &query.client_id {
                sql.push(" and e.client_id = ").push_bind(client.clone());
            }
            if let Some(after) = query.after {
                sql.push(" and e.occurred_at >= ").push_bind(Ts(after));
            }
            if let Some(before) = query.before {
                sql.push(" and e.occurred_at < ").push_bind(Ts(before));
            }
            if let Some((at, id)) = query.position {
                sql.push(" and (e.occurred_at, e.id) < (")
                    .push_bind(Ts(at))
                    .push(", ")
                    .push_bind(id)
                    .push(")");
            }
            sql.push(" order by e.occurred_at desc, e.id desc limit ")
                .push_bind(i64::from(query.limit));
            sql.build_query_as::<AuditRow>().fetch_all(pool).await?
        });
        rows.into_iter().map(AuditRow::into_stored).collect()
    }

    async fn prune_audit_events(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Option<(i64, String)>> {
        let lock = dialect!(self, AUDIT_CHAIN_HEAD_FOR_SEALING);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let Some((head, _)) = fetch!(in &mut *tx, fetch_optional, (i64, String), lock)? else {
                return Ok(None);
            };
            let pruned = scalar!(
                in &mut *tx, fetch_one, i64, "select pruned_through from audit_chain where id = 1",
            )?;
            // Everything up to the first event that is still to be kept.
            let keep_from = scalar!(
                in &mut *tx, fetch_one, Option<i64>,
                "select min(seq) from audit_events where seq > $1 and occurred_at >= $2",
                pruned, Ts(before),
            )?;
            let through = keep_from.map_or(head, |seq| seq - 1);
            if through <= pruned {
                return Ok(None);
            }
            let Some(anchor) = scalar!(
                in &mut *tx, fetch_optional, Option<String>,
                "select chain_hash from audit_events where seq = $1", through,
            )?
            .flatten() else {
                // The anchor itself is gone (the log was tampered with): leave it to verification.
                return Ok(None);
            };
            execute!(
                in &mut *tx,
                "delete from audit_events where seq > $1 and seq <= $2",
                pruned, through,
            )?;
            execute!(
                in &mut *tx,
                "update audit_chain set pruned_through = $1, pruned_hash = $2 where id = 1",
                through, &anchor,
            )?;
            tx.commit().await?;
            Ok(Some((through, anchor)))
        })
    }
}
