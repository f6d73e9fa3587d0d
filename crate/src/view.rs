//! The view data: the one contract between the core and the page.
//!
//! Everything the page renders comes from [`LabView`], serialised with camelCase names. The page
//! computes nothing about TLS itself; it lays these values out. Byte strings travel as lowercase
//! hex.

use serde::Serialize;

use crate::analysis::{Check, ConnectionAnalysis, OpenedRecordView, RecordAnalysis, StepAnalysis};
use crate::chapters::ChapterSummary;
use crate::clock;
use crate::compare::{connection_costs, ConnectionCost, VersionComparison};
use crate::dissect::Field;
use crate::engine::{Intervention, Lab, Outcome, RequestEdit, Side, Step, Tables, Tampered};
use crate::http::{ClientExchange, Exchange};
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
    /// The chapter being run.
    pub chapter: ChapterSummary,
    /// The learner's changes to this run (flipped bytes, clock jumps).
    pub interventions: Vec<Intervention>,
    /// The session layer's five functions, each with the first step of this run where it
    /// happens.
    pub functions: Vec<FunctionLink>,
    /// What each connection's handshake cost.
    pub costs: Vec<ConnectionCost>,
    /// The learner's edit of the dashboard request (`None`: the chapter's own).
    pub request: Option<RequestEdit>,
    /// How many times the run's client sent the chapter's `GET /dashboard`, the request an
    /// edit replaces (0: an edit changes nothing in this chapter).
    pub dashboard_requests: usize,
    /// TLS 1.3 and TLS 1.2 side by side (in the "establish" chapter).
    pub version_comparison: Option<VersionComparison>,
    /// What the whole run shows of the choices the chapter makes (client certificate, 0-RTT).
    pub facts: RunFacts,
}

/// The view of the step at the cursor alone: what changes when the learner moves, without what
/// changes only with the run (which [`LabView`] also carries).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CursorView {
    /// The step the learner is on (0-based).
    pub cursor: usize,
    /// How many steps the run has.
    pub total: usize,
    /// The step at the cursor, in full.
    pub current: Option<StepView>,
}

/// Builds the view of the step at `lab`'s cursor.
pub fn cursor_view(lab: &Lab) -> CursorView {
    CursorView {
        cursor: lab.cursor(),
        total: lab.run().steps.len(),
        current: step_view(lab.cursor(), &lab.run().steps, lab.analysis()),
    }
}

/// What a run shows, over all its steps, of the choices its chapter makes for the learner.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunFacts {
    /// The subjects of the client certificates the server saw, in order of first appearance.
    pub client_certificates: Vec<String>,
    /// The client's 0-RTT states the run went through (`offered`, `accepted`, `rejected`).
    pub early_data: Vec<String>,
}

fn run_facts(steps: &[Step]) -> RunFacts {
    fn note(list: &mut Vec<String>, value: Option<&String>) {
        if let Some(value) = value {
            if !list.contains(value) {
                list.push(value.clone());
            }
        }
    }
    let mut facts = RunFacts::default();
    for step in steps {
        note(
            &mut facts.client_certificates,
            step.server.peer_certificate_subject.as_ref(),
        );
        note(&mut facts.early_data, step.client.early_data.as_ref());
    }
    facts
}

/// One of the session layer's functions and where this run shows it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionLink {
    /// `establishment`, `maintenance`, `termination`, `synchronization` or `dialogControl`.
    pub function: &'static str,
    /// Its name for the page.
    pub label: &'static str,
    /// How this run performs it.
    pub how: String,
    /// The first step where it happens, if this run has one.
    pub step: Option<usize>,
}

