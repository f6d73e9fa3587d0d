//! The `mybank.example` server: routes, the login flow and what it records of each exchange.
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /` | 200, the home page |
//! | `POST /login` (form `user`, `password`) | 303 to `/dashboard` with a `session_id` cookie; 401 for wrong credentials; 400 for a bad form |
//! | `GET /dashboard` | 200 with the user's page when the cookie names a live session, else 401 |
//! | `POST /logout` | ends the session, deletes the cookie (`Max-Age=0`), 303 to `/` |
//! | `GET /video` | the synthetic video; `Range` gives 206 or 416 |
//! | anything else | 404 (unknown path), 405 (known path, other method), 400 (unreadable) |
//!
//! One [`Server`] lives for the whole run: its session store outlives every TLS connection, which
//! is the point of the lesson. Only the request buffer belongs to a connection.

use cookie::Cookie;
use serde::Serialize;

use super::error::HttpError;
use super::form::{decode_form, is_form_content_type};
use super::message::{
    header_value, header_values, headers_text, reason_phrase, ParsedRequest, RequestReader,
    Response, Unreadable,
};
use super::store::{Lookup, SessionEntryView, SessionStore, COOKIE_MAX_AGE_SECS};
use super::video::{decide_range, video_body, RangeDecision, VIDEO_LENGTH, VIDEO_PATH};
use crate::clock::rfc3339;
use crate::pki::SERVER_NAME;

/// The name of the login-session cookie.
pub const SESSION_COOKIE: &str = "session_id";

/// The lab's one account: user name…
pub const DEMO_USER: &str = "alice";

/// …and password. (A real server keeps only a slow salted hash, such as Argon2, and compares in
/// constant time; the lab's single hard-coded demo account needs neither to make its point.)
pub const DEMO_PASSWORD: &str = "correct horse";

/// The balance the dashboard shows.
pub const DEMO_BALANCE: &str = "1,234.56 EUR";

/// The `Set-Cookie` value that starts a session: `Secure` (TLS only), `HttpOnly` (no script
/// access), `SameSite=Lax` (not sent on cross-site subrequests or POSTs), lifetime of the session.
pub fn session_set_cookie(id: &str) -> String {
    format!(
        "{SESSION_COOKIE}={id}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={COOKIE_MAX_AGE_SECS}"
    )
}

/// The `Set-Cookie` value that deletes the session cookie: same name and path, `Max-Age=0`.
pub fn session_delete_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// What the server did with a session while answering one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SessionEvent {
    /// The request carried no `session_id` cookie.
    NoCookie,
    /// The cookie names no stored session (never issued, logged out or pruned).
    Unknown {
        /// The id the cookie carried.
        id: String,
    },
    /// The cookie names a session that had expired; it was removed from the store.
    Expired {
        /// The session id.
        id: String,
        /// Whose session it was.
        user: String,
        /// Its last valid second (Unix seconds).
        expires: u64,
    },
    /// The cookie names a live session.
    Live {
        /// The session id.
        id: String,
        /// Whose session it is.
        user: String,
        /// Its last valid second (Unix seconds).
        expires: u64,
    },
    /// A login started a new session.
    Created {
        /// The new session id.
        id: String,
        /// Who logged in.
        user: String,
        /// Its last valid second (Unix seconds).
        expires: u64,
    },
    /// A session was removed: by logout, or replaced by a fresh one at login (so an id planted
    /// before login is worthless after it: no session fixation).
    Ended {
        /// The session id.
        id: String,
        /// Whose session it was.
        user: String,
    },
}

/// What the server made of one request, for the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exchange {
    /// The request line as received, e.g. `GET /dashboard HTTP/1.1`; for unreadable bytes, their
    /// first line.
    pub request_line: String,
    /// The request's headers as text, one `Name: value` per line.
    pub request_headers: String,
    /// The request body as text (lossy).
    pub request_body: String,
    /// The status the server answered with.
    pub status: u16,
    /// Its reason phrase.
    pub reason: String,
    /// The response's headers as text.
    pub response_headers: String,
    /// The `Set-Cookie` values sent.
    pub set_cookies: Vec<String>,
    /// What happened to login sessions.
    pub session_events: Vec<SessionEvent>,
    /// What the server did, in a sentence.
    pub summary: String,
}

/// What one call to [`Server::receive`] produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Served {
    /// Responses to write back to the client, in order.
    pub response_bytes: Vec<u8>,
    /// One record per request answered.
    pub exchanges: Vec<Exchange>,
}

/// The `mybank.example` server: a session store for the run, a request buffer for the current
/// connection.
#[derive(Debug, Default)]
pub struct Server {
    store: SessionStore,
    requests: RequestReader,
}

/// A response and what the server records about producing it.
struct Handled {
    response: Response,
    events: Vec<SessionEvent>,
    summary: String,
}

impl Server {
    /// A server with an empty session store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new connection starts: bytes of a request the last one left unfinished are dropped
    /// (they can never be completed). Sessions stay.
    pub fn new_connection(&mut self) {
        self.requests.clear();
    }

    /// Feeds bytes the server's TLS connection delivered at lab time `now`; answers every request
    /// they complete. Incomplete input is kept for the next call; unreadable input gets a 400 (or
    /// 413) and is discarded.
    pub fn receive(&mut self, bytes: &[u8], now: u64) -> Served {
        self.requests.push(bytes);
        let mut served = Served::default();
        while let Some(next) = self.requests.next_request() {
            let (exchange, response_bytes) = match next {
                Ok(request) => {
                    let handled = self.handle(&request, now);
                    record(&request, &handled)
                }
                Err(unreadable) => refuse(&unreadable),
            };
            served.response_bytes.extend_from_slice(&response_bytes);
            served.exchanges.push(exchange);
        }
        // Expired sessions are dropped on every request, not just when presented.
        self.store.prune(now);
        served
    }

    /// The session store.
    pub fn store(&self) -> &SessionStore {
        &self.store
    }

    /// The session store for the page at `now`.
    pub fn store_view(&self, now: u64) -> Vec<SessionEntryView> {
        self.store.view(now)
    }

    fn handle(&mut self, request: &ParsedRequest, now: u64) -> Handled {
        if let Some(refusal) = check_host(request) {
            return refusal;
        }
        let method = request.method.as_str();
        match (request.path(), method) {
            ("/", "GET") => plain(Response::html(200, home_page()), "Served the home page."),
            ("/login", "POST") => self.login(request, now),
            ("/dashboard", "GET") => self.dashboard(request, now),
            ("/logout", "POST") => self.logout(request),
            (VIDEO_PATH, "GET") => video(request),
            ("/" | "/dashboard" | VIDEO_PATH, _) => not_allowed(method, "GET"),
            ("/login" | "/logout", _) => not_allowed(method, "POST"),
            (path, _) => plain(
                Response::html(404, page("Not found", "<p>There is no such page.</p>")),
                &format!("No page at {path}."),
            ),
        }
    }

    fn login(&mut self, request: &ParsedRequest, now: u64) -> Handled {
        let content_type = header_value(&request.headers, "content-type").unwrap_or_default();
        if !is_form_content_type(content_type) {
            return bad_request("The login needs a form body (application/x-www-form-urlencoded).");
        }
        let fields = match decode_form(&request.body) {
            Ok(fields) => fields,
            Err(err) => return bad_request(&format!("{err}.")),
        };
        let field = |name: &str| {
            fields
                .iter()
                .find(|(field, _)| field == name)
                .map(|(_, value)| value.as_str())
        };
        let (Some(user), Some(password)) = (field("user"), field("password")) else {
            return bad_request("The login form needs both user and password.");
        };
        if user != DEMO_USER || password != DEMO_PASSWORD {
            return Handled {
                response: Response::html(
                    401,
                    page(
                        "Login failed",
                        "<p>Wrong user name or password.</p><p><a href=\"/\">Try again</a></p>",
                    ),
                ),
                events: Vec::new(),
                summary: format!(
                    "Refused the login for {user:?}: wrong user name or password. No session."
                ),
            };
        }
        let mut events = Vec::new();
        if let Some(old_id) = session_cookie(request) {
            if let Some(old) = self.store.remove(&old_id) {
                events.push(SessionEvent::Ended {
                    id: old_id,
                    user: old.user,
                });
            }
        }
        let (id, session) = match self.store.create(user, now) {
            Ok(created) => created,
            Err(err) => return server_error(&err),
        };
        events.push(SessionEvent::Created {
            id: id.clone(),
            user: session.user.clone(),
            expires: session.expires,
        });
        Handled {
            response: Response::html(303, page("Logged in", "<p>On to your <a href=\"/dashboard\">dashboard</a>.</p>"))
                .with_header("Location", "/dashboard")
                .with_header("Set-Cookie", session_set_cookie(&id)),
            events,
            summary: format!(
                "Logged {user} in: new session stored until {}, its id sent in the session_id cookie.",
                rfc3339(session.expires)
            ),
        }
    }

    fn dashboard(&mut self, request: &ParsedRequest, now: u64) -> Handled {
        let Some(id) = session_cookie(request) else {
            return not_logged_in(
                SessionEvent::NoCookie,
                "The request carried no session cookie.",
            );
        };
        match self.store.lookup(&id, now) {
            Lookup::Live(session) => {
                let user = escape_html(&session.user);
                let body = format!(
                    "<h1>Welcome, {user}</h1><p>Balance: {DEMO_BALANCE}</p>\
                     <p>Your session ends at {}.</p>\
                     <form method=\"post\" action=\"/logout\"><button>Log out</button></form>",
                    rfc3339(session.expires)
                );
                Handled {
                    // `no-store`: a page with an account balance must not linger in caches.
                    response: Response::html(200, page("Dashboard", &body))
                        .with_header("Cache-Control", "no-store"),
                    summary: format!(
                        "The cookie names {}'s live session: served the dashboard.",
                        session.user
                    ),
                    events: vec![SessionEvent::Live {
                        id,
                        user: session.user,
                        expires: session.expires,
                    }],
                }
            }
            Lookup::Expired(session) => {
                let summary = format!(
                    "The cookie names {}'s session, which expired at {}: removed it, refused.",
                    session.user,
                    rfc3339(session.expires)
                );
                not_logged_in(
                    SessionEvent::Expired {
                        id,
                        user: session.user,
                        expires: session.expires,
                    },
                    &summary,
                )
            }
            Lookup::Unknown => not_logged_in(
                SessionEvent::Unknown { id },
                "The cookie names no stored session.",
            ),
        }
    }

    fn logout(&mut self, request: &ParsedRequest) -> Handled {
        let (event, summary) = match session_cookie(request) {
            None => (
                SessionEvent::NoCookie,
                "Logout without a session cookie: nothing to end.".to_owned(),
            ),
            Some(id) => match self.store.remove(&id) {
                Some(session) => (
                    SessionEvent::Ended {
                        id,
                        user: session.user.clone(),
                    },
                    format!(
                        "Logged {} out: removed the session from the store.",
                        session.user
                    ),
                ),
                None => (
                    SessionEvent::Unknown { id },
                    "Logout for a session the store no longer has.".to_owned(),
                ),
            },
        };
        Handled {
            response: Response::html(303, page("Logged out", "<p>You are logged out.</p>"))
                .with_header("Location", "/")
                .with_header("Set-Cookie", session_delete_cookie()),
            events: vec![event],
            summary: format!("{summary} Told the browser to delete the cookie (Max-Age=0)."),
        }
    }
}

/// The first `session_id` value among the request's cookies.
fn session_cookie(request: &ParsedRequest) -> Option<String> {
    header_values(&request.headers, "cookie")
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == SESSION_COOKIE)
        .map(|cookie| cookie.value().to_owned())
}

/// HTTP/1.1 requires `Host` (RFC 9112 §3.2: 400 without it); a request for another host reached
/// the wrong server (421).
fn check_host(request: &ParsedRequest) -> Option<Handled> {
    let Some(host) = header_value(&request.headers, "host") else {
        return (request.minor_version >= 1)
            .then(|| bad_request("An HTTP/1.1 request must carry a Host header."));
    };
    let name = host.rsplit_once(':').map_or(host, |(name, _port)| name);
    if name.trim().eq_ignore_ascii_case(SERVER_NAME) {
        return None;
    }
    Some(plain(
        Response::html(
            421,
            page(
                "Misdirected request",
                "<p>This server is mybank.example.</p>",
            ),
        ),
        &format!("The request is for {host:?}, not {SERVER_NAME}."),
    ))
}

fn video(request: &ParsedRequest) -> Handled {
    let body = video_body();
    let length = VIDEO_LENGTH as u64;
    let base = |status| {
        Response::new(status)
            .with_header("Content-Type", "application/octet-stream")
            .with_header("Accept-Ranges", "bytes")
    };
    match decide_range(header_values(&request.headers, "range"), length) {
        RangeDecision::Whole { ignored } => {
            let why = ignored.map_or(String::new(), |why| format!(" (Range ignored: {why})"));
            plain(
                base(200).with_body(body),
                &format!("Served the whole video, {length} bytes{why}."),
            )
        }
        RangeDecision::Part { first, last } => {
            let slice = usize::try_from(first)
                .ok()
                .zip(usize::try_from(last).ok())
                .and_then(|(first, last)| body.get(first..=last))
                .unwrap_or_default()
                .to_vec();
            plain(
                base(206)
                    .with_header("Content-Range", format!("bytes {first}-{last}/{length}"))
                    .with_body(slice),
                &format!("Served bytes {first}-{last} of the {length}-byte video."),
            )
        }
        RangeDecision::Unsatisfiable => plain(
            base(416).with_header("Content-Range", format!("bytes */{length}")),
            &format!("The range asked for lies outside the {length}-byte video."),
        ),
    }
}

fn not_logged_in(event: SessionEvent, why: &str) -> Handled {
    Handled {
        response: Response::html(
            401,
            page(
                "Not logged in",
                "<p>You are not logged in.</p><form method=\"post\" action=\"/login\">\
                 <input name=\"user\"><input name=\"password\" type=\"password\">\
                 <button>Log in</button></form>",
            ),
        ),
        events: vec![event],
        summary: format!("{why} Answered 401."),
    }
}

fn not_allowed(method: &str, allowed: &str) -> Handled {
    plain(
        Response::html(
            405,
            page("Method not allowed", "<p>Method not allowed.</p>"),
        )
        .with_header("Allow", allowed),
        &format!("{method} is not allowed here; only {allowed}."),
    )
}

fn bad_request(why: &str) -> Handled {
    plain(
        Response::html(
            400,
            page("Bad request", &format!("<p>{}</p>", escape_html(why))),
        ),
        why,
    )
}

fn server_error(err: &HttpError) -> Handled {
    plain(
        Response::html(500, page("Server error", "<p>Please try again.</p>")),
        &format!("Could not start a session: {err}."),
    )
}

fn plain(response: Response, summary: &str) -> Handled {
    Handled {
        response,
        events: Vec::new(),
        summary: summary.to_owned(),
    }
}

/// The exchange record and the response bytes for a request the server handled.
fn record(request: &ParsedRequest, handled: &Handled) -> (Exchange, Vec<u8>) {
    let headers = handled.response.wire_headers();
    let exchange = Exchange {
        request_line: request.request_line(),
        request_headers: headers_text(&request.headers),
        request_body: String::from_utf8_lossy(&request.body).into_owned(),
        status: handled.response.status,
        reason: reason_phrase(handled.response.status).to_owned(),
        response_headers: headers_text(&headers),
        set_cookies: header_values(&headers, "set-cookie")
            .map(str::to_owned)
            .collect(),
        session_events: handled.events.clone(),
        summary: handled.summary.clone(),
    };
    (exchange, handled.response.to_bytes())
}

/// The 400 (or 413, for oversized input) answering bytes that are not a readable request.
fn refuse(unreadable: &Unreadable) -> (Exchange, Vec<u8>) {
    let status = match unreadable.error {
        HttpError::HeadTooLarge { .. } | HttpError::BodyTooLarge { .. } => 413,
        _ => 400,
    };
    let why = format!("Unreadable request: {}.", unreadable.error);
    let response = Response::html(
        status,
        page("Bad request", &format!("<p>{}</p>", escape_html(&why))),
    );
    let headers = response.wire_headers();
    let exchange = Exchange {
        request_line: unreadable.first_line.clone(),
        request_headers: String::new(),
        request_body: String::new(),
        status,
        reason: reason_phrase(status).to_owned(),
        response_headers: headers_text(&headers),
        set_cookies: Vec::new(),
        session_events: Vec::new(),
        summary: format!("{why} Discarded what was buffered."),
    };
    (exchange, response.to_bytes())
}

fn home_page() -> String {
    page(
        "MyBank",
        "<h1>MyBank</h1><p>Log in to see your balance.</p>\
         <form method=\"post\" action=\"/login\"><input name=\"user\">\
         <input name=\"password\" type=\"password\"><button>Log in</button></form>",
    )
}

fn page(title: &str, body: &str) -> String {
    format!("<!doctype html><title>MyBank — {title}</title>{body}")
}

/// Escapes text for HTML element content and attribute values.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}
