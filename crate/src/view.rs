//! The view data: the one contract between the core and the page.
//!
//! Everything the page renders comes from [`LabView`], serialised with camelCase names. The page
//! computes nothing about TLS itself; it lays these values out. Byte strings travel as lowercase
//! hex.

use serde::Serialize;

use crate::analysis::{Check, ConnectionAnalysis, OpenedRecordView, RecordAnalysis, StepAnalysis};
use crate::clock;
use crate::dissect::Field;
use crate::engine::{Lab, Outcome, Side, Step};
use crate::http::Exchange;
use crate::options::Options;
use crate::pki::PkiSummary;
use crate::records::RecordFrame;
use crate::tls::EndpointState;

/// Everything the page shows for the current state of a lab.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabView {
    /// The options this run was made with.
    pub options: Options,
    /// The run's certificates.
    pub pki: PkiSummary,
    /// The step the learner is on (0-based).
    pub cursor: usize,
    /// How many steps the run has.
    pub total: usize,
    /// A one-line summary of every step, for the progress line and the sequence diagram.
    pub steps: Vec<StepSummary>,
    /// The step at the cursor, in full.
    pub current: Option<StepView>,
    /// Each connection's key schedule, computed by us from the key log.
    pub connections: Vec<ConnectionAnalysis>,
    /// The run's key log in NSS format, one line per secret (for export; never sent anywhere).
    pub key_log: Vec<String>,
}

/// One step in brief.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepSummary {
    /// 0-based index.
    pub index: usize,
    /// The connection it belongs to (1-based).
    pub connection: usize,
    /// Who sent the flight.
    pub from: Side,
    /// What the flight carried, e.g. `ServerHello, change_cipher_spec, 4 encrypted records`.
    pub title: String,
    /// The flight's size on the wire.
    pub byte_length: usize,
    /// `delivered`, `rejected` or `alertReceived`.
    pub outcome: String,
}

/// One step in full.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    /// 0-based index.
    pub index: usize,
    /// The connection it belongs to (1-based).
    pub connection: usize,
    /// Who sent the flight.
    pub from: Side,
    /// Who received it.
    pub to: Side,
    /// What the flight carried.
    pub title: String,
    /// What happened, in plain words, computed from the step.
    pub narration: Vec<String>,
    /// The flight's bytes.
    pub hex: String,
    /// The TLS records in the flight.
    pub records: Vec<RecordView>,
    /// How delivery ended.
    pub outcome: Outcome,
    /// Application data rustls released to the receiver, if any.
    pub delivered: Option<DeliveredView>,
    /// HTTP exchanges the server completed on this step.
    pub exchanges: Vec<Exchange>,
    /// The HTTP status the client read on this step.
    pub response_status: Option<u16>,
    /// The client's state after the step.
    pub client: EndpointState,
    /// The server's state after the step.
    pub server: EndpointState,
    /// Which state fields changed at this step (`client.handshakeDone`, …).
    pub changed: Vec<String>,
    /// The lab clock (RFC 3339).
    pub clock: String,
    /// What we verified about this step against rustls.
    pub checks: Vec<Check>,
}

/// One record of a flight, with the names of what it visibly carries.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    /// Header fields and byte range.
    #[serde(flatten)]
    pub frame: RecordFrame,
    /// The legacy version as a name (`TLS 1.2` for `0x0303`).
    pub version_name: String,
    /// The record's payload is encrypted.
    pub encrypted: bool,
    /// What the record carries (decrypted, where we opened it).
    pub carries: String,
    /// The record's fields as they lie on the wire, offsets into the flight.
    pub fields: Vec<Field>,
    /// The record once opened with the keys.
    pub opened: Option<OpenedRecordView>,
    /// Why a protected record could not be opened.
    pub open_error: Option<String>,
}

/// Application data delivered to an endpoint.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveredView {
    /// The bytes.
    pub hex: String,
    /// The bytes as text (lossy UTF-8); the page shows it as text, never as HTML.
    pub text: String,
}

