//! Live tests against real rustls: an in-memory client and server (rcgen PKI for
//! `mybank.example`, ring provider, one suite at a time) log their secrets into a
//! [`KeyLogCollector`]; every record of every flight is captured and fed to
//! [`SessionDecryptor`], and what we open, recompute and re-seal is compared with what rustls
//! itself sent, received and holds.

use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;

use rustls::crypto::{ring as ring_provider, CryptoProvider, SupportedKxGroup};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{
    ClientConfig, ClientConnection, ConnectionTrafficSecrets, HandshakeKind, RootCertStore,
    ServerConfig, ServerConnection, SupportedCipherSuite, SupportedProtocolVersion,
};

use super::connection::{Epoch, RecordOutcome, SessionDecryptor};
use super::keylog::KeyLogCollector;
use super::record::SealOptions;
use super::{Direction, KeysError};

const REQUEST: &[u8] = b"GET /dashboard HTTP/1.1\r\nHost: mybank.example\r\n\r\n";
const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 16\r\n\r\nBalance: $1,024\n";
const AFTER_CLIENT_UPDATE: &[u8] = b"GET /statement HTTP/1.1\r\nHost: mybank.example\r\n\r\n";
const AFTER_SERVER_UPDATE: &[u8] = b"HTTP/1.1 204 No Content\r\n\r\n";

/// A 2048-bit RSA key (PKCS #8) for the ECDHE_RSA suites: ring signs with RSA but cannot
/// generate RSA keys, so this test fixture was made once with `openssl genpkey`.
const RSA_SERVER_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDPmodf/SqQpC2g
dgTgJmzXzT4Uv5XHHTfBEjrsKkFErb9EwSUndJKTQxNY+gndJBr4PC7ZMQwpAiMx
TUrlVBwMhZZFPG0Ffg7RiX1HOOWKo3ktrE5l72+lG5RoY7sy33f0/nFMrCxJ700Z
+J8hY/22vP6PBPDMqIzr4C2ZJ9tFDZf3TT808OHiQhNsg1ot4vWERlrJrOSoje01
3ddhHFNT5Zfhna8gXMGaOSs2817CvGvNZQR1Ycp0sRJtRA6EGi5mLjD1Ch+U1FVv
beyRpgUrGIAwy+SiYibFMvmaJ0wu4PO3y1PrgHdK9UmRdQttx90VF5TL6dK6rZJ9
DXcgFiynAgMBAAECggEAXGA006P5kDHVsZxCMCE49k93y9CyC073c5wyhsqIj1BG
lwfgie1nmUpT7hgYUoPR0lopOHCIKiku0q3DYUbrUjEQ/A7WrgZ4/ojQq2PoU6fI
8GdG3TnM8mlSwJ57+jeQj322mXjVHjLymldUK43sI6d2F9qJcW+ggQaYE5m2CkOk
StSATYGc9iLIPtqJ037puuusWVnPNu30EinN4/SqCgKEJawLmJhiAI1hc3IQxKUN
CAH8qQXT4luOxuw7b0E+kODTOkp8d+FG+e8G6BlKik3nm6dJsfTYn/TfLN6wPgcq
UUzz3HKs6rODxuKpPhjkyZUR3GRToV9Q/xvIIoNRgQKBgQDyaTAMJ6KEnanM4aQG
8Wrf3cJmYjXhI21iave/aZvBYkVz8asSK/54hsCRWPTjIeej3iN434mzN7jT5kP6
eBtHEmlH/s3BFG1WQfJyfGeLOXjEhOXpugYMRW2EP4+eJuAk7AmvD6lIA6U0ZoNk
haEWdDGAoEtYIhYQX2ql08+1gQKBgQDbPdNuTKHJ4DVRl/n5xs5cENtn3aNQm6o6
LUCFw5tB464bHPD0uiXuA+PS88GeSyF3PGPQ2WM0BroFCAwNv42678j//MPqE0SO
CTRPM8vsAS9HW4w//m3XFJecSifUVdBfaF/y5dozi8zpXOiQnY7D1Sw5uLsICoSR
wpOWunCGJwKBgCNwR0rvnG3A0usV7bHqJ1K1C8+F+hSA5mPl+XQtT0z1PewWX4kX
j2s1X/+fvqVZ9pBZUFxCadIeilHILxX16x73zRZuZMweXWGn4HbmQwjyjPpF54rE
3E988ubLmAZp7ojXTQ8fvgK+La+8cOcINiWfNQF17a3jxc/88w1tKseBAoGBALZ4
SY2GiC0txxKmy22gkkW73fAfXnqLZG1RFl9+QqzfIxv7xWvZthHX+Pis2Zu2ah8E
Cwtasp8tbgsb/HRA1mQciAzOQfyCls8kR/4XXQSKo9/fCOaGCsM0p05zxZyK44dU
pm7R8P5vv1cGdaVPDPBebpWH81oo7tclu5J6j4aHAoGBAKw+OpcUT1ZsGpsaGf+5
k8EGfLPWma4e3tfeosWcd8gDMi88vjxSqbljbl5FSkn+4bHNxPwezbZuXtIuNymE
mkHYYe7LBc/WowRcecfWhAS+fk8WScUR/6um7YwtykZT3oKgWuFPTrsldRnbWGun
QPBOgsfr8lOOisVR4ydiLIVz
-----END PRIVATE KEY-----
";

