//! A whole connection's record decryption: fed every record in wire order, it tracks each
//! direction's epoch and sequence number, opens what is protected, follows the handshake
//! transcript and checks both Finished messages with keys we derived ourselves.
//!
//! Epochs follow the protocol, not rustls' internals:
//! - TLS 1.3: a record is protected exactly when its outer type is application_data (23);
//!   ChangeCipherSpec is a plaintext dummy that is skipped and not counted. The client's
//!   protected records start in the early epoch if a `CLIENT_EARLY_TRAFFIC_SECRET` was logged
//!   (falling back to the handshake epoch on the first record the early keys do not open, which
//!   covers both "no early data sent" and "early data rejected"), move to the handshake epoch
//!   after EndOfEarlyData, to application secret 0 after the sender's Finished, and to N+1 after
//!   each KeyUpdate the sender sends.
//! - TLS 1.2: plaintext until the sender's ChangeCipherSpec, then the key-block keys.
//!
//! Sequence numbers restart at 0 with each epoch. Decryption needs only each direction's records
//! in order; Finished checking also needs the two directions interleaved as they were sent
//! (flight by flight), since the transcript covers both.

use serde::Serialize;

use super::keylog::{ConnectionSecrets, KeyLogEntry, SecretLabel};
use super::record::{
    self, OpenTrace, RecordKeys, SealOptions, SealTrace, CONTENT_TYPE_ALERT,
    CONTENT_TYPE_APPLICATION_DATA, CONTENT_TYPE_CHANGE_CIPHER_SPEC, CONTENT_TYPE_HANDSHAKE,
    HEADER_LEN,
};
use super::schedule::{self, Generations, KeyScheduleView};
use super::suite::{CipherSuite, TlsVersion};
use super::tls12::{self, KeyBlock};
use super::{hex, tls13, Direction, KeysError};

/// Handshake message type ClientHello.
const CLIENT_HELLO: u8 = 1;
/// Handshake message type ServerHello (also HelloRetryRequest in TLS 1.3).
const SERVER_HELLO: u8 = 2;
/// Handshake message type EndOfEarlyData.
const END_OF_EARLY_DATA: u8 = 5;
/// Handshake message type Finished.
const FINISHED: u8 = 20;
/// Handshake message type KeyUpdate.
const KEY_UPDATE: u8 = 24;
/// Handshake message type message_hash, the stand-in for ClientHello1 after a HelloRetryRequest.
const MESSAGE_HASH: u8 = 254;
/// The length of a handshake message header: type (1) and length (3).
const HANDSHAKE_HEADER_LEN: usize = 4;

/// The ServerHello random that marks a HelloRetryRequest: SHA-256("HelloRetryRequest")
/// (RFC 8446 §4.1.3).
const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Which keys protect a direction's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Epoch {
    /// No keys yet: records travel in the clear.
    Plaintext,
    /// TLS 1.3 0-RTT data under `client_early_traffic_secret` (client only).
    Early,
    /// TLS 1.3 handshake messages under the sender's handshake traffic secret.
    Handshake,
    /// TLS 1.3 application data under the sender's application traffic secret N.
    Application {
        /// N: 0 from the key log, one more per KeyUpdate.
        generation: u32,
    },
    /// TLS 1.2 after the sender's ChangeCipherSpec: the key-block keys.
    Tls12,
}

