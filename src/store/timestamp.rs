//! How timestamps are bound: `timestamptz` on PostgreSQL; on SQLite one fixed-width, sortable
//! UTC text form (`2026-12-01T10:00:00.123456Z`), so that a plain `expires_at <= $1` compares
//! correctly as text and can use an index. (sqlx's own encoding is RFC 3339 with the fraction's
//! trailing zeros cut: `…:00Z` sorts after `…:00.5Z`.) Every timestamp a statement binds goes
//! through [`Ts`]; reading back needs nothing, as the fixed form is RFC 3339 too.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Encode, Postgres, Sqlite, Type};
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// The one text form of a timestamp on SQLite (microseconds, as every value we store has).
const SQLITE_FORM: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// A timestamp as a statement binds it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ts(pub OffsetDateTime);

/// The SQLite text form of `at`.
pub(super) fn sqlite_text(at: OffsetDateTime) -> Result<String, time::error::Format> {
    at.to_offset(time::UtcOffset::UTC).format(SQLITE_FORM)
}

impl Type<Sqlite> for Ts {
    fn type_info() -> <Sqlite as sqlx::Database>::TypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for Ts {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as sqlx::Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(sqlite_text(self.0)?, buf)
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> <Postgres as sqlx::Database>::TypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as sqlx::Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode_by_ref(&self.0, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_form_is_fixed_width_and_sorts_as_time_does() {
        let whole = time::macros::datetime!(2026-12-01 10:00:00 UTC);
        let half = whole + time::Duration::milliseconds(500);
        let elsewhere = half.to_offset(time::macros::offset!(+2));
        let (a, b) = (sqlite_text(whole).unwrap(), sqlite_text(half).unwrap());
        assert_eq!(a, "2026-12-01T10:00:00.000000Z");
        assert_eq!(b, "2026-12-01T10:00:00.500000Z");
        assert!(a < b);
        assert_eq!(sqlite_text(elsewhere).unwrap(), b);
        let parsed = OffsetDateTime::parse(&b, &time::format_description::well_known::Rfc3339);
        assert_eq!(parsed.unwrap(), half);
    }
}
