//! Reading a recorded run the way an eavesdropper with the keys would: every flight dissected,
//! every protected record opened with our own key schedule, and every result checked against
//! what rustls itself did.
//!
//! The checks are the product's honesty: our decryption of a record must give the plaintext
//! rustls delivered, every AEAD tag must verify, and every Finished must recompute from the
//! transcript. A failed check is shown in the page and fails the tests.

use serde::Serialize;

use crate::dissect::{ConnectionDissector, Dissection, Field};
use crate::engine::{Outcome, Side, Step};
use crate::keys::{
    Direction, FinishedCheck, KeyLogEntry, KeyScheduleView, RecordOutcome, SessionDecryptor,
};
use crate::options::suite_name;
use crate::records::{self, RecordFrame};
use crate::view::hex;

/// What we made of one step's flight.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepAnalysis {
    /// Each record of the flight.
    pub records: Vec<RecordAnalysis>,
    /// The checks this step was subjected to.
    pub checks: Vec<Check>,
}

/// One record: its wire fields and, if protected, what it held.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordAnalysis {
    /// Header fields and byte range in the flight.
    pub frame: RecordFrame,
    /// The record as an eavesdropper sees it: fields with offsets into the flight.
    pub fields: Vec<Field>,
    /// What the record carries, as an eavesdropper can tell.
    pub wire_messages: Vec<String>,
    /// The record once opened with the keys, if it was protected.
    pub opened: Option<OpenedRecordView>,
    /// Why a protected record could not be opened.
    pub open_error: Option<String>,
}

impl RecordAnalysis {
    /// What the record carries: the decrypted messages where we opened it.
    pub fn messages(&self) -> &[String] {
        self.opened
            .as_ref()
            .map_or(&self.wire_messages, |opened| &opened.messages)
    }
}

/// A protected record after we opened it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenedRecordView {
    /// Whose keys opened it, e.g. `handshake` or `application traffic secret 0`.
    pub epoch: String,
    /// The record sequence number used in the nonce.
    pub seq: u64,
    /// The nonce: IV XOR sequence number (TLS 1.3, ChaCha20), or salt ‖ explicit nonce.
    pub nonce: String,
    /// The additional authenticated data.
    pub aad: String,
    /// The AEAD tag that verified.
    pub tag: String,
    /// The real content type (TLS 1.3 hides it inside the encryption).
    pub content_type: u8,
    /// Its name.
    pub content_type_name: String,
    /// How many zero bytes of padding followed it (TLS 1.3).
    pub padding: usize,
    /// The decrypted bytes: the TLSInnerPlaintext in TLS 1.3, the content in TLS 1.2.
    pub plaintext: String,
    /// Fields of the decrypted bytes, with offsets into `plaintext`.
    pub fields: Vec<Field>,
    /// The messages inside.
    pub messages: Vec<String>,
    /// Our recomputation of a Finished this record carried.
    pub finished: Option<FinishedCheck>,
    /// The explanation of the opening, stage by stage.
    pub stages: Vec<String>,
    #[serde(skip)]
    content: Vec<u8>,
    #[serde(skip)]
    early: bool,
}

/// One thing we verified about a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// Whether it held.
    pub ok: bool,
}

/// What we made of a whole run.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunAnalysis {
    /// One entry per step.
    pub steps: Vec<StepAnalysis>,
    /// One entry per connection.
    pub connections: Vec<ConnectionAnalysis>,
}

/// What we made of one connection as a whole.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionAnalysis {
    /// The connection's number in the run (1-based).
    pub number: usize,
    /// Every secret and the keys derived from it, if the connection got as far as keys.
    pub key_schedule: Option<KeyScheduleView>,
}

