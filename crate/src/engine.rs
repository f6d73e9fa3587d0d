//! The scenario engine: runs a script of actions against a real rustls client and server joined
//! by an in-memory wire, and records every flight that crosses it as a [`Step`].
//!
//! A step moves exactly one flight: everything one side has to send, taken from rustls with
//! `write_tls`, put on the wire, and fed to the other side with `read_tls` and
//! `process_new_packets`. The whole script runs when a lab is made, so the page knows every step
//! (and its total) from the start; Back and Next only move a cursor over the recorded run.

use std::io::{ErrorKind, Read, Write};

use rustls::{ClientConnection, ServerConnection};
use serde::Serialize;

use crate::analysis::{self, RunAnalysis, StepAnalysis};
use crate::clock::LabClock;
use crate::http::{self, Exchange, Request};
use crate::keys::KeyLogEntry;
use crate::options::{Options, Resolved};
use crate::pki::Pki;
use crate::tls::{Configs, EndpointState};
use crate::view::{self, LabView};
use crate::wire::Wire;
use crate::Error;

/// A run longer than this many flights is a bug in the script or the engine (an endpoint that
/// never stops wanting to write), not a lesson.
const MAX_STEPS: usize = 512;

/// One of the two endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Side {
    /// The browser-like client.
    Client,
    /// The `mybank.example` server.
    Server,
}

impl Side {
    /// The other endpoint.
    pub fn peer(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }

    /// The name the page shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Client => "Client",
            Self::Server => "Server",
        }
    }
}

/// One thing a script asks for. After each action the engine lets the two sides exchange
/// flights until neither has anything to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open a new TLS connection (the client starts its handshake). The client's ticket cache and
    /// the server's session store carry over from earlier connections.
    Connect,
    /// The client sends an HTTP request over the current connection.
    Request(Request),
    /// One side sends close_notify.
    CloseNotify(Side),
}

/// The script of the default run: a full handshake, `GET /dashboard`, close_notify both ways,
/// then a second connection that resumes the first one's session, one request, and close.
pub fn whole_session_script() -> Vec<Action> {
    let one_connection = [
        Action::Connect,
        Action::Request(Request::get("/dashboard")),
        Action::CloseNotify(Side::Client),
        Action::CloseNotify(Side::Server),
    ];
    one_connection
        .iter()
        .chain(&one_connection)
        .cloned()
        .collect()
}

/// How a flight's delivery ended for the side that received it.
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
}

/// One flight that crossed the wire, and both endpoints' state after it was delivered.
#[derive(Clone, Debug)]
pub struct Step {
    /// Which connection of the run it belongs to (1-based).
    pub connection: usize,
    /// Who sent it.
    pub from: Side,
    /// The bytes as they crossed the wire.
    pub bytes: Vec<u8>,
    /// Application data rustls handed to the receiver after decrypting the flight.
    pub delivered: Vec<u8>,
    /// HTTP exchanges the server completed on receiving this flight.
    pub exchanges: Vec<Exchange>,
    /// The HTTP status the client read from this flight, if it carried a response.
    pub response_status: Option<u16>,
    /// How delivery ended.
    pub outcome: Outcome,
    /// The client's state after the step.
    pub client: EndpointState,
    /// The server's state after the step.
    pub server: EndpointState,
    /// The lab clock when the flight crossed.
    pub clock: u64,
}

/// A whole recorded run.
pub struct Run {
    /// Every flight, in order.
    pub steps: Vec<Step>,
    /// Every secret rustls logged, in order.
    pub key_log: Vec<KeyLogEntry>,
}

/// A lab: the learner's options, the PKI made for them, the recorded run and the cursor the
/// learner moves over it.
pub struct Lab {
    options: Options,
    resolved: Resolved,
    pki: Pki,
    run: Run,
    analysis: RunAnalysis,
    cursor: usize,
}

impl Lab {
    /// Validates `options`, makes the PKI (an RSA key takes a while) and runs the script.
    pub fn new(options: Options) -> Result<Self, Error> {
        let resolved = options.resolve()?;
        let pki = Pki::generate(resolved.cert_key)?;
        let run = execute(&resolved, &pki, &whole_session_script())?;
        Ok(Self {
            analysis: analysis::analyse(&run.steps, &run.key_log),
            options,
            resolved,
            pki,
            run,
            cursor: 0,
        })
    }

    /// The learner's options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The run's certificates.
    pub fn pki(&self) -> &Pki {
        &self.pki
    }

