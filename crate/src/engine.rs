//! The scenario engine: runs a chapter's script against real rustls endpoints joined by an
//! in-memory wire, and records every flight that crosses it as a [`Step`].
//!
//! A step moves exactly one flight: everything one side has to send, taken from rustls with
//! `write_tls`, put on the wire, and fed to the other side with `read_tls` and
//! `process_new_packets`. Events without a flight (the clock moving, the transport dropping) are
//! steps too, sent by the lab. The whole script runs when a lab is made, so the page knows every
//! step from the start; Back and Next only move a cursor over the recorded run. The learner's
//! interventions (a flipped byte, a clock jump) are data too: the run is made again with them.

use std::io::{ErrorKind, Read, Write};

use rustls::{ClientConnection, ServerConnection};
use serde::Serialize;

use crate::analysis::{self, RunAnalysis, StepAnalysis};
use crate::chapters::{self, Chapter, Pump, TicketMode, IDLE_TIMEOUT_SECS};
use crate::clock::LabClock;
use crate::compare::{compare_versions, VersionComparison};
use crate::http::{self, ClientExchange, Exchange, Interrupted, Request, Transport};
use crate::keys::KeyLogEntry;
use crate::observe::{ClientCacheState, ServerCacheState};
use crate::options::{Options, Resolved};
use crate::pki::Pki;
pub use crate::tls::{ClientVariant, ServerVariant};
use crate::tls::{ConfigSet, EndpointState, SessionPolicy};
use crate::view::{self, CursorView, LabView};
use crate::wire::Wire;
use crate::Error;

/// A run longer than this many steps is a bug in a script or the engine (an endpoint that never
/// stops wanting to write), not a lesson.
const MAX_STEPS: usize = 1024;

/// Who acts in a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Side {
    /// The browser-like client.
    Client,
    /// The `mybank.example` server.
    Server,
    /// The lab itself: the clock, the network, an attacker.
    Lab,
}

impl Side {
    /// The other endpoint (the lab has none).
    pub fn peer(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
            Self::Lab => Self::Lab,
        }
    }

    /// The name the page shows. ASCII, so callers lower-case it with `to_ascii_lowercase`:
    /// `str::to_lowercase` would bring Unicode's case tables (8 kB gzip) into the page's wasm.
    pub fn label(self) -> &'static str {
        match self {
            Self::Client => "Client",
            Self::Server => "Server",
            Self::Lab => "Lab",
        }
    }
}

/// Whether an attacker replays a 0-RTT connection's first flight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Replay {
    /// No replay.
    #[default]
    None,
    /// The copy reaches a server after the genuine connection has finished.
    After,
    /// The copy reaches a server before the genuine flight does.
    Before,
}

/// How to open a TLS connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectSpec {
    /// The client's configuration variant.
    pub client: ClientVariant,
    /// The server's configuration variant.
    pub server: ServerVariant,
    /// A request to send as 0-RTT early data, if the ticket allows it.
    pub early_data: Option<Request>,
    /// Whether an attacker replays the first flight.
    pub replay: Replay,
}

/// One thing a script asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open a new TLS connection. The client's ticket cache and the server's session state
    /// carry over from earlier connections.
    Connect(ConnectSpec),
    /// Open a plain TCP connection for HTTP without TLS.
    ConnectPlain,
    /// The client sends an HTTP request over the current connection.
    Request(Request),
    /// Several actions before any flight crosses.
    Batch(Vec<Action>),
    /// One side sends close_notify.
    CloseNotify(Side),
    /// A plain connection is closed by both sides.
    CloseTransport,
    /// The lab clock moves forward.
    AdvanceClock {
        /// How far.
        seconds: u64,
    },
    /// One side updates its traffic keys (TLS 1.3 KeyUpdate, asking the peer to do the same).
    KeyUpdate(Side),
    /// The transport closes without close_notify.
    DropTransport,
    /// The client sends a request and the transport drops halfway through the response.
    DropDuringNext(Request),
    /// The client asks, with `Range`, for the rest of the response a drop interrupted.
    ResumeDownload,
    /// The server checks for inactivity and closes if it has been idle too long.
    IdleCheck,
    /// An attacker flips a byte of the next flight, `byte_from_end` bytes before its end.
    TamperNext {
        /// Where, counted from the flight's end (so it lands in the last record).
        byte_from_end: usize,
    },
    /// Nothing new: only the scene's pumping.
    Pause,
}

/// A change the learner made to a run; the run is made again with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum Intervention {
    /// Flip (XOR 0x01) the byte at `offset` of step `step`'s flight while it is on the wire.
    Tamper {
        /// The step whose flight is changed.
        step: usize,
        /// The byte's offset in the flight.
        offset: usize,
    },
    /// Move the lab clock forward right after step `after_step`.
    AdvanceClock {
        /// The step after which time passes.
        after_step: usize,
        /// How far.
        seconds: u64,
    },
}

/// The learner's edit of the `GET /dashboard` requests: another path, and extra header lines.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestEdit {
    /// The path, as typed (the request line carries it percent-encoded where needed).
    pub path: String,
    /// Extra header lines, as `(name, value)`.
    pub headers: Vec<(String, String)>,
}

/// The path of the chapters' request that a [`RequestEdit`] replaces.
const DASHBOARD: &str = "/dashboard";

/// Headers the lab writes itself; editing them would misrepresent what the client does.
const MANAGED_HEADERS: &[&str] = &[
    "host",
    "cookie",
    "content-length",
    "transfer-encoding",
    "range",
    "user-agent",
    "content-type",
];

