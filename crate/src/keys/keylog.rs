//! The secrets rustls reveals through its `KeyLog` hook (NSS key log format), gathered per
//! connection and checked against the negotiated suite.

use std::sync::Mutex;

use serde::Serialize;

use super::suite::{CipherSuite, TlsVersion};
use super::tls12::RANDOM_LEN;
use super::{hex, KeysError};

/// One line of the key log: what rustls passes to `KeyLog::log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyLogEntry {
    /// The NSS label, e.g. `CLIENT_HANDSHAKE_TRAFFIC_SECRET`.
    pub label: String,
    /// The ClientHello random of the connection the secret belongs to.
    #[serde(serialize_with = "hex::serialize")]
    pub client_random: Vec<u8>,
    /// The secret itself.
    #[serde(serialize_with = "hex::serialize")]
    pub secret: Vec<u8>,
}

impl From<(String, Vec<u8>, Vec<u8>)> for KeyLogEntry {
    /// From `(label, client_random, secret)`, the order `KeyLog::log` takes them in.
    fn from((label, client_random, secret): (String, Vec<u8>, Vec<u8>)) -> Self {
        Self {
            label,
            client_random,
            secret,
        }
    }
}

/// The secrets the key log names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretLabel {
    /// TLS 1.3 `client_early_traffic_secret`: protects 0-RTT data.
    ClientEarlyTraffic,
    /// TLS 1.3 `client_handshake_traffic_secret`.
    ClientHandshakeTraffic,
    /// TLS 1.3 `server_handshake_traffic_secret`.
    ServerHandshakeTraffic,
    /// TLS 1.3 `client_application_traffic_secret_0`.
    ClientApplicationTraffic0,
    /// TLS 1.3 `server_application_traffic_secret_0`.
    ServerApplicationTraffic0,
    /// TLS 1.3 `exporter_master_secret`: for keying-material exporters, never for records.
    ExporterMaster,
    /// TLS 1.2 master secret (label `CLIENT_RANDOM`).
    Tls12MasterSecret,
}

impl SecretLabel {
    /// Every label, in the order a TLS 1.3 handshake produces them, then TLS 1.2's.
    pub const ALL: [SecretLabel; 7] = [
        Self::ClientEarlyTraffic,
        Self::ClientHandshakeTraffic,
        Self::ServerHandshakeTraffic,
        Self::ClientApplicationTraffic0,
        Self::ServerApplicationTraffic0,
        Self::ExporterMaster,
        Self::Tls12MasterSecret,
    ];

    /// The label as it appears in the key log.
    pub fn nss_label(self) -> &'static str {
        match self {
            Self::ClientEarlyTraffic => "CLIENT_EARLY_TRAFFIC_SECRET",
            Self::ClientHandshakeTraffic => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            Self::ServerHandshakeTraffic => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            Self::ClientApplicationTraffic0 => "CLIENT_TRAFFIC_SECRET_0",
            Self::ServerApplicationTraffic0 => "SERVER_TRAFFIC_SECRET_0",
            Self::ExporterMaster => "EXPORTER_SECRET",
            Self::Tls12MasterSecret => "CLIENT_RANDOM",
        }
    }

    /// The label for a key-log label, if it is one of ours.
    pub fn from_nss_label(label: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|known| known.nss_label() == label)
    }

    /// What the secret is, in the RFC's words.
    pub fn description(self) -> &'static str {
        match self {
            Self::ClientEarlyTraffic => "client_early_traffic_secret: protects the client's 0-RTT early data",
            Self::ClientHandshakeTraffic => {
                "client_handshake_traffic_secret: protects the client's handshake messages"
            }
            Self::ServerHandshakeTraffic => {
                "server_handshake_traffic_secret: protects EncryptedExtensions to the server's Finished"
            }
            Self::ClientApplicationTraffic0 => {
                "client_application_traffic_secret_0: protects the client's application data"
            }
            Self::ServerApplicationTraffic0 => {
                "server_application_traffic_secret_0: protects the server's application data"
            }
            Self::ExporterMaster => {
                "exporter_master_secret: feeds keying-material exporters, never record keys"
            }
            Self::Tls12MasterSecret => {
                "master_secret: the TLS 1.2 PRF expands it into both directions' keys and IVs"
            }
        }
    }

    /// The protocol version whose key schedule produces the secret.
    pub fn version(self) -> TlsVersion {
        match self {
            Self::Tls12MasterSecret => TlsVersion::Tls12,
            _ => TlsVersion::Tls13,
        }
    }
}

/// A `rustls::KeyLog` that keeps every line in memory, for any number of connections.
#[derive(Debug, Default)]
pub struct KeyLogCollector {
    entries: Mutex<Vec<KeyLogEntry>>,
}

