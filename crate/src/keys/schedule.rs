//! The key-schedule view of one connection: each logged (or KeyUpdate-derived) secret with the
//! key and IV we derive from it ourselves, and the derivation spelled out step by step.

use serde::Serialize;

use super::keylog::{ConnectionSecrets, SecretLabel};
use super::suite::{CipherSuite, HashAlgorithm, TlsVersion};
use super::{hex, tls12, tls13, Direction, KeysError};

/// One connection's key schedule, ready for the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyScheduleView {
    /// "TLS 1.2" or "TLS 1.3".
    pub version: &'static str,
    /// The IANA suite name.
    pub suite: &'static str,
    /// The IANA suite number as hex, e.g. "0x1301".
    pub suite_id: String,
    /// The key-schedule hash, e.g. "SHA-256".
    pub hash: &'static str,
    /// The record AEAD, e.g. "AES-128-GCM".
    pub aead: &'static str,
    /// The AEAD key length in bytes.
    pub key_len: usize,
    /// The per-direction IV length the schedule produces (4 for TLS 1.2 AES-GCM's salt).
    pub iv_len: usize,
    /// The ClientHello random, if known.
    #[serde(serialize_with = "hex::serialize_option")]
    pub client_random: Option<Vec<u8>>,
    /// The ServerHello random, if known.
    #[serde(serialize_with = "hex::serialize_option")]
    pub server_random: Option<Vec<u8>>,
    /// Every secret, in the order the handshake produces them.
    pub secrets: Vec<SecretView>,
    /// What could not be shown and why (e.g. a TLS 1.2 server random not yet seen).
    pub notes: Vec<String>,
}

/// Where a secret came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretOrigin {
    /// rustls logged it through `KeyLog`.
    KeyLog,
    /// We derived it from the previous generation after a KeyUpdate, which the key log never
    /// reports.
    KeyUpdate,
}

/// One secret and what is derived from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretView {
    /// The NSS key-log label (`CLIENT_TRAFFIC_SECRET_1` and up for KeyUpdate generations).
    pub label: String,
    /// What the secret is for.
    pub description: String,
    /// Where it came from.
    pub origin: SecretOrigin,
    /// Whose records it protects, if it protects records.
    pub direction: Option<Direction>,
    /// The application-traffic generation (0 for the logged one, N after N KeyUpdates).
    pub generation: Option<u32>,
    /// The secret.
    #[serde(serialize_with = "hex::serialize")]
    pub secret: Vec<u8>,
    /// For a KeyUpdate secret: how it was derived from the previous one.
    pub derivation: Option<DerivedValue>,
    /// The values derived from it: key and IV (TLS 1.3), key block and its slices (TLS 1.2),
    /// Finished key (handshake secrets).
    pub derived: Vec<DerivedValue>,
}

/// One derived value and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DerivedValue {
    /// What it is, e.g. "key", "iv", "finished_key", "client_write_key".
    pub name: String,
    /// The value.
    #[serde(serialize_with = "hex::serialize")]
    pub value: Vec<u8>,
    /// The formula in RFC notation, e.g. `HKDF-Expand-Label(CLIENT_TRAFFIC_SECRET_0, "key", "", 16)`.
    pub formula: String,
    /// The formula unfolded into the bytes actually hashed.
    pub steps: Vec<String>,
}

/// How many KeyUpdate generations beyond `_0` to show for each direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generations {
    /// Client application-traffic generations beyond 0.
    pub client: u32,
    /// Server application-traffic generations beyond 0.
    pub server: u32,
}

/// The NSS-style label of an application traffic secret generation (`_0` is the logged one).
pub fn application_secret_label(direction: Direction, generation: u32) -> String {
    match direction {
        Direction::ClientToServer => format!("CLIENT_TRAFFIC_SECRET_{generation}"),
        Direction::ServerToClient => format!("SERVER_TRAFFIC_SECRET_{generation}"),
    }
}

