//! Every chapter of the session story, run natively with real rustls, with its outcome asserted:
//! handshake kinds, early data, alert names, cookies and logins after each step, and the checks
//! our own decryption makes against rustls.

use sessionlab::chapters;
use sessionlab::engine::{Outcome, Side, Step};
use sessionlab::options::TlsVersion;
use sessionlab::{Lab, Options};

fn run(version: TlsVersion, chapter: &str) -> Lab {
    match Lab::with_chapter(Options::for_version(version), chapter) {
        Ok(lab) => lab,
        Err(err) => panic!("{chapter} ({version:?}): {err}"),
    }
}

/// The client's handshake kind at the end of each connection that completed a handshake.
fn kinds(lab: &Lab) -> Vec<String> {
    let mut kinds = Vec::new();
    let steps = &lab.run().steps;
    for (i, step) in steps.iter().enumerate() {
        let last_of_connection = steps
            .get(i + 1)
            .is_none_or(|next| next.connection != step.connection);
        if last_of_connection && step.connection > 0 {
            kinds.push(
                step.client
                    .handshake_kind
                    .clone()
                    .unwrap_or_else(|| "none".to_owned()),
            );
        }
    }
    kinds
}

/// Re-runs `lab` with the learner's edit of GET /dashboard (which must be a valid one).
fn edit_request(lab: &mut Lab, path: &str, headers: &str) {
    let edit = sessionlab::engine::RequestEdit::parse(path, headers);
    let Ok(edit) = edit else {
        panic!("a plain edit is accepted: {edit:?}");
    };
    assert!(lab.set_request(Some(edit)).is_ok());
}

/// How many requests the server received whose request line starts with `start`.
fn served(lab: &Lab, start: &str) -> usize {
    lab.run()
        .steps
        .iter()
        .flat_map(|s| &s.server_http)
        .filter(|e| e.request_line.starts_with(start))
        .count()
}

/// The HTTP statuses the client read, in order.
fn statuses(lab: &Lab) -> Vec<u16> {
    lab.run()
        .steps
        .iter()
        .flat_map(|s| s.client_http.iter().map(|e| e.response.status))
        .collect()
}

fn alerts(lab: &Lab) -> Vec<String> {
    lab.run()
        .steps
        .iter()
        .filter_map(|s| match &s.outcome {
            Outcome::AlertReceived { alert } => Some(alert.clone()),
            _ => None,
        })
        .collect()
}

fn all_checks_hold(lab: &Lab, what: &str) {
    for (i, analysis) in lab.analysis().iter().enumerate() {
        for check in &analysis.checks {
            assert!(check.ok, "{what}: step {i}: {}", check.what);
        }
    }
}

#[test]
fn every_chapter_runs_for_every_version_it_names_and_all_checks_hold() {
    for chapter in chapters::all() {
        for version in chapter.versions {
            let lab = run(*version, chapter.id);
            assert!(!lab.run().steps.is_empty(), "{}", chapter.id);
            all_checks_hold(&lab, chapter.id);
            // A scene's narration appears exactly once, on the first step it produced.
            let narrated = lab
                .run()
                .steps
                .iter()
                .filter(|s| s.narration.is_some())
                .count();
            assert_eq!(narrated, chapter.scenes.len(), "{} {version:?}", chapter.id);
        }
    }
}

#[test]
fn a_chapter_for_the_other_version_is_refused() {
    let refused = Lab::with_chapter(Options::for_version(TlsVersion::Tls12), "zero-rtt");
    assert!(refused.is_err());
    assert!(Lab::with_chapter(Options::default(), "no-such-chapter").is_err());
}

#[test]
fn maintain_sends_the_cookie_each_time_and_sequence_numbers_advance() {
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let lab = run(version, "maintain");
        assert_eq!(statuses(&lab), [303, 200, 200, 200], "{version:?}");
        let cookies_sent: Vec<usize> = lab
            .run()
            .steps
            .iter()
            .flat_map(|s| &s.client_http)
            .map(|e| e.request.cookies_sent.len())
            .collect();
        assert_eq!(cookies_sent, [0, 1, 1, 1]);
        // Our own record sequence numbers for the client's application data.
        let seqs: Vec<u64> = lab
            .run()
            .steps
            .iter()
            .zip(lab.analysis())
            .filter(|(s, _)| s.from == Side::Client && !s.delivered.is_empty())
            .filter_map(|(_, a)| {
                a.records
                    .iter()
                    .find_map(|r| r.opened.as_ref())
                    .map(|o| o.seq)
            })
            .collect();
        assert_eq!(seqs.len(), 4);
        assert!(
            seqs.windows(2).all(|w| w[1] == w[0] + 1),
            "{version:?}: {seqs:?}"
        );
        assert_eq!(kinds(&lab), ["Full"]);
    }
}

