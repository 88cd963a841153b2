//! The service's clock: what "now" is when a publication time, a form's fill time or a
//! popular window is compared. A server runs on the system clock; a test moves its own
//! server's clock forward instead of sleeping until a scheduled article is due, so the
//! suite neither waits nor races a busy machine. Signed access tokens keep the system
//! clock: their expiry is checked by jsonwebtoken against it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{NaiveDateTime, TimeDelta, Timelike, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// How far this clock is ahead of the system's, in microseconds; zero in a server.
    ahead_micros: Arc<AtomicI64>,
}

impl Clock {
    /// Now, to the microsecond: both databases keep microseconds, and cursors carry them,
    /// so nothing finer may ever be written.
    pub fn now(&self) -> NaiveDateTime {
        let ahead = TimeDelta::microseconds(self.ahead_micros.load(Ordering::Relaxed));
        truncate_micros(Utc::now().naive_utc() + ahead)
    }

    /// Moves this clock (and every service sharing it) forward by `by`.
    pub fn advance(&self, by: TimeDelta) {
        let micros = by.num_microseconds().unwrap_or(i64::MAX);
        self.ahead_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

pub(crate) fn truncate_micros(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advanced_clock_is_ahead_by_that_much_and_its_copies_too() {
        let clock = Clock::default();
        let copy = clock.clone();
        let before = clock.now();
        clock.advance(TimeDelta::hours(2));
        let after = copy.now();
        assert!(after - before >= TimeDelta::hours(2));
        assert!(after - before < TimeDelta::hours(2) + TimeDelta::seconds(5));
        assert_eq!(after.nanosecond() % 1000, 0);
    }
}
