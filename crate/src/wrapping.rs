//! The wrapping of one HTTP message: how `GET /dashboard` (or the response to it) becomes the
//! record that crosses the wire, stage by stage, with every value computed here and checked
//! against the bytes rustls actually sent.
//!
//! The stages, for TLS 1.3:
//!
//! 1. the HTTP bytes (as rustls delivered them to the receiving application);
//! 2. TLSInnerPlaintext = content ‖ real content type 0x17 ‖ zero padding;
//! 3. the sender's traffic key and IV for the record's epoch;
//! 4. the record sequence number (each direction counts its records since its keys changed);
//! 5. nonce = IV XOR the sequence number padded to 12 bytes;
//! 6. additional data = the record header (type 23, version 0303, length);
//! 7. the AEAD seal: ciphertext and tag;
//! 8. the record = header ‖ ciphertext ‖ tag, compared with the wire byte for byte.
//!
//! TLS 1.2 differs where the protocol does: the plaintext is the content itself (the type stays
//! in the header), the keys are slices of the key block, AES-GCM's nonce is the 4-byte implicit
//! salt ‖ an 8-byte explicit nonce that travels in the record (rustls makes it the key block's
//! extra 8 bytes XOR the sequence number), and the additional data is
//! `seq ‖ type ‖ version ‖ plaintext length`.
//!
//! The request is the client's record carrying `GET /dashboard` (as the learner edited it, if
//! they did; its first record of application data, in a chapter without one); the response is the server's first record of
//! application data after it. The record is found by replaying the connection's records through our own
//! [`SessionDecryptor`] (which also knows each record's epoch and sequence number); the bytes we
//! wrap are the ones rustls delivered, so the final comparison with the wire proves our whole
//! chain — keys, nonce, additional data, AEAD — reproduces rustls exactly.

use std::fmt;

use serde::Serialize;

use crate::analysis::Check;
use crate::engine::{Lab, RequestEdit, Side, Step};
use crate::keys::schedule::application_secret_label;
use crate::keys::{
    CipherSuite, Direction, Epoch, KeysError, OpenedRecord, RecordKeys, RecordOutcome, SealOptions,
    SealTrace, SecretLabel, SessionDecryptor, TlsVersion,
};
use crate::records::{self, RecordFrame};
use crate::view::hex;

/// The record content type application_data.
const APPLICATION_DATA: u8 = 23;
/// The legacy record version of every protected record.
const LEGACY_VERSION: [u8; 2] = [0x03, 0x03];
/// The AEAD nonce length.
const NONCE_LEN: usize = 12;

/// Which HTTP message to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Which {
    /// The client's `GET /dashboard` record (its first record of application data in a run
    /// without one).
    Request,
    /// The server's first record of application data after that request.
    Response,
}

impl Which {
    /// `request` or `response`, as the page names them.
    pub fn from_key(key: &str) -> Result<Self, WrappingError> {
        match key {
            "request" => Ok(Self::Request),
            "response" => Ok(Self::Response),
            other => Err(WrappingError::UnknownMessage(other.to_owned())),
        }
    }

    fn sender(self) -> Side {
        match self {
            Self::Request => Side::Client,
            Self::Response => Side::Server,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Request => "HTTP request",
            Self::Response => "HTTP response",
        }
    }
}

/// Why the wrapping could not be shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WrappingError {
    /// The page asked for something other than `request` or `response`.
    UnknownMessage(String),
    /// No connection of the run has such a record we could open (e.g. every handshake failed).
    NotFound(Which),
    /// Our key schedule or record protection failed on the record we found.
    Keys(KeysError),
}

impl fmt::Display for WrappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownMessage(key) => {
                write!(f, "no such message to follow: {key:?} (request or response)")
            }
            Self::NotFound(which) => write!(
                f,
                "this run has no {} record we could open: no connection got as far as application data",
                which.noun()
            ),
            Self::Keys(err) => write!(f, "could not reproduce the record: {err}"),
        }
    }
}

impl std::error::Error for WrappingError {}

impl From<KeysError> for WrappingError {
    fn from(err: KeysError) -> Self {
        Self::Keys(err)
    }
}

/// The whole wrapping of one record, for the page.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WrappingView {
    /// Request or response.
    pub which: Which,
    /// The message's first line, e.g. `GET /dashboard HTTP/1.1`.
    pub headline: String,
    /// The first line of the request this view follows (the headline itself for the request;
    /// for the response, the request it answers), when the connection carried one.
    pub request_line: Option<String>,
    /// "TLS 1.2" or "TLS 1.3".
    pub version: &'static str,
    /// The IANA suite name.
    pub suite: &'static str,
    /// The record AEAD, e.g. "AES-128-GCM".
    pub aead: &'static str,
    /// The connection the record belongs to (1-based).
    pub connection: usize,
    /// The step whose flight carried it (0-based).
    pub step: usize,
    /// Who sent it.
    pub from: Side,
    /// Its position among the flight's records (0-based).
    pub record_index: usize,
    /// Where it lies in the flight: first byte.
    pub record_start: usize,
    /// One past its last byte.
    pub record_end: usize,
    /// The epoch whose keys protect it, e.g. `application traffic secret 0`.
    pub epoch: String,
    /// Its record sequence number.
    pub seq: u64,
    /// The stages, in order, from the HTTP bytes to the record on the wire.
    pub stages: Vec<Stage>,
    /// What we verified; the last one is the byte-for-byte comparison with the wire.
    pub checks: Vec<Check>,
}

/// One stage of the pipeline.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    /// A stable identifier: `content`, `plaintext`, `keys`, `seq`, `nonce`, `aad`, `seal`,
    /// `record`.
    pub id: &'static str,
    /// The stage's heading.
    pub title: String,
    /// What happens here and why, one sentence a line.
    pub explanation: Vec<String>,
    /// The bytes of the stage, a row each.
    pub rows: Vec<ByteRow>,
}

