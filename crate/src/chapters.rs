//! The chapters of the session story, as data: each is a named script of scenes, and each scene
//! is one action with the narration that explains why it matters.
//!
//! The engine interprets every chapter the same way; nothing here touches rustls. Narration is
//! prose about the *why*; every value the page shows next to it is computed from the run.

use serde::Serialize;

use crate::engine::{Action, ClientVariant, ConnectSpec, Replay, ServerVariant, Side};
use crate::http::{ByteRange, Request, DEMO_PASSWORD, DEMO_USER};
use crate::options::TlsVersion;

/// How many seconds of silence the server tolerates before it closes a connection.
pub const IDLE_TIMEOUT_SECS: u64 = 120;

/// How a scene's action is followed by flights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pump {
    /// Both sides send until neither has anything left.
    All,
    /// Exactly one flight crosses (used to show both directions interleaving).
    One,
    /// Nothing crosses yet.
    None,
}

/// One action of a chapter and what to tell the learner about it.
#[derive(Clone, Debug)]
pub struct Scene {
    /// What happens.
    pub action: Action,
    /// Why it matters, shown with the first step the action produces.
    pub narration: &'static str,
    /// The narration under TLS 1.2 where the protocol makes `narration` untrue there.
    pub narration_tls12: Option<&'static str>,
    /// What crosses the wire after it.
    pub pump: Pump,
}

impl Scene {
    /// The narration to show when the run uses `version`.
    pub fn narration_for(&self, version: TlsVersion) -> &'static str {
        match (version, self.narration_tls12) {
            (TlsVersion::Tls12, Some(tls12)) => tls12,
            _ => self.narration,
        }
    }

    /// The same scene, told as `narration` under TLS 1.2.
    fn under_tls12(self, narration: &'static str) -> Self {
        Self {
            narration_tls12: Some(narration),
            ..self
        }
    }
}

/// Where the server keeps TLS 1.3 resumption state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TicketMode {
    /// Server-side cache: the ticket is only an id (needed for 0-RTT anti-replay).
    Stateful,
    /// Self-encrypted tickets: the server keeps only the ticket key.
    Stateless,
}

/// A chapter: a named script.
#[derive(Clone, Debug)]
pub struct Chapter {
    /// Stable key for URLs (`resume`, `zero-rtt`, …).
    pub id: &'static str,
    /// Title for the chapter picker.
    pub title: &'static str,
    /// One paragraph on what the chapter shows.
    pub summary: &'static str,
    /// The versions it applies to.
    pub versions: &'static [TlsVersion],
    /// Where the server keeps resumption state.
    pub tickets: TicketMode,
    /// The client offers every group, X25519 first, so that a server refusing one can ask for
    /// another with a HelloRetryRequest.
    pub force_retry: bool,
    /// The client may send 0-RTT data and the server may accept it (needs the stateful cache).
    pub early_data: bool,
    /// The scenes, in order.
    pub scenes: Vec<Scene>,
}

/// A chapter as the page lists it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChapterSummary {
    /// Stable key.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// What it shows.
    pub summary: &'static str,
    /// Version keys it applies to.
    pub versions: Vec<&'static str>,
}

impl Chapter {
    /// The chapter as the page lists it.
    pub fn summary(&self) -> ChapterSummary {
        ChapterSummary {
            id: self.id,
            title: self.title,
            summary: self.summary,
            versions: self.versions.iter().map(|v| v.key()).collect(),
        }
    }
}

const BOTH: &[TlsVersion] = &[TlsVersion::Tls13, TlsVersion::Tls12];
const TLS13: &[TlsVersion] = &[TlsVersion::Tls13];

fn scene(action: Action, narration: &'static str) -> Scene {
    Scene {
        action,
        narration,
        narration_tls12: None,
        pump: Pump::All,
    }
}

fn connect() -> Action {
    Action::Connect(ConnectSpec::default())
}

fn login() -> Action {
    Action::Request(Request::login(DEMO_USER, DEMO_PASSWORD))
}

fn dashboard() -> Action {
    Action::Request(Request::get("/dashboard"))
}

fn close_both() -> [Scene; 2] {
    [
        scene(
            Action::CloseNotify(Side::Client),
            "The client says it is done with close_notify: an authenticated end, so nobody can fake the end of the data.",
        ),
        scene(
            Action::CloseNotify(Side::Server),
            "The server answers with its own close_notify. Each direction is closed separately.",
        ),
    ]
}

