//! The lab clock: the only source of "now" for everything in a run.
//!
//! Both rustls endpoints read it through [`rustls::time_provider::TimeProvider`], and the lab's
//! own expiry logic (cookies, idle timeouts) reads it too. The engine advances it; nothing reads
//! `SystemTime` (which panics on wasm32-unknown-unknown anyway).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rustls::pki_types::UnixTime;
use rustls::time_provider::TimeProvider;

/// Where every run's clock starts: 2026-03-02 09:00:00 UTC, a plausible Monday morning.
pub const LAB_EPOCH: u64 = 1_772_442_000;

/// A shared, advanceable clock in whole seconds since the Unix epoch.
///
/// Clones share the same time, so the client, the server and the engine agree.
#[derive(Clone, Debug)]
pub struct LabClock {
    seconds: Arc<AtomicU64>,
}

impl LabClock {
    /// A clock standing at [`LAB_EPOCH`].
    pub fn new() -> Self {
        Self::starting_at(LAB_EPOCH)
    }

    /// A clock standing at `unix_seconds`.
    pub fn starting_at(unix_seconds: u64) -> Self {
        Self {
            seconds: Arc::new(AtomicU64::new(unix_seconds)),
        }
    }

    /// The lab's current time, in seconds since the Unix epoch.
    pub fn now(&self) -> u64 {
        self.seconds.load(Ordering::SeqCst)
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance(&self, seconds: u64) {
        self.seconds.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Default for LabClock {
    fn default() -> Self {
        Self::new()
    }
}

impl TimeProvider for LabClock {
    fn current_time(&self) -> Option<UnixTime> {
        Some(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            self.now(),
        )))
    }
}

/// Formats a Unix time as RFC 3339 UTC (`2026-03-02T09:00:00Z`), without reading any clock.
pub fn rfc3339(unix_seconds: u64) -> String {
    let days = unix_seconds / 86_400;
    let secs_of_day = unix_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day): Howard Hinnant's
/// `civil_from_days`, restricted to dates after the epoch.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        // Reference values from `date -u -d @N +%Y-%m-%dT%H:%M:%SZ`.
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(LAB_EPOCH), "2026-03-02T09:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn clones_share_time_and_rustls_sees_it() {
        let clock = LabClock::new();
        let seen_by_rustls = clock.clone();
        clock.advance(3600);
        assert_eq!(seen_by_rustls.now(), LAB_EPOCH + 3600);
        let now = seen_by_rustls.current_time().map(|t| t.as_secs());
        assert_eq!(now, Some(LAB_EPOCH + 3600));
    }
}
