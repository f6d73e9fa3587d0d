//! Hand-crafted inputs: truncations, impossible lengths, empty messages, unknown and GREASE
//! values, alerts, split messages, HelloRetryRequest, and the decrypted-content entry points.

use super::tests_support::{assert_covers, assert_tiles, pki};
use super::{
    dissect_application_data, dissect_handshake, dissect_records, dissect_tls13_plaintext,
    ConnectionDissector, Direction, Dissection, Field, TlsVersion,
};

fn vec8(body: &[u8]) -> Vec<u8> {
    let mut out = vec![body.len() as u8];
    out.extend_from_slice(body);
    out
}

fn vec16(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

fn vec24(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32).to_be_bytes()[1..].to_vec();
    out.extend_from_slice(body);
    out
}

fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![msg_type];
    out.extend(vec24(body));
    out
}

fn record(content_type: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type, 3, 3];
    out.extend(vec16(payload));
    out
}

fn ext(code: u16, data: &[u8]) -> Vec<u8> {
    let mut out = code.to_be_bytes().to_vec();
    out.extend(vec16(data));
    out
}

fn codes(list: &[u16]) -> Vec<u8> {
    list.iter().flat_map(|c| c.to_be_bytes()).collect()
}

fn client_hello_body(suites: &[u16], extensions: &[Vec<u8>]) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend([7u8; 32]);
    body.extend(vec8(&[]));
    body.extend(vec16(&codes(suites)));
    body.extend(vec8(&[0]));
    body.extend(vec16(&extensions.concat()));
    body
}

fn server_hello_body(random: [u8; 32], suite: u16, extensions: &[Vec<u8>]) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend(random);
    body.extend(vec8(&[]));
    body.extend(suite.to_be_bytes());
    body.push(0);
    body.extend(vec16(&extensions.concat()));
    body
}

/// Dissects without context and checks the tree tiles the input.
fn records(wire: &[u8]) -> Dissection {
    let dissection = dissect_records(wire);
    assert_covers(&dissection, wire.len());
    dissection
}

fn problems(dissection: &Dissection) -> Vec<String> {
    dissection
        .problems()
        .iter()
        .filter_map(|f| f.problem.clone())
        .collect()
}

#[test]
fn truncated_record_header_is_explained() {
    let dissection = records(&[0x16, 0x03]);
    assert_eq!(dissection.fields.len(), 1);
    let field = &dissection.fields[0];
    assert_eq!(field.name, "record header");
    assert_eq!(
        field.problem.as_deref(),
        Some("expected 5-byte record header (type, version, 2-byte length), found 2 bytes")
    );
    assert!(records(&[]).fields.is_empty());
}

#[test]
fn length_field_larger_than_data_is_flagged_and_the_rest_still_parsed() {
    let mut wire = record(22, &handshake(14, &[]));
    wire[4] = 200;
    let dissection = records(&wire);
    let record = &dissection.fields[0];
    assert_eq!(
        record.problem.as_deref(),
        Some("length field says 200 bytes but only 4 bytes follow (truncated record)")
    );
    assert_eq!(dissection.messages, ["ServerHelloDone"]);
}

#[test]
fn oversized_record_length_is_flagged() {
    let mut wire = vec![23, 3, 3, 0xff, 0xff];
    wire.extend([0u8; 10]);
    let dissection = records(&wire);
    assert!(problems(&dissection)
        .iter()
        .any(|p| p.contains("expected at most 18432 bytes")));
}

