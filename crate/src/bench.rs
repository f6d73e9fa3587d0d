//! Benchmark drivers, the same code natively and in the browser (`cargo xtask bench`).
//!
//! A *workload* is one thing to repeat: a whole TLS handshake between a fresh rustls client and
//! server joined by an in-memory buffer ([`Handshaker`]), one 16 KiB application-data record
//! sealed by the client and opened by the server ([`RecordPump`]), or a whole [`Lab`] made for one
//! chapter ([`LabBuild`]). A [`Suite`] makes workloads by id ([`workload_ids`]) and measures them
//! with [`steady`] (warm-up, then medians of timed batches) or [`cold`] (the very first iterations,
//! each timed alone).
//!
//! The core never reads a clock: the measuring functions take one from the caller. Natively the
//! `bench` example passes `std::time::Instant`; in the page, `crate::wasm::WasmBench` passes a
//! JavaScript function returning `performance.now()`. Results are [`Outcome`]s, printed as one
//! tab-separated line each ([`Outcome::to_line`]) that the std-only xtask reads.
//!
//! Record throughput goes through rustls itself (`writer` → `write_tls` → `read_tls` →
//! `process_new_packets` → `reader`), not through [`crate::keys::RecordKeys`]: rustls is what
//! protects the lab's bytes, while `crate::keys` builds teaching traces (hex strings of every
//! intermediate value) whose cost would swamp the AEAD being measured.

use std::fmt;
use std::io::{Read, Write};
use std::sync::Arc;

use rustls::client::{Resumption, Tls12Resumption};
use rustls::pki_types::ServerName;
use rustls::server::NoServerSessionStorage;
use rustls::{
    ClientConfig, ClientConnection, Connection, HandshakeKind, RootCertStore, ServerConfig,
    ServerConnection,
};
use serde::Serialize;

use crate::clock::LabClock;
use crate::options::{suite_name, CertKeyType, Options, TlsVersion};
use crate::pki::{Pki, SERVER_NAME};
use crate::Lab;

/// The plaintext carried by each record of the throughput workloads: a full TLS record.
pub const RECORD_PLAINTEXT_LEN: usize = 16 * 1024;

/// Labs made per chapter in steady state, after one warm-up (each takes tens of milliseconds).
pub const LAB_SAMPLES: u32 = 5;

/// More rounds than any handshake needs; reaching it means the two sides stopped talking.
const MAX_ROUNDS: usize = 32;

/// Why a benchmark could not run. A benchmark measures only what works, so any of these ends it.
#[derive(Debug)]
pub enum BenchError {
    /// Making the lab, its certificates or its options failed.
    Lab(crate::Error),
    /// rustls refused a configuration or a connection failed.
    Tls(rustls::Error),
    /// Moving bytes through the in-memory buffers failed (a bug: memory does not fail).
    Io(std::io::Error),
    /// No workload has this id.
    UnknownWorkload(String),
    /// A handshake finished as something other than what the workload measures.
    UnexpectedHandshake {
        /// The workload.
        id: String,
        /// What it should have been.
        expected: &'static str,
        /// What the client reported.
        client: Option<String>,
        /// What the server reported.
        server: Option<String>,
    },
    /// The two sides stopped exchanging bytes before the work was done.
    Stalled(&'static str),
    /// The server delivered a different number of plaintext bytes than the client sent.
    ShortRecord {
        /// Bytes sent.
        sent: usize,
        /// Bytes received.
        received: usize,
    },
    /// The caller's clock failed or went backwards.
    Clock(String),
    /// The plan asks for nothing to be measured.
    EmptyPlan,
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lab(err) => write!(f, "the lab failed: {err}"),
            Self::Tls(err) => write!(f, "rustls failed: {err}"),
            Self::Io(err) => write!(f, "the in-memory wire failed: {err}"),
            Self::UnknownWorkload(id) => write!(
                f,
                "no workload is called `{id}`; workloads: {}",
                workload_ids().join(", ")
            ),
            Self::UnexpectedHandshake {
                id,
                expected,
                client,
                server,
            } => write!(
                f,
                "{id}: expected a {expected} handshake, the client saw {client:?} and the \
                 server {server:?}"
            ),
            Self::Stalled(what) => write!(f, "{what}: the two sides stopped exchanging bytes"),
            Self::ShortRecord { sent, received } => write!(
                f,
                "the client sent {sent} plaintext bytes, the server received {received}"
            ),
            Self::Clock(reason) => write!(f, "the clock failed: {reason}"),
            Self::EmptyPlan => f.write_str("the plan measures nothing (0 samples)"),
        }
    }
}

impl std::error::Error for BenchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Lab(err) => Some(err),
            Self::Tls(err) => Some(err),
            Self::Io(err) => Some(err),
            _ => None,
        }
    }
}

impl From<crate::Error> for BenchError {
    fn from(err: crate::Error) -> Self {
        Self::Lab(err)
    }
}

impl From<rustls::Error> for BenchError {
    fn from(err: rustls::Error) -> Self {
        Self::Tls(err)
    }
}

impl From<std::io::Error> for BenchError {
    fn from(err: std::io::Error) -> Self {
        Self::Io(err)
    }
}

