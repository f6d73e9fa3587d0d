//! Fuzzes the TLS dissector: arbitrary bytes through every entry point must never panic, and
//! every dissection's field tree must tile its input exactly (each level's fields contiguous,
//! in order, from the first byte to the last), as `sessionlab::dissect` promises.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sessionlab::dissect::{
    dissect_application_data, dissect_handshake, dissect_records, dissect_tls13_plaintext,
    ConnectionDissector, Direction, Dissection, Field, TlsVersion,
};

fuzz_target!(|data: &[u8]| {
    check("records", &dissect_records(data), data.len());
    check(
        "tls13 plaintext",
        &dissect_tls13_plaintext(data),
        data.len(),
    );
    check(
        "application data",
        &dissect_application_data(data),
        data.len(),
    );

    // The first byte picks the handshake layouts, so both versions get explored.
    let version = match data.first() {
        Some(byte) if byte & 1 == 1 => TlsVersion::Tls13,
        _ => TlsVersion::Tls12,
    };
    check("handshake", &dissect_handshake(data, version), data.len());

    // A connection of two flights, one each way, split where the second byte says: the first
    // flight's ServerHello or ChangeCipherSpec changes how the second is read.
    let split = data
        .get(1)
        .map_or(0, |&byte| usize::from(byte) * data.len() / 256);
    let (first, second) = data.split_at(split);
    let mut dissector = ConnectionDissector::new();
    check(
        "first flight",
        &dissector.dissect_flight(Direction::ServerToClient, first),
        first.len(),
    );
    check(
        "second flight",
        &dissector.dissect_flight(Direction::ClientToServer, second),
        second.len(),
    );
    let content_type = data.first().copied().unwrap_or(22);
    check(
        "tls12 plaintext",
        &dissector.dissect_tls12_plaintext(Direction::ServerToClient, content_type, data),
        data.len(),
    );
    check(
        "tls13 plaintext in context",
        &dissector.dissect_tls13_plaintext(Direction::ServerToClient, data),
        data.len(),
    );
});

/// Panics (a finding) unless `dissection` tiles `0..len`.
fn check(entry: &str, dissection: &Dissection, len: usize) {
    tiles(&dissection.fields, 0, len, entry);
}

fn tiles(fields: &[Field], start: usize, end: usize, path: &str) {
    let mut cursor = start;
    for field in fields {
        let here = format!("{path}/{}", field.name);
        assert_eq!(
            field.start, cursor,
            "{here} does not start where the previous field ended"
        );
        assert!(field.end >= field.start, "{here} ends before it starts");
        if !field.children.is_empty() {
            tiles(&field.children, field.start, field.end, &here);
        }
        cursor = field.end;
    }
    assert_eq!(
        cursor, end,
        "{path}: the fields do not reach the end of the input"
    );
}
