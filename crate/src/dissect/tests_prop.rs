//! Property tests: random bytes and byte-level mutations of real traffic never panic, and the
//! resulting field trees always tile their input exactly.

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use rustls::version::{TLS12, TLS13};

use super::tests_support::*;
use super::{
    dissect_application_data, dissect_handshake, dissect_records, dissect_tls13_plaintext,
    ConnectionDissector, Direction, TlsVersion,
};

/// Real traffic to mutate: the flights of a TLS 1.3 and a TLS 1.2 session, and the decrypted
/// TLS 1.3 record contents.
struct Corpus {
    sessions: Vec<Vec<Flight>>,
    plaintexts: Vec<Vec<u8>>,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let pki = pki();
        let tls13 = run_session(
            client_config(&pki, provider_with(None), &[&TLS13]),
            server_config(&pki, provider_with(None), &[&TLS13], false),
        );
        let tls12 = run_session(
            client_config(&pki, provider_with(None), &[&TLS12]),
            server_config(&pki, provider_with(None), &[&TLS12], true),
        );
        let mut dissector = ConnectionDissector::new();
        for flight in &tls13.0 {
            dissector.dissect_flight(flight.direction, &flight.wire);
        }
        let suite = dissector.cipher_suite().expect("suite");
        let mut client = Tls13Decryptor::new(&tls13.1, Direction::ClientToServer, suite);
        let mut server = Tls13Decryptor::new(&tls13.1, Direction::ServerToClient, suite);
        let mut plaintexts = Vec::new();
        for flight in &tls13.0 {
            for (header, payload) in records(&flight.wire) {
                if header[0] == 23 {
                    let decryptor = match flight.direction {
                        Direction::ClientToServer => &mut client,
                        Direction::ServerToClient => &mut server,
                    };
                    plaintexts.push(decryptor.open(header, payload));
                }
            }
        }
        Corpus {
            sessions: vec![tls13.0, tls12.0],
            plaintexts,
        }
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), 1..=255u8).prop_map(|(i, mask)| Mutation::Flip(i, mask)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<Index>().prop_map(Mutation::Delete),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutations: &[Mutation]) {
    for mutation in mutations {
        if bytes.is_empty() {
            return;
        }
        match mutation {
            Mutation::Flip(i, mask) => {
                let at = i.index(bytes.len());
                bytes[at] ^= mask;
            }
            Mutation::Insert(i, byte) => {
                let at = i.index(bytes.len() + 1);
                bytes.insert(at, *byte);
            }
            Mutation::Delete(i) => {
                let at = i.index(bytes.len());
                bytes.remove(at);
            }
            Mutation::Truncate(i) => {
                let at = i.index(bytes.len());
                bytes.truncate(at);
            }
        }
    }
}

/// Every entry point, on arbitrary bytes: no panic, and full coverage.
fn check_every_entry_point(bytes: &[u8]) {
    assert_covers(&dissect_records(bytes), bytes.len());
    assert_covers(&dissect_tls13_plaintext(bytes), bytes.len());
    assert_covers(&dissect_handshake(bytes, TlsVersion::Tls12), bytes.len());
    assert_covers(&dissect_handshake(bytes, TlsVersion::Tls13), bytes.len());
    assert_covers(&dissect_application_data(bytes), bytes.len());
    let content_type = bytes.first().copied().unwrap_or(22);
    let mut dissector = ConnectionDissector::new();
    assert_covers(
        &dissector.dissect_tls12_plaintext(Direction::ServerToClient, content_type, bytes),
        bytes.len(),
    );
    assert_covers(
        &dissector.dissect_flight(Direction::ServerToClient, bytes),
        bytes.len(),
    );
}

proptest! {
    #[test]
    fn random_bytes_never_panic_and_are_covered(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        check_every_entry_point(&bytes);
    }

    #[test]
    fn random_handshake_bodies_in_records_are_covered(
        msg_type in prop::sample::select(vec![0u8, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 22, 24, 25, 99]),
        body in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut message = vec![msg_type];
        message.extend(&(body.len() as u32).to_be_bytes()[1..]);
        message.extend(&body);
        let mut wire = vec![22, 3, 3];
        wire.extend((message.len() as u16).to_be_bytes());
        wire.extend(&message);
        check_every_entry_point(&wire);
        check_every_entry_point(&message);
    }

    #[test]
    fn mutated_real_flights_never_panic_and_are_covered(
        session in 0..2usize,
        flight in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let flights = &corpus().sessions[session];
        let target = flight.index(flights.len());
        let mut bytes = flights[target].wire.clone();
        apply(&mut bytes, &mutations);

        let mut dissector = ConnectionDissector::new();
        for earlier in &flights[..target] {
            dissector.dissect_flight(earlier.direction, &earlier.wire);
        }
        let dissection = dissector.dissect_flight(flights[target].direction, &bytes);
        assert_covers(&dissection, bytes.len());
        assert_covers(&dissect_records(&bytes), bytes.len());
    }

    #[test]
    fn mutated_decrypted_plaintexts_never_panic_and_are_covered(
        which in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let plaintexts = &corpus().plaintexts;
        let mut bytes = plaintexts[which.index(plaintexts.len())].clone();
        apply(&mut bytes, &mutations);
        check_every_entry_point(&bytes);
        let mut dissector = ConnectionDissector::new();
        assert_covers(&dissector.dissect_tls13_plaintext(Direction::ServerToClient, &bytes), bytes.len());
    }
}