#[test]
fn zero_length_records_and_messages() {
    let empty_record = records(&record(22, &[]));
    assert_eq!(
        empty_record.fields[0].problem.as_deref(),
        Some("expected a non-empty handshake record, found length 0")
    );

    let done = records(&record(22, &handshake(14, &[])));
    assert_eq!(done.messages, ["ServerHelloDone"]);
    assert!(
        done.problems().is_empty(),
        "ServerHelloDone is legitimately empty"
    );

    let empty_hello = records(&record(22, &handshake(1, &[])));
    assert_eq!(empty_hello.messages, ["ClientHello"]);
    let hello_problems = problems(&empty_hello);
    assert_eq!(hello_problems, ["expected 2 bytes, found 0 bytes"]);
    assert_eq!(empty_hello.problems()[0].name, "legacy_version");

    let empty_finished = dissect_handshake(&handshake(20, &[]), TlsVersion::Tls13);
    assert!(problems(&empty_finished)[0].starts_with("expected 12 bytes (TLS 1.2)"));

    let eoed = dissect_handshake(&handshake(5, &[]), TlsVersion::Tls13);
    assert_eq!(eoed.messages, ["EndOfEarlyData"]);
    assert!(eoed.problems().is_empty());
}

#[test]
fn short_cipher_suite_list_says_what_was_expected() {
    let mut body = vec![3, 3];
    body.extend([0u8; 32]);
    body.push(0);
    body.extend([0x00, 34]);
    body.extend([0x13; 12]);
    let wire = record(22, &handshake(1, &body));
    let dissection = records(&wire);
    let problem = dissection.problems()[0];
    assert_eq!(problem.name, "cipher_suites");
    assert_eq!(
        problem.problem.as_deref(),
        Some("expected 2-byte length then 34 bytes, found 12 bytes")
    );
    assert_eq!((problem.start, problem.end), (wire.len() - 14, wire.len()));
}

#[test]
fn unknown_extension_is_shown_raw_with_its_number() {
    let body = client_hello_body(&[0x1301], &[ext(0x1234, &[1, 2, 3])]);
    let dissection = records(&record(22, &handshake(1, &body)));
    let unknown = dissection
        .find("unknown extension (0x1234)")
        .expect("unknown extension");
    assert_eq!(
        unknown.find("extension_type").expect("type").value,
        "unknown (0x1234)"
    );
    assert_eq!(unknown.find("extension_data").expect("data").len(), 3);
    assert!(dissection.problems().is_empty());
}

#[test]
fn grease_values_are_labelled() {
    let body = client_hello_body(
        &[0x0a0a, 0x1301],
        &[
            ext(0x1a1a, &[]),
            ext(10, &vec16(&codes(&[0x2a2a, 0x001d]))),
            ext(43, &vec8(&codes(&[0x3a3a, 0x0304]))),
            ext(45, &vec8(&[0x0b, 1])),
            ext(51, &vec16(&[codes(&[0x4a4a]), vec16(&[0])].concat())),
        ],
    );
    let dissection = records(&record(22, &handshake(1, &body)));
    assert!(dissection.problems().is_empty());
    let values: Vec<&str> = dissection
        .all_fields()
        .iter()
        .map(|f| f.value.as_str())
        .collect();
    for grease in [
        "GREASE (0x0a0a)",
        "GREASE (0x1a1a)",
        "GREASE (0x2a2a)",
        "GREASE (0x3a3a)",
        "GREASE (11)",
        "GREASE (0x4a4a)",
    ] {
        assert!(values.contains(&grease), "{grease} missing");
    }
    assert!(dissection.find("GREASE extension").is_some());
}

#[test]
fn alert_record_names_level_and_description() {
    let dissection = records(&record(21, &[2, 40]));
    assert_eq!(dissection.messages, ["Alert (handshake_failure)"]);
    let alert = dissection.find("Alert").expect("alert");
    assert_eq!(alert.value, "fatal: handshake_failure");
    assert_eq!(alert.find("level").expect("level").value, "fatal (2)");
    assert_eq!(
        alert.find("description").expect("description").value,
        "handshake_failure (40)"
    );

    let odd = records(&record(21, &[9, 200, 1]));
    assert_eq!(odd.messages, ["Alert (unknown (200))", "truncated alert"]);
    assert_eq!(problems(&odd).len(), 2, "bad level and the stray byte");
}

