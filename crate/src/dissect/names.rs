//! Name tables for every numbered thing in TLS: cipher suites, named groups, signature schemes,
//! extensions, alerts, handshake types, content types, protocol versions and the small enums.
//!
//! One table per kind, each a `const` slice of `(code, name, explanation)` rows; the public
//! `*_name` functions look a code up, and the crate-internal `*_label` functions render a code
//! for display, marking GREASE and unknown values.

use super::reader::CodeKind;

type Row = (u16, &'static str, &'static str);

fn find(table: &'static [Row], code: u16) -> Option<&'static Row> {
    table.iter().find(|row| row.0 == code)
}

/// True for the reserved GREASE values 0x0a0a, 0x1a1a, … 0xfafa (RFC 8701): clients send them
/// at random so that servers which choke on unknown values get noticed and fixed.
pub(crate) fn is_grease(code: u16) -> bool {
    code & 0x0f0f == 0x0a0a && code >> 8 == code & 0xff
}

/// True for the one-byte GREASE values of psk_key_exchange_modes (0x0b, 0x2a, … 0xe4).
pub(crate) fn is_grease_u8(code: u16) -> bool {
    (0x0b..=0xff).contains(&code) && (code - 0x0b).is_multiple_of(0x1f)
}

const GREASE_NOTE: &str =
    "A GREASE value (RFC 8701): deliberately meaningless, sent so peers that reject unknown values are caught early.";

/// `"NAME (0x1302)"`, `"GREASE (0x0a0a)"` or `"unknown (0x1234)"`.
fn label16(table: &'static [Row], code: u16) -> String {
    match find(table, code) {
        Some(row) => format!("{} (0x{code:04x})", row.1),
        None if is_grease(code) => format!("GREASE (0x{code:04x})"),
        None => format!("unknown (0x{code:04x})"),
    }
}

/// `"NAME (22)"` or `"unknown (99)"`, for one-byte codes.
fn label8(table: &'static [Row], code: u16) -> String {
    match find(table, code) {
        Some(row) => format!("{} ({code})", row.1),
        None => format!("unknown ({code})"),
    }
}

fn note(table: &'static [Row], code: u16, unknown: &str) -> String {
    match find(table, code) {
        Some(row) => row.2.to_string(),
        None if is_grease(code) => GREASE_NOTE.to_string(),
        None => unknown.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Record layer

#[rustfmt::skip]
const CONTENT_TYPES: &[Row] = &[
    (20, "change_cipher_spec", "Signals a switch to the newly agreed keys (in TLS 1.3 only a compatibility dummy)."),
    (21, "alert", "A warning or error notice, or the polite close_notify at the end."),
    (22, "handshake", "Handshake messages: how the two sides agree on keys and prove who they are."),
    (23, "application_data", "Protected data: the application's bytes (and in TLS 1.3, every encrypted record)."),
    (24, "heartbeat", "Keep-alive probe (RFC 6520); rarely used and not supported by rustls."),
    (25, "tls12_cid", "A TLS 1.2 record with a connection ID (DTLS only)."),
    (26, "ack", "Acknowledgement of handshake records (DTLS 1.3 only)."),
];

/// Name of a record content type, e.g. `22` → `"handshake"`.
pub fn content_type_name(code: u8) -> Option<&'static str> {
    find(CONTENT_TYPES, code.into()).map(|row| row.1)
}

pub(crate) fn content_type_label(code: u16) -> String {
    label8(CONTENT_TYPES, code)
}

pub(crate) fn content_type_note(code: u16) -> String {
    note(CONTENT_TYPES, code, "Not a content type TLS defines.")
}

#[rustfmt::skip]
const PROTOCOL_VERSIONS: &[Row] = &[
    (0x0002, "SSL 2.0", "SSL 2.0, long obsolete and insecure."),
    (0x0300, "SSL 3.0", "SSL 3.0, obsolete and insecure (POODLE)."),
    (0x0301, "TLS 1.0", "TLS 1.0 (1999), deprecated by RFC 8996."),
    (0x0302, "TLS 1.1", "TLS 1.1 (2006), deprecated by RFC 8996."),
    (0x0303, "TLS 1.2", "TLS 1.2 (RFC 5246, 2008)."),
    (0x0304, "TLS 1.3", "TLS 1.3 (RFC 8446, 2018)."),
    (0xfeff, "DTLS 1.0", "DTLS 1.0, TLS over datagrams."),
    (0xfefd, "DTLS 1.2", "DTLS 1.2, TLS over datagrams."),
    (0xfefc, "DTLS 1.3", "DTLS 1.3, TLS over datagrams."),
];

/// Name of a protocol version, e.g. `0x0304` → `"TLS 1.3"`.
pub fn protocol_version_name(code: u16) -> Option<&'static str> {
    find(PROTOCOL_VERSIONS, code).map(|row| row.1)
}

pub(crate) fn protocol_version_label(code: u16) -> String {
    if (0x7f00..=0x7fff).contains(&code) {
        return format!("TLS 1.3 draft {} (0x{code:04x})", code & 0xff);
    }
    label16(PROTOCOL_VERSIONS, code)
}

pub(crate) fn protocol_version_note(code: u16) -> String {
    note(PROTOCOL_VERSIONS, code, "Not a published protocol version.")
}

pub(crate) const VERSION: CodeKind = CodeKind {
    item: "version",
    width: 2,
    label: protocol_version_label,
    note: protocol_version_note,
};

// ---------------------------------------------------------------------------------------------
// Handshake

#[rustfmt::skip]
const HANDSHAKE_TYPES: &[Row] = &[
    (0, "HelloRequest", "TLS 1.2: the server asks the client to start a new handshake (renegotiation)."),
    (1, "ClientHello", "The client's opening message: what it supports and its key share."),
    (2, "ServerHello", "The server's choices: version, cipher suite and its key share."),
    (3, "HelloVerifyRequest", "DTLS only: a cookie challenge against spoofed addresses."),
    (4, "NewSessionTicket", "A ticket the client can present later to resume without a full handshake."),
    (5, "EndOfEarlyData", "TLS 1.3: the client has finished sending 0-RTT early data."),
    (6, "HelloRetryRequest", "Old draft code for HelloRetryRequest; TLS 1.3 sends it as a ServerHello."),
    (8, "EncryptedExtensions", "TLS 1.3: the server's extension answers, sent encrypted."),
    (11, "Certificate", "A certificate chain proving whose public key this is."),
    (12, "ServerKeyExchange", "TLS 1.2: the server's ephemeral key share, signed with its certificate key."),
    (13, "CertificateRequest", "The server asks the client to authenticate with a certificate too."),
    (14, "ServerHelloDone", "TLS 1.2: the server has sent everything for this round."),
    (15, "CertificateVerify", "A signature over the handshake so far, proving possession of the certificate's private key."),
    (16, "ClientKeyExchange", "TLS 1.2: the client's key share (or encrypted secret)."),
    (20, "Finished", "A MAC over the whole handshake: proves nothing was tampered with."),
    (21, "CertificateURL", "Certificate URLs instead of certificates (RFC 6066); rarely used."),
    (22, "CertificateStatus", "TLS 1.2: a stapled OCSP response showing the certificate is not revoked."),
    (24, "KeyUpdate", "TLS 1.3: the sender switches to fresh traffic keys."),
    (25, "CompressedCertificate", "A Certificate message, compressed (RFC 8879)."),
    (254, "message_hash", "Stands in for the first ClientHello in the transcript after a HelloRetryRequest."),
];

/// Name of a handshake message type, e.g. `1` → `"ClientHello"`.
pub fn handshake_type_name(code: u8) -> Option<&'static str> {
    find(HANDSHAKE_TYPES, code.into()).map(|row| row.1)
}