impl RequestEdit {
    /// Checks a path and header text (one `Name: value` per line) as the learner typed them.
    pub fn parse(path: &str, headers: &str) -> Result<Self, Error> {
        let invalid = |field: &'static str, value: &str, reason: &str| Error::InvalidOption {
            field,
            value: value.chars().take(80).collect(),
            reason: reason.to_owned(),
        };
        if path.is_empty() || path.len() > 200 {
            return Err(invalid(
                "requestPath",
                path,
                "a path of 1 to 200 characters is needed",
            ));
        }
        if path.chars().any(char::is_control) {
            return Err(invalid(
                "requestPath",
                path,
                "control characters cannot appear in a request line",
            ));
        }
        let mut parsed = Vec::new();
        for line in headers.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if parsed.len() == 10 {
                return Err(invalid(
                    "requestHeaders",
                    line,
                    "at most 10 extra header lines",
                ));
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(invalid(
                    "requestHeaders",
                    line,
                    "a header line is `Name: value`",
                ));
            };
            let (name, value) = (name.trim(), value.trim());
            let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
            if name.is_empty() || !name.chars().all(token) {
                return Err(invalid(
                    "requestHeaders",
                    name,
                    "a header name is letters, digits and !#$%&'*+-.^_`|~ only",
                ));
            }
            if MANAGED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(invalid(
                    "requestHeaders",
                    name,
                    "the lab writes this header itself",
                ));
            }
            if value.len() > 200
                || !value
                    .chars()
                    .all(|c| c == ' ' || c == '\t' || c.is_ascii_graphic())
            {
                return Err(invalid(
                    "requestHeaders",
                    value,
                    "a header value is printable ASCII, at most 200 characters",
                ));
            }
            parsed.push((name.to_owned(), value.to_owned()));
        }
        Ok(Self {
            path: path.to_owned(),
            headers: parsed,
        })
    }

    /// The request line the client sends for the chapters' `GET /dashboard`: the edited one
    /// with `edit`, else `GET /dashboard HTTP/1.1`.
    pub fn dashboard_line(edit: Option<&Self>) -> String {
        let dashboard = Request::get(DASHBOARD);
        match edit {
            Some(edit) => edit.apply(&dashboard).request_line(),
            None => dashboard.request_line(),
        }
    }

    /// Whether `request` is one an edit replaces: the chapters' `GET /dashboard`.
    pub fn replaces(request: &Request) -> bool {
        request.method() == http::Method::Get && request.target() == DASHBOARD
    }

    /// `request`, edited if it is a `GET /dashboard`.
    fn apply(&self, request: &Request) -> Request {
        if !Self::replaces(request) {
            return request.clone();
        }
        self.headers
            .iter()
            .fold(Request::get(&self.path), |r, (name, value)| {
                r.with_header(name, value)
            })
    }
}

/// How a step ended for the side that received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Outcome {
    /// The receiver processed everything.
    Delivered,
    /// The receiver rejected the flight; rustls queued an alert to send back, if it could.
    Rejected {
        /// rustls' error, as it displays it.
        error: String,
    },
    /// The flight carried a fatal alert, and the receiver's connection ended.
    AlertReceived {
        /// The alert description, as rustls names it (e.g. `BadRecordMac`).
        alert: String,
    },
    /// The transport ended without close_notify.
    Truncated {
        /// What the endpoints reported.
        error: String,
    },
    /// Something happened that is not a flight (the clock moved, a connection closed).
    Event,
}

/// A flipped byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tampered {
    /// The byte's offset in the flight.
    pub offset: usize,
    /// Its value as sent.
    pub before: u8,
    /// Its value as delivered.
    pub after: u8,
}

/// Where the session state of each layer lives after a step: the page's comparison table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tables {
    /// The lab clock, Unix seconds.
    pub clock: u64,
    /// The client's TLS ticket cache.
    pub client_tickets: ClientCacheState,
    /// The server's TLS session cache.
    pub server_sessions: ServerCacheState,
    /// The server's ticket key, when tickets are self-encrypted: its lifetime in seconds.
    pub ticket_key_lifetime: Option<u32>,
    /// The client's cookie jar.
    pub cookies: Vec<http::CookieView>,
    /// The server's login-session store.
    pub logins: Vec<http::SessionEntryView>,
}

/// One step: a flight that crossed the wire, or a lab event, and the state after it.
#[derive(Clone, Debug)]
pub struct Step {
    /// Which connection of the run it belongs to (1-based; 0 before the first).
    pub connection: usize,
    /// Who sent it.
    pub from: Side,
    /// The bytes as they crossed the wire (empty for an event).
    pub bytes: Vec<u8>,
    /// The connection is plain TCP, not TLS.
    pub plain: bool,
    /// Application data rustls handed to the receiver.
    pub delivered: Vec<u8>,
    /// HTTP exchanges the server completed on receiving this flight.
    pub server_http: Vec<Exchange>,
    /// HTTP exchanges the client completed on receiving this flight.
    pub client_http: Vec<ClientExchange>,
    /// How it ended.
    pub outcome: Outcome,
    /// What the lab did, for an event; who intercepted, for an attacker's flight.
    pub event: Option<String>,
    /// The chapter's scene that produced it (0-based).
    pub scene: usize,
    /// The scene's narration, on the first step the scene produced.
    pub narration: Option<&'static str>,
    /// A byte flipped in flight.
    pub tampered: Option<Tampered>,
    /// This flight belongs to an attacker's replay, not the genuine connection.
    pub replay: bool,
    /// Both sides had data to send when this flight left: the directions interleave.
    pub both_pending: bool,
    /// The client's state after the step.
    pub client: EndpointState,
    /// The server's state after the step.
    pub server: EndpointState,
    /// Where each layer's session state lives after the step.
    pub tables: Tables,
    /// The lab clock when it happened.
    pub clock: u64,
}

/// A whole recorded run.
pub struct Run {
    /// Every step, in order.
    pub steps: Vec<Step>,
    /// Every secret rustls logged, in order.
    pub key_log: Vec<KeyLogEntry>,
    /// How many times the client sent the chapter's `GET /dashboard` (edited or not; early
    /// data and its resending included): the requests a [`RequestEdit`] replaces.
    pub dashboard_requests: usize,
}

/// A lab: the learner's options, the PKI made for them, the chapter, the recorded run and the
/// cursor the learner moves over it.
pub struct Lab {
    options: Options,
    resolved: Resolved,
    pki: Pki,
    chapter: Chapter,
    interventions: Vec<Intervention>,
    request_edit: Option<RequestEdit>,
    run: Run,
    analysis: RunAnalysis,
    comparison: Option<VersionComparison>,
    cursor: usize,
}

