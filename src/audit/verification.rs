//! Checks the audit log end to end: every event's MAC (an edit shows), its personal data against
//! the hash it was committed by, the chain link by link (a deletion leaves a gap, a reordering or
//! a changed sequence breaks a link), every checkpoint's signature and its agreement with the
//! chain, and that no event waits too long for its seal.

use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::crypto::audit::{AuditKeys, checkpoint_signed_by, personal_hash};
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
    /// Where the chain starts (retention removed the events up to here).
    pub pruned_through: i64,
    /// The key checkpoints are signed with, to check copies kept elsewhere.
    pub checkpoint_public_key: String,
    pub findings: Vec<Finding>,
}

/// What verification needs to know of the configuration.
/// What one event's own checks found.
struct EventCheck {
    mac_matches: bool,
    personal_data_matches: bool,
    /// Its chain hash links from the stored hash of the event before it.
    link_matches: bool,
}

/// Checks every event of a page, on two cores: each event's link is computed from the *stored*
/// hash of the event before it, so no event's check waits for another's.
async fn check_page(
    keys: &AuditKeys,
    page: std::sync::Arc<Vec<crate::domain::audit::StoredAuditEvent>>,
    previous: String,
) -> Vec<EventCheck> {
    let half = page.len() / 2;
    let second = {
        let (keys, page) = (keys.clone(), page.clone());
        let previous = page[..half]
            .last()
            .and_then(|e| e.chain_hash.clone())
            .unwrap_or_else(|| previous.clone());
        tokio::task::spawn_blocking(move || check_events(&keys, &page[half..], previous))
    };
    let mut checks = check_events(keys, &page[..half], previous);
    match second.await {
        Ok(rest) => checks.extend(rest),
        // The blocking pool is gone (the runtime is stopping): check the rest here.
        Err(_) => {
            let previous = page[..half]
                .last()
                .and_then(|e| e.chain_hash.clone())
                .unwrap_or_default();
            checks.extend(check_events(keys, &page[half..], previous));
        }
    }
    checks
}

fn check_events(
    keys: &AuditKeys,
    events: &[crate::domain::audit::StoredAuditEvent],
    mut previous: String,
) -> Vec<EventCheck> {
    events
        .iter()
        .map(|stored| {
            let personal_data_matches = stored.personal_salt.as_ref().is_none_or(|salt| {
                personal_hash(&base64_salt(salt), &stored.event.personal) == stored.personal_hash
            });
            let (mac_matches, link_matches) = match (stored.seq, stored.chain_hash.as_deref()) {
                (Some(seq), Some(chain_hash)) => {
                    let checks = keys.check_chained(
                        &previous,
                        seq,
                        &stored.event,
                        &stored.personal_hash,
                        &stored.mac,
                        chain_hash,
                    );
                    previous = chain_hash.to_owned();
                    checks
                }
                _ => (
                    keys.mac_matches(&stored.event, &stored.personal_hash, &stored.mac),
                    true,
                ),
            };
            EventCheck {
                mac_matches,
                personal_data_matches,
                link_matches,
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
pub struct Expectations {
    /// An event unsealed longer than this is reported.
    pub max_unsealed_age: time::Duration,
    /// The sealer signs the head this often; a chain that grew past its last checkpoint for
    /// twice this long (plus `max_unsealed_age`) lost checkpoints.
    pub checkpoint_interval: time::Duration,
}

impl Expectations {
    pub fn of(config: &crate::config::AuditConfig) -> Self {
        let duration = |value: std::time::Duration| {
            time::Duration::try_from(value).unwrap_or(time::Duration::HOUR)
        };
        Self {
            max_unsealed_age: duration(config.max_unsealed_age.get()),
            checkpoint_interval: duration(config.checkpoint_interval.get()),
        }
    }
}

/// Verifies the whole log as of `now`. Retention running meanwhile moves the chain's start under
/// the reads; then the check starts again (at most three times), so a report is never about a
/// half-pruned chain.
pub async fn verify(
    store: &dyn Store,
    keys: &AuditKeys,
    now: OffsetDateTime,
    expect: Expectations,
) -> StoreResult<Report> {
    let mut report = verify_once(store, keys, now, expect).await?;
    for _ in 0..2 {
        let head = store.audit_chain_head().await?;
        if head.pruned_through == report.pruned_through {
            break;
        }
        report = verify_once(store, keys, now, expect).await?;
    }
    Ok(report)
}

async fn verify_once(
    store: &dyn Store,
    keys: &AuditKeys,
    now: OffsetDateTime,
    expect: Expectations,
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
    // Only the links a checkpoint signed are kept for the comparison below.
    let signed_seqs: std::collections::HashSet<i64> = checkpoints.iter().map(|c| c.seq).collect();
    let mut links = std::collections::HashMap::new();
    let mut first_chained = None;
    let mut page = store.chained_audit_events(expected - 1, PAGE).await?;
    while !page.is_empty() {
        // The next page is read while this one is checked.
        let last_seq = page.last().and_then(|e| e.seq).unwrap_or(expected - 1);
        let full = page.len() == PAGE as usize;
        let next = async {
            if full {
                store.chained_audit_events(last_seq, PAGE).await
            } else {
                Ok(Vec::new())
            }
        };
        let page_now = std::sync::Arc::new(std::mem::take(&mut page));
        let checks = check_page(keys, page_now.clone(), previous.clone());
        let (next, checks) = tokio::join!(next, checks);
        for (stored, check) in page_now.iter().zip(checks) {
            let (Some(seq), Some(chain_hash)) = (stored.seq, stored.chain_hash.as_deref()) else {
                continue;
            };
            let id = Some(stored.event.id);
            first_chained.get_or_insert(stored.event.occurred_at);
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
            if !check.mac_matches {
                findings.push(Finding {
                    problem: "edited",
                    seq: Some(seq),
                    event_id: id,
                    detail: "the event is not as it was written".into(),
                });
            }
            if !check.personal_data_matches {
                findings.push(Finding {
                    problem: "personal_data_altered",
                    seq: Some(seq),
                    event_id: id,
                    detail: "the personal data beside the event was changed".into(),
                });
            }
            if !after_gap && !check.link_matches {
                findings.push(Finding {
                    problem: "chain_broken",
                    seq: Some(seq),
                    event_id: id,
                    detail: "the event is not the one chained at this place".into(),
                });
            }
            if signed_seqs.contains(&seq) {
                links.insert(seq, chain_hash.to_owned());
            }
            previous = chain_hash.to_owned();
            expected = seq + 1;
        }
        page = next?;
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
    // A chain that kept growing with no checkpoint: the later checkpoints were deleted (which
    // would hide a rebuilt chain's end) or the sealer cannot sign.
    // With none at all, the chain's first event stands in for the last checkpoint.
    let last_signed = checkpoints
        .iter()
        .map(|c| (c.created_at, c.seq))
        .max()
        .or(first_chained.map(|at| (at, head.pruned_through)));
    let overdue = expect.checkpoint_interval * 2 + expect.max_unsealed_age;
    if let Some((at, seq)) = last_signed
        && seq < head.seq
        && at + overdue < now
    {
        findings.push(Finding {
            problem: "checkpoint_overdue",
            seq: Some(seq),
            event_id: None,
            detail: format!(
                "no checkpoint since {at}, while the chain grew to {}",
                head.seq
            ),
        });
    }
    if let Some(oldest) = store.oldest_unsealed_audit_event().await?
        && oldest + expect.max_unsealed_age < now
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
        pruned_through: head.pruned_through,
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