/// Finds, in this run, where each session-layer function happens.
fn functions(lab: &Lab) -> Vec<FunctionLink> {
    let steps = &lab.run().steps;
    let messages = |i: usize| -> Vec<String> {
        lab.analysis()
            .get(i)
            .map(|a| {
                a.records
                    .iter()
                    .flat_map(|r| r.messages().to_vec())
                    .collect()
            })
            .unwrap_or_default()
    };
    let find = |pred: &dyn Fn(usize, &Step) -> bool| {
        steps.iter().enumerate().position(|(i, s)| pred(i, s))
    };
    let handshake = find(&|i, _| messages(i).iter().any(|m| m == "ClientHello"));
    let resumed = find(&|_, s| {
        s.client.handshake_kind.as_deref() == Some("Resumed") && s.client.handshake_done
    });
    // The second HTTP response read on one connection.
    let second_request = steps.iter().enumerate().position(|(i, s)| {
        !s.client_http.is_empty()
            && steps[..i]
                .iter()
                .any(|p| p.connection == s.connection && !p.client_http.is_empty())
    });
    let close = find(&|i, s| {
        s.tampered.is_none() && messages(i).iter().any(|m| m.contains("close_notify"))
    });
    let range = find(&|_, s| {
        s.server_http
            .iter()
            .any(|e| e.request_headers.lines().any(|l| l.starts_with("Range:")))
    });
    let key_update = find(&|i, _| messages(i).iter().any(|m| m == "KeyUpdate"));
    let duplex = find(&|_, s| s.both_pending);
    vec![
        FunctionLink {
            function: "establishment",
            label: "Establishment",
            how: "The TLS handshake agrees on keys and authenticates the server.".to_owned(),
            step: handshake,
        },
        FunctionLink {
            function: "maintenance",
            label: "Maintenance",
            how: if resumed.is_some() {
                "Resumption reuses the session's secrets on a new connection; requests keep flowing over one session."
            } else {
                "Several requests flow over one TLS session, each record numbered."
            }
            .to_owned(),
            step: resumed.or(second_request),
        },
        FunctionLink {
            function: "termination",
            label: "Termination",
            how: "close_notify ends each direction with an authenticated signal.".to_owned(),
            step: close,
        },
        FunctionLink {
            function: "synchronization",
            label: "Synchronization",
            how: if range.is_some() {
                "An HTTP Range request resumes a long transfer from its last checkpoint."
            } else {
                "KeyUpdate moves both sides to new keys at an agreed point."
            }
            .to_owned(),
            step: range.or(key_update),
        },
        FunctionLink {
            function: "dialogControl",
            label: "Dialog control",
            how: "TLS is full duplex: both sides may send at once, and each closes its own direction."
                .to_owned(),
            step: duplex.or(close),
        },
    ]
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
    /// `delivered`, `rejected`, `alertReceived`, `truncated` or `event`.
    pub outcome: String,
    /// The flight is an attacker's replay.
    pub replay: bool,
    /// The connection is plain TCP (no TLS).
    pub plain: bool,
    /// A byte the learner flipped in this flight.
    pub tampered: Option<Tampered>,
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
    pub server_http: Vec<Exchange>,
    /// HTTP exchanges the client completed on this step.
    pub client_http: Vec<ClientExchange>,
    /// A byte flipped in flight.
    pub tampered: Option<Tampered>,
    /// This flight is an attacker's replay.
    pub replay: bool,
    /// Both sides had data to send when this flight left.
    pub both_pending: bool,
    /// Where each layer's session state lives after this step.
    pub tables: Tables,
    /// Which of the tables' cells differ from the step before's.
    pub table_changes: TableChanges,
    /// What rustls did with the client's ticket cache and the server's session cache at this
    /// step, oldest first (`client: …`, `server: …`).
    pub tls_events: Vec<String>,
    /// The lifetime the server gave each TLS session the client holds.
    pub ticket_lifetimes: TicketLifetimes,
    /// The flight is plain HTTP (no TLS).
    pub plain: bool,
    /// The chapter's narration for the scene this step begins.
    pub scene_narration: Option<String>,
    /// The chapter's narration in force at this step: its own scene's, or the nearest earlier.
    pub scene: Option<SceneInForce>,
    /// What the lab did, for a step that is not a flight.
    pub event: Option<String>,
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

/// A scene's narration and the step that began the scene.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SceneInForce {
    /// The narration.
    pub text: String,
    /// The step (0-based) whose scene it is.
    pub step: usize,
}

