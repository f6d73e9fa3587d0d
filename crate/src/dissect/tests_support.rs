//! Test helpers: the tiling check every dissection must pass, a real rustls client and server
//! joined in memory whose flights are captured, and a minimal TLS 1.3 record decryptor (from
//! key-log secrets) so decrypted handshake messages can be dissected too.

use std::sync::{Arc, Mutex};

use rustls::crypto::ring as provider;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ClientConfig, Connection, ServerConfig, SupportedCipherSuite};

use super::{Direction, Dissection, Field};

/// Asserts that `fields` tile `start..end` exactly, and recursively that every parent's
/// children tile the parent.
pub fn assert_tiles(fields: &[Field], start: usize, end: usize, path: &str) {
    let mut cursor = start;
    for field in fields {
        let here = format!("{path}/{}", field.name);
        assert_eq!(
            field.start, cursor,
            "{here} starts at {} but the previous field ended at {cursor}",
            field.start
        );
        assert!(field.end >= field.start, "{here} ends before it starts");
        if !field.children.is_empty() {
            assert_tiles(&field.children, field.start, field.end, &here);
        }
        cursor = field.end;
    }
    assert_eq!(
        cursor, end,
        "{path}: fields end at {cursor}, expected {end}"
    );
}

/// Asserts that a dissection of `len` input bytes tiles them.
pub fn assert_covers(dissection: &Dissection, len: usize) {
    assert_tiles(&dissection.fields, 0, len, "");
}

/// One side's writes between two reads by the other side.
#[derive(Debug, Clone)]
pub struct Flight {
    pub direction: Direction,
    pub wire: Vec<u8>,
}

/// The CA and server certificate for `mybank.example`.
pub struct Pki {
    pub ca_der: CertificateDer<'static>,
    pub server_der: CertificateDer<'static>,
    pub server_key: PrivatePkcs8KeyDer<'static>,
}

pub const SERVER_NAME: &str = "mybank.example";
pub const CA_NAME: &str = "Session Lab Test CA";

pub fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, CA_NAME);
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().expect("server key");
    let mut params = CertificateParams::new(vec![SERVER_NAME.to_string()]).expect("params");
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2035, 1, 1);
    params
        .distinguished_name
        .push(DnType::CommonName, SERVER_NAME);
    let server_cert = params.signed_by(&server_key, &issuer).expect("server cert");
    Pki {
        ca_der: ca_cert.der().clone(),
        server_der: server_cert.der().clone(),
        server_key: PrivatePkcs8KeyDer::from(server_key.serialize_der()),
    }
}

pub fn provider_with(suites: Option<Vec<SupportedCipherSuite>>) -> Arc<CryptoProvider> {
    let mut provider = provider::default_provider();
    if let Some(suites) = suites {
        provider.cipher_suites = suites;
    }
    Arc::new(provider)
}

pub fn server_config(
    pki: &Pki,
    provider: Arc<CryptoProvider>,
    versions: &[&'static rustls::SupportedProtocolVersion],
    tickets: bool,
) -> Arc<ServerConfig> {
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![pki.server_der.clone(), pki.ca_der.clone()],
            PrivateKeyDer::Pkcs8(pki.server_key.clone_key()),
        )
        .expect("server config");
    if tickets {
        config.ticketer = provider::Ticketer::new().expect("ticketer");
    }
    Arc::new(config)
}

pub fn client_config(
    pki: &Pki,
    provider: Arc<CryptoProvider>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).expect("root");
    ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Records every secret rustls logs, for the test decryptor.
#[derive(Debug, Default)]
pub struct SecretLog(Mutex<Vec<(String, Vec<u8>)>>);

impl rustls::KeyLog for SecretLog {
    fn log(&self, label: &str, _client_random: &[u8], secret: &[u8]) {
        if let Ok(mut secrets) = self.0.lock() {
            secrets.push((label.to_string(), secret.to_vec()));
        }
    }
}

impl SecretLog {
    pub fn get(&self, label: &str) -> Option<Vec<u8>> {
        self.0
            .lock()
            .ok()?
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, s)| s.clone())
    }
}

/// Moves everything `from` wants to write into `to`, returning the bytes.
fn transfer(from: &mut Connection, to: &mut Connection) -> Vec<u8> {
    let mut wire = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut wire).expect("write_tls");
    }
    let mut rest = &wire[..];
    while !rest.is_empty() {
        to.read_tls(&mut rest).expect("read_tls");
        to.process_new_packets().expect("process_new_packets");
    }
    wire
}

