//! Tests on real traffic: a rustls client and server (ring provider) talk in memory over TLS
//! 1.3 and TLS 1.2, every flight is dissected, and the results are checked against what the
//! configurations and certificates actually contain.

use rustls::crypto::ring::cipher_suite;
use rustls::version::{TLS12, TLS13};
use rustls::ClientConfig;

use super::tests_support::*;
use super::{
    cipher_suite_name, named_group_name, ConnectionDissector, Direction, Dissection, Field,
    TlsVersion,
};

fn dissect_all(flights: &[Flight]) -> (ConnectionDissector, Vec<Dissection>) {
    let mut dissector = ConnectionDissector::new();
    let dissections = flights
        .iter()
        .map(|flight| {
            let dissection = dissector.dissect_flight(flight.direction, &flight.wire);
            assert_covers(&dissection, flight.wire.len());
            assert!(
                dissection.problems().is_empty(),
                "unexpected problems: {:#?}",
                dissection.problems()
            );
            dissection
        })
        .collect();
    (dissector, dissections)
}

fn messages(dissection: &Dissection) -> Vec<&str> {
    dissection.messages.iter().map(String::as_str).collect()
}

/// The values of all fields named `name` under `parent`.
fn values<'a>(parent: &'a Field, name: &str) -> Vec<&'a str> {
    parent
        .descendants()
        .into_iter()
        .filter(|f| f.name == name)
        .map(|f| f.value.as_str())
        .collect()
}

/// The suites the client's provider holds, in order: rustls offers all of them, whatever
/// versions are enabled.
fn configured_suites(config: &ClientConfig) -> Vec<u16> {
    config
        .crypto_provider()
        .cipher_suites
        .iter()
        .map(|suite| u16::from(suite.suite()))
        .collect()
}

fn first_group(config: &ClientConfig) -> u16 {
    u16::from(config.crypto_provider().kx_groups[0].name())
}

/// Checks the ClientHello against the client configuration; returns the ClientHello field.
fn check_client_hello<'a>(
    dissection: &'a Dissection,
    expected_suites: &[u16],
    group: u16,
) -> &'a Field {
    assert_eq!(messages(dissection), ["ClientHello"]);
    let hello = dissection.find("ClientHello").expect("ClientHello");
    let suites = hello.find("cipher_suites").expect("cipher_suites");
    let offered: Vec<&str> = values(suites, "cipher_suite")
        .into_iter()
        .filter(|v| !v.contains("SCSV"))
        .collect();
    let expected: Vec<String> = expected_suites
        .iter()
        .map(|&code| {
            format!(
                "{} (0x{code:04x})",
                cipher_suite_name(code).expect("known suite")
            )
        })
        .collect();
    assert_eq!(offered, expected);

    let server_name = hello.find("server_name").expect("server_name extension");
    assert_eq!(server_name.value, format!("\"{SERVER_NAME}\""));
    let host = server_name.find("name").expect("host name leaf");
    assert_eq!(host.value, format!("\"{SERVER_NAME}\""));
    assert_eq!(host.len(), SERVER_NAME.len());

    let group_name = named_group_name(group).expect("known group");
    if let Some(entry) = hello.find("key_share_entry") {
        let group_field = entry.find("group").expect("group");
        assert_eq!(group_field.value, format!("{group_name} (0x{group:04x})"));
    }
    let groups = hello.find("supported_groups").expect("supported_groups");
    assert!(values(groups, "named_group")[0].starts_with(group_name));
    hello
}

