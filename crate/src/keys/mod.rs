//! The key schedule and our own record protection: from the secrets rustls logs, derive every
//! traffic key and IV ourselves, open and seal records with them, and recompute the Finished
//! messages — so the page can show each step and prove it matches what rustls did.
//!
//! - [`tls13`]: HKDF-Expand-Label, traffic key and IV, KeyUpdate's next secret, Finished MAC.
//! - [`tls12`]: the PRF, the key block, Finished verify_data.
//! - [`record`]: [`RecordKeys::open`] and [`RecordKeys::seal`] with every intermediate value
//!   ([`OpenTrace`], [`SealTrace`]).
//! - [`keylog`]: key-log lines ([`KeyLogEntry`], [`KeyLogCollector`]) and one connection's
//!   checked secrets ([`ConnectionSecrets`]).
//! - [`schedule`]: the serialisable key-schedule view ([`KeyScheduleView`]).
//! - [`connection`]: [`SessionDecryptor`], which follows a whole connection record by record.
//!
//! This module depends only on ring, rustls (for the `KeyLog` trait), serde and std.

pub mod connection;
pub mod error;
pub mod hex;
pub mod keylog;
pub mod record;
pub mod schedule;
pub mod suite;
pub mod tls12;
pub mod tls13;

#[cfg(test)]
mod tests_live;
// Property tests need proptest, a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests_props;
#[cfg(test)]
mod tests_rfc8448;

use serde::Serialize;

pub use connection::{Epoch, FinishedCheck, OpenedRecord, RecordOutcome, SessionDecryptor};
pub use error::KeysError;
pub use keylog::{ConnectionSecrets, KeyLogCollector, KeyLogEntry, SecretLabel};
pub use record::{OpenTrace, RecordKeys, SealOptions, SealTrace};
pub use schedule::{
    key_schedule_view, DerivedValue, Generations, KeyScheduleView, SecretOrigin, SecretView,
};
pub use suite::{AeadAlgorithm, CipherSuite, HashAlgorithm, TlsVersion};

/// Who sent a record: each direction has its own keys and sequence numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// Written by the client, read by the server.
    ClientToServer,
    /// Written by the server, read by the client.
    ServerToClient,
}

impl Direction {
    /// "client" or "server": who writes records in this direction.
    pub fn sender(self) -> &'static str {
        match self {
            Self::ClientToServer => "client",
            Self::ServerToClient => "server",
        }
    }

    /// The other direction.
    pub fn reverse(self) -> Self {
        match self {
            Self::ClientToServer => Self::ServerToClient,
            Self::ServerToClient => Self::ClientToServer,
        }
    }
}