/// Runs a whole session: handshake, a request and response, then close_notify both ways.
/// Returns the flights and the client's key log.
pub fn run_session(
    client: ClientConfig,
    server: Arc<ServerConfig>,
) -> (Vec<Flight>, Arc<SecretLog>) {
    use std::io::Write;
    let log = Arc::new(SecretLog::default());
    let mut client = client;
    client.key_log = log.clone();
    let name = SERVER_NAME.try_into().expect("server name");
    let mut client =
        Connection::Client(rustls::ClientConnection::new(Arc::new(client), name).expect("client"));
    let mut server = Connection::Server(rustls::ServerConnection::new(server).expect("server"));
    let mut flights = Vec::new();
    let mut push = |direction, wire: Vec<u8>| {
        if !wire.is_empty() {
            flights.push(Flight { direction, wire });
        }
    };
    for _ in 0..10 {
        let to_server = transfer(&mut client, &mut server);
        let to_client = transfer(&mut server, &mut client);
        let quiet = to_server.is_empty() && to_client.is_empty();
        push(Direction::ClientToServer, to_server);
        push(Direction::ServerToClient, to_client);
        if quiet && !client.is_handshaking() && !server.is_handshaking() {
            break;
        }
    }
    client
        .writer()
        .write_all(b"GET /balance HTTP/1.1\r\nHost: mybank.example\r\n\r\n")
        .expect("request");
    push(
        Direction::ClientToServer,
        transfer(&mut client, &mut server),
    );
    server
        .writer()
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n42.00")
        .expect("response");
    push(
        Direction::ServerToClient,
        transfer(&mut server, &mut client),
    );
    client.send_close_notify();
    push(
        Direction::ClientToServer,
        transfer(&mut client, &mut server),
    );
    server.send_close_notify();
    push(
        Direction::ServerToClient,
        transfer(&mut server, &mut client),
    );
    (flights, log)
}

/// Splits wire bytes into whole records: (header, payload).
pub fn records(wire: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    let mut rest = wire;
    while rest.len() >= 5 {
        let length = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        let (record, tail) = rest.split_at(5 + length);
        out.push(record.split_at(5));
        rest = tail;
    }
    out
}

/// Decrypts the TLS 1.3 records of one direction, switching from handshake to application
/// keys after that side's Finished, as RFC 8446 §7 prescribes.
pub struct Tls13Decryptor {
    handshake_secret: Vec<u8>,
    application_secret: Vec<u8>,
    hash: ring::hkdf::Algorithm,
    aead: &'static ring::aead::Algorithm,
    in_application_phase: bool,
    sequence: u64,
}

struct Len(usize);

impl ring::hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn expand_label(hash: ring::hkdf::Algorithm, secret: &[u8], label: &str, length: usize) -> Vec<u8> {
    let full_label = format!("tls13 {label}");
    let mut info = Vec::new();
    info.extend_from_slice(&(length as u16).to_be_bytes());
    info.push(full_label.len() as u8);
    info.extend_from_slice(full_label.as_bytes());
    info.push(0);
    let prk = ring::hkdf::Prk::new_less_safe(hash, secret);
    let mut out = vec![0u8; length];
    prk.expand(&[&info], Len(length))
        .expect("expand")
        .fill(&mut out)
        .expect("fill");
    out
}

impl Tls13Decryptor {
    pub fn new(log: &SecretLog, direction: Direction, suite: u16) -> Self {
        let (handshake_label, application_label) = match direction {
            Direction::ClientToServer => {
                ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0")
            }
            Direction::ServerToClient => {
                ("SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0")
            }
        };
        let (hash, aead) = match suite {
            0x1301 => (ring::hkdf::HKDF_SHA256, &ring::aead::AES_128_GCM),
            0x1302 => (ring::hkdf::HKDF_SHA384, &ring::aead::AES_256_GCM),
            0x1303 => (ring::hkdf::HKDF_SHA256, &ring::aead::CHACHA20_POLY1305),
            other => panic!("no test decryption for suite {other:#06x}"),
        };
        Self {
            handshake_secret: log.get(handshake_label).expect("handshake secret"),
            application_secret: log.get(application_label).expect("application secret"),
            hash,
            aead,
            in_application_phase: false,
            sequence: 0,
        }
    }

    /// Decrypts one record (outer type 23), returning the TLSInnerPlaintext.
    pub fn open(&mut self, header: &[u8], payload: &[u8]) -> Vec<u8> {
        let secret = if self.in_application_phase {
            &self.application_secret
        } else {
            &self.handshake_secret
        };
        let key_bytes = expand_label(self.hash, secret, "key", self.aead.key_len());
        let iv = expand_label(self.hash, secret, "iv", 12);
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&iv);
        for (n, s) in nonce[4..].iter_mut().zip(self.sequence.to_be_bytes()) {
            *n ^= s;
        }
        let key = ring::aead::LessSafeKey::new(
            ring::aead::UnboundKey::new(self.aead, &key_bytes).expect("key"),
        );
        let mut buffer = payload.to_vec();
        let plaintext = key
            .open_in_place(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(header),
                &mut buffer,
            )
            .expect("decrypt")
            .to_vec();
        self.sequence += 1;
        if !self.in_application_phase && carries_finished(&plaintext) {
            self.in_application_phase = true;
            self.sequence = 0;
        }
        plaintext
    }
}

/// True when a TLSInnerPlaintext holds handshake messages including Finished.
fn carries_finished(plaintext: &[u8]) -> bool {
    let Some(type_index) = plaintext.iter().rposition(|&b| b != 0) else {
        return false;
    };
    if plaintext[type_index] != 22 {
        return false;
    }
    let mut rest = &plaintext[..type_index];
    while rest.len() >= 4 {
        let length = usize::from(rest[1]) << 16 | usize::from(rest[2]) << 8 | usize::from(rest[3]);
        if rest[0] == 20 {
            return true;
        }
        rest = &rest[(4 + length).min(rest.len())..];
    }
    false
}