/// Builds the view of `lab`.
pub fn lab_view(lab: &Lab) -> LabView {
    let run = lab.run();
    let analysis = lab.analysis();
    let steps = run
        .steps
        .iter()
        .zip(analysis)
        .enumerate()
        .map(|(index, (step, analysis))| StepSummary {
            index,
            connection: step.connection,
            from: step.from,
            title: title_of(analysis),
            byte_length: step.bytes.len(),
            outcome: outcome_kind(&step.outcome).to_owned(),
        })
        .collect();
    let current = run.steps.get(lab.cursor()).map(|step| {
        let previous = lab
            .cursor()
            .checked_sub(1)
            .and_then(|i| run.steps.get(i))
            .filter(|prev| prev.connection == step.connection);
        step_view(lab.cursor(), step, previous, analysis.get(lab.cursor()))
    });
    LabView {
        options: lab.options().clone(),
        pki: lab.pki().summary.clone(),
        cursor: lab.cursor(),
        total: run.steps.len(),
        steps,
        current,
        connections: lab.connection_analysis().to_vec(),
        key_log: run
            .key_log
            .iter()
            .map(|e| format!("{} {} {}", e.label, hex(&e.client_random), hex(&e.secret)))
            .collect(),
    }
}

fn step_view(
    index: usize,
    step: &Step,
    previous: Option<&Step>,
    analysis: Option<&StepAnalysis>,
) -> StepView {
    let title = analysis.map(title_of).unwrap_or_default();
    let records: Vec<RecordView> = analysis
        .map(|a| a.records.iter().map(record_view).collect())
        .unwrap_or_default();
    let to = step.from.peer();
    let changed = previous.map_or_else(Vec::new, |prev| {
        let mut changed = diff("client", &prev.client, &step.client);
        changed.extend(diff("server", &prev.server, &step.server));
        changed
    });
    let delivered = (!step.delivered.is_empty()).then(|| DeliveredView {
        hex: hex(&step.delivered),
        text: String::from_utf8_lossy(&step.delivered).into_owned(),
    });
    StepView {
        index,
        connection: step.connection,
        from: step.from,
        to,
        narration: narrate(step, previous, &title, &records),
        title,
        hex: hex(&step.bytes),
        records,
        outcome: step.outcome.clone(),
        delivered,
        exchanges: step.exchanges.clone(),
        response_status: step.response_status,
        client: step.client.clone(),
        server: step.server.clone(),
        changed,
        clock: clock::rfc3339(step.clock),
        checks: analysis.map(|a| a.checks.clone()).unwrap_or_default(),
    }
}

fn narrate(
    step: &Step,
    previous: Option<&Step>,
    title: &str,
    records: &[RecordView],
) -> Vec<String> {
    let from = step.from.label();
    let to = step.from.peer().label();
    let mut lines = vec![format!(
        "{from} → {to}: {} record{}, {} bytes on the wire ({title}).",
        records.len(),
        if records.len() == 1 { "" } else { "s" },
        step.bytes.len(),
    )];
    if previous.is_none() && step.from == Side::Client {
        lines.push(format!(
            "Connection {} begins: the client opens a TLS session with its ClientHello.",
            step.connection
        ));
    }
    let receiver_state = match step.from.peer() {
        Side::Client => &step.client,
        Side::Server => &step.server,
    };
    let was_done = previous.is_some_and(|prev| match step.from.peer() {
        Side::Client => prev.client.handshake_done,
        Side::Server => prev.server.handshake_done,
    });
    match &step.outcome {
        Outcome::Delivered => {
            if receiver_state.handshake_done && !was_done {
                lines.push(format!(
                    "The {} now considers the handshake complete ({} handshake, {}, {}).",
                    to.to_lowercase(),
                    receiver_state.handshake_kind.as_deref().unwrap_or("unknown"),
                    receiver_state.version.as_deref().unwrap_or("?"),
                    receiver_state.cipher_suite.as_deref().unwrap_or("?"),
                ));
            }
        }
        Outcome::Rejected { error } => lines.push(format!(
            "The {} rejected the flight: {error}. Its connection is over; rustls queues an alert to tell the {}.",
            to.to_lowercase(),
            from.to_lowercase()
        )),
        Outcome::AlertReceived { alert } => lines.push(format!(
            "The {} received the fatal alert {alert}; its connection is over.",
            to.to_lowercase()
        )),
    }
    if !step.delivered.is_empty() {
        let first_line = String::from_utf8_lossy(&step.delivered)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        lines.push(format!(
            "rustls decrypted {} bytes of application data for the {}: \"{first_line}\".",
            step.delivered.len(),
            to.to_lowercase()
        ));
    }
    if receiver_state.peer_closed && !previous.is_some_and(|p| peer_closed(p, step.from.peer())) {
        lines.push(format!(
            "The {} has received close_notify: the {} will send nothing more on this connection. TLS is full duplex, so the {} may still send until it closes too.",
            to.to_lowercase(),
            from.to_lowercase(),
            to.to_lowercase()
        ));
    }
    lines
}