#[test]
fn unknown_content_type_is_flagged_and_parsing_continues() {
    let mut wire = record(0x63, &[1, 2, 3]);
    wire.extend(record(21, &[1, 0]));
    let dissection = records(&wire);
    assert_eq!(
        dissection.messages,
        ["unknown content (99)", "Alert (close_notify)"]
    );
    assert_eq!(
        problems(&dissection),
        ["expected content type 20, 21, 22 or 23, found 99"]
    );
}

#[test]
fn tls13_inner_plaintext_splits_content_type_and_padding() {
    let mut plaintext = b"hello".to_vec();
    plaintext.push(23);
    plaintext.extend([0, 0, 0]);
    let dissection = dissect_tls13_plaintext(&plaintext);
    assert_covers(&dissection, plaintext.len());
    assert_eq!(dissection.messages, ["ApplicationData"]);
    let names: Vec<&str> = dissection.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["application_data", "content_type", "padding"]);
    assert_eq!(dissection.fields[0].value, "\"hello\" (5 bytes)");
    assert_eq!(dissection.fields[1].value, "application_data (23)");
    assert_eq!(dissection.fields[2].len(), 3);

    let alert = dissect_tls13_plaintext(&[1, 0, 21]);
    assert_eq!(alert.messages, ["Alert (close_notify)"]);

    let zeros = dissect_tls13_plaintext(&[0, 0, 0]);
    assert_covers(&zeros, 3);
    assert!(problems(&zeros)[0].contains("found only zeros"));
}

#[test]
fn application_data_preview_is_text_or_hex() {
    let text = dissect_application_data(b"line\r\n");
    assert_eq!(text.fields[0].value, "\"line\\r\\n\" (6 bytes)");
    let binary = dissect_application_data(&[0xff, 0x00]);
    assert_eq!(binary.fields[0].value, "ff 00 (2 bytes)");
    assert!(dissect_application_data(&[]).fields.is_empty());
}

#[test]
fn handshake_message_split_across_records_is_followed() {
    let finished = handshake(20, &[0xab; 12]);
    let done = handshake(14, &[]);
    let mut first = record(22, &finished[..6]);
    first.extend(record(22, &finished[6..10]));
    let mut second = finished[10..].to_vec();
    second.extend(&done);
    let second = record(22, &second);

    let mut dissector = ConnectionDissector::new();
    let one = dissector.dissect_flight(Direction::ServerToClient, &first);
    assert_covers(&one, first.len());
    assert_eq!(one.messages, ["Finished (partial)", "Finished (continued)"]);
    assert!(one.fields[0]
        .find("Finished")
        .expect("start")
        .value
        .contains("continues in next record"));
    assert!(one.fields[1].children[3]
        .value
        .contains("continues in next record"));

    let two = dissector.dissect_flight(Direction::ServerToClient, &second);
    assert_covers(&two, second.len());
    assert_eq!(two.messages, ["Finished (continued)", "ServerHelloDone"]);
    assert!(two.fields[0].children[3].value.ends_with("(complete)"));
    assert!(two.problems().is_empty());

    let partial = dissect_handshake(&finished[..8], TlsVersion::Tls12);
    assert_covers(&partial, 8);
    assert_eq!(partial.messages, ["Finished (partial)"]);
}

#[test]
fn hello_retry_request_is_recognised_and_the_second_client_hello_stays_plaintext() {
    let random = super::handshake::HELLO_RETRY_REQUEST_RANDOM;
    let body = server_hello_body(
        random,
        0x1301,
        &[
            ext(43, &codes(&[0x0304])),
            ext(51, &codes(&[0x0017])),
            ext(44, &vec16(b"state")),
        ],
    );
    let mut dissector = ConnectionDissector::new();
    let wire = record(22, &handshake(2, &body));
    let retry = dissector.dissect_flight(Direction::ServerToClient, &wire);
    assert_covers(&retry, wire.len());
    assert_eq!(retry.messages, ["HelloRetryRequest"]);
    assert!(retry.problems().is_empty());
    assert_eq!(
        retry.find("key_share").expect("key_share").value,
        "retry with secp256r1 (0x0017)"
    );
    assert!(retry
        .find("random")
        .expect("random")
        .value
        .starts_with("HelloRetryRequest marker"));
    assert_eq!(dissector.version(), Some(TlsVersion::Tls13));

    let mut second = record(20, &[1]);
    second.extend(record(
        22,
        &handshake(1, &client_hello_body(&[0x1301], &[])),
    ));
    let again = dissector.dissect_flight(Direction::ClientToServer, &second);
    assert_eq!(again.messages, ["ChangeCipherSpec", "ClientHello"]);
}