#[test]
fn resume_keeps_the_login_across_a_resumed_connection() {
    for (version, chapter) in [
        (TlsVersion::Tls13, "resume"),
        (TlsVersion::Tls12, "resume"),
        (TlsVersion::Tls12, "resume-ticket"),
    ] {
        let lab = run(version, chapter);
        assert_eq!(kinds(&lab), ["Full", "Resumed"], "{chapter} {version:?}");
        assert_eq!(statuses(&lab), [303, 200], "{chapter} {version:?}");
    }
    // With tickets, the TLS 1.2 server keeps no session in its cache.
    let ticket = run(TlsVersion::Tls12, "resume-ticket");
    let last = ticket.run().steps.last().map(|s| s.tables.clone());
    assert!(last
        .as_ref()
        .is_some_and(|t| t.ticket_key_lifetime.is_some()));
    let session_id = run(TlsVersion::Tls12, "resume");
    let last = session_id.run().steps.last().map(|s| s.tables.clone());
    assert!(last.is_some_and(|t| !t.server_sessions.entries.is_empty()));
}

#[test]
fn zero_rtt_is_accepted_refused_and_replayed() {
    let lab = run(TlsVersion::Tls13, "zero-rtt");
    let steps = &lab.run().steps;
    let server_early: Vec<(usize, bool)> = steps
        .iter()
        .filter(|s| s.from == Side::Client && !s.replay && s.bytes.first() == Some(&22))
        .map(|s| {
            (
                s.connection,
                s.server.early_data.as_deref() == Some("accepted"),
            )
        })
        .collect();
    // Connection 2: accepted. Connection 3: accepted, then its replay afterwards is not.
    // Connection 4: the replay first is accepted, the genuine flight is not. Connection 5: refused.
    let replays: Vec<&Step> = steps
        .iter()
        .filter(|s| s.replay && s.from == Side::Client)
        .collect();
    assert_eq!(replays.len(), 2);
    assert!(
        replays[0].server.early_data.is_none(),
        "a late replay is refused"
    );
    assert_eq!(replays[1].server.early_data.as_deref(), Some("accepted"));
    assert_eq!(replays[1].server_http.len(), 1, "the replayed request ran");
    let genuine_accepted: Vec<bool> = [2, 3, 4, 5]
        .iter()
        .map(|c| {
            server_early
                .iter()
                .any(|(conn, accepted)| conn == c && *accepted)
        })
        .collect();
    assert_eq!(
        genuine_accepted,
        [true, true, false, false],
        "{server_early:?}"
    );
    let client_early: Vec<Option<String>> = [2, 4, 5]
        .iter()
        .map(|c| {
            steps
                .iter()
                .rev()
                .find(|s| s.connection == *c && !s.replay)
                .and_then(|s| s.client.early_data.clone())
        })
        .collect();
    assert_eq!(client_early[0].as_deref(), Some("accepted"));
    assert_eq!(client_early[1].as_deref(), Some("rejected: sent again"));
    assert_eq!(client_early[2].as_deref(), Some("rejected: sent again"));
    // Connection 4's request ran twice: once replayed, once resent.
    let dashboards_in_4 = steps
        .iter()
        .filter(|s| s.connection == 4)
        .flat_map(|s| &s.server_http)
        .filter(|e| e.request_line.starts_with("GET /dashboard"))
        .count();
    assert_eq!(dashboards_in_4, 2);
}

#[test]
fn expire_reaches_cookie_ticket_and_certificate_expiry_on_their_own() {
    let lab = run(TlsVersion::Tls13, "expire");
    // The last connection's full handshake failed on the certificate.
    assert_eq!(kinds(&lab), ["Full", "Resumed", "Full", "Full"]);
    assert_eq!(statuses(&lab), [303, 401, 303]);
    assert_eq!(alerts(&lab), ["CertificateExpired"]);
    // After 16 minutes the jar has dropped the cookie and the store has no live login.
    let after_401 = lab
        .run()
        .steps
        .iter()
        .find(|s| s.client_http.iter().any(|e| e.response.status == 401))
        .map(|s| s.tables.clone());
    assert!(after_401.is_some_and(|t| t.cookies.is_empty() && t.logins.iter().all(|l| !l.live)));

    // rustls keeps TLS 1.2 session ids forever: every later connection resumes, and a resumed
    // handshake never looks at the (expired) certificate again.
    let tls12 = run(TlsVersion::Tls12, "expire");
    assert_eq!(kinds(&tls12), ["Full", "Resumed", "Resumed", "Resumed"]);
    assert!(alerts(&tls12).is_empty());
}