/// Every chapter, in story order.
pub fn all() -> Vec<Chapter> {
    vec![
        whole_session(),
        establish(),
        maintain(),
        resume(),
        resume_tls12_ticket(),
        zero_rtt(),
        expire(),
        terminate(),
        stream(),
        plain_http(),
        hello_retry(),
        client_certificates(),
        alpn(),
    ]
}

/// The chapter with this id.
pub fn by_id(id: &str) -> Option<Chapter> {
    all().into_iter().find(|c| c.id == id)
}

fn chapter(
    id: &'static str,
    title: &'static str,
    summary: &'static str,
    versions: &'static [TlsVersion],
    scenes: Vec<Scene>,
) -> Chapter {
    Chapter {
        id,
        title,
        summary,
        versions,
        tickets: TicketMode::Stateful,
        force_retry: false,
        early_data: false,
        scenes,
    }
}

fn whole_session() -> Chapter {
    let mut scenes = vec![
        scene(connect(), "The client opens a TLS connection to mybank.example: this is session establishment."),
        scene(login(), "The user logs in. HTTP rides inside TLS records, encrypted: the password is invisible on the wire. The server answers with a cookie naming a new login session."),
        scene(dashboard(), "GET /dashboard, with the cookie. The server finds the login session in its store."),
    ];
    scenes.extend(close_both());
    scenes.push(scene(connect(), "A second connection: the client offers what it kept from the first one, and the server accepts it — resumption."));
    scenes.push(scene(
        dashboard(),
        "The same request over the resumed session.",
    ));
    scenes.extend(close_both());
    chapter(
        "whole-session",
        "The whole session",
        "A full handshake, a login and GET /dashboard, close_notify both ways, then a second connection that resumes the first one's TLS session — and the cookie keeps the login.",
        BOTH,
        scenes,
    )
}

fn establish() -> Chapter {
    let mut scenes = vec![
        scene(connect(), "Session establishment: the two sides agree on a version, a cipher suite and fresh keys, and the client checks the server's certificate chain and name."),
        scene(Action::Request(Request::get("/")), "The first application data: only after the handshake, and only in encrypted records."),
    ];
    scenes.extend(close_both());
    chapter(
        "establish",
        "1 · Establish",
        "A full handshake. Compare TLS 1.3 and TLS 1.2 for the same settings: messages, round trips, and what travels in clear.",
        BOTH,
        scenes,
    )
}

fn maintain() -> Chapter {
    let mut scenes = vec![
        scene(connect(), "A full handshake opens the TLS session."),
        scene(login(), "The user logs in: an HTTP request with a form. The server creates a login session in its store and sends a cookie naming it."),
        scene(dashboard(), "The cookie travels with the request; the server looks it up in its store. Watch the record sequence numbers advance."),
        scene(dashboard(), "Same TLS connection, same keys, next sequence number: session maintenance."),
        scene(dashboard(), "Again: many request/response cycles over one TLS session."),
    ];
    scenes.extend(close_both());
    chapter(
        "maintain",
        "2 · Maintain",
        "Log in, then several GET /dashboard cycles over the same TLS session: sequence numbers advance, the cookie is sent each time.",
        BOTH,
        scenes,
    )
}

fn resume_scenes() -> Vec<Scene> {
    let mut scenes = vec![
        scene(
            connect(),
            "A full handshake: certificate, signature, key exchange.",
        ),
        scene(
            login(),
            "Log in: the HTTP session begins (a cookie and a server-side store entry).",
        ),
    ];
    scenes.extend(close_both());
    scenes.push(scene(connect(), "A new TLS connection. The client offers the session it kept; the server accepts it, so no certificate is sent and nothing is signed."));
    scenes.push(scene(
        dashboard(),
        "The cookie still names the login: the HTTP session outlives the TLS connection.",
    ));
    scenes.extend(close_both());
    scenes
}

fn resume() -> Chapter {
    chapter(
        "resume",
        "3 · Resume",
        "A new connection resumes the TLS session (TLS 1.3 ticket with (EC)DHE; TLS 1.2 session id). Compare its cost with the full handshake; the cookie keeps the login.",
        BOTH,
        resume_scenes(),
    )
}