/// Which cells of the session tables changed at a step (all `false` on the first step).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TableChanges {
    /// The client's ticket cache, or the lab clock its ages are counted on.
    pub client_tickets: bool,
    /// The server's session cache or ticket key.
    pub server_sessions: bool,
    /// The client's cookie jar.
    pub cookies: bool,
    /// The server's login-session store.
    pub logins: bool,
}

impl TableChanges {
    fn between(before: &Tables, after: &Tables) -> Self {
        fn tickets(t: &Tables) -> impl PartialEq + '_ {
            (
                &t.client_tickets.tickets,
                &t.client_tickets.tls12_session,
                &t.client_tickets.kx_hint,
                t.clock,
            )
        }
        let cookies = |t: &Tables| -> Vec<_> {
            t.cookies
                .iter()
                .map(|c| (c.name.clone(), c.value.clone(), c.expired, c.expires_at))
                .collect()
        };
        let logins =
            |t: &Tables| -> Vec<_> { t.logins.iter().map(|l| (l.id.clone(), l.live)).collect() };
        Self {
            client_tickets: tickets(before) != tickets(after),
            server_sessions: (&before.server_sessions.entries, before.ticket_key_lifetime)
                != (&after.server_sessions.entries, after.ticket_key_lifetime),
            cookies: cookies(before) != cookies(after),
            logins: logins(before) != logins(after),
        }
    }
}

/// A ticket's lifetime as the server's NewSessionTicket gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketLifetime {
    /// The lifetime (TLS 1.3 `ticket_lifetime`) or hint (TLS 1.2 `ticket_lifetime_hint`), in
    /// seconds.
    pub seconds: u32,
    /// The step (0-based) whose NewSessionTicket carried it.
    pub step: usize,
}

/// The lifetimes of the TLS sessions the client holds after a step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketLifetimes {
    /// One per TLS 1.3 ticket in `tables.clientTickets.tickets`, in the same order (`None`:
    /// no NewSessionTicket of this run matches it).
    pub tickets: Vec<Option<TicketLifetime>>,
    /// The TLS 1.2 session's ticket lifetime hint (`None` for a session resumed by id).
    pub tls12_session: Option<TicketLifetime>,
}

/// The lifetimes that step `index`'s NewSessionTicket messages carry in fields named `name`,
/// read from the bytes: on the wire (TLS 1.2 sends its ticket in the clear) or in the
/// plaintext we opened.
fn carried_lifetimes(step: &Step, analysis: &StepAnalysis, name: &str) -> Vec<u32> {
    fn collect(
        fields: &[Field],
        name: &str,
        read: &dyn Fn(usize) -> Option<u32>,
        out: &mut Vec<u32>,
    ) {
        for field in fields {
            if field.name == name && field.end == field.start + 4 {
                out.extend(read(field.start));
            }
            collect(&field.children, name, read, out);
        }
    }
    let mut found = Vec::new();
    for record in &analysis.records {
        let wire = |start: usize| {
            let bytes = step.bytes.get(start..start + 4)?;
            Some(u32::from_be_bytes(bytes.try_into().ok()?))
        };
        collect(&record.fields, name, &wire, &mut found);
        if let Some(opened) = &record.opened {
            let plaintext = |start: usize| {
                let digits = opened.plaintext.get(start * 2..start * 2 + 8)?;
                u32::from_str_radix(digits, 16).ok()
            };
            collect(&opened.fields, name, &plaintext, &mut found);
        }
    }
    found
}