#[test]
fn terminate_shows_half_close_truncation_idle_tamper_and_logout() {
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let lab = run(version, "terminate");
        let steps = &lab.run().steps;
        // Half-close: the server answers after the client sent close_notify.
        let half_close = steps
            .iter()
            .position(|s| s.from == Side::Client && s.client.sent_close)
            .and_then(|i| steps.get(i + 1));
        assert!(half_close.is_some_and(|s| s.from == Side::Server && !s.client_http.is_empty()));
        let truncated: Vec<&Step> = steps
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Truncated { .. }))
            .collect();
        assert_eq!(truncated.len(), 1);
        assert!(truncated[0]
            .client
            .error
            .as_deref()
            .is_some_and(|e| e.contains("close_notify")));
        // Idle timeout: the server sends close_notify on its own.
        assert!(steps
            .iter()
            .any(|s| s.from == Side::Server && s.server.sent_close && !s.client.sent_close));
        assert_eq!(alerts(&lab), ["BadRecordMac"], "{version:?}");
        assert!(steps.iter().any(|s| s.tampered.is_some()));
        // Login, half-closed dashboard, the request before the truncation, the login that
        // survived tampering, logout, and the dashboard after logout.
        assert_eq!(
            statuses(&lab),
            [303, 200, 200, 200, 303, 401],
            "{version:?}"
        );
        let last_kind = steps.last().and_then(|s| s.client.handshake_kind.clone());
        assert_eq!(last_kind.as_deref(), Some("Resumed"));
    }
}

#[test]
fn narration_claims_no_ticket_or_key_update_the_run_does_not_have() {
    // Scenes are written once for both versions; where TLS 1.2 differs (session ids instead of
    // tickets, no KeyUpdate), what the learner reads must follow the run they are looking at.
    for version in [TlsVersion::Tls12, TlsVersion::Tls13] {
        for chapter in chapters::all()
            .into_iter()
            .filter(|c| c.versions.contains(&version))
        {
            let lab = run(version, chapter.id);
            let messages: Vec<String> = lab
                .analysis()
                .iter()
                .flat_map(|a| a.records.iter().flat_map(|r| r.messages().to_vec()))
                .collect();
            let tickets = messages.iter().any(|m| m == "NewSessionTicket");
            let key_updates = messages.iter().any(|m| m == "KeyUpdate");
            for line in lab.run().steps.iter().filter_map(|s| s.narration) {
                let at = format!("{} ({version:?}): {line}", chapter.id);
                if !tickets && line.contains("ticket") {
                    assert!(
                        line.contains("TLS 1.3 ticket"),
                        "no ticket in this run: {at}"
                    );
                }
                if !key_updates {
                    assert!(
                        !line.contains("(KeyUpdate)") && !line.contains("under the new keys"),
                        "no KeyUpdate in this run: {at}"
                    );
                }
            }
        }
    }
    // rustls' refusal of a TLS 1.2 key update is explained, not only quoted.
    let lab = run(TlsVersion::Tls12, "stream");
    let events: Vec<&str> = lab
        .run()
        .steps
        .iter()
        .filter_map(|s| s.event.as_deref())
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.contains("refused the key update") && e.contains("TLS 1.2 has no KeyUpdate")),
        "{events:?}"
    );
}

