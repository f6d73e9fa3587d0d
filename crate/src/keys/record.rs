//! Record protection with our own keys: `open` a protected record and `seal` a plaintext into
//! one, for TLS 1.3 (RFC 8446 §5.2–5.4) and TLS 1.2 AEAD suites (RFC 5246 §6.2.3.3, RFC 5288,
//! RFC 7905), returning every intermediate value — nonce, additional data, inner plaintext,
//! ciphertext, tag — so the page can show the wrapping stage by stage.
//!
//! Sequence numbers are explicit arguments: the caller (or [`super::SessionDecryptor`]) keeps
//! count, so a single record can be re-opened or re-sealed at will.

use ring::aead;
use serde::Serialize;

use super::suite::{CipherSuite, TlsVersion};
use super::tls12::KeyBlock;
use super::{hex, tls13, Direction, KeysError};

/// The length of a record header: type (1), legacy version (2), length (2).
pub const HEADER_LEN: usize = 5;
/// Record content type change_cipher_spec.
pub const CONTENT_TYPE_CHANGE_CIPHER_SPEC: u8 = 20;
/// Record content type alert.
pub const CONTENT_TYPE_ALERT: u8 = 21;
/// Record content type handshake.
pub const CONTENT_TYPE_HANDSHAKE: u8 = 22;
/// Record content type application_data (also the outer type of every TLS 1.3 protected record).
pub const CONTENT_TYPE_APPLICATION_DATA: u8 = 23;
/// The legacy record version every TLS 1.2 and 1.3 protected record carries: 0x0303.
pub const LEGACY_RECORD_VERSION: u16 = 0x0303;
/// The AEAD nonce length of every suite here.
pub const NONCE_LEN: usize = 12;
/// The TLS 1.2 AES-GCM explicit nonce length (RFC 5288 §3).
pub const EXPLICIT_NONCE_LEN: usize = 8;

/// The write key and IV of one direction in one epoch, ready to open and seal records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordKeys {
    suite: CipherSuite,
    key: Vec<u8>,
    iv: Vec<u8>,
    explicit_nonce_base: Option<[u8; EXPLICIT_NONCE_LEN]>,
}

/// Choices a sender makes that the keys do not fix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SealOptions {
    /// TLS 1.3 only: zero bytes appended after the content type in TLSInnerPlaintext.
    pub padding_len: usize,
    /// TLS 1.2 AES-GCM only: the 8-byte explicit nonce. When absent: the key block's
    /// explicit-nonce base XOR the sequence number (what rustls sends) if the keys carry one,
    /// else the sequence number itself.
    pub explicit_nonce: Option<[u8; EXPLICIT_NONCE_LEN]>,
}

/// Every stage of opening one protected record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenTrace {
    /// The record sequence number used.
    pub seq: u64,
    /// The 5-byte record header as received.
    #[serde(serialize_with = "hex::serialize")]
    pub header: Vec<u8>,
    /// The header's content type (always 23 in TLS 1.3).
    pub outer_content_type: u8,
    /// TLS 1.2 AES-GCM: the 8 explicit nonce bytes that open the fragment.
    #[serde(serialize_with = "hex::serialize_option")]
    pub explicit_nonce: Option<Vec<u8>>,
    /// The 12-byte AEAD nonce.
    #[serde(serialize_with = "hex::serialize")]
    pub nonce: Vec<u8>,
    /// The additional authenticated data.
    #[serde(serialize_with = "hex::serialize")]
    pub aad: Vec<u8>,
    /// The encrypted bytes, without explicit nonce and tag.
    #[serde(serialize_with = "hex::serialize")]
    pub ciphertext: Vec<u8>,
    /// The 16-byte authentication tag.
    #[serde(serialize_with = "hex::serialize")]
    pub tag: Vec<u8>,
    /// The decrypted bytes: TLSInnerPlaintext (content, type, zero padding) in TLS 1.3, the
    /// content itself in TLS 1.2.
    #[serde(serialize_with = "hex::serialize")]
    pub inner_plaintext: Vec<u8>,
    /// The real content type (from inside the record in TLS 1.3).
    pub content_type: u8,
    /// The content: handshake messages, alert, or application data.
    #[serde(serialize_with = "hex::serialize")]
    pub content: Vec<u8>,
    /// How many zero padding bytes followed the content type (TLS 1.3; 0 in TLS 1.2).
    pub padding_len: usize,
    /// How each value was formed, one sentence per stage, for the teaching view.
    pub steps: Vec<String>,
}

