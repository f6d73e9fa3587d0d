//! What each connection cost, counted from the recorded bytes and our dissection of them: the
//! numbers behind "resumption is cheaper" and "TLS 1.3 saves a round trip".
//!
//! Nothing here is estimated: bytes are the flights' lengths, messages and signatures are the
//! dissector's names, round trips are counted flights.

use serde::Serialize;

use crate::analysis::StepAnalysis;
use crate::chapters;
use crate::dissect::Field;
use crate::engine::{execute, Side, Step};
use crate::options::{Options, TlsVersion};
use crate::pki::Pki;
use crate::Error;

/// The cost of one connection's handshake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionCost {
    /// The connection's number in the run.
    pub connection: usize,
    /// `Full`, `FullWithHelloRetryRequest` or `Resumed`, as rustls reports it.
    pub handshake_kind: Option<String>,
    /// Handshake bytes the client sent, until both sides were done.
    pub client_bytes: usize,
    /// Handshake bytes the server sent, until both sides were done.
    pub server_bytes: usize,
    /// Handshake messages exchanged (ChangeCipherSpec not counted).
    pub messages: usize,
    /// Flights until both sides considered the handshake complete.
    pub flights: usize,
    /// Server flights the client waited for before it could send application data: round
    /// trips before the first application byte (0 for accepted 0-RTT).
    pub round_trips_before_data: Option<usize>,
    /// Signatures made (CertificateVerify, ServerKeyExchange).
    pub signatures: usize,
    /// Certificate messages sent.
    pub certificates: usize,
    /// Ephemeral key exchanges completed (a key_share in ServerHello, or ServerKeyExchange).
    pub key_exchanges: usize,
}

/// Counts what each connection of a run cost.
pub fn connection_costs(steps: &[Step], analysis: &[StepAnalysis]) -> Vec<ConnectionCost> {
    let mut costs: Vec<ConnectionCost> = Vec::new();
    for (step, analysis) in steps.iter().zip(analysis) {
        if step.connection == 0 || step.plain || step.replay || step.from == Side::Lab {
            continue;
        }
        if costs.last().is_none_or(|c| c.connection != step.connection) {
            costs.push(ConnectionCost {
                connection: step.connection,
                handshake_kind: None,
                client_bytes: 0,
                server_bytes: 0,
                messages: 0,
                flights: 0,
                round_trips_before_data: None,
                signatures: 0,
                certificates: 0,
                key_exchanges: 0,
            });
        }
        let Some(cost) = costs.last_mut() else {
            continue;
        };
        let names: Vec<&str> = analysis
            .records
            .iter()
            .flat_map(|r| r.messages().iter().map(String::as_str))
            .collect();
        // The client may send application data once its handshake is done (with its Finished),
        // or at once with 0-RTT: count the server flights it had to wait for.
        let early_data = step.from == Side::Client
            && names.contains(&"ApplicationData")
            && step.server.early_data.as_deref() == Some("accepted");
        if cost.round_trips_before_data.is_none() && (early_data || step.client.handshake_done) {
            cost.round_trips_before_data = Some(
                steps
                    .iter()
                    .take_while(|s| !std::ptr::eq(*s, step))
                    .filter(|s| {
                        s.connection == step.connection && s.from == Side::Server && !s.replay
                    })
                    .count()
                    + usize::from(!early_data && step.from == Side::Server),
            );
        }
        if cost.handshake_kind.is_some() {
            continue;
        }
        cost.flights += 1;
        match step.from {
            Side::Client => cost.client_bytes += step.bytes.len(),
            _ => cost.server_bytes += step.bytes.len(),
        }
        cost.messages += names.iter().filter(|n| is_handshake_message(n)).count();
        cost.signatures += names
            .iter()
            .filter(|n| matches!(**n, "CertificateVerify" | "ServerKeyExchange"))
            .count();
        cost.certificates += names.iter().filter(|n| **n == "Certificate").count();
        cost.key_exchanges += analysis
            .records
            .iter()
            .flat_map(|r| {
                r.fields
                    .iter()
                    .chain(r.opened.iter().flat_map(|o| &o.fields))
            })
            .filter(|f| has_key_exchange(f))
            .count();
        if step.client.handshake_done && step.server.handshake_done {
            cost.handshake_kind.clone_from(&step.client.handshake_kind);
        }
    }
    costs
}

fn is_handshake_message(name: &str) -> bool {
    !matches!(name, "ChangeCipherSpec" | "ApplicationData")
        && !name.starts_with("Alert")
        && !name.contains("encrypted")
}

/// A ServerHello carrying a key share, or a ServerKeyExchange: the server's half of an
/// ephemeral key exchange (the client's half is in every full or PSK-DHE ClientHello).
fn has_key_exchange(field: &Field) -> bool {
    if field.name == "ServerKeyExchange" {
        return true;
    }
    if field.name == "ServerHello" {
        return field.find("key_share").is_some();
    }
    field.children.iter().any(has_key_exchange)
}

/// The same first connection in TLS 1.3 and in TLS 1.2, side by side.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionComparison {
    /// One column per version, TLS 1.3 first.
    pub columns: Vec<VersionColumn>,
}

/// One version's full handshake, counted.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionColumn {
    /// `TLS 1.3` or `TLS 1.2`.
    pub version: String,
    /// The suite rustls negotiated.
    pub cipher_suite: Option<String>,
    /// What the handshake cost.
    pub cost: ConnectionCost,
    /// Handshake messages an eavesdropper can read, in order.
    pub in_clear: Vec<String>,
    /// Handshake messages that travel encrypted, in order.
    pub encrypted: Vec<String>,
}

/// Runs the "establish" chapter in both versions with the learner's certificate and groups,
/// and counts each first connection.
pub fn compare_versions(options: &Options, pki: &Pki) -> Result<VersionComparison, Error> {
    let chapter = chapters::by_id("establish").ok_or_else(|| Error::InvalidOption {
        field: "chapter",
        value: "establish".to_owned(),
        reason: "missing".to_owned(),
    })?;
    let mut columns = Vec::new();
    for version in TlsVersion::ALL {
        let mut other = Options::for_version(version);
        other.cert_key = options.cert_key;
        other.client_groups.clone_from(&options.client_groups);
        other.server_groups.clone_from(&options.server_groups);
        if version == options.version {
            other.client_suites.clone_from(&options.client_suites);
        }
        let run = execute(&other.resolve()?, pki, &chapter, &[])?;
        let analysis = crate::analysis::analyse(&run.steps, &run.key_log);
        let Some(cost) = connection_costs(&run.steps, &analysis.steps)
            .into_iter()
            .next()
        else {
            continue;
        };
        let mut in_clear = Vec::new();
        let mut encrypted = Vec::new();
        for (step, analysis) in run.steps.iter().zip(&analysis.steps) {
            if step.connection != 1 {
                continue;
            }
            for record in &analysis.records {
                let target = if record.opened.is_some() {
                    &mut encrypted
                } else {
                    &mut in_clear
                };
                target.extend(
                    record
                        .messages()
                        .iter()
                        .filter(|n| is_handshake_message(n))
                        .cloned(),
                );
            }
            if step.client.handshake_done && step.server.handshake_done {
                break;
            }
        }
        columns.push(VersionColumn {
            version: version.label().to_owned(),
            cipher_suite: run.steps.last().and_then(|s| s.client.cipher_suite.clone()),
            cost,
            in_clear,
            encrypted,
        });
    }
    Ok(VersionComparison { columns })
}
