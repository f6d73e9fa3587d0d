//! The cipher suites this module can derive keys for and protect records with, and the hash and
//! AEAD each of them implies.

use ring::{aead, digest, hkdf, hmac};
use serde::Serialize;

use super::KeysError;

/// A TLS protocol version that has its own key schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TlsVersion {
    /// TLS 1.2 (RFC 5246): a PRF key block from the master secret.
    Tls12,
    /// TLS 1.3 (RFC 8446): HKDF-Expand-Label from per-direction traffic secrets.
    Tls13,
}

impl TlsVersion {
    /// The human name, "TLS 1.2" or "TLS 1.3".
    pub fn name(self) -> &'static str {
        match self {
            Self::Tls12 => "TLS 1.2",
            Self::Tls13 => "TLS 1.3",
        }
    }
}

/// The hash a suite uses for its key schedule (HKDF in TLS 1.3, the PRF in TLS 1.2) and its
/// transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum HashAlgorithm {
    /// SHA-256, 32-byte output.
    Sha256,
    /// SHA-384, 48-byte output.
    Sha384,
}

impl HashAlgorithm {
    /// The output length in bytes (`Hash.length` in RFC 8446).
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    /// The human name, "SHA-256" or "SHA-384".
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
        }
    }

    /// The hash of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        digest::digest(self.ring_digest(), data).as_ref().to_vec()
    }

    /// HMAC with this hash.
    pub fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        let key = hmac::Key::new(self.ring_hmac(), key);
        hmac::sign(&key, data).as_ref().to_vec()
    }

    pub(crate) fn ring_digest(self) -> &'static digest::Algorithm {
        match self {
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
        }
    }

    pub(crate) fn ring_hmac(self) -> hmac::Algorithm {
        match self {
            Self::Sha256 => hmac::HMAC_SHA256,
            Self::Sha384 => hmac::HMAC_SHA384,
        }
    }

    pub(crate) fn ring_hkdf(self) -> hkdf::Algorithm {
        match self {
            Self::Sha256 => hkdf::HKDF_SHA256,
            Self::Sha384 => hkdf::HKDF_SHA384,
        }
    }
}

/// The AEAD that protects records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AeadAlgorithm {
    /// AES-128 in Galois/Counter Mode, 16-byte key.
    Aes128Gcm,
    /// AES-256 in Galois/Counter Mode, 32-byte key.
    Aes256Gcm,
    /// ChaCha20 stream cipher with the Poly1305 authenticator, 32-byte key.
    Chacha20Poly1305,
}

impl AeadAlgorithm {
    /// The key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::Chacha20Poly1305 => 32,
        }
    }

    /// The authentication tag length in bytes (16 for all three).
    pub fn tag_len(self) -> usize {
        16
    }

    /// The human name, e.g. "AES-128-GCM".
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes128Gcm => "AES-128-GCM",
            Self::Aes256Gcm => "AES-256-GCM",
            Self::Chacha20Poly1305 => "ChaCha20-Poly1305",
        }
    }

    pub(crate) fn ring_algorithm(self) -> &'static aead::Algorithm {
        match self {
            Self::Aes128Gcm => &aead::AES_128_GCM,
            Self::Aes256Gcm => &aead::AES_256_GCM,
            Self::Chacha20Poly1305 => &aead::CHACHA20_POLY1305,
        }
    }
}

/// The AEAD suites rustls offers with the ring provider, TLS 1.3 and TLS 1.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CipherSuite {
    /// TLS_AES_128_GCM_SHA256, 0x1301.
    Tls13Aes128GcmSha256,
    /// TLS_AES_256_GCM_SHA384, 0x1302.
    Tls13Aes256GcmSha384,
    /// TLS_CHACHA20_POLY1305_SHA256, 0x1303.
    Tls13Chacha20Poly1305Sha256,
    /// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0xc02b.
    EcdheEcdsaWithAes128GcmSha256,
    /// TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 0xc02c.
    EcdheEcdsaWithAes256GcmSha384,
    /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0xc02f.
    EcdheRsaWithAes128GcmSha256,
    /// TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 0xc030.
    EcdheRsaWithAes256GcmSha384,
    /// TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 0xcca8.
    EcdheRsaWithChacha20Poly1305Sha256,
    /// TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0xcca9.
    EcdheEcdsaWithChacha20Poly1305Sha256,
}

impl CipherSuite {
    /// Every supported suite, TLS 1.3 first.
    pub const ALL: [CipherSuite; 9] = [
        Self::Tls13Aes128GcmSha256,
        Self::Tls13Aes256GcmSha384,
        Self::Tls13Chacha20Poly1305Sha256,
        Self::EcdheEcdsaWithAes128GcmSha256,
        Self::EcdheEcdsaWithAes256GcmSha384,
        Self::EcdheRsaWithAes128GcmSha256,
        Self::EcdheRsaWithAes256GcmSha384,
        Self::EcdheRsaWithChacha20Poly1305Sha256,
        Self::EcdheEcdsaWithChacha20Poly1305Sha256,
    ];