/// Every stage of sealing one plaintext into a protected record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SealTrace {
    /// The record sequence number used.
    pub seq: u64,
    /// The real content type.
    pub content_type: u8,
    /// The content sealed.
    #[serde(serialize_with = "hex::serialize")]
    pub content: Vec<u8>,
    /// Zero padding bytes added (TLS 1.3).
    pub padding_len: usize,
    /// What the AEAD encrypts: TLSInnerPlaintext in TLS 1.3, the content in TLS 1.2.
    #[serde(serialize_with = "hex::serialize")]
    pub inner_plaintext: Vec<u8>,
    /// The type written in the record header (23 in TLS 1.3, the real type in TLS 1.2).
    pub outer_content_type: u8,
    /// The 5-byte record header.
    #[serde(serialize_with = "hex::serialize")]
    pub header: Vec<u8>,
    /// TLS 1.2 AES-GCM: the explicit nonce written before the ciphertext.
    #[serde(serialize_with = "hex::serialize_option")]
    pub explicit_nonce: Option<Vec<u8>>,
    /// The 12-byte AEAD nonce.
    #[serde(serialize_with = "hex::serialize")]
    pub nonce: Vec<u8>,
    /// The additional authenticated data.
    #[serde(serialize_with = "hex::serialize")]
    pub aad: Vec<u8>,
    /// The encrypted inner plaintext, without tag.
    #[serde(serialize_with = "hex::serialize")]
    pub ciphertext: Vec<u8>,
    /// The 16-byte authentication tag.
    #[serde(serialize_with = "hex::serialize")]
    pub tag: Vec<u8>,
    /// The whole record as it goes on the wire: header, [explicit nonce], ciphertext, tag.
    #[serde(serialize_with = "hex::serialize")]
    pub record: Vec<u8>,
    /// How each value was formed, one sentence per stage, for the teaching view.
    pub steps: Vec<String>,
}

impl RecordKeys {
    /// Keys from a key and IV already derived. The IV is 12 bytes, except for TLS 1.2 AES-GCM
    /// where it is the 4-byte implicit salt.
    pub fn new(suite: CipherSuite, key: &[u8], iv: &[u8]) -> Result<Self, KeysError> {
        check_len("key", suite.aead().key_len(), key.len())?;
        check_len("iv", suite.iv_len(), iv.len())?;
        Ok(Self {
            suite,
            key: key.to_vec(),
            iv: iv.to_vec(),
            explicit_nonce_base: None,
        })
    }

    /// TLS 1.3: derives the key and IV from one traffic secret (RFC 8446 §7.3).
    pub fn from_traffic_secret(suite: CipherSuite, secret: &[u8]) -> Result<Self, KeysError> {
        let derived = tls13::traffic_keys(suite, secret)?;
        Self::new(suite, &derived.key, &derived.iv)
    }

    /// TLS 1.2: one direction's write key and IV from the key block, with rustls' explicit-nonce
    /// base for AES-GCM so sealing reproduces rustls' records.
    pub fn from_key_block(
        suite: CipherSuite,
        key_block: &KeyBlock,
        direction: Direction,
    ) -> Result<Self, KeysError> {
        suite.require(TlsVersion::Tls12, "keys from a TLS 1.2 key block")?;
        let (key, iv) = key_block.write_key_and_iv(direction);
        let keys = Self::new(suite, key, iv)?;
        match &key_block.explicit_nonce_base {
            Some(base) => keys.with_explicit_nonce_base(base),
            None => Ok(keys),
        }
    }

    /// Sets the TLS 1.2 AES-GCM explicit-nonce base that sealing XORs the sequence number into.
    pub fn with_explicit_nonce_base(mut self, base: &[u8]) -> Result<Self, KeysError> {
        self.explicit_nonce_base = Some(to_explicit_nonce(base)?);
        Ok(self)
    }

    /// The suite.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// The AEAD key.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// The IV (12 bytes) or, for TLS 1.2 AES-GCM, the 4-byte implicit salt.
    pub fn iv(&self) -> &[u8] {
        &self.iv
    }

    /// The TLS 1.2 AES-GCM explicit-nonce base, if known.
    pub fn explicit_nonce_base(&self) -> Option<&[u8]> {
        self.explicit_nonce_base.as_ref().map(|base| &base[..])
    }