/// Builds the view. Secrets missing from the log are simply absent; `generations` adds the
/// KeyUpdate secrets derived after `_0`.
pub fn key_schedule_view(
    secrets: &ConnectionSecrets,
    generations: Generations,
) -> Result<KeyScheduleView, KeysError> {
    let suite = secrets.suite();
    let mut view = KeyScheduleView {
        version: suite.version().name(),
        suite: suite.name(),
        suite_id: format!("0x{:04x}", suite.iana()),
        hash: suite.hash().name(),
        aead: suite.aead().name(),
        key_len: suite.aead().key_len(),
        iv_len: suite.iv_len(),
        client_random: secrets.client_random().map(<[u8]>::to_vec),
        server_random: secrets.server_random().map(<[u8]>::to_vec),
        secrets: Vec::new(),
        notes: Vec::new(),
    };
    match suite.version() {
        TlsVersion::Tls13 => tls13_view(secrets, generations, &mut view)?,
        TlsVersion::Tls12 => tls12_view(secrets, &mut view)?,
    }
    Ok(view)
}

fn tls13_view(
    secrets: &ConnectionSecrets,
    generations: Generations,
    view: &mut KeyScheduleView,
) -> Result<(), KeysError> {
    let suite = secrets.suite();
    for (label, secret) in secrets.secrets() {
        let name = label.nss_label();
        let (direction, generation) = match label {
            SecretLabel::ClientEarlyTraffic | SecretLabel::ClientHandshakeTraffic => {
                (Some(Direction::ClientToServer), None)
            }
            SecretLabel::ServerHandshakeTraffic => (Some(Direction::ServerToClient), None),
            SecretLabel::ClientApplicationTraffic0 => (Some(Direction::ClientToServer), Some(0)),
            SecretLabel::ServerApplicationTraffic0 => (Some(Direction::ServerToClient), Some(0)),
            SecretLabel::ExporterMaster | SecretLabel::Tls12MasterSecret => (None, None),
        };
        let mut derived = Vec::new();
        if direction.is_some() {
            derived.extend(traffic_key_and_iv(suite, name, secret)?);
        }
        if matches!(
            label,
            SecretLabel::ClientHandshakeTraffic | SecretLabel::ServerHandshakeTraffic
        ) {
            derived.push(finished_key_value(suite.hash(), name, secret)?);
        }
        view.secrets.push(SecretView {
            label: name.to_owned(),
            description: label.description().to_owned(),
            origin: SecretOrigin::KeyLog,
            direction,
            generation,
            secret: secret.to_vec(),
            derivation: None,
            derived,
        });

        // The KeyUpdate generations follow their direction's `_0`.
        let (direction, count) = match label {
            SecretLabel::ClientApplicationTraffic0 => {
                (Direction::ClientToServer, generations.client)
            }
            SecretLabel::ServerApplicationTraffic0 => {
                (Direction::ServerToClient, generations.server)
            }
            _ => continue,
        };
        let mut previous = secret.to_vec();
        for generation in 1..=count {
            let previous_label = application_secret_label(direction, generation - 1);
            let label = application_secret_label(direction, generation);
            let next = tls13::next_traffic_secret(suite.hash(), &previous)?;
            let derivation = expand_label_value(
                suite.hash(),
                "next secret",
                &previous_label,
                &previous,
                tls13::TRAFFIC_UPDATE_LABEL,
                suite.hash().output_len(),
                next.clone(),
            )?;
            view.secrets.push(SecretView {
                label: label.clone(),
                description: format!(
                    "application traffic secret {generation} of the {}, after its KeyUpdate number {generation}",
                    direction.sender()
                ),
                origin: SecretOrigin::KeyUpdate,
                direction: Some(direction),
                generation: Some(generation),
                secret: next.clone(),
                derivation: Some(derivation),
                derived: traffic_key_and_iv(suite, &label, &next)?,
            });
            previous = next;
        }
    }
    for (label, direction) in [
        (
            SecretLabel::ClientHandshakeTraffic,
            Direction::ClientToServer,
        ),
        (
            SecretLabel::ServerHandshakeTraffic,
            Direction::ServerToClient,
        ),
        (
            SecretLabel::ClientApplicationTraffic0,
            Direction::ClientToServer,
        ),
        (
            SecretLabel::ServerApplicationTraffic0,
            Direction::ServerToClient,
        ),
    ] {
        if secrets.secret(label).is_none() {
            view.notes.push(format!(
                "the key log has no {}, so the {}'s records under it cannot be opened",
                label.nss_label(),
                direction.sender()
            ));
        }
    }
    Ok(())
}