fn resume_tls12_ticket() -> Chapter {
    Chapter {
        tickets: TicketMode::Stateless,
        ..chapter(
            "resume-ticket",
            "3b · Resume with a TLS 1.2 ticket",
            "The server encrypts the session into a ticket the client keeps (RFC 5077), instead of keeping it in a cache.",
            &[TlsVersion::Tls12],
            resume_scenes(),
        )
    }
}

fn zero_rtt() -> Chapter {
    let early = |replay, accepts| {
        Action::Connect(ConnectSpec {
            early_data: Some(Request::get("/dashboard")),
            replay,
            server: ServerVariant {
                accept_early_data: accepts,
                ..ServerVariant::default()
            },
            ..ConnectSpec::default()
        })
    };
    let mut scenes = vec![
        scene(
            connect(),
            "A full handshake; the server's ticket says it will accept early data.",
        ),
        scene(login(), "Log in, so the dashboard has something to show."),
    ];
    scenes.extend(close_both());
    scenes.push(scene(early(Replay::None, true), "0-RTT: the client sends GET /dashboard in its very first flight, encrypted with a key derived from the ticket, before any reply."));
    scenes.extend(close_both());
    scenes.push(scene(early(Replay::After, true), "An attacker records the first flight and replays it after the genuine connection. The ticket was single-use: the replay gets a full handshake and no early data."));
    scenes.extend(close_both());
    scenes.push(scene(early(Replay::Before, true), "Now the replay arrives first: the server accepts its early data and runs the request. The genuine connection then falls back to a full handshake, and the client resends — the request ran twice. Only idempotent requests belong in 0-RTT."));
    scenes.extend(close_both());
    scenes.push(scene(early(Replay::None, false), "This time the server refuses early data. The client learns it from the handshake and must send the request again afterwards."));
    scenes.extend(close_both());
    Chapter {
        tickets: TicketMode::Stateful,
        early_data: true,
        ..chapter(
            "zero-rtt",
            "4 · 0-RTT",
            "GET /dashboard as early data on a resumed TLS 1.3 connection: accepted, refused, and replayed after and before the genuine flight.",
            TLS13,
            scenes,
        )
    }
}

fn expire() -> Chapter {
    let mut scenes = vec![
        scene(
            connect(),
            "A full handshake; the client stores the server's tickets.",
        )
        .under_tls12("A full handshake; the client keeps the session id the server gave it, and the server keeps the session in its cache."),
        scene(login(), "Log in: the cookie lives 15 minutes."),
    ];
    scenes.extend(close_both());
    scenes.push(scene(
        Action::AdvanceClock { seconds: 16 * 60 },
        "16 minutes pass on the lab clock.",
    ));
    scenes.push(
        scene(
            connect(),
            "TLS resumption still works: the ticket lives for hours.",
        )
        .under_tls12(
            "TLS resumption still works: rustls keeps TLS 1.2 session ids with no lifetime.",
        ),
    );
    scenes.push(scene(dashboard(), "But the cookie expired: the jar dropped it and the server's store entry is gone, so the user is logged out."));
    scenes.extend(close_both());
    scenes.push(scene(Action::AdvanceClock { seconds: 25 * 3600 }, "A day passes. rustls' server gives TLS 1.3 tickets 24 hours (12 with its self-encrypting ticketer), and it is the client that drops an expired ticket without offering it. rustls keeps TLS 1.2 session ids with no lifetime at all."));
    scenes.push(scene(connect(), "A new connection: watch whether the client still has anything to offer — resumed or full handshake?"));
    scenes.push(scene(login(), "Log in again."));
    scenes.extend(close_both());
    scenes.push(scene(
        Action::AdvanceClock {
            seconds: 90 * 86_400,
        },
        "Three months pass: the server's certificate is now past its notAfter date.",
    ));
    scenes.push(scene(connect(), "A full handshake checks the certificate's validity against the client's clock and fails with certificate_expired. A resumed handshake does not look at the certificate again (rustls' TLS 1.2 session ids never expire)."));
    chapter(
        "expire",
        "5 · Expire",
        "Advance the lab clock: the cookie expires first (minutes), then TLS 1.3 tickets (hours; rustls keeps TLS 1.2 session ids for ever), then the certificate (months).",
        BOTH,
        scenes,
    )
}