impl Lab {
    /// Validates `options`, makes the PKI (an RSA key takes a while) and runs the default chapter.
    pub fn new(options: Options) -> Result<Self, Error> {
        Self::with_chapter(options, "whole-session")
    }

    /// Like [`Lab::new`], running the chapter `chapter_id`.
    pub fn with_chapter(options: Options, chapter_id: &str) -> Result<Self, Error> {
        Self::with_chapter_and_rsa_key(options, chapter_id, None)
    }

    /// Like [`Lab::with_chapter`], with the server's RSA-2048 key (PKCS#8) made elsewhere when
    /// the options ask for RSA certificates (see [`Pki::generate_with_rsa_key`]).
    pub fn with_chapter_and_rsa_key(
        options: Options,
        chapter_id: &str,
        rsa_key: Option<&[u8]>,
    ) -> Result<Self, Error> {
        let resolved = options.resolve()?;
        let chapter = chapter_for(chapter_id, &resolved)?;
        let pki = Pki::generate_with_rsa_key(resolved.cert_key, rsa_key)?;
        let run = execute(&resolved, &pki, &chapter, &[])?;
        let comparison = comparison_for(&chapter, &options, &pki)?;
        Ok(Self {
            analysis: analysis::analyse(&run.steps, &run.key_log),
            comparison,
            options,
            resolved,
            pki,
            chapter,
            interventions: Vec::new(),
            request_edit: None,
            run,
            cursor: 0,
        })
    }

    /// Switches to another chapter with the same options and certificates.
    pub fn set_chapter(&mut self, chapter_id: &str) -> Result<(), Error> {
        self.chapter = chapter_for(chapter_id, &self.resolved)?;
        self.comparison = comparison_for(&self.chapter, &self.options, &self.pki)?;
        self.interventions.clear();
        self.rerun()?;
        self.cursor = 0;
        Ok(())
    }

    /// The learner's options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The chapter being run.
    pub fn chapter(&self) -> &Chapter {
        &self.chapter
    }

    /// The run's certificates.
    pub fn pki(&self) -> &Pki {
        &self.pki
    }

    /// The recorded run.
    pub fn run(&self) -> &Run {
        &self.run
    }

    /// TLS 1.3 and TLS 1.2 side by side, for the chapter that compares them.
    pub fn version_comparison(&self) -> Option<&VersionComparison> {
        self.comparison.as_ref()
    }

    /// The learner's changes to the run.
    pub fn interventions(&self) -> &[Intervention] {
        &self.interventions
    }

    /// What we made of each step: dissection, decryption and checks.
    pub fn analysis(&self) -> &[StepAnalysis] {
        &self.analysis.steps
    }

    /// What we made of each connection: its key schedule.
    pub fn connection_analysis(&self) -> &[analysis::ConnectionAnalysis] {
        &self.analysis.connections
    }

    /// The step the learner is looking at (0-based).
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Moves to the next step; false at the end.
    pub fn forward(&mut self) -> bool {
        if self.cursor + 1 < self.run.steps.len() {
            self.cursor += 1;
            true
        } else {
            false
        }
    }

    /// Moves to the previous step; false at the start.
    pub fn back(&mut self) -> bool {
        if self.cursor > 0 {
            self.cursor -= 1;
            true
        } else {
            false
        }
    }

    /// Jumps to step `index` (0-based).
    pub fn seek(&mut self, index: usize) -> Result<(), Error> {
        if index >= self.run.steps.len() {
            return Err(Error::StepOutOfRange {
                index,
                total: self.run.steps.len(),
            });
        }
        self.cursor = index;
        Ok(())
    }

    /// Flips the byte at `offset` of step `step`'s flight while it is on the wire, runs the
    /// chapter again with that change, and shows that step.
    pub fn tamper(&mut self, step: usize, offset: usize) -> Result<(), Error> {
        let length = self.run.steps.get(step).map(|s| s.bytes.len());
        match length {
            None => {
                return Err(Error::StepOutOfRange {
                    index: step,
                    total: self.run.steps.len(),
                })
            }
            Some(len) if offset >= len => {
                return Err(Error::InvalidOption {
                    field: "tamperOffset",
                    value: offset.to_string(),
                    reason: format!("the flight of step {} has {len} bytes", step + 1),
                })
            }
            Some(_) => {}
        }
        self.interventions
            .push(Intervention::Tamper { step, offset });
        self.rerun()?;
        self.cursor = step.min(self.run.steps.len().saturating_sub(1));
        Ok(())
    }

    /// Moves the lab clock forward by `seconds` right after the current step, runs the chapter
    /// again with that change, and shows the clock's step.
    pub fn advance_clock(&mut self, seconds: u64) -> Result<(), Error> {
        self.interventions.push(Intervention::AdvanceClock {
            after_step: self.cursor,
            seconds,
        });
        self.rerun()?;
        self.forward();
        Ok(())
    }

    /// Replaces the `GET /dashboard` requests of the chapter with `edit` (or the original, for
    /// `None`) and runs the chapter again.
    pub fn set_request(&mut self, edit: Option<RequestEdit>) -> Result<(), Error> {
        self.request_edit = edit;
        self.rerun()?;
        self.cursor = self.cursor.min(self.run.steps.len().saturating_sub(1));
        Ok(())
    }

    /// The learner's edit of the dashboard request, if any.
    pub fn request_edit(&self) -> Option<&RequestEdit> {
        self.request_edit.as_ref()
    }

    /// Runs the chapter again from the start with fresh connections (new randoms, new keys) over
    /// the same certificates, without the learner's changes, and moves to the first step.
    pub fn reset(&mut self) -> Result<(), Error> {
        self.interventions.clear();
        self.rerun()?;
        self.cursor = 0;
        Ok(())
    }