fn traffic_key_and_iv(
    suite: CipherSuite,
    secret_name: &str,
    secret: &[u8],
) -> Result<Vec<DerivedValue>, KeysError> {
    let keys = tls13::traffic_keys(suite, secret)?;
    Ok(vec![
        expand_label_value(
            suite.hash(),
            "key",
            secret_name,
            secret,
            tls13::KEY_LABEL,
            suite.aead().key_len(),
            keys.key,
        )?,
        expand_label_value(
            suite.hash(),
            "iv",
            secret_name,
            secret,
            tls13::IV_LABEL,
            tls13::IV_LEN,
            keys.iv,
        )?,
    ])
}

fn finished_key_value(
    hash: HashAlgorithm,
    secret_name: &str,
    secret: &[u8],
) -> Result<DerivedValue, KeysError> {
    let value = tls13::finished_key(hash, secret)?;
    let mut derived = expand_label_value(
        hash,
        "finished_key",
        secret_name,
        secret,
        tls13::FINISHED_LABEL,
        hash.output_len(),
        value,
    )?;
    derived.steps.push(format!(
        "the Finished message then carries verify_data = HMAC-{}(finished_key, transcript hash)",
        hash.name()
    ));
    Ok(derived)
}

/// A value produced by HKDF-Expand-Label, with its `HkdfLabel` and HKDF-Expand blocks unfolded.
fn expand_label_value(
    hash: HashAlgorithm,
    name: &str,
    secret_name: &str,
    secret: &[u8],
    label: &str,
    length: usize,
    value: Vec<u8>,
) -> Result<DerivedValue, KeysError> {
    let info = tls13::hkdf_label(label, &[], length)?;
    let full_label = format!("{}{label}", tls13::LABEL_PREFIX);
    let mut steps = vec![
        format!(
            "HkdfLabel = length {length} as 2 bytes ({:04x}) ‖ label \"{full_label}\" with its length byte ({:02x} {}) ‖ empty context (00) = {}",
            length,
            full_label.len(),
            hex::encode(full_label.as_bytes()),
            hex::encode(&info)
        ),
        format!(
            "HKDF-Expand(PRK = {secret_name} {}, info = HkdfLabel, L = {length})",
            hex::encode(secret)
        ),
    ];
    steps.extend(expand_blocks(hash, length, "info"));
    steps.push(format!("{name} = {}", hex::encode(&value)));
    Ok(DerivedValue {
        name: name.to_owned(),
        value,
        formula: format!("HKDF-Expand-Label({secret_name}, \"{label}\", \"\", {length})"),
        steps,
    })
}

/// The HKDF-Expand blocks T(1), T(2), … needed for `length` bytes (RFC 5869 §2.3).
fn expand_blocks(hash: HashAlgorithm, length: usize, info_name: &str) -> Vec<String> {
    let blocks = length.div_ceil(hash.output_len()).max(1);
    let mut steps = vec![format!(
        "T(1) = HMAC-{}(PRK, {info_name} ‖ 01)",
        hash.name()
    )];
    for block in 2..=blocks {
        steps.push(format!(
            "T({block}) = HMAC-{}(PRK, T({}) ‖ {info_name} ‖ {block:02x})",
            hash.name(),
            block - 1
        ));
    }
    steps.push(format!(
        "output = the first {length} bytes of T(1){}",
        if blocks > 1 { " ‖ T(2) ‖ …" } else { "" }
    ));
    steps
}