/// Checks a Certificate message's end-entity certificate against what rcgen issued.
fn check_certificate(certificate: &Field, chain_length: usize) {
    let certs: Vec<&Field> = certificate
        .descendants()
        .into_iter()
        .filter(|f| f.name == "x509_certificate")
        .collect();
    assert_eq!(certs.len(), chain_length);
    let leaf = certs[0];
    assert_eq!(
        leaf.find("subject").expect("subject").value,
        format!("CN={SERVER_NAME}")
    );
    assert_eq!(
        leaf.find("issuer").expect("issuer").value,
        format!("CN={CA_NAME}")
    );
    assert_eq!(
        leaf.find("subjectAltName").expect("SAN").value,
        format!("DNS:{SERVER_NAME}")
    );
    assert_eq!(
        leaf.find("notBefore").expect("notBefore").value,
        "2025-01-01T00:00:00Z"
    );
    assert_eq!(
        leaf.find("notAfter").expect("notAfter").value,
        "2035-01-01T00:00:00Z"
    );
    assert_eq!(
        leaf.find("subjectPublicKeyInfo").expect("spki").value,
        "ECDSA P-256"
    );
    assert!(leaf
        .find("signatureAlgorithm")
        .expect("signature algorithm")
        .value
        .starts_with("ECDSA with SHA-256"));
    let ca = certs[1];
    assert_eq!(
        ca.find("subject").expect("CA subject").value,
        format!("CN={CA_NAME}")
    );
    assert!(ca
        .find("basicConstraints")
        .expect("CA constraints")
        .value
        .starts_with("CA: yes"));
}

/// Decrypts every TLS 1.3 encrypted record and dissects the plaintexts; returns, per flight,
/// the decrypted message names.
fn decrypt_tls13(
    flights: &[Flight],
    log: &SecretLog,
    dissector: &mut ConnectionDissector,
) -> (Vec<Vec<String>>, Vec<Dissection>) {
    let suite = dissector.cipher_suite().expect("suite");
    let mut client = Tls13Decryptor::new(log, Direction::ClientToServer, suite);
    let mut server = Tls13Decryptor::new(log, Direction::ServerToClient, suite);
    let mut per_flight = Vec::new();
    let mut all = Vec::new();
    for flight in flights {
        let mut names = Vec::new();
        for (header, payload) in records(&flight.wire) {
            if header[0] != 23 {
                continue;
            }
            let decryptor = match flight.direction {
                Direction::ClientToServer => &mut client,
                Direction::ServerToClient => &mut server,
            };
            let plaintext = decryptor.open(header, payload);
            let dissection = dissector.dissect_tls13_plaintext(flight.direction, &plaintext);
            assert_covers(&dissection, plaintext.len());
            assert!(
                dissection.problems().is_empty(),
                "problems: {:#?}",
                dissection.problems()
            );
            names.extend(dissection.messages.iter().cloned());
            all.push(dissection);
        }
        per_flight.push(names);
    }
    (per_flight, all)
}