fn peer_closed(step: &Step, side: Side) -> bool {
    match side {
        Side::Client => step.client.peer_closed,
        Side::Server => step.server.peer_closed,
    }
}

fn outcome_kind(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Delivered => "delivered",
        Outcome::Rejected { .. } => "rejected",
        Outcome::AlertReceived { .. } => "alertReceived",
    }
}

/// The title of a flight: what each record carries, decrypted where we could open it, with
/// runs of the same thing counted.
fn title_of(analysis: &StepAnalysis) -> String {
    let mut parts: Vec<(String, usize)> = Vec::new();
    for record in &analysis.records {
        let name = record.messages().join(" + ");
        let name = match &record.opened {
            Some(_) => format!("{{{name}}}"),
            None => name,
        };
        match parts.last_mut() {
            Some((last, count)) if *last == name => *count += 1,
            _ => parts.push((name, 1)),
        }
    }
    parts
        .into_iter()
        .map(|(name, count)| {
            if count == 1 {
                name
            } else {
                format!("{count} × {name}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn record_view(record: &RecordAnalysis) -> RecordView {
    RecordView {
        version_name: version_name(record.frame.legacy_version),
        frame: record.frame.clone(),
        encrypted: record.opened.is_some() || record.open_error.is_some(),
        carries: record.messages().join(" + "),
        fields: record.fields.clone(),
        opened: record.opened.clone(),
        open_error: record.open_error.clone(),
    }
}

fn version_name(version: u16) -> String {
    match version {
        0x0301 => "TLS 1.0".to_owned(),
        0x0302 => "TLS 1.1".to_owned(),
        0x0303 => "TLS 1.2".to_owned(),
        0x0304 => "TLS 1.3".to_owned(),
        other => format!("0x{other:04x}"),
    }
}

fn diff(side: &str, before: &EndpointState, after: &EndpointState) -> Vec<String> {
    let (Ok(before), Ok(after)) = (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return Vec::new();
    };
    after
        .iter()
        .filter(|(key, value)| before.get(*key) != Some(value))
        .map(|(key, _)| format!("{side}.{key}"))
        .collect()
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A whole run in full: the lab's view plus every step's full view, for export and inspection.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FullView {
    /// The view at the lab's cursor.
    pub lab: LabView,
    /// Every step, in full.
    pub step_views: Vec<StepView>,
}

/// Every step of `lab` in full.
pub fn full_view(lab: &Lab) -> FullView {
    let run = lab.run();
    let step_views = run
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let previous = index
                .checked_sub(1)
                .and_then(|i| run.steps.get(i))
                .filter(|prev| prev.connection == step.connection);
            step_view(index, step, previous, lab.analysis().get(index))
        })
        .collect();
    FullView {
        lab: lab_view(lab),
        step_views,
    }
}