impl Epoch {
    /// A short human name, e.g. "handshake" or "application traffic secret 1".
    pub fn name(self) -> String {
        match self {
            Self::Plaintext => "plaintext".to_owned(),
            Self::Early => "early data (0-RTT)".to_owned(),
            Self::Handshake => "handshake".to_owned(),
            Self::Application { generation } => format!("application traffic secret {generation}"),
            Self::Tls12 => "TLS 1.2 key block".to_owned(),
        }
    }
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum RecordOutcome {
    /// The record is not protected; its fragment is the content itself.
    Plaintext {
        /// The record's content type.
        content_type: u8,
        /// Why it is in the clear.
        reason: &'static str,
    },
    /// The record was protected and we opened it.
    Opened(Box<OpenedRecord>),
}

/// A protected record we opened, with what it meant for the connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenedRecord {
    /// Who sent it.
    pub direction: Direction,
    /// The epoch whose keys opened it.
    pub epoch: Epoch,
    /// Every stage of the opening: seq, nonce, AAD, ciphertext, tag, inner plaintext, content
    /// type, content, padding.
    pub trace: OpenTrace,
    /// The types of the handshake messages this record completed, in order.
    pub handshake_types: Vec<u8>,
    /// If the record completed the sender's Finished: our recomputation of it.
    pub finished: Option<FinishedCheck>,
    /// If this record ends its epoch (Finished, KeyUpdate, EndOfEarlyData): the next one.
    pub next_epoch: Option<Epoch>,
}

/// A Finished message's verify_data against our own recomputation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FinishedCheck {
    /// Whose Finished it is.
    pub sender: Direction,
    /// The hash of every handshake message before this Finished.
    #[serde(serialize_with = "hex::serialize")]
    pub transcript_hash: Vec<u8>,
    /// What we computed.
    #[serde(serialize_with = "hex::serialize")]
    pub expected: Vec<u8>,
    /// What the message carries.
    #[serde(serialize_with = "hex::serialize")]
    pub received: Vec<u8>,
    /// Whether they are equal.
    pub matches: bool,
    /// The formula used.
    pub formula: String,
}

/// One direction's progress.
#[derive(Debug, Clone)]
struct DirectionState {
    /// The epoch of the next protected record.
    epoch: Epoch,
    /// The sequence number of the next protected record.
    seq: u64,
    /// Handshake bytes not yet forming a whole message.
    handshake_buffer: Vec<u8>,
    /// Whether this direction's Finished has gone by (later messages leave the transcript).
    finished_sent: bool,
    /// The highest application generation reached, for the key-schedule view.
    highest_generation: u32,
}

impl DirectionState {
    fn new(epoch: Epoch) -> Self {
        Self {
            epoch,
            seq: 0,
            handshake_buffer: Vec::new(),
            finished_sent: false,
            highest_generation: 0,
        }
    }
}

/// A connection's record decryptor; see the module documentation.
#[derive(Debug, Clone)]
pub struct SessionDecryptor {
    secrets: ConnectionSecrets,
    client: DirectionState,
    server: DirectionState,
    /// Every handshake message so far that the Finished MACs cover.
    transcript: Vec<u8>,
    /// Keys derived so far, by direction and epoch.
    keys: Vec<(Direction, Epoch, RecordKeys)>,
}

impl SessionDecryptor {
    /// A decryptor for the connection whose suite is `suite` (IANA number), from its key-log
    /// lines. The randoms may be `None`: they are then read from ClientHello and ServerHello as
    /// those records go by (only TLS 1.2 needs them).
    pub fn new(
        suite: u16,
        entries: &[KeyLogEntry],
        client_random: Option<&[u8]>,
        server_random: Option<&[u8]>,
    ) -> Result<Self, KeysError> {
        let suite = CipherSuite::from_iana(suite)?;
        let secrets =
            ConnectionSecrets::from_key_log(suite, entries, client_random, server_random)?;
        Ok(Self::from_secrets(secrets))
    }