#[test]
fn tls13_full_handshake_is_dissected_and_decrypted_messages_parse() {
    let pki = pki();
    let client = client_config(&pki, provider_with(None), &[&TLS13]);
    let suites = configured_suites(&client);
    let group = first_group(&client);
    let server = server_config(&pki, provider_with(None), &[&TLS13], false);
    let (flights, log) = run_session(client, server);
    let (mut dissector, dissections) = dissect_all(&flights);

    assert_eq!(flights[0].direction, Direction::ClientToServer);
    let hello = check_client_hello(&dissections[0], &suites, group);
    let versions = hello
        .find("supported_versions")
        .expect("supported_versions");
    assert_eq!(values(versions, "version"), ["TLS 1.3 (0x0304)"]);

    assert_eq!(flights[1].direction, Direction::ServerToClient);
    let server_flight = messages(&dissections[1]);
    assert_eq!(server_flight[..2], ["ServerHello", "ChangeCipherSpec"]);
    assert!(server_flight.len() >= 3);
    assert!(server_flight[2..].iter().all(|&m| m == "encrypted record"));
    let server_hello = dissections[1].find("ServerHello").expect("ServerHello");
    let expected_suite = format!(
        "{} (0x{:04x})",
        cipher_suite_name(suites[0]).expect("suite name"),
        suites[0]
    );
    assert_eq!(
        server_hello.find("cipher_suite").expect("suite").value,
        expected_suite
    );
    assert_eq!(
        server_hello
            .find("selected_version")
            .expect("selected_version")
            .value,
        "TLS 1.3 (0x0304)"
    );
    assert_eq!(dissector.version(), Some(TlsVersion::Tls13));
    assert_eq!(dissector.cipher_suite(), Some(suites[0]));

    // Every encrypted record is laid out as ciphertext + 16-byte tag.
    let encrypted = dissections[1]
        .find("encrypted_record")
        .expect("encrypted record");
    let tag = encrypted.find("aead_tag").expect("tag");
    assert_eq!((tag.len(), tag.end), (16, encrypted.end));

    // The client's second flight: middlebox-compatibility CCS, then its encrypted Finished.
    assert_eq!(
        messages(&dissections[2]),
        ["ChangeCipherSpec", "encrypted record"]
    );
    for later in &dissections[3..] {
        assert!(
            later.messages.iter().all(|m| m == "encrypted record"),
            "{:?}",
            later.messages
        );
    }

    let (decrypted, plaintexts) = decrypt_tls13(&flights, &log, &mut dissector);
    assert_eq!(
        decrypted[1],
        [
            "EncryptedExtensions",
            "Certificate",
            "CertificateVerify",
            "Finished"
        ]
    );
    assert_eq!(decrypted[2], ["Finished"]);
    let tickets: Vec<&String> = decrypted
        .iter()
        .flatten()
        .filter(|m| *m == "NewSessionTicket")
        .collect();
    assert!(!tickets.is_empty(), "server sends tickets by default");
    assert!(decrypted.iter().flatten().any(|m| m == "ApplicationData"));
    assert_eq!(
        decrypted
            .iter()
            .flatten()
            .filter(|m| *m == "Alert (close_notify)")
            .count(),
        2
    );

    let certificate = plaintexts
        .iter()
        .find_map(|d| d.find("Certificate"))
        .expect("decrypted Certificate");
    assert!(
        certificate.find("certificate_request_context").is_some(),
        "TLS 1.3 layout"
    );
    assert_eq!(values(certificate, "certificate_entry").len(), 2);
    check_certificate(certificate, 2);

    let verify = plaintexts
        .iter()
        .find_map(|d| d.find("CertificateVerify"))
        .expect("CertificateVerify");
    assert_eq!(
        verify.find("algorithm").expect("algorithm").value,
        "ecdsa_secp256r1_sha256 (0x0403)"
    );
    let finished = plaintexts
        .iter()
        .find_map(|d| d.find("Finished"))
        .expect("Finished");
    let verify_data = finished.find("verify_data").expect("verify_data");
    let hash_len = if suites[0] == 0x1302 { 48 } else { 32 };
    assert_eq!(verify_data.len(), hash_len);

    let ticket = plaintexts
        .iter()
        .find_map(|d| d.find("NewSessionTicket"))
        .expect("ticket");
    for name in [
        "ticket_lifetime",
        "ticket_age_add",
        "ticket_nonce",
        "ticket",
        "extensions",
    ] {
        assert!(ticket.find(name).is_some(), "NewSessionTicket lacks {name}");
    }

    let request = plaintexts
        .iter()
        .find_map(|d| d.find("application_data"))
        .expect("application data");
    assert!(
        request.value.starts_with("\"GET /balance HTTP/1.1\\r\\n"),
        "{}",
        request.value
    );
    let inner_type = plaintexts
        .iter()
        .flat_map(|d| d.fields.iter())
        .find(|f| f.name == "content_type")
        .expect("inner content type");
    assert_eq!(inner_type.len(), 1);
}