    fn rerun(&mut self) -> Result<(), Error> {
        self.run = execute_with(
            &self.resolved,
            &self.pki,
            &self.chapter,
            &self.interventions,
            self.request_edit.as_ref(),
        )?;
        self.analysis = analysis::analyse(&self.run.steps, &self.run.key_log);
        Ok(())
    }

    /// The view data the page renders.
    pub fn view(&self) -> LabView {
        view::lab_view(self)
    }

    /// The view of the step at the cursor alone (what moving the cursor changes).
    pub fn cursor_view(&self) -> CursorView {
        view::cursor_view(self)
    }
}

/// The side-by-side of both versions, for the chapter that shows it.
fn comparison_for(
    chapter: &Chapter,
    options: &Options,
    pki: &Pki,
) -> Result<Option<VersionComparison>, Error> {
    if chapter.id == "establish" {
        Ok(Some(compare_versions(options, pki)?))
    } else {
        Ok(None)
    }
}

/// The chapter `id`, checked against the run's version.
fn chapter_for(id: &str, options: &Resolved) -> Result<Chapter, Error> {
    let chapter = chapters::by_id(id).ok_or_else(|| Error::InvalidOption {
        field: "chapter",
        value: id.to_owned(),
        reason: "no chapter has that name".to_owned(),
    })?;
    if !chapter.versions.contains(&options.version) {
        return Err(Error::InvalidOption {
            field: "chapter",
            value: id.to_owned(),
            reason: format!("this chapter does not apply to {}", options.version.label()),
        });
    }
    Ok(chapter)
}

/// Runs `chapter` on fresh configurations and a fresh lab clock, recording every step.
pub fn execute(
    options: &Resolved,
    pki: &Pki,
    chapter: &Chapter,
    interventions: &[Intervention],
) -> Result<Run, Error> {
    execute_with(options, pki, chapter, interventions, None)
}

/// Like [`execute`], with the learner's edit of the dashboard request.
pub fn execute_with(
    options: &Resolved,
    pki: &Pki,
    chapter: &Chapter,
    interventions: &[Intervention],
    request_edit: Option<&RequestEdit>,
) -> Result<Run, Error> {
    let mut options = options.clone();
    if chapter.force_retry {
        // Every group, X25519 first, on both sides: each connection's server variant says which
        // group it refuses this time.
        options.client_groups = rustls::crypto::ring::ALL_KX_GROUPS.to_vec();
        options.server_groups = rustls::crypto::ring::ALL_KX_GROUPS.to_vec();
    }
    let policy = SessionPolicy {
        stateless_tickets: chapter.tickets == TicketMode::Stateless,
        early_data: chapter.early_data,
    };
    let clock = LabClock::new();
    let mut session = Session {
        configs: ConfigSet::new(&options, policy, pki, &clock)?,
        clock,
        http_client: http::Client::new(),
        http_server: http::Server::new(),
        conn: None,
        connections: 0,
        steps: Vec::new(),
        interventions,
        scene: 0,
        narration: None,
        pending_tamper: None,
        interrupted: Vec::new(),
        dropped_request: None,
        request_edit,
        dashboard_requests: 0,
    };
    for (index, scene) in chapter.scenes.iter().enumerate() {
        session.scene = index;
        session.narration = Some(scene.narration_for(options.version));
        session.act(&scene.action)?;
        match scene.pump {
            Pump::All => session.pump(usize::MAX)?,
            Pump::One => session.pump(1)?,
            Pump::None => {}
        }
        if session.narration.is_some() {
            // The action produced no flight of its own: say so with an event step.
            session.event(describe(&scene.action))?;
        }
    }
    Ok(Run {
        steps: session.steps,
        key_log: session.configs.key_log.entries(),
        dashboard_requests: session.dashboard_requests,
    })
}

fn describe(action: &Action) -> String {
    match action {
        Action::AdvanceClock { seconds } => format!("The lab clock moves forward {}.", duration(*seconds)),
        Action::TamperNext { .. } => "An attacker on the path gets ready to flip a byte.".to_owned(),
        Action::Pause => "Nothing new is sent.".to_owned(),
        Action::ConnectPlain => "A TCP connection opens (SYN, SYN-ACK, ACK). No TLS handshake follows: the first bytes on it are HTTP.".to_owned(),
        Action::IdleCheck => "The server checks how long the connection has been idle.".to_owned(),
        Action::Request(_) => "The request cannot be sent: this connection is over.".to_owned(),
        Action::CloseNotify(_) | Action::KeyUpdate(_) => "Nothing to send: this connection is over.".to_owned(),
        _ => "Nothing crosses the wire.".to_owned(),
    }
}

/// `16 min`, `25 h`, `90 days`.
pub fn duration(seconds: u64) -> String {
    if seconds >= 2 * 86_400 {
        format!("{} days", seconds / 86_400)
    } else if seconds >= 3600 {
        format!("{} h {} min", seconds / 3600, seconds % 3600 / 60)
    } else if seconds >= 60 {
        format!("{} min {} s", seconds / 60, seconds % 60)
    } else {
        format!("{seconds} s")
    }
}

/// The state of one run while it executes.
struct Session<'a> {
    configs: ConfigSet,
    clock: LabClock,
    http_client: http::Client,
    http_server: http::Server,
    conn: Option<Connection>,
    connections: usize,
    steps: Vec<Step>,
    interventions: &'a [Intervention],
    scene: usize,
    narration: Option<&'static str>,
    pending_tamper: Option<usize>,
    interrupted: Vec<Interrupted>,
    dropped_request: Option<Request>,
    request_edit: Option<&'a RequestEdit>,
    dashboard_requests: usize,
}

/// The request the client really sends for the chapter's `request`: the learner's edit of
/// `GET /dashboard` if there is one. Counts each `GET /dashboard` in `count`.
fn as_sent(edit: Option<&RequestEdit>, count: &mut usize, request: &Request) -> Request {
    if RequestEdit::replaces(request) {
        *count += 1;
    }
    match edit {
        Some(edit) => edit.apply(request),
        None => request.clone(),
    }
}