/// How a handshake workload's client and server keep (or do not keep) resumption state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// Every handshake is full: the client remembers nothing (the server still issues what it
    /// normally issues: two TLS 1.3 tickets, or a TLS 1.2 session ID).
    Full,
    /// TLS 1.2 only: every handshake is full, and the client asks for a ticket, which the server
    /// (holding a ticket key and no session cache) issues.
    FullTicket,
    /// Every handshake resumes: TLS 1.3 with a ticket naming the server's session cache entry,
    /// TLS 1.2 by session ID (the server has no ticket key).
    Resumed,
    /// TLS 1.2 only: every handshake resumes by ticket (the server has no session cache).
    ResumedTicket,
}

impl Mode {
    fn resumes(self) -> bool {
        matches!(self, Self::Resumed | Self::ResumedTicket)
    }

    fn uses_tickets(self) -> bool {
        matches!(self, Self::FullTicket | Self::ResumedTicket)
    }
}

/// One handshake workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandshakeCase {
    /// Stable id, e.g. `tls13-full-ecdsa-p256-x25519`.
    pub id: &'static str,
    /// The protocol version.
    pub version: TlsVersion,
    /// The server certificate's key type.
    pub cert: CertKeyType,
    /// The one key-exchange group both sides allow (rustls' name).
    pub group: &'static str,
    /// Full or resumed, and how.
    pub mode: Mode,
    /// For a resumed case, the full case it is compared with.
    pub full: Option<&'static str>,
}

impl HandshakeCase {
    /// The row label, e.g. `TLS 1.3 full, ECDSA P-256, X25519`.
    pub fn label(&self) -> String {
        let version = self.version.label();
        let cert = self.cert.label();
        let group = self.group;
        match (self.version, self.mode) {
            (TlsVersion::Tls13, Mode::Full) => format!("{version} full, {cert}, {group}"),
            (TlsVersion::Tls13, _) => format!("{version} resumed, {group} ({cert} cert)"),
            (TlsVersion::Tls12, Mode::Full) => {
                format!("{version} full, session ID issued, {cert}, {group}")
            }
            (TlsVersion::Tls12, Mode::FullTicket) => {
                format!("{version} full, ticket issued, {cert}, {group}")
            }
            (TlsVersion::Tls12, Mode::Resumed) => format!("{version} resumed by session ID"),
            (TlsVersion::Tls12, Mode::ResumedTicket) => format!("{version} resumed by ticket"),
        }
    }
}

const fn full13(id: &'static str, cert: CertKeyType, group: &'static str) -> HandshakeCase {
    HandshakeCase {
        id,
        version: TlsVersion::Tls13,
        cert,
        group,
        mode: Mode::Full,
        full: None,
    }
}

const fn tls12(id: &'static str, mode: Mode, full: Option<&'static str>) -> HandshakeCase {
    HandshakeCase {
        id,
        version: TlsVersion::Tls12,
        cert: CertKeyType::EcdsaP256,
        group: "X25519",
        mode,
        full,
    }
}

/// Every handshake workload, in table order.
pub const HANDSHAKES: &[HandshakeCase] = &[
    full13(
        "tls13-full-ecdsa-p256-x25519",
        CertKeyType::EcdsaP256,
        "X25519",
    ),
    full13(
        "tls13-full-ecdsa-p256-secp256r1",
        CertKeyType::EcdsaP256,
        "secp256r1",
    ),
    full13(
        "tls13-full-ecdsa-p256-secp384r1",
        CertKeyType::EcdsaP256,
        "secp384r1",
    ),
    full13("tls13-full-ed25519-x25519", CertKeyType::Ed25519, "X25519"),
    full13(
        "tls13-full-ed25519-secp256r1",
        CertKeyType::Ed25519,
        "secp256r1",
    ),
    full13(
        "tls13-full-ed25519-secp384r1",
        CertKeyType::Ed25519,
        "secp384r1",
    ),
    full13("tls13-full-rsa2048-x25519", CertKeyType::Rsa2048, "X25519"),
    full13(
        "tls13-full-rsa2048-secp256r1",
        CertKeyType::Rsa2048,
        "secp256r1",
    ),
    full13(
        "tls13-full-rsa2048-secp384r1",
        CertKeyType::Rsa2048,
        "secp384r1",
    ),
    HandshakeCase {
        id: "tls13-resumed-x25519",
        version: TlsVersion::Tls13,
        cert: CertKeyType::EcdsaP256,
        group: "X25519",
        mode: Mode::Resumed,
        full: Some("tls13-full-ecdsa-p256-x25519"),
    },
    tls12("tls12-full-session-id", Mode::Full, None),
    tls12(
        "tls12-resumed-session-id",
        Mode::Resumed,
        Some("tls12-full-session-id"),
    ),
    tls12("tls12-full-ticket", Mode::FullTicket, None),
    tls12(
        "tls12-resumed-ticket",
        Mode::ResumedTicket,
        Some("tls12-full-ticket"),
    ),
];

/// The cipher suites whose record protection is measured (rustls' names). The three
/// `TLS_ECDHE_RSA_WITH_*` suites protect records exactly like their `ECDSA` twins (only the
/// handshake signature differs), so they are not measured separately.
pub const THROUGHPUT_SUITES: &[&str] = &[
    "TLS13_AES_128_GCM_SHA256",
    "TLS13_AES_256_GCM_SHA384",
    "TLS13_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
];

