//! The core's integration tests: whole runs of the lab, natively, with real rustls.

use sessionlab::analysis::{analyse, Check};
#[path = "lab/chapters.rs"]
mod chapter_runs;
#[path = "lab/view_data.rs"]
mod view_data;

use sessionlab::chapters;
use sessionlab::engine::{execute, Outcome, Side, Step};
use sessionlab::http::Request;
use sessionlab::options::{Catalogue, CertKeyType, Options, TlsVersion};
use sessionlab::pki::Pki;
use sessionlab::{Error, Lab};

fn lab(options: Options) -> Lab {
    match Lab::new(options) {
        Ok(lab) => lab,
        Err(err) => panic!("lab failed: {err}"),
    }
}

fn steps_of(lab: &Lab, connection: usize) -> Vec<&Step> {
    lab.run()
        .steps
        .iter()
        .filter(|s| s.connection == connection)
        .collect()
}

#[test]
fn default_run_is_a_full_handshake_then_a_resumption() {
    let lab = lab(Options::default());
    let first = steps_of(&lab, 1);
    let second = steps_of(&lab, 2);
    let last_of = |steps: &[&Step]| steps.last().map(|s| s.client.clone());

    // TLS 1.3 full handshake: ClientHello; ServerHello..Finished; client Finished; tickets;
    // login and its answer; request and response; close_notify each way.
    assert_eq!(first.len(), 10, "flights of connection 1");
    assert_eq!(
        first.iter().map(|s| s.from).collect::<Vec<_>>(),
        [Side::Client, Side::Server].repeat(5)
    );
    let client_after_first = last_of(&first);
    assert_eq!(
        client_after_first
            .as_ref()
            .and_then(|c| c.handshake_kind.as_deref()),
        Some("Full")
    );
    let client_after_second = last_of(&second);
    assert_eq!(
        client_after_second
            .as_ref()
            .and_then(|c| c.handshake_kind.as_deref()),
        Some("Resumed")
    );
    let server_final = second.last().map(|s| s.server.clone());
    assert_eq!(
        server_final
            .as_ref()
            .and_then(|s| s.handshake_kind.as_deref()),
        Some("Resumed")
    );
    let received = server_final.and_then(|s| s.sni);
    assert_eq!(received, Some("mybank.example".to_owned()));
    // The name the client asks for is the one the server received.
    assert_eq!(client_after_second.and_then(|c| c.sni), received);
    assert!(lab
        .run()
        .steps
        .iter()
        .all(|s| s.outcome == Outcome::Delivered));
}

#[test]
fn server_receives_the_request_byte_exact_and_answers_200() {
    let lab = lab(Options::default());
    let dashboards: Vec<&Step> = lab
        .run()
        .steps
        .iter()
        .filter(|s| {
            s.server_http
                .iter()
                .any(|e| e.request_line == "GET /dashboard HTTP/1.1")
        })
        .collect();
    assert_eq!(dashboards.len(), 2, "one dashboard request per connection");
    for step in dashboards {
        // The cookie the client held when it sent the request.
        let cookie = step
            .tables
            .cookies
            .iter()
            .find(|c| c.name == "session_id")
            .map(|c| format!("session_id={}", c.value));
        assert!(cookie.is_some(), "the client holds the login cookie");
        let sent = Request::get("/dashboard").encode(cookie.as_deref()).bytes;
        assert_eq!(step.delivered, sent, "server got exactly the request bytes");
        assert_eq!(step.server_http[0].status, 200);
    }
    let statuses: Vec<u16> = lab
        .run()
        .steps
        .iter()
        .flat_map(|s| s.client_http.iter().map(|e| e.response.status))
        .collect();
    assert_eq!(statuses, [303, 200, 200]);
}

#[test]
fn both_sides_see_close_notify() {
    let lab = lab(Options::default());
    for connection in [1, 2] {
        let last = steps_of(&lab, connection).last().map(|s| (*s).clone());
        let last = last.map(|s| (s.client, s.server));
        assert!(last
            .is_some_and(|(c, s)| c.peer_closed && s.peer_closed && c.sent_close && s.sent_close));
    }
}

#[test]
fn the_key_log_holds_five_tls13_secrets_per_connection() {
    let lab = lab(Options::default());
    let labels: Vec<&str> = lab.run().key_log.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels.len(), 10, "{labels:?}");
    assert!(labels.contains(&"CLIENT_TRAFFIC_SECRET_0"));
    assert!(labels.contains(&"SERVER_HANDSHAKE_TRAFFIC_SECRET"));
    let view = lab.view();
    assert_eq!(view.key_log.len(), 10);
    assert!(view.key_log.iter().all(|line| line.split(' ').count() == 3));
}

