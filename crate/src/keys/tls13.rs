//! The TLS 1.3 key schedule from a traffic secret onwards (RFC 8446 §7.1, §7.2, §7.3, §4.4.4):
//! HKDF-Expand-Label, the traffic key and IV, the next-generation secret after a KeyUpdate, and
//! the Finished MAC.
//!
//! The key log hands us traffic secrets, so the Extract half of the schedule (early → handshake →
//! master secret) is never needed: everything a record or a Finished message uses is an Expand of
//! one of those secrets.

use ring::hkdf;

use super::suite::{CipherSuite, HashAlgorithm, TlsVersion};
use super::KeysError;

/// The prefix RFC 8446 §7.1 puts before every label, so TLS 1.3 labels never collide with
/// another protocol's use of HKDF.
pub const LABEL_PREFIX: &str = "tls13 ";

/// The label of the traffic key (RFC 8446 §7.3).
pub const KEY_LABEL: &str = "key";
/// The label of the traffic IV (RFC 8446 §7.3).
pub const IV_LABEL: &str = "iv";
/// The label of the next application traffic secret after a KeyUpdate (RFC 8446 §7.2).
pub const TRAFFIC_UPDATE_LABEL: &str = "traffic upd";
/// The label of the Finished key (RFC 8446 §4.4.4).
pub const FINISHED_LABEL: &str = "finished";

/// The TLS 1.3 IV is always 12 bytes: the AEAD nonce length (RFC 8446 §5.3).
pub const IV_LEN: usize = 12;

/// An HKDF output length for ring: ring sizes the expansion by a "key type".
struct OutputLength(usize);

impl hkdf::KeyType for OutputLength {
    fn len(&self) -> usize {
        self.0
    }
}

/// The `HkdfLabel` structure that HKDF-Expand-Label passes to HKDF-Expand as its `info`
/// (RFC 8446 §7.1):
///
/// ```text
/// struct {
///     uint16 length = Length;
///     opaque label<7..255> = "tls13 " + Label;
///     opaque context<0..255> = Context;
/// } HkdfLabel;
/// ```
pub fn hkdf_label(label: &str, context: &[u8], length: usize) -> Result<Vec<u8>, KeysError> {
    let full_label_len = LABEL_PREFIX.len() + label.len();
    let length = u16::try_from(length).map_err(|_| KeysError::OutputLength(length))?;
    let label_len =
        u8::try_from(full_label_len).map_err(|_| KeysError::OutputLength(full_label_len))?;
    let context_len =
        u8::try_from(context.len()).map_err(|_| KeysError::OutputLength(context.len()))?;

    let mut info = Vec::with_capacity(2 + 1 + full_label_len + 1 + context.len());
    info.extend_from_slice(&length.to_be_bytes());
    info.push(label_len);
    info.extend_from_slice(LABEL_PREFIX.as_bytes());
    info.extend_from_slice(label.as_bytes());
    info.push(context_len);
    info.extend_from_slice(context);
    Ok(info)
}

/// HKDF-Expand (RFC 5869 §2.3) with `secret` as the pseudorandom key.
pub fn hkdf_expand(
    hash: HashAlgorithm,
    secret: &[u8],
    info: &[u8],
    length: usize,
) -> Result<Vec<u8>, KeysError> {
    let prk = hkdf::Prk::new_less_safe(hash.ring_hkdf(), secret);
    let info_parts = [info];
    let okm = prk
        .expand(&info_parts, OutputLength(length))
        .map_err(|_| KeysError::OutputLength(length))?;
    let mut out = vec![0u8; length];
    okm.fill(&mut out)
        .map_err(|_| KeysError::OutputLength(length))?;
    Ok(out)
}

/// HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length)
/// (RFC 8446 §7.1). `label` is given without the "tls13 " prefix.
pub fn hkdf_expand_label(
    hash: HashAlgorithm,
    secret: &[u8],
    label: &str,
    context: &[u8],
    length: usize,
) -> Result<Vec<u8>, KeysError> {
    let info = hkdf_label(label, context, length)?;
    hkdf_expand(hash, secret, &info, length)
}

/// The write key and IV one traffic secret yields (RFC 8446 §7.3):
/// `key = HKDF-Expand-Label(secret, "key", "", key_length)`,
/// `iv = HKDF-Expand-Label(secret, "iv", "", 12)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficKeys {
    /// The AEAD key.
    pub key: Vec<u8>,
    /// The 12-byte IV that each record's sequence number is XORed into.
    pub iv: Vec<u8>,
}

/// Derives the write key and IV of a TLS 1.3 traffic secret for `suite`.
pub fn traffic_keys(suite: CipherSuite, secret: &[u8]) -> Result<TrafficKeys, KeysError> {
    suite.require(TlsVersion::Tls13, "a TLS 1.3 traffic key")?;
    let hash = suite.hash();
    Ok(TrafficKeys {
        key: hkdf_expand_label(hash, secret, KEY_LABEL, &[], suite.aead().key_len())?,
        iv: hkdf_expand_label(hash, secret, IV_LABEL, &[], IV_LEN)?,
    })
}

/// The next application traffic secret after a KeyUpdate (RFC 8446 §7.2):
/// `application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N,
/// "traffic upd", "", Hash.length)`.
pub fn next_traffic_secret(hash: HashAlgorithm, secret: &[u8]) -> Result<Vec<u8>, KeysError> {
    hkdf_expand_label(hash, secret, TRAFFIC_UPDATE_LABEL, &[], hash.output_len())
}

/// The Finished key (RFC 8446 §4.4.4): `finished_key = HKDF-Expand-Label(BaseKey, "finished",
/// "", Hash.length)`, where BaseKey is the sender's handshake traffic secret.
pub fn finished_key(hash: HashAlgorithm, base_key: &[u8]) -> Result<Vec<u8>, KeysError> {
    hkdf_expand_label(hash, base_key, FINISHED_LABEL, &[], hash.output_len())
}

/// The Finished verify_data (RFC 8446 §4.4.4): `HMAC(finished_key, Transcript-Hash(Handshake
/// Context, Certificate*, CertificateVerify*))`, given the transcript hash already computed.
pub fn finished_verify_data(
    hash: HashAlgorithm,
    base_key: &[u8],
    transcript_hash: &[u8],
) -> Result<Vec<u8>, KeysError> {
    let key = finished_key(hash, base_key)?;
    Ok(hash.hmac(&key, transcript_hash))
}

/// The Finished verify_data from the concatenated handshake messages themselves (each with its
/// 4-byte handshake header), hashing them first.
pub fn finished_verify_data_from_transcript(
    hash: HashAlgorithm,
    base_key: &[u8],
    transcript: &[u8],
) -> Result<Vec<u8>, KeysError> {
    finished_verify_data(hash, base_key, &hash.digest(transcript))
}

/// The TLS 1.3 per-record nonce (RFC 8446 §5.3): the 64-bit sequence number in network order,
/// left-padded with zeros to the IV length, XORed with the IV.
pub fn record_nonce(iv: &[u8; IV_LEN], seq: u64) -> [u8; IV_LEN] {
    let mut nonce = *iv;
    for (nonce_byte, seq_byte) in nonce[IV_LEN - 8..].iter_mut().zip(seq.to_be_bytes()) {
        *nonce_byte ^= seq_byte;
    }
    nonce
}