/// A labelled row of bytes, made of parts whose concatenation is `hex`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ByteRow {
    /// What the row is, e.g. `IV` or `nonce`.
    pub label: String,
    /// How the row combines with the rows before it.
    pub operator: Option<Operator>,
    /// The row's bytes.
    pub hex: String,
    /// The row's bytes, part by part.
    pub parts: Vec<Part>,
}

/// How a row relates to the rows above it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Operator {
    /// Byte-wise XOR with the row above.
    Xor,
    /// The result of the rows above.
    Equals,
}

/// A named run of bytes within a row.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    /// What the bytes are.
    pub label: String,
    /// The kind of bytes, for consistent marking across stages.
    pub kind: PartKind,
    /// The bytes.
    pub hex: String,
    /// The bytes as text, when they are the HTTP message.
    pub text: Option<String>,
}

/// The kinds of bytes the stages show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PartKind {
    /// The HTTP message.
    Content,
    /// The real content type byte (TLS 1.3 TLSInnerPlaintext).
    ContentType,
    /// Zero padding (TLS 1.3).
    Padding,
    /// A secret from the key schedule.
    Secret,
    /// An AEAD key.
    Key,
    /// An IV, or the TLS 1.2 implicit salt.
    Iv,
    /// The sequence number.
    Seq,
    /// The AEAD nonce.
    Nonce,
    /// The TLS 1.2 AES-GCM explicit nonce (and the key-block bytes it is made from).
    ExplicitNonce,
    /// Part of a record header (or of the TLS 1.2 additional data that repeats it).
    Header,
    /// The encrypted bytes.
    Ciphertext,
    /// The authentication tag.
    Tag,
}

/// The wrapping of the message `which`, in the connection the lab's cursor is on if it has one,
/// else in the first connection that does.
pub fn wrapping(lab: &Lab, which: Which) -> Result<WrappingView, WrappingError> {
    let steps = &lab.run().steps;
    let preferred = steps.get(lab.cursor()).map(|step| step.connection);
    let mut connections: Vec<usize> = Vec::new();
    for step in steps.iter().filter(|s| carries_records(s)) {
        if !connections.contains(&step.connection) {
            connections.push(step.connection);
        }
    }
    if let Some(preferred) = preferred {
        connections.retain(|&c| c != preferred);
        connections.insert(0, preferred);
    }
    for connection in connections {
        if let Some(view) = wrapping_in(lab, which, connection)? {
            return Ok(view);
        }
    }
    Err(WrappingError::NotFound(which))
}

/// The wrapping of the message `which` in connection `connection` (1-based), if that connection
/// has such a record.
pub fn wrapping_in(
    lab: &Lab,
    which: Which,
    connection: usize,
) -> Result<Option<WrappingView>, WrappingError> {
    let Some(found) = find(lab, which, connection)? else {
        return Ok(None);
    };
    let wire = found.wire_record.clone();
    build(lab, which, found, &wire).map(Some)
}

/// A protected record the sender sent before the one we wrap, in the same epoch.
#[derive(Clone, Copy)]
struct Earlier {
    step: usize,
    record_index: usize,
    seq: u64,
}

/// The record we wrap, with everything the replay learned about it.
struct Found<'a> {
    step_index: usize,
    step: &'a Step,
    record_index: usize,
    frame: RecordFrame,
    wire_record: Vec<u8>,
    opened: OpenedRecord,
    keys: RecordKeys,
    decryptor: SessionDecryptor,
    /// Where this record's content starts in what rustls delivered on this step.
    delivered_offset: usize,
    earlier: Vec<Earlier>,
    /// The first line of the request record the choice was made from.
    request_line: Option<String>,
}

/// Replays `connection`'s records through our decryptor and picks the record to wrap: the
/// client's `GET /dashboard` (or, in a run without one, its first record of application data),
/// or the server's first record of application data after it.
fn find(lab: &Lab, which: Which, connection: usize) -> Result<Option<Found<'_>>, WrappingError> {
    let run = lab.run();
    let steps: Vec<(usize, &Step)> = run
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.connection == connection)
        .collect();
    let Some(mut decryptor) = crate::analysis::connection_decryptor(
        &steps.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
        &run.key_log,
    ) else {
        return Ok(None);
    };
    // Every protected record so far, by direction and epoch, for the sequence-number stage.
    let mut protected: Vec<(Direction, Epoch, Earlier)> = Vec::new();
    let mut candidates: Vec<Found<'_>> = Vec::new();
    for &(step_index, step) in steps.iter().filter(|(_, s)| carries_records(s)) {
        let dir = crate::analysis::direction(step.from);
        let mut delivered_offset = 0;
        for (record_index, frame) in records::frames(&step.bytes).into_iter().enumerate() {
            if frame.truncated {
                continue;
            }
            let record = step.bytes.get(frame.start..frame.end).unwrap_or_default();
            // A record we cannot open is shown as such in the flight view; here we move on.
            let Ok(RecordOutcome::Opened(opened)) = decryptor.process_record(dir, record) else {
                continue;
            };
            if opened.trace.content_type == APPLICATION_DATA {
                let earlier = protected
                    .iter()
                    .filter(|(d, epoch, _)| *d == dir && *epoch == opened.epoch)
                    .map(|(_, _, earlier)| *earlier)
                    .collect();
                let keys = decryptor.keys(dir, opened.epoch)?;
                let content_len = opened.trace.content.len();
                candidates.push(Found {
                    step_index,
                    step,
                    record_index,
                    wire_record: record.to_vec(),
                    frame,
                    opened: (*opened).clone(),
                    keys,
                    decryptor: decryptor.clone(),
                    delivered_offset,
                    earlier,
                    request_line: None,
                });
                delivered_offset += content_len;
            }
            protected.push((
                dir,
                opened.epoch,
                Earlier {
                    step: step_index,
                    record_index,
                    seq: opened.trace.seq,
                },
            ));
        }
    }
    let from = |direction: Direction, skip: usize| {
        candidates
            .iter()
            .enumerate()
            .skip(skip)
            .find(|(_, f)| f.opened.direction == direction)
            .map(|(i, _)| i)
    };
    // GET /dashboard as the client sent it (the learner's edit of it, if any); runs without it
    // show their first request instead.
    let dashboard = RequestEdit::dashboard_line(lab.request_edit());
    let request = candidates
        .iter()
        .position(|f| {
            f.opened.direction == Direction::ClientToServer
                && first_line(&f.opened.trace.content) == dashboard
        })
        .or_else(|| from(Direction::ClientToServer, 0));
    let chosen = match which {
        Which::Request => request,
        Which::Response => from(Direction::ServerToClient, request.map_or(0, |i| i + 1)),
    };
    let request_line = request
        .and_then(|i| candidates.get(i))
        .map(|found| first_line(&found.opened.trace.content));
    Ok(chosen.map(|index| Found {
        request_line,
        ..candidates.swap_remove(index)
    }))
}