/// Analyses every step of a run, connection by connection.
pub fn analyse(steps: &[Step], key_log: &[KeyLogEntry]) -> RunAnalysis {
    let mut out = RunAnalysis::default();
    let mut index = 0;
    while index < steps.len() {
        let connection = steps[index].connection;
        let len = steps[index..]
            .iter()
            .take_while(|s| s.connection == connection)
            .count();
        let (step_analyses, key_schedule) = analyse_connection(&steps[index..index + len], key_log);
        out.steps.extend(step_analyses);
        out.connections.push(ConnectionAnalysis {
            number: connection,
            key_schedule,
        });
        index += len;
    }
    out
}

/// The direction a side's records travel in (the lab's own steps carry none).
pub(crate) fn direction(side: Side) -> Direction {
    match side {
        Side::Client | Side::Lab => Direction::ClientToServer,
        Side::Server => Direction::ServerToClient,
    }
}

/// Our decryptor for one connection's steps: the suite rustls reports at the end, the client
/// random from the first ClientHello (after the record header (5), handshake header (4) and
/// legacy_version (2)), and the key log.
pub(crate) fn connection_decryptor(
    steps: &[&Step],
    key_log: &[KeyLogEntry],
) -> Option<SessionDecryptor> {
    let name = steps
        .iter()
        .rev()
        .find_map(|s| s.client.cipher_suite.clone())?;
    let suite = rustls::crypto::ring::ALL_CIPHER_SUITES
        .iter()
        .find(|suite| suite_name(suite) == name)
        .map(|suite| u16::from(suite.suite()))?;
    let client_random = steps
        .iter()
        .find(|s| s.from == Side::Client && !s.replay)
        .filter(|hello| hello.bytes.first() == Some(&22) && hello.bytes.get(5) == Some(&1))
        .and_then(|hello| hello.bytes.get(11..43));
    SessionDecryptor::new(suite, key_log, client_random, None).ok()
}

fn analyse_connection(
    steps: &[Step],
    key_log: &[KeyLogEntry],
) -> (Vec<StepAnalysis>, Option<KeyScheduleView>) {
    let mut dissector = ConnectionDissector::new();
    let mut decryptor = connection_decryptor(&steps.iter().collect::<Vec<_>>(), key_log);
    // After a byte was flipped in flight, the two sides may no longer share keys or a
    // transcript: what we cannot open or recompute after that is expected, and said so.
    let mut tampered_earlier = false;
    let analyses = steps
        .iter()
        .map(|step| {
            let dir = direction(step.from);
            // A plain-HTTP flight has no records; an attacker's replay belongs to no
            // connection whose keys we hold.
            if step.plain || step.replay {
                return StepAnalysis {
                    records: Vec::new(),
                    checks: Vec::new(),
                };
            }
            let records: Vec<RecordAnalysis> = records::frames(&step.bytes)
                .into_iter()
                .map(|frame| {
                    let record_bytes = step.bytes.get(frame.start..frame.end).unwrap_or_default();
                    let wire = dissector.dissect_flight(dir, record_bytes);
                    let mut analysis = RecordAnalysis {
                        fields: shifted(wire.fields, frame.start),
                        wire_messages: wire.messages,
                        frame,
                        opened: None,
                        open_error: None,
                    };
                    if let (Some(decryptor), false) = (decryptor.as_mut(), analysis.frame.truncated)
                    {
                        match decryptor.process_record(dir, record_bytes) {
                            Ok(RecordOutcome::Plaintext { .. }) => {}
                            Ok(RecordOutcome::Opened(opened)) => {
                                let inner = if decryptor.suite().version()
                                    == crate::keys::TlsVersion::Tls13
                                {
                                    dissector
                                        .dissect_tls13_plaintext(dir, &opened.trace.inner_plaintext)
                                } else {
                                    dissector.dissect_tls12_plaintext(
                                        dir,
                                        opened.trace.content_type,
                                        &opened.trace.content,
                                    )
                                };
                                analysis.opened = Some(opened_view(&opened, inner));
                            }
                            Err(err) => analysis.open_error = Some(err.to_string()),
                        }
                    }
                    analysis
                })
                .collect();
            let mut checks = checks(step, &records, decryptor.is_some());
            if tampered_earlier {
                for check in checks.iter_mut().filter(|c| !c.ok) {
                    check
                        .what
                        .push_str(" — not so, as expected after the flipped byte");
                    check.ok = true;
                }
            }
            tampered_earlier |= step.tampered.is_some();
            StepAnalysis { records, checks }
        })
        .collect();
    let key_schedule = decryptor.and_then(|d| d.key_schedule().ok());
    (analyses, key_schedule)
}