    /// Whether records carry an 8-byte explicit nonce (TLS 1.2 AES-GCM).
    fn uses_explicit_nonce(&self) -> bool {
        self.suite.explicit_nonce_len() == EXPLICIT_NONCE_LEN
    }

    /// The AEAD nonce for `seq`. TLS 1.3 and TLS 1.2 ChaCha20-Poly1305: IV XOR the padded
    /// sequence number. TLS 1.2 AES-GCM: salt ‖ explicit nonce (`explicit_nonce` is ignored by
    /// the other suites, and defaults as in [`SealOptions::explicit_nonce`]).
    pub fn nonce(
        &self,
        seq: u64,
        explicit_nonce: Option<[u8; EXPLICIT_NONCE_LEN]>,
    ) -> [u8; NONCE_LEN] {
        let mut nonce = [0u8; NONCE_LEN];
        if self.uses_explicit_nonce() {
            let explicit = explicit_nonce.unwrap_or_else(|| self.default_explicit_nonce(seq));
            nonce[..4].copy_from_slice(self.iv.get(..4).unwrap_or(&[0; 4]));
            nonce[4..].copy_from_slice(&explicit);
            nonce
        } else {
            // The length was checked on construction; fall back to zeros rather than panic.
            nonce.copy_from_slice(self.iv.get(..NONCE_LEN).unwrap_or(&[0; NONCE_LEN]));
            tls13::record_nonce(&nonce, seq)
        }
    }

    fn default_explicit_nonce(&self, seq: u64) -> [u8; EXPLICIT_NONCE_LEN] {
        let seq_bytes = seq.to_be_bytes();
        match self.explicit_nonce_base {
            Some(base) => {
                let mut explicit = base;
                for (byte, seq_byte) in explicit.iter_mut().zip(seq_bytes) {
                    *byte ^= seq_byte;
                }
                explicit
            }
            None => seq_bytes,
        }
    }

    fn aead_key(&self) -> Result<aead::LessSafeKey, KeysError> {
        let unbound = aead::UnboundKey::new(self.suite.aead().ring_algorithm(), &self.key)
            .map_err(|_| KeysError::Crypto("AEAD key"))?;
        Ok(aead::LessSafeKey::new(unbound))
    }

    /// Opens a whole record (header and fragment) with sequence number `seq`.
    pub fn open(&self, seq: u64, record: &[u8]) -> Result<OpenTrace, KeysError> {
        let (header, fragment) = split_record(record)?;
        self.open_fragment(seq, header, fragment)
    }

    /// Opens a fragment given its 5-byte header separately.
    pub fn open_fragment(
        &self,
        seq: u64,
        header: &[u8],
        fragment: &[u8],
    ) -> Result<OpenTrace, KeysError> {
        let header = parse_header(header)?;
        if header.length != fragment.len() {
            return Err(KeysError::RecordLengthMismatch {
                declared: header.length,
                actual: fragment.len(),
            });
        }
        match self.suite.version() {
            TlsVersion::Tls13 => self.open_tls13(seq, &header, fragment),
            TlsVersion::Tls12 => self.open_tls12(seq, &header, fragment),
        }
    }

    fn open_tls13(
        &self,
        seq: u64,
        header: &Header,
        fragment: &[u8],
    ) -> Result<OpenTrace, KeysError> {
        if header.content_type != CONTENT_TYPE_APPLICATION_DATA {
            return Err(KeysError::NotProtected(header.content_type));
        }
        let tag_len = self.suite.aead().tag_len();
        let (ciphertext, tag) = split_tag(fragment, 0, tag_len)?;
        let nonce = self.nonce(seq, None);
        // RFC 8446 §5.2: the additional data is the record header itself.
        let aad = header.bytes.to_vec();
        let inner_plaintext = self.decrypt(seq, nonce, &aad, fragment)?;

        // RFC 8446 §5.4: the content type is the last non-zero byte; zeros after it are padding.
        let type_index = inner_plaintext
            .iter()
            .rposition(|&byte| byte != 0)
            .ok_or(KeysError::NoContentType)?;
        let content_type = inner_plaintext[type_index];
        let padding_len = inner_plaintext.len() - type_index - 1;
        let content = inner_plaintext[..type_index].to_vec();

        let steps = vec![
            format!(
                "nonce = iv {} XOR sequence number {seq} padded to 12 bytes = {}",
                hex::encode(&self.iv),
                hex::encode(&nonce)
            ),
            format!(
                "additional data = the record header {} (type 23, version 0303, length {})",
                hex::encode(&aad),
                fragment.len()
            ),
            format!(
                "{}-decrypt the {} ciphertext bytes and check the tag {} with the {} key",
                self.suite.aead().name(),
                ciphertext.len(),
                hex::encode(tag),
                hex::encode(&self.key)
            ),
            format!(
                "TLSInnerPlaintext = content ({} bytes) ‖ content type {content_type} ‖ {padding_len} zero bytes of padding",
                content.len()
            ),
        ];
        Ok(OpenTrace {
            seq,
            header: header.bytes.to_vec(),
            outer_content_type: header.content_type,
            explicit_nonce: None,
            nonce: nonce.to_vec(),
            aad,
            ciphertext: ciphertext.to_vec(),
            tag: tag.to_vec(),
            inner_plaintext,
            content_type,
            content,
            padding_len,
            steps,
        })
    }