fn terminate() -> Chapter {
    let scenes = vec![
        scene(connect(), "A fresh connection."),
        scene(login(), "Log in."),
        Scene {
            pump: Pump::All,
            ..scene(
                Action::Batch(vec![Action::Request(Request::get("/dashboard")), Action::CloseNotify(Side::Client)]),
                "Half-close: the client sends its last request and close_notify together. TLS is full duplex: the server can still answer after the client stopped sending.",
            )
        },
        scene(Action::CloseNotify(Side::Server), "The server finishes its direction too."),
        scene(connect(), "Another connection (resumed)."),
        scene(Action::Request(Request::get("/dashboard")), "A request, and then…"),
        scene(Action::DropTransport, "…the TCP connection closes with no close_notify. Each side notices a truncation: it cannot tell whether data was cut off."),
        scene(connect(), "Another connection."),
        scene(Action::AdvanceClock { seconds: IDLE_TIMEOUT_SECS + 1 }, "Nobody sends anything for a while."),
        scene(Action::IdleCheck, "The server's idle timeout fires: it ends the connection with close_notify."),
        scene(connect(), "Another connection."),
        scene(Action::TamperNext { byte_from_end: 20 }, "An attacker flips one byte of the next record in flight."),
        scene(dashboard(), "The server's AEAD tag check fails: it sends bad_record_mac and the connection dies."),
        scene(connect(), "A new connection…"),
        scene(dashboard(), "…and the login survives: it lives in the cookie and the server's store, not in the TLS connection."),
        scene(Action::Request(Request::logout()), "Logout ends the HTTP session: the store entry is removed and the cookie deleted."),
        scene(Action::CloseNotify(Side::Client), "Close."),
        scene(Action::CloseNotify(Side::Server), "Close."),
        scene(connect(), "The TLS session is still resumable…"),
        scene(dashboard(), "…but the user is logged out: 401."),
    ];
    chapter(
            "terminate",
            "6 · Terminate",
            "close_notify and half-close, truncation, idle timeout, a tampered byte (the connection dies, the login survives), and logout (the login dies, the TLS session survives).",
            BOTH,
            scenes,
        )
}

fn stream() -> Chapter {
    const CHUNK: u64 = 8 * 1024;
    let chunk = |n: u64| {
        Action::Request(
            Request::get("/video").with_range(ByteRange::between(n * CHUNK, (n + 1) * CHUNK - 1)),
        )
    };
    let one = |action, narration| Scene {
        action,
        narration,
        narration_tls12: None,
        pump: Pump::One,
    };
    let mut scenes = vec![
        scene(connect(), "A connection for streaming."),
        one(chunk(0), "The client asks for the first chunk of the video."),
        one(chunk(1), "Dialog control: the server sends the first chunk while the client has already queued its request for the next one…"),
        one(Action::Pause, "…which crosses in the other direction at the same time. Both directions are in flight at once: TLS is full duplex."),
        scene(Action::Pause, "The rest of the exchange."),
        scene(Action::KeyUpdate(Side::Client), "Mid-stream, the client updates its traffic keys (KeyUpdate): secret N becomes N+1, and asks the server to do the same.")
            .under_tls12("Mid-stream, the client asks rustls for new traffic keys. TLS 1.2 has no KeyUpdate message and rustls never renegotiates, so it refuses: both sides keep the keys of the handshake."),
        scene(chunk(2), "The next chunk travels under the new keys.")
            .under_tls12("The next chunk travels under the same keys as every record before it."),
        scene(
            Action::DropDuringNext(Request::get("/video").with_range(ByteRange::from(3 * CHUNK))),
            "The client asks for the rest of the video, and the connection drops in the middle of the answer. Whole records that arrived are kept; a record cut in half can never be decrypted.",
        ),
        scene(connect(), "The client reconnects: a resumed handshake."),
        scene(Action::ResumeDownload, "Synchronization: an HTTP Range request continues from the last byte received — a checkpoint for a long exchange."),
    ];
    scenes.extend(close_both());
    chapter(
        "stream",
        "7 · Stream",
        "Chunks of a video over one session, both directions interleaving, a key update mid-stream (TLS 1.3; TLS 1.2 has none), a dropped connection and a Range request that resumes from the last chunk.",
        BOTH,
        scenes,
    )
}

