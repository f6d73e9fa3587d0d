//! Property tests: arbitrary bytes as records, secrets, labels and lengths never panic, and
//! sealing then opening gives back what was sealed, for every suite.

use proptest::prelude::*;

use super::connection::SessionDecryptor;
use super::keylog::{ConnectionSecrets, KeyLogEntry, SecretLabel};
use super::record::{RecordKeys, SealOptions};
use super::suite::{CipherSuite, TlsVersion};
use super::{tls12, tls13, Direction};

fn any_suite() -> impl Strategy<Value = CipherSuite> {
    prop::sample::select(CipherSuite::ALL.to_vec())
}

fn keys_for(suite: CipherSuite, seed: u8) -> RecordKeys {
    let key = vec![seed; suite.aead().key_len()];
    let iv = vec![seed.wrapping_add(1); suite.iv_len()];
    RecordKeys::new(suite, &key, &iv).expect("lengths from the suite")
}

/// A record whose header is consistent with its fragment, so opening reaches the AEAD.
fn framed(content_type: u8, fragment: &[u8]) -> Vec<u8> {
    let length = u16::try_from(fragment.len())
        .unwrap_or(u16::MAX)
        .to_be_bytes();
    let mut record = vec![content_type, 3, 3, length[0], length[1]];
    record.extend_from_slice(fragment);
    record
}

proptest! {
    #[test]
    fn opening_arbitrary_bytes_never_panics(
        suite in any_suite(),
        seed in any::<u8>(),
        seq in any::<u64>(),
        raw in prop::collection::vec(any::<u8>(), 0..200),
        content_type in prop::sample::select(vec![20u8, 21, 22, 23, 0, 255]),
    ) {
        let keys = keys_for(suite, seed);
        let _ = keys.open(seq, &raw);
        let _ = keys.open(seq, &framed(content_type, &raw));
        if raw.len() >= 5 {
            let _ = keys.open_fragment(seq, &raw[..5], &raw[5..]);
        }
    }

    #[test]
    fn seal_then_open_gives_back_the_content(
        suite in any_suite(),
        seed in any::<u8>(),
        seq in any::<u64>(),
        content in prop::collection::vec(any::<u8>(), 0..600),
        content_type in 1u8..=255,
        padding_len in 0usize..40,
        explicit_nonce in any::<Option<[u8; 8]>>(),
    ) {
        let keys = keys_for(suite, seed);
        let padding_len = if suite.version() == TlsVersion::Tls13 { padding_len } else { 0 };
        let options = SealOptions { padding_len, explicit_nonce };
        let sealed = keys.seal(seq, content_type, &content, &options).expect("seal");
        let opened = keys.open(seq, &sealed.record).expect("open");
        prop_assert_eq!(&opened.content, &content);
        prop_assert_eq!(opened.content_type, content_type);
        prop_assert_eq!(opened.padding_len, padding_len);
        prop_assert_eq!(&opened.nonce, &sealed.nonce);
        prop_assert_eq!(&opened.tag, &sealed.tag);
        // Any other sequence number must fail the tag (TLS 1.2 AES-GCM carries its nonce in
        // the record, but the sequence number is in the additional data).
        let other = seq.wrapping_add(1);
        prop_assert!(keys.open(other, &sealed.record).is_err());
    }

    #[test]
    fn the_session_decryptor_survives_arbitrary_records(
        suite in any_suite(),
        secret_byte in any::<u8>(),
        with_randoms in any::<bool>(),
        records in prop::collection::vec(
            (any::<bool>(), prop::collection::vec(any::<u8>(), 0..120)),
            0..12,
        ),
    ) {
        let client_random = vec![7u8; 32];
        let secret_len = match suite.version() {
            TlsVersion::Tls13 => suite.hash().output_len(),
            TlsVersion::Tls12 => 48,
        };
        let entries: Vec<KeyLogEntry> = SecretLabel::ALL
            .into_iter()
            .map(|label| KeyLogEntry {
                label: label.nss_label().to_owned(),
                client_random: client_random.clone(),
                secret: vec![secret_byte; secret_len],
            })
            .collect();
        let server_random = [9u8; 32];
        let mut session = SessionDecryptor::new(
            suite.iana(),
            &entries,
            None,
            with_randoms.then_some(&server_random[..]),
        )
        .expect("consistent key log");
        for (from_client, bytes) in &records {
            let direction = if *from_client { Direction::ClientToServer } else { Direction::ServerToClient };
            let _ = session.process_record(direction, bytes);
            // Also as a well-framed record, to reach the epoch logic and the AEAD.
            let content_type = bytes.first().copied().unwrap_or(23) % 4 + 20;
            let _ = session.process_record(direction, &framed(content_type, bytes));
        }
        let _ = session.key_schedule();
    }

    #[test]
    fn key_logs_labels_and_lengths_never_panic(
        suite_id in any::<u16>(),
        label in "[A-Z_0-9]{0,40}",
        random in prop::collection::vec(any::<u8>(), 0..40),
        secret in prop::collection::vec(any::<u8>(), 0..80),
        context in prop::collection::vec(any::<u8>(), 0..300),
        length in 0usize..70_000,
    ) {
        let entries = vec![KeyLogEntry { label: label.clone(), client_random: random.clone(), secret: secret.clone() }];
        if let Ok(suite) = CipherSuite::from_iana(suite_id) {
            let _ = ConnectionSecrets::from_key_log(suite, &entries, Some(&random), Some(&random));
            let _ = SessionDecryptor::new(suite_id, &entries, None, None);
            let _ = tls12::key_block(suite, &secret, &random, &random);
            let _ = tls13::traffic_keys(suite, &secret);
            let _ = RecordKeys::new(suite, &secret, &random);
        }
        let hash = if suite_id % 2 == 0 { super::HashAlgorithm::Sha256 } else { super::HashAlgorithm::Sha384 };
        let _ = tls13::hkdf_expand_label(hash, &secret, &label, &context, length);
        let _ = tls12::prf(hash, &secret, &label, &context, length);
    }
}