#[test]
fn stream_interleaves_updates_keys_and_resumes_with_a_range() {
    let lab = run(TlsVersion::Tls13, "stream");
    let steps = &lab.run().steps;
    assert!(steps.iter().any(|s| s.both_pending));
    let messages: Vec<String> = lab
        .analysis()
        .iter()
        .flat_map(|a| a.records.iter().flat_map(|r| r.messages().to_vec()))
        .collect();
    assert!(messages.iter().any(|m| m == "KeyUpdate"));
    let ranges: Vec<(u16, String)> = steps
        .iter()
        .flat_map(|s| &s.client_http)
        .map(|e| (e.response.status, e.request.request_headers.clone()))
        .collect();
    assert!(ranges.iter().all(|(status, _)| *status == 206));
    // The resumed request starts where the whole records that arrived ended: past 24576.
    let resumed = ranges
        .last()
        .map(|(_, headers)| headers.clone())
        .unwrap_or_default();
    let start: Option<u64> = resumed
        .lines()
        .find_map(|l| l.strip_prefix("Range: bytes="))
        .and_then(|r| r.split('-').next())
        .and_then(|n| n.parse().ok());
    assert!(start.is_some_and(|s| s > 24_576 && s < 65_536), "{resumed}");
    assert_eq!(kinds(&lab), ["Full", "Resumed"]);
}

#[test]
fn plain_http_exposes_the_password_and_withholds_the_secure_cookie() {
    let lab = run(TlsVersion::Tls13, "plain-http");
    let steps = &lab.run().steps;
    let plain_text: Vec<String> = steps
        .iter()
        .filter(|s| s.plain)
        .map(|s| String::from_utf8_lossy(&s.bytes).into_owned())
        .collect();
    assert!(plain_text
        .iter()
        .any(|t| t.contains("password=correct+horse")));
    assert!(plain_text
        .iter()
        .any(|t| t.contains("Set-Cookie: session_id=")));
    let withheld: Vec<String> = steps
        .iter()
        .flat_map(|s| &s.client_http)
        .flat_map(|e| {
            e.request
                .cookies_withheld
                .iter()
                .map(|w| w.explanation.clone())
        })
        .collect();
    assert!(
        withheld.iter().any(|w| w.contains("Secure")),
        "{withheld:?}"
    );
    // Plain login, plain dashboard (no cookie), TLS login, plain dashboard (cookie withheld).
    assert_eq!(statuses(&lab), [303, 401, 303, 401]);
}

#[test]
fn hello_retry_costs_a_round_trip_and_drops_early_data() {
    let lab = run(TlsVersion::Tls13, "hello-retry");
    // rustls calls the third handshake Resumed although it needed a retry.
    assert_eq!(
        kinds(&lab),
        ["FullWithHelloRetryRequest", "Resumed", "Resumed"]
    );
    let view = lab.view();
    let retries: Vec<usize> = view
        .steps
        .iter()
        .filter(|s| s.title.contains("HelloRetryRequest"))
        .map(|s| s.connection)
        .collect();
    assert_eq!(
        retries,
        [1, 3],
        "the remembered group avoids the retry on connection 2"
    );
    let early: Vec<Option<String>> = lab
        .run()
        .steps
        .iter()
        .filter(|s| s.connection == 3)
        .map(|s| s.client.early_data.clone())
        .collect();
    assert_eq!(
        early.last().cloned().flatten().as_deref(),
        Some("rejected: sent again")
    );
    // The narration judges the handshake from the messages, not from rustls' label.
    let mut lab = lab;
    let mut judged = false;
    while lab.forward() {
        judged |= lab.view().current.is_some_and(|c| {
            c.narration
                .iter()
                .any(|l| l.contains("resumption that needed a retry"))
        });
    }
    assert!(judged);
}

#[test]
fn client_certificates_are_verified_and_required() {
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let lab = run(version, "mtls");
        let first_subject = lab
            .run()
            .steps
            .iter()
            .find(|s| s.connection == 1 && s.server.peer_certificate_subject.is_some())
            .and_then(|s| s.server.peer_certificate_subject.clone());
        assert!(
            first_subject.is_some_and(|s| s.contains("alice")),
            "{version:?}"
        );
        assert_eq!(alerts(&lab), ["CertificateRequired"], "{version:?}");
    }
}

#[test]
fn alpn_agrees_on_http11_or_fails_with_no_application_protocol() {
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let lab = run(version, "alpn");
        let agreed = lab.run().steps.iter().find_map(|s| s.client.alpn.clone());
        assert_eq!(agreed.as_deref(), Some("http/1.1"));
        assert_eq!(alerts(&lab), ["NoApplicationProtocol"], "{version:?}");
    }
}