#[test]
fn tls13_resumption_offers_and_accepts_a_pre_shared_key() {
    let pki = pki();
    let client = client_config(&pki, provider_with(None), &[&TLS13]);
    let server = server_config(&pki, provider_with(None), &[&TLS13], false);
    let _first = run_session(client.clone(), server.clone());
    let (flights, log) = run_session(client, server);
    let (mut dissector, dissections) = dissect_all(&flights);

    let hello = dissections[0].find("ClientHello").expect("ClientHello");
    let extensions = hello.find("extensions").expect("extensions");
    let last = extensions.children.last().expect("an extension");
    assert_eq!(last.name, "pre_shared_key", "pre_shared_key must be last");
    let identity = last.find("psk_identity").expect("identity");
    assert!(identity.find("identity").expect("ticket").len() > 2);
    assert_eq!(
        identity.find("obfuscated_ticket_age").expect("age").len(),
        4
    );
    let binders = last.find("binders").expect("binders");
    let binder = binders.find("binder").expect("binder");
    assert!(
        binder.len() == 33 || binder.len() == 49,
        "1-byte length + hash-sized HMAC"
    );
    let modes = hello.find("psk_key_exchange_modes").expect("modes");
    assert!(values(modes, "psk_key_exchange_mode").contains(&"psk_dhe_ke (1)"));

    let server_hello = dissections[1].find("ServerHello").expect("ServerHello");
    assert_eq!(
        server_hello
            .find("selected_identity")
            .expect("accepted PSK")
            .value,
        "0"
    );
    let (decrypted, _) = decrypt_tls13(&flights, &log, &mut dissector);
    assert_eq!(
        decrypted[1],
        ["EncryptedExtensions", "Finished"],
        "no certificate on resumption"
    );
}