/// The server's certificate kind, which the TLS 1.2 suite names.
#[derive(Clone, Copy)]
enum ServerKey {
    Ecdsa,
    Rsa,
}

/// A CA and two server certificates for `mybank.example`.
struct Pki {
    roots: RootCertStore,
    ecdsa: (CertificateDer<'static>, Vec<u8>),
    rsa: (CertificateDer<'static>, Vec<u8>),
}

fn pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Session Lab Test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let server_cert = |key: &rcgen::KeyPair| {
        let params = rcgen::CertificateParams::new(vec!["mybank.example".to_owned()])
            .expect("server params");
        let cert = params.signed_by(key, &issuer).expect("server certificate");
        (cert.der().clone(), key.serialize_der())
    };
    let ecdsa_key = rcgen::KeyPair::generate().expect("ECDSA key");
    let rsa_key =
        rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(RSA_SERVER_KEY, &rcgen::PKCS_RSA_SHA256)
            .expect("RSA key");

    let mut roots = RootCertStore::empty();
    roots.add(ca_cert.der().clone()).expect("root");
    Pki {
        roots,
        ecdsa: server_cert(&ecdsa_key),
        rsa: server_cert(&rsa_key),
    }
}

/// Client and server configured for one suite and version, both logging into one collector.
struct Lab {
    client_config: Arc<ClientConfig>,
    server_config: Arc<ServerConfig>,
    key_log: Arc<KeyLogCollector>,
    suite: SupportedCipherSuite,
}

#[derive(Default)]
struct LabOptions {
    server_kx_groups: Option<Vec<&'static dyn SupportedKxGroup>>,
    early_data: bool,
    secret_extraction: bool,
}

fn lab(pki: &Pki, suite: SupportedCipherSuite, options: LabOptions) -> Lab {
    let version: &'static SupportedProtocolVersion = suite.version();
    let provider = |kx_groups: Option<Vec<&'static dyn SupportedKxGroup>>| {
        let mut provider = CryptoProvider {
            cipher_suites: vec![suite],
            ..ring_provider::default_provider()
        };
        if let Some(groups) = kx_groups {
            provider.kx_groups = groups;
        }
        Arc::new(provider)
    };
    let key_log = Arc::new(KeyLogCollector::new());
    let (cert, key) = match server_key(suite) {
        ServerKey::Ecdsa => pki.ecdsa.clone(),
        ServerKey::Rsa => pki.rsa.clone(),
    };