fn tls12_view(secrets: &ConnectionSecrets, view: &mut KeyScheduleView) -> Result<(), KeysError> {
    let suite = secrets.suite();
    let label = SecretLabel::Tls12MasterSecret;
    let Some(master) = secrets.secret(label) else {
        view.notes.push(
            "the key log has no CLIENT_RANDOM line (the master secret), so no record can be opened"
                .to_owned(),
        );
        return Ok(());
    };
    let mut derived = Vec::new();
    match (secrets.client_random(), secrets.server_random()) {
        (Some(client_random), Some(server_random)) => {
            let block = tls12::key_block(suite, master, client_random, server_random)?;
            derived = key_block_values(suite, &block, client_random, server_random);
        }
        _ => view.notes.push(
            "the key block needs both randoms; the server random is read from ServerHello"
                .to_owned(),
        ),
    }
    view.secrets.push(SecretView {
        label: label.nss_label().to_owned(),
        description: label.description().to_owned(),
        origin: SecretOrigin::KeyLog,
        direction: None,
        generation: None,
        secret: master.to_vec(),
        derivation: None,
        derived,
    });
    Ok(())
}

fn key_block_values(
    suite: CipherSuite,
    block: &tls12::KeyBlock,
    client_random: &[u8],
    server_random: &[u8],
) -> Vec<DerivedValue> {
    let hash = suite.hash();
    let length = block.bytes.len();
    let key_len = suite.aead().key_len();
    let iv_len = suite.iv_len();
    let seed_note = format!(
        "seed = \"{}\" ({}) ‖ server_random {} ‖ client_random {}",
        tls12::KEY_EXPANSION_LABEL,
        hex::encode(tls12::KEY_EXPANSION_LABEL.as_bytes()),
        hex::encode(server_random),
        hex::encode(client_random)
    );
    let blocks = length.div_ceil(hash.output_len());
    let mut block_steps = vec![
        seed_note,
        format!(
            "P_{}(master_secret, seed): A(0) = seed, A(i) = HMAC-{}(master_secret, A(i-1))",
            hash.name().replace('-', ""),
            hash.name()
        ),
        format!(
            "output = {}, cut to {length} bytes",
            (1..=blocks)
                .map(|block| format!("HMAC(master_secret, A({block}) ‖ seed)"))
                .collect::<Vec<_>>()
                .join(" ‖ ")
        ),
        format!(
            "{length} = 2 × {key_len}-byte keys + 2 × {iv_len}-byte IVs{}",
            if block.explicit_nonce_base.is_some() {
                " + 8 bytes rustls uses for explicit nonces"
            } else {
                ""
            }
        ),
    ];
    block_steps.push(format!("key block = {}", hex::encode(&block.bytes)));

    let mut values = vec![DerivedValue {
        name: "key block".to_owned(),
        value: block.bytes.clone(),
        formula: format!(
            "PRF(master_secret, \"{}\", server_random ‖ client_random)[0..{length}]",
            tls12::KEY_EXPANSION_LABEL
        ),
        steps: block_steps,
    }];
    let iv_meaning = if iv_len == 4 {
        "4-byte implicit salt: the first third of every AES-GCM nonce (RFC 5288)"
    } else {
        "12-byte IV that each record's sequence number is XORed into (RFC 7905)"
    };
    let mut offset = 0;
    let mut slice = |name: &str, value: &[u8], meaning: &str| {
        let end = offset + value.len();
        let derived = DerivedValue {
            name: name.to_owned(),
            value: value.to_vec(),
            formula: format!("key block[{offset}..{end}]"),
            steps: vec![meaning.to_owned()],
        };
        offset = end;
        derived
    };
    values.push(slice(
        "client_write_key",
        &block.client_write_key,
        "protects the client's records",
    ));
    values.push(slice(
        "server_write_key",
        &block.server_write_key,
        "protects the server's records",
    ));
    values.push(slice("client_write_iv", &block.client_write_iv, iv_meaning));
    values.push(slice("server_write_iv", &block.server_write_iv, iv_meaning));
    if let Some(base) = &block.explicit_nonce_base {
        values.push(slice(
            "explicit_nonce_base",
            base,
            "not in RFC 5246: rustls XORs the sequence number into these bytes to choose each record's 8-byte explicit nonce",
        ));
    }
    values
}