    fn open_tls12(
        &self,
        seq: u64,
        header: &Header,
        fragment: &[u8],
    ) -> Result<OpenTrace, KeysError> {
        let explicit_len = self.suite.explicit_nonce_len();
        let tag_len = self.suite.aead().tag_len();
        let (ciphertext, tag) = split_tag(fragment, explicit_len, tag_len)?;
        let explicit_nonce = if self.uses_explicit_nonce() {
            Some(to_explicit_nonce(&fragment[..explicit_len])?)
        } else {
            None
        };
        let nonce = self.nonce(seq, explicit_nonce);
        let aad = tls12_aad(seq, header.content_type, header.version, ciphertext.len());
        let content = self.decrypt(seq, nonce, &aad, &fragment[explicit_len..])?;

        let mut steps = Vec::with_capacity(3);
        steps.push(match explicit_nonce {
            Some(explicit) => format!(
                "nonce = implicit salt {} ‖ explicit nonce {} from the record = {}",
                hex::encode(&self.iv),
                hex::encode(&explicit),
                hex::encode(&nonce)
            ),
            None => format!(
                "nonce = iv {} XOR sequence number {seq} padded to 12 bytes = {}",
                hex::encode(&self.iv),
                hex::encode(&nonce)
            ),
        });
        steps.push(format!(
            "additional data = sequence number {seq} (8 bytes) ‖ type {} ‖ version {:04x} ‖ plaintext length {} = {}",
            header.content_type,
            header.version,
            ciphertext.len(),
            hex::encode(&aad)
        ));
        steps.push(format!(
            "{}-decrypt the {} ciphertext bytes and check the tag {} with the {} key",
            self.suite.aead().name(),
            ciphertext.len(),
            hex::encode(tag),
            hex::encode(&self.key)
        ));
        Ok(OpenTrace {
            seq,
            header: header.bytes.to_vec(),
            outer_content_type: header.content_type,
            explicit_nonce: explicit_nonce.map(|explicit| explicit.to_vec()),
            nonce: nonce.to_vec(),
            aad,
            ciphertext: ciphertext.to_vec(),
            tag: tag.to_vec(),
            inner_plaintext: content.clone(),
            content_type: header.content_type,
            content,
            padding_len: 0,
            steps,
        })
    }

    /// Decrypts `ciphertext_and_tag` in place on a copy.
    fn decrypt(
        &self,
        seq: u64,
        nonce: [u8; NONCE_LEN],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Vec<u8>, KeysError> {
        let key = self.aead_key()?;
        let mut in_out = ciphertext_and_tag.to_vec();
        let plaintext_len = key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                &mut in_out,
            )
            .map_err(|_| KeysError::DecryptFailed { seq })?
            .len();
        in_out.truncate(plaintext_len);
        Ok(in_out)
    }

    /// Seals `content` of type `content_type` into a record with sequence number `seq`.
    pub fn seal(
        &self,
        seq: u64,
        content_type: u8,
        content: &[u8],
        options: &SealOptions,
    ) -> Result<SealTrace, KeysError> {
        match self.suite.version() {
            TlsVersion::Tls13 => self.seal_tls13(seq, content_type, content, options),
            TlsVersion::Tls12 => self.seal_tls12(seq, content_type, content, options),
        }
    }