/// Every suite, every group and every certificate type, one at a time: the combinations rustls
/// supports must complete and resume; the others must end in a real alert, never an error.
#[test]
fn every_option_combination_handshakes_or_ends_in_an_alert() {
    let catalogue = Catalogue::of_rustls();
    let Some(whole_session) = chapters::by_id("whole-session") else {
        panic!("the default chapter exists");
    };
    for cert_key in CertKeyType::ALL {
        let pki = match Pki::generate(cert_key) {
            Ok(pki) => pki,
            Err(err) => panic!("pki {cert_key:?}: {err}"),
        };
        for suite in &catalogue.suites {
            for group in &catalogue.groups {
                let version = if suite.version == "tls13" {
                    TlsVersion::Tls13
                } else {
                    TlsVersion::Tls12
                };
                let options = Options {
                    version,
                    client_suites: vec![suite.name.clone()],
                    client_groups: vec![group.key.clone()],
                    server_groups: vec![group.key.clone()],
                    cert_key,
                };
                let what = format!("{} {} {:?}", suite.name, group.key, cert_key);
                let resolved = match options.resolve() {
                    Ok(r) => r,
                    Err(err) => panic!("{what}: {err}"),
                };
                let run = match execute(&resolved, &pki, &whole_session, &[]) {
                    Ok(run) => run,
                    Err(err) => panic!("{what}: {err}"),
                };
                // TLS 1.2 suites name the certificate's signature family.
                let rsa_suite = suite.name.contains("_RSA_");
                let supported =
                    version == TlsVersion::Tls13 || rsa_suite == (cert_key == CertKeyType::Rsa2048);
                let kinds: Vec<Option<String>> = run
                    .steps
                    .iter()
                    .filter(|s| s.client.handshake_done)
                    .map(|s| s.client.handshake_kind.clone())
                    .collect();
                let analysis = analyse(&run.steps, &run.key_log).steps;
                let failed: Vec<&Check> = analysis
                    .iter()
                    .flat_map(|a| &a.checks)
                    .filter(|c| !c.ok)
                    .collect();
                assert!(failed.is_empty(), "{what}: {failed:?}");
                if supported {
                    let decryption_checks = analysis
                        .iter()
                        .flat_map(|a| &a.checks)
                        .filter(|c| c.what.contains("rustls delivered"))
                        .count();
                    // Login, request and their responses; then request and response.
                    assert_eq!(decryption_checks, 6, "{what}");
                    assert!(
                        run.steps.iter().all(|s| s.outcome == Outcome::Delivered),
                        "{what}"
                    );
                    assert_eq!(kinds.first(), Some(&Some("Full".to_owned())), "{what}");
                    assert_eq!(kinds.last(), Some(&Some("Resumed".to_owned())), "{what}");
                    let negotiated = run.steps.last().and_then(|s| s.client.cipher_suite.clone());
                    assert_eq!(negotiated.as_deref(), Some(suite.name.as_str()), "{what}");
                } else {
                    let alerts: Vec<&Outcome> = run
                        .steps
                        .iter()
                        .map(|s| &s.outcome)
                        .filter(|o| matches!(o, Outcome::AlertReceived { .. }))
                        .collect();
                    assert!(!alerts.is_empty(), "{what}: expected an alert");
                }
            }
        }
    }
}

#[test]
fn tls12_resumes_with_one_round_trip_less() {
    let lab = lab(Options::for_version(TlsVersion::Tls12));
    // Flights until both sides consider the handshake complete.
    let handshake_flights = |connection| {
        steps_of(&lab, connection)
            .iter()
            .position(|s| s.server.handshake_done && s.client.handshake_done)
            .map(|i| i + 1)
    };
    // Full: ClientHello; ServerHello..ServerHelloDone; ClientKeyExchange..Finished;
    // (NewSessionTicket) ChangeCipherSpec, Finished. Resumed: three flights.
    assert_eq!(handshake_flights(1), Some(4));
    assert_eq!(handshake_flights(2), Some(3));
    let last = steps_of(&lab, 2)
        .last()
        .and_then(|s| s.client.handshake_kind.clone());
    assert_eq!(last.as_deref(), Some("Resumed"));
}

#[test]
fn a_suite_of_the_wrong_version_is_refused_before_the_run() {
    let options = Options {
        client_suites: vec!["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".to_owned()],
        ..Options::default()
    };
    assert!(matches!(
        Lab::new(options),
        Err(Error::InvalidOption {
            field: "clientSuites",
            ..
        })
    ));
}

#[test]
fn cursor_moves_within_the_run() {
    let mut lab = lab(Options::default());
    let total = lab.run().steps.len();
    assert!(!lab.back());
    let mut moves = 0;
    while lab.forward() {
        moves += 1;
    }
    assert_eq!(moves, total - 1);
    assert_eq!(lab.view().cursor, total - 1);
    assert!(lab.seek(total).is_err());
    assert!(lab.seek(2).is_ok());
    assert!(lab.back());
    assert_eq!(lab.cursor(), 1);
    assert!(lab.reset().is_ok());
    assert_eq!(lab.cursor(), 0);
    assert_eq!(lab.run().steps.len(), total);
}