fn tls12_suites() -> Vec<rustls::SupportedCipherSuite> {
    vec![
        cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
}

#[test]
fn tls12_full_handshake_with_ecdhe_ecdsa_and_session_ticket() {
    let pki = pki();
    let client = client_config(&pki, provider_with(Some(tls12_suites())), &[&TLS12]);
    let suites = configured_suites(&client);
    let group = first_group(&client);
    let server = server_config(&pki, provider_with(Some(tls12_suites())), &[&TLS12], true);
    let (flights, _) = run_session(client, server);
    let (dissector, dissections) = dissect_all(&flights);

    let hello = check_client_hello(&dissections[0], &suites, group);
    assert_eq!(
        hello.find("session_ticket").expect("session_ticket").value,
        "empty: asks the server for a ticket"
    );
    assert!(hello.find("extended_master_secret").is_some());
    assert!(hello.find("ec_point_formats").is_some());
    assert!(
        hello.find("key_share").is_none(),
        "a TLS 1.2-only client sends no key shares"
    );

    assert_eq!(
        messages(&dissections[1]),
        [
            "ServerHello",
            "Certificate",
            "ServerKeyExchange",
            "ServerHelloDone"
        ]
    );
    assert_eq!(dissector.version(), Some(TlsVersion::Tls12));
    assert_eq!(dissector.cipher_suite(), Some(suites[0]));
    let server_hello = dissections[1].find("ServerHello").expect("ServerHello");
    assert!(server_hello.find("session_ticket").is_some());
    assert!(server_hello.find("renegotiation_info").is_some());

    let certificate = dissections[1].find("Certificate").expect("Certificate");
    assert!(
        certificate.find("certificate_request_context").is_none(),
        "TLS 1.2 layout"
    );
    check_certificate(certificate, 2);

    let key_exchange = dissections[1].find("ServerKeyExchange").expect("SKE");
    assert_eq!(
        key_exchange.find("curve_type").expect("curve type").value,
        "named_curve (3)"
    );
    let group_name = named_group_name(group).expect("group");
    assert_eq!(
        key_exchange.find("named_curve").expect("curve").value,
        format!("{group_name} (0x{group:04x})")
    );
    let public = key_exchange.find("public").expect("public key");
    if group_name == "x25519" {
        assert_eq!(public.len(), 1 + 32);
    }
    assert_eq!(
        key_exchange.find("algorithm").expect("sig alg").value,
        "ecdsa_secp256r1_sha256 (0x0403)"
    );
    assert!(key_exchange.find("signature").is_some());

    assert_eq!(
        messages(&dissections[2]),
        ["ClientKeyExchange", "ChangeCipherSpec", "encrypted record"]
    );
    let client_public = dissections[2].find("public").expect("client public key");
    assert_eq!(client_public.len(), public.len());
    let finished = dissections[2].fields.last().expect("encrypted Finished");
    assert!(finished.value.starts_with("handshake, encrypted"));
    let nonce = finished
        .find("explicit_nonce")
        .expect("AES-GCM explicit nonce");
    assert_eq!(nonce.len(), 8);
    let ciphertext = finished.find("ciphertext").expect("ciphertext");
    assert_eq!(
        ciphertext.len(),
        16,
        "encrypted 4-byte header + 12-byte verify_data"
    );
    assert_eq!(finished.find("aead_tag").expect("tag").len(), 16);

    assert_eq!(
        messages(&dissections[3]),
        ["NewSessionTicket", "ChangeCipherSpec", "encrypted record"]
    );
    let ticket = dissections[3].find("NewSessionTicket").expect("ticket");
    assert!(
        ticket.find("ticket_lifetime_hint").is_some(),
        "TLS 1.2 layout"
    );
    assert!(ticket.find("ticket_age_add").is_none());
    for later in &dissections[4..] {
        assert_eq!(messages(later), ["encrypted record"]);
    }
}

#[test]
fn tls12_ticket_resumption_is_an_abbreviated_handshake() {
    let pki = pki();
    let client = client_config(&pki, provider_with(Some(tls12_suites())), &[&TLS12]);
    let server = server_config(&pki, provider_with(Some(tls12_suites())), &[&TLS12], true);
    let _first = run_session(client.clone(), server.clone());
    let (flights, _) = run_session(client, server);
    let (_, dissections) = dissect_all(&flights);

    let hello = dissections[0].find("ClientHello").expect("ClientHello");
    let ticket = hello.find("session_ticket").expect("session_ticket");
    assert!(
        ticket.value.ends_with("ticket: asks to resume"),
        "{}",
        ticket.value
    );
    assert!(ticket.find("ticket").expect("ticket bytes").len() > 16);
    assert_eq!(
        messages(&dissections[1]),
        [
            "ServerHello",
            "NewSessionTicket",
            "ChangeCipherSpec",
            "encrypted record"
        ],
        "resumed: no Certificate, no key exchange; a fresh ticket"
    );
    assert_eq!(
        messages(&dissections[2]),
        ["ChangeCipherSpec", "encrypted record"]
    );
}

#[test]
fn tls12_chacha20_records_have_no_explicit_nonce() {
    let pki = pki();
    let suites = vec![cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256];
    let client = client_config(&pki, provider_with(Some(suites.clone())), &[&TLS12]);
    let server = server_config(&pki, provider_with(Some(suites)), &[&TLS12], false);
    let (flights, _) = run_session(client, server);
    let (dissector, dissections) = dissect_all(&flights);
    assert_eq!(dissector.cipher_suite(), Some(0xcca9));
    let finished = dissections[2].fields.last().expect("encrypted Finished");
    assert!(finished.find("explicit_nonce").is_none());
    assert_eq!(finished.find("ciphertext").expect("ciphertext").len(), 16);
    assert_eq!(finished.find("aead_tag").expect("tag").len(), 16);
}

#[test]
fn field_tree_serialises_with_camel_case_keys() {
    let pki = pki();
    let client = client_config(&pki, provider_with(None), &[&TLS13]);
    let server = server_config(&pki, provider_with(None), &[&TLS13], false);
    let (flights, _) = run_session(client, server);
    let dissection =
        ConnectionDissector::new().dissect_flight(flights[0].direction, &flights[0].wire);
    let json = serde_json::to_value(&dissection).expect("serialise");
    let record = &json["fields"][0];
    for key in [
        "name", "start", "end", "value", "note", "children", "problem",
    ] {
        assert!(record.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(json["messages"][0], "ClientHello");
}