/// The lifetime the server gave a TLS session the client stored at lab time `stored_at`: the
/// last one carried in field `name` by a step at or before `index` that happened at that time.
fn lifetime_for(
    steps: &[Step],
    analyses: &[StepAnalysis],
    index: usize,
    stored_at: u64,
    name: &str,
) -> Option<TicketLifetime> {
    steps
        .iter()
        .zip(analyses)
        .take(index + 1)
        .enumerate()
        .rev()
        .filter(|(_, (step, _))| step.tables.clock == stored_at)
        .find_map(|(i, (step, analysis))| {
            carried_lifetimes(step, analysis, name)
                .last()
                .map(|&seconds| TicketLifetime { seconds, step: i })
        })
}

fn ticket_lifetimes(steps: &[Step], analyses: &[StepAnalysis], index: usize) -> TicketLifetimes {
    let Some(step) = steps.get(index) else {
        return TicketLifetimes::default();
    };
    let held = &step.tables.client_tickets;
    TicketLifetimes {
        tickets: held
            .tickets
            .iter()
            .map(|t| lifetime_for(steps, analyses, index, t.stored_at, "ticket_lifetime"))
            .collect(),
        tls12_session: held.tls12_session.as_ref().and_then(|s| {
            lifetime_for(steps, analyses, index, s.stored_at, "ticket_lifetime_hint")
        }),
    }
}

/// The entries of the rolling log `now` (of `now_noted` entries ever) that were noted after the
/// log stood at `before_noted` entries.
fn new_events(before_noted: usize, now: &[String], now_noted: usize) -> &[String] {
    let fresh = now_noted.saturating_sub(before_noted).min(now.len());
    &now[now.len() - fresh..]
}

fn scene_in_force(steps: &[Step], index: usize) -> Option<SceneInForce> {
    steps
        .iter()
        .take(index + 1)
        .enumerate()
        .rev()
        .find_map(|(step, s)| {
            s.narration.map(|text| SceneInForce {
                text: text.to_owned(),
                step,
            })
        })
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
    let steps = summaries(lab);
    let current = step_view(lab.cursor(), &run.steps, lab.analysis());
    LabView {
        options: lab.options().clone(),
        pki: lab.pki().summary.clone(),
        cursor: lab.cursor(),
        total: run.steps.len(),
        steps,
        current,
        connections: lab.connection_analysis().to_vec(),
        chapter: lab.chapter().summary(),
        interventions: lab.interventions().to_vec(),
        functions: functions(lab),
        costs: connection_costs(&run.steps, lab.analysis()),
        request: lab.request_edit().cloned(),
        dashboard_requests: lab.run().dashboard_requests,
        version_comparison: lab.version_comparison().cloned(),
        facts: run_facts(&run.steps),
        key_log: run
            .key_log
            .iter()
            .map(|e| format!("{} {} {}", e.label, hex(&e.client_random), hex(&e.secret)))
            .collect(),
    }
}

/// Every step of `lab`'s run in brief.
fn summaries(lab: &Lab) -> Vec<StepSummary> {
    lab.run()
        .steps
        .iter()
        .zip(lab.analysis())
        .enumerate()
        .map(|(index, (step, analysis))| StepSummary {
            index,
            connection: step.connection,
            from: step.from,
            title: step_title(step, Some(analysis)),
            byte_length: step.bytes.len(),
            outcome: outcome_kind(&step.outcome).to_owned(),
            replay: step.replay,
            plain: step.plain,
            tampered: step.tampered,
        })
        .collect()
}