    /// A decryptor from secrets already gathered.
    pub fn from_secrets(secrets: ConnectionSecrets) -> Self {
        let (client_epoch, server_epoch) = match secrets.suite().version() {
            TlsVersion::Tls13 if secrets.secret(SecretLabel::ClientEarlyTraffic).is_some() => {
                (Epoch::Early, Epoch::Handshake)
            }
            TlsVersion::Tls13 => (Epoch::Handshake, Epoch::Handshake),
            TlsVersion::Tls12 => (Epoch::Plaintext, Epoch::Plaintext),
        };
        Self {
            secrets,
            client: DirectionState::new(client_epoch),
            server: DirectionState::new(server_epoch),
            transcript: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// The connection's secrets and randoms.
    pub fn secrets(&self) -> &ConnectionSecrets {
        &self.secrets
    }

    /// The negotiated suite.
    pub fn suite(&self) -> CipherSuite {
        self.secrets.suite()
    }

    /// The epoch the direction's next protected record is expected in.
    pub fn epoch(&self, direction: Direction) -> Epoch {
        self.state(direction).epoch
    }

    /// The sequence number the direction's next protected record will be opened with.
    pub fn next_seq(&self, direction: Direction) -> u64 {
        self.state(direction).seq
    }

    /// Overrides the epoch of the direction's next protected record (sequence number 0), e.g.
    /// to force the early or handshake epoch for a 0-RTT experiment.
    pub fn select_epoch(&mut self, direction: Direction, epoch: Epoch) {
        let state = self.state_mut(direction);
        state.epoch = epoch;
        state.seq = 0;
        if let Epoch::Application { generation } = epoch {
            state.highest_generation = state.highest_generation.max(generation);
        }
    }

    /// Every handshake message the Finished MACs cover, as seen so far.
    pub fn transcript(&self) -> &[u8] {
        &self.transcript
    }

    /// Processes a whole record (5-byte header and fragment) sent by `direction`.
    pub fn process_record(
        &mut self,
        direction: Direction,
        record: &[u8],
    ) -> Result<RecordOutcome, KeysError> {
        let (header, fragment) = record::split_record(record)?;
        self.process(direction, header, fragment)
    }

    /// Processes one record sent by `direction`, given its 5-byte header and its fragment.
    ///
    /// On error nothing changes, so the record can be retried (e.g. after [`Self::select_epoch`]).
    pub fn process(
        &mut self,
        direction: Direction,
        header: &[u8],
        fragment: &[u8],
    ) -> Result<RecordOutcome, KeysError> {
        if header.len() != HEADER_LEN {
            return Err(KeysError::RecordTooShort(header.len()));
        }
        let content_type = header[0];
        let declared = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if declared != fragment.len() {
            return Err(KeysError::RecordLengthMismatch {
                declared,
                actual: fragment.len(),
            });
        }

        let protected = match self.suite().version() {
            TlsVersion::Tls13 => content_type == CONTENT_TYPE_APPLICATION_DATA,
            TlsVersion::Tls12 => self.state(direction).epoch != Epoch::Plaintext,
        };
        if protected {
            return self.open_protected(direction, header, fragment);
        }

        let reason = match (self.suite().version(), content_type) {
            (TlsVersion::Tls13, CONTENT_TYPE_CHANGE_CIPHER_SPEC) => {
                "TLS 1.3 ChangeCipherSpec is a middlebox-compatibility dummy: never protected, not counted"
            }
            (TlsVersion::Tls12, CONTENT_TYPE_CHANGE_CIPHER_SPEC) => {
                "ChangeCipherSpec: this direction's records after it are protected"
            }
            (_, CONTENT_TYPE_HANDSHAKE) => "hello messages are sent before any keys exist",
            (_, CONTENT_TYPE_ALERT) => "an alert sent before any keys exist",
            _ => "sent before any keys exist",
        };
        match content_type {
            CONTENT_TYPE_HANDSHAKE => {
                self.absorb_handshake(direction, fragment);
            }
            CONTENT_TYPE_CHANGE_CIPHER_SPEC if self.suite().version() == TlsVersion::Tls12 => {
                self.select_epoch(direction, Epoch::Tls12);
            }
            _ => {}
        }
        Ok(RecordOutcome::Plaintext {
            content_type,
            reason,
        })
    }

    fn open_protected(
        &mut self,
        direction: Direction,
        header: &[u8],
        fragment: &[u8],
    ) -> Result<RecordOutcome, KeysError> {
        let state = self.state(direction);
        let (mut epoch, seq) = (state.epoch, state.seq);
        let next_seq = seq.checked_add(1).ok_or(KeysError::SequenceExhausted)?;
        let keys = self.keys(direction, epoch)?;
        let (trace, next_seq) = match keys.open_fragment(seq, header, fragment) {
            Ok(trace) => (trace, next_seq),
            // Early keys that do not open the record: the client sent no (more) early data, so
            // this is its first handshake-epoch record.
            Err(KeysError::DecryptFailed { .. }) if epoch == Epoch::Early => {
                let handshake_keys = self.keys(direction, Epoch::Handshake)?;
                let trace = handshake_keys.open_fragment(0, header, fragment)?;
                epoch = Epoch::Handshake;
                (trace, 1)
            }
            Err(error) => return Err(error),
        };

        let state = self.state_mut(direction);
        state.epoch = epoch;
        state.seq = next_seq;

        let mut opened = OpenedRecord {
            direction,
            epoch,
            trace,
            handshake_types: Vec::new(),
            finished: None,
            next_epoch: None,
        };
        if opened.trace.content_type == CONTENT_TYPE_HANDSHAKE {
            let messages = self.absorb_handshake(direction, &opened.trace.content);
            for (message_type, finished) in messages {
                opened.handshake_types.push(message_type);
                if finished.is_some() {
                    opened.finished = finished;
                }
                let version = self.suite().version();
                opened.next_epoch = match (version, message_type, epoch) {
                    (TlsVersion::Tls13, FINISHED, Epoch::Handshake) => {
                        Some(Epoch::Application { generation: 0 })
                    }
                    (TlsVersion::Tls13, KEY_UPDATE, Epoch::Application { generation }) => {
                        Some(Epoch::Application {
                            generation: generation.saturating_add(1),
                        })
                    }
                    (TlsVersion::Tls13, END_OF_EARLY_DATA, Epoch::Early) => Some(Epoch::Handshake),
                    _ => opened.next_epoch,
                };
            }
        }
        if let Some(next) = opened.next_epoch {
            self.select_epoch(direction, next);
        }
        Ok(RecordOutcome::Opened(Box::new(opened)))
    }

    /// Adds handshake bytes from `direction`, and handles each message they complete: the
    /// randoms, the HelloRetryRequest transcript rule, Finished checks and the transcript.
    /// Returns each completed message's type and, for a Finished, its check.
    fn absorb_handshake(
        &mut self,
        direction: Direction,
        bytes: &[u8],
    ) -> Vec<(u8, Option<FinishedCheck>)> {
        let state = self.state_mut(direction);
        state.handshake_buffer.extend_from_slice(bytes);
        let mut messages = Vec::new();
        while let Some(length) = complete_message_len(&state.handshake_buffer) {
            messages.push(state.handshake_buffer.drain(..length).collect::<Vec<u8>>());
        }

        let mut results = Vec::with_capacity(messages.len());
        for message in messages {
            let message_type = message[0];
            let body = &message[HANDSHAKE_HEADER_LEN..];
            let mut finished = None;
            match message_type {
                CLIENT_HELLO if direction == Direction::ClientToServer => {
                    if let Some(random) = hello_random(body) {
                        if self.secrets.client_random().is_none() {
                            // The length is checked by hello_random, so this cannot fail.
                            let _ = self.secrets.set_client_random(random);
                        }
                    }
                }
                SERVER_HELLO if direction == Direction::ServerToClient => {
                    if let Some(random) = hello_random(body) {
                        if random == HELLO_RETRY_REQUEST_RANDOM {
                            // RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is
                            // replaced in the transcript by message_hash(Hash(ClientHello1)).
                            let hash = self.suite().hash();
                            let digest = hash.digest(&self.transcript);
                            let mut replaced = vec![MESSAGE_HASH, 0, 0];
                            replaced.push(u8::try_from(digest.len()).unwrap_or(u8::MAX));
                            replaced.extend_from_slice(&digest);
                            self.transcript = replaced;
                        } else if self.secrets.server_random().is_none() {
                            let _ = self.secrets.set_server_random(random);
                        }
                    }
                }
                FINISHED if !self.state(direction).finished_sent => {
                    finished = self.check_finished(direction, body);
                }
                _ => {}
            }
            // Messages after the sender's own Finished (tickets, KeyUpdate) are post-handshake
            // and outside the transcript.
            if !self.state(direction).finished_sent {
                self.transcript.extend_from_slice(&message);
            }
            if message_type == FINISHED {
                self.state_mut(direction).finished_sent = true;
            }
            results.push((message_type, finished));
        }
        results
    }

    /// Recomputes the sender's Finished from the transcript so far.
    fn check_finished(&self, sender: Direction, received: &[u8]) -> Option<FinishedCheck> {
        let suite = self.suite();
        let hash = suite.hash();
        let transcript_hash = hash.digest(&self.transcript);
        let (expected, formula) = match suite.version() {
            TlsVersion::Tls13 => {
                let label = match sender {
                    Direction::ClientToServer => SecretLabel::ClientHandshakeTraffic,
                    Direction::ServerToClient => SecretLabel::ServerHandshakeTraffic,
                };
                let base_key = self.secrets.secret(label)?;
                let expected =
                    tls13::finished_verify_data(hash, base_key, &transcript_hash).ok()?;
                let formula = format!(
                    "HMAC-{}(HKDF-Expand-Label({}, \"finished\", \"\", {}), {}(handshake messages so far))",
                    hash.name(),
                    label.nss_label(),
                    hash.output_len(),
                    hash.name()
                );
                (expected, formula)
            }
            TlsVersion::Tls12 => {
                let master = self.secrets.secret(SecretLabel::Tls12MasterSecret)?;
                let expected =
                    tls12::finished_verify_data(hash, master, sender, &transcript_hash).ok()?;
                let label = match sender {
                    Direction::ClientToServer => tls12::CLIENT_FINISHED_LABEL,
                    Direction::ServerToClient => tls12::SERVER_FINISHED_LABEL,
                };
                let formula = format!(
                    "PRF(master_secret, \"{label}\", {}(handshake messages so far))[0..12]",
                    hash.name()
                );
                (expected, formula)
            }
        };
        Some(FinishedCheck {
            sender,
            transcript_hash,
            matches: expected == received,
            expected,
            received: received.to_vec(),
            formula,
        })
    }

    /// The keys of a direction in an epoch, derived from the key log (and cached).
    pub fn keys(&mut self, direction: Direction, epoch: Epoch) -> Result<RecordKeys, KeysError> {
        if let Some((_, _, keys)) = self.keys.iter().find(|(known_direction, known_epoch, _)| {
            *known_direction == direction && *known_epoch == epoch
        }) {
            return Ok(keys.clone());
        }
        let keys = self.derive_keys(direction, epoch)?;
        self.keys.push((direction, epoch, keys.clone()));
        Ok(keys)
    }

    fn derive_keys(&self, direction: Direction, epoch: Epoch) -> Result<RecordKeys, KeysError> {
        let suite = self.suite();
        let client = direction == Direction::ClientToServer;
        match epoch {
            Epoch::Plaintext => Err(KeysError::PlaintextEpoch),
            Epoch::Early => {
                if !client {
                    return Err(KeysError::MissingSecret(
                        "SERVER_EARLY_TRAFFIC_SECRET (there is none)",
                    ));
                }
                let secret = self.secrets.require(SecretLabel::ClientEarlyTraffic)?;
                RecordKeys::from_traffic_secret(suite, secret)
            }
            Epoch::Handshake => {
                let label = if client {
                    SecretLabel::ClientHandshakeTraffic
                } else {
                    SecretLabel::ServerHandshakeTraffic
                };
                RecordKeys::from_traffic_secret(suite, self.secrets.require(label)?)
            }
            Epoch::Application { generation } => {
                let secret = self.application_secret(direction, generation)?;
                RecordKeys::from_traffic_secret(suite, &secret)
            }
            Epoch::Tls12 => RecordKeys::from_key_block(suite, &self.key_block()?, direction),
        }
    }

    /// The application traffic secret of a generation: `_0` from the key log, then one
    /// "traffic upd" expansion per KeyUpdate.
    pub fn application_secret(
        &self,
        direction: Direction,
        generation: u32,
    ) -> Result<Vec<u8>, KeysError> {
        let label = match direction {
            Direction::ClientToServer => SecretLabel::ClientApplicationTraffic0,
            Direction::ServerToClient => SecretLabel::ServerApplicationTraffic0,
        };
        let mut secret = self.secrets.require(label)?.to_vec();
        for _ in 0..generation {
            secret = tls13::next_traffic_secret(self.suite().hash(), &secret)?;
        }
        Ok(secret)
    }

    /// The TLS 1.2 key block (needs the master secret and both randoms).
    pub fn key_block(&self) -> Result<KeyBlock, KeysError> {
        let master = self.secrets.require(SecretLabel::Tls12MasterSecret)?;
        let client_random = self
            .secrets
            .client_random()
            .ok_or(KeysError::MissingRandom("client"))?;
        let server_random = self
            .secrets
            .server_random()
            .ok_or(KeysError::MissingRandom("server"))?;
        tls12::key_block(self.suite(), master, client_random, server_random)
    }

    /// Seals an opened record's content again with the same keys, sequence number, padding and
    /// explicit nonce: the result's `record` should be byte-for-byte the record on the wire.
    pub fn reseal(&mut self, opened: &OpenedRecord) -> Result<SealTrace, KeysError> {
        let keys = self.keys(opened.direction, opened.epoch)?;
        let explicit_nonce = match &opened.trace.explicit_nonce {
            Some(bytes) => Some(
                <[u8; record::EXPLICIT_NONCE_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
                    KeysError::KeyMaterialLength {
                        what: "explicit nonce",
                        expected: record::EXPLICIT_NONCE_LEN,
                        actual: bytes.len(),
                    }
                })?,
            ),
            None => None,
        };
        let options = SealOptions {
            padding_len: opened.trace.padding_len,
            explicit_nonce,
        };
        keys.seal(
            opened.trace.seq,
            opened.trace.content_type,
            &opened.trace.content,
            &options,
        )
    }

    /// The key-schedule view, including every KeyUpdate generation reached so far.
    pub fn key_schedule(&self) -> Result<KeyScheduleView, KeysError> {
        schedule::key_schedule_view(
            &self.secrets,
            Generations {
                client: self.client.highest_generation,
                server: self.server.highest_generation,
            },
        )
    }

    fn state(&self, direction: Direction) -> &DirectionState {
        match direction {
            Direction::ClientToServer => &self.client,
            Direction::ServerToClient => &self.server,
        }
    }

    fn state_mut(&mut self, direction: Direction) -> &mut DirectionState {
        match direction {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        }
    }
}

/// The total length of the first handshake message in `buffer`, if it is all there.
fn complete_message_len(buffer: &[u8]) -> Option<usize> {
    let header = buffer.get(..HANDSHAKE_HEADER_LEN)?;
    let body_len =
        usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
    let total = HANDSHAKE_HEADER_LEN + body_len;
    (buffer.len() >= total).then_some(total)
}

/// The 32-byte random of a ClientHello or ServerHello body (after the 2-byte legacy version).
fn hello_random(body: &[u8]) -> Option<&[u8]> {
    body.get(2..2 + tls12::RANDOM_LEN)
}