    /// The recorded run.
    pub fn run(&self) -> &Run {
        &self.run
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

    /// Runs the script again from the start with fresh connections (new randoms, new keys) over
    /// the same certificates, and moves to the first step.
    pub fn reset(&mut self) -> Result<(), Error> {
        self.run = execute(&self.resolved, &self.pki, &whole_session_script())?;
        self.analysis = analysis::analyse(&self.run.steps, &self.run.key_log);
        self.cursor = 0;
        Ok(())
    }

    /// The view data the page renders.
    pub fn view(&self) -> LabView {
        view::lab_view(self)
    }
}

/// Runs `script` on fresh configurations and a fresh lab clock, recording every flight.
pub fn execute(options: &Resolved, pki: &Pki, script: &[Action]) -> Result<Run, Error> {
    let clock = LabClock::new();
    let configs = Configs::new(options, pki, &clock)?;
    let mut steps = Vec::new();
    let mut live: Option<Connection> = None;
    let mut connections = 0;
    for action in script {
        match action {
            Action::Connect => {
                let (client, server) = configs.connect()?;
                connections += 1;
                live = Some(Connection::new(connections, client, server));
            }
            Action::Request(request) => {
                if let Some(conn) = live.as_mut().filter(|c| c.usable()) {
                    conn.client.writer().write_all(&request.to_bytes())?;
                }
            }
            Action::CloseNotify(side) => {
                if let Some(conn) = live.as_mut().filter(|c| c.usable()) {
                    conn.close(*side);
                }
            }
        }
        if let Some(conn) = live.as_mut() {
            while let Some(from) = conn.next_sender() {
                if steps.len() >= MAX_STEPS {
                    return Err(Error::Wire(std::io::Error::other(
                        "the endpoints kept sending without end",
                    )));
                }
                steps.push(conn.transmit(from, clock.now())?);
            }
        }
    }
    Ok(Run {
        steps,
        key_log: configs.key_log.entries(),
    })
}

/// One live connection: both rustls endpoints, the wire between them, and the HTTP server
/// application on the server's side.
struct Connection {
    number: usize,
    client: ClientConnection,
    server: ServerConnection,
    wire: Wire,
    http_server: http::Server,
    client_extra: Flags,
    server_extra: Flags,
    last_sender: Option<Side>,
}

/// What rustls does not report by itself about an endpoint.
#[derive(Default)]
struct Flags {
    peer_closed: bool,
    sent_close: bool,
    error: Option<String>,
}

impl Connection {
    fn new(number: usize, client: ClientConnection, server: ServerConnection) -> Self {
        Self {
            number,
            client,
            server,
            wire: Wire::default(),
            http_server: http::Server::default(),
            client_extra: Flags::default(),
            server_extra: Flags::default(),
            last_sender: None,
        }
    }

    fn usable(&self) -> bool {
        self.client_extra.error.is_none() && self.server_extra.error.is_none()
    }

    fn close(&mut self, side: Side) {
        match side {
            Side::Client => self.client.send_close_notify(),
            Side::Server => self.server.send_close_notify(),
        }
        self.flags_mut(side).sent_close = true;
    }

    fn flags_mut(&mut self, side: Side) -> &mut Flags {
        match side {
            Side::Client => &mut self.client_extra,
            Side::Server => &mut self.server_extra,
        }
    }

    /// The side that has a flight to send; when both have, the one that did not send last.
    fn next_sender(&self) -> Option<Side> {
        match (self.client.wants_write(), self.server.wants_write()) {
            (true, true) => Some(self.last_sender.map_or(Side::Client, Side::peer)),
            (true, false) => Some(Side::Client),
            (false, true) => Some(Side::Server),
            (false, false) => None,
        }
    }

    /// Moves one flight from `from` to its peer and records it.
    fn transmit(&mut self, from: Side, clock: u64) -> Result<Step, Error> {
        let queue = self.wire.queue_mut(from);
        match from {
            Side::Client => drain_tls(&mut *self.client, queue)?,
            Side::Server => drain_tls(&mut *self.server, queue)?,
        }
        let bytes = self.wire.take(from);
        self.last_sender = Some(from);

        let delivery = match from {
            Side::Client => deliver(&mut *self.server, &bytes)?,
            Side::Server => deliver(&mut *self.client, &bytes)?,
        };
        let receiver = from.peer();
        let flags = self.flags_mut(receiver);
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

        let mut exchanges = Vec::new();
        let mut response_status = None;
        if !delivery.plaintext.is_empty() {
            match receiver {
                Side::Server => {
                    let (response, done) = self.http_server.receive(&delivery.plaintext);
                    if !response.is_empty() {
                        self.server.writer().write_all(&response)?;
                    }
                    exchanges = done;
                }
                Side::Client => response_status = http::response_status(&delivery.plaintext),
            }
        }

        Ok(Step {
            connection: self.number,
            from,
            bytes,
            delivered: delivery.plaintext,
            exchanges,
            response_status,
            outcome,
            client: self.client_state(),
            server: self.server_state(),
            clock,
        })
    }

    fn client_state(&self) -> EndpointState {
        with_flags(EndpointState::of(&self.client, None), &self.client_extra)
    }

    fn server_state(&self) -> EndpointState {
        let sni = self.server.server_name();
        with_flags(EndpointState::of(&self.server, sni), &self.server_extra)
    }
}

fn with_flags(mut state: EndpointState, flags: &Flags) -> EndpointState {
    state.peer_closed = flags.peer_closed;
    state.sent_close = flags.sent_close;
    state.error.clone_from(&flags.error);
    state
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