/// Step `index` of a run in full (`None` past the end).
fn step_view(index: usize, steps: &[Step], analyses: &[StepAnalysis]) -> Option<StepView> {
    let step = steps.get(index)?;
    let analysis = analyses.get(index);
    let before = index.checked_sub(1).and_then(|i| steps.get(i));
    let previous = before.filter(|prev| prev.connection == step.connection);
    let table_changes = before.map_or_else(TableChanges::default, |before| {
        TableChanges::between(&before.tables, &step.tables)
    });
    let noted_before = before.map_or((0, 0), |before| {
        (
            before.tables.client_tickets.noted,
            before.tables.server_sessions.noted,
        )
    });
    let now = &step.tables;
    let tls_events = new_events(
        noted_before.0,
        &now.client_tickets.events,
        now.client_tickets.noted,
    )
    .iter()
    .map(|e| format!("client: {e}"))
    .chain(
        new_events(
            noted_before.1,
            &now.server_sessions.events,
            now.server_sessions.noted,
        )
        .iter()
        .map(|e| format!("server: {e}")),
    )
    .collect();
    let records: Vec<RecordView> = analysis
        .map(|a| a.records.iter().map(record_view).collect())
        .unwrap_or_default();
    let title = step_title(step, analysis);
    let changed = previous.map_or_else(Vec::new, |prev| {
        let mut changed = diff("client", &prev.client, &step.client);
        changed.extend(diff("server", &prev.server, &step.server));
        changed
    });
    let delivered = (!step.delivered.is_empty()).then(|| DeliveredView {
        hex: hex(&step.delivered),
        text: String::from_utf8_lossy(&step.delivered).into_owned(),
    });
    let mut view = StepView {
        index,
        connection: step.connection,
        from: step.from,
        to: step.from.peer(),
        scene_narration: step.narration.map(str::to_owned),
        scene: scene_in_force(steps, index),
        table_changes,
        tls_events,
        ticket_lifetimes: ticket_lifetimes(steps, analyses, index),
        event: step.event.clone(),
        narration: narrate(step, previous, &title, records.len()),
        title,
        hex: hex(&step.bytes),
        plain: step.plain,
        records,
        outcome: step.outcome.clone(),
        delivered,
        server_http: step.server_http.clone(),
        client_http: step.client_http.clone(),
        tampered: step.tampered,
        replay: step.replay,
        both_pending: step.both_pending,
        client: step.client.clone(),
        server: step.server.clone(),
        changed,
        tables: step.tables.clone(),
        clock: clock::rfc3339(step.clock),
        checks: analysis.map(|a| a.checks.clone()).unwrap_or_default(),
    };
    judge_retried_resumption(&mut view, steps, analyses);
    Some(view)
}

/// rustls reports `Resumed` for a resumption that needed a HelloRetryRequest: the messages of
/// the connection tell the whole story, so the narration says so.
fn judge_retried_resumption(view: &mut StepView, steps: &[Step], analyses: &[StepAnalysis]) {
    let kind = view.client.handshake_kind.as_deref();
    let completes_now = view.changed.iter().any(|c| c == "client.handshakeDone");
    if kind != Some("Resumed") || !completes_now {
        return;
    }
    let retried = steps
        .iter()
        .zip(analyses)
        .take(view.index + 1)
        .filter(|(step, _)| step.connection == view.connection)
        .any(|(step, analysis)| step_title(step, Some(analysis)).contains("HelloRetryRequest"));
    if retried {
        view.narration.push(
            "rustls reports this handshake as Resumed, but the messages show a HelloRetryRequest first: a resumption that needed a retry (one round trip more)."
                .to_owned(),
        );
    }
}

/// What a step carried, in a few words.
fn step_title(step: &Step, analysis: Option<&StepAnalysis>) -> String {
    if step.from == Side::Lab {
        return step.event.clone().unwrap_or_else(|| "Lab event".to_owned());
    }
    if step.replay {
        return match step.from {
            Side::Client => "Replayed copy of the client's first flight".to_owned(),
            _ => "Server's answer to the replay".to_owned(),
        };
    }
    if step.plain {
        let text = String::from_utf8_lossy(&step.bytes);
        return text.lines().next().unwrap_or_default().to_owned();
    }
    let title = analysis.map(title_of).unwrap_or_default();
    if title.is_empty() {
        step.event.clone().unwrap_or_default()
    } else {
        title
    }
}