pub(crate) fn handshake_type_label(code: u16) -> String {
    label8(HANDSHAKE_TYPES, code)
}

pub(crate) fn handshake_type_note(code: u16) -> String {
    note(
        HANDSHAKE_TYPES,
        code,
        "Not a handshake message type TLS defines.",
    )
}

// ---------------------------------------------------------------------------------------------
// Cipher suites

#[rustfmt::skip]
const CIPHER_SUITES: &[Row] = &[
    (0x1301, "TLS_AES_128_GCM_SHA256", ""),
    (0x1302, "TLS_AES_256_GCM_SHA384", ""),
    (0x1303, "TLS_CHACHA20_POLY1305_SHA256", ""),
    (0x1304, "TLS_AES_128_CCM_SHA256", ""),
    (0x1305, "TLS_AES_128_CCM_8_SHA256", ""),
    (0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", ""),
    (0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", ""),
    (0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", ""),
    (0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", ""),
    (0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", ""),
    (0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", ""),
    (0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", ""),
    (0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", ""),
    (0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", ""),
    (0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", ""),
    (0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", ""),
    (0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", ""),
    (0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", ""),
    (0xc0ae, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", ""),
    (0xc0af, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", ""),
    (0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", ""),
    (0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", ""),
    (0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", ""),
    (0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", ""),
    (0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", ""),
    (0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", ""),
    (0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", ""),
    (0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", ""),
    (0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", ""),
    (0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", ""),
    (0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", ""),
    (0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", ""),
    (0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", ""),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", ""),
    (0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", ""),
    (0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", ""),
    (0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", ""),
    (0x0005, "TLS_RSA_WITH_RC4_128_SHA", ""),
    (0x0004, "TLS_RSA_WITH_RC4_128_MD5", ""),
    (0x0000, "TLS_NULL_WITH_NULL_NULL", ""),
    (0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", ""),
    (0x5600, "TLS_FALLBACK_SCSV", ""),
];

/// IANA name of a cipher suite, e.g. `0x1302` → `"TLS_AES_256_GCM_SHA384"`.
pub fn cipher_suite_name(code: u16) -> Option<&'static str> {
    find(CIPHER_SUITES, code).map(|row| row.1)
}

pub(crate) fn cipher_suite_label(code: u16) -> String {
    label16(CIPHER_SUITES, code)
}

/// Explains a cipher suite from the parts of its name.
pub(crate) fn cipher_suite_note(code: u16) -> String {
    let Some(name) = cipher_suite_name(code) else {
        return note(
            CIPHER_SUITES,
            code,
            "A cipher suite this dissector does not know.",
        );
    };
    match name {
        "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" => {
            return "Not a real suite: signals support for secure renegotiation (RFC 5746).".into()
        }
        "TLS_FALLBACK_SCSV" => {
            return "Not a real suite: says this is a downgraded retry, so a server supporting more should refuse (RFC 7507).".into()
        }
        "TLS_NULL_WITH_NULL_NULL" => {
            return "No key exchange, no encryption, no MAC: the state before any handshake.".into()
        }
        _ => {}
    }
    let body = name.trim_start_matches("TLS_");
    let Some((exchange, protection)) = body.split_once("_WITH_") else {
        return format!(
            "TLS 1.3 suite: {} protects every record; {} is the hash for key derivation. Key exchange is negotiated separately (key_share).",
            cipher_words(body),
            hash_of(body)
        );
    };
    let exchange_words = match exchange {
        "ECDHE_ECDSA" => "ephemeral elliptic-curve Diffie-Hellman (forward secret), signed with an ECDSA certificate key",
        "ECDHE_RSA" => "ephemeral elliptic-curve Diffie-Hellman (forward secret), signed with an RSA certificate key",
        "DHE_RSA" => "ephemeral finite-field Diffie-Hellman (forward secret), signed with an RSA certificate key",
        "RSA" => "RSA key transport: the client encrypts the secret to the server's key (no forward secrecy)",
        _ => "a key exchange this dissector does not describe",
    };
    format!(
        "TLS 1.2 suite: {exchange_words}; {} protects the records.",
        cipher_words(protection)
    )
}

fn hash_of(suite_tail: &str) -> &'static str {
    if suite_tail.ends_with("SHA384") {
        "SHA-384"
    } else if suite_tail.ends_with("SHA256") {
        "SHA-256"
    } else if suite_tail.ends_with("MD5") {
        "MD5"
    } else {
        "SHA-256"
    }
}

fn cipher_words(protection: &str) -> String {
    let aes_bits = if protection.starts_with("AES_256") {
        "AES-256"
    } else {
        "AES-128"
    };
    if protection.contains("CHACHA20_POLY1305") {
        "ChaCha20-Poly1305 (authenticated encryption)".into()
    } else if protection.contains("GCM") {
        format!("{aes_bits}-GCM (authenticated encryption)")
    } else if protection.contains("CCM") {
        format!("{aes_bits}-CCM (authenticated encryption)")
    } else if protection.contains("CBC") {
        let mac = if protection.ends_with("_SHA") {
            "SHA-1".to_string()
        } else {
            hash_of(protection).to_string()
        };
        format!("{aes_bits}-CBC with HMAC-{mac} (legacy MAC-then-encrypt)")
    } else if protection.contains("3DES") {
        "Triple-DES (broken: 64-bit blocks)".into()
    } else if protection.contains("RC4") {
        "RC4 (broken stream cipher)".into()
    } else {
        "an unusual cipher".into()
    }
}

pub(crate) const CIPHER_SUITE: CodeKind = CodeKind {
    item: "cipher_suite",
    width: 2,
    label: cipher_suite_label,
    note: cipher_suite_note,
};

/// What record protection a negotiated suite uses, which decides the TLS 1.2 ciphertext layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordCipher {
    /// AES-GCM / AES-CCM in TLS 1.2: 8-byte explicit nonce, ciphertext, 16-byte tag.
    ExplicitNonceAead,
    /// ChaCha20-Poly1305 (and every TLS 1.3 suite): ciphertext then 16-byte tag.
    ImplicitNonceAead,
    /// Anything else (CBC, stream ciphers, unknown): shown as opaque ciphertext.
    Other,
}

pub(crate) fn record_cipher(suite: u16) -> RecordCipher {
    let name = cipher_suite_name(suite).unwrap_or_default();
    if name.contains("CHACHA20") || (0x1301..=0x1305).contains(&suite) {
        RecordCipher::ImplicitNonceAead
    } else if name.contains("GCM") || (name.contains("CCM") && !name.contains("CCM_8")) {
        RecordCipher::ExplicitNonceAead
    } else {
        RecordCipher::Other
    }
}

/// How a TLS 1.2 suite exchanges keys, which decides the key-exchange message layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyExchange {
    Ecdhe,
    Dhe,
    Rsa,
}

pub(crate) fn key_exchange(suite: u16) -> Option<KeyExchange> {
    let name = cipher_suite_name(suite)?;
    if name.starts_with("TLS_ECDHE_") {
        Some(KeyExchange::Ecdhe)
    } else if name.starts_with("TLS_DHE_") {
        Some(KeyExchange::Dhe)
    } else if name.starts_with("TLS_RSA_") {
        Some(KeyExchange::Rsa)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Named groups

#[rustfmt::skip]
const NAMED_GROUPS: &[Row] = &[
    (0x0017, "secp256r1", "Elliptic-curve Diffie-Hellman on NIST P-256 (65-byte uncompressed keys)."),
    (0x0018, "secp384r1", "Elliptic-curve Diffie-Hellman on NIST P-384."),
    (0x0019, "secp521r1", "Elliptic-curve Diffie-Hellman on NIST P-521."),
    (0x001d, "x25519", "Diffie-Hellman on Curve25519: fast, 32-byte keys, the most common choice."),
    (0x001e, "x448", "Diffie-Hellman on Curve448: a larger relative of X25519."),
    (0x0016, "secp256k1", "The Bitcoin curve; deprecated for TLS."),
    (0x001a, "brainpoolP256r1", "Brainpool 256-bit curve (TLS 1.2 only)."),
    (0x001b, "brainpoolP384r1", "Brainpool 384-bit curve (TLS 1.2 only)."),
    (0x001c, "brainpoolP512r1", "Brainpool 512-bit curve (TLS 1.2 only)."),
    (0x001f, "brainpoolP256r1tls13", "Brainpool 256-bit curve for TLS 1.3."),
    (0x0020, "brainpoolP384r1tls13", "Brainpool 384-bit curve for TLS 1.3."),
    (0x0021, "brainpoolP512r1tls13", "Brainpool 512-bit curve for TLS 1.3."),
    (0x0100, "ffdhe2048", "Finite-field Diffie-Hellman, 2048-bit group (RFC 7919)."),
    (0x0101, "ffdhe3072", "Finite-field Diffie-Hellman, 3072-bit group (RFC 7919)."),
    (0x0102, "ffdhe4096", "Finite-field Diffie-Hellman, 4096-bit group (RFC 7919)."),
    (0x0103, "ffdhe6144", "Finite-field Diffie-Hellman, 6144-bit group (RFC 7919)."),
    (0x0104, "ffdhe8192", "Finite-field Diffie-Hellman, 8192-bit group (RFC 7919)."),
    (0x0200, "MLKEM512", "ML-KEM-512: post-quantum key encapsulation alone."),
    (0x0201, "MLKEM768", "ML-KEM-768: post-quantum key encapsulation alone."),
    (0x0202, "MLKEM1024", "ML-KEM-1024: post-quantum key encapsulation alone."),
    (0x11eb, "SecP256r1MLKEM768", "Hybrid: P-256 Diffie-Hellman plus post-quantum ML-KEM-768."),
    (0x11ec, "X25519MLKEM768", "Hybrid: X25519 plus post-quantum ML-KEM-768; safe if either half holds."),
    (0x11ed, "SecP384r1MLKEM1024", "Hybrid: P-384 Diffie-Hellman plus post-quantum ML-KEM-1024."),
    (0x6399, "X25519Kyber768Draft00", "Pre-standard hybrid of X25519 and Kyber-768 (obsolete)."),
];

/// Name of a named group (key-exchange group), e.g. `0x001d` → `"x25519"`.
pub fn named_group_name(code: u16) -> Option<&'static str> {
    find(NAMED_GROUPS, code).map(|row| row.1)
}

pub(crate) fn named_group_label(code: u16) -> String {
    label16(NAMED_GROUPS, code)
}

pub(crate) fn named_group_note(code: u16) -> String {
    note(
        NAMED_GROUPS,
        code,
        "A key-exchange group this dissector does not know.",
    )
}

pub(crate) const NAMED_GROUP: CodeKind = CodeKind {
    item: "named_group",
    width: 2,
    label: named_group_label,
    note: named_group_note,
};

// ---------------------------------------------------------------------------------------------
// Signature schemes

#[rustfmt::skip]
const SIGNATURE_SCHEMES: &[Row] = &[
    (0x0201, "rsa_pkcs1_sha1", "RSA PKCS#1 v1.5 with SHA-1: legacy, weak."),
    (0x0203, "ecdsa_sha1", "ECDSA with SHA-1: legacy, weak."),
    (0x0202, "dsa_sha1", "DSA with SHA-1: obsolete."),
    (0x0401, "rsa_pkcs1_sha256", "RSA PKCS#1 v1.5 signature with SHA-256 (TLS 1.3: certificates only)."),
    (0x0501, "rsa_pkcs1_sha384", "RSA PKCS#1 v1.5 signature with SHA-384 (TLS 1.3: certificates only)."),
    (0x0601, "rsa_pkcs1_sha512", "RSA PKCS#1 v1.5 signature with SHA-512 (TLS 1.3: certificates only)."),
    (0x0403, "ecdsa_secp256r1_sha256", "ECDSA on the P-256 curve with SHA-256."),
    (0x0503, "ecdsa_secp384r1_sha384", "ECDSA on the P-384 curve with SHA-384."),
    (0x0603, "ecdsa_secp521r1_sha512", "ECDSA on the P-521 curve with SHA-512."),
    (0x0804, "rsa_pss_rsae_sha256", "RSA-PSS with SHA-256, using an ordinary RSA key."),
    (0x0805, "rsa_pss_rsae_sha384", "RSA-PSS with SHA-384, using an ordinary RSA key."),
    (0x0806, "rsa_pss_rsae_sha512", "RSA-PSS with SHA-512, using an ordinary RSA key."),
    (0x0807, "ed25519", "EdDSA on Curve25519: fast, deterministic signatures."),
    (0x0808, "ed448", "EdDSA on Curve448."),
    (0x0809, "rsa_pss_pss_sha256", "RSA-PSS with SHA-256, using a PSS-only RSA key."),
    (0x080a, "rsa_pss_pss_sha384", "RSA-PSS with SHA-384, using a PSS-only RSA key."),
    (0x080b, "rsa_pss_pss_sha512", "RSA-PSS with SHA-512, using a PSS-only RSA key."),
    (0x081a, "ecdsa_brainpoolP256r1tls13_sha256", "ECDSA on Brainpool P-256 with SHA-256."),
    (0x081b, "ecdsa_brainpoolP384r1tls13_sha384", "ECDSA on Brainpool P-384 with SHA-384."),
    (0x081c, "ecdsa_brainpoolP512r1tls13_sha512", "ECDSA on Brainpool P-512 with SHA-512."),
    (0x0904, "mldsa44", "ML-DSA-44: post-quantum signature."),
    (0x0905, "mldsa65", "ML-DSA-65: post-quantum signature."),
    (0x0906, "mldsa87", "ML-DSA-87: post-quantum signature."),
];

/// Name of a signature scheme, e.g. `0x0403` → `"ecdsa_secp256r1_sha256"`.
pub fn signature_scheme_name(code: u16) -> Option<&'static str> {
    find(SIGNATURE_SCHEMES, code).map(|row| row.1)
}

pub(crate) fn signature_scheme_label(code: u16) -> String {
    label16(SIGNATURE_SCHEMES, code)
}

pub(crate) fn signature_scheme_note(code: u16) -> String {
    note(
        SIGNATURE_SCHEMES,
        code,
        "A signature scheme this dissector does not know.",
    )
}

pub(crate) const SIGNATURE_SCHEME: CodeKind = CodeKind {
    item: "signature_scheme",
    width: 2,
    label: signature_scheme_label,
    note: signature_scheme_note,
};

// ---------------------------------------------------------------------------------------------
// Extensions

#[rustfmt::skip]
const EXTENSIONS: &[Row] = &[
    (0, "server_name", "Server Name Indication: which host name the client wants (sent in clear)."),
    (1, "max_fragment_length", "Asks for smaller records, for constrained devices."),
    (5, "status_request", "Asks the server to staple an OCSP response proving its certificate is not revoked."),
    (10, "supported_groups", "Key-exchange groups (curves) the client can use, most preferred first."),
    (11, "ec_point_formats", "TLS 1.2: how elliptic-curve points may be encoded (in practice: uncompressed)."),
    (13, "signature_algorithms", "Signature schemes the sender accepts in handshake signatures."),
    (14, "use_srtp", "Negotiates SRTP keys for media (DTLS-SRTP)."),
    (15, "heartbeat", "Offers the heartbeat keep-alive (RFC 6520)."),
    (16, "application_layer_protocol_negotiation", "ALPN: which application protocol to speak inside TLS (e.g. h2, http/1.1)."),
    (17, "status_request_v2", "Multiple OCSP stapling (RFC 6961), obsolete."),
    (18, "signed_certificate_timestamp", "Certificate Transparency: proof the certificate was publicly logged."),
    (19, "client_certificate_type", "Certificate formats (X.509 or raw public key) the client can present."),
    (20, "server_certificate_type", "Certificate formats (X.509 or raw public key) accepted from the server."),
    (21, "padding", "Zero bytes that pad the ClientHello past sizes some middleboxes mishandle."),
    (22, "encrypt_then_mac", "TLS 1.2 CBC suites: MAC the ciphertext instead of the plaintext (RFC 7366)."),
    (23, "extended_master_secret", "TLS 1.2: bind the master secret to the whole handshake (RFC 7627), defeating triple-handshake attacks."),
    (24, "token_binding", "Token binding negotiation (RFC 8472)."),
    (25, "cached_info", "Lets the client skip data it already has cached (RFC 7924)."),
    (27, "compress_certificate", "Certificate compression algorithms the sender can decompress (RFC 8879)."),
    (28, "record_size_limit", "The largest record the sender is willing to receive (RFC 8449)."),
    (34, "delegated_credential", "Accepts short-lived delegated credentials (RFC 9345)."),
    (35, "session_ticket", "TLS 1.2 stateless resumption: carries a ticket, or asks for one (RFC 5077)."),
    (41, "pre_shared_key", "TLS 1.3 resumption: offers (client) or accepts (server) a pre-shared key."),
    (42, "early_data", "TLS 1.3 0-RTT: sending (or allowing) application data before the handshake ends."),
    (43, "supported_versions", "TLS 1.3's real version negotiation (the legacy version field is frozen at 1.2)."),
    (44, "cookie", "TLS 1.3: a value the server asks the client to echo after a HelloRetryRequest."),
    (45, "psk_key_exchange_modes", "Whether a resumed session must still do a fresh Diffie-Hellman."),
    (47, "certificate_authorities", "Names of CAs the sender trusts, to help the peer pick a certificate."),
    (48, "oid_filters", "Certificate extension values the server wants in a client certificate."),
    (49, "post_handshake_auth", "The client is willing to be asked for a certificate after the handshake."),
    (50, "signature_algorithms_cert", "Signature schemes accepted in certificates (if different from handshake ones)."),
    (51, "key_share", "TLS 1.3 Diffie-Hellman public keys, so keys exist after one round trip."),
    (57, "quic_transport_parameters", "QUIC's transport settings, carried inside TLS."),
    (13172, "next_protocol_negotiation", "NPN, the predecessor of ALPN (obsolete)."),
    (17513, "application_settings", "ALPS: application settings (Chrome experiment)."),
    (30032, "channel_id", "Channel ID (obsolete Chrome experiment)."),
    (0xfd00, "ech_outer_extensions", "ECH: extensions copied from the outer ClientHello."),
    (0xfe0d, "encrypted_client_hello", "Encrypted Client Hello: hides the real ClientHello (including the server name)."),
    (0xff01, "renegotiation_info", "Secure renegotiation (RFC 5746): binds a renegotiation to the previous handshake."),
];

/// Name of an extension type, e.g. `0` → `"server_name"`.
pub fn extension_name(code: u16) -> Option<&'static str> {
    find(EXTENSIONS, code).map(|row| row.1)
}

pub(crate) fn extension_label(code: u16) -> String {
    label16(EXTENSIONS, code)
}

pub(crate) fn extension_note(code: u16) -> String {
    note(
        EXTENSIONS,
        code,
        "An extension this dissector does not know; its data is shown raw.",
    )
}

pub(crate) const EXTENSION_TYPE: CodeKind = CodeKind {
    item: "extension_type",
    width: 2,
    label: extension_label,
    note: extension_note,
};

// ---------------------------------------------------------------------------------------------
// Alerts

#[rustfmt::skip]
const ALERT_LEVELS: &[Row] = &[
    (1, "warning", "Warning: the connection may continue (close_notify is sent at this level)."),
    (2, "fatal", "Fatal: the connection ends now."),
];

pub(crate) fn alert_level_label(code: u16) -> String {
    label8(ALERT_LEVELS, code)
}

pub(crate) fn alert_level_note(code: u16) -> String {
    note(
        ALERT_LEVELS,
        code,
        "Not an alert level TLS defines (1 = warning, 2 = fatal).",
    )
}

#[rustfmt::skip]
const ALERT_DESCRIPTIONS: &[Row] = &[
    (0, "close_notify", "The sender is closing the connection cleanly: nothing more will come."),
    (10, "unexpected_message", "A message arrived that does not belong at this point."),
    (20, "bad_record_mac", "A record failed to decrypt or authenticate."),
    (21, "decryption_failed", "Obsolete: decryption failed."),
    (22, "record_overflow", "A record was longer than allowed."),
    (30, "decompression_failure", "Obsolete: decompression failed."),
    (40, "handshake_failure", "No acceptable set of parameters could be agreed."),
    (41, "no_certificate", "Obsolete (SSL 3.0): no certificate available."),
    (42, "bad_certificate", "A certificate was corrupt or its signature did not verify."),
    (43, "unsupported_certificate", "A certificate was of an unsupported type."),
    (44, "certificate_revoked", "A certificate was revoked by its issuer."),
    (45, "certificate_expired", "A certificate has expired or is not yet valid."),
    (46, "certificate_unknown", "Some other certificate problem made it unacceptable."),
    (47, "illegal_parameter", "A field held a value that is out of range or inconsistent."),
    (48, "unknown_ca", "The certificate chain does not lead to a trusted CA."),
    (49, "access_denied", "The certificate was valid, but access is refused."),
    (50, "decode_error", "A message could not be parsed."),
    (51, "decrypt_error", "A cryptographic check failed (e.g. a signature or Finished)."),
    (60, "export_restriction", "Obsolete: export restrictions."),
    (70, "protocol_version", "The peer's protocol version is not supported."),
    (71, "insufficient_security", "The peer's parameters are too weak for this server."),
    (80, "internal_error", "Something went wrong inside the sender, not caused by the peer."),
    (86, "inappropriate_fallback", "A downgraded retry was refused (TLS_FALLBACK_SCSV)."),
    (90, "user_canceled", "The user cancelled the handshake."),
    (100, "no_renegotiation", "Renegotiation is refused."),
    (109, "missing_extension", "A required extension was not sent."),
    (110, "unsupported_extension", "An extension was sent that is not allowed here."),
    (111, "certificate_unobtainable", "Obsolete: a certificate URL could not be fetched."),
    (112, "unrecognized_name", "The server has no site by the requested name (SNI)."),
    (113, "bad_certificate_status_response", "The stapled OCSP response was invalid."),
    (114, "bad_certificate_hash_value", "Obsolete: a certificate hash did not match."),
    (115, "unknown_psk_identity", "The pre-shared key identity is not known."),
    (116, "certificate_required", "A client certificate was required but not sent."),
    (120, "no_application_protocol", "No ALPN protocol in common."),
    (121, "ech_required", "The server requires Encrypted Client Hello."),
];

/// Name of an alert description, e.g. `40` → `"handshake_failure"`.
pub fn alert_description_name(code: u8) -> Option<&'static str> {
    find(ALERT_DESCRIPTIONS, code.into()).map(|row| row.1)
}

pub(crate) fn alert_description_label(code: u16) -> String {
    label8(ALERT_DESCRIPTIONS, code)
}

pub(crate) fn alert_description_note(code: u16) -> String {
    note(
        ALERT_DESCRIPTIONS,
        code,
        "Not an alert description TLS defines.",
    )
}

// ---------------------------------------------------------------------------------------------
// Small enumerations inside messages and extensions

#[rustfmt::skip]
const EC_POINT_FORMATS: &[Row] = &[
    (0, "uncompressed", "Points sent as full x and y coordinates: the only format in use."),
    (1, "ansiX962_compressed_prime", "Compressed points on prime curves (deprecated)."),
    (2, "ansiX962_compressed_char2", "Compressed points on binary curves (deprecated)."),
];

pub(crate) const EC_POINT_FORMAT: CodeKind = CodeKind {
    item: "ec_point_format",
    width: 1,
    label: |code| label8(EC_POINT_FORMATS, code),
    note: |code| note(EC_POINT_FORMATS, code, "Not a point format TLS defines."),
};

#[rustfmt::skip]
const PSK_MODES: &[Row] = &[
    (0, "psk_ke", "Resume with the key alone (no fresh Diffie-Hellman: no forward secrecy for this session)."),
    (1, "psk_dhe_ke", "Resume with the key plus a fresh Diffie-Hellman (forward secret)."),
];

pub(crate) const PSK_MODE: CodeKind = CodeKind {
    item: "psk_key_exchange_mode",
    width: 1,
    label: |code| {
        if find(PSK_MODES, code).is_none() && is_grease_u8(code) {
            format!("GREASE ({code})")
        } else {
            label8(PSK_MODES, code)
        }
    },
    note: |code| {
        if find(PSK_MODES, code).is_none() && is_grease_u8(code) {
            GREASE_NOTE.to_string()
        } else {
            note(PSK_MODES, code, "Not a PSK mode TLS defines.")
        }
    },
};

#[rustfmt::skip]
const CLIENT_CERTIFICATE_TYPES: &[Row] = &[
    (1, "rsa_sign", "A certificate with an RSA key."),
    (2, "dss_sign", "A certificate with a DSA key (obsolete)."),
    (3, "rsa_fixed_dh", "RSA-signed certificate with a fixed DH key (obsolete)."),
    (4, "dss_fixed_dh", "DSA-signed certificate with a fixed DH key (obsolete)."),
    (64, "ecdsa_sign", "A certificate with an ECDSA key."),
    (65, "rsa_fixed_ecdh", "RSA-signed certificate with a fixed ECDH key (obsolete)."),
    (66, "ecdsa_fixed_ecdh", "ECDSA-signed certificate with a fixed ECDH key (obsolete)."),
];

pub(crate) const CLIENT_CERTIFICATE_TYPE: CodeKind = CodeKind {
    item: "certificate_type",
    width: 1,
    label: |code| label8(CLIENT_CERTIFICATE_TYPES, code),
    note: |code| {
        note(
            CLIENT_CERTIFICATE_TYPES,
            code,
            "Not a certificate type TLS defines.",
        )
    },
};

#[rustfmt::skip]
const CERTIFICATE_FORMATS: &[Row] = &[
    (0, "X509", "An ordinary X.509 certificate."),
    (1, "OpenPGP", "An OpenPGP key (obsolete)."),
    (2, "RawPublicKey", "A bare public key with no certificate around it (RFC 7250)."),
];

pub(crate) const CERTIFICATE_FORMAT: CodeKind = CodeKind {
    item: "certificate_type",
    width: 1,
    label: |code| label8(CERTIFICATE_FORMATS, code),
    note: |code| {
        note(
            CERTIFICATE_FORMATS,
            code,
            "Not a certificate format TLS defines.",
        )
    },
};

#[rustfmt::skip]
const COMPRESSION_ALGORITHMS: &[Row] = &[
    (1, "zlib", "zlib (deflate) compression."),
    (2, "brotli", "Brotli compression."),
    (3, "zstd", "Zstandard compression."),
];

pub(crate) const CERTIFICATE_COMPRESSION: CodeKind = CodeKind {
    item: "algorithm",
    width: 2,
    label: |code| label16(COMPRESSION_ALGORITHMS, code),
    note: |code| {
        note(
            COMPRESSION_ALGORITHMS,
            code,
            "A compression algorithm this dissector does not know.",
        )
    },
};

#[rustfmt::skip]
const COMPRESSION_METHODS: &[Row] = &[
    (0, "null", "No compression: the only method allowed today (compression enabled the CRIME attack)."),
    (1, "DEFLATE", "DEFLATE record compression (insecure: CRIME)."),
];

pub(crate) const COMPRESSION_METHOD: CodeKind = CodeKind {
    item: "compression_method",
    width: 1,
    label: |code| label8(COMPRESSION_METHODS, code),
    note: |code| {
        note(
            COMPRESSION_METHODS,
            code,
            "Not a compression method TLS defines.",
        )
    },
};

#[rustfmt::skip]
const CERTIFICATE_STATUS_TYPES: &[Row] = &[
    (1, "ocsp", "A single OCSP response."),
    (2, "ocsp_multi", "Several OCSP responses (obsolete)."),
];

pub(crate) fn certificate_status_type_label(code: u16) -> String {
    label8(CERTIFICATE_STATUS_TYPES, code)
}

#[rustfmt::skip]
const KEY_UPDATE_REQUESTS: &[Row] = &[
    (0, "update_not_requested", "The peer need not update its own keys in reply."),
    (1, "update_requested", "The peer should update its sending keys too."),
];

pub(crate) fn key_update_label(code: u16) -> String {
    label8(KEY_UPDATE_REQUESTS, code)
}

pub(crate) fn key_update_note(code: u16) -> String {
    note(
        KEY_UPDATE_REQUESTS,
        code,
        "Not a KeyUpdate request value TLS defines.",
    )
}

#[rustfmt::skip]
const SERVER_NAME_TYPES: &[Row] = &[(0, "host_name", "A DNS host name.")];

pub(crate) fn server_name_type_label(code: u16) -> String {
    label8(SERVER_NAME_TYPES, code)
}

#[rustfmt::skip]
const MAX_FRAGMENT_LENGTHS: &[Row] = &[
    (1, "2^9 (512 bytes)", ""),
    (2, "2^10 (1024 bytes)", ""),
    (3, "2^11 (2048 bytes)", ""),
    (4, "2^12 (4096 bytes)", ""),
];

pub(crate) fn max_fragment_length_label(code: u16) -> String {
    label8(MAX_FRAGMENT_LENGTHS, code)
}

#[rustfmt::skip]
const EC_CURVE_TYPES: &[Row] = &[
    (1, "explicit_prime", "Curve given by explicit parameters (obsolete)."),
    (2, "explicit_char2", "Binary curve given by explicit parameters (obsolete)."),
    (3, "named_curve", "A standard curve, named by a two-byte code next."),
];

pub(crate) fn ec_curve_type_label(code: u16) -> String {
    label8(EC_CURVE_TYPES, code)
}

#[rustfmt::skip]
const HEARTBEAT_MODES: &[Row] = &[
    (1, "peer_allowed_to_send", "The peer may send heartbeat requests."),
    (2, "peer_not_allowed_to_send", "The peer must not send heartbeat requests."),
];

pub(crate) fn heartbeat_mode_label(code: u16) -> String {
    label8(HEARTBEAT_MODES, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grease_values_follow_rfc_8701() {
        for high in 0..16u16 {
            let code = (high << 12) | 0x0a00 | (high << 4) | 0x0a;
            assert!(is_grease(code), "{code:#06x}");
            assert_eq!(cipher_suite_label(code), format!("GREASE (0x{code:04x})"));
        }
        assert!(!is_grease(0x0a1a));
        assert!(!is_grease(0x1301));
        assert!(is_grease_u8(0x0b) && is_grease_u8(0x2a) && is_grease_u8(0xe4));
        assert!(!is_grease_u8(0) && !is_grease_u8(1));
    }

    #[test]
    fn tables_have_unique_codes() {
        for table in [
            CONTENT_TYPES,
            PROTOCOL_VERSIONS,
            HANDSHAKE_TYPES,
            CIPHER_SUITES,
            NAMED_GROUPS,
            SIGNATURE_SCHEMES,
            EXTENSIONS,
            ALERT_DESCRIPTIONS,
        ] {
            for (i, row) in table.iter().enumerate() {
                assert!(
                    table.iter().skip(i + 1).all(|other| other.0 != row.0),
                    "duplicate {}",
                    row.1
                );
            }
        }
    }

    #[test]
    fn suites_are_explained_from_their_parts() {
        assert_eq!(cipher_suite_name(0x1302), Some("TLS_AES_256_GCM_SHA384"));
        assert!(cipher_suite_note(0x1302).contains("AES-256-GCM"));
        assert!(cipher_suite_note(0x1302).contains("SHA-384"));
        assert!(cipher_suite_note(0xcca9).contains("ECDSA"));
        assert!(cipher_suite_note(0xcca9).contains("ChaCha20-Poly1305"));
        assert!(cipher_suite_note(0x002f).contains("no forward secrecy"));
        assert_eq!(cipher_suite_label(0x1234), "unknown (0x1234)");
        assert_eq!(record_cipher(0xc02b), RecordCipher::ExplicitNonceAead);
        assert_eq!(record_cipher(0xcca9), RecordCipher::ImplicitNonceAead);
        assert_eq!(record_cipher(0xc013), RecordCipher::Other);
    }
}