#[test]
fn learner_interventions_change_the_run() {
    let mut lab = run(TlsVersion::Tls13, "whole-session");
    // Flip a byte in the server's first flight: the client's AEAD check fails.
    let server_flight = lab.run().steps.iter().position(|s| s.from == Side::Server);
    let Some(index) = server_flight else {
        panic!("no server flight");
    };
    let offset = lab.run().steps[index].bytes.len() - 10;
    assert!(lab.tamper(index, offset).is_ok());
    assert_eq!(lab.cursor(), index);
    assert_eq!(
        alerts(&lab).first().map(String::as_str),
        Some("BadRecordMac")
    );
    assert!(lab.tamper(index, 1_000_000).is_err());
    assert!(lab.reset().is_ok());
    assert!(alerts(&lab).is_empty());

    // Jump the clock two days after the first connection: the second is a full handshake.
    let close = lab.run().steps.iter().position(|s| s.server.sent_close);
    let Some(close) = close else {
        panic!("no close");
    };
    assert!(lab.seek(close).is_ok());
    assert!(lab.advance_clock(2 * 86_400).is_ok());
    assert_eq!(lab.run().steps[lab.cursor()].from, Side::Lab);
    assert_eq!(kinds(&lab), ["Full", "Full"]);
}

#[test]
fn cost_table_counts_what_resumption_saves() {
    let tls13 = run(TlsVersion::Tls13, "resume").view().costs;
    assert_eq!(tls13.len(), 2);
    let (full, resumed) = (&tls13[0], &tls13[1]);
    assert_eq!((full.certificates, full.signatures), (1, 1));
    assert_eq!((resumed.certificates, resumed.signatures), (0, 0));
    // TLS 1.3 resumption with (EC)DHE still does a key exchange, and the same round trip.
    assert_eq!((full.key_exchanges, resumed.key_exchanges), (1, 1));
    assert_eq!(
        full.round_trips_before_data,
        resumed.round_trips_before_data
    );
    assert!(resumed.server_bytes * 3 < full.server_bytes);

    let tls12 = run(TlsVersion::Tls12, "resume").view().costs;
    let (full, resumed) = (&tls12[0], &tls12[1]);
    assert_eq!(full.round_trips_before_data, Some(2));
    assert_eq!(
        resumed.round_trips_before_data,
        Some(1),
        "one round trip less"
    );
    assert_eq!(
        resumed.key_exchanges, 0,
        "TLS 1.2 resumption reuses the master secret"
    );

    let zero_rtt = run(TlsVersion::Tls13, "zero-rtt").view().costs;
    assert_eq!(zero_rtt[1].round_trips_before_data, Some(0));
}

#[test]
fn establish_compares_both_versions_for_the_same_settings() {
    let view = run(TlsVersion::Tls13, "establish").view();
    let Some(comparison) = view.version_comparison else {
        panic!("the establish chapter compares versions");
    };
    let [tls13, tls12] = comparison.columns.as_slice() else {
        panic!("two columns");
    };
    assert_eq!(tls13.cost.round_trips_before_data, Some(1));
    assert_eq!(tls12.cost.round_trips_before_data, Some(2));
    // TLS 1.3 encrypts the certificate; TLS 1.2 sends it in clear.
    assert!(tls13.encrypted.iter().any(|m| m == "Certificate"));
    assert!(tls12.in_clear.iter().any(|m| m == "Certificate"));
    assert!(run(TlsVersion::Tls13, "resume")
        .view()
        .version_comparison
        .is_none());
}

#[test]
fn an_edited_request_reaches_the_server_and_bad_edits_are_refused() {
    use sessionlab::engine::RequestEdit;
    let mut lab = run(TlsVersion::Tls13, "whole-session");
    edit_request(
        &mut lab,
        "/dashboard?tab=<img src=x>",
        "X-Lab: hello\nAccept-Language: fr",
    );
    let lines: Vec<(String, String)> = lab
        .run()
        .steps
        .iter()
        .flat_map(|s| &s.server_http)
        .map(|e| (e.request_line.clone(), e.request_headers.clone()))
        .collect();
    let edited = lines.iter().find(|(line, _)| line.contains("tab="));
    let Some((line, headers)) = edited else {
        panic!("the edited request reached the server: {lines:?}");
    };
    // The request line carries the path percent-encoded: no byte can break out of it.
    assert_eq!(line, "GET /dashboard?tab=%3Cimg%20src=x%3E HTTP/1.1");
    assert!(headers.contains("X-Lab: hello"));
    assert!(headers.contains("Accept-Language: fr"));
    assert_eq!(lab.view().request.map(|r| r.headers.len()), Some(2));

    for (path, headers) in [
        ("", ""),
        ("/a\r\nX-Evil: 1", ""),
        ("/ok", "Cookie: session_id=stolen"),
        ("/ok", "no colon here"),
        ("/ok", "Bad Name: x"),
        ("/ok", "X-Evil: \u{7}"),
    ] {
        assert!(
            RequestEdit::parse(path, headers).is_err(),
            "{path:?} {headers:?}"
        );
    }
    assert!(lab.set_request(None).is_ok());
    assert!(lab.view().request.is_none());
}