#[test]
fn tls12_downgrade_marker_in_server_random_is_pointed_out() {
    let mut random = [5u8; 32];
    random[24..].copy_from_slice(b"DOWNGRD\x01");
    let wire = record(22, &handshake(2, &server_hello_body(random, 0xc02b, &[])));
    let dissection = records(&wire);
    assert!(dissection
        .find("random")
        .expect("random")
        .value
        .contains("DOWNGRD"));
}

#[test]
fn decrypted_tls12_content_uses_tls12_layouts() {
    let mut dissector = ConnectionDissector::new();
    let finished = handshake(20, &[9; 12]);
    let dissection = dissector.dissect_tls12_plaintext(Direction::ClientToServer, 22, &finished);
    assert_covers(&dissection, finished.len());
    assert_eq!(dissection.messages, ["Finished"]);
    assert_eq!(
        dissection.find("verify_data").expect("verify_data").len(),
        12
    );
    let data = dissector.dissect_tls12_plaintext(Direction::ClientToServer, 23, b"hi");
    assert_eq!(data.messages, ["ApplicationData"]);
}

#[test]
fn tls13_post_handshake_messages() {
    let update = dissect_handshake(&handshake(24, &[1]), TlsVersion::Tls13);
    assert_eq!(update.messages, ["KeyUpdate"]);
    assert_eq!(
        update.find("request_update").expect("request").value,
        "update_requested (1)"
    );

    let mut ticket = Vec::new();
    ticket.extend(7200u32.to_be_bytes());
    ticket.extend(99u32.to_be_bytes());
    ticket.extend(vec8(&[1]));
    ticket.extend(vec16(&[0xee; 20]));
    ticket.extend(vec16(&ext(42, &16384u32.to_be_bytes())));
    let message = handshake(4, &ticket);
    let dissection = dissect_handshake(&message, TlsVersion::Tls13);
    assert_covers(&dissection, message.len());
    assert!(dissection.problems().is_empty());
    assert_eq!(
        dissection.find("ticket_lifetime").expect("lifetime").value,
        "7200 seconds (2 hours)"
    );
    assert_eq!(
        dissection
            .find("max_early_data_size")
            .expect("early data")
            .value,
        "16384 bytes"
    );
}

#[test]
fn certificate_request_in_both_versions() {
    let pki = pki();
    let (_, ca) = x509_parser::parse_x509_certificate(&pki.ca_der).expect("CA");
    let ca_name = ca.subject().as_raw().to_vec();
    let authorities = vec16(&vec16(&ca_name));

    let mut tls12 = vec8(&[1, 64]);
    tls12.extend(vec16(&codes(&[0x0403, 0x0804])));
    tls12.extend(&authorities);
    let message = handshake(13, &tls12);
    let dissection = dissect_handshake(&message, TlsVersion::Tls12);
    assert_covers(&dissection, message.len());
    assert!(dissection.problems().is_empty());
    assert_eq!(
        dissection.find("certificate_type").expect("type").value,
        "rsa_sign (1)"
    );
    assert_eq!(
        dissection.find("name").expect("CA name").value,
        "CN=Session Lab Test CA"
    );

    let mut tls13 = vec8(&[]);
    tls13.extend(vec16(
        &[ext(13, &vec16(&codes(&[0x0807]))), ext(47, &authorities)].concat(),
    ));
    let message = handshake(13, &tls13);
    let dissection = dissect_handshake(&message, TlsVersion::Tls13);
    assert_covers(&dissection, message.len());
    assert!(dissection.problems().is_empty());
    assert!(dissection.find("certificate_request_context").is_some());
    assert_eq!(
        dissection
            .find("certificate_authorities")
            .expect("CAs")
            .value,
        "1 name"
    );
}