    fn seal_tls13(
        &self,
        seq: u64,
        content_type: u8,
        content: &[u8],
        options: &SealOptions,
    ) -> Result<SealTrace, KeysError> {
        // RFC 8446 §5.2: TLSInnerPlaintext = content ‖ type ‖ zeros.
        let mut inner_plaintext = Vec::with_capacity(content.len() + 1 + options.padding_len);
        inner_plaintext.extend_from_slice(content);
        inner_plaintext.push(content_type);
        inner_plaintext.resize(content.len() + 1 + options.padding_len, 0);

        let fragment_len = inner_plaintext.len() + self.suite.aead().tag_len();
        let header = record_header(
            CONTENT_TYPE_APPLICATION_DATA,
            LEGACY_RECORD_VERSION,
            fragment_len,
        )?;
        let nonce = self.nonce(seq, None);
        let aad = header.to_vec();
        let (ciphertext, tag) = self.encrypt(nonce, &aad, &inner_plaintext)?;

        let mut record = Vec::with_capacity(HEADER_LEN + fragment_len);
        record.extend_from_slice(&header);
        record.extend_from_slice(&ciphertext);
        record.extend_from_slice(&tag);

        let steps = vec![
            format!(
                "TLSInnerPlaintext = content ({} bytes) ‖ content type {content_type} ‖ {} zero bytes of padding",
                content.len(),
                options.padding_len
            ),
            format!(
                "record header = type 23 (application_data, hiding the real type) ‖ version 0303 ‖ length {fragment_len} (plaintext + 16-byte tag) = {}",
                hex::encode(&header)
            ),
            format!(
                "nonce = iv {} XOR sequence number {seq} padded to 12 bytes = {}",
                hex::encode(&self.iv),
                hex::encode(&nonce)
            ),
            format!("additional data = the record header {}", hex::encode(&aad)),
            format!(
                "{}-encrypt with the {} key: ciphertext of {} bytes and tag {}",
                self.suite.aead().name(),
                hex::encode(&self.key),
                ciphertext.len(),
                hex::encode(&tag)
            ),
        ];
        Ok(SealTrace {
            seq,
            content_type,
            content: content.to_vec(),
            padding_len: options.padding_len,
            inner_plaintext,
            outer_content_type: CONTENT_TYPE_APPLICATION_DATA,
            header: header.to_vec(),
            explicit_nonce: None,
            nonce: nonce.to_vec(),
            aad,
            ciphertext,
            tag,
            record,
            steps,
        })
    }

    fn seal_tls12(
        &self,
        seq: u64,
        content_type: u8,
        content: &[u8],
        options: &SealOptions,
    ) -> Result<SealTrace, KeysError> {
        if options.padding_len != 0 {
            return Err(KeysError::WrongVersion {
                operation: "record padding",
                suite: self.suite.name(),
            });
        }
        let explicit_nonce = self.uses_explicit_nonce().then(|| {
            options
                .explicit_nonce
                .unwrap_or_else(|| self.default_explicit_nonce(seq))
        });
        let nonce = self.nonce(seq, explicit_nonce);
        let explicit_len = self.suite.explicit_nonce_len();
        let fragment_len = explicit_len + content.len() + self.suite.aead().tag_len();
        let header = record_header(content_type, LEGACY_RECORD_VERSION, fragment_len)?;
        let aad = tls12_aad(seq, content_type, LEGACY_RECORD_VERSION, content.len());
        let (ciphertext, tag) = self.encrypt(nonce, &aad, content)?;

        let mut record = Vec::with_capacity(HEADER_LEN + fragment_len);
        record.extend_from_slice(&header);
        if let Some(explicit) = &explicit_nonce {
            record.extend_from_slice(explicit);
        }
        record.extend_from_slice(&ciphertext);
        record.extend_from_slice(&tag);

        let mut steps = Vec::with_capacity(4);
        steps.push(match explicit_nonce {
            Some(explicit) => format!(
                "nonce = implicit salt {} ‖ explicit nonce {} (sent in the clear before the ciphertext) = {}",
                hex::encode(&self.iv),
                hex::encode(&explicit),
                hex::encode(&nonce)
            ),
            None => format!(
                "nonce = iv {} XOR sequence number {seq} padded to 12 bytes = {}",
                hex::encode(&self.iv),
                hex::encode(&nonce)
            ),
        });
        steps.push(format!(
            "additional data = sequence number {seq} (8 bytes) ‖ type {content_type} ‖ version 0303 ‖ plaintext length {} = {}",
            content.len(),
            hex::encode(&aad)
        ));
        steps.push(format!(
            "{}-encrypt with the {} key: ciphertext of {} bytes and tag {}",
            self.suite.aead().name(),
            hex::encode(&self.key),
            ciphertext.len(),
            hex::encode(&tag)
        ));
        steps.push(format!(
            "record = header {} ‖ {}ciphertext ‖ tag",
            hex::encode(&header),
            if explicit_nonce.is_some() {
                "explicit nonce ‖ "
            } else {
                ""
            }
        ));
        Ok(SealTrace {
            seq,
            content_type,
            content: content.to_vec(),
            padding_len: 0,
            inner_plaintext: content.to_vec(),
            outer_content_type: content_type,
            header: header.to_vec(),
            explicit_nonce: explicit_nonce.map(|explicit| explicit.to_vec()),
            nonce: nonce.to_vec(),
            aad,
            ciphertext,
            tag,
            record,
            steps,
        })
    }