    let mut server_config = ServerConfig::builder_with_provider(provider(options.server_kx_groups))
        .with_protocol_versions(&[version])
        .expect("server versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
        )
        .expect("server certificate");
    server_config.key_log = key_log.clone();
    server_config.enable_secret_extraction = options.secret_extraction;
    if options.early_data {
        server_config.max_early_data_size = 16 * 1024;
    }

    let mut client_config = ClientConfig::builder_with_provider(provider(None))
        .with_protocol_versions(&[version])
        .expect("client versions")
        .with_root_certificates(pki.roots.clone())
        .with_no_client_auth();
    client_config.key_log = key_log.clone();
    client_config.enable_secret_extraction = options.secret_extraction;
    client_config.enable_early_data = options.early_data;

    Lab {
        client_config: Arc::new(client_config),
        server_config: Arc::new(server_config),
        key_log,
        suite,
    }
}

fn server_key(suite: SupportedCipherSuite) -> ServerKey {
    if format!("{:?}", suite.suite()).contains("_RSA_") {
        ServerKey::Rsa
    } else {
        ServerKey::Ecdsa
    }
}

/// One connection in progress, with every record either side wrote, in wire order.
struct Connection {
    client: ClientConnection,
    server: ServerConnection,
    records: Vec<(Direction, Vec<u8>)>,
    /// What the server's `reader()` returned (the client's application data).
    server_received: Vec<u8>,
    /// What the client's `reader()` returned (the server's application data).
    client_received: Vec<u8>,
}

impl Connection {
    fn new(lab: &Lab) -> Self {
        let name = ServerName::try_from("mybank.example").expect("server name");
        Self {
            client: ClientConnection::new(lab.client_config.clone(), name).expect("client"),
            server: ServerConnection::new(lab.server_config.clone()).expect("server"),
            records: Vec::new(),
            server_received: Vec::new(),
            client_received: Vec::new(),
        }
    }

    /// Moves bytes both ways until neither side has anything to send, keeping each record.
    fn pump(&mut self) {
        loop {
            let mut progressed = false;
            while self.client.wants_write() {
                let mut bytes = Vec::new();
                self.client.write_tls(&mut bytes).expect("client write_tls");
                self.records.extend(
                    split_records(&bytes).map(|record| (Direction::ClientToServer, record)),
                );
                let mut slice = bytes.as_slice();
                while !slice.is_empty() {
                    self.server.read_tls(&mut slice).expect("server read_tls");
                    self.server.process_new_packets().expect("server process");
                }
                progressed = true;
            }
            while self.server.wants_write() {
                let mut bytes = Vec::new();
                self.server.write_tls(&mut bytes).expect("server write_tls");
                self.records.extend(
                    split_records(&bytes).map(|record| (Direction::ServerToClient, record)),
                );
                let mut slice = bytes.as_slice();
                while !slice.is_empty() {
                    self.client.read_tls(&mut slice).expect("client read_tls");
                    self.client.process_new_packets().expect("client process");
                }
                progressed = true;
            }
            self.server_received
                .extend(read_available(&mut self.server.reader()));
            self.client_received
                .extend(read_available(&mut self.client.reader()));
            if !progressed {
                break;
            }
        }
    }

    fn client_sends(&mut self, data: &[u8]) {
        self.client.writer().write_all(data).expect("client write");
        self.pump();
    }

    fn server_sends(&mut self, data: &[u8]) {
        self.server.writer().write_all(data).expect("server write");
        self.pump();
    }

    /// The client random, read from the captured ClientHello record.
    fn client_random(&self) -> Vec<u8> {
        let (_, hello) = self
            .records
            .iter()
            .find(|(direction, _)| *direction == Direction::ClientToServer)
            .expect("a ClientHello");
        // Record header (5) + handshake header (4) + legacy version (2), then 32 random bytes.
        hello[11..43].to_vec()
    }
}