#[test]
fn the_view_counts_the_requests_an_edit_replaces() {
    // Counted from what the client sent: a chapter without GET /dashboard says so with 0.
    for (chapter, sends_dashboard) in [
        ("whole-session", true),
        ("stream", false),
        ("establish", false),
    ] {
        let lab = run(TlsVersion::Tls13, chapter);
        let sent = served(&lab, "GET /dashboard ");
        let counted = lab.view().dashboard_requests;
        assert_eq!(counted > 0, sends_dashboard, "{chapter}: {counted}");
        // Every one the server answered was counted (a refused or dropped one may not arrive).
        assert!(
            counted >= sent,
            "{chapter}: counted {counted}, served {sent}"
        );
    }
    let mut lab = run(TlsVersion::Tls13, "whole-session");
    let before = lab.view().dashboard_requests;
    edit_request(&mut lab, "/elsewhere", "");
    assert_eq!(
        lab.view().dashboard_requests,
        before,
        "the same requests, now edited"
    );
    assert_eq!(served(&lab, "GET /dashboard "), 0);
    assert!(served(&lab, "GET /elsewhere ") > 0);
}

#[test]
fn an_edited_request_is_also_the_one_sent_as_early_data() {
    let mut lab = run(TlsVersion::Tls13, "zero-rtt");
    edit_request(&mut lab, "/early", "X-Lab: zero");
    // The chapter's only GET /dashboard travels as 0-RTT data (accepted, replayed, and resent
    // after a refusal): each of them now carries the edit.
    assert_eq!(served(&lab, "GET /dashboard "), 0);
    assert!(served(&lab, "GET /early ") >= 3);
    let early: Vec<String> = lab
        .run()
        .steps
        .iter()
        .map(|s| String::from_utf8_lossy(&s.delivered).into_owned())
        .filter(|text| text.contains("X-Lab: zero"))
        .collect();
    assert!(!early.is_empty(), "the edited headers reached the server");
}

// proptest is a native-only dev-dependency.
#[cfg(not(target_arch = "wasm32"))]
mod interventions {
    //! Whatever the learner does to a run, the lab answers with a run or a clear error: never a
    //! panic, and never a check that blames our decryption for the learner's tampering.

    use proptest::prelude::*;
    use sessionlab::chapters;
    use sessionlab::options::TlsVersion;
    use sessionlab::{Lab, Options};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn tampering_and_clock_jumps_never_panic_and_checks_stay_honest(
            chapter in 0usize..13,
            tls12 in any::<bool>(),
            step in 0usize..64,
            offset in 0usize..2048,
            jump in prop_oneof![Just(60u64), Just(3600), Just(86_400), Just(30 * 86_400)],
        ) {
            let version = if tls12 { TlsVersion::Tls12 } else { TlsVersion::Tls13 };
            let all = chapters::all();
            let chapter = &all[chapter % all.len()];
            prop_assume!(chapter.versions.contains(&version));
            let Ok(mut lab) = Lab::with_chapter(Options::for_version(version), chapter.id) else {
                return Err(TestCaseError::fail("the chapter runs"));
            };
            let steps = lab.run().steps.len();
            let step = step % steps;
            let len = lab.run().steps[step].bytes.len();
            if len == 0 {
                prop_assert!(lab.tamper(step, offset).is_err());
            } else {
                prop_assert!(lab.tamper(step, offset % len).is_ok());
            }
            prop_assert!(lab.seek(step.min(lab.run().steps.len() - 1)).is_ok());
            prop_assert!(lab.advance_clock(jump).is_ok());
            let failed: Vec<String> = lab
                .analysis()
                .iter()
                .flat_map(|a| &a.checks)
                .filter(|c| !c.ok)
                .map(|c| c.what.clone())
                .collect();
            prop_assert!(failed.is_empty(), "{} {version:?}: {failed:?}", chapter.id);
            let _ = lab.view();
            prop_assert!(lab.reset().is_ok());
        }
    }
}