/// One live connection.
struct Connection {
    number: usize,
    link: Link,
    wire: Wire,
    client_flags: Flags,
    server_flags: Flags,
    last_sender: Option<Side>,
    last_activity: u64,
    transport_closed: bool,
}

enum Link {
    Tls {
        client: Box<ClientConnection>,
        server: Box<ServerConnection>,
        early_request: Option<Request>,
    },
    Plain,
}

/// What rustls does not report by itself about an endpoint.
#[derive(Default)]
struct Flags {
    peer_closed: bool,
    sent_close: bool,
    error: Option<String>,
    early_data: Option<String>,
}

impl Connection {
    fn usable(&self) -> bool {
        !self.transport_closed
            && self.client_flags.error.is_none()
            && self.server_flags.error.is_none()
    }

    fn flags_mut(&mut self, side: Side) -> &mut Flags {
        match side {
            Side::Server => &mut self.server_flags,
            Side::Client | Side::Lab => &mut self.client_flags,
        }
    }

    fn wants_write(&self, side: Side) -> bool {
        if self.transport_closed {
            return false;
        }
        match (&self.link, side) {
            (Link::Tls { client, .. }, Side::Client) => client.wants_write(),
            (Link::Tls { server, .. }, Side::Server) => server.wants_write(),
            (Link::Plain, Side::Client | Side::Server) => !self.wire.peek(side).is_empty(),
            (_, Side::Lab) => false,
        }
    }

    fn next_sender(&self) -> Option<(Side, bool)> {
        match (
            self.wants_write(Side::Client),
            self.wants_write(Side::Server),
        ) {
            (true, true) => Some((self.last_sender.map_or(Side::Client, Side::peer), true)),
            (true, false) => Some((Side::Client, false)),
            (false, true) => Some((Side::Server, false)),
            (false, false) => None,
        }
    }

    fn state(&self, side: Side) -> EndpointState {
        let (mut state, flags) = match (&self.link, side) {
            (Link::Tls { client, .. }, Side::Client | Side::Lab) => (
                EndpointState::of(client, Some(crate::pki::SERVER_NAME)),
                &self.client_flags,
            ),
            (Link::Tls { server, .. }, Side::Server) => (
                EndpointState::of(server, server.server_name()),
                &self.server_flags,
            ),
            (Link::Plain, Side::Server) => (EndpointState::default(), &self.server_flags),
            (Link::Plain, _) => (EndpointState::default(), &self.client_flags),
        };
        state.peer_closed = flags.peer_closed;
        state.sent_close = flags.sent_close;
        state.error.clone_from(&flags.error);
        state.early_data.clone_from(&flags.early_data);
        state
    }
}

