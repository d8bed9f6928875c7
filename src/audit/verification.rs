//! Checks the audit log end to end: every event's MAC (an edit shows), its personal data against
//! the hash it was committed by, the chain link by link (a deletion leaves a gap, a reordering or
//! a changed sequence breaks a link), every checkpoint's signature and its agreement with the
//! chain, and that no event waits too long for its seal.

use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::crypto::audit::{AuditKeys, checkpoint_signed_by, link, personal_hash};
use crate::store::{Store, StoreResult};

/// Events read per query.
const PAGE: u32 = 10_000;

/// One thing verification found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `edited`, `personal_data_altered`, `missing`, `chain_broken`, `checkpoint_forged`,
    /// `checkpoint_mismatch`, `unsealed_too_long`.
    pub problem: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<Uuid>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// True when nothing was found.
    pub intact: bool,
    pub events_checked: u64,
    pub checkpoints_checked: usize,
    /// The chain's head as recorded.
    pub head_seq: i64,
    /// The key checkpoints are signed with, to check copies kept elsewhere.
    pub checkpoint_public_key: String,
    pub findings: Vec<Finding>,
}

/// Verifies the whole log as of `now`.
pub async fn verify(
    store: &dyn Store,
    keys: &AuditKeys,
    now: OffsetDateTime,
    max_unsealed_age: time::Duration,
) -> StoreResult<Report> {
    let head = store.audit_chain_head().await?;
    let public_key = keys.checkpoint_public_key();
    let checkpoints = store.audit_checkpoints().await?;
    let mut findings = Vec::new();
    for checkpoint in &checkpoints {
        if !checkpoint_signed_by(
            &public_key,
            checkpoint.seq,
            &checkpoint.chain_hash,
            checkpoint.created_at.unix_timestamp(),
            &checkpoint.note,
            &checkpoint.signature,
        ) {
            findings.push(Finding {
                problem: "checkpoint_forged",
                seq: Some(checkpoint.seq),
                event_id: None,
                detail: "the checkpoint's signature is not ours".into(),
            });
        }
    }
    // Retention moved the chain's start: only a signed checkpoint may have said so.
    if head.pruned_through > 0 {
        let note = crate::audit::sealer::retention_note(head.pruned_through, &head.pruned_hash);
        let signed = checkpoints.iter().any(|c| {
            c.note == note
                && checkpoint_signed_by(
                    &public_key,
                    c.seq,
                    &c.chain_hash,
                    c.created_at.unix_timestamp(),
                    &c.note,
                    &c.signature,
                )
        });
        if !signed {
            findings.push(Finding {
                problem: "missing",
                seq: Some(head.pruned_through),
                event_id: None,
                detail: "the chain's start moved without a signed retention checkpoint".into(),
            });
        }
    }
    let mut previous = head.pruned_hash.clone();
    let mut expected = head.pruned_through + 1;
    let mut checked = 0u64;
    let mut links = std::collections::HashMap::new();
    loop {
        let page = store.chained_audit_events(expected - 1, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for stored in &page {
            let (Some(seq), Some(chain_hash)) = (stored.seq, stored.chain_hash.as_deref()) else {
                continue;
            };
            let id = Some(stored.event.id);
            checked += 1;
            // After a gap the link this event was made from is gone with the gap: its own link
            // cannot be checked, and the rest is checked from it, so one gap is reported once.
            let after_gap = seq != expected;
            if after_gap {
                findings.push(Finding {
                    problem: "missing",
                    seq: Some(expected),
                    event_id: None,
                    detail: format!("events {expected} to {} are gone", seq - 1),
                });
            }
            if !keys.mac_matches(&stored.event, &stored.personal_hash, &stored.mac) {
                findings.push(Finding {
                    problem: "edited",
                    seq: Some(seq),
                    event_id: id,
                    detail: "the event is not as it was written".into(),
                });
            }
            if let Some(salt) = &stored.personal_salt {
                let salt = base64_salt(salt);
                if personal_hash(&salt, &stored.event.personal) != stored.personal_hash {
                    findings.push(Finding {
                        problem: "personal_data_altered",
                        seq: Some(seq),
                        event_id: id,
                        detail: "the personal data beside the event was changed".into(),
                    });
                }
            }
            let computed = link(
                &previous,
                seq,
                &stored.event,
                &stored.personal_hash,
                &stored.mac,
            );
            if !after_gap && computed != chain_hash {
                findings.push(Finding {
                    problem: "chain_broken",
                    seq: Some(seq),
                    event_id: id,
                    detail: "the event is not the one chained at this place".into(),
                });
            }
            links.insert(seq, chain_hash.to_owned());
            previous = chain_hash.to_owned();
            expected = seq + 1;
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    if expected <= head.seq {
        findings.push(Finding {
            problem: "missing",
            seq: Some(expected),
            event_id: None,
            detail: format!("events {expected} to {} are gone", head.seq),
        });
    }
    for checkpoint in &checkpoints {
        if checkpoint.seq <= head.pruned_through {
            continue;
        }
        if links.get(&checkpoint.seq) != Some(&checkpoint.chain_hash) {
            findings.push(Finding {
                problem: "checkpoint_mismatch",
                seq: Some(checkpoint.seq),
                event_id: None,
                detail: "the chain no longer reaches the head this checkpoint signed".into(),
            });
        }
    }
    if let Some(oldest) = store.oldest_unsealed_audit_event().await?
        && oldest + max_unsealed_age < now
    {
        findings.push(Finding {
            problem: "unsealed_too_long",
            seq: None,
            event_id: None,
            detail: format!("an event from {oldest} is still not chained"),
        });
    }
    Ok(Report {
        intact: findings.is_empty(),
        events_checked: checked,
        checkpoints_checked: checkpoints.len(),
        head_seq: head.seq,
        checkpoint_public_key: public_key,
        findings,
    })
}

fn base64_salt(salt: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(salt)
        .unwrap_or_default()
}