#[test]
fn view_names_the_hellos_and_hides_encrypted_content() {
    let mut lab = lab(Options::default());
    let view = lab.view();
    assert_eq!(view.steps[0].title, "ClientHello");
    assert!(view.steps[1]
        .title
        .starts_with("ServerHello, ChangeCipherSpec, {"));
    let current = view.current.as_ref().map(|c| c.records.len());
    assert_eq!(current, Some(1));
    assert!(lab.forward());
    let view = lab.view();
    let records = view.current.map(|c| c.records).unwrap_or_default();
    assert!(!records[0].encrypted);
    assert!(records.iter().skip(2).all(|r| r.encrypted));
}

#[test]
fn every_record_is_dissected_without_gaps_and_decrypted_names_show_the_handshake() {
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let lab = lab(Options::for_version(version));
        for (step, analysis) in lab.run().steps.iter().zip(lab.analysis()) {
            // The records' top-level fields tile the flight exactly.
            let mut next = 0;
            for field in analysis.records.iter().flat_map(|r| &r.fields) {
                assert_eq!(field.start, next, "gap or overlap in step {:?}", step.from);
                next = field.end;
            }
            assert_eq!(next, step.bytes.len());
            assert!(analysis.records.iter().all(|r| r.open_error.is_none()));
        }
        let names: Vec<String> = lab.analysis()[1]
            .records
            .iter()
            .flat_map(|r| r.messages().to_vec())
            .collect();
        assert!(names.contains(&"Certificate".to_owned()), "{names:?}");
        assert!(names.contains(&"ServerHello".to_owned()), "{names:?}");
    }
}

#[test]
fn a_resumed_tls13_handshake_carries_no_certificate() {
    let lab = lab(Options::default());
    let server_messages = |connection: usize| -> Vec<String> {
        lab.run()
            .steps
            .iter()
            .zip(lab.analysis())
            .filter(|(s, _)| s.connection == connection && s.from == Side::Server)
            .flat_map(|(_, a)| a.records.iter().flat_map(|r| r.messages().to_vec()))
            .collect()
    };
    assert!(server_messages(1).contains(&"Certificate".to_owned()));
    assert!(server_messages(1).contains(&"CertificateVerify".to_owned()));
    let resumed = server_messages(2);
    assert!(!resumed.contains(&"Certificate".to_owned()), "{resumed:?}");
    assert!(resumed.contains(&"Finished".to_owned()));
}

/// A server key made outside the lab (the page has the browser's WebCrypto make it) is the key
/// the server certificate carries and the run's handshakes prove; anything else is refused, with
/// the reason.
// The `rsa` crate makes the test's keys; the page's wasm build leaves it out.
#[cfg(any(not(target_arch = "wasm32"), feature = "measure"))]
#[test]
fn a_given_rsa_key_is_the_servers_key() {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
    use x509_parser::prelude::{FromDer, X509Certificate};

    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("an RSA key");
    let pkcs8 = key.to_pkcs8_der().expect("PKCS#8");
    let public = key
        .to_public_key()
        .to_public_key_der()
        .expect("SubjectPublicKeyInfo");
    let options = Options {
        cert_key: CertKeyType::Rsa2048,
        ..Options::default()
    };
    let lab =
        Lab::with_chapter_and_rsa_key(options.clone(), "whole-session", Some(pkcs8.as_bytes()))
            .unwrap_or_else(|err| panic!("the lab takes the key: {err}"));
    let (_, certificate) = X509Certificate::from_der(&lab.pki().server_chain[0])
        .expect("the server certificate parses");
    assert_eq!(certificate.public_key().raw, public.as_bytes());
    assert_eq!(lab.pki().summary.server_key, "RSA-2048");
    let checks: Vec<Check> = analyse(&lab.run().steps, &lab.run().key_log)
        .steps
        .into_iter()
        .flat_map(|step| step.checks)
        .collect();
    assert!(
        checks
            .iter()
            .any(|check| check.what.contains("rustls delivered")),
        "the run's application data was opened and checked"
    );
    assert!(checks.iter().all(|check| check.ok), "{checks:?}");
    assert!(
        lab.run()
            .steps
            .iter()
            .all(|step| step.outcome == Outcome::Delivered),
        "every flight is accepted: the client verified the chain and CertificateVerify"
    );

    for bits in [1024, 3072] {
        let other = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits).expect("an RSA key");
        let other = other.to_pkcs8_der().expect("PKCS#8");
        match Lab::with_chapter_and_rsa_key(
            options.clone(),
            "whole-session",
            Some(other.as_bytes()),
        ) {
            Err(Error::GivenRsaKey(why)) => assert!(why.contains("RSA-2048"), "{why}"),
            Err(err) => panic!("refused for another reason: {err}"),
            Ok(_) => panic!("an RSA-{bits} key is not an RSA-2048 certificate's"),
        }
    }
    match Lab::with_chapter_and_rsa_key(options, "whole-session", Some(b"not a key")) {
        Err(Error::GivenRsaKey(_)) => {}
        Err(err) => panic!("refused for another reason: {err}"),
        Ok(_) => panic!("bytes that are no key are refused"),
    }
}
