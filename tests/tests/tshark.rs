//! Wireshark's reading of our capture agrees with our own: for a TLS 1.3 and a TLS 1.2 run (and a
//! TLS 1.3 run whose RSA certificate makes a flight span several TCP segments), `tshark` opens
//! the exported pcapng with no key-log option — the keys travel in its Decryption Secrets Block —
//! and must decrypt the HTTP exchange, report the same handshake messages, TLS records and TCP
//! streams as our analysis, and find nothing malformed. Every chapter's capture (replays, plain
//! HTTP, dropped transports, tampered flights) must read cleanly too.
//!
//! Native only: it runs the `tshark` and `editcap` programs, which `cargo xtask setup` (and so
//! `cargo xtask test`) installs.

#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use sessionlab::dissect::Field;
use sessionlab::export::{self, MSS};
use sessionlab::options::{CertKeyType, TlsVersion};
use sessionlab::{Lab, Options};

#[test]
fn tls13_capture_opens_decrypted_in_tshark() {
    check_capture("tls13", Options::for_version(TlsVersion::Tls13));
}

#[test]
fn tls12_capture_opens_decrypted_in_tshark() {
    check_capture("tls12", Options::for_version(TlsVersion::Tls12));
}

#[test]
fn flights_longer_than_a_segment_are_reassembled_by_tshark() {
    let options = Options {
        cert_key: CertKeyType::Rsa2048,
        ..Options::for_version(TlsVersion::Tls13)
    };
    let lab = check_capture("tls13-rsa", options);
    assert!(
        lab.run().steps.iter().any(|step| step.bytes.len() > MSS),
        "the RSA certificate flight should need more than one {MSS}-byte segment"
    );
}

#[test]
fn every_chapter_exports_a_capture_tshark_reads_cleanly() {
    for chapter in sessionlab::chapters::all() {
        for &version in chapter.versions {
            let name = format!("{}-{}", chapter.id, version.key());
            let lab = Lab::with_chapter(Options::for_version(version), chapter.id)
                .unwrap_or_else(|err| panic!("{name}: the lab runs: {err}"));
            let capture = Capture::write(&name, &export::pcapng(lab.run()).expect("a capture"));
            assert_clean(&capture, &name);
            assert_framing(&capture, &lab, &name);
        }
    }
}

/// Runs a lab with `options`, exports it, and checks tshark's reading against ours.
fn check_capture(name: &str, options: Options) -> Lab {
    let lab = Lab::new(options).expect("the lab runs");
    let capture = Capture::write(name, &export::pcapng(lab.run()).expect("a capture"));
    let run = lab.run();

    // (1) Decrypted with no option: the requests and responses rustls carried.
    let requests = capture.fields("http.request", &["http.request.method", "http.request.uri"]);
    let exchanges: Vec<_> = run
        .steps
        .iter()
        .flat_map(|step| &step.server_http)
        .collect();
    let ours: Vec<String> = exchanges
        .iter()
        .map(|exchange| {
            let mut words = exchange.request_line.split(' ');
            let method = words.next().unwrap_or_default();
            let uri = words.next().unwrap_or_default();
            format!("{method}\t{uri}")
        })
        .collect();
    assert!(
        requests.iter().any(|line| line == "GET\t/dashboard"),
        "tshark shows no decrypted GET /dashboard: {requests:?}"
    );
    assert_eq!(requests, ours, "HTTP requests");
    let responses = capture.fields("http.response", &["http.response.code"]);
    let ours: Vec<String> = exchanges
        .iter()
        .map(|exchange| exchange.status.to_string())
        .collect();
    // The session logs in first, so the dashboard is served: tshark decrypted the very
    // responses the server sent, a 200 among them.
    assert!(
        responses.iter().any(|code| code == "200"),
        "tshark shows no decrypted 200 response: {responses:?}"
    );
    assert_eq!(responses, ours, "HTTP response codes");

    // The keys really come from the capture: without its secrets, nothing is decrypted.
    let stripped = capture.path.with_extension("nosecrets.pcapng");
    run_tool(
        "editcap",
        &[
            "--discard-all-secrets".into(),
            capture.path.clone().into(),
            stripped.clone().into(),
        ],
    );
    let without_keys = Capture {
        path: stripped.clone(),
    };
    assert_eq!(
        without_keys.fields("http", &["frame.number"]),
        Vec::<String>::new()
    );
    drop(without_keys);

    // (2) The same handshake messages, in the same order.
    let theirs: Vec<u8> = capture
        .values("", "tls.handshake.type")
        .iter()
        .map(|value| value.parse().expect("a handshake type number"))
        .collect();
    assert_eq!(theirs, our_handshake_types(&lab), "handshake message types");

    // (3) Nothing malformed, no expert warning or error, no TCP analysis complaint.
    assert_clean(&capture, name);

    // (4) As many TLS records, TCP streams and data segments as we framed.
    let records: usize = lab.analysis().iter().map(|step| step.records.len()).sum();
    assert_eq!(
        capture.values("", "tls.record.length").len(),
        records,
        "TLS records"
    );
    assert_eq!(
        assert_framing(&capture, &lab, name),
        2,
        "a connection and its resumption"
    );
    lab
}

