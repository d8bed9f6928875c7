//! Listing cursors: where a page ended, opaque to clients and authenticated with a keyed MAC,
//! so a cursor we did not make (or one edited to jump elsewhere) is refused, not followed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::crypto::token::{PlaintextToken, TokenHasher};
use crate::domain::{InvalidField, UserId};
use crate::store::UserPosition;

#[derive(Serialize, Deserialize)]
struct Payload {
    /// The sort the listing walks (a cursor only continues the listing it came from).
    s: String,
    /// The last row's creation time, unix nanoseconds.
    t: i128,
    e: String,
    i: uuid::Uuid,
}

fn mac(hasher: &TokenHasher, payload: &str) -> String {
    let signed = PlaintextToken::from_presented(format!("portcullis: user cursor v1:{payload}"));
    hasher.hash(&signed).as_str().to_owned()
}

/// The cursor that continues a listing sorted by `sort` after `position`.
pub fn encode(hasher: &TokenHasher, sort: &str, position: &UserPosition) -> String {
    let payload = Payload {
        s: sort.to_owned(),
        t: position.created_at.unix_timestamp_nanos(),
        e: position.email.clone(),
        i: position.id.as_uuid(),
    };
    let json = serde_json::to_vec(&payload).unwrap_or_default();
    let payload = URL_SAFE_NO_PAD.encode(json);
    let tag = mac(hasher, &payload);
    format!("{payload}.{tag}")
}

/// The sort and position a cursor carries; refused unless we made it.
pub fn decode(hasher: &TokenHasher, cursor: &str) -> Result<(String, UserPosition), InvalidField> {
    let invalid = || InvalidField::new("cursor", "is not a cursor this server gave out");
    let (payload, tag) = cursor.split_once('.').ok_or_else(invalid)?;
    if !crate::crypto::constant_time::equal(mac(hasher, payload).as_bytes(), tag.as_bytes()) {
        return Err(invalid());
    }
    let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
    let payload: Payload = serde_json::from_slice(&json).map_err(|_| invalid())?;
    let created_at =
        time::OffsetDateTime::from_unix_timestamp_nanos(payload.t).map_err(|_| invalid())?;
    Ok((
        payload.s,
        UserPosition {
            created_at,
            email: payload.e,
            id: UserId::from_uuid(payload.i),
        },
    ))
}

/// The cursor that continues an audit listing after the event at `at` with `id`.
pub fn encode_audit(hasher: &TokenHasher, at: time::OffsetDateTime, id: uuid::Uuid) -> String {
    let payload = URL_SAFE_NO_PAD.encode(format!("{}.{id}", at.unix_timestamp_nanos()));
    let tag = mac(hasher, &format!("audit:{payload}"));
    format!("{payload}.{tag}")
}

/// The position an audit cursor carries; refused unless we made it.
pub fn decode_audit(
    hasher: &TokenHasher,
    cursor: &str,
) -> Result<(time::OffsetDateTime, uuid::Uuid), InvalidField> {
    let invalid = || InvalidField::new("cursor", "is not a cursor this server gave out");
    let (payload, tag) = cursor.split_once('.').ok_or_else(invalid)?;
    let expected = mac(hasher, &format!("audit:{payload}"));
    if !crate::crypto::constant_time::equal(expected.as_bytes(), tag.as_bytes()) {
        return Err(invalid());
    }
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?)
        .map_err(|_| invalid())?;
    let (nanos, id) = text.split_once('.').ok_or_else(invalid)?;
    let at = nanos
        .parse()
        .ok()
        .and_then(|n| time::OffsetDateTime::from_unix_timestamp_nanos(n).ok())
        .ok_or_else(invalid)?;
    Ok((at, uuid::Uuid::parse_str(id).map_err(|_| invalid())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_edits_are_refused() {
        let hasher = TokenHasher::new(&[7; 32]);
        let position = UserPosition {
            created_at: time::macros::datetime!(2026-12-07 10:00:00.123456 UTC),
            email: "a@example.com".into(),
            id: UserId::new(),
        };
        let cursor = encode(&hasher, "-email", &position);
        assert_eq!(
            decode(&hasher, &cursor).ok(),
            Some(("-email".to_owned(), position.clone()))
        );
        let (payload, tag) = cursor.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD
            .encode(br#"{"s":"email","t":0,"e":"","i":"00000000-0000-0000-0000-000000000000"}"#);
        assert!(decode(&hasher, &format!("{forged}.{tag}")).is_err());
        assert!(decode(&hasher, payload).is_err());
        assert!(decode(&TokenHasher::new(&[8; 32]), &cursor).is_err());
        assert!(decode(&hasher, "").is_err());
    }
}