/// The chapters a lab with the default options runs (the default options are TLS 1.3).
pub fn default_chapters() -> Vec<&'static str> {
    let version = Options::default().version;
    crate::chapters::all()
        .iter()
        .filter(|chapter| chapter.versions.contains(&version))
        .map(|chapter| chapter.id)
        .collect()
}

/// Every workload id: `handshake:<case>`, `records:<suite>` and `lab:<chapter>`.
pub fn workload_ids() -> Vec<String> {
    let mut ids: Vec<String> = HANDSHAKES
        .iter()
        .map(|case| format!("handshake:{}", case.id))
        .collect();
    ids.extend(
        THROUGHPUT_SUITES
            .iter()
            .map(|suite| format!("records:{suite}")),
    );
    ids.extend(
        default_chapters()
            .into_iter()
            .map(|chapter| format!("lab:{chapter}")),
    );
    ids
}

/// Options with one version, one group on both sides and, if given, one client suite.
fn options_for(
    version: TlsVersion,
    cert: CertKeyType,
    group: &str,
    suite: Option<&str>,
) -> Options {
    let mut options = Options::for_version(version);
    options.client_groups = vec![group.to_owned()];
    options.server_groups = vec![group.to_owned()];
    if let Some(suite) = suite {
        options.client_suites = vec![suite.to_owned()];
    }
    options.cert_key = cert;
    options
}

/// A client and a server configuration, on a lab clock that never moves.
struct Configs {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
    name: ServerName<'static>,
}

impl Configs {
    fn new(options: &Options, mode: Mode, pki: &Pki) -> Result<Self, BenchError> {
        let resolved = options.resolve()?;
        let clock = Arc::new(LabClock::new());
        let versions = [resolved.version.rustls()];

        let mut roots = RootCertStore::empty();
        roots.add(pki.ca_cert.clone())?;
        let mut client =
            ClientConfig::builder_with_details(resolved.client_provider(), clock.clone())
                .with_protocol_versions(&versions)?
                .with_root_certificates(roots)
                .with_no_client_auth();
        client.resumption = match mode {
            Mode::Full => Resumption::disabled(),
            Mode::FullTicket => {
                Resumption::disabled().tls12_resumption(Tls12Resumption::SessionIdOrTickets)
            }
            Mode::Resumed => {
                Resumption::in_memory_sessions(256).tls12_resumption(Tls12Resumption::SessionIdOnly)
            }
            Mode::ResumedTicket => Resumption::in_memory_sessions(256),
        };

        let mut server = ServerConfig::builder_with_details(resolved.server_provider(), clock)
            .with_protocol_versions(&versions)?
            .with_no_client_auth()
            .with_single_cert(pki.server_chain.clone(), pki.server_private_key())?;
        if mode.uses_tickets() {
            server.ticketer = rustls::crypto::ring::Ticketer::new()?;
            // With no session cache, a resumption can only have come from the ticket.
            server.session_storage = Arc::new(NoServerSessionStorage {});
        }

        let name = ServerName::try_from(SERVER_NAME)
            .map_err(|_| BenchError::Tls(rustls::Error::General("bad server name".to_owned())))?;
        Ok(Self {
            client: Arc::new(client),
            server: Arc::new(server),
            name,
        })
    }

    /// A new client (its ClientHello already made) and the server that will answer it.
    fn pair(&self) -> Result<(Connection, Connection), BenchError> {
        Ok((
            ClientConnection::new(self.client.clone(), self.name.clone())?.into(),
            ServerConnection::new(self.server.clone())?.into(),
        ))
    }
}

/// Moves everything `from` wants to send into `to` through `wire`; true if any byte moved.
fn transfer(
    from: &mut Connection,
    to: &mut Connection,
    wire: &mut Vec<u8>,
) -> Result<bool, BenchError> {
    wire.clear();
    while from.wants_write() {
        from.write_tls(wire)?;
    }
    let mut rest = &wire[..];
    while !rest.is_empty() {
        if to.read_tls(&mut rest)? == 0 {
            return Err(BenchError::Stalled("delivering a flight"));
        }
        to.process_new_packets()?;
    }
    Ok(!wire.is_empty())
}

/// Runs a client and a server until neither has anything left to send; the handshake must be
/// over by then. Session tickets sent after the handshake are delivered and stored too.
fn complete(
    client: &mut Connection,
    server: &mut Connection,
    wire: &mut Vec<u8>,
) -> Result<(), BenchError> {
    for _ in 0..MAX_ROUNDS {
        let sent = transfer(client, server, wire)?;
        let answered = transfer(server, client, wire)?;
        if !sent && !answered {
            return if client.is_handshaking() || server.is_handshaking() {
                Err(BenchError::Stalled("a handshake"))
            } else {
                Ok(())
            };
        }
    }
    Err(BenchError::Stalled("a handshake that never ends"))
}

/// A handshake workload: a new client and server for each handshake, over configurations (and
/// resumption state: the client's ticket cache, the server's session cache or ticket key) made
/// once. Each handshake includes making the ClientHello and delivering the tickets.
pub struct Handshaker {
    case: HandshakeCase,
    configs: Configs,
    wire: Vec<u8>,
    suite: Option<String>,
    group: Option<&'static str>,
}