/// tshark finds nothing malformed, no expert warning or error, and no TCP analysis complaint
/// (retransmission, unseen segment, …) — while expert analysis did run (every SYN is reported as
/// a chat).
fn assert_clean(capture: &Capture, name: &str) {
    let complaints = capture.fields(
        "_ws.malformed or _ws.expert.severity >= warning or tcp.analysis.flags",
        &["frame.number", "_ws.expert.message"],
    );
    assert_eq!(complaints, Vec::<String>::new(), "{name}: tshark complains");
    assert!(
        !capture.fields("_ws.expert", &["frame.number"]).is_empty(),
        "{name}: tshark ran no expert analysis"
    );
}

/// tshark sees one TCP stream per connection (and per attacker replay) and as many segments
/// carrying data as our framing makes; returns the number of streams.
fn assert_framing(capture: &Capture, lab: &Lab, name: &str) -> usize {
    let flights: Vec<_> = lab
        .run()
        .steps
        .iter()
        .filter(|step| !step.bytes.is_empty())
        .collect();
    let streams: BTreeSet<String> = capture.values("", "tcp.stream").into_iter().collect();
    let ours: BTreeSet<(usize, bool)> = flights
        .iter()
        .map(|step| (step.connection, step.replay))
        .collect();
    assert_eq!(streams.len(), ours.len(), "{name}: TCP streams");
    let segments = capture.values("tcp.len > 0", "tcp.len").len();
    let our_segments: usize = flights
        .iter()
        .map(|step| step.bytes.len().div_ceil(MSS))
        .sum();
    assert_eq!(segments, our_segments, "{name}: TCP segments carrying data");
    ours.len()
}

/// The handshake message types our analysis found, read at each `msg_type` field of the
/// dissection: in the decrypted plaintext where we opened the record, on the wire otherwise.
fn our_handshake_types(lab: &Lab) -> Vec<u8> {
    let mut types = Vec::new();
    for (step, analysis) in lab.run().steps.iter().zip(lab.analysis()) {
        for record in &analysis.records {
            assert_eq!(record.open_error, None, "we open every protected record");
            let (fields, bytes) = match &record.opened {
                Some(opened) => (&opened.fields, unhex(&opened.plaintext)),
                None => (&record.fields, step.bytes.clone()),
            };
            types.extend(
                fields
                    .iter()
                    .flat_map(Field::descendants)
                    .filter(|field| field.name == "msg_type")
                    .map(|field| bytes[field.start]),
            );
        }
    }
    assert!(!types.is_empty());
    types
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("lowercase hex"))
        .collect()
}

/// A capture written to a unique file under the system's temporary folder, removed on drop.
struct Capture {
    path: PathBuf,
}

impl Capture {
    fn write(name: &str, bytes: &[u8]) -> Self {
        let path = std::env::temp_dir().join(format!(
            "sessionlab-tshark-{}-{name}.pcapng",
            std::process::id()
        ));
        std::fs::write(&path, bytes).expect("the capture is written");
        Self { path }
    }

    /// tshark's `-T fields` output for the packets matching `filter`, one line per packet.
    fn fields(&self, filter: &str, fields: &[&str]) -> Vec<String> {
        let mut args: Vec<OsString> = vec![
            "-r".into(),
            self.path.clone().into(),
            "-T".into(),
            "fields".into(),
        ];
        if !filter.is_empty() {
            args.extend(["-Y".into(), filter.into()]);
        }
        for field in fields {
            args.extend(["-e".into(), OsString::from(field)]);
        }
        run_tool("tshark", &args)
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Every value of `field` across the packets matching `filter`, in order (tshark joins a
    /// packet's values with commas).
    fn values(&self, filter: &str, field: &str) -> Vec<String> {
        self.fields(filter, &[field])
            .iter()
            .flat_map(|line| line.split(','))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Runs a Wireshark tool and returns its standard output; fails the test, saying how to get
/// the tool, if it is not installed.
fn run_tool(program: &str, args: &[OsString]) -> String {
    let output = match Command::new(program).args(args).output() {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "{program} is not installed: `cargo xtask test` installs it (through \
             `cargo xtask setup`, Debian package tshark)"
        ),
        Err(err) => panic!("could not run {program}: {err}"),
    };
    assert!(
        output.status.success(),
        "{program} {args:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}