fn split_records(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.len() < 5 {
            assert!(rest.is_empty(), "write_tls wrote a partial record header");
            return None;
        }
        let length = 5 + usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        let (record, after) = rest.split_at(length);
        rest = after;
        Some(record.to_vec())
    })
}

fn read_available(reader: &mut impl Read) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(count) => received.extend_from_slice(&buffer[..count]),
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) => panic!("reader: {error}"),
        }
    }
    received
}

/// What decrypting a captured connection found.
#[derive(Default)]
struct Decrypted {
    /// Application data we opened, client's then server's.
    client_data: Vec<u8>,
    server_data: Vec<u8>,
    /// Early (0-RTT) data we opened.
    early_data: Vec<u8>,
    /// Finished messages checked (all must have matched).
    finished_checked: usize,
    /// Protected records opened.
    opened: usize,
    /// Highest application generation a record was opened under, client and server.
    client_generation: u32,
    server_generation: u32,
    /// KeyUpdate messages opened, client's and server's.
    client_key_updates: usize,
    server_key_updates: usize,
}

/// Feeds every record to a [`SessionDecryptor`], asserting that each protected record opens,
/// re-seals to its exact wire bytes (both with its own explicit nonce and with the default
/// rustls-style one), and that every Finished matches.
fn decrypt(lab: &Lab, connection: &Connection, context: &str) -> Decrypted {
    let suite_id = u16::from(lab.suite.suite());
    let entries = lab.key_log.entries();
    let mut session =
        SessionDecryptor::new(suite_id, &entries, Some(&connection.client_random()), None)
            .unwrap_or_else(|error| panic!("{context}: {error}"));
    let mut found = Decrypted::default();
    for (index, (direction, record)) in connection.records.iter().enumerate() {
        let outcome = session
            .process_record(*direction, record)
            .unwrap_or_else(|error| panic!("{context}: record {index} ({direction:?}): {error}"));
        let RecordOutcome::Opened(opened) = outcome else {
            continue;
        };
        found.opened += 1;
        let resealed = session.reseal(&opened).expect("reseal");
        assert_eq!(
            &resealed.record, record,
            "{context}: record {index} re-seals to the wire bytes"
        );
        let keys = session.keys(*direction, opened.epoch).expect("keys");
        let sealed = keys
            .seal(
                opened.trace.seq,
                opened.trace.content_type,
                &opened.trace.content,
                &SealOptions::default(),
            )
            .expect("seal");
        assert_eq!(
            &sealed.record, record,
            "{context}: record {index} seals like rustls by default"
        );

        if let Some(check) = &opened.finished {
            assert!(
                check.matches,
                "{context}: {direction:?} Finished: {check:?}"
            );
            found.finished_checked += 1;
        }
        let key_updates = opened
            .handshake_types
            .iter()
            .filter(|&&kind| kind == 24)
            .count();
        match direction {
            Direction::ClientToServer => found.client_key_updates += key_updates,
            Direction::ServerToClient => found.server_key_updates += key_updates,
        }
        if let Epoch::Application { generation } = opened.epoch {
            match direction {
                Direction::ClientToServer => {
                    found.client_generation = found.client_generation.max(generation)
                }
                Direction::ServerToClient => {
                    found.server_generation = found.server_generation.max(generation)
                }
            }
        }
        if opened.trace.content_type == 23 {
            match (direction, opened.epoch) {
                (_, Epoch::Early) => found.early_data.extend(&opened.trace.content),
                (Direction::ClientToServer, _) => found.client_data.extend(&opened.trace.content),
                (Direction::ServerToClient, _) => found.server_data.extend(&opened.trace.content),
            }
        }
    }
    // The view must build and serialise for every connection.
    let view = session.key_schedule().expect("key schedule");
    serde_json::to_string(&view).expect("view serialises");
    found
}