impl Handshaker {
    /// Configurations for `case` with the certificates of `pki`. A resumed case makes one full
    /// handshake here, so that the first measured one has something to resume.
    pub fn new(case: HandshakeCase, pki: &Pki) -> Result<Self, BenchError> {
        let options = options_for(case.version, case.cert, case.group, None);
        let mut handshaker = Self {
            case,
            configs: Configs::new(&options, case.mode, pki)?,
            wire: Vec::with_capacity(16 * 1024),
            suite: None,
            group: None,
        };
        if case.mode.resumes() {
            handshaker.connect(HandshakeKind::Full)?;
        }
        Ok(handshaker)
    }

    /// The case measured.
    pub fn case(&self) -> &HandshakeCase {
        &self.case
    }

    /// The cipher suite the last handshake negotiated (rustls' name).
    pub fn negotiated_suite(&self) -> Option<&str> {
        self.suite.as_deref()
    }

    /// The key-exchange group the last handshake used (none for a TLS 1.2 resumption).
    pub fn negotiated_group(&self) -> Option<&'static str> {
        self.group
    }

    /// One whole handshake, checked to be of the case's kind (full or resumed) on both sides.
    pub fn handshake(&mut self) -> Result<(), BenchError> {
        let expected = if self.case.mode.resumes() {
            HandshakeKind::Resumed
        } else {
            HandshakeKind::Full
        };
        self.connect(expected)
    }

    fn connect(&mut self, expected: HandshakeKind) -> Result<(), BenchError> {
        let (mut client, mut server) = self.configs.pair()?;
        complete(&mut client, &mut server, &mut self.wire)?;
        let (seen_by_client, seen_by_server) = (client.handshake_kind(), server.handshake_kind());
        if seen_by_client != Some(expected) || seen_by_server != Some(expected) {
            return Err(BenchError::UnexpectedHandshake {
                id: self.case.id.to_owned(),
                expected: if expected == HandshakeKind::Resumed {
                    "resumed"
                } else {
                    "full"
                },
                client: seen_by_client.map(|kind| format!("{kind:?}")),
                server: seen_by_server.map(|kind| format!("{kind:?}")),
            });
        }
        if self.suite.is_none() {
            self.suite = client.negotiated_cipher_suite().map(|s| suite_name(&s));
        }
        self.group = client
            .negotiated_key_exchange_group()
            .and_then(|group| group.name().as_str());
        Ok(())
    }
}

/// A record workload: one connected pair; each call seals one 16 KiB application-data record
/// in the client and opens it in the server, all inside rustls.
pub struct RecordPump {
    suite: &'static str,
    client: Connection,
    server: Connection,
    plaintext: Vec<u8>,
    received: Vec<u8>,
    wire: Vec<u8>,
}

impl RecordPump {
    /// A client and server that negotiated `suite` (an ECDSA P-256 certificate, X25519).
    pub fn new(suite: &'static str, pki: &Pki) -> Result<Self, BenchError> {
        let version = if suite.starts_with("TLS13_") {
            TlsVersion::Tls13
        } else {
            TlsVersion::Tls12
        };
        let options = options_for(version, CertKeyType::EcdsaP256, "X25519", Some(suite));
        let configs = Configs::new(&options, Mode::Full, pki)?;
        let (mut client, mut server) = configs.pair()?;
        let mut wire = Vec::with_capacity(RECORD_PLAINTEXT_LEN + 64);
        complete(&mut client, &mut server, &mut wire)?;
        let negotiated = client.negotiated_cipher_suite().map(|s| suite_name(&s));
        if negotiated.as_deref() != Some(suite) {
            return Err(BenchError::UnknownWorkload(format!(
                "records:{suite} (negotiated {negotiated:?})"
            )));
        }
        Ok(Self {
            suite,
            client,
            server,
            plaintext: (0..RECORD_PLAINTEXT_LEN).map(|i| (i % 251) as u8).collect(),
            received: vec![0; RECORD_PLAINTEXT_LEN],
            wire,
        })
    }

    /// The suite measured.
    pub fn suite(&self) -> &'static str {
        self.suite
    }

    /// How many bytes the last record took on the wire.
    pub fn last_wire_len(&self) -> usize {
        self.wire.len()
    }

    /// Seals one record in the client, opens it in the server, and checks what arrived.
    pub fn record(&mut self) -> Result<(), BenchError> {
        self.client.writer().write_all(&self.plaintext)?;
        if !transfer(&mut self.client, &mut self.server, &mut self.wire)? {
            return Err(BenchError::Stalled("sending a record"));
        }
        let mut received = 0;
        while received < RECORD_PLAINTEXT_LEN {
            match self.server.reader().read(&mut self.received[received..]) {
                Ok(0) => break,
                Ok(read) => received += read,
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(err) => return Err(err.into()),
            }
        }
        if received != RECORD_PLAINTEXT_LEN || self.received != self.plaintext {
            return Err(BenchError::ShortRecord {
                sent: RECORD_PLAINTEXT_LEN,
                received,
            });
        }
        Ok(())
    }
}

/// A lab workload: [`Lab::with_chapter`] with the default options, as the page makes one (new
/// certificates, the whole chapter run, every step analysed).
pub struct LabBuild {
    chapter: &'static str,
}