impl Session<'_> {
    fn now(&self) -> u64 {
        self.clock.now()
    }

    fn act(&mut self, action: &Action) -> Result<(), Error> {
        match action {
            Action::Connect(spec) => self.connect(spec),
            Action::ConnectPlain => {
                self.open(Link::Plain);
                Ok(())
            }
            Action::Request(request) => self.request(request),
            Action::Batch(actions) => actions.iter().try_for_each(|a| self.act(a)),
            Action::CloseNotify(side) => {
                if let Some(conn) = self.conn.as_mut().filter(|c| c.usable()) {
                    match (&mut conn.link, side) {
                        (Link::Tls { client, .. }, Side::Client) => client.send_close_notify(),
                        (Link::Tls { server, .. }, Side::Server) => server.send_close_notify(),
                        _ => return Ok(()),
                    }
                    conn.flags_mut(*side).sent_close = true;
                }
                Ok(())
            }
            Action::CloseTransport => {
                if let Some(conn) = self.conn.as_mut() {
                    conn.transport_closed = true;
                    self.event("Both sides close the TCP connection (FIN). Without TLS there is no authenticated end: an attacker could have cut it short.".to_owned())?;
                }
                Ok(())
            }
            Action::AdvanceClock { seconds } => {
                self.clock.advance(*seconds);
                self.event(format!(
                    "The lab clock moves forward {}.",
                    duration(*seconds)
                ))
            }
            Action::KeyUpdate(side) => {
                if let Some(conn) = self.conn.as_mut().filter(|c| c.usable()) {
                    if let Link::Tls { client, server, .. } = &mut conn.link {
                        let result = match side {
                            Side::Server => server.refresh_traffic_keys(),
                            _ => client.refresh_traffic_keys(),
                        };
                        if let Err(err) = result {
                            // rustls names TLS 1.2's refusal "handshake not complete"; the
                            // learner needs the reason, not only rustls' word for it.
                            let why = if client.protocol_version()
                                == Some(rustls::ProtocolVersion::TLSv1_2)
                            {
                                " (TLS 1.2 has no KeyUpdate message)"
                            } else {
                                ""
                            };
                            let text = format!("rustls refused the key update: {err}{why}");
                            return self.event(text);
                        }
                    }
                }
                Ok(())
            }
            Action::DropTransport => self.drop_transport(None),
            Action::DropDuringNext(request) => {
                self.dropped_request = Some(request.clone());
                self.request(request)?;
                self.pump(1)?;
                self.drop_transport(Some(0.5))
            }
            Action::ResumeDownload => {
                let (Some(interrupted), Some(original)) =
                    (self.interrupted.pop(), self.dropped_request.take())
                else {
                    return self.event(
                        "Nothing was interrupted, so there is nothing to resume.".to_owned(),
                    );
                };
                let wanted = original.range();
                let start = wanted.map_or(0, |r| r.first) + interrupted.received_body_length as u64;
                let range = match wanted.and_then(|r| r.last) {
                    Some(last) => http::ByteRange::between(start, last),
                    None => http::ByteRange::from(start),
                };
                let request = Request::get(original.path()).with_range(range);
                self.request(&request)
            }
            Action::IdleCheck => {
                let now = self.now();
                if let Some(conn) = self.conn.as_mut().filter(|c| c.usable()) {
                    let idle = now.saturating_sub(conn.last_activity);
                    if idle > IDLE_TIMEOUT_SECS {
                        if let Link::Tls { server, .. } = &mut conn.link {
                            server.send_close_notify();
                            conn.server_flags.sent_close = true;
                        }
                    }
                }
                Ok(())
            }
            Action::TamperNext { byte_from_end } => {
                self.pending_tamper = Some(*byte_from_end);
                Ok(())
            }
            Action::Pause => Ok(()),
        }
    }

    fn open(&mut self, link: Link) {
        self.connections += 1;
        self.http_server.new_connection();
        self.interrupted.extend(self.http_client.new_connection());
        self.conn = Some(Connection {
            number: self.connections,
            link,
            wire: Wire::default(),
            client_flags: Flags::default(),
            server_flags: Flags::default(),
            last_sender: None,
            last_activity: self.clock.now(),
            transport_closed: false,
        });
    }

    fn connect(&mut self, spec: &ConnectSpec) -> Result<(), Error> {
        let (mut client, server) = self.configs.connect(spec.client, spec.server)?;
        let mut early_request = None;
        if let Some(request) = &spec.early_data {
            if let Some(mut early) = client.early_data() {
                let edited = as_sent(self.request_edit, &mut self.dashboard_requests, request);
                let sent = self
                    .http_client
                    .send(&edited, Transport::Tls, self.clock.now());
                early.write_all(&sent.bytes)?;
                early_request = Some(request.clone());
            }
        }
        self.open(Link::Tls {
            client: Box::new(client),
            server: Box::new(server),
            early_request,
        });
        if let Some(conn) = self.conn.as_mut() {
            if early_request_sent(conn) {
                conn.client_flags.early_data = Some("offered".to_owned());
            }
        }
        match spec.replay {
            Replay::None => Ok(()),
            Replay::Before => {
                let flight = self.capture_first_flight()?;
                self.replay(flight, spec.server)?;
                self.deliver_captured()
            }
            Replay::After => {
                let flight = self.capture_first_flight()?;
                self.deliver_captured()?;
                self.pump(usize::MAX)?;
                self.finish_early_data()?;
                self.pump(usize::MAX)?;
                self.replay(flight, spec.server)
            }
        }
    }

    /// Takes the client's first flight off the wire and records it, undelivered.
    fn capture_first_flight(&mut self) -> Result<Vec<u8>, Error> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(Vec::new());
        };
        let Link::Tls { client, .. } = &mut conn.link else {
            return Ok(Vec::new());
        };
        drain_tls(client, conn.wire.queue_mut(Side::Client))?;
        Ok(conn.wire.peek(Side::Client).to_vec())
    }

    /// Delivers the flight captured by [`Self::capture_first_flight`] to the genuine server.
    fn deliver_captured(&mut self) -> Result<(), Error> {
        self.transmit(Side::Client, false)
    }

    /// An attacker delivers a copy of `flight` to a second server connection, which answers.
    fn replay(&mut self, flight: Vec<u8>, server: ServerVariant) -> Result<(), Error> {
        let mut replica = self.configs.server_connection(server)?;
        let delivery = deliver(&mut replica, &flight)?;
        let early = read_early_data(&mut replica, delivery.error.is_none());
        let served = self.http_server.receive(&early, self.clock.now());
        let accepted = !early.is_empty();
        let summary = if accepted {
            format!(
                "An attacker replays the client's first flight to the server. The server accepts its early data and runs it: {}.",
                served
                    .exchanges
                    .first()
                    .map_or("nothing", |e| e.summary.trim_end_matches('.'))
            )
        } else {
            "An attacker replays the client's first flight to the server. The ticket is single-use and already spent: the server ignores the early data and starts a full handshake instead.".to_owned()
        };
        self.http_server.new_connection();
        // The replica, not the genuine server, is the one that answered.
        let mut server_state = EndpointState::of(&replica, replica.server_name());
        server_state.early_data = accepted.then(|| "accepted".to_owned());
        let outcome = match delivery.error {
            None => Outcome::Delivered,
            Some(err) => Outcome::Rejected {
                error: err.to_string(),
            },
        };
        let step = Step {
            delivered: early,
            server_http: served.exchanges,
            event: Some(summary),
            replay: true,
            server: server_state.clone(),
            ..self.new_step(Side::Client, flight, outcome)
        };
        self.push(step)?;
        let mut answer = Vec::new();
        drain_tls(&mut replica, &mut answer)?;
        let step = Step {
            event: Some(
                "The server's answer goes to the attacker, who cannot read it and goes no further."
                    .to_owned(),
            ),
            replay: true,
            server: server_state,
            ..self.new_step(Side::Server, answer, Outcome::Event)
        };
        self.push(step)
    }

    /// After a 0-RTT handshake: if the server refused the early data, the client resends it.
    fn finish_early_data(&mut self) -> Result<(), Error> {
        let now = self.clock.now();
        let Some(conn) = self.conn.as_mut().filter(|c| c.usable()) else {
            return Ok(());
        };
        let Link::Tls {
            client,
            early_request,
            ..
        } = &mut conn.link
        else {
            return Ok(());
        };
        if client.is_handshaking() {
            return Ok(());
        }
        let Some(request) = early_request.take() else {
            return Ok(());
        };
        if client.is_early_data_accepted() {
            conn.client_flags.early_data = Some("accepted".to_owned());
        } else {
            conn.client_flags.early_data = Some("rejected: sent again".to_owned());
            let request = as_sent(self.request_edit, &mut self.dashboard_requests, &request);
            let sent = self.http_client.send(&request, Transport::Tls, now);
            client.writer().write_all(&sent.bytes)?;
        }
        Ok(())
    }

    fn request(&mut self, request: &Request) -> Result<(), Error> {
        let now = self.clock.now();
        let Some(conn) = self.conn.as_mut().filter(|c| c.usable()) else {
            return Ok(());
        };
        let request = &as_sent(self.request_edit, &mut self.dashboard_requests, request);
        match &mut conn.link {
            Link::Tls { client, .. } => {
                let sent = self.http_client.send(request, Transport::Tls, now);
                client.writer().write_all(&sent.bytes)?;
            }
            Link::Plain => {
                let sent = self.http_client.send(request, Transport::PlainHttp, now);
                conn.wire
                    .queue_mut(Side::Client)
                    .extend_from_slice(&sent.bytes);
            }
        }
        Ok(())
    }

    /// The transport ends without close_notify. With `cut`, the flight in transit is cut to that
    /// fraction before the end.
    fn drop_transport(&mut self, cut: Option<f64>) -> Result<(), Error> {
        let now = self.clock.now();
        let Some(conn) = self.conn.as_mut().filter(|c| !c.transport_closed) else {
            return Ok(());
        };
        let mut partial = Vec::new();
        let mut from = Side::Lab;
        let mut delivered = Vec::new();
        let mut client_http = Vec::new();
        if let (Some(fraction), Link::Tls { client, server, .. }) = (cut, &mut conn.link) {
            drain_tls(server, conn.wire.queue_mut(Side::Server))?;
            let whole = conn.wire.take(Side::Server);
            // Cut at a byte boundary inside the flight; the fraction is a fixed script value.
            let keep = (whole.len() as f64 * fraction) as usize;
            partial = whole.get(..keep).unwrap_or_default().to_vec();
            let delivery = deliver(client, &partial)?;
            delivered = delivery.plaintext;
            client_http = self.http_client.receive(&delivered, now).exchanges;
            from = Side::Server;
        }
        conn.transport_closed = true;
        let mut errors = Vec::new();
        if let Link::Tls { client, server, .. } = &mut conn.link {
            for (side, eof) in [
                (Side::Client, notice_eof(&mut **client)),
                (Side::Server, notice_eof(&mut **server)),
            ] {
                if let Some(error) = eof {
                    errors.push(format!("{}: {error}", side.label()));
                    conn.flags_mut(side).error = Some(error);
                }
            }
        }
        let error = if errors.is_empty() {
            "the transport closed".to_owned()
        } else {
            errors.join("; ")
        };
        let event = match cut {
            Some(_) => format!("The TCP connection drops after {} of the server's {} bytes were delivered, with no close_notify.", partial.len(), partial.len().max(1) * 2),
            None => "The TCP connection closes with no close_notify from either side.".to_owned(),
        };
        let step = Step {
            delivered,
            client_http,
            event: Some(event),
            ..self.new_step(from, partial, Outcome::Truncated { error })
        };
        self.push(step)
    }

    /// Sends flights until neither side has anything left, or `limit` flights have crossed.
    fn pump(&mut self, limit: usize) -> Result<(), Error> {
        let mut sent = 0;
        while sent < limit {
            let Some((from, both)) = self.conn.as_ref().and_then(Connection::next_sender) else {
                break;
            };
            self.transmit(from, both)?;
            self.finish_early_data()?;
            sent += 1;
        }
        Ok(())
    }

    /// Moves one flight from `from` to its peer and records it.
    fn transmit(&mut self, from: Side, both_pending: bool) -> Result<(), Error> {
        let index = self.steps.len();
        let now = self.clock.now();
        let byte_from_end = self.pending_tamper.take();
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        if let Link::Tls { client, server, .. } = &mut conn.link {
            match from {
                Side::Client => drain_tls(client, conn.wire.queue_mut(from))?,
                Side::Server => drain_tls(server, conn.wire.queue_mut(from))?,
                Side::Lab => {}
            }
        }
        let sent = conn.wire.take(from);
        let mut bytes = sent.clone();
        let scripted = byte_from_end.and_then(|back| bytes.len().checked_sub(back + 1));
        let chosen = self.interventions.iter().find_map(|i| match i {
            Intervention::Tamper { step, offset } if *step == index => Some(*offset),
            _ => None,
        });
        let tampered = scripted.or(chosen).and_then(|offset| {
            let byte = bytes.get_mut(offset)?;
            let before = *byte;
            *byte ^= 0x01;
            Some(Tampered {
                offset,
                before,
                after: *byte,
            })
        });
        conn.last_sender = Some(from);
        conn.last_activity = now;
        let receiver = from.peer();
        if conn.flags_mut(receiver).error.is_some() {
            // A connection that failed is closed: what still arrives is never read.
            let step = Step {
                event: Some(format!(
                    "The {} has already closed this connection after its error: these bytes are never read.",
                    receiver.label().to_ascii_lowercase()
                )),
                tampered,
                both_pending,
                ..self.new_step(from, bytes, Outcome::Event)
            };
            return self.push(step);
        }

        let (delivery, mut early) = match (&mut conn.link, from) {
            (Link::Tls { server, .. }, Side::Client) => {
                let delivery = deliver(server, &bytes)?;
                let early = read_early_data(server, delivery.error.is_none());
                (delivery, early)
            }
            (Link::Tls { client, .. }, _) => (deliver(client, &bytes)?, Vec::new()),
            (Link::Plain, _) => (
                Delivery {
                    plaintext: bytes.clone(),
                    peer_closed: false,
                    error: None,
                },
                Vec::new(),
            ),
        };
        if !early.is_empty() {
            conn.server_flags.early_data = Some("accepted".to_owned());
        }
        let flags = conn.flags_mut(receiver);
        flags.peer_closed |= delivery.peer_closed;
        let outcome = match delivery.error {
            None => Outcome::Delivered,
            Some(rustls::Error::AlertReceived(alert)) => {
                flags.error = Some(format!("received fatal alert {alert:?}"));
                Outcome::AlertReceived {
                    alert: format!("{alert:?}"),
                }
            }
            Some(err) => {
                flags.error = Some(err.to_string());
                Outcome::Rejected {
                    error: err.to_string(),
                }
            }
        };

        let mut server_http = Vec::new();
        let mut client_http = Vec::new();
        let mut received = std::mem::take(&mut early);
        received.extend_from_slice(&delivery.plaintext);
        if !received.is_empty() {
            match receiver {
                Side::Server => {
                    let served = self.http_server.receive(&received, now);
                    if !served.response_bytes.is_empty() {
                        match &mut conn.link {
                            Link::Tls { server, .. } => {
                                server.writer().write_all(&served.response_bytes)?
                            }
                            Link::Plain => conn
                                .wire
                                .queue_mut(Side::Server)
                                .extend_from_slice(&served.response_bytes),
                        }
                    }
                    server_http = served.exchanges;
                }
                Side::Client | Side::Lab => {
                    client_http = self.http_client.receive(&received, now).exchanges;
                }
            }
        }
        let step = Step {
            delivered: received,
            server_http,
            client_http,
            tampered,
            both_pending,
            ..self.new_step(from, bytes, outcome)
        };
        self.push(step)
    }

    /// Records a step with no flight.
    fn event(&mut self, text: String) -> Result<(), Error> {
        let step = Step {
            event: Some(text),
            ..self.new_step(Side::Lab, Vec::new(), Outcome::Event)
        };
        self.push(step)
    }

    /// A step from `from` carrying `bytes`, with the current connection's state, the scene's
    /// narration (if not told yet), the tables and the clock; callers fill in the rest.
    fn new_step(&mut self, from: Side, bytes: Vec<u8>, outcome: Outcome) -> Step {
        let (connection, client, server, plain) = match &self.conn {
            Some(conn) => (
                conn.number,
                conn.state(Side::Client),
                conn.state(Side::Server),
                matches!(conn.link, Link::Plain),
            ),
            None => (0, EndpointState::default(), EndpointState::default(), false),
        };
        Step {
            connection,
            from,
            bytes,
            plain,
            delivered: Vec::new(),
            server_http: Vec::new(),
            client_http: Vec::new(),
            outcome,
            event: None,
            scene: self.scene,
            narration: self.narration.take(),
            tampered: None,
            replay: false,
            both_pending: false,
            client,
            server,
            tables: self.tables(),
            clock: self.clock.now(),
        }
    }

    fn push(&mut self, step: Step) -> Result<(), Error> {
        if self.steps.len() >= MAX_STEPS {
            return Err(Error::Wire(std::io::Error::other(
                "the endpoints kept sending without end",
            )));
        }
        let index = self.steps.len();
        self.steps.push(step);
        let jumps: u64 = self
            .interventions
            .iter()
            .filter_map(|i| match i {
                Intervention::AdvanceClock {
                    after_step,
                    seconds,
                } if *after_step == index => Some(*seconds),
                _ => None,
            })
            .sum();
        if jumps > 0 {
            self.clock.advance(jumps);
            let saved = self.narration.take();
            self.event(format!(
                "You moved the lab clock forward {}.",
                duration(jumps)
            ))?;
            self.narration = saved;
        }
        Ok(())
    }

    fn tables(&self) -> Tables {
        let now = self.clock.now();
        Tables {
            clock: now,
            client_tickets: self.configs.client_cache.state(),
            server_sessions: self.configs.server_cache.state(),
            ticket_key_lifetime: self.configs.ticketer.as_ref().map(|t| t.lifetime()),
            cookies: self.http_client.jar_view(now),
            logins: self.http_server.store_view(now),
        }
    }
}