fn plain_http() -> Chapter {
    let mut scenes = vec![
        scene(Action::ConnectPlain, "A plain TCP connection: no TLS at all."),
        scene(login(), "The login travels in clear: anyone on the path reads the password, and the session cookie in the answer. The client's jar refuses a Secure cookie that arrives over plain HTTP."),
        scene(dashboard(), "So the dashboard request carries no cookie: 401."),
        scene(Action::CloseTransport, "Close."),
        scene(connect(), "Now over TLS…"),
        scene(login(), "…the login works and the jar keeps the Secure cookie."),
    ];
    scenes.extend(close_both());
    scenes.push(scene(
        Action::ConnectPlain,
        "Back to plain HTTP on the same site.",
    ));
    scenes.push(scene(dashboard(), "The jar withholds the Secure cookie over plain HTTP, so an eavesdropper never sees it — and the server sees no login."));
    scenes.push(scene(Action::CloseTransport, "Close."));
    chapter(
        "plain-http",
        "8 · Plain HTTP",
        "The same login and dashboard with no TLS: the eavesdropper's view shows the password and the cookie in clear, and the Secure cookie is not sent.",
        BOTH,
        scenes,
    )
}

fn hello_retry() -> Chapter {
    let refusing = |group: &'static str, early_data: Option<Request>| {
        Action::Connect(ConnectSpec {
            server: ServerVariant {
                refuse_group: Some(group),
                ..ServerVariant::default()
            },
            early_data,
            ..ConnectSpec::default()
        })
    };
    let mut scenes = vec![scene(refusing("X25519", None), "The client sends its key share for its favourite group, X25519, which the server will not use. The server answers with a HelloRetryRequest naming a group it accepts: one extra round trip.")];
    scenes.push(scene(
        Action::Request(Request::get("/")),
        "The request, once the handshake is done.",
    ));
    scenes.extend(close_both());
    scenes.push(scene(refusing("X25519", None), "The client remembered the group the server wanted: its key share is right the first time, no retry — and it resumes."));
    scenes.extend(close_both());
    scenes.push(scene(refusing("secp256r1", Some(Request::get("/"))), "Now the server refuses the group the client remembered, and the client tries 0-RTT. The retry discards the early data: the client must send its request again after the handshake. rustls calls this handshake Resumed; the messages show it needed a HelloRetryRequest first."));
    scenes.extend(close_both());
    Chapter {
        force_retry: true,
        early_data: true,
        ..chapter(
            "hello-retry",
            "9a · HelloRetryRequest",
            "The client's first key share is for a group the server won't take: the retry costs a round trip, the client remembers, and 0-RTT does not survive a retry.",
            TLS13,
            scenes,
        )
    }
}

fn client_certificates() -> Chapter {
    let mtls = |with_cert| {
        Action::Connect(ConnectSpec {
            client: ClientVariant {
                with_certificate: with_cert,
            },
            server: ServerVariant {
                require_client_certificate: true,
                ..ServerVariant::default()
            },
            ..ConnectSpec::default()
        })
    };
    let mut scenes = vec![
        scene(mtls(true), "Mutual TLS: the server asks for a certificate, and the client proves it holds a key certified by the lab's CA."),
        scene(Action::Request(Request::get("/")), "A request over the mutually authenticated connection."),
    ];
    scenes.extend(close_both());
    scenes.push(scene(
        mtls(false),
        "A client with no certificate: the server refuses with certificate_required.",
    ));
    chapter(
        "mtls",
        "9b · Client certificates",
        "mTLS with a client certificate from the lab's CA, verified by the server; and refused when missing.",
        BOTH,
        scenes,
    )
}

fn alpn() -> Chapter {
    let with_server = |protocols: &'static [&'static str]| {
        Action::Connect(ConnectSpec {
            server: ServerVariant {
                alpn: protocols,
                ..ServerVariant::default()
            },
            ..ConnectSpec::default()
        })
    };
    let mut scenes = vec![scene(
        with_server(&["http/1.1"]),
        "Both sides name http/1.1 in ALPN: the protocol is agreed inside the handshake.",
    )];
    scenes.extend(close_both());
    scenes.push(scene(with_server(&["h2"]), "The server speaks only h2 and the client only http/1.1: no common protocol, so the server refuses with no_application_protocol."));
    chapter(
        "alpn",
        "9c · ALPN",
        "http/1.1 negotiated, and what happens when the two sides share no application protocol.",
        BOTH,
        scenes,
    )
}