impl LabBuild {
    /// The workload for chapter `id`.
    pub fn new(id: &str) -> Result<Self, BenchError> {
        default_chapters()
            .into_iter()
            .find(|chapter| *chapter == id)
            .map(|chapter| Self { chapter })
            .ok_or_else(|| BenchError::UnknownWorkload(format!("lab:{id}")))
    }

    /// Makes the lab, and drops it.
    pub fn build(&self) -> Result<(), BenchError> {
        let lab = Lab::with_chapter(Options::default(), self.chapter)?;
        std::hint::black_box(&lab);
        Ok(())
    }
}

/// Any workload.
pub enum Workload {
    /// A handshake.
    Handshake(Box<Handshaker>),
    /// A record sealed and opened.
    Records(Box<RecordPump>),
    /// A lab made.
    Lab(LabBuild),
}

impl Workload {
    /// Does the work once.
    pub fn run_once(&mut self) -> Result<(), BenchError> {
        match self {
            Self::Handshake(handshaker) => handshaker.handshake(),
            Self::Records(pump) => pump.record(),
            Self::Lab(build) => build.build(),
        }
    }

    /// `handshake`, `records` or `lab`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Handshake(_) => "handshake",
            Self::Records(_) => "records",
            Self::Lab(_) => "lab",
        }
    }

    /// The id without the kind: the case, suite or chapter.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Handshake(handshaker) => handshaker.case.id,
            Self::Records(pump) => pump.suite,
            Self::Lab(build) => build.chapter,
        }
    }

    /// The row label.
    pub fn label(&self) -> String {
        match self {
            Self::Handshake(handshaker) => handshaker.case.label(),
            Self::Records(pump) => format!("16 KiB records, seal + open, {}", pump.suite),
            Self::Lab(build) => format!("Lab made for chapter {}", build.chapter),
        }
    }
}

/// Makes workloads, keeping one set of certificates per key type (an RSA key takes a while).
#[derive(Default)]
pub struct Suite {
    pkis: Vec<(CertKeyType, Pki)>,
    rsa_key: Option<Vec<u8>>,
}

impl Suite {
    /// A suite with no certificates made yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The server's RSA-2048 key (PKCS#8) for the RSA certificates, made elsewhere (the page
    /// has WebCrypto make it); without one, the suite generates it.
    pub fn provide_rsa_key(&mut self, pkcs8: Vec<u8>) {
        self.rsa_key = Some(pkcs8);
    }

    fn pki(&mut self, key: CertKeyType) -> Result<&Pki, BenchError> {
        let index = match self.pkis.iter().position(|(made, _)| *made == key) {
            Some(index) => index,
            None => {
                let pki = Pki::generate_with_rsa_key(key, self.rsa_key.as_deref())?;
                self.pkis.push((key, pki));
                self.pkis.len() - 1
            }
        };
        Ok(&self.pkis[index].1)
    }

    /// The workload with this id (one of [`workload_ids`]), ready to run.
    pub fn workload(&mut self, id: &str) -> Result<Workload, BenchError> {
        let unknown = || BenchError::UnknownWorkload(id.to_owned());
        let (kind, name) = id.split_once(':').ok_or_else(unknown)?;
        match kind {
            "handshake" => {
                let case = *HANDSHAKES
                    .iter()
                    .find(|case| case.id == name)
                    .ok_or_else(unknown)?;
                let pki = self.pki(case.cert)?;
                Ok(Workload::Handshake(Box::new(Handshaker::new(case, pki)?)))
            }
            "records" => {
                let suite = *THROUGHPUT_SUITES
                    .iter()
                    .find(|suite| **suite == name)
                    .ok_or_else(unknown)?;
                let pki = self.pki(CertKeyType::EcdsaP256)?;
                Ok(Workload::Records(Box::new(RecordPump::new(suite, pki)?)))
            }
            "lab" => Ok(Workload::Lab(LabBuild::new(name)?)),
            _ => Err(unknown()),
        }
    }

    /// Makes workload `id` and measures it in steady state (see [`steady`]).
    pub fn steady(
        &mut self,
        id: &str,
        plan: &Plan,
        clock: &mut dyn FnMut() -> Result<f64, BenchError>,
    ) -> Result<Outcome, BenchError> {
        let mut workload = self.workload(id)?;
        let measurement = steady(&mut || workload.run_once(), clock, plan)?;
        Outcome::new(&workload, "steady", &measurement)
    }

    /// Makes workload `id` and times its first `count` iterations (see [`cold`]).
    pub fn cold(
        &mut self,
        id: &str,
        count: u32,
        clock: &mut dyn FnMut() -> Result<f64, BenchError>,
    ) -> Result<Outcome, BenchError> {
        let mut workload = self.workload(id)?;
        let measurement = cold(&mut || workload.run_once(), clock, count)?;
        Outcome::new(&workload, "cold", &measurement)
    }
}

/// How a steady-state measurement runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Warm up for at least this many iterations…
    pub min_warmup_iterations: u32,
    /// …and at least this long (ms)…
    pub min_warmup_ms: f64,
    /// …unless this much time (ms) has gone by: then one iteration is enough.
    pub max_warmup_ms: f64,
    /// How many timed samples.
    pub samples: u32,
    /// Each sample times a batch of iterations lasting at least this long (ms), sized from the
    /// warm-up's average; 0 times every iteration alone.
    pub min_batch_ms: f64,
}

