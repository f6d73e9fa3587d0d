//! The lab's browser-like client: writes requests with the jar's cookies, reads the responses
//! that come back, feeds their `Set-Cookie`s to the jar, and records each round trip.
//!
//! One [`Client`] lives for the whole run, like a browser: its jar outlives every TLS
//! connection. Only the responses awaited and the bytes of a half-read response belong to a
//! connection; [`Client::new_connection`] reports and drops them.

use std::collections::VecDeque;

use serde::Serialize;

use super::error::HttpError;
use super::jar::{CookieJar, CookieView, JarUpdate, SentCookie, WithheldCookie};
use super::message::{header_values, headers_text, ResponseReader};
use super::request::Request;

/// How many characters of a body the page gets to preview.
const BODY_PREVIEW_CHARS: usize = 1024;

/// What the request travels over, which decides whether `Secure` cookies may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Transport {
    /// Inside TLS (`https`).
    Tls,
    /// In the clear (`http`).
    PlainHttp,
}

/// A request the client wrote, and which cookies went with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentRequest {
    /// The bytes to hand to the connection (inside TLS, or in the clear).
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// The request line, e.g. `GET /dashboard HTTP/1.1`.
    pub request_line: String,
    /// The headers as text, one `Name: value` per line.
    pub request_headers: String,
    /// The body as text (a form, or empty).
    pub request_body: String,
    /// What it travels over.
    pub transport: Transport,
    /// The cookies it carried.
    pub cookies_sent: Vec<SentCookie>,
    /// The jar's cookies it did not carry, and why.
    pub cookies_withheld: Vec<WithheldCookie>,
    /// Lab time it was sent (Unix seconds).
    pub sent_at: u64,
    /// The path cookies were matched against, and the default `Path` for cookies set in reply.
    #[serde(skip)]
    path: String,
}

/// A response the client read completely.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedResponse {
    /// The status code.
    pub status: u16,
    /// The reason phrase as sent.
    pub reason: String,
    /// The headers as text, one `Name: value` per line.
    pub response_headers: String,
    /// The `Set-Cookie` values, in order.
    pub set_cookies: Vec<String>,
    /// The body's length in bytes.
    pub body_length: usize,
    /// The start of the body as text (lossy), `…` marking a cut.
    pub body_preview: String,
    /// The body.
    #[serde(skip)]
    pub body: Vec<u8>,
    /// Lab time it was read (Unix seconds).
    pub received_at: u64,
}

/// One round trip as the client saw it: the table row "HTTP session" of the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientExchange {
    /// What was sent.
    pub request: SentRequest,
    /// What came back.
    pub response: ReceivedResponse,
    /// What each `Set-Cookie` did to the jar, in order.
    pub jar_updates: Vec<JarUpdate>,
}

/// What one call to [`Client::receive`] produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// Every round trip the bytes completed, in order.
    pub exchanges: Vec<ClientExchange>,
    /// Why reading stopped, if the bytes were not a readable response. The connection's HTTP
    /// stream is unusable after that: buffered bytes and awaited responses are dropped.
    pub error: Option<HttpError>,
}

/// A request whose response never arrived whole because its connection ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Interrupted {
    /// The request.
    pub request: SentRequest,
    /// The response's status, if its head had arrived.
    pub status: Option<u16>,
    /// The announced body length, if the head had arrived.
    pub expected_body_length: Option<usize>,
    /// How many body bytes had arrived: where a `Range: bytes=N-` retry resumes (plus the
    /// range's own start, for a ranged request).
    pub received_body_length: usize,
    /// The body bytes that had arrived.
    #[serde(skip)]
    pub received_body: Vec<u8>,
}

/// The client: a cookie jar for the run, the responses awaited on the current connection.
#[derive(Clone, Debug, Default)]
pub struct Client {
    jar: CookieJar,
    responses: ResponseReader,
    awaiting: VecDeque<SentRequest>,
}