fn receiver_state(step: &Step) -> Option<&EndpointState> {
    match step.from.peer() {
        Side::Client => Some(&step.client),
        Side::Server => Some(&step.server),
        Side::Lab => None,
    }
}

fn narrate(step: &Step, previous: Option<&Step>, title: &str, records: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(event) = &step.event {
        lines.push(event.clone());
    }
    if step.from == Side::Lab {
        return lines;
    }
    let from = step.from.label();
    let to = step.from.peer().label().to_ascii_lowercase();
    if step.plain {
        lines.push(format!(
            "{from} → {}: {} bytes of plain HTTP. Anyone on the path reads them exactly as shown.",
            step.from.peer().label(),
            step.bytes.len()
        ));
    } else if !step.bytes.is_empty() && !step.replay {
        lines.push(format!(
            "{from} → {}: {records} record{}, {} bytes on the wire ({title}).",
            step.from.peer().label(),
            if records == 1 { "" } else { "s" },
            step.bytes.len(),
        ));
    }
    if let Some(tampered) = &step.tampered {
        lines.push(format!(
            "In flight, byte {} was flipped from 0x{:02x} to 0x{:02x}.",
            tampered.offset, tampered.before, tampered.after
        ));
    }
    if step.both_pending {
        lines.push(
            "Both sides had something to send: the two directions are independent (full duplex)."
                .to_owned(),
        );
    }
    let Some(receiver) = receiver_state(step) else {
        return lines;
    };
    let was_done = previous
        .and_then(receiver_state)
        .is_some_and(|prev| prev.handshake_done);
    match &step.outcome {
        Outcome::Delivered if receiver.handshake_done && !was_done && !step.plain => {
            lines.push(format!(
                "The {to} now considers the handshake complete ({} handshake, {}, {}).",
                receiver.handshake_kind.as_deref().unwrap_or("unknown"),
                receiver.version.as_deref().unwrap_or("?"),
                receiver.cipher_suite.as_deref().unwrap_or("?"),
            ));
        }
        Outcome::Delivered | Outcome::Event => {}
        Outcome::Rejected { error } => lines.push(format!(
            "The {to} rejected the flight: {error}. Its connection is over; rustls queues an alert to tell the {}.",
            from.to_ascii_lowercase()
        )),
        Outcome::AlertReceived { alert } => lines.push(format!(
            "The {to} received the fatal alert {alert}; its connection is over."
        )),
        Outcome::Truncated { error } => lines.push(format!(
            "The transport ended without close_notify: {error}."
        )),
    }
    if !step.delivered.is_empty() && !step.plain {
        let first_line = String::from_utf8_lossy(&step.delivered)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        lines.push(format!(
            "rustls decrypted {} bytes of application data for the {to}: \"{first_line}\".",
            step.delivered.len(),
        ));
    }
    for exchange in &step.server_http {
        lines.push(format!("Server: {}", exchange.summary));
    }
    let previously_closed = previous
        .and_then(receiver_state)
        .is_some_and(|prev| prev.peer_closed);
    if receiver.peer_closed && !previously_closed {
        lines.push(format!(
            "The {to} has received close_notify: the {} will send nothing more on this connection. TLS is full duplex, so the {to} may still send until it closes too.",
            from.to_ascii_lowercase(),
        ));
    }
    lines
}

fn outcome_kind(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Delivered => "delivered",
        Outcome::Rejected { .. } => "rejected",
        Outcome::AlertReceived { .. } => "alertReceived",
        Outcome::Truncated { .. } => "truncated",
        Outcome::Event => "event",
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
    let step_views = (0..run.steps.len())
        .filter_map(|index| step_view(index, &run.steps, lab.analysis()))
        .collect();
    FullView {
        lab: lab_view(lab),
        step_views,
    }
}