fn early_request_sent(conn: &Connection) -> bool {
    matches!(
        &conn.link,
        Link::Tls {
            early_request: Some(_),
            ..
        }
    )
}

/// The 0-RTT data a server accepted from the flight it just processed. A server that rejected
/// the flight has no early data to give (rustls reports its error again instead).
fn read_early_data(server: &mut ServerConnection, delivered: bool) -> Vec<u8> {
    let mut early = Vec::new();
    if delivered {
        if let Some(mut reader) = server.early_data() {
            // What was read before an error is kept; the error itself is the delivery's.
            let _ = reader.read_to_end(&mut early);
        }
    }
    early
}

/// Tells an endpoint the transport has closed; returns what it reports, if anything.
fn notice_eof<Data>(conn: &mut rustls::ConnectionCommon<Data>) -> Option<String> {
    let mut nothing: &[u8] = &[];
    if conn.read_tls(&mut nothing).is_err() {
        return None;
    }
    if let Err(err) = conn.process_new_packets() {
        return Some(err.to_string());
    }
    let mut buf = [0u8; 1];
    match conn.reader().read(&mut buf) {
        Err(err) if err.kind() == ErrorKind::UnexpectedEof => Some(err.to_string()),
        _ => None,
    }
}

/// Takes everything `conn` has to send.
fn drain_tls<Data>(
    conn: &mut rustls::ConnectionCommon<Data>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    while conn.wants_write() {
        conn.write_tls(out)?;
    }
    Ok(())
}