fn suites(version: &'static SupportedProtocolVersion) -> Vec<SupportedCipherSuite> {
    ring_provider::ALL_CIPHER_SUITES
        .iter()
        .copied()
        .filter(|suite| suite.version() == version)
        .collect()
}

/// Handshake, request, response; in TLS 1.3 also a KeyUpdate each way (two from the client).
fn exchange(lab: &Lab, key_updates: bool) -> Connection {
    let mut connection = Connection::new(lab);
    connection.pump();
    assert!(!connection.client.is_handshaking() && !connection.server.is_handshaking());
    connection.client_sends(REQUEST);
    connection.server_sends(RESPONSE);
    if key_updates {
        connection
            .client
            .refresh_traffic_keys()
            .expect("client KeyUpdate");
        connection.client_sends(AFTER_CLIENT_UPDATE);
        connection
            .server
            .refresh_traffic_keys()
            .expect("server KeyUpdate");
        connection.server_sends(AFTER_SERVER_UPDATE);
        connection
            .client
            .refresh_traffic_keys()
            .expect("second client KeyUpdate");
        connection.client_sends(REQUEST);
    }
    connection.client.send_close_notify();
    connection.pump();
    connection
}

#[test]
fn tls13_every_suite_opens_reseals_checks_finished_and_follows_key_updates() {
    let pki = pki();
    let tls13_suites = suites(&rustls::version::TLS13);
    assert_eq!(tls13_suites.len(), 3);
    for suite in tls13_suites {
        let context = format!("{:?}", suite.suite());
        let lab = lab(&pki, suite, LabOptions::default());
        let connection = exchange(&lab, true);
        let found = decrypt(&lab, &connection, &context);

        assert_eq!(
            found.finished_checked, 2,
            "{context}: both Finished messages"
        );
        assert_eq!(
            found.client_data, connection.server_received,
            "{context}: client data"
        );
        assert_eq!(
            found.server_data, connection.client_received,
            "{context}: server data"
        );
        let mut expected_request = REQUEST.to_vec();
        expected_request.extend(AFTER_CLIENT_UPDATE);
        expected_request.extend(REQUEST);
        assert_eq!(found.client_data, expected_request, "{context}");
        // refresh_traffic_keys asks the peer to update too (update_requested), and rustls sends
        // its answers with its next write, so the exact counts are rustls' business; what must
        // hold is that each direction's records follow its own KeyUpdates. The client's
        // close_notify comes after its last KeyUpdate; the server wrote data after its own.
        assert!(
            found.client_key_updates >= 2,
            "{context}: the client's two refreshes"
        );
        assert!(
            found.server_key_updates >= 1,
            "{context}: the server's refresh"
        );
        assert_eq!(
            found.client_generation as usize, found.client_key_updates,
            "{context}"
        );
        assert!(found.server_generation >= 1, "{context}");
        assert!(
            found.server_generation as usize <= found.server_key_updates,
            "{context}"
        );
    }
}

#[test]
fn tls12_every_suite_opens_reseals_and_checks_finished() {
    let pki = pki();
    let tls12_suites = suites(&rustls::version::TLS12);
    assert_eq!(tls12_suites.len(), 6);
    for suite in tls12_suites {
        let context = format!("{:?}", suite.suite());
        let lab = lab(&pki, suite, LabOptions::default());
        let connection = exchange(&lab, false);
        let found = decrypt(&lab, &connection, &context);

        assert_eq!(
            found.finished_checked, 2,
            "{context}: both Finished messages"
        );
        assert_eq!(found.client_data, REQUEST, "{context}");
        assert_eq!(
            found.client_data, connection.server_received,
            "{context}: client data"
        );
        assert_eq!(
            found.server_data, connection.client_received,
            "{context}: server data"
        );
        assert!(
            found.opened >= 5,
            "{context}: Finished ×2, request, response, alert"
        );
    }
}