fn opened_view(opened: &crate::keys::OpenedRecord, inner: Dissection) -> OpenedRecordView {
    let trace = &opened.trace;
    let plaintext = if trace.inner_plaintext.is_empty() {
        &trace.content
    } else {
        &trace.inner_plaintext
    };
    OpenedRecordView {
        epoch: opened.epoch.name(),
        seq: trace.seq,
        nonce: hex(&trace.nonce),
        aad: hex(&trace.aad),
        tag: hex(&trace.tag),
        content_type: trace.content_type,
        content_type_name: records::content_type_name(trace.content_type).to_owned(),
        padding: trace.padding_len,
        plaintext: hex(plaintext),
        fields: inner.fields,
        messages: inner.messages,
        finished: opened.finished.clone(),
        stages: trace.steps.clone(),
        content: trace.content.clone(),
        early: opened.epoch == crate::keys::Epoch::Early,
    }
}

fn checks(step: &Step, records: &[RecordAnalysis], have_keys: bool) -> Vec<Check> {
    let mut checks = Vec::new();
    if !have_keys {
        return checks;
    }
    let protected = records
        .iter()
        .filter(|r| r.opened.is_some() || r.open_error.is_some())
        .count();
    if let Some(tampered) = &step.tampered {
        let hit = records
            .iter()
            .find(|r| r.frame.start <= tampered.offset && tampered.offset < r.frame.end);
        if let Some(record) = hit.filter(|r| r.opened.is_some() || r.open_error.is_some()) {
            checks.push(Check {
                what: "the flipped byte makes our own AEAD check fail too, as it did for rustls"
                    .to_owned(),
                ok: record.open_error.is_some(),
            });
        }
        return checks;
    }
    if protected > 0 {
        let opened = records.iter().filter(|r| r.opened.is_some()).count();
        checks.push(Check {
            what: format!("{opened} of {protected} protected records opened with our own keys (AEAD tag verified)"),
            ok: opened == protected,
        });
    }
    for finished in records
        .iter()
        .filter_map(|r| r.opened.as_ref()?.finished.as_ref())
    {
        checks.push(Check {
            what: format!(
                "the {} Finished recomputes from the transcript",
                finished.sender.sender()
            ),
            ok: finished.matches,
        });
    }
    // Early data the server refused is skipped by rustls unread: compare only what it accepted.
    let server_took_early_data = step.server.early_data.as_deref() == Some("accepted");
    let ours: Vec<u8> = records
        .iter()
        .filter_map(|r| r.opened.as_ref())
        .filter(|o| o.content_type == 23)
        .filter(|o| server_took_early_data || !o.early)
        .flat_map(|o| o.content.iter().copied())
        .collect();
    if (!ours.is_empty() || !step.delivered.is_empty()) && step.outcome == Outcome::Delivered {
        checks.push(Check {
            what: format!(
                "our decryption gives the {} bytes rustls delivered to the {}",
                step.delivered.len(),
                step.from.peer().label().to_ascii_lowercase()
            ),
            ok: ours == step.delivered,
        });
    }
    checks
}

fn shifted(fields: Vec<Field>, by: usize) -> Vec<Field> {
    fields
        .into_iter()
        .map(|mut field| {
            field.start += by;
            field.end += by;
            field.children = shifted(std::mem::take(&mut field.children), by);
            field
        })
        .collect()
}
