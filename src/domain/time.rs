//! The clock, at the precision every backend stores (microseconds), so a value read back equals
//! the value written.

use time::OffsetDateTime;

/// Now, in UTC, truncated to whole microseconds.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    let micros = now.microsecond();
    now.replace_microsecond(micros).unwrap_or(now)
}

/// The clock the server's rules read (token lifetimes, lockouts, retry windows): the system
/// clock, which tests can move forward to check time-based rules without waiting. Clones share
/// one offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_micros: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        let offset = self
            .offset_micros
            .load(std::sync::atomic::Ordering::Relaxed);
        now() + time::Duration::microseconds(offset)
    }

    /// Moves this clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: time::Duration) {
        let micros = i64::try_from(by.whole_microseconds()).unwrap_or(i64::MAX);
        self.offset_micros
            .fetch_add(micros, std::sync::atomic::Ordering::Relaxed);
    }
}