/// The first line of an HTTP message, as text.
fn first_line(content: &[u8]) -> String {
    String::from_utf8_lossy(content)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Whether a step carries the genuine connection's TLS records: not a lab event, not plain
/// HTTP, not an attacker's replay (which belongs to no connection whose keys we hold).
fn carries_records(step: &Step) -> bool {
    step.from != Side::Lab && !step.plain && !step.replay
}

/// Everything computed for the pipeline, before it is laid out as stages.
struct Computed {
    content: Vec<u8>,
    inner_plaintext: Vec<u8>,
    nonce: [u8; NONCE_LEN],
    explicit_nonce: Option<Vec<u8>>,
    header: [u8; 5],
    aad: Vec<u8>,
    record: Vec<u8>,
    seal: SealTrace,
}

/// Computes every stage for `found` and compares the result with `wire` (the record as it
/// crossed the wire; a parameter so the tests can show a difference is caught).
fn build(
    lab: &Lab,
    which: Which,
    mut found: Found<'_>,
    wire: &[u8],
) -> Result<WrappingView, WrappingError> {
    let suite = found.keys.suite();
    let version = suite.version();
    let trace = &found.opened.trace;
    let seq = trace.seq;
    let receiver = which.sender().peer().label().to_ascii_lowercase();

    // Stage 1: the bytes rustls delivered to the receiving application (our own decryption if
    // rustls delivered nothing, e.g. because the flight was rejected).
    let delivered = found
        .step
        .delivered
        .get(found.delivered_offset..found.delivered_offset + trace.content.len());
    let (content, content_source) = match delivered {
        Some(bytes) => (
            bytes.to_vec(),
            format!("These are the bytes rustls delivered to the {receiver}'s application: we wrap them ourselves and compare with what crossed the wire."),
        ),
        None => (
            trace.content.clone(),
            format!("rustls delivered nothing to the {receiver} on this step, so these bytes come from our own decryption of the record."),
        ),
    };

    let padding_len = trace.padding_len;
    let computed = compute(&found.keys, seq, &content, padding_len)?;
    let resealed = found.decryptor.reseal(&found.opened)?;

    let mut checks = Vec::new();
    checks.push(Check {
        what: format!(
            "decrypting the record on the wire with our keys gives these same {} bytes",
            content.len()
        ),
        ok: trace.content == content,
    });
    checks.push(Check {
        what: format!(
            "our nonce {} is the one that opened the record on the wire",
            hex(&computed.nonce)
        ),
        ok: computed.nonce.as_slice() == trace.nonce.as_slice()
            && computed.seal.nonce == trace.nonce,
    });
    if let Some(explicit) = &computed.explicit_nonce {
        checks.push(Check {
            what: format!(
                "our explicit nonce {} (key block bytes XOR sequence number {seq}) is the one rustls sent",
                hex(explicit)
            ),
            ok: wire.get(5..5 + explicit.len()) == Some(explicit.as_slice()),
        });
    }
    checks.push(Check {
        what: match version {
            TlsVersion::Tls13 => format!(
                "our additional data {} is the record header on the wire",
                hex(&computed.aad)
            ),
            TlsVersion::Tls12 => format!(
                "our additional data {} is the one that opened the record on the wire",
                hex(&computed.aad)
            ),
        },
        ok: computed.aad == trace.aad
            && computed.seal.aad == computed.aad
            && wire.get(..5) == Some(computed.header.as_slice()),
    });
    checks.push(Check {
        what: format!(
            "the record we sealed is the {} bytes that crossed the wire, byte for byte",
            wire.len()
        ),
        ok: computed.record == wire
            && computed.seal.record == computed.record
            && resealed.record == computed.record,
    });

    let headline = first_line(&content);
    let sender = which.sender().label().to_ascii_lowercase();
    let stages = vec![
        content_stage(which, &content, content_source),
        plaintext_stage(version, &computed, padding_len),
        keys_stage(&found, &sender)?,
        seq_stage(lab, &found, &sender),
        nonce_stage(&found.keys, seq, &computed),
        aad_stage(suite, seq, &computed),
        seal_stage(suite, &found.keys, &computed),
        record_stage(&found, &computed, wire),
    ];

    Ok(WrappingView {
        which,
        headline,
        request_line: found.request_line.clone(),
        version: version.name(),
        suite: suite.name(),
        aead: suite.aead().name(),
        connection: found.step.connection,
        step: found.step_index,
        from: found.step.from,
        record_index: found.record_index,
        record_start: found.frame.start,
        record_end: found.frame.end,
        epoch: found.opened.epoch.name(),
        seq,
        stages,
        checks,
    })
}

/// Each value of the pipeline, computed here from the keys, independently of the sealing code,
/// then sealed with [`RecordKeys::seal`].
fn compute(
    keys: &RecordKeys,
    seq: u64,
    content: &[u8],
    padding_len: usize,
) -> Result<Computed, WrappingError> {
    let suite = keys.suite();
    let tag_len = suite.aead().tag_len();
    let seq_bytes = seq.to_be_bytes();

    let (inner_plaintext, nonce, explicit_nonce, header, aad) = match suite.version() {
        TlsVersion::Tls13 => {
            let mut inner = content.to_vec();
            inner.push(APPLICATION_DATA);
            inner.resize(content.len() + 1 + padding_len, 0);
            let header = header(inner.len() + tag_len)?;
            let nonce = xor_seq(keys.iv(), seq);
            (inner, nonce, None, header, header.to_vec())
        }
        TlsVersion::Tls12 => {
            let (nonce, explicit) = match keys.explicit_nonce_base() {
                Some(base) if suite.explicit_nonce_len() > 0 => {
                    let explicit: Vec<u8> =
                        base.iter().zip(seq_bytes).map(|(b, s)| b ^ s).collect();
                    let mut nonce = [0u8; NONCE_LEN];
                    for (slot, byte) in nonce.iter_mut().zip(keys.iv().iter().chain(&explicit)) {
                        *slot = *byte;
                    }
                    (nonce, Some(explicit))
                }
                _ => (xor_seq(keys.iv(), seq), None),
            };
            let explicit_len = explicit.as_ref().map_or(0, Vec::len);
            let header = header(explicit_len + content.len() + tag_len)?;
            let mut aad = seq_bytes.to_vec();
            aad.push(APPLICATION_DATA);
            aad.extend_from_slice(&LEGACY_VERSION);
            aad.extend_from_slice(&length_bytes(content.len())?);
            (content.to_vec(), nonce, explicit, header, aad)
        }
    };

    let options = SealOptions {
        padding_len: if suite.version() == TlsVersion::Tls13 {
            padding_len
        } else {
            0
        },
        explicit_nonce: None,
    };
    let seal = keys.seal(seq, APPLICATION_DATA, content, &options)?;

    let mut record = header.to_vec();
    if let Some(explicit) = &explicit_nonce {
        record.extend_from_slice(explicit);
    }
    record.extend_from_slice(&seal.ciphertext);
    record.extend_from_slice(&seal.tag);

    Ok(Computed {
        content: content.to_vec(),
        inner_plaintext,
        nonce,
        explicit_nonce,
        header,
        aad,
        record,
        seal,
    })
}

/// `iv` XOR the sequence number as a 64-bit big-endian number left-padded to the IV's length.
fn xor_seq(iv: &[u8], seq: u64) -> [u8; NONCE_LEN] {
    let padded = seq_padded(seq);
    let mut nonce = [0u8; NONCE_LEN];
    for ((slot, iv_byte), seq_byte) in nonce.iter_mut().zip(iv).zip(padded) {
        *slot = iv_byte ^ seq_byte;
    }
    nonce
}

/// The sequence number as 12 bytes: four zeros, then its 8 big-endian bytes.
fn seq_padded(seq: u64) -> [u8; NONCE_LEN] {
    let mut padded = [0u8; NONCE_LEN];
    padded[NONCE_LEN - 8..].copy_from_slice(&seq.to_be_bytes());
    padded
}

fn length_bytes(len: usize) -> Result<[u8; 2], WrappingError> {
    u16::try_from(len)
        .map(u16::to_be_bytes)
        .map_err(|_| WrappingError::Keys(KeysError::PlaintextTooLong(len)))
}

/// A protected record's header: application_data, 0303, `fragment_len`.
fn header(fragment_len: usize) -> Result<[u8; 5], WrappingError> {
    let [high, low] = length_bytes(fragment_len)?;
    Ok([
        APPLICATION_DATA,
        LEGACY_VERSION[0],
        LEGACY_VERSION[1],
        high,
        low,
    ])
}

fn part(label: impl Into<String>, kind: PartKind, bytes: &[u8]) -> Part {
    Part {
        label: label.into(),
        kind,
        hex: hex(bytes),
        text: None,
    }
}

fn row(label: impl Into<String>, operator: Option<Operator>, parts: Vec<Part>) -> ByteRow {
    ByteRow {
        label: label.into(),
        operator,
        hex: parts.iter().map(|p| p.hex.as_str()).collect(),
        parts,
    }
}

fn bytes_word(n: usize) -> String {
    if n == 1 {
        "1 byte".to_owned()
    } else {
        format!("{n} bytes")
    }
}

fn content_stage(which: Which, content: &[u8], source: String) -> Stage {
    let mut content_part = part(
        format!("{} ({})", which.noun(), bytes_word(content.len())),
        PartKind::Content,
        content,
    );
    content_part.text = Some(String::from_utf8_lossy(content).into_owned());
    let what = match which {
        Which::Request => "What the client's HTTP layer hands to TLS: the request as plain text, nothing secret about its format.",
        Which::Response => "What the server's HTTP layer hands to TLS: the status line, headers and the page.",
    };
    Stage {
        id: "content",
        title: format!("The {}", which.noun()),
        explanation: vec![what.to_owned(), source],
        rows: vec![row("content", None, vec![content_part])],
    }
}

fn plaintext_stage(version: TlsVersion, computed: &Computed, padding_len: usize) -> Stage {
    let content_len = computed.content.len();
    match version {
        TlsVersion::Tls13 => {
            let padding = computed
                .inner_plaintext
                .get(content_len + 1..)
                .unwrap_or_default();
            Stage {
                id: "plaintext",
                title: "TLSInnerPlaintext = content ‖ content type ‖ padding".to_owned(),
                explanation: vec![
                    "TLS 1.3 appends the real content type (23, application_data) to the content, then optional zero bytes of padding. Both get encrypted, so an eavesdropper cannot tell application data from handshake messages or alerts.".to_owned(),
                    if padding_len == 0 {
                        "Padding would hide the true length; the sender added none here, so the record's length gives away the message's.".to_owned()
                    } else {
                        format!(
                            "Padding hides the true length: the sender added {} here (we read how many from the record we opened).",
                            bytes_word(padding_len)
                        )
                    },
                ],
                rows: vec![row(
                    "TLSInnerPlaintext",
                    None,
                    vec![
                        part(format!("content ({})", bytes_word(content_len)), PartKind::Content, &computed.content),
                        part("content type 23 (application_data)", PartKind::ContentType, &[APPLICATION_DATA]),
                        part(format!("padding ({})", bytes_word(padding.len())), PartKind::Padding, padding),
                    ],
                )],
            }
        }
        TlsVersion::Tls12 => Stage {
            id: "plaintext",
            title: "The plaintext: the content itself".to_owned(),
            explanation: vec![
                "TLS 1.2 encrypts the content as it is: the content type (23, application_data) stays in the record header, readable by anyone on the path.".to_owned(),
                "There is no padding in TLS 1.2 AEAD records: the ciphertext is exactly as long as the content.".to_owned(),
            ],
            rows: vec![row(
                "plaintext",
                None,
                vec![part(format!("content ({})", bytes_word(content_len)), PartKind::Content, &computed.content)],
            )],
        },
    }
}

fn keys_stage(found: &Found<'_>, sender: &str) -> Result<Stage, WrappingError> {
    let keys = &found.keys;
    let suite = keys.suite();
    let direction = found.opened.direction;
    let key_len = suite.aead().key_len();
    let iv_len = suite.iv_len();
    let stage = match found.opened.epoch {
        Epoch::Tls12 | Epoch::Plaintext => {
            let client = direction == Direction::ClientToServer;
            let (key_at, iv_at) = if client {
                (0, 2 * key_len)
            } else {
                (key_len, 2 * key_len + iv_len)
            };
            let mut explanation = vec![
                "key block = PRF(master_secret, \"key expansion\", server_random ‖ client_random), cut into slices in a fixed order: client_write_key, server_write_key, client_write_IV, server_write_IV (the key-schedule panel shows it whole).".to_owned(),
                format!(
                    "{sender}_write_key = key block[{key_at}..{}]; {sender}_write_IV = key block[{iv_at}..{}].",
                    key_at + key_len,
                    iv_at + iv_len
                ),
            ];
            let mut rows = vec![
                row(
                    format!("{sender}_write_key"),
                    None,
                    vec![part(
                        format!("{sender}_write_key"),
                        PartKind::Key,
                        keys.key(),
                    )],
                ),
                row(
                    format!("{sender}_write_IV"),
                    None,
                    vec![part(
                        if iv_len == 4 {
                            "implicit salt".to_owned()
                        } else {
                            format!("{sender}_write_IV")
                        },
                        PartKind::Iv,
                        keys.iv(),
                    )],
                ),
            ];
            if let Some(base) = keys.explicit_nonce_base() {
                let at = 2 * key_len + 2 * iv_len;
                explanation.push(format!(
                    "AES-GCM: the IV is only a 4-byte salt. rustls draws 8 more bytes, key block[{at}..{}], and XORs each record's sequence number into them to choose the 8-byte explicit nonce.",
                    at + base.len()
                ));
                rows.push(row(
                    "explicit-nonce base",
                    None,
                    vec![part("key block extra bytes", PartKind::ExplicitNonce, base)],
                ));
            }
            Stage {
                id: "keys",
                title: format!("The {sender}'s write key and IV"),
                explanation,
                rows,
            }
        }
        epoch => {
            let (label, secret) = match epoch {
                Epoch::Application { generation } => (
                    application_secret_label(direction, generation),
                    found.decryptor.application_secret(direction, generation)?,
                ),
                Epoch::Early => (
                    SecretLabel::ClientEarlyTraffic.nss_label().to_owned(),
                    found
                        .decryptor
                        .secrets()
                        .require(SecretLabel::ClientEarlyTraffic)?
                        .to_vec(),
                ),
                _ => {
                    let label = match direction {
                        Direction::ClientToServer => SecretLabel::ClientHandshakeTraffic,
                        Direction::ServerToClient => SecretLabel::ServerHandshakeTraffic,
                    };
                    (
                        label.nss_label().to_owned(),
                        found.decryptor.secrets().require(label)?.to_vec(),
                    )
                }
            };
            Stage {
                id: "keys",
                title: format!("The {sender}'s traffic key and IV"),
                explanation: vec![
                    format!(
                        "The record is protected under the {sender}'s {}: {label} from the key log.",
                        epoch.name()
                    ),
                    format!("key = HKDF-Expand-Label({label}, \"key\", \"\", {key_len})"),
                    format!("iv = HKDF-Expand-Label({label}, \"iv\", \"\", {iv_len})"),
                ],
                rows: vec![
                    row(
                        label.clone(),
                        None,
                        vec![part(label.clone(), PartKind::Secret, &secret)],
                    ),
                    row(
                        "key",
                        None,
                        vec![part("key", PartKind::Key, keys.key())],
                    ),
                    row(
                        "iv",
                        None,
                        vec![part("iv", PartKind::Iv, keys.iv())],
                    ),
                ],
            }
        }
    };
    Ok(stage)
}

fn seq_stage(lab: &Lab, found: &Found<'_>, sender: &str) -> Stage {
    let seq = found.opened.trace.seq;
    let epoch = found.opened.epoch.name();
    let mut explanation = vec![
        "Each direction numbers its protected records from 0, restarting whenever its keys change. The number is never sent: both sides count, so a record that is dropped, replayed or reordered fails to decrypt.".to_owned(),
    ];
    if found.earlier.is_empty() {
        explanation.push(format!(
            "This is the {sender}'s first record under its {epoch} keys, so its sequence number is 0."
        ));
    } else {
        for earlier in &found.earlier {
            let carries = lab
                .analysis()
                .get(earlier.step)
                .and_then(|a| a.records.get(earlier.record_index))
                .map(|r| r.messages().join(" + "))
                .unwrap_or_default();
            explanation.push(format!(
                "Step {}, record {}: the {sender}'s {{{carries}}} under the same keys was number {}.",
                earlier.step + 1,
                earlier.record_index + 1,
                earlier.seq
            ));
        }
        explanation.push(format!("So this record is number {seq}."));
    }
    Stage {
        id: "seq",
        title: format!("Record sequence number {seq}"),
        explanation,
        rows: vec![row(
            "sequence number, 64 bits",
            None,
            vec![part(
                format!("seq {seq}"),
                PartKind::Seq,
                &seq.to_be_bytes(),
            )],
        )],
    }
}

fn nonce_stage(keys: &RecordKeys, seq: u64, computed: &Computed) -> Stage {
    match &computed.explicit_nonce {
        None => Stage {
            id: "nonce",
            title: "Nonce = IV XOR sequence number".to_owned(),
            explanation: vec![
                "The AEAD needs a fresh 12-byte nonce for every record under the same key. TLS makes it from the IV and the sequence number, left-padded with zeros to 12 bytes, XORed byte by byte.".to_owned(),
                "Only the last bytes change from record to record; nothing about the nonce travels on the wire.".to_owned(),
            ],
            rows: vec![
                row("IV", None, vec![part("iv", PartKind::Iv, keys.iv())]),
                row(
                    format!("sequence number {seq}, padded to 12 bytes"),
                    Some(Operator::Xor),
                    vec![part(format!("seq {seq}"), PartKind::Seq, &seq_padded(seq))],
                ),
                row("nonce", Some(Operator::Equals), vec![part("nonce", PartKind::Nonce, &computed.nonce)]),
            ],
        },
        Some(explicit) => {
            let base = keys.explicit_nonce_base().unwrap_or_default();
            Stage {
                id: "nonce",
                title: "Nonce = implicit salt ‖ explicit nonce".to_owned(),
                explanation: vec![
                    "TLS 1.2 AES-GCM (RFC 5288) builds the 12-byte nonce from the 4-byte salt of the key block and 8 bytes the sender chooses for each record, the explicit nonce, which travels in the clear right after the record header.".to_owned(),
                    format!("RFC 5288 only asks that it never repeat; rustls makes it the key block's 8 extra bytes XOR the sequence number {seq}."),
                ],
                rows: vec![
                    row("explicit-nonce base", None, vec![part("key block extra bytes", PartKind::ExplicitNonce, base)]),
                    row(
                        format!("sequence number {seq} (8 bytes)"),
                        Some(Operator::Xor),
                        vec![part(format!("seq {seq}"), PartKind::Seq, &seq.to_be_bytes())],
                    ),
                    row("explicit nonce", Some(Operator::Equals), vec![part("explicit nonce", PartKind::ExplicitNonce, explicit)]),
                    row(
                        "nonce = salt ‖ explicit nonce",
                        None,
                        vec![
                            part("implicit salt", PartKind::Iv, keys.iv()),
                            part("explicit nonce", PartKind::ExplicitNonce, explicit),
                        ],
                    ),
                ],
            }
        }
    }
}

fn aad_stage(suite: CipherSuite, seq: u64, computed: &Computed) -> Stage {
    let header = &computed.header;
    match suite.version() {
        TlsVersion::Tls13 => {
            let fragment_len = computed.inner_plaintext.len() + suite.aead().tag_len();
            Stage {
                id: "aad",
                title: "Additional data = the record header".to_owned(),
                explanation: vec![
                    "The AEAD also authenticates bytes it does not encrypt. In TLS 1.3 these are the 5-byte record header, so changing its type, version or length breaks the tag.".to_owned(),
                    format!(
                        "The outer type is always 23 (application_data) and the version 0303; the length, {fragment_len}, is the TLSInnerPlaintext ({}) plus the {}-byte tag, known before encrypting.",
                        computed.inner_plaintext.len(),
                        suite.aead().tag_len()
                    ),
                ],
                rows: vec![row(
                    "additional data",
                    None,
                    vec![
                        part("type 23", PartKind::Header, &header[..1]),
                        part("version 0303", PartKind::Header, &header[1..3]),
                        part(format!("length {fragment_len}"), PartKind::Header, &header[3..5]),
                    ],
                )],
            }
        }
        TlsVersion::Tls12 => {
            let aad = &computed.aad;
            Stage {
                id: "aad",
                title: "Additional data = seq ‖ type ‖ version ‖ length".to_owned(),
                explanation: vec![
                    "TLS 1.2 (RFC 5246 §6.2.3.3) authenticates the sequence number with the header's type and version and the plaintext's length: a record moved, replayed or relabelled fails its tag.".to_owned(),
                    format!(
                        "The length is the plaintext's ({}), not the record's.",
                        computed.content.len()
                    ),
                ],
                rows: vec![row(
                    "additional data",
                    None,
                    vec![
                        part(format!("sequence number {seq}"), PartKind::Seq, aad.get(..8).unwrap_or_default()),
                        part("type 23", PartKind::Header, aad.get(8..9).unwrap_or_default()),
                        part("version 0303", PartKind::Header, aad.get(9..11).unwrap_or_default()),
                        part(format!("length {}", computed.content.len()), PartKind::Header, aad.get(11..).unwrap_or_default()),
                    ],
                )],
            }
        }
    }
}

fn seal_stage(suite: CipherSuite, keys: &RecordKeys, computed: &Computed) -> Stage {
    let seal = &computed.seal;
    let aead = suite.aead().name();
    let input = match suite.version() {
        TlsVersion::Tls13 => "TLSInnerPlaintext",
        TlsVersion::Tls12 => "plaintext",
    };
    Stage {
        id: "seal",
        title: format!("{aead} seal"),
        explanation: vec![
            format!("{aead}(key, nonce, additional data, {input}) gives a ciphertext as long as the {input} ({}) and a {}-byte tag.", bytes_word(computed.inner_plaintext.len()), seal.tag.len()),
            "The tag covers the ciphertext and the additional data: a single flipped bit anywhere makes the receiver reject the record.".to_owned(),
        ],
        rows: vec![
            row("key", None, vec![part("key", PartKind::Key, keys.key())]),
            row("nonce", None, vec![part("nonce", PartKind::Nonce, &computed.nonce)]),
            row("additional data", None, vec![part("additional data", PartKind::Header, &computed.aad)]),
            row(
                "ciphertext",
                Some(Operator::Equals),
                vec![part("ciphertext", PartKind::Ciphertext, &seal.ciphertext)],
            ),
            row(
                "tag",
                None,
                vec![part("tag", PartKind::Tag, &seal.tag)],
            ),
        ],
    }
}

fn record_stage(found: &Found<'_>, computed: &Computed, wire: &[u8]) -> Stage {
    let seal = &computed.seal;
    let mut parts = vec![part("header", PartKind::Header, &computed.header)];
    if let Some(explicit) = &computed.explicit_nonce {
        parts.push(part("explicit nonce", PartKind::ExplicitNonce, explicit));
    }
    parts.push(part(
        format!("ciphertext ({})", bytes_word(seal.ciphertext.len())),
        PartKind::Ciphertext,
        &seal.ciphertext,
    ));
    parts.push(part("tag", PartKind::Tag, &seal.tag));
    let layout = if computed.explicit_nonce.is_some() {
        "header ‖ explicit nonce ‖ ciphertext ‖ tag"
    } else {
        "header ‖ ciphertext ‖ tag"
    };
    Stage {
        id: "record",
        title: format!("The record: {layout}"),
        explanation: vec![
            format!(
                "What we built, {}, against what crossed the wire in step {} (record {}, bytes {}–{} of the flight).",
                bytes_word(computed.record.len()),
                found.step_index + 1,
                found.record_index + 1,
                found.frame.start,
                found.frame.end.saturating_sub(1)
            ),
            "An eavesdropper sees only this: the header, and bytes indistinguishable from random.".to_owned(),
        ],
        rows: vec![
            row("sealed by us", None, parts),
            row(
                "on the wire",
                None,
                vec![part("the wire", PartKind::Ciphertext, wire)],
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{Options, TlsVersion as OptionVersion};

    fn lab(version: OptionVersion, suite: &str) -> Lab {
        let options = Options {
            client_suites: vec![suite.to_owned()],
            ..Options::for_version(version)
        };
        Lab::new(options).expect("the lab runs")
    }

    fn stage<'a>(view: &'a WrappingView, id: &str) -> &'a Stage {
        view.stages
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("no stage {id}"))
    }

    fn bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect()
    }

    fn wire_record(lab: &Lab, view: &WrappingView) -> Vec<u8> {
        lab.run().steps[view.step].bytes[view.record_start..view.record_end].to_vec()
    }

    /// Checks that each stage's bytes follow from the ones before, by recomputing the chain
    /// here, and that the result is the record on the wire.
    fn assert_chain(lab: &Lab, view: &WrappingView, which: Which) {
        assert!(
            view.checks.iter().all(|c| c.ok),
            "{which:?} {}: {:?}",
            view.suite,
            view.checks
        );
        assert_eq!(view.from, which.sender());
        let content = bytes(&stage(view, "content").rows[0].hex);
        let expected_start: &[u8] = match which {
            Which::Request => b"GET /dashboard HTTP/1.1\r\n",
            Which::Response => b"HTTP/1.1 200 OK\r\n",
        };
        assert!(content.starts_with(expected_start), "{view:?}");

        // The plaintext is the content, then (TLS 1.3) type 23 and zero padding.
        let plaintext = bytes(&stage(view, "plaintext").rows[0].hex);
        assert_eq!(&plaintext[..content.len()], content.as_slice());
        if view.version == "TLS 1.3" {
            assert_eq!(plaintext[content.len()], 23);
            assert!(plaintext[content.len() + 1..].iter().all(|&b| b == 0));
        } else {
            assert_eq!(plaintext, content);
        }

        // The nonce: IV XOR seq, or salt ‖ (base XOR seq).
        let keys = stage(view, "keys");
        let nonce_rows = &stage(view, "nonce").rows;
        let nonce = bytes(&stage(view, "seal").rows[1].hex);
        let seq = view.seq.to_be_bytes();
        if nonce_rows.len() == 3 {
            let iv = bytes(&nonce_rows[0].hex);
            assert_eq!(bytes(&keys.rows.last().expect("iv row").hex), iv);
            let mut expected = iv.clone();
            for (byte, s) in expected[4..].iter_mut().zip(seq) {
                *byte ^= s;
            }
            assert_eq!(nonce, expected);
            assert_eq!(bytes(&nonce_rows[2].hex), expected);
        } else {
            let base = bytes(&nonce_rows[0].hex);
            let explicit: Vec<u8> = base.iter().zip(seq).map(|(b, s)| b ^ s).collect();
            assert_eq!(bytes(&nonce_rows[2].hex), explicit);
            let salt = bytes(&keys.rows[1].hex);
            assert_eq!(nonce, [salt, explicit].concat());
        }

        // The additional data, the seal and the record.
        let wire = wire_record(lab, view);
        let aad = bytes(&stage(view, "aad").rows[0].hex);
        if view.version == "TLS 1.3" {
            assert_eq!(aad, wire[..5]);
        } else {
            let mut expected = seq.to_vec();
            expected.extend_from_slice(&[23, 3, 3]);
            expected.extend_from_slice(&u16::try_from(content.len()).expect("len").to_be_bytes());
            assert_eq!(aad, expected);
        }
        let record_rows = &stage(view, "record").rows;
        let sealed = bytes(&record_rows[0].hex);
        assert_eq!(sealed, wire, "the sealed record is the wire record");
        assert_eq!(bytes(&record_rows[1].hex), wire);
        let seal = &stage(view, "seal").rows;
        let ciphertext = bytes(&seal[3].hex);
        let tag = bytes(&seal[4].hex);
        assert_eq!(ciphertext.len(), plaintext.len());
        assert!(sealed.ends_with(&[ciphertext, tag].concat()));
    }

    fn assert_both(version: OptionVersion, suite: &str) {
        let lab = lab(version, suite);
        for which in [Which::Request, Which::Response] {
            let view = wrapping(&lab, which).expect("a wrapping");
            assert_eq!(view.connection, 1);
            assert_chain(&lab, &view, which);
            // Both views follow the chapter's GET /dashboard.
            let request = view.request_line.as_deref().unwrap_or_default();
            assert!(request.starts_with("GET /dashboard "), "{request}");
        }
    }

    #[test]
    fn an_edited_request_is_the_one_wrapped() {
        let mut lab = lab(OptionVersion::Tls13, "TLS13_AES_128_GCM_SHA256");
        let edit = RequestEdit::parse("/elsewhere?x=<1>", "X-Lab: wrapped").expect("an edit");
        lab.set_request(Some(edit)).expect("the chapter runs again");
        let request = wrapping(&lab, Which::Request).expect("request");
        // The path travels percent-encoded in the request line.
        assert_eq!(request.headline, "GET /elsewhere?x=%3C1%3E HTTP/1.1");
        assert!(
            request.checks.iter().all(|check| check.ok),
            "{:?}",
            request.checks
        );
        let response = wrapping(&lab, Which::Response).expect("response");
        assert_eq!(response.request_line.as_ref(), Some(&request.headline));
        assert!(response.step > request.step);
    }

    #[test]
    fn without_get_dashboard_both_views_name_the_request_they_follow() {
        let lab = Lab::with_chapter(Options::for_version(OptionVersion::Tls13), "stream")
            .expect("the lab runs");
        let request = wrapping(&lab, Which::Request).expect("request");
        let response = wrapping(&lab, Which::Response).expect("response");
        assert!(
            request.headline.starts_with("GET /video "),
            "{}",
            request.headline
        );
        assert_eq!(request.request_line.as_ref(), Some(&request.headline));
        assert_eq!(response.request_line, request.request_line);
        assert!(
            response.headline.starts_with("HTTP/1.1 "),
            "{}",
            response.headline
        );
    }

    #[test]
    fn tls13_aes_128_gcm() {
        assert_both(OptionVersion::Tls13, "TLS13_AES_128_GCM_SHA256");
    }

    #[test]
    fn tls13_aes_256_gcm() {
        assert_both(OptionVersion::Tls13, "TLS13_AES_256_GCM_SHA384");
    }

    #[test]
    fn tls13_chacha20_poly1305() {
        assert_both(OptionVersion::Tls13, "TLS13_CHACHA20_POLY1305_SHA256");
    }

    #[test]
    fn tls12_aes_gcm() {
        assert_both(
            OptionVersion::Tls12,
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        );
        assert_both(
            OptionVersion::Tls12,
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        );
    }

    #[test]
    fn tls12_chacha20_poly1305() {
        assert_both(
            OptionVersion::Tls12,
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        );
    }

    #[test]
    fn sequence_numbers_count_earlier_records() {
        // TLS 1.3: the login came first under the client's application keys; the server's
        // NewSessionTicket record and its answer to the login came first under its keys.
        let lab = lab(OptionVersion::Tls13, "TLS13_AES_128_GCM_SHA256");
        let request = wrapping(&lab, Which::Request).expect("request");
        let response = wrapping(&lab, Which::Response).expect("response");
        assert_eq!(request.epoch, "application traffic secret 0");
        for view in [&request, &response] {
            let lines = &stage(view, "seq").explanation;
            // One line per earlier record, numbered 0, 1, …, then "So this record is number N."
            let earlier = lines.iter().filter(|l| l.starts_with("Step ")).count();
            assert_eq!(
                u64::try_from(earlier).expect("count"),
                view.seq,
                "{lines:?}"
            );
            assert!(view.seq >= 1, "{lines:?}");
        }
        assert!(stage(&response, "seq")
            .explanation
            .iter()
            .any(|line| line.contains("NewSessionTicket")));
        assert!(request.step < response.step);
        // TLS 1.2: the Finished was record 0 under the key block's keys.
        let lab = lab_12();
        let request = wrapping(&lab, Which::Request).expect("request");
        assert!(request.seq >= 1);
        assert!(stage(&request, "seq")
            .explanation
            .iter()
            .any(|line| line.contains("Finished")));
    }

    fn lab_12() -> Lab {
        lab(
            OptionVersion::Tls12,
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        )
    }

    #[test]
    fn follows_the_connection_the_cursor_is_on() {
        let mut lab = lab_12();
        let last = lab.run().steps.len() - 1;
        lab.seek(last).expect("seek");
        let view = wrapping(&lab, Which::Request).expect("request");
        assert_eq!(view.connection, 2);
        assert_chain(&lab, &view, Which::Request);
        assert!(wrapping_in(&lab, Which::Request, 9)
            .expect("no error")
            .is_none());
    }

    #[test]
    fn a_single_changed_wire_byte_fails_the_final_check() {
        let lab = lab(OptionVersion::Tls13, "TLS13_AES_128_GCM_SHA256");
        let found = find(&lab, Which::Request, 1)
            .expect("replay")
            .expect("found");
        let mut wire = found.wire_record.clone();
        let last = wire.len() - 1;
        wire[last] ^= 1;
        let view = build(&lab, Which::Request, found, &wire).expect("view");
        let last_check = view.checks.last().expect("checks");
        assert!(!last_check.ok, "{last_check:?}");
        assert!(last_check.what.contains("byte for byte"));
    }

    #[test]
    fn unknown_message_names_are_refused() {
        assert_eq!(Which::from_key("request"), Ok(Which::Request));
        assert!(matches!(
            Which::from_key("nonsense"),
            Err(WrappingError::UnknownMessage(_))
        ));
    }
}