impl KeyLogCollector {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every line logged so far, in order.
    pub fn entries(&self) -> Vec<KeyLogEntry> {
        // A poisoned lock only means another thread panicked mid-push; the Vec is still sound.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The lines of one connection, picked by its client random.
    pub fn entries_for(&self, client_random: &[u8]) -> Vec<KeyLogEntry> {
        self.entries()
            .into_iter()
            .filter(|entry| entry.client_random == client_random)
            .collect()
    }

    /// Forgets every line.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }
}

impl rustls::KeyLog for KeyLogCollector {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(KeyLogEntry {
                label: label.to_owned(),
                client_random: client_random.to_vec(),
                secret: secret.to_vec(),
            });
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

/// The length of a TLS 1.2 master secret (RFC 5246 §8.1).
pub const MASTER_SECRET_LEN: usize = 48;

/// One connection's logged secrets, checked against its suite, with its randoms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSecrets {
    suite: CipherSuite,
    client_random: Option<Vec<u8>>,
    server_random: Option<Vec<u8>>,
    secrets: Vec<(SecretLabel, Vec<u8>)>,
}

impl ConnectionSecrets {
    /// Picks one connection's secrets from key-log lines.
    ///
    /// The connection is the one with `client_random` if given; otherwise every line must share
    /// one client random ([`KeysError::AmbiguousKeyLog`] if not). Lines with labels this module
    /// does not use, or of the other TLS version, are ignored; a secret of the wrong length for
    /// the suite is an error, since it means the suite or the log is not this connection's.
    pub fn from_key_log(
        suite: CipherSuite,
        entries: &[KeyLogEntry],
        client_random: Option<&[u8]>,
        server_random: Option<&[u8]>,
    ) -> Result<Self, KeysError> {
        if let Some(random) = client_random {
            check_random("client", random)?;
        }
        if let Some(random) = server_random {
            check_random("server", random)?;
        }
        let client_random = match client_random {
            Some(random) => Some(random.to_vec()),
            None => {
                let mut randoms = entries.iter().map(|entry| &entry.client_random);
                match randoms.next() {
                    Some(first) if randoms.all(|other| other == first) => Some(first.clone()),
                    Some(_) => return Err(KeysError::AmbiguousKeyLog),
                    None => None,
                }
            }
        };

        let mut secrets: Vec<(SecretLabel, Vec<u8>)> = Vec::new();
        for entry in entries {
            if client_random.as_deref() != Some(entry.client_random.as_slice()) {
                continue;
            }
            let Some(label) = SecretLabel::from_nss_label(&entry.label) else {
                continue;
            };
            if label.version() != suite.version() || secrets.iter().any(|(seen, _)| *seen == label)
            {
                continue;
            }
            let expected = match label.version() {
                TlsVersion::Tls13 => suite.hash().output_len(),
                TlsVersion::Tls12 => MASTER_SECRET_LEN,
            };
            if entry.secret.len() != expected {
                return Err(KeysError::SecretLength {
                    label: label.nss_label(),
                    expected,
                    actual: entry.secret.len(),
                });
            }
            secrets.push((label, entry.secret.clone()));
        }
        secrets.sort_by_key(|(label, _)| *label);

        Ok(Self {
            suite,
            client_random,
            server_random: server_random.map(<[u8]>::to_vec),
            secrets,
        })
    }

    /// The negotiated suite.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// The client random, if known.
    pub fn client_random(&self) -> Option<&[u8]> {
        self.client_random.as_deref()
    }

    /// The server random, if known.
    pub fn server_random(&self) -> Option<&[u8]> {
        self.server_random.as_deref()
    }

    /// Records the client random (e.g. read from ClientHello).
    pub fn set_client_random(&mut self, random: &[u8]) -> Result<(), KeysError> {
        check_random("client", random)?;
        self.client_random = Some(random.to_vec());
        Ok(())
    }

    /// Records the server random (e.g. read from ServerHello).
    pub fn set_server_random(&mut self, random: &[u8]) -> Result<(), KeysError> {
        check_random("server", random)?;
        self.server_random = Some(random.to_vec());
        Ok(())
    }

    /// The secret with this label, if logged.
    pub fn secret(&self, label: SecretLabel) -> Option<&[u8]> {
        self.secrets
            .iter()
            .find(|(known, _)| *known == label)
            .map(|(_, secret)| secret.as_slice())
    }

    /// The secret with this label, or [`KeysError::MissingSecret`].
    pub fn require(&self, label: SecretLabel) -> Result<&[u8], KeysError> {
        self.secret(label)
            .ok_or(KeysError::MissingSecret(label.nss_label()))
    }

    /// Every logged secret, in handshake order.
    pub fn secrets(&self) -> impl Iterator<Item = (SecretLabel, &[u8])> {
        self.secrets
            .iter()
            .map(|(label, secret)| (*label, secret.as_slice()))
    }
}

fn check_random(which: &'static str, random: &[u8]) -> Result<(), KeysError> {
    if random.len() == RANDOM_LEN {
        Ok(())
    } else {
        Err(KeysError::RandomLength {
            which,
            actual: random.len(),
        })
    }
}