impl Plan {
    /// For work of about a millisecond: warm up for 150 iterations and 0.5 s (V8 has tiered
    /// the wasm up after ~0.4 s of handshakes), or 2 s at most; then `samples` batches of at
    /// least 2 ms each, so the page's coarse timer (0.1 ms without cross-origin isolation)
    /// costs under 5% of a sample.
    pub const fn steady(samples: u32) -> Self {
        Self {
            min_warmup_iterations: 150,
            min_warmup_ms: 500.0,
            max_warmup_ms: 2000.0,
            samples,
            min_batch_ms: 2.0,
        }
    }

    /// For work of tens of milliseconds (making a lab): one iteration of warm-up, then each
    /// sample is one iteration.
    pub const fn single(samples: u32) -> Self {
        Self {
            min_warmup_iterations: 1,
            min_warmup_ms: 0.0,
            max_warmup_ms: 0.0,
            samples,
            min_batch_ms: 0.0,
        }
    }
}

/// The steady-state plan for workload `id`: [`Plan::single`] with [`LAB_SAMPLES`] for a lab,
/// [`Plan::steady`] with `samples` otherwise.
pub fn plan_for(id: &str, samples: u32) -> Plan {
    if id.starts_with("lab:") {
        Plan::single(LAB_SAMPLES)
    } else {
        Plan::steady(samples)
    }
}

/// What a measurement saw: one duration per sample, each the mean of a batch.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Measurement {
    /// Milliseconds per iteration, one value per sample, in the order taken.
    pub samples_ms: Vec<f64>,
    /// Iterations per sample.
    pub batch: u32,
    /// Iterations run before timing.
    pub warmup_iterations: u32,
    /// How long the warm-up took (ms).
    pub warmup_ms: f64,
}

impl Measurement {
    /// Iterations timed.
    pub fn iterations(&self) -> u64 {
        self.samples_ms.len() as u64 * u64::from(self.batch)
    }

    /// The median, smallest and largest sample.
    pub fn stats(&self) -> Stats {
        Stats::of(&self.samples_ms)
    }
}

/// Summary statistics of samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// The median (the mean of the middle two for an even count).
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

impl Stats {
    /// The statistics of `values` (all zero for none).
    pub fn of(values: &[f64]) -> Self {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
            return Self::default();
        };
        let middle = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[middle]
        } else {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        };
        Self { median, min, max }
    }
}

fn elapsed(
    clock: &mut dyn FnMut() -> Result<f64, BenchError>,
    since: f64,
) -> Result<f64, BenchError> {
    let now = clock()?;
    if now.is_finite() && now >= since {
        Ok(now - since)
    } else {
        Err(BenchError::Clock(format!(
            "it read {now} after {since} (not finite, or backwards)"
        )))
    }
}

/// Measures `work` in steady state: warm up as `plan` says, size a batch from the warm-up's
/// average, then time `plan.samples` batches.
pub fn steady(
    work: &mut dyn FnMut() -> Result<(), BenchError>,
    clock: &mut dyn FnMut() -> Result<f64, BenchError>,
    plan: &Plan,
) -> Result<Measurement, BenchError> {
    if plan.samples == 0 {
        return Err(BenchError::EmptyPlan);
    }
    let started = clock()?;
    let mut warmup_iterations = 0u32;
    let warmup_ms = loop {
        work()?;
        warmup_iterations += 1;
        let spent = elapsed(clock, started)?;
        let enough = warmup_iterations >= plan.min_warmup_iterations && spent >= plan.min_warmup_ms;
        if enough || spent >= plan.max_warmup_ms {
            break spent;
        }
    };
    let average = warmup_ms / f64::from(warmup_iterations);
    let batch = if plan.min_batch_ms <= 0.0 {
        1
    } else if average <= 0.0 {
        // The clock did not move during the whole warm-up: take the largest batch allowed.
        MAX_BATCH
    } else {
        // Bounded to [1, MAX_BATCH] before the conversion, so nothing is truncated.
        (plan.min_batch_ms / average)
            .ceil()
            .clamp(1.0, f64::from(MAX_BATCH)) as u32
    };
    let mut samples_ms = Vec::with_capacity(plan.samples as usize);
    for _ in 0..plan.samples {
        let start = clock()?;
        for _ in 0..batch {
            work()?;
        }
        samples_ms.push(elapsed(clock, start)? / f64::from(batch));
    }
    Ok(Measurement {
        samples_ms,
        batch,
        warmup_iterations,
        warmup_ms,
    })
}

/// The largest batch [`steady`] times as one sample.
const MAX_BATCH: u32 = 100_000;

/// Times each of the first `count` iterations of `work` alone, with no warm-up: in a fresh page
/// this is what a learner waits for before V8 has optimised anything.
pub fn cold(
    work: &mut dyn FnMut() -> Result<(), BenchError>,
    clock: &mut dyn FnMut() -> Result<f64, BenchError>,
    count: u32,
) -> Result<Measurement, BenchError> {
    if count == 0 {
        return Err(BenchError::EmptyPlan);
    }
    let mut samples_ms = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let start = clock()?;
        work()?;
        samples_ms.push(elapsed(clock, start)?);
    }
    Ok(Measurement {
        samples_ms,
        batch: 1,
        warmup_iterations: 0,
        warmup_ms: 0.0,
    })
}