#[test]
fn tls12_resumed_sessions_decrypt_too() {
    let pki = pki();
    for suite in [
        ring_provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ring_provider::cipher_suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ring_provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ] {
        let context = format!("{:?}", suite.suite());
        let lab = lab(&pki, suite, LabOptions::default());
        let first = exchange(&lab, false);
        assert_eq!(first.client.handshake_kind(), Some(HandshakeKind::Full));
        let resumed = exchange(&lab, false);
        assert_eq!(
            resumed.client.handshake_kind(),
            Some(HandshakeKind::Resumed),
            "{context}"
        );

        // The collector now holds both connections; the client random picks each one.
        for connection in [&first, &resumed] {
            let found = decrypt(&lab, connection, &context);
            assert_eq!(found.finished_checked, 2, "{context}");
            assert_eq!(found.client_data, connection.server_received, "{context}");
            assert_eq!(found.server_data, connection.client_received, "{context}");
        }
        let entries = lab.key_log.entries();
        assert!(matches!(
            SessionDecryptor::new(u16::from(suite.suite()), &entries, None, None),
            Err(KeysError::AmbiguousKeyLog)
        ));
    }
}

#[test]
fn tls13_hello_retry_request_transcript_still_checks_finished() {
    let pki = pki();
    let suite = ring_provider::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let options = LabOptions {
        // The client's first key share is X25519; a server that only takes P-256 must ask again.
        server_kx_groups: Some(vec![ring_provider::kx_group::SECP256R1]),
        ..LabOptions::default()
    };
    let lab = lab(&pki, suite, options);
    let connection = exchange(&lab, false);
    assert_eq!(
        connection.client.handshake_kind(),
        Some(HandshakeKind::FullWithHelloRetryRequest)
    );
    let found = decrypt(&lab, &connection, "HRR");
    assert_eq!(found.finished_checked, 2);
    assert_eq!(found.client_data, REQUEST);
}

#[test]
fn tls13_resumption_with_early_data_opens_the_early_epoch() {
    let pki = pki();
    let suite = ring_provider::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256;
    let options = LabOptions {
        early_data: true,
        ..LabOptions::default()
    };
    let lab = lab(&pki, suite, options);
    let first = exchange(&lab, false);
    assert_eq!(first.client.handshake_kind(), Some(HandshakeKind::Full));

    let mut second = Connection::new(&lab);
    let mut early = second
        .client
        .early_data()
        .expect("a ticket allowing early data");
    early.write_all(REQUEST).expect("early write");
    second.pump();
    let early_received = second
        .server
        .early_data()
        .map(|mut reader| read_available(&mut reader))
        .unwrap_or_default();
    assert!(second.client.is_early_data_accepted());
    assert_eq!(early_received, REQUEST);
    second.server_sends(RESPONSE);
    second.client.send_close_notify();
    second.pump();
    assert_eq!(second.client.handshake_kind(), Some(HandshakeKind::Resumed));

    let found = decrypt(&lab, &second, "0-RTT");
    assert_eq!(found.early_data, REQUEST);
    assert_eq!(found.finished_checked, 2);
    assert_eq!(found.server_data, second.client_received);

    // Early data offered but none written: the early epoch holds only EndOfEarlyData.
    let mut third = Connection::new(&lab);
    third.pump();
    third.client_sends(REQUEST);
    let found = decrypt(&lab, &third, "0-RTT offered, nothing sent");
    assert!(third.client.is_early_data_accepted());
    assert_eq!(found.client_data, REQUEST);
    assert!(found.early_data.is_empty());
    assert_eq!(found.finished_checked, 2);

    // Early data sent but rejected (a server sharing the session cache that takes no 0-RTT):
    // the early record still opens under the early keys, and the client's next record, under
    // handshake keys, makes the decryptor fall back to the handshake epoch.
    let mut rejecting_config = (*lab.server_config).clone();
    rejecting_config.max_early_data_size = 0;
    let rejecting = Lab {
        server_config: Arc::new(rejecting_config),
        client_config: lab.client_config.clone(),
        key_log: lab.key_log.clone(),
        suite: lab.suite,
    };
    let mut fourth = Connection::new(&rejecting);
    fourth
        .client
        .early_data()
        .expect("a ticket allowing early data")
        .write_all(REQUEST)
        .expect("early write");
    fourth.pump();
    assert!(!fourth.client.is_early_data_accepted());
    assert_eq!(fourth.client.handshake_kind(), Some(HandshakeKind::Resumed));
    fourth.client_sends(AFTER_CLIENT_UPDATE);
    let found = decrypt(&rejecting, &fourth, "0-RTT rejected");
    assert_eq!(
        found.early_data, REQUEST,
        "what the client sent, though the server skipped it"
    );
    assert_eq!(found.client_data, AFTER_CLIENT_UPDATE);
    assert_eq!(found.client_data, fourth.server_received);
    assert_eq!(found.finished_checked, 2);
}