#[test]
fn records_after_a_tls12_change_cipher_spec_are_encrypted() {
    let mut wire = record(20, &[1]);
    wire.extend(record(22, &[0x42; 40]));
    let dissection = records(&wire);
    assert_eq!(
        dissection.messages,
        ["ChangeCipherSpec", "encrypted record"]
    );
    assert_eq!(dissection.fields[1].value, "handshake, encrypted, 40 bytes");
    assert!(dissection.fields[1].find("ciphertext").is_some());
}

#[test]
fn early_data_after_a_client_hello_is_an_encrypted_record() {
    let mut wire = record(
        22,
        &handshake(
            1,
            &client_hello_body(
                &[0x1301],
                &[ext(43, &vec8(&codes(&[0x0304]))), ext(42, &[])],
            ),
        ),
    );
    wire.extend(record(20, &[1]));
    wire.extend(record(23, &[0x55; 30]));
    let dissection = ConnectionDissector::new().dissect_flight(Direction::ClientToServer, &wire);
    assert_covers(&dissection, wire.len());
    assert_eq!(
        dissection.messages,
        ["ClientHello", "ChangeCipherSpec", "encrypted record"]
    );
    let encrypted = dissection.find("encrypted_record").expect("0-RTT record");
    assert_eq!(encrypted.find("aead_tag").expect("tag").len(), 16);
}

#[test]
fn short_encrypted_tls13_record_is_a_problem() {
    let mut dissector = ConnectionDissector::new();
    let hello = record(
        22,
        &handshake(
            2,
            &server_hello_body([1; 32], 0x1301, &[ext(43, &codes(&[0x0304]))]),
        ),
    );
    dissector.dissect_flight(Direction::ServerToClient, &hello);
    let wire = record(23, &[0; 10]);
    let dissection = dissector.dissect_flight(Direction::ServerToClient, &wire);
    assert_covers(&dissection, wire.len());
    assert!(problems(&dissection)[0].starts_with("expected at least 17 bytes"));
}

#[test]
fn garbage_certificate_and_bad_key_exchange_are_problems_not_panics() {
    let list = vec24(&vec24(&[0x30, 0x82, 0xff, 0xff, 1, 2, 3]));
    let wire = record(22, &handshake(11, &list));
    let dissection = records(&wire);
    assert!(problems(&dissection)[0].starts_with("expected a DER X.509 certificate"));

    let ske = record(22, &handshake(12, &[1, 0, 0]));
    let dissection = records(&ske);
    assert_eq!(problems(&dissection), ["expected named_curve (3), found 1"]);
}

#[test]
fn trailing_bytes_inside_an_extension_are_flagged() {
    let body = client_hello_body(&[0x1301], &[ext(23, &[1, 2])]);
    let dissection = records(&record(22, &handshake(1, &body)));
    assert_eq!(problems(&dissection), ["expected no data, found 2 bytes"]);
}

#[test]
#[should_panic(expected = "starts at 3 but the previous field ended at 2")]
fn tiling_check_rejects_a_gap() {
    let fields = [
        Field::leaf("a", 0, 2, "", ""),
        Field::leaf("b", 3, 4, "", ""),
    ];
    assert_tiles(&fields, 0, 4, "");
}

#[test]
#[should_panic(expected = "starts at 1 but the previous field ended at 2")]
fn tiling_check_rejects_an_overlap() {
    let child = Field::leaf("b", 1, 4, "", "");
    let parent = Field::parent("p", 0, "", "", vec![Field::leaf("a", 0, 2, "", ""), child]);
    assert_tiles(&[parent], 0, 4, "");
}