/// What one delivery did to the receiving endpoint.
struct Delivery {
    plaintext: Vec<u8>,
    peer_closed: bool,
    error: Option<rustls::Error>,
}

/// Feeds `bytes` to `conn` and collects the application data it releases.
fn deliver<Data>(
    conn: &mut rustls::ConnectionCommon<Data>,
    bytes: &[u8],
) -> Result<Delivery, Error> {
    let mut delivery = Delivery {
        plaintext: Vec::new(),
        peer_closed: false,
        error: None,
    };
    let mut rest = bytes;
    while !rest.is_empty() {
        if conn.read_tls(&mut rest)? == 0 {
            break;
        }
        match conn.process_new_packets() {
            Ok(io_state) => {
                delivery.peer_closed |= io_state.peer_has_closed();
                read_plaintext(conn, &mut delivery.plaintext)?;
            }
            Err(err) => {
                delivery.error = Some(err);
                break;
            }
        }
    }
    Ok(delivery)
}

fn read_plaintext<Data>(
    conn: &mut rustls::ConnectionCommon<Data>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let mut buf = [0u8; 4096];
    loop {
        match conn.reader().read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(()),
            // Reported again, with its cause, by the next `process_new_packets`.
            Err(err) if err.kind() == ErrorKind::UnexpectedEof => return Ok(()),
            Err(err) => return Err(err.into()),
        }
    }
}