/// Where the code ran: `native` or `wasm`.
pub fn target() -> &'static str {
    if cfg!(target_arch = "wasm32") {
        "wasm"
    } else {
        "native"
    }
}

/// One measured workload, as printed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// `handshake`, `records` or `lab`.
    pub kind: &'static str,
    /// The case, suite or chapter.
    pub id: String,
    /// The row label.
    pub label: String,
    /// `native` or `wasm`.
    pub target: &'static str,
    /// `steady` or `cold`.
    pub phase: &'static str,
    /// The median sample (ms per iteration).
    pub median_ms: f64,
    /// The smallest sample.
    pub min_ms: f64,
    /// The largest sample.
    pub max_ms: f64,
    /// How many samples.
    pub samples: u32,
    /// Iterations per sample.
    pub batch: u32,
    /// Iterations timed.
    pub iterations: u64,
    /// Iterations of warm-up.
    pub warmup_iterations: u32,
    /// Record throughput from the median (10^6 bytes of plaintext per second), for `records`.
    pub mb_per_s: Option<f64>,
    /// The cipher suite negotiated, for `handshake`.
    pub suite: Option<String>,
    /// For a resumed handshake, the full handshake it is compared with.
    pub full: Option<&'static str>,
}

impl Outcome {
    /// The outcome of `measurement` on `workload`.
    pub fn new(
        workload: &Workload,
        phase: &'static str,
        measurement: &Measurement,
    ) -> Result<Self, BenchError> {
        let stats = measurement.stats();
        let (suite, full, mb_per_s) = match workload {
            Workload::Handshake(handshaker) => (
                handshaker.negotiated_suite().map(str::to_owned),
                handshaker.case.full,
                None,
            ),
            Workload::Records(_) => (
                None,
                None,
                (stats.median > 0.0).then(|| RECORD_PLAINTEXT_LEN as f64 / stats.median / 1000.0),
            ),
            Workload::Lab(_) => (None, None, None),
        };
        Ok(Self {
            kind: workload.kind(),
            id: workload.name().to_owned(),
            label: workload.label(),
            target: target(),
            phase,
            median_ms: stats.median,
            min_ms: stats.min,
            max_ms: stats.max,
            samples: u32::try_from(measurement.samples_ms.len()).unwrap_or(u32::MAX),
            batch: measurement.batch,
            iterations: measurement.iterations(),
            warmup_iterations: measurement.warmup_iterations,
            mb_per_s,
            suite,
            full,
        })
    }

    /// One line: the kind, then tab-separated `key=value` fields (values never hold a tab or a
    /// line break). The format the xtask reads, natively and from the page alike.
    pub fn to_line(&self) -> String {
        let mut fields = vec![
            ("id", self.id.clone()),
            ("label", self.label.clone()),
            ("target", self.target.to_owned()),
            ("phase", self.phase.to_owned()),
            ("median_ms", format!("{:.6}", self.median_ms)),
            ("min_ms", format!("{:.6}", self.min_ms)),
            ("max_ms", format!("{:.6}", self.max_ms)),
            ("samples", self.samples.to_string()),
            ("batch", self.batch.to_string()),
            ("iterations", self.iterations.to_string()),
            ("warmup_iterations", self.warmup_iterations.to_string()),
        ];
        if let Some(rate) = self.mb_per_s {
            fields.push(("mb_per_s", format!("{rate:.3}")));
        }
        if let Some(suite) = &self.suite {
            fields.push(("suite", suite.clone()));
        }
        if let Some(full) = self.full {
            fields.push(("full", full.to_owned()));
        }
        line(self.kind, &fields)
    }
}