#[test]
fn derived_keys_equal_what_rustls_extracts() {
    let pki = pki();
    for &suite in ring_provider::ALL_CIPHER_SUITES {
        let context = format!("{:?}", suite.suite());
        let options = LabOptions {
            secret_extraction: true,
            ..LabOptions::default()
        };
        let lab = lab(&pki, suite, options);
        let mut connection = Connection::new(&lab);
        connection.pump();
        connection.client_sends(REQUEST);
        connection.server_sends(RESPONSE);

        let suite_id = u16::from(suite.suite());
        let mut session =
            SessionDecryptor::new(suite_id, &lab.key_log.entries(), None, None).expect("session");
        for (direction, record) in &connection.records {
            session.process_record(*direction, record).expect("record");
        }
        let epoch = session.epoch(Direction::ClientToServer);
        let ours = session
            .keys(Direction::ClientToServer, epoch)
            .expect("client keys");
        let next_seq = session.next_seq(Direction::ClientToServer);

        let extracted = connection
            .client
            .dangerous_extract_secrets()
            .expect("extract");
        let (seq, secrets) = extracted.tx;
        let (key, iv) = match &secrets {
            ConnectionTrafficSecrets::Aes128Gcm { key, iv }
            | ConnectionTrafficSecrets::Aes256Gcm { key, iv }
            | ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv } => {
                (key.as_ref().to_vec(), iv.as_ref().to_vec())
            }
            _ => panic!("{context}: unexpected AEAD"),
        };
        assert_eq!(seq, next_seq, "{context}: sequence number");
        assert_eq!(key, ours.key(), "{context}: key");
        // rustls' TLS 1.2 AES-GCM "IV" is salt ‖ explicit-nonce base; elsewhere the IV itself.
        let mut our_iv = ours.iv().to_vec();
        our_iv.extend(ours.explicit_nonce_base().unwrap_or_default());
        assert_eq!(iv, our_iv, "{context}: iv");
    }
}

#[test]
fn a_tampered_record_fails_its_tag_and_leaves_the_state_for_a_retry() {
    let pki = pki();
    let suite = ring_provider::cipher_suite::TLS13_AES_256_GCM_SHA384;
    let lab = lab(&pki, suite, LabOptions::default());
    let connection = exchange(&lab, false);
    let mut session =
        SessionDecryptor::new(u16::from(suite.suite()), &lab.key_log.entries(), None, None)
            .expect("session");
    for (direction, record) in &connection.records {
        if record[0] == 23 {
            let mut tampered = record.clone();
            let last = tampered.len() - 1;
            tampered[last] ^= 0x01;
            let seq = session.next_seq(*direction);
            assert_eq!(
                session.process_record(*direction, &tampered),
                Err(KeysError::DecryptFailed { seq })
            );
        }
        session
            .process_record(*direction, record)
            .expect("the genuine record still opens");
    }
}
