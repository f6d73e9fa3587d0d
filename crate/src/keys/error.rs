//! The one error type of the key schedule and record protection: every way an input can be wrong
//! (a missing secret, a short record, a tag that does not verify) is a value here, never a panic.

use std::fmt;

/// Why a key derivation, a record opening or a record sealing could not be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysError {
    /// The IANA cipher suite number is not one of the AEAD suites this module implements.
    UnsupportedCipherSuite(u16),
    /// An operation for one TLS version was asked of a suite of the other version.
    WrongVersion {
        /// What was asked, e.g. "the TLS 1.2 key block".
        operation: &'static str,
        /// The suite it was asked of.
        suite: &'static str,
    },
    /// A secret the operation needs is not in the key log (e.g. no `SERVER_HANDSHAKE_TRAFFIC_SECRET`).
    MissingSecret(&'static str),
    /// A secret from the key log has the wrong length for the suite's hash.
    SecretLength {
        /// The NSS label of the secret.
        label: &'static str,
        /// The hash output length the suite implies.
        expected: usize,
        /// The length found.
        actual: usize,
    },
    /// A client or server random is missing; TLS 1.2 key expansion needs both.
    MissingRandom(&'static str),
    /// A client or server random is not 32 bytes long.
    RandomLength {
        /// "client" or "server".
        which: &'static str,
        /// The length found.
        actual: usize,
    },
    /// The key log holds entries for more than one connection (several client randoms) and no
    /// client random was given to pick one.
    AmbiguousKeyLog,
    /// A traffic key or IV handed in has the wrong length for the suite.
    KeyMaterialLength {
        /// "key", "iv" or "explicit nonce".
        what: &'static str,
        /// The length the suite needs.
        expected: usize,
        /// The length found.
        actual: usize,
    },
    /// An HKDF or PRF output length that the construction cannot produce (HKDF: over 255 hash
    /// blocks; HKDF-Expand-Label: over 65535 bytes, or a label or context over 255 bytes).
    OutputLength(usize),
    /// Fewer than the 5 bytes of a record header.
    RecordTooShort(usize),
    /// The header's length field disagrees with the fragment that follows it.
    RecordLengthMismatch {
        /// The length the header declares.
        declared: usize,
        /// The fragment length actually present.
        actual: usize,
    },
    /// A protected fragment too short to hold the explicit nonce and the authentication tag.
    CiphertextTooShort {
        /// The fragment length.
        actual: usize,
        /// The minimum for this suite.
        minimum: usize,
    },
    /// A TLS 1.3 record whose outer content type is not application_data (23) cannot be protected.
    NotProtected(u8),
    /// The AEAD tag did not verify: wrong key, wrong sequence number, or altered bytes.
    DecryptFailed {
        /// The sequence number that was tried.
        seq: u64,
    },
    /// A TLS 1.3 inner plaintext made only of zero bytes: it has no content type.
    NoContentType,
    /// The content (plus padding and tag) does not fit in one record.
    PlaintextTooLong(usize),
    /// The record sequence number would wrap past 2^64 - 1.
    SequenceExhausted,
    /// Records before ChangeCipherSpec (TLS 1.2) or before any keys (TLS 1.3) have no keys.
    PlaintextEpoch,
    /// The underlying crypto library refused a key (should not happen with checked lengths).
    Crypto(&'static str),
}

impl fmt::Display for KeysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedCipherSuite(id) => write!(f, "unsupported cipher suite 0x{id:04x}"),
            Self::WrongVersion { operation, suite } => {
                write!(f, "{operation} does not apply to {suite}")
            }
            Self::MissingSecret(label) => write!(f, "the key log has no {label}"),
            Self::SecretLength {
                label,
                expected,
                actual,
            } => write!(f, "{label} is {actual} bytes, expected {expected}"),
            Self::MissingRandom(which) => write!(f, "the {which} random is not known"),
            Self::RandomLength { which, actual } => {
                write!(f, "the {which} random is {actual} bytes, expected 32")
            }
            Self::AmbiguousKeyLog => write!(
                f,
                "the key log holds several connections and no client random picks one"
            ),
            Self::KeyMaterialLength {
                what,
                expected,
                actual,
            } => write!(f, "the {what} is {actual} bytes, expected {expected}"),
            Self::OutputLength(len) => write!(f, "cannot derive {len} bytes with this construction"),
            Self::RecordTooShort(len) => {
                write!(f, "a record needs a 5-byte header, got {len} bytes")
            }
            Self::RecordLengthMismatch { declared, actual } => write!(
                f,
                "the record header declares {declared} bytes but {actual} follow"
            ),
            Self::CiphertextTooShort { actual, minimum } => write!(
                f,
                "a protected fragment of {actual} bytes is shorter than the minimum {minimum}"
            ),
            Self::NotProtected(content_type) => write!(
                f,
                "outer content type {content_type} is not application_data (23), so the record is not protected"
            ),
            Self::DecryptFailed { seq } => write!(
                f,
                "the authentication tag did not verify (sequence number {seq})"
            ),
            Self::NoContentType => {
                write!(f, "the inner plaintext is all zero padding, with no content type")
            }
            Self::PlaintextTooLong(len) => {
                write!(f, "{len} bytes of plaintext do not fit in one record")
            }
            Self::SequenceExhausted => write!(f, "the record sequence number is exhausted"),
            Self::PlaintextEpoch => write!(f, "the plaintext epoch has no keys"),
            Self::Crypto(what) => write!(f, "the crypto library refused: {what}"),
        }
    }
}

impl std::error::Error for KeysError {}