impl Client {
    /// A client with an empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cookie jar.
    pub fn jar(&self) -> &CookieJar {
        &self.jar
    }

    /// The cookie jar, to change by hand (e.g. a chapter planting a cookie).
    pub fn jar_mut(&mut self) -> &mut CookieJar {
        &mut self.jar
    }

    /// The jar for the page at `now`.
    pub fn jar_view(&self, now: u64) -> Vec<CookieView> {
        self.jar.view(now)
    }

    /// Writes `request` for a connection over `transport` at lab time `now`, with the cookies
    /// the jar allows; the request then awaits its response. Write the returned `bytes` to the
    /// connection.
    pub fn send(&mut self, request: &Request, transport: Transport, now: u64) -> SentRequest {
        let path = request.path().to_owned();
        let selection = self.jar.select(&path, transport, now);
        let encoded = request.encode(selection.header.as_deref());
        let sent = SentRequest {
            bytes: encoded.bytes,
            request_line: request.request_line(),
            request_headers: headers_text(&encoded.headers),
            request_body: encoded.body,
            transport,
            cookies_sent: selection.sent,
            cookies_withheld: selection.withheld,
            sent_at: now,
            path,
        };
        self.awaiting.push_back(sent.clone());
        sent
    }

    /// Feeds bytes the client's connection delivered at lab time `now`: every response they
    /// complete is matched to the oldest request awaiting one, and its cookies go to the jar.
    /// Incomplete input is kept for the next call.
    pub fn receive(&mut self, bytes: &[u8], now: u64) -> Received {
        self.responses.push(bytes);
        let mut received = Received::default();
        while let Some(next) = self.responses.next_response() {
            let response = match next {
                Ok(response) => response,
                Err(error) => {
                    received.error = Some(error);
                    self.awaiting.clear();
                    break;
                }
            };
            // An interim 1xx response precedes the real one; it answers nothing by itself.
            if response.status < 200 {
                continue;
            }
            let Some(request) = self.awaiting.pop_front() else {
                received.error = Some(HttpError::UnsolicitedResponse);
                self.responses.clear();
                break;
            };
            let set_cookies: Vec<String> = header_values(&response.headers, "set-cookie")
                .map(str::to_owned)
                .collect();
            let jar_updates = set_cookies
                .iter()
                .map(|set_cookie| {
                    self.jar
                        .store(set_cookie, &request.path, request.transport, now)
                })
                .collect();
            received.exchanges.push(ClientExchange {
                request,
                response: ReceivedResponse {
                    status: response.status,
                    reason: response.reason,
                    response_headers: headers_text(&response.headers),
                    set_cookies,
                    body_length: response.body.len(),
                    body_preview: preview(&response.body),
                    body: response.body,
                    received_at: now,
                },
                jar_updates,
            });
        }
        received
    }

    /// The current connection has ended (or a new one starts): requests still awaiting a
    /// response are given up, the first with whatever of its response had arrived. The jar
    /// stays.
    pub fn new_connection(&mut self) -> Vec<Interrupted> {
        let partial = self.responses.take_partial();
        let mut interrupted: Vec<Interrupted> = self
            .awaiting
            .drain(..)
            .map(|request| Interrupted {
                request,
                status: None,
                expected_body_length: None,
                received_body_length: 0,
                received_body: Vec::new(),
            })
            .collect();
        if let (Some(first), Some(partial)) = (interrupted.first_mut(), partial) {
            first.status = partial.status;
            first.expected_body_length = partial.expected_body_length;
            first.received_body_length = partial.body.len();
            first.received_body = partial.body;
        }
        interrupted
    }

    /// How many requests await a response on the current connection.
    pub fn awaiting_responses(&self) -> usize {
        self.awaiting.len()
    }
}

fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.chars().count() > BODY_PREVIEW_CHARS {
        format!(
            "{}…",
            text.chars().take(BODY_PREVIEW_CHARS).collect::<String>()
        )
    } else {
        text.into_owned()
    }
}