    /// The suite with this IANA number, or [`KeysError::UnsupportedCipherSuite`].
    pub fn from_iana(id: u16) -> Result<Self, KeysError> {
        Self::ALL
            .into_iter()
            .find(|suite| suite.iana() == id)
            .ok_or(KeysError::UnsupportedCipherSuite(id))
    }

    /// The IANA number, as it appears in ServerHello.
    pub fn iana(self) -> u16 {
        match self {
            Self::Tls13Aes128GcmSha256 => 0x1301,
            Self::Tls13Aes256GcmSha384 => 0x1302,
            Self::Tls13Chacha20Poly1305Sha256 => 0x1303,
            Self::EcdheEcdsaWithAes128GcmSha256 => 0xc02b,
            Self::EcdheEcdsaWithAes256GcmSha384 => 0xc02c,
            Self::EcdheRsaWithAes128GcmSha256 => 0xc02f,
            Self::EcdheRsaWithAes256GcmSha384 => 0xc030,
            Self::EcdheRsaWithChacha20Poly1305Sha256 => 0xcca8,
            Self::EcdheEcdsaWithChacha20Poly1305Sha256 => 0xcca9,
        }
    }

    /// The IANA name, e.g. "TLS_AES_128_GCM_SHA256".
    pub fn name(self) -> &'static str {
        match self {
            Self::Tls13Aes128GcmSha256 => "TLS_AES_128_GCM_SHA256",
            Self::Tls13Aes256GcmSha384 => "TLS_AES_256_GCM_SHA384",
            Self::Tls13Chacha20Poly1305Sha256 => "TLS_CHACHA20_POLY1305_SHA256",
            Self::EcdheEcdsaWithAes128GcmSha256 => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            Self::EcdheEcdsaWithAes256GcmSha384 => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            Self::EcdheRsaWithAes128GcmSha256 => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            Self::EcdheRsaWithAes256GcmSha384 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            Self::EcdheRsaWithChacha20Poly1305Sha256 => {
                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
            }
            Self::EcdheEcdsaWithChacha20Poly1305Sha256 => {
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
            }
        }
    }

    /// The protocol version the suite belongs to (TLS 1.3 suites name no key exchange).
    pub fn version(self) -> TlsVersion {
        match self {
            Self::Tls13Aes128GcmSha256
            | Self::Tls13Aes256GcmSha384
            | Self::Tls13Chacha20Poly1305Sha256 => TlsVersion::Tls13,
            _ => TlsVersion::Tls12,
        }
    }

    /// The key-schedule and transcript hash: SHA-384 for the AES-256 suites, SHA-256 otherwise.
    pub fn hash(self) -> HashAlgorithm {
        match self {
            Self::Tls13Aes256GcmSha384
            | Self::EcdheEcdsaWithAes256GcmSha384
            | Self::EcdheRsaWithAes256GcmSha384 => HashAlgorithm::Sha384,
            _ => HashAlgorithm::Sha256,
        }
    }

    /// The record-protection AEAD.
    pub fn aead(self) -> AeadAlgorithm {
        match self {
            Self::Tls13Aes128GcmSha256
            | Self::EcdheEcdsaWithAes128GcmSha256
            | Self::EcdheRsaWithAes128GcmSha256 => AeadAlgorithm::Aes128Gcm,
            Self::Tls13Aes256GcmSha384
            | Self::EcdheEcdsaWithAes256GcmSha384
            | Self::EcdheRsaWithAes256GcmSha384 => AeadAlgorithm::Aes256Gcm,
            Self::Tls13Chacha20Poly1305Sha256
            | Self::EcdheRsaWithChacha20Poly1305Sha256
            | Self::EcdheEcdsaWithChacha20Poly1305Sha256 => AeadAlgorithm::Chacha20Poly1305,
        }
    }

    /// The length of the IV the key schedule produces for one direction: 12 bytes in TLS 1.3 and
    /// for TLS 1.2 ChaCha20-Poly1305 (RFC 7905); 4 bytes of implicit salt for TLS 1.2 AES-GCM
    /// (RFC 5288), whose other 8 nonce bytes travel in each record.
    pub fn iv_len(self) -> usize {
        match (self.version(), self.aead()) {
            (TlsVersion::Tls12, AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm) => 4,
            _ => 12,
        }
    }

    /// The explicit nonce each protected record carries before its ciphertext: 8 bytes for TLS
    /// 1.2 AES-GCM, none otherwise.
    pub fn explicit_nonce_len(self) -> usize {
        if self.iv_len() == 4 {
            8
        } else {
            0
        }
    }

    pub(crate) fn require(
        self,
        version: TlsVersion,
        operation: &'static str,
    ) -> Result<(), KeysError> {
        if self.version() == version {
            Ok(())
        } else {
            Err(KeysError::WrongVersion {
                operation,
                suite: self.name(),
            })
        }
    }
}