    fn encrypt(
        &self,
        nonce: [u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>), KeysError> {
        let key = self.aead_key()?;
        let mut in_out = plaintext.to_vec();
        let tag = key
            .seal_in_place_separate_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                &mut in_out,
            )
            .map_err(|_| KeysError::PlaintextTooLong(plaintext.len()))?;
        Ok((in_out, tag.as_ref().to_vec()))
    }
}

/// A parsed record header.
struct Header {
    bytes: [u8; HEADER_LEN],
    content_type: u8,
    version: u16,
    length: usize,
}

fn parse_header(header: &[u8]) -> Result<Header, KeysError> {
    let bytes: [u8; HEADER_LEN] = header
        .try_into()
        .map_err(|_| KeysError::RecordTooShort(header.len()))?;
    Ok(Header {
        bytes,
        content_type: bytes[0],
        version: u16::from_be_bytes([bytes[1], bytes[2]]),
        length: usize::from(u16::from_be_bytes([bytes[3], bytes[4]])),
    })
}

/// Splits a whole record into its header and fragment.
pub fn split_record(record: &[u8]) -> Result<(&[u8], &[u8]), KeysError> {
    if record.len() < HEADER_LEN {
        return Err(KeysError::RecordTooShort(record.len()));
    }
    Ok(record.split_at(HEADER_LEN))
}

/// Splits a fragment into ciphertext (after `explicit_len` bytes) and tag.
fn split_tag(
    fragment: &[u8],
    explicit_len: usize,
    tag_len: usize,
) -> Result<(&[u8], &[u8]), KeysError> {
    let minimum = explicit_len + tag_len;
    if fragment.len() < minimum {
        return Err(KeysError::CiphertextTooShort {
            actual: fragment.len(),
            minimum,
        });
    }
    Ok(fragment[explicit_len..].split_at(fragment.len() - minimum))
}

fn record_header(
    content_type: u8,
    version: u16,
    fragment_len: usize,
) -> Result<[u8; HEADER_LEN], KeysError> {
    let length =
        u16::try_from(fragment_len).map_err(|_| KeysError::PlaintextTooLong(fragment_len))?;
    let [version_high, version_low] = version.to_be_bytes();
    let [length_high, length_low] = length.to_be_bytes();
    Ok([
        content_type,
        version_high,
        version_low,
        length_high,
        length_low,
    ])
}

/// The TLS 1.2 AEAD additional data (RFC 5246 §6.2.3.3): `seq_num ‖ type ‖ version ‖ length`,
/// where length is the plaintext's, not the record's.
fn tls12_aad(seq: u64, content_type: u8, version: u16, plaintext_len: usize) -> Vec<u8> {
    let mut aad = Vec::with_capacity(13);
    aad.extend_from_slice(&seq.to_be_bytes());
    aad.push(content_type);
    aad.extend_from_slice(&version.to_be_bytes());
    // Callers pass lengths bounded by a u16 record length; saturate rather than panic.
    aad.extend_from_slice(
        &u16::try_from(plaintext_len)
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    aad
}

fn to_explicit_nonce(bytes: &[u8]) -> Result<[u8; EXPLICIT_NONCE_LEN], KeysError> {
    bytes.try_into().map_err(|_| KeysError::KeyMaterialLength {
        what: "explicit nonce",
        expected: EXPLICIT_NONCE_LEN,
        actual: bytes.len(),
    })
}

fn check_len(what: &'static str, expected: usize, actual: usize) -> Result<(), KeysError> {
    if expected == actual {
        Ok(())
    } else {
        Err(KeysError::KeyMaterialLength {
            what,
            expected,
            actual,
        })
    }
}
