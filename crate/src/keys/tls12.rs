//! The TLS 1.2 key schedule from the master secret onwards (RFC 5246 §5, §6.3, §7.4.9): the PRF,
//! the key block and its slicing into write keys and IVs, and the Finished verify_data.
//!
//! The key log's `CLIENT_RANDOM` line already carries the master secret (with the extended master
//! secret of RFC 7627 folded in when it was negotiated), so the pre-master step is never needed.

use super::suite::{AeadAlgorithm, CipherSuite, HashAlgorithm, TlsVersion};
use super::{Direction, KeysError};

/// The PRF label of the key block (RFC 5246 §6.3).
pub const KEY_EXPANSION_LABEL: &str = "key expansion";
/// The PRF label of the client's Finished (RFC 5246 §7.4.9).
pub const CLIENT_FINISHED_LABEL: &str = "client finished";
/// The PRF label of the server's Finished (RFC 5246 §7.4.9).
pub const SERVER_FINISHED_LABEL: &str = "server finished";
/// The length of TLS 1.2 Finished verify_data for every suite here (RFC 5246 §7.4.9).
pub const VERIFY_DATA_LEN: usize = 12;
/// The length of a client or server random.
pub const RANDOM_LEN: usize = 32;

/// The TLS 1.2 PRF (RFC 5246 §5): `PRF(secret, label, seed) = P_hash(secret, label + seed)`,
/// where `P_hash` chains `A(i) = HMAC(secret, A(i-1))` from `A(0) = label + seed` and outputs
/// `HMAC(secret, A(1) + label + seed) + HMAC(secret, A(2) + label + seed) + ...`, cut to `length`.
pub fn prf(
    hash: HashAlgorithm,
    secret: &[u8],
    label: &str,
    seed: &[u8],
    length: usize,
) -> Result<Vec<u8>, KeysError> {
    // Nothing in TLS asks for more than a key block; refuse absurd lengths rather than loop.
    const LIMIT: usize = 1 << 16;
    if length > LIMIT {
        return Err(KeysError::OutputLength(length));
    }
    let mut label_and_seed = Vec::with_capacity(label.len() + seed.len());
    label_and_seed.extend_from_slice(label.as_bytes());
    label_and_seed.extend_from_slice(seed);

    let mut output = Vec::with_capacity(length + hash.output_len());
    let mut a = hash.hmac(secret, &label_and_seed);
    while output.len() < length {
        let mut input = a.clone();
        input.extend_from_slice(&label_and_seed);
        output.extend_from_slice(&hash.hmac(secret, &input));
        a = hash.hmac(secret, &a);
    }
    output.truncate(length);
    Ok(output)
}

/// The TLS 1.2 key block of an AEAD suite, sliced as RFC 5246 §6.3 orders it:
/// `client_write_key, server_write_key, client_write_IV, server_write_IV` (no MAC keys for AEAD
/// suites), plus the extra 8 bytes rustls draws for AES-GCM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBlock {
    /// The whole PRF output.
    pub bytes: Vec<u8>,
    /// The client's write key.
    pub client_write_key: Vec<u8>,
    /// The server's write key.
    pub server_write_key: Vec<u8>,
    /// The client's write IV: 4-byte implicit salt for AES-GCM (RFC 5288), 12 bytes for
    /// ChaCha20-Poly1305 (RFC 7905).
    pub client_write_iv: Vec<u8>,
    /// The server's write IV, sized like the client's.
    pub server_write_iv: Vec<u8>,
    /// For AES-GCM only: 8 more key-block bytes. RFC 5288 leaves the explicit nonce's choice to
    /// the sender; rustls XORs the sequence number into these bytes to make it (both directions
    /// share them), so they predict what rustls puts on the wire.
    pub explicit_nonce_base: Option<Vec<u8>>,
}

impl KeyBlock {
    /// The write key and IV of one direction.
    pub fn write_key_and_iv(&self, direction: Direction) -> (&[u8], &[u8]) {
        match direction {
            Direction::ClientToServer => (&self.client_write_key, &self.client_write_iv),
            Direction::ServerToClient => (&self.server_write_key, &self.server_write_iv),
        }
    }
}

/// The key block length `suite` needs: two keys and two IVs, plus rustls' 8 explicit-nonce
/// bytes for AES-GCM.
pub fn key_block_len(suite: CipherSuite) -> usize {
    2 * suite.aead().key_len() + 2 * suite.iv_len() + suite.explicit_nonce_len()
}

/// Derives the key block (RFC 5246 §6.3): `PRF(master_secret, "key expansion", server_random +
/// client_random)` — note the randoms in the opposite order to the master secret's derivation.
pub fn key_block(
    suite: CipherSuite,
    master_secret: &[u8],
    client_random: &[u8],
    server_random: &[u8],
) -> Result<KeyBlock, KeysError> {
    suite.require(TlsVersion::Tls12, "the TLS 1.2 key block")?;
    check_random("client", client_random)?;
    check_random("server", server_random)?;

    let mut seed = Vec::with_capacity(2 * RANDOM_LEN);
    seed.extend_from_slice(server_random);
    seed.extend_from_slice(client_random);
    let bytes = prf(
        suite.hash(),
        master_secret,
        KEY_EXPANSION_LABEL,
        &seed,
        key_block_len(suite),
    )?;

    let key_len = suite.aead().key_len();
    let iv_len = suite.iv_len();
    let mut offset = 0;
    let mut take = |len: usize| {
        let slice = bytes.get(offset..offset + len).unwrap_or_default().to_vec();
        offset += len;
        slice
    };
    let client_write_key = take(key_len);
    let server_write_key = take(key_len);
    let client_write_iv = take(iv_len);
    let server_write_iv = take(iv_len);
    let explicit_nonce_base = match suite.aead() {
        AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => Some(take(8)),
        AeadAlgorithm::Chacha20Poly1305 => None,
    };
    Ok(KeyBlock {
        bytes,
        client_write_key,
        server_write_key,
        client_write_iv,
        server_write_iv,
        explicit_nonce_base,
    })
}

/// The Finished verify_data (RFC 5246 §7.4.9): `PRF(master_secret, finished_label,
/// Hash(handshake_messages))[0..12]`, with "client finished" or "server finished" by sender and
/// the suite's PRF hash, given the hash already computed.
pub fn finished_verify_data(
    hash: HashAlgorithm,
    master_secret: &[u8],
    sender: Direction,
    handshake_hash: &[u8],
) -> Result<Vec<u8>, KeysError> {
    let label = match sender {
        Direction::ClientToServer => CLIENT_FINISHED_LABEL,
        Direction::ServerToClient => SERVER_FINISHED_LABEL,
    };
    prf(hash, master_secret, label, handshake_hash, VERIFY_DATA_LEN)
}

/// The Finished verify_data from the concatenated handshake messages (each with its 4-byte
/// header, no record headers, ChangeCipherSpec excluded), hashing them first.
pub fn finished_verify_data_from_transcript(
    hash: HashAlgorithm,
    master_secret: &[u8],
    sender: Direction,
    transcript: &[u8],
) -> Result<Vec<u8>, KeysError> {
    finished_verify_data(hash, master_secret, sender, &hash.digest(transcript))
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
