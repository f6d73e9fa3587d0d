//! The lab's HTTP/1.1 application, on top of the TLS connections: the `mybank.example` server
//! with its login sessions, and the browser-like client with its cookie jar.
//!
//! This is the *HTTP session* the page contrasts with the TLS session: a random id in a
//! `Secure; HttpOnly` cookie naming an entry in the server's store, with a lifetime of its own on
//! the lab clock. TLS resumption neither creates nor ends it; a new TLS connection carries the
//! same cookie, and advancing the clock 15 minutes ends the login while TLS tickets still work.
//!
//! - [`server`]: routes (`/`, `/login`, `/dashboard`, `/logout`, `/video`) and [`Exchange`]s;
//! - [`store`]: the server's session store;
//! - [`client`] and [`jar`]: requests with cookies, responses, [`ClientExchange`]s;
//! - [`request`], [`message`], [`form`]: writing and reading the bytes (`httparse` underneath);
//! - [`video`]: the synthetic body and `Range` handling for the streaming chapter.
//!
//! Nothing here reads a clock or does I/O: "now" is passed in as Unix seconds from
//! [`crate::clock::LabClock`], and bytes are handed in and out by the engine.

pub mod client;
pub mod error;
pub mod form;
pub mod jar;
pub mod message;
pub mod request;
pub mod server;
pub mod store;
pub mod video;

#[cfg(test)]
mod tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests_fuzz;

pub use client::{
    Client, ClientExchange, Interrupted, Received, ReceivedResponse, SentRequest, Transport,
};
pub use error::HttpError;
pub use jar::{CookieJar, CookieView, JarUpdate, SentCookie, WithheldCookie, WithholdReason};
pub use request::{ByteRange, Method, Request};
pub use server::{
    Exchange, Served, Server, SessionEvent, DEMO_PASSWORD, DEMO_USER, SESSION_COOKIE,
};
pub use store::{SessionEntryView, SessionStore, COOKIE_MAX_AGE_SECS, SESSION_LIFETIME_SECS};
pub use video::{video_body, VIDEO_LENGTH, VIDEO_PATH};

/// The status code of a response, if `bytes` start with a response head (complete or not past
/// the status line). For a quick label; [`Client::receive`] is the full reader.
pub fn response_status(bytes: &[u8]) -> Option<u16> {
    let mut headers = [httparse::EMPTY_HEADER; message::MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut headers);
    match parsed.parse(bytes) {
        Ok(_) => parsed.code,
        Err(_) => None,
    }
}
