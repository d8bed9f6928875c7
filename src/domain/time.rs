//! The clock, at the precision every backend stores (microseconds), so a value read back equals
//! the value written.

use time::OffsetDateTime;

/// Now, in UTC, truncated to whole microseconds.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    let micros = now.microsecond();
    now.replace_microsecond(micros).unwrap_or(now)
}