/// Formats one result line: `kind`, then `key=value` fields, tab-separated. Tabs and line
/// breaks inside values become spaces.
pub fn line(kind: &str, fields: &[(&str, String)]) -> String {
    let mut text = kind.to_owned();
    for (key, value) in fields {
        text.push('\t');
        text.push_str(key);
        text.push('=');
        text.extend(value.chars().map(|c| if c.is_control() { ' ' } else { c }));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock that moves 1 ms each time it is read.
    fn ticking() -> impl FnMut() -> Result<f64, BenchError> {
        let mut now = 0.0;
        move || {
            now += 1.0;
            Ok(now)
        }
    }

    #[test]
    fn every_handshake_case_completes_as_the_kind_it_measures() {
        let mut suite = Suite::new();
        for case in HANDSHAKES {
            let pki = suite.pki(case.cert).expect("certificates");
            let mut handshaker = Handshaker::new(*case, pki).expect(case.id);
            for round in 0..3 {
                handshaker
                    .handshake()
                    .unwrap_or_else(|err| panic!("{} round {round}: {err}", case.id));
            }
            let suite_name = handshaker.negotiated_suite().expect("a suite");
            let expected_prefix = match case.version {
                TlsVersion::Tls13 => "TLS13_",
                TlsVersion::Tls12 => "TLS_ECDHE_ECDSA_",
            };
            assert!(
                suite_name.starts_with(expected_prefix),
                "{}: {suite_name}",
                case.id
            );
            let resumed12 = case.version == TlsVersion::Tls12 && case.mode.resumes();
            let expected_group = (!resumed12).then_some(case.group);
            assert_eq!(handshaker.negotiated_group(), expected_group, "{}", case.id);
            assert_eq!(case.mode.resumes(), case.full.is_some(), "{}", case.id);
        }
    }

    #[test]
    fn resumption_keeps_working_for_many_handshakes() {
        // Each TLS 1.3 resumption spends a ticket and receives two; TLS 1.2 reuses its session.
        let mut suite = Suite::new();
        for id in [
            "handshake:tls13-resumed-x25519",
            "handshake:tls12-resumed-session-id",
            "handshake:tls12-resumed-ticket",
        ] {
            let mut workload = suite.workload(id).expect(id);
            for round in 0..40 {
                workload
                    .run_once()
                    .unwrap_or_else(|err| panic!("{id} round {round}: {err}"));
            }
        }
    }

    #[test]
    fn each_record_is_one_full_record_of_the_suite() {
        let mut suite = Suite::new();
        for name in THROUGHPUT_SUITES {
            let pki = suite.pki(CertKeyType::EcdsaP256).expect("certificates");
            let mut pump = RecordPump::new(name, pki).expect(name);
            for _ in 0..3 {
                pump.record().expect(name);
            }
            // Header, [explicit nonce], plaintext, [inner content type], tag.
            let expected = if name.starts_with("TLS13_") {
                5 + RECORD_PLAINTEXT_LEN + 1 + 16
            } else if name.contains("GCM") {
                5 + 8 + RECORD_PLAINTEXT_LEN + 16
            } else {
                5 + RECORD_PLAINTEXT_LEN + 16
            };
            assert_eq!(pump.last_wire_len(), expected, "{name}");
        }
    }

    #[test]
    fn every_workload_id_is_known_and_labs_build() {
        let ids = workload_ids();
        assert_eq!(
            ids.len(),
            HANDSHAKES.len() + THROUGHPUT_SUITES.len() + default_chapters().len()
        );
        assert!(ids.contains(&"lab:whole-session".to_owned()));
        let mut suite = Suite::new();
        let mut lab = suite.workload("lab:establish").expect("lab");
        lab.run_once().expect("a lab for establish");
        assert!(matches!(
            suite.workload("handshake:tls14-full"),
            Err(BenchError::UnknownWorkload(_))
        ));
        assert!(suite.workload("lab:no-such-chapter").is_err());
        assert!(suite.workload("nonsense").is_err());
    }

    #[test]
    fn steady_warms_up_then_times_batches() {
        let mut runs = 0u64;
        let mut work = || {
            runs += 1;
            Ok(())
        };
        let plan = Plan::steady(5);
        let measurement = steady(&mut work, &mut ticking(), &plan).expect("measured");
        // One read per warm-up iteration: 500 iterations reach 500 ms. Then 1 ms per iteration
        // on average, so a 2 ms batch is 2 iterations, and each batch spans one tick.
        assert_eq!(measurement.warmup_iterations, 500);
        assert_eq!(measurement.batch, 2);
        assert_eq!(measurement.samples_ms, vec![0.5; 5]);
        assert_eq!(runs, 500 + 10);
        assert_eq!(measurement.iterations(), 10);

        let single = steady(&mut || Ok(()), &mut ticking(), &Plan::single(3)).expect("measured");
        assert_eq!((single.warmup_iterations, single.batch), (1, 1));
        assert_eq!(single.samples_ms.len(), 3);

        let first = cold(&mut || Ok(()), &mut ticking(), 4).expect("measured");
        assert_eq!(first.samples_ms, vec![1.0; 4]);
        assert!(steady(&mut || Ok(()), &mut ticking(), &Plan::steady(0)).is_err());
    }

    #[test]
    fn a_clock_going_backwards_is_an_error() {
        let mut now = 10.0;
        let mut backwards = move || {
            now -= 1.0;
            Ok(now)
        };
        assert!(matches!(
            cold(&mut || Ok(()), &mut backwards, 1),
            Err(BenchError::Clock(_))
        ));
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(Stats::of(&[3.0, 1.0, 2.0]).median, 2.0);
        let even = Stats::of(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!((even.median, even.min, even.max), (2.5, 1.0, 4.0));
        assert_eq!(Stats::of(&[]), Stats::default());
    }

    #[test]
    fn lines_are_tab_separated_fields_without_control_characters() {
        let text = line(
            "lab",
            &[("id", "a\tb\nc".to_owned()), ("n", "1".to_owned())],
        );
        assert_eq!(text, "lab\tid=a b c\tn=1");

        let mut suite = Suite::new();
        let outcome = suite
            .cold("records:TLS13_AES_128_GCM_SHA256", 2, &mut ticking())
            .expect("measured");
        let text = outcome.to_line();
        assert!(text.starts_with("records\tid=TLS13_AES_128_GCM_SHA256\t"));
        assert!(text.contains("\ttarget=native\tphase=cold\tmedian_ms=1.000000\t"));
        // 16384 bytes in 1 ms.
        assert!(text.contains("\tmb_per_s=16.384"));
        assert!(!text.contains('\n'));
    }
}
